import CPrefetch

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
        var decider: DeciderRef? {
            didSet { deciderAddress = decider.map { UnsafeRawPointer(Unmanaged.passUnretained($0).toOpaque()) } }
        }
        /// ``decider``'s address, a plain word: what ``AgreementBook/prefetch(_:subscriber:stage:ranges:)`` reads without a retain.
        var deciderAddress: UnsafeRawPointer?
        init(source: String) { self.source = source }
    }

    /// One (subscriber, source) group in ``buckets``. 32 bytes, 32-byte aligned: two to a cache line, never across two.
    private struct Bucket {
        var subscriber: String
        /// ``partyHash(subscriber:source:)``; 0 in an empty bucket (a party hash is never 0).
        var hash: UInt64
        /// The group, kept alive by ``allGroups`` (unretained here: reading it from a cold bucket wrote no reference count).
        var group: Unmanaged<Group>?
    }
    /// The groups by (subscriber, source): open addressing by ``partyHash(subscriber:source:)``, linear probing,
    /// at most half full, `mask + 1` buckets in memory aligned to a cache line.
    ///
    /// Why not `[String: [Group]]` by subscriber (as before): at 30,000 agreements the 10,000 parties come in random
    /// order and none is in the cache when its event comes; the look-up waited for four dependent misses (the
    /// dictionary's bucket and key, its value array, the `[Group]` array's buffer, the group), then a retain of each
    /// group and of the decider on cold lines (a locked instruction, which also keeps later loads from overlapping
    /// the misses). perf, 1M events: `deciderRef` 8.3% of all samples without the preparing (58% of its own samples
    /// on the `[Group]`'s count, 20% on the group), `swift_retain` under it 3.1%. Here a look-up reads one bucket
    /// line and the group; the decide workers ask for both ahead (``prefetch(_:subscriber:stage:ranges:)``).
    private var buckets: UnsafeMutablePointer<Bucket>?
    private var mask = 0
    /// Every group (what keeps them alive).
    private var allGroups: [Group] = []
    /// Set by ``add(_:)``: the groups are rebuilt before the next lookup.
    private var groupsStale = true

    /// A book of the given agreements (any order, versions mixed).
    public init(_ agreements: [Agreement] = []) {
        for a in agreements { add(a) }
        rebuildGroups()
    }

    deinit { freeBuckets() }

    private func freeBuckets() {
        guard let buckets else { return }
        buckets.deinitialize(count: mask + 1)
        UnsafeMutableRawPointer(buckets).deallocate()
        self.buckets = nil
    }

    /// Builds the groups (``buckets``, ``allGroups``) from ``ids`` and ``versions``.
    private func rebuildGroups() {
        freeBuckets()
        allGroups.removeAll()
        var size = 16
        var parties = 0
        for (_, bySubscriber) in ids { parties += bySubscriber.count }
        while size < parties * 2 { size <<= 1 }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size * MemoryLayout<Bucket>.stride, alignment: 64)
        let b = raw.bindMemory(to: Bucket.self, capacity: size)
        b.initialize(repeating: Bucket(subscriber: "", hash: 0, group: nil), count: size)
        mask = size - 1
        for (source, bySubscriber) in ids {
            for (subscriber, list) in bySubscriber {
                let g = Group(source: source)
                g.lists = list.compactMap { versions[$0] }
                g.versioned = g.lists.contains { $0.count > 1 }
                allGroups.append(g)
                let h = AgreementBook.partyHash(subscriber: subscriber, source: source)
                var i = Int(truncatingIfNeeded: h) & mask
                while b[i].hash != 0 { i = (i + 1) & mask }  // (subscriber, source) pairs are distinct in `ids`
                b[i] = Bucket(subscriber: subscriber, hash: h, group: Unmanaged.passUnretained(g))
            }
        }
        buckets = b
        groupsStale = false
    }

    /// FNV-1a over the subscriber's bytes: the decide worker of an audit event is this modulo the number of workers
    /// (``partyHash(subscriberHash:source:)`` continues it).
    @inline(__always)
    public static func subscriberHash(_ subscriber: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var s = subscriber
        s.withUTF8 { for x in $0 { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        return h
    }

    /// FNV-1a over the subscriber's bytes, a byte no UTF-8 text holds (0xFF), then the source's bytes: where the book
    /// keeps the party's group. Never 0 (0 marks an empty bucket).
    @inline(__always)
    public static func partyHash(subscriberHash: UInt64, source: String) -> UInt64 {
        var h = (subscriberHash ^ 0xFF) &* 0x100_0000_01b3
        var s = source
        s.withUTF8 { for x in $0 { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        return h == 0 ? 1 : h
    }

    @inline(__always)
    public static func partyHash(subscriber: String, source: String) -> UInt64 {
        partyHash(subscriberHash: subscriberHash(subscriber), source: source)
    }

    /// The group of (subscriber, source), or nil.
    @inline(__always)
    private func group(hash h: UInt64, subscriber: String, source: String) -> Group? {
        guard let b = buckets else { return nil }
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let k = b + i
            if k.pointee.hash == 0 { return nil }
            if k.pointee.hash == h && k.pointee.subscriber == subscriber, let g = k.pointee.group,
               g._withUnsafeGuaranteedRef({ $0.source == source }) {
                return g.takeUnretainedValue()
            }
            i = (i + 1) & mask
        }
    }

    /// Number of stages of ``prefetch(_:subscriber:stage:ranges:)``: the bucket, the group, the decider's object, then the decider's
    /// own (``NewsDecider/hotStages``).
    public static let prefetchStages = 3 + NewsDecider.hotStages

    /// Asks for the cache lines of stage `stage` of the chain ``deciderRef(subscriber:source:at:make:)`` and the
    /// evaluation will read for the party whose ``partyHash(subscriber:source:)`` is `hash` (a prefetch: nothing
    /// waits): 0 its bucket, 1 its group, 2 its kept decider's object, then the decider's own stages
    /// (``NewsDecider/hotRanges(stage:into:capacity:)``). Each stage reads only lines an earlier stage asked for, so
    /// the decide worker asks for them in order, half an event apart (the CLI's ParallelAudit.swift).
    ///
    /// Only a hint: reads plain words and retains nothing. Call it from the thread that judges `subscriber`'s events:
    /// from stage 2 on it reads the group's decider, which only that thread replaces (and which is alive while the
    /// group holds it), so a group is followed there only when its subscriber is `subscriber` (a party of another
    /// subscriber with the same hash, judged by another thread, is not read); before, by the hash alone (another
    /// party only wastes the prefetch). `ranges` has room for ``prefetchRangeCapacity`` entries.
    public func prefetch(_ hash: UInt64, subscriber: String, stage: Int, ranges: UnsafeMutablePointer<HotRange>) {
        guard let b = buckets else { return }
        let first = Int(truncatingIfNeeded: hash) & mask
        if stage == 0 { clearance_prefetch(b + first); return }
        var i = first
        var found: Unmanaged<Group>?
        while b[i].hash != 0 {
            if b[i].hash == hash && (stage < 2 || b[i].subscriber == subscriber) { found = b[i].group; break }
            i = (i + 1) & mask
        }
        guard let g = found else { return }
        if stage == 1 { clearance_prefetch_range(g.toOpaque(), 96); return }
        guard let d = g._withUnsafeGuaranteedRef({ $0.deciderAddress }) else { return }
        if stage == 2 { clearance_prefetch_range(d, DeciderRef.bytes); return }
        let n = NewsDecider.hotRanges(of: (d + DeciderRef.deciderOffset).assumingMemoryBound(to: NewsDecider.self),
                                      stage: stage - 3, into: ranges, capacity: AgreementBook.prefetchRangeCapacity)
        // A range's first two lines: the batch found that asking for all of them at once filled the core's fill buffers
        // (batch session 8 in bench/PROFILE.md).
        for k in 0..<n { clearance_prefetch_range(ranges[k].start, min(128, ranges[k].bytes)) }
    }

    /// Room ``prefetch(_:subscriber:stage:ranges:)`` needs.
    public static let prefetchRangeCapacity = 32

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
        guard let g = group(hash: AgreementBook.partyHash(subscriber: subscriber, source: source), subscriber: subscriber, source: source)
        else { return nil }
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
