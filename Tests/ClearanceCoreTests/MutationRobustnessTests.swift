import ClearanceCore
import Testing

@Suite struct MutationRobustnessTests {
    static let weird: [JSONValue] = [.null, true, 0, -1, 1e300, -1e300, 0.5, "", " ", "odrl:", ":", "a:b", "_:x", "2026-02-30", "P", "PT1H",
        "http://www.w3.org/ns/odrl/2/", [], [[]], ["@id": "x"], ["@value": "1", "@type": "xsd:integer"], ["@value": .null], ["@list": []],
        ["uid": "_:none"], ["and": []], ["leftOperand": "count", "operator": "lt", "rightOperand": 1e308]]

    func mutate(_ v: JSONValue, _ g: inout SeededGenerator) -> JSONValue {
        if Int.random(in: 0..<12, using: &g) == 0 { return Self.weird[Int.random(in: 0..<Self.weird.count, using: &g)] }
        switch v {
        case .object(let o):
            var out = JSONObject()
            for (k, x) in o { if Int.random(in: 0..<20, using: &g) != 0 { out[k] = mutate(x, &g) } }
            return .object(out)
        case .array(let a): return .array(a.map { mutate($0, &g) })
        default: return v
        }
    }

    /// Mutated fixture policies never crash the reader, validator, writer, describer or engine; what validates writes back readable.
    @Test func mutatedPoliciesNeverCrash() throws {
        var g = SeededGenerator(state: 12345)
        for name in TestResources.fixtureFiles {
            let f = try TestResources.fixture(name)
            for p in f.policyJSON {
                for _ in 0..<12 {
                    let m = mutate(p, &g)
                    let r = ODRLReader.read(m)
                    _ = ODRLReader.read(Array(m.serialized().utf8))
                    guard let pol = r.policies.first, let set = try? ODRLPolicySet([pol]) else { continue }
                    _ = ODRLDescriber.render(pol)
                    let again = ODRLReader.read(Array(ODRLWriter.text(pol).utf8))
                    #expect(!again.hasErrors, "\(again.diagnostics)")
                    var ctx = ODRLContext()
                    for k in ["dateTime", "count", "spatial", "payAmount", "resolution", "event", "ex:dayOfWeek"] {
                        ctx[k] = [ODRLValue.number(1e300), .text("x"), .time(-1e300), .duration(.infinity), .list([]), .list([.text("a"), .number(3)]), .bool(true), .text("2026-01-01")][Int.random(in: 0..<8, using: &g)]
                    }
                    let req = ODRLRequest(assignee: f.request?.assignee, action: ["use", "read", "x", "odrl:print", "ex:y"][Int.random(in: 0..<5, using: &g)], target: f.request?.target, context: ctx)
                    _ = set.evaluate(req, state: f.state).json.serialized()
                    _ = set.outcome(req, state: f.state)
                }
            }
        }
    }
}
