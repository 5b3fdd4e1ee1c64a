import Synchronization

/// How many uses have already been recorded under a grant in a time window (for quotas).
///
/// The store implements it over the usage ledger; ``InMemoryUsage`` serves tests, the demo and
/// `--agreements` runs.
public protocol UsageCounter {
    /// Uses recorded under grant `grant` (0-based) of agreement `agreement` with `from <= at < to`.
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int
}

/// A usage counter that knows nothing was used yet.
public struct NoUsage: UsageCounter {
    public init() {}
    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int { 0 }
}

/// Uses kept in memory: what a batch run with `--record` has permitted so far.
public struct InMemoryUsage: UsageCounter, Sendable {
    public private(set) var records: [String: [(grant: Int, at: Instant)]] = [:]
    /// The same uses indexed by agreement and grant, as sorted milliseconds: counting a window is two
    /// binary searches instead of a scan of every use of the agreement.
    private var times: [GrantKey: [Int64]] = [:]

    private struct GrantKey: Hashable {
        var agreement: String
        var grant: Int
    }

    public init() {}
    /// Records one use under a grant.
    public mutating func record(agreement: String, grant: Int, at: Instant) {
        records[agreement, default: []].append((grant, at))
        let ms = at.millisecondsSinceEpoch
        let key = GrantKey(agreement: agreement, grant: grant)
        // Uses mostly arrive in time order: append; otherwise insert in place.
        if let last = times[key]?.last, last > ms {
            let i = InMemoryUsage.lowerBound(times[key] ?? [], ms + 1)
            times[key]?.insert(ms, at: i)
        } else {
            times[key, default: []].append(ms)
        }
    }

    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        guard let list = times[GrantKey(agreement: agreement, grant: grant)] else { return 0 }
        let lo = InMemoryUsage.lowerBound(list, from.millisecondsSinceEpoch)
        let hi = InMemoryUsage.lowerBound(list, to.millisecondsSinceEpoch)
        return max(0, hi - lo)
    }

    /// First position whose time is `>= ms`.
    static func lowerBound(_ list: [Int64], _ ms: Int64) -> Int {
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < ms { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Shared pieces of the news layer's use of the ODRL engine: request mapping and the base world state.
public enum NewsEngine {
    /// Every asset-kind collection holds its representative asset.
    static let baseState: ODRLWorldState = {
        var s = ODRLWorldState()
        for k in AssetKind.allCases { s.assetCollections[NewsODRL.assetKindIRI(k)] = [NewsODRL.representativeAssetIRI(k)] }
        return s
    }()

    /// The engine's context for a request: time, place, channel, extent, portion, delay since publication.
    public static func context(for r: RepublicationRequest) -> ODRLContext {
        var c = ODRLContext()
        c["dateTime"] = .time(Double(r.at.millisecondsSinceEpoch) / 1000)
        c["spatial"] = .text(NewsODRL.territoryIRI(r.territory))
        c["deliveryChannel"] = .text(NewsODRL.channelIRI(r.channel))
        c[NewsODRL.extentOperand] = .text(NewsODRL.extentIRI(r.extent))
        if r.extent == .whole {
            c["percentage"] = .number(100)
        } else if let p = r.portion {
            c["percentage"] = .number(p * 100)
        }
        if let pub = r.asset.publishedAt {
            c["delayPeriod"] = .duration(Double(r.at.millisecondsSinceEpoch - pub.millisecondsSinceEpoch) / 1000)
        }
        return c
    }

    /// The interning table every news policy set is compiled with: the left operands news requests
    /// carry, and every text a compiled agreement compares them with (territory, channel, extent and
    /// asset-kind IRIs). A request is lowered with it once (``input(for:)``) and evaluated against
    /// each of the subscriber's agreements with small-int compares.
    static let terms: ODRLTerms = {
        var texts: [String] = []
        texts += TerritoryTable.builtin.codes.map(NewsODRL.territoryIRI)
        texts += Channel.allCases.map(NewsODRL.channelIRI)
        texts += Extent.allCases.map(NewsODRL.extentIRI)
        texts += AssetKind.allCases.map(NewsODRL.assetKindIRI)
        texts += AssetKind.allCases.map(NewsODRL.representativeAssetIRI)
        return ODRLTerms(leftOperands: ["dateTime", "spatial", "deliveryChannel", NewsODRL.extentOperand, "percentage",
                                        "delayPeriod", "count"], texts: texts)
    }()
    static let dateTimeSlot = 0, spatialSlot = 1, channelSlot = 2, extentSlot = 3, percentageSlot = 4, delaySlot = 5, countSlot = 6

    /// Text ids (in ``terms``) of each channel and extent IRI, by index, and of each built-in
    /// territory: a request's territory, channel and extent are lowered to these ids without a string.
    ///
    /// One static holds them all (each `static let` is a `swift_once` check per access), behind
    /// one reference (a struct of arrays bound locally would retain each array).
    final class LoweringTables: Sendable {
        let channelIDs: [Int32] = Channel.allCases.map { terms.textID(NewsODRL.channelIRI($0)) ?? -1 }
        let extentIDs: [Int32] = Extent.allCases.map { terms.textID(NewsODRL.extentIRI($0)) ?? -1 }
        let territoryIDs = TerritoryIDs(TerritoryTable.builtin.codes.map { ($0, terms.textID(NewsODRL.territoryIRI($0)) ?? -1) })
    }
    static let tables = LoweringTables()

    /// Territory code -> text id of its IRI in ``terms``.
    ///
    /// A two-letter upper-case code (every built-in one: ISO 3166-1 alpha-2) is read as two bytes
    /// into a 26×26 table: ~20 instructions, where the `[String: ODRLInputValue]` look-up hashed the
    /// code with SipHash and copied a value with a reference-counted payload (~400). Any other
    /// code is looked up in a dictionary (same answers).
    struct TerritoryIDs: Sendable {
        private var pairs = [Int32](repeating: -1, count: 26 * 26)
        private var other: [String: Int32] = [:]

        init(_ codes: [(String, Int32)]) {
            for (code, id) in codes {
                if let k = TerritoryIDs.pairIndex(code) { pairs[k] = id } else { other[code] = id }
            }
        }

        /// The index of a two-letter upper-case ASCII code in the 26×26 table, or nil.
        @inline(__always)
        static func pairIndex(_ code: String) -> Int? {
            guard code.utf8.count == 2 else { return nil }
            var copy = code
            return copy.withUTF8 { b -> Int? in
                let x = Int(b[0]) &- 65, y = Int(b[1]) &- 65
                guard x >= 0, x < 26, y >= 0, y < 26 else { return nil }
                return x &* 26 &+ y
            }
        }

        /// The id of `code`'s IRI, or nil when ``terms`` does not know it.
        @inline(__always)
        func id(_ code: String) -> Int32? {
            let id = TerritoryIDs.pairIndex(code).map { pairs[$0] } ?? other[code] ?? -1
            return id >= 0 ? id : nil
        }
    }

    /// The party of a request as the agreements' passes see it: present, with no id (the prepared
    /// agreements name no party, see `odrlModel(forPreparation:)`; a notice whose public permissions
    /// name one gets the subscriber's own, ``subscriber(_:)``).
    static let anyParty = ODRLSubject(iri: "", selfID: -1, collectionIDs: [], collections: [], localResolved: false)

    /// The subscriber as a party (its IRI; not among ``terms``' texts): only for a notice whose public
    /// permissions name parties (``ODRLPolicySet/namesParties``), compared by string.
    static func subscriber(_ id: String) -> ODRLSubject {
        ODRLSubject(iri: NewsODRL.subscriberIRI(id), selfID: -1, collectionIDs: [], collections: [], localResolved: false)
    }

    /// The request lowered with ``terms`` into a new input: the same values as ``context(for:)``.
    static func input(for r: RepublicationRequest, target: ODRLSubject, assignee: ODRLSubject) -> ODRLInput {
        let input = ODRLInput(terms: terms)
        lower(r, into: input, target: target, assignee: assignee)
        return input
    }

    /// Lowers `r` into `input` (an input made with ``terms``, possibly holding an earlier request):
    /// the same values as ``context(for:)``, every slot, the action and the subjects overwritten and
    /// rule-scoped values dropped. `lookups` (the thread's, from its ``DecisionMemo``) answers the
    /// action and the territory from its cache; without one they are looked up afresh.
    ///
    /// Plain data only (ODRLInput.swift): the time and delay as numbers, territory, channel and
    /// extent as their IRIs' text ids, the action's ids copied, the subjects made once per notice.
    /// Nothing is allocated or retained (callgrind, bench/PROFILE.md session 4: ~3,600 instructions
    /// per decision to lower, copy and drop the former input, then ~510). Session 6: the seven slots
    /// are written in one go through the input's value buffer (each setter checked its slot and the
    /// general values again), the action and territory come from ``Lookups`` (~20 instructions each
    /// instead of ~210 and ~60), and the tables are read from `lookups` (each `static let` read is a
    /// `swift_once` call): ~510 → ~150 instructions per lowering (callgrind, /tmp/engine-w1k).
    static func lower(_ r: RepublicationRequest, into input: ODRLInput, target: ODRLSubject, assignee: ODRLSubject,
                      lookups: Lookups? = nil) {
        lower(r, into: input, target: .passUnretained(target), assignee: .passUnretained(assignee), lookups: lookups)
    }

    /// ``lower(_:into:target:assignee:lookups:)`` with the subjects unretained (the caller keeps them
    /// alive for the call; the input retains the ones it keeps).
    /// `action`: the request's action already looked up in `lookups` (``Lookups/action(_:)``; the
    /// decider looks it up once for the notice filter and for this), else it is looked up here.
    @inline(__always)
    static func lower(_ r: RepublicationRequest, into input: ODRLInput, target: Unmanaged<ODRLSubject>,
                      assignee: Unmanaged<ODRLSubject>, lookups: Lookups?, action: UnsafeMutablePointer<Lookups.Action>? = nil) {
        // The territory, channel and extent ids: from the thread's look-ups (plain buffers, read
        // without a retain), else from the tables.
        let territory: Int32, channel: Int32, extent: Int32
        if let lookups {
            territory = lookups.territory(r.territory)
            channel = lookups.channelIDs[r.channel.index]
            extent = lookups.extentIDs[r.extent == .whole ? 0 : 1]
        } else {
            let tables = NewsEngine.tables
            territory = tables.territoryIDs.id(r.territory) ?? -1
            channel = tables.channelIDs[r.channel.index]
            extent = tables.extentIDs[r.extent == .whole ? 0 : 1]
        }
        lowerValues(r, into: input, territory: territory, channel: channel, extent: extent)
        if let a = action ?? lookups?.action(r.action) {
            input.setAction(r.action, ids: lookups.unsafelyUnwrapped.ids(a), known: a.pointee.known)
        } else {
            input.setAction(r.action)
        }
        input.setSubjects(target: target, assignee: assignee)
    }

    /// ``lower(_:into:target:assignee:lookups:action:)`` on the decider's hot path: the thread's
    /// look-ups borrowed (not optional) and the action already found in them.
    ///
    /// Why (callgrind, bench/PROFILE.md session 9): the optional look-ups parameter, unwrapped at
    /// each use, was retained three times and released three times per lowering (the object is the
    /// thread's own, but ~65 instructions of calls and locked counts per request).
    @inline(__always)
    static func lower(_ r: RepublicationRequest, into input: ODRLInput, target: Unmanaged<ODRLSubject>,
                      assignee: Unmanaged<ODRLSubject>, lookups: Unmanaged<Lookups>, action: UnsafeMutablePointer<Lookups.Action>) {
        lookups._withUnsafeGuaranteedRef { l in
            lowerValues(r, into: input, territory: l.territory(r.territory), channel: l.channelIDs[r.channel.index],
                        extent: l.extentIDs[r.extent == .whole ? 0 : 1])
            input.setAction(r.action, ids: l.ids(action), known: action.pointee.known)
        }
        input.setSubjects(target: target, assignee: assignee)
    }

    /// The request's values written into `input`'s slots (the territory, channel and extent as
    /// their text ids, -1: not a built-in one), its rule-scoped values dropped.
    @inline(__always)
    static func lowerValues(_ r: RepublicationRequest, into input: ODRLInput, territory: Int32, channel: Int32, extent: Int32) {
        let at = r.at.millisecondsSinceEpoch
        // Slot order: dateTime, spatial, deliveryChannel, extent, percentage, delayPeriod, count.
        let f = input.plainSlots(count: 7)
        f[dateTimeSlot] = FastValue(tag: FastValue.time, id: ODRLInputValue.notText, num: Double(at) / 1000)
        f[spatialSlot] = territory >= 0 ? FastValue(tag: FastValue.text, id: territory, num: 0) : .none
        f[channelSlot] = .ofText(channel)
        f[extentSlot] = .ofText(extent)
        if r.extent == .whole {
            f[percentageSlot] = FastValue(tag: FastValue.number, id: ODRLInputValue.notText, num: 100)
        } else if let p = r.portion {
            f[percentageSlot] = FastValue(tag: FastValue.number, id: ODRLInputValue.notText, num: p * 100)
        } else {
            f[percentageSlot] = .none
        }
        if let published = r.asset.publishedAt {
            f[delaySlot] = FastValue(tag: FastValue.duration, id: ODRLInputValue.notText,
                                     num: Double(at - published.millisecondsSinceEpoch) / 1000)
        } else {
            f[delaySlot] = .none
        }
        f[countSlot] = .none
        if territory < 0 {
            // Not a built-in territory (a request made in code): its IRI as a text the terms do not know.
            input.set(slot: spatialSlot, terms.value(.text(NewsODRL.territoryIRI(r.territory))))
        }
        input.clearRuleValues()
    }

    /// A request's action and territory answered from a per-thread cache keyed by the `String`
    /// value's own 16 bytes, and the lowering tables held without a `swift_once` per read. One per
    /// ``DecisionMemo`` (one per thread; not thread-safe).
    ///
    /// Why (callgrind, bench/PROFILE.md session 6): the action was looked up twice per request, by
    /// the notice filter (its covering mask, ``NewsActions/coveringTable``: ~195 instructions, the
    /// bytes packed one by one) and by lowering (its broader-action ids, ``ODRLInput/setAction(_:)``:
    /// ~210, with a string compare, a copy and a retain); the territory's two bytes were copied out of
    /// the string for the 26×26 table (~60). Here both come from one probe: two words loaded from the
    /// `String` itself, a multiply-shift hash, a compare of two words.
    ///
    /// Why the bits are a sound key: two `String` values with the same 16 bytes hold the same text.
    /// A small string (at most 15 UTF-8 bytes: every news action and territory code) keeps its bytes
    /// and length in those 16 bytes; a large one keeps the address of its storage, and the cache
    /// keeps every key string it stored (``kept``), so that storage cannot be freed and reused for
    /// another text while its entry exists. Different bytes for equal texts (a large copy of a short
    /// text, another normalization of a non-ASCII one) only miss the cache and are looked up as
    /// before: the answers are always the lookups' own.
    final class Lookups {
        /// The lowering tables (``NewsEngine/tables``), read once; unretained (`unowned(unsafe)`: the
        /// `static let` keeps them for the process), so that reading them retains nothing.
        unowned(unsafe) let tables = NewsEngine.tables
        /// ``NewsEngine/anyParty``, unretained (the `static let` keeps it).
        let anyParty = Unmanaged.passUnretained(NewsEngine.anyParty)
        /// The answers for one action spelling: the notice filter's covering mask and the engine's
        /// broader-action ids (`count` of them, at most ``maxIDs``, kept in ``actionIDs`` at the
        /// entry's position times ``maxIDs``; `known` false: not a vocabulary spelling, each set
        /// resolves it by name).
        struct Action {
            var lo: UInt64 = 0
            var hi: UInt64 = 0
            var mask: UInt64 = 0
            var count: Int32 = 0
            var known = false
            static let maxIDs = 8
        }
        /// Open-addressing tables (power-of-two sizes, kept at most half full: full, they start over).
        private let actions: UnsafeMutablePointer<Action>
        private let actionIDs: UnsafeMutablePointer<Int32>
        private let actionMask = 63
        private var actionCount = 0
        private let territories: UnsafeMutablePointer<(lo: UInt64, hi: UInt64, id: Int32)>
        private let territoryMask = 1023
        private var territoryCount = 0
        /// The text ids of each channel's and extent's IRI (``LoweringTables``), by index, in plain
        /// buffers: read from the tables' arrays, each read retained and released the array (or
        /// the tables object) around the lowering (session 8).
        let channelIDs: UnsafeMutablePointer<Int32>
        let extentIDs: UnsafeMutablePointer<Int32>
        /// Every key string stored (see above: keeps a large string's storage alive).
        private var kept: [String] = []
        /// A scratch input for looking up an action the cache does not have.
        private let scratch = ODRLInput(terms: NewsEngine.terms)

        init() {
            actions = .allocate(capacity: actionMask + 1)
            actions.initialize(repeating: Action(), count: actionMask + 1)
            actionIDs = .allocate(capacity: (actionMask + 1) * Action.maxIDs)
            actionIDs.initialize(repeating: 0, count: (actionMask + 1) * Action.maxIDs)
            territories = .allocate(capacity: territoryMask + 1)
            territories.initialize(repeating: (0, 0, -1), count: territoryMask + 1)
            channelIDs = .allocate(capacity: NewsEngine.tables.channelIDs.count)
            channelIDs.initialize(from: NewsEngine.tables.channelIDs, count: NewsEngine.tables.channelIDs.count)
            extentIDs = .allocate(capacity: NewsEngine.tables.extentIDs.count)
            extentIDs.initialize(from: NewsEngine.tables.extentIDs, count: NewsEngine.tables.extentIDs.count)
        }

        deinit {
            channelIDs.deallocate()
            extentIDs.deallocate()
            actions.deallocate()
            actionIDs.deallocate()
            territories.deallocate()
        }

        /// The 16 bytes of a `String` value (see the type's comment). `hi` is never 0 for a
        /// `String` (a small one has its discriminator there, a large one its storage address), so
        /// 0 marks an empty slot.
        @inline(__always)
        static func bits(_ s: String) -> (lo: UInt64, hi: UInt64) { unsafeBitCast(s, to: (UInt64, UInt64).self) }

        @inline(__always)
        static func slot(_ b: (lo: UInt64, hi: UInt64), _ mask: Int) -> Int {
            let h = (b.lo &* 0x9E37_79B9_7F4A_7C15) ^ (b.hi &* 0xC2B2_AE3D_27D4_EB4F)
            return Int(truncatingIfNeeded: h >> 40) & mask
        }

        /// The text id of a built-in territory's IRI (``TerritoryIDs/id(_:)``), or -1.
        @inline(__always)
        func territory(_ code: String) -> Int32 {
            let b = Lookups.bits(code)
            var i = Lookups.slot(b, territoryMask)
            while territories[i].hi != 0 {
                if territories[i].hi == b.hi && territories[i].lo == b.lo { return territories[i].id }
                i = (i &+ 1) & territoryMask
            }
            let id = tables.territoryIDs.id(code) ?? -1
            guard b.hi != 0, code.utf8.count <= 15 else { return id }
            if territoryCount >= (territoryMask + 1) / 2 {
                reset()
                i = Lookups.slot(b, territoryMask)
            }
            territories[i] = (b.lo, b.hi, id)
            territoryCount += 1
            kept.append(code)
            return id
        }

        /// The answers for a request's action (see ``Action``) from the cache, looked up and kept
        /// when not there; nil for an action that cannot be kept (a spelling of more than 15
        /// bytes, more than ``Action/maxIDs`` broader actions): the caller looks it up as before.
        @inline(__always)
        func action(_ name: String) -> UnsafeMutablePointer<Action>? {
            let b = Lookups.bits(name)
            var i = Lookups.slot(b, actionMask)
            while actions[i].hi != 0 {
                if actions[i].hi == b.hi && actions[i].lo == b.lo { return actions + i }
                i = (i &+ 1) & actionMask
            }
            return lookUp(name, b)
        }

        /// A cache miss: the action looked up as before (the notice filter's table, the input's
        /// spelling tables), and kept.
        @inline(never)
        private func lookUp(_ name: String, _ b: (lo: UInt64, hi: UInt64)) -> UnsafeMutablePointer<Action>? {
            guard b.hi != 0, name.utf8.count <= 15 else { return nil }
            scratch.setAction(name)
            let count = scratch.actionKnown ? scratch.actionCount : 0
            guard count <= Action.maxIDs else { return nil }
            var a = Action()
            a.lo = b.lo
            a.hi = b.hi
            a.mask = NewsActions.coveringTable.value(name) ?? 0
            a.known = scratch.actionKnown
            a.count = Int32(count)
            if actionCount >= (actionMask + 1) / 2 { reset() }
            var i = Lookups.slot(b, actionMask)
            while actions[i].hi != 0 { i = (i &+ 1) & actionMask }
            actions[i] = a
            for k in 0..<count { actionIDs[i &* Action.maxIDs &+ k] = scratch.actionIDs[k] }
            actionCount += 1
            kept.append(name)
            return actions + i
        }

        /// The broader-action ids of the cached action at `a` (from ``action(_:)``), in place.
        @inline(__always)
        func ids(_ a: UnsafeMutablePointer<Action>) -> UnsafeBufferPointer<Int32> {
            UnsafeBufferPointer(start: actionIDs + (a - actions) &* Action.maxIDs, count: Int(a.pointee.count))
        }

        /// Drops every entry (the tables stay allocated).
        private func reset() {
            for k in 0...actionMask { actions[k] = Action() }
            for k in 0...territoryMask { territories[k] = (0, 0, -1) }
            actionCount = 0
            territoryCount = 0
            kept.removeAll(keepingCapacity: true)
        }
    }

    /// The engine request for a news request (the asset stands for its kind; see ``NewsODRL``).
    public static func request(_ r: RepublicationRequest, context: ODRLContext) -> ODRLRequest {
        ODRLRequest(assignee: NewsODRL.subscriberIRI(r.subscriber), action: r.action,
                    target: NewsODRL.representativeAssetIRI(r.asset.kind), context: context)
    }
}

/// Per-thread scratch of the decider, kept between decisions so that deciding allocates nothing:
/// the lowered request (``NewsEngine/lower(_:into:target:assignee:)``), the JSON writer's buffers,
/// and who lifts the notice's prohibitions in words per concern mask.
///
/// Until session 5 it also remembered whole explanations and permits (hash look-ups keyed by the
/// denial's shape): the words that depend only on an agreement are now made once and kept with the
/// prepared agreement (``PreparedAgreement/PermitSlots``), and the rest is cheaper to write than to look
/// up (bench/PROFILE.md news sessions 4 and 5). Not thread-safe: one per batch worker or thread.
/// Passing none gives the same decisions, only with fresh buffers each time.
public final class DecisionMemo {
    /// The lowered request the decider reuses from one decision to the next (this memo is per
    /// thread): a plain scratch buffer (see ``NewsEngine/lower(_:into:target:assignee:)``). A `let`,
    /// made with the memo: a `lazy var` of a class was checked for exclusive access at run time on
    /// every read (`swift_beginAccess`, ~75 instructions per evaluation, callgrind session 5).
    let input = ODRLInput(terms: NewsEngine.terms)
    /// The request's action and territory looked up from this thread's cache (``NewsEngine/Lookups``).
    let lookups = NewsEngine.Lookups()
    /// ``input`` and ``lookups`` unretained (the fields above keep them): what the evaluation passes
    /// down. Read from the fields and passed to a function, each was retained and released per
    /// evaluation (callgrind, bench/PROFILE.md session 8); a plain `Unmanaged` is not, and the
    /// evaluation borrows the object from it (`_withUnsafeGuaranteedRef`). One plain field read
    /// through the optional memo, so that the memo itself is not bound (and retained) either.
    let refs: (input: Unmanaged<ODRLInput>, lookups: Unmanaged<NewsEngine.Lookups>)
    /// Concern mask (the notice's concerned prohibitions) -> who lifts them, in words
    /// (``NewsDecider/describeLifters(_:_:concern:memo:)``: ~11k instructions to make).
    var lifterWords: [UInt64: String] = [:]
    /// Scratch writers of ``NewsDecider/appendDecisionJSON(_:for:usage:memo:to:)`` (the decision and
    /// its remedies), kept between decisions: a decision allocates nothing.
    var jsonScratch = ByteWriter(capacity: 2048)
    var remedyScratch = ByteWriter(capacity: 512)
    var remedyEndScratch = ByteWriter(capacity: 64)
    /// This thread's formatted dates (the JSON writer's instants; words session 7).
    let dates = DateCache()
    /// Scratch of ``NewsDecider/reason(at:of:for:usage:memo:)`` (one reason's message).
    var reasonScratch = ByteWriter(capacity: 256)
    /// At most this many lifter phrasings are kept (the memo starts over when full).
    let capacity: Int
    /// `blocksAskedFor`: the caller asks for the cache lines of every block an evaluation will read before it
    /// evaluates (`check --batch`'s prefetch, ``NewsDecider/hotRanges(stage:into:capacity:)``), so the
    /// evaluation does not load them first (``ODRLBlock/warm()``). Only a hint: the same decisions either way.
    public init(capacity: Int = 100_000, blocksAskedFor: Bool = false) {
        self.capacity = capacity
        refs = (.passUnretained(input), .passUnretained(lookups))
        input.blocksAskedFor = blocksAskedFor
    }
    deinit {
        jsonScratch.free()
        remedyScratch.free()
        remedyEndScratch.free()
        reasonScratch.free()
    }
    /// Number of remembered phrasings.
    public var count: Int { lifterWords.count }
}

/// Process-wide numbering of prepared agreements (identifies a preparation without a string).
///
/// Each thread takes numbers from a block of 4,096 it reserved (``next()``): the process-wide
/// counter's lock is met once per 4,096 preparations, not once per preparation by every worker
/// (bench/PROFILE.md, "prepare, session 7": no lock shared by the workers while preparing). Numbers
/// stay unique in the process; only uniqueness is used (memo keys), not their order.
final class PreparationSerial {
    private static let blocks = Locked<UInt64>(0)
    private static let perThread = PerThread { PreparationSerial() }
    private static let blockSize: UInt64 = 4_096
    private var next: UInt64 = 0
    private var end: UInt64 = 0

    /// A number no other preparation in the process has (never 0).
    static func next() -> UInt64 {
        let s = perThread.value
        if s.next == s.end {
            s.next = blocks.withLock { n -> UInt64 in n += blockSize; return n - blockSize } + 1
            s.end = s.next + blockSize
        }
        defer { s.next += 1 }
        return s.next
    }
}

/// An agreement compiled for the engine once, to decide many requests (DESIGN.md rules 3–5).
///
/// The agreement is one ODRL policy (``Agreement/odrlModel(territories:)``, built directly and
/// compiled once, in the party-less form of ``Agreement/odrlModel(territories:grantDims:forPreparation:)``):
/// a permission per grant and action, a prohibition per restriction and action. A request is
/// evaluated against it in one engine pass (``ODRLPolicySet/ruleResults(_:state:into:)``), which
/// says for every rule whether it is in force and which of its constraints fail; the news layer
/// built those constraints, so it knows which dimension each one checks (term, extent, channel,
/// territory, embargo, quota...).
///
/// Cheap and small (bench/PROFILE.md, "Preparing an agreement"): the model is not validated (it is
/// valid by construction; `AgreementModelValidityTests` runs the validator on seeded random
/// agreements' models), no sentence is made here (the decider words them on demand and memoises
/// them in ``DecisionMemo``), and what is kept beside the compiled set is a few integers per grant.
public struct PreparedAgreement: Sendable {
    /// Everything prepared, behind one reference: the decider copies prepared agreements into
    /// per-request lists, and a struct of arrays and strings would be retained field by field.
    final class Core: Sendable {
        let agreement: Agreement
        /// This preparation's number in the process (memo keys).
        let serial: UInt64
        let set: ODRLPolicySet
        /// What a decision's words keep of the agreement, in one block (``AgreementWords``): its id and
        /// name (``text``), each grant's permit words (made on its first permit, ``permitWords(_:)``) and
        /// its grants' lists (made on its first denial by a grant).
        let words: AgreementWords
        // The grants, prohibitions and activity positions are not kept here: they are in the block's
        // ``Hot`` (read there). Kept here too, they were two arrays and four fields per prepared
        // agreement (~110 bytes with malloc's; heaptrack, "prepare, session 10") read by nothing but a quota.

        init(agreement: Agreement, serial: UInt64, set: ODRLPolicySet) {
            self.agreement = agreement
            self.serial = serial
            self.set = set
            words = AgreementWords(agreement)
        }
    }

    /// What the set's words are compiled again from, if ever asked for (``SetCore``'s `rebuildWords`):
    /// the prepared agreement's ``Core`` (set once it is made), not a copy of its `Agreement`.
    ///
    /// Why (heaptrack, "prepare, session 10"): the closure capturing the agreement and its table was a
    /// 248-byte context in every prepared agreement (the `Agreement` value inline, ~200 bytes, beside
    /// the one ``Core`` keeps) and two outlined copies of it (~400 instructions). `unowned`: the core
    /// owns the set that owns this source, so it outlives every use (a use after would trap, not read
    /// freed memory).
    final class WordsSource: @unchecked Sendable {
        unowned var core: Core?
        /// The territory table when it is not the built-in one.
        let table: TerritoryTable?
        init(table: TerritoryTable?) { self.table = table }
        func policies() -> [ODRLPolicy] {
            guard let core else { return [] }
            return PreparedAgreement.plan(core.agreement, table: table ?? .builtin).policies
        }
    }
    let core: Core
    /// The compiled set's block (``ODRLBlock``), holding beside the records what an evaluation reads
    /// of the agreement (``Hot``): the evaluation starts here and does not touch ``core`` (kept
    /// alive by it) unless the agreement has a quota.
    let block: ODRLBlock

    public var agreement: Agreement { core.agreement }
    /// Identifies this version: source, id, version, effective date, termination (made on demand;
    /// the decider's memo keys use ``serial``).
    public var memoKey: String {
        let a = core.agreement
        return "\(a.source)|\(a.id)|\(a.version ?? 0)|\(a.effectiveAt?.millisecondsSinceEpoch ?? -1)|\(a.termination?.at.millisecondsSinceEpoch ?? -1)"
    }
    /// This preparation's number in the process: what memo keys use.
    var serial: UInt64 { core.serial }
    /// The compiled agreement (plus, for an agreement without grants or a grant without actions,
    /// a probe policy whose permissions carry the same constraints, to say which fail).
    var set: ODRLPolicySet { core.set }
    /// The grants' prepared parts (read from the block's ``Hot``).
    var grants: [PreparedGrant] {
        let client = block.client
        let head = client.load(as: Hot.self)
        return (0..<Int(head.grantCount)).map { g in
            client.load(fromByteOffset: Hot.grantsOffset + g * MemoryLayout<PreparedGrant>.stride, as: PreparedGrant.self)
        }
    }

    /// What an evaluation reads of a prepared agreement besides the engine's answers, as plain data
    /// kept in its compiled set's block, right after the block's header (``ODRLBlock/client``): this
    /// head, then the grants (``PreparedGrant``, `grantCount` of them, at ``grantsOffset``), then the
    /// prohibitions (``RestrictionRule``, `prohibitionCount`, at ``prohibitionsOffset``).
    ///
    /// Why (bench/PROFILE.md, "session 5"): the evaluation is bound by memory (16,485 prepared
    /// agreements do not stay in cache). Read from ``Core`` these were a chain of misses: the
    /// object (the `Agreement` value inside it spans several cache lines), then the grants array,
    /// then the prohibitions array, each a separate allocation, retained on the way; here they share
    /// the cache lines the engine pass reads next.
    struct Hot {
        var grantCount: Int32
        var prohibitionCount: Int32
        /// ``Core/activityRule``.
        var activityRule: Int32
        /// The notice's lifters (``NoticeTerms/Lifters`` bits) that accept this agreement's kind
        /// (``NewsDecider/accepts(_:lifters:)``: an agreement counts when the notice names no lifter
        /// or one of these).
        var accepting: UInt8
        var terminationPosition: Int8
        var priorPosition: Int8
        var activityCount: Int8
        /// The activity constraints as plain comparisons (``PreparedAgreement/fillPlainActivity(_:)``):
        /// the slot of their left operand (the request's time) and its ``FastValue`` tag besides a
        /// number (`HotConstraint.own`), -1 when they are not all comparisons of one slot (the
        /// checks then evaluate them: ``NewsDecider/plainActivityFailed(_:_:)``)...
        var activitySlot: Int16 = -1
        var activityOwn: UInt8 = 0
        /// ...the operator of the `i`-th (``ConstraintRecord/Op``, `eq` ... `gteq`) in byte `i`...
        var activityOps: UInt32 = 0
        /// ...and the number each is compared with (the compiled record's `payload`, bit for bit).
        var activityValues: (Double, Double, Double, Double) = (0, 0, 0, 0)

        static var grantsOffset: Int { (MemoryLayout<Hot>.stride + 15) & ~15 }
        func prohibitionsOffset() -> Int {
            (Hot.grantsOffset + Int(grantCount) * MemoryLayout<PreparedGrant>.stride + 7) & ~7
        }

        /// The head, grants and prohibitions as bytes, laid out as described above, in `out` (replacing what
        /// it held; the caller reuses one array per thread, ``NewsCompileCache/Scratch``: a new array per
        /// version was an allocation and a free, ~700 instructions with the copy; callgrind, "prepare, session 10").
        static func write(_ head: Hot, grants: [PreparedGrant], prohibitions: [RestrictionRule], to out: inout [UInt8]) {
            let end = head.prohibitionsOffset() + prohibitions.count * MemoryLayout<RestrictionRule>.stride
            out.removeAll(keepingCapacity: true)
            out.append(contentsOf: repeatElement(0, count: end))
            out.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: head, as: Hot.self)
                for (g, pg) in grants.enumerated() {
                    raw.storeBytes(of: pg, toByteOffset: Hot.grantsOffset + g * MemoryLayout<PreparedGrant>.stride, as: PreparedGrant.self)
                }
                for (k, x) in prohibitions.enumerated() {
                    raw.storeBytes(of: x, toByteOffset: head.prohibitionsOffset() + k * MemoryLayout<RestrictionRule>.stride,
                                   as: RestrictionRule.self)
                }
            }
        }
    }

    /// A prohibition's flat rule index and its restriction.
    struct RestrictionRule: Sendable {
        let rule: Int32
        let restriction: Int32
    }

    /// A grant's prepared parts: plain integers (no reference to retain when read). 24 bytes (the
    /// 8-byte field first: declared after the 4-byte ones it made the stride 32, and the grants are
    /// read from the agreement's block on every pass, session 6).
    struct PreparedGrant: Sendable {
        /// The dimension of each of the grant's own constraints (after the activity ones), 4 bits
        /// each (``GrantDimension`` case index), in order; `ownCount` of them.
        let ownDims: UInt64
        /// Flat rule indexes of the grant's permissions (one per action): `firstRule ..< firstRule + ruleCount`.
        let firstRule: Int32
        let ruleCount: Int32
        /// The rule whose constraints say which dimensions fail (the first permission, or a probe; -1: none).
        let dimsRule: Int32
        let ownCount: Int8

        init(firstRule: Int32, ruleCount: Int32, dimsRule: Int32, ownDims: UInt64, ownCount: Int8) {
            self.ownDims = ownDims
            self.firstRule = firstRule
            self.ruleCount = ruleCount
            self.dimsRule = dimsRule
            self.ownCount = ownCount
        }

        var rules: Range<Int> { Int(firstRule) ..< Int(firstRule + ruleCount) }
        func ownDim(_ j: Int) -> Int { Int((ownDims >> UInt64(4 * j)) & 0xF) }
    }

    /// The duties of a permit by grant `g`: the grant's own (each once), then the notice's obligations not already owed.
    func permitDuties(grant g: Int, obligations: [Duty]) -> [DecisionDuty] {
        PreparedAgreement.permitDuties(agreement, grant: g, obligations: obligations)
    }

    /// ``permitDuties(grant:obligations:)`` of agreement `a`.
    static func permitDuties(_ a: Agreement, grant g: Int, obligations: [Duty]) -> [DecisionDuty] {
        var seen: [DecisionDuty] = []
        for d in a.grants[g].duties where !seen.contains(where: { $0.duty == d }) { seen.append(DecisionDuty(duty: d, agreement: a.id)) }
        return obligations.isEmpty ? seen : NewsDecider.dedupe(seen + obligations.map { DecisionDuty(duty: $0) })
    }

    /// Whether the agreement's model can be compiled without running the validator: everything
    /// the validator could object to in it is as `Agreement.parse` makes it. Actions are canonical
    /// ODRL names, none repeated in a grant or restriction (a repeat would give two rules one uid);
    /// a territory constraint names at least one country (parse refuses a grant's `excludeTerritories`
    /// that removes every territory, but not a restriction's: such a restriction's `isAnyOf []` is
    /// refused by the validator, as it always was); dates have four-digit years; a portion is a
    /// finite number; an embargo a duration that reads back. An `Agreement` that breaks one of
    /// these (built in code, or that restriction) is validated, and refused, as before.
    static func validByConstruction(_ a: Agreement, table: TerritoryTable = .builtin) -> Bool {
        // Canonical news actions, none repeated: answered once per distinct list on this thread (by its
        // storage; ~2,200 instructions a version of dictionary look-ups by name, callgrind session 8).
        let cache = NewsCompileCache.current
        func ok(_ actions: [String]) -> Bool { cache.actions(actions).valid }
        // 0001-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z
        func plain(_ i: Instant) -> Bool { i.millisecondsSinceEpoch >= -62_135_596_800_000 && i.millisecondsSinceEpoch < 253_402_300_800_000 }
        func duration(_ e: ISODuration?) -> Bool {
            guard let e else { return true }
            // What the engine reads `delayPeriod` with (remembered per thread: ~4,900 instructions a parse).
            return cache.readsBack(e)
        }
        func territories(_ t: TerritorySpec?) -> Bool { t.map { !$0.resolved.isEmpty } ?? true }
        guard plain(a.term.start), plain(a.term.end), plain(a.signedAt), a.termination.map({ plain($0.at) }) ?? true else { return false }
        // Read in place: `for g in a.grants` copied each `Grant` (~460 instructions a grant; "prepare, session 9").
        let grantsOK = a.grants.withUnsafeBufferPointer { gs in
            gs.indices.allSatisfy { k in
                let g = gs.baseAddress.unsafelyUnwrapped + k
                return ok(g.pointee.actions) && territories(g.pointee.territories) && duration(g.pointee.embargo)
                    && (g.pointee.maxPortion?.isFinite ?? true)
            }
        }
        guard grantsOK else { return false }
        return a.restrictions.withUnsafeBufferPointer { rs in
            rs.indices.allSatisfy { k in
                let r = rs.baseAddress.unsafelyUnwrapped + k
                return ok(r.pointee.actions ?? NewsCompileCache.use) && territories(r.pointee.territories) && duration(r.pointee.embargo)
            }
        }
    }

    /// What preparing an agreement compiles, and how the decider reads the engine's answers.
    struct Plan {
        /// The agreement's party-less model, then (when needed) a policy of probe permissions.
        var policies: [ODRLPolicy]
        var grants: [PreparedGrant]
        var prohibitions: [RestrictionRule]
        var activityRule: Int
        var activityDims: [GrantDimension]
    }

    /// The policies an agreement is compiled as (what `AgreementModelValidityTests` validates) and
    /// the rule positions the decider reads.
    ///
    /// `uids: false`: without the policy's, rules' and probes' uids (see
    /// ``Agreement/odrlModel(territories:grantDims:forPreparation:uids:)``): what a prepared agreement
    /// compiles when its model is valid by construction (its set's words are compiled again from the
    /// full plan on demand).
    static func plan(_ a: Agreement, table: TerritoryTable, uids: Bool = true) -> Plan {
        var grantDims: [[GrantDimension]] = []
        let model = a.odrlModel(territories: table, grantDims: &grantDims, forPreparation: true, uids: uids)
        let activity = a.activityConstraintModels()
        let activityCount = activity.count
        // Flat rule indexes follow the policy's order: permissions (grant by grant, action by
        // action), then prohibitions (restriction by restriction, action by action), then the probes.
        var grants: [PreparedGrant] = []
        grants.reserveCapacity(a.grants.count)
        var flat = 0
        var probes: [ODRLRule] = []
        let permissionCount = a.grants.reduce(0) { $0 + $1.actions.count }
        let prohibitionCount = a.restrictions.reduce(0) { $0 + ($1.actions ?? ["use"]).count }
        for (g, grant) in a.grants.enumerated() {
            let first = flat
            flat += grant.actions.count
            var dimsRule = grant.actions.isEmpty ? -1 : first
            if grant.actions.isEmpty {
                // A grant without actions has no permission: a probe (no action) carries its target and constraints.
                dimsRule = permissionCount + prohibitionCount + probes.count
                probes.append(ODRLRule(kind: .permission, targets: NewsODRL.assetTargets(grant.assets),
                                       constraints: activity.map(\.1) + a.grantConstraintModels(grant, table: table).map(\.1)))
            }
            var own: UInt64 = 0
            let dims = grantDims[g].dropFirst(activityCount)
            for (j, d) in dims.enumerated() { own |= UInt64(d.caseIndex) << UInt64(4 * j) }
            grants.append(PreparedGrant(firstRule: Int32(first), ruleCount: Int32(grant.actions.count), dimsRule: Int32(dimsRule),
                                        ownDims: own, ownCount: Int8(dims.count)))
        }
        var prohibitions: [RestrictionRule] = []
        for (k, r) in a.restrictions.enumerated() {
            for _ in r.actions ?? ["use"] {
                prohibitions.append(RestrictionRule(rule: Int32(flat), restriction: Int32(k)))
                flat += 1
            }
        }
        let activityRule: Int
        if let first = grants.first(where: { $0.dimsRule >= 0 }) {
            activityRule = Int(first.dimsRule)
        } else {
            // No grant: a probe permission with the activity constraints alone says whether the agreement counts.
            activityRule = permissionCount + prohibitionCount + probes.count
            probes.append(ODRLRule(kind: .permission, constraints: activity.map(\.1)))
        }
        var policies = [model]
        if !probes.isEmpty {
            var probe = ODRLPolicy(type: "Set", uid: uids ? (model.uid ?? "") + "#probes" : nil)
            for (k, var r) in probes.enumerated() {
                if uids { r.uid = (model.uid ?? "") + "#probe-\(k + 1)" }
                probe.permissions.append(r)
            }
            policies.append(probe)
        }
        return Plan(policies: policies, grants: grants, prohibitions: prohibitions, activityRule: activityRule, activityDims: activity.map(\.0))
    }

    /// Compiles an agreement (throws the engine's diagnostics if the compiled policy is refused: a bug;
    /// an agreement that can never be in force is accepted and denies with the reason that applies).
    public init(_ a: Agreement, territories table: TerritoryTable = .builtin) throws(DiagnosticError) {
        // A model valid by construction is compiled without uids (they are only words; see `plan`).
        let valid = PreparedAgreement.validByConstruction(a, table: table)
        // An agreement valid by construction (built-in territories) is compiled straight to the records,
        // without its model (see `compileDirect`, PreparedCompile.swift): the same form, a third of the
        // instructions. Anything else is compiled from its model, as below.
        let direct = valid && table.codes == TerritoryTable.builtin.codes ? PreparedAgreement.compileDirect(a) : nil
        let plan = direct == nil ? PreparedAgreement.plan(a, table: table, uids: !valid) : nil
        let grants = direct?.grants ?? plan?.grants ?? []
        let prohibitions = direct?.prohibitions ?? plan?.prohibitions ?? []
        // An agreement whose activity constraints contradict each other (a subscription signed on or
        // after its term's end: `dateTime >= signedAt` and `dateTime < end`; a termination on or before
        // the term's start: `dateTime < terminatedAt` and `dateTime >= start`) is legal data that can
        // never be in force. The validator would refuse such a rule (`odrl.contradictory_constraints`);
        // for agreements it is kept as a warning, so the rules are compiled and evaluated by the
        // engine like any other: each constraint fails or holds on its own at the request's time, and
        // `outcome` reads the same failing bits as for any inactive agreement (terminated, not
        // started, expired, then not prior, DESIGN.md rule 3). One evaluator, same reasons.
        //
        // The validator is not run on a model valid by construction (see `validByConstruction`):
        // it was ~360k instructions of the ~1M a preparation took.
        let dims = plan?.activityDims ?? []
        // What the evaluation reads of the agreement, kept in the set's block (``Hot``).
        var accepting: UInt8 = 0
        for bit in 0..<8 where NewsDecider.accepts(a.kind, lifters: NoticeTerms.Lifters(rawValue: 1 << UInt8(bit))) {
            accepting |= 1 << UInt8(bit)
        }
        let head = Hot(grantCount: Int32(grants.count), prohibitionCount: Int32(prohibitions.count),
                       activityRule: Int32(direct?.activityRule ?? plan?.activityRule ?? 0), accepting: accepting,
                       terminationPosition: direct?.terminationPosition ?? Int8(dims.firstIndex(of: .termination) ?? -1),
                       priorPosition: direct?.priorPosition ?? Int8(dims.firstIndex(of: .prior) ?? -1),
                       activityCount: direct?.activityCount ?? Int8(dims.count))
        let cache = NewsCompileCache.current
        var client = cache.scratch.client.take() ?? []
        Hot.write(head, grants: grants, prohibitions: prohibitions, to: &client)
        defer { cache.scratch.client = client }
        // The set's words (rule refs, traces) are compiled again from the full plan if ever asked
        // for, not kept (~1,700 bytes an agreement; see SetCore).
        let source = WordsSource(table: table.codes == TerritoryTable.builtin.codes ? nil : table)
        let rebuild: @Sendable () -> [ODRLPolicy] = { source.policies() }
        let set: ODRLPolicySet
        // The direct form is read in place where it was laid out, this thread's `NewsCompileCache.form`: moved
        // out of `direct` or passed as a value, it was copied (~16 fields retained) and destroyed after
        // (~1,000-1,800 instructions a version; callgrind, "prepare, session 9" and "session 10").
        if direct != nil {
            set = ODRLPolicySet(compiled: NewsCompileCache.current.form, options: ODRLEvaluationOptions(pendingDuties: .allow),
                                terms: NewsEngine.terms, client: client, rebuildWords: rebuild)
        } else {
            set = try ODRLPolicySet(plan?.policies ?? [], options: ODRLEvaluationOptions(pendingDuties: .allow), terms: NewsEngine.terms,
                                    neverApplicableRules: .warning, keepPolicies: false, validated: !valid, client: client,
                                    rebuildWords: rebuild)
        }
        let serial = PreparationSerial.next()
        core = Core(agreement: a, serial: serial, set: set)
        source.core = core
        block = set.block
        PreparedAgreement.fillPlainActivity(set.block)
    }

    /// Copies the agreement's activity constraints (the activity rule's first `activityCount`
    /// constraint records) into its block's ``Hot`` as plain comparisons, when each is a comparison
    /// with one number (``ConstraintRecord/Shape/compare``) of the same slot, at most four of them
    /// (term start and end, termination, prior subscription: every news agreement's are).
    ///
    /// Why (bench/PROFILE.md, "eval, session 9"): at issue 4's scale 40% of the agreements a request
    /// considers are not in force at its time, and for those the activity constraints are the whole
    /// outcome; evaluating them through the checks (the general constraint loop, ~160 instructions
    /// for two to four dates, after building the agreement's `Checks`, ~75) cost more than the rest
    /// of the decision for such an agreement. From ``Hot``, already read, they are a few compares.
    /// The values are the compiled records' own (`HotConstraint.payload`), so the comparisons are
    /// the ones ``Checks/truth(_:rule:)`` makes for such a record (same operators, same bits).
    /// Called once, while the agreement is prepared, before the block is shared.
    static func fillPlainActivity(_ block: ODRLBlock) {
        let h = block.header.pointee
        let client = h.client
        var head = client.load(as: Hot.self)
        let count = Int(head.activityCount)
        guard head.activityRule >= 0, head.activityRule < h.flatCount, count >= 1, count <= 4 else { return }
        let rule = h.rules[Int(head.activityRule)]
        guard Int(rule.consCount) >= count else { return }
        var slot: Int16 = -1, own: UInt8 = 0, ops: UInt32 = 0
        // The values straight into the tuple (through its bytes): appended to an array first, they were
        // an allocation and two regrowths per version, ~1,580 instructions (callgrind, "prepare, session 10").
        var values: (Double, Double, Double, Double) = (0, 0, 0, 0)
        for i in 0..<count {
            let c = h.hot[Int(rule.cons) + i]
            guard c.shape >= ConstraintRecord.Shape.compare, c.shape &- ConstraintRecord.Shape.compare <= ConstraintRecord.Op.gteq,
                  c.slot >= 0, i == 0 || (c.slot == slot && c.own == own) else { return }
            slot = c.slot
            own = c.own
            ops |= UInt32(c.shape &- ConstraintRecord.Shape.compare) << UInt32(8 * i)
            withUnsafeMutableBytes(of: &values) { $0.storeBytes(of: c.payload, toByteOffset: 8 * i, as: UInt64.self) }
        }
        head.activitySlot = slot
        head.activityOwn = own
        head.activityOps = ops
        head.activityValues = values
        client.storeBytes(of: head, as: Hot.self)
    }
}

