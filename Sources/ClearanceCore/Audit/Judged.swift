/// One decision as the ``Auditor`` reads it: the facts at once, the words only when asked.
///
/// From the news decider it is the evaluation (``NewsDecider/evaluate(_:usage:memo:)``: verdict,
/// permitting grant, each agreement's outcome) with the decider, memo and counters that made it,
/// so that a denial's finding can word the one reason it quotes (``NewsDecider/reason(at:of:for:usage:memo:)``)
/// and a permit's duty check can read the grant's duties (``NewsDecider/duties(_:)``). From a
/// stand-in decider (tests) it is the worded ``NewsDecision``; both answer the same questions, so the
/// auditor has one denial and one duty check.
struct Judged {
    enum Form {
        case words(NewsDecision)
        case facts(NewsDecider, NewsEvaluation, DecisionMemo, AuditUsage)
    }

    let request: RepublicationRequest
    let form: Form

    init(_ request: RepublicationRequest, _ form: Form) {
        self.request = request
        self.form = form
    }

    var verdict: Verdict {
        switch form {
        case .words(let d): d.verdict
        case .facts(_, let e, _, _): e.verdict
        }
    }

    /// What a permit rests on (nil on a deny).
    var permittedBy: PermitBasis? {
        switch form {
        case .words(let d): d.permittedBy
        case .facts(let decider, let e, _, _): decider.permitBasis(e)
        }
    }

    /// A permit's duties (none on a deny).
    var duties: [DecisionDuty] {
        switch form {
        case .words(let d): d.duties
        case .facts(let decider, let e, _, _): decider.duties(e)
        }
    }

    /// The code and agreement of each reason, in the decision's order.
    func heads() -> [ReasonHead] {
        switch form {
        case .words(let d): d.reasons.map { ReasonHead(code: $0.code, agreement: $0.agreement) }
        case .facts(let decider, let e, _, let usage): decider.reasonHeads(e, for: request, usage: usage)
        }
    }

    /// The reason at `index` of the decision's reasons, worded (nil if there is none).
    func reason(at index: Int) -> Reason? {
        switch form {
        case .words(let d): d.reasons.indices.contains(index) ? d.reasons[index] : nil
        case .facts(let decider, let e, let memo, let usage): decider.reason(at: index, of: e, for: request, usage: usage, memo: memo)
        }
    }

    /// The version the decision judged with of agreement `id` (nil: ask the book).
    func agreement(_ id: String) -> Agreement? {
        switch form {
        case .words: return nil
        case .facts(let decider, _, _, _):
            for p in decider.agreements where p.agreement.id == id { return p.agreement }
            return nil
        }
    }
}
