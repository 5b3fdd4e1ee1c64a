import Synchronization

/// A decision's JSON written straight from its facts (``NewsEvaluation``) into the output bytes:
/// what `check --batch` writes per line, byte for byte what ``NewsDecision/appendJSON(to:)`` writes
/// for ``NewsDecider/decision(_:for:usage:memo:)`` (`EvaluationTests` compares them on every kind
/// of reason; the 1M-decision md5 is unchanged, bench/PROFILE.md news session 4).
///
/// Why: wording a decision as `String`s and then escaping them was most of a decision's cost
/// (bench/PROFILE.md "Outside the engine pass": explanation misses ~9.5k instructions, a permit's
/// reuse ~1.2k, `NewsDecision` copies). Here a sentence is written in pieces: the constant words
/// as static bytes, the agreement's and the request's values escaped into place (JSON escaping is
/// per character, so the pieces' escapes are the whole's), the notice's quote as bytes written once
/// per notice (``NoticeTerms/quoteJSON``), a permit's reason and duties as bytes made once per
/// (agreement, grant) and kept with the prepared agreement (``PreparedAgreement/permitWords(_:)``).
/// No hash memo is asked: its look-up cost about what writing the pieces does.
///
/// Covered here: permits by an agreement (notice without obligations), and denials whose every
/// agreement failed on asset, action, extent, portion, channel or territory, or is not started or
/// expired, or no agreement (≈ 99% of the default workload's decisions). Anything else (no policy,
/// public permissions, embargo, quota, restriction, termination, prior subscription, kind not
/// accepted, no grant) is worded by ``NewsDecider/decision(_:for:usage:memo:)`` and written from it.
extension NewsDecider {
    /// Appends the compact JSON of ``decision(_:for:usage:memo:)`` for evaluation `e` of `r` (made by
    /// ``evaluate(_:usage:memo:)`` of this decider): the same bytes as ``NewsDecision/appendJSON(to:)``.
    ///
    /// For `check --batch` (per line, JSON output, no decision log): `let decider = NewsDecider(…)`,
    /// `let e = decider.evaluate(req, usage: counter, memo: memo)`, `e.verdict` for the exit status,
    /// `decider.appendDecisionJSON(e, for: req, usage: counter, memo: memo, to: &out)`.
    public func appendDecisionJSON(_ e: NewsEvaluation, for r: RepublicationRequest, usage: some UsageCounter = NoUsage(),
                                   memo: DecisionMemo? = nil, to out: inout [UInt8]) {
        guard let box = noticeBox, writesDirectly(e, r, box) else {
            decision(e, for: r, usage: usage, memo: memo).appendJSON(to: &out)
            return
        }
        // `}` or `,"quote":…,"quoteFrom":"notice"}`: the end of every reason that quotes the notice
        // (its last entry for a request no prohibition concerns). Read from the box's own field:
        // through `box.terms` the whole `NoticeTerms` was copied and dropped (~520 instructions).
        let quotes = box.quoteJSON
        let noticeQuote = quotes[e.concern.first >= 0 && e.concern.first < quotes.count ? e.concern.first : quotes.count - 1]
        out.reserveCapacity(out.count + 1024)
        out.raw("{\"id\":")
        if let id = r.id { JSONBytes.appendQuoted(id, to: &out) } else { out.raw("null") }
        out.raw(e.verdict == .permit ? ",\"decision\":\"permit\",\"source\":" : ",\"decision\":\"deny\",\"source\":")
        JSONBytes.appendQuoted(r.source, to: &out)
        out.raw(",\"subscriber\":")
        JSONBytes.appendQuoted(r.subscriber, to: &out)
        out.raw(",\"reasons\":[")
        if case .agreement(let k, let g) = e.basis {
            let words = agreements[k].permitWords(g)
            words.bytes.withUnsafeBufferPointer { b in
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[..<words.split]))
                if !words.hasClause { out.append(contentsOf: noticeQuote) }
                out.raw("],\"duties\":[")
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[words.split...]))
            }
            out.raw("],\"wouldPermitIf\":[]}")
            return
        }
        // A denial: reasons in order, each remedy written once (as `decision` dedupes them). The
        // remedies' scratch arrays are the memo's (one per thread), so a denial allocates nothing.
        var remedies = Remedies()
        if let memo {
            swap(&remedies.bytes, &memo.remedyBytes)
            swap(&remedies.ends, &memo.remedyEnds)
            remedies.bytes.removeAll(keepingCapacity: true)
            remedies.ends.removeAll(keepingCapacity: true)
        }
        defer {
            if let memo {
                swap(&remedies.bytes, &memo.remedyBytes)
                swap(&remedies.ends, &memo.remedyEnds)
            }
        }
        if e.outcomes.isEmpty {
            let how = e.concern.lifters.isEmpty ? "an agreement" : describeLifters(box, r, concern: e.concern, memo: memo)
            out.raw("{\"code\":\"no_agreement\",\"message\":\"")
            JSONBytes.appendEscaped(r.subscriber, to: &out)
            out.raw(" has no agreement with ")
            JSONBytes.appendEscaped(r.source, to: &out)
            if e.concern.isEmpty {
                out.raw(", and nothing in the notice permits this use\"")
            } else {
                out.raw(", and the notice prohibits this use without ")
                JSONBytes.appendEscaped(how, to: &out)
                out.raw("\"")
            }
            out.append(contentsOf: noticeQuote)
            remedies.begin()
            JSONBytes.appendEscaped(how, to: &remedies.bytes)
            remedies.raw(" with ")
            JSONBytes.appendEscaped(r.source, to: &remedies.bytes)
            remedies.raw(" covering ")
            remedies.raw(r.asset.kind.rawValue)
            remedies.raw(" on ")
            remedies.raw(r.channel.rawValue)
            remedies.raw(" in ")
            JSONBytes.appendEscaped(r.territory, to: &remedies.bytes)
            remedies.end()
        }
        var first = e.outcomes.isEmpty ? false : true
        for o in e.outcomes {
            writeDenial(agreements[Int(o.agreement)], o, r, noticeQuote: noticeQuote, first: &first, out: &out, remedies: &remedies)
        }
        out.raw("],\"duties\":[],\"wouldPermitIf\":[")
        remedies.write(to: &out)
        out.raw("]}")
    }

    /// Whether ``appendDecisionJSON(_:for:usage:memo:to:)`` writes `e` itself (see the extension's note).
    func writesDirectly(_ e: NewsEvaluation, _ r: RepublicationRequest, _ box: NoticeBox) -> Bool {
        guard !box.quoteJSON.isEmpty else { return false }
        switch e.basis {
        case .noPolicy, .notice: return false
        case .agreement: return !box.hasObligations
        case .denied:
            guard e.publicNotMet == 0, !e.truncated, !e.concern.overflow else { return false }
            let direct: UInt16 = 1 << UInt16(GrantDimension.asset.caseIndex) | 1 << UInt16(GrantDimension.action.caseIndex)
                | 1 << UInt16(GrantDimension.extent.caseIndex) | 1 << UInt16(GrantDimension.portion.caseIndex)
                | 1 << UInt16(GrantDimension.channel.caseIndex) | 1 << UInt16(GrantDimension.territory.caseIndex)
            for o in e.outcomes {
                if o.kindNotAccepted || o.restriction != nil { return false }
                if let i = o.inactivity {
                    if i != .term && i != .termEnd { return false }
                    continue
                }
                guard o.bestGrant != nil, o.failing != 0, o.failing & ~direct == 0 else { return false }
                // A portion sentence prints percentages as integers: only when they are plain numbers.
                if o.fails(.portion) {
                    guard let g = o.bestGrant, let grant = agreements[Int(o.agreement)].core.agreement.grants[safe: g],
                          NewsDecider.percent(grant.maxPortion ?? 0) != nil, r.portion.map({ NewsDecider.percent($0) != nil }) ?? true
                    else { return false }
                }
            }
            return true
        }
    }

    /// `Int((x * 100).rounded())` when that is an integer the sentence can print (nil for NaN, infinities, huge values).
    static func percent(_ x: Double) -> Int? {
        let v = (x * 100).rounded()
        guard v.isFinite, abs(v) < 1e15 else { return nil }
        return Int(v)
    }

    /// Writes the reasons of a denial by agreement `p` (outcome `o`, one ``writesDirectly(_:_:_:)`` accepts)
    /// and adds its remedies.
    func writeDenial(_ p: PreparedAgreement, _ o: AgreementOutcome, _ r: RepublicationRequest, noticeQuote: [UInt8],
                     first: inout Bool, out: inout [UInt8], remedies: inout Remedies) {
        let a = p.core.agreement
        // `prefix` is the reason's start up to its agreement (`{"code":"…","agreement":"`): one
        // append per constant run (each append is ~100 instructions of bounds and capacity checks).
        func open(_ prefix: StaticString) {
            if first { first = false } else { out.raw(",") }
            out.raw(prefix)
            JSONBytes.appendEscaped(a.id, to: &out)
            out.raw("\",\"message\":\"")
        }
        func name() {
            out.raw(a.kind.rawValue)
            out.raw(" ")
            JSONBytes.appendEscaped(a.id, to: &out)
        }
        if let i = o.inactivity {
            open(i == .term ? "{\"code\":\"agreement_not_started\",\"agreement\":\"" : "{\"code\":\"agreement_expired\",\"agreement\":\"")
            name()
            remedies.begin()
            // Instants are written as bytes (`Term.startText`/`endText` and `description` made
            // `String`s, the date a `prefix` of one: ~1,500 instructions a sentence).
            let t = a.term
            if i == .term {
                out.raw(" starts on ")
                t.start.appendDescription(to: &out, dateOnly: t.startIsDate)
                out.raw(", after this use (")
                remedies.raw("wait until ")
                t.start.appendDescription(to: &remedies.bytes)
                remedies.raw(" when ")
                JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
                remedies.raw(" starts")
            } else {
                // `Term.endText`: the last covered day of a date-only end.
                let end = t.endIsDate ? t.end.adding(milliseconds: -86_400_000) : t.end
                out.raw(" ended on ")
                end.appendDescription(to: &out, dateOnly: t.endIsDate)
                out.raw(", before this use (")
                remedies.raw("a renewal of ")
                JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
                remedies.raw(" (it ended on ")
                end.appendDescription(to: &remedies.bytes, dateOnly: t.endIsDate)
                remedies.raw(")")
            }
            r.at.appendDescription(to: &out)
            out.raw(")\"")
            out.append(contentsOf: noticeQuote)
            remedies.end()
            return
        }
        guard let g = o.bestGrant, g < a.grants.count else { return }
        let grant = a.grants[g]
        // A dimension the grant does not cover leaves the notice's prohibition standing: quote the
        // notice; without notice words, the grant's clause.
        func close() {
            out.raw("\"")
            if noticeQuote.count > 1 || grant.clause == nil {
                out.append(contentsOf: noticeQuote)
            } else if let clause = grant.clause {
                out.raw(",\"quote\":")
                JSONBytes.appendString(clause, to: &out)
                out.raw(",\"quoteFrom\":\"agreement\"}")
            }
        }
        func grantName() {
            name()
            if a.grants.count > 1 {
                out.raw(" (grant ")
                out.decimal(g + 1)
                out.raw(")")
            }
        }
        func list(_ parts: [String]) {
            for (k, s) in parts.enumerated() {
                if k > 0 { out.raw(", ") }
                JSONBytes.appendEscaped(s, to: &out)
            }
        }
        func inAgreement() {
            remedies.raw(" in ")
            JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
        }
        for i in GrantDimension.asset.caseIndex...GrantDimension.territory.caseIndex where o.failing & (1 << UInt16(i)) != 0 {
            remedies.begin()
            switch GrantDimension.at(i) {
            case .asset:
                open("{\"code\":\"asset_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" grants ")
                JSONBytes.appendEscaped(grant.assets.listText, to: &out)
                out.raw(" only, not ")
                out.raw(r.asset.kind.rawValue)
                remedies.raw("a grant covering ")
                remedies.raw(r.asset.kind.rawValue)
                inAgreement()
            case .action:
                open("{\"code\":\"action_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" grants ")
                list(grant.actions)
                out.raw(" only, which does not include ")
                JSONBytes.appendEscaped(r.action, to: &out)
                remedies.raw("a grant of ")
                JSONBytes.appendEscaped(r.action, to: &remedies.bytes)
                remedies.raw(" (or use)")
                inAgreement()
            case .extent:
                open("{\"code\":\"extent_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" grants ")
                for (k, x) in grant.extent.enumerated() {
                    if k > 0 { out.raw(", ") }
                    out.raw(x.rawValue)
                }
                out.raw(" use only, not ")
                out.raw(r.extent.rawValue)
                remedies.raw("a grant covering ")
                remedies.raw(r.extent.rawValue)
                remedies.raw(" use")
                inAgreement()
            case .portion:
                let max = NewsDecider.percent(grant.maxPortion ?? 0) ?? 0
                open("{\"code\":\"extent_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" allows at most ")
                out.decimal(max)
                if let p = r.portion, let asked = NewsDecider.percent(p) {
                    out.raw("% of an asset, not ")
                    out.decimal(asked)
                    out.raw("%")
                } else {
                    out.raw("% of an asset, and the request does not say how much (`portion`)")
                }
                remedies.raw("using at most ")
                remedies.bytes.decimal(max)
                remedies.raw("% of the asset (")
                JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
                remedies.raw(")")
            case .channel:
                open("{\"code\":\"channel_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" grants ")
                JSONBytes.appendEscaped(grant.channels.listText, to: &out)
                out.raw(" only, not ")
                out.raw(r.channel.rawValue)
                remedies.raw("a grant covering ")
                remedies.raw(r.channel.rawValue)
                inAgreement()
            case .territory:
                open("{\"code\":\"territory_not_granted\",\"agreement\":\"")
                grantName()
                out.raw(" grants ")
                list(grant.territories.include)
                if !grant.territories.exclude.isEmpty {
                    out.raw(" except ")
                    list(grant.territories.exclude)
                }
                out.raw(" only, not ")
                JSONBytes.appendEscaped(r.territory, to: &out)
                remedies.raw("a grant covering ")
                JSONBytes.appendEscaped(r.territory, to: &remedies.bytes)
                inAgreement()
            default:
                break
            }
            close()
            remedies.end()
        }
    }

    /// A denial's remedies as escaped JSON string bodies, each kept once, in order (`decision`'s
    /// `wouldPermitIf` dedupe: equal strings have equal escapes). Small: a denial has a few.
    struct Remedies {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        private var start = 0

        mutating func begin() { start = bytes.count }
        mutating func raw(_ s: StaticString) { bytes.raw(s) }
        mutating func raw(_ s: String) {
            var s = s
            s.withUTF8 { bytes.append(contentsOf: $0) }
        }

        /// Keeps the remedy written since ``begin()`` unless an earlier one has the same bytes.
        mutating func end() {
            let n = bytes.count - start
            var previous = 0
            let duplicate = bytes.withUnsafeBufferPointer { b -> Bool in
                for e in ends {
                    defer { previous = e }
                    if e - previous == n && b[previous..<e].elementsEqual(b[start..<start + n]) { return true }
                }
                return false
            }
            if duplicate { bytes.removeLast(n) } else { ends.append(bytes.count) }
        }

        /// Writes the kept remedies as JSON strings separated by commas.
        func write(to out: inout [UInt8]) {
            var previous = 0
            bytes.withUnsafeBufferPointer { b in
                for (k, e) in ends.enumerated() {
                    out.raw(k == 0 ? "\"" : ",\"")
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: b[previous..<e]))
                    out.raw("\"")
                    previous = e
                }
            }
        }
    }
}

extension PreparedAgreement {
    /// A permit's words by one grant, as JSON bytes: `bytes[..<split]` is the reason up to its
    /// message's end (with the grant's clause and `}` when it has one, `hasClause`: else the
    /// notice's quote follows), `bytes[split...]` the grant's duties (comma-separated objects).
    struct PermitWords: Sendable {
        let bytes: [UInt8]
        let split: Int
        let hasClause: Bool
    }

    /// The permit words of grant `g`, made on its first permit and kept with the agreement (shared
    /// by every thread; a lock around a small array).
    ///
    /// Why here and not in a per-thread memo: a permit's words depend only on the agreement and the
    /// grant (the notice's part, its quote, is added from ``NoticeTerms/quoteJSON``), and there are
    /// ~33,000 (agreement, grant) pairs on the default workload: a 4,096-entry memo per worker kept
    /// missing and rewording them (`Grant.summary`, ~10,000 instructions). Made once each, they cost
    /// ~200 bytes per grant that ever permitted.
    func permitWords(_ g: Int) -> PermitWords {
        if let hit = core.permitWords.withLock({ g < $0.count ? $0[g] : nil }) { return hit }
        let made = PreparedAgreement.makePermitWords(agreement, grant: g)
        core.permitWords.withLock { list in
            if list.count < agreement.grants.count { list += Array(repeating: nil, count: agreement.grants.count - list.count) }
            if g < list.count { list[g] = made }
        }
        return made
    }

    static func makePermitWords(_ a: Agreement, grant g: Int) -> PermitWords {
        // The same reason and duties as `permit(grant:noticeQuote:obligations:)` with no obligations.
        let reason = permitReason(a, grant: g, noticeQuote: nil)
        var bytes: [UInt8] = []
        bytes.raw("{\"code\":\"granted\",\"agreement\":")
        JSONBytes.appendString(a.id, to: &bytes)
        bytes.raw(",\"message\":")
        JSONBytes.appendString(reason.message, to: &bytes)
        let clause = a.grants[g].clause
        if let clause {
            bytes.raw(",\"quote\":")
            JSONBytes.appendString(clause, to: &bytes)
            bytes.raw(",\"quoteFrom\":\"agreement\"}")
        }
        let split = bytes.count
        var seen: [Duty] = []
        for d in a.grants[g].duties where !seen.contains(d) {
            if !seen.isEmpty { bytes.raw(",") }
            seen.append(d)
            bytes.raw("{\"action\":")
            JSONBytes.appendString(d.action.rawValue, to: &bytes)
            if let t = d.text { bytes.raw(",\"text\":"); JSONBytes.appendString(t, to: &bytes) }
            if let u = d.url { bytes.raw(",\"url\":"); JSONBytes.appendString(u, to: &bytes) }
            bytes.raw(",\"agreement\":")
            JSONBytes.appendString(a.id, to: &bytes)
            bytes.raw("}")
        }
        return PermitWords(bytes: bytes, split: split, hasClause: clause != nil)
    }
}

extension Array where Element == UInt8 {
    /// Appends a static ASCII/UTF-8 text.
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends a `String` known to need no JSON escape (a vocabulary word: `photo`, `web`, `whole`).
    @inline(__always)
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends an integer in decimal (as `String(n)` writes it).
    mutating func decimal(_ n: Int) {
        if n < 0 { append(0x2D) }
        let m = n.magnitude
        if m < 10 { append(UInt8(truncatingIfNeeded: m) + 0x30); return }
        var p: UInt = 1
        while m / p >= 10 { p *= 10 }
        while p > 0 {
            append(UInt8(truncatingIfNeeded: (m / p) % 10) + 0x30)
            p /= 10
        }
    }
}

extension Array {
    /// The element at `i`, or nil when out of range.
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
