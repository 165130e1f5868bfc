/* Unit tests for daemon/store/store.c: open, pragmas, migrations, transactions. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "store.h"
#include "unit/fixture.h"

struct store_test {
	struct fixture	 fx;		/* the store is opened by each test */
	char		 err[256];
};

static int
teardown(void **state)
{
	struct store_test	*f = *state;
	int			 rc;

	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct store_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (fixture_setup(&f->fx, "store", 0) == -1) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static void
open_store(struct store_test *f)
{
	f->err[0] = '\0';
	if (store_open(f->fx.db, &f->fx.st, f->err, sizeof f->err) != 0)
		fail_msg("store_open: %s", f->err);
	assert_non_null(f->fx.st);
}

static void
reopen_store(struct store_test *f)
{
	store_close(f->fx.st);
	f->fx.st = NULL;
	open_store(f);
}

/* Runs `sql` returning one integer. */
static int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static char *
query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s = NULL;
	char		*v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	assert_non_null(v);
	return v;
}

/*
 * Stderr capture, to see which events the store logged. The returned
 * string is what was written between begin and end; free() it.
 */
struct capture {
	int	 saved;
	FILE	*tmp;
};

static void
capture_begin(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved != -1);
	assert_true(dup2(fileno(c->tmp), STDERR_FILENO) != -1);
}

static char *
capture_end(struct capture *c)
{
	char	*out;
	long	 len;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) != -1);
	close(c->saved);
	assert_int_equal(fseek(c->tmp, 0, SEEK_END), 0);
	len = ftell(c->tmp);
	assert_true(len >= 0);
	rewind(c->tmp);
	out = calloc(1, (size_t)len + 1);
	assert_non_null(out);
	assert_int_equal(fread(out, 1, (size_t)len, c->tmp), (size_t)len);
	fclose(c->tmp);
	return out;
}

