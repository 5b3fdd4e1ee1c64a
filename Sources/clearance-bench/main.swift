#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `clearance-bench`: the benchmark suite's executable (see `bench/run.sh` for the one-command run).
///
///     clearance-bench generate  --subscribers N [--agreements A|random] --requests M --seed S --out DIR
///         (default: three agreements per subscriber, issue 4's ratio: 30,000 at 10,000 subscribers;
///         `--agreements random`: one to three each at random, the default before session 7)
///     clearance-bench inprocess --dir DIR [--policies DIR] [--repeat K] [--out FILE] [--memo off]
///     clearance-bench endtoend  --dir DIR --clearance PATH [--policies DIR] [--runs K] [--out FILE]
///     clearance-bench compare   --dir DIR --clearance-decisions FILE --cedar-decisions FILE
///     clearance-bench report    --results DIR --out FILE [--readme FILE]
let usage = """
usage: clearance-bench generate  --subscribers N [--agreements A|random] --requests M --seed S --out DIR
                                   (default 3 agreements per subscriber; random: 1-3 each at random)
       clearance-bench inprocess --dir DIR [--policies DIR] [--out FILE] [--memo off]
       clearance-bench io        --dir DIR [--policies DIR] [--limit N] [--out FILE]
       clearance-bench endtoend  --dir DIR --clearance PATH [--policies DIR] [--runs K] [--out FILE]
       clearance-bench compare   --dir DIR --clearance-decisions FILE --cedar-decisions FILE [--out FILE]
       clearance-bench report    --results DIR --out FILE [--readme FILE] [--command TEXT]
       clearance-bench store gen N SUBSCRIBERS FILE | import FILE DB POLICIES | lookup DB SUBSCRIBERS [N]
       clearance-bench notice CORPUS.json [PAGE.txt]
       clearance-bench audit ARGS… | usage-import ARGS…   (the `clearance` command's arguments, in-process)
"""

/// Flags as `--name value` pairs; every flag needs a value.
struct Flags {
    var values: [String: String] = [:]

    init(_ args: ArraySlice<String>) throws(BenchError) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { throw BenchError("unexpected argument `\(a)`\n\(usage)") }
            guard let v = it.next() else { throw BenchError("flag `\(a)` needs a value") }
            values[String(a.dropFirst(2))] = v
        }
    }

    func string(_ name: String, default d: String? = nil) throws(BenchError) -> String {
        if let v = values[name] ?? d { return v }
        throw BenchError("missing flag `--\(name)`\n\(usage)")
    }

    func int(_ name: String, default d: Int) throws(BenchError) -> Int {
        guard let s = values[name] else { return d }
        guard let n = Int(s.filter { $0 != "_" }), n >= 0 else { throw BenchError("`--\(name)` must be a whole number, not `\(s)`") }
        return n
    }
}

func runMain() -> Int32 {
    let args = CommandLine.arguments
    guard args.count >= 2 else { print(usage); return 64 }
    if args[1] == "store" {
        // Store benchmarks (gen | import | lookup): positional arguments, see StoreBench.
        StoreBench.run(Array(args.dropFirst(2)))
        return 0
    }
    if args[1] == "audit" || args[1] == "usage-import" {
        // `clearance audit` / `clearance usage import` in-process (see AuditBench).
        return AuditBench.run(args[1], Array(args.dropFirst(2)))
    }
    if args[1] == "notice" {
        // Notice reader: notices per second over a corpus, and a 10 MB page (see NoticeBench).
        NoticeBench.run(Array(args.dropFirst(2)))
        return 0
    }
    do {
        let flags = try Flags(args.dropFirst(2))
        switch args[1] {
        case "generate":
            var c = WorkloadConfig()
            c.subscribers = max(1, try flags.int("subscribers", default: c.subscribers))
            if let a = flags.values["agreements"] {
                guard let spread = AgreementSpread(flag: a) else {
                    throw BenchError("`--agreements` must be a whole number of agreements in all or `random` (one to three per subscriber at random), not `\(a)`")
                }
                c.agreements = spread
            }
            c.requests = try flags.int("requests", default: c.requests)
            c.seed = UInt64(try flags.int("seed", default: Int(c.seed)))
            let out = try flags.string("out")
            let t0 = Clock.now()
            var g = WorkloadGenerator(config: c)
            let w = g.generate()
            try WorkloadFiles.write(w, to: out)
            let permits = w.expected.filter { $0 == .permit }.count
            print("generated \(w.agreements.count) agreements for \(c.subscribers) subscribers, \(w.requests.count) requests "
                  + "(\(permits) permitted by the reference model) in \(Clock.format(Clock.now() - t0)) -> \(out)")
        case "inprocess":
            try InProcess.run(flags)
        case "io":
            try IOBench.run(flags)
        case "endtoend":
            try EndToEnd.run(flags)
        case "compare":
            try Compare.run(flags)
        case "report":
            try Report.run(flags)
        case "-h", "--help", "help":
            print(usage)
        default:
            throw BenchError("unknown command `\(args[1])`\n\(usage)")
        }
        return 0
    } catch {
        printError("clearance-bench: \(error)")
        return 1
    }
}

exit(runMain())
