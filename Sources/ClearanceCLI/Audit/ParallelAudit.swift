import CPrefetch
import ClearanceCore
import Foundation

// Deciding on two cores without changing a verdict.
//
// Quotas are counted per agreement (and grant and period window), and every agreement belongs to
// exactly one subscriber. So the uses that can affect an event's verdict are those of its own
// subscriber, and the audit is exact as long as each subscriber's events are judged in the order
// the sequential audit would judge them. `ParallelJudges` gives every subscriber to one worker
// (a stable hash of its id), and each worker judges its events in the order it receives them —
// the dispatcher's order, which is the sequential audit's order (logs merged by time, ledger
// merged in). Each worker has its own decider, decision cache, memo and quota counters; they
// share the agreement book (read-only, except that each worker prepares only its own
// subscribers' agreements) and the notice cache (locked). The findings are put back in the
// dispatcher's order by the writer thread, which follows a list of slots ("the next result of
// worker 1", "this malformed-line finding") written by the dispatcher. Summaries are kept per
// worker and added up at the end (every count is a sum; first/last times are min/max).
//
// Deadlock-free with bounded queues: the dispatcher hands a batch of slots to the writer only
// after handing every event those slots refer to to its worker, each worker produces results in
// order, and nothing else waits on anything.

/// Work for one decide worker.
enum JudgeWork: Sendable {
    /// Judge and report (a log event, or a ledger event with `--ledger`); `file` is a position in the
    /// runner's ``AuditRunner/fileNames``.
    case audit(UsageEvent, file: Int, line: Int)
    /// Count toward quotas only (the ledger during `audit LOG`, events before `--from`).
    case count(UsageEvent)
}

/// An event's hashes, made once by the dispatcher: ``AgreementBook/subscriberHash(_:)`` (which worker; the worker's
/// ``AuditTally`` row) and ``AgreementBook/partyHash(subscriberHash:source:)`` (the book's group); and where its url's
/// bytes are (a hint for the worker's prefetch, never read: see ``ParallelJudges/urlBytes(_:)``).
struct PartyHashes: @unchecked Sendable {
    var subscriber: UInt64
    var party: UInt64
    var url: UnsafeRawPointer?
    /// The subscriber itself (a copy: a small id is stored inline, no retain), which the book's prefetch compares
    /// before it reads a group's decider (``AgreementBook/prefetch(_:subscriber:stage:ranges:)``).
    var id: String
}

/// A worker's batch: the work, and each item's hashes (beside it, so that the worker reads the hashes of the items
/// ahead without touching their events).
struct JudgeBatch: Sendable {
    var work: [JudgeWork] = []
    var hashes: [PartyHashes] = []
    var count: Int { work.count }
}

/// Decide workers for an audit, fed in order by the dispatcher (``AuditRunner``), findings written in order.
final class ParallelJudges {
    private enum Slot: Sendable {
        case worker(Int)
        /// Boxed (`indirect`): inline, every slot was the size of a `Finding` (a dozen strings, ~250 bytes), and a
        /// batch of 512 slots, nearly all `.worker`, a new ~128 KB array per hand-off to the writer.
        indirect case finding(Finding)
    }

    /// One batch of a worker's results, in the order of its events.
    ///
    /// The worker renders its findings' bytes itself (``FindingFormat/body``) unless the format keeps
    /// only the first findings (HTML), so that the writer thread only adds separators and copies: a
    /// `Finding` (a dozen strings) used to be copied into the results, handed to the writer, rendered
    /// and freed there (perf, 1M events: ~5% of all CPU in retains, releases and cross-thread frees
    /// around findings, besides the rendering itself).
    struct Results: Sendable {
        /// Per event, its number of findings.
        var counts: [Int32] = []
        /// Rendered: every finding's bytes one after another, and where each one ends.
        var bytes: [UInt8] = []
        var ends: [Int] = []
        /// Not rendered (a format with a limit): the findings themselves.
        var findings: [Finding] = []
    }

    private final class Worker: @unchecked Sendable {
        // @unchecked: `auditor` and `summary` belong to the worker thread until `done` is signalled.
        let input = BoundedQueue<JudgeBatch>(capacity: 8)
        let results = BoundedQueue<Results>(capacity: 8)
        let done = DispatchSemaphore(value: 0)
        var auditor: Auditor
        var summary = AuditSummary()
        /// The JSON formats' per-event counts (arrays by code; added to `summary` at the end: see ``AuditTally``).
        var tally = AuditTally()
        /// Renders findings here (nil: hands them to the writer as they are).
        let body: (@Sendable (Finding, inout [UInt8]) -> Void)?
        /// For the JSON formats: the findings written straight as bytes by the auditor (no `Finding` made
        /// for a denial; see ``DenialFinding``), instead of `body`.
        let json: FindingJSONOutput?
        private let lock = NSLock()
        private var error_: Error?
        var error: Error? { lock.lock(); defer { lock.unlock() }; return error_ }

