import Foundation
import Testing
@testable import ClearanceCore

/// Compares `actual` with the golden file `Fixtures/audit/NAME`; with `CLEARANCE_RECORD=1` it rewrites the file.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audit")
    let url = dir.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["CLEARANCE_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(actual == expected, "golden \(name) differs; re-record with CLEARANCE_RECORD=1 if the change is intended",
            sourceLocation: sourceLocation)
}

/// The renderers on a fixed audit: every format against its golden file.
struct ReportGoldenTests {
    /// A small audit with every kind of finding the stand-in decider produces, plus a malformed
    /// line, an Arabic credit line and a Turkish subscriber name.
    static func audit() throws -> (AuditSummary, [Finding]) {
        let events: [UsageEvent] = [
            AuditFixtures.event("e1"),
            AuditFixtures.event("e2", attribution: "IHA"),
            AuditFixtures.event("e3", channel: .social),
            AuditFixtures.event("e4", subscriber: "nobody"),
            AuditFixtures.event("e5", at: "2026-06-11T11:00:00Z", attribution: "وكالة إلكا", link: false),
            AuditFixtures.event("e6", at: "2026-06-10T12:00:00Z"),
            AuditFixtures.event("e6b", at: "2026-06-10T12:30:00Z"),
            AuditFixtures.event("e7", subscriber: "nobody", territory: "TR", at: "2026-06-10T13:00:00Z", url: "=HYPERLINK(\"http://x\")"),
        ]
        var a = AuditFixtures.auditor()
        var s = AuditSummary()
        s.files = ["usage.jsonl"]
        var fs: [Finding] = []
        for (k, e) in events.enumerated() {
            let found = try a.audit(e, origin: .init(file: "usage.jsonl", line: k + 1))
            s.countEvent(subscriber: e.request.subscriber, at: e.request.at.description,
                         epoch: e.request.at.millisecondsSinceEpoch, clean: found.isEmpty)
            s.linesRead += 1
            for f in found { s.count(f); fs.append(f) }
        }
        let bad = Auditor.malformed(
            file: "usage.jsonl", line: 8,
            diagnostics: [Diagnostic(code: "usage.unknown_asset_kind", message: "unknown asset kind `podcast`",
                                     hint: "use one of text, photo, video, audio, graphics", location: "line 8.asset.kind")],
            eventID: "e8")
        s.linesRead += 1
        s.count(bad)
        fs.append(bad)
        return (s, fs)
    }

    @Test func text() throws {
        let (s, fs) = try ReportGoldenTests.audit()
        try expectGolden(TextReport.summary(s) + TextReport.findingsHeading + fs.map(TextReport.finding).joined(), "report.txt")
    }

    @Test func jsonl() throws {
        let (_, fs) = try ReportGoldenTests.audit()
        let text = fs.map { $0.jsonText() + "\n" }.joined()
        try expectGolden(text, "report.jsonl")
        for line in text.split(separator: "\n") {
            let v = try JSONParser.parse(String(line))
            for key in ["code", "severity", "event", "file", "line"] { #expect(v[key] != nil, "\(key) in \(line)") }
        }
    }

    @Test func json() throws {
        let (s, fs) = try ReportGoldenTests.audit()
        var out = JSONReport.head(s)
        for (k, f) in fs.enumerated() { out += JSONReport.element(f, first: k == 0) }
        out += JSONReport.tail(empty: fs.isEmpty)
        try expectGolden(out, "report.json")
        let doc = try JSONParser.parse(out)
        #expect(doc["findings"]?.arrayValue?.count == fs.count)
        #expect(doc["summary"]?["errors"]?.intValue == s.errors)
    }

    @Test func emptyJSONIsValid() throws {
        let out = JSONReport.head(AuditSummary()) + JSONReport.tail(empty: true)
        #expect(try JSONParser.parse(out)["findings"]?.arrayValue?.isEmpty == true)
    }

    @Test func csv() throws {
        let (_, fs) = try ReportGoldenTests.audit()
        let out = CSVReport.header + fs.map(CSVReport.row).joined()
        try expectGolden(out, "report.csv")
        #expect(out.contains("'=HYPERLINK"), "a formula from a log must be defused")
    }

    @Test func html() throws {
        let (s, fs) = try ReportGoldenTests.audit()
        let out = HTMLReport.head(s) + fs.map(HTMLReport.row).joined() + HTMLReport.tail(shown: fs.count, total: fs.count)
        try expectGolden(out, "report.html")
        #expect(out.contains("<svg"))
        #expect(!out.contains("http-equiv"))
        #expect(!out.contains("src=\"http"), "self-contained: nothing loaded from the network")
        #expect(out.contains("dir=\"auto\">وكالة إلكا") || out.contains("<bdi>وكالة إلكا</bdi>"))
        #expect(!out.contains("<script>alert"))
    }

    @Test func htmlEscapesEverythingFromTheLog() {
        let f = Finding(code: .unlicensedUse, message: "<script>alert(1)</script>", file: "a\"b.jsonl", line: 1,
                        event: "<e>", url: "javascript:alert(1)", subscriber: "x' onmouseover='y")
        let row = HTMLReport.row(f)
        #expect(!row.contains("<script>"))
        #expect(!row.contains("href=\"javascript"))
        #expect(!row.contains("x' onmouseover"))
    }
}
