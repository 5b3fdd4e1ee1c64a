import ClearanceStore
import ClearanceCore
import Foundation

/// What an audit judges with: the agreements (from files and/or the database), the policies, and the news decider.
struct AuditContext {
    let book: AgreementBook
    /// The database, when one is in use (agreements, and the ledger for quotas or `--ledger`).
    var store: Store?
    /// The policies read so far (thread-safe, shared by decide workers).
    var notices: NoticeCache
    /// The ids of the agreements the database holds (the ledger can name only those: a foreign key).
    var storedAgreements: Set<String> = []

    /// An auditor with a decider of its own (its own memo) over the same agreements and policies,
    /// for a decide worker thread (see ParallelAudit.swift).
    ///
    /// The auditor reads the policies into a notice cache of its own and decides with a territory table
    /// of its own: a decider holds both, and a notice or table shared by the decide threads had its
    /// reference counts changed from both cores for every event (perf, 1M events, before: the retains of
    /// copying the deciders alone were 2.3% of all samples, for ~12 instructions an event in callgrind;
    /// audit session 6 in bench/PROFILE.md).
    func freshAuditor() -> Auditor {
        let b = book
        let own = NoticeCache(folder: notices.folder)
        return Auditor(deciderRefFor: DeciderBridge.deciderFor(book: b, notices: own, territories: AgreementBook.threadTerritories()),
                       memo: DeciderBridge.memo(), agreementAsOf: { id, at in b.asOf(id, at: at) })
    }

    /// A fresh auditor over this context (the one the sequential audit decides with).
    var auditor: Auditor { freshAuditor() }

    /// Loads agreements from JSON array files and (every version of every agreement) from the store.
    static func load(agreementFiles: [String], store: Store?, policies: String?, requireAgreements: Bool) throws(DiagnosticError) -> AuditContext {
        var all: [Agreement] = []
        for path in agreementFiles {
            let bytes: [UInt8]
            do { bytes = try InputFile.readAll(path) } catch { throw DiagnosticError(error) }
            // The common case, a clean file: `contract import`'s reader (its elements read by the byte-level
            // `AgreementScanner` on every core, no `JSONValue` tree: the tree of the bench's 11 MB file was
            // 155 MB and most of the load time). Anything else (an error, a duplicate id) goes through the
            // strict path below, so the diagnostics are exactly what they were.
            let fast = AgreementFile.parseJSON(bytes)
            if !fast.hasErrors, AuditContext.distinctIDs(fast.agreements) {
                all.append(contentsOf: fast.agreements)
                continue
            }
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
        var stored: Set<String> = []
        if let store {
            for h in try store.allAgreementHistories() {
                stored.insert(h.id)
                for v in h.versions { all.append(v.agreement) }
            }
        }
        if requireAgreements && all.isEmpty {
            throw DiagnosticError(Diagnostic(
                code: "audit.no_agreements", message: "no agreements to audit against",
                hint: "pass `--agreements FILE` (a JSON array) or `--db PATH` (contracts registered with `clearance contract add`)",
                category: .invalidValue))
        }
        let book = AgreementBook(all)
        let notices = NoticeCache(folder: NoticeCache.resolveFolder(flag: policies))
        return AuditContext(book: book, store: store, notices: notices, storedAgreements: stored)
    }

    /// True when no two agreements share an id (the strict reader reports a repeated id as an error).
    static func distinctIDs(_ list: [Agreement]) -> Bool {
        var seen = Set<String>()
        seen.reserveCapacity(list.count)
        return list.allSatisfy { seen.insert($0.id).inserted }
    }

    /// The ledger as a time-ordered feed of events (`seq` as the line number); nil without a database.
    func ledgerFeed(filters: AuditFilters) -> AuditRunner.LedgerFeed? {
        guard let store else { return nil }
        return { body in
            // Another subscriber's or source's uses cannot touch the quotas audited: let SQLite skip them.
            let subscriber = filters.subscribers.count == 1 ? filters.subscribers.first : nil
            let source = filters.sources.count == 1 ? filters.sources.first : nil
            let until = filters.to.map { Date(timeIntervalSince1970: Double($0.millisecondsSinceEpoch) / 1000) }
            var failure: Error?
            do {
                try store.forEachUse(until: until, subscriber: subscriber, source: source) { row in
                    let item: UsageLogReader.Item
                    do throws(Diagnostic) {
                        let v = try JSONParser.parse(row.document)
                        let (e, diags) = UsageEvent.parse(v, at: "line \(row.seq)")
                        if let e { item = .event(e, line: Int(row.seq)) } else {
                            item = .malformed(line: Int(row.seq), diagnostics: diags.filter { $0.severity == .error }, eventID: row.eventId)
                        }
                    } catch {
                        item = .malformed(line: Int(row.seq), diagnostics: [error], eventID: row.eventId)
                    }
                    do { try body(item) } catch { failure = error; throw error }
                }
            } catch {
                throw failure ?? error
            }
        }
    }
}
