import ClearanceCore
import Testing

/// Agreements are prepared by building their ODRL model directly (no JSON round trip): these tests
/// hold that build to the JSON-LD export (`contract export --odrl`), and the engine's compact
/// answers (`ruleResults`, rule-scoped values, shared terms) to its full trace.
@Suite struct PreparationTests {
    /// Random agreements over every dimension a grant or restriction has.
    struct AgreementGen {
        var rng: SplitMix

        mutating func pick<T>(_ xs: [T]) -> T { xs[rng.next(xs.count)] }
        mutating func chance(_ percent: Int) -> Bool { rng.next(100) < percent }
        mutating func subset<T>(_ xs: [T], atLeast: Int = 1) -> [T] {
            var out = xs.filter { _ in chance(50) }
            while out.count < atLeast { let x = pick(xs); if !out.contains(where: { "\($0)" == "\(x)" }) { out.append(x) } }
            return out
        }

        mutating func territories() -> TerritorySpec {
            let names = ["TR", "IQ", "LB", "AE", "DE", "EU", "MENA", "WORLD", "US", "IR"]
            let include = subset(names)
            let exclude = chance(30) ? [pick(["DE", "IQ", "FR", "SY"])] : []
            return TerritorySpec(include: include, exclude: exclude)
        }

        mutating func grant() -> Grant {
            let extent = subset(Extent.allCases)
            return Grant(
                assets: chance(30) ? .all : .only(subset(AssetKind.allCases)),
                actions: subset(["use", "reproduce", "distribute", "modify", "translate", "archive"]),
                extent: extent,
                maxPortion: chance(40) ? pick([0.1, 0.25, 0.333, 0.5]) : nil,
                channels: chance(30) ? .all : .only(subset(Channel.allCases)),
                territories: territories(),
                quota: chance(30) ? Quota(count: 1 + rng.next(3), per: pick(QuotaPeriod.allCases)) : nil,
                embargo: chance(30) ? pick([ISODuration(days: 1), ISODuration(milliseconds: 3_600_000), ISODuration(months: 1)]) : nil,
                duties: chance(50) ? [Duty(action: .attribute, text: "İLKHA")] + (chance(30) ? [Duty(action: .link, url: "https://ilkha.com")] : []) : [],
                clause: chance(30) ? "clause \(rng.next(100))" : nil)
        }

        mutating func restriction() -> Restriction {
            Restriction(assets: chance(40) ? .only(subset(AssetKind.allCases)) : nil,
                        actions: chance(30) ? [pick(["distribute", "modify", "use"])] : nil,
                        extent: chance(30) ? [pick(Extent.allCases)] : nil,
                        channels: chance(50) ? .only(subset(Channel.allCases)) : nil,
                        territories: chance(30) ? territories() : nil,
                        embargo: chance(20) ? ISODuration(days: 2) : nil,
                        note: chance(50) ? "note" : nil)
        }

        mutating func agreement(_ n: Int) -> Agreement {
            let start = Instant(year: 2026, month: 1 + rng.next(6), day: 1 + rng.next(28))
            let end = Instant(year: 2026 + rng.next(2), month: 7 + rng.next(6), day: 1 + rng.next(28))
            let kind = pick(AgreementKind.allCases)
            return Agreement(
                id: "A-\(n)", kind: kind, source: "ilkha", subscriber: Subscriber(id: pick(["alsharq", "gulf news", "levant/post"])),
                signedAt: start.adding(milliseconds: -86_400_000 * Int64(rng.next(40)) + (chance(20) ? 3_600_000 : 0)),
                term: Term(start: start, end: end),
                grants: (0..<rng.next(4)).map { _ in grant() },
                restrictions: (0..<(chance(40) ? 1 + rng.next(2) : 0)).map { _ in restriction() },
                termination: chance(15) ? Termination(at: end.adding(milliseconds: -86_400_000 * Int64(1 + rng.next(3)))) : nil)
        }

        mutating func request(subscriber: String) -> RepublicationRequest {
            RepublicationRequest(
                id: "r", subscriber: subscriber, source: "ilkha",
                asset: AssetRef(id: "a", kind: pick(AssetKind.allCases),
                                publishedAt: chance(80) ? Instant(year: 2026, month: 1 + rng.next(12), day: 1 + rng.next(28)) : nil),
                action: pick(["reproduce", "distribute", "translate", "use", "modify", "archive", "print", "sell"]),
                extent: chance(50) ? .whole : .partial, portion: chance(50) ? nil : pick([0.05, 0.2, 0.3, 0.6]),
                channel: pick(Channel.allCases), territory: pick(["TR", "IQ", "LB", "AE", "DE", "IR", "US", "FR", "SY", "QA"]),
                at: Instant(year: 2026 + rng.next(2), month: 1 + rng.next(12), day: 1 + rng.next(28), hour: rng.next(24)))
        }
    }

