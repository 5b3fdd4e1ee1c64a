import Foundation
import Testing
@testable import ClearanceCore

/// The request scanner's fast pieces against the general ones they stand in for: a line read by a kept shape against
/// the same line read in full, Strings made from their bits against the standard library's, the date-time's day
/// arithmetic against `Instant(year:month:day:…)`.
@Suite struct RequestShapeTests {
    static let now = Instant(year: 2026, month: 11, day: 29, hour: 12)

    /// A line as `clearance-bench generate` writes them (one key order, no spaces), its values drawn at random:
    /// identifiers of 1–20 bytes, optional `id`, `publishedAt`, `extent` and `portion`, sometimes `url`.
    static func line(_ rng: inout SplitMix, _ n: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/ ")
        func ident(_ prefix: String = "") -> String {
            var s = prefix
            for _ in 0..<(1 + rng.next(prefix.isEmpty ? 20 : 8)) { s.append(alphabet[rng.next(alphabet.count - 1)]) }
            return s
        }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func date() -> String {
            "\(2020 + rng.next(10))-\(two(1 + rng.next(12)))-\(two(1 + rng.next(28)))T\(two(rng.next(24))):\(two(rng.next(60))):\(two(rng.next(60)))Z"
        }
        var s = "{"
        if rng.next(8) > 0 { s += "\"id\":\"\(rng.next(2) == 0 ? "r\(n)" : ident())\"," }
        s += "\"subscriber\":\"\(ident("sub-"))\",\"source\":\"\(["ilkha", "aa", "a-very-long-source-name"][rng.next(3)])\""
        s += ",\"asset\":{\"id\":\"\(ident("ilkha-"))\",\"kind\":\"\(["text", "photo", "video", "audio", "graphics"][rng.next(5)])\""
        if rng.next(4) > 0 { s += ",\"publishedAt\":\"\(date())\"" }
        if rng.next(12) == 0 { s += ",\"url\":\"https://example.com/\(n)\"" }
        s += "},\"use\":{\"action\":\"\(["reproduce", "extract", "translate", "odrl:use", "display"][rng.next(5)])\""
        switch rng.next(3) {
        case 0: s += ",\"extent\":\"whole\""
        case 1: s += ",\"extent\":\"partial\",\"portion\":0.\(1 + rng.next(99))"
        default: break
        }
        s += "},\"channel\":\"\(["web", "print", "tv", "newsletter", "social"][rng.next(5)])\""
        s += ",\"territory\":\"\(["MX", "SB", "IQ", "TR", "DE", "tr"][rng.next(6)])\""
        if rng.next(10) > 0 { s += ",\"at\":\"\(date())\"" }
        return s + "}"
    }

    /// The line with one byte replaced, inserted or removed at a random place, from an alphabet of JSON's
    /// punctuation, spaces, controls, DEL, a non-ASCII byte, digits and letters.
    static func mutated(_ line: String, _ rng: inout SplitMix) -> [UInt8] {
        var bytes = Array(line.utf8)
        let alphabet: [UInt8] = Array("{}[],:\"\\ 0aZ.e-".utf8) + [0x09, 0x0A, 0x00, 0x1F, 0x7F, 0x80, 0xC3]
        let pos = rng.next(bytes.count + 1)
        let c = alphabet[rng.next(alphabet.count)]
        switch rng.next(3) {
        case 0 where pos < bytes.count: bytes[pos] = c
        case 1: bytes.insert(c, at: pos)
        default: if pos < bytes.count { bytes.remove(at: pos) }
        }
        return bytes
    }

    static func strict(_ bytes: [UInt8]) -> RepublicationRequest? {
        guard let v = try? JSONParser.parse(bytes) else { return nil }
        return RepublicationRequest.parse(v, now: now).0
    }

    /// Whether two readings found the same values at the same places.
    static func same(_ a: RequestScanner.Fields, _ b: RequestScanner.Fields) -> Bool {
        a.sawAsset == b.sawAsset && RequestScanner.Field.allCases.allSatisfy { a[$0] == b[$0] }
    }

