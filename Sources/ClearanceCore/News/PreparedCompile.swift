/// Compiling a news agreement straight to the engine's records, without its ODRL model.
///
/// Why (bench/PROFILE.md, "prepare, session 8"): preparing a stored version built the agreement's
/// party-less `ODRLPolicy` (``PreparedAgreement/plan(_:table:uids:)``: ~33,000 instructions of
/// `ODRLRule` values, each a struct of a dozen arrays and dictionaries, copied into the policy and
/// destroyed after) and compiled it with the general ``Compiler`` (~68,000: per rule the action's
/// canonical name and interning, per constraint the front's probe with `==` on the whole constraint,
/// the lists keyed by storage in dictionaries). Yet every piece of a news agreement's compiled form
/// is one of a few kinds the news layer makes itself, and each kind's compiled form is shared per
/// process (``SharedAtomics``): a term date, an extent or channel list, a portion limit, a territory
/// set, an embargo, a quota, an asset-kind target list. So an agreement valid by construction is
/// compiled here from its fields: each piece's shared compiled form is found in a per-thread table
/// keyed by the news value itself (a date's milliseconds, a territory set's bits...), and the records
/// are laid out exactly as ``Compiler/compile(_:)`` lays out ``PreparedAgreement/plan(_:table:uids:)``'s
/// policies (`PreparedCompileTests` compares the two forms field by field on seeded random agreements
/// and the shared workloads' agreements). Anything unusual (a grant without actions, an extension
/// action, a territory table other than the built-in one, a constraint the shared table does not
/// take) goes the general way, as before. The words (rule refs, traces) are compiled from the full
/// model on demand, as before (``SetCore``).
extension PreparedAgreement {
    /// An agreement compiled by ``compileDirect(_:)``: the form and what ``Plan`` gives besides the policies.
    struct Direct {
        var form: CompiledForm
        var grants: [PreparedGrant]
        var prohibitions: [RestrictionRule]
        var activityRule: Int
        var activityDims: [GrantDimension]
    }

