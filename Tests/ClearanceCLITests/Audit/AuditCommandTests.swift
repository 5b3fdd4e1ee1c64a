import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation
import Testing
@testable import ClearanceCLI

/// Paths of the repository and of this suite's fixtures.
enum AuditPaths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/audit").path
    static func fixture(_ name: String) -> String { fixtures + "/" + name }
    static var seedLog: String { repo + "/seeds/sample-usage.jsonl" }
    static var seedCSV: String { repo + "/seeds/sample-usage.csv" }
    static var agreements: String { repo + "/seeds/sample-agreements.json" }
    static var policies: String { repo + "/Policies" }

    /// A fresh temporary folder (inside ``TestScratch/root``, removed when the tests end).
    static func tempDir() throws -> String {
        try TestScratch.folder("audit").path
    }
}

/// Runs a command in-process; returns its exit status (0 when it returned normally).
func runCommand(_ type: any ParsableCommand.Type, _ args: [String]) throws -> Int32 {
    var cmd = try type.parseAsRoot(args)
    do {
        try cmd.run()
        return 0
    } catch let e as ExitCode {
        return e.rawValue
    }
}

/// Audits with the sample agreements and returns the exit status and the JSON report.
func audit(_ logs: [String], _ extra: [String] = []) throws -> (Int32, JSONValue?) {
    let out = try AuditPaths.tempDir() + "/report.json"
    let status = try runCommand(AuditCommand.self, logs + ["--agreements", AuditPaths.agreements, "--policies", AuditPaths.policies,
                                                          "--format", "json", "-o", out, "--no-progress"] + extra)
    guard let bytes = FileManager.default.contents(atPath: out), !bytes.isEmpty else { return (status, nil) }
    return (status, try JSONParser.parse(Array(bytes)))
}

