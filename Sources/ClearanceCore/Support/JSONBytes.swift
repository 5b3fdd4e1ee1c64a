/// Writes JSON text straight into a byte buffer: the hot paths' (decisions, findings, log rows)
/// counterpart of ``JSONValue/serialized(pretty:sortedKeys:)``, with the same escapes.
public enum JSONBytes {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal, escaped exactly as ``JSONValue`` writes strings.
    ///
    /// Runs of bytes that need no escape are copied in one append (the decision log's canonical row
    /// text escapes every logged request and decision, ~1 KB each: per-byte appends were most of it).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendString(utf8: $0, to: &out) }
    }

    /// Appends UTF-8 text as a JSON string literal, escaped as ``appendString(_:to:)`` (the usage
    /// ledger escapes an event's stored JSON text, held as bytes, into the row's canonical text).
    public static func appendString(utf8 buf: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(0x22)
        var i = 0
        var run = 0
        let n = buf.count
        @inline(__always) func flush(_ upTo: Int) {
            if upTo > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[run..<upTo])) }
        }
        while i < n {
            let c = buf[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C && c != 0xE2 { i += 1; continue }
            switch c {
            case 0x22: flush(i); out.append(0x5C); out.append(0x22)
            case 0x5C: flush(i); out.append(0x5C); out.append(0x5C)
            case 0x0A: flush(i); out.append(0x5C); out.append(0x6E)
            case 0x0D: flush(i); out.append(0x5C); out.append(0x72)
            case 0x09: flush(i); out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                flush(i)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
            case 0xE2 where i + 2 < n && buf[i + 1] == 0x80 && (buf[i + 2] == 0xA8 || buf[i + 2] == 0xA9):
                flush(i)
                out.append(contentsOf: [0x5C, 0x75, 0x32, 0x30, 0x32, buf[i + 2] == 0xA8 ? 0x38 : 0x39])
                i += 3
                run = i
                continue
            default:
                // 0xE2 not starting U+2028/U+2029: an ordinary byte of the run.
                i += 1
                continue
            }
            i += 1
            run = i
        }
        flush(n)
        out.append(0x22)
    }
}
