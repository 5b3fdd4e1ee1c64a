import ClearanceCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `clearance-bench audit …` / `clearance-bench usage-import …`: runs `clearance audit` / `clearance usage import`
/// in this process, with the very same arguments, and prints the wall time on standard error.
///
/// It exists so that the audit pipeline can be profiled under valgrind (which crashes on the
/// `clearance` executable's async entry point, see bench/PROFILE.md) and timed without process
/// start-up noise. Kept in its own file: the io engineer edits the rest of this target.
enum AuditBench {
    /// Runs the command named by `command` (`audit` or `usage-import`) with `args`; returns the exit status.
    static func run(_ command: String, _ args: [String]) -> Int32 {
        let t0 = Clock.now()
        var status: Int32 = 0
        do {
            if command == "audit" {
                let c = try AuditCommand.parse(args)
                try c.run()
            } else {
                let c = try UsageImportCommand.parse(args)
                try c.run()
            }
        } catch {
            status = command == "audit" ? AuditCommand.exitCode(for: error).rawValue
                : UsageImportCommand.exitCode(for: error).rawValue
            if status != 0 && status != 1 {
                printError("clearance-bench \(command): \(command == "audit" ? AuditCommand.fullMessage(for: error) : UsageImportCommand.fullMessage(for: error))")
            }
        }
        printError("\(command): \(Clock.format(Clock.now() - t0)) wall, exit \(status)")
        return status
    }
}
