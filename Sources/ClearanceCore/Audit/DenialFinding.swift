/// A denial's finding as the auditor decided it, before it is written: the code, the reason it
/// quotes, the other reasons it lists, the clause and the quote — and the event it is about.
///
/// One value, two writers: ``finding`` (a ``Finding``, its fields as `String`s: the text, CSV and
/// HTML reports, the tests) and ``appendJSON(into:)`` (the compact JSON object written straight into
/// the report's bytes: the `json` and `jsonl` reports on the decide workers). The words (message,
/// remedy) are written once, through ``FindingText``, into either.
///
/// Why: three quarters of the bench log's events are denials. Building a `Finding` made a message
/// (the reason's sentence + " (also: …)" joined from one `String` per other reason, de-duplicated
/// through a `Set<String>`), a remedy, the `at` text and a clause as `String`s, copied the finding
/// into the results and freed it, and the JSON writer then read every one of them again: callgrind
/// (51,961 events of the bench log, main ecfacbe) put ~14,000 instructions per denial in the audit's
/// own finding words and ~7,500 per finding in `appendJSON`. See bench/PROFILE.md (audit, session 6).
struct DenialFinding {
    let event: UsageEvent
    let origin: Auditor.Origin
    let code: Finding.Code
    /// The reason the finding quotes (its message, agreement and quote), worded.
    let reason: Reason?
    /// Every reason's code and agreement, in the decision's order, and its finding code (nil: not a finding's).
    let heads: [ReasonHead]
    /// Which positions of `heads` the message lists after "also:", each (agreement, code) once (bit k:
    /// position k; `otherList` instead when there are more than 64 reasons).
    let otherMask: UInt64
    let otherList: [Int]?
    /// The clause (``Auditor/clause(for:agreement:)``), `grants[0].…` when the agreement has one grant.
    let clause: String
    let singleGrant: Bool
    let quote: String?

    var agreement: String? { reason?.agreement }

    /// The positions of `heads` listed after "also:", in order (repeats not yet dropped).
    @inline(__always)
    func forEachOther(_ body: (Int) -> Void) {
        if let otherList { for k in otherList { body(k) }; return }
        var m = otherMask
        while m != 0 {
            let k = m.trailingZeroBitCount
            body(k)
            m &= m &- 1
        }
    }

    /// The message: the reason's sentence, then " (also: A code, B code)" for the other reasons
    /// (each agreement and code once, in order).
    func writeMessage<T: FindingText>(_ t: inout T) {
        t.add(reason?.message ?? "no agreement covers this use")
        var first = true
        forEachOther { k in
            guard let c = Auditor.code(forReason: heads[k].code) else { return }
            t.add(first ? " (also: " : ", ")
            first = false
            if let a = heads[k].agreement { t.add(a); t.add(" ") }
            t.add(c.rawValue)
        }
        if !first { t.add(")") }
    }

