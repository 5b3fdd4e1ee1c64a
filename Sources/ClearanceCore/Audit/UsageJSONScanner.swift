/// A byte-level reader of one usage-event JSON line into ``UsageFields``: the audit's hot path.
///
/// It handles the common shape (an object of scalars with `asset` and `use` objects,
/// strings without escapes) at a few hundred MB/s and declines anything else by returning
/// nil; the caller then falls back to the strict ``JSONParser``, which either reads the line
/// (escapes, odd nesting) or reports exactly what is wrong with it. So the scanner never
/// has to produce a diagnostic and never accepts what the strict parser would reject.
public enum UsageJSONScanner {
    /// The fields of a JSON line, or nil when the line needs the strict parser.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> UsageFields? {
        var s = Cursor(b: bytes)
        var fields = UsageFields()
        s.skipWhitespace()
        guard s.object(context: .top, into: &fields) else { return nil }
        s.skipWhitespace()
        guard s.i == bytes.count else { return nil }
        return fields
    }

    private enum Context { case top, asset, use }

    private struct Cursor {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0
        var seen: UInt32 = 0

        init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

        @inline(__always) mutating func skipWhitespace() {
            while i < b.count {
                let x = b[i]
                if x == 0x20 || x == 0x09 || x == 0x0A || x == 0x0D { i += 1 } else { break }
            }
        }

        /// A string with no escapes: its raw byte range (the opening quote at `i`).
        @inline(__always) mutating func rawString() -> Range<Int>? {
            guard i < b.count, b[i] == 0x22 else { return nil }
            i += 1
            let start = i
            while i < b.count {
                let x = b[i]
                if x == 0x22 { let r = start..<i; i += 1; return r }
                if x == 0x5C || x < 0x20 { return nil }
                i += 1
            }
            return nil
        }

        mutating func object(context: Context, into f: inout UsageFields) -> Bool {
            guard i < b.count, b[i] == 0x7B else { return false }
            i += 1
            var unknownKeys: Set<[UInt8]>? = nil
            skipWhitespace()
            if i < b.count, b[i] == 0x7D { i += 1; return true }
            while true {
                skipWhitespace()
                guard let keyRange = rawString() else { return false }
                skipWhitespace()
                guard i < b.count, b[i] == 0x3A else { return false }
                i += 1
                skipWhitespace()
                guard i < b.count else { return false }
                let name = UnsafeBufferPointer(rebasing: b[keyRange])
                guard validKey(name) else { return false }
                let key: UsageFields.Key?
                switch context {
                case .top: key = UsageFields.Key.topLevel(name)
                case .asset: key = UsageFields.Key.inAsset(name)
                case .use: key = UsageFields.Key.inUse(name)
                }
                if let key {
                    let bit = UInt32(1) << UInt32(key.rawValue)
                    guard seen & bit == 0 else { return false }  // duplicate: let the strict parser say so
                    seen |= bit
                    guard let v = scalar() else { return false }
                    f[key] = v
                } else if context == .top, name.count == 5 || name.count == 3,
                          isWord(name, "asset") || isWord(name, "use") {
                    let isAsset = name.count == 5
                    let bit: UInt32 = isAsset ? 1 << 30 : 1 << 31
                    guard seen & bit == 0 else { return false }
                    seen |= bit
                    if b[i] == 0x7B {
                        if isAsset { f.sawAsset = true } else { f.sawUse = true }
                        guard object(context: isAsset ? .asset : .use, into: &f) else { return false }
                    } else {
                        return false  // wrong type: the slow path words the message
                    }
                } else {
                    // Unknown keys are ignored, but a duplicate is still an error for the strict parser.
                    var set = unknownKeys ?? []
                    guard set.insert(Array(name)).inserted else { return false }
                    unknownKeys = set
                    guard skipValue(depth: 0) else { return false }
                }
                skipWhitespace()
                guard i < b.count else { return false }
                if b[i] == 0x2C { i += 1; continue }
                if b[i] == 0x7D { i += 1; return true }
                return false
            }
        }

        /// A key's bytes are valid UTF-8 (ASCII keys, the usual case, need no check).
        func validKey(_ n: UnsafeBufferPointer<UInt8>) -> Bool {
            for x in n where x >= 0x80 { return String(validating: n, as: UTF8.self) != nil }
            return true
        }

        func isWord(_ n: UnsafeBufferPointer<UInt8>, _ w: StaticString) -> Bool {
            guard n.count == w.utf8CodeUnitCount else { return false }
            for k in 0..<n.count where n[k] != w.utf8Start[k] { return false }
            return true
        }

        mutating func scalar() -> UsageFields.Value? {
            let x = b[i]
            switch x {
            case 0x22:
                guard let r = rawString() else { return nil }
                guard let s = String(validating: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) else { return nil }
                return .string(s)
            case 0x74:  // true
                guard word("true") else { return nil }
                return .bool(true)
            case 0x66:
                guard word("false") else { return nil }
                return .bool(false)
            case 0x6E:
                guard word("null") else { return nil }
                return .null
            case 0x2D, 0x30...0x39:
                let start = i
                guard number() else { return nil }
                let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                guard let d = Double(text), d.isFinite else { return nil }
                return .number(d)
            case 0x5B:
                guard skipValue(depth: 0) else { return nil }
                return .other("array")
            case 0x7B:
                guard skipValue(depth: 0) else { return nil }
                return .other("object")
            default:
                return nil
            }
        }

        mutating func word(_ w: StaticString) -> Bool {
            let n = w.utf8CodeUnitCount
            guard i + n <= b.count else { return false }
            for k in 0..<n where b[i + k] != w.utf8Start[k] { return false }
            i += n
            return true
        }

        /// A JSON number in strict grammar.
        mutating func number() -> Bool {
            if b[i] == 0x2D { i += 1 }
            let intStart = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > intStart else { return false }
            if b[intStart] == 0x30, i - intStart > 1 { return false }
            if i < b.count, b[i] == 0x2E {
                i += 1
                let f = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > f else { return false }
            }
            if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < b.count, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
                let e = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                guard i > e else { return false }
            }
            return true
        }

        /// Skips any JSON value (validating its grammar; strings must be escape-free and UTF-8).
        mutating func skipValue(depth: Int) -> Bool {
            guard depth < 64, i < b.count else { return false }
            switch b[i] {
            case 0x22:
                guard let r = rawString() else { return false }
                return String(validating: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self) != nil
            case 0x7B:
                i += 1
                skipWhitespace()
                if i < b.count, b[i] == 0x7D { i += 1; return true }
                var keys: Set<[UInt8]> = []
                while true {
                    skipWhitespace()
                    guard let r = rawString() else { return false }
                    guard validKey(UnsafeBufferPointer(rebasing: b[r])), keys.insert(Array(b[r])).inserted else { return false }
                    skipWhitespace()
                    guard i < b.count, b[i] == 0x3A else { return false }
                    i += 1
                    skipWhitespace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    guard i < b.count else { return false }
                    if b[i] == 0x2C { i += 1; continue }
                    if b[i] == 0x7D { i += 1; return true }
                    return false
                }
            case 0x5B:
                i += 1
                skipWhitespace()
                if i < b.count, b[i] == 0x5D { i += 1; return true }
                while true {
                    skipWhitespace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    guard i < b.count else { return false }
                    if b[i] == 0x2C { i += 1; continue }
                    if b[i] == 0x5D { i += 1; return true }
                    return false
                }
            case 0x74: return word("true")
            case 0x66: return word("false")
            case 0x6E: return word("null")
            case 0x2D, 0x30...0x39: return number()
            default: return false
            }
        }
    }
}
