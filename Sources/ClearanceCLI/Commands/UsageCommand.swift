import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance usage …`: the usage ledger.
public struct UsageCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Store usage events in the ledger, for quotas and later audits.",
        subcommands: [UsageImportCommand.self]
    )
    public init() {}
}

/// `clearance usage import LOG…`: stores usage events in the ledger, idempotently by event id, all or nothing.
public struct UsageImportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store usage events in the ledger (idempotent by event id; all or nothing).",
        discussion: """
        Reads usage logs as `clearance audit` does (JSON Lines or CSV, gzip, `-` for standard input) and stores every event in the ledger of the database in one transaction. Re-importing the same log adds nothing; an event id already stored with different content is an error. Each event is decided at its own time with the agreements known (database and `--agreements`), so the ledger records which agreement and grant it falls under and `check` counts it toward quotas.

        If any line is malformed, or a file is truncated, nothing is written (exit 65) unless `--skip-malformed` is given, which stores the good events and lists the bad lines.
        """
    )

    @Argument(help: "Usage logs (.jsonl, .csv, optionally .gz; `-` for standard input).")
    var logs: [String]

    @Option(name: .long, help: "The database (default: $CLEARANCE_DB, else ./clearance.sqlite).")
    var db: String?

    @Option(name: .long, help: "Agreements as a JSON array file, in addition to those in the database.")
    var agreements: [String] = []

    @Option(name: .long, help: "The policies folder (default: $CLEARANCE_POLICIES, else ./Policies).")
    var policies: String?

    @Flag(name: .customLong("skip-malformed"), help: "Store the well-formed events even if some lines are malformed.")
    var skipMalformed = false

    @Option(name: .customLong("input-format"), help: "Force the log format: jsonl or csv.")
    var inputFormat: UsageLogReader.Format?

    public init() {}

    public func run() throws {
        if logs.filter({ $0 == "-" }).count > 1 {
            throw fail(Diagnostic(code: "usage.stdin_twice", message: "`-` (standard input) is named more than once",
                                  category: .invalidValue), status: .usage)
        }
        // Open every file first: a missing one fails before anything is read.
        var readers: [UsageLogReader] = []
        for path in logs {
            do { readers.append(try UsageLogReader(path: path, format: inputFormat)) } catch {
                throw fail(error, status: UsageLogReader.exitStatus(error))
            }
        }
        let store: Store
        do { store = try Store.open(path: Store.resolvePath(flag: db)) } catch { throw fail(error) }
        let context: AuditContext
        do {
            context = try AuditContext.load(agreementFiles: agreements, store: store, policies: policies, requireAgreements: false)
        } catch { throw fail(error.diagnostics) }
        // The ledger can name only agreements the database holds (a foreign key).
        let stored: Set<String>
        do { stored = Set(try store.allAgreementHistories().map(\.id)) } catch { throw fail(error.diagnostics) }
        // Each log is read ahead on a thread of its own (scanning and validating lines while this thread
        // decides and writes), as the audit does; see Pipeline.swift.
        let importer = UsageImporter(readers: readers.map { PrefetchingSource($0) }, auditor: context.auditor, storedAgreements: stored,
                                     skipMalformed: skipMalformed)
        let result: UsageImportResult
        do {
            result = try store.importUsage { () throws -> [LedgerEntry]? in try importer.nextBatch() }
        } catch {
            var ds = error.diagnostics
            if importer.malformedCount > 0 && !skipMalformed {
                if importer.malformedCount > ds.count {
                    ds.append(Diagnostic(code: "usage.more_malformed", message: "and \(importer.malformedCount - ds.count) more malformed lines",
                                         category: .malformedInput))
                }
                printError("nothing was imported: \(importer.malformedCount) malformed \(importer.malformedCount == 1 ? "line" : "lines") (pass --skip-malformed to import the rest)")
            } else {
                printError("nothing was imported")
            }
            throw fail(ds)
        }
        let malformedCount = importer.malformedCount
        let malformed = importer.malformed
        let events = importer.events
        if malformedCount > 0 {
            report(malformed.map { var d = $0; d.severity = .warning; return d })
            printError("skipped \(malformedCount) malformed \(malformedCount == 1 ? "line" : "lines")")
        }
        print("imported \(result.inserted) \(result.inserted == 1 ? "event" : "events") into \(store.path)"
              + (result.alreadyPresent > 0 ? " (\(result.alreadyPresent) already there)" : "")
              + " from \(events) read")
    }
}

/// Pulls batches of ledger entries out of the logs for ``Store/importUsage(at:maxProblems:label:next:)``.
///
/// Each event is decided (at its own time, uses counted in the order imported) so the ledger
/// records the agreement and grant it falls under. A malformed line, unless skipped, makes the
/// batch source throw, which rolls the whole import back.
final class UsageImporter {
    private let readers: [UsageEventSource]
    private var auditor: Auditor
    private let skipMalformed: Bool
    private var k = 0
    /// Bad lines seen (the first 20 kept as diagnostics).
    private(set) var malformedCount = 0
    private(set) var malformed: [Diagnostic] = []
    /// Well-formed events read.
    private(set) var events = 0
    static let batchSize = 4096

    private let storedAgreements: Set<String>

    init(readers: [UsageEventSource], auditor: Auditor, storedAgreements: Set<String>, skipMalformed: Bool) {
        self.readers = readers
        self.auditor = auditor
        self.storedAgreements = storedAgreements
        self.skipMalformed = skipMalformed
    }

    /// The next batch; nil at the end. Throws the malformed lines (or a file error) to roll back.
    func nextBatch() throws(DiagnosticError) -> [LedgerEntry]? {
        var batch: [LedgerEntry] = []
        batch.reserveCapacity(UsageImporter.batchSize)
        while batch.count < UsageImporter.batchSize, k < readers.count {
            let item: UsageLogReader.Item?
            do { item = try readers[k].next() } catch { throw DiagnosticError(error) }
            guard let item else { k += 1; continue }
            switch item {
            case .event(let e, _):
                events += 1
                let d = try auditor.decideCounting(e.request)
                var agreement: String?
                var grant: Int?
                if case .agreement(let id, let g)? = d.permittedBy, storedAgreements.contains(id) { agreement = id; grant = g }
                batch.append(LedgerEntry(event: e, decision: d.verdict.rawValue, agreementId: agreement, grantPosition: grant))
            case .malformed(let line, let diags, _):
                malformedCount += 1
                if malformed.count < 20, var d = diags.first {
                    d.location = "\(readers[k].name): line \(line)" + (Auditor.pathInLine(d.location, line: line).map { ", \($0)" } ?? "")
                    malformed.append(d)
                }
                // Enough bad lines shown: stop, and roll back what was written.
                if !skipMalformed && malformedCount >= 20 { throw DiagnosticError(malformed) }
            }
        }
        if !skipMalformed && malformedCount > 0 {
            // Nothing will be stored; until the end, keep reading only to list more bad lines.
            if k >= readers.count { throw DiagnosticError(malformed) }
            return []
        }
        return batch.isEmpty && k >= readers.count ? nil : batch
    }
}