    /// What would fix it: an amendment, or taking the use down (a duty finding words its own; a
    /// denial's code is never a duty's: see ``Auditor/code(forReason:)``).
    func writeRemedy<T: FindingText>(_ t: inout T) {
        let r = event.request
        if code == .noPolicy {
            t.add("add the source's policy (`Policies/"); t.add(r.source); t.add(".json`, e.g. with `clearance notice read`), then audit again")
            return
        }
        @inline(__always) func a(_ t: inout T) {
            if let agreement { t.add(agreement) } else { t.add("an agreement with "); t.add(r.source) }
        }
        switch code {
        case .noPolicy:
            break
        case .unlicensedUse:
            t.add("conclude a contract or subscription with "); t.add(r.source); t.add(" covering "); t.add(r.asset.kind.rawValue)
            t.add(" on "); t.add(r.channel.rawValue); t.add(" in "); t.add(r.territory)
        case .agreementExpired:
            t.add("renew "); a(&t); t.add(" to cover "); t.addDate(r.at)
        case .agreementNotStarted:
            t.add("move the start of "); a(&t); t.add(" back to "); t.addDate(r.at); t.add(" (a retroactive licence)")
        case .notPriorSubscription:
            t.add("license the use retroactively (the subscription "); a(&t); t.add(" was signed after it)")
        case .assetNotGranted:
            t.add("extend "); a(&t); t.add(" to "); t.add(r.asset.kind.rawValue)
        case .actionNotGranted:
            t.add("extend "); a(&t); t.add(" to the action `"); t.add(r.action); t.add("`")
        case .extentNotGranted:
            t.add("extend "); a(&t); t.add(" to "); t.add(r.extent.rawValue); t.add(" use")
            if let p = r.portion { t.add(" of "); t.add(Int((p * 100).rounded())); t.add("%") }
        case .channelNotGranted:
            t.add("extend "); a(&t); t.add(" to "); t.add(r.channel.rawValue)
        case .territoryNotGranted:
            t.add("extend "); a(&t); t.add(" to "); t.add(r.territory)
        case .embargoBreach:
            t.add("republish only after the embargo in "); a(&t); t.add(" has passed")
        case .restrictedUse:
            t.add("amend "); a(&t); t.add(" to lift the restriction")
        case .quotaExceeded:
            t.add("raise the quota of "); a(&t)
        case .missingAttribution, .missingLink, .malformedEvent:
            t.add("amend "); a(&t)
        }
        t.add(", or take down ")
        if let u = event.url { t.add(u) } else if let id = r.id { t.add("the use in event "); t.add(id) } else { t.add("the use") }
    }

    /// The finding with its fields as `String`s.
    var finding: Finding {
        let req = event.request
        var message = ""
        writeMessage(&message)
        var remedy = ""
        remedy.reserveCapacity(160)
        writeRemedy(&remedy)
        return Finding(
            code: code, message: message, file: origin.file, line: origin.line, event: req.id, url: event.url,
            at: req.at.auditText, subscriber: req.subscriber, source: req.source, asset: req.asset.id,
            agreement: agreement, clause: singleGrant ? "grants[0]." + clause.dropFirst("grants.".count) : clause,
            quote: quote, remedy: remedy)
    }

    /// The finding's compact JSON object: exactly ``finding``'s ``Finding/appendJSON(to:)`` bytes
    /// (the same keys in the same order; a denial has no `expected` or `found`), with no `String` made.
    func appendJSON<Sink: JSONByteSink>(into out: inout Sink) {
        var cache = DenialJSONCache()
        appendJSON(into: &out, cache: &cache)
    }

