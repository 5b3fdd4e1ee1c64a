/// Reads DESIGN.md's request JSON straight from the bytes of one line: the batch hot path.
///
/// The strict path (`JSONParser.parse` building a `JSONValue` tree, then `RepublicationRequest.parse`
/// with its `FieldReader` paths) costs some 115,000 instructions per ~300-byte line; this scanner reads
/// the same shape in a single pass over the bytes with no tree, no path strings and no allocation
/// beyond the request's own (small, inline) strings.
///
/// It accepts only a conservative subset of what the strict path accepts, and returns nil for
/// anything else — escapes or non-ASCII bytes in strings, `null`, a number as `id`, unknown or
/// repeated keys, a missing or bad field, an unknown territory, a date it does not read. The caller
/// then runs the strict path on the same line, so every error (and every lenient reading) is exactly
/// what it always was. Whatever it does return equals what the strict path returns for that line
/// (tests compare the two on tables of lines and on generated ones).
///
/// Two steps: where each field's value is (``Fields``: the *structure*), then the values checked and
/// converted as the strict path converts them. The structure is read one of two ways:
///
/// - by a line's **shape** (``Shape``): a producer writes every line with the same keys in the same order
///   and spacing, so the bytes *between* the values (`{"id":`, `,"subscriber":`, …, `}`) repeat from line to
///   line. The scanner keeps the shapes of the last few lines it read in full and matches a new line
///   against them: each stretch between two values compared as words, each value read by the same
///   production as below. A line that matches is, outside its values, byte for byte a line the full reading
///   accepted, so the full reading would find the same keys, objects and value ranges in it.
/// - in full (``structure(_:)``): member by member, any key order and spacing, each key at most once. A
///   line read this way gives the scanner its shape.
///
/// Measured (callgrind, batch session 6, default workload's lines, ~260 bytes): 6,100 instructions a line
/// read in full (~3,200 of them finding the structure, ~150 a key), ~1,700 by its shape.
public struct RequestScanner {
    /// Country codes by `(first - 'A') * 26 + (second - 'A')`, from the territory table (nil: not a country).
    private let countries: [String?]
    /// The same codes as a bit set (bit `n` of the 676 for `countries[n] != nil`), read without touching a String.
    private var countrySet = InlineArray<11, UInt64>(repeating: 0)
    /// Request actions already canonicalised (`reproduce` → `reproduce`, `odrl:use` → `use`), as written (packed,
    /// ``JSONByteCursor/packed(_:)``) → canonical, packed the same way: a short list of integer comparisons (a workload
    /// names a handful of actions; a `[String: String]` cost a String and a SipHash per line, ~410 instructions,
    /// callgrind batch session 5), plain values (no String kept: the canonical name is made from its bits,
    /// ``SmallASCII``; a kept String was copied, a retain, per line). The first `actionCount` kept, at most 16;
    /// spellings of at most 16 bytes, canonical names of at most 15.
    private var actions = InlineArray<16, ActionSpelling>(repeating: ActionSpelling())
    private var actionCount = 0
    /// Enumeration names as plain values inside the scanner (``PackedNames``): read through a stored `ByteNames`,
    /// each lookup retained the table's array (callgrind, scan session 8); as `static let`s, each cost a `swift_once`
    /// call and a generic look-up's call (~60 instructions a name; scan session 9).
    /// Read through a pointer (``PackedNames/find(_:_:_:)``): a method called on the stored table copied it first (`memcpy`
    /// of its ~200 bytes, three a line; callgrind, scan session 9).
    private var names = Names()
    /// Whether short identifiers are made from their bytes' bits (``SmallASCII``), read once from the process-wide
    /// check (a `static let` read per identifier is a call to its accessor).
    private let smallStrings = SmallASCII.available
    /// The last source read: its bytes packed (``JSONByteCursor/packed(_:)``) and its String (for sources longer
    /// than 15 bytes; shorter ones are made from their bits).
    private var lastSource: (count: Int, lo: UInt64, hi: UInt64, value: String)?
    /// Shapes of recently read lines (the first `shapeCount`); `last` is the one that matched last (tried first).
    ///
    /// Plain values in fixed-size storage inside the scanner, so matching a line touches no reference count: as
    /// `[Shape]` of arrays, each line's `shapes[s]` retained and released two arrays (`swift_retain` 0.58% of a 1M
    /// batch's samples, ~150 instructions a line with the releases; perf and callgrind, scan session 8).
    private var shapes = InlineArray<8, Shape>(repeating: Shape())
    private var shapeCount = 0
    private var last = 0
    /// The next shape to replace once ``maxShapes`` are kept.
    private var victim = 0
    /// Leading slots shapes `s` and `t` share (`commonSlots[s * 8 + t]`), so a match can go on from one to the other.
    private var commonSlots = InlineArray<64, UInt8>(repeating: 0)
    /// Shapes kept: lines with and without optional fields (`portion`, `publishedAt`, `id`) in one order.
    static let maxShapes = 8

