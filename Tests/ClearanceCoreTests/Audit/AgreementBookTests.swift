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

    /// The party index (open addressing by ``AgreementBook/partyHash(subscriber:source:)``) finds each (subscriber,
    /// source) group and no other: many parties, subscribers with several sources, ids that are prefixes of each other
    /// or not ASCII, parties the book does not hold; and asking for any party's lines ahead (``AgreementBook/prefetch(_:stage:ranges:)``,
    /// by hashes held or not, every stage, in any order) changes no answer.
    @Test func everyPartyFindsItsOwnAgreements() throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 4_242))
        let subscribers = (0..<300).map { "sub-\($0)" } + ["sub-1 ", "İLKHA abonesi", "s", "s/", "sub-10x"]
        let sources = ["ilkha", "aa", "ilkha2"]
        var agreements: [Agreement] = []
        var expected: [String: Set<String>] = [:]
        for (n, subscriber) in subscribers.enumerated() {
            for (k, source) in sources.enumerated() where (n + k) % 3 != 2 {
                var a = gen.agreement(n * 10 + k)
                a.subscriber = Subscriber(id: subscriber)
                a.source = source
                a.effectiveAt = nil
                agreements.append(a)
                expected["\(subscriber)|\(source)", default: []].insert(a.id)
            }
        }
        let book = AgreementBook(agreements)
        let ranges = UnsafeMutablePointer<HotRange>.allocate(capacity: AgreementBook.prefetchRangeCapacity)
        defer { ranges.deallocate() }
        let at = Instant(year: 2026, month: 6, day: 1)
        var found = 0
        for round in 0..<2 {
            for subscriber in subscribers + ["nobody", "sub-"] {
                for source in sources + ["other"] {
                    let h = AgreementBook.partyHash(subscriber: subscriber, source: source)
                    #expect(h == AgreementBook.partyHash(subscriberHash: AgreementBook.subscriberHash(subscriber), source: source))
                    for stage in 0..<AgreementBook.prefetchStages {
                        book.prefetch(round == 0 ? h : UInt64(stage) &* 0x9E37_79B9_7F4A_7C15, subscriber: subscriber, stage: stage, ranges: ranges)
                        // Another subscriber's party under this one's hash (as a crafted collision would be): not followed past its group.
                        book.prefetch(h, subscriber: subscriber + "x", stage: stage, ranges: ranges)
                    }
                    var made: Set<String>?
                    let ref = try book.deciderRef(subscriber: subscriber, source: source, at: at) { prepared in
                        made = Set(prepared.map(\.agreement.id))
                        return NewsDecider(notice: nil, agreements: prepared)
                    }
                    let want = expected["\(subscriber)|\(source)"]
                    #expect((ref != nil) == (want != nil), "\(subscriber) with \(source)")
                    if round == 0 { #expect(made == want, "\(subscriber) with \(source)") } else { #expect(made == nil) }
                    if let ref { #expect(Set(ref.decider.agreements.map(\.agreement.id)) == want); found += 1 }
                }
            }
        }
        #expect(found == 2 * expected.count)
        // Added after use: the index is rebuilt and finds the new party.
        var late = gen.agreement(99_999)
        late.subscriber = Subscriber(id: "late")
        book.add(late)
        #expect(try book.deciderRef(subscriber: "late", source: late.source, at: at) { NewsDecider(notice: nil, agreements: $0) } != nil)
        #expect(try book.deciderRef(subscriber: "sub-0", source: "ilkha", at: at) { NewsDecider(notice: nil, agreements: $0) } != nil)
    }
}
