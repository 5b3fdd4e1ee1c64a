import ClearanceCLI

await ClearanceCommand.main()
