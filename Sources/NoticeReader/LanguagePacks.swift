import Foundation

/// The set of language packs the reader knows, and language detection over them.
public final class LanguagePacks: Sendable {
    /// Packs by language code.
    public let lexicons: [String: Lexicon]
    /// The pack applied to every text (symbols such as `©`, Creative Commons codes).
    public let common: Lexicon?
    /// Packs per script, in file order of preference.
    let byScript: [String: [Lexicon]]
    /// Indices in `all` of the packs of each script of `scriptNames`, in order of preference.
    let scriptPacks: [[Int]]
    /// Every pack but the common one, by language code; bit `i` of the masks below is `all[i]`.
    let all: [Lexicon]
    /// Every word of every pack (see `Vocabulary`).
    let vocabulary: Vocabulary
    /// Clitic prefixes of every pack, longest first; a token's stripped forms follow this order.
    let cliticPrefixes: [String]
    let cliticScalars: [[Unicode.Scalar]]
    /// First scalars of the clitic prefixes.
    let cliticFirst: [Unicode.Scalar]
    /// Per word id: packs for which it is a detection word (3 points), a known first word of three
    /// bytes or more (2 points), or the stem of a phrase's first word (2 points).
    let detectMask: [UInt64]
    let exactMask: [UInt64]
    let stemMask: [UInt64]
    /// Packs that have clitic prefixes (only they score a clitic-stripped form).
    let prefixPacks: UInt64
    /// Per scalar below U+0800 (and then by dictionary): packs that list it among their detection letters.
    let letterLow: [UInt64]
    let letterHigh: [UInt32: UInt64]

