import ClearanceCore
import Foundation

/// Reads a command's input file, or standard input for `-`, with clear errors and a size limit.
public enum InputFile {
    /// Inputs larger than this are refused rather than read into memory (1 GiB).
    public static let defaultLimit = 1 << 30

    /// Reads all bytes of `path` (`-` is standard input).
    ///
    /// Errors: `input.not_found` / `input.unreadable` (exit 66), `input.too_large` (exit 65).
    public static func readAll(_ path: String, limit: Int = defaultLimit) throws(Diagnostic) -> [UInt8] {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw Diagnostic(code: "input.not_found", message: "no file at `\(path)`",
                                 hint: "check the path, or pass `-` to read standard input", category: .io)
            }
            guard !isDir.boolValue else {
                throw Diagnostic(code: "input.is_directory", message: "`\(path)` is a folder, not a file",
                                 hint: "name a file inside it", category: .io)
            }
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw Diagnostic(code: "input.unreadable", message: "cannot open `\(path)` for reading",
                                 hint: "check its permissions", category: .io)
            }
            handle = h
        }
        var out: [UInt8] = []
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw Diagnostic(code: "input.read_failed", message: "reading `\(path)` failed: \(error.localizedDescription)",
                                 category: .io)
            }
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
            if out.count > limit {
                throw Diagnostic(code: "input.too_large", message: "`\(path)` is larger than \(limit / (1 << 20)) MiB",
                                 hint: "split the input into smaller files")
            }
        }
        if path != "-" { try? handle.close() }
        return out
    }
}
