/// The ODRL 2.2 policy model as the IPTC RightsML profile uses it for news.
///
/// The model keeps every term as written (so a file round-trips without loss) and offers the
/// canonical reading beside it (`ODRLAction.canonicalName`, `ODRLAtomicConstraint.knownOperator`...).
/// Keys the model does not know (`clr:provenance`, `dct:description`, `@context`...) are kept in
/// `extensions` and written back. Read policies with ``ODRLReader``, write them with ``ODRLWriter``,
/// check them with ``ODRLValidator`` and evaluate them with ``ODRLPolicySet``.
public struct ODRLPolicy: Sendable, Hashable {
    /// The policy class as written (`Set`, `Offer`, `Agreement`, `Policy`...); `Set` when absent.
    public var type: String
    /// The policy's IRI.
    public var uid: String?
    /// `profile` IRIs (RightsML: `http://iptc.org/std/RightsML/2/`).
    public var profiles: [String]
    /// The `conflict` strategy as written (`perm`, `prohibit`, `invalid`); `nil` means `prohibit`.
    public var conflict: String?
    /// `inheritFrom` parent policy IRIs.
    public var inheritFrom: [String]
    /// Policy-level properties that apply to every rule that does not set its own.
    public var assigners: [ODRLEntity]
    public var assignees: [ODRLEntity]
    public var targets: [ODRLEntity]
    public var actions: [ODRLAction]
    public var permissions: [ODRLRule]
    public var prohibitions: [ODRLRule]
    /// Policy-level duties (`obligation`): owed by the assignee, not preconditions of a permission.
    public var obligations: [ODRLRule]
    /// Every other key of the policy object (`@context`, `clr:*`, `dct:*`...), kept for writing back.
    public var extensions: JSONObject
    /// The order the keys were read in, so the writer can keep it (empty: canonical order).
    public var keyOrder: [String]

    public init(
        type: String = "Set", uid: String? = nil, profiles: [String] = [], conflict: String? = nil,
        inheritFrom: [String] = [], assigners: [ODRLEntity] = [], assignees: [ODRLEntity] = [],
        targets: [ODRLEntity] = [], actions: [ODRLAction] = [], permissions: [ODRLRule] = [],
        prohibitions: [ODRLRule] = [], obligations: [ODRLRule] = [], extensions: JSONObject = JSONObject(),
        keyOrder: [String] = []
    ) {
        self.type = type
        self.uid = uid
        self.profiles = profiles
        self.conflict = conflict
        self.inheritFrom = inheritFrom
        self.assigners = assigners
        self.assignees = assignees
        self.targets = targets
        self.actions = actions
        self.permissions = permissions
        self.prohibitions = prohibitions
        self.obligations = obligations
        self.extensions = extensions
        self.keyOrder = keyOrder
    }

    /// The conflict strategy in force (`prohibit` when the policy names none or an unknown one).
    public var conflictStrategy: ODRLConflictStrategy {
        conflict.flatMap { ODRLConflictStrategy(rawValue: ODRLVocabulary.shortName($0)) } ?? .prohibit
    }
}

/// How a policy resolves an active permission and an active prohibition for the same request.
public enum ODRLConflictStrategy: String, Sendable, Hashable, CaseIterable {
    /// Permissions win.
    case perm
    /// Prohibitions win (the default).
    case prohibit
    /// The policy is void: nothing it says can be used, so the request is denied.
    case invalid
}

/// The policy classes of ODRL 2.2 that Clearance accepts.
public enum ODRLPolicyType: String, Sendable, CaseIterable {
    case set = "Set", offer = "Offer", agreement = "Agreement", policy = "Policy"
    case request = "Request", ticket = "Ticket", assertion = "Assertion", privacy = "Privacy"

    /// Reads `Set`, `odrl:Set` or the full IRI.
    public init?(term: String) { self.init(rawValue: ODRLVocabulary.shortName(term)) }
}

/// The kinds of rule: the three ODRL rule classes plus the places a duty can sit.
public enum ODRLRuleKind: String, Sendable, Hashable, CaseIterable {
    case permission, prohibition
    /// A policy-level duty.
    case obligation
    /// A duty of a permission (a precondition).
    case duty
    /// A duty owed when a prohibition is violated.
    case remedy
    /// A duty owed when another duty is not fulfilled.
    case consequence

    /// The JSON-LD key that holds rules of this kind.
    public var key: String { rawValue }
}

