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
        // The ledger can name only agreements the database holds (a foreign key); their ids come with
        // the histories the context loaded (loading them all a second time cost ~6% of an import).
        let stored = context.storedAgreements
        // Loading the agreements filled SQLite's page cache (~27 MB for the default workload's 16,485); the
        // import reads none of those pages again, and its own cache can reuse the memory.
        store.releaseMemory()
        // Each log is read ahead on a thread of its own (scanning and validating lines while this thread
        // decides and writes), as the audit does; see Pipeline.swift.
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let importer = UsageImporter(readers: readers.map { PrefetchingSource($0) },
                                     auditors: (0..<threads).map { _ in context.freshAuditor() },
                                     storedAgreements: stored,
                                     skipMalformed: skipMalformed)
        let result: UsageImportResult
        // Batch N+1 is read and decided while the store inserts batch N (the two used to take turns).
        let ahead = DecidingAhead(importer)
        do {
            defer { ahead.finish() }
            result = try store.importUsage { () throws -> [LedgerDraft]? in try ahead.next() }
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
        // The agreements and the deciders (a book of every agreement per decider, prepared) are freed on a
        // background thread, which the process's exit does not wait for, instead of object by object on this
        // one after the import: at 30,000 agreements that was ~0.3 s after the last row (perf, bench/PROFILE.md
        // ledger session 7). A host that calls the command as a library still gets the memory back.
        releaseInBackground(UncheckedBox((context, importer)))
    }
}

/// Drops the last reference to `objects` on a background thread (see the end of ``UsageImportCommand/run()``).
func releaseInBackground<T>(_ objects: UncheckedBox<T>) {
    DispatchQueue.global(qos: .background).async { withExtendedLifetime(objects) {} }
}

/// Pulls batches of ledger rows (drafts) out of the logs for ``Store/importUsage(at:maxProblems:next:)``.
///
/// Each event is decided (at its own time, uses counted in the order imported) so the ledger
/// records the agreement and grant it falls under. A malformed line, unless skipped, makes the
/// batch source throw, which rolls the whole import back.
///
/// Deciding runs on every core: quotas are counted per agreement, and an agreement belongs to one
/// subscriber, so each subscriber's events go to one decider (a stable hash of its id picks it) and
/// are decided in log order there; a batch's groups are decided at the same time and the entries
/// come out in log order. Each decider keeps its own quota counters, so the verdicts (and the
/// agreement and grant recorded) are those of deciding the whole log in order on one thread.
final class UsageImporter {
    private let readers: [UsageEventSource]
    /// One decider per core, each owning the subscribers that hash to it.
    private let deciders: [Decider]
    private let skipMalformed: Bool
    private var k = 0
    /// Bad lines seen (the first 20 kept as diagnostics).
    private(set) var malformedCount = 0
    private(set) var malformed: [Diagnostic] = []
    /// Well-formed events read.
    private(set) var events = 0
    static let batchSize = 4096

    private let storedAgreements: Set<String>

    /// An auditor used by one thread at a time (a batch's group), with the first error it met.
    final class Decider: @unchecked Sendable {
        // @unchecked: used by exactly one `concurrentPerform` iteration per batch, batches one after another.
        var auditor: Auditor
        var error: DiagnosticError?
        init(_ a: Auditor) { auditor = a }
    }

    /// `auditors`: one per decider thread (each with its own decision cache and counters).
    init(readers: [UsageEventSource], auditors: [Auditor], storedAgreements: Set<String>, skipMalformed: Bool) {
        self.readers = readers
        self.deciders = auditors.map(Decider.init)
        self.storedAgreements = storedAgreements
        self.skipMalformed = skipMalformed
    }

    /// The decider of a subscriber (FNV-1a of its id: stable across runs).
    private func decider(for subscriber: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in subscriber.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(h % UInt64(deciders.count))
    }

