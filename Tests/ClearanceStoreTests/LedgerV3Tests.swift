import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migrations v3 and v5 (cheaper per-row checks on the usage ledger and the decision log), the decision log's
/// direct canonical writer, and the import's bulk index build.
@Suite("Store: migrations v3 and v5, decision-log writer, bulk indexes", .serialized)
struct LedgerV3Tests {
    static let ledgerIndexes = ["sqlite_autoindex_usage_ledger_1", "usage_by_agreement", "usage_by_party", "usage_by_time"]

    static func ledgerColumns(_ k: Int, prev: String) -> [(String, DatabaseValue)] {
        [
            ("seq", Int64(k).databaseValue), ("event_id", "e\(k)".databaseValue), ("origin", "import".databaseValue),
            ("at", "2026-03-0\(k)T10:00:00Z".databaseValue), ("subscriber_id", "alsharq".databaseValue),
            ("source_id", "ilkha".databaseValue), ("agreement_id", DatabaseValue.null), ("grant_position", DatabaseValue.null),
            ("asset_id", "ilkha-1".databaseValue), ("asset_kind", "text".databaseValue), ("action", "reproduce".databaseValue),
            ("extent", "partial".databaseValue), ("portion", (0.25 * Double(k % 4)).databaseValue),
            ("channel", "web".databaseValue), ("territory", "IQ".databaseValue), ("decision", "permit".databaseValue),
            ("document", #"{"id":"e\#(k)"}"#.databaseValue), ("recorded_at", "2026-03-10T00:00:00Z".databaseValue),
            ("prev_hash", prev.databaseValue),
        ]
    }

    static let policyHash = String(repeating: "5a", count: 32)

    static func decisionColumns(_ k: Int, prev: String, ledgerSeq: Int64?, policy: Bool) -> [(String, DatabaseValue)] {
        [
            ("seq", Int64(k).databaseValue), ("decision_id", "d\(k)".databaseValue),
            ("decided_at", "2026-03-0\(k)T10:00:00Z".databaseValue), ("request_id", "r\(k)".databaseValue),
            ("subscriber_id", "alsharq".databaseValue), ("source_id", "ilkha".databaseValue),
            ("decision", (k == 2 ? "deny" : "permit").databaseValue),
            ("policy_hash", policy ? policyHash.databaseValue : DatabaseValue.null),
            ("agreement_versions", #"[{"id":"C-1","version":1}]"#.databaseValue),
            ("request", #"{"id":"r\#(k)"}"#.databaseValue), ("response", #"{"decision":"permit"}"#.databaseValue),
            ("ledger_seq", ledgerSeq.databaseValue), ("prev_hash", prev.databaseValue),
        ]
    }

    static func insert(_ db: Database, _ table: String, _ cols: [(String, DatabaseValue)]) throws -> String {
        let hash = Chain.rowHash(cols)
        try db.execute(sql: """
            INSERT INTO \(table) (\(cols.map(\.0).joined(separator: ", ")), row_hash)
            VALUES (\(Array(repeating: "?", count: cols.count + 1).joined(separator: ", ")))
            """, arguments: StatementArguments(cols.map(\.1) + [hash.databaseValue]))
        return hash
    }

    /// A database at schema `version` (2, 3 or 4): five chained ledger rows, three chained decision-log rows
    /// (one pointing at ledger row 3, one naming a registered policy revision).
    static func oldDatabase(_ box: Sandbox, version: Int) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: box.dbPath, configuration: config)
        try queue.write { db in
            for k in 0..<version { try db.execute(sql: Schema.migrations[k]) }
            try db.execute(sql: "PRAGMA user_version = \(version)")
            try db.execute(sql: "INSERT INTO source (id, registered_at) VALUES ('ilkha', '2026-01-01T00:00:00Z')")
            try db.execute(sql: """
                INSERT INTO policy_revision (source_id, hash, body, registered_at) VALUES ('ilkha', ?, '{}', '2026-01-01T00:00:00Z')
                """, arguments: [policyHash])
            var prev = Schema.genesisHash
            for k in 1...5 { prev = try insert(db, "usage_ledger", ledgerColumns(k, prev: prev)) }
            prev = Schema.genesisHash
            for k in 1...3 {
                prev = try insert(db, "decision_log", decisionColumns(k, prev: prev, ledgerSeq: k == 1 ? 3 : nil, policy: k != 3))
            }
        }
    }

    static func rows(_ store: Store, _ table: String) throws -> [[DatabaseValue]] {
        try store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY seq").map { Array($0.databaseValues) }
        }
    }

