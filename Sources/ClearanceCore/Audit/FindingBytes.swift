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
        JSONBytes.appendString(code.rawValue, to: &out)
        Finding.appendKey("severity", first: false, to: &out)
        JSONBytes.appendString(severity.rawValue, to: &out)
        // The order of `Finding.columns`: code, severity, event, file, line, at, subscriber, source,
        // asset, url, agreement, clause, quote, expected, found, message, remedy.
        if let event { Finding.appendKey("event", first: false, to: &out); JSONBytes.appendString(event, to: &out) }
        Finding.appendKey("file", first: false, to: &out)
        JSONBytes.appendString(file, to: &out)
        Finding.appendKey("line", first: false, to: &out)
        Finding.appendInt(line, to: &out)
        func field(_ name: StaticString, _ v: String?) {
            guard let v else { return }
            Finding.appendKey(name, first: false, to: &out)
            JSONBytes.appendString(v, to: &out)
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
}
