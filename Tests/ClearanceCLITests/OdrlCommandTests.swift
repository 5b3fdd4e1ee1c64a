import ArgumentParser
import ClearanceCLI
import ClearanceCore
import Foundation
import Testing

/// `clearance odrl evaluate`, `policy validate` and `policy show`, run in-process: exit statuses.
@Suite struct OdrlCommandTests {
    static let conformance = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ClearanceCoreTests/Fixtures/conformance").standardized
    static let badPolicies = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ClearanceCoreTests/Data/bad-policies").standardized

    /// Runs the command line and returns its exit status.
    static func status(_ args: [String]) -> Int32 {
        do {
            var command = try ClearanceCommand.parseAsRoot(args)
            try command.run()
            return 0
        } catch let e as ExitCode {
            return e.rawValue
        } catch {
            return ClearanceCommand.exitCode(for: error).rawValue
        }
    }

    static func temp(_ name: String, _ bytes: [UInt8]) -> String {
        let url = URL(fileURLWithPath: TestScratch.root).appendingPathComponent("odrl-\(UUID().uuidString)-\(name)")
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data(bytes)))
        return url.path
    }

    static func fixture(_ f: String) -> String { conformance.appendingPathComponent(f).path }

    @Test func evaluateExitStatusFollowsTheDecision() {
        #expect(Self.status(["odrl", "evaluate", Self.fixture("w3c-formal-semantics/w3c-fs-a11.json")]) == 0)
        #expect(Self.status(["odrl", "evaluate", Self.fixture("w3c-formal-semantics/w3c-fs-a12.json")]) == 1)
        #expect(Self.status(["odrl", "evaluate", Self.fixture("solidlab/solidlab-010.json")]) == 2)
        #expect(Self.status(["odrl", "evaluate", "--format", "text", Self.fixture("solidlab/solidlab-062.json")]) == 0)
    }

    @Test func pendingDutiesOption() {
        #expect(Self.status(["odrl", "evaluate", Self.fixture("rightsml/rightsml-03.json")]) == 1)
        #expect(Self.status(["odrl", "evaluate", "--pending-duties", "allow", Self.fixture("rightsml/rightsml-03.json")]) == 0)
        #expect(Self.status(["odrl", "evaluate", "--pending-duties", "maybe", Self.fixture("rightsml/rightsml-03.json")]) == 64)
    }

    @Test func evaluateBadInput() {
        #expect(Self.status(["odrl", "evaluate", "/nonexistent/fixture.json"]) == 66)
        #expect(Self.status(["odrl", "evaluate", Self.temp("empty.json", [])]) == 65)
        #expect(Self.status(["odrl", "evaluate", Self.temp("garbage.json", Array("not json".utf8))]) == 65)
        #expect(Self.status(["odrl", "evaluate", Self.temp("utf8.json", [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])]) == 65)
        #expect(Self.status(["odrl", "evaluate", Self.fixture("rightsml-examples/rightsml-example-im-ex13.json")]) == 65)
        let wrongTypes = #"{"policies": 5, "request": {"action": 3}, "context": null, "state": null, "expected": null}"#
        #expect(Self.status(["odrl", "evaluate", Self.temp("types.json", Array(wrongTypes.utf8))]) == 65)
        let badDate = #"{"policies": [], "request": {"assignee": null, "action": "read", "target": "urn:x"}, "context": {"dateTime": "tuesday"}, "state": null, "expected": null}"#
        #expect(Self.status(["odrl", "evaluate", Self.temp("date.json", Array(badDate.utf8))]) == 65)
        let invalidPolicy = #"{"policies": [{"@type": "Set", "uid": "urn:p", "permission": [{"action": "republish"}]}], "request": {"assignee": null, "action": "read", "target": "urn:x"}, "context": {}, "state": null, "expected": null}"#
        #expect(Self.status(["odrl", "evaluate", Self.temp("invalid.json", Array(invalidPolicy.utf8))]) == 78)
    }

    @Test func validateExitStatuses() {
        let good = Self.temp("good.json", Array(#"{"@type": "Set", "uid": "urn:p", "permission": [{"action": "use"}]}"#.utf8))
        #expect(Self.status(["policy", "validate", good]) == 0)
        #expect(Self.status(["policy", "validate", "--format", "json", good]) == 0)
        #expect(Self.status(["policy", "validate", Self.badPolicies.appendingPathComponent("unknown-action.json").path]) == 78)
        #expect(Self.status(["policy", "validate", Self.badPolicies.appendingPathComponent("json-syntax.json").path]) == 65)
        #expect(Self.status(["policy", "validate", Self.badPolicies.appendingPathComponent("json-empty.json").path]) == 65)
        #expect(Self.status(["policy", "validate", "/nonexistent/policy.json"]) == 66)
        #expect(Self.status(["policy", "validate", good, Self.badPolicies.appendingPathComponent("unknown-action.json").path]) == 78)
        #expect(Self.status(["policy", "validate", good, "/nonexistent/policy.json",
                             Self.badPolicies.appendingPathComponent("json-syntax.json").path]) == 66)
        // warnings alone keep a policy valid
        #expect(Self.status(["policy", "validate", Self.badPolicies.appendingPathComponent("missing-uid.json").path]) == 0)
    }

    @Test func showPrintsPolicies() {
        let good = Self.temp("show.json", Array(#"{"@type": "Offer", "uid": "urn:p", "assigner": "urn:agency", "permission": [{"action": "reproduce", "constraint": [{"leftOperand": "dateTime", "operator": "lt", "rightOperand": {"@value": "2027-01-01", "@type": "xsd:date"}}]}]}"#.utf8))
        #expect(Self.status(["policy", "show", good]) == 0)
        #expect(Self.status(["policy", "show", "--format", "json", good]) == 0)
        #expect(Self.status(["policy", "show", Self.badPolicies.appendingPathComponent("unknown-action.json").path]) == 78)
    }
}
