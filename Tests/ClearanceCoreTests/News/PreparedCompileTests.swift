import Foundation
@testable import ClearanceCore
import Testing

/// An agreement valid by construction is compiled straight to the engine's records
/// (``PreparedAgreement/compileDirect(_:)``, bench/PROFILE.md "prepare, session 8"): the form must be
/// the one the general compiler makes of the agreement's model, record for record, shared pieces
/// (constraint words, bit sets) the very same; anything the direct path does not take falls back.
@Suite struct PreparedCompileTests {
    /// Everything of a compiled form an evaluation or a sentence reads, as plain values: every record's
    /// fields (pointers as addresses), the constraint words by identity, the set's own tables.
    static func describe(_ f: CompiledForm) -> [String] {
        var out = ["flat \(f.flatCount) actions \(f.table.names.count) localSlots \(f.localSlotNames) localTexts \(f.localTexts.count)",
                   "localIDs \(f.localIDs) fixups \(f.localIDFixups.map { "\($0.0):\($0.1)" })"]
        for r in f.rules {
            out.append("rule \(r.kind) \(r.action) refine \(r.refine)+\(r.refineCount) cons \(r.cons)+\(r.consCount) targets \(r.targets)+\(r.targetCount) "
                + "assignees \(r.assignees)+\(r.assigneeCount) duties \(r.duties)+\(r.dutyCount) \(r.grantsNothing) \(r.simple)")
        }
        for c in f.constraints {
            out.append("constraint \(c.slot) \(c.atom) \(c.op) \(c.domain) \(c.flags) \(c.shape) \(c.number.bitPattern) \(c.idCount) \(String(describing: c.ids))")
        }
        for e in f.entities { out.append("entity \(e.uidID) \(e.expandedID) \(e.sourceID) \(e.refine)+\(e.refineCount) \(e.local)") }
        out.append("entityLists \(f.entityLists)")
        out.append("atomics \(f.atomics.map { "\(ObjectIdentifier($0).hashValue)" })")
        return out
    }

    /// What the general compiler makes of the agreement's model (the form a prepared agreement had before).
    static func general(_ a: Agreement) -> CompiledForm {
        var c = Compiler(terms: NewsEngine.terms)
        c.makeWords = false
        return c.compile(PreparedAgreement.plan(a, table: .builtin, uids: false).policies)
    }

    /// Checks the direct form of `a` against the general one; returns whether the direct path took it.
    @discardableResult
    static func check(_ a: Agreement) -> Bool {
        guard PreparedAgreement.validByConstruction(a), let direct = PreparedAgreement.compileDirect(a) else { return false }
        #expect(describe(direct.form) == describe(general(a)), "\(a.json.serialized())")
        let plan = PreparedAgreement.plan(a, table: .builtin, uids: false)
        #expect(direct.grants.map { [$0.firstRule, $0.ruleCount, $0.dimsRule, Int32($0.ownCount)] } == plan.grants.map { [$0.firstRule, $0.ruleCount, $0.dimsRule, Int32($0.ownCount)] })
        #expect(direct.grants.map(\.ownDims) == plan.grants.map(\.ownDims))
        #expect(direct.prohibitions.map { [$0.rule, $0.restriction] } == plan.prohibitions.map { [$0.rule, $0.restriction] })
        #expect(direct.activityRule == plan.activityRule)
        #expect(direct.activityDims == plan.activityDims)
        return true
    }

