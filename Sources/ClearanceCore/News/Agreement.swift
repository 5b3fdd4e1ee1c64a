/// The party an agreement was made with (a publisher, a newsroom...).
public struct Subscriber: Sendable, Hashable {
    public var id: String
    public var name: String?
    public init(id: String, name: String? = nil) { self.id = id; self.name = name }
}

/// When an agreement is in force: `start <= at < end` (both instants; `end` is exclusive).
public struct Term: Sendable, Hashable {
    public var start: Instant
    /// Exclusive: a date-only `term.end` of `2026-12-31` is stored as `2027-01-01T00:00:00Z`.
    public var end: Instant
    /// Whether `start` was written as a bare date (kept for writing it back as written).
    public var startIsDate: Bool
    /// Whether `end` was written as a bare date (then `end` is the next day's 00:00 UTC).
    public var endIsDate: Bool

    public init(start: Instant, end: Instant, startIsDate: Bool = false, endIsDate: Bool = false) {
        self.start = start; self.end = end; self.startIsDate = startIsDate; self.endIsDate = endIsDate
    }

    /// Whether `at` falls inside the term.
    @inline(__always) public func contains(_ at: Instant) -> Bool { start <= at && at < end }

    /// The end as written: the last covered day for a date-only end, else the instant.
    public var endText: String {
        endIsDate ? end.adding(milliseconds: -86_400_000).dateString : end.description
    }
    /// The start as written.
    public var startText: String { startIsDate ? start.dateString : start.description }
}

/// An early end of an agreement: from `at` on it no longer counts.
public struct Termination: Sendable, Hashable {
    public var at: Instant
    public var atIsDate: Bool
    public var reason: String?
    public init(at: Instant, atIsDate: Bool = false, reason: String? = nil) { self.at = at; self.atIsDate = atIsDate; self.reason = reason }
}

/// A limit on how many uses a grant allows per period.
public struct Quota: Sendable, Hashable {
    public var count: Int
    public var per: QuotaPeriod
    public init(count: Int, per: QuotaPeriod) { self.count = count; self.per = per }
}

/// Something the user must do when using a grant: credit the source, link back...
public struct Duty: Sendable, Hashable {
    public var action: DutyAction
    /// The credit line to show (`İLKHA`), or the words of the duty.
    public var text: String?
    public var url: String?
    public init(action: DutyAction, text: String? = nil, url: String? = nil) { self.action = action; self.text = text; self.url = url }

    /// JSON form: `{"action", "text"?, "url"?}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["action"] = .string(action.rawValue)
        if let text { o["text"] = .string(text) }
        if let url { o["url"] = .string(url) }
        return .object(o)
    }

    /// Reads one duty object.
    static func parse(_ v: JSONValue, at path: String, reader r: inout FieldReader) -> Duty? {
        guard let o = r.object(v, at: path, what: "a duty") else { return nil }
        r.checkKeys(o, known: ["action", "text", "url"], at: path)
        let action: DutyAction? = r.enumValue(o, "action", at: path, required: true, problem: "unknown_duty", what: "duty action")
        let text = r.string(o, "text", at: path, required: false)
        let url = r.string(o, "url", at: path, required: false)
        if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            r.error("bad_url", "`url` `\(url)` is not an http(s) URL", at: FieldReader.path(path, "url"))
            return nil
        }
        if action == .attribute && text == nil {
            r.warning("attribution_without_text", "an `attribute` duty without `text` cannot say what credit line to show",
                      at: path, hint: "add the credit line, e.g. `\"text\": \"İLKHA\"`")
        }
        guard let action else { return nil }
        return Duty(action: action, text: text, url: url)
    }
}

/// What an agreement allows: every listed dimension must match a request (DESIGN.md rule 4).
public struct Grant: Sendable, Hashable {
    public var assets: Dimension<AssetKind>
    /// ODRL action names (canonical); a grant of `use` covers the actions included in it.
    public var actions: [String]
    public var extent: [Extent]
    /// Largest portion (0–1] a partial use may take.
    public var maxPortion: Double?
    public var channels: Dimension<Channel>
    public var territories: TerritorySpec
    public var quota: Quota?
    /// Delay after the asset's publication before it may be used.
    public var embargo: ISODuration?
    public var duties: [Duty]
    /// The contract's own words for this grant, quoted in decisions (optional).
    public var clause: String?

