import Testing
@testable import ClearanceCore

/// The compiled fast path (``CompiledAgreement``) must decide exactly as the ODRL engine path does:
/// same verdict, same reasons in the same order, same duties — on seeded random agreements and
/// requests that cover every grant dimension, restrictions, terminations, late subscriptions and
/// the cases the fast path leaves to the engine (no `publishedAt`, partial without `portion`,
/// calendar embargoes).
@Suite struct CompiledAgreementTests {
    /// A tiny seeded generator (SplitMix64), so failures reproduce.
    struct RNG {
        var s: UInt64
        mutating func next() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
        mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
        mutating func some<T>(_ a: [T]) -> [T] {
            let k = 1 + below(a.count)
            var out: [T] = []
            for (i, x) in a.enumerated() where out.count < k && (chance(0.5) || a.count - i <= k - out.count) { out.append(x) }
            return out
        }
    }

    static let day: Int64 = 86_400_000
    static let t0 = Instant(year: 2026, month: 1, day: 1)

    static func duration(_ s: String) -> ISODuration? {
        if case .success(let d) = ISO8601.parseDuration(s) { return d }
        return nil
    }

    static func agreement(_ g: inout RNG, subscriber: String, n: Int) -> Agreement {
        let kind = g.pick(AgreementKind.allCases)
        let start = t0.adding(milliseconds: Int64(g.below(200)) * day)
        let end = start.adding(milliseconds: Int64(30 + g.below(200)) * day)
        let signed = g.chance(0.3) ? start.adding(milliseconds: Int64(g.below(25)) * day) : start.adding(milliseconds: -day)
        var grants: [Grant] = []
        for _ in 0..<(1 + g.below(3)) {
            let extent: [Extent] = g.pick([[.whole, .partial], [.whole], [.partial]])
            let t = g.pick([(["WORLD"], [String]()), (["MENA"], ["IL"]), (["EU"], []), (["TR", "IQ"], []), (["WORLD"], ["US"])])
            grants.append(Grant(assets: g.chance(0.3) ? .all : .only(g.some(AssetKind.allCases)),
                                actions: g.chance(0.3) ? ["use"] : g.some(["reproduce", "distribute", "modify", "play", "transfer"]),
                                extent: extent, maxPortion: extent.contains(.partial) && g.chance(0.5) ? g.pick([0.25, 0.5, 0.333]) : nil,
                                channels: g.chance(0.3) ? .all : .only(g.some(Channel.allCases)),
                                territories: TerritorySpec(include: t.0, exclude: t.1),
                                embargo: g.chance(0.3) ? duration(g.pick(["PT1H", "P1D", "P1W", "P1M"])) : nil,
                                duties: [Duty(action: .attribute, text: "İLKHA")]))
        }
        var restrictions: [Restriction] = []
        if g.chance(0.5) {
            restrictions.append(g.pick([
                Restriction(channels: .only([.social]), note: "no social"),
                Restriction(territories: TerritorySpec(include: ["IQ"], exclude: [])),
                Restriction(assets: .only([.video]), channels: .only([.tv])),
                Restriction(embargo: duration("PT2H")),
                Restriction(actions: ["modify"]),
                Restriction(extent: [.whole], channels: .only([.advertising])),
            ]))
        }
        let termination = g.chance(0.1) ? Termination(at: start.adding(milliseconds: Int64(41 + g.below(20)) * day)) : nil
        return Agreement(id: "A-\(subscriber)-\(n)", kind: kind, source: "ilkha", subscriber: Subscriber(id: subscriber),
                         signedAt: signed, term: Term(start: start, end: end), grants: grants, restrictions: restrictions,
                         termination: termination)
    }

