#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// The policies as given (empty when compiled with `keepPolicies: false`: the evaluator reads
    /// only the compiled form).
    public let policies: [ODRLPolicy]
    /// Warnings found while validating (errors make the initialiser throw).
    public let warnings: [Diagnostic]
    public let options: ODRLEvaluationOptions

    /// The compiled form, behind one reference: an evaluation holds it (and copies of the set are
    /// cheap) without retaining each of its tables.
    let core: SetCore
    /// The shared interning table this set was compiled against (see ``ODRLTerms``).
    public var terms: ODRLTerms { core.terms }
    var compiled: [CompiledPolicy] { core.compiled }

    /// Validates and compiles `policies`. Throws every validation error (with JSON paths under
    /// `$.policies[i]`) when any policy is invalid: an invalid policy is never used for a decision.
    ///
    /// `terms` is an interning table shared by many sets (see ``ODRLTerms``): a request lowered once
    /// with it (``ODRLInput``) can then be evaluated against each of them without any string work.
    ///
    /// `neverApplicableRules: .warning` keeps a rule whose constraints can never hold together
    /// (`odrl.contradictory_constraints`) as a warning instead of refusing the policy: the rule is
    /// compiled like any other and is simply never in force, each of its constraints evaluated (and
    /// reported failing) on its own. For policies built from data that is legal but can never apply
    /// (a news agreement signed after its term ended); a hand-written policy keeps the error.
    ///
    /// `keepPolicies: false` does not keep the model (``policies`` is then empty): nothing in an
    /// evaluation reads it, and a process that holds thousands of compiled sets (a news agreement
    /// each) would otherwise keep every rule, entity and extension twice (bench/PROFILE.md, "Size of
    /// a prepared agreement").
    ///
    /// `validated: false` skips the validator, for policies that are valid by construction (a news
    /// agreement's model, built from a validated `Agreement`: a property test runs the validator on
    /// every such model, bench/PROFILE.md "Preparing an agreement"); validation was ~40% of preparing
    /// one. Never pass it for a policy read from outside: an invalid policy must not be compiled.
    public init(_ policies: [ODRLPolicy], options: ODRLEvaluationOptions = .standard, terms: ODRLTerms = .empty,
                neverApplicableRules: Diagnostic.Severity = .error, keepPolicies: Bool = true,
                validated: Bool = true) throws(DiagnosticError) {
        try self.init(policies, options: options, terms: terms, neverApplicableRules: neverApplicableRules,
                      keepPolicies: keepPolicies, validated: validated, client: [])
    }

    /// ``init(_:options:terms:neverApplicableRules:keepPolicies:validated:)`` keeping `client`, plain
    /// data of the caller's, in the set's block right after its header (``ODRLBlock/client``): a
    /// caller that reads its own data about the set on every pass (the news layer: grants and
    /// restrictions) finds it in the cache lines the pass reads anyway.
    ///
    /// `rebuildWords`: the set keeps no words (traces, rule refs) and compiles them again from what
    /// this returns, which must be the policies it is given (or policies that compile to the same
    /// records), the first time they are needed (see ``SetCore``). `policies` may then leave out what
    /// only the words read (rule uids).
    init(_ policies: [ODRLPolicy], options: ODRLEvaluationOptions = .standard, terms: ODRLTerms = .empty,
         neverApplicableRules: Diagnostic.Severity = .error, keepPolicies: Bool = true,
         validated: Bool = true, client: [UInt8], rebuildWords: (@Sendable () -> [ODRLPolicy])? = nil) throws(DiagnosticError) {
        var diags: [Diagnostic] = []
        for (i, p) in policies.enumerated() where validated {
            diags += ODRLValidator.validate(p, path: "$.policies[\(i)]")
        }
        if neverApplicableRules != .error {
            for k in diags.indices where diags[k].code == "odrl.contradictory_constraints" { diags[k].severity = neverApplicableRules }
        }
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty { throw DiagnosticError(errors) }
        self.policies = keepPolicies ? policies : []
        self.warnings = diags
        self.options = options
        var compiler = Compiler(terms: terms)
        compiler.makeWords = rebuildWords == nil
        self.core = SetCore(compiler.compile(policies), options: options, terms: terms, client: client, rebuildWords: rebuildWords)
    }

    /// A set from a form compiled without words by a caller that builds the records itself from
    /// data valid by construction (the news layer: ``PreparedAgreement/compileDirect(_:)``), equal
    /// to what ``Compiler/compile(_:)`` gives for `rebuildWords()`'s policies with ``Compiler/makeWords``
    /// off (a test compares the two forms). Nothing is validated: the same contract as `validated: false`.
    init(compiled form: CompiledForm, options: ODRLEvaluationOptions, terms: ODRLTerms, client: [UInt8],
         rebuildWords: @escaping @Sendable () -> [ODRLPolicy]) {
        self.policies = []
        self.warnings = []
        self.options = options
        self.core = SetCore(form, options: options, terms: terms, client: client, rebuildWords: rebuildWords)
    }

    /// The same, from a form read in place at `form` (not copied: a caller that keeps a form to reuse its
    /// arrays, e.g. the news layer's direct compiler).
    init(compiled form: UnsafePointer<CompiledForm>, options: ODRLEvaluationOptions, terms: ODRLTerms, client: [UInt8],
         rebuildWords: @escaping @Sendable () -> [ODRLPolicy]) {
        self.policies = []
        self.warnings = []
        self.options = options
        self.core = SetCore(form.pointee, options: options, terms: terms, client: client, rebuildWords: rebuildWords)
    }

    /// Number of top-level rules (each policy's permissions, then its prohibitions): the length of
    /// ``ruleResults(_:state:into:)``'s answer.
    public var topLevelRuleCount: Int { core.flatCount }

    /// Whether any rule names a party (an assignee): if not, no evaluation reads the request's party.
    public var namesParties: Bool { core.namesParties }

    /// Whether some constraint reads the left operand in `slot` (``ODRLTerms/slot(_:)``): if not, its
    /// value (or a rule-scoped value for it) changes no answer, and need not be given.
    public func reads(slot: Int) -> Bool {
        guard slot >= 0 else { return false }
        return core.slotsRead & (1 << UInt64(min(slot, 63))) != 0
    }

    /// The flat index of a top-level rule (by its uid or JSON pointer), as ``ruleResults(_:state:into:)`` orders them.
    public func ruleIndex(of ref: String) -> Int? { core.ruleIndex(of: ref) }

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
        let input = lower(request, state: state)
        return withExtendedLifetime(input) {
            withUnsafePointer(to: state.duties) { duties in
                core.block.withChecks(input, duties: duties) { checks in
                    var ev = Evaluation(checks: checks, request: request, explain: explain)
                    return ev.run()
                }
            }
        }
    }

    /// Decides `request` and returns only the outcome (no trace sentences).
    public func outcome(_ request: ODRLRequest, state: ODRLWorldState = .empty) -> ODRLDecision.Outcome {
        evaluate(request, state: state, explain: false).outcome
    }

    /// What the engine finds for each top-level rule (each policy's permissions, then its
    /// prohibitions, in order): match, activation, which constraints fail, whether a duty blocks.
    ///
    /// The same evaluator as ``evaluate(_:state:explain:)`` (same truths, same activations), without
    /// sentences and without building a trace: for callers that ask one rich question per request and
    /// map constraint positions to their own terms. Unlike the trace, a rule's constraints are
    /// evaluated even when the rule does not match, so that every failing dimension is known.
    ///
    /// The answers are written into `input`'s own buffer and read in place (the answer holds the
    /// input): those of its latest evaluation, so read them before evaluating it again. Nothing is allocated (once the buffer has grown to the largest set's size)
    /// and nothing is retained: the evaluator borrows the input's buffers through pointers.
    public func ruleResults(_ input: ODRLInput, state: ODRLWorldState = .empty) -> ODRLRuleResults {
        let n = core.flatCount
        _ = withExtendedLifetime(core) { core.block.ruleResults(input, state: state) }
        return ODRLRuleResults(owner: input, count: n)
    }

    /// The set's block by address, for a hot loop that keeps it beside the set (see ``ODRLBlock``).
    var block: ODRLBlock { core.block }

    /// The client data given when the set was made (``init(_:options:terms:neverApplicableRules:keepPolicies:validated:client:)``).
    var client: UnsafeRawPointer { core.block.client }

    /// An empty duty-state table, allocated once (see ``ruleResults(_:state:)``).
    static let noDuties = NoDuties()

    /// ``ruleResults(_:state:)`` copied into `results` (cleared and refilled; reuse one buffer across calls).
    public func ruleResults(_ input: ODRLInput, state: ODRLWorldState = .empty, into results: inout [ODRLRuleResult]) {
        let found = ruleResults(input, state: state)
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: found)
    }

    /// ``ruleResults(_:state:into:)`` for a request not yet lowered.
    public func ruleResults(_ request: ODRLRequest, state: ODRLWorldState = .empty) -> [ODRLRuleResult] {
        Array(ruleResults(lower(request, state: state), state: state))
    }

    /// `request` in this set's lowered form (its terms plus the set's own left operands and texts).
    func lower(_ request: ODRLRequest, state: ODRLWorldState) -> ODRLInput {
        let input = ODRLInput(terms: terms, localSlots: core.localSlotNames.count)
        for (k, v) in request.context.values {
            if let slot = terms.slots[k] ?? core.localSlots[k] { input.set(slot: slot, lowerValue(v)) }
        }
        input.setAction(request.action)
        input.setSubjects(target: subject(request.target, collections: state.assetCollections),
                          assignee: subject(request.assignee, collections: state.partyCollections))
        input.context = request.context
        for (ref, ctx) in request.ruleValues {
            guard let rule = core.ruleIndex(of: ref) else { continue }
            for (k, v) in ctx.values {
                if let slot = terms.slots[k] ?? core.localSlots[k] { input.setRuleValue(rule: rule, slot: slot, lowerValue(v)) }
            }
        }
        return input
    }

    func textID(_ s: String) -> Int32 { core.textID(s) }
    func lowerValue(_ v: ODRLValue) -> ODRLInputValue { core.lowerValue(v) }

    func subject(_ iri: String?, collections: [String: Set<String>]) -> ODRLSubject {
        guard let iri else { return ODRLSubject(iri: nil, selfID: -1, collectionIDs: [], collections: [], localResolved: true) }
        var ids: [Int32] = []
        var names: [String] = []
        for (name, members) in collections where members.contains(iri) {
            names.append(name)
            let id = textID(name)
            if id >= 0 { ids.append(id) }
        }
        return ODRLSubject(iri: iri, selfID: textID(iri), collectionIDs: ids, collections: names, localResolved: true)
    }
}

