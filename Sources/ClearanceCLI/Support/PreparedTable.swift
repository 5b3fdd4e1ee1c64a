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
