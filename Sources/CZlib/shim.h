// The system zlib, for reading gzip-compressed usage logs (`zlib1g-dev` on Debian/Ubuntu).
#include <zlib.h>

/// inflateInit2 is a macro in zlib.h; Swift cannot call macros, so wrap it.
static inline int czlib_inflate_init_gzip(z_streamp strm) {
    // 15 window bits + 16: expect a gzip header and trailer (concatenated members handled by the caller).
    return inflateInit2(strm, 15 + 16);
}
