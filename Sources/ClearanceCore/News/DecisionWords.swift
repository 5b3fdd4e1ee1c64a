import Synchronization

/// The one writer of a decision's words: reasons, duties and what would permit, from the facts
/// (``NewsEvaluation``), into a ``DecisionWordSink``: the decision's JSON bytes (``JSONWords``,
/// what `check --batch` writes per line) or a ``NewsDecision`` (``DecisionBuilder``, what
/// ``NewsDecider/decision(_:for:usage:memo:)`` returns). Both come from the same calls, so the
/// `String` form and the bytes cannot drift apart (before session 5 there were two writers, held
/// equal by a test).
///
/// Why it is cheap on the JSON path (bench/PROFILE.md, news session 5):
/// - A permit's words (reason and duties, ~10,000 instructions to make: `Grant.summary`) are made
///   once per (agreement, grant) and kept with the prepared agreement (``PreparedAgreement/PermitSlots``),
///   escaped: a permit copies them in one piece each.
/// - Everything is written through a raw pointer into a scratch ``ByteWriter`` kept in the memo
///   (one per thread), then copied into the caller's array in one append: an `[UInt8]` append is
///   ~100 instructions of capacity and uniqueness checks, a decision made ~30 of them.
/// - Nothing is allocated per decision with a memo (remedies are deduped in a second scratch writer).
extension NewsDecider {
    /// Appends the compact JSON of ``decision(_:for:usage:memo:)`` for evaluation `e` of `r` (made by
    /// ``evaluate(_:usage:memo:)`` of this decider): the same bytes as ``NewsDecision/appendJSON(to:)``
    /// of that decision.
    ///
    /// For `check --batch` (per line, JSON output, no decision log): `let decider = NewsDecider(…)`,
    /// `let e = decider.evaluate(req, usage: counter, memo: memo)`, `e.verdict` for the exit status,
    /// `decider.appendDecisionJSON(e, for: req, usage: counter, memo: memo, to: &out)`.
    public func appendDecisionJSON(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                                   memo: DecisionMemo? = nil, to out: inout [UInt8]) {
        // The memo not bound (`if let memo` retained it to pass it on).
        var scratch = memo?.jsonScratch ?? ByteWriter(capacity: 1024)
        scratch.removeAll()
        appendDecisionJSON(e, for: r, usage: usage, memo: memo, to: &scratch)
        out.append(contentsOf: scratch.bytes)
        // The writer may have grown: keep the grown buffer for the next decision.
        if memo == nil { scratch.free() } else { memo?.jsonScratch = scratch }
    }

    /// ``appendDecisionJSON(_:for:usage:memo:to:)`` written straight into `out` after what it holds: the
    /// same bytes, nothing copied after them.
    ///
    /// Why (callgrind words session 10): through the `[UInt8]` form, a decision's ~1,200 bytes were written
    /// into the memo's scratch writer, then appended to the caller's array: ~225 instructions a decision
    /// (the copy and the array's capacity and uniqueness checks) and the batch's largest `memmove` from the words.
    /// A caller that keeps its output in a ``ByteWriter`` (`check --batch`) takes the bytes where they are written.
    public func appendDecisionJSON(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                                   memo: DecisionMemo? = nil, to out: inout ByteWriter) {
        withUsageRef(usage) { appendDecisionJSON(e, for: r, usageAt: $0, memo: memo, to: &out) }
    }

    /// ``appendDecisionJSON(_:for:usage:memo:to:)`` with the counter given by address (see ``UsageRef``): what
    /// `check --batch` calls.
    public func appendDecisionJSON(_ e: NewsEvaluation, for r: RepublicationRequest, usageAt usage: UsageRef,
                                   memo: DecisionMemo?, to out: inout ByteWriter) {
        var sink: JSONWords
        if let memo {
            sink = JSONWords(out: out, remedies: memo.remedyScratch, remedyEnds: memo.remedyEndScratch)
            sink.dates = Unmanaged.passUnretained(memo.dates)
        } else {
            sink = JSONWords(out: out, remedies: ByteWriter(capacity: 256), remedyEnds: ByteWriter(capacity: 64))
        }
        // `out` is the sink's until the end (moved back below): one writer, not two that could disagree.
        sink.remedies.removeAll()
        sink.remedyEnds.removeAll()
        if let ref = noticeRef {
            // The notice borrowed, not retained (the decider keeps it alive), and its quote and
            // source copied through pointers it owns (``NoticeBox/quoteRefs``): the box is shared
            // by the batch's workers, and each retain of it or of its arrays moved their counts'
            // cache lines between the cores (perf, words session 7). Through `_withUnsafeGuaranteedRef`
            // and passed on as `Unmanaged`: `takeUnretainedValue()` and a `NoticeBox?` argument still
            // retained it three times a decision (callgrind words session 9: at the source compare, before
            // `writeWords`, before `writeDenial`).
            ref._withUnsafeGuaranteedRef { box in
                let quotes = box.quoteJSON.count
                let k = e.concern.first
                sink.quote = box.quoteRefs[k >= 0 && k < quotes ? k : quotes - 1]
                sink.begin(id: r.id, permit: e.verdict == .permit, source: r.source,
                           sourceJSON: box.source == r.source ? box.quoteRefs[quotes] : nil, subscriber: r.subscriber)
            }
            // The counter by address (``UsageRef``), no existential made.
            writeWords(e, r, ref, usage: usage, memo: memo, into: &sink)
        } else {
            sink.begin(id: r.id, permit: e.verdict == .permit, source: r.source, sourceJSON: nil, subscriber: r.subscriber)
            writeWords(e, r, nil, usage: usage, memo: memo, into: &sink)
        }
        sink.finish()
        out = sink.out
        if let memo {
            // The remedies' writers may have grown: keep the grown buffers for the next decision.
            memo.remedyScratch = sink.remedies
            memo.remedyEndScratch = sink.remedyEnds
        } else {
            sink.remedies.free()
            sink.remedyEnds.free()
        }
    }

    /// The words of evaluation `e` of `r` (made by ``evaluate(_:usage:memo:)`` of this decider):
    /// reasons quoting the notice or the contract, duties, and for a deny what would permit.
    public func decision(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                         memo: DecisionMemo? = nil) -> NewsDecision {
        var sink = DecisionBuilder(NewsDecision(id: r.id, verdict: e.verdict, source: r.source, subscriber: r.subscriber, permittedBy: permitBasis(e)),
                                   noticeQuote: noticeBox.flatMap { noticeQuote($0, e.concern) })
        withUsageRef(usage) { writeWords(e, r, noticeRef, usage: $0, memo: memo, into: &sink) }
        return sink.decision
    }

    /// Writes the words of evaluation `e` of `r` into `s`, in the decision's order: reasons (each
    /// with its quote), duties, remedies (the sink keeps each remedy once).
    ///
    /// Generic over the sink only, so that it is specialized for each sink in this module even when
    /// called from an unspecialized caller (`appendDecisionJSON` is generic over the usage counter and
    /// called from other modules): generic over the counter too, it ran unspecialized and every sink
    /// call went through a protocol witness (callgrind: ~8,700 instructions per JSON decision instead of
    /// ~4,800). The counter is read only for a quota's sentence: an existential costs nothing measurable.
    ///
    /// `notice` is the decider's ``noticeRef``, passed in by the caller and borrowed here
    /// (`_withUnsafeGuaranteedRef`): `guard let box = noticeBox` here retained the box shared by the
    /// batch's workers per decision, and a `NoticeBox?` argument was retained again to be passed on.
    func writeWords<S: DecisionWordSink>(_ e: NewsEvaluation, _ r: RepublicationRequest, _ notice: Unmanaged<NoticeBox>?, usage: UsageRef,
                                         memo: DecisionMemo?, into s: inout S) {
        guard let notice, e.basis != .noPolicy else {
            s.reason(code: "no_policy", agreement: nil)
            s.words("there is no policy for source `"); s.value(r.source); s.words("`, so nothing is permitted")
            s.endReason(.none)
            s.remedy()
            s.words("a policy for `"); s.value(r.source); s.words("` in the policies folder (`Policies/"); s.value(r.source); s.words(".json`)")
            s.endRemedy()
            return
        }
        notice._withUnsafeGuaranteedRef { box in writeWords(e, r, box, usage: usage, memo: memo, into: &s) }
    }

