import Testing
@testable import ClearanceStore

/// The block-wise SHA-256 gives the same digest however the input is cut into `update` calls.
struct SHA256ChunkTests {
    @Test func chunkedUpdatesEqualOneShot() {
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        for _ in 0..<1000 {
            x = x &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: x >> 16))
        }
        for total in [0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000] {
            let input = Array(bytes.prefix(total))
            let whole = SHA256.hex(input)
            for piece in [1, 3, 63, 64, 65, 200] {
                var h = SHA256()
                var k = 0
                while k < input.count {
                    let end = min(input.count, k + piece)
                    h.update(input[k..<end])  // an ArraySlice: contiguous
                    k = end
                }
                #expect(SHA256.hexString(h.finalize()) == whole, "\(total) bytes in pieces of \(piece)")
            }
            // A non-contiguous sequence goes through the copying path.
            var lazy = SHA256()
            lazy.update(input.lazy.map { $0 })
            #expect(SHA256.hexString(lazy.finalize()) == whole)
        }
        #expect(SHA256.hex(String(repeating: "a", count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}

/// SHA-NI (when this CPU has it) and the Swift rounds give the same digests.
struct SHA256HardwareTests {
    @Test("SHA-256: hardware and Swift compression agree on random inputs of every length to 600 bytes, in pieces")
    func hardwareEqualsSoftware() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
        for n in 0...600 {
            let bytes = (0..<n).map { _ in next() }
            var hw = SHA256()
            var sw = SHA256(software: true)
            // Uneven pieces, so partial blocks are topped up on both paths.
            var i = 0
            var step = Int(next() % 70) + 1
            while i < n {
                let j = min(n, i + step)
                hw.update(bytes[i..<j])
                sw.update(bytes[i..<j])
                i = j
                step = step * 7 % 131 + 1
            }
            #expect(hw.finalize() == sw.finalize(), "length \(n)")
        }
        var big = SHA256(software: true)
        big.update(String(repeating: "a", count: 1_000))
        #expect(SHA256.hexString(big.finalize()) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