    /// The model without what only the writer uses (extension keys, key order).
    static func bare(_ p: ODRLPolicy) -> ODRLPolicy {
        func constraint(_ c: ODRLConstraint) -> ODRLConstraint {
            switch c {
            case .atomic(var a):
                a.extensions = JSONObject(); a.keyOrder = []
                return .atomic(a)
            case .logical(var l):
                l.extensions = JSONObject(); l.keyOrder = []; l.operands = l.operands.map(constraint)
                return .logical(l)
            }
        }
        func entity(_ e: ODRLEntity) -> ODRLEntity {
            var e = e
            e.extensions = JSONObject(); e.keyOrder = []; e.refinements = e.refinements.map(constraint)
            return e
        }
        func rule(_ r: ODRLRule) -> ODRLRule {
            var r = r
            r.extensions = JSONObject(); r.keyOrder = []
            r.actions = r.actions.map { var a = $0; a.extensions = JSONObject(); a.keyOrder = []; a.refinements = a.refinements.map(constraint); return a }
            r.targets = r.targets.map(entity); r.assignees = r.assignees.map(entity); r.assigners = r.assigners.map(entity)
            r.constraints = r.constraints.map(constraint)
            r.duties = r.duties.map(rule); r.consequences = r.consequences.map(rule); r.remedies = r.remedies.map(rule)
            return r
        }
        var p = p
        p.extensions = JSONObject(); p.keyOrder = []
        p.assigners = p.assigners.map(entity); p.assignees = p.assignees.map(entity); p.targets = p.targets.map(entity)
        p.permissions = p.permissions.map(rule); p.prohibitions = p.prohibitions.map(rule); p.obligations = p.obligations.map(rule)
        return p
    }

    /// DESIGN.md rule 3: which agreement kinds lift the notice's prohibition (any, when it does not say).
    static func lifts(_ kind: AgreementKind, _ lifters: Set<String>) -> Bool {
        if lifters.isEmpty { return true }
        switch kind {
        case .contract: return lifters.contains("contract")
        case .subscription: return lifters.contains("subscription")
        case .license: return lifters.contains("license") || lifters.contains("contract")
        case .permission: return lifters.contains("permission") || lifters.contains("written-permission")
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func directModelIsWhatTheReaderMakesOfTheExport(seed: Int) throws {
        var gen = AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 1_000_003))
        for n in 0..<60 {
            let a = gen.agreement(n)
            let read = try ODRLReader.readPolicy(a.odrlPolicy(), validate: false)
            #expect(Self.bare(read) == Self.bare(a.odrlModel()), "\(a.id): \(a.json.serialized())")
        }
    }

    /// The engine decides the direct model exactly as the JSON it exports (trace and sentences), on random requests.
    @Test(arguments: [5, 6])
    func directModelDecidesLikeTheExport(seed: Int) throws {
        var gen = AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_919))
        for n in 0..<30 {
            let a = gen.agreement(n)
            guard let fromJSON = try? ODRLPolicySet([try ODRLReader.readPolicy(a.odrlPolicy())]) else { continue }
            let direct = try ODRLPolicySet([a.odrlModel()])
            for _ in 0..<20 {
                let r = gen.request(subscriber: a.subscriber.id)
                let req = NewsEngine.request(r, context: NewsEngine.context(for: r))
                let state = ODRLWorldState(assetCollections: [NewsODRL.assetKindIRI(r.asset.kind): [NewsODRL.representativeAssetIRI(r.asset.kind)]])
                #expect(fromJSON.evaluate(req, state: state) == direct.evaluate(req, state: state), "\(a.id) \(r.json.serialized())")
            }
        }
    }

    /// Random agreements and requests: every decision of the news decider is one the engine's full
    /// trace of the exported policy agrees with (a grant's permission in force, no restriction in
    /// force), and preparing never throws for a valid agreement with a consistent term.
    @Test(arguments: [11, 12, 13])
    func decisionsFollowTheEngineTraceOfTheExport(seed: Int) throws {
        let policy = try ODRLReader.readPolicy(try NewsFixtures.json("policy-ilkha.json"))
        let notice = try NoticeTerms(source: "ilkha", policy: policy)
        var gen = AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 31))
        for n in 0..<40 {
            let a = gen.agreement(n)
            guard let prepared = try? PreparedAgreement(a) else { continue }  // e.g. terminated before it started
            let decider = NewsDecider(notice: notice, agreements: [prepared])
            let set = try ODRLPolicySet([try ODRLReader.readPolicy(a.odrlPolicy())], options: ODRLEvaluationOptions(pendingDuties: .allow))
            for _ in 0..<25 {
                let r = gen.request(subscriber: a.subscriber.id)
                let d = decider.decide(r)
                var req = NewsEngine.request(r, context: NewsEngine.context(for: r))
                let uid = NewsODRL.agreementIRI(source: a.source, id: a.id)
                for (g, grant) in a.grants.enumerated() where grant.quota != nil {
                    for action in grant.actions { req.ruleValues[NewsODRL.grantRuleID(policy: uid, grant: g, action: action)] = ["count": .number(1)] }
                }
                let state = ODRLWorldState(assetCollections: [NewsODRL.assetKindIRI(r.asset.kind): [NewsODRL.representativeAssetIRI(r.asset.kind)]])
                let trace = set.evaluate(req, state: state)
                let permitted = trace.rules.contains { $0.kind == .permission && $0.activation == .active }
                let restricted = trace.rules.contains { $0.kind == .prohibition && $0.activation == .active }
                let lifts = Self.lifts(a.kind, Set(notice.prohibitions(concerning: r).flatMap(\.liftedBy)))
                #expect((d.verdict == .permit) == (permitted && !restricted && lifts), "\(a.json.serialized()) \(r.json.serialized()) \(d.jsonText)")
                #expect(d.jsonText == d.json.serialized())
            }
        }
    }
}

