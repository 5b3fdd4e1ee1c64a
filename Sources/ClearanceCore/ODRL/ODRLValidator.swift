/// Checks a policy's terms, values and internal consistency before anything evaluates it.
///
/// Errors (the policy must not be used): unknown actions, operators, left operands, datatypes,
/// policy types and conflict strategies; right operands that are not of their datatype (a date
/// that is not a date); operators that cannot apply to their values; constraints that can never
/// hold together; duplicate rule ids; missing parties an Agreement or Offer needs.
/// Warnings (the policy may be used): unknown unprefixed keys, rules without an action, a missing
/// policy `uid`, references that cannot be resolved offline.
/// Extension terms (full IRIs or prefixed names such as `ex:dayOfWeek`) are allowed; the engine
/// evaluates what it cannot interpret conservatively.
public enum ODRLValidator {
    /// Every problem in `policy`, each with its stable code and JSON path (`path` is the policy's own).
    public static func validate(_ policy: ODRLPolicy, path: String = "$") -> [Diagnostic] {
        var v = Validation()
        v.policy(policy, path: path)
        return v.diagnostics
    }

    /// True when `diagnostics` hold an error.
    public static func hasErrors(_ diagnostics: [Diagnostic]) -> Bool {
        diagnostics.contains { $0.severity == .error }
    }
}

/// What kind of values a constraint compares.
enum ValueDomain: Equatable {
    case time, duration, number, bool, text

    var words: String {
        switch self {
        case .time: "a date or date-time"
        case .duration: "a duration such as `P30D`"
        case .number: "a number"
        case .bool: "true or false"
        case .text: "a text or IRI"
        }
    }

    static func of(dataType: String) -> ValueDomain? {
        if ODRLVocabulary.isTemporalDataType(dataType) { return .time }
        if ODRLVocabulary.isDurationDataType(dataType) { return .duration }
        if ODRLVocabulary.isNumericDataType(dataType) { return .number }
        if dataType == "xsd:boolean" { return .bool }
        return nil
    }

    /// The domain a literal of a constraint on `leftOperand` (canonical) is compared in.
    static func of(_ literal: ODRLLiteral, leftOperand: String?, dataType: String?) -> ValueDomain {
        switch literal {
        case .typed(_, let dt): if let d = of(dataType: dt) { return d } else { return .text }
        case .iri, .languageTagged: return .text
        case .number: return .number
        case .bool: return .bool
        case .string:
            if let dt = dataType, let d = of(dataType: dt) { return d }
            guard let lo = leftOperand else { return .text }
            if ODRLVocabulary.temporalLeftOperands.contains(lo) { return .time }
            if ODRLVocabulary.durationLeftOperands.contains(lo) { return .duration }
            if ODRLVocabulary.numericLeftOperands.contains(lo) { return .number }
            return .text
        }
    }

