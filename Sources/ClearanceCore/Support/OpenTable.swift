/// A small map from keys to values by a 64-bit hash the caller makes: open addressing, linear
/// probing, a hit confirmed by `==` on the key. For the per-thread caches preparing agreements
/// (``NewsCompileCache``, ``AgreementScanner``), looked up ~15 times per stored version.
///
/// Why (bench/PROFILE.md, "prepare, session 9"): a `Dictionary` look-up there was ~300–600
/// instructions (SipHash of the key, the generic probe, and, for a class's stored dictionary, the
/// run-time exclusivity check around the `inout` access); the keys are already a few integers (a
/// date's milliseconds, a list's 4-bit code, a territory set's four words, an array's address), so
/// a multiply-xor of them picks the slot, and a look-up is a few dozen instructions.
///
/// Never shrinks; ``removeAll()`` empties it (the caches bound themselves with it).
struct OpenTable<Key: Equatable, Value> {
    /// Each slot's hash (0: empty; a stored hash is never 0), key (``empty`` in an empty slot) and value.
    /// The keys are not optional: comparing a key with an optional one copied both (a key holding a
    /// `String`, an embargo's text, was ~450 instructions of outlined copies and destroys a look-up).
    private var hashes: [UInt64] = []
    private var keys: [Key] = []
    private var values: [Value?] = []
    /// Entries kept.
    private(set) var count = 0
    /// What an empty slot holds as its key (never compared: an empty slot's hash is 0).
    private let empty: Key

    init(empty: Key) { self.empty = empty }

    /// A 64-bit mix of one word (the finaliser of MurmurHash3): good low bits for the slot.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }

    /// A mix of several words.
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 { mix(a ^ mix(b) &* 0x9E37_79B9_7F4A_7C15) }

    /// The slot holding (`hash`, `key`), or the empty slot where it would go (`hashes` not empty).
    @inline(__always)
    private func slot(_ hash: UInt64, _ key: Key) -> Int {
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let h = hashes[i]
            if h == 0 || (h == hash && keys[i] == key) { return i }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    private static func stored(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The value kept for `key` (whose hash is `hash`), if any.
    @inline(__always)
    func find(_ hash: UInt64, _ key: Key) -> Value? {
        guard !hashes.isEmpty else { return nil }
        return values[slot(Self.stored(hash), key)]
    }

    /// Keeps `value` for `key` (replacing what it had).
    mutating func insert(_ hash: UInt64, _ key: Key, _ value: Value) {
        if (count + 1) * 2 > hashes.count { grow() }
        let h = Self.stored(hash)
        let i = slot(h, key)
        if hashes[i] == 0 { count += 1 }
        hashes[i] = h
        keys[i] = key
        values[i] = value
    }

    /// Forgets every entry (keeps the slots).
    mutating func removeAll() {
        guard count > 0 else { return }
        for i in hashes.indices { hashes[i] = 0 }
        keys = [Key](repeating: empty, count: hashes.count)
        values = [Value?](repeating: nil, count: hashes.count)
        count = 0
    }

    private mutating func grow() {
        let old = (hashes, keys, values)
        let size = max(16, hashes.count * 2)
        hashes = [UInt64](repeating: 0, count: size)
        keys = [Key](repeating: empty, count: size)
        values = [Value?](repeating: nil, count: size)
        for i in old.0.indices where old.0[i] != 0 {
            let k = old.1[i]
            let j = slot(old.0[i], k)
            hashes[j] = old.0[i]
            keys[j] = k
            values[j] = old.2[i]
        }
    }
}
