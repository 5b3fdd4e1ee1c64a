import ClearanceCore

/// The usage ledger's `document` column from schema v8: either the event's full JSON object (every row
/// written before v8, and rows whose document the columns cannot rebuild) or its compact form, which
/// keeps only what the row's other columns do not hold.
///
/// Why: the full document repeats every column (id, subscriber, source, asset, action, extent, portion,
/// channel, territory, time): ~330 of a row's ~600 bytes for the default workload's events, and the
/// row's canonical text (which is hashed) escaped it again. SQLite wrote each row's bytes into the WAL,
/// read them back to re-create the query indexes, and copied them into the database at the commit; the
/// decide threads wrote and escaped them. The compact form keeps the asset's `publishedAt` and the
/// evidence (`url`, `attribution`, `link`): ~115 bytes. Measured in bench/PROFILE.md (ledger, session 7).
///
/// The compact form is a JSON array of two values (a full document is always an object, so the first
/// byte tells them apart; no row written before v8 starts with `[`: v1–v5 required a JSON object, v6–v7 a
/// text starting with `{`):
///
///     ["2026-06-11T01:40:10Z",{"url":"https://…","attribution":"İLKHA","link":true}]
///
/// - the asset's `publishedAt` as the full document writes it (a JSON string), or `null` when absent;
/// - an object holding the members the full document writes after `at`, in the same order and bytes.
///
/// The full document is ``expand(_:columns:)``'s text: the request's JSON written from the columns
/// (`RepublicationRequest.appendJSON`'s keys, order and escapes) with `publishedAt` put back in the
/// asset and the second value's members after `at`. ``LedgerDraft`` writes the compact form only when
/// that text is byte for byte what it would have stored in full (tests compare over varied events);
/// the hash chain covers the stored columns, so `verify` needs nothing new, and `clearance verify`'s
/// `ledger.bad_document` checks a compact document's shape (``Store/ledgerDocumentProblems(_:)``).
enum LedgerDocument {
    /// The row's columns that a compact document is completed from.
    struct Columns {
        var eventId: String
        var subscriber: String
        var source: String
        var assetId: String?
        var assetKind: String?
        var action: String?
        var extent: String?
        var portion: Double?
        var channel: String?
        var territory: String?
        /// The stored instant (`at`).
        var at: String
    }

    /// Whether a stored document is in the compact form (its first byte is `[`).
    static func isCompact(_ stored: UnsafeBufferPointer<UInt8>) -> Bool { stored.first == 0x5B }

    /// Whether an event's full document can be stored compact: it has an id (the `event_id` column is
    /// then that id) and its `at` is written in the document as the ledger stores it (whole seconds, a
    /// four-digit year: `Instant.description` and `Timestamp.format` write the same 20 bytes).
    static func canCompact(_ e: UsageEvent) -> Bool {
        guard e.request.id != nil else { return false }
        let ms = e.request.at.millisecondsSinceEpoch
        // 0000-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z, whole seconds.
        return ms % 1000 == 0 && ms >= -62_167_219_200_000 && ms < 253_402_300_800_000
    }

    /// Writes the compact form of `e`'s document (only when ``canCompact(_:)``).
    ///
    /// The evidence members are written exactly as `LedgerDraft.writeDocument` writes them after `at`.
    /// `quoted`: written as the inside of a JSON string literal holding that text (what the row's canonical
    /// text holds for `document`, `JSONBytes.appendQuoted` without the quotes), from the same pieces: escaping
    /// works character by character, so the escaped pieces are the escaped whole (tests compare the two).
    /// Why: the compact text is mostly quotes and punctuation, which the general escaper takes one run at a
    /// time (~2,500 instructions a row, callgrind, bench/PROFILE.md ledger session 7); the pieces' escaped
    /// forms are constants, and the values are nearly always plain.
    static func writeCompact(_ e: UsageEvent, to out: inout ByteWriter, quoted: Bool = false) {
        let w = CompactWriter(quoted: quoted)
        w.punctuation("[", "[", to: &out)
        if let p = e.request.asset.publishedAt {
            w.punctuation("\"", "\\\"", to: &out)
            w.value(p.description, to: &out)
            w.punctuation("\"", "\\\"", to: &out)
        } else {
            w.punctuation("null", "null", to: &out)
        }
        w.punctuation(",{", ",{", to: &out)
        LedgerDraft.writeEvidence(e, to: &out, commaFirst: false, as: w)
        w.punctuation("}]", "}]", to: &out)
    }

