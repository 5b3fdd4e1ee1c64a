import CDirectIO
import ClearanceCore
import Foundation

/// Writes a big output (the batch's decisions, the audit's report) into a regular file past the page cache,
/// byte for byte what plain `write(2)`s would have written there.
///
/// The first ``Settings/after`` bytes (8 MiB) are always written with `write(2)` on the output's own
/// descriptor, as before; so is every byte of anything that is not a regular file (a pipe, a terminal,
/// `/dev/null`) or cannot take this safely. Past them, for a regular file:
///
/// - the bytes up to the next aligned offset (`statx` `STATX_DIOALIGN`, at least 4096 so that no page holds
///   bytes of both paths) are still written with `write(2)`; from there on they are copied into aligned
///   buffers of ``Settings/chunk`` bytes (a ring of ``Settings/ring``, allocated then), each written with
///   `pwrite` at its offset on a second descriptor opened with `O_DIRECT` (`/proc/self/fd/N`: the same file,
///   never created or truncated) by a writer thread of its own. The caller never waits for the disk: when no
///   buffer is free (the disk, or the writer thread on a busy machine, is slower than the output is made), the
///   pieces still waiting are taken back and they and the full buffer are written in file order with `pwrite`
///   through the page cache instead, on disjoint aligned ranges (the kernel keeps the two coherent); so whenever
///   the process ends (killed, say), the file holds a prefix of the output, as with `write(2)`;
/// - at the end (``finish()``) the writer is joined, the last partial buffer written through the page cache
///   and the descriptor's offset set after the last byte, so whatever writes next to the same open file
///   (`{ clearance …; echo done; } > f`) continues after it.
///
/// Never direct: a descriptor opened with `O_APPEND` (`>>`), standard error (or output) being the same file
/// (their writes go to the shared offset, which does not move while writing direct), a file system held in
/// memory (tmpfs: nothing to bypass) or one whose `statx` says it cannot do direct I/O. If the `O_DIRECT` open
/// fails, or a direct `pwrite` fails with `EINVAL`, that piece and everything after it go through the page
/// cache as before, none lost or written twice. Any other write error (`ENOSPC`, `EIO`) is the caller's
/// write failure, thrown by the next ``write(_:)`` or by ``finish()``. Not detectable, so not handled: another
/// process writing to the same open file at the same time (`(clearance … & other) > f`): its bytes go to the
/// shared offset, which does not move while writing direct, and are overwritten (with `write(2)` the two
/// interleave).
///
/// Why (this machine: 2 cores, ext4 on a virtio disk writing ~2.7 GB/s, kernel 6.18): a 1M-request
/// `check --batch` writes 1.2 GB of JSON Lines, and perf put `write(2)` at 16.4% of its samples (ext4's
/// buffered path: `ext4_da_write_begin` 9.4%, `copy_folio_from_iter` 5.9%) on a CPU-bound pipeline; a C
/// program wrote 1.2 GB buffered for 0.34 s of system time, with `O_DIRECT` in 1 MiB aligned pieces for
/// 0.08 s (0.44 s wall); buffered, its system time ranged 0.2-2.3 s over the session, depending on whether the
/// guest's freed page-cache memory had gone back to the host (virtio_balloon: new pages fault in at a high cost),
/// direct stayed at 0.08 s. Measured (static release build; A = the same binary with `CLEARANCE_DIRECT_AFTER=off`,
/// which is the former `write(2)` loop, against B = this; 1M requests to a file on ext4, md5 unchanged; the machine
/// shared with three other sessions, every pair run at load < 2.6 on 2 cores, order alternated), 10 pairs, medians:
/// wall 2.49 → 2.23 s, user 2.16 → 2.09 s, sys 0.30 → 0.23 s (to `/dev/null`: 0.17 s), peak RSS 166 → 170 MB
/// (the ring). With `CLEARANCE_TIMING`, the worker writing an item spent 0.34-0.36 s in all in `write(2)`, 0.10-0.15 s
/// copying into the ring. perf: kernel 24% → 13% of the samples; `memmove` into the ring 1.9%, pinning pages for
/// direct I/O 1.3%. Pieces of 1 MiB: the C program's direct writes took 0.25 s of system time in 256 KiB pieces,
/// 0.11 s in 512 KiB, 0.08 s in 1 and 2 MiB. Audit of 1M events, `-o` JSON (562 MB): the serial copy of the
/// spooled findings after the last event, 3 pairs, 1.65 / 0.85 / 0.34 s → 0.55 / 0.62 / 0.45 s wall, CPU 0.96 /
/// 0.57 / 0.34 s → 0.26 / 0.28 / 0.26 s (the whole audit's wall is noise at this load: 5.38 → 5.37 s, 6 pairs).
final class DirectOutput: @unchecked Sendable {
    /// How (and whether) to go direct: the defaults, or the `CLEARANCE_DIRECT_*` variables (tests, measurements).
    struct Settings {
        /// Bytes written with `write(2)` before going direct; nil: never direct (`CLEARANCE_DIRECT_AFTER=off`).
        ///
        /// 8 MiB: small outputs behave exactly as before (no thread, no `O_DIRECT` descriptor, no 4 MiB of fresh
        /// buffers, whose first touch is dear on this ballooned VM; and the file stays in the page cache for
        /// whoever reads it next), while what going direct saves (~0.25 s of system time per GB here) is
        /// nothing below a few MB: 8 MiB written buffered costs ~2-3 ms.
        var after: Int? = 8 << 20
        /// Bytes per buffer (rounded up to the alignment): 1 MiB, the C test's piece (`CLEARANCE_DIRECT_CHUNK`).
        var chunk = 1 << 20
        /// Buffers in the ring, the one being filled included (`CLEARANCE_DIRECT_RING`; 1: every piece goes
        /// through the page cache, as when the disk cannot keep up). 4 × 1 MiB: counted in peak RSS.
        var ring = 4
        /// A failure to pretend, for tests (`CLEARANCE_DIRECT_FAULT`): `open` (the `O_DIRECT` open fails with
        /// `EINVAL`, as on a file system without direct I/O), `einval` or `eio` (the second direct piece's `pwrite`
        /// fails so).
        var fault: Fault?
        /// One line on standard error when deciding and at the end (`CLEARANCE_DIRECT_REPORT=1`): what went
        /// which way, and why not direct (tests check it).
        var report = false

