/// The fields of one usage event as read from a JSON line or a CSV row, before validation.
///
/// Both log formats land here, so one validator (``UsageFields/event()``-style conversion
/// in the auditor) judges them alike. Values keep their JSON type so a message can say
/// "`$.use.portion` must be a number, not a string".
public struct UsageFields: Sendable, Equatable {
    /// A field the usage-event format knows (DESIGN.md "Usage event").
    public enum Key: Int, CaseIterable, Sendable {
        case id, subscriber, source, assetId, assetKind, assetPublishedAt
        case action, extent, portion, channel, territory, at, url, attribution, link

        /// The field's JSON path, for messages (`$.asset.kind`).
        public var path: String {
            switch self {
            case .id: "$.id"
            case .subscriber: "$.subscriber"
            case .source: "$.source"
            case .assetId: "$.asset.id"
            case .assetKind: "$.asset.kind"
            case .assetPublishedAt: "$.asset.publishedAt"
            case .action: "$.use.action"
            case .extent: "$.use.extent"
            case .portion: "$.use.portion"
            case .channel: "$.channel"
            case .territory: "$.territory"
            case .at: "$.at"
            case .url: "$.url"
            case .attribution: "$.attribution"
            case .link: "$.link"
            }
        }

        /// The key when it sits at the top level of the JSON object.
        static func topLevel(_ name: UnsafeBufferPointer<UInt8>) -> Key? {
            switch name.count {
            case 2:
                if eq(name, "id") { return .id }
                if eq(name, "at") { return .at }
            case 3:
                if eq(name, "url") { return .url }
            case 4:
                if eq(name, "link") { return .link }
            case 6:
                if eq(name, "source") { return .source }
            case 7:
                if eq(name, "channel") { return .channel }
            case 9:
                if eq(name, "territory") { return .territory }
            case 10:
                if eq(name, "subscriber") { return .subscriber }
            case 11:
                if eq(name, "attribution") { return .attribution }
            default: break
            }
            return nil
        }

        /// The key inside the `asset` object.
        static func inAsset(_ name: UnsafeBufferPointer<UInt8>) -> Key? {
            if eq(name, "id") { return .assetId }
            if eq(name, "kind") { return .assetKind }
            if eq(name, "publishedAt") { return .assetPublishedAt }
            return nil
        }

        /// The key inside the `use` object.
        static func inUse(_ name: UnsafeBufferPointer<UInt8>) -> Key? {
            if eq(name, "action") { return .action }
            if eq(name, "extent") { return .extent }
            if eq(name, "portion") { return .portion }
            return nil
        }

        private static func eq(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
            guard b.count == s.utf8CodeUnitCount else { return false }
            let p = s.utf8Start
            for k in 0..<b.count where b[k] != p[k] { return false }
            return true
        }
    }

    /// A field's value with its JSON type.
    public enum Value: Sendable, Equatable {
        case absent
        case null
        case string(String)
        case number(Double)
        case bool(Bool)
        /// An array or object where a scalar was expected (its JSON type name).
        case other(String)
    }

    /// Values indexed by `Key.rawValue`.
    public var values: [Value] = Array(repeating: .absent, count: Key.allCases.count)
    /// A container of the wrong type (`asset` given as a string, a line that is an array...).
    public struct ShapeError: Sendable, Equatable {
        /// Where (`$.asset`).
        public var path: String
        /// What was expected (`an object`).
        public var expected: String
        /// The JSON type found.
        public var found: String
    }

    /// The first container of the wrong type, if any.
    public var shapeError: ShapeError?

    public init() {}

    public subscript(key: Key) -> Value {
        get { values[key.rawValue] }
        set { values[key.rawValue] = newValue }
    }

    /// The field as a string, if it is one.
    public func string(_ key: Key) -> String? {
        if case .string(let s) = values[key.rawValue] { return s }
        return nil
    }

    /// The fields as a JSON object in the usage-event shape (`asset` and `use` nested), for ``UsageEvent/parse(_:at:territories:)``.
    public var jsonValue: JSONValue {
        func json(_ v: Value) -> JSONValue? {
            switch v {
            case .absent: nil
            case .null: .null
            case .string(let s): .string(s)
            case .number(let d): .number(d)
            case .bool(let b): .bool(b)
            case .other(let t): t == "array" ? .array([]) : .object(JSONObject())
            }
        }
        var top = JSONObject()
        var asset = JSONObject()
        var use = JSONObject()
        for k in Key.allCases {
            guard let v = json(values[k.rawValue]) else { continue }
            switch k {
            case .assetId: asset["id"] = v
            case .assetKind: asset["kind"] = v
            case .assetPublishedAt: asset["publishedAt"] = v
            case .action: use["action"] = v
            case .extent: use["extent"] = v
            case .portion: use["portion"] = v
            default: top[String(k.path.dropFirst(2))] = v
            }
        }
        if !asset.isEmpty || sawAsset { top["asset"] = .object(asset) }
        if !use.isEmpty || sawUse { top["use"] = .object(use) }
        return .object(top)
    }

    /// Whether the line had an `asset` / `use` object (possibly empty).
    public var sawAsset = false
    public var sawUse = false

    /// The fields of a parsed JSON document (the slow path, used when the fast scanner declines).
    ///
    /// Returns a shape error if the document is not an object.
    public init(json: JSONValue) {
        guard case .object(let o) = json else {
            shapeError = ShapeError(path: "$", expected: "an object", found: json.typeName)
            return
        }
        func scalar(_ v: JSONValue) -> Value {
            switch v {
            case .null: .null
            case .string(let s): .string(s)
            case .number(let d): .number(d)
            case .bool(let b): .bool(b)
            case .array, .object: .other(v.typeName)
            }
        }
        for (k, v) in o {
            switch k {
            case "asset", "use":
                guard case .object(let inner) = v else {
                    if shapeError == nil, !v.isNull { shapeError = ShapeError(path: "$.\(k)", expected: "an object", found: v.typeName) }
                    continue
                }
                // As the fast scanner does: an `asset`/`use` object counts as given even with no known key
                // (fuzzing: `"use": {"actionedAt": …}` read as `use: {}` by one path and as no `use` by the other).
                if k == "asset" { sawAsset = true } else { sawUse = true }
                for (ik, iv) in inner {
                    let key: Key? = Array(ik.utf8).withUnsafeBufferPointer { k == "asset" ? Key.inAsset($0) : Key.inUse($0) }
                    if let key { self[key] = scalar(iv) }
                }
            default:
                if let key = Array(k.utf8).withUnsafeBufferPointer({ Key.topLevel($0) }) { self[key] = scalar(v) }
            }
        }
    }
}
