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
    /// The same uses indexed by agreement and grant, as sorted milliseconds: counting a window is two
    /// binary searches instead of a scan of every use of the agreement.
    private var times: [GrantKey: [Int64]] = [:]

    private struct GrantKey: Hashable {
        var agreement: String
        var grant: Int
    }

    public init() {}
    /// Records one use under a grant.
    public mutating func record(agreement: String, grant: Int, at: Instant) {
        records[agreement, default: []].append((grant, at))
        let ms = at.millisecondsSinceEpoch
        let key = GrantKey(agreement: agreement, grant: grant)
        // Uses mostly arrive in time order: append; otherwise insert in place.
        if let last = times[key]?.last, last > ms {
            let i = InMemoryUsage.lowerBound(times[key] ?? [], ms + 1)
            times[key]?.insert(ms, at: i)
        } else {
            times[key, default: []].append(ms)
        }
    }

    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        guard let list = times[GrantKey(agreement: agreement, grant: grant)] else { return 0 }
        let lo = InMemoryUsage.lowerBound(list, from.millisecondsSinceEpoch)
        let hi = InMemoryUsage.lowerBound(list, to.millisecondsSinceEpoch)
        return max(0, hi - lo)
    }

    /// First position whose time is `>= ms`.
    static func lowerBound(_ list: [Int64], _ ms: Int64) -> Int {
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < ms { lo = mid + 1 } else { hi = mid }
        }
        return lo
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

    /// The interning table every news policy set is compiled with: the left operands news requests
    /// carry, and every text a compiled agreement compares them with (territory, channel, extent and
    /// asset-kind IRIs). A request is lowered with it once (``input(for:)``) and evaluated against
    /// each of the subscriber's agreements with small-int compares.
    static let terms: ODRLTerms = {
        var texts: [String] = []
        texts += TerritoryTable.builtin.codes.map(NewsODRL.territoryIRI)
        texts += Channel.allCases.map(NewsODRL.channelIRI)
        texts += Extent.allCases.map(NewsODRL.extentIRI)
        texts += AssetKind.allCases.map(NewsODRL.assetKindIRI)
        texts += AssetKind.allCases.map(NewsODRL.representativeAssetIRI)
        return ODRLTerms(leftOperands: ["dateTime", "spatial", "deliveryChannel", NewsODRL.extentOperand, "percentage",
                                        "delayPeriod", "count"], texts: texts)
    }()
    static let dateTimeSlot = 0, spatialSlot = 1, channelSlot = 2, extentSlot = 3, percentageSlot = 4, delaySlot = 5, countSlot = 6

    /// Lowered context values, computed once: territory code -> its IRI's value; channel and extent by index.
    static let territoryValues: [String: ODRLInputValue] = {
        var out: [String: ODRLInputValue] = [:]
        for c in TerritoryTable.builtin.codes { out[c] = terms.value(.text(NewsODRL.territoryIRI(c))) }
        return out
    }()
    static let channelValues: [ODRLInputValue] = Channel.allCases.map { terms.value(.text(NewsODRL.channelIRI($0))) }
    static let extentValues: [ODRLInputValue] = Extent.allCases.map { terms.value(.text(NewsODRL.extentIRI($0))) }
    static let wholePercentage = terms.value(.number(100))

    /// The request lowered with ``terms``: the same values as ``context(for:)``, without building strings
    /// (territory, channel and extent values are looked up in tables made once).
    static func input(for r: RepublicationRequest, target: ODRLSubject, assigneeIRI: String) -> ODRLInput {
        let notText = ODRLInputValue.notText
        let percentage: ODRLInputValue? = r.extent == .whole ? wholePercentage
            : r.portion.map { ODRLInputValue(.number($0 * 100), textID: notText) }
        let delay: ODRLInputValue? = r.asset.publishedAt.map {
            ODRLInputValue(.duration(Double(r.at.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000), textID: notText)
        }
        // One array in slot order (dateTime, spatial, deliveryChannel, extent, percentage, delayPeriod, count).
        var input = ODRLInput(terms: terms, values: [
            ODRLInputValue(.time(Double(r.at.millisecondsSinceEpoch) / 1000), textID: notText),
            territoryValues[r.territory] ?? terms.value(.text(NewsODRL.territoryIRI(r.territory))),
            channelValues[r.channel.index],
            extentValues[r.extent == .whole ? 0 : 1],
            percentage, delay, nil,
        ])
        input.setAction(r.action)
        input.setSubjects(target: target, assignee: ODRLSubject(iri: assigneeIRI, selfID: -1, collectionIDs: [], collections: [], localResolved: false))
        return input
    }

    /// The engine request for a news request (the asset stands for its kind; see ``NewsODRL``).
    public static func request(_ r: RepublicationRequest, context: ODRLContext) -> ODRLRequest {
        ODRLRequest(assignee: NewsODRL.subscriberIRI(r.subscriber), action: r.action,
                    target: NewsODRL.representativeAssetIRI(r.asset.kind), context: context)
    }
}

