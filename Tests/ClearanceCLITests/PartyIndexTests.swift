import Testing
@testable import ClearanceCLI

/// `check --batch`'s party look-up (``PartyIndex``): every key found at its position, anything else not found,
/// whatever the sources, the id lengths (small and heap strings) and the collisions.
@Suite struct PartyIndexTests {
    /// Keys of `subscribers` subscribers with each of `sources`, some ids longer than a small string's 15 bytes.
    static func keys(subscribers: Int, sources: [String]) -> [Parties] {
        var keys: [Parties] = []
        for s in 0..<subscribers {
            let id = s % 7 == 3 ? "subscriber-with-a-long-identifier-\(s)" : "sub-\(s)"
            for source in sources { keys.append(Parties(subscriber: id, source: source)) }
        }
        return keys
    }

    @Test("every key is found at its position; near misses are not found", arguments: [
        (0, ["ilkha"]), (1, ["ilkha"]), (12, ["ilkha"]), (10_000, ["ilkha"]), (3_000, ["ilkha", "aa", "a-much-longer-source-name-here"]),
    ] as [(Int, [String])])
    func findsEveryKey(subscribers: Int, sources: [String]) {
        let keys = Self.keys(subscribers: subscribers, sources: sources)
        let index = PartyIndex(keys)
        for (k, p) in keys.enumerated() {
            #expect(index.find(subscriber: p.subscriber, source: p.source) == k)
            #expect(index[p] == k)
            // The batch's way: the hash made once, the bucket asked for, then found with that hash.
            let h = PartyIndex.hash(p.subscriber, p.source)
            index.prefetch(hash: h)
            #expect(index.find(hash: h, subscriber: p.subscriber, source: p.source) == k)
        }
        for s in stride(from: 0, to: max(subscribers, 1), by: max(1, subscribers / 500)) {
            #expect(index.find(subscriber: "sub-\(s)x", source: sources[0]) == nil)
            #expect(index.find(subscriber: "sub-\(s)", source: "other") == nil)
            #expect(index.find(subscriber: "sub-\(s)", source: sources[0] + "x") == nil)
            #expect(index.find(subscriber: "", source: sources[0]) == nil)
        }
        #expect(index.find(subscriber: "sub-\(subscribers)", source: sources[0]) == nil)
    }

    @Test("a repeated key keeps its first position")
    func repeatedKey() {
        let a = Parties(subscriber: "sub-1", source: "ilkha"), b = Parties(subscriber: "sub-2", source: "ilkha")
        let index = PartyIndex([a, b, a, b, Parties(subscriber: "sub-1", source: "other")])
        #expect(index[a] == 0)
        #expect(index[b] == 1)
        #expect(index[Parties(subscriber: "sub-1", source: "other")] == 4)
    }

    @Test("keys with the same hash bucket are told apart by their ids (a full table's probe chains)")
    func fullProbeChains() {
        // 16 buckets hold up to 10 keys: every look-up of an absent key walks a chain to an empty bucket.
        let keys = (0..<10).map { Parties(subscriber: "s\($0)", source: "x") }
        let index = PartyIndex(keys)
        for (k, p) in keys.enumerated() { #expect(index[p] == k) }
        for k in 10..<200 { #expect(index[Parties(subscriber: "s\(k)", source: "x")] == nil) }
    }
}