    /// ``writeWords(_:_:_:usage:memo:into:)`` with a policy, its notice borrowed.
    private func writeWords<S: DecisionWordSink>(_ e: NewsEvaluation, _ r: RepublicationRequest, _ box: NoticeBox, usage: UsageRef,
                                                 memo: DecisionMemo?, into s: inout S) {
        let concern = e.concern
        switch e.basis {
        case .agreement(let k, let g):
            // The core and its words borrowed, not retained (both are shared by the batch's workers:
            // see ``PreparedAgreement/PermitSlots``).
            agreements.withUnsafeBufferPointer { list in
                Unmanaged.passUnretained(list[k].core)._withUnsafeGuaranteedRef { core in
                    let w = core.permitWords(g)
                    s.permitReason(w, core, g)
                    if box.hasObligations {
                        // The grant's duties merged with the notice's obligations (the grant's first, each once).
                        for d in PreparedAgreement.permitDuties(core.agreement, grant: g, obligations: box.terms.obligations) { s.duty(d) }
                    } else {
                        s.duties(w, core, g)
                    }
                }
            }
            return
        case .notice(let i):
            guard let perm = box.terms.permissions.first(where: { $0.index == i }) else { break }
            s.reason(code: "public_permission", agreement: nil)
            s.words("the notice lets anyone "); s.value(perm.summary)
            s.endReason(.noticeText(perm.quote))
            for d in NewsDecider.dedupe(perm.duties.map { DecisionDuty(duty: $0) } + box.terms.obligations.map { DecisionDuty(duty: $0) }) { s.duty(d) }
            return
        case .noPolicy, .denied:
            break
        }
        // Deny: say why, per agreement, and what would permit. An evaluation that could not keep
        // every fact inline (more than eight agreements, public permissions past the 64th) is made
        // again with lists, for the words only (rare).
        //
        // The outcomes read in place (``NewsEvaluation/withOutcomes(_:)``) and the public permissions not met
        // as the evaluation's bits: `e.outcomes` (a collection holding a copy of the evaluation) and
        // `e.publicNotMetList` (an array, released even when empty) copied the 225-byte evaluation twice a
        // denial (`memcpy` of 0xe1 bytes, callgrind words session 10) and released an array.
        if e.truncated {
            let full = evaluateFully(r, usage: usage.counter)
            full.0.withUnsafeBufferPointer { writeDenial($0, full.1, box, concern, r, usage: usage, memo: memo, into: &s) }
        } else {
            // The bits read first: `e.publicNotMet` inside the closure made it capture, and copy, the evaluation.
            let notMet = BitIndexes(e.publicNotMet)
            e.withOutcomes { writeDenial($0, notMet, box, concern, r, usage: usage, memo: memo, into: &s) }
        }
    }

    /// A denial's reasons and remedies: no agreement, each agreement's, the public permissions not in force
    /// (`notMet`: their indexes).
    func writeDenial<S: DecisionWordSink, C: Collection<AgreementOutcome>, N: Sequence<Int>>(
        _ outcomes: C, _ notMet: N, _ box: NoticeBox, _ concern: NoticeTerms.Concern,
        _ r: RepublicationRequest, usage: UsageRef, memo: DecisionMemo?, into s: inout S
    ) {
        if outcomes.isEmpty {
            let how = concern.lifters.isEmpty ? "an agreement" : describeLifters(box, r, concern: concern, memo: memo)
            s.reason(code: "no_agreement", agreement: nil)
            s.value(r.subscriber); s.words(" has no agreement with "); s.value(r.source)
            if concern.isEmpty {
                s.words(", and nothing in the notice permits this use")
            } else {
                s.words(", and the notice prohibits this use without "); s.value(how)
            }
            s.endReason(.notice)
            s.remedy()
            s.value(how); s.words(" with "); s.value(r.source); s.words(" covering "); s.words(r.asset.kind.staticName)
            s.words(" on "); s.words(r.channel.staticName); s.words(" in "); s.value(r.territory)
            s.endRemedy()
        }
        // Each agreement's prepared core borrowed, not retained (`_withUnsafeGuaranteedRef`: the
        // decider's `agreements` keep it alive during the call): the prepared agreements are shared
        // by the batch's workers, and copying one out of the array retained its core and block,
        // moving their counts' cache lines between the cores (perf, words session 7; an
        // `unowned(unsafe) let` still retained the core to pass it on).
        agreements.withUnsafeBufferPointer { list in
            for o in outcomes {
                if s.finished { return }
                Unmanaged.passUnretained(list[Int(o.agreement)].core)._withUnsafeGuaranteedRef { core in
                    writeOutcome(core, o, r, box, concern, usage: usage, memo: memo, into: &s)
                }
            }
        }
        // The public permissions that match but are not in force: the trace's last sentence for them.
        for i in notMet {
            let permissions = box.terms.permissions
            guard let perm = permissions.first(where: { $0.ruleID == permissions[i].ruleID }) else { continue }
            s.reason(code: "public_permission_not_met", agreement: nil)
            s.words("the notice's public permission to "); s.value(perm.summary)
            s.words(" does not cover this use: not in force for this request")
            s.endReason(.noticeText(perm.quote))
        }
    }

    /// The reasons and remedies of a denial by the agreement prepared as `core` (outcome `o`).
    ///
    /// Every field is read in place through `core` (`core.agreement.grants[g].assets`), nothing
    /// bound to a local: `let a = p.core.agreement`, `let t = p.core.text`, `let grants = core.agreement.grants`
    /// retained each field they copied, and these objects are shared by the batch's workers (each
    /// retain moved a count's cache line between the cores; words, session 7).
    func writeOutcome<S: DecisionWordSink>(_ core: PreparedAgreement.Core, _ o: AgreementOutcome, _ r: RepublicationRequest, _ box: NoticeBox,
                                           _ concern: NoticeTerms.Concern, usage: UsageRef, memo: DecisionMemo?, into s: inout S) {
        // The agreement's id and name, escaped once when it was prepared (``AgreementText``): `core.text`.
        func named(_ code: AgreementReason) { s.reason(code, about: core, named: true) }
        if o.kindNotAccepted {
            let how = describeLifters(box, r, concern: concern, memo: memo)
            named(.agreementKindNotAccepted)
            s.words(" is a "); s.words(core.agreement.kind.staticName); s.words(", but the notice lifts its prohibition only by "); s.value(how)
            s.endReason(.notice)
            s.remedy(); s.value(how); s.words(" with "); s.value(r.source); s.endRemedy()
            return
        }
        if let dim = o.inactivity {
            switch dim {
            case .termination:
                named(.agreementTerminated)
                s.words(" was terminated on ")
                if let t = core.agreement.termination {
                    s.instant(t.at, dateOnly: t.atIsDate)
                    if let why = t.reason { s.words(" ("); s.value(why); s.words(")") }
                } else {
                    s.words("?")
                }
                s.endReason(.notice)
                s.remedy(); s.words("a new agreement with "); s.value(r.source); s.words(" ("); s.id(core); s.words(" was terminated)"); s.endRemedy()
            case .term:
                named(.agreementNotStarted)
                s.words(" starts on "); s.instant(core.agreement.term.start, dateOnly: core.agreement.term.startIsDate); s.words(", after this use (")
                s.requestTime(r.at); s.words(")")
                s.endReason(.notice)
                s.remedy(); s.words("wait until "); s.instant(core.agreement.term.start, dateOnly: false); s.words(" when "); s.id(core); s.words(" starts"); s.endRemedy()
            case .prior:
                s.reason(.notPriorSubscription, about: core, named: false)
                s.words("subscription "); s.id(core); s.words(" was signed on "); s.instant(core.agreement.signedAt, dateOnly: core.agreement.signedAtIsDate)
                s.words(", after this use ("); s.requestTime(r.at); s.words("); the notice requires a prior subscription")
                s.endReason(.notice)
                s.remedy(); s.words("a subscription concluded before the use ("); s.id(core); s.words(" was signed "); s.instant(core.agreement.signedAt, dateOnly: false)
                s.words(")"); s.endRemedy()
            default:
                // `Term.endText`: the last covered day of a date-only end.
                let end = core.agreement.term.endIsDate ? core.agreement.term.end.adding(milliseconds: -86_400_000) : core.agreement.term.end
                named(.agreementExpired)
                s.words(" ended on "); s.instant(end, dateOnly: core.agreement.term.endIsDate); s.words(", before this use (")
                s.requestTime(r.at); s.words(")")
                s.endReason(.notice)
                s.remedy(); s.words("a renewal of "); s.id(core); s.words(" (it ended on "); s.instant(end, dateOnly: core.agreement.term.endIsDate); s.words(")"); s.endRemedy()
            }
            return
        }
        if let k = o.restriction {
            let res = core.agreement.restrictions[k]
            let summary = res.summary
            named(.restrictedUse)
            s.words(" restricts this use: "); s.value(summary)
            s.endReason((res.clause ?? res.note).map { .agreement($0) } ?? .notice)
            s.remedy(); s.words("an amendment of "); s.id(core); s.words(" lifting its restriction «"); s.value(summary); s.words("»"); s.endRemedy()
            return
        }
        guard let g = o.bestGrant, g < core.agreement.grants.count else {
            named(.noGrant)
            s.words(" has no grants")
            s.endReason(.notice)
            s.remedy()
            s.words("a grant in "); s.id(core); s.words(" covering "); s.words(r.asset.kind.staticName)
            s.words(" on "); s.words(r.channel.staticName); s.words(" in "); s.value(r.territory)
            s.endRemedy()
            return
        }
        // The grant's fields are read where used (`core.agreement.grants[g].assets`, ...): bound as one value
        // (`let grant = a.grants[g]`), the whole `Grant` was copied and destroyed per outcome, a
        // retain and release per field (~460 instructions, callgrind news session 6).
        // A dimension the grant does not cover leaves the notice's prohibition standing: quote the
        // notice; without notice words, the grant's clause.
        // (With notice words, `.notice` itself: `.noticeOr(clause)` retained the clause per outcome.)
        //
        // Through a buffer pointer (``grant(_:_:_:)``): `core.agreement.grants[g].maxPortion` was compiled, in some
        // builds, as a call of the array's subscript getter that copied the whole `Grant` (~40 retains and releases)
        // to read one field (callgrind words session 10: 9,753 calls on the small workload, once the inliner's
        // choices in `writeDenial` moved).
        let quote: QuoteRef = s.quotesNotice ? .notice : .noticeOr(Self.grant(core, g) { $0.clause })
        // A sentence's start: `contract C-1 (grant 2)` and, for asset, action, extent, channel and
        // territory, what the grant grants, up to the request's value. Written each time, piece by
        // piece into the sink, not made once and kept: kept per (agreement, grant, dimension) they
        // cost ~5 KB per agreement (270 MB peak on the 1M batch, over the 200 MB budget), and
        // through the raw-pointer writer a start costs a few hundred instructions (bench/PROFILE.md
        // news session 5).
        func start(_ code: AgreementReason) {
            named(code)
            if core.agreement.grants.count > 1 { s.words(" (grant "); s.number(g + 1); s.words(")") }
        }
        func inAgreement() { s.inAgreement(core) }
        var bits = o.failing
        while bits != 0 && !s.finished {
            let i = bits.trailingZeroBitCount
            bits &= bits - 1
            switch GrantDimension.at(i) {
            case .asset:
                start(.assetNotGranted); s.words(" grants "); s.grantList(core, g, .assets); s.words(" only, not ")
                s.words(r.asset.kind.staticName); s.endReason(quote)
                s.remedy(); s.words("a grant covering "); s.words(r.asset.kind.staticName); inAgreement(); s.endRemedy()
            case .action:
                start(.actionNotGranted); s.words(" grants "); s.grantList(core, g, .actions); s.words(" only, which does not include ")
                s.value(r.action); s.endReason(quote)
                s.remedy(); s.words("a grant of "); s.value(r.action); s.words(" (or use)"); inAgreement(); s.endRemedy()
            case .extent:
                start(.extentNotGranted); s.words(" grants "); s.grantList(core, g, .extent); s.words(" use only, not "); s.words(r.extent.staticName); s.endReason(quote)
                s.remedy(); s.words("a grant covering "); s.words(r.extent.staticName); s.words(" use"); inAgreement(); s.endRemedy()
            case .portion:
                let max = Self.grant(core, g) { $0.maxPortion } ?? 0
                start(.extentNotGranted)
                s.words(" allows at most "); s.percent(max)
                if let asked = r.portion {
                    s.words("% of an asset, not "); s.percent(asked); s.words("%")
                } else {
                    s.words("% of an asset, and the request does not say how much (`portion`)")
                }
                s.endReason(quote)
                s.remedy(); s.words("using at most "); s.percent(max); s.words("% of the asset ("); s.id(core); s.words(")"); s.endRemedy()
            case .channel:
                start(.channelNotGranted); s.words(" grants "); s.grantList(core, g, .channels); s.words(" only, not ")
                s.words(r.channel.staticName); s.endReason(quote)
                s.remedy(); s.words("a grant covering "); s.words(r.channel.staticName); inAgreement(); s.endRemedy()
            case .territory:
                start(.territoryNotGranted); s.words(" grants "); s.grantList(core, g, .territories); s.words(" only, not "); s.value(r.territory); s.endReason(quote)
                s.remedy(); s.words("a grant covering "); s.value(r.territory); inAgreement(); s.endRemedy()
            case .embargo:
                let em = Self.grant(core, g) { $0.embargo } ?? ISODuration()
                start(.embargoBreach)
                s.words(" embargoes assets for "); s.value(em.description)
                if let pub = r.asset.publishedAt {
                    let until = em.added(to: pub)
                    s.words(" after publication ("); s.instant(pub, dateOnly: false); s.words("); this use (")
                    s.requestTime(r.at); s.words(") is before "); s.instant(until, dateOnly: false)
                    s.endReason(quote)
                    s.remedy(); s.words("wait until "); s.instant(until, dateOnly: false); s.words(" (embargo "); s.value(em.description); s.words(")"); s.endRemedy()
                } else {
                    s.words(" after publication, and the request does not say when the asset was published")
                    s.endReason(quote)
                    s.remedy()
                    s.words("the asset's publication time (`asset.publishedAt`) to check the "); s.value(em.description)
                    s.words(" embargo of "); s.id(core)
                    s.endRemedy()
                }
            case .quota:
                guard let q = Self.grant(core, g, { $0.quota }) else { break }
                let w = q.per.window(containing: r.at, term: core.agreement.term)
                let used = usage.uses(agreement: core.agreement.id, grant: g, from: w.start, to: w.end)
                start(.quotaExceeded)
                s.words(" allows "); s.number(q.count); s.words(" uses per "); s.words(q.per.staticName); s.words("; ")
                s.number(used); s.words(" are already recorded since "); s.instant(w.start, dateOnly: false)
                s.endReason(quote)
                s.remedy()
                if q.per == .term {
                    s.words("a larger quota in "); s.id(core)
                } else {
                    s.words("wait until "); s.instant(w.end, dateOnly: false); s.words(", when the "); s.words(q.per.staticAdjective)
                    s.words(" quota of "); s.id(core); s.words(" resets")
                }
                s.endRemedy()
            case .term, .termEnd, .termination, .prior:
                break
            }
        }
    }

