import ClearanceCore

/// The benchmark's own reading of DESIGN.md's decision rules 3–6, for the generated workload only.
///
/// It exists so the generator can steer a third of the requests to a permit, and as a third opinion
/// when Clearance and Cedar disagree (it tells which encoding drifted). It covers what the workload
/// uses — no quotas, no notice public permissions (İLKHA's notice has none) — and is written for
/// clarity, not speed: it is never what is measured.
enum ReferenceModel {
    /// Whether `request` is permitted by one of `agreements` (the subscriber's agreements with the source).
    static func decide(_ request: RepublicationRequest, agreements: [Agreement], table: TerritoryTable = .builtin) -> Verdict {
        for a in agreements where a.source == request.source && a.inactivity(at: request.at) == nil {
            if a.restrictions.contains(where: { matches($0, request, table: table) }) { continue }
            if a.grants.contains(where: { covers($0, request, table: table) }) { return .permit }
        }
        return .deny
    }

    /// Rule 4: every dimension of the grant matches the request.
    static func covers(_ g: Grant, _ r: RepublicationRequest, table: TerritoryTable) -> Bool {
        guard g.assets.contains(r.asset.kind), g.coversAction(r.action), g.extent.contains(r.extent),
              g.channels.contains(r.channel), let t = table.indexByCode[r.territory], g.territories.contains(index: t)
        else { return false }
        if let max = g.maxPortion, r.extent == .partial {
            guard let p = r.portion, p <= max else { return false }
        }
        if let e = g.embargo {
            guard let pub = r.asset.publishedAt, r.at >= e.added(to: pub) else { return false }
        }
        return true
    }

    /// Rule 5: a restriction applies when every dimension it lists matches (an embargo matches while it runs).
    static func matches(_ x: Restriction, _ r: RepublicationRequest, table: TerritoryTable) -> Bool {
        if let a = x.assets, !a.contains(r.asset.kind) { return false }
        if let acts = x.actions, !acts.contains(where: { NewsActions.covers($0, r.action) }) { return false }
        if let e = x.extent, !e.contains(r.extent) { return false }
        if let c = x.channels, !c.contains(r.channel) { return false }
        if let t = x.territories {
            guard let k = table.indexByCode[r.territory], t.contains(index: k) else { return false }
        }
        if let e = x.embargo {
            // Unknown publication time: the embargo cannot be shown to be over, so it applies (fail closed).
            if let pub = r.asset.publishedAt, r.at >= e.added(to: pub) { return false }
        }
        return true
    }
}