extension GrantDimension {
    /// Position in `allCases` (a switch; bit sets of failing dimensions use it, in this order:
    /// the order a denial lists them in).
    var caseIndex: Int {
        switch self {
        case .term: 0
        case .termEnd: 1
        case .termination: 2
        case .prior: 3
        case .asset: 4
        case .action: 5
        case .extent: 6
        case .portion: 7
        case .channel: 8
        case .territory: 9
        case .embargo: 10
        case .quota: 11
        }
    }

    /// The dimension at a ``caseIndex``.
    static func at(_ i: Int) -> GrantDimension { allCasesArray[i] }
    static let allCasesArray = GrantDimension.allCases
}

/// The outcome of one agreement for one request: permitted by a grant, or why not.
///
/// Plain integers (20 bytes, nothing to retain): a ``NewsEvaluation`` carries up to four of them
/// inline, so evaluating a request allocates nothing. The optional views below are what the
/// words read; -1 stands for nil in storage.
public struct AgreementOutcome: Sendable, Hashable {
    /// Position of the agreement in the decider's ``NewsDecider/agreements``.
    public internal(set) var agreement: Int32 = -1
    private var permitted: Int32 = -1
    private var restricted: Int32 = -1
    private var best: Int32 = -1
    /// The best grant's failing dimensions (bits by ``GrantDimension/caseIndex``, listed in that
    /// order: asset, action, extent, portion, channel, territory, embargo, quota).
    public internal(set) var failing: UInt16 = 0
    private var inactive: Int8 = -1
    /// The agreement's kind does not lift the notice's prohibitions (`clr:liftedBy`).
    public internal(set) var kindNotAccepted = false

