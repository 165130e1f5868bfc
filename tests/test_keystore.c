/*
 * Unit tests for daemon/store/keystore.c, the family values of seal.c and
 * daemon/store/reseal.c: a family's values open with its key and with no
 * other, not at all once the key is destroyed; keys survive a reopen
 * and only the master key that wrapped them unwraps them; a database made
 * before migration 14 migrates and its values are sealed again under
 * their families' keys.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "reseal.h"
#include "seal.h"
#include "store.h"
#include "../daemon/store/store_migrations.h"
#include "unit/fixture.h"

struct ks_test {
	struct fixture	 fx;
	struct keystore	*ks;
	char		 path[512];
	sqlite3_stmt	*put, *get;
};

static int
group_setup(void **state)
{
	(void)state;
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return crypto_init() == 0 ? 0 : -1;
}

static void
ks_close(struct ks_test *f)
{
	if (f->fx.st != NULL)
		store_set_before_commit(f->fx.st, NULL, NULL);
	seal_set_keystore(NULL);
	keystore_close(f->ks);
	f->ks = NULL;
}

static int
teardown(void **state)
{
	struct ks_test	*f = *state;
	int		 rc;

	sqlite3_finalize(f->put);
	sqlite3_finalize(f->get);
	ks_close(f);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static void
ks_open(struct ks_test *f, const struct keys *master)
{
	char	 err[256];

	assert_int_equal(keystore_open(f->path, master, &f->ks, err,
	    sizeof err), 0);
	seal_set_keystore(f->ks);
	if (f->fx.st != NULL)
		store_set_before_commit(f->fx.st, keystore_flush_cb, f->ks);
}

static int
setup(void **state)
{
	struct ks_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "keystore", FIXTURE_KEYS) == -1) {
		teardown(state);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/asystent.db.keys", f->fx.dir);
	return 0;
}

/* The store, with a table t (id, v) to seal into. */
static void
open_store(struct ks_test *f)
{
	char	 err[256];

	assert_int_equal(store_open(f->fx.db, &f->fx.st, err, sizeof err), 0);
	assert_int_equal(store_exec(f->fx.st, "CREATE TABLE t (id INTEGER "
	    "PRIMARY KEY, v BLOB)", "t"), 0);
	assert_int_equal(store_prepare(f->fx.st, "INSERT OR REPLACE INTO t "
	    "(id, v) VALUES (?, ?)", &f->put), 0);
	assert_int_equal(store_prepare(f->fx.st, "SELECT v FROM t WHERE "
	    "id = ?", &f->get), 0);
}

static void
put(struct ks_test *f, int64_t fam, int64_t id, const char *value)
{
	assert_int_equal(seal_bind_str_fam(f->fx.keys, fam, f->put, 2, "t",
	    "v", id, value), 0);
	sqlite3_bind_int64(f->put, 1, id);
	assert_int_equal(store_step_done(f->put, "put"), 0);
}

/* 0 and *plain (crypto_free_plain) when row id opens, else -1. */
static int
get(struct ks_test *f, int64_t id, char **plain)
{
	int	 rc;

	sqlite3_bind_int64(f->get, 1, id);
	assert_int_equal(sqlite3_step(f->get), SQLITE_ROW);
	rc = seal_open(f->fx.keys, f->get, 0, "t", "v", id, plain, NULL);
	sqlite3_reset(f->get);
	return rc;
}

static int64_t
blob_family(struct ks_test *f, int64_t id)
{
	int64_t	 fam;

	sqlite3_bind_int64(f->get, 1, id);
	assert_int_equal(sqlite3_step(f->get), SQLITE_ROW);
	fam = seal_blob_family(sqlite3_column_blob(f->get, 0),
	    (size_t)sqlite3_column_bytes(f->get, 0));
	sqlite3_reset(f->get);
	return fam;
}

/* The blob of row id opened with `k` as it is, without the keystore. */
static int
open_raw(struct ks_test *f, const struct keys *k, int64_t id)
{
	struct crypto_ad	 ad = { "t", "v", 0, 0 };
	char			*plain = NULL;
	int			 rc;

	ad.row = id;
	sqlite3_bind_int64(f->get, 1, id);
	assert_int_equal(sqlite3_step(f->get), SQLITE_ROW);
	rc = crypto_open(k, &ad, sqlite3_column_blob(f->get, 0),
	    (size_t)sqlite3_column_bytes(f->get, 0), &plain, NULL);
	sqlite3_reset(f->get);
	crypto_free_plain(plain);
	return rc;
}

