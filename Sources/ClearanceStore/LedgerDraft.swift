import ClearanceCore
import Foundation

/// A usage-ledger row made ready on a decide thread, so `usage import`'s single writer thread only
/// links it into the chain and inserts it.
///
/// Everything that does not depend on the row's place in the chain is done here, in parallel:
/// the stored document's JSON text (written straight from the event, no `JSONValue` tree), the
/// column texts (one byte buffer, bound to SQLite without copies), and the SHA-256 of the row's
/// canonical text up to `prev_hash`. The canonical text's keys are sorted, and only `prev_hash`,
/// `recorded_at` and `seq` come from the writer; they sit together near its end (`…"portion":…,
/// "prev_hash":…,"recorded_at":…,"seq":…,"source_id":…}`), so the hash of everything before them
/// is computed here (SHA-256 is a chain of 64-byte blocks: its state after a prefix can be carried
/// and continued), and the writer hashes only the ~200-byte tail. Byte for byte the text
/// `Chain.canonical` writes for the stored row (tests compare on varied rows, and `clearance verify`
/// recomputes every hash from the stored columns).
public struct LedgerDraft: Sendable {
    /// Where a column's bytes are in ``text``: start and count (count -1: NULL).
    struct Span: Sendable {
        var start: Int32
        var count: Int32
        static let null = Span(start: 0, count: -1)
    }

    /// The event id (the ledger is idempotent by it).
    public let eventId: String
    let origin: LedgerEntry.Origin
    /// The text columns, back to back, UTF-8.
    var text: [UInt8] = []
    var eventIdSpan = Span.null, at = Span.null, subscriber = Span.null, source = Span.null
    var agreement = Span.null, assetId = Span.null, assetKind = Span.null, action = Span.null
    var extent = Span.null, channel = Span.null, territory = Span.null, decision = Span.null
    var document = Span.null
    /// The canonical text after `"seq":N`: `,"source_id":…,"subscriber_id":…,"territory":…}`.
    var suffix = Span.null
    let grantPosition: Int?
    let portion: Double?
    /// SHA-256 state after the canonical text up to and including `"prev_hash":"`.
    var prefix = SHA256()

    /// A draft of the row for a usage event (`usage import`): the document is the event's JSON exactly
    /// as `FastJSON.string(event.json)` writes it, without building the `JSONValue`, stored in its compact
    /// form (schema v8, ``LedgerDocument``: what the other columns do not hold) when the columns rebuild it.
    ///
    /// `__shared` here and on the strings of the designated init: the event is read where it lies (in the
    /// import's batch), not copied, and no string is retained to be passed: an owned event (an initializer's
    /// default) cost ~20 reference-count operations a row on the decide threads (bench/PROFILE.md ledger session 7).
    public init(event: __shared UsageEvent, origin: LedgerEntry.Origin = .import, decision: String?, agreementId: String?,
                grantPosition: Int?) {
        guard let id = event.request.id else {
            // No id: the id is a hash of the sorted document (rare; the general path).
            self.init(LedgerEntry(event: event, origin: origin, decision: decision, agreementId: agreementId,
                                  grantPosition: grantPosition))
            return
        }
        self.init(eventId: id, origin: origin, at: Timestamp.format(event.request.at), subscriber: event.request.subscriber,
                  source: event.request.source, agreementId: agreementId, grantPosition: grantPosition,
                  assetId: event.request.asset.id, assetKind: event.request.asset.kind.rawValue, action: event.request.action,
                  extent: event.request.extent.rawValue, portion: event.request.portion,
                  channel: event.request.channel.rawValue, territory: event.request.territory, decision: decision,
                  writeDocument: { out in
            if LedgerDocument.canCompact(event) {
                LedgerDocument.writeCompact(event, to: &out)
            } else {
                LedgerDraft.writeDocument(event, to: &out)
            }
        }, writeQuotedDocument: LedgerDocument.canCompact(event) ? { out in LedgerDocument.writeCompact(event, to: &out, quoted: true) } : nil)
    }