    /// The compiled form of `a` (built-in territory table, valid by construction: see
    /// ``validByConstruction(_:table:)``) as ``Compiler`` makes it of `plan(a, table: .builtin, uids: false).policies`
    /// without words, or nil when it must be compiled the general way.
    static func compileDirect(_ a: Agreement) -> Direct? {
        // No probe policy: every grant has a permission (a grant without actions, or none at all, needs probes).
        guard !a.grants.isEmpty else { return nil }
        for g in a.grants where g.actions.isEmpty { return nil }
        let cache = NewsCompileCache.current
        var b = DirectBuilder()

        // The activity constraints, the same for every grant (each grant's list holds its own copy).
        var activity: [SharedAtomics.Entry] = []
        var activityDims: [GrantDimension] = []
        activity.reserveCapacity(4)
        activityDims.reserveCapacity(4)
        guard let start = cache.date(lt: false, a.term.start), let end = cache.date(lt: true, a.term.end) else { return nil }
        activity.append(start)
        activityDims.append(.term)
        activity.append(end)
        activityDims.append(.termEnd)
        if let t = a.termination {
            guard let e = cache.date(lt: true, t.at) else { return nil }
            activity.append(e)
            activityDims.append(.termination)
        }
        if a.kind == .subscription {
            guard let e = cache.date(lt: false, a.signedAt) else { return nil }
            activity.append(e)
            activityDims.append(.prior)
        }

        var permissionCount = 0
        for g in a.grants { permissionCount += g.actions.count }
        var prohibitionCount = 0
        for r in a.restrictions { prohibitionCount += r.actions?.count ?? 1 }
        let n = permissionCount + prohibitionCount
        b.form.flatCount = n
        b.form.rules = [RuleRecord](repeating: RuleRecord(), count: n)

        var grants: [PreparedGrant] = []
        grants.reserveCapacity(a.grants.count)
        var pieces: [DirectBuilder.Piece] = []
        var flat = 0
        for grant in a.grants {
            // The grant's own constraints, in `grantConstraintModels`' order and dimensions.
            pieces.removeAll(keepingCapacity: true)
            var own: UInt64 = 0
            var ownCount = 0
            func add(_ d: GrantDimension, _ p: DirectBuilder.Piece) {
                pieces.append(p)
                own |= UInt64(d.caseIndex) << UInt64(4 * ownCount)
                ownCount += 1
            }
            if grant.extent.count < Extent.allCases.count {
                guard let e = cache.extents(grant.extent) else { return nil }
                add(.extent, .atomic(e))
            }
            if let mp = grant.maxPortion, grant.extent.contains(.partial) {
                guard let p = cache.portion((mp * 100 * 1000).rounded() / 1000, orWhole: grant.extent.contains(.whole)) else { return nil }
                add(.portion, p)
            }
            if case .only(let cs) = grant.channels {
                guard let e = cache.channels(cs) else { return nil }
                add(.channel, .atomic(e))
            }
            if !grant.territories.coversEverything(table: .builtin) {
                guard let e = cache.territories(grant.territories.resolved) else { return nil }
                add(.territory, .atomic(e))
            }
            if let e = grant.embargo {
                guard let x = cache.embargo(e, lt: false) else { return nil }
                add(.embargo, .atomic(x))
            }
            if let q = grant.quota {
                guard let x = cache.quota(q.count) else { return nil }
                add(.quota, .atomic(x))
            }
            let first = flat
            var targets: (Int32, Int32)?
            var cons: (Int32, Int32) = (0, 0)
            for (k, action) in grant.actions.enumerated() {
                guard let id = cache.actionID(action) else { return nil }
                var rec = RuleRecord()
                rec.kind = .permission
                rec.action = id
                // The first rule of the grant compiles its lists (targets, then constraints); the
                // others share them (the general compiler finds them by the lists' storage).
                if k == 0 {
                    if case .only(let kinds) = grant.assets, !kinds.isEmpty {
                        guard let t = b.targets(kinds, cache) else { return nil }
                        targets = t
                    }
                    cons = b.constraints(activity, pieces)
                }
                if let targets { (rec.targets, rec.targetCount) = targets }
                (rec.cons, rec.consCount) = cons
                // Duties: contiguous records after everything compiled so far, one per duty, per rule.
                let dutyStart = b.form.rules.count
                for _ in grant.duties { b.form.rules.append(RuleRecord()) }
                for (j, d) in grant.duties.enumerated() {
                    guard let dutyAction = cache.actionID(d.odrlActionName) else { return nil }
                    var duty = RuleRecord()
                    duty.kind = .duty
                    duty.action = dutyAction
                    duty.duties = Int32(b.form.rules.count)
                    b.form.rules[dutyStart + j] = duty
                }
                rec.duties = Int32(dutyStart)
                rec.dutyCount = Int32(grant.duties.count)
                b.form.rules[flat] = rec
                flat += 1
            }
            grants.append(PreparedGrant(firstRule: Int32(first), ruleCount: Int32(grant.actions.count), dimsRule: Int32(first),
                                        ownDims: own, ownCount: Int8(ownCount)))
        }

        var prohibitions: [RestrictionRule] = []
        for (k, r) in a.restrictions.enumerated() {
            pieces.removeAll(keepingCapacity: true)
            if let ex = r.extent, ex.count < Extent.allCases.count {
                guard let e = cache.extents(ex) else { return nil }
                pieces.append(.atomic(e))
            }
            if case .only(let cs)? = r.channels {
                guard let e = cache.channels(cs) else { return nil }
                pieces.append(.atomic(e))
            }
            if let t = r.territories, !t.coversEverything(table: .builtin) {
                guard let e = cache.territories(t.resolved) else { return nil }
                pieces.append(.atomic(e))
            }
            if let e = r.embargo {
                guard let x = cache.embargo(e, lt: true) else { return nil }
                pieces.append(.atomic(x))
            }
            var targets: (Int32, Int32)?
            var cons: (Int32, Int32) = (0, 0)
            for (j, action) in (r.actions ?? ["use"]).enumerated() {
                guard let id = cache.actionID(action) else { return nil }
                var rec = RuleRecord()
                rec.kind = .prohibition
                rec.action = id
                if j == 0 {
                    if case .only(let kinds)? = r.assets, !kinds.isEmpty {
                        guard let t = b.targets(kinds, cache) else { return nil }
                        targets = t
                    }
                    if !pieces.isEmpty { cons = b.constraints([], pieces) }
                }
                if let targets { (rec.targets, rec.targetCount) = targets }
                (rec.cons, rec.consCount) = cons
                rec.duties = Int32(b.form.rules.count)
                b.form.rules[flat] = rec
                prohibitions.append(RestrictionRule(rule: Int32(flat), restriction: Int32(k)))
                flat += 1
            }
        }
        return Direct(form: b.form, grants: grants, prohibitions: prohibitions, activityRule: 0, activityDims: activityDims)
    }
}

