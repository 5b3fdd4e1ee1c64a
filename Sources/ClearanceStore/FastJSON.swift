import ClearanceCore

/// A byte-level compact JSON writer for the store's hot paths (agreement documents, list columns,
/// log rows, chain hashes).
///
/// Its output is byte-for-byte `JSONValue.serialized(pretty: false, sortedKeys:)` (same escapes,
/// same number format), about ten times faster: it appends UTF-8 bytes instead of Unicode scalars.
enum FastJSON {
    /// The compact JSON text of `value`.
    static func string(_ value: JSONValue, sortedKeys: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out, sortedKeys: sortedKeys)
        return String(decoding: out, as: UTF8.self)
    }

    /// `["a","b"]` for a list of strings.
    static func list<S: Sequence>(_ items: S) -> String where S.Element == String {
        var out: [UInt8] = [0x5B]
        var first = true
        for s in items {
            if !first { out.append(0x2C) }
            first = false
            writeString(s, to: &out)
        }
        out.append(0x5D)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: JSONValue, to out: inout [UInt8], sortedKeys: Bool) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let d): out.append(contentsOf: JSONValue.formatNumber(d).utf8)
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out.append(0x5B)
            for (k, e) in a.enumerated() {
                if k > 0 { out.append(0x2C) }
                write(e, to: &out, sortedKeys: sortedKeys)
            }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            let keys = sortedKeys ? o.keys.sorted() : o.keys
            for (k, key) in keys.enumerated() {
                if k > 0 { out.append(0x2C) }
                writeString(key, to: &out)
                out.append(0x3A)
                write(o[key] ?? .null, to: &out, sortedKeys: sortedKeys)
            }
            out.append(0x7D)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal, escaping as `JSONValue.writeString` does.
    ///
    /// Runs of bytes that need no escape are copied in one append (the decision log's canonical row
    /// text escapes every logged request and decision, ~1 KB each: per-byte appends were most of it).
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { buf in
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
        }
        out.append(0x22)
    }
}
