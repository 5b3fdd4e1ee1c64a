import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance subscriber`: the parties agreements are made with.
public struct SubscriberCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "subscriber",
        abstract: "List subscribers and show one with its agreements.",
        discussion: "Subscribers are added (and renamed) by the agreements registered for them.",
        subcommands: [List.self, Show.self]
    )
    public init() {}

    /// `subscriber list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscribers.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() throws {
            let db = try store.open()
            let rows: [SubscriberRecord]
            do { rows = try db.subscribers() } catch { throw storeFailure(error) }
            switch format {
            case .json: printOut(JSONValue.array(rows.map(\.json)).serialized(pretty: true))
            case .text:
                if rows.isEmpty { printOut("no subscribers"); return }
                printOut(table(["id", "name", "agreements", "since"], rows.map {
                    [$0.id, $0.name ?? "-", String($0.agreements), displayStart($0.createdAt)]
                }))
            }
        }
    }

    /// `subscriber show ID`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a subscriber and its agreements.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The subscriber id.") var id: String
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() throws {
            let db = try store.open()
            let record: SubscriberRecord?
            let agreements: [AgreementSummary]
            do {
                record = try db.subscriber(id)
                agreements = try db.agreementSummaries(AgreementFilter(subscriber: id))
            } catch { throw storeFailure(error) }
            guard let record else {
                throw fail(Diagnostic(code: "subscriber.not_found", message: "no subscriber `\(id)`",
                                      hint: "list them with `clearance subscriber list`", category: .invalidValue))
            }
            switch format {
            case .json:
                guard case .object(var o) = record.json else { return }
                o["agreements"] = .array(agreements.map(\.json))
                printOut(JSONValue.object(o).serialized(pretty: true))
            case .text:
                var lines = ["subscriber \(record.id)\(record.name.map { " (\($0))" } ?? ""), since \(record.createdAt)"]
                if agreements.isEmpty {
                    lines.append("no agreements")
                } else {
                    lines.append(table(["agreement", "kind", "source", "version", "term", "status"], agreements.map {
                        [$0.id, $0.kind, $0.source, String($0.version), "\(displayStart($0.termStart)) .. \(displayEnd($0.termEnd))",
                         $0.endedAt.map { "ended \(displayStart($0))" } ?? "-"]
                    }))
                }
                printOut(lines.joined(separator: "\n"))
            }
        }
    }
}

extension SubscriberRecord {
    /// The subscriber as JSON.
    var json: JSONValue {
        .object(JSONObject([("id", .string(id)), ("name", name.map(JSONValue.string) ?? .null),
                            ("createdAt", .string(createdAt)), ("agreementCount", .number(Double(agreements)))]))
    }
}
