import ClearanceCore

/// Writes the results table (markdown) from a results folder: medians of the runs, ratios, targets.
///
/// Reads `manifest.json` (workload), `machine.json` (from `bench/run.sh`), `inprocess.json`,
/// `clearance.json` (end-to-end steps), `cedar.json` and `compare.json`; any missing piece is
/// shown as "not measured" rather than failing the report.
enum Report {
    static func run(_ flags: Flags) throws(BenchError) {
        let results = try flags.string("results")
        let out = try flags.string("out")
        let command = flags.values["command"] ?? "bench/run.sh"
        let md = render(results: results, command: command)
        try FileIO.write(md, to: out)
        if let readme = flags.values["readme"] {
            try FileIO.write(readmeSection(md), to: readme)
        }
        print(md)
    }

    static func json(_ path: String) -> JSONValue? {
        guard FileIO.exists(path), let b = try? FileIO.readBytes(path) else { return nil }
        return try? JSONParser.parse(b)
    }

    static func numbers(_ v: JSONValue?) -> [Double] { v?.arrayValue?.compactMap(\.doubleValue) ?? [] }

    /// One step's medians: wall ns, items per second, peak MB, runs.
    struct StepFigures {
        var wallNs: Double
        var perSecond: Double
        var peakMB: Double
        var cpuNs: Double
        var runs: Int
        var items: Int
        var error: String?
    }

    static func step(_ clearance: JSONValue?, _ name: String) -> StepFigures? {
        guard let steps = clearance?["steps"]?.arrayValue,
              let s = steps.first(where: { $0["step"]?.stringValue == name }) else { return nil }
        let wall = numbers(s["wall_ns"])
        let items = s["items"]?.intValue ?? 0
        let w = median(wall)
        return StepFigures(wallNs: w, perSecond: w > 0 ? Double(items) / (w / 1e9) : 0,
                           peakMB: median(numbers(s["peak_rss_kb"])) / 1024, cpuNs: median(numbers(s["cpu_ns"])),
                           runs: wall.count, items: items, error: s["error"]?.stringValue)
    }

    static func rate(_ x: Double) -> String { x >= 1e6 ? fixed(x / 1e6, 2) + " M/s" : grouped(Int(x.rounded())) + "/s" }
    static func ns(_ x: Double) -> String {
        if x >= 1e9 { return fixed(x / 1e9, 2) + " s" }
        if x >= 1e6 { return fixed(x / 1e6, 1) + " ms" }
        if x >= 1e3 { return fixed(x / 1e3, 2) + " µs" }
        return "\(Int(x.rounded())) ns"
    }
    static func ratio(_ x: Double) -> String { x.isFinite && x > 0 ? fixed(x, x >= 10 ? 0 : 1) + "×" : "—" }

