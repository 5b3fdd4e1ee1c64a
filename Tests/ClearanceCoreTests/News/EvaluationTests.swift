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
                        let e = decider.evaluate(r, usage: usage, memo: m)
                        #expect(e.verdict == reference.verdict)
                        #expect(decider.permitBasis(e) == reference.permittedBy)
                        let worded = decider.decision(e, for: r, usage: usage, memo: m)
                        #expect(worded == reference, "\(r.json.serialized())")
                        var bytes: [UInt8] = [0x41]
                        decider.appendDecisionJSON(e, for: r, usage: usage, memo: m, to: &bytes)
                        #expect(bytes == [0x41] + Array(reference.jsonText.utf8), "\(r.json.serialized())")
                        // Written in place into a writer (`check --batch`'s items), after what it holds: the same bytes.
                        var writer = ByteWriter(capacity: 16)
                        writer.put(0x41)
                        decider.appendDecisionJSON(e, for: r, usage: usage, memo: m, to: &writer)
                        #expect(Array(writer.bytes) == bytes, "\(r.json.serialized())")
                        writer.free()
                        // The permit's words the batch asks for ahead are the ones just copied (made by now); nothing else.
                        let address = withUnsafePointer(to: decider) { NewsDecider.permitWordsAddress(of: $0, e) }
                        if case .agreement(let k, let g) = e.basis {
                            #expect(address == decider.agreements[k].core.permitWords(g).raw)
                        } else {
                            #expect(address == nil)
                        }
                    }
                    for reason in reference.reasons { seen.insert("\(k):\(reason.code)") }
                }
                if case .agreement(let id, let g)? = reference(all, r, usage).permittedBy { usage.record(agreement: id, grant: g, at: r.at) }
            }
        }
        // The requests reach the sentences this is about.
        for code in ["0:granted", "0:no_agreement", "1:public_permission", "1:public_permission_not_met", "1:no_agreement", "0:no_policy"] {
            #expect(seen.contains(code), "\(code) never decided")
        }
    }

    func reference(_ d: NewsDecider, _ r: RepublicationRequest, _ usage: InMemoryUsage) -> NewsDecision { d.decide(r, usage: usage) }

    /// The byte writers the direct JSON path uses give the same bytes as the `String` ones.
    @Test func byteWritersMatchTheStringOnes() {
        var rng = SplitMix(seed: 77)
        for k in 0..<3000 {
            // Instants from before year 0 to after 9999, with and without milliseconds.
            let ms = Int64(rng.next(1 << 40)) * (k % 2 == 0 ? 1 : -1) * Int64(1 + k % 300) + Int64(k % 3 == 0 ? rng.next(1000) : 0)
            let i = Instant(millisecondsSinceEpoch: ms)
            var full: [UInt8] = [0x41], date: [UInt8] = [0x41]
            i.appendDescription(to: &full)
            i.appendDescription(to: &date, dateOnly: true)
            #expect(full == [0x41] + Array(i.description.utf8), "\(ms)")
            #expect(date == [0x41] + Array(i.dateString.utf8), "\(ms)")
        }
        for s in ["", "C-sub-1", "a\"b", "back\\slash", "tab\t", "line\u{2028}sep", "â€x", "عقد", "\u{1}", "İLKHA"] {
            var quoted: [UInt8] = [], reference: [UInt8] = []
            JSONBytes.appendQuoted(s, to: &quoted)
            JSONBytes.appendString(s, to: &reference)
            #expect(quoted == reference, "\(s)")
        }
        for n in [0, 1, 9, 10, 99, 100, 12345, -1, -10, Int.max, Int.min + 1] {
            var out: [UInt8] = []
            out.decimal(n)
            #expect(out == Array(String(n).utf8))
        }
    }
}

/// The notice filter's action table answers as the dictionary it is made from.
@Suite struct ShortKeyTableTests {
    @Test func answersAsTheDictionary() {
        let table = NewsActions.coveringTable
        for (k, v) in NewsActions.coveringMask { #expect(table.value(k) == v, "\(k)") }
        let others = ["", "a", "print", "sell", "reproduc", "reproducee", "Reproduce", "use\u{0}", "abcdefghijklmnop", "abcdefghijklmnopq",
                      "ودير", "reproduce-and-distribute-everything"]
        for k in others { #expect(table.value(k) == NewsActions.coveringMask[k], "\(k)") }
        let long = ShortKeyTable(["a-key-longer-than-sixteen-bytes": 7, "short": 3])
        #expect(long.value("a-key-longer-than-sixteen-bytes") == 7 && long.value("short") == 3 && long.value("shor") == nil)
    }
}
