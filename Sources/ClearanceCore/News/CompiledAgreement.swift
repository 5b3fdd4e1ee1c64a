/// An agreement reduced to integers and bit sets, deciding the common request without the ODRL engine.
///
/// Why it exists: the profile (`bench/profile.sh`, callgrind) showed ~400,000 instructions per
/// decision, nearly all in the generic ODRL engine evaluating each grant's compiled policy and its
/// probes (constraint lists, value boxing, rule traces). The news layer only ever asks the engine
/// the same few questions — is `at` inside the term, is the kind / action / extent / channel /
/// country in a list, is a number or a delay under a bound — so this type precomputes those
/// answers as bit masks and milliseconds, once per agreement, and answers a request with a few
/// dozen integer operations.
///
/// It is an optimisation, not a second semantics: it mirrors what ``PreparedAgreement``'s engine
/// policies decide (`Agreement.odrlPolicy`, `activityConstraints`, `grantConstraints`,
/// `restrictionConstraints`), including the order in which the deny explanation lists failing
/// dimensions, and the tests check it against the engine on generated agreements and requests
/// (`CompiledAgreementTests`). Whatever it does not model exactly it leaves to the engine:
/// `init` returns nil for an agreement with a quota (usage-dependent), a calendar-length embargo
/// (`P1M`) or an action outside the ODRL vocabulary; `Facts` is nil for a request with an unknown
/// country or an extension action. A missing `publishedAt` or `portion` is modelled as the engine
/// treats an unknown operand: a grant constraint on it fails, a restriction constraint on it applies.
struct CompiledAgreement: Sendable {
    /// Milliseconds since the epoch: the term `[start, end)`, an early termination, a subscription's signature.
    let start: Int64
    let end: Int64
    let termination: Int64?
    let signedAt: Int64?
    let kind: AgreementKind
    let grants: [Grant]
    let restrictions: [Restriction]

    /// One grant. A `nil` mask or bound means the grant does not constrain that dimension, as in
    /// `grantConstraints` (e.g. `extent` lists both values, `channels` is `all`, territories cover the table).
    struct Grant: Sendable {
        var assets: UInt8?
        /// Bit `i` = the action with index `i` in ``NewsActionBits`` is granted.
        var actions: UInt64
        var extent: UInt8?
        /// `percentage <= limit`; with `wholeExempt`, a whole use passes regardless (the `or` constraint).
        var portionLimit: Double?
        var wholeExempt: Bool
        var channels: UInt16?
        var territories: TerritorySet?
        var embargoMs: Int64?
    }

    /// One restriction: it applies when every listed dimension matches (`nil` = not listed).
    struct Restriction: Sendable {
        var assets: UInt8?
        var actions: UInt64
        var extent: UInt8?
        var channels: UInt16?
        var territories: TerritorySet?
        /// Applies while `at - publishedAt < embargoMs`.
        var embargoMs: Int64?
    }

    /// Compiles an agreement, or nil when some part of it needs the engine (see the type's comment).
    init?(_ a: Agreement, table: TerritoryTable) {
        start = a.term.start.millisecondsSinceEpoch
        end = a.term.end.millisecondsSinceEpoch
        termination = a.termination?.at.millisecondsSinceEpoch
        signedAt = a.kind == .subscription ? a.signedAt.millisecondsSinceEpoch : nil
        kind = a.kind
        var grants: [Grant] = []
        for g in a.grants {
            guard g.quota == nil, let actions = NewsActionBits.mask(g.actions) else { return nil }
            var c = Grant(actions: actions, wholeExempt: false)
            if case .only(let kinds) = g.assets { c.assets = CompiledAgreement.mask(kinds) }
            if g.extent.count < Extent.allCases.count { c.extent = CompiledAgreement.mask(g.extent) }
            if let mp = g.maxPortion, g.extent.contains(.partial) {
                // The same rounding as `grantConstraints` (three decimals of a percentage).
                c.portionLimit = (mp * 100 * 1000).rounded() / 1000
                c.wholeExempt = g.extent.contains(.whole)
            }
            if case .only(let cs) = g.channels { c.channels = CompiledAgreement.mask(cs) }
            if !g.territories.coversEverything(table: table) { c.territories = g.territories.resolved }
            if let e = g.embargo {
                guard let ms = CompiledAgreement.exactMilliseconds(e) else { return nil }
                c.embargoMs = ms
            }
            grants.append(c)
        }
        var restrictions: [Restriction] = []
        for r in a.restrictions {
            guard let actions = NewsActionBits.mask(r.actions ?? ["use"]) else { return nil }
            var c = Restriction(actions: actions)
            if case .only(let kinds)? = r.assets { c.assets = CompiledAgreement.mask(kinds) }
            if let ex = r.extent, ex.count < Extent.allCases.count { c.extent = CompiledAgreement.mask(ex) }
            if case .only(let cs)? = r.channels { c.channels = CompiledAgreement.mask(cs) }
            if let t = r.territories, !t.coversEverything(table: table) { c.territories = t.resolved }
            if let e = r.embargo {
                guard let ms = CompiledAgreement.exactMilliseconds(e) else { return nil }
                c.embargoMs = ms
            }
            restrictions.append(c)
        }
        self.grants = grants
        self.restrictions = restrictions
    }

