/// Policies validated and compiled once, ready to evaluate many requests: the ODRL engine.
///
/// ```swift
/// let set = try ODRLPolicySet(policies)                 // validates; throws DiagnosticError
/// let d = set.evaluate(request, state: world)           // pure: time comes from request.context
/// d.outcome                                             // .permit / .deny / .notApplicable
/// ```
/// Evaluation is pure and deterministic: no clock, no I/O; the same inputs give the same decision.
/// A policy with validation errors is never compiled. Whatever the engine cannot interpret (an
/// extension operator, a missing context value) makes a constraint *unknown*: a permission with an
/// unknown constraint is not in force, while a prohibition or a duty with one is taken to apply
/// (fail closed), and the trace says why.
public struct ODRLPolicySet: Sendable {
    /// The policies as given.
    public let policies: [ODRLPolicy]
    /// Warnings found while validating (errors make the initialiser throw).
    public let warnings: [Diagnostic]
    public let options: ODRLEvaluationOptions

    let compiled: [CompiledPolicy]
    let actions: ActionTable
    /// How many trace entries an evaluation can produce (to size its buffer once).
    let ruleCount: Int
    /// Request action spelling -> canonical name and broader-action ids.
    let requestActions: [String: (String, [Int32])]

    /// Validates and compiles `policies`. Throws every validation error (with JSON paths under
    /// `$.policies[i]`) when any policy is invalid: an invalid policy is never used for a decision.
    public init(_ policies: [ODRLPolicy], options: ODRLEvaluationOptions = .standard) throws(DiagnosticError) {
        var diags: [Diagnostic] = []
        for (i, p) in policies.enumerated() {
            diags += ODRLValidator.validate(p, path: "$.policies[\(i)]")
        }
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty { throw DiagnosticError(errors) }
        self.policies = policies
        self.warnings = diags
        self.options = options
        var compiler = Compiler()
        self.compiled = policies.enumerated().map { compiler.policy($1, index: $0) }
        self.actions = compiler.table
        self.requestActions = compiler.table.spellings()
        self.ruleCount = compiled.reduce(0) { n, p in
            n + p.permissions.reduce(0) { $0 + 1 + $1.duties.count } + p.prohibitions.count + p.obligations.count
        }
    }

    /// Convenience: validates, compiles and evaluates once.
    public static func evaluate(_ policies: [ODRLPolicy], request: ODRLRequest, state: ODRLWorldState = .empty,
                                options: ODRLEvaluationOptions = .standard) throws(DiagnosticError) -> ODRLDecision {
        try ODRLPolicySet(policies, options: options).evaluate(request, state: state)
    }

    /// Decides `request` in `state`, with the rule-level trace.
    ///
    /// With `explain: false` the trace keeps every rule's match, activation and deontic state but
    /// its `why` sentences are empty: the fast path for batch decisions that only look at states.
    public func evaluate(_ request: ODRLRequest, state: ODRLWorldState = .empty, explain: Bool = true) -> ODRLDecision {
        var ev = Evaluation(set: self, request: request, state: state, explain: explain)
        return ev.run()
    }

    /// Decides `request` and returns only the outcome (no trace sentences).
    public func outcome(_ request: ODRLRequest, state: ODRLWorldState = .empty) -> ODRLDecision.Outcome {
        var ev = Evaluation(set: self, request: request, state: state, explain: false)
        return ev.run().outcome
    }
}

// MARK: - Compiled form

/// Interned action names with their precomputed broader actions (the transitive `includedIn` closure).
struct ActionTable: Sendable {
    var ids: [String: Int32] = [:]
    var names: [String] = []
    /// For each action id: the ids of itself and every action it is included in.
    var broader: [[Int32]] = []

    /// Starts from the ODRL vocabulary's actions, interned once per process.
    ///
    /// Profile (callgrind): building this table (~50 actions, their closures and ~150 spellings)
    /// for every `ODRLPolicySet` was about a third of compiling a news agreement, which makes a
    /// couple of dozen small sets. Copying the shared table is O(1) (copy-on-write); a set that
    /// interns an extension action copies it then.
    init() { self = ActionTable.vocabulary }

