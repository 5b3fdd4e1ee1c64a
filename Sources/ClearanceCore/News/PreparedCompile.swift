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
        var grants: [PreparedGrant]
        var prohibitions: [RestrictionRule]
        var activityRule: Int
        /// The activity constraints' count and the positions of the termination and prior-subscription
        /// ones among them (-1: none): what ``Plan/activityDims`` says (term start and end come first).
        var activityCount: Int8
        var terminationPosition: Int8
        var priorPosition: Int8

        /// The compiled form: this thread's (``NewsCompileCache/form``), laid out in place there and valid until
        /// the next agreement is compiled directly on this thread (a copy).
        var form: CompiledForm { NewsCompileCache.current.form.pointee }

        /// The activity constraints' dimensions (``Plan/activityDims``).
        var activityDims: [GrantDimension] {
            var d: [GrantDimension] = [.term, .termEnd]
            if terminationPosition >= 0 { d.append(.termination) }
            if priorPosition >= 0 { d.append(.prior) }
            return d
        }
    }

    /// The compiled form of `a` (built-in territory table, valid by construction: see
    /// ``validByConstruction(_:table:)``) as ``Compiler`` makes it of `plan(a, table: .builtin, uids: false).policies`
    /// without words, or nil when it must be compiled the general way.
    ///
    /// Two passes: the first finds every piece (constraints, target lists, action and duty ids) in this
    /// thread's ``NewsCompileCache`` and counts the records, the second lays the records out in arrays
    /// reserved to their exact size (growing them by appends was ~3,000 instructions a version, and the
    /// set keeps the constraint words' array as made: no spare capacity kept per agreement).
    ///
    /// The pieces, action, duty and target lists found are held unretained (``PieceRef``, ``ListPlan``):
    /// this thread's cache keeps them alive (it drops entries only between agreements,
    /// ``NewsCompileCache/boundTables()``), and each retain and release of a piece was ~20 instructions,
    /// ~50 pairs a version (callgrind, "prepare, session 9"). The grants are read in place through
    /// the array's buffer: `for grant in a.grants` copied each `Grant` (~10 fields retained and
    /// released, ~460 instructions a grant).
    static func compileDirect(_ a: Agreement) -> Direct? {
        // No probe policy: every grant has a permission (a grant without actions, or none at all, needs probes).
        guard !a.grants.isEmpty else { return nil }
        let cache = NewsCompileCache.current
        cache.boundTables()
        return a.grants.withUnsafeBufferPointer { gs in
            a.restrictions.withUnsafeBufferPointer { rs in compileDirect(a, gs, rs, cache) }
        }
    }

    private static func compileDirect(_ a: Agreement, _ gs: UnsafeBufferPointer<Grant>, _ rs: UnsafeBufferPointer<Restriction>,
                                      _ cache: NewsCompileCache) -> Direct? {
        let lists = gs.count + rs.count
        // Every list's constraints in one array (each list's range in its `ListPlan`), the activity
        // constraints first: one allocation for them all (each small array was ~250 instructions
        // of allocating and freeing; callgrind, "prepare, session 8").
        //
        // This array, the plans and the form's record arrays are this thread's, reused from one agreement
        // to the next with their capacity (``NewsCompileCache/scratch``): allocated and freed per version,
        // they were ~3,000 instructions of `reserveCapacity`, regrowth and the form's destruction
        // (callgrind, "prepare, session 10"). Given back on every way out (`defer`).
        var pieces = cache.scratch.pieces.take() ?? []
        pieces.removeAll(keepingCapacity: true)
        pieces.reserveCapacity(4 + 6 * lists)
        var plans = cache.scratch.plans.take() ?? []
        plans.removeAll(keepingCapacity: true)
        defer {
            cache.scratch.pieces = pieces
            cache.scratch.plans = plans
        }

        // The activity constraints, the same for every grant (each grant's list holds its own copy).
        guard let start = cache.date(lt: false, a.term.start), let end = cache.date(lt: true, a.term.end) else { return nil }
        pieces.append(PieceRef(start))
        pieces.append(PieceRef(end))
        var terminationPosition: Int8 = -1, priorPosition: Int8 = -1
        if let t = a.termination {
            guard let e = cache.date(lt: true, t.at) else { return nil }
            terminationPosition = Int8(pieces.count)
            pieces.append(PieceRef(e))
        }
        if a.kind == .subscription {
            guard let e = cache.date(lt: false, a.signedAt) else { return nil }
            priorPosition = Int8(pieces.count)
            pieces.append(PieceRef(e))
        }
        let activityCount = pieces.count

        // Pass 1: each rule list's pieces (grants, then restrictions), in the model's order.
        plans.reserveCapacity(lists)
        var grants: [PreparedGrant] = []
        grants.reserveCapacity(gs.count)
        var flat = 0, dutyRecords = 0
        for g in 0..<gs.count {
            let grant = gs.baseAddress.unsafelyUnwrapped + g
            let list = cache.actions(grant.pointee.actions)
            guard !list.names.isEmpty, list.ids != nil, let duties = cache.duties(grant.pointee.duties), let dutyIDs = duties.ids else {
                return nil
            }
            let from = pieces.count
            var own: UInt64 = 0
            var ownCount = 0
            func add(_ d: GrantDimension, _ p: NewsCompileCache.Piece) {
                pieces.append(PieceRef(p))
                own |= UInt64(d.caseIndex) << UInt64(4 * ownCount)
                ownCount += 1
            }
            // `grantConstraintModels`' order and dimensions.
            let extent = grant.pointee.extent
            if extent.count < 2 {
                guard let e = cache.extents(extent) else { return nil }
                add(.extent, e)
            }
            if let mp = grant.pointee.maxPortion, extent.contains(.partial) {
                guard let p = cache.portion((mp * 100 * 1000).rounded() / 1000, orWhole: extent.contains(.whole)) else { return nil }
                add(.portion, p)
            }
            if case .only(let cs) = grant.pointee.channels {
                guard let e = cache.channels(cs) else { return nil }
                add(.channel, e)
            }
            if !grant.pointee.territories.coversEverything(table: .builtin) {
                guard let e = cache.territories(grant.pointee.territories.resolved) else { return nil }
                add(.territory, e)
            }
            if let e = grant.pointee.embargo {
                guard let x = cache.embargo(e, lt: false) else { return nil }
                add(.embargo, x)
            }
            if let q = grant.pointee.quota {
                guard let x = cache.quota(q.count) else { return nil }
                add(.quota, x)
            }
            var targets: NewsCompileCache.Targets?
            if case .only(let kinds) = grant.pointee.assets, !kinds.isEmpty {
                guard let t = cache.targets(kinds) else { return nil }
                targets = t
            }
            let actionCount = list.names.count
            plans.append(ListPlan(from: from, to: pieces.count, actions: list, duties: duties, targets: targets))
            grants.append(PreparedGrant(firstRule: Int32(flat), ruleCount: Int32(actionCount), dimsRule: Int32(flat),
                                        ownDims: own, ownCount: Int8(ownCount)))
            flat += actionCount
            dutyRecords += actionCount * dutyIDs.count
        }
        let permissionCount = flat
        for k in 0..<rs.count {
            let r = rs.baseAddress.unsafelyUnwrapped + k
            let list = cache.actions(r.pointee.actions ?? NewsCompileCache.use)
            // A restriction without actions has no rule (and compiles nothing): the general way.
            guard !list.names.isEmpty, list.ids != nil else { return nil }
            let from = pieces.count
            // `restrictionConstraintModels`' order.
            if let ex = r.pointee.extent, ex.count < 2 {
                guard let e = cache.extents(ex) else { return nil }
                pieces.append(PieceRef(e))
            }
            if case .only(let cs)? = r.pointee.channels {
                guard let e = cache.channels(cs) else { return nil }
                pieces.append(PieceRef(e))
            }
            if let t = r.pointee.territories, !t.coversEverything(table: .builtin) {
                guard let e = cache.territories(t.resolved) else { return nil }
                pieces.append(PieceRef(e))
            }
            if let e = r.pointee.embargo {
                guard let x = cache.embargo(e, lt: true) else { return nil }
                pieces.append(PieceRef(x))
            }
            var targets: NewsCompileCache.Targets?
            if case .only(let kinds)? = r.pointee.assets, !kinds.isEmpty {
                guard let t = cache.targets(kinds) else { return nil }
                targets = t
            }
            plans.append(ListPlan(from: from, to: pieces.count, actions: list, duties: NewsCompileCache.noDuties, targets: targets))
            flat += list.names.count
        }

        // The records' counts: each atomic record has its words; a portion with whole uses is an `or`
        // record plus its two operands, laid out once per agreement (the general compiler finds the
        // operand list again by its storage), and so is a target list.
        var constraintCount = 0, atomicCount = 0, entityCount = 0
        for k in 0..<plans.count {
            let grant = k < gs.count
            let n = (grant ? activityCount : 0) + plans[k].to - plans[k].from
            constraintCount += n
            atomicCount += n
            // At most one `or` per list (a grant's portion).
            for i in plans[k].from..<plans[k].to where pieces[i].isOr {
                atomicCount -= 1
                plans[k].or = i
                plans[k].orFirst = k
                for j in 0..<k where plans[j].or >= 0 && pieces[plans[j].or] === pieces[i] {
                    plans[k].orFirst = j
                    break
                }
                if plans[k].orFirst == k {
                    constraintCount += 2
                    atomicCount += 2
                }
            }
            if let t = plans[k].targets {
                plans[k].targetsFirst = k
                for j in 0..<k where plans[j].targets === t {
                    plans[k].targetsFirst = j
                    break
                }
                if plans[k].targetsFirst == k { entityCount += t.records.count }
            }
        }

        // Pass 2: the records, as ``Compiler/compile(_:)`` lays them out, into this thread's form, in place
        // (``NewsCompileCache/form``): its record arrays emptied with their capacity (the set copies them into
        // its block and keeps none of them). The constraint words' array is the set's own (kept as made): a
        // fresh one, of its exact size.
        return layOut(&cache.form.pointee)
        func layOut(_ form: inout CompiledForm) -> Direct? {
        form.rules.removeAll(keepingCapacity: true)
        form.constraints.removeAll(keepingCapacity: true)
        form.entities.removeAll(keepingCapacity: true)
        form.entityLists.removeAll(keepingCapacity: true)
        form.atomics = []
        form.flatCount = flat
        form.rules.reserveCapacity(flat + dutyRecords)
        form.rules.append(contentsOf: repeatElement(RuleRecord(), count: flat))
        form.constraints.reserveCapacity(constraintCount)
        form.atomics.reserveCapacity(atomicCount)
        form.entities.reserveCapacity(entityCount)
        form.entityLists.reserveCapacity(entityCount)
        var at = 0
        for k in 0..<plans.count {
            let grant = k < gs.count
            // The first rule of the list compiles its target list, then its constraints; the others share them.
            if let t = plans[k].targets {
                let first = plans[k].targetsFirst
                if first == k {
                    plans[k].targetRange = (Int32(form.entityLists.count), Int32(t.records.count))
                    let e = form.entities.count
                    form.entities.append(contentsOf: t.records)
                    for j in 0..<t.records.count { form.entityLists.append(Int32(e + j)) }
                } else {
                    plans[k].targetRange = plans[first].targetRange
                }
            }
            var cons: (Int32, Int32) = (0, 0)
            if grant || plans[k].to > plans[k].from {
                cons = DirectLayout.constraints(pieces, activity: grant ? activityCount : 0, plans: &plans, k, &form)
            }
            guard let ids = plans[k].actions.ids, let dutyIDs = plans[k].duties.ids else { return nil }
            let hasTargets = plans[k].targets != nil
            let targetRange = plans[k].targetRange
            for id in ids {
                var rec = RuleRecord()
                rec.kind = grant ? .permission : .prohibition
                rec.action = id
                if hasTargets { (rec.targets, rec.targetCount) = targetRange }
                (rec.cons, rec.consCount) = cons
                // A permission's duties: contiguous records after everything so far, one per duty, per rule.
                let dutyStart = form.rules.count
                for d in dutyIDs {
                    var duty = RuleRecord()
                    duty.kind = .duty
                    duty.action = d
                    duty.duties = Int32(dutyStart + dutyIDs.count)
                    form.rules.append(duty)
                }
                rec.dutyCount = Int32(dutyIDs.count)
                rec.duties = Int32(dutyStart)
                form.rules[at] = rec
                at += 1
            }
        }
        var prohibitions: [RestrictionRule] = []
        if flat > permissionCount {
            prohibitions.reserveCapacity(flat - permissionCount)
            at = permissionCount
            for k in 0..<rs.count {
                for _ in 0..<plans[gs.count + k].actions.names.count {
                    prohibitions.append(RestrictionRule(rule: Int32(at), restriction: Int32(k)))
                    at += 1
                }
            }
        }
        return Direct(grants: grants, prohibitions: prohibitions, activityRule: 0, activityCount: Int8(activityCount),
                      terminationPosition: terminationPosition, priorPosition: priorPosition)
        }
    }
}

