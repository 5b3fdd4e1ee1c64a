import ClearanceCore

/// Converts a reading into an ODRL 2.2 `Set` policy (JSON-LD, compact) with Clearance's annotations.
///
/// The conventions are those of `docs/policy-format.md`; this file is the only place that knows them
/// on the reader side.
public enum PolicyDraft {
    public static let profile = "http://iptc.org/std/RightsML/2/"
    public static let context: JSONValue = ["http://www.w3.org/ns/odrl.jsonld", ["clr": "https://clearance.dev/ns/"]]

    /// ODRL action for a use read from a notice.
    public static func action(for use: String, generic: Bool) -> String {
        switch use {
        case "whole", "partial": generic ? "use" : "reproduce"
        case "summary": "derive"
        case "translation": "translate"
        case "modification": "modify"
        case "archive": "archive"
        case "commercial": "use"
        default: "use"
        }
    }

    static func slug(_ s: String) -> String {
        let folded = NormalizedText.fold(s)
        var out = ""
        for u in folded.unicodeScalars {
            if (u.value >= 0x61 && u.value <= 0x7A) || (u.value >= 0x30 && u.value <= 0x39) { out.unicodeScalars.append(u) }
            else if !out.isEmpty && !out.hasSuffix("-") { out += "-" }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "unnamed" : String(out.prefix(60))
    }

    static func target(_ asset: String) -> JSONValue {
        ["@type": "AssetCollection", "uid": .string("urn:clearance:asset-kind:\(asset)")]
    }

    static func extent(_ uses: [String]) -> JSONValue {
        .array(uses.filter { $0 == "whole" || $0 == "partial" }.map { .string($0) })
    }

    /// The policy for `reading`, named `name` (the source id, e.g. `ilkha`).
    public static func policy(_ reading: NoticeReading, name: String, status: String = "draft") -> JSONValue {
        let id = slug(name)
        var prohibitions: [JSONValue] = []
        var permissions: [JSONValue] = []
        var n = 0
        func uid() -> JSONValue { n += 1; return .string("urn:clearance:policy:\(id):rule:\(n)") }

        for r in reading.rules {
            let assets = r.assets.isEmpty ? ["all"] : r.assets
            switch r.kind {
            case .prohibition:
                // One rule per action and asset kind; whole/partial share one action with `clr:extent`.
                var actions: [(String, [String])] = r.uses.isEmpty ? [("use", [])] : []
                for u in r.uses {
                    let a = action(for: u, generic: r.generic)
                    if let k = actions.firstIndex(where: { $0.0 == a }) { actions[k].1.append(u) } else { actions.append((a, [u])) }
                }
                for (a, uses) in actions {
                    for asset in assets {
                        var o = JSONObject()
                        o["uid"] = uid()
                        o["action"] = .string(a)
                        o["target"] = target(asset)
                        if uses.contains("commercial") {
                            o["constraint"] = [["leftOperand": "purpose", "operator": "eq", "rightOperand": "commercial"]]
                        }
                        o["clr:uses"] = .array(uses.map { .string($0) })
                        let ext = extent(uses)
                        if case .array(let e) = ext, !e.isEmpty { o["clr:extent"] = ext }
                        if !r.lifters.isEmpty {
                            o["clr:liftedBy"] = .array(r.lifters.map { l in
                                var x = JSONObject()
                                x["agreement"] = .string(l)
                                if r.prior.contains(l) { x["prior"] = true }
                                return .object(x)
                            })
                        }
                        if r.qualified { o["clr:qualified"] = true }
                        if r.excludedAssets { o["clr:excludedAsset"] = true }
                        if !r.notes.isEmpty { o["clr:notes"] = .array(r.notes.map { .string($0) }) }
                        o["clr:provenance"] = r.provenance.json
                        prohibitions.append(.object(o))
                    }
                }
            case .permission, .limitedPermission, .licence:
                for asset in assets {
                    var o = JSONObject()
                    o["uid"] = uid()
                    o["action"] = .string(r.kind == .licence || r.uses.contains("whole") ? "use" : "reproduce")
                    o["target"] = target(asset)
                    var constraints: [JSONValue] = []
                    for l in r.limits {
                        if l.unit == "percent" {
                            constraints.append(["leftOperand": "relativeSize", "operator": "lteq", "rightOperand": .number(Double(l.value)), "unit": "urn:clearance:unit:percent"])
                        } else {
                            constraints.append(["leftOperand": "absoluteSize", "operator": "lteq", "rightOperand": .number(Double(l.value)), "unit": .string("urn:clearance:unit:\(l.unit)")])
                        }
                    }
                    if !constraints.isEmpty { o["constraint"] = .array(constraints) }
                    let duties = r.duties.filter { $0 != "no-modification" }
                    if !duties.isEmpty {
                        o["duty"] = .array(duties.map { d in
                            d == "tracking-pixel" ? ["action": "acceptTracking", "clr:duty": .string(d)] : ["action": "attribute", "clr:duty": .string(d)]
                        })
                    }
                    o["clr:uses"] = .array(r.uses.map { .string($0) })
                    if r.kind == .limitedPermission { o["clr:limited"] = true }
                    if let lic = r.licence { o["clr:licence"] = .string(lic) }
                    if r.kind == .licence && r.licence == nil { o["clr:licenceVariantUnknown"] = true }
                    if !r.notes.isEmpty { o["clr:notes"] = .array(r.notes.map { .string($0) }) }
                    o["clr:provenance"] = r.provenance.json
                    permissions.append(.object(o))
                }
                if r.duties.contains("no-modification") || r.uses.contains("modification") && r.kind == .licence {
                    var o = JSONObject()
                    o["uid"] = uid()
                    o["action"] = "modify"
                    o["target"] = target("all")
                    o["clr:uses"] = ["modification"]
                    o["clr:provenance"] = r.provenance.json
                    prohibitions.append(.object(o))
                }
            case .reservation, .offer, .duty:
                break
            }
        }
        var p = JSONObject()
        p["@context"] = context
        p["@type"] = "Set"
        p["uid"] = .string("urn:clearance:policy:\(id)")
        p["profile"] = .string(profile)
        p["clr:formatVersion"] = .number(Double(ClearanceCore.policyFormatVersion))
        p["clr:status"] = .string(status)
        p["assigner"] = .string("urn:clearance:party:\(reading.holder.map(slug) ?? id)")
        if !permissions.isEmpty { p["permission"] = .array(permissions) }
        p["prohibition"] = .array(prohibitions)
        p["clr:notice"] = noticeJSON(reading)
        return .object(p)
    }

    /// The `clr:notice` block: text, language, holder, what lifts, reservations, offers, findings, summary.
    static func noticeJSON(_ reading: NoticeReading) -> JSONValue {
        var o = JSONObject()
        o["text"] = .string(reading.notice)
        o["language"] = .string(reading.language)
        o["holder"] = reading.holder.map { .string($0) } ?? .null
        if let s = reading.holderSpan { o["holderSpan"] = .array(s.map { .number(Double($0)) }) }
        o["credit"] = reading.credit.map { .string($0) } ?? .null
        o["defaultRule"] = .string(reading.summary.defaultRule)
        let other = reading.rules.filter { [.reservation, .offer, .duty].contains($0.kind) }
        if !other.isEmpty { o["otherRules"] = .array(other.map { $0.json }) }
        o["findings"] = .array(reading.findings.map { $0.json })
        o["summary"] = reading.summary.json
        return .object(o)
    }
}
