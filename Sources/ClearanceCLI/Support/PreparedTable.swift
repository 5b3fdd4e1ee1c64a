import CPrefetch
import ClearanceCore
import ClearanceStore
import Foundation

/// Every agreement of a large batch by party, each party's versions parsed and prepared by the first batch
/// worker that meets the party, then shared by all workers.
///
/// Built before the first request is decided from every row of the store (documents not yet parsed) or every
/// agreement of an `--agreements` file: that is only a grouping by party, a few tens of milliseconds. The
/// parsing (~58,000 instructions a stored version) and the preparation (~270,000, `PreparedAgreement.init`)
/// happen in ``party(_:scanner:)``, on the worker that first needs the party, between its decisions.
///
/// Why (bench/PROFILE.md, batch session 5): preparing every version up front, even on all cores, put ~0.9 s of
/// CPU (16,485 versions) before the first decision, and its end was a barrier — the batch's start waited for
/// the slowest chunk, and the reading thread sat idle meanwhile. Done lazily, the same work is spread over
/// the first ~50,000 decisions and balanced by the item queue like the decisions themselves; the batch
/// starts deciding ~50 ms after opening the database.
///
/// Workers find a party's slot lock-free (``slot(_:)``, an immutable index) and keep what they derive from a
/// party per slot (``BatchPipeline/WorkerState``), so ``party(_:scanner:)`` and its lock are met about once per
/// party and worker, not per request. Two workers needing the same unprepared party at once: the second waits
/// for the first's result (no party is prepared twice).
final class PreparedTable: @unchecked Sendable {
    /// One version of one agreement, prepared (or the error preparing it gave, thrown when a request
    /// needs that version, as the lazy path would).
    struct Version {
        var effectiveAt: Instant
        var prepared: Result<PreparedAgreement, DiagnosticError>
        var ref: AgreementVersionRef
    }

    /// One party's agreements, prepared; never changed once made (shared by the workers).
    final class Party: @unchecked Sendable {
        /// The in-force list when it never changes (every history has one version, all prepared).
        let fixed: [PreparedAgreement]?
        let fixedRefs: [AgreementVersionRef]
        /// Each agreement's versions, in order (histories in agreement-id order, as the store returns them), when
        /// ``fixed`` is nil; empty otherwise: a party with a fixed list does not keep its one-version histories
        /// too (an array per agreement and one per party; heaptrack, 200,000 requests at 30,000 agreements:
        /// ~3.4 MB, bench/PROFILE.md batch session 7).
        let histories: [[Version]]

        init(histories: [[Version]]) {
            var list: [PreparedAgreement]? = []
            list?.reserveCapacity(histories.count)
            for h in histories {
                guard h.count == 1, case .success(let a) = h[0].prepared else { list = nil; break }
                list?.append(a)
            }
            fixed = list
            fixedRefs = list == nil ? [] : histories.map { $0[0].ref }
            self.histories = list == nil ? histories : []
        }

