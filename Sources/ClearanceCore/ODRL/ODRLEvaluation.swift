/// Three-valued truth of a constraint: the engine may not be able to tell.
enum Truth: Sendable {
    case satisfied, unsatisfied, unknown

    static func all(_ ts: [Truth]) -> Truth {
        if ts.contains(.unsatisfied) { return .unsatisfied }
        return ts.contains(.unknown) ? .unknown : .satisfied
    }

    /// Three-valued conjunction.
    @inline(__always)
    func and(_ o: Truth) -> Truth {
        if self == .unsatisfied || o == .unsatisfied { return .unsatisfied }
        return self == .unknown || o == .unknown ? .unknown : .satisfied
    }

    /// Three-valued disjunction.
    func or(_ o: Truth) -> Truth {
        if self == .satisfied || o == .satisfied { return .satisfied }
        return self == .unknown || o == .unknown ? .unknown : .unsatisfied
    }

    var negated: Truth { self == .satisfied ? .unsatisfied : self == .unsatisfied ? .satisfied : .unknown }
}

extension ODRLBlock {
    /// Runs `body` with the checks of one evaluation of the lowered request `input` against this set.
    ///
    /// Everything the checks read is borrowed as a pointer for the call's duration (the set's
    /// records, the input's plain values, action ids, collections and rule-scoped values): the rule
    /// loop then touches no reference-counted storage at all. The input is a plain buffer (see
    /// ODRLInput.swift), so borrowing it is reading a few pointers: the former input's five arrays
    /// were each borrowed with a retain and a release per pass (~370 instructions). The set is
    /// reached through its block's header (``BlockHeader``), not its object.
    @inline(__always)
    func withChecks<R>(_ input: ODRLInput, duties: UnsafePointer<[String: ODRLDutyState]>,
                       _ body: (Checks) -> R) -> R {
        if input.actionKnown {
            return body(Checks(header, input: input, actions: UnsafeBufferPointer(start: input.actionIDs, count: input.actionCount),
                               actionBits: input.actionBits, knownAction: true, dutyStates: duties))
        }
        return withExtensionAction(input, duties: duties, body)
    }

    /// ``ODRLPolicySet/ruleResults(_:state:)`` on the block: the answers written into `input`'s
    /// result buffer (``flatCount`` of them, valid until the input's next evaluation). The caller
    /// keeps the set alive.
    @inline(__always)
    @discardableResult
    func ruleResults(_ input: ODRLInput, state: ODRLWorldState) -> UnsafeMutablePointer<ODRLRuleResult> {
        withUnsafePointer(to: state) { ruleResults(input, state: $0) }
    }

    /// ``ruleResults(_:state:)`` with the world state borrowed by address (no copy of its dictionaries).
    @inline(__always)
    @discardableResult
    func ruleResults(_ input: ODRLInput, state: UnsafePointer<ODRLWorldState>) -> UnsafeMutablePointer<ODRLRuleResult> {
        let n = flatCount
        let out = input.resultBuffer(n)
        if state.pointee.duties.isEmpty {
            // No duty state (the usual case): borrow one shared empty dictionary instead of taking a
            // pointer to the argument's (which copied, i.e. retained and released, it per call). The
            // input holds its address (reading the `static let` was a `swift_once` call per pass).
            withChecks(input, duties: input.noDuties) { checks in checks.fill(UnsafeMutableBufferPointer(start: out, count: n)) }
        } else {
            withUnsafePointer(to: state.pointee.duties) { duties in
                withChecks(input, duties: duties) { checks in checks.fill(UnsafeMutableBufferPointer(start: out, count: n)) }
            }
        }
        return out
    }

    /// The checks of `input` against this set, for a caller that drives them rule by rule (the news
    /// layer's ``NewsDecider/outcome(_:_:_:_:_:lifters:usage:)``), when the request's action is a
    /// vocabulary spelling (`input.actionKnown`, required) and no duty state is recorded (the checks
    /// see the shared empty table). The answers are those of ``ruleResults(_:state:)``, which builds
    /// the same checks: ``Checks/fill(_:)`` is one driver of them, this caller another. Valid while
    /// `input` lives and is not changed.
    @inline(__always)
    func knownActionChecks(_ input: ODRLInput) -> Checks {
        Checks(header, input: input, actions: UnsafeBufferPointer(start: input.actionIDs, count: input.actionCount),
               actionBits: input.actionBits, knownAction: true, dutyStates: input.noDuties)
    }

    /// ``withChecks(_:duties:_:)`` for an action that is not a vocabulary spelling: an extension
    /// action this set interned, or (a spelling the table does not list) its canonical name; unknown
    /// otherwise (nothing matches and the trace denies).
    @inline(never)
    func withExtensionAction<R>(_ input: ODRLInput, duties: UnsafePointer<[String: ODRLDutyState]>,
                                _ body: (Checks) -> R) -> R {
        let set = header.pointee.owner.takeUnretainedValue()
        var actionIDs: [Int32]? = nil
        if let (_, ids) = set.requestActions[input.action] {
            actionIDs = ids
        } else if let canonical = ODRLVocabulary.canonicalAction(input.action) {
            actionIDs = set.actions.broaderIDs(of: canonical) ?? []
        }
        let known = actionIDs != nil
        return (actionIDs ?? []).withUnsafeBufferPointer { actions in
            let bits = actions.reduce(UInt64(0)) { $0 | ODRLInput.bit($1) }
            return body(Checks(header, input: input, actions: actions, actionBits: bits, knownAction: known, dutyStates: duties))
        }
    }
}

/// A lowered asset or party as plain data (its collections borrowed from the subject).
struct SubjectView {
    let present: Bool
    let selfID: Int32
    let collections: UnsafeBufferPointer<Int32>
    let localResolved: Bool

    /// The plain-data view of `s` (which the input keeps alive for the evaluation).
    @inline(__always)
    init(_ s: ODRLSubject) {
        present = s.iri != nil
        selfID = s.selfID
        collections = UnsafeBufferPointer(start: s.collectionIDs, count: s.collectionCount)
        localResolved = s.localResolved
    }

    /// ``init(_:)`` on a subject held unretained (``ODRLInput/targetRef``), read without a retain.
    @inline(__always)
    init(_ s: Unmanaged<ODRLSubject>) {
        self = s._withUnsafeGuaranteedRef { SubjectView($0) }
    }
}

