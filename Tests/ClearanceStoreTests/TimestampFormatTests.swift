import ClearanceCore
import Testing
@testable import ClearanceStore

/// `Timestamp.format` (written into a stack buffer) gives the former array-built text for any second.
struct TimestampFormatTests {
    /// The former implementation, kept as the reference.
    static func former(_ secs: Int64) -> String {
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = CivilCalendar.civilFromDays(Int(days))
        let hh = Int(rem / 3600), mm = Int(rem % 3600 / 60), ss = Int(rem % 60)
        var out = [UInt8]()
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width)
            var x = v
            for i in (0..<width).reversed() { digits[i] = UInt8(48 + x % 10); x /= 10 }
            out.append(contentsOf: digits)
        }
        put(Int(y), 4); out.append(45); put(m, 2); out.append(45); put(d, 2); out.append(84)
        put(hh, 2); out.append(58); put(mm, 2); out.append(58); put(ss, 2); out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func sameTextAsTheFormerFormatter() {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        var samples: [Int64] = [0, -1, 86_399, 86_400, -86_400, 951_782_400, 253_402_300_799, 253_402_300_800, -62_135_596_800]
        for _ in 0..<50_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            samples.append(Int64(bitPattern: x) % 400_000_000_000)
        }
        for s in samples { #expect(Timestamp.format(epochSeconds: s) == Self.former(s), "\(s)") }
    }
}
