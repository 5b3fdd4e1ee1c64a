import Foundation
import NoticeReader
import Testing

/// Our own notices, marked up: `[[…]]` around the words each expected rule must come from.
@Suite struct MarkedNoticeTests {
    struct Case: CustomStringConvertible, Sendable {
        let id: String
        let language: String
        let text: String
        let marks: [[Int]]
        let rules: [[String: AnyJSON]]
        let summary: [String: AnyJSON]
        let findings: [String]
        var description: String { id }
    }

    /// A JSON value that is Sendable and comparable, for expectations.
    enum AnyJSON: Sendable, Equatable {
        case s(String), n(Int), a([AnyJSON]), o([String: AnyJSON]), null
        init(_ v: Any) {
            switch v {
            case let x as String: self = .s(x)
            case let x as Int: self = .n(x)
            case let x as [Any]: self = .a(x.map(AnyJSON.init))
            case let x as [String: Any]: self = .o(x.mapValues(AnyJSON.init))
            default: self = .null
            }
        }
        var strings: [String] { if case .a(let a) = self { a.compactMap { if case .s(let s) = $0 { s } else { nil } } } else { [] } }
    }

    /// Strips `[[` `]]`, returning the text and the marked spans in Unicode scalar offsets.
    static func unmark(_ marked: String) -> (String, [[Int]]) {
        var out = String.UnicodeScalarView()
        var spans: [[Int]] = []
        var open: Int?
        let s = Array(marked.unicodeScalars)
        var i = 0
        while i < s.count {
            if i + 1 < s.count, s[i] == "[", s[i + 1] == "[" { open = out.count; i += 2; continue }
            if i + 1 < s.count, s[i] == "]", s[i + 1] == "]", let o = open { spans.append([o, out.count]); open = nil; i += 2; continue }
            out.append(s[i]); i += 1
        }
        return (String(out), spans)
    }

    static let cases: [Case] = {
        guard let raw = try? Fixture.json("marked-notices.json") as? [[String: Any]] else { return [] }
        return raw.map { r in
            let (text, marks) = unmark(r["text"] as? String ?? "")
            return Case(id: r["id"] as? String ?? "?", language: r["language"] as? String ?? "", text: text, marks: marks,
                        rules: (r["rules"] as? [[String: Any]] ?? []).map { $0.mapValues(AnyJSON.init) },
                        summary: (r["summary"] as? [String: Any] ?? [:]).mapValues(AnyJSON.init),
                        findings: r["findings"] as? [String] ?? [])
        }
    }()

