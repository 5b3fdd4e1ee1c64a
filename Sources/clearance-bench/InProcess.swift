import ClearanceCore
import ClearanceStore

/// In-process measurement of the news decider: ns per request (p50, p99) with everything loaded up
/// front, for the evaluation (facts) and for the decision with its words, separately.
///
/// Setup (not timed per decision, reported as `setup`): read the source's policy into `NoticeTerms`,
/// parse and compile every agreement once (`PreparedAgreement`), one `NewsDecider` per subscriber —
/// how a long-running service holds them — and parse every request. Then each call (with one
/// `DecisionMemo` per pass, as `check --batch` has per worker) is timed on its own with the
/// monotonic clock, in three passes: `evaluate` (the facts), `decide` (facts and words), and the
/// facts written as the decision's JSON bytes; the clock's own cost (measured the same way with an
/// empty body) is subtracted. The verdicts are checked against the reference model.
enum InProcess {
    static func run(_ flags: Flags) throws(BenchError) {
        let dir = try flags.string("dir")
        let policies = try flags.string("policies", default: "Policies")
        let limit = try flags.int("limit", default: Int.max)
        let out = flags.values["out"]
        let decisionsOut = flags.values["decisions"]

        let t0 = Clock.now()
        let notice = try loadNotice(folder: policies, source: "ilkha")
        let agreements = try loadAgreements(dir + "/agreements.json")
        var bySubscriber: [String: [PreparedAgreement]] = [:]
        do {
            for a in agreements { bySubscriber[a.subscriber.id, default: []].append(try PreparedAgreement(a)) }
        } catch {
            throw BenchError("an agreement does not compile: \(error)")
        }
        var deciders: [String: NewsDecider] = [:]
        for (s, list) in bySubscriber { deciders[s] = NewsDecider(notice: notice, agreements: list) }
        let nobody = NewsDecider(notice: notice, agreements: [PreparedAgreement]())
        let t1 = Clock.now()
        let requests = try loadRequests(dir + "/requests.jsonl", limit: limit)
        let t2 = Clock.now()
        let expected = try loadVerdicts(dir + "/expected.tsv")

        // The clock's own cost, measured like a decision with nothing in between.
        var overhead: [Int64] = []
        overhead.reserveCapacity(100_000)
        for _ in 0..<100_000 { let a = Clock.now(); let b = Clock.now(); overhead.append(b - a) }
        overhead.sort()
        let clockNs = overhead[overhead.count / 2]

        // Three timed passes over the same requests, each with its own memo (one per worker in
        // `check --batch`), so none profits from another's:
        //  - evaluation: `NewsDecider.evaluate`, the facts (verdict, permitting agreement and grant,
        //    or each agreement's outcome): the analogue of Cedar's `is_authorized` (decision + the
        //    determining policies), which is what the Cedar comparison sets it against;
        //  - decision: `decide` (evaluation + the words as a `NewsDecision`: reasons, duties, remedies);
        //  - JSON: the evaluation and its words written as the decision's JSON bytes into a reused
        //    buffer, as `check --batch` does per line.
        // `--memo off` decides without one (every sentence worded again).
        func makeMemo() -> DecisionMemo? { flags.values["memo"] == "off" ? nil : DecisionMemo() }
        func percentiles(_ t: [Int64]) -> (p50: Int64, p99: Int64, mean: Double) {
            let s = t.sorted()
            guard !s.isEmpty else { return (0, 0, 0) }
            return (s[s.count / 2], s[min(s.count - 1, s.count * 99 / 100)], Double(s.reduce(0, +)) / Double(s.count))
        }
        var times = [Int64](repeating: 0, count: requests.count)
        var verdicts = [Verdict](repeating: .deny, count: requests.count)
        var permits = 0
        var memo = makeMemo()
        let loopStart = Clock.now()
        for (k, r) in requests.enumerated() {
            let d = deciders[r.subscriber] ?? nobody
            let a = Clock.now()
            let e = d.evaluate(r, memo: memo)
            let b = Clock.now()
            times[k] = b - a - clockNs
            verdicts[k] = e.verdict
            if e.verdict == .permit { permits += 1 }
        }
        let loopNs = Clock.now() - loopStart
        let eval = percentiles(times)

        var decideVerdicts = [Verdict](repeating: .deny, count: requests.count)
        memo = makeMemo()
        for (k, r) in requests.enumerated() {
            let d = deciders[r.subscriber] ?? nobody
            let a = Clock.now()
            let decision = d.decide(r, memo: memo)
            let b = Clock.now()
            times[k] = b - a - clockNs
            decideVerdicts[k] = decision.verdict
        }
        let words = percentiles(times)

        memo = makeMemo()
        // A `ByteWriter`, as `check --batch` writes its items (the words' in-place form).
        var buffer = ByteWriter(capacity: 1 << 16)
        let none = NoUsage()
        defer { buffer.free() }
        var bytes = 0
        for (k, r) in requests.enumerated() {
            let d = deciders[r.subscriber] ?? nobody
            if buffer.count > 60_000 { bytes += buffer.count; buffer.removeAll() }
            let a = Clock.now()
            let e = d.evaluate(r, memo: memo)
            withUnsafePointer(to: none) { d.appendDecisionJSON(e, for: r, usageAt: UsageRef($0), memo: memo, to: &buffer) }
            let b = Clock.now()
            times[k] = b - a - clockNs
        }
        bytes += buffer.count
        let jsonTimes = percentiles(times)
        let p50 = eval.p50, p99 = eval.p99, mean = eval.mean

        var mismatches: [String] = []
        for (k, r) in requests.enumerated() where k < expected.count && expected[k] != verdicts[k] {
            if mismatches.count < 20 { mismatches.append("\(r.id ?? "?"): clearance \(verdicts[k].rawValue), model \(expected[k].rawValue)") }
            else { mismatches.append("") }
        }
        let splitDiffers = zip(verdicts, decideVerdicts).filter { $0 != $1 }.count
        if let decisionsOut {
            var w = FileIO.Writer()
            try w.open(decisionsOut)
            for (k, r) in requests.enumerated() { try w.append("\(r.id ?? "")\t\(verdicts[k].rawValue)\n") }
            try w.close()
        }
        let rss = peakRSSKilobytes()
        print("in-process: \(requests.count) requests; evaluation (facts) p50 \(p50) ns, p99 \(p99) ns, mean \(Int(mean)) ns; "
              + "decision with words (`decide`) p50 \(words.p50) ns, p99 \(words.p99) ns, mean \(Int(words.mean)) ns; "
              + "evaluation + JSON bytes p50 \(jsonTimes.p50) ns, p99 \(jsonTimes.p99) ns, mean \(Int(jsonTimes.mean)) ns (\(bytes / max(1, requests.count)) bytes each) "
              + "(clock cost \(clockNs) ns subtracted); setup \(Clock.format(t1 - t0)), request parsing \(Clock.format(t2 - t1)); "
              + "\(permits) permits; \(mismatches.count) differ from the reference model, \(splitDiffers) between evaluate and decide; peak RSS \(rss / 1024) MB")
        for m in mismatches.prefix(20) where !m.isEmpty { print("  differs: \(m)") }
        if let out {
            let o: JSONValue = .object(JSONObject([
                ("decisions", .number(Double(requests.count))), ("p50_ns", .number(Double(p50))), ("p99_ns", .number(Double(p99))),
                ("mean_ns", .number(mean.rounded())),
                ("decide_p50_ns", .number(Double(words.p50))), ("decide_p99_ns", .number(Double(words.p99))),
                ("decide_mean_ns", .number(words.mean.rounded())),
                ("json_p50_ns", .number(Double(jsonTimes.p50))), ("json_p99_ns", .number(Double(jsonTimes.p99))),
                ("json_mean_ns", .number(jsonTimes.mean.rounded())), ("loop_ns", .number(Double(loopNs))), ("clock_ns", .number(Double(clockNs))),
                ("setup_ns", .number(Double(t1 - t0))), ("parse_ns", .number(Double(t2 - t1))),
                ("permits", .number(Double(permits))), ("model_mismatches", .number(Double(mismatches.count))),
                ("peak_rss_kb", .number(Double(rss))),
            ]))
            try FileIO.write(o.serialized(pretty: true) + "\n", to: out)
        }
    }