    /// A field of grant `g` (< its count) of the agreement prepared as `core`, read in place (the `Grant` borrowed
    /// through the array's buffer, never copied).
    @inline(__always)
    static func grant<T>(_ core: PreparedAgreement.Core, _ g: Int, _ field: (borrowing Grant) -> T) -> T {
        core.agreement.grants.withUnsafeBufferPointer { field($0[g]) }
    }

    /// `Int((x * 100).rounded())` when that is an integer the sentence can print (nil for NaN, infinities, huge values).
    static func percent(_ x: Double) -> Int? {
        let v = (x * 100).rounded()
        guard v.isFinite, abs(v) < 1e15 else { return nil }
        return Int(v)
    }
}

/// The code of a reason about one agreement, with its JSON opening (`,{"code":"…","agreement":"`):
/// one copy opens the reason (the code, the keys and the punctuation were three; words session 8).
enum AgreementReason {
    case agreementKindNotAccepted
    case agreementTerminated
    case agreementNotStarted
    case agreementExpired
    case notPriorSubscription
    case restrictedUse
    case noGrant
    case assetNotGranted
    case actionNotGranted
    case extentNotGranted
    case channelNotGranted
    case territoryNotGranted
    case embargoBreach
    case quotaExceeded

    /// The code (``Reason/code``).
    var code: StaticString {
        switch self {
        case .agreementKindNotAccepted: "agreement_kind_not_accepted"
        case .agreementTerminated: "agreement_terminated"
        case .agreementNotStarted: "agreement_not_started"
        case .agreementExpired: "agreement_expired"
        case .notPriorSubscription: "not_prior_subscription"
        case .restrictedUse: "restricted_use"
        case .noGrant: "no_grant"
        case .assetNotGranted: "asset_not_granted"
        case .actionNotGranted: "action_not_granted"
        case .extentNotGranted: "extent_not_granted"
        case .channelNotGranted: "channel_not_granted"
        case .territoryNotGranted: "territory_not_granted"
        case .embargoBreach: "embargo_breach"
        case .quotaExceeded: "quota_exceeded"
        }
    }

    /// `,{"code":"CODE","agreement":"`.
    var json: StaticString {
        switch self {
        case .agreementKindNotAccepted: ",{\"code\":\"agreement_kind_not_accepted\",\"agreement\":\""
        case .agreementTerminated: ",{\"code\":\"agreement_terminated\",\"agreement\":\""
        case .agreementNotStarted: ",{\"code\":\"agreement_not_started\",\"agreement\":\""
        case .agreementExpired: ",{\"code\":\"agreement_expired\",\"agreement\":\""
        case .notPriorSubscription: ",{\"code\":\"not_prior_subscription\",\"agreement\":\""
        case .restrictedUse: ",{\"code\":\"restricted_use\",\"agreement\":\""
        case .noGrant: ",{\"code\":\"no_grant\",\"agreement\":\""
        case .assetNotGranted: ",{\"code\":\"asset_not_granted\",\"agreement\":\""
        case .actionNotGranted: ",{\"code\":\"action_not_granted\",\"agreement\":\""
        case .extentNotGranted: ",{\"code\":\"extent_not_granted\",\"agreement\":\""
        case .channelNotGranted: ",{\"code\":\"channel_not_granted\",\"agreement\":\""
        case .territoryNotGranted: ",{\"code\":\"territory_not_granted\",\"agreement\":\""
        case .embargoBreach: ",{\"code\":\"embargo_breach\",\"agreement\":\""
        case .quotaExceeded: ",{\"code\":\"quota_exceeded\",\"agreement\":\""
        }
    }
}

/// What a reason quotes, and from where.
enum QuoteRef {
    /// Nothing (`no_policy`).
    case none
    /// The notice's words for the request (its first concerned prohibition's, …: ``NewsDecider/noticeQuote(_:_:)``), if any.
    case notice
    /// The notice's words if it has any, else this agreement text (a grant's clause).
    case noticeOr(String?)
    /// Agreement words (a clause, a restriction's note).
    case agreement(String)
    /// Given notice words (a public permission's quote), if any.
    case noticeText(String?)

    /// The quote and where it comes from (``Reason/quote``, ``Reason/quoteFrom``), given the
    /// notice's words for the request.
    func resolved(noticeQuote: String?) -> (quote: String?, from: String?) {
        switch self {
        case .none: (nil, nil)
        case .notice: (noticeQuote, "notice")
        case .noticeOr(let clause): (noticeQuote ?? clause, noticeQuote != nil ? "notice" : "agreement")
        case .agreement(let t): (t, "agreement")
        case .noticeText(let t): (t, "notice")
        }
    }
}

