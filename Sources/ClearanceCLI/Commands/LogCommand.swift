import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance log`: list and filter the decision log.
public struct LogCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List the decision log (every `clearance check` decision unless --no-log), filtered.",
        discussion: """
            Each entry names the decision id, when it was made, the request, the decision, the policy \
            revision (SHA-256 of the policy file) and the agreement versions it used. --format jsonl \
            writes one full entry per line (request and decision included).
            """
    )
    public init() {}

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, jsonl }

    @OptionGroup var store: StoreOptions
    @Option(help: "Only this subscriber's decisions.") var subscriber: String?
    @Option(help: "Only this source's.") var source: String?
    @Option(help: "Only permit, deny or not_applicable.") var decision: String?
    @Option(help: "Only decisions about this request id.") var request: String?
    @Option(help: "Only decisions that used this agreement.") var agreement: String?
    @Option(help: ArgumentHelp("Decided at or after (date or UTC time).", valueName: "date")) var since: String?
    @Option(help: ArgumentHelp("Decided before (a date: up to the end of that day).", valueName: "date")) var until: String?
    @Option(help: "At most this many entries.") var limit: Int?
    @Flag(help: "Newest first.") var newestFirst = false
    @Option(help: "Output: text, json or jsonl.") var format: Format = .text

    public func run() throws {
        if let d = decision, !["permit", "deny", "not_applicable"].contains(d) {
            throw fail(Diagnostic(code: "flag.bad_decision", message: "`--decision` `\(d)` is not a decision",
                                  hint: "use permit, deny or not_applicable"), status: .usage)
        }
        if let l = limit, l < 0 {
            throw fail(Diagnostic(code: "flag.bad_limit", message: "`--limit` must be 0 or more"), status: .usage)
        }
        let from = try since.map { s throws(ExitCode) in try parseInstantFlag(s, flag: "--since") }
        let to = try until.map { s throws(ExitCode) in try parseInstantFlag(s, flag: "--until", endOfDay: true) }
        let db = try store.open()
        let filter = DecisionFilter(subscriber: subscriber, source: source, decision: decision, requestId: request,
                                    agreement: agreement, since: from?.date, until: to?.date, limit: limit, newestFirst: newestFirst)
        let rows: [DecisionLogRow]
        do { rows = try db.decisions(filter) } catch { throw storeFailure(error) }
        switch format {
        case .json: printOut(JSONValue.array(rows.map(\.json)).serialized(pretty: true))
        case .jsonl:
            var out = ""
            for r in rows { out += r.json.serialized() + "\n" }
            if !out.isEmpty { FileHandle.standardOutput.write(Data(out.utf8)) }
        case .text:
            if rows.isEmpty { printOut("no decisions"); return }
            printOut(table(["seq", "decided", "decision", "request", "subscriber", "source", "agreements", "policy"], rows.map { r in
                [String(r.seq), r.decidedAt, r.decision, r.requestId ?? "-", r.subscriber ?? "-", r.source ?? "-",
                 r.agreementVersions.isEmpty ? "-" : r.agreementVersions.map { "\($0.id) v\($0.version)" }.joined(separator: ", "),
                 r.policyHash.map { String($0.prefix(12)) } ?? "-"]
            }))
        }
    }
}

// `clearance verify` lives in MaintenanceCommand.swift (with backup and restore).
