/// Writes ``ODRLPolicy`` values as ODRL 2.2 JSON-LD in compact form.
///
/// Rule lists, constraints and refinements are written as arrays (the canonical form of
/// `shared/conformance/README.md`); terms are written as they were read; extension keys are
/// written back; keys keep the order they were read in (new keys go where the canonical order puts them).
public enum ODRLWriter {
    /// The policy as a JSON value.
    public static func json(_ p: ODRLPolicy) -> JSONValue {
        var o = JSONObject()
        if let ctx = p.extensions["@context"] { o["@context"] = ctx }
        o["@type"] = .string(p.type)
        if let u = p.uid { o["uid"] = .string(u) }
        if !p.profiles.isEmpty { o["profile"] = iris(p.profiles) }
        if let c = p.conflict { o["conflict"] = .string(c) }
        if !p.inheritFrom.isEmpty { o["inheritFrom"] = iris(p.inheritFrom) }
        if !p.targets.isEmpty { o["target"] = entities(p.targets) }
        if !p.actions.isEmpty { o["action"] = actions(p.actions) }
        if !p.assigners.isEmpty { o["assigner"] = entities(p.assigners) }
        if !p.assignees.isEmpty { o["assignee"] = entities(p.assignees) }
        if !p.permissions.isEmpty { o["permission"] = .array(p.permissions.map(rule)) }
        if !p.prohibitions.isEmpty { o["prohibition"] = .array(p.prohibitions.map(rule)) }
        if !p.obligations.isEmpty { o["obligation"] = .array(p.obligations.map(rule)) }
        for (k, v) in p.extensions where k != "@context" { o[k] = v }
        return .object(ordered(o, p.keyOrder, aliases: ["type": "@type", "@id": "uid"]))
    }

    /// The policy as JSON text (pretty by default).
    public static func text(_ p: ODRLPolicy, pretty: Bool = true) -> String {
        json(p).serialized(pretty: pretty)
    }

    static func rule(_ r: ODRLRule) -> JSONValue {
        var o = JSONObject()
        if let u = r.uid { o["uid"] = .string(u) }
        if !r.targets.isEmpty { o["target"] = entities(r.targets) }
        if !r.outputs.isEmpty { o["output"] = entities(r.outputs) }
        if !r.actions.isEmpty { o["action"] = actions(r.actions) }
        if !r.assigners.isEmpty { o["assigner"] = entities(r.assigners) }
        if !r.assignees.isEmpty { o["assignee"] = entities(r.assignees) }
        for key in ODRLRule.partyFunctionKeys { if let l = r.otherParties[key], !l.isEmpty { o[key] = entities(l) } }
        if !r.constraints.isEmpty { o["constraint"] = .array(r.constraints.map(constraint)) }
        if !r.duties.isEmpty { o["duty"] = .array(r.duties.map(rule)) }
        if !r.remedies.isEmpty { o["remedy"] = .array(r.remedies.map(rule)) }
        if !r.consequences.isEmpty { o["consequence"] = .array(r.consequences.map(rule)) }
        for (k, v) in r.extensions { o[k] = v }
        return .object(ordered(o, r.keyOrder, aliases: ["@id": "uid"]))
    }

    static func actions(_ list: [ODRLAction]) -> JSONValue {
        if list.count == 1, !list[0].writtenAsNode { return .string(list[0].name) }
        return .array(list.map { a in
            guard a.writtenAsNode else { return .string(a.name) }
            var o = JSONObject()
            if let u = a.uid { o["uid"] = .string(u) }
            let term: String
            if let c = a.canonicalName, ODRLVocabulary.isODRLAction(c), !a.name.contains(":") {
                term = "odrl:" + a.name
            } else {
                term = a.name
            }
            o["rdf:value"] = .object(JSONObject([("@id", .string(term))]))
            if !a.refinements.isEmpty { o["refinement"] = .array(a.refinements.map(constraint)) }
            for (k, v) in a.extensions { o[k] = v }
            return .object(ordered(o, a.keyOrder, aliases: ["@id": "uid", "value": "rdf:value", "odrl:value": "rdf:value"]))
        })
    }

