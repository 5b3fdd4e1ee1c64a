/// The ODRL 2.2 vocabulary terms Clearance understands: actions (with their hierarchy),
/// operators, left operands, policy types and conflict strategies.
///
/// Short names (`read`), prefixed names (`odrl:read`) and full IRIs
/// (`http://www.w3.org/ns/odrl/2/read`) of ODRL terms all normalise to the short name.
/// Anything else that is a full IRI or a prefixed name (`ex:dayOfWeek`, `cc:Attribution`) is an
/// *extension* term: allowed in a policy, evaluated conservatively.
public enum ODRLVocabulary {
    /// The ODRL 2.2 namespace.
    public static let namespace = "http://www.w3.org/ns/odrl/2/"

    /// True for the profiles Clearance implements: IPTC RightsML (any of its published IRIs) and
    /// Clearance's own `urn:clearance:` profiles. ODRL 2.2: a policy whose profile is not understood
    /// must not be processed.
    public static func isSupportedProfile(_ iri: String) -> Bool {
        iri.lowercased().contains("iptc.org/std/rightsml") || iri.hasPrefix("urn:clearance:")
    }

    /// Removes the `odrl:` prefix or the ODRL namespace from a term, if it has one.
    public static func shortName(_ term: String) -> String {
        if term.hasPrefix("odrl:") { return String(term.dropFirst(5)) }
        if term.hasPrefix(namespace) { return String(term.dropFirst(namespace.count)) }
        return term
    }

