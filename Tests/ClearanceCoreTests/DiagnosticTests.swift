import ClearanceCore
import Foundation
import Testing

/// One file of `Data/bad-policies/` and the diagnostic it must produce.
struct BadPolicy: CustomTestStringConvertible, Sendable {
    let file: String
    let code: String
    let path: String?
    let severity: String
    var testDescription: String { "\(file) -> \(code)" }

    static let all: [BadPolicy] = {
        let index = TestResources.json(TestResources.data.appendingPathComponent("bad-policies/index.json"))
        return (index["cases"]?.arrayValue ?? []).map {
            BadPolicy(file: $0["file"]?.stringValue ?? "", code: $0["code"]?.stringValue ?? "",
                      path: $0["path"]?.stringValue, severity: $0["severity"]?.stringValue ?? "error")
        }
    }()

    var bytes: [UInt8] { TestResources.bytes(TestResources.data.appendingPathComponent("bad-policies/\(file)")) }
}

/// Each diagnostic code of the reader and validator, from a bad-policy file: code, JSON path, severity;
/// a policy with an error is never usable for a decision.
@Suite struct DiagnosticTests {
    @Test(arguments: BadPolicy.all)
    func badPolicy(_ b: BadPolicy) throws {
        let r = ODRLReader.read(b.bytes)
        let found = r.diagnostics.filter { $0.code == b.code }
        #expect(!found.isEmpty, "\(b.file): expected \(b.code), got \(r.diagnostics.map(\.description))")
        if let path = b.path {
            #expect(found.contains { $0.location == path }, "\(b.file): \(b.code) at \(found.map { $0.location ?? "-" }), expected \(path)")
        }
        #expect(found.allSatisfy { $0.severity.rawValue == b.severity })
        #expect(found.allSatisfy { !$0.message.isEmpty })
        if b.severity == "error" {
            #expect(r.hasErrors)
            // no partial result: nothing to evaluate
            #expect(r.policies.isEmpty)
        } else {
            #expect(!r.hasErrors, "\(b.file): \(r.diagnostics.map(\.description))")
        }
    }

    @Test func everyODRLCodeHasABadPolicy() {
        let covered = Set(BadPolicy.all.map(\.code))
        for (code, _) in ODRLDiagnosticCodes.all where code != "odrl.not_one_policy" {
            #expect(covered.contains(code), "no bad-policy file for \(code)")
        }
        for b in BadPolicy.all where b.code.hasPrefix("odrl.") {
            #expect(ODRLDiagnosticCodes.all[b.code] != nil, "\(b.code) is not in ODRLDiagnosticCodes")
            #expect(ODRLDiagnosticCodes.all[b.code]?.severity.rawValue == b.severity)
        }
    }

    @Test func oneDiagnosticPerProblem() throws {
        let json: JSONValue = ["@type": "Set", "uid": "urn:p", "permission": [
            ["uid": "urn:r:1", "action": "republish",
             "constraint": [["leftOperand": "territory", "operator": "below", "rightOperand": 5],
                            ["leftOperand": "dateTime", "operator": "lt", "rightOperand": ["@value": "yesterday", "@type": "xsd:date"]]]],
        ]]
        let r = ODRLReader.read(json)
        let codes = r.diagnostics.filter { $0.severity == .error }.map(\.code).sorted()
        #expect(codes == ["odrl.invalid_literal", "odrl.unknown_action", "odrl.unknown_left_operand", "odrl.unknown_operator"])
    }

    @Test func readPolicyRequiresExactlyOne() {
        #expect(throws: DiagnosticError.self) { try ODRLReader.readPolicy([["@type": "Set", "uid": "urn:a", "permission": [["action": "use"]]],
                                                                           ["@type": "Set", "uid": "urn:b", "permission": [["action": "use"]]]]) }
    }

    @Test func extensionKeysAndTermsAreAccepted() throws {
        let json: JSONValue = ["@context": ["http://www.w3.org/ns/odrl.jsonld", ["clr": "urn:clearance:"]],
                               "@type": "Agreement", "uid": "urn:p", "assigner": "urn:agency", "assignee": "urn:sub",
                               "clr:formatVersion": 1, "clr:notice": "All rights reserved.",
                               "permission": [["uid": "urn:r:1", "action": "clr:syndicate", "clr:provenance": ["sentence": 2],
                                               "constraint": [["leftOperand": "clr:extent", "operator": "ex:near", "rightOperand": "x"]]]]]
        let r = ODRLReader.read(json)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let p = try #require(r.policies.first)
        #expect(p.extensions["clr:notice"] == "All rights reserved.")
        #expect(p.permissions[0].extensions["clr:provenance"] == ["sentence": 2])
        #expect(ODRLWriter.json(p) == json)
    }

    @Test func hugeAndHostileInputsGiveDiagnostics() {
        // many policies in one array
        let many = JSONValue.array(Array(repeating: ["@type": "Set", "uid": "urn:p", "permission": [["action": "use"]]], count: 20_000))
        let r = ODRLReader.read(Array(many.serialized().utf8))
        #expect(!r.hasErrors)
        #expect(r.policies.count == 20_000)
        // deep nesting of logical constraints stays within the parser's limit
        var c: JSONValue = ["leftOperand": "count", "operator": "lt", "rightOperand": 5]
        for _ in 0..<60 { c = ["and": [c]] }
        let deep = ODRLReader.read(["@type": "Set", "uid": "urn:p", "permission": [["action": "use", "constraint": [c]]]])
        #expect(!deep.hasErrors)
        // a flattened graph whose references repeat (a DAG) would expand exponentially: refused
        var nodes: [JSONValue] = [["uid": "urn:p", "type": "Set", "permission": ["action": "use", "constraint": "_:c0"]]]
        for i in 0..<40 { nodes.append(["uid": .string("_:c\(i)"), "and": [.string("_:c\(i + 1)"), .string("_:c\(i + 1)")]]) }
        nodes.append(["uid": "_:c40", "leftOperand": "count", "operator": "lt", "rightOperand": 5])
        let dag = ODRLReader.read(["@graph": .array(nodes)])
        #expect(dag.diagnostics.contains { $0.code == "odrl.graph_too_large" })
        #expect(dag.policies.isEmpty)
        // random bytes never crash
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = ODRLReader.read(bytes)
        }
    }
}

/// Keys written with the `odrl:` prefix or the full namespace are the same properties.
@Suite struct PrefixedKeyTests {
    @Test func prefixedRuleKeysAreRead() throws {
        let p = try ODRLReader.readPolicy([
            "@type": "Set", "uid": "urn:p",
            "odrl:permission": [["action": "use"]],
            "http://www.w3.org/ns/odrl/2/prohibition": [["odrl:action": "distribute"]],
        ])
        #expect(p.permissions.count == 1)
        #expect(p.prohibitions.count == 1)
        let d = try ODRLPolicySet([p]).evaluate(ODRLRequest(assignee: nil, action: "distribute", target: nil))
        #expect(d.outcome == .deny)
    }

    @Test func unknownOdrlPrefixedKeyIsAWarning() {
        let r = ODRLReader.read(["@type": "Set", "uid": "urn:p", "permission": [["action": "use"]], "odrl:prohibitions": [["action": "use"]]])
        #expect(r.diagnostics.contains { $0.code == "odrl.unknown_property" && $0.location == "$.odrl:prohibitions" })
    }
}
