/// A JSON document as a value: the one JSON representation every Clearance reader shares.
///
/// Objects keep their keys in input order (so a file round-trips as written) and the parser
/// is strict: duplicate keys, invalid UTF-8, trailing garbage, nesting deeper than
/// ``JSONParser/maximumDepth`` are all errors with a line and column, never a crash.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var doubleValue: Double? { if case .number(let d) = self { return d } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A whole number, if this is a number with no fractional part that fits in `Int`.
    public var intValue: Int? {
        guard case .number(let d) = self, d.rounded() == d, abs(d) < 9.007_199_254_740_992e15 else { return nil }
        return Int(d)
    }

    /// The JSON type's name, for messages (`string`, `object`, ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}

/// A JSON object that keeps its keys in insertion order.
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            let k = keys[i]
            return (k, storage[k] ?? .null)
        }
    }

    /// Equality ignores key order, as JSON does.
    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.storage == b.storage }
    public func hash(into h: inout Hasher) { h.combine(storage) }
}

/// Parses JSON text strictly, reporting the first problem with its line and column.
public struct JSONParser {
    /// Deeper nesting than this is rejected (protects the stack from hostile input).
    public static let maximumDepth = 256

    private let bytes: [UInt8]
    private var i = 0
    private var depth = 0

    /// Parses one JSON document from UTF-8 bytes (a leading UTF-8 BOM is skipped).
    public static func parse(_ bytes: [UInt8]) throws(Diagnostic) -> JSONValue {
        var p = JSONParser(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { p.i = 3 }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw Diagnostic(
                code: "json.encoding", message: "the input is UTF-16, not UTF-8",
                hint: "convert it with `iconv -f UTF-16 -t UTF-8`", location: "byte 0")
        }
        p.skipWhitespace()
        if p.i >= bytes.count {
            throw Diagnostic(code: "json.empty", message: "the input is empty", hint: "expected a JSON document")
        }
        let v = try p.parseValue()
        p.skipWhitespace()
        if p.i < bytes.count {
            throw p.error("json.trailing_data", "unexpected \(p.describeByte()) after the JSON document",
                          hint: "one document per input; for many, use JSON Lines")
        }
        return v
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String) throws(Diagnostic) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func position() -> String {
        var line = 1, col = 1
        var k = 0
        while k < i && k < bytes.count {
            if bytes[k] == 0x0A { line += 1; col = 1 } else if bytes[k] & 0xC0 != 0x80 { col += 1 }
            k += 1
        }
        return "line \(line), column \(col)"
    }

    private func describeByte() -> String {
        guard i < bytes.count else { return "end of input" }
        let b = bytes[i]
        if b >= 0x20 && b < 0x7F { return "`\(Character(Unicode.Scalar(b)))`" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    private func error(_ code: String, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, message: message, hint: hint, location: position())
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func parseValue() throws(Diagnostic) -> JSONValue {
        skipWhitespace()
        guard i < bytes.count else { throw error("json.truncated", "the JSON ends too early", hint: "the file may be cut off") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("json.syntax", "unexpected \(describeByte()), expected a JSON value")
        }
    }

    private mutating func expectWord(_ w: String) throws(Diagnostic) {
        let p = Array(w.utf8)
        let n = p.count
        for k in 0..<n {
            guard i + k < bytes.count, bytes[i + k] == p[k] else {
                throw error("json.syntax", "unexpected \(describeByte()), expected a JSON value")
            }
        }
        i += n
    }

    private mutating func enter() throws(Diagnostic) {
        depth += 1
        if depth > JSONParser.maximumDepth {
            throw error("json.too_deep", "the JSON is nested more than \(JSONParser.maximumDepth) levels deep")
        }
    }

    private mutating func parseObject() throws(Diagnostic) -> JSONValue {
        try enter()
        i += 1
        var obj = JSONObject()
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(obj) }
        while true {
            skipWhitespace()
            guard i < bytes.count else { throw error("json.truncated", "the JSON ends inside an object", hint: "the file may be cut off") }
            guard bytes[i] == UInt8(ascii: "\"") else { throw error("json.syntax", "unexpected \(describeByte()), expected a key in double quotes") }
            let keyStart = i
            let key = try parseString()
            if obj[key] != nil {
                i = keyStart
                throw error("json.duplicate_key", "the key `\(key)` appears twice in one object", hint: "keep one of them")
            }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("json.syntax", "unexpected \(describeByte()), expected `:` after a key") }
            i += 1
            obj[key] = try parseValue()
            skipWhitespace()
            guard i < bytes.count else { throw error("json.truncated", "the JSON ends inside an object", hint: "the file may be cut off") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(obj) }
            throw error("json.syntax", "unexpected \(describeByte()), expected `,` or `}`")
        }
    }

