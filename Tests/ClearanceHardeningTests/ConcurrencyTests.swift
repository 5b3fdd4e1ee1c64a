import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// Concurrency (issue 6.4): several `clearance` processes register agreements, check with
/// `--record` against a quota, and import usage, all at once against one database (WAL).
/// No process may fail with "database is locked" (exit 75), no write may be lost, and the
/// quota may never be exceeded. Short mode in CI; `CLEARANCE_LONG=1` for the long run.
@Suite("concurrency: many processes, one database", .serialized)
struct ConcurrencyTests {
    /// A request by the quota-limited subscriber, numbered `n` by checker `c`.
    static func request(_ c: Int, _ n: Int) -> String {
        #"{"id": "q-\#(c)-\#(n)", "subscriber": "quota-sub", "source": "ilkha", "asset": {"id": "ilkha-\#(c)-\#(n)", "kind": "text", "publishedAt": "2026-03-01T08:00:00Z"}, "use": {"action": "reproduce", "extent": "whole"}, "channel": "web", "territory": "IQ", "at": "2026-03-10T10:00:00Z"}"#
    }

    @Test("registering, checking with --record and importing at once: no lock failure, no lost write, quota held")
    func manyProcesses() async throws {
        guard SQLiteShell.available else {
            Issue.record("the sqlite3 shell is not installed (apt-get install sqlite3)")
            return
        }
        let checkers = longMode ? 6 : 3, checksEach = longMode ? 40 : 10
        let registrars = longMode ? 4 : 2, registrationsEach = longMode ? 25 : 6
        let importers = CLI.hasUsageImport ? (longMode ? 4 : 2) : 0, importsEach = longMode ? 10 : 3, eventsPerImport = longMode ? 500 : 100
        let quota = checkers * checksEach / 2
        let dir = TempDir("concurrency")
        let db = dir.file("c.sqlite")
        let policies = dir.file("Policies")
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.root.appendingPathComponent("Policies/ilkha.json").path, toPath: dir.file("Policies/ilkha.json"))
        // The quota agreement: `quota` uses of text on the web in IQ per month.
        let base = CrashSafetyTests.agreement(0, 0)
            .replacingOccurrences(of: "\"B0-0\"", with: "\"C-quota\"")
            .replacingOccurrences(of: "sub-0-0", with: "quota-sub")
            .replacingOccurrences(of: "\"count\": 300", with: "\"count\": \(quota)")
        let importsBase = CrashSafetyTests.agreement(0, 1).replacingOccurrences(of: "\"B0-1\"", with: "\"C-alsharq\"").replacingOccurrences(of: "sub-0-1", with: "alsharq")
        let seed = dir.write("seed.json", Array("[\(base),\(importsBase)]".utf8))
        let setup = try CLI.run(["contract", "import", seed, "--db", db, "--policies", policies])
        try #require(setup.status == 0, "\(setup)")
        for c in 0..<checkers {
            for n in 0..<checksEach { dir.write("req-\(c)-\(n).json", Array(Self.request(c, n).utf8)) }
        }
        for r in 0..<registrars {
            for n in 0..<registrationsEach {
                dir.write("reg-\(r)-\(n).json", Array("[\(CrashSafetyTests.agreement(100 + r, n))]".utf8))
            }
        }
        for i in 0..<importers {
            for n in 0..<importsEach {
                let lines = (0..<eventsPerImport).map { CrashSafetyTests.use(1000 + i * 100 + n, $0) }
                dir.write("use-\(i)-\(n).jsonl", Array((lines.joined(separator: "\n") + "\n").utf8))
            }
        }
        // Every job is one process; the workers start together and run their jobs back to back.
        var workers: [[[String]]] = []
        for c in 0..<checkers {
            workers.append((0..<checksEach).map { ["check", "--request", dir.file("req-\(c)-\($0).json"), "--db", db, "--policies", policies, "--record", "--format", "json"] })
        }
        for r in 0..<registrars {
            workers.append((0..<registrationsEach).map { ["contract", "import", dir.file("reg-\(r)-\($0).json"), "--db", db, "--policies", policies] })
        }
        for i in 0..<importers {
            workers.append((0..<importsEach).map { ["usage", "import", dir.file("use-\(i)-\($0).jsonl"), "--db", db, "--policies", policies] })
        }
        let started = Date()
        let results: [[CLI.Result]] = try await withThrowingTaskGroup(of: (Int, [CLI.Result]).self) { group in
            for (w, jobs) in workers.enumerated() {
                group.addTask {
                    var out: [CLI.Result] = []
                    for args in jobs { out.append(try CLI.run(args, env: ["CLEARANCE_BUSY_TIMEOUT": "120"])) }
                    return (w, out)
                }
            }
            var all = Array(repeating: [CLI.Result](), count: workers.count)
            for try await (w, r) in group { all[w] = r }
            return all
        }
        let seconds = Date().timeIntervalSince(started)
        let flat = results.flatMap { $0 }
        let locked = flat.filter { $0.status == 75 || $0.stderr.contains("locked") || $0.stderr.contains("store.busy") }
        #expect(locked.isEmpty, "\(locked.count) processes failed on a busy database: \(locked.first.map(\.description) ?? "")")
        #expect(flat.allSatisfy { !$0.signalled })
        let checks = results.prefix(checkers).flatMap { $0 }
        let permits = checks.filter { $0.status == 0 }.count
        let denies = checks.filter { $0.status == 1 }.count
        #expect(permits + denies == checks.count, "every check answered permit or deny: \(checks.first { $0.status > 1 }.map(\.description) ?? "")")
        #expect(permits == quota, "exactly the quota was permitted: \(permits) of \(quota)")
        for r in checks where r.status == 1 { #expect(r.stdout.contains("quota_exceeded"), "a deny other than the quota: \(r)") }
        let registrations = results.dropFirst(checkers).prefix(registrars).flatMap { $0 }
        #expect(registrations.allSatisfy { $0.status == 0 }, "\(registrations.first { $0.status != 0 }.map(\.description) ?? "")")
        let imports = results.dropFirst(checkers + registrars).flatMap { $0 }
        #expect(imports.allSatisfy { $0.status == 0 }, "\(imports.first { $0.status != 0 }.map(\.description) ?? "")")

        func count(_ sql: String) throws -> Int { Int(try CrashSafetyTests.query(db, sql)) ?? -1 }
        let decisions = try count("SELECT COUNT(*) FROM decision_log WHERE request_id LIKE 'q-%';")
        let recorded = try count("SELECT COUNT(*) FROM usage_ledger WHERE event_id LIKE 'q-%';")
        let agreements = try count("SELECT COUNT(*) FROM agreement WHERE id LIKE 'B1%';")
        let imported = try count("SELECT COUNT(*) FROM usage_ledger WHERE event_id LIKE 'U1%';")
        #expect(decisions == checkers * checksEach, "every check logged: \(decisions)")
        #expect(recorded == permits, "every permit recorded, no deny recorded: \(recorded) of \(permits)")
        #expect(recorded <= quota, "quota never exceeded")
        #expect(agreements == registrars * registrationsEach, "no registration lost: \(agreements)")
        #expect(imported == importers * importsEach * eventsPerImport, "no imported use lost: \(imported)")
        #expect(try CrashSafetyTests.query(db, "PRAGMA integrity_check;") == "ok")
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify)")
        print("concurrency: \(workers.count) processes at once, \(flat.count) commands in \(String(format: "%.1f", seconds)) s: \(checks.count) checks (\(permits) permits = quota \(quota), \(denies) quota denials), \(agreements) agreements registered, \(imported) uses imported; busy failures: \(locked.count), writes lost: \(checkers * checksEach - decisions + registrars * registrationsEach - agreements + importers * importsEach * eventsPerImport - imported)")
    }
}
