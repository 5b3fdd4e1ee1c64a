import ClearanceCore
import Foundation
import GRDB

/// What `clearance backup` did: where the copy is, how big, and the chain heads it holds.
public struct BackupReport: Sendable {
    /// The backup file written.
    public var path: String
    /// Database pages copied.
    public var pages: Int
    /// Size of the backup file in bytes.
    public var bytes: Int
    /// The chains in the copy (rows and head hash per table): publish the heads to detect later rewrites.
    public var chains: ChainReport
}

/// What `clearance restore` checked and did.
public struct RestoreReport: Sendable {
    /// The database restored into.
    public var path: String
    /// The schema version of the restored database.
    public var schemaVersion: Int
    /// The chains of the restored database.
    public var chains: ChainReport
}

/// Backup, restore and integrity checks: SQLite's online backup API, so a backup taken while
/// other processes write is one consistent snapshot (WAL readers never block writers).
extension Store {
    /// Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check`, and checks that every usage-ledger
    /// document is a JSON object; an empty list means sound.
    ///
    /// Each problem is a `store.integrity` diagnostic quoting SQLite's own words (or `store.foreign_key`,
    /// `ledger.bad_document`).
    public func integrityProblems() throws(DiagnosticError) -> [Diagnostic] {
        try read { tx in
            var out: [Diagnostic] = []
            for line in try String.fetchAll(tx.db, sql: "PRAGMA integrity_check") where line != "ok" {
                out.append(Diagnostic(code: "store.integrity", message: "integrity check: \(line)",
                                      hint: "restore from a backup (`clearance restore`)", category: .invalidValue))
            }
            for row in try Row.fetchAll(tx.db, sql: "PRAGMA foreign_key_check") {
                let table = String.fromDatabaseValue(row[0] as DatabaseValue) ?? "?"
                let rowid = Int64.fromDatabaseValue(row[1] as DatabaseValue).map(String.init) ?? "?"
                let parent = String.fromDatabaseValue(row[2] as DatabaseValue) ?? "?"
                out.append(Diagnostic(code: "store.foreign_key", message: "\(table) row \(rowid) refers to a missing \(parent) row",
                                      hint: "restore from a backup (`clearance restore`)", category: .invalidValue))
            }
            out += try Store.ledgerDocumentProblems(tx.db)
            out += try Store.ledgerInstantProblems(tx.db)
            return out
        }
    }

    /// Copies this database to `destination` with SQLite's online backup, while other processes
    /// may keep writing; the copy is one consistent snapshot, checked before it is kept.
    ///
    /// Writes to `destination.partial` first and renames it into place only when the copy
    /// passes `integrity_check`, so a crash never leaves a half backup under the final name.
    /// Refuses to overwrite an existing file unless `overwrite` (`backup.exists`, exit 64).
    public func backup(to destination: String, overwrite: Bool = false) throws(DiagnosticError) -> BackupReport {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination) && !overwrite {
            throw DiagnosticError(Diagnostic(
                code: "backup.exists", message: "`\(destination)` already exists",
                hint: "choose a new file name, or pass `--force` to replace it", category: .invalidValue))
        }
        let dir = (destination as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if !dir.isEmpty && (!fm.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue) {
            throw DiagnosticError(Diagnostic(
                code: "backup.no_folder", message: "the folder of `\(destination)` does not exist",
                hint: "create `\(dir)` first", category: .io))
        }
        let partial = destination + ".partial"
        Self.removeDatabaseFiles(partial)
        var pages = 0
        do {
            let target = try DatabaseQueue(path: partial)
            try queue.backup(to: target, pagesPerStep: -1) { progress in pages = progress.totalPageCount }
            // A backup file is a single self-contained file: no WAL beside it.
            try target.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
        } catch {
            Self.removeDatabaseFiles(partial)
            throw DiagnosticError(Store.diagnostic(error, doing: "back up to `\(destination)`"))
        }
        let chains: ChainReport
        do {
            // Checkpoint on close: the file moved into place must hold everything, with no `-wal`.
            let copy = try Store.open(path: partial, checkpointOnClose: true)
            let problems = try copy.integrityProblems()
            if !problems.isEmpty { throw DiagnosticError(problems) }
            chains = try copy.verifyChains()
            try copy.close()
        } catch {
            Self.removeDatabaseFiles(partial)
            if let e = error as? DiagnosticError { throw e }
            throw DiagnosticError(Store.diagnostic(error, doing: "check the backup `\(destination)`"))
        }
        do {
            if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
            try fm.moveItem(atPath: partial, toPath: destination)
        } catch {
            Self.removeDatabaseFiles(partial)
            throw DiagnosticError(Diagnostic(code: "backup.io", message: "cannot move the backup into `\(destination)`: \(error.localizedDescription)",
                                             category: .io))
        }
        Self.removeDatabaseFiles(partial)
        let size = ((try? fm.attributesOfItem(atPath: destination))?[.size] as? NSNumber)?.intValue ?? 0
        return BackupReport(path: destination, pages: pages, bytes: size, chains: chains)
    }

