import ClearanceCore

/// Something that yields usage events in (mostly) time order: a log file or the stored ledger.
protocol UsageEventSource: AnyObject {
    /// The name findings carry as their `file` (`-`, a path, `ledger`).
    var name: String { get }
    /// The next event or malformed line; nil at the end.
    func next() throws(Diagnostic) -> UsageLogReader.Item?
}

extension UsageLogReader: UsageEventSource {}

/// An in-memory source (tests, and the ledger when the store hands back a batch).
final class ArrayEventSource: UsageEventSource {
    let name: String
    private var items: [UsageLogReader.Item]
    private var k = 0
    init(name: String, items: [UsageLogReader.Item]) { self.name = name; self.items = items }
    func next() throws(Diagnostic) -> UsageLogReader.Item? {
        guard k < items.count else { return nil }
        defer { k += 1 }
        return items[k]
    }
}

/// The filters of `clearance audit`.
struct AuditFilters: Sendable {
    var from: Instant?
    var to: Instant?
    var subscribers: Set<String> = []
    var sources: Set<String> = []
}

/// Runs an audit: merges the sources in time order, applies the filters, feeds the ``Auditor``, counts the summary.
///
/// Streaming: one event per source is held at a time. Events before `--from` still count toward
/// quotas (they used up the period) but are not reported; events of other subscribers or
/// sources are skipped (they cannot touch the quotas of the ones audited). An event id seen
/// twice at the same instant (a log already imported into the ledger, a repeated line) is
/// judged once.
final class AuditRunner {
    private var auditor: Auditor
    private let filters: AuditFilters
    private let sources: [UsageEventSource]
    /// Per source: true when its events only count toward quotas (the ledger during `audit LOG`).
    private let countOnly: [Bool]
    private(set) var summary = AuditSummary()
    /// Called every few thousand events (for the progress line).
    var onProgress: ((AuditSummary) -> Void)?
    /// When set, events are judged by these decide workers (see ParallelAudit.swift) instead of `auditor`;
    /// the summary's per-event counts then arrive with ``finishParallel()``.
    var judges: ParallelJudges?
    /// Events handed to the workers (for the progress line).
    private var dispatched = 0

    init(auditor: Auditor, filters: AuditFilters, sources: [UsageEventSource], countOnly: [Bool]) {
        self.auditor = auditor
        self.filters = filters
        self.sources = sources
        self.countOnly = countOnly
        summary.files = sources.enumerated().filter { !countOnly[$0.offset] }.map { $0.element.name }
        fileNames = sources.map(\.name) + ["ledger"]
    }

    /// The names findings carry as their `file`, by source (the ledger last): events are handed on
    /// with a position in this list, not the name (see ``ParallelJudges``).
    let fileNames: [String]
    private var ledgerFile: Int { sources.count }

    /// The ledger, pushed in time order: `feed(body)` calls `body` for each stored event (with its
    /// `seq` as the line), in time order; nil when no database is in use.
    typealias LedgerFeed = (_ body: (UsageLogReader.Item) throws -> Void) throws -> Void

    /// Each source's next event, and its line in `headLines`.
    ///
    /// Two arrays, not one of `(event:line:)` tuples: those were copied and destroyed through the runtime's generic
    /// tuple witnesses (`tuple_initializeWithCopy`, `tuple_destroy`: ~500 instructions an event in callgrind, audit
    /// session 7 in bench/PROFILE.md). Nor a struct of both: handing on its event (`head.event`) copied the event (a
    /// retain per string) and destroyed the rest, ~550 instructions an event (callgrind, scan session 9); an event
    /// taken out of its optional slot is moved.
    private var heads: [UsageEvent?] = []
    private var headLines: [Int] = []
    private var done: [Bool] = []
    private var lastAtBySource: [Int64] = []
    private var lastLedgerAt = Int64.min
    private var currentInstant = Int64.min
    /// The ids seen at `currentInstant`: nearly always none or one (a log's events rarely share an
    /// instant), so a short list searched in place; a `Set<String>` hashed every id (~400 instructions
    /// an event on the dispatching thread, callgrind). Past 32 ids at one instant, a set.
    private var idsAtInstant: [String] = []
    private var idSetAtInstant: Set<String>?
    private var sinceProgress = 0

    /// Audits everything, handing each finding to `emit` as soon as it is known.
    ///
    /// `ledger` (when given) is merged in by time: `auditLedger` says whether its events are
    /// judged and reported (`audit --ledger`) or only counted toward quotas (`audit LOG`).
    func run(ledger: LedgerFeed? = nil, auditLedger: Bool = false, emit: (Finding) throws -> Void) throws {
        heads = Array(repeating: nil, count: sources.count)
        headLines = Array(repeating: 0, count: sources.count)
        done = Array(repeating: false, count: sources.count)
        lastAtBySource = Array(repeating: Int64.min, count: sources.count)
        if auditLedger { summary.files.insert("ledger", at: 0) }
        for k in sources.indices { try fill(k, emit) }
        if let ledger {
            try ledger { item in
                switch item {
                case .event(let e, let seq):
                    // Log events up to this stored one's instant go first: on a tie the log's copy of an
                    // event is the one judged, and the stored copy is then skipped as the same event.
                    try drainLogs(through: e.request.at, emit)
                    let ms = e.request.at.millisecondsSinceEpoch
                    if auditLedger {
                        if ms < lastLedgerAt { summary.outOfOrder += 1 } else { lastLedgerAt = ms }
                    }
                    try process(e, file: ledgerFile, line: seq, countOnly: !auditLedger, emit)
                case .malformed(let seq, let diags, let id):
                    guard auditLedger else { return }
                    summary.linesRead += 1
                    let f = Auditor.malformed(file: "ledger", line: seq, diagnostics: diags, eventID: id)
                    summary.count(f)
                    try emit(f)
                }
            }
        }
        try drainLogs(through: nil, emit)
    }

