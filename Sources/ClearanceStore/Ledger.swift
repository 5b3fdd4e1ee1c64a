import ClearanceCore
import Foundation
import GRDB

/// One use to write into the usage ledger (what was republished, by whom, when).
///
/// `document` is the full usage event as JSON (DESIGN.md's usage event: the request plus
/// evidence); the other fields are the columns the store indexes and counts by.
public struct LedgerEntry: Sendable, Equatable {
    /// Where a ledger row came from: a `check --record`, or a `usage import`.
    public enum Origin: String, Sendable { case check, `import` }

    /// Unique id of the use (the request or usage event id): the ledger is idempotent by it.
    public var eventId: String
    public var origin: Origin
    /// When the use happened.
    public var at: Date
    public var subscriber: String
    public var source: String
    /// The agreement whose grant permitted it (`check --record`), if known.
    public var agreementId: String?
    /// The index of that grant in the agreement's version in force.
    public var grantPosition: Int?
    public var assetId: String?
    public var assetKind: String?
    public var action: String?
    public var extent: String?
    public var portion: Double?
    public var channel: String?
    public var territory: String?
    /// The decision made about the use, when one was made.
    public var decision: String?
    /// The whole event as a JSON object.
    public var document: JSONValue

    public init(
        eventId: String, origin: Origin, at: Date, subscriber: String, source: String, agreementId: String? = nil,
        grantPosition: Int? = nil, assetId: String? = nil, assetKind: String? = nil, action: String? = nil,
        extent: String? = nil, portion: Double? = nil, channel: String? = nil, territory: String? = nil,
        decision: String? = nil, document: JSONValue
    ) {
        self.eventId = eventId
        self.origin = origin
        self.at = at
        self.subscriber = subscriber
        self.source = source
        self.agreementId = agreementId
        self.grantPosition = grantPosition
        self.assetId = assetId
        self.assetKind = assetKind
        self.action = action
        self.extent = extent
        self.portion = portion
        self.channel = channel
        self.territory = territory
        self.decision = decision
        self.document = document
    }
}

/// A usage-ledger row as stored.
public struct LedgerRow: Sendable {
    public var seq: Int64
    public var eventId: String
    public var origin: String
    public var at: String
    public var subscriber: String
    public var source: String
    public var agreementId: String?
    public var grantPosition: Int?
    public var assetId: String?
    public var assetKind: String?
    public var action: String?
    public var extent: String?
    public var portion: Double?
    public var channel: String?
    public var territory: String?
    public var decision: String?
    /// The event as JSON text (from schema v8 a row may store it compact: this is the full text, completed
    /// from the row's columns; see `LedgerDocument`).
    public var document: String
    public var recordedAt: String
    public var prevHash: String
    public var rowHash: String

    init(_ r: Row) {
        seq = r["seq"]; eventId = r["event_id"]; origin = r["origin"]; at = r["at"]
        subscriber = r["subscriber_id"]; source = r["source_id"]; agreementId = r["agreement_id"]
        grantPosition = r["grant_position"]; assetId = r["asset_id"]; assetKind = r["asset_kind"]
        action = r["action"]; extent = r["extent"]; portion = r["portion"]; channel = r["channel"]
        territory = r["territory"]; decision = r["decision"]
        recordedAt = r["recorded_at"]; prevHash = r["prev_hash"]; rowHash = r["row_hash"]
        let stored: String = r["document"]
        // A compact document that is not of the form (written outside clearance) is kept as stored: the
        // audit then reports the row as malformed, and `verify` as `ledger.bad_document`.
        document = LedgerDocument.expand(stored, columns: LedgerDocument.Columns(
            eventId: eventId, subscriber: subscriber, source: source, assetId: assetId, assetKind: assetKind, action: action,
            extent: extent, portion: portion, channel: channel, territory: territory, at: at)) ?? stored
    }

    /// The full document of the ledger row whose event id is `eventId`, if there is one (see ``document``).
    static func document(eventId: String, in db: Database) throws -> String? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM usage_ledger WHERE event_id = ?"), arguments: [eventId])
            .map { LedgerRow($0).document }
    }
}

/// What happened to a use handed to the ledger.
public enum LedgerInsert: Sendable, Equatable {
    /// Written as row `seq`.
    case inserted(seq: Int64)
    /// A use with the same event id was already in the ledger (row `seq`); nothing written.
    case duplicate(seq: Int64)
}