/// An agreement's id and name as a decision's JSON words use them, made once when the agreement
/// is prepared (``PreparedAgreement/Core/text``): ``bytes`` are `ID","message":"KIND ID`, the id
/// escaped for JSON, so that the JSON writer opens a reason about the agreement (its `agreement`
/// key, the `message` key and the name the message starts with) with one copy, and writes the id
/// alone (`bytes[..<idEnd]`, remedies: `a renewal of C-1`) or after ` in ` (``inID``) with another.
///
/// Why (callgrind, news session 6): a denial's reason named its agreement three to four times, each
/// a `String` value scanned for escapes and copied (~165 instructions each). ~50 bytes per
/// agreement, not the ~5 KB per agreement that keeping whole sentence starts per (agreement,
/// grant, dimension) cost in session 5.
///
/// Plain data (a pointer into the agreement's ``AgreementWords`` block, which owns the bytes): as an
/// `[UInt8]` and a `String` it was retained and released at each of the ~2 uses per reason, the
/// counts' cache lines moving between the batch's workers (words session 8).
struct AgreementText: @unchecked Sendable {
    private let base: UnsafeMutablePointer<UInt8>
    /// End of ``bytes`` (`ID","message":"KIND ID`), then of ``inID``.
    private let count: Int, end: Int
    /// End of the escaped id at the start of ``bytes``.
    let idEnd: Int

    /// The text at `base` (in its agreement's ``AgreementWords`` block), as ``write(_:to:)`` wrote it there.
    init(at base: UnsafeMutablePointer<UInt8>, _ layout: (idEnd: Int, count: Int, end: Int)) {
        self.base = base
        idEnd = layout.idEnd
        count = layout.count
        end = layout.end
    }

    /// Writes the text of `a` into `j` (from its start): `ID","message":"KIND ID` then ` in ID`; returns the
    /// ends of the id, of the name and of the whole.
    static func write(_ a: Agreement, to j: inout ByteWriter) -> (idEnd: Int, count: Int, end: Int) {
        JSONBytes.appendEscaped(a.id, to: &j)
        let idEnd = j.count
        j.put("\",\"message\":\"" as StaticString)
        j.put(a.kind.staticName)
        j.put(0x20)
        // Room first: the id is copied from the writer's own bytes, which growing would move.
        j.ensure(idEnd)
        j.put(UnsafeBufferPointer(start: j.base, count: idEnd))
        let count = j.count
        j.put(" in " as StaticString)
        j.ensure(idEnd)
        j.put(UnsafeBufferPointer(start: j.base, count: idEnd))
        return (idEnd, count, j.count)
    }

    /// `ID","message":"KIND ID`.
    @inline(__always) var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
    /// The escaped id.
    @inline(__always) var id: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: idEnd) }
    /// ` in ID` (after ``bytes``).
    @inline(__always) var inID: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base + count, count: end &- count) }
    /// From the `agreement` value to the `message` key: `ID","message":"`.
    @inline(__always) var unnamed: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: nameStart) }

    /// Where the name starts in ``bytes`` (after the id and `","message":"`, 13 bytes).
    var nameStart: Int { idEnd + 13 }
}

/// One of a grant's lists as a denial's sentence quotes it (`grants text, photo only, not audio`).
enum GrantList: Int, CaseIterable {
    /// Asset kinds (`all` or `text, photo`).
    case assets
    /// Actions, as written.
    case actions
    /// Extents (`whole, partial`).
    case extent
    /// Channels (`all` or `web, print`).
    case channels
    /// Territories, and ` except ` those excluded when there are any.
    case territories
}

extension NewsDecider {
    /// Writes list `l` of `grant` into `s`: the one writer of these words (the JSON sink keeps
    /// their bytes per agreement, ``GrantLists``, made by this writer).
    static func writeGrantList<S: DecisionWordSink>(_ grant: Grant, _ l: GrantList, into s: inout S) {
        withUnsafePointer(to: grant) { writeGrantList(at: $0, l, into: &s) }
    }

    /// ``writeGrantList(_:_:into:)`` of grant `g` (< its count) of the agreement prepared as `core`, read in place.
    ///
    /// Through a pointer: `core.agreement.grants[g]` as the argument copied the whole `Grant` and destroyed it again
    /// (a retain and a release per field, on an agreement's cold lines), and so did a `borrowing` parameter fed by
    /// ``grant(_:_:_:)`` (`$0[g]` of the buffer: `memcpy` and the `Grant` copy in objdump of the audit's
    /// `writeOutcome`). perf, 1M audit events at 30,000 agreements: `Grant` value witness `copy` under
    /// `writeOutcome` 1.3% of all samples, its `swift_retain`s waiting on cold lines.
    static func writeGrantList<S: DecisionWordSink>(_ core: PreparedAgreement.Core, _ g: Int, _ l: GrantList, into s: inout S) {
        core.agreement.grants.withUnsafeBufferPointer { buf in
            guard g >= 0 && g < buf.count, let base = buf.baseAddress else { return }
            writeGrantList(at: base + g, l, into: &s)
        }
    }

    private static func writeGrantList<S: DecisionWordSink>(at grant: UnsafePointer<Grant>, _ l: GrantList, into s: inout S) {
        func list<V: StaticNamed>(_ set: Dimension<V>) {
            switch set {
            case .all: s.words("all")
            case .only(let l): for (k, v) in l.enumerated() { if k > 0 { s.words(", ") }; s.words(v.staticName) }
            }
        }
        func list(_ parts: [String]) {
            for (k, v) in parts.enumerated() { if k > 0 { s.words(", ") }; s.value(v) }
        }
        switch l {
        case .assets: list(grant.pointee.assets)
        case .actions: list(grant.pointee.actions)
        case .extent: for (k, x) in grant.pointee.extent.enumerated() { if k > 0 { s.words(", ") }; s.words(x.staticName) }
        case .channels: list(grant.pointee.channels)
        case .territories:
            list(grant.pointee.territories.include)
            if !grant.pointee.territories.exclude.isEmpty { s.words(" except "); list(grant.pointee.territories.exclude) }
        }
    }
}

/// What a decision's words keep per prepared agreement, in ONE allocation made when the agreement is
/// prepared (``PreparedAgreement/Core/words``), laid out for the cache:
///
///     [permit slots: grants × 8][list slots: grants × 5 × 8][text: ID","message":"KIND ID then " in ID"]
///
/// - a permit slot per grant: the address of its ``PreparedAgreement/PermitBlock`` (0 until the grant's
///   first permit, made then: ``PreparedAgreement/Core/permitWords(_:)``);
/// - a list slot per (grant, ``GrantList``): the address of that list's text in the ``WordPool`` (0 until
///   the agreement's first denial by a grant; all its lists are made then);
/// - the agreement's id and name (``AgreementText``).
///
/// Why one block (perf annotate on the 1M batch at 30,000 agreements, words session 9): the permit
/// words, the lists and the text were three allocations apart from the core (the lists' a fourth,
/// pointed at by a slot in the core): with 10,000 parties met in random order none of them is in the
/// cache when its request comes, and each was a miss the words waited for — `JSONWords.grantList`
/// was 5.3% of the batch's samples SELF, 80% of them on the load right after reading the lists'
/// allocation; a permit's words (object → its `ReasonStart` → its `[UInt8]`) three dependent misses,
/// 3.1%. The block is one range the batch asks for ahead (``NewsDecider/hotRanges(stage:into:capacity:)``,
/// stage 2), and a slot leads to one more allocation at most.
///
/// Slots are atomics (written by compare-exchange or with identical values, read with an acquiring
/// load: an ordinary load on x86, the line stays shared by the batch's workers; see ``PermitSlots``'s
/// history in bench/PROFILE.md words session 7 for why not a lock). Freed with the core.
struct AgreementWords: ~Copyable, @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    /// Grants (at least 1: an agreement without grants keeps one empty slot of each kind).
    private let grants: Int
    /// Bytes of the block.
    let byteCount: Int
    let text: AgreementText

    init(_ a: Agreement) {
        grants = max(a.grants.count, 1)
        var j = ByteWriter(capacity: 3 * a.id.utf8.count + 44)
        defer { j.free() }
        let layout = AgreementText.write(a, to: &j)
        let slots = 6 &* grants
        byteCount = 8 &* slots &+ j.count
        // Aligned to a cache line, so that the batch's prefetch of the first 128 bytes covers the slots
        // of two grants and the text's start in two lines.
        base = .allocate(byteCount: byteCount, alignment: 64)
        let atomics = base.bindMemory(to: Atomic<UInt>.self, capacity: slots)
        for k in 0..<slots { (atomics + k).initialize(to: Atomic<UInt>(0)) }
        let bytes = (base + 8 &* slots).bindMemory(to: UInt8.self, capacity: j.count)
        bytes.update(from: j.base, count: j.count)
        text = AgreementText(at: bytes, layout)
    }

    deinit {
        for g in 0..<grants {
            let p = slot(g).pointee.load(ordering: .acquiring)
            if p != 0, let raw = UnsafeMutableRawPointer(bitPattern: p) { PreparedAgreement.PermitBlock.free(raw) }
        }
        // The lists' texts are the pool's (kept for the process).
        base.assumingMemoryBound(to: Atomic<UInt>.self).deinitialize(count: 6 &* grants)
        base.deallocate()
    }

    /// The block's first byte (the batch's prefetch).
    var start: UnsafeRawPointer { UnsafeRawPointer(base) }

    @inline(__always) private func slot(_ k: Int) -> UnsafeMutablePointer<Atomic<UInt>> {
        (base + 8 &* k).assumingMemoryBound(to: Atomic<UInt>.self)
    }

    /// Grant `g`'s permit words if made (borrowed: valid while this block lives).
    @inline(__always)
    func permit(_ g: Int) -> PreparedAgreement.PermitBlock? {
        guard g >= 0 && g < grants else { return nil }
        let p = slot(g).pointee.load(ordering: .acquiring)
        guard p != 0, let raw = UnsafeRawPointer(bitPattern: p) else { return nil }
        return PreparedAgreement.PermitBlock(raw: raw)
    }

    /// Keeps `made` (a ``PreparedAgreement/PermitBlock/make(_:)``) as grant `g`'s words unless another
    /// thread kept some first (then `made` is freed); returns the kept ones.
    func setPermit(_ g: Int, _ made: UnsafeMutableRawPointer) -> PreparedAgreement.PermitBlock {
        guard g >= 0 && g < grants else {
            // Not reached: `g` is a grant of the agreement. Kept alive for the process rather than lost.
            return PreparedAgreement.PermitBlock(raw: made)
        }
        let mine = UInt(bitPattern: made)
        let (exchanged, original) = slot(g).pointee.compareExchange(expected: 0, desired: mine, ordering: .acquiringAndReleasing)
        guard !exchanged, let kept = UnsafeRawPointer(bitPattern: original) else { return PreparedAgreement.PermitBlock(raw: made) }
        PreparedAgreement.PermitBlock.free(made)
        return PreparedAgreement.PermitBlock(raw: kept)
    }

    /// Whether any grant's permit words were made (tests).
    var any: Bool { (0..<grants).contains { slot($0).pointee.load(ordering: .acquiring) != 0 } }

    /// List `l` of grant `g` (< the agreement's grants) of the agreement prepared as `core` (whose block
    /// this is), escaped; all of its lists made on the first call.
    ///
    /// The core, not its agreement, is passed (the agreement read only to make the lists): an
    /// `@autoclosure () -> Agreement` here made the compiler copy the 185-byte `Agreement` into a closure
    /// context at each of the five call sites once inlined into `writeOutcome` (callgrind words session 9:
    /// five `memcpy`s an outcome).
    @inline(__always)
    func list(_ g: Int, _ l: GrantList, of core: PreparedAgreement.Core) -> UnsafeBufferPointer<UInt8> {
        let k = grants &+ g &* 5 &+ l.rawValue
        let p = slot(k).pointee.load(ordering: .acquiring)
        if p != 0, let raw = UnsafeRawPointer(bitPattern: p) { return WordPool.text(raw) }
        return makeLists(core, k)
    }

    /// ``list(_:_:of:)`` for a block made from `a` alone (tests).
    func list(_ g: Int, _ l: GrantList, of a: Agreement) -> UnsafeBufferPointer<UInt8> {
        let k = grants &+ g &* 5 &+ l.rawValue
        let p = slot(k).pointee.load(ordering: .acquiring)
        if p != 0, let raw = UnsafeRawPointer(bitPattern: p) { return WordPool.text(raw) }
        return makeLists(a, k)
    }

    @inline(never)
    private func makeLists(_ core: PreparedAgreement.Core, _ k: Int) -> UnsafeBufferPointer<UInt8> {
        makeLists(core.agreement, k)
    }

    /// Makes every list of every grant of `a` (``NewsDecider/writeGrantList(_:_:into:)``, pooled) into
    /// the slots; returns the one at slot `k`. Two threads may both make them: each stores the same
    /// pooled addresses.
    @inline(never)
    private func makeLists(_ a: Agreement, _ k: Int) -> UnsafeBufferPointer<UInt8> {
        var w = JSONWords(out: ByteWriter(capacity: 128), remedies: ByteWriter(capacity: 16), remedyEnds: ByteWriter(capacity: 16))
        defer { w.out.free(); w.remedies.free(); w.remedyEnds.free() }
        var at = grants
        // Each grant copied once (`a.grants[g]` per list copied and destroyed the whole `Grant`).
        for grant in a.grants.prefix(grants) {
            for l in GrantList.allCases {
                NewsDecider.writeGrantList(grant, l, into: &w)
                slot(at).pointee.store(UInt(bitPattern: WordPool.shared.intern(w.out.bytes)), ordering: .releasing)
                at += 1
                w.out.removeAll()
            }
        }
        let p = slot(k).pointee.load(ordering: .acquiring)
        guard p != 0, let raw = UnsafeRawPointer(bitPattern: p) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return WordPool.text(raw)
    }
}

