/// Three-valued truth of a constraint: the engine may not be able to tell.
enum Truth: Sendable {
    case satisfied, unsatisfied, unknown

    static func all(_ ts: [Truth]) -> Truth {
        if ts.contains(.unsatisfied) { return .unsatisfied }
        return ts.contains(.unknown) ? .unknown : .satisfied
    }

    /// Three-valued conjunction.
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

/// One evaluation of one request against an ``ODRLPolicySet``: the one evaluator behind
/// ``ODRLPolicySet/evaluate(_:state:explain:)`` (with its trace and sentences) and
/// ``ODRLPolicySet/ruleResults(_:state:into:)`` (compact, no strings).
///
/// It works on the lowered request (``ODRLInput``): left operand values by slot, texts as interned
/// ids, the action as its broader-action ids, asset and party with the collections that hold them.
/// Truths come from small-int compares; sentences, when `explain` is on, are written from the
/// original values beside them. (DESIGN.md measured a small rule at 1.6 ns on dense small-int
/// arrays against 114 ns with `[String: …]` look-ups.)
struct Evaluation {
    let set: SetCore
    /// The lowered request, borrowed for the evaluation's duration (a copy of it would retain each of
    /// its arrays and strings on every call).
    let inputPtr: UnsafePointer<ODRLInput>
    /// The request as given: for sentences and for resolving what the lowered input lacks (nil on the fast path).
    let request: ODRLRequest?
    /// Recorded duty states (the rest of the world state is in the lowered input).
    let duties: [String: ODRLDutyState]
    let explain: Bool
    /// Ids of the request's action and every action it is included in (nil: not an action Clearance knows).
    var requestActions: [Int32]?
    var requestActionName = ""
    /// Flat index of the top-level rule being evaluated (for rule-scoped values), or -1.
    var currentRule: Int32 = -1

    init(set: SetCore, input: UnsafePointer<ODRLInput>, request: ODRLRequest?, duties: [String: ODRLDutyState], explain: Bool) {
        self.set = set
        self.inputPtr = input
        self.request = request
        self.duties = duties
        self.explain = explain
        if let ids = input.pointee.actionIDs {
            requestActions = ids
            requestActionName = input.pointee.actionName
        } else if let (canonical, ids) = set.requestActions[input.pointee.action] {
            // an extension action this set interned
            requestActionName = canonical
            requestActions = ids
        } else if let canonical = ODRLVocabulary.canonicalAction(input.pointee.action) {
            requestActionName = canonical
            requestActions = set.actions.broaderIDs(of: canonical) ?? []
        }
    }

    /// The action as the request wrote it (for sentences).
    var actionAsWritten: String { request?.action ?? inputPtr.pointee.action }

