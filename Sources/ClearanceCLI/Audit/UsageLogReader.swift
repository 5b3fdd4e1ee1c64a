import ClearanceCore

/// Reads one usage log (JSON Lines or CSV, plain or gzip, file or `-`) event by event, in bounded memory.
///
/// Each call to ``next()`` yields a well-formed event, a malformed line (which the audit turns
/// into a `malformed_event` finding and carries on), or nil at the end. Problems with the file as
/// a whole (missing, empty, not a log, truncated gzip) are thrown as diagnostics.
final class UsageLogReader {
    /// The log formats.
    enum Format: String, CaseIterable, Sendable {
        case jsonl, csv
    }

    /// One unit read from the log.
    enum Item {
        case event(UsageEvent, line: Int)
        case malformed(line: Int, diagnostics: [Diagnostic], eventID: String?)
    }

    let name: String
    let format: Format
    private let bytes: LogByteReader
    private var splitter: LineSplitter
    private var csv: UsageCSV?
    private var sawContent = false
    /// Lines read so far (blank ones included).
    var linesRead: Int { splitter.linesRead }
    /// Compressed/plain bytes read and the file size, for progress.
    var bytesRead: Int64 { bytes.bytesRead }
    var size: Int64? { bytes.size }
    /// Blank lines skipped.
    private(set) var blankLines = 0
    /// The byte-level reader of common JSON lines (it keeps the actions and credit lines it has seen).
    private var fast = UsageLineFast()
    /// A peeked first item (read while sniffing the format).
    private var pending: Item?

    /// Opens `path`; `format` nil sniffs it from the name (`.csv`, `.jsonl`, `.ndjson`, `.json`, before `.gz`) or content.
    init(path: String, format: Format? = nil) throws(Diagnostic) {
        name = path
        bytes = try LogByteReader(path: path)
        var chosen = format
        if chosen == nil {
            var base = path.lowercased()
            if base.hasSuffix(".gz") { base = String(base.dropLast(3)) }
            if base.hasSuffix(".csv") { chosen = .csv }
            else if base.hasSuffix(".jsonl") || base.hasSuffix(".ndjson") || base.hasSuffix(".json") { chosen = .jsonl }
        }
        // When the name does not say, the first non-blank line decides (see `start`).
        splitter = LineSplitter(csv: chosen == .csv)
        self.format = chosen ?? .jsonl
        try start(sniff: chosen == nil)
    }

    /// The exit status for a problem opening a log: 66 when it is missing or unreadable, else by category.
    static func exitStatus(_ d: Diagnostic) -> ExitStatus {
        ["input.not_found", "input.is_directory", "input.unreadable"].contains(d.code) ? .noInput : ExitStatus(d.category)
    }

    /// The display name of a format, for messages.
    private static func describe(_ f: Format) -> String { f == .csv ? "CSV" : "JSON Lines" }

