import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// The store's one reader of agreement version rows (``StoredVersionRows``: every text column's bytes in one arena,
/// through the SQLite C API) against GRDB's `Row`, which read them before; and its grouping by party.
@Suite("Store: version rows read into one arena")
struct StoredVersionRowsTests {
    /// A store with `subscribers` × two sources, one to three agreements a party, some amended (notes with and
    /// without non-ASCII text), some ended; documents with non-ASCII duty texts and plain ASCII ones.
    static func filledStore(_ box: Sandbox, subscribers: Int) throws -> Store {
        let store = try box.open()
        var list: [Agreement] = []
        for s in 0..<subscribers {
            for (k, source) in ["ilkha", "aa"].enumerated() where (s + k) % 3 != 0 {
                for n in 0..<(1 + (s % 3)) {
                    var json = agreementJSON(id: "A-\(s)-\(source)-\(n)", subscriber: "sub-\(s)", source: source)
                    // Half the documents plain ASCII (the scanner reads the arena's bytes in place), half not.
                    if n % 2 == 1 { json = json.replacingOccurrences(of: "İLKHA", with: "ILKHA") }
                    list.append(try agreement(json))
                }
            }
        }
        // Ids that are prefixes of each other (the merge compares ids as SQLite orders them: bytes, then length).
        for (k, id) in ["Z", "Z0", "Z00", "Za", "Y~", "Y"].enumerated() {
            list.append(try agreement(agreementJSON(id: id, subscriber: "sub-\(k)", source: "ilkha")))
        }
        try store.addAgreements(list, policies: box.policies)
        for (i, a) in list.enumerated() where i % 7 == 0 {
            var v2 = a
            v2.grants[0].channels = .only([.web])
            try store.amendAgreement(v2, effectiveAt: instant("2026-06-01"), note: i % 2 == 0 ? "web only — ağ" : "web only",
                                     policies: box.policies)
        }
        for (i, a) in list.enumerated() where i % 11 == 0 {
            try store.endAgreement(id: a.id, at: instant("2026-10-01"), reason: i % 2 == 0 ? "closed" : "kapatıldı")
        }
        return store
    }

