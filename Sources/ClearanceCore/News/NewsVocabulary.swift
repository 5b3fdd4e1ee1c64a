/// The kind of a news asset: what a grant's `assets` and a request's `asset.kind` name.
public enum AssetKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case text, photo, video, audio, graphics

    public static func < (a: AssetKind, b: AssetKind) -> Bool { a.index < b.index }
    /// Position in `allCases`, for bit sets (a switch: `allCases.firstIndex` built and scanned an array per call, per decision).
    public var index: Int {
        switch self {
        case .text: 0
        case .photo: 1
        case .video: 2
        case .audio: 3
        case .graphics: 4
        }
    }
}

/// How much of an asset a use takes: all of it, or a part.
public enum Extent: String, Sendable, Hashable, CaseIterable, Comparable {
    case whole, partial

    public static func < (a: Extent, b: Extent) -> Bool { a == .whole && b == .partial }
}

/// Where a republication appears.
public enum Channel: String, Sendable, Hashable, CaseIterable, Comparable {
    case web, mobile, print, tv, radio, social, newsletter, advertising

    public static func < (a: Channel, b: Channel) -> Bool { a.index < b.index }
    /// Position in `allCases`, for bit sets (a switch, not an array scan: see ``AssetKind/index``).
    public var index: Int {
        switch self {
        case .web: 0
        case .mobile: 1
        case .print: 2
        case .tv: 3
        case .radio: 4
        case .social: 5
        case .newsletter: 6
        case .advertising: 7
        }
    }
}

/// What sort of agreement lifts a notice's prohibitions (DESIGN.md decision semantics, rule 3).
public enum AgreementKind: String, Sendable, Hashable, CaseIterable {
    case contract, subscription, license, permission
}

/// The period a quota counts uses over: calendar periods in UTC, or the agreement's whole term.
public enum QuotaPeriod: String, Sendable, Hashable, CaseIterable {
    case day, week, month, year, term

    /// `daily`, `weekly`, `monthly`, `yearly`, `term` (the words of ``staticAdjective``).
    public var adjective: String { staticAdjective.description }

    /// The half-open window of this period that contains `at` (weeks start on Monday, ISO 8601).
    public func window(containing at: Instant, term: Term) -> (start: Instant, end: Instant) {
        let c = at.utcComponents
        switch self {
        case .day:
            let s = Instant(year: c.year, month: c.month, day: c.day)
            return (s, s.adding(milliseconds: 86_400_000))
        case .week:
            let day = at.utcDayNumber
            // 1970-01-01 was a Thursday: Monday-based weekday = (day + 3) mod 7.
            var wd = (day + 3) % 7
            if wd < 0 { wd += 7 }
            let s = Instant(millisecondsSinceEpoch: Int64(day - wd) * 86_400_000)
            return (s, s.adding(milliseconds: 7 * 86_400_000))
        case .month:
            let s = Instant(year: c.year, month: c.month, day: 1)
            let e = c.month == 12 ? Instant(year: c.year + 1, month: 1, day: 1) : Instant(year: c.year, month: c.month + 1, day: 1)
            return (s, e)
        case .year:
            return (Instant(year: c.year, month: 1, day: 1), Instant(year: c.year + 1, month: 1, day: 1))
        case .term:
            return (term.start, term.end)
        }
    }
}

/// What a duty asks of the user: credit the source, link back, inform it, pay it...
public enum DutyAction: String, Sendable, Hashable, CaseIterable {
    case attribute, link, inform, compensate, watermark
    /// Keep the asset unaltered (a notice's "no modification").
    case noModification = "no-modification"
    /// Name the author (a byline) in addition to the agency.
    case authorCredit = "author-credit"
    /// Send a copy of the publication to the source.
    case voucherCopy = "voucher-copy"
    /// Embed the source's tracking pixel.
    case trackingPixel = "tracking-pixel"
}

/// A closed dimension of a grant: every value (`"all"`) or an explicit list.
public enum Dimension<Value: Hashable & Sendable & RawRepresentable & CaseIterable>: Sendable, Hashable where Value.RawValue == String {
    case all
    case only([Value])

    /// Whether a value is covered.
    @inline(__always)
    public func contains(_ v: Value) -> Bool {
        switch self {
        case .all: return true
        case .only(let list): return list.contains(v)
        }
    }

    /// The values covered, in declaration order for `all`.
    public var values: [Value] {
        switch self {
        case .all: return Array(Value.allCases)
        case .only(let l): return l
        }
    }

    /// JSON form: `["all"]` or the raw values.
    public var json: JSONValue {
        switch self {
        case .all: return .array(["all"])
        case .only(let l): return .array(l.map { .string($0.rawValue) })
        }
    }

