import ClearanceCore
import Testing

/// Table-driven tests of the news-layer value types: agreements, requests, dates, durations, territories.
@Suite struct NewsTypesTests {
    struct Expected: Hashable, CustomStringConvertible {
        var code: String
        var at: String
        var description: String { "\(code) at \(at)" }
    }

    static func expectations(_ v: JSONValue?) -> [Expected] {
        (v?.arrayValue ?? []).map { Expected(code: $0["code"]?.stringValue ?? "", at: $0["at"]?.stringValue ?? "") }
    }

    @Test func agreementCases() throws {
        let base = try NewsFixtures.json("base-agreement.json")
        let cases = try NewsFixtures.json("agreement-cases.json").arrayValue ?? []
        #expect(cases.count > 30)
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            var doc = base
            if let replace = c["replace"] { doc = replace }
            for (k, v) in c["patch"]?.objectValue ?? JSONObject() { doc = NewsFixtures.patched(doc, k, v) }
            let (agreement, diags) = Agreement.parse(doc)
            let errors = diags.filter { $0.severity == .error }.map { Expected(code: $0.code, at: $0.location ?? "") }
            let warnings = diags.filter { $0.severity == .warning }.map { Expected(code: $0.code, at: $0.location ?? "") }
            let want = Self.expectations(c["expect"])
            #expect(errors == want, "case `\(name)`: \(diags)")
            #expect((agreement == nil) == !want.isEmpty, "case `\(name)`")
            for w in Self.expectations(c["warnings"]) { #expect(warnings.contains(w), "case `\(name)` wants warning \(w)") }
            for d in diags {
                #expect(!d.message.isEmpty && d.message.first?.isUppercase != true, "case `\(name)`: message style: \(d.message)")
            }
            // Every accepted agreement round-trips through its JSON form.
            if let agreement {
                let (again, d2) = Agreement.parse(try JSONParser.parse(agreement.json.serialized()))
                #expect(again == agreement, "case `\(name)` round trip: \(d2)")
            }
        }
    }

    @Test func designExampleMeaning() throws {
        let (a, diags) = Agreement.parse(try NewsFixtures.json("base-agreement.json"))
        #expect(diags.isEmpty)
        let agreement = try #require(a)
        #expect(agreement.term.start == Instant(year: 2026, month: 1, day: 1))
        // A date-only end covers that whole day: exclusive end at the next day's 00:00 UTC.
        #expect(agreement.term.end == Instant(year: 2027, month: 1, day: 1))
        #expect(agreement.term.contains(Instant(year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 59)))
        #expect(!agreement.term.contains(Instant(year: 2027, month: 1, day: 1)))
        #expect(agreement.signedAt == Instant(year: 2025, month: 12, day: 20))
        let g = try #require(agreement.grants.first)
        #expect(g.assets == .only([.text]))
        #expect(g.coversAction("reproduce") && g.coversAction("translate") && !g.coversAction("sell"))
        #expect(g.embargo?.milliseconds == 3_600_000)
        #expect(g.quota == Quota(count: 300, per: .month))
        #expect(g.duties == [Duty(action: .attribute, text: "İLKHA")])
        let t = TerritoryTable.builtin
        #expect(g.territories.contains(index: t.indexByCode["IQ"] ?? -1))
        #expect(!g.territories.contains(index: t.indexByCode["SY"] ?? -1))
        #expect(agreement.restrictions.first?.channels == .only([.social]))
        #expect(agreement.json["term"]?["end"] == "2026-12-31")
    }

    @Test func agreementListDuplicateIds() throws {
        let base = try NewsFixtures.json("base-agreement.json")
        let bad = NewsFixtures.patched(base, "kind", "deal")
        let (list, diags) = Agreement.parseList([base, bad, base])
        #expect(list.count == 1)
        #expect(diags.map(\.code) == ["agreement.unknown_kind", "agreement.duplicate_id"])
        #expect(diags.map { $0.location ?? "" } == ["$[1].kind", "$[2].id"])
        let (_, d2) = Agreement.parseList("nope")
        #expect(d2.map(\.code) == ["agreement.not_array"])
    }

    @Test func widestDefaults() throws {
        var doc = try NewsFixtures.json("base-agreement.json")
        for k in ["assets", "actions", "extent", "channels", "territories"] {
            doc = NewsFixtures.patched(doc, "grants[0].\(k)", ["$delete": true])
        }
        #expect(Agreement.parse(doc).0 == nil)
        let (wide, wd) = Agreement.parse(doc, missing: .widest)
        let g = try #require(wide?.grants.first, "\(wd)")
        #expect(g.assets == .all && g.channels == .all && g.actions == ["use"] && g.extent == [.whole, .partial])
        #expect(g.territories.coversEverything())
    }

