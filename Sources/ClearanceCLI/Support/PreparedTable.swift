import ClearanceCore
import ClearanceStore
import Foundation

/// Every agreement version of a large batch, prepared up front on all cores and then read by the batch
/// workers without any lock.
///
/// Built once, before the first request is decided, from every history of the store (or every agreement
/// of an `--agreements` file); never changed afterwards, so workers share it freely (hence
/// `@unchecked Sendable`). Replaces, for large batches, the lazy path (a locked map of histories, a
/// locked cache of prepared versions keyed by id strings, an `AgreementHistory` copied per request),
/// which perf showed at ~11% of a 1M-line batch outside preparation itself.
///
/// A party (subscriber, source) whose agreements each have one version — almost all of them — has
/// the same in-force list at every instant (``AgreementHistory/inForce(at:)`` falls back to version 1), so
/// its list and its version refs are built once and handed out as they are: a request then costs one
/// dictionary lookup and two retains, no array built.
final class PreparedTable: @unchecked Sendable {
    /// One version of one agreement, prepared (or the error preparing it gave, thrown when a request
    /// needs that version, as the lazy path would).
    struct Version {
        var effectiveAt: Instant
        var prepared: Result<PreparedAgreement, DiagnosticError>
        var ref: AgreementVersionRef
    }

    /// One party's agreements.
    struct Party {
        /// Position of the party in the table (a worker's index for what it keeps per party).
        var slot: Int
        /// The in-force list when it never changes (every history has one version, all prepared).
        var fixed: [PreparedAgreement]?
        var fixedRefs: [AgreementVersionRef]
        /// Each agreement's versions, in order (histories in agreement-id order, as the store returns them).
        var histories: [[Version]]
    }

    /// One version to prepare: the agreement as that version states it (termination filled in).
    struct Input: Sendable {
        var agreement: Agreement
        var version: Int
        var effectiveAt: Instant
    }

    let parties: [Parties: Party]
    /// The slot of each party whose in-force list is fixed: a lookup that returns a plain integer. Looking up
    /// ``parties`` copies a `Party` out, retaining its three arrays — atomic increments on buffers every
    /// worker touches (perf: ~3% of a 1M-line batch in `swift_retain` there).
    let fixedSlots: PartyIndex
    /// Number of parties (slots are `0..<partyCount`).
    let partyCount: Int
    /// Number of versions prepared (for measurements).
    let versionCount: Int

    /// Prepares every version of every history on all cores; `histories` are grouped by party, in order.
    init(_ histories: [(Parties, [[Input]])]) {
        // Flatten, prepare in parallel (each preparation is independent and pure), then regroup by index.
        var flat: [Input] = []
        for (_, hs) in histories { for h in hs { flat.append(contentsOf: h) } }
        let prepared = Parallel.map(flat, minimumChunk: 64) { input -> Result<PreparedAgreement, DiagnosticError> in
            do throws(DiagnosticError) { return .success(try PreparedAgreement(input.agreement)) } catch { return .failure(error) }
        }
        var parties: [Parties: Party] = [:]
        parties.reserveCapacity(histories.count)
        var k = 0
        for (p, hs) in histories {
            var party = Party(slot: parties[p]?.slot ?? parties.count, fixed: nil, fixedRefs: [], histories: [])
            party.histories.reserveCapacity(hs.count)
            var single = true
            for h in hs {
                var versions: [Version] = []
                versions.reserveCapacity(h.count)
                for input in h {
                    versions.append(Version(effectiveAt: input.effectiveAt, prepared: prepared[k],
                                            ref: AgreementVersionRef(id: input.agreement.id, version: input.version)))
                    k += 1
                }
                if versions.count != 1 { single = false }
                if !versions.isEmpty { party.histories.append(versions) }
            }
            if single {
                var list: [PreparedAgreement] = []
                list.reserveCapacity(party.histories.count)
                for h in party.histories {
                    guard case .success(let a) = h[0].prepared else { single = false; break }
                    list.append(a)
                }
                if single {
                    party.fixed = list
                    party.fixedRefs = party.histories.map { $0[0].ref }
                }
            }
            if let old = parties[p] {
                // The same party given twice (not from the store): keep both, in order, as one.
                party.histories = old.histories + party.histories
                party.fixed = nil
            }
            parties[p] = party
        }
        self.parties = parties
        fixedSlots = PartyIndex(parties.compactMap { p, party in party.fixed == nil ? nil : (p, party.slot) })
        partyCount = parties.count
        versionCount = flat.count
    }

