import ClearanceCore

/// In-process cost of the I/O around a decision in `check --batch`: reading a request line and writing a decision.
///
///     clearance-bench io --dir DIR [--policies DIR] [--limit N] [--reference-limit N] [--out FILE]
///
/// - read, strict: `JSONParser.parse` + `RepublicationRequest.parse` per line (the path every line took before)
/// - read, scanner: ``RequestScanner`` per line (what `check --batch` does; the strict path only for declined lines)
/// - write: `NewsDecision.appendJSON` into a reused buffer, against `json.serialized()` (the tree writer)
/// Each is timed over all lines (whole-loop time / lines, best of 3 passes) — the two reference paths (strict
/// reading, tree writing: 20 and 50 µs a line) over the first `--reference-limit` lines only (default 20,000;
/// over 200,000 they alone took ~45 s of the benchmark); decisions for the writer come from deciding the first
/// 2,000 requests once. Prints ns per line and checks the scanner agrees with the strict path on the reference lines.
enum IOBench {
    static func run(_ flags: Flags) throws(BenchError) {
        let dir = try flags.string("dir")
        let policies = try flags.string("policies", default: "Policies")
        let limit = try flags.int("limit", default: 200_000)
        let referenceLimit = max(1, try flags.int("reference-limit", default: 20_000))
        let bytes = try FileIO.readBytes(dir + "/requests.jsonl")
        var lines: [Range<Int>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            if i > start { lines.append(start..<i) }
            start = i + 1
            if lines.count >= limit { break }
        }
        let now = Instant(year: 2026, month: 11, day: 29)
        func best(_ body: () -> Int) -> (ns: Int64, result: Int) {
            var bestNs = Int64.max
            var result = 0
            for _ in 0..<3 {
                let t0 = Clock.now()
                result = body()
                bestNs = min(bestNs, Clock.now() - t0)
            }
            return (bestNs, result)
        }
        let reference = Array(lines.prefix(referenceLimit))
        let strict = best {
            var n = 0
            for r in reference {
                guard let v = try? JSONParser.parse(Array(bytes[r])) else { continue }
                if RepublicationRequest.parse(v, now: now).0 != nil { n += 1 }
            }
            return n
        }
        var scanner = RequestScanner()
        let scanned = bytes.withUnsafeBufferPointer { buf in
            best {
                var n = 0
                for r in lines where scanner.scan(UnsafeBufferPointer(rebasing: buf[r]), now: now) != nil { n += 1 }
                return n
            }
        }
        // Agreement check on the reference lines.
        var differ = 0
        var scannedReference = 0
        bytes.withUnsafeBufferPointer { buf in
            for r in reference {
                let fast = scanner.scan(UnsafeBufferPointer(rebasing: buf[r]), now: now)
                let v = try? JSONParser.parse(Array(bytes[r]))
                let slow = v.flatMap { RepublicationRequest.parse($0, now: now).0 }
                if let fast { scannedReference += 1; if fast != slow { differ += 1 } }
            }
        }
        // Decisions to write.
        let notice = try InProcess.loadNotice(folder: policies, source: "ilkha")
        let agreements = try InProcess.loadAgreements(dir + "/agreements.json")
        var sample: [NewsDecision] = []
        var prepared: [String: [PreparedAgreement]] = [:]
        var bySub: [String: [Agreement]] = [:]
        for a in agreements { bySub[a.subscriber.id, default: []].append(a) }
        bytes.withUnsafeBufferPointer { buf in
            for r in lines.prefix(2_000) {
                guard let q = scanner.scan(UnsafeBufferPointer(rebasing: buf[r]), now: now) else { continue }
                if prepared[q.subscriber] == nil {
                    prepared[q.subscriber] = (bySub[q.subscriber] ?? []).compactMap { try? PreparedAgreement($0) }
                }
                sample.append(NewsDecider(notice: notice, agreements: prepared[q.subscriber] ?? []).decide(q))
            }
        }
        let writes = max(1, lines.count)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 22)
        let direct = best {
            var total = 0
            for k in 0..<writes {
                sample[k % sample.count].appendJSON(to: &out)
                out.append(0x0A)
                if out.count > 1 << 22 { total += out.count; out.removeAll(keepingCapacity: true) }
            }
            return total + out.count
        }
        let treeWrites = min(writes, referenceLimit)
        let tree = best {
            var total = 0
            for k in 0..<treeWrites { total += sample[k % sample.count].json.serialized().utf8.count + 1 }
            return total
        }
        let n = Double(lines.count)
        func per(_ ns: Int64, _ count: Int) -> String { String(format1(Double(ns) / Double(count))) }
        print("io: \(lines.count) request lines (\(bytes.count / max(1, lines.count)) bytes avg); "
              + "read strict \(per(strict.ns, reference.count)) ns/line (first \(reference.count)), scanner \(per(scanned.ns, lines.count)) ns/line "
              + "(\(scanned.result) of \(lines.count) lines scanned; \(scannedReference) of \(strict.result) valid reference lines, \(differ) differ); "
              + "write appendJSON \(per(direct.ns, writes)) ns/decision, tree serializer \(per(tree.ns, treeWrites)) ns/decision (first \(treeWrites))")
        _ = n
        if let outPath = flags.values["out"] {
            let o: JSONValue = .object(JSONObject([
                ("lines", .number(Double(lines.count))),
                ("read_strict_ns", .number(Double(strict.ns) / Double(reference.count))),
                ("read_scanner_ns", .number(Double(scanned.ns) / Double(lines.count))),
                ("scanned", .number(Double(scanned.result))), ("differ", .number(Double(differ))),
                ("write_direct_ns", .number(Double(direct.ns) / Double(writes))),
                ("write_tree_ns", .number(Double(tree.ns) / Double(treeWrites))),
            ]))
            try FileIO.write(o.serialized(pretty: true) + "\n", to: outPath)
        }
        if differ > 0 { throw BenchError("the scanner and the strict path differ on \(differ) lines") }
    }

    static func format1(_ v: Double) -> String {
        let t = (v * 10).rounded() / 10
        return t == t.rounded() ? String(Int(t)) : String(t)
    }
}
