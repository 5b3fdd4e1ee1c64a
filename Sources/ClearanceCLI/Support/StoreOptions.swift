import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// The `--db` and `--policies` options every command that touches the database shares.
public struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The database file (created on first use).", discussion: "Default: $CLEARANCE_DB, else ./clearance.sqlite.",
        valueName: "path"))
    public var db: String?

    @Option(name: .customLong("policies"), help: ArgumentHelp(
        "The folder of source policies (NAME.json is source NAME).", discussion: "Default: $CLEARANCE_POLICIES, else ./Policies.",
        valueName: "dir"))
    public var policies: String?

    public init() {}

    /// The database path in effect.
    public var databasePath: String { Store.resolvePath(flag: db) }

    /// The policies folder in effect.
    public var policyFolder: PolicyFolder { PolicyFolder.resolve(flag: policies) }

    /// Opens the database, or reports why not and returns the exit status to throw.
    public func open() throws(ExitCode) -> Store {
        do {
            return try Store.open(path: databasePath)
        } catch {
            throw storeFailure(DiagnosticError(error))
        }
    }
}

/// Reports a store error and returns the exit status: 75 when the database stayed busy,
/// 78 for an unknown source or a newer schema, else by the first error's category.
public func storeFailure(_ e: DiagnosticError, file: String? = nil) -> ExitCode {
    let errors = e.diagnostics.filter { $0.severity == .error }
    if errors.contains(where: Store.isBusy) { return fail(e.diagnostics, file: file, status: .tempFail) }
    if errors.contains(where: { $0.code == "source.unknown" || $0.code == "store.newer_schema" }) {
        return fail(e.diagnostics, file: file, status: .config)
    }
    return fail(e.diagnostics, file: file)
}

/// Parses a date or date-time flag (`2026-11-29`, `2026-11-29T10:00:00Z`), or exits 64 naming the flag.
func parseInstantFlag(_ text: String, flag: String, endOfDay: Bool = false) throws(ExitCode) -> Instant {
    switch ISO8601.parseDateTime(text) {
    case .success(let p): return endOfDay && p.isDateOnly ? p.endOfDayExclusive : p.instant
    case .failure(let e):
        throw fail(Diagnostic(code: "flag.bad_date", message: "`\(flag)` `\(text)`: \(e.message)",
                              hint: "write a date `2026-11-29` or a UTC time `2026-11-29T10:00:00Z`"), status: .usage)
    }
}

/// Writes text to standard output (with a final newline).
func printOut(_ text: String) {
    var t = text
    if !t.hasSuffix("\n") { t += "\n" }
    FileHandle.standardOutput.write(Data(t.utf8))
}

/// Lays out rows as left-aligned columns separated by two spaces.
func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        var s = ""
        for (i, c) in cells.enumerated() {
            if i == cells.count - 1 { s += c } else { s += c + String(repeating: " ", count: widths[i] - c.count + 2) }
        }
        return s
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}
