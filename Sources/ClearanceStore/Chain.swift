import ClearanceCore
import GRDB

/// The hash chain of an append-only table (`decision_log`, `usage_ledger`).
///
/// Each row carries `prev_hash` (the previous row's `row_hash`, 64 zeros for the first row)
/// and `row_hash` = SHA-256 of the row's canonical serialisation: a compact JSON object of
/// every column except `row_hash` (including `seq` and `prev_hash`), keys sorted, text as
/// JSON strings, integers and reals as JSON numbers, NULL as `null`.
enum Chain {
    /// The canonical text of a row.
    static func canonical(_ columns: [(String, DatabaseValue)]) -> String {
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
