/// The asset a request is about: its id, kind and (optionally) when the source published it.
public struct AssetRef: Sendable, Hashable {
    public var id: String
    public var kind: AssetKind
    /// Needed for grants with an embargo; without it such a grant cannot be shown to cover the use.
    public var publishedAt: Instant?
    public init(id: String, kind: AssetKind, publishedAt: Instant? = nil) { self.id = id; self.kind = kind; self.publishedAt = publishedAt }
}

/// A question from a subscriber: may we use this asset, this way, here, at this time? (DESIGN.md request JSON)
///
/// `at` is stored first only so that the compiler's memberwise initialiser (`init(at:id:…)`) differs from the public one,
/// which then delegates to it (in the extension below): a value built field by field in an explicit initialiser was
/// copied once more where it was made and the copy's source destroyed (a retain and a release of each string, ~290
/// instructions a request line in the batch's scanner, ~290 a usage event; callgrind, scan session 9), which the
/// memberwise initialiser does not do.
public struct RepublicationRequest: Sendable, Hashable {
    /// When the use happens (default: "now", which the caller supplies).
    public var at: Instant
    /// Echoed in the decision; optional.
    public var id: String?
    public var subscriber: String
    public var source: String
    public var asset: AssetRef
    /// ODRL action name, canonical (default `reproduce`).
    public var action: String
    public var extent: Extent
    /// The part used, (0, 1]; only meaningful for `partial`.
    public var portion: Double?
    public var channel: Channel
    /// ISO 3166-1 alpha-2 code, upper case.
    public var territory: String
}

extension RepublicationRequest {
    /// A request from its fields (through the memberwise initialiser: see the type's comment).
    public init(id: String? = nil, subscriber: String, source: String, asset: AssetRef, action: String = "reproduce",
                extent: Extent = .whole, portion: Double? = nil, channel: Channel, territory: String, at: Instant) {
        self.init(at: at, id: id, subscriber: subscriber, source: source, asset: asset, action: action, extent: extent,
                  portion: portion, channel: channel, territory: territory)
    }

    static let knownKeys: Set<String> = ["id", "subscriber", "source", "asset", "use", "channel", "territory", "at"]

    /// Parses a request object; `now` fills a missing `at` (the core never reads the clock).
    ///
    /// Returns nil when there is any error. Codes: `request.missing_field`, `request.unknown_channel`,
    /// `request.unknown_territory`, `request.bad_date`, `request.missing_at`, ...
    public static func parse(_ value: JSONValue, at path: String = "$", now: Instant?,
                             territories: TerritoryTable = .builtin) -> (RepublicationRequest?, [Diagnostic]) {
        var r = FieldReader(prefix: "request", territories: territories)
        let req = parse(value, at: path, now: now, reader: &r, knownKeys: knownKeys)
        return (r.hasErrors ? nil : req, r.diagnostics)
    }

