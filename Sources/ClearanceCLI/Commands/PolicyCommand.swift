import ArgumentParser
import ClearanceCore
import NoticeReader

/// `clearance policy …`: check and read ODRL policy files.
public struct PolicyCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate ODRL policy files and show them in plain words.",
        subcommands: [PolicyValidateCommand.self, PolicyShowCommand.self]
    )
    public init() {}
}

/// Reads one policy file: bytes, JSON, policies, diagnostics; or the exit status to fail with.
enum PolicyFile {
    struct Loaded {
        var policies: [ODRLPolicy]
        var diagnostics: [Diagnostic]
    }

    /// Loads and validates `path`; on failure returns the diagnostics and the status (66 missing, 65 malformed JSON, 78 invalid).
    static func load(_ path: String) -> Result<Loaded, Failure> {
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(path) } catch {
            return .failure(Failure(diagnostics: [error], status: OdrlEvaluateCommand.inputStatus(error)))
        }
        let r = ODRLReader.read(bytes)
        if r.hasErrors {
            let malformed = r.diagnostics.contains { $0.code.hasPrefix("json.") }
            return .failure(Failure(diagnostics: r.diagnostics, status: malformed ? .dataError : .config))
        }
        if r.policies.isEmpty {
            return .failure(Failure(diagnostics: [Diagnostic(code: "odrl.no_policy", message: "the file holds no policy", location: "$",
                                                             category: .invalidPolicy)], status: .config))
        }
        return .success(Loaded(policies: r.policies, diagnostics: r.diagnostics))
    }

    struct Failure: Error {
        var diagnostics: [Diagnostic]
        var status: ExitStatus
    }

    static func json(_ d: Diagnostic, file: String) -> JSONValue {
        var o = JSONObject()
        o["file"] = .string(file)
        o["severity"] = .string(d.severity.rawValue)
        o["code"] = .string(d.code)
        o["message"] = .string(d.message)
        if let l = d.location { o["path"] = .string(l) }
        if let h = d.hint { o["hint"] = .string(h) }
        return .object(o)
    }
}

/// `clearance policy validate FILE…`: every problem in each file, with its JSON path.
public struct PolicyValidateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check ODRL policy files (JSON-LD, compact form).",
        discussion: """
        Reports every problem with a stable code and its JSON path. Exit status: 0 all valid,
        78 a policy is invalid, 65 a file is not well-formed JSON, 66 a file is missing
        (the highest of these across files wins: 66, then 65, then 78).
        """
    )

    @Argument(help: "Policy files (`-` for standard input).")
    var files: [String]

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    public init() {}

    public func run() throws {
        var worst: ExitStatus = .ok
        var report: [JSONValue] = []
        func rank(_ s: ExitStatus) -> Int { [.ok: 0, .config: 1, .dataError: 2, .noInput: 3][s] ?? 4 }
        for file in files {
            switch PolicyFile.load(file) {
            case .success(let loaded):
                let warnings = loaded.diagnostics.filter { $0.severity != .error }
                if format == .text {
                    ClearanceCLI.report(warnings, file: file)
                    print("\(file): valid (\(loaded.policies.count) \(loaded.policies.count == 1 ? "policy" : "policies")\(warnings.isEmpty ? "" : ", \(warnings.count) warning\(warnings.count == 1 ? "" : "s")"))")
                }
                report.append(.object(JSONObject([("file", .string(file)), ("valid", true),
                                                  ("diagnostics", .array(warnings.map { PolicyFile.json($0, file: file) }))])))
            case .failure(let f):
                if format == .text {
                    ClearanceCLI.report(f.diagnostics, file: file)
                    let n = f.diagnostics.filter { $0.severity == .error }.count
                    printError("\(file): invalid (\(n) error\(n == 1 ? "" : "s"))")
                }
                report.append(.object(JSONObject([("file", .string(file)), ("valid", false),
                                                  ("diagnostics", .array(f.diagnostics.map { PolicyFile.json($0, file: file) }))])))
                if rank(f.status) > rank(worst) { worst = f.status }
            }
        }
        if format == .json { print(JSONValue.array(report).serialized(pretty: true)) }
        if worst != .ok { throw ExitCode(worst.rawValue) }
    }
}

/// `clearance policy show FILE`: the policy in plain words, rule by rule.
public struct PolicyShowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a policy in plain words, rule by rule."
    )

    @Argument(help: "The policy file (`-` for standard input).")
    var file: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    public init() {}

    public func run() throws {
        switch PolicyFile.load(file) {
        case .failure(let f): throw fail(f.diagnostics, file: file, status: f.status)
        case .success(let loaded):
            ClearanceCLI.report(loaded.diagnostics.filter { $0.severity != .error }, file: file)
            switch format {
            case .text:
                let packs = try? LanguagePacks.shared.get()
                print(loaded.policies.map { p in
                    (NoticeAnnotations.heading(p) + [ODRLDescriber.render(p, NoticeAnnotations.describe(p, packs: packs))]).joined(separator: "\n")
                }.joined(separator: "\n\n"))
            case .json:
                let items: [JSONValue] = loaded.policies.map { p in
                    .object(JSONObject([
                        ("policy", p.uid.map { .string($0) } ?? .null),
                        ("rules", .array(NoticeAnnotations.describe(p, packs: try? LanguagePacks.shared.get()).map { d in
                            .object(JSONObject([("path", .string(d.path)), ("kind", .string(d.rule.kind.rawValue)),
                                                ("uid", d.rule.uid.map { .string($0) } ?? .null),
                                                ("sentence", .string(d.sentence)), ("notes", .array(d.notes.map { .string($0) }))]))
                        })),
                    ]))
                }
                print(JSONValue.array(items).serialized(pretty: true))
            }
        }
    }
}
