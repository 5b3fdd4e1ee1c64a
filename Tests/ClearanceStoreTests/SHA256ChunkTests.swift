import Testing
@testable import ClearanceStore

/// The SHA-256 (libcrypto) gives the FIPS 180-4 digests, the same digest however the input is cut into
/// `update` calls, and a copied value continues its midstate.
struct SHA256ChunkTests {
    @Test("SHA-256 matches the FIPS 180-4 known answers: empty, abc, 448-bit, 896-bit, a million 'a'")
    func knownAnswers() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // The million 'a' fed 1,000 bytes at a time.
        var h = SHA256()
        let thousand = [UInt8](repeating: 0x61, count: 1_000)
        for _ in 0..<1_000 { h.update(thousand) }
        #expect(SHA256.hexString(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("SHA-256: chunked updates equal one shot, for lengths around block boundaries")
    func chunkedUpdatesEqualOneShot() {
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
    }

    @Test("SHA-256: a copied midstate continued with the tail equals hashing prefix + tail; the original is untouched")
    func midstateContinuation() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
        let bytes = (0..<700).map { _ in next() }
        for cut in [0, 1, 55, 63, 64, 65, 128, 200, 333, 700] {
            var prefix = SHA256()
            prefix.update(bytes[0..<cut])
            let whole = SHA256.hex(bytes)
            // Two continuations of the same midstate (as two rows drafted from one prefix state would).
            var a = prefix
            var b = prefix
            a.update(bytes[cut...])
            b.update(bytes[cut...])
            #expect(SHA256.hexString(a.finalize()) == whole, "cut at \(cut)")
            #expect(SHA256.hexString(b.finalize()) == whole, "cut at \(cut), second copy")
            // The prefix value itself still hashes only the prefix.
            #expect(SHA256.hexString(prefix.finalize()) == SHA256.hex(bytes[0..<cut]), "prefix at \(cut)")
        }
    }
}
