/// All agreements held in memory for an audit, with their versions, answering "which versions were in force at this instant?".
///
/// An amended agreement appears once per version (same `id`, each with its `effectiveAt`);
/// at an instant the version in force is the latest one whose `effectiveAt` is at or before it,
/// else the first version (whose own term then decides whether it counts yet) — the store's rule.
/// Versions are compiled for the decider (``PreparedAgreement``) the first time they are needed,
/// and kept: an audit touches each version many times.
public final class AgreementBook {
    /// Versions by agreement id, oldest first.
    private var versions: [String: [Entry]] = [:]
    /// Agreement ids by source, then subscriber.
    private var ids: [String: [String: [String]]] = [:]

    private final class Entry {
        let agreement: Agreement
        /// A number unique to this version in this book (for cache keys).
        let serial: Int
        var prepared: PreparedAgreement?
        init(_ a: Agreement, serial: Int) { agreement = a; self.serial = serial }
    }
    private var nextSerial = 0

    /// One subscriber's agreements with one source, and the decider last made for the versions in force.
    ///
    /// The audit used to look up the subscriber's agreement ids (two `String`-keyed dictionaries),
    /// then each id's versions (a third), collect the prepared versions into two new arrays and box
    /// the notice into a new `NewsDecider` for every event: perf put ~9% of a 1M-event audit's CPU
    /// in `preparedVersions` alone (retain/release of each `PreparedAgreement`'s fields). The versions
    /// in force change only at an amendment's effective date, so the decider is kept here and made
    /// again only when they change: one dictionary lookup per event when nothing changed.
    private final class Group {
        let source: String
        /// Per agreement (in the order added), its versions oldest first.
        var lists: [[Entry]] = []
        /// True when some agreement has more than one version (only then can the versions in force change).
        var versioned = false
        /// The serials of the versions the kept decider was made with.
        var inForce: [Int] = []
        /// The instants (milliseconds since the epoch, `validFrom..<validUntil`) over which the versions in force are
        /// those of ``inForce``: between two effective dates the set cannot change (see ``AgreementBook/inForce(_:at:)``).
        var validFrom = Int64.min, validUntil = Int64.min
        var decider: DeciderRef?
        init(source: String) { self.source = source }
    }
    /// Groups by subscriber id (a subscriber deals with one or a few sources).
    private var groups: [String: [Group]] = [:]
    /// Set by ``add(_:)``: the groups are rebuilt before the next lookup.
    private var groupsStale = true

    /// A book of the given agreements (any order, versions mixed).
    public init(_ agreements: [Agreement] = []) {
        for a in agreements { add(a) }
        rebuildGroups()
    }

    /// Builds ``groups`` from ``ids`` and ``versions``.
    private func rebuildGroups() {
        groups.removeAll()
        for (source, bySubscriber) in ids {
            for (subscriber, list) in bySubscriber {
                let g = Group(source: source)
                g.lists = list.compactMap { versions[$0] }
                g.versioned = g.lists.contains { $0.count > 1 }
                groups[subscriber, default: []].append(g)
            }
        }
        groupsStale = false
    }

    /// Adds one agreement version (before the book is used by several threads).
    public func add(_ a: Agreement) {
        groupsStale = true
        var list = versions[a.id] ?? []
        if list.isEmpty { ids[a.source, default: [:]][a.subscriber.id, default: []].append(a.id) }
        list.append(Entry(a, serial: nextSerial))
        nextSerial += 1
        list.sort {
            ($0.agreement.effectiveAt?.millisecondsSinceEpoch ?? .min, $0.agreement.version ?? 0)
                < ($1.agreement.effectiveAt?.millisecondsSinceEpoch ?? .min, $1.agreement.version ?? 0)
        }
        versions[a.id] = list
    }

    /// Number of distinct agreements.
    public var count: Int { versions.count }

    private func entry(_ id: String, at: Instant) -> Entry? {
        guard let list = versions[id] else { return nil }
        return AgreementBook.inForce(list, at: at)
    }

    /// The version of agreement `id` in force at `at`, if any.
    public func asOf(_ id: String, at: Instant) -> Agreement? { entry(id, at: at)?.agreement }

    /// The versions in force at `at` of every agreement between `subscriber` and `source`, compiled.
    ///
    /// Throws the engine's diagnostics if a version does not compile (a bug, reported once).
    public func prepared(subscriber: String, source: String, at: Instant) throws(DiagnosticError) -> [PreparedAgreement] {
        try preparedVersions(subscriber: subscriber, source: source, at: at).map(\.prepared)
    }

