import ClearanceCore

/// In-process cost of the I/O around a decision in `check --batch`: reading a request line and writing a decision.
///
///     clearance-bench io --dir DIR [--policies DIR] [--limit N] [--out FILE]
///
/// - read, strict: `JSONParser.parse` + `RepublicationRequest.parse` per line (the path every line took before)
/// - read, scanner: ``RequestScanner`` per line (what `check --batch` does; the strict path only for declined lines)
/// - write: `NewsDecision.appendJSON` into a reused buffer, against `json.serialized()` (the tree writer)
/// Each is timed over all lines (whole-loop time / lines, best of 3 passes); decisions for the writer come from
/// deciding the first 2,000 requests once. Prints ns per line and checks the scanner agrees with the strict path.
enum IOBench {
    static func run(_ flags: Flags) throws(BenchError) {
        let dir = try flags.string("dir")
        let policies = try flags.string("policies", default: "Policies")
        let limit = try flags.int("limit", default: 200_000)
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
        let strict = best {
            var n = 0
            for r in lines {
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
        // Agreement check on every line.
        var differ = 0
        bytes.withUnsafeBufferPointer { buf in
            for r in lines {
                let fast = scanner.scan(UnsafeBufferPointer(rebasing: buf[r]), now: now)
                let v = try? JSONParser.parse(Array(bytes[r]))
                let slow = v.flatMap { RepublicationRequest.parse($0, now: now).0 }
                if let fast, fast != slow { differ += 1 }
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
        let tree = best {
            var total = 0
            for k in 0..<writes { total += sample[k % sample.count].json.serialized().utf8.count + 1 }
            return total
        }
        let n = Double(lines.count)
        func per(_ ns: Int64, _ count: Int) -> String { String(format1(Double(ns) / Double(count))) }
        print("io: \(lines.count) request lines (\(bytes.count / max(1, lines.count)) bytes avg); "
              + "read strict \(per(strict.ns, lines.count)) ns/line, scanner \(per(scanned.ns, lines.count)) ns/line "
              + "(\(scanned.result) of \(strict.result) valid lines scanned, \(differ) differ); "
              + "write appendJSON \(per(direct.ns, writes)) ns/decision, tree serializer \(per(tree.ns, writes)) ns/decision")
        _ = n
        if let outPath = flags.values["out"] {
            let o: JSONValue = .object(JSONObject([
                ("lines", .number(Double(lines.count))),
                ("read_strict_ns", .number(Double(strict.ns) / Double(lines.count))),
                ("read_scanner_ns", .number(Double(scanned.ns) / Double(lines.count))),
                ("scanned", .number(Double(scanned.result))), ("differ", .number(Double(differ))),
                ("write_direct_ns", .number(Double(direct.ns) / Double(writes))),
                ("write_tree_ns", .number(Double(tree.ns) / Double(writes))),
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
