import ArgumentParser
import ClearanceCore
import Foundation
import NoticeReader

/// `clearance notice`: read an agency's copyright notice into a draft policy.
public struct NoticeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "notice",
        abstract: "Read copyright notices into policies.",
        subcommands: [NoticeReadCommand.self]
    )
    public init() {}
}

/// `clearance notice read FILE|-`: find the notice (bare or on a page), read it, print or save it.
public struct NoticeReadCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read a notice, or the notice on an article page, into rules with their source words.",
        discussion: """
            Prints the reading (text by default, --format json for the full reading). --summary prints \
            the scored summary only. --out writes the draft ODRL policy (e.g. Policies/NAME.json). \
            Exit 0 on a reading (even with findings), 65 for input that is not text, 66 for a missing file.
            """
    )

    @Argument(help: "The notice or page file, or - for standard input.")
    public var file: String

    @Flag(help: "Print the summary only (the fields of corpus/README.md).")
    public var summary = false

    @Option(help: "Output format: text or json.")
    public var format: OutputFormat = .text

    @Option(help: "Write the draft policy here (ODRL JSON-LD), e.g. Policies/NAME.json.")
    public var out: String?

    @Option(help: "Policy name (source id) for --out; defaults to the --out file name.")
    public var name: String?

    @Option(name: .customLong("same-terms"), help: "Another notice of the same holder, in another language, recorded as the same terms (repeatable; fails if its terms differ).")
    public var sameTerms: [String] = []

    @Flag(help: "Mark the written policy as reviewed (clr:draft false).")
    public var reviewed = false

    @Option(help: "Read language packs from this folder instead of the built-in ones.")
    public var packs: String?

    /// Output formats.
    public enum OutputFormat: String, ExpressibleByArgument, Sendable { case text, json }

    public init() {}

    public func run() throws {
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(file, limit: NoticeInput.maxBytes) } catch {
            let d = error.code == "input.too_large"
                ? Diagnostic(code: "notice.too_large", message: "input `\(file)` is larger than \(NoticeInput.maxBytes >> 20) MiB; the notice reader reads at most that",
                             hint: "pass the notice or the article page alone, not a whole site dump")
                : error
            throw fail(d, status: OdrlEvaluateCommand.inputStatus(error))
        }
        let text: String
        do { text = try NoticeInput.decode(bytes, name: file) } catch { throw fail(error) }
        let packSet: LanguagePacks
        do {
            if let packs { packSet = try LanguagePacks.load(directory: URL(fileURLWithPath: packs)) } else { packSet = try LanguagePacks.shared.get() }
        } catch {
            throw fail(Diagnostic(code: "notice.packs_unreadable", message: "\(error)".lowercased(),
                                  hint: "check the language pack JSON files", category: .invalidPolicy))
        }
        let reader = NoticeReader(packs: packSet)
        let reading = reader.read(text)
        var translations: [NoticeReading] = []
        for other in sameTerms {
            let t: NoticeReading
            do { t = reader.read(try NoticeInput.decode(try InputFile.readAll(other, limit: NoticeInput.maxBytes), name: other)) } catch {
                throw fail(error, status: OdrlEvaluateCommand.inputStatus(error))
            }
            let conflicts = PolicyDraft.conflicts(reading, t)
            if !conflicts.isEmpty {
                throw fail(Diagnostic(code: "notice.terms_differ", message: "`\(other)` does not say the same as `\(file)`: \(conflicts.joined(separator: "; "))",
                                      hint: "read it as a policy of its own, or fix the language pack that misreads it", category: .invalidValue))
            }
            translations.append(t)
        }
        if let out {
            let policyName = name ?? URL(fileURLWithPath: out).deletingPathExtension().lastPathComponent
            let policy = PolicyDraft.policy(reading, name: policyName, draft: !reviewed, sameTerms: translations)
            do {
                try (policy.serialized(pretty: true) + "\n").write(toFile: out, atomically: true, encoding: .utf8)
            } catch {
                throw fail(Diagnostic(code: "notice.write_failed", message: "cannot write `\(out)`: \(error.localizedDescription)",
                                      hint: "check that the folder exists and is writable", category: .io))
            }
        }
        if summary {
            print(format == .json ? reading.summary.json.serialized(pretty: true) : NoticeText.summary(reading))
        } else {
            print(format == .json ? reading.json.serialized(pretty: true) : NoticeText.reading(reading))
        }
    }
}

/// Plain-text renderings of a reading for the terminal.
enum NoticeText {
    static func summary(_ r: NoticeReading) -> String {
        let s = r.summary
        var lines = [
            "holder:          \(s.rightsHolder ?? "(not named)")",
            "language:        \(s.language)",
            "assets:          \(s.assets.joined(separator: ", "))",
            "default:         \(s.defaultRule)",
            "prohibited uses: \(s.prohibitedUses.isEmpty ? "-" : s.prohibitedUses.joined(separator: ", "))",
            "lifted by:       \(s.permittedWith.isEmpty ? "-" : s.permittedWith.joined(separator: ", "))",
            "duties:          \(s.duties.isEmpty ? "-" : s.duties.joined(separator: ", "))",
            "licence:         \(s.license ?? "-")",
        ]
        if let c = s.credit { lines.append("credit line:     \(c)") }
        return lines.joined(separator: "\n")
    }

    static func reading(_ r: NoticeReading) -> String {
        var out = ["notice (\(r.language)\(r.fromPage ? ", found on a page" : "")):", indent(r.notice), "", summary(r), "", "rules:"]
        for (k, rule) in r.rules.enumerated() {
            out.append("  \(k + 1). \(describe(rule))")
            out.append("     from [\(rule.provenance.span[0]), \(rule.provenance.span[1])) \(rule.provenance.language), confidence \(rule.provenance.confidence): \"\(rule.provenance.text)\"")
        }
        if r.rules.isEmpty { out.append("  (none: nothing is permitted unless agreed)") }
        if !r.findings.isEmpty {
            out.append("findings:")
            for f in r.findings { out.append("  \(f.severity)[\(f.code)]: \(f.message)") }
        }
        return out.joined(separator: "\n")
    }

    static func describe(_ r: ReadRule) -> String {
        let assets = r.assets.isEmpty ? "all content" : r.assets.joined(separator: ", ")
        switch r.kind {
        case .prohibition:
            var s = "prohibited: \(r.uses.joined(separator: ", ")) of \(assets)"
            if !r.lifters.isEmpty { s += ", unless by " + r.lifters.map { r.prior.contains($0) ? "prior \($0)" : $0 }.joined(separator: " or ") }
            return s
        case .permission: return "permitted to anyone: \(r.uses.joined(separator: ", ")) of \(assets)" + (r.duties.isEmpty ? "" : ", with \(r.duties.joined(separator: ", "))")
        case .limitedPermission:
            let lim = r.limits.map { "\($0.value) \($0.unit)" }.joined(separator: ", ")
            return "permitted within limits: \(r.uses.joined(separator: ", ")) of \(assets)" + (lim.isEmpty ? "" : " up to \(lim)") + (r.duties.isEmpty ? "" : ", with \(r.duties.joined(separator: ", "))")
        case .reservation: return "all rights reserved (\(assets))"
        case .offer: return "rights can be obtained by \(r.lifters.joined(separator: " or "))"
        case .duty: return "duty: \(r.duties.joined(separator: ", "))"
        case .licence: return "open licence \(r.licence ?? "(variant not named)")"
        }
    }

    static func indent(_ s: String) -> String { s.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") }
}
