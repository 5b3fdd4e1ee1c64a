#if canImport(Glibc)
import Glibc
#endif

/// glibc's malloc tuning, for the long-running multi-threaded commands (`check --batch`, `audit`).
///
/// `mallopt` and `malloc_trim` are in `<malloc.h>`, which the Glibc module does not export; outside glibc
/// both calls do nothing.
enum Malloc {
    /// Allows at most `arenas` malloc arenas from now on, so worker threads allocate in the arenas that
    /// exist instead of one new arena each (and memory one thread frees is reused by the others).
    static func limitArenas(to arenas: Int32) {
        #if canImport(Glibc)
        _ = glibc_mallopt(-8 /* M_ARENA_MAX */, arenas)
        #endif
    }

    /// Returns the free pages of every malloc arena to the system.
    static func trim() {
        #if canImport(Glibc)
        _ = glibc_malloc_trim(0)
        #endif
    }
}

#if canImport(Glibc)
@_silgen_name("mallopt") private func glibc_mallopt(_ param: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim") private func glibc_malloc_trim(_ pad: Int) -> Int32
#endif
