import ClearanceCore

/// Connects the audit to the news decider (the very one `check` uses) and to the policies folder.
enum DeciderBridge {
    /// The decide function of an audit: the notice of the event's source (read once per source),
    /// the versions in force at the event's time of the subscriber's agreements with it, and the
    /// uses the audit has counted so far.
    static func decide(book: AgreementBook, notices: NoticeCache, cache: DecisionCache? = DecisionCache()) -> Auditor.Decide {
        return { (r: RepublicationRequest, usage: AuditUsage) throws(DiagnosticError) -> NewsDecision in
            let loaded = try notices.notice(for: r.source)
            let versions = try book.preparedVersions(subscriber: r.subscriber, source: r.source, at: r.at)
            let decide = { NewsDecider(notice: loaded.notice, agreements: versions.map(\.prepared)).decide(r, usage: usage) }
            guard let cache else { return decide() }
            return cache.decision(for: r, notice: loaded.notice, versions: versions, usage: usage, decide: decide)
        }
    }
}
