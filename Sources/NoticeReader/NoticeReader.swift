import Foundation
import ClearanceCore

/// Reads an agency's copyright notice (bare, or inside a whole article page) into rules with provenance.
public struct NoticeReader: Sendable {
    public let packs: LanguagePacks

    /// A reader over the given language packs.
    public init(packs: LanguagePacks) { self.packs = packs }

    /// Concepts that mark a line as part of a notice on their own.
    static let strongCues: Set<String> = ["reserved", "copyright", "prohibit", "noticeLabel", "ownership", "noPart", "holderBefore", "holderAfter", "reservesRight"]
    /// Concepts that support a notice reading.
    static let supportCues: Set<String> = ["lifter", "without", "requires", "use", "asset", "duty", "rights", "permit", "only", "any", "extent", "obligation", "condition", "limitMax"]

    struct Line {
        let range: Range<Int>
        /// Input span of the line, and the end of the previous line's span (the gap between counts for the notice).
        let span: Range<Int>
        /// The line's tokens and their analysis; empty for long lines without rights words (never
        /// part of a notice), so a 10 MB page does not keep every token it saw.
        let tokens: [Token]
        let analysis: TokenAnalysis
        let matches: [Match]
        /// Detection counts of the line alone (letters over its input span, words over its tokens),
        /// and letters between the previous line and this one.
        let counts: LanguagePacks.Counts
        let gapCounts: LanguagePacks.Counts
        let strong: Int
        let support: Int
        let weak: Int

        init(range: Range<Int>, span: Range<Int>, tokens: [Token], analysis: TokenAnalysis, matches: [Match], counts: LanguagePacks.Counts, gapCounts: LanguagePacks.Counts) {
            self.range = range; self.span = span; self.tokens = tokens; self.analysis = analysis
            self.matches = matches; self.counts = counts; self.gapCounts = gapCounts
            var strong = 0, support = 0, weak = 0
            for m in matches {
                if m.cue & 1 != 0 { strong += 1 }
                if m.cue & 2 != 0 { support += 1 }
                if m.cue & 4 != 0 { weak += 1 }
            }
            self.strong = strong; self.support = support; self.weak = weak
        }

        func count(_ concept: String) -> Int { matches.reduce(0) { $0 + ($1.concept == concept ? 1 : 0) } }
        /// Whether the line reads as part of a copyright notice.
        var isNotice: Bool {
            let s = strong, sup = support
            if s >= 2 || (s >= 1 && (sup >= 2 || range.count <= 160)) { return true }
            let lifts = count("lifter") > 0 && (count("without") + count("requires") + count("permit") + count("only")) > 0
            return lifts && sup >= 3
        }
        /// Whether the line could join a notice (gap filling and extension look only at these).
        var mayJoin: Bool { isNotice || range.count <= 120 || weak > 0 || support > 0 }
    }

    /// Concepts that do not count as rights words on their own.
    static let notWeak: Set<String> = ["number", "agency", "of", "any", "neg", "holderEnd"]

    /// A concept's weight as a notice cue, computed once per phrase when the packs load (the line
    /// classifier used to look three string sets up per match): bit 0 strong, 1 support, 2 weak.
    static func cueBits(concept: String, value: String?) -> UInt8 {
        var b: UInt8 = 0
        if strongCues.contains(concept) || (concept == "licence" && (value == "cc" || value == "cc0")) { b |= 1 }
        if supportCues.contains(concept) { b |= 2 }
        if !notWeak.contains(concept) { b |= 4 }
        return b
    }

