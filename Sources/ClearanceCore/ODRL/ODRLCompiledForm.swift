import Synchronization

// The compiled form of a policy set: flat arrays of plain-data records that the one evaluator
// (ODRLEvaluation.swift) reads, and beside them the words (refs, uids, constraints as written) that
// only traces and sentences read.
//
// Why records (bench/PROFILE.md, "The engine pass as flat records"): the former compiled form was a
// final class per rule, entity and atomic constraint, reached through enum payloads
// (`CompiledConstraint.atomic(CompiledAtomic)`): every step of the rule loop retained and released
// an object (swift_retain+release were ~24% of all samples), and one agreement's pass cost ~7,000
// instructions. A record holds no reference at all (slot, operator, number, a pointer to a sorted id
// list), the records of a set live in buffers the set owns, and the evaluator walks them through
// pointers: no reference counting, no enum payload copies, no allocation per rule.

/// One constraint, lowered to plain data (32 bytes).
///
/// An atomic constraint: the left operand's slot in an ``ODRLInput``, the operator, the right
/// operand's domain, and, for the fast path, its one number or its sorted text ids. A logical
/// constraint: its operator and the range of its operands' records (contiguous). What the records
/// cannot decide alone (a list value, a text read as a number, a text the shared terms do not know)
/// goes to the general path with the constraint's words (``CompiledAtomic``, index `atom`).
struct ConstraintRecord {
    /// The right operand when it is one number (flag ``hasNumber``).
    var number: Double = 0
    /// Sorted ids of the right operand's texts (full and compact forms; flag ``allText``): owned by
    /// the set, or by the shared terms for a shared constraint (``SharedAtomics``). Set when the
    /// set's buffers are made (``SetCore``).
    var ids: UnsafePointer<Int32>? = nil
    var idCount: Int32 = 0
    /// Atomic: the left operand's slot. Logical: the first operand's record.
    var slot: Int32 = 0
    /// Atomic: index of the constraint's words in ``SetCore/atomics``. Logical: the operand count.
    var atom: Int32 = 0
    /// ``ConstraintRecord/Op`` code.
    var op: UInt8 = Op.unknown
    /// ``ValueDomain`` code (``domainCode(_:)``).
    var domain: UInt8 = 4
    var flags: UInt8 = 0
    /// The record's shape, worked out once when the set is made (``Shape``, ``shape(of:)``): the
    /// evaluator's first dispatch. It uses the record's one spare byte (the record stays 32 bytes).
    var shape: UInt8 = Shape.general

    /// Shapes of a record the evaluator decides in one step (``Checks/truth(_:rule:)``), before the
    /// general dispatch on op, flags, value kind and domain: a membership test in a bit set, and a
    /// comparison with one number. Anything else (and any value these do not take) is `general`.
    enum Shape {
        static let general: UInt8 = 0
        /// `isA` / `isAnyOf` / `isPartOf` over a bit set of text ids (satisfied when the id is in it).
        static let inBits: UInt8 = 1
        /// `isNoneOf` over a bit set (satisfied when the id is not in it).
        static let notInBits: UInt8 = 2
        /// `eq` ... `gteq` with one number: shape `compare + op`.
        static let compare: UInt8 = 8
    }

    /// The shape of an atomic record (`general` for a logical one, an unevaluable one, an extension
    /// operator, or one whose right operand is neither a bit set of texts nor one number).
    static func shape(of c: ConstraintRecord) -> UInt8 {
        guard !c.isLogical, c.op != Op.unknown, c.flags & unevaluable == 0 else { return Shape.general }
        if c.flags & allText != 0, c.flags & bitset != 0, c.ids != nil {
            switch c.op {
            case Op.isA, Op.isAnyOf, Op.isPartOf: return Shape.inBits
            case Op.isNoneOf: return Shape.notInBits
            // One right operand value (its full and compact ids in the bit set): `eq` is membership,
            // `neq` its negation (what ``Checks/fastTruth(_:rule:)`` answers for them).
            case Op.eq where c.flags & singleValue != 0: return Shape.inBits
            case Op.neq where c.flags & singleValue != 0: return Shape.notInBits
            default: return Shape.general
            }
        }
        if c.flags & hasNumber != 0, c.op <= Op.gteq, c.domain != text { return Shape.compare + c.op }
        return Shape.general
    }