    public init(assets: Dimension<AssetKind>, actions: [String], extent: [Extent], maxPortion: Double? = nil,
                channels: Dimension<Channel>, territories: TerritorySpec, quota: Quota? = nil,
                embargo: ISODuration? = nil, duties: [Duty] = [], clause: String? = nil) {
        self.assets = assets; self.actions = actions; self.extent = extent; self.maxPortion = maxPortion
        self.channels = channels; self.territories = territories; self.quota = quota; self.embargo = embargo
        self.duties = duties; self.clause = clause
    }

    /// Whether one of the granted actions covers `action` (ODRL hierarchy).
    public func coversAction(_ action: String) -> Bool { actions.contains { NewsActions.covers($0, action) } }
}

/// What an agreement forbids even where a grant allows it ("restrictions take precedence").
///
/// Every dimension it lists must match for it to apply; a missing dimension matches anything.
public struct Restriction: Sendable, Hashable {
    public var assets: Dimension<AssetKind>?
    public var actions: [String]?
    public var extent: [Extent]?
    public var channels: Dimension<Channel>?
    public var territories: TerritorySpec?
    /// Forbids use until this long after publication.
    public var embargo: ISODuration?
    public var note: String?
    public var clause: String?

    public init(assets: Dimension<AssetKind>? = nil, actions: [String]? = nil, extent: [Extent]? = nil,
                channels: Dimension<Channel>? = nil, territories: TerritorySpec? = nil, embargo: ISODuration? = nil,
                note: String? = nil, clause: String? = nil) {
        self.assets = assets; self.actions = actions; self.extent = extent; self.channels = channels
        self.territories = territories; self.embargo = embargo; self.note = note; self.clause = clause
    }

    /// True when the restriction lists no dimension (it then forbids everything the agreement grants).
    public var isUnconditional: Bool {
        assets == nil && actions == nil && extent == nil && channels == nil && territories == nil && embargo == nil
    }
}

/// A subscriber's agreement with a source: a contract, subscription, license or permission (DESIGN.md format).
public struct Agreement: Sendable, Hashable {
    public var id: String
    public var kind: AgreementKind
    /// The source's id (its policy file name: `ilkha`).
    public var source: String
    public var subscriber: Subscriber
    public var signedAt: Instant
    public var signedAtIsDate: Bool
    public var term: Term
    public var grants: [Grant]
    public var restrictions: [Restriction]
    public var termination: Termination?
    /// Version number when the store keeps amendments (1 for the first).
    public var version: Int?
    /// From when this version holds (amendments); nil = the whole term.
    public var effectiveAt: Instant?

    public init(id: String, kind: AgreementKind, source: String, subscriber: Subscriber, signedAt: Instant,
                signedAtIsDate: Bool = false, term: Term, grants: [Grant], restrictions: [Restriction] = [],
                termination: Termination? = nil, version: Int? = nil, effectiveAt: Instant? = nil) {
        self.id = id; self.kind = kind; self.source = source; self.subscriber = subscriber; self.signedAt = signedAt
        self.signedAtIsDate = signedAtIsDate; self.term = term; self.grants = grants; self.restrictions = restrictions
        self.termination = termination; self.version = version; self.effectiveAt = effectiveAt
    }

    /// Why an agreement does not count at `at`, or nil when it is active (DESIGN.md rule 3).
    public enum Inactivity: String, Sendable, Hashable {
        case notStarted = "agreement_not_started"
        case expired = "agreement_expired"
        case terminated = "agreement_terminated"
        case notPriorSubscription = "not_prior_subscription"
    }

    /// Whether the agreement counts at `at`: in its term, not terminated, and a subscription signed before.
    public func inactivity(at: Instant) -> Inactivity? {
        if let t = termination, at >= t.at { return .terminated }
        if at < term.start { return .notStarted }
        if at >= term.end { return .expired }
        if kind == .subscription && signedAt > at { return .notPriorSubscription }
        return nil
    }
}

