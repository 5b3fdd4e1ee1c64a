#include <sqlite3.h>
#include "CSQLiteConfig.h"

int clearance_set_no_checkpoint_on_close(void *db, int on, int *now) {
    return sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, on, now);
}

int clearance_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
