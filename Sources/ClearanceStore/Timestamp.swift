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
        let (y, m, d) = civil(fromDays: days)
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

    /// Reads the stored text back (only the exact stored shape is accepted).
    public static func parse(_ text: String) -> Date? {
        guard let r = ISOInstant.parse(text), !r.dateOnly else { return nil }
        return r.date
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar date of a count of days since 1970-01-01.
    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

/// A small strict ISO 8601 reader for the instants users type on the command line
/// (`2026-11-29`, `2026-11-29T10:00:00Z`, `2026-11-29T13:00:00+03:00`, fractional seconds allowed).
public enum ISOInstant {
    /// The instant read, and whether the text was a bare date.
    public struct Result: Sendable, Equatable {
        public var date: Date
        public var dateOnly: Bool
    }

    /// Parses `text`; a date without time is that day's 00:00 UTC; a time without offset is UTC.
    public static func parse(_ text: String) -> Result? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += n
            return v
        }
        func lit(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = num(4), lit(45), let mo = num(2), lit(45), let d = num(2) else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo) else { return nil }
        var secs = Timestamp.days(fromCivil: y, mo, d) * 86_400
        if i == b.count { return Result(date: Date(timeIntervalSince1970: Double(secs)), dateOnly: true) }
        guard lit(84) || lit(116) || lit(32) else { return nil }
        guard let hh = num(2), lit(58), let mm = num(2) else { return nil }
        var ss: Int64 = 0
        var frac = 0.0
        if lit(58) {
            guard let s = num(2) else { return nil }
            ss = s
            if lit(46) || lit(44) {
                var scale = 0.1
                var any = false
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    frac += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        guard hh <= 23, mm <= 59, ss <= 60 else { return nil }
        secs += hh * 3600 + mm * 60 + ss
        if lit(90) || lit(122) {
        } else if i < b.count, b[i] == 43 || b[i] == 45 {
            let sign: Int64 = b[i] == 43 ? 1 : -1
            i += 1
            guard let oh = num(2) else { return nil }
            _ = lit(58)
            guard let om = num(2), oh <= 23, om <= 59 else { return nil }
            secs -= sign * (oh * 3600 + om * 60)
        }
        guard i == b.count else { return nil }
        return Result(date: Date(timeIntervalSince1970: Double(secs) + frac), dateOnly: false)
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
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
