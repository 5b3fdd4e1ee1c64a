import ArgumentParser
import ClearanceCore

extension ClearanceCommand {
    /// The process entry point: parses the arguments and runs the command, async or not.
    ///
    /// `await ClearanceCommand.main()` from top-level code resolves to ArgumentParser's synchronous
    /// `main()`, which refuses an async root command in debug builds; this avoids the overload.
    public static func runAsMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            // Flag and argument errors get the same `error[code]: message` + hint form as every
            // other error (ArgumentParser's own `Error: ...` carries no stable code).
            if code.rawValue == ExitStatus.usage.rawValue, !(error is ExitCode) {
                let full = fullMessage(for: error)
                let first = full.split(separator: "\n").first.map(String.init) ?? full
                var message = first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first
                if let c = message.first { message = c.lowercased() + message.dropFirst() }
                // ArgumentParser ends with "See 'clearance check --help' for more information."
                var hint = "see `clearance --help`"
                if let see = full.range(of: "See '"), let close = full[see.upperBound...].firstIndex(of: "'") {
                    hint = "see `\(full[see.upperBound..<close])`"
                }
                report([Diagnostic(code: "cli.bad_flag", message: message, hint: hint, category: .invalidValue)])
                exit(withError: ExitCode(ExitStatus.usage.rawValue))
            }
            exit(withError: error)
        }
    }
}