    static let unevaluable: UInt8 = 1, allText: UInt8 = 2, singleValue: UInt8 = 4, hasNumber: UInt8 = 8
    /// `ids` points to a bit set of `idCount` 64-bit words instead of sorted ids (a shared list:
    /// membership is one bit test instead of a binary search over up to 250 territory ids).
    static let bitset: UInt8 = 16

    /// Whether text id `id` (>= 0) is among the right operand's (flag ``allText``).
    @inline(__always)
    func containsID(_ id: Int32) -> Bool {
        guard let ids else { return false }
        if flags & ConstraintRecord.bitset != 0 {
            let word = Int(id) >> 6
            guard word < Int(idCount) else { return false }
            let words = UnsafeRawPointer(ids).assumingMemoryBound(to: UInt64.self)
            return (words[word] >> UInt64(id & 63)) & 1 != 0
        }
        var lo = 0
        var hi = Int(idCount)
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            let x = ids[mid]
            if x == id { return true }
            if x < id { lo = mid &+ 1 } else { hi = mid }
        }
        return false
    }

    /// Operator codes: ODRL's comparison and set operators in ``ODRLVocabulary/Operator`` order,
    /// `unknown` for an extension operator, then the logical operators.
    enum Op {
        static let eq: UInt8 = 0, neq: UInt8 = 1, lt: UInt8 = 2, lteq: UInt8 = 3, gt: UInt8 = 4, gteq: UInt8 = 5
        static let isA: UInt8 = 6, hasPart: UInt8 = 7, isPartOf: UInt8 = 8, isAllOf: UInt8 = 9, isAnyOf: UInt8 = 10, isNoneOf: UInt8 = 11
        static let unknown: UInt8 = 15
        static let and: UInt8 = 16, andSequence: UInt8 = 17, or: UInt8 = 18, xone: UInt8 = 19

        /// The code of a comparison or set operator (`unknown` for an extension operator).
        static func of(_ op: ODRLVocabulary.Operator?) -> UInt8 {
            guard let op else { return unknown }
            switch op {
            case .eq: return eq
            case .neq: return neq
            case .lt: return lt
            case .lteq: return lteq
            case .gt: return gt
            case .gteq: return gteq
            case .isA: return isA
            case .hasPart: return hasPart
            case .isPartOf: return isPartOf
            case .isAllOf: return isAllOf
            case .isAnyOf: return isAnyOf
            case .isNoneOf: return isNoneOf
            }
        }

        /// The code of a logical operator.
        static func of(_ op: ODRLVocabulary.LogicalOperator) -> UInt8 {
            switch op {
            case .and: return and
            case .andSequence: return andSequence
            case .or: return or
            case .xone: return xone
            }
        }

        /// The logical operator of a logical record's code (for sentences).
        static func logical(_ code: UInt8) -> ODRLVocabulary.LogicalOperator {
            switch code {
            case andSequence: return .andSequence
            case or: return .or
            case xone: return .xone
            default: return .and
            }
        }
    }

    static let time: UInt8 = 0, duration: UInt8 = 1, numberDomain: UInt8 = 2, bool: UInt8 = 3, text: UInt8 = 4

    /// The code of a value domain (the record's `domain`).
    static func domainCode(_ d: ValueDomain) -> UInt8 {
        switch d {
        case .time: return time
        case .duration: return duration
        case .number: return numberDomain
        case .bool: return bool
        case .text: return text
        }
    }

    var isLogical: Bool { op >= Op.and }
}

/// What a pass reads of a constraint, in 16 bytes (a ``ConstraintRecord`` is 32): its shape, slot
/// and operand, for the shapes the evaluator decides in one step, and a logical constraint's operator
/// and operands. Kept in the hot part of a set's block, index for index with the full records, which
/// follow outside it and are read only for a constraint of the general shape.
///
/// Why (bench/PROFILE.md, session 6): a news agreement's constraint records were ~6 of its ~15 cache
/// lines fetched per request (a pass evaluates ~11 of them), and nearly all of them are a bit-set
/// membership, a comparison with one number or a logical `or` of two: half the bytes, the same answers
/// (the shaped path decides exactly what the full record's path would, see ``Checks/truth(_:rule:)``).
struct HotConstraint {
    /// ``ConstraintRecord/Shape/inBits``, ``notInBits``: the bit set's address; `compare`: the
    /// number's bits; ``logical``: the first operand's record (low 32 bits) and the operand count.
    var payload: UInt64 = 0
    /// The bit set's length in 64-bit words (membership shapes).
    var words: Int32 = 0
    /// The left operand's slot (atomic shapes).
    var slot: Int16 = 0
    /// ``ConstraintRecord/Shape`` code, or ``logical``.
    var shape: UInt8 = ConstraintRecord.Shape.general
    /// `compare`: the ``FastValue`` tag of the domain's own kind (a number is always accepted);
    /// ``logical``: the logical operator's code.
    var own: UInt8 = 0

