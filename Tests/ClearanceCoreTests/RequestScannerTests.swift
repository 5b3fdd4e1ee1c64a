import ClearanceCore
import Foundation
import Testing

/// The byte-level request scanner against the strict path (`JSONParser` + `RepublicationRequest.parse`):
/// whatever the scanner reads, the strict path reads identically; what it declines, the strict path handles.
@Suite struct RequestScannerTests {
    static let now = Instant(year: 2026, month: 11, day: 29, hour: 12)
    static let lines: [String] = {
        let url = TestResources.root.appendingPathComponent("Fixtures/io/scanner-lines.jsonl")
        return String(decoding: TestResources.bytes(url), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }
    }()

    /// The strict reading of a line: nil when it is not a request.
    static func strict(_ line: String) -> RepublicationRequest? {
        guard let v = try? JSONParser.parse(Array(line.utf8)) else { return nil }
        return RepublicationRequest.parse(v, now: now).0
    }

    static func scan(_ line: String, now: Instant? = now) -> RepublicationRequest? {
        var scanner = RequestScanner()
        let bytes = Array(line.utf8)
        return bytes.withUnsafeBufferPointer { scanner.scan($0, now: now) }
    }

    /// Every line of the table: a scanned request equals the strict one; a declined line is left to the strict path.
    @Test func tableOfLines() {
        #expect(Self.lines.count >= 40)
        for line in Self.lines {
            if let fast = Self.scan(line) {
                #expect(fast == Self.strict(line), "scanner and strict path differ on: \(line)")
            }
        }
    }

    /// One scanner reading many lines (as a batch worker does: it expects each object's keys in the previous line's
    /// order) reads each exactly as a fresh scanner does, whatever came before.
    @Test func reusedScannerReadsAsAFreshOne() {
        var shared = RequestScanner()
        var rng = SplitMix(seed: 9)
        for _ in 0..<20 {
            for _ in 0..<Self.lines.count {
                let line = Self.lines[rng.next(Self.lines.count)]
                let bytes = Array(line.utf8)
                let reused = bytes.withUnsafeBufferPointer { shared.scan($0, now: Self.now) }
                #expect(reused == Self.scan(line), "\(line)")
            }
        }
    }

