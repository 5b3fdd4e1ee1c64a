import ArgumentParser
import ClearanceCore
import Foundation

/// `clearance check`: may this subscriber republish this asset, this way, here, now?
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Decide a republication request against the source's notice and the subscriber's agreements.",
        discussion: """
        One request from flags (--subscriber --source --asset-id --kind --channel --territory, plus
        optional --published-at --action --extent --portion --at), from a JSON file (--request FILE, `-`
        for standard input), or many as JSON Lines (--batch FILE|-): one decision per input line, in
        input order; a malformed line is answered in its place with {"line", "id", "error"} and the
        batch carries on.

        Agreements come from the database (--db, else $CLEARANCE_DB, else ./clearance.sqlite) as they
        stood at the request's time, or from a JSON array of agreements (--agreements FILE, no database).
        The notice policy is POLICIES/SOURCE.json (--policies, else $CLEARANCE_POLICIES, else ./Policies);
        a source without one is denied (no_policy).

        Exit status: 0 permit, 1 deny (batch: some line denied), 64 bad flag, 65 malformed request
        (batch: some line malformed), 66 missing input, 74 I/O error, 75 database busy, 78 invalid policy.
        """
    )

    @Option(help: "Subscriber id (e.g. alsharq).") var subscriber: String?
    @Option(help: "Source id: the policy file's name (e.g. ilkha).") var source: String?
    @Option(name: .customLong("asset-id"), help: "The asset's id.") var assetId: String?
    @Option(help: "Asset kind: text, photo, video, audio or graphics.") var kind: String?
    @Option(name: .customLong("published-at"), help: "When the source published the asset (ISO 8601), for embargoes.") var publishedAt: String?
    @Option(help: "ODRL action (default reproduce).") var action: String?
    @Option(help: "whole or partial (default whole).") var extent: String?
    @Option(help: "The part used, above 0 and at most 1 (with --extent partial).") var portion: String?
    @Option(help: "web, mobile, print, tv, radio, social, newsletter or advertising.") var channel: String?
    @Option(help: "ISO 3166-1 alpha-2 country code where it is published.") var territory: String?
    @Option(help: "Request id echoed in the decision.") var id: String?
    @Option(help: "Decide as of this instant (ISO 8601; default now). Also the default `at` of JSON requests.") var at: String?

    @Option(help: "A JSON request file (`-` for standard input).") var request: String?
    @Option(help: "JSON Lines requests (`-` for standard input); decisions are written as JSON Lines.") var batch: String?

    @Option(help: "Output format: text or json.") var format: OutputFormat?
    @Option(help: "Policies folder (default $CLEARANCE_POLICIES, else ./Policies).") var policies: String?
    @Option(help: "Database (default $CLEARANCE_DB, else ./clearance.sqlite).") var db: String?
    @Option(help: "Read agreements from this JSON array instead of the database.") var agreements: String?
    @Flag(name: .customLong("no-log"), help: "Do not append decisions to the decision log.") var noLog = false
    @Flag(help: "Record a permitted use in the usage ledger (counts toward quotas).") var record = false

    public init() {}

    var flagFields: [(String, String?)] {
        [("--subscriber", subscriber), ("--source", source), ("--asset-id", assetId), ("--kind", kind),
         ("--published-at", publishedAt), ("--action", action), ("--extent", extent), ("--portion", portion),
         ("--channel", channel), ("--territory", territory), ("--id", id)]
    }

    public func run() throws {
        let modes = [request != nil, batch != nil, flagFields.contains { $0.1 != nil }].filter { $0 }.count
        if modes > 1 {
            throw fail(Diagnostic(code: "check.conflicting_inputs", message: "give one of: request flags, `--request FILE`, `--batch FILE`",
                                  hint: "the flags describe one request; --request reads one JSON request; --batch reads JSON Lines"),
                       status: .usage)
        }
        if modes == 0 {
            throw fail(Diagnostic(code: "check.no_request", message: "no request given",
                                  hint: "e.g. `clearance check --subscriber alsharq --source ilkha --asset-id ilkha-482627 --kind photo --channel web --territory IQ`, or `--request FILE`, or `--batch FILE`"),
                       status: .usage)
        }
        var now = currentInstant()
        if let at {
            switch ISO8601.parseDateTime(at) {
            case .success(let d): now = d.instant
            case .failure(let e):
                throw fail(Diagnostic(code: "check.bad_flag", message: "`--at`: \(e.message)",
                                      hint: "ISO 8601, e.g. `2026-11-29T10:00:00Z`"), status: .usage)
            }
        }
        StageClock.mark("started")
        let session: CheckSession
        do { session = try makeSession() } catch {
            throw fail(error.diagnostics, status: error.diagnostics.first?.code == "check.no_database" ? .noInput : nil)
        }
        StageClock.mark("opened")
        if let batch {
            let status = try runBatch(batch, session: session, now: now)
            StageClock.mark("done")
            if status != .ok { throw ExitCode(status.rawValue) }
            return
        }
        // One request.
        let req: RepublicationRequest
        let fmt = format ?? .text
        if let request {
            let bytes: [UInt8]
            do { bytes = try InputFile.readAll(request) } catch { throw fail(error, status: error.category == .io ? .noInput : .dataError) }
            let json: JSONValue
            do { json = try JSONParser.parse(bytes) } catch { throw fail(error, file: request) }
            let (r, diags) = RepublicationRequest.parse(json, now: now)
            guard let r else { throw fail(diags.filter { $0.severity == .error }, file: request, status: .dataError) }
            report(diags.filter { $0.severity == .warning }, file: request)
            req = r
        } else {
            req = try requestFromFlags(now: now)
        }
        let d: NewsDecision
        do {
            d = try session.decide(req)
            try session.backend.finish()
        } catch { throw fail(error.diagnostics) }
        let out = fmt == .json ? d.json.serialized(pretty: true) : DecisionText.render(d, request: req, translations: session.translations(for: req.source))
        print(out)
        if d.verdict == .deny { throw ExitCode(ExitStatus.deny.rawValue) }
    }

    func makeSession() throws(DiagnosticError) -> CheckSession {
        let notices = NoticeCache(folder: NoticeCache.resolveFolder(flag: policies))
        let backend: CheckBackend
        if let agreements {
            backend = try FileBackend(path: agreements, record: record)
        } else {
            backend = try StoreBackend.open(flag: db, record: record, log: !noLog, policiesFolder: notices.folder,
                                            preload: batch != nil)
        }
        return CheckSession(notices: notices, backend: backend)
    }

    /// Builds the request JSON from the flags and parses it like any request, naming flags in errors.
    func requestFromFlags(now: Instant) throws -> RepublicationRequest {
        var o = JSONObject()
        if let id { o["id"] = .string(id) }
        if let subscriber { o["subscriber"] = .string(subscriber) }
        if let source { o["source"] = .string(source) }
        var asset = JSONObject()
        if let assetId { asset["id"] = .string(assetId) }
        if let kind { asset["kind"] = .string(kind) }
        if let publishedAt { asset["publishedAt"] = .string(publishedAt) }
        o["asset"] = .object(asset)
        var use = JSONObject()
        if let action { use["action"] = .string(action) }
        if let extent { use["extent"] = .string(extent) }
        if let portion {
            guard let p = Double(portion) else {
                throw fail(Diagnostic(code: "check.bad_flag", message: "`--portion` `\(portion)` is not a number",
                                      hint: "a fraction above 0 and at most 1, e.g. `0.3`"), status: .usage)
            }
            use["portion"] = .number(p)
            if extent == nil { use["extent"] = "partial" }
        }
        o["use"] = .object(use)
        if let channel { o["channel"] = .string(channel) }
        if let territory { o["territory"] = .string(territory) }
        let (r, diags) = RepublicationRequest.parse(.object(o), now: now)
        guard let r else {
            let flagged = diags.filter { $0.severity == .error }.map { d -> Diagnostic in
                var d = d
                d.location = CheckCommand.flagName(for: d.location)
                if d.code.hasSuffix(".missing_field"), let f = d.location {
                    d.message = "\(f) is required"
                }
                return d
            }
            throw fail(flagged, status: .usage)
        }
        return r
    }

    /// The flag that sets a request JSON path (`$.asset.kind` → `--kind`).
    static func flagName(for path: String?) -> String? {
        let map = ["$.subscriber": "--subscriber", "$.source": "--source", "$.asset.id": "--asset-id", "$.asset.kind": "--kind",
                   "$.asset.publishedAt": "--published-at", "$.use.action": "--action", "$.use.extent": "--extent",
                   "$.use.portion": "--portion", "$.channel": "--channel", "$.territory": "--territory", "$.id": "--id", "$.at": "--at"]
        guard let path else { return nil }
        return map[path] ?? path
    }

    /// Streams JSON Lines: one answer per non-blank input line, in order (see ``BatchPipeline``). Returns the exit status.
    func runBatch(_ path: String, session: CheckSession, now: Instant) throws -> ExitStatus {
        var fd: Int32 = 0
        if path != "-" {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { fd = open(path, O_RDONLY) } else { fd = -1 }
            guard fd >= 0 else {
                throw fail(Diagnostic(code: "input.not_found", message: "no readable file at `\(path)`",
                                      hint: "check the path, or pass `-` to read standard input", category: .io), status: .noInput)
            }
        }
        defer { if fd > 0 { close(fd) } }
        let pipeline = BatchPipeline(session: session, now: now, json: (format ?? .json) == .json, record: record,
                                     workers: BatchPipeline.defaultWorkers())
        do {
            return try pipeline.run(fd: fd)
        } catch {
            let io = error.diagnostics.contains { $0.category == .io && ($0.code.hasPrefix("input.") || $0.code.hasPrefix("output.")) }
            throw fail(error.diagnostics, status: io ? .ioError : nil)
        }
    }

    /// What the strict path makes of one line: the request, or the error line to print in its place.
    enum StrictLine {
        case request(RepublicationRequest)
        case error(String)
    }

    /// Reads one batch line with the strict parsers (`JSONParser`, `RepublicationRequest.parse`): the
    /// reference reading, used for every line the byte scanner declines, so error lines keep their exact text.
    static func strictRequest(_ line: [UInt8], lineNo: Int, now: Instant) -> StrictLine {
        let value: JSONValue
        do { value = try JSONParser.parse(line) } catch {
            return .error(errorLine(lineNo, id: nil, error))
        }
        let (r, diags) = RepublicationRequest.parse(value, now: now)
        guard let r else {
            let first = diags.first { $0.severity == .error } ?? Diagnostic(code: "request.invalid", message: "the request is invalid")
            var d = first
            let more = diags.filter { $0.severity == .error }.count - 1
            if more > 0 { d.message += " (and \(more) more problem\(more == 1 ? "" : "s"))" }
            return .error(errorLine(lineNo, id: RepublicationRequest.readableID(value), d))
        }
        return .request(r)
    }

    /// `{"line": N, "id": ..., "error": {"code", "message", "at"?}}`.
    static func errorLine(_ line: Int, id: String?, _ d: Diagnostic) -> String {
        var e = JSONObject()
        e["code"] = .string(d.code)
        e["message"] = .string(d.message)
        if let l = d.location { e["at"] = .string(l) }
        var o = JSONObject()
        o["line"] = .number(Double(line))
        if let id { o["id"] = .string(id) }
        o["error"] = .object(e)
        return JSONValue.object(o).serialized()
    }
}

/// Buffered standard output for small outputs (the demo): one write per 64 KiB, not per line.
struct OutputBuffer {
    var bytes: [UInt8] = []

    mutating func append(_ line: String) {
        bytes.append(contentsOf: line.utf8)
        if line.last != "\n" { bytes.append(0x0A) }
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}
