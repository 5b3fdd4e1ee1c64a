#ifndef CDIRECTIO_H
#define CDIRECTIO_H

/// Opens the file at `path` again for writing without the page cache (`O_WRONLY | O_DIRECT | O_CLOEXEC`:
/// never created, never truncated); -1 with `errno` on failure (and always where there is no `O_DIRECT`).
/// Swift's Glibc module has neither `O_DIRECT` nor `statx` (both need `_GNU_SOURCE`); the values are
/// per architecture, so they are not copied into Swift (DirectOutput.swift).
int clearance_open_direct(const char *path);

/// The direct-I/O alignment the kernel reports for the open file `fd` (`statx` with `STATX_DIOALIGN`,
/// Linux 6.1 on): 1 with `*memory` and `*offset` set (`*offset` 0: this file cannot do direct I/O), 0 when
/// the kernel or the file system does not say.
int clearance_direct_alignment(int fd, unsigned *memory, unsigned *offset);

/// 1 when `fd` is on a file system held in memory (tmpfs, ramfs): there is no disk to write past the cache to.
int clearance_on_memory_fs(int fd);

#endif