    @Test func requestCases() throws {
        let now = try NewsFixtures.instant("2026-11-29T12:00:00Z")
        for c in try NewsFixtures.json("request-cases.json").arrayValue ?? [] {
            let name = c["name"]?.stringValue ?? "?"
            let (req, diags) = RepublicationRequest.parse(c["request"] ?? .null, now: now)
            let errors = diags.filter { $0.severity == .error }.map { Expected(code: $0.code, at: $0.location ?? "") }
            let want = Self.expectations(c["expect"])
            #expect(errors == want, "case `\(name)`: \(diags)")
            #expect((req == nil) == !want.isEmpty, "case `\(name)`")
            if let req, let check = c["check"]?.objectValue {
                if let v = check["action"]?.stringValue { #expect(req.action == v, "case `\(name)`") }
                if let v = check["extent"]?.stringValue { #expect(req.extent.rawValue == v, "case `\(name)`") }
                if let v = check["at"]?.stringValue { #expect(req.at.description == v, "case `\(name)`") }
                if let v = check["territory"]?.stringValue { #expect(req.territory == v, "case `\(name)`") }
                if let v = check["id"]?.stringValue { #expect(req.id == v, "case `\(name)`") }
            }
            if let req {
                let (again, _) = RepublicationRequest.parse(try JSONParser.parse(req.json.serialized()), now: nil)
                #expect(again == req, "case `\(name)` round trip")
            }
        }
    }

    @Test func requestWithoutNowNeedsAt() {
        let v: JSONValue = ["subscriber": "s", "source": "ilkha", "asset": ["id": "a", "kind": "text"], "channel": "web", "territory": "IQ"]
        let (r, d) = RepublicationRequest.parse(v, now: nil)
        #expect(r == nil)
        #expect(d.map(\.code) == ["request.missing_at"])
    }

    @Test func dateTimeCases() throws {
        for c in try NewsFixtures.json("datetime-cases.json").arrayValue ?? [] {
            let text = c["text"]?.stringValue ?? ""
            switch ISO8601.parseDateTime(text) {
            case .success(let d):
                #expect(c["error"] == nil, "`\(text)` should be refused")
                let want = c["instant"]?.stringValue ?? ""
                let got = d.instant.description
                #expect(got == want || got == want.replacingOccurrences(of: ".500Z", with: ".500Z"), "`\(text)` -> \(got)")
                #expect(d.isDateOnly == (c["dateOnly"] == .bool(true)), "`\(text)`")
            case .failure(let e):
                #expect(c["error"] == .bool(true), "`\(text)` should parse: \(e.message)")
                #expect(e.message.contains("`"), "message names the input: \(e.message)")
            }
        }
    }

    @Test func durationCases() throws {
        for c in try NewsFixtures.json("duration-cases.json").arrayValue ?? [] {
            let text = c["text"]?.stringValue ?? ""
            switch ISO8601.parseDuration(text) {
            case .success(let d):
                #expect(c["error"] == nil, "`\(text)` should be refused")
                let from = try NewsFixtures.instant(c["from"]?.stringValue ?? "")
                #expect(d.added(to: from).description == c["to"]?.stringValue, "`\(text)` from \(from)")
                #expect(d.description == text)
            case .failure(let e):
                #expect(c["error"] == .bool(true), "`\(text)` should parse: \(e.message)")
            }
        }
    }

    @Test func instantRoundTripsAcrossCenturies() throws {
        var day = -719_000
        while day < 2_900_000 {
            let i = Instant(millisecondsSinceEpoch: Int64(day) * 86_400_000 + 45_296_789)
            let parsed = try NewsFixtures.instant(i.description)
            #expect(parsed == i)
            day += 9_973
        }
    }

    @Test func territoryTable() {
        let t = TerritoryTable.builtin
        #expect(t.codes.count == 250)
        #expect(t.set(named: "EU")?.count == 27)
        #expect(t.set(named: "GCC")?.count == 6)
        #expect(t.set(named: "WORLD")?.count == 250)
        #expect(t.set(named: "all") == t.set(named: "WORLD"))
        #expect(t.set(named: "EEA")?.count == 30)
        #expect(t.canonicalName("iq") == "IQ")
        #expect(t.canonicalName("UK") == nil && t.suggestion(for: "UK") == "GB")
        let spec = TerritorySpec(include: ["MENA"], exclude: ["IL"])
        #expect(spec.contains(index: t.indexByCode["IQ"] ?? -1))
        #expect(!spec.contains(index: t.indexByCode["IL"] ?? -1))
        #expect(!spec.contains(index: t.indexByCode["TR"] ?? -1))
    }

    @Test func badTerritoryTables() {
        for (text, why) in [("country iq Iraq", "lower"), ("country IQ Iraq\ncountry IQ Iraq", "twice"),
                            ("region X IQ", "unknown member"), ("planet X", "kind"), ("region EMPTY", "empty")] {
            guard case .failure(let d) = TerritoryTable.parse(text) else {
                Issue.record("table with \(why) should be refused")
                continue
            }
            #expect(d.code == "territory.bad_table")
            #expect(d.location == "line 1" || d.location == "line 2")
        }
    }

    @Test func quotaWindows() throws {
        let term = Term(start: Instant(year: 2026, month: 1, day: 1), end: Instant(year: 2027, month: 1, day: 1))
        let at = try NewsFixtures.instant("2026-11-28T10:00:00Z")  // a Saturday
        #expect(QuotaPeriod.day.window(containing: at, term: term).start.description == "2026-11-28T00:00:00Z")
        #expect(QuotaPeriod.week.window(containing: at, term: term).start.description == "2026-11-23T00:00:00Z")
        #expect(QuotaPeriod.month.window(containing: at, term: term).end.description == "2026-12-01T00:00:00Z")
        #expect(QuotaPeriod.year.window(containing: at, term: term).start.description == "2026-01-01T00:00:00Z")
        #expect(QuotaPeriod.term.window(containing: at, term: term) == (term.start, term.end))
        let dec = try NewsFixtures.instant("2026-12-31T23:00:00Z")
        #expect(QuotaPeriod.month.window(containing: dec, term: term).end.description == "2027-01-01T00:00:00Z")
    }

    @Test func usageEventForms() throws {
        let line: JSONValue = ["id": "u1", "subscriber": "alsharq", "source": "ilkha",
                               "asset": ["id": "ilkha-1", "kind": "photo"], "channel": "web", "territory": "IQ",
                               "at": "2026-11-29T10:00:00Z", "url": "https://alsharq.example/a", "attribution": "İLKHA", "link": true]
        let (ev, d) = UsageEvent.parse(line)
        #expect(d.isEmpty)
        #expect(ev?.attribution == "İLKHA" && ev?.link == true && ev?.request.asset.kind == .photo)
        let (ev2, d2) = UsageEvent.parse(csvFields: [("id", "u1"), ("subscriber", "alsharq"), ("source", "ilkha"),
                                                     ("asset_id", "ilkha-1"), ("kind", "photo"), ("channel", "web"),
                                                     ("territory", "IQ"), ("at", "2026-11-29T10:00:00Z"),
                                                     ("url", "https://alsharq.example/a"), ("attribution", "İLKHA"), ("link", "yes")],
                                         location: "line 2")
        #expect(d2.isEmpty)
        #expect(ev2 == ev)
        let (bad, d3) = UsageEvent.parse(csvFields: [("subscriber", "s"), ("link", "maybe"), ("at", "")], location: "line 7")
        #expect(bad == nil)
        #expect(d3.contains { $0.code == "usage.wrong_type" && $0.location == "line 7, column `link`" })
        #expect(d3.contains { $0.code == "usage.missing_at" })
        #expect(d3.contains { $0.code == "usage.missing_field" && $0.location == "line 7.source" })
    }

    @Test func decisionJSONRoundTrip() throws {
        let d = NewsDecision(id: "r1", verdict: .deny, source: "ilkha", subscriber: "alsharq",
                             reasons: [Reason(code: "asset_not_granted", agreement: "C-2026-0007",
                                              message: "contract C-2026-0007 grants text only, not photo", quote: "…")],
                             duties: [], wouldPermitIf: ["a grant covering photo"])
        let text = d.json.serialized()
        #expect(text.hasPrefix(#"{"id":"r1","decision":"deny","source":"ilkha","subscriber":"alsharq","reasons":"#))
        let (back, diags) = NewsDecision.parse(try JSONParser.parse(text))
        #expect(diags.isEmpty)
        #expect(back == d)
    }
}
