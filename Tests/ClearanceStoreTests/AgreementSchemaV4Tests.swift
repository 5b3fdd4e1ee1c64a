import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migration v4 rebuilds `agreement_version` and `agreement_grant` with cheaper checks meaning the same (`=`
/// chains for the IN lists, the `ltrim` hex check): every row survives, the checks and triggers still refuse
/// what they refused, and an import gives the same rows as before.
@Suite("Store: migration v4 (agreement tables rebuilt)", .serialized)
struct AgreementSchemaV4Tests {
    static let hash = String(repeating: "3c", count: 32)

    /// A v3 database with three agreements (one amended to version 2, one ended), written by the store's own
    /// code on the v3 schema.
    static func v3Database(_ box: Sandbox) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: box.dbPath, configuration: config)
        try queue.write { db in
            for k in 0..<3 { try db.execute(sql: Schema.migrations[k]) }
            try db.execute(sql: "PRAGMA user_version = 3")
            let tx = StoreTransaction(db: db)
            let at = Date(timeIntervalSince1970: 1_780_000_000)
            _ = try tx.registerPolicy(try box.policies.policy(for: "ilkha"), at: at)
            try tx.addAgreement(try agreement(agreementJSON(id: "C-1")), policyRevision: Self.hash, at: at)
            try tx.addAgreement(try agreement(agreementJSON(id: "C-2", subscriber: "levant", kind: "license", quota: #"{"count": 5, "per": "week"}"#)),
                                policyRevision: nil, at: at)
            try tx.addAgreement(try agreement(agreementJSON(id: "C-3", kind: "subscription")), policyRevision: Self.hash, at: at)
            try tx.amendAgreement(try agreement(agreementJSON(id: "C-1", channels: #"["web"]"#)),
                                  effectiveAt: Instant(millisecondsSinceEpoch: 1_785_000_000_000), note: "web only",
                                  policyRevision: Self.hash, at: at)
            try tx.endAgreement(id: "C-3", at: Instant(millisecondsSinceEpoch: 1_786_000_000_000), reason: "cancelled", recordedAt: at)
        }
    }

    static func rows(_ db: Database, _ table: String) throws -> [[DatabaseValue]] {
        try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY agreement_id, version\(table == "agreement_version" ? "" : ", position")")
            .map { Array($0.databaseValues) }
    }

    static let tables = ["agreement_version", "agreement_grant", "agreement_restriction"]

    @Test("a v3 database keeps every agreement row; the new checks are in place; triggers and keys still hold")
    func v3AgreementsAreRebuilt() throws {
        let box = Sandbox()
        try Self.v3Database(box)
        let before: [[[DatabaseValue]]] = try DatabaseQueue(path: box.dbPath).read { db in try Self.tables.map { try Self.rows(db, $0) } }
        #expect(before[0].count == 4 && before[1].count == 4 && before[2].count == 4)
        let store = try box.open()
        let (version, fkProblems, after, versionSQL, grantSQL, triggers) = try store.queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
             try Self.tables.map { try Self.rows(db, $0) },
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'agreement_version'") ?? "",
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'agreement_grant'") ?? "",
             try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('agreement_version', 'agreement_grant') ORDER BY name"))
        }
        #expect(version == Store.schemaVersion)
        #expect(fkProblems == 0)
        #expect(after == before)
        #expect(!versionSQL.contains(" IN (") && versionSQL.contains("ltrim(policy_hash"))
        #expect(!grantSQL.contains(" IN ("))
        #expect(triggers == ["agreement_grant_no_delete", "agreement_grant_no_update", "agreement_version_contiguous",
                             "agreement_version_no_delete", "agreement_version_no_update", "agreement_version_not_ended"])
        // The store still reads them as before.
        #expect(try store.agreementHistory("C-1")?.versions.count == 2)
        #expect(try store.agreementHistory("C-3")?.termination != nil)
    }

    /// Each rewritten check refuses what the v1 check refused, and accepts what it accepted.
    @Test("kind, quota period and policy hash are checked as strictly as in v1; triggers still refuse gaps, ended agreements, changes")
    func checksStillRefuse() throws {
        let box = Sandbox()
        try Self.v3Database(box)
        let store = try box.open()
        func refused(_ sql: String, _ args: StatementArguments = []) -> Bool {
            do {
                try store.queue.write { db in try db.execute(sql: sql, arguments: args) }
                return false
            } catch { return true }
        }
        let version = """
            INSERT INTO agreement_version (agreement_id, version, kind, signed_at, term_start, term_end, effective_at, recorded_at,
              note, policy_hash, document)
            VALUES ('C-2', 2, ?, NULL, '2026-01-01T00:00:00Z', NULL, '2026-07-01T00:00:00Z', '2026-07-01T00:00:00Z', NULL, ?, '{}')
            """
        #expect(refused(version, ["lease", nil]))
        #expect(refused(version, ["Contract", nil]))
        #expect(refused(version, ["license", String(repeating: "3C", count: 32)]))
        #expect(refused(version, ["license", String(repeating: "3c", count: 31) + "3g"]))
        #expect(refused(version, ["license", String(repeating: "3c", count: 31)]))
        #expect(refused(version, ["license", String(repeating: "3c", count: 31) + "3\u{0}"]))
        let grant = """
            INSERT INTO agreement_grant (agreement_id, version, position, assets, actions, extent, channels, territories,
              exclude_territories, max_portion, quota_count, quota_per, embargo, duties)
            VALUES ('C-2', 2, 0, '["text"]', '["use"]', '["whole"]', '["web"]', '["TR"]', '[]', NULL, ?, ?, NULL, '[]')
            """
        // A version 2 of C-2 with a bad quota period is refused with its version (one transaction).
        func versionAndGrant(_ count: Int?, _ per: String?) -> Bool {
            do {
                try store.queue.write { db in
                    try db.execute(sql: version, arguments: ["license", Self.hash])
                    try db.execute(sql: grant, arguments: [count, per])
                }
                return false
            } catch { return true }
        }
        #expect(versionAndGrant(5, "hour"))
        #expect(versionAndGrant(5, "Day"))
        #expect(versionAndGrant(5, nil))
        // Gaps, ended agreements, updates and deletes are still refused.
        #expect(refused(version.replacingOccurrences(of: "'C-2', 2", with: "'C-2', 3"), ["license", nil]))
        #expect(refused(version.replacingOccurrences(of: "'C-2', 2", with: "'C-3', 2"), ["license", nil]))
        #expect(refused("UPDATE agreement_version SET note = 'x' WHERE agreement_id = 'C-1'"))
        #expect(refused("DELETE FROM agreement_grant WHERE agreement_id = 'C-1'"))
        // And a good one is accepted (every kind and period: the import test below).
        #expect(!versionAndGrant(5, "day"))
        let versions = try store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agreement_version WHERE agreement_id = 'C-2'") }
        #expect(versions == 2)
    }

    /// Every kind and quota period an agreement may have goes in through `contract import`'s path.
    @Test("agreements of every kind and quota period import under v4")
    func everyKindAndPeriodImports() throws {
        let box = Sandbox()
        let store = try box.open()
        var list: [Agreement] = []
        for (k, kind) in ["contract", "subscription", "license", "permission"].enumerated() {
            for (j, per) in ["day", "week", "month", "year", "term"].enumerated() {
                list.append(try agreement(agreementJSON(id: "K-\(k)-\(j)", subscriber: "s\(k)", kind: kind,
                                                         quota: #"{"count": 3, "per": "\#(per)"}"#)))
            }
        }
        #expect(try store.addAgreements(list, policies: box.policies) == 20)
        let rows = try store.queue.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT kind) FROM agreement_version"),
             try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT quota_per) FROM agreement_grant"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agreement_version WHERE policy_hash IS NOT NULL"))
        }
        #expect(rows.0 == 4 && rows.1 == 5 && rows.2 == 20)
    }
}
