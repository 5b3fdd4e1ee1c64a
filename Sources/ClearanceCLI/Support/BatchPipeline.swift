import CPrefetch
import ClearanceCore
import ClearanceStore
import Foundation

/// `check --batch`: JSON Lines in, one answer per non-blank line out, in input order, on all cores.
///
/// Three kinds of work overlap, so that no core waits while another reads, writes or finishes a part:
///
/// - the calling thread reads the input in blocks of about 1 MiB cut at a line end and cuts each block
///   into *items* of at most ``itemLines`` lines, queued in input order (a block is read while the
///   workers decide the previous one; at most about two blocks of lines wait, so memory stays bounded);
/// - `workers` threads each take the oldest queued item, scan its lines with ``RequestScanner`` (falling
///   back to the strict parser for anything unusual, so error lines are exactly the strict path's),
///   decide them with the worker's own ``DecisionMemo`` and usage counter, and write the answers into an
///   output buffer (recycled through a small pool);
/// - whichever worker finishes the item that is next in input order writes it, and every finished item
///   after it, to standard output (`write(2)`), then goes back to deciding. So output order is input
///   order, writes happen one at a time, and an item's answers (~100 KB) are written while they are
///   still in the cache. Decision-log rows are handed, in order, to a serial log queue (many per
///   transaction) that writes them while the workers go on.
///
/// Measured (bench/PROFILE.md, batch session 4): the former design (a block split into one part per
/// worker, `concurrentPerform`, then the calling thread writing all parts while the workers idled) left
/// ~2.3 s of a 1M-line batch serial: the write of 765 MB from buffers long out of cache (`write(2)` of
/// a 6 MB buffer copies at ~420 MB/s here, of a 100 KB one ~4× faster) and the read of each block.
///
/// `--record` decides with one worker, item after item in input order: each decision and its use are
/// recorded inside one write transaction, in input order, so quotas count exactly as they did.
struct BatchPipeline {
    let session: CheckSession
    let now: Instant
    let json: Bool
    let record: Bool
    let workers: Int
    /// False with `CLEARANCE_SCANNER=off`: every line goes through the strict path (tests and
    /// measurements compare the two; the output must not change).
    var useScanner = ProcessInfo.processInfo.environment["CLEARANCE_SCANNER"] != "off"

