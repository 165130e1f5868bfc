/*
 * Unit tests for daemon/store/walbuf.c: a commit's log frames written
 * together, and nothing a commit wrote ever missing from the files: for
 * another connection, after a crash of the process, after a write error.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "walbuf.h"
#include "unit/fixture.h"

#define ROW_BYTES	1000

struct wb_test {
	struct fixture	 fx;
	sqlite3		*w;		/* through walbuf */
	sqlite3		*r;		/* the default VFS, as other processes */
};

static int
teardown(void **state)
{
	struct wb_test	*t = *state;
	int		 rc;

	sqlite3_close(t->w);
	sqlite3_close(t->r);
	rc = fixture_teardown(&t->fx);
	free(t);
	return rc;
}

static void
exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

static sqlite3 *
open_db(const char *path, const char *vfs)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, vfs) != SQLITE_OK)
		fail_msg("open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_extended_result_codes(db, 1);
	return db;
}

static int64_t
count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void
assert_intact(sqlite3 *db)
{
	sqlite3_stmt	*s;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

/* Rows `first` .. `first + n - 1`, each ROW_BYTES of its own bytes. */
static int
insert_rows(sqlite3 *db, int first, int n)
{
	sqlite3_stmt	*s;
	unsigned char	 blob[ROW_BYTES];
	int		 i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO t (id, v) VALUES (?, ?)", -1,
	    &s, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	for (i = first; i < first + n && rc == SQLITE_OK; i++) {
		memset(blob, i & 0xff, sizeof blob);
		sqlite3_bind_int(s, 1, i);
		sqlite3_bind_blob(s, 2, blob, sizeof blob, SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK :
		    sqlite3_errcode(db);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return rc;
}

static int
setup(void **state)
{
	struct wb_test	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return -1;
	if (fixture_setup(&t->fx, "walbuf", 0) == -1 ||
	    walbuf_register() == -1) {
		free(t);
		return -1;
	}
	t->w = open_db(t->fx.db, WALBUF_VFS);
	exec(t->w, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	    "PRAGMA wal_autocheckpoint = 0;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB NOT NULL);"
	    "CREATE INDEX t_v ON t (v);");
	t->r = open_db(t->fx.db, NULL);
	*state = t;
	return 0;
}

/*
 * Five rows committed and the log emptied (so a rollback reads nothing
 * back from it), then a transaction open whose frames are all held: a
 * row too large for the few pages of cache, written out as it grows.
 */
static void
begin_held_transaction(struct wb_test *t)
{
	struct walbuf_stats	 s;

	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 0, 5), SQLITE_OK);
	exec(t->w, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
	exec(t->w, "PRAGMA cache_size = 8; BEGIN;"
	    "INSERT INTO t (id, v) VALUES (1000, randomblob(200000))");
	walbuf_stats(&s);
	assert_true(s.held > 100000);
}

/* Files may not grow past `limit` bytes until disk_back(): a full disk. */
static void
disk_full(struct rlimit *was, rlim_t limit)
{
	struct rlimit	 lim;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, was), 0);
	lim = *was;
	lim.rlim_cur = limit;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void
disk_back(const struct rlimit *was)
{
	assert_int_equal(setrlimit(RLIMIT_FSIZE, was), 0);
	signal(SIGXFSZ, SIG_DFL);
}

static void
test_walbuf_commit_is_one_write_and_seen_by_other_connections(void **state)
{
	struct wb_test		*t = *state;
	struct walbuf_stats	 a, b;
	int			 i;

	for (i = 0; i < 30; i++) {
		walbuf_stats(&a);
		exec(t->w, "BEGIN");
		assert_int_equal(insert_rows(t->w, i * 20, 20), SQLITE_OK);
		exec(t->w, "COMMIT");
		walbuf_stats(&b);
		/* Nothing of it is held once COMMIT returns... */
		assert_int_equal(b.held, 0);
		/* ...and another connection reads all of it at once. */
		assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t"),
		    (i + 1) * 20);
		/*
		 * 20 rows of 1 KB in a table and an index: over ten pages,
		 * two writes each before; now the run, in chunks under
		 * 128 KiB.
		 */
		assert_true(b.appends - a.appends >= 20);
		assert_true(b.writes - a.writes <= 2);
		assert_int_equal(b.passed - a.passed, 0);
	}
	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t WHERE "
	    "length(v) = 1000"), 600);
	assert_intact(t->r);
}

