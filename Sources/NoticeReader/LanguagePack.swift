import Foundation

/// One language's knowledge, as a linguist writes it in `LanguagePacks/<code>.json`.
///
/// See `LanguagePacks/FORMAT.md` for the concepts and how phrases are written.
public struct LanguagePack: Codable, Sendable {
    /// BCP 47 code, e.g. `ar`, `tr`, `kmr`, `ckb`.
    public var language: String
    /// English name of the language.
    public var name: String
    /// ISO 15924 script the pack reads (`Arab`, `Latn`, `Cyrl`, `Hani`…); `Zyyy` applies to every text.
    public var script: String
    /// Letters and function words that identify the language.
    public var detect: Detect?
    /// Clitics written attached to the word before it (Arabic `و`, `ب`, `ال`…).
    public var prefixes: [String]?
    /// Concept (`prohibit`, `use.whole`, `lifter.contract`…) to phrases.
    public var terms: [String: [String]]
    /// Words to render a policy back in this language (`policy show`).
    public var render: [String: String]?

    /// Identifying letters and words.
    public struct Detect: Codable, Sendable {
        public var letters: String?
        public var words: [String]?
    }
}

/// A concept found in a clause, over tokens `[lo, hi)`.
public struct Match: Sendable {
    public let concept: String
    public let value: String?
    public let lo: Int
    public let hi: Int
    /// The values of a multi-valued concept key (`extent.whole+partial`), split once when the pack loads.
    public let values: [String]
    /// How the concept counts towards a line being a notice (`NoticeReader.cueBits`), set when the pack loads.
    let cue: UInt8

    init(concept: String, value: String?, values: [String], lo: Int, hi: Int, cue: UInt8 = 0) {
        self.concept = concept; self.value = value; self.values = values; self.lo = lo; self.hi = hi; self.cue = cue
    }
}

/// A pack's phrases with their words folded and split, before word ids exist.
struct ParsedPhrase {
    let concept: String
    let value: String?
    let parts: [String]
    let stem: [Bool]
}

/// A compiled language pack, ready to match.
///
/// Phrases are held column-wise (weights, word ids, stem flags in flat arrays) and indexed by the
/// vocabulary id of their first word, so `longest` touches integers only: no strings, hashing or
/// reference counting per token (see `Vocabulary`).
public final class Lexicon: Sendable {
    public let pack: LanguagePack
    /// Phrase `p`'s concept, value and split values (cold: read only when a phrase wins).
    let concept: [String]
    let value: [String?]
    let values: [[String]]
    let cue: [UInt8]
    /// Phrase `p`'s weight: more words, then more letters, then fewer stems win.
    let weight: [Int]
    /// Phrase `p`'s words: `partWord[partStart[p] ..< partStart[p + 1]]`, each a word id or a stem id.
    let partStart: [Int32]
    let partWord: [Int32]
    let partStem: [Bool]
    /// Phrases whose first word is exactly word `w`: `exactList[exactStart[w] ..< exactStart[w + 1]]`,
    /// in file order; likewise `stemList` for phrases whose first word is stem `w`.
    let exactStart: [Int32]
    let exactList: [Int32]
    let stemStart: [Int32]
    let stemList: [Int32]
    /// Index in `LanguagePacks.cliticPrefixes` of each of this pack's clitics, longest first.
    let prefixOrder: [Int16]
    let prefixes: [String]
    let detectWords: [String]
    let detectLetters: Set<UInt32>
    /// First words of exact phrases and stems of stem phrases (for detection scores).
    let exactFirst: [Int32]
    let stemFirst: [Int32]
    /// Whether word id `w` is one scalar long (shared with the vocabulary).
    let oneScalar: [Bool]

    /// Folds and splits a pack's phrases (first phase of loading: collects the vocabulary).
    static func parse(_ pack: LanguagePack) -> [ParsedPhrase] {
        var out: [ParsedPhrase] = []
        for (key, phrases) in pack.terms.sorted(by: { $0.key < $1.key }) {
            let dot = key.firstIndex(of: ".")
            let concept = dot.map { String(key[..<$0]) } ?? key
            let value = dot.map { String(key[key.index(after: $0)...]) }
            for raw in phrases {
                var parts: [String] = []
                var stem: [Bool] = []
                for piece in raw.split(separator: " ") {
                    let star = piece.hasSuffix("*")
                    let folded = NormalizedText(String(star ? piece.dropLast() : piece))
                    let toks = Tokenizer.tokens(folded, 0..<folded.scalars.count)
                    for (k, t) in toks.enumerated() {
                        parts.append(NormalizedText.string(folded.scalars[t.start..<t.end]))
                        stem.append(star && k == toks.count - 1)
                    }
                }
                guard !parts.isEmpty else { continue }
                out.append(ParsedPhrase(concept: concept, value: value, parts: parts, stem: stem))
            }
        }
        return out
    }

