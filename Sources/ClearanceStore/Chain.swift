import ClearanceCore
import Foundation
import GRDB

/// The hash chain of an append-only table (`decision_log`, `usage_ledger`).
///
/// Each row carries `prev_hash` (the previous row's `row_hash`, 64 zeros for the first row)
/// and `row_hash` = SHA-256 of the row's canonical serialisation: a compact JSON object of
/// every column except `row_hash` (including `seq` and `prev_hash`), keys sorted, text as
/// JSON strings, integers and reals as JSON numbers, NULL as `null`.
enum Chain {
    /// The canonical text of a row, written directly: names sorted, each value as ``json(_:)`` would
    /// serialise it (no intermediate JSON object — this runs once per logged decision).
    static func canonical(_ columns: [(String, DatabaseValue)]) -> String {
        var cols = columns.filter { $0.0 != "row_hash" }
        cols.sort { $0.0 < $1.0 }
        var out: [UInt8] = []
        out.reserveCapacity(2048)
        out.append(0x7B)
        var previous: String?
        for (name, value) in cols {
            // A repeated name keeps its last value in a JSON object; rows never repeat one, but stay exact.
            if name == previous { return canonicalViaTree(columns) }
            previous = name
            if out.count > 1 { out.append(0x2C) }
            JSONBytes.appendString(name, to: &out)
            out.append(0x3A)
            switch value.storage {
            case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .int64(let i): out.append(contentsOf: JSONValue.formatNumber(Double(i)).utf8)
            case .double(let d): out.append(contentsOf: JSONValue.formatNumber(d).utf8)
            case .string(let t): JSONBytes.appendString(t, to: &out)
            case .blob(let b): JSONBytes.appendString(SHA256.hexString([UInt8](b)), to: &out)
            }
        }
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }

    /// Column values of every storage class, awkward strings included (tests compare the two canonical forms).
    static let sampleValues: [DatabaseValue] = [
        .null, 0.databaseValue, (-42).databaseValue, (Int64(1) << 53).databaseValue, 0.3.databaseValue, 1e300.databaseValue,
        "".databaseValue, "İLKHA \"q\" \\ \n\t\u{1}\u{2028}".databaseValue, #"{"a":[1,2]}"#.databaseValue,
        Data([0, 255, 16]).databaseValue,
    ]

    /// The canonical text built through a JSON object: the definition ``canonical(_:)`` must match.
    static func canonicalViaTree(_ columns: [(String, DatabaseValue)]) -> String {
        var obj = JSONObject()
        for (name, value) in columns where name != "row_hash" {
            obj[name] = json(value)
        }
        return FastJSON.string(.object(obj), sortedKeys: true)
    }

    /// The row hash of a row.
    static func rowHash(_ columns: [(String, DatabaseValue)]) -> String {
        SHA256.hex(canonical(columns))
    }

    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .string(let s): return .string(s)
        case .blob(let b): return .string(SHA256.hexString([UInt8](b)))
        }
    }
}