    /// A draft of a ledger entry (its document serialised by `FastJSON`, as the store always has).
    public init(_ e: LedgerEntry) {
        self.init(eventId: e.eventId, origin: e.origin, at: Timestamp.format(e.at), subscriber: e.subscriber, source: e.source,
                  agreementId: e.agreementId, grantPosition: e.grantPosition, assetId: e.assetId, assetKind: e.assetKind,
                  action: e.action, extent: e.extent, portion: e.portion, channel: e.channel, territory: e.territory,
                  decision: e.decision) { out in
            var bytes: [UInt8] = []
            FastJSON.write(e.document, to: &bytes, sortedKeys: false)
            bytes.withUnsafeBufferPointer { out.put($0) }
        }
    }

    init(eventId: String, origin: LedgerEntry.Origin, at: __shared String, subscriber: __shared String, source: __shared String,
         agreementId: __shared String?, grantPosition: Int?, assetId: __shared String?, assetKind: __shared String?,
         action: __shared String?, extent: __shared String?, portion: Double?, channel: __shared String?,
         territory: __shared String?, decision: __shared String?, writeDocument: (inout ByteWriter) -> Void,
         writeQuotedDocument: ((inout ByteWriter) -> Void)? = nil) {
        self.eventId = eventId
        self.origin = origin
        self.grantPosition = grantPosition
        self.portion = portion
        // Written through raw-pointer writers: a row is ~250 small appends (keys, values, escapes), which
        // as `[UInt8]` appends cost ~50,000 instructions per event; here a few thousand.
        var t = ByteWriter(capacity: 1024)
        var c = ByteWriter(capacity: 2048)
        defer { t.free(); c.free() }
        func put(_ s: String?) -> Span {
            guard let s else { return .null }
            let start = t.count
            // In place (native strings): `ByteWriter.put(String)` copies the string to reach its bytes (a retain
            // and a release).
            if s.utf8.withContiguousStorageIfAvailable({ t.put($0) }) == nil { t.put(s) }
            return Span(start: Int32(start), count: Int32(t.count - start))
        }
        eventIdSpan = put(eventId)
        self.at = put(at)
        self.subscriber = put(subscriber)
        self.source = put(source)
        agreement = put(agreementId)
        self.assetId = put(assetId)
        self.assetKind = put(assetKind)
        self.action = put(action)
        self.extent = put(extent)
        self.channel = put(channel)
        self.territory = put(territory)
        self.decision = put(decision)
        let docStart = t.count
        writeDocument(&t)
        document = Span(start: Int32(docStart), count: Int32(t.count - docStart))

        // The canonical text, keys sorted (as `Chain.canonical` sorts the column names). `t` is not
        // written to while its bytes are read here (the writer may move them when it grows).
        let text = t.base
        var first = true
        func key(_ k: StaticString) {
            if !first { c.put(0x2C) }
            first = false
            c.put(0x22)
            c.put(k)
            c.put(0x22)
            c.put(0x3A)
        }
        func str(_ k: StaticString, _ s: Span) {
            key(k)
            if s.count < 0 { c.put("null" as StaticString); return }
            JSONBytes.appendQuoted(utf8: UnsafeBufferPointer(start: text + Int(s.start), count: Int(s.count)), to: &c)
        }
        func num(_ k: StaticString, _ v: Double?) {
            key(k)
            if let v { c.put(JSONValue.formatNumber(v)) } else { c.put("null" as StaticString) }
        }
        c.put(0x7B)
        str("action", self.action)
        str("agreement_id", agreement)
        str("asset_id", self.assetId)
        str("asset_kind", self.assetKind)
        str("at", self.at)
        str("channel", self.channel)
        str("decision", self.decision)
        if let writeQuotedDocument {
            // The document's text escaped into the canonical text by its own writer (``LedgerDocument``).
            key("document")
            c.put(0x22)
            writeQuotedDocument(&c)
            c.put(0x22)
        } else {
            str("document", document)
        }
        str("event_id", eventIdSpan)
        str("extent", self.extent)
        num("grant_position", grantPosition.map(Double.init))
        key("origin")
        c.put(origin == .import ? ("\"import\"" as StaticString) : ("\"check\"" as StaticString))
        num("portion", portion)
        key("prev_hash")
        c.put(0x22)
        // Hash it now; the rest (`prev_hash`, `recorded_at`, `seq`) is the writer's.
        prefix.update(UnsafeRawBufferPointer(c.bytes))
        c.removeAll()
        first = false
        str("source_id", self.source)
        str("subscriber_id", self.subscriber)
        str("territory", self.territory)
        c.put(0x7D)
        let suffixStart = t.count
        t.put(c.bytes)
        suffix = Span(start: Int32(suffixStart), count: Int32(t.count - suffixStart))
        self.text = Array(t.bytes)
    }