        /// The file names, this worker's own copies.
        let fileNames: [String]
        /// The book the auditor's decider comes from (nil: none to ask ahead; see ``prefetch(_:_:)``).
        let book: AgreementBook?
        /// Where the book's prefetch writes its ranges (``AgreementBook/prefetchRangeCapacity``).
        let ranges = UnsafeMutablePointer<HotRange>.allocate(capacity: AgreementBook.prefetchRangeCapacity)

        init(_ a: Auditor, body: (@Sendable (Finding, inout [UInt8]) -> Void)?, json: FindingJSONOutput?, fileNames: [String],
             book: AgreementBook?) {
            auditor = a; self.body = body; self.json = json; self.book = book
            // Copies of their own (new string storage), not the runner's: every finding holds its file
            // name, and a name shared by the dispatcher and both workers had its reference count
            // changed from three threads for every event (an atomic on a cache line they pass around).
            self.fileNames = fileNames.map { String(decoding: Array($0.utf8), as: UTF8.self) }
        }

        deinit { ranges.deallocate() }

        /// Asks for the memory the items ahead will read (a prefetch, `CPrefetch`), in two halves an event: before item
        /// `i` is judged (`after` false) stage 4 of item `i + 1`'s party chain (``AgreementBook/prefetch(_:subscriber:stage:ranges:)``),
        /// stage 2 of item `i + 2`'s and stage 0 of item `i + 3`'s, and the tally's bucket of item `i + 2`; after it,
        /// stages 5, 3 and 1 of items `i + 1`, `i + 2` and `i + 3`, and the tally row of item `i + 1`. So each stage reads
        /// lines the one before asked for half an event earlier. `hashes` are the batch's, in the order judged.
        ///
        /// Why (perf, 1M events at 30,000 agreements: the 10,000 parties come in random order, and their data is never
        /// in the cache): the book's look-up (`deciderRef` 8.3% of all samples, nearly all waiting for misses), the
        /// tally's row (4.1%), and the evaluation and the denial's words waiting on the agreements' lines, one
        /// dependent miss after another. `check --batch` found the same (batch session 8 in bench/PROFILE.md). Measured
        /// (bench/PROFILE.md, audit session 11): user CPU of the 1M audit 4.81 -> 4.37 s; every stage at once before
        /// each event, six items ahead, was no better (4.65 s against 4.52 s in two halves, 4 runs each); fewer stages
        /// were worse (4.41 s with all six, 4.57 s with bucket, group and box only, 5.07 s with none). ~8% of the
        /// samples sit on the prefetches themselves (a prefetch waits for a free fill buffer when many misses are in
        /// flight): the misses they take off the evaluation cost more.
        @inline(__always)
        private func prefetch(_ hashes: UnsafeBufferPointer<PartyHashes>, _ i: Int, after: Bool) {
            guard let book else { return }
            let n = hashes.count
            let odd = after ? 1 : 0, stages = AgreementBook.prefetchStages
            for ahead in 1...((stages + 1) / 2) where i + ahead < n && stages - 2 * ahead + odd >= 0 {
                // Before: 4, 2, 0; after: 5, 3, 1 (six stages).
                book.prefetch(hashes[i + ahead].party, subscriber: hashes[i + ahead].id, stage: stages - 2 * ahead + odd, ranges: ranges)
            }
            if after {
                if i + 1 < n { tally.prefetch(subscriberHash: hashes[i + 1].subscriber, stage: 1) }
                // The url's storage object: its header (the reference count a copy of the event changes) 32 bytes before.
                if i + 2 < n, let u = hashes[i + 2].url { clearance_prefetch_range(u - 32, 96) }
            } else if i + 2 < n {
                tally.prefetch(subscriberHash: hashes[i + 2].subscriber, stage: 0)
            }
        }

