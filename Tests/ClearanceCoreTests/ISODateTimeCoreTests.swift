import ClearanceCore
import Testing

/// The shared ISO 8601 core (`ISODateTimeCore`) behind both front ends, compared with the two parsers it
/// replaced (kept below, verbatim, as references): same instants, same rejections, same messages.
@Suite struct ISODateTimeCoreTests {
    /// Hand-picked strings around every rule that differs between the strict and the XML Schema readings.
    static let cases = [
        "2026-11-29T10:00:00Z", "2026-11-29", "2026-11-29T10:00", "2026-11-29T10:00:00.5Z", "2026-11-29T10:00:00,123456789Z",
        "2026-11-29T10:00:00.1234567890Z", "2026-11-29T10:00:00.Z", "2026-11-29 10:00:00Z", "2026-11-29t10:00:00z",
        "2026-11-29T24:00:00Z", "2026-11-29T24:00:00.0Z", "2026-11-29T24:00:01Z", "2026-11-29T23:59:60Z", "2026-11-29T23:60:00Z",
        "2026-11-29T10:00:00+03:00", "2026-11-29T10:00:00+0300", "2026-11-29T10:00:00+03", "2026-11-29T10:00:00+03:",
        "2026-11-29T10:00:00+15:00", "2026-11-29T10:00:00+24:00", "2026-11-29T10:00:00-05:30", "2026-11-29T10:00:00+03:60",
        "2026-11-29+02:00", "2026-11-29Z", "2026-11-29x", "2026-11-29T10:00:00Zx", "2026-11-29T10:00:00 ", "2026-11-29T10",
        "2026-11-29T1:00", "2026-11-29T10:00:0", "2026-02-29", "2024-02-29", "2026-13-01", "2026-00-01", "2026-04-31",
        "-0044-03-15", "12345-01-01", "2026-1-1", "", "T", "2026", "abcd-ef-gh", "99999999999999999999999-01-01",
        "-99999999999999999999-01-01", "0000-01-01", "9999-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z",
    ]

    @Test(arguments: cases)
    func sameAsTheParsersItReplaced(_ text: String) {
        Self.compare(text)
    }

    /// Generated strings: date-time shapes with each position mutated (deterministic seed).
    @Test func generatedStringsAgree() {
        var rng = SplitMix(seed: 20261129)
        let alphabet = Array("0123456789-:T tZz+.,x".utf8)
        for _ in 0..<20_000 {
            var b = Array(Self.cases[rng.next(Self.cases.count)].utf8)
            let edits = rng.next(4)
            for _ in 0..<edits {
                let op = rng.next(3)
                let pos = rng.next(b.count)
                let c = alphabet[rng.next(alphabet.count)]
                switch op {
                case 0 where !b.isEmpty: b[pos] = c
                case 1: b.insert(c, at: min(pos, b.count))
                default: if !b.isEmpty { b.remove(at: pos) }
                }
            }
            Self.compare(String(decoding: b, as: UTF8.self))
        }
    }

    @Test func byteEntryMatchesTheStringParser() {
        for text in Self.cases {
            var t = text
            let fast = t.withUTF8 { ISO8601.parseDateTime(utf8: $0) }
            let slow = try? ISO8601.parseDateTime(text).get()
            #expect(fast == slow, "\(text)")
        }
    }

    static func compare(_ text: String) {
        let new = ISO8601.parseDateTime(text)
        let old = LegacyStrict.parseDateTime(text)
        switch (new, old) {
        case (.success(let a), .success(let b)): #expect(a == b, "\(text)")
        case (.failure(let a), .failure(let b)): #expect(a.message == b.message, "\(text)")
        default: Issue.record("strict reading differs on `\(text)`: \(new) vs \(old)")
        }
        let x = ISOTime.parseDateTime(text)
        let y = LegacyXSD.parseDateTime(text)
        #expect(x == y, "xsd reading differs on `\(text)`: \(String(describing: x)) vs \(String(describing: y))")
    }
}

