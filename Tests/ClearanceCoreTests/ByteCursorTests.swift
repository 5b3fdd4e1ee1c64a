import Foundation
import Testing
@testable import ClearanceCore

/// The byte cursor's word-at-a-time pieces against their byte-at-a-time definitions.
@Suite struct ByteCursorTests {
    /// `stops` flags, as its lowest set bit, exactly the first byte a plain run ends at (and nothing when none does).
    @Test func stopsFindsTheFirstSpecialByte() {
        var rng = SplitMix(seed: 11)
        // Bytes weighted towards the interesting ones: quote, backslash, controls, DEL, high bytes, the 0x20 edge.
        let special: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x1F, 0x20, 0x21, 0x7E, 0x7F, 0x80, 0xC3, 0xFF, 0x41, 0x61]
        for _ in 0..<200_000 {
            var bytes = [UInt8](repeating: 0, count: 8)
            for k in 0..<8 { bytes[k] = rng.next(3) == 0 ? special[rng.next(special.count)] : UInt8(0x20 + rng.next(0x5F)) }
            let w = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            for ascii in [true, false] {
                let first = bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || (ascii && $0 >= 0x7F) }
                let m = JSONByteCursor.stops(w, ascii: ascii)
                if let first {
                    #expect(m != 0 && m.trailingZeroBitCount >> 3 == first, "\(bytes) ascii \(ascii)")
                } else {
                    #expect(m == 0, "\(bytes) ascii \(ascii)")
                }
            }
        }
    }

    /// Strings read eight bytes at a time end where, and decline what, the byte-by-byte reading does.
    @Test func stringsMatchByteByByte() {
        var rng = SplitMix(seed: 12)
        let alphabet: [UInt8] = Array("abcXYZ019 -_.:/".utf8) + [0x22, 0x5C, 0x09, 0x7F, 0xC3, 0xA7]
        for _ in 0..<50_000 {
            var bytes: [UInt8] = [0x22]
            for _ in 0..<rng.next(40) { bytes.append(alphabet[rng.next(alphabet.count)]) }
            if rng.next(4) > 0 { bytes.append(0x22) }
            for _ in 0..<rng.next(12) { bytes.append(alphabet[rng.next(alphabet.count)]) }
            for ascii in [true, false] {
                // The definition: the first quote after the opening one ends it, unless a byte before it is refused.
                var expected: Range<Int>?
                for k in 1..<max(bytes.count, 1) where k < bytes.count {
                    let c = bytes[k]
                    if c == 0x22 { expected = 1..<k; break }
                    if c < 0x20 || c == 0x5C || (ascii && c >= 0x7F) { break }
                }
                let got = bytes.withUnsafeBufferPointer { b -> Range<Int>? in
                    var c = JSONByteCursor(b: b)
                    return c.text(ascii: ascii)
                }
                #expect(got == expected, "\(bytes) ascii \(ascii)")
            }
        }
    }

    /// Packed words hold exactly the range's bytes, whether read as words or byte by byte (near the end).
    @Test func packedIsTheBytes() {
        var rng = SplitMix(seed: 14)
        for _ in 0..<50_000 {
            let bytes = (0..<(1 + rng.next(40))).map { _ in UInt8(1 + rng.next(255)) }
            let lo = rng.next(bytes.count), hi = lo + rng.next(bytes.count - lo + 1)
            let got = bytes.withUnsafeBufferPointer { JSONByteCursor(b: $0).packed(lo..<hi) }
            guard hi - lo <= 16 else { #expect(got == nil); continue }
            var wlo: UInt64 = 0, whi: UInt64 = 0
            for (k, v) in bytes[lo..<hi].enumerated() {
                if k < 8 { wlo |= UInt64(v) << (8 * k) } else { whi |= UInt64(v) << (8 * (k - 8)) }
            }
            #expect(got?.lo == wlo && got?.hi == whi, "\(bytes) \(lo)..<\(hi)")
        }
    }

    /// Short decimals are read exactly as `Double(_:)` reads them; anything else is left to it.
    @Test func exactDecimalIsDoubleInit() {
        var rng = SplitMix(seed: 13)
        var texts = ["0", "1", "0.5", "0.85", "0.1", "0.3", "0.7", "1.0", "0.999999999999999", "0.000000000000001",
                     "123456789012345", "0.1234567890123456", "1e-1", "-0.25", "-0", "0.30000000000000004", "9007199254740993"]
        for _ in 0..<100_000 {
            var t = rng.next(5) == 0 ? "-" : ""
            t += String(rng.next(3) == 0 ? rng.next(1_000_000_000) : rng.next(10))
            if rng.next(4) > 0 {
                t += "."
                for _ in 0...rng.next(16) { t += String(rng.next(10)) }
            }
            texts.append(t)
        }
        var fast = 0
        for t in texts {
            let bytes = Array(t.utf8)
            let got = bytes.withUnsafeBufferPointer { b in JSONByteCursor(b: b).exactDecimal(0..<b.count) }
            if let got {
                fast += 1
                #expect(got.bitPattern == Double(t)?.bitPattern, "\(t)")
            }
        }
        #expect(fast > 50_000)
    }

    /// `YYYY-MM-DDThh:mm:ssZ` read eight bytes at a time gives the full reader's instant, and declines (nil) only
    /// what the full reader refuses or any other form (which the full reader then reads).
    @Test func utcDateTimeIsTheFullReader() {
        var rng = SplitMix(seed: 15)
        var texts = ["2026-06-13T04:25:58Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2000-02-29T12:00:00Z",
                     "1900-02-29T12:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-00-10T00:00:00Z",
                     "2026-13-10T00:00:00Z", "2026-04-31T00:00:00Z", "2026-04-00T00:00:00Z", "2026-01-01T24:00:00Z",
                     "2026-01-01T23:60:00Z", "2026-01-01T23:59:60Z", "2026-01-01t10:00:00Z", "2026-01-01T10:00:00z",
                     "2026-01-01 10:00:00Z", "2026-01-01T10:00:00+", "2026/01/01T10:00:00Z", "2026-01-01T10-00:00Z",
                     "2026-01-01T10:00:00.5Z", "2026-01-01", "2026-01-01T10:00Z", "2026-01-01T10:00:00+03:00"]
        // Random texts near the shape: digits anywhere, separators sometimes wrong, bytes around the digit range.
        let near: [UInt8] = Array("0123456789-T:Z/ t+.".utf8) + [0x2F, 0x3A, 0x00, 0x80, 0xB9, 0xBA, 0xFF]
        for _ in 0..<300_000 {
            var t = Array("2026-06-13T04:25:58Z".utf8)
            let mode = rng.next(4)
            for k in 0..<t.count {
                if mode == 0 || (t[k] >= 0x30 && t[k] <= 0x39) {
                    t[k] = rng.next(6) == 0 ? near[rng.next(near.count)] : UInt8(0x30 + rng.next(10))
                }
            }
            if mode == 1 {  // valid-looking month and day more often
                t[5] = UInt8(0x30 + rng.next(2)); t[8] = UInt8(0x30 + rng.next(4))
            }
            texts.append(String(decoding: t, as: UTF8.self))
            // And as many drawn from (nearly) valid fields: days up to 31 in every month, hours to 24, leap years.
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let y = [rng.next(10_000), 1600 + rng.next(900), 2000, 1900, 2024][rng.next(5)]
            let year = String(repeating: "0", count: 4 - String(y).count) + String(y)
            texts.append("\(year)-\(two(rng.next(13)))-\(two(rng.next(32)))T\(two(rng.next(25))):\(two(rng.next(61))):\(two(rng.next(61)))Z")
        }
        var fast = 0
        for t in texts {
            let bytes = Array(t.utf8)
            let full = bytes.withUnsafeBufferPointer { ISO8601.parseDateTime(utf8: $0)?.instant }
            let got = bytes.withUnsafeBufferPointer { JSONByteCursor(b: $0).utcDateTime(0..<$0.count) }
            if let got {
                fast += 1
                #expect(got == full, "\(t)")
            } else if bytes.count == 20 && bytes[10] == 0x54 && bytes[19] == 0x5A && bytes[4] == 0x2D && bytes[7] == 0x2D
                        && bytes[13] == 0x3A && bytes[16] == 0x3A {
                #expect(full == nil, "declined a date-time the full reader accepts: \(t)")
            }
            let both = bytes.withUnsafeBufferPointer { JSONByteCursor(b: $0).dateTime(0..<$0.count) }
            #expect(both == full, "\(t)")
        }
        #expect(fast > 100_000)
    }
}
