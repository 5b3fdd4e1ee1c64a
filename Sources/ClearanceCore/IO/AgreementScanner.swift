#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one agreement in DESIGN.md's JSON form straight from its bytes: `contract import` and the
/// store's bulk load of agreement histories.
///
/// The strict path (`JSONParser.parse` building a `JSONValue` tree, then `Agreement.parse` with its
/// `FieldReader` paths and diagnostics) costs tens of microseconds per agreement, most of it building
/// and dropping the tree and the path strings. This scanner reads the same shape in one pass with no
/// tree and no path strings.
///
/// Like ``RequestScanner`` it accepts only a conservative subset of what the strict path accepts and
/// returns nil for anything else: escapes in strings, invalid UTF-8, `null`, unknown, `x-` or repeated
/// keys, a single string where a list is expected, and anything the strict path would report — every
/// error and also every warning (a duplicate or redundant list value, an empty `grants`, an
/// unconditional restriction, an attribution without text, `maxPortion` without `partial`, a signature
/// after the term). The caller then runs the strict path on the same bytes, so every diagnostic is
/// exactly what it always was. Whatever it does return equals what `Agreement.parse` returns for the
/// same text with `missing: .reject` and the same territory table (tests compare the two on the
/// seed files, on generated workloads and on a table of unusual agreements).
public struct AgreementScanner {
    private let territories: TerritoryTable
    private let kinds = byteTable(AgreementKind.self)
    private let assetKinds = byteTable(AssetKind.self)
    private let extents = byteTable(Extent.self)
    private let channels = byteTable(Channel.self)
    private let periods = byteTable(QuotaPeriod.self)
    private let dutyActions = byteTable(DutyAction.self)
    /// Territory names as written → canonical name (`iq` → `IQ`, `all` → `WORLD`); a workload repeats a few dozen.
    private var territoryNames: [String: String] = [:]
    /// Actions as written → canonical (`odrl:use` → `use`).
    private var actionNames: [String: String] = [:]
    /// Resolved territory specs by (include, exclude): resolving a region list is the costly part of a
    /// grant, and grants repeat the same lists (bounded; cleared when full).
    private var specs: [[String]: TerritorySpec] = [:]
    /// The same, by the two lists' storage (lists read before come back with the same storage, see
    /// ``SpanCache``): no hashing of the names. Each entry keeps its lists, so an address cannot be
    /// reused for another list while it lives.
    /// (An ``OpenTable`` by the two addresses: a `Dictionary` look-up was ~600 instructions a grant,
    /// callgrind "prepare, session 9".)
    private var specsByStorage = OpenTable<StoragePair, KeptSpec>(empty: StoragePair(include: 0, exclude: 0))
    private struct StoragePair: Equatable { var include: UInt; var exclude: UInt }
    /// A spec kept with the lists it was resolved from (a class: found, it is read in place).
    private final class KeptSpec {
        let include: [String]
        let exclude: [String]
        let spec: TerritorySpec
        init(_ include: [String], _ exclude: [String], _ spec: TerritorySpec) { self.include = include; self.exclude = exclude; self.spec = spec }
    }

    // List values read before, by their bytes (see ``SpanCache``).
    private var assetSpans = SpanCache<Dimension<AssetKind>>()
    private var actionSpans = SpanCache<[String]>()
    private var extentSpans = SpanCache<[Extent]>()
    private var channelSpans = SpanCache<Dimension<Channel>>()
    private var includeSpans = SpanCache<[String]>()
    /// Apart from `includeSpans`: `[]` reads as an empty list here and as nothing (the strict path's) there.
    private var excludeSpans = SpanCache<[String]>()
    private var dutySpans = SpanCache<[Duty]>()
    /// Durations by the bytes inside their quotes.
    private var durations = SpanCache<ISODuration>()
    /// Sources and subscribers read before, by their bytes: a party's agreements repeat both (a
    /// source's id was ~1,100 instructions to check and make, a subscriber object ~1,900; callgrind,
    /// "prepare, session 8").
    private var sourceSpans = SpanCache<String>()
    private var subscriberSpans = SpanCache<Subscriber>()

    /// A scanner resolving territories against `territories` (the table the strict path is given).
    public init(territories: TerritoryTable = .builtin) {
        self.territories = territories
    }

    /// The agreement in `bytes` (one JSON object, surrounded by whitespace only), or nil when the strict
    /// path must read it (see the type's comment).
    public mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Agreement? {
        var c = JSONByteCursor(b: bytes)
        guard let a = agreement(&c), c.atEnd() else { return nil }
        return a
    }

    /// Convenience for arrays and strings' UTF-8 views.
    public mutating func scan(_ bytes: [UInt8]) -> Agreement? {
        bytes.withUnsafeBufferPointer { scan($0) }
    }