static void
assert_opens(struct ks_test *f, int64_t id, const char *want)
{
	char	*plain = NULL;

	assert_int_equal(get(f, id, &plain), 0);
	assert_non_null(plain);
	assert_string_equal(plain, want);
	crypto_free_plain(plain);
}

static void
test_keystore_family_value_opens_and_names_its_family(void **state)
{
	struct ks_test	*f = *state;
	struct stat	 sb;

	open_store(f);
	ks_open(f, f->fx.keys);
	put(f, 7, 1, "Olena Kovalenko");
	put(f, 0, 2, "staff value");
	assert_opens(f, 1, "Olena Kovalenko");
	assert_opens(f, 2, "staff value");
	assert_int_equal(blob_family(f, 1), 7);
	assert_int_equal(blob_family(f, 2), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);
}

/*
 * More families than the keys cached at once: each family's keys are
 * evicted and read again many times over, and every value still opens
 * as itself, in the order written and backwards; a key destroyed among
 * them takes only its own family's value.
 */
static void
test_keystore_many_families_each_open_with_their_own_key(void **state)
{
	struct ks_test	*f = *state;
	char		 want[32], *plain = NULL;
	int64_t		 i, n = 1500;

	open_store(f);
	ks_open(f, f->fx.keys);
	assert_int_equal(store_begin(f->fx.st), 0);
	for (i = 1; i <= n; i++) {
		snprintf(want, sizeof want, "family %" PRId64, i);
		put(f, i, i, want);
	}
	assert_int_equal(store_commit(f->fx.st), 0);
	for (i = 1; i <= n; i++) {
		snprintf(want, sizeof want, "family %" PRId64, i);
		assert_opens(f, i, want);
	}
	assert_int_equal(keystore_destroy(f->ks, 700, NULL), 0);
	for (i = n; i >= 1; i--) {
		if (i == 700) {
			/* An erased family's values read as none. */
			assert_int_equal(get(f, i, &plain), 0);
			assert_null(plain);
			continue;
		}
		snprintf(want, sizeof want, "family %" PRId64, i);
		assert_opens(f, i, want);
	}
}

