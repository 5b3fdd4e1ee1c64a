// OpenSSL's libcrypto SHA-256 (`libssl-dev` on Debian/Ubuntu), for the hash chains and policy revisions.
// SHA256_Init/Update/Final are deprecated in OpenSSL 3 but present and fast (SHA-NI/AVX2 inside);
// a SHA256_CTX is a plain struct, so copying it by value carries the midstate.
#ifndef CLEARANCE_CCRYPTOSHA_SHIM_H
#define CLEARANCE_CCRYPTOSHA_SHIM_H
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

/// Starts `ctx` as an empty SHA-256.
static inline void ccrypto_sha256_init(SHA256_CTX *ctx) { SHA256_Init(ctx); }

/// Feeds `count` bytes at `data` into `ctx`.
static inline void ccrypto_sha256_update(SHA256_CTX *ctx, const void *data, size_t count) {
    SHA256_Update(ctx, data, count);
}

/// Finishes `ctx` and writes the 32-byte digest to `out`.
static inline void ccrypto_sha256_final(unsigned char out[32], SHA256_CTX *ctx) { SHA256_Final(out, ctx); }
#endif
