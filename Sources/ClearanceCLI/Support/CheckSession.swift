import ClearanceCore
import ClearanceStore
import Foundation

/// The current time as an ``Instant`` (the CLI is the only place that reads the clock).
func currentInstant() -> Instant {
    Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
}

/// Notice policies read from the policies folder once per source and kept for the run.
///
/// Safe to use from several threads at once (batch workers): the cache is behind a lock.
final class NoticeCache: @unchecked Sendable {
    /// The folder (`--policies`, else `$CLEARANCE_POLICIES`, else `./Policies`).
    let folder: String
    private var cache: [String: Loaded] = [:]
    private let lock = NSLock()

    /// A source's notice, its revision (SHA-256 of the file) and the warnings found while reading it.
    struct Loaded {
        var notice: NoticeTerms?
        var bytes: [UInt8]?
        var diagnostics: [Diagnostic]
    }

    /// Resolves the folder from the flag and the environment.
    static func resolveFolder(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let env = environment["CLEARANCE_POLICIES"], !env.isEmpty { return env }
        return "Policies"
    }

    init(folder: String) { self.folder = folder }

    /// The notice of `source`; nil notice when there is no policy file (a `no_policy` deny, not an error).
    ///
    /// Throws when the file exists but cannot be read or is not a valid policy (exit 78/65/74):
    /// a broken policy must not silently become "no policy".
    func notice(for source: String) throws(DiagnosticError) -> Loaded {
        lock.lock()
        defer { lock.unlock() }
        if let l = cache[source] { return l }
        guard SourceID.isValid(source) else {
            let l = Loaded(notice: nil, bytes: nil, diagnostics: [])
            cache[source] = l
            return l
        }
        let path = (folder as NSString).appendingPathComponent("\(source).json")
        guard FileManager.default.fileExists(atPath: path) else {
            let l = Loaded(notice: nil, bytes: nil, diagnostics: [])
            cache[source] = l
            return l
        }
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(path) } catch { throw DiagnosticError(error) }
        let read = ODRLReader.read(bytes)
        if read.hasErrors {
            throw DiagnosticError(read.diagnostics.filter { $0.severity == .error }.map { d in
                var d = d
                d.location = "\(path): \(d.location ?? "$")"
                if d.category == .malformedInput && !d.code.hasPrefix("json.") { d.category = .invalidPolicy }
                return d
            })
        }
        guard read.policies.count == 1, let policy = read.policies.first else {
            throw DiagnosticError(Diagnostic(code: "check.policy_not_one", message: "`\(path)` holds \(read.policies.count) policies; a source's file holds one",
                                             location: path, category: .invalidPolicy))
        }
        let notice = try NoticeTerms(source: source, policy: policy)
        let l = Loaded(notice: notice, bytes: bytes, diagnostics: read.diagnostics)
        cache[source] = l
        return l
    }
}

/// Where a check's agreements and usage come from, and where its decisions go.
///
/// ``decide(_:notice:using:)`` serves single checks and `--record` (one thread); ``inForce(_:)`` and
/// ``makeCounter()`` may be called from several batch workers at once; ``log(_:)`` and ``finish()``
/// only from the thread that runs the batch, in input order.
protocol CheckBackend: AnyObject, Sendable {
    /// Decides `request` with the agreements in force at `request.at`; records the use when asked.
    func decide(_ request: RepublicationRequest, notice: NoticeCache.Loaded,
                using decide: ([PreparedAgreement], any UsageCounter) -> NewsDecision) throws(DiagnosticError) -> NewsDecision
    /// Thread-safe: the agreements in force at `request.at`, prepared, and the versions they are.
    func inForce(_ request: RepublicationRequest) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef])
    /// Every party's agreements, prepared on first use (after ``prepareAll()``; nil before and for short
    /// batches): batch workers look parties up there and keep what they derive per party slot.
    var table: PreparedTable? { get }
    /// A usage counter for one batch worker (quotas read from wherever usage is kept).
    func makeCounter() -> any BatchCounter
    /// Whether decisions go to the decision log (``log(_:)`` wants rows).
    var logsDecisions: Bool { get }
    /// Queues decision-log rows (batch thread, input order); written many per transaction.
    func log(_ rows: [DecisionLogEntry]) throws(DiagnosticError)
    /// Writes whatever is still buffered (decision-log rows).
    func finish() throws(DiagnosticError)
    /// A large batch is about to run: read every agreement now (not parsed nor prepared: each party is,
    /// by the worker that first meets it) into ``table``. Called once, on the batch thread, before any worker runs.
    func prepareAll() throws(DiagnosticError)
}