        enum Fault: String { case open, einval, eio }

        /// From the environment.
        static let standard = Settings(environment: ProcessInfo.processInfo.environment)

        init() {}

        init(environment: [String: String]) {
            if let a = environment["CLEARANCE_DIRECT_AFTER"] { after = a == "off" ? nil : Int(a).map { max(0, $0) } ?? after }
            if let c = environment["CLEARANCE_DIRECT_CHUNK"].flatMap({ Int($0) }) { chunk = max(1, c) }
            if let r = environment["CLEARANCE_DIRECT_RING"].flatMap({ Int($0) }) { ring = max(1, min(64, r)) }
            fault = environment["CLEARANCE_DIRECT_FAULT"].flatMap { Fault(rawValue: $0) }
            report = environment["CLEARANCE_DIRECT_REPORT"].map { !$0.isEmpty && $0 != "0" } ?? false
        }
    }

    /// Where the output stands.
    private enum Phase {
        /// Writing with `write(2)` until ``Settings/after`` bytes are written, then deciding.
        case waiting
        /// Decided to go direct: writing with `write(2)` the bytes left before the aligned offset.
        case head(Int)
        /// Writing direct (``current`` is being filled).
        case direct
        /// Writing with `write(2)` to the end.
        case plain
    }

    /// A full buffer handed to the writer thread.
    private struct Piece {
        let buffer: UnsafeMutableRawPointer
        let offset: Int
        let count: Int
    }

    private let fd: Int32
    private let settings: Settings
    /// The caller's write failure for an `errno`.
    private let failure: (Int32) -> Diagnostic
    private var phase: Phase
    /// Every byte given so far.
    private var written = 0
    /// Why not direct (for the report).
    private var why: String?
    /// Whether `sendfile` has ever copied (its first failure means it cannot here: read and write instead).
    private var sendfileWorked = false
    private var sendfileFailed = false
    private var scratch: [UInt8] = []

