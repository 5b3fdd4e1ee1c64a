import ClearanceCore
import Foundation
import GRDB
import Testing
@testable import ClearanceStore

/// The import's direct canonical-text writer must hash exactly as the store's generic `Chain.rowHash`
/// (which `verify` recomputes): same bytes for every kind of row.
struct LedgerCanonicalTests {
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

    @Test func hashesAsTheGenericChain() {
        let recorded = Date(timeIntervalSince1970: 1_790_000_000)
        var scratch: [UInt8] = []
        for (k, e) in Self.entries().enumerated() {
            let seq = Int64(k * 1000 + 1)
            let prev = k == 0 ? Schema.genesisHash : String(repeating: "ab", count: 32)
            let document = FastJSON.string(e.document)
            let cols: [(String, DatabaseValue)] = [
                ("seq", seq.databaseValue), ("event_id", e.eventId.databaseValue), ("origin", e.origin.rawValue.databaseValue),
                ("at", Timestamp.format(e.at).databaseValue), ("subscriber_id", e.subscriber.databaseValue),
                ("source_id", e.source.databaseValue), ("agreement_id", e.agreementId.databaseValue),
                ("grant_position", e.grantPosition.databaseValue), ("asset_id", e.assetId.databaseValue),
                ("asset_kind", e.assetKind.databaseValue), ("action", e.action.databaseValue), ("extent", e.extent.databaseValue),
                ("portion", e.portion.databaseValue), ("channel", e.channel.databaseValue), ("territory", e.territory.databaseValue),
                ("decision", e.decision.databaseValue), ("document", document.databaseValue),
                ("recorded_at", Timestamp.format(recorded).databaseValue), ("prev_hash", prev.databaseValue),
            ]
            var bytes: [UInt8] = []
            LedgerCanonical.write(e, seq: seq, at: Timestamp.format(e.at), document: document, recordedAt: Timestamp.format(recorded),
                                  prev: prev, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == Chain.canonical(cols))
            #expect(LedgerCanonical.rowHash(e, seq: seq, at: Timestamp.format(e.at), document: document,
                                            recordedAt: Timestamp.format(recorded), prev: prev, scratch: &scratch) == Chain.rowHash(cols))
        }
    }
}
