import ArgumentParser
import ClearanceCore
import Foundation

/// The process exit statuses every `clearance` command uses (sysexits-style, documented in the README).
public enum ExitStatus: Int32, Sendable {
    /// Success; for `check`, a permit.
    case ok = 0
    /// `check`: a deny. `audit --fail-on`: findings of that severity exist.
    case deny = 1
    /// `odrl evaluate`: no rule applies to the request.
    case notApplicable = 2
    /// A bad flag, argument or value on the command line.
    case usage = 64
    /// Malformed input data (not JSON, wrong type, bad date, bad CSV row...).
    case dataError = 65
    /// An input file does not exist or cannot be opened.
    case noInput = 66
    /// A bug in Clearance.
    case software = 70
    /// Reading or writing failed (disk full, broken pipe...).
    case ioError = 74
    /// The database stayed busy past the timeout; retrying may work.
    case tempFail = 75
    /// A policy or configuration is invalid (fails validation, unknown source...).
    case config = 78

    /// The status for a diagnostic: 66 for an input that is missing or cannot be opened
    /// (`input.not_found`, `input.is_directory`, `input.unreadable`, as `InputFile` documents),
    /// else by its category.
    public init(diagnostic d: Diagnostic) {
        switch d.code {
        case "input.not_found", "input.is_directory", "input.unreadable": self = .noInput
        default: self.init(d.category)
        }
    }

    /// The status for a diagnostic's category.
    public init(_ category: Diagnostic.Category) {
        switch category {
        case .malformedInput: self = .dataError
        case .invalidPolicy: self = .config
        case .invalidValue: self = .dataError
        case .io: self = .ioError
        case .internalError: self = .software
        }
    }
}

/// Writes text to standard error (diagnostics and progress never go to standard output).
public func printError(_ text: String) {
    var t = text
    if !t.hasSuffix("\n") { t += "\n" }
    FileHandle.standardError.write(Data(t.utf8))
}

/// Prints diagnostics to standard error as `error[code] at where: message` plus an indented hint.
public func report(_ diagnostics: [Diagnostic], file: String? = nil) {
    for d in diagnostics {
        var line = "\(d.severity.rawValue)[\(d.code)]"
        switch (file, d.location) {
        case let (f?, l?): line += " \(f): \(l)"
        case let (f?, nil): line += " \(f)"
        case let (nil, l?): line += " at \(l)"
        default: break
        }
        line += ": \(d.message)"
        if let h = d.hint { line += "\n  hint: \(h)" }
        printError(line)
    }
}

/// Reports the diagnostics and returns the error that ends the command with the right exit status.
///
/// Use as `throw fail(diagnostics)`; the status defaults to the first error's category.
public func fail(_ diagnostics: [Diagnostic], file: String? = nil, status: ExitStatus? = nil) -> ExitCode {
    report(diagnostics, file: file)
    let s = status ?? diagnostics.first(where: { $0.severity == .error }).map(ExitStatus.init(diagnostic:)) ?? .software
    return ExitCode(s.rawValue)
}

/// Same as ``fail(_:file:status:)`` for a single diagnostic.
public func fail(_ diagnostic: Diagnostic, file: String? = nil, status: ExitStatus? = nil) -> ExitCode {
    fail([diagnostic], file: file, status: status)
}
