import Dispatch
import Foundation
@testable import ClearanceCore
import Testing

/// Preparing without a lock shared by threads (bench/PROFILE.md, "prepare, session 7"): the model
/// constraints come from a per-thread cache, the compiler finds what it compiled before on this thread
/// by storage address, serial numbers come from per-thread blocks, and a news set's words are compiled
/// again on demand instead of kept. None of it may change what is compiled or decided.
@Suite struct PreparationCacheTests {
    /// Every rule record and constraint record of a set, as plain values (pointers as addresses).
    static func records(_ set: ODRLPolicySet) -> [String] {
        let c = set.core
        var out: [String] = []
        for i in 0..<c.flatCount {
            let r = c.rules[i]
            out.append("rule \(r.action) \(r.cons)+\(r.consCount) \(r.targets)+\(r.targetCount) \(r.duties)+\(r.dutyCount) \(r.simple)")
            for k in r.targets..<r.targets + max(r.targetCount, 0) {
                let e = c.entities[Int(c.entityLists[Int(k)])]
                out.append("  entity \(e.uidID) \(e.expandedID) \(e.sourceID) \(e.local)")
            }
            for k in r.cons..<r.cons + r.consCount {
                let x = c.constraints[Int(k)]
                out.append("  constraint \(x.slot) \(x.op) \(x.domain) \(x.flags) \(x.shape) \(x.number) \(x.idCount) \(x.flags & ConstraintRecord.bitset != 0 ? String(describing: x.ids) : "own")")
                if !x.isLogical { out.append("    \(c.atomics[Int(x.atom)].source)") }
            }
        }
        return out
    }