    /// ``appendJSON(into:)`` with pieces a writer keeps from one finding to the next (``DenialJSONCache``).
    func appendJSON<Sink: JSONByteSink>(into out: inout Sink, cache: inout DenialJSONCache) {
        let req = event.request
        @inline(__always) func piece(_ s: StaticString) { FindingJSON.piece(s, to: &out) }
        @inline(__always) func field(_ name: StaticString, _ v: String) {
            piece(name)
            FindingJSON.appendEscaped(v, to: &out)
            out.put(0x22)
        }
        DenialJSONCache.heads[code.ordinal].withUnsafeBufferPointer { out.put($0) }  // {"code":"…","severity":"…"
        if let id = req.id { field(#","event":""#, id) }
        if cache.file != origin.file {
            var b: [UInt8] = []
            FindingJSON.piece(#","file":""#, to: &b)
            FindingJSON.appendEscaped(origin.file, to: &b)
            FindingJSON.piece(#"","line":"#, to: &b)
            cache.file = origin.file
            cache.fileBytes = b
        }
        cache.fileBytes.withUnsafeBufferPointer { out.put($0) }  // ,"file":"…","line":
        FindingJSON.appendInt(origin.line, to: &out)
        piece(#","at":""#)
        req.at.appendDescription(to: &out)
        out.put(0x22)
        field(#","subscriber":""#, req.subscriber)
        field(#","source":""#, req.source)
        field(#","asset":""#, req.asset.id)
        if let u = event.url { field(#","url":""#, u) }
        if let a = agreement { field(#","agreement":""#, a) }
        piece(#","clause":""#)
        if singleGrant {
            piece("grants[0].")
            // The clause names are ASCII literals (``Auditor/clause(for:agreement:)``): nothing to escape.
            for b in clause.utf8.dropFirst("grants.".count) { out.put(b) }
        } else {
            FindingJSON.appendEscaped(clause, to: &out)
        }
        out.put(0x22)
        if let q = quote {
            piece(#","quote":""#)
            if let p = cache.plainQuote, p == q {
                let done: Void? = q.utf8.withContiguousStorageIfAvailable { out.put($0) }
                if done == nil { FindingJSON.appendEscaped(q, to: &out) }
            } else {
                var plain = false
                let done: Void? = q.utf8.withContiguousStorageIfAvailable { buf in
                    plain = JSONBytes.isPlain(buf)
                    if plain { out.put(buf) } else { JSONBytes.escapeBody(buf, to: &out) }
                }
                if done == nil { FindingJSON.appendEscaped(q, to: &out) } else if plain { cache.plainQuote = q }
            }
            out.put(0x22)
        }
        withUnsafeMutablePointer(to: &out) { p in
            var text = EscapingText(out: p)
            FindingJSON.piece(#","message":""#, to: &p.pointee)
            writeMessage(&text)
            FindingJSON.piece(#"","remedy":""#, to: &p.pointee)
            writeRemedy(&text)
        }
        piece(#""}"#)
    }
}

/// Where a finding's words go, piece by piece: a `String`, or a JSON string's escaped bytes.
///
/// Escaping works character by character and every piece is whole characters, so the pieces'
/// escapes are the whole text's (as news's decision writer relies on).
protocol FindingText {
    mutating func add(_ s: String)
    mutating func add(_ s: StaticString)
    mutating func add(_ n: Int)
    /// The date of an instant (``Instant/dateString``).
    mutating func addDate(_ at: Instant)
}

extension String: FindingText {
    @inline(__always) mutating func add(_ s: String) { self += s }
    @inline(__always) mutating func add(_ s: StaticString) { self += s.description }
    @inline(__always) mutating func add(_ n: Int) { self += String(n) }
    @inline(__always) mutating func addDate(_ at: Instant) { self += at.dateString }
}

/// A JSON string's body being written into a sink (held by pointer for the duration of one write:
/// a copy of an `[UInt8]` sink would copy its whole buffer on the first append): each piece escaped
/// into place.
struct EscapingText<Sink: JSONByteSink>: FindingText {
    let out: UnsafeMutablePointer<Sink>
    @inline(__always) mutating func add(_ s: String) { FindingJSON.appendEscaped(s, to: &out.pointee) }
    /// A piece of the template: written as it is (the templates' pieces are plain ASCII words and
    /// punctuation, no `"` or `\`: checked in debug builds, which the tests run).
    @inline(__always) mutating func add(_ s: StaticString) {
        let b = UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
        assert(JSONBytes.isPlain(b), "a finding template piece needs an escape: \(s)")
        out.pointee.put(b)
    }
    @inline(__always) mutating func add(_ n: Int) { FindingJSON.appendInt(n, to: &out.pointee) }
    @inline(__always) mutating func addDate(_ at: Instant) { at.appendDescription(to: &out.pointee, dateOnly: true) }
}

/// Where the auditor puts an event's findings: kept as ``Finding``s, or written as report bytes.
protocol FindingOutput {
    mutating func add(_ f: Finding)
    mutating func add(denial d: DenialFinding)
}

extension Array: FindingOutput where Element == Finding {
    mutating func add(_ f: Finding) { append(f) }
    mutating func add(denial d: DenialFinding) { append(d.finding) }
}

/// Findings written straight as compact JSON objects, one after another (the `json` report's
/// elements, or `jsonl` lines with `newline`), with where each ends and its code and severity (for
/// the summary).
///
/// A decide worker writes an event batch's findings here, then ``take()``s the bytes for the writer
/// thread. Denials are written from their parts (``DenialFinding/appendJSON(into:)``), other
/// findings through ``Finding/appendJSON(to:)``: the same bytes.
public final class FindingJSONOutput: FindingOutput {
    private var writer: ByteWriter
    private let newline: Bool
    /// Where each finding's bytes end (from the last ``take()``).
    public private(set) var ends: [Int] = []
    /// Each finding's code and severity, in order.
    public private(set) var kinds: [(code: Finding.Code, severity: Finding.Severity)] = []

    /// `newline`: a line feed after each finding (JSON Lines).
    public init(newline: Bool, capacity: Int = 1 << 18) {
        self.newline = newline
        writer = ByteWriter(capacity: capacity)
    }

    deinit { writer.free() }

    /// Findings written since the last ``take()``.
    public var count: Int { ends.count }

    func add(_ f: Finding) {
        f.appendJSON(into: &writer)
        close(f.code, f.severity)
    }

    /// Pieces kept from one denial to the next (see ``DenialJSONCache``).
    private var cache = DenialJSONCache()

    func add(denial d: DenialFinding) {
        d.appendJSON(into: &writer, cache: &cache)
        close(d.code, d.code.severity)
    }

    @inline(__always) private func close(_ code: Finding.Code, _ severity: Finding.Severity) {
        if newline { writer.put(0x0A) }
        ends.append(writer.count)
        kinds.append((code, severity))
    }

    /// The bytes written since the last call (one copy per batch) and where each finding ends; starts over.
    public func take() -> (bytes: [UInt8], ends: [Int]) {
        let taken = (Array(writer.bytes), ends)
        writer.removeAll()
        ends.removeAll(keepingCapacity: true)
        kinds.removeAll(keepingCapacity: true)
        return taken
    }
}

/// What a writer of denials keeps from one finding to the next: pieces that repeat, written once.
///
/// Each key and value was a piece of its own (a static key, then the value checked for escapes and
/// copied): ~260 instructions a field in callgrind, ~3,400 per denial for the fields around the
/// message. The code and severity are one piece per code, the file and the keys around it one piece
/// per log (the same file name string, compared by `==` on its storage), and the quote — nearly every
/// denial quotes the same notice sentence or one of its agreement's few clauses, the longest value of
/// the finding (the bench's Arabic sentence is ~330 bytes, half of the bytes checked for escapes) — is
/// copied without a second look when it is the last one that needed no escape.
struct DenialJSONCache {
    /// The last quote written that needed no escape.
    var plainQuote: String?
    /// The file name `fileBytes` was made for, and `,"file":"…","line":` for it.
    var file: String?
    var fileBytes: [UInt8] = []

    /// `{"code":"…","severity":"…"` for each code, by ``Finding/Code/ordinal``.
    static let heads: [[UInt8]] = Finding.Code.allCases.sorted { $0.ordinal < $1.ordinal }.map { c in
        var b: [UInt8] = []
        FindingJSON.piece(#"{"code":""#, to: &b)
        FindingJSON.appendEscaped(c.rawValue, to: &b)
        FindingJSON.piece(#"","severity":""#, to: &b)
        FindingJSON.appendEscaped(c.severity.rawValue, to: &b)
        b.append(0x22)
        return b
    }
}

extension Finding.Code {
    /// A number per code, 0 to 15, its position in `allCases` (a table index; AuditTallyTests checks the order).
    var ordinal: Int {
        switch self {
        case .unlicensedUse: 0
        case .agreementExpired: 1
        case .agreementNotStarted: 2
        case .notPriorSubscription: 3
        case .assetNotGranted: 4
        case .actionNotGranted: 5
        case .extentNotGranted: 6
        case .channelNotGranted: 7
        case .territoryNotGranted: 8
        case .embargoBreach: 9
        case .restrictedUse: 10
        case .quotaExceeded: 11
        case .missingAttribution: 12
        case .missingLink: 13
        case .noPolicy: 14
        case .malformedEvent: 15
        }
    }
}