/*
 * Copies the database and its log as they are in the files now (what a
 * crash of the process leaves: the kernel keeps what was written) to
 * name-copy and name-copy-wal.
 */
static void
copy_files(struct wb_test *t, char *copy, size_t len)
{
	const char	*suffix[] = { "", "-wal" };
	char		 from[600], to[600];
	char		 buf[65536];
	ssize_t		 n;
	int		 i, in, out;

	snprintf(copy, len, "%s-copy", t->fx.db);
	for (i = 0; i < 2; i++) {
		snprintf(from, sizeof from, "%s%s", t->fx.db, suffix[i]);
		snprintf(to, sizeof to, "%s%s", copy, suffix[i]);
		assert_true((in = open(from, O_RDONLY)) >= 0);
		assert_true((out = open(to, O_WRONLY | O_CREAT | O_TRUNC,
		    0600)) >= 0);
		while ((n = read(in, buf, sizeof buf)) > 0)
			assert_int_equal(write(out, buf, (size_t)n), n);
		assert_int_equal(n, 0);
		close(in);
		close(out);
	}
}

static void
test_walbuf_files_left_by_a_crash_hold_every_commit(void **state)
{
	struct wb_test		*t = *state;
	struct walbuf_stats	 s;
	char			 copy[600];
	sqlite3			*c;

	/*
	 * A cache of a few pages: long transactions write pages to the log
	 * before they commit, and a page written there is changed again
	 * (SQLite overwrites that frame and rewrites the checksums after
	 * it at the commit).
	 */
	exec(t->w, "PRAGMA cache_size = 8");
	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 0, 10), SQLITE_OK);
	exec(t->w, "COMMIT");
	exec(t->w, "BEGIN; UPDATE t SET v = zeroblob(1000) WHERE id = 1");
	assert_int_equal(insert_rows(t->w, 100, 300), SQLITE_OK);
	exec(t->w, "UPDATE t SET v = randomblob(1000) WHERE id = 1;"
	    "UPDATE t SET v = zeroblob(999) WHERE id = 2; COMMIT");
	/* Written to the log, then rolled back: frames written over. */
	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 1000, 300), SQLITE_OK);
	exec(t->w, "ROLLBACK; BEGIN");
	assert_int_equal(insert_rows(t->w, 2000, 50), SQLITE_OK);
	exec(t->w, "COMMIT");
	walbuf_stats(&s);
	assert_true(s.passed > 0);	/* the rewrites went through */
	assert_int_equal(s.held, 0);

	copy_files(t, copy, sizeof copy);
	c = open_db(copy, NULL);
	assert_int_equal(count(c, "SELECT COUNT(*) FROM t"), 360);
	assert_int_equal(count(c, "SELECT COUNT(*) FROM t WHERE id >= 1000 "
	    "AND id < 2000"), 0);
	assert_int_equal(count(c, "SELECT length(v) FROM t WHERE id = 2"),
	    999);
	assert_int_equal(count(c, "SELECT v = zeroblob(1000) FROM t "
	    "WHERE id = 1"), 0);
	assert_intact(c);
	sqlite3_close(c);
}

static void
test_walbuf_rolled_back_frames_never_overwrite_another_writer(void **state)
{
	struct wb_test		*t = *state;
	struct walbuf_stats	 s;
	sqlite3			*b;

	/* Two writers: this connection and another one through walbuf. */
	b = open_db(t->fx.db, WALBUF_VFS);
	exec(b, "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0");
	/* Frames written for a transaction that is then rolled back. */
	begin_held_transaction(t);
	exec(t->w, "ROLLBACK");
	/* Held no longer than the transaction. */
	walbuf_stats(&s);
	assert_int_equal(s.held, 0);
	/* The other writer's commit goes where those frames were. */
	exec(b, "BEGIN");
	assert_int_equal(insert_rows(b, 100, 40), SQLITE_OK);
	exec(b, "COMMIT");
	/* This connection reads and writes again. */
	assert_int_equal(count(t->w, "SELECT COUNT(*) FROM t"), 45);
	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 200, 5), SQLITE_OK);
	exec(t->w, "COMMIT");
	sqlite3_close(b);
	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t"), 50);
	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t WHERE id >= 100 "
	    "AND id < 140"), 40);
	assert_intact(t->r);
}