    init() {}

    /// The grant that permitted.
    public internal(set) var permittedGrant: Int? {
        get { permitted < 0 ? nil : Int(permitted) }
        set { permitted = newValue.map { Int32(clamping: $0) } ?? -1 }
    }
    /// Why the agreement does not count: `.termination`, `.term` (not started), `.termEnd` (expired), `.prior`.
    public internal(set) var inactivity: GrantDimension? {
        get { inactive < 0 ? nil : GrantDimension.at(Int(inactive)) }
        set { inactive = newValue.map { Int8($0.caseIndex) } ?? -1 }
    }
    /// The restriction that overrides a grant in force.
    public internal(set) var restriction: Int? {
        get { restricted < 0 ? nil : Int(restricted) }
        set { restricted = newValue.map { Int32(clamping: $0) } ?? -1 }
    }
    /// The grant that came closest (with ``failing``), or the grant a restriction overrides.
    public internal(set) var bestGrant: Int? {
        get { best < 0 ? nil : Int(best) }
        set { best = newValue.map { Int32(clamping: $0) } ?? -1 }
    }

    func fails(_ d: GrantDimension) -> Bool { failing & (1 << UInt16(d.caseIndex)) != 0 }
}

/// The facts of one decision, without words: the verdict and what decided it (DESIGN.md rule 6).
///
/// What ``NewsDecider/evaluate(_:usage:memo:)`` returns — the analogue of an authorizer's answer
/// (decision + the determining policies): the permitting agreement and grant (its duties are that
/// grant's and the notice's obligations), or the notice's public permission, or per agreement
/// considered its ``AgreementOutcome``; plus which of the notice's prohibitions concern the
/// request. Plain values only (no reference to retain, nothing allocated for up to four agreements
/// per subscriber); the words — reasons, duties, `wouldPermitIf` — are made from it by
/// ``NewsDecider/decision(_:for:usage:memo:)`` or written as JSON by
/// ``NewsDecider/appendDecisionJSON(_:for:usage:memo:to:)``, with the same decider and request.
public struct NewsEvaluation: Sendable {
    /// What the verdict rests on.
    public enum Basis: Sendable, Hashable {
        /// No policy for the request's source (`no_policy`): deny.
        case noPolicy
        /// Permit by `grant` of the agreement at `agreement` in ``NewsDecider/agreements``.
        case agreement(agreement: Int, grant: Int)
        /// Permit by the notice's public permission `permission` (``NoticeTerms/PublicPermission/index``).
        case notice(permission: Int)
        /// Deny: see ``outcomes`` (empty: the subscriber has no agreement with the source).
        case denied
    }

