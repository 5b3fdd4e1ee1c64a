@testable import ClearanceCore
import Testing

/// The JSON writer's cached instants (`ByteWriter.put(_:dateOnly:dates:)`, ``DateCache``) are byte for
/// byte ``Instant/description`` (and its first ten bytes with `dateOnly`), hit or miss, for any
/// instant the type holds: the cache only skips the date's arithmetic.
@Suite struct DateCacheTests {
    /// Writes `t` through the cache and without it; the bytes must be equal and equal to `description`.
    static func check(_ t: Instant, _ dates: DateCache, _ w: inout ByteWriter) {
        for dateOnly in [false, true] {
            w.removeAll()
            w.put(t, dateOnly: dateOnly, dates: dates)
            let cached = Array(w.bytes)
            w.removeAll()
            w.put(t, dateOnly: dateOnly)
            #expect(cached == Array(w.bytes), "\(t.millisecondsSinceEpoch) dateOnly \(dateOnly)")
            let full = Array(t.description.utf8)
            #expect(cached == (dateOnly ? Array(full.prefix(10)) : full), "\(t.millisecondsSinceEpoch) dateOnly \(dateOnly)")
        }
    }

    @Test func cachedInstantsAreTheDescription() {
        let dates = DateCache()
        var w = ByteWriter(capacity: 64)
        defer { w.free() }
        var ms: [Int64] = [0, 1, -1, 999, -1000, 86_399_999, -86_400_000, -86_400_001, .max, .min, .max - 999, .min + 1]
        for (y, m, d) in [(1970, 1, 1), (1969, 12, 31), (2026, 11, 29), (2000, 2, 29), (0, 1, 1), (-1, 12, 31),
                          (9999, 12, 31), (10000, 1, 1), (100000, 1, 1)] {
            let t = Instant(year: y, month: m, day: d).millisecondsSinceEpoch
            ms += [t, t - 1, t + 1, t + 999, t + 86_399_999, t + 43_200_000]
            // Day numbers `slotCount` apart share a slot: each must evict the other, not be taken for it.
            let apart = Int64(DateCache.slotCount) * 86_400_000
            ms += [t + apart, t - apart, t + 2 * apart]
        }
        var state: UInt64 = 0xD47E_CAC4
        for k in 0..<20_000 {  // seeded: near today, in years 0-9999, anything
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let r = Int64(bitPattern: state)
            switch k % 3 {
            case 0: ms.append(1_795_860_000_000 + r % 400_000_000_000)
            case 1: ms.append(-62_167_219_200_000 + Int64(UInt64(bitPattern: r) % 315_537_897_600_000))
            default: ms.append(r)
            }
        }
        // Twice over: the second pass reads what the first kept.
        for _ in 0..<2 { for v in ms { Self.check(Instant(millisecondsSinceEpoch: v), dates, &w) } }
    }
}