static void
test_store_creates_file_0600_even_under_umask_0(void **state)
{
	struct store_test	*f = *state;
	struct stat		 sb;
	char			 wal[600];
	mode_t			 old;

	old = umask(0);
	open_store(f);
	assert_int_equal(store_meta_set(f->fx.st, "x", 1), 0);
	umask(old);
	assert_int_equal(stat(f->fx.db, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* SQLite gives the WAL the database file's mode. */
	snprintf(wal, sizeof wal, "%s-wal", f->fx.db);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void
test_store_sets_schema_version(void **state)
{
	struct store_test	*f = *state;

	open_store(f);
	assert_true(store_schema_version() >= 1);
	assert_int_equal(query_int(store_db(f->fx.st), "PRAGMA user_version"),
	    store_schema_version());
	/* The tables the other modules rely on are there. */
	assert_int_equal(query_int(store_db(f->fx.st), "SELECT COUNT(*) FROM "
	    "sqlite_master WHERE type = 'table' AND name IN ('meta', "
	    "'inbound', 'outbox', 'members', 'messages')"), 5);
	/* Dropped in migration 6: written, never read. */
	assert_int_equal(query_int(store_db(f->fx.st), "SELECT COUNT(*) FROM "
	    "sqlite_master WHERE name = 'tg_unreachable'"), 0);
}

static void
test_store_first_open_migrates_reopen_does_not(void **state)
{
	struct store_test	*f = *state;
	struct capture		 c;
	enum log_level		 lvl = log_get_level();
	char			*out;

	log_set_level(LOGL_NOTICE);
	capture_begin(&c);
	open_store(f);
	out = capture_end(&c);
	assert_non_null(strstr(out, "event=store.migrated from=0"));
	free(out);

	assert_int_equal(store_meta_set(f->fx.st, "offset", 4242), 0);
	capture_begin(&c);
	reopen_store(f);
	out = capture_end(&c);
	log_set_level(lvl);
	assert_null(strstr(out, "store.migrated"));
	free(out);
	assert_int_equal(query_int(store_db(f->fx.st), "PRAGMA user_version"),
	    store_schema_version());
}

static void
test_store_reopen_keeps_data(void **state)
{
	struct store_test	*f = *state;
	int64_t			 v = 0;
	int			 found = 0;

	open_store(f);
	assert_int_equal(store_meta_set(f->fx.st, "tg_offset", 123456789012LL),
	    0);
	assert_int_equal(store_exec(f->fx.st, "INSERT INTO inbound (channel, "
	    "ext_id, received_at) VALUES (1, 77, 0)", "test"), 0);
	reopen_store(f);
	assert_int_equal(store_meta_get(f->fx.st, "tg_offset", &v, &found), 0);
	assert_int_equal(found, 1);
	assert_int_equal(v, 123456789012LL);
	assert_int_equal(query_int(store_db(f->fx.st),
	    "SELECT ext_id FROM inbound"), 77);
}

static void
test_store_refuses_newer_database(void **state)
{
	struct store_test	*f = *state;
	sqlite3			*db = NULL;
	char			 sql[64];

	assert_int_equal(sqlite3_open(f->fx.db, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
	    store_schema_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE future (x)", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	f->err[0] = '\0';
	assert_int_equal(store_open(f->fx.db, &f->fx.st, f->err, sizeof f->err),
	    -1);
	assert_null(f->fx.st);
	assert_non_null(strstr(f->err, "newer"));

	/* And it was left alone. */
	assert_int_equal(sqlite3_open(f->fx.db, &db), SQLITE_OK);
	assert_int_equal(query_int(db, "PRAGMA user_version"),
	    store_schema_version() + 1);
	assert_int_equal(query_int(db, "SELECT COUNT(*) FROM sqlite_master "
	    "WHERE name = 'meta'"), 0);
	sqlite3_close(db);
}

static void
test_store_refuses_file_that_is_not_a_database(void **state)
{
	struct store_test	*f = *state;
	FILE			*fp;

	fp = fopen(f->fx.db, "w");
	assert_non_null(fp);
	fputs("this is not an SQLite database, only text long enough to "
	    "fill a header of one hundred bytes, which SQLite reads first.\n",
	    fp);
	fclose(fp);
	assert_int_equal(store_open(f->fx.db, &f->fx.st, f->err, sizeof f->err),
	    -1);
	assert_null(f->fx.st);
	assert_true(f->err[0] != '\0');
}

static void
test_store_refuses_missing_directory(void **state)
{
	struct store_test	*f = *state;
	char			 path[600];

	snprintf(path, sizeof path, "%s/no/such/dir.db", f->fx.dir);
	assert_int_equal(store_open(path, &f->fx.st, f->err, sizeof f->err),
	    -1);
	assert_null(f->fx.st);
	assert_non_null(strstr(f->err, "No such file or directory"));
}

static void
test_store_uses_wal_and_foreign_keys(void **state)
{
	struct store_test	*f = *state;
	char			*mode;

	open_store(f);
	mode = query_text(store_db(f->fx.st), "PRAGMA journal_mode");
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(query_int(store_db(f->fx.st), "PRAGMA foreign_keys"),
	    1);
	/* FULL is 2: a committed message survives a power cut. */
	assert_int_equal(query_int(store_db(f->fx.st), "PRAGMA synchronous"),
	    2);
	assert_int_equal(query_int(store_db(f->fx.st), "PRAGMA secure_delete"),
	    1);
}

/*
 * The dispatcher's outcomes may skip waiting for the disk; nothing else
 * may: the level is NORMAL (1) inside such a transaction only, and FULL
 * again once it is committed or rolled back.
 */
static void
test_store_unsynced_transaction_alone_skips_the_disk(void **state)
{
	struct store_test	*f = *state;
	sqlite3			*db;
	int64_t			 v = 0;
	int			 found = 0;

	open_store(f);
	db = store_db(f->fx.st);
	assert_int_equal(store_begin_unsynced(f->fx.st), 0);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 1);
	assert_int_equal(store_meta_set(f->fx.st, "outcome", 7), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(store_meta_get(f->fx.st, "outcome", &v, &found), 0);
	assert_int_equal(found, 1);
	assert_int_equal(v, 7);
	/* Until synced: a checkpoint, or any synced commit. */
	assert_int_equal(store_wal_unsynced(f->fx.st), 1);
	assert_int_equal(store_sync(f->fx.st), 0);
	assert_int_equal(store_wal_unsynced(f->fx.st), 0);
	assert_int_equal(query_int(db, "SELECT value FROM meta WHERE key = "
	    "'outcome'"), 7);

	assert_int_equal(store_begin_unsynced(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "outcome", 8), 0);
	store_rollback(f->fx.st);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(store_meta_get(f->fx.st, "outcome", &v, &found), 0);
	assert_int_equal(v, 7);

	/* A synced transaction that writes nothing flushes nothing. */
	assert_int_equal(store_begin_unsynced(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "outcome", 10), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(store_wal_unsynced(f->fx.st), 1);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_meta_get(f->fx.st, "outcome", &v, &found), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(store_wal_unsynced(f->fx.st), 1);

	/* A transaction of the other kind right after is synced, and
	 * flushes the unsynced one's commit with its own. */
	assert_int_equal(store_begin_unsynced(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "outcome", 9), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(store_wal_unsynced(f->fx.st), 1);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(store_meta_set(f->fx.st, "received", 1), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(store_wal_unsynced(f->fx.st), 0);
}

/* The log is still checkpointed as it grows: it does not keep growing. */
static void
test_store_log_is_checkpointed_as_it_grows(void **state)
{
	struct store_test	*f = *state;
	int64_t			 db_bytes = 0, wal_bytes = 0;
	int			 i;

	open_store(f);
	assert_int_equal(store_exec(f->fx.st, "CREATE TABLE big (b BLOB)",
	    "test"), 0);
	/* 3,000 commits of a page each: 12 MB of log unless checkpointed. */
	for (i = 0; i < 3000; i++) {
		assert_int_equal(i % 2 == 0 ? store_begin(f->fx.st) :
		    store_begin_unsynced(f->fx.st), 0);
		assert_int_equal(store_exec(f->fx.st, "INSERT INTO big VALUES "
		    "(zeroblob(3000))", "test"), 0);
		assert_int_equal(store_commit(f->fx.st), 0);
	}
	assert_int_equal(store_file_sizes(f->fx.db, &db_bytes, &wal_bytes), 0);
	assert_true(db_bytes > 8 * 1000 * 1000);
	assert_true(wal_bytes < 6 * 1000 * 1000);
}

static void
test_store_enforces_foreign_keys(void **state)
{
	struct store_test	*f = *state;

	open_store(f);
	assert_int_equal(store_exec(f->fx.st, "CREATE TABLE p (id INTEGER "
	    "PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p(id))",
	    "test"), 0);
	assert_int_equal(store_exec(f->fx.st, "INSERT INTO c VALUES (99)",
	    "test"), -1);
}

static void
test_store_meta_get_set(void **state)
{
	struct store_test	*f = *state;
	int64_t			 v = -1;
	int			 found = 1;

	open_store(f);
	assert_int_equal(store_meta_get(f->fx.st, "missing", &v, &found), 0);
	assert_int_equal(found, 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 1), 0);
	assert_int_equal(store_meta_set(f->fx.st, "b", INT64_MIN), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", INT64_MAX), 0);
	assert_int_equal(store_meta_get(f->fx.st, "a", &v, &found), 0);
	assert_int_equal(found, 1);
	assert_true(v == INT64_MAX);
	assert_int_equal(store_meta_get(f->fx.st, "b", &v, &found), 0);
	assert_int_equal(found, 1);
	assert_true(v == INT64_MIN);
	assert_int_equal(query_int(store_db(f->fx.st),
	    "SELECT COUNT(*) FROM meta"), 2);
}

static int
meta_has(struct store_test *f, const char *key)
{
	int64_t	 v;
	int	 found = 0;

	assert_int_equal(store_meta_get(f->fx.st, key, &v, &found), 0);
	return found;
}

static void
test_store_rollback_to_savepoint_discards_only_inner_work(void **state)
{
	struct store_test	*f = *state;

	open_store(f);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "outer", 1), 0);
	assert_int_equal(store_savepoint(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "inner1", 1), 0);
	store_rollback_to(f->fx.st);
	/* The savepoint can be taken again after a rollback to it. */
	assert_int_equal(store_savepoint(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "inner2", 1), 0);
	assert_int_equal(store_release(f->fx.st), 0);
	assert_int_equal(store_commit(f->fx.st), 0);

	reopen_store(f);
	assert_int_equal(meta_has(f, "outer"), 1);
	assert_int_equal(meta_has(f, "inner1"), 0);
	assert_int_equal(meta_has(f, "inner2"), 1);
}

static void
test_store_rollback_discards_whole_transaction(void **state)
{
	struct store_test	*f = *state;

	open_store(f);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 1), 0);
	assert_int_equal(store_savepoint(f->fx.st), 0);
	assert_int_equal(store_meta_set(f->fx.st, "b", 1), 0);
	assert_int_equal(store_release(f->fx.st), 0);
	store_rollback(f->fx.st);
	assert_int_equal(meta_has(f, "a"), 0);
	assert_int_equal(meta_has(f, "b"), 0);
	/* Rolling back outside a transaction is harmless. */
	store_rollback(f->fx.st);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
}

static void
test_store_begin_takes_write_lock_at_once(void **state)
{
	struct store_test	*f = *state;
	sqlite3			*other = NULL;

	open_store(f);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(sqlite3_open(f->fx.db, &other), SQLITE_OK);
	/* BEGIN IMMEDIATE: a second writer is refused before any write. */
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_BUSY);
	sqlite3_close(other);
	assert_int_equal(store_commit(f->fx.st), 0);
}

static void
test_store_exec_returns_error_on_bad_sql(void **state)
{
	struct store_test	*f = *state;
	struct capture		 c;
	char			*out;

	open_store(f);
	capture_begin(&c);
	assert_int_equal(store_exec(f->fx.st, "SELEKT nonsense", "test_bad"),
	    -1);
	assert_int_equal(store_exec(f->fx.st, "SELECT * FROM no_such_table",
	    "test_bad"), -1);
	out = capture_end(&c);
	assert_non_null(strstr(out, "event=store.error what=test_bad"));
	free(out);
	assert_int_equal(store_exec(f->fx.st, "SELECT 1", "test"), 0);
}

static void
test_store_prepare_returns_error_on_bad_sql(void **state)
{
	struct store_test	*f = *state;
	struct capture		 c;
	sqlite3_stmt		*s = (sqlite3_stmt *)f;
	char			*out;

	open_store(f);
	capture_begin(&c);
	assert_int_equal(store_prepare(f->fx.st, "SELECT FROM", &s), -1);
	out = capture_end(&c);
	free(out);
	assert_null(s);
}

static void
test_store_memory_database_opens(void **state)
{
	struct store_test	*f = *state;

	assert_int_equal(store_open(":memory:", &f->fx.st, f->err,
	    sizeof f->err), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 5), 0);
	assert_int_equal(meta_has(f, "a"), 1);
}

static void
test_store_file_sizes_are_the_database_and_its_wal(void **state)
{
	struct store_test	*f = *state;
	struct stat		 sb;
	char			 wal[600];
	int64_t			 db = -1, w = -1;

	assert_int_equal(store_file_sizes(f->fx.db, &db, &w), -1);
	open_store(f);
	assert_int_equal(store_meta_set(f->fx.st, "a", 5), 0);
	assert_int_equal(store_file_sizes(f->fx.db, &db, &w), 0);
	assert_int_equal(stat(f->fx.db, &sb), 0);
	assert_int_equal(db, sb.st_size);
	fixture_path(&f->fx, "asystent.db-wal", wal, sizeof wal);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(w > 0);
	assert_int_equal(w, sb.st_size);
	/* Checkpointed and truncated: an empty WAL. */
	assert_int_equal(store_checkpoint(f->fx.st), 0);
	assert_int_equal(store_file_sizes(f->fx.db, &db, &w), 0);
	assert_int_equal(w, 0);
	assert_true(db > 0);
}

/*
 * What people.c remembers is good while the count stays: it moves with
 * every change that may make a remembered answer wrong, and only then.
 */
static void
test_store_people_gen_moves_with_every_change_to_people(void **state)
{
	struct store_test	*f = *state;
	struct store		*st;
	sqlite3			*db;
	uint64_t		 g;

	open_store(f);
	st = f->fx.st;
	db = store_db(st);
	g = store_people_gen(st);
	assert_int_equal(store_people_gen(st), g);
	/* Other tables are not watched. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_meta_set(st, "a", 1), 0);
	assert_int_equal(store_people_gen(st), g);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_people_gen(st), g);
	/* Each way a row of a people table changes through this connection. */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO import_pending (id) "
	    "VALUES (7)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	assert_int_equal(sqlite3_exec(db, "REPLACE INTO import_pending (id) "
	    "VALUES (7)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	/* Without WHERE, SQLite would empty the table without a row hook. */
	assert_int_equal(sqlite3_exec(db, "DELETE FROM import_pending", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	/* No row changed, nothing moves. */
	assert_int_equal(sqlite3_exec(db, "UPDATE staff SET active = 0 "
	    "WHERE id = 12345", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_people_gen(st), g);
	/* A rollback, to a savepoint or whole, may undo what was read. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_savepoint(st), 0);
	store_rollback_to(st);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	store_rollback(st);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	/* One SQLite makes itself (it does on a full disk) as well. */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_people_gen(st), g);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	/* Another connection's commit, seen outside a transaction... */
	fixture_other_connection(&f->fx, "INSERT INTO meta (key, value) "
	    "VALUES ('b', 1)");
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	assert_int_equal(store_people_gen(st), g);
	/* ... and at the first call in the next write transaction. */
	fixture_other_connection(&f->fx, "INSERT INTO meta (key, value) "
	    "VALUES ('c', 1)");
	assert_int_equal(store_begin(st), 0);
	assert_int_not_equal(store_people_gen(st), g);
	g = store_people_gen(st);
	assert_int_equal(store_people_gen(st), g);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_people_gen(st), g);
}

/* What each store_after() callback was told, in order. */
struct ended {
	int	 calls[8];
	int	 n;
};

static void
note_ended(void *arg, int committed)
{
	struct ended	*e = arg;

	assert_true(e->n < 8);
	e->calls[e->n++] = committed;
}

static int
refuse_commit(void *arg)
{
	(void)arg;
	return -1;
}

/* Told once how its transaction ended: committed, rolled back, failed. */
static void
test_store_after_tells_once_how_the_transaction_ended(void **state)
{
	struct store_test	*f = *state;
	struct ended		 e = { { 0 }, 0 };
	int64_t			 v = 0;
	int			 found, i;

	open_store(f);
	/* Outside a transaction there is nothing to wait for. */
	assert_int_equal(store_after(f->fx.st, note_ended, &e), -1);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_after(f->fx.st, note_ended, &e), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 1), 0);
	/* A savepoint's end is not the transaction's. */
	assert_int_equal(store_savepoint(f->fx.st), 0);
	store_rollback_to(f->fx.st);
	assert_int_equal(e.n, 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.calls[0], 1);
	/* Told once: the next transaction's end is not told again. */
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(e.n, 1);
	/* Rolled back. */
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_after(f->fx.st, note_ended, &e), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 2), 0);
	store_rollback(f->fx.st);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.calls[1], 0);
	/* A commit that fails is a rollback, and told as one. */
	store_set_before_commit(f->fx.st, refuse_commit, NULL);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(store_after(f->fx.st, note_ended, &e), 0);
	assert_int_equal(store_meta_set(f->fx.st, "a", 3), 0);
	assert_int_equal(store_commit(f->fx.st), -1);
	store_set_before_commit(f->fx.st, NULL, NULL);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.calls[2], 0);
	assert_int_equal(store_meta_get(f->fx.st, "a", &v, &found), 0);
	assert_int_equal(v, 1);
	/* A few a transaction, no more; each told. */
	assert_int_equal(store_begin(f->fx.st), 0);
	for (i = 0; store_after(f->fx.st, note_ended, &e) == 0; i++)
		assert_true(i < 8);
	assert_true(i >= 2 && e.n + i <= 8);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(e.n, 3 + i);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_store_creates_file_0600_even_under_umask_0),
		T(test_store_people_gen_moves_with_every_change_to_people),
		T(test_store_after_tells_once_how_the_transaction_ended),
		T(test_store_sets_schema_version),
		T(test_store_first_open_migrates_reopen_does_not),
		T(test_store_reopen_keeps_data),
		T(test_store_refuses_newer_database),
		T(test_store_refuses_file_that_is_not_a_database),
		T(test_store_refuses_missing_directory),
		T(test_store_uses_wal_and_foreign_keys),
		T(test_store_enforces_foreign_keys),
		T(test_store_unsynced_transaction_alone_skips_the_disk),
		T(test_store_log_is_checkpointed_as_it_grows),
		T(test_store_meta_get_set),
		T(test_store_rollback_to_savepoint_discards_only_inner_work),
		T(test_store_rollback_discards_whole_transaction),
		T(test_store_begin_takes_write_lock_at_once),
		T(test_store_exec_returns_error_on_bad_sql),
		T(test_store_prepare_returns_error_on_bad_sql),
		T(test_store_memory_database_opens),
		T(test_store_file_sizes_are_the_database_and_its_wal),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
