import ClearanceCore
import Foundation
import GRDB
import GRDBSQLite

/// The agreement version rows one query selected (the columns of ``StoreTransaction/historySelect``), every text
/// column's bytes copied into one byte arena: the store's one reader of version rows (a batch's bulk read, and
/// through ``StoreTransaction/rawVersions(sql:arguments:)`` every history query).
///
/// Why (bench/PROFILE.md, batch session 9): `check --batch` read its 30,000 stored rows through GRDB's `Row`
/// (twelve `DatabaseValueConvertible` conversions a row, eleven `String`s, ~20 MB of documents copied into
/// native strings) before its first decision: 0.155 s on one thread, `swift_retain`/`swift_release` ~22% and String
/// creation/validation ~8% of that thread's samples, SQLite itself ~0.03 s. Here a row is eleven `memcpy`s into one
/// growing buffer and three integers appended to arrays; the Strings are made later, per party, on the batch
/// worker that prepares the party, and the documents never become Strings (``StoredVersionRow/histories(_:scanner:)``
/// hands their bytes to the scanner).
///
/// Read-only once made; shared by the batch workers (each reads the rows of the parties it prepares).
public final class StoredVersionRows: @unchecked Sendable {
    /// The text columns kept per row: `historySelect`'s columns without `version` (column 1), in its order.
    enum Column: Int, CaseIterable {
        case id, effectiveAt, recordedAt, note, policyHash, document, source, subscriber, endedAt, endReason, endRecordedAt
        /// The column's position in `historySelect`.
        var selectIndex: Int32 { self == .id ? 0 : Int32(rawValue + 1) }
    }

    /// Every row's text columns (``Column`` order).
    private let text: TextColumns
    /// Per row: its version number.
    private let versions: [Int]
    /// Per row: its party's number in ``parties``.
    private let rowParty: [Int32]
    /// The distinct parties (subscriber, source), numbered as ``PartyGrouper`` met them.
    private let parties: TextColumns

    /// Number of rows.
    public var count: Int { versions.count }

    private init(text: TextColumns, versions: [Int], rowParty: [Int32], parties: TextColumns) {
        self.text = text
        self.versions = versions
        self.rowParty = rowParty
        self.parties = parties
    }

    /// Steps `statement` (arguments bound; `historySelect`'s columns) to its end, keeping each row; the statement is
    /// reset after. A step that fails throws the `DatabaseError` GRDB would (extended code, message, SQL).
    static func read(_ statement: Statement, in db: Database) throws -> StoredVersionRows {
        var text = TextColumns.Builder(width: Column.allCases.count)
        var versions: [Int] = []
        var grouper = PartyGrouper()
        var rowParty: [Int32] = []
        do {
            try step(statement, in: db) { stmt in
                versions.append(Int(sqlite3_column_int64(stmt, 1)))
                rowParty.append(grouper.party(subscriber: columnBytes(stmt, Column.subscriber.selectIndex),
                                              source: columnBytes(stmt, Column.source.selectIndex)))
                text.beginRow()
                for c in Column.allCases { try text.add(stmt, c.selectIndex) }
            }
        } catch {
            text.abandon()
            grouper.abandon()
            throw error
        }
        return StoredVersionRows(text: text.finish(), versions: versions, rowParty: rowParty, parties: grouper.finish())
    }