/// A piece of an agreement being compiled directly, unretained: its thread's ``NewsCompileCache``
/// keeps it alive while the agreement is compiled (see ``PreparedAgreement/compileDirect(_:)``).
struct PieceRef {
    let ref: Unmanaged<NewsCompileCache.Piece>
    /// An `or` of two entries (a portion with whole uses).
    let isOr: Bool
    @inline(__always)
    init(_ piece: NewsCompileCache.Piece) {
        ref = .passUnretained(piece)
        isOr = piece.second != nil
    }
    /// The same piece (by identity).
    @inline(__always)
    static func === (a: PieceRef, b: PieceRef) -> Bool { a.ref.toOpaque() == b.ref.toOpaque() }
}

/// One rule list of an agreement being compiled directly (a grant's or a restriction's): its pieces
/// (a range of the agreement's pieces), actions, duties and targets, and where its shared lists went.
/// Plain data: the lists are held unretained (the thread's ``NewsCompileCache`` keeps them).
struct ListPlan {
    var from: Int
    var to: Int
    unowned(unsafe) let actions: NewsCompileCache.ActionList
    /// The duties' action ids (a restriction: none).
    unowned(unsafe) let duties: NewsCompileCache.DutyList
    unowned(unsafe) var targets: NewsCompileCache.Targets?
    /// The first list with the same target list object (this one's index if none before), and the range laid out.
    var targetsFirst = -1
    var targetRange: (Int32, Int32) = (0, -1)
    /// The position of the list's `or` piece in the pieces (-1: none), the first list with the same
    /// `or` piece, and the operands' range laid out.
    var or = -1
    var orFirst = -1
    var orRange: (Int32, Int32) = (0, 0)

