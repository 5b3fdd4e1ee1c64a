import ArgumentParser
import ClearanceCore

/// `clearance odrl …`: the ODRL 2.2 engine on its own (conformance fixtures, policy experiments).
public struct OdrlCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "odrl",
        abstract: "Run the ODRL 2.2 engine directly.",
        subcommands: [OdrlEvaluateCommand.self]
    )
    public init() {}
}

/// Output formats shared by the ODRL and policy commands.
public enum OutputFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text, json
}

/// `clearance odrl evaluate FIXTURE.json`: evaluates one case in the conformance fixture format.
public struct OdrlEvaluateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate one conformance-fixture case (policies, request, context, state).",
        discussion: """
        Prints {"decision": …, "reason": …, "rules": [{"rule", "kind", "match", "activation", …}]}.
        Exit status: 0 permit, 1 deny, 2 not_applicable, 65 malformed file, 66 no such file, 78 invalid policy.
        """
    )

    @Argument(help: "The fixture file (`-` for standard input).")
    var fixture: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .json

    @Option(name: .customLong("pending-duties"),
            help: "How a duty with no recorded state counts: block (ODRL 2.2, default) or allow (permit with duties).")
    var pendingDuties: String = "block"

    public init() {}

    public func run() throws {
        guard let pending = ODRLEvaluationOptions.PendingDuties(rawValue: pendingDuties) else {
            throw fail(Diagnostic(code: "usage.invalid_option", message: "`--pending-duties` must be block or allow, not `\(pendingDuties)`"),
                       status: .usage)
        }
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(fixture) } catch { throw fail(error, file: fixture, status: Self.inputStatus(error)) }
        let f: ODRLFixture
        do { f = try ODRLFixture.read(bytes) } catch {
            throw fail(error.diagnostics, file: fixture, status: Self.dataStatus(error.diagnostics))
        }
        guard f.request != nil else {
            throw fail(Diagnostic(code: "fixture.no_request", message: "the fixture has no request to evaluate (a parse-only fixture)",
                                  hint: "use `clearance policy validate` to check its policies", location: "$.request"),
                       file: fixture, status: .dataError)
        }
        let decision: ODRLDecision
        do {
            guard let d = try f.evaluate(options: ODRLEvaluationOptions(pendingDuties: pending)) else { throw ExitCode(ExitStatus.software.rawValue) }
            decision = d
        } catch let e as DiagnosticError {
            throw fail(e.diagnostics, file: fixture, status: .config)
        }
        switch format {
        case .json: print(decision.json.serialized(pretty: true))
        case .text: print(decision.text)
        }
        switch decision.outcome {
        case .permit: return
        case .deny: throw ExitCode(ExitStatus.deny.rawValue)
        case .notApplicable: throw ExitCode(ExitStatus.notApplicable.rawValue)
        }
    }

    /// 66 for a missing or unreadable file, 65 for one that is too large, 74 for other I/O errors.
    static func inputStatus(_ d: Diagnostic) -> ExitStatus {
        switch d.code {
        case "input.not_found", "input.unreadable", "input.is_directory": .noInput
        case "input.too_large": .dataError
        default: ExitStatus(d.category)
        }
    }

    /// 65 when the file is not well-formed (JSON syntax, wrong types, bad values), else 78 (an invalid policy).
    static func dataStatus(_ ds: [Diagnostic]) -> ExitStatus {
        ds.contains { $0.code.hasPrefix("json.") || $0.code.hasPrefix("fixture.") } ? .dataError : .config
    }
}
