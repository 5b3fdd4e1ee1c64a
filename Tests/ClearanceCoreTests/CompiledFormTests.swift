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

    /// The short-spelling table (bytes as words) answers as the dictionary for every spelling of at
    /// most 16 bytes, says `absent` for other short texts and `long` for longer ones; the lowered
    /// input's action ids are the dictionary's, whichever table found them.
    @Test func shortSpellingsAnswerAsTheDictionary() {
        let dictionary = ActionTable.vocabularySpellings
        let short = ShortSpellings.vocabulary
        let input = ODRLInput(terms: .empty)
        var shortCount = 0
        for (spelling, entry) in dictionary {
            switch short.lookup(spelling) {
            case .found(let ids, let count):
                shortCount += 1
                #expect(spelling.utf8.count <= 16, "\(spelling)")
                #expect(Array(UnsafeBufferPointer(start: ids, count: count)) == entry.1, "\(spelling)")
            case .absent: Issue.record("`\(spelling)` is a vocabulary spelling")
            case .long: #expect(spelling.utf8.count > 16, "\(spelling)")
            }
            input.setAction(spelling)
            #expect(input.actionKnown)
            #expect(Array(UnsafeBufferPointer(start: input.actionIDs, count: input.actionCount)) == entry.1, "\(spelling)")
        }
        #expect(shortCount > 50)
        for missing in ["", "Distribute", "distribute ", "odrl:", "wrte", "é", "reproducE", "odrl:distributex", "a", "abcdefgh", "abcdefghi"] {
            if case .found = short.lookup(missing) { Issue.record("`\(missing)` found") }
            input.setAction(missing)
            #expect(!input.actionKnown, "\(missing)")
        }
        input.setAction("http://www.w3.org/ns/odrl/2/distributeX")
        #expect(!input.actionKnown)
        input.setAction("http://www.w3.org/ns/odrl/2/distribute")
        #expect(input.actionKnown)
    }

    /// A plain input (values set by id and number) evaluates as one lowered from the context: same
    /// answers for every rule, and the trace path's general values are rebuilt from the plain ones.
    @Test func plainValuesAnswerAsGivenValues() throws {
        let terms = ODRLTerms(leftOperands: ["spatial", "percentage"], texts: ["urn:t:a", "urn:t:b"])
        let permission = ODRLRule(kind: .permission, uid: "urn:rule:1", actions: [ODRLAction("use")],
                                  constraints: [.atomic(ODRLAtomicConstraint("spatial", "isAnyOf", [.iri("urn:t:a")])),
                                                .atomic(ODRLAtomicConstraint("percentage", "lteq", [.number(50)]))])
        let set = try ODRLPolicySet([ODRLPolicy(type: "Set", uid: "urn:policy:1", permissions: [permission])], terms: terms)
        let spatial = try #require(terms.slot("spatial")), percentage = try #require(terms.slot("percentage"))
        for (text, pct) in [("urn:t:a", 10.0), ("urn:t:b", 10.0), ("urn:t:a", 60.0), ("urn:t:b", 60.0)] {
            let given = ODRLInput(terms: terms)
            given.set(slot: spatial, terms.value(.text(text)))
            given.set(slot: percentage, terms.value(.number(pct)))
            given.setAction("use")
            let plain = ODRLInput(terms: terms)
            plain.setText(slot: spatial, id: try #require(terms.textID(text)))
            plain.setNumber(slot: percentage, pct)
            plain.setAction("use")
            #expect(Array(set.ruleResults(given)) == Array(set.ruleResults(plain)))
            let request = ODRLRequest(assignee: nil, action: "use", target: nil, context: ["spatial": .text(text), "percentage": .number(pct)])
            #expect(Array(set.ruleResults(plain)) == set.ruleResults(request))
            #expect(plain.value(slot: spatial)?.value == .text(text))
            #expect(plain.value(slot: percentage)?.value == .number(pct))
        }
        // An id the table does not have leaves the slot without a value (unknown: not in force).
        let bad = ODRLInput(terms: terms)
        bad.setText(slot: spatial, id: 99)
        bad.setNumber(slot: percentage, 10)
        bad.setAction("use")
        #expect(set.ruleResults(bad).first?.active == false)
        #expect(bad.value(slot: spatial) == nil)
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