    /// Every stored version (the rows of `historySelect` ordered by agreement id, version), read as three plain scans
    /// in one read transaction (one snapshot) and joined here.
    ///
    /// Why (bench/PROFILE.md, batch session 9): `historySelect`'s joins look up the agreement and its end by id for
    /// every version (two index searches and a table search a row): SQLite alone took ~0.048 s of CPU for 30,000
    /// versions (a C program stepping the statement, warm cache). The three scans in key order (versions by their
    /// primary key, agreements and ends by id) take ~0.022 + 0.0075 + 0.0004 s, and the join is a merge of three
    /// sorted lists, comparing ids as SQLite's BINARY collation does (bytes, then length). The same rows as the
    /// joined query (tested equal): a version without its agreement row is left out (the inner join), a version
    /// without an end has NULL end columns (the left join).
    static func readAll(in db: Database) throws -> StoredVersionRows {
        // A 1 MiB page cache for these scans (each page is read once): with the connection's 32 MB cache the read
        // filled it with pages never read again, ~8,000 page faults for new memory on the way (a C program stepping the
        // same scans, warm OS cache: 0.051 s of CPU and 8,483 minor faults at 32 MB, 0.034 s and 244 faults at 1 MiB).
        let previousCache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -32768
        try db.execute(sql: "PRAGMA cache_size = -1024")
        defer { try? db.execute(sql: "PRAGMA cache_size = \(previousCache)") }
        // Agreements and ends first (small: ids and a few short columns), then the versions, merged as they come.
        // Each agreement's party found as its row comes (its bytes in the cache), so a version's party is its
        // agreement's: no pass over the arena after (grouping the 30,000 rows there afterwards took ~11 ms, cold lines).
        var agreements = TextColumns.Builder(width: 3)
        var grouper = PartyGrouper()
        var agreementParty: [Int32] = []
        do {
            try step(db.cachedStatement(sql: "SELECT id, source_id, subscriber_id FROM agreement ORDER BY id"), in: db) { stmt in
                agreementParty.append(grouper.party(subscriber: columnBytes(stmt, 2), source: columnBytes(stmt, 1)))
                agreements.beginRow()
                for i in 0..<Int32(3) { try agreements.add(stmt, i) }
            }
        } catch {
            agreements.abandon()
            grouper.abandon()
            throw error
        }
        let a = agreements.finish()
        var ends = TextColumns.Builder(width: 4)
        do {
            try step(db.cachedStatement(sql: "SELECT agreement_id, ended_at, reason, recorded_at FROM agreement_end ORDER BY agreement_id"),
                     in: db) { stmt in
                ends.beginRow()
                for i in 0..<Int32(4) { try ends.add(stmt, i) }
            }
        } catch {
            ends.abandon()
            grouper.abandon()
            throw error
        }
        let e = ends.finish()
        var text = TextColumns.Builder(width: Column.allCases.count)
        var versions: [Int] = []
        var rowParty: [Int32] = []
        var ai = 0, ei = 0
        let sql = "SELECT agreement_id, version, effective_at, recorded_at, note, policy_hash, document FROM agreement_version ORDER BY agreement_id, version"
        do {
            try step(db.cachedStatement(sql: sql), in: db) { stmt in
                let id = columnBytes(stmt, 0)
                while ai < a.count, TextColumns.order(a.bytes(ai, 0), id) < 0 { ai += 1 }
                guard ai < a.count, TextColumns.order(a.bytes(ai, 0), id) == 0 else { return }
                while ei < e.count, TextColumns.order(e.bytes(ei, 0), id) < 0 { ei += 1 }
                let ended = ei < e.count && TextColumns.order(e.bytes(ei, 0), id) == 0
                versions.append(Int(sqlite3_column_int64(stmt, 1)))
                rowParty.append(agreementParty[ai])
                text.beginRow()
                try text.add(stmt, 0)                                   // id
                for i in 2..<Int32(7) { try text.add(stmt, i) }         // effective_at ... document
                text.add(a.bytes(ai, 1))                                // source
                text.add(a.bytes(ai, 2))                                // subscriber
                for k in 1..<4 { text.add(ended ? e.bytes(ei, k) : nil) }  // ended_at, reason, recorded_at
            }
        } catch {
            text.abandon()
            grouper.abandon()
            throw error
        }
        return StoredVersionRows(text: text.finish(), versions: versions, rowParty: rowParty, parties: grouper.finish())
    }

