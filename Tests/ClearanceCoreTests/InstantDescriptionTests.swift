import ClearanceCore
import Testing

/// `Instant.description`, written byte by byte, is byte for byte the text the former `String`-building
/// formatter wrote (kept here as the reference), for any instant the type holds.
@Suite struct InstantDescriptionTests {
    /// The former formatter, verbatim: the reference.
    static func reference(_ t: Instant) -> String {
        let c = t.utcComponents
        var s = ""
        s.reserveCapacity(24)
        func pad(_ v: Int, _ width: Int) {
            let t = String(v)
            if t.count < width { s += String(repeating: "0", count: width - t.count) }
            s += t
        }
        if c.year < 0 { s += "-"; pad(-c.year, 4) } else { pad(c.year, 4) }
        s += "-"; pad(c.month, 2); s += "-"; pad(c.day, 2)
        s += "T"; pad(c.hour, 2); s += ":"; pad(c.minute, 2); s += ":"; pad(c.second, 2)
        if c.millisecond != 0 { s += "."; pad(c.millisecond, 3) }
        s += "Z"
        return s
    }

    /// Edge instants: the epoch and a millisecond either side, whole and fractional seconds, year
    /// boundaries around 0, 1, 1970, 9999/10000, 99999/100000, and the ends of the type.
    @Test func edgeInstantsMatchTheReference() {
        var ms: [Int64] = [0, 1, -1, 999, -999, 1000, -1000, 86_399_999, -86_400_000, -86_400_001, .max, .min, .max - 999, .min + 1]
        for (y, m, d) in [(1970, 1, 1), (1969, 12, 31), (2026, 11, 29), (2000, 2, 29), (1900, 3, 1), (1, 1, 1), (0, 1, 1), (-1, 12, 31),
                          (-9999, 1, 1), (-10000, 1, 1), (9999, 12, 31), (10000, 1, 1), (99999, 12, 31), (100000, 1, 1), (1_000_000, 6, 15)] {
            let t = Instant(year: y, month: m, day: d).millisecondsSinceEpoch
            ms += [t, t - 1, t + 1, t + 999, t + 86_399_999, t + 43_200_000, t + 500]
        }
        for v in ms {
            let t = Instant(millisecondsSinceEpoch: v)
            #expect(t.description == Self.reference(t), "\(v)")
            #expect(t.auditText == t.description, "\(v)")
        }
        #expect(Instant(millisecondsSinceEpoch: 1_795_860_000_123).description == "2026-11-28T10:00:00.123Z")
        #expect(Instant(year: 10000, month: 1, day: 1).description == "10000-01-01T00:00:00Z")
        #expect(Instant(year: -1, month: 12, day: 31).description == "-0001-12-31T00:00:00Z")
    }

    /// Random instants (seeded): near today, anywhere in years 0–9999, and across the whole range
    /// of the type; with and without milliseconds.
    @Test func randomInstantsMatchTheReference() {
        var state: UInt64 = 0x1A57_7E47
        func nextUInt64() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let today: Int64 = 1_795_860_000_000
        for k in 0..<60_000 {
            let r = Int64(bitPattern: nextUInt64())
            var v: Int64
            switch k % 3 {
            case 0: v = today + r % 3_000_000_000_000          // ±95 years around today
            case 1: v = -62_167_219_200_000 + Int64(nextUInt64() % 315_537_897_600_000)  // 0000-01-01 ..< 10000-01-01
            default: v = r                                      // anything the type holds
            }
            if k % 2 == 0 { v -= v % 1000 }  // whole seconds: no fraction written
            let t = Instant(millisecondsSinceEpoch: v)
            #expect(t.description == Self.reference(t), "\(v)")
        }
    }
}
