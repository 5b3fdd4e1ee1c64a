/// Judges usage events one at a time, in time order, and says what was wrong with each.
///
/// Pure and streaming: no I/O, no clock; memory grows only with the quota counters of the
/// periods in play. Each event is decided by the same news decider `check` uses, at the
/// event's own time (`request.at`), so an amendment effective in June does not excuse a use
/// in May. On top of the decision the auditor adds what only a log can show:
///
/// - duties against the evidence: a required credit line missing or different
///   (`missing_attribution`), a required link absent (`missing_link`);
/// - quotas counted in time order across the ledger and the log, per agreement, grant and
///   period: the use that goes over is the `quota_exceeded` finding.
public struct Auditor {
    /// A stand-in decider that words every decision: a request (with its `at`) and the uses counted
    /// so far in, a decision out (the tests' hand-written decider).
    ///
    /// The decider judges with the agreement versions in force at `request.at` and asks the
    /// counter for the uses already made in a quota window; a use over the quota is its
    /// `quota_exceeded` deny.
    ///
    /// It throws only for a problem of the setup (a broken policy file, an agreement that does not
    /// compile): the audit then stops, since every later judgement would be wrong too.
    public typealias Decide = (RepublicationRequest, AuditUsage) throws(DiagnosticError) -> NewsDecision
    /// The news decider for a request: the notice of its source and the versions in force at
    /// `request.at` of its subscriber's agreements with it (throws as ``Decide`` does).
    public typealias DeciderFor = (RepublicationRequest) throws(DiagnosticError) -> NewsDecider
    /// Like ``DeciderFor``, the decider behind one reference (see ``DeciderRef``): what the audit's book keeps.
    public typealias DeciderRefFor = (RepublicationRequest) throws(DiagnosticError) -> DeciderRef
    /// The version of an agreement in force at an instant (nil if none).
    public typealias AgreementAsOf = (_ id: String, _ at: Instant) -> Agreement?

    /// How the auditor decides: through the news decider's facts (``NewsDecider/evaluate(_:usage:memo:)``),
    /// asking for words only where a finding quotes them, or through a stand-in that words everything.
    private enum Judge {
        case words(Decide)
        case facts(DeciderRefFor, DecisionMemo)
    }

    private let judge: Judge
    private let agreementAsOf: AgreementAsOf
    /// Folded credit lines, remembered: a log shows the same few credits over and over.
    private let folds = CreditFolds()
    /// Uses counted per agreement, grant and period window.
    private var usage = AuditUsage()
    /// The latest event time seen, to drop counters of windows that have closed.
    private var latest: Int64?
    private var lastSweep: Int64?

    /// An auditor over a stand-in decider that words every decision, and the agreement versions it decides with.
    public init(decide: @escaping Decide, agreementAsOf: @escaping AgreementAsOf) {
        self.judge = .words(decide)
        self.agreementAsOf = agreementAsOf
    }

    /// An auditor over the news decider (the one `check` uses): each event is evaluated (the facts,
    /// nothing allocated), and only a finding's words are made — a denial's primary reason, a
    /// permit's duties. `memo` is the decider's scratch and memo: one per auditor, an auditor per thread.
    ///
    /// Why not `decide`: it words every reason, duty and remedy of every decision (`String`s and
    /// arrays), and the audit reads one message and a few codes of a denial and nothing of a
    /// permit but its duties. perf on the 1M audit put ~19% of all CPU in `decision` (the words).
    public init(deciderFor: @escaping DeciderFor, memo: DecisionMemo, agreementAsOf: @escaping AgreementAsOf) {
        self.init(deciderRefFor: { r throws(DiagnosticError) in DeciderRef(try deciderFor(r)) }, memo: memo, agreementAsOf: agreementAsOf)
    }

    /// Like ``init(deciderFor:memo:agreementAsOf:)``, each event's decider handed over behind one reference
    /// (the audit's book keeps them so: see ``DeciderRef``).
    public init(deciderRefFor: @escaping DeciderRefFor, memo: DecisionMemo, agreementAsOf: @escaping AgreementAsOf) {
        self.judge = .facts(deciderRefFor, memo)
        self.agreementAsOf = agreementAsOf
    }

