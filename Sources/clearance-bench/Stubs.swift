enum EndToEnd { static func run(_ f: Flags) throws(BenchError) { throw BenchError("not yet") } }
enum Compare { static func run(_ f: Flags) throws(BenchError) { throw BenchError("not yet") } }
enum Report { static func run(_ f: Flags) throws(BenchError) { throw BenchError("not yet") } }
