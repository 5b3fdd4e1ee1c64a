import ClearanceCore

/// The fuzz targets: one function per input reader, each fed arbitrary bytes.
///
/// Every target must return normally for any input (a rejected input is fine; a trap, an
/// out-of-bounds access or an infinite loop is a bug) and checks the invariants its reader
/// promises (a parsed document re-serialises to the same value, every diagnostic has a code
/// and a message). `clearance-fuzz` drives them under libFuzzer; the regression tests replay
/// `fuzz/corpus/<target>/` and `fuzz/crashes/<target>/` through the same functions.
public enum FuzzTargets {
    /// A fuzz target: takes the input bytes, traps (via ``FuzzTargets/violated(_:)``) on a broken invariant.
    public typealias Target = @Sendable ([UInt8]) -> Void

    /// Every target by name (the name is also its corpus folder under `fuzz/corpus/`).
    public static var all: [String: Target] {
        var t: [String: Target] = [
            "json": json,
            "request": request,
            "agreement": agreement,
            "usage-jsonl": usageJSONL,
            "usage-csv": usageCSV,
            "iso8601": iso8601,
        ]
        for (name, target) in extraTargets { t[name] = target }
        return t
    }

    /// Targets added by other files of this module (notice reader, policy reader, log scanner).
    static var extraTargets: [(String, Target)] { readerTargets + usageLogTargets }

    /// Names of all targets, sorted.
    public static var names: [String] { all.keys.sorted() }

    /// The fixed "now" handed to readers that need one (the core never reads the clock).
    static let now = Instant(year: 2026, month: 11, day: 29, hour: 12)

    /// Reports a broken invariant: a crash libFuzzer records, with the reason on stderr.
    public static func violated(_ what: String) -> Never {
        fatalError("fuzz invariant violated: \(what)")
    }

    /// Checks that diagnostics are usable: a dotted code and a non-empty message.
    static func checkDiagnostics(_ ds: [Diagnostic], _ target: String) {
        for d in ds {
            if d.code.isEmpty || d.message.isEmpty { violated("\(target): empty diagnostic code or message: \(d)") }
        }
    }

    // MARK: - Targets

    /// The strict JSON parser: parse, and if accepted, serialise and parse again to the same value.
    @Sendable public static func json(_ bytes: [UInt8]) {
        let v: JSONValue
        do { v = try JSONParser.parse(bytes) } catch {
            checkDiagnostics([error], "json")
            return
        }
        for pretty in [false, true] {
            let text = v.serialized(pretty: pretty, sortedKeys: false)
            do {
                let again = try JSONParser.parse(text)
                if again != v { violated("json: re-parse of serialised value differs: \(text.prefix(200))") }
            } catch {
                violated("json: serialised value does not parse: \(error) in \(text.prefix(200))")
            }
        }
    }

    /// Parses bytes as JSON, or returns nil (diagnostics checked).
    static func parseJSON(_ bytes: [UInt8], _ target: String) -> JSONValue? {
        do { return try JSONParser.parse(bytes) } catch {
            checkDiagnostics([error], target)
            return nil
        }
    }

    /// A republication request (DESIGN.md's request object), as `check` reads it.
    @Sendable public static func request(_ bytes: [UInt8]) {
        guard let v = parseJSON(bytes, "request") else { return }
        let (req, ds) = RepublicationRequest.parse(v, now: now)
        checkDiagnostics(ds, "request")
        if req == nil && !ds.contains(where: { $0.severity == .error }) {
            violated("request: rejected without an error diagnostic")
        }
    }

    /// An agreement array (`contract import`) or a single agreement (`contract add`).
    @Sendable public static func agreement(_ bytes: [UInt8]) {
        guard let v = parseJSON(bytes, "agreement") else { return }
        if case .array = v {
            let (list, ds) = Agreement.parseList(v)
            checkDiagnostics(ds, "agreement")
            for a in list { roundTripODRL(a) }
        } else {
            for missing in [MissingDimensions.reject, .widest] {
                let (a, ds) = Agreement.parse(v, missing: missing)
                checkDiagnostics(ds, "agreement")
                if let a { roundTripODRL(a) }
            }
        }
    }

    /// An accepted agreement compiles to an ODRL policy that serialises to parseable JSON.
    static func roundTripODRL(_ a: Agreement) {
        let text = a.odrlPolicy().serialized(pretty: false, sortedKeys: true)
        do { _ = try JSONParser.parse(text) } catch { violated("agreement: ODRL form does not parse: \(error)") }
    }

    /// A usage log in JSON Lines: every line parsed on its own, as `usage import` / `audit` do.
    @Sendable public static func usageJSONL(_ bytes: [UInt8]) {
        var line = 0
        for slice in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            line += 1
            guard let v = parseJSON(Array(slice), "usage-jsonl") else { continue }
            let (_, ds) = UsageEvent.parse(v, at: "line \(line)")
            checkDiagnostics(ds, "usage-jsonl")
        }
    }

    /// A usage log in CSV: first line is the header, later lines are rows (naive split, no quoting:
    /// this exercises the field-level parser the CSV reader calls).
    @Sendable public static func usageCSV(_ bytes: [UInt8]) {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        guard let header = lines.first else { return }
        let names = header.split(separator: 0x2C, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        for (n, row) in lines.dropFirst().enumerated() {
            let cells = row.split(separator: 0x2C, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            let fields = Array(zip(names, cells))
            let (_, ds) = UsageEvent.parse(csvFields: fields, location: "line \(n + 2)")
            checkDiagnostics(ds, "usage-csv")
        }
    }

    /// ISO 8601 dates, date-times and durations, and the arithmetic done with them.
    @Sendable public static func iso8601(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if case .success(let p) = ISO8601.parseDateTime(text) {
            let back = p.instant.description
            guard case .success(let q) = ISO8601.parseDateTime(back) else { violated("iso8601: `\(back)` does not re-parse") }
            if q.instant != p.instant { violated("iso8601: `\(text)` -> `\(back)` changes the instant") }
        }
        if case .success(let d) = ISO8601.parseDuration(text) {
            _ = d.added(to: now)
            _ = d.description
        }
    }
}
