/// The IRIs and left operands the news layer uses when it writes agreements and requests as ODRL (RightsML).
///
/// Territories use IPTC's ISO 3166-1 alpha-2 vocabulary (`http://cvx.iptc.org/iso3166-1a2/IQ`);
/// channels, extents and asset kinds use Clearance's `urn:clearance:` names, declared as the `clr:`
/// prefix in the policy's `@context`.
public enum NewsODRL {
    /// The RightsML 2 profile IRI.
    public static let profile = "http://iptc.org/std/RightsML/2/"
    /// The `clr:` prefix's namespace.
    public static let clrNamespace = "urn:clearance:"
    /// The JSON-LD context written at the top of every compiled policy.
    public static var context: JSONValue {
        .array(["http://www.w3.org/ns/odrl.jsonld", .object(JSONObject([("clr", .string(clrNamespace))]))])
    }

    /// IRI of a territory code.
    public static func territoryIRI(_ code: String) -> String { "http://cvx.iptc.org/iso3166-1a2/\(code)" }
    /// IRI of a delivery channel.
    public static func channelIRI(_ c: Channel) -> String { "urn:clearance:channel:\(c.rawValue)" }
    /// IRI of an extent value.
    public static func extentIRI(_ e: Extent) -> String { "urn:clearance:extent:\(e.rawValue)" }
    /// IRI of the asset collection of one kind (`urn:clearance:asset-kind:photo`).
    public static func assetKindIRI(_ k: AssetKind) -> String { "urn:clearance:asset-kind:\(k.rawValue)" }
    /// IRI standing for "an asset of this kind" in evaluation requests (member of ``assetKindIRI(_:)``).
    public static func representativeAssetIRI(_ k: AssetKind) -> String { "urn:clearance:asset:\(k.rawValue)" }
    /// IRI of a source (the assigner of its agreements).
    public static func sourceIRI(_ s: String) -> String { "urn:clearance:source:\(escape(s))" }
    /// IRI of a subscriber (the assignee of its agreements).
    public static func subscriberIRI(_ s: String) -> String { "urn:clearance:subscriber:\(escape(s))" }
    /// IRI of an agreement.
    public static func agreementIRI(source: String, id: String) -> String { "urn:clearance:agreement:\(escape(source)):\(escape(id))" }

    /// Left operand for the extent of a use (an extension: ODRL has no whole/partial operand).
    public static let extentOperand = "clr:extent"

