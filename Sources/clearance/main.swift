import ArgumentParser
import ClearanceCLI

// Parse and run explicitly: in top-level code `await ClearanceCommand.main()` resolves to the
// synchronous `main()`, which (in debug builds) stops with "needs availability annotation".
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