    /// Where an event came from, for the evidence of a finding.
    public struct Origin: Sendable {
        public var file: String
        public var line: Int
        public init(file: String, line: Int) { self.file = file; self.line = line }
    }

    /// Quota counters currently held (for tests and the memory budget).
    public var quotaCounterCount: Int { usage.counts.count }

    /// Judges one event: its findings (empty when the use was covered and its duties met).
    ///
    /// A finding's words are made from the counters as the decision saw them (before the clock
    /// advances and a permitted use is counted), as when `decide` worded everything at once.
    public mutating func audit(_ event: UsageEvent, origin: Origin) throws(DiagnosticError) -> [Finding] {
        var findings: [Finding] = []
        try audit(event, origin: origin, into: &findings)
        return findings
    }

    /// Judges one event, writing its findings straight into `out` as compact JSON objects (exactly
    /// ``Finding/appendJSON(to:)``'s bytes): the decide workers of the `json` and `jsonl` reports.
    public mutating func audit(_ event: UsageEvent, origin: Origin, json out: FindingJSONOutput) throws(DiagnosticError) {
        var o = out
        try audit(event, origin: origin, into: &o)
    }

    private mutating func audit<Out: FindingOutput>(_ event: UsageEvent, origin: Origin, into out: inout Out) throws(DiagnosticError) {
        let req = event.request
        switch judge {
        case .words(let decide):
            let d = try decide(req, usage)
            if d.verdict == .deny { out.add(denial: denial(event, d, origin)) } else { dutyFindings(event, d.duties, origin, into: &out) }
            settle(req, d)
        case .facts(let deciderFor, let memo):
            // The decider is called through its reference (read in place, never copied: see ``DeciderRef``).
            let ref = try deciderFor(req)
            let e = ref.evaluate(req, usage: usage, memo: memo)
            switch e.basis {
            case .denied, .noPolicy:
                out.add(denial: denial(event, FactWords(ref: ref, evaluation: e, request: req, memo: memo, usage: usage), origin))
            case .agreement, .notice:
                dutyFindings(event, ref.duties(e), origin, into: &out)  // no array when nothing is owed
            }
            settle(req, ref, e)
        }
    }

    /// Counts a stored (ledger) event toward its quota, without judging it.
    public mutating func count(_ event: UsageEvent) throws(DiagnosticError) {
        _ = try decideCounting(event.request)
    }

    /// The facts of a decision: what `usage import` stores with each use.
    public struct Facts: Sendable {
        /// Permit or deny.
        public var verdict: Verdict
        /// What a permit rests on (the agreement and grant, or the notice's public permission); nil on a deny.
        public var permittedBy: PermitBasis?
    }

    /// Decides with the counters as they stand, then counts a permitted use in its grant's window:
    /// the facts only (no words are made).
    ///
    /// `usage import` calls it, to store which agreement and grant each imported use falls under.
    public mutating func decideCounting(_ req: RepublicationRequest) throws(DiagnosticError) -> Facts {
        switch judge {
        case .words(let decide):
            let d = try decide(req, usage)
            settle(req, d)
            return Facts(verdict: d.verdict, permittedBy: d.permittedBy)
        case .facts(let deciderFor, let memo):
            let ref = try deciderFor(req)
            let e = ref.evaluate(req, usage: usage, memo: memo)
            settle(req, ref, e)
            return Facts(verdict: e.verdict, permittedBy: ref.permitBasis(e))
        }
    }

    /// After a worded decision: advances the clock, counts a permitted use in its grant's window.
    private mutating func settle(_ req: RepublicationRequest, _ d: NewsDecision) {
        advance(to: req.at)
        guard d.verdict == .permit, case .agreement(let id, let g)? = d.permittedBy, let a = agreementAsOf(id, req.at),
              g >= 0, g < a.grants.count, let quota = a.grants[g].quota else { return }
        countQuota(req, id: id, grant: g, quota: quota, term: a.term)
    }

