import Testing
@testable import ClearanceCore

/// Splits `input` feeding it in chunks of `chunk` bytes; returns the lines (or "<too long>") with numbers.
private func split(_ input: String, chunk: Int, csv: Bool = false, max: Int = 1 << 20) -> [String] {
    let bytes = Array(input.utf8)
    var s = LineSplitter(csv: csv, maximumLineLength: max)
    var out: [String] = []
    func drain() {
        while let l = s.next() {
            switch l {
            case .line(let r, let n): out.append("\(n):" + String(decoding: s.buffer[r], as: UTF8.self))
            case .tooLong(let n): out.append("\(n):<too long>")
            }
        }
    }
    var k = 0
    while k < bytes.count {
        s.append(Array(bytes[k..<min(k + chunk, bytes.count)]))
        k += chunk
        drain()
    }
    s.finish()
    drain()
    return out
}

struct LineSplitterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var csv = false
        var max = 1 << 20
        var expected: [String]
        var testDescription: String { input.debugDescription }
    }

    static let cases: [Case] = [
        Case(input: "", expected: []),
        Case(input: "a", expected: ["1:a"]),
        Case(input: "a\nb\n", expected: ["1:a", "2:b"]),
        Case(input: "a\r\nb\r\n", expected: ["1:a", "2:b"]),
        Case(input: "a\n\nb", expected: ["1:a", "2:", "3:b"]),
        Case(input: "\u{FEFF}{\"id\":1}\n", expected: ["1:{\"id\":1}"]),
        Case(input: "x,\"a\nb\",y\nz\n", csv: true, expected: ["1:x,\"a\nb\",y", "2:z"]),
        Case(input: "x,\"a\"\"b\",y\nz", csv: true, expected: ["1:x,\"a\"\"b\",y", "2:z"]),
        Case(input: "short\n0123456789abcdef\nok\n", max: 8, expected: ["1:short", "2:<too long>", "3:ok"]),
        Case(input: "0123456789abcdef", max: 8, expected: ["1:<too long>"]),
        Case(input: "ünï\ncödé\n", expected: ["1:ünï", "2:cödé"]),
    ]

    @Test(arguments: cases)
    func splitsTheSameAtEveryChunkSize(_ c: Case) {
        for chunk in [1, 2, 3, 5, 7, 64] {
            #expect(split(c.input, chunk: chunk, csv: c.csv, max: c.max) == c.expected, "chunk \(chunk)")
        }
    }

    @Test func memoryStaysBoundedOnARunawayLine() {
        var s = LineSplitter(maximumLineLength: 1024)
        let junk = [UInt8](repeating: 0x41, count: 4096)
        for _ in 0..<1000 {
            s.append(junk)
            while s.next() != nil {}
            #expect(s.buffer.count <= 1024 + 4096)
        }
        s.append(Array("\nnext\n".utf8))
        var got: [LineSplitter.Line] = []
        while let l = s.next() { got.append(l) }
        #expect(got.count == 2)
        #expect(got.first == .tooLong(number: 1))
    }
}
