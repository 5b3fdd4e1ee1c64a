/// The outcome of evaluating a request against policies, with the rule-level trace.
public struct ODRLDecision: Sendable, Hashable {
    /// The three outcomes of an ODRL evaluation.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        case permit, deny
        /// No rule matches the request's action, target and assignee.
        case notApplicable = "not_applicable"
    }

    public var outcome: Outcome
    /// One sentence saying what decided (`prohibition … is in force`, `no permission is in force: …`).
    public var reason: String
    /// The rules decided on, one entry per permission, prohibition, obligation and (for matching
    /// permissions) duty, in policy order.
    public var rules: [RuleTrace]
    /// Duties that come with a permit: those of the permissions in force (fulfilled or owed).
    public var duties: [RuleTrace]

    public init(outcome: Outcome, reason: String, rules: [RuleTrace] = [], duties: [RuleTrace] = []) {
        self.outcome = outcome
        self.reason = reason
        self.rules = rules
        self.duties = duties
    }

    /// The trace entry of the rule with this id (uid or JSON pointer).
    public func trace(for rule: String) -> RuleTrace? { rules.first { $0.rule == rule } }
}

/// What the engine found for one rule.
public struct RuleTrace: Sendable, Hashable {
    /// Whether a rule is in force for the request.
    public enum Activation: String, Sendable, Hashable {
        case active, inactive
    }

    /// The rule's `uid`, or its JSON pointer (`#/policies/0/permission/1`, `#/policies/0/permission/0/duty/0`).
    public var rule: String
    public var kind: ODRLRuleKind
    /// The policy's uid (or pointer) the rule belongs to.
    public var policy: String
    /// For permissions and prohibitions: the request falls under the rule's action, target and
    /// assignee (before refinements, constraints and duties). Duties: `nil`.
    public var match: Bool?
    /// Permission/prohibition: in force for the request. Duty: its own constraints hold (it applies).
    public var activation: Activation
    /// Duties: the recorded state.
    public var deontic: ODRLDutyState?
    /// For a duty: the rule it belongs to.
    public var parent: String?
    /// Sentences a rights manager understands: what matched, which constraint or duty decided.
    public var why: [String]

    public init(rule: String, kind: ODRLRuleKind, policy: String, match: Bool?, activation: Activation,
                deontic: ODRLDutyState? = nil, parent: String? = nil, why: [String] = []) {
        self.rule = rule
        self.kind = kind
        self.policy = policy
        self.match = match
        self.activation = activation
        self.deontic = deontic
        self.parent = parent
        self.why = why
    }
}

extension ODRLDecision {
    /// The decision as JSON: `{"decision", "reason", "rules": [{"rule", "kind", "match", "activation", ...}], "duties"}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["decision"] = .string(outcome.rawValue)
        o["reason"] = .string(reason)
        o["rules"] = .array(rules.map(\.json))
        if !duties.isEmpty { o["duties"] = .array(duties.map(\.json)) }
        return .object(o)
    }

    /// The decision as lines of text for a terminal.
    public var text: String {
        var lines = ["decision: \(outcome.rawValue)", "reason: \(reason)"]
        for r in rules {
            var head = "- \(r.kind.rawValue) \(r.rule)"
            if let m = r.match { head += m ? " matches" : " does not match" }
            head += ", \(r.activation.rawValue)"
            if let d = r.deontic { head += ", \(d.rawValue)" }
            lines.append(head)
            for w in r.why { lines.append("    \(w)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension RuleTrace {
    /// The trace entry as JSON (the fixture format's rule entry plus `policy`, `parent` and `why`).
    public var json: JSONValue {
        var o = JSONObject()
        o["rule"] = .string(rule)
        o["kind"] = .string(kind.rawValue)
        if let m = match { o["match"] = .bool(m) }
        o["activation"] = .string(activation.rawValue)
        if let d = deontic { o["deontic"] = .string(d.rawValue) }
        o["policy"] = .string(policy)
        if let p = parent { o["parent"] = .string(p) }
        o["why"] = .array(why.map { .string($0) })
        return .object(o)
    }
}
