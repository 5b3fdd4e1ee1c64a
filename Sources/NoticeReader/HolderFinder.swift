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
        // The candidate is built only when it would beat the best so far (names are strings: perf put
        // building them for every cue at a tenth of the notice bench).
        func consider(_ rank: Int, _ build: @autoclosure () -> Found?) {
            guard rank < (best?.0 ?? Int.max), let f = build() else { return }
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
                        // A grantor in a cased script starts with a capital ("permission of Reuters", not "approval prior to publication").
                        consider(3, after(c, ci, from: c.matches[j].hi, stripClitic: false, requireCapital: true))
                    }
                    // "zgody PAP", "согласия ТАСС": in languages that put the grantor in the genitive, a capitalised
                    // name right after the lifter (and its written/prior words).
                    let tail = c.matches[j - 1].hi
                    if genitiveGrantor.contains(c.provenance.language), !(j < c.matches.count && c.matches[j].concept == "of"),
                       tail < c.tokens.count, c.tokens[tail].capitalised, !gap(c, tail).breaks, !gap(c, tail).has(","), matchAt(c, tail) == nil {
                        consider(3, after(c, ci, from: tail, stripClitic: false, requireCapital: true))
                    }
                    // "NAME's permission" / "NAME'in onayı"
                    var lo = x.lo
                    var jj = k - 1
                    while jj >= 0, ["written", "prior", "express"].contains(c.matches[jj].concept), lo - c.matches[jj].hi <= 1 { lo = c.matches[jj].lo; jj -= 1 }
                    // The name before the apostrophe starts with a capital in a cased script ("AFP's", "İLKHA'nın"; not "you're").
                    if lo >= 2, gap(c, lo - 1).has("'"), c.tokens[lo - 2].capitalised || !c.text.scalars[c.tokens[lo - 2].start].properties.changesWhenUppercased {
                        consider(3, before(c, ci, from: lo))
                    }
                case "agency":
                    // "Anadolu Ajansı", "ЎзТАГ телеграф агентлиги", "Agence France-Presse", news agency “International Reporters”.
                    consider(5, agencyName(c, ci, x))
                case "duty" where x.value == "attribution":
                    // "credit The Conversation", "cite Reuters": a capitalised name right after an attribution word.
                    if 6 < (best?.0 ?? Int.max), let run = capitalRun(c, from: x.hi) { consider(6, make(c, ci, run.lowerBound, run.upperBound, stripClitic: false)) }
                default: break
                }
            }
            // "News Group Newspapers Limited", "Acme Media GmbH": capitalised words ending in a company form.
            for i in c.tokens.indices where i > 0 && c.tokens[i - 1].capitalised && 7 < (best?.0 ?? Int.max) && companyForms.contains(c.word(i)) {
                consider(7, companyName(c, ci, suffix: i))
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

    /// Languages that name a grantor in the genitive, with no word for "of" ("bez zgody PAP").
    static let genitiveGrantor: Set<String> = ["pl", "ru", "uk", "cs", "lv", "uz-Cyrl", "uz"]
    /// Legal forms that end a company name.
    static let companyForms: Set<String> = ["limited", "ltd", "inc", "llc", "plc", "gmbh", "corp", "corporation", "srl", "spa", "bv", "nv", "oy", "ab", "as", "asa", "jsc", "ooo", "зао", "оао", "ооо", "ао", "пао"]
    /// Capitalised words that do not make a name on their own (sentence starts, determiners).
    static let notNames: Set<String> = ["the", "a", "an", "our", "this", "these", "its", "their", "your", "all", "le", "la", "les", "l", "el", "los", "las", "die", "der", "das", "den", "il", "lo", "gli", "de", "du", "des", "bu", "şu", "o", "het", "een", "este", "esta", "o", "os", "as", "this", "any", "each", "every", "no", "our", "и", "в", "на", "эта", "это", "наше", "наш"]
    /// Lower-case words that may join the capitalised words of a name ("Agencia de Noticias", "Bank of England").
    static let nameJoiners: Set<String> = ["of", "de", "del", "della", "di", "da", "do", "dos", "das", "du", "des", "la", "le", "van", "von", "der", "den", "and", "&", "y", "e", "et", "und", "für"]

    /// Tokens from `from` on that look like a name: capitalised (joiners allowed inside), or all the
    /// words up to a closing quote when the name opens with a quote; at most six words.
    static func capitalRun(_ c: ClauseInput, from: Int) -> Range<Int>? {
        guard from < c.tokens.count else { return nil }
        var i = from
        var quoted = false
        if from > 0 {
            let g = gap(c, from)
            if g.has("\"") { quoted = true } else if g.breaks { return nil }
        }
        var end = i
        while i < c.tokens.count, i - from < 6 {
            let t = c.tokens[i]
            if i > from {
                let g = gap(c, i)
                if g.has("\"") || g.breaks || g.has(",") || (g.has(".") && g.endsWithSpace) { break }
            }
            if t.isNumber || c.isCopyrightSign(t) { break }
            if let mm = matchAt(c, i), !passThrough.contains(mm.concept) { break }
            if quoted || t.capitalised { i += 1; end = i; continue }
            if nameJoiners.contains(c.word(i)), i + 1 < c.tokens.count, c.tokens[i + 1].capitalised { i += 1; continue }
            break
        }
        guard end > from else { return nil }
        let words = (from..<end).filter { !notNames.contains(c.word($0)) && !(matchAt(c, $0).map { passThrough.contains($0.concept) } ?? false) }
        guard words.contains(where: { c.tokens[$0].end - c.tokens[$0].start >= 2 }) else { return nil }
        return from..<end
    }

    /// A name around an agency word: capitalised words before it ("Anadolu Ajansı": the name includes
    /// the agency word), or a capitalised or quoted name after it ("Agence France-Presse").
    static func agencyName(_ c: ClauseInput, _ ci: Int, _ x: Match) -> Found? {
        // «Dunyo» axborot agentligi: the quoted words before the agency word, whatever their case.
        if x.lo > 0, gap(c, x.lo).has("\"") {
            var j = x.lo - 1
            while j > 0, x.lo - j < 6, !gap(c, j).has("\"") { j -= 1 }
            if gap(c, j).has("\"") || j == 0 { return make(c, ci, j, x.lo, stripClitic: false) }
            return nil
        }
        var j = x.lo
        while j > 0, x.lo - j < 5 {
            let t = c.tokens[j - 1]
            if gap(c, j).breaks || gap(c, j).has(",") || !t.capitalised || t.isNumber { break }
            if let mm = matchAt(c, j - 1), !passThrough.contains(mm.concept) { break }
            j -= 1
        }
        if j < x.lo, (j..<x.lo).contains(where: { !notNames.contains(c.word($0)) && c.tokens[$0].end - c.tokens[$0].start >= 2 }) {
            return make(c, ci, j, x.hi, stripClitic: false)
        }
        // Quoted after it (news agency “International Reporters”), the name is what the quotes hold.
        let quoted = x.hi < c.tokens.count && gap(c, x.hi).has("\"")
        if quoted, let run = capitalRun(c, from: x.hi) { return make(c, ci, run.lowerBound, run.upperBound, stripClitic: false) }
        // "Polska Agencja Prasowa": agency words written in title case (not a line in capitals) are the name.
        if x.hi - x.lo >= 2, (x.lo..<x.hi).allSatisfy({ c.tokens[$0].capitalised }),
           (x.lo..<x.hi).contains(where: { k in c.text.input[c.text.inputSpan(c.tokens[k].start, c.tokens[k].end)].dropFirst().contains { $0.properties.isLowercase } }) {
            return make(c, ci, x.lo, x.hi, stripClitic: false, agencyWordsOnly: true)
        }
        // Otherwise capitalised words after it, with the agency word ("Agence France-Presse").
        guard !quoted, let run = capitalRun(c, from: x.hi) else { return nil }
        return make(c, ci, x.lo, run.upperBound, stripClitic: false)
    }

    /// A company name ending in a legal form at token `suffix`: the capitalised words before it.
    static func companyName(_ c: ClauseInput, _ ci: Int, suffix: Int) -> Found? {
        var j = suffix
        while j > 0, suffix - j < 6 {
            let t = c.tokens[j - 1]
            let g = gap(c, j)
            if g.breaks || (g.has(",") && j != suffix) || !t.capitalised || t.isNumber { break }
            if let mm = matchAt(c, j - 1), !passThrough.contains(mm.concept) { break }
            j -= 1
        }
        guard j < suffix, (j..<suffix).contains(where: { !notNames.contains(c.word($0)) && c.tokens[$0].end - c.tokens[$0].start >= 2 }) else { return nil }
        return make(c, ci, j, suffix + 1, stripClitic: false)
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
        // A name in quotes («Արմենպրես», “Kun.uz”) runs to the closing quote, whatever its case.
        var quoted = false
        // Skip years, ©, "by", "to", "for" before the name.
        while i < c.tokens.count {
            if case let g = gap(c, i), g.has("\""), !g.s.contains(where: { $0 != "\"" && $0 != " " }) { quoted = true; break }
            if i > from, case let g = gap(c, i), g.breaks && !g.has("-") { return nil }
            let t = c.tokens[i]
            if t.isNumber || c.isCopyrightSign(t) { i += 1; continue }
            if let mm = matchAt(c, i), ["copyright", "of", "licence"].contains(mm.concept) { i = mm.hi; continue }
            break
        }
        let start = i
        // A name starts with a capital (or in a script without case), or is a domain name.
        if requireCapital, !quoted, start < c.tokens.count, !c.tokens[start].capitalised, c.text.scalars[c.tokens[start].start].properties.changesWhenUppercased,
           !(start + 1 < c.tokens.count && gap(c, start + 1).isFullStop) {
            return nil
        }
        var end = i
        while end < c.tokens.count, end - start < 12 {
            if end > start && quoted {
                if gap(c, end).has("\"") { break }
            } else if end > start {
                let g = gap(c, end)
                if g.breaks { break }
                if g.has(".") && g.endsWithSpace && !Tokenizer.isAbbreviation(c.text, before: c.tokens[end - 1].end, lineStart: c.tokens[start].start) { break }
                if g.has(",") && !c.tokens[end].capitalised { break }
            }
            let t = c.tokens[end]
            if t.isNumber || c.isCopyrightSign(t) { break }
            if let mm = matchAt(c, end), !passThrough.contains(mm.concept) { break }
            end += 1
        }
        return make(c, ci, start, end, stripClitic: stripClitic)
    }

    /// A name ending before token `from`.
    static func before(_ c: ClauseInput, _ ci: Int, from: Int) -> Found? {
        var start = from
        // Scripts without spaces give one token per character: allow a longer name there.
        let cap = from > 0 && Tokenizer.isUnspaced(c.text.scalars[c.tokens[from - 1].start]) ? 24 : 12
        while start > 0, from - start < cap {
            if start < from && gap(c, start).breaks { break }
            let t = c.tokens[start - 1]
            if let mm = matchAt(c, start - 1), beforeStops.contains(mm.concept) { break }
            if t.isNumber { break }
            start -= 1
        }
        return make(c, ci, start, from, stripClitic: false)
    }

    static func make(_ c: ClauseInput, _ ci: Int, _ start: Int, _ end: Int, stripClitic: Bool, agencyWordsOnly: Bool = false) -> Found? {
        var end = end
        // Drop a case suffix written after an apostrophe (`A.Ş.'ye`, `Grubu’na`, `ABHaber'in`).
        if end - start >= 2, gap(c, end - 1).has("'"), c.tokens[end - 1].end - c.tokens[end - 1].start <= 4 { end -= 1 }
        while end > start, let mm = matchAt(c, end - 1), mm.concept == "of" { end -= 1 }
        guard end > start else { return nil }
        if let mm = matchAt(c, start), mm.concept == "genericHolder" { return nil }
        // "the news agency" alone names no one: some word must be neither a determiner nor an agency word.
        guard agencyWordsOnly || (start..<end).contains(where: { k in !notNames.contains(c.word(k)) && matchAt(c, k)?.concept != "agency" }) else { return nil }
        var from = c.tokens[start].start
        if stripClitic, let lex = c.matches.first(where: { $0.concept == "reserved" }), lex.hi == start {
            let t = c.word(start)
            if t.hasPrefix("\u{0644}") && t.unicodeScalars.count > 3 { from += 1 }
        }
        let span = c.text.inputSpan(from, c.tokens[end - 1].end)
        var name = c.text.inputText(span)
        // Keep a trailing abbreviation's full stop ("Inc.", "A.Ş.").
        // An acronym ending the sentence ("… of ANP.") keeps no full stop: only a company form or a
        // dotted abbreviation does.
        let lastWord = c.word(end - 1)
        let dotted = companyForms.contains(lastWord) || ["co", "inc", "ltd", "corp", "jr", "sr", "st", "bros"].contains(lastWord) || name.contains(".")
        if dotted, span.upperBound < c.text.input.count, c.text.input[span.upperBound] == ".", Tokenizer.isAbbreviation(c.text, before: c.tokens[end - 1].end, lineStart: c.tokens[start].start), c.tokens[end - 1].end - c.tokens[end - 1].start <= 3 {
            name += "."
        }
        var letters = 0
        for u in name.unicodeScalars where u.properties.isAlphabetic { letters += 1; if letters >= 2 { break } }
        guard letters >= 2 else { return nil }
        return Found(clause: ci, tokens: start..<end, span: span, name: name)
    }
}
