import ClearanceCore
import ClearanceStore
import Foundation

/// `check --batch`: JSON Lines in, one answer per non-blank line out, in input order, on all cores.
///
/// The input is read in blocks of about 4 MiB cut at a line end; each block's lines are split into one
/// contiguous part per worker, and the parts are decided at once (`DispatchQueue.concurrentPerform`,
/// the calling thread being one of the workers). Each worker scans its lines with ``RequestScanner``
/// (falling back to the strict parser for anything unusual, so error lines are exactly the strict
/// path's), decides them with its own ``DecisionMemo`` and usage counter, and writes its answers into
/// its own byte buffer. The main thread then writes the buffers in order — so output order is input
/// order — and hands the decision-log rows, in order, to the backend (which writes them many per
/// transaction). Memory is bounded by one block, its answers and the prepared agreements.
///
/// `--record` decides one line at a time (one worker): each decision and its use are recorded inside
/// one write transaction, in input order, so quotas count exactly as they did.
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

    /// What one worker produced for its part of a block.
    struct PartResult {
        var out: [UInt8] = []
        var log: [DecisionLogEntry] = []
        var sawDeny = false
        var sawBad = false
        var error: DiagnosticError?
    }

    /// Per-worker state kept across blocks: the scanner's caches, the memo of denial explanations.
    /// Worker k alone uses state k (concurrentPerform iterations are distinct), hence unchecked.
    final class WorkerState: @unchecked Sendable {
        var scanner = RequestScanner()
        let memo = DecisionMemo(capacity: BatchPipeline.memoCapacity)
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
        let n = record ? 1 : workers
        let states = (0..<n).map { _ in WorkerState() }
        var reader = BlockReader(fd: fd)
        var out = StandardOutput()
        var lineBase = 0
        var sawDeny = false, sawBad = false
        // Decision-log rows are written by one serial queue while the workers decide the next block
        // (the hash chain makes the writes sequential; overlapping them with deciding hides most of
        // their cost). At most one block's rows wait: the next hand-over waits for the previous write.
        let logQueue = DispatchQueue(label: "clearance.check.log")
        let logGroup = DispatchGroup()
        let logFailure = FailureBox()
        let backend = session.backend
        func waitForLog() throws(DiagnosticError) {
            logGroup.wait()
            if let e = logFailure.error { throw e }
        }
        var first = true
        while true {
            let block: BlockReader.Block
            do {
                guard let b = try reader.next() else { break }
                block = b
            } catch { throw DiagnosticError(error) }
            if first {
                first = false
                // A batch longer than one block (~4 MiB, ~16,000 requests) prepares every agreement up front
                // on all cores and then decides without locks; a shorter one prepares what it meets.
                if Self.prepareUpFront(moreInput: !reader.eof) && !record { try backend.prepareAll() }
            }
            let lines = block.lines
            // Contiguous parts of nearly equal line counts; part k covers lines[bounds[k]..<bounds[k+1]].
            let parts = min(n, max(1, lines.count))
            let bounds = (0...parts).map { $0 * lines.count / parts }
            let results = Results(count: parts)
            let base = lineBase
            block.bytes.withUnsafeBufferPointer { buf in
                let shared = UnsafeShared(buf: buf, lines: lines)
                DispatchQueue.concurrentPerform(iterations: parts) { k in
                    results.set(k, decide(shared, range: bounds[k]..<bounds[k + 1], lineBase: base, state: states[k]))
                }
            }
            lineBase += lines.count
            var rows: [DecisionLogEntry] = []
            for k in 0..<parts {
                let r = results.take(k)
                do { try out.write(r.out) } catch { throw DiagnosticError(error) }
                if let e = r.error { try? waitForLog(); throw e }
                rows += r.log
                sawDeny = sawDeny || r.sawDeny
                sawBad = sawBad || r.sawBad
            }
            try waitForLog()
            if !rows.isEmpty {
                let batch = SendableRows(rows: rows)
                logQueue.async(group: logGroup) {
                    do throws(DiagnosticError) { try backend.log(batch.rows) } catch { logFailure.error = error }
                }
            }
        }
        try waitForLog()
        try session.backend.finish()
        return sawBad ? .dataError : sawDeny ? .deny : .ok
    }

    /// Decides lines `range` of a block (one worker's part).
    func decide(_ shared: UnsafeShared, range: Range<Int>, lineBase: Int, state: WorkerState) -> PartResult {
        var r = PartResult()
        // A JSON decision is ~765 bytes on the default workload: room for that, so the buffer is not regrown.
        r.out.reserveCapacity(range.count * 800)
        let backend = session.backend
        let counter = backend.makeCounter()
        let logging = backend.logsDecisions && !record
        // The last source's notice, kept per worker: the notice cache takes a lock per lookup, and a batch's
        // lines nearly all name the same source or two.
        var lastSource = ""
        var lastNotice: NoticeTerms??
        for k in range {
            let lineRange = shared.lines[k]
            let lineNo = lineBase + k + 1
            let line = UnsafeBufferPointer(rebasing: shared.buf[lineRange])
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let req: RepublicationRequest
            if useScanner, let fast = state.scanner.scan(line, now: now) {
                req = fast
            } else {
                switch CheckCommand.strictRequest(Array(line), lineNo: lineNo, now: now) {
                case .request(let q): req = q
                case .error(let errorLine):
                    r.sawBad = true
                    r.out.append(contentsOf: errorLine.utf8)
                    r.out.append(0x0A)
                    continue
                }
            }
            let d: NewsDecision
            do throws(DiagnosticError) {
                if record {
                    d = try session.decide(req)
                } else {
                    let (agreements, refs) = try backend.inForce(req)
                    let notice: NoticeTerms?
                    if let l = lastNotice, lastSource == req.source { notice = l } else {
                        notice = try session.notices.notice(for: req.source).notice
                        lastSource = req.source
                        lastNotice = .some(notice)
                    }
                    d = NewsDecider(notice: notice, agreements: agreements).decide(req, usage: counter, memo: state.memo)
                    if let e = counter.failure { throw e }
                    if logging { r.log.append(StoreBackend.entry(req, d, versions: refs, policyHash: nil)) }
                }
            } catch {
                r.error = error
                return r
            }
            if d.verdict == .deny { r.sawDeny = true }
            if json {
                d.appendJSON(to: &r.out)
                r.out.append(0x0A)
            } else {
                r.out.append(contentsOf: DecisionText.render(d, request: req, translations: session.translations(for: req.source)).utf8)
                r.out.append(0x0A)
            }
        }
        return r
    }

    /// The first failure of the log queue (written there, read after waiting for it).
    final class FailureBox: @unchecked Sendable {
        var error: DiagnosticError?
    }

    /// Log rows handed to the log queue (owned by it from then on).
    struct SendableRows: @unchecked Sendable {
        let rows: [DecisionLogEntry]
    }

    /// A block's bytes and line ranges, read by every worker at once (never written while they run).
    struct UnsafeShared: @unchecked Sendable {
        let buf: UnsafeBufferPointer<UInt8>
        let lines: [Range<Int>]
    }

    /// One slot per worker for its result; each worker writes only its own slot.
    final class Results: @unchecked Sendable {
        private var slots: [PartResult?]
        private let lock = NSLock()
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ k: Int, _ r: PartResult) { lock.lock(); slots[k] = r; lock.unlock() }
        func take(_ k: Int) -> PartResult { lock.lock(); defer { lock.unlock() }; return slots[k] ?? PartResult() }
    }
}

