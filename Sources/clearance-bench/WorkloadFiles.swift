import ClearanceCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a generated workload as the files the commands and the Cedar harness read.
///
/// - `agreements.json`  the agreements, DESIGN.md format (a JSON array, one agreement per line) for `contract import`
/// - `requests.jsonl`   one request per line for `check --batch`
/// - `usage.jsonl`      the same uses as usage events (`url`, `attribution`, `link` added) for `audit`
/// - `expected.tsv`     `id<TAB>permit|deny` from the reference model
/// - `territories.json` the territory table (countries, regions expanded) for the Cedar encoding
/// - `actions.json`     the ODRL action hierarchy (`includedIn`) for the Cedar encoding
/// - `manifest.json`    sizes, seed, counts
enum WorkloadFiles {
    static func write(_ w: Workload, to dir: String) throws(BenchError) {
        try FileIO.makeDirectory(dir)
        var agreements = "[\n"
        for (k, a) in w.agreements.enumerated() {
            agreements += a.json.serialized()
            agreements += k + 1 < w.agreements.count ? ",\n" : "\n"
        }
        agreements += "]\n"
        try FileIO.write(agreements, to: dir + "/agreements.json")

        var requests = FileIO.Writer()
        var usage = FileIO.Writer()
        var expected = FileIO.Writer()
        try requests.open(dir + "/requests.jsonl")
        try usage.open(dir + "/usage.jsonl")
        try expected.open(dir + "/expected.tsv")
        var line = ""
        line.reserveCapacity(512)
        for (k, r) in w.requests.enumerated() {
            line.removeAll(keepingCapacity: true)
            requestJSON(r, into: &line)
            try requests.append(line + "\n")
            // Usage evidence: most credit the agency and link back; some do not.
            line.removeLast()  // the closing brace
            line += ",\"url\":\"https://news.example/\(r.subscriber)/\(k + 1)\""
            if k % 5 != 4 { line += ",\"attribution\":\"İLKHA\"" }
            line += ",\"link\":\(k % 3 != 2 ? "true" : "false")}\n"
            try usage.append(line)
            try expected.append("\(r.id ?? "")\t\(w.expected[k].rawValue)\n")
        }
        try requests.close()
        try usage.close()
        try expected.close()

        let table = TerritoryTable.builtin
        var regions = JSONObject()
        for name in table.regionNames {
            if let set = table.regions[name] { regions[name] = .array(table.codes(in: set).map { .string($0) }) }
        }
        let territories: JSONValue = .object(JSONObject([("countries", .array(table.codes.map { .string($0) })),
                                                         ("regions", .object(regions))]))
        try FileIO.write(territories.serialized(pretty: true) + "\n", to: dir + "/territories.json")
        var actions = JSONObject()
        for name in NewsActions.includedIn.keys.sorted() {
            actions[name] = .array((NewsActions.includedIn[name] ?? []).map { .string($0) })
        }
        try FileIO.write(JSONValue.object(actions).serialized(pretty: true) + "\n", to: dir + "/actions.json")

        let permits = w.expected.filter { $0 == .permit }.count
        let manifest: JSONValue = .object(JSONObject([
            ("seed", .number(Double(w.config.seed))), ("subscribers", .number(Double(w.config.subscribers))),
            ("requests", .number(Double(w.requests.count))), ("agreements", .number(Double(w.agreements.count))),
            ("grants", .number(Double(w.agreements.reduce(0) { $0 + $1.grants.count }))),
            ("restrictions", .number(Double(w.agreements.reduce(0) { $0 + $1.restrictions.count }))),
            ("expectedPermits", .number(Double(permits))), ("source", .string(w.config.source)),
        ]))
        try FileIO.write(manifest.serialized(pretty: true) + "\n", to: dir + "/manifest.json")
    }

    /// One request as a compact JSON line (DESIGN.md request format), written by hand: 1M of them must be quick.
    static func requestJSON(_ r: RepublicationRequest, into s: inout String) {
        s += "{\"id\":\"\(r.id ?? "")\",\"subscriber\":\"\(r.subscriber)\",\"source\":\"\(r.source)\",\"asset\":{\"id\":\"\(r.asset.id)\",\"kind\":\"\(r.asset.kind.rawValue)\""
        if let p = r.asset.publishedAt { s += ",\"publishedAt\":\"\(p)\"" }
        s += "},\"use\":{\"action\":\"\(r.action)\",\"extent\":\"\(r.extent.rawValue)\""
        if let p = r.portion { s += ",\"portion\":\(JSONValue.formatNumber(p))" }
        s += "},\"channel\":\"\(r.channel.rawValue)\",\"territory\":\"\(r.territory)\",\"at\":\"\(r.at)\"}"
    }
}
