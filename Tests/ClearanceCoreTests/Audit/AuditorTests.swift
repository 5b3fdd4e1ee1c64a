import Foundation
import Testing
@testable import ClearanceCore

/// Builders shared by the audit tests.
enum AuditFixtures {
    static func at(_ s: String) -> Instant {
        guard case .success(let p) = ISO8601.parseDateTime(s) else { fatalError("bad test date \(s)") }
        return p.instant
    }

    static func event(_ id: String, subscriber: String = "alsharq", kind: AssetKind = .text, channel: Channel = .web,
                      territory: String = "IQ", at: String = "2026-06-10T10:00:00Z", url: String? = nil,
                      attribution: String? = "İLKHA", link: Bool? = true) -> UsageEvent {
        let r = RepublicationRequest(id: id, subscriber: subscriber, source: "ilkha",
                                     asset: AssetRef(id: "ilkha-482627", kind: kind), channel: channel,
                                     territory: territory, at: AuditFixtures.at(at))
        return UsageEvent(request: r, url: url ?? "https://\(subscriber).example/\(id)", attribution: attribution, link: link)
    }

    static let agreement = Agreement(
        id: "C-1", kind: .contract, source: "ilkha", subscriber: Subscriber(id: "alsharq"),
        signedAt: at("2025-12-20"), term: Term(start: at("2026-01-01"), end: at("2027-01-01")),
        grants: [Grant(assets: .all, actions: ["use"], extent: [.whole, .partial], channels: .all,
                       territories: TerritorySpec(include: ["WORLD"], exclude: []), quota: Quota(count: 2, per: .day))])

    /// A stand-in for the news decider: text on web is granted by C-1 (2 a day) with a credit and a
    /// link; social is not granted; the subscriber `nobody` has no agreement.
    static func decide(_ r: RepublicationRequest, _ usage: AuditUsage) -> NewsDecision {
        var d = NewsDecision(id: r.id, verdict: .deny, source: r.source, subscriber: r.subscriber)
        if r.subscriber == "nobody" {
            d.reasons = [Reason(code: "no_agreement", message: "nobody has no agreement with ilkha",
                                quote: "İLKHA owns all rights…")]
            return d
        }
        if r.channel == .social {
            d.reasons = [Reason(code: "channel_not_granted", agreement: "C-1", message: "contract C-1 grants web only, not social",
                                quote: "§2 on the website")]
            d.wouldPermitIf = ["C-1 extended to social"]
            return d
        }
        let w = QuotaPeriod.day.window(containing: r.at, term: agreement.term)
        if usage.uses(agreement: "C-1", grant: 0, from: w.start, to: w.end) >= 2 {
            d.reasons = [Reason(code: "quota_exceeded", agreement: "C-1", message: "C-1 allows 2 uses a day; this is use 3",
                                quote: "up to 2 items a day")]
            return d
        }
        d.verdict = .permit
        d.permittedBy = .agreement(id: "C-1", grant: 0)
        d.duties = [DecisionDuty(duty: Duty(action: .attribute, text: "İLKHA"), agreement: "C-1"),
                    DecisionDuty(duty: Duty(action: .link, url: "https://ilkha.com"), agreement: "C-1")]
        return d
    }

    static func auditor() -> Auditor {
        Auditor(decide: decide, agreementAsOf: { id, _ in id == "C-1" ? agreement : nil })
    }

    /// Audits events in order; returns the findings.
    static func run(_ events: [UsageEvent]) -> [Finding] {
        (try? runThrowing(events)) ?? []
    }

    static func runThrowing(_ events: [UsageEvent]) throws -> [Finding] {
        var a = auditor()
        var out: [Finding] = []
        for (k, e) in events.enumerated() { out += try a.audit(e, origin: .init(file: "log.jsonl", line: k + 1)) }
        return out
    }
}

struct AuditorTests {
    @Test func aCoveredUseWithItsDutiesMetIsClean() {
        #expect(AuditFixtures.run([AuditFixtures.event("e1")]).isEmpty)
    }

    @Test func aUseWithNoAgreementIsUnlicensed() throws {
        let f = try #require(AuditFixtures.run([AuditFixtures.event("e1", subscriber: "nobody")]).first)
        #expect(f.code == .unlicensedUse)
        #expect(f.severity == .error)
        #expect(f.clause == "notice")
        #expect(f.quote == "İLKHA owns all rights…")
        #expect(f.remedy?.hasSuffix("or take down https://nobody.example/e1") == true)
        #expect(f.file == "log.jsonl" && f.line == 1 && f.event == "e1")
    }

    @Test func aDimensionNotGrantedNamesTheAgreementAndTheRemedy() throws {
        let f = try #require(AuditFixtures.run([AuditFixtures.event("e1", channel: .social)]).first)
        #expect(f.code == .channelNotGranted)
        #expect(f.agreement == "C-1")
        #expect(f.clause == "grants[0].channels")
        #expect(f.remedy == "extend C-1 to social, or take down https://alsharq.example/e1")
    }