    /// Worker count: `$CLEARANCE_THREADS` when set (tests force 1 or 3), else the active cores (at most 8).
    static func defaultWorkers(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let s = environment["CLEARANCE_THREADS"], let n = Int(s), n >= 1 { return min(n, 64) }
        return max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Whether to prepare every agreement before deciding: when the input is longer than one block, or
    /// as `$CLEARANCE_PREPARE` says (`all` / `lazy`; tests compare both ways).
    static func prepareUpFront(moreInput: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        switch environment["CLEARANCE_PREPARE"] {
        case "all"?: return true
        case "lazy"?: return false
        default: return moreInput
        }
    }

    /// Lines per item (the unit a worker takes): `$CLEARANCE_ITEM_LINES` (tests use 1–3), else 128.
    ///
    /// 128 decisions are ~100 KB of JSON: small enough to be written while still in the cache and to keep
    /// the workers' finishing times within a few milliseconds of each other at the end of the input,
    /// large enough that taking an item (a lock) is nothing beside deciding it (~1 ms).
    static let itemLines = ProcessInfo.processInfo.environment["CLEARANCE_ITEM_LINES"].flatMap { Int($0) }.map { max(1, $0) } ?? 128

    /// What one worker produced for one item.
    struct PartResult {
        /// The item's answers, written in place by the words (``NewsDecider/appendDecisionJSON(_:for:usage:memo:to:)``'s
        /// `ByteWriter` form: an `[UInt8]` here took each decision through the memo's scratch writer and a copy,
        /// ~225 instructions a decision; words session 10). Set from ``Flow/buffer()`` before use, given back by
        /// ``Flow/finished(_:_:)`` (plain memory: freed there when not kept).
        var out: ByteWriter
        var log: [DecisionLogEntry] = []
        var sawDeny = false
        var sawBad = false
        var error: DiagnosticError?
        /// Lines of the item (blank ones included).
        var lineCount = 0
    }

    /// Per-worker state kept across items: the scanners' caches, the memo of denial explanations, the
    /// usage counter, the last source's notice, what it derived per party. Used by its worker thread only.
    final class WorkerState: @unchecked Sendable {
        var scanner = RequestScanner()
        /// Parses the stored rows of the parties this worker is the first to meet (``PreparedTable/party(_:scanner:)``).
        var agreementScanner = AgreementScanner()
        /// `blocksAskedFor` when the batch has a party table: ``decide(_:into:state:)`` then asks for every line of
        /// the next requests' blocks, and the evaluation does not load them again (``ODRLBlock/warm()``).
        let memo: DecisionMemo
        let counter: any BatchCounter
        /// What this worker keeps per party slot of the ``PreparedTable``: a party's agreements and its source's
        /// notice do not change during a batch, so a party whose in-force list is fixed gets its decider made
        /// once per worker, not per request (each made a `NoticeBox` and copied the notice's dozen
        /// reference-counted fields); a party with amended agreements keeps its prepared versions (the list
        /// depends on the request's time).
        private var kept: [Kept?] = []
        /// The box of each `.decider` entry of ``kept`` by address (nil otherwise), read ahead of deciding without a
        /// retain (``decide(_:into:state:)``).
        private var keptBoxes: [UnsafeMutableRawPointer?] = []
        /// The lines of the item being decided (capacity kept from item to item).
        private var lines: [Line] = []
        /// An item's requests, put here by pass 1 of ``decide(_:into:state:)`` and moved out by pass 3.
        ///
        /// Why (mem session 11): the requests travelled in the lines (`Line.What.request(RepublicationRequest)`):
        /// each was copied (152 bytes, `memcpy`) into the enum, the line (176 bytes) into the list, the request out
        /// of the list with a `swap` and out of the enum again: ~10 `memcpy` calls a request from `decide` itself
        /// (callgrind: 194,493 for 20,000 lines), ~2% of the samples of a 1M batch under memmove called from `decide`.
        /// Read in place instead of moved out (`reqs[k]`), each use copied it for a closure (a retain per string).
        private var requests = UnsafeMutablePointer<RepublicationRequest>.allocate(capacity: 0)
        private var requestCapacity = 0

        /// Room for `count` requests (uninitialised; the caller initialises and deinitialises what it uses).
        func requestBuffer(count: Int) -> UnsafeMutablePointer<RepublicationRequest> {
            if count > requestCapacity {
                requests.deallocate()
                requestCapacity = max(count, BatchPipeline.itemLines)
                requests = .allocate(capacity: requestCapacity)
            }
            return requests
        }

        /// Where ``NewsDecider/hotRanges(stage:into:capacity:)`` writes (``rangeCapacity`` entries).
        let ranges = UnsafeMutablePointer<HotRange>.allocate(capacity: WorkerState.rangeCapacity)
        static let rangeCapacity = 16
        /// Per source, the decider without agreements (unknown subscribers), whose notice box every decider this
        /// worker makes for that source shares (``NewsDecider/init(sharingNoticeOf:agreements:)``); the last
        /// source's apart (a batch's lines nearly all name the same source or two: no hashing per request).
        private var noticeDeciders: [String: DeciderBox] = [:]
        private var lastNoticeDecider: (String, DeciderBox)?
        init(counter: any BatchCounter, blocksAskedFor: Bool) {
            self.counter = counter
            memo = DecisionMemo(capacity: BatchPipeline.memoCapacity, blocksAskedFor: blocksAskedFor)
        }
        deinit {
            ranges.deallocate()
            requests.deallocate()
        }

        /// The item's line list, empty (its capacity kept).
        func takeLines() -> [Line] {
            var l: [Line] = []
            swap(&l, &lines)
            return l
        }

        /// Gives the item's line list back for the next item.
        func giveBack(_ l: [Line]) {
            lines = l
            lines.removeAll(keepingCapacity: true)
        }

        /// Calls `body` with ``keptBoxes`` (the kept decider boxes by slot, unretained) seen as one buffer.
        ///
        /// Reading `keptBoxes` entry by entry (a class's array property) retained and released its storage per
        /// request: perf, 1M at 30,000 agreements, ~0.4% of the samples on that pair (bench/PROFILE.md batch session 9).
        @inline(__always)
        func withKeptBoxes<R>(_ body: (UnsafeBufferPointer<UnsafeMutableRawPointer?>) -> R) -> R {
            keptBoxes.withUnsafeBufferPointer(body)
        }

        /// What is kept for one party slot.
        enum Kept {
            case decider(DeciderBox)
            case party(PreparedTable.Party)
        }

        /// What is kept for `slot`, if anything.
        @inline(__always)
        func kept(_ slot: Int) -> Kept? { slot < kept.count ? kept[slot] : nil }

        /// Keeps `k` for `slot`.
        func keep(_ k: Kept, slot: Int) {
            if slot >= kept.count {
                kept.append(contentsOf: repeatElement(nil, count: slot + 1 - kept.count))
                keptBoxes.append(contentsOf: repeatElement(nil, count: slot + 1 - keptBoxes.count))
            }
            kept[slot] = k
            if case .decider(let box) = k { keptBoxes[slot] = Unmanaged.passUnretained(box).toOpaque() }
        }

        /// The decider of `source`'s notice without agreements (made once per source and worker; the notice cache
        /// takes a lock per look-up).
        func noticeDecider(for source: String, notices: NoticeCache) throws(DiagnosticError) -> DeciderBox {
            if let (last, box) = lastNoticeDecider, last == source { return box }
            let box: DeciderBox
            if let known = noticeDeciders[source] { box = known } else {
                box = DeciderBox(NewsDecider(notice: try notices.notice(for: source).notice, agreements: [PreparedAgreement]()), refs: [])
                noticeDeciders[source] = box
            }
            lastNoticeDecider = (source, box)
            return box
        }

        /// A decider for `agreements` and the request's source's notice, sharing the notice box of this worker's
        /// other deciders for that source.
        func makeDecider(_ agreements: [PreparedAgreement], refs: [AgreementVersionRef], for req: RepublicationRequest,
                         notices: NoticeCache) throws(DiagnosticError) -> DeciderBox {
            let base = try noticeDecider(for: req.source, notices: notices)
            return DeciderBox(NewsDecider(sharingNoticeOf: base.decider, agreements: agreements), refs: refs)
        }
    }

    /// Denial explanations each worker remembers (the memo starts over when full); `$CLEARANCE_MEMO`
    /// overrides it for measurements.
    ///
    /// The memo's default (100,000) made it the largest thing in a 1M-line batch after the prepared
    /// agreements: heaptrack showed 94.5 MB for two workers' memos (a key of three strings and eight
    /// fields plus the remembered reasons, ~470 bytes an entry). On the default workload (1M lines,
    /// 16,485 agreements) 4,096 entries per worker took the same CPU time as 100,000 (20.2 vs 21.1 s
    /// user) and 170 MB less peak RSS (bench/PROFILE.md, io 2026-11-29).
    static let memoCapacity = ProcessInfo.processInfo.environment["CLEARANCE_MEMO"].flatMap { Int($0) }.map { max(1, $0) } ?? 4_096

    /// Runs the batch from `fd` to standard output; returns the exit status (65 if any line was
    /// malformed, else 1 if any was denied, else 0). Throws for setup and I/O failures.
    func run(fd: Int32) throws(DiagnosticError) -> ExitStatus {
        var reader = BlockReader(fd: fd)
        let backend = session.backend
        var block: BlockReader.Block?
        do { block = try reader.next() } catch { throw DiagnosticError(error) }
        // A batch longer than one block (~1 MiB, ~4,000 requests) reads every stored agreement into a table by
        // party (each party parsed and prepared by the worker that first meets it: ``PreparedTable``); a shorter
        // one looks parties up as it meets them.
        if block != nil && Self.prepareUpFront(moreInput: !reader.eof) && !record { try backend.prepareAll() }
        StageClock.mark("prepared")
        // At most two malloc arenas from here on, so the workers allocate in the arenas that already exist
        // instead of one new arena each. Measured (1M requests, default workload, bench/PROFILE.md batch session
        // 5): peak RSS 198 → 183 MB, and 186 → 162 MB with 1 MiB blocks; the stored rows the workers free as
        // they prepare parties are reused instead of staying resident in the loading thread's arena, and the
        // prepared agreements no longer spread over three partly empty arenas. No measurable cost: small
        // allocations are served from glibc's per-thread cache without the arena's lock (perf: no lock waits).
        Malloc.limitArenas(to: 2)

        let n = record ? 1 : workers
        let flow = Flow(backend: backend)
        let pipeline = self
        let done = DispatchGroup()
        for _ in 0..<n {
            let state = WorkerState(counter: backend.makeCounter(), blocksAskedFor: !record && backend.table != nil)
            done.enter()
            let t = Thread {
                while let item = flow.take() {
                    var r = PartResult(out: flow.buffer())
                    pipeline.decide(item, into: &r, state: state)
                    flow.finished(item.seq, r)
                }
                done.leave()
            }
            // The decider recurses little, but the strict JSON parser may go 256 levels deep: a thread's default
            // 512 KiB is not assumed to be enough.
            t.stackSize = 8 << 20
            t.start()
        }

        var lineBase = 0
        var readFailure: DiagnosticError?
        let table = backend.table
        while let b = block {
            let shared = SharedBlock(bytes: b.bytes, lines: b.lines, lineBase: lineBase)
            lineBase += b.lines.count
            if !flow.push(shared, itemLines: Self.itemLines) { break }
            // Stored rows freed by the workers as they prepare parties stay resident in the loading thread's malloc
            // arena (glibc returns free pages inside an arena only on `malloc_trim`): malloc_stats after 200,000
            // lines showed that arena at 43.8 MB with 10 MB in use. Trimming after a block once 64 more parties
            // were prepared (every block early on, rarely later; on this otherwise idle thread: perf 0.06% of
            // the samples) returns them.
            if let table, table.trimDue() { Malloc.trim() }
            do { block = try reader.next() } catch {
                readFailure = DiagnosticError(error)
                break
            }
        }
        flow.end()
        done.wait()
        // Every byte handed to the output is written (and the direct writer joined) before any exit, failures too.
        let outputFailure = flow.finishOutput()
        StageClock.mark("decided and written")
        flow.noteWaits()
        if let e = flow.failure { try? flow.flushLog(); throw e }
        if let e = outputFailure { try? flow.flushLog(); throw e }
        try flow.flushLog()
        if let readFailure { throw readFailure }
        try backend.finish()
        return flow.sawBad ? .dataError : flow.sawDeny ? .deny : .ok
    }

    /// Decides the lines of one item into `r`.
    ///
    /// In three passes over the item's lines, so that the memory a request's party needs is asked for before the
    /// request is decided (a prefetch, `CPrefetch`): every line read first (scanner or strict path), each
    /// request's index bucket asked for; then each party's slot found and the worker's kept decider box asked
    /// for; then the requests decided in order, each one asking for the lines of the next five requests' parties
    /// (``NewsDecider/hotRanges(stage:into:capacity:)``, one stage of the chain of objects per request ahead).
    ///
    /// Why (bench/PROFILE.md, batch session 8): at 30,000 agreements a request's party (10,000 of them, met in
    /// random order) is never in the cache, and deciding waited for it one dependent miss after another: the
    /// index bucket (`PartyIndex.find` ~1.3% of a 1M batch's samples), the box (its `swift_retain` here ~4.5%),
    /// the agreement list, the blocks and the grants in the evaluation and the words (~9% more). The same 1M
    /// requests sorted by subscriber took 3.1 s of user CPU instead of 4.4 s.
    func decide(_ item: Flow.Item, into r: inout PartResult, state: WorkerState) {
        let block = item.block
        r.lineCount = item.lines.count
        let backend = session.backend
        let counter = state.counter
        let logging = backend.logsDecisions && !record
        let table = record ? nil : backend.table
        // The worker's scanner as a local for the item: scanning through `state.scanner` (a class's stored property,
        // mutated) cost a dynamic exclusivity check per line (`swift_beginAccess`, callgrind batch session 6).
        var scanner = state.scanner
        defer { state.scanner = scanner }
        var lines = state.takeLines()
        defer { state.giveBack(lines) }
        // The item's requests, in the worker's buffer (``WorkerState/requestBuffer(count:)``): `made` of them from
        // `reqs` on, moved out in order by pass 3 (`taken` of them); those not taken are destroyed at the end.
        let reqs = state.requestBuffer(count: item.lines.count)
        var made = 0, taken = 0
        defer { (reqs + taken).deinitialize(count: made - taken) }

        // 1. Every line read; each request's index bucket asked for.
        let buckets = table?.slotBuckets
        do {
            let buf = block.bytes.bytes
            for k in item.lines {
                let lineRange = block.lines[k]
                let line = UnsafeBufferPointer(rebasing: buf[lineRange])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { lines.append(Line(.blank)); continue }
                if useScanner, let fast = scanner.scan(line, now: now) {
                    var l = Line(.request(made))
                    if let buckets {
                        l.hash = PartyIndex.hash(fast.subscriber, fast.source)
                        buckets.prefetch(hash: l.hash)
                    }
                    (reqs + made).initialize(to: fast)
                    made += 1
                    lines.append(l)
                    continue
                }
                switch CheckCommand.strictRequest(Array(line), lineNo: block.lineBase + k + 1, now: now) {
                case .request(let q):
                    var l = Line(.request(made))
                    if let buckets {
                        l.hash = PartyIndex.hash(q.subscriber, q.source)
                        buckets.prefetch(hash: l.hash)
                    }
                    (reqs + made).initialize(to: q)
                    made += 1
                    lines.append(l)
                case .error(let errorLine): lines.append(Line(.error(errorLine)))
                }
            }
        }
        // 2. Each request's party slot (its bucket is here now) and the address of the worker's decider for it;
        // the kept entries asked for first, then read, then the boxes asked for.
        if let table {
            state.withKeptBoxes { kept in
                for i in lines.indices {
                    guard case .request(let k) = lines[i].what else { continue }
                    let slot = table.slot(hash: lines[i].hash, subscriber: reqs[k].subscriber, source: reqs[k].source) ?? -1
                    lines[i].slot = slot
                    if slot >= 0 && slot < kept.count, let base = kept.baseAddress { clearance_prefetch(base + slot) }
                }
                for i in lines.indices where lines[i].slot >= 0 && lines[i].slot < kept.count {
                    lines[i].box = kept[lines[i].slot]
                }
            }
            for i in 0..<min(4, lines.count) { if let b = lines[i].box { clearance_prefetch_range(b, DeciderBox.bytes) } }
        }

        // 3. Decided in order, each request asking for the chain of the next parties' objects, each link read a whole
        // decision after the one before asked for it: the box five ahead, the decider's list and blocks four ahead
        // (after the decision), the blocks' further lines and the agreements' cores two ahead, what the cores point
        // at one ahead (before it). ~40 lines a request: a prefetch waits for a free fill buffer (~10 misses in
        // flight per core), and all at once perf put ~10% of the samples on the prefetches themselves.
        //
        // Why four and five, not three and four (perf, 1M at 30,000 agreements, mem session 11): with stage 0 three
        // ahead in the `defer`, stage 1 read the list it had asked for at once (the next request's top), with no
        // decision in between: `hotRanges` waited for it, 34% of its samples on that load. Four ahead: `hotRanges`
        // 9.35% → 7.45% of the samples alone, → 1.1% with the cores asked for whole (``prefetch(_:stage:_:)``).
        let ranges = state.ranges
        if 4 < lines.count, let b = lines[4].box { clearance_prefetch_range(b, DeciderBox.bytes) }
        for i in lines.indices {
            if i + 2 < lines.count, let b = lines[i + 2].box {
                Self.prefetch(b, stage: 1, ranges)
                Self.prefetchRestOfBlocks(b, ranges)
            }
            if i + 1 < lines.count, let b = lines[i + 1].box { Self.prefetch(b, stage: 2, ranges) }
            defer {
                if i + 4 < lines.count, let b = lines[i + 4].box { Self.prefetch(b, stage: 0, ranges) }
                if i + 5 < lines.count, let b = lines[i + 5].box { clearance_prefetch_range(b, DeciderBox.bytes) }
            }
            // The request moved out of the buffer (`move`: no copy of its strings, no retain), in order.
            let req: RepublicationRequest
            switch lines[i].what {
            case .blank: continue
            case .error(let errorLine):
                r.sawBad = true
                r.out.put(errorLine)
                r.out.put(0x0A)
                continue
            case .request(let k):
                assert(k == taken, "requests are taken in the order they were read")
                req = (reqs + k).move()
                taken = k + 1
            }
            if json && !logging && !record, let b = lines[i].box {
                // The common case (JSON out, no log, no --record, the party's decider kept): decided and written
                // by the box, borrowed without a retain (see ``DeciderBox/appendDecision(_:usage:memo:to:)``).
                let failure = Unmanaged<DeciderBox>.fromOpaque(b)._withUnsafeGuaranteedRef {
                    $0.appendDecision(req, usage: counter, memo: state.memo, to: &r.out)
                }
                switch failure {
                case nil: continue
                case .deny?: r.sawDeny = true; continue
                case .failed(let f)?: r.error = f; return
                }
            }
            // The common case (JSON out, no log, no --record): the decision's facts, then its JSON written
            // from them straight into the output (`appendDecisionJSON`), no `NewsDecision` kept.
            var d: NewsDecision?
            do throws(DiagnosticError) {
                if record {
                    d = try session.decide(req)
                } else {
                    let box = try decider(for: req, slot: table == nil ? nil : lines[i].slot, table: table, state: state)
                    // The box's methods call its decider in place: `let decider = box.decider` copied the
                    // struct (four reference-counted fields, two of them shared by every worker) per request.
                    let e = box.evaluate(req, usage: counter, memo: state.memo)
                    if let f = counter.failure { throw f }
                    if e.verdict == .deny { r.sawDeny = true }
                    if json && !logging {
                        // The words may read the usage again (a quota's sentence counts the uses):
                        // a failure there drops the half-written decision and fails the batch.
                        let mark = r.out.count
                        box.appendDecisionJSON(e, for: req, usage: counter, memo: state.memo, to: &r.out)
                        if let f = counter.failure { r.out.removeLast(r.out.count - mark); throw f }
                        r.out.put(0x0A)
                        continue
                    }
                    let full = box.decision(e, for: req, usage: counter, memo: state.memo)
                    if let f = counter.failure { throw f }
                    if logging { r.log.append(StoreBackend.entry(req, full, versions: box.refs, policyHash: nil)) }
                    d = full
                }
            } catch {
                r.error = error
                return
            }
            guard let d else { continue }
            if d.verdict == .deny { r.sawDeny = true }
            if json {
                var bytes: [UInt8] = []
                d.appendJSON(to: &bytes)
                bytes.withUnsafeBufferPointer { r.out.put($0) }
                r.out.put(0x0A)
            } else {
                r.out.put(DecisionText.render(d, request: req, translations: session.translations(for: req.source)))
                r.out.put(0x0A)
            }
        }
    }

    /// One line of an item, read before any of the item is decided (``decide(_:into:state:)``).
    struct Line {
        enum What {
            case blank
            case error(String)
            /// The request's place in the item's request buffer (``WorkerState/requestBuffer(count:)``).
            case request(Int)
        }
        var what: What
        /// The request's party slot in the ``PreparedTable`` (-1: none, or no table).
        var slot = -1
        /// The worker's kept decider for that slot (unretained: the worker's `kept` holds it), if it has one.
        var box: UnsafeMutableRawPointer?
        /// The request's ``PartyIndex/hash(_:_:)`` (with a table), for the prefetch and the look-up.
        var hash: UInt64 = 0
        init(_ what: What) { self.what = what }
    }

    /// Asks for the cache lines of stage `stage` of the decider in box `b` (``NewsDecider/hotRanges(stage:into:capacity:)``).
    @inline(__always)
    static func prefetch(_ b: UnsafeMutableRawPointer, stage: Int, _ ranges: UnsafeMutablePointer<HotRange>) {
        let n = DeciderBox.hotRanges(ofBoxAt: b, stage: stage, into: ranges, capacity: WorkerState.rangeCapacity)
        // Stage 0 (the list and the blocks): the first two lines of each range; the blocks' further lines are asked for
        // a request later (``prefetchRestOfBlocks(_:_:)``), and asking for whole ranges (~80 lines a request) gave more
        // user CPU than two lines each (1M at 30,000 agreements, alternated runs: 4.24-4.42 s whole, 4.18-4.24 s two
        // lines, 4.74-5.06 s none; bench/PROFILE.md session 8).
        //
        // Stages 1 and 2 (the cores; the grants' storage and the words): whole ranges, as named. Clipped to two lines
        // too until mem session 11, the core's fields that stage 2 and the words read (the grants at +0x80, the words'
        // block at +0xf8...+0x130, of a ~320-byte object) were never asked for: 48% of `hotRanges`' samples were on
        // the loads of stage 2 (perf, 1M at 30,000 agreements). Whole: `hotRanges` 9.35% → 5.2% of the samples alone
        // (1.1% with stage 0 four ahead, ``decide(_:into:state:)``).
        let cap = stage == 0 ? 128 : Int.max
        for k in 0..<n { clearance_prefetch_range(ranges[k].start, min(cap, ranges[k].bytes)) }
    }

    /// Asks for the rest of the blocks' lines (beyond the two ``prefetch(_:stage:_:)`` asked for two requests
    /// earlier) of the decider in box `b`, which ``ODRLBlock/warm()`` would otherwise wait for. Measured (1M at
    /// 30,000 agreements, 7 alternated pairs, load 9–13, bench/PROFILE.md batch session 8): user CPU median 4.01 s
    /// with it, 4.15 s without (6 of 7 pairs lower); all the blocks' lines at once one request earlier were no better
    /// than two lines each.
    static func prefetchRestOfBlocks(_ b: UnsafeMutableRawPointer, _ ranges: UnsafeMutablePointer<HotRange>) {
        let n = DeciderBox.hotRanges(ofBoxAt: b, stage: 0, into: ranges, capacity: WorkerState.rangeCapacity)
        var k = 1
        while k < n {
            if ranges[k].bytes > 128 { clearance_prefetch_range(ranges[k].start + 128, ranges[k].bytes - 128) }
            k += 1
        }
    }

    /// The decider for `req`'s party: kept per party slot by the worker (large batches: the ``PreparedTable``,
    /// the party prepared on first use; `slot` is the party's, -1 when it has none), else made from the backend's
    /// in-force list (short batches: `table` nil).
    func decider(for req: RepublicationRequest, slot: Int?, table: PreparedTable?, state: WorkerState) throws(DiagnosticError) -> DeciderBox {
        if let table, let slot {
            guard slot >= 0 else {
                return try noAgreementsDecider(for: req, state: state)
            }
            switch state.kept(slot) {
            case .decider(let box)?: return box
            case .party(let party)?:
                let (list, refs) = try party.inForce(at: req.at)
                return try state.makeDecider(list, refs: refs, for: req, notices: session.notices)
            case nil:
                let party = try table.party(slot, scanner: &state.agreementScanner)
                if let fixed = party.fixed {
                    let box = try state.makeDecider(fixed, refs: party.fixedRefs, for: req, notices: session.notices)
                    state.keep(.decider(box), slot: slot)
                    return box
                }
                state.keep(.party(party), slot: slot)
                let (list, refs) = try party.inForce(at: req.at)
                return try state.makeDecider(list, refs: refs, for: req, notices: session.notices)
            }
        }
        let (agreements, refs) = try session.backend.inForce(req)
        if agreements.isEmpty { return try noAgreementsDecider(for: req, state: state) }
        return try state.makeDecider(agreements, refs: refs, for: req, notices: session.notices)
    }

    /// The decider of a party without agreements: the source's notice alone (kept per source).
    private func noAgreementsDecider(for req: RepublicationRequest, state: WorkerState) throws(DiagnosticError) -> DeciderBox {
        try state.noticeDecider(for: req.source, notices: session.notices)
    }

    /// A kept decider behind one reference (an array of optional structs is copied from on every read), with
    /// the agreement versions it decides with (for the decision log).
    ///
    /// Its methods call the decider where it is stored: reading `box.decider` into a local copied the struct
    /// and retained its fields per request (perf, batch session 4/5: `initializeWithCopy for NewsDecider`
    /// ~2% of a 1M-line batch's samples in `swift_retain`, on counters shared by both workers).
    ///
    /// The box is retained once per request (reading it out of the worker's `kept`): at 30,000 agreements that
    /// `swift_retain` is ~2.9% of the samples, a cache miss on a box no other core touches. Two ways around it
    /// were measured and dropped (perf, 1M requests at 30,000 agreements, bench/PROFILE.md batch session 7): the
    /// box kept unretained and called through `Unmanaged._withUnsafeGuaranteedRef` (the evaluation, eight
    /// outcomes inline, was then copied: memmove from the batch loop ~5% of the samples), and the decider kept in
    /// worker-owned memory behind a pointer (the `NewsDecider` was copied out of it per request, its fields
    /// retained: `initializeWithCopy for NewsDecider` ~5%).
    final class DeciderBox {
        let decider: NewsDecider
        let refs: [AgreementVersionRef]
        /// Bytes from an instance's address to its `decider`: Swift's object header (metadata pointer and reference
        /// counts, 16 bytes on 64-bit platforms), then the first stored property.
        static let deciderOffset = 16
        /// An instance's bytes (header, decider, refs): the extent asked for ahead (``decide(_:into:state:)``).
        static let bytes = deciderOffset + MemoryLayout<NewsDecider>.size + 8
        init(_ decider: NewsDecider, refs: [AgreementVersionRef]) {
            self.decider = decider
            self.refs = refs
            assert(hotRangesAgree(), "DeciderBox.deciderOffset does not match where Swift put `decider`")
        }

        @inline(__always)
        func evaluate(_ r: RepublicationRequest, usage: some UsageCounter, memo: DecisionMemo) -> NewsEvaluation {
            decider.evaluate(r, usage: usage, memo: memo)
        }

        /// How ``appendDecision(_:usage:memo:to:)`` went, when not a permit or not-applicable.
        enum Appended {
            case deny
            case failed(DiagnosticError)
        }

        /// Evaluates `r` and appends its decision's JSON and a line end to `out` (the batch's common path); nil
        /// unless denied or the usage counter failed (then nothing is appended).
        ///
        /// One call for both, so that the batch calls it on a box borrowed without a retain
        /// (`_withUnsafeGuaranteedRef`) and the evaluation stays in this frame. Why (perf, 1M at 30,000
        /// agreements, bench/PROFILE.md batch session 8): the box's retain and release per request were ~1.9% of
        /// the samples even with the box in the cache, the release after the words waiting for their stores
        /// (a locked instruction drains the store buffer); borrowing the box for the two calls apart copied the
        /// evaluation out of the closure (memmove ~5%, batch session 7).
        @inline(__always)
        func appendDecision(_ r: RepublicationRequest, usage: some BatchCounter, memo: DecisionMemo,
                            to out: inout ByteWriter) -> Appended? {
            let e = decider.evaluate(r, usage: usage, memo: memo)
            if let f = usage.failure { return .failed(f) }
            // A permit's words asked for now, while the decision's head is written (``NewsDecider/permitWordsAddress(of:_:)``).
            let at = (UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) + Self.deciderOffset).assumingMemoryBound(to: NewsDecider.self)
            if let p = NewsDecider.permitWordsAddress(of: at, e) { clearance_prefetch_range(p, 128) }
            // The words may read the usage again (a quota's sentence counts the uses): a failure there drops the
            // half-written decision and fails the batch.
            let mark = out.count
            // The counter by address, made here where its type is known (``UsageRef``: the generic entry, called
            // from this module unspecialized, took its address through two closure thunks).
            withUnsafePointer(to: usage) { decider.appendDecisionJSON(e, for: r, usageAt: UsageRef($0), memo: memo, to: &out) }
            if let f = usage.failure { out.removeLast(out.count - mark); return .failed(f) }
            out.put(0x0A)
            return e.verdict == .deny ? .deny : nil
        }

        /// ``NewsDecider/hotRanges(stage:into:capacity:)`` of the decider of the box at `b`, read in place.
        ///
        /// Through the decider's address (``deciderOffset``): `box.decider.hotRanges(...)`, and even
        /// `withUnsafePointer(to: box.decider)`, copied the decider (168 bytes, `memcpy`) to the stack before each
        /// call, four calls per request (objdump of `BatchPipeline.decide`, batch session 10). Debug builds check
        /// the offset on every box made (``init(_:refs:)``).
        @inline(__always)
        static func hotRanges(ofBoxAt b: UnsafeRawPointer, stage: Int, into out: UnsafeMutablePointer<HotRange>,
                              capacity: Int) -> Int {
            NewsDecider.hotRanges(of: (b + deciderOffset).assumingMemoryBound(to: NewsDecider.self), stage: stage,
                                  into: out, capacity: capacity)
        }

        /// Whether ``hotRanges(ofBoxAt:stage:into:capacity:)`` names what the decider's own method names (debug check).
        private func hotRangesAgree() -> Bool {
            let capacity = WorkerState.rangeCapacity
            let a = UnsafeMutablePointer<HotRange>.allocate(capacity: capacity), b = UnsafeMutablePointer<HotRange>.allocate(capacity: capacity)
            defer { a.deallocate(); b.deallocate() }
            let at = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
            for stage in 0..<NewsDecider.hotStages {
                let n = decider.hotRanges(stage: stage, into: a, capacity: capacity)
                guard Self.hotRanges(ofBoxAt: at, stage: stage, into: b, capacity: capacity) == n else { return false }
                for k in 0..<n where a[k].start != b[k].start || a[k].bytes != b[k].bytes { return false }
            }
            return true
        }

        @inline(__always)
        func appendDecisionJSON(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter, memo: DecisionMemo,
                                to out: inout ByteWriter) {
            decider.appendDecisionJSON(e, for: r, usage: usage, memo: memo, to: &out)
        }

        @inline(__always)
        func decision(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter, memo: DecisionMemo) -> NewsDecision {
            decider.decision(e, for: r, usage: usage, memo: memo)
        }
    }

