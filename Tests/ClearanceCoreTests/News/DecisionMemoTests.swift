@testable import ClearanceCore
import Testing

/// The decider words sentences on demand and remembers them in a `DecisionMemo` under keys that hold
/// only what the words depend on (bench/PROFILE.md, "Preparing an agreement"): a memo must never
/// change a decision or its bytes, whichever shapes repeat.
@Suite struct DecisionMemoTests {
    @Test(arguments: [31, 32, 33, 34])
    func memoisedDecisionsAreTheSameBytes(seed: Int) throws {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let notice = try NoticeTerms(source: "ilkha", policy: policy)
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 6_700_417))
        var prepared: [PreparedAgreement] = []
        for n in 0..<24 {
            let a = gen.agreement(n)
            if let p = try? PreparedAgreement(a) { prepared.append(p) }
        }
        let decider = NewsDecider(notice: notice, agreements: prepared)
        let memo = DecisionMemo()
        var usage = InMemoryUsage()
        // Few subscribers, many requests: shapes repeat, so most explanations come from the memo.
        for _ in 0..<1500 {
            let r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post", "nobody"]))
            let plain = decider.decide(r, usage: usage)
            let memoised = decider.decide(r, usage: usage, memo: memo)
            #expect(plain == memoised, "\(r.json.serialized())")
            #expect(plain.jsonText == memoised.jsonText, "\(r.json.serialized())")
            #expect(memoised.jsonText == memoised.json.serialized())
            if case .agreement(let id, let g)? = memoised.permittedBy { usage.record(agreement: id, grant: g, at: r.at) }
        }
        #expect(memo.explanations.count > 0 && memo.permits.count > 0)
    }

    /// A remembered reason carries its JSON; changing a field drops it, and it never takes part in equality.
    @Test func writtenJSONFollowsTheReason() {
        var r = Reason(code: "granted", agreement: "C-1", message: "m", quote: "«q»", quoteFrom: "notice").withWrittenJSON()
        #expect(r.written != nil)
        #expect(r == Reason(code: "granted", agreement: "C-1", message: "m", quote: "«q»", quoteFrom: "notice"))
        r.message = "other"
        #expect(r.written == nil)
        let d = NewsDecision(id: "x", verdict: .deny, source: "s", subscriber: "t", reasons: [r.withWrittenJSON()])
        #expect(d.jsonText == d.json.serialized())
    }
}