    /// Compiles a parsed pack against the shared vocabulary (which already holds all its words).
    init(_ pack: LanguagePack, parsed: [ParsedPhrase], vocabulary v: Vocabulary, cliticPrefixes: [String]) {
        self.pack = pack
        var concept: [String] = [], value: [String?] = [], values: [[String]] = [], weight: [Int] = [], cue: [UInt8] = []
        var partStart: [Int32] = [0], partWord: [Int32] = [], partStem: [Bool] = []
        // (first word id, phrase index) pairs, turned into index runs per word below.
        var exactPairs: [(Int32, Int32)] = [], stemPairs: [(Int32, Int32)] = []
        var exactFirst = Set<Int32>(), stemFirst = Set<Int32>()
        for p in parsed {
            let idx = Int32(concept.count)
            concept.append(p.concept)
            value.append(p.value)
            values.append(p.value.map { $0.split(separator: "+").map(String.init) } ?? [])
            cue.append(NoticeReader.cueBits(concept: p.concept, value: p.value))
            weight.append(p.parts.count * 1000 + p.parts.reduce(0) { $0 + $1.count } * 2 - p.stem.filter { $0 }.count)
            for (w, st) in zip(p.parts, p.stem) { partWord.append(v.id(w)); partStem.append(st) }
            partStart.append(Int32(partWord.count))
            let first = v.id(p.parts[0])
            if p.stem[0] { stemPairs.append((first, idx)); stemFirst.insert(first) } else { exactPairs.append((first, idx)); exactFirst.insert(first) }
        }
        // Compressed rows: phrases of word w are list[start[w] ..< start[w + 1]], in file order (a
        // counting sort; an array per vocabulary word per pack made loading twice as slow).
        func csr(_ pairs: [(Int32, Int32)]) -> ([Int32], [Int32]) {
            var start = [Int32](repeating: 0, count: v.words.count + 1)
            for (w, _) in pairs { start[Int(w) + 1] += 1 }
            for w in 0..<v.words.count { start[w + 1] += start[w] }
            var fill = start
            var list = [Int32](repeating: 0, count: pairs.count)
            for (w, p) in pairs { list[Int(fill[Int(w)])] = p; fill[Int(w)] += 1 }
            return (start, list)
        }
        (self.exactStart, self.exactList) = csr(exactPairs)
        (self.stemStart, self.stemList) = csr(stemPairs)
        self.concept = concept; self.value = value; self.values = values; self.weight = weight; self.cue = cue
        self.partStart = partStart; self.partWord = partWord; self.partStem = partStem
        self.oneScalar = v.oneScalar
        self.exactFirst = exactFirst.sorted(); self.stemFirst = stemFirst.sorted()
        let prefixes = (pack.prefixes ?? []).map(NormalizedText.fold).filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        self.prefixes = prefixes
        self.prefixOrder = prefixes.compactMap { p in cliticPrefixes.firstIndex(of: p).map { Int16($0) } }
        self.detectWords = (pack.detect?.words ?? []).map { NormalizedText.fold($0) }
        var letters = Set<UInt32>()
        for u in (pack.detect?.letters ?? "").unicodeScalars {
            letters.insert(u.value)
            // Case variants count too, but never plain ASCII (`ı` upper-cases to `I`).
            for v in u.properties.uppercaseMapping.unicodeScalars where v.value >= 0x80 { letters.insert(v.value) }
            for v in u.properties.lowercaseMapping.unicodeScalars where v.value >= 0x80 { letters.insert(v.value) }
        }
        self.detectLetters = letters
    }

