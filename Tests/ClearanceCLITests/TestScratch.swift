import Foundation

/// The one temporary folder this test process writes into, removed when the process exits.
///
/// Every `tempDir()` of this target is a fresh folder inside it. Before, each made its own folder under
/// the system's temporary directory and none was removed: a developer's `/tmp` gathered ~50 GB of test
/// databases, reports and 51 MB inputs over a day of runs.
enum TestScratch {
    /// The process's scratch root (`$TMPDIR/clearance-tests-<pid>-<uuid>`), created on first use.
    static let root: String = {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("clearance-tests-\(getpid())-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // A C function pointer cannot capture: it reads the static, which is set by then.
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.root) }
        return path
    }()

    /// A fresh, empty folder inside ``root`` whose name starts with `label`.
    static func folder(_ label: String) throws -> URL {
        let u = URL(fileURLWithPath: root).appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}
