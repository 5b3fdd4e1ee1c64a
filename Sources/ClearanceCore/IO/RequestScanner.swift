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
    /// Request actions already canonicalised (`reproduce` → `reproduce`, `odrl:use` → `use`).
    private var actions: [String: String] = [:]
    private let channels: [(name: [UInt8], value: Channel)]
    private let kinds: [(name: [UInt8], value: AssetKind)]

    /// A scanner resolving territories against `territories` (the same table the strict path is given).
    public init(territories: TerritoryTable = .builtin) {
        var table = [String?](repeating: nil, count: 26 * 26)
        for code in territories.indexByCode.keys {
            let u = Array(code.utf8)
            guard u.count == 2, u.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else { continue }
            table[Int(u[0] - 0x41) * 26 + Int(u[1] - 0x41)] = code
        }
        countries = table
        channels = Channel.allCases.map { (Array($0.rawValue.utf8), $0) }
        kinds = AssetKind.allCases.map { (Array($0.rawValue.utf8), $0) }
    }

    /// The request on this line, or nil when the strict path must read it (see the type's comment).
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, now: Instant?) -> RepublicationRequest? {
        var c = Cursor(b: line)
        // Field ranges (content of plain strings, or the text of a number).
        var id: Range<Int>?, subscriber: Range<Int>?, source: Range<Int>?, channel: Range<Int>?
        var territory: Range<Int>?, at: Range<Int>?
        var assetID: Range<Int>?, kind: Range<Int>?, published: Range<Int>?
        var action: Range<Int>?, extent: Range<Int>?, portion: Range<Int>?
        var sawAsset = false

        // Top-level object. Every key at most once: a repeated key is a strict-parser error.
        guard c.open() else { return nil }
        var seen: UInt32 = 0
        @inline(__always) func first(_ bit: UInt32) -> Bool {
            if seen & bit != 0 { return false }
            seen |= bit
            return true
        }
        if !c.closeIfEmpty() {
            repeat {
                guard let key = c.key() else { return nil }
                switch c.keyID(key) {
                case .id: guard first(1), let r = c.string() else { return nil }; id = r
                case .subscriber: guard first(2), let r = c.string() else { return nil }; subscriber = r
                case .source: guard first(4), let r = c.string() else { return nil }; source = r
                case .channel: guard first(8), let r = c.string() else { return nil }; channel = r
                case .territory: guard first(16), let r = c.string() else { return nil }; territory = r
                case .at: guard first(32), let r = c.string() else { return nil }; at = r
                case .asset:
                    guard first(64), c.open() else { return nil }
                    sawAsset = true
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            let bit: UInt32
                            switch c.keyID(k) {
                            case .id: bit = 1; assetID = c.string(); if assetID == nil { return nil }
                            case .kind: bit = 2; kind = c.string(); if kind == nil { return nil }
                            case .publishedAt: bit = 4; published = c.string(); if published == nil { return nil }
                            // Known keys the decision does not use: checked to be plain strings, then ignored.
                            case .url: bit = 8; if c.string() == nil { return nil }
                            case .title: bit = 16; if c.string() == nil { return nil }
                            default: return nil
                            }
                            if inner & bit != 0 { return nil }
                            inner |= bit
                        } while c.nextMember()
                        guard c.closed else { return nil }
                    }
                case .use:
                    guard first(128), c.open() else { return nil }
                    var inner: UInt32 = 0
                    if !c.closeIfEmpty() {
                        repeat {
                            guard let k = c.key() else { return nil }
                            let bit: UInt32
                            switch c.keyID(k) {
                            case .action: bit = 1; action = c.string(); if action == nil { return nil }
                            case .extent: bit = 2; extent = c.string(); if extent == nil { return nil }
                            case .portion: bit = 4; portion = c.number(); if portion == nil { return nil }
                            default: return nil
                            }
                            if inner & bit != 0 { return nil }
                            inner |= bit
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
              let k = lookup(b, kind, kinds), let ch = lookup(b, channel, channels) else { return nil }
        var publishedAt: Instant?
        if let published {
            guard let d = ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: b[published])) else { return nil }
            publishedAt = d.instant
        }
        var act = "reproduce"
        if let action {
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[action]), as: UTF8.self)
            if let known = actions[text] {
                act = known
            } else {
                guard let canonical = NewsActions.canonical(text) else { return nil }
                actions[text] = canonical
                act = canonical
            }
        }
        var ext = Extent.whole
        if let extent {
            if equals(b, extent, "whole") { ext = .whole } else if equals(b, extent, "partial") { ext = .partial } else { return nil }
        }
        var part: Double?
        if let portion {
            // The same conversion as JSONParser's (text → Double), so values are identical.
            guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: b[portion]), as: UTF8.self)), d.isFinite,
                  d > 0, d <= 1, !(ext == .whole && d < 1) else { return nil }
            part = d
        }
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
    /// (The range holds printable ASCII only: the cursor refused everything else.)
    @inline(__always)
    private func identifier(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String? {
        guard !r.isEmpty, r.count <= 200, b[r.lowerBound] != 0x20, b[r.upperBound - 1] != 0x20 else { return nil }
        for i in r where b[i] == 0x7F { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    @inline(__always)
    private func lookup<E>(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ table: [(name: [UInt8], value: E)]) -> E? {
        for (name, value) in table where name.count == r.count {
            var same = true
            for k in 0..<name.count where name[k] != b[r.lowerBound + k] { same = false; break }
            if same { return value }
        }
        return nil
    }

    @inline(__always)
    private func equals(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ s: StaticString) -> Bool {
        guard r.count == s.utf8CodeUnitCount else { return false }
        let p = s.utf8Start
        for k in 0..<r.count where p[k] != b[r.lowerBound + k] { return false }
        return true
    }
}

/// The keys of the request shape.
private enum Key { case id, subscriber, source, asset, use, channel, territory, at, kind, publishedAt, url, title, action, extent, portion, other }

/// A position in one line, with the few JSON productions the request shape needs.
private struct Cursor {
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

    /// A plain string: printable ASCII without escapes (anything else: nil, and the strict path reads the line).
    @inline(__always) mutating func string() -> Range<Int>? {
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
            // Control characters are JSON errors; `\` starts an escape; bytes ≥ 0x80 would need UTF-8 validation.
            if c < 0x20 || c == UInt8(ascii: "\\") || c >= 0x80 { return nil }
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

    /// Which key of the request shape `r` spells (by length first, then bytes).
    @inline(__always) func keyID(_ r: Range<Int>) -> Key {
        @inline(__always) func eq(_ s: StaticString) -> Bool {
            let p = s.utf8Start
            for k in 0..<r.count where p[k] != b[r.lowerBound + k] { return false }
            return true
        }
        switch r.count {
        case 2: return eq("id") ? .id : eq("at") ? .at : .other
        case 3: return eq("use") ? .use : eq("url") ? .url : .other
        case 4: return eq("kind") ? .kind : .other
        case 5: return eq("asset") ? .asset : eq("title") ? .title : .other
        case 6: return eq("source") ? .source : eq("action") ? .action : eq("extent") ? .extent : .other
        case 7: return eq("channel") ? .channel : eq("portion") ? .portion : .other
        case 9: return eq("territory") ? .territory : .other
        case 10: return eq("subscriber") ? .subscriber : .other
        case 11: return eq("publishedAt") ? .publishedAt : .other
        default: return .other
        }
    }
}