// MARK: - Lowered requests

/// Left operands and text values interned once and shared by many policy sets, so that a request is
/// lowered (``ODRLInput``) once and then evaluated against each set with small-int compares only.
///
/// A set compiled with a table gives each constraint's left operand a slot and each text right
/// operand an id from it; what the table does not know gets ids of the set's own (and is resolved
/// by string for inputs lowered with the table alone), so a table only makes evaluation faster,
/// never different.
public final class ODRLTerms: Sendable {
    /// Canonical left operand key -> slot.
    let slots: [String: Int]
    let slotNames: [String]
    /// Expanded text value -> id.
    let texts: [String: Int32]
    /// Id -> expanded text value (a plain text value is rebuilt from its id for the general path).
    let textNames: [String]
    /// Compiled constraints with long right operand lists, shared by every set compiled with this
    /// table (see ``Compiler/constraint(_:)``).
    let sharedAtomics = SharedAtomics()

    /// A table of these left operands (any spelling: `odrl:spatial`, `spatial`) and text values.
    public init(leftOperands: [String], texts: [String]) {
        var slots: [String: Int] = [:]
        var names: [String] = []
        for lo in leftOperands {
            let k = ODRLContext.key(lo)
            if slots[k] == nil { slots[k] = names.count; names.append(k) }
        }
        var ids: [String: Int32] = [:]
        var textNames: [String] = []
        for t in texts {
            let e = ODRLVocabulary.expand(t)
            if ids[e] == nil { ids[e] = Int32(ids.count); textNames.append(e) }
        }
        self.slots = slots
        self.slotNames = names
        self.texts = ids
        self.textNames = textNames
    }