        func run() {
            while let popped = input.pop() {
                var batch = popped.work
                let hashes = popped.hashes
                var out = Results()
                out.counts.reserveCapacity(batch.count)
                if body != nil { out.bytes.reserveCapacity(batch.count * 512) }
                // Only this worker sets its error: read once per batch (a locked read per event was ~400
                // instructions in callgrind), then kept here.
                var failed = error != nil
                // The work is moved out of the batch one item at a time (reversed in place, then `popLast`),
                // not copied: `for w in batch` copied each event (a retain of each of its strings, then a
                // release of the copy and later of the batch's own), perf 1.5% of all samples at 30,000
                // agreements (`JudgeWork` value witness `copy`; audit session 7 in bench/PROFILE.md).
                // Reversed through the buffer: `Array.reverse()` swaps with the generic `swapAt`, a copy of each item
                // (a retain of each of its strings) and a release of the one it replaced; the buffer's `swapAt` moves
                // them (perf, 1M at 30k: 1.4% of all samples in `swift_retain` under `reverse`; scan session 9).
                batch.withUnsafeMutableBufferPointer { $0.reverse() }
                var i = 0
                while let w = batch.popLast() {
                    let at = i
                    hashes.withUnsafeBufferPointer { prefetch($0, at, after: false) }
                    defer { hashes.withUnsafeBufferPointer { prefetch($0, at, after: true) } }
                    let hash = i < hashes.count ? hashes[i].subscriber : 0
                    i += 1
                    switch w {
                    case .audit(let e, let file, let line) where json != nil:
                        guard !failed, let json else { out.counts.append(0); continue }
                        do {
                            let before = json.count
                            try auditor.audit(e, origin: Auditor.Origin(file: fileNames[file], line: line), json: json)
                            let after = json.count
                            // The request's fields read in place (`let r = e.request` copied it: a retain per string).
                            tally.countEvent(subscriber: e.request.subscriber, subscriberHash: hash,
                                             epoch: e.request.at.millisecondsSinceEpoch,
                                             findings: json.kinds[before..<after]) { e.request.at.auditText }
                            out.counts.append(Int32(after - before))
                        } catch {
                            fail(error)
                            failed = true
                            out.counts.append(0)
                        }
                    case .audit(let e, let file, let line):
                        // After an error, keep the writer going with empty results; the dispatcher stops soon.
                        guard !failed else { out.counts.append(0); continue }
                        do {
                            let fs = try auditor.audit(e, origin: Auditor.Origin(file: fileNames[file], line: line))
                            let r = e.request
                            summary.countEvent(subscriber: r.subscriber, epoch: r.at.millisecondsSinceEpoch, clean: fs.isEmpty) {
                                r.at.auditText
                            }
                            for f in fs { summary.count(f) }
                            if let body {
                                for f in fs {
                                    body(f, &out.bytes)
                                    out.ends.append(out.bytes.count)
                                }
                            } else {
                                out.findings.append(contentsOf: fs)
                            }
                            out.counts.append(Int32(fs.count))
                        } catch {
                            fail(error)
                            failed = true
                            out.counts.append(0)
                        }
                    case .count(let e):
                        guard !failed else { continue }
                        do { try auditor.count(e) } catch { fail(error); failed = true }
                    }
                }
                if let json { (out.bytes, out.ends) = json.take() }
                if !out.counts.isEmpty { results.push(out) }
            }
            results.close()
            done.signal()
        }

        private func fail(_ e: Error) {
            lock.lock(); defer { lock.unlock() }
            if error_ == nil { error_ = e }
        }
    }

    private let workers: [Worker]
    private var pending: [JudgeBatch]
    private var slots: [Slot] = []
    private let order = BoundedQueue<[Slot]>(capacity: 8)
    private let writerDone = DispatchSemaphore(value: 0)
    private let writerState: WriterState
    private var finished = false
    static let batchSize = 512

    private final class WriterState: @unchecked Sendable {
        // @unchecked: written by the writer thread before `writerDone` is signalled, read after.
        var count = 0
        var failure: Diagnostic?
    }

    /// Where the writer is in a worker's current results.
    private struct Cursor {
        var results: Results?
        var event = 0
        var finding = 0
        var byte = 0
        /// True when the worker's next results must be taken: none yet, or every event of these read.
        var exhausted: Bool { results.map { event == $0.counts.count } ?? true }
    }