/// The checks of one evaluation: the one evaluator's truths, on the set's records.
///
/// ``ODRLPolicySet/ruleResults(_:state:into:)`` runs ``results(into:)`` (compact answers, no
/// strings); ``ODRLPolicySet/evaluate(_:state:explain:)`` runs ``Evaluation`` over the same checks
/// (`truth`, `member`, `dutiesBlock`...) and adds the trace and its sentences.
///
/// It works on the lowered request (``ODRLInput``): left operand values by slot, texts as interned
/// ids, the action as its broader-action ids, asset and party with the collections that hold them.
/// Truths come from small-int compares on 32-byte records (DESIGN.md measured a small rule at 1.6 ns
/// on dense small-int arrays against 114 ns with `[String: …]` look-ups); only what the records
/// cannot decide (a list value, a text read as a number, a set's own left operand) takes the general
/// path through the constraint's words.
struct Checks {
    // The set's half (`var`: ``bind(_:)`` points the same request's checks at another set).
    /// The set, not retained (its block's header's; the caller keeps it alive): read only on the
    /// rare paths (words, the general path), so that a pass does not touch the set object.
    private(set) var owner: Unmanaged<SetCore>
    var set: SetCore { owner.takeUnretainedValue() }
    /// Number of top-level rules.
    private(set) var flatCount: Int
    /// The lowered request, borrowed for the evaluation's duration (the caller holds it).
    unowned(unsafe) let input: ODRLInput
    private(set) var rules: UnsafeMutablePointer<RuleRecord>
    private(set) var cons: UnsafeMutablePointer<ConstraintRecord>
    /// The constraints' hot parts (``HotConstraint``), index for index with `cons`.
    private(set) var hot: UnsafeMutablePointer<HotConstraint>
    private(set) var entities: UnsafeMutablePointer<EntityRecord>
    private(set) var entityLists: UnsafeMutablePointer<Int32>
    /// Ids of the request's action and every action it is included in.
    let actions: UnsafeBufferPointer<Int32>
    /// The ids of `actions` below 64 as bits (``ODRLInput/actionBits``).
    let actionBits: UInt64
    /// The request's action is one Clearance knows (else nothing matches and the trace denies).
    let knownAction: Bool
    let fast: UnsafeBufferPointer<FastValue>
    let target: SubjectView
    let assignee: SubjectView
    let overrides: UnsafeBufferPointer<ODRLInput.Override>
    /// Recorded duty states (the rest of the world state is in the lowered input), borrowed: every
    /// field of the checks is plain data, so copying them is a memcpy (a dictionary field made each
    /// copy go through value witnesses, retaining it).
    let dutyStates: UnsafePointer<[String: ODRLDutyState]>
    let hasDutyStates: Bool
    /// No text is the set's own: a text the shared terms did not know is in no right operand.
    private(set) var noLocalTexts: Bool
    private(set) var pendingDutiesBlock: Bool

    /// The last entity compared by string (a set's own IRI met by an input lowered with the shared
    /// terms alone, as a news agreement's subscriber is), and the answer: a policy-level assignee is
    /// one entity for all the set's rules, so its string compare is done once per evaluation.
    ///
    /// And the answers for the last asset list and party list (their start in `entityLists`): a
    /// grant's rules share one asset list and every rule of an agreement the policy's party list,
    /// so within one pass most rules find their answer here (-2: not asked yet).
    struct Memo {
        var entity: Int32 = -1
        var target = false
        var member = false
        var targetList: Int32 = -2
        var targetEntity: Int32 = -1
        var assigneeList: Int32 = -2
        var assigneeEntity: Int32 = -1
    }

    @inline(__always)
    init(_ header: UnsafePointer<BlockHeader>, input: ODRLInput, actions: UnsafeBufferPointer<Int32>, actionBits: UInt64,
         knownAction: Bool, dutyStates: UnsafePointer<[String: ODRLDutyState]>) {
        let h = header.pointee
        self.owner = h.owner
        self.flatCount = Int(h.flatCount)
        self.input = input
        self.rules = h.rules
        self.cons = h.constraints
        self.hot = h.hot
        self.entities = h.entities
        self.entityLists = h.entityLists
        self.actions = actions
        self.actionBits = actionBits
        self.knownAction = knownAction
        self.fast = UnsafeBufferPointer(start: input.fast, count: input.capacity)
        self.target = SubjectView(input.targetRef)
        self.assignee = SubjectView(input.assigneeRef)
        self.overrides = UnsafeBufferPointer(start: input.overrides, count: input.overrideCount)
        self.dutyStates = dutyStates
        self.hasDutyStates = !dutyStates.pointee.isEmpty
        self.noLocalTexts = h.noLocalTexts
        self.pendingDutiesBlock = h.pendingDutiesBlock
    }

    /// Points these checks at another set, the one whose block's header is `header`: the checks of
    /// the same request (its input, action, subjects, rule-scoped values and duty states, kept)
    /// against that set.
    ///
    /// Why (bench/PROFILE.md, sessions 8 and 9): the news layer asks the checks of one request
    /// against each of the subscriber's agreements (three at issue 4's scale). Made afresh per
    /// agreement (``ODRLBlock/knownActionChecks(_:)``), the request's half was read again each time
    /// through the input and its two subjects (~70 instructions of ~100); copied from the first
    /// agreement's checks into a new value (session 8), the 160-byte value was still built field by
    /// field on the stack and passed on (~75 an agreement). Here only the set's nine fields change.
    @inline(__always)
    mutating func bind(_ header: UnsafePointer<BlockHeader>) {
        let h = header.pointee
        owner = h.owner
        flatCount = Int(h.flatCount)
        rules = h.rules
        cons = h.constraints
        hot = h.hot
        entities = h.entities
        entityLists = h.entityLists
        noLocalTexts = h.noLocalTexts
        pendingDutiesBlock = h.pendingDutiesBlock
    }

    // MARK: Compact results

    /// One ``ODRLRuleResult`` per top-level rule, written in place into `out` (as many as the set
    /// has top-level rules): no allocation per rule or per call.
    ///
    /// Every check is non-mutating and takes the rule being evaluated (for rule-scoped values) as an
    /// argument: a mutating caller made Swift copy the whole checks struct (~160 bytes) before each
    /// non-mutating call (callgrind: ~100 instructions a time, the largest cost of the loop).
    func fill(_ out: UnsafeMutableBufferPointer<ODRLRuleResult>) {
        var memo = Memo()
        // The answer of the last rule's constraint range: the rules of a grant with several
        // actions share one range (compiled once), so it is evaluated once. Valid only between
        // rules without rule-scoped values (those may change a constraint's value).
        var lastRange: (Int32, Int32) = (-1, 0)
        var lastMasks: (failed: UInt64, unknown: UInt64, truth: Truth) = (0, 0, .satisfied)
        var lastHadOverride = true
        for i in 0..<min(flatCount, out.count) {
            let rule = Int32(i)
            let r = rules + i
            let hasOverride = overrides.count != 0 && ruleHasOverride(rule)
            let range = (r.pointee.cons, r.pointee.consCount)
            let masks: (failed: UInt64, unknown: UInt64, truth: Truth)
            if !hasOverride, !lastHadOverride, range == lastRange {
                masks = lastMasks
            } else {
                masks = constraintMasks(range.0, range.1, rule: rule)
                lastRange = range
                lastMasks = masks
            }
            lastHadOverride = hasOverride
            out[i] = result(r, masks, rule: rule, memo: &memo)
        }
    }

