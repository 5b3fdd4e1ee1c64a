import GRDB
import GRDBSQLite

/// One column value of a row the store inserts on a hot path (`contract import`), bound straight to
/// SQLite: text, integer, real or null.
enum ColumnValue: Sendable {
    case text(String)
    case int(Int64)
    case real(Double)
    case null

    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
    init(_ n: Int?) { self = n.map { .int(Int64($0)) } ?? .null }
    init(_ d: Double?) { self = d.map { .real($0) } ?? .null }
}

extension Statement {
    /// Runs this (cached, INSERT) statement with `values` bound by position, straight through the SQLite
    /// C API.
    ///
    /// GRDB's `execute(arguments:)` first builds a `StatementArguments` from `DatabaseValueConvertible`
    /// values (generic conversions, one existential box per value) and then walks it again to bind: perf
    /// put that at 12% of a 100,000-agreement import's CPU, more than SQLite's own insert (7%). The
    /// statement is reset, its bindings cleared and then set (text copied by SQLite, `SQLITE_TRANSIENT`),
    /// stepped to the end; a failure throws the same `DatabaseError` GRDB would (result code, message,
    /// SQL), which the store maps as it always did. Meant for statements used only this way (GRDB's own
    /// `execute(arguments:)` on the same statement resets and rebinds anyway).
    func executeRaw(_ values: [ColumnValue], in db: Database) throws {
        let stmt = sqliteStatement
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (k, v) in values.enumerated() {
            let i = CInt(k + 1)
            let rc: CInt
            switch v {
            case .text(var s): rc = s.withUTF8 { sqlite3_bind_text(stmt, i, $0.baseAddress, CInt($0.count), transient) }
            case .int(let n): rc = sqlite3_bind_int64(stmt, i, n)
            case .real(let d): rc = sqlite3_bind_double(stmt, i, d)
            case .null: rc = sqlite3_bind_null(stmt, i)
            }
            if rc != SQLITE_OK { throw failure(rc, db) }
        }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            if rc != SQLITE_ROW {
                let e = failure(rc, db)
                sqlite3_reset(stmt)
                throw e
            }
        }
        sqlite3_reset(stmt)
    }

    private func failure(_ rc: CInt, _ db: Database) -> DatabaseError {
        let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        // The extended code (e.g. SQLITE_CONSTRAINT_CHECK), as GRDB reports it.
        let extended = db.sqliteConnection.map { sqlite3_extended_errcode($0) } ?? rc
        return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: sql)
    }
}
