import ClearanceCore
import Foundation
import GRDB

/// One stored version of an agreement, with when it took effect and when it was recorded.
public struct AgreementVersion: Sendable {
    /// The agreement as this version states it; `version`, `effectiveAt` and `termination` are filled in.
    public var agreement: Agreement
    public var version: Int
    /// From when this version holds (an amendment's effective date; version 1: signing or term start, the earlier).
    public var effectiveAt: Instant
    /// When it was written into the store.
    public var recordedAt: String
    /// Why it was amended (`--note`), if said.
    public var note: String?
    /// The policy revision (SHA-256 of the source's policy file) it was validated against.
    public var policyRevision: String?
}

/// Every version of one agreement, and its end if it was ended.
public struct AgreementHistory: Sendable {
    public var id: String
    public var source: String
    public var subscriber: String
    /// Versions 1, 2, 3... in order.
    public var versions: [AgreementVersion]
    /// When and why the agreement was ended early, if it was.
    public var termination: Termination?
    /// When the end was recorded.
    public var endedRecordedAt: String?

    /// The version in force at `at`: the highest-numbered version whose effective date is at or
    /// before `at`, else version 1 (whose own term decides whether it counts yet).
    public func inForce(at: Instant) -> AgreementVersion? {
        var pick = versions.first
        for v in versions where v.effectiveAt <= at { pick = v }
        return pick
    }

    /// The latest version.
    public var current: AgreementVersion? { versions.last }
}

/// One row of `clearance contract list`.
public struct AgreementSummary: Sendable {
    public var id: String
    public var source: String
    public var subscriber: String
    public var kind: String
    /// The latest version's number.
    public var version: Int
    public var termStart: String
    public var termEnd: String?
    public var endedAt: String?
    public var endReason: String?
}

/// Which agreements `contract list` shows.
public struct AgreementFilter: Sendable {
    public var subscriber: String?
    public var source: String?
    /// Only agreements whose latest version's term contains this instant and that were not ended by then.
    public var activeAt: Instant?
    public var limit: Int?
    public init(subscriber: String? = nil, source: String? = nil, activeAt: Instant? = nil, limit: Int? = nil) {
        self.subscriber = subscriber
        self.source = source
        self.activeAt = activeAt
        self.limit = limit
    }
}

/// A subscriber as stored, with how many agreements it has.
public struct SubscriberRecord: Sendable {
    public var id: String
    public var name: String?
    public var createdAt: String
    public var agreements: Int
}

extension StoreTransaction {
    // MARK: - Writing

    /// The document stored for a version: the agreement's JSON without the store-kept fields.
    static func document(_ a: Agreement) -> String {
        VersionDocument.text(a)
    }

    /// ``document(_:)`` through the JSON tree: the reference the direct writer is tested against.
    static func documentFromTree(_ a: Agreement) -> String {
        var copy = a
        copy.version = nil
        copy.effectiveAt = nil
        copy.termination = nil
        return FastJSON.string(copy.json)
    }

