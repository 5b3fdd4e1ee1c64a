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
        // One allocation for the usual denial (1-3 reasons), not one per growth.
        heads.reserveCapacity(4)
        walkReasons(e, r, usage: usage) { code, agreement, _, _ in
            heads.append(ReasonHead(code: code, agreement: agreement))
            return true
        }
        return heads
    }

    /// The reason at `index` of ``decision(_:for:usage:memo:)``'s reasons for evaluation `e` of `r`,
    /// worded alone (nil when there is no such reason).
    ///
    /// Why it is cheap (the audit words a denial's primary reason with it; bench/PROFILE.md news
    /// session 6): the one writer writes into a ``OneReason`` sink, which keeps the words of that
    /// reason only (plain UTF-8 into a scratch buffer kept in the memo) and drops every other
    /// reason, remedy and duty as it comes; a denial by an agreement is written for that agreement
    /// only. Before, the agreement's every reason and remedy were worded as `String`s into a whole
    /// ``NewsDecision`` (``DecisionBuilder``) and all but one thrown away: ~11,200 instructions per
    /// audit denial, ~7,700 of them for the agreement's words.
    public func reason(at index: Int, of e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                       memo: DecisionMemo? = nil) -> Reason? {
        guard index >= 0 else { return nil }
        // The reason's code, the outcome it comes from and its position among that agreement's reasons.
        var found: (code: String, outcome: AgreementOutcome?, position: Int)? = nil
        var k = 0
        walkReasons(e, r, usage: usage) { code, _, outcome, position in
            if k == index { found = (code, outcome, position); return false }
            k += 1
            return true
        }
        guard let found else { return nil }
        var sink = OneReason(target: found.outcome == nil ? index : found.position, code: found.code,
                             noticeQuote: noticeBox.flatMap { noticeQuote($0, e.concern) },
                             text: memo?.reasonScratch ?? ByteWriter(capacity: 256))
        if let o = found.outcome, let box = noticeBox {
            // Only this agreement's reasons are written.
            withUsageRef(usage) { writeOutcome(agreements[Int(o.agreement)].core, o, r, box, e.concern, usage: $0, memo: memo, into: &sink) }
        } else {
            // A notice-level reason (no policy, no agreement, a public permission) or a permit's:
            // the whole decision is written, only this reason kept.
            withUsageRef(usage) { writeWords(e, r, noticeRef, usage: $0, memo: memo, into: &sink) }
        }
        if let memo { memo.reasonScratch = sink.text } else { sink.text.free() }  // kept grown for the next
        return sink.result
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
    ///
    /// Reads the inline outcomes in place and each agreement through its prepared core: copying the
    /// outcomes into an array and each `Agreement` (a retain per field) was ~1,900 of the ~2,700
    /// instructions `reasonHeads` took per audit denial (callgrind, news session 6).
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
        if e.truncated {
            let full = evaluateFully(r, usage: usage)
            walkDenial(full.0, full.1, box, visit)
        } else {
            let notMet = BitIndexes(e.publicNotMet)
            e.withOutcomes { walkDenial($0, notMet, box, visit) }
        }
    }

    /// ``walkReasons(_:_:usage:_:)`` for a denial's outcomes and public permissions not in force.
    private func walkDenial<C: Collection<AgreementOutcome>, N: Sequence<Int>>(_ outcomes: C, _ notMet: N, _ box: NoticeBox,
                                                                            _ visit: (String, String?, AgreementOutcome?, Int) -> Bool) {
        if outcomes.isEmpty, !visit("no_agreement", nil, nil, 0) { return }
        for o in outcomes {
            let core = agreements[Int(o.agreement)].core
            let id = core.agreement.id
            var go = true
            var position = 0
            NewsDecider.forEachReasonCode(of: o, in: core) { code in
                if go { go = visit(code, id, o, position); position += 1 }
            }
            if !go { return }
        }
        for i in notMet {
            let permissions = box.terms.permissions
            if permissions.contains(where: { $0.ruleID == permissions[i].ruleID }), !visit("public_permission_not_met", nil, nil, 0) { return }
        }
    }

    /// The codes of the reasons ``writeOutcome(_:_:_:_:_:usage:memo:into:)`` writes for outcome `o`
    /// of the agreement prepared as `core`, in order (the same branches; `ReasonHeadsTests` holds them equal).
    static func forEachReasonCode(of o: AgreementOutcome, in core: PreparedAgreement.Core, _ body: (String) -> Void) {
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
        var bits = o.failing
        while bits != 0 {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            switch GrantDimension.at(i) {
            case .asset: body("asset_not_granted")
            case .action: body("action_not_granted")
            case .extent, .portion: body("extent_not_granted")
            case .channel: body("channel_not_granted")
            case .territory: body("territory_not_granted")
            case .embargo: body("embargo_breach")
            case .quota: if g < core.agreement.grants.count, core.agreement.grants[g].quota != nil { body("quota_exceeded") }
            case .term, .termEnd, .termination, .prior: break
            }
        }
    }
}