/// A permission, prohibition or duty: who may/must (not) do what to which asset, and when.
public struct ODRLRule: Sendable, Hashable {
    public var kind: ODRLRuleKind
    public var uid: String?
    /// The action(s); empty means the rule did not name one (it then inherits the policy's).
    public var actions: [ODRLAction]
    public var targets: [ODRLEntity]
    public var outputs: [ODRLEntity]
    public var assigners: [ODRLEntity]
    public var assignees: [ODRLEntity]
    /// Other party functions (`compensatedParty`, `attributedParty`...), by key.
    public var otherParties: [String: [ODRLEntity]]
    public var constraints: [ODRLConstraint]
    /// Preconditions of a permission.
    public var duties: [ODRLRule]
    /// Duties owed if a prohibition is violated.
    public var remedies: [ODRLRule]
    /// Duties owed if this duty is not fulfilled.
    public var consequences: [ODRLRule]
    public var extensions: JSONObject
    public var keyOrder: [String]

    public init(
        kind: ODRLRuleKind, uid: String? = nil, actions: [ODRLAction] = [], targets: [ODRLEntity] = [],
        outputs: [ODRLEntity] = [], assigners: [ODRLEntity] = [], assignees: [ODRLEntity] = [],
        otherParties: [String: [ODRLEntity]] = [:], constraints: [ODRLConstraint] = [], duties: [ODRLRule] = [],
        remedies: [ODRLRule] = [], consequences: [ODRLRule] = [], extensions: JSONObject = JSONObject(),
        keyOrder: [String] = []
    ) {
        self.kind = kind
        self.uid = uid
        self.actions = actions
        self.targets = targets
        self.outputs = outputs
        self.assigners = assigners
        self.assignees = assignees
        self.otherParties = otherParties
        self.constraints = constraints
        self.duties = duties
        self.remedies = remedies
        self.consequences = consequences
        self.extensions = extensions
        self.keyOrder = keyOrder
    }

    /// The party function keys ODRL 2.2 defines besides `assigner` and `assignee`.
    public static let partyFunctionKeys: [String] = [
        "attributedParty", "attributingParty", "compensatedParty", "compensatingParty", "consentedParty",
        "consentingParty", "contractedParty", "contractingParty", "informedParty", "informingParty",
        "trackedParty", "trackingParty",
    ]
}

/// An action, possibly refined (`print` with `resolution lteq 1200`).
public struct ODRLAction: Sendable, Hashable {
    /// The action term as written: `read`, `odrl:read`, or an extension IRI.
    public var name: String
    /// The action node's IRI (only for a refined action written as an object).
    public var uid: String?
    public var refinements: [ODRLConstraint]
    /// True when the action was written as an object (`{"rdf:value": {"@id": ...}}`).
    public var writtenAsNode: Bool
    public var extensions: JSONObject
    public var keyOrder: [String]

    public init(_ name: String, uid: String? = nil, refinements: [ODRLConstraint] = [], writtenAsNode: Bool? = nil,
                extensions: JSONObject = JSONObject(), keyOrder: [String] = []) {
        self.name = name
        self.uid = uid
        self.refinements = refinements
        self.writtenAsNode = writtenAsNode ?? (!refinements.isEmpty || uid != nil)
        self.extensions = extensions
        self.keyOrder = keyOrder
    }

    /// The canonical action (`write` -> `modify`, `odrl:read` -> `read`), or `nil` if unknown.
    public var canonicalName: String? { ODRLVocabulary.canonicalAction(name) }
}

/// An asset or a party (a single one or a collection), named by IRI and optionally refined.
public struct ODRLEntity: Sendable, Hashable {
    public var uid: String?
    /// `@type` as written (`AssetCollection`, `PartyCollection`, `Party`, `vcard:Organization`...).
    public var type: String?
    /// `source`: where a collection's members are listed.
    public var source: String?
    /// `partOf`: collections this asset or party belongs to.
    public var partOf: [String]
    public var refinements: [ODRLConstraint]
    public var extensions: JSONObject
    public var keyOrder: [String]

    public init(_ uid: String?, type: String? = nil, source: String? = nil, partOf: [String] = [],
                refinements: [ODRLConstraint] = [], extensions: JSONObject = JSONObject(), keyOrder: [String] = []) {
        self.uid = uid
        self.type = type
        self.source = source
        self.partOf = partOf
        self.refinements = refinements
        self.extensions = extensions
        self.keyOrder = keyOrder
    }

    /// True for a `PartyCollection` / `AssetCollection` (or anything refined, which denotes a set).
    public var isCollection: Bool {
        if let t = type.map(ODRLVocabulary.shortName), t == "PartyCollection" || t == "AssetCollection" { return true }
        return !refinements.isEmpty
    }

    /// True when nothing but the IRI is given (written back as a plain string).
    public var isPlainReference: Bool {
        type == nil && source == nil && partOf.isEmpty && refinements.isEmpty && extensions.isEmpty
    }
}

