import ClearanceCore
import Testing
@testable import clearance_bench

/// `clearance-bench generate`'s workload: the default scale (three agreements per subscriber, issue 4's
/// 30,000 at 10,000 subscribers), the former random spread, and determinism from the seed.
@Suite("Workload generator")
struct WorkloadGeneratorTests {
    /// A small workload with the given spread (few requests: the agreements are what these tests look at).
    static func workload(subscribers: Int = 300, requests: Int = 600, seed: UInt64 = 42,
                         agreements: AgreementSpread? = nil) -> Workload {
        var c = WorkloadConfig()
        c.subscribers = subscribers
        c.requests = requests
        c.seed = seed
        if let agreements { c.agreements = agreements }
        var g = WorkloadGenerator(config: c)
        return g.generate()
    }

    /// Everything a workload writes that the commands read, as text (agreements and requests in order).
    static func text(_ w: Workload) -> String {
        var s = w.agreements.map { $0.json.serialized() }.joined(separator: "\n")
        for r in w.requests { WorkloadFiles.requestJSON(r, into: &s); s += "\n" }
        return s + w.expected.map(\.rawValue).joined(separator: ",")
    }

    @Test("the default is three agreements per subscriber, at any number of subscribers")
    func defaultIsThreePerSubscriber() {
        #expect(WorkloadConfig().subscribers == 10_000)
        #expect(WorkloadConfig().agreements == .perSubscriber(3))
        for subscribers in [1, 7, 300] {
            let w = Self.workload(subscribers: subscribers, requests: 200)
            #expect(w.agreements.count == 3 * subscribers)
            #expect(w.bySubscriber.count == subscribers)
            #expect(w.bySubscriber.values.allSatisfy { $0.count == 3 })
            #expect(Set(w.agreements.map(\.subscriber.id)).count == subscribers)
        }
    }

    @Test("three per subscriber is the same workload as the same total spread evenly (`--agreements 30000` at 10,000)")
    func defaultEqualsTotal() {
        let byDefault = Self.workload()
        let byTotal = Self.workload(agreements: .total(900))
        #expect(Self.text(byDefault) == Self.text(byTotal))
    }

    @Test("a total that does not divide evenly gives the first subscribers one more")
    func unevenTotal() {
        let w = Self.workload(subscribers: 10, requests: 100, agreements: .total(25))
        #expect(w.agreements.count == 25)
        let counts = (0..<10).map { w.bySubscriber[WorkloadGenerator.subscriberID($0)]?.count ?? 0 }
        #expect(counts == [3, 3, 3, 3, 3, 2, 2, 2, 2, 2])
    }

    @Test("the same seed gives the same workload; another seed another one")
    func deterministicFromSeed() {
        let a = Self.workload(seed: 7), b = Self.workload(seed: 7), c = Self.workload(seed: 8)
        #expect(Self.text(a) == Self.text(b))
        #expect(Self.text(a) != Self.text(c))
        #expect(a.requests.count == 600)
        // A third of the requests are steered to a permit, whatever the seed.
        #expect(a.expected.filter { $0 == .permit }.count == 600 / 3)
    }

    @Test("`--agreements random` keeps the former spread: one to three each, about 1.65 on average, from the seed")
    func randomSpread() {
        let w = Self.workload(subscribers: 1_000, requests: 50, agreements: .random)
        let counts = w.bySubscriber.values.map(\.count)
        #expect(counts.allSatisfy { (1...3).contains($0) })
        #expect(Set(counts) == [1, 2, 3])
        let mean = Double(w.agreements.count) / 1_000
        #expect(mean > 1.55 && mean < 1.75)
        #expect(Self.text(w) == Self.text(Self.workload(subscribers: 1_000, requests: 50, agreements: .random)))
    }

    @Test("`--agreements` takes a whole number or `random`", arguments: [
        ("30000", AgreementSpread.total(30_000)), ("30_000", .total(30_000)), ("random", .random), ("1", .total(1)),
        ("0", nil), ("-3", nil), ("three", nil), ("", nil), ("Random", nil),
    ] as [(String, AgreementSpread?)])
    func flagValues(flag: String, expected: AgreementSpread?) {
        #expect(AgreementSpread(flag: flag) == expected)
    }
}