    /// Percent-encodes everything but unreserved characters, so any id makes a valid IRI.
    public static func escape(_ s: String) -> String {
        // Almost every id needs no escaping: return it as it is (one byte scan, no Character per byte).
        if s.utf8.allSatisfy(isUnreserved) { return s }
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || c == "-" || c == "." || c == "_" || c == "~" {
                out.append(c)
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    @inline(__always)
    static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    /// Rule ids inside a compiled agreement: `…#grant-1-use`, `…#restriction-2`.
    public static func grantRuleID(policy: String, grant: Int, action: String) -> String { "\(policy)#grant-\(grant + 1)-\(action)" }
    public static func restrictionRuleID(policy: String, restriction: Int, action: String) -> String {
        "\(policy)#restriction-\(restriction + 1)-\(action)"
    }

    static func atomic(_ lo: String, _ op: String, _ right: JSONValue, dataType: String? = nil) -> JSONValue {
        var o = JSONObject()
        o["leftOperand"] = .string(lo)
        o["operator"] = .string(op)
        o["rightOperand"] = right
        if let dataType { o["dataType"] = .string(dataType) }
        return .object(o)
    }

    static func typed(_ v: String, _ t: String) -> JSONValue {
        .object(JSONObject([("@value", .string(v)), ("@type", .string(t))]))
    }

    static func iri(_ s: String) -> JSONValue { .object(JSONObject([("@id", .string(s))])) }
}

/// Which news dimension an ODRL constraint of a compiled grant stands for (to map engine results to reasons).
public enum GrantDimension: String, Sendable, Hashable, CaseIterable {
    case term, termEnd, termination, prior, asset, action, extent, portion, channel, territory, embargo, quota
}

extension Agreement {
    /// The agreement as an ODRL 2.2 `Agreement` policy (RightsML profile), in compact JSON-LD.
    ///
    /// Assigner = the source, assignee = the subscriber. Each grant becomes one permission per action
    /// (ODRL rules have one action) whose target is the asset-kind collections and whose constraints
    /// are the agreement's term (`dateTime`), a subscription's signature (`dateTime gteq signedAt`), a
    /// termination, and the grant's dimensions: `clr:extent`, `percentage` (maximum portion),
    /// `deliveryChannel`, `spatial` (regions expanded to countries, exclusions removed), `delayPeriod`
    /// (embargo after publication) and `count` (quota, with `clr:per`). Duties become duties
    /// (`attribute` with `clr:text`, `clr:link` with `clr:url`). Each restriction becomes prohibitions.
    /// Used by `contract export --odrl` and, through the engine, by the news decider.
    public func odrlPolicy(territories table: TerritoryTable = .builtin) -> JSONValue {
        let uid = NewsODRL.agreementIRI(source: source, id: id)
        var o = JSONObject()
        o["@context"] = NewsODRL.context
        o["@type"] = "Agreement"
        o["uid"] = .string(uid)
        o["profile"] = .string(NewsODRL.profile)
        o["assigner"] = .string(NewsODRL.sourceIRI(source))
        o["assignee"] = .string(NewsODRL.subscriberIRI(subscriber.id))
        o["clr:agreement"] = json
        var perms: [JSONValue] = []
        for (g, grant) in grants.enumerated() {
            for action in grant.actions {
                perms.append(odrlPermission(grant: g, action: action, policy: uid, table: table))
            }
        }
        o["permission"] = .array(perms)
        var prohibitions: [JSONValue] = []
        for (k, r) in restrictions.enumerated() {
            for action in r.actions ?? ["use"] {
                prohibitions.append(odrlProhibition(restriction: k, action: action, policy: uid, table: table))
            }
        }
        if !prohibitions.isEmpty { o["prohibition"] = .array(prohibitions) }
        return .object(o)
    }

    /// The constraints that make the agreement count at a time (term, termination, prior subscription).
    public func activityConstraints() -> [(GrantDimension, JSONValue)] {
        var out: [(GrantDimension, JSONValue)] = []
        out.append((.term, NewsODRL.atomic("dateTime", "gteq", NewsODRL.typed(term.start.description, "xsd:dateTime"))))
        out.append((.term, NewsODRL.atomic("dateTime", "lt", NewsODRL.typed(term.end.description, "xsd:dateTime"))))
        if let t = termination {
            out.append((.termination, NewsODRL.atomic("dateTime", "lt", NewsODRL.typed(t.at.description, "xsd:dateTime"))))
        }
        if kind == .subscription {
            out.append((.prior, NewsODRL.atomic("dateTime", "gteq", NewsODRL.typed(signedAt.description, "xsd:dateTime"))))
        }
        return out
    }

    /// The constraints of one grant, each tagged with the dimension it checks (asset kind and action are
    /// the rule's target and action, not constraints).
    public func grantConstraints(_ grant: Grant, table: TerritoryTable = .builtin) -> [(GrantDimension, JSONValue)] {
        var out: [(GrantDimension, JSONValue)] = []
        if grant.extent.count < Extent.allCases.count {
            out.append((.extent, NewsODRL.atomic(NewsODRL.extentOperand, "isAnyOf", .array(grant.extent.map { NewsODRL.iri(NewsODRL.extentIRI($0)) }))))
        }
        if let mp = grant.maxPortion, grant.extent.contains(.partial) {
            let limit = NewsODRL.atomic("percentage", "lteq", .number((mp * 100 * 1000).rounded() / 1000))
            if grant.extent.contains(.whole) {
                // Whole uses are not limited by the portion: (extent is whole) or (percentage <= max).
                let isWhole = NewsODRL.atomic(NewsODRL.extentOperand, "eq", NewsODRL.iri(NewsODRL.extentIRI(.whole)))
                out.append((.portion, .object(JSONObject([("or", .array([isWhole, limit]))]))))
            } else {
                out.append((.portion, limit))
            }
        }
        if case .only(let cs) = grant.channels {
            out.append((.channel, NewsODRL.atomic("deliveryChannel", "isAnyOf", .array(cs.map { NewsODRL.iri(NewsODRL.channelIRI($0)) }))))
        }
        if !grant.territories.coversEverything(table: table) {
            var c = NewsODRL.atomic("spatial", "isAnyOf",
                                    .array(table.codes(in: grant.territories.resolved).map { NewsODRL.iri(NewsODRL.territoryIRI($0)) }))
            if case .object(var co) = c {
                co["clr:territories"] = .array(grant.territories.include.map { .string($0) })
                if !grant.territories.exclude.isEmpty { co["clr:excludeTerritories"] = .array(grant.territories.exclude.map { .string($0) }) }
                c = .object(co)
            }
            out.append((.territory, c))
        }
        if let e = grant.embargo {
            out.append((.embargo, NewsODRL.atomic("delayPeriod", "gteq", NewsODRL.typed(e.description, "xsd:duration"))))
        }
        if let q = grant.quota {
            var c = NewsODRL.atomic("count", "lteq", .number(Double(q.count)))
            if case .object(var co) = c { co["clr:per"] = .string(q.per.rawValue); c = .object(co) }
            out.append((.quota, c))
        }
        return out
    }

    func odrlPermission(grant g: Int, action: String, policy: String, table: TerritoryTable) -> JSONValue {
        let grant = grants[g]
        var p = JSONObject()
        p["uid"] = .string(NewsODRL.grantRuleID(policy: policy, grant: g, action: action))
        if case .only(let kinds) = grant.assets {
            p["target"] = .array(kinds.map { .object(JSONObject([("@type", "AssetCollection"), ("uid", .string(NewsODRL.assetKindIRI($0)))])) })
        }
        p["action"] = .string(action)
        p["constraint"] = .array((activityConstraints() + grantConstraints(grant, table: table)).map(\.1))
        if !grant.duties.isEmpty {
            p["duty"] = .array(grant.duties.map { d in
                var o = JSONObject()
                switch d.action {
                case .attribute: o["action"] = "attribute"
                case .inform: o["action"] = "inform"
                case .compensate: o["action"] = "compensate"
                case .watermark: o["action"] = "watermark"
                default: o["action"] = .string("clr:\(d.action.rawValue)")
                }
                if let t = d.text { o["clr:text"] = .string(t) }
                if let u = d.url { o["clr:url"] = .string(u) }
                return .object(o)
            })
        }
        if let c = grant.clause { p["clr:clause"] = .string(c) }
        return .object(p)
    }

    /// The constraints of a restriction (it applies when all hold), tagged by dimension.
    public func restrictionConstraints(_ r: Restriction, table: TerritoryTable = .builtin) -> [(GrantDimension, JSONValue)] {
        var out: [(GrantDimension, JSONValue)] = []
        if let ex = r.extent, ex.count < Extent.allCases.count {
            out.append((.extent, NewsODRL.atomic(NewsODRL.extentOperand, "isAnyOf", .array(ex.map { NewsODRL.iri(NewsODRL.extentIRI($0)) }))))
        }
        if case .only(let cs)? = r.channels {
            out.append((.channel, NewsODRL.atomic("deliveryChannel", "isAnyOf", .array(cs.map { NewsODRL.iri(NewsODRL.channelIRI($0)) }))))
        }
        if let t = r.territories, !t.coversEverything(table: table) {
            out.append((.territory, NewsODRL.atomic("spatial", "isAnyOf", .array(table.codes(in: t.resolved).map { NewsODRL.iri(NewsODRL.territoryIRI($0)) }))))
        }
        if let e = r.embargo {
            out.append((.embargo, NewsODRL.atomic("delayPeriod", "lt", NewsODRL.typed(e.description, "xsd:duration"))))
        }
        return out
    }

    func odrlProhibition(restriction k: Int, action: String, policy: String, table: TerritoryTable) -> JSONValue {
        let r = restrictions[k]
        var p = JSONObject()
        p["uid"] = .string(NewsODRL.restrictionRuleID(policy: policy, restriction: k, action: action))
        if case .only(let kinds)? = r.assets {
            p["target"] = .array(kinds.map { .object(JSONObject([("@type", "AssetCollection"), ("uid", .string(NewsODRL.assetKindIRI($0)))])) })
        }
        p["action"] = .string(action)
        let cs = restrictionConstraints(r, table: table)
        if !cs.isEmpty { p["constraint"] = .array(cs.map(\.1)) }
        if let n = r.note { p["clr:note"] = .string(n) }
        if let c = r.clause { p["clr:clause"] = .string(c) }
        return .object(p)
    }
}

// MARK: - The same policy as a model, built directly

/// Builders of the ODRL model of an agreement, without going through JSON.
///
/// Preparing an agreement used to write `odrlPolicy` as JSON-LD and read it back with ``ODRLReader``
/// (and validate every one of ~20 probe policies built the same way): ~14 M instructions per
/// agreement. These builders make the same ``ODRLPolicy`` the reader makes of ``Agreement/odrlPolicy(territories:)``
/// — minus the extension keys the engine ignores (`@context`, `clr:agreement`, `clr:clause`, `clr:note`,
/// `clr:text`, `clr:per`...) and the key order, which only the writer uses. A test reads the JSON and
/// compares models and decisions on seeded random agreements.
extension NewsODRL {
    static func atomicModel(_ lo: String, _ op: String, _ right: [ODRLLiteral], list: Bool) -> ODRLConstraint {
        .atomic(ODRLAtomicConstraint(lo, op, right, rightOperandIsList: list))
    }

    static func dateTimeLiteral(_ i: Instant) -> ODRLLiteral { .typed(i.description, datatype: "xsd:dateTime") }
}

extension Agreement {
    /// The agreement as an ODRL `Agreement` policy model: what ``ODRLReader`` reads from
    /// ``odrlPolicy(territories:)``, without the extension keys (see ``NewsODRL``).
    public func odrlModel(territories table: TerritoryTable = .builtin) -> ODRLPolicy {
        var dims: [[GrantDimension]] = []
        return odrlModel(territories: table, grantDims: &dims)
    }

    /// ``odrlModel(territories:)``, also giving each grant's constraint dimensions in order (activity first).
    ///
    /// `forPreparation: true` builds the form ``PreparedAgreement`` compiles: the same rules and
    /// constraints in the same order, as an ODRL `Set` without parties. The decider only ever
    /// evaluates a subscriber's own agreements (it selects them by subscriber first), so the
    /// assignee could never fail; leaving it out spares each rule a compiled assignee entity, the
    /// set its own interned subscriber IRI, and every evaluation a string compare per rule. (The
    /// assigner is never compiled.) A property test validates this form on random agreements.
    ///
    /// `uids: false` (with `forPreparation`) leaves out the policy's and the rules' uids: only a
    /// compiled set's words read them (rule refs), and a prepared agreement's set compiles its words
    /// again from the full form when they are needed (``SetCore``); the uid strings were ~9,000
    /// instructions of a preparation (callgrind, bench/PROFILE.md "prepare, session 7"). Such a model
    /// is not valid ODRL (a policy needs a uid): it is never validated (``PreparedAgreement/validByConstruction(_:table:)``).
    func odrlModel(territories table: TerritoryTable, grantDims: inout [[GrantDimension]], forPreparation: Bool = false,
                   uids: Bool = true) -> ODRLPolicy {
        let uid = uids || !forPreparation ? NewsODRL.agreementIRI(source: source, id: id) : ""
        var p = forPreparation ? ODRLPolicy(type: "Set", uid: uids ? uid : nil, profiles: [NewsODRL.profile])
            : ODRLPolicy(type: "Agreement", uid: uid, profiles: [NewsODRL.profile],
                         assigners: [ODRLEntity(NewsODRL.sourceIRI(source))],
                         assignees: [ODRLEntity(NewsODRL.subscriberIRI(subscriber.id))])
        let activity = activityConstraintModels()
        for (g, grant) in grants.enumerated() {
            let own = grantConstraintModels(grant, table: table)
            grantDims.append(activity.map(\.0) + own.map(\.0))
            let constraints = activity.map(\.1) + own.map(\.1)
            let targets = NewsODRL.assetTargets(grant.assets)
            let duties = grant.duties.map { d in ODRLRule(kind: .duty, actions: [ODRLAction(d.odrlActionName, writtenAsNode: false)]) }
            for action in grant.actions {
                p.permissions.append(ODRLRule(kind: .permission, uid: uid.isEmpty ? nil : NewsODRL.grantRuleID(policy: uid, grant: g, action: action),
                                              actions: [ODRLAction(action, writtenAsNode: false)], targets: targets,
                                              constraints: constraints, duties: duties))
            }
        }
        for (k, r) in restrictions.enumerated() {
            let constraints = restrictionConstraintModels(r, table: table).map(\.1)
            let targets: [ODRLEntity]
            if case .only(let kinds)? = r.assets { targets = NewsModelCache.current.targets(kinds) } else { targets = [] }
            for action in r.actions ?? ["use"] {
                p.prohibitions.append(ODRLRule(kind: .prohibition,
                                               uid: uid.isEmpty ? nil : NewsODRL.restrictionRuleID(policy: uid, restriction: k, action: action),
                                               actions: [ODRLAction(action, writtenAsNode: false)], targets: targets,
                                               constraints: constraints))
            }
        }
        return p
    }

    /// ``activityConstraints()`` as model constraints.
    func activityConstraintModels() -> [(GrantDimension, ODRLConstraint)] {
        let cache = NewsModelCache.current
        var out: [(GrantDimension, ODRLConstraint)] = []
        out.reserveCapacity(4)
        out.append((.term, cache.dateTime(lt: false, term.start)))
        out.append((.termEnd, cache.dateTime(lt: true, term.end)))
        if let t = termination { out.append((.termination, cache.dateTime(lt: true, t.at))) }
        if kind == .subscription { out.append((.prior, cache.dateTime(lt: false, signedAt))) }
        return out
    }

    /// ``grantConstraints(_:table:)`` as model constraints, same order, same dimensions.
    func grantConstraintModels(_ grant: Grant, table: TerritoryTable) -> [(GrantDimension, ODRLConstraint)] {
        let cache = NewsModelCache.current
        var out: [(GrantDimension, ODRLConstraint)] = []
        out.reserveCapacity(6)
        if grant.extent.count < Extent.allCases.count { out.append((.extent, cache.extents(grant.extent))) }
        if let mp = grant.maxPortion, grant.extent.contains(.partial) {
            out.append((.portion, cache.portion((mp * 100 * 1000).rounded() / 1000, orWhole: grant.extent.contains(.whole))))
        }
        if case .only(let cs) = grant.channels { out.append((.channel, cache.channels(cs))) }
        if !grant.territories.coversEverything(table: table) {
            out.append((.territory, cache.territories(grant.territories.resolved, table: table)))
        }
        if let e = grant.embargo { out.append((.embargo, cache.embargo(e, lt: false))) }
        if let q = grant.quota { out.append((.quota, cache.quota(q.count))) }
        return out
    }

    /// ``restrictionConstraints(_:table:)`` as model constraints.
    func restrictionConstraintModels(_ r: Restriction, table: TerritoryTable) -> [(GrantDimension, ODRLConstraint)] {
        let cache = NewsModelCache.current
        var out: [(GrantDimension, ODRLConstraint)] = []
        if let ex = r.extent, ex.count < Extent.allCases.count { out.append((.extent, cache.extents(ex))) }
        if case .only(let cs)? = r.channels { out.append((.channel, cache.channels(cs))) }
        if let t = r.territories, !t.coversEverything(table: table) {
            out.append((.territory, cache.territories(t.resolved, table: table)))
        }
        if let e = r.embargo { out.append((.embargo, cache.embargo(e, lt: true))) }
        return out
    }
}

/// The model constraints of agreements (``Agreement/activityConstraintModels()`` and the grant and
/// restriction ones), made once per thread per distinct value and handed out again: a term date, an
/// extent or channel list, a portion limit, a territory set, an embargo, a quota.
///
/// Why (bench/PROFILE.md, "prepare, session 7"): building them was ~20,000 instructions per prepared
/// agreement (callgrind, 3,000 stored versions: an `Instant.description` per date, twice, an IRI string
/// per extent and channel, arrays), while agreements share a few thousand distinct values. And a
/// constraint handed out again keeps its right operand's storage, which is what lets the compiler find
/// its compiled form on this thread by address (``SharedAtomicsFront``) instead of hashing it under the
/// shared table's lock. The constraints are the same values the builders made (a test compares the
/// model with the one read from ``Agreement/odrlPolicy(territories:)``); per thread, so no lock.
/// Bounded: each table starts afresh past ``limit`` entries.
final class NewsModelCache {
    static let limit = 8_192
    /// The running thread's cache.
    static var current: NewsModelCache { perThread.value }
    private static let perThread = PerThread { NewsModelCache() }

    private struct DateKey: Hashable { var ms: Int64; var lt: Bool }
    private var dates: [DateKey: ODRLConstraint] = [:]
    /// Extent and channel lists in their order, by ``listKey(_:_:)``.
    private var lists: [UInt64: ODRLConstraint] = [:]
    private struct PortionKey: Hashable { var bits: UInt64; var orWhole: Bool }
    private var portions: [PortionKey: ODRLConstraint] = [:]
    private var territories: [TerritorySet: ODRLConstraint] = [:]
    private struct EmbargoKey: Hashable { var text: String; var lt: Bool }
    private var embargoes: [EmbargoKey: ODRLConstraint] = [:]
    private var quotas: [Int: ODRLConstraint] = [:]

    @inline(__always)
    private static func remember<K>(_ table: inout [K: ODRLConstraint], _ key: K, _ make: () -> ODRLConstraint) -> ODRLConstraint {
        if let c = table[key] { return c }
        let c = make()
        if table.count >= limit { table.removeAll(keepingCapacity: true) }
        table[key] = c
        return c
    }

    /// `dateTime gteq|lt <i>` (xsd:dateTime).
    func dateTime(lt: Bool, _ i: Instant) -> ODRLConstraint {
        Self.remember(&dates, DateKey(ms: i.millisecondsSinceEpoch, lt: lt)) {
            NewsODRL.atomicModel("dateTime", lt ? "lt" : "gteq", [NewsODRL.dateTimeLiteral(i)], list: false)
        }
    }

    /// A list's values in order, 4 bits each (position in `allCases` + 1), under a tag: nil when too long.
    static func listKey<E: CaseIterable & Equatable>(_ tag: UInt64, _ values: [E]) -> UInt64? {
        guard values.count <= 14 else { return nil }
        var key = tag << 60
        for (k, v) in values.enumerated() {
            guard let i = E.allCases.firstIndex(of: v) else { return nil }
            key |= UInt64(E.allCases.distance(from: E.allCases.startIndex, to: i) + 1) << UInt64(4 * k)
        }
        return key
    }

    /// `clr:extent isAnyOf [...]`, in the list's order.
    func extents(_ ex: [Extent]) -> ODRLConstraint {
        let make = { NewsODRL.atomicModel(NewsODRL.extentOperand, "isAnyOf", ex.map { .iri(NewsODRL.extentIRI($0)) }, list: true) }
        guard let key = Self.listKey(1, ex) else { return make() }
        return Self.remember(&lists, key, make)
    }

    /// `deliveryChannel isAnyOf [...]`, in the list's order.
    func channels(_ cs: [Channel]) -> ODRLConstraint {
        let make = { NewsODRL.atomicModel("deliveryChannel", "isAnyOf", cs.map { .iri(NewsODRL.channelIRI($0)) }, list: true) }
        guard let key = Self.listKey(2, cs) else { return make() }
        return Self.remember(&lists, key, make)
    }

    /// `percentage lteq <limit>`, or `(extent eq whole) or (percentage lteq <limit>)` when whole uses
    /// are allowed too (they are not limited by the portion).
    func portion(_ limit: Double, orWhole: Bool) -> ODRLConstraint {
        Self.remember(&portions, PortionKey(bits: limit.bitPattern, orWhole: orWhole)) {
            let c = NewsODRL.atomicModel("percentage", "lteq", [.number(limit)], list: false)
            guard orWhole else { return c }
            let isWhole = NewsODRL.atomicModel(NewsODRL.extentOperand, "eq", [.iri(NewsODRL.extentIRI(.whole))], list: false)
            return .logical(ODRLLogicalConstraint(.or, [isWhole, c]))
        }
    }

    /// `spatial isAnyOf [country IRIs]` of a territory set (cached with the built-in table only).
    func territories(_ set: TerritorySet, table: TerritoryTable) -> ODRLConstraint {
        let make = { NewsODRL.atomicModel("spatial", "isAnyOf", NewsODRL.territoryLiterals(set, table: table), list: true) }
        guard table.codes == TerritoryTable.builtin.codes else { return make() }  // same storage: one pointer compare
        return Self.remember(&territories, set, make)
    }

    /// `delayPeriod gteq|lt <e>` (xsd:duration), by the duration as written (its `description`).
    func embargo(_ e: ISODuration, lt: Bool) -> ODRLConstraint {
        let text = e.description
        return Self.remember(&embargoes, EmbargoKey(text: text, lt: lt)) {
            NewsODRL.atomicModel("delayPeriod", lt ? "lt" : "gteq", [.typed(text, datatype: "xsd:duration")], list: false)
        }
    }

    private var targetLists: [UInt64: [ODRLEntity]] = [:]

    /// The target list of asset kinds (one asset collection each, in order).
    func targets(_ kinds: [AssetKind]) -> [ODRLEntity] {
        guard let key = Self.listKey(3, kinds) else { return kinds.map(NewsODRL.assetTarget) }
        if let t = targetLists[key] { return t }
        let t = kinds.map(NewsODRL.assetTarget)
        if targetLists.count >= Self.limit { targetLists.removeAll(keepingCapacity: true) }
        targetLists[key] = t
        return t
    }

    private var durations: [String: Bool] = [:]

    /// Whether the engine reads the duration back from its text (``ISOTime/parseDuration(_:)``), by text.
    func readsBack(_ e: ISODuration) -> Bool {
        let text = e.description
        if let known = durations[text] { return known }
        let ok = ISOTime.parseDuration(text) != nil
        if durations.count >= Self.limit { durations.removeAll(keepingCapacity: true) }
        durations[text] = ok
        return ok
    }

    /// `count lteq <n>`.
    func quota(_ n: Int) -> ODRLConstraint {
        Self.remember(&quotas, n) { NewsODRL.atomicModel("count", "lteq", [.number(Double(n))], list: false) }
    }
}

extension NewsODRL {
    /// The territory IRIs of the built-in table, made once (a grant's list is built from them, not
    /// by formatting an IRI per country per agreement).
    static let builtinTerritoryIRIs: [String: ODRLLiteral] = {
        var out: [String: ODRLLiteral] = [:]
        for c in TerritoryTable.builtin.codes { out[c] = .iri(territoryIRI(c)) }
        return out
    }()

    /// A territory set's IRI list: with the built-in table, made once per distinct set and shared
    /// (one array, retained by every agreement that has it) instead of ~250 dictionary look-ups and
    /// an array per grant; a workload has a few dozen distinct lists.
    static func territoryLiterals(_ set: TerritorySet, table: TerritoryTable) -> [ODRLLiteral] {
        let builtin = table.codes == TerritoryTable.builtin.codes  // same storage: one pointer compare
        if builtin, let kept = territoryListCache.withLock({ $0[set] }) { return kept }
        let made = table.codes(in: set).map { builtinTerritoryIRIs[$0] ?? .iri(territoryIRI($0)) }
        if builtin { territoryListCache.withLock { if $0.count < 4096 { $0[set] = made } } }
        return made
    }
    static let territoryListCache = Locked<[TerritorySet: [ODRLLiteral]]>([:])

    /// One target entity per asset kind, made once (their IRIs are shared, not formatted per rule).
    static let assetTargetEntities: [ODRLEntity] = AssetKind.allCases.map { ODRLEntity(assetKindIRI($0), type: "AssetCollection") }
    static func assetTarget(_ k: AssetKind) -> ODRLEntity { assetTargetEntities[k.index] }
    static func assetTargets(_ d: Dimension<AssetKind>) -> [ODRLEntity] {
        if case .only(let kinds) = d { return NewsModelCache.current.targets(kinds) }
        return []
    }
}

extension Duty {
    /// The ODRL action a duty is written with in a compiled agreement (`attribute`, `clr:link`...).
    var odrlActionName: String {
        switch action {
        case .attribute: "attribute"
        case .inform: "inform"
        case .compensate: "compensate"
        case .watermark: "watermark"
        default: "clr:\(action.rawValue)"
        }
    }
}