static void
test_keystore_destroyed_key_leaves_value_unreadable(void **state)
{
	struct ks_test	*f = *state;
	char		*plain = NULL;
	int		 had = 0;
	int64_t		 n;

	open_store(f);
	ks_open(f, f->fx.keys);
	put(f, 7, 1, "Olena Kovalenko");
	put(f, 8, 2, "Another family");
	assert_int_equal(keystore_count(f->ks, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(keystore_destroy(f->ks, 7, &had), 0);
	assert_int_equal(had, 1);
	/* It reads as none, as an erased family's values do. */
	assert_int_equal(get(f, 1, &plain), 0);
	assert_null(plain);
	assert_opens(f, 2, "Another family");
	/* Not even after a reopen (nothing cached, nothing on disk)... */
	ks_close(f);
	ks_open(f, f->fx.keys);
	assert_int_equal(get(f, 1, &plain), 0);
	assert_null(plain);
	assert_opens(f, 2, "Another family");
	/* ... nor with the master key. */
	assert_int_equal(open_raw(f, f->fx.keys, 1), -1);
	assert_null(keystore_family(f->ks, 7, 0));
	assert_int_equal(keystore_destroy(f->ks, 7, &had), 0);
	assert_int_equal(had, 0);
}

/* The keys on disk, as another connection sees them. */
static int64_t
keys_on_disk(struct ks_test *f)
{
	sqlite3		*db;
	sqlite3_stmt	*s;
	int64_t		 n = -1;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM "
	    "family_keys", -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
test_keystore_key_is_kept_before_the_value_is_committed(void **state)
{
	struct ks_test	*f = *state;

	open_store(f);
	ks_open(f, f->fx.keys);
	/* Outside a transaction: the key is committed with the write. */
	put(f, 7, 1, "Olena Kovalenko");
	assert_int_equal(keys_on_disk(f), 1);
	/* Inside one: the key waits, and goes to disk before the commit. */
	assert_int_equal(store_begin(f->fx.st), 0);
	put(f, 8, 2, "Another family");
	put(f, 9, 3, "A third");
	assert_int_equal(keys_on_disk(f), 1);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(keys_on_disk(f), 3);
	assert_opens(f, 3, "A third");
}

static void
test_keystore_keys_survive_reopen_only_with_their_master(void **state)
{
	struct ks_test	*f = *state;
	unsigned char	 other[CRYPTO_MASTER_LEN];
	struct keys	*ok;
	char		*plain = NULL;

	open_store(f);
	ks_open(f, f->fx.keys);
	put(f, 7, 1, "Olena Kovalenko");
	ks_close(f);
	ks_open(f, f->fx.keys);
	assert_opens(f, 1, "Olena Kovalenko");
	ks_close(f);
	memset(other, 0x5a, sizeof other);
	assert_non_null(ok = crypto_keys_from_master(other));
	ks_open(f, ok);
	assert_null(keystore_family(f->ks, 7, 0));
	assert_int_equal(get(f, 1, &plain), 0);
	assert_null(plain);
	ks_close(f);
	crypto_keys_free(ok);
}

static void
test_keystore_without_keystore_family_values_use_master(void **state)
{
	struct ks_test	*f = *state;

	open_store(f);
	put(f, 7, 1, "Olena Kovalenko");
	assert_int_equal(blob_family(f, 1), 0);
	assert_opens(f, 1, "Olena Kovalenko");
}

static void
test_keystore_rewrap_moves_keys_to_a_new_master(void **state)
{
	struct ks_test	*f = *state;
	unsigned char	 other[CRYPTO_MASTER_LEN];
	struct keys	*nk, *prev;
	int64_t		 after = 0, n = 0, total = 0;
	int		 done = 0, rounds = 0;

	open_store(f);
	ks_open(f, f->fx.keys);
	put(f, 7, 1, "Olena Kovalenko");
	put(f, 8, 2, "Another family");
	put(f, 0, 3, "staff value");
	/* The rotation: the keys replaced in place, the old ones kept. */
	memset(other, 0x33, sizeof other);
	assert_non_null(nk = crypto_keys_from_master(other));
	assert_non_null(prev = crypto_keys_dup(f->fx.keys));
	crypto_keys_replace(f->fx.keys, nk);
	seal_set_previous(prev);
	keystore_set_masters(f->ks, f->fx.keys, prev);
	/* Everything still opens meanwhile, old and new. */
	assert_opens(f, 1, "Olena Kovalenko");
	assert_opens(f, 3, "staff value");
	put(f, 9, 4, "A family of the new key");
	while (!done && rounds++ < 10) {
		assert_int_equal(keystore_rewrap(f->ks, &after, 1, &n, &done),
		    0);
		total += n;
	}
	assert_true(done);
	assert_int_equal(total, 2);	/* 9's was wrapped by the new key */
	/* Again: nothing left to do. */
	after = 0;
	assert_int_equal(keystore_rewrap(f->ks, &after, 10, &n, &done), 0);
	assert_int_equal(n, 0);
	/* The old master gone: the families' values open all the same. */
	seal_set_previous(NULL);
	keystore_set_masters(f->ks, f->fx.keys, NULL);
	ks_close(f);
	ks_open(f, f->fx.keys);
	assert_opens(f, 1, "Olena Kovalenko");
	assert_opens(f, 2, "Another family");
	assert_opens(f, 4, "A family of the new key");
	/* The master's own value was not sealed again here: it does not. */
	assert_int_equal(open_raw(f, f->fx.keys, 3), -1);
	assert_int_equal(open_raw(f, prev, 3), 0);
	crypto_keys_free(prev);
	crypto_keys_free(nk);
}

/* A database at version 13, the values of a family under the master. */
static void
make_v13(struct ks_test *f)
{
	struct crypto_ad	 ad = { "families", "name", 1, 0 };
	sqlite3			*db;
	sqlite3_stmt		*s;
	unsigned char		*blob = NULL;
	size_t			 len;
	int			 v;

	assert_int_equal(sqlite3_open(f->fx.db, &db), SQLITE_OK);
	for (v = 0; v < 13; v++)
		assert_int_equal(sqlite3_exec(db, store_migrations[v], NULL,
		    NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 13;"
	    "INSERT INTO families (id, code, language, channel, created_at) "
	    "VALUES (1, 'R-0001', 'uk', 'telegram', 0);"
	    "INSERT INTO members (id, family_id, contact, created_at) "
	    "VALUES (1, 1, 1, 0);", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(crypto_seal(f->fx.keys, &ad, "Olena", 5, &blob, &len),
	    0);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE families SET name = ? "
	    "WHERE id = 1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, blob, (int)len, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(blob);
	ad.table = "members";
	ad.column = "phone";
	assert_int_equal(crypto_seal(f->fx.keys, &ad, "+48500100200", 12,
	    &blob, &len), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE members SET phone = ? "
	    "WHERE id = 1", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, blob, (int)len, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(blob);
	sqlite3_close(db);
}

/* Column `col` of `table` row 1: opened into want, and whose it is. */
static void
assert_column(struct ks_test *f, const char *table, const char *col,
    const char *want, int64_t fam)
{
	sqlite3_stmt	*s;
	char		 sql[128], *plain = NULL;
	int		 rc;

	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = 1", col,
	    table);
	assert_int_equal(store_prepare(f->fx.st, sql, &s), 0);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(seal_blob_family(sqlite3_column_blob(s, 0),
	    (size_t)sqlite3_column_bytes(s, 0)), fam);
	rc = seal_open(f->fx.keys, s, 0, table, col, 1, &plain, NULL);
	sqlite3_finalize(s);
	if (want == NULL) {
		assert_int_equal(rc, 0);
		assert_null(plain);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(plain, want);
	crypto_free_plain(plain);
}

static void
test_keystore_migration_14_reseals_master_sealed_values(void **state)
{
	struct ks_test	*f = *state;
	char		 err[256];
	int64_t		 rows = -1;
	int		 had;

	make_v13(f);
	assert_int_equal(store_open(f->fx.db, &f->fx.st, err, sizeof err), 0);
	ks_open(f, f->fx.keys);
	assert_int_equal(reseal_pending(f->fx.st), 1);
	/* Still readable before, under the master key. */
	assert_column(f, "families", "name", "Olena", 0);
	assert_int_equal(reseal_run(f->fx.st, f->fx.keys, 1, &rows), 0);
	assert_int_equal(rows, 2);
	assert_int_equal(reseal_pending(f->fx.st), 0);
	assert_column(f, "families", "name", "Olena", 1);
	assert_column(f, "members", "phone", "+48500100200", 1);
	assert_int_equal(reseal_run(f->fx.st, f->fx.keys, 1, &rows), 0);
	assert_int_equal(rows, 0);
	assert_int_equal(reseal_check_keystore(f->fx.st, f->ks, err,
	    sizeof err), 0);
	/* Sealed under the family's key: gone with it. */
	assert_int_equal(keystore_destroy(f->ks, 1, &had), 0);
	assert_column(f, "families", "name", NULL, 1);
	/* And a keystore with no key that opens is refused. */
	assert_int_equal(reseal_check_keystore(f->fx.st, f->ks, err,
	    sizeof err), -1);
}

static void
test_keystore_reseal_resumes_where_it_stopped(void **state)
{
	struct ks_test	*f = *state;
	char		 err[256];
	int64_t		 rows = -1;

	make_v13(f);
	assert_int_equal(store_open(f->fx.db, &f->fx.st, err, sizeof err), 0);
	ks_open(f, f->fx.keys);
	/* As if killed after the families' slice was committed. */
	assert_int_equal(store_meta_set(f->fx.st, "reseal.families", 1), 0);
	assert_int_equal(reseal_run(f->fx.st, f->fx.keys, 1, &rows), 0);
	assert_int_equal(rows, 1);
	assert_column(f, "families", "name", "Olena", 0);
	assert_column(f, "members", "phone", "+48500100200", 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_keystore_family_value_opens_and_names_its_family),
		T(test_keystore_many_families_each_open_with_their_own_key),
		T(test_keystore_destroyed_key_leaves_value_unreadable),
		T(test_keystore_keys_survive_reopen_only_with_their_master),
		T(test_keystore_key_is_kept_before_the_value_is_committed),
		T(test_keystore_rewrap_moves_keys_to_a_new_master),
		T(test_keystore_without_keystore_family_values_use_master),
		T(test_keystore_migration_14_reseals_master_sealed_values),
		T(test_keystore_reseal_resumes_where_it_stopped),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
