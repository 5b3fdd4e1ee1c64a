/// Turns validated ``ODRLPolicy`` values into the engine's compiled form (``CompiledForm``): flat
/// records (rules, entities, constraints) with interned actions, slots and text ids, inherited
/// policy-level properties resolved, right operands parsed once; and the words traces need.
struct Compiler {
    /// The shared interning table (left operands, texts).
    let terms: ODRLTerms
    var form = CompiledForm()
    /// Constraint lists already compiled in this policy, by the list's storage -> their record range:
    /// a compiled agreement gives each action of a grant a rule sharing one constraint array (the
    /// rules then share one range, and the evaluator reuses the range's answer), and compiling a
    /// territory list interns hundreds of IRIs. (Keyed by identity: hashing the contents cost as much.)
    var lists: [UnsafeRawPointer: (Int32, Int32)] = [:]
    /// Entity lists already compiled in this policy, by the list's storage -> their range in `entityLists`
    /// (a policy-level assignee is every rule's: one entity, whose membership the evaluator checks once).
    var entityLists: [UnsafeRawPointer: (Int32, Int32)] = [:]

    /// This thread's front of `terms.sharedAtomics` (see ``CompilerFront``).
    let front: CompilerFront
    /// Whether to make the words (policy and rule refs, ``CompiledRule``s, entity words): a set that
    /// compiles them again on demand (``SetCore/init(_:options:terms:client:rebuildWords:)``) does not
    /// need them now. The records and the constraints' words (``CompiledAtomic``) are made either way.
    /// (callgrind, bench/PROFILE.md "prepare, session 7": the ref strings, a rule's JSON pointer and
    /// its duties' and the objects were ~15,000 instructions of a news agreement's compile.)
    var makeWords = true

    init(terms: ODRLTerms = .empty) {
        self.terms = terms
        front = CompilerFront.current
    }

    /// Slot of a left operand key: the shared terms', else a slot of this set's own.
    mutating func slot(_ key: String) -> Int {
        if let s = terms.slots[key] ?? form.localSlots[key] { return s }
        let s = terms.slotCount + form.localSlotNames.count
        form.localSlots[key] = s
        form.localSlotNames.append(key)
        return s
    }

