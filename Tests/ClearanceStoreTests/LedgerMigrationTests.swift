import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migration v2 rebuilds the usage ledger of a v1 database without its `row_hash` index and with a
/// lighter `prev_hash` check: the rows, the chain and the decision log's references must survive.
@Suite("Store: migration v2 (usage ledger rebuilt)", .serialized)
struct LedgerMigrationTests {
    /// A v1 database with five chained ledger rows and a decision-log row pointing at the third.
    static func v1Database(_ box: Sandbox) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: box.dbPath, configuration: config)
        try queue.write { db in
            try db.execute(sql: Schema.migrations[0])
            try db.execute(sql: "PRAGMA user_version = 1")
            var prev = Schema.genesisHash
            for k in 1...5 {
                let cols = LedgerV3Tests.ledgerColumns(k, prev: prev)
                let hash = Chain.rowHash(cols)
                try db.execute(sql: """
                    INSERT INTO usage_ledger (\(cols.map(\.0).joined(separator: ", ")), row_hash)
                    VALUES (\(Array(repeating: "?", count: cols.count + 1).joined(separator: ", ")))
                    """, arguments: StatementArguments(cols.map(\.1) + [hash.databaseValue]))
                prev = hash
            }
            try db.execute(sql: """
                INSERT INTO decision_log (seq, decision_id, decided_at, decision, agreement_versions, request, response,
                  ledger_seq, prev_hash, row_hash)
                VALUES (1, 'd1', '2026-03-03T10:00:00Z', 'permit', '[]', '{}', '{}', 3, ?, ?)
                """, arguments: [Schema.genesisHash, String(repeating: "ab", count: 32)])
        }
    }

    static func ledgerRows(_ store: Store) throws -> [[DatabaseValue]] {
        try store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) }
        }
    }

    @Test("a v1 ledger keeps its rows, chain and references; the row_hash index is gone; the chain is still enforced")
    func v1LedgerIsRebuilt() throws {
        let box = Sandbox()
        try Self.v1Database(box)
        let before: [[DatabaseValue]] = try DatabaseQueue(path: box.dbPath).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) }
        }
        let store = try box.open()
        let (version, indexes, fkProblems, sql) = try store.queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_ledger' ORDER BY name"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'usage_ledger'") ?? "")
        }
        // v1 → v2 → v3 (v3 rebuilds the ledger again, keeping the same rows, chain and indexes).
        #expect(version == Store.schemaVersion)
        #expect(try Self.ledgerRows(store) == before)
        #expect(before.count == 5)
        // event_id's UNIQUE index and the three query indexes; no index on row_hash.
        #expect(indexes == ["sqlite_autoindex_usage_ledger_1", "usage_by_agreement", "usage_by_party", "usage_by_time"])
        #expect(!sql.contains("row_hash TEXT NOT NULL UNIQUE"))
        #expect(fkProblems == 0)
        // (The decision-log row's hash is a placeholder: only the ledger's chain is checked here.)
        let ledger = try #require(try store.verifyChains().tables.first { $0.table == "usage_ledger" })
        #expect(ledger.problem == nil)
        #expect(ledger.rows == 5)
        // `verify --head` still finds a row by its hash (by a scan now).
        let head = try #require(String.fromDatabaseValue(before[4][19]))
        #expect(try store.chainContains(table: "usage_ledger", hash: head))
        #expect(try !store.chainContains(table: "usage_ledger", hash: String(repeating: "0f", count: 32)))

        // The schema still refuses what it refused: a broken link, a bad row hash, an update, a delete.
        func insert(prev: String, hash: String, decision: String = "deny") throws {
            try store.queue.write { db in
                try db.execute(sql: """
                    INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, decision, document, recorded_at,
                      prev_hash, row_hash)
                    VALUES (6, 'e6', 'import', '2026-03-06T10:00:00Z', 'alsharq', 'ilkha', ?, '{}', '2026-03-10T00:00:00Z', ?, ?)
                    """, arguments: [decision, prev, hash])
            }
        }
        // The decision check, written as comparisons in v2, still refuses an unknown decision.
        #expect(throws: DatabaseError.self) { try insert(prev: head, hash: String(repeating: "cd", count: 32), decision: "maybe") }
        #expect(throws: DatabaseError.self) { try insert(prev: Schema.genesisHash, hash: String(repeating: "cd", count: 32)) }
        // (A 64-character hash that is not lowercase hex is refused by SQL up to v5, reported by `verify` from v6: LedgerV6Tests.)
        #expect(throws: DatabaseError.self) { try insert(prev: head, hash: String(repeating: "XY", count: 33)) }
        #expect(throws: DatabaseError.self) { try insert(prev: head, hash: "abc") }
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in try db.execute(sql: "UPDATE usage_ledger SET decision = 'deny' WHERE seq = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in try db.execute(sql: "DELETE FROM usage_ledger WHERE seq = 5") }
        }
        try insert(prev: head, hash: String(repeating: "cd", count: 32))
        #expect(try Self.ledgerRows(store).count == 6)
    }
}
