/// Parses ISO 8601 / XML Schema dates, date-times and durations without Foundation or a clock.
///
/// Times are seconds since 1970-01-01T00:00:00Z as `Double`; a date-time without a time zone
/// is read as UTC, a date alone as the start of that day (UTC unless it carries an offset).
public enum ISOTime {
    /// Seconds since the epoch for `yyyy-mm-dd[Thh:mm[:ss[.fff]]][Z|±hh:mm]`, or `nil`.
    public static func parseDateTime(_ text: String) -> Double? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        var negativeYear = false
        if i < b.count, b[i] == UInt8(ascii: "-") { negativeYear = true; i += 1 }
        guard var year = num(4) else { return nil }
        // years with more than four digits
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            year = year * 10 + Int(b[i] - 0x30)
            i += 1
            if year > 999_999_999 { return nil }  // no overflow on absurd years
        }
        if negativeYear { year = -year }
        guard expect(UInt8(ascii: "-")), let month = num(2), expect(UInt8(ascii: "-")), let day = num(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        var seconds = 0.0
        if i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") {
            i += 1
            guard let h = num(2), expect(UInt8(ascii: ":")), let m = num(2) else { return nil }
            var s = 0.0
            if expect(UInt8(ascii: ":")) {
                guard let whole = num(2) else { return nil }
                s = Double(whole)
                if expect(UInt8(ascii: ".")) || expect(UInt8(ascii: ",")) {
                    var scale = 0.1
                    var any = false
                    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                        s += Double(b[i] - 0x30) * scale
                        scale /= 10
                        i += 1
                        any = true
                    }
                    guard any else { return nil }
                }
            }
            guard (h < 24 || (h == 24 && m == 0 && s == 0)), m < 60, s < 61 else { return nil }
            seconds = Double(h * 3600 + m * 60) + s
        }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = num(2) else { return nil }
                _ = expect(UInt8(ascii: ":"))
                guard let om = num(2), oh <= 14, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Double(days) * 86_400 + seconds - Double(offset)
    }

    /// True when `text` is a date without a time (`2018-01-01`, optionally with a zone).
    public static func isDateOnly(_ text: String) -> Bool {
        !text.contains("T") && !text.contains("t") && parseDateTime(text) != nil
    }

    /// Seconds in an `xsd:duration` (`P1Y2M3DT4H5M6.5S`, `-P30D`), or `nil`.
    ///
    /// A year counts as 365.2425 days and a month as a twelfth of that: durations with years or
    /// months compare approximately, which is as exact as a duration without an anchor date can be.
    public static func parseDuration(_ text: String) -> Double? {
        var s = Substring(text)
        var sign = 1.0
        if s.hasPrefix("-") { sign = -1; s = s.dropFirst() }
        guard s.hasPrefix("P") else { return nil }
        s = s.dropFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        var sawComponent = false
        for c in s {
            if c == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            if c.isNumber || c == "." || c == "," { number.append(c == "," ? "." : c); continue }
            guard let v = Double(number) else { return nil }
            number = ""
            sawComponent = true
            let year = 365.2425 * 86_400
            switch (c, inTime) {
            case ("Y", false): total += v * year
            case ("M", false): total += v * year / 12
            case ("W", false): total += v * 7 * 86_400
            case ("D", false): total += v * 86_400
            case ("H", true): total += v * 3600
            case ("M", true): total += v * 60
            case ("S", true): total += v
            default: return nil
            }
        }
        guard number.isEmpty, sawComponent else { return nil }
        return sign * total
    }

    /// Formats epoch seconds as `yyyy-mm-ddThh:mm:ssZ` (fractions kept when present).
    public static func format(_ t: Double) -> String {
        guard t.isFinite, abs(t) < 1e14 else { return "\(t) seconds after 1970-01-01T00:00:00Z" }
        let days = Int((t / 86_400).rounded(.down))
        var rest = t - Double(days) * 86_400
        let (y, m, d) = civilFromDays(days)
        let h = Int(rest / 3600); rest -= Double(h * 3600)
        let mi = Int(rest / 60); rest -= Double(mi * 60)
        let s = Int(rest); let frac = rest - Double(s)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(y < 1000 ? String(repeating: "0", count: 4 - String(y).count) : "")\(y)-\(two(m))-\(two(d))T\(two(h)):\(two(mi)):\(two(s))"
        if frac > 0.0005 {
            let ms = Int((frac * 1000).rounded())
            out += "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + "\(ms)"
        }
        return out + "Z"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
