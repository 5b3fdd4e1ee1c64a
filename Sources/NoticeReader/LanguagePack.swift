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

/// A compiled language pack, ready to match.
public final class Lexicon: Sendable {
    public let pack: LanguagePack
    let exact: [String: [Phrase]]
    let stems: [String: [Phrase]]
    let prefixes: [String]
    let detectWords: Set<String>
    let detectLetters: Set<UInt32>
    let maxStem: Int

    public init(_ pack: LanguagePack) {
        self.pack = pack
        var exact: [String: [Phrase]] = [:]
        var stems: [String: [Phrase]] = [:]
        var maxStem = 0
        for (key, phrases) in pack.terms {
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
                if stem[0] { stems[first, default: []].append(p); maxStem = max(maxStem, first.count) }
                else { exact[first, default: []].append(p) }
            }
        }
        self.exact = exact
        self.stems = stems
        self.maxStem = maxStem
        self.prefixes = (pack.prefixes ?? []).map(NormalizedText.fold).sorted { $0.count > $1.count }
        self.detectWords = Set((pack.detect?.words ?? []).map(NormalizedText.fold))
        self.detectLetters = Set((pack.detect?.letters ?? "").unicodeScalars.map { $0.value })
    }

    /// Whether some phrase of this pack starts with the word `t`.
    func knows(_ t: String) -> Bool {
        if t.count < 3 { return false }
        for f in forms(t) {
            if exact[f] != nil { return true }
            var prefix = ""
            for ch in f.unicodeScalars.prefix(maxStem) {
                prefix.unicodeScalars.append(ch)
                if stems[prefix] != nil { return true }
            }
        }
        return false
    }

    /// The token's own text and its forms with an attached clitic removed.
    func forms(_ t: String) -> [String] {
        var out = [t]
        guard !prefixes.isEmpty else { return out }
        for p in prefixes where t.hasPrefix(p) && t.count >= p.count + 2 {
            out.append(String(t.dropFirst(p.count)))
        }
        return out
    }

    func matches(_ form: String, _ part: String, stem: Bool) -> Bool {
        stem ? form.hasPrefix(part) : form == part
    }

    /// The best (longest) phrase starting at token `i`, with its length in tokens.
    func longest(_ tokens: [Token], at i: Int) -> (Phrase, Int)? {
        var best: (Phrase, Int)?
        for f in forms(tokens[i].text) {
            var candidates: [Phrase] = exact[f] ?? []
            if !stems.isEmpty {
                var prefix = ""
                for ch in f.unicodeScalars.prefix(maxStem) {
                    prefix.unicodeScalars.append(ch)
                    if let s = stems[prefix] { candidates.append(contentsOf: s) }
                }
            }
            for p in candidates {
                guard i + p.parts.count <= tokens.count else { continue }
                var ok = true
                for k in 1..<max(1, p.parts.count) where k < p.parts.count {
                    if !forms(tokens[i + k].text).contains(where: { matches($0, p.parts[k], stem: p.stem[k]) }) { ok = false; break }
                }
                if ok, p.weight > (best?.0.weight ?? Int.min) { best = (p, p.parts.count) }
            }
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