    private init(interningVocabulary: Void) {
        for a in ODRLVocabulary.includedIn.keys.sorted() { _ = intern(a) }
        for a in ODRLVocabulary.topActions.sorted() { _ = intern(a) }
    }

    private static let vocabulary = ActionTable(interningVocabulary: ())
    private static let vocabularySpellings = vocabulary.computeSpellings()

    mutating func intern(_ name: String) -> Int32 {
        if let id = ids[name] { return id }
        let id = Int32(names.count)
        ids[name] = id
        names.append(name)
        broader.append([id])
        let chain = ODRLVocabulary.broaderActions(of: name).dropFirst().map { intern($0) }
        broader[Int(id)] += chain
        return id
    }

    /// Broader-action ids of a request's action (canonical), including itself.
    func broaderIDs(of name: String) -> [Int32]? {
        ids[name].map { broader[Int($0)] }
    }

    /// Every spelling of the interned actions (`read`, `odrl:read`, the full IRI, deprecated
    /// terms such as `write`) -> (canonical name, broader-action ids): one lookup per request.
    func spellings() -> [String: (String, [Int32])] {
        // The vocabulary alone (the usual case): its spellings are computed once per process.
        if names.count == ActionTable.vocabulary.names.count { return ActionTable.vocabularySpellings }
        return computeSpellings()
    }

    private func computeSpellings() -> [String: (String, [Int32])] {
        var out: [String: (String, [Int32])] = [:]
        for (name, id) in ids {
            let entry = (name, broader[Int(id)])
            out[name] = entry
            if ODRLVocabulary.isODRLAction(name) {
                out["odrl:" + name] = entry
                out[ODRLVocabulary.namespace + name] = entry
            }
        }
        for (old, new) in ODRLVocabulary.deprecatedActions {
            if let id = ids[new] {
                let entry = (new, broader[Int(id)])
                out[old] = entry
                out["odrl:" + old] = entry
                out[ODRLVocabulary.namespace + old] = entry
            }
        }
        return out
    }
}

struct CompiledPolicy: Sendable {
    var ref: String
    var conflict: ODRLConflictStrategy
    /// Why its permissions grant nothing (a `Request` asks for them, an `Assertion` only states them), or nil.
    var grantsNothing: String?
    var permissions: [CompiledRule]
    var prohibitions: [CompiledRule]
    var obligations: [CompiledRule]
}

struct CompiledEntity: Sendable {
    var uid: String
    /// The uid expanded with the policy's `@context` prefixes, when that changes it.
    var expanded: String?
    /// A collection's `source` (members may be listed under it instead of the collection's uid).
    var source: String?
    var refinements: [CompiledConstraint]
}

struct CompiledRule: Sendable {
    var ref: String
    var kind: ODRLRuleKind
    /// nil: any action.
    var action: Int32?
    var actionName: String
    var actionRefinements: [CompiledConstraint]
    /// nil: any target / any assignee.
    var targets: [CompiledEntity]?
    var assignees: [CompiledEntity]?
    var constraints: [CompiledConstraint]
    var duties: [CompiledRule]
    var consequences: [CompiledRule]
    /// Words for the rule: "permission to distribute document/1234".
    var summary: String
}

indirect enum CompiledConstraint: Sendable {
    case atomic(CompiledAtomic)
    case logical(ODRLVocabulary.LogicalOperator, [CompiledConstraint], String)
}

struct CompiledAtomic: Sendable {
    var leftOperand: String
    var op: ODRLVocabulary.Operator?
    var opTerm: String
    var values: [CompiledLiteral]
    var domain: ValueDomain
    var text: String
    /// The right operand and unit in words (`5.00 EUR`).
    var valueText: String
    /// Why it can never be evaluated (extension operator, unresolvable reference), or nil.
    var unevaluable: String?
}

enum CompiledLiteral: Sendable {
    case number(Double)
    case text(String)
    /// An IRI written with a prefix of the policy's `@context`: its full form and its compact form.
    case prefixed(String, compact: String)
}