/// The form being built by ``PreparedAgreement/compileDirect(_:)``, with the lists compiled so far.
struct DirectBuilder {
    var form = CompiledForm()
    /// Target lists compiled in this agreement, by ``NewsModelCache/listKey(_:_:)`` (the general
    /// compiler compiles a list once per policy, found by its storage: the model cache hands out one
    /// array per key).
    var targetRanges: [(key: UInt64, range: (Int32, Int32))] = []
    /// The same for a portion's `or` operands (one array per portion limit in the model cache).
    var portionRanges: [(key: NewsCompileCache.PortionEntries, range: (Int32, Int32))] = []

    /// A constraint of a list: one shared atomic constraint, or a portion limit (possibly `or` whole).
    enum Piece {
        case atomic(SharedAtomics.Entry)
        case portion(NewsCompileCache.PortionEntries)
    }

    /// A shared constraint's record in this set (its words get an index here): ``Compiler/adopt(_:)``.
    @inline(__always)
    mutating func adopt(_ e: SharedAtomics.Entry) -> ConstraintRecord {
        var rec = e.record
        rec.atom = Int32(form.atomics.count)
        form.atomics.append(e.words)
        return rec
    }

    /// Compiles a list (`activity` then `pieces`) as ``Compiler/constraintList(_:)`` does: its records
    /// contiguous, a logical constraint's operands after them.
    mutating func constraints(_ activity: [SharedAtomics.Entry], _ pieces: [Piece]) -> (Int32, Int32) {
        let count = activity.count + pieces.count
        let start = form.constraints.count
        form.constraints.append(contentsOf: repeatElement(ConstraintRecord(), count: count))
        for (k, e) in activity.enumerated() { form.constraints[start + k] = adopt(e) }
        for (k, p) in pieces.enumerated() {
            switch p {
            case .atomic(let e):
                form.constraints[start + activity.count + k] = adopt(e)
            case .portion(let x):
                guard let isWhole = x.isWhole else {
                    form.constraints[start + activity.count + k] = adopt(x.limit)
                    continue
                }
                var rec = ConstraintRecord()
                rec.op = ConstraintRecord.Op.of(ODRLVocabulary.LogicalOperator.or)
                if let done = portionRanges.first(where: { $0.key === x }) {
                    (rec.slot, rec.atom) = done.range
                } else {
                    let at = form.constraints.count
                    form.constraints.append(adopt(isWhole))
                    form.constraints.append(adopt(x.limit))
                    let range = (Int32(at), Int32(2))
                    portionRanges.append((x, range))
                    (rec.slot, rec.atom) = range
                }
                form.constraints[start + activity.count + k] = rec
            }
        }
        return (Int32(start), Int32(count))
    }

