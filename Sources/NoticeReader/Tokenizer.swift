/// A word, number or symbol of folded text: its span only.
///
/// Tokens used to carry their folded text as a `String`; building one per token (UTF-8 encoding,
/// validation, an allocation past 15 bytes) was a tenth of the notice bench, yet only the holder
/// finder and number limits ever read it. They now ask `ClauseInput.word(_:)` for the few they need.
public struct Token: Sendable {
    /// Folded scalar range `[start, end)`.
    public let start: Int
    public let end: Int
    /// Whether the token is a number (digits, optionally with inner `.` or `,`).
    public let isNumber: Bool
    /// Whether the input scalar at the token's start is upper-case.
    public let capitalised: Bool
}

/// Splits folded text into tokens and clauses; linear in the text length.
enum Tokenizer {
    /// Scripts written without spaces: each scalar is a token.
    static func isUnspaced(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0E00...0x0E7F, 0x0E80...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF,
             0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF:
            return true
        default: return false
        }
    }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 {
            return (s.value >= 0x61 && s.value <= 0x7A) || (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0x41 && s.value <= 0x5A)
        }
        if s.value < tableEnd { return bmpWord[Int(s.value)] }
        return computeIsWord(s)
    }

    private static func computeIsWord(_ s: Unicode.Scalar) -> Bool {
        let p = s.properties
        return p.isAlphabetic || p.numericType != nil || p.generalCategory == .spacingMark || p.generalCategory == .nonspacingMark
    }

    // perf on the release notice bench showed `_swift_stdlib_getBinaryProperties` at 8% of
    // the time, nearly all from the tokenizer asking `isAlphabetic` (word scalars) and
    // `isUppercase` (capitalised tokens) of every non-ASCII scalar. Both answers are fixed
    // per scalar, so they are computed once for the Basic Multilingual Plane into tables
    // (64 K entries each, built on first use); other planes still ask the properties.
    // The tables stop at U+3000: above it (CJK, Hangul) scalars are rarer per text, and building
    // 64 K entries each cost every process 25 ms at start.
    static let tableEnd = 0x3000
    private static let bmpWord: [Bool] = (0..<tableEnd).map { v in Unicode.Scalar(UInt32(v)).map(computeIsWord) ?? false }
    private static let bmpUpper: [Bool] = (0..<tableEnd).map { v in Unicode.Scalar(UInt32(v))?.properties.isUppercase ?? false }

    /// `s.properties.isUppercase`, from the table for the BMP.
    static func isUppercase(_ s: Unicode.Scalar) -> Bool {
        s.value < tableEnd ? bmpUpper[Int(s.value)] : s.properties.isUppercase
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    /// Tokens of `text.scalars[range]`.
    static func tokens(_ text: NormalizedText, _ range: Range<Int>) -> [Token] {
        let a = text.scalars
        var out: [Token] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let s = a[i]
            if s == "©" || s == "%" || s == "℗" {
                out.append(make(text, i, i + 1, number: false)); i += 1; continue
            }
            if isUnspaced(s) { out.append(make(text, i, i + 1, number: false)); i += 1; continue }
            guard isWordScalar(s) else { i += 1; continue }
            var j = i
            var allDigits = true
            while j < range.upperBound {
                let c = a[j]
                if isUnspaced(c) { break }
                if isWordScalar(c) { if !isDigit(c) { allDigits = false }; j += 1; continue }
                // a decimal point or thousands separator inside a number
                if (c == "." || c == ","), allDigits, j + 1 < range.upperBound, isDigit(a[j + 1]), j > i { j += 1; continue }
                break
            }
            out.append(make(text, i, j, number: allDigits))
            i = j
        }
        return out
    }

    private static func make(_ text: NormalizedText, _ i: Int, _ j: Int, number: Bool) -> Token {
        let o = Int(text.origin[i])
        let cap = o < text.input.count && isUppercase(text.input[o])
        return Token(start: i, end: j, isNumber: number, capitalised: cap)
    }

    /// Line ranges (folded scalar offsets) of `range`, split at line breaks; blank lines dropped.
    static func lines(_ text: NormalizedText, _ range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = range.lowerBound
        for i in range where text.scalars[i] == "\n" {
            if hasContent(text, start..<i) { out.append(trim(text, start..<i)) }
            start = i + 1
        }
        if hasContent(text, start..<range.upperBound) { out.append(trim(text, start..<range.upperBound)) }
        return out
    }

    static func hasContent(_ text: NormalizedText, _ r: Range<Int>) -> Bool {
        r.contains { isWordScalar(text.scalars[$0]) || text.scalars[$0] == "©" }
    }

    static func trim(_ text: NormalizedText, _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, text.scalars[lo].properties.isWhitespace { lo += 1 }
        while hi > lo, text.scalars[hi - 1].properties.isWhitespace { hi -= 1 }
        return lo..<hi
    }

    /// Clause ranges within a line: split at sentence ends, keeping abbreviations and numbers whole.
    static func clauses(_ text: NormalizedText, _ line: Range<Int>, maxLength: Int = 1500) -> [Range<Int>] {
        let a = text.scalars
        var out: [Range<Int>] = []
        var start = line.lowerBound
        var i = line.lowerBound
        func cut(_ end: Int) {
            let r = trim(text, start..<end)
            if hasContent(text, r) { out.append(r) }
            start = end
        }
        while i < line.upperBound {
            let s = a[i]
            switch s {
            case "!", "?", ";", "。", "！", "？", "•", "։", "।", "॥":
                cut(i + 1)
            case ":":
                // Armenian text often ends sentences with an ASCII colon (for `։`): a colon followed by
                // a space and an Armenian letter ends the clause. Elsewhere a colon introduces what follows.
                if i + 2 < line.upperBound, a[i + 1] == " ", (0x0531...0x0587).contains(a[i + 2].value) { cut(i + 1) }
            case ".":
                let next = i + 1 < line.upperBound ? a[i + 1] : " "
                if next.properties.isWhitespace || next == "\"" || next == ")" {
                    if !isAbbreviation(text, before: i, lineStart: line.lowerBound) { cut(i + 1) }
                }
            case ",":
                if i - start > maxLength { cut(i + 1) }
            default:
                if i - start > maxLength * 2 { cut(i) }
            }
            i += 1
        }
        cut(line.upperBound)
        return out
    }

    /// Whether the word before a full stop at `dot` is an abbreviation or a number (`Inc.`, `A.Ş.`, `2.3.`).
    static func isAbbreviation(_ text: NormalizedText, before dot: Int, lineStart: Int) -> Bool {
        var j = dot
        while j > lineStart, isWordScalar(text.scalars[j - 1]) || text.scalars[j - 1] == "." { j -= 1 }
        let len = dot - j
        if len == 0 { return false }
        if (j..<dot).allSatisfy({ isDigit(text.scalars[$0]) || text.scalars[$0] == "." }) { return true }
        if (j..<dot).contains(where: { text.scalars[$0] == "." }) { return true }
        let o = Int(text.origin[j])
        let cap = o < text.input.count && isUppercase(text.input[o])
        // An acronym in capitals ("… of ANP. Next", "ΑΠΕ-ΜΠΕ. Απαγορεύεται") followed by a capitalised
        // word ends the sentence; "Inc. The" and "A.Ş." stay abbreviations.
        if len >= 2, cap, let last = text.origin.indices.contains(dot - 1) ? Int(text.origin[dot - 1]) : nil,
           (o...last).allSatisfy({ $0 < text.input.count && (isUppercase(text.input[$0]) || !text.input[$0].properties.isAlphabetic) }),
           dot + 2 < text.scalars.count, text.scalars[dot + 1] == " " {
            let n = Int(text.origin[dot + 2])
            if n < text.input.count, isUppercase(text.input[n]) { return false }
        }
        return len == 1 || (cap && len <= 3)
    }
}
