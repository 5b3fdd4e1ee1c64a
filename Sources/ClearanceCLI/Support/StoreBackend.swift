import ClearanceCore
import ClearanceStore
import Foundation

/// Agreements, usage ledger and decision log from the SQLite store (`check` without `--agreements`).
///
/// Agreements are the versions in force at each request's time (the store's rule). A batch loads
/// every agreement history once and compiles each version once; a single check asks the store.
/// Decisions are appended to the hash-chained decision log in transactions of up to 1,000 rows
/// (unless `--no-log`); `--record` checks and records each use in one transaction, so a quota can
/// never be overrun by two processes at once.
final class StoreBackend: CheckBackend, @unchecked Sendable {
    let store: Store
    let record: Bool
    let log: Bool
    let policies: PolicyFolder
    /// Batch mode: histories by subscriber and source, loaded as subscribers are met (nil: single check,
    /// ask the store per request). See ``histories(for:)``.
    var histories: [Parties: [AgreementHistory]]?
    /// Set once at open (before any worker runs): histories are held in memory (batch mode).
    private(set) var batchMode = false
    /// Whether every history is in ``histories`` (after the bulk load).
    private var complete = false
    /// Parties looked up one by one so far.
    private var lookups = 0
    private let historyLock = NSLock()
    /// After this many parties looked up one at a time, the rest are loaded in one pass.
    ///
    /// Measured (bench/PROFILE.md): one party's lookup (cached statement on `agreement_by_party`, documents
    /// decoded) costs 0.24 ms, about as much as decoding 2–3 agreements in the bulk pass; a batch meeting few
    /// subscribers should not decode 30,000 agreements, and one meeting thousands should not run thousands
    /// of queries.
    /// `$CLEARANCE_BULK_LOAD_AFTER` overrides it (tests check that both ways give the same answers).
    static let lookupsBeforeBulkLoad = ProcessInfo.processInfo.environment["CLEARANCE_BULK_LOAD_AFTER"].flatMap { Int($0) } ?? 500
    /// Prepared versions, shared by batch workers.
    private let prepared = PreparedCache()
    /// Every stored version by party, each party parsed and prepared on first use (large batches, ``prepareAll()``).
    private(set) var table: PreparedTable?
    private var pending: [DecisionLogEntry] = []
    /// Policy revision (hash) by source, once registered.
    private var revisions: [String: String?] = [:]
    static let flushEvery = 1000

    /// Opens the database; refuses to create one (a check needs registered agreements).
    static func open(flag: String?, record: Bool, log: Bool, policiesFolder: String, preload: Bool) throws(DiagnosticError) -> StoreBackend {
        let path = Store.resolvePath(flag: flag)
        guard FileManager.default.fileExists(atPath: path) else {
            throw DiagnosticError(Diagnostic(
                code: "check.no_database", message: "no database at `\(path)`",
                hint: "register agreements with `clearance contract import FILE` (or pass `--db PATH`), or check against a file with `--agreements FILE`",
                category: .io))
        }
        let store: Store
        do { store = try Store.open(path: path) } catch { throw DiagnosticError(error) }
        let b = StoreBackend(store: store, record: record, log: log, policies: PolicyFolder(path: policiesFolder))
        if preload && !record {
            b.histories = [:]
            b.batchMode = true
        }
        return b
    }

    init(store: Store, record: Bool, log: Bool, policies: PolicyFolder) {
        self.store = store
        self.record = record
        self.log = log
        self.policies = policies
    }

    func compiled(_ a: Agreement, version: Int) throws(DiagnosticError) -> PreparedAgreement {
        try prepared.prepared(a, version: version)
    }

    /// The registered revision of a source's policy (nil when there is none).
    func revision(_ source: String) -> String? {
        if let r = revisions[source] { return r }
        var rev: String?
        if let p = try? policies.policy(for: source) { rev = try? store.registerPolicy(p) }
        revisions[source] = rev
        return rev
    }

    /// A decision-log row; `policyHash` must be resolved outside any store transaction (``revision(_:)`` writes).
    static func entry(_ r: RepublicationRequest, _ d: NewsDecision, versions: [AgreementVersionRef], policyHash: String?) -> DecisionLogEntry {
        // Request and decision are written straight to JSON text (no JSON trees): batch workers build
        // these rows, the batch thread only chains and inserts them.
        var e = DecisionLogEntry(decidedAt: Date(), requestId: r.id, subscriber: r.subscriber, source: r.source,
                                 decision: d.verdict.rawValue, policyHash: policyHash, agreementVersions: versions,
                                 request: .null, response: .null)
        e.requestText = r.jsonText
        e.responseText = d.jsonText
        return e
    }

    func decide(_ r: RepublicationRequest, notice: NoticeCache.Loaded,
                using decide: ([PreparedAgreement], any UsageCounter) -> NewsDecision) throws(DiagnosticError) -> NewsDecision {
        if record { return try decideAndRecord(r, decide: decide) }
        let (list, refs) = try inForce(r)
        let counter = LedgerCounter(store: store)
        let d = decide(list, counter)
        if let e = counter.error { throw e }
        if log { try self.log([StoreBackend.entry(r, d, versions: refs, policyHash: nil)]) }
        return d
    }