    static func entities(_ list: [ODRLEntity]) -> JSONValue {
        let values: [JSONValue] = list.map { e in
            if e.isPlainReference, let u = e.uid { return .string(u) }
            var o = JSONObject()
            if let t = e.type { o["@type"] = .string(t) }
            if let u = e.uid { o["uid"] = .string(u) }
            if let s = e.source { o["source"] = .string(s) }
            if !e.partOf.isEmpty { o["partOf"] = iris(e.partOf) }
            if !e.refinements.isEmpty { o["refinement"] = .array(e.refinements.map(constraint)) }
            for (k, v) in e.extensions { o[k] = v }
            return .object(ordered(o, e.keyOrder, aliases: ["type": "@type", "@id": "uid"]))
        }
        return values.count == 1 ? values[0] : .array(values)
    }

    /// A constraint or refinement as JSON.
    public static func constraint(_ c: ODRLConstraint) -> JSONValue {
        switch c {
        case .logical(let l):
            var o = JSONObject()
            if let u = l.uid { o["uid"] = .string(u) }
            o[l.op.rawValue] = .array(l.operands.map(constraint))
            for (k, v) in l.extensions { o[k] = v }
            return .object(ordered(o, l.keyOrder, aliases: ["@id": "uid", "odrl:" + l.op.rawValue: l.op.rawValue]))
        case .atomic(let a):
            var o = JSONObject()
            if let u = a.uid { o["uid"] = .string(u) }
            o["leftOperand"] = .string(a.leftOperand)
            o["operator"] = .string(a.operatorTerm)
            if !a.rightOperand.isEmpty || a.rightOperandReference == nil {
                let values = a.rightOperand.map(literal)
                o["rightOperand"] = a.rightOperandIsList || values.count != 1 ? .array(values) : values[0]
            }
            if let r = a.rightOperandReference { o["rightOperandReference"] = .string(r) }
            if let d = a.dataType { o["dataType"] = .string(d) }
            if let u = a.unit { o["unit"] = .string(u) }
            if let s = a.status { o["status"] = s }
            for (k, v) in a.extensions { o[k] = v }
            return .object(ordered(o, a.keyOrder, aliases: [
                "@id": "uid", "odrl:leftOperand": "leftOperand", "odrl:operator": "operator",
                "odrl:rightOperand": "rightOperand", "odrl:dataType": "dataType", "datatype": "dataType",
                "odrl:datatype": "dataType", "odrl:unit": "unit", "odrl:status": "status",
                "odrl:rightOperandReference": "rightOperandReference",
            ]))
        }
    }

    static func literal(_ l: ODRLLiteral) -> JSONValue {
        switch l {
        case .string(let s): .string(s)
        case .typed(let v, let t): .object(JSONObject([("@value", .string(v)), ("@type", .string(t))]))
        case .iri(let i): .object(JSONObject([("@id", .string(i))]))
        case .number(let d): .number(d)
        case .bool(let b): .bool(b)
        case .languageTagged(let v, let l): .object(JSONObject([("@value", .string(v)), ("@language", .string(l))]))
        }
    }

    static func iris(_ list: [String]) -> JSONValue {
        list.count == 1 ? .string(list[0]) : .array(list.map { .string($0) })
    }

    /// Reorders `o` to follow `order` (keys as read, with aliases mapped to the written key); others keep their place after.
    static func ordered(_ o: JSONObject, _ order: [String], aliases: [String: String]) -> JSONObject {
        guard !order.isEmpty else { return o }
        var out = JSONObject()
        for k in order {
            let key = aliases[k] ?? k
            if out[key] == nil, let v = o[key] { out[key] = v }
        }
        for (k, v) in o where out[k] == nil { out[k] = v }
        return out
    }
}

extension JSONValue {
    /// The same JSON with every array sorted by content (recursively): for comparing
    /// documents in which array order carries no meaning, as in ODRL's JSON-LD sets.
    public func sortingArrays() -> JSONValue {
        switch self {
        case .array(let a):
            let items = a.map { $0.sortingArrays() }
            return .array(items.sorted { $0.serialized(sortedKeys: true) < $1.serialized(sortedKeys: true) })
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = v.sortingArrays() }
            return .object(out)
        default: return self
        }
    }
}