    /// Restores the database at `target` from the backup file `backup`, after checking the backup.
    ///
    /// Checks first, on a scratch copy (the backup file itself is never modified): SQLite's
    /// `integrity_check` and foreign keys, that it is a Clearance database of a schema this build
    /// knows, and that both hash chains are intact. Only then copies it into `target` with the
    /// online backup API (safe if other processes have `target` open: they see the old or the new
    /// database, never a mix). Refuses to replace an existing database unless `overwrite`.
    public static func restore(from backup: String, to target: String, overwrite: Bool = false) throws(DiagnosticError) -> RestoreReport {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: backup, isDirectory: &isDir), !isDir.boolValue else {
            throw DiagnosticError(Diagnostic(code: "input.not_found", message: "no backup file at `\(backup)`",
                                             hint: "pass the file `clearance backup` wrote", category: .io))
        }
        if fm.fileExists(atPath: target) && !overwrite {
            throw DiagnosticError(Diagnostic(
                code: "restore.target_exists", message: "the database `\(target)` already exists",
                hint: "pass `--force` to replace it with the backup (take a backup of it first)", category: .invalidValue))
        }
        // 1. Check the backup on a scratch copy.
        let scratch = target + ".restore-check"
        removeDatabaseFiles(scratch)
        defer { removeDatabaseFiles(scratch) }
        let copy: Store
        do {
            let source = try DatabaseQueue(path: backup, configuration: readOnlyConfiguration())
            try checkIsClearanceDatabase(source, path: backup)
            let check = try DatabaseQueue(path: scratch)
            try source.backup(to: check)
            try source.close()
            try check.close()
        } catch let e as DiagnosticError {
            throw e
        } catch {
            throw DiagnosticError(Store.diagnostic(error, doing: "read the backup `\(backup)`"))
        }
        do {
            copy = try Store.open(path: scratch)
        } catch {
            throw DiagnosticError(error)
        }
        let problems = try copy.integrityProblems()
        if !problems.isEmpty {
            throw DiagnosticError(problems.map { var d = $0; d.message = "the backup fails the \(d.message)"; d.hint = "nothing was restored; use another backup"; return d })
        }
        let chains = try copy.verifyChains()
        if !chains.ok {
            throw DiagnosticError(chains.tables.compactMap(\.problem).map {
                var d = $0; d.message = "the backup's \(d.message)"; d.hint = "nothing was restored; use another backup"; return d
            })
        }
        let version: Int
        do {
            version = try copy.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        } catch {
            throw DiagnosticError(Store.diagnostic(error, doing: "read the backup's schema version"))
        }
        // 2. Copy the checked database into the target.
        do {
            let dest = try Store.open(path: target, checkpointOnClose: true)
            try copy.queue.backup(to: dest.queue)
            try dest.close()
            try copy.close()
        } catch let e as DiagnosticError {
            throw e
        } catch {
            throw DiagnosticError(Store.diagnostic(error, doing: "restore into `\(target)`"))
        }
        let restored: Store
        do { restored = try Store.open(path: target) } catch { throw DiagnosticError(error) }
        let after = try restored.verifyChains()
        try restored.close()
        return RestoreReport(path: target, schemaVersion: version, chains: after)
    }

    /// Closes the database connection (further use of this store fails).
    public func close() throws(DiagnosticError) {
        do { try queue.close() } catch { throw DiagnosticError(Store.diagnostic(error, doing: "close the database")) }
    }

    static func readOnlyConfiguration() -> Configuration {
        var c = Configuration()
        c.readonly = true
        return c
    }

    /// Throws `restore.not_clearance` unless `db` has Clearance's `store_meta` and a known schema version.
    static func checkIsClearanceDatabase(_ db: DatabaseQueue, path: String) throws {
        let (format, version): (String?, Int) = try db.read { db in
            let hasMeta = try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'") ?? false
            let f = hasMeta ? try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'format'") : nil
            let v = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            return (f, v)
        }
        guard format == "clearance-store" else {
            throw DiagnosticError(Diagnostic(code: "restore.not_clearance", message: "`\(path)` is an SQLite file but not a Clearance database",
                                             hint: "pass a file written by `clearance backup`", category: .invalidValue))
        }
        guard version <= Schema.migrations.count else {
            throw DiagnosticError(Diagnostic(
                code: "store.newer_schema", message: "the backup `\(path)` has schema version \(version); this clearance knows up to \(Schema.migrations.count)",
                hint: "restore it with a newer clearance", category: .invalidPolicy))
        }
    }

    /// Removes a database file and its `-wal`, `-shm` and `-journal` companions, if present.
    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}

