import ClearanceCore
import Foundation
import GRDB
import GRDBSQLite

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

    /// A fresh decision id: `d-` and 32 lowercase hex digits — 12 of the time in milliseconds, then 20 random.
    ///
    /// The id is UNIQUE in the decision log, so SQLite keeps an index of it: fully random ids (as before
    /// session 4) landed at random places in that index, which outgrows the page cache on a long log and
    /// then costs page reads and writes per logged decision; ids that start with the time go to its end
    /// (as UUIDv7 does). 80 random bits per millisecond keep two processes' ids apart. Same shape as
    /// before, so nothing that reads the log changes. Two 64-bit draws, not sixteen byte draws: each draw
    /// of the system generator is a `getrandom` call, and a logged batch makes one id per decision.
    public static func newId(now: Date = Date()) -> String {
        var g = SystemRandomNumberGenerator()
        let a = g.next(), b = g.next()
        let ms = UInt64(max(0, min(now.timeIntervalSince1970 * 1000, Double(UInt64(1) << 48 - 1))))
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for i in (0..<6).reversed() { bytes.append(UInt8(truncatingIfNeeded: ms >> (UInt64(i) * 8))) }
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: a >> (UInt64(i) * 8))) }
        for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: b >> (UInt64(i) * 8))) }
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
    /// The stored `agreement_versions` text: `[{"id":"C-1","version":2},…]`, byte for byte what
    /// `JSONValue.array(…).serialized()` writes (a test compares), without building the tree.
    static func encode(_ refs: [AgreementVersionRef]) -> String {
        var out = ByteWriter(capacity: 32 + refs.count * 48)
        defer { out.free() }
        encode(refs, to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// Writes ``encode(_:)``'s text into `out`.
    static func encode(_ refs: [AgreementVersionRef], to out: inout ByteWriter) {
        out.put(0x5B)
        for (k, r) in refs.enumerated() {
            out.put(k == 0 ? ("{\"id\":" as StaticString) : (",{\"id\":" as StaticString))
            JSONBytes.appendString(r.id, to: &out)
            out.put(",\"version\":" as StaticString)
            out.put(JSONValue.formatNumber(Double(r.version)))
            out.put(0x7D)
        }
        out.put(0x5D)
    }

    /// The text the tree writer gives (the definition ``encode(_:)`` must match; tests).
    static func encodeViaTree(_ refs: [AgreementVersionRef]) -> String {
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
    ///
    /// Written for the logged batch (one call per decision, on the thread that writes the log while the
    /// workers decide the next block): the row's column texts go into one byte buffer, the canonical text
    /// (``Chain``'s definition: a compact JSON object of every column but `row_hash`, keys sorted) is written
    /// from it with the keys in their fixed sorted order — no `[(String, DatabaseValue)]`, no sorting, no
    /// `String` per value — and the insert binds the buffer's bytes through the SQLite C API
    /// (`SQLITE_STATIC`: the buffer outlives the step) instead of GRDB's `StatementArguments`.
    /// `clearance verify` recomputes every row's hash through `Chain.canonical` from the stored columns,
    /// and a test compares both on awkward values, so the two definitions cannot drift apart unseen.
    @discardableResult
    public func appendDecision(_ e: DecisionLogEntry) throws -> Int64 {
        switch e.decision {
        case "permit", "deny", "not_applicable": break
        default:
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
        let row = DecisionLogRowText(e, prev: prev)
        defer { row.free() }
        let hash = row.rowHash(seq: seq, ledgerSeq: e.ledgerSeq)
        let stmt = try db.cachedStatement(sql: """
            INSERT INTO decision_log (seq, decision_id, decided_at, request_id, subscriber_id, source_id, decision,
              policy_hash, agreement_versions, request, response, ledger_seq, prev_hash, row_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        do {
            try row.insert(stmt, seq: seq, ledgerSeq: e.ledgerSeq, rowHash: hash, db: db)
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

/// A decision-log row's column texts in one byte buffer, its canonical text and its insert (see
/// ``StoreTransaction/appendDecision(_:)``).
struct DecisionLogRowText {
    /// Where a column's bytes are in ``text`` (count -1: NULL).
    struct Span {
        var start = 0
        var count = -1
    }

    var text: ByteWriter
    var decisionId = Span(), decidedAt = Span(), requestId = Span(), subscriber = Span(), source = Span()
    var decision = Span(), policyHash = Span(), versions = Span(), request = Span(), response = Span(), prev = Span()

    init(_ e: DecisionLogEntry, prev prevHash: String) {
        // Request and response are most of a row (~1 KB): room for them, so the buffer is not regrown.
        text = ByteWriter(capacity: 512 + (e.requestText?.utf8.count ?? 512) + (e.responseText?.utf8.count ?? 1024))
        func put(_ s: String?) -> Span {
            guard let s else { return Span() }
            let start = text.count
            text.put(s)
            return Span(start: start, count: text.count - start)
        }
        decisionId = put(e.decisionId)
        decidedAt = put(Timestamp.format(e.decidedAt))
        requestId = put(e.requestId)
        subscriber = put(e.subscriber)
        source = put(e.source)
        decision = put(e.decision)
        policyHash = put(e.policyHash)
        let v = text.count
        AgreementVersionRef.encode(e.agreementVersions, to: &text)
        versions = Span(start: v, count: text.count - v)
        request = put(e.requestText ?? FastJSON.string(e.request))
        response = put(e.responseText ?? FastJSON.string(e.response))
        self.prev = put(prevHash)
    }

    func free() { text.free() }

    private func bytes(_ s: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.base + s.start, count: max(0, s.count))
    }

    /// The row's `row_hash` at `seq`: SHA-256 of the canonical text, written with the keys in sorted order
    /// (agreement_versions, decided_at, decision, decision_id, ledger_seq, policy_hash, prev_hash, request,
    /// request_id, response, seq, source_id, subscriber_id), each value as `Chain.canonical` writes it.
    func rowHash(seq: Int64, ledgerSeq: Int64?) -> String {
        var c = ByteWriter(capacity: 2 * text.count + 512)
        defer { c.free() }
        writeCanonical(seq: seq, ledgerSeq: ledgerSeq, to: &c)
        var h = SHA256()
        h.update(UnsafeRawBufferPointer(c.bytes))
        return SHA256.hexString(h.finalize())
    }

    /// The canonical text (tests compare it with `Chain.canonical`).
    func writeCanonical(seq: Int64, ledgerSeq: Int64?, to c: inout ByteWriter) {
        func str(_ key: StaticString, _ s: Span) {
            c.put(key)
            if s.count < 0 { c.put("null" as StaticString) } else { JSONBytes.appendString(utf8: bytes(s), to: &c) }
        }
        str("{\"agreement_versions\":", versions)
        str(",\"decided_at\":", decidedAt)
        str(",\"decision\":", decision)
        str(",\"decision_id\":", decisionId)
        c.put(",\"ledger_seq\":" as StaticString)
        if let ledgerSeq { c.put(JSONValue.formatNumber(Double(ledgerSeq))) } else { c.put("null" as StaticString) }
        str(",\"policy_hash\":", policyHash)
        str(",\"prev_hash\":", prev)
        str(",\"request\":", request)
        str(",\"request_id\":", requestId)
        str(",\"response\":", response)
        c.put(",\"seq\":" as StaticString)
        c.put(JSONValue.formatNumber(Double(seq)))
        str(",\"source_id\":", source)
        str(",\"subscriber_id\":", subscriber)
        c.put(0x7D)
    }

    /// Binds the row to the cached INSERT (columns in its order) and steps it; a failure throws the
    /// `DatabaseError` GRDB would (extended result code and message), so callers map it as before.
    func insert(_ statement: Statement, seq: Int64, ledgerSeq: Int64?, rowHash: String, db: Database) throws {
        let stmt = statement.sqliteStatement
        var hash = rowHash
        var message: String?
        let rc: Int32 = hash.withUTF8 { h in
            func bind(_ i: Int32, _ s: Span) {
                if s.count < 0 { sqlite3_bind_null(stmt, i); return }
                sqlite3_bind_text(stmt, i, UnsafeRawPointer(text.base + s.start).assumingMemoryBound(to: CChar.self), Int32(s.count), nil)
            }
            sqlite3_reset(stmt)
            sqlite3_bind_int64(stmt, 1, seq)
            bind(2, decisionId)
            bind(3, decidedAt)
            bind(4, requestId)
            bind(5, subscriber)
            bind(6, source)
            bind(7, decision)
            bind(8, policyHash)
            bind(9, versions)
            bind(10, request)
            bind(11, response)
            if let ledgerSeq { sqlite3_bind_int64(stmt, 12, ledgerSeq) } else { sqlite3_bind_null(stmt, 12) }
            bind(13, prev)
            if let base = h.baseAddress {
                sqlite3_bind_text(stmt, 14, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(h.count), nil)
            } else {
                sqlite3_bind_null(stmt, 14)
            }
            var rc = sqlite3_step(stmt)
            if rc == SQLITE_ROW { rc = SQLITE_DONE }
            if rc != SQLITE_DONE {
                message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                rc = db.sqliteConnection.map { sqlite3_extended_errcode($0) } ?? rc
            }
            sqlite3_reset(stmt)
            // Unbind: the bound pointers die with this call.
            sqlite3_clear_bindings(stmt)
            return rc
        }
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
    }
}
