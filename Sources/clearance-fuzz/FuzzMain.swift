import ClearanceFuzzing

#if FUZZING
import Foundation

/// The target libFuzzer drives, chosen once from `$CLEARANCE_FUZZ_TARGET` (libFuzzer owns argv).
nonisolated(unsafe) private var selectedTarget: FuzzTargets.Target?

/// libFuzzer's entry point: runs the selected target on one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    if selectedTarget == nil {
        let name = ProcessInfo.processInfo.environment["CLEARANCE_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("set CLEARANCE_FUZZ_TARGET to one of: \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
            exit(64)
        }
        selectedTarget = t
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selectedTarget?(bytes)
    return 0
}

/// libFuzzer's driver (in the fuzzer runtime linked by `-sanitize=fuzzer`).
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The process entry point SwiftPM links executables to (`main` is renamed to `<module>_main`
/// on Linux): hands control to libFuzzer's driver.
@_cdecl("clearance_fuzz_main")
public func clearanceFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return llvmFuzzerRunDriver(&c, &v) { data, size in fuzzOneInput(data, size) }
}
#else
import Foundation

/// Without the fuzzer: replays files through a target (`clearance-fuzz TARGET FILE...`), to
/// reproduce a crash libFuzzer found or to run a corpus by hand.
@main
struct FuzzReplay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        guard let name = args.first, let target = FuzzTargets.all[name] else {
            FileHandle.standardError.write(Data("""
            usage: clearance-fuzz TARGET FILE|DIR...
            targets: \(FuzzTargets.names.joined(separator: ", "))
            (build with fuzz/run.sh to fuzz under libFuzzer)

            """.utf8))
            exit(64)
        }
        var count = 0
        for path in args.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                FileHandle.standardError.write(Data("error[input.not_found]: no file at `\(path)`\n".utf8))
                exit(66)
            }
            let files = isDir.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" }
                : [path]
            for f in files {
                guard let d = FileManager.default.contents(atPath: f) else { continue }
                target([UInt8](d))
                count += 1
            }
        }
        print("\(name): \(count) inputs ran without a crash")
    }
}
#endif
