import ClearanceCore

/// What to generate: sizes, seed and the share of requests that should be permitted.
struct WorkloadConfig {
    var subscribers = 10_000
    /// How many agreements each subscriber gets: three each by default (issue 4 states its targets "with 10,000
    /// subscribers and 30,000 agreements", so a quick run with fewer subscribers keeps the issue's ratio).
    var agreements: AgreementSpread = .perSubscriber(3)
    var requests = 1_000_000
    var seed: UInt64 = 42
    /// The source every agreement and request is about (its policy is `Policies/ilkha.json`).
    var source = "ilkha"
    /// Share of requests steered to a permit (checked with ``ReferenceModel``).
    var permitShare = 1.0 / 3.0
}

/// How a workload's agreements are spread over its subscribers (`clearance-bench generate --agreements`).
///
/// `.perSubscriber(k)` and `.total(k × subscribers)` give the same agreements; neither draws from the random
/// generator, so the default at 10,000 subscribers writes exactly the files of `--agreements 30000`.
enum AgreementSpread: Equatable {
    /// This many per subscriber (the default is three, issue 4's ratio).
    case perSubscriber(Int)
    /// This many in all, spread evenly over the subscribers (the first `total % subscribers` get one more).
    case total(Int)
    /// One to three per subscriber at random (half one, then 70% two), ~1.65 on average: the benchmark's
    /// default before session 7 (16,485 agreements at 10,000 subscribers, seed 42; `--agreements random`).
    case random

    /// Parses `--agreements`' value: a whole number (the total) or `random`.
    init?(flag: String) {
        if flag == "random" { self = .random; return }
        guard let n = Int(flag.filter { $0 != "_" }), n >= 1 else { return nil }
        self = .total(n)
    }
}

/// A generated workload: agreements spread over the grant dimensions of DESIGN.md, and requests against them.
struct Workload {
    var config: WorkloadConfig
    var agreements: [Agreement]
    /// Agreement indices per subscriber id.
    var bySubscriber: [String: [Int]]
    var requests: [RepublicationRequest]
    /// The reference model's verdict for each request (same order).
    var expected: [Verdict]
}

/// Builds a ``Workload`` deterministically from a seed.
///
/// Agreements: three per subscriber by default (``AgreementSpread``), contracts and subscriptions (some signed after their term
/// starts, so the prior-subscription rule bites), terms starting and ending across 2025–2027, a few
/// terminated early; 1–3 grants each over asset kinds, ODRL actions (`use` and narrower ones),
/// extent with optional maximum portion, channels, territories (countries and named regions, some
/// with exclusions) and embargoes; a third of the agreements carry a restriction. Requests fall in
/// 2026; a third are built to be covered by a grant, the rest are perturbed in one dimension (out
/// of term, kind, action, extent, portion, channel, territory, embargo, restriction, unknown
/// subscriber) until the model denies them.
struct WorkloadGenerator {
    var config: WorkloadConfig
    var rng: SplitMix64
    let table = TerritoryTable.builtin

    static let grantActionChoices = ["reproduce", "distribute", "modify", "translate", "archive", "play"]
    /// Actions requests ask for (weighted towards `reproduce`, as republication mostly is).
    static let requestActions = ["reproduce", "reproduce", "reproduce", "distribute", "modify", "translate", "archive",
                                 "display", "extract", "reproduce"]
    static let territoryPool: [(include: [String], exclude: [String])] = [
        (["WORLD"], []), (["WORLD"], ["US", "IL"]), (["MENA"], []), (["MENA"], ["IL"]), (["EU"], []), (["EU"], ["DE", "FR"]),
        (["GCC"], []), (["TR"], []), (["TR", "IQ"], []), (["IQ", "SY", "LB"], []), (["ARAB_LEAGUE"], ["EG"]),
        (["TURKIC_STATES"], []), (["BALKANS"], ["RS"]), (["TR", "DACH"], []), (["NORTH_AMERICA"], []), (["LEVANT", "TR"], ["IL"]),
    ]
    static let embargoes = ["PT30M", "PT1H", "PT6H", "P1D"]
    static let requestYear = (start: Instant(year: 2026, month: 1, day: 1), end: Instant(year: 2027, month: 1, day: 1))

