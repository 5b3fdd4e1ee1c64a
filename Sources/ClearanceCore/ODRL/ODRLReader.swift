/// Reads ODRL 2.2 JSON-LD (compact form) into ``ODRLPolicy`` values.
///
/// Accepts the canonical form of `shared/conformance/README.md` and the other compact shapes
/// tools produce: single objects where arrays are expected, `type`/`uid` for `@type`/`@id`,
/// `{"uid": IRI}` or `{"@id": IRI}` for IRIs, `odrl:`-prefixed keys and terms, `{"@list": [...]}`,
/// and a flattened `@graph` document whose nodes refer to each other by (blank-node) id.
/// Every structural problem becomes a ``Diagnostic`` with its JSON path; ``ODRLValidator`` then
/// checks the terms and values. Unknown keys are kept in `extensions` (never an error).
public enum ODRLReader {
    /// The result of reading: the policies (none when there is an error) and every problem found.
    public struct Result: Sendable {
        public var policies: [ODRLPolicy]
        public var diagnostics: [Diagnostic]
        /// True when some diagnostic is an error: the policies must not be used.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Reads a policy document from bytes: one policy object, an array of them, or an `@graph` document.
    /// Reading also validates (``ODRLValidator``) unless `validate` is false.
    public static func read(_ bytes: [UInt8], validate: Bool = true) -> Result {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { return Result(policies: [], diagnostics: [error]) }
        return read(json, validate: validate)
    }

    /// Reads a policy document that is already parsed JSON.
    public static func read(_ json: JSONValue, path: String = "$", validate: Bool = true) -> Result {
        var r = Reader()
        var policies: [ODRLPolicy] = []
        switch json {
        case .array(let items):
            for (i, item) in items.enumerated() {
                policies += r.document(item, path: "\(path)[\(i)]")
            }
        default:
            policies = r.document(json, path: path)
        }
        if validate {
            for (i, p) in policies.enumerated() {
                let pPath = policies.count == 1 && !json.isArrayValue ? path : "\(path)[\(i)]"
                r.diagnostics += ODRLValidator.validate(p, path: pPath)
            }
        }
        // no partial result: a document with an error yields no policy at all
        let failed = r.diagnostics.contains { $0.severity == .error }
        return Result(policies: failed ? [] : policies, diagnostics: r.diagnostics)
    }

    /// Reads exactly one policy (from an object or an `@graph` document); throws every error found.
    public static func readPolicy(_ json: JSONValue, path: String = "$", validate: Bool = true) throws(DiagnosticError) -> ODRLPolicy {
        let r = read(json, path: path, validate: validate)
        if r.hasErrors { throw DiagnosticError(r.diagnostics.filter { $0.severity == .error }) }
        guard r.policies.count == 1 else {
            throw DiagnosticError(Diagnostic(
                code: "odrl.not_one_policy", message: "expected one policy, found \(r.policies.count)",
                location: path, category: .invalidPolicy))
        }
        return r.policies[0]
    }
}

extension JSONValue {
    var isArrayValue: Bool { if case .array = self { return true } else { return false } }
}

/// The keys a policy object may carry, besides extensions.
let policyKeys: Set<String> = [
    "@type", "type", "uid", "@id", "profile", "conflict", "inheritFrom", "assigner", "assignee", "target",
    "action", "permission", "prohibition", "obligation",
]

struct Reader {
    var diagnostics: [Diagnostic] = []

    mutating func error(_ code: String, _ message: String, at path: String, hint: String? = nil,
                        category: Diagnostic.Category = .invalidPolicy) {
        diagnostics.append(Diagnostic(code: code, message: message, hint: hint, location: path, severity: .error, category: category))
    }

    mutating func warning(_ code: String, _ message: String, at path: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(code: code, message: message, hint: hint, location: path, severity: .warning, category: .invalidPolicy))
    }

    mutating func wrongType(_ what: String, expected: String, found: JSONValue, at path: String) {
        error("odrl.wrong_type", "\(what) must be \(expected), not a \(found.typeName)", at: path, category: .malformedInput)
    }

    // MARK: Documents

