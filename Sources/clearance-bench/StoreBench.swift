import ClearanceCore
import ClearanceStore
import Foundation

/// Store benchmarks: `clearance-bench store gen|import|lookup`.
///
/// - `gen N SUBSCRIBERS FILE` writes N agreements over SUBSCRIBERS subscribers (source `ilkha`) as a JSON array.
/// - `import FILE DB POLICIES` parses and imports the file in-process, printing the time of each step.
/// - `lookup DB SUBSCRIBERS [N]` times N as-of lookups of a random subscriber's agreements, and a batch preload.
enum StoreBench {
    static func run(_ args: [String]) {
        switch args.first {
        case "gen":
            guard args.count == 4, let n = Int(args[1]), let subs = Int(args[2]) else { return usage() }
            gen(n, subs, args[3])
        case "import":
            guard args.count == 4 else { return usage() }
            importFile(args[1], db: args[2], policies: args[3])
        case "lookup":
            guard args.count >= 3, let subs = Int(args[2]) else { return usage() }
            lookup(db: args[1], subscribers: subs, count: args.count > 3 ? Int(args[3]) ?? 1000 : 1000)
        default: usage()
        }
    }

    static func usage() {
        print("usage: clearance-bench store gen N SUBSCRIBERS FILE | import FILE DB POLICIES | lookup DB SUBSCRIBERS [N]")
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    static func gen(_ n: Int, _ subs: Int, _ file: String) {
        let channels = ["web", "print", "mobile", "tv", "social", "newsletter"]
        let territories = ["TR", "IQ", "SY", "MENA", "EU", "GCC", "WORLD", "DE", "FR", "EG"]
        var out = "[\n"
        for i in 0..<n {
            let s = i % subs
            let year = 2024 + (i / subs) % 4
            let c1 = channels[i % channels.count], c2 = channels[(i / 7) % channels.count]
            let t1 = territories[i % territories.count], t2 = territories[(i / 3) % territories.count]
            out += """
            {"id": "C-\(i)", "kind": "\(i % 5 == 0 ? "subscription" : "contract")", "source": "ilkha",
             "subscriber": {"id": "sub-\(s)", "name": "Subscriber \(s)"},
             "signedAt": "\(year - 1)-12-20", "term": {"start": "\(year)-01-01", "end": "\(year)-12-31"},
             "grants": [{"assets": ["text", "photo"], "actions": ["use"], "extent": ["whole", "partial"],
                         "channels": ["\(c1)"\(c1 == c2 ? "" : ", \"\(c2)\"")], "territories": ["\(t1)"\(t1 == t2 ? "" : ", \"\(t2)\"")],
                         "excludeTerritories": [], "quota": {"count": \(100 + i % 400), "per": "month"},
                         "embargo": "PT1H", "duties": [{"action": "attribute", "text": "İLKHA"}]}],
             "restrictions": [{"channels": ["advertising"], "note": "no advertising"}]}
            """
            out += i == n - 1 ? "\n" : ",\n"
        }
        out += "]\n"
        guard FileManager.default.createFile(atPath: file, contents: Data(out.utf8)) else {
            print("error: cannot write `\(file)`")
            exit(74)
        }
        print("wrote \(n) agreements for \(min(n, subs)) subscribers to \(file) (\(out.utf8.count / 1_000_000) MB)")
    }

    static func importFile(_ file: String, db: String, policies: String) {
        let t0 = now()
        guard let data = FileManager.default.contents(atPath: file) else { return print("cannot read \(file)") }
        let t1 = now()
        let parsed = AgreementFile.parse([UInt8](data))
        let t2 = now()
        guard !parsed.hasErrors else { return print(parsed.diagnostics.prefix(5).map(\.description).joined(separator: "\n")) }
        do {
            let store = try Store.open(path: db)
            let t3 = now()
            try store.addAgreements(parsed.agreements, locations: parsed.locations, policies: PolicyFolder(path: policies))
            let t4 = now()
            print(String(format: "read %.3f s, parse+validate %.3f s, open %.3f s, write %.3f s, total %.3f s for %d agreements",
                         t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, parsed.agreements.count))
        } catch {
            print("failed: \(error)")
        }
    }

    static func lookup(db: String, subscribers: Int, count: Int) {
        do {
            let t0 = now()
            let store = try Store.open(path: db)
            let t1 = now()
            var found = 0
            var rng = SystemRandomNumberGenerator()
            let at = Instant(millisecondsSinceEpoch: 1_780_000_000_000)
            for _ in 0..<count {
                let s = Int.random(in: 0..<subscribers, using: &rng)
                found += try store.agreements(subscriber: "sub-\(s)", source: "ilkha", asOf: at).count
            }
            let t2 = now()
            let all = try store.allAgreementHistories()
            let t3 = now()
            print(String(format: "open %.2f ms; %d as-of lookups: %.1f µs each (%d agreements found); preload of %d histories: %.3f s",
                         (t1 - t0) * 1000, count, (t2 - t1) / Double(count) * 1e6, found, all.count, t3 - t2))
        } catch {
            print("failed: \(error)")
        }
    }
}