    /// After an evaluation: the same. The permitting agreement is the decider's own (the version in
    /// force at `req.at`, as `agreementAsOf` would find it by id), read in place: no look-up, and no
    /// copy of the `Agreement` (perf: copying it, a retain per field, was ~5% of the 1M audit).
    private mutating func settle(_ req: RepublicationRequest, _ ref: DeciderRef, _ e: NewsEvaluation) {
        advance(to: req.at)
        guard let q = ref.quota(of: e) else { return }
        countQuota(req, id: q.id, grant: q.grant, quota: q.quota, term: q.term)
    }

    /// A `malformed_event` finding for a line that could not be read as a usage event.
    public static func malformed(file: String, line: Int, diagnostics: [Diagnostic], eventID: String?) -> Finding {
        let first = diagnostics.first
        var message = first.map { d -> String in
            guard let where_ = Auditor.pathInLine(d.location, line: line) else { return d.message }
            return d.message + " (at \(where_))"
        } ?? "the line is not a usage event"
        if diagnostics.count > 1 { message += "; and \(diagnostics.count - 1) more \(diagnostics.count == 2 ? "problem" : "problems")" }
        return Finding(
            code: .malformedEvent, message: message, file: file, line: line, event: eventID,
            clause: first?.code, remedy: first?.hint.map { "fix the line: \($0)" } ?? "fix the line, then audit again")
    }

    /// Where inside a line a diagnostic points: `line 7.asset.kind` -> `$.asset.kind`,
    /// `line 7, column \`kind\`` -> `column \`kind\``, `line 7, column 12` -> `column 12`; nil when it is the whole line.
    public static func pathInLine(_ location: String?, line: Int) -> String? {
        guard let location else { return nil }
        var rest = Substring(location)
        let prefix = "line \(line)"
        if rest.hasPrefix(prefix) { rest = rest.dropFirst(prefix.count) }
        if rest.hasPrefix(".") || rest.hasPrefix("[") { return "$" + rest }
        if rest.hasPrefix(", ") { rest = rest.dropFirst(2) }
        return rest.isEmpty ? nil : String(rest)
    }

    // MARK: - Denials

    /// The finding codes a decision reason maps to (unknown reasons fail closed as `unlicensed_use`).
    ///
    /// Looked up in a table made from ``mapCode(forReason:)`` over every name it maps, by length then
    /// by comparing the few names of that length: its `String` switch and `Finding.Code(rawValue:)`
    /// took ~2,100 instructions a reason in callgrind, a `[String: Code?]` hash lookup ~390 (a
    /// denial looks up each of its reasons' codes, two to five); this is inlined into the denial and
    /// no longer shows on its own. Names outside the table take the switch.
    static func code(forReason r: String) -> Finding.Code? {
        let n = r.utf8.count
        let table = Auditor.reasonCodes
        if n < table.count {
            for entry in table[n] where entry.name == r { return entry.code }
        }
        return mapCode(forReason: r)
    }

    /// `reasonCodes[n]`: the names of `n` UTF-8 bytes ``mapCode(forReason:)`` maps, with their codes.
    private static let reasonCodes: [[(name: String, code: Finding.Code?)]] = {
        let names = ["agreement_terminated", "no_agreement", "no_agreements", "not_covered", "prohibited", "notice_prohibits",
                     "portion_not_granted", "portion_exceeded", "max_portion_exceeded", "restriction", "restricted",
                     "embargo", "embargoed", "permitted", "public_permission", "public_permission_not_met"]
            + Finding.Code.allCases.map(\.rawValue)
        var t = Array(repeating: [(name: String, code: Finding.Code?)](), count: 1 + (names.map(\.utf8.count).max() ?? 0))
        for n in names where !t[n.utf8.count].contains(where: { $0.name == n }) {
            t[n.utf8.count].append((n, mapCode(forReason: n)))
        }
        return t
    }()

    private static func mapCode(forReason r: String) -> Finding.Code? {
        switch r {
        case "agreement_terminated": return .agreementExpired
        case "no_agreement", "no_agreements", "not_covered", "prohibited", "notice_prohibits": return .unlicensedUse
        case "portion_not_granted", "portion_exceeded", "max_portion_exceeded": return .extentNotGranted
        case "restriction", "restricted": return .restrictedUse
        case "embargo", "embargoed": return .embargoBreach
        default:
            if let c = Finding.Code(rawValue: r), c != .malformedEvent, !c.isDuty { return c }
            return nil
        }
    }

