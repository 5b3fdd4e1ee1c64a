import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// Long mode: `CLEARANCE_LONG=1 swift test --filter ClearanceHardeningTests` (the figures in the README).
let longMode = ProcessInfo.processInfo.environment["CLEARANCE_LONG"] == "1"

/// Crash safety (issue 6.3): `contract import` and `usage import` of large files are killed with
/// SIGKILL at random points, many times; after each kill the database passes
/// `PRAGMA integrity_check`, every batch is wholly present or wholly absent, and both hash
/// chains are intact with no gap. Short mode in CI; `CLEARANCE_LONG=1` for the long run.
@Suite("crash safety: SIGKILL during imports", .serialized)
struct CrashSafetyTests {
    /// One agreement of batch `b`, number `i` (ids `B<b>-<i>`).
    static func agreement(_ b: Int, _ i: Int) -> String {
        """
        {"id": "B\(b)-\(i)", "kind": "contract", "source": "ilkha", "subscriber": {"id": "sub-\(b)-\(i % 50)", "name": "Subscriber \(i % 50)"},
         "signedAt": "2025-12-20", "term": {"start": "2026-01-01", "end": "2026-12-31"},
         "grants": [{"assets": ["text", "photo"], "actions": ["use"], "extent": ["whole", "partial"], "channels": ["web", "print"],
                     "territories": ["TR", "IQ"], "excludeTerritories": [], "quota": {"count": 300, "per": "month"},
                     "embargo": "PT1H", "duties": [{"action": "attribute", "text": "İLKHA"}]}],
         "restrictions": [{"channels": ["social"], "note": "no social media"}]}
        """
    }

    /// One usage event of batch `b`, number `i` (ids `U<b>-<i>`).
    static func use(_ b: Int, _ i: Int) -> String {
        #"{"id": "U\#(b)-\#(i)", "subscriber": "alsharq", "source": "ilkha", "asset": {"id": "ilkha-\#(i)", "kind": "text", "publishedAt": "2026-03-01T08:00:00Z"}, "use": {"action": "reproduce", "extent": "whole"}, "channel": "web", "territory": "IQ", "at": "2026-03-0\#(1 + i % 9)T10:00:00Z", "url": "https://example.com/\#(b)/\#(i)", "attribution": "İLKHA", "link": true}"#
    }

