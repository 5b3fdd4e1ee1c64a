/// Reads typed fields out of parsed JSON, collecting every problem as a `Diagnostic` with its JSON path.
///
/// Codes are `PREFIX.problem` (`agreement.missing_field`, `request.bad_date`...), so the same reader
/// serves agreements, requests and usage events. Paths look like `$[3].grants[0].channels[1]`.
public struct FieldReader: Sendable {
    /// Code prefix: `agreement`, `request`, `usage`.
    public let prefix: String
    /// Everything found so far, errors and warnings.
    public var diagnostics: [Diagnostic] = []
    /// Territories are resolved against this table.
    public let territories: TerritoryTable

    /// A reader whose codes start with `prefix`.
    public init(prefix: String, territories: TerritoryTable = .builtin) {
        self.prefix = prefix
        self.territories = territories
    }

    /// True when an error (not a warning) has been recorded.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Records a problem.
    public mutating func error(_ problem: String, _ message: String, at path: String, hint: String? = nil,
                               category: Diagnostic.Category = .malformedInput) {
        diagnostics.append(Diagnostic(code: "\(prefix).\(problem)", message: message, hint: hint, location: path, category: category))
    }

    /// Records a warning (the input is still usable).
    public mutating func warning(_ problem: String, _ message: String, at path: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(code: "\(prefix).\(problem)", message: message, hint: hint, location: path, severity: .warning))
    }

    /// Path of a key inside an object path.
    public static func path(_ base: String, _ key: String) -> String { "\(base).\(key)" }
    /// Path of an element inside an array path.
    public static func path(_ base: String, _ index: Int) -> String { "\(base)[\(index)]" }

    /// The value as an object, or a `not_object` error.
    public mutating func object(_ v: JSONValue, at path: String, what: String) -> JSONObject? {
        guard case .object(let o) = v else {
            error("not_object", "\(what) must be a JSON object, not \(v.typeName)", at: path)
            return nil
        }
        return o
    }

    /// Warns about keys that are not in `known` (a typo would otherwise be silently ignored).
    public mutating func checkKeys(_ o: JSONObject, known: Set<String>, at path: String) {
        for k in o.keys where !known.contains(k) && !k.hasPrefix("x-") && !k.hasPrefix("clr:") {
            let close = known.first { $0.lowercased() == k.lowercased() }
            warning("unknown_key", "unknown key `\(k)` is ignored", at: FieldReader.path(path, k),
                    hint: close.map { "did you mean `\($0)`?" } ?? "known keys: \(known.sorted().joined(separator: ", "))")
        }
    }

    /// A required or optional string field (non-empty, trimmed of nothing: exact).
    public mutating func string(_ o: JSONObject, _ key: String, at path: String, required: Bool) -> String? {
        let p = FieldReader.path(path, key)
        guard let v = o[key], !v.isNull else {
            if required { error("missing_field", "`\(key)` is required", at: p) }
            return nil
        }
        guard case .string(let s) = v else {
            error("wrong_type", "`\(key)` must be a string, not \(v.typeName)", at: p)
            return nil
        }
        if s.isEmpty || s.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            error("empty_value", "`\(key)` is empty", at: p)
            return nil
        }
        return s
    }

    /// An identifier: a non-empty string without control characters, at most 200 bytes.
    public mutating func identifier(_ o: JSONObject, _ key: String, at path: String, required: Bool) -> String? {
        guard let s = string(o, key, at: path, required: required) else { return nil }
        let p = FieldReader.path(path, key)
        if s.utf8.count > 200 {
            error("bad_id", "`\(key)` is longer than 200 bytes", at: p)
            return nil
        }
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || s.first == " " || s.last == " " {
            error("bad_id", "`\(key)` `\(s)` has control characters or surrounding spaces", at: p)
            return nil
        }
        return s
    }

    /// An optional boolean.
    public mutating func bool(_ o: JSONObject, _ key: String, at path: String) -> Bool? {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .bool(let b) = v else {
            error("wrong_type", "`\(key)` must be true or false, not \(v.typeName)", at: FieldReader.path(path, key))
            return nil
        }
        return b
    }

    /// An optional number.
    public mutating func number(_ o: JSONObject, _ key: String, at path: String) -> Double? {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .number(let d) = v else {
            error("wrong_type", "`\(key)` must be a number, not \(v.typeName)", at: FieldReader.path(path, key))
            return nil
        }
        return d
    }

    /// A portion: a number in (0, 1].
    public mutating func portion(_ o: JSONObject, _ key: String, at path: String) -> Double? {
        guard let d = number(o, key, at: path) else { return nil }
        guard d > 0 && d <= 1 else {
            error("bad_portion", "`\(key)` is \(JSONValue.formatNumber(d)); a portion is a fraction above 0 and at most 1 (0.3 = 30%)",
                  at: FieldReader.path(path, key))
            return nil
        }
        return d
    }

    /// An ISO 8601 date or date-time string.
    public mutating func dateTime(_ o: JSONObject, _ key: String, at path: String, required: Bool) -> ParsedDateTime? {
        guard let s = string(o, key, at: path, required: required) else { return nil }
        return dateTime(s, at: FieldReader.path(path, key), field: key)
    }

    /// Parses a date-time string found at `path`.
    public mutating func dateTime(_ s: String, at path: String, field: String) -> ParsedDateTime? {
        switch ISO8601.parseDateTime(s) {
        case .success(let d): return d
        case .failure(let e):
            error("bad_date", "`\(field)`: \(e.message)", at: path, hint: "ISO 8601, e.g. `2026-11-28` or `2026-11-28T10:00:00Z` (UTC when no offset)")
            return nil
        }
    }

    /// An ISO 8601 duration string.
    public mutating func duration(_ o: JSONObject, _ key: String, at path: String) -> ISODuration? {
        guard let s = string(o, key, at: path, required: false) else { return nil }
        switch ISO8601.parseDuration(s) {
        case .success(let d): return d
        case .failure(let e):
            error("bad_duration", "`\(key)`: \(e.message)", at: FieldReader.path(path, key),
                  hint: "ISO 8601 duration, e.g. `PT1H` (one hour), `PT30M`, `P1D`, `P1W`")
            return nil
        }
    }

    /// An enumerated string value (`kind`, `extent`, `channel`...).
    public mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ o: JSONObject, _ key: String, at path: String, required: Bool, problem: String, what: String
    ) -> E? where E.RawValue == String {
        guard let s = string(o, key, at: path, required: required) else { return nil }
        return enumValue(s, at: FieldReader.path(path, key), problem: problem, what: what)
    }

    /// Parses one enumerated value found at `path`.
    public mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ s: String, at path: String, problem: String, what: String
    ) -> E? where E.RawValue == String {
        if let e = E(rawValue: s) { return e }
        let known = E.allCases.map(\.rawValue)
        if let e = E(rawValue: s.lowercased()) {
            error(problem, "\(what) `\(s)` must be written in lower case", at: path, hint: "write `\(e.rawValue)`")
            return nil
        }
        error(problem, "unknown \(what) `\(s)`", at: path, hint: "expected one of: \(known.joined(separator: ", "))")
        return nil
    }

    /// A list of strings: an array of strings, or (leniently) a single string.
    public mutating func stringList(_ o: JSONObject, _ key: String, at path: String, required: Bool,
                                    allowEmpty: Bool) -> [(String, String)]? {
        let p = FieldReader.path(path, key)
        guard let v = o[key], !v.isNull else {
            if required { error("missing_field", "`\(key)` is required", at: p, hint: "list the values, or `[\"all\"]`") }
            return nil
        }
        var out: [(String, String)] = []
        switch v {
        case .string(let s):
            out.append((s, p))
        case .array(let a):
            for (k, e) in a.enumerated() {
                let ep = FieldReader.path(p, k)
                guard case .string(let s) = e else {
                    error("wrong_type", "`\(key)` must hold strings, not \(e.typeName)", at: ep)
                    continue
                }
                if out.contains(where: { $0.0 == s }) {
                    warning("duplicate_value", "`\(s)` is listed twice in `\(key)`", at: ep)
                    continue
                }
                out.append((s, ep))
            }
        default:
            error("wrong_type", "`\(key)` must be an array of strings, not \(v.typeName)", at: p)
            return nil
        }
        if out.isEmpty && !allowEmpty {
            error("empty_list", "`\(key)` is empty, so it would cover nothing", at: p, hint: "list at least one value, or `[\"all\"]`")
            return nil
        }
        return out
    }

    /// A closed dimension list with `"all"`.
    public mutating func dimension<E: Hashable & Sendable & RawRepresentable & CaseIterable>(
        _ o: JSONObject, _ key: String, at path: String, required: Bool, problem: String, what: String
    ) -> Dimension<E>? where E.RawValue == String {
        guard let items = stringList(o, key, at: path, required: required, allowEmpty: false) else { return nil }
        if items.contains(where: { $0.0 == "all" }) {
            if items.count > 1 {
                warning("redundant_value", "`all` already covers the other values of `\(key)`", at: FieldReader.path(path, key))
            }
            return .all
        }
        var list: [E] = []
        var ok = true
        for (s, p) in items {
            if let e: E = enumValue(s, at: p, problem: problem, what: what) { list.append(e) } else { ok = false }
        }
        return ok ? .only(list) : nil
    }

    /// ODRL action names, canonicalised.
    public mutating func actions(_ o: JSONObject, _ key: String, at path: String, required: Bool) -> [String]? {
        guard let items = stringList(o, key, at: path, required: required, allowEmpty: false) else { return nil }
        var list: [String] = []
        var ok = true
        for (s, p) in items {
            if let a = NewsActions.canonical(s) {
                if !list.contains(a) { list.append(a) }
            } else {
                ok = false
                error("unknown_action", "unknown action `\(s)`", at: p,
                      hint: "use an ODRL action such as `use`, `reproduce`, `distribute`, `modify`, `translate`, `archive`")
            }
        }
        return ok ? list : nil
    }

    /// Territory names (codes, regions, `all`/`WORLD`), canonicalised.
    public mutating func territoryNames(_ o: JSONObject, _ key: String, at path: String, required: Bool,
                                        allowEmpty: Bool) -> [String]? {
        guard let items = stringList(o, key, at: path, required: required, allowEmpty: allowEmpty) else { return nil }
        var list: [String] = []
        var ok = true
        for (s, p) in items {
            if let n = territories.canonicalName(s) {
                if !list.contains(n) { list.append(n) }
            } else {
                ok = false
                let sug = territories.suggestion(for: s)
                error("unknown_territory", "unknown territory `\(s)`", at: p,
                      hint: sug.map { "did you mean `\($0)`?" }
                        ?? "use an ISO 3166-1 alpha-2 code (`TR`, `IQ`) or a region (\(territories.regionNames.prefix(8).joined(separator: ", ")), ...)")
            }
        }
        return ok ? list : nil
    }
}