/// How an agreement parser treats missing grant dimensions (DESIGN.md: widest only where the CLI says so).
public enum MissingDimensions: Sendable {
    /// A missing `assets`, `actions`, `extent`, `channels` or `territories` is an error (the default).
    case reject
    /// A missing dimension becomes the widest value (`all`, `use`, `whole`+`partial`, `WORLD`).
    case widest
}

extension Agreement {
    static let knownKeys: Set<String> = ["id", "kind", "source", "subscriber", "signedAt", "term", "grants",
                                         "restrictions", "termination", "version", "effectiveAt", "note"]
    static let grantKeys: Set<String> = ["assets", "actions", "extent", "maxPortion", "channels", "territories",
                                         "excludeTerritories", "quota", "embargo", "duties", "clause", "note"]
    static let restrictionKeys: Set<String> = ["assets", "actions", "extent", "channels", "territories",
                                               "excludeTerritories", "embargo", "note", "clause"]

    /// Parses one agreement from JSON; every problem is reported with its path under `path`.
    ///
    /// Returns nil when there is any error; warnings (unknown keys, duplicates) are reported but accepted.
    public static func parse(_ value: JSONValue, at path: String = "$", missing: MissingDimensions = .reject,
                             territories: TerritoryTable = .builtin) -> (Agreement?, [Diagnostic]) {
        var r = FieldReader(prefix: "agreement", territories: territories)
        let a = parse(value, at: path, missing: missing, reader: &r)
        return (r.hasErrors ? nil : a, r.diagnostics)
    }

    /// Parses a JSON array of agreements (`contract import`): all problems of all elements, plus duplicate ids.
    public static func parseList(_ value: JSONValue, missing: MissingDimensions = .reject,
                                 territories: TerritoryTable = .builtin) -> ([Agreement], [Diagnostic]) {
        var r = FieldReader(prefix: "agreement", territories: territories)
        let items: [JSONValue]
        switch value {
        case .array(let a): items = a
        case .object: items = [value]
            r.warning("single_object", "expected an array of agreements; read the single object as one", at: "$")
        default:
            r.error("not_array", "expected a JSON array of agreements, not \(value.typeName)", at: "$")
            return ([], r.diagnostics)
        }
        var out: [Agreement] = []
        var seen: [String: Int] = [:]
        for (k, item) in items.enumerated() {
            let p = items.count == 1 && value.arrayValue == nil ? "$" : "$[\(k)]"
            let before = r.diagnostics.count
            let a = parse(item, at: p, missing: missing, reader: &r)
            let failed = r.diagnostics[before...].contains { $0.severity == .error }
            guard let a, !failed else { continue }
            if let first = seen[a.id] {
                r.error("duplicate_id", "agreement `\(a.id)` appears twice (first at $[\(first)])", at: FieldReader.path(p, "id"),
                        hint: "give each agreement its own id; amend an agreement with `clearance contract amend`",
                        category: .invalidValue)
                continue
            }
            seen[a.id] = k
            out.append(a)
        }
        return (out, r.diagnostics)
    }

