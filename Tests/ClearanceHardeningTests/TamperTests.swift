import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// Tamper evidence (issue 6.5): someone with the `sqlite3` shell alters or deletes a row of the
/// decision log or usage ledger; `clearance verify` must name the first such row and exit 65.
@Suite("tamper evidence: clearance verify against the sqlite3 shell", .serialized)
struct TamperTests {
    /// A populated database (20 decisions, 15 uses) in a fresh folder.
    static func fixture() throws -> (TempDir, String) {
        let dir = TempDir("tamper")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 20, uses: 15)
        return (dir, db)
    }

    @Test("an intact database verifies: exit 0, both chains listed")
    func intact() throws {
        let (dir, db) = try Self.fixture()
        _ = dir
        let r = try CLI.run(["verify", "--db", db])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("decision_log: 20 rows"))
        #expect(r.stdout.contains("usage_ledger: 15 rows"))
        #expect(r.stdout.contains("ok: integrity check passed"))
    }

    /// One tampering: the SQL an attacker runs, and the code and row `verify` must report.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var sql: String
        var code: String
        var location: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a decision turned from deny to permit",
             sql: "DROP TRIGGER decision_log_no_update; UPDATE decision_log SET decision = 'permit' WHERE seq = 7;",
             code: "chain.bad_hash", location: "decision_log seq 7"),
        Case(name: "a decision's stored response edited",
             sql: "DROP TRIGGER decision_log_no_update; UPDATE decision_log SET response = json_set(response, '$.decision', 'permit') WHERE seq = 4;",
             code: "chain.bad_hash", location: "decision_log seq 4"),
        Case(name: "a decision deleted from the middle",
             sql: "DROP TRIGGER decision_log_no_delete; DELETE FROM decision_log WHERE seq = 11;",
             code: "chain.missing_row", location: "decision_log seq 11"),
        Case(name: "a decision deleted and the later ones renumbered",
             sql: "DROP TRIGGER decision_log_no_delete; DROP TRIGGER decision_log_no_update; DELETE FROM decision_log WHERE seq = 5; UPDATE decision_log SET seq = seq - 1 WHERE seq > 5;",
             code: "chain.broken_link", location: "decision_log seq 5"),
        Case(name: "a decision's hash recomputed by hand but not its successor's link",
             sql: "DROP TRIGGER decision_log_no_update; UPDATE decision_log SET decision = 'permit', row_hash = '\(String(repeating: "ab", count: 32))' WHERE seq = 9;",
             code: "chain.bad_hash", location: "decision_log seq 9"),
        Case(name: "a use's time moved back a month (quota evasion)",
             sql: "DROP TRIGGER usage_ledger_no_update; UPDATE usage_ledger SET at = '2026-10-01T00:00:00Z' WHERE seq = 3;",
             code: "chain.bad_hash", location: "usage_ledger seq 3"),
        Case(name: "a use deleted",
             sql: "DROP TRIGGER usage_ledger_no_delete; DELETE FROM usage_ledger WHERE seq = 2;",
             code: "chain.missing_row", location: "usage_ledger seq 2"),
        Case(name: "the first use deleted",
             sql: "DROP TRIGGER usage_ledger_no_delete; DELETE FROM usage_ledger WHERE seq = 1;",
             code: "chain.missing_row", location: "usage_ledger seq 1"),
        Case(name: "a forged use appended without the chain",
             sql: "DROP TRIGGER usage_ledger_chain; INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, document, recorded_at, prev_hash, row_hash) VALUES (16, 'forged', 'import', '2026-11-01T00:00:00Z', 'alsharq', 'ilkha', '{}', '2026-11-01T00:00:00Z', '\(String(repeating: "0", count: 64))', '\(String(repeating: "1", count: 64))');",
             code: "chain.broken_link", location: "usage_ledger seq 16"),
    ]

    @Test("verify names the first altered or deleted row", arguments: cases)
    func tampered(_ c: Case) throws {
        guard SQLiteShell.available else {
            Issue.record("the sqlite3 shell is not installed (apt-get install sqlite3)")
            return
        }
        let (dir, db) = try Self.fixture()
        _ = dir
        let (status, out) = try SQLiteShell.run(db, c.sql)
        #expect(status == 0, "sqlite3: \(out)")
        let r = try CLI.run(["verify", "--db", db])
        #expect(r.status == 65, "\(r)")
        #expect(r.stderr.contains("error[\(c.code)]"), "\(r)")
        #expect(r.stderr.contains(c.location), "\(r)")
        #expect(!r.signalled)
        let j = try CLI.run(["verify", "--db", db, "--format", "json"])
        #expect(j.status == 65)
        let v = try JSONParser.parse(j.stdout)
        #expect(v["ok"]?.boolValue == false)
        #expect(v["problems"]?.arrayValue?.first?["code"]?.stringValue == c.code)
    }

    @Test("the triggers stop tampering through SQL that does not drop them")
    func triggersRefuse() throws {
        guard SQLiteShell.available else { return }
        let (dir, db) = try Self.fixture()
        _ = dir
        // Fold the WAL (clearance leaves it after exiting) into the file, so the file alone is the database.
        _ = try SQLiteShell.run(db, "PRAGMA wal_checkpoint(TRUNCATE);")
        let before = fileDigest(db)
        let (_, out1) = try SQLiteShell.run(db, "UPDATE decision_log SET decision = 'permit' WHERE seq = 1;")
        #expect(out1.contains("never changed"))
        let (_, out2) = try SQLiteShell.run(db, "DELETE FROM usage_ledger WHERE seq = 1;")
        #expect(out2.contains("never deleted"))
        #expect(fileDigest(db) == before)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }

    @Test("a chain rebuilt from the altered row on (hashes recomputed) is caught by a published head")
    func rebuiltChainNeedsPublishedHead() throws {
        guard SQLiteShell.available else { return }
        let (dir, db) = try Self.fixture()
        _ = dir
        let first = try CLI.run(["verify", "--db", db, "--format", "json"])
        let report = try JSONParser.parse(first.stdout)
        let head = try #require(report["tables"]?.arrayValue?.first { $0["table"]?.stringValue == "usage_ledger" }?["head"]?.stringValue)
        // Delete the last use: the chain still links (nothing after it), so only the head shows it.
        try SQLiteShell.run(db, "DROP TRIGGER usage_ledger_no_delete; DELETE FROM usage_ledger WHERE seq = 15;")
        #expect(try CLI.run(["verify", "--db", db]).status == 0, "a truncated chain is self-consistent")
        let r = try CLI.run(["verify", "--db", db, "--head", "usage_ledger=\(head)"])
        #expect(r.status == 65, "\(r)")
        #expect(r.stderr.contains("error[chain.head_not_found]"))
    }

    @Test("verify refuses bad flags and missing databases with their own statuses")
    func verifyErrors() throws {
        let dir = TempDir("verify-errors")
        let missing = try CLI.run(["verify", "--db", dir.file("nope.sqlite")])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("error[store.not_found]"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("nope.sqlite")), "verify must not create a database")
        let notDB = dir.write("text.sqlite", Array("just some text, not a database\n".utf8))
        let bad = try CLI.run(["verify", "--db", notDB])
        #expect(bad.status == 65, "\(bad)")
        #expect(bad.stderr.contains("error[store.not_a_database]"), "\(bad)")
        let flag = try CLI.run(["verify", "--db", notDB, "--head", "usage_ledger=xyz"])
        #expect(flag.status == 64)
    }
}
