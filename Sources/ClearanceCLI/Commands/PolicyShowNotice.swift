import ClearanceCore
import Foundation
import NoticeReader

/// What `policy show` adds for a notice policy: each rule's source words, and the rule in the notice's language.
enum NoticeAnnotations {
    /// Rule descriptions with the reader's provenance in place of the raw `clr:provenance` JSON.
    static func describe(_ p: ODRLPolicy, packs: LanguagePacks?) -> [ODRLRuleDescription] {
        ODRLDescriber.describe(p) { rule, _ in lines(rule, packs: packs) }.map { d in
            var d = d
            d.notes.removeAll { $0.hasPrefix("source: ") }
            return d
        }
    }

    /// The notice heading: holder, language, default, findings.
    static func heading(_ p: ODRLPolicy) -> [String] {
        guard case .object(let n)? = p.extensions["clr:notice"] else { return [] }
        var out: [String] = []
        let holder = n["holder"]?.stringValue ?? "(holder not named)"
        out.append("Notice of \(holder) (\(n["language"]?.stringValue ?? "und")); without an agreement: \(n["defaultRule"]?.stringValue ?? "prohibit").")
        if case .array(let tr)? = n["translations"] {
            for t in tr { out.append("Also published in \(t["language"]?.stringValue ?? "?") with the same terms.") }
        }
        if case .array(let fs)? = n["findings"], !fs.isEmpty {
            out.append("Findings for review:")
            for f in fs { out.append("  - \(f["severity"]?.stringValue ?? "")[\(f["code"]?.stringValue ?? "")]: \(f["message"]?.stringValue ?? "")") }
        }
        return out
    }

    static func strings(_ v: JSONValue?) -> [String] {
        switch v {
        case .string(let s)?: [s]
        case .array(let a)?: a.compactMap(\.stringValue)
        default: []
        }
    }

    /// Lines under one rule: extent and lifters, then for each provenance its words and the rule in that language.
    static func lines(_ r: ODRLRule, packs: LanguagePacks?) -> [String] {
        var out: [String] = []
        let extent = strings(r.extensions["clr:extent"])
        let uses = strings(r.extensions["clr:uses"]).filter { !extent.contains($0) }
        let lifters = strings(r.extensions["clr:liftedBy"])
        let prior = Set(strings(r.extensions["clr:priorFor"]))
        if !extent.isEmpty { out.append("extent: \(extent.joined(separator: ", "))") }
        if !uses.isEmpty { out.append("uses: \(uses.joined(separator: ", "))") }
        if !lifters.isEmpty {
            out.append("lifted by: " + lifters.map { prior.contains($0) ? "a prior \($0)" : "a \($0)" }.joined(separator: " or "))
        }
        var provs: [JSONObject] = []
        switch r.extensions["clr:provenance"] {
        case .object(let o)?: provs = [o]
        case .array(let a)?: provs = a.compactMap(\.objectValue)
        default: break
        }
        for o in provs {
            let lang = o["language"]?.stringValue ?? "und"
            let span = (o["span"]?.arrayValue ?? []).compactMap(\.intValue)
            let conf = o["confidence"]?.doubleValue.map { " confidence \($0)" } ?? ""
            let spanText = span.count == 2 ? " [\(span[0]), \(span[1]))" : ""
            out.append("source words (\(lang)\(spanText)\(conf)): «\(o["text"]?.stringValue ?? "")»")
            if let pack = packs?.lexicons[lang]?.pack, lang != "en", let words = render(r, pack: pack, extent: extent, lifters: lifters, prior: prior) {
                out.append("in \(lang): \(words)")
            }
        }
        return out
    }

    /// The rule in a pack's own words (`render` table of the language pack); nil when the pack lacks the words.
    static func render(_ r: ODRLRule, pack: LanguagePack, extent: [String], lifters: [String], prior: Set<String>) -> String? {
        guard let w = pack.render else { return nil }
        let isProhibition = r.kind == .prohibition
        guard let head = w[isProhibition ? "prohibition" : "permission"] else { return nil }
        let assets = strings(r.extensions["clr:assets"]).compactMap { $0 == "all" ? nil : w[$0] }
        var s = head
        let ext = extent.compactMap { w[$0] }
        if !ext.isEmpty { s += ": " + ext.joined(separator: " \(w["or"] ?? "/") ") }
        if !assets.isEmpty { s += " — " + assets.joined(separator: pack.script == "Arab" ? "، " : ", ") }
        let lift = lifters.compactMap { l in
            w[l].map { word in prior.contains(l) ? (w["priorForm"] ?? "{x}").replacingOccurrences(of: "{x}", with: word) : word }
        }
        let joined = lift.joined(separator: " \(w["or"] ?? "/") ")
        if !lift.isEmpty, let unless = w["unless"] { s += " — \(unless) \(joined)" }
        if !lift.isEmpty, let after = w["unlessAfter"] { s += " — \(joined) \(after)" }
        return s
    }
}