/// Remembers, per agreement version, outcome and request shape, how a denial by that agreement is
/// explained (its reasons and what would permit), so that explaining a repeated kind of denial costs
/// one lookup instead of building its sentences again.
///
/// Only explanations that do not depend on the time are kept (not those of an agreement that is not
/// in force yet or any more, an embargo or a quota). Not thread-safe: one per batch or per thread.
/// Passing none to ``NewsDecider/decide(_:usage:memo:)`` gives the same decisions, only slower to explain.
public final class DecisionMemo {
    struct Key: Hashable {
        var agreement: String
        var grant: Int
        var failing: UInt32
        var restriction: Int
        var kindNotAccepted: Bool
        var kind: AssetKind
        var action: String
        var extent: Extent
        var portion: Double?
        var channel: Channel
        var territory: String
    }
    var explanations: [Key: ([Reason], [String])] = [:]
    /// At most this many explanations are kept (the memo starts over when full).
    let capacity: Int
    public init(capacity: Int = 100_000) { self.capacity = capacity }
    /// Number of remembered shapes.
    public var count: Int { explanations.count }

    func remember(_ key: Key, _ value: ([Reason], [String])) {
        if explanations.count >= capacity { explanations.removeAll(keepingCapacity: true) }
        explanations[key] = value
    }
}

/// An agreement compiled for the engine once, to decide many requests (DESIGN.md rules 3–5).
///
/// The agreement is one ODRL `Agreement` policy (``Agreement/odrlModel(territories:)``, built
/// directly, validated and compiled once): a permission per grant and action, a prohibition per
/// restriction and action. A request is evaluated against it in one engine pass
/// (``ODRLPolicySet/ruleResults(_:state:into:)``), which says for every rule whether it is in
/// force and which of its constraints fail; the news layer built those constraints, so it knows
/// which dimension each one checks (term, extent, channel, territory, embargo, quota...).
public struct PreparedAgreement: Sendable {
    /// Everything prepared, behind one reference: the decider copies prepared agreements into
    /// per-request lists, and a struct of a dozen arrays and strings would be retained field by field.
    final class Core: Sendable {
        let agreement: Agreement
        let memoKey: String
        let set: ODRLPolicySet
        let grants: [PreparedGrant]
        let activityRule: Int?
        let activityDims: [GrantDimension]
        let prohibitions: [(rule: Int, restriction: Int)]
        let subscriberIRI: String
        let pieces: Pieces

        init(agreement: Agreement, memoKey: String, set: ODRLPolicySet, grants: [PreparedGrant], activityRule: Int?,
             activityDims: [GrantDimension], prohibitions: [(rule: Int, restriction: Int)], subscriberIRI: String, pieces: Pieces) {
            self.agreement = agreement
            self.memoKey = memoKey
            self.set = set
            self.grants = grants
            self.activityRule = activityRule
            self.activityDims = activityDims
            self.prohibitions = prohibitions
            self.subscriberIRI = subscriberIRI
            self.pieces = pieces
        }
    }
    let core: Core

