import ClearanceCore

/// Reads an agreements file for `clearance contract import`: a JSON array in DESIGN.md's
/// agreement format, or CSV with a header (see ``AgreementFile/csvColumns``).
///
/// Every problem of every record is collected, located by JSON path (`$[3].grants[0].channels[1]`)
/// or by CSV line and column (`line 7, column \`channels\``); the caller writes nothing when any
/// error was found.
public enum AgreementFile {
    /// The agreements read, each with where it came from (`$[3]`, `line 7`), and every diagnostic.
    public struct Result: Sendable {
        public var agreements: [Agreement]
        public var locations: [String]
        public var diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// The CSV columns, in the order `contract export --csv` would write them.
    ///
    /// One row per grant. Rows with the same `id` belong to one agreement (grants in row order);
    /// its agreement-level cells (`kind` … `term_end`) may be left empty on later rows, and must
    /// agree when they are repeated. Lists are separated by `;` (`web;print`). `credit` adds an
    /// `attribute` duty with that text, `link_url` a `link` duty. The `restrict_*` cells of a row add
    /// one restriction; a row may carry only a restriction (no grant cells).
    public static let csvColumns = [
        "id", "kind", "source", "subscriber", "subscriber_name", "signed_at", "term_start", "term_end",
        "assets", "actions", "extent", "max_portion", "channels", "territories", "exclude_territories",
        "quota_count", "quota_per", "embargo", "credit", "link_url",
        "restrict_assets", "restrict_actions", "restrict_extent", "restrict_channels", "restrict_territories",
        "restrict_embargo", "restrict_note",
    ]
    static let agreementColumns = ["kind", "source", "subscriber", "subscriber_name", "signed_at", "term_start", "term_end"]
    static let requiredColumns = ["id", "kind", "source", "subscriber", "signed_at", "term_start", "term_end"]
    static let grantColumns = ["assets", "actions", "extent", "max_portion", "channels", "territories", "exclude_territories",
                               "quota_count", "quota_per", "embargo", "credit", "link_url"]

