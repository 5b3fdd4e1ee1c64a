import Foundation
import NoticeReader

/// Shared fixtures for the reader tests: the bundled packs and the test data folder.
enum Fixture {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data")
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let packs: LanguagePacks = {
        switch LanguagePacks.shared {
        case .success(let p): return p
        case .failure(let e): fatalError("language packs do not load: \(e)")
        }
    }()

    static let reader = NoticeReader(packs: packs)

    static func json(_ name: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: data.appendingPathComponent(name)))
    }
}
