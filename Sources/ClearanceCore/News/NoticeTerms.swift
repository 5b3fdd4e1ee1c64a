/// What the news decider needs from a source's notice policy: its prohibitions, what lifts them, its public permissions.
///
/// Built once per source from the ODRL policy in `Policies/NAME.json` (see `docs/policy-format.md`).
/// Prohibitions are read for their explanation (quote, `clr:liftedBy`); the public permissions are
/// evaluated by the ODRL engine, with their duties owed rather than blocking.
public struct NoticeTerms: Sendable {
    /// One prohibition of the notice, as the news layer reads it.
    public struct Prohibition: Sendable, Hashable {
        /// ODRL action names (canonical); `use` when the rule names none.
        public var actions: [String]
        /// Asset kinds concerned (all when the rule does not say).
        public var assets: Set<AssetKind>
        /// Extents concerned (`whole`, `partial`; both when the rule does not say).
        public var extents: Set<Extent>
        /// What lifts it (`contract`, `subscription`, `license`, `permission`, `written-permission`); empty = not said.
        public var liftedBy: [String]
        /// The lifting agreement must precede the use (`prior subscription`).
        public var prior: Bool
        /// The notice's own words for it.
        public var quote: String?
    }

    /// One public permission: anyone may do this, with these duties (evaluated by the engine).
    public struct PublicPermission: Sendable {
        public var index: Int
        public var ruleID: String
        public var summary: String
        public var quote: String?
        public var duties: [Duty]
    }

    /// The source id (policy file name).
    public var source: String
    public var prohibitions: [Prohibition] {
        didSet { filters = prohibitions.map(ProhibitionFilter.init); quoteJSON = NoticeTerms.quoteJSON(prohibitions, noticeText) }
    }
    /// ``prohibitions`` as bit masks, for the per-request filter (rebuilt whenever they change).
    private(set) var filters: [ProhibitionFilter] = []
    public var permissions: [PublicPermission]
    /// Duties the notice puts on every use (policy-level obligations: credit line, link).
    public var obligations: [Duty]
    /// The notice text, when the policy carries it.
    public var noticeText: String? { didSet { quoteJSON = NoticeTerms.quoteJSON(prohibitions, noticeText) } }
    /// The end of a reason that quotes the notice, as JSON bytes (`,"quote":"…","quoteFrom":"notice"}`;
    /// `}` when there are no words to quote): entry `i` for prohibition `i`, the last one for a request
    /// no prohibition concerns (the first prohibition's words, else the notice text). Written once
    /// (rebuilt when the prohibitions or the text change): nearly every reason of a decision quotes
    /// the notice, and escaping its ~170 bytes of Arabic per reason was ~850 instructions.
    private(set) var quoteJSON: [[UInt8]] = []
    /// English translations of quoted notice words, when the policy gives them (`clr:provenance.translation`).
    public var translations: [String: String] = [:]
    /// The policy with only its public permissions (and obligations), ready for the engine; nil when there are none.
    public let permissionSet: ODRLPolicySet?
    /// World states that make each asset kind's representative a member of every notice target covering that kind.
    let states: [ODRLWorldState]
    /// Each asset kind's representative, lowered once with the news terms (its collections in `states`).
    let targets: [ODRLSubject]