    init(config: WorkloadConfig) {
        self.config = config
        rng = SplitMix64(seed: config.seed)
    }

    /// Generates the whole workload.
    mutating func generate() -> Workload {
        var agreements: [Agreement] = []
        var by: [String: [Int]] = [:]
        for s in 0..<config.subscribers {
            let sub = Subscriber(id: Self.subscriberID(s), name: "Subscriber \(s + 1)")
            let n: Int
            switch config.agreements {
            case .perSubscriber(let k):
                n = k
            case .total(let total):
                n = total / config.subscribers + (s < total % config.subscribers ? 1 : 0)
            case .random:
                n = rng.chance(0.5) ? 1 : (rng.chance(0.7) ? 2 : 3)
            }
            for k in 0..<n {
                by[sub.id, default: []].append(agreements.count)
                agreements.append(makeAgreement(subscriber: sub, number: k))
            }
        }
        // Each subscriber's agreements, by subscriber number (the request loop looks them up a million times).
        let perSubscriber: [[Agreement]] = (0..<config.subscribers).map { s in (by[Self.subscriberID(s)] ?? []).map { agreements[$0] } }
        var requests: [RepublicationRequest] = []
        var expected: [Verdict] = []
        requests.reserveCapacity(config.requests)
        expected.reserveCapacity(config.requests)
        // A deterministic third: request k is steered to a permit when floor((k+1)·share) moves.
        for k in 0..<config.requests {
            let wantPermit = Int(Double(k + 1) * config.permitShare) > Int(Double(k) * config.permitShare)
            let (r, v) = makeRequest(number: k, permit: wantPermit, perSubscriber: perSubscriber)
            requests.append(r)
            expected.append(v)
        }
        return Workload(config: config, agreements: agreements, bySubscriber: by, requests: requests, expected: expected)
    }

    static func subscriberID(_ s: Int) -> String { "sub-" + String(s + 1).leftPadded(to: 6) }

    // MARK: agreements

    mutating func makeAgreement(subscriber: Subscriber, number: Int) -> Agreement {
        let kind: AgreementKind = rng.chance(0.6) ? .contract : .subscription
        // Terms start between 2025-06-01 and 2026-11-30 and last 2 to 18 months.
        let startDay = rng.below(548)
        let start = Instant(year: 2025, month: 6, day: 1).adding(milliseconds: Int64(startDay) * 86_400_000)
        let lengthDays = 60 + rng.below(480)
        let endInclusive = start.adding(milliseconds: Int64(lengthDays - 1) * 86_400_000)
        let term = Term(start: start, end: endInclusive.adding(milliseconds: 86_400_000), startIsDate: true, endIsDate: true)
        var signed = start.adding(milliseconds: -Int64(rng.below(45)) * 86_400_000)
        // A fifth of subscriptions are signed after their term starts: uses before signing are not "prior".
        if kind == .subscription && rng.chance(0.2) { signed = start.adding(milliseconds: Int64(10 + rng.below(60)) * 86_400_000) }
        var termination: Termination?
        // A few are ended early, some time after they took effect (after signing, for a late subscription).
        let effective = max(start, signed)
        let daysLeft = Int((term.end.millisecondsSinceEpoch - effective.millisecondsSinceEpoch) / 86_400_000)
        if rng.chance(0.05) && daysLeft > 2 {
            let at = Instant(year: 1970, month: 1, day: 1)
                .adding(milliseconds: (effective.millisecondsSinceEpoch / 86_400_000 + Int64(1 + rng.below(daysLeft - 1))) * 86_400_000)
            termination = Termination(at: at, atIsDate: true, reason: "ended by the agency")
        }
        let grants = (0..<(1 + rng.below(3))).map { _ in makeGrant() }
        var restrictions: [Restriction] = []
        if rng.chance(0.33) { restrictions.append(makeRestriction()) }
        let id = "C-\(subscriber.id)-\(number + 1)"
        return Agreement(id: id, kind: kind, source: config.source, subscriber: subscriber, signedAt: signed, signedAtIsDate: true,
                         term: term, grants: grants, restrictions: restrictions, termination: termination)
    }

