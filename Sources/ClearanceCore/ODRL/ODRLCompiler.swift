/// Turns validated ``ODRLPolicy`` values into the engine's compiled form: interned actions,
/// inherited policy-level properties resolved, right operands parsed once.
struct Compiler {
    var table = ActionTable()
    /// The shared interning table, and what this set adds to it (left operands, texts).
    let terms: ODRLTerms
    var localSlots: [String: Int] = [:]
    var localSlotNames: [String] = []
    var localTexts: [String: Int32] = [:]
    /// Constraint lists already compiled in this policy, by the list's storage: a compiled agreement
    /// gives each action of a grant a rule sharing one constraint array, and compiling a territory
    /// list interns hundreds of IRIs. (Keyed by identity: hashing the contents cost as much.)
    var lists: [UnsafeRawPointer: [CompiledConstraint]] = [:]

    init(terms: ODRLTerms = .empty) { self.terms = terms }

    /// Slot of a left operand key: the shared terms', else a slot of this set's own.
    mutating func slot(_ key: String) -> Int {
        if let s = terms.slots[key] ?? localSlots[key] { return s }
        let s = terms.slotCount + localSlotNames.count
        localSlots[key] = s
        localSlotNames.append(key)
        return s
    }

    /// Id of a text: the shared terms', else one of this set's own.
    mutating func textID(_ s: String) -> Int32 {
        if let id = terms.texts[s] ?? localTexts[s] { return id }
        let id = Int32(terms.textCount + localTexts.count)
        localTexts[s] = id
        return id
    }
    /// Prefixes declared in the current policy's `@context` (`"clr": "urn:clearance:"`).
    var prefixes: [String: String] = [:]

    /// The prefixes a JSON-LD `@context` declares (objects inside it, or in an array of contexts).
    static func prefixes(of context: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        let items: [JSONValue] = context?.arrayValue ?? context.map({ [$0] }) ?? []
        for item in items {
            guard case .object(let o) = item else { continue }
            for (k, v) in o where !k.hasPrefix("@") {
                if let iri = v.stringValue ?? v["@id"]?.stringValue, iri.contains(":") { out[k] = iri }
            }
        }
        return out
    }

    /// An IRI with a declared prefix written out in full (`clr:channel:web` -> `urn:clearance:channel:web`).
    func expandIRI(_ s: String) -> String {
        if !prefixes.isEmpty, let colon = s.firstIndex(of: ":") {
            let prefix = String(s[..<colon])
            let rest = s[s.index(after: colon)...]
            if let ns = prefixes[prefix], !rest.hasPrefix("//") { return ns + rest }
        }
        return ODRLVocabulary.expand(s)
    }

    mutating func policy(_ p: ODRLPolicy, index: Int) -> CompiledPolicy {
        prefixes = Compiler.prefixes(of: p.extensions["@context"])
        lists.removeAll()  // compiled literals depend on the policy's prefixes
        let base = "#/policies/\(index)"
        return CompiledPolicy(
            ref: p.uid ?? base,
            conflict: p.conflictStrategy,
            grantsNothing: {
                switch ODRLPolicyType(term: p.type) {
                case .request: return "it belongs to a Request policy, which asks for it but grants nothing"
                case .assertion: return "it belongs to an Assertion policy, which states it but grants nothing"
                default: return nil
                }
            }(),
            permissions: p.permissions.enumerated().map { rule($1, policy: p, pointer: "\(base)/permission/\($0)", topLevel: true) },
            prohibitions: p.prohibitions.enumerated().map { rule($1, policy: p, pointer: "\(base)/prohibition/\($0)", topLevel: true) },
            obligations: p.obligations.enumerated().map { rule($1, policy: p, pointer: "\(base)/obligation/\($0)", topLevel: true) })
    }

    mutating func rule(_ r: ODRLRule, policy p: ODRLPolicy, pointer: String, topLevel: Bool) -> CompiledRule {
        let action = r.actions.first ?? (topLevel ? p.actions.first : nil)
        let actionName = action?.canonicalName
        let targets = !r.targets.isEmpty ? r.targets : (topLevel && !p.targets.isEmpty ? p.targets : [])
        let assignees = !r.assignees.isEmpty ? r.assignees : (topLevel && !p.assignees.isEmpty ? p.assignees : [])
        var summary = "\(r.kind.rawValue) to \(action.map { ODRLVocabulary.shortName($0.name) } ?? "do anything")"
        if !targets.isEmpty { summary += " " + targets.compactMap(\.uid).map { "`\($0)`" }.joined(separator: " or ") }
        if !assignees.isEmpty { summary += " for " + assignees.compactMap(\.uid).map { "`\($0)`" }.joined(separator: " or ") }
        return CompiledRule(
            ref: r.uid ?? pointer,
            kind: r.kind,
            action: actionName.map { table.intern($0) },
            actionName: actionName ?? "",
            actionRefinements: (action?.refinements ?? []).map { constraint($0) },
            targets: targets.isEmpty ? nil : targets.map { entity($0) },
            assignees: assignees.isEmpty ? nil : assignees.map { entity($0) },
            constraints: constraintList(r.constraints),
            duties: r.duties.enumerated().map { rule($1, policy: p, pointer: "\(pointer)/duty/\($0)", topLevel: false) },
            consequences: r.consequences.enumerated().map { rule($1, policy: p, pointer: "\(pointer)/consequence/\($0)", topLevel: false) },
            summary: summary)
    }