    /// The shared parser for requests and usage events (same fields).
    static func parse(_ value: JSONValue, at path: String, now: Instant?, reader r: inout FieldReader,
                      knownKeys: Set<String>) -> RepublicationRequest? {
        guard let o = r.object(value, at: path, what: r.prefix == "usage" ? "a usage event" : "a request") else { return nil }
        r.checkKeys(o, known: knownKeys, at: path)
        let id = idField(o, at: path, reader: &r)
        let subscriber = r.identifier(o, "subscriber", at: path, required: true)
        let source = r.identifier(o, "source", at: path, required: true)
        // asset
        var asset: AssetRef?
        let ap = FieldReader.path(path, "asset")
        switch o["asset"] {
        case nil, .null?:
            r.error("missing_field", "`asset` is required", at: ap, hint: "e.g. `{\"id\": \"ilkha-482627\", \"kind\": \"photo\"}`")
        case .object(let ao)?:
            r.checkKeys(ao, known: ["id", "kind", "publishedAt", "url", "title"], at: ap)
            let aid = r.identifier(ao, "id", at: ap, required: true)
            let kind: AssetKind? = r.enumValue(ao, "kind", at: ap, required: true, problem: "unknown_asset_kind", what: "asset kind")
            let pub = r.dateTime(ao, "publishedAt", at: ap, required: false)
            if let aid, let kind { asset = AssetRef(id: aid, kind: kind, publishedAt: pub?.instant) }
        case let v?:
            r.error("wrong_type", "`asset` must be an object, not \(v.typeName)", at: ap)
        }
        // use
        var action = "reproduce"
        var extent = Extent.whole
        var portion: Double?
        let up = FieldReader.path(path, "use")
        if let uv = o["use"], !uv.isNull, let uo = r.object(uv, at: up, what: "`use`") {
            r.checkKeys(uo, known: ["action", "extent", "portion"], at: up)
            if let a = r.string(uo, "action", at: up, required: false) {
                if let c = NewsActions.canonical(a) { action = c } else {
                    r.error("unknown_action", "unknown action `\(a)`", at: FieldReader.path(up, "action"),
                            hint: "use an ODRL action such as `reproduce`, `distribute`, `modify`, `translate`, `archive`")
                }
            }
            if let e: Extent = r.enumValue(uo, "extent", at: up, required: false, problem: "unknown_extent", what: "extent") { extent = e }
            portion = r.portion(uo, "portion", at: up)
            if let p = portion, extent == .whole, p < 1 {
                r.error("portion_with_whole", "`portion` \(JSONValue.formatNumber(p)) is less than the whole, but `extent` is `whole`",
                        at: FieldReader.path(up, "portion"), hint: "set `\"extent\": \"partial\"`, or drop `portion`")
            }
        }
        let channel: Channel? = r.enumValue(o, "channel", at: path, required: true, problem: "unknown_channel", what: "channel")
        var territory: String?
        if let t = r.string(o, "territory", at: path, required: true) {
            let tp = FieldReader.path(path, "territory")
            let up = t.uppercased()
            if r.territories.indexByCode[up] != nil {
                territory = up
            } else if r.territories.regions[up] != nil || up == "ALL" {
                r.error("territory_not_country", "`territory` `\(t)` is a region; a use happens in one country", at: tp,
                        hint: "give the ISO 3166-1 alpha-2 code of the country where it is published, e.g. `IQ`")
            } else {
                r.error("unknown_territory", "unknown territory `\(t)`", at: tp,
                        hint: r.territories.suggestion(for: t).map { "did you mean `\($0)`?" } ?? "use an ISO 3166-1 alpha-2 code such as `TR` or `IQ`")
            }
        }
        var at = now
        if let d = r.dateTime(o, "at", at: path, required: false) {
            at = d.instant
        } else if o["at"] == nil && now == nil {
            r.error("missing_at", "`at` is required here (no current time was supplied)", at: FieldReader.path(path, "at"))
        }
        guard let subscriber, let source, let asset, let channel, let territory, let at else { return nil }
        return RepublicationRequest(id: id, subscriber: subscriber, source: source, asset: asset, action: action,
                                    extent: extent, portion: portion, channel: channel, territory: territory, at: at)
    }

    /// Reads `id`: a string, or (leniently) a whole number written as its digits.
    static func idField(_ o: JSONObject, at path: String, reader r: inout FieldReader) -> String? {
        switch o["id"] {
        case .number(let d)?:
            if let n = JSONValue.number(d).intValue { return String(n) }
            r.error("bad_id", "`id` must be a string or a whole number", at: FieldReader.path(path, "id"))
            return nil
        default:
            return r.identifier(o, "id", at: path, required: false)
        }
    }

    /// The request in DESIGN.md's JSON form.
    public var json: JSONValue {
        var o = JSONObject()
        if let id { o["id"] = .string(id) }
        o["subscriber"] = .string(subscriber)
        o["source"] = .string(source)
        var a = JSONObject()
        a["id"] = .string(asset.id)
        a["kind"] = .string(asset.kind.rawValue)
        if let p = asset.publishedAt { a["publishedAt"] = .string(p.description) }
        o["asset"] = .object(a)
        var u = JSONObject()
        u["action"] = .string(action)
        u["extent"] = .string(extent.rawValue)
        if let portion { u["portion"] = .number(portion) }
        o["use"] = .object(u)
        o["channel"] = .string(channel.rawValue)
        o["territory"] = .string(territory)
        o["at"] = .string(at.description)
        return .object(o)
    }

    /// Reads the `id` of a request that failed to parse, for error lines in batch output.
    public static func readableID(_ value: JSONValue) -> String? {
        switch value["id"] {
        case .string(let s)?: return s
        case .number(let d)?: return JSONValue.number(d).intValue.map(String.init)
        default: return nil
        }
    }
}

/// A use that happened (from a usage log): the request it amounts to, plus the evidence seen.
///
/// `link` is stored first for the reason ``RepublicationRequest`` stores `at` first (no copy where an event is made); the
/// optionals are spelled `Optional<…>` so that the memberwise initialiser gives them no default (with `Bool?` it would
/// take `UsageEvent(request: r)` too, and such calls would be ambiguous).
public struct UsageEvent: Sendable, Hashable {
    /// Whether it linked back to the source.
    public var link: Optional<Bool>
    /// What was done, by whom, where and when (`request.at` is when it was published).
    public var request: RepublicationRequest
    /// Where it was published.
    public var url: Optional<String>
    /// The credit line shown, if any (`İLKHA`).
    public var attribution: Optional<String>
}

extension UsageEvent {
    /// An event from its request and evidence (through the memberwise initialiser).
    public init(request: RepublicationRequest, url: String? = nil, attribution: String? = nil, link: Bool? = nil) {
        self.init(link: link, request: request, url: url, attribution: attribution)
    }

