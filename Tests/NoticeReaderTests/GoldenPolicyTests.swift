import ClearanceCore
import Foundation
import NoticeReader
import Testing

/// `Policies/ilkha.json` is what the reader makes of the seed page and the Turkish İLKHA notice.
///
/// Run with `CLEARANCE_RECORD=1` to rewrite it after a reviewed change to the reader or the packs.
@Suite struct GoldenPolicyTests {
    static func build() throws -> String {
        let page = try String(contentsOf: Fixture.repo.appendingPathComponent("seeds/000_e1880059a5445077.txt"), encoding: .utf8)
        let tr = try String(contentsOf: Fixture.repo.appendingPathComponent("seeds/ilkha-notice-tr.txt"), encoding: .utf8)
        let reading = Fixture.reader.read(page)
        let turkish = Fixture.reader.read(tr)
        #expect(PolicyDraft.conflicts(reading, turkish).isEmpty)
        return PolicyDraft.policy(reading, name: "ilkha", draft: false, sameTerms: [turkish]).serialized(pretty: true) + "\n"
    }

    @Test func ilkhaPolicyMatchesTheGolden() throws {
        let made = try Self.build()
        let url = Fixture.repo.appendingPathComponent("Policies/ilkha.json")
        if ProcessInfo.processInfo.environment["CLEARANCE_RECORD"] == "1" {
            try made.write(to: url, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(made == golden, "Policies/ilkha.json differs from the reading; review, then rerun with CLEARANCE_RECORD=1")
    }

    /// The seed reading, exactly as the issue states it.
    @Test func seedReadingIsExact() throws {
        let page = try String(contentsOf: Fixture.repo.appendingPathComponent("seeds/000_e1880059a5445077.txt"), encoding: .utf8)
        let r = Fixture.reader.read(page)
        #expect(r.fromPage)
        #expect(r.credit == "İLKHA")
        #expect(r.notice.hasPrefix("تنبيه:"))
        #expect(!r.notice.contains("اليونيسف"), "a teaser line of another story was taken into the notice")
        #expect(r.holder == "وكالة إيلكا الإخبارية (İLKHA)")
        let s = r.summary
        #expect(s.assets == ["text", "photo", "video"])
        #expect(s.defaultRule == "prohibit")
        #expect(s.prohibitedUses == ["whole", "partial"])
        #expect(s.permittedWith == ["contract", "subscription"])
        #expect(s.duties.isEmpty && s.license == nil)
        let p = try #require(r.rules.first { $0.kind == .prohibition })
        #expect(p.prior == ["subscription"])
        #expect(p.provenance.language == "ar")
        let input = Array(page.unicodeScalars)
        let words = String(String.UnicodeScalarView(input[p.provenance.span[0]..<p.provenance.span[1]]))
        #expect(words == p.provenance.text)
        #expect(words.contains("اشتراك مسبق"))
    }

    /// The policy passes the engine's validator.
    @Test func policyValidates() throws {
        let made = try Self.build()
        let r = ODRLReader.read(Array(made.utf8))
        #expect(!r.hasErrors, "\(r.diagnostics)")
        #expect(r.policies.count == 1)
    }
}