    /// Reads the news view of a validated notice policy.
    ///
    /// Throws the engine's diagnostics when the permission-only policy does not compile (it always
    /// should, as it is a subset of a valid policy).
    public init(source: String, policy: ODRLPolicy) throws(DiagnosticError) {
        self.source = source
        noticeText = NoticeTerms.text(policy.extensions["clr:notice"]) ?? NoticeTerms.text(policy.extensions["clr:noticeText"])
        var prohibitions: [Prohibition] = []
        for r in policy.prohibitions {
            let actions = r.actions.compactMap(\.canonicalName)
            var liftedBy: [String] = []
            var prior = NoticeTerms.bool(r.extensions["clr:prior"]) ?? false
            for v in NoticeTerms.strings(r.extensions["clr:liftedBy"]) {
                var s = v.lowercased()
                if s.hasPrefix("clr:") { s = String(s.dropFirst(4)) }
                if s.hasPrefix("prior-") || s.hasPrefix("prior ") { prior = true; s = String(s.dropFirst(6)) }
                if s == "written permission" { s = "written-permission" }
                if s == "licence" { s = "license" }
                if !liftedBy.contains(s) { liftedBy.append(s) }
            }
            prohibitions.append(Prohibition(
                actions: actions.isEmpty ? ["use"] : actions,
                assets: NoticeTerms.assetKinds(rule: r, policy: policy),
                extents: NoticeTerms.extents(rule: r),
                liftedBy: liftedBy, prior: prior,
                quote: NoticeTerms.quote(r.extensions) ?? NoticeTerms.quote(policy.extensions)))
        }
        self.prohibitions = prohibitions
        filters = prohibitions.map(ProhibitionFilter.init)
        quoteJSON = NoticeTerms.quoteJSON(prohibitions, noticeText)
        for ext in [policy.extensions] + policy.prohibitions.map(\.extensions) + policy.permissions.map(\.extensions) {
            for p in ext["clr:provenance"].map({ $0.arrayValue ?? [$0] }) ?? [] {
                if let t = p["text"]?.stringValue, let en = p["translation"]?.stringValue { translations[t] = en }
            }
        }
        obligations = policy.obligations.compactMap(NoticeTerms.duty)
        var perms: [PublicPermission] = []
        var permPolicy = policy
        permPolicy.prohibitions = []
        permPolicy.obligations = []
        var kept: [ODRLRule] = []
        for r in policy.permissions where r.assignees.isEmpty {
            var rule = r
            let id = r.uid ?? "\(policy.uid ?? "urn:clearance:notice:\(source)")#permission-\(kept.count + 1)"
            rule.uid = id
            let name = r.actions.first.map { ODRLVocabulary.shortName($0.name) } ?? "use"
            perms.append(PublicPermission(index: kept.count, ruleID: id, summary: NoticeTerms.text(r.extensions["clr:summary"]) ?? name,
                                          quote: NoticeTerms.quote(r.extensions) ?? NoticeTerms.quote(policy.extensions),
                                          duties: r.duties.compactMap(NoticeTerms.duty)))
            kept.append(rule)
        }
        permPolicy.permissions = kept
        permissions = perms
        permissionSet = kept.isEmpty ? nil : try ODRLPolicySet([permPolicy], options: ODRLEvaluationOptions(pendingDuties: .allow),
                                                                terms: NewsEngine.terms)
        // For each kind: the notice targets (policy- or rule-level) that cover that kind hold its representative asset.
        var targetKinds: [String: Set<AssetKind>] = [:]
        for r in kept {
            let kinds = NoticeTerms.assetKinds(rule: r, policy: policy)
            for t in (r.targets.isEmpty ? policy.targets : r.targets) { if let u = t.uid { targetKinds[u, default: []].formUnion(kinds) } }
        }
        states = AssetKind.allCases.map { k in
            var s = NewsEngine.baseState
            for (uid, kinds) in targetKinds where kinds.contains(k) {
                s.assetCollections[uid, default: []].insert(NewsODRL.representativeAssetIRI(k))
            }
            return s
        }
        let built = states
        targets = AssetKind.allCases.map { k in
            NewsEngine.terms.subject(NewsODRL.representativeAssetIRI(k), collections: built[k.index].assetCollections)
        }
    }

    /// See ``quoteJSON``.
    static func quoteJSON(_ prohibitions: [Prohibition], _ noticeText: String?) -> [[UInt8]] {
        func part(_ quote: String?) -> [UInt8] {
            guard let quote else { return Array("}".utf8) }
            var out = Array(",\"quote\":".utf8)
            JSONBytes.appendString(quote, to: &out)
            out += Array(",\"quoteFrom\":\"notice\"}".utf8)
            return out
        }
        return prohibitions.map { part($0.quote) } + [part(prohibitions.first?.quote ?? noticeText)]
    }

    /// The prohibitions that concern a request (its action, asset kind and extent).
    public func prohibitions(concerning r: RepublicationRequest) -> [Prohibition] {
        let q = ConcernQuery.of(r)
        return prohibitions.indices.filter { filters[$0].concerns(q) }.map { prohibitions[$0] }
    }

    /// What the decider needs of ``prohibitions(concerning:)`` for every request, without building
    /// the list: the first concerned prohibition (whose words are quoted), what lifts them all.
    ///
    /// Per request this was a filtered array, two `Set` look-ups per prohibition (asset kind, extent),
    /// the action hierarchy's `Set<String>` and then a `Set` of the lifters (~1.5k instructions);
    /// now one dictionary look-up of the action and bit tests.
    func concern(_ r: RepublicationRequest) -> Concern { NoticeTerms.concern(r, filters) }

