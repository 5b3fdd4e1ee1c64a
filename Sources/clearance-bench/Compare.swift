import ClearanceCore

/// Checks that Clearance and Cedar gave the same decision for every request, and says who drifted when not.
///
/// Inputs are `id<TAB>permit|deny` files in request order. The reference model's verdicts
/// (`expected.tsv`) are the tie-breaker: a disagreement where Cedar matches the model points at
/// Clearance's decider, one where Clearance matches the model points at the Cedar encoding.
enum Compare {
    static func run(_ flags: Flags) throws(BenchError) {
        let dir = try flags.string("dir")
        let clearance = try load(try flags.string("clearance-decisions"))
        let cedar = try load(try flags.string("cedar-decisions"))
        let model = try load(flags.values["expected"] ?? dir + "/expected.tsv")
        // Cedar may have decided a deterministic subset (`cedar_bench.py --sample`): its requests are then
        // matched to Clearance's by id, in order.
        var pairs: [(k: Int, cedar: Int)] = []
        if cedar.count == clearance.count {
            pairs = (0..<clearance.count).map { ($0, $0) }
        } else if cedar.count < clearance.count {
            var j = 0
            for (k, c) in clearance.enumerated() where j < cedar.count && c.0 == cedar[j].0 {
                pairs.append((k, j))
                j += 1
            }
            guard j == cedar.count else {
                throw BenchError("Cedar's decision \(j + 1) (`\(cedar[j].0)`) is not one of Clearance's requests, in order")
            }
        } else {
            throw BenchError("Clearance gave \(clearance.count) decisions and Cedar \(cedar.count): not the same requests")
        }
        var differ = 0, clearanceOff = 0, cedarOff = 0
        var examples: [String] = []
        for (k, j) in pairs {
            let (id, c) = clearance[k]
            let (cid, x) = cedar[j]
            guard id == cid else { throw BenchError("line \(k + 1): Clearance answered `\(id)`, Cedar `\(cid)`: not in the same order") }
            if c == x { continue }
            differ += 1
            let m = k < model.count ? model[k].1 : "?"
            if m == x { clearanceOff += 1 } else if m == c { cedarOff += 1 }
            if examples.count < 10 { examples.append("\(id): clearance \(c), cedar \(x), reference model \(m)") }
        }
        let permits = pairs.filter { clearance[$0.k].1 == "permit" }.count
        print("compare: \(pairs.count) requests\(pairs.count < clearance.count ? " (Cedar's subset of \(clearance.count))" : ""), \(permits) permitted by Clearance; \(differ) differ "
              + "(\(clearanceOff) where Cedar agrees with the reference model, \(cedarOff) where Clearance does)")
        for e in examples { print("  \(e)") }
        if let out = flags.values["out"] {
            let o: JSONValue = .object(JSONObject([
                ("requests", .number(Double(pairs.count))), ("clearance_requests", .number(Double(clearance.count))),
                ("permits", .number(Double(permits))),
                ("differ", .number(Double(differ))), ("clearance_off_model", .number(Double(clearanceOff))),
                ("cedar_off_model", .number(Double(cedarOff))), ("examples", .array(examples.map { .string($0) })),
            ]))
            try FileIO.write(o.serialized(pretty: true) + "\n", to: out)
        }
        if differ > 0 { throw BenchError("\(differ) decisions differ between Clearance and Cedar") }
    }

    static func load(_ path: String) throws(BenchError) -> [(String, String)] {
        try FileIO.read(path).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return (String(parts.first ?? ""), parts.count > 1 ? String(parts[1]) : "")
        }
    }
}