/// Texts that many agreements' words quote (their grants' lists: `text, photo`, `reproduce,
/// archive`, `MENA except IQ`), each kept once per process, never freed: a few thousand distinct
/// lists at 30,000 agreements (the benchmark's), ~20-40 bytes each. Interning takes a lock (once
/// per list of an agreement's first denial); reading a kept text takes nothing (its bytes never move).
///
/// The texts are packed one after another in 64 KB chunks (each `[count: UInt32][hash: UInt32][bytes]`),
/// found by an open-addressing table of their addresses keyed by a hash made eight bytes at a time.
/// Why (words session 9): each text was its own `malloc` (spread over the heap: a miss per list quoted,
/// 10% of `grantList`'s samples in the 1M batch), and the table a `Dictionary` keyed by a copied
/// `[UInt8]` (~870 instructions a list kept: the key's array, SipHash of the hash, the array compare).
final class WordPool: Sendable {
    /// The process's pool.
    static let shared = WordPool()

    private struct Table: @unchecked Sendable {
        /// Addresses of the kept texts (0: empty), `mask + 1` of them.
        var slots: UnsafeMutablePointer<UInt>
        var mask: Int
        var count = 0
        /// Where the next text goes in the current chunk, and the room left there.
        var next: UnsafeMutableRawPointer?
        var room = 0

        init() {
            mask = 1023
            slots = .allocate(capacity: mask + 1)
            slots.initialize(repeating: 0, count: mask + 1)
        }
    }

    private let table = Mutex<Table>(Table())

    static let chunkBytes = 65_536

    /// The hash of a text (``ByteWriter/hash(_:count:)``), its low 32 bits (kept with the text).
    static func hash(_ text: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard let b = text.baseAddress else { return 0 }
        return UInt32(truncatingIfNeeded: ByteWriter.hash(UnsafeRawPointer(b), count: text.count))
    }

    /// The pooled copy of `text` (made on first sight), valid for the process's life.
    func intern(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeRawPointer {
        let h = WordPool.hash(text)
        let n = text.count
        let address: UInt = table.withLock { t in
            var i = Int(h) & t.mask
            while t.slots[i] != 0 {
                if let p = UnsafeRawPointer(bitPattern: t.slots[i]), p.load(fromByteOffset: 4, as: UInt32.self) == h,
                   Int(p.load(as: UInt32.self)) == n, WordPool.equal(WordPool.text(p), text) {
                    return t.slots[i]
                }
                i = (i &+ 1) & t.mask
            }
            let need = (8 &+ n &+ 7) & ~7
            if need > t.room || t.next == nil {
                let size = max(WordPool.chunkBytes, need)
                t.next = .allocate(byteCount: size, alignment: 8)
                t.room = size
            }
            guard let p = t.next else { preconditionFailure("WordPool: no chunk") }
            p.storeBytes(of: UInt32(n), as: UInt32.self)
            p.storeBytes(of: h, toByteOffset: 4, as: UInt32.self)
            if let b = text.baseAddress, n > 0 { (p + 8).copyMemory(from: b, byteCount: n) }
            t.next = p + need
            t.room &-= need
            let address = UInt(bitPattern: p)
            t.slots[i] = address
            t.count += 1
            if 2 &* t.count > t.mask { WordPool.grow(&t) }
            return address
        }
        guard let p = UnsafeRawPointer(bitPattern: address) else { preconditionFailure("WordPool: an allocation at address 0") }
        return p
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress, a.count > 0 else { return true }
        return ByteWriter.equal(x, y, count: a.count)
    }

    /// Doubles the table (its texts' hashes are kept with them).
    private static func grow(_ t: inout Table) {
        let old = t.slots, oldSize = t.mask + 1
        t.mask = 2 &* oldSize &- 1
        t.slots = .allocate(capacity: t.mask + 1)
        t.slots.initialize(repeating: 0, count: t.mask + 1)
        for k in 0..<oldSize where old[k] != 0 {
            guard let p = UnsafeRawPointer(bitPattern: old[k]) else { continue }
            var i = Int(p.load(fromByteOffset: 4, as: UInt32.self)) & t.mask
            while t.slots[i] != 0 { i = (i &+ 1) & t.mask }
            t.slots[i] = old[k]
        }
        old.deallocate()
    }

    /// The bytes of a text from ``intern(_:)``.
    @inline(__always)
    static func text(_ p: UnsafeRawPointer) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: (p + 8).assumingMemoryBound(to: UInt8.self), count: Int(p.load(as: UInt32.self)))
    }

    /// How many distinct texts are kept (tests).
    var count: Int { table.withLock { $0.count } }
}

/// The usage counter as the writers take it: the caller's counter by address, with its type (an existential
/// metatype: a plain word, nothing counted). Opened only where a counter is read (a quota's sentence, the
/// rare evaluation again with lists).
///
/// Why (callgrind words sessions 9 and 10): passed as `any UsageCounter`, the existential was copied (its
/// class retained through a value witness) at `writeWords` and again at `writeDenial` (session 9: then made
/// once and passed by address); making that one existential was still a boxed-existential allocation call
/// and, with the batch's counter (a class), a retain and a release through `SwiftRetainableBox` per decision
/// (perf session 10: `initializeWithCopy` 0.45% and part of `appendDecisionJSON`'s 1.87% of the batch's
/// `swift_release` samples), for a counter that only a quota's sentence reads.
///
/// Public, with an inlinable initializer, so that a caller in another module makes it where its counter's type is
/// known (`withUnsafePointer(to: counter) { UsageRef($0) }`, specialized there) and calls
/// ``NewsDecider/appendDecisionJSON(_:for:usageAt:memo:to:)``: through the generic entry, which other modules call
/// unspecialized, taking the counter's address went through the generic `withUnsafePointer` and two closure
/// thunks, ~60 instructions a decision (callgrind words session 10).
public struct UsageRef {
    @usableFromInline let raw: UnsafeRawPointer
    @usableFromInline let type: any UsageCounter.Type

