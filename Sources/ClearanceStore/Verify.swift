import ClearanceCore
import Foundation
import GRDB

/// The result of walking the hash chains (`clearance verify`).
public struct ChainReport: Sendable, Equatable {
    /// One chained table's result.
    public struct Table: Sendable, Equatable {
        public var table: String
        /// Rows checked.
        public var rows: Int
        /// The `row_hash` of the last row (64 zeros when empty): publish it to detect rewrites later.
        public var head: String
        /// The first problem found, if any.
        public var problem: Diagnostic?

        /// A table's result as ``Store/verifyChains()`` makes it (public for reports and their tests).
        public init(table: String, rows: Int, head: String, problem: Diagnostic?) {
            self.table = table
            self.rows = rows
            self.head = head
            self.problem = problem
        }
    }
    public var tables: [Table]
    /// True when every chain is intact.
    public var ok: Bool { tables.allSatisfy { $0.problem == nil } }
}

extension Store {
    /// Walks the decision-log and usage-ledger chains, recomputing every row hash.
    ///
    /// Reports, per table, the first row whose `prev_hash` does not link to the previous row
    /// (`chain.broken_link`), whose `row_hash` does not match its content (`chain.bad_hash`), or
    /// the first row missing from the numbering 1, 2, 3... (`chain.missing_row`: a deleted row).
    public func verifyChains() throws(DiagnosticError) -> ChainReport {
        try read { tx in
            var tables: [ChainReport.Table] = []
            for table in ["decision_log", "usage_ledger"] {
                var prev = Schema.genesisHash
                var prevSeq: Int64 = 0
                var count = 0
                var problem: Diagnostic?
                let cursor = try Row.fetchCursor(tx.db, sql: "SELECT * FROM \(table) ORDER BY seq")
                while let row = try cursor.next() {
                    count += 1
                    // Optional reads: a tampered file may hold NULL or the wrong type here, which must
                    // be reported, not trap in GRDB's non-optional conversion.
                    let seq = Int64.fromDatabaseValue(row["seq"] as DatabaseValue) ?? -1
                    let stored = String.fromDatabaseValue(row["row_hash"] as DatabaseValue) ?? ""
                    let prevHash = String.fromDatabaseValue(row["prev_hash"] as DatabaseValue) ?? ""
                    // Rows are numbered 1, 2, 3... (`MAX(seq) + 1`, never deleted): a gap is a deleted row.
                    if seq != prevSeq + 1 {
                        let missing = seq == prevSeq + 2 ? "row \(prevSeq + 1) is" : "rows \(prevSeq + 1)–\(seq - 1) are"
                        problem = Diagnostic(
                            code: "chain.missing_row",
                            message: "\(table) \(missing) missing: deleted outside clearance",
                            hint: "restore the database from a backup taken before the deletion",
                            location: "\(table) seq \(prevSeq + 1)", category: .invalidValue)
                        break
                    }
                    prevSeq = seq
                    if prevHash != prev {
                        problem = Diagnostic(
                            code: "chain.broken_link",
                            message: "\(table) row \(seq): prev_hash does not match the row before it",
                            hint: "rows were removed, reordered or inserted outside clearance",
                            location: "\(table) seq \(seq)", category: .invalidValue)
                        break
                    }
                    var cols: [(String, DatabaseValue)] = []
                    for (name, value) in row where name != "row_hash" { cols.append((name, value)) }
                    let computed = Chain.rowHash(cols)
                    if computed != stored {
                        problem = Diagnostic(
                            code: "chain.bad_hash",
                            message: "\(table) row \(seq): its content does not match its row_hash",
                            hint: "the row was changed outside clearance", location: "\(table) seq \(seq)",
                            category: .invalidValue)
                        break
                    }
                    prev = stored
                }
                tables.append(ChainReport.Table(table: table, rows: count, head: prev, problem: problem))
            }
            return ChainReport(tables: tables)
        }
    }
}