    /// One document: a policy object, or an `@graph` document holding one or more policies.
    mutating func document(_ json: JSONValue, path: String) -> [ODRLPolicy] {
        guard case .object(let obj) = json else {
            wrongType("a policy", expected: "a JSON object", found: json, at: path)
            return []
        }
        if let graph = obj["@graph"] {
            guard case .array(let nodes) = graph else {
                wrongType("`@graph`", expected: "an array of nodes", found: graph, at: path + ".@graph")
                return []
            }
            let flat = GraphEmbedder(nodes: nodes)
            let roots = flat.policyRoots()
            if roots.isEmpty {
                error("odrl.no_policy", "the `@graph` holds no policy node (one with `@type` Set, Offer, Agreement...)",
                      at: path + ".@graph")
                return []
            }
            var out: [ODRLPolicy] = []
            for idx in roots {
                guard var embedded = flat.embed(index: idx) else {
                    error("odrl.graph_too_large",
                          "the `@graph` nests its nodes more than \(GraphEmbedder.maximumDepth) levels deep or repeats them more than \(GraphEmbedder.maximumNodes) times",
                          at: "\(path).@graph[\(idx)]", hint: "a policy this large or deep is not a rights policy; check how it was generated",
                          category: .malformedInput)
                    continue
                }
                if case .object(var o) = embedded, let ctx = obj["@context"], o["@context"] == nil {
                    // keep the document's context with the policy so it is written back
                    var re = JSONObject([("@context", ctx)])
                    for (k, v) in o where k != "@context" { re[k] = v }
                    o = re
                    embedded = .object(o)
                }
                out.append(policy(embedded, path: "\(path).@graph[\(idx)]"))
            }
            return out
        }
        return [policy(json, path: path)]
    }

    // MARK: Policy