    /// The next batch; nil at the end. Throws the malformed lines (or a file error) to roll back.
    func nextBatch() throws(DiagnosticError) -> [LedgerDraft]? {
        var read: [UsageEvent] = []
        read.reserveCapacity(UsageImporter.batchSize)
        while read.count < UsageImporter.batchSize, k < readers.count {
            let item: UsageLogReader.Item?
            do { item = try readers[k].next() } catch { throw DiagnosticError(error) }
            guard let item else { k += 1; continue }
            // `consume`: the event moves into the batch (binding it from a copy of the item retained each of
            // its ~10 strings, and destroying the item released them: ~40 reference-count operations an event).
            switch consume item {
            case .event(let e, _):
                events += 1
                read.append(e)
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
        if read.isEmpty { return k >= readers.count ? nil : [] }
        return try decide(read)
    }

    /// Decides a batch, each subscriber's events in order on its decider, the deciders at the same time.
    private func decide(_ read: [UsageEvent]) throws(DiagnosticError) -> [LedgerDraft] {
        var groups = [[Int]](repeating: [], count: deciders.count)
        for (i, e) in read.enumerated() { groups[decider(for: e.request.subscriber)].append(i) }
        let out = UnsafeMutableBufferPointer<LedgerDraft?>.allocate(capacity: read.count)
        out.initialize(repeating: nil)
        defer { out.deinitialize(); out.deallocate() }
        let shared = UncheckedBox((read, groups, deciders, storedAgreements, out))
        DispatchQueue.concurrentPerform(iterations: deciders.count) { g in
            let (read, groups, deciders, stored, out) = shared.value
            let d = deciders[g]
            // The events are read in place (no copy of each event: its strings were retained and released per
            // copy, on cache lines the reader thread wrote).
            read.withUnsafeBufferPointer { events in
                for i in groups[g] {
                    guard d.error == nil else { return }
                    do throws(DiagnosticError) {
                        let decision = try d.auditor.decideCounting(events[i].request)
                        var agreement: String?
                        var grant: Int?
                        if case .agreement(let id, let gr)? = decision.permittedBy, stored.contains(id) { agreement = id; grant = gr }
                        // The row made ready here, in parallel: the writer only chains and inserts it (LedgerDraft).
                        out[i] = LedgerDraft(event: events[i], decision: decision.verdict.rawValue, agreementId: agreement,
                                             grantPosition: grant)
                    } catch {
                        d.error = error
                    }
                }
            }
        }
        if let e = deciders.lazy.compactMap(\.error).first { throw e }
        return out.compactMap { $0 }
    }
}

/// Runs ``UsageImporter/nextBatch()`` on a thread of its own, one batch ahead of the store's writer.
///
/// `usage import` used to read and decide a batch (on every core), then insert it (on one), then read
/// the next: the cores idled while SQLite wrote. Now the next batch is decided while the current one
/// is inserted. The order of batches and of the events in them is unchanged (one producer, a FIFO
/// queue), and deciding needs nothing from the database (quota counts are the deciders' own), so
/// the ledger is the same. ``finish()`` stops and joins the thread, after which the importer's
/// counters may be read.
final class DecidingAhead: @unchecked Sendable {
    // @unchecked: the importer is used only by the thread until `finish()` has joined it.
    private let queue = BoundedQueue<Result<[LedgerDraft]?, DiagnosticError>>(capacity: 2)
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    init(_ importer: UsageImporter) {
        let q = queue, d = done, box = UncheckedBox(importer)
        let thread = Thread {
            defer { d.signal() }
            while true {
                let r: Result<[LedgerDraft]?, DiagnosticError>
                do throws(DiagnosticError) { r = .success(try box.value.nextBatch()) } catch { r = .failure(error) }
                // A closed queue: the writer stopped (an error); stop too.
                guard q.push(r) else { return }
                switch r {
                case .success(nil), .failure: q.close(); return
                case .success: continue
                }
            }
        }
        thread.name = "clearance-decide-ahead"
        thread.start()
    }

    /// The next batch (nil at the end), or the error the importer threw.
    func next() throws(DiagnosticError) -> [LedgerDraft]? {
        guard let r = queue.pop() else { return nil }
        return try r.get()
    }

    /// Stops the thread (if it is still deciding) and waits for it to end.
    func finish() {
        guard !finished else { return }
        finished = true
        queue.close()
        done.wait()
    }

    deinit { finish() }
}
