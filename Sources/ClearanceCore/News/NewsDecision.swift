/// The verdict of a news decision.
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case permit, deny
}

/// Why a decision went the way it did: a stable code, the agreement (if any), a message, and the words that decided.
public struct Reason: Sendable, Hashable {
    /// Stable code: `agreement_expired`, `asset_not_granted`, `channel_not_granted`, `no_policy`, `granted`...
    public var code: String
    /// The agreement this reason is about (nil for notice-level reasons).
    public var agreement: String?
    public var message: String
    /// The notice sentence or contract clause that decided it.
    public var quote: String?
    /// Where the quote comes from: `notice` or `agreement` (an extra key of the decision JSON).
    public var quoteFrom: String?
    public init(code: String, agreement: String? = nil, message: String, quote: String? = nil, quoteFrom: String? = nil) {
        self.code = code; self.agreement = agreement; self.message = message; self.quote = quote
        self.quoteFrom = quote == nil ? nil : quoteFrom
    }

    /// Appends the reason's compact JSON (`{"code":…}`).
    func appendJSON(to out: inout [UInt8]) {
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        raw("{\"code\":")
        JSONBytes.appendString(code, to: &out)
        if let a = agreement { raw(",\"agreement\":"); JSONBytes.appendString(a, to: &out) }
        raw(",\"message\":")
        JSONBytes.appendString(message, to: &out)
        if let q = quote { raw(",\"quote\":"); JSONBytes.appendString(q, to: &out) }
        if let f = quoteFrom { raw(",\"quoteFrom\":"); JSONBytes.appendString(f, to: &out) }
        raw("}")
    }

    /// JSON form: `{"code", "agreement"?, "message", "quote"?}`.
    public var json: JSONValue {
        var o = JSONObject()
        o["code"] = .string(code)
        if let agreement { o["agreement"] = .string(agreement) }
        o["message"] = .string(message)
        if let quote { o["quote"] = .string(quote) }
        if let quoteFrom { o["quoteFrom"] = .string(quoteFrom) }
        return .object(o)
    }
}

/// A duty that comes with a permit, and where it comes from.
public struct DecisionDuty: Sendable, Hashable {
    public var duty: Duty
    /// The agreement that imposes it, or nil when it is the notice's own.
    public var agreement: String?
    public init(duty: Duty, agreement: String? = nil) { self.duty = duty; self.agreement = agreement }

    /// JSON form: the duty's keys plus `agreement` when it comes from one.
    public var json: JSONValue {
        guard case .object(var o) = duty.json else { return duty.json }
        if let agreement { o["agreement"] = .string(agreement) }
        return .object(o)
    }
}

/// The answer to a republication request (DESIGN.md decision JSON).
public struct NewsDecision: Sendable, Hashable {
    public var id: String?
    public var verdict: Verdict
    public var source: String
    public var subscriber: String
    public var reasons: [Reason]
    public var duties: [DecisionDuty]
    /// For a deny: concrete changes that would make it a permit.
    public var wouldPermitIf: [String]
    /// The agreement (or `notice`) whose grant permitted, for the usage ledger; nil on a deny.
    public var permittedBy: PermitBasis?

    public init(id: String?, verdict: Verdict, source: String, subscriber: String, reasons: [Reason] = [],
                duties: [DecisionDuty] = [], wouldPermitIf: [String] = [], permittedBy: PermitBasis? = nil) {
        self.id = id; self.verdict = verdict; self.source = source; self.subscriber = subscriber
        self.reasons = reasons; self.duties = duties; self.wouldPermitIf = wouldPermitIf; self.permittedBy = permittedBy
    }

