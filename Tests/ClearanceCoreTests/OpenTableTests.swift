@testable import ClearanceCore
import Testing

/// ``OpenTable`` (the per-thread preparation caches' map, session 9) answers as a `Dictionary` does:
/// random inserts, replacements, look-ups and emptyings, with hashes that collide on purpose (a hit
/// must be confirmed by the key, never by the hash alone), a hash of 0, and growth past its first size.
@Suite struct OpenTableTests {
    /// Replays one random sequence on both maps, with a hash function of few distinct values.
    @Test(arguments: [(1, 3), (2, 17), (3, 1 << 40)])
    func answersAsADictionary(seed: Int, buckets: Int) {
        var rng = SplitMix(seed: UInt64(seed) &* 7_919)
        var table = OpenTable<Int, String>(empty: -1)
        var reference: [Int: String] = [:]
        func hash(_ k: Int) -> UInt64 { UInt64(k % buckets) }  // 0 too, and many keys per hash
        for step in 0..<5_000 {
            let k = rng.next(300)
            switch rng.next(10) {
            case 0..<4:
                let v = "v\(step)"
                table.insert(hash(k), k, v)
                reference[k] = v
            case 4 where rng.next(50) == 0:
                table.removeAll()
                reference.removeAll()
            default:
                #expect(table.find(hash(k), k) == reference[k], "step \(step) key \(k)")
            }
            #expect(table.count == reference.count)
        }
        for k in 0..<300 { #expect(table.find(hash(k), k) == reference[k]) }
    }

    /// An empty table answers nil (no slots yet), and a key is not found under another key's hash
    /// unless it is that key.
    @Test func emptyAndMismatchedKeys() {
        var table = OpenTable<UInt64, Int>(empty: 0)
        #expect(table.find(5, 5) == nil)
        table.insert(OpenTable<UInt64, Int>.mix(5), 5, 50)
        #expect(table.find(OpenTable<UInt64, Int>.mix(5), 5) == 50)
        #expect(table.find(OpenTable<UInt64, Int>.mix(5), 6) == nil)
        table.removeAll()
        #expect(table.find(OpenTable<UInt64, Int>.mix(5), 5) == nil)
        #expect(table.count == 0)
    }
}