    /// True when `term` is a full IRI (`scheme:...` with `//` or `urn:`) or a prefixed name (`ex:thing`).
    public static func isExtensionTerm(_ term: String) -> Bool {
        guard let colon = term.firstIndex(of: ":"), colon != term.startIndex else { return false }
        let prefix = term[term.startIndex..<colon]
        guard prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }),
              prefix.first!.isLetter else { return false }
        let rest = term[term.index(after: colon)...]
        return !rest.isEmpty && !rest.contains(" ")
    }

    /// Expands the common prefixes used in ODRL documents (`cc:`, `odrl:`), for comparing terms.
    public static func expand(_ term: String) -> String {
        if term.hasPrefix("odrl:") { return namespace + term.dropFirst(5) }
        if term.hasPrefix("cc:") { return "http://creativecommons.org/ns#" + term.dropFirst(3) }
        return term
    }

    // MARK: Actions

    /// `includedIn` relations of the ODRL 2.2 vocabulary (action -> broader actions).
    public static let includedIn: [String: [String]] = [
        "acceptTracking": ["use"], "aggregate": ["use"], "annotate": ["use"], "anonymize": ["use"],
        "archive": ["use"], "attribute": ["use"], "compensate": ["use"], "concurrentUse": ["use"],
        "delete": ["use"], "derive": ["use"], "digitize": ["use"], "display": ["play"],
        "distribute": ["use"], "ensureExclusivity": ["use"], "execute": ["use"], "extract": ["reproduce"],
        "give": ["transfer"], "grantUse": ["use"],
        "http://creativecommons.org/ns#Attribution": ["use"], "http://creativecommons.org/ns#CommercialUse": ["use"],
        "http://creativecommons.org/ns#DerivativeWorks": ["use"], "http://creativecommons.org/ns#Distribution": ["use"],
        "http://creativecommons.org/ns#Notice": ["use"], "http://creativecommons.org/ns#Reproduction": ["use"],
        "http://creativecommons.org/ns#ShareAlike": ["use"], "http://creativecommons.org/ns#Sharing": ["use"],
        "http://creativecommons.org/ns#SourceCode": ["use"],
        "include": ["use"], "index": ["use"], "inform": ["use"], "install": ["use"], "modify": ["use"],
        "move": ["use"], "nextPolicy": ["use"], "obtainConsent": ["use"], "play": ["use"], "present": ["use"],
        "print": ["use"], "read": ["use"], "reproduce": ["use"], "reviewPolicy": ["use"], "sell": ["transfer"],
        "stream": ["use"], "synchronize": ["use"], "textToSpeech": ["use"], "transform": ["use"],
        "translate": ["use"], "uninstall": ["use"], "watermark": ["use"],
    ]

    /// Deprecated action terms and their `skos:exactMatch` replacement.
    public static let deprecatedActions: [String: String] = [
        "append": "modify", "appendTo": "modify", "copy": "reproduce", "export": "transform",
        "license": "grantUse", "pay": "compensate", "write": "modify", "writeTo": "modify",
    ]

    /// The top-level actions (included in nothing).
    public static let topActions: Set<String> = ["use", "transfer"]

    /// Every action name Clearance knows, current and deprecated.
    public static let knownActions: Set<String> =
        Set(includedIn.keys).union(topActions).union(deprecatedActions.keys)

    /// The canonical name of an action term: short ODRL name (deprecated terms replaced), or the
    /// term itself when it is an extension IRI. `nil` when it is neither an ODRL action nor an IRI.
    public static func canonicalAction(_ term: String) -> String? {
        let s = shortName(term)
        if let replacement = deprecatedActions[s] { return replacement }
        if includedIn[s] != nil || topActions.contains(s) { return s }
        let expanded = expand(term)
        if includedIn[expanded] != nil { return expanded }
        if isExtensionTerm(term) { return expanded }
        return nil
    }

    /// True when `action` (canonical) is an ODRL 2.2 action (not an extension).
    public static func isODRLAction(_ action: String) -> Bool {
        includedIn[action] != nil || topActions.contains(action)
    }

    /// Every action `action` is included in, itself first, transitively.
    public static func broaderActions(of action: String) -> [String] {
        var out = [action]
        var i = 0
        while i < out.count {
            for b in includedIn[out[i]] ?? [] where !out.contains(b) { out.append(b) }
            i += 1
        }
        return out
    }

    // MARK: Operators, left operands

    /// The left operands of the ODRL 2.2 vocabulary.
    public static let knownLeftOperands: Set<String> = [
        "absolutePosition", "absoluteSpatialPosition", "absoluteTemporalPosition", "absoluteSize", "count",
        "dateTime", "delayPeriod", "deliveryChannel", "elapsedTime", "event", "fileFormat", "industry",
        "language", "media", "meteredTime", "payAmount", "percentage", "product", "purpose", "recipient",
        "relativePosition", "relativeSpatialPosition", "relativeTemporalPosition", "relativeSize",
        "resolution", "spatial", "spatialCoordinates", "systemDevice", "timeInterval", "unitOfCount",
        "version", "virtualLocation",
    ]

    /// Deprecated left operand terms and their replacement.
    public static let deprecatedLeftOperands: [String: String] = ["device": "systemDevice", "system": "systemDevice"]

    /// Left operands whose values are points in time.
    public static let temporalLeftOperands: Set<String> = ["dateTime"]
    /// Left operands whose values are durations (`xsd:duration`, e.g. `P30D`).
    public static let durationLeftOperands: Set<String> = ["elapsedTime", "delayPeriod", "meteredTime", "timeInterval"]
    /// Left operands whose values are numbers.
    public static let numericLeftOperands: Set<String> = [
        "count", "percentage", "payAmount", "resolution", "absoluteSize", "relativeSize", "absolutePosition",
        "relativePosition", "absoluteTemporalPosition", "relativeTemporalPosition", "version",
    ]

    /// The canonical name of a left operand, or `nil` when it is neither ODRL nor an extension IRI.
    public static func canonicalLeftOperand(_ term: String) -> String? {
        let s = shortName(term)
        if let r = deprecatedLeftOperands[s] { return r }
        if knownLeftOperands.contains(s) { return s }
        if isExtensionTerm(term) { return term }
        return nil
    }

    /// The operators of ODRL 2.2.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case eq, neq, lt, lteq, gt, gteq, isA, hasPart, isPartOf, isAllOf, isAnyOf, isNoneOf

        /// True for `lt lteq gt gteq` (they need ordered values).
        public var isOrdering: Bool { self == .lt || self == .lteq || self == .gt || self == .gteq }
        /// True for the set-based operators (`isA hasPart isPartOf isAllOf isAnyOf isNoneOf`).
        public var isSetBased: Bool { !isOrdering && self != .eq && self != .neq }

        /// The words a rights manager reads (`is before`, `is one of`...).
        public var words: String {
            switch self {
            case .eq: "is"
            case .neq: "is not"
            case .lt: "is less than"
            case .lteq: "is at most"
            case .gt: "is more than"
            case .gteq: "is at least"
            case .isA: "is a"
            case .hasPart: "includes"
            case .isPartOf: "is within"
            case .isAllOf: "is all of"
            case .isAnyOf: "is one of"
            case .isNoneOf: "is none of"
            }
        }
    }

    /// The operator for a term (`eq`, `odrl:eq`, the full IRI), or `nil` for an unknown one.
    public static func op(_ term: String) -> Operator? { Operator(rawValue: shortName(term)) }

    /// The logical constraint operators.
    public enum LogicalOperator: String, Sendable, Hashable, CaseIterable {
        case and, or, xone, andSequence

        public var words: String {
            switch self {
            case .and: "all of"
            case .or: "at least one of"
            case .xone: "exactly one of"
            case .andSequence: "all of, in this order,"
            }
        }
    }

    /// The XML Schema datatypes Clearance reads, by prefixed name.
    public static let knownDataTypes: Set<String> = [
        "xsd:string", "xsd:date", "xsd:dateTime", "xsd:dateTimeStamp", "xsd:integer", "xsd:decimal",
        "xsd:double", "xsd:float", "xsd:int", "xsd:long", "xsd:short", "xsd:nonNegativeInteger",
        "xsd:positiveInteger", "xsd:nonPositiveInteger", "xsd:negativeInteger", "xsd:unsignedInt",
        "xsd:unsignedLong", "xsd:boolean", "xsd:duration", "xsd:dayTimeDuration", "xsd:yearMonthDuration",
        "xsd:anyURI", "xsd:language", "xsd:token", "xsd:normalizedString", "xsd:time",
    ]

    /// Normalises a datatype IRI to its `xsd:` prefixed name.
    public static func normalizedDataType(_ t: String) -> String {
        let ns = "http://www.w3.org/2001/XMLSchema#"
        if t.hasPrefix(ns) { return "xsd:" + t.dropFirst(ns.count) }
        return t
    }

    /// Whether a datatype holds numbers.
    public static func isNumericDataType(_ t: String) -> Bool {
        ["xsd:integer", "xsd:decimal", "xsd:double", "xsd:float", "xsd:int", "xsd:long", "xsd:short",
         "xsd:nonNegativeInteger", "xsd:positiveInteger", "xsd:nonPositiveInteger", "xsd:negativeInteger",
         "xsd:unsignedInt", "xsd:unsignedLong"].contains(t)
    }

    /// Whether a datatype holds whole numbers only.
    public static func isIntegerDataType(_ t: String) -> Bool {
        isNumericDataType(t) && !["xsd:decimal", "xsd:double", "xsd:float"].contains(t)
    }

    /// Whether a datatype holds points in time.
    public static func isTemporalDataType(_ t: String) -> Bool {
        t == "xsd:date" || t == "xsd:dateTime" || t == "xsd:dateTimeStamp"
    }

    /// Whether a datatype holds durations.
    public static func isDurationDataType(_ t: String) -> Bool {
        t == "xsd:duration" || t == "xsd:dayTimeDuration" || t == "xsd:yearMonthDuration"
    }
}
