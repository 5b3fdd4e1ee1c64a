import ClearanceCore
import Foundation
import Testing
@testable import ClearanceCLI

/// `--agreements FILE` is read by `contract import`'s reader (byte scanner, elements in parallel, no
/// JSON tree); what it loads must be what the strict reader loads, and every bad file must still get
/// the strict reader's diagnostics.
@Suite(.serialized) struct AuditAgreementLoadTests {
    /// The seed agreements copied `copies` times with fresh ids (over 1 MB: the parallel path).
    static func bigAgreements(copies: Int, duplicateAt: Int? = nil) throws -> (path: String, bytes: [UInt8]) {
        let seed = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: AuditPaths.agreements))))
        var items: [JSONValue] = []
        for k in 0..<copies {
            for case .object(var o) in seed.arrayValue ?? [] {
                let id = o["id"]?.stringValue ?? "?"
                // Copy `duplicateAt` repeats the ids of the copy before it.
                o["id"] = .string(k == duplicateAt ? "\(id)-k\(k - 1)" : "\(id)-k\(k)")
                items.append(.object(o))
            }
        }
        let text = JSONValue.array(items).serialized(pretty: true, sortedKeys: false)
        let path = try AuditPaths.tempDir() + "/agreements.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, Array(text.utf8))
    }

    @Test func aLargeFileLoadsAsTheStrictReaderReadsIt() throws {
        let (path, bytes) = try Self.bigAgreements(copies: 400)
        #expect(bytes.count > 1 << 20)
        let context = try AuditContext.load(agreementFiles: [path], store: nil, policies: AuditPaths.policies, requireAgreements: true)
        let (strict, diags) = Agreement.parseList(try JSONParser.parse(bytes))
        #expect(!diags.contains { $0.severity == .error })
        #expect(context.book.count == strict.count)
        let loaded = Dictionary(uniqueKeysWithValues: context.book.all.map { ($0.id, $0) })
        for a in strict { #expect(loaded[a.id] == a, "\(a.id)") }
    }

    @Test func aRepeatedIdIsStillTheStrictReadersError() throws {
        let (path, _) = try Self.bigAgreements(copies: 400, duplicateAt: 7)
        #expect(throws: DiagnosticError.self) {
            _ = try AuditContext.load(agreementFiles: [path], store: nil, policies: AuditPaths.policies, requireAgreements: true)
        }
        do {
            _ = try AuditContext.load(agreementFiles: [path], store: nil, policies: AuditPaths.policies, requireAgreements: true)
        } catch {
            #expect(error.diagnostics.first?.code == "agreement.duplicate_id")
            #expect(error.diagnostics.first?.location?.hasPrefix(path + ": $[") == true)
        }
    }

    @Test func aFileThatIsNotAnArrayKeepsItsMessage() throws {
        let path = try AuditPaths.tempDir() + "/n.json"
        try "42".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try AuditContext.load(agreementFiles: [path], store: nil, policies: AuditPaths.policies, requireAgreements: true)
            Issue.record("a number was accepted as agreements")
        } catch {
            #expect(error.diagnostics.map(\.code) == ["agreement.not_array"])
            #expect(error.diagnostics.first?.hint == nil)
            #expect(error.diagnostics.first?.location == path + ": $")
        }
    }
}
