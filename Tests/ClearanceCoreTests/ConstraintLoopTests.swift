@testable import ClearanceCore
import Testing

/// The driven outcome's constraint loop (``Checks/plainMasks(_:_:rule:)``, the usual records decided
/// in the loop itself) must give exactly the general loop's masks (``Checks/constraintMasks(_:_:rule:)``,
/// every record through ``Checks/truth(_:rule:)``): on every top-level rule of random agreements
/// (whole ranges and the ranges after their activity constraints), for random requests whose
/// values are then replaced by values of every kind, or removed. Likewise the in-force answer read inline
/// (``Checks/active(_:_:rule:memo:)``) against the whole rule answer (``Checks/result(_:_:rule:memo:)``).
@Suite struct ConstraintLoopTests {
    @Test(arguments: [3, 4, 5])
    func plainLoopGivesTheGeneralLoopsMasks(seed: Int) throws {
        var gen = PreparationTests.AgreementGen(rng: SplitMix(seed: UInt64(seed) &* 104_729))
        var rng = SplitMix(seed: UInt64(seed))
        var prepared: [PreparedAgreement] = []
        for n in 0..<40 {
            if let p = try? PreparedAgreement(gen.agreement(n)) { prepared.append(p) }
        }
        let box = NoticeBox(try #require(EvaluationTests.notices().first))
        var ranges = 0, failedSome = 0, unknownSome = 0, activeSome = 0
        for _ in 0..<150 {
            let r = gen.request(subscriber: gen.pick(["alsharq", "gulf news", "levant/post"]))
            let input = ODRLInput(terms: NewsEngine.terms)
            NewsEngine.lower(r, into: input, target: box.targets[r.asset.kind.index], assignee: NewsEngine.anyParty)
            // Some slots given a value of another kind, or none.
            for slot in 0..<7 where rng.next(4) == 0 {
                switch rng.next(5) {
                case 0: input.clear(slot: slot)
                case 1: input.setNumber(slot: slot, Double(rng.next(200)) - 50)
                case 2: input.setTime(slot: slot, Double(rng.next(2_000_000_000)))
                case 3: input.setDuration(slot: slot, Double(rng.next(100_000)))
                default: input.setText(slot: slot, id: Int32(rng.next(64)))
                }
            }
            for p in prepared {
                let c = p.block.knownActionChecks(input)
                let head = p.block.client.load(as: PreparedAgreement.Hot.self)
                for i in 0..<p.block.flatCount {
                    let rule = c.rules + i
                    let start = rule.pointee.cons, count = rule.pointee.consCount
                    for skip in Set([0, min(Int32(head.activityCount), count)]) {
                        let plain = c.plainMasks(start + skip, count - skip, rule: Int32(i))
                        let general = c.constraintMasks(start + skip, count - skip, rule: Int32(i))
                        #expect(plain == general, "\(p.agreement.id) rule \(i) from \(skip): \(r.json.serialized())")
                        ranges += 1
                        if general.failed != 0 { failedSome += 1 }
                        if general.unknown != 0 { unknownSome += 1 }
                    }
                    // The in-force answer read inline (``Checks/active(_:_:rule:memo:)``) is the whole answer's.
                    let masks = c.constraintMasks(start, count, rule: Int32(i))
                    var m1 = Checks.Memo(), m2 = Checks.Memo()
                    let active = c.active(rule, masks, rule: Int32(i), memo: &m1)
                    #expect(active == c.result(rule, masks, rule: Int32(i), memo: &m2).active, "\(p.agreement.id) rule \(i): \(r.json.serialized())")
                    if active { activeSome += 1 }
                }
            }
        }
        // Satisfied, failing and unknown ranges were all compared.
        #expect(ranges > 1_000 && failedSome > 0 && failedSome < ranges && unknownSome > 0, "\(ranges) \(failedSome) \(unknownSome)")
        // Rules in force were compared too.
        #expect(activeSome > 0)
    }
}
