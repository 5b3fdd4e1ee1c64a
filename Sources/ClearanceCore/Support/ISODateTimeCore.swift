/// The one ISO 8601 date-time scanner: both acceptance policies are thin front ends over it.
///
/// `ISO8601.parseDateTime` (news formats: strict, one spelling per instant, precise messages) and
/// `ISOTime.parseDateTime` (ODRL/XML Schema literals: lenient, `Double` seconds) differ only in the
/// lexical rules of ``ISODateTimeRules``; the digits, calendar checks and offsets are read here once,
/// straight from UTF-8 bytes, without allocating. Request scanning calls it on a slice of the input line.
public struct ISODateTimeRules: Sendable {
    /// `-0044-03-15`, `12345-01-01` (XML Schema); otherwise exactly four digits.
    public var signedLongYears: Bool
    /// `t` and a space also separate date and time (otherwise only `T`, and the others are named in the error).
    public var lenientSeparators: Bool
    /// A date alone may carry a zone (`2018-01-01+02:00`).
    public var zoneOnDate: Bool
    /// `z` is read as `Z`.
    public var lowercaseZ: Bool
    /// `24:00:00` (the end of the day) and leap seconds (`:60`) are accepted.
    public var endOfDayAndLeapSecond: Bool
    /// Most digits in a fraction of a second.
    public var maxFractionDigits: Int
    /// Largest offset hour (`+14:00` in XML Schema).
    public var maxOffsetHour: Int
    /// `+03` alone is a whole-hour offset (otherwise minutes are required).
    public var offsetMinutesOptional: Bool

    /// DESIGN.md's interchange formats: `YYYY-MM-DD[Thh:mm[:ss[.f…]]][Z|±hh[[:]mm]]`, nothing else.
    public static let strict = ISODateTimeRules(signedLongYears: false, lenientSeparators: false, zoneOnDate: false, lowercaseZ: false,
                                                endOfDayAndLeapSecond: false, maxFractionDigits: 9, maxOffsetHour: 23,
                                                offsetMinutesOptional: true)
    /// `xsd:date` / `xsd:dateTime` as ODRL policies write them.
    public static let xsd = ISODateTimeRules(signedLongYears: true, lenientSeparators: true, zoneOnDate: true, lowercaseZ: true,
                                             endOfDayAndLeapSecond: true, maxFractionDigits: .max, maxOffsetHour: 14,
                                             offsetMinutesOptional: false)
}

/// The fields of a scanned date or date-time, before they become an instant.
public struct ISODateTimeFields: Sendable, Hashable {
    public var year = 0, month = 0, day = 0
    /// False for a date alone (`2026-12-31`).
    public var hasTime = false
    public var hour = 0, minute = 0, second = 0
    /// The fraction of a second truncated to milliseconds (`.9999` → 999).
    public var millisecond = 0
    /// Seconds with their whole fraction, accumulated digit by digit (XML Schema's `Double` reading).
    public var secondsWithFraction = 0.0
    /// Offset from UTC in seconds (east positive); 0 for `Z` or no zone.
    public var offsetSeconds = 0

    /// Days since 1970-01-01 of the (local) date.
    public var dayNumber: Int { CivilCalendar.daysFromCivil(year: year, month: month, day: day) }

    /// The instant, to the millisecond.
    public var instant: Instant {
        let local = Instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millisecond)
        return local.adding(milliseconds: -Int64(offsetSeconds) * 1000)
    }
}

/// Why a scan failed; the strict front end turns it into a message naming the text.
public enum ISODateTimeFailure: Error, Sendable, Hashable {
    case empty, noYear, notDate
    case month(Int)
    case day(Int, daysInMonth: Int)
    /// A separator other than `T` (`' '` or `t`) under strict rules.
    case separator(UInt8)
    case afterDate, noTime, noSeconds
    case fractionDigits(Int)
    case hour(Int), minute(Int), second(Int)
    case badOffset, offsetRange, afterTime, trailing
}

