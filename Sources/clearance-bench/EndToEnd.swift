import ClearanceCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// End-to-end measurement: the built `clearance` binary driven as a user would, each step run several times.
///
/// Steps (each in a fresh child process, measured with `wait4`: wall time, CPU, peak memory):
/// - `import`        `clearance contract import --db DB AGREEMENTS` into a new database (agreements per second)
/// - `check-batch`   `clearance check --batch REQUESTS --db DB --no-log`, JSON Lines in and out (decisions per second)
/// - `check-batch-log` the same with the decision log on (the default: every decision appended to the database)
/// - `check-file`    `clearance check --batch REQUESTS --agreements AGREEMENTS` (no database)
/// - `check-one`     one `clearance check --request ONE.json --db DB` process (wall time per process)
/// - `audit`         `clearance audit USAGE --db DB --format json -o REPORT` (events per second)
///
/// A step whose command fails is reported with its exit status and stderr, and the others still run.
enum EndToEnd {
    struct Step {
        var name: String
        var items: Int
        var runs: [ChildRun] = []
        var error: String?
    }

    static func run(_ flags: Flags) throws(BenchError) {
        let dir = try flags.string("dir")
        let clearance = try flags.string("clearance")
        let policies = try flags.string("policies", default: "Policies")
        let runs = max(1, try flags.int("runs", default: 5))
        let work = try flags.string("work", default: dir + "/run")
        let out = try flags.string("out", default: work + "/clearance.json")
        let only = flags.values["steps"].map { Set($0.split(separator: ",").map(String.init)) }
        try FileIO.makeDirectory(work)

        let manifest: JSONValue
        do { manifest = try JSONParser.parse(try FileIO.readBytes(dir + "/manifest.json")) } catch let e as Diagnostic { throw BenchError(e.message) } catch { throw BenchError("\(error)") }
        let nAgreements = manifest["agreements"]?.intValue ?? 0
        let nRequests = manifest["requests"]?.intValue ?? 0
        let db = work + "/bench.sqlite"
        let agreements = dir + "/agreements.json"
        let requests = dir + "/requests.jsonl"
        let env = ["CLEARANCE_POLICIES": policies, "CLEARANCE_DB": db]
        func removeDB() { for s in ["", "-wal", "-shm"] { unlink(db + s) } }
        func wanted(_ s: String) -> Bool { only?.contains(s) ?? true }

        var steps: [Step] = []
        func measure(_ name: String, items: Int, times: Int, before: () -> Void = {}, _ argv: [String],
                     stdin: String? = nil, stdout: String = "/dev/null") throws(BenchError) {
            guard wanted(name) else { return }
            var step = Step(name: name, items: items)
            let errFile = work + "/\(name).stderr"
            for k in 0..<times {
                before()
                let r = try Spawn.run(argv, stdin: stdin, stdout: stdout, stderr: errFile, environment: env)
                // Exit 1 is a deny (single check) or findings (audit): a normal outcome here.
                if r.status != 0 && r.status != 1 {
                    let msg = (try? FileIO.read(errFile)) ?? ""
                    step.error = "`\(argv.dropFirst().prefix(3).joined(separator: " "))` exited \(r.status): \(msg.prefix(400))"
                    printError("  \(name): \(step.error ?? "")")
                    break
                }
                step.runs.append(r)
                printError("  \(name) run \(k + 1)/\(times): \(Clock.format(r.wallNs)), peak \(r.peakRSSKilobytes / 1024) MB")
            }
            steps.append(step)
        }

        // 1. contract import, into a fresh database each run; the last run's database serves the later steps.
        try measure("import", items: nAgreements, times: runs, before: removeDB,
                    [clearance, "contract", "import", "--db", db, "--policies", policies, agreements])
        // Without a database (import unavailable or failed), the steps that can read the agreements file do.
        let hasDB = FileIO.exists(db)
        if !hasDB { printError("  (no database after import: `check-one` and `audit` read --agreements instead)") }
        let agreementsArgs = hasDB ? ["--db", db] : ["--agreements", agreements]
        // 2. batch checks.
        let decisions = work + "/decisions.jsonl"
        try measure("check-batch", items: nRequests, times: runs,
                    [clearance, "check", "--batch", requests, "--db", db, "--policies", policies, "--no-log"], stdout: decisions)
        try measure("check-file", items: nRequests, times: max(1, runs / 2),
                    [clearance, "check", "--batch", requests, "--agreements", agreements, "--policies", policies], stdout: work + "/decisions-file.jsonl")
        try measure("check-batch-log", items: nRequests, times: max(1, runs / 2),
                    [clearance, "check", "--batch", requests, "--db", db, "--policies", policies], stdout: work + "/decisions-log.jsonl")
        // 3. one request, one process.
        let one = work + "/one.json"
        if let first = try FileIO.read(requests).split(separator: "\n").first { try FileIO.write(String(first) + "\n", to: one) }
        try measure("check-one", items: 1, times: max(10, runs * 2),
                    [clearance, "check", "--request", one] + agreementsArgs + ["--policies", policies, "--format", "json", "--no-log"])
        // 4. audit of the usage log.
        // Audit and the logged batch are the longest steps at full size: half the runs (at least one) keep
        // the default benchmark within about ten minutes.
        try measure("audit", items: nRequests, times: max(1, runs / 2),
                    [clearance, "audit", dir + "/usage.jsonl"] + agreementsArgs + ["--policies", policies, "--format", "json",
                     "-o", work + "/audit-report.json", "--no-progress"])

        // The decisions of the last `check-batch` (else `check-file`) run, as id<TAB>verdict for the comparison.
        let source = steps.contains { $0.name == "check-batch" && !$0.runs.isEmpty } ? decisions : work + "/decisions-file.jsonl"
        if FileIO.exists(source) {
            let n = try writeVerdicts(from: source, to: work + "/clearance-decisions.tsv")
            printError("  \(n) decisions from \(source) -> \(work)/clearance-decisions.tsv")
        }

        var list: [JSONValue] = []
        for s in steps {
            var o = JSONObject()
            o["step"] = .string(s.name)
            o["items"] = .number(Double(s.items))
            o["argv"] = .null
            o["wall_ns"] = .array(s.runs.map { .number(Double($0.wallNs)) })
            o["cpu_ns"] = .array(s.runs.map { .number(Double($0.userNs + $0.systemNs)) })
            o["peak_rss_kb"] = .array(s.runs.map { .number(Double($0.peakRSSKilobytes)) })
            if let e = s.error { o["error"] = .string(e) }
            list.append(.object(o))
        }
        try FileIO.write(JSONValue.object(JSONObject([("steps", .array(list))])).serialized(pretty: true) + "\n", to: out)
    }

    /// Reads `check --batch` output (one decision object per line) into `id<TAB>permit|deny` lines.
    static func writeVerdicts(from path: String, to tsv: String) throws(BenchError) -> Int {
        let bytes = try FileIO.readBytes(path)
        var w = FileIO.Writer()
        try w.open(tsv)
        var n = 0
        var start = 0
        var line = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            line += 1
            if end > start {
                let v: JSONValue
                do { v = try JSONParser.parse(Array(bytes[start..<end])) } catch { throw BenchError("`\(path)` line \(line): \(error.message)") }
                let id = v["id"]?.stringValue ?? ""
                let verdict = v["decision"]?.stringValue ?? "error"
                try w.append("\(id)\t\(verdict)\n")
                n += 1
            }
            start = end + 1
        }
        try w.close()
        return n
    }
}
