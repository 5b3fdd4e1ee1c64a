@testable import ClearanceCore
import Testing

/// A decision's reasons without words (`reasonHeads`), one reason worded alone (`reason(at:of:for:)`)
/// and a permit's duties (`duties`) say what `decision` says, on random agreements and requests
/// (every reason code, two notices, with and without a memo).
@Suite struct ReasonHeadsTests {
    @Test(arguments: [41, 43])
    func headsAndOneReasonAreTheDecisions(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_368_787))
        var prepared: [PreparedAgreement] = []
        for n in 0..<30 {
            var a = gen.agreement(n)
            if n % 7 == 3 { a.id = "A-\"\(n)\"\\x" }
            if let p = try? PreparedAgreement(a) { prepared.append(p) }
        }
        var codes: Set<String> = []
        for notice in try EvaluationTests.notices() {
            let decider = NewsDecider(notice: notice, agreements: prepared)
            let memo = DecisionMemo()
            var usage = InMemoryUsage()
            for i in 0..<900 {
                var r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post", "nobody"]))
                if i % 97 == 0 { r.source = "other" }
                if i % 13 == 0 { r.asset.kind = .text; r.action = "reproduce"; r.extent = .partial; r.portion = 0.05; r.source = "ilkha" }
                let reference = decider.decide(r, usage: usage)
                for m in [nil, memo] {
                    let e = decider.evaluate(r, usage: usage, memo: m)
                    let heads = decider.reasonHeads(e, for: r, usage: usage)
                    #expect(heads == reference.reasons.map { ReasonHead(code: $0.code, agreement: $0.agreement) }, "\(r.json.serialized())")
                    for k in reference.reasons.indices {
                        #expect(decider.reason(at: k, of: e, for: r, usage: usage, memo: m) == reference.reasons[k], "\(k) \(r.json.serialized())")
                    }
                    #expect(decider.reason(at: reference.reasons.count, of: e, for: r, usage: usage, memo: m) == nil)
                    #expect(decider.reason(at: -1, of: e, for: r, usage: usage, memo: m) == nil)
                    #expect(decider.duties(e) == reference.duties)
                }
                for reason in reference.reasons { codes.insert(reason.code) }
                if case .agreement(let id, let g)? = reference.permittedBy { usage.record(agreement: id, grant: g, at: r.at) }
            }
        }
        for code in ["granted", "no_agreement", "public_permission", "public_permission_not_met", "no_policy", "asset_not_granted",
                     "territory_not_granted", "agreement_expired"] {
            #expect(codes.contains(code), "\(code) never decided")
        }
    }
}
