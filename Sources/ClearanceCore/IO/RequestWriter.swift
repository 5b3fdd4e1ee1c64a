extension RepublicationRequest {
    /// Appends the compact JSON of ``json`` as UTF-8 (same keys, order and bytes as `json.serialized()`),
    /// with no intermediate JSON tree: the decision log stores every logged request in this form.
    public func appendJSON(to out: inout [UInt8]) { write(to: &out) }

    /// Appends the same bytes into a ``ByteWriter`` (the usage ledger's stored event document starts
    /// with them).
    public func appendJSON(to out: inout ByteWriter) { write(to: &out) }

    /// The one writer behind both: generic here, specialised for each sink within this module.
    private func write<Sink: JSONByteSink>(to out: inout Sink) {
        func raw(_ s: StaticString) { out.put(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func str(_ s: String) {
            var s = s
            s.withUTF8 { JSONBytes.escape($0, to: &out) }
        }
        raw("{")
        if let id { raw("\"id\":"); str(id); raw(",") }
        raw("\"subscriber\":"); str(subscriber)
        raw(",\"source\":"); str(source)
        raw(",\"asset\":{\"id\":"); str(asset.id)
        raw(",\"kind\":"); str(asset.kind.rawValue)
        if let p = asset.publishedAt { raw(",\"publishedAt\":"); str(p.description) }
        raw("},\"use\":{\"action\":"); str(action)
        raw(",\"extent\":"); str(extent.rawValue)
        if let portion {
            raw(",\"portion\":")
            var number = JSONValue.formatNumber(portion)
            number.withUTF8 { out.put($0) }
        }
        raw("},\"channel\":"); str(channel.rawValue)
        raw(",\"territory\":"); str(territory)
        raw(",\"at\":"); str(at.description)
        raw("}")
    }

    /// The compact JSON text of ``json``, written directly.
    public var jsonText: String {
        var out: [UInt8] = []
        out.reserveCapacity(320)
        appendJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
