/// How many uses have already been recorded under a grant in a time window (for quotas).
///
/// The store implements it over the usage ledger; ``InMemoryUsage`` serves tests, the demo and
/// `--agreements` runs.
public protocol UsageCounter {
    /// Uses recorded under grant `grant` (0-based) of agreement `agreement` with `from <= at < to`.
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int
}

/// A usage counter that knows nothing was used yet.
public struct NoUsage: UsageCounter {
    public init() {}
    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int { 0 }
}

/// Uses kept in memory: what a batch run with `--record` has permitted so far.
public struct InMemoryUsage: UsageCounter, Sendable {
    public private(set) var records: [String: [(grant: Int, at: Instant)]] = [:]
    public init() {}
    /// Records one use under a grant.
    public mutating func record(agreement: String, grant: Int, at: Instant) { records[agreement, default: []].append((grant, at)) }
    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        records[agreement]?.reduce(0) { $0 + ($1.grant == grant && from <= $1.at && $1.at < to ? 1 : 0) } ?? 0
    }
}

/// Shared pieces of the news layer's use of the ODRL engine: request mapping and the base world state.
public enum NewsEngine {
    /// Every asset-kind collection holds its representative asset.
    static let baseState: ODRLWorldState = {
        var s = ODRLWorldState()
        for k in AssetKind.allCases { s.assetCollections[NewsODRL.assetKindIRI(k)] = [NewsODRL.representativeAssetIRI(k)] }
        return s
    }()

    /// The engine's context for a request: time, place, channel, extent, portion, delay since publication.
    public static func context(for r: RepublicationRequest) -> ODRLContext {
        var c = ODRLContext()
        c["dateTime"] = .time(Double(r.at.millisecondsSinceEpoch) / 1000)
        c["spatial"] = .text(NewsODRL.territoryIRI(r.territory))
        c["deliveryChannel"] = .text(NewsODRL.channelIRI(r.channel))
        c[NewsODRL.extentOperand] = .text(NewsODRL.extentIRI(r.extent))
        if r.extent == .whole {
            c["percentage"] = .number(100)
        } else if let p = r.portion {
            c["percentage"] = .number(p * 100)
        }
        if let pub = r.asset.publishedAt {
            c["delayPeriod"] = .duration(Double(r.at.millisecondsSinceEpoch - pub.millisecondsSinceEpoch) / 1000)
        }
        return c
    }

    /// The engine request for a news request (the asset stands for its kind; see ``NewsODRL``).
    public static func request(_ r: RepublicationRequest, context: ODRLContext) -> ODRLRequest {
        ODRLRequest(assignee: NewsODRL.subscriberIRI(r.subscriber), action: r.action,
                    target: NewsODRL.representativeAssetIRI(r.asset.kind), context: context)
    }
}

/// Remembers, per agreement version, grant and request shape, which time-independent dimensions
/// the engine found failing, so that explaining a repeated kind of denial costs one lookup.
///
/// Not thread-safe: one per batch or per thread. Passing none to ``NewsDecider/decide(_:usage:memo:)``
/// gives the same decisions, only slower to explain.
public final class DecisionMemo {
    var failing: [String: (failing: [GrantDimension], sawAction: Bool, actionOK: Bool)] = [:]
    public init() {}
    /// Number of remembered shapes.
    public var count: Int { failing.count }
}

/// An agreement compiled for the engine once, to decide many requests (DESIGN.md rules 3–5).
///
/// For each grant: a policy with that grant's permissions (one per action) — evaluated per grant
/// because a quota's `count` is the grant's own — and a probe policy with one permission per
/// dimension, evaluated only to explain a denial; for the agreement: its restrictions as
/// prohibitions (checked when a grant permits: restrictions override grants) and activity probes.
public struct PreparedAgreement: Sendable {
    public let agreement: Agreement
    /// Identifies this version for memos: id, version, termination, effective date.
    public let memoKey: String
    private(set) var grants: [PreparedGrant]
    /// Probes for the agreement's activity (term start, term end, termination, prior subscription).
    /// One single-rule policy per activity constraint (term start, term end, termination, prior subscription).
    let activityProbes: [(ODRLPolicySet, GrantDimension)]

    /// The restrictions alone (prohibitions), or nil when there are none.
    let restrictionSet: ODRLPolicySet?

