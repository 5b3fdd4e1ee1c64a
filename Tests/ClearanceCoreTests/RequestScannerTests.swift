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
            var bytes = Array(object(top, &rng, ws).utf8)
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
    func object(_ members: [(String, String)], _ rng: inout SplitMix, _ ws: [String]) -> String {
        var m = members
        for k in stride(from: m.count - 1, to: 0, by: -1) { m.swapAt(k, rng.next(k + 1)) }
        func w() -> String { ws[rng.next(ws.count)] }
        return w() + "{" + m.map { "\(w())\"\($0.0)\"\(w()):\(w())\($0.1)\(w())" }.joined(separator: ",") + "}" + w()
    }
}
