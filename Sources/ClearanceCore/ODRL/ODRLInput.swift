// A request lowered for the engine: plain data in buffers a reusable scratch object owns.
//
// Why (bench/PROFILE.md, "Session 4: the lowered request as plain data"): the former `ODRLInput`
// was a struct of ~10 reference-counted fields (two arrays of values, each value an enum with a
// String or array payload plus an array of members, the action's name and id array, two subjects of
// three arrays each, the rule-scoped values). Lowering a news request overwrote seven
// `ODRLInputValue`s in it (a retain of the new payload and a release of the old one each, through
// the arrays' uniqueness checks), and copying or destroying the struct retained or released every
// field: ~2,800 instructions to lower plus ~800 to copy and drop it, per decision, more than the
// engine pass over a subscriber's agreements. Now a slot is a 16-byte `FastValue` in a buffer the
// input owns, the action's ids are copied into a buffer, the asset and party are one reference each
// (made once, swapped only when they change), rule-scoped values are plain records, and the
// evaluator borrows all of it through pointers. Values that are not plain (a list, a text the
// shared terms do not know, a set's own left operand) are kept beside the buffers for the general
// path, exactly as given, so the one evaluator gives the same answers and the trace the same words.

/// A request's asset or party, lowered once (``ODRLTerms/subject(_:collections:)``): its id and the
/// ids and names of the collections it is a member of.
///
/// A reference, made once and shared: a news notice makes one per asset kind, and an input holds
/// the one a request names (one pointer swap, no per-request copy of its arrays). Immutable; its
/// collection ids are kept in a buffer it owns, which the evaluator reads in place.
public final class ODRLSubject: @unchecked Sendable {
    let iri: String?
    let selfID: Int32
    let collections: [String]
    /// Ids were resolved against one set's own texts too (not only the shared terms).
    let localResolved: Bool
    /// The collections' ids (`collectionCount` of them), owned by this subject.
    let collectionIDs: UnsafeMutablePointer<Int32>
    let collectionCount: Int

    init(iri: String?, selfID: Int32, collectionIDs: [Int32], collections: [String], localResolved: Bool) {
        self.iri = iri
        self.selfID = selfID
        self.collections = collections
        self.localResolved = localResolved
        self.collectionIDs = SetCore.buffer(collectionIDs)
        self.collectionCount = collectionIDs.count
    }

    deinit { collectionIDs.deallocate() }

    /// No asset or party (the request names none).
    static let none = ODRLSubject(iri: nil, selfID: -1, collectionIDs: [], collections: [], localResolved: false)
}

