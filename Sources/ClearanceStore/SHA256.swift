internal import CCryptoSHA
import Foundation

/// A SHA-256 (FIPS 180-4) for policy revision hashes and the hash chains of the decision log and the
/// usage ledger: OpenSSL's libcrypto (which uses the CPU's SHA extensions where it has them).
///
/// The value holds a `SHA256_CTX` inline, so copying a `SHA256` copies the midstate: `LedgerDraft`
/// hashes a row's canonical prefix on the decide threads and the writer continues a copy with the tail.
/// Not meant for secrets: it fingerprints public text.
public struct SHA256: @unchecked Sendable {
    // @unchecked: a plain C struct of integers, no pointers; copied by value like the rest of the value.
    private var context = SHA256_CTX()

    /// Starts an empty hash.
    public init() { ccrypto_sha256_init(&context) }

    /// Feeds bytes into the hash.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { p in
            update(UnsafeRawBufferPointer(p))
        }
        if done != nil { return }
        update(Array(bytes))
    }

    /// Feeds raw bytes into the hash, without copying them.
    public mutating func update(_ p: UnsafeRawBufferPointer) {
        guard p.count > 0, let base = p.baseAddress else { return }
        ccrypto_sha256_update(&context, base, p.count)
    }

    /// Feeds the UTF-8 bytes of a string into the hash.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Finishes the hash and returns its 32 bytes.
    public mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { out, n in
            ccrypto_sha256_final(out.baseAddress!, &context)
            n = 32
        }
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
}