    /// Steps `statement` to its end, calling `row` for each row; resets it after.
    private static func step(_ statement: Statement, in db: Database, row: (OpaquePointer) throws -> Void) throws {
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                let extended = db.sqliteConnection.map { sqlite3_extended_errcode($0) } ?? rc
                throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
            }
            try row(stmt)
        }
    }

    /// The bytes of column `c` of row `row`, or nil when NULL.
    @inline(__always)
    func bytes(_ row: Int, _ c: Column) -> UnsafeBufferPointer<UInt8>? { text.bytes(row, c.rawValue) }

    /// Row `row`'s version number.
    @inline(__always)
    func version(_ row: Int) -> Int { versions[row] }

    /// Column `c` of row `row` as a String (invalid UTF-8 repaired, as GRDB's String conversion does), nil when NULL.
    func string(_ row: Int, _ c: Column) -> String? {
        bytes(row, c).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Column `c` of row `row` as a String; a NULL (which the schema forbids for this column) reads as empty.
    func text(_ row: Int, _ c: Column) -> String { string(row, c) ?? "" }

    /// Row `row` as a ``StoreTransaction/RawVersion`` (its Strings made here); `document: false` leaves the
    /// document empty (the caller parses its bytes, ``StoredVersionRow/histories(_:scanner:)``).
    func raw(_ row: Int, document: Bool) -> StoreTransaction.RawVersion {
        StoreTransaction.RawVersion(
            id: text(row, .id), version: versions[row], effectiveAt: text(row, .effectiveAt), recordedAt: text(row, .recordedAt),
            note: string(row, .note), policyHash: string(row, .policyHash), document: document ? text(row, .document) : "",
            source: text(row, .source), subscriber: text(row, .subscriber),
            endedAt: string(row, .endedAt), endReason: string(row, .endReason), endRecordedAt: string(row, .endRecordedAt))
    }

    /// Row `row`'s document parsed (``StoreTransaction/decode(utf8:id:scanner:)``), its failure as a value.
    func decodeResult(_ row: Int, id: @autoclosure () -> String, scanner: inout AgreementScanner) -> Result<Agreement, Diagnostic> {
        let document = bytes(row, .document) ?? UnsafeBufferPointer(start: nil, count: 0)
        do { return .success(try StoreTransaction.decode(utf8: document, id: id(), scanner: &scanner)) } catch let d as Diagnostic {
            return .failure(d)
        } catch {
            return .failure(Diagnostic(code: "store.bad_document", message: "\(error)", category: .internalError))
        }
    }

    /// The rows grouped by party (subscriber, source): parties in the order their first row comes, each party's
    /// rows in row order (for the bulk read: agreement id, version — its histories' order).
    ///
    /// The parties were found while the rows were read (``PartyGrouper``); this only gathers each party's rows. One
    /// String pair per party, none per row.
    public func byParty() -> [(subscriber: String, source: String, rows: [StoredVersionRow])] {
        var slot = [Int32](repeating: -1, count: parties.count)
        var out: [(subscriber: String, source: String, rows: [StoredVersionRow])] = []
        out.reserveCapacity(parties.count)
        for row in 0..<count {
            let p = Int(rowParty[row])
            if slot[p] < 0 {
                slot[p] = Int32(out.count)
                out.append((parties.text(p, 0), parties.text(p, 1), []))
            }
            out[Int(slot[p])].rows.append(StoredVersionRow(rows: self, index: row))
        }
        return out
    }
}

/// Numbers the distinct (subscriber, source) pairs it is shown, on their bytes: FNV-1a over both, open addressing, a
/// hit confirmed by comparing the bytes (kept in a small arena of their own, so the comparison reads warm memory).
struct PartyGrouper {
    private var keys = TextColumns.Builder(width: 2)
    private var hashes: [UInt64] = []
    /// Per bucket: party number + 1 (0: empty); at most half full.
    private var buckets = [Int32](repeating: 0, count: 1024)

    /// The number of (subscriber, source), a new one if not met before.
    mutating func party(subscriber: UnsafeBufferPointer<UInt8>?, source: UnsafeBufferPointer<UInt8>?) -> Int32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        if let subscriber { for x in subscriber { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        h = (h ^ 0xFF) &* 0x100_0000_01b3
        if let source { for x in source { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 } }
        h ^= h >> 29
        let mask = buckets.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let g = Int(buckets[i]) - 1
            if g < 0 { break }
            // `order` is 0 only for equal bytes, or both NULL.
            if hashes[g] == h && TextColumns.order(keys.bytes(g, 0), subscriber) == 0 && TextColumns.order(keys.bytes(g, 1), source) == 0 {
                return Int32(g)
            }
            i = (i + 1) & mask
        }
        let g = hashes.count
        hashes.append(h)
        keys.beginRow()
        keys.add(subscriber)
        keys.add(source)
        buckets[i] = Int32(g + 1)
        if hashes.count * 2 > buckets.count { grow() }
        return Int32(g)
    }

