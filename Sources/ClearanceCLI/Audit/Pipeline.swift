import ClearanceCore
import Foundation

// The audit as a three-stage pipeline, one thread per stage, so that two cores are used:
//
//   reader thread (per log)      main thread                         writer thread
//   bytes -> lines -> events  ─▶ merge by time, filters, decide,  ─▶ findings -> JSONL/CSV/text/… bytes
//   (PrefetchingSource)          quotas in order, summary              -> output or spool file (FindingSink)
//
// Only the middle stage touches the quota counters and the summary, and it sees the events in
// exactly the order the sequential audit saw them (each log's own order, merged by time), so
// findings, their order and every quota verdict are the same as with no threads at all (a test
// runs both ways and compares). Deciding itself is not split across threads: quota verdicts
// depend on every earlier use in time order, and an event's agreements and counters are shared
// with any other event of its subscriber, so the decide stage stays one ordered stream; what runs
// beside it is everything that does not need that order (reading, scanning, validating events;
// rendering and writing findings). Queues are bounded (a few batches), so memory stays flat
// whatever the log's size.

/// A first-in first-out queue between two threads, holding at most `capacity` elements (the producer waits).
final class BoundedQueue<Element>: @unchecked Sendable {
    // @unchecked: every access to `items`/`closed` is under `lock`.
    private let lock = NSCondition()
    /// Taken elements are set to nil at once: the array is compacted only every so often, and holding
    /// the taken ones until then kept up to 64 batches alive (~230 MB of ledger drafts in `usage import`).
    private var items: [Element?] = []
    private var head = 0
    private var closed = false
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Adds an element, waiting while the queue is full. Returns false (dropping it) once the queue is closed.
    @discardableResult
    func push(_ e: Element) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while items.count - head >= capacity && !closed { lock.wait() }
        guard !closed else { return false }
        items.append(e)
        lock.broadcast()
        return true
    }

    /// The next element, waiting while the queue is empty; nil once it is closed and drained.
    func pop() -> Element? {
        lock.lock()
        defer { lock.unlock() }
        while head == items.count && !closed { lock.wait() }
        guard head < items.count else { return nil }
        let e = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeSubrange(0..<head)
            head = 0
        }
        lock.broadcast()
        return e
    }

    /// No more elements will be pushed (the consumer drains what is there); wakes every waiter.
    func close() {
        lock.lock()
        closed = true
        lock.broadcast()
        lock.unlock()
    }
}

/// A usage log read ahead on its own thread: lines scanned and events validated while the main thread decides.
///
/// The reader is handed over to the thread at creation and never touched by another thread
/// again; items come back in batches, in the reader's order, with a file error (truncated gzip,
/// I/O) delivered in place, after the items read before it.
final class PrefetchingSource: UsageEventSource, @unchecked Sendable {
    // @unchecked: `reader` is used only by the prefetch thread once `start()` ran; the other
    // fields only by the consuming thread; they meet through `queue`.
    let name: String
    private let reader: UsageLogReader
    private enum Batch {
        case items([UsageLogReader.Item], bytesRead: Int64)
        case failure(Diagnostic)
    }
    private let queue: BoundedQueue<Batch>
    private var current: [UsageLogReader.Item] = []
    private var position = 0
    private var ended = false
    /// Compressed (or plain) bytes read so far, as of the last batch taken (for the progress line).
    private(set) var bytesRead: Int64 = 0
    let size: Int64?
    static let batchSize = 1024

    /// Starts reading `reader` ahead (at most `depth` batches).
    init(_ reader: UsageLogReader, depth: Int = 4) {
        self.reader = reader
        name = reader.name
        size = reader.size
        queue = BoundedQueue(capacity: depth)
        // The thread holds the reader and the queue, not `self`: when the consumer lets go of this
        // source (an error elsewhere), `deinit` closes the queue and the thread ends at its next push.
        let r = UncheckedBox(reader), q = queue
        let thread = Thread { PrefetchingSource.produce(r.value, q) }
        thread.name = "clearance-read"
        thread.start()
    }