    /// The request's facts as the masks compare them; nil when the engine must decide (see the type's comment).
    struct Facts {
        var at: Int64
        var kind: UInt8
        /// The request's action and every action it is included in (ODRL `includedIn`, transitively).
        var actions: UInt64
        var extent: UInt8
        var channel: UInt16
        var country: Int
        /// The engine's `percentage`: 100 for a whole use, `portion × 100` for a partial one; nil when
        /// a partial use gives no portion (the engine's `percentage` is then unknown).
        var percentage: Double?
        /// `at - publishedAt`; nil without `publishedAt` (the engine's `delayPeriod` is then unknown).
        var delayMs: Int64?

        init?(_ r: RepublicationRequest, table: TerritoryTable) {
            guard let actions = NewsActionBits.broader(r.action), let country = table.indexByCode[r.territory] else { return nil }
            switch r.extent {
            case .whole: percentage = 100
            case .partial: percentage = r.portion.map { $0 * 100 }
            }
            at = r.at.millisecondsSinceEpoch
            kind = 1 << UInt8(r.asset.kind.index)
            self.actions = actions
            extent = r.extent == .whole ? 1 : 2
            channel = 1 << UInt16(r.channel.index)
            self.country = country
            delayMs = r.asset.publishedAt.map { at - $0.millisecondsSinceEpoch }
        }
    }

    /// The agreement's outcome for a request, as `NewsDecider.outcome` computes it with the engine.
    ///
    /// Order matters and follows the engine path: a grant that permits wins unless a restriction
    /// applies (then the last such grant is remembered with the first applying restriction); with no
    /// permitting grant, an inactive agreement reports the first of termination, start, end, prior
    /// signature that fails; otherwise the grant with the fewest failing dimensions (the first on a
    /// tie) is reported with its failing dimensions in probe order.
    func outcome(_ f: Facts, lifters: Set<String>) -> AgreementOutcome {
        var o = AgreementOutcome()
        if !NewsDecider.accepts(kind, lifters: lifters) { o.kindNotAccepted = true; return o }
        let active = start <= f.at && f.at < end && (termination.map { f.at < $0 } ?? true) && (signedAt.map { f.at >= $0 } ?? true)
        if active {
            for (g, c) in grants.enumerated() where failingCount(c, f) == 0 {
                if let k = restrictions.firstIndex(where: { applies($0, f) }) {
                    o.restriction = k
                    o.bestGrant = g
                    continue
                }
                o.permittedGrant = g
                return o
            }
            if o.restriction != nil { return o }
        } else {
            if let t = termination, f.at >= t { o.inactivity = .termination }
            else if f.at < start { o.inactivity = .term }
            else if f.at >= end { o.inactivity = .termEnd }
            else { o.inactivity = .prior }
            return o
        }
        var best: (Int, Int)?
        for (g, c) in grants.enumerated() {
            let n = failingCount(c, f)
            if n < (best?.1 ?? Int.max) { best = (g, n) }
        }
        if let (g, _) = best {
            o.bestGrant = g
            o.failing = failing(grants[g], f)
        }
        return o
    }