        /// The versions in force at `at`, prepared, and which versions they are.
        func inForce(at: Instant) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef]) {
            if let fixed { return (fixed, fixedRefs) }
            var list: [PreparedAgreement] = []
            var refs: [AgreementVersionRef] = []
            list.reserveCapacity(histories.count)
            refs.reserveCapacity(histories.count)
            for h in histories {
                // The same rule as `AgreementHistory.inForce(at:)`: the last version effective at or before
                // `at`, else version 1 (whose own term then decides).
                var pick = h[0]
                for v in h where v.effectiveAt <= at { pick = v }
                list.append(try pick.prepared.get())
                refs.append(pick.ref)
            }
            return (list, refs)
        }
    }

    /// One version to prepare: the agreement as that version states it (termination filled in).
    struct Input: Sendable {
        var agreement: Agreement
        var version: Int
        var effectiveAt: Instant
    }

    /// What a party is made from: its agreements' versions (a file's agreements), or its stored rows, parsed
    /// when the party is first met.
    enum Source {
        case histories([[Input]])
        case rows([StoredVersionRow])
    }

    /// A party's state: not yet met, being prepared by a worker, or done (its agreements, or the error
    /// parsing its stored rows gave).
    private enum State {
        case pending(Source)
        case preparing
        case done(Result<Party, DiagnosticError>)
    }

    /// Party → slot (`0..<partyCount`).
    private let index: PartyIndex
    /// Number of parties (slots are `0..<partyCount`).
    let partyCount: Int
    private var states: [State]
    private let cond = NSCondition()
    /// Parties prepared since ``trimDue()`` last said yes.
    private var preparedSinceTrim = 0

    /// The table of `parties` (each party once, in slot order), nothing prepared yet.
    init(_ parties: [(Parties, Source)]) {
        index = PartyIndex(parties.map(\.0))
        partyCount = parties.count
        states = parties.map { .pending($0.1) }
    }

    /// The slot of a party, or nil when it has no agreements (lock-free: the index never changes).
    @inline(__always)
    func slot(subscriber: String, source: String) -> Int? { index.find(subscriber: subscriber, source: source) }

    /// The slot of a party whose ``PartyIndex/hash(_:_:)`` is `hash` (computed once for the prefetch and the look-up).
    @inline(__always)
    func slot(hash: UInt64, subscriber: String, source: String) -> Int? { index.find(hash: hash, subscriber: subscriber, source: source) }

    /// Asks for the cache line ``slot(hash:subscriber:source:)`` will read first (``PartyIndex/prefetch(hash:)``).
    @inline(__always)
    func prefetchSlot(hash: UInt64) { index.prefetch(hash: hash) }

    /// Where the index's buckets are, as plain data (``PartyIndex/Buckets``), for a loop that prefetches a bucket per line.
    var slotBuckets: PartyIndex.Buckets { index.bucketAddresses }

    /// The party in `slot`, parsing and preparing it first if no worker has (`scanner` parses stored rows;
    /// each worker passes its own). Throws what parsing a stored document threw (every later call too).
    func party(_ slot: Int, scanner: inout AgreementScanner) throws(DiagnosticError) -> Party {
        cond.lock()
        while true {
            switch states[slot] {
            case .done(let result):
                cond.unlock()
                return try result.get()
            case .preparing:
                cond.wait()
            case .pending(let source):
                states[slot] = .preparing
                cond.unlock()
                let result = Self.prepare(source, scanner: &scanner)
                cond.lock()
                states[slot] = .done(result)
                preparedSinceTrim += 1
                cond.broadcast()
                cond.unlock()
                return try result.get()
            }
        }
    }

    /// Whether 64 more parties were prepared since the last time this said yes: their stored rows are freed, and
    /// the batch then returns the freed memory to the system (``Malloc/trim()``).
    func trimDue() -> Bool {
        cond.lock()
        defer { cond.unlock() }
        guard preparedSinceTrim >= 64 else { return false }
        preparedSinceTrim = 0
        return true
    }

    /// The in-force list of (subscriber, source) at `at` (empty when the party has no agreements).
    func inForce(_ p: Parties, at: Instant, scanner: inout AgreementScanner) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef]) {
        guard let slot = slot(subscriber: p.subscriber, source: p.source) else { return ([], []) }
        return try party(slot, scanner: &scanner).inForce(at: at)
    }

    /// Parses (stored rows) and prepares every version of one party.
    ///
    /// Stored rows are prepared straight from the parsed histories: mapped first to ``Input``s, each
    /// `Agreement` was copied twice more (an `Input` per version, then out of it), ~1,800 instructions
    /// a version of copies, arrays and releases (callgrind, bench/PROFILE.md "prepare, session 9").
    private static func prepare(_ source: Source, scanner: inout AgreementScanner) -> Result<Party, DiagnosticError> {
        func version(_ a: Agreement, _ number: Int, _ effectiveAt: Instant) -> Version {
            let prepared: Result<PreparedAgreement, DiagnosticError>
            do throws(DiagnosticError) { prepared = .success(try PreparedAgreement(a)) } catch { prepared = .failure(error) }
            return Version(effectiveAt: effectiveAt, prepared: prepared, ref: AgreementVersionRef(id: a.id, version: number))
        }
        var histories: [[Version]] = []
        switch source {
        case .histories(let inputs):
            histories.reserveCapacity(inputs.count)
            for h in inputs where !h.isEmpty { histories.append(h.map { version($0.agreement, $0.version, $0.effectiveAt) }) }
        case .rows(let rows):
            // Each version as it is read (``StoredVersionRow/eachVersion(_:scanner:_:)``: no history with the rows'
            // notes and times, no String per column; ~5,000 instructions a version, "prepare, session 10").
            do throws(DiagnosticError) {
                try StoredVersionRow.eachVersion(rows, scanner: &scanner) { startsHistory, a, number, effectiveAt in
                    if startsHistory { histories.append([]) }
                    histories[histories.count - 1].append(version(a, number, effectiveAt))
                }
            } catch { return .failure(error) }
        }
        return .success(Party(histories: histories))
    }
}

/// Party → slot (its position in the list given), read by every batch worker per request: open addressing over
/// an FNV-1a hash of the two ids' bytes, verified by comparing the ids.
///
/// `Dictionary<Parties, Int>` hashes both strings with SipHash per lookup: perf put that at ~2% of a 1M-line
/// batch (~100 ns a request); FNV over ~15 bytes and one probe is a few nanoseconds. The hash only picks
/// where to look: a hit is confirmed by comparing the hash, the subscriber and the source, so collisions cost
/// a probe, never a wrong answer. Built once, never changed (read by all workers without a lock).
///
/// Each bucket holds its key (subscriber, full hash, source number) and slot in 32 bytes, 32-byte aligned, so a
/// look-up reads one cache line. Why (bench/PROFILE.md, batch session 7): with 10,000 parties the index is cold
/// per request (random subscribers, the prepared agreements in between evict it). The former layout, a bucket
/// array of positions then the key array, was two dependent misses: perf at 30,000 agreements gave
/// `PartyIndex.find` 2.5% of a 1M-line batch's samples, 89% of them on those two loads.
final class PartyIndex: @unchecked Sendable {
    /// One bucket (`slot` -1: empty). 32 bytes: two to a cache line, never across two.
    private struct Bucket {
        var subscriber: String
        var hash: UInt64
        /// Index in ``sources``.
        var source: Int32
        var slot: Int32
    }