    /// Reads `input`; never fails: what it cannot read becomes findings, and the reading stays prohibitive.
    ///
    /// Each line is folded, tokenized and analysed once (see `Vocabulary`); its language counts are
    /// kept so the notice's languages are a sum, not a second pass, and its clauses are slices of
    /// its tokens rather than tokenized again. Everything is linear in the input.
    public func read(_ input: String) -> NoticeReading {
        let text = NormalizedText(input)
        let all = 0..<text.scalars.count
        var lines: [Line] = []
        var prevEnd = 0
        for r in Tokenizer.lines(text, all) {
            let toks = Tokenizer.tokens(text, r)
            let span = text.inputSpan(r.lowerBound, r.upperBound)
            let analysis = packs.analyse(text, toks, 0..<toks.count)
            var counts = LanguagePacks.Counts(packs: packs.all.count)
            packs.countLetters(text, span, into: &counts)
            packs.countWords(analysis, into: &counts)
            var gap = LanguagePacks.Counts(packs: packs.all.count)
            packs.countLetters(text, prevEnd..<span.lowerBound, into: &gap)
            prevEnd = span.upperBound
            let (det, _) = packs.decide(counts, fallback: [])
            var line = Line(range: r, span: span, tokens: toks, analysis: analysis, matches: Matcher.run(text, toks, analysis, 0..<toks.count, det.lexicons),
                            counts: counts, gapCounts: gap)
            if !line.mayJoin {
                line = Line(range: r, span: span, tokens: [], analysis: TokenAnalysis(), matches: line.matches, counts: counts, gapCounts: gap)
            }
            lines.append(line)
        }
        var findings: [Finding] = []
        // Notice lines: rights language, or a short line with one cue.
        var isNotice = lines.map(\.isNotice)
        let noticeIdx = isNotice.indices.filter { isNotice[$0] }
        if noticeIdx.isEmpty {
            if all.count <= 1500 && !lines.isEmpty {
                isNotice = lines.map { _ in true }
                findings.append(Finding(code: "no_notice_cues", severity: "warning", message: "no copyright notice wording recognised; the whole input was read as the notice", span: nil))
            } else {
                findings.append(Finding(code: "no_notice_found", severity: "warning", message: "no copyright notice found in the input; nothing is permitted unless agreed", span: nil))
            }
        } else if let first = noticeIdx.first, let last = noticeIdx.last {
            // Keep short or rights-flavoured lines between notice lines.
            var i = first
            while i < last {
                if !isNotice[i] {
                    var j = i
                    while j < last && !isNotice[j] { j += 1 }
                    let gap = lines[i..<j]
                    if (gap.count <= 3 && gap.allSatisfy({ $0.range.count <= 120 || $0.weak > 0 })) || gap.allSatisfy({ $0.support > 0 }) {
                        for k in i..<j { isNotice[k] = true }
                    }
                    i = j
                } else { i += 1 }
            }
            // Extend to neighbouring lines that read as rules ("use is permitted provided the source is cited").
            var k = last + 1
            while k < lines.count, lines[k].support >= 3, lines[k].range.count <= 800 { isNotice[k] = true; k += 1 }
            k = first - 1
            while k >= 0, lines[k].support >= 3, lines[k].range.count <= 800 { isNotice[k] = true; k -= 1 }
        }
        let chosen = lines.indices.filter { isNotice[$0] }
        let fromPage = lines.indices.contains { !isNotice[$0] && lines[$0].range.count > 160 } || (lines.count - chosen.count) >= 3
        let credit = fromPage ? findCredit(text, lines, before: chosen.first) : nil

        // Languages: the notice decides per script (letters from its first to its last line, words
        // of its lines: a sum of the lines' counts); each clause may differ.
        var noticeCounts = LanguagePacks.Counts(packs: packs.all.count)
        if let f = chosen.first, let l = chosen.last {
            for k in f...l {
                noticeCounts.add(scriptsAndLetters: lines[k].counts)
                if k > f { noticeCounts.add(scriptsAndLetters: lines[k].gapCounts) }
            }
            for k in chosen { noticeCounts.add(words: lines[k].counts) }
        }
        let (noticeDet, perScript) = packs.decide(noticeCounts, fallback: [])
        var clauses: [(ClauseInput, Clause)] = []
        var lineOf: [Int] = []
        for k in chosen {
            // One detection per line (with the notice's choice per script as fallback) serves its clauses.
            let (det, _) = packs.decide(lines[k].counts, fallback: perScript)
            let lineTokens = lines[k].tokens
            let lineAnalysis = lines[k].analysis
            var t0 = 0
            for r in Tokenizer.clauses(text, lines[k].range) {
                // The clause's tokens are a slice of the line's: clause cuts fall on punctuation, which
                // tokens never contain. Should a token straddle a cut (a forced cut inside a very long
                // word), the clause is tokenized on its own, as before.
                while t0 < lineTokens.count && lineTokens[t0].start < r.lowerBound { t0 += 1 }
                var t1 = t0
                while t1 < lineTokens.count && lineTokens[t1].end <= r.upperBound { t1 += 1 }
                let straddles = (t0 > 0 && lineTokens[t0 - 1].end > r.lowerBound) || (t1 < lineTokens.count && lineTokens[t1].start < r.upperBound)
                let toks: [Token]
                let analysis: TokenAnalysis
                if straddles || lineTokens.isEmpty {
                    toks = Tokenizer.tokens(text, r)
                    analysis = packs.analyse(text, toks, 0..<toks.count)
                } else {
                    toks = Array(lineTokens[t0..<t1])
                    analysis = lineAnalysis.slice(t0..<t1)
                }
                t0 = t1
                // Split further where a comma is followed by a word that starts a new clause ("،وفي", ", but").
                let matches = Matcher.run(text, toks, analysis, 0..<toks.count, det.lexicons)
                var cuts = [0]
                func commaBefore(_ i: Int) -> Bool {
                    for s in text.scalars[toks[i - 1].end..<toks[i].start] where s == "," || s == ";" { return true }
                    return false
                }
                for m in matches where m.concept == "clauseStart" && m.lo > 0 && commaBefore(m.lo) { cuts.append(m.lo) }
                // "… may not be copied, quotes may be made with the source": split at the comma between opposite modals.
                let modals = matches.filter { $0.concept == "prohibit" || $0.concept == "permit" }
                for (a, b) in zip(modals, modals.dropFirst()) where a.concept != b.concept {
                    if let c = (a.hi..<b.lo).last(where: { $0 > 0 && commaBefore($0) }), !cuts.contains(c) { cuts.append(c) }
                }
                cuts.sort()
                cuts.append(toks.count)
                for (a, b) in zip(cuts, cuts.dropFirst()) where a < b {
                    let sub = cuts.count == 2 ? toks : Array(toks[a..<b])
                    var lo = a == 0 ? r.lowerBound : sub[0].start
                    var hi = b == toks.count ? r.upperBound : sub[sub.count - 1].end
                    while hi > lo, text.scalars[hi - 1] == "," || text.scalars[hi - 1] == " " { hi -= 1 }
                    while lo < hi, text.scalars[lo] == " " { lo += 1 }
                    let subSpan = text.inputSpan(lo, hi)
                    let ctext = text.inputText(subSpan)
                    let prov = Provenance(text: ctext, span: [subSpan.lowerBound, subSpan.upperBound], language: det.language, confidence: det.confidence)
                    let subMatches = cuts.count == 2 ? matches : Matcher.run(text, toks, analysis, a..<b, det.lexicons)
                    clauses.append((ClauseInput(tokens: sub, matches: subMatches, provenance: prov, text: text),
                                    Clause(text: ctext, span: prov.span, language: det.language)))
                    lineOf.append(k)
                }
            }
        }
        if !chosen.isEmpty, packs.lexicons[noticeDet.language] == nil {
            findings.append(Finding(code: "language_unsupported", severity: "warning", message: "no language pack for `\(noticeDet.language)`; only symbols and licence codes were read", span: nil))
        }

        // Holder first, so its words are not read as assets or rules.
        let holder = HolderFinder.find(clauses.map { $0.0 })
        var rules: [ReadRule] = []
        var lastClauseRead = false
        var carried: (line: Int, assets: [String])?
        for (idx, (ci, _)) in clauses.enumerated() {
            var input = ci
            if let h = holder, h.clause == idx {
                input = ClauseInput(tokens: ci.tokens, matches: ci.matches.filter { $0.hi <= h.tokens.lowerBound || $0.lo >= h.tokens.upperBound || $0.concept != "asset" && $0.concept != "use" },
                                    provenance: ci.provenance, text: ci.text)
            }
            var (r, f) = ClauseReader.read(input)
            // The cut-off check below needs to know whether the last clause made a rule; reuse this
            // reading unless the holder's words were taken out of it.
            if idx == clauses.count - 1 && holder?.clause != idx { lastClauseRead = !r.isEmpty }
            // "… owns the news and photos …, they may not be used …": the object is carried from the clause before.
            for i in r.indices where r[i].assets.isEmpty && [.prohibition, .permission, .limitedPermission].contains(r[i].kind) {
                if let c = carried, c.line == lineOf[idx] {
                    r[i].assets = c.assets
                    r[i].notes.append("assets carried over from the preceding clause")
                }
            }
            if let withAssets = r.first(where: { !$0.assets.isEmpty }) { carried = (lineOf[idx], withAssets.assets) }
            rules.append(contentsOf: r)
            findings.append(contentsOf: f)
        }
        var holderName = holder?.name
        var holderSpan = holder.map { [$0.span.lowerBound, $0.span.upperBound] }
        if let credit {
            if let h = holderName {
                if !NormalizedText.fold(h).contains(NormalizedText.fold(credit)) { holderName = "\(h) (\(credit))" }
            } else {
                holderName = credit
                holderSpan = nil
                findings.append(Finding(code: "holder_from_credit", severity: "warning", message: "the notice names no holder; `\(credit)` is taken from the article's credit line", span: nil))
            }
        }
        if holderName == nil && !chosen.isEmpty {
            findings.append(Finding(code: "holder_not_named", severity: "warning", message: "the notice names no rights holder; name one when reviewing", span: nil))
        }
        if let last = clauses.last, !lastClauseRead, cutOff(last.0) {
            findings.append(Finding(code: "notice_cut_off", severity: "warning", message: "the notice seems cut off after `\(ClauseReader.short(last.1.text))`; what follows is unknown and stays prohibited", span: last.1.span))
        }
        let summary = Summarizer.summarize(rules: &rules, holder: holderName, language: noticeDet.language, credit: credit, findings: findings.count)
        if summary.defaultRule == "prohibit" && !rules.contains(where: { $0.kind == .permission || $0.kind == .licence }) {
            // Not a finding: the ordinary reading of a notice with no public permission.
        }
        let noticeText = chosen.map { text.inputText(lines[$0].span) }.joined(separator: "\n")
        return NoticeReading(
            notice: noticeText,
            noticeSpans: chosen.map { [lines[$0].span.lowerBound, lines[$0].span.upperBound] },
            language: noticeDet.language, fromPage: fromPage, holder: holderName, holderSpan: holderSpan, credit: credit,
            clauses: clauses.map { $0.1 }, rules: rules, findings: findings,
            summary: summary)
    }