    /// The table that knows nothing (every set then interns its own terms).
    public static let empty = ODRLTerms(leftOperands: [], texts: [])

    var slotCount: Int { slotNames.count }
    var textCount: Int { texts.count }

    /// The slot of a left operand, or nil when the table does not know it.
    public func slot(_ leftOperand: String) -> Int? { slots[ODRLContext.key(leftOperand)] }

    /// The id of a text value (any spelling `expand` accepts), or nil when the table does not know it:
    /// for ``ODRLInput/setText(slot:id:)``.
    public func textID(_ text: String) -> Int32? { texts[ODRLVocabulary.expand(text)] }

    /// A context value lowered once (look-ups done), to put in many inputs.
    public func value(_ v: ODRLValue) -> ODRLInputValue {
        switch v {
        case .text(let s): return ODRLInputValue(v, textID: texts[ODRLVocabulary.expand(s)] ?? -1)
        case .list(let l): return ODRLInputValue(v, textID: ODRLInputValue.notText, members: l.map(value))
        default: return ODRLInputValue(v, textID: ODRLInputValue.notText)
        }
    }

    /// A request's asset or party lowered once: its id and the collections (of `collections`) it is a member of.
    public func subject(_ iri: String?, collections: [String: Set<String>]) -> ODRLSubject {
        guard let iri else { return ODRLSubject(iri: nil, selfID: -1, collectionIDs: [], collections: [], localResolved: false) }
        var ids: [Int32] = []
        var names: [String] = []
        for (name, members) in collections where members.contains(iri) {
            names.append(name)
            if let id = texts[name] { ids.append(id) }
        }
        return ODRLSubject(iri: iri, selfID: texts[iri] ?? -1, collectionIDs: ids, collections: names, localResolved: false)
    }
}

