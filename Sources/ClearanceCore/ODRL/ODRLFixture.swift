/// One case in the conformance fixture format of `shared/conformance/README.md`: policies,
/// a request, its context and state of the world, and the expected outcome.
public struct ODRLFixture: Sendable {
    /// An expected rule-level result.
    public struct ExpectedRule: Sendable, Hashable {
        public var rule: String
        public var kind: String
        public var match: Bool?
        public var activation: String
        public var deontic: String?
    }

    public var id: String
    public var title: String
    public var policies: [ODRLPolicy]
    /// The policies' JSON as written in the fixture (for round-trip checks).
    public var policyJSON: [JSONValue]
    /// `source_documents`: other JSON-LD forms of `policies[0]` (parse fixtures).
    public var sourceDocuments: [(form: String, json: JSONValue)]
    public var request: ODRLRequest?
    public var state: ODRLWorldState
    public var expectedDecision: ODRLDecision.Outcome?
    public var expectedRules: [ExpectedRule]
    public var ambiguous: Bool
    public var note: String?
    /// Warnings found while reading (errors make ``read(_:)`` throw).
    public var warnings: [Diagnostic]

    /// Reads a fixture from bytes. Throws every problem found (JSON syntax, wrong types, invalid
    /// policies, a context time that is not a time), each with its JSON path.
    public static func read(_ bytes: [UInt8]) throws(DiagnosticError) -> ODRLFixture {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw DiagnosticError(error) }
        return try read(json)
    }

    /// Reads a fixture from parsed JSON.
    public static func read(_ json: JSONValue) throws(DiagnosticError) -> ODRLFixture {
        var diags: [Diagnostic] = []
        func bad(_ code: String, _ message: String, _ path: String, category: Diagnostic.Category = .malformedInput) {
            diags.append(Diagnostic(code: code, message: message, location: path, category: category))
        }
        guard case .object(let o) = json else {
            throw DiagnosticError(Diagnostic(code: "fixture.wrong_type", message: "a fixture must be a JSON object, not a \(json.typeName)", location: "$"))
        }
        func string(_ key: String, required: Bool = true) -> String? {
            guard let v = o[key], !v.isNull else {
                if required { bad("fixture.missing_key", "the fixture has no `\(key)`", "$") }
                return nil
            }
            guard let s = v.stringValue else { bad("fixture.wrong_type", "`\(key)` must be a string, not a \(v.typeName)", "$.\(key)"); return nil }
            return s
        }
        var f = ODRLFixture(id: string("id", required: false) ?? "", title: string("title", required: false) ?? "",
                            policies: [], policyJSON: [], sourceDocuments: [], request: nil, state: .empty,
                            expectedDecision: nil, expectedRules: [], ambiguous: o["ambiguous"]?.boolValue ?? false,
                            note: o["note"]?.stringValue, warnings: [])
        // policies
        if let p = o["policies"] {
            if case .array(let items) = p {
                f.policyJSON = items
                for (i, item) in items.enumerated() {
                    let r = ODRLReader.read(item, path: "$.policies[\(i)]")
                    diags += r.diagnostics.filter { $0.severity == .error }
                    f.warnings += r.diagnostics.filter { $0.severity != .error }
                    f.policies += r.policies
                }
            } else { bad("fixture.wrong_type", "`policies` must be an array, not a \(p.typeName)", "$.policies") }
        } else { bad("fixture.missing_key", "the fixture has no `policies`", "$") }
        if case .object(let docs)? = o["source_documents"] {
            for (k, v) in docs { f.sourceDocuments.append((k, v)) }
        }
        // request
        if let r = o["request"], !r.isNull {
            if case .object(let ro) = r {
                func field(_ k: String) -> String? {
                    guard let v = ro[k], !v.isNull else { return nil }
                    guard let s = v.stringValue else { bad("fixture.wrong_type", "`\(k)` must be a string or null, not a \(v.typeName)", "$.request.\(k)"); return nil }
                    return s
                }
                let action = field("action")
                if action == nil, ro["action"] == nil || ro["action"]!.isNull { bad("fixture.missing_key", "the request has no `action`", "$.request") }
                var context = ODRLContext()
                if let c = o["context"], !c.isNull {
                    if case .object(let co) = c {
                        context = ODRLContext(json: co)
                        if let dt = co["dateTime"] {
                            if dt.stringValue.flatMap(ISOTime.parseDateTime) == nil {
                                bad("fixture.invalid_value", "`dateTime` must be an ISO 8601 date-time such as 2026-11-29T10:00:00Z", "$.context.dateTime")
                            }
                        }
                    } else { bad("fixture.wrong_type", "`context` must be an object, not a \(c.typeName)", "$.context") }
                }
                f.request = ODRLRequest(assignee: field("assignee"), action: action ?? "", target: field("target"), context: context)
            } else { bad("fixture.wrong_type", "`request` must be an object or null, not a \(r.typeName)", "$.request") }
        }
        // state
        if let s = o["state"], !s.isNull {
            if case .object(let so) = s {
                func collections(_ key: String) -> [String: Set<String>] {
                    guard let v = so[key], !v.isNull else { return [:] }
                    guard case .object(let m) = v else { bad("fixture.wrong_type", "`\(key)` must be an object", "$.state.\(key)"); return [:] }
                    var out: [String: Set<String>] = [:]
                    for (k, members) in m {
                        guard let arr = members.arrayValue, arr.allSatisfy({ $0.stringValue != nil }) else {
                            bad("fixture.wrong_type", "the members of `\(k)` must be an array of IRI strings", "$.state.\(key).\(k)")
                            continue
                        }
                        out[k] = Set(arr.compactMap(\.stringValue))
                    }
                    return out
                }
                f.state.partyCollections = collections("partyCollections")
                f.state.assetCollections = collections("assetCollections")
                if case .object(let d)? = so["duties"] {
                    for (k, v) in d {
                        guard let st = v.stringValue.flatMap(ODRLDutyState.init(rawValue:)) else {
                            bad("fixture.invalid_value", "a duty state must be Fulfilled, Violated or NotSet", "$.state.duties.\(k)")
                            continue
                        }
                        f.state.duties[k] = st
                    }
                } else if let d = so["duties"], !d.isNull {
                    bad("fixture.wrong_type", "`duties` must be an object", "$.state.duties")
                }
            } else { bad("fixture.wrong_type", "`state` must be an object or null, not a \(s.typeName)", "$.state") }
        }
        // expected
        if case .object(let e)? = o["expected"] {
            if let d = e["decision"]?.stringValue {
                f.expectedDecision = ODRLDecision.Outcome(rawValue: d)
                if f.expectedDecision == nil { bad("fixture.invalid_value", "`decision` must be permit, deny or not_applicable", "$.expected.decision") }
            }
            for (i, r) in (e["rules"]?.arrayValue ?? []).enumerated() {
                guard let rule = r["rule"]?.stringValue, let kind = r["kind"]?.stringValue, let act = r["activation"]?.stringValue else {
                    bad("fixture.wrong_type", "an expected rule needs `rule`, `kind` and `activation` strings", "$.expected.rules[\(i)]")
                    continue
                }
                f.expectedRules.append(ExpectedRule(rule: rule, kind: kind, match: r["match"]?.boolValue, activation: act,
                                                    deontic: r["deontic"]?.stringValue))
            }
        }
        if !diags.isEmpty { throw DiagnosticError(diags) }
        return f
    }

    /// Evaluates the fixture's request against its policies (nil for parse-only fixtures).
    public func evaluate(options: ODRLEvaluationOptions = .standard) throws(DiagnosticError) -> ODRLDecision? {
        guard let request else { return nil }
        return try ODRLPolicySet(policies, options: options).evaluate(request, state: state)
    }

    /// The differences between a decision and this fixture's expectations (empty: it passes).
    public func mismatches(_ d: ODRLDecision) -> [String] {
        var out: [String] = []
        if let e = expectedDecision, e != d.outcome {
            out.append("decision: expected \(e.rawValue), got \(d.outcome.rawValue) (\(d.reason))")
        }
        for e in expectedRules {
            guard let t = d.rules.first(where: { $0.rule == e.rule && $0.kind.rawValue == e.kind }) else {
                out.append("rule \(e.rule) (\(e.kind)): no trace entry")
                continue
            }
            if let m = e.match, t.match != m { out.append("rule \(e.rule): match expected \(m), got \(t.match.map(String.init) ?? "nil")") }
            if t.activation.rawValue != e.activation {
                out.append("rule \(e.rule): activation expected \(e.activation), got \(t.activation.rawValue) — \(t.why.joined(separator: " | "))")
            }
            if let dn = e.deontic, t.deontic?.rawValue != dn {
                out.append("rule \(e.rule): deontic expected \(dn), got \(t.deontic?.rawValue ?? "nil")")
            }
        }
        return out
    }
}