    mutating func entity(_ e: ODRLEntity) -> CompiledEntity {
        let expanded = e.uid.map(expandIRI).flatMap { $0 == e.uid ? nil : $0 }
        // Member checks compare ids: an entity's names are interned like right operand texts.
        let uidID = textID(e.uid ?? "")
        let expandedID = expanded.map { textID($0) } ?? -1
        let sourceID = e.source.map { textID($0) } ?? -1
        let shared = Int32(terms.textCount)
        return CompiledEntity(uid: e.uid ?? "", expanded: expanded, source: e.source, refinements: e.refinements.map { constraint($0) },
                              uidID: uidID, expandedID: expandedID, sourceID: sourceID,
                              local: uidID >= shared || expandedID >= shared || sourceID >= shared)
    }

    /// A rule's constraints, compiled once per distinct list (see `lists`). The policy being compiled
    /// holds every list alive, so a storage address cannot be reused for another list meanwhile.
    mutating func constraintList(_ list: [ODRLConstraint]) -> [CompiledConstraint] {
        guard let key = list.withUnsafeBufferPointer({ UnsafeRawPointer($0.baseAddress) }) else { return [] }
        if let done = lists[key] { return done }
        let compiled = list.map { constraint($0) }
        lists[key] = compiled
        return compiled
    }

    mutating func constraint(_ c: ODRLConstraint) -> CompiledConstraint {
        switch c {
        case .logical(let l):
            return .logical(l.op, l.operands.map { constraint($0) }, l.uid ?? l.op.rawValue)
        case .atomic(let a):
            // A long list (a territory list), or one of IRIs and numbers only (channels, extents, a
            // portion limit: vocabulary that repeats from policy to policy, unlike dates), compiled
            // with shared terms is shared per process: see SharedAtomics.
            let shareable = prefixes.isEmpty && terms.textCount > 0 && SharedAtomics.mayShare(a)
            if shareable, let kept = terms.sharedAtomics.get(a) { return .atomic(kept) }
            let lo = a.canonicalLeftOperand ?? a.leftOperand
            let op = a.knownOperator
            let domain = a.rightOperand.first.map { ValueDomain.of($0, leftOperand: lo, dataType: a.dataType) } ?? .text
            var values: [CompiledLiteral] = []
            for lit in a.rightOperand {
                if domain != .text, let n = domain.number(lit.lexical) { values.append(.number(n)); continue }
                let full = expandIRI(lit.lexical)
                if case .iri = lit, full != lit.lexical, full != ODRLVocabulary.expand(lit.lexical) {
                    values.append(.prefixed(full, compact: lit.lexical, id: textID(full), compactID: textID(lit.lexical)))
                    continue
                }
                let e = ODRLVocabulary.expand(lit.lexical)
                values.append(.text(e, id: textID(e)))
            }
            var unevaluable: String?
            if op == nil {
                unevaluable = "the operator `\(a.operatorTerm)` is an extension Clearance cannot evaluate"
            } else if a.rightOperand.isEmpty {
                unevaluable = "its right operand is a reference Clearance cannot resolve"
            } else if let op, op.isOrdering, domain == .text {
                unevaluable = "`\(a.rightOperand[0].lexical)` has no order Clearance can compare with"
            }
            let key = ODRLContext.key(lo)
            let c = CompiledAtomic(leftOperand: key, slot: slot(key), op: op, opTerm: a.operatorTerm, values: values,
                                   domain: domain, source: a, unevaluable: unevaluable)
            // Only a constraint that uses no slot or text id of this set's own is the same in every set.
            let sharedOnly = c.slot < terms.slotCount && values.allSatisfy {
                switch $0 {
                case .number: return true
                case .text(_, let id): return id < Int32(terms.textCount)
                case .prefixed: return false
                }
            }
            if shareable && sharedOnly { return .atomic(terms.sharedAtomics.keep(a, c)) }
            return .atomic(c)
        }
    }

    /// A right operand value for sentences: IPTC country IRIs as their code, ODRL terms by name.
    static func shortValue(_ l: ODRLLiteral) -> String {
        if case .iri(let i) = l {
            for prefix in ["http://cvx.iptc.org/iso3166-1a3/", "http://cvx.iptc.org/iso3166-1a2/", "http://cvx.iptc.org/iso4217a/"]
            where i.hasPrefix(prefix) { return String(i.dropFirst(prefix.count)) }
            return ODRLVocabulary.shortName(i)
        }
        return l.lexical
    }

    /// The constraint in words (`spatial isAnyOf [IQ, TR]`, `payAmount eq 5.00 (EUR)`): made only when a sentence needs it.
    static func text(_ a: ODRLAtomicConstraint) -> String {
        var text = "\(ODRLVocabulary.shortName(a.leftOperand)) \(ODRLVocabulary.shortName(a.operatorTerm)) \(shown(a))"
        if let u = a.unit { text += " (\(unitWords(u)))" }
        return text
    }

    /// The right operand and unit in words (`5.00 EUR`).
    static func valueText(_ a: ODRLAtomicConstraint) -> String {
        shown(a) + (a.unit.map { " " + unitWords($0) } ?? "")
    }

    static func shown(_ a: ODRLAtomicConstraint) -> String {
        var shown = a.rightOperand.map(Compiler.shortValue).joined(separator: ", ")
        if a.rightOperand.count > 1 { shown = "[\(shown)]" }
        if a.rightOperand.isEmpty, let ref = a.rightOperandReference { shown = "<\(ref)>" }
        return shown
    }

    static func unitWords(_ u: String) -> String {
        if u.hasPrefix("http://cvx.iptc.org/iso4217a/") { return String(u.dropFirst(29)) }
        let currencies = ["Euro": "EUR", "United_States_dollar": "USD", "Pound_sterling": "GBP", "Turkish_lira": "TRY"]
        let last = u.split(whereSeparator: { $0 == "/" || $0 == "#" }).last.map(String.init) ?? u
        return currencies[last] ?? last.replacingUnderscores
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