    @Test func thereAreCases() { #expect(Self.cases.count >= 25) }

    @Test(arguments: cases)
    func readsTheMarkedRules(_ c: Case) {
        let reading = Fixture.reader.read(c.text)
        for exp in c.rules {
            guard case .n(let mark)? = exp["mark"], mark < c.marks.count, case .s(let kind)? = exp["kind"] else {
                Issue.record("\(c.id): bad expectation \(exp)"); continue
            }
            let span = c.marks[mark]
            let candidates = reading.rules.filter { $0.kind.rawValue == kind && $0.provenance.span == span }
            guard let rule = candidates.first else {
                Issue.record("\(c.id): no \(kind) rule from span \(span); got \(reading.rules.map { "\($0.kind.rawValue)\($0.provenance.span)" })")
                continue
            }
            if let u = exp["uses"] { #expect(Set(rule.uses) == Set(u.strings), "\(c.id) uses") }
            if let u = exp["lifters"] { #expect(Set(rule.lifters) == Set(u.strings), "\(c.id) lifters") }
            if let u = exp["prior"] { #expect(Set(rule.prior) == Set(u.strings), "\(c.id) prior") }
            if let u = exp["duties"] { #expect(Set(rule.duties) == Set(u.strings), "\(c.id) duties") }
            if let u = exp["assets"] { #expect(Set(rule.assets) == Set(u.strings), "\(c.id) assets") }
            if case .s(let l)? = exp["licence"] { #expect(rule.licence == l, "\(c.id) licence") }
            if case .a(let ls)? = exp["limits"] {
                let want = ls.compactMap { l -> UseLimit? in
                    guard case .o(let o) = l, case .s(let u)? = o["unit"], case .n(let v)? = o["value"] else { return nil }
                    return UseLimit(unit: u, value: v)
                }
                #expect(rule.limits == want, "\(c.id) limits")
            }
            #expect(rule.provenance.text == String(String.UnicodeScalarView(Array(c.text.unicodeScalars)[span[0]..<span[1]])), "\(c.id) provenance text")
        }
        let s = reading.summary
        for (k, v) in c.summary {
            switch (k, v) {
            case ("rightsHolder", .s(let h)): #expect(s.rightsHolder == h, "\(c.id) holder")
            case ("defaultRule", .s(let d)): #expect(s.defaultRule == d, "\(c.id) default")
            case ("language", .s(let l)): #expect(s.language == l, "\(c.id) language")
            case ("license", .null): #expect(s.license == nil, "\(c.id) licence")
            case ("license", .s(let l)): #expect(s.license == l, "\(c.id) licence")
            case ("duties", _): #expect(s.duties == v.strings, "\(c.id) duties")
            case ("permittedWith", _): #expect(s.permittedWith == v.strings, "\(c.id) permittedWith")
            case ("prohibitedUses", _): #expect(s.prohibitedUses == v.strings, "\(c.id) prohibitedUses")
            case ("excludedAssets", _): #expect(s.excludedAssets == v.strings, "\(c.id) excludedAssets")
            default: Issue.record("\(c.id): unknown summary expectation \(k)")
            }
        }
        for f in c.findings { #expect(reading.findings.contains { $0.code == f }, "\(c.id) finding \(f)") }
        // Zero widenings on our own notices too: a prohibition in the text never reads as permit by default.
        if c.rules.contains(where: { $0["kind"] == .s("prohibition") }) && !c.rules.contains(where: { $0["kind"] == .s("permission") || $0["kind"] == .s("licence") }) {
            #expect(s.defaultRule == "prohibit", "\(c.id) widens")
        }
    }

    /// Every use, lifter, duty and asset kind the lexicons carry has a marked case that reads it.
    @Test func everyRuleValueIsCovered() {
        var seen = Set<String>()
        for c in Self.cases {
            for r in c.rules { for k in ["uses", "lifters", "duties", "assets"] { for v in r[k]?.strings ?? [] { seen.insert("\(k).\(v)") } } }
            for k in ["duties"] { for v in c.summary[k]?.strings ?? [] { seen.insert("\(k).\(v)") } }
        }
        let all = ["uses.whole", "uses.partial", "uses.summary", "uses.translation", "uses.modification", "uses.archive", "uses.commercial",
                   "lifters.contract", "lifters.subscription", "lifters.license", "lifters.permission", "lifters.written-permission",
                   "duties.attribution", "duties.link", "duties.no-modification", "duties.tracking-pixel", "duties.voucher-copy",
                   "assets.text", "assets.photo", "assets.video", "assets.audio", "assets.graphics"]
        #expect(Set(all).subtracting(seen).isEmpty, "not covered: \(Set(all).subtracting(seen).sorted())")
    }

    /// Each required language, and every language a bundled pack reads, has marked cases.
    @Test func requiredLanguagesHaveCases() {
        let langs = Set(Self.cases.map(\.language))
        for l in ["ar", "tr", "kmr", "ckb", "en", "fa", "fr", "es", "de", "ru", "uz", "uz-Cyrl", "hy", "pt", "nl", "pl", "az", "id", "el", "ja", "hi", "ur", "th"] { #expect(langs.contains(l), "no marked case in \(l)") }
        for l in Fixture.reader.packs.lexicons.keys { #expect(langs.contains(l), "the `\(l)` pack has no marked case") }
    }
}
