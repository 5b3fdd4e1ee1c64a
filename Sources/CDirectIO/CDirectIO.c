#define _GNU_SOURCE
#include "CDirectIO.h"
#include <errno.h>
#include <fcntl.h>
#ifdef __linux__
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#endif

int clearance_open_direct(const char *path) {
#if defined(__linux__) && defined(O_DIRECT)
    return open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
#else
    (void)path;
    errno = EINVAL;
    return -1;
#endif
}

int clearance_direct_alignment(int fd, unsigned *memory, unsigned *offset) {
#if defined(__linux__) && defined(STATX_DIOALIGN)
    struct statx sx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) != 0) return 0;
    if (!(sx.stx_mask & STATX_DIOALIGN)) return 0;
    *memory = sx.stx_dio_mem_align;
    *offset = sx.stx_dio_offset_align;
    return 1;
#else
    (void)fd; (void)memory; (void)offset;
    return 0;
#endif
}

int clearance_on_memory_fs(int fd) {
#ifdef __linux__
    struct statfs s;
    if (fstatfs(fd, &s) != 0) return 0;
    return s.f_type == TMPFS_MAGIC || s.f_type == RAMFS_MAGIC;
#else
    (void)fd;
    return 0;
#endif
}