/// A request lowered with an ``ODRLTerms`` table, as plain data: left operand values by slot, the
/// action's broader-action ids, the asset and party, rule-scoped values, and a buffer for the
/// engine's answers. Lower a request into it once and evaluate it against every set compiled with
/// the same table (``ODRLPolicySet/ruleResults(_:state:)``).
///
/// A scratch object meant to be reused: keep one per thread (the news decider keeps one in its
/// ``DecisionMemo``) and overwrite it for each request; its buffers are allocated once and grow only
/// when a set needs more room. Not thread-safe (not `Sendable`): one evaluation at a time.
public final class ODRLInput {
    // The mutable properties are `@exclusivity(unchecked)`: a class's stored `var` is otherwise
    // checked at run time on every access (`swift_beginAccess`, ~75 instructions each; callgrind:
    // 8 per lowered request, ~600 of its ~1,360 instructions). The input is not shared between
    // threads (not `Sendable`) and no access to it overlaps another (no `inout` of a property is
    // held across a call that reaches the input), so the checks can never fire.
    /// The table it is lowered with.
    let terms: ODRLTerms
    /// The table's slot count (a set's own left operands come after).
    let slotCount: Int
    /// Slots in `fast` (the table's, plus a set's own when lowered for one set).
    let capacity: Int
    /// Value per slot as plain data (`FastValue.absent`: no value).
    let fast: UnsafeMutablePointer<FastValue>
    /// Values as given, per slot, for the general path and sentences: empty unless a value was set
    /// that is not plain (or through ``set(slot:_:)``); a plain value is rebuilt from `fast` when asked.
    @exclusivity(unchecked) private(set) var general: [ODRLInputValue?] = []
    /// The request's action as given.
    @exclusivity(unchecked) private(set) var action: String = ""
    /// The action was looked up (``setAction(_:)``).
    @exclusivity(unchecked) private var actionSet = false
    /// Its broader-action ids (vocabulary ids), `actionCount` of them, when `actionKnown`; otherwise
    /// it is not a vocabulary spelling and each set resolves it (an extension action it interned).
    @exclusivity(unchecked) private(set) var actionIDs: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var actionCount = 0
    @exclusivity(unchecked) private var actionCapacity = 8
    @exclusivity(unchecked) private(set) var actionKnown = false
    /// The action's ids below 64 as bits (bit `id`): a rule's action (an id below 64: every vocabulary
    /// action) is matched with one bit test instead of a scan of the ids (``Checks/actionMatches(_:)``).
    @exclusivity(unchecked) private(set) var actionBits: UInt64 = 0
    /// The request's asset and party, unretained (plain `Unmanaged` values): whoever lowers a
    /// request keeps them alive while it is evaluated: the strong ``setSubjects(target:assignee:)``
    /// keeps them in ``keptSubjects``; the unretained one (the news decider's, with its notice's
    /// subjects) relies on its caller. Why (bench/PROFILE.md, session 8): held strongly, every change
    /// of the asset kind from one request to the next (80% of them) retained the new subject and
    /// released the old, and those subjects belong to the notice, which a batch's workers share, so
    /// each count moved its cache line between the cores (perf: part of `lowered`'s 1.1% retain +
    /// 0.8% release). The evaluator reads them through ``SubjectView`` without a retain.
    @exclusivity(unchecked) private(set) var targetRef: Unmanaged<ODRLSubject> = .passUnretained(.none)
    @exclusivity(unchecked) private(set) var assigneeRef: Unmanaged<ODRLSubject> = .passUnretained(.none)
    /// The asset (rare paths: words, the general path).
    var target: ODRLSubject { targetRef.takeUnretainedValue() }
    /// The party (rare paths: words, the general path).
    var assignee: ODRLSubject { assigneeRef.takeUnretainedValue() }
    /// The subjects given through the strong ``setSubjects(target:assignee:)``, kept alive here
    /// (possibly made for one request, as the trace path's are).
    @exclusivity(unchecked) private var keptSubjects: (ODRLSubject, ODRLSubject)? = nil
    /// Values that hold for one top-level rule only (`overrideCount` records).
    @exclusivity(unchecked) private(set) var overrides: UnsafeMutablePointer<Override>
    @exclusivity(unchecked) private(set) var overrideCount = 0
    @exclusivity(unchecked) private var overrideCapacity = 8
    /// The general value of an override whose value is not plain (``Override/general``).
    @exclusivity(unchecked) private var overrideValues: [ODRLInputValue] = []
    /// The context as given, to resolve left operands a set knows but the table does not.
    @exclusivity(unchecked) var context: ODRLContext?
    /// The engine's answers of the last ``ODRLPolicySet/ruleResults(_:state:)`` (room for `resultCapacity`).
    @exclusivity(unchecked) private(set) var results: UnsafeMutablePointer<ODRLRuleResult>
    @exclusivity(unchecked) private var resultCapacity = 16
    /// The shared empty duty-state table (``ODRLPolicySet/noDuties``), by address: a pass without
    /// duty states borrows it.
    let noDuties = ODRLPolicySet.noDuties.pointer
    /// Where a caller stores what ``ODRLBlock/warm()`` returns (so that its loads are kept); never read.
    @exclusivity(unchecked) var sink: UInt8 = 0
    /// The caller asks for the blocks' cache lines ahead, so a news evaluation does not load them first
    /// (``DecisionMemo/init(capacity:blocksAskedFor:)``, set once per thread's memo).
    @exclusivity(unchecked) var blocksAskedFor = false

    /// A rule-scoped value: (flat rule index, slot, value; its general value's index or -1).
    struct Override {
        var rule: Int32
        var slot: Int32
        var fast: FastValue
        var general: Int32
    }