    /// Whether the last clause ends without a full stop and made no rule.
    func cutOff(_ c: ClauseInput) -> Bool {
        guard let lastTok = c.tokens.last else { return false }
        let end = lastTok.end
        let tail = c.text.scalars[end..<min(c.text.scalars.count, end + 3)]
        let closed = tail.contains { ".!?。;؟)\"»".unicodeScalars.contains($0) }
        return !closed && ClauseReader.read(c).0.isEmpty && c.tokens.count >= 4
    }

    /// The credit line of the article: a short bracketed name ending the paragraph before the notice.
    func findCredit(_ text: NormalizedText, _ lines: [Line], before: Int?) -> String? {
        guard let b = before, b > 0 else { return nil }
        for k in stride(from: b - 1, through: max(0, b - 2), by: -1) {
            let span = text.inputSpan(lines[k].range.lowerBound, lines[k].range.upperBound)
            let s = text.inputText(span).trimmingCharacters(in: .whitespacesAndNewlines)
            var t = Substring(s)
            while let l = t.last, l == "." || l == " " { t = t.dropLast() }
            guard t.last == ")", let open = t.lastIndex(of: "(") else { continue }
            let inner = t[t.index(after: open)..<t.index(before: t.endIndex)].trimmingCharacters(in: .whitespaces)
            if (2...40).contains(inner.count), !inner.contains("(") { return inner }
        }
        return nil
    }
}
