import Dispatch
import Foundation

/// Data-parallel `map` for batch work (contract import, the store's bulk load, preparing every agreement of
/// a batch): the machine's cores, results in input order. The one copy of the chunked loop (the CLI had its
/// own beside the store's until session 4).
public enum Parallel {
    /// `items.map(transform)` computed on all cores in contiguous chunks; results in input order.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], minimumChunk: Int = 256,
                                                     _ transform: @Sendable (T) -> R) -> [R] {
        map(items, minimumChunk: minimumChunk, state: { () }) { _, item in transform(item) }
    }

    /// Like ``map(_:minimumChunk:_:)``, with a state made once per chunk and passed to every item of it
    /// (a byte scanner and its caches: one per thread, never shared).
    ///
    /// Fewer than `2 × minimumChunk` items, or one core: a plain loop on the calling thread. Otherwise up to
    /// 8 chunks per core, so that a chunk slowed down (a core taken by another process) does not hold up the
    /// end; each chunk writes its own slots of an uninitialised buffer, moved into the result array at the end.
    public static func map<T: Sendable, R: Sendable, S>(_ items: [T], minimumChunk: Int = 256, state: @Sendable () -> S,
                                                        _ transform: @Sendable (inout S, T) -> R) -> [R] {
        let n = items.count
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        if n < minimumChunk * 2 || cores == 1 {
            var st = state()
            return items.map { transform(&st, $0) }
        }
        let chunks = min(cores * 8, max(1, n / minimumChunk))
        return Array(unsafeUninitializedCapacity: n) { dst, count in
            guard let base = dst.baseAddress else { return }
            let out = UnsafeSendable(base)
            items.withUnsafeBufferPointer { buf in
                let input = UnsafeSendable(buf)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let lo = c * n / chunks, hi = (c + 1) * n / chunks
                    var st = state()
                    // Each chunk initialises only its own slots, each exactly once.
                    for i in lo..<hi { (out.value + i).initialize(to: transform(&st, input.value[i])) }
                }
            }
            count = n
        }
    }
}

/// Wraps a pointer handed to worker threads that each touch their own elements only.
public struct UnsafeSendable<V>: @unchecked Sendable {
    public let value: V
    public init(_ value: V) { self.value = value }
}