    // MARK: - Fields, each checked as FieldReader checks it

    /// An identifier (FieldReader.identifier): non-empty, not blank, at most 200 bytes, no control
    /// characters, no surrounding spaces.
    private func identifier(_ c: JSONByteCursor, _ r: Range<Int>) -> String? {
        guard !r.isEmpty, r.count <= 200, c.b[r.lowerBound] != 0x20, c.b[r.upperBound - 1] != 0x20 else { return nil }
        for i in r where c.b[i] == 0x7F { return nil }
        return c.utf8String(r)
    }

    /// A free-text string (FieldReader.string): not empty and not only spaces.
    private func text(_ c: JSONByteCursor, _ r: Range<Int>) -> String? {
        guard r.contains(where: { c.b[$0] != 0x20 }) else { return nil }
        return c.utf8String(r)
    }

    /// A date or date-time (FieldReader.dateTime → ISO8601.parseDateTime).
    private func dateTime(_ c: JSONByteCursor, _ r: Range<Int>) -> ParsedDateTime? {
        guard !r.isEmpty, r.contains(where: { c.b[$0] != 0x20 }) else { return nil }
        return ISO8601.parseDateTime(utf8: UnsafeBufferPointer(rebasing: c.b[r]))
    }

    /// An ISO 8601 duration (FieldReader.duration).
    ///
    /// Remembered by the string's bytes (``SpanCache``): `ISO8601.parseDuration` on a `String` was
    /// ~6,000 instructions an embargo (callgrind, bench/PROFILE.md "prepare, session 7"), and
    /// agreements repeat a handful of durations.
    private mutating func duration(_ c: JSONByteCursor, _ r: Range<Int>) -> ISODuration? {
        if let d = durations.find(c, r) { return d }
        guard let s = text(c, r), case .success(let d) = ISO8601.parseDuration(s) else { return nil }
        durations.keep(c, r, d)
        return d
    }

    /// A whole number from `minimum` (JSONValue.intValue of a plain integer literal).
    private func integer(_ c: JSONByteCursor, _ r: Range<Int>, minimum: Int) -> Int? {
        // Digits only (no sign, fraction or exponent), at most 15 of them: exactly what intValue gives.
        guard !r.isEmpty, r.count <= 15 else { return nil }
        var n = 0
        for i in r {
            let d = c.b[i] &- 0x30
            guard d <= 9 else { return nil }
            n = n * 10 + Int(d)
        }
        return n >= minimum ? n : nil
    }

