import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// Migration v8: a usage-ledger document may be stored compact (`LedgerDocument`: what the row's other
/// columns do not hold), rows written before it keep their full documents, and both read back as the
/// event's full JSON.
@Suite("Store: migration v8, compact ledger documents completed from the columns", .serialized)
struct LedgerV8Tests {
    /// Varied usage events: every optional field present or absent, awkward strings, instants with and
    /// without milliseconds and at the ends of four-digit years.
    static func events() -> [UsageEvent] {
        var out = LedgerDraftTests.events()
        let ids = ["r1", "r\"q\\", "ü-\u{2028}-\t", "وكالة-7", "x", "ü-\u{2028}"]
        let urls: [String?] = [nil, "https://news.example/a?b=\"c\"&d=\\", "", "ftp://ü/\u{1}"]
        let attributions: [String?] = [nil, "İLKHA", "", "a \"b\" \\ c\n"]
        let links: [Bool?] = [nil, true, false]
        let portions: [Double?] = [nil, 0.3, 1, 0, 1.0 / 3, 0.85]
        let ats: [Instant] = [
            Instant(year: 2026, month: 6, day: 13, hour: 4, minute: 25, second: 58),
            Instant(year: 2026, month: 6, day: 13, hour: 4, minute: 25, second: 58, millisecond: 1),
            Instant(year: 0, month: 1, day: 1), Instant(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59),
            Instant(year: 10000, month: 1, day: 1), Instant(secondsSinceEpoch: -1), Instant(year: -1, month: 3, day: 1),
        ]
        let published: [Instant?] = [nil, Instant(year: 2026, month: 6, day: 11, hour: 1, minute: 40, second: 10),
                                     Instant(millisecondsSinceEpoch: 1_780_000_000_123)]
        for k in 0..<240 {
            let r = RepublicationRequest(
                id: ids[k % ids.count] + "-\(k)", subscriber: k % 7 == 0 ? "sub \"\(k)\"" : "sub-\(k % 13)",
                source: k % 5 == 0 ? "aa" : "ilkha",
                asset: AssetRef(id: "asset-\(k)\(k % 11 == 0 ? "\\é" : "")", kind: AssetKind.allCases[k % AssetKind.allCases.count],
                                publishedAt: published[k % published.count]),
                action: ["reproduce", "display", "use", "modify"][k % 4], extent: k % 2 == 0 ? .whole : .partial,
                portion: portions[k % portions.count], channel: Channel.allCases[k % Channel.allCases.count],
                territory: ["IQ", "TR", "DE"][k % 3], at: ats[k % ats.count])
            out.append(UsageEvent(request: r, url: urls[k % urls.count], attribution: attributions[(k / 4) % attributions.count],
                                  link: links[(k / 3) % links.count]))
        }
        return out
    }

    /// The events the ledger can hold: no control characters in the id (its identifier CHECK), a time
    /// whose stored text has the instant's shape (not before year 0).
    static func storable() -> [UsageEvent] {
        events().filter {
            !($0.request.id ?? "").unicodeScalars.contains { $0.value < 0x20 }
                && Timestamp.hasStoredShape(Timestamp.format($0.request.at))
        }
    }

    /// The row's columns as the generic path writes them, with `document` as given.
    static func columns(_ e: LedgerEntry, seq: Int64, document: String, prev: String) -> [(String, DatabaseValue)] {
        LedgerDraftTests.columns(e, seq: seq, document: document, recorded: "2026-12-01T00:00:00Z", prev: prev)
    }

    @Test("a draft stores the compact form exactly when the columns rebuild the full document, and hashes what it stores")
    func compactRebuildsTheFullDocument() throws {
        var compact = 0
        let recorded = "2026-12-01T00:00:00Z"
        for (k, ev) in Self.events().enumerated() {
            let entry = LedgerEntry(event: ev, decision: "permit", agreementId: "C-1", grantPosition: 0)
            let d = LedgerDraft(event: ev, decision: "permit", agreementId: "C-1", grantPosition: 0)
            let full = FastJSON.string(entry.document)
            // What the draft would have stored in full (before v8), and what every reader gets back.
            #expect(d.documentText == full, "event \(k)")
            let stored = d.storedDocumentText
            #expect(stored.hasPrefix("[") == LedgerDocument.canCompact(ev), "event \(k): \(stored)")
            if stored.hasPrefix("[") {
                compact += 1
                #expect(stored.utf8.count < full.utf8.count)
                guard case .array(let parts) = try JSONParser.parse(Array(stored.utf8)), parts.count == 2,
                      case .object = parts[1] else {
                    Issue.record("event \(k): not a compact document: \(stored)")
                    continue
                }
            } else {
                #expect(stored == full)
            }
            // The chain hashes the stored columns (what `verify` recomputes).
            let w = LedgerRowWriterTail(recordedAt: recorded)
            let cols = LedgerDraftTests.columns(entry, seq: 7, document: stored, recorded: recorded, prev: Schema.genesisHash)
            #expect(LedgerRowWriter.rowHash(d, seq: 7, prev: Schema.genesisHash, between: w.between) == Chain.rowHash(cols))
        }
        // Both forms occur (milliseconds and five-digit or negative years keep the full form).
        #expect(compact > 100 && compact < Self.events().count - 50)
    }

