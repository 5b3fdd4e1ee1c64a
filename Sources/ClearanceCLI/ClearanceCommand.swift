import ArgumentParser
import ClearanceCore

/// The root `clearance` command: a thin shell over the library targets.
public struct ClearanceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "clearance",
        abstract: "Rights-and-licensing compliance checker for news content.",
        version: "0.1.0",
        subcommands: [
            // Each command registers itself here, one line each.
            NoticeCommand.self,
            OdrlCommand.self,
            PolicyCommand.self,
            CheckCommand.self,
            DemoCommand.self,
            AuditCommand.self,
            UsageCommand.self,
            ContractCommand.self,
            SubscriberCommand.self,
            LogCommand.self,
            VerifyCommand.self,
            BackupCommand.self, RestoreCommand.self,
        ]
    )
    public init() {}
}
