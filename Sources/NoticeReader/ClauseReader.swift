/// A clause ready to read: its tokens, the concepts found in them, and where it came from.
struct ClauseInput {
    let tokens: [Token]
    let matches: [Match]
    let provenance: Provenance
    let text: NormalizedText
}

extension ClauseInput {
    /// The folded text of token `i`, built on demand (tokens keep only their span).
    func word(_ i: Int) -> String { NormalizedText.string(text.scalars[tokens[i].start..<tokens[i].end]) }
    /// Whether the token is the `©` sign.
    func isCopyrightSign(_ t: Token) -> Bool { t.end == t.start + 1 && text.scalars[t.start] == "©" }
}

/// Reads one clause into rules and findings; all language knowledge comes from the matches.
enum ClauseReader {
    static let specificUses: Set<String> = ["summary", "translation", "modification", "archive", "commercial"]

    static func read(_ c: ClauseInput) -> ([ReadRule], [Finding]) {
        let m = c.matches
        func has(_ concept: String) -> Bool { m.contains { $0.concept == concept } }
        func near(_ a: Match, _ concept: String, within: Int, before: Bool = true, after: Bool = true) -> Bool {
            m.contains { x in
                x.concept == concept && ((after && x.lo >= a.hi && x.lo - a.hi <= within) || (before && x.hi <= a.lo && a.lo - x.hi <= within))
            }
        }
        let span = c.provenance.span
        let even = has("even")
        var prohibit = has("prohibit") || has("noPart")
        if !prohibit {
            for n in m where n.concept == "neg" && near(n, "permit", within: 3, before: false) { prohibit = true }
        }
        let permit = has("permit") && !prohibit
        let requires = has("requires")

        // Uses and extents.
        var uses = Set<String>()
        var generic = false
        // Uses named by the modal verb itself (Turkish `kullanılamaz` "cannot be used").
        for x in m where x.concept == "use" || x.concept == "extent" || x.concept == "prohibit" || (x.concept == "permit" && !prohibit) {
            for v in x.values { if v == "generic" { generic = true } else { uses.insert(v) } }
        }
        for x in m where x.concept == "reserved" { uses.formUnion(x.values) }
        if has("noPart") { uses.formUnion(["whole", "partial"]) }
        for a in m where a.concept == "any" {
            if let next = m.first(where: { $0.lo >= a.hi }), next.lo - a.hi <= 1, next.concept == "use",
               next.value == "generic" || next.value == "whole" {
                uses.formUnion(["whole", "partial"])
            }
        }
        // A bare "use" counts as copying the whole only when the clause itself prohibits.
        if generic && uses.isEmpty && prohibit { uses.insert("whole") }

        // Assets, with those after "except" set aside.
        var assets = Set<String>()
        var excepted = Set<String>()
        for x in m where x.concept == "asset" {
            if near(x, "except", within: 2, after: false) { excepted.formUnion(x.values) } else { assets.formUnion(x.values) }
        }

        // What lifts a prohibition; "written" next to a permission makes it written-permission.
        var lifters = Set<String>()
        var prior = Set<String>()
        for x in m where x.concept == "lifter" {
            // In scripts written without spaces a token is one character: "事前の書面による許諾" spans more tokens.
            let reach = x.lo < c.tokens.count && Tokenizer.isUnspaced(c.text.scalars[c.tokens[x.lo].start]) ? 8 : 3
            for var v in x.values {
                if v == "permission" && near(x, "written", within: reach) { v = "written-permission" }
                lifters.insert(v)
                if near(x, "prior", within: reach) { prior.insert(v) }
            }
        }
        var duties = Set(m.filter { $0.concept == "duty" }.flatMap { $0.values })
        var notes: [String] = []
        if even && !duties.isEmpty {
            notes.append("even with \(Order.sorted(duties, Order.duties).joined(separator: " or ")), the prohibition holds")
            duties = []
        }
        let limits = readLimits(c)
        let qualified = has("qualifier")

        func rule(_ kind: ReadRule.Kind, confidence: Double) -> ReadRule {
            var p = c.provenance
            p.confidence = (min(0.97, confidence * (0.6 + 0.4 * c.provenance.confidence)) * 100).rounded() / 100
            var r = ReadRule(kind, provenance: p)
            r.assets = Order.sorted(assets.subtracting(excepted), Order.assets)
            r.notes = notes
            r.qualified = qualified
            r.generic = generic
            return r
        }
        func finding(_ code: String, _ severity: String, _ msg: String) -> Finding {
            Finding(code: code, severity: severity, message: msg, span: span)
        }
        // Computed only when a finding quotes the clause: perf showed `short` (split and
        // join over Characters) at 4% of the notice bench when it was built for every clause.
        var quoted: String { "`\(short(c.provenance.text))`" }

        // An open licence decides the clause.
        if let lic = m.first(where: { $0.concept == "licence" && ($0.value == "cc" || $0.value == "cc0") }) {
            var r = rule(.licence, confidence: 0.9)
            let (id, els) = readLicence(c, from: lic)
            r.licence = id
            if els.contains("by") { duties.insert("attribution") }
            if els.contains("nd") { r.uses.append("modification"); duties.insert("no-modification") }
            if els.contains("nc") { r.uses.append("commercial") }
            r.duties = Order.sorted(duties, Order.duties)
            var f: [Finding] = []
            if id == nil {
                r.provenance.confidence = 0.5
                r.notes.append("open licence named without its variant: conditions unknown")
                f.append(finding("licence_variant_unknown", "warning", "an open licence is named without its variant in \(quoted); review its conditions"))
            }
            return ([r], f)
        }
        if has("reservesRight") {
            return ([], [finding("conditional_clause", "info", "the holder reserves a right it may use later in \(quoted); no rule read")])
        }

        if prohibit || (requires && !lifters.isEmpty) {
            if lifters.isEmpty && !duties.isEmpty && has("without") && !even {
                // "may not be used without citing the source": a permission with duties.
                let partialOnly = !uses.isEmpty && uses.isSubset(of: ["partial"])
                var r = rule(partialOnly || !limits.isEmpty ? .limitedPermission : .permission, confidence: 0.75)
                r.uses = (uses.isEmpty ? ["whole", "partial"] : Order.sorted(uses, Order.uses))
                r.duties = Order.sorted(duties, Order.duties)
                r.limits = limits
                return ([r], [])
            }
            guard !uses.isEmpty || generic else {
                return ([], [finding("unmapped_clause", "warning", "a prohibition whose object the reader cannot name in \(quoted); everything stays prohibited unless agreed")])
            }
            var r = rule(.prohibition, confidence: generic && uses == ["whole"] ? 0.8 : 0.92)
            r.uses = Order.sorted(uses, Order.uses)
            r.lifters = Order.sorted(lifters, Order.lifters)
            r.prior = Order.sorted(prior, Order.lifters)
            return ([r], [])
        }

        if permit || (has("limitMax") && !limits.isEmpty) {
            if !lifters.isEmpty && limits.isEmpty {
                // "permitted only with the editors' permission" is a prohibition lifted by it.
                var r = rule(.prohibition, confidence: 0.85)
                r.uses = Order.sorted(uses, Order.uses)
                r.generic = r.generic || uses.isEmpty
                r.lifters = Order.sorted(lifters, Order.lifters)
                r.prior = Order.sorted(prior, Order.lifters)
                return ([r], [])
            }
            var out: [ReadRule] = []
            var restricted = negatedUses(c)
            // "for non-commercial purposes", "no derivatives" outside a licence name restrict the permission.
            if m.contains(where: { $0.concept == "licence" && $0.value == "nc" }) { restricted.insert("commercial") }
            if m.contains(where: { $0.concept == "licence" && $0.value == "nd" }) { restricted.insert("modification") }
            let granted = uses.subtracting(restricted)
            if !limits.isEmpty || (!granted.isEmpty && granted.isSubset(of: ["partial", "summary"])) {
                var r = rule(.limitedPermission, confidence: 0.85)
                r.uses = granted.isEmpty ? ["partial"] : Order.sorted(granted, Order.uses)
                r.limits = limits
                r.duties = Order.sorted(duties, Order.duties)
                out.append(r)
                if !lifters.isEmpty {
                    var o = rule(.offer, confidence: 0.85)
                    o.lifters = Order.sorted(lifters, Order.lifters)
                    o.prior = Order.sorted(prior, Order.lifters)
                    out.append(o)
                }
            } else if !granted.isEmpty || generic || has("free") {
                var r = rule(.permission, confidence: 0.85)
                r.uses = granted.isEmpty ? ["whole", "partial"] : Order.sorted(granted, Order.uses)
                r.duties = Order.sorted(duties, Order.duties)
                out.append(r)
            } else {
                return ([], [finding("unmapped_clause", "warning", "a permission whose use the reader cannot name in \(quoted); not read as a permission")])
            }
            if !restricted.isEmpty {
                var r = rule(.prohibition, confidence: 0.85)
                r.uses = Order.sorted(restricted, Order.uses)
                r.qualified = false
                out.append(r)
            }
            return (out, [])
        }

        if has("reserved") || has("ownership") || has("holderBefore") || has("holderAfter") || has("copyright") {
            var out: [ReadRule] = [rule(.reservation, confidence: 0.95)]
            let reservedUses = Set(m.filter { $0.concept == "reserved" }.compactMap { $0.value })
            if !reservedUses.isEmpty {
                var r = rule(.prohibition, confidence: 0.9)
                r.uses = Order.sorted(reservedUses, Order.uses)
                out.append(r)
            }
            if !lifters.isEmpty {
                var o = rule(.offer, confidence: 0.7)
                o.lifters = Order.sorted(lifters, Order.lifters)
                out.append(o)
            }
            return (out, [])
        }
        if !lifters.isEmpty && !even {
            var o = rule(.offer, confidence: 0.75)
            o.lifters = Order.sorted(lifters, Order.lifters)
            o.prior = Order.sorted(prior, Order.lifters)
            return ([o], [])
        }
        if !duties.isEmpty && (has("obligation") || has("condition")) {
            var r = rule(.duty, confidence: 0.8)
            r.duties = Order.sorted(duties, Order.duties)
            return ([r], [])
        }
        let meaningful = m.contains { !["number", "agency", "of", "any", "neg", "holderEnd"].contains($0.concept) }
        if meaningful {
            return ([], [finding("unmapped_clause", "warning", "the reader recognises words but no rule in \(quoted)")])
        }
        return ([], [finding("unrecognised_clause", "info", "no rights language recognised in \(quoted)")])
    }

