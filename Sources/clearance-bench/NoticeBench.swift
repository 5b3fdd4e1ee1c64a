import Foundation
import ClearanceCore
import NoticeReader
#if canImport(Glibc)
import Glibc
#endif

/// CPU seconds used by this process so far (user + system): the measure for "on one core" under a shared machine.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// `clearance-bench notice CORPUS.json [PAGE.txt] [--iterations N] [--dump]`: notices read per second on one core, and a 10 MB page.
///
/// `--iterations N` reads the corpus exactly N times instead of for three seconds (for callgrind:
/// instructions per notice = total / (N × corpus size)); `--dump` prints every reading as JSON, one
/// per line, so two builds can be compared reading for reading.
enum NoticeBench {
    static func run(_ args: [String]) {
        var positional: [String] = []
        var iterations: Int?
        var dump = false
        var k = 0
        while k < args.count {
            switch args[k] {
            case "--iterations":
                k += 1
                iterations = k < args.count ? Int(args[k]) : nil
                if iterations == nil { print("--iterations needs a number"); return }
            case "--dump": dump = true
            default: positional.append(args[k])
            }
            k += 1
        }
        guard let path = positional.first, let data = FileManager.default.contents(atPath: path),
              let corpus = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            print("usage: clearance-bench notice CORPUS.json [PAGE.txt] [--iterations N] [--dump]"); return
        }
        guard let packs = try? LanguagePacks.shared.get() else { print("language packs do not load"); return }
        let reader = NoticeReader(packs: packs)
        let texts = corpus.compactMap { $0["text"] as? String }
        if dump {
            for t in texts + positional.dropFirst().compactMap({ try? String(contentsOfFile: $0, encoding: .utf8) }) {
                print(reader.read(t).json.serialized(pretty: false, sortedKeys: true))
            }
            return
        }
        var n = 0
        let start = Date(), cpu0 = cpuSeconds()
        if let iterations {
            for _ in 0..<iterations { for t in texts { _ = reader.read(t); n += 1 } }
        } else {
            while Date().timeIntervalSince(start) < 3 {
                for t in texts { _ = reader.read(t); n += 1 }
            }
        }
        let secs = cpuSeconds() - cpu0
        print("notices: \(n) in \(String(format: "%.2f", secs)) CPU s = \(Int(Double(n) / secs)) notices/s on one core (dev corpus, mean \(texts.map(\.count).reduce(0, +) / max(1, texts.count)) characters)")
        if positional.count > 1, iterations == nil, let page = try? String(contentsOfFile: positional[1], encoding: .utf8) {
            let body = page.split(separator: "\n").filter { !$0.contains("تنبيه") }.joined(separator: "\n")
            /// A page of about `megabytes` MB: the article's body repeated, then the page with its notice.
            func pageOf(_ megabytes: Int) -> String {
                var big = ""
                while big.utf8.count < megabytes * 1_000_000 { big += body + "\n" }
                return big + page
            }
            // Linear time is measured here, as the ratio of a 10 MB page's time to a 2 MB page's in the
            // same run (about 5 when linear), never asserted in a test: the machines are shared and noisy.
            let quarter = pageOf(2), big = pageOf(10)
            let q0 = cpuSeconds()
            _ = reader.read(quarter)
            let quarterSeconds = cpuSeconds() - q0
            let t0 = cpuSeconds()
            let r = reader.read(big)
            let bigSeconds = cpuSeconds() - t0
            print("page: \(big.utf8.count / 1_000_000) MB in \(String(format: "%.2f", bigSeconds)) CPU s (\(String(format: "%.1f", bigSeconds / max(quarterSeconds, 1e-9)))× the time of a \(quarter.utf8.count / 1_000_000) MB page), notice found: \(r.summary.permittedWith)")
        }
    }
}
