/// Reads usage events from CSV (RFC 4180, a header row naming the columns) into ``UsageFields``.
///
/// Columns are matched by name as ``UsageEvent/csvColumns`` says (`asset_kind` or `kind`...);
/// unknown columns are ignored. The cells are then validated by ``UsageEvent/parse(csvFields:location:territories:)``,
/// the same rules as JSON Lines.
public struct UsageCSV: Sendable {
    /// For each column of the header, the JSON field it fills (`asset.kind`; nil: ignored).
    public let columns: [String?]
    /// The header's column names as written.
    public let names: [String]

    /// A problem splitting a CSV row: a stray or unclosed quote in a column (1-based).
    public enum RowError: Error, Sendable, Equatable {
        case badQuote(column: Int)
    }

    /// Reads the header row; nil when it is not a usage-log header (it must name `at` and `subscriber` or `id`).
    ///
    /// Column names are the ones ``UsageEvent/csvColumns`` accepts (case and spaces ignored).
    public init?(header: UnsafeBufferPointer<UInt8>) {
        guard case .success(let cells) = UsageCSV.split(header) else { return nil }
        var cols: [String?] = []
        var names: [String] = []
        var targets = Set<String>()
        for c in cells {
            let name = UsageCSV.text(of: c, in: header).auditTrimmingBlanks()
            names.append(name)
            let key = name.lowercased().filter { $0 != " " }
            if let target = UsageEvent.csvColumns[key], targets.insert(target).inserted {
                cols.append(target)
            } else {
                cols.append(nil)
            }
        }
        guard targets.contains("at"), targets.contains("subscriber") || targets.contains("id") else { return nil }
        self.columns = cols
        self.names = names
    }

    /// The text of a cell (quotes removed, doubled quotes undone).
    public static func text(of c: Cell, in row: UnsafeBufferPointer<UInt8>) -> String {
        let raw = UnsafeBufferPointer(rebasing: row[c.range])
        guard c.quoted else { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var j = 0
        while j < raw.count {
            bytes.append(raw[j])
            j += raw[j] == 0x22 ? 2 : 1  // "" -> "
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A cell's byte range inside the row (between the quotes when quoted).
    public struct Cell: Sendable, Equatable {
        public var range: Range<Int>
        public var quoted: Bool
    }

    /// Splits one CSV record into cells.
    public static func split(_ b: UnsafeBufferPointer<UInt8>) -> Result<[Cell], RowError> {
        var cells: [Cell] = []
        var i = 0
        let n = b.count
        while true {
            if i < n, b[i] == 0x22 {
                let start = i + 1
                var j = start
                var closed = false
                while j < n {
                    if b[j] == 0x22 {
                        if j + 1 < n, b[j + 1] == 0x22 { j += 2; continue }
                        closed = true
                        break
                    }
                    j += 1
                }
                guard closed else { return .failure(.badQuote(column: cells.count + 1)) }
                cells.append(Cell(range: start..<j, quoted: true))
                i = j + 1
                // Only spaces may follow the closing quote before the comma.
                while i < n, b[i] == 0x20 { i += 1 }
                if i == n { return .success(cells) }
                guard b[i] == 0x2C else { return .failure(.badQuote(column: cells.count)) }
                i += 1
            } else {
                let start = i
                while i < n, b[i] != 0x2C {
                    if b[i] == 0x22 { return .failure(.badQuote(column: cells.count + 1)) }
                    i += 1
                }
                cells.append(Cell(range: start..<i, quoted: false))
                if i == n { return .success(cells) }
                i += 1
            }
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func auditTrimmingBlanks() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