/// Compiled atomic constraints that repeat from policy to policy (territory lists of up to 250
/// countries, channel and extent lists, a portion limit), shared per process by every policy set
/// compiled with the same ``ODRLTerms``.
///
/// Memory (bench/PROFILE.md, "Size of a prepared agreement"): a news agreement's `spatial isAnyOf`
/// list compiled per set was a large part of a prepared agreement (26 KB → 14 KB RSS with this
/// sharing and `keepPolicies: false`): the constraint as written
/// (its `[ODRLLiteral]`), its compiled literals (`[CompiledLiteral]`) and sorted ids, once per grant
/// and restriction of each of 16,500 agreements, while a workload has a few dozen distinct lists.
/// A constraint compiles to the same ``CompiledAtomic`` whenever it is equal as written and the
/// table knows its left operand and every text it holds (no set-local slot or id, no `@context`
/// prefix): such a compiled constraint is immutable data that depends on nothing else, so one
/// instance serves every set. The evaluator is unchanged (one evaluator); only storage is shared.
final class SharedAtomics: @unchecked Sendable {
    /// Right operand lists this long are shared whatever they hold; shorter ones only when they are
    /// IRIs, numbers and typed literals (dates, durations; see ``mayShare(_:)``).
    static let minimumValues = 8
    /// At most this many distinct constraints are kept (then new ones are compiled per set).
    /// (Dates are shared too: the default workload's 50,216 date constraints have 2,665 distinct
    /// values; the bound keeps a stream of unique ones from growing the table without end.)
    static let capacity = 16_384
    /// A shared constraint: its words and its record, whose ids are a bit set in a buffer this table
    /// owns (allocated once, never moved, freed with the table): every set's copy of the record
    /// points to it, so a territory list of 200 ids is kept once per process (a few words).
    struct Entry {
        let words: CompiledAtomic
        let record: ConstraintRecord
    }
    private var table: [ODRLAtomicConstraint: Entry] = [:]
    private var idBuffers: [UnsafeMutableRawPointer] = []

    /// Whether `a` may be shared: a long right operand, or a short one likely to repeat across
    /// policies (IRIs, numbers and typed literals: a channel or extent list, a portion limit, a term
    /// date, an embargo duration; a term date was compiled per set, ~450 bytes each, four or five per
    /// news agreement, while agreements share a few thousand distinct dates), and
    /// nothing that equality could conflate while sentences would write it differently: no uid,
    /// status or extension keys, every text ASCII (String equality is canonical equivalence), no -0.
    static func mayShare(_ a: ODRLAtomicConstraint) -> Bool {
        let values = a.rightOperand
        guard !values.isEmpty, a.uid == nil, a.status == nil, a.extensions.isEmpty, a.rightOperandReference == nil,
              ascii(a.leftOperand), ascii(a.operatorTerm), a.dataType.map(ascii) ?? true, a.unit.map(ascii) ?? true else { return false }
        let long = values.count >= minimumValues
        for v in values {
            switch v {
            case .iri(let s): if !ascii(s) { return false }
            case .number(let n): if n == 0 && n.sign == .minus { return false }
            case .string(let s): if !long || !ascii(s) { return false }
            case .typed(let s, let t): if !ascii(s) || !ascii(t) { return false }
            case .bool: if !long { return false }
            default: return false
            }
        }
        return true
    }

