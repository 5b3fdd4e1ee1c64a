import CPrefetch

/// The totals of an audit, kept up to date as findings stream past (bounded by subscribers × codes).
public struct AuditSummary: Sendable, Equatable {
    /// Counts for one subscriber.
    public struct SubscriberTotals: Sendable, Equatable {
        public var events = 0
        public var errors = 0
        public var warnings = 0
        public var byCode: [Finding.Code: Int] = [:]
        public init() {}
        /// All findings for this subscriber.
        public var findings: Int { errors + warnings }
    }

    /// Input files (or `ledger`) in the order read.
    public var files: [String] = []
    /// Lines read (including malformed ones and blank lines skipped).
    public var linesRead = 0
    /// Events read and judged (well-formed, inside the filters).
    public var eventsAudited = 0
    /// Events left out by `--from/--to/--subscriber/--source`.
    public var eventsFiltered = 0
    /// Events judged with no finding at all.
    public var eventsClean = 0
    /// Events repeated (an event id already audited at the same instant: counted once).
    public var duplicates = 0
    /// Lines that were not usage events (each is also a `malformed_event` finding).
    public var malformed = 0
    /// Events earlier than an event before them in the same file (quota order is then approximate).
    public var outOfOrder = 0
    /// Ledger events counted for quotas only.
    public var ledgerEventsCounted = 0
    public var errors = 0
    public var warnings = 0
    public var byCode: [Finding.Code: Int] = [:]
    public var bySubscriber: [String: SubscriberTotals] = [:]
    /// Earliest and latest event time audited (ISO 8601 text as written).
    public var firstAt: String?
    public var lastAt: String?

    public init() {}

    /// Total findings.
    public var findings: Int { errors + warnings }

    /// Counts an event that was judged (whatever its findings).
    public mutating func countEvent(subscriber: String, at: String, epoch: Int64, clean: Bool) {
        countEvent(subscriber: subscriber, epoch: epoch, clean: clean) { at }
    }

    /// Counts an event; `text` (its time as written in reports) is asked for only when the event is
    /// the earliest or latest so far, so the common event formats no time at all.
    public mutating func countEvent(subscriber: String, epoch: Int64, clean: Bool, text: () -> String) {
        eventsAudited += 1
        if clean { eventsClean += 1 }
        bySubscriber[subscriber, default: SubscriberTotals()].events += 1
        if firstEpoch.map({ epoch < $0 }) ?? true { firstEpoch = epoch; firstAt = text() }
        if lastEpoch.map({ epoch > $0 }) ?? true { lastEpoch = epoch; lastAt = text() }
    }

    fileprivate var firstEpoch: Int64?
    fileprivate var lastEpoch: Int64?

    /// Counts a finding.
    public mutating func count(_ f: Finding) {
        count(code: f.code, severity: f.severity, subscriber: f.subscriber)
    }

    /// Counts a finding by its code, severity and subscriber (a finding written straight as bytes).
    public mutating func count(code: Finding.Code, severity: Finding.Severity, subscriber: String?) {
        switch severity {
        case .error: errors += 1
        case .warning: warnings += 1
        }
        byCode[code, default: 0] += 1
        if code == .malformedEvent { malformed += 1 }
        if let s = subscriber {
            // In place (the dictionary's `_modify`): copying the totals out and back made their
            // `byCode` dictionary shared for a moment, so every finding copied it (perf, 1M events).
            Self.count(code, severity, into: &bySubscriber[s, default: SubscriberTotals()])
        }
    }

    private static func count(_ code: Finding.Code, _ severity: Finding.Severity, into t: inout SubscriberTotals) {
        switch severity {
        case .error: t.errors += 1
        case .warning: t.warnings += 1
        }
        t.byCode[code, default: 0] += 1
    }