    static let knownKeys = RepublicationRequest.knownKeys.union(["url", "attribution", "link"])

    /// Parses one JSON Lines usage event (a request object plus `url`, `attribution`, `link`; `at` required).
    ///
    /// Codes start with `usage.` (`usage.missing_field`, `usage.bad_date`...); `path` is e.g. `line 12` or `$`.
    public static func parse(_ value: JSONValue, at path: String = "$", territories: TerritoryTable = .builtin) -> (UsageEvent?, [Diagnostic]) {
        var r = FieldReader(prefix: "usage", territories: territories)
        let ev = parse(value, at: path, reader: &r)
        return (r.hasErrors ? nil : ev, r.diagnostics)
    }

    /// Parses a usage event from an already-parsed object.
    public static func parse(_ object: JSONObject, at path: String = "$", territories: TerritoryTable = .builtin) -> (UsageEvent?, [Diagnostic]) {
        parse(.object(object), at: path, territories: territories)
    }

    static func parse(_ value: JSONValue, at path: String, reader r: inout FieldReader) -> UsageEvent? {
        let req = RepublicationRequest.parse(value, at: path, now: nil, reader: &r, knownKeys: knownKeys)
        guard let o = value.objectValue else { return nil }
        let url = r.string(o, "url", at: path, required: false)
        let attribution = r.string(o, "attribution", at: path, required: false)
        let link = r.bool(o, "link", at: path)
        guard let req else { return nil }
        return UsageEvent(request: req, url: url, attribution: attribution, link: link)
    }

    /// CSV header names accepted for usage logs, and the JSON field each one fills.
    ///
    /// Flat names: `id, subscriber, source, asset_id, kind, published_at, action, extent, portion, channel,
    /// territory, at, url, attribution, link` (camelCase spellings `assetId`, `publishedAt` too).
    public static let csvColumns: [String: String] = [
        "id": "id", "subscriber": "subscriber", "source": "source",
        "asset_id": "asset.id", "assetid": "asset.id", "asset": "asset.id",
        "kind": "asset.kind", "asset_kind": "asset.kind", "assetkind": "asset.kind",
        "published_at": "asset.publishedAt", "publishedat": "asset.publishedAt",
        "action": "use.action", "extent": "use.extent", "portion": "use.portion",
        "channel": "channel", "territory": "territory", "at": "at",
        "url": "url", "attribution": "attribution", "link": "link",
    ]

    /// Parses one CSV row given as (header, cell) pairs: the field-level parser the CSV reader calls.
    ///
    /// Empty cells count as absent. `portion` is a number, `link` is `true|false|yes|no|1|0`. `location`
    /// names the row in messages (`line 12`); a problem in a cell is reported at `line 12, column \`kind\``.
    public static func parse(csvFields fields: [(String, String)], location: String,
                             territories: TerritoryTable = .builtin) -> (UsageEvent?, [Diagnostic]) {
        var r = FieldReader(prefix: "usage", territories: territories)
        var top = JSONObject()
        var asset = JSONObject()
        var use = JSONObject()
        for (rawName, rawCell) in fields {
            let name = rawName.lowercased().filter { $0 != " " }
            let cell = rawCell
            guard !cell.isEmpty else { continue }
            guard let target = csvColumns[name] else {
                r.warning("unknown_column", "unknown column `\(rawName)` is ignored", at: "\(location), column `\(rawName)`")
                continue
            }
            var value: JSONValue = .string(cell)
            if target == "use.portion" {
                if let d = Double(cell), d.isFinite { value = .number(d) } else {
                    r.error("wrong_type", "`portion` `\(cell)` is not a number", at: "\(location), column `\(rawName)`")
                    continue
                }
            } else if target == "link" {
                switch cell.lowercased() {
                case "true", "yes", "1", "y": value = .bool(true)
                case "false", "no", "0", "n": value = .bool(false)
                default:
                    r.error("wrong_type", "`link` `\(cell)` is not a yes/no value", at: "\(location), column `\(rawName)`",
                            hint: "write `true` or `false`")
                    continue
                }
            }
            if target.hasPrefix("asset.") { asset[String(target.dropFirst(6))] = value }
            else if target.hasPrefix("use.") { use[String(target.dropFirst(4))] = value }
            else { top[target] = value }
        }
        if !asset.isEmpty { top["asset"] = .object(asset) }
        if !use.isEmpty { top["use"] = .object(use) }
        let ev = parse(.object(top), at: location, reader: &r)
        return (r.hasErrors ? nil : ev, r.diagnostics)
    }

    /// The event as one JSON Lines object.
    public var json: JSONValue {
        guard case .object(var o) = request.json else { return request.json }
        if let url { o["url"] = .string(url) }
        if let attribution { o["attribution"] = .string(attribution) }
        if let link { o["link"] = .bool(link) }
        return .object(o)
    }
}
