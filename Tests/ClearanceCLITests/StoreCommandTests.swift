import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// End-to-end tests of `clearance contract`, `subscriber`, `log` and `verify`: outputs and exit statuses.
@Suite struct StoreCommandTests {
    /// A temp folder with `Policies/ilkha.json` (the real one) and `Policies/aa.json`, and a database path.
    struct Env {
        let dir: URL
        var db: String { dir.appendingPathComponent("c.sqlite").path }
        var policies: String { dir.appendingPathComponent("Policies").path }
        var flags: [String] { ["--db", db, "--policies", policies] }

        init() throws {
            dir = try CLI.tempDir()
            try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("Policies").path, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Policies/ilkha.json"),
                                            to: dir.appendingPathComponent("Policies/ilkha.json"))
            #expect(FileManager.default.createFile(atPath: dir.appendingPathComponent("Policies/aa.json").path, contents: Data("{}".utf8)))
        }

        func file(_ name: String, _ text: String) -> String {
            let p = dir.appendingPathComponent(name).path
            #expect(FileManager.default.createFile(atPath: p, contents: Data(text.utf8)))
            return p
        }

        func run(_ args: [String]) throws -> CLI.Result { try CLI.run(args + flags) }
    }

    static let seedJSON = CLI.root.appendingPathComponent("seeds/agreements.json").path
    static let seedCSV = CLI.root.appendingPathComponent("seeds/agreements.csv").path

    let add = ["contract", "add", "--id", "C-9", "--kind", "contract", "--source", "ilkha", "--subscriber", "hurriyet",
               "--subscriber-name", "Hürriyet", "--signed", "2026-01-05", "--start", "2026-01-10", "--end", "2026-06-30",
               "--assets", "text,photo", "--channels", "web", "--territories", "TR,EU", "--exclude-territories", "DE",
               "--quota", "100/week", "--credit", "İLKHA", "--restrict-channels", "social", "--restrict-note", "no social media"]

    @Test func importListShowExport() throws {
        let env = try Env()
        let imported = try env.run(["contract", "import", Self.seedJSON])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 2 agreements for 2 subscribers"))
        let list = try env.run(["contract", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("C-2026-0007  contract  alsharq"))
        #expect(list.stdout.contains("L-2026-0031"))
        let json = try env.run(["contract", "list", "--format", "json"])
        let parsed = try JSONParser.parse(json.stdout)
        #expect(parsed.arrayValue?.count == 2)
        let show = try env.run(["contract", "show", "C-2026-0007"])
        #expect(show.stdout.contains("grant 1: text; use; whole, partial; web, print; TR, IQ; embargo PT1H; 300 per month"))
        #expect(show.stdout.contains("restriction 1: no social media"))
        let subs = try env.run(["subscriber", "list"])
        #expect(subs.stdout.contains("kurdistan24  Kurdistan 24"))
        let sub = try env.run(["subscriber", "show", "alsharq"])
        #expect(sub.status == 0 && sub.stdout.contains("C-2026-0007"))
        let odrl = try env.run(["contract", "export", "C-2026-0007", "--odrl"])
        #expect(odrl.status == 0)
        #expect(try JSONParser.parse(odrl.stdout)["@type"]?.stringValue == "Agreement")
        let export = try env.run(["contract", "export"])
        let again = try Env()
        let roundTrip = try again.run(["contract", "import", again.file("export.json", export.stdout)])
        #expect(roundTrip.status == 0, "\(roundTrip.stderr)")
    }

    @Test func csvImport() throws {
        let env = try Env()
        let r = try env.run(["contract", "import", Self.seedCSV])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try env.run(["contract", "show", "C-2026-0007"]).stdout.contains("grant 2: photo; reproduce; whole; web; IQ"))
    }

    @Test func addAmendEndHistory() throws {
        let env = try Env()
        let added = try env.run(add)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.hasPrefix("added contract C-9, version 1: hurriyet with ilkha"))
        let amended = try env.run(["contract", "amend", "C-9", "--effective", "2026-03-01", "--channels", "web,mobile", "--note", "mobile added"])
        #expect(amended.status == 0 && amended.stdout.contains("version 2"))
        let grant = try env.run(["contract", "amend", "C-9", "--effective", "2026-04-01", "--add-grant", "--assets", "video",
                                 "--channels", "tv", "--territories", "TR"])
        #expect(grant.status == 0, "\(grant.stderr)")
        let ended = try env.run(["contract", "end", "C-9", "--at", "2026-05-15", "--reason", "unpaid invoices"])
        #expect(ended.status == 0)
        let show = try env.run(["contract", "show", "C-9", "--as-of", "2026-03-15"])
        #expect(show.stdout.contains("in force at 2026-03-15T00:00:00Z: version 2"))
        #expect(show.stdout.contains("ended 2026-05-15T00:00:00Z: unpaid invoices"))
        #expect(show.stdout.contains("version 3  effective 2026-04-01T00:00:00Z"))
        #expect(show.stdout.contains("grant 2: video; use; whole, partial; tv; TR"))
        // Ended: no more amendments, no second end.
        #expect(try env.run(["contract", "amend", "C-9", "--effective", "2026-06-01", "--channels", "web"]).status == 65)
        #expect(try env.run(["contract", "end", "C-9", "--at", "2026-06-01", "--reason", "again"]).status == 65)
        // Active-at filter.
        #expect(try env.run(["contract", "list", "--active-at", "2026-05-20"]).stdout == "no agreements\n")
    }

    /// Grants and restrictions are numbered from 1 wherever a person reads or types them (`contract show`,
    /// `--grant`, `--remove-grant`, `--remove-restriction`), as `check` prints "grant 1".
    @Test func grantNumbersAreOneBased() throws {
        let env = try Env()
        #expect(try env.run(add).status == 0)
        let added = try env.run(["contract", "amend", "C-9", "--effective", "2026-02-01", "--add-grant", "--assets", "video",
                                 "--channels", "tv", "--territories", "TR"])
        #expect(added.status == 0, "\(added.stderr)")
        let show = try env.run(["contract", "show", "C-9"])
        #expect(show.stdout.contains("  grant 1: text, photo;"))
        #expect(show.stdout.contains("  grant 2: video;"))
        #expect(show.stdout.contains("  restriction 1: no social media"))
        // --grant 2 changes the second grant (video), not the first.
        let changed = try env.run(["contract", "amend", "C-9", "--effective", "2026-02-15", "--grant", "2", "--channels", "tv,web"])
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try env.run(["contract", "show", "C-9"]).stdout.contains("  grant 2: video; use; whole, partial; tv, web; TR"))
        // 0 is not a grant number; the hint says where numbering starts.
        let zero = try env.run(["contract", "amend", "C-9", "--effective", "2026-03-01", "--remove-grant", "0"])
        #expect(zero.status == 64)
        #expect(zero.stderr.contains("grants are numbered from 1"))
        #expect(try env.run(["contract", "amend", "C-9", "--effective", "2026-03-01", "--remove-grant", "3"]).status == 64)
        #expect(try env.run(["contract", "amend", "C-9", "--effective", "2026-03-01", "--remove-restriction", "0"]).status == 64)
        // --remove-grant 1 drops the first grant: the video grant becomes grant 1.
        let removed = try env.run(["contract", "amend", "C-9", "--effective", "2026-03-01", "--remove-grant", "1", "--remove-restriction", "1"])
        #expect(removed.status == 0, "\(removed.stderr)")
        let after = try env.run(["contract", "show", "C-9", "--as-of", "2026-03-02"])
        let latest = after.stdout.components(separatedBy: "version 4").last ?? ""
        #expect(latest.contains("  grant 1: video;"))
        #expect(!latest.contains("grant 2:"))
        #expect(!latest.contains("restriction 1:"))
    }

    @Test func addRefusesBadValuesNamingTheFlag() throws {
        let env = try Env()
        func replace(_ flag: String, _ value: String) -> [String] {
            var a = add
            if let i = a.firstIndex(of: flag) { a[i + 1] = value }
            return a
        }
        let channel = try env.run(replace("--channels", "web,podcast"))
        #expect(channel.status == 64)
        #expect(channel.stderr.contains("error[agreement.unknown_channel] at --channels: unknown channel `podcast`"))
        let territory = try env.run(replace("--territories", "TR,XX"))
        #expect(territory.status == 64 && territory.stderr.contains("at --territories: unknown territory `XX`"))
        let action = try env.run(add + ["--actions", "use,dance"])
        #expect(action.status == 64 && action.stderr.contains("unknown action `dance`"))
        let term = try env.run(replace("--end", "2026-01-01"))
        #expect(term.status == 64 && term.stderr.contains("agreement.bad_term"))
        let quota = try env.run(replace("--quota", "lots"))
        #expect(quota.status == 64 && quota.stderr.contains("flag.bad_quota"))
        let source = try env.run(replace("--source", "nosuch"))
        #expect(source.status == 78)
        #expect(source.stderr.contains("unknown source `nosuch`"))
        #expect(source.stderr.contains("known sources: `aa`, `ilkha`"))
        #expect(try env.run(add).status == 0)
        let dup = try env.run(add)
        #expect(dup.status == 65 && dup.stderr.contains("error[agreement.duplicate_id] at --id: agreement `C-9` already exists"))
        #expect(try env.run(["contract", "show", "NOPE"]).status == 65)
        #expect(try env.run(["contract", "end", "C-9", "--at", "someday", "--reason", "x"]).status == 64)
    }

    @Test func badImportIsRefusedWholeWithEveryProblem() throws {
        let env = try Env()
        #expect(try env.run(["contract", "import", Self.seedCSV]).status == 0)
        let before = try env.run(["contract", "export"]).stdout
        let bad = env.file("bad.json", """
            [{"id": "N-1", "kind": "contract", "source": "ilkha", "subscriber": {"id": "x"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-01-01", "end": "2026-12-31"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]},
             {"id": "N-2", "kind": "contract", "source": "ilkha", "subscriber": {"id": "x"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-01-01", "end": "2026-12-31"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["podcast"], "territories": ["XX"]}]},
             {"id": "N-3", "kind": "deal", "source": "ilkha", "subscriber": {"id": "x"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-03-01", "end": "2026-02-01"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]}]
            """)
        let r = try env.run(["contract", "import", bad])
        #expect(r.status == 65)
        for expected in ["$[1].grants[0].channels[0]: unknown channel `podcast`", "$[1].grants[0].territories[0]: unknown territory `XX`",
                         "$[2].kind: unknown agreement kind `deal`", "$[2].term.end"] {
            #expect(r.stderr.contains(expected), "\(r.stderr)")
        }
        // Records that are fine on their own but clash with the database.
        let clash = env.file("clash.json", """
            [{"id": "C-2026-0007", "kind": "contract", "source": "ilkha", "subscriber": {"id": "x"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-01-01", "end": "2026-12-31"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]},
             {"id": "N-5", "kind": "contract", "source": "elsewhere", "subscriber": {"id": "x"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-01-01", "end": "2026-12-31"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]}]
            """)
        let c = try env.run(["contract", "import", clash])
        #expect(c.status == 65)
        #expect(c.stderr.contains("$[0].id: agreement `C-2026-0007` already exists"))
        #expect(c.stderr.contains("$[1].source: unknown source `elsewhere`"))
        #expect(try env.run(["contract", "export"]).stdout == before)
        let onlySource = env.file("src.csv", "id,kind,source,subscriber,signed_at,term_start,term_end,assets,actions,extent,channels,territories\nZ,contract,elsewhere,x,2026-01-01,2026-01-01,2026-12-31,text,use,whole,web,TR\n")
        #expect(try env.run(["contract", "import", onlySource]).status == 78)
        let badCSV = env.file("bad.csv", "id,kind,source,subscriber,signed_at,term_start,term_end,assets,actions,extent,channels,territories\nZ,contract,ilkha,x,2026-01-01,2026-01-01,2026-12-31,text,use,whole,tv;podcast,TR\n")
        let b = try env.run(["contract", "import", badCSV])
        #expect(b.status == 65 && b.stderr.contains("line 2, column `channels`: unknown channel `podcast`"))
        // Parse errors and database clashes are reported together, in record order.
        let mixed = env.file("mixed.csv", "id,kind,source,subscriber,signed_at,term_start,term_end,assets,actions,extent,channels,territories\nC-2026-0007,contract,ilkha,x,2026-01-01,2026-01-01,2026-12-31,text,use,whole,web,TR\nM-1,contract,ilkha,x,2026-01-01,2026-01-01,2026-12-31,text,use,whole,podcast,TR\n")
        let m = try env.run(["contract", "import", mixed])
        #expect(m.status == 65)
        let lines = m.stderr.split(separator: "\n").filter { $0.hasPrefix("error") }
        #expect(lines.count == 2)
        #expect(lines.first?.contains("line 2, column `id`: agreement `C-2026-0007` already exists") == true)
        #expect(lines.last?.contains("line 3, column `channels`: unknown channel `podcast`") == true)
        #expect(try env.run(["contract", "import", "/nonexistent/file.json"]).status == 66)
        #expect(try env.run(["contract", "import", env.file("garbage.json", "[{")]).status == 65)
    }

    @Test func logListsAndFiltersDecisions() throws {
        let env = try Env()
        let store = try Store.open(path: env.db)
        func entry(_ id: String, _ decision: String, _ subscriber: String, _ at: String) -> DecisionLogEntry {
            DecisionLogEntry(decisionId: id, decidedAt: Date(timeIntervalSince1970: ISO8601Seconds(at)), requestId: "r-" + id, subscriber: subscriber, source: "ilkha",
                decision: decision, policyHash: nil, agreementVersions: [AgreementVersionRef(id: "C-2026-0007", version: 1)],
                request: ["id": .string("r-" + id)], response: ["decision": .string(decision)])
        }
        try store.appendDecisions([entry("d-1", "permit", "alsharq", "2026-03-01T10:00:00Z"),
                                   entry("d-2", "deny", "alsharq", "2026-03-02T10:00:00Z"),
                                   entry("d-3", "deny", "rudaw", "2026-04-01T10:00:00Z")])
        let all = try env.run(["log"])
        #expect(all.status == 0)
        #expect(all.stdout.split(separator: "\n").count == 4)
        let denies = try env.run(["log", "--decision", "deny", "--format", "jsonl"])
        #expect(denies.stdout.split(separator: "\n").count == 2)
        #expect(try env.run(["log", "--subscriber", "rudaw"]).stdout.contains("r-d-1") == false)
        #expect(try env.run(["log", "--subscriber", "rudaw"]).stdout.contains("r-d-3"))
        #expect(try env.run(["log", "--until", "2026-03-01"]).stdout.contains("r-d-2") == false)
        #expect(try env.run(["log", "--since", "2026-03-02", "--until", "2026-03-02"]).stdout.contains("r-d-2"))
        #expect(try env.run(["log", "--newest-first", "--limit", "1", "--format", "json"]).stdout.contains("\"d-3\""))
        #expect(try env.run(["log", "--decision", "maybe"]).status == 64)
        #expect(try env.run(["log", "--since", "yesterday"]).status == 64)
        let verify = try CLI.run(["verify", "--db", env.db])
        #expect(verify.status == 0 && verify.stdout.contains("decision_log: 3 rows, chain intact"))
    }

    /// The decisions a database file holds, read with a plain read-only connection that also reads a `-wal` beside it.
    static func loggedRequestIds(_ path: String) throws -> [String] {
        let store = try Store.open(path: path)
        defer { try? store.close() }
        return try store.decisions().compactMap(\.requestId)
    }

    @Test("a logged check leaves its decision in the -wal file; later processes and backups see it")
    func loggedCheckWithoutCheckpointOnClose() throws {
        let env = try Env()
        #expect(try env.run(["contract", "import", Self.seedJSON]).status == 0)
        let check = try env.run(["check", "--subscriber", "alsharq", "--source", "ilkha", "--asset-id", "a1", "--kind", "text",
                                 "--published-at", "2026-11-29T08:00:00Z", "--channel", "web", "--territory", "IQ",
                                 "--at", "2026-11-29T10:00:00Z", "--id", "wal-1", "--format", "json"])
        #expect(check.status == 0, "\(check.stderr)")
        // The process exited without checkpointing: its commit is in the -wal file.
        let wal = (try? FileManager.default.attributesOfItem(atPath: env.db + "-wal"))?[.size] as? NSNumber
        #expect((wal?.intValue ?? 0) > 0, "expected the -wal file to hold the logged decision")
        // A new process and a fresh store facade both see the decision.
        let log = try env.run(["log", "--format", "jsonl"])
        #expect(log.status == 0 && log.stdout.contains("wal-1"), "\(log.stdout)\(log.stderr)")
        #expect(try Self.loggedRequestIds(env.db) == ["wal-1"])
        // A backup taken now holds it, as one self-contained file (no -wal beside it).
        let backup = env.dir.appendingPathComponent("b.sqlite").path
        let b = try CLI.run(["backup", backup, "--db", env.db])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"))
        let copy = env.dir.appendingPathComponent("copy-of-b.sqlite").path
        try FileManager.default.copyItem(atPath: backup, toPath: copy)  // the file alone, as a user would copy it
        #expect(try Self.loggedRequestIds(copy) == ["wal-1"])
        #expect(try CLI.run(["verify", "--db", copy]).stdout.contains("decision_log: 1 row, chain intact"))
        // Restoring it into a new database gives the decision back.
        let restored = env.dir.appendingPathComponent("r.sqlite").path
        let r = try CLI.run(["restore", backup, "--db", restored])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.loggedRequestIds(restored) == ["wal-1"])
        // A process that opens the database with a `-wal` above the limit checkpoints and truncates it; nothing is lost.
        let small = try CLI.run(["log", "--format", "jsonl", "--db", env.db], env: ["CLEARANCE_WAL_TRUNCATE_BYTES": "1"])
        #expect(small.status == 0 && small.stdout.contains("wal-1"))
        let after = (try? FileManager.default.attributesOfItem(atPath: env.db + "-wal"))?[.size] as? NSNumber
        #expect((after?.intValue ?? 0) == 0, "expected the -wal file truncated")
        #expect(try Self.loggedRequestIds(env.db) == ["wal-1"])
    }

    @Test func crashMidImportLeavesNoHalfBatch() throws {
        let env = try Env()
        var text = "["
        for i in 0..<20_000 {
            text += (i == 0 ? "" : ",") + #"{"id": "K-\#(i)", "kind": "contract", "source": "ilkha", "subscriber": {"id": "s\#(i % 100)"}, "signedAt": "2026-01-01", "term": {"start": "2026-01-01", "end": "2026-12-31"}, "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]}"#
        }
        let file = env.file("big.json", text + "]")
        guard let exe = CLI.executable else { throw FixtureFailure("no executable") }
        for delay in [0.3, 0.8] {
            let p = Process()
            p.executableURL = exe
            p.arguments = ["contract", "import", file] + env.flags
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let count = try Store.open(path: env.db).agreementSummaries().count
            #expect(count == 0 || count == 20_000, "half a batch: \(count)")
            if count == 20_000 { break }
        }
        #expect(try CLI.run(["verify", "--db", env.db]).status == 0)
    }
}