    /// Whether the current rule has a rule-scoped value.
    @inline(__always)
    func ruleHasOverride(_ rule: Int32) -> Bool {
        for k in 0..<overrides.count where overrides[k].rule == rule { return true }
        return false
    }

    /// The truths of constraint records `start ..< start + count`: bit i of `failed` when the i-th is
    /// not satisfied, of `unknown` when it is unknown (from the 64th on, bit 63), and their conjunction.
    @inline(__always)
    func constraintMasks(_ start: Int32, _ count: Int32, rule: Int32) -> (failed: UInt64, unknown: UInt64, truth: Truth) {
        var failed: UInt64 = 0, unknown: UInt64 = 0
        var unsatisfied = false
        var i: Int32 = 0
        while i < count {
            let t = truth(start &+ i, rule: rule)
            if t != .satisfied {
                let bit = UInt64(1) << UInt64(min(i, 63))
                failed |= bit
                if t == .unknown { unknown |= bit } else { unsatisfied = true }
            }
            i &+= 1
        }
        return (failed, unknown, unsatisfied ? .unsatisfied : (unknown != 0 ? .unknown : .satisfied))
    }

    /// ``constraintMasks(_:_:rule:)`` for checks without rule-scoped values (the news layer's driven
    /// outcome: its checks are made right after lowering, which drops them): the same masks, with
    /// the usual records (a comparison with one number, a bit set of texts) decided in the loop
    /// from the request's plain values; any other record, or a value of another kind, is asked of
    /// ``truth(_:rule:)`` as before. With rule-scoped values it is ``constraintMasks(_:_:rule:)``.
    ///
    /// Why (callgrind, bench/PROFILE.md "eval, session 9"): a grant's range was ~290 instructions
    /// (~2.9 constraints after the activity ones): two calls (the range cache's evaluation, then
    /// the general loop), and per constraint the rule-scoped value search, the slot's bound and the
    /// value's address worked out again. `ConstraintLoopTests` compares the two on every top-level
    /// rule of random agreements, for requests with values of every kind, absent ones included.
    @inline(never)
    func plainMasks(_ start: Int32, _ count: Int32, rule: Int32) -> (failed: UInt64, unknown: UInt64, truth: Truth) {
        guard overrides.count == 0, let values = fast.baseAddress else { return constraintMasks(start, count, rule: rule) }
        let slots = UInt(bitPattern: fast.count)
        var failed: UInt64 = 0, unknown: UInt64 = 0
        var unsatisfied = false
        var h = hot + Int(start)
        var i: Int32 = 0
        while i < count {
            let shape = h.pointee.shape
            let slot = UInt(bitPattern: Int(h.pointee.slot))
            // 0: satisfied, 1: unsatisfied, 2: unknown, 3: not decided here.
            var t: UInt8 = 3
            if slot < slots {
                let v = values[Int(slot)]
                if v.tag == FastValue.absent {
                    // An absent value: unknown for every atomic shape (``truth(_:rule:)``).
                    if shape != ConstraintRecord.Shape.general && shape != HotConstraint.logical { t = 2 }
                } else if shape >= ConstraintRecord.Shape.compare {
                    if v.tag == FastValue.number || v.tag == h.pointee.own {
                        let x = v.num, n = Double(bitPattern: h.pointee.payload)
                        let ok: Bool
                        switch shape &- ConstraintRecord.Shape.compare {
                        case ConstraintRecord.Op.eq: ok = x == n
                        case ConstraintRecord.Op.neq: ok = !(x == n)
                        case ConstraintRecord.Op.lt: ok = x < n
                        case ConstraintRecord.Op.lteq: ok = x <= n
                        case ConstraintRecord.Op.gt: ok = x > n
                        default: ok = x >= n
                        }
                        t = ok ? 0 : 1
                    }
                } else if shape == ConstraintRecord.Shape.inBits || shape == ConstraintRecord.Shape.notInBits {
                    if v.tag == FastValue.text, v.id >= 0,
                       let words = UnsafePointer<UInt64>(bitPattern: UInt(truncatingIfNeeded: h.pointee.payload)) {
                        let word = Int(v.id) >> 6
                        let found = word < Int(h.pointee.words) && (words[word] >> UInt64(v.id & 63)) & 1 != 0
                        t = (shape == ConstraintRecord.Shape.notInBits) != found ? 0 : 1
                    }
                }
            }
            if t == 3 {
                switch truth(start &+ i, rule: rule) {
                case .satisfied: t = 0
                case .unsatisfied: t = 1
                case .unknown: t = 2
                }
            }
            if t != 0 {
                let bit = UInt64(1) << UInt64(min(i, 63))
                failed |= bit
                if t == 2 { unknown |= bit } else { unsatisfied = true }
            }
            h += 1
            i &+= 1
        }
        return (failed, unknown, unsatisfied ? .unsatisfied : (unknown != 0 ? .unknown : .satisfied))
    }

    /// A rule's compact answer, from the same checks as ``Evaluation/evaluateRule(_:policy:)``.
    @inline(__always)
    func result(_ r: UnsafeMutablePointer<RuleRecord>, _ masks: (failed: UInt64, unknown: UInt64, truth: Truth), rule: Int32,
                memo: inout Memo) -> ODRLRuleResult {
        var o = ODRLRuleResult()
        guard knownAction else { return o }  // unknown action: nothing matches (the trace denies)
        o.actionMatches = actionMatches(r.pointee.action)
        let targetEntity = self.targetEntity(r, memo: &memo)
        o.targetMatches = r.pointee.targetCount < 0 || targetEntity >= 0
        var assigneeEntity: Int32 = -1
        if r.pointee.assigneeCount >= 0 {
            if memo.assigneeList == r.pointee.assignees {
                assigneeEntity = memo.assigneeEntity
            } else {
                assigneeEntity = firstMember(target: false, r.pointee.assignees, r.pointee.assigneeCount, memo: &memo)
                memo.assigneeList = r.pointee.assignees
                memo.assigneeEntity = assigneeEntity
            }
            o.assigneeMatches = assigneeEntity >= 0
        } else {
            o.assigneeMatches = true
        }
        o.failedConstraints = masks.failed
        o.unknownConstraints = masks.unknown
        if r.pointee.simple {
            // No refinement, grants what it says (``RuleRecord/simple``): the general answer below
            // with `refinements` satisfied, without asking for them (no read of the matched
            // entity's record).
            guard o.matches else { return o }
            if r.pointee.kind == .prohibition {
                o.active = masks.truth != .unsatisfied
            } else {
                o.active = masks.truth == .satisfied
                if r.pointee.dutyCount > 0, dutiesBlock(r, rule: rule) {
                    o.dutyBlocks = true
                    o.active = false
                }
            }
            return o
        }
        var refinements = rangeTruth(r.pointee.refine, r.pointee.refineCount, rule: rule)
        if targetEntity >= 0 { refinements = refinements.and(entityRefinements(targetEntity, rule: rule)) }
        if assigneeEntity >= 0 { refinements = refinements.and(entityRefinements(assigneeEntity, rule: rule)) }
        o.refinementFails = refinements != .satisfied
        guard o.matches else { return o }
        let all = refinements.and(masks.truth)
        switch r.pointee.kind {
        case .prohibition:
            o.active = all != .unsatisfied
        default:
            o.active = all == .satisfied
            if r.pointee.kind == .permission, r.pointee.grantsNothing { o.active = false }
            if dutiesBlock(r, rule: rule) {
                o.dutyBlocks = true
                o.active = false
            }
        }
        return o
    }

