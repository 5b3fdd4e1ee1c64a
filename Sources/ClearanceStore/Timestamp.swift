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
        var out = [UInt8]()
        out.reserveCapacity(20)
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
}

extension Timestamp {
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