    /// The distinct sources of the keys (a batch has one or a few).
    private let sources: [String]
    /// `mask + 1` buckets (a power of two, at most two thirds full), in memory aligned to a cache line.
    private let buckets: UnsafeMutablePointer<Bucket>
    private let mask: Int

    /// The index of `keys` (slot = position; a repeated key keeps its first position).
    init(_ keys: [Parties]) {
        var size = 16
        while size * 2 < keys.count * 3 { size <<= 1 }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: size * MemoryLayout<Bucket>.stride, alignment: 64)
        let buckets = raw.bindMemory(to: Bucket.self, capacity: size)
        buckets.initialize(repeating: Bucket(subscriber: "", hash: 0, source: -1, slot: -1), count: size)
        var sources: [String] = []
        var sourceNumbers: [String: Int32] = [:]
        for (k, p) in keys.enumerated() {
            let h = Self.hash(p.subscriber, p.source)
            var i = Int(truncatingIfNeeded: h) & (size - 1)
            var duplicate = false
            while buckets[i].slot >= 0 {
                if buckets[i].hash == h && buckets[i].subscriber == p.subscriber && sources[Int(buckets[i].source)] == p.source {
                    duplicate = true
                    break
                }
                i = (i + 1) & (size - 1)
            }
            if duplicate { continue }
            let source: Int32
            if let n = sourceNumbers[p.source] { source = n } else {
                source = Int32(sources.count)
                sourceNumbers[p.source] = source
                sources.append(p.source)
            }
            buckets[i] = Bucket(subscriber: p.subscriber, hash: h, source: source, slot: Int32(k))
        }
        self.sources = sources
        self.buckets = buckets
        mask = size - 1
    }

    deinit {
        buckets.deinitialize(count: mask + 1)
        UnsafeMutableRawPointer(buckets).deallocate()
    }

    /// The slot of (subscriber, source), or nil.
    @inline(__always)
    subscript(_ p: Parties) -> Int? { find(subscriber: p.subscriber, source: p.source) }

    /// The slot of (subscriber, source), or nil.
    @inline(__always)
    func find(subscriber: String, source: String) -> Int? { find(hash: Self.hash(subscriber, source), subscriber: subscriber, source: source) }

    /// The slot of (subscriber, source) whose ``hash(_:_:)`` is `h` (the batch computes it once for ``prefetch(hash:)``
    /// and the look-up: hashing twice was about half of `find`'s own samples, perf batch session 9), or nil.
    func find(hash h: UInt64, subscriber: String, source: String) -> Int? {
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let b = buckets + i
            if b.pointee.slot < 0 { return nil }
            if b.pointee.hash == h && b.pointee.subscriber == subscriber && sources[Int(b.pointee.source)] == source {
                return Int(b.pointee.slot)
            }
            i = (i + 1) & mask
        }
    }

    /// Asks for the cache line of the bucket ``find(subscriber:source:)`` reads first (a prefetch: the batch asks
    /// for a whole item's buckets, then finds them; bench/PROFILE.md batch session 8).
    @inline(__always)
    func prefetch(hash h: UInt64) {
        clearance_prefetch(buckets + (Int(truncatingIfNeeded: h) & mask))
    }

    /// The buckets' address and mask as plain data: what ``prefetch(hash:)`` reads, without the index object.
    ///
    /// Why (perf, 1M at 30,000 agreements, mem session 11): `if let table { table.prefetchSlot(...) }` in the batch's
    /// line loop retained and released the table per line (1.5% of the samples: the table is shared by both workers,
    /// so its reference count's line moved between the cores).
    struct Buckets {
        let base: UnsafeRawPointer
        let mask: Int
        @inline(__always)
        func prefetch(hash h: UInt64) {
            clearance_prefetch(base + (Int(truncatingIfNeeded: h) & mask) &* MemoryLayout<Bucket>.stride)
        }
    }

    var bucketAddresses: Buckets { Buckets(base: UnsafeRawPointer(buckets), mask: mask) }

    /// FNV-1a over the subscriber's bytes, a separator no id contains (0xFF is never UTF-8), the source's bytes.
    @inline(__always)
    static func hash(_ a: String, _ b: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var a = a, b = b
        a.withUTF8 { for x in $0 { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        h = (h ^ 0xFF) &* 0x100_0000_01b3
        b.withUTF8 { for x in $0 { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        // FNV's low bits mix poorly for short keys: fold the high half in before masking.
        return h ^ (h >> 29)
    }
}