    /// A logical constraint's shape (between the membership and the comparison shapes).
    static let logical: UInt8 = 3

    /// The hot part of `c` (its shape worked out: ``ConstraintRecord/shape(of:)``).
    static func of(_ c: ConstraintRecord) -> HotConstraint {
        var h = HotConstraint()
        if c.isLogical {
            h.shape = logical
            h.own = c.op
            h.payload = UInt64(UInt32(bitPattern: c.slot)) | UInt64(UInt32(bitPattern: c.atom)) << 32
            return h
        }
        guard c.shape != ConstraintRecord.Shape.general, let slot = Int16(exactly: c.slot) else { return h }
        h.slot = slot
        if c.shape >= ConstraintRecord.Shape.compare {
            h.payload = c.number.bitPattern
            // FastValue tags of time, duration, number, bool by domain code 0...3.
            h.own = UInt8(truncatingIfNeeded: UInt32(0x05_02_04_03) >> (UInt32(c.domain & 3) &* 8))
        } else {
            guard let ids = c.ids else { return h }
            h.payload = UInt64(UInt(bitPattern: ids))
            h.words = c.idCount
        }
        h.shape = c.shape
        return h
    }
}

/// A permission, prohibition, obligation or duty, lowered (52 bytes): what its action, assets,
/// parties, refinements, constraints and duties are, as ids and ranges into the set's buffers.
struct RuleRecord {
    /// Interned action id (the set's ``ActionTable``); -1: any action.
    var action: Int32 = -1
    /// The action's refinements: constraint records `refine ..< refine + refineCount`.
    var refine: Int32 = 0
    var refineCount: Int32 = 0
    /// The rule's constraints (top level): records `cons ..< cons + consCount`.
    var cons: Int32 = 0
    var consCount: Int32 = 0
    /// Assets: entity indexes `entityLists[targets ..< targets + targetCount]`; count -1: any asset.
    var targets: Int32 = 0
    var targetCount: Int32 = -1
    var assignees: Int32 = 0
    var assigneeCount: Int32 = -1
    /// A permission's duties: rule records `duties ..< duties + dutyCount` (contiguous).
    var duties: Int32 = 0
    var dutyCount: Int32 = 0
    var kind: ODRLRuleKind = .permission
    /// A permission of a `Request` or `Assertion` policy: it grants nothing.
    var grantsNothing = false
    /// Nothing but its action, assets, parties, constraints and duties decides it: no refinement (of
    /// the action, or of any entity its asset and party lists name), and it grants what it says.
    /// Worked out when the set is made (``SetCore``); the evaluator then builds its answer without
    /// asking for refinements (``Checks/result(_:_:rule:memo:)``), the usual news rule (callgrind
    /// session 5: ~90% of the rules a news pass answers, each read its matched asset's record for
    /// refinements it never has). It uses a spare byte (the record stays 48 bytes).
    var simple = false
}

/// An asset or party a rule names, lowered (24 bytes): its names' text ids and its refinements.
struct EntityRecord {
    var uidID: Int32 = -1
    var expandedID: Int32 = -1
    var sourceID: Int32 = -1
    /// Refinements: constraint records `refine ..< refine + refineCount`.
    var refine: Int32 = 0
    var refineCount: Int32 = 0
    /// One of its ids is the set's own (not the shared terms'): an input lowered with the shared
    /// terms alone is then compared by string (``CompiledEntity``).
    var local = false
}

