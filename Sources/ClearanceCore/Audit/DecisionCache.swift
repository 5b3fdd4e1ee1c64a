/// Remembers the news decider's answers for requests that are the same in every respect the decider looks at.
///
/// Not a second evaluator: every answer comes from the decider; a remembered one is handed back
/// only for an equivalent input. Two requests are equivalent when they have the same subscriber,
/// source, asset kind, action, extent, portion, channel and territory, the same agreement
/// versions in force, and the same outcome of every time-dependent test the decider makes:
/// each agreement's activity at the instant (`Agreement.inactivity(at:)`), each embargo passed
/// or not, each quota with room left or not. Only answers whose words do not depend on the
/// instant are remembered (a permit, or a deny for a dimension not granted, a restriction, no
/// agreement, no policy); a deny that quotes the time (expired, embargo, quota...) is always
/// decided afresh. Sources whose notice has public permissions are never cached (their
/// constraints may look at the time). Memory is bounded: the table is emptied when full.
public final class DecisionCache {
    struct Key: Hashable {
        var subscriber: String
        var source: String
        var kind: AssetKind
        var action: String
        var extent: Extent
        var portion: Double?
        var channel: Channel
        var territory: String
        var versions: [Int]
        var state: [UInt8]
    }

    private var table: [Key: NewsDecision] = [:]
    /// Entries kept at most (each holds one decision with its texts).
    public let capacity: Int
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// Reason codes whose messages never mention the request's time.
    static let timeless: Set<String> = [
        "granted", "asset_not_granted", "action_not_granted", "extent_not_granted", "channel_not_granted",
        "territory_not_granted", "restricted_use", "no_agreement", "no_policy", "no_grant", "agreement_kind_not_accepted",
    ]

    public init(capacity: Int = 50_000) { self.capacity = capacity }

    /// The decision for `r`: remembered when an equivalent request was decided, else `decide()`'s.
    public func decision(
        for r: RepublicationRequest, notice: NoticeTerms?, versions: [(serial: Int, prepared: PreparedAgreement)],
        usage: some UsageCounter, decide: () -> NewsDecision
    ) -> NewsDecision {
        guard notice?.permissions.isEmpty ?? true, let key = key(r, versions, usage) else {
            misses += 1
            return decide()
        }
        if var d = table[key] {
            hits += 1
            d.id = r.id
            return d
        }
        misses += 1
        let d = decide()
        if d.reasons.allSatisfy({ DecisionCache.timeless.contains($0.code) }) {
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = d
        }
        return d
    }

    /// The key, or nil when a time-dependent test cannot be captured (a calendar-length embargo).
    func key(_ r: RepublicationRequest, _ versions: [(serial: Int, prepared: PreparedAgreement)], _ usage: some UsageCounter) -> Key? {
        var state: [UInt8] = []
        for v in versions {
            let a = v.prepared.agreement
            switch a.inactivity(at: r.at) {
            case nil: state.append(0)
            case .notStarted?: state.append(1)
            case .expired?: state.append(2)
            case .terminated?: state.append(3)
            case .notPriorSubscription?: state.append(4)
            }
            for (g, grant) in a.grants.enumerated() {
                if let e = grant.embargo {
                    guard let b = DecisionCache.embargoBit(e, r) else { return nil }
                    state.append(b)
                }
                if let q = grant.quota {
                    let w = q.per.window(containing: r.at, term: a.term)
                    state.append(usage.uses(agreement: a.id, grant: g, from: w.start, to: w.end) < q.count ? 1 : 0)
                }
            }
            for res in a.restrictions {
                if let e = res.embargo {
                    guard let b = DecisionCache.embargoBit(e, r) else { return nil }
                    state.append(b)
                }
            }
        }
        return Key(subscriber: r.subscriber, source: r.source, kind: r.asset.kind, action: r.action, extent: r.extent,
                   portion: r.portion, channel: r.channel, territory: r.territory, versions: versions.map(\.serial),
                   state: state)
    }

    /// 2: publication time unknown; 1: the embargo has passed; 0: not yet. Nil for calendar lengths.
    static func embargoBit(_ e: ISODuration, _ r: RepublicationRequest) -> UInt8? {
        guard !e.hasCalendarPart else { return nil }
        guard let pub = r.asset.publishedAt else { return 2 }
        return r.at >= e.added(to: pub) ? 1 : 0
    }
}
