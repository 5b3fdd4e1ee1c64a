import ClearanceCore
import Foundation
import GRDB

// Added by the audit engineer for `clearance usage import` (streaming, all or nothing).
// Same rules as `Store.importUsage(_:at:)`, but the events arrive in batches, so a log of any
// size imports in bounded memory, still in ONE transaction.
//
// Speed (1,000,000 events in well under 10 s of store time): per event one cached INSERT with
// `ON CONFLICT(event_id) DO NOTHING` (only when it did nothing is the stored document read back,
// to tell an identical re-import from a conflicting one), the next `seq` and the chain head kept
// in memory instead of read per row, the document serialised once, and the row hash's canonical
// text written straight to bytes (``LedgerCanonical``, byte-identical to `Chain.canonical`).
// `ON CONFLICT(event_id)` and not `INSERT OR IGNORE`: OR IGNORE would also skip a row that breaks a
// CHECK constraint, silently; here any other failure still aborts the whole import.

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
            let insert = try tx.db.cachedStatement(sql: """
                INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, agreement_id, grant_position,
                  asset_id, asset_kind, action, extent, portion, channel, territory, decision, document, recorded_at,
                  prev_hash, row_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(event_id) DO NOTHING
                """)
            var seq = (try Int64.fetchOne(tx.db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM usage_ledger"))) ?? 1
            var prev = try tx.chainHead("usage_ledger")
            let recordedAt = Timestamp.format(now)
            var canonical: [UInt8] = []
            canonical.reserveCapacity(4096)
            while let batch = try next() {
                for e in batch {
                    let document = FastJSON.string(e.document)
                    if problems.isEmpty {
                        let at = Timestamp.format(e.at)
                        let hash = LedgerCanonical.rowHash(e, seq: seq, at: at, document: document, recordedAt: recordedAt,
                                                           prev: prev, scratch: &canonical)
                        try insert.execute(arguments: [
                            seq, e.eventId, e.origin.rawValue, at, e.subscriber, e.source, e.agreementId, e.grantPosition,
                            e.assetId, e.assetKind, e.action, e.extent, e.portion, e.channel, e.territory, e.decision,
                            document, recordedAt, prev, hash,
                        ])
                        if tx.db.changesCount == 1 {
                            seq += 1
                            prev = hash
                            inserted += 1
                            continue
                        }
                    }
                    // Already there (or a problem already found: then only keep checking, write nothing).
                    guard let existing = try String.fetchOne(find, arguments: [e.eventId]) else {
                        if problems.isEmpty { continue }  // unreachable: the insert would have written it
                        continue
                    }
                    if existing == document {
                        present += 1
                    } else if problems.count < maxProblems {
                        problems.append(Diagnostic(
                            code: "usage.conflicting_event",
                            message: "event `\(e.eventId)` is already in the ledger with different content",
                            hint: "give each use its own id", location: label(e), category: .invalidValue))
                    } else {
                        more += 1
                    }
                }
            }
            tx.lastHash["usage_ledger"] = prev
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

/// The usage ledger's row hash, with its canonical text written straight to bytes.
///
/// Byte-identical to `Chain.rowHash(cols)` for the same row (a test compares both on varied
/// rows): keys sorted, compact JSON, numbers as `JSONValue.formatNumber`, strings escaped as
/// `JSONBytes.appendString`, absent values as `null`. It skips building a 19-key `JSONObject` and
/// sorting its keys for every imported row.
enum LedgerCanonical {
    static func rowHash(_ e: LedgerEntry, seq: Int64, at: String, document: String, recordedAt: String, prev: String,
                        scratch out: inout [UInt8]) -> String {
        out.removeAll(keepingCapacity: true)
        write(e, seq: seq, at: at, document: document, recordedAt: recordedAt, prev: prev, to: &out)
        var h = SHA256()
        out.withUnsafeBytes { h.update($0) }
        return SHA256.hexString(h.finalize())
    }

    static func write(_ e: LedgerEntry, seq: Int64, at: String, document: String, recordedAt: String, prev: String,
                      to out: inout [UInt8]) {
        var first = true
        func key(_ k: StaticString) {
            if !first { out.append(0x2C) }
            first = false
            out.append(0x22)
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(0x22)
            out.append(0x3A)
        }
        func str(_ k: StaticString, _ v: String?) {
            key(k)
            if let v { JSONBytes.appendString(v, to: &out) } else { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        }
        func num(_ k: StaticString, _ v: Double?) {
            key(k)
            if let v { out.append(contentsOf: JSONValue.formatNumber(v).utf8) } else { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        }
        out.append(0x7B)
        // Sorted by key, as `Chain.canonical` sorts them.
        str("action", e.action)
        str("agreement_id", e.agreementId)
        str("asset_id", e.assetId)
        str("asset_kind", e.assetKind)
        str("at", at)
        str("channel", e.channel)
        str("decision", e.decision)
        str("document", document)
        str("event_id", e.eventId)
        str("extent", e.extent)
        num("grant_position", e.grantPosition.map(Double.init))
        str("origin", e.origin.rawValue)
        num("portion", e.portion)
        str("prev_hash", prev)
        str("recorded_at", recordedAt)
        num("seq", Double(seq))
        str("source_id", e.source)
        str("subscriber_id", e.subscriber)
        str("territory", e.territory)
        out.append(0x7D)
    }
}