/// Seconds since 1970 of an ISO 8601 UTC time (test helper).
func ISO8601Seconds(_ s: String) -> TimeInterval {
    guard case .success(let p) = ISO8601.parseDateTime(s) else { return 0 }
    return Double(p.instant.millisecondsSinceEpoch) / 1000
}

/// Two `contract import` processes and a `check --record` loop at once on one database.
@Suite struct StoreConcurrencyCLITests {
    @Test func importsAndRecordingChecksAtOnce() throws {
        let env = try StoreCommandTests.Env()
        let quota = env.file("quota.json", """
            [{"id": "Q-1", "kind": "contract", "source": "ilkha", "subscriber": {"id": "alsharq"}, "signedAt": "2026-01-01",
              "term": {"start": "2026-01-01", "end": "2026-12-31"},
              "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["IQ"],
                          "quota": {"count": 8, "per": "month"}}]}]
            """)
        #expect(try env.run(["contract", "import", quota]).status == 0)
        func big(_ prefix: String) -> String {
            var t = "["
            for i in 0..<3_000 {
                t += (i == 0 ? "" : ",") + #"{"id": "\#(prefix)-\#(i)", "kind": "contract", "source": "ilkha", "subscriber": {"id": "\#(prefix)\#(i % 40)"}, "signedAt": "2026-01-01", "term": {"start": "2026-01-01", "end": "2026-12-31"}, "grants": [{"assets": ["text"], "actions": ["use"], "extent": ["whole"], "channels": ["web"], "territories": ["TR"]}]}"#
            }
            return env.file("\(prefix).json", t + "]")
        }
        let files = [big("A"), big("B")]
        guard let exe = CLI.executable else { throw FixtureFailure("no executable") }
        var importers: [(Process, Pipe)] = []
        for f in files {
            let p = Process(), err = Pipe()
            p.executableURL = exe
            p.arguments = ["contract", "import", f] + env.flags
            p.standardOutput = FileHandle.nullDevice
            p.standardError = err
            try p.run()
            importers.append((p, err))
        }
        var permits = 0, denies = 0, failures: [String] = []
        for i in 0..<14 {
            let r = try CLI.run(["check", "--record", "--id", "r\(i)", "--subscriber", "alsharq", "--source", "ilkha",
                                 "--asset-id", "a\(i)", "--kind", "text", "--channel", "web", "--territory", "IQ",
                                 "--at", "2026-03-10T10:00:00Z", "--db", env.db, "--policies", env.policies])
            switch r.status {
            case 0: permits += 1
            case 1: denies += 1
            default: failures.append("\(r.status): \(r.stderr)")
            }
        }
        for (p, err) in importers {
            p.waitUntilExit()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 0, "\(text)")
            #expect(!text.contains("locked") && !text.contains("busy"))
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(permits == 8 && denies == 6)
        let store = try Store.open(path: env.db)
        #expect(try store.agreementSummaries().count == 6_001)
        var uses = 0
        try store.forEachUse { _ in uses += 1 }
        #expect(uses == 8)
        #expect(try store.decisions().count == 14)
    }
}
