import ClearanceCore
import Testing

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random policies and requests: restricting a policy never widens what it permits.
@Suite struct PropertyTests {
    static let actions = ["use", "reproduce", "distribute", "display", "modify", "extract", "sell", "read", "transfer", "play"]
    static let targets = ["urn:t:1", "urn:t:2", "urn:c:photos"]
    static let parties = ["urn:p:a", "urn:p:b", "urn:c:subscribers"]
    static let places = ["urn:geo:DE", "urn:geo:FR", "urn:geo:IQ"]

    struct Gen {
        var rng: SeededGenerator
        var uid = 0

        mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        mutating func nextUID() -> String { uid += 1; return "urn:rule:\(uid)" }

        mutating func constraint(depth: Int = 0) -> ODRLConstraint {
            if depth < 2, chance(0.2) {
                let op = pick(ODRLVocabulary.LogicalOperator.allCases)
                return .logical(ODRLLogicalConstraint(op, (0..<Int.random(in: 1...3, using: &rng)).map { _ in constraint(depth: depth + 1) }))
            }
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: return .atomic(ODRLAtomicConstraint("count", pick(["lt", "lteq", "gt", "gteq", "eq", "neq"]), [.number(Double(Int.random(in: 0...10, using: &rng)))]))
            case 1: return .atomic(ODRLAtomicConstraint("spatial", pick(["isAnyOf", "isNoneOf"]), [.iri(pick(PropertyTests.places)), .iri(pick(PropertyTests.places))], rightOperandIsList: true))
            case 2: return .atomic(ODRLAtomicConstraint("dateTime", pick(["lt", "gteq"]), [.typed("2026-0\(Int.random(in: 1...9, using: &rng))-01", datatype: "xsd:date")]))
            default: return .atomic(ODRLAtomicConstraint("purpose", pick(["eq", "neq"]), [.string(pick(["news", "ads"]))]))
            }
        }

        mutating func rule(_ kind: ODRLRuleKind) -> ODRLRule {
            var r = ODRLRule(kind: kind, uid: nextUID(), actions: [ODRLAction(pick(PropertyTests.actions))])
            if chance(0.7) { r.targets = [ODRLEntity(pick(PropertyTests.targets))] }
            if chance(0.5) { r.assignees = [ODRLEntity(pick(PropertyTests.parties))] }
            if chance(0.5) { r.constraints = (0..<Int.random(in: 1...2, using: &rng)).map { _ in constraint() } }
            if kind == .permission, chance(0.3) {
                r.duties = [ODRLRule(kind: .duty, uid: nextUID(), actions: [ODRLAction(pick(["attribute", "compensate"]))])]
            }
            return r
        }

        mutating func policy() -> ODRLPolicy {
            ODRLPolicy(type: "Set", uid: "urn:policy:\(uid)", conflict: chance(0.3) ? pick(["perm", "prohibit", "invalid"]) : nil,
                       permissions: (0..<Int.random(in: 0...3, using: &rng)).map { _ in rule(.permission) },
                       prohibitions: (0..<Int.random(in: 0...1, using: &rng)).map { _ in rule(.prohibition) })
        }

        mutating func request() -> ODRLRequest {
            var ctx = ODRLContext()
            if chance(0.8) { ctx["count"] = .number(Double(Int.random(in: 0...10, using: &rng))) }
            if chance(0.8) { ctx["spatial"] = .text(pick(PropertyTests.places)) }
            if chance(0.9) { ctx["dateTime"] = .text("2026-0\(Int.random(in: 1...9, using: &rng))-15T12:00:00Z") }
            if chance(0.7) { ctx["purpose"] = .text(pick(["news", "ads"])) }
            return ODRLRequest(assignee: chance(0.9) ? pick(["urn:p:a", "urn:p:b"]) : nil, action: pick(PropertyTests.actions),
                               target: pick(["urn:t:1", "urn:t:2", "urn:t:3"]), context: ctx)
        }

        mutating func state(_ p: ODRLPolicy) -> ODRLWorldState {
            var s = ODRLWorldState(partyCollections: ["urn:c:subscribers": ["urn:p:a"]], assetCollections: ["urn:c:photos": ["urn:t:2"]])
            for r in p.permissions { for d in r.duties where chance(0.5) { s.duties[d.uid!] = pick(ODRLDutyState.allCases) } }
            return s
        }
    }

    static func decide(_ p: ODRLPolicy, _ r: ODRLRequest, _ s: ODRLWorldState) -> ODRLDecision.Outcome? {
        (try? ODRLPolicySet([p]))?.evaluate(r, state: s).outcome
    }

    @Test(arguments: 0..<8)
    func restrictingNeverTurnsADenyIntoAPermit(seed: Int) {
        var g = Gen(rng: SeededGenerator(state: UInt64(seed) &* 7919 &+ 1))
        var checked = 0
        for _ in 0..<150 {
            let p = g.policy()
            let r = g.request()
            let s = g.state(p)
            guard let before = Self.decide(p, r, s) else { continue }  // a contradictory random policy
            guard before != .permit else { continue }
            checked += 1
            // add a prohibition
            var withProhibition = p
            withProhibition.prohibitions.append(g.rule(.prohibition))
            if let after = Self.decide(withProhibition, r, s) {
                #expect(after != .permit, "adding a prohibition turned \(before) into permit: \(ODRLWriter.text(withProhibition, pretty: false)) \(r)")
            }
            // add a constraint to a permission
            if !p.permissions.isEmpty {
                var withConstraint = p
                let i = Int.random(in: 0..<p.permissions.count, using: &g.rng)
                withConstraint.permissions[i].constraints.append(g.constraint())
                if let after = Self.decide(withConstraint, r, s) {
                    #expect(after != .permit, "adding a constraint turned \(before) into permit: \(ODRLWriter.text(withConstraint, pretty: false)) \(r)")
                }
                // add a duty nobody performed
                var withDuty = p
                withDuty.permissions[i].duties.append(ODRLRule(kind: .duty, uid: g.nextUID(), actions: [ODRLAction("compensate")]))
                if let after = Self.decide(withDuty, r, s) {
                    #expect(after != .permit, "adding a duty turned \(before) into permit")
                }
            }
        }
        #expect(checked > 20)
    }

    @Test(arguments: 0..<4)
    func writingAndReadingKeepsTheDecision(seed: Int) throws {
        var g = Gen(rng: SeededGenerator(state: UInt64(seed) &+ 99))
        for _ in 0..<100 {
            let p = g.policy()
            let r = g.request()
            let s = g.state(p)
            let reread = try ODRLReader.readPolicy(try JSONParser.parse(ODRLWriter.text(p)), validate: false)
            #expect(ODRLWriter.json(reread) == ODRLWriter.json(p))
            #expect(Self.decide(p, r, s) == Self.decide(reread, r, s))
        }
    }
}
