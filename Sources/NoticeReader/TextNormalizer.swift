import Foundation

/// Folded text for matching, with a map from each folded scalar back to the input.
///
/// Folding applies, per input scalar: HTML tag and entity removal, Unicode NFKC,
/// lower-casing, removal of combining marks (Arabic diacritics, Latin accents, Turkish
/// dotted/dotless i), Arabic hamza/alef forms, taa marbuta, alef maqsura, Persian yeh and
/// kaf, tatweel, bidi controls, Arabic-Indic digits and typographic quotes and dashes.
/// Offsets in `origin` are Unicode scalar offsets into the input.
public struct NormalizedText: Sendable {
    /// The folded scalars.
    public let scalars: [Unicode.Scalar]
    /// For each folded scalar, the offset of the input scalar it came from.
    public let origin: [Int32]
    /// The input scalars, unchanged.
    public let input: [Unicode.Scalar]

    /// Folds `text`; linear in its length.
    public init(_ text: String) {
        let input = Self.scalars(of: text)
        var out: [Unicode.Scalar] = []
        var origin: [Int32] = []
        out.reserveCapacity(input.count)
        origin.reserveCapacity(input.count)
        var cache: [UInt32: [Unicode.Scalar]] = [:]
        let (tOffsets, tScalars) = Self.table
        var i = 0
        while i < input.count {
            let s = input[i]
            if s == "<", let (end, breaks) = Self.htmlTag(input, at: i) {
                out.append(breaks ? "\n" : " "); origin.append(Int32(i)); i = end; continue
            }
            if s == "&", let (end, rep) = Self.htmlEntity(input, at: i) {
                for r in Self.fold(rep, cache: &cache) { out.append(r); origin.append(Int32(i)) }
                i = end; continue
            }
            let v = s.value
            if v < 0x80 {
                // ASCII fast path: lower-case, tabs and carriage returns to spaces, backquote to apostrophe.
                let r: UInt32 = (v >= 0x41 && v <= 0x5A) ? v + 32 : (v == 0x09 || v == 0x0D) ? 0x20 : v == 0x60 ? 0x27 : v
                out.append(Unicode.Scalar(UInt8(r)))
                origin.append(Int32(i))
            } else if v < Self.tableLimit {
                var k = Int(tOffsets[Int(v)])
                let hi = Int(tOffsets[Int(v) + 1])
                while k < hi { out.append(tScalars[k]); origin.append(Int32(i)); k += 1 }
            } else {
                for r in Self.fold(s, cache: &cache) { out.append(r); origin.append(Int32(i)) }
            }
            i += 1
        }
        self.scalars = out
        self.origin = origin
        self.input = input
    }

    /// The scalars of `text`, decoded straight from its UTF-8.
    ///
    /// `Array(text.unicodeScalars)` counts the scalars in one pass and copies them in a second,
    /// through the generic iterator (callgrind: 4% of a reading). A String's UTF-8 is valid by
    /// construction, so a plain decoder over its contiguous bytes does both at once.
    static func scalars(of text: String) -> [Unicode.Scalar] {
        var text = text
        return text.withUTF8 { b -> [Unicode.Scalar] in
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(b.count)
            var i = 0
            let n = b.count
            while i < n {
                let c = UInt32(b[i])
                var v: UInt32
                if c < 0x80 { v = c; i += 1 }
                else if c < 0xE0 { v = (c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F); i += 2 }
                else if c < 0xF0 { v = (c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F); i += 3 }
                else { v = (c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F); i += 4 }
                // Valid UTF-8 always decodes to a scalar; the replacement character is a belt for the braces.
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            }
            return out
        }
    }

    /// Folds a lexicon phrase the same way as input text.
    public static func fold(_ text: String) -> String {
        var u = String.UnicodeScalarView()
        u.append(contentsOf: NormalizedText(text).scalars)
        return String(u)
    }

