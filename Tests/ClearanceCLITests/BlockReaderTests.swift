import Foundation
import Testing
@testable import ClearanceCLI

/// `check --batch`'s input reader (``BlockReader``): whatever the line lengths and where the reads end, the blocks'
/// lines are the input's lines in order, and a done block's memory (``ReadBuffer``) serves a later block.
@Suite struct BlockReaderTests {
    /// The input's lines (without their `\n`), as the batch sees them: a last line without `\n` counts.
    private func expectedLines(_ text: [UInt8]) -> [[UInt8]] {
        var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if text.last == 0x0A || text.isEmpty { lines.removeLast() }
        return lines
    }

    /// Every block `BlockReader` reads from a file holding `text`, read to the end; the blocks are kept alive or not.
    private func readAll(_ text: [UInt8], keepBlocks: Bool) throws -> (lines: [[UInt8]], starts: [UnsafeRawPointer]) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mem-block-reader-\(UUID().uuidString)")
        try Data(text).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        var reader = BlockReader(fd: fd)
        var lines: [[UInt8]] = []
        var starts: [UnsafeRawPointer] = []
        var kept: [ReadBuffer] = []
        while let b = try reader.next() {
            let bytes = b.bytes.bytes
            if let base = bytes.baseAddress { starts.append(UnsafeRawPointer(base)) }
            for r in b.lines { lines.append(Array(bytes[r])) }
            if keepBlocks { kept.append(b.bytes) }
        }
        #expect(reader.eof)
        return (lines, starts)
    }

    @Test("lines come out whole and in order, at any line length", arguments: [0, 1, 5, 80, 3_000])
    func linesInOrder(longest: Int) throws {
        var rng = SystemRandomNumberGenerator()
        var text: [UInt8] = []
        for k in 0..<2_000 {
            let n = longest == 0 ? 0 : Int.random(in: 0...longest, using: &rng)
            text += (0..<n).map { UInt8(0x61 + ($0 + k) % 26) }
            text.append(0x0A)
        }
        text += Array("last line without a line end".utf8)
        let (lines, _) = try readAll(text, keepBlocks: false)
        #expect(lines == expectedLines(text))
    }

    @Test func emptyInputHasNoBlock() throws {
        let (lines, starts) = try readAll([], keepBlocks: false)
        #expect(lines.isEmpty && starts.isEmpty)
    }

    /// With 1 MiB blocks (the default), a block done with gives its memory to a later block; blocks still alive
    /// each have their own.
    @Test func doneBlocksMemoryIsReused() throws {
        guard ProcessInfo.processInfo.environment["CLEARANCE_BLOCK_BYTES"] == nil else { return }
        let line = Array(repeating: UInt8(0x78), count: 199) + [0x0A]
        var text: [UInt8] = []
        for _ in 0..<(6 * BlockReader.blockSize / line.count) { text += line }
        let freed = try readAll(text, keepBlocks: false)
        #expect(freed.lines == expectedLines(text))
        #expect(freed.starts.count >= 5)
        #expect(Set(freed.starts).count < freed.starts.count)
        let kept = try readAll(text, keepBlocks: true)
        #expect(kept.lines == expectedLines(text))
        #expect(Set(kept.starts).count == kept.starts.count)
    }
}
