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

/// One evaluation of one request against an ``ODRLPolicySet``.
struct Evaluation {
    let set: ODRLPolicySet
    let request: ODRLRequest
    let state: ODRLWorldState
    let explain: Bool
    /// Ids of the request's action and every action it is included in.
    var requestActions: [Int32] = []
    var requestActionName = ""

    init(set: ODRLPolicySet, request: ODRLRequest, state: ODRLWorldState, explain: Bool) {
        self.set = set
        self.request = request
        self.state = state
        self.explain = explain
    }

    mutating func run() -> ODRLDecision {
        if let (canonical, ids) = set.requestActions[request.action] {
            requestActionName = canonical
            requestActions = ids
        } else {
            guard let canonical = ODRLVocabulary.canonicalAction(request.action) else {
                return ODRLDecision(
                    outcome: .deny,
                    reason: "`\(request.action)` is not an action Clearance knows (an ODRL 2.2 action or a full IRI), so the request is denied")
            }
            requestActionName = canonical
            requestActions = set.actions.broaderIDs(of: canonical) ?? []
        }

        var traces: [RuleTrace] = []
        traces.reserveCapacity(set.ruleCount)
        // (policy index, rule index) of the rules in force
        var activePermissions: [(policy: Int, rule: Int)] = []
        var activeProhibitions: [(policy: Int, rule: Int)] = []
        var inactiveMatched: [(ref: String, why: String)] = []
        var grantedDuties: [RuleTrace] = []

        for (pi, policy) in set.compiled.enumerated() {
            for (ri, r) in policy.permissions.enumerated() {
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
                let (trace, _, _) = evaluateRule(r, policy: policy)
                traces.append(trace)
                if trace.activation == .active { activeProhibitions.append((pi, ri)) }
            }
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

    // MARK: Rules

    /// Trace of a permission or prohibition, the traces of its duties, and the decisive sentence when inactive.
    func evaluateRule(_ r: CompiledRule, policy: CompiledPolicy) -> (RuleTrace, [RuleTrace], String) {
        var why: [String] = []
        // match
        var matched = true
        if let a = r.action, !requestActions.contains(a) {
            matched = false
            if explain {
                why.append("does not match: the request's action `\(ODRLVocabulary.shortName(request.action))` is not `\(r.actionName)` and is not included in it")
            }
        }
        var targetEntity: CompiledEntity?
        if let targets = r.targets {
            targetEntity = targets.first { member(request.target, of: $0, in: state.assetCollections) }
            if targetEntity == nil {
                matched = false
                if explain {
                    why.append(request.target.map { "does not match: the asset `\($0)` is not \(names(targets)) nor in it" }
                               ?? "does not match: the request names no asset, the rule is about \(names(targets))")
                }
            }
        }
        var assigneeEntity: CompiledEntity?
        if let assignees = r.assignees {
            assigneeEntity = assignees.first { member(request.assignee, of: $0, in: state.partyCollections) }
            if assigneeEntity == nil {
                matched = false
                if explain {
                    why.append(request.assignee.map { "does not match: the party `\($0)` is not \(names(assignees)) nor a member of it" }
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
                let (t, sentence) = evaluate(c, role: role)
                truth = truth.and(t)
                if explain { why.append(sentence) }
                if t != .satisfied && decisive.isEmpty { decisive = sentence }
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
            let truths = d.constraints.map { c -> Truth in
                let (t, s) = evaluate(c, role: "constraint of the duty")
                if explain { why.append(s) }
                return t
            }
            let truth = Truth.all(truths)
            let applies = truth != .unsatisfied
            let deontic = state.duties[d.ref] ?? .notSet
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

    func member(_ id: String?, of e: CompiledEntity, in collections: [String: Set<String>]) -> Bool {
        guard let id else { return false }
        if id == e.uid || id == e.expanded { return true }
        if collections.isEmpty { return false }
        if collections[e.uid]?.contains(id) == true { return true }
        if let x = e.expanded, collections[x]?.contains(id) == true { return true }
        if let s = e.source, collections[s]?.contains(id) == true { return true }
        return false
    }

    // MARK: Constraints

    /// Evaluates a constraint; returns its truth and a sentence saying why.
    func evaluate(_ c: CompiledConstraint, role: String) -> (Truth, String) {
        switch c {
        case .atomic(let a): return evaluate(a, role: role)
        case .logical(let op, let operands, _):
            let results = operands.map { evaluate($0, role: "part") }
            let truths = results.map(\.0)
            let sat = truths.filter { $0 == .satisfied }.count
            let unknown = truths.filter { $0 == .unknown }.count
            let t: Truth
            switch op {
            case .and, .andSequence: t = Truth.all(truths)
            case .or: t = sat > 0 ? .satisfied : (unknown > 0 ? .unknown : .unsatisfied)
            case .xone: t = sat > 1 ? .unsatisfied : (unknown > 0 ? .unknown : (sat == 1 ? .satisfied : .unsatisfied))
            }
            guard explain else { return (t, "") }
            let verdict = t == .satisfied ? "is satisfied" : t == .unsatisfied ? "is not satisfied" : "cannot be checked"
            var s = "\(role) `\(op.rawValue)` (\(op.words) \(operands.count) constraints) \(verdict)"
            let details = results.map { $0.1 }
            if operands.count <= 4 { s += ": " + details.joined(separator: "; ") } else {
                s += " (\(sat) of \(operands.count) hold)"
            }
            return (t, s)
        }
    }

    func evaluate(_ a: CompiledAtomic, role: String) -> (Truth, String) {
        if let why = a.unevaluable {
            return (.unknown, explain ? "\(role) `\(a.text)` cannot be evaluated: \(why)" : "")
        }
        guard let value = request.context.values[a.leftOperand] else {
            return (.unknown, explain ? "\(role) `\(a.text)` cannot be checked: the request gives no \(a.leftOperand)" : "")
        }
        let t = compare(value, a)
        guard explain else { return (t, "") }
        let shown: String
        if a.domain == .time, let n = number(value, .time) { shown = ISOTime.format(n) } else { shown = value.description }
        let subject = a.leftOperand == "dateTime" ? "the time is \(shown)" : "the request's \(a.leftOperand) is \(shown)"
        switch t {
        case .satisfied: return (t, "\(role) `\(a.text)` is satisfied: \(subject)")
        case .unsatisfied: return (t, "\(role) `\(a.text)` is not satisfied: \(subject)")
        case .unknown: return (t, "\(role) `\(a.text)` cannot be checked: \(subject), which is not \(a.domain.words)")
        }
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

    func text(_ v: ODRLValue) -> String {
        switch v {
        case .text(let s): return ODRLVocabulary.expand(s)
        default: return v.description
        }
    }

    /// True when a context member equals a right operand value (numerically or textually).
    func same(_ v: ODRLValue, _ lit: CompiledLiteral, _ domain: ValueDomain) -> Truth {
        switch lit {
        case .number(let n):
            guard let x = number(v, domain) else { return .unknown }
            return x == n ? .satisfied : .unsatisfied
        case .text(let s):
            return text(v) == s ? .satisfied : .unsatisfied
        case .prefixed(let full, let compact):
            let t = text(v)
            return t == full || t == compact ? .satisfied : .unsatisfied
        }
    }

    func compare(_ value: ODRLValue, _ a: CompiledAtomic) -> Truth {
        guard let op = a.op else { return .unknown }
        if case .list(let members) = value {
            if members.isEmpty { return .unknown }
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
    func compareSingle(_ v: ODRLValue, _ a: CompiledAtomic, _ op: ODRLVocabulary.Operator) -> Truth {
        switch op {
        case .eq, .neq, .lt, .lteq, .gt, .gteq:
            guard let lit = a.values.first else { return .unknown }
            if op == .eq { return same(v, lit, a.domain) }
            if op == .neq { return same(v, lit, a.domain).negated }
            guard case .number(let n) = lit, let x = number(v, a.domain) else { return .unknown }
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
    func contains(_ v: ODRLValue, _ a: CompiledAtomic) -> Truth {
        var t = Truth.unsatisfied
        for lit in a.values {
            t = t.or(same(v, lit, a.domain))
            if t == .satisfied { return t }
        }
        return t
    }
}