    struct PreparedGrant: Sendable {
        /// The grant's permissions alone (the fast path: one `outcome` call).
        let permitSet: ODRLPolicySet
        /// One single-rule policy per time-dependent dimension (embargo, quota), evaluated with `outcome`.
        let probes: [(ODRLPolicySet, GrantDimension)]
        /// One policy with a permission per time-independent dimension (asset, action, extent, portion,
        /// channel, territory): evaluated with its trace, and the result memoised per request shape.
        let staticProbes: ODRLPolicySet?
        /// Probe rule id → dimension.
        let probeDims: [(String, GrantDimension)]
        /// Permission rule ids of this grant.
        let permissionIDs: Set<String>
        /// Prohibition rule id → restriction index.
        let restrictionOf: [String: Int]
        /// The permit reason when the grant quotes its own clause (precomputed; nil when it quotes the notice).
        var permit: Reason?
        /// The grant's duties as a decision lists them.
        var duties: [DecisionDuty] = []
    }

    /// The reason of a permit by grant `g`: what it grants, until when, in whose words.
    func permitReason(grant g: Int, noticeQuote: String?) -> Reason {
        PreparedAgreement.permitReason(agreement, grant: g, noticeQuote: noticeQuote)
    }

    static func permitReason(_ a: Agreement, grant g: Int, noticeQuote: String?) -> Reason {
        let grant = a.grants[g]
        return Reason(code: "granted", agreement: a.id,
                      message: "\(a.kind.rawValue) \(a.id) grants \(grant.summary) (grant \(g + 1)), in force until \(a.term.endText)",
                      quote: grant.clause ?? noticeQuote, quoteFrom: grant.clause == nil ? "notice" : "agreement")
    }

    /// Compiles an agreement (throws the engine's diagnostics if the compiled policy is refused: a bug).
    public init(_ a: Agreement, territories table: TerritoryTable = .builtin) throws(DiagnosticError) {
        agreement = a
        memoKey = "\(a.source)|\(a.id)|\(a.version ?? 0)|\(a.effectiveAt?.millisecondsSinceEpoch ?? -1)|\(a.termination?.at.millisecondsSinceEpoch ?? -1)"
        let uid = NewsODRL.agreementIRI(source: a.source, id: a.id)
        let full = try ODRLReader.readPolicy(a.odrlPolicy(territories: table))
        var grants: [PreparedGrant] = []
        let options = ODRLEvaluationOptions(pendingDuties: .allow)
        var restrictionOf: [String: Int] = [:]
        for (k, r) in a.restrictions.enumerated() {
            for action in r.actions ?? ["use"] { restrictionOf[NewsODRL.restrictionRuleID(policy: uid, restriction: k, action: action)] = k }
        }
        for (g, grant) in a.grants.enumerated() {
            let ids = Set(grant.actions.map { NewsODRL.grantRuleID(policy: uid, grant: g, action: $0) })
            var p = full
            p.permissions = full.permissions.filter { ids.contains($0.uid ?? "") }
            var only = p
            only.prohibitions = []
            let permitSet = try ODRLPolicySet([only], options: options)
            // Probes: one permission per dimension of this grant.
            var probeRules: [JSONValue] = []
            var dims: [(String, GrantDimension)] = []
            func probe(_ dim: GrantDimension, _ rule: JSONObject) {
                var r = rule
                let id = "\(uid)#probe-\(g + 1)-\(dims.count + 1)-\(dim.rawValue)"
                r["uid"] = .string(id)
                probeRules.append(.object(r))
                dims.append((id, dim))
            }
            if case .only(let kinds) = grant.assets {
                probe(.asset, JSONObject([("target", .array(kinds.map { .object(JSONObject([("@type", "AssetCollection"), ("uid", .string(NewsODRL.assetKindIRI($0)))])) }))]))
            }
            for action in grant.actions { probe(.action, JSONObject([("action", .string(action))])) }
            for (dim, c) in a.grantConstraints(grant, table: table) { probe(dim, JSONObject([("constraint", .array([c]))])) }
            // Dimensions that depend only on the request's values share one policy (evaluated with a
            // trace on a memo miss); those that depend on the time (embargo, quota) get one each.
            var probes: [(ODRLPolicySet, GrantDimension)] = []
            var staticRules: [JSONValue] = []
            var staticDims: [(String, GrantDimension)] = []
            for (k, rule) in probeRules.enumerated() {
                let dim = dims[k].1
                if dim == .embargo || dim == .quota {
                    probes.append((try PreparedAgreement.probePolicy(a, uid: uid, rules: [rule]), dim))
                } else {
                    staticRules.append(rule)
                    staticDims.append(dims[k])
                }
            }
            let staticProbes = staticRules.isEmpty ? nil : try PreparedAgreement.probePolicy(a, uid: uid, rules: staticRules)
            grants.append(PreparedGrant(permitSet: permitSet, probes: probes, staticProbes: staticProbes, probeDims: staticDims, permissionIDs: ids, restrictionOf: restrictionOf))
        }
        for g in grants.indices {
            if a.grants[g].clause != nil { grants[g].permit = PreparedAgreement.permitReason(a, grant: g, noticeQuote: nil) }
            var seen: [DecisionDuty] = []
            for d in a.grants[g].duties where !seen.contains(where: { $0.duty == d }) { seen.append(DecisionDuty(duty: d, agreement: a.id)) }
            grants[g].duties = seen
        }
        self.grants = grants
        if full.prohibitions.isEmpty {
            restrictionSet = nil
        } else {
            var r = full
            r.permissions = []
            restrictionSet = try ODRLPolicySet([r], options: options)
        }
        var actRules: [JSONValue] = []
        var actDims: [(String, GrantDimension)] = []
        for (k, (dim, c)) in a.activityConstraints().enumerated() {
            let id = "\(uid)#probe-activity-\(k + 1)"
            actRules.append(.object(JSONObject([("uid", .string(id)), ("constraint", .array([c]))])))
            // The second term constraint (`lt end`) is the one that fails once the term is over.
            let d: GrantDimension = dim == .term ? (k == 0 ? .term : .termEnd) : dim
            actDims.append((id, d))
        }
        var act: [(ODRLPolicySet, GrantDimension)] = []
        for (k, rule) in actRules.enumerated() {
            act.append((try PreparedAgreement.probePolicy(a, uid: uid, rules: [rule]), actDims[k].1))
        }
        activityProbes = act
    }

