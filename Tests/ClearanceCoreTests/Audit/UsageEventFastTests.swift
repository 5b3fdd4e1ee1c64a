import Foundation
import Testing
@testable import ClearanceCore

/// The audit's fast event builder (`UsageFields.fastEvent`) must give exactly the strict path's event
/// (`UsageEvent.parse` over the fields as JSON) whenever it gives one, and decline whatever is unusual.
struct UsageEventFastTests {
    static let valid = #"{"id":"u1","subscriber":"alsharq","source":"ilkha","asset":{"id":"ilkha-482627","kind":"photo","publishedAt":"2026-11-28T09:00:00Z"},"use":{"action":"reproduce","extent":"partial","portion":0.3},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z","url":"https://alsharq.example/a/1","attribution":"İLKHA","link":true}"#

    /// Variations of the valid line, one field changed at a time: each must be read the strict path's way.
    static let variations: [(String, String)] = [
        (#""id":"u1""#, #""id":7"#), (#""id":"u1""#, #""id":null"#), (#""id":"u1""#, #""id":" u1""#),
        (#""id":"u1""#, #""id":"""#), (#""id":"u1","#, ""), (#""subscriber":"alsharq""#, #""subscriber":"  ""#),
        (#""kind":"photo""#, #""kind":"Photo""#), (#""kind":"photo""#, #""kind":"film""#),
        (#""publishedAt":"2026-11-28T09:00:00Z""#, #""publishedAt":"2026-11-28""#),
        (#""publishedAt":"2026-11-28T09:00:00Z""#, #""publishedAt":"yesterday""#),
        (#""action":"reproduce""#, #""action":"odrl:reproduce""#), (#""action":"reproduce""#, #""action":"use""#),
        (#""action":"reproduce""#, #""action":"steal""#), (#""extent":"partial""#, #""extent":"whole""#),
        (#""portion":0.3"#, #""portion":0"#), (#""portion":0.3"#, #""portion":1"#), (#""portion":0.3"#, #""portion":1.5"#),
        (#""portion":0.3"#, #""portion":"0.3""#), (#""channel":"web""#, #""channel":"WEB""#),
        (#""territory":"IQ""#, #""territory":"iq""#), (#""territory":"IQ""#, #""territory":"MENA""#),
        (#""territory":"IQ""#, #""territory":"XX""#), (#""at":"2026-11-29T10:00:00Z""#, #""at":"2026-11-29""#),
        (#""at":"2026-11-29T10:00:00Z""#, #""at":"2026-11-29T12:00:00+02:00""#),
        (#""at":"2026-11-29T10:00:00Z""#, #""at":"2026-13-29""#), (#""url":"https://alsharq.example/a/1""#, #""url":" ""#),
        (#""attribution":"İLKHA""#, #""attribution":"""#), (#""link":true"#, #""link":"yes""#), (#""link":true"#, #""link":null"#),
        (#","use":{"action":"reproduce","extent":"partial","portion":0.3}"#, ""),
        (#""use":{"action":"reproduce","extent":"partial","portion":0.3}"#, #""use":{}"#),
    ]

    static var lines: [String] {
        [valid] + variations.map { valid.replacingOccurrences(of: $0.0, with: $0.1) }
    }

    /// The strict path's event for a line the scanner reads.
    static func strictEvent(_ f: UsageFields) -> UsageEvent? { UsageEvent.parse(f.jsonValue, at: "line 1").0 }

    static func scanned(_ line: String) -> UsageFields? {
        Array(line.utf8).withUnsafeBufferPointer { UsageJSONScanner.scan($0) }
    }

    @Test(arguments: lines)
    func agreesWithTheStrictPath(_ line: String) {
        guard let f = Self.scanned(line) else { return }
        if let fast = f.fastEvent() {
            #expect(fast == Self.strictEvent(f), "\(line)")
        }
    }

    @Test func takesTheCommonShape() throws {
        let f = try #require(Self.scanned(Self.valid))
        let e = try #require(f.fastEvent())
        #expect(e == Self.strictEvent(f))
        #expect(e.request.portion == 0.3 && e.link == true && e.attribution == "İLKHA")
        // No `use`: the defaults.
        let bare = Self.valid.replacingOccurrences(of: #","use":{"action":"reproduce","extent":"partial","portion":0.3}"#, with: "")
        let g = try #require(Self.scanned(bare)?.fastEvent())
        #expect(g.request.action == "reproduce" && g.request.extent == .whole && g.request.portion == nil)
    }

    @Test func declinesWhatTheStrictPathMustWord() throws {
        for (from, to) in [(#""id":"u1""#, #""id":7"#), (#""territory":"IQ""#, #""territory":"iq""#),
                           (#""kind":"photo""#, #""kind":"film""#), (#""portion":0.3"#, #""portion":1.5"#)] {
            let f = try #require(Self.scanned(Self.valid.replacingOccurrences(of: from, with: to)))
            #expect(f.fastEvent() == nil, "\(to)")
        }
    }

    /// Every line of the fuzz seed corpora (usage logs): the fast builder never disagrees with the strict path.
    @Test func agreesOnTheFuzzCorpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz/corpus")
        var checked = 0
        for folder in ["usage-jsonl", "usage-log"] {
            let dir = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                for line in [UInt8](data).split(separator: 0x0A) {
                    let f = Array(line).withUnsafeBufferPointer { UsageJSONScanner.scan($0) }
                    guard let f, let fast = f.fastEvent() else { continue }
                    #expect(fast == Self.strictEvent(f), "\(folder)/\(name)")
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }
}

/// `UsageLineFast` (the byte-level reader in front of the scanner) gives exactly the old path's event
/// whenever it gives one, and takes the common lines.
struct UsageLineFastTests {
    /// The old path: scanner, then the fast builder (itself tested against the strict path above), else strict.
    static func oldEvent(_ line: String) -> UsageEvent? {
        let bytes = Array(line.utf8)
        if let f = bytes.withUnsafeBufferPointer({ UsageJSONScanner.scan($0) }) {
            if let e = f.fastEvent() { return e }
            return UsageEvent.parse(f.jsonValue, at: "line 1").0
        }
        guard let v = try? JSONParser.parse(bytes) else { return nil }
        return UsageEvent.parse(v, at: "line 1").0
    }

    static func fastEvent(_ line: String, _ reader: inout UsageLineFast) -> UsageEvent? {
        Array(line.utf8).withUnsafeBufferPointer { reader.event($0) }
    }

    /// More variations than the fast builder's: spacing, order, unknown keys, escapes, scripts, repeats.
    static let extra: [(String, String)] = [
        (#""link":true"#, #""link":false"#), (#""link":true"#, #""link" : true "#), (#""link":true"#, #""link":truex"#),
        (#""attribution":"İLKHA""#, #""attribution":"IHA""#), (#""attribution":"İLKHA""#, #""attribution":"Foto: İLKHA""#),
        (#""attribution":"İLKHA""#, #""attribution":"\u0130LKHA""#), (#""attribution":"İLKHA""#, #""attribution":"  ""#),
        (#""url":"https://alsharq.example/a/1""#, #""url":"https://alsharq.example/ü""#),
        (#""url":"https://alsharq.example/a/1""#, #""url":"https://alsharq.example/a\/1""#),
        (#""id":"u1""#, #""id":"u1","note":"x""#), (#""id":"u1""#, #""id":"u1","id":"u2""#),
        (#""id":"u1""#, #""id":"u\u0001""#), (#""subscriber":"alsharq""#, #""subscriber":"al sharq""#),
        (#""subscriber":"alsharq""#, #""subscriber":"alsharq ""#), (#""territory":"IQ""#, #""territory":"I""#),
        (#""territory":"IQ""#, #""territory":"EU""#), (#""territory":"IQ""#, #""territory":"WORLD""#),
        (#""kind":"photo""#, #""kind":"video""#), (#""channel":"web""#, #""channel":"print""#),
        (#""portion":0.3"#, #""portion":3e-1"#), (#""portion":0.3"#, #""portion":1.0"#), (#""portion":0.3"#, #""portion":01"#),
        (#""extent":"partial","portion":0.3"#, #""extent":"whole","portion":1"#),
        (#""extent":"partial","portion":0.3"#, #""extent":"whole","portion":0.5"#),
        (#""asset":{"id":"ilkha-482627","#, #""asset":{"url":"x","id":"ilkha-482627","#),
        (#""publishedAt":"2026-11-28T09:00:00Z""#, #""publishedAt":"2026-11-28T09:00:00.250Z""#),
        (#""at":"2026-11-29T10:00:00Z""#, #""at":"2026-11-29T10:00:00.5Z""#),
        (#""action":"reproduce""#, #""action":"display""#), (#""action":"reproduce""#, #""action":"Display""#),
        (#"{"id""#, #" { "id""#), (#""link":true}"#, #""link":true} "#), (#""link":true}"#, #""link":true}}"#),
    ]

    static var lines: [String] {
        UsageEventFastTests.lines + extra.map { UsageEventFastTests.valid.replacingOccurrences(of: $0.0, with: $0.1) }
    }

    @Test(arguments: lines)
    func agreesWithTheOldPath(_ line: String) {
        var reader = UsageLineFast()
        // Twice: the second read finds the action and credit line among those kept.
        for _ in 0..<2 {
            if let fast = Self.fastEvent(line, &reader) {
                #expect(fast == Self.oldEvent(line), "\(line)")
            }
        }
    }

    @Test func takesTheCommonLines() throws {
        var reader = UsageLineFast()
        for line in [UsageEventFastTests.valid,
                     UsageEventFastTests.valid.replacingOccurrences(of: #","use":{"action":"reproduce","extent":"partial","portion":0.3}"#, with: ""),
                     UsageEventFastTests.valid.replacingOccurrences(of: #""attribution":"İLKHA""#, with: #""attribution":"Foto: İLKHA""#)] {
            let e = try #require(Self.fastEvent(line, &reader), "\(line)")
            #expect(e == Self.oldEvent(line))
        }
    }

    /// Differential on generated lines (the request shape's generator with the usage fields added at random) and two
    /// one-byte mutations of each: whenever the byte reader gives an event, the old path gives the same one; and it
    /// takes most clean lines (keys by packed words, identifiers made from their bits, dates by words: scan session 9).
    @Test func generatedLinesAgreeWithTheOldPath() {
        var rng = SplitMix(seed: 91)
        var reader = UsageLineFast()
        var fast = 0, clean = 0, mutatedFast = 0
        for n in 0..<4_000 {
            var text = RequestShapeTests.line(&rng, n)
            text.removeLast()
            if rng.next(3) > 0 { text += ",\"url\":\"https://news.example/sub-\(n)/\(rng.next(99))\"" }
            switch rng.next(4) {
            case 0: text += ",\"attribution\":\"İLKHA\""
            case 1: text += ",\"attribution\":\"Foto: IHA \(rng.next(3))\""
            case 2: text += ",\"attribution\":\"a credit line longer than sixteen bytes\""
            default: break
            }
            if rng.next(2) == 0 { text += rng.next(2) == 0 ? ",\"link\":true" : ",\"link\":false" }
            text += "}"
            for (bytes, isClean) in [(Array(text.utf8), true), (RequestShapeTests.mutated(text, &rng), false),
                                     (RequestShapeTests.mutated(text, &rng), false)] {
                let line = String(decoding: bytes, as: UTF8.self)
                if isClean { clean += 1 }
                guard let event = bytes.withUnsafeBufferPointer({ reader.event($0) }) else { continue }
                if isClean { fast += 1 } else { mutatedFast += 1 }
                // Compared as bytes: a mutated line's invalid UTF-8 would be repaired by `String(decoding:)`.
                #expect(event == bytes.withUnsafeBufferPointer({ b in Self.oldEvent(bytes: b) }), "\(line)")
            }
        }
        // Declined: lower-case territories, `odrl:use`, a missing `at` (about half of the generated lines).
        #expect(fast > clean / 3, "\(fast) of \(clean) clean lines read by bytes")
        #expect(mutatedFast > 500)
    }

    /// ``oldEvent(_:)`` on bytes.
    static func oldEvent(bytes: UnsafeBufferPointer<UInt8>) -> UsageEvent? {
        if let f = UsageJSONScanner.scan(bytes) {
            if let e = f.fastEvent() { return e }
            return UsageEvent.parse(f.jsonValue, at: "line 1").0
        }
        guard let v = try? JSONParser.parse(Array(bytes)) else { return nil }
        return UsageEvent.parse(v, at: "line 1").0
    }

    /// Every line of the fuzz seed corpora: never an event the old path would not give.
    @Test func agreesOnTheFuzzCorpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz/corpus")
        var checked = 0
        var reader = UsageLineFast()
        for folder in ["usage-jsonl", "usage-log"] {
            let dir = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names {
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else { continue }
                for line in [UInt8](data).split(separator: 0x0A) {
                    guard let fast = Array(line).withUnsafeBufferPointer({ reader.event($0) }) else { continue }
                    #expect(fast == Self.oldEvent(String(decoding: line, as: UTF8.self)), "\(folder)/\(name)")
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }
}

/// `Instant.auditText` is `description`, byte for byte.
struct InstantTextTests {
    @Test func equalsDescription() {
        var ms: Int64 = -62_135_596_800_000  // 0001-01-01
        var x: UInt64 = 7
        for _ in 0..<5_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let t = Instant(millisecondsSinceEpoch: ms)
            #expect(t.auditText == t.description, "\(ms)")
            ms += Int64(x >> 30) % 2_000_000_000_000 + Int64(x % 1000)
            if ms > 253_402_300_799_000 { break }
        }
        for t in [Instant(millisecondsSinceEpoch: 0), Instant(millisecondsSinceEpoch: 1), Instant(millisecondsSinceEpoch: -1),
                  Instant(millisecondsSinceEpoch: -62_200_000_000_000), Instant(millisecondsSinceEpoch: 253_402_300_799_999)] {
            #expect(t.auditText == t.description)
        }
    }
}
