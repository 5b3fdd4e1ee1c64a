/// A point in time as whole milliseconds since 1970-01-01T00:00:00Z: the one time type of the news layer.
///
/// The core never reads the clock: callers pass "now" in as an `Instant`. Comparison is by value,
/// and `description` writes ISO 8601 in UTC (`2026-11-28T10:00:00Z`, with `.sss` only when needed).
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch (negative before 1970).
    public var millisecondsSinceEpoch: Int64

    /// An instant from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// An instant from whole seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = secondsSinceEpoch * 1000 }

    /// The instant at 00:00:00 UTC of a calendar day (proleptic Gregorian).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        let days = Int64(CivilCalendar.daysFromCivil(year: year, month: month, day: day))
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.millisecondsSinceEpoch = secs * 1000 + Int64(millisecond)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    /// This instant moved by a number of milliseconds.
    public func adding(milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds) }

    /// The UTC calendar fields of this instant.
    public var utcComponents: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let (y, m, d) = CivilCalendar.civilFromDays(Int(days))
        let secOfDay = Int(rem / 1000)
        return (y, m, d, secOfDay / 3600, (secOfDay / 60) % 60, secOfDay % 60, Int(rem % 1000))
    }

    /// Days since 1970-01-01 of this instant's UTC date.
    public var utcDayNumber: Int {
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        if ms % 86_400_000 < 0 { days -= 1 }
        return Int(days)
    }

    /// ISO 8601 in UTC: `2026-11-28T10:00:00Z` (milliseconds only when not zero).
    ///
    /// Written byte by byte into a stack buffer (~300 instructions; building it from a dozen small
    /// `String`s cost ~7,700 per denial message). Years are at least four digits, more when needed
    /// (`12345-…`), with a `-` before years below 0 (`-0001-…`). The one formatter of instants: the
    /// audit's `auditText` and the decider's messages use it; a test holds it to the former
    /// `String`-building text over random instants, pre-1970 and after 9999.
    public var description: String {
        withDescriptionBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Calls `body` with ``description``'s bytes, written into a stack buffer by
    /// ``writeDescription(to:)``.
    @inline(__always)
    func withDescriptionBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Instant.maxDescriptionBytes) { b in
            guard let p = b.baseAddress else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
            return body(UnsafeBufferPointer(start: p, count: writeDescription(to: p)))
        }
    }

    /// Room ``writeDescription(to:)`` may need: a sign, 19 digits of year, `-MM-DDThh:mm:ss.sssZ`.
    static let maxDescriptionBytes = 48

    /// Writes ``description``'s bytes at `b` (room for ``maxDescriptionBytes``) and returns how many:
    /// the one formatter behind ``description``, ``appendDescription(to:dateOnly:)`` and
    /// `ByteWriter.put(_:dateOnly:)` (which writes in place, with no stack buffer and copy).
    @inline(__always)
    func writeDescription(to b: UnsafeMutablePointer<UInt8>) -> Int {
        let (days, rem) = dayAndRemainder
        let k = Instant.writeDate(days, to: b)
        return k + Instant.writeTime(rem, to: b + k)
    }

    /// The UTC day number and the milliseconds into that day.
    @inline(__always)
    var dayAndRemainder: (days: Int, rem: Int) {
        let ms = millisecondsSinceEpoch
        var days = ms / 86_400_000
        var rem = ms % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        return (Int(days), Int(rem))
    }

    /// Two digits (0...99) at `b` without a loop: every field but the year and the milliseconds is
    /// two digits, and the loop per digit was about half of an instant's ~430 instructions
    /// (callgrind news session 6).
    @inline(__always)
    private static func two(_ v: Int, _ b: UnsafeMutablePointer<UInt8>) {
        let t = v / 10
        b[0] = UInt8(truncatingIfNeeded: 0x30 &+ t)
        b[1] = UInt8(truncatingIfNeeded: 0x30 &+ v &- t &* 10)
    }

    /// `v` in `width` decimal digits at `b`.
    @inline(__always)
    private static func digits(_ v: Int, _ width: Int, _ b: UnsafeMutablePointer<UInt8>) {
        var d = width - 1
        var x = v
        while d >= 0 { b[d] = UInt8(truncatingIfNeeded: 0x30 + x % 10); x /= 10; d -= 1 }
    }

    /// ``description``'s date part for UTC day number `days` (`2026-11-28`; ten bytes for years
    /// 0-9999) at `b`; returns how many bytes.
    @inline(__always)
    static func writeDate(_ days: Int, to b: UnsafeMutablePointer<UInt8>) -> Int {
        var (year, month, day) = CivilCalendar.civilFromDays(days)
        var k = 0
        if year < 0 { b[0] = 0x2D; k = 1; year = -year }
        if year < 10_000 {
            two(year / 100, b + k); two(year % 100, b + k + 2); k += 4
        } else {
            var width = 4
            var p = 10_000
            while year >= p && width < 19 { width += 1; p = p &* 10 }
            digits(year, width, b + k); k += width
        }
        b[k] = 0x2D; two(month, b + k + 1); b[k + 3] = 0x2D; two(day, b + k + 4)
        return k + 6
    }

    /// ``description``'s time part for `rem` milliseconds into a day (`T10:00:00Z`, `.sss` before
    /// the `Z` when not zero) at `b`; returns how many bytes.
    @inline(__always)
    static func writeTime(_ rem: Int, to b: UnsafeMutablePointer<UInt8>) -> Int {
        let secOfDay = rem / 1000
        let ms = rem - secOfDay * 1000
        let minutes = secOfDay / 60
        b[0] = 0x54; two(minutes / 60, b + 1); b[3] = 0x3A; two(minutes % 60, b + 4); b[6] = 0x3A; two(secOfDay - minutes * 60, b + 7)
        if ms == 0 { b[9] = 0x5A; return 10 }
        b[9] = 0x2E; digits(ms, 3, b + 10); b[13] = 0x5A
        return 14
    }

    /// The date part only, `2026-11-28` (UTC).
    public var dateString: String { String(description.prefix(10)) }

    /// Appends ``description``'s bytes (`dateOnly`: ``dateString``'s, its first ten) without
    /// making a `String`: a decision's JSON quotes instants (bench/PROFILE.md news session 4).
    public func appendDescription<S: JSONByteSink>(to out: inout S, dateOnly: Bool = false) {
        withDescriptionBytes { b in out.put(dateOnly && b.count > 10 ? UnsafeBufferPointer(rebasing: b[0..<10]) : b) }
    }
}

