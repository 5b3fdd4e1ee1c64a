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
    public func appendJSON(to out: inout [UInt8]) { appendJSON(into: &out) }

    /// ``appendJSON(to:)`` into any byte sink (the decide workers write into a ``ByteWriter``).
    func appendJSON<Sink: JSONByteSink>(into out: inout Sink) {
        @inline(__always) func piece(_ s: StaticString) { FindingJSON.piece(s, to: &out) }
        // `name` opens the value's quotes; the value is escaped into place and the quotes closed.
        @inline(__always) func field(_ name: StaticString, _ v: String) {
            piece(name)
            FindingJSON.appendEscaped(v, to: &out)
            out.put(0x22)
        }
        // The order of `Finding.columns`: code, severity, event, file, line, at, subscriber, source,
        // asset, url, agreement, clause, quote, expected, found, message, remedy.
        field(#"{"code":""#, code.rawValue)
        field(#","severity":""#, severity.rawValue)
        if let event { field(#","event":""#, event) }
        field(#","file":""#, file)
        piece(#","line":"#)
        FindingJSON.appendInt(line, to: &out)
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
        out.put(0x7D)  // }
    }
}

/// The pieces every finding writer shares: a value escaped into place, a number.
enum FindingJSON {
    /// `v` escaped as inside a JSON string literal (no quotes), read in place.
    ///
    /// The text is read in place (`utf8.withContiguousStorageIfAvailable`, no copy of the `String` to
    /// call the mutating `withUTF8`; native strings always have contiguous storage), checked eight bytes
    /// at a time and copied in one piece when it needs no escape (nearly always).
    @inline(__always)
    static func appendEscaped<Sink: JSONByteSink>(_ v: String, to out: inout Sink) {
        let done: Void? = v.utf8.withContiguousStorageIfAvailable { buf in
            if JSONBytes.isPlain(buf) { out.put(buf) } else { JSONBytes.escapeBody(buf, to: &out) }
        }
        if done == nil {
            var v = v
            v.withUTF8 { buf in
                if JSONBytes.isPlain(buf) { out.put(buf) } else { JSONBytes.escapeBody(buf, to: &out) }
            }
        }
    }

    /// A static piece (a key with its punctuation) as it is.
    @inline(__always)
    static func piece<Sink: JSONByteSink>(_ s: StaticString, to out: inout Sink) {
        out.put(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// A non-negative number's digits (a negative one through `String`).
    static func appendInt<Sink: JSONByteSink>(_ n: Int, to out: inout Sink) {
        if n < 0 { var s = String(n); s.withUTF8 { out.put($0) }; return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var k = 20
        var v = n
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { k -= 1; d[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10); v /= 10 } while v > 0
            guard let base = d.baseAddress else { return }
            out.put(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + k, count: 20 - k))
        }
    }
}