    /// Reads source `k` up to its next event (malformed lines are reported on the way).
    private func fill(_ k: Int, _ emit: (Finding) throws -> Void) throws {
        while heads[k] == nil && !done[k] {
            guard let item = try sources[k].next() else { done[k] = true; return }
            // Consumed: binding the event of a live `item` copied it (~320 instructions an event; callgrind, scan session 9).
            switch consume item {
            case .event(let e, let line):
                heads[k] = e
                headLines[k] = line
            case .malformed(let line, let diags, let id):
                summary.linesRead += 1
                let f = Auditor.malformed(file: sources[k].name, line: line, diagnostics: diags, eventID: id)
                summary.count(f)
                try emit(f)
            }
        }
    }

    /// Processes log events in time order while the earliest is at or before `limit` (all of them when nil).
    private func drainLogs(through limit: Instant?, _ emit: (Finding) throws -> Void) throws {
        while true {
            // The heads' times are compared in place: binding a head (`let h = heads[k]`) copied its event,
            // a retain and a release per string (perf: ~2% of the 1M audit on the dispatching thread).
            var best = -1
            var bestAt = Instant(millisecondsSinceEpoch: 0)
            for k in sources.indices {
                guard let at = heads[k]?.request.at else { continue }
                if best < 0 || at < bestAt { best = k; bestAt = at }
            }
            guard best >= 0 else { return }
            if let limit, bestAt > limit { return }
            guard let event = heads[best].take() else { return }
            let ms = event.request.at.millisecondsSinceEpoch
            if ms < lastAtBySource[best] { summary.outOfOrder += 1 } else { lastAtBySource[best] = ms }
            if !countOnly[best] { summary.linesRead += 1 }
            try process(event, file: best, line: headLines[best], countOnly: countOnly[best], emit)
            try fill(best, emit)
        }
    }

    /// Filters, de-duplicates, then judges (or only counts) one event.
    ///
    /// The event is moved on to the decide worker, not copied (the request's fields are read in place and the worker
    /// chosen before the move: a copy retained and released each of the event's strings; callgrind, audit session 7
    /// in bench/PROFILE.md).
    private func process(_ event: consuming UsageEvent, file: Int, line: Int, countOnly: Bool, _ emit: (Finding) throws -> Void) throws {
        let ms = event.request.at.millisecondsSinceEpoch
        // Filters that cannot affect the quotas of what is audited: skip outright.
        if (!filters.subscribers.isEmpty && !filters.subscribers.contains(event.request.subscriber))
            || (!filters.sources.isEmpty && !filters.sources.contains(event.request.source))
            || (filters.to.map { event.request.at >= $0 } ?? false) {
            if !countOnly { summary.eventsFiltered += 1 }
            return
        }
        // The same event twice (same id, same instant): judged once.
        if ms != currentInstant { currentInstant = ms; idsAtInstant.removeAll(keepingCapacity: true); idSetAtInstant = nil }
        if let id = event.request.id {
            let seen: Bool
            if idSetAtInstant != nil {
                seen = !(idSetAtInstant?.insert(id).inserted ?? true)
            } else {
                seen = idsAtInstant.contains(id)
                if !seen {
                    idsAtInstant.append(id)
                    if idsAtInstant.count > 32 { idSetAtInstant = Set(idsAtInstant); idsAtInstant.removeAll(keepingCapacity: true) }
                }
            }
            if seen {
                if !countOnly { summary.duplicates += 1 }
                return
            }
        }
        if let judges {
            let h = judges.hashes(subscriber: event.request.subscriber, source: event.request.source, url: event.url)
            let k = judges.worker(for: h)
            let counted = countOnly || (filters.from.map { event.request.at < $0 } ?? false)
            // One submit, the event consumed into the work: with a submit per branch the event was copied into the
            // work and the parameter destroyed after it (`UsageEvent` outlined copy and destroy, ~390 instructions an
            // event on the dispatching thread in callgrind).
            try judges.submit(counted ? .count(consume event) : .audit(consume event, file: file, line: line), to: k, hashes: h)
            if !counted {
                dispatched += 1
            } else if countOnly {
                summary.ledgerEventsCounted += 1
            } else {
                summary.eventsFiltered += 1
            }
        } else if countOnly {
            try auditor.count(event)
            summary.ledgerEventsCounted += 1
        } else if let from = filters.from, event.request.at < from {
            try auditor.count(event)
            summary.eventsFiltered += 1
        } else {
            let e = event
            let findings = try auditor.audit(e, origin: Auditor.Origin(file: fileNames[file], line: line))
            summary.countEvent(subscriber: event.request.subscriber, epoch: ms, clean: findings.isEmpty) { event.request.at.auditText }
            for f in findings {
                summary.count(f)
                try emit(f)
            }
        }
        sinceProgress += 1
        if sinceProgress >= 16_384, let p = onProgress {
            sinceProgress = 0
            var s = summary
            s.eventsAudited += dispatched
            p(s)
        }
    }

    /// Waits for the decide workers and the writer; adds the workers' counts to the summary. Returns the number of findings.
    func finishParallel() throws -> Int {
        guard let judges else { return 0 }
        let (s, n) = try judges.finish()
        summary.add(s)
        return n
    }
}
