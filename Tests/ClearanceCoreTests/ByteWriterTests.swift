import Testing
@testable import ClearanceCore

/// ``ByteWriter`` (the usage import's raw-pointer buffer) escapes exactly as the `[UInt8]` path and as
/// ``JSONValue``'s writer, and keeps its bytes when it grows.
struct ByteWriterTests {
    @Test func escapesAsTheArrayPathAndTheValueWriter() {
        let samples = ["", "plain", "İLKHA \"q\" \\ \n\r\t\u{1}\u{1f}", "\u{2028}x\u{2029}", "\u{2027}\u{2030}€", "وكالة",
                       String(repeating: "ab\"", count: 400)]
        for s in samples {
            var array: [UInt8] = []
            JSONBytes.appendString(s, to: &array)
            var w = ByteWriter(capacity: 1)
            JSONBytes.appendString(s, to: &w)
            #expect(Array(w.bytes) == array, "\(s.prefix(20))")
            #expect(String(decoding: array, as: UTF8.self) == JSONValue.string(s).serialized(pretty: false, sortedKeys: false))
            w.free()
        }
    }

    /// The short-piece copy (overlapping loads up to 32 bytes, `memcpy` beyond) and the word-wise
    /// compare are a byte copy and a byte compare at every length and offset.
    @Test func copiesAndComparesAtEveryLength() {
        let source = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        source.withUnsafeBufferPointer { src in
            for n in 1...100 {
                for offset in [0, 1, 3, 7] {
                    var w = ByteWriter(capacity: 1)
                    w.put(0x2A)
                    w.put(UnsafeBufferPointer(rebasing: src[offset..<(offset + n)]))
                    w.put(0x2A)
                    #expect(Array(w.bytes) == [0x2A] + Array(source[offset..<(offset + n)]) + [0x2A], "n \(n) offset \(offset)")
                    w.free()
                    guard let base = src.baseAddress else { continue }
                    #expect(ByteWriter.equal(base + offset, base + offset, count: n))
                    var other = Array(source[offset..<(offset + n)])
                    for k in [0, n / 2, n - 1] {
                        other[k] ^= 0x40
                        other.withUnsafeBufferPointer { o in
                            if let ob = o.baseAddress { #expect(!ByteWriter.equal(base + offset, ob, count: n), "n \(n) byte \(k)") }
                        }
                        other[k] ^= 0x40
                    }
                }
            }
        }
    }

    @Test func growsKeepingItsBytes() {
        var w = ByteWriter(capacity: 3)
        var expected: [UInt8] = []
        for k in 0..<5_000 {
            let b = UInt8(truncatingIfNeeded: k &* 7)
            if k % 3 == 0 { w.put(b); expected.append(b) } else {
                let piece = [b, b &+ 1, b &+ 2]
                piece.withUnsafeBufferPointer { w.put($0) }
                expected.append(contentsOf: piece)
            }
        }
        w.put("end" as StaticString)
        expected.append(contentsOf: Array("end".utf8))
        #expect(Array(w.bytes) == expected)
        w.removeAll()
        #expect(w.count == 0)
        w.free()
    }
}
