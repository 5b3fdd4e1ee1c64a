import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// Shared by the maintenance commands: the `--db` option and turning store errors into exits.
enum Maintenance {
    /// The exit status for a store failure: 75 when busy, else the first diagnostic's category
    /// (`backup.exists` / `restore.target_exists` are usage errors: 64).
    static func status(_ e: DiagnosticError) -> ExitStatus {
        guard let first = e.diagnostics.first else { return .software }
        if Store.isBusy(first) { return .tempFail }
        if ["backup.exists", "restore.target_exists"].contains(first.code) { return .usage }
        if first.code == "input.not_found" { return .noInput }
        return ExitStatus(first.category)
    }

    /// Opens an existing database (never creates one: a typo must not yield an empty database).
    static func openExisting(_ flag: String?) throws -> Store {
        let path = Store.resolvePath(flag: flag)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw fail(Diagnostic(code: "store.not_found", message: "no database at `\(path)`",
                                  hint: "pass `--db PATH` or set $CLEARANCE_DB", category: .io), status: .noInput)
        }
        do { return try Store.open(path: path) } catch {
            throw fail(error, status: Maintenance.status(DiagnosticError(error)))
        }
    }

    /// JSON for one chain's result.
    static func json(_ t: ChainReport.Table) -> JSONValue {
        var o = JSONObject()
        o["table"] = .string(t.table)
        o["rows"] = .number(Double(t.rows))
        o["head"] = .string(t.head)
        o["problem"] = t.problem.map { .string($0.message) } ?? .null
        if let p = t.problem {
            o["code"] = .string(p.code)
            if let l = p.location { o["location"] = .string(l) }
        }
        return .object(o)
    }

    /// One line per chain: `decision_log: 120 rows, chain intact, head 3f2a…`, or, for a broken chain,
    /// how many rows are intact before the break and their head (`rows` counts the row that broke it).
    static func text(_ t: ChainReport.Table) -> String {
        func rows(_ n: Int) -> String { "\(n) row\(n == 1 ? "" : "s")" }
        guard t.problem != nil else { return "\(t.table): \(rows(t.rows)), chain intact, head \(t.head)" }
        return "\(t.table): CHAIN BROKEN after \(rows(max(0, t.rows - 1))) intact, head \(t.head)"
    }
}

/// `clearance verify`: SQLite's integrity check, foreign keys, and the decision-log and
/// usage-ledger hash chains; names the first altered or deleted row.
public struct VerifyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: SQLite integrity and the hash chains of the decision log and usage ledger.",
        discussion: """
        Exit 0 when everything is intact; 65 with `chain.bad_hash` (a row was changed), \
        `chain.missing_row` (a row was deleted), `chain.broken_link`, `chain.head_not_found`, \
        `ledger.bad_document` (a usage-ledger document that is not a JSON object) or `store.integrity` otherwise. Publish the printed heads somewhere the database's \
        writers cannot change, and pass them back with `--head` to detect a rewritten chain.
        """
    )

    @Option(name: .long, help: "The database (default: $CLEARANCE_DB, else ./clearance.sqlite).")
    var db: String?

    @Option(name: .long, help: "text or json.")
    var format: String = "text"

    @Option(name: .long, parsing: .singleValue,
            help: ArgumentHelp("A head published earlier, as TABLE=HASH (repeatable): it must still be in that chain.", valueName: "table=hash"))
    var head: [String] = []

    public init() {}

    public func validate() throws {
        guard ["text", "json"].contains(format) else {
            throw ValidationError("`--format` must be text or json, not `\(format)`")
        }
        for h in head {
            let parts = h.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["decision_log", "usage_ledger"].contains(parts[0]),
                  parts[1].count == 64, parts[1].allSatisfy(\.isHexDigit) else {
                throw ValidationError("`--head \(h)`: expected decision_log=HASH or usage_ledger=HASH with a 64-digit SHA-256")
            }
        }
    }

    public func run() throws {
        let store = try Maintenance.openExisting(db)
        var problems: [Diagnostic] = []
        let report: ChainReport
        do {
            problems += try store.integrityProblems()
            report = try store.verifyChains()
            problems += report.tables.compactMap(\.problem)
            for h in head {
                let parts = h.split(separator: "=", maxSplits: 1).map(String.init)
                if !(try store.chainContains(table: parts[0], hash: parts[1].lowercased())) {
                    problems.append(Diagnostic(
                        code: "chain.head_not_found",
                        message: "\(parts[0]) no longer contains the published head `\(parts[1])`",
                        hint: "rows up to that head were changed or deleted, and the chain rebuilt", location: parts[0],
                        category: .invalidValue))
                }
            }
        } catch {
            throw fail(error.diagnostics, status: Maintenance.status(error))
        }
        if format == "json" {
            var o = JSONObject()
            o["ok"] = .bool(problems.isEmpty)
            o["tables"] = .array(report.tables.map(Maintenance.json))
            o["problems"] = .array(problems.map { d in
                var p = JSONObject()
                p["code"] = .string(d.code); p["message"] = .string(d.message)
                if let l = d.location { p["location"] = .string(l) }
                return .object(p)
            })
            print(JSONValue.object(o).serialized(pretty: true))
        } else {
            for t in report.tables { print(Maintenance.text(t)) }
            if problems.isEmpty { print("ok: integrity check passed, both chains intact") }
        }
        if !problems.isEmpty { throw fail(problems, status: .dataError) }
    }
}

/// `clearance backup PATH`: a consistent copy of the database taken with SQLite's online
/// backup while other processes keep writing.
public struct BackupCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to PATH (online: other processes may keep writing).",
        discussion: "The copy is checked (integrity, chains) before it appears under PATH; prints its chain heads."
    )

    @Argument(help: "The backup file to write.")
    var path: String

    @Option(name: .long, help: "The database (default: $CLEARANCE_DB, else ./clearance.sqlite).")
    var db: String?

    @Flag(name: .long, help: "Replace PATH if it exists.")
    var force = false

    public init() {}

    public func run() throws {
        let store = try Maintenance.openExisting(db)
        do {
            let r = try store.backup(to: path, overwrite: force)
            print("backed up \(store.path) to \(r.path): \(r.pages) pages, \(r.bytes) bytes")
            for t in r.chains.tables { print(Maintenance.text(t)) }
        } catch {
            throw fail(error.diagnostics, status: Maintenance.status(error))
        }
    }
}

/// `clearance restore BACKUP`: checks a backup (integrity, Clearance schema, chains), then
/// copies it into the database.
public struct RestoreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the database from a backup file, after checking the backup's integrity and chains.",
        discussion: "Refuses a damaged or altered backup (exit 65) and leaves the database untouched; needs `--force` to replace an existing database."
    )

    @Argument(help: "The backup file (written by `clearance backup`).")
    var backup: String

    @Option(name: .long, help: "The database to restore into (default: $CLEARANCE_DB, else ./clearance.sqlite).")
    var db: String?

    @Flag(name: .long, help: "Replace an existing database.")
    var force = false

    public init() {}

    public func run() throws {
        let target = Store.resolvePath(flag: db)
        do {
            let r = try Store.restore(from: backup, to: target, overwrite: force)
            print("restored \(r.path) from \(backup) (schema version \(r.schemaVersion))")
            for t in r.chains.tables { print(Maintenance.text(t)) }
        } catch {
            throw fail(error.diagnostics, status: Maintenance.status(error))
        }
    }
}