    /// JSON form, keys in DESIGN.md's order.
    public var json: JSONValue {
        var o = JSONObject()
        if let id { o["id"] = .string(id) } else { o["id"] = .null }
        o["decision"] = .string(verdict.rawValue)
        o["source"] = .string(source)
        o["subscriber"] = .string(subscriber)
        o["reasons"] = .array(reasons.map(\.json))
        o["duties"] = .array(duties.map(\.json))
        o["wouldPermitIf"] = .array(wouldPermitIf.map { .string($0) })
        return .object(o)
    }

    /// The compact JSON text of ``json``, written directly (no intermediate JSON tree).
    public var jsonText: String {
        var out: [UInt8] = []
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact JSON of ``json`` as UTF-8 bytes: the batch hot path (same bytes as `json.serialized()`).
    public func appendJSON(to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 512)
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func str(_ s: String) { JSONBytes.appendString(s, to: &out) }
        raw("{\"id\":")
        if let id { str(id) } else { raw("null") }
        raw(",\"decision\":")
        raw(verdict == .permit ? "\"permit\"" : "\"deny\"")
        raw(",\"source\":")
        str(source)
        raw(",\"subscriber\":")
        str(subscriber)
        raw(",\"reasons\":[")
        for (k, r) in reasons.enumerated() {
            if k > 0 { raw(",") }
            r.appendJSON(to: &out)
        }
        raw("],\"duties\":[")
        for (k, d) in duties.enumerated() {
            if k > 0 { raw(",") }
            DecisionDuty.writeJSON(d, to: &out)
        }
        raw("],\"wouldPermitIf\":[")
        for (k, w) in wouldPermitIf.enumerated() {
            if k > 0 { raw(",") }
            str(w)
        }
        raw("]}")
    }

    /// Reads a decision back from its JSON form (goldens, the audit's inputs).
    public static func parse(_ value: JSONValue, at path: String = "$") -> (NewsDecision?, [Diagnostic]) {
        var r = FieldReader(prefix: "decision")
        guard let o = r.object(value, at: path, what: "a decision") else { return (nil, r.diagnostics) }
        let id = r.string(o, "id", at: path, required: false)
        let verdict: Verdict? = r.enumValue(o, "decision", at: path, required: true, problem: "unknown_decision", what: "decision")
        let source = r.string(o, "source", at: path, required: true)
        let subscriber = r.string(o, "subscriber", at: path, required: true)
        var reasons: [Reason] = []
        for (k, rv) in (o["reasons"]?.arrayValue ?? []).enumerated() {
            let p = FieldReader.path(FieldReader.path(path, "reasons"), k)
            guard let ro = r.object(rv, at: p, what: "a reason") else { continue }
            if let code = r.string(ro, "code", at: p, required: true), let msg = r.string(ro, "message", at: p, required: true) {
                reasons.append(Reason(code: code, agreement: r.string(ro, "agreement", at: p, required: false), message: msg,
                                      quote: r.string(ro, "quote", at: p, required: false),
                                      quoteFrom: r.string(ro, "quoteFrom", at: p, required: false)))
            }
        }
        var duties: [DecisionDuty] = []
        for (k, dv) in (o["duties"]?.arrayValue ?? []).enumerated() {
            let p = FieldReader.path(FieldReader.path(path, "duties"), k)
            if let d = Duty.parse(dv, at: p, reader: &r) {
                duties.append(DecisionDuty(duty: d, agreement: dv["agreement"]?.stringValue))
            }
        }
        let would = (o["wouldPermitIf"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard let verdict, let source, let subscriber, !r.hasErrors else { return (nil, r.diagnostics) }
        return (NewsDecision(id: id, verdict: verdict, source: source, subscriber: subscriber, reasons: reasons,
                             duties: duties, wouldPermitIf: would), r.diagnostics)
    }
}

/// What a permit rests on: an agreement's grant, or a public permission of the notice.
public enum PermitBasis: Sendable, Hashable {
    /// Agreement id and the index of the grant that covered the request.
    case agreement(id: String, grant: Int)
    /// Index of the notice's public permission that covered the request.
    case notice(permission: Int)
}
