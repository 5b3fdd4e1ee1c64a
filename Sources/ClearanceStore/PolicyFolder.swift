import ClearanceCore
import Foundation

/// The folder of source policies (`Policies/NAME.json`, source id = file name without `.json`).
///
/// Resolved as `--policies DIR`, else `$CLEARANCE_POLICIES`, else `./Policies`. Reading a policy
/// gives its exact bytes and their revision hash (SHA-256 hex), which the store records so
/// every agreement version and decision names the exact policy text it was checked against.
public struct PolicyFolder: Sendable {
    /// The folder path.
    public let path: String

    /// A policy file read from the folder.
    public struct Policy: Sendable {
        /// The source id (file name without `.json`).
        public var source: String
        /// The file path.
        public var path: String
        /// The exact bytes of the file.
        public var bytes: [UInt8]
        /// SHA-256 of `bytes`, lowercase hex: the policy revision.
        public var revision: String
    }

    /// The policies folder to use: `--policies`, else `$CLEARANCE_POLICIES`, else `./Policies`.
    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> PolicyFolder {
        if let flag, !flag.isEmpty { return PolicyFolder(path: flag) }
        if let env = environment["CLEARANCE_POLICIES"], !env.isEmpty { return PolicyFolder(path: env) }
        return PolicyFolder(path: "./Policies")
    }

    /// A folder at `path`.
    public init(path: String) { self.path = path }

    /// The source ids that have a policy file, sorted.
    public func sources() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    /// Reads the policy of `source`.
    ///
    /// Errors: `source.unknown` (no `Policies/SOURCE.json`; lists the known sources),
    /// `source.bad_id`, `input.unreadable`.
    public func policy(for source: String) throws(Diagnostic) -> Policy {
        guard Self.isValidSourceId(source) else {
            throw Diagnostic(
                code: "source.bad_id", message: "`\(source)` is not a source id",
                hint: "a source id is a policy file name: letters, digits, `.`, `_`, `-`", category: .invalidValue)
        }
        let file = (path as NSString).appendingPathComponent(source + ".json")
        guard FileManager.default.fileExists(atPath: file) else {
            let known = sources()
            throw Diagnostic(
                code: "source.unknown",
                message: "unknown source `\(source)`: there is no policy `\(file)`",
                hint: known.isEmpty
                    ? "the policies folder `\(path)` has no policies; pass `--policies DIR` or set $CLEARANCE_POLICIES"
                    : "known sources: \(known.map { "`\($0)`" }.joined(separator: ", "))",
                category: .invalidPolicy)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Diagnostic(code: "input.unreadable", message: "cannot read the policy `\(file)`",
                             hint: "check its permissions", category: .io)
        }
        let bytes = [UInt8](data)
        return Policy(source: source, path: file, bytes: bytes, revision: SHA256.hex(bytes))
    }

    /// True for a usable source id: 1–200 of letters, digits, `.`, `_`, `-`, not starting with `.`.
    public static func isValidSourceId(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 200, s.first != "." else { return false }
        return s.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45
        }
    }
}
