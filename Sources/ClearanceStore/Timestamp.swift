import ClearanceCore
import Foundation

/// How the store writes instants: fixed-width UTC text `YYYY-MM-DDTHH:MM:SSZ`, so text order is
/// time order and SQLite CHECK constraints can test the shape.
public enum Timestamp {
    /// The stored text of an instant (fractional seconds are dropped: floor to the second).
    public static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        let secs = Int64(t.rounded(.down))
        return format(epochSeconds: secs)
    }

    /// The stored text of a count of seconds since 1970-01-01T00:00:00Z.
    public static func format(epochSeconds secs: Int64) -> String {
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = CivilCalendar.civilFromDays(Int(days))
        let hh = Int(rem / 3600), mm = Int(rem % 3600 / 60), ss = Int(rem % 60)
        // Written into a stack buffer: `usage import` formats every event's time, and the former
        // array-per-field version cost ~6,700 instructions a call. Same digits: each field is the last
        // `width` decimal digits of its value (a year past 9999 keeps its last four).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { b in
            var k = 0
            @inline(__always) func put(_ v: Int, _ width: Int) {
                var x = v
                var i = width - 1
                while i >= 0 { b[k + i] = UInt8(48 + x % 10); x /= 10; i -= 1 }
                k += width
            }
            @inline(__always) func sep(_ c: UInt8) { b[k] = c; k += 1 }
            put(Int(y), 4); sep(45); put(m, 2); sep(45); put(d, 2); sep(84)
            put(hh, 2); sep(58); put(mm, 2); sep(58); put(ss, 2); sep(90)
            return String(decoding: UnsafeBufferPointer(rebasing: b[0..<k]), as: UTF8.self)
        }
    }
}

extension Timestamp {
    /// True when `text` has the stored shape: `[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z`,
    /// the pattern of the instant CHECK up to schema v6 (``Schema/instant(_:nullable:)``), byte for byte.
    ///
    /// From v7 the ledger's writers check their instants with it before the insert (SQLite checks only the
    /// structure, ``Schema/instantShape(_:)``): ``format(_:)`` writes this shape for every year 0–9999, and a
    /// year outside that range would not have it.
    public static func hasStoredShape(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == 20 else { return false }
        // The highest digit allowed at each position (0x39: any digit); separators are compared exactly.
        for (i, c) in text.enumerated() {
            switch i {
            case 4, 7: guard c == 0x2D else { return false }
            case 10: guard c == 0x54 else { return false }
            case 13, 16: guard c == 0x3A else { return false }
            case 19: guard c == 0x5A else { return false }
            default:
                let top: UInt8
                switch i {
                case 5: top = 0x31
                case 8: top = 0x33
                case 11: top = 0x32
                case 14: top = 0x35
                case 17: top = 0x36
                default: top = 0x39
                }
                guard c >= 0x30 && c <= top else { return false }
            }
        }
        return true
    }

    /// ``hasStoredShape(_:)`` of a string.
    public static func hasStoredShape(_ text: String) -> Bool {
        var t = text
        return t.withUTF8 { hasStoredShape($0) }
    }

    /// The stored text of an ``Instant`` (floored to the second).
    public static func format(_ instant: Instant) -> String {
        var s = instant.millisecondsSinceEpoch / 1000
        if instant.millisecondsSinceEpoch % 1000 < 0 { s -= 1 }
        return format(epochSeconds: s)
    }

    /// The ``Instant`` of a stored text.
    public static func instant(_ text: String) -> Instant? {
        guard case .success(let p) = ISO8601.parseDateTime(text) else { return nil }
        return p.instant
    }
}

extension Instant {
    /// The instant of a Foundation date (to the millisecond).
    public init(_ date: Date) {
        self.init(millisecondsSinceEpoch: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// The Foundation date of this instant.
    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }
}
