#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in nanoseconds, read with `clock_gettime` (a vDSO call: ~20 ns, no system call).
enum Clock {
    @inline(__always)
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// `1.23 s`, `45.6 ms`, `789 ns`.
    static func format(_ ns: Int64) -> String {
        if ns >= 1_000_000_000 { return fixed(Double(ns) / 1e9, 2) + " s" }
        if ns >= 1_000_000 { return fixed(Double(ns) / 1e6, 1) + " ms" }
        if ns >= 1_000 { return fixed(Double(ns) / 1e3, 2) + " µs" }
        return "\(ns) ns"
    }
}

/// `x` with `digits` decimals (no Foundation `String(format:)`).
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = (abs(x) * scale).rounded()
    let whole = Int64(n / scale)
    var frac = String(Int64(n - Double(whole) * scale))
    while frac.count < digits { frac = "0" + frac }
    return (x < 0 && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + frac : "")
}

/// A number with thousands separators: `1,234,567`.
func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (k, c) in s.enumerated() {
        if k > 0 && (s.count - k) % 3 == 0 { out += "," }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

/// The median of a list (mean of the two middle values for an even count); 0 for an empty list.
func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Writes a line to standard error (file descriptor 2, unbuffered).
func printError(_ s: String) {
    var line = s + "\n"
    line.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
}

/// This process's peak resident memory so far, in KiB (`getrusage`).
func peakRSSKilobytes() -> Int {
    var ru = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &ru)
    #else
    getrusage(RUSAGE_SELF, &ru)
    #endif
    return Int(ru.ru_maxrss)
}