    init(from: Int, to: Int, actions: NewsCompileCache.ActionList, duties: NewsCompileCache.DutyList,
         targets: NewsCompileCache.Targets?) {
        self.from = from
        self.to = to
        self.actions = actions
        self.duties = duties
        self.targets = targets
    }
}

/// How ``PreparedAgreement/compileDirect(_:)`` lays out a rule list's constraint records.
enum DirectLayout {
    /// A shared constraint's record in this set (its words get an index here): ``Compiler/adopt(_:)``.
    @inline(__always)
    static func adopt(_ e: SharedAtomics.Entry, _ form: inout CompiledForm) -> ConstraintRecord {
        var rec = e.record
        rec.atom = Int32(form.atomics.count)
        form.atomics.append(e.words)
        return rec
    }

    /// ``adopt(_:_:)`` of a piece's first (`second` false) or second entry, read in place: the piece
    /// borrowed unretained and the entry not copied out (each copy retained and released its words;
    /// ~17 retains a version, callgrind "prepare, session 9").
    @inline(__always)
    static func adopt(_ p: PieceRef, second: Bool = false, _ form: inout CompiledForm) -> ConstraintRecord {
        p.ref._withUnsafeGuaranteedRef { piece in
            var rec = second ? piece.records.1 : piece.records.0
            rec.atom = Int32(form.atomics.count)
            form.atomics.append(second ? piece.words1.unsafelyUnwrapped : piece.words0)
            return rec
        }
    }

