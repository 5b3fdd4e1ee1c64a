import ArgumentParser
import ClearanceCLI

// The async entry point, spelled out: a plain `await ClearanceCommand.main()` resolves to the
// synchronous overload, which refuses an async root command at run time in debug builds.
do {
    var command = try ClearanceCommand.parseAsRoot()
    if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    ClearanceCommand.exit(withError: error)
}