    /// Specific uses under a negation or "without" inside a permission ("provided no changes are made").
    static func negatedUses(_ c: ClauseInput) -> Set<String> {
        var out = Set<String>()
        let m = c.matches
        for (k, n) in m.enumerated() where n.concept == "neg" || n.concept == "without" {
            var seg: [Match] = []
            for x in m[(k + 1)...] {
                if x.concept == "neg" || x.concept == "without" || x.concept == "lifter" || x.concept == "duty" { break }
                if x.lo - n.hi > 6 { break }
                seg.append(x)
            }
            let specific = seg.filter { $0.concept == "use" && specificUses.contains($0.value ?? "") }.compactMap { $0.value }
            out.formUnion(specific)
        }
        return out
    }

    /// Numeric limits: a number (digits or a number word) followed within three tokens by a unit.
    static func readLimits(_ c: ClauseInput) -> [UseLimit] {
        var out: [UseLimit] = []
        let m = c.matches
        for (k, x) in m.enumerated() where x.concept == "number" || x.concept == "num" {
            guard let raw = x.value, let n = Int(raw), n > 0, n < 1_000_000 else { continue }
            for y in m[(k + 1)...].prefix(3) where y.concept == "unit" && y.lo - x.hi <= 3 {
                if let u = y.value, !out.contains(where: { $0.unit == u }) { out.append(UseLimit(unit: u, value: n)) }
                break
            }
        }
        return out
    }