    /// The enumeration tables the request reads (``PackedNames``), in one plain value so that the shape matcher reads them
    /// through one pointer.
    struct Names {
        var channels = PackedNames(byteTable(Channel.self))
        var kinds = PackedNames(byteTable(AssetKind.self))
        var extents = PackedNames(byteTable(Extent.self))
    }

    /// An action as written and its canonical name, both packed little-endian (``JSONByteCursor/packed(_:)``).
    struct ActionSpelling {
        var count = 0, lo: UInt64 = 0, hi: UInt64 = 0
        var canonicalCount = 0, canonicalLo: UInt64 = 0, canonicalHi: UInt64 = 0
    }

    /// A scanner resolving territories against `territories` (the same table the strict path is given).
    public init(territories: TerritoryTable = .builtin) {
        countries = twoLetterCountryTable(territories)
        for (n, code) in countries.enumerated() where code != nil { countrySet[n >> 6] |= 1 << UInt64(n & 63) }
    }

    /// The request on this line, or nil when the strict path must read it (see the type's comment).
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, now: Instant?) -> RepublicationRequest? {
        var f = Fields()
        guard read(line, into: &f) != nil else { return nil }
        return request(line, f, now: now)
    }

    /// Where the values of `line` are, by a kept shape or else read in full (and the shape kept); `byShape` says which
    /// (the tests hold the two to the same fields).
    @inline(__always)
    mutating func fields(_ line: UnsafeBufferPointer<UInt8>) -> (fields: Fields, byShape: Bool)? {
        var f = Fields()
        guard let byShape = read(line, into: &f) else { return nil }
        return (f, byShape)
    }

    /// ``fields(_:)`` into `f` (a fresh ``Fields``): true by a kept shape, false read in full, nil not read. For ``scan(_:now:)``
    /// without the tuple: returned as `(Fields, Bool)?`, the fields were copied once more (`memcpy` of ~150 bytes a line;
    /// callgrind, scan session 10).
    @inline(__always)
    mutating func read(_ line: UnsafeBufferPointer<UInt8>, into f: inout Fields) -> Bool? {
        // Value bounds are kept as 32-bit offsets (``Fields``); a longer line is the strict path's.
        guard line.count < Int(Int32.max) else { return nil }
        if byShape(line, &f) { return true }
        guard let full = Self.structure(line) else { return nil }
        learn(line, full)
        f = full
        return false
    }

    /// Where each value of a request line is: the content of a plain string (quotes excluded), or a number's text.
    ///
    /// Offsets by field (``Field/rawValue``) and a bit per field found: 14 `Range<Int>?` (24 bytes each) were
    /// copied with `memcpy` twice a line and each set wrote its tag (callgrind, scan session 8).
    struct Fields {
        var lower = InlineArray<14, Int32>(repeating: 0)
        var upper = InlineArray<14, Int32>(repeating: 0)
        /// Bit `1 << field.rawValue` for each value found.
        var present: UInt16 = 0
        var sawAsset = false
        /// Values the shape matcher already read (``RequestScanner/match(_:_:_:from:at:into:)``), so that
        /// ``RequestScanner/request(_:_:now:)`` does not read them again: bit `1 << field.rawValue` in `read` for each; the
        /// dates' instants in milliseconds, the enumerations' values.
        var read: UInt16 = 0
        var atMillis: Int64 = 0, publishedMillis: Int64 = 0
        var kind = AssetKind.text, channel = Channel.web, extent = Extent.whole

        /// Sets the bounds of `field`'s value without marking it present (a shape marks its fields all at once).
        @inline(__always) mutating func setBounds(_ field: Field, _ lower: Int, _ upper: Int) {
            let k = Int(field.rawValue)
            self.lower[unchecked: k] = Int32(truncatingIfNeeded: lower)
            self.upper[unchecked: k] = Int32(truncatingIfNeeded: upper)
        }

        /// Sets the value of `field`.
        @inline(__always) mutating func set(_ field: Field, _ r: Range<Int>) {
            // A field's raw value is below 14, the arrays' size.
            let k = Int(field.rawValue)
            lower[unchecked: k] = Int32(truncatingIfNeeded: r.lowerBound)
            upper[unchecked: k] = Int32(truncatingIfNeeded: r.upperBound)
            present |= 1 << UInt16(field.rawValue)
        }

        /// The value of `field`, if the line has it.
        @inline(__always) subscript(_ field: Field) -> Range<Int>? {
            let k = Int(field.rawValue)
            guard present & (1 << UInt16(field.rawValue)) != 0 else { return nil }
            // A field's raw value is below 14; the readers set lower ≤ upper.
            return Range(uncheckedBounds: (Int(lower[unchecked: k]), Int(upper[unchecked: k])))
        }

        /// Every value found, with its field, in no particular order.
        var all: [(Field, Range<Int>)] {
            Field.allCases.compactMap { f in self[f].map { (f, $0) } }
        }
    }

    /// The values of the request shape (`portion` is the one number; every other value is a plain string).
    enum Field: UInt8, CaseIterable {
        case id, subscriber, source, channel, territory, at, assetID, kind, published, url, title, action, extent, portion

        /// The field's bit in ``Fields/present`` and ``Fields/read``.
        var bit: UInt16 { 1 << UInt16(rawValue) }
    }

    /// The request shape read member by member: each object's keys in any order and spacing, each at most once
    /// (a repeated key is a strict-parser error), every value a plain string except `portion`, a number.
    static func structure(_ line: UnsafeBufferPointer<UInt8>) -> Fields? {
        var c = JSONByteCursor(b: line)
        var f = Fields()
        // Every string field: a plain string, each key at most once (one bit per key in the object's `seen` mask).
        @inline(__always) func string(_ field: Field, _ bit: UInt32, _ seen: inout UInt32) -> Bool {
            guard seen & bit == 0, let r = c.string() else { return false }
            seen |= bit
            f.set(field, r)
            return true
        }
        guard c.open() else { return nil }
        var seen: UInt32 = 0
        if !c.closeIfEmpty() {
            repeat {
                guard let key = c.key() else { return nil }
                switch c.keyID(key) {
                case .id: guard string(.id, 1, &seen) else { return nil }
                case .subscriber: guard string(.subscriber, 2, &seen) else { return nil }
                case .source: guard string(.source, 4, &seen) else { return nil }
                case .channel: guard string(.channel, 8, &seen) else { return nil }
                case .territory: guard string(.territory, 16, &seen) else { return nil }
                case .at: guard string(.at, 32, &seen) else { return nil }
                case .asset:
                    guard seen & 64 == 0, c.open() else { return nil }
                    seen |= 64
                    f.sawAsset = true
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            switch c.keyID(k) {
                            case .id: guard string(.assetID, 1, &inner) else { return nil }
                            case .kind: guard string(.kind, 2, &inner) else { return nil }
                            case .publishedAt: guard string(.published, 4, &inner) else { return nil }
                            // Known keys the decision does not use: checked to be plain strings, then ignored.
                            case .url: guard string(.url, 8, &inner) else { return nil }
                            case .title: guard string(.title, 16, &inner) else { return nil }
                            default: return nil
                            }
                        } while c.nextMember()
                        guard c.closed else { return nil }
                    }
                case .use:
                    guard seen & 128 == 0, c.open() else { return nil }
                    seen |= 128
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            switch c.keyID(k) {
                            case .action: guard string(.action, 1, &inner) else { return nil }
                            case .extent: guard string(.extent, 2, &inner) else { return nil }
                            case .portion:
                                guard inner & 4 == 0, let r = c.number() else { return nil }
                                inner |= 4
                                f.set(.portion, r)
                            default: return nil
                            }
                        } while c.nextMember()
                        guard c.closed else { return nil }
                    }
                default:
                    return nil
                }
            } while c.nextMember()
            guard c.closed else { return nil }
        }
        guard c.atEnd() else { return nil }
        return f
    }

    /// The fields every request has (`sawAsset` aside): subscriber, source, channel, territory, asset id and kind
    /// (bits 1, 2, 3, 4, 6, 7: ``Field``'s raw values).
    private static var required: UInt16 { 0b1101_1110 }

    /// The request from the values at `f`, checked as the strict path checks them; any doubt goes back to it.
    private mutating func request(_ b: UnsafeBufferPointer<UInt8>, _ f: Fields, now: Instant?) -> RepublicationRequest? {
        let c = JSONByteCursor(b: b)
        guard f.sawAsset, f.present & Self.required == Self.required else { return nil }
        // Bounds the readers set (lower ≤ upper), taken without the range's check.
        @inline(__always) func range(_ k: Int) -> Range<Int> { Range(uncheckedBounds: (Int(f.lower[unchecked: k]), Int(f.upper[unchecked: k]))) }
        let subscriber = range(1), source = range(2), channel = range(3), territory = range(4), assetID = range(6), kind = range(7)
        var reqID: String?
        if let id = f[.id] {
            guard let s = Self.identifier(c, id, smallStrings) else { return nil }
            reqID = s
        }
        // The source as the String made for the last line when the bytes are the same (a batch's lines name one
        // source or two; making the String is ~170 instructions). It was checked as an identifier then. A short one
        // is made from its bits (``identifier(_:_:)``), cheaper than the comparison.
        let src: String
        if source.count > 15, let key = c.packed(source), let l = lastSource, l.count == source.count, l.lo == key.lo, l.hi == key.hi {
            src = l.value
        } else {
            guard let s = Self.identifier(c, source, smallStrings) else { return nil }
            src = s
            if source.count > 15, let key = c.packed(source) { lastSource = (source.count, key.lo, key.hi, s) }
        }
        guard let sub = Self.identifier(c, subscriber, smallStrings), let aid = Self.identifier(c, assetID, smallStrings) else { return nil }
        // Kind, channel and the dates as the shape matcher read them, or read here.
        let k: AssetKind, ch: Channel
        if f.read & Field.kind.bit != 0 {
            k = f.kind
        } else {
            guard let v = withUnsafeMutablePointer(to: &names.kinds, { PackedNames.find($0, c, kind) }) else { return nil }
            k = v
        }
        if f.read & Field.channel.bit != 0 {
            ch = f.channel
        } else {
            guard let v = withUnsafeMutablePointer(to: &names.channels, { PackedNames.find($0, c, channel) }) else { return nil }
            ch = v
        }
        var publishedAt: Instant?
        if f.read & Field.published.bit != 0 {
            publishedAt = Instant(millisecondsSinceEpoch: f.publishedMillis)
        } else if let published = f[.published] {
            guard let d = c.dateTime(published) else { return nil }
            publishedAt = d
        }
        var act = "reproduce"
        if let action = f[.action] {
            let key = c.packed(action)
            var known: String?
            if let key {
                for k in 0..<actionCount where actions[k].lo == key.lo && actions[k].hi == key.hi && actions[k].count == action.count {
                    known = SmallASCII.make(lo: actions[k].canonicalLo, hi: actions[k].canonicalHi, count: actions[k].canonicalCount,
                                            available: smallStrings)
                    break
                }
            }
            if let known {
                act = known
            } else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[action]), as: UTF8.self)
                guard let canonical = NewsActions.canonical(text) else { return nil }
                var name = JSONByteCursor.Packer()
                if let key, actionCount < 16, smallStrings, canonical.utf8.count <= 15, name.pack(canonical) {
                    actions[actionCount] = ActionSpelling(count: action.count, lo: key.lo, hi: key.hi, canonicalCount: canonical.utf8.count,
                                                          canonicalLo: name.lo, canonicalHi: name.hi)
                    actionCount += 1
                }
                act = canonical
            }
        }
        var ext = Extent.whole
        if f.read & Field.extent.bit != 0 {
            ext = f.extent
        } else if let extent = f[.extent] {
            guard let e = withUnsafeMutablePointer(to: &names.extents, { PackedNames.find($0, c, extent) }) else { return nil }
            ext = e
        }
        guard let (_, part) = c.portionValue(f[.portion], extent: ext) else { return nil }
        // Territory: two ASCII letters naming a country (the strict path upper-cases, then looks up).
        guard territory.count == 2 else { return nil }
        let t0 = b[territory.lowerBound] & 0xDF, t1 = b[territory.lowerBound + 1] & 0xDF
        guard t0 >= 0x41, t0 <= 0x5A, t1 >= 0x41, t1 <= 0x5A else { return nil }
        let country: String
        if let code = SmallASCII.make(lo: UInt64(t0) | UInt64(t1) << 8, hi: 0, count: 2, available: smallStrings) {
            // The table's code is these two capitals; made from them, the table's String is not copied (a retain).
            let n = Int(t0 - 0x41) * 26 + Int(t1 - 0x41)
            guard countrySet[n >> 6] & (1 << UInt64(n & 63)) != 0 else { return nil }
            country = code
        } else {
            guard let code = countries[Int(t0 - 0x41) * 26 + Int(t1 - 0x41)] else { return nil }
            country = code
        }
        var when: Instant
        if f.read & Field.at.bit != 0 {
            when = Instant(millisecondsSinceEpoch: f.atMillis)
        } else if let at = f[.at] {
            guard let d = c.dateTime(at) else { return nil }
            when = d
        } else {
            guard let now else { return nil }
            when = now
        }
        return RepublicationRequest(id: reqID, subscriber: sub, source: src,
                                    asset: AssetRef(id: aid, kind: k, publishedAt: publishedAt), action: act,
                                    extent: ext, portion: part, channel: ch, territory: country, at: when)
    }

    /// An identifier as the strict path accepts it: 1–200 bytes, no control characters, no surrounding spaces.
    /// (The range holds printable ASCII only, DEL excluded: the cursor's ``JSONByteCursor/string()`` refused
    /// everything else.) Up to 15 bytes, its String is made from the bytes' bits (``SmallASCII``).
    /// Static, like every helper the hot path calls: a method of this (large, inout) scanner was called on a copy of it.
    @inline(__always)
    private static func identifier(_ c: JSONByteCursor, _ r: Range<Int>, _ smallStrings: Bool) -> String? {
        let b = c.b
        guard !r.isEmpty, r.count <= 200, b[r.lowerBound] != 0x20, b[r.upperBound - 1] != 0x20 else { return nil }
        if r.count <= 15, let (lo, hi) = c.packed(r), let s = SmallASCII.make(lo: lo, hi: hi, count: r.count, available: smallStrings) {
            return s
        }
        return decoded(b, r)
    }

    /// A longer identifier's String (``identifier(_:_:_:)``), out of line so that the usual short one's code stays small.
    @inline(never)
    private static func decoded(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    // MARK: Shapes

    /// A line's bytes outside its values, as a fixed-size plain value: the stretch before each value (its *gap*,
    /// with a string value's quotes) and after the last.
    ///
    /// Each gap starts on a word of ``words`` and is zero-padded to whole words, so it is compared with the line
    /// eight bytes at a time against whole words (its last word under a mask). A line whose gaps or values do not
    /// fit (more than 320 bytes of gaps: much spacing) is not kept; it is read in full each time.
    struct Shape {
        /// The gaps' bytes, each from a word boundary, zero-padded; two more zero words so that three words can be
        /// read from any gap's first word (``gapFits``).
        var words = InlineArray<42, UInt64>(repeating: 0)
        /// Per slot (value, in line order), and at index `count` the end: the gap's first word and its length in bytes.
        var gapWord = InlineArray<15, UInt8>(repeating: 0)
        var gapBytes = InlineArray<15, UInt16>(repeating: 0)
        /// Per slot and the end, for a gap of at most 24 bytes: the bytes of its three words that are the gap's
        /// (all-ones bytes), else zero (the gap is compared word by word).
        var mask0 = InlineArray<15, UInt64>(repeating: 0)
        var mask1 = InlineArray<15, UInt64>(repeating: 0)
        var mask2 = InlineArray<15, UInt64>(repeating: 0)
        /// Per slot, the value's field.
        var field = InlineArray<14, Field>(repeating: .id)
        /// Values on the line.
        var count = 0
        /// Whether the line had an `asset` object (its key is in a gap).
        var sawAsset = false
        /// ``Fields/present`` of a line of this shape: a bit per field of its slots, set once a line fits (not per value).
        var present: UInt16 = 0

        /// Leading slots this shape has in common with `other` (same gaps, same fields).
        func common(with other: Shape) -> Int {
            var k = 0
            while k < count && k < other.count && field[k] == other.field[k] && sameGap(k, other) { k += 1 }
            return k
        }

        /// Whether gap `k` is the same here and in `other` (zero padding makes equal words equal bytes).
        func sameGap(_ k: Int, _ other: Shape) -> Bool {
            guard gapBytes[k] == other.gapBytes[k] else { return false }
            let a = Int(gapWord[k]), b = Int(other.gapWord[k])
            for w in 0..<((Int(gapBytes[k]) + 7) / 8) where words[a + w] != other.words[b + w] { return false }
            return true
        }

    }

    /// Whether the line continues at `i` with gap `k` of `shape` (`k == count`: the end).
    ///
    /// A gap of at most 24 bytes with 24 bytes of the line left: three words compared under their masks, one branch
    /// (a request line's gaps are 2–20 bytes). Compared word by word in a loop with its tail byte by byte near the
    /// end, the matcher's gaps and values cost ~155 instructions a value (callgrind, scan session 8).
    /// Indexes are unchecked: `k` is at most `count` (< 15) and a gap's words lie within ``Shape/words`` (``learn``
    /// keeps no shape whose gaps do not fit, and keeps two spare words).
    @inline(__always)
    private static func gapFits(_ shape: UnsafePointer<Shape>, _ k: Int, _ line: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let n = Int(shape.pointee.gapBytes[unchecked: k])
        guard let base = line.baseAddress, i &+ n <= line.count else { return false }
        let p = UnsafeRawPointer(base + i)
        var w = Int(shape.pointee.gapWord[unchecked: k])
        if n <= 24 && i &+ 24 <= line.count {
            let d0 = (p.loadUnaligned(as: UInt64.self) ^ UInt64(littleEndian: shape.pointee.words[unchecked: w]))
                & UInt64(littleEndian: shape.pointee.mask0[unchecked: k])
            let d1 = (p.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ UInt64(littleEndian: shape.pointee.words[unchecked: w &+ 1]))
                & UInt64(littleEndian: shape.pointee.mask1[unchecked: k])
            let d2 = (p.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ UInt64(littleEndian: shape.pointee.words[unchecked: w &+ 2]))
                & UInt64(littleEndian: shape.pointee.mask2[unchecked: k])
            return d0 | d1 | d2 == 0
        }
        var j = 0
        while j &+ 8 <= n {
            guard p.loadUnaligned(fromByteOffset: j, as: UInt64.self) == UInt64(littleEndian: shape.pointee.words[unchecked: w]) else { return false }
            j &+= 8
            w &+= 1
        }
        if j < n {
            let g = shape.pointee.words[unchecked: w]
            if i &+ j &+ 8 <= line.count {
                // The last 1–7 bytes under a mask (the line has eight bytes there; the gap's padding is zero).
                let mask = UInt64(littleEndian: (1 << (8 &* UInt64(n &- j))) &- 1)
                guard (p.loadUnaligned(fromByteOffset: j, as: UInt64.self) ^ UInt64(littleEndian: g)) & mask == 0 else { return false }
            } else {
                for t in j..<n where p.load(fromByteOffset: t, as: UInt8.self) != UInt8(truncatingIfNeeded: g >> (8 &* UInt64(t &- j))) {
                    return false
                }
            }
        }
        return true
    }

    /// Matches `line` by `shape` from slot `first` on (at `i`, the start of that slot's gap), setting each value's bounds
    /// in `f`.
    ///
    /// Returns -1 when the whole line fits; `k` when slot `k`'s gap (or, for `k == count`, the end) differs from the
    /// line, with `i` at that gap; -2 when a value is not what the full reading accepts there.
    ///
    /// The shape is read through a pointer into the scanner's storage: called as a method on `shapes[s]`, each access
    /// copied the shape (~400 bytes, `memcpy` 27 times a line; callgrind, scan session 8).
    ///
    /// Dates, the territory and the enumerations are read here, where their bytes are loaded anyway, instead of being
    /// scanned for their end first and read again in ``request(_:_:now:)``: a date's 20 bytes, when
    /// ``JSONByteCursor/utcDateTime(_:)`` reads them, are digits and separators, and two letters are letters, so the plain
    /// run from the value's start ends right after them exactly when a quote follows, which the next gap (starting with
    /// that quote) checks; a kind, channel or extent ends at the first quote (found by ``quoteWithin16(_:_:)``), and when
    /// the bytes before it are a name of its table they hold no byte that ends a plain run earlier. So the values found
    /// are the full reading's (the tests hold the two to the same fields); anything else is found by ``valueEnd(_:_:)``
    /// and read by ``request(_:_:now:)`` as before. Scanning a date for its end cost ~100 instructions and reading it
    /// again ~110; a name's scan ~60 (callgrind, scan session 10).
    @inline(__always)
    private static func match(_ shape: UnsafePointer<Shape>, _ names: UnsafeMutablePointer<Names>, _ line: UnsafeBufferPointer<UInt8>,
                              from first: Int, at i: inout Int, into f: inout Fields) -> Int {
        var c = JSONByteCursor(b: line)
        let count = shape.pointee.count
        for k in first..<count {
            guard gapFits(shape, k, line, i) else { return k }
            let j = i &+ Int(shape.pointee.gapBytes[unchecked: k])
            c.i = j
            let field = shape.pointee.field[unchecked: k]
            var end = -1
            switch field {
            case .portion:
                guard let r = c.number() else { return -2 }
                f.setBounds(.portion, r.lowerBound, r.upperBound)
                i = c.i
                continue
            case .at, .published:
                if j &+ 20 < line.count, let t = c.utcDateTime(j ..< j &+ 20) {
                    if field == .at { f.atMillis = t.millisecondsSinceEpoch } else { f.publishedMillis = t.millisecondsSinceEpoch }
                    f.read |= field.bit
                    end = j &+ 20
                }
            case .territory:
                if j &+ 2 < line.count, let base = line.baseAddress {
                    let t0 = base[j] | 0x20, t1 = base[j &+ 1] | 0x20
                    if t0 &- 0x61 < 26 && t1 &- 0x61 < 26 { end = j &+ 2 }
                }
            case .kind:
                if let (n, lo, hi) = quoteWithin16(line, j), let v = PackedNames.find(&names.pointee.kinds, lo: lo, hi: hi, count: n) {
                    f.kind = v
                    f.read |= field.bit
                    end = j &+ n
                }
            case .channel:
                if let (n, lo, hi) = quoteWithin16(line, j), let v = PackedNames.find(&names.pointee.channels, lo: lo, hi: hi, count: n) {
                    f.channel = v
                    f.read |= field.bit
                    end = j &+ n
                }
            case .extent:
                if let (n, lo, hi) = quoteWithin16(line, j), let v = PackedNames.find(&names.pointee.extents, lo: lo, hi: hi, count: n) {
                    f.extent = v
                    f.read |= field.bit
                    end = j &+ n
                }
            default:
                break
            }
            if end < 0 {
                // The gap ended with the value's opening quote; its closing quote starts the next gap.
                guard let e = valueEnd(line, j) else { return -2 }
                end = e
            }
            f.setBounds(field, j, end)
            i = end
        }
        guard gapFits(shape, count, line, i), i &+ Int(shape.pointee.gapBytes[unchecked: count]) == line.count else { return count }
        f.sawAsset = shape.pointee.sawAsset
        f.present = shape.pointee.present
        return -1
    }

    /// The offset from `j` of the first quote in the sixteen bytes from `j`, without a branch on where it is; nil when there
    /// is none or fewer than sixteen bytes are left. (Only the quote: the caller checks the bytes before it some other way.)
    @inline(__always)
    private static func quoteWithin16(_ line: UnsafeBufferPointer<UInt8>, _ j: Int) -> (count: Int, lo: UInt64, hi: UInt64)? {
        guard let base = line.baseAddress, j &+ 16 <= line.count else { return nil }
        let p = UnsafeRawPointer(base + j)
        let w0 = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        let w1 = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let q0 = JSONByteCursor.quotes(w0), q1 = JSONByteCursor.quotes(w1)
        let a = q0.trailingZeroBitCount >> 3, b = q1.trailingZeroBitCount >> 3
        let n = a &+ (b & (0 &- (a >> 3)))
        // The bytes before the quote packed as ``JSONByteCursor/packed(_:)`` packs them, from the words already here: the
        // lowest quote's bit (`q & -q`, at bit 8k + 7) gives the mask of the k bytes below it (all ones without a quote);
        // the second word counts only when the first has no quote. No branch on the length, which varies at random.
        let first = (q0 & (0 &- q0)) >> 7, second = (q1 & (0 &- q1)) >> 7
        let lo = w0 & (first &- 1)
        let hi = w1 & (second &- 1) & (0 &- UInt64(truncatingIfNeeded: a >> 3))
        return n < 16 ? (n, lo, hi) : nil
    }

    /// Where the plain string value starting at `j` ends (its closing quote), as ``JSONByteCursor/plainRun()`` finds it.
    ///
    /// Its first sixteen bytes without a branch that depends on them: both words' ``JSONByteCursor/stops(_:ascii:)``, the
    /// first stop's offset from their trailing zeros (an empty word counts 8 bytes and adds the next's). The word-by-word
    /// loop's exit depended on each value's length, a mispredicted branch for most values (8 of a request line's ~19.5 in
    /// callgrind's branch simulation; scan session 10), and its byte check and set-up cost ~20 instructions a value more.
    /// A longer value (dates, 20 bytes) goes on with the loop from its seventeenth byte; so does a value too near the end.
    @inline(__always)
    static func valueEnd(_ line: UnsafeBufferPointer<UInt8>, _ j: Int) -> Int? {
        let c = JSONByteCursor(b: line)
        guard let base = line.baseAddress, j &+ 16 <= line.count else { return c.plainEnd(from: j, ascii: true) }
        let p = UnsafeRawPointer(base + j)
        let m0 = JSONByteCursor.stops(UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)), ascii: true)
        let m1 = JSONByteCursor.stops(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)), ascii: true)
        // Each word's lowest flag is exact (``JSONByteCursor/stops(_:ascii:)``); `a >> 3` is 1 exactly when the first is empty.
        let a = m0.trailingZeroBitCount >> 3, b = m1.trailingZeroBitCount >> 3
        let n = a &+ (b & (0 &- (a >> 3)))
        guard n < 16 else { return c.plainEnd(from: j &+ 16, ascii: true) }
        // The first stop must be the closing quote (not a backslash, a control character, or DEL and above).
        return base[j &+ n] == UInt8(ascii: "\"") ? j &+ n : nil
    }

    /// Reads the structure of `line` by one of the kept shapes into `f`; false when none fits (the caller reads it in full).
    ///
    /// Starts with the shape that fitted last; where a gap differs (a line without `portion` after one with it), it
    /// goes on with another shape that has the same slots so far, from the same place (the values found stay valid).
    private mutating func byShape(_ line: UnsafeBufferPointer<UInt8>, _ f: inout Fields) -> Bool {
        let shapeCount = shapeCount, common = commonSlots
        guard shapeCount > 0 else { return false }
        let first = last
        let fitted = withUnsafeMutablePointer(to: &names) { np in withUnsafePointer(to: &shapes) { p -> Int in
            let book = UnsafeRawPointer(p).assumingMemoryBound(to: Shape.self)
            var s = first
            var k = 0
            var i = 0
            var tried: UInt32 = 0
            while true {
                tried |= 1 << UInt32(s)
                let stoppedAt = Self.match(book + s, np, line, from: k, at: &i, into: &f)
                if stoppedAt == -1 { return s }
                // A value that did not read (not a plain string; not a number): no shape helps.
                guard stoppedAt >= 0 else { return -1 }
                var next = -1
                for t in 0..<shapeCount where tried & (1 << UInt32(t)) == 0 && Int(common[s &* 8 &+ t]) >= stoppedAt {
                    next = t
                    break
                }
                guard next >= 0 else { return -1 }
                s = next
                k = stoppedAt
            }
        } }
        guard fitted >= 0 else { return false }
        last = fitted
        return true
    }

    /// Keeps the shape of `line`, whose structure read in full is `f` (replacing the oldest kept shape when there are
    /// ``maxShapes``), unless its gaps do not fit a ``Shape``.
    private mutating func learn(_ line: UnsafeBufferPointer<UInt8>, _ f: Fields) {
        // A string value's quotes belong to the gaps around it; `portion`'s text is the value.
        let values = f.all.sorted { $0.1.lowerBound < $1.1.lowerBound }
        var shape = Shape()
        var word = 0
        var at = 0
        /// Appends the gap `line[at..<to]`; false when it does not fit.
        func gap(_ k: Int, to: Int) -> Bool {
            let n = to - at
            let words = (n + 7) / 8
            guard n <= Int(UInt16.max), word + words <= 40 else { return false }
            shape.gapWord[k] = UInt8(word)
            shape.gapBytes[k] = UInt16(n)
            if n <= 24 {
                func mask(_ bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : bytes <= 0 ? 0 : (1 << (8 * UInt64(bytes))) - 1 }
                shape.mask0[k] = mask(n)
                shape.mask1[k] = mask(n - 8)
                shape.mask2[k] = mask(n - 16)
            }
            for j in 0..<n {
                shape.words[word + j / 8] |= UInt64(line[at + j]) << (8 * UInt64(j % 8))
            }
            word += words
            return true
        }
        for (k, (field, r)) in values.enumerated() {
            guard gap(k, to: r.lowerBound) else { return }
            shape.field[k] = field
            at = r.upperBound
        }
        shape.count = values.count
        guard gap(values.count, to: line.count) else { return }
        shape.sawAsset = f.sawAsset
        shape.present = f.present
        let slot: Int
        if shapeCount < Self.maxShapes {
            slot = shapeCount
            shapeCount += 1
        } else {
            slot = victim
            victim = (victim + 1) % Self.maxShapes
        }
        shapes[slot] = shape
        last = slot
        for t in 0..<shapeCount {
            let n = UInt8(shapes[slot].common(with: shapes[t]))
            commonSlots[slot * 8 + t] = n
            commonSlots[t * 8 + slot] = n
        }
    }
}