    static func probePolicy(_ a: Agreement, uid: String, rules: [JSONValue]) throws(DiagnosticError) -> ODRLPolicySet {
        var o = JSONObject()
        o["@type"] = "Agreement"
        o["uid"] = .string(uid + "#probes")
        o["assigner"] = .string(NewsODRL.sourceIRI(a.source))
        o["assignee"] = .string(NewsODRL.subscriberIRI(a.subscriber.id))
        o["permission"] = .array(rules)
        return try ODRLPolicySet([try ODRLReader.readPolicy(.object(o))])
    }
}

/// The outcome of one agreement for one request: permitted by a grant, or why not.
struct AgreementOutcome {
    var permittedGrant: Int?
    var inactivity: GrantDimension?
    var restriction: Int?
    /// The grant that came closest, and its failing dimensions.
    var bestGrant: Int?
    var failing: [GrantDimension] = []
    var kindNotAccepted = false
}

/// Decides republication requests: the notice layer, the agreement layer, restrictions over grants (DESIGN.md v1).
///
/// Pure: the time is the request's `at`, the agreements are those in force as given, usage comes
/// from a ``UsageCounter``. Every agreement is an ODRL Agreement evaluated by the ODRL engine; the
/// engine's rule traces are turned into the news reasons (`asset_not_granted`, `quota_exceeded`...).
public struct NewsDecider: Sendable {
    public let notice: NoticeTerms?
    public let agreements: [PreparedAgreement]
    let table: TerritoryTable

    /// A decider for one source's notice (nil: no policy) and a set of agreements (any subscribers).
    public init(notice: NoticeTerms?, agreements: [PreparedAgreement], territories: TerritoryTable = .builtin) {
        self.notice = notice
        self.agreements = agreements
        self.table = territories
    }

    /// Compiles the agreements and builds a decider.
    public init(notice: NoticeTerms?, agreements: [Agreement], territories: TerritoryTable = .builtin) throws(DiagnosticError) {
        var prepared: [PreparedAgreement] = []
        for a in agreements { prepared.append(try PreparedAgreement(a, territories: territories)) }
        self.init(notice: notice, agreements: prepared, territories: territories)
    }