/// A usage counter that remembers a failure to read usage (the batch then stops with it).
protocol BatchCounter: UsageCounter {
    var failure: DiagnosticError? { get }
}

/// No usage recorded (agreements from a file, no `--record`): every quota is untouched.
final class NoUsageCounter: BatchCounter {
    var failure: DiagnosticError? { nil }
    func uses(agreement: String, grant: Int, from: Instant, to: Instant) -> Int { 0 }
}

/// Who and which source: the key agreements are grouped by (no string concatenation per request).
struct Parties: Hashable, Sendable {
    var subscriber: String
    var source: String
}

/// Prepared agreement versions, shared by batch workers: prepared on first use, once (a lock guards the map;
/// preparing runs outside it, so two workers may rarely prepare the same version and keep one).
final class PreparedCache: @unchecked Sendable {
    /// An agreement version: id, version number, termination instant (or -1).
    struct Key: Hashable { var id: String; var version: Int; var termination: Int64 }
    private var map: [Key: PreparedAgreement] = [:]
    private let lock = NSLock()

    /// The prepared form of `a` (version `version`), preparing it if no worker has yet.
    func prepared(_ a: Agreement, version: Int) throws(DiagnosticError) -> PreparedAgreement {
        let key = Key(id: a.id, version: version, termination: a.termination?.at.millisecondsSinceEpoch ?? -1)
        lock.lock()
        if let p = map[key] { lock.unlock(); return p }
        lock.unlock()
        let p = try PreparedAgreement(a)
        lock.lock()
        defer { lock.unlock() }
        if let q = map[key] { return q }
        map[key] = p
        return p
    }
}

/// Agreements from a JSON file (`--agreements`), usage counted in memory for the run; no database.
///
/// Agreements are prepared for the engine on first use (a batch that touches few subscribers
/// prepares few), and kept for the run.
final class FileBackend: CheckBackend, @unchecked Sendable {
    /// Agreements by subscriber and source, in file order.
    let byParties: [Parties: [Agreement]]
    let cache = PreparedCache()
    /// Every agreement by party, prepared on first use (large batches, ``prepareAll()``).
    private(set) var table: PreparedTable?
    var usage = InMemoryUsage()
    let record: Bool

    /// Reads a JSON array of agreements; every problem is an error (exit 65).
    convenience init(path: String, record: Bool) throws(DiagnosticError) {
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(path) } catch { throw DiagnosticError(error) }
        // The byte scanner reads an ordinary file on all cores; anything it declines (or a repeated id) and
        // every error goes through the strict parsers below, whose messages are unchanged.
        if let list = AgreementFile.scanAll(bytes) {
            try self.init(agreements: list, record: record)
            return
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            var e = error
            e.location = "\(path): \(e.location ?? "")"
            throw DiagnosticError(e)
        }
        let (list, diags) = Agreement.parseList(json)
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty {
            throw DiagnosticError(errors.map { var d = $0; d.location = "\(path): \(d.location ?? "$")"; return d })
        }
        try self.init(agreements: list, record: record)
    }

    /// Agreements already parsed.
    init(agreements list: [Agreement], record: Bool) throws(DiagnosticError) {
        var by: [Parties: [Agreement]] = [:]
        for a in list { by[Parties(subscriber: a.subscriber.id, source: a.source), default: []].append(a) }
        byParties = by
        self.record = record
    }

    func inForce(_ r: RepublicationRequest) throws(DiagnosticError) -> ([PreparedAgreement], [AgreementVersionRef]) {
        if let table {
            var scanner = AgreementScanner()
            return (try table.inForce(Parties(subscriber: r.subscriber, source: r.source), at: r.at, scanner: &scanner).0, [])
        }
        guard let list = byParties[Parties(subscriber: r.subscriber, source: r.source)] else { return ([], []) }
        var out: [PreparedAgreement] = []
        out.reserveCapacity(list.count)
        for a in list { out.append(try cache.prepared(a, version: a.version ?? 1)) }
        return (out, [])
    }

    func decide(_ request: RepublicationRequest, notice: NoticeCache.Loaded,
                using decide: ([PreparedAgreement], any UsageCounter) -> NewsDecision) throws(DiagnosticError) -> NewsDecision {
        let d = decide(try inForce(request).0, usage)
        if record, case .agreement(let id, let grant)? = d.permittedBy {
            usage.record(agreement: id, grant: grant, at: request.at)
        }
        return d
    }

    func makeCounter() -> any BatchCounter { NoUsageCounter() }
    var logsDecisions: Bool { false }
    func log(_ rows: [DecisionLogEntry]) throws(DiagnosticError) {}
    func finish() throws(DiagnosticError) {}

    /// Groups the file's agreements by party for the batch workers (each is its own one-version history, and a
    /// file's agreements are all in force as far as the version choice goes: the decider checks terms); each
    /// party is prepared by the worker that first meets it.
    func prepareAll() throws(DiagnosticError) {
        guard table == nil, !record else { return }
        // Parties in a fixed order (dictionary order is not), agreements in file order within each.
        let groups = byParties.sorted { ($0.key.subscriber, $0.key.source) < ($1.key.subscriber, $1.key.source) }.map { p, list in
            (p, PreparedTable.Source.histories(list.map {
                [PreparedTable.Input(agreement: $0, version: $0.version ?? 1, effectiveAt: Instant(millisecondsSinceEpoch: 0))]
            }))
        }
        table = PreparedTable(groups)
    }
}