    mutating func policy(_ json: JSONValue, path: String) -> ODRLPolicy {
        var p = ODRLPolicy()
        guard case .object(let obj) = json else {
            wrongType("a policy", expected: "a JSON object", found: json, at: path)
            return p
        }
        p.keyOrder = obj.keys
        for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
            let kp = path + "." + key
            switch key {
            case "@type", "type": if let t = iri(value, at: kp, what: "`\(key)`") { p.type = odrlTerm(t) }
            case "uid", "@id": p.uid = iri(value, at: kp, what: "`\(key)`")
            case "profile": p.profiles = iris(value, at: kp, what: "`profile`")
            case "conflict": p.conflict = iri(value, at: kp, what: "`conflict`").map(odrlTerm)
            case "inheritFrom": p.inheritFrom = iris(value, at: kp, what: "`inheritFrom`")
            case "assigner": p.assigners = entities(value, at: kp, what: "`assigner`")
            case "assignee": p.assignees = entities(value, at: kp, what: "`assignee`")
            case "target": p.targets = entities(value, at: kp, what: "`target`")
            case "action": p.actions = actions(value, at: kp)
            case "permission": p.permissions = rules(value, kind: .permission, at: kp)
            case "prohibition": p.prohibitions = rules(value, kind: .prohibition, at: kp)
            case "obligation": p.obligations = rules(value, kind: .obligation, at: kp)
            default: extensionKey(key, value, into: &p.extensions, at: kp, known: "a policy")
            }
        }
        return p
    }

    mutating func extensionKey(_ key: String, _ value: JSONValue, into ext: inout JSONObject, at path: String, known: String) {
        ext[key] = value
        if key.hasPrefix("odrl:") || key.hasPrefix(ODRLVocabulary.namespace) {
            warning("odrl.unknown_property", "`\(key)` is not an ODRL property of \(known); it is kept but not used",
                    at: path, hint: "check the spelling against the ODRL 2.2 vocabulary")
        } else if !key.hasPrefix("@") && !key.contains(":") {
            warning("odrl.unknown_property", "`\(key)` is not an ODRL property of \(known); it is kept but not used",
                    at: path, hint: "check the spelling, or give extension keys a prefix such as `clr:`")
        }
    }

    // MARK: Rules

    mutating func rules(_ json: JSONValue, kind: ODRLRuleKind, at path: String) -> [ODRLRule] {
        let (items, paths) = list(json, at: path)
        return zip(items, paths).map { rule($0, kind: kind, at: $1) }
    }

    mutating func rule(_ json: JSONValue, kind: ODRLRuleKind, at path: String) -> ODRLRule {
        var r = ODRLRule(kind: kind)
        guard case .object(let obj) = json else {
            wrongType("a \(kind.rawValue)", expected: "a JSON object", found: json, at: path)
            return r
        }
        r.keyOrder = obj.keys
        for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
            let kp = path + "." + key
            switch key {
            case "uid", "@id": r.uid = iri(value, at: kp, what: "`\(key)`")
            case "action": r.actions = actions(value, at: kp)
            case "target": r.targets = entities(value, at: kp, what: "`target`")
            case "output": r.outputs = entities(value, at: kp, what: "`output`")
            case "assigner": r.assigners = entities(value, at: kp, what: "`assigner`")
            case "assignee": r.assignees = entities(value, at: kp, what: "`assignee`")
            case "constraint": r.constraints = constraints(value, at: kp)
            case "duty":
                r.duties = rules(value, kind: .duty, at: kp)
            case "remedy":
                r.remedies = rules(value, kind: .remedy, at: kp)
            case "consequence":
                r.consequences = rules(value, kind: .consequence, at: kp)
            default:
                if ODRLRule.partyFunctionKeys.contains(key) {
                    r.otherParties[key] = entities(value, at: kp, what: "`\(key)`")
                } else if key == "@type" || key == "type" {
                    r.extensions[key] = value
                } else {
                    extensionKey(key, value, into: &r.extensions, at: kp, known: "a rule")
                }
            }
        }
        return r
    }

    // MARK: Actions

    mutating func actions(_ json: JSONValue, at path: String) -> [ODRLAction] {
        let (items, paths) = list(json, at: path)
        var out: [ODRLAction] = []
        for (item, p) in zip(items, paths) {
            if let a = action(item, at: p) { out.append(a) }
        }
        return out
    }

    mutating func action(_ json: JSONValue, at path: String) -> ODRLAction? {
        switch json {
        case .string(let s):
            return ODRLAction(odrlTerm(s), writtenAsNode: false)
        case .object(let obj):
            var name: String?
            var uid: String?
            var refinements: [ODRLConstraint] = []
            var ext = JSONObject()
            for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
                let kp = path + "." + key
                switch key {
                case "rdf:value", "value", "odrl:value": name = iri(value, at: kp, what: "the action's `rdf:value`")
                case "uid", "@id": uid = iri(value, at: kp, what: "`\(key)`")
                case "refinement": refinements = constraints(value, at: kp)
                default: extensionKey(key, value, into: &ext, at: kp, known: "an action")
                }
            }
            if name == nil, let u = uid, refinements.isEmpty {
                // {"@id": "odrl:read"}: the node is the action itself
                return ODRLAction(odrlTerm(u), writtenAsNode: false)
            }
            guard let n = name else {
                error("odrl.unnamed_action", "the action object names no action (`rdf:value`)", at: path,
                      hint: "write `\"rdf:value\": {\"@id\": \"odrl:print\"}`")
                return nil
            }
            return ODRLAction(odrlTerm(n), uid: uid, refinements: refinements, writtenAsNode: true, extensions: ext, keyOrder: obj.keys)
        default:
            wrongType("an action", expected: "a string or an object", found: json, at: path)
            return nil
        }
    }

    // MARK: Assets and parties

    mutating func entities(_ json: JSONValue, at path: String, what: String) -> [ODRLEntity] {
        let (items, paths) = list(json, at: path)
        var out: [ODRLEntity] = []
        for (item, p) in zip(items, paths) {
            if let e = entity(item, at: p, what: what) { out.append(e) }
        }
        return out
    }

    mutating func entity(_ json: JSONValue, at path: String, what: String) -> ODRLEntity? {
        switch json {
        case .string(let s): return ODRLEntity(s)
        case .object(let obj):
            var e = ODRLEntity(nil)
            e.keyOrder = obj.keys
            for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
                let kp = path + "." + key
                switch key {
                case "uid", "@id": e.uid = iri(value, at: kp, what: "`\(key)`")
                case "@type", "type": e.type = iri(value, at: kp, what: "`\(key)`")
                case "source": e.source = iri(value, at: kp, what: "`source`")
                case "partOf": e.partOf = iris(value, at: kp, what: "`partOf`")
                case "refinement": e.refinements = constraints(value, at: kp)
                default: e.extensions[key] = value
                }
            }
            return e
        default:
            wrongType(what, expected: "an IRI string or an object", found: json, at: path)
            return nil
        }
    }

    // MARK: Constraints

    mutating func constraints(_ json: JSONValue, at path: String) -> [ODRLConstraint] {
        let (items, paths) = list(json, at: path)
        var out: [ODRLConstraint] = []
        for (item, p) in zip(items, paths) {
            if let c = constraint(item, at: p) { out.append(c) }
        }
        return out
    }

    mutating func constraint(_ json: JSONValue, at path: String) -> ODRLConstraint? {
        guard case .object(let obj) = json else {
            wrongType("a constraint", expected: "a JSON object", found: json, at: path)
            return nil
        }
        let logicalKeys = ODRLVocabulary.LogicalOperator.allCases.filter { obj[$0.rawValue] != nil || obj["odrl:" + $0.rawValue] != nil }
        let atomicKeys = ["leftOperand", "operator", "rightOperand", "rightOperandReference"].filter { obj[$0] != nil || obj["odrl:" + $0] != nil }
        if logicalKeys.count > 1 || (!logicalKeys.isEmpty && !atomicKeys.isEmpty) {
            error("odrl.ambiguous_constraint",
                  "a constraint is either atomic (leftOperand, operator, rightOperand) or one logical constraint (and, or, xone, andSequence); this one mixes \((logicalKeys.map(\.rawValue) + atomicKeys).joined(separator: ", "))",
                  at: path, hint: "split it into separate constraints")
            return nil
        }
        if let lop = logicalKeys.first {
            var l = ODRLLogicalConstraint(lop, [])
            l.keyOrder = obj.keys
            for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
                let kp = path + "." + key
                switch ODRLVocabulary.shortName(key) {
                case lop.rawValue: l.operands = constraints(value, at: kp)
                case "uid", "@id": l.uid = iri(value, at: kp, what: "`\(key)`")
                default: l.extensions[key] = value
                }
            }
            return .logical(l)
        }
        var a = ODRLAtomicConstraint("", "", [])
        a.keyOrder = obj.keys
        for (rawKey, value) in obj {
            let key = odrlKey(rawKey)
            let kp = path + "." + key
            switch key {
            case "uid", "@id": a.uid = iri(value, at: kp, what: "`\(key)`")
            case "leftOperand", "odrl:leftOperand": a.leftOperand = iri(value, at: kp, what: "`leftOperand`").map(odrlTerm) ?? ""
            case "operator", "odrl:operator": a.operatorTerm = iri(value, at: kp, what: "`operator`").map(odrlTerm) ?? ""
            case "rightOperand", "odrl:rightOperand":
                (a.rightOperand, a.rightOperandIsList) = literals(value, at: kp)
            case "rightOperandReference", "odrl:rightOperandReference":
                a.rightOperandReference = iri(value, at: kp, what: "`rightOperandReference`")
            case "dataType", "odrl:dataType", "datatype", "odrl:datatype":
                a.dataType = iri(value, at: kp, what: "`dataType`").map(ODRLVocabulary.normalizedDataType)
            case "unit", "odrl:unit": a.unit = iri(value, at: kp, what: "`unit`")
            case "status", "odrl:status": a.status = value
            default:
                if key == "@type" || key == "type" { a.extensions[key] = value } else {
                    extensionKey(key, value, into: &a.extensions, at: kp, known: "a constraint")
                }
            }
        }
        return .atomic(a)
    }

    mutating func literals(_ json: JSONValue, at path: String) -> ([ODRLLiteral], Bool) {
        switch json {
        case .array(let items):
            var out: [ODRLLiteral] = []
            for (i, item) in items.enumerated() {
                if let l = literal(item, at: "\(path)[\(i)]") { out.append(l) }
            }
            return (out, true)
        case .object(let o) where o["@list"] != nil:
            return literals(o["@list"]!, at: path + ".@list")
        default:
            return (literal(json, at: path).map { [$0] } ?? [], false)
        }
    }

    mutating func literal(_ json: JSONValue, at path: String) -> ODRLLiteral? {
        switch json {
        case .string(let s): return .string(s)
        case .number(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .object(let o):
            if let v = o["@value"] {
                let lex: String
                switch v {
                case .string(let s): lex = s
                case .number(let d): lex = JSONValue.formatNumber(d)
                case .bool(let b): lex = b ? "true" : "false"
                default:
                    wrongType("`@value`", expected: "a string, number or boolean", found: v, at: path + ".@value")
                    return nil
                }
                if let t = o["@type"] {
                    guard let ts = iri(t, at: path + ".@type", what: "`@type`") else { return nil }
                    return .typed(lex, datatype: ODRLVocabulary.normalizedDataType(ts))
                }
                if let lang = o["@language"]?.stringValue { return .languageTagged(lex, language: lang) }
                if case .number(let d) = v { return .number(d) }
                if case .bool(let b) = v { return .bool(b) }
                return .string(lex)
            }
            if let id = o["@id"] ?? o["uid"], o.count == 1 {
                guard case .string(let s) = id else {
                    wrongType("an IRI", expected: "a string", found: id, at: path)
                    return nil
                }
                return .iri(s)
            }
            error("odrl.wrong_type", "a right operand object must be `{\"@value\": ..., \"@type\": ...}` or `{\"@id\": IRI}`",
                  at: path, category: .malformedInput)
            return nil
        default:
            wrongType("a right operand", expected: "a string, number, boolean or object", found: json, at: path)
            return nil
        }
    }

    // MARK: Values

    /// ODRL property keys, which may also be written `odrl:key` or with the full namespace.
    static let odrlKeys: Set<String> = [
        "permission", "prohibition", "obligation", "duty", "remedy", "consequence", "action", "target", "output",
        "assigner", "assignee", "constraint", "refinement", "leftOperand", "operator", "rightOperand",
        "rightOperandReference", "dataType", "unit", "status", "profile", "conflict", "inheritFrom", "source",
        "partOf", "and", "or", "xone", "andSequence", "uid",
    ]

    /// `odrl:permission` and the full IRI read as `permission`; other keys stay as written.
    func odrlKey(_ key: String) -> String {
        let s = ODRLVocabulary.shortName(key)
        if s != key, Reader.odrlKeys.contains(s) || ODRLRule.partyFunctionKeys.contains(s) { return s }
        return key
    }

    /// An ODRL vocabulary term written with the `odrl:` prefix or the full namespace, as its short
    /// name (the canonical compact form); any other term as written.
    func odrlTerm(_ t: String) -> String {
        let s = ODRLVocabulary.shortName(t)
        return s == t || s.isEmpty || s.contains(":") || s.contains("/") ? t : s
    }

    /// A single value or an array of them, with their paths.
    func list(_ json: JSONValue, at path: String) -> ([JSONValue], [String]) {
        switch json {
        case .array(let items): return (items, items.indices.map { "\(path)[\($0)]" })
        case .object(let o) where o["@list"] != nil && o.count == 1:
            return list(o["@list"]!, at: path + ".@list")
        default: return ([json], [path])
        }
    }

    /// An IRI: a string, or `{"@id": IRI}` / `{"uid": IRI}`.
    mutating func iri(_ json: JSONValue, at path: String, what: String) -> String? {
        switch json {
        case .string(let s):
            if s.isEmpty { error("odrl.invalid_iri", "\(what) is empty", at: path, category: .malformedInput); return nil }
            return s
        case .object(let o):
            if let id = o["@id"] ?? o["uid"], o.count == 1, case .string(let s) = id { return s }
            wrongType(what, expected: "an IRI string or `{\"@id\": IRI}`", found: json, at: path)
            return nil
        default:
            wrongType(what, expected: "an IRI string", found: json, at: path)
            return nil
        }
    }

    mutating func iris(_ json: JSONValue, at path: String, what: String) -> [String] {
        let (items, paths) = list(json, at: path)
        return zip(items, paths).compactMap { iri($0, at: $1, what: what) }
    }
}

