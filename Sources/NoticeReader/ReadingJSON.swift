import ClearanceCore

/// JSON renderings of a reading: the scored summary and the full reading with provenance.
extension NoticeSummary {
    /// The summary object of `corpus/README.md` (nulls written out).
    public var json: JSONValue {
        var o = JSONObject()
        o["rightsHolder"] = rightsHolder.map { .string($0) } ?? .null
        o["assets"] = .array(assets.map { .string($0) })
        o["defaultRule"] = .string(defaultRule)
        o["prohibitedUses"] = .array(prohibitedUses.map { .string($0) })
        o["permittedWith"] = .array(permittedWith.map { .string($0) })
        o["duties"] = .array(duties.map { .string($0) })
        o["license"] = license.map { .string($0) } ?? .null
        o["permittedUses"] = .array(permittedUses.map { $0.json })
        o["excludedAssets"] = .array(excludedAssets.map { .string($0) })
        o["language"] = .string(language)
        o["credit"] = credit.map { .string($0) } ?? .null
        o["findings"] = .number(Double(findings))
        return .object(o)
    }
}

extension PermittedUse {
    var json: JSONValue {
        var o = JSONObject()
        o["use"] = .string(use)
        if let maxWords { o["maxWords"] = .number(Double(maxWords)) }
        if let maxParagraphs { o["maxParagraphs"] = .number(Double(maxParagraphs)) }
        if let maxPercent { o["maxPercent"] = .number(Double(maxPercent)) }
        o["conditions"] = .array(conditions.map { .string($0) })
        return .object(o)
    }
}

extension Provenance {
    /// `{"text", "span", "language", "confidence"}`.
    public var json: JSONValue {
        ["text": .string(text), "span": .array(span.map { .number(Double($0)) }), "language": .string(language), "confidence": .number(confidence)]
    }
}

extension Finding {
    public var json: JSONValue {
        var o = JSONObject()
        o["code"] = .string(code)
        o["severity"] = .string(severity)
        o["message"] = .string(message)
        if let span { o["span"] = .array(span.map { .number(Double($0)) }) }
        return .object(o)
    }
}

extension ReadRule {
    /// The rule as the reader saw it (kind, uses, assets, lifters, duties, limits, provenance).
    public var json: JSONValue {
        var o = JSONObject()
        o["kind"] = .string(kind.rawValue)
        if !uses.isEmpty { o["uses"] = .array(uses.map { .string($0) }) }
        o["assets"] = .array((assets.isEmpty ? ["all"] : assets).map { .string($0) })
        if !lifters.isEmpty { o["liftedBy"] = .array(lifters.map { .string($0) }) }
        if !prior.isEmpty { o["prior"] = .array(prior.map { .string($0) }) }
        if !duties.isEmpty { o["duties"] = .array(duties.map { .string($0) }) }
        if !limits.isEmpty { o["limits"] = .array(limits.map { ["unit": .string($0.unit), "max": .number(Double($0.value))] }) }
        if let licence { o["licence"] = .string(licence) }
        if qualified { o["qualified"] = true }
        if excludedAssets { o["excludedAssets"] = true }
        if !notes.isEmpty { o["notes"] = .array(notes.map { .string($0) }) }
        o["provenance"] = provenance.json
        return .object(o)
    }
}

extension NoticeReading {
    /// The whole reading: notice, holder, clauses, rules, findings and summary.
    public var json: JSONValue {
        var n = JSONObject()
        n["text"] = .string(notice)
        n["spans"] = .array(noticeSpans.map { .array($0.map { .number(Double($0)) }) })
        n["language"] = .string(language)
        n["fromPage"] = .bool(fromPage)
        n["holder"] = holder.map { .string($0) } ?? .null
        if let holderSpan { n["holderSpan"] = .array(holderSpan.map { .number(Double($0)) }) }
        n["credit"] = credit.map { .string($0) } ?? .null
        var o = JSONObject()
        o["notice"] = .object(n)
        o["summary"] = summary.json
        o["rules"] = .array(rules.map { $0.json })
        o["findings"] = .array(findings.map { $0.json })
        o["clauses"] = .array(clauses.map { ["text": .string($0.text), "span": .array($0.span.map { .number(Double($0)) }), "language": .string($0.language)] })
        return .object(o)
    }
}