    /// A cache hit gives the same constraint value (storage included), and the same compiled records
    /// as compiling the model made without the cache; the set made on another thread (its own caches)
    /// compiles to the same records, and shares the process-wide bit sets.
    @Test(arguments: [31, 32])
    func cachedPreparationCompilesLikeAFreshOne(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_877))
        let agreements = (0..<40).map { gen.agreement($0) }
        let options = ODRLEvaluationOptions(pendingDuties: .allow)
        var here: [[String]] = []
        for a in agreements {
            // Twice on this thread: the second is served from the caches.
            guard let p1 = try? PreparedAgreement(a), let p2 = try? PreparedAgreement(a) else { here.append([]); continue }
            #expect(Self.records(p1.set) == Self.records(p2.set), "\(a.id)")
            #expect(p1.serial != p2.serial)
            // The same records as a set compiled from the model with the same terms (no per-thread reuse
            // of that model's storage: it is a fresh value each time, so the front misses and the shared
            // table answers).
            let plan = PreparedAgreement.plan(a, table: .builtin)
            let again = try ODRLPolicySet(plan.policies, options: options, terms: NewsEngine.terms, neverApplicableRules: .warning)
            #expect(Self.records(p1.set) == Self.records(again), "\(a.id)")
            here.append(Self.records(p1.set))
        }
        // On another thread (fresh per-thread caches): the same records, bit sets at the same addresses.
        let there = Locked<[[String]]>([])
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            var out: [[String]] = []
            for a in agreements { out.append((try? PreparedAgreement(a)).map { Self.records($0.set) } ?? []) }
            there.withLock { $0 = out }
            done.signal()
        }
        t.start()
        done.wait()
        #expect(there.withLock { $0 } == here)
    }

    /// The model cache hands out equal constraints with the same storage (what the compiler's front
    /// keys on), and they equal what the builders make without it.
    @Test func modelCacheHandsOutTheSameStorage() {
        let cache = NewsModelCache.current
        let i = Instant(year: 2026, month: 3, day: 1)
        let a = cache.dateTime(lt: false, i), b = cache.dateTime(lt: false, i), c = cache.dateTime(lt: true, i)
        #expect(a == b && a != c)
        #expect(a == NewsODRL.atomicModel("dateTime", "gteq", [NewsODRL.dateTimeLiteral(i)], list: false))
        guard case .atomic(let x) = a, case .atomic(let y) = b else { Issue.record("not atomic"); return }
        #expect(x.rightOperand.withUnsafeBufferPointer { $0.baseAddress } == y.rightOperand.withUnsafeBufferPointer { $0.baseAddress })
        #expect(cache.extents([.partial]) == NewsODRL.atomicModel(NewsODRL.extentOperand, "isAnyOf", [.iri(NewsODRL.extentIRI(.partial))], list: true))
        #expect(cache.channels([.tv, .web]) != cache.channels([.web, .tv]), "order is kept (sentences list values as written)")
        #expect(cache.portion(25, orWhole: true) != cache.portion(25, orWhole: false))
        #expect(cache.targets([.photo, .audio]) == [NewsODRL.assetTarget(.photo), NewsODRL.assetTarget(.audio)])
    }

    /// A news set keeps no words; asked for, they are compiled again, and equal a set's that kept them:
    /// traces of the prepared set are the traces of the same policies compiled with words kept.
    @Test(arguments: [41, 42])
    func wordsCompiledAgainAreTheWordsKept(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 6_007))
        let options = ODRLEvaluationOptions(pendingDuties: .allow)
        var checked = 0
        for n in 0..<30 {
            let a = gen.agreement(n)
            guard let prepared = try? PreparedAgreement(a) else { continue }
            let kept = try ODRLPolicySet(PreparedAgreement.plan(a, table: .builtin).policies, options: options, terms: NewsEngine.terms,
                                         neverApplicableRules: .warning, keepPolicies: false)
            #expect(prepared.set.core.ruleRefs == kept.core.ruleRefs)
            #expect(prepared.set.core.entityWords.map(\.uid) == kept.core.entityWords.map(\.uid))
            #expect(prepared.set.core.compiled.map(\.ref) == kept.core.compiled.map(\.ref))
            for ref in kept.core.ruleRefs.prefix(kept.topLevelRuleCount) { #expect(prepared.set.ruleIndex(of: ref) == kept.ruleIndex(of: ref)) }
            for _ in 0..<10 {
                let r = gen.request(subscriber: a.subscriber.id)
                let req = NewsEngine.request(r, context: NewsEngine.context(for: r))
                let state = ODRLWorldState(assetCollections: [NewsODRL.assetKindIRI(r.asset.kind): [NewsODRL.representativeAssetIRI(r.asset.kind)]])
                #expect(prepared.set.evaluate(req, state: state) == kept.evaluate(req, state: state), "\(a.id) \(r.json.serialized())")
            }
            checked += 1
        }
        #expect(checked > 10)
    }

    /// Serial numbers stay unique when several threads prepare at once (each takes its own blocks).
    @Test func serialsAreUniqueAcrossThreads() {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 77))
        let agreements = (0..<20).map { gen.agreement($0) }.filter { (try? PreparedAgreement($0)) != nil }
        let serials = Locked<[UInt64]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var mine: [UInt64] = []
            for a in agreements { if let p = try? PreparedAgreement(a) { mine.append(p.serial) } }
            serials.withLock { $0 += mine }
        }
        let all = serials.withLock { $0 }
        #expect(all.count == 8 * agreements.count)
        #expect(Set(all).count == all.count)
        #expect(!all.contains(0))
    }

    /// Each thread gets its own object, made once per thread.
    @Test func perThreadValuesAreTheThreads() {
        final class Box { var n = 0 }
        let key = PerThread { Box() }
        key.value.n += 1
        key.value.n += 1
        #expect(key.value.n == 2)
        let other = Locked<Int>(-1)
        DispatchQueue.global().sync { other.withLock { $0 = key.value.n } }
        // `sync` from a non-main thread may run the block on this thread; only a different one starts at 0.
        #expect(other.withLock { $0 } == 0 || other.withLock { $0 } == 2)
        let sem = DispatchSemaphore(value: 0)
        let t = Thread { other.withLock { $0 = key.value.n }; sem.signal() }
        t.start()
        sem.wait()
        #expect(other.withLock { $0 } == 0)
    }
}