    func inForce(_ r: RepublicationRequest) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef]) {
        var list: [PreparedAgreement] = []
        var refs: [AgreementVersionRef] = []
        if let table {
            var scanner = AgreementScanner()
            return try table.inForce(Parties(subscriber: r.subscriber, source: r.source), at: r.at, scanner: &scanner)
        }
        if batchMode {
            for h in try histories(for: Parties(subscriber: r.subscriber, source: r.source)) {
                guard let v = h.inForce(at: r.at) else { continue }
                list.append(try compiled(v.agreement, version: v.version))
                refs.append(AgreementVersionRef(id: v.agreement.id, version: v.version))
            }
        } else {
            for a in try store.agreements(subscriber: r.subscriber, source: r.source, asOf: r.at) {
                list.append(try compiled(a, version: a.version ?? 1))
                refs.append(AgreementVersionRef(id: a.id, version: a.version ?? 1))
            }
        }
        return (list, refs)
    }

    /// A party's agreement histories (batch mode): from memory, else from the store — one indexed query
    /// per party until ``lookupsBeforeBulkLoad`` parties, then every history at once. Thread-safe.
    func histories(for p: Parties) throws(DiagnosticError) -> [AgreementHistory] {
        historyLock.lock()
        defer { historyLock.unlock() }
        if let h = histories?[p] { return h }
        if complete { return [] }
        lookups += 1
        if lookups > StoreBackend.lookupsBeforeBulkLoad {
            var by: [Parties: [AgreementHistory]] = [:]
            for h in try store.allAgreementHistories() { by[Parties(subscriber: h.subscriber, source: h.source), default: []].append(h) }
            histories = by
            complete = true
            return by[p] ?? []
        }
        let h = try store.agreementHistories(subscriber: p.subscriber, source: p.source)
        histories?[p] = h
        return h
    }

    /// Reads every stored version (documents not parsed) and groups the rows by party into ``table``: each
    /// party is parsed and prepared by the batch worker that first meets it (see ``PreparedTable``); the lazy
    /// maps are then dropped.
    func prepareAll() throws(DiagnosticError) {
        guard batchMode, table == nil else { return }
        // Rows come in agreement-id, version order; each party's rows keep that order (its histories' order). Read
        // into one byte arena and grouped on their bytes (``StoredVersionRows``): no String per row.
        let rows = try store.allAgreementVersionRows()
        StageClock.mark("read \(rows.count) stored rows")
        let groups = rows.byParty()
        StageClock.mark("loaded \(groups.count) parties")
        // The page cache filled by the bulk read is not needed any more: the batch reads only the small usage
        // ledger from here on (heaptrack: ~20 MB of a 1M-line batch's peak).
        store.releaseMemory()
        table = PreparedTable(groups.map { (Parties(subscriber: $0.subscriber, source: $0.source), .rows($0.rows)) })
        historyLock.lock()
        histories = [:]
        complete = true
        historyLock.unlock()
    }

    func makeCounter() -> any BatchCounter { LedgerCounter(store: store) }
    var logsDecisions: Bool { log }

    /// Queues rows (their policy revision filled in here: registering a revision writes) and writes
    /// them ``flushEvery`` at a time, each batch in one transaction.
    func log(_ rows: [DecisionLogEntry]) throws(DiagnosticError) {
        guard log else { return }
        for var e in rows {
            if let source = e.source { e.policyHash = revision(source) }
            pending.append(e)
        }
        if pending.count >= StoreBackend.flushEvery { try finish() }
    }

    /// Decides inside the store's write transaction and records a permitted use in the ledger.
    func decideAndRecord(_ r: RepublicationRequest,
                         decide: ([PreparedAgreement], any UsageCounter) -> NewsDecision) throws(DiagnosticError) -> NewsDecision {
        try finish()
        let policyHash = log ? revision(r.source) : nil
        var decision: NewsDecision?
        var compileError: DiagnosticError?
        _ = try store.recordUse(r) { agreements, count in
            var list: [PreparedAgreement] = []
            for a in agreements {
                do { list.append(try self.compiled(a, version: a.version ?? 1)) } catch let e as DiagnosticError { compileError = e }
            }
            let d = try withoutActuallyEscaping(count) { escapable in
                let counter = ClosureCounter(count: escapable)
                let d = decide(list, counter)
                if let e = counter.error { throw e }
                return d
            }
            decision = d
            var grant: Int?
            var agreement: String?
            if case .agreement(let id, let g)? = d.permittedBy { agreement = id; grant = g }
            let refs = agreements.map { AgreementVersionRef(id: $0.id, version: $0.version ?? 1) }
            return UseDecision(record: d.verdict == .permit, agreementId: agreement, grantPosition: grant,
                               decision: d.verdict.rawValue, logEntry: self.log ? StoreBackend.entry(r, d, versions: refs, policyHash: policyHash) : nil)
        }
        if let compileError { throw compileError }
        guard let decision else {
            throw DiagnosticError(Diagnostic(code: "check.no_decision", message: "the store did not run the decision", category: .internalError))
        }
        return decision
    }

    func finish() throws(DiagnosticError) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        try store.appendDecisions(batch)
    }
}

/// Quota counts read from the usage ledger (outside `--record`); one per batch worker.
final class LedgerCounter: BatchCounter {
    let store: Store
    var error: DiagnosticError?
    init(store: Store) { self.store = store }
    var failure: DiagnosticError? { error }
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        do {
            return try store.read { tx in try tx.usageCount(agreement: agreement, grant: grant, from: from.date, until: to.date) }
        } catch {
            self.error = error
            return Int.max / 2
        }
    }
}

/// Quota counts from the store's transaction (inside `--record`).
final class ClosureCounter: UsageCounter {
    let count: (String, Int?, Instant, Instant) throws -> Int
    var error: Error?
    init(count: @escaping (String, Int?, Instant, Instant) throws -> Int) { self.count = count }
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        do { return try count(agreement, grant, from, to) } catch {
            self.error = error
            return Int.max / 2
        }
    }
}
