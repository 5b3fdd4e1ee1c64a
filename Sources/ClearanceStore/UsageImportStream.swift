import ClearanceCore
import Foundation
import GRDB
import GRDBSQLite

// Added by the audit engineer for `clearance usage import` (streaming, all or nothing).
// Same rules as `Store.importUsage(_:at:)`, but the events arrive in batches, so a log of any
// size imports in bounded memory, still in ONE transaction.
//
// Speed: the rows arrive as ``LedgerDraft``s, made on the decide threads (document text, column
// bytes, the SHA-256 of the canonical text up to `prev_hash`), so this thread only finishes the
// row hash (~200 bytes) and inserts. The insert is one prepared statement driven through the
// SQLite C API (bind from the draft's bytes without copies, step, reset): GRDB's
// `execute(arguments:)` built a `[DatabaseValue]` and converted every value per row (~18,000
// instructions). `ON CONFLICT(event_id) DO NOTHING` (only when it did nothing is the stored
// document read back, to tell an identical re-import from a conflicting one); the next `seq` and
// the chain head are kept in memory instead of read per row.
// `ON CONFLICT(event_id)` and not `INSERT OR IGNORE`: OR IGNORE would also skip a row that breaks a
// CHECK constraint, silently; here any other failure still aborts the whole import.

