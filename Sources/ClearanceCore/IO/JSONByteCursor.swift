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

    /// A plain string: printable ASCII without escapes (anything else: nil, and the strict path reads the text).
    @inline(__always) mutating func string() -> Range<Int>? {
        text(ascii: true)
    }

    /// A string without escapes; with `ascii` false, bytes ≥ 0x80 are allowed too and ``hasHighBytes`` says
    /// whether there were any (the caller then validates the UTF-8, as the strict parser does).
    @inline(__always) mutating func text(ascii: Bool) -> Range<Int>? {
        skipWS()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return start..<(i - 1)
            }
            // Control characters are JSON errors; `\` starts an escape; bytes ≥ 0x80 need UTF-8 validation.
            if c < 0x20 || c == UInt8(ascii: "\\") || (ascii && c >= 0x80) { return nil }
            i += 1
        }
        return nil
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
    @inline(__always) func lookup<E>(_ r: Range<Int>, _ table: [(name: [UInt8], value: E)]) -> E? {
        for (name, value) in table where name.count == r.count {
            var same = true
            for k in 0..<name.count where name[k] != b[r.lowerBound + k] { same = false; break }
            if same { return value }
        }
        return nil
    }

    /// The bytes of `r` as a String (ASCII or already validated).
    @inline(__always) func asciiString(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// A request's `use.extent` and `use.portion` as the byte readers take them, by the strict reader's
    /// rules (`whole` when absent; a portion in (0, 1], and exactly 1 with `whole`), or nil when the strict
    /// path must read them and say what is wrong (an unknown extent, a portion that is not such a number).
    @inline(__always) func extentAndPortion(_ extent: Range<Int>?, _ portion: Range<Int>?,
                                            _ extents: [(name: [UInt8], value: Extent)]) -> (extent: Extent, portion: Double?)? {
        var ext = Extent.whole
        if let extent {
            guard let e = lookup(extent, extents) else { return nil }
            ext = e
        }
        guard let portion else { return (ext, nil) }
        // The strict parser's conversion (the number's text through `Double(_:)`), so values are identical.
        guard let d = Double(asciiString(portion)), d.isFinite, d > 0, d <= 1, !(ext == .whole && d < 1) else { return nil }
        return (ext, d)
    }

    /// The bytes of `r` as a String when they are valid UTF-8 (nil otherwise: the strict parser reports it).
    @inline(__always) func utf8String(_ r: Range<Int>) -> String? {
        let slice = UnsafeBufferPointer(rebasing: b[r])
        if !slice.contains(where: { $0 >= 0x80 }) { return String(decoding: slice, as: UTF8.self) }
        return String(validating: slice, as: UTF8.self)
    }
}

/// An enumeration's raw values as bytes, for ``JSONByteCursor/lookup(_:_:)``.
func byteTable<E: RawRepresentable & CaseIterable>(_: E.Type) -> [(name: [UInt8], value: E)] where E.RawValue == String {
    E.allCases.map { (Array($0.rawValue.utf8), $0) }
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