    /// A Creative Commons licence id from the elements after its name, or nil when no variant is named.
    static func readLicence(_ c: ClauseInput, from lic: Match) -> (String?, Set<String>) {
        if lic.value == "cc0" { return ("CC0-1.0", []) }
        var els = Set<String>()
        var version: String?
        var jurisdiction: String?
        let after = c.matches.filter { $0.lo >= lic.hi && $0.lo - lic.hi <= 10 }
        for x in after {
            switch (x.concept, x.value) {
            case ("licence", let v?) where ["by", "nc", "nd", "sa"].contains(v): els.insert(v)
            case ("duty", "attribution"): els.insert("by")
            case ("duty", "no-modification"): els.insert("nd")
            case ("number", let v?) where version == nil && v.contains("."):
                version = v
                if x.hi < c.tokens.count {
                    let t = c.word(x.hi)
                    if ccPorts.contains(t) { jurisdiction = t.uppercased() }
                }
            default: break
            }
        }
        guard !els.isEmpty else { return (nil, els) }
        els.insert("by")
        var id = "CC-" + ["by", "nc", "nd", "sa"].filter { els.contains($0) }.map { $0.uppercased() }.joined(separator: "-")
        if let version { id += "-" + version }
        if let jurisdiction, version != nil { id += "-" + jurisdiction }
        return (id, els)
    }

    static let ccPorts: Set<String> = ["de", "at", "ch", "fr", "es", "it", "nl", "pl", "br", "ar", "us", "uk", "jp", "tr", "ru", "cl", "mx", "pt", "au", "ca", "ie", "se", "no", "fi", "dk", "be", "cz", "gr", "hr", "hu", "ro", "rs", "za", "kr", "tw", "cn", "hk", "sg", "my", "ph", "th", "nz", "il", "in", "ec", "pe", "co", "cr", "gt", "pr", "ve", "lu", "ug", "mk", "mt", "si", "sk", "ee", "lt", "lv", "bg"]

    static func short(_ s: String) -> String {
        // Most clauses are one short line: no need to split, join and count Characters.
        var n = 0
        var plain = true
        for u in s.unicodeScalars {
            n += 1
            if n > 80 || (0x0A...0x0D).contains(u.value) || u.value == 0x85 || u.value == 0x2028 || u.value == 0x2029 { plain = false; break }
        }
        if plain { return s }
        let flat = n > 80 && !s.unicodeScalars.contains(where: { (0x0A...0x0D).contains($0.value) || $0.value == 0x85 || $0.value == 0x2028 || $0.value == 0x2029 })
            ? s : s.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        // Count Characters only up to 81: the clause may be long.
        guard let cut = flat.index(flat.startIndex, offsetBy: 80, limitedBy: flat.endIndex), cut < flat.endIndex else { return flat }
        return String(flat.prefix(77)) + "…"
    }
}