    /// Doubles the buckets and places every party again.
    private mutating func grow() {
        var b = [Int32](repeating: 0, count: buckets.count * 2)
        let mask = b.count - 1
        for (g, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while b[i] != 0 { i = (i + 1) & mask }
            b[i] = Int32(g + 1)
        }
        buckets = b
    }

    /// The parties met, in number order: (subscriber, source) columns.
    consuming func finish() -> TextColumns { keys.finish() }

    /// Frees what was collected (a read that failed half-way).
    mutating func abandon() { keys.abandon() }
}

extension StoredVersionRows: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { count }
    public subscript(position: Int) -> StoredVersionRow { StoredVersionRow(rows: self, index: position) }
}

/// One stored agreement version as read from the store, its document not yet parsed (see
/// ``Store/allAgreementVersionRows()``): a row of a ``StoredVersionRows``.
public struct StoredVersionRow: Sendable {
    let rows: StoredVersionRows
    let index: Int

    public var subscriber: String { rows.text(index, .subscriber) }
    public var source: String { rows.text(index, .source) }

    /// Each version of `rows` (ordered by agreement id, version, as the store returns them; e.g. one party's rows
    /// in that order) as a batch prepares it, in order: whether it starts another agreement's history, the agreement
    /// with its version, effective date and termination filled in, its version and effective date. The same
    /// agreements, in the same histories, as ``histories(_:scanner:)``, and the same error (the first row in order
    /// whose document does not read), but nothing else of a row is made.
    ///
    /// Why (callgrind, bench/PROFILE.md "prepare, session 10"): ``histories(_:scanner:)`` made a `String` of each of
    /// a row's ten text columns (``StoredVersionRows/raw(_:document:)``, ~2,550 instructions a version) and a
    /// history of versions with the row's note, times and policy revision (~2,800), of which the batch reads three
    /// fields. Here the effective and end dates are read from the columns' bytes (the same parser, the same bytes
    /// as the String's: a date is ASCII or does not read either way), the agreement id is compared as bytes, and
    /// the id is made a `String` only for a message.
    public static func eachVersion(_ rows: [StoredVersionRow], scanner: inout AgreementScanner,
                                   _ body: (_ startsHistory: Bool, _ agreement: consuming Agreement, _ version: Int, _ effectiveAt: Instant) -> Void)
        throws(DiagnosticError) {
        var previousID: UnsafeBufferPointer<UInt8>?
        var first = true
        for row in rows {
            let t = row.rows, k = row.index
            var a: Agreement
            switch t.decodeResult(k, id: t.text(k, .id), scanner: &scanner) {
            case .success(let parsed): a = parsed
            case .failure(let d): throw DiagnosticError(d)
            }
            let id = t.bytes(k, .id)
            let starts = first || !Self.sameID(previousID, id)
            first = false
            previousID = id
            let date = { (c: StoredVersionRows.Column) -> Instant? in t.bytes(k, c).flatMap { ISO8601.parseDateTime(utf8: $0)?.instant } }
            let (effective, _) = StoreTransaction.fill(&a, version: t.version(k), effectiveAt: date(.effectiveAt), endedAt: date(.endedAt),
                                                       endReason: t.string(k, .endReason))
            body(starts, consume a, t.version(k), effective)
        }
    }

    /// Whether two rows' agreement ids are the same as ``StoreTransaction/histories(_:decoded:)`` compares them (as
    /// Strings made of the bytes, NULL as empty): equal bytes are; different ASCII bytes are not; anything else is
    /// compared as those Strings (canonical equivalence, repaired UTF-8).
    static func sameID(_ a: UnsafeBufferPointer<UInt8>?, _ b: UnsafeBufferPointer<UInt8>?) -> Bool {
        let x = a ?? UnsafeBufferPointer(start: nil, count: 0), y = b ?? UnsafeBufferPointer(start: nil, count: 0)
        // `memcmp`: the generic `elementsEqual` was ~550 instructions a pair of ids (callgrind, "prepare, session 10").
        if x.count == y.count, x.count == 0 || memcmp(x.baseAddress.unsafelyUnwrapped, y.baseAddress.unsafelyUnwrapped, x.count) == 0 {
            return true
        }
        if isASCII(x) && isASCII(y) { return false }
        return String(decoding: x, as: UTF8.self) == String(decoding: y, as: UTF8.self)
    }