    /// The value of a plain decimal literal (digits, optionally `.` and digits: no sign, no exponent)
    /// of at most 15 significant digits and 22 after the point, exactly as `Double(String)` reads it,
    /// or nil (the caller then converts the text).
    ///
    /// Such a number is `m / 10^k` with `m` and `10^k` both exact doubles (`m` < 2^53, `k` <= 22), and
    /// IEEE division rounds correctly, as `strtod` does (Clinger's fast path): the same bits. `Double`
    /// of a `String` was ~750 instructions a `maxPortion` (callgrind, "prepare, session 9").
    static func plainDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var m: UInt64 = 0, digits = 0, k = 0, point = false
        for x in b {
            if x == UInt8(ascii: ".") {
                if point { return nil }
                point = true
                continue
            }
            let d = x &- 0x30
            guard d <= 9 else { return nil }
            if m != 0 || d != 0 { digits += 1 }
            m = m &* 10 &+ UInt64(d)
            if point { k += 1 }
        }
        guard !b.isEmpty, digits <= 15, k <= 22, b.first != UInt8(ascii: "."), b.last != UInt8(ascii: ".") else { return nil }
        return Double(m) / Self.powersOfTen[k]
    }

    /// 10^0 ... 10^22, each exact in a `Double`.
    private static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { r, _ in r * 10 } }

    /// A list of distinct strings (FieldReader.stringList): an array (a lone string is left to the
    /// strict path), not empty unless `allowEmpty`, no value twice (that is a warning there).
    private func list(_ c: inout JSONByteCursor, allowEmpty: Bool) -> [Range<Int>]? {
        guard let items = c.stringArray(ascii: true), allowEmpty || !items.isEmpty else { return nil }
        for k in items.indices.dropFirst() {
            let r = items[k]
            for q in items[..<k] where q.count == r.count && c.b[q].elementsEqual(c.b[r]) { return nil }
        }
        return items
    }

    /// A closed dimension with `all` (FieldReader.dimension): `["all"]` alone, or known values.
    private func dimension<E>(_ c: inout JSONByteCursor, _ table: ByteNames<E>) -> Dimension<E>? {
        guard let items = list(&c, allowEmpty: false) else { return nil }
        if items.contains(where: { c.equals($0, "all") }) { return items.count == 1 ? .all : nil }
        var out: [E] = []
        out.reserveCapacity(items.count)
        for r in items {
            guard let e = c.lookup(r, table) else { return nil }
            out.append(e)
        }
        return .only(out)
    }

    /// Actions, canonicalised, each once (FieldReader.actions).
    private mutating func actions(_ c: inout JSONByteCursor) -> [String]? {
        guard let items = list(&c, allowEmpty: false) else { return nil }
        var out: [String] = []
        for r in items {
            let s = c.asciiString(r)
            let a: String
            if let known = actionNames[s] { a = known } else {
                guard let canonical = NewsActions.canonical(s) else { return nil }
                actionNames[s] = canonical
                a = canonical
            }
            if !out.contains(a) { out.append(a) }
        }
        return out
    }

    /// Territory names, canonicalised, each once (FieldReader.territoryNames).
    private mutating func territoryList(_ c: inout JSONByteCursor, allowEmpty: Bool) -> [String]? {
        guard let items = list(&c, allowEmpty: allowEmpty) else { return nil }
        var out: [String] = []
        for r in items {
            let s = c.asciiString(r)
            let n: String
            if let known = territoryNames[s] { n = known } else {
                guard let canonical = territories.canonicalName(s) else { return nil }
                territoryNames[s] = canonical
                n = canonical
            }
            if !out.contains(n) { out.append(n) }
        }
        return out
    }

    /// `TerritorySpec(include:exclude:table:)`, resolved once per distinct pair of lists.
    private mutating func spec(_ include: [String], _ exclude: [String]) -> TerritorySpec {
        func address(_ a: [String]) -> UInt { a.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        let pair = StoragePair(include: address(include), exclude: address(exclude))
        let hash = OpenTable<StoragePair, KeptSpec>.mix(UInt64(pair.include), UInt64(pair.exclude))
        if let kept = specsByStorage.find(hash, pair), address(kept.include) == pair.include, address(kept.exclude) == pair.exclude {
            return kept.spec
        }
        let key = include + ["|"] + exclude
        let s: TerritorySpec
        if let known = specs[key] { s = known } else {
            s = TerritorySpec(include: include, exclude: exclude, table: territories)
            if specs.count >= 4_096 { specs.removeAll(keepingCapacity: true) }
            specs[key] = s
        }
        if specsByStorage.count >= 4_096 { specsByStorage.removeAll() }
        specsByStorage.insert(hash, pair, KeptSpec(include, exclude, s))
        return s
    }

    /// `read` at the cursor, or the value it gave before for the same bytes (an array value: the
    /// cursor then moves past it). See ``SpanCache``.
    private mutating func spanCached<T>(_ cache: WritableKeyPath<AgreementScanner, SpanCache<T>>, _ c: inout JSONByteCursor,
                                        _ read: (inout AgreementScanner, inout JSONByteCursor) -> T?) -> T? {
        if let (v, end) = self[keyPath: cache].findContainer(c) {
            c.i = end
            return v
        }
        guard let span = c.arraySpan() else { return read(&self, &c) }
        let v = read(&self, &c)
        if let v, c.i == span.upperBound { self[keyPath: cache].keepContainer(c, span, v) }
        return v
    }

    // MARK: - Objects

    /// Reads an object's members: `member(key)` reads one value and returns false to give up. Keys are
    /// matched with `names` (index = bit); an unknown or repeated key gives up.
    private mutating func object(_ c: inout JSONByteCursor, _ names: KeyNames,
                                 _ member: (inout Self, inout JSONByteCursor, Int) -> Bool) -> Bool {
        guard c.open() else { return false }
        if c.closeIfEmpty() { return true }
        var seen: UInt32 = 0
        repeat {
            guard let k = c.key(), let index = names.index(c, k) else { return false }
            let bit: UInt32 = 1 << UInt32(index)
            guard seen & bit == 0 else { return false }
            seen |= bit
            guard member(&self, &c, index) else { return false }
        } while c.nextMember()
        return c.closed
    }

    /// An object's keys, each also packed into two words (``JSONByteCursor/packed(_:)``): a key read
    /// is matched with integer compares instead of a byte compare with each name in turn.
    ///
    /// Why (bench/PROFILE.md, "prepare, session 8"): matching keys byte by byte against the grant's
    /// twelve names was ~375 instructions a key, ~17,000 of the ~30,000 reading a stored version took
    /// (callgrind, 3,000 versions: `AgreementScanner.grant`'s own instructions).
    ///
    /// A packed key finds its one candidate name through a perfect hash of its two words (``slots``,
    /// 64 entries, a multiplier chosen when the names are made so that no two names share a slot) and
    /// is compared with it alone: a linear search over the names was ~100 instructions a key, ~23 keys
    /// a stored version (callgrind, "prepare, session 9").
    struct KeyNames {
        private let names: [StaticString]
        private let packed: [(lo: UInt64, hi: UInt64, count: Int)]
        /// Slot (``slot(_:_:)``) -> position of the packed name there, or -1.
        private let slots: [Int8]
        private let multiplier: UInt64

        init(_ names: [StaticString]) {
            self.names = names
            packed = names.map { s in
                let n = s.utf8CodeUnitCount
                // Longer than 16 bytes: never matched packed (a key that long is compared byte by byte).
                guard n <= 16 else { return (0, 0, -1) }
                var lo: UInt64 = 0, hi: UInt64 = 0
                for k in 0..<n {
                    let v = UInt64(s.utf8Start[k])
                    if k < 8 { lo |= v << (8 * k) } else { hi |= v << (8 * (k - 8)) }
                }
                return (lo, hi, n)
            }
            // The first multiplier (a SplitMix sequence, odd) that gives every packed name its own slot.
            var state: UInt64 = 0x243F_6A88_85A3_08D3
            var chosen: (UInt64, [Int8]) = (0, [])
            search: while true {
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                let m = (z ^ (z >> 31)) | 1
                var table = [Int8](repeating: -1, count: 64)
                for (i, e) in packed.enumerated() where e.count >= 0 {
                    let s = Self.slot(e.lo, e.hi, m)
                    if table[s] >= 0 { continue search }
                    table[s] = Int8(i)
                }
                chosen = (m, table)
                break
            }
            (multiplier, slots) = chosen
        }

        @inline(__always)
        private static func slot(_ lo: UInt64, _ hi: UInt64, _ m: UInt64) -> Int { Int(((lo ^ (hi &* 0x9E37_79B9_7F4A_7C15)) &* m) >> 58) }

        /// The position of key `k` (read by `c`) among the names, or nil.
        @inline(__always)
        func index(_ c: JSONByteCursor, _ k: Range<Int>) -> Int? {
            if let (lo, hi) = c.packed(k) {
                let i = Int(slots[Self.slot(lo, hi, multiplier)])
                guard i >= 0 else { return nil }
                let e = packed[i]
                return e.lo == lo && e.hi == hi && e.count == k.count ? i : nil
            }
            return names.firstIndex(where: { c.equals(k, $0) })
        }
    }

    private static let agreementKeys = KeyNames(["id", "kind", "source", "subscriber", "signedAt", "term", "grants",
                                                 "restrictions", "termination", "version", "effectiveAt", "note"])
    private static let subscriberKeys = KeyNames(["id", "name"])
    private static let termKeys = KeyNames(["start", "end"])
    private static let terminationKeys = KeyNames(["at", "reason"])
    private static let quotaKeys = KeyNames(["count", "per"])
    private static let dutyKeys = KeyNames(["action", "text", "url"])

    private mutating func agreement(_ c: inout JSONByteCursor) -> Agreement? {
        var id: String?, kind: AgreementKind?, source: String?, subscriber: Subscriber?
        var signed: ParsedDateTime?, term: Term?, grants: [Grant]?, restrictions: [Restriction] = []
        var termination: Termination?, version: Int?, effective: ParsedDateTime?
        let ok = object(&c, Self.agreementKeys) { s, c, key in
            switch key {
            case 0: guard let r = c.string(), let v = s.identifier(c, r) else { return false }; id = v
            case 1: guard let r = c.string(), let v = c.lookup(r, s.kinds) else { return false }; kind = v
            case 2:
                guard let r = c.string() else { return false }
                if let v = s.sourceSpans.find(c, r) { source = v; return true }
                guard let v = s.identifier(c, r), SourceID.isValid(v) else { return false }
                s.sourceSpans.keep(c, r, v)
                source = v
            case 3:
                if let (v, end) = s.subscriberSpans.findContainer(c) {
                    c.i = end
                    subscriber = v
                    return true
                }
                let span = c.objectSpan()
                guard let v = s.subscriber(&c) else { return false }
                if let span, c.i == span.upperBound { s.subscriberSpans.keepContainer(c, span, v) }
                subscriber = v
            case 4: guard let r = c.string(), let v = s.dateTime(c, r) else { return false }; signed = v
            case 5: guard let v = s.term(&c) else { return false }; term = v
            case 6:
                guard c.openArray(), !c.closeArrayIfEmpty() else { return false }  // `[]` is a warning there
                grants = s.grants(&c)
                return grants != nil
            case 7:
                guard c.openArray() else { return false }
                if !c.closeArrayIfEmpty() {
                    repeat {
                        guard let x = s.restriction(&c) else { return false }
                        restrictions.append(x)
                    } while c.nextElement()
                    guard c.closed else { return false }
                }
            case 8: guard let v = s.termination(&c) else { return false }; termination = v
            case 9: guard let r = c.number(), let v = s.integer(c, r, minimum: 1) else { return false }; version = v
            case 10: guard let r = c.string(), let v = s.dateTime(c, r) else { return false }; effective = v
            default:
                // `note`: known, not read by the strict path; a plain string here.
                guard let r = c.text(ascii: false), c.utf8String(r) != nil else { return false }
            }
            return true
        }
        // Fields moved out of their variables into the agreement (see the end of ``grant(_:)``).
        guard ok, let id = id.take(), let kind, let source = source.take(), let subscriber = subscriber.take(), let signed,
              let term, let grants = grants.take() else { return nil }
        if signed.instant >= term.end { return nil }  // `signed_after_term` warning
        return Agreement(id: id, kind: kind, source: source, subscriber: subscriber, signedAt: signed.instant,
                         signedAtIsDate: signed.isDateOnly, term: term, grants: grants, restrictions: consume restrictions,
                         termination: termination.take(), version: version, effectiveAt: effective?.instant)
    }

    private mutating func subscriber(_ c: inout JSONByteCursor) -> Subscriber? {
        var id: String?, name: String?
        let ok = object(&c, Self.subscriberKeys) { s, c, key in
            guard let r = c.text(ascii: false) else { return false }
            if key == 0 { id = s.identifier(c, r); return id != nil }
            name = s.text(c, r)
            return name != nil
        }
        guard ok, let id else { return nil }
        return Subscriber(id: id, name: name)
    }

    private mutating func term(_ c: inout JSONByteCursor) -> Term? {
        var start: ParsedDateTime?, end: ParsedDateTime?
        let ok = object(&c, Self.termKeys) { s, c, key in
            guard let r = c.string(), let d = s.dateTime(c, r) else { return false }
            if key == 0 { start = d } else { end = d }
            return true
        }
        guard ok, let start, let end else { return nil }
        let e = end.isDateOnly ? end.endOfDayExclusive : end.instant
        guard e > start.instant else { return nil }  // `bad_term`
        return Term(start: start.instant, end: e, startIsDate: start.isDateOnly, endIsDate: end.isDateOnly)
    }

    private mutating func termination(_ c: inout JSONByteCursor) -> Termination? {
        var at: ParsedDateTime?, reason: String?
        let ok = object(&c, Self.terminationKeys) { s, c, key in
            if key == 0 {
                guard let r = c.string(), let d = s.dateTime(c, r) else { return false }
                at = d
            } else {
                guard let r = c.text(ascii: false), let t = s.text(c, r) else { return false }
                reason = t
            }
            return true
        }
        guard ok, let at else { return nil }
        return Termination(at: at.instant, atIsDate: at.isDateOnly, reason: reason)
    }

    private static let grantKeys = KeyNames(["assets", "actions", "extent", "maxPortion", "channels", "territories",
                                             "excludeTerritories", "quota", "embargo", "duties", "clause", "note"])

    private mutating func grant(_ c: inout JSONByteCursor) -> Grant? {
        var assets: Dimension<AssetKind>?, actions: [String]?, extent: [Extent]?, maxPortion: Double?
        var channels: Dimension<Channel>?, include: [String]?, exclude: [String] = [], quota: Quota?
        var embargo: ISODuration?, duties: [Duty] = [], clause: String?
        let ok = object(&c, Self.grantKeys) { s, c, key in
            switch key {
            case 0: assets = s.spanCached(\.assetSpans, &c) { s, c in s.dimension(&c, s.assetKinds) }; return assets != nil
            case 1: actions = s.spanCached(\.actionSpans, &c) { s, c in s.actions(&c) }; return actions != nil
            case 2: extent = s.spanCached(\.extentSpans, &c) { s, c in s.dimension(&c, s.extents)?.values }; return extent != nil
            case 3:
                // The same conversion as JSONParser's (text → Double), so the value is identical.
                guard let r = c.number(), let d = Self.plainDecimal(UnsafeBufferPointer(rebasing: c.b[r])) ?? Double(c.asciiString(r)),
                      d.isFinite, d > 0, d <= 1 else { return false }
                maxPortion = d
            case 4: channels = s.spanCached(\.channelSpans, &c) { s, c in s.dimension(&c, s.channels) }; return channels != nil
            case 5: include = s.spanCached(\.includeSpans, &c) { s, c in s.territoryList(&c, allowEmpty: false) }; return include != nil
            case 6:
                guard let v = s.spanCached(\.excludeSpans, &c, { s, c in s.territoryList(&c, allowEmpty: true) }) else { return false }
                exclude = v
            case 7: quota = s.quota(&c); return quota != nil
            case 8: guard let r = c.string() else { return false }; embargo = s.duration(c, r); return embargo != nil
            case 9:
                guard let v = s.spanCached(\.dutySpans, &c, { s, c in s.duties(&c) }) else { return false }
                duties = v
            case 10: guard let r = c.text(ascii: false) else { return false }; clause = s.text(c, r); return clause != nil
            default: guard let r = c.text(ascii: false), c.utf8String(r) != nil else { return false }  // `note`
            }
            return true
        }
        // Every field is moved out of its variable (`take()`) into the grant: bound with `let` and passed on,
        // each was copied (its arrays retained) and the variables released after (an outlined copy and
        // destroy of a `Grant`, ~460 instructions a grant; callgrind, "prepare, session 10").
        guard ok, let assets = assets.take(), let actions = actions.take(), let extent = extent.take(),
              let channels = channels.take(), let include = include.take() else { return nil }
        if maxPortion != nil && !extent.contains(.partial) { return nil }  // `portion_without_partial` warning
        let territories = spec(include, exclude)
        guard !territories.resolved.isEmpty else { return nil }  // `empty_territory`
        return Grant(assets: assets, actions: actions, extent: extent, maxPortion: maxPortion, channels: channels,
                     territories: territories, quota: quota.take(), embargo: embargo.take(), duties: consume duties,
                     clause: clause.take())
    }

    /// The grants of an opened, non-empty `grants` array, up to its closing bracket, in an array of their
    /// exact count.
    ///
    /// Why: appended one by one, a two-grant list was allocated twice (the second append regrew it),
    /// ~430 instructions a grant (callgrind, "prepare, session 10"). The first eight are read into a
    /// buffer on the stack and moved (no retain) into an array made once at the end; more are rare.
    private mutating func grants(_ c: inout JSONByteCursor) -> [Grant]? {
        withUnsafeTemporaryAllocation(of: Grant.self, capacity: 8) { tmp -> [Grant]? in
            guard let base = tmp.baseAddress else { return nil }
            var n = 0
            var more: [Grant] = []
            defer { base.deinitialize(count: n) }  // on failure only: moved out on success
            repeat {
                guard let g = grant(&c) else { return nil }
                if n < tmp.count {
                    (base + n).initialize(to: g)
                    n += 1
                } else {
                    more.append(g)
                }
            } while c.nextElement()
            guard c.closed else { return nil }
            let count = n + more.count
            let list = [Grant](unsafeUninitializedCapacity: count) { out, made in
                guard let to = out.baseAddress else { return }
                to.moveInitialize(from: base, count: n)
                if !more.isEmpty { (to + n).initialize(from: more, count: more.count) }
                made = count
            }
            n = 0
            return list
        }
    }

    /// A grant's `duties` array (possibly empty).
    private mutating func duties(_ c: inout JSONByteCursor) -> [Duty]? {
        guard c.openArray() else { return nil }
        var duties: [Duty] = []
        if !c.closeArrayIfEmpty() {
            repeat {
                guard let d = duty(&c) else { return nil }
                duties.append(d)
            } while c.nextElement()
            guard c.closed else { return nil }
        }
        return duties
    }

    private mutating func quota(_ c: inout JSONByteCursor) -> Quota? {
        var count: Int?, per: QuotaPeriod?
        let ok = object(&c, Self.quotaKeys) { s, c, key in
            if key == 0 {
                guard let r = c.number(), let n = s.integer(c, r, minimum: 0) else { return false }
                count = n
            } else {
                guard let r = c.string(), let p = c.lookup(r, s.periods) else { return false }
                per = p
            }
            return true
        }
        guard ok, let count, let per else { return nil }
        return Quota(count: count, per: per)
    }

    private mutating func duty(_ c: inout JSONByteCursor) -> Duty? {
        var action: DutyAction?, text: String?, url: String?
        let ok = object(&c, Self.dutyKeys) { s, c, key in
            switch key {
            case 0: guard let r = c.string(), let a = c.lookup(r, s.dutyActions) else { return false }; action = a
            case 1: guard let r = c.text(ascii: false), let t = s.text(c, r) else { return false }; text = t
            default:
                guard let r = c.string(), let u = s.text(c, r), u.hasPrefix("https://") || u.hasPrefix("http://") else { return false }
                url = u
            }
            return true
        }
        guard ok, let action else { return nil }
        if action == .attribute && text == nil { return nil }  // `attribution_without_text` warning
        return Duty(action: action, text: text, url: url)
    }

    private static let restrictionKeys = KeyNames(["assets", "actions", "extent", "channels", "territories",
                                                   "excludeTerritories", "embargo", "note", "clause"])

    private mutating func restriction(_ c: inout JSONByteCursor) -> Restriction? {
        var assets: Dimension<AssetKind>?, actions: [String]?, extent: [Extent]?, channels: Dimension<Channel>?
        var include: [String]?, exclude: [String]?, embargo: ISODuration?, note: String?, clause: String?
        // `quota`, `maxPortion`, `duties` are errors in a restriction: unknown keys here, so the strict path reports them.
        let ok = object(&c, Self.restrictionKeys) { s, c, key in
            switch key {
            case 0: assets = s.spanCached(\.assetSpans, &c) { s, c in s.dimension(&c, s.assetKinds) }; return assets != nil
            case 1: actions = s.spanCached(\.actionSpans, &c) { s, c in s.actions(&c) }; return actions != nil
            case 2: extent = s.spanCached(\.extentSpans, &c) { s, c in s.dimension(&c, s.extents)?.values }; return extent != nil
            case 3: channels = s.spanCached(\.channelSpans, &c) { s, c in s.dimension(&c, s.channels) }; return channels != nil
            case 4: include = s.spanCached(\.includeSpans, &c) { s, c in s.territoryList(&c, allowEmpty: false) }; return include != nil
            case 5: exclude = s.spanCached(\.excludeSpans, &c) { s, c in s.territoryList(&c, allowEmpty: true) }; return exclude != nil
            case 6: guard let r = c.string() else { return false }; embargo = s.duration(c, r); return embargo != nil
            case 7: guard let r = c.text(ascii: false) else { return false }; note = s.text(c, r); return note != nil
            default: guard let r = c.text(ascii: false) else { return false }; clause = s.text(c, r); return clause != nil
            }
        }
        guard ok else { return nil }
        var territories: TerritorySpec?
        if include != nil || exclude != nil { territories = spec(include ?? ["WORLD"], exclude ?? []) }
        let res = Restriction(assets: assets, actions: actions, extent: extent, channels: channels, territories: territories,
                              embargo: embargo, note: note, clause: clause)
        return res.isUnconditional ? nil : res  // `unconditional_restriction` warning
    }
}