    init(terms: ODRLTerms, localSlots: Int) {
        self.terms = terms
        slotCount = terms.slotCount
        capacity = terms.slotCount + localSlots
        fast = .allocate(capacity: max(capacity, 1))
        fast.initialize(repeating: .none, count: max(capacity, 1))
        actionIDs = .allocate(capacity: actionCapacity)
        overrides = .allocate(capacity: overrideCapacity)
        results = .allocate(capacity: resultCapacity)
    }

    /// An empty input for sets compiled with `terms`.
    public convenience init(terms: ODRLTerms) { self.init(terms: terms, localSlots: 0) }

    /// An input with every slot's value given at once (`values[slot]`, as many as `terms` has slots).
    convenience init(terms: ODRLTerms, values: [ODRLInputValue?]) {
        self.init(terms: terms, localSlots: max(0, values.count - terms.slotCount))
        for (k, v) in values.enumerated() { set(slot: k, v) }
    }

    deinit {
        fast.deallocate()
        actionIDs.deallocate()
        overrides.deallocate()
        results.deallocate()
    }

    // MARK: Values

    /// Sets the value of a slot (``ODRLTerms/slot(_:)``) as given (kept for the general path and
    /// sentences). A slot this input has no room for is ignored: its constraints stay unknown.
    public func set(slot: Int, _ value: ODRLInputValue?) {
        guard slot >= 0, slot < capacity else { return }
        if let value {
            if general.isEmpty { general = [ODRLInputValue?](repeating: nil, count: capacity) }
            general[slot] = value
            fast[slot] = value.fast
        } else {
            clear(slot: slot)
        }
    }

    /// Drops the value of a slot.
    @inline(__always)
    public func clear(slot: Int) {
        guard slot >= 0, slot < capacity else { return }
        fast[slot] = .none
        if !general.isEmpty { general[slot] = nil }
    }

    /// Sets a number (`percentage`, `count`...).
    @inline(__always)
    public func setNumber(slot: Int, _ n: Double) { setPlain(slot, FastValue(tag: FastValue.number, id: ODRLInputValue.notText, num: n)) }

    /// Sets a point in time, in seconds since 1970-01-01T00:00:00Z (`dateTime`).
    @inline(__always)
    public func setTime(slot: Int, _ seconds: Double) { setPlain(slot, FastValue(tag: FastValue.time, id: ODRLInputValue.notText, num: seconds)) }

    /// Sets a duration in seconds (`delayPeriod`).
    @inline(__always)
    public func setDuration(slot: Int, _ seconds: Double) { setPlain(slot, FastValue(tag: FastValue.duration, id: ODRLInputValue.notText, num: seconds)) }

    /// Sets a text the table knows, by its id (``ODRLTerms/textID(_:)``). An id the table does not
    /// have leaves the slot without a value (its constraints are then unknown: fail closed).
    @inline(__always)
    public func setText(slot: Int, id: Int32) {
        guard id >= 0, Int(id) < terms.textNames.count else { clear(slot: slot); return }
        setPlain(slot, FastValue(tag: FastValue.text, id: id, num: 0))
    }

    /// The plain values of slots `0 ..< count`, to be written at once (the caller must write each of
    /// them): for a lowering that sets every slot of its table (``NewsEngine/lower(_:into:target:assignee:lookups:action:)``),
    /// without a slot check and a general-value check per slot as the setters above make. A pointer,
    /// not a closure (session 8: the closure's captures were retained and released per lowering).
    @inline(__always)
    func plainSlots(count: Int) -> UnsafeMutablePointer<FastValue> {
        precondition(count <= capacity, "more plain values than slots")
        if !general.isEmpty { for k in 0..<count { general[k] = nil } }
        return fast
    }

    @inline(__always)
    private func setPlain(_ slot: Int, _ v: FastValue) {
        guard slot >= 0, slot < capacity else { return }
        fast[slot] = v
        if !general.isEmpty { general[slot] = nil }
    }

    /// Drops every value, rule-scoped value and the context (the action and subjects are kept).
    public func reset() {
        for k in 0..<capacity { fast[k] = .none }
        if !general.isEmpty { general.removeAll(keepingCapacity: true) }
        clearRuleValues()
        if context != nil { context = nil }
    }