/// Decides requests: the policy cache, compiled agreements kept across requests, a backend.
final class CheckSession: @unchecked Sendable {
    let notices: NoticeCache
    let backend: CheckBackend
    /// Explanations of denials already worked out, by request shape (a batch repeats shapes).
    let memo = DecisionMemo()

    init(notices: NoticeCache, backend: CheckBackend) {
        self.notices = notices
        self.backend = backend
    }

    /// Translations of the quotes of a source's notice (for text answers).
    func translations(for source: String) -> [String: String] {
        ((try? notices.notice(for: source))?.notice?.translations) ?? [:]
    }

    /// Decides one request. Throws only for problems of the setup (a broken policy, the database).
    func decide(_ r: RepublicationRequest) throws(DiagnosticError) -> NewsDecision {
        let loaded = try notices.notice(for: r.source)
        return try backend.decide(r, notice: loaded) { agreements, usage in
            NewsDecider(notice: loaded.notice, agreements: agreements).decide(r, usage: usage, memo: memo)
        }
    }
}

/// Renders a decision as a rights manager's answer.
enum DecisionText {
    /// `PERMIT — alsharq may reproduce text ilkha-1 on web in IQ: … Duties: credit «İLKHA».`
    static func render(_ d: NewsDecision, request r: RepublicationRequest, translations: [String: String] = [:]) -> String {
        let what = "\(r.action) \(r.extent == .partial ? "part of " : "")\(r.asset.kind.rawValue) \(r.asset.id) on \(r.channel.rawValue) in \(r.territory)"
        var out: String
        switch d.verdict {
        case .permit:
            out = "PERMIT — \(r.subscriber) may \(what)"
        case .deny:
            out = "DENY — \(r.subscriber) may not \(what)"
        }
        out += " (as of \(r.at))"
        let messages = d.reasons.map(\.message)
        if !messages.isEmpty { out += ": " + messages.joined(separator: "; ") + "." } else { out += "." }
        var quoted: [String] = []
        for reason in d.reasons {
            guard let q = reason.quote, !quoted.contains(q) else { continue }
            quoted.append(q)
            let whose = reason.quoteFrom == "agreement" ? "The \(agreementNoun(reason)) says" : "The notice says"
            out += "\n  \(whose): «\(q)»"
            if let en = translations[q] { out += "\n    (in English: «\(en)»)" }
        }
        if !d.duties.isEmpty {
            out += "\n  Duties: " + d.duties.map(dutyText).joined(separator: "; ") + "."
        }
        if !d.wouldPermitIf.isEmpty {
            out += "\n  Would be allowed with: " + d.wouldPermitIf.joined(separator: "; or ") + "."
        }
        return out
    }

    static func agreementNoun(_ r: Reason) -> String {
        guard let a = r.agreement else { return "agreement" }
        return "agreement \(a)"
    }

    static func dutyText(_ d: DecisionDuty) -> String {
        switch d.duty.action {
        case .attribute: return "credit «\(d.duty.text ?? "the source")»"
        case .link: return "link to \(d.duty.url ?? d.duty.text ?? "the source")"
        default:
            var s = d.duty.action.rawValue
            if let t = d.duty.text { s += " «\(t)»" }
            if let u = d.duty.url { s += " \(u)" }
            return s
        }
    }
}