    /// A block's bytes and line ranges, shared (read only) by the workers deciding its items.
    final class SharedBlock: @unchecked Sendable {
        let bytes: ReadBuffer
        let lines: [Range<Int>]
        /// Lines of the input before this block (for line numbers in error answers).
        let lineBase: Int
        init(bytes: ReadBuffer, lines: [Range<Int>], lineBase: Int) {
            self.bytes = bytes
            self.lines = lines
            self.lineBase = lineBase
        }
    }

    /// The queue of items, the in-order writer and the log hand-over, shared by the reading thread and the
    /// workers. Everything mutable is guarded by `cond`'s lock; writing output happens outside it, by one
    /// worker at a time (`writing`).
    final class Flow: @unchecked Sendable {
        /// Lines `lines` of `block`, the `seq`-th item of the input.
        struct Item {
            let block: SharedBlock
            let lines: Range<Int>
            let seq: Int
        }

        private let cond = NSCondition()
        /// Queued items from `head` on; a taken item's slot is emptied at once, so a written block's bytes are
        /// freed as soon as its last item is written (a taken item kept here held its block: +30 MB RSS with 4 MiB blocks).
        private var queue: [Item?] = []
        private var head = 0
        /// Items decided but not yet written (they wait for an earlier one).
        private var finishedItems: [Int: PartResult] = [:]
        private var nextSeq = 0
        private var nextToWrite = 0
        /// Lines queued or being decided but not yet written (bounds the memory).
        private var pendingLines = 0
        private var writing = false
        /// Lines of the block the reading thread waits to queue (-1: it is not waiting for room).
        private var readerNeeds = -1
        /// Whether the reading thread waits in ``end()`` for the last item to be written.
        private var readerAwaitsEnd = false
        private var ended = false
        private var stopped = false
        private var pool: [ByteWriter] = []
        private(set) var failure: DiagnosticError?
        private(set) var sawDeny = false
        private(set) var sawBad = false
        private let out = StandardOutput()
        /// With `CLEARANCE_TIMING` (``StageClock``): where the pipeline waited, measured only then (the clock read
        /// around waits and writes). Guarded by `cond`, except the write figures (the writer's alone).
        private let timing = StageClock.enabled
        private var workersWaited = 0.0
        private var readerWaited = 0.0
        private var writeSeconds = 0.0
        private var writes = 0
        private var bytesWritten = 0
        // Decision-log rows are written by one serial queue while the workers decide on (the hash chain
        // makes the writes sequential; overlapping them with deciding hides most of their cost). At most one
        // hand-over's rows are being written: the next waits for the previous write.
        private let backend: CheckBackend
        private var rows: [DecisionLogEntry] = []
        private let logQueue = DispatchQueue(label: "clearance.check.log")
        private let logGroup = DispatchGroup()
        private let logFailure = FailureBox()
        /// Rows handed to the log queue at a time.
        ///
        /// Two hand-overs are alive at once (one being written, one filling), each row holding its request
        /// and decision texts. Measured on the first 100,000 requests of the default workload with the log
        /// (static release build, quiet machine, two runs each): 16,384 rows 4.40–4.54 s wall, 355 MB peak;
        /// 4,096 rows 4.22–4.46 s, 266–276 MB; 1,024 rows 4.74–4.88 s, 246–255 MB (the writer waits more).
        static let logHandOver = 4_096