    /// Lays out list `k` (`activity` pieces from the start of `pieces`, then the list's own) as
    /// ``Compiler/constraintList(_:)`` does: its records contiguous; an `or`'s operands after them,
    /// their words numbered when the `or` is met (or the range of the same `or` laid out before).
    static func constraints(_ pieces: [PieceRef], activity: Int, plans: inout [ListPlan], _ k: Int,
                            _ form: inout CompiledForm) -> (Int32, Int32) {
        let start = form.constraints.count
        let from = plans[k].from, to = plans[k].to
        let count = activity + to - from
        var operands: (ConstraintRecord, ConstraintRecord)?
        for i in 0..<activity { form.constraints.append(adopt(pieces[i], &form)) }
        for i in from..<to {
            let p = pieces[i]
            guard p.isOr else {
                form.constraints.append(adopt(p, &form))
                continue
            }
            var rec = ConstraintRecord()
            rec.op = ConstraintRecord.Op.or
            let first = plans[k].orFirst
            if first == k {
                plans[k].orRange = (Int32(start + count), 2)
                operands = (adopt(p, &form), adopt(p, second: true, &form))
            } else {
                plans[k].orRange = plans[first].orRange
            }
            (rec.slot, rec.atom) = plans[k].orRange
            form.constraints.append(rec)
        }
        if let operands {
            form.constraints.append(operands.0)
            form.constraints.append(operands.1)
        }
        return (Int32(start), Int32(count))
    }
}

