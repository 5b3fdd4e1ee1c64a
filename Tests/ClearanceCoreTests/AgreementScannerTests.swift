@testable import ClearanceCore
import Foundation
import Testing

/// The byte-level agreement scanner against the strict path (`JSONParser` + `Agreement.parse`): whatever
/// the scanner reads equals the strict reading, which then has no diagnostic at all; whatever it declines
/// (errors, warnings, unusual spellings) is left to the strict path, so `contract import` reports exactly
/// what it always did.
@Suite struct AgreementScannerTests {
    /// The strict reading: the agreement (nil on any error) and every diagnostic.
    static func strict(_ bytes: [UInt8]) -> (Agreement?, [Diagnostic]) {
        guard let v = try? JSONParser.parse(bytes) else { return (nil, [Diagnostic(code: "json", message: "not json")]) }
        return Agreement.parse(v)
    }

    static func scan(_ bytes: [UInt8]) -> Agreement? {
        var s = AgreementScanner()
        return s.scan(bytes)
    }

    /// The property every text must have: scanned ⇒ strict reads the same agreement without a diagnostic.
    static func check(_ bytes: [UInt8], _ name: String) -> Agreement? {
        guard let fast = scan(bytes) else { return nil }
        let (a, diags) = strict(bytes)
        #expect(diags.isEmpty, "`\(name)`: scanned, but the strict path reports \(diags.map(\.code))")
        #expect(fast == a, "`\(name)`: scanner and strict path differ")
        return fast
    }

    /// Every case, compact, pretty and as the store writes it: scanned or declined as the table says.
    @Test func tableOfCases() throws {
        let base = try NewsFixtures.json("base-agreement.json")
        let url = TestResources.root.appendingPathComponent("Fixtures/io/agreement-scanner-cases.json")
        let cases = try JSONParser.parse(TestResources.bytes(url)).arrayValue ?? []
        #expect(cases.count > 30)
        for c in cases {
            let name = c["name"]?.stringValue ?? "?"
            var doc = base
            for (k, v) in c["patch"]?.objectValue ?? JSONObject() { doc = NewsFixtures.patched(doc, k, v) }
            let wantScanned = c["scanned"]?.boolValue ?? false
            for text in [doc.serialized(), doc.serialized(pretty: true), doc.serialized(pretty: true, sortedKeys: true)] {
                let got = Self.check(Array(text.utf8), name)
                #expect((got != nil) == wantScanned, "`\(name)`: \(wantScanned ? "declined" : "scanned"): \(text)")
            }
        }
    }