    /// How ``writeCompact(_:to:quoted:)`` and `LedgerDraft.writeEvidence` write a piece: as JSON text, or as
    /// that text escaped once more (inside a string literal).
    struct CompactWriter {
        let quoted: Bool

        /// Writes a constant piece: `plain`, or `escaped` (the same text escaped, written out by hand).
        @inline(__always)
        func punctuation(_ plain: StaticString, _ escaped: StaticString, to out: inout ByteWriter) {
            out.put(quoted ? escaped : plain)
        }

        /// Writes a string value's escaped body (`JSONBytes.appendEscaped`), escaped once more when quoted.
        @inline(__always)
        func value(_ s: String, to out: inout ByteWriter) {
            let start = out.count
            JSONBytes.appendEscaped(s, to: &out)
            // Every escape lengthens the text: the same length means nothing was escaped, and escaping it
            // again changes nothing either (nearly every value). Otherwise escape the escaped bytes again.
            guard quoted, out.count - start != s.utf8.count else { return }
            let once = String(decoding: UnsafeBufferPointer(start: out.base + start, count: out.count - start), as: UTF8.self)
            out.removeLast(out.count - start)
            JSONBytes.appendEscaped(once, to: &out)
        }
    }

    /// The full document of a stored one: a full document as it is, a compact one completed from the row's
    /// columns; nil when a compact document is not of the form (only a row written outside clearance).
    static func expand(_ stored: String, columns: @autoclosure () -> Columns) -> String? {
        var stored = stored
        return stored.withUTF8 { b in
            guard isCompact(b) else { return String(decoding: b, as: UTF8.self) }
            return expand(compact: b, columns: columns())
        }
    }

    /// A compact document completed from the row's columns (see the type's comment); nil when it is not of the form.
    static func expand(compact b: UnsafeBufferPointer<UInt8>, columns c: Columns) -> String? {
        let n = b.count
        guard n >= 8, b[0] == 0x5B, b[n - 2] == 0x7D, b[n - 1] == 0x5D else { return nil }
        // The first value: `null` or a JSON string (its end found by skipping escapes).
        var i = 1
        var published: Range<Int>?
        if b[1] == 0x22 {
            i = 2
            while i < n - 2 && b[i] != 0x22 { i += b[i] == 0x5C ? 2 : 1 }
            guard i < n - 2 else { return nil }
            i += 1
            published = 1..<i
        } else {
            guard n >= 5, b[1] == 0x6E, b[2] == 0x75, b[3] == 0x6C, b[4] == 0x6C else { return nil }
            i = 5
        }
        guard i + 1 < n - 2, b[i] == 0x2C, b[i + 1] == 0x7B else { return nil }
        let evidence = (i + 2)..<(n - 2)
        guard let assetId = c.assetId, let kind = c.assetKind, let action = c.action, let extent = c.extent,
              let channel = c.channel, let territory = c.territory else { return nil }
        // The keys, order and escapes of `RepublicationRequest.appendJSON` (tests hold the two equal).
        var out: [UInt8] = []
        out.reserveCapacity(n + 256)
        func raw(_ s: StaticString) { out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
        func str(_ s: String) { JSONBytes.appendString(s, to: &out) }
        raw("{\"id\":"); str(c.eventId)
        raw(",\"subscriber\":"); str(c.subscriber)
        raw(",\"source\":"); str(c.source)
        raw(",\"asset\":{\"id\":"); str(assetId)
        raw(",\"kind\":"); str(kind)
        if let published {
            raw(",\"publishedAt\":")
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[published]))
        }
        raw("},\"use\":{\"action\":"); str(action)
        raw(",\"extent\":"); str(extent)
        if let p = c.portion {
            raw(",\"portion\":")
            out.append(contentsOf: JSONValue.formatNumber(p).utf8)
        }
        raw("},\"channel\":"); str(channel)
        raw(",\"territory\":"); str(territory)
        raw(",\"at\":"); str(c.at)
        if !evidence.isEmpty {
            out.append(0x2C)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[evidence]))
        }
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }
}
