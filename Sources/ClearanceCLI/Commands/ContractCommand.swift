import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance contract`: register, amend, end, list, show and export subscriber agreements.
public struct ContractCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "contract",
        abstract: "Register and manage subscriber agreements (contracts, subscriptions, licenses, permissions).",
        discussion: """
            Agreements are kept in the database with every version: an amendment adds a version with \
            an effective date, ending records when and why; nothing is overwritten or deleted. Every \
            write is checked against the source's policy (Policies/SOURCE.json) and the vocabularies of \
            DESIGN.md: an unknown source, action, channel or territory, a term that ends before it \
            starts or a duplicate id is refused and nothing is written.
            """,
        subcommands: [Add.self, Import.self, List.self, Show.self, Amend.self, End.self, Export.self]
    )
    public init() {}
}

/// The flags that describe an agreement (shared by `add` and `amend`).
struct AgreementFlags: ParsableArguments {
    @Option(help: "Agreement id, e.g. C-2026-0007.") var id: String?
    @Option(help: "contract | subscription | license | permission.") var kind: String?
    @Option(help: "The source id (its policy file name), e.g. ilkha.") var source: String?
    @Option(help: "Subscriber id, e.g. alsharq.") var subscriber: String?
    @Option(help: "Subscriber display name.") var subscriberName: String?
    @Option(help: ArgumentHelp("When it was signed (date or UTC time).", valueName: "date")) var signed: String?
    @Option(help: ArgumentHelp("First day of the term.", valueName: "date")) var start: String?
    @Option(help: ArgumentHelp("Last day of the term (a date covers that whole day).", valueName: "date")) var end: String?

    @Option(help: ArgumentHelp("Grant: asset kinds, comma-separated (text,photo,video,audio,graphics or all).", valueName: "list"))
    var assets: String?
    @Option(help: ArgumentHelp("Grant: ODRL actions (default when registering: use, which covers reproduce, distribute, modify...).", valueName: "list"))
    var actions: String?
    @Option(help: ArgumentHelp("Grant: whole,partial (default when registering: whole,partial).", valueName: "list"))
    var extent: String?
    @Option(help: ArgumentHelp("Grant: largest portion (0-1] of a partial use.", valueName: "fraction"))
    var maxPortion: String?
    @Option(help: ArgumentHelp("Grant: web,mobile,print,tv,radio,social,newsletter,advertising or all.", valueName: "list"))
    var channels: String?
    @Option(help: ArgumentHelp("Grant: ISO 3166-1 alpha-2 codes and regions (WORLD, EU, MENA, GCC...).", valueName: "list"))
    var territories: String?
    @Option(help: ArgumentHelp("Grant: codes or regions taken out of --territories.", valueName: "list"))
    var excludeTerritories: String?
    @Option(help: ArgumentHelp("Grant: at most N uses per day|week|month|year|term, e.g. 300/month.", valueName: "N/period"))
    var quota: String?
    @Option(help: ArgumentHelp("Grant: ISO 8601 delay after publication, e.g. PT1H.", valueName: "duration"))
    var embargo: String?
    @Option(help: ArgumentHelp("Grant duty: the credit line to show, e.g. İLKHA.", valueName: "text"))
    var credit: String?
    @Option(help: ArgumentHelp("Grant duty: link back to this URL.", valueName: "url"))
    var linkUrl: String?

    @Option(help: ArgumentHelp("Restriction: asset kinds it forbids.", valueName: "list")) var restrictAssets: String?
    @Option(help: ArgumentHelp("Restriction: actions it forbids.", valueName: "list")) var restrictActions: String?
    @Option(help: ArgumentHelp("Restriction: extents it forbids.", valueName: "list")) var restrictExtent: String?
    @Option(help: ArgumentHelp("Restriction: channels it forbids, e.g. social.", valueName: "list")) var restrictChannels: String?
    @Option(help: ArgumentHelp("Restriction: territories it forbids.", valueName: "list")) var restrictTerritories: String?
    @Option(help: ArgumentHelp("Restriction: forbidden within this delay after publication.", valueName: "duration"))
    var restrictEmbargo: String?
    @Option(help: ArgumentHelp("Restriction: its note, e.g. \"no social media\".", valueName: "text")) var restrictNote: String?

    /// True when any grant flag was given.
    var hasGrant: Bool {
        [assets, actions, extent, maxPortion, channels, territories, excludeTerritories, quota, embargo, credit, linkUrl]
            .contains { $0 != nil }
    }

    /// True when any restriction flag was given.
    var hasRestriction: Bool {
        [restrictAssets, restrictActions, restrictExtent, restrictChannels, restrictTerritories, restrictEmbargo, restrictNote]
            .contains { $0 != nil }
    }

    static func list(_ s: String) -> JSONValue {
        .array(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { .string($0) })
    }

    /// Writes the agreement-level flags into `o`.
    func applyAgreementFields(to o: inout JSONObject) {
        if let id { o["id"] = .string(id) }
        if let kind { o["kind"] = .string(kind) }
        if let source { o["source"] = .string(source) }
        if subscriber != nil || subscriberName != nil {
            var s = o["subscriber"]?.objectValue ?? JSONObject()
            if let subscriber { s["id"] = .string(subscriber) }
            if let subscriberName { s["name"] = .string(subscriberName) }
            o["subscriber"] = .object(s)
        }
        if let signed { o["signedAt"] = .string(signed) }
        if start != nil || end != nil {
            var t = o["term"]?.objectValue ?? JSONObject()
            if let start { t["start"] = .string(start) }
            if let end { t["end"] = .string(end) }
            o["term"] = .object(t)
        }
    }

    /// Writes the grant flags over `g` (a new grant gets `use` and `whole,partial` when not given).
    func applyGrant(to g: inout JSONObject, isNew: Bool) throws(ExitCode) {
        if let assets { g["assets"] = Self.list(assets) }
        if let actions { g["actions"] = Self.list(actions) } else if isNew { g["actions"] = ["use"] }
        if let extent { g["extent"] = Self.list(extent) } else if isNew { g["extent"] = ["whole", "partial"] }
        if let maxPortion {
            if let d = Double(maxPortion), d.isFinite { g["maxPortion"] = .number(d) } else { g["maxPortion"] = .string(maxPortion) }
        }
        if let channels { g["channels"] = Self.list(channels) }
        if let territories { g["territories"] = Self.list(territories) }
        if let excludeTerritories { g["excludeTerritories"] = Self.list(excludeTerritories) }
        if let quota {
            let parts = quota.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[0]) else {
                throw fail(Diagnostic(code: "flag.bad_quota", message: "`--quota` `\(quota)` is not N/period",
                                      hint: "e.g. `300/month`; periods: day, week, month, year, term"), status: .usage)
            }
            g["quota"] = .object(JSONObject([("count", .number(Double(n))), ("per", .string(String(parts[1])))]))
        }
        if let embargo { g["embargo"] = .string(embargo) }
        if credit != nil || linkUrl != nil {
            var duties = (g["duties"]?.arrayValue ?? []).filter {
                let a = $0["action"]?.stringValue
                return !(a == "attribute" && credit != nil) && !(a == "link" && linkUrl != nil)
            }
            if let credit { duties.append(.object(JSONObject([("action", "attribute"), ("text", .string(credit))]))) }
            if let linkUrl { duties.append(.object(JSONObject([("action", "link"), ("url", .string(linkUrl))]))) }
            g["duties"] = .array(duties)
        }
    }

    /// The restriction the `--restrict-*` flags describe.
    func restriction() -> JSONValue {
        var r = JSONObject()
        if let restrictAssets { r["assets"] = Self.list(restrictAssets) }
        if let restrictActions { r["actions"] = Self.list(restrictActions) }
        if let restrictExtent { r["extent"] = Self.list(restrictExtent) }
        if let restrictChannels { r["channels"] = Self.list(restrictChannels) }
        if let restrictTerritories { r["territories"] = Self.list(restrictTerritories) }
        if let restrictEmbargo { r["embargo"] = .string(restrictEmbargo) }
        if let restrictNote { r["note"] = .string(restrictNote) }
        return .object(r)
    }

    /// Renames a JSON path of the built agreement to the flag that set it (`$.grants[0].channels[1]` → `--channels`).
    static func flag(for path: String?) -> String? {
        guard let path else { return nil }
        let table: [(String, String)] = [
            ("$.id", "--id"), ("$.kind", "--kind"), ("$.source", "--source"), ("$.subscriber.name", "--subscriber-name"),
            ("$.subscriber", "--subscriber"), ("$.signedAt", "--signed"), ("$.term.start", "--start"), ("$.term.end", "--end"),
            ("$.term", "--start/--end"),
        ]
        for (p, f) in table where path.hasPrefix(p) { return f }
        let grantFlags: [(String, String)] = [
            ("assets", "assets"), ("actions", "actions"), ("extent", "extent"), ("maxPortion", "max-portion"),
            ("channels", "channels"), ("territories", "territories"), ("excludeTerritories", "exclude-territories"),
            ("quota", "quota"), ("embargo", "embargo"), ("duties", "credit/--link-url"), ("note", "note"),
        ]
        if path.hasPrefix("$.grants[") {
            let rest = path.drop { $0 != "]" }.dropFirst()
            for (k, f) in grantFlags where rest.hasPrefix(".\(k)") { return "--\(f)" }
            return "grant flags"
        }
        if path.hasPrefix("$.restrictions[") {
            let rest = path.drop { $0 != "]" }.dropFirst()
            for (k, f) in grantFlags where rest.hasPrefix(".\(k)") { return "--restrict-\(f)" }
            return "--restrict-* flags"
        }
        if path.hasPrefix("$.grants") { return "grant flags" }
        return path
    }

    /// Parses the built agreement; reports problems by flag; exits 64 on errors.
    static func parse(_ o: JSONObject, policies: PolicyFolder? = nil) throws(ExitCode) -> Agreement {
        let (a, diags) = Agreement.parse(.object(o))
        var renamed = diags.map { d -> Diagnostic in
            var d = d
            d.location = flag(for: d.location)
            return d
        }
        if a == nil, let policies, let source = o["source"]?.stringValue {
            do { _ = try policies.policy(for: source) } catch {
                var d = error
                d.location = "--source"
                renamed.append(d)
            }
        }
        guard let a else { throw fail(renamed, status: .usage) }
        if !renamed.isEmpty { report(renamed) }
        return a
    }
}

extension ContractCommand {
    /// `contract add`: register one agreement from flags.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register one agreement from flags (one grant, at most one restriction; use `import` for more).",
            discussion: """
                Required: --id --kind --source --subscriber --signed --start --end, and the grant's --assets \
                --channels --territories. --actions defaults to `use` and --extent to `whole,partial`; \
                every stored agreement is explicit.
                """)
        @OptionGroup var store: StoreOptions
        @OptionGroup var fields: AgreementFlags
        @Option(help: "Output: text or json (the stored agreement).") var format: OutputFormat = .text

        func run() throws {
            var o = JSONObject()
            fields.applyAgreementFields(to: &o)
            var g = JSONObject()
            try fields.applyGrant(to: &g, isNew: true)
            o["grants"] = .array([.object(g)])
            o["restrictions"] = .array(fields.hasRestriction ? [fields.restriction()] : [])
            let a = try AgreementFlags.parse(o, policies: store.policyFolder)
            let db = try store.open()
            do {
                try db.addAgreements([a], locations: ["$"], policies: store.policyFolder)
            } catch {
                throw storeFailure(DiagnosticError(error.diagnostics.map { d in
                    var d = d
                    d.location = AgreementFlags.flag(for: d.location)
                    return d
                }))
            }
            let stored = try fetch(db, a.id)
            switch format {
            case .json: printOut((stored.current?.agreement.json ?? a.json).serialized(pretty: true))
            case .text:
                let rev = stored.current?.policyRevision.map { " (policy \(a.source)@\($0.prefix(12)))" } ?? ""
                printOut("added \(a.kind.rawValue) \(a.id), version 1: \(a.subscriber.id) with \(a.source)\(rev)")
            }
        }
    }

    /// `contract import FILE`: register many agreements, all or nothing.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register agreements from a JSON array or a CSV file, all or nothing.",
            discussion: """
                JSON: an array of agreements as in DESIGN.md. CSV: a header row, then one row per grant \
                (rows with the same id form one agreement; lists separated by `;`). Columns: \
                \(AgreementFile.csvColumns.joined(separator: ", ")). Every bad record is reported with its \
                index or line and field; if there is any, nothing is written (exit 65; 78 when the only \
                problem is an unknown source). See seeds/agreements.csv and seeds/agreements.json.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The file (`-` for standard input).") var file: String
        @Flag(help: "Check the file and the database, write nothing.") var dryRun = false

        /// Sort key of a location: the record number (`$[12]`, `line 7`), then the text.
        static func order(_ l: String?) -> Int {
            guard let l else { return Int.max }
            let digits = l.drop { !$0.isNumber }.prefix { $0.isNumber }
            return Int(digits) ?? Int.max
        }

        func run() throws {
            let bytes: [UInt8]
            do { bytes = try InputFile.readAll(file) } catch {
                throw fail(error, status: error.category == .io ? .noInput : .dataError)
            }
            StageClock.mark("read \(bytes.count) bytes")
            let parsed = AgreementFile.parse(bytes)
            StageClock.mark("parsed \(parsed.agreements.count) agreements")
            let db = try store.open()
            if parsed.hasErrors {
                // Also check the records that did parse against the database and the policies,
                // so one run reports every bad record.
                var all = parsed.diagnostics
                do {
                    try db.checkAgreements(parsed.agreements, locations: parsed.locations, policies: store.policyFolder)
                } catch {
                    if error.diagnostics.contains(where: Store.isBusy) { throw fail(error.diagnostics, file: file, status: .tempFail) }
                    all += error.diagnostics
                }
                let sorted = all.enumerated().sorted { x, y in
                    let kx = Self.order(x.element.location), ky = Self.order(y.element.location)
                    return kx != ky ? kx < ky : x.offset < y.offset
                }.map(\.element)
                throw fail(sorted, file: file, status: .dataError)
            }
            if !parsed.diagnostics.isEmpty { report(parsed.diagnostics, file: file) }
            do {
                if dryRun {
                    try db.checkAgreements(parsed.agreements, locations: parsed.locations, policies: store.policyFolder)
                } else {
                    try db.addAgreements(parsed.agreements, locations: parsed.locations, policies: store.policyFolder)
                }
            } catch {
                let errors = error.diagnostics.filter { $0.severity == .error }
                if errors.contains(where: Store.isBusy) { throw fail(error.diagnostics, file: file, status: .tempFail) }
                let onlySources = errors.allSatisfy { $0.code == "source.unknown" }
                throw fail(error.diagnostics, file: file, status: onlySources ? .config : .dataError)
            }
            StageClock.mark(dryRun ? "checked" : "written")
            let subscribers = Set(parsed.agreements.map(\.subscriber.id)).count
            printOut("\(dryRun ? "would import" : "imported") \(parsed.agreements.count) agreement\(parsed.agreements.count == 1 ? "" : "s") for \(subscribers) subscriber\(subscribers == 1 ? "" : "s") from \(file)")
        }
    }

    /// `contract list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agreements (latest version of each).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this subscriber's.") var subscriber: String?
        @Option(help: "Only this source's.") var source: String?
        @Option(help: ArgumentHelp("Only those active at this date or time.", valueName: "date")) var activeAt: String?
        @Option(help: "At most this many.") var limit: Int?
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() throws {
            let at = try activeAt.map { s throws(ExitCode) in try parseInstantFlag(s, flag: "--active-at") }
            let db = try store.open()
            let rows: [AgreementSummary]
            do { rows = try db.agreementSummaries(AgreementFilter(subscriber: subscriber, source: source, activeAt: at, limit: limit)) } catch {
                throw storeFailure(error)
            }
            switch format {
            case .json:
                printOut(JSONValue.array(rows.map(\.json)).serialized(pretty: true))
            case .text:
                if rows.isEmpty { printOut("no agreements"); return }
                printOut(table(["id", "kind", "subscriber", "source", "version", "term", "status"], rows.map {
                    [$0.id, $0.kind, $0.subscriber, $0.source, String($0.version),
                     "\(displayStart($0.termStart)) .. \(displayEnd($0.termEnd))",
                     $0.endedAt.map { "ended \(displayStart($0))" } ?? "-"]
                }))
            }
        }
    }

    /// `contract show ID`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an agreement with all its versions.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The agreement id.") var id: String
        @Option(help: ArgumentHelp("Also say which version was in force at this date or time.", valueName: "date")) var asOf: String?
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() throws {
            let at = try asOf.map { s throws(ExitCode) in try parseInstantFlag(s, flag: "--as-of") }
            let db = try store.open()
            let h = try fetch(db, id)
            let inForce = at.flatMap { h.inForce(at: $0) }
            switch format {
            case .json:
                var o = JSONObject()
                o["id"] = .string(h.id)
                o["source"] = .string(h.source)
                o["subscriber"] = .string(h.subscriber)
                if let t = h.termination {
                    o["termination"] = .object(JSONObject([("at", .string(t.at.description)), ("reason", t.reason.map(JSONValue.string) ?? .null)]))
                }
                if let inForce { o["inForceVersion"] = .number(Double(inForce.version)) }
                o["versions"] = .array(h.versions.map { v in
                    .object(JSONObject([
                        ("version", .number(Double(v.version))), ("effectiveAt", .string(v.effectiveAt.description)),
                        ("recordedAt", .string(v.recordedAt)), ("note", v.note.map(JSONValue.string) ?? .null),
                        ("policyRevision", v.policyRevision.map(JSONValue.string) ?? .null), ("agreement", v.agreement.json),
                    ]))
                })
                printOut(JSONValue.object(o).serialized(pretty: true))
            case .text:
                guard let cur = h.current?.agreement else { return }
                var lines = ["agreement \(h.id) (\(cur.kind.rawValue)): subscriber \(h.subscriber)\(cur.subscriber.name.map { " (\($0))" } ?? ""), source \(h.source)"]
                if let t = h.termination {
                    lines.append("ended \(t.at): \(t.reason ?? "")\(h.endedRecordedAt.map { " (recorded \($0))" } ?? "")")
                }
                if let at, let inForce { lines.append("in force at \(at): version \(inForce.version)") }
                for v in h.versions {
                    let a = v.agreement
                    var head = "version \(v.version)  effective \(v.effectiveAt)  recorded \(v.recordedAt)"
                    if let r = v.policyRevision { head += "  policy \(h.source)@\(r.prefix(12))" }
                    lines.append(head)
                    if let n = v.note { lines.append("  note: \(n)") }
                    lines.append("  signed \(a.signedAtIsDate ? a.signedAt.dateString : a.signedAt.description), term \(a.term.startText) .. \(a.term.endText)")
                    for (k, g) in a.grants.enumerated() {
                        var s = "  grant \(k + 1): \(g.summary)"
                        let duties = g.duties.map { d in d.text.map { "\(d.action.rawValue) \"\($0)\"" } ?? d.url.map { "\(d.action.rawValue) \($0)" } ?? d.action.rawValue }
                        if !duties.isEmpty { s += "; duties: " + duties.joined(separator: ", ") }
                        lines.append(s)
                    }
                    for (k, r) in a.restrictions.enumerated() { lines.append("  restriction \(k + 1): \(r.summary)") }
                }
                printOut(lines.joined(separator: "\n"))
            }
        }
    }

    /// `contract amend ID`.
    struct Amend: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new version of an agreement, in force from --effective.",
            discussion: """
                Starts from the latest version and applies the flags given: agreement flags (--kind, --end...) \
                replace those fields; grant flags change grant --grant N (default 1), or add a grant with \
                --add-grant; --restrict-* flags add a restriction; --remove-grant / --remove-restriction drop one. \
                Grants and restrictions are numbered from 1, as `contract show` and `check` print them. \
                Or give the whole new version as a JSON object with --from FILE. Earlier versions are kept.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The agreement id.") var agreementId: String
        @Option(help: ArgumentHelp("When the amendment takes effect.", valueName: "date")) var effective: String
        @Option(help: "Why it was amended.") var note: String?
        @Option(help: ArgumentHelp("The whole new version as a JSON agreement object.", valueName: "file")) var from: String?
        @Option(help: "Which grant the grant flags change (numbered from 1).") var grant: Int = 1
        @Flag(help: "Add the grant flags as a new grant instead.") var addGrant = false
        @Option(help: ArgumentHelp("Remove this grant (numbered from 1, as `contract show` prints them).", valueName: "N")) var removeGrant: Int?
        @Option(help: ArgumentHelp("Remove this restriction (numbered from 1).", valueName: "N")) var removeRestriction: Int?
        @OptionGroup var fields: AgreementFlags

        func run() throws {
            let at = try parseInstantFlag(effective, flag: "--effective")
            let db = try store.open()
            let h = try fetch(db, agreementId)
            guard let cur = h.current?.agreement else { throw ExitCode(ExitStatus.software.rawValue) }
            var o: JSONObject
            if let from {
                let bytes: [UInt8]
                do { bytes = try InputFile.readAll(from) } catch { throw fail(error, status: .noInput) }
                let v: JSONValue
                do { v = try JSONParser.parse(bytes) } catch { throw fail(error, file: from, status: .dataError) }
                guard let obj = v.objectValue else {
                    throw fail(Diagnostic(code: "agreement.not_object", message: "`--from` must hold one agreement object", location: "$"),
                               file: from, status: .dataError)
                }
                o = obj
                if o["id"] == nil { o["id"] = .string(agreementId) }
            } else {
                guard case .object(let base) = cur.json else { throw ExitCode(ExitStatus.software.rawValue) }
                o = base
                o["version"] = nil
                o["effectiveAt"] = nil
                o["termination"] = nil
            }
            if let id = fields.id, id != agreementId {
                throw fail(Diagnostic(code: "flag.id_mismatch", message: "`--id` `\(id)` is not the agreement being amended (`\(agreementId)`)",
                                      hint: "an amendment keeps the agreement's id"), status: .usage)
            }
            if o["id"]?.stringValue != agreementId {
                throw fail(Diagnostic(code: "agreement.id_mismatch", message: "the new version's id is not `\(agreementId)`", location: "$.id"),
                           file: from, status: .dataError)
            }
            fields.applyAgreementFields(to: &o)
            var grants = o["grants"]?.arrayValue ?? []
            if let r = removeGrant {
                // Human-facing numbers are 1-based (`contract show`, `check`'s "grant 1"); JSON paths stay 0-based.
                guard grants.indices.contains(r - 1) else {
                    throw fail(Diagnostic(code: "flag.no_such_grant", message: "`--remove-grant` \(r): the agreement has \(grants.count) grant(s)",
                                          hint: "grants are numbered from 1 (see `clearance contract show \(agreementId)`)"), status: .usage)
                }
                grants.remove(at: r - 1)
            }
            if fields.hasGrant {
                if addGrant {
                    var g = JSONObject()
                    try fields.applyGrant(to: &g, isNew: true)
                    grants.append(.object(g))
                } else {
                    guard grants.indices.contains(grant - 1), var g = grants[grant - 1].objectValue else {
                        throw fail(Diagnostic(code: "flag.no_such_grant", message: "`--grant` \(grant): the agreement has \(grants.count) grant(s)",
                                              hint: "grants are numbered from 1; use --add-grant to add one"), status: .usage)
                    }
                    try fields.applyGrant(to: &g, isNew: false)
                    grants[grant - 1] = .object(g)
                }
            }
            o["grants"] = .array(grants)
            var restrictions = o["restrictions"]?.arrayValue ?? []
            if let r = removeRestriction {
                guard restrictions.indices.contains(r - 1) else {
                    throw fail(Diagnostic(code: "flag.no_such_restriction", message: "`--remove-restriction` \(r): the agreement has \(restrictions.count) restriction(s)",
                                          hint: "restrictions are numbered from 1 (see `clearance contract show \(agreementId)`)"),
                               status: .usage)
                }
                restrictions.remove(at: r - 1)
            }
            if fields.hasRestriction { restrictions.append(fields.restriction()) }
            o["restrictions"] = .array(restrictions)
            let a = try AgreementFlags.parse(o)
            let version: Int
            do { version = try db.amendAgreement(a, effectiveAt: at, note: note, policies: store.policyFolder) } catch {
                throw storeFailure(error)
            }
            printOut("amended \(agreementId): version \(version), in force from \(at)")
        }
    }

    /// `contract end ID`.
    struct End: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End an agreement early, recording when and why.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The agreement id.") var agreementId: String
        @Option(help: ArgumentHelp("From when it no longer counts (a date means that day's 00:00 UTC).", valueName: "date")) var at: String
        @Option(help: "Why it ends.") var reason: String

        func run() throws {
            let when = try parseInstantFlag(at, flag: "--at")
            let db = try store.open()
            do { try db.endAgreement(id: agreementId, at: when, reason: reason) } catch { throw storeFailure(error) }
            printOut("ended \(agreementId) from \(when): \(reason)")
        }
    }

    /// `contract export`.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write agreements as a JSON array (DESIGN.md format), or as ODRL Agreement JSON-LD with --odrl.",
            discussion: "With one id and --odrl the output is one ODRL policy object; otherwise a JSON array.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Agreement ids (default: all, filtered by --subscriber/--source).") var ids: [String] = []
        @Option(help: "Only this subscriber's.") var subscriber: String?
        @Option(help: "Only this source's.") var source: String?
        @Option(help: ArgumentHelp("The versions in force at this date or time (default: the latest).", valueName: "date")) var asOf: String?
        @Flag(help: "Write ODRL 2.2 Agreement policies (JSON-LD, RightsML profile).") var odrl = false
        @Option(name: [.short, .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file")) var output: String?

        func run() throws {
            let at = try asOf.map { s throws(ExitCode) in try parseInstantFlag(s, flag: "--as-of") }
            let db = try store.open()
            var histories: [AgreementHistory] = []
            do {
                if ids.isEmpty {
                    histories = try db.allAgreementHistories(source: source).filter { subscriber == nil || $0.subscriber == subscriber }
                } else {
                    for id in ids { histories.append(try fetch(db, id)) }
                }
            } catch let e as DiagnosticError { throw storeFailure(e) }
            let agreements = histories.compactMap { h in (at.map { h.inForce(at: $0) } ?? h.current)?.agreement }
            let out: JSONValue
            if odrl {
                out = ids.count == 1 && agreements.count == 1 ? agreements[0].odrlPolicy() : .array(agreements.map { $0.odrlPolicy() })
            } else {
                out = .array(agreements.map(\.json))
            }
            let text = out.serialized(pretty: true) + "\n"
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                    throw fail(Diagnostic(code: "output.unwritable", message: "cannot write `\(output)`", hint: "check the folder and its permissions",
                                          category: .io), status: .ioError)
                }
                printError("wrote \(agreements.count) agreement\(agreements.count == 1 ? "" : "s") to \(output)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}

/// The history of one agreement, or exit 65 with `agreement.not_found`.
func fetch(_ db: Store, _ id: String) throws(ExitCode) -> AgreementHistory {
    let h: AgreementHistory?
    do { h = try db.agreementHistory(id) } catch { throw storeFailure(error) }
    guard let h else {
        throw fail(Diagnostic(code: "agreement.not_found", message: "no agreement `\(id)`",
                              hint: "list them with `clearance contract list`", category: .invalidValue))
    }
    return h
}

/// A stored start instant for people: the date when it is midnight.
func displayStart(_ ts: String) -> String { ts.hasSuffix("T00:00:00Z") ? String(ts.prefix(10)) : ts }

/// A stored (exclusive) end instant for people: the last covered day when it is midnight.
func displayEnd(_ ts: String?) -> String {
    guard let ts else { return "open" }
    guard ts.hasSuffix("T00:00:00Z"), let i = Timestamp.instant(ts) else { return ts }
    return i.adding(milliseconds: -86_400_000).dateString
}

extension AgreementSummary {
    /// The summary as JSON (for `contract list --format json`).
    var json: JSONValue {
        var o = JSONObject()
        o["id"] = .string(id)
        o["kind"] = .string(kind)
        o["subscriber"] = .string(subscriber)
        o["source"] = .string(source)
        o["version"] = .number(Double(version))
        o["termStart"] = .string(termStart)
        o["termEnd"] = termEnd.map(JSONValue.string) ?? .null
        o["endedAt"] = endedAt.map(JSONValue.string) ?? .null
        o["endReason"] = endReason.map(JSONValue.string) ?? .null
        return .object(o)
    }
}
