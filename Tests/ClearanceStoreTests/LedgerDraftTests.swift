import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// The import's drafts (document written from the event, canonical prefix hashed off the writer
/// thread, tail hashed by the writer) must store and hash exactly as the store's generic path:
/// `FastJSON.string(event.json)` for the document, `Chain.rowHash` (which `verify` recomputes).
struct LedgerDraftTests {
    static func entries() -> [LedgerEntry] {
        let doc: JSONValue = .object(JSONObject([("id", .string("e\"1")), ("n", .number(0.25))]))
        return [
            LedgerEntry(eventId: "e1", origin: .import, at: Date(timeIntervalSince1970: 1_780_000_000), subscriber: "alsharq",
                        source: "ilkha", document: doc),
            LedgerEntry(eventId: "e\"2\\ü\u{2028}\t", origin: .check, at: Date(timeIntervalSince1970: 0), subscriber: "وكالة",
                        source: "ilkha", agreementId: "C-2026-0007", grantPosition: 0, assetId: "ilkha-1", assetKind: "photo",
                        action: "reproduce", extent: "partial", portion: 0.3, channel: "web", territory: "IQ",
                        decision: "permit", document: doc),
            LedgerEntry(eventId: "e3", origin: .import, at: Date(timeIntervalSince1970: 1_780_000_000.75), subscriber: "s",
                        source: "x", agreementId: "A", grantPosition: 12, portion: 1, decision: "deny", document: .object(JSONObject())),
        ]
    }

    /// Usage events with every optional field present or absent, and awkward strings.
    static func events() -> [UsageEvent] {
        let at = Instant(year: 2026, month: 11, day: 29, hour: 10, minute: 3, second: 7, millisecond: 250)
        let pub = Instant(year: 2026, month: 11, day: 28, hour: 9)
        return [
            UsageEvent(request: RepublicationRequest(id: "r1", subscriber: "alsharq", source: "ilkha",
                                                     asset: AssetRef(id: "ilkha-482627", kind: .photo, publishedAt: pub),
                                                     action: "reproduce", extent: .partial, portion: 0.3, channel: .web,
                                                     territory: "IQ", at: at),
                       url: "https://x.example/a?b=\"c\"", attribution: "İLKHA", link: true),
            UsageEvent(request: RepublicationRequest(id: "r\\2\u{2028}\n", subscriber: "وكالة", source: "ilkha",
                                                     asset: AssetRef(id: "a", kind: .text), channel: .print, territory: "TR",
                                                     at: Instant(secondsSinceEpoch: -86_401)),
                       link: false),
            UsageEvent(request: RepublicationRequest(id: "r3", subscriber: "s", source: "x", asset: AssetRef(id: "v", kind: .video),
                                                     action: "display", extent: .whole, portion: 1, channel: .social,
                                                     territory: "DE", at: at),
                       attribution: ""),
        ]
    }

    static func columns(_ e: LedgerEntry, seq: Int64, document: String, recorded: String, prev: String) -> [(String, DatabaseValue)] {
        [
            ("seq", seq.databaseValue), ("event_id", e.eventId.databaseValue), ("origin", e.origin.rawValue.databaseValue),
            ("at", Timestamp.format(e.at).databaseValue), ("subscriber_id", e.subscriber.databaseValue),
            ("source_id", e.source.databaseValue), ("agreement_id", e.agreementId.databaseValue),
            ("grant_position", e.grantPosition.databaseValue), ("asset_id", e.assetId.databaseValue),
            ("asset_kind", e.assetKind.databaseValue), ("action", e.action.databaseValue), ("extent", e.extent.databaseValue),
            ("portion", e.portion.databaseValue), ("channel", e.channel.databaseValue), ("territory", e.territory.databaseValue),
            ("decision", e.decision.databaseValue), ("document", document.databaseValue),
            ("recorded_at", recorded.databaseValue), ("prev_hash", prev.databaseValue),
        ]
    }

    @Test func entryDraftsHashAsTheGenericChain() {
        let recorded = Timestamp.format(Date(timeIntervalSince1970: 1_790_000_000))
        for (k, e) in Self.entries().enumerated() {
            for seq in [Int64(1), Int64(k * 1000 + 7), 999_999_999_999_999, 1_000_000_000_000_000] {
                let prev = k == 0 ? Schema.genesisHash : String(repeating: "ab", count: 32)
                let d = LedgerDraft(e)
                #expect(d.documentText == FastJSON.string(e.document))
                let cols = Self.columns(e, seq: seq, document: FastJSON.string(e.document), recorded: recorded, prev: prev)
                let w = LedgerRowWriterTail(recordedAt: recorded)
                #expect(LedgerRowWriter.rowHash(d, seq: seq, prev: prev, between: w.between) == Chain.rowHash(cols), "entry \(k), seq \(seq)")
            }
        }
    }

    @Test func eventDraftsStoreAndHashAsTheGenericPath() {
        let recorded = Timestamp.format(Date(timeIntervalSince1970: 1_790_000_000))
        for (k, ev) in Self.events().enumerated() {
            for (decision, agreement, grant) in [("permit", "C-1", 2), ("deny", nil, nil)] as [(String, String?, Int?)] {
                let entry = LedgerEntry(event: ev, decision: decision, agreementId: agreement, grantPosition: grant)
                let d = LedgerDraft(event: ev, decision: decision, agreementId: agreement, grantPosition: grant)
                #expect(d.eventId == entry.eventId)
                #expect(d.documentText == FastJSON.string(entry.document), "event \(k)")
                // The row hashes what it stores: the compact form when the draft made one (LedgerV8Tests).
                let cols = Self.columns(entry, seq: 42, document: d.storedDocumentText, recorded: recorded,
                                        prev: Schema.genesisHash)
                let w = LedgerRowWriterTail(recordedAt: recorded)
                #expect(LedgerRowWriter.rowHash(d, seq: 42, prev: Schema.genesisHash, between: w.between) == Chain.rowHash(cols))
            }
        }
    }

    /// An event without an id takes the general path (its id is a hash of the sorted document).
    @Test func eventWithoutIdGetsTheHashedId() {
        var ev = Self.events()[0]
        ev.request.id = nil
        let d = LedgerDraft(event: ev, decision: nil, agreementId: nil, grantPosition: nil)
        let entry = LedgerEntry(event: ev)
        #expect(d.eventId == entry.eventId)
        #expect(d.eventId.hasPrefix("u-"))
        #expect(d.documentText == FastJSON.string(entry.document))
    }
}
