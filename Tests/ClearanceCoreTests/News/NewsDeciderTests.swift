import ClearanceCore
import Testing

/// Table-driven tests of the news decider over the sample agreements and the İLKHA notice policy.
@Suite struct NewsDeciderTests {
    static func decider() throws -> NewsDecider {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let notice = try NoticeTerms(source: "ilkha", policy: policy)
        let (agreements, diags) = Agreement.parseList(try NewsFixtures.json("agreements.json"))
        #expect(diags.filter { $0.severity == .error }.isEmpty, "\(diags)")
        return try NewsDecider(notice: notice, agreements: agreements)
    }

    static func usage(_ v: JSONValue?) throws -> InMemoryUsage {
        var u = InMemoryUsage()
        for e in v?.arrayValue ?? [] {
            u.record(agreement: e["agreement"]?.stringValue ?? "", grant: e["grant"]?.intValue ?? 0,
                     at: try NewsFixtures.instant(e["at"]?.stringValue ?? ""))
        }
        return u
    }

    @Test func deciderCases() throws {
        let decider = try Self.decider()
        let cases = try NewsFixtures.json("decider-cases.json").arrayValue ?? []
        #expect(cases.count >= 25)
        var lines: [String] = []
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            let (req, diags) = RepublicationRequest.parse(c["request"] ?? .null, now: nil)
            guard let req else {
                Issue.record("case `\(name)`: bad request \(diags)")
                continue
            }
            let d = decider.decide(req, usage: try Self.usage(c["usage"]))
            #expect(d.verdict.rawValue == c["decision"]?.stringValue, "case `\(name)`: \(d.json.serialized())")
            let codes = (c["codes"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(d.reasons.map(\.code) == codes, "case `\(name)`: \(d.json.serialized())")
            if let duties = c["duties"]?.arrayValue {
                let got = d.duties.map { "\($0.duty.action.rawValue):\($0.duty.text ?? $0.duty.url ?? "")" }
                #expect(got == duties.compactMap(\.stringValue), "case `\(name)`")
            }
            for w in (c["would"]?.arrayValue ?? []).compactMap(\.stringValue) {
                #expect(d.wouldPermitIf.contains(w), "case `\(name)`: wouldPermitIf \(d.wouldPermitIf)")
            }
            // Every reason quotes the words that decided it, and a deny always says what would permit.
            for r in d.reasons where r.code != "no_policy" { #expect(r.quote != nil, "case `\(name)`: \(r.code) has no quote") }
            if d.verdict == .deny { #expect(!d.wouldPermitIf.isEmpty, "case `\(name)`") }
            if d.verdict == .permit { #expect(d.wouldPermitIf.isEmpty && d.permittedBy != nil, "case `\(name)`") }
            #expect(d.id == req.id)
            lines.append(d.json.serialized())
            #expect(d.jsonText == d.json.serialized(), "case `\(name)`: the direct writer differs")
        }
        try Golden.check(lines.joined(separator: "\n") + "\n", name: "decider-golden.jsonl")
    }

    @Test func noPolicyDenies() throws {
        let (req, _) = RepublicationRequest.parse(
            ["subscriber": "alsharq", "source": "ilkha", "asset": ["id": "a", "kind": "text"], "channel": "web",
             "territory": "TR", "at": "2026-11-29T10:00:00Z"], now: nil)
        let d = try NewsDecider(notice: nil, agreements: [Agreement]()).decide(try #require(req))
        #expect(d.verdict == .deny && d.reasons.map(\.code) == ["no_policy"])
    }

    /// Property: adding a restriction to an agreement never turns a deny into a permit.
    @Test func addingARestrictionNeverPermitsMore() throws {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let notice = try NoticeTerms(source: "ilkha", policy: policy)
        let (agreements, _) = Agreement.parseList(try NewsFixtures.json("agreements.json"))
        let prepared = try agreements.map { a throws(DiagnosticError) in try PreparedAgreement(a) }
        let base = NewsDecider(notice: notice, agreements: prepared)
        var rng = SplitMix(seed: 20261129)
        let restrictions: [Restriction] = [
            Restriction(channels: .only([.web])), Restriction(assets: .only([.text, .photo])),
            Restriction(territories: TerritorySpec(include: ["TR"], exclude: [])), Restriction(actions: ["distribute"]),
            Restriction(extent: [.partial]), Restriction(embargo: ISODuration(days: 1)), Restriction(note: "nothing at all"),
        ]
        let subscribers = ["alsharq", "gulfnews", "levantpost", "anadolu-review"]
        let codes = ["TR", "IQ", "LB", "AE", "DE", "IR", "IL", "US", "AZ", "QA"]
        for _ in 0..<300 {
            let req = RepublicationRequest(
                subscriber: subscribers[rng.next(subscribers.count)], source: "ilkha",
                asset: AssetRef(id: "a", kind: AssetKind.allCases[rng.next(5)],
                                publishedAt: Instant(year: 2026, month: 11, day: 29, hour: rng.next(12))),
                action: ["reproduce", "distribute", "translate", "use", "modify"][rng.next(5)],
                extent: rng.next(2) == 0 ? .whole : .partial, portion: rng.next(2) == 0 ? nil : 0.25,
                channel: Channel.allCases[rng.next(Channel.allCases.count)], territory: codes[rng.next(codes.count)],
                at: Instant(year: 2025 + rng.next(2), month: 1 + rng.next(12), day: 1 + rng.next(28), hour: 12))
            let before = base.decide(req)
            let k = rng.next(agreements.count)
            var changed = agreements[k]
            changed.restrictions.append(restrictions[rng.next(restrictions.count)])
            var list = prepared
            list[k] = try PreparedAgreement(changed)
            let after = NewsDecider(notice: notice, agreements: list).decide(req)
            if before.verdict == .deny { #expect(after.verdict == .deny, "\(req.json.serialized())") }
        }
    }

    @Test func compiledPolicyIsValidODRL() throws {
        let (agreements, _) = Agreement.parseList(try NewsFixtures.json("agreements.json"))
        for a in agreements {
            let json = a.odrlPolicy()
            let read = ODRLReader.read(json)
            #expect(!read.hasErrors, "\(a.id): \(read.diagnostics)")
            #expect(json["@type"] == "Agreement")
            #expect(json["assignee"]?.stringValue == "urn:clearance:subscriber:\(a.subscriber.id)")
        }
    }
}

/// A small deterministic random generator for property tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(max(n, 1)))
    }
}

extension NewsDeciderTests {
    /// A memo changes how fast a deny is explained, never what the decision says.
    @Test func memoGivesTheSameDecisions() throws {
        let decider = try Self.decider()
        let memo = DecisionMemo()
        for pass in 0..<2 {
            for c in try NewsFixtures.json("decider-cases.json").arrayValue ?? [] {
                guard let req = RepublicationRequest.parse(c["request"] ?? .null, now: nil).0 else { continue }
                let usage = try Self.usage(c["usage"])
                let plain = decider.decide(req, usage: usage)
                let memoised = decider.decide(req, usage: usage, memo: memo)
                #expect(plain == memoised, "pass \(pass), case `\(c["name"]?.stringValue ?? "?")`")
            }
        }
    }
}

extension NewsDeciderTests {
    /// The direct JSON writer escapes exactly like the shared JSON writer.
    @Test func directWriterEscapesLikeJSONValue() throws {
        let tricky = ["plain", "quote \" and \\ backslash", "tab\tnew\nline\rret", "nul \u{0} bell \u{7} esc \u{1B}",
                      "line sep \u{2028} para \u{2029}", "العربية İLKHA «»", "emoji 🙂", ""]
        for t in tricky {
            let d = NewsDecision(id: t, verdict: .deny, source: "s", subscriber: t,
                                 reasons: [Reason(code: "c", agreement: t, message: t, quote: t, quoteFrom: "notice")],
                                 duties: [DecisionDuty(duty: Duty(action: .attribute, text: t, url: nil), agreement: t)],
                                 wouldPermitIf: [t])
            #expect(d.jsonText == d.json.serialized(), "`\(t)`")
            #expect(try JSONParser.parse(d.jsonText)["id"]?.stringValue == t)
        }
    }
}
