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
        let terms = box.terms
        let quoteIndex = e.concern.first >= 0 ? e.concern.first : terms.prohibitions.count
        // `}` or `,"quote":…,"quoteFrom":"notice"}`: the end of every reason that quotes the notice.
        let noticeQuote = terms.quoteJSON[quoteIndex]
        out.reserveCapacity(out.count + 1024)
        out.raw("{\"id\":")
        if let id = r.id { JSONBytes.appendString(id, to: &out) } else { out.raw("null") }
        out.raw(e.verdict == .permit ? ",\"decision\":\"permit\",\"source\":" : ",\"decision\":\"deny\",\"source\":")
        JSONBytes.appendString(r.source, to: &out)
        out.raw(",\"subscriber\":")
        JSONBytes.appendString(r.subscriber, to: &out)
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
        // A denial: reasons in order, each remedy written once (as `decision` dedupes them).
        var remedies = Remedies()
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
        switch e.basis {
        case .noPolicy, .notice: return false
        case .agreement: return box.terms.obligations.isEmpty
        case .denied:
            guard e.publicNotMet == 0, e.publicOverflow.isEmpty, !e.concern.overflow else { return false }
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
        func open(_ code: StaticString) {
            if first { first = false } else { out.raw(",") }
            out.raw("{\"code\":\"")
            out.raw(code)
            out.raw("\",\"agreement\":")
            JSONBytes.appendString(a.id, to: &out)
            out.raw(",\"message\":\"")
        }
        func name() {
            out.raw(a.kind.rawValue)
            out.raw(" ")
            JSONBytes.appendEscaped(a.id, to: &out)
        }
        if let i = o.inactivity {
            open(i == .term ? "agreement_not_started" : "agreement_expired")
            name()
            remedies.begin()
            if i == .term {
                out.raw(" starts on ")
                JSONBytes.appendEscaped(a.term.startText, to: &out)
                out.raw(", after this use (")
                remedies.raw("wait until ")
                JSONBytes.appendEscaped(a.term.start.description, to: &remedies.bytes)
                remedies.raw(" when ")
                JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
                remedies.raw(" starts")
            } else {
                let end = a.term.endText
                out.raw(" ended on ")
                JSONBytes.appendEscaped(end, to: &out)
                out.raw(", before this use (")
                remedies.raw("a renewal of ")
                JSONBytes.appendEscaped(a.id, to: &remedies.bytes)
                remedies.raw(" (it ended on ")
                JSONBytes.appendEscaped(end, to: &remedies.bytes)
                remedies.raw(")")
            }
            JSONBytes.appendEscaped(r.at.description, to: &out)
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
                open("asset_not_granted")
                grantName()
                out.raw(" grants ")
                JSONBytes.appendEscaped(grant.assets.listText, to: &out)
                out.raw(" only, not ")
                out.raw(r.asset.kind.rawValue)
                remedies.raw("a grant covering ")
                remedies.raw(r.asset.kind.rawValue)
                inAgreement()
            case .action:
                open("action_not_granted")
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
                open("extent_not_granted")
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
                open("extent_not_granted")
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
                open("channel_not_granted")
                grantName()
                out.raw(" grants ")
                JSONBytes.appendEscaped(grant.channels.listText, to: &out)
                out.raw(" only, not ")
                out.raw(r.channel.rawValue)
                remedies.raw("a grant covering ")
                remedies.raw(r.channel.rawValue)
                inAgreement()
            case .territory:
                open("territory_not_granted")
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
