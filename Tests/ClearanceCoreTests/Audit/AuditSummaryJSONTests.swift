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

    /// The rows are found by the hash the caller gives and confirmed by the id: the same counts with every hash
    /// colliding (a constant, 0 included), with a few, and with thousands of subscribers (the table grows).
    @Test(arguments: [0, 1, 2, 3])
    func sameCountsWhateverTheHash(kind: Int) {
        var rng = SplitMix(seed: UInt64(31 + kind))
        let subscribers = (0..<(kind == 3 ? 5_000 : 300)).map { "s\($0)" } + ["İLKHA abonesi", "s1 "]
        var direct = AuditTally()
        var hashed = AuditTally()
        for _ in 0..<(kind == 3 ? 20_000 : 3_000) {
            let s = subscribers[rng.next(subscribers.count)]
            let h: UInt64 = switch kind {
            case 0: 0
            case 1: 7
            case 2: AgreementBook.subscriberHash(s) & 0xF
            default: AgreementBook.subscriberHash(s)
            }
            let epoch = Int64(rng.next(1_000_000))
            var kinds: [(code: Finding.Code, severity: Finding.Severity)] = []
            for _ in 0..<rng.next(3) {
                let c = Finding.Code.allCases[rng.next(Finding.Code.allCases.count)]
                kinds.append((c, c.severity))
            }
            direct.countEvent(subscriber: s, epoch: epoch, findings: kinds[...]) { "t\(epoch)" }
            // Asking ahead is only a hint: with any hash it changes nothing.
            hashed.prefetch(subscriberHash: h, stage: 0)
            hashed.prefetch(subscriberHash: h &+ 1, stage: 1)
            hashed.countEvent(subscriber: s, subscriberHash: h, epoch: epoch, findings: kinds[...]) { "t\(epoch)" }
        }
        let a = direct.summary(), b = hashed.summary()
        #expect(a.bySubscriber == b.bySubscriber)
        #expect(a.byCode == b.byCode)
        #expect(JSONReport.head(a) == JSONReport.head(b))
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