    /// Lines in one fixed key order without spaces (as `clearance-bench generate` and most producers write them), so a
    /// reused scanner's expected keys hold for nearly every key; values vary, some invalid, some keys dropped or
    /// renamed. The reused scanner reads exactly what the strict path reads.
    @Test func fixedOrderLinesAgree() {
        var shared = RequestScanner()
        var rng = SplitMix(seed: 10)
        var scanned = 0
        for n in 0..<20_000 {
            func v(_ good: String, _ bad: String) -> String { rng.next(15) == 0 ? bad : good }
            var line = "{"
            if rng.next(10) > 0 { line += "\"id\":\(v("\"r\(n)\"", "\(n)")),"}
            line += "\"subscriber\":\(v("\"sub-\(rng.next(500))\"", "\"\""))"
            line += ",\"source\":\(v("\"ilkha\"", "\" ilkha\""))"
            line += ",\(rng.next(40) == 0 ? "\"asset \"" : "\"asset\""):{\"id\":\"ilkha-\(rng.next(100_000))\",\"kind\":\(v("\"text\"", "\"Text\""))"
            if rng.next(3) > 0 {
                line += ",\"publishedAt\":\"2026-\(v(String(format: "%02d", 1 + rng.next(12)), "13"))-\(String(format: "%02d", 1 + rng.next(28)))T0\(rng.next(10)):3\(rng.next(10)):00Z\""
            }
            line += "},\"use\":{\"action\":\(v("\"display\"", "\"fly\""))"
            if rng.next(2) == 0 { line += ",\"extent\":\"partial\",\"portion\":\(v("0.\(1 + rng.next(9))", "1.5"))" } else { line += ",\"extent\":\"whole\"" }
            line += "},\"channel\":\(v("\"web\"", "\"fax\"")),\"territory\":\(v("\"IQ\"", "\"EU\""))"
            if rng.next(20) > 0 { line += ",\"at\":\"2026-\(String(format: "%02d", 1 + rng.next(12)))-\(v(String(format: "%02d", 1 + rng.next(28)), "32"))T1\(rng.next(10)):00:0\(rng.next(10))Z\"" }
            line += rng.next(50) == 0 ? ",\"extra\":1}" : "}"
            let bytes = Array(line.utf8)
            let reused = bytes.withUnsafeBufferPointer { shared.scan($0, now: Self.now) }
            if let reused {
                scanned += 1
                #expect(reused == Self.strict(line), "\(line)")
            }
            #expect(reused == Self.scan(line), "a reused scanner reads differently: \(line)")
        }
        #expect(scanned > 10_000)
    }

    /// Lines that differ from a line already read only here and there: a scanner that has kept that line's shape reads
    /// each exactly as a fresh scanner (which reads it in full) does, and as the strict path does when it reads it.
    @Test func linesNearAKeptShape() {
        let base = #"{"id":"r1","subscriber":"sub-1","source":"ilkha","asset":{"id":"ilkha-1","kind":"text","publishedAt":"2026-06-11T01:40:10Z"},"use":{"action":"display","extent":"partial","portion":0.85},"channel":"web","territory":"IQ","at":"2026-06-13T04:25:58Z"}"#
        func r(_ a: String, _ b: String) -> String { base.replacingOccurrences(of: a, with: b) }
        var variants: [String] = [base, base + " ", base + "x", base + "}", " " + base, String(base.dropLast()), String(base.dropLast(2))]
        variants += [
            r(#""portion":0.85"#, #""portion":1"#),
            r(#""portion":0.85"#, #""portion": 0.5"#),
            r(#""portion":0.85"#, #""portion":0.5e}"#),
            r(#""portion":0.85"#, #""portion":-0.5"#),
            r(#""portion":0.85"#, #""portion":"0.5""#),
            r(#""portion":0.85"#, #""portion":05"#),
            r(#""portion":0.85"#, #""portion":0.5 "#),
            r(#""id":"r1""#, #""id": "r1""#),
            r(#""id":"r1""#, #""id":1"#),
            r(#""id":"r1""#, #""id":null"#),
            r(#""id":"r1""#, #""id":"r\u0031""#),
            r(#""id":"r1""#, #""id":"r1\"x""#),
            r(#""id":"r1""#, #""id":"ş""#),
            r(#""id":"r1""#, #""id":{"a":"b"}"#),
            r(#""id":"r1""#, #""id":"""#),
            r(#""sub-1""#, #""sub-1","subscriber":"sub-2""#),
            r(#""kind":"text""#, #""kind":"text","kind":"text""#),
            r(#""territory":"IQ""#, #""territory":"iq""#),
            r(#""territory":"IQ""#, #""territory":"EU""#),
            r(#"04:25:58Z"#, #"04:25:60Z"#),
            r(#"04:25:58Z"#, #"04:25:58+03:00"#),
            r(#""channel":"web""#, #""channel" :"web""#),
            r(#""channel":"web""#, #""channels":"web""#),
            r(#""asset":{"#, #""asset" :{"#),
            #"{"subscriber":"sub-1","source":"ilkha","asset":{},"channel":"web","territory":"IQ"}"#,
            #"{"subscriber":"sub-1","source":"ilkha","assets":{},"channel":"web","territory":"IQ"}"#,
            #"{"subscriber":"sub-1","source":"ilkha","asset":{"id":"a","kind":"text"},"channel":"web","territory":"IQ"}"#,
            #"{"subscriber":"sub-1","source":"ilkha","asset":{"id":"a","kind":"text"},"channel":"web","territory":"IQ","at":"2026-01-01"}"#,
            #"{"subscriber":"sub-1","source":"ilkha","channel":"web","territory":"IQ"}"#,
            "{}", "{", "",
        ]
        // Each variant after the base line (its shape kept), after another variant, and in a random order.
        var rng = SplitMix(seed: 5)
        var orders = [variants.flatMap { [base, $0] }, variants + variants]
        orders.append((0..<400).map { _ in variants[rng.next(variants.count)] })
        for order in orders {
            var shared = RequestScanner()
            for line in order {
                let bytes = Array(line.utf8)
                let reused = bytes.withUnsafeBufferPointer { shared.scan($0, now: Self.now) }
                let fresh = Self.scan(line)
                #expect(reused == fresh, "a scanner with kept shapes reads differently: \(line)")
                if let fresh { #expect(fresh == Self.strict(line), "\(line)") }
            }
        }
        #expect(Self.scan(base) != nil)
    }

    /// The ordinary shapes take the fast path (else the scanner would be correct but useless).
    @Test(arguments: [0, 1, 2, 3, 4, 5, 7, 11, 44, 45])
    func ordinaryLinesAreScanned(_ k: Int) throws {
        let line = Self.lines[k]
        let fast = try #require(Self.scan(line), "declined: \(line)")
        #expect(fast == Self.strict(line))
    }

    /// Lines the strict path rejects or reads leniently are declined, so their answers stay the strict path's.
    @Test(arguments: [6, 8, 9, 10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
                      35, 36, 37, 38, 39, 40, 41, 42, 43])
    func unusualLinesAreDeclined(_ k: Int) {
        #expect(Self.scan(Self.lines[k]) == nil, "scanned: \(Self.lines[k])")
    }

    /// The direct request writer (decision-log rows) gives the same bytes as the JSON tree.
    @Test func requestWriterMatchesTheTree() {
        for line in Self.lines {
            guard let r = Self.strict(line) else { continue }
            #expect(r.jsonText == r.json.serialized(), "\(line)")
        }
    }

    /// Without a current time a request needs `at`.
    @Test func missingAtWithoutNowIsDeclined() {
        #expect(Self.scan(Self.lines[2], now: nil) == nil)
        #expect(Self.scan(Self.lines[1], now: nil) != nil)
    }

    /// Generated requests: random key order, spacing, optional fields and values (some invalid), then
    /// random byte edits. The scanner never disagrees with the strict path, and reads every clean line.
    @Test func generatedLinesAgree() {
        var rng = SplitMix(seed: 7)
        func pick<T>(_ a: [T]) -> T { a[rng.next(a.count)] }
        let ws = ["", "", "", " ", "  ", "\t", "\r"]
        var scanned = 0
        // One scanner for all lines besides a fresh one per line: the reused one's expected key order is mostly
        // wrong here (random orders) and sometimes right (repeated shapes).
        var shared = RequestScanner()
        var previous: [(String, String)] = []
        for n in 0..<30_000 {
            var clean = true
            func value(_ good: [String], _ bad: [String]) -> String {
                if rng.next(12) == 0 { clean = false; return pick(bad) }
                return pick(good)
            }
            var top: [(String, String)] = []
            if rng.next(3) > 0 { top.append(("id", value(["\"r\(n)\"", "\"x-\(n)\""], ["\(n)", "null", "\"\"", "\" a\"", "\"a\\u0041\""]))) }
            top.append(("subscriber", value(["\"sub-\(rng.next(100))\"", "\"al sharq\""], ["\"\"", "\"ş\"", "1", "\"a\\\"b\""])))
            top.append(("source", value(["\"ilkha\"", "\"aa\""], ["\"\"", "true"])))
            var asset: [(String, String)] = [("id", value(["\"ilkha-\(rng.next(1000))\""], ["\"\"", "[]"])),
                                             ("kind", value(["\"text\"", "\"photo\"", "\"video\"", "\"audio\"", "\"graphics\""], ["\"Photo\"", "\"image\""]))]
            if rng.next(2) == 0 {
                asset.append(("publishedAt", value(["\"2026-11-28T09:00:00Z\"", "\"2026-11-28\"", "\"2026-11-28T09:00:00.5+03:00\""],
                                                   ["\"2026-11-31\"", "\"yesterday\"", "\"2026-11-28T09:00:00z\""])))
            }
            if rng.next(10) == 0 { asset.append(("url", "\"https://example.com/a\"")) }
            top.append(("asset", object(asset, &rng, ws)))
            if rng.next(3) > 0 {
                var use: [(String, String)] = []
                let partial = rng.next(2) == 0
                if rng.next(2) == 0 { use.append(("action", value(["\"reproduce\"", "\"use\"", "\"translate\"", "\"odrl:distribute\""], ["\"fly\"", "\"\""]))) }
                if rng.next(2) == 0 || partial { use.append(("extent", value([partial ? "\"partial\"" : "\"whole\""], ["\"half\""]))) }
                if partial && rng.next(2) == 0 { use.append(("portion", value(["0.3", "1", "0.25", "1e-1"], ["0", "1.5", "-0.1", "\"0.3\"", "01"]))) }
                top.append(("use", object(use, &rng, ws)))
            }
            top.append(("channel", value(["\"web\"", "\"print\"", "\"social\"", "\"tv\""], ["\"fax\"", "\"Web\""])))
            top.append(("territory", value(["\"IQ\"", "\"tr\"", "\"De\""], ["\"EU\"", "\"ZZ\"", "\"IRQ\"", "\"\""])))
            if rng.next(3) > 0 { top.append(("at", value(["\"2026-11-29T10:00:00Z\"", "\"2026-11-29\""], ["\"2026-13-01\"", "\"now\""]))) }
            if rng.next(20) == 0 { top.append(("extra", "1")); clean = false }
            // Every fourth line keeps the previous line's top-level key order (a shared scanner's expectation holds).
            if rng.next(4) == 0 && previous.count == top.count && Set(previous.map(\.0)) == Set(top.map(\.0)) {
                let values = Dictionary(uniqueKeysWithValues: top)
                top = previous.map { ($0.0, values[$0.0] ?? "") }
            } else {
                for k in stride(from: top.count - 1, to: 0, by: -1) { top.swapAt(k, rng.next(k + 1)) }
            }
            previous = top
            var bytes = Array(object(top, &rng, ws, shuffle: false).utf8)
            if rng.next(4) == 0 {
                clean = false
                for _ in 0...rng.next(3) {
                    let pos = rng.next(bytes.count)
                    let alphabet = Array("{}[],:\"\\ 0aZ".utf8)
                    let c = alphabet[rng.next(alphabet.count)]
                    switch rng.next(3) {
                    case 0: bytes[pos] = c
                    case 1: bytes.insert(c, at: pos)
                    default: bytes.remove(at: pos)
                    }
                }
            }
            let line = String(decoding: bytes, as: UTF8.self)
            let fast = bytes.withUnsafeBufferPointer { b -> RepublicationRequest? in
                var s = RequestScanner()
                return s.scan(b, now: Self.now)
            }
            let reused = bytes.withUnsafeBufferPointer { shared.scan($0, now: Self.now) }
            #expect(reused == fast, "a reused scanner reads differently: \(line)")
            if let fast {
                scanned += 1
                #expect(fast == Self.strict(line), "scanner and strict path differ on: \(line)")
            } else if clean && !line.contains("al sharq") {
                Issue.record("a clean line was declined: \(line)")
            }
        }
        #expect(scanned > 5_000)
    }

    /// A JSON object from members in random order with random spacing.
    func object(_ members: [(String, String)], _ rng: inout SplitMix, _ ws: [String], shuffle: Bool = true) -> String {
        var m = members
        if shuffle { for k in stride(from: m.count - 1, to: 0, by: -1) { m.swapAt(k, rng.next(k + 1)) } }
        func w() -> String { ws[rng.next(ws.count)] }
        return w() + "{" + m.map { "\(w())\"\($0.0)\"\(w()):\(w())\($0.1)\(w())" }.joined(separator: ",") + "}" + w()
    }
}
