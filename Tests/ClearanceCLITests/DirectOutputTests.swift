import Foundation
import Testing

/// The batch's decisions and the audit's report written past the page cache (``DirectOutput``): the bytes are
/// the buffered path's in every case (a regular file, one with bytes before, `O_APPEND`, a pipe, `/dev/null`,
/// standard error the same file, a file system without direct I/O, a direct write failing with `EINVAL`, the
/// ring full), and each case goes the way it should (`CLEARANCE_DIRECT_REPORT` says which).
///
/// Small settings make small outputs go direct: after 16 KiB, in buffers of 16 KiB, a ring of 64 (more than these
/// outputs need, so that it is never full and whatever should go direct does, however late the writer thread runs).
@Suite(.serialized) struct DirectOutputTests {
    static let small = ["CLEARANCE_DIRECT_AFTER": "16384", "CLEARANCE_DIRECT_CHUNK": "16384", "CLEARANCE_DIRECT_RING": "64",
                        "CLEARANCE_DIRECT_REPORT": "1"]
    static let agreements = ["--agreements", "seeds/sample-agreements.json"]

    /// 600 requests (~350 KB of decisions: ~20 buffers of 16 KiB), permits and denials.
    static let batchInput: String = {
        let sample = #"{"id":"s%d","subscriber":"alsharq","source":"ilkha","asset":{"id":"a%d","kind":"%@","publishedAt":"2026-11-28T09:00:00Z"},"channel":"web","territory":"IQ","at":"2026-11-29T10:00:00Z"}"#
        return (0..<600).map { String(format: sample, $0, $0, $0 % 3 == 0 ? "photo" : "text") + "\n" }.joined()
    }()

    static var batchArgs: [String] { ["check", "--batch", batchFile(), "--at", "2026-11-29T12:00:00Z"] + agreements }

