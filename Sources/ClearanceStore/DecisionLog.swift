import ClearanceCore
import Foundation
import GRDB

/// One agreement version a decision looked at: `{"id": "C-2026-0007", "version": 2}`.
public struct AgreementVersionRef: Sendable, Hashable, Codable {
    public var id: String
    public var version: Int
    public init(id: String, version: Int) { self.id = id; self.version = version }
}

/// A decision to append to the decision log.
public struct DecisionLogEntry: Sendable {
    /// Unique id of this log entry (default: a fresh random id, `d-` + 32 hex digits).
    public var decisionId: String
    /// When the decision was made (the clock of the process that decided).
    public var decidedAt: Date
    /// The request's own id, if it had one.
    public var requestId: String?
    public var subscriber: String?
    public var source: String?
    /// `permit`, `deny` or `not_applicable`.
    public var decision: String
    /// The policy revision (SHA-256 of the policy file) the decision used; nil when there was
    /// no policy. Registered automatically with ``StoreTransaction/registerPolicy(_:at:)``.
    public var policyHash: String?
    /// The agreement versions that were considered.
    public var agreementVersions: [AgreementVersionRef]
    /// The request as JSON (an object).
    public var request: JSONValue
    /// The decision as JSON (an object, DESIGN.md's decision format).
    public var response: JSONValue
    /// The usage-ledger row recorded with this decision (`check --record`), if any.
    public var ledgerSeq: Int64?
    /// The request's compact JSON text when the caller already wrote it (then `request` is not serialised again).
    public var requestText: String?
    /// The decision's compact JSON text when the caller already wrote it (then `response` is not serialised again).
    public var responseText: String?

    public init(
        decisionId: String = DecisionLogEntry.newId(), decidedAt: Date, requestId: String?, subscriber: String?,
        source: String?, decision: String, policyHash: String?, agreementVersions: [AgreementVersionRef],
        request: JSONValue, response: JSONValue, ledgerSeq: Int64? = nil
    ) {
        self.decisionId = decisionId
        self.decidedAt = decidedAt
        self.requestId = requestId
        self.subscriber = subscriber
        self.source = source
        self.decision = decision
        self.policyHash = policyHash
        self.agreementVersions = agreementVersions
        self.request = request
        self.response = response
        self.ledgerSeq = ledgerSeq
    }

    /// A fresh random decision id: `d-` and 32 lowercase hex digits.
    ///
    /// Two 64-bit draws, not sixteen byte draws: each draw of the system generator is a `getrandom`
    /// call, and a logged batch makes one id per decision.
    public static func newId() -> String {
        var g = SystemRandomNumberGenerator()
        let a = g.next(), b = g.next()
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for w in [a, b] { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> (UInt64(i) * 8))) } }
        return "d-" + SHA256.hexString(bytes)
    }
}

/// A decision-log row as stored.
public struct DecisionLogRow: Sendable {
    public var seq: Int64
    public var decisionId: String
    public var decidedAt: String
    public var requestId: String?
    public var subscriber: String?
    public var source: String?
    public var decision: String
    public var policyHash: String?
    public var agreementVersions: [AgreementVersionRef]
    public var request: String
    public var response: String
    public var ledgerSeq: Int64?
    public var prevHash: String
    public var rowHash: String

    /// The row as a JSON object (for `clearance log --format json`); request and response are embedded.
    public var json: JSONValue {
        var o = JSONObject()
        o["seq"] = .number(Double(seq))
        o["decisionId"] = .string(decisionId)
        o["decidedAt"] = .string(decidedAt)
        o["requestId"] = requestId.map(JSONValue.string) ?? .null
        o["subscriber"] = subscriber.map(JSONValue.string) ?? .null
        o["source"] = source.map(JSONValue.string) ?? .null
        o["decision"] = .string(decision)
        o["policyRevision"] = policyHash.map(JSONValue.string) ?? .null
        o["agreementVersions"] = .array(agreementVersions.map { .object(JSONObject([("id", .string($0.id)), ("version", .number(Double($0.version)))])) })
        o["request"] = (try? JSONParser.parse(request)) ?? .string(request)
        o["response"] = (try? JSONParser.parse(response)) ?? .string(response)
        o["ledgerSeq"] = ledgerSeq.map { .number(Double($0)) } ?? .null
        o["prevHash"] = .string(prevHash)
        o["rowHash"] = .string(rowHash)
        return .object(o)
    }
}

