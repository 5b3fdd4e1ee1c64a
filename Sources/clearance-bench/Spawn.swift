#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one child process cost: wall time, CPU time, peak memory, exit status.
struct ChildRun {
    var wallNs: Int64
    var userNs: Int64
    var systemNs: Int64
    /// Peak resident set of the child, KiB (`ru_maxrss` from `wait4`, the child's own, not the bench's).
    var peakRSSKilobytes: Int
    var status: Int32
}

/// Runs a program with stdin/stdout/stderr redirected to files and measures it with `wait4`.
///
/// `posix_spawn` + `wait4` rather than Foundation's `Process`: `wait4` reports the rusage of exactly
/// that child (peak memory included), and nothing else runs in the bench process meanwhile.
enum Spawn {
    static func run(_ argv: [String], stdin: String? = nil, stdout: String = "/dev/null", stderr: String = "/dev/null",
                    environment: [String: String] = [:]) throws(BenchError) -> ChildRun {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var env: [String] = []
        var i = 0
        while let p = environ[i] {
            let s = String(cString: p)
            if let eq = s.firstIndex(of: "="), environment[String(s[..<eq])] != nil { i += 1; continue }
            env.append(s)
            i += 1
        }
        for (k, v) in environment { env.append("\(k)=\(v)") }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) }; for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let start = Clock.now()
        let rc = posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
        guard rc == 0 else { throw BenchError("cannot start `\(argv[0])`: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var ru = rusage()
        while wait4(pid, &status, 0, &ru) < 0 {
            if errno != EINTR { throw BenchError("waiting for `\(argv[0])` failed: \(String(cString: strerror(errno)))") }
        }
        let wall = Clock.now() - start
        let exited = (status & 0x7f) == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildRun(wallNs: wall,
                        userNs: Int64(ru.ru_utime.tv_sec) * 1_000_000_000 + Int64(ru.ru_utime.tv_usec) * 1000,
                        systemNs: Int64(ru.ru_stime.tv_sec) * 1_000_000_000 + Int64(ru.ru_stime.tv_usec) * 1000,
                        peakRSSKilobytes: Int(ru.ru_maxrss), status: code)
    }
}