    /// The input scalar span `[start, end)` covered by folded scalars `[from, to)`.
    public func inputSpan(_ from: Int, _ to: Int) -> Range<Int> {
        guard from < to, from < origin.count else {
            let p = from < origin.count ? Int(origin[from]) : input.count
            return p..<p
        }
        return Int(origin[from])..<(Int(origin[min(to, origin.count) - 1]) + 1)
    }

    /// The input text of an input scalar span.
    public func inputText(_ span: Range<Int>) -> String {
        let lo = max(0, span.lowerBound), hi = min(input.count, span.upperBound)
        guard lo < hi else { return "" }
        return Self.string(input[lo..<hi])
    }

    /// A string of scalars, encoded straight into the new string's UTF-8 storage.
    ///
    /// perf showed `String.UnicodeScalarView.append(contentsOf:)` at 17% of the notice bench
    /// (clause texts, holder names): it appends scalar by scalar, growing and re-validating.
    /// Scalars are valid by construction, so they are encoded once into a buffer of the
    /// right capacity.
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var bytes = 0
        for u in scalars { bytes += UTF8.width(u) }
        return String(unsafeUninitializedCapacity: bytes) { buf in
            var n = 0
            for u in scalars { UTF8.encode(u) { buf[n] = $0; n += 1 } }
            return n
        }
    }

    static func fold(_ s: Unicode.Scalar, cache: inout [UInt32: [Unicode.Scalar]]) -> [Unicode.Scalar] {
        let v = s.value
        if v < 0x80 {
            if v >= 0x41 && v <= 0x5A { return [Unicode.Scalar(v + 32)!] }
            if v == 0x09 || v == 0x0D { return [" "] }
            if v == 0x60 { return ["'"] }
            return [s]
        }
        if v < Self.tableLimit {
            let lo = Int(Self.table.offsets[Int(v)]), hi = Int(Self.table.offsets[Int(v) + 1])
            return Array(Self.table.scalars[lo..<hi])
        }
        // CJK ideographs fold to themselves (no compatibility form, case or mark).
        if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) { return [s] }
        if let hit = cache[v] { return hit }
        let r = foldSlow(s)
        cache[v] = r
        return r
    }

    static func fold(_ text: String, cache: inout [UInt32: [Unicode.Scalar]]) -> [Unicode.Scalar] {
        text.unicodeScalars.flatMap { fold($0, cache: &cache) }
    }

    /// Folds of every scalar below `tableLimit` (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic,
    /// Devanagari, Thai…),
    /// computed once per process: `scalars[offsets[v] ..< offsets[v + 1]]` is the fold of `v`.
    ///
    /// perf showed `foldSlow` (Foundation's NFKC, lower-casing and decomposition, about 10% of
    /// the notice bench) and the per-text cache dictionary in front of it: every reading met
    /// its letters for the first time. A table answers those scripts without either; rarer
    /// scripts still go through the per-text cache.
    static let tableLimit: UInt32 = 0x1000
    static let table: (offsets: [UInt32], scalars: [Unicode.Scalar]) = {
        var offsets: [UInt32] = [0]
        var scalars: [Unicode.Scalar] = []
        for v in 0..<tableLimit {
            if let u = Unicode.Scalar(v) {
                if v < 0x80 {
                    let r: UInt32 = (v >= 0x41 && v <= 0x5A) ? v + 32 : (v == 0x09 || v == 0x0D) ? 0x20 : v == 0x60 ? 0x27 : v
                    scalars.append(Unicode.Scalar(UInt8(r)))
                } else {
                    scalars.append(contentsOf: foldSlow(u))
                }
            }
            offsets.append(UInt32(scalars.count))
        }
        return (offsets, scalars)
    }()

    private static func foldSlow(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        switch s.value {
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C, 0xFEFF, 0x00AD, 0x200D, 0x0640, 0x200B:
            return []
        case 0x200C, 0x00A0, 0x2028, 0x2029: return [s.value == 0x2028 || s.value == 0x2029 ? "\n" : " "]
        case 0x0660...0x0669: return [Unicode.Scalar(s.value - 0x0660 + 0x30)!]
        case 0x06F0...0x06F9: return [Unicode.Scalar(s.value - 0x06F0 + 0x30)!]
        case 0x2018, 0x2019, 0x201B, 0x2032, 0x00B4, 0x02BC: return ["'"]
        case 0x201C, 0x201D, 0x201E, 0x00AB, 0x00BB, 0x2033: return ["\""]
        case 0x2010...0x2015, 0x2212: return ["-"]
        case 0x0131, 0x0130: return ["i"]
        case 0x0671, 0x0672, 0x0673, 0x0675: return ["\u{0627}"]
        case 0x0629: return ["\u{0647}"]
        case 0x0649, 0x06CC, 0x06D2: return ["\u{064A}"]
        case 0x06A9, 0x06AA: return ["\u{0643}"]
        case 0x060C: return [","]
        case 0x061B: return [";"]
        case 0x061F: return ["?"]
        case 0x06D4: return ["."]
        default: break
        }
        let nfkc = String(s).precomposedStringWithCompatibilityMapping
        let lower = nfkc.lowercased()
        let decomposed = lower.decomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        for d in decomposed.unicodeScalars {
            if d.properties.generalCategory == .nonspacingMark || d.properties.generalCategory == .enclosingMark { continue }
            if d.value == 0x0131 { out.append("i"); continue }
            if d.value == 0x0629 { out.append("\u{0647}"); continue }
            if d.value == 0x0649 || d.value == 0x06CC { out.append("\u{064A}"); continue }
            if d.value == 0x06A9 { out.append("\u{0643}"); continue }
            if d.value == 0x0640 || d.value == 0x0674 { continue }
            if d.value == 0x0671 { out.append("\u{0627}"); continue }
            out.append(d)
        }
        return out
    }

    private static let breakingTags: Set<String> = ["br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "hr"]

    /// Recognises an HTML tag at `i`; returns the index after `>` and whether it breaks a line.
    static func htmlTag(_ a: [Unicode.Scalar], at i: Int) -> (Int, Bool)? {
        var j = i + 1
        guard j < a.count else { return nil }
        var first = a[j]
        if first == "/" { j += 1; guard j < a.count else { return nil }; first = a[j] }
        guard first.properties.isASCIIHexDigit || (first.value < 0x80 && first.properties.isAlphabetic) || first == "!" else { return nil }
        var name = ""
        var k = j
        while k < a.count, k - i < 300 {
            let c = a[k]
            if c == ">" {
                return (k + 1, breakingTags.contains(name.lowercased()))
            }
            if c == "<" || c == "\n" { return nil }
            if name.count < 10, c.value < 0x80, c.properties.isAlphabetic || (c.value >= 0x30 && c.value <= 0x39) , k == j + name.count { name.unicodeScalars.append(c) }
            k += 1
        }
        return nil
    }

    private static let entities: [String: String] = [
        "nbsp": " ", "amp": "&", "quot": "\"", "apos": "'", "lt": "<", "gt": ">", "copy": "©",
        "laquo": "«", "raquo": "»", "rsquo": "'", "lsquo": "'", "ldquo": "\"", "rdquo": "\"", "ndash": "-", "mdash": "-",
    ]

    /// Recognises an HTML entity at `i`; returns the index after `;` and its text.
    static func htmlEntity(_ a: [Unicode.Scalar], at i: Int) -> (Int, String)? {
        var name = ""
        var k = i + 1
        while k < a.count, k - i <= 10 {
            let c = a[k]
            if c == ";" {
                if let r = entities[name] { return (k + 1, r) }
                if name.hasPrefix("#") {
                    let body = name.dropFirst()
                    let code = body.hasPrefix("x") || body.hasPrefix("X") ? UInt32(body.dropFirst(), radix: 16) : UInt32(body)
                    if let code, let sc = Unicode.Scalar(code) { return (k + 1, String(sc)) }
                }
                return nil
            }
            guard c.value < 0x80, c.properties.isAlphabetic || c == "#" || (c.value >= 0x30 && c.value <= 0x39) else { return nil }
            name.unicodeScalars.append(c)
            k += 1
        }
        return nil
    }
}
