#ifndef CPREFETCH_H
#define CPREFETCH_H

/// Asks the processor for the cache line holding `p` without waiting for it (x86 `prefetcht0`, ARM
/// `prfm pldl1keep`): a hint, never a fault, whatever `p` is. Swift has no way to say this; `check --batch`
/// asks for the lines of the next requests' parties while it decides the current one (BatchPipeline.swift).
static inline void clearance_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// ``clearance_prefetch`` for every cache line of `[p, p + bytes)`.
static inline void clearance_prefetch_range(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long at = 0; at < bytes; at += 64) __builtin_prefetch(c + at, 0, 3);
    if (bytes > 0) __builtin_prefetch(c + bytes - 1, 0, 3);
}

#endif