/// Which decisions `clearance log` shows.
public struct DecisionFilter: Sendable {
    public var subscriber: String?
    public var source: String?
    public var decision: String?
    public var requestId: String?
    public var agreement: String?
    /// Decided at or after.
    public var since: Date?
    /// Decided before.
    public var until: Date?
    /// At most this many rows (the latest ones when `newestFirst`).
    public var limit: Int?
    public var newestFirst: Bool
    public init(subscriber: String? = nil, source: String? = nil, decision: String? = nil, requestId: String? = nil,
                agreement: String? = nil, since: Date? = nil, until: Date? = nil, limit: Int? = nil, newestFirst: Bool = false) {
        self.subscriber = subscriber
        self.source = source
        self.decision = decision
        self.requestId = requestId
        self.agreement = agreement
        self.since = since
        self.until = until
        self.limit = limit
        self.newestFirst = newestFirst
    }
}

extension AgreementVersionRef {
    static func encode(_ refs: [AgreementVersionRef]) -> String {
        JSONValue.array(refs.map { .object(JSONObject([("id", .string($0.id)), ("version", .number(Double($0.version)))])) })
            .serialized()
    }

    static func decode(_ text: String) -> [AgreementVersionRef] {
        guard let v = try? JSONParser.parse(text), let a = v.arrayValue else { return [] }
        return a.compactMap { e in
            guard let id = e["id"]?.stringValue, let ver = e["version"]?.intValue else { return nil }
            return AgreementVersionRef(id: id, version: ver)
        }
    }
}