    mutating func run() -> ODRLDecision {
        guard requestActions != nil else {
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

        var flat: Int32 = 0
        for (pi, policy) in set.compiled.enumerated() {
            for (ri, r) in policy.permissions.enumerated() {
                currentRule = flat
                flat += 1
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
                currentRule = flat
                flat += 1
                let (trace, _, _) = evaluateRule(r, policy: policy)
                traces.append(trace)
                if trace.activation == .active { activeProhibitions.append((pi, ri)) }
            }
            currentRule = -1
            if !policy.obligations.isEmpty {
                traces += dutyTraces(policy.obligations, parent: nil, policy: policy).traces
            }
        }
        let compiled = set.compiled
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
            let summary = compiled[prohibition.policy].prohibitions[prohibition.rule].summary
            return ODRLDecision(outcome: .deny, reason: "prohibition `\(prohibitionRef)` is in force: \(summary) is prohibited",
                                rules: traces)
        }
        if let permission = activePermissions.first {
            var reason = "permission `\(ref(permission, .permission))` is in force: \(compiled[permission.policy].permissions[permission.rule].summary)"
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

    // MARK: Compact results

    /// One ``ODRLRuleResult`` per top-level rule, from the same checks as ``evaluateRule(_:policy:)``.
    mutating func results(into out: inout [ODRLRuleResult]) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(set.flatRules.count)
        var flat: Int32 = 0
        // Index loops: the rules are read in place rather than copied out of their arrays (a copy
        // of a compiled rule retains and releases each of its arrays and strings).
        let compiled = set.compiled
        for pi in compiled.indices {
            for ri in compiled[pi].permissions.indices {
                currentRule = flat
                flat += 1
                out.append(result(compiled[pi].permissions[ri], grantsNothing: compiled[pi].grantsNothing != nil))
            }
            for ri in compiled[pi].prohibitions.indices {
                currentRule = flat
                flat += 1
                out.append(result(compiled[pi].prohibitions[ri], grantsNothing: false))
            }
        }
        currentRule = -1
    }

    func result(_ r: CompiledRule, grantsNothing: Bool) -> ODRLRuleResult {
        var o = ODRLRuleResult()
        guard let actions = requestActions else { return o }  // unknown action: nothing matches (the trace denies)
        o.actionMatches = r.action.map { actions.contains($0) } ?? true
        var targetEntity: CompiledEntity?
        if let targets = r.targets {
            targetEntity = targets.first { member(target: true, of: $0) }
            o.targetMatches = targetEntity != nil
        } else {
            o.targetMatches = true
        }
        var assigneeEntity: CompiledEntity?
        if let assignees = r.assignees {
            assigneeEntity = assignees.first { member(target: false, of: $0) }
            o.assigneeMatches = assigneeEntity != nil
        } else {
            o.assigneeMatches = true
        }
        var refinements = Truth.satisfied
        for c in r.actionRefinements { refinements = refinements.and(truth(c)) }
        if let e = targetEntity { for c in e.refinements { refinements = refinements.and(truth(c)) } }
        if let e = assigneeEntity { for c in e.refinements { refinements = refinements.and(truth(c)) } }
        o.refinementFails = refinements != .satisfied
        var all = refinements
        for (i, c) in r.constraints.enumerated() {
            let t = truth(c)
            all = all.and(t)
            if t != .satisfied {
                let bit = UInt64(1) << UInt64(min(i, 63))
                o.failedConstraints |= bit
                if t == .unknown { o.unknownConstraints |= bit }
            }
        }
        guard o.matches else { return o }
        switch r.kind {
        case .prohibition:
            o.active = all != .unsatisfied
        default:
            o.active = all == .satisfied
            if r.kind == .permission, grantsNothing { o.active = false }
            if dutiesBlock(r.duties) {
                o.dutyBlocks = true
                o.active = false
            }
        }
        return o
    }

    /// Whether a permission's duty blocks it (as ``dutyTraces(_:parent:policy:)`` decides, without sentences).
    func dutiesBlock(_ duties: [CompiledRule]) -> Bool {
        for d in duties {
            var t = Truth.satisfied
            for c in d.constraints { t = t.and(truth(c)) }
            guard t != .unsatisfied else { continue }
            let deontic: ODRLDutyState = self.duties.isEmpty ? .notSet : self.duties[d.ref] ?? .notSet
            if deontic == .violated || (deontic == .notSet && set.options.pendingDuties == .block) { return true }
        }
        return false
    }

    // MARK: Rules

    /// Trace of a permission or prohibition, the traces of its duties, and the decisive sentence when inactive.
    func evaluateRule(_ r: CompiledRule, policy: CompiledPolicy) -> (RuleTrace, [RuleTrace], String) {
        var why: [String] = []
        // match
        var matched = true
        if let a = r.action, !(requestActions ?? []).contains(a) {
            matched = false
            if explain {
                why.append("does not match: the request's action `\(ODRLVocabulary.shortName(actionAsWritten))` is not `\(r.actionName)` and is not included in it")
            }
        }
        var targetEntity: CompiledEntity?
        if let targets = r.targets {
            targetEntity = targets.first { member(target: true, of: $0) }
            if targetEntity == nil {
                matched = false
                if explain {
                    why.append(inputPtr.pointee.target.iri.map { "does not match: the asset `\($0)` is not \(names(targets)) nor in it" }
                               ?? "does not match: the request names no asset, the rule is about \(names(targets))")
                }
            }
        }
        var assigneeEntity: CompiledEntity?
        if let assignees = r.assignees {
            assigneeEntity = assignees.first { member(target: false, of: $0) }
            if assigneeEntity == nil {
                matched = false
                if explain {
                    why.append(inputPtr.pointee.assignee.iri.map { "does not match: the party `\($0)` is not \(names(assignees)) nor a member of it" }
                               ?? "does not match: the request names no party, the rule is for \(names(assignees))")
                }
            }
        }
        guard matched else {
            return (RuleTrace(rule: r.ref, kind: r.kind, policy: policy.ref, match: false, activation: .inactive, why: why), [], "")
        }
        if explain { why.append("matches the request: \(r.summary)") }

        // refinements and constraints (all must hold)
        var truth = Truth.satisfied
        var decisive = ""
        func check(_ list: [CompiledConstraint], _ role: String) {
            for c in list {
                let t = self.truth(c)
                truth = truth.and(t)
                if explain || (t != .satisfied && decisive.isEmpty) {
                    let sentence = self.sentence(c, t, role: role)
                    if explain { why.append(sentence) }
                    if t != .satisfied && decisive.isEmpty { decisive = sentence }
                }
            }
        }
        if !r.actionRefinements.isEmpty { check(r.actionRefinements, "refinement of the action") }
        if let e = targetEntity, !e.refinements.isEmpty { check(e.refinements, "refinement of the asset") }
        if let e = assigneeEntity, !e.refinements.isEmpty { check(e.refinements, "refinement of the party") }
        if !r.constraints.isEmpty { check(r.constraints, "constraint") }

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
            var why: [String] = []
            var truth = Truth.satisfied
            for c in d.constraints {
                let t = self.truth(c)
                if explain { why.append(sentence(c, t, role: "constraint of the duty")) }
                truth = truth.and(t)
            }
            let applies = truth != .unsatisfied
            let deontic = self.duties[d.ref] ?? .notSet
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
        let details = d.actionRefinements.compactMap { c -> String? in
            if case .atomic(let a) = c { return a.op == .eq && a.leftOperand == "payAmount" ? a.valueText : a.text }
            return nil
        }
        if !details.isEmpty { s += " (" + details.joined(separator: ", ") + ")" }
        if d.ref.hasPrefix("#") == false { s += " [\(d.ref)]" }
        return s
    }

    func names(_ es: [CompiledEntity]) -> String { es.map { "`\($0.uid)`" }.joined(separator: " or ") }

    /// Whether the request's asset or party is the entity or a member of it (by the collections of the world state).
    ///
    /// Compares interned ids; only an entity named by a text the shared terms do not know, met by an
    /// input lowered with the shared terms alone, is compared by string (same answer, slower).
    func member(target: Bool, of e: CompiledEntity) -> Bool {
        // Read in place through the pointer: passing the subject by value would copy (retain) its arrays.
        let offset = target ? Evaluation.targetOffset : Evaluation.assigneeOffset
        return member(UnsafeRawPointer(inputPtr).advanced(by: offset).assumingMemoryBound(to: ODRLSubject.self), of: e)
    }

    static let targetOffset = MemoryLayout<ODRLInput>.offset(of: \ODRLInput.target) ?? 0
    static let assigneeOffset = MemoryLayout<ODRLInput>.offset(of: \ODRLInput.assignee) ?? 0

    func member(_ sp: UnsafePointer<ODRLSubject>, of e: CompiledEntity) -> Bool {
        guard let iri = sp.pointee.iri else { return false }
        let s = sp
        if !e.local || s.pointee.localResolved {
            let selfID = s.pointee.selfID
            if selfID >= 0 && (selfID == e.uidID || selfID == e.expandedID) { return true }
            for c in s.pointee.collectionIDs where c == e.uidID || c == e.expandedID || c == e.sourceID { return true }
            return false
        }
        if iri == e.uid || iri == e.expanded { return true }
        for c in s.pointee.collections where c == e.uid || c == e.expanded || c == e.source { return true }
        return false
    }

    // MARK: Constraints

    /// The truth of a constraint (three-valued).
    func truth(_ c: CompiledConstraint) -> Truth {
        switch c {
        case .atomic(let a): return truth(a)
        case .logical(let op, let operands, _):
            var sat = 0
            var unknown = 0
            var unsat = 0
            for o in operands {
                switch truth(o) {
                case .satisfied: sat += 1
                case .unknown: unknown += 1
                case .unsatisfied: unsat += 1
                }
            }
            switch op {
            case .and, .andSequence: return unsat > 0 ? .unsatisfied : (unknown > 0 ? .unknown : .satisfied)
            case .or: return sat > 0 ? .satisfied : (unknown > 0 ? .unknown : .unsatisfied)
            case .xone: return sat > 1 ? .unsatisfied : (unknown > 0 ? .unknown : (sat == 1 ? .satisfied : .unsatisfied))
            }
        }
    }

    /// The sentence saying why a constraint has truth `t` (only built when explaining, or for the decisive one).
    func sentence(_ c: CompiledConstraint, _ t: Truth, role: String) -> String {
        switch c {
        case .atomic(let a): return sentence(a, t, role: role)
        case .logical(let op, let operands, _):
            let results = operands.map { ($0, truth($0)) }
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
    }

    func sentence(_ a: CompiledAtomic, _ t: Truth, role: String) -> String {
        guard explain else { return "" }
        if let why = a.unevaluable {
            return "\(role) `\(a.text)` cannot be evaluated: \(why)"
        }
        guard let lv = value(a.slot) else {
            return "\(role) `\(a.text)` cannot be checked: the request gives no \(a.leftOperand)"
        }
        let value = lv.value
        let shown: String
        if a.domain == .time, let n = number(value, .time) { shown = ISOTime.format(n) } else { shown = value.description }
        let subject = a.leftOperand == "dateTime" ? "the time is \(shown)" : "the request's \(a.leftOperand) is \(shown)"
        switch t {
        case .satisfied: return "\(role) `\(a.text)` is satisfied: \(subject)"
        case .unsatisfied: return "\(role) `\(a.text)` is not satisfied: \(subject)"
        case .unknown: return "\(role) `\(a.text)` cannot be checked: \(subject), which is not \(a.domain.words)"
        }
    }

    /// The value of the left operand in `slot` for the rule being evaluated: a rule-scoped value,
    /// else the input's, else (a left operand only this set knows) the request context's.
    @inline(__always)
    func value(_ slot: Int) -> ODRLInputValue? {
        if !inputPtr.pointee.overrides.isEmpty, currentRule >= 0 {
            for o in inputPtr.pointee.overrides where o.rule == currentRule && Int(o.slot) == slot { return o.value }
        }
        if slot < inputPtr.pointee.values.count { return inputPtr.pointee.values[slot] }
        let name = set.localSlotNames[slot - set.terms.slotCount]
        return (inputPtr.pointee.context ?? request?.context)?.values[name].map { set.lowerValue($0) }
    }

    func truth(_ a: CompiledAtomic) -> Truth {
        if a.unevaluable != nil { return .unknown }
        if let t = fastTruth(a) { return t }
        guard let value = value(a.slot) else { return .unknown }
        return compare(value, a)
    }

    /// The plain-data view of the value in `slot` for the rule being evaluated (see ``value(_:)``),
    /// or `.other` when only the general path can tell.
    @inline(__always)
    func fastValue(_ slot: Int) -> FastValue {
        if !inputPtr.pointee.overrides.isEmpty, currentRule >= 0 {
            for o in inputPtr.pointee.overrides where o.rule == currentRule && Int(o.slot) == slot { return o.fast }
        }
        if slot < inputPtr.pointee.fast.count { return inputPtr.pointee.fast[slot] }
        return FastValue(tag: FastValue.other, id: -2, num: 0)
    }

    /// The truth of a constraint from plain data alone (no strings, no reference counting): a text
    /// compared by id with a sorted id list, or a number with one number; nil when the general path
    /// must decide (lists, texts read as numbers, texts the shared terms did not know). Gives exactly
    /// what ``compare(_:_:)`` gives.
    @inline(__always)
    func fastTruth(_ a: CompiledAtomic) -> Truth? {
        guard let op = a.op else { return .unknown }
        let v = fastValue(a.slot)
        switch v.tag {
        case FastValue.absent:
            return .unknown
        case FastValue.text:
            guard let ids = a.textIDs, v.id >= 0 || set.localTexts.isEmpty else { return nil }
            let found: Bool
            switch op {
            case .isA, .isAnyOf, .isPartOf, .isNoneOf:
                found = v.id >= 0 && Evaluation.sortedContains(ids, v.id)
                return (op == .isNoneOf) != found ? .satisfied : .unsatisfied
            case .eq, .neq:
                // one right operand value (its full and compact ids)
                guard a.values.count == 1 else { return nil }
                found = v.id >= 0 && Evaluation.sortedContains(ids, v.id)
                return (op == .neq) != found ? .satisfied : .unsatisfied
            default:
                return nil
            }
        case FastValue.number, FastValue.time, FastValue.duration, FastValue.bool:
            guard let n = a.number else { return nil }
            let domainOK: Bool
            switch v.tag {
            case FastValue.number: domainOK = a.domain != .text
            case FastValue.time: domainOK = a.domain == .time
            case FastValue.duration: domainOK = a.domain == .duration
            default: domainOK = a.domain == .bool
            }
            guard domainOK else {
                return op == .isAnyOf || op == .isA || op == .isPartOf || op == .isNoneOf || op == .isAllOf || op == .hasPart ? nil : .unknown
            }
            let x = v.num
            switch op {
            case .eq: return x == n ? .satisfied : .unsatisfied
            case .neq: return x == n ? .unsatisfied : .satisfied
            case .lt: return x < n ? .satisfied : .unsatisfied
            case .lteq: return x <= n ? .satisfied : .unsatisfied
            case .gt: return x > n ? .satisfied : .unsatisfied
            case .gteq: return x >= n ? .satisfied : .unsatisfied
            default: return nil
            }
        default:
            return nil
        }
    }

    @inline(__always)
    static func sortedContains(_ ids: [Int32], _ id: Int32) -> Bool {
        var lo = 0
        var hi = ids.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let x = ids[mid]
            if x == id { return true }
            if x < id { lo = mid &+ 1 } else { hi = mid }
        }
        return false
    }

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
    @inline(__always)
    func textID(_ v: ODRLInputValue) -> Int32 {
        if v.textID >= 0 || v.textID == ODRLInputValue.notText || set.localTexts.isEmpty { return v.textID }
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