    private func denial<Words: DenialWords>(_ e: UsageEvent, _ d: Words, _ o: Origin) -> DenialFinding {
        // The reasons' codes and agreements, without words (a denial's finding words only its primary
        // reason, plus any reason that might be an identical copy of it: see `others`).
        let heads = d.heads()
        // Each reason's finding code, looked up once, in a stack buffer (no array per denial).
        return withUnsafeTemporaryAllocation(of: Finding.Code?.self, capacity: max(1, heads.count)) { codes in
            for k in heads.indices { codes[k] = Auditor.code(forReason: heads[k].code) }
            // Reasons by position (`k` into `heads`) with their codes: "the other reasons" are those at
            // other positions. (It compared whole `Reason`s, messages and quotes included, for each.)
            // The first reason naming an agreement decides the code; a notice-only deny is unlicensed use.
            var primary: (k: Int, code: Finding.Code)?
            var firstMapped: (k: Int, code: Finding.Code)?
            for k in heads.indices {
                guard let c = codes[k] else { continue }
                if firstMapped == nil { firstMapped = (k, c) }
                if c != .unlicensedUse && c != .noPolicy && heads[k].agreement != nil { primary = (k, c); break }
            }
            if primary == nil { primary = firstMapped }
            let code = primary?.code ?? .unlicensedUse
            let reasonIndex = primary?.k ?? (heads.isEmpty ? nil : 0)
            let reason = reasonIndex.flatMap { d.reason(at: $0) }
            // The other reasons the message lists: not the primary itself, nor an identical copy of it
            // (the old comparison by value: two reasons are equal only if their codes and agreements are,
            // so only such a reason is worded), each (agreement, code) once, in order (was a `Set` of
            // their joined texts: a code has no space, so equal texts are equal pairs).
            var mask: UInt64 = 0
            var list: [Int]? = heads.count > 64 ? [] : nil
            for k in heads.indices where k != primary?.k {
                guard let c = codes[k] else { continue }
                if let reason, heads[k].code == reason.code && heads[k].agreement == reason.agreement, d.reason(at: k) == reason {
                    continue
                }
                var repeated = false
                if let list {
                    repeated = list.contains { codes[$0] == c && heads[$0].agreement == heads[k].agreement }
                } else {
                    var m = mask
                    while m != 0 && !repeated {
                        let j = m.trailingZeroBitCount
                        repeated = codes[j] == c && heads[j].agreement == heads[k].agreement
                        m &= m &- 1
                    }
                }
                if repeated { continue }
                if list != nil { list?.append(k) } else { mask |= 1 << UInt64(k) }
            }
            return finish(e, o, d, code: code, reason: reason, heads: heads, mask: mask, list: list)
        }
    }

    /// The rest of a denial: the clause and quote of its agreement.
    private func finish<Words: DenialWords>(_ e: UsageEvent, _ o: Origin, _ d: Words, code: Finding.Code, reason: Reason?,
                                            heads: [ReasonHead], mask: UInt64, list: [Int]?) -> DenialFinding {
        let agreement = reason?.agreement
        let clause = Auditor.clause(for: code, agreement: agreement)
        var singleGrant = false
        var quote = reason?.quote
        // For a dimension a grant does not cover, the contract's own words say what it does cover.
        if let agreement, clause.hasPrefix("grants.") {
            if let g = d.grants(of: agreement) {
                singleGrant = g.count == 1
                if let words = g.firstClause { quote = words }
            } else if let a = agreementAsOf(agreement, e.request.at) {
                singleGrant = a.grants.count == 1
                if let words = a.grants.lazy.compactMap(\.clause).first { quote = words }
            }
        }
        return DenialFinding(event: e, origin: o, code: code, reason: reason, heads: heads, otherMask: mask, otherList: list,
                             clause: clause, singleGrant: singleGrant, quote: quote)
    }

