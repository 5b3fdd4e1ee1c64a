import ClearanceCore

/// Connects the audit to the news decider (the very one `check` uses) and to the policies folder.
enum DeciderBridge {
    /// The decide function of an audit: the notice of the event's source (read once per source),
    /// the versions in force at the event's time of the subscriber's agreements with it, and the
    /// uses the audit has counted so far.
    static func decide(book: AgreementBook, notices: NoticeCache) -> Auditor.Decide {
        // One decider per (source, set of versions) would save little: building one is a few array copies.
        return { (r: RepublicationRequest, usage: AuditUsage) throws(DiagnosticError) -> NewsDecision in
            let loaded = try notices.notice(for: r.source)
            let prepared = try book.prepared(subscriber: r.subscriber, source: r.source, at: r.at)
            return NewsDecider(notice: loaded.notice, agreements: prepared).decide(r, usage: usage)
        }
    }
}
