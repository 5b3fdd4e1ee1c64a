@testable import ClearanceCore
import Testing

/// `decide` is `evaluate` (the facts) followed by `decision` (the words), and the batch writes a
/// decision's JSON straight from the facts (`appendDecisionJSON`): every way must give the same
/// decision and the same bytes as the decision's own JSON writer, with or without a memo (random
/// agreements and requests: every reason code, ids and values that need escaping, two notices).
@Suite struct EvaluationTests {
    /// The İLKHA notice plus what it lacks to exercise every sentence: a public permission (with a
    /// duty and a percentage limit), a second prohibition lifted by other kinds of agreement, and
    /// quotes with characters JSON must escape.
    static let richPolicy = #"""
    {"@context": ["http://www.w3.org/ns/odrl.jsonld", {"clr": "urn:clearance:"}],
     "@type": "Set", "uid": "urn:clearance:policy:ilkha", "profile": "http://iptc.org/std/RightsML/2/",
     "assigner": "urn:clearance:source:ilkha", "clr:formatVersion": 1, "clr:draft": false,
     "clr:notice": {"text": "Notice \"quoted\" \\ back\tslash", "credit": "İLKHA"},
     "permission": [
      {"uid": "urn:clearance:policy:ilkha#permission-1",
       "target": [{"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:text"}],
       "action": "reproduce",
       "constraint": [{"leftOperand": "percentage", "operator": "lteq", "rightOperand": 10}],
       "duty": [{"action": "clr:attribute", "clr:text": "İLKHA"}],
       "clr:summary": "quote up to 10% of a text with the credit line",
       "clr:quote": "quote \"up to\" 10%"}],
     "prohibition": [
      {"uid": "urn:clearance:policy:ilkha#prohibition-1",
       "target": [{"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:text"},
                  {"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:photo"},
                  {"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:video"}],
       "action": "use", "clr:assets": ["text", "photo", "video"], "clr:uses": ["whole", "partial"],
       "clr:liftedBy": ["contract", "subscription"], "clr:prior": true,
       "clr:provenance": {"text": "وفي أي حال من الأحوال لن يمكن استخدامها", "translation": "in no case"}},
      {"uid": "urn:clearance:policy:ilkha#prohibition-2",
       "target": [{"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:audio"}],
       "action": "distribute", "clr:assets": ["audio"],
       "clr:liftedBy": ["license", "written permission"],
       "clr:quote": "audio \\ needs a \"licence\"\n"}]}
    """#

    static func notices() throws -> [NoticeTerms] {
        let plain = try NoticeTerms(source: "ilkha", policy: try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json")))
        let rich = try NoticeTerms(source: "ilkha", policy: try ODRLReader.readPolicy(try JSONParser.parse(Array(richPolicy.utf8))))
        return [plain, rich]
    }

    @Test(arguments: [41, 42, 43, 44])
    func evaluateThenWordsIsDecide(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_368_787))
        var prepared: [PreparedAgreement] = []
        for n in 0..<30 {
            var a = gen.agreement(n)
            // Ids and clauses that need escaping, and non-ASCII ones.
            if n % 7 == 3 { a.id = "A-\"\(n)\"\\x" }
            if n % 7 == 5 { a.id = "عقد-\(n)" }
            if let p = try? PreparedAgreement(a) { prepared.append(p) }
        }
        let notices = try EvaluationTests.notices()
        var seen: Set<String> = []
        var direct = 0, total = 0
        for (k, notice) in notices.enumerated() {
            // A decider over every agreement (indexed by subscriber) and one per request's subscriber (scanned).
            let all = NewsDecider(notice: notice, agreements: prepared)
            let memo = DecisionMemo()
            var usage = InMemoryUsage()
            for i in 0..<900 {
                var r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post", "nobody"]))
                if i % 97 == 0 { r.source = "other" }
                if i % 31 == 0 { r.territory = gen.pick(["XX", "T\"R", "ÇÇ", "a-very-long-territory"]) }
                if i % 29 == 0 { r.id = gen.pick([nil, "id \"q\"", "ид"]) }
                if i % 13 == 0 {  // what the public permission covers: 5% of a text
                    r.asset.kind = .text; r.action = "reproduce"; r.extent = .partial; r.portion = 0.05; r.source = "ilkha"
                }
                let one = NewsDecider(notice: notice, agreements: prepared.filter { $0.agreement.subscriber.id == r.subscriber })
                for decider in [all, one] {
                    let reference = decider.decide(r, usage: usage)
                    for m in [nil, memo] {
                        total += 1
                        let e = decider.evaluate(r, usage: usage, memo: m)
                        #expect(e.verdict == reference.verdict)
                        #expect(decider.permitBasis(e) == reference.permittedBy)
                        let worded = decider.decision(e, for: r, usage: usage, memo: m)
                        #expect(worded == reference, "\(r.json.serialized())")
                        if let box = decider.noticeBox, decider.writesDirectly(e, r, box) { direct += 1 }
                        var bytes: [UInt8] = [0x41]
                        decider.appendDecisionJSON(e, for: r, usage: usage, memo: m, to: &bytes)
                        #expect(bytes == [0x41] + Array(reference.jsonText.utf8), "\(r.json.serialized())")
                    }
                    for reason in reference.reasons { seen.insert("\(k):\(reason.code)") }
                }
                if case .agreement(let id, let g)? = reference(all, r, usage).permittedBy { usage.record(agreement: id, grant: g, at: r.at) }
            }
        }
        // Many decisions are written straight from the facts (the rest, with embargoes, quotas and restrictions, from `decision`'s words).
        #expect(direct * 4 > total, "\(direct) of \(total) written directly")
        // The requests reach the sentences this is about.
        for code in ["0:granted", "0:no_agreement", "1:public_permission", "1:public_permission_not_met", "1:no_agreement", "0:no_policy"] {
            #expect(seen.contains(code), "\(code) never decided")
        }
    }

    func reference(_ d: NewsDecider, _ r: RepublicationRequest, _ usage: InMemoryUsage) -> NewsDecision { d.decide(r, usage: usage) }
}
