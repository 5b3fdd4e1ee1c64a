import ClearanceCore
import Foundation

/// Locates the test resources (conformance fixtures and data files) in the test bundle.
enum TestResources {
    static var root: URL { Bundle.module.resourceURL! }
    static var conformance: URL { root.appendingPathComponent("Fixtures/conformance") }
    static var data: URL { root.appendingPathComponent("Data") }

    static func bytes(_ url: URL) -> [UInt8] { (try? [UInt8](Data(contentsOf: url))) ?? [] }

    static func json(_ url: URL) -> JSONValue {
        (try? JSONParser.parse(bytes(url))) ?? .null
    }

    /// Every fixture file, as `folder/name.json`, sorted.
    static let fixtureFiles: [String] = {
        let fm = FileManager.default
        var out: [String] = []
        for folder in (try? fm.contentsOfDirectory(atPath: conformance.path)) ?? [] {
            let dir = conformance.appendingPathComponent(folder)
            for f in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where f.hasSuffix(".json") {
                if f == "odrl22-action-relations.json" { continue }
                out.append("\(folder)/\(f)")
            }
        }
        return out.sorted()
    }()

    static func fixture(_ name: String) throws -> ODRLFixture {
        try ODRLFixture.read(bytes(conformance.appendingPathComponent(name)))
    }

    static var evaluationFixtures: [String] { fixtureFiles.filter { !$0.hasPrefix("rightsml-examples/") } }
    static var parseFixtures: [String] { fixtureFiles.filter { $0.hasPrefix("rightsml-examples/") } }
}