    /// Which part of the agreement (or the notice) a code is about.
    static func clause(for code: Finding.Code, agreement: String?) -> String {
        guard agreement != nil else { return code == .noPolicy ? "policy" : "notice" }
        switch code {
        case .agreementExpired, .agreementNotStarted: return "term"
        case .notPriorSubscription: return "signedAt"
        case .assetNotGranted: return "grants.assets"
        case .actionNotGranted: return "grants.actions"
        case .extentNotGranted: return "grants.extent"
        case .channelNotGranted: return "grants.channels"
        case .territoryNotGranted: return "grants.territories"
        case .embargoBreach: return "grants.embargo"
        case .restrictedUse: return "restrictions"
        case .quotaExceeded: return "grants.quota"
        case .missingAttribution, .missingLink: return "grants.duties"
        default: return "grants"
        }
    }

    private func takeDown(_ e: UsageEvent) -> String {
        if let u = e.url { return "take down \(u)" }
        if let id = e.request.id { return "take down the use in event \(id)" }
        return "take down the use"
    }

    // MARK: - Quotas

    /// Counts a permitted use in the quota window of grant `g` of agreement `id` (the version that permitted it).
    private mutating func countQuota(_ req: RepublicationRequest, id: String, grant g: Int, quota: Quota, term: Term) {
        let w = quota.per.window(containing: req.at, term: term)
        usage.record(agreement: id, grant: g, from: w.start, to: w.end)
    }

    /// Drops counters of windows that ended a day or more before the latest event (time order is
    /// assumed; a day of slack tolerates slightly unordered logs).
    private mutating func advance(to at: Instant) {
        let ms = at.millisecondsSinceEpoch
        guard let l = latest else { latest = ms; lastSweep = ms; return }
        let now = max(l, ms)
        latest = now
        // Sweep at most once per simulated day (subtraction done in Double: no overflow on odd dates).
        guard Double(now) - Double(lastSweep ?? now) > 86_400_000 else { return }
        lastSweep = now
        let cutoff = now &- 86_400_000
        usage.drop(endingBefore: cutoff)
    }

    // MARK: - Duties

    private func dutyFindings<Out: FindingOutput>(_ e: UsageEvent, _ duties: [DecisionDuty], _ o: Origin, into out: inout Out) {
        guard !duties.isEmpty else { return }
        let r = e.request
        // Credits already checked: a grant owes one or two duties, so a list (a `Set<String>` cost ~1,600
        // instructions per permit with duties in callgrind, for one insert).
        var seenCredit: [String] = []
        var linkChecked = false
        for dd in duties {
            let who = dd.agreement ?? "the notice"
            switch dd.duty.action {
            case .attribute:
                guard let required = dd.duty.text, !seenCredit.contains(required) else { continue }
                seenCredit.append(required)
                if let shown = e.attribution, folds.matches(shown: shown, required: required) { continue }
                let msg: String
                if let shown = e.attribution, !shown.isEmpty {
                    msg = "the credit shown, `\(shown)`, is not the required `\(required)`"
                } else {
                    msg = "no credit line shown; `\(required)` is required"
                }
                out.add(Finding(
                    code: .missingAttribution, message: msg + " (\(who))", file: o.file, line: o.line, event: r.id,
                    url: e.url, at: r.at.auditText, subscriber: r.subscriber, source: r.source, asset: r.asset.id,
                    agreement: dd.agreement, clause: dd.agreement == nil ? "notice" : "grants.duties",
                    quote: "attribute: \(required)",
                    remedy: "show the credit line “\(required)”" + (e.url.map { " at \($0)" } ?? "") + ", or \(takeDown(e))",
                    expected: required, found: e.attribution))
            case .link:
                guard !linkChecked else { continue }
                linkChecked = true
                if e.link == true { continue }
                let target = dd.duty.url ?? "the source"
                out.add(Finding(
                    code: .missingLink,
                    message: (e.link == false ? "no link back to \(target)" : "no evidence of a link back to \(target) (`link` not given)") + " (\(who))",
                    file: o.file, line: o.line, event: r.id, url: e.url, at: r.at.auditText, subscriber: r.subscriber,
                    source: r.source, asset: r.asset.id, agreement: dd.agreement,
                    clause: dd.agreement == nil ? "notice" : "grants.duties",
                    quote: "link" + (dd.duty.url.map { ": \($0)" } ?? ""),
                    remedy: "add a link to \(target)" + (e.url.map { " at \($0)" } ?? "") + ", or \(takeDown(e))",
                    expected: dd.duty.url ?? "a link", found: e.link == false ? "no link" : nil))
            default:
                continue  // inform, compensate...: a usage log holds no evidence for these
            }
        }
    }