    /// Adds another part's counts (the audit's decide workers each keep their own summary).
    ///
    /// Every count is a sum, the per-code and per-subscriber tallies are summed key by key, and the
    /// earliest and latest times are the minimum and maximum: the result does not depend on how the
    /// events were split. `files` is kept from `self`.
    public mutating func add(_ o: AuditSummary) {
        linesRead += o.linesRead
        eventsAudited += o.eventsAudited
        eventsFiltered += o.eventsFiltered
        eventsClean += o.eventsClean
        duplicates += o.duplicates
        malformed += o.malformed
        outOfOrder += o.outOfOrder
        ledgerEventsCounted += o.ledgerEventsCounted
        errors += o.errors
        warnings += o.warnings
        for (c, n) in o.byCode { byCode[c, default: 0] += n }
        for (s, t) in o.bySubscriber {
            var m = bySubscriber[s, default: SubscriberTotals()]
            m.events += t.events
            m.errors += t.errors
            m.warnings += t.warnings
            for (c, n) in t.byCode { m.byCode[c, default: 0] += n }
            bySubscriber[s] = m
        }
        if let e = o.firstEpoch, firstEpoch.map({ e < $0 }) ?? true { firstEpoch = e; firstAt = o.firstAt }
        if let e = o.lastEpoch, lastEpoch.map({ e > $0 }) ?? true { lastEpoch = e; lastAt = o.lastAt }
    }

    /// Subscribers with findings, worst first (most errors, then most warnings, then id).
    public func worstOffenders(limit: Int = 10) -> [(subscriber: String, totals: SubscriberTotals)] {
        bySubscriber.filter { $0.value.findings > 0 }
            .sorted { a, b in
                if a.value.errors != b.value.errors { return a.value.errors > b.value.errors }
                if a.value.warnings != b.value.warnings { return a.value.warnings > b.value.warnings }
                return a.key < b.key
            }
            .prefix(limit)
            .map { ($0.key, $0.value) }
    }