    /// The value of `slot` as given (or rebuilt from its plain form), nil when it has none.
    func value(slot: Int) -> ODRLInputValue? {
        guard slot >= 0, slot < capacity else { return nil }
        if !general.isEmpty, let g = general[slot] { return g }
        return rebuilt(fast[slot])
    }

    /// The general value of a plain one: what lowering the original would give (a text by the
    /// table's expanded spelling and its id).
    func rebuilt(_ v: FastValue) -> ODRLInputValue? {
        let notText = ODRLInputValue.notText
        switch v.tag {
        case FastValue.text:
            guard v.id >= 0, Int(v.id) < terms.textNames.count else { return nil }
            return ODRLInputValue(.text(terms.textNames[Int(v.id)]), textID: v.id)
        case FastValue.number: return ODRLInputValue(.number(v.num), textID: notText)
        case FastValue.time: return ODRLInputValue(.time(v.num), textID: notText)
        case FastValue.duration: return ODRLInputValue(.duration(v.num), textID: notText)
        case FastValue.bool: return ODRLInputValue(.bool(v.num != 0), textID: notText)
        default: return nil
        }
    }

    // MARK: Action and subjects

    /// Sets the request's action (any spelling ODRL allows).
    ///
    /// The same spelling as the last one keeps its ids; a spelling of at most 16 bytes is looked up
    /// in ``ShortSpellings`` (no string hashing), a longer one in ``SpellingTable``.
    public func setAction(_ name: String) {
        if actionSet && name == action { return }
        action = name
        actionSet = true
        switch ShortSpellings.vocabulary.lookup(name) {
        case .found(let ids, let count):
            copyActionIDs(UnsafeBufferPointer(start: ids, count: count))
        case .absent:
            actionKnown = false
            actionCount = 0
        case .long:
            guard let ids = ActionTable.vocabularyLookup.ids(of: name) else {
                actionKnown = false
                actionCount = 0
                return
            }
            ids.withUnsafeBufferPointer { copyActionIDs($0) }
        }
    }

    /// Sets the request's action with its broader-action ids already looked up (what
    /// ``setAction(_:)`` finds for `name`: `known` false when it is not a vocabulary spelling): for
    /// a caller that keeps those answers per spelling (``NewsEngine/Lookups``).
    @inline(__always)
    func setAction(_ name: String, ids: UnsafeBufferPointer<Int32>, known: Bool) {
        // The same `String` value as the last one (the same 16 bytes: the same text) is not stored
        // again: storing it retained the new value and released the old (~30 instructions per
        // request on the decider's path, callgrind session 9; the next request's action is nearly
        // always the same small string).
        if !(actionSet && unsafeBitCast(action, to: (UInt64, UInt64).self) == unsafeBitCast(name, to: (UInt64, UInt64).self)) {
            action = name
        }
        actionSet = true
        if known {
            copyActionIDs(ids)
        } else {
            actionKnown = false
            actionCount = 0
        }
    }

    /// Bit `id` of an action id below 64, else 0 (see ``actionBits``).
    @inline(__always)
    static func bit(_ id: Int32) -> UInt64 { id >= 0 && id < 64 ? UInt64(1) << UInt64(id) : 0 }

    @inline(__always)
    private func copyActionIDs(_ ids: UnsafeBufferPointer<Int32>) {
        if ids.count > actionCapacity {
            actionIDs.deallocate()
            actionCapacity = ids.count
            actionIDs = .allocate(capacity: actionCapacity)
        }
        var bits: UInt64 = 0
        for k in 0..<ids.count {
            actionIDs[k] = ids[k]
            bits |= ODRLInput.bit(ids[k])
        }
        actionBits = bits
        actionCount = ids.count
        actionKnown = true
    }

    /// Sets the asset and the party (``ODRLTerms/subject(_:collections:)``).
    @inline(__always)
    public func setSubjects(target: ODRLSubject, assignee: ODRLSubject) {
        keptSubjects = (target, assignee)
        setSubjects(target: .passUnretained(target), assignee: .passUnretained(assignee))
    }

    /// ``setSubjects(target:assignee:)`` by unretained references: the caller keeps both alive while
    /// the input is evaluated with them (the news decider's are its notice's, alive for the
    /// evaluation). Two plain stores: nothing is retained (session 6 compared addresses to swap a
    /// strong reference only on a change; session 8 holds them unretained, see ``targetRef``).
    @inline(__always)
    func setSubjects(target t: Unmanaged<ODRLSubject>, assignee a: Unmanaged<ODRLSubject>) {
        targetRef = t
        assigneeRef = a
    }

