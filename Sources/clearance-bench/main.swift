// clearance-bench: performance measurements (never asserted in tests). First argument picks the suite.
let benchArgs = Array(CommandLine.arguments.dropFirst())
switch benchArgs.first {
case "store": StoreBench.run(Array(benchArgs.dropFirst()))
default: print("usage: clearance-bench store …")
}