/// Reads a file descriptor in blocks of about 4 MiB cut after the last complete line.
struct BlockReader {
    let fd: Int32
    /// Bytes after the last line end of the previous block.
    var carry: [UInt8] = []
    var eof = false
    /// Bytes read at a time: 4 MiB, or `$CLEARANCE_BLOCK_BYTES` (tests use a few bytes, so that lines
    /// cross block ends and are longer than a block).
    static let blockSize = ProcessInfo.processInfo.environment["CLEARANCE_BLOCK_BYTES"].flatMap { Int($0) }.map { max(1, $0) } ?? 4 << 20

    /// A block's bytes and the ranges of its lines (without their `\n`).
    struct Block {
        var bytes: [UInt8]
        var lines: [Range<Int>]
    }

    init(fd: Int32) { self.fd = fd }

    /// The next block of whole lines (the last line of the input may lack its `\n`), or nil at the end.
    mutating func next() throws(Diagnostic) -> Block? {
        var bytes = carry
        carry = []
        // Read until the block holds a line end (a line longer than a block makes the block longer) or the input ends.
        while !eof {
            let before = bytes.count
            let want = Self.blockSize
            bytes.reserveCapacity(before + want)
            var got = 0
            var failure: Int32 = 0
            bytes.append(contentsOf: repeatElement(0, count: want))
            bytes.withUnsafeMutableBytes { raw in
                while true {
                    let r = Foundation.read(fd, raw.baseAddress! + before, want)
                    if r < 0 && errno == EINTR { continue }
                    if r < 0 { failure = errno } else { got = r }
                    break
                }
            }
            bytes.removeLast(want - got)
            if failure != 0 {
                throw Diagnostic(code: "input.read_failed", message: "reading the batch failed: \(String(cString: strerror(failure)))",
                                 category: .io)
            }
            if got == 0 { eof = true; break }
            if bytes[before..<bytes.count].contains(0x0A) && bytes.count >= Self.blockSize / 2 { break }
        }
        guard !bytes.isEmpty else { return nil }
        var end = bytes.count
        if !eof {
            // Keep the unfinished last line for the next block.
            guard let nl = bytes.lastIndex(of: 0x0A) else { return Block(bytes: [], lines: []) }
            end = nl + 1
            carry = Array(bytes[end...])
            bytes.removeSubrange(end...)
        }
        var lines: [Range<Int>] = []
        lines.reserveCapacity(end / 200)
        var start = 0
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            while i < end {
                if b[i] == 0x0A { lines.append(start..<i); start = i + 1 }
                i += 1
            }
        }
        if start < end { lines.append(start..<end) }
        return Block(bytes: bytes, lines: lines)
    }
}

/// Standard output written with `write(2)` in large pieces (a block's answers at a time).
struct StandardOutput {
    mutating func write(_ bytes: [UInt8]) throws(Diagnostic) {
        var failure: Int32 = 0
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let r = Foundation.write(1, raw.baseAddress! + off, raw.count - off)
                if r < 0 && errno == EINTR { continue }
                if r <= 0 { failure = errno; return }
                off += r
            }
        }
        if failure != 0 {
            throw Diagnostic(code: "output.write_failed", message: "writing the decisions failed: \(String(cString: strerror(failure)))",
                             category: .io)
        }
    }
}