    /// Whether token `t` (one of its forms this pack reads) matches word or stem `w`.
    @inline(__always)
    func tokenMatches(_ a: TokenAnalysis, _ t: Int, _ w: Int32, stem: Bool) -> Bool {
        let r = a.formRange(t)
        if a.form(r.lowerBound, matches: w, stem: stem) { return true }
        if prefixOrder.isEmpty { return false }
        for f in (r.lowerBound + 1)..<r.upperBound where prefixOrder.contains(a.forms[f].prefix) {
            if a.form(f, matches: w, stem: stem) { return true }
        }
        return false
    }

    /// The best (longest) phrase starting at token `i` and ending by token `end`: its index and length.
    ///
    /// Ties keep the order the dictionary-based reader had, so readings do not change: the token's
    /// own form before clitic-stripped forms (in this pack's clitic order), and within a form exact
    /// phrases, then stems of one scalar, then longer stems, each in file order.
    func longest(_ a: TokenAnalysis, at i: Int, end: Int) -> (Int, Int)? {
        var best = -1
        var bestWeight = Int.min
        func consider(_ p: Int) -> Bool {
            let lo = Int(partStart[p]), n = Int(partStart[p + 1]) - lo
            guard i + n <= end, weight[p] > bestWeight else { return false }
            for k in 1..<max(1, n) where k < n {
                if !tokenMatches(a, i + k, partWord[lo + k], stem: partStem[lo + k]) { return false }
            }
            return true
        }
        func tryForm(_ f: Int) {
            // Within a form the winner is the heaviest phrase, ties to the first in consideration order;
            // a later form replaces an earlier form's winner only when strictly heavier.
            var formBest = -1, formWeight = Int.min, formRank = (Int.max, Int.max)
            func offer(_ p: Int, _ bucket: Int) {
                guard consider(p) else { return }
                let rank = (bucket, p)
                if weight[p] > formWeight || (weight[p] == formWeight && rank < formRank) {
                    formBest = p; formWeight = weight[p]; formRank = rank
                }
            }
            let form = a.forms[f]
            if form.word >= 0 {
                let w = Int(form.word)
                for k in Int(exactStart[w])..<Int(exactStart[w + 1]) { offer(Int(exactList[k]), 0) }
            }
            let s0 = Int(form.stemStart)
            for k in s0..<(s0 + Int(form.stemCount)) {
                let w = Int(a.stems[k])
                let lo = Int(stemStart[w]), hi = Int(stemStart[w + 1])
                if lo == hi { continue }
                // Stems of one scalar were looked up in their own bucket, before longer stems.
                let bucket = oneScalar[w] ? 1 : 2
                for k2 in lo..<hi { offer(Int(stemList[k2]), bucket) }
            }
            if formBest >= 0 && formWeight > bestWeight { best = formBest; bestWeight = formWeight }
        }
        let r = a.formRange(i)
        tryForm(r.lowerBound)
        for p in prefixOrder {
            for f in (r.lowerBound + 1)..<r.upperBound where a.forms[f].prefix == p { tryForm(f) }
        }
        guard best >= 0 else { return nil }
        return (best, Int(partStart[best + 1] - partStart[best]))
    }
}

/// Longest-match, left-to-right, non-overlapping matching with several lexicons at once.
enum Matcher {
    /// Matches over tokens `range` of the analysed tokens; match positions are relative to `range.lowerBound`.
    static func run(_ text: NormalizedText, _ tokens: [Token], _ a: TokenAnalysis, _ range: Range<Int>, _ lexicons: [Lexicon]) -> [Match] {
        var out: [Match] = []
        var i = range.lowerBound
        let base = range.lowerBound
        while i < range.upperBound {
            var best: (Lexicon, Int, Int)?
            var bestWeight = Int.min
            for lex in lexicons {
                if let (p, n) = lex.longest(a, at: i, end: range.upperBound), lex.weight[p] > bestWeight {
                    best = (lex, p, n); bestWeight = lex.weight[p]
                }
            }
            if let (lex, p, n) = best {
                out.append(Match(concept: lex.concept[p], value: lex.value[p], values: lex.values[p], lo: i - base, hi: i + n - base, cue: lex.cue[p]))
                i += n
            } else {
                if tokens[i].isNumber {
                    let digits = NormalizedText.string(text.scalars[tokens[i].start..<tokens[i].end])
                    out.append(Match(concept: "number", value: digits, values: [digits], lo: i - base, hi: i + 1 - base))
                }
                i += 1
            }
        }
        return out
    }
}