    /// The entity list of asset-kind targets `kinds` (once per agreement per list, as the general
    /// compiler does it), or nil when its records are not the shared terms' alone.
    mutating func targets(_ kinds: [AssetKind], _ cache: NewsCompileCache) -> (Int32, Int32)? {
        let key = NewsModelCache.listKey(3, kinds)
        if let key, let done = targetRanges.first(where: { $0.key == key }) { return done.range }
        guard let records = cache.targetRecords(kinds, key: key) else { return nil }
        let range = (Int32(form.entityLists.count), Int32(records.count))
        let first = form.entities.count
        form.entities += records
        for k in 0..<records.count { form.entityLists.append(Int32(first + k)) }
        if let key { targetRanges.append((key, range)) }
        return range
    }
}

/// One thread's compiled news constraints and target lists, by the news value they are made of:
/// the shared compiled form (``SharedAtomics/Entry``) of each constraint ``NewsModelCache`` would
/// build, found without building it (see ``PreparedAgreement/compileDirect(_:)``).
///
/// An entry is what ``Compiler/compileAtomic(_:)`` answered for the model constraint made of the
/// same value (made once, on this thread's first sight of the value): the process-wide shared form,
/// so the records are the very ones the general compiler adopts. A constraint the shared table does
/// not take (full) is not remembered, and the agreement is compiled the general way. Per thread (no
/// lock); each table starts afresh past ``NewsModelCache/limit`` entries.
final class NewsCompileCache {
    /// The running thread's cache.
    static var current: NewsCompileCache { perThread.value }
    private static let perThread = PerThread { NewsCompileCache() }

    /// A scratch compiler with the news terms (its form is dropped after each use).
    private var compiler = Compiler(terms: NewsEngine.terms)

    /// A portion limit's compiled constraints: `percentage lteq limit`, and `clr:extent eq whole`
    /// when whole uses are allowed too (the two operands of an `or`). A class: the builder finds a
    /// portion compiled before in the same agreement by identity.
    final class PortionEntries {
        let isWhole: SharedAtomics.Entry?
        let limit: SharedAtomics.Entry
        init(isWhole: SharedAtomics.Entry?, limit: SharedAtomics.Entry) {
            self.isWhole = isWhole
            self.limit = limit
        }
    }

    private struct DateKey: Hashable { var ms: Int64; var lt: Bool }
    private var dates: [DateKey: SharedAtomics.Entry] = [:]
    private var lists: [UInt64: SharedAtomics.Entry] = [:]
    private struct PortionKey: Hashable { var bits: UInt64; var orWhole: Bool }
    private var portions: [PortionKey: PortionEntries] = [:]
    private var territorySets: [TerritorySet: SharedAtomics.Entry] = [:]
    private struct EmbargoKey: Hashable { var duration: ISODuration; var lt: Bool }
    private var embargoes: [EmbargoKey: SharedAtomics.Entry] = [:]
    private var quotas: [Int: SharedAtomics.Entry] = [:]
    private var targets: [UInt64: [EntityRecord]] = [:]
    /// Action name as written -> id in every set's action table (vocabulary actions only), or -1
    /// when it is not one (an extension action is interned per set: the general way).
    private var actions: [String: Int32] = [:]

    @inline(__always)
    private static func remember<K, V>(_ table: inout [K: V], _ key: K, _ make: () -> V?) -> V? {
        if let v = table[key] { return v }
        guard let v = make() else { return nil }
        if table.count >= NewsModelCache.limit { table.removeAll(keepingCapacity: true) }
        table[key] = v
        return v
    }

    /// The shared compiled form of a model constraint (nil: not shared; not remembered).
    private func shared(_ c: ODRLConstraint) -> SharedAtomics.Entry? {
        guard case .atomic(let a) = c else { return nil }
        switch compiler.compileAtomic(a) {
        case .shared(let e): return e
        case .own:
            compiler.form = CompiledForm()  // drop any slot or text it made its own
            return nil
        }
    }

    /// `dateTime gteq|lt <i>` (``NewsModelCache/dateTime(lt:_:)``).
    func date(lt: Bool, _ i: Instant) -> SharedAtomics.Entry? {
        Self.remember(&dates, DateKey(ms: i.millisecondsSinceEpoch, lt: lt)) { shared(NewsModelCache.current.dateTime(lt: lt, i)) }
    }