/// The strict news-format parser as it was before the shared core (reference for the comparison).
enum LegacyStrict {
    static func parseDateTime(_ text: String) -> Result<ParsedDateTime, ISO8601.ParseError> {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
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
        let shape = "expected `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`"
        if b.isEmpty { return .failure(ISO8601.ParseError("an empty string is not a date; \(shape)")) }
        guard let year = digits(4) else { return .failure(ISO8601.ParseError("`\(text)` does not start with a four-digit year; \(shape)")) }
        guard expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")), let day = digits(2) else {
            return .failure(ISO8601.ParseError("`\(text)` is not a date; \(shape)"))
        }
        guard (1...12).contains(month) else { return .failure(ISO8601.ParseError("`\(text)` has month \(month); months run 01 to 12")) }
        let dim = CivilCalendar.daysInMonth(year: year, month: month)
        guard day >= 1 && day <= dim else {
            return .failure(ISO8601.ParseError("`\(text)` has day \(day), but that month has \(dim) days"))
        }
        if i == b.count {
            return .success(ParsedDateTime(instant: Instant(year: year, month: month, day: day), isDateOnly: true))
        }
        guard b[i] == UInt8(ascii: "T") else {
            if b[i] == UInt8(ascii: " ") || b[i] == UInt8(ascii: "t") {
                return .failure(ISO8601.ParseError("`\(text)` separates date and time with `\(Character(Unicode.Scalar(b[i])))`; use `T`"))
            }
            return .failure(ISO8601.ParseError("`\(text)` has unexpected text after the date; \(shape)"))
        }
        i += 1
        guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else {
            return .failure(ISO8601.ParseError("`\(text)` has no valid time after `T`; expected `hh:mm` or `hh:mm:ss`"))
        }
        var second = 0
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            i += 1
            guard let s = digits(2) else { return .failure(ISO8601.ParseError("`\(text)` has no valid seconds; expected two digits after `:`")) }
            second = s
            if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                i += 1
                var n = 0
                var frac = 0
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    if n < 3 { frac = frac * 10 + Int(b[i] - 0x30) }
                    n += 1
                    i += 1
                }
                guard n > 0 && n <= 9 else { return .failure(ISO8601.ParseError("`\(text)` has a fraction of a second with \(n) digits; use 1 to 9")) }
                var k = n
                while k < 3 { frac *= 10; k += 1 }
                millis = frac
            }
        }
        guard hour <= 23 else { return .failure(ISO8601.ParseError("`\(text)` has hour \(hour); hours run 00 to 23")) }
        guard minute <= 59 else { return .failure(ISO8601.ParseError("`\(text)` has minute \(minute); minutes run 00 to 59")) }
        guard second <= 59 else { return .failure(ISO8601.ParseError("`\(text)` has second \(second); seconds run 00 to 59 (no leap seconds)")) }
        var offsetMinutes = 0
        if i < b.count {
            switch b[i] {
            case UInt8(ascii: "Z"):
                i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return .failure(ISO8601.ParseError("`\(text)` has a bad UTC offset; expected `±hh:mm`")) }
                var om = 0
                if i < b.count {
                    _ = expect(UInt8(ascii: ":"))
                    guard let m = digits(2) else { return .failure(ISO8601.ParseError("`\(text)` has a bad UTC offset; expected `±hh:mm`")) }
                    om = m
                }
                guard oh <= 23, om <= 59 else { return .failure(ISO8601.ParseError("`\(text)` has an out-of-range UTC offset")) }
                offsetMinutes = sign * (oh * 60 + om)
            default:
                return .failure(ISO8601.ParseError("`\(text)` has unexpected text after the time; expected `Z` or `±hh:mm`"))
            }
        }
        guard i == b.count else { return .failure(ISO8601.ParseError("`\(text)` has unexpected text at the end")) }
        let local = Instant(year: year, month: month, day: day, hour: hour, minute: minute, second: second, millisecond: millis)
        return .success(ParsedDateTime(instant: local.adding(milliseconds: -Int64(offsetMinutes) * 60_000), isDateOnly: false))
    }

}

/// The XML Schema parser as it was before the shared core (reference for the comparison).
enum LegacyXSD {
    static func parseDateTime(_ text: String) -> Double? {
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
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month) else { return nil }
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
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        return Double(days) * 86_400 + seconds - Double(offset)
    }

}
