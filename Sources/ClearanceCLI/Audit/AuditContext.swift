import ClearanceCore
import Foundation

/// What an audit judges with: the agreements (from files and/or the database), the policies, and the news decider.
struct AuditContext {
    let book: AgreementBook
    var decide: Auditor.Decide
    /// Opens the ledger as a source of stored events (nil when no database is in use).
    var openLedger: (() throws(DiagnosticError) -> UsageEventSource?)?

    /// A fresh auditor over this context.
    var auditor: Auditor {
        let b = book
        return Auditor(decide: decide, agreementAsOf: { id, at in b.asOf(id, at: at) })
    }

    /// The ledger source, if a database is in use.
    func ledgerSource() throws(DiagnosticError) -> UsageEventSource? {
        guard let openLedger else { return nil }
        return try openLedger()
    }

    /// Loads agreements from JSON array files; the database and policies come with the decider (see `DeciderBridge`).
    static func load(agreementFiles: [String], db: String?, policies: String?, needLedger: Bool) throws(DiagnosticError) -> AuditContext {
        var all: [Agreement] = []
        for path in agreementFiles {
            let bytes: [UInt8]
            do { bytes = try InputFile.readAll(path) } catch { throw DiagnosticError(error) }
            let value: JSONValue
            do { value = try JSONParser.parse(bytes) } catch {
                var d = error
                d.location = "\(path): " + (d.location ?? "")
                throw DiagnosticError(d)
            }
            let (list, diags) = Agreement.parseList(value)
            let errors = diags.filter { $0.severity == .error }
            if !errors.isEmpty {
                throw DiagnosticError(errors.map { d in
                    var d = d
                    d.location = "\(path): " + (d.location ?? "")
                    return d
                })
            }
            all.append(contentsOf: list)
        }
        return try DeciderBridge.context(agreements: all, db: db, policies: policies, needLedger: needLedger)
    }
}