    @Test("the compact form written quoted is its text as a JSON string's inside (what the canonical text holds)")
    func quotedCompactIsTheEscapedText() {
        var escaped = 0
        for ev in Self.events() where LedgerDocument.canCompact(ev) {
            var plain = ByteWriter(capacity: 64), quoted = ByteWriter(capacity: 64)
            defer { plain.free(); quoted.free() }
            LedgerDocument.writeCompact(ev, to: &plain)
            LedgerDocument.writeCompact(ev, to: &quoted, quoted: true)
            var literal: [UInt8] = []
            JSONBytes.appendString(utf8: plain.bytes, to: &literal)
            #expect(Array(literal.dropFirst().dropLast()) == Array(quoted.bytes), "\(String(decoding: plain.bytes, as: UTF8.self))")
            // Values that need escaping twice (quotes, backslashes, control characters in the evidence).
            if String(decoding: plain.bytes, as: UTF8.self).contains("\\") { escaped += 1 }
        }
        #expect(escaped > 10)
    }

    @Test("an event's time with milliseconds, or outside years 0-9999, keeps the full document")
    func whichEventsCompact() {
        var e = Self.events()[0]
        for (ms, ok): (Int64, Bool) in [(1_780_000_000_000, true), (1_780_000_000_250, false), (-1000, true), (-999, false),
                                        (-62_167_219_200_000, true), (-62_167_219_201_000, false),
                                        (253_402_300_799_000, true), (253_402_300_800_000, false)] {
            e.request.at = Instant(millisecondsSinceEpoch: ms)
            #expect(LedgerDocument.canCompact(e) == ok, "\(ms)")
            #expect(LedgerDocument.canCompact(e) == (e.request.at.description == Timestamp.format(e.request.at)), "\(ms)")
        }
        e.request.at = Instant(millisecondsSinceEpoch: 1_780_000_000_000)
        e.request.id = nil
        #expect(!LedgerDocument.canCompact(e))
    }