    /// Whether rule `r` is in force: ``result(_:_:rule:memo:)``'s `active`, answered inline for the usual
    /// news permission (``RuleRecord/simple``, no party list, no duty: in force when the request's action
    /// is known and matches, its asset matches and every constraint is satisfied), else from the whole answer.
    ///
    /// Why (callgrind, bench/PROFILE.md "eval, session 10"): the driven outcome asks this of every permission
    /// whose constraints are satisfied (~0.8 an evaluation); the whole answer (its masks, party, refinements,
    /// a call) was ~130 instructions, of which it reads one bit. ``DrivenOutcomeTests`` compares the driven
    /// outcome with the reading of whole answers.
    @inline(__always)
    func active(_ r: UnsafeMutablePointer<RuleRecord>, _ masks: (failed: UInt64, unknown: UInt64, truth: Truth), rule: Int32,
                memo: inout Memo) -> Bool {
        let rec = r.pointee
        guard rec.simple, rec.kind == .permission, rec.assigneeCount < 0, rec.dutyCount == 0 else {
            return result(r, masks, rule: rule, memo: &memo).active
        }
        guard knownAction, masks.truth == .satisfied, actionMatches(rec.action) else { return false }
        return rec.targetCount < 0 || targetEntity(r, memo: &memo) >= 0
    }

    /// The entity of the rule's asset list that the request's asset is or is a member of (-1: none,
    /// or the rule names no asset: `targetCount < 0`, any asset matches). The answer for the last
    /// list asked is kept in `memo` (a grant's rules share one list).
    @inline(__always)
    func targetEntity(_ r: UnsafeMutablePointer<RuleRecord>, memo: inout Memo) -> Int32 {
        guard r.pointee.targetCount >= 0 else { return -1 }
        if memo.targetList == r.pointee.targets { return memo.targetEntity }
        let e = firstMember(target: true, r.pointee.targets, r.pointee.targetCount, memo: &memo)
        memo.targetList = r.pointee.targets
        memo.targetEntity = e
        return e
    }

    /// The conjunction of constraint records `start ..< start + count`.
    @inline(__always)
    func rangeTruth(_ start: Int32, _ count: Int32, rule: Int32) -> Truth {
        var t = Truth.satisfied
        var i: Int32 = 0
        while i < count {
            t = t.and(truth(start &+ i, rule: rule))
            i &+= 1
        }
        return t
    }

    @inline(__always)
    /// The conjunction of an entity's refinements (satisfied when it has none).
    func entityRefinements(_ e: Int32, rule: Int32) -> Truth {
        let rec = entities + Int(e)
        return rec.pointee.refineCount == 0 ? .satisfied : rangeTruth(rec.pointee.refine, rec.pointee.refineCount, rule: rule)
    }

    /// The request's action is the rule's (`-1`: any) or included in it.
    ///
    /// An id below 64 (every vocabulary action) is one bit test of ``actionBits`` (exact: an id of
    /// 64 or more in `actions` cannot equal it); the scan of the ids was ~30 instructions per rule
    /// (callgrind session 6), the request's action having two or three broader actions.
    @inline(__always)
    func actionMatches(_ action: Int32) -> Bool {
        if action < 0 { return true }
        if action < 64 { return (actionBits >> UInt64(action)) & 1 != 0 }
        for a in actions where a == action { return true }
        return false
    }

    /// Whether a permission's duty blocks it (as ``Evaluation/dutyTraces(_:parent:policy:)`` decides, without sentences).
    func dutiesBlock(_ r: UnsafeMutablePointer<RuleRecord>, rule: Int32) -> Bool {
        let count = Int(r.pointee.dutyCount)
        guard count > 0 else { return false }
        // No duty state recorded and pending duties allowed: only a violated duty blocks, and none
        // is, so no duty blocks whatever its constraints say (the same answer, without evaluating them).
        if !hasDutyStates && !pendingDutiesBlock { return false }
        let first = Int(r.pointee.duties)
        for d in first..<first + count {
            let t = rangeTruth(rules[d].cons, rules[d].consCount, rule: rule)
            guard t != .unsatisfied else { continue }
            let deontic: ODRLDutyState = hasDutyStates ? dutyStates.pointee[set.ruleRefs[d]] ?? .notSet : .notSet
            if deontic == .violated || (deontic == .notSet && pendingDutiesBlock) { return true }
        }
        return false
    }

    // MARK: Assets and parties

    /// The first entity of `entityLists[start ..< start + count]` the request's asset (or party) is or
    /// is a member of, or -1.
    @inline(__always)
    func firstMember(target: Bool, _ start: Int32, _ count: Int32, memo: inout Memo) -> Int32 {
        var k: Int32 = 0
        while k < count {
            let e = entityLists[Int(start &+ k)]
            if member(target: target, e, memo: &memo) { return e }
            k &+= 1
        }
        return -1
    }

    /// Whether the request's asset or party is the entity or a member of it (by the collections of the world state).
    ///
    /// Compares interned ids; only an entity named by a text the shared terms do not know, met by an
    /// input lowered with the shared terms alone, is compared by string (same answer, slower; once
    /// per evaluation and entity, see `memoEntity`).
    @inline(__always)
    func member(target: Bool, _ e: Int32, memo: inout Memo) -> Bool {
        let s = target ? self.target : assignee
        guard s.present else { return false }
        let rec = entities + Int(e)
        if !rec.pointee.local || s.localResolved {
            let selfID = s.selfID
            if selfID >= 0 && (selfID == rec.pointee.uidID || selfID == rec.pointee.expandedID) { return true }
            for c in s.collections where c == rec.pointee.uidID || c == rec.pointee.expandedID || c == rec.pointee.sourceID { return true }
            return false
        }
        if memo.entity == e && memo.target == target { return memo.member }
        let answer = memberByName(target: target, e)
        memo = Memo(entity: e, target: target, member: answer)
        return answer
    }

