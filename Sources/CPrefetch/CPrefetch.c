// Header-only (static inline functions in include/CPrefetch.h); SwiftPM wants one source file per C target.
#include "CPrefetch.h"
