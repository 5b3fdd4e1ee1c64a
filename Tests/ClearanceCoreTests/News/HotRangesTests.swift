@testable import ClearanceCore
import Testing

/// ``NewsDecider/hotRanges(stage:into:capacity:)`` names the memory of the decider's own agreements (what
/// `check --batch` asks for ahead of deciding): every range lies in an object the decider holds, stages
/// follow the chain of objects, and nothing is named for a decider without agreements.
@Suite struct HotRangesTests {
    /// A per-party decider with `count` agreements (one subscriber, one source), as a batch worker makes.
    private func decider(agreements count: Int, seed: UInt64) throws -> (NewsDecider, [PreparedAgreement]) {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let notice = try NoticeTerms(source: "ilkha", policy: policy)
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: seed))
        var prepared: [PreparedAgreement] = []
        var n = 0
        while prepared.count < count && n < 1_000 {
            var a = gen.agreement(n)
            n += 1
            a.subscriber = prepared.first?.agreement.subscriber ?? a.subscriber
            a.source = "ilkha"
            if let p = try? PreparedAgreement(a) { prepared.append(p) }
        }
        #expect(prepared.count == count)
        return (NewsDecider(notice: notice, agreements: prepared), prepared)
    }

    private func ranges(_ d: NewsDecider, stage: Int, capacity: Int = 32) -> [HotRange] {
        let out = UnsafeMutablePointer<HotRange>.allocate(capacity: capacity)
        defer { out.deallocate() }
        let n = d.hotRanges(stage: stage, into: out, capacity: capacity)
        #expect(n >= 0 && n <= capacity)
        return (0..<n).map { out[$0] }
    }

    @Test(arguments: [1, 2, 3, 4, 6])
    func stagesNameTheAgreementsObjects(count: Int) throws {
        let (d, prepared) = try decider(agreements: count, seed: 77 &+ UInt64(count))
        let shown = count
        // Stage 0: the list's storage, then each of the first four agreements' blocks.
        let zero = ranges(d, stage: 0)
        #expect(zero.count == 1 + min(count, 4))
        for (k, r) in zero.dropFirst().enumerated() {
            #expect(r.start == UnsafeRawPointer(prepared[k].block.header))
            #expect(r.bytes == prepared[k].block.hotBytes)
        }
        // Stage 1: each agreement's prepared core, in order.
        let one = ranges(d, stage: 1)
        #expect(one.count == shown)
        for (k, r) in one.enumerated() {
            #expect(r.start == UnsafeRawPointer(Unmanaged.passUnretained(prepared[k].core).toOpaque()))
            #expect(r.bytes > 16)
        }
        // Stage 2: per agreement, its grants' storage, then its words' block (``AgreementWords``: slots, then
        // the text) as ranges of two lines (the batch asks for the first two lines of each range).
        let two = ranges(d, stage: 2)
        var expected: [(UnsafeRawPointer, Int?)] = []
        for k in 0..<shown {
            prepared[k].core.agreement.grants.withUnsafeBufferPointer { g in
                expected.append((UnsafeRawPointer(g.baseAddress!) - 32, nil))
            }
            let words = prepared[k].core.words.start, bytes = prepared[k].core.words.byteCount
            #expect(bytes >= 48 + prepared[k].core.text.bytes.count)
            expected.append((words, min(bytes, 128)))
            if bytes > 128 { expected.append((words + 128, bytes - 128)) }
        }
        #expect(two.count == expected.count)
        for (r, e) in zip(two, expected) {
            #expect(r.start == e.0)
            if let b = e.1 { #expect(r.bytes == b) }
        }
        // No stage past the last.
        #expect(ranges(d, stage: NewsDecider.hotStages).isEmpty)
        // A smaller capacity is respected.
        #expect(ranges(d, stage: 2, capacity: 1).count == 1)
    }

    /// ``NewsDecider/agreementList(of:)`` (the list read in place, without a retain) is the decider's list.
    @Test(arguments: [0, 1, 3, 9])
    func agreementListIsTheDecidersList(count: Int) throws {
        let d: NewsDecider, prepared: [PreparedAgreement]
        if count == 0 {
            let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
            prepared = []
            d = NewsDecider(notice: try NoticeTerms(source: "ilkha", policy: policy), agreements: prepared)
        } else {
            (d, prepared) = try decider(agreements: count, seed: 91 &+ UInt64(count))
        }
        withUnsafePointer(to: d) { at in
            let list = NewsDecider.agreementList(of: at)
            #expect(list.count == prepared.count)
            for k in 0..<min(list.count, prepared.count) { #expect(list[k].core === prepared[k].core) }
        }
    }

    @Test func nothingWithoutAgreements() throws {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let d = NewsDecider(notice: try NoticeTerms(source: "ilkha", policy: policy), agreements: [PreparedAgreement]())
        for stage in 0..<NewsDecider.hotStages { #expect(ranges(d, stage: stage).isEmpty) }
    }
}