    /// Whether a credit line shown satisfies a required one: it contains it as whole words, ignoring
    /// case, punctuation and the Turkish dotted/dotless i (`İLKHA`, `Ilkha`, `Foto: İLKHA` all satisfy
    /// `İLKHA`; `IHA` and `İLKHABER` do not).
    public static func creditMatches(shown: String, required: String) -> Bool {
        let r = fold(required)
        guard !r.isEmpty else { return true }
        return (" " + fold(shown) + " ").contains(" " + r + " ")
    }

    /// Lowercases, removes the combining dot above and maps `ı` to `i`, keeping only letters and digits.
    static func fold(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.lowercased().unicodeScalars {
            if u.value == 0x307 { continue }
            if u.value == 0x131 { out.append("i"); continue }
            if u.properties.isAlphabetic || u.properties.numericType != nil { out.append(u) }
            else if out.last != " " { out.append(" ") }
        }
        return String(out).auditTrimmingBlanks()
    }
}

/// ``Auditor/creditMatches(shown:required:)`` with the folded texts remembered (bounded: emptied when full).
///
/// Folding lower-cases and filters Unicode scalars (~4,000 instructions a credit line); a usage log
/// repeats a handful of credits (`İLKHA`, `Foto: İLKHA`...) a million times.
final class CreditFolds {
    private var folded: [String: String] = [:]
    private let capacity = 4096

    func fold(_ s: String) -> String {
        if let f = folded[s] { return f }
        if folded.count >= capacity { folded.removeAll(keepingCapacity: true) }
        let f = Auditor.fold(s)
        folded[s] = f
        return f
    }

    /// The last pair asked about and its answer: a log shows the same credit for the same required one
    /// over and over, and `==` on the same small or shared string answers at once (two folded look-ups,
    /// each hashing its text, were ~1,500 instructions per permit with duties in callgrind).
    private var last: (shown: String, required: String, matches: Bool)?

    /// Same answer as ``Auditor/creditMatches(shown:required:)``.
    func matches(shown: String, required: String) -> Bool {
        if let last, last.shown == shown, last.required == required { return last.matches }
        let m = foldedMatch(shown: shown, required: required)
        last = (shown, required, m)
        return m
    }

    private func foldedMatch(shown: String, required: String) -> Bool {
        let r = fold(required)
        guard !r.isEmpty else { return true }
        let s = fold(shown)
        if s == r { return true }
        return (" " + s + " ").contains(" " + r + " ")
    }
}

/// The uses an audit has counted, per agreement, grant and quota window: the decider's ``UsageCounter``.
///
/// Filled in time order as the auditor goes (ledger events and permitted log events); a window's
/// counter is dropped once the window has closed, so memory stays bounded on any log length.
public struct AuditUsage: UsageCounter, Sendable {
    struct Key: Hashable, Sendable {
        var agreement: String
        var grant: Int
        var from: Int64
        var to: Int64
    }

    var counts: [Key: Int] = [:]

    public init() {}

    /// Uses counted under `grant` of `agreement` in exactly the window `[from, to)`.
    public func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int {
        counts[Key(agreement: agreement, grant: grant, from: from.millisecondsSinceEpoch, to: to.millisecondsSinceEpoch)] ?? 0
    }

    /// Counts one use in a window.
    public mutating func record(agreement: String, grant: Int, from: Instant, to: Instant) {
        counts[Key(agreement: agreement, grant: grant, from: from.millisecondsSinceEpoch, to: to.millisecondsSinceEpoch), default: 0] += 1
    }

    /// Forgets windows that ended before `cutoff` (milliseconds since the epoch).
    mutating func drop(endingBefore cutoff: Int64) {
        guard counts.count > 64 else { return }
        counts = counts.filter { $0.key.to > cutoff }
    }
}