    /// ``concern(_:)`` over a notice's filters (the decider keeps them beside the notice: ``NoticeBox``).
    static func concern(_ r: RepublicationRequest, _ filters: [ProhibitionFilter]) -> Concern {
        concern(r, filters, actionMask: NewsActions.coveringTable.value(r.action) ?? 0)
    }

    /// ``concern(_:_:)`` with the request's action's covering mask already looked up (the decider
    /// looks it up once per request with the action's engine ids, ``NewsEngine/Lookups``).
    @inline(__always)
    static func concern(_ r: RepublicationRequest, _ filters: [ProhibitionFilter], actionMask: UInt64) -> Concern {
        let q = ConcernQuery.of(r, actionMask: actionMask)
        var c = Concern()
        for k in filters.indices where filters[k].concerns(q) {
            if c.first < 0 { c.first = k }
            c.lifters.formUnion(filters[k].lifters)
            if k < 64 { c.mask |= 1 << UInt64(k) } else { c.overflow = true }
        }
        return c
    }

    /// The concerned prohibitions (``concern(_:)`` as a list), for the sentences that name them.
    func concerned(_ r: RepublicationRequest) -> [Prohibition] { prohibitions(concerning: r) }

    /// The first concerned prohibition and the union of what lifts the concerned ones.
    struct Concern {
        var first = -1
        var lifters = Lifters()
        /// The concerned prohibitions among the first 64, as bits; `overflow` when a later one is
        /// concerned too (then the mask does not say which). What the notice says about a request
        /// (its quote, who lifts its prohibitions) depends on this set only.
        var mask: UInt64 = 0
        var overflow = false
        var isEmpty: Bool { first < 0 }
    }

    /// A request's kind, extent and action as bits (computed once per request).
    struct ConcernQuery {
        let kind: UInt8
        let extent: UInt8
        let actionMask: UInt64
        let action: String
        /// A static function, not an `init`: an initializer takes its argument owned, so every
        /// caller copied the whole request (a retain and a release of each of its strings, ~300
        /// instructions per evaluation, callgrind session 5); a function borrows it.
        @inline(__always)
        static func of(_ r: RepublicationRequest) -> ConcernQuery {
            of(r, actionMask: NewsActions.coveringTable.value(r.action) ?? 0)
        }

        /// ``of(_:)`` with the action's covering mask (``NewsActions/coveringMask``) already looked up.
        @inline(__always)
        static func of(_ r: RepublicationRequest, actionMask: UInt64) -> ConcernQuery {
            ConcernQuery(kind: 1 << UInt8(r.asset.kind.index), extent: r.extent == .whole ? 1 : 2,
                         actionMask: actionMask, action: r.action)
        }
    }

    /// Which kinds of agreement lift a prohibition (`clr:liftedBy`), as bits; `other` for a name the
    /// decider does not know (it still makes the list non-empty, as the `Set<String>` did).
    struct Lifters: OptionSet {
        let rawValue: UInt8
        static let contract = Lifters(rawValue: 1), subscription = Lifters(rawValue: 2), license = Lifters(rawValue: 4)
        static let permission = Lifters(rawValue: 8), writtenPermission = Lifters(rawValue: 16), other = Lifters(rawValue: 32)
        init(rawValue: UInt8) { self.rawValue = rawValue }
        init(_ names: [String]) {
            var m: Lifters = []
            for n in names {
                switch n {
                case "contract": m.insert(.contract)
                case "subscription": m.insert(.subscription)
                case "license": m.insert(.license)
                case "permission": m.insert(.permission)
                case "written-permission": m.insert(.writtenPermission)
                default: m.insert(.other)
                }
            }
            self = m
        }
    }

    /// One prohibition as the filter reads it: asset-kind and extent bits, action bits (names the
    /// action table does not know are kept as strings: only an equal name covers them), lifters.
    struct ProhibitionFilter: Sendable {
        let kinds: UInt8
        let extents: UInt8
        let actions: UInt64
        let otherActions: [String]
        let lifters: Lifters

        init(_ p: Prohibition) {
            var k: UInt8 = 0
            for a in p.assets { k |= 1 << UInt8(a.index) }
            kinds = k
            extents = (p.extents.contains(.whole) ? 1 : 0) | (p.extents.contains(.partial) ? 2 : 0)
            var m: UInt64 = 0
            var other: [String] = []
            for a in p.actions {
                if let b = NewsActions.bit[a] { m |= b } else { other.append(a) }
            }
            actions = m
            otherActions = other
            lifters = Lifters(p.liftedBy)
        }