/// The first bytes of a set's block: everything an engine pass reads besides the records, so that a
/// pass over a set reads one allocation and never the set object (``SetCore``) itself.
///
/// Why (bench/PROFILE.md, "session 5"): with 16,485 prepared agreements nothing of a set stays in
/// cache between two requests of its subscriber, and the pass is bound by memory, not instructions.
/// It reached the set's block through a chain of dependent loads (the prepared agreement's object,
/// its `ODRLPolicySet`'s `SetCore` object spread over two cache lines, the block), each a separate
/// miss, and retained two of them on the way (a retain writes the object's cache line). Now a
/// caller that keeps the block's address (``ODRLBlock``) starts at this header: the records follow
/// it in the same allocation, and so does the client's plain data (``client``; the news layer keeps
/// its grants and restrictions there), read one after the other.
struct BlockHeader {
    /// The set owning the block, not retained (the set owns the block; whoever holds the block's
    /// address keeps the set alive). Read only on the rare paths: words, the general path, an
    /// action that is not a vocabulary spelling.
    var owner: Unmanaged<SetCore>
    var rules: UnsafeMutablePointer<RuleRecord>
    var constraints: UnsafeMutablePointer<ConstraintRecord>
    /// ``HotConstraint`` of each constraint record, index for index.
    var hot: UnsafeMutablePointer<HotConstraint>
    var entities: UnsafeMutablePointer<EntityRecord>
    var entityLists: UnsafeMutablePointer<Int32>
    /// The client's plain data (``SetCore/init(_:options:terms:client:)``), 16-byte aligned, `clientCount` bytes.
    var client: UnsafeMutableRawPointer
    /// ``SetCore/slotsRead``.
    var slotsRead: UInt64
    var flatCount: Int32
    var clientCount: Int32
    var noLocalTexts: Bool
    var pendingDutiesBlock: Bool
}

/// A compiled set's block by address (see ``BlockHeader``): what a hot loop keeps instead of the
/// ``ODRLPolicySet``, to evaluate against the set without touching its objects.
///
/// Valid as long as the set it came from (``ODRLPolicySet/block``) lives: the holder must keep the
/// set too (the news layer's `PreparedAgreement` keeps both). Plain data (`@unchecked Sendable`: the
/// block is immutable once made).
struct ODRLBlock: @unchecked Sendable {
    let header: UnsafePointer<BlockHeader>
    /// Bytes from the header to the end of what a pass reads (the top-level rule records; the other
    /// rule records and the set's own id lists after them are read only on rare paths): the extent
    /// ``warm()`` loads.
    let hotBytes: Int

    /// Loads one byte of every cache line a pass over the set reads, and returns their XOR, which
    /// the caller must keep (store it: ``ODRLInput/sink``) so that the loads are not optimised away.
    ///
    /// Why (bench/PROFILE.md, "session 5"): with thousands of prepared agreements a set's block is
    /// not in cache when a request for its subscriber comes, and the pass then waits for its lines
    /// one after the other (it reads the header to find the rules, a rule to find its constraints,
    /// ...): one memory latency per line or pair of lines. These loads do not depend on each other,
    /// so the processor has them all in flight at once: the pass that follows waits about one
    /// latency in all. A few instructions per cache line (~14 lines for a news agreement).
    @inline(__always)
    func warm() -> UInt8 {
        let raw = UnsafeRawPointer(header)
        var x: UInt8 = 0
        var at = 0
        while at < hotBytes {
            x ^= raw.load(fromByteOffset: at, as: UInt8.self)
            at &+= 64
        }
        return x
    }

    /// The client's plain data given when the set was made (16-byte aligned).
    @inline(__always)
    var client: UnsafeRawPointer { UnsafeRawPointer(header.pointee.client) }

    /// Number of top-level rules (the length of ``ruleResults(_:state:)``'s answer).
    @inline(__always)
    var flatCount: Int { Int(header.pointee.flatCount) }

    /// ``ODRLPolicySet/reads(slot:)``.
    @inline(__always)
    func reads(slot: Int) -> Bool {
        guard slot >= 0 else { return false }
        return header.pointee.slotsRead & (1 << UInt64(min(slot, 63))) != 0
    }
}

/// The compiled form of a policy set (see ``ODRLPolicySet``): records in buffers it owns, and words.
///
/// Immutable after `init` (hence `@unchecked Sendable`: the buffers are written once, then only read).
final class SetCore: @unchecked Sendable {
    // What every engine pass reads comes first (the object's first cache line; Swift lays stored
    // properties out in declaration order), then the words and tables only traces read.