    /// ``member(target:_:memo:)`` by string: the request's IRI and collections against the entity's names.
    @inline(never)
    func memberByName(target: Bool, _ e: Int32) -> Bool {
        let subject = target ? input.target : input.assignee
        return set.entityWords.withUnsafeBufferPointer { words in
            guard let base = words.baseAddress, let iri = subject.iri else { return false }
            let w = base + Int(e)
            if iri == w.pointee.uid || iri == w.pointee.expanded { return true }
            for c in subject.collections where c == w.pointee.uid || c == w.pointee.expanded || c == w.pointee.source { return true }
            return false
        }
    }

    // MARK: Constraints

    /// The truth of constraint record `i` (three-valued): the fast path inline, logical constraints
    /// and the general path out of line.
    ///
    /// First the constraint's hot part (``HotConstraint``, worked out when the set is made): a
    /// bit-set membership or a comparison with one number is decided in one step when the value is
    /// of the kind it takes, and an absent value is unknown (exactly what ``fastTruth(_:rule:)``
    /// answers for such a record; any other value falls through to it); a logical constraint is
    /// decided from its operands. The news shapes are nearly all of these; the general dispatch
    /// tested op, flags, value kind and domain one after the other (callgrind, bench/PROFILE.md
    /// session 4), and reads the full record, which is outside the block's hot part (session 6).
    @inline(__always)
    func truth(_ i: Int32, rule: Int32) -> Truth {
        let h = hot + Int(i)
        let shape = h.pointee.shape
        if shape != ConstraintRecord.Shape.general {
            if shape == HotConstraint.logical { return logicalTruth(h, rule: rule) }
            let v = fastValue(Int32(h.pointee.slot), rule: rule)
            if v.tag == FastValue.absent { return .unknown }
            if shape >= ConstraintRecord.Shape.compare {
                // The value kinds a domain takes: a number always (the domain is not text), else its own.
                if v.tag == FastValue.number || v.tag == h.pointee.own {
                    let x = v.num, n = Double(bitPattern: h.pointee.payload)
                    switch shape &- ConstraintRecord.Shape.compare {
                    case ConstraintRecord.Op.eq: return x == n ? .satisfied : .unsatisfied
                    case ConstraintRecord.Op.neq: return x == n ? .unsatisfied : .satisfied
                    case ConstraintRecord.Op.lt: return x < n ? .satisfied : .unsatisfied
                    case ConstraintRecord.Op.lteq: return x <= n ? .satisfied : .unsatisfied
                    case ConstraintRecord.Op.gt: return x > n ? .satisfied : .unsatisfied
                    default: return x >= n ? .satisfied : .unsatisfied
                    }
                }
            } else if v.tag == FastValue.text, v.id >= 0,
                      let words = UnsafePointer<UInt64>(bitPattern: UInt(truncatingIfNeeded: h.pointee.payload)) {
                let word = Int(v.id) >> 6
                let found = word < Int(h.pointee.words) && (words[word] >> UInt64(v.id & 63)) & 1 != 0
                return (shape == ConstraintRecord.Shape.notInBits) != found ? .satisfied : .unsatisfied
            }
        }
        let c = cons + Int(i)
        if c.pointee.op >= ConstraintRecord.Op.and { return logicalTruth(hot + Int(i), rule: rule) }
        if c.pointee.flags & ConstraintRecord.unevaluable != 0 { return .unknown }
        if let t = fastTruth(c, rule: rule) { return t }
        return generalTruth(c, rule: rule)
    }

    /// The truth of an atomic constraint the record alone cannot decide: its value and words.
    @inline(never)
    func generalTruth(_ c: UnsafeMutablePointer<ConstraintRecord>, rule: Int32) -> Truth {
        guard let value = value(c.pointee.slot, rule: rule) else { return .unknown }
        return compare(value, set.atomics[Int(c.pointee.atom)])
    }

    /// The truth of a logical constraint (`and`, `or`, `xone`, `andSequence`) from its operands'.
    @inline(never)
    func logicalTruth(_ h: UnsafeMutablePointer<HotConstraint>, rule: Int32) -> Truth {
        var sat = 0, unknown = 0, unsat = 0
        let first = Int32(truncatingIfNeeded: h.pointee.payload), count = Int32(truncatingIfNeeded: h.pointee.payload >> 32)
        var k: Int32 = 0
        while k < count {
            switch truth(first &+ k, rule: rule) {
            case .satisfied: sat += 1
            case .unknown: unknown += 1
            case .unsatisfied: unsat += 1
            }
            k &+= 1
        }
        switch h.pointee.own {
        case ConstraintRecord.Op.and, ConstraintRecord.Op.andSequence:
            return unsat > 0 ? .unsatisfied : (unknown > 0 ? .unknown : .satisfied)
        case ConstraintRecord.Op.or: return sat > 0 ? .satisfied : (unknown > 0 ? .unknown : .unsatisfied)
        default: return sat > 1 ? .unsatisfied : (unknown > 0 ? .unknown : (sat == 1 ? .satisfied : .unsatisfied))
        }
    }

    /// The plain-data view of the value in `slot` for the rule being evaluated (see ``value(_:)``),
    /// or `.other` when only the general path can tell.
    @inline(__always)
    func fastValue(_ slot: Int32, rule: Int32) -> FastValue {
        if overrides.count != 0, rule >= 0 {
            for k in 0..<overrides.count where overrides[k].rule == rule && overrides[k].slot == slot { return overrides[k].fast }
        }
        if Int(slot) < fast.count { return fast[Int(slot)] }
        return FastValue(tag: FastValue.other, id: -2, num: 0)
    }

    /// The value of the left operand in `slot` for the rule being evaluated: a rule-scoped value,
    /// else the input's, else (a left operand only this set knows) the request context's.
    func value(_ slot: Int32, rule: Int32) -> ODRLInputValue? {
        if overrides.count != 0, rule >= 0 {
            for k in 0..<overrides.count where overrides[k].rule == rule && overrides[k].slot == slot { return input.overrideValue(k) }
        }
        if Int(slot) < input.capacity { return input.value(slot: Int(slot)) }
        let local = Int(slot) - set.terms.slotCount
        guard local >= 0, local < set.localSlotNames.count else { return nil }
        return input.context?.values[set.localSlotNames[local]].map { set.lowerValue($0) }
    }

