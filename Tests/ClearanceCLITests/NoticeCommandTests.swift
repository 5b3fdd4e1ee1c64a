import Foundation
import Testing

/// `clearance notice read`: every exit status, the summary the scorer reads, and the policy it writes.
@Suite struct NoticeCommandTests {
    @Test func summaryJSONForTheSeedPage() throws {
        let r = try CLI.run(["notice", "read", "seeds/000_e1880059a5445077.txt", "--summary", "--format", "json"])
        #expect(r.status == 0)
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["defaultRule"] as? String == "prohibit")
        #expect(o["permittedWith"] as? [String] == ["contract", "subscription"])
        #expect(o["prohibitedUses"] as? [String] == ["whole", "partial"])
        #expect(o["assets"] as? [String] == ["text", "photo", "video"])
        #expect(o["license"] is NSNull)
    }

    @Test func readsStandardInput() throws {
        let r = try CLI.run(["notice", "read", "-", "--summary", "--format", "json"], stdin: "Copyright 2024 Example Media. All rights reserved.")
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"rightsHolder\": \"Example Media\""))
    }

    @Test func writesAPolicyThatValidatesAndShows() throws {
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("ilkha.json").path
        let r = try CLI.run(["notice", "read", "seeds/000_e1880059a5445077.txt", "--out", out])
        #expect(r.status == 0)
        let v = try CLI.run(["policy", "validate", out])
        #expect(v.status == 0, "\(v.stderr)")
        let s = try CLI.run(["policy", "show", out])
        #expect(s.status == 0)
        #expect(s.stdout.contains("source words (ar"))
        #expect(s.stdout.contains("in ar: محظور"))
        #expect(s.stdout.contains("lifted by: a contract or a prior subscription"))
    }

    @Test func sameTermsInAnotherLanguage() throws {
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("ilkha.json").path
        let r = try CLI.run(["notice", "read", "seeds/000_e1880059a5445077.txt", "--same-terms", "seeds/ilkha-notice-tr.txt", "--reviewed", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let made = try String(contentsOfFile: out, encoding: .utf8)
        let golden = try String(contentsOf: CLI.root.appendingPathComponent("Policies/ilkha.json"), encoding: .utf8)
        #expect(made == golden)
    }

    @Test func differentTermsAreRefused() throws {
        let dir = try CLI.tempDir()
        let other = dir.appendingPathComponent("other.txt")
        try "This material may be republished freely with a link.".write(to: other, atomically: true, encoding: .utf8)
        let r = try CLI.run(["notice", "read", "seeds/000_e1880059a5445077.txt", "--same-terms", other.path, "--out", dir.appendingPathComponent("x.json").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("notice.terms_differ"))
    }

    @Test(arguments: [
        ([UInt8](), "notice.empty", Int32(65)),
        ([0x00, 0x01, 0x02, 0x41], "notice.binary", Int32(65)),
        ([0xC3, 0x28, 0x41, 0x42], "notice.not_utf8", Int32(65)),
    ] as [([UInt8], String, Int32)])
    func badInput(bytes: [UInt8], code: String, status: Int32) throws {
        let file = try CLI.tempDir().appendingPathComponent("in.txt")
        try Data(bytes).write(to: file)
        let r = try CLI.run(["notice", "read", file.path, "--summary", "--format", "json"])
        #expect(r.status == status)
        #expect(r.stderr.contains(code))
        #expect(r.stderr.contains("hint:"))
        #expect(r.stdout.isEmpty)
    }

    @Test func missingFileIs66() throws {
        let r = try CLI.run(["notice", "read", "/nonexistent/notice.txt"])
        #expect(r.status == 66)
    }

    /// A file over the size limit is refused with its own code (that it is refused before being read is
    /// `InputTests.refusesHugeInputBeforeReadingIt`; no wall-clock bound here, the machines are shared).
    @Test func hugeFileIsRefused() throws {
        let file = try CLI.tempDir().appendingPathComponent("big.txt")
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let h = try FileHandle(forWritingTo: file)
        let chunk = Data(String(repeating: "All rights reserved. ", count: 50_000).utf8)
        for _ in 0..<50 { h.write(chunk) }
        try h.close()
        let r = try CLI.run(["notice", "read", file.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("notice.too_large"))
    }

    @Test func badFormatIs64() throws {
        let r = try CLI.run(["notice", "read", "-", "--format", "xml"], stdin: "All rights reserved.")
        #expect(r.status == 64)
    }
}