    /// Decides one request. `usage` supplies the uses already recorded, for quotas.
    public func decide(_ r: RepublicationRequest, usage: some UsageCounter = NoUsage(), memo: DecisionMemo? = nil) -> NewsDecision {
        var d = NewsDecision(id: r.id, verdict: .deny, source: r.source, subscriber: r.subscriber)
        guard let notice, notice.source == r.source else {
            d.reasons = [Reason(code: "no_policy", message: "there is no policy for source `\(r.source)`, so nothing is permitted")]
            d.wouldPermitIf = ["a policy for `\(r.source)` in the policies folder (`Policies/\(r.source).json`)"]
            return d
        }
        let concerned = notice.prohibitions(concerning: r)
        let noticeQuote = concerned.first?.quote ?? notice.prohibitions.first?.quote ?? notice.noticeText
        let lifters = Set(concerned.flatMap(\.liftedBy))
        let ctx = NewsEngine.context(for: r)
        let state = notice.state(for: r.asset.kind)
        let mine = agreements.filter { $0.agreement.subscriber.id == r.subscriber && $0.agreement.source == r.source }

        // 1. Agreements, in the order given.
        var outcomes: [(PreparedAgreement, AgreementOutcome)] = []
        for p in mine {
            let o = outcome(p, r, ctx, state, lifters: lifters, usage: usage, memo: memo)
            if let g = o.permittedGrant {
                let a = p.agreement
                d.verdict = .permit
                d.permittedBy = .agreement(id: a.id, grant: g)
                if let cached = p.grants[g].permit, cached.quote == (a.grants[g].clause ?? noticeQuote) {
                    d.reasons = [cached]
                } else {
                    d.reasons = [p.permitReason(grant: g, noticeQuote: noticeQuote)]
                }
                d.duties = notice.obligations.isEmpty ? p.grants[g].duties
                    : dedupe(p.grants[g].duties + notice.obligations.map { DecisionDuty(duty: $0) })
                return d
            }
            outcomes.append((p, o))
        }

        // 2. The notice's public permissions (engine-evaluated, duties owed with the permit).
        var publicReasons: [Reason] = []
        if let set = notice.permissionSet {
            let decision = set.evaluate(NewsEngine.request(r, context: ctx), state: state)
            if decision.outcome == .permit,
               let active = decision.rules.first(where: { $0.kind == .permission && $0.activation == .active }),
               let perm = notice.permissions.first(where: { $0.ruleID == active.rule }) {
                d.verdict = .permit
                d.permittedBy = .notice(permission: perm.index)
                d.reasons = [Reason(code: "public_permission", message: "the notice lets anyone \(perm.summary)", quote: perm.quote, quoteFrom: "notice")]
                d.duties = dedupe(perm.duties.map { DecisionDuty(duty: $0) } + notice.obligations.map { DecisionDuty(duty: $0) })
                return d
            }
            for t in decision.rules where t.kind == .permission && t.match == true && t.activation == .inactive {
                if let perm = notice.permissions.first(where: { $0.ruleID == t.rule }) {
                    let why = t.why.last.map { ": \($0)" } ?? ""
                    publicReasons.append(Reason(code: "public_permission_not_met",
                                                message: "the notice's public permission to \(perm.summary) does not cover this use\(why)",
                                                quote: perm.quote, quoteFrom: "notice"))
                }
            }
        }

        // 3. Deny: say why, per agreement, and what would permit.
        if mine.isEmpty {
            let how = lifters.isEmpty ? "an agreement" : describeLifters(concerned)
            let what = concerned.isEmpty ? "nothing in the notice permits this use" : "the notice prohibits this use without \(how)"
            d.reasons.append(Reason(code: "no_agreement",
                                    message: "\(r.subscriber) has no agreement with \(r.source), and \(what)",
                                    quote: noticeQuote, quoteFrom: "notice"))
            d.wouldPermitIf.append("\(how) with \(r.source) covering \(r.asset.kind.rawValue) on \(r.channel.rawValue) in \(r.territory)")
        }
        for (p, o) in outcomes {
            let (reasons, would) = explain(p.agreement, o, r, concerned: concerned, noticeQuote: noticeQuote, usage: usage)
            d.reasons += reasons
            for w in would where !d.wouldPermitIf.contains(w) { d.wouldPermitIf.append(w) }
        }
        d.reasons += publicReasons
        return d
    }