    /// Starts one thread per auditor and a writer thread writing the findings in `format` into `out`
    /// (which nothing else may use until `finish`).
    init(auditors: [Auditor], out: OutputWriter, format: FindingFormat, fileNames: [String], book: AgreementBook? = nil) {
        let renderAhead = format.limit == nil
        workers = auditors.map { a in
            Worker(a, body: renderAhead ? format.body : nil,
                   json: format.jsonStyle.map { FindingJSONOutput(newline: $0 == .line) }, fileNames: fileNames, book: book)
        }
        pending = Array(repeating: JudgeBatch(), count: auditors.count)
        writerState = WriterState()
        for (k, w) in workers.enumerated() {
            let t = Thread { w.run() }
            t.name = "clearance-judge-\(k)"
            t.start()
        }
        let order = order, workers = workers, state = writerState, done = writerDone, o = UncheckedBox(out)
        let render = format.render, separator = format.separator
        let t = Thread {
            var cursors = Array(repeating: Cursor(), count: workers.count)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1 << 17)
            var index = 0
            while let batch = order.pop() {
                for slot in batch {
                    switch slot {
                    case .finding(let f):
                        render(f, index, &bytes)
                        index += 1
                    case .worker(let k):
                        if cursors[k].exhausted {
                            cursors[k] = Cursor(results: workers[k].results.pop())
                        }
                        guard let c = cursors[k].results, cursors[k].event < c.counts.count else { continue }  // a worker stopped early
                        let n = Int(c.counts[cursors[k].event])
                        cursors[k].event += 1
                        for _ in 0..<n {
                            let j = cursors[k].finding
                            cursors[k].finding += 1
                            if renderAhead {
                                separator?(index, &bytes)
                                let start = cursors[k].byte, end = c.ends[j]
                                c.bytes.withUnsafeBufferPointer { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<end])) }
                                cursors[k].byte = end
                            } else {
                                render(c.findings[j], index, &bytes)
                            }
                            index += 1
                        }
                    }
                }
                if state.failure == nil && !bytes.isEmpty {
                    do throws(Diagnostic) { try o.value.write(bytes: bytes) } catch { state.failure = error }
                }
                bytes.removeAll(keepingCapacity: true)
            }
            state.count = index
            done.signal()
        }
        t.name = "clearance-write"
        t.start()
    }

    /// An event's hashes (``PartyHashes``): FNV-1a over the subscriber's bytes, then on over the source's; and the
    /// address of its url's bytes.
    func hashes(subscriber: String, source: String, url: String?) -> PartyHashes {
        let h = AgreementBook.subscriberHash(subscriber)
        return PartyHashes(subscriber: h, party: AgreementBook.partyHash(subscriberHash: h, source: source), url: url.flatMap(Self.urlBytes),
                           id: subscriber)
    }

    /// Where a url's UTF-8 bytes are: inside its storage object for a url longer than 15 bytes (the usual case), made by
    /// the dispatcher, on the other core. For a prefetch only (a small string's address is a temporary's: a useless
    /// but harmless hint).
    ///
    /// Why: the url is the only string of an event kept in an object of its own, and the worker's first touch of it
    /// (a retain when the denial copies the event) waited for its line to come from the dispatcher's core: perf, 1M
    /// events at 30,000 agreements, `swift_retain` under the event's copy ~1.8% of all samples.
    static func urlBytes(_ url: String) -> UnsafeRawPointer? {
        url.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    /// The worker of a subscriber whose ``hashes(subscriber:source:)`` are `h`: stable (FNV-1a of its id), so a run is
    /// reproducible.
    func worker(for h: PartyHashes) -> Int { Int(h.subscriber % UInt64(workers.count)) }

    /// Hands an event to worker `k` (``worker(for:)`` of its subscriber), moved into the worker's batch.
    func submit(_ work: consuming JudgeWork, to k: Int, hashes h: PartyHashes) throws {
        if case .audit = work { slots.append(.worker(k)) }
        pending[k].work.append(work)  // the last use: moved in
        pending[k].hashes.append(h)
        if pending[k].count >= ParallelJudges.batchSize || slots.count >= ParallelJudges.batchSize { try flush() }
    }

    /// A finding made by the dispatcher itself (a malformed line), written in its place.
    func direct(_ f: Finding) throws {
        slots.append(.finding(f))
        if slots.count >= ParallelJudges.batchSize { try flush() }
    }

    /// Workers first, then the slots that refer to their work (see the note on deadlocks above).
    private func flush() throws {
        for k in workers.indices where !pending[k].work.isEmpty {
            workers[k].input.push(pending[k])
            pending[k].work.removeAll(keepingCapacity: true)
            pending[k].hashes.removeAll(keepingCapacity: true)
        }
        if !slots.isEmpty {
            order.push(slots)
            slots.removeAll(keepingCapacity: true)
        }
        if let e = workers.lazy.compactMap(\.error).first { throw e }
    }

    /// Ends the run: waits for every worker and the writer; returns the workers' summaries added up and the number of findings.
    func finish() throws -> (summary: AuditSummary, findings: Int) {
        guard !finished else { return (AuditSummary(), 0) }
        finished = true
        var flushError: Error?
        do { try flush() } catch { flushError = error }
        for w in workers { w.input.close() }
        order.close()
        for w in workers { w.done.wait() }
        writerDone.wait()
        if let e = flushError ?? workers.lazy.compactMap(\.error).first { throw e }
        if let d = writerState.failure { throw d }
        var total = AuditSummary()
        for w in workers {
            total.add(w.summary)
            total.add(w.tally.summary())
        }
        return (total, writerState.count)
    }

    deinit {
        if !finished { _ = try? finish() }
    }
}

