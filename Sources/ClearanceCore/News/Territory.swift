/// A set of countries as a bit set over the territory table's country indices: fast membership for decisions.
public struct TerritorySet: Sendable, Hashable {
    /// Bits, one per country index of the table (256 countries at most).
    public var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    /// Whether the country with this table index is in the set.
    @inline(__always)
    public func contains(index: Int) -> Bool {
        guard index >= 0 && index < 256 else { return false }
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    /// Adds the country with this table index.
    public mutating func insert(index: Int) {
        guard index >= 0 && index < 256 else { return }
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// Adds every member of another set.
    public mutating func formUnion(_ o: TerritorySet) {
        words = (words.0 | o.words.0, words.1 | o.words.1, words.2 | o.words.2, words.3 | o.words.3)
    }

    /// Removes every member of another set.
    public mutating func subtract(_ o: TerritorySet) {
        words = (words.0 & ~o.words.0, words.1 & ~o.words.1, words.2 & ~o.words.2, words.3 & ~o.words.3)
    }

    /// Number of countries in the set.
    public var count: Int {
        words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount
    }

    public var isEmpty: Bool { count == 0 }

    public static func == (a: TerritorySet, b: TerritorySet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }
    public func hash(into h: inout Hasher) { h.combine(words.0); h.combine(words.1); h.combine(words.2); h.combine(words.3) }
}

/// The countries (ISO 3166-1 alpha-2) and named regions the news layer knows, read from a data table.
///
/// The built-in table lives in `Data/TerritoryTable.swift` as plain text; ``TerritoryTable/parse(_:)``
/// reads any text in the same format, so a deployment could ship its own regions.
public struct TerritoryTable: Sendable {
    /// Country codes in table order; a code's position is its index in a ``TerritorySet``.
    public private(set) var codes: [String] = []
    /// English country names by code.
    public private(set) var names: [String: String] = [:]
    /// Index of each code.
    public private(set) var indexByCode: [String: Int] = [:]
    /// Named regions, already expanded to countries.
    public private(set) var regions: [String: TerritorySet] = [:]
    /// Region names in table order (for messages and listings).
    public private(set) var regionNames: [String] = []

    /// The built-in table (parsed once).
    public static let builtin: TerritoryTable = {
        switch parse(builtinText) {
        case .success(let t): return t
        case .failure(let d): preconditionFailure("the built-in territory table is invalid: \(d)")
        }
    }()

    /// Reads a table in the `country CODE Name` / `region NAME MEMBERS...` format.
    public static func parse(_ text: String) -> Result<TerritoryTable, Diagnostic> {
        var t = TerritoryTable()
        var lineNo = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = rawLine.newsTrimmed()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            func bad(_ msg: String) -> Result<TerritoryTable, Diagnostic> {
                .failure(Diagnostic(code: "territory.bad_table", message: msg, location: "line \(lineNo)", category: .invalidPolicy))
            }
            guard parts.count >= 2 else { return bad("a line needs a kind and a name") }
            switch parts[0] {
            case "country":
                let code = parts[1]
                guard code.utf8.count == 2, code.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                    return bad("`\(code)` is not a two-letter upper-case code")
                }
                guard t.indexByCode[code] == nil else { return bad("`\(code)` is listed twice") }
                guard t.codes.count < 256 else { return bad("too many countries (256 at most)") }
                t.indexByCode[code] = t.codes.count
                t.codes.append(code)
                t.names[code] = parts.dropFirst(2).joined(separator: " ")
            case "region":
                let name = parts[1]
                guard t.regions[name] == nil, t.indexByCode[name] == nil else { return bad("`\(name)` is defined twice") }
                var set = TerritorySet()
                for m in parts.dropFirst(2) {
                    if m == "*" {
                        for k in 0..<t.codes.count { set.insert(index: k) }
                    } else if let k = t.indexByCode[m] {
                        set.insert(index: k)
                    } else if let r = t.regions[m] {
                        set.formUnion(r)
                    } else {
                        return bad("region `\(name)` names `\(m)`, which is neither a country nor an earlier region")
                    }
                }
                guard !set.isEmpty else { return bad("region `\(name)` has no members") }
                t.regions[name] = set
                t.regionNames.append(name)
            default:
                return bad("unknown line kind `\(parts[0])`; expected `country` or `region`")
            }
        }
        return .success(t)
    }