/// Formatted dates by UTC day number, per thread (in ``DecisionMemo``): a decision's words write
/// the same few dates again and again (an agreement's start and end, the request's day), and the
/// calendar arithmetic of a date (``CivilCalendar/civilFromDays(_:)``, ~100 instructions) and its
/// digits were most of an instant's ~300 (callgrind words session 7). 1,024 slots chosen by the day
/// number's low bits, each its day number and the date's ten bytes; only four-digit years are kept.
/// Not thread-safe. (256 slots, under a year of days, missed a quarter of the time at 30,000
/// agreements, whose terms spread over three years: 1,024, 24 KB a thread; words session 8.)
final class DateCache {
    /// ``slotCount`` slots of three words: the day number (`Int64.min`: empty), the date's first eight
    /// bytes, its last two.
    private let slots: UnsafeMutablePointer<UInt64>
    /// A power of two.
    @inline(__always) static var slotCount: Int { 1024 }

    init() {
        slots = .allocate(capacity: DateCache.slotCount * 3)
        slots.initialize(repeating: 0, count: DateCache.slotCount * 3)
        for k in 0..<DateCache.slotCount { slots[k * 3] = UInt64(bitPattern: Int64.min) }
    }

    deinit { slots.deallocate() }

    /// ``Instant/writeDate(_:to:)``'s bytes for day `days` at `b`, from the cache when it has them.
    @inline(__always)
    func writeDate(_ days: Int, to b: UnsafeMutablePointer<UInt8>) -> Int {
        let slot = slots + (days & (DateCache.slotCount - 1)) &* 3
        let key = UInt64(bitPattern: Int64(days))
        let raw = UnsafeMutableRawPointer(b)
        if slot[0] == key {
            raw.storeBytes(of: slot[1], as: UInt64.self)
            raw.storeBytes(of: UInt16(truncatingIfNeeded: slot[2]), toByteOffset: 8, as: UInt16.self)
            return 10
        }
        let n = Instant.writeDate(days, to: b)
        if n == 10 {
            slot[0] = key
            slot[1] = UnsafeRawPointer(b).loadUnaligned(as: UInt64.self)
            slot[2] = UInt64(UnsafeRawPointer(b).loadUnaligned(fromByteOffset: 8, as: UInt16.self))
        }
        return n
    }
}