    // Direct state; the buffers, the direct descriptor and the writer exist only in `.direct`.
    private var directFD: Int32 = -1
    private var align = 4096
    private var chunk = 0
    private var buffers: [UnsafeMutableRawPointer] = []
    private var current: UnsafeMutableRawPointer?
    private var fill = 0
    /// File offset of ``current``'s first byte.
    private var chunkOffset = 0
    private var writerDone: DispatchSemaphore?
    // Counts for the report (the caller's side).
    private var plainBytes = 0
    private var ringFullBytes = 0
    private var tailBytes = 0

    // Shared with the writer thread, guarded by `cond`.
    private let cond = NSCondition()
    private var free: [UnsafeMutableRawPointer] = []
    private var queue: [Piece] = []
    private var closing = false
    /// A direct `pwrite` failed with `EINVAL`: everything from it on goes through the page cache.
    private var directFailed = false
    /// The file offset of the first byte written through the page cache after that `EINVAL`.
    private var directFailedAt = -1
    /// The first write error (`errno`) of the writer thread.
    private var writeError: Int32 = 0
    private var directBytes = 0
    private var writerBufferedBytes = 0
    private var piecesPut = 0

    /// Writes to `fd` (not closed here); `failure` makes the caller's diagnostic for a write error.
    init(fd: Int32, settings: Settings = .standard, failure: @escaping (Int32) -> Diagnostic) {
        self.fd = fd
        self.settings = settings
        self.failure = failure
        phase = settings.after == nil ? .plain : .waiting
        if settings.after == nil { why = "off" }
    }

    deinit { releaseDirect() }

    // MARK: Writing

    /// Writes `bytes` (in order after everything before).
    func write(_ bytes: UnsafeRawBufferPointer) throws(Diagnostic) {
        guard var p = bytes.baseAddress else { return }
        var n = bytes.count
        while n > 0 {
            switch phase {
            case .plain:
                try plainWrite(p, n)
                return
            case .waiting:
                if let after = settings.after, written < after {
                    try plainWrite(p, n)
                    return
                }
                decide()
            case .head(let left):
                let k = min(left, n)
                try plainWrite(p, k)
                p += k
                n -= k
                headWritten(left - k)
            case .direct:
                let k = min(chunk - fill, n)
                if let current { (current + fill).copyMemory(from: p, byteCount: k) }
                fill += k
                written += k
                p += k
                n -= k
                if fill == chunk { try submit() }
            }
        }
    }