    /// The batch input as a file (written once per test process).
    static func batchFile() -> String {
        let path = TestScratch.root + "/direct-batch.jsonl"
        if !FileManager.default.fileExists(atPath: path) { #expect(FileManager.default.createFile(atPath: path, contents: Data(batchInput.utf8))) }
        return path
    }

    /// The batch's output on the buffered path (`CLEARANCE_DIRECT_AFTER=off`), through a pipe.
    static let reference: (status: Int32, bytes: [UInt8]) = {
        guard let r = try? CLI.run(batchArgs, env: ["CLEARANCE_DIRECT_AFTER": "off"]) else { return (-1, []) }
        return (r.status, Array(r.stdout.utf8))
    }()

    struct Run {
        var status: Int32
        var stderr: String
        /// The `direct output:` lines of standard error.
        var report: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("direct output: ") } }
        /// The byte counts of the last report line.
        func count(_ label: String) -> Int? {
            guard let last = report.last, let r = last.range(of: " \(label)") else { return nil }
            let digits = last[..<r.lowerBound].reversed().prefix { $0.isNumber }
            return Int(String(digits.reversed()))
        }
    }

    /// Runs `clearance ARGS` with standard output on `out` (and standard error on `err`, else a pipe read here).
    static func run(_ args: [String], out: FileHandle, err: FileHandle? = nil, env: [String: String] = small) throws -> Run {
        let exe = try #require(CLI.executable)
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = CLI.root
        var environment = ProcessInfo.processInfo.environment
        environment["CLEARANCE_POLICIES"] = nil
        environment["CLEARANCE_DB"] = nil
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        p.standardOutput = out
        let pipe = Pipe()
        p.standardError = err ?? pipe
        try p.run()
        var e = ""
        if err == nil { e = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stderr: e)
    }

    /// A new file (created, empty) in the scratch folder, opened for writing with `flags`.
    static func open(_ name: String, in dir: URL? = nil, flags: Int32 = O_WRONLY | O_CREAT | O_TRUNC) throws -> (path: String, handle: FileHandle) {
        let path = try (dir ?? CLI.tempDir()).appendingPathComponent(name).path
        let fd = Foundation.open(path, flags, 0o644)
        guard fd >= 0 else { throw FixtureFailure("cannot open \(path)") }
        return (path, FileHandle(fileDescriptor: fd, closeOnDealloc: true))
    }

    static func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    /// Nil when `a` and `b` are the same bytes, else where they differ (not the whole outputs in the failure).
    static func difference(_ a: [UInt8], _ b: [UInt8]) -> String? {
        if a == b { return nil }
        let at = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        return "\(a.count) vs \(b.count) bytes, first difference at byte \(at)"
    }

    /// Whether the scratch folder is on a file system that can write direct (not tmpfs: a CI's `/tmp` may be).
    /// (The type of the longest mount point above it in `/proc/self/mounts`.)
    static let scratchCanGoDirect: Bool = {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return false }
        var best = (point: "", type: "")
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count > 2 else { continue }
            let point = String(f[1])
            let under = point == "/" || TestScratch.root == point || TestScratch.root.hasPrefix(point + "/")
            if under && point.count >= best.point.count { best = (point, String(f[2])) }
        }
        return !["tmpfs", "ramfs", ""].contains(best.type)
    }()

    @Test func aRegularFileIsWrittenDirectWithTheSameBytes() throws {
        #expect(Self.reference.status == 1 && Self.reference.bytes.count > 300_000)
        let f = try Self.open("out.jsonl")
        let r = try Self.run(Self.batchArgs, out: f.handle)
        #expect(r.status == Self.reference.status, "\(r.stderr)")
        #expect(Self.difference(Self.bytes(f.path), Self.reference.bytes) == nil)
        if Self.scratchCanGoDirect {
            #expect(r.report.first?.hasPrefix("direct output: direct from byte ") == true, "\(r.report)")
            #expect((r.count("direct") ?? 0) > 0, "\(r.report)")
        }
        // The default settings (direct after 8 MiB) leave this output entirely to write(2).
        let g = try Self.open("default.jsonl")
        let d = try Self.run(Self.batchArgs, out: g.handle, env: ["CLEARANCE_DIRECT_REPORT": "1"])
        #expect(Self.difference(Self.bytes(g.path), Self.reference.bytes) == nil)
        #expect(d.report.last?.hasSuffix("\(Self.reference.bytes.count) write(2); not direct: fewer than 8388608 bytes") == true, "\(d.report)")
    }

    /// Bytes already in the file before the offset standard output starts at (`{ echo x; clearance …; } > f`) stay,
    /// and whatever writes next to the same open file continues after the last decision.
    @Test func aFileWithBytesBeforeKeepsThemAndTheOffsetEndsAfterTheOutput() throws {
        let f = try Self.open("ten.jsonl")
        f.handle.write(Data("0123456789".utf8))
        let r = try Self.run(Self.batchArgs, out: f.handle)
        f.handle.write(Data("END".utf8))
        #expect(r.status == Self.reference.status, "\(r.stderr)")
        #expect(Self.difference(Self.bytes(f.path), Array("0123456789".utf8) + Self.reference.bytes + Array("END".utf8)) == nil)
        if Self.scratchCanGoDirect { #expect((r.count("direct") ?? 0) > 0, "\(r.report)") }
    }

    /// `>>`: the descriptor appends; the output is written with write(2), after what was there.
    @Test func anAppendingDescriptorIsNotWrittenDirect() throws {
        let dir = try CLI.tempDir()
        let path = dir.appendingPathComponent("append.jsonl").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("before\n".utf8)))
        let f = try Self.open("append.jsonl", in: dir, flags: O_WRONLY | O_APPEND)
        let r = try Self.run(Self.batchArgs, out: f.handle)
        #expect(r.status == Self.reference.status, "\(r.stderr)")
        #expect(Self.difference(Self.bytes(path), Array("before\n".utf8) + Self.reference.bytes) == nil)
        #expect(r.report.first == "direct output: not direct: opened to append (O_APPEND)", "\(r.report)")
        #expect(r.count("direct") == 0)
    }

    @Test func aPipeAndDevNullAreWrittenAsBefore() throws {
        let piped = try CLI.run(Self.batchArgs, env: Self.small)
        #expect(Self.difference(Array(piped.stdout.utf8), Self.reference.bytes) == nil)
        #expect(piped.stderr.contains("direct output: not direct: not a regular file"), "\(piped.stderr)")
        let null = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        let r = try Self.run(Self.batchArgs, out: null)
        #expect(r.status == Self.reference.status)
        #expect(r.report.first == "direct output: not direct: not a regular file", "\(r.report)")
        #expect(r.count("write(2)") == Self.reference.bytes.count)
    }

    /// `> f 2>&1`: standard error's lines go to the shared offset, so nothing is written direct and every
    /// line of both lands whole. (Written direct, the decision's own report line, at that offset, would be
    /// overwritten by the decisions after it.)
    @Test func standardErrorOnTheSameFileKeepsBothWhole() throws {
        let f = try Self.open("both.jsonl")
        let r = try Self.run(Self.batchArgs, out: f.handle, err: f.handle)
        #expect(r.status == Self.reference.status)
        let lines = Self.bytes(f.path).split(separator: 0x0A, omittingEmptySubsequences: false)
        let reports = lines.filter { $0.starts(with: Array("direct output: ".utf8)) }.map { String(decoding: $0, as: UTF8.self) }
        #expect(reports.count == 2, "\(reports)")
        #expect(reports.first == "direct output: not direct: standard error is the same file")
        let rest = lines.filter { !$0.starts(with: Array("direct output: ".utf8)) }
        #expect(Self.difference(Array(rest.joined(separator: [0x0A])), Self.reference.bytes) == nil)
    }

    /// A file system in memory (`/dev/shm`, tmpfs) is written as before; an `O_DIRECT` open that fails, and a
    /// direct write failing with `EINVAL` half way, fall back to the page cache without a byte lost or doubled.
    @Test func withoutDirectIOEverythingGoesThroughThePageCache() throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDir), isDir.boolValue,
           let f = try? Self.open("clearance-direct-\(getpid())-\(UUID().uuidString).jsonl", in: URL(fileURLWithPath: "/dev/shm")) {
            defer { unlink(f.path) }
            let r = try Self.run(Self.batchArgs, out: f.handle)
            #expect(Self.difference(Self.bytes(f.path), Self.reference.bytes) == nil)
            #expect(r.report.first == "direct output: not direct: a file system in memory", "\(r.report)")
        }
        let o = try Self.open("open.jsonl")
        let failedOpen = try Self.run(Self.batchArgs, out: o.handle, env: Self.small.merging(["CLEARANCE_DIRECT_FAULT": "open"]) { $1 })
        #expect(Self.difference(Self.bytes(o.path), Self.reference.bytes) == nil)
        #expect(failedOpen.report.first?.hasPrefix("direct output: not direct: O_DIRECT open failed") == true, "\(failedOpen.report)")
        guard Self.scratchCanGoDirect else { return }
        let e = try Self.open("einval.jsonl")
        let einval = try Self.run(Self.batchArgs, out: e.handle, env: Self.small.merging(["CLEARANCE_DIRECT_FAULT": "einval"]) { $1 })
        #expect(Self.difference(Self.bytes(e.path), Self.reference.bytes) == nil)
        #expect(einval.report.contains { $0.contains("not direct from byte") && $0.hasSuffix("a direct write failed with EINVAL") }, "\(einval.report)")
        #expect((einval.count("direct") ?? 0) > 0 && (einval.count("page cache (after EINVAL)") ?? 0) > 0, "\(einval.report)")
    }

    /// A ring of one buffer is always full (as when the disk is slower than the decisions): every piece goes
    /// through the page cache at its offset, none waits for the disk, the bytes are the same.
    @Test func aFullRingWritesThroughThePageCache() throws {
        guard Self.scratchCanGoDirect else { return }
        let f = try Self.open("ring.jsonl")
        let r = try Self.run(Self.batchArgs, out: f.handle, env: Self.small.merging(["CLEARANCE_DIRECT_RING": "1"]) { $1 })
        #expect(Self.difference(Self.bytes(f.path), Self.reference.bytes) == nil)
        #expect(r.count("direct") == 0, "\(r.report)")
        #expect((r.count("page cache (ring full)") ?? 0) > 200_000, "\(r.report)")
    }

    /// A direct write failing otherwise (`EIO`, pretended) is the batch's write failure: exit 74, named.
    @Test func aDirectWriteErrorIsAnIOError() throws {
        guard Self.scratchCanGoDirect else { return }
        let f = try Self.open("eio.jsonl")
        let r = try Self.run(Self.batchArgs, out: f.handle, env: Self.small.merging(["CLEARANCE_DIRECT_FAULT": "eio"]) { $1 })
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("error[output.write_failed]") && r.stderr.contains(String(cString: strerror(EIO))), "\(r.stderr)")
    }

    /// The audit's reports, `-o FILE` (the JSON report copies its spooled findings; JSON Lines streams them) and
    /// standard output on a file, direct past the threshold, with the buffered path's bytes.
    @Test(arguments: ["json", "jsonl"])
    func auditReportsAreTheSame(_ format: String) throws {
        let log = try CLI.tempDir().appendingPathComponent("big.jsonl").path
        let seed = try String(contentsOf: CLI.root.appendingPathComponent("seeds/sample-usage.jsonl"), encoding: .utf8)
        try (0..<100).map { seed.replacingOccurrences(of: "\"id\": \"u-", with: "\"id\": \"k\($0)-u-") }.joined()
            .write(toFile: log, atomically: true, encoding: .utf8)
        let dir = try CLI.tempDir()
        let args = ["audit", log, "--format", format, "--no-progress"] + Self.agreements + ["--policies", "Policies"]
        let big = Self.small.merging(["CLEARANCE_DIRECT_AFTER": "65536", "CLEARANCE_DIRECT_CHUNK": "65536"]) { $1 }
        let null = try #require(FileHandle(forWritingAtPath: "/dev/null"))
        let refPath = dir.appendingPathComponent("ref").path
        let ref = try Self.run(args + ["-o", refPath], out: null, env: ["CLEARANCE_DIRECT_AFTER": "off"])
        #expect(ref.status == 0, "\(ref.stderr)")
        #expect(Self.bytes(refPath).count > 1_000_000)
        let outPath = dir.appendingPathComponent("out").path
        let o = try Self.run(args + ["-o", outPath], out: null, env: big)
        #expect(o.status == 0, "\(o.stderr)")
        #expect(Self.difference(Self.bytes(outPath), Self.bytes(refPath)) == nil)
        let s = try Self.open("stdout")
        let viaStdout = try Self.run(args, out: s.handle, env: big)
        #expect(viaStdout.status == 0, "\(viaStdout.stderr)")
        #expect(Self.difference(Self.bytes(s.path), Self.bytes(refPath)) == nil)
        let ring1 = dir.appendingPathComponent("ring1").path
        let r = try Self.run(args + ["-o", ring1], out: null, env: big.merging(["CLEARANCE_DIRECT_RING": "1"]) { $1 })
        #expect(Self.difference(Self.bytes(ring1), Self.bytes(refPath)) == nil)
        if Self.scratchCanGoDirect {
            #expect((o.count("direct") ?? 0) > 0, "\(o.report)")
            #expect((viaStdout.count("direct") ?? 0) > 0, "\(viaStdout.report)")
            #expect(r.count("direct") == 0 && (r.count("page cache (ring full)") ?? 0) > 0, "\(r.report)")
        }
    }
}
