/// Puts a policy into plain English, rule by rule, for a rights manager to review.
///
/// `describe(_:)` gives one ``ODRLRuleDescription`` per rule; callers that know more (the notice
/// reader's provenance: the source words beside each rule) add to each description's `notes`
/// before rendering with `render(_:)`, or pass an `annotate` closure.
public enum ODRLDescriber {
    /// Returns a policy's rules as sentences. `annotate` may add lines under a rule (e.g. its source words).
    public static func describe(_ p: ODRLPolicy,
                                annotate: ((ODRLRule, String) -> [String])? = nil) -> [ODRLRuleDescription] {
        var out: [ODRLRuleDescription] = []
        let groups: [(String, [ODRLRule])] = [("permission", p.permissions), ("prohibition", p.prohibitions), ("obligation", p.obligations)]
        for (key, rules) in groups {
            for (i, r) in rules.enumerated() {
                let path = "$.\(key)[\(i)]"
                var d = ODRLRuleDescription(path: path, rule: r, sentence: sentence(r, policy: p), notes: [])
                for (j, duty) in r.duties.enumerated() {
                    d.notes.append("on condition that the assignee " + dutySentence(duty) + label(duty, "\(path).duty[\(j)]"))
                }
                for remedy in r.remedies { d.notes.append("if this is broken, the assignee must " + dutySentence(remedy, must: false)) }
                for c in r.consequences { d.notes.append("if this is not done, the assignee must " + dutySentence(c, must: false)) }
                if let provenance = r.extensions["clr:provenance"] {
                    d.notes.append("source: " + (provenance.stringValue ?? provenance.serialized()))
                }
                d.notes += annotate?(r, path) ?? []
                out.append(d)
            }
        }
        return out
    }

    /// The whole policy as text: a heading, then each rule with its notes.
    public static func render(_ p: ODRLPolicy, _ rules: [ODRLRuleDescription]? = nil) -> String {
        let rules = rules ?? describe(p)
        let type = ODRLPolicyType(term: p.type)
        var lines: [String] = []
        var head = "\(typeWords(type, p.type)) \(p.uid.map { "`\($0)`" } ?? "(no uid)")"
        if !p.profiles.isEmpty { head += " (profile \(p.profiles.joined(separator: ", ")))" }
        lines.append(head)
        switch p.conflictStrategy {
        case .prohibit: lines.append("Where a permission and a prohibition both apply, the prohibition wins.")
        case .perm: lines.append("Where a permission and a prohibition both apply, the permission wins.")
        case .invalid: lines.append("Where a permission and a prohibition both apply, the whole policy is void.")
        }
        lines.append("Anything not permitted here is not allowed.")
        for (i, r) in rules.enumerated() {
            lines.append("")
            lines.append("\(i + 1). \(r.sentence)" + (r.rule.uid.map { " [\($0)]" } ?? " [\(r.path)]"))
            for n in r.notes { lines.append("   - \(n)") }
        }
        return lines.joined(separator: "\n")
    }

    static func typeWords(_ t: ODRLPolicyType?, _ raw: String) -> String {
        switch t {
        case .set: "Policy (a set of rules)"
        case .offer: "Offer"
        case .agreement: "Agreement"
        case .policy: "Policy"
        default: "Policy of type \(raw)"
        }
    }

    static func label(_ r: ODRLRule, _ path: String) -> String { r.uid.map { " [\($0)]" } ?? "" }

    /// One sentence for a permission, prohibition or obligation.
    public static func sentence(_ r: ODRLRule, policy p: ODRLPolicy) -> String {
        let assignees = r.assignees.isEmpty ? p.assignees : r.assignees
        let assigners = r.assigners.isEmpty ? p.assigners : r.assigners
        let targets = r.targets.isEmpty ? p.targets : r.targets
        let action = r.actions.first ?? p.actions.first
        let who = assignees.isEmpty ? "Anyone" : entityWords(assignees)
        let what = targets.isEmpty ? "anything" : entityWords(targets)
        let verb = action.map(actionWords) ?? "do anything with"
        var s: String
        switch r.kind {
        case .permission: s = "\(who) may \(verb) \(what)"
        case .prohibition: s = assignees.isEmpty ? "No one may \(verb) \(what)" : "\(who) may not \(verb) \(what)"
        default: s = "\(who) must \(verb) \(what)"
        }
        if !assigners.isEmpty { s += " (\(r.kind == .permission ? "granted" : "set") by \(entityWords(assigners)))" }
        var conditions = (action?.refinements ?? []).map(constraintWords)
        conditions += r.constraints.map(constraintWords)
        if !conditions.isEmpty { s += ", only if " + conditions.joined(separator: ", and ") }
        return s + "."
    }

    static func dutySentence(_ d: ODRLRule, must: Bool = true) -> String {
        let action = d.actions.first
        var s = (must ? "must first " : "") + (action.map(actionWords) ?? "do something")
        let amounts = (action?.refinements ?? []).map(constraintWords)
        if !amounts.isEmpty { s += " (" + amounts.joined(separator: ", ") + ")" }
        if !d.targets.isEmpty { s += " " + entityWords(d.targets) }
        for (k, v) in d.otherParties.sorted(by: { $0.key < $1.key }) { s += ", \(partyFunctionWords(k)) \(entityWords(v))" }
        if !d.constraints.isEmpty { s += ", when " + d.constraints.map(constraintWords).joined(separator: ", and ") }
        return s
    }