    /// Whether `s` is ASCII, read eight bytes at a time from its contiguous UTF-8 (a territory list
    /// is 250 IRIs: `utf8.allSatisfy` byte by byte was ~6,000 instructions per constraint compiled).
    static func ascii(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= bytes.count {
                if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                i += 8
            }
            while i < bytes.count {
                if bytes[i] >= 0x80 { return false }
                i += 1
            }
            return true
        }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        for b in idBuffers { b.deallocate() }  // bit sets, allocated as UInt64 words
    }

    /// The shared compiled form of `a`, if one was kept.
    func get(_ a: ODRLAtomicConstraint) -> Entry? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return table[a]
    }

    /// Keeps (`words`, `record` with `ids`) as the compiled form of `a`; returns the entry to use (the
    /// first kept), or nil when the table is full (the caller then compiles it as the set's own).
    func keep(_ a: ODRLAtomicConstraint, words: CompiledAtomic, record: ConstraintRecord, ids: [Int32]) -> Entry? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let kept = table[a] { return kept }
        guard table.count < SharedAtomics.capacity else { return nil }
        var rec = record
        if let last = ids.last, last >= 0 {
            // A bit set over the table's ids (a few words: news terms have ~300 texts), kept once per process.
            let words = Int(last) / 64 + 1
            let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
            buffer.initialize(repeating: 0, count: words)
            for id in ids where id >= 0 { buffer[Int(id) >> 6] |= UInt64(1) << UInt64(id & 63) }
            idBuffers.append(UnsafeMutableRawPointer(buffer))
            rec.ids = UnsafeRawPointer(buffer).assumingMemoryBound(to: Int32.self)
            rec.idCount = Int32(words)
            rec.flags |= ConstraintRecord.bitset
        }
        let entry = Entry(words: words, record: rec)
        table[a] = entry
        return entry
    }
}

/// A thread's own caches in front of what compiling shares: the compiled constraints of a
/// ``SharedAtomics`` table, found by the address of their right operand's storage without the table's
/// lock and without hashing them; compiled entity lists; canonical action names.
///
/// Why (bench/PROFILE.md, "prepare, session 7"): every atomic constraint of every prepared agreement
/// (~10.5 per news agreement) went to ``SharedAtomics/get(_:)``: a mutex shared by the batch's workers
/// and, inside it, a SipHash of the whole constraint (a territory list is up to 250 IRIs):
/// ~5,300 instructions per constraint, ~55,000 per agreement (callgrind, 3,000 stored versions),
/// and ~5% of a 1M batch's samples waiting on the lock (perf). The news layer builds equal
/// constraints and target lists from one per-thread cache (``NewsModelCache``), so an equal one comes
/// back with the same array storage: a probe here is a pointer hash, a compare of that address and
/// `==` with the value kept (Array's and String's `==` answer at once for the same storage).
///
/// Sound: an entry keeps its value (so its storage cannot be freed and its address reused for
/// other contents while the entry lives) and is used only when `==` holds; the front keeps the table
/// too (whose bit sets the entries' records point to, and whose ids the entity records hold). A miss
/// costs the probe and falls back to compiling as before; a value built elsewhere just misses.
final class CompilerFront {
    /// The table these entries came from (kept alive by this front); another table resets the front.
    // No run-time exclusivity checks: the front is one thread's (``PerThread``) and no access to it
    // overlaps another (`swift_beginAccess` was ~150 instructions of each ~950-instruction probe).
    @exclusivity(unchecked) private var owner: SharedAtomics?
    /// A class, so that a probe compares the kept constraint in place (a struct element was copied
    /// out of the array, and destroyed, per probe: ~500 instructions).
    private final class Kept {
        let address: UInt
        let source: ODRLAtomicConstraint
        let entry: SharedAtomics.Entry
        init(address: UInt, source: ODRLAtomicConstraint, entry: SharedAtomics.Entry) {
            self.address = address
            self.source = source
            self.entry = entry
        }
    }
    @exclusivity(unchecked) private var kept: [Kept] = []
    /// Open addressing over `kept`: position + 1, 0 = empty (at most half full).
    @exclusivity(unchecked) private var buckets = [Int32](repeating: 0, count: 1 << 13)
    /// A compiled entity list (no refinements, every id the table's): its records and words.
    struct Entities {
        let list: [ODRLEntity]
        let records: [EntityRecord]
        let words: [CompiledEntity]
    }
    @exclusivity(unchecked) private var entityLists: [UInt: Entities] = [:]
    /// Action as written -> canonical name (nil: unknown), as ``ODRLAction/canonicalName`` answers.
    @exclusivity(unchecked) private var actions: [String: String?] = [:]