    @Test func aDifferentCreditIsMissingAttribution() throws {
        let fs = AuditFixtures.run([AuditFixtures.event("e1", attribution: "IHA")])
        let f = try #require(fs.first)
        #expect(fs.count == 1)
        #expect(f.code == .missingAttribution)
        #expect(f.severity == .error)
        #expect(f.expected == "İLKHA" && f.found == "IHA")
        #expect(f.message.contains("`IHA`"))
    }

    @Test func noCreditAndNoLinkAreTwoFindings() {
        let fs = AuditFixtures.run([AuditFixtures.event("e1", attribution: nil, link: false)])
        #expect(fs.map(\.code) == [.missingAttribution, .missingLink])
        #expect(fs.map(\.severity) == [.error, .warning])
    }

    @Test func linkEvidenceAbsentIsAMissingLink() {
        let fs = AuditFixtures.run([AuditFixtures.event("e1", link: nil)])
        #expect(fs.map(\.code) == [.missingLink])
        #expect(fs.first?.message.contains("not given") == true)
    }

    @Test func theUseThatGoesOverTheQuotaIsTheFinding() {
        let events = [
            AuditFixtures.event("e1", at: "2026-06-10T08:00:00Z"),
            AuditFixtures.event("e2", at: "2026-06-10T09:00:00Z"),
            AuditFixtures.event("e3", at: "2026-06-10T10:00:00Z"),
            AuditFixtures.event("e4", at: "2026-06-11T08:00:00Z"),
        ]
        let fs = AuditFixtures.run(events)
        #expect(fs.map(\.event) == ["e3"])
        #expect(fs.first?.code == .quotaExceeded)
        #expect(fs.first?.clause == "grants[0].quota")
    }

    @Test func deniedUsesDoNotUseUpTheQuota() {
        let events = [
            AuditFixtures.event("e1", channel: .social, at: "2026-06-10T07:00:00Z"),
            AuditFixtures.event("e2", at: "2026-06-10T08:00:00Z"),
            AuditFixtures.event("e3", at: "2026-06-10T09:00:00Z"),
        ]
        #expect(AuditFixtures.run(events).map(\.code) == [.channelNotGranted])
    }

    @Test func ledgerEventsCountTowardTheQuotaWithoutFindings() throws {
        var a = AuditFixtures.auditor()
        try a.count(AuditFixtures.event("s1", at: "2026-06-10T01:00:00Z", attribution: nil))
        try a.count(AuditFixtures.event("s2", at: "2026-06-10T02:00:00Z"))
        let fs = try a.audit(AuditFixtures.event("e1", at: "2026-06-10T03:00:00Z"), origin: .init(file: "log", line: 1))
        #expect(fs.map(\.code) == [.quotaExceeded])
    }

    @Test func closedWindowsAreForgotten() throws {
        var a = AuditFixtures.auditor()
        for day in 1...200 {
            let d = String(format: "2026-%02d-%02dT10:00:00Z", 1 + (day - 1) / 28, 1 + (day - 1) % 28)
            _ = try a.audit(AuditFixtures.event("e\(day)", at: d), origin: .init(file: "log", line: day))
        }
        #expect(a.quotaCounterCount <= 70)
    }

    struct Credit: Sendable {
        var shown: String
        var required: String
        var ok: Bool
    }

    @Test(arguments: [
        Credit(shown: "İLKHA", required: "İLKHA", ok: true),
        Credit(shown: "ilkha", required: "İLKHA", ok: true),
        Credit(shown: "ILKHA", required: "İLKHA", ok: true),
        Credit(shown: "Foto: İLKHA", required: "İLKHA", ok: true),
        Credit(shown: "İLKHA / Anadolu Review", required: "İLKHA / Anadolu Review", ok: true),
        Credit(shown: "IHA", required: "İLKHA", ok: false),
        Credit(shown: "İLKHABER", required: "İLKHA", ok: false),
        Credit(shown: "", required: "İLKHA", ok: false),
        Credit(shown: "وكالة إلكا İLKHA", required: "İLKHA", ok: true),
    ])
    func creditLines(_ c: Credit) {
        #expect(Auditor.creditMatches(shown: c.shown, required: c.required) == c.ok, "\(c.shown) vs \(c.required)")
    }

    @Test func malformedLinesKeepTheirLocationAndHint() {
        let d = Diagnostic(code: "usage.unknown_asset_kind", message: "unknown asset kind `podcast`",
                           hint: "use one of text, photo, video, audio, graphics", location: "line 7.asset.kind")
        let f = Auditor.malformed(file: "log.jsonl", line: 7, diagnostics: [d], eventID: "e7")
        #expect(f.code == .malformedEvent)
        #expect(f.line == 7 && f.event == "e7")
        #expect(f.clause == "usage.unknown_asset_kind")
        #expect(f.remedy == "fix the line: use one of text, photo, video, audio, graphics")
    }

    @Test func findingsRoundTripThroughJSON() throws {
        let fs = AuditFixtures.run([AuditFixtures.event("e1", attribution: "IHA, \"x\"\n", link: false)])
        for f in fs {
            let back = try Finding(json: try JSONParser.parse(f.jsonText()))
            #expect(back == f)
        }
    }
}
