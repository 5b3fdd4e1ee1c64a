import Testing
@testable import ClearanceCore

/// The `json` report's summary written as bytes (`AuditSummary.appendPrettyJSON`) is exactly the tree's
/// `jsonValue().serialized(pretty: true)`.
struct AuditSummaryJSONTests {
    static func tree(_ s: AuditSummary) -> String {
        "{\n\"summary\": " + s.jsonValue().serialized(pretty: true) + ",\n\"findings\": ["
    }

    static func finding(_ code: Finding.Code, subscriber: String?) -> Finding {
        Finding(code: code, message: "m", file: "f", line: 1, subscriber: subscriber)
    }

    @Test func emptySummary() {
        #expect(JSONReport.head(AuditSummary()) == Self.tree(AuditSummary()))
    }

    @Test func fullSummary() {
        var s = AuditSummary()
        s.files = ["a.jsonl", "we\"ird\\name\u{2028}.csv", "-"]
        s.linesRead = 12
        s.duplicates = 1
        s.outOfOrder = 3
        let names = ["sub-2", "sub-1", "\"quoted\"", "İLKHA abonesi", "شريك", "clean", "tab\there"]
        var k = 0
        for (i, name) in names.enumerated() {
            s.countEvent(subscriber: name, at: "2026-0\(i + 1)-01T00:00:00Z", epoch: Int64(i) * 1000, clean: name == "clean")
            guard name != "clean" else { continue }
            for _ in 0...i {
                let code = Finding.Code.allCases[k % Finding.Code.allCases.count]
                s.count(Self.finding(code, subscriber: name))
                k += 1
            }
        }
        s.count(Self.finding(.malformedEvent, subscriber: nil))
        #expect(JSONReport.head(s) == Self.tree(s))
        // Only clean events: `bySubscriber` and `byCode` empty objects, no worst offenders.
        var clean = AuditSummary()
        clean.countEvent(subscriber: "a", at: "2026-01-01T00:00:00Z", epoch: 0, clean: true)
        #expect(JSONReport.head(clean) == Self.tree(clean))
    }
}

/// A decide worker's ``AuditTally`` gives the same summary as counting each event into an ``AuditSummary``.
struct AuditTallyTests {
    @Test func ordinalsArePositions() {
        for (k, c) in Finding.Code.allCases.enumerated() { #expect(c.ordinal == k) }
    }

    @Test func sameCountsAsTheSummary() {
        var rng = SplitMix(seed: 7)
        let subscribers = ["sub-1", "sub-2", "İLKHA abonesi", "\"q\"", "clean"]
        for round in 0..<20 {
            var summary = AuditSummary()
            var tally = AuditTally()
            for _ in 0..<(round * 7) {
                let s = subscribers[rng.next(subscribers.count)]
                let epoch = Int64(rng.next(1_000_000))
                var kinds: [(code: Finding.Code, severity: Finding.Severity)] = []
                for _ in 0..<rng.next(4) where s != "clean" {
                    let c = Finding.Code.allCases[rng.next(Finding.Code.allCases.count)]
                    // Mostly the code's own severity; sometimes the other one (a finding may carry either).
                    let severity: Finding.Severity = rng.next(5) == 0 ? (c.severity == .error ? .warning : .error) : c.severity
                    kinds.append((c, severity))
                }
                let text = { "t\(epoch)" }
                summary.countEvent(subscriber: s, epoch: epoch, clean: kinds.isEmpty, text: text)
                for k in kinds { summary.count(code: k.code, severity: k.severity, subscriber: s) }
                tally.countEvent(subscriber: s, epoch: epoch, findings: kinds[...], text: text)
            }
            var fromTally = AuditSummary()
            fromTally.add(tally.summary())
            var direct = AuditSummary()
            direct.add(summary)
            #expect(JSONReport.head(fromTally) == JSONReport.head(direct))
            #expect(fromTally.bySubscriber == direct.bySubscriber)
            #expect(fromTally.byCode == direct.byCode)
            #expect(fromTally.malformed == direct.malformed)
            #expect((fromTally.eventsAudited, fromTally.eventsClean, fromTally.errors, fromTally.warnings)
                    == (direct.eventsAudited, direct.eventsClean, direct.errors, direct.warnings))
            #expect(fromTally.firstAt == direct.firstAt && fromTally.lastAt == direct.lastAt)
        }
    }
}