    /// The running thread's front.
    static var current: CompilerFront { fronts.value }
    private static let fronts = PerThread { CompilerFront() }

    @inline(__always)
    private static func address<T>(_ a: [T]) -> UInt {
        a.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
    }

    @inline(__always)
    private func start(_ address: UInt) -> Int {
        Int(truncatingIfNeeded: (UInt64(address) &* 0x9E37_79B9_7F4A_7C15) >> 40) & (buckets.count - 1)
    }

    /// Starts afresh for `table` (another table, or full).
    private func reset(_ table: SharedAtomics) {
        owner = table
        kept.removeAll(keepingCapacity: true)
        for k in buckets.indices { buckets[k] = 0 }
        entityLists.removeAll(keepingCapacity: true)
    }

    /// The entry of `table` kept for `a` on this thread, if `a` (with this storage) was met here before.
    func find(_ a: ODRLAtomicConstraint, in table: SharedAtomics) -> SharedAtomics.Entry? {
        guard owner === table, !a.rightOperand.isEmpty else { return nil }
        let address = Self.address(a.rightOperand)
        var i = start(address)
        while buckets[i] != 0 {
            let k = kept[Int(buckets[i]) - 1]
            if k.address == address && k.source == a { return k.entry }
            i = (i + 1) & (buckets.count - 1)
        }
        return nil
    }

    /// Remembers `entry` (of `table`) for `a` on this thread.
    func remember(_ a: ODRLAtomicConstraint, _ entry: SharedAtomics.Entry, in table: SharedAtomics) {
        guard !a.rightOperand.isEmpty else { return }
        // Bounded: a stream of distinct constraints (or another table) starts the front afresh.
        if owner !== table || kept.count >= buckets.count / 2 { reset(table) }
        let address = Self.address(a.rightOperand)
        var i = start(address)
        while buckets[i] != 0 { i = (i + 1) & (buckets.count - 1) }
        kept.append(Kept(address: address, source: a, entry: entry))
        buckets[i] = Int32(kept.count)
    }

    /// The compiled entity list `list` (this storage) of `table`'s ids, if met on this thread before.
    func entities(_ list: [ODRLEntity], in table: SharedAtomics) -> Entities? {
        guard owner === table, !list.isEmpty, let e = entityLists[Self.address(list)], e.list == list else { return nil }
        return e
    }

    /// Remembers a compiled entity list (its records hold `table`'s ids only, and no refinements).
    func remember(_ e: Entities, in table: SharedAtomics) {
        guard !e.list.isEmpty else { return }
        if owner !== table || entityLists.count >= 4_096 { reset(table) }
        entityLists[Self.address(e.list)] = e
    }

    /// ``ODRLVocabulary/canonicalAction(_:)``, remembered per spelling (~1,000 instructions of string
    /// prefix checks and look-ups, per rule compiled).
    func canonicalAction(_ name: String) -> String? {
        if let known = actions[name] { return known }
        let c = ODRLVocabulary.canonicalAction(name)
        if actions.count >= 4_096 { actions.removeAll(keepingCapacity: true) }
        actions[name] = c
        return c
    }
}

/// A context value with its text id looked up (see ``ODRLTerms/value(_:)``).
public struct ODRLInputValue: Sendable {
    /// `textID` of a value that is not a text (compared through its description when a text is asked for).
    static let notText: Int32 = -2
    public let value: ODRLValue
    /// Id of the (expanded) text in the table it was lowered with; -1: not among its texts; -2: not a text.
    let textID: Int32
    let members: [ODRLInputValue]

    init(_ value: ODRLValue, textID: Int32, members: [ODRLInputValue] = []) {
        self.value = value
        self.textID = textID
        self.members = members
    }

