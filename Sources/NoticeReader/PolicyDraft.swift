import ClearanceCore

/// Converts a reading into an ODRL 2.2 `Set` policy (JSON-LD, compact) with Clearance's annotations.
///
/// The conventions are those of `docs/policy-format.md`; this file is the only place that knows them
/// on the reader side.
public enum PolicyDraft {
    public static let profile = "http://iptc.org/std/RightsML/2/"
    public static let context: JSONValue = ["http://www.w3.org/ns/odrl.jsonld", ["clr": "urn:clearance:"]]

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

    static func targets(_ assets: [String]) -> JSONValue {
        .array((assets.isEmpty ? ["all"] : assets).map(target))
    }

    /// ODRL duty for a duty read from a notice (`attribute`, else a `clr:` extension action).
    static func duty(_ d: String) -> JSONValue {
        switch d {
        case "attribution": ["action": "attribute"]
        case "link": ["action": "clr:link"]
        case "no-modification": ["action": "clr:noModification"]
        case "author-credit": ["action": "clr:authorCredit"]
        case "tracking-pixel": ["action": "clr:trackingPixel"]
        case "voucher-copy": ["action": "clr:voucherCopy"]
        default: ["action": .string("clr:" + d)]
        }
    }

    /// The policy for `reading`, named `name` (the source id, e.g. `ilkha`).
    public static func policy(_ reading: NoticeReading, name: String, draft: Bool = true, sameTerms: [NoticeReading] = []) -> JSONValue {
        let id = slug(name)
        var prohibitions: [JSONValue] = []
        var permissions: [JSONValue] = []
        var n = 0
        func uid(_ kind: String) -> JSONValue { n += 1; return .string("urn:clearance:policy:\(id)#\(kind)-\(n)") }
        func strings(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }

        for r in reading.rules {
            let assets = r.assets.isEmpty ? ["all"] : r.assets
            switch r.kind {
            case .prohibition:
                // One rule per ODRL action; whole and partial share one action and are told apart by `clr:extent`.
                var actions: [(String, [String])] = r.uses.isEmpty ? [("use", [])] : []
                for u in r.uses {
                    let a = action(for: u, generic: r.generic)
                    if let k = actions.firstIndex(where: { $0.0 == a }) { actions[k].1.append(u) } else { actions.append((a, [u])) }
                }
                for (a, uses) in actions {
                    var o = JSONObject()
                    o["uid"] = uid("prohibition")
                    o["target"] = targets(r.assets)
                    o["action"] = .string(a)
                    if uses.contains("commercial") {
                        o["constraint"] = [["leftOperand": "purpose", "operator": "eq", "rightOperand": "commercial"]]
                    }
                    o["clr:assets"] = strings(assets)
                    o["clr:uses"] = strings(uses)
                    let ext = uses.filter { $0 == "whole" || $0 == "partial" }
                    if !ext.isEmpty { o["clr:extent"] = strings(ext) }
                    if !r.lifters.isEmpty {
                        o["clr:liftedBy"] = strings(r.lifters)
                        if !r.prior.isEmpty { o["clr:prior"] = true; o["clr:priorFor"] = strings(r.prior) }
                    }
                    if r.qualified { o["clr:qualified"] = true }
                    if r.excludedAssets { o["clr:excludedAsset"] = true }
                    if !r.notes.isEmpty { o["clr:notes"] = strings(r.notes) }
                    o["clr:provenance"] = provenance(r, sameTerms)
                    prohibitions.append(.object(o))
                }
            case .permission, .limitedPermission, .licence:
                var o = JSONObject()
                o["uid"] = uid("permission")
                o["target"] = targets(r.assets)
                o["action"] = .string(r.kind == .limitedPermission ? "reproduce" : "use")
                var constraints: [JSONValue] = []
                for l in r.limits {
                    if l.unit == "percent" {
                        constraints.append(["leftOperand": "percentage", "operator": "lteq", "rightOperand": .number(Double(l.value))])
                    } else {
                        constraints.append(["leftOperand": "absoluteSize", "operator": "lteq", "rightOperand": .number(Double(l.value)), "unit": .string("urn:clearance:unit:\(l.unit)")])
                    }
                }
                if !constraints.isEmpty { o["constraint"] = .array(constraints) }
                if !r.duties.isEmpty { o["duty"] = .array(r.duties.map(duty)) }
                o["clr:assets"] = strings(assets)
                o["clr:uses"] = strings(r.kind == .licence ? ["whole", "partial"] : r.uses)
                let ext = r.kind == .licence ? ["whole", "partial"] : r.uses.filter { $0 == "whole" || $0 == "partial" }
                if !ext.isEmpty { o["clr:extent"] = strings(ext) }
                if r.kind == .limitedPermission { o["clr:limited"] = true }
                if r.kind == .licence { o["clr:licence"] = r.licence.map { .string($0) } ?? .null }
                if !r.notes.isEmpty { o["clr:notes"] = strings(r.notes) }
                o["clr:provenance"] = provenance(r, sameTerms)
                permissions.append(.object(o))
                // An open licence's restrictions (NC, ND) are prohibitions of their own.
                for u in r.kind == .licence ? r.uses : [] {
                    var p = JSONObject()
                    p["uid"] = uid("prohibition")
                    p["target"] = targets(r.assets)
                    p["action"] = .string(action(for: u, generic: false))
                    if u == "commercial" { p["constraint"] = [["leftOperand": "purpose", "operator": "eq", "rightOperand": "commercial"]] }
                    p["clr:assets"] = strings(assets)
                    p["clr:uses"] = strings([u])
                    p["clr:provenance"] = r.provenance.json
                    prohibitions.append(.object(p))
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
        p["assigner"] = .string("urn:clearance:source:\(id)")
        p["clr:formatVersion"] = .number(Double(ClearanceCore.policyFormatVersion))
        p["clr:draft"] = .bool(draft)
        if !permissions.isEmpty { p["permission"] = .array(permissions) }
        p["prohibition"] = .array(prohibitions)
        let duties = reading.rules.filter { $0.kind == .duty && !$0.excludedAssets }.flatMap(\.duties)
        if !duties.isEmpty && permissions.isEmpty == false {
            p["obligation"] = .array(Order.sorted(duties, Order.duties).map(duty))
        }
        var notice = noticeJSON(reading)
        if !sameTerms.isEmpty, case .object(var o) = notice {
            o["translations"] = .array(sameTerms.map { t in
                var x = JSONObject()
                x["language"] = .string(t.language)
                x["text"] = .string(t.notice)
                x["holder"] = t.holder.map { .string($0) } ?? .null
                x["sameTerms"] = true
                let notes = differences(reading, t)
                if !notes.isEmpty { x["notes"] = strings(notes) }
                return .object(x)
            })
            notice = .object(o)
        }
        p["clr:notice"] = notice
        return .object(p)
    }

    /// The rule's provenance; with translations, a list: the rule's own words first, then the same rule's words in each translation.
    static func provenance(_ r: ReadRule, _ sameTerms: [NoticeReading]) -> JSONValue {
        let others: [JSONValue] = sameTerms.enumerated().compactMap { i, t in
            guard let p = t.rules.first(where: { $0.kind == r.kind && $0.uses == r.uses && Set($0.lifters) == Set(r.lifters) })?.provenance,
                  case .object(var o) = p.json else { return nil }
            o["in"] = .string("clr:notice.translations[\(i)]")
            return .object(o)
        }
        return others.isEmpty ? r.provenance.json : .array([r.provenance.json] + others)
    }

    /// Why two readings are not the same terms, in words; empty when they are.
    public static func conflicts(_ a: NoticeReading, _ b: NoticeReading) -> [String] {
        var out: [String] = []
        let x = a.summary, y = b.summary
        if x.defaultRule != y.defaultRule { out.append("default `\(x.defaultRule)` against `\(y.defaultRule)`") }
        if x.assets != y.assets { out.append("assets `\(x.assets.joined(separator: ", "))` against `\(y.assets.joined(separator: ", "))`") }
        if x.prohibitedUses != y.prohibitedUses { out.append("prohibited uses `\(x.prohibitedUses.joined(separator: ", "))` against `\(y.prohibitedUses.joined(separator: ", "))`") }
        if x.permittedWith != y.permittedWith { out.append("lifted by `\(x.permittedWith.joined(separator: ", "))` against `\(y.permittedWith.joined(separator: ", "))`") }
        if x.duties != y.duties { out.append("duties `\(x.duties.joined(separator: ", "))` against `\(y.duties.joined(separator: ", "))`") }
        if x.license != y.license { out.append("licence `\(x.license ?? "none")` against `\(y.license ?? "none")`") }
        return out
    }

    /// Wording differences that do not change the terms (e.g. one says "prior", the other does not).
    static func differences(_ a: NoticeReading, _ b: NoticeReading) -> [String] {
        let pa = Set(a.rules.flatMap(\.prior)), pb = Set(b.rules.flatMap(\.prior))
        var out: [String] = []
        for l in Order.sorted(pa.subtracting(pb), Order.lifters) {
            out.append("the \(b.language) notice does not say the \(l) must be prior; the \(a.language) notice does, and the policy keeps it")
        }
        for l in Order.sorted(pb.subtracting(pa), Order.lifters) {
            out.append("the \(b.language) notice says the \(l) must be prior; the \(a.language) notice does not")
        }
        return out
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