    /// The counter at `p` (valid while the caller's frame lives, and only then).
    @inlinable
    public init<U: UsageCounter>(_ p: UnsafePointer<U>) {
        raw = UnsafeRawPointer(p)
        type = U.self
    }

    /// ``UsageCounter/uses(agreement:grant:from:to:)`` of the counter.
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        type.uses(at: raw, agreement: agreement, grant: grant, from: from, to: to)
    }

    /// The counter as an existential (the rare evaluation again with lists).
    var counter: any UsageCounter { type.counter(at: raw) }
}

extension UsageCounter {
    /// ``uses(agreement:grant:from:to:)`` of the counter of this type at `raw` (``UsageRef``'s dispatch).
    static func uses(at raw: UnsafeRawPointer, agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        raw.assumingMemoryBound(to: Self.self).pointee.uses(agreement: agreement, grant: grant, from: from, to: to)
    }

    /// The counter of this type at `raw`.
    static func counter(at raw: UnsafeRawPointer) -> any UsageCounter { raw.assumingMemoryBound(to: Self.self).pointee }
}

/// The indexes of a mask's set bits, lowest first: the public permissions not met as the evaluation keeps
/// them (``NewsEvaluation/publicNotMet``), read without an array.
struct BitIndexes: Sequence, IteratorProtocol {
    var bits: UInt64
    init(_ bits: UInt64) { self.bits = bits }
    mutating func next() -> Int? {
        guard bits != 0 else { return nil }
        let i = bits.trailingZeroBitCount
        bits &= bits &- 1
        return i
    }
}

/// The caller's counter as a ``UsageRef`` for `body`.
@inline(__always)
func withUsageRef<U: UsageCounter, R>(_ usage: U, _ body: (UsageRef) -> R) -> R {
    withUnsafePointer(to: usage) { body(UsageRef($0)) }
}

/// Where ``NewsDecider/writeWords(_:_:usage:memo:into:)`` writes. Text calls (`words`, `value`,
/// `number`, `percent`, `instant`) go to the open reason's message, or between
/// ``remedy()`` and ``endRemedy()`` to that remedy.
protocol DecisionWordSink {
    /// Opens a reason with an empty message.
    mutating func reason(code: StaticString, agreement: String?)
    /// Opens a reason about the agreement prepared as `core`; `named`: its message starts with the
    /// agreement's name (`contract C-1`).
    mutating func reason(_ code: AgreementReason, about core: PreparedAgreement.Core, named: Bool)
    /// ` in ` and the agreement's id (a remedy's end: `a grant covering print in C-1`).
    mutating func inAgreement(_ core: PreparedAgreement.Core)
    /// The agreement's id, in a message or a remedy.
    mutating func id(_ core: PreparedAgreement.Core)
    /// List `l` of grant `g` of the agreement prepared as `core` (``NewsDecider/writeGrantList(_:_:into:)``'s words).
    mutating func grantList(_ core: PreparedAgreement.Core, _ g: Int, _ l: GrantList)
    /// Constant words (ASCII, nothing to escape).
    mutating func words(_ s: StaticString)
    /// A value (the request's, the agreement's): escaped in JSON.
    mutating func value(_ s: String)
    /// An integer in decimal.
    mutating func number(_ n: Int)
    /// A fraction as a whole percentage (`0.25` -> `25`).
    mutating func percent(_ x: Double)
    /// An instant as ``Instant/description`` (`dateOnly`: ``Instant/dateString``).
    mutating func instant(_ i: Instant, dateOnly: Bool)
    /// The request's time (``RepublicationRequest/at``) as ``Instant/description``: `instant(i, dateOnly: false)`,
    /// which a sink may keep and write again while the same instant comes back within one decision.
    mutating func requestTime(_ i: Instant)
    /// Closes the open reason with its quote.
    mutating func endReason(_ quote: QuoteRef)
    mutating func remedy()
    /// Closes the open remedy (kept once: an equal earlier one makes it vanish).
    mutating func endRemedy()
    mutating func duty(_ d: DecisionDuty)
    /// A permit's reason by grant `g` of the agreement prepared as `core` (its whole message and its quote: the
    /// grant's clause, else the notice's), its words made once (`w`).
    mutating func permitReason(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int)
    /// A permit's grant duties (no notice obligations to merge), its words made once (`w`).
    mutating func duties(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int)
    /// Whether the reasons quoting the notice have notice words to quote (``QuoteRef/notice``
    /// resolves to a quote): ``QuoteRef/noticeOr(_:)`` is then ``QuoteRef/notice``.
    var quotesNotice: Bool { get }
    /// Whether the sink wants nothing more (``OneReason``, once its reason is written): the writer
    /// stops between reasons. False for the sinks that keep everything.
    var finished: Bool { get }
}

extension DecisionWordSink {
    var finished: Bool { false }

    mutating func inAgreement(_ core: PreparedAgreement.Core) { words(" in "); id(core) }

    mutating func grantList(_ core: PreparedAgreement.Core, _ g: Int, _ l: GrantList) {
        NewsDecider.writeGrantList(core, g, l, into: &self)  // in place (no `Grant` copy)
    }

    /// The `String` sinks' permit: the same calls as any reason (the message as made once, plain), the duties
    /// made again from the grant (the JSON sink copies the block's bytes instead; `permitBlockIsTheGeneralPathsBytes`
    /// holds the two to the same bytes).
    mutating func permitReason(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int) {
        reason(code: "granted", agreement: core.agreement.id)
        value(String(decoding: w.message, as: UTF8.self))
        endReason(NewsDecider.grant(core, g) { $0.clause }.map { .agreement($0) } ?? .notice)
    }

    mutating func duties(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int) {
        for d in PreparedAgreement.permitDuties(core.agreement, grant: g, obligations: []) { duty(d) }
    }

    mutating func percent(_ x: Double) {
        if let v = NewsDecider.percent(x) { number(v) } else { value(String(describing: (x * 100).rounded())) }
    }

    mutating func requestTime(_ i: Instant) { instant(i, dateOnly: false) }
}

/// A decision's JSON bytes (``NewsDecision/appendJSON(to:)``'s layout), written through raw
/// pointers: reasons as they come, duties after them, remedies kept aside (deduped on their
/// escaped bytes: equal strings have equal escapes) and written at the end.
///
/// Remedies are kept in ``remedies`` as they are written at the end, each `,"TEXT"` (the first
/// comma skipped), and the end of each in ``remedyEnds`` (`UInt32`s): a new remedy is compared
/// only with the earlier ones of its length, and the decision's `wouldPermitIf` list is one copy.
/// (Session 6's records were each a length then the text: `finish` copied them one by one, ~250
/// instructions a decision; callgrind words session 8.)
struct JSONWords: DecisionWordSink {
    var out: ByteWriter
    var remedies: ByteWriter
    var remedyEnds: ByteWriter
    /// The end of a reason quoting the notice: `","quote":…,"quoteFrom":"notice"}`, or `"}` (see ``NoticeTerms/quoteJSON``),
    /// the message's closing `"` included.
    /// Points into the decider's ``NoticeBox`` (``NoticeBox/quoteRefs``), or at a static `}`.
    var quote = UnsafeBufferPointer(start: ("\"}" as StaticString).utf8Start, count: 2)
    /// The thread's date cache (the memo's, which outlives the sink), if any.
    var dates: Unmanaged<DateCache>?
    /// The request's time as written in this decision (``requestTime(_:)``; `atCount` bytes, 0: not yet).
    ///
    /// Why (words session 10): a denial says the request's time once per inactive agreement (`ended on …,
    /// before this use (2026-07-11T12:08:46Z)`): on the small workload 0.72 times a decision, 0.27 of them
    /// again in the same decision; the second and later ones are four stores, not the formatter.
    /// Kept with the instant they spell: the bytes are reused only for that instant (one comparison), so a caller
    /// that passes another time gets it formatted, not the request's.
    private var atBytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var atCount = 0
    private var atInstant = Instant(millisecondsSinceEpoch: 0)
    private var reasons = 0
    private var inDuties = false
    private var duties = 0
    private var remedyStart = 0

    init(out: ByteWriter, remedies: ByteWriter, remedyEnds: ByteWriter) {
        self.out = out
        self.remedies = remedies
        self.remedyEnds = remedyEnds
    }

    var quotesNotice: Bool { quote.count > 2 }

    /// The end of remedy `k` in ``remedies``.
    @inline(__always) private func remedyEnd(_ k: Int) -> Int {
        Int(UnsafeRawPointer(remedyEnds.base + 4 &* k).loadUnaligned(as: UInt32.self))
    }

    /// Opens the decision: its id, verdict, source and subscriber. `sourceJSON`: `source` escaped
    /// already (the notice's, ``NoticeBox/sourceJSON``, when the request's source is the notice's:
    /// compared, not escaped again).
    mutating func begin(id: String?, permit: Bool, source: String, sourceJSON: UnsafeBufferPointer<UInt8>?, subscriber: String) {
        if let id {
            out.put("{\"id\":\"" as StaticString); escaped(id)
            out.put(permit ? "\",\"decision\":\"permit\",\"source\":\"" as StaticString : "\",\"decision\":\"deny\",\"source\":\"")
        } else {
            out.put(permit ? "{\"id\":null,\"decision\":\"permit\",\"source\":\"" as StaticString : "{\"id\":null,\"decision\":\"deny\",\"source\":\"")
        }
        if let sourceJSON { out.put(sourceJSON) } else { escaped(source) }
        out.put("\",\"subscriber\":\"" as StaticString)
        escaped(subscriber)
        out.put("\",\"reasons\":[" as StaticString)
    }