    public internal(set) var basis: Basis
    /// The notice's prohibitions that concern the request (what a denial quotes, who lifts them).
    var concern: NoticeTerms.Concern
    /// For a deny: the considered agreements' outcomes, in order, the first eight inline (a
    /// subscriber has 1.6 agreements with a source on the default workload).
    private var inline = InlineArray<8, AgreementOutcome>(repeating: AgreementOutcome())
    private var inlineCount: Int32 = 0
    /// For a deny: the notice's public permissions that match the request but are not in force
    /// (bit `i`: permission `i`).
    var publicNotMet: UInt64 = 0
    /// More facts than fit (a ninth agreement, a public permission past the 64th): the words
    /// evaluate again with lists (``NewsDecider/evaluateFully(_:usage:)``). Plain fields only, so
    /// that an evaluation is copied and dropped without retains or releases.
    public internal(set) var truncated = false

    init(basis: Basis, concern: NoticeTerms.Concern = NoticeTerms.Concern()) {
        self.basis = basis
        self.concern = concern
    }

    public var verdict: Verdict {
        switch basis {
        case .agreement, .notice: .permit
        case .noPolicy, .denied: .deny
        }
    }

    /// For a deny: each considered agreement's outcome, in order (the first eight when ``truncated``).
    public var outcomes: Outcomes { Outcomes(e: self) }