        init(backend: CheckBackend) { self.backend = backend }

        /// Queues a block's lines as items, waiting first while more than about one block's lines are pending
        /// (so at most two blocks are in memory besides the one being read). False when the batch has stopped.
        func push(_ block: SharedBlock, itemLines: Int) -> Bool {
            cond.lock()
            defer { cond.unlock() }
            let count = block.lines.count
            let t0 = timing ? StageClock.now() : 0
            while !stopped && !roomFor(count) {
                readerNeeds = count
                cond.wait()
            }
            readerNeeds = -1
            if timing { readerWaited += StageClock.now() - t0 }
            if stopped { return false }
            if head > 0 { queue.removeFirst(head); head = 0 }
            var lo = 0
            while lo < count {
                let hi = min(count, lo + itemLines)
                queue.append(Item(block: block, lines: lo..<hi, seq: nextSeq))
                nextSeq += 1
                lo = hi
            }
            pendingLines += count
            cond.broadcast()
            return true
        }

        /// No more items; waits until every queued item is written (or the batch stopped).
        func end() {
            cond.lock()
            ended = true
            cond.broadcast()
            while !stopped && nextToWrite < nextSeq {
                readerAwaitsEnd = true
                cond.wait()
            }
            readerAwaitsEnd = false
            cond.unlock()
        }

