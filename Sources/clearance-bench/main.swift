let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "notice": NoticeBench.run(Array(args.dropFirst()))
default: print("clearance-bench: benchmarks: notice CORPUS.json [PAGE.txt]")
}