    /// Errors loading packs.
    public struct LoadError: Error, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "cannot load language pack `\(file)`: \(reason)" }
    }

    /// Packs from explicit values (tests, tools). At most 64 packs besides the common one
    /// (detection keeps one bit per pack); further packs are ignored.
    public init(_ packs: [LanguagePack]) {
        // Phase 1: fold and split every phrase, and intern every word into one vocabulary.
        var vocab = Vocabulary()
        let parsed = packs.map { Lexicon.parse($0) }
        for list in parsed { for p in list { for (w, st) in zip(p.parts, p.stem) { vocab.intern(w, stem: st) } } }
        for p in packs { for w in p.detect?.words ?? [] { vocab.intern(NormalizedText.fold(w), stem: false) } }
        vocab.freeze()
        let prefixes = Array(Set(packs.flatMap { ($0.prefixes ?? []).map(NormalizedText.fold).filter { !$0.isEmpty } })).sorted { ($0.count, $1) > ($1.count, $0) }
        // Phase 2: compile each pack against the vocabulary.
        var lex: [String: Lexicon] = [:]
        var common: Lexicon?
        var byScript: [String: [Lexicon]] = [:]
        for (p, list) in zip(packs, parsed) {
            let l = Lexicon(p, parsed: list, vocabulary: vocab, cliticPrefixes: prefixes)
            if p.script == "Zyyy" { common = l; continue }
            if lex[p.language] == nil && lex.count >= 64 { continue }
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
        self.all = all
        self.scriptPacks = Self.scriptNames.map { sc in (byScript[sc] ?? []).compactMap { l in all.firstIndex { $0 === l } } }
        self.vocabulary = vocab
        self.cliticPrefixes = prefixes
        self.cliticScalars = prefixes.map { Array($0.unicodeScalars) }
        self.cliticFirst = Array(Set(prefixes.compactMap { $0.unicodeScalars.first })).sorted { $0.value < $1.value }
        var detect = [UInt64](repeating: 0, count: vocab.words.count)
        var exact = detect, stem = detect
        var prefixPacks: UInt64 = 0
        var low = [UInt64](repeating: 0, count: 0x800)
        var high: [UInt32: UInt64] = [:]
        for (i, l) in all.enumerated() {
            let bit = UInt64(1) << UInt64(i)
            for w in l.detectWords { let id = vocab.id(w); if id >= 0 { detect[Int(id)] |= bit } }
            for id in l.exactFirst where vocab.byteCount[Int(id)] >= 3 { exact[Int(id)] |= bit }
            for id in l.stemFirst { stem[Int(id)] |= bit }
            if !l.prefixes.isEmpty { prefixPacks |= bit }
            for v in l.detectLetters { if v < 0x800 { low[Int(v)] |= bit } else { high[v, default: 0] |= bit } }
        }
        self.detectMask = detect
        self.exactMask = exact
        self.stemMask = stem
        self.prefixPacks = prefixPacks
        self.letterLow = low
        self.letterHigh = high
    }

    /// The vocabulary's view of `tokens[range]`: word and stem ids of each token and of its
    /// clitic-stripped forms. One trie walk per form; no strings are built or hashed.
    func analyse(_ text: NormalizedText, _ tokens: [Token], _ range: Range<Int>) -> TokenAnalysis {
        var a = TokenAnalysis()
        a.formStart.reserveCapacity(range.count + 1)
        a.forms.reserveCapacity(range.count)
        text.scalars.withUnsafeBufferPointer { sc in
            for t in tokens[range] {
                var bytes = 0
                for k in t.start..<t.end { bytes += UTF8.width(sc[k]) }
                var s0 = Int32(a.stems.count)
                var w = vocabulary.walk(sc, t.start, t.end, stems: &a.stems)
                a.forms.append(.init(prefix: -1, word: w, stemStart: s0, stemCount: Int32(a.stems.count) - s0, bytes: Int32(bytes)))
                let n = t.end - t.start
                // Most tokens start with no clitic's first letter: skip the prefix loop for them.
                guard n >= 3, cliticFirst.contains(sc[t.start]) else { a.formStart.append(Int32(a.forms.count)); continue }
                for (pi, p) in cliticScalars.enumerated() where n >= p.count + 2 {
                    var k = 0
                    while k < p.count && sc[t.start + k] == p[k] { k += 1 }
                    guard k == p.count else { continue }
                    var pb = 0
                    for u in p { pb += UTF8.width(u) }
                    s0 = Int32(a.stems.count)
                    w = vocabulary.walk(sc, t.start + k, t.end, stems: &a.stems)
                    a.forms.append(.init(prefix: Int16(pi), word: w, stemStart: s0, stemCount: Int32(a.stems.count) - s0, bytes: Int32(bytes - pb)))
                }
                a.formStart.append(Int32(a.forms.count))
            }
        }
        return a
    }

    /// Detection counts of one stretch of text: letters per script, detection letters per pack,
    /// and word points per pack. Counts add up, so a notice's counts are the sum of its lines'.
    struct Counts {
        var scripts: [Int]
        var letters: [Int]
        var words: [Int]

        init(packs: Int) {
            scripts = [Int](repeating: 0, count: LanguagePacks.scriptNames.count)
            letters = [Int](repeating: 0, count: packs)
            words = [Int](repeating: 0, count: packs)
        }

        mutating func add(scriptsAndLetters o: Counts) {
            for i in scripts.indices { scripts[i] += o.scripts[i] }
            for i in letters.indices { letters[i] += o.letters[i] }
        }

        mutating func add(words o: Counts) {
            for i in words.indices { words[i] += o.words[i] }
        }
    }

    /// Adds the letters of input scalars `span` to `c`: one table look-up per scalar (this loop
    /// sees every scalar of a page), where the string-keyed version hashed every non-ASCII scalar.
    func countLetters(_ text: NormalizedText, _ span: Range<Int>, into c: inout Counts) {
        let lo = max(0, span.lowerBound), hi = min(text.input.count, span.upperBound)
        guard lo < hi else { return }
        text.input.withUnsafeBufferPointer { input in
            for i in lo..<hi {
                let s = input[i]
                let idx = Self.scriptIndex(s)
                if idx < 0 { continue }
                c.scripts[idx] += 1
                let v = s.value
                guard v >= 0x80 else { continue }
                var mask = v < 0x800 ? letterLow[Int(v)] : (letterHigh[v] ?? 0)
                while mask != 0 {
                    c.letters[mask.trailingZeroBitCount] += 1
                    mask &= mask - 1
                }
            }
        }
    }

    /// Adds the word points of analysed tokens to `c`: per token and pack, 3 for a detection word,
    /// else 2 for a word or stem the pack's phrases start with (clitic-stripped forms count only
    /// for packs that have clitics). Integer masks per word id replace per-token dictionary look-ups.
    func countWords(_ a: TokenAnalysis, into c: inout Counts) {
        for t in 0..<a.count {
            var m3: UInt64 = 0, m2: UInt64 = 0
            for f in a.formRange(t) {
                let form = a.forms[f]
                let allowed: UInt64 = form.prefix < 0 ? ~0 : prefixPacks
                if form.word >= 0 { m3 |= detectMask[Int(form.word)] & allowed }
                guard form.bytes >= 3 else { continue }
                if form.word >= 0 { m2 |= exactMask[Int(form.word)] & allowed }
                let s0 = Int(form.stemStart)
                for k in s0..<(s0 + Int(form.stemCount)) { m2 |= stemMask[Int(a.stems[k])] & allowed }
            }
            m2 &= ~m3
            while m3 != 0 { c.words[m3.trailingZeroBitCount] += 3; m3 &= m3 - 1 }
            while m2 != 0 { c.words[m2.trailingZeroBitCount] += 2; m2 &= m2 - 1 }
        }
    }

    /// Default language of a script when nothing else decides.
    static func preference(_ code: String) -> Int {
        ["ar", "en", "ru", "fa", "tr", "fr", "es", "de", "zh"].firstIndex(of: code) ?? 100
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

    /// Index in `scriptNames` of a scalar's script, or -1 (a switch on ranges, no string compares).
    @inline(__always)
    static func scriptIndex(_ s: Unicode.Scalar) -> Int {
        switch s.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x2AF, 0x1E00...0x1EFF: return 0  // to U+02AF: Azerbaijani ə is an IPA letter
        case 0x0600...0x06FF, 0x0750...0x077F, 0xFB50...0xFDFF, 0xFE70...0xFEFC: return 1
        case 0x0400...0x04FF: return 2
        case 0x0530...0x058F: return 3
        case 0x0590...0x05FF: return 4
        case 0x0370...0x03FF: return 5
        case 0x0E00...0x0E7F: return 6
        case 0x10A0...0x10FF: return 7
        case 0x3040...0x30FF: return 8
        case 0x4E00...0x9FFF, 0x3400...0x4DBF: return 9
        case 0xAC00...0xD7AF: return 10
        case 0x0900...0x097F: return 11
        default: return -1
        }
    }

    /// ISO 15924 script of a scalar, for the scripts the reader cares about.
    static func script(_ s: Unicode.Scalar) -> String? {
        let i = scriptIndex(s)
        return i < 0 ? nil : scriptNames[i]
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
        var c = Counts(packs: all.count)
        countLetters(text, span, into: &c)
        countWords(analyse(text, tokens, 0..<tokens.count), into: &c)
        let (det, chosen) = decide(c, fallback: Self.scriptNames.map { fallback[$0] })
        var named: [String: Lexicon] = [:]
        for (si, l) in chosen.enumerated() { if let l { named[Self.scriptNames[si]] = l } }
        return (det, named)
    }

    /// The languages counts point to: per script present, the pack with the most points (letters
    /// count only where a script has several packs); below 6 points the fallback (or the script's
    /// preferred pack) is used, with less confidence. Packs per script are indexed like `scriptNames`
    /// (arrays, not string-keyed dictionaries: this runs twice per line).
    func decide(_ c: Counts, fallback: [Lexicon?]) -> (Detection, [Lexicon?]) {
        var chosen = [Lexicon?](repeating: nil, count: Self.scriptNames.count)
        var lexs: [Lexicon] = []
        var surenessSum = 0.0, surenessCount = 0
        for (si, n) in c.scripts.enumerated() where n > 0 {
            let cands = scriptPacks[si]
            guard let first = cands.first else { continue }
            func score(_ i: Int) -> Int { (cands.count > 1 ? 2 * c.letters[i] : 0) + c.words[i] }
            // Highest score; ties to the preferred pack (the candidates are in order of preference).
            var best = first, bestScore = score(first), second = 0
            for i in cands.dropFirst() {
                let sc = score(i)
                if sc > bestScore { second = bestScore; best = i; bestScore = sc } else if sc > second { second = sc }
            }
            let fb = si < fallback.count ? fallback[si] : nil
            let pick: Lexicon
            if bestScore >= 6 {
                pick = all[best]
                surenessSum += min(1, Double(bestScore - second) / 12 + 0.5)
            } else {
                pick = fb ?? all[best]
                surenessSum += fb != nil ? 0.7 : 0.4
            }
            surenessCount += 1
            chosen[si] = pick
            lexs.append(pick)
        }
        // The main script has the most letters; ties go to the script name first in order.
        var main: Int?
        for (si, n) in c.scripts.enumerated() where n > 0 {
            if let m = main, c.scripts[m] > n || (c.scripts[m] == n && Self.scriptNames[m] < Self.scriptNames[si]) { continue }
            main = si
        }
        let language = main.map { chosen[$0]?.pack.language ?? Self.scriptLanguage[Self.scriptNames[$0]] ?? "und" } ?? "und"
        if let common { lexs.append(common) }
        let conf = surenessCount == 0 ? 0.3 : surenessSum / Double(surenessCount)
        return (Detection(language: language, lexicons: lexs, confidence: conf), chosen)
    }
}