        /// Whether a block of `count` lines may be queued now: at most about two blocks' lines pending (guarded by `cond`).
        private func roomFor(_ count: Int) -> Bool { pendingLines == 0 || pendingLines + count <= 2 * max(count, 1) }

        /// The oldest queued item, waiting for one; nil once the input is done or the batch stopped.
        func take() -> Item? {
            cond.lock()
            defer { cond.unlock() }
            while true {
                if stopped { return nil }
                if head < queue.count, let item = queue[head] {
                    queue[head] = nil
                    head += 1
                    return item
                }
                if ended { return nil }
                let t0 = timing ? StageClock.now() : 0
                cond.wait()
                if timing { workersWaited += StageClock.now() - t0 }
            }
        }

        /// With `CLEARANCE_TIMING`: prints where the pipeline waited (after the workers are done).
        func noteWaits() {
            guard timing else { return }
            cond.lock()
            defer { cond.unlock() }
            StageClock.note(String(format: "workers waited for items %.3f s in all; reader waited for room %.3f s; "
                                   + "%d writes of %.0f bytes on average, %.3f s writing", workersWaited, readerWaited, writes,
                                   Double(bytesWritten) / Double(max(writes, 1)), writeSeconds))
        }

        /// An empty output buffer, reusing a written one's memory when there is one (given back to
        /// ``finished(_:_:)``, which keeps or frees it).
        func buffer() -> ByteWriter {
            cond.lock()
            defer { cond.unlock() }
            if let b = pool.popLast() { return b }
            // Room for `itemLines` JSON decisions of ~765 bytes (the default workload) so it is not regrown.
            return ByteWriter(capacity: BatchPipeline.itemLines * 800)
        }

