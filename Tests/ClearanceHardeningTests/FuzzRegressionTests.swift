import ClearanceCore
import ClearanceFuzzing
import Foundation
import Testing

/// Replays every seed and every crash libFuzzer ever found through the fuzz targets, so a
/// fixed crash stays fixed (issue 6, fuzzing): `fuzz/corpus/<target>/*` and `fuzz/crashes/<target>/*`.
@Suite("fuzz corpus and crash regressions")
struct FuzzRegressionTests {
    /// The repository root (this file is `Tests/ClearanceHardeningTests/FuzzRegressionTests.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every (target, file) pair under `fuzz/corpus` and `fuzz/crashes`.
    static func inputs(_ folder: String) -> [(String, URL)] {
        let base = root.appendingPathComponent("fuzz/\(folder)")
        var out: [(String, URL)] = []
        let fm = FileManager.default
        for target in ((try? fm.contentsOfDirectory(atPath: base.path)) ?? []).sorted() {
            let dir = base.appendingPathComponent(target)
            for f in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() where !f.hasPrefix(".") {
                out.append((target, dir.appendingPathComponent(f)))
            }
        }
        return out
    }

    @Test("every corpus folder names a fuzz target, and every target has seeds")
    func foldersMatchTargets() {
        let folders = Set(Self.inputs("corpus").map(\.0))
        #expect(folders == Set(FuzzTargets.names))
    }

    @Test("seed corpus replays without a crash")
    func corpus() throws {
        let inputs = Self.inputs("corpus")
        #expect(inputs.count >= 50)
        for (target, url) in inputs {
            let run = try #require(FuzzTargets.all[target], "no fuzz target \(target)")
            run([UInt8](try Data(contentsOf: url)))
        }
    }

    @Test("every crash libFuzzer found is fixed")
    func crashes() throws {
        for (target, url) in Self.inputs("crashes") {
            let run = try #require(FuzzTargets.all[target], "no fuzz target \(target)")
            run([UInt8](try Data(contentsOf: url)))
        }
    }

    @Test("durations too large for milliseconds are rejected, not trapped (fuzz: iso8601 crash-2236c87)",
          arguments: ["PT0000044570718311595812,S", "PT99999999999999999999H", "PT1000000000000M", "P1000001D", "PT24000001H"])
    func hugeDurations(_ text: String) {
        guard case .failure(let e) = ISO8601.parseDuration(text) else {
            Issue.record("`\(text)` was accepted")
            return
        }
        #expect(e.message.contains("too long"))
    }
}

/// Regressions found by the `usage-log` differential target.
@Suite("usage-log fuzz regressions")
struct UsageLogFuzzRegressionTests {
    @Test("an asset or use object with only unknown keys reads the same on the fast and the strict path",
          arguments: [#"{"id": "u", "at": "2026-11-29T08:30:00Z", "use": {"actionedAt": "2026-11-29"}}"#,
                      #"{"id": "u", "at": "2026-11-29T08:30:00Z", "asset": {}}"#,
                      #"{"id": "u", "at": "2026-11-29T08:30:00Z", "asset": {"x": 1}, "use": {}}"#])
    func emptyContainers(_ line: String) throws {
        let bytes = Array(line.utf8)
        let fast = try #require(bytes.withUnsafeBufferPointer { UsageJSONScanner.scan($0) })
        let slow = UsageFields(json: try JSONParser.parse(bytes))
        #expect(fast.jsonValue == slow.jsonValue)
    }
}
