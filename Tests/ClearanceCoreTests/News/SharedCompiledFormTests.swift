@testable import ClearanceCore
import Testing

/// A prepared agreement is kept small (bench/PROFILE.md, "Size of a prepared agreement"): long
/// constraint lists are compiled once per process and shared between sets, and news sets do not
/// keep the ODRL model. Neither may change what the engine answers.
@Suite struct SharedCompiledFormTests {
    /// The sorted id lists of the long (territory) constraints of every top-level rule of a set.
    static func longAtomics(_ set: ODRLPolicySet) -> [UnsafePointer<Int32>?] {
        var out: [UnsafePointer<Int32>?] = []
        let core = set.core
        for i in 0..<core.flatCount {
            let r = core.rules[i]
            for k in r.cons..<r.cons + r.consCount {
                let c = core.constraints[Int(k)]
                if !c.isLogical, core.atomics[Int(c.atom)].values.count >= SharedAtomics.minimumValues { out.append(c.ids) }
            }
        }
        return out
    }

    /// Two agreements with the same territory list share one compiled constraint; a set compiled
    /// without the shared terms (nothing shared, model kept) gives the same trace on random requests.
    @Test(arguments: [21, 22])
    func sharedConstraintsDecideLikeSetsOfTheirOwn(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 104_729))
        var sharedCount = 0
        for n in 0..<30 {
            var a = gen.agreement(n)
            guard !a.grants.isEmpty else { continue }
            a.grants[0].territories = TerritorySpec(include: ["MENA", "EU"], exclude: ["DE"])
            guard let prepared = try? PreparedAgreement(a) else { continue }
            #expect(prepared.set.policies.isEmpty, "the compiled news set keeps no model")
            let options = ODRLEvaluationOptions(pendingDuties: .allow)
            let again = try ODRLPolicySet([a.odrlModel()], options: options, terms: prepared.set.terms, neverApplicableRules: .warning)
            let own = try ODRLPolicySet([a.odrlModel()], options: options, neverApplicableRules: .warning)
            #expect(own.policies.count == 1)
            let mine = Self.longAtomics(prepared.set), theirs = Self.longAtomics(again)
            #expect(mine.count == theirs.count)
            for (x, y) in zip(mine, theirs) where x != nil && x == y { sharedCount += 1 }
            for _ in 0..<20 {
                let r = gen.request(subscriber: a.subscriber.id)
                let req = NewsEngine.request(r, context: NewsEngine.context(for: r))
                let state = ODRLWorldState(assetCollections: [NewsODRL.assetKindIRI(r.asset.kind): [NewsODRL.representativeAssetIRI(r.asset.kind)]])
                #expect(again.evaluate(req, state: state) == own.evaluate(req, state: state), "\(a.id) \(r.json.serialized())")
            }
        }
        #expect(sharedCount > 0, "the territory list compiled once is shared")
    }
}