    /// Number of top-level rules: records `0 ..< flatCount` are they, in ``ODRLPolicySet/ruleResults(_:state:into:)``
    /// order (each policy's permissions, then its prohibitions); duties, consequences and obligations follow.
    let flatCount: Int
    let rules: UnsafeMutablePointer<RuleRecord>
    let constraints: UnsafeMutablePointer<ConstraintRecord>
    let hot: UnsafeMutablePointer<HotConstraint>
    let entities: UnsafeMutablePointer<EntityRecord>
    let entityLists: UnsafeMutablePointer<Int32>
    /// No text is the set's own (`localTexts` is empty), read per pass without touching the dictionary.
    let noLocalTexts: Bool
    /// Pending duties block (``ODRLEvaluationOptions/PendingDuties/block``).
    let pendingDutiesBlock: Bool
    /// Words of each policy and its rules, for traces (each rule points to its record).
    var compiled: [CompiledPolicy] { words.policies }
    let actions: ActionTable
    let options: ODRLEvaluationOptions
    /// How many trace entries an evaluation can produce (to size its buffer once).
    var ruleCount: Int { words.ruleCount }
    /// Request action spelling -> canonical name and broader-action ids.
    let requestActions: [String: (String, [Int32])]
    let terms: ODRLTerms
    /// Left operands of this set's constraints that `terms` does not know: name -> slot (from `terms.slotCount` on).
    let localSlots: [String: Int]
    let localSlotNames: [String]
    /// Text right operands (and entity IRIs) that `terms` does not know: text -> id (from `terms.textCount` on).
    let localTexts: [String: Int32]

    /// This set's own sorted id lists (shared constraints point into the terms' lists instead).
    let localIDs: UnsafeMutablePointer<Int32>
    /// The one block holding the header, the client's data and the records above (see `init`).
    private let storage: UnsafeMutableRawPointer
    /// The block's header (its first bytes).
    let header: UnsafeMutablePointer<BlockHeader>
    /// ``ODRLBlock/hotBytes``.
    let hotBytes: Int
    /// Words of each atomic constraint (the record's `atom`): as written, for sentences and the general path.
    let atomics: [CompiledAtomic]
    /// Words of each entity (uid, expanded form, source): for sentences and string compares.
    var entityWords: [CompiledEntity] { words.entities }
    /// Each rule record's ref (uid or JSON pointer): a duty's state is looked up by it.
    var ruleRefs: [String] { words.ruleRefs }
    /// The words above when kept (nil: made again when first asked for, see ``words``).
    private let keptWords: SetWords?
    /// Gives the policies again to compile the words from (a set made with `rebuildWords`).
    private let rebuildWords: (@Sendable () -> [ODRLPolicy])?
    private let rebuiltWords = Mutex<SetWords?>(nil)
    /// Some rule names a party (an assignee list).
    let namesParties: Bool
    /// Bit `s` (s < 63): some atomic constraint reads slot `s`; bit 63: some reads a slot from 63 on.
    let slotsRead: UInt64

