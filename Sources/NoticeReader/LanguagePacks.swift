import Foundation

/// The set of language packs the reader knows, and language detection over them.
public final class LanguagePacks: Sendable {
    /// Packs by language code.
    public let lexicons: [String: Lexicon]
    /// The pack applied to every text (symbols such as `©`, Creative Commons codes).
    public let common: Lexicon?
    /// Packs per script, in file order of preference.
    let byScript: [String: [Lexicon]]
    /// Every pack's detection words and first phrase words, for one lookup per word across all packs.
    let all: [Lexicon]
    let wordIndex: [WordKey: [(Int, Int)]]
    let stemIndex: [UInt64: [(Int, String)]]
    let cliticPrefixes: [String]

    /// Errors loading packs.
    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "cannot load language pack `\(file)`: \(reason)" }
    }

    /// Packs from explicit values (tests, tools).
    public init(_ packs: [LanguagePack]) {
        var lex: [String: Lexicon] = [:]
        var common: Lexicon?
        var byScript: [String: [Lexicon]] = [:]
        for p in packs {
            let l = Lexicon(p)
            if p.script == "Zyyy" { common = l; continue }
            lex[p.language] = l
            byScript[p.script, default: []].append(l)
        }
        for (k, v) in byScript {
            byScript[k] = v.sorted { Self.preference($0.pack.language) < Self.preference($1.pack.language) }
        }
        self.lexicons = lex
        self.common = common
        self.byScript = byScript
        let all = Array(lex.values).sorted { $0.pack.language < $1.pack.language }
        var wordIndex: [WordKey: [(Int, Int)]] = [:]
        var stemIndex: [UInt64: [(Int, String)]] = [:]
        for (i, l) in all.enumerated() {
            for w in l.detectWords { wordIndex[w, default: []].append((i, 3)) }
            for w in l.exact.keys where w.word.utf8.count >= 3 && !l.detectWords.contains(w) { wordIndex[w, default: []].append((i, 2)) }
            for (h, ps) in l.stems { for p in ps { stemIndex[h, default: []].append((i, p.parts[0])) } }
        }
        self.all = all
        self.wordIndex = wordIndex
        self.stemIndex = stemIndex
        self.cliticPrefixes = Array(Set(all.flatMap(\.prefixes))).sorted { $0.count > $1.count }
    }

    /// Detection points per pack language for one folded word (3 for a detection word, 2 for a known word).
    func wordHits(_ t: String) -> [(String, Int)] {
        var best: [Int: Int] = [:]
        func add(_ w: String, cliticOnly: Bool) {
            for (i, n) in wordIndex[WordKey(w)] ?? [] where !cliticOnly || !all[i].prefixes.isEmpty {
                if n == 3 || w.utf8.count >= 3 { best[i] = max(best[i] ?? 0, n) }
            }
            guard w.utf8.count >= 3 else { return }
            for k in [1, 2] where w.unicodeScalars.count >= k {
                for (i, stem) in stemIndex[Lexicon.head(w, count: k)] ?? [] where w.utf8HasPrefix(stem) && (!cliticOnly || !all[i].prefixes.isEmpty) {
                    best[i] = max(best[i] ?? 0, 2)
                }
            }
        }
        add(t, cliticOnly: false)
        for p in cliticPrefixes where t.utf8HasPrefix(p) && t.unicodeScalars.count >= p.unicodeScalars.count + 2 {
            add(String(t.unicodeScalars.dropFirst(p.unicodeScalars.count)), cliticOnly: true)
        }
        return best.map { (all[$0.key].pack.language, $0.value) }
    }

    /// Default language of a script when nothing else decides.
    static func preference(_ code: String) -> Int {
        ["ar", "en", "ru", "fa", "tr", "fr", "es", "de"].firstIndex(of: code) ?? 100
    }

    /// Loads every `*.json` in `directory`.
    public static func load(directory: URL) throws -> LanguagePacks {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var packs: [LanguagePack] = []
        for f in files {
            do {
                packs.append(try JSONDecoder().decode(LanguagePack.self, from: Data(contentsOf: f)))
            } catch {
                throw LoadError(file: f.lastPathComponent, reason: "\(error)")
            }
        }
        return LanguagePacks(packs)
    }

    /// The packs shipped with the reader (the `LanguagePacks` resource folder).
    public static func bundled() throws -> LanguagePacks {
        guard let url = Bundle.module.url(forResource: "LanguagePacks", withExtension: nil) else {
            throw LoadError(file: "LanguagePacks", reason: "the resource folder is missing")
        }
        return try load(directory: url)
    }

    /// Shared bundled packs, loaded once.
    public static let shared: Result<LanguagePacks, Error> = Result { try bundled() }

    static let scriptNames = ["Latn", "Arab", "Cyrl", "Armn", "Hebr", "Grek", "Thai", "Geor", "Jpan", "Hani", "Hang", "Deva"]

    /// Index in `scriptNames` of a scalar's script, or -1.
    static func scriptIndex(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x80 { return (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) ? 0 : -1 }
        guard let name = script(s) else { return -1 }
        return scriptNames.firstIndex(of: name) ?? -1
    }

    /// ISO 15924 script of a scalar, for the scripts the reader cares about.
    static func script(_ s: Unicode.Scalar) -> String? {
        switch s.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF: return "Latn"
        case 0x0600...0x06FF, 0x0750...0x077F, 0xFB50...0xFDFF, 0xFE70...0xFEFC: return "Arab"
        case 0x0400...0x04FF: return "Cyrl"
        case 0x0530...0x058F: return "Armn"
        case 0x0590...0x05FF: return "Hebr"
        case 0x0370...0x03FF: return "Grek"
        case 0x0E00...0x0E7F: return "Thai"
        case 0x10A0...0x10FF: return "Geor"
        case 0x3040...0x30FF: return "Jpan"
        case 0x4E00...0x9FFF, 0x3400...0x4DBF: return "Hani"
        case 0xAC00...0xD7AF: return "Hang"
        case 0x0900...0x097F: return "Deva"
        default: return nil
        }
    }

    static let scriptLanguage: [String: String] = [
        "Armn": "hy", "Hebr": "he", "Grek": "el", "Thai": "th", "Geor": "ka", "Jpan": "ja", "Hani": "zh", "Hang": "ko", "Deva": "hi",
    ]

    /// What language detection found for a stretch of text.
    public struct Detection: Sendable {
        /// The language with the most letters in the text (BCP 47), `und` if none.
        public let language: String
        /// The chosen pack per script present.
        public let lexicons: [Lexicon]
        /// How sure detection is, 0…1.
        public let confidence: Double
    }

    /// Detects languages per script in input scalars `span` whose folded tokens are `tokens`.
    /// `fallback` gives the pack to use for a script when this text alone does not decide.
    public func detect(_ text: NormalizedText, span: Range<Int>, tokens: [Token], fallback: [String: Lexicon] = [:]) -> (Detection, [String: Lexicon]) {
        var cache = DetectCache()
        return detect(text, span: span, tokens: tokens, fallback: fallback, cache: &cache)
    }

    /// Per-reading memo of which packs know a word (pages repeat words a lot).
    public struct DetectCache {
        var scores: [WordKey: [(String, Int)]] = [:]
        public init() {}
    }

    /// Detection with a memo shared across the lines of one input.
    func detect(_ text: NormalizedText, span: Range<Int>, tokens: [Token], fallback: [String: Lexicon], cache: inout DetectCache) -> (Detection, [String: Lexicon]) {
        var scriptCount: [String: Int] = [:]
        var letterScore: [String: Int] = [:]
        // Count scripts with a small array (this loop sees every scalar of a page), then name them.
        var counts = [Int](repeating: 0, count: Self.scriptNames.count)
        var letterHits: [UInt32: Int] = [:]
        let lo = max(0, span.lowerBound), hi = min(text.input.count, span.upperBound)
        for i in lo..<hi {
            let s = text.input[i]
            let idx = Self.scriptIndex(s)
            if idx < 0 { continue }
            counts[idx] += 1
            if s.value >= 0x80 { letterHits[s.value, default: 0] += 1 }
        }
        for (k, n) in counts.enumerated() where n > 0 { scriptCount[Self.scriptNames[k]] = n }
        for (sc, _) in scriptCount {
            guard let cands = byScript[sc], cands.count > 1 else { continue }
            for l in cands {
                var n = 0
                for (v, c) in letterHits where l.detectLetters.contains(v) { n += c }
                if n > 0 { letterScore[l.pack.language, default: 0] += 2 * n }
            }
        }
        var wordScore: [String: Int] = [:]
        for t in tokens {
            let key = WordKey(t.text)
            if let hit = cache.scores[key] {
                for (lang, n) in hit { wordScore[lang, default: 0] += n }
                continue
            }
            let hit = wordHits(t.text)
            for (lang, n) in hit { wordScore[lang, default: 0] += n }
            cache.scores[key] = hit
        }
        var chosen: [String: Lexicon] = [:]
        var sureness: [Double] = []
        for (sc, _) in scriptCount {
            guard let cands = byScript[sc], let first = cands.first else { continue }
            let scored = cands.map { ($0, (letterScore[$0.pack.language] ?? 0) + (wordScore[$0.pack.language] ?? 0)) }
            let best = scored.max { a, b in a.1 < b.1 || (a.1 == b.1 && Self.preference(a.0.pack.language) > Self.preference(b.0.pack.language)) }
            if let best, best.1 >= 6 {
                chosen[sc] = best.0
                let second = scored.filter { $0.0 !== best.0 }.map { $0.1 }.max() ?? 0
                sureness.append(min(1, Double(best.1 - second) / 12 + 0.5))
            } else {
                chosen[sc] = fallback[sc] ?? best?.0 ?? first
                sureness.append(fallback[sc] != nil ? 0.7 : 0.4)
            }
        }
        let main = scriptCount.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
        let language = main.map { chosen[$0]?.pack.language ?? Self.scriptLanguage[$0] ?? "und" } ?? "und"
        var lexs = Array(chosen.values)
        if let common { lexs.append(common) }
        let conf = sureness.isEmpty ? 0.3 : sureness.reduce(0, +) / Double(sureness.count)
        return (Detection(language: language, lexicons: lexs, confidence: conf), chosen)
    }
}