    /// The versions in force at `at` for a party, prepared, and which versions they are (no lock).
    @inline(__always)
    func inForce(_ p: Parties, at: Instant) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef]) {
        let (list, refs, _) = try inForceSlot(p, at: at)
        return (list, refs)
    }

    /// ``inForce(_:at:)``, plus the party's slot when its list is fixed (the same at every instant), so a
    /// caller may keep what it derives from that list per slot.
    @inline(__always)
    func inForceSlot(_ p: Parties, at: Instant) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef], Int?) {
        guard let party = parties[p] else { return ([], [], nil) }
        if let fixed = party.fixed { return (fixed, party.fixedRefs, party.slot) }
        var list: [PreparedAgreement] = []
        var refs: [AgreementVersionRef] = []
        list.reserveCapacity(party.histories.count)
        refs.reserveCapacity(party.histories.count)
        for h in party.histories {
            // The same rule as `AgreementHistory.inForce(at:)`: the last version effective at or before
            // `at`, else version 1 (whose own term then decides).
            var pick = h[0]
            for v in h where v.effectiveAt <= at { pick = v }
            list.append(try pick.prepared.get())
            refs.append(pick.ref)
        }
        return (list, refs, nil)
    }
}

/// Party → slot, read by every batch worker per request: open addressing over an FNV-1a hash of the two ids'
/// bytes, verified by comparing the ids.
///
/// `Dictionary<Parties, Int>` hashes both strings with SipHash per lookup: perf put that at ~2% of a 1M-line
/// batch (~100 ns a request); FNV over ~15 bytes and one probe is a few nanoseconds. The hash only picks
/// where to look: a hit is confirmed by comparing subscriber and source, so collisions cost a probe, never
/// a wrong answer. Built once, never changed (read by all workers without a lock).
struct PartyIndex: Sendable {
    private let keys: [Parties]
    private let slots: [Int]
    /// Positions in `keys` + 1 (0: empty), `mask + 1` buckets (a power of two, at most half full).
    private let buckets: [Int32]
    private let mask: Int

    init(_ pairs: [(Parties, Int)]) {
        var size = 16
        while size < pairs.count * 2 { size <<= 1 }
        var buckets = [Int32](repeating: 0, count: size)
        var keys: [Parties] = [], slots: [Int] = []
        keys.reserveCapacity(pairs.count)
        slots.reserveCapacity(pairs.count)
        for (p, slot) in pairs {
            var i = Int(truncatingIfNeeded: Self.hash(p.subscriber, p.source)) & (size - 1)
            var duplicate = false
            while buckets[i] != 0 {
                if keys[Int(buckets[i]) - 1] == p { duplicate = true; break }
                i = (i + 1) & (size - 1)
            }
            if duplicate { continue }
            keys.append(p)
            slots.append(slot)
            buckets[i] = Int32(keys.count)
        }
        self.keys = keys
        self.slots = slots
        self.buckets = buckets
        mask = size - 1
    }

    /// The slot of (subscriber, source), or nil.
    @inline(__always)
    subscript(_ p: Parties) -> Int? { find(subscriber: p.subscriber, source: p.source) }

    /// The slot of (subscriber, source), or nil.
    func find(subscriber: String, source: String) -> Int? {
        var i = Int(truncatingIfNeeded: Self.hash(subscriber, source)) & mask
        while true {
            let k = Int(buckets[i])
            if k == 0 { return nil }
            let key = keys[k - 1]
            if key.subscriber == subscriber && key.source == source { return slots[k - 1] }
            i = (i + 1) & mask
        }
    }

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