    /// The text of a column (nil for NULL).
    func string(_ s: Span) -> String? {
        guard s.count >= 0 else { return nil }
        return text.withUnsafeBufferPointer { t in
            String(decoding: UnsafeBufferPointer(rebasing: t[Int(s.start)..<Int(s.start + s.count)]), as: UTF8.self)
        }
    }

    /// The `document` column's text as stored (the compact form when the draft made one).
    var storedDocumentText: String { string(document) ?? "" }

    /// The event's full JSON document: the stored text, completed from the columns when compact (what
    /// a re-import compares with the row already in the ledger).
    var documentText: String {
        let stored = storedDocumentText
        return LedgerDocument.expand(stored, columns: columns) ?? stored
    }

    /// The columns a compact document is completed from.
    var columns: LedgerDocument.Columns {
        LedgerDocument.Columns(eventId: eventId, subscriber: string(subscriber) ?? "", source: string(source) ?? "",
                               assetId: string(assetId), assetKind: string(assetKind), action: string(action),
                               extent: string(extent), portion: portion, channel: string(channel),
                               territory: string(territory), at: string(at) ?? "")
    }

    /// Writes `event.json` compactly, as `FastJSON.string(event.json)` would (keys in the order the
    /// request's JSON form puts them), without building the tree.
    static func writeDocument(_ e: UsageEvent, to out: inout ByteWriter) {
        // The request's own JSON (`RepublicationRequest.appendJSON`), reopened for the evidence fields.
        e.request.appendJSON(to: &out)
        out.removeLast()
        writeEvidence(e, to: &out, commaFirst: true)
        out.put(0x7D)
    }

    /// Writes the event's evidence members (`url`, `attribution`, `link`, those present), each after a
    /// comma but the first when `commaFirst` is false: what the full document has after `at`, and the
    /// second value of the compact form (``LedgerDocument``), from one writer; `as` a quoted writer, the
    /// same text escaped once more (the compact form inside the row's canonical text).
    static func writeEvidence(_ e: UsageEvent, to out: inout ByteWriter, commaFirst: Bool,
                              as w: LedgerDocument.CompactWriter = LedgerDocument.CompactWriter(quoted: false)) {
        var comma = commaFirst
        func key(_ k: StaticString, _ escaped: StaticString) {
            if comma { out.put(0x2C) }
            comma = true
            w.punctuation(k, escaped, to: &out)
        }
        if let url = e.url {
            key("\"url\":\"", "\\\"url\\\":\\\"")
            w.value(url, to: &out)
            w.punctuation("\"", "\\\"", to: &out)
        }
        if let a = e.attribution {
            key("\"attribution\":\"", "\\\"attribution\\\":\\\"")
            w.value(a, to: &out)
            w.punctuation("\"", "\\\"", to: &out)
        }
        if let link = e.link {
            key("\"link\":", "\\\"link\\\":")
            out.put(link ? ("true" as StaticString) : ("false" as StaticString))
        }
    }
}
