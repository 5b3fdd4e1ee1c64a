import ClearanceCore

/// Agreements, usage ledger and decision log from the SQLite store (placeholder until the store lands).
enum StoreBackend {
    /// Opens the database backend.
    static func open(flag: String?, record: Bool, log: Bool) throws(DiagnosticError) -> CheckBackend {
        throw DiagnosticError(Diagnostic(code: "check.no_database", message: "this build has no database support yet",
                                         hint: "pass the agreements with `--agreements FILE` (a JSON array)", category: .io))
    }
}