    static func loadNotice(folder: String, source: String) throws(BenchError) -> NoticeTerms {
        let path = folder + "/" + source + ".json"
        let read = ODRLReader.read(try FileIO.readBytes(path))
        guard !read.hasErrors, let policy = read.policies.first else {
            throw BenchError("`\(path)` is not a valid policy: \(read.diagnostics.map(\.message).joined(separator: "; "))")
        }
        do { return try NoticeTerms(source: source, policy: policy) } catch { throw BenchError("`\(path)`: \(error)") }
    }

    static func loadAgreements(_ path: String) throws(BenchError) -> [Agreement] {
        let bytes = try FileIO.readBytes(path)
        // The byte scanner on all cores (what `check --agreements` does); the strict path for anything it declines.
        if let list = AgreementFile.scanAll(bytes) { return list }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw BenchError("`\(path)`: \(error.message)") }
        let (list, diags) = Agreement.parseList(json)
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty { throw BenchError("`\(path)`: \(errors.prefix(3).map(\.message).joined(separator: "; "))") }
        return list
    }

    static func loadRequests(_ path: String, limit: Int) throws(BenchError) -> [RepublicationRequest] {
        let bytes = try FileIO.readBytes(path)
        var out: [RepublicationRequest] = []
        var start = 0
        var lineNo = 0
        // Lines read by the byte scanner (as `check --batch` reads them; it returns what the strict path
        // would, tested), the strict path for any line it declines: 200,000 lines took 6.7 s strictly.
        var scanner = RequestScanner()
        while start < bytes.count && out.count < limit {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNo += 1
            if end > start {
                let range = start..<end
                if let r = bytes.withUnsafeBufferPointer({ scanner.scan(UnsafeBufferPointer(rebasing: $0[range]), now: nil) }) {
                    out.append(r)
                    start = end + 1
                    continue
                }
                let line = Array(bytes[start..<end])
                let value: JSONValue
                do { value = try JSONParser.parse(line) } catch { throw BenchError("`\(path)` line \(lineNo): \(error.message)") }
                let (r, diags) = RepublicationRequest.parse(value, now: nil)
                guard let r else { throw BenchError("`\(path)` line \(lineNo): \(diags.map(\.message).joined(separator: "; "))") }
                out.append(r)
            }
            start = end + 1
        }
        return out
    }

    /// `id<TAB>permit|deny` lines, in order.
    static func loadVerdicts(_ path: String) throws(BenchError) -> [Verdict] {
        try FileIO.read(path).split(separator: "\n").map { line in
            line.hasSuffix("\tpermit") ? Verdict.permit : Verdict.deny
        }
    }
}
