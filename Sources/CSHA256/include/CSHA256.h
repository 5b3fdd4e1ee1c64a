#ifndef CLEARANCE_CSHA256_H
#define CLEARANCE_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the x86 SHA extensions (SHA-NI, with SSSE3 and SSE4.1), else 0.
int clearance_sha256_hw_available(void);

/// Compresses `blocks` 64-byte blocks at `data` into `state` (8 words, FIPS 180-4 order) with
/// SHA-NI. Call only when `clearance_sha256_hw_available()` returned 1.
void clearance_sha256_hw_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
