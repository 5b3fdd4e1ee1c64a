import ClearanceCore

/// Connects the audit to the news decider (the one `check` uses) and the store.
enum DeciderBridge {
    /// The context for an audit: agreements from files (and the database), the decider, the ledger.
    static func context(agreements: [Agreement], db: String?, policies: String?, needLedger: Bool) throws(DiagnosticError) -> AuditContext {
        throw DiagnosticError(Diagnostic(code: "audit.decider_unavailable",
                                         message: "the news decider is not built into this version yet",
                                         category: .internalError))
    }
}
