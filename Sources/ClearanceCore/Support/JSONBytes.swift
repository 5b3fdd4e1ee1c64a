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
        escape(buf, to: &out)
    }

    /// Appends UTF-8 text as a JSON string literal into a ``ByteWriter`` (same escapes).
    public static func appendString(utf8 buf: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        escape(buf, to: &out)
    }

    /// Appends `s` as a JSON string literal into a ``ByteWriter`` (same escapes).
    public static func appendString(_ s: String, to out: inout ByteWriter) {
        var s = s
        s.withUTF8 { escape($0, to: &out) }
    }

    /// Appends `s` escaped as inside a JSON string literal, without the quotes: for a literal
    /// written in pieces (a decision's sentence from its template and the request's values; escaping
    /// works character by character, so the pieces' escapes are the whole's).
    ///
    /// Text that needs no escape (ids, codes, English words: nearly all of it) is copied in one
    /// append after a plain scan; the general escaper's per-run sink calls cost ~400 instructions
    /// for a 14-byte id (callgrind, bench/PROFILE.md news session 4).
    public static func appendEscaped(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { buf in
            if isPlain(buf) { out.append(contentsOf: buf) } else { escapeBody(buf, to: &out) }
        }
    }

    /// ``appendEscaped(_:to:)`` into a ``ByteWriter``.
    ///
    /// The bytes are read in place (`utf8.withContiguousStorageIfAvailable`, native and small
    /// strings): `withUTF8` needs a `var` copy of the string, a retain and a release per value
    /// (~30 of the ~165 instructions a decision's value cost, callgrind news session 6).
    @inline(__always)
    public static func appendEscaped(_ s: String, to out: inout ByteWriter) {
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { out.putEscapedBody($0) }
        if done == nil {
            var s = s
            s.withUTF8 { out.putEscapedBody($0) }
        }
    }

    /// `s` as a JSON string literal (as ``appendString(_:to:)``), plain text copied in one append.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        appendEscaped(s, to: &out)
        out.append(0x22)
    }

    /// UTF-8 text as a JSON string literal into a ``ByteWriter``: the same bytes as
    /// ``appendString(utf8:to:)``, checked and copied in one pass (``ByteWriter/putEscapedBody(_:)``)
    /// instead of going through the general escaper's runs.
    ///
    /// For the usage ledger's canonical row text (`LedgerDraft`, ~14 short values an event: ids, codes,
    /// instants), where the general escaper's per-run sink calls cost ~400 instructions a value
    /// (bench/PROFILE.md, news session 4, and ledger session 6). Tested equal to ``appendString(utf8:to:)``.
    @inline(__always)
    public static func appendQuoted(utf8 buf: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        out.put(0x22)
        out.putEscapedBody(buf)
        out.put(0x22)
    }

    /// Whether no byte of `buf` needs an escape (control characters, `"`, `\`, and 0xE2, which may
    /// start U+2028/U+2029).
    ///
    /// Eight bytes at a time (SWAR): the audit checks ~700 bytes of text per finding, and the byte
    /// loop (~4 instructions a byte) was most of its writer's time. `(v - 0x01…01) & ~v & 0x80…80`
    /// is non-zero exactly when some byte of `v` is zero (a byte equal to `"` is a zero byte of
    /// `x ^ 0x22…22`); `(x - 0x20…20) & ~x & 0x80…80` exactly when some byte is below 0x20. Exact
    /// for "is there any", which is all this asks.
    ///
    /// Text of eight bytes or more ends with one more word ending at its last byte, overlapping the
    /// word before (a byte checked twice changes nothing): the byte loop over up to seven last bytes
    /// cost ~40 instructions for a 14-byte id (callgrind news session 6).
    @inline(__always)
    static func isPlain(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = buf.baseAddress else { return true }
        let n = buf.count
        var i = 0
        @inline(__always) func plain(_ at: Int) -> Bool { plainWord(UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)) }
        if n >= 8 {
            while i &+ 8 <= n {
                if !plain(i) { return false }
                i &+= 8
            }
            return i == n || plain(n &- 8)
        }
        while i < n {
            let c = base[i]
            if !plainByte(c) { return false }
            i &+= 1
        }
        return true
    }

    /// Whether no byte of the eight in `x` needs an escape (see ``isPlain(_:)``).
    @inline(__always)
    static func plainWord(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        return !((x &- ones &* 0x20) & ~x & highs != 0 || hasZero(x ^ (ones &* 0x22)) || hasZero(x ^ (ones &* 0x5C))
            || hasZero(x ^ (ones &* 0xE2)))
    }

    /// Whether byte `c` needs no escape (see ``isPlain(_:)``).
    @inline(__always)
    static func plainByte(_ c: UInt8) -> Bool { c >= 0x20 && c != 0x22 && c != 0x5C && c != 0xE2 }

    /// The one escaper, over any byte sink: runs that need no escape are copied in one append.
    @inline(__always)
    static func escape<Sink: JSONByteSink>(_ buf: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        out.put(0x22)
        escapeBody(buf, to: &out)
        out.put(0x22)
    }

    /// ``escape(_:to:)`` without the quotes.
    @inline(__always)
    static func escapeBody<Sink: JSONByteSink>(_ buf: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        var i = 0
        var run = 0
        let n = buf.count
        @inline(__always) func flush(_ upTo: Int) {
            if upTo > run { out.put(UnsafeBufferPointer(rebasing: buf[run..<upTo])) }
        }
        while i < n {
            let c = buf[i]
            if c >= 0x20 && c != 0x22 && c != 0x5C && c != 0xE2 { i += 1; continue }
            switch c {
            case 0x22: flush(i); out.put(0x5C); out.put(0x22)
            case 0x5C: flush(i); out.put(0x5C); out.put(0x5C)
            case 0x0A: flush(i); out.put(0x5C); out.put(0x6E)
            case 0x0D: flush(i); out.put(0x5C); out.put(0x72)
            case 0x09: flush(i); out.put(0x5C); out.put(0x74)
            case 0..<0x20:
                flush(i)
                out.put(0x5C); out.put(0x75); out.put(0x30); out.put(0x30); out.put(hex[Int(c >> 4)]); out.put(hex[Int(c & 0xF)])
            case 0xE2 where i + 2 < n && buf[i + 1] == 0x80 && (buf[i + 2] == 0xA8 || buf[i + 2] == 0xA9):
                flush(i)
                out.put(0x5C); out.put(0x75); out.put(0x32); out.put(0x30); out.put(0x32); out.put(buf[i + 2] == 0xA8 ? 0x38 : 0x39)
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
}

/// Where ``JSONBytes`` writes: a byte array, or a ``ByteWriter``.
public protocol JSONByteSink {
    mutating func put(_ byte: UInt8)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: JSONByteSink where Element == UInt8 {
    @inline(__always) public mutating func put(_ byte: UInt8) { append(byte) }
    @inline(__always) public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

/// A growable byte buffer written through a raw pointer, for writers that append hundreds of small
/// pieces per record (the usage import drafts each ledger row: ~250 pieces, each costing ~100-450
/// instructions as an `[UInt8]` append with its capacity and uniqueness checks, ~5 here).
///
/// Owns its memory: call ``free()`` when done (it is a plain struct for speed; copies share the buffer).
public struct ByteWriter: JSONByteSink {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    /// Bytes it can hold before it grows.
    public private(set) var capacity: Int

    /// A writer with room for `capacity` bytes (it grows as needed).
    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    /// Releases the memory; the writer must not be used afterwards.
    public func free() { base.deallocate() }

    /// Forgets the bytes written, keeping the memory.
    public mutating func removeAll() { count = 0 }

    /// Forgets the last byte written (a writer that extends an object another writer closed).
    public mutating func removeLast() {
        precondition(count > 0, "ByteWriter.removeLast on an empty writer")
        count -= 1
    }

    /// Forgets the last `n` bytes written.
    public mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count, "ByteWriter.removeLast beyond its bytes")
        count -= n
    }

    @inline(__always) mutating func ensure(_ k: Int) {
        if count + k > capacity { grow(count + k) }
    }

    private mutating func grow(_ need: Int) {
        var c = capacity * 2
        while c < need { c *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }

    @inline(__always) public mutating func put(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count += 1
    }

    @inline(__always) public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress, bytes.count > 0 else { return }
        ensure(bytes.count)
        ByteWriter.copy(src, to: base + count, count: bytes.count)
        count += bytes.count
    }

    /// Copies `n` (> 0) bytes from `src` to `dst`: up to 32 with one to four overlapping loads,
    /// all made before any store, longer with `memcpy`.
    ///
    /// Why: a decision's JSON is written in short pieces (keys, punctuation, a sentence's words,
    /// ids: 1-32 bytes, ~30 per decision), and each was a `memcpy` call, ~17 instructions of call
    /// and size dispatch for a few bytes (~530 of a 30k decision's ~5,000, callgrind words session 7).
    @inline(__always) static func copy(_ src: UnsafePointer<UInt8>, to dst: UnsafeMutablePointer<UInt8>, count n: Int) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        if n >= 8 {
            if n <= 16 {
                let a = s.loadUnaligned(as: UInt64.self), b = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                d.storeBytes(of: a, as: UInt64.self); d.storeBytes(of: b, toByteOffset: n &- 8, as: UInt64.self)
            } else if n <= 32 {
                let a = s.loadUnaligned(as: UInt64.self), b = s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                let c = s.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self), e = s.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
                d.storeBytes(of: a, as: UInt64.self); d.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                d.storeBytes(of: c, toByteOffset: n &- 16, as: UInt64.self); d.storeBytes(of: e, toByteOffset: n &- 8, as: UInt64.self)
            } else {
                dst.update(from: src, count: n)
            }
        } else if n >= 4 {
            let a = s.loadUnaligned(as: UInt32.self), b = s.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            d.storeBytes(of: a, as: UInt32.self); d.storeBytes(of: b, toByteOffset: n &- 4, as: UInt32.self)
        } else {
            let a = src[0], b = src[n >> 1], c = src[n &- 1]
            dst[0] = a; dst[n >> 1] = b; dst[n &- 1] = c
        }
    }

    /// Whether the `n` bytes at `a` and `b` are equal (eight at a time, the last word overlapping).
    @inline(__always) static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count n: Int) -> Bool {
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b)
        if n < 8 {
            for i in 0..<n where a[i] != b[i] { return false }
            return true
        }
        var i = 0
        while i &+ 8 < n {
            if x.loadUnaligned(fromByteOffset: i, as: UInt64.self) != y.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i &+= 8
        }
        return x.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == y.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
    }

    /// A multiply-xor hash of the `n` bytes at `p`, eight at a time: the key of the byte-keyed tables
    /// (``WordPool``'s texts, ``AgreementScanner``'s span cache). FNV byte by byte, with a generic byte
    /// compare, was ~800 instructions a look-up there (bench/PROFILE.md, prepare session 7).
    @inline(__always) static func hash(_ p: UnsafeRawPointer, count n: Int) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        var k = 0
        while k &+ 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            k &+= 8
        }
        var last: UInt64 = 0
        while k < n {
            last = last << 8 | UInt64(p.load(fromByteOffset: k, as: UInt8.self))
            k &+= 1
        }
        h = (h ^ last) &* 0xFF51_AFD7_ED55_8CCD
        return h ^ (h >> 32)
    }

    /// Appends a string's UTF-8 bytes as they are.
    @inline(__always) public mutating func put(_ s: String) {
        var s = s
        s.withUTF8 { put($0) }
    }

    /// Appends a static string's bytes (keys, punctuation).
    @inline(__always) public mutating func put(_ s: StaticString) {
        put(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends `buf` escaped as inside a JSON string literal (``JSONBytes/escapeBody(_:to:)``'s bytes),
    /// checked and copied in one pass: eight bytes at a time are loaded, checked
    /// (``JSONBytes/plainWord(_:)``) and stored, the last word overlapping the one before; at the
    /// first byte that needs an escape nothing is kept and the escaper writes the whole text.
    ///
    /// Why: a decision's values (ids, territory codes, actions: 2-20 bytes) were scanned, then
    /// copied by a `memcpy` call; one pass saves the call and the second loop (callgrind news
    /// session 6: ~125 → ~90 instructions a value, with the in-place read of the string).
    @inline(__always) mutating func putEscapedBody(_ buf: UnsafeBufferPointer<UInt8>) {
        guard let src = buf.baseAddress else { return }
        let n = buf.count
        ensure(n)
        let dst = base + count
        if n >= 8 {
            var i = 0
            while i &+ 8 <= n {
                let x = UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self)
                guard JSONBytes.plainWord(x) else { JSONBytes.escapeBody(buf, to: &self); return }
                UnsafeMutableRawPointer(dst + i).storeBytes(of: x, as: UInt64.self)
                i &+= 8
            }
            if i < n {
                let x = UnsafeRawPointer(src + (n - 8)).loadUnaligned(as: UInt64.self)
                guard JSONBytes.plainWord(x) else { JSONBytes.escapeBody(buf, to: &self); return }
                UnsafeMutableRawPointer(dst + (n - 8)).storeBytes(of: x, as: UInt64.self)
            }
        } else {
            for i in 0..<n {
                let c = src[i]
                guard JSONBytes.plainByte(c) else { JSONBytes.escapeBody(buf, to: &self); return }
                dst[i] = c
            }
        }
        count += n
    }

    /// Lets `body` write at most `max` bytes in place at the end (it returns how many it wrote).
    @inline(__always) mutating func write(max: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        ensure(max)
        let n = body(base + count)
        precondition(n >= 0 && n <= max, "ByteWriter.write beyond its room")
        count += n
    }

    /// The bytes written so far.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
