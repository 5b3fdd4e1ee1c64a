import ClearanceCore
import Foundation
import Testing

/// One small case from `Data/engine-cases.json`.
struct EngineCase: CustomTestStringConvertible, Sendable {
    let json: JSONValue
    var name: String { json["name"]?.stringValue ?? "?" }
    var testDescription: String { name }

    static let all: [EngineCase] = (TestResources.json(TestResources.data.appendingPathComponent("engine-cases.json"))["cases"]?
        .arrayValue ?? []).map(EngineCase.init)

    /// The case's policies (a `constraint` becomes a permission to use `urn:t`).
    func policies() throws -> [ODRLPolicy] {
        if let c = json["constraint"] {
            return [try ODRLReader.readPolicy(["@type": "Set", "uid": "urn:test:policy",
                                               "permission": [["uid": "urn:r:1", "action": "use", "target": "urn:t", "constraint": [c]]]])]
        }
        if let p = json["policy"] { return [try ODRLReader.readPolicy(p)] }
        return try (json["policies"]?.arrayValue ?? []).map { try ODRLReader.readPolicy($0) }
    }

    var request: ODRLRequest {
        let r = json["request"]?.objectValue ?? JSONObject()
        func field(_ k: String, _ d: String?) -> String? {
            guard let v = r[k] else { return d }
            return v.stringValue
        }
        return ODRLRequest(assignee: field("assignee", "urn:a"), action: field("action", "use") ?? "use",
                           target: field("target", "urn:t"), context: ODRLContext(json: json["context"]?.objectValue ?? JSONObject()))
    }

    var state: ODRLWorldState {
        var s = ODRLWorldState()
        let o = json["state"]?.objectValue ?? JSONObject()
        for (k, v) in o["partyCollections"]?.objectValue ?? JSONObject() { s.partyCollections[k] = Set(v.arrayValue?.compactMap(\.stringValue) ?? []) }
        for (k, v) in o["assetCollections"]?.objectValue ?? JSONObject() { s.assetCollections[k] = Set(v.arrayValue?.compactMap(\.stringValue) ?? []) }
        for (k, v) in o["duties"]?.objectValue ?? JSONObject() { s.duties[k] = ODRLDutyState(rawValue: v.stringValue ?? "") }
        return s
    }

    var options: ODRLEvaluationOptions {
        ODRLEvaluationOptions(pendingDuties: json["options"]?["pendingDuties"]?.stringValue.flatMap { .init(rawValue: $0) } ?? .block)
    }
}

/// Operators, logical constraints, the action hierarchy, duties, conflict strategies and fail-closed
/// behaviour, one small case each (see `Data/engine-cases.json`).
@Suite struct EngineCaseTests {
    @Test func thereAreCases() { #expect(EngineCase.all.count > 100) }

    @Test(arguments: EngineCase.all)
    func engineCase(_ c: EngineCase) throws {
        let set = try ODRLPolicySet(try c.policies(), options: c.options)
        let d = set.evaluate(c.request, state: c.state)
        #expect(d.outcome.rawValue == c.json["expect"]?.stringValue, "\(c.name): \(d.reason)")
        // the fast path agrees with the explained one
        #expect(set.outcome(c.request, state: c.state) == d.outcome)
        if let a = c.json["activation"]?.stringValue {
            #expect(d.rules.first?.activation.rawValue == a, "\(c.name): \(d.rules.first?.why ?? [])")
        }
        if let words = c.json["reasonContains"]?.stringValue {
            let all = ([d.reason] + d.rules.flatMap(\.why)).joined(separator: " | ")
            #expect(all.contains(words), "\(c.name): `\(words)` not in: \(all)")
        }
        for r in c.json["rules"]?.arrayValue ?? [] {
            let t = d.trace(for: r["rule"]?.stringValue ?? "")
            #expect(t != nil, "\(c.name): no trace for \(r)")
            if let a = r["activation"]?.stringValue { #expect(t?.activation.rawValue == a, "\(c.name)") }
            if let dn = r["deontic"]?.stringValue { #expect(t?.deontic?.rawValue == dn, "\(c.name)") }
        }
    }

    @Test func evaluationIsDeterministic() throws {
        for c in EngineCase.all.prefix(40) {
            let set = try ODRLPolicySet(try c.policies(), options: c.options)
            #expect(set.evaluate(c.request, state: c.state) == set.evaluate(c.request, state: c.state))
        }
    }

    @Test func everyOperatorAndLogicalConstraintIsCovered() throws {
        let text = TestResources.json(TestResources.data.appendingPathComponent("engine-cases.json")).serialized()
        for op in ODRLVocabulary.Operator.allCases {
            #expect(text.contains("\"operator\":\"\(op.rawValue)\""), "no case for \(op.rawValue)")
        }
        for op in ODRLVocabulary.LogicalOperator.allCases {
            #expect(text.contains("\"\(op.rawValue)\":["), "no case for \(op.rawValue)")
        }
        for s in ODRLConflictStrategy.allCases {
            #expect(text.contains("\"conflict\":\"\(s.rawValue)\""), "no case for conflict \(s.rawValue)")
        }
    }
}
