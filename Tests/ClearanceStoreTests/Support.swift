import ClearanceCore
import Foundation
@testable import ClearanceStore

/// A temporary folder with a policies folder (`ilkha`, `aa`) and a database path, removed at deinit.
final class Sandbox {
    let dir: String
    let policies: PolicyFolder
    var dbPath: String { dir + "/test.sqlite" }

    init() {
        dir = NSTemporaryDirectory() + "clearance-store-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir + "/Policies", withIntermediateDirectories: true)
        let wroteIlkha = FileManager.default.createFile(atPath: dir + "/Policies/ilkha.json",
                                       contents: Data(#"{"@context": "http://www.w3.org/ns/odrl.jsonld", "uid": "ilkha"}"#.utf8))
        let wroteAa = FileManager.default.createFile(atPath: dir + "/Policies/aa.json",
                                       contents: Data(#"{"@context": "http://www.w3.org/ns/odrl.jsonld", "uid": "aa"}"#.utf8))
        precondition(wroteIlkha && wroteAa, "cannot write the sandbox's policies under \(dir)")
        policies = PolicyFolder(path: dir + "/Policies")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func open() throws(Diagnostic) -> Store { try Store.open(path: dbPath, busyTimeout: 30) }
}

/// DESIGN.md's sample agreement, with overridable id, subscriber, source and dates.
func agreementJSON(id: String = "C-2026-0007", subscriber: String = "alsharq", source: String = "ilkha",
                   kind: String = "contract", start: String = "2026-01-01", end: String = "2026-12-31",
                   channels: String = #"["web", "print"]"#, territories: String = #"["TR", "IQ"]"#,
                   quota: String = #"{"count": 300, "per": "month"}"#) -> String {
    """
    {"id": "\(id)", "kind": "\(kind)", "source": "\(source)",
     "subscriber": {"id": "\(subscriber)", "name": "Al-Sharq Daily"},
     "signedAt": "2025-12-20", "term": {"start": "\(start)", "end": "\(end)"},
     "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole", "partial"],
                 "channels": \(channels), "territories": \(territories),
                 "excludeTerritories": [], "quota": \(quota),
                 "embargo": "PT1H", "duties": [{"action": "attribute", "text": "İLKHA"}]}],
     "restrictions": [{"channels": ["social"], "note": "no social media"}]}
    """
}

/// Parses one agreement or fails the test with its diagnostics.
func agreement(_ json: String) throws -> Agreement {
    let (a, diags) = Agreement.parse(try JSONParser.parse(json))
    guard let a else { throw DiagnosticError(diags) }
    return a
}

/// An instant from ISO text.
func instant(_ s: String) -> Instant {
    guard case .success(let p) = ISO8601.parseDateTime(s) else { fatalError("bad test instant \(s)") }
    return p.instant
}

/// Runs raw SQL on a database file outside the facade (to show the schema itself refuses bad rows).
func rawSQL(_ store: Store, _ sql: String) -> String? {
    do {
        try store.queue.write { db in try db.execute(sql: sql) }
        return nil
    } catch {
        return "\(error)"
    }
}

/// The bytes of a file.
func fileBytes(_ path: String) -> [UInt8] { FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? [] }
