/// A problem found in input, with a stable code, a message, a hint and where it was found.
///
/// Codes are stable identifiers (`odrl.unknown_action`, `json.syntax`, ...): scripts and tests
/// match on them, so never rename one once it has shipped. Messages are lowercase, with the
/// user's own input in backticks; the hint says what to do about it.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// How bad a diagnostic is: an `error` makes the input unusable, a `warning` does not.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning, note
    }

    /// Broad class of a diagnostic, used by the CLI to choose an exit status.
    public enum Category: String, Sendable, Hashable, Codable {
        /// The input is not well formed (not JSON, wrong type, bad date...).
        case malformedInput
        /// The input is well formed but names something unknown or contradictory (a policy problem).
        case invalidPolicy
        /// A request or record refers to something that does not exist or is not allowed.
        case invalidValue
        /// A file or stream could not be read or written.
        case io
        /// A bug or an unexpected state inside Clearance.
        case internalError
    }

    public var code: String
    public var message: String
    public var hint: String?
    /// Where: a JSON path (`$.permission[0].action`), `line 12`, `file.json:12:4`...
    public var location: String?
    public var severity: Severity
    public var category: Category

    public init(
        code: String, message: String, hint: String? = nil, location: String? = nil,
        severity: Severity = .error, category: Category = .malformedInput
    ) {
        self.code = code
        self.message = message
        self.hint = hint
        self.location = location
        self.severity = severity
        self.category = category
    }

    /// One line for a terminal: `error[code] at location: message`.
    public var description: String {
        var s = "\(severity.rawValue)[\(code)]"
        if let location { s += " at \(location)" }
        s += ": \(message)"
        return s
    }
}

/// A failure that carries one or more diagnostics (every problem found, not only the first).
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
