import ArgumentParser

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
            exit(withError: error)
        }
    }
}
