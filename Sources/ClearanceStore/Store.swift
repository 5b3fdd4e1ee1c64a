import ClearanceCore
import CSQLiteConfig
import Foundation
import GRDB

/// The facade over Clearance's SQLite database: the one type that opens it, runs the
/// migrations and reads and writes every table.
///
/// Open one per process with ``Store/open(path:busyTimeout:)``. The database is in WAL mode
/// (readers never block the writer), foreign keys are on, and every write runs in an
/// `IMMEDIATE` transaction that waits up to the busy timeout for other writers, so
/// concurrent processes queue instead of failing with "database is locked". Errors are
/// ``Diagnostic``s (`store.busy` when the timeout ran out: the CLI exits 75).
public final class Store: @unchecked Sendable {
    /// The database file path.
    public let path: String
    let queue: DatabaseQueue

    /// Default busy timeout in seconds: long enough for a 100k-agreement import to finish.
    public static let defaultBusyTimeout: TimeInterval = 60

    /// The database path to use: `--db`, else `$CLEARANCE_DB`, else `./clearance.sqlite`.
    public static func resolvePath(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["CLEARANCE_DB"], !env.isEmpty { return env }
        return "./clearance.sqlite"
    }

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens (creating on first use) the database at `path` and brings its schema up to date.
    ///
    /// `busyTimeout` is how long a write waits for another process's write to finish
    /// (default ``defaultBusyTimeout``, or `$CLEARANCE_BUSY_TIMEOUT` seconds when set).
    ///
    /// `checkpointOnClose` (default false): whether closing copies the WAL back into the database
    /// file. Off, a short-lived process (one `check`) exits without that copy and its fsyncs
    /// (~25 ms): its commits stay in the `-wal` file, which every later connection reads, and
    /// SQLite's automatic checkpoint (`wal_autocheckpoint`, 1,000 pages) folds them in during a
    /// later write. `clearance backup` copies through SQLite (the copy includes the WAL's
    /// content); backup's own check of the copy and restore open with it on, so the files they
    /// leave are self-contained.
    public static func open(path: String, busyTimeout: TimeInterval? = nil, checkpointOnClose: Bool = false) throws(Diagnostic) -> Store {
        let timeout = busyTimeout
            ?? ProcessInfo.processInfo.environment["CLEARANCE_BUSY_TIMEOUT"].flatMap(Double.init)
            ?? defaultBusyTimeout
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue {
                throw Diagnostic(
                    code: "store.no_folder", message: "the folder of the database `\(path)` does not exist",
                    hint: "create `\(dir)` first, or pass another `--db`", category: .io)
            }
        }
        _ = Store.memoryStatisticsOff
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(timeout)
        config.label = "clearance"
        config.prepareDatabase { db in
            // Persistent once set; a no-op read of the header on later opens.
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
            // SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE (see `checkpointOnClose` above).
            var now: Int32 = -1
            let rc = clearance_set_no_checkpoint_on_close(UnsafeMutableRawPointer(db.sqliteConnection), checkpointOnClose ? 0 : 1, &now)
            if rc != 0 { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: "cannot set no-checkpoint-on-close") }
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw Store.diagnostic(error, doing: "open the database `\(path)`")
        }
        let store = Store(path: path, queue: queue)
        try store.migrate()
        store.truncateLargeWAL(busyTimeout: timeout)
        return store
    }

    /// SQLite's memory statistics turned off once, before the process's first connection (see
    /// `clearance_disable_memstatus`): nothing reads them, and counting takes a global lock per allocation.
    static let memoryStatisticsOff: Int32 = clearance_disable_memstatus()

    /// Frees what SQLite caches for this connection (its page cache: up to `cache_size`, 32 MB), e.g.
    /// after a batch has loaded every agreement and will only read the usage ledger. Best effort.
    public func releaseMemory() {
        _ = try? read { tx in try tx.db.execute(sql: "PRAGMA shrink_memory") }
    }

    /// The `-wal` size above which opening the store checkpoints it and truncates it to 0 bytes.
    ///
    /// Without checkpoint-on-close, a process that opens the database first rebuilds SQLite's WAL index
    /// by reading the whole `-wal` file (~1 ms per MB here), and SQLite's automatic checkpoint cannot
    /// restart a WAL whose index was rebuilt, so the file would grow and every process would pay more.
    /// 1 MiB is about 35 logged `check`s: one process in that many pays a checkpoint (~25 ms).
    /// `$CLEARANCE_WAL_TRUNCATE_BYTES` overrides it (tests).
    public static var walTruncateBytes: Int {
        ProcessInfo.processInfo.environment["CLEARANCE_WAL_TRUNCATE_BYTES"].flatMap(Int.init) ?? 1 << 20
    }

    /// Checkpoints and truncates the `-wal` file when it is larger than ``walTruncateBytes``.
    ///
    /// Best effort and never waits: with other connections reading or writing it copies what it can
    /// (SQLite's PASSIVE behaviour) and leaves the rest to a later process.
    private func truncateLargeWAL(busyTimeout: TimeInterval) {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
        guard size > Self.walTruncateBytes else { return }
        let ms = Int(busyTimeout * 1000)
        try? queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(ms)") }
            _ = try? db.checkpoint(.truncate)
        }
    }

    /// The number of migrations this build knows (the schema version it writes).
    public static var schemaVersion: Int { Schema.migrations.count }

    /// Applies missing migrations inside one `IMMEDIATE` transaction (safe when several
    /// processes open a new database at once: the second sees the first's work).
    private func migrate() throws(Diagnostic) {
        let known = Schema.migrations.count
        let current: Int
        do {
            current = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
        } catch {
            throw Store.diagnostic(error, doing: "read the schema version")
        }
        if current == known { return }
        if current > known {
            throw Diagnostic(
                code: "store.newer_schema",
                message: "the database `\(path)` has schema version \(current); this clearance knows up to \(known)",
                hint: "use a newer clearance with this database", category: .invalidPolicy)
        }
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    let now = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                    if now < known {
                        for index in now..<known {
                            try db.execute(sql: Schema.migrations[index])
                        }
                        try db.execute(sql: "PRAGMA user_version = \(known)")
                    }
                    return .commit
                }
            }
        } catch {
            throw Store.diagnostic(error, doing: "create or upgrade the schema")
        }
    }

    // MARK: - Transactions

    /// Runs `body` in one `IMMEDIATE` write transaction: all of it commits, or none of it.
    ///
    /// A thrown error rolls everything back. Waits for other writers up to the busy timeout.
    public func write<T>(_ body: (StoreTransaction) throws -> T) throws(DiagnosticError) -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(StoreTransaction(db: db))
                    return .commit
                }
                guard let result else { throw DiagnosticError(Diagnostic(code: "store.internal", message: "transaction returned nothing", category: .internalError)) }
                return result
            }
        } catch let e as DiagnosticError {
            throw e
        } catch let d as Diagnostic {
            throw DiagnosticError(d)
        } catch {
            throw DiagnosticError(Store.diagnostic(error, doing: "write to the database"))
        }
    }

    /// Runs `body` with read access to one consistent snapshot of the database.
    public func read<T>(_ body: (StoreTransaction) throws -> T) throws(DiagnosticError) -> T {
        do {
            return try queue.read { db in try body(StoreTransaction(db: db)) }
        } catch let e as DiagnosticError {
            throw e
        } catch let d as Diagnostic {
            throw DiagnosticError(d)
        } catch {
            throw DiagnosticError(Store.diagnostic(error, doing: "read the database"))
        }
    }

    /// Turns a GRDB or SQLite error into a diagnostic (`store.busy` for a lock held past the timeout).
    static func diagnostic(_ error: Error, doing what: String) -> Diagnostic {
        if let d = error as? Diagnostic { return d }
        if let e = error as? DiagnosticError, let first = e.diagnostics.first { return first }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return Diagnostic(
                    code: "store.busy", message: "the database stayed busy while trying to \(what)",
                    hint: "another clearance process is writing; retry, or raise $CLEARANCE_BUSY_TIMEOUT (seconds)",
                    category: .io)
            case .SQLITE_CONSTRAINT:
                return Diagnostic(
                    code: "store.constraint", message: "the database refused the write: \(e.message ?? "constraint failed")",
                    hint: "nothing was written", category: .invalidValue)
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_FULL:
                return Diagnostic(
                    code: "store.io", message: "cannot \(what): \(e.message ?? "\(e.resultCode)")",
                    hint: "check the path and its permissions", category: .io)
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                return Diagnostic(
                    code: "store.not_a_database", message: "cannot \(what): the file is not a Clearance database (\(e.message ?? "not a database"))",
                    hint: "pass the right `--db`", category: .malformedInput)
            default:
                return Diagnostic(
                    code: "store.sqlite", message: "cannot \(what): \(e.message ?? "\(e.resultCode)")",
                    category: .internalError)
            }
        }
        return Diagnostic(code: "store.internal", message: "cannot \(what): \(error)", category: .internalError)
    }

    /// True when a diagnostic means "the database was busy" (the CLI exits 75 for it).
    public static func isBusy(_ d: Diagnostic) -> Bool { d.code == "store.busy" }
}

/// Access to the database inside one transaction or read; valid only inside the closure
/// passed to ``Store/write(_:)`` or ``Store/read(_:)``, never stored.
public final class StoreTransaction {
    let db: Database
    /// The last `row_hash` of each chained table, read once per transaction.
    var lastHash: [String: String] = [:]
    /// The next `seq` of each chained table once this transaction has appended to it.
    var nextSeq: [String: Int64] = [:]
    /// Subscribers written in this transaction, with the name written (a batch upserts each once).
    var subscribersSeen: [String: String?] = [:]
    /// The agreement inserts' statements, looked up once per transaction (see ``insertStatements()``).
    var inserts: InsertStatements?
    init(db: Database) { self.db = db }

    /// The `row_hash` of the last row of a chained table (64 zeros when it is empty).
    func chainHead(_ table: String) throws -> String {
        if let h = lastHash[table] { return h }
        let h = try String.fetchOne(db.cachedStatement(sql: "SELECT row_hash FROM \(table) ORDER BY seq DESC LIMIT 1"))
            ?? Schema.genesisHash
        lastHash[table] = h
        return h
    }
}