/// The keys of the request shape, and the usage event's own (`attribution`, `link`; ``UsageLineFast``).
enum Key { case id, subscriber, source, asset, use, channel, territory, at, kind, publishedAt, url, title, action, extent, portion, attribution, link, other }

extension JSONByteCursor {
    /// Which key of the request shape `r` spells: its bytes packed into words (``packed(_:)``) compared with the
    /// keys' spellings packed the same way (`"id"` is 0x6469). The former byte-by-byte comparison was an
    /// outlined call of ~42 instructions per key, ~13 keys a line (callgrind, batch session 5). By length first, then
    /// the one or two words: a switch over `(length, lo, hi)` tried the cases one after the other, ~50 instructions
    /// a key (callgrind, the audit's usage lines, scan session 9).
    @inline(__always) func keyID(_ r: Range<Int>) -> Key {
        guard let (lo, hi) = packed(r) else { return .other }
        switch r.count {
        case 2: return lo == 0x6469 ? .id : lo == 0x7461 ? .at : .other                                  // id, at
        case 3: return lo == 0x65_7375 ? .use : lo == 0x6c_7275 ? .url : .other                           // use, url
        case 4: return lo == 0x646e_696b ? .kind : lo == 0x6b6e_696c ? .link : .other                     // kind, link
        case 5: return lo == 0x74_6573_7361 ? .asset : lo == 0x65_6c74_6974 ? .title : .other             // asset, title
        case 6:
            switch lo {
            case 0x6563_7275_6f73: return .source                                                        // source
            case 0x6e6f_6974_6361: return .action                                                        // action
            case 0x746e_6574_7865: return .extent                                                        // extent
            default: return .other
            }
        case 7: return lo == 0x6c_656e_6e61_6863 ? .channel : lo == 0x6e_6f69_7472_6f70 ? .portion : .other // channel, portion
        case 9: return lo == 0x726f_7469_7272_6574 && hi == 0x79 ? .territory : .other                  // territory
        case 10: return lo == 0x6269_7263_7362_7573 && hi == 0x7265 ? .subscriber : .other              // subscriber
        case 11:
            if lo == 0x6568_7369_6c62_7570 && hi == 0x74_4164 { return .publishedAt }                    // publishedAt
            if lo == 0x7475_6269_7274_7461 && hi == 0x6e_6f69 { return .attribution }                    // attribution
            return .other
        default: return .other
        }
    }
}
