@testable import ClearanceCore
import Testing

/// The engine's compiled form (flat records) and lowered requests: the shortcuts taken for speed
/// give the answers the plain reading gives (bench/PROFILE.md, "The engine pass as flat records").
@Suite struct CompiledFormTests {
    /// The action spelling table read without `String` hashing answers as the dictionary it is built from.
    @Test func spellingTableAnswersAsTheDictionary() {
        let dictionary = ActionTable.vocabularySpellings
        let table = ActionTable.vocabularyLookup
        #expect(!dictionary.isEmpty)
        for (spelling, entry) in dictionary {
            #expect(table.ids(of: spelling) == entry.1, "\(spelling)")
        }
        for missing in ["", "Distribute", "distribute ", "odrl:", "urn:x:distribute", "http://www.w3.org/ns/odrl/2/", "wrte", "é"] {
            #expect(table.ids(of: missing) == nil, "\(missing)")
        }
    }

    /// A request with more left operands than an input keeps inline (its overflow array) decides
    /// like one with few: every constraint must hold, and any one failing denies.
    @Test(arguments: [3, 8, 9, 12])
    func inputsWithManySlots(operands: Int) throws {
        let names = (0..<operands).map { "http://example.com/lo/\($0)" }
        let permission = ODRLRule(kind: .permission, uid: "urn:rule:1", actions: [ODRLAction("use")],
                                  constraints: names.enumerated().map { .atomic(ODRLAtomicConstraint($1, "eq", [.number(Double($0))])) })
        let set = try ODRLPolicySet([ODRLPolicy(type: "Set", uid: "urn:policy:1", permissions: [permission])])
        var context = ODRLContext()
        for (k, n) in names.enumerated() { context[n] = .number(Double(k)) }
        let request = ODRLRequest(assignee: nil, action: "use", target: nil, context: context)
        #expect(set.evaluate(request).outcome == .permit)
        #expect(set.ruleResults(request).first?.active == true)
        for wrong in 0..<operands {
            var c = context
            c[names[wrong]] = .number(-1)
            let r = ODRLRequest(assignee: nil, action: "use", target: nil, context: c)
            #expect(set.evaluate(r).outcome == .deny)
            let results = set.ruleResults(r)
            #expect(results.first?.active == false)
            #expect(results.first?.failedConstraints == UInt64(1) << UInt64(wrong))
        }
    }

    /// Rules of a grant share one constraint range (evaluated once per pass), but a rule with a
    /// rule-scoped value is evaluated on its own: sharing never carries one rule's value to another.
    @Test func sharedRangesDoNotCarryRuleScopedValues() throws {
        let limit = ODRLConstraint.atomic(ODRLAtomicConstraint("count", "lteq", [.number(3)]))
        let constraints = [limit]
        let rules = ["use", "reproduce", "distribute"].enumerated().map { k, a in
            ODRLRule(kind: .permission, uid: "urn:rule:\(k)", actions: [ODRLAction(a)], constraints: constraints)
        }
        let set = try ODRLPolicySet([ODRLPolicy(type: "Set", uid: "urn:policy:1", permissions: rules)])
        var request = ODRLRequest(assignee: nil, action: "use", target: nil, context: ["count": .number(1)])
        request.ruleValues = ["urn:rule:1": ["count": .number(5)]]
        let results = set.ruleResults(request)
        #expect(results.map(\.failedConstraints) == [0, 1, 0])
        request.ruleValues = ["urn:rule:0": ["count": .number(9)], "urn:rule:2": ["count": .number(9)]]
        #expect(set.ruleResults(request).map(\.failedConstraints) == [1, 0, 1])
        request.ruleValues = ["urn:rule:2": ["count": .number(9)]]
        #expect(set.ruleResults(request).map(\.failedConstraints) == [0, 0, 1])
        request.ruleValues = [:]
        request.context["count"] = .number(4)
        #expect(set.ruleResults(request).map(\.failedConstraints) == [1, 1, 1])
    }

    /// A policy compiled without validating it again (`validated: false`, for models a test holds to
    /// the validator) decides exactly as when validated: same compiled form, same traces.
    @Test(arguments: 0..<3)
    func skippingValidationChangesNoDecision(seed: Int) throws {
        var g = PropertyTests.Gen(rng: SeededGenerator(state: UInt64(seed) &* 31 &+ 5))
        var compared = 0
        for _ in 0..<60 {
            let p = g.policy()
            guard let checked = try? ODRLPolicySet([p]) else { continue }  // a contradictory random policy
            let trusted = try ODRLPolicySet([p], validated: false)
            #expect(trusted.warnings.isEmpty)
            for _ in 0..<10 {
                let r = g.request()
                let s = g.state(p)
                #expect(trusted.evaluate(r, state: s) == checked.evaluate(r, state: s))
                #expect(trusted.ruleResults(r, state: s) == checked.ruleResults(r, state: s))
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    /// The word-at-a-time ASCII check agrees with reading byte by byte, at every length and position.
    @Test func asciiCheckAgreesWithBytes() {
        for n in 0..<40 {
            let plain = String(repeating: "a", count: n)
            #expect(SharedAtomics.ascii(plain))
            for k in 0..<n {
                var chars = Array(plain)
                chars[k] = "é"
                #expect(!SharedAtomics.ascii(String(chars)), "\(n) \(k)")
            }
        }
        #expect(SharedAtomics.ascii("http://cvx.iptc.org/iso3166-1a3/DEU"))
        #expect(!SharedAtomics.ascii("http://example.com/☃"))
    }
}