/// Values an ``AgreementScanner`` read before, by the bytes they were read from: an agreement's lists
/// (assets, actions, extent, channels, territories, duties) repeat from agreement to agreement, and the
/// same bytes always read as the same value (the scanner's reading is a function of the bytes).
///
/// Why (bench/PROFILE.md, "prepare, session 7"): reading a stored version was ~55,000 instructions
/// (callgrind, 3,000 versions), ~21,000 of them a grant's lists: each string looked up in a name
/// table or made, the duplicates check, the territory names canonicalised, a duty's text made.
/// Found again, a list costs its span (a byte scan to the closing bracket), an FNV hash of its bytes,
/// one look-up and a compare of the bytes. The value comes back with the same storage, so agreements
/// share it (fewer bytes kept per prepared agreement) and the territory spec is found by storage.
/// Bounded (cleared past 4,096 entries); a hash collision only misses (the bytes are compared).
struct SpanCache<Value> {
    /// An entry: a class, so a look-up reads it in place (a tuple was copied out, its array retained).
    private final class Kept {
        let hash: UInt64
        let bytes: [UInt8]
        let value: Value
        init(hash: UInt64, bytes: [UInt8], value: Value) { self.hash = hash; self.bytes = bytes; self.value = value }
    }
    /// Open addressing by the bytes' hash, linear probing, at most half full (grown by doubling up to
    /// 8,192 slots, then started afresh): the hash is already a good 64-bit one, so a slot is its low bits.
    /// (A `[UInt64: Kept]` hashed it again with SipHash: ~140 of the ~300 instructions a look-up took,
    /// ~14 look-ups a stored version; callgrind, "prepare, session 8".)
    private var slots: [Kept?] = []
    private var count = 0

