import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// Backup and restore (issue 6.6): online backup while others write; restore checks first.
@Suite("backup and restore", .serialized)
struct BackupRestoreTests {
    @Test("backup of an idle database restores to the same chains")
    func roundTrip() throws {
        let dir = TempDir("backup")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 30, uses: 40)
        let b = try CLI.run(["backup", dir.file("b.sqlite"), "--db", db])
        #expect(b.status == 0, "\(b)")
        #expect(b.stdout.contains("decision_log: 30 rows"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("b.sqlite.partial")))
        let verifyOriginal = try CLI.run(["verify", "--db", db, "--format", "json"])
        let r = try CLI.run(["restore", dir.file("b.sqlite"), "--db", dir.file("restored.sqlite")])
        #expect(r.status == 0, "\(r)")
        let verifyRestored = try CLI.run(["verify", "--db", dir.file("restored.sqlite"), "--format", "json"])
        #expect(verifyRestored.status == 0)
        #expect(try JSONParser.parse(verifyRestored.stdout)["tables"] == JSONParser.parse(verifyOriginal.stdout)["tables"])
    }

    @Test("backup taken while other writers run is consistent, and they lose nothing")
    func onlineBackup() async throws {
        let dir = TempDir("backup-online")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 5, uses: 5)
        let writers = 3, perWriter = 60
        // Writers: separate connections (as separate processes would be), one transaction per row.
        let writing = Task.detached {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<writers {
                    group.addTask {
                        let store = try Store.open(path: db, busyTimeout: 30)
                        for n in 0..<perWriter {
                            _ = try store.appendDecisions([Populate.decision(n, process: "w\(w)")])
                            _ = try store.importUsage([Populate.use(n, process: "w\(w)")])
                        }
                        try store.close()
                    }
                }
                try await group.waitForAll()
            }
        }
        var backups: [String] = []
        for i in 0..<4 {
            let path = dir.file("b\(i).sqlite")
            let r = try CLI.run(["backup", path, "--db", db])
            #expect(r.status == 0, "\(r)")
            backups.append(path)
        }
        try await writing.value
        for path in backups {
            let v = try CLI.run(["verify", "--db", path])
            #expect(v.status == 0, "backup \(path): \(v)")
        }
        let store = try Store.open(path: db)
        let report = try store.verifyChains()
        #expect(report.ok)
        #expect(report.tables.map(\.rows) == [5 + writers * perWriter, 5 + writers * perWriter], "no write lost")
    }

    @Test("restore refuses a backup whose chain was altered, and leaves the database as it was")
    func restoreRefusesTampered() throws {
        guard SQLiteShell.available else { return }
        let dir = TempDir("restore-tampered")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 10, uses: 10)
        #expect(try CLI.run(["backup", dir.file("b.sqlite"), "--db", db]).status == 0)
        try SQLiteShell.run(dir.file("b.sqlite"), "DROP TRIGGER decision_log_no_update; UPDATE decision_log SET decision = 'permit' WHERE seq = 2;")
        let before = fileDigest(db)
        let r = try CLI.run(["restore", dir.file("b.sqlite"), "--db", db, "--force"])
        #expect(r.status == 65, "\(r)")
        #expect(r.stderr.contains("error[chain.bad_hash]"))
        #expect(r.stderr.contains("nothing was restored"))
        #expect(fileDigest(db) == before)
    }

    @Test("restore refuses a corrupt file, a non-Clearance database, a missing file, and an existing target without --force")
    func restoreRefusals() throws {
        let dir = TempDir("restore-refusals")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 3, uses: 3)
        #expect(try CLI.run(["backup", dir.file("b.sqlite"), "--db", db]).status == 0)
        let before = fileDigest(db)

        let exists = try CLI.run(["restore", dir.file("b.sqlite"), "--db", db])
        #expect(exists.status == 64)
        #expect(exists.stderr.contains("error[restore.target_exists]"))

        let missing = try CLI.run(["restore", dir.file("nope.sqlite"), "--db", db, "--force"])
        #expect(missing.status == 66)

        // Corrupt: overwrite bytes in the middle of the backup.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("b.sqlite"))))
        for i in stride(from: 4096, to: min(bytes.count, 4096 * 6), by: 7) { bytes[i] ^= 0x5A }
        let corrupt = dir.write("corrupt.sqlite", bytes)
        let c = try CLI.run(["restore", corrupt, "--db", db, "--force"])
        #expect(c.status == 65, "\(c)")
        #expect(!c.signalled)

        let truncated = dir.write("trunc.sqlite", Array(bytes.prefix(1000)))
        let t = try CLI.run(["restore", truncated, "--db", db, "--force"])
        #expect(t.status == 65, "\(t)")

        if SQLiteShell.available {
            try SQLiteShell.run(dir.file("other.sqlite"), "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            let o = try CLI.run(["restore", dir.file("other.sqlite"), "--db", db, "--force"])
            #expect(o.status == 65, "\(o)")
            #expect(o.stderr.contains("error[restore.not_clearance]"))
        }
        #expect(fileDigest(db) == before, "every refused restore leaves the database byte-for-byte as it was")
    }

    @Test("backup refuses to overwrite, and a missing database")
    func backupRefusals() throws {
        let dir = TempDir("backup-refusals")
        let db = dir.file("c.sqlite")
        try Populate.database(db, decisions: 2, uses: 0)
        dir.write("taken.sqlite", [1, 2, 3])
        let r = try CLI.run(["backup", dir.file("taken.sqlite"), "--db", db])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error[backup.exists]"))
        #expect(FileManager.default.contents(atPath: dir.file("taken.sqlite")) == Data([1, 2, 3]))
        let m = try CLI.run(["backup", dir.file("x.sqlite"), "--db", dir.file("missing.sqlite")])
        #expect(m.status == 66)
        let f = try CLI.run(["backup", dir.file("no/such/dir/x.sqlite"), "--db", db])
        #expect(f.status == 74, "\(f)")
    }
}
