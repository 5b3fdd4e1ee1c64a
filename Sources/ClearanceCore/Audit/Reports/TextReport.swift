/// The `--format text` report: a summary a person reads in a terminal, then the findings.
public enum TextReport {
    /// The summary block: totals, per code, per subscriber, worst offenders.
    public static func summary(_ s: AuditSummary, subscriberLimit: Int = 20) -> String {
        var out = ""
        let files = s.files.isEmpty ? "(no input)" : s.files.joined(separator: ", ")
        out += "Audit of \(files)\n"
        var period = ""
        if let a = s.firstAt, let b = s.lastAt { period = a == b ? " at \(a)" : " from \(a) to \(b)" }
        out += "  \(s.eventsAudited) \(plural(s.eventsAudited, "event")) audited\(period): "
        out += "\(s.eventsClean) clean, \(s.eventsAudited - s.eventsClean) with findings\n"
        var extras: [String] = []
        if s.malformed > 0 { extras.append("\(s.malformed) malformed \(plural(s.malformed, "line"))") }
        if s.eventsFiltered > 0 { extras.append("\(s.eventsFiltered) filtered out") }
        if s.duplicates > 0 { extras.append("\(s.duplicates) \(plural(s.duplicates, "duplicate")) counted once") }
        if s.ledgerEventsCounted > 0 { extras.append("\(s.ledgerEventsCounted) ledger \(plural(s.ledgerEventsCounted, "event")) counted for quotas") }
        if s.outOfOrder > 0 { extras.append("\(s.outOfOrder) out of time order (quota order approximate)") }
        if !extras.isEmpty { out += "  " + extras.joined(separator: "; ") + "\n" }
        out += "  \(s.findings) \(plural(s.findings, "finding")): \(s.errors) \(plural(s.errors, "error")), \(s.warnings) \(plural(s.warnings, "warning"))\n"
        if s.findings == 0 { return out }

        out += "\nBy code:\n"
        let codes = s.codesByCount()
        let cw = codes.map { $0.code.rawValue.count }.max() ?? 0
        for (c, n) in codes {
            out += "  " + pad(c.rawValue, cw) + "  " + lpad(String(n), 6) + "  " + c.severity.rawValue + "\n"
        }

        let offenders = s.worstOffenders(limit: subscriberLimit)
        out += "\nBy subscriber (worst first):\n"
        let sw = max(10, offenders.map { $0.subscriber.count }.max() ?? 0)
        out += "  " + pad("subscriber", sw) + "  " + lpad("events", 7) + "  " + lpad("errors", 6) + "  " + lpad("warnings", 8) + "  codes\n"
        for (name, t) in offenders {
            let top = t.byCode.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(3).map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
            out += "  " + pad(name, sw) + "  " + lpad(String(t.events), 7) + "  " + lpad(String(t.errors), 6) + "  " + lpad(String(t.warnings), 8) + "  " + top + "\n"
        }
        let withFindings = s.bySubscriber.values.filter { $0.findings > 0 }.count
        if withFindings > offenders.count {
            out += "  … and \(withFindings - offenders.count) more \(plural(withFindings - offenders.count, "subscriber")) with findings\n"
        }
        if let worst = offenders.first {
            out += "\nWorst offender: \(worst.subscriber) (\(worst.totals.errors) \(plural(worst.totals.errors, "error")), \(worst.totals.warnings) \(plural(worst.totals.warnings, "warning")))\n"
        }
        return out
    }

    /// The heading printed before the findings.
    public static let findingsHeading = "\nFindings:\n"

    /// One finding, as a few indented lines.
    public static func finding(_ f: Finding) -> String {
        var out = "\(f.severity.rawValue)[\(f.code.rawValue)] \(f.file):\(f.line)"
        var who: [String] = []
        if let e = f.event { who.append("event \(e)") }
        if let s = f.subscriber { who.append(s) }
        if let a = f.at { who.append(a) }
        if !who.isEmpty { out += " " + who.joined(separator: ", ") }
        out += "\n  \(f.message)\n"
        if let u = f.url { out += "  url: \(u)\n" }
        if f.expected != nil || f.found != nil {
            out += "  expected: \(f.expected ?? "—")  found: \(f.found ?? "none")\n"
        }
        if f.code == .malformedEvent {
            if let c = f.clause { out += "  problem: \(c)\n" }
        } else if f.agreement != nil || f.clause != nil {
            out += "  applies: " + [f.agreement, f.clause].compactMap { $0 }.joined(separator: " ") + "\n"
        }
        if let q = f.quote { out += "  quote: “\(q)”\n" }
        if let r = f.remedy { out += "  remedy: \(r)\n" }
        return out
    }

    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? word : word + "s" }

    static func pad(_ s: String, _ w: Int) -> String {
        s.count >= w ? s : s + String(repeating: " ", count: w - s.count)
    }

    static func lpad(_ s: String, _ w: Int) -> String {
        s.count >= w ? s : String(repeating: " ", count: w - s.count) + s
    }
}

/// The `--format csv` report: one finding per row, RFC 4180, for spreadsheets.
public enum CSVReport {
    /// The header row.
    public static var header: String { Finding.columns.joined(separator: ",") + "\r\n" }

    /// One finding as a row.
    public static func row(_ f: Finding) -> String {
        Finding.columns.map { cell(f.value(of: $0) ?? "") }.joined(separator: ",") + "\r\n"
    }

    /// Quotes a cell when needed, and defuses spreadsheet formulas in text that came from a log.
    ///
    /// A cell starting with `=`, `+`, `-`, `@`, tab or CR would be run as a formula by
    /// Excel/LibreOffice; such cells get a leading `'` (OWASP's advice for CSV injection),
    /// except a plain number and `-` (standard input's name).
    public static func cell(_ s: String) -> String {
        var v = s
        if let first = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
           v != "-", Double(v) == nil {
            v = "'" + v
        }
        if v.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            var q = "\""
            for ch in v {
                if ch == "\"" { q += "\"\"" } else { q.append(ch) }
            }
            return q + "\""
        }
        return v
    }
}

/// The `--format json` report, written in pieces so the findings can stream.
public enum JSONReport {
    /// The opening: `{"summary": …, "findings": [`.
    public static func head(_ s: AuditSummary) -> String {
        String(decoding: headBytes(s), as: UTF8.self)
    }

    /// ``head(_:)``'s bytes, written straight from the summary (``AuditSummary/appendPrettyJSON(to:)``).
    ///
    /// It was `s.jsonValue().serialized(pretty: true)`: a `JSONValue` tree and `String` appends for
    /// every subscriber, ~200,000 instructions per subscriber with findings in callgrind, run on one
    /// thread after the last event (10,000 subscribers: a serial ~0.7 s at the end of the audit).
    public static func headBytes(_ s: AuditSummary) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + 400 * s.bySubscriber.count)
        out.append(contentsOf: "{\n\"summary\": ".utf8)
        s.appendPrettyJSON(to: &out)
        out.append(contentsOf: ",\n\"findings\": [".utf8)
        return out
    }

    /// One element of the findings array (`first` decides the comma).
    public static func element(_ f: Finding, first: Bool) -> String {
        (first ? "\n  " : ",\n  ") + f.jsonText()
    }

    /// The closing brackets.
    public static func tail(empty: Bool) -> String { empty ? "]\n}\n" : "\n]\n}\n" }
}