    func dedupe(_ ds: [DecisionDuty]) -> [DecisionDuty] {
        var out: [DecisionDuty] = []
        for x in ds where !out.contains(where: { $0.duty.action == x.duty.action && ($0.duty.text == x.duty.text || x.duty.text == nil) && $0.duty.url == x.duty.url }) {
            out.append(x)
        }
        return out
    }

    func describeLifters(_ ps: [NoticeTerms.Prohibition]) -> String {
        var names: [String] = []
        for p in ps {
            for l in p.liftedBy {
                let n = (l == "subscription" && p.prior) ? "a prior subscription" : "a \(l.replacingHyphens())"
                if !names.contains(n) { names.append(n) }
            }
        }
        switch names.count {
        case 0: return "an agreement"
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        }
    }

    /// Whether an agreement of this kind lifts the notice's prohibitions (its `clr:liftedBy`; any kind when not said).
    static func accepts(_ kind: AgreementKind, lifters: Set<String>) -> Bool {
        if lifters.isEmpty { return true }
        switch kind {
        case .contract: return lifters.contains("contract")
        case .subscription: return lifters.contains("subscription")
        case .license: return lifters.contains("license") || lifters.contains("contract")
        case .permission: return lifters.contains("permission") || lifters.contains("written-permission")
        }
    }

    func outcome(_ p: PreparedAgreement, _ r: RepublicationRequest, _ ctx: ODRLContext, _ state: ODRLWorldState,
                 lifters: Set<String>, usage: some UsageCounter, memo: DecisionMemo?) -> AgreementOutcome {
        var o = AgreementOutcome()
        let a = p.agreement
        if !NewsDecider.accepts(a.kind, lifters: lifters) { o.kindNotAccepted = true; return o }
        let req = NewsEngine.request(r, context: ctx)
        // Fast path: does a grant's permission hold (term, dimensions, quota all checked by the engine)?
        var grantRequests: [ODRLRequest] = []
        grantRequests.reserveCapacity(p.grants.count)
        for (g, pg) in p.grants.enumerated() {
            var greq = req
            if let q = a.grants[g].quota {
                let w = q.per.window(containing: r.at, term: a.term)
                greq.context["count"] = .number(Double(usage.uses(agreement: a.id, grant: g, from: w.start, to: w.end) + 1))
            }
            grantRequests.append(greq)
            guard pg.permitSet.outcome(greq, state: state) == .permit else { continue }
            // Restrictions override grants.
            if let rs = p.restrictionSet, rs.outcome(req, state: state) == .deny {
                let d = rs.evaluate(req, state: state)
                if let t = d.rules.first(where: { $0.kind == .prohibition && $0.activation == .active }) {
                    o.restriction = pg.restrictionOf[t.rule] ?? 0
                } else {
                    o.restriction = 0
                }
                o.bestGrant = g
                continue
            }
            o.permittedGrant = g
            return o
        }
        if o.restriction != nil { return o }
        // Slow path, to explain a deny: the agreement's activity, then each grant's dimensions (engine probes).
        var failedActivity: [GrantDimension] = []
        for (set, dim) in p.activityProbes where set.outcome(req, state: state) != .permit { failedActivity.append(dim) }
        if !failedActivity.isEmpty {
            for dim in [GrantDimension.termination, .term, .termEnd, .prior] where failedActivity.contains(dim) {
                o.inactivity = dim
                return o
            }
        }
        var best: (Int, [GrantDimension])?
        for (g, pg) in p.grants.enumerated() {
            let greq = grantRequests[g]
            // Which dimensions failed: the probes (time-independent ones memoised by request shape).
            var failing: [GrantDimension] = []
            var actionOK = false
            var sawAction = false
            let key = memo == nil ? "" : "\(p.memoKey)|\(g)|\(r.asset.kind.rawValue)|\(r.action)|\(r.extent.rawValue)|\(r.portion ?? -1)|\(r.channel.rawValue)|\(r.territory)"
            if let hit = memo?.failing[key] {
                failing = hit.failing
                sawAction = hit.sawAction
                actionOK = hit.actionOK
            } else if let sp = pg.staticProbes {
                let trace = sp.evaluate(greq, state: state)
                for (id, dim) in pg.probeDims {
                    let ok = trace.trace(for: id)?.activation == .active
                    if dim == .action { sawAction = true; actionOK = actionOK || ok; continue }
                    if !ok && !failing.contains(dim) { failing.append(dim) }
                }
                memo?.failing[key] = (failing, sawAction, actionOK)
            }
            for (set, dim) in pg.probes {
                let ok = set.outcome(greq, state: state) == .permit
                if !ok && !failing.contains(dim) { failing.append(dim) }
            }
            if sawAction && !actionOK { failing.insert(.action, at: failing.firstIndex(where: { $0 != .asset }) ?? failing.count) }
            if failing.isEmpty { failing = [.action] }  // the engine refused without a failing probe: fail closed
            if failing.count < (best?.1.count ?? Int.max) { best = (g, failing) }
        }
        if o.restriction == nil, let best { o.bestGrant = best.0; o.failing = best.1 }
        return o
    }

