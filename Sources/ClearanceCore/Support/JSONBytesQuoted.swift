extension JSONBytes {
    /// Appends UTF-8 text as a JSON string literal into a ``ByteWriter``: the same bytes as
    /// ``appendString(utf8:to:)``, with text that needs no escape copied in one append after the plain
    /// scan (``isPlain(_:)``, eight bytes at a time) instead of going through the general escaper's runs.
    ///
    /// For the usage ledger's canonical row text (`LedgerDraft`, ~14 short values an event: ids, codes,
    /// instants), where the general escaper's per-run sink calls cost ~400 instructions a value
    /// (bench/PROFILE.md, news session 4, and ledger session 6). Tested equal to ``appendString(utf8:to:)``.
    @inline(__always)
    public static func appendQuoted(utf8 buf: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        out.put(0x22)
        if isPlain(buf) { out.put(buf) } else { escapeBody(buf, to: &out) }
        out.put(0x22)
    }
}