    /// `clr:extent isAnyOf [...]` (``NewsModelCache/extents(_:)``).
    func extents(_ ex: [Extent]) -> SharedAtomics.Entry? {
        guard let key = NewsModelCache.listKey(1, ex) else { return shared(NewsModelCache.current.extents(ex)) }
        return Self.remember(&lists, key) { shared(NewsModelCache.current.extents(ex)) }
    }

    /// `deliveryChannel isAnyOf [...]` (``NewsModelCache/channels(_:)``).
    func channels(_ cs: [Channel]) -> SharedAtomics.Entry? {
        guard let key = NewsModelCache.listKey(2, cs) else { return shared(NewsModelCache.current.channels(cs)) }
        return Self.remember(&lists, key) { shared(NewsModelCache.current.channels(cs)) }
    }

    /// A portion limit (``NewsModelCache/portion(_:orWhole:)``): its atomic constraints.
    func portion(_ limit: Double, orWhole: Bool) -> DirectBuilder.Piece? {
        let entries = Self.remember(&portions, PortionKey(bits: limit.bitPattern, orWhole: orWhole)) { () -> PortionEntries? in
            switch NewsModelCache.current.portion(limit, orWhole: orWhole) {
            case .atomic(let a):
                guard let e = shared(.atomic(a)) else { return nil }
                return PortionEntries(isWhole: nil, limit: e)
            case .logical(let l):
                guard l.op == .or, l.operands.count == 2, let w = shared(l.operands[0]), let e = shared(l.operands[1]) else { return nil }
                return PortionEntries(isWhole: w, limit: e)
            }
        }
        return entries.map { .portion($0) }
    }

    /// `spatial isAnyOf [country IRIs]` of a territory set, built-in table (``NewsModelCache/territories(_:table:)``).
    func territories(_ set: TerritorySet) -> SharedAtomics.Entry? {
        Self.remember(&territorySets, set) { shared(NewsModelCache.current.territories(set, table: .builtin)) }
    }

    /// `delayPeriod gteq|lt <e>` (``NewsModelCache/embargo(_:lt:)``).
    func embargo(_ e: ISODuration, lt: Bool) -> SharedAtomics.Entry? {
        Self.remember(&embargoes, EmbargoKey(duration: e, lt: lt)) { shared(NewsModelCache.current.embargo(e, lt: lt)) }
    }

    /// `count lteq <n>` (``NewsModelCache/quota(_:)``).
    func quota(_ n: Int) -> SharedAtomics.Entry? {
        Self.remember(&quotas, n) { shared(NewsModelCache.current.quota(n)) }
    }

    /// The entity records of the asset-kind target list `kinds` (the shared terms' ids, no
    /// refinement, as ``Compiler/entityList(_:)`` compiles them), or nil when they are not such.
    func targetRecords(_ kinds: [AssetKind], key: UInt64?) -> [EntityRecord]? {
        let make = { () -> [EntityRecord]? in
            // A fresh compiler: the scratch one remembers lists by storage.
            var c = Compiler(terms: NewsEngine.terms)
            _ = c.entityList(NewsModelCache.current.targets(kinds))
            let records = c.form.entities
            guard records.allSatisfy({ !$0.local && $0.refineCount == 0 }) else { return nil }
            return records
        }
        guard let key else { return make() }
        return Self.remember(&targets, key, make)
    }

    /// The id of action `name` in every set's action table (``ActionTable``), or nil when compiling
    /// it would intern an extension action in the set's own table (then: the general way).
    func actionID(_ name: String) -> Int32? {
        if let id = actions[name] { return id >= 0 ? id : nil }
        let id = compiler.front.canonicalAction(name).flatMap { compiler.form.table.ids[$0] } ?? -1
        if actions.count >= NewsModelCache.limit { actions.removeAll(keepingCapacity: true) }
        actions[name] = id
        return id >= 0 ? id : nil
    }
}
