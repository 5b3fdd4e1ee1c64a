@testable import ClearanceCore
import Testing

/// The book's kept decider (``AgreementBook/deciderRef(subscriber:source:at:make:)``) is always made from the versions in
/// force at the event's instant, as ``AgreementBook/preparedVersions(subscriber:source:at:)`` chooses them: the window
/// over which a kept decider is taken without choosing again (scan session 9) must never outlive its versions.
@Suite struct AgreementBookTests {
    /// Agreements with several versions (some without an effective date, some sharing one), events at instants around
    /// and exactly on every effective date, in time order and in random order.
    @Test(arguments: [11, 12, 13])
    func keptDeciderIsMadeFromTheVersionsInForce(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_919))
        let day: Int64 = 86_400_000
        let start: Int64 = 1_767_225_600_000  // 2026-01-01
        var versions: [Agreement] = []
        var dates: [Int64] = [start - day, start + 400 * day]
        for n in 0..<18 {
            let base = gen.agreement(n)
            let count = 1 + gen.rng.next(4)
            for v in 0..<count {
                var a = base
                a.version = v + 1
                // The first version often has no effective date; later ones on random days (two may share a day).
                if v == 0 && gen.rng.next(2) == 0 {
                    a.effectiveAt = nil
                } else {
                    let at = start + Int64(gen.rng.next(12)) * 30 * day + Int64(v) * day * Int64(gen.rng.next(2))
                    a.effectiveAt = Instant(millisecondsSinceEpoch: at)
                    dates.append(at)
                }
                versions.append(a)
            }
        }
        var instants: [Int64] = []
        for d in dates { instants += [d - 1, d, d + 1] }
        for _ in 0..<300 { instants.append(start - 10 * day + Int64(gen.rng.next(400)) * day + Int64(gen.rng.next(1000))) }
        var shuffled = instants
        for i in shuffled.indices.reversed() { shuffled.swapAt(i, gen.rng.next(i + 1)) }
        var checked = 0, remade = 0
        for order in [instants.sorted(), shuffled, instants.sorted(by: >)] {
            let book = AgreementBook(versions)
            var madeWith: [ObjectIdentifier: [String]] = [:]
            for t in order {
                for subscriber in ["alsharq", "gulf news", "levant/post", "nobody"] {
                    let at = Instant(millisecondsSinceEpoch: t)
                    var made: [String]?
                    let ref = try book.deciderRef(subscriber: subscriber, source: "ilkha", at: at) { prepared in
                        made = prepared.map { "\($0.agreement.id)@\($0.agreement.version ?? 0)" }
                        return NewsDecider(notice: nil, agreements: prepared)
                    }
                    let expected = try book.preparedVersions(subscriber: subscriber, source: "ilkha", at: at)
                        .map { "\($0.prepared.agreement.id)@\($0.prepared.agreement.version ?? 0)" }
                    guard let ref else {
                        #expect(expected.isEmpty, "\(subscriber) at \(t)")
                        continue
                    }
                    if let made { madeWith[ObjectIdentifier(ref)] = made; remade += 1 }
                    #expect(madeWith[ObjectIdentifier(ref)] == expected, "\(subscriber) at \(t)")
                    checked += 1
                }
            }
        }
        // The run meant something: deciders kept and taken again, and made again when the versions changed.
        #expect(checked > 1_000 && remade > 20)
    }
}
