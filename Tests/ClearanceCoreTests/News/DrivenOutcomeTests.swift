@testable import ClearanceCore
import Testing

/// The news layer reads an agreement's engine pass in two ways (``NewsDecider/outcome(_:_:_:_:_:lifters:usage:)``):
/// driven rule by rule, asking only what it reads (the usual request), or from the whole pass's
/// answers (``ODRLBlock/ruleResults(_:state:)``: rule-scoped values, duty states, an action that is
/// not a vocabulary spelling). Both must give the same outcome (permit, restriction, inactivity,
/// best grant and its failing dimensions) for every agreement and request: random agreements
/// (every kind, terminations, restrictions, grants without any), random requests, both notices.
@Suite struct DrivenOutcomeTests {
    @Test(arguments: [7, 8, 9])
    func drivenOutcomeIsTheWholePassReading(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 1_299_709))
        var prepared: [PreparedAgreement] = []
        for n in 0..<60 {
            if let p = try? PreparedAgreement(gen.agreement(n)) { prepared.append(p) }
        }
        var kinds = (permits: 0, restricted: 0, inactive: 0, failing: 0, driven: 0, plainInactive: 0)
        for notice in try EvaluationTests.notices() {
            let box = NoticeBox(notice)
            for _ in 0..<400 {
                let r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post"]))
                let kind = r.asset.kind.index
                let input = ODRLInput(terms: NewsEngine.terms)
                NewsEngine.lower(r, into: input, target: box.targets[kind], assignee: NewsEngine.anyParty)
                for p in prepared where p.agreement.subscriber.id == r.subscriber {
                    let head = p.block.client.load(as: PreparedAgreement.Hot.self)
                    input.clearRuleValues()
                    let whole = NewsDecider.outcome(results: p.block.ruleResults(input, state: box.state(kind)), p.block.client, head,
                                                    AgreementOutcome())
                    guard input.actionKnown, head.activityRule < 0 || head.activityCount >= 2 else { continue }
                    let driven = NewsDecider.outcome(p.block.knownActionChecks(input), p.block.client, head, AgreementOutcome())
                    #expect(driven == whole, "\(p.agreement.id): \(r.json.serialized())")
                    // The activity first from its plain copy, with another agreement's checks as the
                    // request's (what `consider` does): the same outcome.
                    var template = (prepared.first { $0.serial != p.serial } ?? p).block.knownActionChecks(input)
                    template.bind(p.block.header)
                    let plain = NewsDecider.drivenOutcome(p.block.client, head, template, AgreementOutcome())
                    #expect(plain == whole, "plain activity, \(p.agreement.id): \(r.json.serialized())")
                    #expect(head.activitySlot >= 0, "\(p.agreement.id) has no plain activity")
                    if NewsDecider.plainActivityFailed(head, template.fast) != 0 { kinds.plainInactive += 1 }
                    kinds.driven += 1
                    if whole.permittedGrant != nil { kinds.permits += 1 }
                    if whole.restriction != nil { kinds.restricted += 1 }
                    if whole.inactivity != nil { kinds.inactive += 1 }
                    if whole.failing != 0 { kinds.failing += 1 }
                }
            }
        }
        // Every kind of outcome was compared.
        #expect(kinds.permits > 0 && kinds.restricted > 0 && kinds.inactive > 0 && kinds.failing > 0, "\(kinds)")
        // The plain activity check decided some agreements alone (not in force) and passed the rest on.
        #expect(kinds.plainInactive > 0 && kinds.plainInactive < kinds.driven, "\(kinds)")
    }

    /// The plain activity check answers only for a time value (or a number) in the slot its
    /// constraints compare; anything else (absent, a duration, a text) is left to the checks, which
    /// give the same outcome as the whole pass (unknown: not in force).
    @Test(arguments: [11, 12])
    func plainActivityLeavesOtherValuesToTheChecks(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 7_919))
        var prepared: [PreparedAgreement] = []
        for n in 0..<30 {
            if let p = try? PreparedAgreement(gen.agreement(n)) { prepared.append(p) }
        }
        let box = NoticeBox(try #require(EvaluationTests.notices().first))
        var compared = 0
        for k in 0..<120 {
            let r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post"]))
            let kind = r.asset.kind.index
            let input = ODRLInput(terms: NewsEngine.terms)
            NewsEngine.lower(r, into: input, target: box.targets[kind], assignee: NewsEngine.anyParty)
            switch k % 3 {
            case 0: input.clear(slot: NewsEngine.dateTimeSlot)
            case 1: input.setDuration(slot: NewsEngine.dateTimeSlot, 3_600)
            default: input.setText(slot: NewsEngine.dateTimeSlot, id: 0)
            }
            for p in prepared where p.agreement.subscriber.id == r.subscriber {
                let head = p.block.client.load(as: PreparedAgreement.Hot.self)
                guard input.actionKnown, head.activityRule < 0 || head.activityCount >= 2 else { continue }
                let checks = p.block.knownActionChecks(input)
                #expect(NewsDecider.plainActivityFailed(head, checks.fast) == NewsDecider.notPlain)
                input.clearRuleValues()
                let whole = NewsDecider.outcome(results: p.block.ruleResults(input, state: box.state(kind)), p.block.client, head,
                                                AgreementOutcome())
                let plain = NewsDecider.drivenOutcome(p.block.client, head, checks, AgreementOutcome())
                #expect(plain == whole, "\(p.agreement.id), time value \(k % 3): \(r.json.serialized())")
                #expect(whole.inactivity != nil)
                compared += 1
            }
        }
        #expect(compared > 20)
    }
}