extension Store {
    /// True when a chained table (`decision_log`, `usage_ledger`) has a row whose `row_hash` is `hash`.
    public func chainContains(table: String, hash: String) throws(DiagnosticError) -> Bool {
        guard ["decision_log", "usage_ledger"].contains(table) else { return false }
        return try read { tx in
            try Bool.fetchOne(tx.db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE row_hash = ?)", arguments: [hash]) ?? false
        }
    }
}

extension Store {
    /// The usage-ledger rows whose document is not a JSON object (`ledger.bad_document`; at most 20, then a count).
    ///
    /// Since schema v6 the ledger's own CHECK on `document` is structural (`{` first, `}` last: see
    /// `Schema.v6`), the store's writers proving the JSON they write; this is the full check, which
    /// SQLite's `integrity_check` used to make through the old CHECK: `json_valid` and `json_type`, for
    /// every row (~1 µs per row). `CASE`: `json_type` raises an error on text that is not JSON.
    ///
    /// From schema v8 a document may be an event's compact form (`LedgerDocument`): a JSON array of two values,
    /// the asset's `publishedAt` (a string or `null`) and an object of the evidence, on a row whose columns
    /// complete it (asset, action, extent, channel, territory present). Its JSON is checked the same way;
    /// completed, it is an object (the columns are written as strings).
    static func ledgerDocumentProblems(_ db: Database) throws -> [Diagnostic] {
        let bad = try Int64.fetchAll(db, sql: """
            SELECT seq FROM usage_ledger
            WHERE NOT CASE WHEN NOT json_valid(document) THEN 0
              WHEN json_type(document) = 'object' THEN 1
              WHEN json_type(document) = 'array' THEN json_array_length(document) = 2
                AND json_type(document, '$[0]') IN ('text', 'null') AND json_type(document, '$[1]') = 'object'
                AND asset_id IS NOT NULL AND asset_kind IS NOT NULL AND action IS NOT NULL AND extent IS NOT NULL
                AND channel IS NOT NULL AND territory IS NOT NULL
              ELSE 0 END
            ORDER BY seq
            """)
        return listedLedgerProblems(bad, code: "ledger.bad_document", each: { seq in
            Diagnostic(code: "ledger.bad_document", message: "usage_ledger row \(seq): its document is not a JSON object",
                       hint: "the row was written outside clearance; restore from a backup (`clearance restore`)",
                       location: "usage_ledger seq \(seq)", category: .invalidValue)
        }, more: { "and \($0) more usage_ledger rows whose document is not a JSON object" })
    }

    /// The first 20 of `problems` as diagnostics (`each`), then one `code` diagnostic saying how many more
    /// there are (`more`), so a badly damaged ledger gives a readable report.
    private static func listedLedgerProblems<Problem>(_ problems: [Problem], code: String, each: (Problem) -> Diagnostic,
                                                       more: (Int) -> String) -> [Diagnostic] {
        var out = problems.prefix(20).map(each)
        if problems.count > 20 {
            out.append(Diagnostic(code: code, message: more(problems.count - 20), location: "usage_ledger", category: .invalidValue))
        }
        return out
    }

    /// The usage-ledger rows whose `at` or `recorded_at` is not a stored instant (`ledger.bad_instant`; at most
    /// 20, then a count).
    ///
    /// Since schema v7 SQLite checks those columns only by structure (`Schema.v7`), the store's writers proving
    /// the digits; this is the full pattern of the old CHECK (``Schema/instant(_:nullable:)``), for every row.
    static func ledgerInstantProblems(_ db: Database) throws -> [Diagnostic] {
        let shape = "GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'"
        let bad = try Row.fetchAll(db, sql: """
            SELECT seq, CASE WHEN at \(shape) THEN 'recorded_at' ELSE 'at' END FROM usage_ledger
            WHERE NOT (at \(shape) AND recorded_at \(shape))
            ORDER BY seq
            """)
        return listedLedgerProblems(bad, code: "ledger.bad_instant", each: { row -> Diagnostic in
            let seq = Int64.fromDatabaseValue(row[0] as DatabaseValue) ?? 0
            let column = String.fromDatabaseValue(row[1] as DatabaseValue) ?? "at"
            return Diagnostic(code: "ledger.bad_instant", message: "usage_ledger row \(seq): its \(column) is not an instant `YYYY-MM-DDTHH:MM:SSZ`",
                              hint: "the row was written outside clearance; restore from a backup (`clearance restore`)",
                              location: "usage_ledger seq \(seq)", category: .invalidValue)
        }, more: { "and \($0) more usage_ledger rows whose instants are not stored instants" })
    }
}