    static func parse(_ value: JSONValue, at path: String, missing: MissingDimensions, reader r: inout FieldReader) -> Agreement? {
        guard let o = r.object(value, at: path, what: "an agreement") else { return nil }
        r.checkKeys(o, known: knownKeys, at: path)
        let id = r.identifier(o, "id", at: path, required: true)
        let kind: AgreementKind? = r.enumValue(o, "kind", at: path, required: true, problem: "unknown_kind", what: "agreement kind")
        let source = r.identifier(o, "source", at: path, required: true)
        if let source, !SourceID.isValid(source) {
            r.error("bad_source", "source `\(source)` is not a valid source id", at: FieldReader.path(path, "source"),
                    hint: "a source id is its policy file's name: lower-case letters, digits, `-` and `_` (e.g. `ilkha`)")
        }
        // subscriber: {id, name} (a bare string is read as the id).
        var subscriber: Subscriber?
        let sp = FieldReader.path(path, "subscriber")
        switch o["subscriber"] {
        case nil, .null?:
            r.error("missing_field", "`subscriber` is required", at: sp, hint: "e.g. `{\"id\": \"alsharq\", \"name\": \"Al-Sharq Daily\"}`")
        case .string(let s)?:
            var tmp = JSONObject(); tmp["id"] = .string(s)
            if let sid = r.identifier(tmp, "id", at: sp, required: true) { subscriber = Subscriber(id: sid) }
        case .object(let so)?:
            r.checkKeys(so, known: ["id", "name"], at: sp)
            let sid = r.identifier(so, "id", at: sp, required: true)
            let name = r.string(so, "name", at: sp, required: false)
            if let sid { subscriber = Subscriber(id: sid, name: name) }
        case let v?:
            r.error("wrong_type", "`subscriber` must be an object `{\"id\", \"name\"}`, not \(v.typeName)", at: sp)
        }
        let signed = r.dateTime(o, "signedAt", at: path, required: true)
        // term
        var term: Term?
        let tp = FieldReader.path(path, "term")
        if let tv = o["term"], !tv.isNull {
            if let to = r.object(tv, at: tp, what: "`term`") {
                r.checkKeys(to, known: ["start", "end"], at: tp)
                let s = r.dateTime(to, "start", at: tp, required: true)
                let e = r.dateTime(to, "end", at: tp, required: true)
                if let s, let e {
                    let end = e.isDateOnly ? e.endOfDayExclusive : e.instant
                    if end <= s.instant {
                        r.error("bad_term", "the term ends (\(e.isDateOnly ? e.instant.dateString : end.description)) before it starts (\(s.isDateOnly ? s.instant.dateString : s.instant.description))",
                                at: FieldReader.path(tp, "end"), hint: "`term.end` must be after `term.start`", category: .invalidValue)
                    } else {
                        term = Term(start: s.instant, end: end, startIsDate: s.isDateOnly, endIsDate: e.isDateOnly)
                    }
                }
            }
        } else {
            r.error("missing_field", "`term` is required", at: tp, hint: "e.g. `{\"start\": \"2026-01-01\", \"end\": \"2026-12-31\"}`")
        }
        if let signed, let term, signed.instant >= term.end {
            r.warning("signed_after_term", "the agreement is signed after its term ends", at: FieldReader.path(path, "signedAt"))
        }
        // grants
        var grants: [Grant] = []
        let gp = FieldReader.path(path, "grants")
        switch o["grants"] {
        case nil, .null?:
            r.error("missing_field", "`grants` is required", at: gp, hint: "an agreement lifts prohibitions only for what its grants cover")
        case .array(let ga)?:
            if ga.isEmpty { r.warning("no_grants", "`grants` is empty: this agreement permits nothing", at: gp) }
            for (k, g) in ga.enumerated() {
                if let grant = parseGrant(g, at: FieldReader.path(gp, k), missing: missing, reader: &r) { grants.append(grant) }
            }
        case let v?:
            r.error("wrong_type", "`grants` must be an array, not \(v.typeName)", at: gp)
        }
        // restrictions
        var restrictions: [Restriction] = []
        let rp = FieldReader.path(path, "restrictions")
        switch o["restrictions"] {
        case nil, .null?: break
        case .array(let ra)?:
            for (k, x) in ra.enumerated() {
                if let res = parseRestriction(x, at: FieldReader.path(rp, k), reader: &r) { restrictions.append(res) }
            }
        case let v?:
            r.error("wrong_type", "`restrictions` must be an array, not \(v.typeName)", at: rp)
        }
        // termination
        var termination: Termination?
        let xp = FieldReader.path(path, "termination")
        if let xv = o["termination"], !xv.isNull, let xo = r.object(xv, at: xp, what: "`termination`") {
            r.checkKeys(xo, known: ["at", "reason"], at: xp)
            let at = r.dateTime(xo, "at", at: xp, required: true)
            let reason = r.string(xo, "reason", at: xp, required: false)
            if let at { termination = Termination(at: at.instant, atIsDate: at.isDateOnly, reason: reason) }
        }
        var version: Int?
        if let vv = o["version"], !vv.isNull {
            if let n = vv.intValue, n >= 1 { version = n } else {
                r.error("bad_version", "`version` must be a whole number from 1, not `\(vv.serialized())`", at: FieldReader.path(path, "version"))
            }
        }
        let effective = r.dateTime(o, "effectiveAt", at: path, required: false)
        guard let id, let kind, let source, let subscriber, let signed, let term else { return nil }
        return Agreement(id: id, kind: kind, source: source, subscriber: subscriber, signedAt: signed.instant,
                         signedAtIsDate: signed.isDateOnly, term: term, grants: grants, restrictions: restrictions,
                         termination: termination, version: version, effectiveAt: effective?.instant)
    }