    /// A v7 database file whose ledger holds real events' full documents (as every import before v8 stored them).
    static func v7Database(_ box: Sandbox, events: [UsageEvent]) throws -> [LedgerEntry] {
        try LedgerV3Tests.oldDatabase(box, version: 7)
        let entries = events.map { LedgerEntry(event: $0, decision: "deny") }
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: box.dbPath, configuration: config)
        try queue.write { db in
            var prev = try String.fetchOne(db, sql: "SELECT row_hash FROM usage_ledger ORDER BY seq DESC LIMIT 1") ?? Schema.genesisHash
            for (k, e) in entries.enumerated() {
                prev = try LedgerV3Tests.insert(db, "usage_ledger",
                                                Self.columns(e, seq: Int64(6 + k), document: FastJSON.string(e.document), prev: prev))
            }
        }
        return entries
    }

    @Test("a v7 ledger of full documents upgrades: rows and chain kept, read back as before, re-imported as already there")
    func v7Upgrades() throws {
        let box = Sandbox()
        let events = Array(Self.storable().prefix(40))
        let entries = try Self.v7Database(box, events: events)
        let before: [[DatabaseValue]] = try DatabaseQueue(path: box.dbPath).read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM usage_ledger ORDER BY seq").map { Array($0.databaseValues) }
        }
        let store = try box.open()
        #expect(Store.schemaVersion >= 8)
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
        #expect(try LedgerV3Tests.indexes(store, "usage_ledger") == LedgerV3Tests.ledgerIndexes)
        #expect(try LedgerV6Tests.ledgerSQL(store).contains(Schema.eventDocument("document")))
        #expect(try LedgerV6Tests.triggerSQL(store) != nil)
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
        // Old rows read back as stored.
        var documents: [String: String] = [:]
        try store.forEachUse { documents[$0.eventId] = $0.document }
        for e in entries { #expect(documents[e.eventId] == FastJSON.string(e.document)) }

        // The same events again, drafted compact: nothing written, all already there.
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let drafts = events.map { LedgerDraft(event: $0, decision: "deny", agreementId: nil, grantPosition: nil) }
        #expect(drafts.contains { $0.storedDocumentText.hasPrefix("[") })
        let again = try store.importUsage(at: now, next: LedgerV3Tests.feed([drafts]))
        #expect(again == UsageImportResult(inserted: 0, alreadyPresent: events.count))
        // One of them changed: a conflict, and nothing written.
        var changed = try #require(events.first { LedgerDocument.canCompact($0) })
        changed.url = "https://elsewhere.example"
        do {
            _ = try store.importUsage(at: now, next: LedgerV3Tests.feed([[LedgerDraft(event: changed, decision: "deny", agreementId: nil,
                                                                                      grantPosition: nil)]]))
            Issue.record("a conflicting event was accepted")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["usage.conflicting_event"])
        }
        #expect(try LedgerV3Tests.rows(store, "usage_ledger") == before)
    }

    @Test("new events are stored compact after old full ones: the chain verifies, every document reads back in full, re-import adds nothing")
    func compactAfterFull() throws {
        let box = Sandbox()
        let all = Self.storable()
        #expect(all.count > 150)
        let old = Array(all.prefix(30)), new = Array(all.dropFirst(30))
        _ = try Self.v7Database(box, events: old)
        let store = try box.open()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let drafts = new.map { LedgerDraft(event: $0, decision: "permit", agreementId: nil, grantPosition: nil) }
        // In bulk (indexes dropped and re-created) and in three batches.
        let r = try store.importUsage(at: now, bulkIndexMinimum: 10,
                                      next: LedgerV3Tests.feed([Array(drafts.prefix(50)), Array(drafts[50..<120]), Array(drafts.dropFirst(120))]))
        #expect(r == UsageImportResult(inserted: new.count, alreadyPresent: 0))
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
        let compact = try store.queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM usage_ledger WHERE substr(document, 1, 1) = '['") ?? 0
        }
        #expect(compact == drafts.filter { $0.storedDocumentText.hasPrefix("[") }.count && compact > 50)
        var documents: [String: String] = [:]
        try store.forEachUse { documents[$0.eventId] = $0.document }
        for e in old + new {
            let entry = LedgerEntry(event: e)
            #expect(documents[entry.eventId] == FastJSON.string(entry.document), "\(entry.eventId)")
        }
        let again = try store.importUsage(at: now, next: LedgerV3Tests.feed([drafts]))
        #expect(again == UsageImportResult(inserted: 0, alreadyPresent: new.count))
        // The same id with one column's value changed (same compact document): a conflict, for each column.
        let base = try #require(new.first { LedgerDocument.canCompact($0) && $0.request.portion != nil })
        var changes: [UsageEvent] = []
        for k in 0..<9 {
            var e = base
            switch k {
            case 0: e.request.subscriber += "x"
            case 1: e.request.source += "x"
            case 2: e.request.asset.id += "x"
            case 3: e.request.asset.kind = e.request.asset.kind == .text ? .photo : .text
            case 4: e.request.action += "x"
            case 5: e.request.extent = e.request.extent == .whole ? .partial : .whole
            case 6: e.request.portion = (e.request.portion ?? 0) / 2
            case 7: e.request.channel = e.request.channel == .web ? .print : .web
            default: e.request.at = e.request.at.adding(milliseconds: 1000)
            }
            changes.append(e)
        }
        for (k, e) in changes.enumerated() {
            do {
                _ = try store.importUsage(at: now, next: LedgerV3Tests.feed([[LedgerDraft(event: e, decision: "permit", agreementId: nil,
                                                                                          grantPosition: nil)]]))
                Issue.record("change \(k) was accepted")
            } catch {
                #expect(error.diagnostics.map(\.code) == ["usage.conflicting_event"], "change \(k)")
            }
        }
        // The array API (full documents, `recordUse`) sees the compact rows as the same events.
        let same = try store.importUsage(new.prefix(5).map { LedgerEntry(event: $0, decision: "permit") })
        #expect(same == UsageImportResult(inserted: 0, alreadyPresent: 5))
    }

    @Test("quota counts and time-ordered reads are the same whichever form the rows store")
    func countsOverBothForms() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON())], policies: box.policies)
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        func event(_ id: String, _ at: String) -> UsageEvent {
            UsageEvent(request: RepublicationRequest(id: id, subscriber: "alsharq", source: "ilkha",
                                                     asset: AssetRef(id: "a-\(id)", kind: .text), channel: .web,
                                                     territory: "IQ", at: instant(at)),
                       url: "https://x.example/\(id)", link: true)
        }
        // A full document (recordUse, as `check --record`) and compact ones (the import).
        _ = try store.importUsage([LedgerEntry(event: event("full", "2026-03-05T00:00:00Z"), decision: "permit",
                                               agreementId: "C-2026-0007", grantPosition: 0)])
        let drafts = [event("c1", "2026-03-31T23:59:59Z"), event("c2", "2026-04-02T00:00:00Z")].map {
            LedgerDraft(event: $0, decision: "permit", agreementId: "C-2026-0007", grantPosition: 0)
        }
        _ = try store.importUsage(at: now, next: LedgerV3Tests.feed([drafts]))
        let counts = try store.usageCounts(per: .month)
        #expect(counts.map { "\($0.periodStart) \($0.count)" } == ["2026-03-01T00:00:00Z 2", "2026-04-01T00:00:00Z 1"])
        let march = try store.write { tx in
            try tx.usageCount(agreement: "C-2026-0007", grant: 0, from: instant("2026-03-01").date, until: instant("2026-04-01").date)
        }
        #expect(march == 2)
        var order: [String] = []
        try store.forEachUse { order.append($0.eventId) }
        #expect(order == ["full", "c1", "c2"])
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("the compact form's CHECK: its ends, and the columns it is completed from")
    func checkRefusesWhatCannotBeCompleted() throws {
        let box = Sandbox()
        let store = try box.open()
        var prev = Schema.genesisHash
        prev = try LedgerV6Tests.insertRow(store, 1, prev: prev, document: #"[null,{}]"#)
        prev = try LedgerV6Tests.insertRow(store, 2, prev: prev, document: #"["2026-01-01T00:00:00Z",{"url":"u","link":true}]"#)
        for bad in ["[1]", "[null,{}", "[null,{}] ", " [null,{}]", "[null,{}]]", "[", "]", "[]", "{]", "[}"] {
            #expect(throws: DatabaseError.self, "document \(bad.debugDescription)") {
                _ = try LedgerV6Tests.insertRow(store, 3, prev: prev, document: bad)
            }
        }
        // A compact document on a row without the columns that complete it.
        for column in ["asset_id", "asset_kind", "action", "extent", "channel", "territory"] {
            #expect(throws: DatabaseError.self, "\(column) NULL") {
                try store.queue.write { db in
                    let cols = LedgerV3Tests.ledgerColumns(3, prev: prev).map { c -> (String, DatabaseValue) in
                        c.0 == "document" ? ("document", "[null,{}]".databaseValue) : c.0 == column ? (column, .null) : c
                    }
                    _ = try LedgerV3Tests.insert(db, "usage_ledger", cols)
                }
            }
        }
        // A full document on such a row is fine, as before.
        try store.queue.write { db in
            let cols = LedgerV3Tests.ledgerColumns(3, prev: prev).map { c -> (String, DatabaseValue) in c.0 == "asset_id" ? ("asset_id", .null) : c }
            _ = try LedgerV3Tests.insert(db, "usage_ledger", cols)
        }
        #expect(try store.verifyChains().ok)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("verify reports compact documents that are not of the form (written outside clearance, hashes correct)")
    func verifyReportsBadCompactDocuments() throws {
        let box = Sandbox()
        let store = try box.open()
        let documents = [#"[null,{}]"#, #"[1,{}]"#, #"[{},{}]"#, #"[null,{"a":}]"#, #"[null,1,{}]"#, #"["2026-01-01T00:00:00Z",{"link":true}]"#,
                         #"[null,{"a":1}]"#]
        var prev = Schema.genesisHash
        for (k, d) in documents.enumerated() { prev = try LedgerV6Tests.insertRow(store, k + 1, prev: prev, document: d) }
        #expect(try store.verifyChains().ok)
        let problems = try store.integrityProblems()
        #expect(problems.map(\.code) == Array(repeating: "ledger.bad_document", count: 4))
        #expect(problems.map(\.location) == ["usage_ledger seq 2", "usage_ledger seq 3", "usage_ledger seq 4", "usage_ledger seq 5"])
        // Read back: a compact document of the form is completed; one that is not is handed over as stored.
        var read: [Int64: String] = [:]
        try store.forEachUse { read[$0.seq] = $0.document }
        #expect(read[1] == #"{"id":"e1","subscriber":"alsharq","source":"ilkha","asset":{"id":"ilkha-1","kind":"text"},"use":{"action":"reproduce","extent":"partial","portion":0.25},"channel":"web","territory":"IQ","at":"2026-03-01T10:00:00Z"}"#)
        #expect(read[6]?.hasSuffix(#""at":"2026-03-06T10:00:00Z","link":true}"#) == true)
        #expect(read[6]?.contains(#""kind":"text","publishedAt":"2026-01-01T00:00:00Z"}"#) == true)
        #expect(read[2] == #"[1,{}]"#)
    }
}
