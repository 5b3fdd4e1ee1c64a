import ClearanceCore
import Foundation
import Testing

/// Loads the news-layer fixture files and edits JSON values by simple paths, for table-driven tests.
enum NewsFixtures {
    /// Bytes of `Fixtures/news/NAME`.
    static func bytes(_ name: String) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "Fixtures/news/\(name)", withExtension: nil) else {
            throw FixtureError("missing fixture `\(name)`")
        }
        return Array(try Data(contentsOf: url))
    }

    /// Parsed JSON of `Fixtures/news/NAME`.
    static func json(_ name: String) throws -> JSONValue {
        try JSONParser.parse(bytes(name))
    }

    /// The instant of an ISO 8601 string known to be valid.
    static func instant(_ s: String) throws -> Instant {
        switch ISO8601.parseDateTime(s) {
        case .success(let d): return d.instant
        case .failure(let e): throw FixtureError("bad date in fixture `\(s)`: \(e.message)")
        }
    }

    /// Sets (or with `{"$delete": true}` removes) the value at a path like `grants[0].channels`.
    static func patched(_ v: JSONValue, _ path: String, _ newValue: JSONValue) -> JSONValue {
        var steps: [Either] = []
        for part in path.split(separator: ".") {
            var p = Substring(part)
            if let b = p.firstIndex(of: "[") {
                steps.append(.key(String(p[..<b])))
                p = p[b...]
                while p.first == "[", let e = p.firstIndex(of: "]") {
                    steps.append(.index(Int(p[p.index(after: p.startIndex)..<e]) ?? 0))
                    p = p[p.index(after: e)...]
                }
            } else {
                steps.append(.key(String(p)))
            }
        }
        let delete = newValue["$delete"] == .bool(true)
        return set(v, steps[...], delete ? Optional<JSONValue>.none : Optional(newValue))
    }

    private enum Either { case key(String), index(Int) }

    private static func set(_ v: JSONValue, _ steps: ArraySlice<Either>, _ nv: JSONValue?) -> JSONValue {
        guard let first = steps.first else { return nv ?? .null }
        let rest = steps.dropFirst()
        switch (first, v) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty { o[k] = nv } else { o[k] = set(o[k] ?? .object(JSONObject()), rest, nv) }
            return .object(o)
        case (.index(let i), .array(var a)) where i < a.count:
            a[i] = set(a[i], rest, nv)
            return .array(a)
        default:
            return v
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Golden files: compares output with `Fixtures/news/NAME` in the source tree; `CLEARANCE_RECORD=1` rewrites it.
enum Golden {
    static func sourcePath(_ name: String, file: String = #filePath) -> String {
        let testsDir = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
        return testsDir.appendingPathComponent("Fixtures/news/\(name)").path
    }

    static func check(_ text: String, name: String) throws {
        let path = sourcePath(name)
        if ProcessInfo.processInfo.environment["CLEARANCE_RECORD"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let want = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no golden file `\(name)`; run the tests with CLEARANCE_RECORD=1 to write it")
            return
        }
        let a = want.split(separator: "\n", omittingEmptySubsequences: false)
        let b = text.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? String(a[i]) : "<missing>"
            let y = i < b.count ? String(b[i]) : "<missing>"
            if x != y {
                Issue.record("golden `\(name)` differs at line \(i + 1):\n  want: \(x)\n  got:  \(y)\n(CLEARANCE_RECORD=1 to accept)")
                return
            }
        }
    }
}