    mutating func append(_ o: AgreementOutcome) {
        if inlineCount < 8 { inline[Int(inlineCount)] = o; inlineCount += 1 } else { truncated = true }
    }

    /// Calls `body` with the outcomes (the first eight when ``truncated``) where the evaluation keeps them:
    /// the words' view, no copy of the evaluation (``outcomes`` holds one).
    @inline(__always)
    func withOutcomes<R>(_ body: (UnsafeBufferPointer<AgreementOutcome>) -> R) -> R {
        let n = Int(inlineCount)
        return inline.span.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[..<n])) }
    }

    /// A view of the inline outcomes.
    public struct Outcomes: RandomAccessCollection {
        let e: NewsEvaluation
        public var startIndex: Int { 0 }
        public var endIndex: Int { Int(e.inlineCount) }
        public subscript(i: Int) -> AgreementOutcome { e.inline[i] }
    }
}

/// A notice held by one reference (see ``NewsDecider/noticeBox``), with what every evaluation
/// reads as its own fields.
///
/// Why the copies: reading through `box.terms` (a struct of a dozen reference-counted fields) made
/// Swift copy and destroy the whole `NoticeTerms` once per evaluation (callgrind: ~550 instructions
/// of outlined copy and destroy per request); a class's own `let` fields are read in place.
final class NoticeBox: @unchecked Sendable {
    let terms: NoticeTerms
    let source: String
    let filters: [NoticeTerms.ProhibitionFilter]
    let permissionSet: ODRLPolicySet?
    let namesParties: Bool
    let targets: [ODRLSubject]
    let states: [ODRLWorldState]
    let quoteJSON: [[UInt8]]
    /// ``source`` escaped for JSON (a decision's `source` value: see ``JSONWords/begin(id:permit:source:sourceJSON:subscriber:)``).
    let sourceJSON: [UInt8]
    /// ``quoteJSON`` (its `k`-th entry at `quoteRefs[k]`, after a `"`: the message's close, copied
    /// with the quote by ``JSONWords/endReason(_:)``) and ``sourceJSON`` (at
    /// `quoteRefs[quoteJSON.count]`) as pointers into one buffer the box owns, valid while the box
    /// lives: what the JSON writer copies per reason. Read out of the arrays, each quote's buffer
    /// was retained and released per decision, and the box is shared by the batch's workers, so
    /// each retain moved the count's cache line between the cores (words, session 7).
    let quoteRefs: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>>
    private let quoteBytes: UnsafeMutablePointer<UInt8>
    let hasObligations: Bool
    /// `states` in a buffer the box owns (immutable after `init`, hence `@unchecked Sendable`): an
    /// engine pass borrows its asset kind's state by address. Passed by value out of the array, the
    /// state (three dictionaries) was retained and released per pass (callgrind session 5: three
    /// retains and releases per agreement considered).
    private let statePointers: UnsafeMutablePointer<ODRLWorldState>
    /// `targets` unretained, in a buffer the box owns (the array keeps them alive): lowering a request
    /// takes its asset kind's subject without a retain (``NewsEngine/lower(_:into:target:assignee:lookups:)``).
    let targetRefs: UnsafeMutablePointer<Unmanaged<ODRLSubject>>

    /// The world state for asset kind `kind` (``AssetKind/index``), valid while the box lives.
    @inline(__always)
    func state(_ kind: Int) -> UnsafePointer<ODRLWorldState> { UnsafePointer(statePointers + kind) }

    deinit {
        statePointers.deinitialize(count: states.count)
        statePointers.deallocate()
        targetRefs.deallocate()
        quoteRefs.deallocate()
        quoteBytes.deallocate()
    }

    init(_ terms: NoticeTerms) {
        self.terms = terms
        source = terms.source
        filters = terms.filters
        permissionSet = terms.permissionSet
        namesParties = terms.permissionSet?.namesParties == true
        targets = terms.targets
        states = terms.states
        quoteJSON = terms.quoteJSON
        var sj: [UInt8] = []
        JSONBytes.appendEscaped(terms.source, to: &sj)
        sourceJSON = sj
        // Each quote preceded by the message's closing `"` (``JSONWords/endReason(_:)``: one copy).
        let pieces = terms.quoteJSON.map { [0x22] + $0 } + [sj]
        quoteBytes = .allocate(capacity: max(1, pieces.reduce(0) { $0 + $1.count }))
        quoteRefs = .allocate(capacity: pieces.count)
        var at = 0
        for (k, piece) in pieces.enumerated() {
            (quoteBytes + at).initialize(from: piece, count: piece.count)
            quoteRefs[k] = UnsafeBufferPointer(start: quoteBytes + at, count: piece.count)
            at += piece.count
        }
        hasObligations = !terms.obligations.isEmpty
        statePointers = .allocate(capacity: max(terms.states.count, 1))
        statePointers.initialize(from: terms.states, count: terms.states.count)
        targetRefs = .allocate(capacity: max(terms.targets.count, 1))
        targetRefs.initialize(from: terms.targets.map { Unmanaged.passUnretained($0) }, count: terms.targets.count)
    }
}

/// Decides republication requests: the notice layer, the agreement layer, restrictions over grants (DESIGN.md v1).
///
/// Pure: the time is the request's `at`, the agreements are those in force as given, usage comes
/// from a ``UsageCounter``. Every agreement is an ODRL Agreement evaluated by the ODRL engine; the
/// engine's rule traces are turned into the news reasons (`asset_not_granted`, `quota_exceeded`...).
public struct NewsDecider: Sendable {
    /// The source's notice, behind one reference: `NoticeTerms` has a dozen reference-counted
    /// fields, and binding it in `decide` (and passing it on) retained and released each of them
    /// about four times per decision (~1,100 instructions).
    let noticeBox: NoticeBox?
    /// ``noticeBox`` unretained (plain data: copying it retains nothing), for the evaluation's hot
    /// path; `noticeBox` keeps the box alive.
    let noticeRef: Unmanaged<NoticeBox>?
    public var notice: NoticeTerms? { noticeBox?.terms }
    public let agreements: [PreparedAgreement]
    /// The blocks of the first four agreements (``PreparedAgreement/block``), kept in the decider
    /// itself: an evaluation of a per-party decider with at most four agreements asks for its blocks'
    /// cache lines (``ODRLBlock/warm()``) without first reading the `agreements` array, a cold cache
    /// line whose address it had to wait for (bench/PROFILE.md session 6: two misses one after the
    /// other per evaluation became one). Four, not two, since session 7: issue 4's scale has three
    /// agreements per subscriber, and the third one's entry is on the array's second cache line
    /// (a 32-byte header, then 16 bytes per agreement), which nothing had brought in.
    let firstBlocks: (ODRLBlock?, ODRLBlock?, ODRLBlock?, ODRLBlock?)
    let table: TerritoryTable
    /// Subscriber id -> positions in `agreements` (in order), when there are enough agreements for
    /// an index to pay; nil: scan them (a decider made per request holds only one subscriber's).
    let bySubscriber: [String: [Int]]?
    /// The one subscriber of every agreement, and the one source, when they all share it (a decider
    /// made per party: `check --batch`, the audit, a service): the request is then compared with them
    /// once, not per agreement (which read each agreement's object, cold in a large batch, only to
    /// compare two strings: see ``outcome(_:_:_:_:lifters:usage:)``).
    let oneSubscriber: String?
    let oneSource: String?

    /// A decider for one source's notice (nil: no policy) and a set of agreements (any subscribers).
    public init(notice: NoticeTerms?, agreements: [PreparedAgreement], territories: TerritoryTable = .builtin) {
        self.init(noticeBox: notice.map(NoticeBox.init), agreements: agreements, territories: territories)
    }

    /// A decider for `agreements` with `other`'s notice, sharing its notice box rather than making one.
    ///
    /// For a caller that makes many deciders for one source (a `check --batch` worker makes one per party):
    /// each `init(notice:agreements:)` made a ``NoticeBox`` with its own copies of the world states and
    /// subjects. heaptrack, 200,000 requests at 30,000 agreements, two workers: 8.5 MB of boxes for
    /// ~20,000 deciders (~420 bytes each); and every evaluation read its own box, a likely cache miss,
    /// where one box per source stays in the cache (bench/PROFILE.md, batch session 7).
    public init(sharingNoticeOf other: NewsDecider, agreements: [PreparedAgreement]) {
        self.init(noticeBox: other.noticeBox, agreements: agreements, territories: other.table)
    }

    private init(noticeBox: NoticeBox?, agreements: [PreparedAgreement], territories: TerritoryTable) {
        self.noticeBox = noticeBox
        self.noticeRef = noticeBox.map { Unmanaged.passUnretained($0) }
        self.agreements = agreements
        self.firstBlocks = (agreements.first?.block, agreements.count > 1 ? agreements[1].block : nil,
                            agreements.count > 2 ? agreements[2].block : nil, agreements.count > 3 ? agreements[3].block : nil)
        self.table = territories
        let first = agreements.first?.agreement
        oneSubscriber = first.flatMap { f in agreements.allSatisfy { $0.agreement.subscriber.id == f.subscriber.id } ? f.subscriber.id : nil }
        oneSource = first.flatMap { f in agreements.allSatisfy { $0.agreement.source == f.source } ? f.source : nil }
        if agreements.count > 8 {
            var index: [String: [Int]] = [:]
            for (k, p) in agreements.enumerated() { index[p.agreement.subscriber.id, default: []].append(k) }
            bySubscriber = index
        } else {
            bySubscriber = nil
        }
    }

    /// Compiles the agreements and builds a decider.
    public init(notice: NoticeTerms?, agreements: [Agreement], territories: TerritoryTable = .builtin) throws(DiagnosticError) {
        var prepared: [PreparedAgreement] = []
        for a in agreements { prepared.append(try PreparedAgreement(a, territories: territories)) }
        self.init(notice: notice, agreements: prepared, territories: territories)
    }

    /// The subscriber's agreements with the request's source, in the order given.
    func agreements(for r: RepublicationRequest) -> [PreparedAgreement] {
        if let bySubscriber {
            guard let ks = bySubscriber[r.subscriber] else { return [] }
            var out: [PreparedAgreement] = []
            out.reserveCapacity(ks.count)
            for k in ks where agreements[k].agreement.source == r.source { out.append(agreements[k]) }
            return out
        }
        // A decider made per request holds that subscriber's agreements with that source: no new array then.
        if agreements.allSatisfy({ $0.agreement.subscriber.id == r.subscriber && $0.agreement.source == r.source }) { return agreements }
        return agreements.filter { $0.agreement.subscriber.id == r.subscriber && $0.agreement.source == r.source }
    }

    /// Decides one request: ``evaluate(_:usage:memo:)`` (the facts), then
    /// ``decision(_:for:usage:memo:)`` (the words). `usage` supplies the uses already recorded, for quotas.
    public func decide(_ r: RepublicationRequest, usage: some UsageCounter = NoUsage(), memo: DecisionMemo? = nil) -> NewsDecision {
        decision(evaluate(r, usage: usage, memo: memo), for: r, usage: usage, memo: memo)
    }

    /// The facts of the decision on `r` (verdict, permitting agreement and grant, or each agreement's
    /// outcome), without words: one engine pass per agreement of the subscriber with the source,
    /// then the notice's public permissions when no agreement permits.
    ///
    /// Nothing is allocated on the common path with a memo (it holds the lowered input and the
    /// engine's result buffer between calls, one memo per thread): the agreements are walked by
    /// position (no per-request list), outcomes kept inline, the notice read through one reference.
    public func evaluate(_ r: RepublicationRequest, usage: some UsageCounter = NoUsage(), memo: DecisionMemo? = nil) -> NewsEvaluation {
        // The notice borrowed without a retain (``noticeRef``): `guard let box = noticeBox` copied
        // the optional reference through an outlined, metadata-driven copy and destroyed it after
        // (callgrind session 6: ~200 instructions per evaluation); `takeUnretainedValue()` bound a
        // strong reference that was retained and released around the evaluation (session 7), and the
        // box is shared by a batch's workers, so that count moved between the cores (session 8).
        //
        // One evaluation, written in place by the innermost call and returned once: returned from
        // call to call, the 240-byte value was copied field by field at each level (callgrind
        // session 9: ~170 instructions in this function alone, ~115 in the next).
        var e = NewsEvaluation(basis: .noPolicy)
        guard let ref = noticeRef else { return e }
        // The thread's scratch input and look-up cache passed down unretained: bound to locals
        // (`memo?.input ?? …`) and returned from a helper, each was retained and released per
        // evaluation (callgrind, bench/PROFILE.md session 8: 4 pairs in `lowered`).
        if let refs = memo?.refs {
            evaluate(r, ref, usage, refs.input, refs.lookups, into: &e)
            return e
        }
        return evaluateWithoutMemo(r, ref, usage)
    }

