/// Finds the rights holder's name as written, from cue phrases the language packs name.
///
/// Cues, strongest first: `copyright` and `holderAfter` (the name follows: `© NAME`, `owned by NAME`),
/// `holderBefore` (the name precedes: `NAME owns`, `NAME'ye aittir`), `reserved` (`… محفوظة لـNAME`),
/// then the grantor of a permission (`permission of NAME`, `NAME'in onayı`).
enum HolderFinder {
    struct Found {
        let clause: Int
        let tokens: Range<Int>
        let span: Range<Int>
        let name: String
    }

    /// Concepts a name never runs into.
    static let passThrough: Set<String> = ["agency", "asset", "number"]
    static let beforeStops: Set<String> = ["reserved", "rights", "copyright", "prohibit", "permit", "lifter", "licence", "noticeLabel", "neg", "without", "ownership", "holderAfter", "holderEnd", "of"]

    static func find(_ clauses: [ClauseInput]) -> Found? {
        var best: (Int, Found)?
        func consider(_ rank: Int, _ f: Found?) {
            guard let f else { return }
            if rank < (best?.0 ?? Int.max) { best = (rank, f) }
        }
        for (ci, c) in clauses.enumerated() {
            for (k, x) in c.matches.enumerated() {
                switch x.concept {
                case "copyright", "holderAfter":
                    consider(1, after(c, ci, from: x.hi, stripClitic: false, requireCapital: x.concept == "copyright"))
                case "holderBefore":
                    consider(1, before(c, ci, from: x.lo))
                case "reserved":
                    consider(2, after(c, ci, from: x.hi, stripClitic: true))
                case "holderWeak":
                    consider(4, after(c, ci, from: x.hi, stripClitic: false))
                case "lifter":
                    // "permission of NAME": skip written/prior/express words, then "of".
                    var j = k + 1
                    while j < c.matches.count, ["written", "prior", "express"].contains(c.matches[j].concept), c.matches[j].lo - c.matches[j - 1].hi <= 2 { j += 1 }
                    if j < c.matches.count, c.matches[j].concept == "of", c.matches[j].lo - c.matches[j - 1].hi <= 2 {
                        consider(3, after(c, ci, from: c.matches[j].hi, stripClitic: false))
                    }
                    // "NAME's permission" / "NAME'in onayı"
                    var lo = x.lo
                    var jj = k - 1
                    while jj >= 0, ["written", "prior", "express"].contains(c.matches[jj].concept), lo - c.matches[jj].hi <= 1 { lo = c.matches[jj].lo; jj -= 1 }
                    if lo >= 2, gap(c, lo - 1).has("'") {
                        consider(3, before(c, ci, from: lo))
                    }
                default: break
                }
            }
            if let b = best, b.0 == 1 { return b.1 }
        }
        return best?.1
    }

    /// The folded text between two tokens, looked at scalar by scalar.
    ///
    /// It used to be built as a `String` per probe and searched with `String.contains`, which
    /// Foundation answers through `NSString.range(of:)`: perf put that at 11% of the notice bench.
    /// Gaps are a few punctuation scalars, so a scan of the slice answers the same questions.
    struct Gap {
        let s: ArraySlice<Unicode.Scalar>
        func has(_ u: Unicode.Scalar) -> Bool { s.contains(u) }
        /// Whether `a` is directly followed by `b` somewhere in the gap.
        func has(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
            var prev: Unicode.Scalar?
            for u in s { if prev == a && u == b { return true }; prev = u }
            return false
        }
        var isFullStop: Bool { s.count == 1 && s.first == "." }
        var endsWithSpace: Bool { s.last?.properties.isWhitespace == true }
        /// A gap a name does not run across: a line break, `;|:()"`, or a dash next to a space.
        var breaks: Bool {
            for u in s {
                switch u { case "\n", ";", "|", ":", "(", ")", "\"": return true; default: continue }
            }
            return has(" ", "-") || has("-", " ")
        }
    }