    /// Differential: one scanner that keeps shapes reads generated lines and their one-byte mutations. Whenever it
    /// reads a line by a kept shape, the full reading (``RequestScanner/structure(_:)``) finds exactly the same values
    /// at the same places; its request equals a fresh scanner's (which reads in full) and the strict path's; and the
    /// clean lines nearly all take the shape path (else it would be correct but useless).
    @Test func shapePathReadsWhatTheFullReadingReads() {
        var rng = SplitMix(seed: 81)
        var shared = RequestScanner()
        var byShape = 0, clean = 0, mutatedByShape = 0
        for n in 0..<6_000 {
            let text = Self.line(&rng, n)
            let variants: [(bytes: [UInt8], clean: Bool)] = [(Array(text.utf8), true), (Self.mutated(text, &rng), false),
                                                              (Self.mutated(text, &rng), false)]
            for (bytes, isClean) in variants {
                let (found, reused) = bytes.withUnsafeBufferPointer { b -> ((fields: RequestScanner.Fields, byShape: Bool)?, RepublicationRequest?) in
                    var probe = shared
                    let found = probe.fields(b)
                    return (found, shared.scan(b, now: Self.now))
                }
                let full = bytes.withUnsafeBufferPointer { RequestScanner.structure($0) }
                if let found, found.byShape {
                    if isClean { byShape += 1 } else { mutatedByShape += 1 }
                    if let full {
                        #expect(Self.same(found.fields, full), "\(String(decoding: bytes, as: UTF8.self))")
                    } else {
                        Issue.record("read by a shape, refused in full: \(String(decoding: bytes, as: UTF8.self))")
                    }
                } else if found == nil {
                    #expect(full == nil, "refused, read in full: \(String(decoding: bytes, as: UTF8.self))")
                }
                let fresh = bytes.withUnsafeBufferPointer { b -> RepublicationRequest? in
                    var s = RequestScanner()
                    return s.scan(b, now: Self.now)
                }
                #expect(reused == fresh, "a scanner with kept shapes reads differently: \(String(decoding: bytes, as: UTF8.self))")
                if let fresh { #expect(fresh == Self.strict(bytes), "\(String(decoding: bytes, as: UTF8.self))") }
                if isClean { clean += 1 }
            }
        }
        // 48 combinations of optional fields against 8 kept shapes, and mutated lines the full reading accepts (a
        // space inserted) displace shapes too: about 57% of clean lines went by a shape (a workload's ~100%).
        #expect(byShape > clean / 2, "\(byShape) of \(clean) clean lines by a shape")
        #expect(mutatedByShape > 500)
    }

    /// The line with one byte changed at a value the shape matcher reads itself (a date, the territory, a kind, channel
    /// or extent): just before its closing quote, right after it, or at its first byte; replaced, inserted or removed.
    static func mutatedAtReadValue(_ line: String, _ rng: inout SplitMix) -> [UInt8] {
        var bytes = Array(line.utf8)
        let keys = ["\"at\":\"", "\"publishedAt\":\"", "\"territory\":\"", "\"kind\":\"", "\"channel\":\"", "\"extent\":\""]
        let key = Array(keys[rng.next(keys.count)].utf8)
        guard let start = (0...(bytes.count - key.count)).first(where: { Array(bytes[$0..<($0 + key.count)]) == key }).map({ $0 + key.count }),
              let close = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return bytes }
        let alphabet: [UInt8] = Array("\"\\ 0aZz9-:TZ.".utf8) + [0x09, 0x00, 0x1F, 0x7F, 0x80]
        let pos = [close - 1, close, close + 1, start][rng.next(4)]
        let c = alphabet[rng.next(alphabet.count)]
        switch rng.next(3) {
        case 0 where pos < bytes.count: bytes[pos] = c
        case 1: bytes.insert(c, at: min(pos, bytes.count))
        default: if pos < bytes.count { bytes.remove(at: pos) }
        }
        return bytes
    }