    /// Human form: `all` or `text, photo`.
    ///
    /// Joined by copying bytes into one string allocated once (a one-value list is its raw value,
    /// no copy): `map(\.rawValue).joined(separator:)` built an array and grew the string part by
    /// part, ~1,300–1,900 instructions a call on the explanation path (a denial sentence quotes it).
    public var listText: String {
        switch self {
        case .all: return "all"
        case .only(let l):
            if l.count == 1 { return l[0].rawValue }
            var n = 2 * max(l.count - 1, 0)
            for v in l { n += v.rawValue.utf8.count }
            return String(unsafeUninitializedCapacity: n) { buf in
                guard let dst = buf.baseAddress else { return 0 }
                var k = 0
                for (i, v) in l.enumerated() {
                    if i > 0 { dst[k] = 0x2C; dst[k + 1] = 0x20; k += 2 }  // ", "
                    var raw = v.rawValue
                    raw.withUTF8 { src in
                        guard let base = src.baseAddress else { return }
                        (dst + k).update(from: base, count: src.count)
                        k += src.count
                    }
                }
                return k
            }
        }
    }
}

/// The ODRL 2.2 action names the news layer accepts and their `includedIn` hierarchy.
///
/// A grant of `use` covers `reproduce`, `distribute`, `modify`, `translate`, `archive`...; a grant of
/// `play` covers `display`; `reproduce` covers `extract`. Deprecated names map to their current term.
public enum NewsActions {
    /// Action → the broader actions it is directly included in (ODRL 2.2 vocabulary).
    public static let includedIn: [String: [String]] = {
        var m: [String: [String]] = [:]
        let underUse = ["acceptTracking", "aggregate", "annotate", "anonymize", "archive", "attribute", "compensate",
                        "concurrentUse", "delete", "derive", "digitize", "distribute", "ensureExclusivity", "execute",
                        "grantUse", "include", "index", "inform", "install", "modify", "move", "nextPolicy",
                        "obtainConsent", "play", "present", "print", "read", "reproduce", "reviewPolicy", "stream",
                        "synchronize", "textToSpeech", "transform", "translate", "uninstall", "watermark"]
        for a in underUse { m[a] = ["use"] }
        m["display"] = ["play"]
        m["extract"] = ["reproduce"]
        m["give"] = ["transfer"]
        m["sell"] = ["transfer"]
        m["use"] = []
        m["transfer"] = []
        return m
    }()

    /// Deprecated or equivalent names and the term they stand for.
    public static let exactMatch: [String: String] = [
        "copy": "reproduce", "write": "modify", "append": "modify", "appendTo": "modify",
        "writeTo": "modify", "export": "transform", "license": "grantUse", "pay": "compensate",
    ]

    /// The current ODRL name for an action name, or nil when the name is not an ODRL action.
    ///
    /// Accepts the `odrl:` prefix and the full ODRL IRI.
    public static func canonical(_ name: String) -> String? {
        var n = name
        if n.hasPrefix("odrl:") { n = String(n.dropFirst(5)) }
        if n.hasPrefix("http://www.w3.org/ns/odrl/2/") { n = String(n.dropFirst(28)) }
        if let m = exactMatch[n] { n = m }
        return includedIn[n] != nil ? n : nil
    }

    /// Whether `granted` covers `requested` (equal, or `requested` is transitively included in it).
    public static func covers(_ granted: String, _ requested: String) -> Bool {
        if granted == requested { return true }
        return broader[requested]?.contains(granted) ?? false
    }

    /// Every action each action is transitively included in (computed once).
    static let broader: [String: Set<String>] = {
        var out: [String: Set<String>] = [:]
        for a in includedIn.keys {
            var seen: Set<String> = []
            var frontier = includedIn[a] ?? []
            while let b = frontier.popLast() {
                if seen.insert(b).inserted { frontier += includedIn[b] ?? [] }
            }
            out[a] = seen
        }
        return out
    }()

    /// All known action names, sorted (for hints).
    public static var all: [String] { includedIn.keys.sorted() }
}

extension NewsActions {
    /// Bit of each action ``includedIn`` knows (46 < 64), for the notice's per-request filter.
    static let bit: [String: UInt64] = {
        var out: [String: UInt64] = [:]
        for (k, a) in includedIn.keys.sorted().enumerated() { out[a] = 1 << UInt64(k) }
        return out
    }()

    /// For a requested action: its own bit and the bits of every action it is included in, i.e. the
    /// bits of every granted/prohibited action that ``covers(_:_:)`` it. 0 for an action the table
    /// does not know (then only an equal name covers it).
    static let coveringMask: [String: UInt64] = {
        var out: [String: UInt64] = [:]
        for a in includedIn.keys {
            var m = bit[a] ?? 0
            for b in broader[a] ?? [] { m |= bit[b] ?? 0 }
            out[a] = m
        }
        return out
    }()
}

