extension Finding {
    /// Appends the finding as one compact JSON object (exactly ``jsonText()``'s bytes) to a byte buffer.
    ///
    /// The audit writes one of these per finding (two thirds of a typical log's events have one), so it
    /// copies each field's UTF-8 in one go instead of growing a `String` piece by piece: callgrind
    /// measured ~47,000 instructions per finding for the `String` version, most of it in
    /// `_StringGuts.append`/`prepareForAppendInPlace`.
    public func appendJSON(to out: inout [UInt8]) {
        out.append(0x7B)  // {
        Finding.appendKey("code", first: true, to: &out)
        Finding.appendJSONString(code.rawValue, to: &out)
        Finding.appendKey("severity", first: false, to: &out)
        Finding.appendJSONString(severity.rawValue, to: &out)
        // The order of `Finding.columns`: code, severity, event, file, line, at, subscriber, source,
        // asset, url, agreement, clause, quote, expected, found, message, remedy.
        if let event { Finding.appendKey("event", first: false, to: &out); Finding.appendJSONString(event, to: &out) }
        Finding.appendKey("file", first: false, to: &out)
        Finding.appendJSONString(file, to: &out)
        Finding.appendKey("line", first: false, to: &out)
        Finding.appendInt(line, to: &out)
        func field(_ name: StaticString, _ v: String?) {
            guard let v else { return }
            Finding.appendKey(name, first: false, to: &out)
            Finding.appendJSONString(v, to: &out)
        }
        field("at", at)
        field("subscriber", subscriber)
        field("source", source)
        field("asset", asset)
        field("url", url)
        field("agreement", agreement)
        field("clause", clause)
        field("quote", quote)
        field("expected", expected)
        field("found", found)
        field("message", message)
        field("remedy", remedy)
        out.append(0x7D)  // }
    }

    @inline(__always)
    static func appendKey(_ name: StaticString, first: Bool, to out: inout [UInt8]) {
        if !first { out.append(0x2C) }
        out.append(0x22)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(0x22)
        out.append(0x3A)
    }

    static func appendInt(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(contentsOf: String(n).utf8); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var k = 0
        var v = n
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10; k += 1 } while v > 0
            while k > 0 { k -= 1; out.append(d[k]) }
        }
    }

    /// Appends `s` as a JSON string, escaped exactly as ``JSONValue/writeString(_:to:)`` escapes it.
    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { u in
            // Fast case: nothing to escape (no `"`, `\`, control character, U+2028/U+2029 = E2 80 A8/A9).
            var plain = true
            var k = 0
            let n = u.count
            while k < n {
                let b = u[k]
                if b == 0x22 || b == 0x5C || b < 0x20 || (b == 0xE2 && k + 2 < n && u[k + 1] == 0x80 && (u[k + 2] == 0xA8 || u[k + 2] == 0xA9)) {
                    plain = false
                    break
                }
                k += 1
            }
            if plain { out.append(contentsOf: u); return }
            var k2 = 0
            while k2 < n {
                let b = u[k2]
                switch b {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                default:
                    if b < 0x20 {
                        let hex: [UInt8] = Array("0123456789abcdef".utf8)
                        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
                    } else if b == 0xE2, k2 + 2 < n, u[k2 + 1] == 0x80, u[k2 + 2] == 0xA8 || u[k2 + 2] == 0xA9 {
                        out.append(contentsOf: [0x5C, 0x75, 0x32, 0x30, 0x32, u[k2 + 2] == 0xA8 ? 0x38 : 0x39])
                        k2 += 3
                        continue
                    } else {
                        out.append(b)
                    }
                }
                k2 += 1
            }
        }
        out.append(0x22)
    }
}
