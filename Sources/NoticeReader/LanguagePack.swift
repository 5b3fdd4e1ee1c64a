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

/// A compiled phrase: folded tokens, the last of which may be a stem (`fotoğraf*`).
struct Phrase: Sendable {
    let concept: String
    let value: String?
    let parts: [String]
    let stem: [Bool]
    let weight: Int
}

/// A concept found in a clause, over tokens `[lo, hi)`.
public struct Match: Sendable {
    public let concept: String
    public let value: String?
    public let lo: Int
    public let hi: Int
    /// The values of a multi-valued concept key (`extent.whole+partial`).
    public var values: [String] { value.map { $0.split(separator: "+").map(String.init) } ?? [] }
}

/// A folded word as a dictionary key, hashed and compared by its UTF-8 bytes.
///
/// Folded text is already normalised, so byte equality is word equality, and this skips
/// `String`'s Unicode-aware hashing (the reader's hot path on Arabic and Persian text).
struct WordKey: Hashable, Sendable {
    let word: String
    init(_ word: String) { self.word = word }
    static func == (a: WordKey, b: WordKey) -> Bool { a.word.utf8Equals(b.word) }
    func hash(into h: inout Hasher) {
        var w = word
        w.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// A compiled language pack, ready to match.
public final class Lexicon: Sendable {
    public let pack: LanguagePack
    let exact: [WordKey: [Phrase]]
    /// Stems by their first two scalars (or one, for one-letter stems), checked by byte prefix.
    let stems: [UInt64: [Phrase]]
    let prefixes: [String]
    let detectWords: Set<WordKey>
    let detectLetters: Set<UInt32>

    public init(_ pack: LanguagePack) {
        self.pack = pack
        var exact: [WordKey: [Phrase]] = [:]
        var stems: [UInt64: [Phrase]] = [:]
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
                        parts.append(t.text)
                        stem.append(star && k == toks.count - 1)
                    }
                }
                guard let first = parts.first else { continue }
                let weight = parts.count * 1000 + parts.reduce(0) { $0 + $1.count } * 2 - stem.filter { $0 }.count
                let p = Phrase(concept: concept, value: value, parts: parts, stem: stem, weight: weight)
                if stem[0] { stems[Self.head(first, count: min(2, first.unicodeScalars.count)), default: []].append(p) }
                else { exact[WordKey(first), default: []].append(p) }
            }
        }
        self.exact = exact
        self.stems = stems
        self.prefixes = (pack.prefixes ?? []).map(NormalizedText.fold).sorted { $0.count > $1.count }
        self.detectWords = Set((pack.detect?.words ?? []).map { WordKey(NormalizedText.fold($0)) })
        var letters = Set<UInt32>()
        for u in (pack.detect?.letters ?? "").unicodeScalars {
            letters.insert(u.value)
            // Case variants count too, but never plain ASCII (`ı` upper-cases to `I`).
            for v in u.properties.uppercaseMapping.unicodeScalars where v.value >= 0x80 { letters.insert(v.value) }
            for v in u.properties.lowercaseMapping.unicodeScalars where v.value >= 0x80 { letters.insert(v.value) }
        }
        self.detectLetters = letters
    }

    /// The first one or two scalars of a word, packed.
    static func head(_ w: String, count: Int) -> UInt64 {
        var it = w.unicodeScalars.makeIterator()
        var h = UInt64(count) << 62
        if count >= 1, let a = it.next() { h |= UInt64(a.value) << 21 }
        if count >= 2, let b = it.next() { h |= UInt64(b.value) }
        return h
    }

    /// Stems that are a prefix of `f`.
    func stemCandidates(_ f: String) -> [Phrase] {
        guard !stems.isEmpty else { return [] }
        var out: [Phrase] = []
        for n in [1, 2] where f.unicodeScalars.count >= n {
            for p in stems[Self.head(f, count: n)] ?? [] where f.utf8HasPrefix(p.parts[0]) { out.append(p) }
        }
        return out
    }

    /// Whether some phrase of this pack starts with the word `t`.
    func knows(_ t: String) -> Bool {
        if t.utf8.count < 3 { return false }
        for f in forms(t) where exact[WordKey(f)] != nil || !stemCandidates(f).isEmpty { return true }
        return false
    }

    /// The token's own text and its forms with an attached clitic removed.
    func forms(_ t: String) -> [String] {
        if prefixes.isEmpty { return [t] }
        var out = [t]
        for p in prefixes where t.utf8HasPrefix(p) && t.unicodeScalars.count >= p.unicodeScalars.count + 2 {
            out.append(String(t.unicodeScalars.dropFirst(p.unicodeScalars.count)))
        }
        return out
    }

    func matches(_ form: String, _ part: String, stem: Bool) -> Bool {
        stem ? form.utf8HasPrefix(part) : form.utf8Equals(part)
    }

    /// The best (longest) phrase starting at token `i`, with its length in tokens.
    ///
    /// perf showed this at a quarter of the notice bench, much of it allocation and
    /// reference counting: a `forms` array and a merged candidate array (exact phrases plus
    /// stem candidates, copied) per token and form. It now walks the dictionary entries in
    /// place, in the same order (form, then exact before stems of one then two scalars), so
    /// the same phrase wins ties.
    func longest(_ tokens: [Token], at i: Int) -> (Phrase, Int)? {
        var best: (Phrase, Int)?
        func consider(_ p: Phrase) {
            guard i + p.parts.count <= tokens.count else { return }
            for k in 1..<max(1, p.parts.count) where k < p.parts.count {
                let t = tokens[i + k].text
                if matches(t, p.parts[k], stem: p.stem[k]) { continue }
                if prefixes.isEmpty || !forms(t).contains(where: { matches($0, p.parts[k], stem: p.stem[k]) }) { return }
            }
            if p.weight > (best?.0.weight ?? Int.min) { best = (p, p.parts.count) }
        }
        func tryForm(_ f: String) {
            if let ps = exact[WordKey(f)] { for p in ps { consider(p) } }
            guard !stems.isEmpty else { return }
            var it = f.unicodeScalars.makeIterator()
            let scalars = it.next() == nil ? 0 : it.next() == nil ? 1 : 2
            for n in [1, 2] where scalars >= n {
                for p in stems[Self.head(f, count: n)] ?? [] where f.utf8HasPrefix(p.parts[0]) { consider(p) }
            }
        }
        let t = tokens[i].text
        tryForm(t)
        for p in prefixes where t.utf8HasPrefix(p) && t.unicodeScalars.count >= p.unicodeScalars.count + 2 {
            tryForm(String(t.unicodeScalars.dropFirst(p.unicodeScalars.count)))
        }
        return best
    }
}

/// Longest-match, left-to-right, non-overlapping matching with several lexicons at once.
enum Matcher {
    static func run(_ tokens: [Token], _ lexicons: [Lexicon]) -> [Match] {
        var out: [Match] = []
        var i = 0
        while i < tokens.count {
            var best: (Phrase, Int)?
            for lex in lexicons {
                if let m = lex.longest(tokens, at: i), m.0.weight > (best?.0.weight ?? Int.min) { best = m }
            }
            if let (p, n) = best {
                out.append(Match(concept: p.concept, value: p.value, lo: i, hi: i + n))
                i += n
            } else {
                if tokens[i].isNumber { out.append(Match(concept: "number", value: tokens[i].text, lo: i, hi: i + 1)) }
                i += 1
            }
        }
        return out
    }
}
