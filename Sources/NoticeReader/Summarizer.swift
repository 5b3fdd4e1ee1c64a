/// Boils rules down to the notice summary, deciding the default rule fail-closed.
enum Summarizer {
    static func overlaps(_ a: [String], _ b: [String]) -> Bool {
        a.isEmpty || b.isEmpty || !Set(a).isDisjoint(with: b)
    }

    /// Marks rules about assets the public permission leaves out, then summarises.
    ///
    /// The default is `permit` only when some public permission (or open licence) is not
    /// contradicted by a general prohibition on the same assets; anything else is `prohibit`.
    static func summarize(rules: inout [ReadRule], holder: String?, language: String, credit: String?, findings: Int) -> NoticeSummary {
        let publicPerms = rules.filter { $0.kind == .permission || $0.kind == .licence }
        var mediaSetApart = false
        for i in rules.indices where [.prohibition, .offer].contains(rules[i].kind) && !rules[i].assets.isEmpty {
            let a = Set(rules[i].assets)
            if publicPerms.contains(where: { !$0.assets.isEmpty && a.isDisjoint(with: $0.assets) }) { rules[i].excludedAssets = true }
            // "Materials may be used with the source named. Photo and video only under a contract": a public
            // permission for every kind, and a rule of another clause for media only, sets the media apart.
            // Never for text: a rule on the text itself is the notice's main rule and keeps the default.
            else if !a.contains("text"), publicPerms.contains(where: { $0.assets.isEmpty && $0.provenance.span != rules[i].provenance.span }) {
                rules[i].excludedAssets = true
                mediaSetApart = true
            }
        }
        let general = rules.filter { $0.kind == .prohibition && !$0.qualified && !$0.excludedAssets && !Set($0.uses).isDisjoint(with: ["whole", "partial"]) }
        let permit = publicPerms.contains { p in !general.contains { overlaps($0.assets, p.assets) } }

        var prohibited = Set<String>()
        var lifters = Set<String>()
        var duties = Set<String>()
        var assets = Set<String>()
        var excluded = Set<String>()
        var licence: String?
        var permitted: [PermittedUse] = []
        for r in rules {
            assets.formUnion(r.assets)
            switch r.kind {
            case .prohibition:
                if r.excludedAssets { excluded.formUnion(r.assets); continue }
                if !r.qualified { prohibited.formUnion(r.uses) }
                lifters.formUnion(r.lifters)
            case .offer:
                if !r.excludedAssets { lifters.formUnion(r.lifters) }
            case .licence:
                licence = licence ?? r.licence
                prohibited.formUnion(r.uses)
                duties.formUnion(r.duties)
            case .permission, .limitedPermission:
                duties.formUnion(r.duties)
                let lim = Dictionary(r.limits.map { ($0.unit, $0.value) }, uniquingKeysWith: { a, _ in a })
                permitted.append(PermittedUse(use: r.kind == .permission ? "use" : (r.uses.first == "summary" ? "summary" : "quote"),
                                              maxWords: lim["words"], maxParagraphs: lim["paragraphs"], maxPercent: lim["percent"],
                                              conditions: r.duties))
            case .duty:
                duties.formUnion(r.duties)
            case .reservation:
                break
            }
        }
        if lifters.contains("written-permission") { lifters.remove("permission") }
        if permit && prohibited.contains("modification") { duties.insert("no-modification") }
        let order = ["whole", "partial", "summary", "translation", "modification", "archive", "commercial"]
        let assetOrder = ["text", "photo", "video", "audio", "graphics"]
        return NoticeSummary(
            rightsHolder: holder,
            // A permission for every kind with media set apart covers "all" (the media are listed as excluded).
            assets: assets.isEmpty || mediaSetApart ? ["all"] : assetOrder.filter(assets.contains),
            defaultRule: permit ? "permit" : "prohibit",
            prohibitedUses: order.filter(prohibited.contains),
            permittedWith: ["contract", "subscription", "license", "permission", "written-permission"].filter(lifters.contains),
            duties: ["attribution", "link", "no-modification", "author-credit", "tracking-pixel", "voucher-copy"].filter(duties.contains),
            license: licence,
            permittedUses: permitted,
            excludedAssets: assetOrder.filter(excluded.contains),
            language: language,
            credit: credit,
            findings: findings)
    }
}
