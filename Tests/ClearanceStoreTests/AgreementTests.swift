import ClearanceCore
import Foundation
import Testing
@testable import ClearanceStore

@Suite("Store: agreements")
struct AgreementTests {
    @Test("add, amend and end keep every version; as-of lookups pick the version in force")
    func history() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON())], policies: box.policies)
        // Amendment 1: adds photo from March; amendment 2: drops print from July.
        var v2 = try agreement(agreementJSON(channels: #"["web", "print", "mobile"]"#))
        v2.grants[0].assets = .only([.text, .photo])
        let n2 = try store.amendAgreement(v2, effectiveAt: instant("2026-03-01"), note: "add photos", policies: box.policies)
        let v3 = try agreement(agreementJSON(channels: #"["web"]"#))
        let n3 = try store.amendAgreement(v3, effectiveAt: instant("2026-07-01"), note: "web only", policies: box.policies)
        #expect(n2 == 2 && n3 == 3)
        try store.endAgreement(id: "C-2026-0007", at: instant("2026-10-01"), reason: "subscriber closed")

        let h = try #require(try store.agreementHistory("C-2026-0007"))
        #expect(h.versions.map(\.version) == [1, 2, 3])
        #expect(h.versions.map(\.note) == [nil, "add photos", "web only"])
        #expect(h.termination?.reason == "subscriber closed")
        #expect(h.versions.allSatisfy { $0.policyRevision?.count == 64 })

        func channels(_ at: String) throws -> [String] {
            let list = try store.agreements(subscriber: "alsharq", source: "ilkha", asOf: instant(at))
            return list.flatMap { $0.grants[0].channels.values.map(\.rawValue) }
        }
        #expect(try channels("2026-02-15T00:00:00Z") == ["web", "print"])
        #expect(try channels("2026-03-01T00:00:00Z") == ["web", "print", "mobile"])
        #expect(try channels("2026-06-30T23:59:59Z") == ["web", "print", "mobile"])
        #expect(try channels("2026-07-01T00:00:00Z") == ["web"])
        // Before any version took effect: version 1 answers (its own term says it is not active yet).
        #expect(try channels("2025-01-01T00:00:00Z") == ["web", "print"])
        let late = try store.agreements(subscriber: "alsharq", source: "ilkha", asOf: instant("2026-11-01"))
        #expect(late.first?.version == 3)
        #expect(late.first?.inactivity(at: instant("2026-11-01")) == .terminated)
        #expect(late.first?.inactivity(at: instant("2026-09-30")) == nil)
        // Nothing else answers for another subscriber or source.
        #expect(try store.agreements(subscriber: "other", source: "ilkha", asOf: instant("2026-05-01")).isEmpty)
        #expect(try store.agreements(subscriber: "alsharq", source: "aa", asOf: instant("2026-05-01")).isEmpty)
    }

    @Test("rows read unparsed and parsed per party give the histories allAgreementHistories gives")
    func rowsPerParty() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([
            try agreement(agreementJSON()),
            try agreement(agreementJSON(id: "C-2", subscriber: "other")),
            try agreement(agreementJSON(id: "C-3", source: "aa")),
            try agreement(agreementJSON(id: "C-4", channels: #"["web"]"#)),
        ], policies: box.policies)
        var v2 = try agreement(agreementJSON(channels: #"["web", "print", "mobile"]"#))
        v2.grants[0].assets = .only([.text, .photo])
        _ = try store.amendAgreement(v2, effectiveAt: instant("2026-03-01"), note: "add photos", policies: box.policies)
        try store.endAgreement(id: "C-2", at: instant("2026-10-01"), reason: "closed")

        // Grouped by party as the batch groups them (rows in agreement-id, version order within each party).
        var groups: [String: [StoredVersionRow]] = [:]
        for row in try store.allAgreementVersionRows() { groups[row.subscriber + "/" + row.source, default: []].append(row) }
        var scanner = AgreementScanner()
        var fromRows: [String: AgreementHistory] = [:]
        for (_, rows) in groups {
            for h in try StoredVersionRow.histories(rows, scanner: &scanner) { fromRows[h.id] = h }
        }
        let all = try store.allAgreementHistories()
        #expect(fromRows.count == all.count && all.count == 4)
        for h in all {
            let r = try #require(fromRows[h.id])
            #expect(r.subscriber == h.subscriber && r.source == h.source)
            #expect(r.termination == h.termination && r.endedRecordedAt == h.endedRecordedAt)
            #expect(r.versions.map(\.agreement) == h.versions.map(\.agreement))
            #expect(r.versions.map(\.version) == h.versions.map(\.version))
            #expect(r.versions.map(\.effectiveAt) == h.versions.map(\.effectiveAt))
            #expect(r.versions.map(\.note) == h.versions.map(\.note))
        }
        #expect(fromRows["C-2026-0007"]?.versions.count == 2)
        #expect(fromRows["C-2"]?.termination?.reason == "closed")
        // The batch's reading of the same rows (``StoredVersionRow/eachVersion(_:scanner:_:)``): the same versions,
        // in the same histories (an amended agreement's two versions in one, a terminated one's end filled in).
        for (_, rows) in groups {
            try expectEachVersionAsHistories(rows)
        }
    }

    /// ``StoredVersionRow/eachVersion(_:scanner:_:)`` gives, in order, the versions ``StoredVersionRow/histories(_:scanner:)``
    /// gives: the same agreements (termination, version and effective date filled in), version numbers and effective
    /// dates, a new history exactly where one starts there.
    func expectEachVersionAsHistories(_ rows: [StoredVersionRow]) throws {
        var scanner = AgreementScanner(), other = AgreementScanner()
        let histories = try StoredVersionRow.histories(rows, scanner: &scanner)
        var got: [(Bool, Agreement, Int, Instant)] = []
        try StoredVersionRow.eachVersion(rows, scanner: &other) { starts, a, version, effective in got.append((starts, a, version, effective)) }
        let want = histories.flatMap { h in h.versions.enumerated().map { (k, v) in (k == 0, v.agreement, v.version, v.effectiveAt) } }
        #expect(got.count == want.count)
        for (g, w) in zip(got, want) {
            #expect(g.0 == w.0 && g.1 == w.1 && g.2 == w.2 && g.3 == w.3)
        }
    }

    @Test("a stored document that no longer parses as an agreement is reported when its party's rows are parsed")
    func storedDocumentThatNoLongerParses() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON()), try agreement(agreementJSON(id: "C-2", subscriber: "other"))],
                                policies: box.policies)
        // Written outside clearance (the append-only trigger dropped first): JSON, but not an agreement.
        #expect(rawSQL(store, """
            DROP TRIGGER agreement_version_no_update;
            UPDATE agreement_version SET document = '{"id":"C-2"}' WHERE agreement_id = 'C-2';
            """) == nil)
        var scanner = AgreementScanner()
        let rows = try store.allAgreementVersionRows()
        // The other party's rows still read; the tampered party's are refused with what and where.
        #expect(try StoredVersionRow.histories(rows.filter { $0.subscriber != "other" }, scanner: &scanner).count == 1)
        do {
            _ = try StoredVersionRow.histories(rows.filter { $0.subscriber == "other" }, scanner: &scanner)
            Issue.record("expected store.bad_document")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["store.bad_document"])
            #expect(error.diagnostics.first?.message.contains("stored agreement `C-2` no longer parses") == true)
            #expect(error.diagnostics.first?.hint?.contains("clearance verify") == true)
        }
        // The batch's reading refuses the same party with the same diagnostic, and reads the other.
        var seen = 0
        try StoredVersionRow.eachVersion(rows.filter { $0.subscriber != "other" }, scanner: &scanner) { _, _, _, _ in seen += 1 }
        #expect(seen == 1)
        do {
            try StoredVersionRow.eachVersion(rows.filter { $0.subscriber == "other" }, scanner: &scanner) { _, _, _, _ in }
            Issue.record("expected store.bad_document")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["store.bad_document"])
            #expect(error.diagnostics.first?.message.contains("stored agreement `C-2` no longer parses") == true)
        }
    }

    @Test("an agreement registered with a termination stays terminated (the end is stored, not dropped)")
    func importedTermination() throws {
        let box = Sandbox()
        let store = try box.open()
        var a = try agreement(agreementJSON())
        a.termination = Termination(at: instant("2026-03-22"), atIsDate: true, reason: "ended by the agency")
        var b = try agreement(agreementJSON(id: "C-2026-0008"))
        b.termination = Termination(at: instant("2026-05-01"), atIsDate: true, reason: nil)
        try store.addAgreements([a, b], policies: box.policies)
        let h = try #require(try store.agreementHistory("C-2026-0007"))
        #expect(h.termination?.reason == "ended by the agency")
        #expect(h.termination?.at == instant("2026-03-22"))
        let late = try store.agreements(subscriber: "alsharq", source: "ilkha", asOf: instant("2026-06-01"))
        #expect(late.count == 2)
        #expect(late.allSatisfy { $0.inactivity(at: instant("2026-06-01")) == .terminated })
        let early = try store.agreements(subscriber: "alsharq", source: "ilkha", asOf: instant("2026-02-01"))
        #expect(early.allSatisfy { $0.inactivity(at: instant("2026-02-01")) == nil })
    }

    @Test("amendments are refused when they would rewrite history")
    func amendErrors() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON())], policies: box.policies)
        try store.amendAgreement(try agreement(agreementJSON()), effectiveAt: instant("2026-05-01"), note: nil, policies: box.policies)
        func code(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return (error as? DiagnosticError)?.diagnostics.first?.code }
        }
        let same = try agreement(agreementJSON())
        let otherParty = try agreement(agreementJSON(subscriber: "someone"))
        let missing = try agreement(agreementJSON(id: "NOPE"))
        #expect(code { try store.amendAgreement(same, effectiveAt: instant("2026-04-01"), note: nil, policies: box.policies) }
                == "agreement.amend_before_previous")
        #expect(code { try store.amendAgreement(otherParty, effectiveAt: instant("2026-06-01"), note: nil, policies: box.policies) }
                == "agreement.amend_changes_party")
        #expect(code { try store.amendAgreement(missing, effectiveAt: instant("2026-06-01"), note: nil, policies: box.policies) }
                == "agreement.not_found")
        #expect(code { try store.endAgreement(id: "NOPE", at: instant("2026-06-01"), reason: "x") } == "agreement.not_found")
        #expect(code { try store.endAgreement(id: "C-2026-0007", at: instant("2026-06-01"), reason: "  ") } == "agreement.missing_reason")
        try store.endAgreement(id: "C-2026-0007", at: instant("2026-06-01"), reason: "done")
        #expect(code { try store.endAgreement(id: "C-2026-0007", at: instant("2026-07-01"), reason: "again") } == "agreement.ended")
        #expect(code { try store.amendAgreement(same, effectiveAt: instant("2026-08-01"), note: nil, policies: box.policies) }
                == "agreement.ended")
        #expect(try store.agreementHistory("C-2026-0007")?.versions.count == 2)
    }

    @Test("a bad batch is refused whole, every bad record reported, the database byte-for-byte unchanged")
    func allOrNothing() throws {
        let box = Sandbox()
        do {
            let store = try box.open()
            try store.addAgreements([try agreement(agreementJSON(id: "EXISTING"))], policies: box.policies)
        }
        let before = fileBytes(box.dbPath)
        #expect(!before.isEmpty)
        let batch = [
            try agreement(agreementJSON(id: "OK-1")),
            try agreement(agreementJSON(id: "BAD-SOURCE", source: "nosuch")),
            try agreement(agreementJSON(id: "EXISTING")),
            try agreement(agreementJSON(id: "OK-1")),
            try agreement(agreementJSON(id: "OK-2")),
        ]
        var diagnostics: [Diagnostic] = []
        do {
            let store = try box.open()
            try store.addAgreements(batch, policies: box.policies)
        } catch let error as DiagnosticError {
            diagnostics = error.diagnostics
        }
        #expect(diagnostics.map(\.code) == ["source.unknown", "agreement.duplicate_id", "agreement.duplicate_id"])
        #expect(diagnostics.map(\.location) == ["$[1].source", "$[2].id", "$[3].id"])
        #expect(diagnostics[0].hint?.contains("`aa`, `ilkha`") == true)
        #expect(fileBytes(box.dbPath) == before)
        let store = try box.open()
        #expect(try store.agreementSummaries().map(\.id) == ["EXISTING"])
    }

    @Test("subscribers are added on first agreement and renamed by later ones")
    func subscribers() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON(id: "A1")), try agreement(agreementJSON(id: "A2", subscriber: "hurriyet"))],
                                policies: box.policies)
        #expect(try store.subscribers().map(\.id) == ["alsharq", "hurriyet"])
        #expect(try store.subscriber("alsharq")?.agreements == 1)
        #expect(try store.subscriber("nobody") == nil)
        let list = try store.agreementSummaries(AgreementFilter(subscriber: "hurriyet"))
        #expect(list.map(\.id) == ["A2"])
        #expect(try store.agreementSummaries(AgreementFilter(activeAt: instant("2027-06-01"))).isEmpty)
        #expect(try store.agreementSummaries(AgreementFilter(activeAt: instant("2026-12-31T23:59:59Z"))).count == 2)
    }
}

@Suite("Store: ledger, decision log, chains")
struct LedgerTests {
    @Test("usage import is idempotent by event id and all-or-nothing")
    func usageImport() throws {
        let box = Sandbox()
        let store = try box.open()
        let first = try store.importUsage([sampleUse("e1"), sampleUse("e2")])
        #expect(first == UsageImportResult(inserted: 2, alreadyPresent: 0))
        let again = try store.importUsage([sampleUse("e1"), sampleUse("e2"), sampleUse("e3")])
        #expect(again == UsageImportResult(inserted: 1, alreadyPresent: 2))
        var changed = sampleUse("e1")
        changed.document = ["id": "e1", "url": "https://elsewhere.example"]
        do {
            _ = try store.importUsage([sampleUse("e4"), changed])
            Issue.record("a conflicting event was accepted")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["usage.conflicting_event"])
            #expect(error.diagnostics.map(\.location) == ["index 1"])
        }
        var ids: [String] = []
        try store.forEachUse { ids.append($0.eventId) }
        #expect(ids == ["e1", "e2", "e3"])
    }

    @Test("the ledger streams in time order and counts per agreement and period")
    func countsAndOrder() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.addAgreements([try agreement(agreementJSON())], policies: box.policies)
        _ = try store.importUsage([
            sampleUse("late", agreement: "C-2026-0007", at: "2026-04-02T00:00:00Z"),
            sampleUse("early", agreement: "C-2026-0007", at: "2026-03-05T00:00:00Z"),
            sampleUse("mid", agreement: "C-2026-0007", at: "2026-03-31T23:59:59Z"),
            sampleUse("none", at: "2026-03-06T00:00:00Z"),
        ])
        var order: [String] = []
        try store.forEachUse { order.append($0.eventId) }
        #expect(order == ["early", "none", "mid", "late"])
        let monthly = try store.usageCounts(per: .month)
        #expect(monthly == [UsageCount(agreementId: "C-2026-0007", periodStart: "2026-03-01T00:00:00Z", count: 2),
                            UsageCount(agreementId: "C-2026-0007", periodStart: "2026-04-01T00:00:00Z", count: 1)])
        let weekly = try store.usageCounts(per: .week)
        #expect(weekly.map(\.periodStart) == ["2026-03-02T00:00:00Z", "2026-03-30T00:00:00Z"])
        let n = try store.read { tx in
            try tx.usageCount(agreement: "C-2026-0007", from: instant("2026-03-01").date, until: instant("2026-04-01").date)
        }
        #expect(n == 2)
    }

    @Test("decisions are logged in batches and filtered")
    func decisionLog() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.appendDecisions([
            sampleDecision("d1"), sampleDecision("d2", decision: "deny"),
            sampleDecision("d3", subscriber: "hurriyet", at: "2026-04-01T00:00:00Z"),
        ])
        #expect(try store.decisions().map(\.decisionId) == ["d1", "d2", "d3"])
        #expect(try store.decisions(DecisionFilter(decision: "deny")).map(\.decisionId) == ["d2"])
        #expect(try store.decisions(DecisionFilter(subscriber: "hurriyet")).map(\.decisionId) == ["d3"])
        #expect(try store.decisions(DecisionFilter(since: instant("2026-03-15").date)).map(\.decisionId) == ["d3"])
        #expect(try store.decisions(DecisionFilter(until: instant("2026-03-15").date)).map(\.decisionId) == ["d1", "d2"])
        #expect(try store.decisions(DecisionFilter(agreement: "C-2026-0007", limit: 1, newestFirst: true)).map(\.decisionId) == ["d3"])
        do {
            try store.appendDecisions([sampleDecision("d4"), sampleDecision("d1")])
            Issue.record("a duplicate decision id was accepted")
        } catch {
            #expect(error.diagnostics.first?.code == "decision.duplicate_id")
        }
        #expect(try store.decisions().count == 3)
    }

    @Test("verify walks both chains and finds a row changed behind clearance's back")
    func verifyChains() throws {
        let box = Sandbox()
        let store = try box.open()
        try store.appendDecisions((1...5).map { sampleDecision("d\($0)") })
        _ = try store.importUsage((1...5).map { sampleUse("e\($0)") })
        let ok = try store.verifyChains()
        #expect(ok.ok)
        #expect(ok.tables.map(\.rows) == [5, 5])
        // Tamper: drop the append-only trigger, change a row, as an attacker with sqlite3 would.
        #expect(rawSQL(store, "DROP TRIGGER usage_ledger_no_update; UPDATE usage_ledger SET channel = 'tv' WHERE event_id = 'e3'") == nil)
        let bad = try store.verifyChains()
        #expect(!bad.ok)
        #expect(bad.tables[1].problem?.code == "chain.bad_hash")
        #expect(bad.tables[1].problem?.location == "usage_ledger seq 3")
        #expect(bad.tables[0].problem == nil)
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    /// The direct canonical row text (hash chains) is the JSON-object definition's, byte for byte.
    @Test("chain: direct canonical text equals the JSON-object canonical text")
    func canonicalDirect() {
        let values = Chain.sampleValues
        let names = ["seq", "decision_id", "row_hash", "prev_hash", "request", "Zeta", "a", "ä", "response"]
        var state: UInt64 = 99
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<500 {
            var cols = [(names[0], values[0])]
            cols.removeAll()
            for name in names where next(3) > 0 { cols.append((name, values[next(values.count)])) }
            cols.shuffle(using: &SeededShuffle.shared)
            #expect(Chain.canonical(cols) == Chain.canonicalViaTree(cols))
        }
    }

    /// The block-at-a-time path (contiguous input) and the byte-at-a-time path (any sequence) agree for
    /// every length around block boundaries, and feeding in pieces equals feeding at once.
    @Test("SHA-256: contiguous, byte-wise and piecewise input give the same digest")
    func sha256Paths() {
        let data = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for n in 0...data.count {
            let slice = Array(data[0..<n])
            let whole = SHA256.hex(slice)
            #expect(SHA256.hex(slice.lazy.map { $0 }) == whole, "length \(n)")
            var h = SHA256()
            var i = 0
            var step = 1
            while i < n {
                let j = min(n, i + step)
                h.update(Array(data[i..<j]))
                i = j
                step = step * 3 % 97 + 1
            }
            #expect(SHA256.hexString(h.finalize()) == whole, "pieces, length \(n)")
        }
    }
}

@Suite("Store: fast JSON writer")
struct FastJSONTests {
    static let values: [JSONValue] = [
        "plain", "quote \" backslash \\ slash /", "tab\tnewline\ncr\r", "\u{01}\u{1f}", "line\u{2028}para\u{2029}",
        "İLKHA — Türkçe, عربي, 😀", "€ … ‐ \u{2027}\u{202A}\u{2028}", "\u{2029}", "\"", "x\\", 0, -1, 3.25, 1e20, 0.1, true, false, .null, [], [:],
        ["b": 1, "a": [1, "x", ["z": .null]], "ç": "ş"],
    ]

    @Test("writes exactly what JSONValue.serialized writes", arguments: values.indices)
    func sameAsSerialized(_ i: Int) {
        let v = Self.values[i]
        #expect(FastJSON.string(v) == v.serialized())
        #expect(FastJSON.string(v, sortedKeys: true) == v.serialized(sortedKeys: true))
    }
}

/// A fixed shuffle source for the canonical-text test.
struct SeededShuffle: RandomNumberGenerator {
    nonisolated(unsafe) static var shared = SeededShuffle()
    var state: UInt64 = 7
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
}