    /// ``evaluate(_:usage:memo:)`` without a memo: a new input for this request. Out of line, so that
    /// the memo's path keeps its evaluation out of any closure (captured, it was copied once more).
    @inline(never)
    func evaluateWithoutMemo(_ r: RepublicationRequest, _ ref: Unmanaged<NoticeBox>, _ usage: some UsageCounter) -> NewsEvaluation {
        var e = NewsEvaluation(basis: .noPolicy)
        let input = ODRLInput(terms: NewsEngine.terms)
        withExtendedLifetime(input) { evaluate(r, ref, usage, .passUnretained(input), nil, into: &e) }
        return e
    }

    /// ``evaluate(_:usage:memo:)`` with the notice, the input and the look-ups unretained (the caller
    /// keeps them alive), borrowed for the evaluation's length without a retain
    /// (`_withUnsafeGuaranteedRef`): the box is shared by a batch's workers, so a retain of it moved
    /// its count's cache line between the cores (session 7 found one per evaluation).
    @inline(__always)
    func evaluate(_ r: RepublicationRequest, _ boxRef: Unmanaged<NoticeBox>, _ usage: some UsageCounter,
                  _ inputRef: Unmanaged<ODRLInput>, _ lookupsRef: Unmanaged<NewsEngine.Lookups>?, into e: inout NewsEvaluation) {
        // Written in place by the innermost call (returned through the closures, the 240-byte
        // evaluation was copied once per closure).
        boxRef._withUnsafeGuaranteedRef { box in
            // Equal `String` bits are equal texts (see ``NewsEngine/Lookups``): the usual case, compared
            // without a call (`==` retained the box's string around its comparison).
            guard NewsEngine.Lookups.bits(box.source) == NewsEngine.Lookups.bits(r.source) || box.source == r.source else { return }
            inputRef._withUnsafeGuaranteedRef { input in
                // The look-ups both borrowed (the action's probe) and as a plain `Unmanaged` (lowering, see ``lower``).
                if let lookupsRef {
                    lookupsRef._withUnsafeGuaranteedRef { evaluate(r, box, usage, input, $0, lookupsRef, into: &e) }
                } else {
                    evaluate(r, box, usage, input, nil, nil, into: &e)
                }
            }
        }
    }

    /// ``evaluate(_:usage:memo:)`` against the notice in `box` (the request's source's), lowering the
    /// request into `input` (the memo's scratch, or a new one) with the thread's `lookups` (nil
    /// without a memo), into `e`: a new evaluation (`NewsEvaluation(basis: .noPolicy)`).
    func evaluate(_ r: RepublicationRequest, _ box: NoticeBox, _ usage: some UsageCounter, _ input: ODRLInput,
                  _ lookupsObject: NewsEngine.Lookups?, _ lookups: Unmanaged<NewsEngine.Lookups>?, into e: inout NewsEvaluation) {
        // The notice's prohibitions that concern the request, as the first one and what lifts them
        // (bits; the list itself is only made for the sentences that name the lifters). The action
        // is looked up once in the thread's cache (``NewsEngine/Lookups``): its covering mask for
        // this filter, its engine ids for lowering.
        let action = lookupsObject?.action(r.action)
        let concern: NoticeTerms.Concern
        if let action {
            concern = NoticeTerms.concern(r, box.filters, actionMask: action.pointee.mask)
        } else {
            concern = NoticeTerms.concern(r, box.filters)
        }

        // 1. Agreements, in the order given, walked by position through a pointer (no list per
        // request, no copy of a prepared agreement: a copy retains its core, a cold cache line).
        // Outcomes are kept for the denial.
        // `e` is new (basis `noPolicy`, nothing appended): only these two change (a whole new value
        // wrote its 240 bytes again).
        e.basis = .denied
        e.concern = concern
        let (decided, isLowered) = agreements.withUnsafeBufferPointer { list in
            considerAgreements(list, r, box, &e, usage: usage, input: input, lookups: lookups, action: action)
        }
        if decided { return }

        // 2. The notice's public permissions (engine-evaluated, duties owed with the permit).
        if let set = box.permissionSet {
            let permissions = box.terms.permissions
            let kind = r.asset.kind.index
            if !isLowered { lower(r, box, kind, into: input, lookups: lookups, action: action) }
            input.clearRuleValues()
            let results = set.ruleResults(input, state: box.states[kind])
            // The set holds the public permissions alone, in order: rule i is permission i.
            if let i = results.firstIndex(where: { $0.active }), i < permissions.count,
               let perm = permissions.first(where: { $0.ruleID == permissions[i].ruleID }) {
                e = NewsEvaluation(basis: .notice(permission: perm.index), concern: e.concern)
                return
            }
            for (i, res) in results.enumerated() where res.matches && !res.active && i < permissions.count {
                if i < 64 { e.publicNotMet |= 1 << UInt64(i) } else { e.truncated = true }
            }
        }
    }

    /// Step 1 of ``evaluate(_:usage:memo:)``: the subscriber's agreements with the request's source
    /// in `list` (the decider's ``agreements``), one engine pass each until one permits (`decided`),
    /// their outcomes appended to `e`; and whether the request was lowered into `input`.
    ///
    /// A method with its state in parameters and locals, not closures capturing the evaluation: a
    /// variable captured by a nested function or closure and changed there was checked for exclusive
    /// access at run time (`swift_beginAccess`) and its context retained and released per agreement
    /// (callgrind session 5: ~4 retain/release pairs and ~3 access checks per agreement considered).
    /// The request is lowered once, before the first pass (on the rare general scan, at its first
    /// agreement).
    func considerAgreements(_ list: UnsafeBufferPointer<PreparedAgreement>, _ r: RepublicationRequest, _ box: NoticeBox,
                            _ e: inout NewsEvaluation, usage: some UsageCounter, input: ODRLInput, lookups: Unmanaged<NewsEngine.Lookups>?,
                            action: UnsafeMutablePointer<NewsEngine.Lookups.Action>?) -> (decided: Bool, lowered: Bool) {
        guard let base = list.baseAddress else { return (false, false) }
        let kind = r.asset.kind.index
        // The asset kind's world state, borrowed in place (``NoticeBox/state(_:)``).
        let state = box.state(kind)
        let lifters = e.concern.lifters
        if let bySubscriber {
            guard let ks = bySubscriber[r.subscriber], !ks.isEmpty else { return (false, false) }
            // The notice's source is the request's (checked by the caller): with one source for all, no compare.
            let sameSource = oneSource == r.source
            // Every agreement's block asked for at once (``ODRLBlock/warm()``), before any pass.
            var warm: UInt8 = 0
            for k in ks { warm ^= base[k].block.warm() }
            lower(r, box, kind, into: input, lookups: lookups, action: action)
            input.sink = warm
            let drivable = input.actionKnown && state.pointee.duties.isEmpty
            var checks = base[ks[0]].block.knownActionChecks(input)
            return withUnsafeMutablePointer(to: &checks) { checks in
                for k in ks where sameSource || base[k].core.agreement.source == r.source {
                    checks.pointee.bind(base[k].block.header)
                    if !consider(base + k, base[k].block, k, r, input, state, lifters, usage, drivable, checks, &e) { return (true, true) }
                }
                return (false, true)
            }
        }
        if let oneSubscriber, let oneSource {
            // One party's agreements with one source: compared once.
            guard oneSubscriber == r.subscriber && oneSource == r.source else { return (false, false) }
            // Every agreement's block asked for at once (``ODRLBlock/warm()``), before any pass:
            // their cache lines arrive together instead of one miss after another. Up to four
            // agreements, their blocks are the decider's own copies (``firstBlocks``). Not when the caller
            // has asked for them ahead (``DecisionMemo/init(capacity:blocksAskedFor:)``: `check --batch`
            // prefetches every line of the next requests' blocks): the loads then only cost instructions,
            // ~110 an evaluation at issue 4's scale (callgrind, bench/PROFILE.md "eval, session 10").
            let n = list.count
            var warm: UInt8 = 0
            if input.blocksAskedFor {
            } else if n <= 4 {
                if let b = firstBlocks.0 { warm ^= b.warm() }
                if let b = firstBlocks.1 { warm ^= b.warm() }
                if let b = firstBlocks.2 { warm ^= b.warm() }
                if let b = firstBlocks.3 { warm ^= b.warm() }
            } else {
                for k in 0..<n { warm ^= base[k].block.warm() }
            }
            lower(r, box, kind, into: input, lookups: lookups, action: action)
            input.sink = warm
            let drivable = input.actionKnown && state.pointee.duties.isEmpty
            // The request's checks, made once (see ``consider``); n >= 1 (`oneSubscriber` is set). Kept in
            // memory and passed on by address: held in registers, they were written out field by field into
            // a new 160-byte value for each agreement's call (~50 instructions an agreement; callgrind,
            // bench/PROFILE.md "eval, session 10").
            var checks = (n <= 4 ? firstBlocks.0.unsafelyUnwrapped : base[0].block).knownActionChecks(input)
            return withUnsafeMutablePointer(to: &checks) { checks in
                for k in 0..<n {
                    let block: ODRLBlock
                    switch k {
                    case 0: block = firstBlocks.0.unsafelyUnwrapped
                    case 1: block = firstBlocks.1.unsafelyUnwrapped
                    case 2: block = firstBlocks.2.unsafelyUnwrapped
                    case 3: block = firstBlocks.3.unsafelyUnwrapped
                    default: block = base[k].block
                    }
                    checks.pointee.bind(block.header)
                    if !consider(base + k, block, k, r, input, state, lifters, usage, drivable, checks, &e) { return (true, true) }
                }
                return (false, true)
            }
        }
        var isLowered = false
        var template: Checks? = nil
        for k in 0..<list.count {
            let a = base[k].core.agreement
            guard a.subscriber.id == r.subscriber && a.source == r.source else { continue }
            if !isLowered {
                lower(r, box, kind, into: input, lookups: lookups, action: action)
                isLowered = true
                template = base[k].block.knownActionChecks(input)
            }
            var checks = template.unsafelyUnwrapped
            checks.bind(base[k].block.header)
            let drivable = input.actionKnown && state.pointee.duties.isEmpty
            if !consider(base + k, base[k].block, k, r, input, state, lifters, usage, drivable, &checks, &e) { return (true, true) }
        }
        return (false, isLowered)
    }

    /// One agreement's outcome read into `e`: false when it permits (`e` is then decided).
    ///
    /// The usual request (a vocabulary action, no duty state) on the usual agreement (no quota; its
    /// activity rule starts with the term's start and end, as every agreement's does) takes the
    /// driven outcome (``outcome(_:_:_:_:)``) here, with the request's checks made once per request,
    /// right after lowering and bound to this agreement's block by the caller (`checks`:
    /// ``Checks/bind(_:)``, passed by address); anything else the general one
    /// (``outcome(_:_:_:_:_:lifters:usage:)``). The same outcomes: this only moves the general
    /// function's first tests here, where what they read is known once per request (`drivable`:
    /// the request's action is a vocabulary spelling and no duty state is recorded).
    @inline(__always)
    func consider(_ p: UnsafePointer<PreparedAgreement>, _ block: ODRLBlock, _ k: Int, _ r: RepublicationRequest, _ input: ODRLInput,
                  _ state: UnsafePointer<ODRLWorldState>, _ lifters: NoticeTerms.Lifters, _ usage: some UsageCounter,
                  _ drivable: Bool, _ checks: UnsafePointer<Checks>, _ e: inout NewsEvaluation) -> Bool {
        let hot = block.client
        let head = hot.load(as: PreparedAgreement.Hot.self)
        var o = AgreementOutcome()
        if lifters.rawValue != 0 && lifters.rawValue & head.accepting == 0 {
            // `accepts(kind, lifters:)`, precomputed as the lifter bits that accept the kind.
            o.kindNotAccepted = true
        } else if drivable, !block.reads(slot: NewsEngine.countSlot), head.activityRule < 0 || head.activityCount >= 2 {
            // No quota, so no rule-scoped value: the request's checks see none (they were made right
            // after lowering, which drops them; an agreement with a quota sets its own in the
            // general path, which these checks do not see: they keep the count they were made with, 0).
            o = NewsDecider.drivenOutcome(hot, head, checks.pointee, o)
        } else {
            o = outcome(p, block, r, input, state, lifters: lifters, usage: usage)
        }
        if let g = o.permittedGrant {
            e.basis = .agreement(agreement: k, grant: g)
            return false
        }
        o.agreement = Int32(clamping: k)
        e.append(o)
        return true
    }

    /// Lowers the request for the engine into `input` (the memo's scratch, one per thread: nothing
    /// allocated per request; or a new one). The prepared agreements have no assignee (see
    /// `odrlModel(forPreparation:)`): the subscriber as a party is only for a notice whose public
    /// permissions name parties.
    @inline(__always)
    func lower(_ r: RepublicationRequest, _ box: NoticeBox, _ kind: Int, into input: ODRLInput, lookups: Unmanaged<NewsEngine.Lookups>?,
               action: UnsafeMutablePointer<NewsEngine.Lookups.Action>?) {
        if let lookups, !box.namesParties {
            // The subjects unretained (the box and the `static let` keep them): no retain per request. The
            // look-ups come down as a plain `Unmanaged` (session 10): bound from an optional strong reference
            // (`if let lookups`), the object was retained and released once per lowering (callgrind,
            // bench/PROFILE.md "eval, session 10": ~40 instructions and two atomic counts per request).
            let anyParty = lookups._withUnsafeGuaranteedRef { $0.anyParty }
            if let action {
                NewsEngine.lower(r, into: input, target: box.targetRefs[kind], assignee: anyParty, lookups: lookups, action: action)
            } else {
                lookups._withUnsafeGuaranteedRef {
                    NewsEngine.lower(r, into: input, target: box.targetRefs[kind], assignee: anyParty, lookups: $0)
                }
            }
        } else {
            NewsEngine.lower(r, into: input, target: box.targets[kind],
                             assignee: box.namesParties ? NewsEngine.subscriber(r.subscriber) : NewsEngine.anyParty,
                             lookups: lookups?.takeUnretainedValue())
        }
    }

