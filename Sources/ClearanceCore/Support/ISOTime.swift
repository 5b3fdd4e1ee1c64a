/// Parses ISO 8601 / XML Schema dates, date-times and durations without Foundation or a clock.
///
/// Date-times are read by ``ISODateTimeCore`` under ``ISODateTimeRules/xsd`` (the same scanner as the
/// strict ``ISO8601`` reading of the news formats, with XML Schema's wider lexical space).
///
/// Times are seconds since 1970-01-01T00:00:00Z as `Double`; a date-time without a time zone
/// is read as UTC, a date alone as the start of that day (UTC unless it carries an offset).
public enum ISOTime {
    /// Seconds since the epoch for `yyyy-mm-dd[Thh:mm[:ss[.fff]]][Z|±hh:mm]`, or `nil`.
    public static func parseDateTime(_ text: String) -> Double? {
        var t = text
        guard case .success(let f) = t.withUTF8({ ISODateTimeCore.scan($0, rules: .xsd) }) else { return nil }
        let seconds = f.hasTime ? Double(f.hour * 3600 + f.minute * 60) + f.secondsWithFraction : 0
        return Double(f.dayNumber) * 86_400 + seconds - Double(f.offsetSeconds)
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
        let (y, m, d) = CivilCalendar.civilFromDays(days)
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
}