    // MARK: Rule-scoped values

    /// Gives `value` to the left operand in `slot` for the top-level rule `rule` only (and its duties):
    /// a rule-scoped value, such as a per-grant usage count.
    public func setRuleValue(rule: Int, slot: Int, _ value: ODRLInputValue) {
        overrideValues.append(value)
        appendOverride(Override(rule: Int32(truncatingIfNeeded: rule), slot: Int32(truncatingIfNeeded: slot), fast: value.fast,
                                general: Int32(overrideValues.count - 1)))
    }

    /// ``setRuleValue(rule:slot:_:)`` for a number (no general value kept).
    @inline(__always)
    public func setRuleNumber(rule: Int, slot: Int, _ n: Double) {
        appendOverride(Override(rule: Int32(truncatingIfNeeded: rule), slot: Int32(truncatingIfNeeded: slot),
                                fast: FastValue(tag: FastValue.number, id: ODRLInputValue.notText, num: n), general: -1))
    }

    @inline(__always)
    private func appendOverride(_ o: Override) {
        if overrideCount == overrideCapacity {
            let bigger = UnsafeMutablePointer<Override>.allocate(capacity: overrideCapacity * 2)
            bigger.moveInitialize(from: overrides, count: overrideCount)
            overrides.deallocate()
            overrides = bigger
            overrideCapacity *= 2
        }
        (overrides + overrideCount).initialize(to: o)
        overrideCount += 1
    }

    /// Drops every rule-scoped value.
    @inline(__always)
    public func clearRuleValues() {
        overrideCount = 0
        if !overrideValues.isEmpty { overrideValues.removeAll(keepingCapacity: true) }
    }

    /// The general value of override `k` (as given, or rebuilt from its plain form).
    func overrideValue(_ k: Int) -> ODRLInputValue? {
        let o = overrides[k]
        if o.general >= 0, Int(o.general) < overrideValues.count { return overrideValues[Int(o.general)] }
        return rebuilt(o.fast)
    }

    // MARK: Answers

    /// Room for `n` rule results (the buffer grows, never shrinks).
    func resultBuffer(_ n: Int) -> UnsafeMutablePointer<ODRLRuleResult> {
        if n > resultCapacity {
            results.deallocate()
            resultCapacity = max(n, resultCapacity * 2)
            results = .allocate(capacity: resultCapacity)
        }
        return results
    }
}

/// The engine's answers for one set (``ODRLPolicySet/ruleResults(_:state:)``): one ``ODRLRuleResult``
/// per top-level rule, read in place from the input's buffer.
///
/// It holds the input (so the buffer outlives it, and a later, larger evaluation that moves the
/// buffer cannot leave it pointing to freed memory: it reads through the input each time); the
/// answers are those of the input's latest evaluation, so read them before evaluating it again.
public struct ODRLRuleResults: RandomAccessCollection {
    let owner: ODRLInput
    public let count: Int
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    @inline(__always)
    public subscript(i: Int) -> ODRLRuleResult {
        // `count` never exceeds the buffer's capacity (it only grows).
        precondition(i >= 0 && i < count, "rule result index out of range")
        return owner.results[i]
    }
}

/// An empty duty-state table at a stable address, made once per process: an evaluation with no
/// duty state borrows it (``ODRLPolicySet/ruleResults(_:state:)``).
final class NoDuties: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<[String: ODRLDutyState]>

    init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: [:])
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// The empty table's address (valid for the process: the table is a `static let`).
    var pointer: UnsafePointer<[String: ODRLDutyState]> { UnsafePointer(storage) }

    /// Runs `body` with a pointer to the empty table.
    @inline(__always)
    func withUnsafePointer<R>(_ body: (UnsafePointer<[String: ODRLDutyState]>) -> R) -> R { body(UnsafePointer(storage)) }
}

