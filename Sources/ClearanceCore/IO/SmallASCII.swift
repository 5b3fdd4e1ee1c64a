/// Short ASCII Strings made straight from their bytes' bits: the byte scanners' identifiers (`sub-007403`,
/// `ilkha-347004`, `r0000001`) without `String(decoding:as:)`'s validation and copy.
///
/// A String of at most 15 UTF-8 bytes is stored inline on 64-bit platforms (a "small" string): the bytes in its
/// two words, first byte lowest, and in the top byte of the second word a discriminator (`0xE0` for an ASCII
/// small string) or'ed with the count. `String(decoding:as:)` builds exactly those two words after checking the
/// bytes, ~168 instructions a String (callgrind, batch session 6: three per request line, ~500 of the scanner's
/// ~4,400). Built from the words the bytes already are in (``JSONByteCursor/packed(_:)``), it is ~5.
///
/// That layout is the standard library's, not a promise of the language, so it is *checked*, not assumed:
/// ``available`` compares, once per process, the words this type would build with those of Strings the standard
/// library made for every length 0–15 and a few byte patterns; when any differs (another platform, another
/// runtime), callers get `nil` from ``make(lo:hi:count:)`` and make the String the ordinary way. Tests compare
/// made Strings with ordinary ones (equality, hashing, UTF-8 view, count) over many random texts.
enum SmallASCII {
    /// Whether Strings made from bits equal the standard library's on this platform (checked once).
    static let available: Bool = {
        guard MemoryLayout<String>.size == 16 else { return false }
        let samples = ["", "a", "MX", "ilkha", "r0000001", "sub-007403", "ilkha-347004", "abcdefghijklmno",
                       "~ !#$%&'()*+,-.", "0123456789ABCDE", "Zz09-_:/.@", "2026-11-29T10:0"]
        var texts = samples
        for n in 0...15 { texts.append(String(repeating: "x", count: n)) }
        for text in texts {
            let bytes = Array(text.utf8)
            let made = String(decoding: bytes, as: UTF8.self)
            var lo: UInt64 = 0, hi: UInt64 = 0
            for (k, v) in bytes.enumerated() {
                if k < 8 { lo |= UInt64(v) << (8 * k) } else { hi |= UInt64(v) << (8 * (k - 8)) }
            }
            let words = unsafeBitCast(made, to: (UInt64, UInt64).self)
            guard words.0 == lo, words.1 == hi | (0xE0 | UInt64(bytes.count)) << 56 else { return false }
        }
        return true
    }()

    /// The String of the `count` (at most 15) printable ASCII bytes packed little-endian in `lo` and `hi`
    /// (zero above the last byte, as ``JSONByteCursor/packed(_:)`` gives them); nil when ``available`` is false
    /// or the bytes are not ASCII (the caller then makes the String the ordinary way).
    ///
    /// The two words are stored into a String's uninitialised storage and the String *moved* out: `unsafeBitCast` of the
    /// words gave a borrowed String that the caller then copied, a `swift_bridgeObjectRetain` call (~14 instructions,
    /// six a request line, ~1% of a 1M batch's retains) that does nothing for a small string (checked with
    /// `swiftc -O -emit-assembly`: the bit cast has the call, the move none; scan session 10).
    @inline(__always)
    static func make(lo: UInt64, hi: UInt64, count: Int, available: Bool) -> String? {
        guard available, count <= 15, (lo | hi) & 0x8080_8080_8080_8080 == 0 else { return nil }
        let top = hi | (0xE0 | UInt64(truncatingIfNeeded: count)) << 56
        return withUnsafeTemporaryAllocation(of: String.self, capacity: 1) { p -> String in
            let s = p.baseAddress.unsafelyUnwrapped
            let raw = UnsafeMutableRawPointer(s)
            raw.storeBytes(of: lo, as: UInt64.self)
            raw.storeBytes(of: top, toByteOffset: 8, as: UInt64.self)
            return s.move()
        }
    }
}
