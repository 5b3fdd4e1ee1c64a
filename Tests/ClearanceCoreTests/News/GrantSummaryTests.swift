import ClearanceCore
import Testing

/// `Grant.summary`, written as bytes (`Grant.writeSummary(to:)`, what a permit's words copy), is the
/// text the former `String`-joining form made (kept here as the reference), for seeded random grants
/// over every dimension and a few edge grants (empty lists, `all`, exclusions, portions, quotas).
@Suite struct GrantSummaryTests {
    /// The former summary, verbatim but for `joinBytes`/`concat` (same text as `joined`/`+`).
    static func reference(_ g: Grant) -> String {
        var parts = [g.assets.listText, g.actions.joined(separator: ", "), g.extent.map(\.rawValue).joined(separator: ", "),
                     g.channels.listText, g.territories.include.joined(separator: ", ")]
        if !g.territories.exclude.isEmpty { parts[4] = parts[4] + " except " + g.territories.exclude.joined(separator: ", ") }
        if let maxPortion = g.maxPortion { parts.append("at most " + String(Int((maxPortion * 100).rounded())) + "%") }
        if let embargo = g.embargo { parts.append("embargo " + embargo.description) }
        if let q = g.quota { parts.append(String(q.count) + " per " + q.per.rawValue) }
        return parts.joined(separator: "; ")
    }

    @Test func randomGrantsMatchTheReference() {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 0x5E55_1047))
        for _ in 0..<3_000 {
            let g = gen.grant()
            #expect(g.summary == Self.reference(g))
        }
    }

    @Test func edgeGrantsMatchTheReference() {
        let grants = [
            Grant(assets: .all, actions: [], extent: [], channels: .all, territories: TerritorySpec(include: [], exclude: [])),
            Grant(assets: .only([]), actions: ["use"], extent: [.whole], channels: .only([]),
                  territories: TerritorySpec(include: ["WORLD"], exclude: ["US", "IL"])),
            Grant(assets: .only([.text, .photo]), actions: ["reproduce", "distribute"], extent: [.whole, .partial], maxPortion: 0.005,
                  channels: .only([.web, .print]), territories: TerritorySpec(include: ["TR", "IQ"], exclude: []),
                  quota: Quota(count: 12, per: .month), embargo: ISODuration(days: 1)),
        ]
        for g in grants { #expect(g.summary == Self.reference(g)) }
        #expect(grants[1].summary == "; use; whole; ; WORLD except US, IL")
    }
}
