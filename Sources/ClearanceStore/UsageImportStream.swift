import ClearanceCore
import Foundation
import GRDB

// Added by the audit engineer for `clearance usage import` (streaming, all or nothing).
// Same rules as `Store.importUsage(_:at:)`, but the events arrive in batches, so a log of any
// size imports in bounded memory, still in ONE transaction.

extension Store {
    /// Imports usage events pulled in batches from `next` (nil ends): all or nothing, idempotent by event id.
    ///
    /// An event id already in the ledger with the same document is skipped; with a different
    /// document it is a `usage.conflicting_event` problem (location `LABEL`, from `label`). Problems
    /// are collected (up to `maxProblems`) and then nothing is written. An error thrown by `next`
    /// (a malformed line, a truncated gzip file) also rolls everything back.
    public func importUsage(
        at now: Date = Date(), maxProblems: Int = 100,
        label: (LedgerEntry) -> String = { "event `\($0.eventId)`" },
        next: () throws -> [LedgerEntry]?
    ) throws(DiagnosticError) -> UsageImportResult {
        try write { tx in
            var inserted = 0, present = 0
            var problems: [Diagnostic] = []
            var more = 0
            let find = try tx.db.cachedStatement(sql: "SELECT document FROM usage_ledger WHERE event_id = ?")
            while let batch = try next() {
                for e in batch {
                    if let existing = try String.fetchOne(find, arguments: [e.eventId]) {
                        if existing == e.document.serialized() {
                            present += 1
                        } else if problems.count < maxProblems {
                            problems.append(Diagnostic(
                                code: "usage.conflicting_event",
                                message: "event `\(e.eventId)` is already in the ledger with different content",
                                hint: "give each use its own id", location: label(e), category: .invalidValue))
                        } else {
                            more += 1
                        }
                        continue
                    }
                    if problems.isEmpty {
                        try tx.recordUse(e, recordedAt: now)
                        inserted += 1
                    }
                }
            }
            if !problems.isEmpty {
                if more > 0 {
                    problems.append(Diagnostic(code: "usage.more_problems", message: "and \(more) more conflicting events",
                                               category: .invalidValue))
                }
                throw DiagnosticError(problems)
            }
            return UsageImportResult(inserted: inserted, alreadyPresent: present)
        }
    }

    /// Number of events in the ledger.
    public func ledgerCount() throws(DiagnosticError) -> Int {
        try read { tx in try Int.fetchOne(tx.db, sql: "SELECT COUNT(*) FROM usage_ledger") ?? 0 }
    }
}