    /// The truth of an atomic constraint from plain data alone (no strings, no reference counting): a
    /// text compared by id with a sorted id list, or a number with one number; nil when the general
    /// path must decide (lists, texts read as numbers, texts the shared terms did not know). Gives
    /// exactly what ``compare(_:_:)`` gives.
    @inline(__always)
    func fastTruth(_ c: UnsafeMutablePointer<ConstraintRecord>, rule: Int32) -> Truth? {
        typealias Op = ConstraintRecord.Op
        let op = c.pointee.op
        if op == Op.unknown { return .unknown }
        let v = fastValue(c.pointee.slot, rule: rule)
        switch v.tag {
        case FastValue.absent:
            return .unknown
        case FastValue.text:
            guard c.pointee.flags & ConstraintRecord.allText != 0, v.id >= 0 || noLocalTexts else { return nil }
            switch op {
            case Op.isA, Op.isAnyOf, Op.isPartOf, Op.isNoneOf:
                let found = v.id >= 0 && c.pointee.containsID(v.id)
                return (op == Op.isNoneOf) != found ? .satisfied : .unsatisfied
            case Op.eq, Op.neq:
                // one right operand value (its full and compact ids)
                guard c.pointee.flags & ConstraintRecord.singleValue != 0 else { return nil }
                let found = v.id >= 0 && c.pointee.containsID(v.id)
                return (op == Op.neq) != found ? .satisfied : .unsatisfied
            default:
                return nil
            }
        case FastValue.number, FastValue.time, FastValue.duration, FastValue.bool:
            guard c.pointee.flags & ConstraintRecord.hasNumber != 0 else { return nil }
            let domain = c.pointee.domain
            let domainOK: Bool
            switch v.tag {
            case FastValue.number: domainOK = domain != ConstraintRecord.text
            case FastValue.time: domainOK = domain == ConstraintRecord.time
            case FastValue.duration: domainOK = domain == ConstraintRecord.duration
            default: domainOK = domain == ConstraintRecord.bool
            }
            guard domainOK else {
                return op >= Op.isA && op <= Op.isNoneOf ? nil : .unknown
            }
            let x = v.num, n = c.pointee.number
            switch op {
            case Op.eq: return x == n ? .satisfied : .unsatisfied
            case Op.neq: return x == n ? .unsatisfied : .satisfied
            case Op.lt: return x < n ? .satisfied : .unsatisfied
            case Op.lteq: return x <= n ? .satisfied : .unsatisfied
            case Op.gt: return x > n ? .satisfied : .unsatisfied
            case Op.gteq: return x >= n ? .satisfied : .unsatisfied
            default: return nil
            }
        default:
            return nil
        }
    }


    // MARK: General path (the constraint's words)

    func number(_ v: ODRLValue, _ domain: ValueDomain) -> Double? {
        switch v {
        case .number(let d): return domain == .text ? nil : d
        case .time(let t): return domain == .time ? t : nil
        case .duration(let d): return domain == .duration ? d : nil
        case .bool(let b): return domain == .bool ? (b ? 1 : 0) : nil
        case .text(let s): return domain.number(s)
        case .list: return nil
        }
    }

    /// The id of a context value's text in this set's table: as lowered, or (lowered with the shared
    /// terms alone, which did not know it) looked up among the set's own texts.
    func textID(_ v: ODRLInputValue) -> Int32 {
        if v.textID >= 0 || v.textID == ODRLInputValue.notText || noLocalTexts { return v.textID }
        guard case .text(let s) = v.value else { return v.textID }
        return set.localTexts[ODRLVocabulary.expand(s)] ?? -1
    }

    /// True when a context member equals a right operand value (numerically or textually).
    func same(_ v: ODRLInputValue, _ lit: CompiledLiteral, _ domain: ValueDomain) -> Truth {
        switch lit {
        case .number(let n):
            guard let x = number(v.value, domain) else { return .unknown }
            return x == n ? .satisfied : .unsatisfied
        case .text(let s, let id):
            let t = textID(v)
            if t == ODRLInputValue.notText { return v.value.description == s ? .satisfied : .unsatisfied }
            return t == id ? .satisfied : .unsatisfied
        case .prefixed(let full, let compact, let id, let compactID):
            let t = textID(v)
            if t == ODRLInputValue.notText {
                let d = v.value.description
                return d == full || d == compact ? .satisfied : .unsatisfied
            }
            return t == id || t == compactID ? .satisfied : .unsatisfied
        }
    }

    func compare(_ value: ODRLInputValue, _ a: CompiledAtomic) -> Truth {
        guard let op = a.op else { return .unknown }
        if case .list(let list) = value.value {
            if list.isEmpty { return .unknown }
            let members = value.members
            switch op {
            case .eq, .neq, .lt, .lteq, .gt, .gteq, .isPartOf:
                // every value the request has must satisfy the comparison / lie inside the set
                var t = Truth.satisfied
                for m in members { t = t.and(compareSingle(m, a, op)) }
                return t
            case .isA, .isAnyOf:
                var t = Truth.unsatisfied
                for m in members { t = t.or(contains(m, a)) }
                return t
            case .isNoneOf:
                var t = Truth.unsatisfied
                for m in members { t = t.or(contains(m, a)) }
                return t.negated
            case .isAllOf, .hasPart:
                // every right operand value is among the request's values
                var all = Truth.satisfied
                for lit in a.values {
                    var found = Truth.unsatisfied
                    for m in members { found = found.or(same(m, lit, a.domain)) }
                    all = all.and(found)
                }
                return all
            }
        }
        return compareSingle(value, a, op)
    }

    /// One value against the right operand.
    func compareSingle(_ v: ODRLInputValue, _ a: CompiledAtomic, _ op: ODRLVocabulary.Operator) -> Truth {
        switch op {
        case .eq, .neq, .lt, .lteq, .gt, .gteq:
            guard let lit = a.values.first else { return .unknown }
            if op == .eq { return same(v, lit, a.domain) }
            if op == .neq { return same(v, lit, a.domain).negated }
            guard case .number(let n) = lit, let x = number(v.value, a.domain) else { return .unknown }
            switch op {
            case .lt: return x < n ? .satisfied : .unsatisfied
            case .lteq: return x <= n ? .satisfied : .unsatisfied
            case .gt: return x > n ? .satisfied : .unsatisfied
            default: return x >= n ? .satisfied : .unsatisfied
            }
        case .isA, .isAnyOf, .isPartOf: return contains(v, a)
        case .isNoneOf: return contains(v, a).negated
        case .isAllOf, .hasPart:
            // a single value holds all of the right operand only when that is one value, equal to it
            var all = Truth.satisfied
            for lit in a.values { all = all.and(same(v, lit, a.domain)) }
            return all
        }
    }

    /// Whether a value is one of the right operand's values.
    func contains(_ v: ODRLInputValue, _ a: CompiledAtomic) -> Truth {
        var t = Truth.unsatisfied
        for lit in a.values {
            t = t.or(same(v, lit, a.domain))
            if t == .satisfied { return t }
        }
        return t
    }
}

/// One evaluation of one request against an ``ODRLPolicySet`` with its trace: ``Checks`` (the same
/// truths ``ODRLPolicySet/ruleResults(_:state:into:)`` reads) plus the rule traces and their
/// sentences, written from the original values and the constraints' words.
struct Evaluation {
    let checks: Checks
    /// Flat index of the top-level rule being evaluated (for rule-scoped values), or -1.
    var currentRule: Int32 = -1
    var memo = Checks.Memo()
    /// The request as given: for sentences (nil when only a lowered input is known).
    let request: ODRLRequest?
    let explain: Bool
    var set: SetCore { checks.set }