    /// Codes with counts, most frequent first.
    public func codesByCount() -> [(code: Finding.Code, count: Int)] {
        byCode.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Appends ``jsonValue(worstLimit:)`` as `serialized(pretty: true)` writes it (same bytes: keys in the
    /// same order, two-space indents, whole numbers, ``JSONBytes`` escapes), without building the tree.
    public func appendPrettyJSON(to out: inout [UInt8], worstLimit: Int = 10) {
        func newline(_ indent: Int) {
            out.append(0x0A)
            for _ in 0..<indent { out.append(0x20) }
        }
        // `"key": ` after the separator and indent of a member (`first`: no comma).
        func key(_ k: String, first: Bool, indent: Int) {
            if !first { out.append(0x2C) }
            newline(indent)
            JSONBytes.appendString(k, to: &out)
            out.append(0x3A)
            out.append(0x20)
        }
        func number(_ k: String, _ n: Int, first: Bool = false, indent: Int) {
            key(k, first: first, indent: indent)
            FindingJSON.appendInt(n, to: &out)
        }
        func strings(_ list: [String], indent: Int) {
            if list.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(0x5B)
            for (k, v) in list.enumerated() {
                if k > 0 { out.append(0x2C) }
                newline(indent + 2)
                JSONBytes.appendString(v, to: &out)
            }
            newline(indent)
            out.append(0x5D)
        }
        out.append(0x7B)
        key("files", first: true, indent: 2)
        strings(files, indent: 2)
        number("linesRead", linesRead, indent: 2)
        number("eventsAudited", eventsAudited, indent: 2)
        number("eventsClean", eventsClean, indent: 2)
        number("eventsFiltered", eventsFiltered, indent: 2)
        number("duplicates", duplicates, indent: 2)
        number("malformed", malformed, indent: 2)
        number("outOfOrder", outOfOrder, indent: 2)
        number("ledgerEventsCounted", ledgerEventsCounted, indent: 2)
        number("findings", findings, indent: 2)
        number("errors", errors, indent: 2)
        number("warnings", warnings, indent: 2)
        if let firstAt { key("from", first: false, indent: 2); JSONBytes.appendString(firstAt, to: &out) }
        if let lastAt { key("to", first: false, indent: 2); JSONBytes.appendString(lastAt, to: &out) }
        key("byCode", first: false, indent: 2)
        let codes = codesByCount()
        if codes.isEmpty { out.append(contentsOf: "{}".utf8) } else {
            out.append(0x7B)
            for (k, c) in codes.enumerated() { number(c.code.rawValue, c.count, first: k == 0, indent: 4) }
            newline(2)
            out.append(0x7D)
        }
        key("bySubscriber", first: false, indent: 2)
        var firstSubscriber = true
        for (s, t) in bySubscriber.sorted(by: { $0.key < $1.key }) where t.findings > 0 {
            if firstSubscriber { out.append(0x7B) }
            key(s, first: firstSubscriber, indent: 4)
            firstSubscriber = false
            out.append(0x7B)
            number("events", t.events, first: true, indent: 6)
            number("errors", t.errors, indent: 6)
            number("warnings", t.warnings, indent: 6)
            key("byCode", first: false, indent: 6)
            let byCode = t.byCode.sorted(by: { $0.key < $1.key })
            if byCode.isEmpty { out.append(contentsOf: "{}".utf8) } else {
                out.append(0x7B)
                for (k, c) in byCode.enumerated() { number(c.key.rawValue, c.value, first: k == 0, indent: 8) }
                newline(6)
                out.append(0x7D)
            }
            newline(4)
            out.append(0x7D)
        }
        if firstSubscriber { out.append(contentsOf: "{}".utf8) } else {
            newline(2)
            out.append(0x7D)
        }
        key("worstOffenders", first: false, indent: 2)
        strings(worstOffenders(limit: worstLimit).map(\.subscriber), indent: 2)
        newline(0)
        out.append(0x7D)
    }

    /// The summary as a JSON value (the `summary` of the `json` report).
    public func jsonValue(worstLimit: Int = 10) -> JSONValue {
        var o = JSONObject()
        o["files"] = .array(files.map { .string($0) })
        o["linesRead"] = .number(Double(linesRead))
        o["eventsAudited"] = .number(Double(eventsAudited))
        o["eventsClean"] = .number(Double(eventsClean))
        o["eventsFiltered"] = .number(Double(eventsFiltered))
        o["duplicates"] = .number(Double(duplicates))
        o["malformed"] = .number(Double(malformed))
        o["outOfOrder"] = .number(Double(outOfOrder))
        o["ledgerEventsCounted"] = .number(Double(ledgerEventsCounted))
        o["findings"] = .number(Double(findings))
        o["errors"] = .number(Double(errors))
        o["warnings"] = .number(Double(warnings))
        if let firstAt { o["from"] = .string(firstAt) }
        if let lastAt { o["to"] = .string(lastAt) }
        var codes = JSONObject()
        for (c, n) in codesByCount() { codes[c.rawValue] = .number(Double(n)) }
        o["byCode"] = .object(codes)
        var subs = JSONObject()
        for (s, t) in bySubscriber.sorted(by: { $0.key < $1.key }) where t.findings > 0 {
            var so = JSONObject()
            so["events"] = .number(Double(t.events))
            so["errors"] = .number(Double(t.errors))
            so["warnings"] = .number(Double(t.warnings))
            var sc = JSONObject()
            for (c, n) in t.byCode.sorted(by: { $0.key < $1.key }) { sc[c.rawValue] = .number(Double(n)) }
            so["byCode"] = .object(sc)
            subs[s] = .object(so)
        }
        o["bySubscriber"] = .object(subs)
        o["worstOffenders"] = .array(worstOffenders(limit: worstLimit).map { .string($0.subscriber) })
        return .object(o)
    }
}

/// One decide worker's counts while an audit runs, in arrays by code, turned into an ``AuditSummary`` at
/// the end (``summary()``): the same counts as ``AuditSummary/countEvent(subscriber:epoch:clean:text:)`` and a
/// ``AuditSummary/count(code:severity:subscriber:)`` per finding.
///
/// Why: the summary keeps its counts by code in dictionaries, the totals' and each subscriber's, so a
/// finding hashed its code twice and an event looked its subscriber's totals up by id; perf put
/// `countEvent` at 5.6% of all samples of the 1M audit at 30,000 agreements (audit session 7 in
/// bench/PROFILE.md). Here an event is one look-up of its subscriber's row and a finding two array
/// increments; the dictionaries are made once, at the end.
public struct AuditTally {
    private static let codeCount = Finding.Code.allCases.count
    /// Per subscriber row: events, errors, warnings, then one count per code (``Finding/Code/ordinal``).
    private static let stride = 3 + codeCount

    private var eventsAudited = 0
    private var eventsClean = 0
    private var byCode = [Int](repeating: 0, count: AuditTally.codeCount)
    private var errors = 0
    private var warnings = 0
    /// Subscriber id -> row (its position in `subscribers`): open addressing by ``AgreementBook/subscriberHash(_:)``
    /// (the hash the audit's dispatcher already made to choose the worker), linear probing, at most half full.
    ///
    /// Why not `[String: Int]` (as before): SipHash of the id per event, and at 10,000 subscribers met in random order
    /// the dictionary's bucket, key and value were cold, dependent misses (perf, 1M events at 30,000 agreements:
    /// `countEvent` 4.1% of all samples). A bucket here holds the id, its hash and its row in one line, and the decide
    /// worker asks for it and for the row's counts ahead (``prefetch(subscriberHash:stage:)``).
    private var table: [Bucket] = []
    private var used = 0
    private struct Bucket {
        var subscriber: String
        /// 0: empty (a stored hash is never 0: ``AuditTally/key(_:)``).
        var hash: UInt64
        var row: Int
    }
    private var subscribers: [String] = []
    /// The rows, one after another (`stride` counts each).
    private var counts: [Int] = []
    private var firstEpoch: Int64?
    private var lastEpoch: Int64?
    private var firstAt: String?
    private var lastAt: String?

    public init() {}

    /// Counts an event and its findings (their codes and severities); `text` (the event's time as reports
    /// write it) is asked for only when the event is the earliest or latest so far.
    public mutating func countEvent(subscriber: String, epoch: Int64, findings: ArraySlice<(code: Finding.Code, severity: Finding.Severity)>,
                                    text: () -> String) {
        countEvent(subscriber: subscriber, subscriberHash: AgreementBook.subscriberHash(subscriber), epoch: epoch,
                   findings: findings, text: text)
    }

    /// ``countEvent(subscriber:epoch:findings:text:)`` with the subscriber's ``AgreementBook/subscriberHash(_:)`` made
    /// already (any hash gives the same counts: it only says where to look).
    public mutating func countEvent(subscriber: String, subscriberHash: UInt64, epoch: Int64,
                                    findings: ArraySlice<(code: Finding.Code, severity: Finding.Severity)>, text: () -> String) {
        eventsAudited += 1
        if findings.isEmpty { eventsClean += 1 }
        let row = self.row(subscriber, AuditTally.key(subscriberHash))
        let base = row * AuditTally.stride
        counts[base] += 1
        for f in findings {
            let o = f.code.ordinal
            byCode[o] += 1
            counts[base + 3 + o] += 1
            switch f.severity {
            case .error: errors += 1; counts[base + 1] += 1
            case .warning: warnings += 1; counts[base + 2] += 1
            }
        }
        if firstEpoch.map({ epoch < $0 }) ?? true { firstEpoch = epoch; firstAt = text() }
        if lastEpoch.map({ epoch > $0 }) ?? true { lastEpoch = epoch; lastAt = text() }
    }

    /// A stored hash: never 0 (an empty bucket's).
    @inline(__always)
    private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The row of `subscriber` (hash `h`), made when new.
    @inline(__always)
    private mutating func row(_ subscriber: String, _ h: UInt64) -> Int {
        if !table.isEmpty {
            let found: Int? = table.withUnsafeBufferPointer { t in
                let mask = t.count - 1
                var i = Int(truncatingIfNeeded: h) & mask
                while t[i].hash != 0 {
                    if t[i].hash == h && t[i].subscriber == subscriber { return t[i].row }
                    i = (i + 1) & mask
                }
                return nil
            }
            if let found { return found }
        }
        let row = subscribers.count
        subscribers.append(subscriber)
        counts.append(contentsOf: repeatElement(0, count: AuditTally.stride))
        if (used + 1) * 2 > table.count { grow() }
        insert(Bucket(subscriber: subscriber, hash: h, row: row))
        used += 1
        return row
    }

    private mutating func insert(_ b: Bucket) {
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: b.hash) & mask
        while table[i].hash != 0 { i = (i + 1) & mask }
        table[i] = b
    }

    private mutating func grow() {
        let old = table
        table = Array(repeating: Bucket(subscriber: "", hash: 0, row: 0), count: max(1024, old.count * 2))
        for b in old where b.hash != 0 { insert(b) }
    }

    /// Asks for the cache lines the next ``countEvent(subscriber:subscriberHash:epoch:findings:text:)`` of a subscriber
    /// with this hash reads (a prefetch, nothing waits): stage 0 its bucket, stage 1 (a stage later, when the bucket
    /// has come) its row's counts. By the hash alone: another subscriber's row only wastes the prefetch.
    ///
    /// `mutating` though it changes nothing: called on a worker's tally (a class's stored property), a non-mutating
    /// method got a copy of the whole struct, a retain and a release of each of its arrays, twice an event (perf, 1M
    /// events: `AuditTally` value witness copy and destroy ~2.9% of all samples).
    public mutating func prefetch(subscriberHash: UInt64, stage: Int) {
        guard !table.isEmpty else { return }
        let h = AuditTally.key(subscriberHash)
        table.withUnsafeBufferPointer { t in
            let mask = t.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            guard let base = t.baseAddress else { return }
            if stage == 0 { clearance_prefetch(base + i); return }
            while t[i].hash != 0 {
                if t[i].hash == h {
                    let row = t[i].row
                    counts.withUnsafeBufferPointer { c in
                        if let cb = c.baseAddress, row * AuditTally.stride < c.count {
                            clearance_prefetch_range(cb + row * AuditTally.stride, AuditTally.stride * MemoryLayout<Int>.stride)
                        }
                    }
                    return
                }
                i = (i + 1) & mask
            }
        }
    }

    /// These counts as a summary (codes with no finding are left out, as the summary's dictionaries do).
    public func summary() -> AuditSummary {
        var s = AuditSummary()
        s.eventsAudited = eventsAudited
        s.eventsClean = eventsClean
        s.errors = errors
        s.warnings = warnings
        let codes = Finding.Code.allCases
        for (o, c) in codes.enumerated() where byCode[o] > 0 { s.byCode[c] = byCode[o] }
        s.malformed = byCode[Finding.Code.malformedEvent.ordinal]
        s.bySubscriber.reserveCapacity(subscribers.count)
        for (row, id) in subscribers.enumerated() {
            let base = row * AuditTally.stride
            var t = AuditSummary.SubscriberTotals()
            t.events = counts[base]
            t.errors = counts[base + 1]
            t.warnings = counts[base + 2]
            for (o, c) in codes.enumerated() where counts[base + 3 + o] > 0 { t.byCode[c] = counts[base + 3 + o] }
            s.bySubscriber[id] = t
        }
        s.firstEpoch = firstEpoch
        s.firstAt = firstAt
        s.lastEpoch = lastEpoch
        s.lastAt = lastAt
        return s
    }
}
