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

    /// A scanner resolving territories against `territories` (the same table the strict path is given).
    public init(territories: TerritoryTable = .builtin) {
        countries = twoLetterCountryTable(territories)
    }

    /// The request on this line, or nil when the strict path must read it (see the type's comment).
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, now: Instant?) -> RepublicationRequest? {
        var c = JSONByteCursor(b: line)
        // Field ranges (content of plain strings, or the text of a number).
        var id: Range<Int>?, subscriber: Range<Int>?, source: Range<Int>?, channel: Range<Int>?
        var territory: Range<Int>?, at: Range<Int>?
        var assetID: Range<Int>?, kind: Range<Int>?, published: Range<Int>?
        var action: Range<Int>?, extent: Range<Int>?, portion: Range<Int>?
        var sawAsset = false

        // Top-level object. Every key at most once: a repeated key is a strict-parser error.
        // Every string field goes through `JSONByteCursor.stringField`: plain string, each key at most once
        // (a repeated key is a strict-parser error), one bit per key in the object's `seen` mask.
        guard c.open() else { return nil }
        var seen: UInt32 = 0
        var ignored: Range<Int>?
        if !c.closeIfEmpty() {
            repeat {
                guard let key = c.key() else { return nil }
                switch c.keyID(key) {
                case .id: guard c.stringField(&id, bit: 1, seen: &seen) else { return nil }
                case .subscriber: guard c.stringField(&subscriber, bit: 2, seen: &seen) else { return nil }
                case .source: guard c.stringField(&source, bit: 4, seen: &seen) else { return nil }
                case .channel: guard c.stringField(&channel, bit: 8, seen: &seen) else { return nil }
                case .territory: guard c.stringField(&territory, bit: 16, seen: &seen) else { return nil }
                case .at: guard c.stringField(&at, bit: 32, seen: &seen) else { return nil }
                case .asset:
                    guard seen & 64 == 0, c.open() else { return nil }
                    seen |= 64
                    sawAsset = true
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            switch c.keyID(k) {
                            case .id: guard c.stringField(&assetID, bit: 1, seen: &inner) else { return nil }
                            case .kind: guard c.stringField(&kind, bit: 2, seen: &inner) else { return nil }
                            case .publishedAt: guard c.stringField(&published, bit: 4, seen: &inner) else { return nil }
                            // Known keys the decision does not use: checked to be plain strings, then ignored.
                            case .url: guard c.stringField(&ignored, bit: 8, seen: &inner) else { return nil }
                            case .title: guard c.stringField(&ignored, bit: 16, seen: &inner) else { return nil }
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
                            case .action: guard c.stringField(&action, bit: 1, seen: &inner) else { return nil }
                            case .extent: guard c.stringField(&extent, bit: 2, seen: &inner) else { return nil }
                            case .portion:
                                guard inner & 4 == 0, let r = c.number() else { return nil }
                                inner |= 4
                                portion = r
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

        // The fields, checked as the strict path checks them; any doubt goes back to it.
        guard sawAsset, let subscriber, let source, let assetID, let kind, let channel, let territory else { return nil }
        let b = line
        var reqID: String?
        if let id {
            guard let s = identifier(b, id) else { return nil }
            reqID = s
        }
        guard let sub = identifier(b, subscriber), let src = identifier(b, source), let aid = identifier(b, assetID),
              let k = c.lookup(kind, kinds), let ch = c.lookup(channel, channels) else { return nil }
        var publishedAt: Instant?
        if let published {
            guard let d = ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[published])) else { return nil }
            publishedAt = d.instant
        }
        var act = "reproduce"
        if let action {
            let key = c.packed(action)
            if let key, let known = actions.first(where: { $0.lo == key.lo && $0.hi == key.hi && $0.count == action.count }) {
                act = known.canonical
            } else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[action]), as: UTF8.self)
                guard let canonical = NewsActions.canonical(text) else { return nil }
                if let key, actions.count < 32 { actions.append((action.count, key.lo, key.hi, canonical)) }
                act = canonical
            }
        }
        guard let (ext, part) = c.extentAndPortion(extent, portion, extents) else { return nil }
        // Territory: two ASCII letters naming a country (the strict path upper-cases, then looks up).
        guard territory.count == 2 else { return nil }
        let t0 = b[territory.lowerBound] & 0xDF, t1 = b[territory.lowerBound + 1] & 0xDF
        guard t0 >= 0x41, t0 <= 0x5A, t1 >= 0x41, t1 <= 0x5A, let country = countries[Int(t0 - 0x41) * 26 + Int(t1 - 0x41)] else {
            return nil
        }
        var when: Instant
        if let at {
            guard let d = ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[at])) else { return nil }
            when = d.instant
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