    /// The differential above for changes where the shape matcher reads values itself (``mutatedAtReadValue(_:_:)``):
    /// whenever a kept shape reads such a line, the full reading finds the same values, and the request equals a fresh
    /// scanner's and the strict path's.
    @Test func valuesReadWhileMatchingAreTheFullReadings() {
        var rng = SplitMix(seed: 85)
        var shared = RequestScanner()
        var byShape = 0, accepted = 0
        for n in 0..<6_000 {
            let text = Self.line(&rng, n)
            for bytes in [Array(text.utf8), Self.mutatedAtReadValue(text, &rng), Self.mutatedAtReadValue(text, &rng)] {
                let (found, reused) = bytes.withUnsafeBufferPointer { b -> ((fields: RequestScanner.Fields, byShape: Bool)?, RepublicationRequest?) in
                    var probe = shared
                    return (probe.fields(b), shared.scan(b, now: Self.now))
                }
                let full = bytes.withUnsafeBufferPointer { RequestScanner.structure($0) }
                if let found, found.byShape {
                    byShape += 1
                    if let full {
                        #expect(Self.same(found.fields, full), "\(String(decoding: bytes, as: UTF8.self))")
                    } else {
                        Issue.record("read by a shape, refused in full: \(String(decoding: bytes, as: UTF8.self))")
                    }
                }
                let fresh = bytes.withUnsafeBufferPointer { b -> RepublicationRequest? in
                    var s = RequestScanner()
                    return s.scan(b, now: Self.now)
                }
                #expect(reused == fresh, "a scanner with kept shapes reads differently: \(String(decoding: bytes, as: UTF8.self))")
                if let fresh {
                    accepted += 1
                    #expect(fresh == Self.strict(bytes), "\(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
        #expect(byShape > 6_000 && accepted > 6_000, "\(byShape) by a shape, \(accepted) read")
    }

    /// Strings made from their bits are the standard library's Strings: equal, same hash, same bytes and count, usable
    /// as dictionary keys and in concatenation; non-ASCII bytes and 16 bytes are declined.
    @Test func smallStringsAreTheStandardLibrarys() throws {
        #expect(SmallASCII.available, "small Strings are made the slow way on this platform")
        var rng = SplitMix(seed: 82)
        var keys: [String: Int] = [:]
        for k in 0..<20_000 {
            let n = rng.next(16)
            let bytes = (0..<n).map { _ in UInt8(0x20 + rng.next(0x5F)) }
            let ordinary = String(decoding: bytes, as: UTF8.self)
            var lo: UInt64 = 0, hi: UInt64 = 0
            for (i, v) in bytes.enumerated() {
                if i < 8 { lo |= UInt64(v) << (8 * i) } else { hi |= UInt64(v) << (8 * (i - 8)) }
            }
            let made = try #require(SmallASCII.make(lo: lo, hi: hi, count: n, available: true))
            #expect(made == ordinary)
            #expect(made.hashValue == ordinary.hashValue)
            #expect(Array(made.utf8) == bytes)
            #expect(made.count == ordinary.count && made.utf8.count == n)
            #expect(made + "\u{e9}x" == ordinary + "\u{e9}x")
            #expect(made < ordinary + "!" || ordinary + "!" <= made)
            keys[made] = k
            #expect(keys[ordinary] == k)
        }
        #expect(SmallASCII.make(lo: 0xC3, hi: 0, count: 1, available: true) == nil)
        #expect(SmallASCII.make(lo: 0x61, hi: 0, count: 16, available: true) == nil)
        #expect(SmallASCII.make(lo: 0x61, hi: 0, count: 1, available: false) == nil)
    }

    /// `YYYY-MM-DDThh:mm:ssZ` read by words: every last and first day of every month of years 0000–9999 and every day
    /// of years around century and 400-year leap rules, against `Instant(year:month:day:…)` (the general arithmetic),
    /// and the day after each month's last refused.
    @Test func dateTimeDaysAreTheCalendars() {
        var rng = SplitMix(seed: 83)
        func digits(_ v: Int, _ n: Int) -> [UInt8] {
            var out = [UInt8](repeating: 0x30, count: n)
            var x = v
            for k in stride(from: n - 1, through: 0, by: -1) { out[k] = UInt8(0x30 + x % 10); x /= 10 }
            return out
        }
        func text(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> [UInt8] {
            digits(y, 4) + [0x2D] + digits(m, 2) + [0x2D] + digits(d, 2) + [0x54] + digits(h, 2) + [0x3A] + digits(mi, 2)
                + [0x3A] + digits(s, 2) + [0x5A]
        }
        func read(_ t: [UInt8]) -> Instant? { t.withUnsafeBufferPointer { JSONByteCursor(b: $0).utcDateTime(0..<$0.count) } }
        var checked = 0
        let full = Set([0, 1, 4, 100, 1600, 1700, 1899, 1900, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9999])
        for y in 0...9999 {
            for m in 1...12 {
                let last = CivilCalendar.daysInMonth(year: y, month: m)
                let days = full.contains(y) ? Array(1...last) : [1, last, 1 + rng.next(last)]
                for d in days {
                    let (h, mi, s) = (rng.next(24), rng.next(60), rng.next(60))
                    #expect(read(text(y, m, d, h, mi, s)) == Instant(year: y, month: m, day: d, hour: h, minute: mi, second: s),
                            "\(y)-\(m)-\(d)")
                    checked += 1
                }
                #expect(read(text(y, m, last + 1, 0, 0, 0)) == nil, "\(y)-\(m)-\(last + 1)")
            }
        }
        #expect(checked > 360_000)
    }

    /// The scanner's enumeration tables as plain values (``PackedNames``) answer as the byte tables' look-up does (which
    /// answers as `init(rawValue:)`): every name, and near misses (a byte changed, added or dropped, another case, a
    /// key's spelling, 16 and 17 bytes).
    @Test func packedNamesAreTheByteTables() {
        func check<E: RawRepresentable & CaseIterable & Equatable>(_: E.Type) where E.RawValue == String {
            let table = byteTable(E.self)
            let packed = PackedNames(table)
            var texts = E.allCases.map(\.rawValue)
            for name in E.allCases.map(\.rawValue) {
                texts += [name.uppercased(), String(name.dropLast()), name + "s", "x" + name, String(name.dropFirst()),
                          name.replacingOccurrences(of: "e", with: "f")]
            }
            texts += ["", "id", "subscriber", "whole ", "abcdefghijklmnop", "abcdefghijklmnopq", "odrl:use"]
            // Random texts of 0–17 bytes from the names' own letters (the perfect hash puts many in a name's slot).
            var rng = SplitMix(seed: 83)
            let letters = Array(Set(E.allCases.flatMap { Array($0.rawValue.utf8) })) + Array("Z -".utf8)
            for _ in 0..<3_000 { texts.append(String(decoding: (0..<rng.next(18)).map { _ in letters[rng.next(letters.count)] }, as: UTF8.self)) }
            // Every name kept in its own slot (the multiplier search found one).
            #expect(packed.keepsAll(table), "\(E.self)")
            for text in texts {
                // Padded with a closing quote and more, as inside a line (`packed` loads 16 bytes when it can).
                let bytes = Array(text.utf8) + Array("\"}                ".utf8)
                bytes.withUnsafeBufferPointer { b in
                    let c = JSONByteCursor(b: b)
                    let r = 0..<text.utf8.count
                    #expect(packed.find(c, r) == c.lookup(r, table), "\(E.self) `\(text)`")
                    #expect(packed.find(c, r) == E(rawValue: text), "\(E.self) `\(text)`")
                }
            }
        }
        check(Channel.self)
        check(AssetKind.self)
        check(Extent.self)
        check(AgreementKind.self)
        check(QuotaPeriod.self)
    }

    /// A shape's value end (two words without a branch, then the loop) is ``JSONByteCursor/plainEnd(from:ascii:)``'s:
    /// random texts of quotes, backslashes, controls, DEL, non-ASCII bytes and letters, from every start, every length
    /// near the end of the text.
    @Test func valueEndIsThePlainRun() {
        var rng = SplitMix(seed: 84)
        let alphabet: [UInt8] = Array("abcXYZ09 -:\"\\".utf8) + [0x00, 0x09, 0x1F, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]
        var checked = 0
        for _ in 0..<4_000 {
            let bytes = (0..<rng.next(48)).map { _ in
                rng.next(4) == 0 ? alphabet[rng.next(alphabet.count)] : UInt8(ascii: "a") + UInt8(rng.next(26))
            }
            bytes.withUnsafeBufferPointer { b in
                for j in 0...b.count {
                    #expect(RequestScanner.valueEnd(b, j) == JSONByteCursor(b: b).plainEnd(from: j, ascii: true), "\(bytes) from \(j)")
                    checked += 1
                }
            }
        }
        #expect(checked > 50_000)
    }
}