    init(checks: Checks, request: ODRLRequest?, explain: Bool) {
        self.checks = checks
        self.request = request
        self.explain = explain
    }

    /// The action as the request wrote it (for sentences).
    var actionAsWritten: String { request?.action ?? checks.input.action }

    mutating func run() -> ODRLDecision {
        guard checks.knownAction else {
            return ODRLDecision(
                outcome: .deny,
                reason: "`\(actionAsWritten)` is not an action Clearance knows (an ODRL 2.2 action or a full IRI), so the request is denied")
        }

        var traces: [RuleTrace] = []
        traces.reserveCapacity(set.ruleCount)
        // (policy index, rule index) of the rules in force
        var activePermissions: [(policy: Int, rule: Int)] = []
        var activeProhibitions: [(policy: Int, rule: Int)] = []
        var inactiveMatched: [(ref: String, why: String)] = []
        var grantedDuties: [RuleTrace] = []

        let compiled = set.compiled
        for (pi, policy) in compiled.enumerated() {
            for (ri, r) in policy.permissions.enumerated() {
                currentRule = r.record
                let (trace, duties, decisive) = evaluateRule(r, policy: policy)
                traces.append(trace)
                if !duties.isEmpty { traces += duties }
                if trace.activation == .active {
                    activePermissions.append((pi, ri))
                    grantedDuties += duties
                } else if trace.match == true {
                    inactiveMatched.append((r.ref, decisive))
                }
            }
            for (ri, r) in policy.prohibitions.enumerated() {
                currentRule = r.record
                let (trace, _, _) = evaluateRule(r, policy: policy)
                traces.append(trace)
                if trace.activation == .active { activeProhibitions.append((pi, ri)) }
            }
            currentRule = -1
            if !policy.obligations.isEmpty {
                traces += dutyTraces(policy.obligations, parent: nil, policy: policy).traces
            }
        }
        func conflict(_ x: (policy: Int, rule: Int)) -> ODRLConflictStrategy { compiled[x.policy].conflict }
        func ref(_ x: (policy: Int, rule: Int), _ kind: ODRLRuleKind) -> String {
            kind == .permission ? compiled[x.policy].permissions[x.rule].ref : compiled[x.policy].prohibitions[x.rule].ref
        }

        if let prohibition = activeProhibitions.first {
            let prohibitionRef = ref(prohibition, .prohibition)
            if let permission = activePermissions.first {
                let permissionRef = ref(permission, .permission)
                let involved = activeProhibitions + activePermissions
                if let void = involved.first(where: { conflict($0) == .invalid }) {
                    return ODRLDecision(
                        outcome: .deny,
                        reason: "the policy `\(compiled[void.policy].ref)` is void because permission `\(permissionRef)` and prohibition `\(prohibitionRef)` conflict (conflict strategy: invalid)",
                        rules: traces)
                }
                if involved.allSatisfy({ conflict($0) == .perm }) {
                    return ODRLDecision(
                        outcome: .permit,
                        reason: "permission `\(permissionRef)` is in force and overrides prohibition `\(prohibitionRef)` (conflict strategy: perm)",
                        rules: traces, duties: grantedDuties)
                }
                return ODRLDecision(
                    outcome: .deny,
                    reason: "prohibition `\(prohibitionRef)` is in force and overrides permission `\(permissionRef)` (conflict strategy: prohibit)",
                    rules: traces)
            }
            let summary = set.summary(of: compiled[prohibition.policy].prohibitions[prohibition.rule])
            return ODRLDecision(outcome: .deny, reason: "prohibition `\(prohibitionRef)` is in force: \(summary) is prohibited",
                                rules: traces)
        }
        if let permission = activePermissions.first {
            var reason = "permission `\(ref(permission, .permission))` is in force: \(set.summary(of: compiled[permission.policy].permissions[permission.rule]))"
            let owed = grantedDuties.filter { $0.activation == .active && $0.deontic != .fulfilled }
            if !owed.isEmpty { reason += "; owed: " + owed.map { "duty `\($0.rule)`" }.joined(separator: ", ") }
            return ODRLDecision(outcome: .permit, reason: reason, rules: traces, duties: grantedDuties)
        }
        if !inactiveMatched.isEmpty {
            let parts = inactiveMatched.map { "permission `\($0.ref)`: \($0.why)" }
            return ODRLDecision(outcome: .deny, reason: "no permission is in force (" + parts.joined(separator: "; ") + ")", rules: traces)
        }
        return ODRLDecision(
            outcome: .notApplicable,
            reason: "no rule applies to this request: no permission or prohibition covers its action, target and assignee",
            rules: traces)
    }

    // MARK: Rules

    /// Trace of a permission or prohibition, the traces of its duties, and the decisive sentence when inactive.
    mutating func evaluateRule(_ r: CompiledRule, policy: CompiledPolicy) -> (RuleTrace, [RuleTrace], String) {
        let rec = set.rules[Int(r.record)]
        var why: [String] = []
        // match
        var matched = true
        if !checks.actionMatches(rec.action) {
            matched = false
            if explain {
                why.append("does not match: the request's action `\(ODRLVocabulary.shortName(actionAsWritten))` is not `\(r.actionName)` and is not included in it")
            }
        }
        var targetEntity: Int32 = -1
        if rec.targetCount >= 0 {
            targetEntity = checks.firstMember(target: true, rec.targets, rec.targetCount, memo: &memo)
            if targetEntity < 0 {
                matched = false
                if explain {
                    let names = names(rec.targets, rec.targetCount)
                    why.append(checks.input.target.iri.map { "does not match: the asset `\($0)` is not \(names) nor in it" }
                               ?? "does not match: the request names no asset, the rule is about \(names)")
                }
            }
        }
        var assigneeEntity: Int32 = -1
        if rec.assigneeCount >= 0 {
            assigneeEntity = checks.firstMember(target: false, rec.assignees, rec.assigneeCount, memo: &memo)
            if assigneeEntity < 0 {
                matched = false
                if explain {
                    let names = names(rec.assignees, rec.assigneeCount)
                    why.append(checks.input.assignee.iri.map { "does not match: the party `\($0)` is not \(names) nor a member of it" }
                               ?? "does not match: the request names no party, the rule is for \(names)")
                }
            }
        }
        guard matched else {
            return (RuleTrace(rule: r.ref, kind: r.kind, policy: policy.ref, match: false, activation: .inactive, why: why), [], "")
        }
        if explain { why.append("matches the request: \(set.summary(of: r))") }

        // refinements and constraints (all must hold)
        var truth = Truth.satisfied
        var decisive = ""
        func check(_ start: Int32, _ count: Int32, _ role: String) {
            for i in start..<start + count {
                let t = checks.truth(i, rule: currentRule)
                truth = truth.and(t)
                if explain || (t != .satisfied && decisive.isEmpty) {
                    let sentence = self.sentence(i, t, role: role)
                    if explain { why.append(sentence) }
                    if t != .satisfied && decisive.isEmpty { decisive = sentence }
                }
            }
        }
        check(rec.refine, rec.refineCount, "refinement of the action")
        if targetEntity >= 0 {
            let e = set.entities[Int(targetEntity)]
            check(e.refine, e.refineCount, "refinement of the asset")
        }
        if assigneeEntity >= 0 {
            let e = set.entities[Int(assigneeEntity)]
            check(e.refine, e.refineCount, "refinement of the party")
        }
        check(rec.cons, rec.consCount, "constraint")

        var dutyTraces: [RuleTrace] = []
        var activation: RuleTrace.Activation
        switch r.kind {
        case .prohibition:
            activation = truth == .unsatisfied ? .inactive : .active
            if truth == .unknown, explain {
                why.append("taken to be in force because Clearance cannot rule it out (fail closed)")
            }
        default:
            activation = truth == .satisfied ? .active : .inactive
            if r.kind == .permission, let why2 = policy.grantsNothing {
                if activation == .active { decisive = "not in force: \(why2)" }
                activation = .inactive
                if explain { why.append("not in force: \(why2)") }
            }
            let d = self.dutyTraces(r.duties, parent: r.ref, policy: policy)
            dutyTraces = d.traces
            if let blocking = d.blocking {
                if activation == .active { decisive = blocking }
                activation = .inactive
                if explain { why.append(blocking) }
            }
        }
        if explain {
            why.append(activation == .active ? "in force for this request" : "not in force for this request")
        }
        if decisive.isEmpty { decisive = "not in force" }
        return (RuleTrace(rule: r.ref, kind: r.kind, policy: policy.ref, match: true, activation: activation, why: why),
                dutyTraces, decisive)
    }

