import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// The bad-input corpus (issue 6.1): every case in `BadInput/manifest.json` runs the built
/// `clearance` binary on one malformed input and checks that it exits with the stated status,
/// prints `error[CODE]` with a message, does not crash, and leaves the database byte-for-byte
/// as it was (batch cases: answers every line, good ones included).
///
/// A case's input is inline in the manifest so every byte is visible in review: `text`
/// (written as UTF-8, or re-encoded by `encoding`: utf8-bom, utf16le, utf16be, latin1), `hex`
/// (raw bytes), `repeat` (`prefix` + `unit` × `count` + `suffix`: huge or deeply nested inputs),
/// or `file` (under `BadInput/files/`). Placeholders in `args`: `{input}`, `{db}`, `{policies}`,
/// `{agreements}`, `{dir}`. Set `CLEARANCE_BADINPUT_REPORT=1` to print what each case actually did.
@Suite("bad-input corpus", .serialized)
struct BadInputTests {
    static let folder = CLI.root.appendingPathComponent("Tests/ClearanceHardeningTests/BadInput")

    /// One case of the manifest.
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var about: String
        var input: JSONObject?
        var args: [String]
        var stdin: Bool
        var status: Int32
        var code: String?
        var stdoutLines: Int?
        var stdoutContains: [String]
        /// False for batch cases that log their good lines (`"db": "may-change"`).
        var dbUnchanged: Bool
        /// Where the code appears: `stderr` (default), or `stdout` for batch answers written in place.
        var codeInStdout: Bool
        var testDescription: String { "\(id): \(about)" }
    }

    static func loadCases() -> [Case] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path),
              let root = try? JSONParser.parse([UInt8](data)), let list = root["cases"]?.arrayValue else { return [] }
        return list.compactMap { v in
            guard let id = v["id"]?.stringValue, let args = v["args"]?.arrayValue?.compactMap(\.stringValue),
                  let status = v["status"]?.intValue else { return nil }
            return Case(id: id, about: v["about"]?.stringValue ?? "", input: v["input"]?.objectValue, args: args,
                        stdin: v["stdin"]?.boolValue ?? false, status: Int32(status), code: v["code"]?.stringValue,
                        stdoutLines: v["stdoutLines"]?.intValue,
                        stdoutContains: v["stdoutContains"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                        dbUnchanged: v["db"]?.stringValue != "may-change", codeInStdout: v["codeIn"]?.stringValue == "stdout")
        }
    }

    static let cases = loadCases()

    @Test("the manifest holds at least 100 cases with unique ids, each with a status and a message code")
    func manifest() {
        #expect(Self.cases.count >= 100, "\(Self.cases.count) cases")
        #expect(Set(Self.cases.map(\.id)).count == Self.cases.count, "duplicate ids")
        for c in Self.cases where c.status >= 64 {
            #expect(c.code != nil, "\(c.id) has no expected message code")
        }
    }

    /// Materialises a case's input bytes.
    static func bytes(_ input: JSONObject) throws -> [UInt8] {
        if let f = input["file"]?.stringValue {
            return [UInt8](try Data(contentsOf: folder.appendingPathComponent("files/\(f)")))
        }
        if let hex = input["hex"]?.stringValue {
            let digits = Array(hex.filter(\.isHexDigit))
            var out: [UInt8] = []
            var i = 0
            while i + 1 < digits.count {
                out.append(UInt8(String(digits[i...i + 1]), radix: 16) ?? 0)
                i += 2
            }
            return out
        }
        if let r = input["repeat"]?.objectValue {
            let unit = Array((r["unit"]?.stringValue ?? "").utf8)
            var out = Array((r["prefix"]?.stringValue ?? "").utf8)
            let n = r["count"]?.intValue ?? 0
            out.reserveCapacity(out.count + unit.count * n + 64)
            for _ in 0..<n { out += unit }
            out += Array((r["suffix"]?.stringValue ?? "").utf8)
            return out
        }
        let text = input["text"]?.stringValue ?? ""
        switch input["encoding"]?.stringValue ?? "utf8" {
        case "utf8-bom": return [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        case "utf16le": return [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        case "utf16be": return [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case "utf16le-nobom": return text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        case "latin1": return text.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : 0x3F }
        default: return Array(text.utf8)
        }
    }

    /// A folder with `Policies/` (the repository's), `agreements.json` (the sample agreements),
    /// and a database holding those agreements, three decisions and three uses.
    static func environment() throws -> TempDir {
        let dir = TempDir("badinput")
        let fm = FileManager.default
        for f in try fm.contentsOfDirectory(atPath: template.path) {
            try fm.copyItem(atPath: template.file(f), toPath: dir.file(f))
        }
        return dir
    }

    /// Built once: every case starts from a copy of it.
    nonisolated(unsafe) static let template: TempDir = {
        do { return try makeTemplate() } catch { fatalError("cannot build the bad-input environment: \(error)") }
    }()

    static func makeTemplate() throws -> TempDir {
        let dir = TempDir("badinput-template")
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir.file("Policies"), withIntermediateDirectories: true)
        for f in try fm.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("Policies").path) where f.hasSuffix(".json") {
            try fm.copyItem(atPath: CLI.root.appendingPathComponent("Policies/\(f)").path, toPath: dir.file("Policies/\(f)"))
        }
        let sample = CLI.root.appendingPathComponent("seeds/sample-agreements.json").path
        try fm.copyItem(atPath: sample, toPath: dir.file("agreements.json"))
        // A good request (permitted by the sample agreements), for cases whose bad input is elsewhere.
        dir.write("req.json", Array(#"{"id": "r1", "subscriber": "alsharq", "source": "ilkha", "asset": {"id": "ilkha-482627", "kind": "text", "publishedAt": "2026-11-28T09:00:00Z"}, "use": {"action": "reproduce", "extent": "whole"}, "channel": "web", "territory": "IQ", "at": "2026-11-29T10:00:00Z"}"#.utf8))
        let store = try Store.open(path: dir.file("c.sqlite"), busyTimeout: 30)
        let (agreements, _) = Agreement.parseList(try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))))
        let policies = PolicyFolder(path: dir.file("Policies"))
        try store.write { tx in
            var revisions: [String: String] = [:]
            for a in agreements {
                if revisions[a.source] == nil { revisions[a.source] = try tx.registerPolicy(try policies.policy(for: a.source), at: Date()) }
                try tx.addAgreement(a, policyRevision: revisions[a.source])
            }
        }
        _ = try store.appendDecisions((1...3).map { Populate.decision($0) })
        _ = try store.importUsage((1...3).map { Populate.use($0) })
        try store.close()
        return dir
    }

    /// The digests of the database file and its WAL (nil when absent).
    static func dbState(_ dir: TempDir) -> [String?] {
        [fileDigest(dir.file("c.sqlite")), fileDigest(dir.file("c.sqlite-wal"))]
    }

    @Test("bad input gets its exit status and message, no crash, database unchanged", arguments: cases)
    func badInput(_ c: Case) throws {
        let dir = try Self.environment()
        var inputPath = dir.file("input")
        var stdinBytes: [UInt8]? = nil
        if let input = c.input {
            let b = try Self.bytes(input)
            if c.stdin { stdinBytes = b; inputPath = "-" } else {
                inputPath = dir.write((input["name"]?.stringValue) ?? "input", b)
            }
        }
        let args = c.args.map {
            $0.replacingOccurrences(of: "{input}", with: inputPath)
                .replacingOccurrences(of: "{db}", with: dir.file("c.sqlite"))
                .replacingOccurrences(of: "{policies}", with: dir.file("Policies"))
                .replacingOccurrences(of: "{agreements}", with: dir.file("agreements.json"))
                .replacingOccurrences(of: "{dir}", with: dir.path)
        }
        let before = Self.dbState(dir)
        let r = try CLI.run(args, cwd: dir.path, stdin: stdinBytes ?? [], env: ["CLEARANCE_POLICIES": dir.file("Policies")])
        let after = Self.dbState(dir)
        if ProcessInfo.processInfo.environment["CLEARANCE_BADINPUT_REPORT"] == "1" {
            let codes = r.stderr.split(separator: "\n").compactMap { line -> String? in
                guard let a = line.firstIndex(of: "["), let b = line.firstIndex(of: "]"), a < b else { return nil }
                return String(line[line.index(after: a)..<b])
            }
            let outCodes = r.stdout.split(separator: "\n").filter { $0.contains("\"error\":") }.compactMap { line -> String? in
                guard let range = line.range(of: "\"code\":\"") else { return nil }
                return String(line[range.upperBound...].prefix { $0 != "\"" })
            }
            print("BADINPUT\t\(c.id)\t\(r.status)\t\(r.signalled)\t\(codes.first ?? outCodes.first ?? "-")\t\(before == after)\t\(r.stdout.split(separator: "\n").count)\t\(r.stderr.split(separator: "\n").first ?? "")")
        }
        #expect(!r.signalled, "crashed: \(r)")
        #expect(r.status != 70 || c.status == 70, "internal error: \(r)")
        #expect(r.status == c.status, "\(r)")
        if let code = c.code, c.codeInStdout {
            // Batch: the bad line is answered in place, `{"line": N, "error": {"code": ..., "message": ...}}`.
            let line = r.stdout.split(separator: "\n").first { $0.contains("\"code\":\"\(code)\"") }
            #expect(line != nil, "expected a batch line with code \(code): \(r)")
            #expect(line?.contains("\"message\":\"") ?? false, "\(r)")
            #expect(line?.contains("\"line\":") ?? false, "\(r)")
        } else if let code = c.code {
            #expect(r.stderr.contains("[\(code)]"), "expected error[\(code)]: \(r)")
            // A useful message: `error[code] ...: words`, not a stack trace or an empty line.
            let line = r.stderr.split(separator: "\n").first { $0.contains("[\(code)]") }.map(String.init) ?? ""
            let message = line.split(separator: "]", maxSplits: 1).last.map(String.init) ?? ""
            #expect(message.count >= 20, "message too thin: \(line)")
            #expect(!r.stderr.contains("Fatal error"), "\(r)")
        }
        if c.dbUnchanged { #expect(before == after, "the database changed: \(r)") }
        if let n = c.stdoutLines {
            #expect(r.stdout.split(separator: "\n", omittingEmptySubsequences: true).count == n, "every line answered: \(r)")
        }
        for s in c.stdoutContains { #expect(r.stdout.lowercased().contains(s.lowercased()), "stdout lacks \(s): \(r)") }
    }
}