/// The scanner itself.
public enum ISODateTimeCore {
    /// Scans `b` completely under `rules`.
    public static func scan(_ b: UnsafeBufferPointer<UInt8>, rules: ISODateTimeRules) -> Result<ISODateTimeFields, ISODateTimeFailure> {
        let n = b.count
        var i = 0
        @inline(__always) func digits(_ k: Int) -> Int? {
            guard i + k <= n else { return nil }
            var v = 0
            for j in 0..<k {
                let c = b[i + j] &- 0x30
                guard c <= 9 else { return nil }
                v = v * 10 + Int(c)
            }
            i += k
            return v
        }
        @inline(__always) func expect(_ c: UInt8) -> Bool {
            guard i < n, b[i] == c else { return false }
            i += 1
            return true
        }
        var f = ISODateTimeFields()
        if n == 0 { return .failure(.empty) }
        var negativeYear = false
        if rules.signedLongYears, b[0] == UInt8(ascii: "-") { negativeYear = true; i = 1 }
        guard var year = digits(4) else { return .failure(.noYear) }
        if rules.signedLongYears {
            while i < n, b[i] &- 0x30 <= 9 {
                year = year * 10 + Int(b[i] - 0x30)
                i += 1
                if year > 999_999_999 { return .failure(.noYear) }  // no overflow on absurd years
            }
            if negativeYear { year = -year }
        }
        guard expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")), let day = digits(2) else {
            return .failure(.notDate)
        }
        guard month >= 1 && month <= 12 else { return .failure(.month(month)) }
        let dim = CivilCalendar.daysInMonth(year: year, month: month)
        guard day >= 1 && day <= dim else { return .failure(.day(day, daysInMonth: dim)) }
        f.year = year; f.month = month; f.day = day
        if i == n { return .success(f) }
        let sep = b[i]
        let isTimeSeparator = sep == UInt8(ascii: "T") || (rules.lenientSeparators && (sep == UInt8(ascii: "t") || sep == UInt8(ascii: " ")))
        if isTimeSeparator {
            i += 1
            guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else { return .failure(.noTime) }
            f.hasTime = true
            f.hour = hour; f.minute = minute
            if expect(UInt8(ascii: ":")) {
                guard let s = digits(2) else { return .failure(.noSeconds) }
                f.second = s
                f.secondsWithFraction = Double(s)
                if i < n, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                    i += 1
                    var count = 0
                    var millis = 0
                    var scale = 0.1
                    while i < n, b[i] &- 0x30 <= 9 {
                        let d = Int(b[i] - 0x30)
                        if count < 3 { millis = millis * 10 + d }
                        // The same accumulation as XML Schema's reading always did (digit × 10^-k), so
                        // `Double` results are bit-for-bit what they were.
                        f.secondsWithFraction += Double(d) * scale
                        scale /= 10
                        count += 1
                        i += 1
                    }
                    guard count > 0 && count <= rules.maxFractionDigits else { return .failure(.fractionDigits(count)) }
                    var k = count
                    while k < 3 { millis *= 10; k += 1 }
                    f.millisecond = millis
                }
            }
            if rules.endOfDayAndLeapSecond {
                guard hour < 24 || (hour == 24 && minute == 0 && f.secondsWithFraction == 0) else {
                    return .failure(.hour(hour))
                }
                guard minute < 60 else { return .failure(.minute(minute)) }
                guard f.secondsWithFraction < 61 else { return .failure(.second(f.second)) }
            } else {
                guard hour <= 23 else { return .failure(.hour(hour)) }
                guard minute <= 59 else { return .failure(.minute(minute)) }
                guard f.second <= 59 else { return .failure(.second(f.second)) }
            }
        } else if !rules.zoneOnDate {
            return .failure(sep == UInt8(ascii: " ") || sep == UInt8(ascii: "t") ? .separator(sep) : .afterDate)
        }
        if i < n {
            let c = b[i]
            if c == UInt8(ascii: "Z") || (rules.lowercaseZ && c == UInt8(ascii: "z")) {
                i += 1
            } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                let sign = c == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return .failure(.badOffset) }
                var om = 0
                if i < n || !rules.offsetMinutesOptional {
                    _ = expect(UInt8(ascii: ":"))
                    guard let m = digits(2) else { return .failure(.badOffset) }
                    om = m
                }
                guard oh <= rules.maxOffsetHour, om <= 59 else { return .failure(.offsetRange) }
                f.offsetSeconds = sign * (oh * 3600 + om * 60)
            } else if !rules.zoneOnDate {
                return .failure(.afterTime)
            }
        }
        guard i == n else { return .failure(.trailing) }
        return .success(f)
    }
}
