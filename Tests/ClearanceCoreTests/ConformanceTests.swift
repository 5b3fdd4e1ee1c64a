import ClearanceCore
import Foundation
import Testing

/// Runs every case of `shared/conformance/` (copied under Fixtures/conformance) at both levels:
/// the decision and each rule's match / activation / deontic state.
@Suite struct ConformanceTests {
    static let ambiguous: JSONObject = TestResources.json(TestResources.data.appendingPathComponent("ambiguous-readings.json"))["cases"]?.objectValue ?? JSONObject()

    @Test func allFixturesArePresent() {
        #expect(TestResources.evaluationFixtures.count == 86)
        #expect(TestResources.parseFixtures.count == 7)
    }

    @Test(arguments: TestResources.evaluationFixtures)
    func evaluationFixture(_ name: String) throws {
        let f = try TestResources.fixture(name)
        let decision = try #require(try f.evaluate())
        if f.ambiguous {
            // reported separately: our reading, and the upstream's under the other option
            let reading = try #require(Self.ambiguous[f.id], "ambiguous fixture \(f.id) has no recorded reading")
            #expect(decision.outcome.rawValue == reading["decision"]?.stringValue, "\(f.id): \(decision.reason)")
            let upstream = try #require(try f.evaluate(options: ODRLEvaluationOptions(pendingDuties: .allow)))
            #expect(f.mismatches(upstream).isEmpty, "\(f.id) under pendingDuties .allow: \(f.mismatches(upstream))")
        } else {
            let problems = f.mismatches(decision)
            #expect(problems.isEmpty, "\(f.id): \(problems.joined(separator: "; "))")
        }
    }

    @Test func ambiguousFixturesAreExactlyTheMarkedOnes() throws {
        let marked = try TestResources.evaluationFixtures.map(TestResources.fixture).filter(\.ambiguous).map(\.id).sorted()
        #expect(marked == Self.ambiguous.keys.sorted())
    }

    /// Parse fixtures: `policies[0]` round-trips through the writer, and every source document
    /// (flattened `@graph` with blank nodes, nested compact form) reads to the same policy.
    @Test(arguments: TestResources.parseFixtures)
    func roundTrip(_ name: String) throws {
        let f = try TestResources.fixture(name)
        let canonical = try #require(f.policyJSON.first)
        let policy = try #require(f.policies.first)
        #expect(ODRLWriter.json(policy) == canonical, "writing \(f.id) changes it")
        let reread = try ODRLReader.readPolicy(try JSONParser.parse(ODRLWriter.text(policy)))
        #expect(reread == policy)
        #expect(!f.sourceDocuments.isEmpty)
        for (form, doc) in f.sourceDocuments {
            var p = try ODRLReader.readPolicy(doc)
            p.extensions["@context"] = nil
            let got = ODRLWriter.json(p).sortingArrays()
            let want = canonical.sortingArrays()
            #expect(got == want, "\(f.id) \(form): \(got.serialized(sortedKeys: true)) != \(want.serialized(sortedKeys: true))")
        }
    }

    /// Every evaluation fixture's policies round-trip too.
    @Test(arguments: TestResources.evaluationFixtures)
    func evaluationPoliciesRoundTrip(_ name: String) throws {
        let f = try TestResources.fixture(name)
        for (p, json) in zip(f.policies, f.policyJSON) {
            #expect(ODRLWriter.json(p) == json)
        }
    }
}
