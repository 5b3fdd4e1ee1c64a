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
/// - `check-batch-log` the same with the decision log on (the default: every decision appended to the database),
///                   on the first `--log-sample` requests (default 100,000; 0 = all): appending a million
///                   hash-chained rows takes minutes, and decisions per second is what the table reports
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
        let logSample = max(0, try flags.int("log-sample", default: 100_000))
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
                     stdin: String? = nil, stdout: String = "/dev/null", always: Bool = false) throws(BenchError) {
            guard always || wanted(name) else { return }
            var step = Step(name: name, items: items)
            let errFile = work + "/\(name).stderr"
            for k in 0..<times {
                before()
                // Each run writes a new output file and starts with nothing dirty in the page cache. Truncating the
                // previous run's 765 MB output (`O_TRUNC`, in the child) freed its pages inside the measured run, and
                // ext4 then allocates and flushes a file truncated to zero when it is closed (`auto_da_alloc`), i.e.
                // at the child's exit; and earlier runs' dirty pages were written back by the kernel while later
                // runs ran, on the same two cores (bench/PROFILE.md, batch session 6).
                if stdout != "/dev/null" { unlink(stdout) }
                sync()
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
        // `contract import` exits without copying its WAL into the database (no checkpoint on close, like every
        // short-lived command: Store.open), and the next process to open the database does it (`truncateLargeWAL`:
        // the ~50 MB WAL of 30,000 agreements copied and synced). In the measured steps that was the first
        // `check-batch` run: 3.12 s against 1.63-1.67 s for the later runs (1M at 30,000 agreements, batch session
        // 10), the import's own work timed as the batch's. So the database is brought to the state every later run
        // sees before any of them, by `clearance verify` (it opens the store, so it checkpoints; it also checks the
        // database, so its time is an upper bound of the checkpoint's), measured as its own step `import-settle`
        // (shown in clearance.json, not in the table).
        if hasDB && wanted("import") {
            try measure("import-settle", items: nAgreements, times: 1, [clearance, "verify", "--db", db], always: true)
        }
        let agreementsArgs = hasDB ? ["--db", db] : ["--agreements", agreements]
        // 2. batch checks.
        let decisions = work + "/decisions.jsonl"
        try measure("check-batch", items: nRequests, times: runs,
                    [clearance, "check", "--batch", requests, "--db", db, "--policies", policies, "--no-log"], stdout: decisions)
        try measure("check-file", items: nRequests, times: max(1, runs / 2),
                    [clearance, "check", "--batch", requests, "--agreements", agreements, "--policies", policies], stdout: work + "/decisions-file.jsonl")
        // The agreements-file batch's output is not used when the database batch ran: removed now rather than written
        // back to disk while the later steps are measured.
        if steps.contains(where: { $0.name == "check-batch" && !$0.runs.isEmpty }) { unlink(work + "/decisions-file.jsonl") }
        var logRequests = requests, logItems = nRequests
        if logSample > 0 && logSample < nRequests && wanted("check-batch-log") {
            logRequests = work + "/requests-log-sample.jsonl"
            logItems = try writeHead(of: requests, lines: logSample, to: logRequests)
        }
        try measure("check-batch-log", items: logItems, times: max(1, runs / 2),
                    [clearance, "check", "--batch", logRequests, "--db", db, "--policies", policies], stdout: work + "/decisions-log.jsonl")
        // 3. one request, one process.
        let one = work + "/one.json"
        // Only the first line is read (the bench process splitting all of a 261 MB file grew to ~540 MB, and
        // posix_spawn's vfork-style child reported that as the next children's `ru_maxrss`).
        let firstLine = try writeHead(of: requests, lines: 1, to: one)
        if firstLine == 0 { try FileIO.write("\n", to: one) }
        try measure("check-one", items: 1, times: max(10, runs * 2),
                    [clearance, "check", "--request", one] + agreementsArgs + ["--policies", policies, "--format", "json", "--no-log"])
        // 4. audit of the usage log.
        // Audit is the longest step at full size: half the runs (at least one) keep the default benchmark
        // under five minutes (issue 7).
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

    /// Writes the first `lines` lines of `path` to `to`; returns how many it wrote.
    static func writeHead(of path: String, lines: Int, to: String) throws(BenchError) -> Int {
        let bytes = try FileIO.readPrefix(path, lines: lines)
        var n = 0, end = 0
        while end < bytes.count && n < lines {
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            end = min(bytes.count, end + 1)
            n += 1
        }
        var w = FileIO.Writer()
        try w.open(to)
        try w.append(String(decoding: bytes[0..<end], as: UTF8.self))
        try w.close()
        return n
    }

    /// Reads `check --batch` output (one decision object per line) into `id<TAB>permit|deny` lines.
    ///
    /// A decision line as `NewsDecision.appendJSON` writes it starts `{"id":"…","decision":"…"`: those two
    /// fields are read from the bytes (the full output is ~765 MB at the default scale, and parsing it
    /// into JSON trees took longer than the batch itself); any other line is parsed.
    static func writeVerdicts(from path: String, to tsv: String) throws(BenchError) -> Int {
        let bytes = try FileIO.readBytes(path)
        var w = FileIO.Writer()
        try w.open(tsv)
        var n = 0
        var start = 0
        var line = 0
        let idPrefix = Array(#"{"id":""#.utf8), decisionKey = Array(#","decision":""#.utf8)
        var out = ""
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            line += 1
            if end > start {
                if let (id, verdict) = quickVerdict(bytes, start..<end, idPrefix: idPrefix, decisionKey: decisionKey) {
                    out += id; out += "\t"; out += verdict; out += "\n"
                } else {
                    let v: JSONValue
                    do { v = try JSONParser.parse(Array(bytes[start..<end])) } catch { throw BenchError("`\(path)` line \(line): \(error.message)") }
                    out += "\(v["id"]?.stringValue ?? "")\t\(v["decision"]?.stringValue ?? "error")\n"
                }
                n += 1
                if out.utf8.count > 1 << 20 { try w.append(out); out = "" }
            }
            start = end + 1
        }
        try w.append(out)
        try w.close()
        return n
    }

    /// `(id, verdict)` from a line starting `{"id":"ID","decision":"VERDICT"` with no escapes in ID; else nil.
    static func quickVerdict(_ b: [UInt8], _ r: Range<Int>, idPrefix: [UInt8], decisionKey: [UInt8]) -> (String, String)? {
        guard r.count > idPrefix.count, b[r].starts(with: idPrefix) else { return nil }
        var i = r.lowerBound + idPrefix.count
        let idStart = i
        while i < r.upperBound && b[i] != 0x22 { if b[i] == 0x5C { return nil }; i += 1 }
        let id = String(decoding: b[idStart..<i], as: UTF8.self)
        guard i + decisionKey.count <= r.upperBound, b[i..<(i + decisionKey.count)].elementsEqual(decisionKey) else { return nil }
        i += decisionKey.count
        for verdict in ["permit", "deny"] where b[i..<min(r.upperBound, i + verdict.utf8.count + 1)].elementsEqual(Array((verdict + "\"").utf8)) {
            return (id, verdict)
        }
        return nil
    }
}