static void
test_walbuf_process_killed_loses_no_commit(void **state)
{
	struct wb_test	*t = *state;
	char		 sql[160];
	int		 fd[2], i, status, last = -1;
	pid_t		 pid;
	FILE		*in;
	sqlite3		*w;

	sqlite3_close(t->w);
	t->w = NULL;
	assert_int_equal(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		close(fd[0]);
		w = open_db(t->fx.db, WALBUF_VFS);
		exec(w, "PRAGMA synchronous = NORMAL;"
		    "PRAGMA wal_autocheckpoint = 100");
		/* Each id is told once its commit returned, never before. */
		for (i = 0;; i++) {
			if (sqlite3_exec(w, "BEGIN", NULL, NULL, NULL) !=
			    SQLITE_OK || insert_rows(w, i * 5, 5) != SQLITE_OK
			    || sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) !=
			    SQLITE_OK)
				_exit(1);
			if (write(fd[1], &i, sizeof i) != sizeof i)
				_exit(1);
		}
	}
	assert_true(pid > 0);
	close(fd[1]);
	assert_non_null(in = fdopen(fd[0], "r"));
	while (last < 200 && fread(&i, sizeof i, 1, in) == 1)
		last = i;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	/* What was told between the read above and the kill. */
	while (fread(&i, sizeof i, 1, in) == 1)
		last = i;
	fclose(in);
	assert_true(last >= 200);
	/* Every row told is there. */
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM t WHERE id < %d",
	    (last + 1) * 5);
	assert_int_equal(count(t->r, sql), (last + 1) * 5);
	assert_intact(t->r);
}

static void
test_walbuf_write_error_fails_that_commit_only(void **state)
{
	struct wb_test	*t = *state;
	struct rlimit	 was;
	struct stat	 sb;
	char		 wal[600];
	int		 rc;

	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 0, 10), SQLITE_OK);
	exec(t->w, "COMMIT");
	snprintf(wal, sizeof wal, "%s-wal", t->fx.db);
	assert_int_equal(stat(wal, &sb), 0);

	/* The log may not grow by the 500 KB the next commit writes. */
	disk_full(&was, (rlim_t)sb.st_size + 64 * 1024);
	exec(t->w, "BEGIN");
	rc = insert_rows(t->w, 100, 500);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(t->w, "COMMIT", NULL, NULL, NULL);
	disk_back(&was);
	assert_int_not_equal(rc, SQLITE_OK);
	if (!sqlite3_get_autocommit(t->w))
		exec(t->w, "ROLLBACK");

	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t"), 10);
	assert_int_equal(count(t->w, "SELECT COUNT(*) FROM t"), 10);
	/* The next commit goes as if nothing happened. */
	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 100, 20), SQLITE_OK);
	exec(t->w, "COMMIT");
	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t"), 30);
	assert_intact(t->r);
}

static void
test_walbuf_rollback_on_a_full_disk_costs_the_next_commit_nothing(void **state)
{
	struct wb_test		*t = *state;
	struct walbuf_stats	 s;
	struct rlimit		 was;

	begin_held_transaction(t);
	/* The disk full now: what the rollback left is not even written. */
	disk_full(&was, 4096);
	exec(t->w, "ROLLBACK");
	disk_back(&was);
	walbuf_stats(&s);
	assert_int_equal(s.held, 0);
	exec(t->w, "BEGIN");
	assert_int_equal(insert_rows(t->w, 100, 5), SQLITE_OK);
	exec(t->w, "COMMIT");
	assert_int_equal(count(t->r, "SELECT COUNT(*) FROM t"), 10);
	assert_intact(t->r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_walbuf_commit_is_one_write_and_seen_by_other_connections,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_walbuf_files_left_by_a_crash_hold_every_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_walbuf_rolled_back_frames_never_overwrite_another_writer,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_walbuf_process_killed_loses_no_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_walbuf_write_error_fails_that_commit_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_walbuf_rollback_on_a_full_disk_costs_the_next_commit_nothing,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