    /// Adds or renames a subscriber (a new name replaces the old; an absent name keeps it).
    func upsertSubscriber(_ s: Subscriber, at ts: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO subscriber (id, name, created_at) VALUES (?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name
            WHERE excluded.name IS NOT NULL AND excluded.name IS NOT subscriber.name
            """).execute(arguments: [s.id, s.name, ts])
    }

    /// True when an agreement with this id is stored.
    public func agreementExists(_ id: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM agreement WHERE id = ?"), arguments: [id]) ?? false
    }

    /// Writes version rows (version, grants, restrictions) of an agreement.
    func insertVersion(_ a: Agreement, version: Int, effectiveAt: Instant, note: String?, policyRevision: String?, ts: String) throws {
        try insertVersion(VersionRows(a, version: version, effectiveAt: effectiveAt, note: note, policyRevision: policyRevision, ts: ts))
    }

    /// The statements that insert an agreement and its version rows, looked up in GRDB's statement cache once
    /// per transaction: the cache is keyed by the SQL text, so each lookup hashed and compared ~300 bytes
    /// (four lookups per agreement of an import).
    func insertStatements() throws -> InsertStatements {
        if let s = inserts { return s }
        let s = InsertStatements(
            agreement: try db.cachedStatement(sql: "INSERT INTO agreement (id, source_id, subscriber_id, created_at) VALUES (?, ?, ?, ?)"),
            version: try db.cachedStatement(sql: """
                INSERT INTO agreement_version (agreement_id, version, kind, signed_at, term_start, term_end, effective_at,
                  recorded_at, note, policy_hash, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """),
            grant: try db.cachedStatement(sql: """
                INSERT INTO agreement_grant (agreement_id, version, position, assets, actions, extent, channels, territories,
                  exclude_territories, max_portion, quota_count, quota_per, embargo, duties)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """),
            restriction: try db.cachedStatement(sql: """
                INSERT INTO agreement_restriction (agreement_id, version, position, assets, actions, extent, channels,
                  territories, note, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """))
        inserts = s
        return s
    }

    /// Writes precomputed version rows (see ``VersionRows``).
    func insertVersion(_ r: VersionRows) throws {
        let s = try insertStatements()
        try s.version.executeRaw(r.version, in: db)
        for g in r.grants { try s.grant.executeRaw(g, in: db) }
        for x in r.restrictions { try s.restriction.executeRaw(x, in: db) }
    }

    /// Adds a new agreement as version 1 (its subscriber is added or renamed as needed).
    ///
    /// The source must be registered (``registerPolicy(_:at:)``) first. Errors:
    /// `agreement.duplicate_id` (an agreement with that id exists), `store.constraint`.
    public func addAgreement(_ a: Agreement, policyRevision: String?, at now: Date = Date(), location: String? = nil) throws {
        try addAgreement(a, policyRevision: policyRevision, ts: Timestamp.format(now), location: location, checked: false)
    }

    func addAgreement(_ a: Agreement, policyRevision: String?, ts: String, location: String?, checked: Bool) throws {
        let effective = a.effectiveAt ?? min(a.signedAt, a.term.start)
        try addAgreement(VersionRows(a, version: 1, effectiveAt: effective, note: nil, policyRevision: policyRevision, ts: ts),
                         ts: ts, location: location, checked: checked)
    }

    /// Adds version 1 of a new agreement from precomputed rows.
    func addAgreement(_ rows: VersionRows, ts: String, location: String?, checked: Bool) throws {
        let a = rows.agreement
        if !checked, try agreementExists(a.id) {
            throw Diagnostic(
                code: "agreement.duplicate_id", message: "agreement `\(a.id)` already exists",
                hint: "change it with `clearance contract amend \(a.id)`, or give the new agreement another id",
                location: location, category: .invalidValue)
        }
        if !checked || subscribersSeen[a.subscriber.id] != a.subscriber.name {
            try upsertSubscriber(a.subscriber, at: ts)
            subscribersSeen[a.subscriber.id] = a.subscriber.name
        }
        try insertStatements().agreement.executeRaw([.text(a.id), .text(a.source), .text(a.subscriber.id), .text(ts)], in: db)
        try insertVersion(rows)
        // The version document leaves `termination` out (the store keeps ends in `agreement_end`), so an
        // imported agreement that is already terminated records its end here, or it would count forever.
        if let t = a.termination {
            let reason = t.reason.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            try db.cachedStatement(sql: "INSERT INTO agreement_end (agreement_id, ended_at, reason, recorded_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [a.id, Timestamp.format(t.at), reason.isEmpty ? "terminated (as registered)" : reason, ts])
        }
    }

    /// Appends a new version of an existing agreement, in force from `effectiveAt`.
    ///
    /// Nothing is overwritten: earlier versions stay and still answer as-of questions before
    /// `effectiveAt`. Errors: `agreement.not_found`, `agreement.ended`, `agreement.amend_changes_party`
    /// (source or subscriber differ), `agreement.amend_before_previous` (effective before the
    /// latest version's effective date). Returns the new version number.
    @discardableResult
    public func amendAgreement(_ a: Agreement, effectiveAt: Instant, note: String?, policyRevision: String?,
                               at now: Date = Date()) throws -> Int {
        guard let history = try agreementHistory(a.id), let last = history.current else {
            throw Diagnostic(code: "agreement.not_found", message: "no agreement `\(a.id)`",
                             hint: "list them with `clearance contract list`", category: .invalidValue)
        }
        if let t = history.termination {
            throw Diagnostic(code: "agreement.ended", message: "agreement `\(a.id)` was ended at \(t.at) and cannot be amended",
                             hint: "register a new agreement instead", category: .invalidValue)
        }
        if a.source != history.source || a.subscriber.id != history.subscriber {
            throw Diagnostic(
                code: "agreement.amend_changes_party",
                message: "an amendment cannot change the source or subscriber of `\(a.id)` (`\(history.source)`, `\(history.subscriber)`)",
                hint: "end this agreement and register a new one", category: .invalidValue)
        }
        if effectiveAt < last.effectiveAt {
            throw Diagnostic(
                code: "agreement.amend_before_previous",
                message: "the amendment takes effect at \(effectiveAt), before version \(last.version) (effective \(last.effectiveAt))",
                hint: "amendments take effect in order; use an effective date at or after \(last.effectiveAt)",
                category: .invalidValue)
        }
        let ts = Timestamp.format(now)
        try upsertSubscriber(a.subscriber, at: ts)
        let version = last.version + 1
        try insertVersion(a, version: version, effectiveAt: effectiveAt, note: note, policyRevision: policyRevision, ts: ts)
        return version
    }

    /// Ends an agreement from `at` on, recording why. Errors: `agreement.not_found`, `agreement.ended`.
    public func endAgreement(id: String, at: Instant, reason: String, recordedAt now: Date = Date()) throws {
        guard try agreementExists(id) else {
            throw Diagnostic(code: "agreement.not_found", message: "no agreement `\(id)`",
                             hint: "list them with `clearance contract list`", category: .invalidValue)
        }
        if let ended = try String.fetchOne(db.cachedStatement(sql: "SELECT ended_at FROM agreement_end WHERE agreement_id = ?"),
                                           arguments: [id]) {
            throw Diagnostic(code: "agreement.ended", message: "agreement `\(id)` was already ended at \(ended)",
                             category: .invalidValue)
        }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Diagnostic(code: "agreement.missing_reason", message: "ending an agreement needs a reason",
                             hint: "pass `--reason \"...\"`", category: .invalidValue)
        }
        try db.cachedStatement(sql: "INSERT INTO agreement_end (agreement_id, ended_at, reason, recorded_at) VALUES (?, ?, ?, ?)")
            .execute(arguments: [id, Timestamp.format(at), reason, Timestamp.format(now)])
    }

    // MARK: - Reading

    /// Parses a stored version document back into an ``Agreement``: with the byte scanner when it reads
    /// the document (stored documents are written by ``document(_:)``, the shape it reads), else strictly.
    static func decode(_ document: String, id: String, scanner: inout AgreementScanner) throws -> Agreement {
        // A native String's UTF-8 is contiguous: the scanner reads it in place, no copy.
        var text = document
        if let a = text.withUTF8({ scanner.scan($0) }) { return a }
        return try decode(document, id: id)
    }

    /// Parses a stored version document back into an ``Agreement`` with the strict parsers.
    static func decode(_ document: String, id: String) throws -> Agreement {
        let value: JSONValue
        do { value = try JSONParser.parse(document) } catch {
            throw Diagnostic(code: "store.bad_document", message: "stored agreement `\(id)` is not JSON: \(error.message)",
                             hint: Self.badDocumentHint, category: .internalError)
        }
        let (a, diags) = Agreement.parse(value)
        guard let a else {
            throw Diagnostic(code: "store.bad_document",
                             message: "stored agreement `\(id)` no longer parses: \(diags.first.map(\.message) ?? "unknown problem")",
                             hint: Self.badDocumentHint, category: .internalError)
        }
        return a
    }

    /// What to do about a stored agreement document that does not read back.
    static let badDocumentHint = "the database was changed outside clearance: run `clearance verify`, and restore a backup (`clearance restore`) or re-import the agreement"

    /// One version row as read, before its document is parsed.
    struct RawVersion: Sendable {
        var id: String, version: Int, effectiveAt: String, recordedAt: String, note: String?, policyHash: String?
        var document: String, source: String, subscriber: String
        var endedAt: String?, endReason: String?, endRecordedAt: String?
    }

    /// The version rows `sql` selects (the columns of `historySelect`), documents not yet parsed: read by the
    /// one reader of version rows (``versionRows(sql:arguments:)``), then made Strings.
    func rawVersions(sql: String, arguments: StatementArguments) throws -> [RawVersion] {
        let rows = try versionRows(sql: sql, arguments: arguments)
        return rows.indices.map { rows.raw($0, document: true) }
    }

    /// Builds histories from version rows ordered by agreement id, version (documents parsed on all cores).
    func histories(sql: String, arguments: StatementArguments) throws -> [AgreementHistory] {
        let raw = try rawVersions(sql: sql, arguments: arguments)
        let decoded: [Result<Agreement, Diagnostic>] = Parallel.map(raw, minimumChunk: 512, state: { AgreementScanner() }) { scanner, r in
            Self.decodeResult(r, scanner: &scanner)
        }
        return try Self.histories(raw, decoded: decoded)
    }

    /// One row's document parsed (``decode(_:id:scanner:)``), its failure as a value.
    static func decodeResult(_ r: RawVersion, scanner: inout AgreementScanner) -> Result<Agreement, Diagnostic> {
        do { return .success(try decode(r.document, id: r.id, scanner: &scanner)) } catch let d as Diagnostic { return .failure(d) } catch {
            return .failure(Diagnostic(code: "store.bad_document", message: "\(error)", category: .internalError))
        }
    }

    /// Histories from version rows ordered by agreement id, version, and their parsed documents (the one
    /// place a history is assembled: version, effective date and termination filled in).
    static func histories(_ raw: some Collection<RawVersion>, decoded: [Result<Agreement, Diagnostic>]) throws -> [AgreementHistory] {
        var out: [AgreementHistory] = []
        for (r, result) in zip(raw, decoded) {
            var a = try result.get()
            let (effective, termination) = fill(&a, version: r.version, effectiveAt: Timestamp.instant(r.effectiveAt),
                                                endedAt: r.endedAt.flatMap(Timestamp.instant), endReason: r.endReason)
            let v = AgreementVersion(agreement: a, version: r.version, effectiveAt: effective, recordedAt: r.recordedAt,
                                     note: r.note, policyRevision: r.policyHash)
            if out.last?.id == r.id {
                out[out.count - 1].versions.append(v)
            } else {
                out.append(AgreementHistory(id: r.id, source: r.source, subscriber: r.subscriber, versions: [v],
                                            termination: termination, endedRecordedAt: r.endRecordedAt))
            }
        }
        return out
    }

    /// Fills in what a version row says of its agreement: its version, its effective date (the row's, else the
    /// term's start) and its termination (the agreement's end row, when its date reads). The one place this is
    /// decided, for ``histories(_:decoded:)`` and the batch's ``StoredVersionRow/eachVersion(_:scanner:_:)``.
    static func fill(_ a: inout Agreement, version: Int, effectiveAt: Instant?, endedAt: Instant?,
                     endReason: @autoclosure () -> String?) -> (effective: Instant, termination: Termination?) {
        let effective = effectiveAt ?? a.term.start
        let termination = endedAt.map { Termination(at: $0, atIsDate: false, reason: endReason()) }
        a.version = version
        a.effectiveAt = effective
        a.termination = termination
        return (effective, termination)
    }

    static let historySelect = """
        SELECT v.agreement_id, v.version, v.effective_at, v.recorded_at, v.note, v.policy_hash, v.document,
               a.source_id, a.subscriber_id, e.ended_at, e.reason AS end_reason, e.recorded_at AS end_recorded_at
        FROM agreement a
        JOIN agreement_version v ON v.agreement_id = a.id
        LEFT JOIN agreement_end e ON e.agreement_id = a.id
        """

    /// Every version of one agreement (nil when there is no such agreement).
    public func agreementHistory(_ id: String) throws -> AgreementHistory? {
        try histories(sql: Self.historySelect + " WHERE a.id = ? ORDER BY v.agreement_id, v.version", arguments: [id]).first
    }

    /// The agreements of a subscriber with a source as they stood at `at`: for each, the version
    /// in force then (termination filled in). This is what `clearance check` decides with.
    public func agreements(subscriber: String, source: String, asOf at: Instant) throws -> [Agreement] {
        try histories(
            sql: Self.historySelect + " WHERE a.subscriber_id = ? AND a.source_id = ? ORDER BY v.agreement_id, v.version",
            arguments: [subscriber, source]
        ).compactMap { $0.inForce(at: at)?.agreement }
    }

    /// Every agreement history of one subscriber with one source (index `agreement_by_party`; the
    /// statement is cached), for a batch that loads subscribers as it meets them.
    public func agreementHistories(subscriber: String, source: String) throws -> [AgreementHistory] {
        try histories(sql: Self.historySelect + " WHERE a.subscriber_id = ? AND a.source_id = ? ORDER BY v.agreement_id, v.version",
                      arguments: [subscriber, source])
    }

    /// Every agreement history (optionally of one source), for a batch to hold in memory and
    /// pick versions with ``AgreementHistory/inForce(at:)`` per request.
    public func allAgreementHistories(source: String? = nil) throws -> [AgreementHistory] {
        if let source {
            return try histories(sql: Self.historySelect + " WHERE a.source_id = ? ORDER BY v.agreement_id, v.version",
                                 arguments: [source])
        }
        return try histories(sql: Self.historySelect + " ORDER BY v.agreement_id, v.version", arguments: [])
    }

    /// Summaries for `contract list`, by agreement id.
    public func agreementSummaries(_ f: AgreementFilter) throws -> [AgreementSummary] {
        var conds: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if let s = f.subscriber { conds.append("a.subscriber_id = ?"); args.append(s) }
        if let s = f.source { conds.append("a.source_id = ?"); args.append(s) }
        if let t = f.activeAt {
            let ts = Timestamp.format(t)
            conds.append("v.term_start <= ? AND (v.term_end IS NULL OR ? < v.term_end) AND (e.ended_at IS NULL OR ? < e.ended_at)")
            args.append(contentsOf: [ts, ts, ts])
        }
        var sql = """
            SELECT a.id, a.source_id, a.subscriber_id, v.kind, v.version, v.term_start, v.term_end, e.ended_at, e.reason
            FROM agreement a
            JOIN agreement_version v ON v.agreement_id = a.id
              AND v.version = (SELECT MAX(version) FROM agreement_version WHERE agreement_id = a.id)
            LEFT JOIN agreement_end e ON e.agreement_id = a.id
            """
        if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
        sql += " ORDER BY a.id"
        if let l = f.limit { sql += " LIMIT \(max(0, l))" }
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            AgreementSummary(id: $0["id"], source: $0["source_id"], subscriber: $0["subscriber_id"], kind: $0["kind"],
                             version: $0["version"], termStart: $0["term_start"], termEnd: $0["term_end"],
                             endedAt: $0["ended_at"], endReason: $0["reason"])
        }
    }

    /// Subscribers with their agreement counts, by id.
    public func subscribers() throws -> [SubscriberRecord] {
        try Row.fetchAll(db, sql: """
            SELECT s.id, s.name, s.created_at, (SELECT COUNT(*) FROM agreement WHERE subscriber_id = s.id) AS n
            FROM subscriber s ORDER BY s.id
            """).map { SubscriberRecord(id: $0["id"], name: $0["name"], createdAt: $0["created_at"], agreements: $0["n"]) }
    }

    /// One subscriber, or nil.
    public func subscriber(_ id: String) throws -> SubscriberRecord? {
        try Row.fetchOne(db, sql: """
            SELECT s.id, s.name, s.created_at, (SELECT COUNT(*) FROM agreement WHERE subscriber_id = s.id) AS n
            FROM subscriber s WHERE s.id = ?
            """, arguments: [id]).map { SubscriberRecord(id: $0["id"], name: $0["name"], createdAt: $0["created_at"], agreements: $0["n"]) }
    }
}

extension Store {
    /// Adds agreements all-or-nothing, each validated against its source's policy.
    ///
    /// Every problem of every record is reported (unknown source, duplicate id in the batch or
    /// already stored), located by `locations[i]` (a JSON path `$[3]` or `line 7`), and then
    /// nothing is written. On success returns how many were added. The source policies found
    /// are registered with their revision hash, which each version records.
    @discardableResult
    public func addAgreements(_ agreements: [Agreement], locations: [String]? = nil, policies: PolicyFolder,
                              at now: Date = Date()) throws(DiagnosticError) -> Int {
        try addAgreements(agreements, locations: locations, policies: policies, at: now, dryRun: false)
    }

    /// Runs every check of ``addAgreements(_:locations:policies:at:)`` and writes nothing.
    @discardableResult
    public func checkAgreements(_ agreements: [Agreement], locations: [String]? = nil, policies: PolicyFolder,
                                at now: Date = Date()) throws(DiagnosticError) -> Int {
        try addAgreements(agreements, locations: locations, policies: policies, at: now, dryRun: true)
    }

    func addAgreements(_ agreements: [Agreement], locations: [String]?, policies: PolicyFolder,
                       at now: Date, dryRun: Bool) throws(DiagnosticError) -> Int {
        func where_(_ i: Int, _ field: String) -> String {
            if let locations, i < locations.count {
                let l = locations[i]
                return l.hasPrefix("$") ? "\(l).\(field)" : "\(l), column `\(field)`"
            }
            return "$[\(i)].\(field)"
        }
        // Policies: read each distinct source once, before touching the database.
        var problems: [Diagnostic] = []
        var revisions: [String: PolicyFolder.Policy] = [:]
        var unknown: [String: Diagnostic] = [:]
        for (i, a) in agreements.enumerated() {
            if revisions[a.source] == nil && unknown[a.source] == nil {
                do { revisions[a.source] = try policies.policy(for: a.source) } catch { unknown[a.source] = error }
            }
            if var d = unknown[a.source] {
                d.location = where_(i, "source")
                problems.append(d)
            }
        }
        var seen: [String: Int] = [:]
        for (i, a) in agreements.enumerated() {
            if let first = seen[a.id] {
                problems.append(Diagnostic(
                    code: "agreement.duplicate_id", message: "agreement `\(a.id)` appears twice (first at \(where_(first, "id")))",
                    hint: "give each agreement its own id", location: where_(i, "id"), category: .invalidValue))
            } else {
                seen[a.id] = i
            }
        }
        let ts = Timestamp.format(now)
        let revisionOf = revisions.mapValues(\.revision)
        return try write { tx in
            // Into an empty store (the common first import) no id can exist: skip one lookup per agreement.
            let anyStored = try Bool.fetchOne(tx.db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM agreement)")) ?? true
            for (i, a) in agreements.enumerated() where anyStored && seen[a.id] == i {
                if try tx.agreementExists(a.id) {
                    problems.append(Diagnostic(
                        code: "agreement.duplicate_id", message: "agreement `\(a.id)` already exists",
                        hint: "change it with `clearance contract amend \(a.id)`, or give the new agreement another id",
                        location: where_(i, "id"), category: .invalidValue))
                }
            }
            if !problems.isEmpty {
                throw DiagnosticError(problems.sorted { Self.locationOrder($0.location, $1.location) })
            }
            if dryRun { return agreements.count }
            for p in revisions.values.sorted(by: { $0.source < $1.source }) { try tx.registerPolicy(p, at: now) }
            // Column values (the version document, the grants' lists) are drafted on another thread while this
            // one inserts the previous chunk (see `DraftAhead`); all checks above are done, and any failure
            // below rolls the whole transaction back.
            let drafts = DraftAhead(agreements) { a in
                VersionRows(a, version: 1, effectiveAt: a.effectiveAt ?? min(a.signedAt, a.term.start), note: nil,
                            policyRevision: revisionOf[a.source], ts: ts)
            }
            defer { drafts.finish() }
            // A larger page cache while inserting: 100,000 agreements are ~125 MB of pages (five tables, four
            // indexes) and the agreement indexes take ids in file order, not key order.
            let cacheMB = ProcessInfo.processInfo.environment["CLEARANCE_IMPORT_CACHE_MB"].flatMap(Int.init) ?? Store.importCacheMB
            let previous = try Int.fetchOne(tx.db, sql: "PRAGMA cache_size") ?? -32768
            try tx.db.execute(sql: "PRAGMA cache_size = -\(max(2, cacheMB) * 1024)")
            defer { try? tx.db.execute(sql: "PRAGMA cache_size = \(previous)") }
            while let chunk = drafts.next() {
                for r in chunk { try tx.addAgreement(r, ts: ts, location: nil, checked: true) }
            }
            return agreements.count
        }
    }

    /// Orders diagnostics by the record they point at (`$[2]` before `$[10]`, `line 3` before `line 12`).
    static func locationOrder(_ a: String?, _ b: String?) -> Bool {
        func key(_ s: String?) -> (Int, String) {
            guard let s else { return (Int.max, "") }
            let digits = s.drop { !$0.isNumber }.prefix { $0.isNumber }
            return (Int(digits) ?? Int.max, s)
        }
        return key(a) < key(b)
    }

    /// Amends an agreement (a new version effective at `effectiveAt`), validated against its source's policy.
    @discardableResult
    public func amendAgreement(_ a: Agreement, effectiveAt: Instant, note: String?, policies: PolicyFolder,
                               at now: Date = Date()) throws(DiagnosticError) -> Int {
        let policy: PolicyFolder.Policy
        do { policy = try policies.policy(for: a.source) } catch { throw DiagnosticError(error) }
        return try write { tx in
            try tx.registerPolicy(policy, at: now)
            return try tx.amendAgreement(a, effectiveAt: effectiveAt, note: note, policyRevision: policy.revision, at: now)
        }
    }

    /// Ends an agreement from `at` on, recording why.
    public func endAgreement(id: String, at: Instant, reason: String, recordedAt now: Date = Date()) throws(DiagnosticError) {
        try write { tx in try tx.endAgreement(id: id, at: at, reason: reason, recordedAt: now) }
    }

    /// Every version of one agreement.
    public func agreementHistory(_ id: String) throws(DiagnosticError) -> AgreementHistory? {
        try read { tx in try tx.agreementHistory(id) }
    }

    /// The agreements of a subscriber with a source in the versions in force at `at`.
    public func agreements(subscriber: String, source: String, asOf at: Instant) throws(DiagnosticError) -> [Agreement] {
        try read { tx in try tx.agreements(subscriber: subscriber, source: source, asOf: at) }
    }

    /// Every agreement history (optionally of one source), for batch preloading.
    public func agreementHistories(subscriber: String, source: String) throws(DiagnosticError) -> [AgreementHistory] {
        try read { tx in try tx.agreementHistories(subscriber: subscriber, source: source) }
    }

    /// Every agreement history (optionally of one source); see ``StoreTransaction/allAgreementHistories(source:)``.
    public func allAgreementHistories(source: String? = nil) throws(DiagnosticError) -> [AgreementHistory] {
        try read { tx in try tx.allAgreementHistories(source: source) }
    }

    /// Every stored agreement version, read but not parsed, ordered by agreement id and version: for a batch
    /// that groups them by party (``StoredVersionRows/byParty()``) and parses each party's documents only when it
    /// first meets the party (``StoredVersionRow/histories(_:scanner:)``), on whichever worker thread meets it.
    ///
    /// Reading the rows is the batch's only serial part: one read transaction (one snapshot), three scans merged
    /// (``StoredVersionRows/readAll(in:)``), every column's bytes copied into one arena. Parsing them was ~58,000
    /// instructions a version (callgrind), done before the batch's first decision when ``allAgreementHistories(source:)``
    /// was used.
    public func allAgreementVersionRows() throws(DiagnosticError) -> StoredVersionRows {
        try read { tx in try StoredVersionRows.readAll(in: tx.db) }
    }

    /// Summaries for `contract list`.
    public func agreementSummaries(_ f: AgreementFilter = AgreementFilter()) throws(DiagnosticError) -> [AgreementSummary] {
        try read { tx in try tx.agreementSummaries(f) }
    }

    /// Every subscriber.
    public func subscribers() throws(DiagnosticError) -> [SubscriberRecord] { try read { tx in try tx.subscribers() } }

    /// One subscriber.
    public func subscriber(_ id: String) throws(DiagnosticError) -> SubscriberRecord? { try read { tx in try tx.subscriber(id) } }
}

/// The column values of one agreement version, computed off the write lock (in parallel for a batch)
/// and bound straight to SQLite (``Statement/executeRaw(_:in:)``).
/// The prepared statements of ``StoreTransaction/insertStatements()``.
struct InsertStatements {
    let agreement: Statement
    let version: Statement
    let grant: Statement
    let restriction: Statement
}

/// The column values of one agreement version (version row, grant rows, restriction rows), drafted off the
/// inserting thread (``DraftAhead``) and bound with ``Statement/executeRaw(_:in:)``.
struct VersionRows: Sendable {
    let agreement: Agreement
    let version: [ColumnValue]
    let grants: [[ColumnValue]]
    let restrictions: [[ColumnValue]]

    init(_ a: Agreement, version n: Int, effectiveAt: Instant, note: String?, policyRevision: String?, ts: String) {
        agreement = a
        let id = ColumnValue.text(a.id), number = ColumnValue.int(Int64(n))
        version = [
            id, number, .text(a.kind.rawValue), .text(Timestamp.format(a.signedAt)),
            .text(Timestamp.format(a.term.start)), .text(Timestamp.format(a.term.end)),
            .text(Timestamp.format(effectiveAt)), .text(ts), ColumnValue(note), ColumnValue(policyRevision),
            .text(StoreTransaction.document(a)),
        ]
        var grants: [[ColumnValue]] = []
        grants.reserveCapacity(a.grants.count)
        for (k, g) in a.grants.enumerated() {
            var duties: [UInt8] = [0x5B]
            for (j, d) in g.duties.enumerated() {
                if j > 0 { duties.append(0x2C) }
                FastJSON.write(d.json, to: &duties, sortedKeys: false)
            }
            duties.append(0x5D)
            grants.append([
                id, number, .int(Int64(k)), .text(VersionDocument.dimensionText(g.assets)),
                .text(FastJSON.list(g.actions)), .text(FastJSON.list(g.extent.map { $0.rawValue })),
                .text(VersionDocument.dimensionText(g.channels)), .text(FastJSON.list(g.territories.include)),
                .text(FastJSON.list(g.territories.exclude)), ColumnValue(g.maxPortion), ColumnValue(g.quota?.count),
                ColumnValue(g.quota?.per.rawValue), ColumnValue(g.embargo?.description),
                .text(String(decoding: duties, as: UTF8.self)),
            ])
        }
        self.grants = grants
        restrictions = a.restrictions.enumerated().map { k, r in
            [
                id, number, .int(Int64(k)), ColumnValue(r.assets.map(VersionDocument.dimensionText)),
                ColumnValue(r.actions.map(FastJSON.list)), ColumnValue(r.extent.map { FastJSON.list($0.map { $0.rawValue }) }),
                ColumnValue(r.channels.map(VersionDocument.dimensionText)), ColumnValue(r.territories.map { FastJSON.list($0.include) }),
                ColumnValue(r.note), .text(FastJSON.string(r.json)),
            ]
        }
    }
}