    static func request(_ g: inout RNG, subscriber: String, k: Int) -> RepublicationRequest {
        let at = t0.adding(milliseconds: Int64(g.below(300)) * day + Int64(g.below(86_400)) * 1000)
        let extent: Extent = g.chance(0.5) ? .whole : .partial
        let portion: Double? = extent == .partial && g.chance(0.9) ? Double(1 + g.below(100)) / 100 : nil
        let published: Instant? = g.chance(0.9) ? at.adding(milliseconds: -Int64(g.below(3 * 86_400)) * 1000) : nil
        return RepublicationRequest(id: "r\(k)", subscriber: subscriber, source: "ilkha",
                                    asset: AssetRef(id: "a\(k)", kind: g.pick(AssetKind.allCases), publishedAt: published),
                                    action: g.pick(["reproduce", "distribute", "modify", "display", "extract", "use", "sell", "translate"]),
                                    extent: extent, portion: portion, channel: g.pick(Channel.allCases),
                                    territory: g.pick(["TR", "IQ", "IL", "US", "DE", "EG", "SY"]), at: at)
    }

    static func notice() throws -> NoticeTerms {
        let text = """
        {"@context": ["http://www.w3.org/ns/odrl.jsonld", {"clr": "urn:clearance:"}], "@type": "Set",
         "uid": "urn:clearance:policy:ilkha", "profile": "http://iptc.org/std/RightsML/2/",
         "assigner": "urn:clearance:source:ilkha",
         "prohibition": [{"uid": "urn:clearance:policy:ilkha#prohibition-1",
           "target": [{"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:text"},
                      {"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:photo"},
                      {"@type": "AssetCollection", "uid": "urn:clearance:asset-kind:video"}],
           "action": "use", "clr:assets": ["text", "photo", "video"], "clr:liftedBy": ["contract", "subscription"],
           "clr:prior": true}]}
        """
        let read = ODRLReader.read(Array(text.utf8))
        let policy = try #require(read.policies.first)
        return try NoticeTerms(source: "ilkha", policy: policy)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func compiledPathDecidesAsTheEngine(seed: UInt64) throws {
        var g = RNG(s: seed)
        let notice = try Self.notice()
        var compiledCount = 0
        var permits = 0, restricted = 0, denies = 0
        for s in 0..<40 {
            let sub = "s\(s)"
            let agreements = (0..<(1 + g.below(3))).map { Self.agreement(&g, subscriber: sub, n: $0) }
            let prepared = try agreements.map { try PreparedAgreement($0) }
            compiledCount += prepared.filter { $0.compiled != nil }.count
            let fast = NewsDecider(notice: notice, agreements: prepared)
            var slow = fast
            slow.usesCompiledAgreements = false
            for k in 0..<60 {
                let r = Self.request(&g, subscriber: sub, k: k)
                let a = fast.decide(r)
                let b = slow.decide(r)
                #expect(a == b, "seed \(seed), \(sub), request \(k): compiled \(a.json.serialized()) vs engine \(b.json.serialized())")
                if a != b { return }
                if a.verdict == .permit { permits += 1 } else { denies += 1 }
                if a.reasons.contains(where: { $0.code.contains("restrict") }) { restricted += 1 }
            }
        }
        #expect(compiledCount > 0)
        // The comparison means something only if both verdicts and restriction denials occur.
        #expect(permits > 20 && denies > 20 && restricted > 0, "permits \(permits), denies \(denies), restricted \(restricted)")
    }

    @Test func calendarEmbargoesAndQuotasAreLeftToTheEngine() throws {
        var g = RNG(s: 9)
        var a = Self.agreement(&g, subscriber: "x", n: 0)
        a.grants[0].embargo = Self.duration("P1M")
        #expect(CompiledAgreement(a, table: .builtin) == nil)
        a.grants[0].embargo = nil
        a.grants[0].quota = Quota(count: 3, per: .month)
        #expect(CompiledAgreement(a, table: .builtin) == nil)
        a.grants[0].quota = nil
        #expect(CompiledAgreement(a, table: .builtin) != nil)
    }
}