    static func indexes(_ store: Store, _ table: String) throws -> [String] {
        try store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name",
                                arguments: [table])
        }
    }

    @Test("a v2, v3, v4 or v5 database is upgraded: rows, chains, references and indexes kept; the cheaper checks refuse what the old ones did",
          arguments: [2, 3, 4, 5])
    func oldDatabaseUpgrades(version old: Int) throws {
        let box = Sandbox()
        try Self.oldDatabase(box, version: old)
        let (ledgerBefore, logBefore): ([[DatabaseValue]], [[DatabaseValue]]) = try DatabaseQueue(path: box.dbPath).read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) },
             try Row.fetchAll(db, sql: "SELECT * FROM decision_log ORDER BY seq").map { Array($0.databaseValues) })
        }
        #expect(ledgerBefore.count == 5 && logBefore.count == 3)
        let store = try box.open()
        let (version, fkProblems, logSQL, ledgerSQL) = try store.queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"),
             try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'decision_log'") ?? "",
             try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'usage_ledger'") ?? "")
        }
        #expect(version == Store.schemaVersion)
        #expect(Store.schemaVersion >= 5)
        #expect(try Self.rows(store, "usage_ledger") == ledgerBefore)
        #expect(try Self.rows(store, "decision_log") == logBefore)
        #expect(fkProblems == 0)
        #expect(try Self.indexes(store, "usage_ledger") == Self.ledgerIndexes)
        // decision_id's UNIQUE index and the three query indexes; no index on row_hash any more.
        #expect(try Self.indexes(store, "decision_log")
                == ["decision_by_source", "decision_by_subscriber", "decision_by_time", "sqlite_autoindex_decision_log_1"])
        #expect(!logSQL.contains("GLOB '*[^0-9a-f]*'") && !ledgerSQL.contains("GLOB '*[^0-9a-f]*'"))
        #expect(!logSQL.contains("ltrim") && !ledgerSQL.contains("ltrim"))
        #expect(logSQL.contains("row_hash GLOB '[0-9a-f][0-9a-f]"))
        // v6: the ledger's row_hash is checked by length in SQL (v7: its length in bytes); `verify` recomputes it
        // (LedgerV6Tests, LedgerV7Tests).
        #expect(ledgerSQL.contains(Schema.digestLength("row_hash")))
        #expect(!logSQL.contains("IN ('permit'"))
        // Both chains verify, as written before the upgrade.
        let report = try store.verifyChains()
        #expect(report.ok)
        #expect(report.tables.map(\.rows) == [3, 5])

        // The ledger still refuses a row hash of the wrong length, a broken link, a bad decision (since v6 a
        // 64-character row hash that is not lowercase hex is `verify`'s to report: LedgerV6Tests).
        let head = try #require(String.fromDatabaseValue(ledgerBefore[4][19]))
        func ledgerInsert(prev: String, hash: String, decision: String = "deny") throws {
            try store.queue.write { db in
                try db.execute(sql: """
                    INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, decision, document, recorded_at,
                      prev_hash, row_hash)
                    VALUES (6, 'e6', 'import', '2026-03-06T10:00:00Z', 'alsharq', 'ilkha', ?, '{}', '2026-03-10T00:00:00Z', ?, ?)
                    """, arguments: [decision, prev, hash])
            }
        }
        for bad in ["abc", "", String(repeating: "a", count: 65), String(repeating: "a", count: 63) + "\u{0}"] {
            #expect(throws: DatabaseError.self, "row_hash \(bad.debugDescription)") { try ledgerInsert(prev: head, hash: bad) }
        }
        #expect(throws: DatabaseError.self) { try ledgerInsert(prev: head, hash: String(repeating: "cd", count: 32), decision: "maybe") }
        #expect(throws: DatabaseError.self) { try ledgerInsert(prev: Schema.genesisHash, hash: String(repeating: "cd", count: 32)) }
        try ledgerInsert(prev: head, hash: String(repeating: "cd", count: 32))

        // The decision log refuses an unknown decision, a bad policy or row hash, a broken link, a repeated id,
        // a request that is not a JSON object; and still refuses updates and deletes.
        let logHead = try #require(String.fromDatabaseValue(logBefore[2][13]))
        func logInsert(id: String = "d4", decision: String = "permit", policy: String? = nil, prev: String? = nil,
                       hash: String = String(repeating: "ef", count: 32), request: String = "{}") throws {
            try store.queue.write { db in
                try db.execute(sql: """
                    INSERT INTO decision_log (seq, decision_id, decided_at, source_id, decision, policy_hash, agreement_versions,
                      request, response, prev_hash, row_hash)
                    VALUES (4, ?, '2026-03-04T10:00:00Z', 'ilkha', ?, ?, '[]', ?, '{}', ?, ?)
                    """, arguments: [id, decision, policy, request, prev ?? logHead, hash])
            }
        }
        #expect(throws: DatabaseError.self) { try logInsert(decision: "maybe") }
        #expect(throws: DatabaseError.self) { try logInsert(decision: "Permit") }
        #expect(throws: DatabaseError.self) { try logInsert(policy: Self.policyHash.uppercased()) }
        #expect(throws: DatabaseError.self) { try logInsert(policy: String(repeating: "5b", count: 32)) } // not registered (FK)
        #expect(throws: DatabaseError.self) { try logInsert(hash: String(repeating: "EF", count: 32)) }
        #expect(throws: DatabaseError.self) { try logInsert(hash: "ef") }
        #expect(throws: DatabaseError.self) { try logInsert(prev: Schema.genesisHash) }
        #expect(throws: DatabaseError.self) { try logInsert(id: "d1") }
        #expect(throws: DatabaseError.self) { try logInsert(request: "[1]") }
        #expect(throws: DatabaseError.self) { try logInsert(request: "{") }
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in try db.execute(sql: "UPDATE decision_log SET decision = 'deny' WHERE seq = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in try db.execute(sql: "DELETE FROM decision_log WHERE seq = 3") }
        }
        try logInsert(policy: Self.policyHash)
        #expect(try Self.rows(store, "decision_log").count == 4)
    }

    /// Decision-log entries with awkward values: every optional present or absent, escapes, non-ASCII.
    static func entries() -> [DecisionLogEntry] {
        var a = DecisionLogEntry(decisionId: "d-1", decidedAt: Date(timeIntervalSince1970: 1_780_000_000.5), requestId: "r\"1\\",
                                 subscriber: "وكالة", source: "ilkha", decision: "permit", policyHash: String(repeating: "0f", count: 32),
                                 agreementVersions: [AgreementVersionRef(id: "C-1", version: 2), AgreementVersionRef(id: "x\u{2028}\"", version: 10)],
                                 request: .object(JSONObject([("id", .string("r\"1\\"))])), response: .object(JSONObject()), ledgerSeq: 7)
        a.requestText = #"{"id":"r\"1\\","t":"\u2028 İLKHA"}"#
        a.responseText = "{\"decision\":\"permit\",\"why\":\"tab\\there\"}"
        let b = DecisionLogEntry(decisionId: "d-2", decidedAt: Date(timeIntervalSince1970: 0), requestId: nil, subscriber: nil, source: nil,
                                 decision: "not_applicable", policyHash: nil, agreementVersions: [],
                                 request: .object(JSONObject([("n", .number(0.25)), ("s", .string("a\nb"))])),
                                 response: .object(JSONObject([("decision", .string("not_applicable"))])))
        return [a, b]
    }

    @Test("the decision log's canonical text is Chain.canonical's, byte for byte; agreement versions as the tree writes them")
    func decisionCanonicalMatchesChain() {
        for (k, e) in Self.entries().enumerated() {
            for (seq, ledgerSeq) in [(Int64(1), Int64?.none), (Int64(123_456), Int64?(99)), (Int64(1) << 52, Int64?.none)] {
                let prev = k == 0 ? Schema.genesisHash : String(repeating: "ab", count: 32)
                let row = DecisionLogRowText(e, prev: prev)
                defer { row.free() }
                var c = ByteWriter(capacity: 64)
                defer { c.free() }
                row.writeCanonical(seq: seq, ledgerSeq: ledgerSeq, to: &c)
                let cols: [(String, DatabaseValue)] = [
                    ("seq", seq.databaseValue), ("decision_id", e.decisionId.databaseValue),
                    ("decided_at", Timestamp.format(e.decidedAt).databaseValue), ("request_id", e.requestId.databaseValue),
                    ("subscriber_id", e.subscriber.databaseValue), ("source_id", e.source.databaseValue),
                    ("decision", e.decision.databaseValue), ("policy_hash", e.policyHash.databaseValue),
                    ("agreement_versions", AgreementVersionRef.encodeViaTree(e.agreementVersions).databaseValue),
                    ("request", (e.requestText ?? FastJSON.string(e.request)).databaseValue),
                    ("response", (e.responseText ?? FastJSON.string(e.response)).databaseValue),
                    ("ledger_seq", ledgerSeq.databaseValue), ("prev_hash", prev.databaseValue),
                ]
                #expect(String(decoding: c.bytes, as: UTF8.self) == Chain.canonical(cols), "entry \(k), seq \(seq)")
                #expect(row.rowHash(seq: seq, ledgerSeq: ledgerSeq) == Chain.rowHash(cols))
            }
            #expect(AgreementVersionRef.encode(e.agreementVersions) == AgreementVersionRef.encodeViaTree(e.agreementVersions))
            #expect(AgreementVersionRef.decode(AgreementVersionRef.encode(e.agreementVersions)) == e.agreementVersions)
        }
    }

    @Test("logged decisions verify, read back as written, and a repeated id is refused with nothing written")
    func loggedDecisionsVerify() throws {
        let box = Sandbox()
        let store = try box.open()
        let rev = try store.registerPolicy(try box.policies.policy(for: "ilkha"))
        var entries = Self.entries()
        entries[0].policyHash = rev
        entries[0].ledgerSeq = nil
        let seqs = try store.appendDecisions(entries)
        #expect(seqs == [1, 2])
        let rows = try store.decisions()
        #expect(rows.map(\.decisionId) == ["d-1", "d-2"])
        #expect(rows[0].request == entries[0].requestText)
        #expect(rows[0].agreementVersions == entries[0].agreementVersions)
        #expect(rows[1].request == FastJSON.string(entries[1].request))
        #expect(rows[1].subscriber == nil && rows[1].policyHash == nil)
        #expect(try store.verifyChains().ok)
        var again = entries[1]
        again.decisionId = "d-3"
        do {
            _ = try store.appendDecisions([again, entries[0]])
            Issue.record("a repeated decision id was accepted")
        } catch {
            #expect(error.diagnostics.first?.code == "decision.duplicate_id")
        }
        #expect(try store.decisions().count == 2)
        #expect(try store.verifyChains().ok)
    }

    @Test("fresh decision ids: d- and 32 lowercase hex digits, starting with the time, distinct")
    func decisionIds() {
        let t = Date(timeIntervalSince1970: 1_780_000_000)
        let ids = (0..<200).map { DecisionLogEntry.newId(now: t.addingTimeInterval(Double($0) / 1000)) }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.hasPrefix("d-") && id.count == 34)
            #expect(id.dropFirst(2).allSatisfy { "0123456789abcdef".contains($0) })
        }
        // Later ids sort after earlier ones by their time digits (the UNIQUE index takes them at its end).
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0.prefix(14) <= $1.prefix(14) })
        #expect(ids[0].prefix(14) == "d-" + String(String(1_780_000_000_000, radix: 16).leftPadded(to: 12)))
    }

    static func drafts(_ range: ClosedRange<Int>, document: String = "x") -> [LedgerDraft] {
        range.map { k in
            LedgerDraft(LedgerEntry(
                eventId: "e\(k)", origin: .import, at: Date(timeIntervalSince1970: 1_780_000_000 + Double((k * 7919) % 1000) * 3600),
                subscriber: "s\(k % 3)", source: "ilkha", assetId: "a\(k)", assetKind: "text", action: "display", extent: "whole",
                channel: "web", territory: "TR", decision: k % 2 == 0 ? "permit" : "deny",
                document: .object(JSONObject([("id", .string("e\(k)")), ("d", .string(document))]))))
        }
    }

    static func indexSQL(_ store: Store) throws -> [String] {
        try store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT name || ': ' || COALESCE(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage_ledger' ORDER BY name")
        }
    }

    static func feed(_ batches: [[LedgerDraft]]) -> () throws -> [LedgerDraft]? {
        var k = 0
        return {
            defer { k += 1 }
            return k < batches.count ? batches[k] : nil
        }
    }

    @Test("an import that builds its indexes in bulk writes the same ledger, and the same indexes, as one that does not")
    func bulkIndexImportMatchesRowByRow() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let batches = [Self.drafts(1...7), Self.drafts(8...20), Self.drafts(21...24)]
        let plain = Sandbox(), bulk = Sandbox()
        let plainStore = try plain.open(), bulkStore = try bulk.open()
        let indexesBefore = try Self.indexSQL(bulkStore)
        let a = try plainStore.importUsage(at: now, bulkIndexMinimum: Int.max, next: Self.feed(batches))
        let b = try bulkStore.importUsage(at: now, bulkIndexMinimum: 5, next: Self.feed(batches))
        #expect(a == b && a.inserted == 24)
        #expect(try Self.rows(bulkStore, "usage_ledger") == Self.rows(plainStore, "usage_ledger"))
        #expect(try Self.indexSQL(bulkStore) == indexesBefore)
        #expect(try bulkStore.verifyChains().ok)
        // The rebuilt indexes answer queries (quota counts go through usage_by_agreement / usage_by_party).
        let counts = try bulkStore.forEachUseCount(subscriber: "s1")
        #expect(counts == (try plainStore.forEachUseCount(subscriber: "s1")))
        #expect(counts == 8)
        // Re-importing everything adds nothing, with or without the bulk path.
        let again = try bulkStore.importUsage(at: now, bulkIndexMinimum: 1, next: Self.feed(batches))
        #expect(again.inserted == 0 && again.alreadyPresent == 24)
        #expect(try Self.indexSQL(bulkStore) == indexesBefore)
    }

    @Test("a bulk import that fails after dropping the indexes leaves the ledger and its indexes as they were")
    func failedBulkImportLeavesNothing() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let box = Sandbox()
        let store = try box.open()
        _ = try store.importUsage(at: now, bulkIndexMinimum: Int.max, next: Self.feed([Self.drafts(1...3)]))
        let before = try Self.rows(store, "usage_ledger")
        let indexes = try Self.indexSQL(store)
        // A conflicting event (e2 with another document) after the drop (threshold: 3 rows, the ledger's size).
        do {
            _ = try store.importUsage(at: now, bulkIndexMinimum: 1,
                                      next: Self.feed([Self.drafts(4...9), Self.drafts(2...2, document: "changed")]))
            Issue.record("a conflicting event was accepted")
        } catch {
            #expect(error.diagnostics.first?.code == "usage.conflicting_event")
        }
        #expect(try Self.rows(store, "usage_ledger") == before)
        #expect(try Self.indexSQL(store) == indexes)
        // A source that fails after the drop (a malformed line, a truncated file).
        var k = 0
        do {
            _ = try store.importUsage(at: now, bulkIndexMinimum: 1) { () throws -> [LedgerDraft]? in
                k += 1
                if k == 1 { return Self.drafts(10...20) }
                throw DiagnosticError(Diagnostic(code: "usage.malformed_line", message: "bad line", category: .malformedInput))
            }
            Issue.record("a failing source did not fail the import")
        } catch {
            #expect(error.diagnostics.first?.code == "usage.malformed_line")
        }
        #expect(try Self.rows(store, "usage_ledger") == before)
        #expect(try Self.indexSQL(store) == indexes)
        #expect(try store.verifyChains().ok)
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

extension Store {
    /// Uses of one subscriber, counted through `forEachUse` (the party index).
    fileprivate func forEachUseCount(subscriber: String) throws -> Int {
        var n = 0
        try forEachUse(subscriber: subscriber) { _ in n += 1 }
        return n
    }
}
