/// Reads the common usage-event line straight from its bytes into a ``UsageEvent``: the audit's hot path.
///
/// Before it, every line went through ``UsageJSONScanner`` (a `UsageFields` with a heap array of
/// fifteen values and a `String(validating:)` per string field) and then ``UsageFields/fastEvent(territories:)``
/// (enum raw values matched as `String`s, the territory looked up by `String` hash, dates parsed from
/// `String`s): ~31,000 instructions per line in callgrind (`clearance-bench generate --subscribers 1000
/// --requests 20000`), of which UTF-8 validation alone was ~12,700. This reads the same shape in one
/// pass over the bytes with ``JSONByteCursor``: plain-ASCII strings need no validation, kinds, channels
/// and extents are matched as bytes, the territory is a 26×26 table of the shared code strings, dates
/// are parsed from the bytes, and the few distinct actions and credit lines are kept (no
/// `String` made or validated for a repeat).
///
/// It accepts a subset of what ``UsageFields/fastEvent(territories:)`` accepts and returns nil for
/// anything else — an unknown key, an escape, a non-ASCII byte outside `attribution`, `null`, a number
/// where a string belongs, a repeated key, any value `fastEvent` would decline. The caller then takes
/// the old path (scanner, fast builder, strict parser), so every event and every error is exactly what
/// it was (tests compare the paths on variations of a line, the fuzz corpus and generated logs).
public struct UsageLineFast {
    /// Country codes by `(first - 'A') * 26 + (second - 'A')` (nil: not a code the table knows).
    private let countries: [String?]
    private let channels = byteTable(Channel.self)
    private let kinds = byteTable(AssetKind.self)
    private let extents = byteTable(Extent.self)
    /// Actions seen, as bytes, with their text (only those already canonical: `fastEvent`'s rule).
    private var actions: [(bytes: [UInt8], text: String)] = []
    /// Credit lines seen (a log repeats a handful): bytes and validated text.
    private var credits: [(bytes: [UInt8], text: String)] = []
    private static let keep = 32

    /// A reader resolving territories against `territories` (the table `fastEvent` is given).
    public init(territories: TerritoryTable = .builtin) {
        countries = twoLetterCountryTable(territories)
    }

