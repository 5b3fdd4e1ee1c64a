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
    private var actions: [KeptText] = []
    /// Credit lines seen (a log repeats a handful): bytes and validated text.
    private var credits: [KeptText] = []
    private static let keep = 32
    /// Whether short identifiers are made from their bytes' bits (``SmallASCII``), read once.
    private let smallStrings = SmallASCII.available

    /// A text seen before: its bytes (packed when at most 16, ``JSONByteCursor/packed(_:)``) and its String.
    private struct KeptText {
        var count: Int, lo: UInt64, hi: UInt64
        var bytes: [UInt8]
        var text: String
    }

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
            // Keys by their bytes packed into words (``JSONByteCursor/keyID(_:)``, shared with the request scanner): a
            // chain of byte-by-byte comparisons was ~45 instructions a key, ~450 a line (callgrind, scan session 9).
            switch c.keyID(key) {
            case .id: guard c.stringField(&id, bit: 1, seen: &seen) else { return nil }
            case .subscriber: guard c.stringField(&subscriber, bit: 2, seen: &seen) else { return nil }
            case .source: guard c.stringField(&source, bit: 4, seen: &seen) else { return nil }
            case .channel: guard c.stringField(&channel, bit: 8, seen: &seen) else { return nil }
            case .territory: guard c.stringField(&territory, bit: 16, seen: &seen) else { return nil }
            case .at: guard c.stringField(&at, bit: 32, seen: &seen) else { return nil }
            case .url: guard c.stringField(&url, bit: 64, seen: &seen) else { return nil }
            case .attribution:
                // The credit line may be in any script (`İLKHA`): bytes ≥ 0x80 allowed, validated below.
                guard seen & 128 == 0, let r = c.text(ascii: false) else { return nil }
                seen |= 128
                attribution = r
            case .link:
                guard seen & 256 == 0 else { return nil }
                seen |= 256
                c.skipWS()
                if c.i + 4 <= line.count, c.equals(c.i..<(c.i + 4), "true") { link = true; c.i += 4 }
                else if c.i + 5 <= line.count, c.equals(c.i..<(c.i + 5), "false") { link = false; c.i += 5 }
                else { return nil }
            case .asset:
                guard seen & 512 == 0, c.open() else { return nil }
                seen |= 512
                var inner: UInt32 = 0
                guard !c.closeIfEmpty() else { return nil }
                repeat {
                    guard let k = c.key() else { return nil }
                    switch c.keyID(k) {
                    case .id: guard c.stringField(&assetID, bit: 1, seen: &inner) else { return nil }
                    case .kind: guard c.stringField(&kind, bit: 2, seen: &inner) else { return nil }
                    case .publishedAt: guard c.stringField(&published, bit: 4, seen: &inner) else { return nil }
                    default: return nil
                    }
                } while c.nextMember()
                guard c.closed else { return nil }
            case .use:
                guard seen & 1024 == 0, c.open() else { return nil }
                seen |= 1024
                var inner: UInt32 = 0
                guard !c.closeIfEmpty() else { return nil }
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
            default:
                return nil
            }
        } while c.nextMember()
        guard c.closed, c.atEnd() else { return nil }

        // `fastEvent`'s checks, field by field, on the bytes.
        let b = line
        let small = smallStrings
        guard let subscriber, let source, let assetID, let kind, let channel, let territory, let at else { return nil }
        var reqID: String?
        if let id {
            guard UsageLineFast.plainIdentifier(b, id) else { return nil }
            reqID = UsageLineFast.identifier(c, id, small)
        }
        guard UsageLineFast.plainIdentifier(b, subscriber), UsageLineFast.plainIdentifier(b, source),
              UsageLineFast.plainIdentifier(b, assetID),
              let k = c.lookup(kind, kinds), let ch = c.lookup(channel, channels),
              territory.count == 2 else { return nil }
        let t0 = b[territory.lowerBound], t1 = b[territory.lowerBound + 1]
        guard t0 >= 0x41, t0 <= 0x5A, t1 >= 0x41, t1 <= 0x5A,
              let country = countries[Int(t0 - 0x41) * 26 + Int(t1 - 0x41)],
              // ``JSONByteCursor/dateTime(_:)`` is ``ISO8601/parseDateTime(utf8:)``'s instant (tested equal), the usual
              // `YYYY-MM-DDThh:mm:ssZ` read without the general scan: ~70 instructions a date against ~400.
              let when = c.dateTime(at) else { return nil }
        var publishedAt: Instant?
        if let published {
            guard let d = c.dateTime(published) else { return nil }
            publishedAt = d
        }
        var act = "reproduce"
        if let action {
            guard let a = UsageLineFast.known(action, in: &actions, c, make: { text in
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
                  let s = UsageLineFast.known(attribution, in: &credits, c, make: { $0 }) else { return nil }
            credit = s
        }
        let request = RepublicationRequest(
            id: reqID, subscriber: UsageLineFast.identifier(c, subscriber, small), source: UsageLineFast.identifier(c, source, small),
            asset: AssetRef(id: UsageLineFast.identifier(c, assetID, small), kind: k, publishedAt: publishedAt),
            action: act, extent: ext, portion: part, channel: ch, territory: country, at: when)
        return UsageEvent(request: request, url: urlText, attribution: credit, link: link)
    }

    /// The String of an identifier's bytes (printable ASCII: the cursor read it as a plain string): made from the bytes'
    /// bits up to 15 bytes (``SmallASCII``, ~5 instructions), else decoded. `String(decoding:as:)` was ~210 instructions
    /// a String, four of them a line (callgrind, scan session 9).
    /// Static, as the request scanner's helpers: a method could be called on a copy of the reader (a retain of each table).
    @inline(__always)
    private static func identifier(_ c: JSONByteCursor, _ r: Range<Int>, _ smallStrings: Bool) -> String {
        if r.count <= 15, let (lo, hi) = c.packed(r), let s = SmallASCII.make(lo: lo, hi: hi, count: r.count, available: smallStrings) {
            return s
        }
        return c.asciiString(r)
    }

    /// The text of `r` from a short list of texts seen before (no `String` made for a repeat); a new
    /// one is validated as UTF-8 (nil: invalid, the strict parser words it), passed through `make`
    /// (nil: decline) and kept while the list is short.
    ///
    /// Up to 16 bytes compared as two packed words (the cursor's strings hold no zero byte, so equal words and lengths
    /// are equal bytes), read in place: `for entry in list` copied each entry, a retain of its array and String.
    private static func known(_ r: Range<Int>, in list: inout [KeptText], _ c: JSONByteCursor,
                              make: (String) -> String?) -> String? {
        let n = r.count
        let b = c.b
        if let (lo, hi) = c.packed(r) {
            for k in list.indices where list[k].count == n && list[k].lo == lo && list[k].hi == hi { return list[k].text }
        } else {
            for k in list.indices where list[k].count == n {
                let same = list[k].bytes.withUnsafeBufferPointer { e in
                    for j in 0..<n where e[j] != b[r.lowerBound + j] { return false }
                    return true
                }
                if same { return list[k].text }
            }
        }
        let slice = UnsafeBufferPointer(rebasing: b[r])
        guard let s = String(validating: slice, as: UTF8.self), let t = make(s) else { return nil }
        if list.count < UsageLineFast.keep {
            let key = c.packed(r)
            list.append(KeptText(count: n, lo: key?.lo ?? 0, hi: key?.hi ?? 0, bytes: Array(slice), text: t))
        }
        return t
    }

    /// ``UsageFields/plainIdentifier(_:)`` on printable-ASCII bytes: the cursor's plain strings (``JSONByteCursor/string()``)
    /// hold nothing else (it refuses control characters, DEL and every byte above, ``JSONByteCursor/stops(_:ascii:)``),
    /// so no byte needs a look of its own (a loop for DEL was ~12 instructions a byte).
    @inline(__always)
    private static func plainIdentifier(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        !r.isEmpty && r.count <= 200 && b[r.lowerBound] != 0x20 && b[r.upperBound - 1] != 0x20
    }

    /// ``UsageFields/nonBlank(_:)`` on bytes (control characters were refused by the cursor).
    @inline(__always)
    private static func nonBlank(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        for i in r where b[i] != 0x20 { return true }
        return false
    }
}
