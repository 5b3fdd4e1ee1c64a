#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

/// Fixed-arity wrappers for SQLite calls Swift cannot make (variadic C functions).
/// `db` is the raw `sqlite3 *` handle (GRDB's `Database.sqliteConnection`), passed as `void *`
/// so that this header does not clash with GRDB's own import of <sqlite3.h>.

/// Turns SQLite's checkpoint-when-the-last-connection-closes off (`on` = 1) or on (0) for `db`
/// (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). Returns the SQLite result code (0 = SQLITE_OK); `*now`
/// receives the setting in force afterwards (1 = no checkpoint on close).
int clearance_set_no_checkpoint_on_close(void *db, int on, int *now);

/// Turns SQLite's memory statistics off (SQLITE_CONFIG_MEMSTATUS = 0): every allocation SQLite makes
/// otherwise takes a global mutex to count it (perf: ~8% of a 100,000-agreement import in
/// pthread_mutex_lock/unlock). Only possible before SQLite is initialised (the first connection);
/// returns the SQLite result code (SQLITE_MISUSE, harmless, when it is too late).
int clearance_disable_memstatus(void);

#endif
