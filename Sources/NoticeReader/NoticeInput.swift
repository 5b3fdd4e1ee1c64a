import ClearanceCore

/// Turns raw input bytes into notice text, refusing what is not text with a clear diagnostic.
public enum NoticeInput {
    /// Largest input the reader accepts (16 MiB): pages are far smaller; more is not a notice.
    public static let maxBytes = 16 << 20

    /// Decodes UTF-8 text (a UTF-8 byte-order mark is dropped).
    ///
    /// Errors (all exit 65): `notice.empty`, `notice.binary`, `notice.not_utf8`, `notice.too_large`.
    public static func decode(_ bytes: [UInt8], name: String = "-") throws(Diagnostic) -> String {
        if bytes.count > maxBytes {
            throw Diagnostic(code: "notice.too_large", message: "input `\(name)` is \(bytes.count / (1 << 20)) MiB; the notice reader reads at most \(maxBytes >> 20) MiB",
                             hint: "pass the notice or the article page alone, not a whole site dump")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.starts(with: [0xFF, 0xFE]) || body.starts(with: [0xFE, 0xFF]) {
            throw Diagnostic(code: "notice.not_utf8", message: "input `\(name)` is UTF-16 text, not UTF-8",
                             hint: "convert it, e.g. `iconv -f utf-16 -t utf-8 FILE`")
        }
        if let nul = body.firstIndex(of: 0) {
            throw Diagnostic(code: "notice.binary", message: "input `\(name)` looks binary (a NUL byte at offset \(nul))",
                             hint: "pass the text of the notice or of the article page")
        }
        if let bad = firstInvalidUTF8(body) {
            throw Diagnostic(code: "notice.not_utf8", message: "input `\(name)` is not valid UTF-8 (bad byte at offset \(bad))",
                             hint: "convert it to UTF-8, e.g. `iconv -f windows-1256 -t utf-8 FILE` for Arabic code page text")
        }
        let text = String(decoding: body, as: UTF8.self)
        let controls = text.unicodeScalars.lazy.filter { $0.value < 0x20 && $0 != "\n" && $0 != "\r" && $0 != "\t" }.count
        if controls > 16 && controls * 20 > text.unicodeScalars.count {
            throw Diagnostic(code: "notice.binary", message: "input `\(name)` looks binary (\(controls) control characters)",
                             hint: "pass the text of the notice or of the article page")
        }
        if !text.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0 == "©" }) {
            throw Diagnostic(code: "notice.empty", message: "input `\(name)` holds no text to read",
                             hint: "pass a copyright notice or an article page that contains one")
        }
        return text
    }

    /// Offset of the first byte that breaks UTF-8, or nil.
    static func firstInvalidUTF8(_ b: ArraySlice<UInt8>) -> Int? {
        var i = b.startIndex
        while i < b.endIndex {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            let n: Int
            let minCode: UInt32
            var code: UInt32
            switch c {
            case 0xC2...0xDF: n = 1; code = UInt32(c & 0x1F); minCode = 0x80
            case 0xE0...0xEF: n = 2; code = UInt32(c & 0x0F); minCode = 0x800
            case 0xF0...0xF4: n = 3; code = UInt32(c & 0x07); minCode = 0x10000
            default: return i - b.startIndex
            }
            for k in 1...n {
                guard i + k < b.endIndex, b[i + k] & 0xC0 == 0x80 else { return i - b.startIndex }
                code = code << 6 | UInt32(b[i + k] & 0x3F)
            }
            if code < minCode || code > 0x10FFFF || (0xD800...0xDFFF).contains(code) { return i - b.startIndex }
            i += n + 1
        }
        return nil
    }
}
