#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A benchmark failure: what went wrong, said plainly (the tool prints it and exits non-zero).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Small POSIX file helpers (no Foundation: the bench should not add its own start-up cost to what it measures).
enum FileIO {
    /// Creates a directory and its parents (like `mkdir -p`).
    static func makeDirectory(_ path: String) throws(BenchError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw BenchError("cannot create directory `\(prefix)`: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Writes a whole file.
    static func write(_ text: String, to path: String) throws(BenchError) {
        var w = Writer()
        try w.open(path)
        try w.append(text)
        try w.close()
    }

    /// Reads a whole file as bytes.
    static func readBytes(_ path: String) throws(BenchError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw BenchError("cannot read `\(path)`: \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
        }
        return out
    }

    /// Reads the start of a file holding at least its first `lines` lines (in 1 MiB pieces; the whole
    /// file when it has fewer lines).
    static func readPrefix(_ path: String, lines: Int) throws(BenchError) -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw BenchError("cannot read `\(path)`: \(String(cString: strerror(errno)))") }
        defer { fclose(f) }
        var out: [UInt8] = []
        var seen = 0
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while seen < lines {
            let n = buf.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 {
                out.append(contentsOf: buf[0..<n])
                for b in buf[0..<n] where b == 0x0A { seen += 1 }
            }
            if n < buf.count { break }
        }
        return out
    }

    /// Reads a whole file as UTF-8 text.
    static func read(_ path: String) throws(BenchError) -> String { String(decoding: try readBytes(path), as: UTF8.self) }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// A buffered file writer.
    struct Writer {
        private var file: UnsafeMutablePointer<FILE>?
        private var path = ""

        mutating func open(_ path: String) throws(BenchError) {
            self.path = path
            file = fopen(path, "wb")
            if file == nil { throw BenchError("cannot write `\(path)`: \(String(cString: strerror(errno)))") }
        }

        mutating func append(_ s: String) throws(BenchError) {
            var s = s
            let ok = s.withUTF8 { b in fwrite(b.baseAddress, 1, b.count, file) == b.count }
            if !ok { throw BenchError("cannot write `\(path)`: \(String(cString: strerror(errno)))") }
        }

        mutating func close() throws(BenchError) {
            if let f = file, fclose(f) != 0 { file = nil; throw BenchError("cannot finish `\(path)`") }
            file = nil
        }
    }
}