    static func parseGrant(_ v: JSONValue, at p: String, missing: MissingDimensions, reader r: inout FieldReader) -> Grant? {
        guard let o = r.object(v, at: p, what: "a grant") else { return nil }
        r.checkKeys(o, known: grantKeys, at: p)
        let req = missing == .reject
        let before = r.diagnostics.count
        var assets: Dimension<AssetKind>? = r.dimension(o, "assets", at: p, required: req, problem: "unknown_asset_kind", what: "asset kind")
        var actions = r.actions(o, "actions", at: p, required: req)
        var extent: [Extent]? = r.dimension(o, "extent", at: p, required: req, problem: "unknown_extent", what: "extent").map { (d: Dimension<Extent>) in d.values }
        let maxPortion = r.portion(o, "maxPortion", at: p)
        var channels: Dimension<Channel>? = r.dimension(o, "channels", at: p, required: req, problem: "unknown_channel", what: "channel")
        var include = r.territoryNames(o, "territories", at: p, required: req, allowEmpty: false)
        let exclude = r.territoryNames(o, "excludeTerritories", at: p, required: false, allowEmpty: true) ?? []
        let embargo = r.duration(o, "embargo", at: p)
        let clause = r.string(o, "clause", at: p, required: false)
        var quota: Quota?
        let qp = FieldReader.path(p, "quota")
        if let qv = o["quota"], !qv.isNull, let qo = r.object(qv, at: qp, what: "`quota`") {
            r.checkKeys(qo, known: ["count", "per"], at: qp)
            let per: QuotaPeriod? = r.enumValue(qo, "per", at: qp, required: true, problem: "unknown_quota_period", what: "quota period")
            var count: Int?
            switch qo["count"] {
            case nil, .null?: r.error("missing_field", "`count` is required", at: FieldReader.path(qp, "count"))
            case let c?:
                if let n = c.intValue, n >= 0 { count = n } else {
                    r.error("bad_quota", "`count` must be a whole number of uses (0 or more), not `\(c.serialized())`", at: FieldReader.path(qp, "count"))
                }
            }
            if let per, let count { quota = Quota(count: count, per: per) }
        }
        var duties: [Duty] = []
        let dp = FieldReader.path(p, "duties")
        switch o["duties"] {
        case nil, .null?: break
        case .array(let da)?:
            for (k, d) in da.enumerated() { if let duty = Duty.parse(d, at: FieldReader.path(dp, k), reader: &r) { duties.append(duty) } }
        case let x?:
            r.error("wrong_type", "`duties` must be an array, not \(x.typeName)", at: dp)
        }
        if missing == .widest {
            if o["assets"]?.isNull ?? true { assets = .all }
            if o["actions"]?.isNull ?? true { actions = ["use"] }
            if o["extent"]?.isNull ?? true { extent = [.whole, .partial] }
            if o["channels"]?.isNull ?? true { channels = .all }
            if o["territories"]?.isNull ?? true { include = ["WORLD"] }
        }
        if let maxPortion, let extent, !extent.contains(.partial) {
            r.warning("portion_without_partial", "`maxPortion` \(JSONValue.formatNumber(maxPortion)) has no effect: `extent` does not include `partial`",
                      at: FieldReader.path(p, "maxPortion"))
        }
        let failed = r.diagnostics[before...].contains { $0.severity == .error }
        guard !failed else { return nil }
        guard let assets, let actions, let extent, let channels, let include else {
            r.error("incomplete_grant", "the grant is missing a dimension", at: p, category: .internalError)
            return nil
        }
        let spec = TerritorySpec(include: include, exclude: exclude, table: r.territories)
        if spec.resolved.isEmpty {
            r.error("empty_territory", "`excludeTerritories` removes every territory of `territories`", at: FieldReader.path(p, "excludeTerritories"),
                    category: .invalidValue)
            return nil
        }
        return Grant(assets: assets, actions: actions, extent: extent, maxPortion: maxPortion, channels: channels,
                     territories: spec, quota: quota, embargo: embargo, duties: duties, clause: clause)
    }