    /// What a permit rests on, as ``NewsDecision/permittedBy`` says it (nil on a deny).
    public func permitBasis(_ e: NewsEvaluation) -> PermitBasis? {
        switch e.basis {
        case .agreement(let k, let g): .agreement(id: agreements[k].core.agreement.id, grant: g)
        case .notice(let i): .notice(permission: i)
        case .noPolicy, .denied: nil
        }
    }

    /// Every agreement's outcome and every public permission that matches without being in force,
    /// as lists: what ``evaluate(_:usage:memo:)`` keeps inline, without its limits (a fresh input,
    /// so that no memo's scratch is touched).
    func evaluateFully(_ r: RepublicationRequest, usage: some UsageCounter) -> ([AgreementOutcome], [Int]) {
        guard let box = noticeBox, box.source == r.source else { return ([], []) }
        let concern = NoticeTerms.concern(r, box.filters)
        let kind = r.asset.kind.index
        let input = ODRLInput(terms: NewsEngine.terms)
        NewsEngine.lower(r, into: input, target: box.targets[kind], assignee: box.namesParties ? NewsEngine.subscriber(r.subscriber) : NewsEngine.anyParty)
        var outcomes: [AgreementOutcome] = []
        let permitted = agreements.withUnsafeBufferPointer { list -> Bool in
            guard let base = list.baseAddress else { return false }
            for k in 0..<list.count {
                let a = base[k].core.agreement
                guard a.subscriber.id == r.subscriber && a.source == r.source else { continue }
                var o = outcome(base + k, base[k].block, r, input, box.state(kind), lifters: concern.lifters, usage: usage)
                if o.permittedGrant != nil { return true }
                o.agreement = Int32(clamping: k)
                outcomes.append(o)
            }
            return false
        }
        if permitted { return ([], []) }
        var notMet: [Int] = []
        if let set = box.permissionSet {
            input.clearRuleValues()
            let results = set.ruleResults(input, state: box.states[kind])
            for (i, res) in results.enumerated() where res.matches && !res.active && i < box.terms.permissions.count { notMet.append(i) }
        }
        return (outcomes, notMet)
    }

    /// The notice words a request's decision quotes: its first concerned prohibition's, else the
    /// first prohibition's, else the notice text.
    func noticeQuote(_ box: NoticeBox, _ concern: NoticeTerms.Concern) -> String? {
        concern.first >= 0 ? box.terms.prohibitions[concern.first].quote : (box.terms.prohibitions.first?.quote ?? box.terms.noticeText)
    }

    static func dedupe(_ ds: [DecisionDuty]) -> [DecisionDuty] {
        var out: [DecisionDuty] = []
        for x in ds where !out.contains(where: { $0.duty.action == x.duty.action && ($0.duty.text == x.duty.text || x.duty.text == nil) && $0.duty.url == x.duty.url }) {
            out.append(x)
        }
        return out
    }

    /// The kinds of agreement that lift the prohibitions concerning `r`, in words (`a contract or a license`).
    ///
    /// The words depend only on which prohibitions concern the request (`concern.mask`, exact
    /// unless it overflowed), so they are made once per mask and kept in `memo`; without a memo
    /// the prohibitions are read from the mask's bits instead of filtering the notice again.
    /// (An explanation miss asked for these words each time: ~11,000 instructions a call.)
    func describeLifters(_ notice: NoticeBox, _ r: RepublicationRequest, concern: NoticeTerms.Concern, memo: DecisionMemo?) -> String {
        if concern.overflow { return describeLifters(notice.terms.concerned(r)) }
        if let hit = memo?.lifterWords[concern.mask] { return hit }
        let prohibitions = notice.terms.prohibitions
        var concerned: [NoticeTerms.Prohibition] = []
        var bits = concern.mask
        while bits != 0 {
            concerned.append(prohibitions[bits.trailingZeroBitCount])
            bits &= bits - 1
        }
        let made = describeLifters(concerned)
        if let memo {
            if memo.lifterWords.count >= memo.capacity { memo.lifterWords.removeAll(keepingCapacity: true) }
            memo.lifterWords[concern.mask] = made
        }
        return made
    }

    /// The kinds of agreement that lift `concerned` (the notice's prohibitions concerning a request), in words.
    func describeLifters(_ concerned: [NoticeTerms.Prohibition]) -> String {
        var names: [String] = []
        for p in concerned {
            for l in p.liftedBy {
                let n = (l == "subscription" && p.prior) ? "a prior subscription" : "a \(l.replacingHyphens())"
                if !names.contains(n) { names.append(n) }
            }
        }
        switch names.count {
        case 0: return "an agreement"
        case 1: return names[0]
        default: return names.dropLast().joined(separator: ", ") + " or " + (names.last ?? "")
        }
    }

    /// Whether an agreement of this kind lifts the notice's prohibitions (its `clr:liftedBy`; any kind when not said).
    static func accepts(_ kind: AgreementKind, lifters: Set<String>) -> Bool {
        accepts(kind, lifters: NoticeTerms.Lifters(Array(lifters)))
    }

    static func accepts(_ kind: AgreementKind, lifters: NoticeTerms.Lifters) -> Bool {
        if lifters.isEmpty { return true }
        switch kind {
        case .contract: return lifters.contains(.contract)
        case .subscription: return lifters.contains(.subscription)
        case .license: return lifters.contains(.license) || lifters.contains(.contract)
        case .permission: return lifters.contains(.permission) || lifters.contains(.writtenPermission)
        }
    }

    /// One engine pass over the agreement, read as the news layer needs it: the grant that permits,
    /// or the restriction that overrides it, or why the agreement does not count, or the grant that
    /// came closest with its failing dimensions (a bit set: no array per grant).
    ///
    /// Reads the agreement through its block (``PreparedAgreement/block``: the engine's records and
    /// ``PreparedAgreement/Hot`` in one allocation) and the answers in place through pointers; `p`
    /// points to the agreement in the caller's list, so that nothing is copied or retained (a copy
    /// of a `PreparedAgreement` retains its core, writing a cold cache line). Only an agreement with
    /// a quota reads its ``PreparedAgreement/Core``.
    @inline(never)
    func outcome(_ p: UnsafePointer<PreparedAgreement>, _ block: ODRLBlock, _ r: RepublicationRequest, _ input: ODRLInput,
                 _ state: UnsafePointer<ODRLWorldState>,
                 lifters: NoticeTerms.Lifters, usage: some UsageCounter) -> AgreementOutcome {
        var o = AgreementOutcome()
        // `block` is `p.pointee.block`, given by the caller (which may hold it without reading `p`).
        let hot = block.client
        let head = hot.load(as: PreparedAgreement.Hot.self)
        // `accepts(kind, lifters:)`, precomputed as the lifter bits that accept the kind.
        if lifters.rawValue != 0 && lifters.rawValue & head.accepting == 0 { o.kindNotAccepted = true; return o }
        // A quota counts the grant's own uses: `count` is a rule-scoped value of the grant's permissions.
        // Only an agreement whose set reads `count` (one with a quota) looks at its grants here: a
        // value nothing reads changes no answer, and walking `agreement.grants` (copying each `Grant`
        // out, a retain per field) for every pass was the largest part of this function's own cost.
        input.clearRuleValues()
        if block.reads(slot: NewsEngine.countSlot) {
            let core = p.pointee.core
            let a = core.agreement
            for g in a.grants.indices {
                guard let q = a.grants[g].quota else { continue }
                let w = q.per.window(containing: r.at, term: a.term)
                let count = Double(usage.uses(agreement: a.id, grant: g, from: w.start, to: w.end) + 1)
                let pg = hot.load(fromByteOffset: PreparedAgreement.Hot.grantsOffset + g &* MemoryLayout<PreparedAgreement.PreparedGrant>.stride,
                                  as: PreparedAgreement.PreparedGrant.self)
                for rule in pg.rules { input.setRuleNumber(rule: rule, slot: NewsEngine.countSlot, count) }
                if pg.ruleCount == 0, pg.dimsRule >= 0 {
                    input.setRuleNumber(rule: Int(pg.dimsRule), slot: NewsEngine.countSlot, count)
                }
            }
        }
        // The usual request (a vocabulary action, no rule-scoped value, no duty state) on the usual
        // agreement (its activity rule starts with the term's start and end, as every agreement's
        // does): the checks driven rule by rule, asking only what this outcome reads
        // (``outcome(_:_:_:_:)``).
        if input.overrideCount == 0, input.actionKnown, head.activityRule < 0 || head.activityCount >= 2,
           state.pointee.duties.isEmpty {
            return NewsDecider.outcome(block.knownActionChecks(input), hot, head, o)
        }
        // Anything else: the whole pass, its answers read in place from the input's buffer (valid
        // until the next pass). The same outcome as the driven one (``DrivenOutcomeTests``).
        return NewsDecider.outcome(results: block.ruleResults(input, state: state), hot, head, o)
    }

    /// ``outcome(_:_:_:_:_:lifters:usage:)`` read from a whole engine pass's answers `res` (one per
    /// top-level rule of the agreement's set), `hot` being the block's client data and `head` its head.
    static func outcome(results res: UnsafeMutablePointer<ODRLRuleResult>, _ hot: UnsafeRawPointer, _ head: PreparedAgreement.Hot,
                        _ start: AgreementOutcome) -> AgreementOutcome {
        var o = start
        let grantCount = Int(head.grantCount)
        @inline(__always) func grant(_ g: Int) -> PreparedAgreement.PreparedGrant {
            hot.load(fromByteOffset: PreparedAgreement.Hot.grantsOffset + g &* MemoryLayout<PreparedAgreement.PreparedGrant>.stride,
                     as: PreparedAgreement.PreparedGrant.self)
        }
        for g in 0..<grantCount {
            let pg = grant(g)
            var active = false
            var rule = Int(pg.firstRule)
            while rule < Int(pg.firstRule) &+ Int(pg.ruleCount) {
                if res[rule].active { active = true; break }
                rule &+= 1
            }
            guard active else { continue }
            // Restrictions override grants: the first prohibition in force.
            var hit = -1
            let at = head.prohibitionsOffset()
            for k in 0..<Int(head.prohibitionCount) {
                let x = hot.load(fromByteOffset: at &+ k &* MemoryLayout<PreparedAgreement.RestrictionRule>.stride,
                                 as: PreparedAgreement.RestrictionRule.self)
                if res[Int(x.rule)].active { hit = Int(x.restriction); break }
            }
            if hit >= 0 {
                o.restriction = hit
                o.bestGrant = g
                continue
            }
            o.permittedGrant = g
            return o
        }
        if o.restriction != nil { return o }
        // Why not: the agreement's activity first (the first constraints of every permission:
        // term start at 0, term end at 1, then termination and prior subscription when present)...
        if head.activityRule >= 0 {
            let failed = res[Int(head.activityRule)].failedConstraints
            if head.terminationPosition >= 0, failed & (1 << UInt64(head.terminationPosition)) != 0 { o.inactivity = .termination; return o }
            if failed & 1 != 0 { o.inactivity = .term; return o }
            if failed & 2 != 0 { o.inactivity = .termEnd; return o }
            if head.priorPosition >= 0, failed & (1 << UInt64(head.priorPosition)) != 0 { o.inactivity = .prior; return o }
        }
        // ...then each grant's failing dimensions, the grant with the fewest coming closest.
        let activity = Int(head.activityCount)
        var best = -1
        var bestFailing: UInt16 = 0
        var bestCount = Int.max
        for g in 0..<grantCount {
            let pg = grant(g)
            guard pg.dimsRule >= 0 else { continue }
            let x = res[Int(pg.dimsRule)]
            var failing: UInt16 = x.targetMatches ? 0 : 1 << UInt16(GrantDimension.asset.caseIndex)
            let failed = x.failedConstraints
            for j in 0..<Int(pg.ownCount) where failed & (1 << UInt64(min(activity + j, 63))) != 0 {
                failing |= 1 << UInt16(pg.ownDim(j))
            }
            if pg.ruleCount > 0 {
                var actionOK = false
                for rule in pg.rules where res[rule].actionMatches { actionOK = true; break }
                if !actionOK { failing |= 1 << UInt16(GrantDimension.action.caseIndex) }
            }
            // The engine refused without a failing dimension: fail closed.
            if failing == 0 { failing = 1 << UInt16(GrantDimension.action.caseIndex) }
            let n = failing.nonzeroBitCount
            if n < bestCount { best = g; bestFailing = failing; bestCount = n }
        }
        if best >= 0 { o.bestGrant = best; o.failing = bestFailing }
        return o
    }

