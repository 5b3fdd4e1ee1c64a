import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migration v7 (the ledger's instants checked by structure in SQL, their digits by the writers and `verify`).
@Suite("Store: migration v7, instants proved by the writers and verify", .serialized)
struct LedgerV7Tests {
    /// Inserts ledger row `k` with a correct chain hash and the given instants, outside the facade.
    static func insertRow(_ store: Store, _ k: Int, prev: String, at: String, recordedAt: String = "2026-03-10T00:00:00Z") throws -> String {
        try store.queue.write { db in
            let cols = LedgerV3Tests.ledgerColumns(k, prev: prev).map { c -> (String, DatabaseValue) in
                switch c.0 {
                case "at": return ("at", at.databaseValue)
                case "recorded_at": return ("recorded_at", recordedAt.databaseValue)
                default: return c
                }
            }
            return try LedgerV3Tests.insert(db, "usage_ledger", cols)
        }
    }

    /// Texts around the stored shape: each digit position at and past its bound, each separator replaced,
    /// the length one off, non-ASCII and NUL bytes.
    static let instantCases: [String] = {
        let good = "2026-03-05T10:20:30Z"
        var out = [good, "0000-00-00T00:00:00Z", "9999-19-39T29:59:69Z", "", "2026-03-05T10:20:30", "2026-03-05T10:20:30Zx",
                   "2026-03-05 10:20:30Z", "2026-03-05T10:20:30z", "٢٠٢٦-03-05T10:20:30Z", "2026-03-05T10:20:3\u{0}Z",
                   " 2026-03-05T10:20:30Z", "2026-3-05T10:20:30Z", "2026-03-05T10:20:30.5Z"]
        let chars = Array(good.utf8)
        for i in chars.indices {
            for replacement in ["0", "1", "2", "3", "4", "5", "6", "7", "9", "a", "-", ":", "T", "Z", "/", "é"] {
                var c = chars.map { String(UnicodeScalar($0)) }
                c[i] = replacement
                out.append(c.joined())
            }
        }
        return out
    }()

    @Test("a v6 database is upgraded to v7: rows, chains, references, indexes and trigger kept; the instants checked by structure")
    func v6Upgrades() throws {
        let box = Sandbox()
        try LedgerV3Tests.oldDatabase(box, version: 6)
        let before: [[DatabaseValue]] = try DatabaseQueue(path: box.dbPath).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) }
        }
        let store = try box.open()
        #expect(Store.schemaVersion >= 7)
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
        #expect(try LedgerV3Tests.indexes(store, "usage_ledger") == LedgerV3Tests.ledgerIndexes)
        #expect(try store.queue.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count } == 0)
        let sql = try LedgerV6Tests.ledgerSQL(store)
        #expect(sql.contains("at GLOB '????-??-??T??:??:??Z'") && sql.contains("recorded_at GLOB '????-??-??T??:??:??Z'"))
        #expect(!sql.contains("[0-9]"))
        // (v8: the same two ends, or a compact document's: LedgerV8Tests.)
        #expect(sql.contains(Schema.eventDocument("document")) && !sql.contains("GLOB '{*}'"))
        #expect(sql.contains(Schema.digestLength("prev_hash")) && sql.contains(Schema.digestLength("row_hash")))
        #expect(try LedgerV6Tests.triggerSQL(store) != nil)
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)

        // What the structural check still refuses: a wrong length, a missing separator, in either column.
        let head = try #require(String.fromDatabaseValue(before[4][19]))
        for bad in ["", "2026-03-06T10:00:00", "2026-03-06T10:00:00Zx", "2026-03-06 10:00:00Z", "2026/03/06T10:00:00Z"] {
            #expect(throws: DatabaseError.self, "at \(bad.debugDescription)") { _ = try Self.insertRow(store, 6, prev: head, at: bad) }
            #expect(throws: DatabaseError.self, "recorded_at \(bad.debugDescription)") {
                _ = try Self.insertRow(store, 6, prev: head, at: "2026-03-06T10:00:00Z", recordedAt: bad)
            }
        }
        _ = try Self.insertRow(store, 6, prev: head, at: "2026-03-06T10:00:00Z")
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("v7's document check means what v6's GLOB '{*}' meant, on texts around the shape")
    func documentEndsAreTheOldGlob() throws {
        let queue = try DatabaseQueue()
        let expression = Schema.objectEnds("d").dropFirst("CHECK (".count).dropLast()
        let texts = ["{}", "{ }", #"{"a":1}"#, #"{"a":"é"}"#, "{é}", "{{}}", "{}}", "{{}", "{", "}", "", "[1]", "\"{}\"",
                     "1", "null", " {}", "{} ", "{}\n", "|}", "z}", "{|", "{\u{7F}", "{é", "é}", "{😀}", "{}😀", "😀{}", "{\u{0}"]
        var accepted = 0
        for t in texts {
            let (old, new) = try queue.read { db in
                (try Bool.fetchOne(db, sql: "SELECT ? GLOB '{*}'", arguments: [t]) ?? false,
                 try Bool.fetchOne(db, sql: "SELECT \(expression) FROM (SELECT ? AS d)", arguments: [t]) ?? false)
            }
            #expect(old == new, "\(t.debugDescription)")
            if new { accepted += 1 }
        }
        #expect(accepted >= 5 && accepted <= texts.count - 10)
    }

    @Test("v7's hash check takes 64 bytes (a hex digest's length); other lengths refused")
    func digestLengthIsBytes() throws {
        let queue = try DatabaseQueue()
        let expression = Schema.digestLength("h").dropFirst("CHECK (".count).dropLast()
        let hex = String(repeating: "0123456789abcdef", count: 4)
        for (t, ok) in [(hex, true), (String(hex.dropLast()), false), (hex + "0", false), ("", false),
                        (String(hex.dropLast()) + "é", false), (String(repeating: "é", count: 33), false),
                        // 64 bytes that are not hex: `verify` reports them (`chain.bad_hash`), as any other non-digest.
                        (String(repeating: "é", count: 32), true), (String(repeating: "g", count: 64), true)] {
            let got = try queue.read { db in try Bool.fetchOne(db, sql: "SELECT \(expression) FROM (SELECT ? AS h)", arguments: [t]) } ?? false
            #expect(got == ok, "\(t.debugDescription)")
        }
    }

    @Test("the writers' check of an instant is SQLite's GLOB of the old CHECK, on texts around the shape")
    func storedShapeIsTheOldGlob() throws {
        let queue = try DatabaseQueue()
        let pattern = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'"
        #expect(Schema.instant("at").contains(pattern))
        var accepted = 0
        for text in Self.instantCases {
            let glob = try queue.read { db in try Bool.fetchOne(db, sql: "SELECT ? GLOB \(pattern)", arguments: [text]) } ?? false
            #expect(Timestamp.hasStoredShape(text) == glob, "\(text.debugDescription)")
            if glob { accepted += 1 }
        }
        // Both answers occur (the table is not all one kind).
        #expect(accepted > 10 && accepted < Self.instantCases.count - 10)
        // What `Timestamp.format` writes has the shape, for years 0 to 9999.
        for secs: Int64 in [-62_167_219_200, -1, 0, 1_780_000_000, 253_402_300_799] {
            #expect(Timestamp.hasStoredShape(Timestamp.format(epochSeconds: secs)), "\(secs)")
        }
    }

    @Test("verify reports ledger rows whose instants have the structure but not the digits (written outside clearance)")
    func verifyReportsBadInstants() throws {
        let box = Sandbox()
        let store = try box.open()
        var prev = Schema.genesisHash
        prev = try Self.insertRow(store, 1, prev: prev, at: "2026-03-01T10:00:00Z")
        prev = try Self.insertRow(store, 2, prev: prev, at: "2026-93-01T10:00:00Z")
        prev = try Self.insertRow(store, 3, prev: prev, at: "2026-03-03T10:00:00Z", recordedAt: "20x6-03-10T00:00:00Z")
        _ = try Self.insertRow(store, 4, prev: prev, at: "2026-03-04T10:00:00Z")
        // The chain itself is intact (each row hashed as written), so only the instant check finds them.
        #expect(try store.verifyChains().ok)
        let problems = try store.integrityProblems()
        #expect(problems.map(\.code) == ["ledger.bad_instant", "ledger.bad_instant"])
        #expect(problems.map(\.location) == ["usage_ledger seq 2", "usage_ledger seq 3"])
        #expect(problems.first?.message.contains("its at is not") == true)
        #expect(problems.last?.message.contains("its recorded_at is not") == true)
    }

    @Test("more than 20 rows with bad instants: 20 listed, then a count")
    func verifyCountsManyBadInstants() throws {
        let box = Sandbox()
        let store = try box.open()
        var prev = Schema.genesisHash
        for k in 1...23 { prev = try Self.insertRow(store, k, prev: prev, at: "2026-03-0\(k % 10)T10:00:00Z".replacingOccurrences(of: "-0", with: "-x")) }
        let problems = try store.integrityProblems()
        #expect(problems.count == 21)
        #expect(problems.last?.message.hasPrefix("and 3 more") == true)
    }

    @Test("the writers refuse an instant without the stored shape, as the old CHECK did: nothing is written")
    func writersRefuseBadInstants() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        // Before year 0: `Timestamp.format` writes no four digits for it.
        let ancient = Date(timeIntervalSince1970: -70_000_000_000)
        #expect(!Timestamp.hasStoredShape(Timestamp.format(ancient)))
        let box = Sandbox()
        let store = try box.open()
        _ = try store.importUsage(at: now, next: LedgerV3Tests.feed([LedgerV3Tests.drafts(1...3)]))
        let before = try LedgerV3Tests.rows(store, "usage_ledger")

        // `usage import`: a draft whose `at` is not an instant, in the middle of a batch.
        var bad = LedgerV3Tests.drafts(4...6)
        bad[1] = LedgerDraft(LedgerEntry(eventId: "old", origin: .import, at: ancient, subscriber: "s", source: "ilkha",
                                         document: .object(JSONObject([("id", .string("old"))]))))
        do {
            _ = try store.importUsage(at: now, bulkIndexMinimum: 1, next: LedgerV3Tests.feed([bad]))
            Issue.record("an event before year 0 was imported")
        } catch {
            #expect(error.diagnostics.first?.code == "store.constraint")
            #expect(error.diagnostics.first?.message.contains("at is not a stored instant") == true)
        }
        // …and an import whose own time is not one.
        do {
            _ = try store.importUsage(at: ancient, next: LedgerV3Tests.feed([LedgerV3Tests.drafts(4...6)]))
            Issue.record("an import recorded before year 0 was accepted")
        } catch {
            #expect(error.diagnostics.first?.code == "store.constraint")
            #expect(error.diagnostics.first?.message.contains("recorded_at") == true)
        }
        // `check --record` (`recordUse`), both columns.
        for (at, recorded) in [(ancient, now), (now, ancient)] {
            do {
                try store.write { tx in
                    _ = try tx.recordUse(LedgerEntry(eventId: "rec", origin: .check, at: at, subscriber: "s", source: "ilkha",
                                                 document: .object(JSONObject([("id", .string("rec"))]))), recordedAt: recorded)
                }
                Issue.record("a use with a time before year 0 was recorded")
            } catch {
                #expect(error.diagnostics.first?.code == "store.constraint")
            }
        }
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
        // Good rows still go in after the refusals.
        #expect(try store.importUsage(at: now, next: LedgerV3Tests.feed([LedgerV3Tests.drafts(4...6)])).inserted == 3)
        #expect(try store.integrityProblems().isEmpty)
    }
}

