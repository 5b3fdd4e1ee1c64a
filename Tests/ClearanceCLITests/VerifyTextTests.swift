@testable import ClearanceCLI
import ClearanceCore
import ClearanceStore
import Testing

/// `clearance verify`'s one line per chain: an intact chain gives its row count; a broken one says how
/// many rows are intact before the break (the count includes the row that broke it).
@Suite("verify's chain lines")
struct VerifyTextTests {
    static let head = String(repeating: "ab", count: 32)

    @Test("intact and broken chains, table-driven", arguments: [
        (3, false, "decision_log: 3 rows, chain intact, head \(head)"),
        (1, false, "decision_log: 1 row, chain intact, head \(head)"),
        (0, false, "decision_log: 0 rows, chain intact, head \(head)"),
        (7, true, "decision_log: CHAIN BROKEN after 6 rows intact, head \(head)"),
        (2, true, "decision_log: CHAIN BROKEN after 1 row intact, head \(head)"),
        (1, true, "decision_log: CHAIN BROKEN after 0 rows intact, head \(head)"),
    ])
    func line(rows: Int, broken: Bool, expected: String) {
        let problem = broken ? Diagnostic(code: "chain.bad_hash", message: "x", hint: nil, location: nil, category: .invalidValue) : nil
        let table = ChainReport.Table(table: "decision_log", rows: rows, head: Self.head, problem: problem)
        #expect(Maintenance.text(table) == expected)
    }
}