    /// Reads JSON when the first non-blank byte is `[` or `{`, else CSV.
    public static func parse(_ bytes: [UInt8], missing: MissingDimensions = .reject) -> Result {
        // UTF-16 (a spreadsheet's "Unicode text" export) would otherwise be sniffed as CSV and
        // reported as a stray quote or bad UTF-8 in field 1: say what it is instead.
        let bom16 = bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF])
        let nulInPair = bytes.count >= 2 && (bytes[0] == 0) != (bytes[1] == 0)
        if bom16 || nulInPair {
            return Result(agreements: [], locations: [], diagnostics: [Diagnostic(
                code: "agreement.encoding", message: "the file is UTF-16 text, not UTF-8",
                hint: "convert it with `iconv -f UTF-16 -t UTF-8`, or save it as UTF-8 (CSV UTF-8 / JSON)", location: "byte 0")])
        }
        var k = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { k = 3 }
        while k < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) { k += 1 }
        if k < bytes.count, bytes[k] == 0x5B || bytes[k] == 0x7B { return parseJSON(bytes, missing: missing) }
        return parseCSV(bytes, missing: missing)
    }

    /// Reads a JSON array of agreements (a single object is read as one, with a warning).
    ///
    /// Big arrays are split at their top-level commas and the elements parsed on all cores; any
    /// JSON syntax error sends the file through the one-pass parser for its exact line and column.
    public static func parseJSON(_ bytes: [UInt8], missing: MissingDimensions = .reject) -> Result {
        if bytes.count > 1 << 20, let ranges = topLevelElements(bytes) {
            let items = ranges.enumerated().map { ($0.offset, $0.element) }
            let shared = UnsafeSendable(bytes)
            // Each element is read by the byte scanner straight from the file's bytes (one per chunk, with
            // its caches); an element it declines (anything unusual, any error or warning) goes through the
            // strict parsers, so every diagnostic is exactly theirs.
            let parsed: [(Agreement?, [Diagnostic], Bool)] = Parallel.map(items, minimumChunk: 64, state: { AgreementScanner() }) { scanner, item in
                let (k, r) = item
                if missing == .reject, let a = shared.value.withUnsafeBufferPointer({ scanner.scan(UnsafeBufferPointer(rebasing: $0[r])) }) {
                    return (a, [], true)
                }
                guard let v = try? JSONParser.parse(Array(shared.value[r])) else { return (nil, [], false) }
                let (a, d) = Agreement.parse(v, at: "$[\(k)]", missing: missing)
                return (a, d, true)
            }
            if parsed.allSatisfy({ $0.2 }) {
                var out = Result(agreements: [], locations: [], diagnostics: [])
                if parsed.isEmpty {
                    out.diagnostics.append(Diagnostic(code: "agreement.empty_file", message: "the file holds no agreements", location: "$", severity: .warning))
                }
                for (k, p) in parsed.enumerated() {
                    out.diagnostics.append(contentsOf: p.1)
                    if let a = p.0 {
                        out.agreements.append(a)
                        out.locations.append("$[\(k)]")
                    }
                }
                return out
            }
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            return Result(agreements: [], locations: [], diagnostics: [error])
        }
        var out = Result(agreements: [], locations: [], diagnostics: [])
        let items: [(JSONValue, String)]
        switch value {
        case .array(let a): items = a.enumerated().map { ($0.element, "$[\($0.offset)]") }
        case .object:
            items = [(value, "$")]
            out.diagnostics.append(Diagnostic(code: "agreement.single_object", message: "expected an array of agreements; read the single object as one",
                                              location: "$", severity: .warning))
        default:
            out.diagnostics.append(Diagnostic(code: "agreement.not_array", message: "expected a JSON array of agreements, not \(value.typeName)",
                                              hint: "wrap the agreements in `[` … `]`", location: "$"))
            return out
        }
        if items.isEmpty {
            out.diagnostics.append(Diagnostic(code: "agreement.empty_file", message: "the file holds no agreements", location: "$", severity: .warning))
        }
        for (item, path) in items {
            let (a, diags) = Agreement.parse(item, at: path, missing: missing)
            out.diagnostics.append(contentsOf: diags)
            if let a {
                out.agreements.append(a)
                out.locations.append(path)
            }
        }
        return out
    }

    /// Every agreement of a JSON array read by the byte scanner on all cores, or nil when any element is
    /// declined (anything unusual, any error or warning) or two share an id: the caller then reads the file
    /// with the strict parsers, which report exactly what they always did. `check --agreements FILE` uses it.
    public static func scanAll(_ bytes: [UInt8]) -> [Agreement]? {
        guard let ranges = topLevelElements(bytes), !ranges.isEmpty else { return nil }
        let shared = UnsafeSendable(bytes)
        let scanned: [Agreement?] = Parallel.map(ranges, minimumChunk: 64, state: { AgreementScanner() }) { scanner, r in
            shared.value.withUnsafeBufferPointer { scanner.scan(UnsafeBufferPointer(rebasing: $0[r])) }
        }
        var out: [Agreement] = []
        out.reserveCapacity(scanned.count)
        var ids = Set<String>()
        for a in scanned {
            guard let a, ids.insert(a.id).inserted else { return nil }
            out.append(a)
        }
        return out
    }

    /// The byte ranges of the elements of a top-level JSON array, or nil when the text is not
    /// simply one array (then the one-pass parser reports what is wrong, with its position).
    static func topLevelElements(_ b: [UInt8]) -> [Range<Int>]? {
        var i = 0
        let n = b.count
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        while i < n, isSpace(b[i]) { i += 1 }
        guard i < n, b[i] == 0x5B else { return nil }
        i += 1
        var ranges: [Range<Int>] = []
        var depth = 0
        var start: Int?
        var inString = false
        var end: Int?
        while i < n {
            let c = b[i]
            if inString {
                if c == 0x5C { i += 2; continue }
                if c == 0x22 { inString = false }
                i += 1
                continue
            }
            switch c {
            case 0x22:
                inString = true
                if start == nil { start = i }
            case 0x7B, 0x5B:
                if start == nil { start = i }
                depth += 1
            case 0x7D:
                depth -= 1
                if depth < 0 { return nil }
            case 0x5D:
                if depth == 0 {
                    if let s = start { ranges.append(s..<i) } else if !ranges.isEmpty { return nil }
                    end = i
                } else {
                    depth -= 1
                }
            case 0x2C where depth == 0:
                guard let s = start else { return nil }
                ranges.append(s..<i)
                start = nil
            default:
                if !isSpace(c) && start == nil { start = i }
            }
            if end != nil { break }
            i += 1
        }
        guard let e = end, !inString else { return nil }
        var j = e + 1
        while j < n, isSpace(b[j]) { j += 1 }
        return j == n ? ranges : nil
    }

    /// Normalises a header name: lower case, without `_`, `-` and spaces (`signedAt` = `signed_at`).
    static func key(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    /// Reads CSV agreements (one row per grant; see ``csvColumns``).
    public static func parseCSV(_ bytes: [UInt8], missing: MissingDimensions = .reject) -> Result {
        var out = Result(agreements: [], locations: [], diagnostics: [])
        let (records, problems) = CSV.parse(bytes)
        out.diagnostics.append(contentsOf: problems)
        guard let header = records.first else {
            out.diagnostics.append(Diagnostic(code: "agreement.csv_no_header", message: "the CSV file is empty: no header row",
                                              hint: "first row: \(csvColumns.joined(separator: ","))", location: "line 1"))
            return out
        }
        // Map header cells to known columns.
        let known = Dictionary(uniqueKeysWithValues: csvColumns.map { (key($0), $0) })
        var columnAt: [Int: String] = [:]
        for (i, h) in header.fields.enumerated() {
            let name = h.trimmingSpaces
            if let c = known[key(name)] {
                if columnAt.values.contains(c) {
                    out.diagnostics.append(Diagnostic(code: "agreement.csv_duplicate_column", message: "column `\(name)` appears twice",
                                                      location: "line \(header.line), column \(i + 1)"))
                } else {
                    columnAt[i] = c
                }
            } else {
                out.diagnostics.append(Diagnostic(code: "agreement.csv_unknown_column", message: "unknown column `\(name)` is ignored",
                                                  hint: "known columns: \(csvColumns.joined(separator: ", "))",
                                                  location: "line \(header.line), column \(i + 1)", severity: .warning))
            }
        }
        let present = Set(columnAt.values)
        let missingColumns = requiredColumns.filter { !present.contains($0) }
        if !missingColumns.isEmpty {
            out.diagnostics.append(Diagnostic(code: "agreement.csv_missing_column",
                                              message: "the header lacks \(missingColumns.map { "`\($0)`" }.joined(separator: ", "))",
                                              hint: "header: \(csvColumns.joined(separator: ","))", location: "line \(header.line)"))
            return out
        }
        // Group rows by id, in order of first appearance.
        struct Group {
            var line: Int
            var cells: [String: (String, Int)] = [:]  // agreement-level column -> (value, line)
            var grants: [(Int, [String: String])] = []
            var restrictions: [(Int, [String: String])] = []
        }
        var order: [String] = []
        var groups: [String: Group] = [:]
        for rec in records.dropFirst() {
            if rec.fields.count != header.fields.count {
                out.diagnostics.append(Diagnostic(code: "csv.field_count",
                                                  message: "the row has \(rec.fields.count) fields; the header has \(header.fields.count)",
                                                  hint: "quote fields that contain commas", location: "line \(rec.line)"))
                continue
            }
            var row: [String: String] = [:]
            for (i, f) in rec.fields.enumerated() {
                if let c = columnAt[i] {
                    let v = f.trimmingSpaces
                    if !v.isEmpty { row[c] = v }
                }
            }
            guard let id = row["id"] else {
                out.diagnostics.append(Diagnostic(code: "agreement.missing_field", message: "`id` is required",
                                                  location: "line \(rec.line), column `id`"))
                continue
            }
            if groups[id] == nil { order.append(id); groups[id] = Group(line: rec.line) }
            for c in agreementColumns {
                guard let v = row[c] else { continue }
                if let (first, firstLine) = groups[id]?.cells[c] {
                    if first != v {
                        out.diagnostics.append(Diagnostic(
                            code: "agreement.csv_conflict",
                            message: "agreement `\(id)` has `\(c)` `\(first)` on line \(firstLine) but `\(v)` here",
                            hint: "repeat the same value on every row of an agreement, or leave it empty",
                            location: "line \(rec.line), column `\(c)`"))
                    }
                } else {
                    groups[id]?.cells[c] = (v, rec.line)
                }
            }
            if grantColumns.contains(where: { row[$0] != nil }) { groups[id]?.grants.append((rec.line, row)) }
            if row.keys.contains(where: { $0.hasPrefix("restrict_") }) { groups[id]?.restrictions.append((rec.line, row)) }
        }
        // Build each agreement's JSON and parse it; map JSON paths back to line and column.
        func list(_ s: String?) -> JSONValue? {
            guard let s else { return nil }
            return .array(s.split(separator: ";").map { $0.trimmingSpaces }.filter { !$0.isEmpty }.map { .string($0) })
        }
        func number(_ s: String?) -> JSONValue? {
            guard let s else { return nil }
            if let d = Double(s), d.isFinite { return .number(d) }
            return .string(s)
        }
        for id in order {
            guard let g = groups[id] else { continue }
            var o = JSONObject()
            o["id"] = .string(id)
            func cell(_ c: String) -> String? { g.cells[c]?.0 }
            if let v = cell("kind") { o["kind"] = .string(v) }
            if let v = cell("source") { o["source"] = .string(v) }
            if let v = cell("subscriber") {
                var s = JSONObject()
                s["id"] = .string(v)
                if let n = cell("subscriber_name") { s["name"] = .string(n) }
                o["subscriber"] = .object(s)
            }
            if let v = cell("signed_at") { o["signedAt"] = .string(v) }
            if cell("term_start") != nil || cell("term_end") != nil {
                var t = JSONObject()
                if let v = cell("term_start") { t["start"] = .string(v) }
                if let v = cell("term_end") { t["end"] = .string(v) }
                o["term"] = .object(t)
            }
            var grants: [JSONValue] = []
            for (_, row) in g.grants {
                var gr = JSONObject()
                for (c, k) in [("assets", "assets"), ("actions", "actions"), ("extent", "extent"), ("channels", "channels"),
                               ("territories", "territories"), ("exclude_territories", "excludeTerritories")] {
                    if let v = list(row[c]) { gr[k] = v }
                }
                if let v = number(row["max_portion"]) { gr["maxPortion"] = v }
                if row["quota_count"] != nil || row["quota_per"] != nil {
                    var q = JSONObject()
                    if let v = number(row["quota_count"]) { q["count"] = v }
                    if let v = row["quota_per"] { q["per"] = .string(v) }
                    gr["quota"] = .object(q)
                }
                if let v = row["embargo"] { gr["embargo"] = .string(v) }
                var duties: [JSONValue] = []
                if let v = row["credit"] { duties.append(.object(JSONObject([("action", "attribute"), ("text", .string(v))]))) }
                if let v = row["link_url"] { duties.append(.object(JSONObject([("action", "link"), ("url", .string(v))]))) }
                if !duties.isEmpty { gr["duties"] = .array(duties) }
                grants.append(.object(gr))
            }
            o["grants"] = .array(grants)
            var restrictions: [JSONValue] = []
            for (_, row) in g.restrictions {
                var r = JSONObject()
                for (c, k) in [("restrict_assets", "assets"), ("restrict_actions", "actions"), ("restrict_extent", "extent"),
                               ("restrict_channels", "channels"), ("restrict_territories", "territories")] {
                    if let v = list(row[c]) { r[k] = v }
                }
                if let v = row["restrict_embargo"] { r["embargo"] = .string(v) }
                if let v = row["restrict_note"] { r["note"] = .string(v) }
                restrictions.append(.object(r))
            }
            if !restrictions.isEmpty { o["restrictions"] = .array(restrictions) }
            let (a, diags) = Agreement.parse(.object(o), at: "$", missing: missing)
            for var d in diags {
                d.location = csvLocation(d.location, group: (g.line, g.cells.mapValues(\.1), g.grants.map(\.0), g.restrictions.map(\.0)))
                out.diagnostics.append(d)
            }
            if let a {
                out.agreements.append(a)
                out.locations.append("line \(g.line)")
            }
        }
        return out
    }

    /// Maps a JSON path inside one CSV-built agreement to `line N, column \`name\``.
    static func csvLocation(_ path: String?, group: (line: Int, cellLines: [String: Int], grantLines: [Int], restrictionLines: [Int])) -> String {
        guard var p = path?[...] else { return "line \(group.line)" }
        if p.hasPrefix("$") { p = p.dropFirst() }
        func indexAfter(_ prefix: String) -> (Int, Substring)? {
            guard p.hasPrefix(prefix) else { return nil }
            let rest = p.dropFirst(prefix.count)
            let digits = rest.prefix { $0.isNumber }
            guard let k = Int(digits) else { return nil }
            return (k, rest.dropFirst(digits.count + 1))
        }
        func field(_ rest: Substring) -> String {
            var f = rest
            if f.hasPrefix(".") { f = f.dropFirst() }
            return String(f.prefix { $0 != "." && $0 != "[" })
        }
        let grantColumn = ["assets": "assets", "actions": "actions", "extent": "extent", "maxPortion": "max_portion",
                           "channels": "channels", "territories": "territories", "excludeTerritories": "exclude_territories",
                           "embargo": "embargo", "duties": "credit"]
        if let (k, rest) = indexAfter(".grants[") {
            let line = k < group.grantLines.count ? group.grantLines[k] : group.line
            let f = field(rest)
            if f == "quota" { return "line \(line), column `\(rest.contains("per") ? "quota_per" : "quota_count")`" }
            if f == "duties", rest.contains("url") { return "line \(line), column `link_url`" }
            if let c = grantColumn[f] { return "line \(line), column `\(c)`" }
            return "line \(line)"
        }
        if let (k, rest) = indexAfter(".restrictions[") {
            let line = k < group.restrictionLines.count ? group.restrictionLines[k] : group.line
            let f = field(rest)
            let c: String
            switch f {
            case "note": c = "restrict_note"
            case "embargo": c = "restrict_embargo"
            case "": return "line \(line)"
            default: c = "restrict_" + (grantColumn[f] ?? f)
            }
            return "line \(line), column `\(c)`"
        }
        let top: [String: String] = ["id": "id", "kind": "kind", "source": "source", "signedAt": "signed_at"]
        var column: String?
        if p.hasPrefix(".term.start") { column = "term_start" }
        else if p.hasPrefix(".term.end") { column = "term_end" }
        else if p.hasPrefix(".term") { column = "term_start" }
        else if p.hasPrefix(".subscriber.name") { column = "subscriber_name" }
        else if p.hasPrefix(".subscriber") { column = "subscriber" }
        else if p.hasPrefix(".grants") { column = "assets" }
        else { column = top[field(p)] }
        guard let column else { return "line \(group.line)" }
        let line = group.cellLines[column] ?? group.line
        return "line \(line), column `\(column)`"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