    /// The histories of `rows` (ordered by agreement id, version, as the store returns them; e.g. one party's
    /// rows in that order), documents parsed here with `scanner` straight from the rows' bytes (the same parsing
    /// and assembly as ``Store/allAgreementHistories(source:)``).
    public static func histories(_ rows: [StoredVersionRow], scanner: inout AgreementScanner) throws(DiagnosticError) -> [AgreementHistory] {
        let raw = rows.map { $0.rows.raw($0.index, document: false) }
        var decoded: [Result<Agreement, Diagnostic>] = []
        decoded.reserveCapacity(rows.count)
        for (row, r) in zip(rows, raw) { decoded.append(row.rows.decodeResult(row.index, id: r.id, scanner: &scanner)) }
        do { return try StoreTransaction.histories(raw, decoded: decoded) } catch let d as Diagnostic {
            throw DiagnosticError(d)
        } catch {
            throw DiagnosticError(Diagnostic(code: "store.bad_document", message: "\(error)", category: .internalError))
        }
    }
}

/// The bytes of column `i` of the current row of `stmt` (nil when NULL), valid until the next step.
@inline(__always)
func columnBytes(_ stmt: OpaquePointer, _ i: Int32) -> UnsafeBufferPointer<UInt8>? {
    guard sqlite3_column_type(stmt, i) != SQLITE_NULL else { return nil }
    // `sqlite3_column_text` before `sqlite3_column_bytes` (SQLite's rule: the length of the text form).
    let p = sqlite3_column_text(stmt, i)
    return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, i)))
}

/// Rows of a fixed number of text columns, every column's bytes in one arena (row after row, column after column;
/// a NULL takes no bytes). Built once (``Builder``), then read only: its storage is `let`, so reading it from the
/// batch's threads takes no exclusivity check (a class's `var` arrays took one per access).
final class TextColumns: @unchecked Sendable {
    let width: Int
    private let arena: UnsafeMutableRawPointer?
    /// Per row: where its columns start in ``arena``.
    private let starts: [Int]
    /// Per row, ``width`` lengths (-1: NULL).
    private let lengths: [Int32]

    var count: Int { starts.count }

    /// Collects rows.
    struct Builder {
        let width: Int
        fileprivate var arena: UnsafeMutableRawPointer?
        fileprivate var used = 0
        fileprivate var capacity = 0
        fileprivate var starts: [Int] = []
        fileprivate var lengths: [Int32] = []

        init(width: Int) { self.width = width }

        /// Starts a row; then exactly ``width`` `add`s.
        mutating func beginRow() { starts.append(used) }

        /// Adds column `i` of the current row of `stmt`.
        mutating func add(_ stmt: OpaquePointer, _ i: Int32) throws {
            guard let b = columnBytes(stmt, i) else { lengths.append(-1); return }
            guard b.count <= Int(Int32.max) else {
                throw DatabaseError(resultCode: .SQLITE_TOOBIG, message: "a stored agreement column is longer than 2 GiB")
            }
            add(b)
        }

        /// Adds a column's bytes (nil: NULL).
        mutating func add(_ b: UnsafeBufferPointer<UInt8>?) {
            guard let b else { lengths.append(-1); return }
            let n = b.count
            if n > 0, let src = b.baseAddress {
                if used + n > capacity {
                    // Doubling: `realloc` of a large block moves pages, not bytes, on Linux.
                    var c = Swift.max(capacity * 2, 64 << 10)
                    while c < used + n { c *= 2 }
                    guard let grown = realloc(arena, c) else { fatalError("out of memory reading the stored agreements") }
                    arena = grown
                    capacity = c
                }
                memcpy(arena! + used, src, n)
                used += n
            }
            lengths.append(Int32(n))
        }