func codes(_ report: JSONValue?) -> [String] {
    (report?["findings"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
}

@Suite(.serialized) struct AuditCommandTests {
    static let expectedCodes = [
        "embargo_breach", "missing_attribution", "asset_not_granted", "channel_not_granted", "territory_not_granted",
        "agreement_expired", "not_prior_subscription", "unlicensed_use", "quota_exceeded", "malformed_event", "no_policy",
        "restricted_use", "action_not_granted", "missing_attribution", "restricted_use",
    ]

    @Test func auditsTheSampleLog() throws {
        let (status, report) = try audit([AuditPaths.seedLog])
        #expect(status == 0)
        #expect(codes(report) == AuditCommandTests.expectedCodes)
        #expect(report?["summary"]?["malformed"]?.intValue == 1)
        #expect(report?["summary"]?["eventsClean"]?.intValue == 5)
        let first = report?["findings"]?.arrayValue?.first
        #expect(first?["event"]?.stringValue == "u-001")
        #expect(first?["line"]?.intValue == 1)
    }

    /// A report that cannot be written (a full disk: Linux's `/dev/full`) is an I/O error, exit 74, in every
    /// format: the JSON and text reports copy their spooled findings after the summary (`sendfile`, then a
    /// plain copy when the kernel declines), JSON Lines and CSV stream them.
    @Test(arguments: ["json", "text", "jsonl", "csv", "html"])
    func aReportThatCannotBeWrittenIsAnIOError(format: String) throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let status = try runCommand(AuditCommand.self, [AuditPaths.seedLog, "--agreements", AuditPaths.agreements,
                                                        "--policies", AuditPaths.policies, "--format", format, "-o", "/dev/full",
                                                        "--no-progress"])
        #expect(status == 74)
    }

    @Test func csvAndGzipGiveTheSameFindings() throws {
        let jsonl = codes(try audit([AuditPaths.seedLog]).1)
        #expect(codes(try audit([AuditPaths.seedCSV]).1) == jsonl)
        #expect(codes(try audit([AuditPaths.fixture("sample-usage.jsonl.gz")]).1) == jsonl)
        #expect(codes(try audit([AuditPaths.fixture("concatenated.jsonl.gz")]).1) == jsonl)
    }

    @Test func failOnSetsTheExitStatus() throws {
        #expect(try audit([AuditPaths.seedLog], ["--fail-on", "error"]).0 == 1)
        #expect(try audit([AuditPaths.seedLog], ["--fail-on", "warning"]).0 == 1)
        // A malformed line cannot be filtered away (its subscriber is unknown): a clean slice of the log passes.
        let clean = try AuditPaths.tempDir() + "/clean.jsonl"
        let lines = try String(contentsOfFile: AuditPaths.seedLog, encoding: .utf8).split(separator: "\n")
        try (lines.filter { $0.contains("\"u-002\"") || $0.contains("\"u-016\"") }.joined(separator: "\n") + "\n")
            .write(toFile: clean, atomically: true, encoding: .utf8)
        #expect(try audit([clean], ["--fail-on", "warning"]).0 == 0)
    }

    @Test func filtersKeepQuotasRight() throws {
        let (_, only) = try audit([AuditPaths.seedLog], ["--subscriber", "anadolu-review"])
        #expect(Set(codes(only)).isSubset(of: ["quota_exceeded", "restricted_use", "missing_attribution", "malformed_event"]))
        // The third photo of the day is still over quota when the first two are before --from.
        let (_, late) = try audit([AuditPaths.seedLog], ["--subscriber", "anadolu-review", "--from", "2026-11-29T12:30:00Z", "--to", "2026-11-29"])
        #expect(codes(late).filter { $0 != "malformed_event" } == ["quota_exceeded"])
    }

    @Test func malformedLinesAreFindingsAndTheAuditCarriesOn() throws {
        let (status, report) = try audit([AuditPaths.fixture("bad-lines.jsonl")])
        #expect(status == 0)
        let fs = report?["findings"]?.arrayValue ?? []
        let bad = fs.filter { $0["code"]?.stringValue == "malformed_event" }.compactMap { $0["line"]?.intValue }
        #expect(bad == [2, 3, 4, 5])
        #expect(report?["summary"]?["eventsAudited"]?.intValue == 2)
        #expect(report?["summary"]?["malformed"]?.intValue == 4)
    }

    @Test func badCSVRowsAreFindings() throws {
        let (_, report) = try audit([AuditPaths.fixture("bad-rows.csv")])
        let bad = (report?["findings"]?.arrayValue ?? []).filter { $0["code"]?.stringValue == "malformed_event" }
        #expect(bad.compactMap { $0["line"]?.intValue } == [3, 4, 5])
        #expect(bad.first?["message"]?.stringValue?.contains("columns") == true)
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int32
        var testDescription: String { name }
    }

    @Test(arguments: [
        BadFile(name: "truncated.jsonl.gz", status: 65), BadFile(name: "empty.jsonl", status: 65),
        BadFile(name: "blank.jsonl", status: 65), BadFile(name: "array.json", status: 65),
        BadFile(name: "people.csv", status: 65), BadFile(name: "image.jsonl", status: 65),
        BadFile(name: "no-such-file.jsonl", status: 66),
    ])
    func wholeFileProblemsAreClearErrors(_ f: BadFile) throws {
        #expect(try audit([AuditPaths.fixture(f.name)]).0 == f.status)
    }

    @Test func badFlagsAreUsageErrors() throws {
        #expect(try audit([AuditPaths.seedLog], ["--from", "yesterday"]).0 == 64)
        #expect(try audit([AuditPaths.seedLog], ["--from", "2026-12-01", "--to", "2026-11-01"]).0 == 64)
        #expect(try runCommand(AuditCommand.self, ["--agreements", AuditPaths.agreements]) == 64)
    }

    @Test func everyFormatRenders() throws {
        for format in ["text", "json", "jsonl", "csv", "html"] {
            let out = try AuditPaths.tempDir() + "/report." + format
            let status = try runCommand(AuditCommand.self, [AuditPaths.seedLog, "--agreements", AuditPaths.agreements,
                                                             "--policies", AuditPaths.policies, "--format", format, "-o", out])
            #expect(status == 0)
            let text = String(decoding: FileManager.default.contents(atPath: out) ?? Data(), as: UTF8.self)
            #expect(text.contains("u-001") || text.contains("embargo_breach"), "\(format)")
            if format == "jsonl" { #expect(text.split(separator: "\n").count == 15) }
            if format == "csv" { #expect(text.split(separator: "\r\n").count == 16) }
        }
    }
}

@Suite(.serialized) struct UsageImportTests {
    func ledgerCount(_ db: String) throws -> Int { try Store.open(path: db).ledgerCount() }

    func importLogs(_ logs: [String], db: String, _ extra: [String] = []) throws -> Int32 {
        try runCommand(UsageImportCommand.self, logs + ["--db", db, "--agreements", AuditPaths.agreements,
                                                        "--policies", AuditPaths.policies] + extra)
    }

    @Test func malformedLinesRejectTheWholeImport() throws {
        let db = try AuditPaths.tempDir() + "/c.sqlite"
        #expect(try importLogs([AuditPaths.seedLog], db: db) == 65)
        #expect(try ledgerCount(db) == 0)
    }

    @Test func importIsIdempotent() throws {
        let db = try AuditPaths.tempDir() + "/c.sqlite"
        #expect(try importLogs([AuditPaths.seedLog], db: db, ["--skip-malformed"]) == 0)
        #expect(try ledgerCount(db) == 19)
        #expect(try importLogs([AuditPaths.seedLog, AuditPaths.seedCSV], db: db, ["--skip-malformed"]) == 0)
        #expect(try ledgerCount(db) == 19)
    }

    @Test func aTruncatedFileWritesNothing() throws {
        let db = try AuditPaths.tempDir() + "/c.sqlite"
        #expect(try importLogs([AuditPaths.fixture("bad-lines.jsonl"), AuditPaths.fixture("truncated.jsonl.gz")], db: db,
                               ["--skip-malformed"]) == 65)
        #expect(try ledgerCount(db) == 0)
    }

    @Test func auditingTheLedgerFindsWhatTheLogShows() throws {
        let db = try AuditPaths.tempDir() + "/c.sqlite"
        #expect(try importLogs([AuditPaths.seedLog], db: db, ["--skip-malformed"]) == 0)
        let fromLog = codes(try audit([AuditPaths.seedLog]).1).filter { $0 != "malformed_event" }
        let (status, fromLedger) = try audit([], ["--ledger", "--db", db])
        #expect(status == 0)
        #expect(codes(fromLedger) == fromLog)
        // Auditing the log again with the ledger in play: each event is judged once, quotas not double-counted.
        let (_, both) = try audit([AuditPaths.seedLog], ["--db", db])
        #expect(codes(both) == codes(try audit([AuditPaths.seedLog]).1))
    }

    @Test func storedUsesCountTowardQuotas() throws {
        let db = try AuditPaths.tempDir() + "/c.sqlite"
        let dir = try AuditPaths.tempDir()
        let lines = try String(contentsOfFile: AuditPaths.seedLog, encoding: .utf8).split(separator: "\n")
        // The first two anadolu-review photos of the day go to the ledger; the third is audited.
        let stored = lines.filter { $0.contains("\"u-011\"") || $0.contains("\"u-012\"") }.joined(separator: "\n") + "\n"
        let later = lines.filter { $0.contains("\"u-013\"") }.joined(separator: "\n") + "\n"
        try stored.write(toFile: dir + "/stored.jsonl", atomically: true, encoding: .utf8)
        try later.write(toFile: dir + "/later.jsonl", atomically: true, encoding: .utf8)
        #expect(try importLogs([dir + "/stored.jsonl"], db: db) == 0)
        #expect(codes(try audit([dir + "/later.jsonl"], ["--db", db]).1) == ["quota_exceeded"])
        #expect(codes(try audit([dir + "/later.jsonl"]).1) == [])
    }
}
