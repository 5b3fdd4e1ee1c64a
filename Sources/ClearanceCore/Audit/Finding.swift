/// One thing an audit found: a use no agreement covered, a duty not met, or a line it could not read.
///
/// Every field a report shows is here as text, so the renderers stay simple and a finding
/// round-trips through JSON (the CLI spools findings to disk while it streams).
public struct Finding: Sendable, Equatable {
    /// What kind of problem: a stable code scripts can match on.
    public enum Code: String, Sendable, CaseIterable, Comparable {
        case unlicensedUse = "unlicensed_use"
        case agreementExpired = "agreement_expired"
        case agreementNotStarted = "agreement_not_started"
        case notPriorSubscription = "not_prior_subscription"
        case assetNotGranted = "asset_not_granted"
        case actionNotGranted = "action_not_granted"
        case extentNotGranted = "extent_not_granted"
        case channelNotGranted = "channel_not_granted"
        case territoryNotGranted = "territory_not_granted"
        case embargoBreach = "embargo_breach"
        case restrictedUse = "restricted_use"
        case quotaExceeded = "quota_exceeded"
        case missingAttribution = "missing_attribution"
        case missingLink = "missing_link"
        case noPolicy = "no_policy"
        case malformedEvent = "malformed_event"

        /// The severity this code always has (see the README's table).
        ///
        /// Every use no agreement covered is an `error`; so is a missing or wrong credit line
        /// (the notice's condition of use; a wrong credit misattributes the work) and a line that
        /// could not be audited at all (fail closed). A missing link back is a `warning`.
        public var severity: Severity {
            switch self {
            case .missingLink: .warning
            default: .error
            }
        }

        /// Whether the finding is about a duty (the use itself was licensed).
        public var isDuty: Bool { self == .missingAttribution || self == .missingLink }

        public static func < (a: Code, b: Code) -> Bool { a.rawValue < b.rawValue }
    }

    /// How bad: `error` (a use no agreement covered, a wrong credit, an unreadable line) or `warning`.
    public enum Severity: String, Sendable, CaseIterable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var code: Code
    public var severity: Severity
    /// One sentence saying what is wrong, lowercase, with values in backticks.
    public var message: String
    /// The log file (`-` for standard input, `ledger` for stored events) and 1-based line.
    public var file: String
    public var line: Int
    /// The event's `id`, when it could be read.
    public var event: String?
    public var url: String?
    /// The event's time (ISO 8601, as written in the log).
    public var at: String?
    public var subscriber: String?
    public var source: String?
    public var asset: String?
    /// The agreement that applies (or the nearest one), if any.
    public var agreement: String?
    /// Which clause: `notice`, `grants[0].channels`, `restrictions[1]`, `term`...
    public var clause: String?
    /// The words that apply: the notice sentence or the contract clause, quoted.
    public var quote: String?
    /// What would fix it: extend the agreement, or take the use down.
    public var remedy: String?
    /// For a duty: what was required and what the evidence showed.
    public var expected: String?
    public var found: String?

    public init(
        code: Code, severity: Severity? = nil, message: String, file: String, line: Int,
        event: String? = nil, url: String? = nil, at: String? = nil, subscriber: String? = nil,
        source: String? = nil, asset: String? = nil, agreement: String? = nil, clause: String? = nil,
        quote: String? = nil, remedy: String? = nil, expected: String? = nil, found: String? = nil
    ) {
        self.code = code
        self.severity = severity ?? code.severity
        self.message = message
        self.file = file
        self.line = line
        self.event = event
        self.url = url
        self.at = at
        self.subscriber = subscriber
        self.source = source
        self.asset = asset
        self.agreement = agreement
        self.clause = clause
        self.quote = quote
        self.remedy = remedy
        self.expected = expected
        self.found = found
    }

    /// The report columns, in the order the JSON, CSV and HTML reports use.
    public static let columns = [
        "code", "severity", "event", "file", "line", "at", "subscriber", "source", "asset", "url",
        "agreement", "clause", "quote", "expected", "found", "message", "remedy",
    ]

    /// The value of a report column (nil when absent).
    public func value(of column: String) -> String? {
        switch column {
        case "code": code.rawValue
        case "severity": severity.rawValue
        case "event": event
        case "file": file
        case "line": String(line)
        case "at": at
        case "subscriber": subscriber
        case "source": source
        case "asset": asset
        case "url": url
        case "agreement": agreement
        case "clause": clause
        case "quote": quote
        case "expected": expected
        case "found": found
        case "message": message
        case "remedy": remedy
        default: nil
        }
    }

    /// The finding as one compact JSON object (the `jsonl` line and the `json` array element).
    public func jsonText() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads a finding back from its JSON object (as written by ``jsonText()``).
    public init(json: JSONValue) throws(Diagnostic) {
        guard case .object(let o) = json else {
            throw Diagnostic(code: "finding.not_object", message: "a finding must be a JSON object")
        }
        func s(_ k: String) -> String? { o[k]?.stringValue }
        guard let codeText = s("code"), let code = Code(rawValue: codeText) else {
            throw Diagnostic(code: "finding.bad_code", message: "unknown finding code `\(s("code") ?? "")`")
        }
        let sev = s("severity").flatMap(Severity.init(rawValue:))
        self.init(
            code: code, severity: sev, message: s("message") ?? "", file: s("file") ?? "",
            line: o["line"]?.intValue ?? 0, event: s("event"), url: s("url"), at: s("at"),
            subscriber: s("subscriber"), source: s("source"), asset: s("asset"), agreement: s("agreement"),
            clause: s("clause"), quote: s("quote"), remedy: s("remedy"), expected: s("expected"), found: s("found"))
    }
}