    deinit { queue.close() }

    private static func produce(_ reader: UsageLogReader, _ queue: BoundedQueue<Batch>) {
        var batch: [UsageLogReader.Item] = []
        batch.reserveCapacity(PrefetchingSource.batchSize)
        while true {
            let item: UsageLogReader.Item?
            do { item = try reader.next() } catch {
                if !batch.isEmpty { queue.push(.items(batch, bytesRead: reader.bytesRead)) }
                queue.push(.failure(error))
                queue.close()
                return
            }
            guard let item else { break }
            batch.append(item)
            if batch.count >= PrefetchingSource.batchSize {
                guard queue.push(.items(batch, bytesRead: reader.bytesRead)) else { return }  // consumer gone
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { queue.push(.items(batch, bytesRead: reader.bytesRead)) }
        queue.close()
    }

    func next() throws(Diagnostic) -> UsageLogReader.Item? {
        while position == current.count {
            guard !ended, let b = queue.pop() else { ended = true; return nil }
            switch b {
            case .items(let items, let n):
                current = items
                position = 0
                bytesRead = n
            case .failure(let d):
                ended = true
                throw d
            }
        }
        defer { position += 1 }
        return current[position]
    }
}

/// Takes findings from the audit and renders and writes them on a writer thread, in order.
///
/// `render` turns a finding (with its 0-based index) into the report's bytes; `emit` hands it
/// over in batches. A write error stops the writer; the next `emit` (or `finish`) throws it.
final class FindingSink {
    typealias Render = @Sendable (_ finding: Finding, _ index: Int, _ out: inout [UInt8]) -> Void

    /// What the writer thread shares with the emitting thread (the thread holds this, not the sink).
    private final class Shared: @unchecked Sendable {
        // @unchecked: `failure` is under `lock`; the queue and the semaphore are thread-safe.
        let queue = BoundedQueue<[Finding]>(capacity: 4)
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var failure_: Diagnostic?
        var failure: Diagnostic? {
            lock.lock(); defer { lock.unlock() }
            return failure_
        }
        func fail(_ d: Diagnostic) {
            lock.lock(); defer { lock.unlock() }
            if failure_ == nil { failure_ = d }
        }
    }

    private let shared = Shared()
    private var batch: [Finding] = []
    private var finished = false
    /// Findings handed over so far.
    private(set) var count = 0
    static let batchSize = 256

    /// Starts the writer thread over `writer` (which nothing else may use until ``finish()``).
    init(writer: OutputWriter, render: @escaping Render) {
        let w = UncheckedBox(writer), s = shared
        let thread = Thread {
            var index = 0
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1 << 17)
            while let findings = s.queue.pop() {
                guard s.failure == nil else { continue }  // after a write error: drain, write nothing
                for f in findings {
                    render(f, index, &bytes)
                    index += 1
                }
                do throws(Diagnostic) { try w.value.write(bytes: bytes) } catch { s.fail(error) }
                bytes.removeAll(keepingCapacity: true)
            }
            s.done.signal()
        }
        thread.name = "clearance-write"
        thread.start()
    }

    /// Queues one finding (throws the writer's error if writing has failed).
    func emit(_ f: Finding) throws(Diagnostic) {
        batch.append(f)
        count += 1
        if batch.count >= FindingSink.batchSize {
            if let d = shared.failure { throw d }
            shared.queue.push(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Writes what is queued, stops the writer thread and waits for it; throws a write error.
    func finish() throws(Diagnostic) {
        guard !finished else { return }
        finished = true
        if !batch.isEmpty { shared.queue.push(batch); batch = [] }
        shared.queue.close()
        shared.done.wait()
        if let d = shared.failure { throw d }
    }

    deinit {
        // Abandoned after an error: let the writer finish what it has, so the output is not cut mid-finding.
        if !finished { shared.queue.close(); shared.done.wait() }
    }
}

/// Hands a non-Sendable reference to exactly one other thread (the caller promises not to use it meanwhile).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
