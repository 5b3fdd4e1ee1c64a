import Testing
@testable import ClearanceCore

/// `Parallel.map` (contract import, the store's bulk load, a batch's preparation) is `map`: same results, same order.
struct ParallelTests {
    @Test(arguments: [0, 1, 7, 511, 512, 513, 10_000])
    func sameAsMapInOrder(count: Int) {
        let items = (0..<count).map { $0 * 7 + 3 }
        #expect(Parallel.map(items, minimumChunk: 256) { $0 * $0 } == items.map { $0 * $0 })
        // Reference-counted results (strings) are moved out exactly once: no leak, no double free.
        #expect(Parallel.map(items, minimumChunk: 16) { "v\($0)" } == items.map { "v\($0)" })
    }

    /// The state is made per chunk and threaded through that chunk's items in order.
    @Test func statePerChunk() {
        let items = Array(0..<5_000)
        let out = Parallel.map(items, minimumChunk: 64, state: { [Int]() }) { seen, item -> Bool in
            // Within a chunk, items arrive in increasing order.
            let ok = seen.last.map { $0 < item } ?? true
            seen.append(item)
            return ok
        }
        #expect(out.count == items.count && out.allSatisfy { $0 })
    }
}
