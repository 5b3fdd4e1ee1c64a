@testable import ClearanceCore
import Testing

/// Preparing an agreement does not run the ODRL validator (bench/PROFILE.md, "Preparing an
/// agreement": it was ~360k of ~1M instructions): the model built from a valid `Agreement` is valid
/// by construction. These tests are the proof: the validator runs on every policy that preparing
/// compiles, for seeded random agreements over every dimension, and finds no error (a contradiction
/// between activity constraints is the one finding allowed: an agreement that can never be in
/// force, kept as a warning and denied with the rule-3 reason, see `NeverInForceTests`).
@Suite struct AgreementModelValidityTests {
    @Test(arguments: [21, 22, 23, 24, 25, 26])
    func everyPreparedModelIsValid(seed: Int) {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 2_654_435_761))
        for n in 0..<150 {
            var a = gen.agreement(n)
            // The generator may exclude every territory it includes (`DE` except `DE`), which
            // `Agreement.parse` refuses in a grant: such an agreement is not valid by construction.
            let emptyGrantTerritory = a.grants.contains { $0.territories.resolved.isEmpty }
            let emptyRestrictionTerritory = a.restrictions.contains { $0.territories?.resolved.isEmpty ?? false }
            if emptyGrantTerritory || emptyRestrictionTerritory {
                #expect(!PreparedAgreement.validByConstruction(a))
                continue
            }
            if n % 5 == 0 { a.id = "A \(n)/é#?" }                     // ids that need escaping in IRIs
            if n % 7 == 0 { a.subscriber = Subscriber(id: "sub scriber/\(n)%") }
            #expect(PreparedAgreement.validByConstruction(a))
            let plan = PreparedAgreement.plan(a, table: .builtin)
            for (i, p) in plan.policies.enumerated() {
                let errors = ODRLValidator.validate(p, path: "$.policies[\(i)]")
                    .filter { $0.severity == .error && $0.code != "odrl.contradictory_constraints" }
                #expect(errors.isEmpty, "\(a.json.serialized()): \(errors.map(\.description))")
            }
            // And preparing it (unvalidated) compiles what the validating path compiles: same answers.
            guard let fast = try? PreparedAgreement(a) else { Issue.record("\(a.id) does not prepare"); continue }
            let checked = try? ODRLPolicySet(plan.policies, options: ODRLEvaluationOptions(pendingDuties: .allow), terms: NewsEngine.terms,
                                             neverApplicableRules: .warning, keepPolicies: false)
            #expect(checked != nil, "\(a.id): the validating path refuses what preparing compiles")
            #expect(fast.set.topLevelRuleCount == checked?.topLevelRuleCount)
        }
    }

    /// An `Agreement` built in code with an action `Agreement.parse` would refuse (unknown, or
    /// repeated in a grant) is not valid by construction: it is validated, and refused, as before.
    @Test func agreementsNotValidByConstructionAreValidated() {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 99))
        var a = gen.agreement(1)
        while a.grants.isEmpty { a = gen.agreement(2) }
        var unknown = a
        unknown.grants[0].actions = ["frobnicate"]
        #expect(!PreparedAgreement.validByConstruction(unknown))
        #expect(throws: DiagnosticError.self) { try PreparedAgreement(unknown) }
        var everywhereButNowhere = a
        everywhereButNowhere.restrictions = [Restriction(channels: .only([.web]), territories: TerritorySpec(include: ["DE"], exclude: ["DE"]))]
        #expect(!PreparedAgreement.validByConstruction(everywhereButNowhere))
        #expect(throws: DiagnosticError.self) { try PreparedAgreement(everywhereButNowhere) }  // as before this change
        var repeated = a
        repeated.grants[0].actions = ["use", "use"]
        #expect(!PreparedAgreement.validByConstruction(repeated))
        #expect(throws: DiagnosticError.self) { try PreparedAgreement(repeated) }
    }
}