        /// Item `seq` is decided: if it is next in input order and no one is writing, writes it and every
        /// decided item after it, in order.
        ///
        /// `result` is consumed (moved in, not copied). (While the output was an `[UInt8]`, a borrowed result's copy
        /// still held the buffer when the writer emptied it for the pool, so `removeAll(keepingCapacity:)` found it
        /// shared and allocated a new buffer (~200 KB) per item; the output is a ``ByteWriter`` since words session 10,
        /// plain memory given back to the pool or freed here.)
        func finished(_ seq: Int, _ result: consuming PartResult) {
            cond.lock()
            finishedItems[seq] = result
            if writing { cond.unlock(); return }
            writing = true
            while !stopped, var r = finishedItems.removeValue(forKey: nextToWrite) {
                cond.unlock()
                var failed: DiagnosticError?
                let t0 = timing ? StageClock.now() : 0
                do throws(Diagnostic) { try out.write(r.out.bytes) } catch { failed = DiagnosticError(error) }
                if timing {
                    if writes == 0 { StageClock.mark("first answers written") }
                    writeSeconds += StageClock.now() - t0
                    writes += 1
                    bytesWritten += r.out.count
                }
                if failed == nil, let e = r.error {
                    failed = e
                } else if failed == nil && !r.log.isEmpty {
                    rows += r.log
                    if rows.count >= Self.logHandOver {
                        do throws(DiagnosticError) { try handOverLog() } catch { failed = error }
                    }
                }
                let lines = r.lineCount
                r.out.removeAll()
                cond.lock()
                if r.out.capacity <= 4 << 20 && pool.count < 16 { pool.append(r.out) } else { r.out.free() }
                if r.sawDeny { sawDeny = true }
                if r.sawBad { sawBad = true }
                nextToWrite += 1
                pendingLines -= lines
                if let failed {
                    failure = failed
                    stopped = true
                    cond.broadcast()
                } else if (readerNeeds >= 0 && roomFor(readerNeeds)) || (readerAwaitsEnd && nextToWrite == nextSeq) {
                    // Only the reading thread waits for a written item, and only for room or for the end: woken when
                    // it can go on, not after every item. Why (perf, 1M at 30,000 agreements, bench/PROFILE.md batch
                    // session 9): a broadcast per written item woke the reader ~8,000 times to find no room and sleep
                    // again: futex wake-ups 2.1%, reschedule IPIs 2.0%, task switches 1.1% of the samples.
                    cond.broadcast()
                }
            }
            writing = false
            cond.unlock()
        }

