import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migration v6 (the ledger's document checked by shape in SQL, in full by `verify`) and the import's
/// suspended chain trigger.
@Suite("Store: migration v6, documents proved by the writer and verify, the import's chain trigger", .serialized)
struct LedgerV6Tests {
    static func triggerSQL(_ store: Store) throws -> String? {
        try store.queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'usage_ledger_chain'")
        }
    }

    static func ledgerSQL(_ store: Store) throws -> String {
        try store.queue.read { db in try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'usage_ledger'") ?? "" }
    }

    /// Inserts ledger row `k` with a correct chain hash and the given document, outside the facade.
    static func insertRow(_ store: Store, _ k: Int, prev: String, document: String) throws -> String {
        try store.queue.write { db in
            var cols = LedgerV3Tests.ledgerColumns(k, prev: prev)
            cols = cols.map { $0.0 == "document" ? ("document", document.databaseValue) : $0 }
            return try LedgerV3Tests.insert(db, "usage_ledger", cols)
        }
    }

    @Test("a v5 database is upgraded to v6: rows, chains, references, indexes and trigger kept; the document check is by shape")
    func v5Upgrades() throws {
        let box = Sandbox()
        try LedgerV3Tests.oldDatabase(box, version: 5)
        let before: [[DatabaseValue]] = try DatabaseQueue(path: box.dbPath).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) }
        }
        let store = try box.open()
        #expect(Store.schemaVersion >= 6)
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
        #expect(try LedgerV3Tests.indexes(store, "usage_ledger") == LedgerV3Tests.ledgerIndexes)
        #expect(try store.queue.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count } == 0)
        let sql = try Self.ledgerSQL(store)
        // (v7 tests the same two ends without the GLOB: LedgerV7Tests.)
        // (v8: the same two ends, or a compact document's: LedgerV8Tests.)
        #expect(sql.contains(Schema.eventDocument("document")) && !sql.contains("json_valid"))
        #expect(try Self.triggerSQL(store) != nil)
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)

        // What the shape check refuses: anything that is not `{…}` (every serialised JSON value but an object).
        let head = try #require(String.fromDatabaseValue(before[4][19]))
        for bad in ["[1]", "\"{}\"", "{", "}", "", "1", "null", " {}", "{} "] {
            #expect(throws: DatabaseError.self, "document \(bad.debugDescription)") {
                _ = try Self.insertRow(store, 6, prev: head, document: bad)
            }
        }
        // The other checks still hold: a broken link, a row hash of the wrong length.
        #expect(throws: DatabaseError.self) { _ = try Self.insertRow(store, 6, prev: Schema.genesisHash, document: "{}") }
        #expect(rawSQL(store, """
            INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, document, recorded_at, prev_hash, row_hash)
            VALUES (6, 'e6', 'import', '2026-03-06T10:00:00Z', 's', 'ilkha', '{}', '2026-03-10T00:00:00Z', '\(head)', '\(String(repeating: "a", count: 63))')
            """) != nil)
        _ = try Self.insertRow(store, 6, prev: head, document: #"{"id":"e6"}"#)
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("verify reports a ledger document that has the shape of an object but is not JSON (written outside clearance)")
    func verifyReportsBadDocument() throws {
        let box = Sandbox()
        let store = try box.open()
        var prev = Schema.genesisHash
        prev = try Self.insertRow(store, 1, prev: prev, document: #"{"id":"e1"}"#)
        prev = try Self.insertRow(store, 2, prev: prev, document: "{not json}")
        prev = try Self.insertRow(store, 3, prev: prev, document: #"{"a":1}{"b":2}"#)
        _ = try Self.insertRow(store, 4, prev: prev, document: #"{"id":"e4"}"#)
        // The chain itself is intact (each row hashed as written), so only the document check finds them.
        #expect(try store.verifyChains().ok)
        let problems = try store.integrityProblems()
        #expect(problems.map(\.code) == ["ledger.bad_document", "ledger.bad_document"])
        #expect(problems.map(\.location) == ["usage_ledger seq 2", "usage_ledger seq 3"])
    }

    @Test("verify reports a ledger row hash that is not the row's lowercase hex SHA-256 (v6 checks only its length in SQL)")
    func verifyReportsNonHexRowHash() throws {
        let box = Sandbox()
        let store = try box.open()
        let first = try Self.insertRow(store, 1, prev: Schema.genesisHash, document: #"{"id":"e1"}"#)
        #expect(try store.verifyChains().ok)
        for (k, bad) in [first.uppercased(), String(repeating: "g", count: 64), String(first.dropLast()) + " "].enumerated() {
            let other = Sandbox()
            let s = try other.open()
            _ = try Self.insertRow(s, 1, prev: Schema.genesisHash, document: #"{"id":"e1"}"#)
            #expect(rawSQL(s, """
                INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, document, recorded_at, prev_hash, row_hash)
                VALUES (2, 'e2', 'import', '2026-03-02T10:00:00Z', 's', 'ilkha', '{}', '2026-03-10T00:00:00Z', '\(first)', '\(bad)')
                """) == nil, "case \(k)")
            let report = try s.verifyChains()
            #expect(report.tables.last?.problem?.code == "chain.bad_hash", "case \(k)")
            #expect(report.tables.last?.problem?.location == "usage_ledger seq 2", "case \(k)")
        }
    }

    @Test("drafted documents are JSON objects for the strict parser (the writer proves what v6's CHECK no longer parses)")
    func draftedDocumentsAreObjects() throws {
        for ev in LedgerDraftTests.events() {
            for (decision, agreement, grant) in [("permit", "C-1", 2), ("deny", nil, nil)] as [(String, String?, Int?)] {
                let d = LedgerDraft(event: ev, decision: decision, agreementId: agreement, grantPosition: grant)
                guard case .object = try JSONParser.parse(Array(d.documentText.utf8)) else {
                    Issue.record("not an object: \(d.documentText)")
                    continue
                }
            }
        }
        for e in LedgerDraftTests.entries() {
            guard case .object = try JSONParser.parse(Array(LedgerDraft(e).documentText.utf8)) else {
                Issue.record("not an object")
                continue
            }
        }
    }

    @Test("an import puts the chain trigger back: same trigger after it, a broken link still refused; a failed import too")
    func importKeepsTheChainTrigger() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let box = Sandbox()
        let store = try box.open()
        let trigger = try #require(try Self.triggerSQL(store))
        let r = try store.importUsage(at: now, bulkIndexMinimum: Int.max, next: LedgerV3Tests.feed([LedgerV3Tests.drafts(1...5)]))
        #expect(r.inserted == 5)
        #expect(try Self.triggerSQL(store) == trigger)
        #expect(try store.verifyChains().ok)
        // A row linked to anything but the head is refused by the trigger the import put back.
        #expect(throws: DatabaseError.self) { _ = try Self.insertRow(store, 6, prev: Schema.genesisHash, document: "{}") }
        // A failing import (a conflicting event) leaves the trigger and the ledger as they were.
        let before = try LedgerV3Tests.rows(store, "usage_ledger")
        do {
            _ = try store.importUsage(at: now, bulkIndexMinimum: 1,
                                      next: LedgerV3Tests.feed([LedgerV3Tests.drafts(6...9), LedgerV3Tests.drafts(2...2, document: "changed")]))
            Issue.record("a conflicting event was accepted")
        } catch {
            #expect(error.diagnostics.first?.code == "usage.conflicting_event")
        }
        #expect(try Self.triggerSQL(store) == trigger)
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
        // Imports continue the chain from the stored head (and re-importing adds nothing).
        let more = try store.importUsage(at: now, next: LedgerV3Tests.feed([LedgerV3Tests.drafts(1...9)]))
        #expect(more.inserted == 4 && more.alreadyPresent == 5)
        #expect(try store.verifyChains().ok)
        #expect(try store.verifyChains().tables.last?.rows == 9)
        #expect(try Self.triggerSQL(store) == trigger)
    }
}
