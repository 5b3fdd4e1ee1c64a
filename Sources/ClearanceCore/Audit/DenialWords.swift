/// What a denial's finding reads of a decision's words: the reasons' codes and agreements, and one
/// reason worded at a time.
///
/// Two sources answer it: the news decider's facts (``FactWords``: the evaluation, worded on demand)
/// and a worded ``NewsDecision`` (the tests' stand-in decider). The auditor has one denial, generic
/// over the source (specialised: no existential or closure per call).
protocol DenialWords {
    /// The code and agreement of each reason, in the decision's order.
    func heads() -> [ReasonHead]
    /// The reason at `index`, worded (nil if there is none).
    func reason(at index: Int) -> Reason?
    /// Of the version the decision judged with of agreement `id`: how many grants it has and the first
    /// grant clause's words (nil: ask the book).
    func grants(of id: String) -> (count: Int, firstClause: String?)?
}

extension NewsDecision: DenialWords {
    func heads() -> [ReasonHead] { reasons.map { ReasonHead(code: $0.code, agreement: $0.agreement) } }
    func reason(at index: Int) -> Reason? { reasons.indices.contains(index) ? reasons[index] : nil }
    func grants(of id: String) -> (count: Int, firstClause: String?)? { nil }
}

/// A denial's words made from the news decider's facts: ``NewsDecider/reasonHeads(_:for:usage:)``
/// for the codes, ``NewsDecider/reason(at:of:for:usage:memo:)`` for the one reason a finding quotes.
///
/// Why: `decide` words every reason, duty and remedy of every decision; a denial's finding reads
/// one message and the other reasons' codes. `usage` must be the counters the evaluation saw (a
/// quota's sentence says which use this was).
struct FactWords: DenialWords {
    /// The decider, behind its reference (copying the `NewsDecider` itself retained each of its fields: see ``DeciderRef``).
    let ref: DeciderRef
    let evaluation: NewsEvaluation
    let request: RepublicationRequest
    let memo: DecisionMemo
    let usage: AuditUsage

    func heads() -> [ReasonHead] { ref.reasonHeads(evaluation, for: request, usage: usage) }

    func reason(at index: Int) -> Reason? {
        ref.reason(at: index, of: evaluation, for: request, usage: usage, memo: memo)
    }

    func grants(of id: String) -> (count: Int, firstClause: String?)? { ref.grants(of: id) }
}