    mutating func finish() {
        out.put(inDuties ? "],\"wouldPermitIf\":[" as StaticString : "],\"duties\":[],\"wouldPermitIf\":[")
        if remedies.count > 1 { out.put(UnsafeBufferPointer(start: remedies.base + 1, count: remedies.count &- 1)) }
        out.put("]}" as StaticString)
    }

    @inline(__always) private mutating func escaped(_ s: String) {
        JSONBytes.appendEscaped(s, to: &out)
    }

    mutating func reason(code: StaticString, agreement: String?) {
        out.put(reasons == 0 ? "{\"code\":\"" as StaticString : ",{\"code\":\"")
        reasons += 1
        out.put(code)
        if let agreement { out.put("\",\"agreement\":\"" as StaticString); escaped(agreement) }
        out.put("\",\"message\":\"" as StaticString)
    }

    mutating func reason(_ code: AgreementReason, about core: PreparedAgreement.Core, named: Bool) {
        // `,{"code":"…","agreement":"` in one piece (its comma skipped for the first reason), then the
        // id, the message's key and, when named, the name: one copy of the agreement's bytes.
        let open = code.json
        let skip = reasons == 0 ? 1 : 0
        out.put(UnsafeBufferPointer(start: open.utf8Start + skip, count: open.utf8CodeUnitCount &- skip))
        reasons &+= 1
        out.put(named ? core.text.bytes : core.text.unnamed)
    }

    mutating func inAgreement(_ core: PreparedAgreement.Core) { out.put(core.text.inID) }

    mutating func id(_ core: PreparedAgreement.Core) {
        out.put(core.text.id)
    }

    @inline(__always) mutating func words(_ s: StaticString) {
        out.put(s)
    }

    /// The list as kept with the agreement (``AgreementWords``, its text in the ``WordPool``): one copy.
    mutating func grantList(_ core: PreparedAgreement.Core, _ g: Int, _ l: GrantList) {
        out.put(core.words.list(g, l, of: core))
    }

    /// The permit's reason as made once (``PreparedAgreement/PermitBlock``): two copies (the reason; the
    /// clause's quote or the notice's). The same bytes as ``reason(_:)`` then ``endReason(_:)``, which the
    /// `String` sinks call (``DecisionWordSink/permitReason(_:_:_:)``).
    mutating func permitReason(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int) {
        if reasons > 0 { out.put(0x2C) }
        reasons += 1
        out.put(w.reason)
        let end = w.end
        out.put(end.count > 0 ? end : quote)
    }

    @inline(__always) mutating func value(_ s: String) {
        escaped(s)
    }

    mutating func number(_ n: Int) {
        out.decimal(n)
    }

    mutating func instant(_ i: Instant, dateOnly: Bool) {
        format(i, dateOnly: dateOnly)
    }

    mutating func requestTime(_ i: Instant) {
        if atCount > 0 && atInstant == i {
            let (a, b, c, d) = atBytes
            out.write(max: 32) { p in
                let r = UnsafeMutableRawPointer(p)
                r.storeBytes(of: a, as: UInt64.self); r.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
                r.storeBytes(of: c, toByteOffset: 16, as: UInt64.self); r.storeBytes(of: d, toByteOffset: 24, as: UInt64.self)
                return atCount
            }
            return
        }
        let start = out.count
        format(i, dateOnly: false)
        let n = out.count &- start
        if n <= 32 {
            withUnsafeMutableBytes(of: &atBytes) { $0.baseAddress?.copyMemory(from: out.base + start, byteCount: n) }
            atCount = n
            atInstant = i
        }
    }

    /// ``instant(_:dateOnly:)``'s formatting.
    @inline(__always)
    private mutating func format(_ i: Instant, dateOnly: Bool) {
        if let dates {
            dates._withUnsafeGuaranteedRef { d in
                out.put(i, dateOnly: dateOnly, dates: d)
            }
        } else {
            out.put(i, dateOnly: dateOnly)
        }
    }

    /// Closes the reason: the message's closing quote and the reason's quote. The notice's (nearly
    /// every reason) is one copy: ``quote`` starts with the message's closing `"`.
    @inline(__always)
    mutating func endReason(_ q: QuoteRef) {
        if case .notice = q { out.put(quote) } else { endReasonQuoting(q) }
    }

    private mutating func endReasonQuoting(_ q: QuoteRef) {
        if case .notice = q { out.put(quote); return }
        if case .noticeOr(let clause) = q, quote.count > 2 || clause == nil { out.put(quote); return }
        out.put(0x22)
        switch q {
        case .none: out.put(0x7D)
        case .notice: break
        case .noticeOr(let clause): if let clause { agreementQuote(clause) }
        case .agreement(let text): agreementQuote(text)
        case .noticeText(let text):
            if let text {
                out.put(",\"quote\":\"" as StaticString); escaped(text); out.put("\",\"quoteFrom\":\"notice\"}" as StaticString)
            } else {
                out.put(0x7D)
            }
        }
    }

    private mutating func agreementQuote(_ text: String) {
        out.put(",\"quote\":\"" as StaticString); escaped(text); out.put("\",\"quoteFrom\":\"agreement\"}" as StaticString)
    }

    /// Opens a remedy: the remedies' writer becomes ``out`` until ``endRemedy()`` (the two swapped),
    /// so that every piece is written to ``out`` without asking where (each text call tested a
    /// remedy flag and had both writers' code inlined; words session 8).
    mutating func remedy() {
        swap(&out, &remedies)
        remedyStart = out.count
        out.put(",\"" as StaticString)
    }

    /// Keeps the remedy written since ``remedy()`` unless an earlier one has the same bytes.
    mutating func endRemedy() {
        out.put(0x22)
        let n = out.count &- remedyStart
        let kept = remedyEnds.count >> 2
        var at = 0
        var same = false
        for k in 0..<kept {
            let end = remedyEnd(k)
            // Compared a word at a time (`elementsEqual` went byte by byte through iterators).
            if end &- at == n && ByteWriter.equal(out.base + at, out.base + remedyStart, count: n) { same = true; break }
            at = end
        }
        if same {
            out.removeLast(n)
        } else {
            let end = UInt32(truncatingIfNeeded: out.count)
            remedyEnds.write(max: 4) { p in UnsafeMutableRawPointer(p).storeBytes(of: end, as: UInt32.self); return 4 }
        }
        swap(&out, &remedies)
    }

    private mutating func openDuties() {
        if !inDuties { inDuties = true; out.put("],\"duties\":[" as StaticString) }
    }

    mutating func duty(_ d: DecisionDuty) {
        openDuties()
        if duties > 0 { out.put(0x2C) }
        duties += 1
        DecisionDuty.writeJSON(d, to: &out)
    }

    mutating func duties(_ w: PreparedAgreement.PermitBlock, _ core: PreparedAgreement.Core, _ g: Int) {
        openDuties()
        let json = w.dutiesJSON
        guard json.count > 0 else { return }
        if duties > 0 { out.put(0x2C) }
        duties += w.dutyCount
        out.put(json)
    }
}

/// A ``NewsDecision``'s reasons, duties and remedies, as strings.
struct DecisionBuilder: DecisionWordSink {
    var decision: NewsDecision
    /// The notice's words for the request (``QuoteRef/notice``).
    let noticeQuote: String?
    private var text: [UInt8] = []
    private var code: String = ""
    private var agreement: String?
    private var inRemedy = false
    private var remedyText: [UInt8] = []

    init(_ decision: NewsDecision, noticeQuote: String?) {
        self.decision = decision
        self.noticeQuote = noticeQuote
    }

    var quotesNotice: Bool { noticeQuote != nil }

    mutating func reason(code: StaticString, agreement: String?) {
        self.code = code.description
        self.agreement = agreement
        text.removeAll(keepingCapacity: true)
    }

    mutating func reason(_ code: AgreementReason, about core: PreparedAgreement.Core, named: Bool) {
        reason(code: code.code, agreement: core.agreement.id)
        if named { words(core.agreement.kind.staticName); words(" "); value(core.agreement.id) }
    }

    mutating func id(_ core: PreparedAgreement.Core) { value(core.agreement.id) }

    mutating func words(_ s: StaticString) {
        let b = UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
        if inRemedy { remedyText.append(contentsOf: b) } else { text.append(contentsOf: b) }
    }

    mutating func value(_ s: String) {
        if inRemedy { remedyText.append(contentsOf: s.utf8) } else { text.append(contentsOf: s.utf8) }
    }

    mutating func number(_ n: Int) {
        if inRemedy { remedyText.decimal(n) } else { text.decimal(n) }
    }

    mutating func instant(_ i: Instant, dateOnly: Bool) {
        if inRemedy { i.appendDescription(to: &remedyText, dateOnly: dateOnly) } else { i.appendDescription(to: &text, dateOnly: dateOnly) }
    }

    mutating func endReason(_ q: QuoteRef) {
        let (quote, from) = q.resolved(noticeQuote: noticeQuote)
        decision.reasons.append(Reason(code: code, agreement: agreement, message: String(decoding: text, as: UTF8.self), quote: quote, quoteFrom: from))
    }

    mutating func remedy() {
        inRemedy = true
        remedyText.removeAll(keepingCapacity: true)
    }

