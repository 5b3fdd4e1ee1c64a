import Testing
@testable import ClearanceCore

/// The fast scanner must agree with the strict parser: whenever it reads a line, the strict
/// parser reads the same fields; whenever the strict parser rejects a line, the scanner declines.
struct UsageScannerTests {
    static let valid = #"{"id": "u1", "subscriber": "alsharq", "source": "ilkha", "asset": {"id": "ilkha-482627", "kind": "photo", "publishedAt": "2026-11-28T09:00:00Z"}, "use": {"action": "reproduce", "extent": "partial", "portion": 0.3}, "channel": "web", "territory": "IQ", "at": "2026-11-29T10:00:00Z", "url": "https://alsharq.example/a/1", "attribution": "İLKHA", "link": true}"#

    static let lines: [String] = [
        valid,
        #"{}"#,
        #"{"id":"x","extra":{"deep":[1,2,{"a":null}]},"at":"2026-01-01"}"#,
        #"{"id":"x","asset":"ilkha-1"}"#,
        #"{"id":"x","link":"yes"}"#,
        #"{"id":"x","url":"https:\/\/a.example\/b"}"#,
        #"{"id":"x","id":"y"}"#,
        #"{"id":"x",}"#,
        #"{"id":"x""#,
        #"[1,2]"#,
        #"{"id":01}"#,
        #"{"id":1e400}"#,
        #"{"id":"x"} trailing"#,
        #"{"a":1,"a":2}"#,
        #"{"portion":-0.5e-1,"use":{"portion":1}}"#,
        #"  {"id" : "x" , "at" : "2026-01-01T00:00:00Z" }  "#,
        "{\"id\":\"tab\there\"}",
        #"{"id":"x","asset":{"id":"a","id":"b"}}"#,
        #"{"id":null,"subscriber":true,"link":false}"#,
        #"{"asset":{},"use":{}}"#,
        #"{"id":"\u0041"}"#,
        "{\"id\":\"\u{0645}\u{0631}\u{062D}\u{0628}\u{0627}\"}",
    ]

    static func strict(_ line: String) -> UsageFields? {
        guard let v = try? JSONParser.parse(line) else { return nil }
        var f = UsageFields(json: v)
        if case .object(let o) = v {
            f.sawAsset = o["asset"]?.objectValue != nil
            f.sawUse = o["use"]?.objectValue != nil
        }
        return f
    }

    static func fast(_ line: String) -> UsageFields? {
        Array(line.utf8).withUnsafeBufferPointer { UsageJSONScanner.scan($0) }
    }

    @Test(arguments: lines)
    func agreesWithTheStrictParser(_ line: String) {
        if let f = UsageScannerTests.fast(line) {
            let s = UsageScannerTests.strict(line)
            #expect(s != nil, "the scanner read a line the strict parser rejects")
            #expect(f == s)
        }
    }

    @Test func readsTheCommonShapeItself() throws {
        let f = try #require(UsageScannerTests.fast(UsageScannerTests.valid))
        #expect(f[.assetKind] == .string("photo"))
        #expect(f[.portion] == .number(0.3))
        #expect(f[.link] == .bool(true))
        #expect(f[.attribution] == .string("İLKHA"))
    }

    /// Property: every one-byte deletion, and every insertion of a JSON-significant byte, of a
    /// valid line keeps the scanner at most as permissive as the strict parser.
    @Test func mutationsNeverMakeTheScannerLaxer() {
        let base = Array(UsageScannerTests.valid.utf8)
        let inserts: [UInt8] = Array("{}[]\",:\\ 0-".utf8) + [0x00, 0xFF]
        var checked = 0
        for k in 0..<base.count {
            var del = base
            del.remove(at: k)
            check(del)
            for b in inserts where k % 3 == 0 {
                var ins = base
                ins.insert(b, at: k)
                check(ins)
            }
        }
        func check(_ bytes: [UInt8]) {
            checked += 1
            guard let f = bytes.withUnsafeBufferPointer({ UsageJSONScanner.scan($0) }) else { return }
            let v = try? JSONParser.parse(bytes)
            #expect(v != nil, "scanner accepted: \(String(decoding: bytes, as: UTF8.self))")
            if let v {
                var s = UsageFields(json: v)
                s.sawAsset = v["asset"]?.objectValue != nil
                s.sawUse = v["use"]?.objectValue != nil
                #expect(f == s)
            }
        }
        #expect(checked > 1000)
    }
}

struct UsageCSVTests {
    static func cells(_ row: String) -> [String]? {
        let b = Array(row.utf8)
        return b.withUnsafeBufferPointer { p in
            guard case .success(let c) = UsageCSV.split(p) else { return nil }
            return c.map { UsageCSV.text(of: $0, in: p) }
        }
    }

    @Test func splitsRows() {
        #expect(UsageCSVTests.cells("a,b,c") == ["a", "b", "c"])
        #expect(UsageCSVTests.cells("a,,c,") == ["a", "", "c", ""])
        #expect(UsageCSVTests.cells(#""a,1","say ""hi""",x"#) == ["a,1", #"say "hi""#, "x"])
        #expect(UsageCSVTests.cells("\"multi\nline\",z") == ["multi\nline", "z"])
        #expect(UsageCSVTests.cells("") == [""])
        #expect(UsageCSVTests.cells(#""open,b"#) == nil)
        #expect(UsageCSVTests.cells(#"a"b,c"#) == nil)
        #expect(UsageCSVTests.cells(#""a"x,c"#) == nil)
    }

    @Test func recognisesUsageHeaders() {
        func header(_ s: String) -> UsageCSV? { Array(s.utf8).withUnsafeBufferPointer { UsageCSV(header: $0) } }
        let h = header("id,subscriber,source,asset_id,kind,channel,territory,at,url,attribution,link,notes")
        #expect(h?.columns.count == 12)
        #expect(h?.columns.last == .some(nil))
        #expect(h?.columns[4] == "asset.kind")
        #expect(header("name,age,city") == nil)
        #expect(header("ID, Subscriber , AT") != nil)
    }
}
