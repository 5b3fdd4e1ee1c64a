import ClearanceCore
import ClearanceStore
import Foundation
import Testing

/// Runs the built `clearance` binary as a subprocess, the way an operator or a CMS does.
///
/// The binary is `$CLEARANCE_BIN`, else the one next to the test bundle (`.build/debug/clearance`).
enum CLI {
    /// The repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Path of the `clearance` executable under test.
    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["CLEARANCE_BIN"], !b.isEmpty { return b }
        var candidates: [String] = []
        if let exe = Bundle.main.executablePath { candidates.append((exe as NSString).deletingLastPathComponent) }
        candidates.append(Bundle.main.bundlePath)
        candidates.append((Bundle.main.bundlePath as NSString).deletingLastPathComponent)
        candidates.append(root.appendingPathComponent(".build/debug").path)
        for dir in candidates {
            let p = (dir as NSString).appendingPathComponent("clearance")
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return root.appendingPathComponent(".build/debug/clearance").path
    }()

    /// True when this build has `clearance usage import` (landed by the audit work; the crash and
    /// concurrency tests include usage imports whenever it is there).
    static let hasUsageImport: Bool = ((try? run(["--help"]))?.stdout ?? "").contains("\n  usage ")

    /// What a finished subprocess did.
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal (a crash), not an exit.
        var signalled: Bool
        var description: String { "exit \(status)\(signalled ? " (signal)" : "")\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))" }
    }

    /// Runs `clearance ARGS` in `cwd` with `stdin` bytes, extra environment, and waits for it.
    static func run(_ args: [String], cwd: String? = nil, stdin: [UInt8]? = nil, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        environment.removeValue(forKey: "CLEARANCE_DB")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let box = OutputBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { box.out = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { box.err = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { inp.fileHandleForWriting.write(Data(stdin)) }
        try? inp.fileHandleForWriting.close()
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, stdout: String(decoding: box.out, as: UTF8.self),
                      stderr: String(decoding: box.err, as: UTF8.self), signalled: p.terminationReason == .uncaughtSignal)
    }

    /// Collects a subprocess's output from two reader threads.
    final class OutputBox: @unchecked Sendable {
        var out = Data()
        var err = Data()
    }
}

/// A temporary folder for one test (database, inputs, backups), removed at deinit.
final class TempDir {
    let path: String
    init(_ label: String = "hardening") {
        path = NSTemporaryDirectory() + "clearance-\(label)-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    /// A path inside the folder.
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    /// Writes bytes to a file inside the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = file(name)
        #expect(FileManager.default.createFile(atPath: p, contents: Data(bytes)), "could not write \(p)")
        return p
    }
}

/// Fills a database through the store facade: `decisions` logged decisions and `uses` ledger rows.
enum Populate {
    /// A decision-log entry for request number `n` (no policy, no agreement: fine for the chain).
    static func decision(_ n: Int, process: String = "t") -> DecisionLogEntry {
        let req = JSONValue.object(JSONObject([("id", .string("\(process)-r\(n)")), ("subscriber", .string("alsharq")), ("source", .string("ilkha"))]))
        let resp = JSONValue.object(JSONObject([("id", .string("\(process)-r\(n)")), ("decision", .string(n % 3 == 0 ? "permit" : "deny"))]))
        return DecisionLogEntry(decidedAt: Date(timeIntervalSince1970: 1_795_000_000 + Double(n)), requestId: "\(process)-r\(n)",
                                subscriber: "alsharq", source: "ilkha", decision: n % 3 == 0 ? "permit" : "deny",
                                policyHash: nil, agreementVersions: [], request: req, response: resp)
    }

    /// A usage-ledger entry for use number `n`.
    static func use(_ n: Int, process: String = "t") -> LedgerEntry {
        let doc = JSONValue.object(JSONObject([("id", .string("\(process)-u\(n)")), ("url", .string("https://example.com/\(n)"))]))
        return LedgerEntry(eventId: "\(process)-u\(n)", origin: .import, at: Date(timeIntervalSince1970: 1_795_000_000 + Double(n)),
                           subscriber: "alsharq", source: "ilkha", assetId: "ilkha-\(n)", assetKind: "text", action: "reproduce",
                           extent: "whole", channel: "web", territory: "IQ", document: doc)
    }

    /// Creates a database at `path` with `decisions` decisions and `uses` uses.
    static func database(_ path: String, decisions: Int, uses: Int) throws {
        let store = try Store.open(path: path, busyTimeout: 30)
        _ = try store.appendDecisions((1...max(decisions, 1)).prefix(decisions).map { decision($0) })
        if uses > 0 { _ = try store.importUsage((1...uses).map { use($0) }) }
        try store.close()
    }
}

/// Runs the `sqlite3` shell on a database (what someone tampering with the file would use).
enum SQLiteShell {
    /// True when the `sqlite3` shell is installed (`.ci/run` installs it).
    static var available: Bool { path != nil }
    static let path: String? = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3", "/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `sql` against `db` and returns (status, output).
    @discardableResult
    static func run(_ db: String, _ sql: String) throws -> (Int32, String) {
        guard let path else { return (127, "sqlite3 not installed") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = [db]
        let inp = Pipe(), out = Pipe()
        p.standardInput = inp
        p.standardOutput = out
        p.standardError = out
        try p.run()
        inp.fileHandleForWriting.write(Data(sql.utf8))
        try? inp.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// SHA-256 of a file's bytes, to prove a rejected command left a database byte-for-byte unchanged.
func fileDigest(_ path: String) -> String? {
    guard let d = FileManager.default.contents(atPath: path) else { return nil }
    return SHA256.hex([UInt8](d))
}