    /// Takes the compiler's output: copies the records into buffers this set owns and points the
    /// records with ids of their own into `localIDs`. `client` is plain data of the caller's, kept
    /// in the same block right after the header (``BlockHeader/client``).
    ///
    /// `rebuildWords` (non-nil): the words (``compiled``, ``ruleRefs``, ``entityWords``) are not
    /// kept (`form` was compiled without them: ``Compiler/makeWords``) but compiled again from what
    /// it returns (the same policies, uids included) the first time something
    /// asks for them: a trace, a rule's ref, a member check by name. Why (bench/PROFILE.md,
    /// "prepare, session 7"): they were ~1,700 of the ~5,000 bytes a prepared news agreement kept
    /// (massif: a `CompiledRule` object, a ref string and a duty array per rule, a ref string per
    /// duty, the policy's uid), while a news evaluation reads only the records and ``atomics``
    /// (kept). Compiling is deterministic: the same policies give the same words, index for index.
    ///
    /// `form` is borrowed (read in place, never copied whole): the news layer lays its forms out in one kept
    /// in place per thread and reuses its arrays (``NewsCompileCache/form``).
    init(_ form: borrowing CompiledForm, options: ODRLEvaluationOptions, terms: ODRLTerms, client: [UInt8] = [],
         rebuildWords: (@Sendable () -> [ODRLPolicy])? = nil) {
        self.keptWords = rebuildWords == nil ? SetWords(copy form) : nil
        self.rebuildWords = rebuildWords
        self.actions = form.table
        self.requestActions = form.table.spellings()
        self.options = options
        self.terms = terms
        self.localSlots = form.localSlots
        self.localSlotNames = form.localSlotNames
        self.localTexts = form.localTexts
        self.flatCount = form.flatCount
        self.noLocalTexts = form.localTexts.isEmpty
        self.pendingDutiesBlock = options.pendingDuties == .block
        // One block for the header, the client's data, the rule, constraint and entity records, the
        // entity lists and the set's own id lists, one after the other, in the order a pass reads
        // them: a pass over a set then reads neighbouring cache lines of one allocation instead of
        // several allocations scattered over the heap (with 16,485 prepared agreements the sets do
        // not stay in cache; each cold allocation is a separate miss, and the hardware prefetcher
        // follows a sequential walk within one).
        var size = MemoryLayout<BlockHeader>.stride
        func place<T>(_ a: [T]) -> Int {
            let at = (size + 15) & ~15
            size = at + max(a.count, 1) * MemoryLayout<T>.stride
            return at
        }
        //
        // The rule records come last of what a pass reads, so that the hot part (``hotBytes``, what
        // ``ODRLBlock/warm()`` loads) can end after the top-level rules: a pass reads the other rule
        // records (duties, consequences, obligations) only when a duty state is recorded or pending
        // duties block, which never happens for a news agreement (its grants' duties were ~2 of
        // its ~15 cache lines; bench/PROFILE.md session 6).
        //
        // The constraints' hot parts (``HotConstraint``, 16 bytes) are in the hot part too; their full
        // records (32 bytes) follow it, read only for a constraint of the general shape.
        let clientAt = place(client)
        let hAt = (size + 15) & ~15
        size = hAt + max(form.constraints.count, 1) * MemoryLayout<HotConstraint>.stride
        let eAt = place(form.entities), lAt = place(form.entityLists)
        let rAt = place(form.rules)
        self.hotBytes = rAt + form.flatCount * MemoryLayout<RuleRecord>.stride
        let cAt = place(form.constraints)
        let iAt = place(form.localIDs)
        let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        self.storage = block
        // Initialized last, once `self` (its owner) can be named.
        self.header = block.bindMemory(to: BlockHeader.self, capacity: 1)
        client.withUnsafeBytes { b in
            if let base = b.baseAddress { (block + clientAt).copyMemory(from: base, byteCount: b.count) }
        }
        func fill<T>(_ a: [T], at offset: Int) -> UnsafeMutablePointer<T> {
            let p = (block + offset).bindMemory(to: T.self, capacity: max(a.count, 1))
            a.withUnsafeBufferPointer { b in
                if let base = b.baseAddress { p.initialize(from: base, count: b.count) }
            }
            return p
        }
        // The records are copied into the block first and finished there (flags, id pointers, shapes,
        // hot parts): finished in copies of the arrays (two copies on write and a `map`) they were
        // ~1,000 instructions of each news agreement's ~5,300 here (callgrind, "prepare, session 8").
        let rules = fill(form.rules, at: rAt)
        self.rules = rules
        self.entities = fill(form.entities, at: eAt)
        self.entityLists = fill(form.entityLists, at: lAt)
        self.localIDs = fill(form.localIDs, at: iAt)
        // A rule's `simple` flag: no refinement anywhere in it (see ``RuleRecord/simple``).
        func plainList(_ start: Int32, _ count: Int32) -> Bool {
            var k = Int(start)
            while k < Int(start) + Int(count) {
                if form.entities[Int(form.entityLists[k])].refineCount != 0 { return false }
                k += 1
            }
            return true
        }
        for k in 0..<form.rules.count {
            let r = rules[k]
            rules[k].simple = r.refineCount == 0 && !r.grantsNothing
                && plainList(r.targets, r.targetCount) && plainList(r.assignees, r.assigneeCount)
        }
        // Records whose id list is the set's own point into `localIDs` (known only now).
        let constraints = fill(form.constraints, at: cAt)
        self.constraints = constraints
        for (r, offset) in form.localIDFixups { constraints[Int(r)].ids = UnsafePointer(localIDs + Int(offset)) }
        let hot = (block + hAt).bindMemory(to: HotConstraint.self, capacity: max(form.constraints.count, 1))
        self.hot = hot
        for k in 0..<form.constraints.count {
            constraints[k].shape = ConstraintRecord.shape(of: constraints[k])
            (hot + k).initialize(to: HotConstraint.of(constraints[k]))
        }
        self.atomics = form.atomics
        self.namesParties = form.rules.contains { $0.assigneeCount >= 0 }
        var read: UInt64 = 0
        for c in form.constraints where !c.isLogical { read |= 1 << UInt64(min(max(Int(c.slot), 0), 63)) }
        self.slotsRead = read
        header.initialize(to: BlockHeader(owner: .passUnretained(self), rules: rules,
                                          constraints: constraints, hot: hot, entities: entities, entityLists: entityLists,
                                          client: block + clientAt, slotsRead: read, flatCount: Int32(form.flatCount),
                                          clientCount: Int32(client.count), noLocalTexts: noLocalTexts,
                                          pendingDutiesBlock: pendingDutiesBlock))
    }