        /// The bytes of column `c` of row `row` collected so far, or nil when NULL.
        func bytes(_ row: Int, _ c: Int) -> UnsafeBufferPointer<UInt8>? {
            TextColumns.bytes(arena, starts, lengths, width, row, c)
        }

        /// The rows collected (the builder is spent).
        consuming func finish() -> TextColumns { TextColumns(self) }

        /// Frees what was collected (a read that failed half-way; the builder is spent).
        mutating func abandon() {
            free(arena)
            arena = nil
        }
    }

    private init(_ b: Builder) {
        width = b.width
        arena = b.arena
        starts = b.starts
        lengths = b.lengths
    }

    deinit { free(arena) }

    /// The bytes of column `c` of row `row`, or nil when NULL.
    func bytes(_ row: Int, _ c: Int) -> UnsafeBufferPointer<UInt8>? { Self.bytes(arena, starts, lengths, width, row, c) }

    /// Column `c` of row `row` as a String (invalid UTF-8 repaired), "" when NULL.
    func text(_ row: Int, _ c: Int) -> String { bytes(row, c).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    /// Where column `c` of row `row` is, from the rows' starts and lengths.
    @inline(__always)
    static func bytes(_ arena: UnsafeMutableRawPointer?, _ starts: [Int], _ lengths: [Int32], _ width: Int,
                      _ row: Int, _ c: Int) -> UnsafeBufferPointer<UInt8>? {
        let base = row * width
        var offset = starts[row]
        for k in 0..<c { offset += Swift.max(0, Int(lengths[base + k])) }
        let n = Int(lengths[base + c])
        guard n >= 0 else { return nil }
        guard n > 0, let arena else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: (arena + offset).assumingMemoryBound(to: UInt8.self), count: n)
    }

    /// SQLite's BINARY collation of two texts (bytes compared, then the shorter first): <0, 0, >0. NULL sorts first.
    static func order(_ a: UnsafeBufferPointer<UInt8>?, _ b: UnsafeBufferPointer<UInt8>?) -> Int {
        guard let a else { return b == nil ? 0 : -1 }
        guard let b else { return 1 }
        let n = Swift.min(a.count, b.count)
        if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let r = memcmp(pa, pb, n)
            if r != 0 { return Int(r) }
        }
        return a.count - b.count
    }
}

extension StoreTransaction {
    /// The version rows `sql` selects (the columns of `historySelect`), read into one arena (``StoredVersionRows``).
    func versionRows(sql: String, arguments: StatementArguments) throws -> StoredVersionRows {
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        return try StoredVersionRows.read(statement, in: db)
    }

    /// Parses a stored version document from its UTF-8 bytes: the scanner reads them in place; when it declines,
    /// they become a String (invalid UTF-8 repaired, as reading the column as a String always did) and go the
    /// String way (``decode(_:id:scanner:)``), so the result is the same either way.
    ///
    /// In place even when they are not ASCII: every string the scanner accepts with a byte >= 0x80 is validated
    /// as UTF-8 (``JSONByteCursor/utf8String(_:)``), the rest must be ASCII, so valid bytes read exactly as the
    /// String made of them reads, and invalid ones make it decline. Made a String first, a document with a
    /// non-ASCII duty text (every document of the benchmark's workload: `İLKHA`) was ~6,700 instructions of
    /// UTF-8 validation and copy per stored version (callgrind, bench/PROFILE.md "prepare, session 9").
    /// (`id`, for the messages, is made only when the scanner declines.)
    static func decode(utf8 document: UnsafeBufferPointer<UInt8>, id: @autoclosure () -> String, scanner: inout AgreementScanner) throws -> Agreement {
        if let a = scanner.scan(document) { return a }
        let id = id()
        let text = String(decoding: document, as: UTF8.self)
        // ASCII: the String's bytes are the ones just declined, so only the strict path is left.
        return isASCII(document) ? try decode(text, id: id) : try decode(text, id: id, scanner: &scanner)
    }
}

/// Whether every byte is below 0x80 (eight bytes at a time).
func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = b.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    var i = 0
    var any: UInt64 = 0
    while i + 8 <= b.count {
        any |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < b.count {
        any |= UInt64(b[i])
        i += 1
    }
    return any & 0x8080_8080_8080_8080 == 0
}