    /// Id of a text: the shared terms', else one of this set's own.
    mutating func textID(_ s: String) -> Int32 {
        if let id = terms.texts[s] ?? form.localTexts[s] { return id }
        let id = Int32(terms.textCount + form.localTexts.count)
        form.localTexts[s] = id
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

    /// Compiles `policies`: the top-level rules' records first (in flat order), then everything else.
    mutating func compile(_ policies: [ODRLPolicy]) -> CompiledForm {
        var flatStart: [Int] = []
        var n = 0
        for p in policies {
            flatStart.append(n)
            n += p.permissions.count + p.prohibitions.count
        }
        form.flatCount = n
        form.rules = [RuleRecord](repeating: RuleRecord(), count: n)
        if makeWords { form.ruleRefs = [String](repeating: "", count: n) }
        for (i, p) in policies.enumerated() {
            let words = policy(p, index: i, flat: flatStart[i])
            if makeWords { form.policies.append(words) }
        }
        return form
    }

    /// Compiles one policy (its top-level rules into the records from `flat` on) and returns its words.
    mutating func policy(_ p: ODRLPolicy, index: Int, flat: Int) -> CompiledPolicy {
        prefixes = Compiler.prefixes(of: p.extensions["@context"])
        lists.removeAll()  // compiled literals depend on the policy's prefixes
        entityLists.removeAll()
        let base = makeWords ? "#/policies/\(index)" : ""
        let grantsNothing: String? = {
            switch ODRLPolicyType(term: p.type) {
            case .request: return "it belongs to a Request policy, which asks for it but grants nothing"
            case .assertion: return "it belongs to an Assertion policy, which states it but grants nothing"
            default: return nil
            }
        }()
        // Without words no pointer is made (a string per rule, and one per duty).
        func pointer(_ kind: String, _ k: Int) -> String { makeWords ? "\(base)/\(kind)/\(k)" : "" }
        var permissions: [CompiledRule] = []
        for (k, r) in p.permissions.enumerated() {
            let words = rule(r, policy: p, pointer: pointer("permission", k), topLevel: true, at: flat + k, grantsNothing: grantsNothing != nil)
            if let words { permissions.append(words) }
        }
        var prohibitions: [CompiledRule] = []
        for (k, r) in p.prohibitions.enumerated() {
            let words = rule(r, policy: p, pointer: pointer("prohibition", k), topLevel: true, at: flat + p.permissions.count + k,
                             grantsNothing: false)
            if let words { prohibitions.append(words) }
        }
        var obligations: [CompiledRule] = []
        for (k, r) in p.obligations.enumerated() {
            if let words = rule(r, policy: p, pointer: pointer("obligation", k), topLevel: true, at: nil, grantsNothing: false) {
                obligations.append(words)
            }
        }
        return CompiledPolicy(ref: p.uid ?? base, conflict: p.conflictStrategy, grantsNothing: grantsNothing,
                              permissions: permissions, prohibitions: prohibitions, obligations: obligations)
    }

    /// A new rule record (placeholder), returning its index.
    mutating func newRule() -> Int {
        form.rules.append(RuleRecord())
        if makeWords { form.ruleRefs.append("") }
        return form.rules.count - 1
    }

    /// Compiles `r` into the record at `index` (a new one when nil) and returns its words (nil
    /// without ``makeWords``).
    mutating func rule(_ r: ODRLRule, policy p: ODRLPolicy, pointer: String, topLevel: Bool, at index: Int?,
                       grantsNothing: Bool) -> CompiledRule? {
        let at = index ?? newRule()
        let action = r.actions.first ?? (topLevel ? p.actions.first : nil)
        let actionName = action.flatMap { front.canonicalAction($0.name) }
        let targets = !r.targets.isEmpty ? r.targets : (topLevel && !p.targets.isEmpty ? p.targets : [])
        let assignees = !r.assignees.isEmpty ? r.assignees : (topLevel && !p.assignees.isEmpty ? p.assignees : [])
        var rec = RuleRecord()
        rec.kind = r.kind
        rec.grantsNothing = grantsNothing
        rec.action = actionName.map { form.table.intern($0) } ?? -1
        (rec.refine, rec.refineCount) = constraintList(action?.refinements ?? [])
        if !targets.isEmpty { (rec.targets, rec.targetCount) = entityList(targets) }
        if !assignees.isEmpty { (rec.assignees, rec.assigneeCount) = entityList(assignees) }
        (rec.cons, rec.consCount) = constraintList(r.constraints)
        // Duties are contiguous records (the evaluator walks a range): reserve them, then compile each.
        let dutyStart = form.rules.count
        for _ in r.duties { _ = newRule() }
        var duties: [CompiledRule] = []
        for (k, d) in r.duties.enumerated() {
            let words = rule(d, policy: p, pointer: makeWords ? "\(pointer)/duty/\(k)" : "", topLevel: false, at: dutyStart + k,
                             grantsNothing: false)
            if let words { duties.append(words) }
        }
        rec.duties = Int32(dutyStart)
        rec.dutyCount = Int32(r.duties.count)
        var consequences: [CompiledRule] = []
        for (k, c) in r.consequences.enumerated() {
            let words = rule(c, policy: p, pointer: makeWords ? "\(pointer)/consequence/\(k)" : "", topLevel: false, at: nil,
                             grantsNothing: false)
            if let words { consequences.append(words) }
        }
        form.rules[at] = rec
        guard makeWords else { return nil }
        let ref = r.uid ?? pointer
        form.ruleRefs[at] = ref
        return CompiledRule(ref: ref, kind: r.kind, actionName: actionName ?? "", actionWritten: action?.name, record: Int32(at),
                            duties: duties, consequences: consequences)
    }

    /// A list of entities, compiled once per distinct list (see `entityLists`): (start, count) in `entityLists`.
    mutating func entityList(_ list: [ODRLEntity]) -> (Int32, Int32) {
        let key = list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        if let key, let done = entityLists[key] { return done }
        let range = (Int32(form.entityLists.count), Int32(list.count))
        let first = form.entities.count
        // A list met on this thread before (compiled with the shared terms' ids alone, no refinement)
        // has the same records in every set: copied, not compiled (see CompilerFront; an asset-kind
        // target list was ~2,600 instructions an entity: IRI expansion and three text look-ups).
        let withTerms = prefixes.isEmpty && terms.textCount > 0
        if withTerms, let kept = front.entities(list, in: terms.sharedAtomics) {
            form.entities += kept.records
            if makeWords { form.entityWords += kept.words }
        } else {
            var words: [CompiledEntity] = []
            for e in list { words.append(entity(e)) }
            if makeWords { form.entityWords += words }
            let records = Array(form.entities[first...])
            if withTerms, list.allSatisfy({ $0.refinements.isEmpty }), records.allSatisfy({ !$0.local && $0.refineCount == 0 }) {
                front.remember(CompilerFront.Entities(list: list, records: records, words: words), in: terms.sharedAtomics)
            }
        }
        form.entityLists += (first ..< form.entities.count).map { Int32($0) }
        if let key { entityLists[key] = range }
        return range
    }

    /// Compiles one asset or party into a new entity record; returns its words (the caller keeps them
    /// with ``makeWords``, index for index with the records).
    mutating func entity(_ e: ODRLEntity) -> CompiledEntity {
        let expanded = e.uid.map(expandIRI).flatMap { $0 == e.uid ? nil : $0 }
        // Member checks compare ids: an entity's names are interned like right operand texts.
        var rec = EntityRecord()
        rec.uidID = textID(e.uid ?? "")
        rec.expandedID = expanded.map { textID($0) } ?? -1
        rec.sourceID = e.source.map { textID($0) } ?? -1
        let shared = Int32(terms.textCount)
        rec.local = rec.uidID >= shared || rec.expandedID >= shared || rec.sourceID >= shared
        (rec.refine, rec.refineCount) = constraintList(e.refinements)
        form.entities.append(rec)
        return CompiledEntity(uid: e.uid ?? "", named: e.uid != nil, expanded: expanded, source: e.source)
    }

    /// A list of constraints, compiled once per distinct list (see `lists`): its records are
    /// contiguous (a logical constraint's operands are laid out after them). The policy being compiled
    /// holds every list alive, so a storage address cannot be reused for another list meanwhile.
    mutating func constraintList(_ list: [ODRLConstraint]) -> (Int32, Int32) {
        if list.isEmpty { return (0, 0) }
        let key = list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        if let key, let done = lists[key] { return done }
        let start = form.constraints.count
        form.constraints.append(contentsOf: repeatElement(ConstraintRecord(), count: list.count))
        for (k, c) in list.enumerated() {
            let rec = constraint(c)
            form.constraints[start + k] = rec.record
            if let offset = rec.localIDs { form.localIDFixups.append((Int32(start + k), offset)) }
        }
        let range = (Int32(start), Int32(list.count))
        if let key { lists[key] = range }
        return range
    }

    /// One constraint's record, and the offset of its ids in the set's own id list (nil: none, or shared).
    mutating func constraint(_ c: ODRLConstraint) -> (record: ConstraintRecord, localIDs: Int32?) {
        switch c {
        case .logical(let l):
            var rec = ConstraintRecord()
            rec.op = ConstraintRecord.Op.of(l.op)
            (rec.slot, rec.atom) = constraintList(l.operands)
            return (rec, nil)
        case .atomic(let a):
            switch compileAtomic(a) {
            case .shared(let kept): return (adopt(kept), nil)
            case .own(var rec, let words, let ids):
                rec.atom = Int32(form.atomics.count)
                form.atomics.append(words)
                guard rec.flags & ConstraintRecord.allText != 0 else { return (rec, nil) }
                let offset = Int32(form.localIDs.count)
                form.localIDs += ids
                return (rec, offset)
            }
        }
    }

    /// An atomic constraint compiled: the process-wide shared form (``SharedAtomics``), or this
    /// set's own record (its `atom` not yet set), words and sorted ids (when `allText`).
    enum Atomic {
        case shared(SharedAtomics.Entry)
        case own(ConstraintRecord, CompiledAtomic, [Int32])
    }

    /// Compiles one atomic constraint (``constraint(_:)``'s atomic case): shared when it may be.
    mutating func compileAtomic(_ a: ODRLAtomicConstraint) -> Atomic {
        // A long list (a territory list), or one of IRIs and numbers only (channels, extents, a
        // portion limit: vocabulary that repeats from policy to policy, unlike dates), compiled
        // with shared terms is shared per process: see SharedAtomics.
        //
        // This thread's front of the shared table first (no lock, no hash of the constraint; see
        // CompilerFront): an entry there passed `mayShare` when it was kept.
        let withTerms = prefixes.isEmpty && terms.textCount > 0
        if withTerms, let kept = front.find(a, in: terms.sharedAtomics) { return .shared(kept) }
        let shareable = withTerms && SharedAtomics.mayShare(a)
        if shareable, let kept = terms.sharedAtomics.get(a) {
            front.remember(a, kept, in: terms.sharedAtomics)
            return .shared(kept)
        }
        let lo = a.canonicalLeftOperand ?? a.leftOperand
        let op = a.knownOperator
        let domain = a.rightOperand.first.map { ValueDomain.of($0, leftOperand: lo, dataType: a.dataType) } ?? .text
        var values: [CompiledLiteral] = []
        var ids: [Int32] = []
        var allText = !a.rightOperand.isEmpty
        for lit in a.rightOperand {
            if domain != .text, let n = domain.number(lit.lexical) {
                values.append(.number(n))
                allText = false
                continue
            }
            let full = expandIRI(lit.lexical)
            if case .iri = lit, full != lit.lexical, full != ODRLVocabulary.expand(lit.lexical) {
                let id = textID(full), compactID = textID(lit.lexical)
                values.append(.prefixed(full, compact: lit.lexical, id: id, compactID: compactID))
                ids.append(id)
                ids.append(compactID)
                continue
            }
            let e = ODRLVocabulary.expand(lit.lexical)
            let id = textID(e)
            values.append(.text(e, id: id))
            ids.append(id)
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
        let words = CompiledAtomic(leftOperand: key, op: op, values: values, domain: domain, source: a, unevaluable: unevaluable)
        var rec = ConstraintRecord()
        rec.slot = Int32(slot(key))
        rec.op = ConstraintRecord.Op.of(op)
        rec.domain = ConstraintRecord.domainCode(domain)
        if unevaluable != nil { rec.flags |= ConstraintRecord.unevaluable }
        if values.count == 1 { rec.flags |= ConstraintRecord.singleValue }
        if values.count == 1, case .number(let n) = values[0] {
            rec.number = n
            rec.flags |= ConstraintRecord.hasNumber
        }
        if allText {
            // Sorted: membership in a territory list is a binary search.
            ids.sort()
            rec.flags |= ConstraintRecord.allText
            rec.idCount = Int32(ids.count)
        }
        // Only a constraint that uses no slot or text id of this set's own is the same in every set.
        let sharedOnly = Int(rec.slot) < terms.slotCount && values.allSatisfy {
            switch $0 {
            case .number: return true
            case .text(_, let id): return id < Int32(terms.textCount)
            case .prefixed: return false
            }
        }
        if shareable && sharedOnly, let kept = terms.sharedAtomics.keep(a, words: words, record: rec, ids: allText ? ids : []) {
            front.remember(a, kept, in: terms.sharedAtomics)
            return .shared(kept)
        }
        return .own(rec, words, allText ? ids : [])
    }

    /// A shared constraint's record for this set: its ids stay the shared ones; its words get an index here.
    mutating func adopt(_ kept: SharedAtomics.Entry) -> ConstraintRecord {
        var rec = kept.record
        rec.atom = Int32(form.atomics.count)
        form.atomics.append(kept.words)
        return rec
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
