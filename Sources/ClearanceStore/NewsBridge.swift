import ClearanceCore
import Foundation

extension LedgerEntry {
    /// A ledger entry for a usage event (`usage import`). Without a request id, the event id is
    /// `u-` + the SHA-256 of the event's JSON (so re-importing the same event is still idempotent).
    public init(event: UsageEvent, origin: Origin = .import, decision: String? = nil,
                agreementId: String? = nil, grantPosition: Int? = nil) {
        let doc = event.json
        self.init(request: event.request, document: doc, origin: origin, decision: decision,
                  agreementId: agreementId, grantPosition: grantPosition)
    }

    /// A ledger entry for a checked request (`check --record`): the permitting agreement and grant, if any.
    public init(request r: RepublicationRequest, document: JSONValue? = nil, origin: Origin = .check, decision: String?,
                agreementId: String?, grantPosition: Int?) {
        let doc = document ?? r.json
        let id = r.id ?? ("u-" + SHA256.hex(doc.serialized(sortedKeys: true)).prefix(40))
        self.init(eventId: id, origin: origin, at: r.at.date, subscriber: r.subscriber, source: r.source,
                  agreementId: agreementId, grantPosition: grantPosition, assetId: r.asset.id,
                  assetKind: r.asset.kind.rawValue, action: r.action, extent: r.extent.rawValue, portion: r.portion,
                  channel: r.channel.rawValue, territory: r.territory, decision: decision, document: doc)
    }
}

/// What `check --record` decided inside its transaction.
public struct RecordedUse: Sendable {
    /// The ledger outcome: written, already there, or nil when nothing was recorded (a deny).
    public var ledger: LedgerInsert?
    /// The decision-log row's seq, when the decision was logged.
    public var decisionSeq: Int64?
}

/// What the decide step of ``Store/recordUse(_:at:log:decide:)`` returns.
public struct UseDecision: Sendable {
    /// Record the use in the ledger (a permit), attributed to this agreement and grant.
    public var record: Bool
    public var agreementId: String?
    public var grantPosition: Int?
    /// The decision, for the ledger's `decision` column and the decision log.
    public var decision: String
    /// The decision-log entry to append (nil with `--no-log`).
    public var logEntry: DecisionLogEntry?

    public init(record: Bool, agreementId: String? = nil, grantPosition: Int? = nil, decision: String,
                logEntry: DecisionLogEntry?) {
        self.record = record
        self.agreementId = agreementId
        self.grantPosition = grantPosition
        self.decision = decision
        self.logEntry = logEntry
    }
}

extension Store {
    /// Checks and records one use atomically (`clearance check --record`).
    ///
    /// In one `IMMEDIATE` transaction: loads the subscriber's agreements with the request's source
    /// as they stood at `request.at`, calls `decide` with them and a quota counter
    /// (`count(agreementId, grantPosition, window)` reads the ledger inside the same transaction),
    /// then writes the ledger row (when `record` is true) and the decision-log row (linked to it).
    /// Two processes doing this at once queue on the write lock, so a quota can never be overrun.
    public func recordUse(
        _ request: RepublicationRequest, at now: Date = Date(),
        decide: (_ agreements: [Agreement], _ count: (_ agreement: String, _ grant: Int?, _ from: Instant, _ until: Instant) throws -> Int) throws -> UseDecision
    ) throws(DiagnosticError) -> RecordedUse {
        try write { tx in
            let agreements = try tx.agreements(subscriber: request.subscriber, source: request.source, asOf: request.at)
            let d = try decide(agreements) { a, g, from, until in
                try tx.usageCount(agreement: a, grant: g, from: from.date, until: until.date)
            }
            var ledger: LedgerInsert?
            if d.record {
                ledger = try tx.recordUse(LedgerEntry(request: request, decision: d.decision, agreementId: d.agreementId,
                                                      grantPosition: d.grantPosition), recordedAt: now)
            }
            var seq: Int64?
            if var entry = d.logEntry {
                if case .inserted(let s)? = ledger { entry.ledgerSeq = s }
                seq = try tx.appendDecision(entry)
            }
            return RecordedUse(ledger: ledger, decisionSeq: seq)
        }
    }

    /// Imports usage events into the ledger (all or nothing, idempotent by event id).
    public func importUsage(_ events: [UsageEvent], at now: Date = Date()) throws(DiagnosticError) -> UsageImportResult {
        try importUsage(events.map { LedgerEntry(event: $0) }, at: now)
    }
}
