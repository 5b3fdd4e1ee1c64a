import CZlib
import ClearanceCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a usage log's bytes in chunks, from a file or standard input, decompressing gzip.
///
/// Gzip is recognised by its magic bytes (1F 8B), not the file name; concatenated gzip
/// members (as `cat a.gz b.gz` makes) are read in turn. A stream that ends before its
/// gzip trailer is `input.truncated_gzip`; corrupt data is `input.bad_gzip`.
final class LogByteReader {
    /// The name used in messages and findings (`-` for standard input).
    let name: String
    /// Whether the input is gzip-compressed.
    private(set) var isGzip = false
    private let fd: Int32
    private let ownsFD: Bool
    private var raw: [UInt8]
    private var rawStart = 0
    private var rawEnd = 0
    private var eof = false
    private var stream = z_stream()
    private var inflating = false
    private var memberDone = false
    /// Compressed (or plain) bytes read from the file so far.
    private(set) var bytesRead: Int64 = 0
    /// The file's size when known (for progress), else nil.
    let size: Int64?

    static let chunkSize = 1 << 20

    /// Opens `path` (`-` = standard input). Errors: `input.not_found`, `input.is_directory`, `input.unreadable`.
    init(path: String) throws(Diagnostic) {
        name = path
        raw = [UInt8](repeating: 0, count: LogByteReader.chunkSize)
        if path == "-" {
            fd = 0
            ownsFD = false
            size = nil
        } else {
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw Diagnostic(code: "input.not_found", message: "no file at `\(path)`",
                                 hint: "check the path, or pass `-` to read standard input", category: .io)
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                throw Diagnostic(code: "input.is_directory", message: "`\(path)` is a folder, not a log file",
                                 hint: "name the log files inside it", category: .io)
            }
            let f = open(path, O_RDONLY)
            guard f >= 0 else {
                throw Diagnostic(code: "input.unreadable", message: "cannot open `\(path)` for reading",
                                 hint: "check its permissions", category: .io)
            }
            fd = f
            ownsFD = true
            size = (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
        }
        try fillRaw()
        if rawEnd - rawStart >= 2, raw[rawStart] == 0x1F, raw[rawStart + 1] == 0x8B {
            isGzip = true
            try startMember()
        }
    }

    deinit {
        if inflating { inflateEnd(&stream) }
        if ownsFD { close(fd) }
    }

    /// Reads more compressed/plain input into `raw` when it is empty.
    private func fillRaw() throws(Diagnostic) {
        guard rawStart == rawEnd, !eof else { return }
        rawStart = 0
        rawEnd = 0
        while true {
            let n = raw.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw Diagnostic(code: "input.read_failed", message: "reading `\(name)` failed: \(reason)", category: .io)
            }
            if n == 0 { eof = true } else { rawEnd = n; bytesRead += Int64(n) }
            return
        }
    }

    private func startMember() throws(Diagnostic) {
        if inflating {
            guard inflateReset(&stream) == Z_OK else { throw gzipError("zlib could not restart") }
            return
        }
        stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw gzipError("zlib could not start") }
        inflating = true
    }

    private func gzipError(_ what: String) -> Diagnostic {
        Diagnostic(code: "input.bad_gzip", message: "`\(name)` is not a valid gzip file: \(what)",
                   hint: "check the file with `gzip -t`; it may be damaged", category: .malformedInput)
    }

    /// Appends up to one chunk of (decompressed) bytes to `splitter`. Returns false at the end of input.
    func readChunk(into splitter: inout LineSplitter) throws(Diagnostic) -> Bool {
        if !isGzip {
            try fillRaw()
            if rawStart == rawEnd { return false }
            raw.withUnsafeBufferPointer { splitter.append(UnsafeBufferPointer(rebasing: $0[rawStart..<rawEnd])) }
            rawStart = rawEnd
            return true
        }
        var out = [UInt8](repeating: 0, count: LogByteReader.chunkSize)
        var produced = 0
        while produced == 0 {
            if memberDone {
                // Another gzip member may follow (concatenated files); trailing zero padding is tolerated.
                try fillRaw()
                while rawStart < rawEnd, raw[rawStart] == 0 { rawStart += 1 }
                if rawStart == rawEnd {
                    if eof { return false }
                    continue
                }
                memberDone = false
                try startMember()
            }
            try fillRaw()
            if rawStart == rawEnd && eof {
                throw Diagnostic(
                    code: "input.truncated_gzip",
                    message: "`\(name)` ends in the middle of its gzip data (after \(bytesRead) compressed bytes)",
                    hint: "the file was cut off while copying or writing; fetch it again or check it with `gzip -t`",
                    category: .malformedInput)
            }
            let inCount = rawEnd - rawStart
            var status: Int32 = Z_OK
            var consumed = 0
            raw.withUnsafeMutableBufferPointer { inBuf in
                out.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_in = inBuf.baseAddress! + rawStart
                    stream.avail_in = UInt32(inCount)
                    stream.next_out = outBuf.baseAddress! + produced
                    stream.avail_out = UInt32(outBuf.count - produced)
                    status = inflate(&stream, Z_NO_FLUSH)
                    consumed = inCount - Int(stream.avail_in)
                    produced = outBuf.count - Int(stream.avail_out)
                }
            }
            rawStart += consumed
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                memberDone = true
            case Z_DATA_ERROR:
                let msg = stream.msg.map { String(cString: $0) } ?? "corrupt data"
                throw gzipError(msg)
            case Z_MEM_ERROR:
                throw Diagnostic(code: "input.out_of_memory", message: "not enough memory to decompress `\(name)`", category: .io)
            default:
                throw gzipError("zlib status \(status)")
            }
        }
        out.withUnsafeBufferPointer { splitter.append(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
        return true
    }

    /// A peek at the first bytes of the (decompressed) input, without consuming: used to sniff the format.
    var isAtEnd: Bool { eof && rawStart == rawEnd && (!isGzip || memberDone) }
}