    mutating func makeGrant() -> Grant {
        let assets: Dimension<AssetKind> = rng.chance(0.2) ? .all : .only(rng.subset(AssetKind.allCases, count: 1 + rng.below(3)))
        let actions = rng.chance(0.4) ? ["use"] : rng.subset(Self.grantActionChoices, count: 1 + rng.below(3))
        let extent: [Extent] = rng.chance(0.5) ? [.whole, .partial] : (rng.chance(0.5) ? [.whole] : [.partial])
        let maxPortion: Double? = extent.contains(.partial) && rng.chance(0.4) ? rng.pick([0.25, 0.5, 0.75]) : nil
        let channels: Dimension<Channel> = rng.chance(0.2) ? .all : .only(rng.subset(Channel.allCases, count: 1 + rng.below(4)))
        let t = rng.pick(Self.territoryPool)
        let embargo = rng.chance(0.3) ? Self.duration(rng.pick(Self.embargoes)) : nil
        return Grant(assets: assets, actions: actions, extent: extent, maxPortion: maxPortion, channels: channels,
                     territories: TerritorySpec(include: t.include, exclude: t.exclude, table: table),
                     embargo: embargo, duties: [Duty(action: .attribute, text: "İLKHA")])
    }

    mutating func makeRestriction() -> Restriction {
        switch rng.below(6) {
        case 0: return Restriction(channels: .only([.social]), note: "no social media")
        case 1: return Restriction(territories: TerritorySpec(include: [rng.pick(["IL", "US", "IR", "SY"])], exclude: [], table: table),
                                   note: "not in this country")
        case 2: return Restriction(assets: .only([.video]), channels: .only([.tv]), note: "no video on television")
        case 3: return Restriction(embargo: Self.duration("PT2H"), note: "nothing within two hours of publication")
        case 4: return Restriction(actions: ["modify"], note: "no modification")
        default: return Restriction(extent: [.whole], channels: .only([.advertising]), note: "no whole assets in advertising")
        }
    }

    static func duration(_ s: String) -> ISODuration? {
        if case .success(let d) = ISO8601.parseDuration(s) { return d }
        return nil
    }

    // MARK: requests

    /// One request; `permit` steers it to a covered use, else to a near miss. Returns the model's verdict.
    mutating func makeRequest(number k: Int, permit: Bool, perSubscriber: [[Agreement]]) -> (RepublicationRequest, Verdict) {
        var last: (RepublicationRequest, Verdict)?
        for _ in 0..<64 {
            let s = rng.below(config.subscribers)
            let mine = perSubscriber[s]
            let id = Self.subscriberID(s)
            guard var r = coveredRequest(number: k, subscriber: id, agreements: mine) else { continue }
            if !permit { perturb(&r, agreements: mine) }
            // A perturbed request may name an unknown subscriber, who has no agreements.
            let v = ReferenceModel.decide(r, agreements: r.subscriber == id ? mine : [], table: table)
            last = (r, v)
            if (v == .permit) == permit { return (r, v) }
        }
        // Could not steer (tiny workloads): keep the last try, with its true verdict.
        if let last { return last }
        let r = RepublicationRequest(id: Self.requestID(k), subscriber: "sub-unknown", source: config.source,
                                     asset: AssetRef(id: "ilkha-\(k + 1)", kind: .text, publishedAt: Self.requestYear.start),
                                     channel: .web, territory: "TR", at: Self.requestYear.start.adding(milliseconds: 3_600_000))
        return (r, .deny)
    }

    static func requestID(_ k: Int) -> String { "r" + String(k + 1).leftPadded(to: 7) }