/// The engine's compact answers are the trace's answers.
@Suite struct RuleResultTests {
    @Test(arguments: 0..<6)
    func ruleResultsAgreeWithTheTrace(seed: Int) {
        var g = PropertyTests.Gen(rng: SeededGenerator(state: UInt64(seed) &* 104_729 &+ 5))
        for _ in 0..<150 {
            let p = g.policy()
            guard let set = try? ODRLPolicySet([p]) else { continue }
            for _ in 0..<5 {
                let r = g.request()
                let s = g.state(p)
                let d = set.evaluate(r, state: s)
                let results = set.ruleResults(r, state: s)
                #expect(results.count == p.permissions.count + p.prohibitions.count)
                let top = d.rules.filter { $0.kind == .permission || $0.kind == .prohibition }
                if d.reason.contains("is not an action Clearance knows") { continue }
                #expect(top.count == results.count)
                for (t, x) in zip(top, results) {
                    #expect(t.match == x.matches, "\(t.rule)")
                    #expect((t.activation == .active) == x.active, "\(t.rule): \(t.why)")
                }
            }
        }
    }

    /// A rule-scoped value holds for that rule only, over the request's context.
    @Test func ruleScopedValuesOverrideTheContextForOneRule() throws {
        let p = ODRLPolicy(type: "Set", uid: "urn:p", permissions: [
            ODRLRule(kind: .permission, uid: "urn:r1", actions: [ODRLAction("use")], constraints: [.atomic(ODRLAtomicConstraint("count", "lteq", [.number(2)]))]),
            ODRLRule(kind: .permission, uid: "urn:r2", actions: [ODRLAction("use")], constraints: [.atomic(ODRLAtomicConstraint("count", "lteq", [.number(2)]))]),
        ])
        let set = try ODRLPolicySet([p])
        var r = ODRLRequest(assignee: nil, action: "reproduce", target: nil, context: ["count": .number(1)])
        r.ruleValues["urn:r2"] = ["count": .number(3)]
        let d = set.evaluate(r)
        #expect(d.trace(for: "urn:r1")?.activation == .active)
        #expect(d.trace(for: "urn:r2")?.activation == .inactive)
        #expect(d.trace(for: "urn:r2")?.why.contains { $0.contains("count is 3") } == true)
        let results = set.ruleResults(r)
        #expect(results.map(\.active) == [true, false])
        #expect(results[1].failedConstraints == 1 && results[1].unknownConstraints == 0)
        // Without a count at all, the constraint is unknown: the permission is not in force (fail closed).
        let none = set.ruleResults(ODRLRequest(assignee: nil, action: "use", target: nil))
        #expect(none.map(\.active) == [false, false] && none[0].unknownConstraints == 1)
    }

    /// Sets compiled with a shared table decide as sets without one, also for texts and operands the table lacks.
    @Test(arguments: 0..<4)
    func sharedTermsChangeNothing(seed: Int) {
        var g = PropertyTests.Gen(rng: SeededGenerator(state: UInt64(seed) &* 15_485_863 &+ 3))
        let terms = ODRLTerms(leftOperands: ["spatial", "odrl:count"], texts: ["urn:geo:DE", "urn:t:1", "urn:c:photos"])
        for _ in 0..<100 {
            let p = g.policy()
            guard let plain = try? ODRLPolicySet([p]), let shared = try? ODRLPolicySet([p], terms: terms) else { continue }
            let r = g.request()
            let s = g.state(p)
            #expect(plain.evaluate(r, state: s) == shared.evaluate(r, state: s))
            #expect(plain.ruleResults(r, state: s) == shared.ruleResults(r, state: s))
        }
    }
}