    /// Writes the rest of the open file `source` (the audit's spooled findings) with `sendfile(2)` while writing
    /// normally (as before: the bytes stay in the kernel), read straight into the ring's buffers when direct.
    /// `readFailure` makes the diagnostic for a failed read of `source`.
    func copy(from source: Int32, readFailure: (Int32) -> Diagnostic) throws(Diagnostic) {
        while true {
            switch phase {
            case .plain:
                if try pump(source, limit: 1 << 30, readFailure) == 0 { return }
            case .waiting:
                if let after = settings.after, written < after {
                    if try pump(source, limit: after - written, readFailure) == 0 { return }
                } else {
                    decide()
                }
            case .head(let left):
                let k = try pump(source, limit: left, readFailure)
                if k == 0 { return }
                headWritten(left - k)
            case .direct:
                guard let current else { return }
                if fill == 0 && !sendfileFailed && ringIsFull() {
                    // No buffer to swap to once this one is full: this piece with `sendfile` at its offset, through
                    // the page cache as before (one copy, in the kernel), while the writer writes the waiting ones.
                    // Not ``writeBackWaiting()`` first, as ``submit()`` does: reading the spool is faster than the disk,
                    // so the ring is full most of the time here, and taking the waiting pieces back wrote 75-85% of a
                    // 562 MB report with two copies (read, then `pwrite` through the cache): the copy took 0.84-1.15 s
                    // against 0.42-0.48 s with `sendfile` alone (CPU 0.56-0.61 against 0.28 s; audit of 1M events,
                    // loaded machine). The price: killed during the copy, the report may lack up to the ring's
                    // waiting pieces before its last one; a report cut short is incomplete either way.
                    let sent = try sendPiece(source)
                    if sent == 0 { return }
                    continue
                }
                let n = read(source, current + fill, chunk - fill)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw readFailure(errno)
                }
                if n == 0 { return }
                fill += n
                written += n
                if fill == chunk { try submit() }
            }
        }
    }

    /// Joins the writer, writes the last partial buffer and leaves the descriptor's offset after the last byte;
    /// throws the first write error. Nothing may be written after this.
    func finish() throws(Diagnostic) {
        if case .direct = phase { try leaveDirect(reason: nil) }
        if case .waiting = phase { why = "fewer than \(settings.after ?? 0) bytes" }
        phase = .plain
        if settings.report {
            cond.lock()
            let d = directBytes, wb = writerBufferedBytes
            cond.unlock()
            note("\(d) direct, \(ringFullBytes) page cache (ring full), \(wb) page cache (after EINVAL), \(tailBytes) tail, "
                 + "\(plainBytes) write(2)" + (why.map { "; not direct: \($0)" } ?? ""))
        }
    }

    // MARK: The plain path

    /// `write(2)` of every byte, as before.
    private func plainWrite(_ p: UnsafeRawPointer, _ n: Int) throws(Diagnostic) {
        var off = 0
        while off < n {
            let r = Foundation.write(fd, p + off, n - off)
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { throw failure(r == 0 ? ENOSPC : errno) }
            off += r
        }
        written += n
        plainBytes += n
    }

    /// Copies at most `limit` bytes of `source` with `sendfile` (or `read` and `write` where it cannot); 0 at the end.
    private func pump(_ source: Int32, limit: Int, _ readFailure: (Int32) -> Diagnostic) throws(Diagnostic) -> Int {
        if !sendfileFailed {
            while true {
                let n = sendfile(fd, source, nil, limit)
                if n >= 0 {
                    if n > 0 { sendfileWorked = true }
                    written += n
                    plainBytes += n
                    return n
                }
                if errno == EINTR { continue }
                if sendfileWorked { throw failure(errno) }
                sendfileFailed = true
                break
            }
        }
        if scratch.isEmpty { scratch = [UInt8](repeating: 0, count: 1 << 20) }
        var got = 0
        var readErrno: Int32 = 0
        scratch.withUnsafeMutableBytes { b in
            while true {
                let n = read(source, b.baseAddress, min(limit, b.count))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { readErrno = errno } else { got = n }
                return
            }
        }
        if readErrno != 0 { throw readFailure(readErrno) }
        if got == 0 { return 0 }
        var failed: Diagnostic?
        scratch.withUnsafeBytes { b in
            guard let base = b.baseAddress else { return }
            do throws(Diagnostic) { try plainWrite(base, got) } catch { failed = error }
        }
        if let failed { throw failed }
        return got
    }

    /// Whether the writer holds every buffer but the one being filled.
    private func ringIsFull() -> Bool {
        cond.lock()
        defer { cond.unlock() }
        return free.isEmpty
    }

    /// Copies up to a buffer's worth of `source` with `sendfile` at ``chunkOffset`` (while ``fill`` is 0); 0 at
    /// the end. Ending short of a buffer (the end of `source`), the offset is no longer aligned: the rest is
    /// written with `write(2)` from there.
    private func sendPiece(_ source: Int32) throws(Diagnostic) -> Int {
        if lseek(fd, off_t(chunkOffset), SEEK_SET) < 0 { throw failure(errno) }
        var sent = 0
        while sent < chunk {
            let n = sendfile(fd, source, nil, chunk - sent)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(errno)
            }
            if n == 0 { break }
            sent += n
        }
        written += sent
        ringFullBytes += sent
        chunkOffset += sent
        if sent < chunk { try leaveDirect(reason: nil) }
        return sent
    }

    // MARK: Deciding and starting

    /// At ``Settings/after`` bytes: goes direct (after the head), or writes normally to the end, saying why.
    private func decide() {
        phase = .plain
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return notDirect("not a regular file") }
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, flags & O_APPEND == 0 else { return notDirect("opened to append (O_APPEND)") }
        for other: Int32 in [1, 2] where other != fd {
            var o = stat()
            if fstat(other, &o) == 0 && o.st_dev == st.st_dev && o.st_ino == st.st_ino {
                return notDirect(other == 2 ? "standard error is the same file" : "standard output is the same file")
            }
        }
        if clearance_on_memory_fs(fd) != 0 { return notDirect("a file system in memory") }
        var memAlign: UInt32 = 0, offAlign: UInt32 = 0
        if clearance_direct_alignment(fd, &memAlign, &offAlign) == 1 {
            guard offAlign > 0 else { return notDirect("the file system cannot write direct") }
            align = max(4096, Int(offAlign), Int(memAlign))
        }
        // Round up to a power of two at least the alignment (an alignment is one).
        guard align & (align - 1) == 0 else { return notDirect("alignment \(align)") }
        let pos = lseek(fd, 0, SEEK_CUR)
        guard pos >= 0 else { return notDirect("no offset") }
        chunk = (settings.chunk + align - 1) / align * align
        headWritten((align - Int(pos) % align) % align)
    }

    /// `left` bytes of the head are still to be written normally; at 0, goes direct.
    private func headWritten(_ left: Int) {
        if left > 0 { phase = .head(left); return }
        if let reason = startDirect() { notDirect(reason) }
    }

    /// Opens the direct descriptor, allocates the ring, starts the writer: nil when writing direct, else why not.
    private func startDirect() -> String? {
        phase = .plain
        let pos = lseek(fd, 0, SEEK_CUR)
        guard pos >= 0, Int(pos) % align == 0 else { return "offset \(pos) not aligned" }
        if settings.fault == .open { return "O_DIRECT open failed: \(String(cString: strerror(EINVAL))) (pretended)" }
        let d = clearance_open_direct("/proc/self/fd/\(fd)")
        guard d >= 0 else { return "O_DIRECT open failed: \(String(cString: strerror(errno)))" }
        var a = stat(), b = stat()
        guard fstat(fd, &a) == 0, fstat(d, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino else {
            close(d)
            return "the reopened file is another"
        }
        directFD = d
        for _ in 0..<settings.ring {
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, align, chunk) == 0, let p else {
                releaseDirect()
                return "no memory for the buffers"
            }
            buffers.append(p)
        }
        current = buffers[0]
        free = Array(buffers.dropFirst())
        fill = 0
        chunkOffset = Int(pos)
        let done = DispatchSemaphore(value: 0)
        writerDone = done
        let t = Thread { [self] in
            writerLoop()
            done.signal()
        }
        t.name = "clearance.output"
        t.start()
        phase = .direct
        if settings.report { note("direct from byte \(pos), alignment \(align), \(settings.ring) × \(chunk) bytes") }
        return nil
    }

    private func notDirect(_ reason: String) {
        phase = .plain
        why = reason
        if settings.report { note("not direct: \(reason)") }
    }

    // MARK: Direct

    /// ``current`` is full: hands it to the writer and takes a free buffer, or, when none is free, writes it
    /// through the page cache here (never waiting for the disk).
    private func submit() throws(Diagnostic) {
        guard let full = current else { return }
        cond.lock()
        if writeError != 0 {
            let e = writeError
            cond.unlock()
            throw failure(e)
        }
        if directFailed {
            cond.unlock()
            try leaveDirect(reason: "a direct write failed with EINVAL")
            return
        }
        if let next = free.popLast() {
            queue.append(Piece(buffer: full, offset: chunkOffset, count: fill))
            cond.signal()
            cond.unlock()
            current = next
        } else {
            cond.unlock()
            try writeBackWaiting()
            if let e = putCached(full, fill, chunkOffset) { throw failure(e) }
            ringFullBytes += fill
        }
        chunkOffset += fill
        fill = 0
    }

    /// The ring is full (the disk is behind): takes back the pieces still waiting for the writer (not the one it is
    /// writing) and writes them through the page cache, in order, here. So pieces are written in file order but for
    /// the one being written: whenever the process ends (killed, say), the file holds a prefix of the output, as
    /// with `write(2)`, not later pieces after a gap of zeros.
    private func writeBackWaiting() throws(Diagnostic) {
        cond.lock()
        let waiting = queue
        queue.removeAll()
        cond.unlock()
        for p in waiting {
            if let e = putCached(p.buffer, p.count, p.offset) { throw failure(e) }
            ringFullBytes += p.count
        }
        cond.lock()
        free.append(contentsOf: waiting.map(\.buffer))
        cond.unlock()
    }

    /// Stops and joins the writer, writes what ``current`` holds through the page cache and sets the descriptor's
    /// offset after it; from here on, `write(2)` as before (`reason` non-nil: a fallback, reported).
    private func leaveDirect(reason: String?) throws(Diagnostic) {
        cond.lock()
        closing = true
        cond.signal()
        cond.unlock()
        writerDone?.wait()
        writerDone = nil
        phase = .plain
        cond.lock()
        let e = writeError
        // The writer may have met the EINVAL after the last piece was handed over.
        let reason = reason ?? (directFailed ? "a direct write failed with EINVAL" : nil)
        let from = directFailedAt >= 0 ? directFailedAt : chunkOffset
        cond.unlock()
        if let reason {
            why = reason
            if settings.report { note("not direct from byte \(from): \(reason)") }
        }
        defer { releaseDirect() }
        if e != 0 { throw failure(e) }
        if fill > 0, let current {
            if let e = putCached(current, fill, chunkOffset) { throw failure(e) }
            tailBytes += fill
        }
        chunkOffset += fill
        fill = 0
        if lseek(fd, off_t(chunkOffset), SEEK_SET) < 0 { throw failure(errno) }
    }

    /// Frees the ring and closes the direct descriptor (the writer is not running).
    private func releaseDirect() {
        for b in buffers { Foundation.free(b) }
        buffers = []
        free = []
        queue = []
        current = nil
        if directFD >= 0 { close(directFD); directFD = -1 }
    }

    /// `pwrite` of `count` bytes at `offset` through the page cache; the `errno` of a failure.
    private func putCached(_ p: UnsafeRawPointer, _ count: Int, _ offset: Int) -> Int32? {
        var done = 0
        while done < count {
            let r = pwrite(fd, p + done, count - done, off_t(offset + done))
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { return r == 0 ? ENOSPC : errno }
            done += r
        }
        return nil
    }

    /// The writer thread: writes each handed piece direct (or through the page cache once a direct write failed
    /// with `EINVAL`), gives its buffer back; ends once closing and nothing is left.
    private func writerLoop() {
        while true {
            cond.lock()
            while queue.isEmpty && !closing { cond.wait() }
            if queue.isEmpty {
                cond.unlock()
                return
            }
            let piece = queue.removeFirst()
            let skip = writeError != 0
            var useDirect = !directFailed
            let index = piecesPut
            piecesPut += 1
            cond.unlock()
            var error: Int32 = 0
            var direct = 0
            var cached = 0
            var done = 0
            while !skip && done < piece.count {
                let r: Int
                if useDirect && index == 1, let fault = settings.fault, fault != .open {
                    r = -1
                    errno = fault == .einval ? EINVAL : EIO
                } else {
                    r = pwrite(useDirect ? directFD : fd, piece.buffer + done, piece.count - done, off_t(piece.offset + done))
                }
                if r < 0 && errno == EINTR { continue }
                if r < 0 && errno == EINVAL && useDirect {
                    // The rest of this piece and everything after it through the page cache (same offsets).
                    useDirect = false
                    cond.lock()
                    if directFailedAt < 0 { directFailedAt = piece.offset + done }
                    cond.unlock()
                    continue
                }
                if r <= 0 {
                    error = r == 0 ? ENOSPC : errno
                    break
                }
                if useDirect { direct += r } else { cached += r }
                done += r
            }
            cond.lock()
            free.append(piece.buffer)
            directBytes += direct
            writerBufferedBytes += cached
            if !useDirect { directFailed = true }
            if error != 0 && writeError == 0 { writeError = error }
            cond.unlock()
        }
    }

    private func note(_ text: String) {
        let line = Array("direct output: \(text)\n".utf8)
        line.withUnsafeBytes { b in _ = Foundation.write(2, b.baseAddress, b.count) }
    }
}