extension StoreTransaction {
    /// Appends one decision to the hash-chained decision log; returns its `seq`.
    ///
    /// Errors: `decision.bad_value` for a decision other than permit/deny/not_applicable,
    /// `decision.duplicate_id`, `store.constraint`.
    @discardableResult
    public func appendDecision(_ e: DecisionLogEntry) throws -> Int64 {
        guard ["permit", "deny", "not_applicable"].contains(e.decision) else {
            throw Diagnostic(code: "decision.bad_value", message: "`\(e.decision)` is not a decision",
                             hint: "use permit, deny or not_applicable", category: .internalError)
        }
        guard e.requestText != nil || e.request.objectValue != nil, e.responseText != nil || e.response.objectValue != nil else {
            throw Diagnostic(code: "decision.bad_value", message: "a logged request and decision must be JSON objects",
                             category: .internalError)
        }
        // The next seq is read once per transaction and counted on from there (the write lock is held).
        let seq: Int64
        if let next = nextSeq["decision_log"] { seq = next } else {
            seq = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM decision_log"))) ?? 1
        }
        let prev = try chainHead("decision_log")
        let cols: [(String, DatabaseValue)] = [
            ("seq", seq.databaseValue),
            ("decision_id", e.decisionId.databaseValue),
            ("decided_at", Timestamp.format(e.decidedAt).databaseValue),
            ("request_id", e.requestId.databaseValue),
            ("subscriber_id", e.subscriber.databaseValue),
            ("source_id", e.source.databaseValue),
            ("decision", e.decision.databaseValue),
            ("policy_hash", e.policyHash.databaseValue),
            ("agreement_versions", AgreementVersionRef.encode(e.agreementVersions).databaseValue),
            ("request", (e.requestText ?? FastJSON.string(e.request)).databaseValue),
            ("response", (e.responseText ?? FastJSON.string(e.response)).databaseValue),
            ("ledger_seq", e.ledgerSeq.databaseValue),
            ("prev_hash", prev.databaseValue),
        ]
        let hash = Chain.rowHash(cols)
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO decision_log (seq, decision_id, decided_at, request_id, subscriber_id, source_id, decision,
              policy_hash, agreement_versions, request, response, ledger_seq, prev_hash, row_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        do {
            try stmt.execute(arguments: StatementArguments(cols.map(\.1) + [hash.databaseValue]))
        } catch let err as DatabaseError where err.resultCode == .SQLITE_CONSTRAINT && (err.message ?? "").contains("decision_id") {
            throw Diagnostic(code: "decision.duplicate_id", message: "the decision log already has a decision `\(e.decisionId)`",
                             category: .invalidValue)
        }
        lastHash["decision_log"] = hash
        nextSeq["decision_log"] = seq + 1
        return seq
    }

    /// Decision-log rows matching `filter`, in log order (or newest first).
    public func decisions(_ filter: DecisionFilter) throws -> [DecisionLogRow] {
        var rows: [DecisionLogRow] = []
        try forEachDecision(filter) { rows.append($0) }
        return rows
    }

    /// Streams decision-log rows matching `filter` to `body`.
    public func forEachDecision(_ filter: DecisionFilter, _ body: (DecisionLogRow) throws -> Void) throws {
        var sql = "SELECT * FROM decision_log"
        var conds: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if let s = filter.subscriber { conds.append("subscriber_id = ?"); args.append(s) }
        if let s = filter.source { conds.append("source_id = ?"); args.append(s) }
        if let s = filter.decision { conds.append("decision = ?"); args.append(s) }
        if let s = filter.requestId { conds.append("request_id = ?"); args.append(s) }
        if let s = filter.agreement {
            conds.append("EXISTS (SELECT 1 FROM json_each(agreement_versions) WHERE json_extract(value, '$.id') = ?)")
            args.append(s)
        }
        if let d = filter.since { conds.append("decided_at >= ?"); args.append(Timestamp.format(d)) }
        if let d = filter.until { conds.append("decided_at < ?"); args.append(Timestamp.format(d)) }
        if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
        sql += filter.newestFirst ? " ORDER BY seq DESC" : " ORDER BY seq"
        if let l = filter.limit { sql += " LIMIT \(max(0, l))" }
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let r = try cursor.next() {
            try body(DecisionLogRow(
                seq: r["seq"], decisionId: r["decision_id"], decidedAt: r["decided_at"], requestId: r["request_id"],
                subscriber: r["subscriber_id"], source: r["source_id"], decision: r["decision"], policyHash: r["policy_hash"],
                agreementVersions: AgreementVersionRef.decode(r["agreement_versions"]), request: r["request"],
                response: r["response"], ledgerSeq: r["ledger_seq"], prevHash: r["prev_hash"], rowHash: r["row_hash"]))
        }
    }

    /// Registers a policy revision (source + exact text) if it is new; returns its hash.
    ///
    /// Idempotent: registering the same text again changes nothing.
    @discardableResult
    public func registerPolicy(_ policy: PolicyFolder.Policy, at now: Date) throws -> String {
        let ts = Timestamp.format(now)
        try db.cachedStatement(sql: "INSERT INTO source (id, registered_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
            .execute(arguments: [policy.source, ts])
        try db.cachedStatement(sql: """
            INSERT INTO policy_revision (source_id, hash, body, registered_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (source_id, hash) DO NOTHING
            """).execute(arguments: [policy.source, policy.revision, String(decoding: policy.bytes, as: UTF8.self), ts])
        return policy.revision
    }

    /// The text of a registered policy revision, if the store has it.
    public func policyText(source: String, revision: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM policy_revision WHERE source_id = ? AND hash = ?"),
                            arguments: [source, revision])
    }
}

extension Store {
    /// Appends many decisions in one transaction (a batch `check` calls this every N decisions).
    ///
    /// All or nothing; returns the `seq` of each row.
    @discardableResult
    public func appendDecisions(_ entries: [DecisionLogEntry]) throws(DiagnosticError) -> [Int64] {
        try write { tx in try entries.map { try tx.appendDecision($0) } }
    }

    /// Decision-log rows matching `filter`.
    public func decisions(_ filter: DecisionFilter = DecisionFilter()) throws(DiagnosticError) -> [DecisionLogRow] {
        try read { tx in try tx.decisions(filter) }
    }

    /// Registers a policy revision (idempotent); returns its hash.
    @discardableResult
    public func registerPolicy(_ policy: PolicyFolder.Policy, at now: Date = Date()) throws(DiagnosticError) -> String {
        try write { tx in try tx.registerPolicy(policy, at: now) }
    }
}