    /// `count` random agreements over every dimension from `seed`, their duties without the extension action
    /// `clr:link` (which the direct path leaves to the general one, so that most are compiled directly).
    static func agreements(seed: UInt64, count: Int) -> [Agreement] {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: seed))
        return (0..<count).map { n -> Agreement in
            var a = gen.agreement(n)
            for g in a.grants.indices { a.grants[g].duties.removeAll { $0.action == .link } }
            return a
        }
    }

    /// A prepared agreement is freed with its last copy: its core, its set and the set's words source (which
    /// refers back to the core, unowned) form no cycle, on the direct path and the general one (a link duty),
    /// words asked for or not.
    @Test func preparedAgreementsAreFreed() throws {
        weak var core: PreparedAgreement.Core?
        weak var setCore: SetCore?
        for (k, var a) in Self.agreements(seed: 5, count: 12).enumerated() {
            if k % 3 == 2, !a.grants.isEmpty { a.grants[0].duties.append(Duty(action: .link, url: "https://example.com/x")) }
            do {
                let p = try PreparedAgreement(a)
                core = p.core
                setCore = p.set.core
                if k % 2 == 1 { _ = p.set.core.ruleRefs }  // the words rebuilt through the source
            }
            #expect(core == nil && setCore == nil, "agreement \(k)")
        }
    }

    /// Random agreements over every dimension (see ``agreements(seed:count:)``).
    @Test(arguments: [81, 82, 83])
    func directFormIsTheGeneralOne(seed: Int) {
        let direct = Self.agreements(seed: UInt64(seed) &* 104_729, count: 80).filter { Self.check($0) }.count
        #expect(direct > 50)
    }

    /// The same on a second thread, whose caches start empty: the same records (the shared bit sets and
    /// words are the process's), and the same again when the caches answer.
    @Test func directFormOnAnotherThread() {
        let agreements = Self.agreements(seed: 9_001, count: 40)
        let here = agreements.map { PreparedAgreement.compileDirect($0).map { Self.describe($0.form) } }
        let there = Locked<[[String]?]>([])
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            let out = agreements.map { PreparedAgreement.compileDirect($0).map { Self.describe($0.form) } }
            there.withLock { $0 = out }
            done.signal()
        }
        t.start()
        done.wait()
        #expect(there.withLock { $0 } == here)
        #expect(agreements.map { PreparedAgreement.compileDirect($0).map { Self.describe($0.form) } } == here)
    }

    /// The cache's tables emptied between agreements (``NewsCompileCache/boundTables()``, here after 3
    /// entries each) and lists too long for a table's key (kept only until the next agreement): the
    /// direct path holds what it finds unretained (session 9), so each agreement must still compile to
    /// the general form, on a thread whose cache is bounded that small.
    @Test func directFormWithTablesEmptiedBetweenAgreements() {
        var agreements = Self.agreements(seed: 4_242, count: 60)
        // Lists longer than 14 values (no 4-bit key: not kept in a table), repeated values allowed in code.
        if var long = agreements.first(where: { !$0.grants.isEmpty }) {
            long.grants[0].channels = .only(Array(repeating: [Channel.web, .print, .tv], count: 5).flatMap { $0 })
            long.grants[0].assets = .only(Array(repeating: [AssetKind.photo, .text, .video], count: 5).flatMap { $0 })
            long.grants[0].extent = [.partial]
            long.restrictions = [Restriction(assets: nil, actions: ["distribute"], extent: nil,
                                             channels: .only(Array(repeating: Channel.radio, count: 15)), territories: nil, embargo: nil, note: nil)]
            agreements.append(long)
            agreements.append(long)
        }
        let all = agreements
        let done = DispatchSemaphore(value: 0)
        let taken = Locked(0)
        let t = Thread {
            NewsCompileCache.current.limit = 3
            var n = 0
            for a in all where Self.check(a) { n += 1 }
            taken.withLock { $0 = n }
            done.signal()
        }
        t.start()
        done.wait()
        #expect(taken.withLock { $0 } > 40)
    }

    /// Lists the general compiler shares within one policy, shared the same way: two grants with the same
    /// asset kinds (one target list, also a restriction's), the same portion limit with whole uses (one
    /// pair of `or` operands), every grant dimension, a restriction with targets only (no constraint).
    @Test func sharedListsWithinAnAgreement() {
        let terr = TerritorySpec(include: ["MENA"], exclude: ["IQ"])
        let g1 = Grant(assets: .only([.photo, .text]), actions: ["reproduce", "distribute"], extent: [.whole, .partial], maxPortion: 0.25,
                       channels: .only([.web, .print]), territories: terr, quota: Quota(count: 3, per: .day),
                       embargo: ISODuration(days: 1), duties: [Duty(action: .attribute, text: "İLKHA")], clause: nil)
        var g2 = g1
        g2.actions = ["archive"]
        g2.quota = nil
        g2.duties = [Duty(action: .attribute, text: "A"), Duty(action: .inform, text: nil)]
        var g3 = g1
        g3.assets = .all
        g3.extent = [.partial]
        g3.channels = .all
        g3.territories = TerritorySpec(include: ["WORLD"], exclude: [])
        let r1 = Restriction(assets: .only([.photo, .text]), actions: nil, extent: nil, channels: nil, territories: nil, embargo: nil, note: nil)
        let r2 = Restriction(assets: nil, actions: ["modify", "distribute"], extent: [.partial], channels: .only([.tv]),
                             territories: TerritorySpec(include: ["TR"], exclude: []), embargo: ISODuration(days: 2), note: "n")
        for kind in AgreementKind.allCases {
            for termination in [nil, Termination(at: Instant(year: 2026, month: 6, day: 1))] {
                let a = Agreement(id: "S-1", kind: kind, source: "ilkha", subscriber: Subscriber(id: "s1"),
                                  signedAt: Instant(year: 2025, month: 12, day: 1), term: Term(start: Instant(year: 2026, month: 1, day: 1),
                                                                                              end: Instant(year: 2027, month: 1, day: 1)),
                                  grants: [g1, g2, g3], restrictions: [r1, r2], termination: termination)
                #expect(Self.check(a), "\(kind) \(termination != nil)")
            }
        }
    }

    /// What the direct path leaves to the general one: no grant, a grant without actions (probes), an
    /// extension action (`clr:link` duty), a model not valid by construction. Prepared agreements of
    /// each still compile to the general form's records.
    @Test func unusualAgreementsGoTheGeneralWay() throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: 77))
        var base = gen.agreement(1)
        while base.grants.isEmpty { base = gen.agreement(1) }
        var noGrant = base
        noGrant.grants = []
        var noActions = base
        noActions.grants[0].actions = []
        var link = base
        link.grants[0].duties = [Duty(action: .link, url: "https://ilkha.com")]
        var invalid = base
        invalid.grants[0].actions = ["use", "use"]
        var actionlessRestriction = base
        actionlessRestriction.restrictions = [Restriction(assets: .only([.photo]), actions: [], extent: nil, channels: .only([.tv]),
                                                          territories: nil, embargo: nil, note: nil)]
        for a in [noGrant, noActions, link, actionlessRestriction] { #expect(PreparedAgreement.compileDirect(a) == nil) }
        #expect(!PreparedAgreement.validByConstruction(invalid))
        let options = ODRLEvaluationOptions(pendingDuties: .allow)
        for a in [noGrant, noActions, link, actionlessRestriction, base] {
            let prepared = try PreparedAgreement(a)
            let again = try ODRLPolicySet(PreparedAgreement.plan(a, table: .builtin).policies, options: options, terms: NewsEngine.terms,
                                          neverApplicableRules: .warning)
            #expect(PreparationCacheTests.records(prepared.set) == PreparationCacheTests.records(again))
        }
    }

    /// The seed files' agreements: each taken directly compiles to the general form.
    @Test func seedAgreements() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("seeds")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var checked = 0
        for f in files where f.hasSuffix("agreements.json") {
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(f).path),
                  let value = try? JSONParser.parse(Array(data)) else { continue }
            for a in Agreement.parseList(value).0 where Self.check(a) { checked += 1 }
        }
        #expect(checked > 0)
    }
}
