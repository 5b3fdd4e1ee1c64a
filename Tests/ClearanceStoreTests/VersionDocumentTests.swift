import ClearanceCore
import Foundation
@testable import ClearanceStore
import Testing

/// The stored document written directly (`VersionDocument`) is byte-for-byte the JSON tree's text.
@Suite struct VersionDocumentTests {
    static let unusual = #"""
        {"id": "X-\"1\"", "kind": "subscription", "source": "ilkha", "subscriber": {"id": "s\u00e9"},
         "signedAt": "2025-12-20T10:11:12.5+03:00", "term": {"start": "2026-01-01T00:00:00Z", "end": "2026-12-31T23:00:00Z"},
         "grants": [{"assets": ["all"], "actions": ["odrl:use", "reproduce"], "extent": ["partial"], "maxPortion": 0.125,
                     "channels": ["web"], "territories": ["EU"], "excludeTerritories": ["FR", "de"], "quota": {"count": 0, "per": "term"},
                     "embargo": "P1DT2H", "duties": [{"action": "link", "url": "https://x.org/a?b=\u0001"}, {"action": "inform"}],
                     "clause": "Ajansın\nyazılı izni"}],
         "restrictions": [{"territories": ["TR"]}, {"excludeTerritories": ["IQ"]}, {"assets": ["video"], "actions": ["modify"],
                          "extent": ["whole"], "channels": ["all"], "embargo": "PT30M", "note": "n\t", "clause": "«c»"}],
         "termination": {"at": "2026-06-30", "reason": "r"}, "version": 4, "effectiveAt": "2026-02-01"}
        """#

    /// Agreements with every optional field set and unset, escapes and non-ASCII text included.
    @Test func directDocumentEqualsTree() throws {
        let texts = [agreementJSON(), agreementJSON(channels: #"["all"]"#, territories: #"["MENA"]"#, quota: "null"), Self.unusual]
        for text in texts {
            let a = try #require(Agreement.parse(try JSONParser.parse(text)).0, "\(text)")
            #expect(StoreTransaction.document(a) == StoreTransaction.documentFromTree(a))
        }
        let (all, _) = Agreement.parseList(try JSONParser.parse(FileTests.bigJSON(50)))
        #expect(all.count == 50)
        for a in all { #expect(StoreTransaction.document(a) == StoreTransaction.documentFromTree(a)) }
    }
}
