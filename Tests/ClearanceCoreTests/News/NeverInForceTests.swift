import ClearanceCore
import Testing

/// Agreements that can never be in force (a subscription signed after its term ended or after its
/// termination, a termination on or before the term's start) are legal data: preparation accepts
/// them and the engine denies every use with the reason DESIGN.md rule 3 makes apply first.
@Suite struct NeverInForceTests {
    static func notice() throws -> NoticeTerms {
        try NoticeTerms(source: "ilkha", policy: try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json")))
    }

    /// Each contradiction shape, at times before, inside and after the term: deny with the expected code.
    @Test func contradictoryAgreementsDenyWithTheRuleThreeReason() throws {
        let notice = try Self.notice()
        let cases = try NewsFixtures.json("never-in-force-cases.json").arrayValue ?? []
        #expect(cases.count >= 15)
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            let (agreement, diags) = Agreement.parse(c["agreement"] ?? .null)
            #expect(diags.filter { $0.severity == .error }.isEmpty, "case `\(name)`: \(diags)")
            let a = try #require(agreement, "case `\(name)`")
            // The compiled policy really is contradictory: the plain validator refuses it (an agreement
            // without grants has no permission; its activity probe carries the contradiction).
            #expect(a.grants.isEmpty || ODRLValidator.validate(a.odrlModel()).contains { $0.code == "odrl.contradictory_constraints" }, "case `\(name)`")
            let prepared: PreparedAgreement
            do { prepared = try PreparedAgreement(a) } catch {
                Issue.record("case `\(name)`: preparation refused the agreement: \(error)")
                continue
            }
            let request: JSONValue = .object(JSONObject([
                ("id", "r"), ("subscriber", "neverco"), ("source", "ilkha"),
                ("asset", .object(JSONObject([("id", "a"), ("kind", "text")]))),
                ("channel", "web"), ("territory", "LB"), ("at", c["at"] ?? .null),
            ]))
            let req = try #require(RepublicationRequest.parse(request, now: nil).0, "case `\(name)`")
            let d = NewsDecider(notice: notice, agreements: [prepared]).decide(req)
            #expect(d.verdict == .deny, "case `\(name)`: \(d.jsonText)")
            #expect(d.reasons.map(\.code) == [c["code"]?.stringValue ?? "?"], "case `\(name)`: \(d.jsonText)")
            #expect(d.reasons.allSatisfy { $0.agreement == a.id }, "case `\(name)`")
            #expect(!d.wouldPermitIf.isEmpty, "case `\(name)`")
        }
    }

    /// Only agreements opt in: the ODRL engine still refuses a contradictory policy by default.
    @Test func handWrittenContradictionsStayErrors() throws {
        let cases = try NewsFixtures.json("never-in-force-cases.json").arrayValue ?? []
        let first = try #require(cases.first)
        let a = try #require(Agreement.parse(first["agreement"] ?? .null).0)
        #expect(throws: DiagnosticError.self) { _ = try ODRLPolicySet([a.odrlModel()]) }
        let set = try ODRLPolicySet([a.odrlModel()], neverApplicableRules: .warning)
        #expect(set.warnings.contains { $0.code == "odrl.contradictory_constraints" && $0.severity == .warning })
        #expect(throws: Never.self) { _ = try NewsDecider(notice: try Self.notice(), agreements: [a]) }
    }
}
