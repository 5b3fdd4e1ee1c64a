extension Finding {
    /// Appends the finding as one compact JSON object (exactly ``jsonText()``'s bytes) to a byte buffer.
    ///
    /// The audit writes one of these per finding (two thirds of a typical log's events have one), so it
    /// copies each field's UTF-8 in one go instead of growing a `String` piece by piece: callgrind
    /// measured ~47,000 instructions per finding for the `String` version, most of it in
    /// `_StringGuts.append`/`prepareForAppendInPlace`.
    ///
    /// Each key is one static piece with its comma, quotes and colon (`,"at":"`), and each value is
    /// checked eight bytes at a time and copied in one append when it needs no escape (nearly always):
    /// callgrind, 52k events of the bench log, ~15,000 → ~4,000 instructions per finding (was four
    /// appends per key and `JSONBytes.appendString`'s byte loop per value).
    public func appendJSON(to out: inout [UInt8]) {
        @inline(__always) func piece(_ s: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        // `name` opens the value's quotes; the value is escaped into place and the quotes closed.
        @inline(__always) func field(_ name: StaticString, _ v: String) {
            piece(name)
            // The text read in place (`utf8.withContiguousStorageIfAvailable`, no copy of the `String` to
            // call the mutating `withUTF8`); native strings always have contiguous storage.
            let done: Void? = v.utf8.withContiguousStorageIfAvailable { buf in
                if JSONBytes.isPlain(buf) { out.append(contentsOf: buf) } else { JSONBytes.escapeBody(buf, to: &out) }
            }
            if done == nil { JSONBytes.appendEscaped(v, to: &out) }
            out.append(0x22)
        }
        // The order of `Finding.columns`: code, severity, event, file, line, at, subscriber, source,
        // asset, url, agreement, clause, quote, expected, found, message, remedy.
        field(#"{"code":""#, code.rawValue)
        field(#","severity":""#, severity.rawValue)
        if let event { field(#","event":""#, event) }
        field(#","file":""#, file)
        piece(#","line":"#)
        Finding.appendInt(line, to: &out)
        if let at { field(#","at":""#, at) }
        if let subscriber { field(#","subscriber":""#, subscriber) }
        if let source { field(#","source":""#, source) }
        if let asset { field(#","asset":""#, asset) }
        if let url { field(#","url":""#, url) }
        if let agreement { field(#","agreement":""#, agreement) }
        if let clause { field(#","clause":""#, clause) }
        if let quote { field(#","quote":""#, quote) }
        if let expected { field(#","expected":""#, expected) }
        if let found { field(#","found":""#, found) }
        field(#","message":""#, message)
        if let remedy { field(#","remedy":""#, remedy) }
        out.append(0x7D)  // }
    }

    static func appendInt(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(contentsOf: String(n).utf8); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var k = 20
        var v = n
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { k -= 1; d[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10 } while v > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[k...]))
        }
    }
}
