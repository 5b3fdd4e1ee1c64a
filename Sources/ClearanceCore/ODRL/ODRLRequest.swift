/// A value of a left operand at evaluation time (the request's context): the time, the place,
/// the channel, a count...
public enum ODRLValue: Sendable, Hashable, CustomStringConvertible {
    /// A text or IRI (`http://cvx.iptc.org/iso3166-1a3/DEU`, `web`, `Tuesday`).
    case text(String)
    case number(Double)
    /// A point in time, seconds since 1970-01-01T00:00:00Z.
    case time(Double)
    /// A duration in seconds.
    case duration(Double)
    case bool(Bool)
    /// Several values (the request is in all of them: several languages, several purposes...).
    case list([ODRLValue])

    /// Reads a JSON context value: strings stay text (read as times or durations when a
    /// constraint compares them so), numbers stay numbers, arrays become lists; `null` is no value.
    public init?(json: JSONValue) {
        switch json {
        case .null, .object: return nil
        case .string(let s): self = .text(s)
        case .number(let d): self = .number(d)
        case .bool(let b): self = .bool(b)
        case .array(let a): self = .list(a.compactMap(ODRLValue.init(json:)))
        }
    }

    /// The value as a rights manager reads it.
    public var description: String {
        switch self {
        case .text(let s): s
        case .number(let d): JSONValue.formatNumber(d)
        case .time(let t): ISOTime.format(t)
        case .duration(let d): "\(JSONValue.formatNumber(d)) seconds"
        case .bool(let b): b ? "true" : "false"
        case .list(let l): l.map(\.description).joined(separator: ", ")
        }
    }

    /// The single values this value stands for (a list's members, or itself).
    var members: [ODRLValue] { if case .list(let l) = self { l } else { [self] } }
}

/// The values of left operands for one evaluation, keyed by the left operand's canonical name
/// (`dateTime`, `spatial`, or an extension's IRI / prefixed name as the policy writes it).
public struct ODRLContext: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public private(set) var values: [String: ODRLValue] = [:]

    public init() {}
    public init(_ values: [String: ODRLValue]) {
        for (k, v) in values { self[k] = v }
    }
    public init(dictionaryLiteral elements: (String, ODRLValue)...) {
        for (k, v) in elements { self[k] = v }
    }

    /// Reads a JSON object of context values (`{"dateTime": "2017-12-19T15:00:00", "resolution": 1000}`).
    public init(json: JSONObject) {
        for (k, v) in json { if let value = ODRLValue(json: v) { self[k] = value } }
    }

    /// The value of a left operand (`odrl:spatial`, `spatial` and the full IRI are the same key).
    public subscript(leftOperand: String) -> ODRLValue? {
        get { values[ODRLContext.key(leftOperand)] }
        set { values[ODRLContext.key(leftOperand)] = newValue }
    }

    /// The time of the evaluation, when the context gives one (`dateTime`).
    public var dateTime: Double? {
        switch self["dateTime"] {
        case .time(let t): t
        case .text(let s): ISOTime.parseDateTime(s)
        case .number(let d): d
        default: nil
        }
    }

    static func key(_ term: String) -> String {
        let s = ODRLVocabulary.shortName(term)
        if let r = ODRLVocabulary.deprecatedLeftOperands[s] { return r }
        return s
    }
}

/// A request to evaluate: may this party perform this action on this asset?
public struct ODRLRequest: Sendable, Hashable {
    /// The requesting party's IRI (`nil` when the request names none).
    public var assignee: String?
    /// The action: a short ODRL name (`reproduce`), `odrl:` name, or an extension IRI.
    public var action: String
    /// The asset's IRI (`nil` when the request names none).
    public var target: String?
    /// The values of left operands now (time, place, channel...).
    public var context: ODRLContext
    /// Rule-scoped values: top-level rule id (uid or JSON pointer) -> values that hold for that rule
    /// (and its duties) only, over `context`. For a left operand whose value depends on the rule
    /// asking, such as `count` when each permission counts its own uses.
    public var ruleValues: [String: ODRLContext]

    public init(assignee: String?, action: String, target: String?, context: ODRLContext = ODRLContext(),
                ruleValues: [String: ODRLContext] = [:]) {
        self.assignee = assignee
        self.action = action
        self.target = target
        self.context = context
        self.ruleValues = ruleValues
    }
}

/// Whether a duty has been performed, as recorded in the state of the world.
public enum ODRLDutyState: String, Sendable, Hashable, CaseIterable {
    case fulfilled = "Fulfilled"
    case violated = "Violated"
    /// Nothing recorded yet.
    case notSet = "NotSet"
}

/// The state of the world apart from the request: collection memberships and duty states.
public struct ODRLWorldState: Sendable, Hashable {
    /// Party collection IRI -> member party IRIs.
    public var partyCollections: [String: Set<String>]
    /// Asset collection IRI -> member asset IRIs.
    public var assetCollections: [String: Set<String>]
    /// Duty id (its `uid`, or its JSON pointer `#/policies/0/permission/0/duty/0`) -> state.
    public var duties: [String: ODRLDutyState]

    public init(partyCollections: [String: Set<String>] = [:], assetCollections: [String: Set<String>] = [:],
                duties: [String: ODRLDutyState] = [:]) {
        self.partyCollections = partyCollections
        self.assetCollections = assetCollections
        self.duties = duties
    }

    /// An empty world: no memberships, no duty performed.
    public static let empty = ODRLWorldState()
}

/// Choices that change how the engine reads policies; the defaults follow the ODRL 2.2 Information Model.
public struct ODRLEvaluationOptions: Sendable, Hashable {
    /// How a permission's duty that applies but has no recorded state (`NotSet`) counts.
    public enum PendingDuties: String, Sendable, Hashable {
        /// It blocks the permission until fulfilled (ODRL 2.2 IM: "if all duties are fulfilled"; W3C C1-1). Default.
        case block
        /// It does not block; the permit lists it as owed ("permit with duties"). Only `Violated` blocks.
        case allow
    }

    public var pendingDuties: PendingDuties

    public init(pendingDuties: PendingDuties = .block) {
        self.pendingDuties = pendingDuties
    }

    public static let standard = ODRLEvaluationOptions()
}
