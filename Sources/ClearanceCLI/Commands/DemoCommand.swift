import ArgumentParser
import ClearanceCore
import ClearanceStore
import Foundation

/// `clearance demo`: the İLKHA notice, a few sample agreements, and decisions with their reasons.
public struct DemoCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show decisions for sample subscribers under the İLKHA notice (no setup needed).",
        discussion: """
        Reads the notice policy Policies/ilkha.json and the sample agreements seeds/sample-agreements.json
        (run it from the repository root, or pass --policies and --agreements), registers the agreements
        in a throwaway database in a temporary folder, and prints a handful of decisions with their
        reasons, duties and what would have permitted them. The temporary folder is removed when the demo
        ends; nothing else is written.
        """
    )

    @Option(help: "Policies folder (default $CLEARANCE_POLICIES, else ./Policies).") var policies: String?
    @Option(help: "Sample agreements (a JSON array).") var agreements: String = "seeds/sample-agreements.json"
    @Option(help: "Output format: text or json (JSON Lines of the decisions).") var format: OutputFormat = .text

    public init() {}

    /// One demo request: what it shows, and the request.
    struct Scene {
        var title: String
        var request: JSONValue
    }

    static let scenes: [Scene] = [
        Scene(title: "A contract subscriber republishes a news text on its website in Iraq, two hours after publication",
              request: ["id": "demo-1", "subscriber": "alsharq", "source": "ilkha",
                        "asset": ["id": "ilkha-482600", "kind": "text", "publishedAt": "2026-11-29T08:00:00Z"],
                        "channel": "web", "territory": "IQ", "at": "2026-11-29T10:00:00Z"]),
        Scene(title: "The same subscriber wants a photo: its contract covers texts only",
              request: ["id": "demo-2", "subscriber": "alsharq", "source": "ilkha",
                        "asset": ["id": "ilkha-482627", "kind": "photo", "publishedAt": "2026-11-28T09:00:00Z"],
                        "use": ["action": "reproduce", "extent": "partial", "portion": 0.3],
                        "channel": "web", "territory": "IQ", "at": "2026-11-29T10:00:00Z"]),
        Scene(title: "A text within the contract's one-hour embargo",
              request: ["id": "demo-3", "subscriber": "alsharq", "source": "ilkha",
                        "asset": ["id": "ilkha-482650", "kind": "text", "publishedAt": "2026-11-29T09:30:00Z"],
                        "channel": "print", "territory": "TR", "at": "2026-11-29T10:00:00Z"]),
        Scene(title: "A Gulf subscriber whose contract ended last year",
              request: ["id": "demo-4", "subscriber": "gulfnews", "source": "ilkha",
                        "asset": ["id": "ilkha-482700", "kind": "video"], "channel": "tv", "territory": "AE",
                        "at": "2026-11-29T10:00:00Z"]),
        Scene(title: "A subscription signed at noon, used the same morning: not a prior subscription",
              request: ["id": "demo-5", "subscriber": "levantpost", "source": "ilkha",
                        "asset": ["id": "ilkha-482711", "kind": "text"], "channel": "web", "territory": "LB",
                        "at": "2026-11-29T10:00:00Z"]),
        Scene(title: "The next day the subscription covers it, but photos on social media are restricted",
              request: ["id": "demo-6", "subscriber": "levantpost", "source": "ilkha",
                        "asset": ["id": "ilkha-482712", "kind": "photo"], "channel": "social", "territory": "LB",
                        "at": "2026-11-30T10:00:00Z"]),
        Scene(title: "Someone with no agreement at all (the notice grants nothing publicly)",
              request: ["id": "demo-7", "subscriber": "random-blog", "source": "ilkha",
                        "asset": ["id": "ilkha-482600", "kind": "text"], "use": ["action": "reproduce", "extent": "partial", "portion": 0.1],
                        "channel": "web", "territory": "DE", "at": "2026-11-29T10:00:00Z"]),
    ]

    public func run() throws {
        let folder = NoticeCache.resolveFolder(flag: policies)
        let notices = NoticeCache(folder: folder)
        let loaded: NoticeCache.Loaded
        do { loaded = try notices.notice(for: "ilkha") } catch { throw fail(error.diagnostics) }
        guard let notice = loaded.notice else {
            throw fail(Diagnostic(code: "demo.no_policy", message: "no notice policy at `\(folder)/ilkha.json`",
                                  hint: "run the demo from the repository root, or pass `--policies DIR`", category: .io),
                       status: .noInput)
        }
        let backend: CheckBackend
        let where_: String
        let scratch: URL
        do {
            (backend, where_, scratch) = try DemoCommand.backend(agreements: agreements, policiesFolder: folder)
        } catch { throw fail(error.diagnostics) }
        // The throwaway database goes with the demo, whichever way it ends (every run used to leave one in /tmp).
        defer { try? FileManager.default.removeItem(at: scratch) }
        let session = CheckSession(notices: notices, backend: backend)
        var out = OutputBuffer()
        if format == .text {
            out.append("Clearance demo — source `ilkha` (İLKHA news agency)\n")
            if let text = notice.noticeText { out.append("The notice on its pages:\n  «\(text)»\n") }
            for p in notice.prohibitions {
                let kinds = AssetKind.allCases.filter { p.assets.contains($0) }.map(\.rawValue).joined(separator: ", ")
                let ext = Extent.allCases.filter { p.extents.contains($0) }.map(\.rawValue).joined(separator: " or ")
                var lifted = p.liftedBy.map { $0 == "subscription" && p.prior ? "a prior subscription" : "a \($0)" }.joined(separator: " or ")
                if lifted.isEmpty { lifted = "nothing it names" }
                out.append("Read as: no \(p.actions.joined(separator: ", ")) of \(kinds), \(ext), without \(lifted).\n")
            }
            if notice.permissions.isEmpty { out.append("Public permissions: none (nothing is allowed without an agreement).\n") }
            out.append("Sample agreements (\(agreements)) registered in \(where_).\n")
        }
        for (k, scene) in DemoCommand.scenes.enumerated() {
            let (r, diags) = RepublicationRequest.parse(scene.request, now: nil)
            guard let r else { throw fail(diags, status: .software) }
            let d: NewsDecision
            do { d = try session.decide(r) } catch { throw fail(error.diagnostics) }
            if format == .json {
                out.append(d.json.serialized())
            } else {
                out.append("\n\(k + 1). \(scene.title)\n" + DecisionText.render(d, request: r, translations: session.translations(for: r.source)) + "\n")
            }
        }
        do { try backend.finish() } catch { throw fail(error.diagnostics) }
        out.flush()
    }

    /// The agreements' home for the demo: a throwaway database in a new temporary folder.
    ///
    /// Returns the backend, how to name it to the user, and the folder the caller removes when the demo ends
    /// (removed here already when registering the agreements fails).
    static func backend(agreements path: String, policiesFolder: String) throws(DiagnosticError) -> (CheckBackend, String, URL) {
        let bytes: [UInt8]
        do { bytes = try InputFile.readAll(path) } catch {
            var e = error
            e.hint = "run the demo from the repository root, or pass `--agreements FILE`"
            throw DiagnosticError(e)
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw DiagnosticError(error) }
        let (list, diags) = Agreement.parseList(json)
        let errors = diags.filter { $0.severity == .error }
        if !errors.isEmpty { throw DiagnosticError(errors) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clearance-demo-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw DiagnosticError(Diagnostic(code: "demo.temp_dir", message: "cannot create a temporary folder: \(error)", category: .io))
        }
        let dbPath = dir.appendingPathComponent("demo.sqlite").path
        let store: Store
        do { store = try Store.open(path: dbPath) } catch {
            try? FileManager.default.removeItem(at: dir)
            throw DiagnosticError(error)
        }
        do { try store.addAgreements(list, policies: PolicyFolder(path: policiesFolder)) } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
        let backend = StoreBackend(store: store, record: false, log: true, policies: PolicyFolder(path: policiesFolder))
        return (backend, "a throwaway database (removed when the demo ends)", dir)
    }
}