    @Test("every column reads as GRDB's Row reads it: NULLs, non-ASCII, invalid UTF-8, the arena grown")
    func columnsAsGRDBReadsThem() throws {
        let box = Sandbox()
        let store = try Self.filledStore(box, subscribers: 60)
        // A note written outside clearance with bytes that are not UTF-8 (GRDB's String repairs them).
        #expect(rawSQL(store, """
            DROP TRIGGER agreement_version_no_update;
            UPDATE agreement_version SET note = CAST(X'6F6BFF20C3' AS TEXT) WHERE agreement_id = 'A-1-ilkha-0' AND version = 1;
            """) == nil)
        let sql = StoreTransaction.historySelect + " ORDER BY v.agreement_id, v.version"
        let expected = try store.queue.read { db in try Row.fetchAll(db, sql: sql) }
        // The batch's read (three scans merged) and the joined query through the same arena.
        for rows in [try store.allAgreementVersionRows(), try store.read { tx in try tx.versionRows(sql: sql, arguments: []) }] {
            try Self.expectSame(rows, expected)
        }
    }

    @Test("a step that fails after rows were kept throws SQLite's error as a diagnostic, and the store reads on")
    func aFailingStepThrowsAndTheStoreReadsOn() throws {
        let box = Sandbox()
        let store = try Self.filledStore(box, subscribers: 30)
        // abs() of the smallest integer is an error SQLite raises while stepping: here only for the rows after
        // the first agreements, so the arena and the party grouping have kept rows when it comes (abandoned).
        let failing = StoreTransaction.historySelect
            + " WHERE (CASE WHEN v.agreement_id >= 'A-3' THEN abs(-9223372036854775807 - 1) ELSE 1 END) > 0"
            + " ORDER BY v.agreement_id, v.version"
        do {
            _ = try store.read { tx in try tx.versionRows(sql: failing, arguments: []) }
            Issue.record("expected the read to fail")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["store.sqlite"])
            #expect(error.diagnostics.first?.message.contains("integer overflow") == true, "\(error.diagnostics)")
        }
        let sql = StoreTransaction.historySelect + " ORDER BY v.agreement_id, v.version"
        let expected = try store.queue.read { db in try Row.fetchAll(db, sql: sql) }
        #expect(try store.read { tx in try tx.versionRows(sql: sql, arguments: []) }.count == expected.count)
        #expect(try store.allAgreementVersionRows().count == expected.count)
    }

    /// Every row of `rows` equal to GRDB's `Row` of `historySelect`, column for column.
    static func expectSame(_ rows: StoredVersionRows, _ expected: [Row]) throws {
        #expect(rows.count == expected.count && rows.count > 100)
        for (i, r) in expected.enumerated() {
            let raw = rows.raw(i, document: true)
            #expect(raw.id == r[0] as String && raw.version == r[1] as Int)
            #expect(raw.effectiveAt == r[2] as String && raw.recordedAt == r[3] as String)
            #expect(raw.note == r[4] as String? && raw.policyHash == r[5] as String?)
            #expect(raw.document == r[6] as String)
            #expect(raw.source == r[7] as String && raw.subscriber == r[8] as String)
            #expect(raw.endedAt == r[9] as String? && raw.endReason == r[10] as String? && raw.endRecordedAt == r[11] as String?)
            #expect(rows[i].subscriber == r[8] as String && rows[i].source == r[7] as String)
        }
        #expect(rows.raw(expected.firstIndex { ($0[0] as String) == "A-1-ilkha-0" } ?? 0, document: false).note == "ok\u{FFFD} \u{FFFD}")
        #expect(expected.contains { ($0[4] as String?) == nil } && expected.contains { ($0[9] as String?) != nil })
    }

    @Test("rows grouped by party as a dictionary of Strings groups them, parties in first-row order, rows in order")
    func byPartyAsStringsGroupThem() throws {
        let box = Sandbox()
        let store = try Self.filledStore(box, subscribers: 90)
        let rows = try store.allAgreementVersionRows()
        var order: [String] = []
        var naive: [String: [Int]] = [:]
        for (i, r) in rows.enumerated() {
            let key = r.subscriber + "\u{0}" + r.source
            if naive[key] == nil { order.append(key) }
            naive[key, default: []].append(i)
        }
        let groups = rows.byParty()
        #expect(groups.count == order.count && groups.count > 100)
        for (g, key) in zip(groups, order) {
            #expect(g.subscriber + "\u{0}" + g.source == key)
            #expect(g.rows.map(\.index) == naive[key])
        }
        // An empty store: no rows, no parties.
        let empty = try Sandbox().open()
        #expect(try empty.allAgreementVersionRows().byParty().isEmpty)
    }

    @Test("histories parsed from each party's rows equal the store's histories and the agreements written")
    func partyHistoriesEqualTheStores() throws {
        let box = Sandbox()
        let store = try Self.filledStore(box, subscribers: 30)
        var scanner = AgreementScanner()
        var fromRows: [String: AgreementHistory] = [:]
        for g in try store.allAgreementVersionRows().byParty() {
            for h in try StoredVersionRow.histories(g.rows, scanner: &scanner) {
                #expect(h.subscriber == g.subscriber && h.source == g.source)
                fromRows[h.id] = h
            }
        }
        let all = try store.allAgreementHistories()
        #expect(fromRows.count == all.count && all.count > 30)
        for h in all {
            let r = try #require(fromRows[h.id])
            #expect(r.versions.map(\.agreement) == h.versions.map(\.agreement))
            #expect(r.versions.map(\.version) == h.versions.map(\.version))
            #expect(r.versions.map(\.effectiveAt) == h.versions.map(\.effectiveAt))
            #expect(r.versions.map(\.note) == h.versions.map(\.note))
            #expect(r.termination == h.termination && r.endedRecordedAt == h.endedRecordedAt)
        }
        // The batch's reading of each party's rows gives the same versions in the same histories.
        var versions = 0
        for g in try store.allAgreementVersionRows().byParty() {
            var a = AgreementScanner(), b = AgreementScanner()
            let histories = try StoredVersionRow.histories(g.rows, scanner: &a)
            var got: [(Bool, Agreement, Int, Instant)] = []
            try StoredVersionRow.eachVersion(g.rows, scanner: &b) { starts, x, version, effective in got.append((starts, x, version, effective)) }
            let want = histories.flatMap { h in h.versions.enumerated().map { (k, v) in (k == 0, v.agreement, v.version, v.effectiveAt) } }
            #expect(got.count == want.count)
            for (x, y) in zip(got, want) { #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2 && x.3 == y.3) }
            versions += got.count
        }
        #expect(versions > 30)
        // Agreement ids compared as the histories compare them (as Strings): equal bytes, different ASCII, and
        // canonically equivalent or repaired UTF-8 bytes.
        func same(_ x: [UInt8], _ y: [UInt8]) -> Bool {
            x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { b in StoredVersionRow.sameID(a, b) } }
        }
        #expect(same(Array("C-1".utf8), Array("C-1".utf8)) && !same(Array("C-1".utf8), Array("C-2".utf8)))
        #expect(same(Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8)) && !same(Array("caf\u{E9}".utf8), Array("cafe".utf8)))
        #expect(same([0x43, 0xFF], [0x43, 0xFE]) && StoredVersionRow.sameID(nil, UnsafeBufferPointer(start: nil, count: 0)))
        // Both from the strict parser too (the documents as Strings, no scanner).
        for h in all.prefix(20) {
            for v in h.versions {
                let strict = try StoreTransaction.decode(StoreTransaction.document(v.agreement), id: h.id)
                #expect(strict.grants == v.agreement.grants && strict.subscriber == v.agreement.subscriber)
            }
        }
    }

    @Test("a document's bytes: ASCII read in place, others as the String way reads them")
    func documentBytesAsTheStringWay() throws {
        let texts = [
            agreementJSON(),
            agreementJSON().replacingOccurrences(of: "İLKHA", with: "ILKHA"),
            #"{"id":"C-2"}"#,                            // JSON, not an agreement: the strict error
            "not json",
        ]
        for t in texts {
            var a = AgreementScanner(), b = AgreementScanner()
            let fromBytes = Array(t.utf8).withUnsafeBufferPointer { buf in
                Result { try StoreTransaction.decode(utf8: buf, id: "C-2", scanner: &a) }
            }
            let fromString = Result { try StoreTransaction.decode(t, id: "C-2", scanner: &b) }
            switch (fromBytes, fromString) {
            case (.success(let x), .success(let y)): #expect(x == y)
            case (.failure(let x), .failure(let y)): #expect("\(x)" == "\(y)")
            default: Issue.record("`\(t)`: \(fromBytes) against \(fromString)")
            }
        }
        // Bytes that are not valid UTF-8 (a lone 0xFF, a truncated sequence) in each kind of non-ASCII string the
        // scanner reads — duty text, subscriber name, note, clause — and valid non-ASCII ones: read in place
        // (session 9), each must give what the String made of the bytes (repaired) gives.
        let base = agreementJSON()
        var documents: [[UInt8]] = [Array(base.utf8)]
        for (from, to) in [("İLKHA", "İLK\u{FFFD}HA"), ("İLKHA", "ILKHA")] {
            documents.append(Array(base.replacingOccurrences(of: from, with: to).utf8))
        }
        // `QQ` marks where the bad bytes go: in the duty text, the subscriber's name, a restriction's note.
        let marked = [base.replacingOccurrences(of: "İLKHA", with: "İLQQKHA"),
                      base.replacingOccurrences(of: "Al-Sharq Daily", with: "Al-QQ Daily"),
                      base.replacingOccurrences(of: "no social media", with: "no QQ media")]
        for bad: [UInt8] in [[0xFF], [0xC4], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC4, 0xB0]] {
            for m in marked {
                var d = Array(m.utf8)
                guard let at = (0..<(d.count - 1)).first(where: { d[$0] == UInt8(ascii: "Q") && d[$0 + 1] == UInt8(ascii: "Q") }) else {
                    Issue.record("no marker in \(m)")
                    continue
                }
                d.replaceSubrange(at..<(at + 2), with: bad)
                documents.append(d)
            }
        }
        for d in documents {
            var a = AgreementScanner(), b = AgreementScanner()
            let fromBytes = d.withUnsafeBufferPointer { buf in Result { try StoreTransaction.decode(utf8: buf, id: "C-2", scanner: &a) } }
            let fromString = Result { try StoreTransaction.decode(String(decoding: d, as: UTF8.self), id: "C-2", scanner: &b) }
            switch (fromBytes, fromString) {
            case (.success(let x), .success(let y)): #expect(x == y)
            case (.failure(let x), .failure(let y)): #expect("\(x)" == "\(y)")
            default: Issue.record("\(d): \(fromBytes) against \(fromString)")
            }
        }
        #expect(documents.count == 18)

        #expect(isASCII(UnsafeBufferPointer(start: nil, count: 0)))
        for n in 0..<40 {
            var bytes = [UInt8](repeating: 0x41, count: n)
            #expect(bytes.withUnsafeBufferPointer(isASCII))
            for k in 0..<n {
                bytes[k] = 0x80
                #expect(!bytes.withUnsafeBufferPointer(isASCII))
                bytes[k] = 0x41
            }
        }
    }
}