    /// Like ``prepared(subscriber:source:at:)``, with each version's serial number (same version, same serial).
    public func preparedVersions(subscriber: String, source: String, at: Instant) throws(DiagnosticError) -> [(serial: Int, prepared: PreparedAgreement)] {
        guard let list = ids[source]?[subscriber] else { return [] }
        var out: [(serial: Int, prepared: PreparedAgreement)] = []
        out.reserveCapacity(list.count)
        for id in list {
            guard let e = entry(id, at: at) else { continue }
            if let p = e.prepared { out.append((e.serial, p)); continue }
            let p = try PreparedAgreement(e.agreement)
            e.prepared = p
            out.append((e.serial, p))
        }
        return out
    }

    /// The decider for `subscriber`'s agreements with `source` in force at `at`, made by `make` from the
    /// prepared versions in force (e.g. sharing the notice box of the caller's decider for the source:
    /// `NewsDecider(sharingNoticeOf:agreements:)`), behind the reference the book keeps it in (the audit reads
    /// it in place: see ``DeciderRef``); nil when they have no agreement.
    ///
    /// Kept per (subscriber, source) and made again only when the versions in force change. Threads: like
    /// the lazily prepared versions, a group is written by whichever thread asks for it, so the audit gives
    /// each subscriber to one thread (see the CLI's ParallelAudit.swift).
    public func deciderRef(subscriber: String, source: String, at: Instant,
                           make: ([PreparedAgreement]) throws(DiagnosticError) -> NewsDecider) throws(DiagnosticError) -> DeciderRef? {
        if groupsStale { rebuildGroups() }
        guard let list = groups[subscriber] else { return nil }
        var found: Group?
        for g in list where g.source == source { found = g; break }
        guard let g = found else { return nil }
        if let d = g.decider, !g.versioned { return d }
        // Between two effective dates the versions in force stay the same: an event inside the window the kept decider
        // was made (or last checked) for takes it without choosing the versions again. Choosing them (two arrays, a
        // retain of each version list and entry) for every event of an amended party was ~690 instructions an event
        // (callgrind, the 30,000-agreement workload's every 10th subscriber) and ~8% of a 1M audit's samples with
        // its retains (perf; scan session 9 in bench/PROFILE.md).
        let t = at.millisecondsSinceEpoch
        if let d = g.decider, t >= g.validFrom, t < g.validUntil { return d }
        var serials: [Int] = []
        var chosen: [Entry] = []
        serials.reserveCapacity(g.lists.count)
        chosen.reserveCapacity(g.lists.count)
        var from = Int64.min, until = Int64.max
        for versions in g.lists {
            let (found, validFrom, validUntil) = AgreementBook.inForceWindow(versions, at: at)
            from = max(from, validFrom)
            until = min(until, validUntil)
            guard let e = found else { continue }
            serials.append(e.serial)
            chosen.append(e)
        }
        if let d = g.decider, serials == g.inForce {
            g.validFrom = from
            g.validUntil = until
            return d
        }
        var prepared: [PreparedAgreement] = []
        prepared.reserveCapacity(chosen.count)
        for e in chosen {
            if let p = e.prepared { prepared.append(p); continue }
            let p = try PreparedAgreement(e.agreement)
            e.prepared = p
            prepared.append(p)
        }
        let d = DeciderRef(try make(prepared))
        g.inForce = serials
        g.validFrom = from
        g.validUntil = until
        g.decider = d
        return d
    }

    /// The built-in territory table, parsed again: the same table in storage of its own, for one decide thread.
    ///
    /// A `NewsDecider` holds its table (five arrays and dictionaries) and the audit copies the decider
    /// of each event's subscriber out of the book, a retain and a release of each; with one shared
    /// table the two decide threads changed the same reference counts for every event, an atomic on a
    /// cache line the cores pass back and forth (perf, 1M events: audit session 6 in bench/PROFILE.md).
    public static func threadTerritories() -> TerritoryTable {
        (try? TerritoryTable.parse(TerritoryTable.builtinText).get()) ?? .builtin
    }

    /// The version in force at `at` among one agreement's versions (oldest first): see ``entry(_:at:)``.
    private static func inForce(_ list: [Entry], at: Instant) -> Entry? {
        var found = list.first
        for v in list {
            if let e = v.agreement.effectiveAt, e > at { break }
            found = v
        }
        return found
    }

    /// ``inForce(_:at:)`` with the instants around `at` over which its answer stays the same: from the effective date
    /// of the last version already in effect (`Int64.min` when none has one) to that of the first version not yet in
    /// effect (`Int64.max` when none). The list is sorted by effective date (none first), so every instant in that window
    /// has the same versions in effect before it and the same first one after it, hence the same answer.
    private static func inForceWindow(_ list: [Entry], at: Instant) -> (Entry?, from: Int64, until: Int64) {
        var found = list.first
        var from = Int64.min
        for v in list {
            if let e = v.agreement.effectiveAt {
                if e > at { return (found, from, e.millisecondsSinceEpoch) }
                from = e.millisecondsSinceEpoch
            }
            found = v
        }
        return (found, from, .max)
    }

    /// Every version of every agreement.
    public var all: [Agreement] { versions.values.flatMap { $0.map(\.agreement) } }
}
