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
    /// Request actions already canonicalised (`reproduce` → `reproduce`, `odrl:use` → `use`), as written (packed,
    /// ``JSONByteCursor/packed(_:)``) → canonical: a short list of integer comparisons (a workload names a handful
    /// of actions; a `[String: String]` cost a String and a SipHash per line, ~410 instructions, callgrind batch
    /// session 5). At most 32 kept, spellings of at most 16 bytes.
    private var actions: [(count: Int, lo: UInt64, hi: UInt64, canonical: String)] = []
    private let channels = byteTable(Channel.self)
    private let kinds = byteTable(AssetKind.self)
    private let extents = byteTable(Extent.self)
    /// The last source read: its bytes packed (``JSONByteCursor/packed(_:)``) and its String.
    private var lastSource: (count: Int, lo: UInt64, hi: UInt64, value: String)?
    /// Shapes of recently read lines, at most ``maxShapes``; `last` is the one that matched last (tried first).
    private var shapes: [Shape] = []
    private var last = 0
    /// The next shape to replace once ``maxShapes`` are kept.
    private var victim = 0
    /// Shapes kept: lines with and without optional fields (`portion`, `publishedAt`, `id`) in one order.
    static let maxShapes = 8

    /// A scanner resolving territories against `territories` (the same table the strict path is given).
    public init(territories: TerritoryTable = .builtin) {
        countries = twoLetterCountryTable(territories)
    }

    /// The request on this line, or nil when the strict path must read it (see the type's comment).
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, now: Instant?) -> RepublicationRequest? {
        var f = Fields()
        if !byShape(line, &f) {
            guard let full = Self.structure(line) else { return nil }
            f = full
            learn(line, f)
        }
        return request(line, f, now: now)
    }

    /// Where each value of a request line is: the content of a plain string (quotes excluded), or a number's text.
    struct Fields {
        var id: Range<Int>?, subscriber: Range<Int>?, source: Range<Int>?, channel: Range<Int>?
        var territory: Range<Int>?, at: Range<Int>?
        var assetID: Range<Int>?, kind: Range<Int>?, published: Range<Int>?, url: Range<Int>?, title: Range<Int>?
        var action: Range<Int>?, extent: Range<Int>?, portion: Range<Int>?
        var sawAsset = false

        /// Sets the value of `field`.
        @inline(__always) mutating func set(_ field: Field, _ r: Range<Int>) {
            switch field {
            case .id: id = r
            case .subscriber: subscriber = r
            case .source: source = r
            case .channel: channel = r
            case .territory: territory = r
            case .at: at = r
            case .assetID: assetID = r
            case .kind: kind = r
            case .published: published = r
            case .url: url = r
            case .title: title = r
            case .action: action = r
            case .extent: extent = r
            case .portion: portion = r
            }
        }

        /// Every value found, with its field, in no particular order.
        var all: [(Field, Range<Int>)] {
            let list: [(Field, Range<Int>?)] = [(.id, id), (.subscriber, subscriber), (.source, source), (.channel, channel),
                                                (.territory, territory), (.at, at), (.assetID, assetID), (.kind, kind),
                                                (.published, published), (.url, url), (.title, title), (.action, action),
                                                (.extent, extent), (.portion, portion)]
            return list.compactMap { f, r in r.map { (f, $0) } }
        }
    }

    /// The values of the request shape (`portion` is the one number; every other value is a plain string).
    enum Field: UInt8 { case id, subscriber, source, channel, territory, at, assetID, kind, published, url, title, action, extent, portion }

    /// The request shape read member by member: each object's keys in any order and spacing, each at most once
    /// (a repeated key is a strict-parser error), every value a plain string except `portion`, a number.
    static func structure(_ line: UnsafeBufferPointer<UInt8>) -> Fields? {
        var c = JSONByteCursor(b: line)
        var f = Fields()
        // Every string field goes through `JSONByteCursor.stringField`: plain string, each key at most once, one bit per
        // key in the object's `seen` mask.
        guard c.open() else { return nil }
        var seen: UInt32 = 0
        if !c.closeIfEmpty() {
            repeat {
                guard let key = c.key() else { return nil }
                switch c.keyID(key) {
                case .id: guard c.stringField(&f.id, bit: 1, seen: &seen) else { return nil }
                case .subscriber: guard c.stringField(&f.subscriber, bit: 2, seen: &seen) else { return nil }
                case .source: guard c.stringField(&f.source, bit: 4, seen: &seen) else { return nil }
                case .channel: guard c.stringField(&f.channel, bit: 8, seen: &seen) else { return nil }
                case .territory: guard c.stringField(&f.territory, bit: 16, seen: &seen) else { return nil }
                case .at: guard c.stringField(&f.at, bit: 32, seen: &seen) else { return nil }
                case .asset:
                    guard seen & 64 == 0, c.open() else { return nil }
                    seen |= 64
                    f.sawAsset = true
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            switch c.keyID(k) {
                            case .id: guard c.stringField(&f.assetID, bit: 1, seen: &inner) else { return nil }
                            case .kind: guard c.stringField(&f.kind, bit: 2, seen: &inner) else { return nil }
                            case .publishedAt: guard c.stringField(&f.published, bit: 4, seen: &inner) else { return nil }
                            // Known keys the decision does not use: checked to be plain strings, then ignored.
                            case .url: guard c.stringField(&f.url, bit: 8, seen: &inner) else { return nil }
                            case .title: guard c.stringField(&f.title, bit: 16, seen: &inner) else { return nil }
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
                            case .action: guard c.stringField(&f.action, bit: 1, seen: &inner) else { return nil }
                            case .extent: guard c.stringField(&f.extent, bit: 2, seen: &inner) else { return nil }
                            case .portion:
                                guard inner & 4 == 0, let r = c.number() else { return nil }
                                inner |= 4
                                f.portion = r
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

    /// The request from the values at `f`, checked as the strict path checks them; any doubt goes back to it.
    private mutating func request(_ b: UnsafeBufferPointer<UInt8>, _ f: Fields, now: Instant?) -> RepublicationRequest? {
        let c = JSONByteCursor(b: b)
        guard f.sawAsset, let subscriber = f.subscriber, let source = f.source, let assetID = f.assetID, let kind = f.kind,
              let channel = f.channel, let territory = f.territory else { return nil }
        var reqID: String?
        if let id = f.id {
            guard let s = identifier(b, id) else { return nil }
            reqID = s
        }
        // The source as the String made for the last line when the bytes are the same (a batch's lines name one
        // source or two; making the String is ~170 instructions). It was checked as an identifier then.
        let src: String
        if let key = c.packed(source), let l = lastSource, l.count == source.count, l.lo == key.lo, l.hi == key.hi {
            src = l.value
        } else {
            guard let s = identifier(b, source) else { return nil }
            src = s
            if let key = c.packed(source) { lastSource = (source.count, key.lo, key.hi, s) }
        }
        guard let sub = identifier(b, subscriber), let aid = identifier(b, assetID),
              let k = c.lookup(kind, kinds), let ch = c.lookup(channel, channels) else { return nil }
        var publishedAt: Instant?
        if let published = f.published {
            guard let d = c.dateTime(published) else { return nil }
            publishedAt = d
        }
        var act = "reproduce"
        if let action = f.action {
            let key = c.packed(action)
            var known: String?
            if let key {
                for a in actions where a.lo == key.lo && a.hi == key.hi && a.count == action.count {
                    known = a.canonical
                    break
                }
            }
            if let known {
                act = known
            } else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[action]), as: UTF8.self)
                guard let canonical = NewsActions.canonical(text) else { return nil }
                if let key, actions.count < 32 { actions.append((action.count, key.lo, key.hi, canonical)) }
                act = canonical
            }
        }
        guard let (ext, part) = c.extentAndPortion(f.extent, f.portion, extents) else { return nil }
        // Territory: two ASCII letters naming a country (the strict path upper-cases, then looks up).
        guard territory.count == 2 else { return nil }
        let t0 = b[territory.lowerBound] & 0xDF, t1 = b[territory.lowerBound + 1] & 0xDF
        guard t0 >= 0x41, t0 <= 0x5A, t1 >= 0x41, t1 <= 0x5A, let country = countries[Int(t0 - 0x41) * 26 + Int(t1 - 0x41)] else {
            return nil
        }
        var when: Instant
        if let at = f.at {
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
    /// everything else.)
    @inline(__always)
    private func identifier(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String? {
        guard !r.isEmpty, r.count <= 200, b[r.lowerBound] != 0x20, b[r.upperBound - 1] != 0x20 else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    // MARK: Shapes

    /// A line's bytes outside its values: the stretch before each value (its *gap*) and after the last.
    struct Shape {
        /// The gaps' bytes, one after the other, then eight zero bytes (so a gap's last word can always be loaded).
        var gaps: [UInt8]
        /// Per value in line order: its field, whether it is the number (`portion`), and its gap in `gaps`.
        var slots: [Slot]
        /// The bytes after the last value, in `gaps`.
        var end: Range<Int>
        /// Whether the line had an `asset` object (its key is in a gap).
        var sawAsset: Bool

        struct Slot {
            var field: Field
            var gap: Range<Int>
        }

        /// Leading slots this shape has in common with `other` (same gaps, same fields).
        func common(with other: Shape) -> Int {
            var k = 0
            while k < slots.count && k < other.slots.count && slots[k].field == other.slots[k].field
                    && gaps[slots[k].gap].elementsEqual(other.gaps[other.slots[k].gap]) { k += 1 }
            return k
        }
    }

    /// Reads the structure of `line` by one of the kept shapes into `f`; false when none fits (the caller reads it in full).
    ///
    /// Starts with the shape that fitted last; where a gap differs (a line without `portion` after one with it), it
    /// goes on with another shape that has the same slots so far, from the same place (the values found stay valid).
    private mutating func byShape(_ line: UnsafeBufferPointer<UInt8>, _ f: inout Fields) -> Bool {
        guard !shapes.isEmpty else { return false }
        var c = JSONByteCursor(b: line)
        var s = last
        var k = 0
        var tried: UInt64 = 0
        while true {
            tried |= 1 << UInt64(s)
            let (stoppedAt, fits) = shapes[s].match(&c, from: k, into: &f)
            if fits { last = s; return true }
            // A value that did not read (not a plain string; not a number): no shape helps.
            guard let stoppedAt else { return false }
            var next = -1
            for t in shapes.indices where tried & (1 << UInt64(t)) == 0 && commonSlots[s][t] >= stoppedAt {
                next = t
                break
            }
            guard next >= 0 else { return false }
            s = next
            k = stoppedAt
        }
    }

    /// Leading slots shapes `s` and `t` share (`commonSlots[s][t]`), so a match can go on from one to the other.
    private var commonSlots: [[Int]] = []

    /// Keeps the shape of `line`, whose structure read in full is `f` (replacing the oldest kept shape when there are
    /// ``maxShapes``).
    private mutating func learn(_ line: UnsafeBufferPointer<UInt8>, _ f: Fields) {
        // A string value's extent includes its quotes; `portion`'s is its text.
        let values = f.all.map { field, r in (field, field == .portion ? r : (r.lowerBound - 1)..<(r.upperBound + 1)) }
            .sorted { $0.1.lowerBound < $1.1.lowerBound }
        var gaps: [UInt8] = []
        var slots: [Shape.Slot] = []
        var at = 0
        for (field, r) in values {
            let g = gaps.count..<(gaps.count + r.lowerBound - at)
            gaps.append(contentsOf: UnsafeBufferPointer(rebasing: line[at..<r.lowerBound]))
            slots.append(Shape.Slot(field: field, gap: g))
            at = r.upperBound
        }
        let end = gaps.count..<(gaps.count + line.count - at)
        gaps.append(contentsOf: UnsafeBufferPointer(rebasing: line[at...]))
        gaps.append(contentsOf: repeatElement(0, count: 8))
        let shape = Shape(gaps: gaps, slots: slots, end: end, sawAsset: f.sawAsset)
        if shapes.count < Self.maxShapes {
            shapes.append(shape)
            last = shapes.count - 1
        } else {
            shapes[victim] = shape
            last = victim
            victim = (victim + 1) % Self.maxShapes
        }
        commonSlots = shapes.map { a in shapes.map { b in a.common(with: b) } }
    }
}

extension RequestScanner.Shape {
    /// Matches `c`'s line from slot `k` on (the cursor at that slot's gap), setting each value's range in `f`.
    ///
    /// Returns `(nil, true)` when the whole line fits, `(k, false)` when slot `k`'s gap (or, for `k == slots.count`,
    /// the end) differs from the line, `(nil, false)` when a value is not what the full reading accepts there.
    @inline(__always)
    func match(_ c: inout JSONByteCursor, from first: Int, into f: inout RequestScanner.Fields) -> (Int?, Bool) {
        gaps.withUnsafeBufferPointer { g in
            guard let gp = g.baseAddress else { return (nil, false) }
            for k in first..<slots.count {
                let slot = slots[k]
                guard c.skip(gp + slot.gap.lowerBound, count: slot.gap.count) else { return (k, false) }
                if slot.field == .portion {
                    guard let r = c.number() else { return (nil, false) }
                    f.portion = r
                } else {
                    guard let r = c.string() else { return (nil, false) }
                    f.set(slot.field, r)
                }
            }
            guard c.skip(gp + end.lowerBound, count: end.count), c.i == c.b.count else { return (slots.count, false) }
            f.sawAsset = sawAsset
            return (nil, true)
        }
    }
}

/// The keys of the request shape.
private enum Key { case id, subscriber, source, asset, use, channel, territory, at, kind, publishedAt, url, title, action, extent, portion, other }

extension JSONByteCursor {
    /// Which key of the request shape `r` spells: its bytes packed into words (``packed(_:)``) compared with the
    /// keys' spellings packed the same way (`"id"` is 0x6469). The former byte-by-byte comparison was an
    /// outlined call of ~42 instructions per key, ~13 keys a line (callgrind, batch session 5).
    @inline(__always) fileprivate func keyID(_ r: Range<Int>) -> Key {
        let n = r.count
        guard let (lo, hi) = packed(r) else { return .other }
        switch (n, lo, hi) {
        case (2, 0x6469, 0): return .id                                          // id
        case (2, 0x7461, 0): return .at                                          // at
        case (3, 0x65_7375, 0): return .use                                      // use
        case (3, 0x6c_7275, 0): return .url                                      // url
        case (4, 0x646e_696b, 0): return .kind                                   // kind
        case (5, 0x74_6573_7361, 0): return .asset                               // asset
        case (5, 0x65_6c74_6974, 0): return .title                               // title
        case (6, 0x6563_7275_6f73, 0): return .source                            // source
        case (6, 0x6e6f_6974_6361, 0): return .action                            // action
        case (6, 0x746e_6574_7865, 0): return .extent                            // extent
        case (7, 0x6c_656e_6e61_6863, 0): return .channel                        // channel
        case (7, 0x6e_6f69_7472_6f70, 0): return .portion                        // portion
        case (9, 0x726f_7469_7272_6574, 0x79): return .territory                 // territory
        case (10, 0x6269_7263_7362_7573, 0x7265): return .subscriber             // subscriber
        case (11, 0x6568_7369_6c62_7570, 0x74_4164): return .publishedAt         // publishedAt
        default: return .other
        }
    }
}