    /// A request covered by a grant of one of the agreements, during its active window (nil when none fits 2026).
    mutating func coveredRequest(number k: Int, subscriber: String, agreements: [Agreement]) -> RepublicationRequest? {
        guard !agreements.isEmpty else { return nil }
        let a = rng.pick(agreements)
        var lo = max(a.term.start, Self.requestYear.start)
        if a.kind == .subscription { lo = max(lo, a.signedAt) }
        var hi = min(a.term.end, Self.requestYear.end)
        if let t = a.termination { hi = min(hi, t.at) }
        guard lo.millisecondsSinceEpoch + 1000 < hi.millisecondsSinceEpoch else { return nil }
        let g = rng.pick(a.grants)
        // Whole seconds, so that every instant is written and read back exactly.
        let at = Instant(secondsSinceEpoch: rng.between(lo.millisecondsSinceEpoch / 1000 + 1, hi.millisecondsSinceEpoch / 1000))
        let kind = rng.pick(g.assets.values)
        let covered = Self.requestActions.filter { g.coversAction($0) }
        let action = covered.isEmpty ? rng.pick(g.actions) : rng.pick(covered)
        let extent = rng.pick(g.extent)
        var portion: Double?
        if extent == .partial {
            let maxPct = Int(((g.maxPortion ?? 1.0) * 100).rounded())
            portion = Double(5 + rng.below(max(1, maxPct - 4))) / 100
        }
        let channel = rng.pick(g.channels.values)
        let codes = table.codes(in: g.territories.resolved)
        let territory = rng.pick(codes)
        // Published a while before the use: past any embargo of the grant.
        let embargoMs = g.embargo.map { $0.added(to: at).millisecondsSinceEpoch - at.millisecondsSinceEpoch } ?? 0
        let published = at.adding(milliseconds: -(embargoMs + 1000 * rng.between(60, 3 * 86_400)))
        return RepublicationRequest(id: Self.requestID(k), subscriber: subscriber, source: config.source,
                                    asset: AssetRef(id: "ilkha-\(100_000 + rng.below(900_000))", kind: kind, publishedAt: published),
                                    action: action, extent: extent, portion: portion, channel: channel, territory: territory, at: at)
    }

    /// Changes one dimension of a covered request so that it (probably) is no longer covered.
    mutating func perturb(_ r: inout RepublicationRequest, agreements: [Agreement]) {
        switch rng.below(11) {
        case 0: r.subscriber = "sub-unknown-" + String(rng.below(1000))
        case 1: // outside every term: early 2026 or late 2026
            let a = rng.pick(agreements)
            let before = a.term.start.adding(milliseconds: -1000 * rng.between(3600, 40 * 86_400))
            let after = a.term.end.adding(milliseconds: 1000 * rng.between(0, 40 * 86_400))
            let t = rng.chance(0.5) ? before : after
            let shift = t.millisecondsSinceEpoch - r.at.millisecondsSinceEpoch
            r.at = t
            if let p = r.asset.publishedAt { r.asset.publishedAt = p.adding(milliseconds: shift) }
        case 2: r.asset.kind = rng.pick(AssetKind.allCases)
        case 3: r.action = rng.pick(Self.requestActions + ["print", "stream", "sell", "transfer"])
        case 4:
            r.extent = r.extent == .whole ? .partial : .whole
            r.portion = r.extent == .partial ? Double(5 + rng.below(95)) / 100 : nil
        case 5: if r.extent == .partial { r.portion = Double(60 + rng.below(41)) / 100 } else { r.channel = rng.pick(Channel.allCases) }
        case 6: r.channel = rng.pick(Channel.allCases)
        case 7: r.territory = rng.pick(["US", "IL", "DE", "FR", "EG", "RS", "IR", "BR", "CN", "SY", "TR", "IQ"])
        case 8: // just published: inside embargoes
            r.asset.publishedAt = r.at.adding(milliseconds: -1000 * rng.between(60, 7200))
        case 9: r.channel = rng.pick([.social, .tv, .advertising])
            if rng.chance(0.5) { r.asset.kind = .video }
        default: r.territory = rng.pick(["IL", "US", "IR", "SY"])
        }
    }
}

extension String {
    /// The string padded on the left with zeros to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