    static func parseRestriction(_ v: JSONValue, at p: String, reader r: inout FieldReader) -> Restriction? {
        guard let o = r.object(v, at: p, what: "a restriction") else { return nil }
        for k in ["quota", "maxPortion", "duties"] where o[k] != nil {
            r.error("unsupported_in_restriction", "`\(k)` belongs in a grant, not a restriction", at: FieldReader.path(p, k),
                    hint: "a restriction names what is forbidden: assets, actions, extent, channels, territories, embargo")
        }
        r.checkKeys(o, known: restrictionKeys.union(["quota", "maxPortion", "duties"]), at: p)
        let before = r.diagnostics.count
        let assets: Dimension<AssetKind>? = r.dimension(o, "assets", at: p, required: false, problem: "unknown_asset_kind", what: "asset kind")
        let actions = r.actions(o, "actions", at: p, required: false)
        let extent: [Extent]? = r.dimension(o, "extent", at: p, required: false, problem: "unknown_extent", what: "extent").map { (d: Dimension<Extent>) in d.values }
        let channels: Dimension<Channel>? = r.dimension(o, "channels", at: p, required: false, problem: "unknown_channel", what: "channel")
        let include = r.territoryNames(o, "territories", at: p, required: false, allowEmpty: false)
        let exclude = r.territoryNames(o, "excludeTerritories", at: p, required: false, allowEmpty: true)
        let embargo = r.duration(o, "embargo", at: p)
        let note = r.string(o, "note", at: p, required: false)
        let clause = r.string(o, "clause", at: p, required: false)
        if r.diagnostics[before...].contains(where: { $0.severity == .error }) { return nil }
        var spec: TerritorySpec?
        if include != nil || exclude != nil {
            spec = TerritorySpec(include: include ?? ["WORLD"], exclude: exclude ?? [], table: r.territories)
        }
        let res = Restriction(assets: assets, actions: actions, extent: extent, channels: channels, territories: spec,
                              embargo: embargo, note: note, clause: clause)
        if res.isUnconditional {
            r.warning("unconditional_restriction", "this restriction names no dimension, so it forbids everything the agreement grants",
                      at: p, hint: "add the channels, territories, assets or actions it is about")
        }
        return res
    }
}

/// Source ids: the file names of `Policies/*.json`.
public enum SourceID {
    /// Lower-case ASCII letters, digits, `-`, `_`, `.`; starts with a letter or digit; at most 64 bytes.
    public static func isValid(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count <= 64 else { return false }
        for (k, c) in b.enumerated() {
            let ok = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || (k > 0 && (c == 0x2D || c == 0x5F || c == 0x2E))
            if !ok { return false }
        }
        return true
    }
}

// MARK: - Writing

extension Agreement {
    /// The agreement in DESIGN.md's JSON form (explicit: every grant dimension written out).
    public var json: JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["kind"] = .string(kind.rawValue)
        o["source"] = .string(source)
        var s = JSONObject()
        s["id"] = .string(subscriber.id)
        if let n = subscriber.name { s["name"] = .string(n) }
        o["subscriber"] = .object(s)
        o["signedAt"] = .string(signedAtIsDate ? signedAt.dateString : signedAt.description)
        o["term"] = .object(JSONObject([("start", .string(term.startText)), ("end", .string(term.endText))]))
        o["grants"] = .array(grants.map(\.json))
        o["restrictions"] = .array(restrictions.map(\.json))
        if let t = termination {
            var to = JSONObject()
            to["at"] = .string(t.atIsDate ? t.at.dateString : t.at.description)
            if let r = t.reason { to["reason"] = .string(r) }
            o["termination"] = .object(to)
        }
        if let version { o["version"] = .number(Double(version)) }
        if let effectiveAt { o["effectiveAt"] = .string(effectiveAt.description) }
        return .object(o)
    }
}