    public var agreement: Agreement { core.agreement }
    /// Identifies this version for memos: id, version, termination, effective date.
    public var memoKey: String { core.memoKey }
    /// The compiled agreement (plus, for an agreement without grants or a grant without actions,
    /// a probe policy whose permissions carry the same constraints, to say which fail).
    var set: ODRLPolicySet { core.set }
    var grants: [PreparedGrant] { core.grants }
    /// Flat rule index of a rule whose first constraints are the activity constraints.
    var activityRule: Int? { core.activityRule }
    /// The dimensions of the activity constraints, in order (term, termEnd, termination?, prior?).
    var activityDims: [GrantDimension] { core.activityDims }
    /// Flat rule index of each prohibition -> restriction index, in policy order.
    var prohibitions: [(rule: Int, restriction: Int)] { core.prohibitions }
    /// The subscriber's IRI (the policy's assignee), kept so a request need not build it.
    var subscriberIRI: String { core.subscriberIRI }
    /// Pieces of the agreement's denial sentences, made once.
    var pieces: Pieces { core.pieces }

    /// The parts of an agreement's denial sentences that do not depend on the request.
    struct Pieces: Sendable {
        /// `contract C-2026-0007`.
        let name: String
        /// ` in C-2026-0007`.
        let inID: String
        /// `contract C-… starts on 2026-01-01, after this use (` + the time + `)`.
        let notStarted: String
        let notStartedWould: String
        /// `contract C-… ended on 2026-12-31, before this use (` + the time + `)`.
        let expired: String
        let expiredWould: String

        init(_ a: Agreement) {
            name = "\(a.kind.rawValue) \(a.id)"
            inID = " in \(a.id)"
            notStarted = "\(name) starts on \(a.term.startText), after this use ("
            notStartedWould = "wait until \(a.term.start) when \(a.id) starts"
            expired = "\(name) ended on \(a.term.endText), before this use ("
            expiredWould = "a renewal of \(a.id) (it ended on \(a.term.endText))"
        }
    }

    /// The parts of a grant's denial sentences that do not depend on the request: each is completed
    /// by the request's value (`… grants text, photo only, not ` + `video`).
    struct GrantPieces: Sendable {
        /// `contract C-…` or `contract C-… (grant 2)`.
        let gname: String
        let assets: String
        let actions: String
        let extents: String
        let channels: String
        let territories: String

        init(_ a: Agreement, grant g: Int, name: String) {
            let grant = a.grants[g]
            gname = a.grants.count > 1 ? "\(name) (grant \(g + 1))" : name
            assets = "\(gname) grants \(grant.assets.listText) only, not "
            actions = "\(gname) grants \(grant.actions.joined(separator: ", ")) only, which does not include "
            extents = "\(gname) grants \(grant.extent.map(\.rawValue).joined(separator: ", ")) use only, not "
            channels = "\(gname) grants \(grant.channels.listText) only, not "
            var t = grant.territories.include.joined(separator: ", ")
            if !grant.territories.exclude.isEmpty { t += " except " + grant.territories.exclude.joined(separator: ", ") }
            territories = "\(gname) grants \(t) only, not "
        }
    }

    /// A grant's prepared parts. A class (one reference to copy, not a dozen), filled in while the
    /// agreement is prepared and never changed afterwards, hence `@unchecked Sendable`.
    final class PreparedGrant: @unchecked Sendable {
        /// Flat rule indexes of the grant's permissions (one per action).
        var rules: [Int]
        /// The rule whose constraints say which dimensions fail (the first permission, or a probe).
        var dimsRule: Int
        /// Constraint position -> dimension (the activity constraints first, then the grant's).
        var dims: [GrantDimension]
        /// The permit reason when the grant quotes its own clause (precomputed; nil when it quotes the notice).
        var permit: Reason?
        /// The permit reason's message (it quotes the notice's words when the grant has no clause).
        var permitMessage = ""
        /// The grant's duties as a decision lists them.
        var duties: [DecisionDuty] = []
        /// Pieces of its denial sentences.
        var pieces: GrantPieces

        init(rules: [Int], dimsRule: Int, dims: [GrantDimension], pieces: GrantPieces) {
            self.rules = rules
            self.dimsRule = dimsRule
            self.dims = dims
            self.pieces = pieces
        }
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

