import ClearanceCore
import Foundation
import Testing

/// Runs the built `clearance` executable as a user would: arguments, stdin, stdout, stderr, exit status.
enum CLI {
    /// The package root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `clearance` executable next to the test bundle.
    static var executable: URL? {
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("clearance")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = root.appendingPathComponent(".build/debug/clearance")
        return FileManager.default.fileExists(atPath: fallback.path) ? fallback : nil
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `clearance ARGS` in `cwd` (default: the package root) with `stdin`.
    static func run(_ args: [String], stdin: String? = nil, cwd: URL? = nil, env: [String: String] = [:]) throws -> Result {
        guard let exe = executable else { throw FixtureFailure("the `clearance` executable is not built") }
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = cwd ?? root
        var environment = ProcessInfo.processInfo.environment
        environment["CLEARANCE_POLICIES"] = nil
        environment["CLEARANCE_DB"] = nil
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A fresh temporary folder (inside ``TestScratch/root``, removed when the tests end).
    static func tempDir() throws -> URL {
        try TestScratch.folder("cli")
    }
}

struct FixtureFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// End-to-end tests of `clearance check` and `clearance demo`, every exit status included.
@Suite struct CheckCommandTests {
    let agreements = ["--agreements", "seeds/sample-agreements.json"]
    let photo = ["--subscriber", "alsharq", "--source", "ilkha", "--asset-id", "ilkha-482627", "--kind", "photo",
                 "--published-at", "2026-11-28T09:00:00Z", "--channel", "web", "--territory", "IQ", "--at", "2026-11-29T10:00:00Z"]

    @Test func permitExitsZero() throws {
        let r = try CLI.run(["check"] + agreements + ["--subscriber", "alsharq", "--source", "ilkha", "--asset-id", "a1", "--kind", "text",
                                                       "--published-at", "2026-11-29T08:00:00Z", "--channel", "web", "--territory", "IQ",
                                                       "--at", "2026-11-29T10:00:00Z"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("PERMIT — alsharq may reproduce text a1 on web in IQ"))
        #expect(r.stdout.contains("Duties: credit «İLKHA»"))
    }

    @Test func denyExitsOneWithReasonsInJSON() throws {
        let r = try CLI.run(["check", "--format", "json"] + agreements + photo)
        #expect(r.status == 1)
        let d = try JSONParser.parse(r.stdout)
        #expect(d["decision"] == "deny")
        #expect(d["reasons"]?.arrayValue?.first?["code"] == "asset_not_granted")
        #expect(d["wouldPermitIf"] == ["a grant covering photo in C-2026-0007"])
    }

    @Test func textAnswerReadsLikeARightsManager() throws {
        let r = try CLI.run(["check"] + agreements + photo)
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("DENY — alsharq may not reproduce photo ilkha-482627 on web in IQ"))
        #expect(r.stdout.contains("contract C-2026-0007 grants text only, not photo"))
        #expect(r.stdout.contains("The notice says: «"))
        #expect(r.stdout.contains("Would be allowed with: a grant covering photo in C-2026-0007."))
    }

    @Test func badFlagsExit64NamingTheFlag() throws {
        let r = try CLI.run(["check"] + agreements + ["--subscriber", "alsharq", "--source", "ilkha", "--asset-id", "a", "--kind", "foto",
                                                       "--channel", "fax", "--territory", "Iraq"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("error[request.unknown_asset_kind] at --kind"))
        #expect(r.stderr.contains("error[request.unknown_channel] at --channel"))
        #expect(r.stderr.contains("hint: did you mean `IQ`?"))
        let missing = try CLI.run(["check"] + agreements + ["--subscriber", "alsharq"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--source is required"))
        let at = try CLI.run(["check"] + agreements + photo.dropLast(2) + ["--at", "tomorrow"])
        #expect(at.status == 64 && at.stderr.contains("error[check.bad_flag]"))
        let none = try CLI.run(["check"] + agreements)
        #expect(none.status == 64 && none.stderr.contains("check.no_request"))
        let both = try CLI.run(["check", "--batch", "-"] + agreements + photo)
        #expect(both.status == 64 && both.stderr.contains("check.conflicting_inputs"))
    }

    @Test func requestFile() throws {
        let dir = try CLI.tempDir()
        let file = dir.appendingPathComponent("r.json")
        try #"{"id": "r9", "subscriber": "gulfnews", "source": "ilkha", "asset": {"id": "v1", "kind": "video"}, "channel": "tv", "territory": "QA", "at": "2025-06-01T10:00:00Z"}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--request", file.path, "--format", "json"] + agreements)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try JSONParser.parse(r.stdout)["id"] == "r9")
        let stdin = try CLI.run(["check", "--request", "-"] + agreements, stdin: "{\"subscriber\": 1}")
        #expect(stdin.status == 65 && stdin.stderr.contains("request.wrong_type"))
        let missing = try CLI.run(["check", "--request", dir.appendingPathComponent("nope.json").path] + agreements)
        #expect(missing.status == 66)
        let notJSON = try CLI.run(["check", "--request", "-"] + agreements, stdin: "{\"id\": ")
        #expect(notJSON.status == 65 && notJSON.stderr.contains("json.truncated"))
    }

    /// The byte scanner and the worker threads change nothing in a batch's output: the table of request
    /// lines (valid, unusual, malformed), repeated so blocks split across workers, gives the same bytes and
    /// exit status with the scanner off (strict path only) and on, with 1 and 3 workers, items of 1, 3 and
    /// 128 lines (so workers finish items out of order and the in-order writer waits).
    /// A batch whose decisions cannot be written (standard output on a full disk: Linux's `/dev/full`) is an
    /// I/O error, exit 74, with the error named on standard error.
    @Test func aBatchThatCannotWriteItsDecisionsIsAnIOError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let exe = try #require(CLI.executable)
        let dir = try CLI.tempDir()
        let requests = dir.appendingPathComponent("r.jsonl").path
        try Data(#"{"id":"b1","subscriber":"alsharq","source":"ilkha","asset":{"id":"a1","kind":"text","publishedAt":"2026-11-29T08:00:00Z"},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z"}"#.utf8 + [0x0A])
            .write(to: URL(fileURLWithPath: requests))
        let p = Process()
        p.executableURL = exe
        p.arguments = ["check", "--batch", requests, "--no-log"] + agreements
        p.currentDirectoryURL = CLI.root
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let err = Pipe()
        p.standardError = err
        try p.run()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 74, "\(e)")
        #expect(e.contains("error[output.write_failed]"), "\(e)")
    }

    @Test func batchOutputIsTheSameWithAndWithoutScannerAndThreads() throws {
        let table = try String(contentsOf: CLI.root.appendingPathComponent("Tests/ClearanceCoreTests/Fixtures/io/scanner-lines.jsonl"), encoding: .utf8)
        let sample = #"{"id":"s%d","subscriber":"alsharq","source":"ilkha","asset":{"id":"a%d","kind":"text","publishedAt":"2026-11-28T09:00:00Z"},"use":{"action":"reproduce","extent":"partial","portion":0.5},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z"}"#
        var input = ""
        for k in 0..<150 { input += (k % 50 == 0 ? table : String(format: sample, k, k) + (k % 7 == 0 ? "\r\n" : "\n")) }
        input += String(format: sample, 999, 999)
        var outputs: [CLI.Result] = []
        // Blocks of 7 and 333 bytes: lines cross block ends and are longer than a block; a final line
        // without its newline; CRLF line ends.
        for env in [["CLEARANCE_SCANNER": "off", "CLEARANCE_THREADS": "1"], ["CLEARANCE_THREADS": "1"], ["CLEARANCE_THREADS": "3"],
                    ["CLEARANCE_SCANNER": "off", "CLEARANCE_THREADS": "3"], ["CLEARANCE_THREADS": "2", "CLEARANCE_BLOCK_BYTES": "7"],
                    ["CLEARANCE_THREADS": "3", "CLEARANCE_BLOCK_BYTES": "333"], ["CLEARANCE_THREADS": "2", "CLEARANCE_PREPARE": "all"],
                    ["CLEARANCE_THREADS": "1", "CLEARANCE_PREPARE": "lazy", "CLEARANCE_BLOCK_BYTES": "333"],
                    ["CLEARANCE_THREADS": "3", "CLEARANCE_ITEM_LINES": "1"],
                    ["CLEARANCE_THREADS": "2", "CLEARANCE_ITEM_LINES": "3", "CLEARANCE_BLOCK_BYTES": "333"]] {
            outputs.append(try CLI.run(["check", "--batch", "-", "--at", "2026-11-29T12:00:00Z"] + agreements, stdin: input, env: env))
        }
        #expect(outputs[0].status == 65)
        #expect(outputs[0].stdout.split(separator: "\n").count > 250)
        for o in outputs.dropFirst() {
            #expect(o.status == outputs[0].status)
            #expect(o.stdout == outputs[0].stdout)
        }
    }

    @Test func batchKeepsOrderAndAnswersBadLinesInPlace() throws {
        let lines = [
            #"{"id":"b1","subscriber":"alsharq","source":"ilkha","asset":{"id":"a","kind":"text","publishedAt":"2026-11-28T09:00:00Z"},"channel":"web","territory":"IQ"}"#,
            "this is not json",
            "",
            #"{"id":"b3","subscriber":"alsharq","source":"ilkha","channel":"fax"}"#,
            #"{"id":"b4","subscriber":"alsharq","source":"ilkha","asset":{"id":"p","kind":"photo"},"channel":"web","territory":"IQ"}"#,
            #"{"id":"b5","subscriber":"alsharq","source":"afp","asset":{"id":"p","kind":"text"},"channel":"web","territory":"IQ"}"#,
        ]
        let r = try CLI.run(["check", "--batch", "-", "--at", "2026-11-29T10:00:00Z"] + agreements, stdin: lines.joined(separator: "\n"))
        #expect(r.status == 65, "\(r.stderr)")
        let out = r.stdout.split(separator: "\n").map(String.init)
        #expect(out.count == 5)
        let parsed = try out.map { try JSONParser.parse($0) }
        #expect(parsed.map { $0["id"]?.stringValue ?? "-" } == ["b1", "-", "b3", "b4", "b5"])
        #expect(parsed[0]["decision"] == "permit")
        #expect(parsed[1]["line"] == 2 && parsed[1]["error"]?["code"] == "json.syntax" && parsed[1]["decision"] == nil)
        #expect(parsed[2]["line"] == 4 && parsed[2]["error"]?["code"] == "request.missing_field")
        #expect(parsed[3]["decision"] == "deny")
        #expect(parsed[4]["reasons"]?.arrayValue?.first?["code"] == "no_policy")
        // All decided, some denied: exit 1; all permitted: exit 0.
        let denied = try CLI.run(["check", "--batch", "-", "--at", "2026-11-29T10:00:00Z"] + agreements, stdin: lines[4] + "\n" + lines[0] + "\n")
        #expect(denied.status == 1)
        let permitted = try CLI.run(["check", "--batch", "-", "--at", "2026-11-29T10:00:00Z"] + agreements, stdin: lines[0])
        #expect(permitted.status == 0)
    }

    @Test func recordCountsTowardQuotasWithinABatch() throws {
        let line = #"{"subscriber":"anadolu-review","source":"ilkha","asset":{"id":"p","kind":"photo"},"channel":"web","territory":"DE","at":"2026-11-29T10:00:00Z"}"#
        let input = Array(repeating: line, count: 3).joined(separator: "\n")
        let r = try CLI.run(["check", "--batch", "-", "--record"] + agreements, stdin: input)
        let codes = try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0))["reasons"]?.arrayValue?.first?["code"]?.stringValue ?? "" }
        #expect(codes == ["granted", "granted", "quota_exceeded"])
        let norecord = try CLI.run(["check", "--batch", "-"] + agreements, stdin: input)
        #expect(norecord.status == 0)
    }

    @Test func brokenPolicyIsAConfigurationError() throws {
        let dir = try CLI.tempDir()
        try #"{"@type": "Set", "uid": "urn:x", "permission": [{"action": "teleport"}]}"#
            .write(to: dir.appendingPathComponent("ilkha.json"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--policies", dir.path] + agreements + photo)
        #expect(r.status == 78, "\(r.stderr)")
        let env = try CLI.run(["check"] + agreements + photo, env: ["CLEARANCE_POLICIES": dir.path])
        #expect(env.status == 78)
        let empty = try CLI.tempDir()
        let none = try CLI.run(["check", "--policies", empty.path, "--format", "json"] + agreements + photo)
        #expect(none.status == 1)
        #expect(try JSONParser.parse(none.stdout)["reasons"]?.arrayValue?.first?["code"] == "no_policy")
    }

    @Test func badAgreementsFile() throws {
        let dir = try CLI.tempDir()
        let f = dir.appendingPathComponent("a.json")
        try #"[{"id": "C-1", "kind": "deal"}]"#.write(to: f, atomically: true, encoding: .utf8)
        let r = try CLI.run(["check", "--agreements", f.path] + photo)
        #expect(r.status == 65)
        #expect(r.stderr.contains("error[agreement.unknown_kind]") && r.stderr.contains("$[0].kind"))
    }

    @Test func demoRunsOnAFreshCheckout() throws {
        let r = try CLI.run(["demo"])
        #expect(r.status == 0, "\(r.stderr)")
        for needle in ["PERMIT — alsharq", "Duties: credit «İLKHA»", "grants text only, not photo", "ended on 2025-12-31",
                       "the notice requires a prior subscription", "no photos on social media", "has no agreement with ilkha"] {
            #expect(r.stdout.contains(needle), "demo output lacks `\(needle)`")
        }
        let json = try CLI.run(["demo", "--format", "json"])
        #expect(json.stdout.split(separator: "\n").count == 7)
    }

    /// The demo's throwaway database is removed when it ends, also when it fails after creating it.
    @Test func demoLeavesNothingInTheTemporaryFolder() throws {
        let tmp = try CLI.tempDir()
        let r = try CLI.run(["demo"], env: ["TMPDIR": tmp.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("a throwaway database (removed when the demo ends)"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        // Registering fails (an agreement for a source without a policy): the folder made for it goes too.
        let bad = tmp.appendingPathComponent("../bad-\(UUID().uuidString).json").standardizedFileURL
        try #"[{"id": "C-1", "kind": "contract", "source": "nowhere", "subscriber": {"id": "x"}, "signedAt": "2026-01-01", "term": {"start": "2026-01-01", "end": "2026-12-31"}, "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]}]"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let failed = try CLI.run(["demo", "--agreements", bad.path], env: ["TMPDIR": tmp.path])
        #expect(failed.status != 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }
}

import ClearanceStore

/// `clearance check` against a real SQLite database (temp folder): versions as of `at`, the decision log, `--record` quotas.
@Suite struct CheckStoreTests {
    static func database() throws -> (String, Store) {
        let dir = try CLI.tempDir()
        let path = dir.appendingPathComponent("c.sqlite").path
        let store = try Store.open(path: path)
        let bytes = try Array(Data(contentsOf: CLI.root.appendingPathComponent("seeds/sample-agreements.json")))
        let (list, _) = Agreement.parseList(try JSONParser.parse(bytes))
        try store.addAgreements(list, policies: PolicyFolder(path: CLI.root.appendingPathComponent("Policies").path))
        return (path, store)
    }

    @Test func decidesFromTheDatabaseAndLogs() throws {
        let (path, store) = try Self.database()
        let photo = ["check", "--db", path, "--subscriber", "alsharq", "--source", "ilkha", "--asset-id", "p", "--kind", "photo",
                     "--channel", "web", "--territory", "IQ", "--at", "2026-11-29T10:00:00Z"]
        let r = try CLI.run(photo)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("grants text only, not photo"))
        #expect(try store.decisions().count == 1)
        let quiet = try CLI.run(photo + ["--no-log"])
        #expect(quiet.status == 1)
        #expect(try store.decisions().count == 1)
        let env = try CLI.run(Array(photo.filter { $0 != "--db" && $0 != path }), env: ["CLEARANCE_DB": path])
        #expect(env.status == 1)
        #expect(try store.decisions().count == 2)
    }

    @Test func recordEnforcesQuotasAcrossRuns() throws {
        let (path, store) = try Self.database()
        let args = ["check", "--db", path, "--subscriber", "anadolu-review", "--source", "ilkha", "--asset-id", "p", "--kind", "photo",
                    "--channel", "web", "--territory", "DE", "--at", "2026-11-29T10:00:00Z", "--record", "--format", "json"]
        var codes: [String] = []
        for k in 0..<3 {
            let r = try CLI.run(args.map { $0 == "p" ? "p\(k)" : $0 })
            codes.append(try JSONParser.parse(r.stdout)["reasons"]?.arrayValue?.first?["code"]?.stringValue ?? "?")
        }
        #expect(codes == ["granted", "granted", "quota_exceeded"])
        #expect(try store.decisions().count == 3)
        // Without --record the ledger is read, not written: still exceeded.
        let r = try CLI.run(Array(args.dropLast(3)) + ["--format", "json"])
        #expect(r.status == 1)
    }

    /// Agreements that can never be in force (signed after their term ended, terminated before it
    /// started) are stored, and a batch over them runs to the end, each line denied with the reason
    /// DESIGN.md rule 3 gives (the table of `never-in-force-cases.json`).
    @Test func batchOverAgreementsThatCanNeverBeInForce() throws {
        let dir = try CLI.tempDir()
        let path = dir.appendingPathComponent("n.sqlite").path
        let store = try Store.open(path: path)
        let table = CLI.root.appendingPathComponent("Tests/ClearanceCoreTests/Fixtures/news/never-in-force-cases.json")
        let cases = try JSONParser.parse(Array(Data(contentsOf: table))).arrayValue ?? []
        #expect(cases.count >= 15)
        var agreements: [String: Agreement] = [:]
        var lines: [String] = []
        var expected: [String] = []
        for (i, c) in cases.enumerated() {
            var a = try #require(Agreement.parse(c["agreement"] ?? .null).0)
            a.subscriber = Subscriber(id: a.id.lowercased())  // one subscriber per agreement: one reason per line
            agreements[a.id] = a
            let at = c["at"]?.stringValue ?? ""
            lines.append(#"{"id":"n\#(i)","subscriber":"\#(a.subscriber.id)","source":"ilkha","asset":{"id":"a","kind":"text"},"channel":"web","territory":"LB","at":"\#(at)"}"#)
            expected.append(c["code"]?.stringValue ?? "?")
        }
        try store.addAgreements(agreements.keys.sorted().compactMap { agreements[$0] },
                                policies: PolicyFolder(path: CLI.root.appendingPathComponent("Policies").path))
        let r = try CLI.run(["check", "--db", path, "--batch", "-", "--no-log"], stdin: lines.joined(separator: "\n"))
        #expect(r.status == 1, "\(r.stderr)")
        let out = try r.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(out.count == cases.count, "\(r.stderr)")
        #expect(out.map { $0["decision"]?.stringValue ?? "-" } == Array(repeating: "deny", count: cases.count))
        #expect(out.map { $0["reasons"]?.arrayValue?.first?["code"]?.stringValue ?? "-" } == expected)
    }

    @Test func batchAgainstTheDatabase() throws {
        let (path, store) = try Self.database()
        let lines = (0..<2500).map { i in
            #"{"id":"b\#(i)","subscriber":"alsharq","source":"ilkha","asset":{"id":"a\#(i)","kind":"\#(i % 2 == 0 ? "text" : "photo")","publishedAt":"2026-11-28T09:00:00Z"},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z"}"#
        }
        let r = try CLI.run(["check", "--db", path, "--batch", "-"], stdin: lines.joined(separator: "\n"))
        #expect(r.status == 1, "\(r.stderr)")
        let out = r.stdout.split(separator: "\n")
        #expect(out.count == 2500)
        #expect(try store.decisions().count == 2500)
    }

    /// Agreements looked up party by party, loaded all at once at the start, switched over after one
    /// lookup, or all prepared up front (the lock-free table) give the same answers, with one worker or several.
    @Test func lazyAndBulkLoadingAgree() throws {
        let (path, _) = try Self.database()
        let subscribers = ["alsharq", "levantpost", "anadolu-review", "gulfnews", "nobody", "kurdistan24"]
        let kinds = ["text", "photo", "video"]
        let lines = (0..<300).map { i in
            #"{"id":"l\#(i)","subscriber":"\#(subscribers[i % subscribers.count])","source":"ilkha","asset":{"id":"a\#(i)","kind":"\#(kinds[i % 3])","publishedAt":"2026-11-28T09:00:00Z"},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z"}"#
        }
        let input = lines.joined(separator: "\n")
        var outs: [String] = []
        for (after, threads, prepare) in [("1000", "1", "lazy"), ("0", "1", "lazy"), ("1", "2", "lazy"), ("2", "3", "lazy"),
                                          ("1000", "1", "all"), ("1000", "3", "all")] {
            let r = try CLI.run(["check", "--db", path, "--batch", "-", "--no-log"], stdin: input,
                                env: ["CLEARANCE_BULK_LOAD_AFTER": after, "CLEARANCE_THREADS": threads, "CLEARANCE_PREPARE": prepare])
            #expect(r.status == 1, "\(r.stderr)")
            outs.append(r.stdout)
        }
        #expect(outs[0].split(separator: "\n").count == 300)
        #expect(outs[0].contains("\"decision\":\"permit\""))
        for o in outs.dropFirst() { #expect(o == outs[0]) }
    }

    @Test func missingDatabaseIsAnInputError() throws {
        let dir = try CLI.tempDir()
        let r = try CLI.run(["check", "--db", dir.appendingPathComponent("none.sqlite").path, "--subscriber", "a", "--source", "ilkha",
                             "--asset-id", "x", "--kind", "text", "--channel", "web", "--territory", "TR"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("check.no_database"))
    }
}
