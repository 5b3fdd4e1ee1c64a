import ClearanceCore

/// A small RFC 4180 CSV reader over bytes: quoted fields, `""` escapes, quoted line breaks,
/// CRLF or LF line ends, an optional UTF-8 byte-order mark. Every problem names its line.
public enum CSV {
    /// One record: the line it starts on (1-based) and its fields.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    /// Reads every record of `bytes`. Blank lines are skipped.
    ///
    /// Errors (`csv.unterminated_quote`, `csv.stray_quote`, `csv.bad_utf8`) are collected with
    /// their line; the records that could be read are still returned.
    public static func parse(_ bytes: [UInt8]) -> (records: [Record], problems: [Diagnostic]) {
        var records: [Record] = []
        var problems: [Diagnostic] = []
        var i = 0
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var line = 1
        var fields: [String] = []
        var field: [UInt8] = []
        var recordLine = 1
        var recordBroken = false
        var fieldStarted = false

        func finishField() {
            if let s = String(validatingUTF8Bytes: field) {
                fields.append(s)
            } else {
                problems.append(Diagnostic(code: "csv.bad_utf8", message: "field \(fields.count + 1) is not valid UTF-8",
                                           hint: "save the file as UTF-8", location: "line \(recordLine)"))
                recordBroken = true
                fields.append("")
            }
            field.removeAll(keepingCapacity: true)
            fieldStarted = false
        }
        func finishRecord() {
            let blank = fields.count == 1 && fields[0].isEmpty
            if !blank && !recordBroken { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
            recordBroken = false
        }

        while i < n {
            let c = bytes[i]
            if !fieldStarted && field.isEmpty && c == 0x22 {
                // Quoted field.
                fieldStarted = true
                let startLine = line
                i += 1
                var closed = false
                while i < n {
                    let q = bytes[i]
                    if q == 0x22 {
                        if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        closed = true
                        i += 1
                        break
                    }
                    if q == 0x0A { line += 1 }
                    field.append(q)
                    i += 1
                }
                if !closed {
                    problems.append(Diagnostic(code: "csv.unterminated_quote", message: "a quoted field opened on line \(startLine) is never closed",
                                               hint: "close the quote, or double a quote inside a field (`\"\"`)", location: "line \(startLine)"))
                    recordBroken = true
                    break
                }
                // After the closing quote: a separator, a line end, or the end.
                if i < n && bytes[i] != 0x2C && bytes[i] != 0x0A && bytes[i] != 0x0D {
                    problems.append(Diagnostic(code: "csv.stray_quote", message: "text after a closing quote in field \(fields.count + 1)",
                                               hint: "quote the whole field and double the quotes inside it", location: "line \(line)"))
                    recordBroken = true
                    while i < n && bytes[i] != 0x2C && bytes[i] != 0x0A { i += 1 }
                }
                continue
            }
            switch c {
            case 0x2C:
                finishField()
                fieldStarted = true
                field.removeAll(keepingCapacity: true)
                fieldStarted = false
                i += 1
            case 0x0D where i + 1 < n && bytes[i + 1] == 0x0A:
                i += 1
            case 0x0A:
                finishField()
                finishRecord()
                line += 1
                recordLine = line
                i += 1
            case 0x22:
                problems.append(Diagnostic(code: "csv.stray_quote", message: "a quote inside unquoted field \(fields.count + 1)",
                                           hint: "quote the whole field and double the quotes inside it", location: "line \(line)"))
                recordBroken = true
                i += 1
            default:
                field.append(c)
                i += 1
            }
        }
        if !field.isEmpty || !fields.isEmpty || fieldStarted {
            finishField()
            finishRecord()
        }
        return (records, problems)
    }
}

extension String {
    /// The string of UTF-8 bytes, or nil when they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var it = bytes.makeIterator()
        var utf8 = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch utf8.decode(&it) {
            case .scalarValue(let s): scalars.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(scalars)
    }
}
