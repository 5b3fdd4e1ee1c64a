import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance audit LOG…`: finds every use no agreement covered and every duty not met.
public struct AuditCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit usage logs: what was republished without the right to, and which duty was not met.",
        discussion: """
        Reads usage events (JSON Lines, or CSV with a header row; `-` is standard input; gzip is detected by its magic bytes) and judges each one at its own time against the agreements in force then, with the same decider as `clearance check`. Duties are checked against the evidence (`attribution`, `link`); quotas are counted in time order across the ledger and the log.

        Finding codes: unlicensed_use, agreement_expired, agreement_not_started, not_prior_subscription, asset_not_granted, action_not_granted, extent_not_granted, channel_not_granted, territory_not_granted, embargo_breach, restricted_use, quota_exceeded, no_policy, malformed_event, missing_attribution (all error); missing_link (warning).

        Exit status: 0 done (findings or not), 1 findings at or above --fail-on, 64 bad flag, 65 malformed input (empty file, not a log, truncated gzip), 66 missing input, 74 I/O error.
        """
    )

    @Argument(help: "Usage logs (.jsonl, .csv, optionally .gz; `-` for standard input).")
    var logs: [String] = []

    @Flag(name: .long, help: "Audit the usage stored in the ledger (`clearance usage import`).")
    var ledger = false

    @Option(name: .long, help: "The database (contracts and ledger).")
    var db: String?

    @Option(name: .long, help: "Agreements as a JSON array file (instead of, or as well as, the database).")
    var agreements: [String] = []

    @Option(name: .long, help: "The policies folder (default: $CLEARANCE_POLICIES, else ./Policies).")
    var policies: String?

    @Option(name: .long, help: "Report format: text, json, jsonl, csv, html.")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "Only events at or after this time (ISO 8601; earlier ones still count toward quotas).")
    var from: String?

    @Option(name: .long, help: "Only events before this time (ISO 8601; a date covers that whole day).")
    var to: String?

    @Option(name: .long, help: "Only this subscriber (repeatable).")
    var subscriber: [String] = []

    @Option(name: .long, help: "Only this source (repeatable).")
    var source: [String] = []

    @Option(name: .customLong("fail-on"), help: "Exit 1 when findings of this severity (or worse) exist: error or warning.")
    var failOn: Finding.Severity?

    @Option(name: .customLong("input-format"), help: "Force the log format: jsonl or csv (default: from the name, else the content).")
    var inputFormat: UsageLogReader.Format?

    @Flag(inversion: .prefixedNo, help: "Show a progress line on standard error (default: when it is a terminal).")
    var progress: Bool?

    /// Threads deciding (default: one per core, at least 2); 1 decides on the main thread.
    @Option(name: .customLong("decide-threads"), help: .hidden)
    var decideThreads: Int?

    /// Everything on the main thread (no read-ahead or writer thread): for tests comparing both ways.
    @Flag(name: .customLong("no-pipeline"), help: .hidden)
    var noPipeline = false

    public init() {}

    /// The report formats.
    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, jsonl, csv, html
    }

    public func run() throws {
        if logs.isEmpty && !ledger {
            throw fail(Diagnostic(code: "audit.no_input", message: "no usage log to audit",
                                  hint: "name one or more logs (`-` for standard input), or pass `--ledger`",
                                  category: .invalidValue), status: .usage)
        }
        var filters = AuditFilters()
        do {
            filters.from = try AuditCommand.instant(from, flag: "--from", endOfDay: false)
            filters.to = try AuditCommand.instant(to, flag: "--to", endOfDay: true)
        } catch {
            throw fail(error, status: .usage)
        }
        if let f = filters.from, let t = filters.to, t <= f {
            throw fail(Diagnostic(code: "audit.empty_range", message: "`--to` \(to ?? "") is not after `--from` \(from ?? "")",
                                  hint: "swap them", category: .invalidValue), status: .usage)
        }
        filters.subscribers = Set(subscriber)
        filters.sources = Set(source)
        if logs.filter({ $0 == "-" }).count > 1 {
            throw fail(Diagnostic(code: "audit.stdin_twice", message: "`-` (standard input) is named more than once",
                                  category: .invalidValue), status: .usage)
        }

        // The database: with `--db` or `--ledger`, or when no `--agreements` is given and the default one exists.
        var store: Store?
        let dbPath = Store.resolvePath(flag: db)
        if db != nil || ledger || (agreements.isEmpty && FileManager.default.fileExists(atPath: dbPath)) {
            guard FileManager.default.fileExists(atPath: dbPath) else {
                throw fail(Diagnostic(code: "audit.no_database", message: "no database at `\(dbPath)`",
                                      hint: "pass `--db PATH`, set $CLEARANCE_DB, or register contracts first with `clearance contract add`",
                                      category: .io), status: .noInput)
            }
            do { store = try Store.open(path: dbPath) } catch { throw fail(error) }
        }

        // Agreements, policies and the decider.
        let context: AuditContext
        do {
            context = try AuditContext.load(agreementFiles: agreements, store: store, policies: policies, requireAgreements: true)
        } catch {
            throw fail(error.diagnostics)
        }
        StageClock.mark("loaded \(context.book.count) agreements")
        // Every agreement is in memory now: SQLite's page cache, filled by reading them (up to `cache_size`,
        // 32 MB), is not needed any more (the ledger, if read, fills what it needs again), and the load's
        // temporary memory (the rows read) goes back to the system. heaptrack, 200,000 events at 30,000
        // agreements: ~45 MB of the peak was SQLite's cache (audit session 7 in bench/PROFILE.md).
        if let store {
            store.releaseMemory()
            Malloc.trim()
        }

        // Decide workers: one per core (at least 2 unless --decide-threads 1 or --no-pipeline), each with its own decider.
        let threadCount = decideThreads ?? max(2, ProcessInfo.processInfo.activeProcessorCount)
        let parallel = !noPipeline && threadCount > 1
        // Open every input before reading any, so a missing file fails fast.
        var sources: [UsageEventSource] = []
        var countOnly: [Bool] = []
        var progressOf: [() -> (read: Int64, size: Int64?)] = []
        for path in logs {
            do {
                let r = try UsageLogReader(path: path, format: inputFormat)
                // One log with decide workers: read on the dispatching thread. A read-ahead thread
                // handed every event over in batches (copied into a batch, out of it, and through a
                // queue: ~1,500 instructions an event in callgrind) to a thread that only routes it
                // on to the workers; with two cores and two workers busy, reading and routing fit on
                // one thread (bench/PROFILE.md, audit session 6). Several logs are read ahead, each on
                // a thread of its own.
                if noPipeline || (parallel && logs.count == 1) {
                    sources.append(r)
                    progressOf.append { (r.bytesRead, r.size) }
                } else {
                    // Read ahead on a thread of its own (see Pipeline.swift).
                    let p = PrefetchingSource(r)
                    sources.append(p)
                    progressOf.append { (p.bytesRead, p.size) }
                }
                countOnly.append(false)
            } catch {
                throw fail(error, status: UsageLogReader.exitStatus(error))
            }
        }

        // At most two malloc arenas from here on (as `check --batch`, BatchPipeline.swift): the reader, the
        // decide workers and the writer allocate in the arenas that exist instead of one new arena each,
        // and memory one thread frees is reused by the others (findings, events and batches are made on
        // one thread and freed on another). Measured in bench/PROFILE.md (audit, session 5).
        Malloc.limitArenas(to: 2)
        let runner = AuditRunner(auditor: context.auditor, filters: filters, sources: sources, countOnly: countOnly)
        let workers: [Auditor]? = parallel ? (0..<threadCount).map { _ in context.freshAuditor() } : nil
        let showProgress = progress ?? (isatty(2) != 0)
        let started = Date()
        if showProgress {
            runner.onProgress = { s in
                let p = progressOf.map { $0() }
                let read = p.reduce(Int64(0)) { $0 + $1.read }
                let total = p.reduce(Int64(0)) { $0 + ($1.size ?? 0) }
                var line = "\rauditing: \(s.eventsAudited + s.eventsFiltered) events, \(s.findings) findings"
                if total > 0 { line += ", \(min(100, Int(Double(read) * 100 / Double(total))))% of input" }
                line += ", \(Int(Date().timeIntervalSince(started)))s"
                FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
            }
        }
        func clearProgress() {
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }

        do {
            let out = try OutputWriter(path: output)
            let ledgerFeed = context.ledgerFeed(filters: filters)
            switch format {
            case .jsonl, .csv:
                // Findings stream straight out, in order, as they are found.
                if format == .csv { try out.write(CSVReport.header) }
                try AuditCommand.stream(runner, ledgerFeed, ledger, to: out, sequential: noPipeline, decideWorkers: workers,
                                        book: context.book, format: format == .jsonl ? .jsonl : .csv)
            case .text, .json, .html:
                // The summary comes first but is known only at the end: the findings are rendered as they
                // come into a temporary file (bounded memory for any log), copied out after the summary.
                let spool = try SpoolFile()
                let findingFormat: FindingFormat = switch format {
                case .text: .text
                case .json: .jsonElement
                default: .htmlRow
                }
                let count = try AuditCommand.stream(runner, ledgerFeed, ledger, to: spool.writer, sequential: noPipeline,
                                                    decideWorkers: workers, book: context.book, format: findingFormat)
                StageClock.mark("audited, \(count) findings spooled")
                let s = runner.summary
                switch format {
                case .text:
                    try out.write(TextReport.summary(s))
                    if count > 0 { try out.write(TextReport.findingsHeading) }
                    try spool.copy(to: out)
                case .json:
                    try out.write(bytes: JSONReport.headBytes(s))
                    try spool.copy(to: out)
                    try out.write(JSONReport.tail(empty: count == 0))
                default:
                    try out.write(HTMLReport.head(s))
                    try spool.copy(to: out)
                    try out.write(HTMLReport.tail(shown: min(count, HTMLReport.defaultMaximumRows), total: count))
                }
            }
            try out.finish()
            StageClock.mark("written")
        } catch let d as Diagnostic {
            clearProgress()
            throw fail(d)
        } catch let e as DiagnosticError {
            clearProgress()
            throw fail(e.diagnostics)
        }
        clearProgress()
        ExitKeep.keep([context.book, runner])

        let s = runner.summary
        if let failOn {
            let hit = failOn == .error ? s.errors > 0 : s.findings > 0
            if hit { throw ExitCode(ExitStatus.deny.rawValue) }
        }
    }

    /// Runs the audit, writing each finding in `format` into `out`: on a writer thread (see Pipeline.swift),
    /// or on this thread when `sequential`. Returns the number of findings.
    @discardableResult
    static func stream(_ runner: AuditRunner, _ feed: AuditRunner.LedgerFeed?, _ auditLedger: Bool, to out: OutputWriter,
                       sequential: Bool, decideWorkers: [Auditor]? = nil, book: AgreementBook? = nil, format: FindingFormat) throws -> Int {
        let render = format.render
        if sequential {
            var n = 0
            var bytes: [UInt8] = []
            try runner.run(ledger: feed, auditLedger: auditLedger) { f in
                render(f, n, &bytes)
                n += 1
                if bytes.count >= 1 << 16 { try out.write(bytes: bytes); bytes.removeAll(keepingCapacity: true) }
            }
            try out.write(bytes: bytes)
            return n
        }
        if let auditors = decideWorkers {
            // Decisions on several threads, each subscriber on one (see ParallelAudit.swift).
            let judges = ParallelJudges(auditors: auditors, out: out, format: format, fileNames: runner.fileNames, book: book)
            runner.judges = judges
            do {
                try runner.run(ledger: feed, auditLedger: auditLedger) { f in try judges.direct(f) }
            } catch {
                _ = try? runner.finishParallel()
                throw error
            }
            return try runner.finishParallel()
        }
        let sink = FindingSink(writer: out, render: render)
        do {
            try runner.run(ledger: feed, auditLedger: auditLedger) { f in try sink.emit(f) }
        } catch {
            // Whatever was found before the error is still written, as without threads.
            try? sink.finish()
            throw error
        }
        try sink.finish()
        return sink.count
    }

    /// Parses a `--from`/`--to` value; a date-only `--to` means the end of that day.
    static func instant(_ text: String?, flag: String, endOfDay: Bool) throws(Diagnostic) -> Instant? {
        guard let text else { return nil }
        switch ISO8601.parseDateTime(text) {
        case .success(let p): return endOfDay && p.isDateOnly ? p.endOfDayExclusive : p.instant
        case .failure(let e):
            throw Diagnostic(code: "audit.bad_date", message: "`\(flag)` `\(text)` is not a date: \(e.message)",
                             hint: "write an ISO 8601 date or time, e.g. `2026-06-01` or `2026-06-01T09:00:00Z`",
                             category: .invalidValue)
        }
    }
}

/// How findings become a report's bytes: each finding's own bytes, what goes before the one at an
/// index, and how many are written.
///
/// Split so that the decide workers can render their findings' bytes themselves, in parallel and on
/// the thread that made them (see ParallelAudit.swift), leaving the writer thread only the order,
/// the separators and the copying.
struct FindingFormat: Sendable {
    /// One finding's bytes, without a separator.
    let body: @Sendable (_ finding: Finding, _ out: inout [UInt8]) -> Void
    /// What goes before the finding at `index` (the JSON array's `,\n  `); nil: nothing.
    let separator: (@Sendable (_ index: Int, _ out: inout [UInt8]) -> Void)?
    /// Only the first `limit` findings are written (the HTML table); the rest are only counted, and
    /// not rendered ahead of their turn.
    let limit: Int?
    /// For the JSON formats (whose `body` is ``Finding/appendJSON(to:)``, plus a line feed for JSON
    /// Lines): the decide workers have the auditor write each finding's bytes straight away
    /// (``Auditor/audit(_:origin:json:)``), with no `Finding` made for a denial.
    var jsonStyle: JSONStyle? = nil

    /// A compact JSON object per finding: an element of an array, or a line.
    enum JSONStyle: Sendable { case element, line }

    /// The finding at `index` as the report writes it: its separator and bytes (nothing past `limit`).
    var render: FindingSink.Render {
        let body = body, separator = separator, limit = limit
        return { f, index, out in
            if let limit, index >= limit { return }
            separator?(index, &out)
            body(f, &out)
        }
    }

    static let jsonl = FindingFormat(body: { f, out in
        f.appendJSON(to: &out)
        out.append(0x0A)
    }, separator: nil, limit: nil, jsonStyle: .line)
    static let csv = FindingFormat(body: { f, out in out.append(contentsOf: CSVReport.row(f).utf8) }, separator: nil, limit: nil)
    static let text = FindingFormat(body: { f, out in out.append(contentsOf: TextReport.finding(f).utf8) }, separator: nil, limit: nil)
    /// An element of the JSON report's `findings` array.
    static let jsonElement = FindingFormat(body: { f, out in f.appendJSON(to: &out) }, separator: { index, out in
        out.append(contentsOf: (index == 0 ? "\n  " : ",\n  ").utf8)  // JSONReport.element's separator
    }, limit: nil, jsonStyle: .element)
    /// A row of the HTML report's table (which keeps the first rows only; the summary counts them all).
    static let htmlRow = FindingFormat(body: { f, out in out.append(contentsOf: HTMLReport.row(f).utf8) }, separator: nil,
                                       limit: HTMLReport.defaultMaximumRows)
}

extension Finding.Severity: ExpressibleByArgument {}
extension UsageLogReader.Format: ExpressibleByArgument {}
