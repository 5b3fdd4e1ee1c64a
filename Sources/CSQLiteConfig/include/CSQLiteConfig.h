#ifndef CSQLITECONFIG_H
#define CSQLITECONFIG_H

/// Fixed-arity wrappers for SQLite calls Swift cannot make (variadic C functions).
/// `db` is the raw `sqlite3 *` handle (GRDB's `Database.sqliteConnection`), passed as `void *`
/// so that this header does not clash with GRDB's own import of <sqlite3.h>.

/// Turns SQLite's checkpoint-when-the-last-connection-closes off (`on` = 1) or on (0) for `db`
/// (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE). Returns the SQLite result code (0 = SQLITE_OK); `*now`
/// receives the setting in force afterwards (1 = no checkpoint on close).
int clearance_set_no_checkpoint_on_close(void *db, int on, int *now);

#endif