/// Turns a flattened JSON-LD `@graph` into nested objects: node references (`"_:C1"`,
/// `{"uid": "_:C1"}`, or the id of another node in node-valued properties) are replaced by the node.
struct GraphEmbedder {
    let nodes: [JSONValue]
    var byID: [String: Int] = [:]

    static let nodeValuedKeys: Set<String> = [
        "permission", "prohibition", "obligation", "duty", "remedy", "consequence", "constraint", "refinement",
        "action", "and", "or", "xone", "andSequence", "target", "output", "assigner", "assignee",
    ]

    init(nodes: [JSONValue]) {
        self.nodes = nodes
        for (i, n) in nodes.enumerated() {
            if let id = (n["uid"] ?? n["@id"])?.stringValue { byID[id] = i }
        }
    }

    func policyRoots() -> [Int] {
        nodes.indices.filter { i in
            guard let t = (nodes[i]["@type"] ?? nodes[i]["type"]) else { return false }
            let types = t.arrayValue ?? [t]
            return types.contains { ODRLPolicyType(term: $0.stringValue ?? "") != nil }
        }
    }

    /// Nesting deeper than this (through references) is refused, like deep JSON.
    static let maximumDepth = 200
    /// Embedding more nodes than this (references repeated in a DAG) is refused.
    static let maximumNodes = 100_000

