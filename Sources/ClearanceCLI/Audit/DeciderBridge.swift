import ClearanceCore

/// Connects the audit to the news decider (the very one `check` uses) and to the policies folder.
enum DeciderBridge {
    /// The decide function of an audit: the notice of the event's source (read once per source),
    /// the versions in force at the event's time of the subscriber's agreements with it, and the
    /// uses the audit has counted so far.
    static func decide(book: AgreementBook, notices: NoticeCache) -> Auditor.Decide {
        // The decider's memo (which time-independent dimensions failed, per agreement version, grant
        // and request shape) makes a repeated kind of denial cheap to explain. One audit runs its
        // decisions on one thread, so one memo serves the whole run; it is replaced when it has grown
        // large, which keeps memory bounded on any log (the memo only ever saves work).
        let memo = MemoHolder()
        return { (r: RepublicationRequest, usage: AuditUsage) throws(DiagnosticError) -> NewsDecision in
            let loaded = try notices.notice(for: r.source)
            let versions = try book.preparedVersions(subscriber: r.subscriber, source: r.source, at: r.at)
            return NewsDecider(notice: loaded.notice, agreements: versions.map(\.prepared)).decide(r, usage: usage, memo: memo.current())
        }
    }
}

/// The audit's ``DecisionMemo``, replaced by a fresh one once it remembers `limit` shapes.
final class MemoHolder {
    private var memo = DecisionMemo()
    let limit: Int
    init(limit: Int = 200_000) { self.limit = limit }
    func current() -> DecisionMemo {
        if memo.count >= limit { memo = DecisionMemo() }
        return memo
    }
}
