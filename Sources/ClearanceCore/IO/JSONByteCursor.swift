/// A position in one JSON text read straight from its bytes, with the few productions the byte scanners
/// need (``RequestScanner``, ``AgreementScanner``): objects, plain strings, numbers, arrays of strings.
///
/// Everything outside that subset (escapes, `null`, nested values where a string is expected...) makes a
/// production return nil, and the scanner then leaves the text to the strict path.
struct JSONByteCursor {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Set by ``nextMember()`` when it consumed the object's `}`.
    var closed = false

    init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

    @inline(__always) mutating func skipWS() {
        while i < b.count {
            let c = b[i]
            guard c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D else { return }
            i += 1
        }
    }

    /// `{` (after whitespace).
    @inline(__always) mutating func open() -> Bool {
        skipWS()
        guard i < b.count, b[i] == UInt8(ascii: "{") else { return false }
        i += 1
        closed = false
        return true
    }

    /// Consumes `}` right away (an empty object).
    @inline(__always) mutating func closeIfEmpty() -> Bool {
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return true }
        return false
    }

    /// After a member: `,` → true (another member follows); `}` → false with `closed` set; else false.
    @inline(__always) mutating func nextMember() -> Bool {
        skipWS()
        closed = false
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: ",") { i += 1; return true }
        if b[i] == UInt8(ascii: "}") { i += 1; closed = true }
        return false
    }

    /// Only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWS()
        return i == b.count
    }

    /// A member's key and its `:`.
    @inline(__always) mutating func key() -> Range<Int>? {
        guard let k = string() else { return nil }
        skipWS()
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        return k
    }

    /// A plain string: printable ASCII (0x20–0x7E) without escapes (anything else: nil, and the strict path
    /// reads the text).
    @inline(__always) mutating func string() -> Range<Int>? {
        text(ascii: true)
    }

    /// A string without escapes; with `ascii` true only printable ASCII (0x20–0x7E), with `ascii` false bytes
    /// ≥ 0x80 and DEL are allowed too (the caller then validates the UTF-8, as the strict parser does).
    ///
    /// Eight bytes at a time (``stops(_:ascii:)``) while eight remain, then byte by byte from the first byte
    /// that needs a look: a request line's strings (~180 of its ~260 bytes) took ~8 instructions a byte one
    /// byte at a time, a third of `RequestScanner.scan`'s own instructions (callgrind, batch session 5).
    @inline(__always) mutating func text(ascii: Bool) -> Range<Int>? {
        skipWS()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        guard let end = plainEnd(from: start, ascii: ascii) else { return nil }
        i = end + 1
        return start..<end
    }

    /// Where the string content starting at `start` ends: the offset of its closing `"`, or nil at a byte that
    /// ends a plain run otherwise (a control character, `\`, and with `ascii` a byte ≥ 0x7F) or at the text's end.
    /// Does not move the cursor. The one scan of a string's content (``text(ascii:)``, ``RequestScanner``'s shapes).
    @inline(__always) func plainEnd(from start: Int, ascii: Bool) -> Int? {
        var i = start
        if let base = b.baseAddress {
            while i &+ 8 <= b.count {
                let w = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let m = Self.stops(w, ascii: ascii)
                if m == 0 { i &+= 8; continue }
                i &+= m.trailingZeroBitCount >> 3
                break
            }
        }
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { return i }
            // Control characters are JSON errors; `\` starts an escape; bytes ≥ 0x80 need UTF-8 validation; DEL is
            // not printable (an identifier must not hold it).
            if c < 0x20 || c == UInt8(ascii: "\\") || (ascii && c >= 0x7F) { return nil }
            i += 1
        }
        return nil
    }

    /// ``plainEnd(from:ascii:)`` of printable ASCII from the cursor: a request line's string value whose opening
    /// quote a shape's gap already matched.
    @inline(__always) func plainRun() -> Int? { plainEnd(from: i, ascii: true) }

    /// The bytes of `w` (eight string bytes, the first in the low byte) that end a plain run: `"`, `\`, a control
    /// character, and with `ascii` a byte ≥ 0x7F; one high bit per such byte. The lowest set bit is exact (the
    /// zero-byte test can only flag bytes wrongly *after* a true one, through its borrow), so the caller goes to
    /// the byte that bit names and looks at it alone.
    @inline(__always) static func stops(_ w: UInt64, ascii: Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let m = zeroBytes(w ^ (0x22 &* ones)) | zeroBytes(w ^ (0x5C &* ones))
        if ascii {
            // Outside 0x20–0x7E: `x = byte - 0x20` borrows (below 0x20) or is at least 0x5F (DEL and above), which sets
            // the high bit of `x` or of `x + 0x21`; borrows and carries leave a byte only upwards from such a byte, so
            // the lowest flag stays exact. Five operations against nine for the two tests apart (scan session 8).
            let x = w &- 0x20 &* ones
            return m | ((x | (x &+ 0x21 &* ones)) & highs)
        }
        // `x - 0x20…` sets a byte's high bit, where the byte's own is clear, exactly when the byte is below 0x20.
        return m | ((w &- 0x20 &* ones) & ~w & highs)
    }

    /// The quotes among the eight bytes of `w` (the first in the low byte): one high bit per `"`, the lowest exact (as in
    /// ``stops(_:ascii:)``).
    @inline(__always) static func quotes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, x = w ^ (0x22 &* ones)
        return (x &- ones) & ~x & 0x8080_8080_8080_8080
    }

    /// Consumes the `n` bytes at `q` when the text continues with exactly them (false, and nothing consumed, otherwise).
    ///
    /// Eight bytes compared at a time; `q` must be readable for eight bytes past each compared stretch's start
    /// (``RequestScanner``'s shapes keep eight zero bytes after their gaps).
    @inline(__always) mutating func skip(_ q: UnsafePointer<UInt8>, count n: Int) -> Bool {
        guard i &+ n <= b.count, let base = b.baseAddress else { return false }
        let p = UnsafeRawPointer(base + i), r = UnsafeRawPointer(q)
        var k = 0
        while k &+ 8 <= n {
            guard p.loadUnaligned(fromByteOffset: k, as: UInt64.self) == r.loadUnaligned(fromByteOffset: k, as: UInt64.self) else { return false }
            k &+= 8
        }
        if k < n {
            if i &+ k &+ 8 <= b.count {
                // The rest (1–7 bytes) under a mask: the text has eight bytes there; the gap's zero padding is masked off.
                let mask = UInt64(littleEndian: (1 << (8 &* UInt64(n &- k))) &- 1)
                guard (p.loadUnaligned(fromByteOffset: k, as: UInt64.self) ^ r.loadUnaligned(fromByteOffset: k, as: UInt64.self)) & mask == 0 else {
                    return false
                }
            } else {
                for j in k..<n where p.load(fromByteOffset: j, as: UInt8.self) != q[j] { return false }
            }
        }
        i &+= n
        return true
    }

    /// A JSON number (RFC 8259 grammar); its text.
    mutating func number() -> Range<Int>? {
        skipWS()
        let start = i
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        let intStart = i
        while i < b.count, b[i] &- 0x30 <= 9 { i += 1 }
        guard i > intStart, !(b[intStart] == 0x30 && i - intStart > 1) else { return nil }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < b.count, b[i] &- 0x30 <= 9 { i += 1 }
            guard i > f else { return nil }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < b.count, b[i] &- 0x30 <= 9 { i += 1 }
            guard i > e else { return nil }
        }
        return start..<i
    }

    /// `[` (after whitespace).
    @inline(__always) mutating func openArray() -> Bool {
        skipWS()
        guard i < b.count, b[i] == UInt8(ascii: "[") else { return false }
        i += 1
        return true
    }

    /// Consumes `]` right away (an empty array).
    @inline(__always) mutating func closeArrayIfEmpty() -> Bool {
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return true }
        return false
    }

    /// After an element: `,` → true; `]` → false with `closed` set; else false.
    @inline(__always) mutating func nextElement() -> Bool {
        skipWS()
        closed = false
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: ",") { i += 1; return true }
        if b[i] == UInt8(ascii: "]") { i += 1; closed = true }
        return false
    }

    /// Where the array at the cursor (after whitespace) ends, without reading its values or moving:
    /// its bytes from `[` to just past the matching `]`, strings skipped and nested arrays and objects
    /// counted; nil when no array starts here, at a backslash (escapes are the strict path's) or when
    /// the text ends first. For ``AgreementScanner``'s values read before (by their bytes).
    func arraySpan() -> Range<Int>? { containerSpan(opening: UInt8(ascii: "[")) }

    /// Where the object at the cursor (after whitespace) ends, without reading it or moving: its bytes
    /// from `{` to just past the matching `}` (``arraySpan()``'s rules).
    func objectSpan() -> Range<Int>? { containerSpan(opening: UInt8(ascii: "{")) }

    /// ``arraySpan()`` and ``objectSpan()``: the container opened by `opening` at the cursor (after
    /// whitespace), to just past the bracket that closes it.
    private func containerSpan(opening: UInt8) -> Range<Int>? {
        var j = i
        while j < b.count, b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0A || b[j] == 0x0D { j += 1 }
        guard j < b.count, b[j] == opening else { return nil }
        let start = j
        var depth = 0
        while j < b.count {
            switch b[j] {
            case UInt8(ascii: "\""):
                j += 1
                while j < b.count, b[j] != UInt8(ascii: "\"") {
                    if b[j] == UInt8(ascii: "\\") { return nil }
                    j += 1
                }
                guard j < b.count else { return nil }
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return start ..< j + 1 }
            default: break
            }
            j += 1
        }
        return nil
    }

    /// An array of plain strings (`ascii`) or strings without escapes; their ranges.
    mutating func stringArray(ascii: Bool) -> [Range<Int>]? {
        guard openArray() else { return nil }
        var out: [Range<Int>] = []
        if closeArrayIfEmpty() { return out }
        repeat {
            guard let r = text(ascii: ascii) else { return nil }
            out.append(r)
        } while nextElement()
        return closed ? out : nil
    }

    /// Reads a string member into `slot` unless its bit is already in `seen` (a repeated key is a
    /// strict-parser error): the one helper for every string field of a scanned object.
    @inline(__always) mutating func stringField(_ slot: inout Range<Int>?, bit: UInt32, seen: inout UInt32) -> Bool {
        guard seen & bit == 0, let r = string() else { return false }
        seen |= bit
        slot = r
        return true
    }

    /// Whether `r` spells `s` exactly.
    @inline(__always) func equals(_ r: Range<Int>, _ s: StaticString) -> Bool {
        guard r.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<r.count where p[k] != b[r.lowerBound + k] { return false }
        return true
    }

    /// The value of an enumeration whose raw value `r` spells exactly (the strict path accepts no other spelling).
    @inline(__always) func lookup<E>(_ r: Range<Int>, _ table: ByteNames<E>) -> E? {
        if let (lo, hi) = packed(r) {
            for e in table.short where e.lo == lo && e.hi == hi && e.count == r.count { return e.value }
            return nil
        }
        for (name, value) in table.long where name.count == r.count {
            var same = true
            for k in 0..<name.count where name[k] != b[r.lowerBound + k] { same = false; break }
            if same { return value }
        }
        return nil
    }

    /// The bytes of `r` packed little-endian into two words (the first byte lowest), zero-filled; nil when `r` is
    /// longer than 16 bytes. A short key or name is then compared in one or two integer comparisons (strings the
    /// cursor read hold no zero byte, so equal words with equal lengths are equal spellings).
    ///
    /// Two unaligned loads, masked, when 16 bytes are readable from `r`'s start (within the line: a name is
    /// followed by at least `"}`); byte by byte otherwise. Byte-by-byte comparison with the tables cost ~40–90
    /// instructions a key or name, ~15 of them a request line (callgrind, batch session 5).
    @inline(__always) func packed(_ r: Range<Int>) -> (lo: UInt64, hi: UInt64)? {
        let n = r.count
        guard n <= 16, let base = b.baseAddress else { return nil }
        let p = UnsafeRawPointer(base + r.lowerBound)
        if r.lowerBound &+ 16 <= b.count {
            let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            // Swift's `<<` gives 0 when shifting by 64 or more: the masks below keep exactly the n bytes. (Branches on n:
            // a form without them cost ~8 instructions more a key, +0.3% of the audit's; the request scanner's names,
            // whose lengths vary at random, are packed without branches where their quote is found, scan session 10.)
            let lo = n >= 8 ? w0 : w0 & ((1 << (8 &* UInt64(n))) &- 1)
            let hi = n <= 8 ? 0 : w1 & ((1 << (8 &* UInt64(n &- 8))) &- 1)
            return (lo, hi)
        }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for k in 0..<n {
            let v = UInt64(p.load(fromByteOffset: k, as: UInt8.self))
            if k < 8 { lo |= v << (8 * k) } else { hi |= v << (8 * (k - 8)) }
        }
        return (lo, hi)
    }

    /// The bytes of `r` as a String (ASCII or already validated).
    @inline(__always) func asciiString(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// A request's `use.extent` and `use.portion` as the byte readers take them, by the strict reader's
    /// rules (`whole` when absent; a portion in (0, 1], and exactly 1 with `whole`), or nil when the strict
    /// path must read them and say what is wrong (an unknown extent, a portion that is not such a number).
    @inline(__always) func extentAndPortion(_ extent: Range<Int>?, _ portion: Range<Int>?,
                                            _ extents: ByteNames<Extent>) -> (extent: Extent, portion: Double?)? {
        var ext = Extent.whole
        if let extent {
            guard let e = lookup(extent, extents) else { return nil }
            ext = e
        }
        return portionValue(portion, extent: ext)
    }

    /// ``extentAndPortion(_:_:_:)`` once the extent is known (`whole` when absent).
    @inline(__always) func portionValue(_ portion: Range<Int>?, extent ext: Extent) -> (extent: Extent, portion: Double?)? {
        guard let portion else { return (ext, nil) }
        // The strict parser's conversion (the number's text through `Double(_:)`), so values are identical; short
        // decimals exactly (``exactDecimal(_:)``) without making a String.
        guard let d = exactDecimal(portion) ?? Double(asciiString(portion)), d.isFinite, d > 0, d <= 1,
              !(ext == .whole && d < 1) else { return nil }
        return (ext, d)
    }

    /// The value of a JSON number's text `r` when it is `[-]digits[.digits]` with at most 15 significant digits
    /// (else nil: ask `Double(_:)`), equal to what `Double(_:)` (strtod) returns.
    ///
    /// Such a number is m / 10^k with m < 2^53 and k ≤ 22, both exact doubles, and one IEEE division is correctly
    /// rounded, so this is the correctly rounded value strtod returns (Clinger's fast path). `Double(String)` cost
    /// ~760 instructions a portion (String made, strtod) against ~40 here (callgrind, batch session 5).
    @inline(__always) func exactDecimal(_ r: Range<Int>) -> Double? {
        var k = r.lowerBound
        let negative = k < r.upperBound && b[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var m: UInt64 = 0, digits = 0, fraction = 0, afterPoint = false
        while k < r.upperBound {
            let c = b[k]
            if c == UInt8(ascii: ".") {
                if afterPoint { return nil }
                afterPoint = true
            } else {
                let d = c &- 0x30
                guard d <= 9 else { return nil }
                m = m &* 10 &+ UInt64(d)
                digits += 1
                if afterPoint { fraction += 1 }
            }
            k += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        // 10^fraction by repeated ×10: every product up to 10^22 is an exact double, so this is exact too.
        var power = 1.0
        for _ in 0..<fraction { power *= 10 }
        let v = Double(m) / power
        return negative ? -v : v
    }

    /// The instant an ISO 8601 date or date-time `r` names, by ``ISO8601/parseDateTime(utf8:)``'s rules (nil when
    /// it refuses the text): ``utcDateTime(_:)`` for the usual `YYYY-MM-DDThh:mm:ssZ`, the full reader otherwise.
    @inline(__always) func dateTime(_ r: Range<Int>) -> Instant? {
        if let t = utcDateTime(r) { return t }
        return anyDateTime(r)
    }

    /// ``dateTime(_:)`` for every form but the usual one, out of line (so the usual one's code stays small and inlined).
    @inline(never) func anyDateTime(_ r: Range<Int>) -> Instant? {
        ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[r]))?.instant
    }

    /// The instant `r` names when it is exactly `YYYY-MM-DDThh:mm:ssZ` with a valid date and time, else nil (the
    /// caller then asks the full reader, which also reads every other form and says what is wrong).
    ///
    /// Three overlapping word loads: the five separators compared under one mask per word, the fourteen digits
    /// checked eight at a time (a byte is a digit when neither `byte - 0x30` borrows nor `byte + 0x46` reaches
    /// 0x80), then the same range checks and the same day arithmetic (`Instant(year:month:day:…)`) as
    /// ``ISODateTimeCore``. ~70 instructions against ~400 for the general scan and its fields (callgrind, batch
    /// session 6: two dates a request line). Tested equal to ``ISO8601/parseDateTime(utf8:)`` on random texts.
    @inline(__always) func utcDateTime(_ r: Range<Int>) -> Instant? {
        guard r.count == 20, let base = b.baseAddress else { return nil }
        let p = UnsafeRawPointer(base + r.lowerBound)
        let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))                      // YYYY-MM-
        let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))   // DDThh:mm
        let w2 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 12, as: UInt64.self))  // h:mm:ssZ
        guard w0 & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000,     // '-' at 4 and 7
              w1 & 0x0000_FF00_00FF_0000 == 0x0000_3A00_0054_0000,     // 'T' at 10, ':' at 13
              w2 & 0xFF00_00FF_0000_0000 == 0x5A00_003A_0000_0000      // ':' at 16, 'Z' at 19
        else { return nil }
        let zeros: UInt64 = 0x3030_3030_3030_3030
        // Separators replaced by '0', so that each word is eight digits when the text is valid.
        let d0 = (w0 & 0x00FF_FF00_FFFF_FFFF) | (zeros & ~0x00FF_FF00_FFFF_FFFF)
        let d1 = (w1 & 0xFFFF_00FF_FF00_FFFF) | (zeros & ~0xFFFF_00FF_FF00_FFFF)
        let d2 = (w2 & 0x00FF_FF00_0000_0000) | (zeros & ~0x00FF_FF00_0000_0000)
        @inline(__always) func notDigits(_ x: UInt64) -> UInt64 { ((x &+ 0x4646_4646_4646_4646) | (x &- zeros) | x) & 0x8080_8080_8080_8080 }
        guard notDigits(d0) | notDigits(d1) | notDigits(d2) == 0 else { return nil }
        // Each word's digit values (0–9 a byte), then every pair of neighbours at once: byte j of `v * 10 + v >> 8` is
        // 10 × digit j + digit j + 1 (at most 99: no carry between bytes). Six two-digit fields from three multiplies
        // instead of fourteen digits shifted out and combined one by one (~60 instructions; scan session 8).
        let v0 = d0 &- zeros, v1 = d1 &- zeros, v2 = d2 &- zeros
        let p0 = v0 &* 10 &+ v0 >> 8, p1 = v1 &* 10 &+ v1 >> 8, p2 = v2 &* 10 &+ v2 >> 8
        @inline(__always) func pair(_ p: UInt64, _ k: Int) -> Int { Int(truncatingIfNeeded: (p >> (8 &* UInt64(k))) & 0xFF) }
        let year = pair(p0, 0) &* 100 &+ pair(p0, 2), month = pair(p0, 5), day = pair(p1, 0)
        let hour = pair(p1, 3), minute = pair(p1, 6), second = pair(p2, 5)
        // The days of the month without a call or a table: 31 for months whose `month + month / 8` is odd (January,
        // March, May, July, August, October, December), else 30; February 28 or 29.
        let leap = year & 3 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = month == 2 ? (leap ? 29 : 28) : 30 &+ ((month &+ month >> 3) & 1)
        // Every range at once: all are small, so a difference is negative exactly when its bound is broken (one branch).
        guard (month &- 1) | (12 &- month) | (day &- 1) | (monthDays &- day) | (23 &- hour) | (59 &- minute) | (59 &- second) >= 0
        else { return nil }
        // `CivilCalendar.daysFromCivil` (H. Hinnant's) for years 0–9999: shifted by one 400-year era (146,097 days) the
        // year is never negative, so every division is unsigned by a constant (a multiply), with no era split:
        // 365y + y/4 − y/100 + y/400 is the era's days plus the year-of-era's. ~25 instructions against ~95 for the
        // general call and `daysInMonth` (callgrind, scan session 8). Tested equal to the full reader.
        let y = UInt(truncatingIfNeeded: year &+ 400 &- (month <= 2 ? 1 : 0))
        let mp = UInt(truncatingIfNeeded: month <= 2 ? month &+ 9 : month &- 3)
        let days = y &* 365 &+ y / 4 &- y / 100 &+ y / 400 &+ (153 &* mp &+ 2) / 5 &+ UInt(truncatingIfNeeded: day) &- 1
        let dayNumber = Int64(Int(bitPattern: days)) &- (719_468 &+ 146_097)
        let seconds = dayNumber &* 86_400 &+ Int64(hour &* 3600 &+ minute &* 60 &+ second)
        return Instant(millisecondsSinceEpoch: seconds &* 1000)
    }

    /// The bytes of `r` as a String when they are valid UTF-8 (nil otherwise: the strict parser reports it).
    @inline(__always) func utf8String(_ r: Range<Int>) -> String? {
        let slice = UnsafeBufferPointer(rebasing: b[r])
        if !slice.contains(where: { $0 >= 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }
}

/// An enumeration's raw values as bytes, for ``JSONByteCursor/lookup(_:_:)``: packed into words (see
/// ``JSONByteCursor/packed(_:)``) when at most 16 bytes long, as byte arrays otherwise.
struct ByteNames<E> {
    var short: [(count: Int, lo: UInt64, hi: UInt64, value: E)] = []
    var long: [(name: [UInt8], value: E)] = []
}

extension ByteNames: Sendable where E: Sendable {}

/// The short names of a ``ByteNames`` (at most eight, each at most 16 bytes) in fixed-size storage, found by a perfect
/// hash: a scanner keeps it as a plain value, so a look-up reads no array (a stored `ByteNames` was retained at each use,
/// and a `static let` one cost a `swift_once` call and the generic look-up's call: ~60 instructions a name against ~25;
/// callgrind, scan session 9). A name that does not fit is not kept: the scanner then declines its lines, and the strict
/// path reads them.
///
/// Sixteen slots; a name's slot is the top four bits of its packed words mixed by a multiplier chosen when the table is
/// made so that no two names share a slot (``slot(_:_:_:)``). A look-up is then one slot's three comparisons, without a
/// branch that depends on which name it is: the search over eight slots exited at the name's position, a mispredicted
/// branch a name (3.1 of a request line's ~19.5 in callgrind's branch simulation) and ~50 instructions a look-up, three
/// a line (`PackedNames.find` ~1.4% of a 1M batch's samples; scan session 10).
struct PackedNames<E> {
    private var lo = InlineArray<16, UInt64>(repeating: 0)
    private var hi = InlineArray<16, UInt64>(repeating: 0)
    /// -1 for an empty slot (no range has that count).
    private var count = InlineArray<16, Int>(repeating: -1)
    private var values = InlineArray<16, E?>(repeating: nil)
    /// The multiplier that puts the kept names in distinct slots.
    private var multiplier: UInt64 = 0

    /// The first eight short names of `table`.
    init(_ table: ByteNames<E>) {
        let names = Array(table.short.prefix(8))
        // Odd multipliers from a fixed sequence until the names' slots are distinct: for eight names in sixteen slots a
        // random multiplier works about one time in eight, so a few tries do (checked by the tests for every table).
        var m: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<4096 {
            var used: UInt16 = 0
            var clash = false
            for e in names {
                let bit: UInt16 = 1 << UInt16(Self.slot(e.lo, e.hi, m))
                if used & bit != 0 { clash = true; break }
                used |= bit
            }
            if !clash { break }
            m = m &* 0x2545_F491_4F6C_DD1D &+ 0x9E37_79B9_7F4A_7C15 | 1
        }
        multiplier = m
        for e in names {
            let k = Self.slot(e.lo, e.hi, m)
            // A clash the search did not resolve (never seen): the later name is not kept, and the scanner declines it.
            guard count[k] < 0 else { continue }
            lo[k] = e.lo; hi[k] = e.hi; count[k] = e.count; values[k] = e.value
        }
    }

    /// The slot of the name packed as `lo`, `hi` under multiplier `m`: 0–15.
    @inline(__always) static func slot(_ lo: UInt64, _ hi: UInt64, _ m: UInt64) -> Int {
        Int(truncatingIfNeeded: ((lo ^ (hi &* 0xC2B2_AE3D_27D4_EB4F)) &* m) >> 60)
    }

    /// The value whose name `r` spells exactly (``JSONByteCursor/lookup(_:_:)``'s answer for the names kept), in the table
    /// at `t` (a pointer: see ``RequestScanner``'s tables).
    @inline(__always) static func find(_ t: UnsafeMutablePointer<PackedNames>, _ c: JSONByteCursor, _ r: Range<Int>) -> E? {
        guard let (l, h) = c.packed(r) else { return nil }
        return find(t, lo: l, hi: h, count: r.count)
    }

    /// ``find(_:_:_:)`` of a name already packed (``JSONByteCursor/packed(_:)``'s words, `count` bytes).
    @inline(__always) static func find(_ t: UnsafeMutablePointer<PackedNames>, lo l: UInt64, hi h: UInt64, count: Int) -> E? {
        let k = slot(l, h, t.pointee.multiplier)
        // The three comparisons as one word (zero when all hold): one branch.
        let differ = (t.pointee.lo[unchecked: k] ^ l) | (t.pointee.hi[unchecked: k] ^ h)
            | UInt64(bitPattern: Int64(t.pointee.count[unchecked: k] ^ count))
        return differ == 0 ? t.pointee.values[unchecked: k] : nil
    }

    /// ``find(_:_:_:)`` on a table held as a value (tests).
    func find(_ c: JSONByteCursor, _ r: Range<Int>) -> E? {
        var t = self
        return withUnsafeMutablePointer(to: &t) { Self.find($0, c, r) }
    }

    /// Whether every short name of `table` (up to eight) was kept (tests).
    func keepsAll(_ table: ByteNames<E>) -> Bool {
        table.short.prefix(8).allSatisfy { e in count[Self.slot(e.lo, e.hi, multiplier)] == e.count && lo[Self.slot(e.lo, e.hi, multiplier)] == e.lo }
    }
}

extension JSONByteCursor {
    /// Bytes packed little-endian into two words as ``JSONByteCursor/packed(_:)`` packs a range of the text.
    struct Packer {
        var lo: UInt64 = 0, hi: UInt64 = 0
        /// Packs `text`'s UTF-8 (false when longer than 16 bytes).
        mutating func pack(_ text: String) -> Bool {
            lo = 0; hi = 0
            for (k, v) in text.utf8.enumerated() {
                guard k < 16 else { return false }
                if k < 8 { lo |= UInt64(v) << (8 * k) } else { hi |= UInt64(v) << (8 * (k - 8)) }
            }
            return true
        }
    }
}

/// An enumeration's raw values as ``ByteNames``.
func byteTable<E: RawRepresentable & CaseIterable>(_: E.Type) -> ByteNames<E> where E.RawValue == String {
    var t = ByteNames<E>()
    for e in E.allCases {
        let name = Array(e.rawValue.utf8)
        guard name.count <= 16 else { t.long.append((name, e)); continue }
        var lo: UInt64 = 0, hi: UInt64 = 0
        for (k, v) in name.enumerated() {
            if k < 8 { lo |= UInt64(v) << (8 * k) } else { hi |= UInt64(v) << (8 * (k - 8)) }
        }
        t.short.append((name.count, lo, hi, e))
    }
    return t
}

/// The territory table's two-letter upper-case codes by `(first - 'A') * 26 + (second - 'A')` (nil: no
/// such country), for the byte-level readers: a territory of two capitals is then one array read.
///
/// Exactly the codes `territories.indexByCode` holds that are two upper-case letters, so a byte reader
/// accepts a territory when the strict path would (`indexByCode[text] != nil`); anything else (lower
/// case, a region name) goes the strict way.
func twoLetterCountryTable(_ territories: TerritoryTable) -> [String?] {
    var table = [String?](repeating: nil, count: 26 * 26)
    for code in territories.indexByCode.keys {
        let u = Array(code.utf8)
        guard u.count == 2, u.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { continue }
        table[Int(u[0] - 0x41) * 26 + Int(u[1] - 0x41)] = code
    }
    return table
}