    /// Reads up to the first non-blank line and checks that the input looks like a usage log.
    private func start(sniff: Bool) throws(Diagnostic) {
        while true {
            guard let line = try nextLine() else {
                throw Diagnostic(
                    code: "usage.empty_log", message: "`\(name)` is empty: it holds no usage events",
                    hint: "a usage log has one event per line (JSON Lines) or a CSV header and rows",
                    category: .malformedInput)
            }
            switch line {
            case .tooLong(let n):
                throw notALog("its first line (line \(n)) is longer than \(splitter.maximumLineLength / 1024) KiB")
            case .line(let range, let number):
                if range.isEmpty || isBlank(range) { blankLines += 1; continue }
                let (first, hasNUL) = splitter.buffer.withUnsafeBufferPointer { b -> (UInt8, Bool) in
                    let s = UnsafeBufferPointer(rebasing: b[range])
                    var k = 0
                    while k < s.count, s[k] == 0x20 || s[k] == 0x09 { k += 1 }
                    return (k < s.count ? s[k] : 0, s.contains(0))
                }
                if hasNUL { throw notALog("it holds binary data (NUL bytes) on line \(number)") }
                var effective = format
                if sniff { effective = first == UInt8(ascii: "{") ? .jsonl : (first == UInt8(ascii: "[") ? .jsonl : .csv) }
                if effective == .csv {
                    // Split the rest quote-aware: CSV records may span lines.
                    splitter.csv = true
                    let header = splitter.buffer.withUnsafeBufferPointer { UsageCSV(header: UnsafeBufferPointer(rebasing: $0[range])) }
                    guard let header else {
                        let text = splitter.buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]).prefix(120), as: UTF8.self) }
                        throw notALog("its first line is not a usage-log CSV header: `\(text)`",
                                      hint: "a CSV usage log starts with a header naming its columns, at least `at` and `subscriber` or `id`: id,subscriber,source,asset_id,kind,published_at,action,extent,portion,channel,territory,at,url,attribution,link")
                    }
                    csv = header
                    formatOverride = .csv
                } else {
                    if first == UInt8(ascii: "[") {
                        throw notALog("it is a JSON array, not JSON Lines (one event object per line)",
                                      hint: "convert it with `jq -c '.[]' FILE > FILE.jsonl`")
                    }
                    guard first == UInt8(ascii: "{") else {
                        throw notALog("its first line is not a JSON object")
                    }
                    formatOverride = .jsonl
                    let item = parseJSONLine(range, number)
                    if case .malformed(_, let d, _) = item, d.first?.code == "usage.not_a_usage_event" {
                        throw notALog("its first line is a JSON object without any usage-event field (`id`, `subscriber`, `at`...)")
                    }
                    pending = item
                }
                sawContent = true
                return
            }
        }
    }

    /// The format actually used (after sniffing).
    private(set) var formatOverride: Format?
    var effectiveFormat: Format { formatOverride ?? format }

    private func notALog(_ why: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: "usage.not_a_log", message: "`\(name)` is not a usage log: \(why)",
                   hint: hint ?? "a usage log is JSON Lines (one event object per line) or CSV with a header row; see `clearance audit --help`",
                   category: .malformedInput)
    }

    private func isBlank(_ r: Range<Int>) -> Bool {
        splitter.buffer.withUnsafeBufferPointer { b in
            for k in r where b[k] != 0x20 && b[k] != 0x09 && b[k] != 0x0D { return false }
            return true
        }
    }

    /// The next raw line, reading more input as needed.
    private func nextLine() throws(Diagnostic) -> LineSplitter.Line? {
        while true {
            if let l = splitter.next() { return l }
            if !(try bytes.readChunk(into: &splitter)) {
                splitter.finish()
                return splitter.next()
            }
        }
    }

    /// The next event or malformed line; nil at the end of the log.
    func next() throws(Diagnostic) -> Item? {
        if let p = pending { pending = nil; return p }
        while true {
            guard let line = try nextLine() else { return nil }
            switch line {
            case .tooLong(let n):
                return .malformed(line: n, diagnostics: [Diagnostic(
                    code: "usage.line_too_long",
                    message: "the line is longer than \(splitter.maximumLineLength / 1024) KiB; it was skipped",
                    hint: "one usage event per line", location: "line \(n)")], eventID: nil)
            case .line(let range, let number):
                if range.isEmpty || isBlank(range) { blankLines += 1; continue }
                if effectiveFormat == .csv { return parseCSVRow(range, number) }
                return parseJSONLine(range, number)
            }
        }
    }

    private func parseJSONLine(_ range: Range<Int>, _ number: Int) -> Item {
        // The common line, read straight from its bytes (see `UsageLineFast`); anything else the old way.
        if let e = splitter.buffer.withUnsafeBufferPointer({ fast.event(UnsafeBufferPointer(rebasing: $0[range])) }) {
            return .event(e, line: number)
        }
        let location = "line \(number)"
        let fields = splitter.buffer.withUnsafeBufferPointer { UsageJSONScanner.scan(UnsafeBufferPointer(rebasing: $0[range])) }
        let value: JSONValue
        // The common case: every field plainly valid, the event built straight from the scanned values
        // (see `UsageFields.fastEvent`); anything else takes the strict path below, which words the errors.
        if let fields, let event = fields.fastEvent() { return .event(event, line: number) }
        if let fields {
            if fields.values.allSatisfy({ $0 == .absent }) {
                return .malformed(line: number, diagnostics: [Diagnostic(
                    code: "usage.not_a_usage_event", message: "the object has none of the usage-event fields",
                    hint: "expected `id`, `subscriber`, `source`, `asset`, `use`, `channel`, `territory`, `at`, `url`, `attribution`, `link`",
                    location: location)], eventID: nil)
            }
            value = fields.jsonValue
        } else {
            let bytes = splitter.buffer.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[range])) }
            do {
                value = try JSONParser.parse(bytes)
            } catch {
                var d = error
                d.location = d.location.map { "line \(number), \($0.replacingFirstLine())" } ?? location
                return .malformed(line: number, diagnostics: [d], eventID: nil)
            }
            if case .object = value, UsageFields(json: value).values.allSatisfy({ $0 == .absent }) {
                return .malformed(line: number, diagnostics: [Diagnostic(
                    code: "usage.not_a_usage_event", message: "the object has none of the usage-event fields",
                    hint: "expected `id`, `subscriber`, `source`, `asset`, `use`, `channel`, `territory`, `at`, `url`, `attribution`, `link`",
                    location: location)], eventID: nil)
            }
        }
        let (event, diags) = UsageEvent.parse(value, at: location)
        if let event { return .event(event, line: number) }
        return .malformed(line: number, diagnostics: diags.filter { $0.severity == .error },
                          eventID: RepublicationRequest.readableID(value))
    }

    private func parseCSVRow(_ range: Range<Int>, _ number: Int) -> Item {
        guard let csv else { return .malformed(line: number, diagnostics: [], eventID: nil) }
        let location = "line \(number)"
        let cells = splitter.buffer.withUnsafeBufferPointer { UsageCSV.split(UnsafeBufferPointer(rebasing: $0[range])) }
        switch cells {
        case .failure(.badQuote(let column)):
            return .malformed(line: number, diagnostics: [Diagnostic(
                code: "usage.csv_bad_quote", message: "a stray or unclosed `\"` in column \(column)",
                hint: "quote a whole cell and double any `\"` inside it: `\"say \"\"hi\"\"\"`", location: location)], eventID: nil)
        case .success(let c):
            guard c.count == csv.names.count else {
                return .malformed(line: number, diagnostics: [Diagnostic(
                    code: "usage.csv_column_count",
                    message: "the row has \(c.count) \(c.count == 1 ? "column" : "columns"), the header \(csv.names.count)",
                    hint: "quote cells that contain a comma", location: location)], eventID: nil)
            }
            var pairs: [(String, String)] = []
            pairs.reserveCapacity(c.count)
            splitter.buffer.withUnsafeBufferPointer { b in
                let row = UnsafeBufferPointer(rebasing: b[range])
                for (k, cell) in c.enumerated() where csv.columns[k] != nil {
                    pairs.append((csv.names[k], UsageCSV.text(of: cell, in: row)))
                }
            }
            let (event, diags) = UsageEvent.parse(csvFields: pairs, location: location)
            if let event { return .event(event, line: number) }
            let id = pairs.first { $0.0.lowercased() == "id" }?.1
            return .malformed(line: number, diagnostics: diags.filter { $0.severity == .error }, eventID: id?.isEmpty == false ? id : nil)
        }
    }
}

extension String {
    /// `line 1, column 5` -> `column 5` (a JSON parse of one line always says line 1).
    fileprivate func replacingFirstLine() -> String {
        hasPrefix("line 1, ") ? String(dropFirst(8)) : self
    }
}
