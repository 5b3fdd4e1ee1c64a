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
}