    private mutating func parseArray() throws(Diagnostic) -> JSONValue {
        try enter()
        i += 1
        var arr: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(arr) }
        while true {
            arr.append(try parseValue())
            skipWhitespace()
            guard i < bytes.count else { throw error("json.truncated", "the JSON ends inside an array", hint: "the file may be cut off") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(arr) }
            throw error("json.syntax", "unexpected \(describeByte()), expected `,` or `]`")
        }
    }

    private mutating func parseNumber() throws(Diagnostic) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        func digits(_ p: inout JSONParser) -> Int {
            let s = p.i
            while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
            return p.i - s
        }
        let intStart = i
        guard digits(&self) > 0 else { throw error("json.syntax", "a number needs digits") }
        if bytes[intStart] == 0x30, i - intStart > 1 { throw error("json.syntax", "a number may not start with `0`") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw error("json.syntax", "a number needs digits after `.`") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw error("json.syntax", "a number needs digits in its exponent") }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            i = start
            throw error("json.number_range", "the number `\(text)` is out of range")
        }
        return .number(d)
    }

    private mutating func parseHex4() throws(Diagnostic) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("json.truncated", "the JSON ends inside a `\\u` escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw error("json.syntax", "`\\u` must be followed by four hex digits")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func parseString() throws(Diagnostic) -> String {
        let openingQuote = i
        i += 1  // opening quote
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard i < bytes.count else { throw error("json.truncated", "the JSON ends inside a string", hint: "a closing `\"` is missing") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                break
            }
            if b < 0x20 {
                throw error("json.syntax", "a control character (byte 0x\(String(b, radix: 16))) inside a string", hint: "escape it, e.g. `\\n`")
            }
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                guard i < bytes.count else { throw error("json.truncated", "the JSON ends inside a string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                            throw error("json.invalid_unicode", "a lone UTF-16 surrogate in a `\\u` escape")
                        }
                        i += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("json.invalid_unicode", "a lone UTF-16 surrogate in a `\\u` escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("json.invalid_unicode", "a lone UTF-16 surrogate in a `\\u` escape")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("json.invalid_unicode", "an invalid `\\u` escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default:
                    i -= 1
                    throw error("json.syntax", "unknown escape `\\\(Character(Unicode.Scalar(e)))` in a string")
                }
                runStart = i
                continue
            }
            i += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            i = openingQuote  // point at the string, not past it
            throw error("json.invalid_utf8", "a string holds bytes that are not valid UTF-8", hint: "save the file as UTF-8")
        }
        return s
    }
}

extension JSONValue {
    /// Serialises this value as JSON text: compact, or pretty with two-space indents.
    ///
    /// Non-ASCII text is written as UTF-8, not escaped; keys keep their order unless `sortedKeys`.
    public func serialized(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, sortedKeys: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSONValue.formatNumber(d)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                v.write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            let keys = sortedKeys ? o.keys.sorted() : o.keys
            for (k, key) in keys.enumerated() {
                if k > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                JSONValue.writeString(key, to: &out)
                out += pretty ? ": " : ":"
                (o[key] ?? .null).write(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }

    /// Formats a number the way JSON readers expect: whole numbers without a fraction.
    public static func formatNumber(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Appends `s` as a JSON string literal (quotes and escapes included).
    public static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