    /// Embedding state: nodes on the current path (cycles), depth and the running node count.
    final class Budget {
        var seen: Set<Int> = []
        var depth = 0
        var nodes = 0
        var exceeded = false
    }

    /// The policy node with every reference replaced by its node, or nil when the graph is too deep or large.
    func embed(index: Int) -> JSONValue? {
        let budget = Budget()
        budget.seen = [index]
        let v = embedNode(nodes[index], budget)
        // `JSONValue` is ExpressibleByNilLiteral: spell the optional's none out
        return budget.exceeded ? Optional<JSONValue>.none : Optional.some(v)
    }

    private func reference(_ v: JSONValue, nodeValued: Bool) -> Int? {
        var id: String?
        if case .string(let s) = v { id = s }
        if case .object(let o) = v, o.count == 1 { id = (o["uid"] ?? o["@id"])?.stringValue }
        guard let id, let idx = byID[id] else { return nil }
        return (id.hasPrefix("_:") || nodeValued) ? idx : nil
    }

    private func embedNode(_ node: JSONValue, _ b: Budget) -> JSONValue {
        guard case .object(let o) = node else { return node }
        var out = JSONObject()
        for (k, v) in o {
            if k == "uid" || k == "@id" {
                if let s = v.stringValue, s.hasPrefix("_:") { continue }  // blank node ids carry no meaning
                out[k] = v
                continue
            }
            let nodeValued = GraphEmbedder.nodeValuedKeys.contains(ODRLVocabulary.shortName(k))
            out[k] = embedValue(v, nodeValued: nodeValued, b)
        }
        return .object(out)
    }

    private func embedValue(_ v: JSONValue, nodeValued: Bool, _ b: Budget) -> JSONValue {
        if b.exceeded { return .null }
        if let idx = reference(v, nodeValued: nodeValued), !b.seen.contains(idx) {
            b.nodes += 1
            b.depth += 1
            if b.depth > GraphEmbedder.maximumDepth || b.nodes > GraphEmbedder.maximumNodes {
                b.exceeded = true
                return .null
            }
            b.seen.insert(idx)
            defer { b.seen.remove(idx); b.depth -= 1 }
            return embedNode(nodes[idx], b)
        }
        if case .array(let a) = v {
            return .array(a.map { embedValue($0, nodeValued: nodeValued, b) })
        }
        if case .object(let o) = v, o.count == 1, let list = o["@list"] {
            return .object(JSONObject([("@list", embedValue(list, nodeValued: nodeValued, b))]))
        }
        if case .object(let o) = v, o["@value"] == nil {
            // an inline node may itself refer to other nodes
            b.depth += 1
            defer { b.depth -= 1 }
            if b.depth > GraphEmbedder.maximumDepth { b.exceeded = true; return .null }
            return embedNode(v, b)
        }
        return v
    }
}