    /// How many dimensions of the grant fail (0 = it covers the request). No allocation: the hot path.
    @inline(__always)
    func failingCount(_ c: Grant, _ f: Facts) -> Int {
        var n = 0
        if let m = c.assets, m & f.kind == 0 { n += 1 }
        if c.actions & f.actions == 0 { n += 1 }
        if let m = c.extent, m & f.extent == 0 { n += 1 }
        if let limit = c.portionLimit, !(c.wholeExempt && f.extent == 1), !(f.percentage.map { $0 <= limit } ?? false) { n += 1 }
        if let m = c.channels, m & f.channel == 0 { n += 1 }
        if let t = c.territories, !t.contains(index: f.country) { n += 1 }
        if let e = c.embargoMs, !(f.delayMs.map { $0 >= e } ?? false) { n += 1 }
        return n
    }

    /// The failing dimensions in the engine's probe order: asset, then action (placed after asset),
    /// extent, portion, channel, territory, embargo.
    func failing(_ c: Grant, _ f: Facts) -> [GrantDimension] {
        var out: [GrantDimension] = []
        if let m = c.assets, m & f.kind == 0 { out.append(.asset) }
        if c.actions & f.actions == 0 { out.append(.action) }
        if let m = c.extent, m & f.extent == 0 { out.append(.extent) }
        if let limit = c.portionLimit, !(c.wholeExempt && f.extent == 1), !(f.percentage.map { $0 <= limit } ?? false) { out.append(.portion) }
        if let m = c.channels, m & f.channel == 0 { out.append(.channel) }
        if let t = c.territories, !t.contains(index: f.country) { out.append(.territory) }
        if let e = c.embargoMs, !(f.delayMs.map { $0 >= e } ?? false) { out.append(.embargo) }
        return out
    }

    @inline(__always)
    func applies(_ r: Restriction, _ f: Facts) -> Bool {
        if r.actions & f.actions == 0 { return false }
        if let m = r.assets, m & f.kind == 0 { return false }
        if let m = r.extent, m & f.extent == 0 { return false }
        if let m = r.channels, m & f.channel == 0 { return false }
        if let t = r.territories, !t.contains(index: f.country) { return false }
        // Unknown delay: the engine takes a prohibition with an unknown constraint to apply (fail closed).
        if let e = r.embargoMs, let d = f.delayMs, !(d < e) { return false }
        return true
    }

    static func mask(_ kinds: [AssetKind]) -> UInt8 { kinds.reduce(0) { $0 | 1 << UInt8($1.index) } }
    static func mask(_ extents: [Extent]) -> UInt8 { extents.reduce(0) { $0 | ($1 == .whole ? 1 : 2) } }
    static func mask(_ channels: [Channel]) -> UInt16 { channels.reduce(0) { $0 | 1 << UInt16($1.index) } }

    /// A duration's exact length in milliseconds (weeks and days as 24-hour days, as the engine's
    /// `delayPeriod` comparison counts them); nil when it has years or months, whose length depends on the date.
    static func exactMilliseconds(_ d: ISODuration) -> Int64? {
        guard !d.hasCalendarPart else { return nil }
        return Int64(d.weeks * 7 + d.days) * 86_400_000 + d.milliseconds
    }
}

/// The ODRL 2.2 actions as bit positions, with each action's broader actions precomputed as a mask.
enum NewsActionBits {
    /// Canonical action name → bit index (every action of `ODRLVocabulary`, at most 64).
    static let index: [String: Int] = {
        let names = (Set(ODRLVocabulary.includedIn.keys).union(ODRLVocabulary.topActions)).sorted()
        precondition(names.count <= 64, "NewsActionBits holds at most 64 actions")
        return Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
    }()

    /// Bit index → mask of the action itself and every action it is included in.
    static let broaderMasks: [String: UInt64] = {
        var out: [String: UInt64] = [:]
        for name in index.keys {
            out[name] = ODRLVocabulary.broaderActions(of: name).reduce(UInt64(0)) { m, a in m | (index[a].map { 1 << UInt64($0) } ?? 0) }
        }
        return out
    }()

    /// The mask of a list of granted actions; nil when one is not in the table (an extension action).
    static func mask(_ actions: [String]) -> UInt64? {
        var m: UInt64 = 0
        for a in actions {
            guard let k = index[a] else { return nil }
            m |= 1 << UInt64(k)
        }
        return m
    }

    /// The mask of a requested action and the actions it is included in; nil for an unknown action.
    @inline(__always)
    static func broader(_ action: String) -> UInt64? { broaderMasks[action] }
}