    func explain(_ a: Agreement, _ o: AgreementOutcome, _ r: RepublicationRequest, concerned: [NoticeTerms.Prohibition],
                 noticeQuote: String?, usage: some UsageCounter) -> ([Reason], [String]) {
        let name = "\(a.kind.rawValue) \(a.id)"
        if o.kindNotAccepted {
            let how = describeLifters(concerned)
            return ([Reason(code: "agreement_kind_not_accepted", agreement: a.id,
                            message: "\(name) is a \(a.kind.rawValue), but the notice lifts its prohibition only by \(how)", quote: noticeQuote, quoteFrom: "notice")],
                    ["\(how) with \(r.source)"])
        }
        if let dim = o.inactivity {
            switch dim {
            case .termination:
                let t = a.termination
                let why = t?.reason.map { " (\($0))" } ?? ""
                return ([Reason(code: "agreement_terminated", agreement: a.id,
                                message: "\(name) was terminated on \(t.map { $0.atIsDate ? $0.at.dateString : $0.at.description } ?? "?")\(why)",
                                quote: noticeQuote, quoteFrom: "notice")],
                        ["a new agreement with \(r.source) (\(a.id) was terminated)"])
            case .term:
                return ([Reason(code: "agreement_not_started", agreement: a.id,
                                message: "\(name) starts on \(a.term.startText), after this use (\(r.at))", quote: noticeQuote, quoteFrom: "notice")],
                        ["wait until \(a.term.start) when \(a.id) starts"])
            case .prior:
                return ([Reason(code: "not_prior_subscription", agreement: a.id,
                                message: "subscription \(a.id) was signed on \(a.signedAtIsDate ? a.signedAt.dateString : a.signedAt.description), after this use (\(r.at)); the notice requires a prior subscription",
                                quote: noticeQuote, quoteFrom: "notice")],
                        ["a subscription concluded before the use (\(a.id) was signed \(a.signedAt))"])
            default:
                return ([Reason(code: "agreement_expired", agreement: a.id,
                                message: "\(name) ended on \(a.term.endText), before this use (\(r.at))", quote: noticeQuote, quoteFrom: "notice")],
                        ["a renewal of \(a.id) (it ended on \(a.term.endText))"])
            }
        }
        if let k = o.restriction {
            let res = a.restrictions[k]
            return ([Reason(code: "restricted_use", agreement: a.id,
                            message: "\(name) restricts this use: \(res.summary)",
                            quote: res.clause ?? res.note ?? noticeQuote, quoteFrom: (res.clause ?? res.note) == nil ? "notice" : "agreement")],
                    ["an amendment of \(a.id) lifting its restriction «\(res.summary)»"])
        }
        guard let g = o.bestGrant else {
            return ([Reason(code: "no_grant", agreement: a.id, message: "\(name) has no grants", quote: noticeQuote, quoteFrom: "notice")],
                    ["a grant in \(a.id) covering \(r.asset.kind.rawValue) on \(r.channel.rawValue) in \(r.territory)"])
        }
        let grant = a.grants[g]
        let gname = a.grants.count > 1 ? "\(name) (grant \(g + 1))" : name
        var reasons: [Reason] = []
        var would: [String] = []
        // A dimension the grant does not cover leaves the notice's prohibition standing: quote the notice.
        let clause = noticeQuote ?? grant.clause
        let from = noticeQuote != nil ? "notice" : "agreement"
        for dim in o.failing {
            switch dim {
            case .asset:
                reasons.append(Reason(code: "asset_not_granted", agreement: a.id,
                                      message: "\(gname) grants \(grant.assets.listText) only, not \(r.asset.kind.rawValue)", quote: clause, quoteFrom: from))
                would.append("a grant covering \(r.asset.kind.rawValue) in \(a.id)")
            case .action:
                reasons.append(Reason(code: "action_not_granted", agreement: a.id,
                                      message: "\(gname) grants \(grant.actions.joined(separator: ", ")) only, which does not include \(r.action)", quote: clause, quoteFrom: from))
                would.append("a grant of \(r.action) (or use) in \(a.id)")
            case .extent:
                reasons.append(Reason(code: "extent_not_granted", agreement: a.id,
                                      message: "\(gname) grants \(grant.extent.map(\.rawValue).joined(separator: ", ")) use only, not \(r.extent.rawValue)", quote: clause, quoteFrom: from))
                would.append("a grant covering \(r.extent.rawValue) use in \(a.id)")
            case .portion:
                let max = Int(((grant.maxPortion ?? 0) * 100).rounded())
                if let p = r.portion {
                    reasons.append(Reason(code: "extent_not_granted", agreement: a.id,
                                          message: "\(gname) allows at most \(max)% of an asset, not \(Int((p * 100).rounded()))%", quote: clause, quoteFrom: from))
                } else {
                    reasons.append(Reason(code: "extent_not_granted", agreement: a.id,
                                          message: "\(gname) allows at most \(max)% of an asset, and the request does not say how much (`portion`)", quote: clause, quoteFrom: from))
                }
                would.append("using at most \(max)% of the asset (\(a.id))")
            case .channel:
                reasons.append(Reason(code: "channel_not_granted", agreement: a.id,
                                      message: "\(gname) grants \(grant.channels.listText) only, not \(r.channel.rawValue)", quote: clause, quoteFrom: from))
                would.append("a grant covering \(r.channel.rawValue) in \(a.id)")
            case .territory:
                var t = grant.territories.include.joined(separator: ", ")
                if !grant.territories.exclude.isEmpty { t += " except " + grant.territories.exclude.joined(separator: ", ") }
                reasons.append(Reason(code: "territory_not_granted", agreement: a.id,
                                      message: "\(gname) grants \(t) only, not \(r.territory)", quote: clause, quoteFrom: from))
                would.append("a grant covering \(r.territory) in \(a.id)")
            case .embargo:
                let e = grant.embargo ?? ISODuration()
                if let pub = r.asset.publishedAt {
                    let until = e.added(to: pub)
                    reasons.append(Reason(code: "embargo_breach", agreement: a.id,
                                          message: "\(gname) embargoes assets for \(e) after publication (\(pub)); this use (\(r.at)) is before \(until)", quote: clause, quoteFrom: from))
                    would.append("wait until \(until) (embargo \(e))")
                } else {
                    reasons.append(Reason(code: "embargo_breach", agreement: a.id,
                                          message: "\(gname) embargoes assets for \(e) after publication, and the request does not say when the asset was published", quote: clause, quoteFrom: from))
                    would.append("the asset's publication time (`asset.publishedAt`) to check the \(e) embargo of \(a.id)")
                }
            case .quota:
                if let q = grant.quota {
                    let w = q.per.window(containing: r.at, term: a.term)
                    let used = usage.uses(agreement: a.id, grant: g, from: w.start, to: w.end)
                    reasons.append(Reason(code: "quota_exceeded", agreement: a.id,
                                          message: "\(gname) allows \(q.count) uses per \(q.per.rawValue); \(used) are already recorded since \(w.start)", quote: clause, quoteFrom: from))
                    would.append(q.per == .term ? "a larger quota in \(a.id)" : "wait until \(w.end), when the \(q.per.adjective) quota of \(a.id) resets")
                }
            case .term, .termEnd, .termination, .prior:
                break
            }
        }
        return (reasons, would)
    }
}

extension String {
    fileprivate func replacingHyphens() -> String { String(map { $0 == "-" ? " " : $0 }) }
}