/// An asset: a typealias that names the role.
public typealias ODRLAsset = ODRLEntity
/// A party: a typealias that names the role.
public typealias ODRLParty = ODRLEntity

/// A constraint or refinement: atomic (`dateTime lt 2018-01-01`) or logical (`and`, `or`, `xone`, `andSequence`).
public indirect enum ODRLConstraint: Sendable, Hashable {
    case atomic(ODRLAtomicConstraint)
    case logical(ODRLLogicalConstraint)

    public var uid: String? {
        switch self {
        case .atomic(let a): a.uid
        case .logical(let l): l.uid
        }
    }
}

/// `leftOperand operator rightOperand`, with optional datatype and unit.
public struct ODRLAtomicConstraint: Sendable, Hashable {
    public var uid: String?
    /// As written: `dateTime`, `odrl:spatial`, or an extension IRI / prefixed name.
    public var leftOperand: String
    /// As written: `lt`, `odrl:neq`...
    public var operatorTerm: String
    /// The right operand value(s); empty when `rightOperandReference` is used instead.
    public var rightOperand: [ODRLLiteral]
    /// True when the right operand was written as a JSON array (even of one value).
    public var rightOperandIsList: Bool
    /// `rightOperandReference`: an IRI whose value is the right operand (not resolvable offline).
    public var rightOperandReference: String?
    /// `dataType` as written (`xsd:dateTime`).
    public var dataType: String?
    /// `unit` IRI (`http://dbpedia.org/resource/Euro`).
    public var unit: String?
    /// `status`: the current value of the left operand recorded in the policy (used for counters).
    public var status: JSONValue?
    public var extensions: JSONObject
    public var keyOrder: [String]

    public init(_ leftOperand: String, _ operatorTerm: String, _ rightOperand: [ODRLLiteral], uid: String? = nil,
                rightOperandIsList: Bool? = nil, rightOperandReference: String? = nil, dataType: String? = nil,
                unit: String? = nil, status: JSONValue? = nil, extensions: JSONObject = JSONObject(),
                keyOrder: [String] = []) {
        self.uid = uid
        self.leftOperand = leftOperand
        self.operatorTerm = operatorTerm
        self.rightOperand = rightOperand
        self.rightOperandIsList = rightOperandIsList ?? (rightOperand.count > 1)
        self.rightOperandReference = rightOperandReference
        self.dataType = dataType
        self.unit = unit
        self.status = status
        self.extensions = extensions
        self.keyOrder = keyOrder
    }

    /// The ODRL operator, or `nil` for an unknown or extension one.
    public var knownOperator: ODRLVocabulary.Operator? { ODRLVocabulary.op(operatorTerm) }
    /// The canonical left operand name (`odrl:spatial` -> `spatial`), or `nil` if unknown.
    public var canonicalLeftOperand: String? { ODRLVocabulary.canonicalLeftOperand(leftOperand) }
}

/// `and` / `or` / `xone` / `andSequence` over other constraints.
public struct ODRLLogicalConstraint: Sendable, Hashable {
    public var uid: String?
    public var op: ODRLVocabulary.LogicalOperator
    public var operands: [ODRLConstraint]
    public var extensions: JSONObject
    public var keyOrder: [String]

    public init(_ op: ODRLVocabulary.LogicalOperator, _ operands: [ODRLConstraint], uid: String? = nil,
                extensions: JSONObject = JSONObject(), keyOrder: [String] = []) {
        self.uid = uid
        self.op = op
        self.operands = operands
        self.extensions = extensions
        self.keyOrder = keyOrder
    }
}

/// One value of a right operand: a plain string, a typed literal, an IRI, a JSON number or boolean.
public enum ODRLLiteral: Sendable, Hashable, CustomStringConvertible {
    /// An untyped (or `xsd:string`) literal.
    case string(String)
    /// `{"@value": "2018-01-01", "@type": "xsd:date"}`.
    case typed(String, datatype: String)
    /// `{"@id": "http://cvx.iptc.org/iso3166-1a3/DEU"}`.
    case iri(String)
    case number(Double)
    case bool(Bool)
    /// `{"@value": "Nachrichten", "@language": "de"}`.
    case languageTagged(String, language: String)

    /// The value as text, for messages and string comparison.
    public var lexical: String {
        switch self {
        case .string(let s), .typed(let s, _), .iri(let s), .languageTagged(let s, _): s
        case .number(let d): JSONValue.formatNumber(d)
        case .bool(let b): b ? "true" : "false"
        }
    }

    public var description: String { lexical }
}
