import ClearanceCore
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
    public static func open(path: String, busyTimeout: TimeInterval? = nil) throws(Diagnostic) -> Store {
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
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(timeout)
        config.label = "clearance"
        config.prepareDatabase { db in
            // Persistent once set; a no-op read of the header on later opens.
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768")
        }
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw Store.diagnostic(error, doing: "open the database `\(path)`")
        }
        let store = Store(path: path, queue: queue)
        try store.migrate()
        return store
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