extension Store {
    /// Imports usage events pulled in batches from `next` (nil ends): all or nothing, idempotent by event id.
    ///
    /// An event id already in the ledger with the same document is skipped; with a different
    /// document it is a `usage.conflicting_event` problem. Problems are collected (up to
    /// `maxProblems`) and then nothing is written. An error thrown by `next` (a malformed line, a
    /// truncated gzip file) also rolls everything back.
    ///
    /// `bulkIndexMinimum`: see ``BulkIndexes`` (tests pass a small one; the default is ``bulkIndexMinimum``).
    public func importUsage(
        at now: Date = Date(), maxProblems: Int = 100, bulkIndexMinimum: Int = Store.bulkIndexMinimum,
        next: () throws -> [LedgerDraft]?
    ) throws(DiagnosticError) -> UsageImportResult {
        try write { tx in
            // A larger page cache for this transaction: the ledger's indexes (time, party, agreement) take
            // rows in random positions, and once they outgrow the cache each insert reads and writes index
            // pages through the kernel. Set back when the import ends.
            // Only as large as the ledger's indexes can use: an empty ledger's stay small until the bulk drop
            // (`BulkIndexes`), after which `bulkImportCacheMB` is enough.
            var seq = (try Int64.fetchOne(tx.db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM usage_ledger"))) ?? 1
            let cacheMB = ProcessInfo.processInfo.environment["CLEARANCE_IMPORT_CACHE_MB"].flatMap(Int.init)
                ?? Store.ledgerImportCacheMB(ledgerRows: Int(seq - 1))
            let previous = try Int.fetchOne(tx.db, sql: "PRAGMA cache_size") ?? -32768
            try tx.db.execute(sql: "PRAGMA cache_size = -\(max(2, cacheMB) * 1024)")
            defer { try? tx.db.execute(sql: "PRAGMA cache_size = \(previous)") }
            var inserted = 0, present = 0
            var problems: [Diagnostic] = []
            var more = 0
            // The chain trigger is off while this transaction writes, and back before it commits (see
            // `SuspendedChainTrigger`): the rows below are linked by construction (`writer.head`).
            var trigger = SuspendedChainTrigger(table: "usage_ledger")
            try trigger.drop(tx.db)
            let insert = try tx.db.cachedStatement(sql: """
                INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, agreement_id, grant_position,
                  asset_id, asset_kind, action, extent, portion, channel, territory, decision, document, recorded_at,
                  prev_hash, row_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(event_id) DO NOTHING
                """)
            let find = try tx.db.cachedStatement(sql: """
                SELECT document, subscriber_id, source_id, asset_id, asset_kind, action, extent, portion, channel, territory, at
                FROM usage_ledger WHERE event_id = ?
                """)
            var writer = try LedgerRowWriter(db: tx.db, statement: insert, recordedAt: Timestamp.format(now),
                                         head: try tx.chainHead("usage_ledger"))
            // Rows are numbered 1, 2, 3… without gaps (`verify`), so the ledger holds `seq - 1` rows.
            var bulk = BulkIndexes(table: "usage_ledger", existingRows: Int(seq - 1), minimum: bulkIndexMinimum)
            while let batch = try next() {
                for d in batch {
                    if problems.isEmpty {
                        if try writer.insert(d, seq: seq) {
                            seq += 1
                            inserted += 1
                            if inserted == bulk.dropAfter {
                                try bulk.drop(tx.db)
                                // Only the ledger's `event_id` index now takes rows away from the table's end.
                                try tx.db.execute(sql: "PRAGMA cache_size = -\(Store.bulkImportCacheMB * 1024)")
                            }
                            continue
                        }
                    }
                    // Already there (or a problem already found: then only keep checking, write nothing).
                    // The same bytes (a log imported again): the same event. Otherwise compared in full: the stored
                    // row may be compact or not (written before v8), the draft too.
                    guard let same = try writer.storedSame(d, find: find) else { continue }
                    if same {
                        present += 1
                    } else if let existing = try LedgerRow.document(eventId: d.eventId, in: tx.db), existing == d.documentText {
                        present += 1
                    } else if problems.count < maxProblems {
                        problems.append(Diagnostic(
                            code: "usage.conflicting_event",
                            message: "event `\(d.eventId)` is already in the ledger with different content",
                            hint: "give each use its own id", location: "event `\(d.eventId)`", category: .invalidValue))
                    } else {
                        more += 1
                    }
                }
            }
            tx.lastHash["usage_ledger"] = writer.head
            if !problems.isEmpty {
                if more > 0 {
                    problems.append(Diagnostic(code: "usage.more_problems", message: "and \(more) more conflicting events",
                                               category: .invalidValue))
                }
                // The rollback brings the dropped indexes back with everything else.
                throw DiagnosticError(problems)
            }
            // While SQLite builds the indexes (CPU), the kernel writes the WAL's rows to disk (I/O), which
            // the commit's checkpoint would otherwise wait for first (see `WALWriteback`).
            let writeback = bulk.dropped.isEmpty ? nil : WALWriteback(databasePath: path)
            defer { writeback?.wait() }
            try bulk.recreate(tx.db)
            try trigger.recreate(tx.db)
            return UsageImportResult(inserted: inserted, alreadyPresent: present)
        }
    }

    /// The most page cache an import uses, in MB (`contract import` uses this much; see ``ledgerImportCacheMB(ledgerRows:)``).
    public static let importCacheMB = 128

    /// SQLite's page cache during `usage import`, in MB (`$CLEARANCE_IMPORT_CACHE_MB` overrides it), while the
    /// ledger's query indexes take the rows one by one (until the bulk drop, or all along for an import smaller
    /// than the ledger): room for the indexes of the ledger of `ledgerRows` rows and as many new ones (the bulk
    /// drop comes after that many at the latest), between 8 and ``importCacheMB``.
    ///
    /// The four indexes take ~130 bytes a row (the default workload's 1,000,000 events: 106 MB of query
    /// indexes and 19 MB of `event_id`); a page cache as large as them keeps each insert from reading index
    /// pages back through the kernel. An import into an empty ledger drops the query indexes after
    /// ``bulkIndexMinimum`` rows, when they hold ~6 MB: 8 MB is enough for it (128 MB always cost ~40 MB of
    /// peak memory, filled with rows written once).
    public static func ledgerImportCacheMB(ledgerRows: Int) -> Int {
        min(importCacheMB, max(8, (min(max(0, ledgerRows), 1 << 32) * 260) >> 20))
    }

    /// SQLite's page cache once a large import has dropped the query indexes (``BulkIndexes``), in MB.
    ///
    /// Then new rows go to the table's end (`seq`), written once, and only the `event_id` index takes them
    /// at other places (~19 MB for 1,000,000 events of the default workload): a cache that holds it is enough.
    /// Measured on those events (`INSERT … SELECT` of the same rows into a v6 ledger, Python's `sqlite3`,
    /// SQLite 3.40, bench/PROFILE.md session 6): the insert took the same CPU with 16, 32 or 128 MB
    /// (4.3 s user), and the process's peak memory went from 214 MB to 56 MB.
    public static let bulkImportCacheMB = 32

    /// SQLite's page cache while ``BulkIndexes`` re-creates the indexes, in MB: the size of each run its
    /// sorter sorts in memory before merging (`PRAGMA cache_size` bounds it).
    ///
    /// Small runs sort in the processor's caches and leave the run before sorted on the sorter's other
    /// thread (`PRAGMA threads`): measured as above on the three indexes of 1,000,000 rows, 2.4 s user + 0.3 s
    /// system with 4 MB against 3.0 + 0.1 s with 128 MB (one run sorted in memory), and no 50 MB of keys held.
    public static let indexBuildCacheMB = 4

    /// The fewest rows an import writes before it builds the ledger's query indexes in bulk (see
    /// ``BulkIndexes``); `$CLEARANCE_BULK_INDEX_MIN` overrides it (tests use a small value).
    public static var bulkIndexMinimum: Int {
        ProcessInfo.processInfo.environment["CLEARANCE_BULK_INDEX_MIN"].flatMap(Int.init) ?? 50_000
    }

    /// Number of events in the ledger.
    public func ledgerCount() throws(DiagnosticError) -> Int {
        try read { tx in try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM usage_ledger") ?? 0 }
    }
}

/// Links drafts into the usage ledger's chain and inserts them, on the import's writer thread.
///
/// Drives GRDB's prepared insert statement through the SQLite C API: text is bound straight from the
/// draft's byte buffer (`SQLITE_STATIC`: the buffer outlives the step), the statement reset after
/// each row. Errors become GRDB `DatabaseError`s, so the store words them as for any other write.
struct LedgerRowWriter {
    let db: Database
    let statement: Statement
    /// `","recorded_at":"…","seq":` — the canonical text between `prev_hash`'s value and `seq`'s.
    let between: [UInt8]
    let recordedAt: String
    /// The `row_hash` of the last row (the next row's `prev_hash`).
    private(set) var head: String

    init(db: Database, statement: Statement, recordedAt: String, head: String) throws {
        guard Timestamp.hasStoredShape(recordedAt) else { throw Self.instantRefused("recorded_at") }
        self.db = db
        self.statement = statement
        self.recordedAt = recordedAt
        self.head = head
        between = LedgerRowWriterTail(recordedAt: recordedAt).between
    }

    /// The error SQLite's instant CHECK gave up to schema v6 (the store words it as `store.constraint`).
    static func instantRefused(_ column: String) -> DatabaseError {
        DatabaseError(resultCode: .SQLITE_CONSTRAINT_CHECK, message: "CHECK constraint failed: \(column) is not a stored instant")
    }

    /// The row hash of a draft at `seq` after `prev`: the draft's prefix state continued with the tail.
    static func rowHash(_ d: LedgerDraft, seq: Int64, prev: String, between: [UInt8]) -> String {
        var h = d.prefix
        h.update(prev)
        between.withUnsafeBytes { h.update($0) }
        // `seq` as `JSONValue.formatNumber(Double(seq))` writes it: plain digits below 10^15.
        if seq >= 0 && seq < 1_000_000_000_000_000 {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { b in
                var k = 20
                var x = seq
                repeat { k -= 1; b[k] = UInt8(truncatingIfNeeded: 0x30 + x % 10); x /= 10 } while x > 0
                h.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[k..<20]))
            }
        } else {
            h.update(JSONValue.formatNumber(Double(seq)))
        }
        d.text.withUnsafeBytes { t in
            h.update(UnsafeRawBufferPointer(rebasing: t[Int(d.suffix.start)..<Int(d.suffix.start + d.suffix.count)]))
        }
        return SHA256.hexString(h.finalize())
    }

    /// Inserts the draft as row `seq`; false when its event id is already in the ledger (nothing written).
    mutating func insert(_ d: LedgerDraft, seq: Int64) throws -> Bool {
        // The digits of the instants, which SQLite checks only by structure from schema v7 (`Schema.v7`):
        // `recorded_at` once per import (init), `at` here, refused as SQLite's CHECK refused them.
        let atOK = d.text.withUnsafeBufferPointer { t in
            d.at.count == 20 && Timestamp.hasStoredShape(UnsafeBufferPointer(rebasing: t[Int(d.at.start)..<Int(d.at.start) + 20]))
        }
        guard atOK else { throw Self.instantRefused("at") }
        let hash = Self.rowHash(d, seq: seq, prev: head, between: between)
        let stmt = statement.sqliteStatement
        var message: String?
        let rc: Int32 = d.text.withUnsafeBufferPointer { t in
            var prev = head, row = hash, recorded = recordedAt
            return prev.withUTF8 { p in row.withUTF8 { r in recorded.withUTF8 { rec in
                // Columns in the statement's order (1-based).
                func text(_ i: Int32, _ s: LedgerDraft.Span) {
                    if s.count < 0 { sqlite3_bind_null(stmt, i); return }
                    sqlite3_bind_text(stmt, i, UnsafeRawPointer(t.baseAddress! + Int(s.start)).assumingMemoryBound(to: CChar.self),
                                      s.count, nil)
                }
                func text(_ i: Int32, _ b: UnsafeBufferPointer<UInt8>) {
                    sqlite3_bind_text(stmt, i, UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(b.count), nil)
                }
                sqlite3_bind_int64(stmt, 1, seq)
                text(2, d.eventIdSpan)
                switch d.origin {
                case .import: sqlite3_bind_text(stmt, 3, "import", 6, SQLITE_TRANSIENT_SWIFT)
                case .check: sqlite3_bind_text(stmt, 3, "check", 5, SQLITE_TRANSIENT_SWIFT)
                }
                text(4, d.at)
                text(5, d.subscriber)
                text(6, d.source)
                text(7, d.agreement)
                if let g = d.grantPosition { sqlite3_bind_int64(stmt, 8, Int64(g)) } else { sqlite3_bind_null(stmt, 8) }
                text(9, d.assetId)
                text(10, d.assetKind)
                text(11, d.action)
                text(12, d.extent)
                if let p = d.portion { sqlite3_bind_double(stmt, 13, p) } else { sqlite3_bind_null(stmt, 13) }
                text(14, d.channel)
                text(15, d.territory)
                text(16, d.decision)
                text(17, d.document)
                text(18, rec)
                text(19, p)
                text(20, r)
                let rc = sqlite3_step(stmt)
                if rc != SQLITE_DONE { message = String(cString: sqlite3_errmsg(db.sqliteConnection)) }
                sqlite3_reset(stmt)
                // Unbind: the bound pointers die with this closure.
                sqlite3_clear_bindings(stmt)
                return rc
            } } }
        }
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
        guard sqlite3_changes(db.sqliteConnection) == 1 else { return false }
        head = hash
        return true
    }

    /// Whether the row stored under the draft's event id holds the draft's bytes: its `document` and every column
    /// the full document is made from (then both full documents are the same text, whichever form they are
    /// stored in); nil when there is no such row. False says only "not the same bytes": the caller then compares
    /// the full documents (a row stored full before v8 and drafted compact now, or a conflict).
    ///
    /// Why: re-importing a log meets every event again; completing and comparing full documents through GRDB
    /// rows cost ~10 µs an event (a 1,000,000-event re-import at 30,000 agreements took ~30 s of CPU).
    func storedSame(_ d: LedgerDraft, find: Statement) throws -> Bool? {
        let stmt = find.sqliteStatement
        var message: String?
        let result: Int32 = d.text.withUnsafeBufferPointer { t in
            let base = t.baseAddress!
            sqlite3_bind_text(stmt, 1, UnsafeRawPointer(base + Int(d.eventIdSpan.start)).assumingMemoryBound(to: CChar.self),
                              d.eventIdSpan.count, nil)
            defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
            let rc = sqlite3_step(stmt)
            guard rc == SQLITE_ROW else {
                if rc != SQLITE_DONE { message = String(cString: sqlite3_errmsg(db.sqliteConnection)) }
                return rc
            }
            // Columns in the statement's order (0-based).
            func same(_ i: Int32, _ s: LedgerDraft.Span) -> Bool {
                if sqlite3_column_type(stmt, i) == SQLITE_NULL { return s.count < 0 }
                guard s.count >= 0, sqlite3_column_type(stmt, i) == SQLITE_TEXT, let p = sqlite3_column_text(stmt, i) else { return false }
                let n = sqlite3_column_bytes(stmt, i)
                return n == s.count && memcmp(p, base + Int(s.start), Int(n)) == 0
            }
            let portion: Bool
            if sqlite3_column_type(stmt, 7) == SQLITE_NULL { portion = d.portion == nil } else {
                portion = sqlite3_column_type(stmt, 7) == SQLITE_FLOAT && d.portion == sqlite3_column_double(stmt, 7)
            }
            let equal = portion && same(0, d.document) && same(1, d.subscriber) && same(2, d.source) && same(3, d.assetId)
                && same(4, d.assetKind) && same(5, d.action) && same(6, d.extent) && same(8, d.channel)
                && same(9, d.territory) && same(10, d.at)
            // Not result codes (those are 0 and up).
            return equal ? -1 : -2
        }
        switch result {
        case -1: return true
        case -2: return false
        case SQLITE_DONE: return nil
        default: throw DatabaseError(resultCode: ResultCode(rawValue: result), message: message)
        }
    }
}

/// The constant part of a row's canonical text between `prev_hash`'s value and `seq`'s.
struct LedgerRowWriterTail {
    /// `","recorded_at":"…","seq":`.
    let between: [UInt8]
    init(recordedAt: String) {
        var b: [UInt8] = [0x22, 0x2C]
        b.append(contentsOf: #""recorded_at":"#.utf8)
        JSONBytes.appendString(recordedAt, to: &b)
        b.append(contentsOf: #","seq":"#.utf8)
        between = b
    }
}

/// SQLite's `SQLITE_TRANSIENT` destructor (a macro Swift does not import): SQLite copies the value.
let SQLITE_TRANSIENT_SWIFT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Flushes a database's `-wal` file to disk on a thread of its own (`fdatasync`), once.
///
/// A large import leaves its rows in the WAL (~760 MB for 1,000,000 events), and the commit's checkpoint
/// first syncs the WAL (`synchronous = NORMAL`), then copies it into the database file and syncs that. The
/// first sync is only waiting for the disk; started while SQLite re-creates the ledger's indexes (a few
/// seconds of CPU on the import's thread), most of it is done by the commit. It adds a sync and removes
/// none: what is on disk when, and what the commit guarantees, are unchanged. Measured apart (Python's
/// `sqlite3`, the import of the default workload's 1,000,000 events, bench/PROFILE.md session 6): syncing
/// the WAL 0.51 s (0.07 s CPU), the checkpoint's copy 1.23 s, syncing the database 0.44 s.
final class WALWriteback: @unchecked Sendable {
    // @unchecked: `done` is the only state the two threads share, and it is a semaphore.
    private let done = DispatchSemaphore(value: 0)

    init(databasePath: String) {
        let wal = databasePath + "-wal"
        let done = done
        let thread = Thread {
            let fd = open(wal, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                _ = fdatasync(fd)
                close(fd)
            }
            done.signal()
        }
        thread.name = "clearance-wal-writeback"
        thread.start()
    }

    /// Waits for the sync to end (call it once).
    func wait() { done.wait() }
}

/// Takes a chained table's chain trigger away for the length of one import transaction, and puts it back
/// (from its own stored SQL) before the transaction commits.
///
/// The trigger (`Schema.chained`) refuses a row whose `prev_hash` is not the `row_hash` of the table's last
/// row: for every inserted row SQLite runs a sub-program that seeks the table's last row and compares
/// (measured on the 1,000,000 rows of the default workload, `INSERT … SELECT` in Python's `sqlite3`, SQLite
/// 3.40, bench/PROFILE.md session 5: 9.65 s user with it, 7.32 s without; ~2 µs a row).
///
/// During an import the writer links every row itself: each row's `prev_hash` is the hash it computed for
/// the row before (`LedgerRowWriter.head`, starting from the stored head read in the same transaction), and
/// a row that was not inserted (its event already there) does not move the head. No other connection can
/// write in between (the import holds SQLite's write lock from its first write, the drop, to its commit)
/// or see the table without its trigger (readers see the last commit), and a failed import rolls the drop
/// back with everything else. So what the trigger guards — that nothing is appended out of chain — holds
/// for every committed state, and the trigger still refuses any other writer's broken link (tests: the
/// same ledger as row by row with the trigger; after an import, and after a failed one, a row with a wrong
/// `prev_hash` is refused; `clearance verify` finds the chain intact).
struct SuspendedChainTrigger {
    let name: String
    /// The trigger's `CREATE TRIGGER` statement as stored (nil: not dropped, or the table has none).
    private(set) var sql: String?

    init(table: String) { name = "\(table)_chain" }

    /// Drops the trigger, remembering its SQL.
    mutating func drop(_ db: Database) throws {
        sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?", arguments: [name])
        guard sql != nil else { return }
        try db.execute(sql: "DROP TRIGGER main.\"\(name)\"")
    }

    /// Re-creates what ``drop(_:)`` dropped.
    func recreate(_ db: Database) throws {
        guard let sql else { return }
        try db.execute(sql: sql)
    }
}

/// Builds a table's secondary indexes in one pass at the end of a large import instead of row by row.
///
/// The ledger's query indexes (`usage_by_time`, `usage_by_party`, `usage_by_agreement`) take each
/// imported row at a random position (the log is in random time order): once they outgrow the page
/// cache, every insert reads and writes index pages through the kernel. Measured on the 1,000,000
/// events of the default workload (bench/PROFILE.md, session 4): inserting into the v3 table with the
/// indexes cost ~19 s of user CPU, without them ~11 s, and `CREATE INDEX` of the three afterwards ~3 s
/// (SQLite sorts the keys, then writes each index page once).
///
/// So, once an import has written as many rows as the ledger held before it (and at least
/// ``Store/bulkIndexMinimum``), the indexes are dropped, and re-created from their own stored SQL
/// (`sqlite_schema`) before the import commits — inside the same transaction, so a failed import rolls
/// the drop back with everything else, and no other connection ever sees the table without them (the
/// import holds the write lock; readers see the last commit). The rebuild reads every row of the
/// table, hence the threshold: it costs at most about twice what indexing the new rows one by one
/// would have, and for a small import into a big ledger nothing changes. Constraint indexes
/// (`UNIQUE (event_id)`: the import's idempotence needs it) have no SQL of their own and are never dropped.
/// `PRAGMA threads` lets SQLite's sorter use a second core during the rebuild (the decide threads are done).
struct BulkIndexes {
    let table: String
    /// How many inserted rows trigger the drop (`Int.max`: never).
    let dropAfter: Int
    /// The dropped indexes' `CREATE INDEX` statements, as stored.
    private(set) var dropped: [String] = []

    init(table: String, existingRows: Int, minimum: Int = Store.bulkIndexMinimum) {
        self.table = table
        dropAfter = max(1, minimum, existingRows)
    }

    /// Drops the table's secondary indexes, remembering their SQL.
    mutating func drop(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name
            """, arguments: [table])
        for r in rows {
            let name: String = r["name"]
            let sql: String = r["sql"]
            try db.execute(sql: "DROP INDEX main.\"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
            dropped.append(sql)
        }
    }

    /// Re-creates what ``drop(_:)`` dropped (nothing when it did not run).
    func recreate(_ db: Database) throws {
        guard !dropped.isEmpty else { return }
        let threads = try Int.fetchOne(db, sql: "PRAGMA threads") ?? 0
        let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -32768
        try db.execute(sql: "PRAGMA threads = \(max(1, ProcessInfo.processInfo.activeProcessorCount))")
        try db.execute(sql: "PRAGMA cache_size = -\(Store.indexBuildCacheMB * 1024)")
        defer {
            try? db.execute(sql: "PRAGMA threads = \(threads)")
            try? db.execute(sql: "PRAGMA cache_size = \(cache)")
        }
        for sql in dropped { try db.execute(sql: sql) }
    }
}
