import ClearanceCore

/// Fuzz targets for the audit's usage-log readers (the hot path of `audit` and `usage import`).
extension FuzzTargets {
    /// Targets defined in this file.
    static var usageLogTargets: [(String, Target)] {
        [("usage-log", usageLog)]
    }

    /// One pulled line, comparable across splitters.
    enum SplitLine: Equatable {
        case line(number: Int, bytes: [UInt8])
        case tooLong(number: Int)
    }

    /// Runs a splitter over `bytes` fed in chunks of `chunk` bytes (0: all at once).
    static func split(_ bytes: [UInt8], csv: Bool, chunk: Int, maxLine: Int) -> [SplitLine] {
        var s = LineSplitter(csv: csv, maximumLineLength: maxLine)
        var out: [SplitLine] = []
        func drain() {
            while let l = s.next() {
                switch l {
                case .line(let range, let number): out.append(.line(number: number, bytes: Array(s.buffer[range])))
                case .tooLong(let number): out.append(.tooLong(number: number))
                }
            }
        }
        if chunk <= 0 {
            s.append(bytes)
        } else {
            var i = 0
            while i < bytes.count {
                let j = min(bytes.count, i + chunk)
                s.append(Array(bytes[i..<j]))
                drain()
                i = j
            }
        }
        s.finish()
        drain()
        return out
    }

    /// A usage log, JSON Lines or CSV (first byte picks the mode and the chunk size):
    ///
    /// - the line splitter gives the same lines whatever the chunk size it is fed in;
    /// - the fast JSON scanner never accepts a line the strict parser rejects, and when it
    ///   accepts one it reads the same fields (the differential the scanner's contract promises);
    /// - CSV rows split into cells and parse as usage events without trapping.
    @Sendable public static func usageLog(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        let bytes = Array(data.dropFirst())
        let csv = mode & 1 == 1
        let chunk = Int(mode >> 1) % 64 + 1
        let maxLine = 512
        let whole = split(bytes, csv: csv, chunk: 0, maxLine: maxLine)
        let chunked = split(bytes, csv: csv, chunk: chunk, maxLine: maxLine)
        if whole != chunked {
            violated("usage-log: lines differ when fed in chunks of \(chunk) (csv: \(csv)): \(whole.count) vs \(chunked.count) lines")
        }
        if csv {
            var header: UsageCSV?
            for l in whole {
                guard case .line(let number, let b) = l else { continue }
                b.withUnsafeBufferPointer { p in
                    guard let h = header else {
                        header = UsageCSV(header: p)
                        return
                    }
                    guard case .success(let cells) = UsageCSV.split(p) else { return }
                    var fields: [(String, String)] = []
                    for (k, c) in cells.enumerated() where k < h.names.count {
                        if c.range.lowerBound < 0 || c.range.upperBound > p.count || c.range.lowerBound > c.range.upperBound {
                            violated("usage-log: CSV cell range \(c.range) outside a row of \(p.count) bytes")
                        }
                        fields.append((h.names[k], UsageCSV.text(of: c, in: p)))
                    }
                    let (_, ds) = UsageEvent.parse(csvFields: fields, location: "line \(number)")
                    checkDiagnostics(ds, "usage-log")
                }
            }
        } else {
            for l in whole {
                guard case .line(let number, let b) = l else { continue }
                let fast = b.withUnsafeBufferPointer { UsageJSONScanner.scan($0) }
                let strict: JSONValue?
                do { strict = try JSONParser.parse(b) } catch {
                    checkDiagnostics([error], "usage-log")
                    strict = nil
                }
                if let fast {
                    guard let strict else {
                        violated("usage-log: line \(number): the fast scanner accepts what the strict parser rejects: \(String(decoding: b.prefix(200), as: UTF8.self))")
                    }
                    let slow = UsageFields(json: strict)
                    if fast.jsonValue != slow.jsonValue || fast.shapeError != slow.shapeError {
                        violated("usage-log: line \(number): fast scanner and strict parser read different fields: \(fast.jsonValue.serialized()) vs \(slow.jsonValue.serialized())")
                    }
                    let (_, ds) = UsageEvent.parse(fast.jsonValue, at: "line \(number)")
                    checkDiagnostics(ds, "usage-log")
                }
            }
        }
    }
}