    /// The slot holding `hash`, or the empty slot where it would go.
    @inline(__always)
    private func slot(_ hash: UInt64) -> Int {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while let k = slots[i], k.hash != hash { i = (i + 1) & mask }
        return i
    }

    /// The hash of the bytes of `span` (``ByteWriter/hash(_:count:)``).
    private static func hash(_ c: JSONByteCursor, _ span: Range<Int>) -> UInt64 {
        guard let base = c.b.baseAddress else { return 0 }
        return ByteWriter.hash(UnsafeRawPointer(base + span.lowerBound), count: span.count)
    }

    /// The value read before from the same bytes as `span`, if any.
    func find(_ c: JSONByteCursor, _ span: Range<Int>) -> Value? {
        guard !slots.isEmpty, let base = c.b.baseAddress else { return nil }
        guard let e = slots[slot(Self.hash(c, span))], e.bytes.count == span.count else { return nil }
        let same = e.bytes.withUnsafeBytes { kept in
            guard let k = kept.baseAddress else { return span.isEmpty }
            return memcmp(k, base + span.lowerBound, span.count) == 0
        }
        return same ? e.value : nil
    }

    /// The value read before from the container (array or object) at the cursor (after whitespace), and
    /// the offset just past it, if its bytes are those of a container kept with ``keepContainer(_:_:_:)``.
    ///
    /// Found without finding the container's end first: the slot is picked by the hash of its bytes up to
    /// the first closing bracket of its kind (for a list of plain strings or a flat object, the whole
    /// container; ``containerKey(_:from:)``), and a hit is confirmed by comparing the kept container's
    /// bytes, all of them, with the bytes at the cursor: equal bytes are the same container (its end is
    /// a function of its bytes) and read as the same value. Why (callgrind, "prepare, session 10"): a
    /// list found again was scanned byte by byte to its end (~190 instructions, ``JSONByteCursor/arraySpan()``),
    /// then hashed and compared (~165), ~14 lists a stored version; `memchr` finds the bracket in a few
    /// instructions.
    func findContainer(_ c: JSONByteCursor) -> (Value, Int)? {
        guard !slots.isEmpty, let base = c.b.baseAddress else { return nil }
        var start = c.i
        while start < c.b.count, c.b[start] == 0x20 || c.b[start] == 0x09 || c.b[start] == 0x0A || c.b[start] == 0x0D { start += 1 }
        guard let n = Self.containerKey(c, from: start) else { return nil }
        guard let e = slots[slot(ByteWriter.hash(UnsafeRawPointer(base + start), count: n))] else { return nil }
        let count = e.bytes.count
        guard count >= n, count <= c.b.count - start else { return nil }
        let same = e.bytes.withUnsafeBytes { kept in
            guard let k = kept.baseAddress else { return false }
            return memcmp(k, base + start, count) == 0
        }
        return same ? (e.value, start + count) : nil
    }