    /// The plain-data view the evaluator's fast path reads (no reference counting).
    var fast: FastValue {
        switch value {
        case .text: FastValue(tag: FastValue.text, id: textID, num: 0)
        case .number(let d): FastValue(tag: FastValue.number, id: -2, num: d)
        case .time(let t): FastValue(tag: FastValue.time, id: -2, num: t)
        case .duration(let d): FastValue(tag: FastValue.duration, id: -2, num: d)
        case .bool(let b): FastValue(tag: FastValue.bool, id: -2, num: b ? 1 : 0)
        case .list: FastValue(tag: FastValue.other, id: -2, num: 0)
        }
    }
}

/// A context value as plain data: its kind, its text id, its number. Lists (and absent values of
/// a set's own left operands) take the general path.
struct FastValue: Sendable {
    static let absent: UInt8 = 0, text: UInt8 = 1, number: UInt8 = 2, time: UInt8 = 3, duration: UInt8 = 4, bool: UInt8 = 5, other: UInt8 = 7
    var tag: UInt8
    var id: Int32
    var num: Double
    static let none = FastValue(tag: absent, id: -2, num: 0)
    /// A text by its id in the terms (no value when the id is negative: the terms do not know it).
    @inline(__always)
    static func ofText(_ id: Int32) -> FastValue { id >= 0 ? FastValue(tag: text, id: id, num: 0) : .none }
}

/// What the engine found for one top-level rule: the compact answer of ``ODRLPolicySet/ruleResults(_:state:into:)``.
public struct ODRLRuleResult: Sendable, Hashable {
    public var actionMatches = false
    public var targetMatches = false
    public var assigneeMatches = false
    /// In force for the request, exactly as the trace's activation.
    public var active = false
    /// Bit `i`: the rule's `i`-th constraint is not satisfied (unsatisfied, or unknown); constraints
    /// from the 64th on share bit 63.
    public var failedConstraints: UInt64 = 0
    /// Bit `i`: the `i`-th constraint cannot be evaluated (unknown).
    public var unknownConstraints: UInt64 = 0
    /// A refinement of the action, asset or party does not hold.
    public var refinementFails = false
    /// A permission's duty blocks it (violated, or pending when pending duties block).
    public var dutyBlocks = false

    public init() {}

    /// The request falls under the rule's action, asset and party.
    public var matches: Bool { actionMatches && targetMatches && assigneeMatches }
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
    /// Spellings of the vocabulary's actions; their ids are the same in every set's table (a set
    /// interns extension actions after them), so a request's action is looked up once for all sets.
    static let vocabularySpellings = vocabulary.computeSpellings()
    /// The same spellings in a table read without `String` hashing (see ``SpellingTable``).
    static let vocabularyLookup = SpellingTable(vocabularySpellings)

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

/// Action spellings -> broader-action ids, looked up once per request without `Hasher`.
///
/// A `[String: …]` look-up hashes the spelling with SipHash (callgrind: ~500 instructions of
/// `ODRLInput.setAction`, per request). This open-addressing table hashes the UTF-8 bytes with
/// FNV-1a and confirms with `==` (short spellings are small strings: a compare of two words).
/// Built once per process from ``ActionTable/vocabularySpellings``; same answers.
struct SpellingTable: Sendable {
    private var keys: [String] = []
    private var values: [[Int32]] = []
    /// Slot -> index in `keys` + 1 (0: empty). A power of two, at least twice the key count.
    private var slots: [Int32]
    private let mask: Int

    /// A table of `spellings` (spelling -> canonical name and broader-action ids).
    init(_ spellings: [String: (String, [Int32])]) {
        var size = 16
        while size < spellings.count * 2 { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for (k, v) in spellings.sorted(by: { $0.key < $1.key }) {
            keys.append(k)
            values.append(v.1)
            var i = SpellingTable.hash(k) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(keys.count)
        }
    }

    /// FNV-1a over the UTF-8 bytes, read as one buffer (`withUTF8`; iterating `utf8` of a small
    /// string decoded it byte by byte, callgrind: as slow as the hashing it replaced).
    static func hash(_ s: String) -> Int {
        var copy = s
        return copy.withUTF8 { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }
    }

    /// The broader-action ids of the action spelled `name`, or nil when it is not a vocabulary spelling.
    func ids(of name: String) -> [Int32]? {
        var i = SpellingTable.hash(name) & mask
        while true {
            let k = Int(slots[i])
            if k == 0 { return nil }
            if keys[k - 1] == name { return values[k - 1] }
            i = (i + 1) & mask
        }
    }
}