/// One thread's compiled news constraints, target lists and action ids, by the news value they are
/// made of: the shared compiled form (``SharedAtomics/Entry``) of each constraint ``NewsModelCache``
/// would build, found without building it (see ``PreparedAgreement/compileDirect(_:)``).
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

    /// One constraint of a rule's list, compiled: a shared atomic constraint, or the `or` of two (a
    /// portion limit when whole uses are allowed too: `clr:extent eq whole`, `percentage lteq limit`).
    /// A class: a list holds one reference per constraint, and the layout finds an `or` laid out
    /// before in the same agreement by identity.
    final class Piece {
        /// The atomic constraint (an `or`: its first operand).
        let first: SharedAtomics.Entry
        /// An `or`'s second operand (nil: an atomic constraint).
        let second: SharedAtomics.Entry?
        /// The entries' records and words as plain fields, what ``DirectLayout`` copies into each set:
        /// read through the entries, each use copied an `Entry` out (its words retained and released
        /// twice; ~560,000 copies for 24,840 versions, callgrind "prepare, session 9"). The words are
        /// unretained here: ``first`` and ``second`` keep them.
        let records: (ConstraintRecord, ConstraintRecord)
        unowned(unsafe) let words0: CompiledAtomic
        unowned(unsafe) let words1: CompiledAtomic?
        init(_ first: SharedAtomics.Entry, _ second: SharedAtomics.Entry? = nil) {
            self.first = first
            self.second = second
            records = (first.record, second?.record ?? first.record)
            words0 = first.words
            words1 = second?.words
        }
    }

    /// An action list (a grant's or a restriction's, kept: its storage is the key), its ids in every
    /// set's action table (nil: some action is not a vocabulary action; an extension is interned per
    /// set, the general way), and whether ``PreparedAgreement/validByConstruction(_:table:)`` accepts it.
    final class ActionList {
        let names: [String]
        let ids: [Int32]?
        let valid: Bool
        init(names: [String], ids: [Int32]?, valid: Bool) {
            self.names = names
            self.ids = ids
            self.valid = valid
        }
    }

    /// A target list's entity records (asset-kind collections: the shared terms' ids, no refinement).
    final class Targets {
        let records: [EntityRecord]
        init(_ records: [EntityRecord]) { self.records = records }
    }

    /// A restriction's actions when it names none (one array: its storage finds it in ``actions(_:)``).
    static let use = ["use"]

    // The tables, by the news value (each an ``OpenTable``: a `Dictionary` look-up with SipHash was
    // ~300-600 instructions, ~15 a stored version; callgrind, "prepare, session 9"). Marked
    // `@exclusivity(unchecked)`: the cache is one thread's own, and the run-time check of each
    // `inout` access to a class's stored property was ~100 instructions a look-up.
    private struct DateKey: Equatable { var ms: Int64; var lt: Bool }
    @exclusivity(unchecked) private var dates = OpenTable<DateKey, Piece>(empty: DateKey(ms: 0, lt: false))
    @exclusivity(unchecked) private var lists = OpenTable<UInt64, Piece>(empty: 0)
    private struct PortionKey: Equatable { var bits: UInt64; var orWhole: Bool }
    @exclusivity(unchecked) private var portions = OpenTable<PortionKey, Piece>(empty: PortionKey(bits: 0, orWhole: false))
    @exclusivity(unchecked) private var territorySets = OpenTable<TerritorySet, Piece>(empty: TerritorySet())
    private struct EmbargoKey: Equatable { var duration: ISODuration; var lt: Bool }
    @exclusivity(unchecked) private var embargoes = OpenTable<EmbargoKey, Piece>(empty: EmbargoKey(duration: ISODuration(), lt: false))
    @exclusivity(unchecked) private var quotas = OpenTable<Int, Piece>(empty: 0)
    @exclusivity(unchecked) private var targetLists = OpenTable<UInt64, Targets>(empty: 0)
    /// By the list's storage address (the scanner hands out one array per list's bytes: see
    /// ``SpanCache``): one look-up per grant instead of hashing each name (~480 instructions a name).
    @exclusivity(unchecked) private var actionLists = OpenTable<UInt, ActionList>(empty: 0)
    @exclusivity(unchecked) private var dutyLists = OpenTable<UInt, DutyList>(empty: 0)
    /// Action name -> id in every set's action table, or -1 (not a vocabulary action): met only when
    /// an action list is new on this thread.
    private var actionIDs: [String: Int32] = [:]

    /// A grant's duties (kept: the storage is the key) and their action ids (nil: an extension action).
    final class DutyList: Sendable {
        let duties: [Duty]
        let ids: [Int32]?
        init(duties: [Duty], ids: [Int32]?) { self.duties = duties; self.ids = ids }
    }

    /// Arrays ``PreparedAgreement/compileDirect(_:)`` reuses from one agreement to the next, with their
    /// capacity (nil while lent out: a nested use, e.g. a test keeping a form, makes fresh ones).
    struct Scratch {
        var pieces: [PieceRef]?
        var plans: [ListPlan]?
        /// ``PreparedAgreement/Hot/write(_:grants:prohibitions:to:)``'s bytes (copied into the set's block).
        var client: [UInt8]?
    }
    @exclusivity(unchecked) var scratch = Scratch()
    /// The form ``PreparedAgreement/compileDirect(_:)`` lays the records out in, reused with its arrays'
    /// capacity; at a fixed address, so that it is written and read in place (``ODRLPolicySet/init(compiled:options:terms:client:rebuildWords:)``
    /// borrows it): moved in and out of an optional, or passed as an owned value, it was copied and
    /// destroyed (~16 fields retained and released, ~1,000 instructions a version; callgrind, "prepare, session 10").
    let form: UnsafeMutablePointer<CompiledForm> = {
        let p = UnsafeMutablePointer<CompiledForm>.allocate(capacity: 1)
        p.initialize(to: CompiledForm())
        return p
    }()

    deinit {
        form.deinitialize(count: 1)
        form.deallocate()
    }

    /// Empties the tables that grew past ``NewsModelCache/limit`` entries. Called before an agreement
    /// is compiled, never during: ``PreparedAgreement/compileDirect(_:)`` holds the pieces it found
    /// unretained (the tables keep them alive), so no table may drop an entry while it runs.
    func boundTables() {
        transients.removeAll(keepingCapacity: true)
        if dates.count >= limit { dates.removeAll() }
        if lists.count >= limit { lists.removeAll() }
        if portions.count >= limit { portions.removeAll() }
        if territorySets.count >= limit { territorySets.removeAll() }
        if embargoes.count >= limit { embargoes.removeAll() }
        if quotas.count >= limit { quotas.removeAll() }
        if targetLists.count >= limit { targetLists.removeAll() }
        if actionLists.count >= limit { actionLists.removeAll() }
        if dutyLists.count >= limit { dutyLists.removeAll() }
    }

    /// Entries a table keeps before ``boundTables()`` empties it (tests make it small).
    var limit = NewsModelCache.limit

    /// What was made but not kept in a table (a list too long for a key): kept alive here until the
    /// next agreement, as the tables keep the rest (see ``boundTables()``).
    private var transients: [AnyObject] = []

    private func transient<T: AnyObject>(_ made: T?) -> T? {
        if let made { transients.append(made) }
        return made
    }

    @inline(__always)
    private static func remember<K, V>(_ table: inout OpenTable<K, V>, _ hash: UInt64, _ key: K, _ make: () -> V?) -> V? {
        if let v = table.find(hash, key) { return v }
        guard let v = make() else { return nil }
        table.insert(hash, key, v)
        return v
    }

    @inline(__always)
    private static func address<T>(_ a: [T]) -> UInt { a.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }

    /// A list's values in order, 4 bits each (`index` + 1), under a tag in the top 4 bits: nil when
    /// too long. (``NewsModelCache/listKey(_:_:)`` looks each value up in `allCases`, an array built per call.)
    @inline(__always)
    private static func key<E>(_ tag: UInt64, _ values: [E], _ index: (E) -> Int) -> UInt64? {
        guard values.count <= 14 else { return nil }
        var key = tag << 60
        for (k, v) in values.enumerated() { key |= UInt64(index(v) + 1) << UInt64(4 * k) }
        return key
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

    private func piece(_ c: ODRLConstraint) -> Piece? { shared(c).map { Piece($0) } }

    /// `dateTime gteq|lt <i>` (``NewsModelCache/dateTime(lt:_:)``).
    func date(lt: Bool, _ i: Instant) -> Piece? {
        let ms = i.millisecondsSinceEpoch
        return Self.remember(&dates, OpenTable<DateKey, Piece>.mix(UInt64(bitPattern: ms), lt ? 1 : 0), DateKey(ms: ms, lt: lt)) {
            piece(NewsModelCache.current.dateTime(lt: lt, i))
        }
    }

    /// `clr:extent isAnyOf [...]` (``NewsModelCache/extents(_:)``).
    func extents(_ ex: [Extent]) -> Piece? {
        guard let key = Self.key(1, ex, { $0 == .whole ? 0 : 1 }) else { return transient(piece(NewsModelCache.current.extents(ex))) }
        return Self.remember(&lists, OpenTable<UInt64, Piece>.mix(key), key) { piece(NewsModelCache.current.extents(ex)) }
    }

    /// `deliveryChannel isAnyOf [...]` (``NewsModelCache/channels(_:)``).
    func channels(_ cs: [Channel]) -> Piece? {
        guard let key = Self.key(2, cs, \.index) else { return transient(piece(NewsModelCache.current.channels(cs))) }
        return Self.remember(&lists, OpenTable<UInt64, Piece>.mix(key), key) { piece(NewsModelCache.current.channels(cs)) }
    }

    /// A portion limit (``NewsModelCache/portion(_:orWhole:)``).
    func portion(_ limit: Double, orWhole: Bool) -> Piece? {
        Self.remember(&portions, OpenTable<PortionKey, Piece>.mix(limit.bitPattern, orWhole ? 1 : 0),
                      PortionKey(bits: limit.bitPattern, orWhole: orWhole)) { () -> Piece? in
            switch NewsModelCache.current.portion(limit, orWhole: orWhole) {
            case .atomic(let a):
                return piece(.atomic(a))
            case .logical(let l):
                guard l.op == .or, l.operands.count == 2, let w = shared(l.operands[0]), let e = shared(l.operands[1]) else { return nil }
                return Piece(w, e)
            }
        }
    }

    /// `spatial isAnyOf [country IRIs]` of a territory set, built-in table (``NewsModelCache/territories(_:table:)``).
    func territories(_ set: TerritorySet) -> Piece? {
        let w = set.words
        let hash = OpenTable<TerritorySet, Piece>.mix(OpenTable<TerritorySet, Piece>.mix(w.0, w.1), OpenTable<TerritorySet, Piece>.mix(w.2, w.3))
        return Self.remember(&territorySets, hash, set) { piece(NewsModelCache.current.territories(set, table: .builtin)) }
    }

    /// `delayPeriod gteq|lt <e>` (``NewsModelCache/embargo(_:lt:)``).
    func embargo(_ e: ISODuration, lt: Bool) -> Piece? {
        // The numbers pick the slot; `==` (the text too) confirms it.
        Self.remember(&embargoes, Self.hash(e, lt), EmbargoKey(duration: e, lt: lt)) { piece(NewsModelCache.current.embargo(e, lt: lt)) }
    }

    @exclusivity(unchecked) private var readBack = OpenTable<ISODuration, Bool>(empty: ISODuration())

    /// The numbers of a duration mixed (the slot of an embargo or duration: `==`, the text too, confirms it).
    @inline(__always)
    private static func hash(_ e: ISODuration, _ lt: Bool) -> UInt64 {
        OpenTable<ISODuration, Bool>.mix(
            OpenTable<ISODuration, Bool>.mix(UInt64(bitPattern: Int64(e.years)) &* 31 &+ UInt64(bitPattern: Int64(e.months)),
                                             UInt64(bitPattern: Int64(e.weeks)) &* 31 &+ UInt64(bitPattern: Int64(e.days))),
            UInt64(bitPattern: e.milliseconds) &* 2 &+ (lt ? 1 : 0))
    }

    /// ``NewsModelCache/readsBack(_:)`` by the duration's value (that one hashes its text with SipHash:
    /// ~560 instructions an embargo; "prepare, session 9").
    func readsBack(_ e: ISODuration) -> Bool {
        let hash = Self.hash(e, false)
        if let known = readBack.find(hash, e) { return known }
        let ok = NewsModelCache.current.readsBack(e)
        if readBack.count >= limit { readBack.removeAll() }
        readBack.insert(hash, e, ok)
        return ok
    }

    /// `count lteq <n>` (``NewsModelCache/quota(_:)``).
    func quota(_ n: Int) -> Piece? {
        Self.remember(&quotas, OpenTable<Int, Piece>.mix(UInt64(bitPattern: Int64(n))), n) { piece(NewsModelCache.current.quota(n)) }
    }

    /// The entity records of the asset-kind target list `kinds` (the shared terms' ids, no
    /// refinement, as ``Compiler/entityList(_:)`` compiles them), or nil when they are not such.
    func targets(_ kinds: [AssetKind]) -> Targets? {
        let make = { () -> Targets? in
            var c = Compiler(terms: NewsEngine.terms)  // a fresh one: a compiler remembers lists by storage
            _ = c.entityList(NewsModelCache.current.targets(kinds))
            let records = c.form.entities
            guard records.allSatisfy({ !$0.local && $0.refineCount == 0 }) else { return nil }
            return Targets(records)
        }
        guard let key = Self.key(3, kinds, \.index) else { return transient(make()) }
        return Self.remember(&targetLists, OpenTable<UInt64, Targets>.mix(key), key, make)
    }

    /// The id of action `name` in every set's action table (``ActionTable``), or -1 when compiling it
    /// would intern an extension action in the set's own table.
    private func actionID(_ name: String) -> Int32 {
        if let id = actionIDs[name] { return id }
        let id = compiler.front.canonicalAction(name).flatMap { compiler.form.table.ids[$0] } ?? -1
        if actionIDs.count >= NewsModelCache.limit { actionIDs.removeAll(keepingCapacity: true) }
        actionIDs[name] = id
        return id
    }

    /// An action list's ids and validity (see ``ActionList``), by its storage.
    func actions(_ names: [String]) -> ActionList {
        let key = Self.address(names)
        let hash = OpenTable<UInt, ActionList>.mix(UInt64(key))
        // Same storage: `==` answers at once (and the entry keeps the array, so its address is not reused).
        if let kept = actionLists.find(hash, key), kept.names == names { return kept }
        var ids: [Int32]? = []
        var valid = true
        for (k, x) in names.enumerated() {
            let id = actionID(x)
            if id < 0 { ids = nil } else { ids?.append(id) }
            // `validByConstruction`: canonical news actions, none repeated.
            if NewsActions.includedIn[x] == nil { valid = false }
            for y in names[..<k] where y == x { valid = false }
        }
        let made = ActionList(names: names, ids: ids, valid: valid)
        actionLists.insert(hash, key, made)
        return made
    }

    /// A grant's duties' action ids (nil: one is an extension action, e.g. `clr:link`), by the list's storage.
    func duties(_ duties: [Duty]) -> DutyList? {
        if duties.isEmpty { return NewsCompileCache.noDuties }
        let key = Self.address(duties)
        let hash = OpenTable<UInt, DutyList>.mix(UInt64(key))
        if let kept = dutyLists.find(hash, key), kept.duties == duties { return kept.ids == nil ? nil : kept }
        var ids: [Int32]? = []
        for d in duties {
            let id = actionID(d.odrlActionName)
            if id < 0 { ids = nil } else { ids?.append(id) }
        }
        let made = DutyList(duties: duties, ids: ids)
        dutyLists.insert(hash, key, made)
        return ids == nil ? nil : made
    }

    /// A grant without duties (and every restriction).
    static let noDuties = DutyList(duties: [], ids: [])
}
