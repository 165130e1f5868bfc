/* The key check: the table key_check, one sealed known value. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "crypto.h"
#include "keycheck.h"
#include "log.h"
#include "seal.h"
#include "store.h"

#define KEYCHECK_PLAIN	"asystent key check 1"

/* Sealed columns a database of any version may hold, oldest first. */
static const struct {
	const char	*table;
	const char	*column;
} keycheck_probes[] = {
	{ "staff", "name" },
	{ "families", "name" },
	{ "members", "name" },
	{ "inbound", "payload" },
	{ "outbox", "payload" },
};

static const char keycheck_wrong[] = "the master key does not open this "
    "database: it was written with another key. Start with the key it was "
    "written with, or restore the backup of the database that belongs to "
    "this key";

/* One existing sealed value opened with k: 1 it opens, 0 none, -1 not. */
static int
keycheck_probe(struct store *st, const struct keys *k)
{
	sqlite3_stmt	*s = NULL;
	char		 sql[128], *plain = NULL;
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < sizeof keycheck_probes / sizeof keycheck_probes[0] &&
	    rc == 0; i++) {
		snprintf(sql, sizeof sql, "SELECT id, %s FROM %s WHERE %s IS "
		    "NOT NULL LIMIT 1", keycheck_probes[i].column,
		    keycheck_probes[i].table, keycheck_probes[i].column);
		if (store_prepare(st, sql, &s) == -1)
			return -1;
		if (sqlite3_step(s) == SQLITE_ROW)
			rc = seal_open(k, s, 1, keycheck_probes[i].table,
			    keycheck_probes[i].column,
			    sqlite3_column_int64(s, 0), &plain, NULL) == 0 ?
			    1 : -1;
		crypto_free_plain(plain);
		plain = NULL;
		sqlite3_finalize(s);
		s = NULL;
	}
	return rc;
}

static int
keycheck_write(struct store *st, const struct keys *k)
{
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	if (store_prepare(st, "INSERT INTO key_check (id, value) VALUES "
	    "(1, ?)", &s) == -1)
		return -1;
	if (seal_bind_str(k, s, 1, "key_check", "value", 1,
	    KEYCHECK_PLAIN) == 0 && store_step_done(s, "key_check") == 0)
		rc = 0;
	sqlite3_finalize(s);
	return rc;
}

/* The stored check, opened: 1 it is ours, 0 there is none, -1 not. */
static int
keycheck_read(struct store *st, const struct keys *k)
{
	sqlite3_stmt	*s = NULL;
	char		*plain = NULL;
	int		 rc = 0;

	if (store_prepare(st, "SELECT value FROM key_check WHERE id = 1",
	    &s) == -1)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		rc = seal_open(k, s, 0, "key_check", "value", 1, &plain,
		    NULL) == 0 && plain != NULL &&
		    strcmp(plain, KEYCHECK_PLAIN) == 0 ? 1 : -1;
	crypto_free_plain(plain);
	sqlite3_finalize(s);
	return rc;
}

int
keycheck_verify(struct store *st, const struct keys *k, char *err,
    size_t errlen)
{
	int	 rc;

	if ((rc = keycheck_read(st, k)) == 1)
		return 0;
	if (rc == 0) {
		if ((rc = keycheck_probe(st, k)) >= 0) {
			if (store_begin(st) == -1 ||
			    keycheck_write(st, k) == -1 ||
			    store_commit(st) == -1) {
				store_rollback(st);
				snprintf(err, errlen, "cannot write the key "
				    "check");
				return -1;
			}
			log_notice("event=key.check_written");
			return 0;
		}
	}
	snprintf(err, errlen, "%s", keycheck_wrong);
	return -1;
}