/// A news decider behind one reference: what the audit's book keeps per (subscriber, source) and hands to
/// the auditor for each event. The auditor calls the decider through these methods.
///
/// Why: a `NewsDecider` is a struct of a dozen references (notice box, agreements, blocks, the territory
/// table's arrays...); handed back by value it was copied for every event, a retain and a release of each
/// field, and copied again into each denial's words (perf, 1M events at 30,000 agreements: `NewsDecider`
/// value witness `copy` 3.8% of all samples; audit session 7 in bench/PROFILE.md). Read through the reference
/// from outside (`ref.decider.evaluate(...)`), the compiler still copied it for each call (callgrind: 2.3
/// copies an event, more than before); inside a method of the reference, `self` is held for the call and
/// `decider` is a `let`, so it is read in place, as `check --batch`'s `DeciderBox` found. An event costs one
/// retain of the reference.
public final class DeciderRef: Sendable {
    public let decider: NewsDecider
    public init(_ decider: NewsDecider) {
        self.decider = decider
        assert(Self.deciderIsAtOffset(self), "DeciderRef.deciderOffset does not match where Swift put `decider`")
    }

    /// Bytes from an instance's address to its `decider`: Swift's object header (metadata pointer and reference counts,
    /// 16 bytes on 64-bit platforms), then the only stored property (as `check --batch`'s `DeciderBox`).
    static let deciderOffset = 16
    /// An instance's bytes: what ``AgreementBook/prefetch(_:subscriber:stage:ranges:)`` asks for.
    static let bytes = deciderOffset + MemoryLayout<NewsDecider>.size

    /// Whether `decider` is where ``deciderOffset`` says (checked on every instance in debug builds).
    private static func deciderIsAtOffset(_ r: DeciderRef) -> Bool {
        let at = UnsafeRawPointer(Unmanaged.passUnretained(r).toOpaque()) + deciderOffset
        return withUnsafePointer(to: r.decider) { mine in
            // The decider's first words (its notice box and agreement list references) are the same wherever it is read.
            UnsafeRawPointer(mine).load(as: UInt.self) == at.load(as: UInt.self)
                && (UnsafeRawPointer(mine) + 8).load(as: UInt.self) == (at + 8).load(as: UInt.self)
        }
    }

    @inline(__always)
    func evaluate(_ r: RepublicationRequest, usage: AuditUsage, memo: DecisionMemo) -> NewsEvaluation {
        decider.evaluate(r, usage: usage, memo: memo)
    }

    @inline(__always)
    func duties(_ e: NewsEvaluation) -> [DecisionDuty] { decider.duties(e) }

    @inline(__always)
    func permitBasis(_ e: NewsEvaluation) -> PermitBasis? { decider.permitBasis(e) }

    @inline(__always)
    func reasonHeads(_ e: NewsEvaluation, for r: RepublicationRequest, usage: AuditUsage) -> [ReasonHead] {
        decider.reasonHeads(e, for: r, usage: usage)
    }

    @inline(__always)
    func reason(at index: Int, of e: NewsEvaluation, for r: RepublicationRequest, usage: AuditUsage, memo: DecisionMemo) -> Reason? {
        decider.reason(at: index, of: e, for: r, usage: usage, memo: memo)
    }

    /// Of the version decided with of agreement `id`: its number of grants and the first grant clause's words.
    func grants(of id: String) -> (count: Int, firstClause: String?)? {
        // Read in place (`core.agreement`): the `agreement` accessor, and returning the `Agreement`,
        // copied the whole struct (a retain and a release per field).
        for k in decider.agreements.indices where decider.agreements[k].core.agreement.id == id {
            let grants = decider.agreements[k].core.agreement.grants
            for g in grants.indices { if let c = grants[g].clause { return (grants.count, c) } }
            return (grants.count, nil)
        }
        return nil
    }

    /// The quota of the grant a permit rests on (with its agreement's id and term), when that grant has one.
    func quota(of e: NewsEvaluation) -> (id: String, grant: Int, quota: Quota, term: Term)? {
        guard case .agreement(let k, let g) = e.basis else { return nil }
        let grants = decider.agreements[k].core.agreement.grants
        guard g >= 0, g < grants.count, let quota = grants[g].quota else { return nil }
        return (decider.agreements[k].core.agreement.id, g, quota, decider.agreements[k].core.agreement.term)
    }
}