/// The import's page cache, sized to the ledger's indexes.
@Suite("Store: the usage import's page cache")
struct ImportCacheTests {
    @Test("room for the indexes of the ledger and as many new rows, between 8 MB and the most an import uses",
          arguments: [(0, 8), (1, 8), (50_000, 12), (400_000, 99), (500_000, 123), (1_000_000, 128), (Int.max, 128), (-5, 8)])
    func cacheSize(rows: Int, megabytes: Int) {
        #expect(Store.ledgerImportCacheMB(ledgerRows: rows) == megabytes)
    }
}

/// The canonical row text's quoting (`JSONBytes.appendQuoted`), against the general escaper.
@Suite("Store: the ledger draft's quoted values")
struct QuotedValueTests {
    @Test("appendQuoted writes what appendString writes, plain or not, at every length around a word")
    func quotedEqualsGeneral() {
        var texts = ["", "a", "ilkha-470514", "2026-06-13T04:25:58Z", "İLKHA", "q\"q", "b\\s", "tab\tnl\n", "\u{1}", "\u{7F}",
                     "line\u{2028}sep\u{2029}", "dash—é", "\u{E2}", "😀", #"{"id":"r1","asset":{"kind":"text"}}"#]
        for n in 0...17 {
            for bad in ["\"", "\\", "\u{1F}", "\u{2028}", "—"] {
                texts.append(String(repeating: "x", count: n) + bad + String(repeating: "y", count: 17 - n))
            }
            texts.append(String(repeating: "z", count: n))
        }
        for t in texts {
            var general: [UInt8] = []
            var quoted = ByteWriter(capacity: 16)
            defer { quoted.free() }
            var s = t
            s.withUTF8 { buf in
                JSONBytes.appendString(utf8: buf, to: &general)
                JSONBytes.appendQuoted(utf8: buf, to: &quoted)
            }
            #expect(Array(quoted.bytes) == general, "\(t.debugDescription)")
        }
    }
}
