/// A decision's reasons without their words, and one reason worded alone: for callers that need the
/// facts and only some of the words (the audit: a denial's finding quotes one reason, its primary,
/// and names the others by agreement and code).
///
/// Why: ``NewsDecider/decide(_:usage:memo:)`` words every reason, duty and remedy of a decision
/// (`String`s, arrays); the audit then reads one message and a few codes. From an evaluation
/// (``NewsDecider/evaluate(_:usage:memo:)``, the facts) the codes and agreements are known without
/// wording anything, and the one reason the finding quotes can be worded alone.
///
/// Use (the audit's denial): `let e = decider.evaluate(r, usage: u, memo: m)`; on a deny,
/// `let heads = decider.reasonHeads(e, for: r, usage: u)` (same order as `decision(e, …).reasons`),
/// pick the primary index `k` from the codes, then `decider.reason(at: k, of: e, for: r, usage: u, memo: m)`
/// for its message and quote; on a permit, ``NewsDecider/duties(_:)`` for the duties and
/// ``NewsDecider/permitBasis(_:)`` for the grant. `ReasonHeadsTests` holds all three to `decision`.

/// A reason's code and agreement, without its words.
public struct ReasonHead: Sendable, Hashable {
    /// The reason's stable code (`asset_not_granted`, `no_agreement`, …), as ``Reason/code``.
    public let code: String
    /// The agreement the reason is about (nil for notice-level reasons), as ``Reason/agreement``.
    public let agreement: String?

    public init(code: String, agreement: String?) { self.code = code; self.agreement = agreement }
}

extension NewsDecider {
    /// The code and agreement of each reason ``decision(_:for:usage:memo:)`` gives for evaluation `e`
    /// of `r`, in the same order, without wording any. (`usage` is read only for an evaluation that
    /// did not keep every fact inline, ``NewsEvaluation/truncated``, which is evaluated again.)
    public func reasonHeads(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage()) -> [ReasonHead] {
        var heads: [ReasonHead] = []
        walkReasons(e, r, usage: usage) { code, agreement, _, _ in
            heads.append(ReasonHead(code: code, agreement: agreement))
            return true
        }
        return heads
    }

    /// The reason at `index` of ``decision(_:for:usage:memo:)``'s reasons for evaluation `e` of `r`,
    /// worded alone (nil when there is no such reason): a denial by an agreement words only that
    /// agreement's reasons, not the whole decision.
    public func reason(at index: Int, of e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                       memo: DecisionMemo? = nil) -> Reason? {
        guard index >= 0 else { return nil }
        // The outcome the reason comes from and its position among that agreement's reasons.
        var found: (outcome: AgreementOutcome?, position: Int)? = nil
        var k = 0
        walkReasons(e, r, usage: usage) { _, _, outcome, position in
            if k == index { found = (outcome, position); return false }
            k += 1
            return true
        }
        guard let found else { return nil }
        if let o = found.outcome, let box = noticeBox {
            // Only this agreement's reasons are worded (by the one writer, into a builder).
            var sink = DecisionBuilder(NewsDecision(id: r.id, verdict: e.verdict, source: r.source, subscriber: r.subscriber),
                                       noticeQuote: noticeQuote(box, e.concern))
            writeOutcome(agreements[Int(o.agreement)], o, r, box, e.concern, usage: usage, memo: memo, into: &sink)
            return sink.decision.reasons[safe: found.position]
        }
        // A notice-level reason (no policy, no agreement, a public permission) or a permit's: rare
        // in a denial, or one reason only; worded with the whole decision.
        return decision(e, for: r, usage: usage, memo: memo).reasons[safe: index]
    }

    /// The duties of a permit (``NewsDecision/duties`` of ``decision(_:for:usage:memo:)``), without
    /// its reason's words; none for a deny.
    public func duties(_ e: NewsEvaluation) -> [DecisionDuty] {
        guard let box = noticeBox else { return [] }
        switch e.basis {
        case .agreement(let k, let g):
            let a = agreements[k].core.agreement
            let obligations = box.terms.obligations
            guard !a.grants[g].duties.isEmpty || !obligations.isEmpty else { return [] }
            return agreements[k].permitDuties(grant: g, obligations: obligations)
        case .notice(let i):
            guard let perm = box.terms.permissions.first(where: { $0.index == i }) else { return [] }
            return NewsDecider.dedupe(perm.duties.map { DecisionDuty(duty: $0) } + box.terms.obligations.map { DecisionDuty(duty: $0) })
        case .noPolicy, .denied:
            return []
        }
    }

    /// Calls `visit` with the code and agreement of each reason ``decision(_:for:usage:memo:)`` lists
    /// for `e`, in order, with the agreement outcome it comes from (nil for a notice-level reason)
    /// and its position among that outcome's reasons; stops when `visit` returns false. The order and
    /// the codes are `decision`'s.
    func walkReasons(_ e: NewsEvaluation, _ r: RepublicationRequest, usage: some UsageCounter,
                     _ visit: (String, String?, AgreementOutcome?, Int) -> Bool) {
        guard let box = noticeBox, e.basis != .noPolicy else { _ = visit("no_policy", nil, nil, 0); return }
        switch e.basis {
        case .agreement(let k, _): _ = visit("granted", agreements[k].core.agreement.id, nil, 0); return
        case .notice(let i):
            if box.terms.permissions.contains(where: { $0.index == i }) { _ = visit("public_permission", nil, nil, 0) }
            return
        case .noPolicy, .denied: break
        }
        let full = e.truncated ? evaluateFully(r, usage: usage) : (e.outcomesList, e.publicNotMetList)
        if full.0.isEmpty, !visit("no_agreement", nil, nil, 0) { return }
        for o in full.0 {
            let a = agreements[Int(o.agreement)].core.agreement
            var go = true
            var position = 0
            NewsDecider.forEachReasonCode(of: o, in: a) { code in
                if go { go = visit(code, a.id, o, position); position += 1 }
            }
            if !go { return }
        }
        let permissions = box.terms.permissions
        for i in full.1 where permissions.contains(where: { $0.ruleID == permissions[i].ruleID }) {
            if !visit("public_permission_not_met", nil, nil, 0) { return }
        }
    }

    /// The codes of the reasons ``writeOutcome(_:_:_:_:_:usage:memo:into:)`` writes for outcome `o`
    /// of agreement `a`, in order (the same branches; `ReasonHeadsTests` holds them equal).
    static func forEachReasonCode(of o: AgreementOutcome, in a: Agreement, _ body: (String) -> Void) {
        if o.kindNotAccepted { body("agreement_kind_not_accepted"); return }
        if let dim = o.inactivity {
            switch dim {
            case .termination: body("agreement_terminated")
            case .term: body("agreement_not_started")
            case .prior: body("not_prior_subscription")
            default: body("agreement_expired")
            }
            return
        }
        if o.restriction != nil { body("restricted_use"); return }
        guard let g = o.bestGrant else { body("no_grant"); return }
        for i in 0..<GrantDimension.allCasesArray.count where o.failing & (1 << UInt16(i)) != 0 {
            switch GrantDimension.at(i) {
            case .asset: body("asset_not_granted")
            case .action: body("action_not_granted")
            case .extent, .portion: body("extent_not_granted")
            case .channel: body("channel_not_granted")
            case .territory: body("territory_not_granted")
            case .embargo: body("embargo_breach")
            case .quota: if a.grants[safe: g]?.quota != nil { body("quota_exceeded") }
            case .term, .termEnd, .termination, .prior: break
            }
        }
    }
}