    /// Text between token `i-1` and token `i`.
    static func gap(_ c: ClauseInput, _ i: Int) -> Gap {
        guard i > 0, i < c.tokens.count else { return Gap(s: []) }
        return Gap(s: c.text.scalars[c.tokens[i - 1].end..<c.tokens[i].start])
    }

    static func matchAt(_ c: ClauseInput, _ i: Int) -> Match? { c.matches.first { $0.lo <= i && i < $0.hi } }

    /// A name following token `from`.
    static func after(_ c: ClauseInput, _ ci: Int, from: Int, stripClitic: Bool, requireCapital: Bool = false) -> Found? {
        var i = from
        // Skip years, ©, "by", "to", "for" before the name.
        while i < c.tokens.count {
            if i > from, case let g = gap(c, i), g.breaks && !g.has("-") { return nil }
            let t = c.tokens[i]
            if t.isNumber || t.text == "©" { i += 1; continue }
            if let mm = matchAt(c, i), ["copyright", "of", "licence"].contains(mm.concept) { i = mm.hi; continue }
            break
        }
        let start = i
        // A name starts with a capital (or in a script without case), or is a domain name.
        if requireCapital, start < c.tokens.count, !c.tokens[start].capitalised, c.tokens[start].text.unicodeScalars.first.map({ $0.properties.changesWhenUppercased }) == true,
           !(start + 1 < c.tokens.count && gap(c, start + 1).isFullStop) {
            return nil
        }
        var end = i
        while end < c.tokens.count, end - start < 12 {
            if end > start {
                let g = gap(c, end)
                if g.breaks { break }
                if g.has(".") && g.endsWithSpace && !Tokenizer.isAbbreviation(c.text, before: c.tokens[end - 1].end, lineStart: c.tokens[start].start) { break }
                if g.has(",") && !c.tokens[end].capitalised { break }
            }
            let t = c.tokens[end]
            if t.isNumber || t.text == "©" { break }
            if let mm = matchAt(c, end), !passThrough.contains(mm.concept) { break }
            end += 1
        }
        return make(c, ci, start, end, stripClitic: stripClitic)
    }

    /// A name ending before token `from`.
    static func before(_ c: ClauseInput, _ ci: Int, from: Int) -> Found? {
        var start = from
        while start > 0, from - start < 12 {
            if start < from && gap(c, start).breaks { break }
            let t = c.tokens[start - 1]
            if let mm = matchAt(c, start - 1), beforeStops.contains(mm.concept) { break }
            if t.isNumber { break }
            start -= 1
        }
        return make(c, ci, start, from, stripClitic: false)
    }

    static func make(_ c: ClauseInput, _ ci: Int, _ start: Int, _ end: Int, stripClitic: Bool) -> Found? {
        var end = end
        // Drop a case suffix written after an apostrophe (`A.Ş.'ye`, `Grubu’na`, `ABHaber'in`).
        if end - start >= 2, gap(c, end - 1).has("'"), c.tokens[end - 1].text.count <= 4 { end -= 1 }
        while end > start, let mm = matchAt(c, end - 1), mm.concept == "of" { end -= 1 }
        guard end > start else { return nil }
        if let mm = matchAt(c, start), mm.concept == "genericHolder" { return nil }
        var from = c.tokens[start].start
        if stripClitic, let lex = c.matches.first(where: { $0.concept == "reserved" }), lex.hi == start {
            let t = c.tokens[start].text
            if t.hasPrefix("\u{0644}") && t.unicodeScalars.count > 3 { from += 1 }
        }
        let span = c.text.inputSpan(from, c.tokens[end - 1].end)
        var name = c.text.inputText(span)
        // Keep a trailing abbreviation's full stop ("Inc.", "A.Ş.").
        if span.upperBound < c.text.input.count, c.text.input[span.upperBound] == ".", Tokenizer.isAbbreviation(c.text, before: c.tokens[end - 1].end, lineStart: c.tokens[start].start), c.tokens[end - 1].text.count <= 3 {
            name += "."
        }
        let letters = name.unicodeScalars.filter { $0.properties.isAlphabetic }.count
        guard letters >= 2 else { return nil }
        return Found(clause: ci, tokens: start..<end, span: span, name: name)
    }
}
