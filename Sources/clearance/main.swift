import ClearanceCLI

await ClearanceCommand.runAsMain()