    /// The set for one name: a country code, a region, or `all` (= `WORLD`); nil when unknown.
    ///
    /// Names are matched case-insensitively (`iq`, `eu`, `World`).
    public func set(named name: String) -> TerritorySet? {
        let n = name.uppercased()
        if let k = indexByCode[n] {
            var s = TerritorySet()
            s.insert(index: k)
            return s
        }
        if let r = regions[n] { return r }
        if n == "ALL" { return regions["WORLD"] ?? everything }
        return nil
    }

    /// Every country of the table.
    ///
    /// Bits `0 ..< codes.count`, a word at a time: inserting them one by one was ~3,600 instructions,
    /// paid for every grant prepared (``TerritorySpec/coversEverything(table:)``; callgrind,
    /// bench/PROFILE.md "prepare, session 7").
    public var everything: TerritorySet {
        let n = codes.count
        func word(_ w: Int) -> UInt64 {
            let low = w * 64
            if n >= low + 64 { return ~0 }
            if n <= low { return 0 }
            return (UInt64(1) << UInt64(n - low)) - 1
        }
        var s = TerritorySet()
        s.words = (word(0), word(1), word(2), word(3))
        return s
    }

    /// The canonical spelling of a territory name (upper case; `all` becomes `WORLD`), or nil when unknown.
    public func canonicalName(_ name: String) -> String? {
        let n = name.uppercased()
        if indexByCode[n] != nil || regions[n] != nil { return n }
        if n == "ALL" { return "WORLD" }
        return nil
    }

    /// Country codes in a set, in table order.
    public func codes(in set: TerritorySet) -> [String] {
        codes.indices.filter { set.contains(index: $0) }.map { codes[$0] }
    }

    /// A suggestion for an unknown name: a known code or region close to it, for hints.
    public func suggestion(for name: String) -> String? {
        let n = name.uppercased()
        let aliases = ["UK": "GB", "EL": "GR", "UAE": "AE", "KSA": "SA", "USA": "US", "TURKEY": "TR", "IRAQ": "IQ",
                       "EUROPE": "EU", "GLOBAL": "WORLD", "WORLDWIDE": "WORLD", "ME": "MENA"]
        if let a = aliases[n], a != n { return a }
        for r in regionNames where r.newsStrippingSeparators() == n.newsStrippingSeparators() { return r }
        return nil
    }
}

extension Substring {
    fileprivate func newsTrimmed() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    fileprivate func newsStrippingSeparators() -> String { String(self.filter { $0 != "_" && $0 != " " && $0 != "-" }) }
}

/// The territories of a grant or restriction: names as written (codes or regions) minus exclusions, resolved.
public struct TerritorySpec: Sendable, Hashable {
    /// Names as written, canonicalised (`IQ`, `EU`, `WORLD`).
    public var include: [String]
    /// Names excluded from `include` (`excludeTerritories`).
    public var exclude: [String]
    /// The countries covered: the union of `include` minus the union of `exclude`.
    public var resolved: TerritorySet

    /// Resolves names against a table; unknown names are left to the parser to report.
    public init(include: [String], exclude: [String], table: TerritoryTable = .builtin) {
        self.include = include
        self.exclude = exclude
        var s = TerritorySet()
        for n in include { if let t = table.set(named: n) { s.formUnion(t) } }
        for n in exclude { if let t = table.set(named: n) { s.subtract(t) } }
        resolved = s
    }

    /// Whether a country (by table index) is covered.
    @inline(__always) public func contains(index: Int) -> Bool { resolved.contains(index: index) }

    /// True when the spec covers every country of the table.
    public func coversEverything(table: TerritoryTable = .builtin) -> Bool { resolved == table.everything }
}