    /// ``outcome(_:_:_:_:_:lifters:usage:)`` on checks driven rule by rule: the same outcome as
    /// reading the whole pass's answers (``outcome(results:_:_:_:)``), without computing the answers
    /// it does not read. `checks` are the agreement's, for a request with a vocabulary action, no
    /// rule-scoped value and no duty state (``ODRLBlock/knownActionChecks(_:)``), and an agreement
    /// whose activity constraints are at least the term's start and end (every agreement's).
    ///
    /// Why (bench/PROFILE.md, session 7): at issue 4's scale a request considers three agreements,
    /// and much of an engine pass was answers nothing read. The whole pass built every top-level
    /// rule's answer (`Checks.result`, ~115 instructions each: action, asset, party, duties), but:
    /// - an agreement whose activity constraints fail (not yet started, expired, terminated, no prior
    ///   subscription; 40% of the agreements considered on the benchmark's workload) is that and
    ///   nothing more: no grant can be in force (every permission starts with those constraints), no
    ///   restriction is asked (only an in-force grant's), and a denial lists no failed dimension for
    ///   it. Its two to four activity constraints decide it; the rest of the pass is skipped.
    /// - otherwise those constraints are satisfied, and each grant's range is evaluated from the
    ///   constraint after them (they are the same constraints, first in every permission's range;
    ///   their bits are 0).
    /// - a permission whose constraints are not all satisfied is not in force whatever its action and
    ///   asset: its answer is not built (a grant's permissions share one constraint range, evaluated
    ///   once, as ``Checks/fill(_:)`` does).
    /// - a restriction is asked only when a grant is in force; grants after the one that permits are
    ///   not evaluated.
    /// - a denial's failing dimensions need, per grant, its constraint bits, whether its asset
    ///   matches and whether any of its actions does: asked directly, not through a rule's answer,
    ///   in the same loop over the grants (a second loop evaluated the ranges again).
    /// Each truth comes from the same checks (``Checks/constraintMasks(_:_:rule:)``,
    /// ``Checks/result(_:_:rule:memo:)``, ``Checks/targetEntity(_:memo:)``,
    /// ``Checks/actionMatches(_:)``) with the same rule, so the answers read are the same bits
    /// (``DrivenOutcomeTests`` compares the two readings on random agreements and requests).
    ///
    /// `activitySatisfied`: the caller found the agreement's activity constraints satisfied from
    /// their plain copy (``plainActivityFailed(_:_:)``, which the agreement has): they are not
    /// evaluated again.
    static func outcome(_ c: Checks, _ hot: UnsafeRawPointer, _ head: PreparedAgreement.Hot, _ start: AgreementOutcome,
                        activitySatisfied: Bool = false) -> AgreementOutcome {
        var o = start
        var memo = Checks.Memo()
        let rules = c.rules
        // 1. Activity: the activity rule's first `activityCount` constraints are the agreement's
        // activity constraints (term start at 0, term end at 1, then termination and prior
        // subscription when present), the first constraints of every permission.
        var skip: Int32 = 0
        if activitySatisfied {
            // The plain copy exists only when the activity rule has that many constraints.
            skip = Int32(head.activityCount)
        } else if head.activityRule >= 0 {
            let ar = rules + Int(head.activityRule)
            skip = min(Int32(head.activityCount), ar.pointee.consCount)
            let failed = c.constraintMasks(ar.pointee.cons, skip, rule: head.activityRule).failed
            if failed != 0 {
                if let why = inactivity(failed, head) { o.inactivity = why; return o }
                skip = 0  // not one of them (cannot happen): every range evaluated whole
            }
        }
        var ranges = RangeMasks(skip: skip)
        @inline(__always) func grant(_ g: Int) -> PreparedAgreement.PreparedGrant {
            hot.load(fromByteOffset: PreparedAgreement.Hot.grantsOffset + g &* MemoryLayout<PreparedAgreement.PreparedGrant>.stride,
                     as: PreparedAgreement.PreparedGrant.self)
        }
        // 2. The grants in order: the first in force permits unless a restriction in force overrides
        // it; meanwhile each grant's failing dimensions, the grant with the fewest coming closest
        // (the denial's, when none is in force).
        let grantCount = Int(head.grantCount)
        let activity = Int(head.activityCount)
        var restriction = -2  // the first restriction in force (-1: none), asked once
        var best = -1
        var bestFailing: UInt16 = 0
        var bestCount = Int.max
        for g in 0..<grantCount {
            let pg = grant(g)
            var active = false
            var rule = pg.firstRule
            while rule < pg.firstRule &+ pg.ruleCount {
                let r = rules + Int(rule)
                let m = ranges.masks(c, r, rule)
                // Not all satisfied: not in force, whatever else (``Checks/result(_:_:rule:memo:)``).
                if m.truth == .satisfied && c.active(r, m, rule: rule, memo: &memo) { active = true; break }
                rule &+= 1
            }
            if active {
                if restriction == -2 {
                    restriction = -1
                    let at = head.prohibitionsOffset()
                    for k in 0..<Int(head.prohibitionCount) {
                        let x = hot.load(fromByteOffset: at &+ k &* MemoryLayout<PreparedAgreement.RestrictionRule>.stride,
                                         as: PreparedAgreement.RestrictionRule.self)
                        let r = rules + Int(x.rule)
                        // A prohibition's range is its own (no activity constraints): evaluated whole.
                        if c.result(r, c.constraintMasks(r.pointee.cons, r.pointee.consCount, rule: x.rule), rule: x.rule, memo: &memo).active {
                            restriction = Int(x.restriction)
                            break
                        }
                    }
                }
                if restriction >= 0 {
                    o.restriction = restriction
                    o.bestGrant = g
                    continue
                }
                o.permittedGrant = g
                return o
            }
            // Read only when no grant is in force: once one is (restricted), skip the rest.
            guard o.restriction == nil, pg.dimsRule >= 0 else { continue }
            let r = rules + Int(pg.dimsRule)
            let failed = ranges.masks(c, r, pg.dimsRule).failed
            let targetMatches = r.pointee.targetCount < 0 || c.targetEntity(r, memo: &memo) >= 0
            var failing: UInt16 = targetMatches ? 0 : 1 << UInt16(GrantDimension.asset.caseIndex)
            let own = Int(pg.ownCount)
            if activity &+ own <= 63 {
                // Only the failed constraints' bits visited (the loop below asks each of the grant's
                // constraints; ~2 of its ~4 fail on a denial): the same dimensions.
                var bits = (failed >> UInt64(activity)) & ((1 << UInt64(own)) &- 1)
                while bits != 0 {
                    failing |= 1 << UInt16(pg.ownDim(bits.trailingZeroBitCount))
                    bits &= bits &- 1
                }
            } else {
                for j in 0..<own where failed & (1 << UInt64(min(activity + j, 63))) != 0 {
                    failing |= 1 << UInt16(pg.ownDim(j))
                }
            }
            if pg.ruleCount > 0 {
                var actionOK = false
                var rule = Int(pg.firstRule)
                while rule < Int(pg.firstRule &+ pg.ruleCount) {
                    if c.actionMatches(rules[rule].action) { actionOK = true; break }
                    rule &+= 1
                }
                if !actionOK { failing |= 1 << UInt16(GrantDimension.action.caseIndex) }
            }
            // The engine refused without a failing dimension: fail closed.
            if failing == 0 { failing = 1 << UInt16(GrantDimension.action.caseIndex) }
            // The fewest failing dimensions, counted only when a second grant is compared (the first
            // one is taken whatever its count, as with `Int.max`): the build's baseline x86-64 has no
            // `popcnt`, and the count in software was ~20 instructions a grant; most denials compare one
            // grant or two (callgrind, bench/PROFILE.md "eval, session 10").
            if best < 0 {
                best = g; bestFailing = failing
            } else {
                if bestCount == Int.max { bestCount = bestFailing.nonzeroBitCount }
                let n = failing.nonzeroBitCount
                if n < bestCount { best = g; bestFailing = failing; bestCount = n }
            }
        }
        if o.restriction != nil { return o }
        if best >= 0 { o.bestGrant = best; o.failing = bestFailing }
        return o
    }

    /// The driven outcome (``outcome(_:_:_:_:activitySatisfied:)``) of the agreement whose block's
    /// client data is `hot` (`head` its head), with the request's checks bound to its set
    /// (``Checks/bind(_:)``, by the caller: passed on by address, not copied), its activity found first from its
    /// plain copy (``plainActivityFailed(_:_:)``): an agreement not in force is that and nothing
    /// more, decided without building its checks or calling the outcome.
    @inline(__always)
    static func drivenOutcome(_ hot: UnsafeRawPointer, _ head: PreparedAgreement.Hot, _ checks: Checks,
                              _ start: AgreementOutcome) -> AgreementOutcome {
        let failed = plainActivityFailed(head, checks.fast)
        if failed != 0, failed != notPlain, let why = inactivity(failed, head) {
            var o = start
            o.inactivity = why
            return o
        }
        return outcome(checks, hot, head, start, activitySatisfied: failed == 0)
    }

    /// Why an agreement whose activity constraints failed (bit `i`: the `i`-th) is not in force, in
    /// DESIGN.md rule 3's order: terminated, not started, expired, not prior; nil when no bit is one
    /// of them (cannot happen for an agreement's activity constraints).
    @inline(__always)
    static func inactivity(_ failed: UInt64, _ head: PreparedAgreement.Hot) -> GrantDimension? {
        if head.terminationPosition >= 0, failed & (1 << UInt64(head.terminationPosition)) != 0 { return .termination }
        if failed & 1 != 0 { return .term }
        if failed & 2 != 0 { return .termEnd }
        if head.priorPosition >= 0, failed & (1 << UInt64(head.priorPosition)) != 0 { return .prior }
        return nil
    }

    /// ``plainActivityFailed(_:_:)``'s answer when the checks must evaluate the activity
    /// constraints (no plain copy, or a value of another kind).
    static let notPlain = UInt64.max

    /// The agreement's activity constraints evaluated from their plain copy in its head
    /// (``PreparedAgreement/fillPlainActivity(_:)``) against the request's values `fast` (no
    /// rule-scoped value: the driven path's): bit `i` set when the `i`-th is not satisfied (0: the
    /// agreement is in force), or ``notPlain``.
    ///
    /// Exactly ``Checks/truth(_:rule:)``'s answer for a comparison record whose value is a number
    /// or of the record's own kind (the same operators on the same `Double`s); any other value (absent,
    /// another kind, a slot outside the input) is ``notPlain`` and the checks decide, as before.
    /// Measured in bench/PROFILE.md, "eval, session 9".
    @inline(__always)
    static func plainActivityFailed(_ head: PreparedAgreement.Hot, _ fast: UnsafeBufferPointer<FastValue>) -> UInt64 {
        let slot = Int(head.activitySlot)
        guard slot >= 0, slot < fast.count else { return notPlain }
        let v = fast[slot]
        guard v.tag == FastValue.number || v.tag == head.activityOwn else { return notPlain }
        let x = v.num
        let ops = head.activityOps
        @inline(__always) func holds(_ op: UInt32, _ n: Double) -> Bool {
            switch UInt8(truncatingIfNeeded: op) {
            case ConstraintRecord.Op.eq: return x == n
            case ConstraintRecord.Op.neq: return x != n
            case ConstraintRecord.Op.lt: return x < n
            case ConstraintRecord.Op.lteq: return x <= n
            case ConstraintRecord.Op.gt: return x > n
            default: return x >= n
            }
        }
        // All four asked (the unused ones compare with 0), then only the agreement's kept.
        let values = head.activityValues
        var failed: UInt64 = holds(ops, values.0) ? 0 : 1
        if !holds(ops >> 8, values.1) { failed |= 2 }
        if !holds(ops >> 16, values.2) { failed |= 4 }
        if !holds(ops >> 24, values.3) { failed |= 8 }
        failed &= (1 << UInt64(head.activityCount & 7)) &- 1
        return failed
    }

    /// The masks of a permission's constraint range (``Checks/constraintMasks(_:_:rule:)``) for the
    /// driven outcome: the last range's kept (a grant's permissions share one), and the first `skip`
    /// constraints, the activity constraints already found satisfied, not evaluated again (their
    /// bits are 0 and they do not change the conjunction). Only for ranges of at most 64 constraints
    /// (a bit each); a longer one is evaluated whole.
    struct RangeMasks {
        let skip: Int32
        /// The last range evaluated (`start ..< start + count`; -1: none yet) and its masks.
        var start: Int32 = -1
        var count: Int32 = 0
        var masks: (failed: UInt64, unknown: UInt64, truth: Truth) = (0, 0, .satisfied)

        init(skip: Int32) { self.skip = skip }

        /// The masks of rule `r`'s constraint range: the kept ones when it is the last range asked,
        /// else evaluated (``evaluate(_:_:_:)``). The check inline, the evaluation's loop out of
        /// line: called as one function (the compiler did not inline it), a hit cost ~40
        /// instructions (callgrind session 8; 387,024 calls for 160,656 evaluations on /tmp/eval-w1k).
        @inline(__always)
        mutating func masks(_ c: Checks, _ r: UnsafeMutablePointer<RuleRecord>, _ rule: Int32) -> (failed: UInt64, unknown: UInt64, truth: Truth) {
            if r.pointee.cons != start || r.pointee.consCount != count { evaluate(c, r, rule) }
            return masks
        }

        /// Evaluates rule `r`'s range and keeps it as the last one. Inline, around one call of the
        /// loop (``Checks/plainMasks(_:_:rule:)``): out of line it was a second call per range
        /// evaluated (~50 instructions of 250; callgrind session 9, 160,656 ranges of 2.9
        /// constraints each on /tmp/eval-w1k).
        @inline(__always)
        mutating func evaluate(_ c: Checks, _ r: UnsafeMutablePointer<RuleRecord>, _ rule: Int32) {
            let start = r.pointee.cons, count = r.pointee.consCount
            self.start = start
            self.count = count
            // The driven outcome's checks have no rule-scoped value: the loop for them
            // (``Checks/plainMasks(_:_:rule:)``), inline here (one call per range, not two).
            if skip > 0 && count >= skip && count <= 64 {
                let rest = c.plainMasks(start &+ skip, count &- skip, rule: rule)
                masks = (rest.failed << UInt64(skip), rest.unknown << UInt64(skip), rest.truth)
            } else {
                masks = c.plainMasks(start, count, rule: rule)
            }
        }
    }
}

extension String {
    fileprivate func replacingHyphens() -> String { String(map { $0 == "-" ? " " : $0 }) }
}