        /// After the workers are done: writes what the output still holds; its failure, if any.
        func finishOutput() -> DiagnosticError? {
            do throws(Diagnostic) { try out.finish() } catch { return DiagnosticError(error) }
            return nil
        }

        /// Hands the rows collected so far to the log queue, after the previous hand-over is written
        /// (writer only).
        private func handOverLog() throws(DiagnosticError) {
            try waitForLog()
            guard !rows.isEmpty else { return }
            let batch = SendableRows(rows: rows)
            rows = []
            let backend = self.backend, failure = logFailure
            logQueue.async(group: logGroup) {
                do throws(DiagnosticError) { try backend.log(batch.rows) } catch { failure.error = error }
            }
        }

        private func waitForLog() throws(DiagnosticError) {
            logGroup.wait()
            if let e = logFailure.error { throw e }
        }

        /// After the workers are done: hands over the last rows and waits until the log has them.
        func flushLog() throws(DiagnosticError) {
            try handOverLog()
            try waitForLog()
        }
    }

    /// The first failure of the log queue (written there, read after waiting for it).
    final class FailureBox: @unchecked Sendable {
        var error: DiagnosticError?
    }

    /// Log rows handed to the log queue (owned by it from then on).
    struct SendableRows: @unchecked Sendable {
        let rows: [DecisionLogEntry]
    }
}