    /// One scanner reading every case, twice, reads each exactly as a fresh scanner does: the lists it
    /// read before (``SpanCache``, by their bytes) and the territory specs found by storage change
    /// nothing. (An empty `excludeTerritories` read before must not make an empty `territories`
    /// acceptable: the cases have both.)
    @Test func aScannerReusedReadsLikeAFreshOne() throws {
        let base = try NewsFixtures.json("base-agreement.json")
        let url = TestResources.root.appendingPathComponent("Fixtures/io/agreement-scanner-cases.json")
        var texts: [[UInt8]] = []
        for c in try JSONParser.parse(TestResources.bytes(url)).arrayValue ?? [] {
            var doc = base
            for (k, v) in c["patch"]?.objectValue ?? JSONObject() { doc = NewsFixtures.patched(doc, k, v) }
            texts.append(Array(doc.serialized().utf8))
            texts.append(Array(doc.serialized(pretty: true).utf8))
        }
        for c in try NewsFixtures.json("agreement-cases.json").arrayValue ?? [] {
            var doc = base
            if let replace = c["replace"] { doc = replace }
            for (k, v) in c["patch"]?.objectValue ?? JSONObject() { doc = NewsFixtures.patched(doc, k, v) }
            texts.append(Array(doc.serialized().utf8))
        }
        let g = "\"grants\":[{\"assets\":[\"text\"],\"actions\":[\"use\"],\"extent\":[\"whole\"],\"channels\":[\"all\"],"
        let head = "{\"id\":\"A-1\",\"kind\":\"contract\",\"source\":\"ilkha\",\"subscriber\":{\"id\":\"s-1\"},"
            + "\"signedAt\":\"2026-01-01\",\"term\":{\"start\":\"2026-01-02\",\"end\":\"2026-12-31\"},"
        texts.append(Array((head + g + "\"territories\":[\"TR\"],\"excludeTerritories\":[]}]}").utf8))
        texts.append(Array((head + g + "\"territories\":[],\"excludeTerritories\":[]}]}").utf8))
        #expect(Self.scan(texts[texts.count - 2]) != nil && Self.scan(texts[texts.count - 1]) == nil)
        var shared = AgreementScanner()
        for _ in 0..<2 {
            for t in texts { #expect(shared.scan(t) == Self.scan(t), "\(String(decoding: t, as: UTF8.self))") }
        }
    }

    /// Lists and subscriber objects found again by their bytes up to their first closing bracket
    /// (``SpanCache/findContainer(_:)``) are confirmed by all of their bytes: containers whose first `]`
    /// or `}` is inside a string, sharing every byte up to it (one slot), or one a prefix of another,
    /// each read as a fresh scanner reads it, in either order, again and again.
    @Test func containersSharingTheirFirstBracketReadAsThemselves() throws {
        let head = "{\"id\":\"A-1\",\"kind\":\"contract\",\"source\":\"ilkha\","
        let term = "\"signedAt\":\"2026-01-01\",\"term\":{\"start\":\"2026-01-02\",\"end\":\"2026-12-31\"},"
        func doc(_ subscriber: String, _ duties: String, _ assets: String) -> [UInt8] {
            Array((head + "\"subscriber\":" + subscriber + "," + term + "\"grants\":[{\"assets\":" + assets
                   + ",\"actions\":[\"use\"],\"extent\":[\"whole\"],\"channels\":[\"all\"],\"territories\":[\"TR\"],"
                   + "\"duties\":" + duties + "}]}").utf8)
        }
        let subscribers = ["{\"id\":\"s-1\",\"name\":\"A}B\"}", "{\"id\":\"s-1\",\"name\":\"A}C\"}", "{\"id\":\"s-1\"}",
                           "{\"id\":\"s-1\",\"name\":\"A}\"}"]
        let duties = ["[{\"action\":\"attribute\",\"text\":\"x]y\"}]", "[{\"action\":\"attribute\",\"text\":\"x]z\"}]",
                      "[{\"action\":\"attribute\",\"text\":\"x]\"}]", "[]"]
        let assets = ["[\"text\"]", "[\"text\",\"photo\"]", "[\"photo\",\"text\"]", "[\"text\",\"text\"]"]
        var texts: [[UInt8]] = []
        for s in subscribers { for d in duties { for a in assets { texts.append(doc(s, d, a)) } } }
        #expect(texts.filter { Self.scan($0) != nil }.count >= texts.count / 2)
        var shared = AgreementScanner()
        for t in texts + texts.reversed() + texts {
            #expect(shared.scan(t) == Self.scan(t), "\(String(decoding: t, as: UTF8.self))")
        }
    }

    /// The cases of the strict reader's own table (errors and warnings) never scan to something else.
    @Test func strictCasesAreScannedIdenticallyOrDeclined() throws {
        let base = try NewsFixtures.json("base-agreement.json")
        for c in try NewsFixtures.json("agreement-cases.json").arrayValue ?? [] {
            var doc = base
            if let replace = c["replace"] { doc = replace }
            for (k, v) in c["patch"]?.objectValue ?? JSONObject() { doc = NewsFixtures.patched(doc, k, v) }
            let got = Self.check(Array(doc.serialized().utf8), c["name"]?.stringValue ?? "?")
            if !(c["expect"]?.arrayValue ?? []).isEmpty { #expect(got == nil) }
        }
    }

    /// Accepted agreements written back (`Agreement.json`, as the store keeps them) scan to themselves.
    @Test func storedDocumentsRoundTrip() throws {
        let list = try NewsFixtures.json("agreements.json").arrayValue ?? []
        #expect(!list.isEmpty)
        for v in list {
            guard let a = Agreement.parse(v).0 else { continue }
            let text = a.json.serialized()
            let fast = try #require(Self.check(Array(text.utf8), a.id), "declined: \(text)")
            #expect(fast == a)
        }
    }

    /// Bytes the strict parser rejects (invalid UTF-8, trailing data, truncation) are declined.
    @Test func malformedBytesAreDeclined() throws {
        let text = try NewsFixtures.json("base-agreement.json").serialized()
        var bytes = Array(text.utf8)
        #expect(Self.scan(bytes) != nil)
        #expect(Self.scan(bytes + Array(" {}".utf8)) == nil)
        #expect(Self.scan(Array(bytes.dropLast())) == nil)
        // `İ` (C4 B0) of İLKHA turned into an invalid sequence.
        let k = try #require(bytes.firstIndex(of: 0xC4))
        bytes[k + 1] = 0x28
        #expect(Self.scan(bytes) == nil)
        #expect(Self.strict(bytes).0 == nil)
    }

    /// The scanner's plain-decimal reading (`maxPortion`, session 9) gives the very bits `Double(String)`
    /// gives, on random decimals of every length and on the edges; and declines what it does not read.
    @Test func plainDecimalsReadAsDoubleReadsThem() {
        var rng = SplitMix(seed: 31_337)
        func read(_ t: String) -> Double? { Array(t.utf8).withUnsafeBufferPointer { AgreementScanner.plainDecimal($0) } }
        var texts = ["0", "1", "0.5", "0.25", "0.1", "0.3", "1.0", "0.000000000000000000001", "123456789012345", "0.123456789012345",
                     "9007199254740993", "0.1234567890123456", "1.00000000000000000000000"]
        for _ in 0..<3_000 {
            let whole = rng.next(3) == 0 ? String(rng.next(1_000_000)) : "0"
            let fraction = String((0..<(1 + rng.next(16))).map { _ in Character(String(rng.next(10))) })
            texts.append(rng.next(5) == 0 ? whole : whole + "." + fraction)
        }
        for t in texts {
            if let d = read(t) { #expect(d.bitPattern == Double(t)?.bitPattern, "\(t)") }
        }
        #expect(read("0.25") == 0.25)
        for declined in ["", ".", "1.", ".5", "-0.5", "1e3", "0.5.5", "1234567890123456", "0.12345678901234567890123"] {
            #expect(read(declined) == nil, "\(declined)")
        }
    }
}