    static func render(results: String, command: String) -> String {
        let manifest = json(results + "/manifest.json")
        let machine = json(results + "/machine.json")
        let inproc = json(results + "/inprocess.json")
        let clearance = json(results + "/clearance.json")
        let cedar = json(results + "/cedar.json")
        let compare = json(results + "/compare.json")
        let cedarFull = json(results + "/cedar-full.json")
        let io = json(results + "/io.json")

        var s = ""
        s += "### Measured: Clearance side by side with Cedar\(scale(manifest).map { " (\($0))" } ?? "")\n\n"
        let cpu = machine?["cpu"]?.stringValue ?? "unknown CPU"
        let cores = machine?["nproc"]?.intValue.map(String.init) ?? "?"
        let date = machine?["date"]?.stringValue ?? ""
        let swift = machine?["swift"]?.stringValue ?? ""
        s += "Machine: \(cores) cores, \(cpu)\(date.isEmpty ? "" : ", run \(date)")\(swift.isEmpty ? "" : "; \(swift)"). "
        s += "Command: `\(command)`. Figures are medians of the runs shown; release build.\n\n"
        if let m = manifest {
            s += "Workload (seed \(m["seed"]?.intValue ?? 0)): \(grouped(m["subscribers"]?.intValue ?? 0)) subscribers, "
            s += "\(grouped(m["agreements"]?.intValue ?? 0)) agreements (\(grouped(m["grants"]?.intValue ?? 0)) grants, "
            s += "\(grouped(m["restrictions"]?.intValue ?? 0)) restrictions), \(grouped(m["requests"]?.intValue ?? 0)) requests, "
            s += "\(grouped(m["expectedPermits"]?.intValue ?? 0)) of them permitted"
            if let subscribers = m["subscribers"]?.intValue, let agreements = m["agreements"]?.intValue, subscribers > 0 {
                s += agreements == 3 * subscribers
                    ? "; three agreements per subscriber, issue 4's ratio"
                    : "; \(fixed(Double(agreements) / Double(subscribers), 2)) agreements per subscriber (issue 4's ratio is three)"
            }
            s += ".\n\n"
        }

        // Clearance vs Cedar.
        // The database batch when it ran, else the agreements-file batch (no database support yet).
        var batch = step(clearance, "check-batch")
        var batchLabel = "`check --batch --db`"
        if batch == nil || batch?.runs == 0, let file = step(clearance, "check-file"), file.runs > 0 {
            batch = file
            batchLabel = "`check --batch --agreements`"
        }
        let cedarRuns = cedar?["runs"]?.arrayValue ?? []
        let nCedar = Double(cedar?["requests"]?.intValue ?? 0)
        let cedarEval = median(cedarRuns.compactMap { $0["eval_ns"]?.doubleValue })
        let cedarTotal = median(cedarRuns.compactMap { $0["total_ns"]?.doubleValue })
        let cedarCoreP50 = median(cedarRuns.compactMap { $0["core_us_p50"]?.doubleValue }) * 1000
        let cedarCoreP99 = median(cedarRuns.compactMap { $0["core_us_p99"]?.doubleValue }) * 1000
        let cedarPerEval = nCedar > 0 ? cedarEval / nCedar : 0
        let cedarPerTotal = nCedar > 0 ? cedarTotal / nCedar : 0
        let clearancePer = batch.map { $0.items > 0 ? $0.wallNs / Double($0.items) : 0 } ?? 0
        let p50 = inproc?["p50_ns"]?.doubleValue ?? 0
        let p99 = inproc?["p99_ns"]?.doubleValue ?? 0

        s += "| per decision | Clearance | Cedar 4 via cedarpy \(cedar?["cedarpy_version"]?.stringValue ?? "") | Cedar ÷ Clearance |\n"
        s += "|---|---:|---:|---:|\n"
        if inproc != nil {
            s += "| in-process evaluation, p50 (Cedar: its own `authz_duration` metric, µs resolution) | \(ns(p50)) | \(cedarRuns.isEmpty ? "—" : ns(cedarCoreP50)) | \(ratio(cedarCoreP50 / p50)) |\n"
            s += "| in-process evaluation, p99 | \(ns(p99)) | \(cedarRuns.isEmpty ? "—" : ns(cedarCoreP99)) | \(ratio(cedarCoreP99 / p99)) |\n"
        }
        if let b = batch, b.runs > 0, !cedarRuns.isEmpty {
            s += "| end to end: Clearance \(batchLabel) (process, loading, JSON in and out) vs Cedar `is_authorized_batch` calls only | \(ns(clearancePer)) | \(ns(cedarPerEval)) | \(ratio(cedarPerEval / clearancePer)) |\n"
            s += "| end to end: vs Cedar's whole pass (read files, encode, parse policies, build requests, evaluate) | \(ns(clearancePer)) | \(ns(cedarPerTotal)) | \(ratio(cedarPerTotal / clearancePer)) |\n"
            s += "| throughput, end to end vs Cedar's evaluation calls | \(rate(b.perSecond)) | \(rate(cedarPerEval > 0 ? 1e9 / cedarPerEval : 0)) | \(ratio(b.perSecond * cedarPerEval / 1e9)) |\n"
            s += "| peak memory | \(fixed(b.peakMB, 0)) MB | \(fixed(Double(cedar?["peak_rss_kb"]?.intValue ?? 0) / 1024, 0)) MB | |\n"
        }
        s += "\n"
        if let n = inproc?["decisions"]?.intValue, let total = manifest?["requests"]?.intValue, n < total {
            s += "In-process percentiles are over the first \(grouped(n)) requests (`clearance-bench inprocess --limit`).\n\n"
        }
        s += cedarSample(cedar, clearancePer: clearancePer, comparedOnAll: cedarFull != nil)
        s += cedarFullPass(cedarFull, clearancePer: clearancePer, sampleEval: cedarPerEval)
        if let c = compare {
            let differ = c["differ"]?.intValue ?? -1
            s += differ == 0
                ? "Same decision from both for all \(grouped(c["requests"]?.intValue ?? 0)) requests Cedar decided (\(grouped(c["permits"]?.intValue ?? 0)) permits), and the same as the benchmark's reference model.\n\n"
                : "**\(differ) decisions differ** between Clearance and Cedar (\(c["clearance_off_model"]?.intValue ?? 0) where Cedar agrees with the reference model, \(c["cedar_off_model"]?.intValue ?? 0) where Clearance does).\n\n"
        }

        // Clearance commands.
        s += "| Clearance command | runs | median wall | throughput | peak memory | CPU |\n|---|---:|---:|---:|---:|---:|\n"
        let labels: [(String, String, String)] = [
            ("import", "`contract import` (new database)", "agreements"),
            ("check-batch", "`check --batch --db --no-log` (JSONL in/out)", "decisions"),
            ("check-file", "`check --batch --agreements FILE` (no database)", "decisions"),
            ("check-batch-log", "`check --batch --db` with the decision log", "decisions"),
            ("check-one", "`check --request` (one request, one process)", "process"),
            ("audit", "`audit` of the usage log (JSON report)", "events"),
        ]
        for (name, label, unit) in labels {
            guard let f = step(clearance, name) else { continue }
            if let e = f.error, f.runs == 0 {
                s += "| \(label) | 0 | failed: \(e.prefix(120).replacingBars()) | | | |\n"
                continue
            }
            let through = unit == "process" ? "" : "\(rate(f.perSecond)) \(unit)"
            // A step run on a sample of the requests says so (the logged batch: `endtoend --log-sample`).
            let total = manifest?["requests"]?.intValue ?? 0
            let label = unit == "decisions" && total > 0 && f.items > 0 && f.items < total ? "\(label) (first \(grouped(f.items)) requests)" : label
            s += "| \(label) | \(f.runs) | \(ns(f.wallNs)) | \(through) | \(fixed(f.peakMB, 0)) MB | \(ns(f.cpuNs)) |\n"
        }
        if !cedarRuns.isEmpty {
            s += "| Cedar: whole pass in Python (\(cedarRuns.count) runs) | \(cedarRuns.count) | \(ns(cedarTotal)) | \(rate(nCedar / (cedarTotal / 1e9))) decisions | \(fixed(Double(cedar?["peak_rss_kb"]?.intValue ?? 0) / 1024, 0)) MB | |\n"
        }
        s += "\n"
        if let io {
            s += "In process, around the decision (`clearance-bench io`, \(grouped(io["lines"]?.intValue ?? 0)) lines): reading a request line "
            s += "\(ns(io["read_scanner_ns"]?.doubleValue ?? 0)) with the byte scanner (strict JSON tree + field reader: \(ns(io["read_strict_ns"]?.doubleValue ?? 0))); "
            s += "writing a decision \(ns(io["write_direct_ns"]?.doubleValue ?? 0)) (JSON tree serializer: \(ns(io["write_tree_ns"]?.doubleValue ?? 0))).\n\n"
        }

        // Targets (issue 7).
        let audit = step(clearance, "audit")
        var t: [String] = []
        if let b = batch, b.runs > 0 {
            if !cedarRuns.isEmpty { t.append(mark(cedarPerEval / clearancePer >= 50) + " end to end at least 50× less time per decision than Cedar via cedarpy: \(ratio(cedarPerEval / clearancePer))") }
            t.append(mark(b.perSecond >= 300_000) + " \(batchLabel) at least 300,000 decisions/s: \(rate(b.perSecond))")
            t.append(mark(b.peakMB < 200) + " \(batchLabel) under 200 MB: \(fixed(b.peakMB, 0)) MB")
        }
        if inproc != nil { t.append(mark(p50 < 1000) + " in-process evaluation under 1 µs p50: \(ns(p50))") }
        if let one = step(clearance, "check-one"), one.runs > 0 {
            t.append(mark(one.wallNs < 20e6) + " one `check` process under 20 ms: \(ns(one.wallNs))")
        }
        if let imp = step(clearance, "import"), imp.runs > 0, imp.items > 0 {
            let per100k = imp.wallNs / Double(imp.items) * 100_000
            if imp.items >= 100_000 {
                t.append(mark(per100k < 5e9) + " `contract import` of 100,000 agreements under 5 s: \(ns(per100k)) per 100,000 (\(rate(imp.perSecond)))")
            } else {
                // A smaller import scaled up also scales its fixed costs (process start, creating the
                // database, loading the policies), so it overstates a 100,000 import: not a verdict.
                t.append("not judged here: `contract import` of 100,000 agreements under 5 s: this run imported \(grouped(imp.items)) (\(rate(imp.perSecond))); scaled up with its start-up costs, \(ns(per100k)) per 100,000. Measure it directly: `clearance-bench store gen 100000 10000 a100k.json`, then `clearance contract import --db NEW.sqlite a100k.json`")
            }
        }
        if let a = audit, a.error == nil, a.items > 0 {
            let per1M = a.wallNs / Double(a.items) * 1_000_000
            t.append(mark(per1M < 5e9) + " audit of 1,000,000 events under 5 s: \(ns(per1M)) per million")
        }
        if !t.isEmpty { s += "Targets \(targetScale(manifest)):\n" + t.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return s
    }

    /// The workload's scale for the heading: "10,000 subscribers, 30,000 agreements".
    static func scale(_ manifest: JSONValue?) -> String? {
        guard let subscribers = manifest?["subscribers"]?.intValue, let agreements = manifest?["agreements"]?.intValue else { return nil }
        return "\(grouped(subscribers)) subscribers, \(grouped(agreements)) agreements"
    }

    /// Whether the targets are judged at the scale issue 4 states them (10,000 subscribers, 30,000 agreements, 1,000,000 requests).
    static func targetScale(_ manifest: JSONValue?) -> String {
        let issue = "(issue 4 states them at 10,000 subscribers and 30,000 agreements"
        guard let subscribers = manifest?["subscribers"]?.intValue, let agreements = manifest?["agreements"]?.intValue,
              let requests = manifest?["requests"]?.intValue else { return issue + ")" }
        if subscribers == 10_000 && agreements == 30_000 && requests == 1_000_000 { return issue + "; this run is at that scale)" }
        return issue + "; this run has \(grouped(subscribers)) and \(grouped(agreements)) with \(grouped(requests)) requests, so they are only indicative)"
    }

    /// What Cedar decided when it decided a sample (`cedar_bench.py --sample`), and the former every-k-th-request
    /// sample's figures from the same run when it was measured as a reference.
    static func cedarSample(_ cedar: JSONValue?, clearancePer: Double, comparedOnAll: Bool = false) -> String {
        guard let cedar else { return "" }
        let n = cedar["requests"]?.intValue ?? 0, total = cedar["requests_total"]?.intValue ?? 0
        var s = ""
        switch cedar["sample"]?["by"]?.stringValue ?? (cedar["sample_step"]?.intValue ?? 1 > 1 ? "step" : "all") {
        case "subscriber":
            let every = cedar["sample"]?["every"]?.intValue ?? 0
            let subs = cedar["sample"]?["subscribers"]?.intValue ?? 0, allSubs = cedar["sample"]?["subscribers_total"]?.intValue ?? 0
            let batches = median((cedar["runs"]?.arrayValue ?? []).compactMap { $0["batches"]?.doubleValue })
            s += "Cedar decided a deterministic subset (`cedar_bench.py --sample`): every \(every)th subscriber (\(grouped(subs)) of "
            s += "\(grouped(allSubs)), sorted by id) with all of its requests, \(grouped(n)) of \(grouped(total)) requests; so each "
            s += "`is_authorized_batch` call gets one subscriber's requests as in a full run (\(fixed(Double(n) / max(batches, 1), 0)) a call), "
            s += "and the pass reads, encodes and parses only those subscribers' agreements and requests (written to a folder of their own first). The ratios compare time per decision; "
            s += comparedOnAll ? "the decisions are compared on every request (Cedar's full pass, below).\n\n" : "the decisions are compared on that subset.\n\n"
        case "step":
            s += "Cedar decided a deterministic subset (`cedar_bench.py --sample`): every \(cedar["sample_step"]?.intValue ?? 0)th request, "
            s += "\(grouped(n)) of \(grouped(total)); the ratios compare time per decision, and the decisions are compared on "
            s += comparedOnAll ? "every request (Cedar's full pass, below).\n\n" : "that subset.\n\n"
        default:
            break
        }
        let ref = cedar["step_runs"]?.arrayValue ?? []
        if !ref.isEmpty, let k = cedar["step_reference"]?.intValue {
            let m = median(ref.compactMap { $0["requests"]?.doubleValue })
            let eval = m > 0 ? median(ref.compactMap { $0["eval_ns"]?.doubleValue }) / m : 0
            let whole = m > 0 ? median(ref.compactMap { $0["total_ns"]?.doubleValue }) / m : 0
            let batches = median(ref.compactMap { $0["batches"]?.doubleValue })
            s += "The former sample, every \(k)th request (\(grouped(Int(m))) requests, \(fixed(m / max(batches, 1), 1)) a call, every subscriber's "
            s += "policies encoded and parsed), measured in the same run: \(ns(eval)) per decision in the calls (\(ratio(eval / clearancePer)) "
            s += "Clearance's end to end), \(ns(whole)) for the whole pass (\(ratio(whole / clearancePer))).\n\n"
        }
        return s
    }

    /// The sentence on Cedar's one pass over every request (`cedar-full.json`: the decision check's pass, not in the medians).
    static func cedarFullPass(_ full: JSONValue?, clearancePer: Double, sampleEval: Double) -> String {
        guard let full, let run = full["runs"]?.arrayValue?.first, let n = full["requests"]?.intValue, n > 0 else { return "" }
        let eval = (run["eval_ns"]?.doubleValue ?? 0) / Double(n)
        let whole = (run["total_ns"]?.doubleValue ?? 0) / Double(n)
        var s = "Cedar's full pass, for the decision check (one pass, not in the medians): all \(grouped(n)) requests in "
        s += "\(grouped(run["batches"]?.intValue ?? 0)) calls, \(ns(eval)) per decision in the calls (\(ratio(eval / clearancePer)) "
        s += "Clearance's end to end), \(ns(whole)) for the whole pass (\(ratio(whole / clearancePer))), peak "
        s += "\(fixed(Double(full["peak_rss_kb"]?.intValue ?? 0) / 1024, 0)) MB. "
        // Which way the sample leans, so the reader knows whether the table's ratios flatter Clearance (5% either way
        // is within run-to-run noise).
        if sampleEval > 0 && eval > sampleEval * 1.05 {
            s += "At full scale Cedar is slower per decision than on the sample, so the table's ratios, taken on the sample, are the conservative ones.\n\n"
        } else if sampleEval > 0 && eval < sampleEval * 0.95 {
            s += "At full scale Cedar is faster per decision than on the sample: ratios taken on this pass would be lower than the table's.\n\n"
        } else {
            s += "Cedar decides about as fast at full scale as on the sample.\n\n"
        }
        return s
    }

    static func mark(_ ok: Bool) -> String { ok ? "met:" : "**not met:**" }

    static func readmeSection(_ md: String) -> String {
        "## Performance\n\n"
        + "`bench/run.sh` builds in release mode, generates a seeded workload, runs Clearance's commands and the same workload "
        + "through Cedar (cedarpy, installed into `.build-bench-venv/`), checks that both decide every request the same way, "
        + "and writes `bench/RESULTS.md`. Its default workload is issue 4's scale: 10,000 subscribers with three agreements each "
        + "(30,000) and 1,000,000 requests. `bench/run.sh --quick` (or `--subscribers N --requests M --runs K`, three agreements "
        + "per subscriber unless `--agreements N`) scales it down; `--agreements random` gives the former spread, one to three "
        + "per subscriber at random (16,485 agreements at 10,000 subscribers). "
        + "`bench/profile.sh` gives instruction counts (callgrind); `bench/PROFILE.md` says where the time goes.\n\n"
        + md.replacing("### Measured", with: "### Latest run", maxReplacements: 1)
    }
}

extension String {
    fileprivate func replacingBars() -> String { String(map { $0 == "|" || $0 == "\n" ? " " : $0 }) }
}

extension Substring {
    fileprivate func replacingBars() -> String { String(self).replacingBars() }
}
