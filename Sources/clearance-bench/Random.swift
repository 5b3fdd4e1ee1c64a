/// A small deterministic pseudo-random generator (SplitMix64): the same seed gives the same workload on any machine.
///
/// `SystemRandomNumberGenerator` is not seedable and Foundation's generators differ across platforms,
/// so the benchmark carries its own. SplitMix64 passes BigCrush and is more than enough for sampling.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator started from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<n` (n > 0).
    mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// One element of a non-empty array.
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }

    /// `k` distinct elements of `a` in their original order (k clamped to `1...a.count`).
    mutating func subset<T>(_ a: [T], count k: Int) -> [T] {
        let k = max(1, min(k, a.count))
        var idx = Array(a.indices)
        idx.shuffle(using: &self)
        return idx.prefix(k).sorted().map { a[$0] }
    }

    /// A uniform Int64 in `lo..<hi` (hi > lo).
    mutating func between(_ lo: Int64, _ hi: Int64) -> Int64 { Int64.random(in: lo..<hi, using: &self) }
}