    static func partyFunctionWords(_ k: String) -> String {
        switch k {
        case "compensatedParty": "paid to"
        case "attributedParty": "crediting"
        case "informedParty": "informing"
        case "consentingParty": "with consent of"
        default: k
        }
    }

    static func entityWords(_ es: [ODRLEntity]) -> String {
        es.map { e in
            let name = "`\(e.uid ?? "?")`"
            var s = e.isCollection ? "any member of \(name)" : name
            if !e.refinements.isEmpty { s += " where " + e.refinements.map(constraintWords).joined(separator: " and ") }
            return s
        }.joined(separator: " or ")
    }

    /// Plain words for an action (`reproduce` -> "reproduce (copy)").
    public static func actionWords(_ a: ODRLAction) -> String {
        let name = a.canonicalName.map(ODRLVocabulary.shortName) ?? a.name
        let words: [String: String] = [
            "use": "use", "reproduce": "reproduce (copy)", "distribute": "distribute", "display": "display",
            "modify": "modify", "translate": "translate", "archive": "archive", "extract": "extract parts of",
            "compensate": "pay", "attribute": "credit the source of", "present": "present", "print": "print",
            "play": "play", "stream": "stream", "read": "read", "derive": "derive new works from",
            "aggregate": "aggregate", "index": "index", "transfer": "transfer ownership of", "sell": "sell",
            "give": "give away", "grantUse": "sublicense", "nextPolicy": "pass on, under the next policy,",
            "inform": "inform", "obtainConsent": "obtain consent for", "delete": "delete",
            "anonymize": "anonymize", "watermark": "watermark", "textToSpeech": "read aloud (text to speech)",
        ]
        var s = words[name] ?? name
        if !a.refinements.isEmpty, name != "compensate" {
            s += " (" + a.refinements.map(constraintWords).joined(separator: ", ") + ")"
        }
        return s
    }

    static let leftOperandWords: [String: String] = [
        "dateTime": "the date", "elapsedTime": "the time used", "delayPeriod": "the delay after publication",
        "spatial": "the place", "count": "the number of uses", "percentage": "the share used (%)",
        "purpose": "the purpose", "recipient": "the recipient", "media": "the medium",
        "deliveryChannel": "the delivery channel", "industry": "the industry", "language": "the language",
        "event": "the event", "payAmount": "the amount", "resolution": "the resolution", "fileFormat": "the file format",
        "product": "the product", "version": "the version", "systemDevice": "the device",
        "virtualLocation": "the online location", "absoluteSize": "the size", "relativeSize": "the relative size",
        "spatialCoordinates": "the coordinates", "meteredTime": "the metered time", "timeInterval": "the interval",
        "unitOfCount": "the unit counted",
    ]

    /// Plain words for a constraint (`the date is before 2018-01-01`).
    public static func constraintWords(_ c: ODRLConstraint) -> String {
        switch c {
        case .logical(let l):
            return "\(l.op.words) (" + l.operands.map(constraintWords).joined(separator: "; ") + ")"
        case .atomic(let a):
            let lo = a.canonicalLeftOperand ?? a.leftOperand
            let subject = leftOperandWords[lo] ?? "`\(a.leftOperand)`"
            let temporal = lo == "dateTime" || a.rightOperand.contains {
                if case .typed(_, let t) = $0 { return ODRLVocabulary.isTemporalDataType(t) } else { return false }
            }
            var verb = a.knownOperator?.words ?? "`\(a.operatorTerm)`"
            if temporal, let op = a.knownOperator {
                switch op {
                case .lt: verb = "is before"
                case .lteq: verb = "is on or before"
                case .gt: verb = "is after"
                case .gteq: verb = "is on or after"
                default: break
                }
            }
            var value = a.rightOperand.map { valueWords($0) }.joined(separator: ", ")
            if a.rightOperand.count > 1 { value = "[\(value)]" }
            if a.rightOperand.isEmpty, let r = a.rightOperandReference { value = "the value at `\(r)`" }
            if let u = a.unit {
                let last = u.split(whereSeparator: { $0 == "/" || $0 == "#" }).last.map(String.init) ?? u
                value += " " + last.replacingUnderscores
            }
            return "\(subject) \(verb) \(value)"
        }
    }

    static func valueWords(_ l: ODRLLiteral) -> String { Compiler.shortValue(l) }
}

/// One rule in words: where it is, the sentence, and notes (duties, source words...).
public struct ODRLRuleDescription: Sendable, Hashable {
    /// JSON path of the rule in the policy (`$.permission[0]`).
    public var path: String
    public var rule: ODRLRule
    public var sentence: String
    /// Lines shown under the sentence; callers may append their own (provenance, confidence...).
    public var notes: [String]

    public init(path: String, rule: ODRLRule, sentence: String, notes: [String]) {
        self.path = path
        self.rule = rule
        self.sentence = sentence
        self.notes = notes
    }
}