/// A read-only `[String: UInt64]` for short keys (at most 16 UTF-8 bytes), looked up by the key's
/// bytes packed into two integers, in an open-addressing table with a multiplicative hash; longer
/// keys go to the dictionary it was made from. Same answers as the dictionary.
///
/// Why: the notice filter looks up every request's action in ``NewsActions/coveringMask``; hashing
/// the `String` with SipHash was most of the filter's ~870 instructions per evaluation
/// (callgrind, bench/PROFILE.md news session 4).
struct ShortKeyTable: Sendable {
    private struct Slot: Sendable {
        var lo: UInt64 = 0
        var hi: UInt64 = 0
        var length: Int = -1
        var value: UInt64 = 0
    }
    private var slots: [Slot]
    private let mask: Int
    private let long: [String: UInt64]

    init(_ dictionary: [String: UInt64]) {
        var size = 16
        while size < dictionary.count * 4 { size *= 2 }
        var slots = [Slot](repeating: Slot(), count: size)
        var long: [String: UInt64] = [:]
        for (key, value) in dictionary {
            guard let (lo, hi, n) = ShortKeyTable.pack(key) else { long[key] = value; continue }
            var i = ShortKeyTable.hash(lo, hi, n) & (size - 1)
            while slots[i].length >= 0 { i = (i + 1) & (size - 1) }
            slots[i] = Slot(lo: lo, hi: hi, length: n, value: value)
        }
        self.slots = slots
        mask = size - 1
        self.long = long
    }

    /// The key's bytes as two little-endian integers and its length, or nil past 16 bytes.
    @inline(__always)
    static func pack(_ key: String) -> (UInt64, UInt64, Int)? {
        var key = key
        return key.withUTF8 { b -> (UInt64, UInt64, Int)? in
            guard b.count <= 16 else { return nil }
            var lo: UInt64 = 0, hi: UInt64 = 0
            for (k, c) in b.enumerated() {
                if k < 8 { lo |= UInt64(c) << UInt64(8 * k) } else { hi |= UInt64(c) << UInt64(8 * (k - 8)) }
            }
            return (lo, hi, b.count)
        }
    }

    @inline(__always)
    static func hash(_ lo: UInt64, _ hi: UInt64, _ n: Int) -> Int {
        let h = (lo &* 0x9E37_79B9_7F4A_7C15) ^ (hi &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
        return Int(truncatingIfNeeded: (h ^ (h >> 29)) >> 3)
    }

    /// The value of `key`, or nil.
    func value(_ key: String) -> UInt64? {
        guard let (lo, hi, n) = ShortKeyTable.pack(key) else { return long[key] }
        return slots.withUnsafeBufferPointer { s -> UInt64? in
            var i = ShortKeyTable.hash(lo, hi, n) & mask
            while s[i].length >= 0 {
                if s[i].length == n && s[i].lo == lo && s[i].hi == hi { return s[i].value }
                i = (i + 1) & mask
            }
            return nil
        }
    }
}

extension NewsActions {
    /// ``coveringMask`` as a ``ShortKeyTable`` (the notice filter's per-request look-up).
    static let coveringTable = ShortKeyTable(coveringMask)
}

/// A vocabulary value whose name is a static ASCII text (its raw value, nothing to escape in JSON):
/// the one writer of a decision's words writes it as constant words (``DecisionWordSink/words(_:)``),
/// not as a `String` value scanned for escapes and copied (~165 instructions a value, callgrind news
/// session 6). `NewsTypesTests` holds each `staticName` to the raw value.
protocol StaticNamed {
    var staticName: StaticString { get }
}

extension AssetKind: StaticNamed {
    var staticName: StaticString {
        switch self {
        case .text: "text"
        case .photo: "photo"
        case .video: "video"
        case .audio: "audio"
        case .graphics: "graphics"
        }
    }
}

extension Extent: StaticNamed {
    var staticName: StaticString {
        switch self {
        case .whole: "whole"
        case .partial: "partial"
        }
    }
}

extension Channel: StaticNamed {
    var staticName: StaticString {
        switch self {
        case .web: "web"
        case .mobile: "mobile"
        case .print: "print"
        case .tv: "tv"
        case .radio: "radio"
        case .social: "social"
        case .newsletter: "newsletter"
        case .advertising: "advertising"
        }
    }
}

extension AgreementKind: StaticNamed {
    var staticName: StaticString {
        switch self {
        case .contract: "contract"
        case .subscription: "subscription"
        case .license: "license"
        case .permission: "permission"
        }
    }
}

extension QuotaPeriod: StaticNamed {
    var staticName: StaticString {
        switch self {
        case .day: "day"
        case .week: "week"
        case .month: "month"
        case .year: "year"
        case .term: "term"
        }
    }

    /// ``adjective`` as a static text.
    var staticAdjective: StaticString {
        switch self {
        case .day: "daily"
        case .week: "weekly"
        case .month: "monthly"
        case .year: "yearly"
        case .term: "term"
        }
    }
}