/// The vocabulary's action spellings of at most 16 bytes (`reproduce`, `odrl:distribute`, `write`),
/// keyed by their bytes read as two machine words and the length: a request's action looked up
/// without hashing a string and without a reference-counted answer.
///
/// Why (callgrind, bench/PROFILE.md session 4): ``SpellingTable`` hashes the spelling byte by byte
/// with FNV and answers an `[Int32]` (retained, then copied into the input): ~350 instructions per
/// request, half of lowering one once the values were plain. Here: two word loads, a multiply-shift
/// hash, a compare of three integers, and the ids copied from a plain buffer. Built once per
/// process from ``ActionTable/vocabularySpellings``; longer spellings (full IRIs) still go to
/// ``SpellingTable``; same answers.
final class ShortSpellings: @unchecked Sendable {
    /// Per entry: its key (two words, length) and its ids (`start ..< start + count` of `ids`).
    private let keys: UnsafeMutablePointer<(UInt64, UInt64, Int)>
    private let ranges: UnsafeMutablePointer<(Int32, Int32)>
    private let ids: UnsafeMutablePointer<Int32>
    /// Slot -> entry + 1 (0: empty); a power of two, at least four times the entries.
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int

    static let vocabulary = ShortSpellings(ActionTable.vocabularySpellings)

    init(_ spellings: [String: (String, [Int32])]) {
        var entries: [((UInt64, UInt64, Int), [Int32])] = []
        for (k, v) in spellings.sorted(by: { $0.key < $1.key }) {
            var copy = k
            if let key = copy.withUTF8({ ShortSpellings.key($0) }) { entries.append((key, v.1)) }
        }
        var size = 16
        while size < entries.count * 4 { size *= 2 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        keys = .allocate(capacity: max(entries.count, 1))
        ranges = .allocate(capacity: max(entries.count, 1))
        let total = entries.reduce(0) { $0 + $1.1.count }
        ids = .allocate(capacity: max(total, 1))
        var at: Int32 = 0
        for (e, (key, list)) in entries.enumerated() {
            (keys + e).initialize(to: key)
            (ranges + e).initialize(to: (at, Int32(list.count)))
            for id in list { (ids + Int(at)).initialize(to: id); at += 1 }
            var i = ShortSpellings.hash(key) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(e + 1)
        }
    }

    deinit {
        keys.deallocate()
        ranges.deallocate()
        ids.deallocate()
        slots.deallocate()
    }

    /// The key of a spelling of at most 16 bytes (nil when longer): its first eight bytes, its last
    /// eight (overlapping when shorter than 16; zero when at most 8) and its length, which together
    /// determine every byte.
    @inline(__always)
    static func key(_ b: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, Int)? {
        let n = b.count
        guard n <= 16, let base = b.baseAddress else { return n == 0 ? (0, 0, 0) : nil }
        let raw = UnsafeRawPointer(base)
        if n >= 8 {
            return (raw.loadUnaligned(as: UInt64.self), n > 8 ? raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) : 0, n)
        }
        var a: UInt64 = 0
        for i in 0..<n { a |= UInt64(base[i]) << UInt64(8 * i) }
        return (a, 0, n)
    }

    @inline(__always)
    static func hash(_ k: (UInt64, UInt64, Int)) -> Int {
        let h = (k.0 &* 0x9E37_79B9_7F4A_7C15) ^ (k.1 &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(k.2)
        return Int(truncatingIfNeeded: h >> 32)
    }

    /// What is known of `name`: `.found` with its ids, `.absent` (a spelling of at most 16 bytes that
    /// is not the vocabulary's), or `.long` (ask ``SpellingTable``).
    enum Answer { case found(UnsafePointer<Int32>, Int), absent, long }

    @inline(__always)
    func lookup(_ name: String) -> Answer {
        var copy = name
        return copy.withUTF8 { b -> Answer in
            guard let key = ShortSpellings.key(b) else { return .long }
            var i = ShortSpellings.hash(key) & mask
            while true {
                let e = Int(slots[i])
                if e == 0 { return .absent }
                let k = keys[e - 1]
                if k.0 == key.0 && k.1 == key.1 && k.2 == key.2 {
                    let r = ranges[e - 1]
                    return .found(UnsafePointer(ids + Int(r.0)), Int(r.1))
                }
                i = (i + 1) & mask
            }
        }
    }
}