/// The outcome of ``Store/importUsage(_:at:)``.
public struct UsageImportResult: Sendable, Equatable {
    /// Rows written.
    public var inserted: Int
    /// Events already in the ledger with identical content (skipped: re-importing a file is a no-op).
    public var alreadyPresent: Int
}

/// Uses counted per agreement and period (`usageCounts`).
public struct UsageCount: Sendable, Equatable {
    public var agreementId: String
    /// The period's first instant, stored form (`2026-11-01T00:00:00Z` for a month; `term` for a whole-term count).
    public var periodStart: String
    public var count: Int
}

extension StoreTransaction {
    /// Writes one use into the hash-chained ledger, unless its event id is already there.
    ///
    /// Use inside ``Store/write(_:)`` together with the quota count, so check-and-record is atomic.
    @discardableResult
    public func recordUse(_ e: LedgerEntry, recordedAt: Date = Date()) throws -> LedgerInsert {
        if let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM usage_ledger WHERE event_id = ?"),
                                        arguments: [e.eventId]) {
            return .duplicate(seq: seq)
        }
        let seq = (try Int64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM usage_ledger"))) ?? 1
        let prev = try chainHead("usage_ledger")
        // The instants' digits: SQLite checks only their structure from schema v7 (`Schema.v7`).
        let at = Timestamp.format(e.at), recorded = Timestamp.format(recordedAt)
        guard Timestamp.hasStoredShape(at) else { throw LedgerRowWriter.instantRefused("at") }
        guard Timestamp.hasStoredShape(recorded) else { throw LedgerRowWriter.instantRefused("recorded_at") }
        let cols: [(String, DatabaseValue)] = [
            ("seq", seq.databaseValue),
            ("event_id", e.eventId.databaseValue),
            ("origin", e.origin.rawValue.databaseValue),
            ("at", at.databaseValue),
            ("subscriber_id", e.subscriber.databaseValue),
            ("source_id", e.source.databaseValue),
            ("agreement_id", e.agreementId.databaseValue),
            ("grant_position", e.grantPosition.databaseValue),
            ("asset_id", e.assetId.databaseValue),
            ("asset_kind", e.assetKind.databaseValue),
            ("action", e.action.databaseValue),
            ("extent", e.extent.databaseValue),
            ("portion", e.portion.databaseValue),
            ("channel", e.channel.databaseValue),
            ("territory", e.territory.databaseValue),
            ("decision", e.decision.databaseValue),
            ("document", FastJSON.string(e.document).databaseValue),
            ("recorded_at", recorded.databaseValue),
            ("prev_hash", prev.databaseValue),
        ]
        let hash = Chain.rowHash(cols)
        try db.cachedStatement(sql: """
            INSERT INTO usage_ledger (seq, event_id, origin, at, subscriber_id, source_id, agreement_id, grant_position,
              asset_id, asset_kind, action, extent, portion, channel, territory, decision, document, recorded_at,
              prev_hash, row_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(cols.map(\.1) + [hash.databaseValue]))
        lastHash["usage_ledger"] = hash
        return .inserted(seq: seq)
    }

    /// How many recorded uses an agreement (optionally one grant of it) has in `[from, until)`.
    ///
    /// This is the quota count; call it inside the same ``Store/write(_:)`` as ``recordUse(_:recordedAt:)``.
    public func usageCount(agreement: String, grant: Int? = nil, from: Date, until: Date) throws -> Int {
        if let grant {
            return try Int.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*) FROM usage_ledger WHERE agreement_id = ? AND grant_position = ? AND at >= ? AND at < ?
                """), arguments: [agreement, grant, Timestamp.format(from), Timestamp.format(until)]) ?? 0
        }
        return try Int.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*) FROM usage_ledger WHERE agreement_id = ? AND at >= ? AND at < ?
            """), arguments: [agreement, Timestamp.format(from), Timestamp.format(until)]) ?? 0
    }

    /// Streams ledger rows in time order (then ledger order), optionally within `[from, until)`
    /// and for one subscriber and/or source. Memory stays flat however big the ledger is.
    public func forEachUse(from: Date? = nil, until: Date? = nil, subscriber: String? = nil, source: String? = nil,
                           _ body: (LedgerRow) throws -> Void) throws {
        var conds: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if let from { conds.append("at >= ?"); args.append(Timestamp.format(from)) }
        if let until { conds.append("at < ?"); args.append(Timestamp.format(until)) }
        if let subscriber { conds.append("subscriber_id = ?"); args.append(subscriber) }
        if let source { conds.append("source_id = ?"); args.append(source) }
        var sql = "SELECT * FROM usage_ledger"
        if !conds.isEmpty { sql += " WHERE " + conds.joined(separator: " AND ") }
        sql += " ORDER BY at, seq"
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
        while let r = try cursor.next() { try body(LedgerRow(r)) }
    }

    /// Uses per agreement and calendar period in `[from, until)` (rows without an agreement are not counted).
    public func usageCounts(per period: QuotaPeriod, from: Date? = nil, until: Date? = nil, agreement: String? = nil) throws -> [UsageCount] {
        let key: String
        switch period {
        case .day: key = "substr(at, 1, 10) || 'T00:00:00Z'"
        case .month: key = "substr(at, 1, 7) || '-01T00:00:00Z'"
        case .year: key = "substr(at, 1, 4) || '-01-01T00:00:00Z'"
        case .week: key = "strftime('%Y-%m-%dT00:00:00Z', at, '-' || ((CAST(strftime('%w', at) AS INTEGER) + 6) % 7) || ' days')"
        case .term: key = "'term'"
        }
        var conds = ["agreement_id IS NOT NULL"]
        var args: [DatabaseValueConvertible?] = []
        if let from { conds.append("at >= ?"); args.append(Timestamp.format(from)) }
        if let until { conds.append("at < ?"); args.append(Timestamp.format(until)) }
        if let agreement { conds.append("agreement_id = ?"); args.append(agreement) }
        let sql = """
            SELECT agreement_id, \(key) AS period, COUNT(*) AS n FROM usage_ledger
            WHERE \(conds.joined(separator: " AND ")) GROUP BY agreement_id, period ORDER BY agreement_id, period
            """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            UsageCount(agreementId: $0["agreement_id"], periodStart: $0["period"], count: $0["n"])
        }
    }
}

extension Store {
    /// Imports usage events into the ledger: all or nothing, idempotent by event id.
    ///
    /// An event whose id is already in the ledger with the same document is skipped (so
    /// re-importing a file changes nothing); the same id with a different document is an error
    /// (`usage.conflicting_event`, location `index N`), and then nothing is written.
    public func importUsage(_ events: [LedgerEntry], at now: Date = Date()) throws(DiagnosticError) -> UsageImportResult {
        try write { tx in
            var inserted = 0, present = 0
            var problems: [Diagnostic] = []
            var seen: [String: Int] = [:]
            for (i, e) in events.enumerated() {
                if let first = seen[e.eventId] {
                    if events[first].document != e.document {
                        problems.append(Diagnostic(
                            code: "usage.conflicting_event",
                            message: "event `\(e.eventId)` appears twice with different content (first at index \(first))",
                            hint: "give each use its own id", location: "index \(i)", category: .invalidValue))
                    } else {
                        present += 1
                    }
                    continue
                }
                seen[e.eventId] = i
                if let existing = try LedgerRow.document(eventId: e.eventId, in: tx.db) {
                    if existing == FastJSON.string(e.document) {
                        present += 1
                    } else {
                        problems.append(Diagnostic(
                            code: "usage.conflicting_event",
                            message: "event `\(e.eventId)` is already in the ledger with different content",
                            hint: "give each use its own id", location: "index \(i)", category: .invalidValue))
                    }
                    continue
                }
                if problems.isEmpty {
                    try tx.recordUse(e, recordedAt: now)
                    inserted += 1
                }
            }
            if !problems.isEmpty { throw DiagnosticError(problems) }
            return UsageImportResult(inserted: inserted, alreadyPresent: present)
        }
    }

    /// Streams the ledger in time order (see ``StoreTransaction/forEachUse(from:until:subscriber:source:_:)``).
    public func forEachUse(from: Date? = nil, until: Date? = nil, subscriber: String? = nil, source: String? = nil,
                           _ body: (LedgerRow) throws -> Void) throws(DiagnosticError) {
        try read { tx in try tx.forEachUse(from: from, until: until, subscriber: subscriber, source: source, body) }
    }

    /// Uses per agreement and calendar period.
    public func usageCounts(per period: QuotaPeriod, from: Date? = nil, until: Date? = nil, agreement: String? = nil) throws(DiagnosticError) -> [UsageCount] {
        try read { tx in try tx.usageCounts(per: period, from: from, until: until, agreement: agreement) }
    }
}
