import ClearanceCore

/// Writes the document stored for an agreement version straight to bytes: `contract import`'s hot path.
///
/// The output is byte-for-byte `FastJSON.string(copy.json)` of the agreement without its store-kept fields
/// (`version`, `effectiveAt`, `termination`), i.e. ``StoreTransaction/document(_:)`` as it was — same keys in
/// the same order, same escapes, same number format (a test holds the two equal) — without building the
/// JSON tree (one `JSONObject` per agreement, grant, duty and restriction, then walking it), which cost
/// more than the write itself on a 100,000-agreement import.
enum VersionDocument {
    /// The document text.
    static func text(_ a: Agreement) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        append(a, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the document of `a` (its `version`, `effectiveAt` and `termination` left out).
    static func append(_ a: Agreement, to out: inout [UInt8]) {
        key("id", first: true, &out); JSONBytes.appendString(a.id, to: &out)
        key("kind", &out); JSONBytes.appendString(a.kind.rawValue, to: &out)
        key("source", &out); JSONBytes.appendString(a.source, to: &out)
        key("subscriber", &out)
        key("id", first: true, &out); JSONBytes.appendString(a.subscriber.id, to: &out)
        if let n = a.subscriber.name { key("name", &out); JSONBytes.appendString(n, to: &out) }
        out.append(0x7D)
        key("signedAt", &out); JSONBytes.appendString(a.signedAtIsDate ? a.signedAt.dateString : a.signedAt.description, to: &out)
        key("term", &out)
        key("start", first: true, &out); JSONBytes.appendString(a.term.startText, to: &out)
        key("end", &out); JSONBytes.appendString(a.term.endText, to: &out)
        out.append(0x7D)
        key("grants", &out)
        out.append(0x5B)
        for (k, g) in a.grants.enumerated() {
            if k > 0 { out.append(0x2C) }
            append(g, to: &out)
        }
        out.append(0x5D)
        key("restrictions", &out)
        out.append(0x5B)
        for (k, r) in a.restrictions.enumerated() {
            if k > 0 { out.append(0x2C) }
            append(r, to: &out)
        }
        out.append(0x5D)
        out.append(0x7D)
    }

    /// `Grant.json`, compact.
    static func append(_ g: Grant, to out: inout [UInt8]) {
        key("assets", first: true, &out); dimension(g.assets, &out)
        key("actions", &out); list(g.actions, &out)
        key("extent", &out); list(g.extent.map(\.rawValue), &out)
        if let p = g.maxPortion { key("maxPortion", &out); out.append(contentsOf: JSONValue.formatNumber(p).utf8) }
        key("channels", &out); dimension(g.channels, &out)
        key("territories", &out); list(g.territories.include, &out)
        key("excludeTerritories", &out); list(g.territories.exclude, &out)
        if let q = g.quota {
            key("quota", &out)
            key("count", first: true, &out); out.append(contentsOf: JSONValue.formatNumber(Double(q.count)).utf8)
            key("per", &out); JSONBytes.appendString(q.per.rawValue, to: &out)
            out.append(0x7D)
        }
        if let e = g.embargo { key("embargo", &out); JSONBytes.appendString(e.description, to: &out) }
        key("duties", &out)
        out.append(0x5B)
        for (k, d) in g.duties.enumerated() {
            if k > 0 { out.append(0x2C) }
            key("action", first: true, &out); JSONBytes.appendString(d.action.rawValue, to: &out)
            if let t = d.text { key("text", &out); JSONBytes.appendString(t, to: &out) }
            if let u = d.url { key("url", &out); JSONBytes.appendString(u, to: &out) }
            out.append(0x7D)
        }
        out.append(0x5D)
        if let c = g.clause { key("clause", &out); JSONBytes.appendString(c, to: &out) }
        out.append(0x7D)
    }

    /// `Restriction.json`, compact (only the dimensions it lists).
    static func append(_ r: Restriction, to out: inout [UInt8]) {
        var first = true
        func field(_ name: StaticString) {
            key(name, first: first, &out)
            first = false
        }
        if let v = r.assets { field("assets"); dimension(v, &out) }
        if let v = r.actions { field("actions"); list(v, &out) }
        if let v = r.extent { field("extent"); list(v.map(\.rawValue), &out) }
        if let v = r.channels { field("channels"); dimension(v, &out) }
        if let t = r.territories {
            field("territories"); list(t.include, &out)
            if !t.exclude.isEmpty { field("excludeTerritories"); list(t.exclude, &out) }
        }
        if let e = r.embargo { field("embargo"); JSONBytes.appendString(e.description, to: &out) }
        if let n = r.note { field("note"); JSONBytes.appendString(n, to: &out) }
        if let c = r.clause { field("clause"); JSONBytes.appendString(c, to: &out) }
        if first { out.append(0x7B) }
        out.append(0x7D)
    }

    /// `{"name":` (opening the object when `first`) or `,"name":`.
    @inline(__always) static func key(_ name: StaticString, first: Bool = false, _ out: inout [UInt8]) {
        out.append(first ? 0x7B : 0x2C)
        out.append(0x22)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(0x22)
        out.append(0x3A)
    }

    @inline(__always) static func list(_ items: [String], _ out: inout [UInt8]) {
        out.append(0x5B)
        for (k, s) in items.enumerated() {
            if k > 0 { out.append(0x2C) }
            JSONBytes.appendString(s, to: &out)
        }
        out.append(0x5D)
    }

    /// `Dimension.json` as compact text (`["all"]` or the values): the grant and restriction columns.
    static func dimensionText<E>(_ d: Dimension<E>) -> String {
        var out: [UInt8] = []
        dimension(d, &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) static func dimension<E>(_ d: Dimension<E>, _ out: inout [UInt8]) {
        switch d {
        case .all: list(["all"], &out)
        case .only(let l): list(l.map(\.rawValue), &out)
        }
    }
}