    /// This set's block by address (see ``ODRLBlock``).
    var block: ODRLBlock { ODRLBlock(header: UnsafePointer(header), hotBytes: hotBytes) }

    /// The set's words: kept, or compiled again from `rebuildWords` on first use (then kept).
    var words: SetWords {
        if let keptWords { return keptWords }
        return rebuiltWords.withLock { w in
            if let w { return w }
            var compiler = Compiler(terms: terms)
            let made = SetWords(compiler.compile(rebuildWords?() ?? []))
            w = made
            return made
        }
    }

    deinit {
        // Records and header are plain data (no deinitialization needed).
        storage.deallocate()
    }

    /// A buffer holding `a` (at least one element's room, so the pointer is always valid).
    static func buffer<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
        a.withUnsafeBufferPointer { b in
            if let base = b.baseAddress { p.initialize(from: base, count: b.count) }
        }
        return p
    }

    /// Text id of `s` (already expanded) in this set: the shared terms', else the set's own, else -1.
    @inline(__always)
    func textID(_ s: String) -> Int32 { terms.texts[s] ?? localTexts[s] ?? -1 }

    /// A context value lowered against this set (its text id in the shared terms or the set's own).
    func lowerValue(_ v: ODRLValue) -> ODRLInputValue {
        switch v {
        case .text(let s): return ODRLInputValue(v, textID: textID(ODRLVocabulary.expand(s)))
        case .list(let l): return ODRLInputValue(v, textID: ODRLInputValue.notText, members: l.map(lowerValue))
        default: return ODRLInputValue(v, textID: ODRLInputValue.notText)
        }
    }

    /// Words for a rule: "permission to distribute `urn:asset` for `urn:party`" (its action as
    /// written, its assets' and parties' uids).
    func summary(of r: CompiledRule) -> String {
        let rec = rules[Int(r.record)]
        var summary = "\(r.kind.rawValue) to \(r.actionWritten.map { ODRLVocabulary.shortName($0) } ?? "do anything")"
        func uids(_ start: Int32, _ count: Int32) -> String {
            (start..<start + max(count, 0)).compactMap { k -> String? in
                let w = entityWords[Int(entityLists[Int(k)])]
                return w.named ? "`\(w.uid)`" : nil
            }.joined(separator: " or ")
        }
        if rec.targetCount > 0 { summary += " " + uids(rec.targets, rec.targetCount) }
        if rec.assigneeCount > 0 { summary += " for " + uids(rec.assignees, rec.assigneeCount) }
        return summary
    }

    /// The flat index of a top-level rule by its ref (the first with it), or nil. A linear scan: only
    /// traces with rule-scoped values and callers resolving a ref once use it (a dictionary per set
    /// would cost memory in every one of thousands of sets).
    func ruleIndex(of ref: String) -> Int? {
        for i in 0..<flatCount where ruleRefs[i] == ref { return i }
        return nil
    }
}

/// The words of a set (``SetCore/words``): what traces and sentences read besides the records.
final class SetWords: Sendable {
    let policies: [CompiledPolicy]
    let ruleRefs: [String]
    let entities: [CompiledEntity]
    /// How many trace entries an evaluation can produce.
    let ruleCount: Int

