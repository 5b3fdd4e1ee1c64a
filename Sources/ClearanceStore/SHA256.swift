import CSHA256
import Foundation

/// A small SHA-256 (FIPS 180-4), used for policy revision hashes and the hash chains of the
/// decision log and the usage ledger.
///
/// Blocks are compressed with the CPU's SHA extensions (SHA-NI, via the `CSHA256` C target) when
/// it has them, else by the Swift code below: `usage import` hashes every event's ~1 KB canonical
/// row, ~60,000 instructions in Swift, a few thousand with SHA-NI. valgrind does not emulate SHA-NI,
/// so under valgrind (or with `CLEARANCE_SHA256=software`) the Swift code is used; tests compare the
/// two on random inputs.
///
/// Not constant-time and not meant for secrets: it fingerprints public text.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    )
    /// The partial block (`buffered` bytes of it), inline: no heap allocation per hash.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var buffered = 0
    private var length: UInt64 = 0
    private let hardware: Bool

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// True when blocks are compressed with SHA-NI in this process.
    public static let hardwareAvailable: Bool = {
        if ProcessInfo.processInfo.environment["CLEARANCE_SHA256"] == "software" { return false }
        if clearance_sha256_hw_available() == 0 { return false }
        // valgrind reports the CPU's SHA feature but cannot execute the instructions.
        if ProcessInfo.processInfo.environment["LD_PRELOAD"]?.contains("valgrind") == true { return false }
        return true
    }()

    /// Starts an empty hash.
    public init() { hardware = Self.hardwareAvailable }

    /// Starts an empty hash that uses the Swift compression even where SHA-NI is available (tests).
    public init(software: Bool) { hardware = software ? false : Self.hardwareAvailable }

    /// Feeds bytes into the hash.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { p in
            update(UnsafeRawBufferPointer(p))
        }
        if done != nil { return }
        update(Array(bytes))
    }

    /// Feeds raw bytes into the hash: whole blocks compressed in place, without copying.
    public mutating func update(_ p: UnsafeRawBufferPointer) {
        guard p.count > 0, let base = p.baseAddress else { return }
        length &+= UInt64(p.count)
        var offset = 0
        // Top up a partial block first.
        if buffered > 0 {
            let take = min(64 - buffered, p.count)
            let at = buffered
            withUnsafeMutableBytes(of: &block) { b in (b.baseAddress! + at).copyMemory(from: base, byteCount: take) }
            buffered += take
            offset = take
            if buffered == 64 {
                var full = block
                withUnsafeBytes(of: &full) { compress($0.baseAddress!, blocks: 1) }
                buffered = 0
            }
        }
        let whole = (p.count - offset) / 64
        if whole > 0 {
            compress(base + offset, blocks: whole)
            offset += whole * 64
        }
        if offset < p.count {
            let rest = p.count - offset
            withUnsafeMutableBytes(of: &block) { b in b.baseAddress!.copyMemory(from: base + offset, byteCount: rest) }
            buffered = rest
        }
    }

    /// Feeds the UTF-8 bytes of a string into the hash.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes the hash and returns its 32 bytes.
    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var last = block
        var n = buffered
        withUnsafeMutableBytes(of: &last) { raw in
            raw[n] = 0x80
            n += 1
            if n > 56 {
                for i in n..<64 { raw[i] = 0 }
                compress(raw.baseAddress!, blocks: 1)
                n = 0
            }
            for i in n..<56 { raw[i] = 0 }
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: 56, as: UInt64.self)
            compress(raw.baseAddress!, blocks: 1)
        }
        buffered = 0
        let s = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in s { for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: w >> (UInt32(i) * 8))) } }
        return out
    }

    /// Compresses `blocks` 64-byte blocks at `p` into the state: SHA-NI, or the Swift rounds.
    private mutating func compress(_ p: UnsafeRawPointer, blocks: Int) {
        if hardware {
            withUnsafeMutablePointer(to: &state) { s in
                s.withMemoryRebound(to: UInt32.self, capacity: 8) { clearance_sha256_hw_blocks($0, p.assumingMemoryBound(to: UInt8.self), blocks) }
            }
            return
        }
        for i in 0..<blocks { compress(p + 64 * i) }
    }

    /// The SHA-256 of `bytes` as 64 lowercase hex digits.
    public static func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return hexString(h.finalize())
    }

    /// The SHA-256 of the UTF-8 bytes of `text` as 64 lowercase hex digits.
    public static func hex(_ text: String) -> String {
        var h = SHA256()
        h.update(text)
        return hexString(h.finalize())
    }

    /// Lowercase hex of bytes.
    public static func hexString(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let digits: StaticString = "0123456789abcdef"
            let d = digits.utf8Start
            var i = 0
            for b in bytes {
                out[i] = d[Int(b >> 4)]
                out[i + 1] = d[Int(b & 0x0f)]
                i += 2
            }
            return i
        }
    }

    @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// Compresses one 64-byte block at `block` into the state in Swift (message schedule on the stack, no bounds checks).
    private mutating func compress(_ block: UnsafeRawPointer) {
        var (a, b, c, d, e, f, g, h) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            }
            for i in 16..<64 {
                let x = w[i - 15], y = w[i - 2]
                let s0 = Self.rotr(x, 7) ^ Self.rotr(x, 18) ^ (x >> 3)
                let s1 = Self.rotr(y, 17) ^ Self.rotr(y, 19) ^ (y >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
                }
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
                 state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
    }
}