    mutating func endRemedy() {
        inRemedy = false
        let w = String(decoding: remedyText, as: UTF8.self)
        if !decision.wouldPermitIf.contains(w) { decision.wouldPermitIf.append(w) }
    }

    mutating func duty(_ d: DecisionDuty) { decision.duties.append(d) }
}

extension DecisionDuty {
    /// Writes the duty's compact JSON (``json``'s keys in order): the one writer of a duty's bytes.
    static func writeJSON<S: JSONByteSink>(_ d: DecisionDuty, to out: inout S) {
        out.put(UnsafeBufferPointer(start: ("{\"action\":" as StaticString).utf8Start, count: 10))
        var action = d.duty.action.rawValue
        action.withUTF8 { JSONBytes.escape($0, to: &out) }
        func field(_ key: StaticString, _ v: String?) {
            guard var v else { return }
            out.put(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            v.withUTF8 { JSONBytes.escape($0, to: &out) }
        }
        field(",\"text\":", d.duty.text)
        field(",\"url\":", d.duty.url)
        field(",\"agreement\":", d.agreement)
        out.put(0x7D)
    }
}

extension PreparedAgreement {
    /// A permit's words by one grant, in ONE allocation of plain bytes, made on the grant's first permit and kept
    /// in its agreement's ``AgreementWords`` permit slot:
    ///
    ///     [reason count: 4][end count: 4][duties count: 4][duties: 4][message start: 4][plain message count: 4]
    ///     [reason: {"code":"granted","agreement":"…","message":"…]
    ///     [end: ","quote":"CLAUSE","quoteFrom":"agreement"} — empty: the notice's quote ends it]
    ///     [duties: the grant's duties' JSON objects, comma-separated]
    ///     [the plain message, only when escaping changed it (its count 0 otherwise: `reason[messageStart...]`)]
    ///
    /// Why kept and not in a per-thread memo: there are ~33,000 (agreement, grant) pairs on the default workload;
    /// a bounded per-worker memo kept missing and rewording them.
    ///
    /// Why one allocation (perf annotate on the 1M batch at 30,000 agreements, words session 9): a permit read its
    /// words object, then its `ReasonStart` object, then that one's `[UInt8]`: three dependent cache misses (the
    /// words are made once per grant and met again long after), 3.1% of the batch's samples SELF in one closure;
    /// and the clause was escaped again at every permit. Here the words are one miss away from the agreement's
    /// block, which the batch asks for ahead (``NewsDecider/hotRanges(stage:into:capacity:)`` stage 3).
    ///
    /// Why plain bytes only (words session 10): the block also kept, for the `String` sinks (`decision`, the
    /// audit's one reason), a `PermitWords` object holding a `ReasonStart` (the same reason bytes again in an
    /// `[UInt8]`, its code and agreement as `String`s) and the duties as `[DecisionDuty]`: ~400 bytes more per
    /// grant that ever permitted, ~5 MB of the 1M batch's peak at 30,000 agreements, against a 200 MB budget.
    /// The `String` sinks now read the plain message here and make the duties again from the grant
    /// (``DecisionWordSink/permitReason(_:_:_:)``): not on the batch's path.
    struct PermitBlock {
        let raw: UnsafeRawPointer

        @inline(__always) private func count(_ k: Int) -> Int { Int(raw.load(fromByteOffset: 4 &* k, as: UInt32.self)) }
        /// `{"code":"granted","agreement":"…","message":"…` (no closing quote).
        @inline(__always) var reason: UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: (raw + 24).assumingMemoryBound(to: UInt8.self), count: count(0))
        }
        /// The reason's end quoting the grant's clause (its message's closing `"` first), empty when the
        /// grant has no clause (the notice's quote ends it).
        @inline(__always) var end: UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: (raw + (24 &+ count(0))).assumingMemoryBound(to: UInt8.self), count: count(1))
        }
        /// The duties' JSON objects, comma-separated.
        @inline(__always) var dutiesJSON: UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: (raw + (24 &+ count(0) &+ count(1))).assumingMemoryBound(to: UInt8.self), count: count(2))
        }
        /// How many duties.
        @inline(__always) var dutyCount: Int { count(3) }
        /// The message as written (not escaped).
        var message: UnsafeBufferPointer<UInt8> {
            let plain = count(5)
            if plain > 0 {
                return UnsafeBufferPointer(start: (raw + (24 &+ count(0) &+ count(1) &+ count(2))).assumingMemoryBound(to: UInt8.self), count: plain)
            }
            return UnsafeBufferPointer(rebasing: reason[count(4)...])
        }

        /// A block for agreement `agreement`'s permit with message `message` (plain), the grant's `clause`, and
        /// its `dutyCount` duties' JSON `dutiesJSON`.
        static func make(agreement: String, message: UnsafeBufferPointer<UInt8>, clause: String?, dutiesJSON: UnsafeBufferPointer<UInt8>,
                         dutyCount: Int) -> UnsafeMutableRawPointer {
            var reason = ByteWriter(capacity: message.count + 2 * agreement.utf8.count + 64)
            defer { reason.free() }
            reason.put("{\"code\":\"granted\",\"agreement\":" as StaticString)
            JSONBytes.appendString(agreement, to: &reason)
            reason.put(",\"message\":\"" as StaticString)
            let messageStart = reason.count
            reason.putEscapedBody(message)
            let plain = reason.count - messageStart == message.count ? 0 : message.count
            var end = ByteWriter(capacity: 64)
            defer { end.free() }
            if let clause {
                end.put("\",\"quote\":\"" as StaticString)
                JSONBytes.appendEscaped(clause, to: &end)
                end.put("\",\"quoteFrom\":\"agreement\"}" as StaticString)
            }
            let p = UnsafeMutableRawPointer.allocate(byteCount: 24 + reason.count + end.count + dutiesJSON.count + plain, alignment: 8)
            for (k, n) in [reason.count, end.count, dutiesJSON.count, dutyCount, messageStart, plain].enumerated() {
                p.storeBytes(of: UInt32(n), toByteOffset: 4 * k, as: UInt32.self)
            }
            var at = p + 24
            for piece in [reason.bytes, end.bytes, dutiesJSON, UnsafeBufferPointer(rebasing: message[..<plain])] {
                if let b = piece.baseAddress, piece.count > 0 { at.copyMemory(from: b, byteCount: piece.count) }
                at += piece.count
            }
            return p
        }

        /// Frees the block.
        static func free(_ p: UnsafeMutableRawPointer) {
            p.deallocate()
        }
    }
}

extension PreparedAgreement.Core {
    /// The agreement's id and name for a decision's words (in its ``AgreementWords`` block).
    var text: AgreementText { words.text }

    /// The permit words of grant `g` (see ``PreparedAgreement/PermitBlock``), made on its first
    /// permit; borrowed (no retain): valid while this core lives.
    @inline(__always)
    func permitWords(_ g: Int) -> PreparedAgreement.PermitBlock {
        if let hit = words.permit(g) { return hit }
        return words.setPermit(g, makePermitWords(g))
    }

    /// Makes grant `g`'s permit words.
    ///
    /// Written straight as bytes into one ``ByteWriter`` (the grant's summary by
    /// ``Grant/writeSummary(to:)``, the end date by the instant formatter, the message escaped in one
    /// pass): it was built from `[UInt8]` appends of `String`s (`Grant.summary` joined `String`s,
    /// `Term.endText` another) and escaped byte by byte into another array: ~21,000 instructions
    /// per grant (callgrind words session 7; 4.2% of the 1M batch at 30,000 agreements).
    private func makePermitWords(_ g: Int) -> UnsafeMutableRawPointer {
        let a = agreement
        let grant = a.grants[g]
        var m = ByteWriter(capacity: 256)
        defer { m.free() }
        m.put(a.kind.staticName); m.put(0x20); m.put(a.id); m.put(" grants " as StaticString)
        grant.writeSummary(to: &m)
        m.put(" (grant " as StaticString); m.decimal(g + 1); m.put("), in force until " as StaticString)
        // `Term.endText`: the last covered day of a date-only end, else the end instant.
        if a.term.endIsDate { m.put(a.term.end.adding(milliseconds: -86_400_000), dateOnly: true) } else { m.put(a.term.end, dateOnly: false) }
        let duties = PreparedAgreement.permitDuties(a, grant: g, obligations: [])
        var json = ByteWriter(capacity: 128)
        defer { json.free() }
        for (k, d) in duties.enumerated() {
            if k > 0 { json.put(0x2C) }
            DecisionDuty.writeJSON(d, to: &json)
        }
        return PreparedAgreement.PermitBlock.make(agreement: a.id, message: m.bytes, clause: grant.clause, dutiesJSON: json.bytes,
                                                  dutyCount: duties.count)
    }
}

extension Array where Element == UInt8 {
    /// Appends a static ASCII/UTF-8 text.
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends a `String`'s UTF-8 bytes as they are.
    @inline(__always)
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }
}

extension JSONByteSink {
    /// Appends an integer in decimal (as `String(n)` writes it).
    mutating func decimal(_ n: Int) {
        // One digit (a grant's number, most counts) without the buffer: ~100 -> ~10 instructions.
        if n >= 0 && n < 10 { put(UInt8(truncatingIfNeeded: n) &+ 0x30); return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { b in
            var k = 24
            var m = n.magnitude
            repeat {
                k -= 1
                b[k] = UInt8(truncatingIfNeeded: m % 10) + 0x30
                m /= 10
            } while m > 0
            if n < 0 { k -= 1; b[k] = 0x2D }
            put(UnsafeBufferPointer(rebasing: b[k..<24]))
        }
    }
}

extension Array {
    /// The element at `i`, or nil when out of range.
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
