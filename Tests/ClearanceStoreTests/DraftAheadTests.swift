import Testing
@testable import ClearanceStore

/// `DraftAhead` (contract import's rows drafted beside the insert) hands back every result, in order, and
/// stops cleanly when the consumer stops early.
struct DraftAheadTests {
    @Test(arguments: [0, 1, 5, 1_024, 1_025, 10_000])
    func everyChunkInOrder(count: Int) {
        let items = Array(0..<count)
        let drafts = DraftAhead(items, chunk: 100, ahead: 2) { "row \($0)" }
        var out: [String] = []
        while let chunk = drafts.next() { out += chunk }
        drafts.finish()
        #expect(out == items.map { "row \($0)" })
    }

    /// A failed insert stops taking chunks: `finish` must return (the drafting thread waits on a full queue).
    @Test func finishWithoutTakingEverything() {
        let drafts = DraftAhead(Array(0..<50_000), chunk: 64, ahead: 1) { $0 * 2 }
        #expect(drafts.next() == Array(0..<64).map { $0 * 2 })
        drafts.finish()
    }
}
