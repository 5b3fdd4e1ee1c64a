import ClearanceCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer to standard output or a file, with write errors as diagnostics (exit 74).
final class OutputWriter {
    private let fd: Int32
    private let owns: Bool
    private let name: String
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 16

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
        buffer.reserveCapacity(OutputWriter.flushAt * 2)
    }

    deinit {
        try? flush()
        if owns { close(fd) }
    }

    /// Appends text.
    func write(_ s: String) throws(Diagnostic) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count >= OutputWriter.flushAt { try flush() }
    }

    /// Writes out everything buffered.
    func flush() throws(Diagnostic) {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                let why = String(cString: strerror(errno))
                buffer.removeAll()
                throw Diagnostic(code: "output.write_failed", message: "writing to \(name) failed: \(why)", category: .io)
            }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A temporary file of findings (one JSON object per line), for reports that print the summary first.
final class FindingSpool {
    let path: String
    private let writer: OutputWriter
    private(set) var count = 0

    init() throws(Diagnostic) {
        let tmp = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((tmp + "/clearance-audit-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw Diagnostic(code: "output.temp_failed", message: "cannot create a temporary file for the findings",
                             hint: "set TMPDIR to a writable folder", category: .io)
        }
        close(fd)
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        writer = try OutputWriter(path: path)
    }

    func append(_ f: Finding) throws(Diagnostic) {
        try writer.write(f.jsonText())
        try writer.write("\n")
        count += 1
    }

    /// Reads the findings back in order, handing each to `body`.
    func replay(_ body: (Finding) throws -> Void) throws {
        try writer.flush()
        let reader = try UsageLogReaderLines(path: path)
        while let line = try reader.nextLine() {
            let v = try JSONParser.parse(line)
            try body(try Finding(json: v))
        }
    }

    deinit { unlink(path) }
}

/// Plain line reading of a file (the spool), chunked.
final class UsageLogReaderLines {
    private let bytes: LogByteReader
    private var splitter = LineSplitter(csv: false, maximumLineLength: 1 << 26)
    init(path: String) throws(Diagnostic) { bytes = try LogByteReader(path: path) }
    func nextLine() throws(Diagnostic) -> [UInt8]? {
        while true {
            if let l = splitter.next() {
                if case .line(let r, _) = l { return Array(splitter.buffer[r]) }
                continue
            }
            if !(try bytes.readChunk(into: &splitter)) {
                splitter.finish()
                if let l = splitter.next(), case .line(let r, _) = l { return Array(splitter.buffer[r]) }
                return nil
            }
        }
    }
}

/// `write(2)`, under a name the writer's own `write` does not shadow.
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