/// Reads a file descriptor in blocks of about 1 MiB cut after the last complete line.
struct BlockReader {
    let fd: Int32
    /// Bytes after the last line end of the previous block.
    var carry: [UInt8] = []
    var eof = false
    /// The memory of blocks whose lines are all decided and written, for the next blocks.
    let pool = ReadBuffer.Pool()
    /// Bytes read at a time: 1 MiB, or `$CLEARANCE_BLOCK_BYTES` (tests use a few bytes, so that lines
    /// cross block ends and are longer than a block).
    static let blockSize = ProcessInfo.processInfo.environment["CLEARANCE_BLOCK_BYTES"].flatMap { Int($0) }.map { max(1, $0) } ?? 1 << 20

    /// A block's bytes and the ranges of its lines (without their `\n`).
    struct Block {
        var bytes: ReadBuffer
        var lines: [Range<Int>]
    }

    init(fd: Int32) { self.fd = fd }

    /// The next block of whole lines (the last line of the input may lack its `\n`), or nil at the end.
    ///
    /// Bytes are read into uninitialised memory and lines found with `memchr`: the former version
    /// zero-filled each block before reading and compared byte by byte in Swift, ~0.25 s of a 1M-line
    /// (261 MB) batch on the reading thread (perf, batch session 4). The memory is a written block's, given
    /// back to ``pool`` (``ReadBuffer``), not a new array per block.
    mutating func next() throws(Diagnostic) -> Block? {
        let want = Self.blockSize
        var buffer = pool.take(minimum: carry.count + want)
        var count = carry.count
        carry.withUnsafeBufferPointer { c in
            if let src = c.baseAddress, count > 0 { buffer.start.copyMemory(from: src, byteCount: count) }
        }
        carry = []
        // Read until the block holds a line end (a line longer than a block makes the block longer) or the input ends.
        while !eof {
            if buffer.capacity - count < want {
                let larger = pool.take(minimum: count + want)
                larger.start.copyMemory(from: buffer.start, byteCount: count)
                pool.giveBack(buffer)
                buffer = larger
            }
            let before = count
            var got = 0
            var failure: Int32 = 0
            while true {
                let r = Foundation.read(fd, buffer.start + before, want)
                if r < 0 && errno == EINTR { continue }
                if r < 0 { failure = errno } else { got = r }
                break
            }
            if failure != 0 {
                pool.giveBack(buffer)
                throw Diagnostic(code: "input.read_failed", message: "reading the batch failed: \(String(cString: strerror(failure)))",
                                 category: .io)
            }
            if got == 0 { eof = true; break }
            count = before + got
            if memchr(buffer.start + before, 0x0A, got) != nil && count >= want / 2 { break }
        }
        guard count > 0 else {
            pool.giveBack(buffer)
            return nil
        }
        let bytes = UnsafeBufferPointer(start: buffer.start.assumingMemoryBound(to: UInt8.self), count: count)
        var end = count
        if !eof {
            // Keep the unfinished last line for the next block (lines are short: a backward scan).
            guard let nl = bytes.lastIndex(of: 0x0A) else { return Block(bytes: ReadBuffer(buffer, count: 0, pool: pool), lines: []) }
            end = nl + 1
            carry = Array(bytes[end...])
        }
        var lines: [Range<Int>] = []
        lines.reserveCapacity(end / 200)
        var start = 0
        if let base = bytes.baseAddress {
            while start < end, let hit = memchr(base + start, 0x0A, end - start) {
                let i = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                lines.append(start..<i)
                start = i + 1
            }
        }
        if start < end { lines.append(start..<end) }
        return Block(bytes: ReadBuffer(buffer, count: end, pool: pool), lines: lines)
    }
}

/// A block's bytes as read (``BlockReader``): memory given back to the reader's pool when the block is done with
/// (its last item written), for a later block.
///
/// Why (perf, 1M `check --batch` at 30,000 agreements, mem session 11): each block was a new 1 MiB array, and 26%
/// of the batch's 47,000 page faults were the kernel's copy into such fresh memory (`_copy_to_iter`): glibc gave
/// back freed blocks' pages (`malloc_trim`, arenas shrinking), and on this VM fresh memory is dear. About three
/// blocks are alive at once (one being read, about two being decided); their memory is now reused.
final class ReadBuffer: @unchecked Sendable {
    /// Memory and its size in bytes.
    struct Memory {
        let start: UnsafeMutableRawPointer
        let capacity: Int
    }

    private let memory: Memory
    /// Bytes of the block.
    let count: Int
    private let pool: Pool

    init(_ memory: Memory, count: Int, pool: Pool) {
        self.memory = memory
        self.count = count
        self.pool = pool
    }

    deinit { pool.giveBack(memory) }

    /// The block's bytes (valid while this object lives).
    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: memory.start.assumingMemoryBound(to: UInt8.self), count: count)
    }

    /// Memory of blocks done with, kept for the next ones (at most ``kept`` pieces; the rest is freed). Taken by the
    /// reading thread, given back by whichever thread frees a block.
    final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [Memory] = []
        /// Pieces kept: the blocks alive at once (one being read, about two queued), and one spare.
        static let kept = 4

        /// Memory of at least `minimum` bytes (a kept piece if one is large enough).
        func take(minimum: Int) -> Memory {
            lock.lock()
            if let k = free.lastIndex(where: { $0.capacity >= minimum }) {
                let m = free.remove(at: k)
                lock.unlock()
                return m
            }
            lock.unlock()
            // Room for a block and the usual carry (a line), so that the same piece serves every block.
            let capacity = max(minimum, BlockReader.blockSize + (64 << 10))
            return Memory(start: .allocate(byteCount: capacity, alignment: 64), capacity: capacity)
        }

        func giveBack(_ m: Memory) {
            lock.lock()
            if free.count < Self.kept {
                free.append(m)
                lock.unlock()
            } else {
                lock.unlock()
                m.start.deallocate()
            }
        }

        deinit { for m in free { m.start.deallocate() } }
    }
}

/// Standard output written in large pieces (an item's answers at a time): with `write(2)`, or past the page cache
/// once the first 8 MiB are written to a regular file (``DirectOutput``). ``finish()`` before exiting.
struct StandardOutput {
    let direct = DirectOutput(fd: 1) { e in
        Diagnostic(code: "output.write_failed", message: "writing the decisions failed: \(String(cString: strerror(e)))",
                   hint: "check the free space where standard output goes", category: .io)
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(Diagnostic) {
        try direct.write(UnsafeRawBufferPointer(bytes))
    }

    /// Writes what is still held and waits for the writer (``DirectOutput/finish()``).
    func finish() throws(Diagnostic) { try direct.finish() }
}
