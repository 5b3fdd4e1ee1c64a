#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One object per thread, made on the thread's first use and released when the thread exits: for
/// caches that threads would otherwise share behind a lock.
///
/// Why (bench/PROFILE.md, "prepare, session 7"): the batch's two workers prepared agreements through
/// process-wide tables behind one mutex (``SharedAtomics``, the shared territory lists, the
/// preparation serial). The lock was taken ~11 times per agreement, with a content hash of a
/// constraint (up to 250 territory IRIs) inside it: perf put ~5% of all samples of a 1M batch at
/// 30,000 agreements in futex wait/wake. A per-thread front reads without any lock (a
/// `pthread_getspecific`, a few instructions) and goes to the shared table only on its own miss.
///
/// The object is never shared: only the thread that made it reads it (hence `@unchecked Sendable`
/// on this holder; `Value` need not be `Sendable`).
final class PerThread<Value: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()
    private let make: () -> Value

    /// A key whose value is `make()` on each thread's first ``value``.
    init(_ make: @escaping () -> Value) {
        self.make = make
        // The destructor runs at thread exit with the thread's non-nil value: release it.
        #if canImport(Darwin)
        pthread_key_create(&key) { p in Unmanaged<AnyObject>.fromOpaque(p).release() }
        #else
        pthread_key_create(&key) { p in if let p { Unmanaged<AnyObject>.fromOpaque(p).release() } }
        #endif
    }

    /// This thread's object (made now if the thread has none yet).
    var value: Value {
        if let p = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(p).takeUnretainedValue() }
        let v = make()
        pthread_setspecific(key, Unmanaged.passRetained(v).toOpaque())
        return v
    }
}