    /// Compiles an agreement (throws the engine's diagnostics if the compiled policy is refused: a bug;
    /// an agreement that can never be in force is accepted and denies with the reason that applies).
    public init(_ a: Agreement, territories table: TerritoryTable = .builtin) throws(DiagnosticError) {
        let memoKey = "\(a.source)|\(a.id)|\(a.version ?? 0)|\(a.effectiveAt?.millisecondsSinceEpoch ?? -1)|\(a.termination?.at.millisecondsSinceEpoch ?? -1)"
        var grantDims: [[GrantDimension]] = []
        let model = a.odrlModel(territories: table, grantDims: &grantDims)
        let pieces = Pieces(a)
        let subscriberIRI = model.assignees.first?.uid ?? NewsODRL.subscriberIRI(a.subscriber.id)
        let activity = a.activityConstraintModels()
        let activityDims = activity.map(\.0)
        // Flat rule indexes follow the policy's order: permissions (grant by grant, action by
        // action), then prohibitions (restriction by restriction, action by action), then the probes.
        var grants: [PreparedGrant] = []
        var flat = 0
        var probes: [ODRLRule] = []
        let permissionCount = a.grants.reduce(0) { $0 + $1.actions.count }
        let prohibitionCount = a.restrictions.reduce(0) { $0 + ($1.actions ?? ["use"]).count }
        for (g, grant) in a.grants.enumerated() {
            let dims = grantDims[g]
            let rules = Array(flat..<(flat + grant.actions.count))
            flat += grant.actions.count
            var dimsRule = rules.first ?? -1
            if rules.isEmpty {
                // A grant without actions has no permission: a probe (no action) carries its target and constraints.
                dimsRule = permissionCount + prohibitionCount + probes.count
                probes.append(ODRLRule(kind: .permission, targets: NewsODRL.assetTargets(grant.assets),
                                       constraints: activity.map(\.1) + a.grantConstraintModels(grant, table: table).map(\.1)))
            }
            grants.append(PreparedGrant(rules: rules, dimsRule: dimsRule, dims: dims, pieces: GrantPieces(a, grant: g, name: pieces.name)))
        }
        var prohibitions: [(rule: Int, restriction: Int)] = []
        for (k, r) in a.restrictions.enumerated() {
            for _ in r.actions ?? ["use"] {
                prohibitions.append((flat, k))
                flat += 1
            }
        }
        let activityRule: Int?
        if let first = grants.first(where: { $0.dimsRule >= 0 }) {
            activityRule = first.dimsRule
        } else {
            // No grant: a probe permission with the activity constraints alone says whether the agreement counts.
            activityRule = permissionCount + prohibitionCount + probes.count
            probes.append(ODRLRule(kind: .permission, constraints: activity.map(\.1)))
        }
        var policies = [model]
        if !probes.isEmpty {
            var probe = ODRLPolicy(type: "Agreement", uid: (model.uid ?? "") + "#probes", assigners: model.assigners, assignees: model.assignees)
            for (k, var r) in probes.enumerated() {
                r.uid = (model.uid ?? "") + "#probe-\(k + 1)"
                probe.permissions.append(r)
            }
            policies.append(probe)
        }
        // An agreement whose activity constraints contradict each other (a subscription signed on or
        // after its term's end: `dateTime >= signedAt` and `dateTime < end`; a termination on or before
        // the term's start: `dateTime < terminatedAt` and `dateTime >= start`) is legal data that can
        // never be in force. The validator would refuse such a rule (`odrl.contradictory_constraints`);
        // for agreements it is kept as a warning, so the rules are compiled and evaluated by the
        // engine like any other: each constraint fails or holds on its own at the request's time, and
        // `outcome` reads the same failing bits as for any inactive agreement (terminated, not
        // started, expired, then not prior, DESIGN.md rule 3). One evaluator, same reasons.
        let set = try ODRLPolicySet(policies, options: ODRLEvaluationOptions(pendingDuties: .allow), terms: NewsEngine.terms,
                                    neverApplicableRules: .warning, keepPolicies: false)
        for g in grants.indices {
            let permit = PreparedAgreement.permitReason(a, grant: g, noticeQuote: nil)
            grants[g].permitMessage = permit.message
            if a.grants[g].clause != nil { grants[g].permit = permit }
            var seen: [DecisionDuty] = []
            for d in a.grants[g].duties where !seen.contains(where: { $0.duty == d }) { seen.append(DecisionDuty(duty: d, agreement: a.id)) }
            grants[g].duties = seen
        }
        core = Core(agreement: a, memoKey: memoKey, set: set, grants: grants, activityRule: activityRule, activityDims: activityDims,
                    prohibitions: prohibitions, subscriberIRI: subscriberIRI, pieces: pieces)
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
    /// Subscriber id -> positions in `agreements` (in order), when there are enough agreements for
    /// an index to pay; nil: scan them (a decider made per request holds only one subscriber's).
    let bySubscriber: [String: [Int]]?

    /// A decider for one source's notice (nil: no policy) and a set of agreements (any subscribers).
    public init(notice: NoticeTerms?, agreements: [PreparedAgreement], territories: TerritoryTable = .builtin) {
        self.notice = notice
        self.agreements = agreements
        self.table = territories
        if agreements.count > 8 {
            var index: [String: [Int]] = [:]
            for (k, p) in agreements.enumerated() { index[p.agreement.subscriber.id, default: []].append(k) }
            bySubscriber = index
        } else {
            bySubscriber = nil
        }
    }

    /// Compiles the agreements and builds a decider.
    public init(notice: NoticeTerms?, agreements: [Agreement], territories: TerritoryTable = .builtin) throws(DiagnosticError) {
        var prepared: [PreparedAgreement] = []
        for a in agreements { prepared.append(try PreparedAgreement(a, territories: territories)) }
        self.init(notice: notice, agreements: prepared, territories: territories)
    }

    /// The subscriber's agreements with the request's source, in the order given.
    func agreements(for r: RepublicationRequest) -> [PreparedAgreement] {
        if let bySubscriber {
            guard let ks = bySubscriber[r.subscriber] else { return [] }
            var out: [PreparedAgreement] = []
            out.reserveCapacity(ks.count)
            for k in ks where agreements[k].agreement.source == r.source { out.append(agreements[k]) }
            return out
        }
        return agreements.filter { $0.agreement.subscriber.id == r.subscriber && $0.agreement.source == r.source }
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
        let state = notice.state(for: r.asset.kind)
        let mine = agreements(for: r)
        // The request lowered once for every engine pass below (the subscriber's IRI comes from its
        // prepared agreements; it is only built when there are none).
        var input = mine.isEmpty && notice.permissionSet == nil ? ODRLInput(terms: NewsEngine.terms)
            : NewsEngine.input(for: r, target: notice.targets[r.asset.kind.index],
                               assigneeIRI: mine.first?.subscriberIRI ?? NewsODRL.subscriberIRI(r.subscriber))
        var results: [ODRLRuleResult] = []

        // 1. Agreements, in the order given.
        var outcomes: [(PreparedAgreement, AgreementOutcome)] = []
        for p in mine {
            let o = outcome(p, r, &input, state, lifters: lifters, usage: usage, results: &results)
            if let g = o.permittedGrant {
                let a = p.agreement
                d.verdict = .permit
                d.permittedBy = .agreement(id: a.id, grant: g)
                if let cached = p.grants[g].permit, cached.quote == (a.grants[g].clause ?? noticeQuote) {
                    d.reasons = [cached]
                } else {
                    let quote = a.grants[g].clause ?? noticeQuote
                    d.reasons = [Reason(code: "granted", agreement: a.id, message: p.grants[g].permitMessage, quote: quote,
                                        quoteFrom: a.grants[g].clause == nil ? "notice" : "agreement")]
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
            input.clearRuleValues()
            set.ruleResults(input, state: state, into: &results)
            // The set holds the public permissions alone, in order: rule i is permission i.
            if let i = results.firstIndex(where: { $0.active }),
               let perm = notice.permissions.first(where: { $0.ruleID == notice.permissions[i].ruleID }) {
                d.verdict = .permit
                d.permittedBy = .notice(permission: perm.index)
                d.reasons = [Reason(code: "public_permission", message: "the notice lets anyone \(perm.summary)", quote: perm.quote, quoteFrom: "notice")]
                d.duties = dedupe(perm.duties.map { DecisionDuty(duty: $0) } + notice.obligations.map { DecisionDuty(duty: $0) })
                return d
            }
            for (i, res) in results.enumerated() where res.matches && !res.active {
                if let perm = notice.permissions.first(where: { $0.ruleID == notice.permissions[i].ruleID }) {
                    // The trace's last sentence for a matching rule not in force.
                    publicReasons.append(Reason(code: "public_permission_not_met",
                                                message: "the notice's public permission to \(perm.summary) does not cover this use: not in force for this request",
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
            let (reasons, would) = explanation(p, o, r, concerned: concerned, noticeQuote: noticeQuote, usage: usage, memo: memo)
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

    /// One engine pass over the agreement, read as the news layer needs it: the grant that permits,
    /// or the restriction that overrides it, or why the agreement does not count, or the grant that
    /// came closest with its failing dimensions.
    func outcome(_ p: PreparedAgreement, _ r: RepublicationRequest, _ input: inout ODRLInput, _ state: ODRLWorldState,
                 lifters: Set<String>, usage: some UsageCounter, results: inout [ODRLRuleResult]) -> AgreementOutcome {
        var o = AgreementOutcome()
        let a = p.agreement
        if !NewsDecider.accepts(a.kind, lifters: lifters) { o.kindNotAccepted = true; return o }
        // A quota counts the grant's own uses: `count` is a rule-scoped value of the grant's permissions.
        input.clearRuleValues()
        for (g, grant) in a.grants.enumerated() {
            guard let q = grant.quota else { continue }
            let w = q.per.window(containing: r.at, term: a.term)
            let count = ODRLInputValue(.number(Double(usage.uses(agreement: a.id, grant: g, from: w.start, to: w.end) + 1)),
                                       textID: ODRLInputValue.notText)
            for rule in p.grants[g].rules { input.setRuleValue(rule: rule, slot: NewsEngine.countSlot, count) }
            if p.grants[g].rules.isEmpty, p.grants[g].dimsRule >= 0 {
                input.setRuleValue(rule: p.grants[g].dimsRule, slot: NewsEngine.countSlot, count)
            }
        }
        p.set.ruleResults(input, state: state, into: &results)
        for (g, pg) in p.grants.enumerated() {
            guard pg.rules.contains(where: { results[$0].active }) else { continue }
            // Restrictions override grants: the first prohibition in force.
            if let hit = p.prohibitions.first(where: { results[$0.rule].active }) {
                o.restriction = hit.restriction
                o.bestGrant = g
                continue
            }
            o.permittedGrant = g
            return o
        }
        if o.restriction != nil { return o }
        // Why not: the agreement's activity first (the first constraints of every permission)...
        if let rule = p.activityRule {
            let failed = results[rule].failedConstraints
            for dim in [GrantDimension.termination, .term, .termEnd, .prior] {
                if let k = p.activityDims.firstIndex(of: dim), failed & (1 << UInt64(k)) != 0 {
                    o.inactivity = dim
                    return o
                }
            }
        }
        // ...then each grant's failing dimensions, the grant with the fewest coming closest.
        var best: (Int, [GrantDimension])?
        for (g, pg) in p.grants.enumerated() {
            var failing: [GrantDimension] = []
            guard pg.dimsRule >= 0 else { continue }
            let res = results[pg.dimsRule]
            if !res.targetMatches { failing.append(.asset) }
            let failed = res.failedConstraints
            for (k, dim) in pg.dims.enumerated().dropFirst(p.activityDims.count) where failed & (1 << UInt64(min(k, 63))) != 0 {
                if !failing.contains(dim) { failing.append(dim) }
            }
            let actionOK = pg.rules.contains { results[$0].actionMatches }
            if !pg.rules.isEmpty && !actionOK { failing.insert(.action, at: failing.firstIndex(where: { $0 != .asset }) ?? failing.count) }
            if failing.isEmpty { failing = [.action] }  // the engine refused without a failing dimension: fail closed
            if failing.count < (best?.1.count ?? Int.max) { best = (g, failing) }
        }
        if let best { o.bestGrant = best.0; o.failing = best.1 }
        return o
    }

    /// ``explain(_:_:_:concerned:noticeQuote:usage:)``, remembered in `memo` when it does not depend on the time.
    func explanation(_ p: PreparedAgreement, _ o: AgreementOutcome, _ r: RepublicationRequest, concerned: [NoticeTerms.Prohibition],
                     noticeQuote: String?, usage: some UsageCounter, memo: DecisionMemo?) -> ([Reason], [String]) {
        guard let memo, o.inactivity == nil, !o.failing.contains(where: { $0 == .embargo || $0 == .quota }) else {
            return explain(p, o, r, concerned: concerned, noticeQuote: noticeQuote, usage: usage)
        }
        var bits: UInt32 = 0
        for d in o.failing { bits |= 1 << UInt32(GrantDimension.allCases.firstIndex(of: d) ?? 31) }
        let key = DecisionMemo.Key(agreement: p.memoKey, grant: o.bestGrant ?? -1, failing: bits, restriction: o.restriction ?? -1,
                                   kindNotAccepted: o.kindNotAccepted, kind: r.asset.kind, action: r.action, extent: r.extent,
                                   portion: r.portion, channel: r.channel, territory: r.territory)
        if let hit = memo.explanations[key] { return hit }
        let made = explain(p, o, r, concerned: concerned, noticeQuote: noticeQuote, usage: usage)
        memo.remember(key, made)
        return made
    }

    /// The reasons and remedies of a denial by one agreement. The common sentences are a piece made
    /// when the agreement was prepared plus the request's value (``PreparedAgreement/Pieces``): one
    /// concatenation, no interpolation.
    func explain(_ p: PreparedAgreement, _ o: AgreementOutcome, _ r: RepublicationRequest, concerned: [NoticeTerms.Prohibition],
                 noticeQuote: String?, usage: some UsageCounter) -> ([Reason], [String]) {
        let a = p.agreement
        let name = p.pieces.name
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
                                message: concat(p.pieces.notStarted, r.at.description, ")"), quote: noticeQuote, quoteFrom: "notice")],
                        [p.pieces.notStartedWould])
            case .prior:
                return ([Reason(code: "not_prior_subscription", agreement: a.id,
                                message: "subscription \(a.id) was signed on \(a.signedAtIsDate ? a.signedAt.dateString : a.signedAt.description), after this use (\(r.at)); the notice requires a prior subscription",
                                quote: noticeQuote, quoteFrom: "notice")],
                        ["a subscription concluded before the use (\(a.id) was signed \(a.signedAt))"])
            default:
                return ([Reason(code: "agreement_expired", agreement: a.id,
                                message: concat(p.pieces.expired, r.at.description, ")"), quote: noticeQuote, quoteFrom: "notice")],
                        [p.pieces.expiredWould])
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
        let pieces = p.grants[g].pieces
        let gname = pieces.gname
        var reasons: [Reason] = []
        var would: [String] = []
        // A dimension the grant does not cover leaves the notice's prohibition standing: quote the notice.
        let clause = noticeQuote ?? grant.clause
        let from = noticeQuote != nil ? "notice" : "agreement"
        for dim in o.failing {
            switch dim {
            case .asset:
                reasons.append(Reason(code: "asset_not_granted", agreement: a.id,
                                      message: concat(pieces.assets, r.asset.kind.rawValue), quote: clause, quoteFrom: from))
                would.append(concat("a grant covering ", r.asset.kind.rawValue, p.pieces.inID))
            case .action:
                reasons.append(Reason(code: "action_not_granted", agreement: a.id,
                                      message: concat(pieces.actions, r.action), quote: clause, quoteFrom: from))
                would.append(concat("a grant of ", r.action, " (or use)", p.pieces.inID))
            case .extent:
                reasons.append(Reason(code: "extent_not_granted", agreement: a.id,
                                      message: concat(pieces.extents, r.extent.rawValue), quote: clause, quoteFrom: from))
                would.append(concat("a grant covering ", r.extent.rawValue, " use", p.pieces.inID))
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
                                      message: concat(pieces.channels, r.channel.rawValue), quote: clause, quoteFrom: from))
                would.append(concat("a grant covering ", r.channel.rawValue, p.pieces.inID))
            case .territory:
                reasons.append(Reason(code: "territory_not_granted", agreement: a.id,
                                      message: concat(pieces.territories, r.territory), quote: clause, quoteFrom: from))
                would.append(concat("a grant covering ", r.territory, p.pieces.inID))
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

/// Joins strings into one allocated once (the explanation hot path: a precomputed piece plus the request's value).
@inline(__always)
func concat(_ parts: String...) -> String {
    var n = 0
    for p in parts { n += p.utf8.count }
    var out = ""
    out.reserveCapacity(n)
    for p in parts { out += p }
    return out
}