    /// The event on this line, or nil when the old path must read it.
    public mutating func event(_ line: UnsafeBufferPointer<UInt8>) -> UsageEvent? {
        var c = JSONByteCursor(b: line)
        var id: Range<Int>?, subscriber: Range<Int>?, source: Range<Int>?, channel: Range<Int>?
        var territory: Range<Int>?, at: Range<Int>?, url: Range<Int>?, attribution: Range<Int>?
        var assetID: Range<Int>?, kind: Range<Int>?, published: Range<Int>?
        var action: Range<Int>?, extent: Range<Int>?, portion: Range<Int>?
        var link: Bool?

        guard c.open() else { return nil }
        var seen: UInt32 = 0
        guard !c.closeIfEmpty() else { return nil }
        repeat {
            guard let key = c.key() else { return nil }
            switch UsageLineFast.key(c, key) {
            case 1: guard c.stringField(&id, bit: 1, seen: &seen) else { return nil }
            case 2: guard c.stringField(&subscriber, bit: 2, seen: &seen) else { return nil }
            case 3: guard c.stringField(&source, bit: 4, seen: &seen) else { return nil }
            case 4: guard c.stringField(&channel, bit: 8, seen: &seen) else { return nil }
            case 5: guard c.stringField(&territory, bit: 16, seen: &seen) else { return nil }
            case 6: guard c.stringField(&at, bit: 32, seen: &seen) else { return nil }
            case 7: guard c.stringField(&url, bit: 64, seen: &seen) else { return nil }
            case 8:
                // The credit line may be in any script (`İLKHA`): bytes ≥ 0x80 allowed, validated below.
                guard seen & 128 == 0, let r = c.text(ascii: false) else { return nil }
                seen |= 128
                attribution = r
            case 9:
                guard seen & 256 == 0 else { return nil }
                seen |= 256
                c.skipWS()
                if c.i + 4 <= line.count, c.equals(c.i..<(c.i + 4), "true") { link = true; c.i += 4 }
                else if c.i + 5 <= line.count, c.equals(c.i..<(c.i + 5), "false") { link = false; c.i += 5 }
                else { return nil }
            case 10:  // asset
                guard seen & 512 == 0, c.open() else { return nil }
                seen |= 512
                var inner: UInt32 = 0
                guard !c.closeIfEmpty() else { return nil }
                repeat {
                    guard let k = c.key() else { return nil }
                    if c.equals(k, "id") { guard c.stringField(&assetID, bit: 1, seen: &inner) else { return nil } }
                    else if c.equals(k, "kind") { guard c.stringField(&kind, bit: 2, seen: &inner) else { return nil } }
                    else if c.equals(k, "publishedAt") { guard c.stringField(&published, bit: 4, seen: &inner) else { return nil } }
                    else { return nil }
                } while c.nextMember()
                guard c.closed else { return nil }
            case 11:  // use
                guard seen & 1024 == 0, c.open() else { return nil }
                seen |= 1024
                var inner: UInt32 = 0
                guard !c.closeIfEmpty() else { return nil }
                repeat {
                    guard let k = c.key() else { return nil }
                    if c.equals(k, "action") { guard c.stringField(&action, bit: 1, seen: &inner) else { return nil } }
                    else if c.equals(k, "extent") { guard c.stringField(&extent, bit: 2, seen: &inner) else { return nil } }
                    else if c.equals(k, "portion") {
                        guard inner & 4 == 0, let r = c.number() else { return nil }
                        inner |= 4
                        portion = r
                    } else { return nil }
                } while c.nextMember()
                guard c.closed else { return nil }
            default:
                return nil
            }
        } while c.nextMember()
        guard c.closed, c.atEnd() else { return nil }

        // `fastEvent`'s checks, field by field, on the bytes.
        let b = line
        guard let subscriber, let source, let assetID, let kind, let channel, let territory, let at else { return nil }
        var reqID: String?
        if let id {
            guard UsageLineFast.plainIdentifier(b, id) else { return nil }
            reqID = c.asciiString(id)
        }
        guard UsageLineFast.plainIdentifier(b, subscriber), UsageLineFast.plainIdentifier(b, source),
              UsageLineFast.plainIdentifier(b, assetID),
              let k = c.lookup(kind, kinds), let ch = c.lookup(channel, channels),
              territory.count == 2 else { return nil }
        let t0 = b[territory.lowerBound], t1 = b[territory.lowerBound + 1]
        guard t0 >= 0x41, t0 <= 0x5A, t1 >= 0x41, t1 <= 0x5A,
              let country = countries[Int(t0 - 0x41) * 26 + Int(t1 - 0x41)],
              let when = ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[at])) else { return nil }
        var publishedAt: Instant?
        if let published {
            guard let d = ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[published])) else { return nil }
            publishedAt = d.instant
        }
        var act = "reproduce"
        if let action {
            guard let a = UsageLineFast.known(action, in: &actions, b, make: { text in
                // Only a canonical name maps to itself; anything else (prefixes, synonyms) goes the old way.
                NewsActions.canonical(text) == text ? text : nil
            }) else { return nil }
            act = a
        }
        guard let (ext, part) = c.extentAndPortion(extent, portion, extents) else { return nil }
        var urlText: String?
        if let url {
            guard UsageLineFast.nonBlank(b, url) else { return nil }
            urlText = c.asciiString(url)
        }
        var credit: String?
        if let attribution {
            guard UsageLineFast.nonBlank(b, attribution),
                  let s = UsageLineFast.known(attribution, in: &credits, b, make: { $0 }) else { return nil }
            credit = s
        }
        let request = RepublicationRequest(
            id: reqID, subscriber: c.asciiString(subscriber), source: c.asciiString(source),
            asset: AssetRef(id: c.asciiString(assetID), kind: k, publishedAt: publishedAt),
            action: act, extent: ext, portion: part, channel: ch, territory: country, at: when.instant)
        return UsageEvent(request: request, url: urlText, attribution: credit, link: link)
    }

    /// The text of `r` from a short list of texts seen before (no `String` made for a repeat); a new
    /// one is validated as UTF-8 (nil: invalid, the strict parser words it), passed through `make`
    /// (nil: decline) and kept while the list is short.
    private static func known(_ r: Range<Int>, in list: inout [(bytes: [UInt8], text: String)], _ b: UnsafeBufferPointer<UInt8>,
                       make: (String) -> String?) -> String? {
        let n = r.count
        for entry in list where entry.bytes.count == n {
            var same = true
            entry.bytes.withUnsafeBufferPointer { e in
                for k in 0..<n where e[k] != b[r.lowerBound + k] { same = false; break }
            }
            if same { return entry.text }
        }
        let slice = UnsafeBufferPointer(rebasing: b[r])
        guard let s = String(validating: slice, as: UTF8.self), let t = make(s) else { return nil }
        if list.count < UsageLineFast.keep { list.append((Array(slice), t)) }
        return t
    }

    /// Which top-level key `r` spells: 1 id, 2 subscriber, 3 source, 4 channel, 5 territory, 6 at, 7 url,
    /// 8 attribution, 9 link, 10 asset, 11 use; 0 anything else (by length first, then bytes).
    @inline(__always)
    private static func key(_ c: JSONByteCursor, _ r: Range<Int>) -> Int {
        switch r.count {
        case 2: return c.equals(r, "id") ? 1 : c.equals(r, "at") ? 6 : 0
        case 3: return c.equals(r, "url") ? 7 : c.equals(r, "use") ? 11 : 0
        case 4: return c.equals(r, "link") ? 9 : 0
        case 5: return c.equals(r, "asset") ? 10 : 0
        case 6: return c.equals(r, "source") ? 3 : 0
        case 7: return c.equals(r, "channel") ? 4 : 0
        case 9: return c.equals(r, "territory") ? 5 : 0
        case 10: return c.equals(r, "subscriber") ? 2 : 0
        case 11: return c.equals(r, "attribution") ? 8 : 0
        default: return 0
        }
    }

    /// ``UsageFields/plainIdentifier(_:)`` on printable-ASCII bytes (the cursor refused anything else but DEL).
    @inline(__always)
    private static func plainIdentifier(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        guard !r.isEmpty, r.count <= 200, b[r.lowerBound] != 0x20, b[r.upperBound - 1] != 0x20 else { return false }
        for i in r where b[i] == 0x7F { return false }
        return true
    }

    /// ``UsageFields/nonBlank(_:)`` on bytes (control characters were refused by the cursor).
    @inline(__always)
    private static func nonBlank(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        for i in r where b[i] != 0x20 { return true }
        return false
    }
}
