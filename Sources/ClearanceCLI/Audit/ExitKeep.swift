import Foundation

/// Keeps the last audit's agreements, prepared agreements and decide workers alive until the process
/// exits, instead of freeing them one object at a time when `clearance audit` returns.
///
/// Why: the process ends right after the report is written, and the operating system takes back its
/// memory at once; freeing the 16,485 agreements of the bench workload, their prepared forms and the
/// workers' memos took ~0.17 s of the 1M-event audit's wall time, on one thread, after the last byte
/// was written (perf: `swift_release`, `_int_free`, `malloc_consolidate` on the main thread, audit
/// session 6 in bench/PROFILE.md). Only the last audit's objects are kept: a process that runs many
/// audits (the tests) frees each one when the next one ends.
enum ExitKeep {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var kept: [AnyObject] = []

    /// Keeps `objects` (and lets go of the previous ones).
    static func keep(_ objects: [AnyObject]) {
        lock.lock()
        let previous = kept
        kept = objects
        lock.unlock()
        _ = previous  // released here, outside the lock
    }
}
