import ClearanceCore
import Foundation

/// Computes `transform` over items in chunks on another thread, ahead of one consumer that takes the
/// results chunk by chunk, in order (`contract import`: version rows drafted while SQLite inserts the
/// previous ones).
///
/// Before (session 3) every row was drafted on all cores first and inserted afterwards, so the drafting
/// (~25% of a 100,000-agreement import's CPU) added its wall time to the serial insert's, and every row
/// of the file was in memory at once. Here the drafting runs beside the insert: on a 2-core machine one
/// thread drafts while the other inserts; with more cores each chunk is drafted on the cores left
/// (`Parallel.map`). At most `ahead` chunks wait, so memory is a few chunks of rows, not the file's.
/// With one core, or fewer items than two chunks, everything is drafted on the calling thread.
final class DraftAhead<T: Sendable, R: Sendable>: @unchecked Sendable {
    private let cond = NSCondition()
    private var ready: [[R]] = []
    private var produced = 0
    private var cancelled = false
    private var producerDone = false
    private let chunks: Int
    private var taken = 0
    private let finished = DispatchSemaphore(value: 0)
    private var inline: [[R]]?

    /// Starts drafting `items` in chunks of `chunk`, at most `ahead` chunks ahead of the consumer.
    init(_ items: [T], chunk: Int = 1_024, ahead: Int = 4, transform: @escaping @Sendable (T) -> R) {
        let n = items.count
        let size = max(1, chunk)
        chunks = (n + size - 1) / size
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if cores <= 1 || chunks < 2 {
            inline = chunks == 0 ? [] : [items.map(transform)]
            return
        }
        let t = Thread { [self] in
            for c in 0..<chunks {
                cond.lock()
                while !cancelled && ready.count >= ahead { cond.wait() }
                let stop = cancelled
                cond.unlock()
                if stop { break }
                let part = Array(items[c * size..<min(n, (c + 1) * size)])
                // The cores beyond the inserting one; on 2 cores, this thread alone.
                let rows = cores > 2 ? Parallel.map(part, minimumChunk: 64, transform) : part.map(transform)
                cond.lock()
                ready.append(rows)
                produced += 1
                cond.broadcast()
                cond.unlock()
            }
            cond.lock()
            producerDone = true
            cond.broadcast()
            cond.unlock()
            finished.signal()
        }
        t.stackSize = 8 << 20
        t.start()
    }

    /// The next chunk of results, in order (waiting for it); nil after the last.
    func next() -> [R]? {
        if inline != nil { return inline?.isEmpty == false ? inline?.removeFirst() : nil }
        cond.lock()
        defer { cond.unlock() }
        while ready.isEmpty && !producerDone { cond.wait() }
        if ready.isEmpty { return nil }
        taken += 1
        let rows = ready.removeFirst()
        cond.broadcast()
        return rows
    }

    /// Stops drafting (what is not taken is dropped) and waits for the drafting thread to end. Call it once,
    /// whether or not every chunk was taken (e.g. when an insert failed).
    func finish() {
        if inline != nil { inline = []; return }
        cond.lock()
        cancelled = true
        cond.broadcast()
        cond.unlock()
        finished.wait()
    }
}