    /// Reads `lexical` in this domain: epoch seconds, seconds, a number; `nil` if it does not fit.
    func number(_ lexical: String) -> Double? {
        switch self {
        case .time: ISOTime.parseDateTime(lexical.trimmingSpaces)
        case .duration: ISOTime.parseDuration(lexical.trimmingSpaces)
        case .number: Double(lexical.trimmingSpaces)
        case .bool: ["true", "1"].contains(lexical) ? 1 : ["false", "0"].contains(lexical) ? 0 : nil
        case .text: nil
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

struct Validation {
    var diagnostics: [Diagnostic] = []
    var ruleIDs: [String: String] = [:]
    /// Constraint lists already checked and found clean. A policy often repeats one list (a
    /// compiled agreement gives each action of a grant its own rule with the grant's constraints,
    /// territory lists of hundreds of countries included); checking it again could only find
    /// nothing again, as no check depends on where the list sits.
    /// Keyed by the list's storage: the same array shared by several rules (as the news layer
    /// builds them) is one key; hashing the lists' contents cost as much as checking them.
    var cleanLists: Set<UnsafeRawPointer> = []

    mutating func error(_ code: String, _ message: String, at path: String, hint: String? = nil,
                        category: Diagnostic.Category = .invalidPolicy) {
        diagnostics.append(Diagnostic(code: code, message: message, hint: hint, location: path, severity: .error, category: category))
    }

    mutating func warning(_ code: String, _ message: String, at path: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(code: code, message: message, hint: hint, location: path, severity: .warning, category: .invalidPolicy))
    }

    mutating func policy(_ p: ODRLPolicy, path: String) {
        let ptype = ODRLPolicyType(term: p.type)
        if ptype == nil {
            error("odrl.unknown_policy_type", "`\(p.type)` is not an ODRL policy type",
                  at: path + ".@type", hint: "use Set, Offer or Agreement")
        }
        if p.uid == nil {
            warning("odrl.missing_uid", "the policy has no `uid`", at: path, hint: "give it an IRI, e.g. `urn:clearance:policy:…`")
        } else if let u = p.uid { checkIRI(u, at: path + ".uid") }
        if let c = p.conflict, ODRLConflictStrategy(rawValue: ODRLVocabulary.shortName(c)) == nil {
            error("odrl.unknown_conflict_strategy", "`\(c)` is not a conflict strategy", at: path + ".conflict",
                  hint: "use perm, prohibit or invalid")
        }
        for (i, profile) in p.profiles.enumerated() where !ODRLVocabulary.isSupportedProfile(profile) {
            error("odrl.unsupported_profile",
                  "the policy uses the profile `\(profile)`, which Clearance does not implement; ODRL forbids processing a policy whose profile is not understood",
                  at: path + ".profile" + (p.profiles.count > 1 ? "[\(i)]" : ""),
                  hint: "Clearance implements ODRL 2.2 core and IPTC RightsML (http://iptc.org/std/RightsML/2/)")
        }
        if !p.inheritFrom.isEmpty {
            error("odrl.unsupported_inheritance",
                  "the policy inherits from `\(p.inheritFrom.joined(separator: "`, `"))`, which Clearance cannot load, so it cannot know every rule in force",
                  at: path + ".inheritFrom", hint: "merge the parent policy's rules into this one")
        }
        if p.permissions.isEmpty && p.prohibitions.isEmpty && p.obligations.isEmpty {
            warning("odrl.empty_policy", "the policy has no permission, prohibition or obligation", at: path)
        }
        for (i, a) in p.actions.enumerated() { action(a, at: path + ".action" + (p.actions.count > 1 || a.writtenAsNode ? "[\(i)]" : "")) }
        for (key, list) in [("target", p.targets), ("assignee", p.assignees), ("assigner", p.assigners)] {
            for (i, e) in list.enumerated() { entity(e, at: entityPath(path, key, i, list.count)) }
        }
        overriddenPermissions(p, path: path)
        let groups: [(String, [ODRLRule])] = [("permission", p.permissions), ("prohibition", p.prohibitions), ("obligation", p.obligations)]
        for (key, rules) in groups {
            for (i, r) in rules.enumerated() {
                rule(r, policy: p, type: ptype, path: "\(path).\(key)[\(i)]")
            }
        }
    }

    /// Warns about a permission that an unconditional prohibition of the same policy always overrides.
    mutating func overriddenPermissions(_ p: ODRLPolicy, path: String) {
        let strategy = p.conflictStrategy
        guard strategy != .perm else { return }
        func uids(_ own: [ODRLEntity], _ inherited: [ODRLEntity]) -> Set<String>? {
            let list = own.isEmpty ? inherited : own
            return list.isEmpty ? nil : Set(list.compactMap(\.uid))
        }
        for (hi, h) in p.prohibitions.enumerated() {
            let hAction = h.actions.first ?? p.actions.first
            guard h.constraints.isEmpty, hAction?.refinements.isEmpty ?? true,
                  (h.targets + h.assignees).allSatisfy({ $0.refinements.isEmpty }) else { continue }
            let hTargets = uids(h.targets, p.targets)
            let hAssignees = uids(h.assignees, p.assignees)
            for (pi, perm) in p.permissions.enumerated() {
                let pAction = perm.actions.first ?? p.actions.first
                if let ha = hAction?.canonicalName {
                    guard let pa = pAction?.canonicalName, ODRLVocabulary.broaderActions(of: pa).contains(ha) else { continue }
                }
                if let ht = hTargets { guard let pt = uids(perm.targets, p.targets), pt.isSubset(of: ht) else { continue } }
                if let hp = hAssignees { guard let pp = uids(perm.assignees, p.assignees), pp.isSubset(of: hp) else { continue } }
                let permName = perm.uid ?? "\(path).permission[\(pi)]"
                let prohName = h.uid ?? "\(path).prohibition[\(hi)]"
                let what = strategy == .invalid
                    ? "the policy is void wherever permission `\(permName)` applies, because prohibition `\(prohName)` always conflicts with it (conflict: invalid)"
                    : "permission `\(permName)` can never be in force: prohibition `\(prohName)` covers everything it grants and has no conditions"
                warning("odrl.conflicting_rules", what, at: "\(path).permission[\(pi)]",
                        hint: "narrow the prohibition with a constraint, or set `conflict` to `perm` if the permission is an exception")
            }
        }
    }

    mutating func rule(_ r: ODRLRule, policy p: ODRLPolicy, type: ODRLPolicyType?, path: String) {
        if let u = r.uid {
            checkIRI(u, at: path + ".uid")
            if let other = ruleIDs[u] {
                error("odrl.duplicate_uid", "the rule id `\(u)` is also used at \(other)", at: path + ".uid",
                      hint: "each rule needs its own uid (duty states are recorded by it)")
            } else { ruleIDs[u] = path }
        }
        if r.actions.isEmpty && p.actions.isEmpty {
            warning("odrl.missing_action", "the \(r.kind.rawValue) names no action, so it covers every action",
                    at: path, hint: "name the action, e.g. `\"action\": \"reproduce\"`")
        }
        if r.actions.count > 1 {
            error("odrl.multiple_actions", "a rule has exactly one action; found \(r.actions.count)", at: path + ".action",
                  hint: "write one rule per action")
        }
        if !r.duties.isEmpty && r.kind != .permission {
            error("odrl.misplaced_property", "a \(r.kind.rawValue) cannot have duties (`duty` belongs to a permission)",
                  at: path + ".duty", hint: r.kind == .prohibition ? "a prohibition's duties are `remedy`" : "a duty's own duties are `consequence`")
        }
        if !r.remedies.isEmpty && r.kind != .prohibition {
            error("odrl.misplaced_property", "only a prohibition can have a `remedy`", at: path + ".remedy")
        }
        if !r.consequences.isEmpty && (r.kind == .permission || r.kind == .prohibition) {
            error("odrl.misplaced_property", "only a duty can have a `consequence`", at: path + ".consequence")
        }
        for (i, a) in r.actions.enumerated() { action(a, at: path + ".action" + (r.actions.count > 1 || a.writtenAsNode ? "[\(i)]" : "")) }
        for (key, list) in [("target", r.targets), ("output", r.outputs), ("assigner", r.assigners), ("assignee", r.assignees)] {
            for (i, e) in list.enumerated() { entity(e, at: entityPath(path, key, i, list.count)) }
        }
        for (key, list) in r.otherParties.sorted(by: { $0.key < $1.key }) {
            for (i, e) in list.enumerated() { entity(e, at: entityPath(path, key, i, list.count)) }
        }
        if r.kind == .permission || r.kind == .prohibition || r.kind == .obligation {
            if type == .agreement {
                if r.assigners.isEmpty && p.assigners.isEmpty {
                    error("odrl.missing_party", "an Agreement's \(r.kind.rawValue) needs an `assigner`", at: path,
                          hint: "name the party granting it (the agency)")
                }
                if r.assignees.isEmpty && p.assignees.isEmpty {
                    error("odrl.missing_party", "an Agreement's \(r.kind.rawValue) needs an `assignee`", at: path,
                          hint: "name the party it is granted to (the subscriber)")
                }
            } else if type == .offer, r.assigners.isEmpty && p.assigners.isEmpty {
                error("odrl.missing_party", "an Offer's \(r.kind.rawValue) needs an `assigner`", at: path,
                      hint: "name the party offering it")
            }
        }
        constraintList(r.constraints, at: path + ".constraint")
        for (i, d) in r.duties.enumerated() { rule(d, policy: p, type: nil, path: "\(path).duty[\(i)]") }
        for (i, d) in r.remedies.enumerated() { rule(d, policy: p, type: nil, path: "\(path).remedy[\(i)]") }
        for (i, d) in r.consequences.enumerated() { rule(d, policy: p, type: nil, path: "\(path).consequence[\(i)]") }
    }

    /// A single asset or party is written as a plain value, several as an array (the canonical form).
    func entityPath(_ path: String, _ key: String, _ i: Int, _ count: Int) -> String {
        count == 1 ? "\(path).\(key)" : "\(path).\(key)[\(i)]"
    }

    mutating func action(_ a: ODRLAction, at path: String) {
        if a.canonicalName == nil {
            error("odrl.unknown_action", "`\(a.name)` is not an ODRL action", at: path,
                  hint: "use an ODRL 2.2 action (use, reproduce, distribute, display, modify, translate, archive…) or a full IRI for an extension action")
        }
        constraintList(a.refinements, at: path + ".refinement")
    }

    mutating func entity(_ e: ODRLEntity, at path: String) {
        if let u = e.uid { checkIRI(u, at: path) } else {
            error("odrl.unnamed_entity", "the asset or party has no `uid`", at: path, hint: "name it by IRI")
        }
        constraintList(e.refinements, at: path + ".refinement")
    }

    mutating func checkIRI(_ s: String, at path: @autoclosure () -> String) {
        // Bytes first (a compiled agreement has a few IRIs per rule, and walking Characters costs
        // ~300 instructions each); only a string holding one of those bytes is checked by Character.
        guard s.utf8.contains(where: { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else { return }
        let path = path()
        if s.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "<" || $0 == ">" || $0 == "\"" }) {
            error("odrl.invalid_iri", "`\(s)` is not an IRI (it contains spaces or forbidden characters)", at: path,
                  category: .malformedInput)
        }
    }

    mutating func constraintList(_ list: [ODRLConstraint], at path: String) {
        if list.isEmpty { return }
        let key = list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        if let key, cleanLists.contains(key) { return }
        let before = diagnostics.count
        for (i, c) in list.enumerated() { constraint(c, at: "\(path)[\(i)]") }
        contradictions(list, at: path)
        if diagnostics.count == before, let key { cleanLists.insert(key) }
    }

    mutating func constraint(_ c: ODRLConstraint, at path: String) {
        switch c {
        case .logical(let l):
            if l.operands.isEmpty {
                error("odrl.empty_logical_constraint", "`\(l.op.rawValue)` needs at least one constraint", at: "\(path).\(l.op.rawValue)")
            }
            for (i, o) in l.operands.enumerated() { constraint(o, at: "\(path).\(l.op.rawValue)[\(i)]") }
            if l.op == .and || l.op == .andSequence { contradictions(l.operands, at: "\(path).\(l.op.rawValue)") }
        case .atomic(let a): atomic(a, at: path)
        }
    }

    mutating func atomic(_ a: ODRLAtomicConstraint, at path: String) {
        let lo = a.canonicalLeftOperand
        if a.leftOperand.isEmpty {
            error("odrl.missing_left_operand", "the constraint has no `leftOperand`", at: path,
                  hint: "name what is constrained, e.g. `\"leftOperand\": \"dateTime\"`")
        } else if lo == nil {
            error("odrl.unknown_left_operand", "`\(a.leftOperand)` is not an ODRL left operand", at: path + ".leftOperand",
                  hint: "use an ODRL 2.2 left operand (dateTime, spatial, purpose, recipient, media, count…) or a full IRI / prefixed name for an extension")
        }
        let op = a.knownOperator
        if a.operatorTerm.isEmpty {
            error("odrl.missing_operator", "the constraint has no `operator`", at: path, hint: "e.g. `\"operator\": \"lt\"`")
        } else if op == nil && !ODRLVocabulary.isExtensionTerm(a.operatorTerm) {
            error("odrl.unknown_operator", "`\(a.operatorTerm)` is not an ODRL operator", at: path + ".operator",
                  hint: "use eq, neq, lt, lteq, gt, gteq, isA, hasPart, isPartOf, isAllOf, isAnyOf or isNoneOf")
        }
        if let dt = a.dataType, !ODRLVocabulary.knownDataTypes.contains(dt), !dt.contains("://") {
            error("odrl.unknown_data_type", "`\(dt)` is not a datatype Clearance knows", at: path + ".dataType",
                  hint: "use an XML Schema type such as xsd:dateTime, xsd:decimal, xsd:integer, xsd:string")
        }
        for (i, lit) in a.rightOperand.enumerated() {
            // The literal's path is spelled out only for a diagnostic (a compiled agreement's
            // territory lists hold hundreds of literals, all valid).
            var lp: String { path + ".rightOperand" + (a.rightOperandIsList ? "[\(i)]" : "") }
            if case .typed(_, let dt) = lit, !ODRLVocabulary.knownDataTypes.contains(dt), !dt.contains("://") {
                error("odrl.unknown_data_type", "`\(dt)` is not a datatype Clearance knows", at: lp + ".@type",
                      hint: "use an XML Schema type such as xsd:dateTime, xsd:decimal, xsd:integer, xsd:string")
                continue
            }
            let domain = ValueDomain.of(lit, leftOperand: lo, dataType: a.dataType)
            let declared: String? = { if case .typed(_, let t) = lit { return t } else { return a.dataType } }()
            if let t = declared, ODRLVocabulary.isIntegerDataType(t), let n = domain.number(lit.lexical), n.rounded() != n {
                error("odrl.invalid_literal", "`\(lit.lexical)` is not a whole number (\(t))", at: lp, category: .malformedInput)
            }
            if domain != .text, domain.number(lit.lexical) == nil {
                error("odrl.invalid_literal", "`\(lit.lexical)` is not \(domain.words)", at: lp,
                      hint: domain == .time ? "write it as 2026-12-31 or 2026-12-31T23:59:59Z" : nil, category: .malformedInput)
            }
            if let op, op.isOrdering, domain == .text, lo != "event" {
                error("odrl.operator_mismatch", "`\(op.rawValue)` compares ordered values, but `\(lit.lexical)` is a text or IRI",
                      at: lp, hint: "use eq / isAnyOf for names, or give the value a datatype (xsd:decimal, xsd:dateTime)")
            }
        }
        if let op, !op.isSetBased, a.rightOperand.count > 1 {
            error("odrl.operator_mismatch", "`\(op.rawValue)` takes one value, but the right operand lists \(a.rightOperand.count)",
                  at: path + ".rightOperand", hint: "use isAnyOf / isNoneOf for a list")
        }
        if a.rightOperandReference == nil && a.rightOperand.isEmpty {
            error("odrl.missing_right_operand", "the constraint has no `rightOperand`", at: path)
        }
        if a.rightOperandReference != nil && a.rightOperand.isEmpty {
            warning("odrl.unresolved_reference",
                    "the right operand is a reference (`rightOperandReference`) that Clearance cannot resolve; the constraint is never satisfied",
                    at: path + ".rightOperandReference")
        }
    }

    /// Finds atomic constraints in one conjunction that can never hold together.
    mutating func contradictions(_ list: [ODRLConstraint], at path: String) {
        struct Bound { var value: Double; var strict: Bool; var text: String }
        var lower: [String: Bound] = [:]
        var upper: [String: Bound] = [:]
        var equals: [String: (String, String, Double?)] = [:]  // key -> (lexical, description, number)
        var notEquals: [String: [(String, String)]] = [:]
        for c in list {
            guard case .atomic(let a) = c, let lo = a.canonicalLeftOperand, let op = a.knownOperator,
                  a.rightOperand.count == 1 else { continue }
            let lit = a.rightOperand[0]
            let domain = ValueDomain.of(lit, leftOperand: lo, dataType: a.dataType)
            // Concatenation, not interpolation: interpolating the enum went through reflection.
            let key = lo + "|" + (a.unit ?? "") + "|" + domain.words
            let n = domain == .text ? nil : domain.number(lit.lexical)
            let text = "\(a.leftOperand) \(a.operatorTerm) \(lit.lexical)"
            let lexical = domain == .text ? ODRLVocabulary.expand(lit.lexical) : lit.lexical
            func clash(_ other: String) {
                error("odrl.contradictory_constraints",
                      "the constraints `\(other)` and `\(text)` can never both hold, so this rule can never apply",
                      at: path, hint: "fix the value that is wrong")
            }
            switch op {
            case .eq:
                if let e = equals[key] {
                    if (n != nil && e.2 != nil && n != e.2) || (n == nil && e.0 != lexical) { clash(e.1) }
                } else { equals[key] = (lexical, text, n) }
            case .neq: notEquals[key, default: []].append((lexical, text))
            case .gt, .gteq:
                if let n, lower[key].map({ n > $0.value || (n == $0.value && op == .gt) }) ?? true {
                    lower[key] = Bound(value: n, strict: op == .gt, text: text)
                }
            case .lt, .lteq:
                if let n, upper[key].map({ n < $0.value || (n == $0.value && op == .lt) }) ?? true {
                    upper[key] = Bound(value: n, strict: op == .lt, text: text)
                }
            default: break
            }
        }
        for key in lower.keys.sorted() {
            let lo = lower[key]!
            if let hi = upper[key], lo.value > hi.value || (lo.value == hi.value && (lo.strict || hi.strict)) {
                error("odrl.contradictory_constraints",
                      "the constraints `\(lo.text)` and `\(hi.text)` can never both hold, so this rule can never apply",
                      at: path, hint: "fix the value that is wrong")
            }
        }
        for key in equals.keys.sorted() {
            let e = equals[key]!
            if let n = e.2 {
                if let lo = lower[key], n < lo.value || (n == lo.value && lo.strict) {
                    error("odrl.contradictory_constraints", "the constraints `\(e.1)` and `\(lo.text)` can never both hold, so this rule can never apply", at: path)
                }
                if let hi = upper[key], n > hi.value || (n == hi.value && hi.strict) {
                    error("odrl.contradictory_constraints", "the constraints `\(e.1)` and `\(hi.text)` can never both hold, so this rule can never apply", at: path)
                }
            }
            for ne in notEquals[key] ?? [] where ne.0 == e.0 {
                error("odrl.contradictory_constraints", "the constraints `\(e.1)` and `\(ne.1)` can never both hold, so this rule can never apply", at: path)
            }
        }
    }
}