    /// Traces of duties (a permission's, or the policy's obligations), and the sentence of the first one that blocks.
    func dutyTraces(_ duties: [CompiledRule], parent: String?, policy: CompiledPolicy) -> (traces: [RuleTrace], blocking: String?) {
        var traces: [RuleTrace] = []
        var blocking: String?
        for d in duties {
            let rec = set.rules[Int(d.record)]
            var why: [String] = []
            var truth = Truth.satisfied
            for i in rec.cons..<rec.cons + rec.consCount {
                let t = checks.truth(i, rule: currentRule)
                if explain { why.append(sentence(i, t, role: "constraint of the duty")) }
                truth = truth.and(t)
            }
            let applies = truth != .unsatisfied
            let deontic = checks.dutyStates.pointee[d.ref] ?? .notSet
            let what = dutyWords(d)
            if explain {
                if !applies { why.append("duty \(what) does not apply now") }
                else if truth == .unknown { why.append("duty \(what) is taken to apply because Clearance cannot rule it out (fail closed)") }
            }
            if applies {
                let blocks = deontic == .violated || (deontic == .notSet && set.options.pendingDuties == .block)
                let sentence: String
                switch deontic {
                case .fulfilled: sentence = "duty \(what) is fulfilled"
                case .violated: sentence = "duty \(what) is violated"
                case .notSet: sentence = "duty \(what) is not fulfilled" + (blocks ? "" : " yet (owed with the permit)")
                }
                if explain { why.append(sentence) }
                if blocks, parent != nil, blocking == nil { blocking = sentence }
                if deontic == .violated, !d.consequences.isEmpty, explain {
                    why.append("its consequences are now owed: " + d.consequences.map { dutyWords($0) }.joined(separator: ", "))
                }
            }
            traces.append(RuleTrace(rule: d.ref, kind: d.kind, policy: policy.ref, match: nil,
                                    activation: applies ? .active : .inactive, deontic: deontic, parent: parent, why: why))
        }
        return (traces, blocking)
    }

    func dutyWords(_ d: CompiledRule) -> String {
        var s = "`\(d.actionName.isEmpty ? "(no action)" : ODRLVocabulary.shortName(d.actionName))`"
        let rec = set.rules[Int(d.record)]
        var details: [String] = []
        for i in rec.refine..<rec.refine + rec.refineCount {
            let c = set.constraints[Int(i)]
            guard !c.isLogical else { continue }
            let a = set.atomics[Int(c.atom)]
            details.append(a.op == .eq && a.leftOperand == "payAmount" ? a.valueText : a.text)
        }
        if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
        if d.ref.hasPrefix("#") == false { s += " [\(d.ref)]" }
        return s
    }

    func names(_ start: Int32, _ count: Int32) -> String {
        (start..<start + count).map { "`\(set.entityWords[Int(set.entityLists[Int($0)])].uid)`" }.joined(separator: " or ")
    }

    // MARK: Sentences

    /// The sentence saying why constraint record `i` has truth `t` (only built when explaining, or for the decisive one).
    func sentence(_ i: Int32, _ t: Truth, role: String) -> String {
        let c = set.constraints[Int(i)]
        if c.isLogical {
            let op = ConstraintRecord.Op.logical(c.op)
            let operands = Array(c.slot..<c.slot + c.atom)
            let results = operands.map { ($0, checks.truth($0, rule: currentRule)) }
            let sat = results.filter { $0.1 == .satisfied }.count
            guard explain else { return "" }
            let verdict = t == .satisfied ? "is satisfied" : t == .unsatisfied ? "is not satisfied" : "cannot be checked"
            var s = "\(role) `\(op.rawValue)` (\(op.words) \(operands.count) constraints) \(verdict)"
            let details = results.map { sentence($0.0, $0.1, role: "part") }
            if operands.count <= 4 { s += ": " + details.joined(separator: "; ") } else {
                s += " (\(sat) of \(operands.count) hold)"
            }
            return s
        }
        guard explain else { return "" }
        let a = set.atomics[Int(c.atom)]
        if let why = a.unevaluable {
            return "\(role) `\(a.text)` cannot be evaluated: \(why)"
        }
        guard let lv = checks.value(c.slot, rule: currentRule) else {
            return "\(role) `\(a.text)` cannot be checked: the request gives no \(a.leftOperand)"
        }
        let value = lv.value
        let shown: String
        if a.domain == .time, let n = checks.number(value, .time) { shown = ISOTime.format(n) } else { shown = value.description }
        let subject = a.leftOperand == "dateTime" ? "the time is \(shown)" : "the request's \(a.leftOperand) is \(shown)"
        switch t {
        case .satisfied: return "\(role) `\(a.text)` is satisfied: \(subject)"
        case .unsatisfied: return "\(role) `\(a.text)` is not satisfied: \(subject)"
        case .unknown: return "\(role) `\(a.text)` cannot be checked: \(subject), which is not \(a.domain.words)"
        }
    }
}
