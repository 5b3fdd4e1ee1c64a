import ClearanceCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer to standard output or a file, with write errors as diagnostics (exit 74).
///
/// A report (`-o FILE`, or standard output) past its first 8 MiB in a regular file is written without the page
/// cache (``DirectOutput``); ``finish()`` writes the rest and joins its writer.
final class OutputWriter {
    private let fd: Int32
    private let owns: Bool
    private let name: String
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 16
    /// The report's writer past the page cache; nil for a spool file (its pages are dropped unwritten: writing
    /// them to the disk would only cost).
    private let direct: DirectOutput?
    private var finished = false

    /// Writes to `path`, or standard output when nil or `-`. A file is created (or truncated) with mode 0644.
    init(path: String?) throws(Diagnostic) {
        if let path, path != "-" {
            let f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard f >= 0 else {
                let why = String(cString: strerror(errno))
                throw Diagnostic(code: "output.unwritable", message: "cannot write `\(path)`: \(why)",
                                 hint: "check that the folder exists and is writable", category: .io)
            }
            fd = f
            owns = true
            name = path
        } else {
            fd = 1
            owns = false
            name = "standard output"
        }
        let name = name
        direct = DirectOutput(fd: fd) { e in OutputWriter.writeFailure(name, e) }
        buffer.reserveCapacity(OutputWriter.flushAt * 2)
    }

    /// Writes to the open file `fd` (closed when this goes away), named `name` in messages.
    init(fileDescriptor fd: Int32, name: String) {
        self.fd = fd
        owns = true
        self.name = name
        direct = nil
        buffer.reserveCapacity(OutputWriter.flushAt * 2)
    }

    deinit {
        try? finish()
        if owns { close(fd) }
    }

    /// Writes out everything, waits for the direct writer and reports its errors; the last call.
    func finish() throws(Diagnostic) {
        guard !finished else { return }
        finished = true
        try flush()
        try direct?.finish()
    }

    /// The failure to write to `name` with `errno` `e` (exit 74).
    private static func writeFailure(_ name: String, _ e: Int32) -> Diagnostic {
        Diagnostic(code: "output.write_failed", message: "writing to \(name) failed: \(String(cString: strerror(e)))",
                   hint: "check the free space and permissions where the output goes, or choose another `-o`", category: .io)
    }

    /// Appends text.
    func write(_ s: String) throws(Diagnostic) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= OutputWriter.flushAt { try flush() }
    }

    /// Appends bytes.
    func write(bytes: [UInt8]) throws(Diagnostic) {
        if buffer.isEmpty && bytes.count >= OutputWriter.flushAt {
            // Large block: straight out, no copy into the buffer.
            try writeOut(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= OutputWriter.flushAt { try flush() }
    }

    /// Appends the rest of the open file `source` with `sendfile(2)`, the bytes staying in the kernel;
    /// false (nothing copied) when the kernel cannot do it for this output, and the caller copies itself.
    ///
    /// The text, JSON and HTML reports copy their spooled findings after the summary, on one thread
    /// once every event is judged: 528 MB for the bench's 1M-event JSON report, through a 1 MiB buffer
    /// (a `read` and a `write` of every byte in user space).
    func append(fileDescriptor source: Int32) throws(Diagnostic) -> Bool {
        try flush()
        if let direct {
            // `sendfile` for the first 8 MiB, then read straight into the direct writer's buffers.
            try direct.copy(from: source, readFailure: SpoolFile.readFailure)
            return true
        }
        var copied = 0
        while true {
            let n = sendfile(fd, source, nil, 1 << 30)
            if n < 0 {
                if errno == EINTR { continue }
                if copied == 0 { return false }
                throw OutputWriter.writeFailure(name, errno)
            }
            if n == 0 { return true }
            copied += n
        }
    }

    /// Writes out everything buffered.
    func flush() throws(Diagnostic) {
        defer { buffer.removeAll(keepingCapacity: true) }
        try writeOut(buffer)
    }

    private func writeOut(_ bytes: [UInt8]) throws(Diagnostic) {
        if let direct {
            var failed: Diagnostic?
            bytes.withUnsafeBytes { b in
                do throws(Diagnostic) { try direct.write(b) } catch { failed = error }
            }
            if let failed { throw failed }
            return
        }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputWriter.writeFailure(name, errno)
            }
            off += n
        }
    }
}

/// A temporary file holding the rendered findings of a report that prints its summary first.
///
/// The findings are written in their final form (text lines, JSON elements, HTML rows) as they
/// are found, then copied to the output after the summary: memory stays flat however many there
/// are, and nothing is parsed twice. The file is removed when this goes away.
final class SpoolFile {
    let path: String
    let writer: OutputWriter

    init() throws(Diagnostic) {
        let tmp = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((tmp + "/clearance-audit-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw Diagnostic(code: "output.temp_failed", message: "cannot create a temporary file for the findings",
                             hint: "set TMPDIR to a writable folder", category: .io)
        }
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        // The writer keeps mkstemp's descriptor rather than reopening the path with `O_TRUNC`. On ext4 a
        // truncation to zero marks the file to have its delayed blocks allocated (written back) on every
        // close (`auto_da_alloc`): the 1M-event JSON report's 562 MB spool spent 0.23 s in the `close` of
        // the copy's read descriptor and 0.13 s in the writer's (strace -T), serial after the last event.
        // Unlinked before the writer closes (deinit), its pages are then dropped, never written to disk.
        writer = OutputWriter(fileDescriptor: fd, name: path)
    }

    /// Copies everything written so far to `out`, in 1 MiB blocks.
    func copy(to out: OutputWriter) throws(Diagnostic) {
        try writer.flush()
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw Diagnostic(code: "output.temp_failed", message: "cannot read back the temporary file of findings `\(path)`", category: .io)
        }
        defer { close(fd) }
        if try out.append(fileDescriptor: fd) { return }
        var block = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolFile.readFailure(errno)
            }
            if n == 0 { return }
            try out.write(bytes: n == block.count ? block : Array(block[0..<n]))
        }
    }

    /// The failure to read the findings back with `errno` `e`.
    static func readFailure(_ e: Int32) -> Diagnostic {
        Diagnostic(code: "output.temp_failed", message: "reading back the temporary file of findings failed: \(String(cString: strerror(e)))",
                   category: .io)
    }

    /// Removes the file; the writer (and its descriptor) goes after this body, so the pages are dropped unwritten.
    deinit { unlink(path) }
}

/// `write(2)`, under a name the writer's own `write` does not shadow.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
