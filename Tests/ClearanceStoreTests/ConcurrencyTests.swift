import ClearanceCore
import Foundation
import Testing
@testable import ClearanceStore

@Suite("Store: concurrent writers")
struct ConcurrencyTests {
    /// Agreements `P-k-0 … P-k-(n-1)`, one subscriber each, DESIGN.md's sample otherwise.
    static func batch(_ prefix: String, _ n: Int) throws -> [Agreement] {
        try (0..<n).map { i in try agreement(agreementJSON(id: "\(prefix)-\(i)", subscriber: "\(prefix.lowercased())-\(i % 50)")) }
    }

    @Test("two importers and a check-and-record loop on separate connections: nothing busy, nothing lost, quota exact")
    func importersAndRecorder() async throws {
        let box = Sandbox()
        do {
            let setup = try box.open()
            try setup.addAgreements([try agreement(agreementJSON(quota: #"{"count": 25, "per": "month"}"#))], policies: box.policies)
        }
        let a = try Self.batch("A", 3_000), b = try Self.batch("B", 3_000)
        let path = box.dbPath, policies = box.policies
        let request = { (i: Int) in
            RepublicationRequest(id: "r-\(i)", subscriber: "alsharq", source: "ilkha",
                                 asset: AssetRef(id: "ilkha-\(i)", kind: .text), action: "reproduce", extent: .whole,
                                 channel: .web, territory: "IQ", at: instant("2026-03-10T10:00:00Z"))
        }
        async let importA: Int = Task.detached {
            let s = try Store.open(path: path, busyTimeout: 60)
            return try s.addAgreements(a, policies: policies)
        }.value
        async let importB: Int = Task.detached {
            let s = try Store.open(path: path, busyTimeout: 60)
            return try s.addAgreements(b, policies: policies)
        }.value
        async let recorded: Int = Task.detached {
            let s = try Store.open(path: path, busyTimeout: 60)
            var permits = 0
            for i in 0..<40 {
                let r = try s.recordUse(request(i)) { agreements, count in
                    // A minimal decider: the quota of grant 0 of the one agreement, counted inside the transaction.
                    guard let ag = agreements.first, let q = ag.grants[0].quota else {
                        return UseDecision(record: false, decision: "deny", logEntry: nil)
                    }
                    let w = q.per.window(containing: instant("2026-03-10T10:00:00Z"), term: ag.term)
                    let used = try count(ag.id, 0, w.start, w.end)
                    let permit = used < q.count
                    return UseDecision(record: permit, agreementId: ag.id, grantPosition: 0, decision: permit ? "permit" : "deny",
                                       logEntry: DecisionLogEntry(decidedAt: Date(), requestId: "r-\(i)", subscriber: "alsharq",
                                                                  source: "ilkha", decision: permit ? "permit" : "deny", policyHash: nil,
                                                                  agreementVersions: [AgreementVersionRef(id: ag.id, version: 1)],
                                                                  request: ["id": .string("r-\(i)")], response: ["decision": .string(permit ? "permit" : "deny")]))
                }
                if case .inserted? = r.ledger { permits += 1 }
            }
            return permits
        }.value
        let (na, nb, permits) = try await (importA, importB, recorded)
        #expect(na == 3_000 && nb == 3_000)
        #expect(permits == 25)
        let store = try box.open()
        #expect(try store.agreementSummaries().count == 6_001)
        #expect(try store.decisions().count == 40)
        #expect(try store.decisions(DecisionFilter(decision: "permit")).count == 25)
        var uses = 0
        try store.forEachUse { _ in uses += 1 }
        #expect(uses == 25)
        #expect(try store.verifyChains().ok)
    }

    @Test("a write that cannot get the lock in time fails as store.busy, and writes nothing")
    func busyTimeout() throws {
        let box = Sandbox()
        let holder = try box.open()
        let waiter = try Store.open(path: box.dbPath, busyTimeout: 0.2)
        let entry = sampleDecision("d-busy")
        var code: String?
        try holder.write { _ in
            do { try waiter.appendDecisions([entry]) } catch let e as DiagnosticError { code = e.diagnostics.first?.code } catch {}
        }
        #expect(code == "store.busy")
        #expect(try holder.decisions().isEmpty)
    }
}