        /// ``NewsActions/covers(_:_:)`` of one of its actions over the request's, and kind and extent concerned.
        @inline(__always)
        func concerns(_ q: ConcernQuery) -> Bool {
            guard kinds & q.kind != 0, extents & q.extent != 0 else { return false }
            return actions & q.actionMask != 0 || (!otherActions.isEmpty && otherActions.contains(q.action))
        }
    }

    func state(for kind: AssetKind) -> ODRLWorldState { states[kind.index] }

    // MARK: reading helpers

    static func text(_ v: JSONValue?) -> String? {
        switch v {
        case .string(let s)?: return s
        case .object(let o)?: return o["text"]?.stringValue ?? o["@value"]?.stringValue
        default: return nil
        }
    }

    static func bool(_ v: JSONValue?) -> Bool? { v?.boolValue }

    static func strings(_ v: JSONValue?) -> [String] {
        switch v {
        case .string(let s)?: return [s]
        case .array(let a)?: return a.compactMap { $0.stringValue ?? $0["@id"]?.stringValue }
        default: return []
        }
    }

    /// The words a rule came from: `clr:provenance` (`{"text": ...}`, a string, or a list of them), or `clr:quote`.
    static func quote(_ ext: JSONObject) -> String? {
        if let q = text(ext["clr:quote"]) { return q }
        switch ext["clr:provenance"] {
        case .array(let a)?: return a.compactMap { text($0) }.first
        case let v?: return text(v)
        default: return nil
        }
    }

    static func assetKinds(rule r: ODRLRule, policy p: ODRLPolicy) -> Set<AssetKind> {
        let named = strings(r.extensions["clr:assets"]) + strings(r.extensions["clr:assetKinds"])
        var out: Set<AssetKind> = []
        for n in named {
            if n == "all" { return Set(AssetKind.allCases) }
            if let k = kind(fromName: n) { out.insert(k) }
        }
        if !out.isEmpty { return out }
        for t in (r.targets.isEmpty ? p.targets : r.targets) {
            for n in strings(t.extensions["clr:assets"]) { if let k = kind(fromName: n) { out.insert(k) } }
            if let u = t.uid, let last = u.split(whereSeparator: { $0 == "/" || $0 == ":" || $0 == "#" }).last,
               let k = kind(fromName: String(last)) { out.insert(k) }
        }
        return out.isEmpty ? Set(AssetKind.allCases) : out
    }

    static func kind(fromName n: String) -> AssetKind? {
        switch n.lowercased() {
        case "text", "texts", "news", "article", "articles": return .text
        case "photo", "photos", "picture", "pictures", "image", "images": return .photo
        case "video", "videos": return .video
        case "audio": return .audio
        case "graphic", "graphics": return .graphics
        default: return nil
        }
    }

    static func extents(rule r: ODRLRule) -> Set<Extent> {
        var out: Set<Extent> = []
        for n in strings(r.extensions["clr:extent"]) + strings(r.extensions["clr:uses"]) {
            let s = n.split(separator: ":").last.map(String.init) ?? n
            if let e = Extent(rawValue: s) { out.insert(e) }
        }
        return out.isEmpty ? Set(Extent.allCases) : out
    }

    static func duty(_ d: ODRLRule) -> Duty? {
        let name = d.actions.first.map { ODRLVocabulary.shortName($0.name) } ?? ""
        let action: DutyAction
        switch name.hasPrefix("clr:") ? String(name.dropFirst(4)) : name {
        case "attribute", "attribution": action = .attribute
        case "link", "linkBack": action = .link
        case "inform": action = .inform
        case "compensate": action = .compensate
        case "watermark": action = .watermark
        case "no-modification", "noModification": action = .noModification
        case "author-credit", "authorCredit": action = .authorCredit
        case "voucher-copy", "voucherCopy": action = .voucherCopy
        case "tracking-pixel", "trackingPixel": action = .trackingPixel
        default: return nil
        }
        let text = NoticeTerms.text(d.extensions["clr:text"]) ?? NoticeTerms.text(d.extensions["clr:credit"])
        let url = NoticeTerms.text(d.extensions["clr:url"])
        return Duty(action: action, text: text, url: url)
    }
}
