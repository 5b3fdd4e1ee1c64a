import Foundation

/// Stage times of a run on standard error, for finding serial time (`CLEARANCE_TIMING=1`); silent otherwise.
///
/// Each mark prints the wall time since the process started (from `/proc/self/stat`, so process start and
/// the dynamic loader count) and the process's user + system CPU so far, e.g.
/// `timing: prepared  wall 1.234 s  cpu 1.901 s`. A stage whose CPU grew by about its wall time ran on
/// one core: that is serial time on a multi-core machine. Measurements only; never asserted in tests.
enum StageClock {
    /// Whether `CLEARANCE_TIMING` is set (read once).
    static let enabled = ProcessInfo.processInfo.environment["CLEARANCE_TIMING"].map { !$0.isEmpty && $0 != "0" } ?? false

    /// Prints one mark when enabled.
    static func mark(_ label: String) {
        guard enabled else { return }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let wall = sinceStart()
        FileHandle.standardError.write(Data(String(format: "timing: %@  wall %.3f s  cpu %.3f s  rss %ld MB\n",
                                                   label, wall, cpu, usage.ru_maxrss / 1024).utf8))
    }

    /// A monotonic clock in seconds (for durations measured with `CLEARANCE_TIMING`).
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Prints a free-form line when enabled.
    static func note(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("timing: \(text)\n".utf8))
    }

    /// Seconds since the process started (boot-time clock minus the process's start in clock ticks).
    static func sinceStart() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return now }
        // Fields after the command name: state is field 3, starttime field 22 (so index 19 after ")").
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return now }
        return now - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