    /// Runs `sql` with the sqlite3 shell and returns its output, trimmed.
    static func query(_ db: String, _ sql: String) throws -> String {
        try SQLiteShell.run(db, sql).1.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts `clearance ARGS`, kills it with SIGKILL after `delay` seconds unless it ended; true if it was killed.
    static func runAndKill(_ args: [String], after delay: Double) throws -> (killed: Bool, status: Int32) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(delay)
        while p.isRunning && Date() < deadline { usleep(2_000) }
        var killed = false
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            killed = true
        }
        p.waitUntilExit()
        return (killed && p.terminationReason == .uncaughtSignal, p.terminationStatus)
    }

    /// After a kill: integrity ok, both chains intact (no gap), and each batch all or nothing.
    static func checkInvariants(_ db: String, batches: [(table: String, column: String, prefix: String, size: Int)]) throws -> [Int] {
        #expect(try query(db, "PRAGMA integrity_check;") == "ok")
        let store = try Store.open(path: db, busyTimeout: 30)
        let chains = try store.verifyChains()
        #expect(chains.ok, "\(chains.tables.compactMap(\.problem))")
        try store.close()
        var counts: [Int] = []
        for b in batches {
            let n = Int(try query(db, "SELECT COUNT(*) FROM \(b.table) WHERE \(b.column) LIKE '\(b.prefix)%';")) ?? -1
            #expect(n == 0 || n == b.size, "batch \(b.prefix) is partly present: \(n) of \(b.size) rows")
            counts.append(n)
        }
        return counts
    }

    @Test("contract import and usage import survive SIGKILL at random points: integrity ok, batches all or nothing, chains without gaps")
    func killLoop() throws {
        guard SQLiteShell.available else {
            Issue.record("the sqlite3 shell is not installed (apt-get install sqlite3)")
            return
        }
        let kills = longMode ? 200 : 9
        let agreementsPerBatch = longMode ? 2000 : 300
        let usesPerBatch = longMode ? 20000 : 1500
        let batches = longMode ? 8 : 3
        let dir = TempDir("crash")
        let db = dir.file("c.sqlite")
        try FileManager.default.createDirectory(atPath: dir.file("Policies"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.root.appendingPathComponent("Policies/ilkha.json").path, toPath: dir.file("Policies/ilkha.json"))
        // The agreement the usage events fall under, so import decides and records each event.
        let seed = dir.write("seed.json", Array("[\(Self.agreement(0, 0).replacingOccurrences(of: "\"B0-0\"", with: "\"C-base\"").replacingOccurrences(of: "sub-0-0", with: "alsharq"))]".utf8))
        let first = try CLI.run(["contract", "import", seed, "--db", db, "--policies", dir.file("Policies")])
        try #require(first.status == 0, "\(first)")
        typealias Batch = (args: [String], table: String, column: String, prefix: String, size: Int)
        // Contract imports are not idempotent (a second import of an id is refused), so every
        // contract run gets a fresh batch of ids; usage imports are, so their files are reused.
        func contractBatch(_ b: Int) -> Batch {
            let a = dir.write("agreements-\(b).json", Array(("[" + (0..<agreementsPerBatch).map { Self.agreement(b, $0) }.joined(separator: ",\n") + "]").utf8))
            return (["contract", "import", a, "--db", db, "--policies", dir.file("Policies")], "agreement", "id", "B\(b)-", agreementsPerBatch)
        }
        var usageBatches: [Batch] = []
        if CLI.hasUsageImport {
            for b in 1...batches {
                let u = dir.write("usage-\(b).jsonl", Array(((0..<usesPerBatch).map { Self.use(b, $0) }.joined(separator: "\n") + "\n").utf8))
                usageBatches.append((["usage", "import", u, "--db", db, "--policies", dir.file("Policies")], "usage_ledger", "event_id", "U\(b)-", usesPerBatch))
            }
        }
        var all: [Batch] = []
        // A check batch that logs every decision: killed mid-way, the log must keep a gap-free chain.
        let requests = dir.write("requests.jsonl", Array(((0..<(longMode ? 20000 : 2000)).map { i in
            #"{"id": "k\#(i)", "subscriber": "alsharq", "source": "ilkha", "asset": {"id": "a\#(i)", "kind": "text"}, "channel": "web", "territory": "IQ", "at": "2026-03-02T10:00:00Z"}"#
        }.joined(separator: "\n") + "\n").utf8))
        var checkRuns = 0
        // How long an uninterrupted import takes, to spread the kills over it.
        let timed = usageBatches.first ?? contractBatch(1)
        let t0 = Date()
        let timing = try CLI.run(timed.args)
        let importSeconds = Date().timeIntervalSince(t0)
        try #require(timing.status == 0, "\(timed.args[0]) import: \(timing)")
        all.append(timed)
        var rng = SystemRandomNumberGenerator()
        var killed = 0, completed = 0
        for k in 0..<kills {
            if k % 3 == 2 {
                // Decisions are flushed every 1000 lines: kill somewhere across several flushes.
                let delay = Double.random(in: 0.3...(longMode ? 15 : 3), using: &rng)
                let r = try Self.runAndKill(["check", "--batch", requests, "--db", db, "--policies", dir.file("Policies"), "--format", "json"], after: delay)
                if r.killed { killed += 1 } else { completed += 1 }
                checkRuns += 1
                _ = try Self.checkInvariants(db, batches: all.map { ($0.table, $0.column, $0.prefix, $0.size) })
                continue
            }
            let useUsage = !usageBatches.isEmpty && k % 2 == 1
            let f = useUsage ? usageBatches[(k / 2) % usageBatches.count] : contractBatch(10 + k)
            if !all.contains(where: { $0.prefix == f.prefix }) { all.append(f) }
            let delay = Double.random(in: 0.02...max(0.05, importSeconds * 1.1), using: &rng)
            let r = try Self.runAndKill(f.args, after: delay)
            if r.killed { killed += 1 } else {
                #expect(r.status == 0, "\(f.args[0]) \(f.args[1]) ended with \(r.status)")
                completed += 1
            }
            _ = try Self.checkInvariants(db, batches: all.map { ($0.table, $0.column, $0.prefix, $0.size) })
        }
        // Finish every interrupted batch: re-running it completes it.
        let before = try Self.checkInvariants(db, batches: all.map { ($0.table, $0.column, $0.prefix, $0.size) })
        for (f, n) in zip(all, before) where n == 0 {
            let r = try CLI.run(f.args)
            #expect(r.status == 0, "\(r)")
        }
        let counts = try Self.checkInvariants(db, batches: all.map { ($0.table, $0.column, $0.prefix, $0.size) })
        #expect(counts == all.map(\.size), "every batch present once at the end")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify)")
        let logged = Int(try Self.query(db, "SELECT COUNT(*) FROM decision_log;")) ?? -1
        print("crash safety: \(kills) runs (\(checkRuns) logging check batches, \(logged) decisions logged, chain gap-free), \(killed) killed mid-import, \(completed) completed; integrity ok and no half batch after every kill; \(CLI.hasUsageImport ? "" : "(no `usage import` in this build: contract import only) ")uninterrupted \(timed.args[0]) import of \(timed.size) rows took \(String(format: "%.2f", importSeconds)) s; \(all.count) batches, writes lost: 0")
        #expect(killed >= kills / 3, "too few runs were actually interrupted (\(killed) of \(kills)) for the test to mean anything")
    }
}
