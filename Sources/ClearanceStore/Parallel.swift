import Dispatch
import Foundation

/// Data-parallel helpers for batch work (import): the machine's cores, order kept.
enum Parallel {
    /// `items.map(transform)` computed on all cores in contiguous chunks; results in input order.
    static func map<T: Sendable, R: Sendable>(_ items: [T], minimumChunk: Int = 256, _ transform: @Sendable (T) -> R) -> [R] {
        map(items, minimumChunk: minimumChunk, state: { () }) { _, item in transform(item) }
    }
}

extension Parallel {
    /// Like ``map(_:minimumChunk:_:)``, with a state made once per chunk and passed to every item of it
    /// (a byte scanner and its caches: one per thread, never shared).
    static func map<T: Sendable, R: Sendable, S>(_ items: [T], minimumChunk: Int = 256, state: @Sendable () -> S,
                                                 _ transform: @Sendable (inout S, T) -> R) -> [R] {
        let n = items.count
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        if n < minimumChunk * 2 || cores == 1 {
            var st = state()
            return items.map { transform(&st, $0) }
        }
        let chunks = min(cores * 4, max(1, n / minimumChunk))
        let out = UnsafeMutablePointer<R?>.allocate(capacity: n)
        out.initialize(repeating: nil, count: n)
        defer {
            out.deinitialize(count: n)
            out.deallocate()
        }
        let box = UnsafeSendable(out)
        items.withUnsafeBufferPointer { buf in
            let input = UnsafeSendable(buf)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * n / chunks, hi = (c + 1) * n / chunks
                var st = state()
                for i in lo..<hi { box.value[i] = transform(&st, input.value[i]) }
            }
        }
        var result: [R] = []
        result.reserveCapacity(n)
        for i in 0..<n { if let r = out[i] { result.append(r) } }
        return result
    }
}

/// Wraps a pointer handed to worker threads that each touch their own elements only.
struct UnsafeSendable<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
}