    /// The length of the key bytes of the container opening at `start` (``findContainer(_:)``): up to and
    /// including the first `]` (an array) or `}` (an object) after it, or nil (no container there, no such byte).
    private static func containerKey(_ c: JSONByteCursor, from start: Int) -> Int? {
        guard start < c.b.count, let base = c.b.baseAddress else { return nil }
        let closing: Int32
        switch c.b[start] {
        case UInt8(ascii: "["): closing = Int32(UInt8(ascii: "]"))
        case UInt8(ascii: "{"): closing = Int32(UInt8(ascii: "}"))
        default: return nil
        }
        guard let end = memchr(base + start, closing, c.b.count - start) else { return nil }
        return UnsafeRawPointer(end) - UnsafeRawPointer(base + start) + 1
    }

    /// Remembers `value` as what the container `span` (from its opening bracket to just past its closing
    /// one) reads as, to be found by ``findContainer(_:)`` (replacing what had the same hash).
    mutating func keepContainer(_ c: JSONByteCursor, _ span: Range<Int>, _ value: Value) {
        guard let base = c.b.baseAddress, let n = Self.containerKey(c, from: span.lowerBound), n <= span.count else { return }
        keep(ByteWriter.hash(UnsafeRawPointer(base + span.lowerBound), count: n), c, span, value)
    }

    /// Remembers `value` as what `span`'s bytes read as (replacing what had the same hash).
    mutating func keep(_ c: JSONByteCursor, _ span: Range<Int>, _ value: Value) {
        keep(Self.hash(c, span), c, span, value)
    }

    /// Remembers `value` as what `span`'s bytes read as, in the slot of `h`.
    private mutating func keep(_ h: UInt64, _ c: JSONByteCursor, _ span: Range<Int>, _ value: Value) {
        if count * 2 >= slots.count {
            if slots.count >= 8_192 {
                slots = [Kept?](repeating: nil, count: slots.count)  // bounded: start afresh
            } else {
                let old = slots
                slots = [Kept?](repeating: nil, count: max(64, 2 * old.count))
                for case let k? in old { slots[slot(k.hash)] = k }
            }
            count = slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        }
        let i = slot(h)
        if slots[i] == nil { count += 1 }
        slots[i] = Kept(hash: h, bytes: Array(UnsafeBufferPointer(rebasing: c.b[span])), value: value)
    }
}