extension Grant {
    /// The grant in DESIGN.md's JSON form.
    public var json: JSONValue {
        var o = JSONObject()
        o["assets"] = assets.json
        o["actions"] = .array(actions.map { .string($0) })
        o["extent"] = .array(extent.map { .string($0.rawValue) })
        if let maxPortion { o["maxPortion"] = .number(maxPortion) }
        o["channels"] = channels.json
        o["territories"] = .array(territories.include.map { .string($0) })
        o["excludeTerritories"] = .array(territories.exclude.map { .string($0) })
        if let q = quota { o["quota"] = .object(JSONObject([("count", .number(Double(q.count))), ("per", .string(q.per.rawValue))])) }
        if let embargo { o["embargo"] = .string(embargo.description) }
        o["duties"] = .array(duties.map(\.json))
        if let clause { o["clause"] = .string(clause) }
        return .object(o)
    }

    /// A short human summary: `text; use; whole, partial; web, print; TR, IQ`.
    ///
    /// ``writeSummary(to:)``'s bytes (`joined(separator:)` over a long territory list was ~10,000
    /// instructions a call; `GrantSummaryTests` holds the writer to that joined form).
    public var summary: String {
        var w = ByteWriter(capacity: 128)
        defer { w.free() }
        writeSummary(to: &w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// Writes ``summary``'s bytes (the one writer of them): assets, actions, extent, channels,
    /// territories (`except …`), then at most a portion, an embargo, a quota, separated by `; `.
    ///
    /// Written piece by piece into the writer (a permit's words copy it into their message): it
    /// was joined from `String`s (each list joined, then the parts), ~4,800 instructions a grant
    /// (callgrind words session 7).
    func writeSummary(to out: inout ByteWriter) {
        func strings(_ l: [String]) {
            for (k, v) in l.enumerated() { if k > 0 { out.put(", " as StaticString) }; out.put(v) }
        }
        func names<V: StaticNamed>(_ l: [V]) {
            for (k, v) in l.enumerated() { if k > 0 { out.put(", " as StaticString) }; out.put(v.staticName) }
        }
        func dimension<V: StaticNamed>(_ d: Dimension<V>) {
            switch d {
            case .all: out.put("all" as StaticString)
            case .only(let l): names(l)
            }
        }
        dimension(assets); out.put("; " as StaticString)
        strings(actions); out.put("; " as StaticString)
        names(extent); out.put("; " as StaticString)
        dimension(channels); out.put("; " as StaticString)
        strings(territories.include)
        if !territories.exclude.isEmpty { out.put(" except " as StaticString); strings(territories.exclude) }
        if let maxPortion { out.put("; at most " as StaticString); out.decimal(Int((maxPortion * 100).rounded())); out.put(0x25) }
        if let embargo { out.put("; embargo " as StaticString); out.put(embargo.description) }
        if let q = quota { out.put("; " as StaticString); out.decimal(q.count); out.put(" per " as StaticString); out.put(q.per.staticName) }
    }
}

extension Restriction {
    /// The restriction in DESIGN.md's JSON form (only the dimensions it lists).
    public var json: JSONValue {
        var o = JSONObject()
        if let assets { o["assets"] = assets.json }
        if let actions { o["actions"] = .array(actions.map { .string($0) }) }
        if let extent { o["extent"] = .array(extent.map { .string($0.rawValue) }) }
        if let channels { o["channels"] = channels.json }
        if let t = territories {
            o["territories"] = .array(t.include.map { .string($0) })
            if !t.exclude.isEmpty { o["excludeTerritories"] = .array(t.exclude.map { .string($0) }) }
        }
        if let embargo { o["embargo"] = .string(embargo.description) }
        if let note { o["note"] = .string(note) }
        if let clause { o["clause"] = .string(clause) }
        return .object(o)
    }

    /// A short human summary: the note, else the dimensions.
    public var summary: String {
        if let note { return note }
        var parts: [String] = []
        if let assets { parts.append(assets.listText) }
        if let actions { parts.append(actions.joined(separator: ", ")) }
        if let extent { parts.append(extent.map(\.rawValue).joined(separator: ", ")) }
        if let channels { parts.append(channels.listText) }
        if let t = territories { parts.append(t.include.joined(separator: ", ")) }
        if let embargo { parts.append("within \(embargo) of publication") }
        return "no " + parts.joined(separator: "; ")
    }
}