extension ByteWriter {
    /// ``put(_:dateOnly:)`` with the date part from `dates` (same bytes).
    @inline(__always)
    mutating func put(_ i: Instant, dateOnly: Bool, dates: DateCache) {
        write(max: Instant.maxDescriptionBytes) { p in
            let (days, rem) = i.dayAndRemainder
            let k = dates.writeDate(days, to: p)
            return dateOnly ? min(k, 10) : k + Instant.writeTime(rem, to: p + k)
        }
    }

    /// Appends ``Instant/appendDescription(to:dateOnly:)``'s bytes, formatted in place (no stack
    /// buffer, no copy, no closure: ~350 → ~200 instructions an instant, callgrind news session 6).
    @inline(__always)
    mutating func put(_ i: Instant, dateOnly: Bool) {
        write(max: Instant.maxDescriptionBytes) { p in
            let n = i.writeDescription(to: p)
            return dateOnly && n > 10 ? 10 : n
        }
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
public enum CivilCalendar {
    /// Day number of a calendar date (H. Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Calendar date of a day number.
    public static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Whether `year` is a leap year.
    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// Number of days in a month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A parsed ISO 8601 date or date-time: the instant, and whether the text gave a date only.
public struct ParsedDateTime: Sendable, Hashable {
    /// The instant (00:00 UTC of the day for a date only; UTC when the text has no offset).
    public var instant: Instant
    /// True when the text was a bare date (`2026-12-31`): the caller decides what that day covers.
    public var isDateOnly: Bool
    /// A parsed value from its parts.
    public init(instant: Instant, isDateOnly: Bool) { self.instant = instant; self.isDateOnly = isDateOnly }
    /// Start of the following UTC day, for a date-only end that covers its whole day.
    public var endOfDayExclusive: Instant { instant.adding(milliseconds: 86_400_000) }
}

/// Strict ISO 8601 parsers for dates, date-times and durations (no Foundation formatters).
///
/// Date-times go through ``ISODateTimeCore`` (shared with ``ISOTime``, the XML Schema reading).
///
/// Accepted date-times: `YYYY-MM-DD`, `YYYY-MM-DDThh:mm`, `YYYY-MM-DDThh:mm:ss`, with an optional
/// fraction `.s…` (up to 9 digits, kept to the millisecond) and an optional `Z`, `±hh:mm`, `±hhmm` or
/// `±hh`. No offset means UTC. A lowercase `t`/`z` or a space separator is refused, as is `24:00`
/// or a leap second, so every accepted string names exactly one instant.
public enum ISO8601 {
    /// Why a string is not an ISO 8601 value: a message for a `Diagnostic`.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    /// Parses an ISO 8601 date or date-time (strict rules of ``ISODateTimeRules/strict``).
    public static func parseDateTime(_ text: String) -> Result<ParsedDateTime, ParseError> {
        var t = text
        let scanned = t.withUTF8 { ISODateTimeCore.scan($0, rules: .strict) }
        switch scanned {
        case .success(let f): return .success(ParsedDateTime(instant: f.instant, isDateOnly: !f.hasTime))
        case .failure(let e): return .failure(ParseError(message(e, text)))
        }
    }

    /// The fast entry for byte-level scanners: the same rules as ``parseDateTime(_:)``, nil when the
    /// text is not accepted (the caller then goes through the string parser for the message).
    public static func parseDateTime(utf8 bytes: UnsafeBufferPointer<UInt8>) -> ParsedDateTime? {
        guard case .success(let f) = ISODateTimeCore.scan(bytes, rules: .strict) else { return nil }
        return ParsedDateTime(instant: f.instant, isDateOnly: !f.hasTime)
    }

    /// The message for a strict-rules failure on `text`.
    static func message(_ e: ISODateTimeFailure, _ text: String) -> String {
        let shape = "expected `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`"
        switch e {
        case .empty: return "an empty string is not a date; \(shape)"
        case .noYear: return "`\(text)` does not start with a four-digit year; \(shape)"
        case .notDate: return "`\(text)` is not a date; \(shape)"
        case .month(let m): return "`\(text)` has month \(m); months run 01 to 12"
        case .day(let d, let dim): return "`\(text)` has day \(d), but that month has \(dim) days"
        case .separator(let c): return "`\(text)` separates date and time with `\(Character(Unicode.Scalar(c)))`; use `T`"
        case .afterDate: return "`\(text)` has unexpected text after the date; \(shape)"
        case .noTime: return "`\(text)` has no valid time after `T`; expected `hh:mm` or `hh:mm:ss`"
        case .noSeconds: return "`\(text)` has no valid seconds; expected two digits after `:`"
        case .fractionDigits(let n): return "`\(text)` has a fraction of a second with \(n) digits; use 1 to 9"
        case .hour(let h): return "`\(text)` has hour \(h); hours run 00 to 23"
        case .minute(let m): return "`\(text)` has minute \(m); minutes run 00 to 59"
        case .second(let s): return "`\(text)` has second \(s); seconds run 00 to 59 (no leap seconds)"
        case .badOffset: return "`\(text)` has a bad UTC offset; expected `±hh:mm`"
        case .offsetRange: return "`\(text)` has an out-of-range UTC offset"
        case .afterTime: return "`\(text)` has unexpected text after the time; expected `Z` or `±hh:mm`"
        case .trailing: return "`\(text)` has unexpected text at the end"
        }
    }

    /// Parses an ISO 8601 duration such as `PT1H`, `P1D`, `P2W`, `P1Y2M3DT4H5M6.5S`.
    public static func parseDuration(_ text: String) -> Result<ISODuration, ParseError> {
        let b = Array(text.utf8)
        let shape = "expected an ISO 8601 duration such as `PT1H`, `PT30M`, `P1D` or `P2W`"
        guard b.first == UInt8(ascii: "P") else {
            return .failure(ParseError("`\(text)` is not a duration: it must start with `P`; \(shape)"))
        }
        var d = ISODuration()
        var i = 1
        var inTime = false
        var any = false
        var lastRank = -1
        var sawFraction = false
        while i < b.count {
            if b[i] == UInt8(ascii: "T") {
                guard !inTime else { return .failure(ParseError("`\(text)` has `T` twice; \(shape)")) }
                inTime = true
                i += 1
                guard i < b.count else { return .failure(ParseError("`\(text)` ends after `T`; \(shape)")) }
                continue
            }
            let start = i
            while i < b.count, (b[i] >= 0x30 && b[i] <= 0x39) || b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") { i += 1 }
            guard i > start else { return .failure(ParseError("`\(text)` has a designator without a number; \(shape)")) }
            guard i < b.count else { return .failure(ParseError("`\(text)` ends with a number and no designator; \(shape)")) }
            let numText = String(decoding: b[start..<i], as: UTF8.self).newsReplacingComma()
            guard let value = Double(numText), value.isFinite, value >= 0 else {
                return .failure(ParseError("`\(text)` has a bad number `\(numText)`; \(shape)"))
            }
            let isFraction = numText.contains(".")
            if sawFraction { return .failure(ParseError("`\(text)`: only the last part of a duration may have a fraction")) }
            sawFraction = isFraction
            let unit = b[i]
            i += 1
            let rank: Int
            switch (inTime, unit) {
            case (false, UInt8(ascii: "Y")): rank = 0
            case (false, UInt8(ascii: "M")): rank = 1
            case (false, UInt8(ascii: "W")): rank = 2
            case (false, UInt8(ascii: "D")): rank = 3
            case (true, UInt8(ascii: "H")): rank = 4
            case (true, UInt8(ascii: "M")): rank = 5
            case (true, UInt8(ascii: "S")): rank = 6
            default:
                let u = Character(Unicode.Scalar(unit))
                return .failure(ParseError(inTime
                    ? "`\(text)` has `\(u)` after `T`; time parts are H, M, S"
                    : "`\(text)` has `\(u)` before `T`; date parts are Y, M, W, D (hours, minutes and seconds go after `T`)"))
            }
            guard rank > lastRank else { return .failure(ParseError("`\(text)` has its parts out of order or repeated; \(shape)")) }
            lastRank = rank
            if isFraction && rank < 4 {
                return .failure(ParseError("`\(text)`: fractions are allowed on hours, minutes and seconds only"))
            }
            // Each part is at most a million of its unit (a million days for time parts), so
            // converting to milliseconds below can never overflow Int64 (fuzzing found `PT1e30H`-size values trapping).
            let limit: Double = [1_000_000, 1_000_000, 1_000_000, 1_000_000, 24_000_000, 1_440_000_000, 86_400_000_000][rank]
            if value > limit { return .failure(ParseError("`\(text)` is too long a duration")) }
            switch rank {
            case 0: d.years = Int(value)
            case 1: d.months = Int(value)
            case 2: d.weeks = Int(value)
            case 3: d.days = Int(value)
            case 4: d.milliseconds += Int64((value * 3_600_000).rounded())
            case 5: d.milliseconds += Int64((value * 60_000).rounded())
            default: d.milliseconds += Int64((value * 1000).rounded())
            }
            any = true
        }
        guard any else { return .failure(ParseError("`\(text)` has no parts; \(shape)")) }
        d.text = text
        return .success(d)
    }
}

extension String {
    fileprivate func newsReplacingComma() -> String { String(self.map { $0 == "," ? "." : $0 }) }
}

/// An ISO 8601 duration: calendar parts (years, months, weeks, days) plus an exact time part.
///
/// Calendar parts are added in UTC calendar terms (1 month after Jan 31 is Feb 28/29); the time
/// part is exact. `text` keeps the original spelling for messages (`embargo PT1H`).
public struct ISODuration: Sendable, Hashable, CustomStringConvertible {
    public var years = 0
    public var months = 0
    public var weeks = 0
    public var days = 0
    /// Hours, minutes and seconds together, in milliseconds.
    public var milliseconds: Int64 = 0
    /// The text as written (empty when built in code; then `description` renders one).
    public var text = ""

    public init(years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0, milliseconds: Int64 = 0) {
        self.years = years; self.months = months; self.weeks = weeks; self.days = days; self.milliseconds = milliseconds
    }

    /// True when the duration has a calendar part whose length depends on the date.
    public var hasCalendarPart: Bool { years != 0 || months != 0 }

    /// The instant this duration after `start`.
    public func added(to start: Instant) -> Instant {
        var t = start
        if years != 0 || months != 0 {
            let c = t.utcComponents
            let totalMonths = c.year * 12 + (c.month - 1) + years * 12 + months
            let y = totalMonths >= 0 ? totalMonths / 12 : (totalMonths - 11) / 12
            let m = totalMonths - y * 12 + 1
            let d = min(c.day, CivilCalendar.daysInMonth(year: y, month: m))
            t = Instant(year: y, month: m, day: d, hour: c.hour, minute: c.minute, second: c.second, millisecond: c.millisecond)
        }
        t = t.adding(milliseconds: Int64(weeks * 7 + days) * 86_400_000 + milliseconds)
        return t
    }

    /// The canonical spelling (`PT1H`), or the original text when parsed.
    public var description: String {
        if !text.isEmpty { return text }
        var s = "P"
        if years != 0 { s += "\(years)Y" }
        if months != 0 { s += "\(months)M" }
        if weeks != 0 { s += "\(weeks)W" }
        if days != 0 { s += "\(days)D" }
        if milliseconds != 0 {
            s += "T"
            var ms = milliseconds
            let h = ms / 3_600_000; ms %= 3_600_000
            let m = ms / 60_000; ms %= 60_000
            if h != 0 { s += "\(h)H" }
            if m != 0 { s += "\(m)M" }
            if ms != 0 { s += ms % 1000 == 0 ? "\(ms / 1000)S" : "\(Double(ms) / 1000)S" }
        }
        if s == "P" { s = "PT0S" }
        return s
    }

    public static func == (a: ISODuration, b: ISODuration) -> Bool {
        a.years == b.years && a.months == b.months && a.weeks == b.weeks && a.days == b.days && a.milliseconds == b.milliseconds
    }
    public func hash(into h: inout Hasher) { h.combine(years); h.combine(months); h.combine(weeks); h.combine(days); h.combine(milliseconds) }
}