/// A sink of the one writer that keeps one reason: the `target`-th reason written (counted from 0),
/// its message as plain UTF-8; every other reason, every remedy and duty is dropped as it comes
/// (see ``NewsDecider/reason(at:of:for:usage:memo:)``).
struct OneReason: DecisionWordSink {
    let target: Int
    /// The reason's code (as ``NewsDecider/walkReasons(_:_:usage:_:)`` gives it: a literal, no allocation).
    let code: String
    /// The notice's words for the request (``QuoteRef/notice``).
    let noticeQuote: String?
    /// The kept reason's message so far.
    var text: ByteWriter
    private(set) var result: Reason?
    /// Its reason is written: the writer stops (the agreement's later reasons and remedies are not
    /// written at all). A flag, not `result != nil`: that comparison copied the optional `Reason`
    /// (five strings retained and released, ~240 instructions per check, callgrind news session 6).
    private(set) var finished = false
    private var seen = 0
    private var keeping = false
    private var inRemedy = false
    private var agreement: String?

    init(target: Int, code: String, noticeQuote: String?, text: ByteWriter) {
        self.target = target
        self.code = code
        self.noticeQuote = noticeQuote
        self.text = text
        self.text.removeAll()
    }

    private var writing: Bool { keeping && !inRemedy }
    var quotesNotice: Bool { noticeQuote != nil }

    mutating func reason(code: StaticString, agreement: String?) {
        keeping = seen == target
        seen += 1
        if keeping { self.agreement = agreement }
    }

    mutating func reason(_ code: AgreementReason, about core: PreparedAgreement.Core, named: Bool) {
        reason(code: code.code, agreement: core.agreement.id)
        if named && keeping { text.put(core.agreement.kind.staticName); text.put(0x20); text.put(core.agreement.id) }
    }

    mutating func id(_ core: PreparedAgreement.Core) { value(core.agreement.id) }

    /// Nothing unless this is the reason kept (the list's words would all be dropped by ``words(_:)``); then the default.
    mutating func grantList(_ core: PreparedAgreement.Core, _ g: Int, _ l: GrantList) {
        guard writing else { return }
        NewsDecider.writeGrantList(core, g, l, into: &self)
    }

    mutating func words(_ s: StaticString) {
        if writing { text.put(s) }
    }

    mutating func value(_ s: String) {
        if writing { text.put(s) }
    }

    mutating func number(_ n: Int) {
        if writing { text.decimal(n) }
    }

    mutating func instant(_ i: Instant, dateOnly: Bool) {
        if writing { text.put(i, dateOnly: dateOnly) }
    }

    mutating func endReason(_ q: QuoteRef) {
        guard keeping else { return }
        keeping = false
        let (quote, from) = q.resolved(noticeQuote: noticeQuote)
        result = Reason(code: code, agreement: agreement, message: String(decoding: text.bytes, as: UTF8.self), quote: quote, quoteFrom: from)
        finished = true
    }

    mutating func remedy() { inRemedy = true }
    mutating func endRemedy() { inRemedy = false }
    mutating func duty(_ d: DecisionDuty) {}
    mutating func duties(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int) {}
}
