import ClearanceCore
import ClearanceStore
import Foundation
import Testing
@testable import ClearanceCLI

/// The audit's speed work must not change a byte of its output: the threaded pipeline against the
/// all-on-one-thread run, the spooled reports against rendering in memory, and the order quotas are
/// counted in when logs come unsorted or in several files.
@Suite(.serialized) struct AuditPipelineTests {
    /// The seed log repeated `copies` times with fresh event ids: more lines than one read-ahead batch
    /// (1,024) and more findings than one writer batch (256).
    static func bigLog(copies: Int = 300) throws -> String {
        let seed = try String(contentsOfFile: AuditPaths.seedLog, encoding: .utf8)
        var out = ""
        for k in 0..<copies { out += seed.replacingOccurrences(of: "\"id\": \"u-", with: "\"id\": \"k\(k)-u-") }
        let path = try AuditPaths.tempDir() + "/big.jsonl"
        try out.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func report(_ logs: [String], format: String, _ extra: [String] = []) throws -> [UInt8] {
        let out = try AuditPaths.tempDir() + "/report.\(format)"
        let status = try runCommand(AuditCommand.self, logs + ["--agreements", AuditPaths.agreements, "--policies", AuditPaths.policies,
                                                              "--format", format, "-o", out, "--no-progress"] + extra)
        #expect(status == 0)
        return [UInt8](FileManager.default.contents(atPath: out) ?? Data())
    }

    @Test(arguments: ["jsonl", "csv", "text", "json", "html"])
    func threadedAndSequentialRunsWriteTheSameReport(_ format: String) throws {
        let big = try Self.bigLog()
        for logs in [[AuditPaths.seedLog], [AuditPaths.seedCSV], [big], [big, AuditPaths.seedLog]] {
            let sequential = try Self.report(logs, format: format, ["--no-pipeline"])
            #expect(!sequential.isEmpty)
            // Default (one decide worker per core, at least 2), deciding on the main thread with read-ahead
            // and writer threads, and an odd number of decide workers.
            for threads in [[], ["--decide-threads", "1"], ["--decide-threads", "3"]] {
                let threaded = try Self.report(logs, format: format, threads)
                #expect(threaded == sequential, "\(format) \(threads) \(logs.map { ($0 as NSString).lastPathComponent })")
            }
        }
    }

    /// The text, JSON and HTML reports are spooled to a temporary file; rendering the same findings in
    /// memory must give the same bytes.
    @Test func spooledReportsEqualReportsRenderedInMemory() throws {
        let big = try Self.bigLog(copies: 20)
        let context = try AuditContext.load(agreementFiles: [AuditPaths.agreements], store: nil, policies: AuditPaths.policies,
                                            requireAgreements: true)
        let reader = try UsageLogReader(path: big)
        let runner = AuditRunner(auditor: context.auditor, filters: AuditFilters(), sources: [reader], countOnly: [false])
        var findings: [Finding] = []
        try runner.run { findings.append($0) }
        let s = runner.summary
        #expect(findings.count > 256)

        var text = TextReport.summary(s) + TextReport.findingsHeading
        for f in findings { text += TextReport.finding(f) }
        var json = JSONReport.head(s)
        for (k, f) in findings.enumerated() { json += JSONReport.element(f, first: k == 0) }
        json += JSONReport.tail(empty: findings.isEmpty)
        var html = HTMLReport.head(s)
        for f in findings.prefix(HTMLReport.defaultMaximumRows) { html += HTMLReport.row(f) }
        html += HTMLReport.tail(shown: min(findings.count, HTMLReport.defaultMaximumRows), total: findings.count)
        var jsonl = ""
        for f in findings { jsonl += f.jsonText() + "\n" }

        #expect(try Self.report([big], format: "text") == Array(text.utf8))
        #expect(try Self.report([big], format: "json") == Array(json.utf8))
        #expect(try Self.report([big], format: "html") == Array(html.utf8))
        #expect(try Self.report([big], format: "jsonl") == Array(jsonl.utf8))
    }

    /// A use of Anadolu Review's photo licence (2 uses a day) at `time` on 2026-06-10.
    static func quotaLine(_ id: String, _ time: String) -> String {
        #"{"id":"\#(id)","subscriber":"anadolu-review","source":"ilkha","asset":{"id":"ilkha-1","kind":"photo","publishedAt":"2026-06-10T07:00:00Z"},"channel":"web","territory":"TR","at":"2026-06-10T\#(time):00Z","url":"https://ar.example/\#(id)","attribution":"İLKHA / Anadolu Review","link":true}"#
    }

    static func write(_ lines: [String]) throws -> String {
        let path = try AuditPaths.tempDir() + "/log.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Several logs, each in time order, are merged by time: the third use of the day is the finding,
    /// whichever file it is in.
    @Test func quotasAreCountedInTimeOrderAcrossLogs() throws {
        let a = try Self.write([Self.quotaLine("q1", "08:00"), Self.quotaLine("q3", "10:00")])
        let b = try Self.write([Self.quotaLine("q2", "09:00")])
        for extra in [[], ["--no-pipeline"], ["--decide-threads", "3"]] {
            let (_, report) = try audit([a, b], extra)
            let fs = report?["findings"]?.arrayValue ?? []
            #expect(fs.map { $0["code"]?.stringValue } == ["quota_exceeded"])
            #expect(fs.first?["event"]?.stringValue == "q3")
            #expect(fs.first?["file"]?.stringValue == a && fs.first?["line"]?.intValue == 2)
            #expect(report?["summary"]?["outOfOrder"]?.intValue == 0)
        }
    }

    /// One log not in time order is counted in its own order (documented in the README: sort such a log
    /// first for exact quotas); the summary says how many events came out of order.
    @Test func anUnsortedLogIsCountedInLogOrderAndSaysSo() throws {
        let log = try Self.write([Self.quotaLine("q3", "10:00"), Self.quotaLine("q1", "08:00"), Self.quotaLine("q2", "09:00")])
        for extra in [[], ["--no-pipeline"]] {
            let (_, report) = try audit([log], extra)
            let fs = report?["findings"]?.arrayValue ?? []
            #expect(fs.map { $0["event"]?.stringValue } == ["q2"])
            #expect(report?["summary"]?["outOfOrder"]?.intValue == 2)
        }
        // Sorted, the same uses give the time-order verdict.
        let sorted = try Self.write([Self.quotaLine("q1", "08:00"), Self.quotaLine("q2", "09:00"), Self.quotaLine("q3", "10:00")])
        let fs = try audit([sorted]).1?["findings"]?.arrayValue ?? []
        #expect(fs.map { $0["event"]?.stringValue } == ["q3"])
    }

    /// A file error in the middle of a log (truncated gzip) still fails the audit when read ahead on a thread.
    @Test func aTruncatedGzipFailsWithTheReadAheadToo() throws {
        let gz = AuditPaths.fixture("sample-usage.jsonl.gz")
        let bytes = try #require(FileManager.default.contents(atPath: gz))
        let cut = try AuditPaths.tempDir() + "/cut.jsonl.gz"
        try bytes.prefix(bytes.count - 12).write(to: URL(fileURLWithPath: cut))
        for extra in [[], ["--no-pipeline"]] {
            let out = try AuditPaths.tempDir() + "/r.jsonl"
            let status = try runCommand(AuditCommand.self, [cut, "--agreements", AuditPaths.agreements, "--policies", AuditPaths.policies,
                                                            "--format", "jsonl", "-o", out, "--no-progress"] + extra)
            #expect(status == 65)
        }
    }
}

/// `usage import` decides on every core; the ledger must hold exactly what one decider would write.
@Suite(.serialized) struct UsageImportParallelTests {
    @Test func parallelImportRecordsWhatOneDeciderRecords() throws {
        let big = try AuditPipelineTests.bigLog(copies: 60)
        var ledgers: [[String]] = []
        for threads in [1, 2, 3] {
            let db = try AuditPaths.tempDir() + "/i.sqlite"
            #expect(try runCommand(ClearanceCommand.self, ["contract", "import", AuditPaths.agreements, "--db", db,
                                                           "--policies", AuditPaths.policies]) == 0)
            let store = try Store.open(path: db)
            let context = try AuditContext.load(agreementFiles: [], store: store, policies: AuditPaths.policies, requireAgreements: false)
            let stored = Set(try store.allAgreementHistories().map(\.id))
            let importer = UsageImporter(readers: [try UsageLogReader(path: big)],
                                         auditors: (0..<threads).map { _ in context.freshAuditor() },
                                         storedAgreements: stored, skipMalformed: true)
            let result = try store.importUsage(at: Date(timeIntervalSince1970: 1_800_000_000)) { try importer.nextBatch() }
            #expect(result.inserted == 19 * 60)
            var rows: [String] = []
            try store.forEachUse { r in
                rows.append("\(r.seq) \(r.eventId) \(r.agreementId ?? "-") \(r.grantPosition ?? -1) \(r.decision ?? "-") \(r.rowHash)")
            }
            ledgers.append(rows)
        }
        #expect(ledgers[0] == ledgers[1])
        #expect(ledgers[0] == ledgers[2])
        // Quotas were in play: some uses over a quota were recorded as denied.
        #expect(ledgers[0].contains { $0.contains(" deny ") })
        #expect(ledgers[0].contains { $0.contains(" permit ") && !$0.contains(" - -1 ") })
    }
}
