import ClearanceCore
import Foundation
import Testing
@testable import ClearanceStore

@Suite("Store: schema and migrations")
struct SchemaTests {
    @Test("a new database is created with every table, in WAL mode, with foreign keys on")
    func migrationsFromEmpty() throws {
        let box = Sandbox()
        let store = try box.open()
        let (tables, mode, fk, version) = try store.queue.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
             try Int.fetchOne(db, sql: "PRAGMA user_version"))
        }
        #expect(tables == ["agreement", "agreement_end", "agreement_grant", "agreement_restriction", "agreement_version",
                           "decision_log", "policy_revision", "source", "store_meta", "subscriber", "usage_ledger"])
        #expect(mode == "wal")
        #expect(fk == 1)
        #expect(version == Store.schemaVersion)
        // Opening again is a no-op.
        let again = try box.open()
        #expect(try again.subscribers().isEmpty)
    }

    @Test("a database from a newer clearance is refused")
    func newerSchema() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
        #expect(throws: Diagnostic.self) { try box.open() }
    }

    @Test("a file that is not a database is a clear error")
    func notADatabase() throws {
        let box = Sandbox()
        #expect(FileManager.default.createFile(atPath: box.dbPath, contents: Data(String(repeating: "not sqlite\n", count: 200).utf8)))
        do {
            _ = try box.open()
            Issue.record("opened a text file as a database")
        } catch {
            #expect(error.code == "store.not_a_database")
        }
    }

    /// Raw SQL inserts that bypass Swift validation, and the constraint each must hit.
    static let invariantCases: [(String, String)] = [
        ("INSERT INTO source VALUES ('', '2026-01-01T00:00:00Z')", "CHECK"),
        ("INSERT INTO source VALUES ('x', '2026-01-01')", "CHECK"),
        ("INSERT INTO subscriber VALUES ('s', NULL, 'yesterday')", "CHECK"),
        ("INSERT INTO agreement VALUES ('A', 'nosuchsource', 's', '2026-01-01T00:00:00Z')", "FOREIGN KEY"),
        ("INSERT INTO agreement VALUES ('C-2026-0007', 'ilkha', 'alsharq', '2026-01-01T00:00:00Z')", "UNIQUE"),
        // term ends before it starts
        ("""
         INSERT INTO agreement_version VALUES ('C-2026-0007', 2, 'contract', NULL, '2026-02-01T00:00:00Z',
           '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', NULL, NULL, '{}')
         """, "CHECK"),
        // unknown kind
        ("""
         INSERT INTO agreement_version VALUES ('C-2026-0007', 2, 'handshake', NULL, '2026-01-01T00:00:00Z',
           '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', NULL, NULL, '{}')
         """, "CHECK"),
        // a gap in version numbers
        ("""
         INSERT INTO agreement_version VALUES ('C-2026-0007', 5, 'contract', NULL, '2026-01-01T00:00:00Z',
           '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', NULL, NULL, '{}')
         """, "without gaps"),
        // an ended agreement cannot get a new version
        ("""
         INSERT INTO agreement_version VALUES ('C-END', 2, 'contract', NULL, '2026-01-01T00:00:00Z',
           '2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z', NULL, NULL, '{}')
         """, "ended agreement"),
        // an empty channel list, a bad quota period
        ("""
         INSERT INTO agreement_grant VALUES ('C-2026-0007', 1, 5, '["text"]', '["use"]', '["whole"]', '[]', '["TR"]', '[]',
           NULL, NULL, NULL, NULL, '[]')
         """, "CHECK"),
        ("""
         INSERT INTO agreement_grant VALUES ('C-2026-0007', 1, 5, '["text"]', '["use"]', '["whole"]', '["web"]', '["TR"]', '[]',
           NULL, 3, 'fortnight', NULL, '[]')
         """, "CHECK"),
        // a quota count without a period
        ("""
         INSERT INTO agreement_grant VALUES ('C-2026-0007', 1, 5, '["text"]', '["use"]', '["whole"]', '["web"]', '["TR"]', '[]',
           NULL, 3, NULL, NULL, '[]')
         """, "CHECK"),
        // history is append-only
        ("UPDATE agreement_version SET term_end = '2030-01-01T00:00:00Z'", "never changed"),
        ("DELETE FROM agreement_version", "never deleted"),
        ("DELETE FROM agreement", "never deleted"),
        ("DELETE FROM agreement_grant", "never deleted"),
        ("UPDATE agreement_end SET reason = 'x'", "never changed"),
        // the ledger and the decision log are append-only and chained
        ("""
         INSERT INTO usage_ledger (event_id, origin, at, subscriber_id, source_id, document, recorded_at, prev_hash, row_hash)
         VALUES ('e1', 'check', '2026-01-01T00:00:00Z', 's', 'ilkha', '{}', '2026-01-01T00:00:00Z',
           'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
         """, "hash chain"),
        ("""
         INSERT INTO usage_ledger (event_id, origin, at, subscriber_id, source_id, document, recorded_at, prev_hash, row_hash)
         VALUES ('e1', 'guess', '2026-01-01T00:00:00Z', 's', 'ilkha', '{}', '2026-01-01T00:00:00Z',
           '0000000000000000000000000000000000000000000000000000000000000000', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
         """, "CHECK"),
        ("""
         INSERT INTO decision_log (decision_id, decided_at, decision, agreement_versions, request, response, prev_hash, row_hash)
         VALUES ('d1', '2026-01-01T00:00:00Z', 'maybe', '[]', '{}', '{}',
           '0000000000000000000000000000000000000000000000000000000000000000', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
         """, "CHECK"),
        ("""
         INSERT INTO decision_log (decision_id, decided_at, decision, agreement_versions, request, response, prev_hash, row_hash)
         VALUES ('d1', '2026-01-01T00:00:00Z', 'permit', '[]', 'not json', '{}',
           '0000000000000000000000000000000000000000000000000000000000000000', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
         """, "CHECK"),
    ]

    @Test("the schema itself enforces each invariant when Swift validation is bypassed", arguments: invariantCases.indices)
    func schemaInvariants(_ index: Int) throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON()), try agreement(agreementJSON(id: "C-END"))], policies: box.policies)
        try store.endAgreement(id: "C-END", at: instant("2026-06-01"), reason: "test")
        let (sql, expected) = Self.invariantCases[index]
        let error = rawSQL(store, sql)
        #expect(error != nil, "accepted: \(sql)")
        #expect(error?.contains(expected) == true, "\(error ?? "")")
    }

    @Test("the ledger and decision log cannot be edited or deleted")
    func appendOnlyLogs() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.appendDecisions([sampleDecision("d-1")])
        _ = try store.importUsage([sampleUse("e-1")])
        #expect(rawSQL(store, "UPDATE decision_log SET decision = 'deny'")?.contains("never changed") == true)
        #expect(rawSQL(store, "DELETE FROM decision_log")?.contains("never deleted") == true)
        #expect(rawSQL(store, "UPDATE usage_ledger SET channel = 'tv'")?.contains("never changed") == true)
        #expect(rawSQL(store, "DELETE FROM usage_ledger")?.contains("never deleted") == true)
    }
}

func sampleDecision(_ id: String, decision: String = "permit", subscriber: String = "alsharq",
                    at: String = "2026-03-01T10:00:00Z") -> DecisionLogEntry {
    DecisionLogEntry(decisionId: id, decidedAt: instant(at).date, requestId: "r-" + id, subscriber: subscriber, source: "ilkha",
                     decision: decision, policyHash: nil, agreementVersions: [AgreementVersionRef(id: "C-2026-0007", version: 1)],
                     request: ["id": .string("r-" + id)], response: ["decision": .string(decision)])
}

func sampleUse(_ id: String, agreement: String? = nil, at: String = "2026-03-01T10:00:00Z") -> LedgerEntry {
    LedgerEntry(eventId: id, origin: .import, at: instant(at).date, subscriber: "alsharq", source: "ilkha",
                agreementId: agreement, assetId: "ilkha-1", assetKind: "text", action: "reproduce", extent: "whole",
                channel: "web", territory: "IQ", document: ["id": .string(id)])
}
