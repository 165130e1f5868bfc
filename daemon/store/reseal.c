/*
 * Master-sealed values of families sealed again under their families'
 * keys (migration 14), in slices. Like store_migrations.c, the one other
 * place whose SQL reads every owner's sealed columns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "people.h"
#include "reseal.h"
#include "seal.h"
#include "store.h"

#define RESEAL_MAXCOLS	4

/* Each table with values of a family: what names the family, the columns. */
static const struct reseal_table {
	const char	*table;
	const char	*family;
	const char	*cols[RESEAL_MAXCOLS + 1];
} reseal_tables[] = {
	{ "families", "id", { "name", "notes", NULL } },
	{ "members", "family_id",
	  { "name", "phone", "tg_user_id", "tg_chat_id", NULL } },
	{ "messages", "family_id", { "body", NULL } },
	{ "visits", "family_id",
	  { "place", "note", "reason", "answer_text", NULL } },
	{ "outbox", "family_id", { "payload", NULL } },
};
#define RESEAL_NTABLES	(sizeof reseal_tables / sizeof reseal_tables[0])

int
reseal_pending(struct store *st)
{
	int64_t	 v = 0;
	int	 found;

	if (store_meta_get(st, "reseal.done", &v, &found) == -1)
		return -1;
	return !found || v == 0;
}

/* One value sealed again under its family's key; 1 changed, 0 not. */
static int
reseal_value(struct store *st, const struct keys *k, sqlite3_stmt *s,
    int col, const struct reseal_table *t, const char *column, int64_t id,
    int64_t fam)
{
	sqlite3_stmt	*u = NULL;
	char		*sql, *plain = NULL;
	size_t		 len;
	int		 rc = -1;

	/*
	 * XXX a master's blob whose random nonce starts like a
	 * family's header (2^-16) is taken for one and left as it is: it
	 * still opens (seal_open() falls back), under the master key.
	 */
	if (sqlite3_column_type(s, col) != SQLITE_BLOB ||
	    seal_blob_family(sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col)) != 0)
		return 0;
	/* Told by seal_open(); left as it is, readable by nobody anyway. */
	if (seal_open(k, s, col, t->table, column, id, &plain, &len) == -1 ||
	    plain == NULL)
		return 0;
	sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = ? WHERE id = ?",
	    t->table, column);
	if (sql == NULL || store_prepare(st, sql, &u) == -1)
		goto out;
	if (seal_bind_fam(k, fam, u, 1, t->table, column, id, plain, len) ==
	    -1)
		goto out;
	sqlite3_bind_int64(u, 2, id);
	if (store_step_done(u, "reseal") == 0)
		rc = 1;
out:
	sqlite3_finalize(u);
	sqlite3_free(sql);
	crypto_free_plain(plain);
	return rc;
}

/* One slice of a table in its own transaction; 1 when more is left. */
static int
reseal_slice(struct store *st, const struct keys *k,
    const struct reseal_table *t, int slice, int64_t *rows)
{
	sqlite3_stmt	*s = NULL;
	char		 key[64], cols[128] = "";
	char		*sql = NULL;
	int64_t		 after = 0, id = 0, fam;
	int		 found, i, n = 0, rc = -1, x;

	snprintf(key, sizeof key, "reseal.%s", t->table);
	for (i = 0; t->cols[i] != NULL; i++) {
		strncat(cols, ", ", sizeof cols - strlen(cols) - 1);
		strncat(cols, t->cols[i], sizeof cols - strlen(cols) - 1);
	}
	if (store_begin(st) == -1)
		return -1;
	if (store_meta_get(st, key, &after, &found) == -1)
		goto out;
	sql = sqlite3_mprintf("SELECT id, %s%s FROM \"%w\" WHERE id > ?1 AND "
	    "%s IS NOT NULL ORDER BY id LIMIT ?2", t->family, cols, t->table,
	    t->family);
	if (sql == NULL || sqlite3_prepare_v2(store_db(st), sql, -1, &s,
	    NULL) != SQLITE_OK) {
		log_err("event=store.error what=reseal table=%s error=\"%s\"",
		    t->table, sqlite3_errmsg(store_db(st)));
		goto out;
	}
	sqlite3_bind_int64(s, 1, after);
	sqlite3_bind_int(s, 2, slice);
	while ((x = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		fam = sqlite3_column_int64(s, 1);
		n++;
		for (i = 0; t->cols[i] != NULL; i++) {
			if ((x = reseal_value(st, k, s, 2 + i, t, t->cols[i],
			    id, fam)) == -1)
				goto out;
			*rows += x;
		}
	}
	if (x != SQLITE_DONE && x != SQLITE_ROW) {
		log_err("event=store.error what=reseal table=%s error=\"%s\"",
		    t->table, sqlite3_errstr(x));
		goto out;
	}
	if (n > 0 && store_meta_set(st, key, id) == -1)
		goto out;
	rc = n == slice;
out:
	sqlite3_finalize(s);
	sqlite3_free(sql);
	if (rc == -1)
		store_rollback(st);
	else if (store_commit(st) == -1)
		rc = -1;
	return rc;
}

int
reseal_run(struct store *st, const struct keys *k, int slice, int64_t *rows)
{
	size_t	 i;
	int	 rc;

	*rows = 0;
	if ((rc = reseal_pending(st)) <= 0)
		return rc;
	log_notice("event=reseal.start");
	for (i = 0; i < RESEAL_NTABLES; i++) {
		while ((rc = reseal_slice(st, k, &reseal_tables[i], slice,
		    rows)) == 1)
			;
		if (rc == -1)
			return -1;
	}
	if (store_begin(st) == -1 ||
	    store_meta_set(st, "reseal.done", 1) == -1 ||
	    store_commit(st) == -1) {
		store_rollback(st);
		return -1;
	}
	log_notice("event=reseal.done rows=%" PRId64, *rows);
	return 0;
}

/*
 * Some family's key must open: a family without one was erased since
 * (a restored older database), but none at all is the wrong keystore.
 */
int
reseal_check_keystore(struct store *st, struct keystore *ks, char *err,
    size_t errlen)
{
	int	 sealed = 0, opens = 0;

	if (people_family_keys_check(st, ks, &sealed, &opens) != PEOPLE_OK) {
		snprintf(err, errlen, "cannot read the families");
		return -1;
	}
	if (!sealed || opens)
		return 0;
	snprintf(err, errlen, "no family's key in the keystore opens: it is "
	    "empty, or of another database or master key. Restore the "
	    "keystore that belongs to this database ([daemon] keystore)");
	return -1;
}