    init(_ form: CompiledForm) {
        policies = form.policies
        ruleRefs = form.ruleRefs
        entities = form.entityWords
        ruleCount = form.policies.reduce(0) { n, p in
            n + p.permissions.reduce(0) { $0 + 1 + $1.duties.count } + p.prohibitions.count + p.obligations.count
        }
    }
}

/// What the compiler produces (see ``Compiler``), turned into a ``SetCore``.
struct CompiledForm {
    var table = ActionTable()
    var policies: [CompiledPolicy] = []
    var localSlots: [String: Int] = [:]
    var localSlotNames: [String] = []
    var localTexts: [String: Int32] = [:]
    var flatCount = 0
    var rules: [RuleRecord] = []
    var ruleRefs: [String] = []
    var constraints: [ConstraintRecord] = []
    var entities: [EntityRecord] = []
    var entityLists: [Int32] = []
    var localIDs: [Int32] = []
    /// (constraint record, offset in `localIDs`) of each record whose ids are the set's own.
    var localIDFixups: [(Int32, Int32)] = []
    var atomics: [CompiledAtomic] = []
    var entityWords: [CompiledEntity] = []
}

// MARK: - Words

/// A policy's words: its ref, conflict strategy, and its rules' words (each pointing to its record).
struct CompiledPolicy: Sendable {
    var ref: String
    var conflict: ODRLConflictStrategy
    /// Why its permissions grant nothing (a `Request` asks for them, an `Assertion` only states them), or nil.
    var grantsNothing: String?
    var permissions: [CompiledRule]
    var prohibitions: [CompiledRule]
    var obligations: [CompiledRule]
}

/// A rule's words, for traces: its ref, kind and action; its checks are ``RuleRecord`` `record`.
/// Its summary ("permission to distribute `document/1234`") is made when a sentence needs it
/// (``SetCore/summary(of:)``): made at compile time, it was a string per rule kept in every set.
final class CompiledRule: Sendable {
    let ref: String
    let kind: ODRLRuleKind
    let actionName: String
    /// The action as written (nil: none), for the summary.
    let actionWritten: String?
    /// Index of the rule's record in ``SetCore/rules``.
    let record: Int32
    let duties: [CompiledRule]
    let consequences: [CompiledRule]

    init(ref: String, kind: ODRLRuleKind, actionName: String, actionWritten: String?, record: Int32, duties: [CompiledRule],
         consequences: [CompiledRule]) {
        self.ref = ref
        self.kind = kind
        self.actionName = actionName
        self.actionWritten = actionWritten
        self.record = record
        self.duties = duties
        self.consequences = consequences
    }
}

/// An entity's names: its uid, the uid expanded with the policy's `@context` prefixes (when that
/// changes it), and a collection's `source` (members may be listed under it instead).
struct CompiledEntity: Sendable {
    let uid: String
    /// It has a uid (`uid` is empty otherwise).
    let named: Bool
    let expanded: String?
    let source: String?
}

/// An atomic constraint's words and right operand values: sentences, and the general path of the
/// evaluator (lists, texts read as numbers), read only when the record alone cannot decide.
final class CompiledAtomic: Sendable {
    let leftOperand: String
    let op: ODRLVocabulary.Operator?
    let values: [CompiledLiteral]
    let domain: ValueDomain
    /// The constraint as written, for sentences: its words (``text``, ``valueText``) are made only
    /// when a sentence needs them (a territory list of 200 countries is not spelled out at compile time).
    let source: ODRLAtomicConstraint
    var text: String { Compiler.text(source) }
    /// The right operand and unit in words (`5.00 EUR`).
    var valueText: String { Compiler.valueText(source) }
    /// Why it can never be evaluated (extension operator, unresolvable reference), or nil.
    let unevaluable: String?

    init(leftOperand: String, op: ODRLVocabulary.Operator?, values: [CompiledLiteral], domain: ValueDomain,
         source: ODRLAtomicConstraint, unevaluable: String?) {
        self.leftOperand = leftOperand
        self.op = op
        self.values = values
        self.domain = domain
        self.source = source
        self.unevaluable = unevaluable
    }
}

enum CompiledLiteral: Sendable {
    case number(Double)
    /// A text and its interned id: a context text equals it when their ids are equal.
    case text(String, id: Int32)
    /// An IRI written with a prefix of the policy's `@context`: its full form and its compact form, and their ids.
    case prefixed(String, compact: String, id: Int32, compactID: Int32)
}
