import Foundation
import ClearanceCore

/// Connects the audit to the news decider (the very one `check` uses) and to the policies folder.
enum DeciderBridge {
    /// The decider of an event: the notice of the event's source (read once per source) and the
    /// versions in force at the event's time of the subscriber's agreements with it.
    ///
    /// One per decide thread (it keeps per-thread state); the deciders themselves are kept in the
    /// book per (subscriber, source) (``AgreementBook/decider(subscriber:source:at:notice:)``), so an
    /// event costs a dictionary lookup before the decision instead of building a decider.
    ///
    /// `notices` and `territories` should be the thread's own (see ``AuditContext/freshAuditor()``): the
    /// deciders hold them, and each event's decider is copied, a reference count changed per field.
    static func deciderFor(book: AgreementBook, notices: NoticeCache, territories: TerritoryTable = .builtin) -> Auditor.DeciderRefFor {
        // Deciders with no agreement (a subscriber without one with the source), per source.
        let bare = BareDeciders(territories: territories)
        return { (r: RepublicationRequest) throws(DiagnosticError) -> DeciderRef in
            // A party's decider shares the notice box of this thread's decider for the source (the one with no
            // agreements): one box per source and thread instead of one per party (`check --batch` measured
            // ~420 bytes a decider at 30,000 agreements, and a box per source stays in the cache).
            if let decider = try book.deciderRef(subscriber: r.subscriber, source: r.source, at: r.at, make: { (prepared) throws(DiagnosticError) in
                NewsDecider(sharingNoticeOf: try bare.decider(source: r.source, notices: notices).decider, agreements: prepared)
            }) {
                return decider
            }
            return try bare.decider(source: r.source, notices: notices)
        }
    }

    /// A decide thread's memo and scratch for the decider.
    ///
    /// The memo (which time-independent dimensions failed, per agreement version, grant and request
    /// shape) makes a repeated kind of denial cheap to explain. One per thread; it starts over when
    /// full, which keeps memory bounded on any log (the memo only ever saves work).
    static func memo() -> DecisionMemo { DecisionMemo(capacity: DeciderBridge.memoCapacity) }

    /// Explanations each decide thread remembers (the memo starts over when full); `$CLEARANCE_MEMO`
    /// overrides it for measurements.
    ///
    /// It was 200,000 shapes per thread. At 1M events (16,485 agreements) that was most of the peak
    /// RSS beyond the prepared agreements (see bench/PROFILE.md, audit session 4); `check --batch`
    /// found 4,096 per worker as fast as 100,000 (BatchPipeline.memoCapacity).
    static let memoCapacity = ProcessInfo.processInfo.environment["CLEARANCE_MEMO"].flatMap { Int($0) }.map { max(1, $0) } ?? 4_096
}

/// Per decide thread: the decider of each source for subscribers with no agreement with it.
final class BareDeciders {
    private var bySource: [String: DeciderRef] = [:]
    private let territories: TerritoryTable

    init(territories: TerritoryTable = .builtin) { self.territories = territories }

    func decider(source: String, notices: NoticeCache) throws(DiagnosticError) -> DeciderRef {
        if let d = bySource[source] { return d }
        let d = DeciderRef(NewsDecider(notice: try notices.notice(for: source).notice, agreements: [PreparedAgreement](), territories: territories))
        if bySource.count >= 1_024 { bySource.removeAll() }  // any number of sources in a log: bounded
        bySource[source] = d
        return d
    }
}
