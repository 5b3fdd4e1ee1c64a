@testable import ClearanceCore
import Testing

/// The auditor decides through the news decider's facts (`evaluate`) and words only what a finding
/// quotes; it must find exactly what it found when every decision was worded (`decide`): same
/// findings, byte for byte, and the same facts for `usage import` (random agreements with quotas,
/// terminations, restrictions and duties, both test notices, events in time order). The findings
/// written straight as JSON bytes (`audit(_:origin:json:)`, the decide workers' path) must be those
/// findings' `jsonText()`, byte for byte (urls and ids that need escapes included).
@Suite struct AuditorFactsTests {
    @Test(arguments: [7, 8, 9])
    func factsFindWhatWordsFound(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 9_176_011))
        var agreements: [Agreement] = []
        for n in 0..<24 { agreements.append(gen.agreement(n)) }
        let prepared = agreements.compactMap { try? PreparedAgreement($0) }
        func asOf(_ id: String, _ at: Instant) -> Agreement? { prepared.first { $0.agreement.id == id }?.agreement }
        var requests: [RepublicationRequest] = []
        for i in 0..<700 {
            var r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post", "nobody"]))
            r.id = "e\(i)"
            if i % 53 == 0 { r.source = "other" }
            requests.append(r)
        }
        // Time order, as the audit judges (quotas are counted as it goes).
        requests.sort { $0.at < $1.at }
        var events: [UsageEvent] = []
        for (i, r) in requests.enumerated() {
            let attribution: String? = [nil, "İLKHA", "Foto: ilkha", "IHA"][i % 4]
            let url: String? = i % 5 == 0 ? nil : i % 7 == 0 ? "https://x.example/\"q\"\\\n\u{2028}é/\(i)" : "https://x.example/\(i)"
            events.append(UsageEvent(request: r, url: url, attribution: attribution, link: [nil, true, false][i % 3]))
        }
        for notice in try EvaluationTests.notices() {
            let decider = NewsDecider(notice: notice, agreements: prepared)
            var words = Auditor(decide: { r, usage in decider.decide(r, usage: usage) }, agreementAsOf: asOf)
            var facts = Auditor(deciderFor: { _ in decider }, memo: DecisionMemo(capacity: 64), agreementAsOf: asOf)
            var wordsCount = Auditor(decide: { r, usage in decider.decide(r, usage: usage) }, agreementAsOf: asOf)
            var factsCount = Auditor(deciderFor: { _ in decider }, memo: DecisionMemo(), agreementAsOf: asOf)
            var direct = Auditor(deciderFor: { _ in decider }, memo: DecisionMemo(capacity: 64), agreementAsOf: asOf)
            let json = FindingJSONOutput(newline: true)
            var findings = 0
            for (k, e) in events.enumerated() {
                let origin = Auditor.Origin(file: "log.jsonl", line: k + 1)
                let a = try words.audit(e, origin: origin)
                let b = try facts.audit(e, origin: origin)
                #expect(a.map { $0.jsonText() } == b.map { $0.jsonText() }, "event \(k)")
                try direct.audit(e, origin: origin, json: json)
                #expect(json.kinds.map(\.code) == a.map(\.code) && json.kinds.map(\.severity) == a.map(\.severity), "event \(k)")
                let (bytes, ends) = json.take()
                #expect(String(decoding: bytes, as: UTF8.self) == a.map { $0.jsonText() + "\n" }.joined(), "event \(k)")
                #expect(ends.count == a.count && ends.last.map { $0 == bytes.count } ?? true, "event \(k)")
                findings += a.count
                let x = try wordsCount.decideCounting(e.request)
                let y = try factsCount.decideCounting(e.request)
                #expect(x.verdict == y.verdict && x.permittedBy == y.permittedBy, "event \(k)")
            }
            // The run meant something: denials and duty findings both.
            #expect(findings > 100)
        }
    }
}
