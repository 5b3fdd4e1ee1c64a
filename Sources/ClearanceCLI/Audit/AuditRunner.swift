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

    init(auditor: Auditor, filters: AuditFilters, sources: [UsageEventSource], countOnly: [Bool]) {
        self.auditor = auditor
        self.filters = filters
        self.sources = sources
        self.countOnly = countOnly
        summary.files = sources.enumerated().filter { !countOnly[$0.offset] }.map { $0.element.name }
    }

    /// Audits everything, handing each finding to `emit` as soon as it is known.
    func run(emit: (Finding) throws -> Void) throws {
        var heads: [(event: UsageEvent, line: Int)?] = Array(repeating: nil, count: sources.count)
        var done = Array(repeating: false, count: sources.count)
        var lastAtBySource = Array(repeating: Int64.min, count: sources.count)
        var currentInstant = Int64.min
        var idsAtInstant = Set<String>()
        var sinceProgress = 0

        func fill(_ k: Int) throws {
            while heads[k] == nil && !done[k] {
                guard let item = try sources[k].next() else { done[k] = true; return }
                switch item {
                case .event(let e, let line):
                    heads[k] = (e, line)
                case .malformed(let line, let diags, let id):
                    summary.linesRead += 1
                    let f = Auditor.malformed(file: sources[k].name, line: line, diagnostics: diags, eventID: id)
                    summary.count(f)
                    try emit(f)
                }
            }
        }

        for k in sources.indices { try fill(k) }
        while true {
            // The earliest head (ties: the earlier source, so the ledger, listed first, wins).
            var best = -1
            for k in sources.indices {
                guard let h = heads[k] else { continue }
                if best < 0 || h.event.request.at < heads[best]!.event.request.at { best = k }
            }
            guard best >= 0, let head = heads[best] else { break }
            heads[best] = nil
            let e = head.event
            let r = e.request
            let ms = r.at.millisecondsSinceEpoch
            if !countOnly[best] { summary.linesRead += 1 }
            if ms < lastAtBySource[best] { if !countOnly[best] { summary.outOfOrder += 1 } } else { lastAtBySource[best] = ms }

            // Filters that cannot affect the quotas of what is audited: skip outright.
            if (!filters.subscribers.isEmpty && !filters.subscribers.contains(r.subscriber))
                || (!filters.sources.isEmpty && !filters.sources.contains(r.source))
                || (filters.to.map { r.at > $0 } ?? false) {
                if !countOnly[best] { summary.eventsFiltered += 1 }
                try fill(best)
                continue
            }
            // The same event twice (same id, same instant): judged once.
            if ms != currentInstant { currentInstant = ms; idsAtInstant.removeAll(keepingCapacity: true) }
            if let id = r.id, !idsAtInstant.insert(id).inserted {
                if !countOnly[best] { summary.duplicates += 1 }
                try fill(best)
                continue
            }
            if countOnly[best] {
                try auditor.count(e)
                summary.ledgerEventsCounted += 1
            } else if let from = filters.from, r.at < from {
                try auditor.count(e)
                summary.eventsFiltered += 1
            } else {
                let findings = try auditor.audit(e, origin: Auditor.Origin(file: sources[best].name, line: head.line))
                summary.countEvent(subscriber: r.subscriber, at: r.at.description, epoch: ms, clean: findings.isEmpty)
                for f in findings {
                    summary.count(f)
                    try emit(f)
                }
            }
            sinceProgress += 1
            if sinceProgress >= 16_384, let p = onProgress { sinceProgress = 0; p(summary) }
            try fill(best)
        }
    }
}
