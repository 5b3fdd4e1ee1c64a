import ClearanceCore
import NoticeReader

/// Fuzz targets for the ODRL JSON-LD policy reader and the notice reader.
extension FuzzTargets {
    /// Targets defined in this file.
    static var readerTargets: [(String, Target)] {
        [("policy", policy), ("notice", notice)]
    }

    /// An ODRL JSON-LD policy file (`policy validate`, `Policies/*.json`): read, validate, prepare
    /// for evaluation, write back; a written policy must read again without errors.
    @Sendable public static func policy(_ bytes: [UInt8]) {
        let r = ODRLReader.read(bytes)
        checkDiagnostics(r.diagnostics, "policy")
        guard !r.hasErrors else { return }
        for p in r.policies {
            let text = ODRLWriter.text(p, pretty: false)
            let again = ODRLReader.read(Array(text.utf8))
            if again.hasErrors {
                violated("policy: a policy written by ODRLWriter does not read back: \(again.diagnostics.first.map(\.description) ?? "") in \(text.prefix(300))")
            }
            _ = ODRLDescriber.describe(p)
        }
        _ = try? ODRLPolicySet(r.policies)
    }

    /// The language packs, loaded once per process.
    static let packs: LanguagePacks? = try? LanguagePacks.shared.get()

    /// A notice or an article page (`notice read`): decode, read, draft a policy, summarise.
    @Sendable public static func notice(_ bytes: [UInt8]) {
        let text: String
        do { text = try NoticeInput.decode(bytes, name: "fuzz") } catch {
            checkDiagnostics([error], "notice")
            return
        }
        guard let packs else { violated("notice: the bundled language packs do not load") }
        let reading = NoticeReader(packs: packs).read(text)
        let draft = PolicyDraft.policy(reading, name: "fuzz").serialized(pretty: false)
        do { _ = try JSONParser.parse(draft) } catch { violated("notice: the draft policy is not JSON: \(error)") }
        _ = reading.summary.json.serialized(pretty: false)
        _ = reading.json.serialized(pretty: false)
    }
}
