/* SQLite store: open, pragmas, forward migrations, transactions. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "pool.h"
#include "store.h"
#include "store_migrations.h"
#include "walbuf.h"
#include "xmalloc.h"

/* At most this many store_after() per transaction. */
#define STORE_AFTER_MAX	4

struct store_after {
	void		(*fn)(void *arg, int committed);
	void		*arg;
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*begin, *commit, *rollback;
	sqlite3_stmt	*savepoint, *release, *rollback_to;
	sqlite3_stmt	*meta_get, *meta_set;
	int		(*before_commit)(void *);
	void		*before_commit_arg;
	uint64_t	 rollbacks;
	uint64_t	 ends;		/* write transactions ended */
	/* store_people_gen(), store_visits_gen(): */
	sqlite3_stmt	*data_version;
	uint64_t	 people_gen;	/* the people tables' rows written */
	uint64_t	 visits_gen;	/* visits' rows written */
	uint64_t	 outside_gen;	/* versions seen, SQLite's rollbacks */
	int		 version;	/* other connections' commits */
	uint64_t	 version_in;	/* ends + 1 when asked holding the
					   write lock; 0: not */
	struct store_after	 after[STORE_AFTER_MAX];
	int		 nafter;
	int		 unsynced;	/* synchronous = NORMAL in effect */
	int		 wal_unsynced;	/* commits not yet on the disk */
};

#define STORE_NMIGRATIONS	store_nmigrations
/* Pages of log that start a checkpoint: SQLite's default. */
#define STORE_WAL_CHECKPOINT	1000

int
store_schema_version(void)
{
	return STORE_NMIGRATIONS;
}

int64_t
store_now_ms(void)
{
	return clock_now_ms();
}

int
store_file_sizes(const char *path, int64_t *db_bytes, int64_t *wal_bytes)
{
	struct stat	 sb;
	char		 wal[4096];

	*db_bytes = *wal_bytes = 0;
	if (stat(path, &sb) == -1)
		return -1;
	*db_bytes = (int64_t)sb.st_size;
	/* Between checkpoints the WAL may come and go. */
	if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) < sizeof wal &&
	    stat(wal, &sb) == 0)
		*wal_bytes = (int64_t)sb.st_size;
	return 0;
}

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out,
	    NULL) != SQLITE_OK) {
		log_err("event=store.prepare error=\"%s\"",
		    sqlite3_errmsg(st->db));
		*out = NULL;
		return -1;
	}
	return 0;
}

int
store_step_done(sqlite3_stmt *stmt, const char *what)
{
	int	 rc;

	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_each_row(struct store *st, const char *sql, const char *arg1,
    int64_t a2, int64_t a3, const char *what, store_row_fn fn, void *arg)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 v[STORE_ROW_MAX];
	int		 rc, n, i, ret = 0;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errmsg(st->db));
		return -1;
	}
	if (arg1 != NULL)
		sqlite3_bind_text(s, 1, arg1, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, a2);
	if (sqlite3_bind_parameter_count(s) >= 3)
		sqlite3_bind_int64(s, 3, a3);
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		n = sqlite3_column_count(s);
		if (n > STORE_ROW_MAX)
			n = STORE_ROW_MAX;
		for (i = 0; i < n; i++)
			v[i] = sqlite3_column_int64(s, i);
		ret = fn != NULL ? fn(v, n, arg) : 0;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_finalize(s);
	return ret;
}

int
store_exec(struct store *st, const char *sql, const char *what)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
store_integrity_check(struct store *st, int max, int *ok,
    void (*fn)(const char *problem, void *arg), void *arg)
{
	sqlite3_stmt		*s = NULL;
	const unsigned char	*r;
	char			 sql[64];
	int			 rc;

	*ok = 0;
	snprintf(sql, sizeof sql, "PRAGMA integrity_check(%d)", max);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_err("event=store.error what=integrity_check error=\"%s\"",
		    sqlite3_errmsg(st->db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((r = sqlite3_column_text(s, 0)) == NULL)
			continue;
		if (strcmp((const char *)r, "ok") == 0)
			*ok = 1;
		else
			fn((const char *)r, arg);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=integrity_check error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_checkpoint(struct store *st)
{
	return store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE)",
	    "wal_checkpoint");
}

/*
 * SQLite reads the safety level when it compiles the PRAGMA and refuses
 * to change it inside a transaction: it is set by a fresh statement, and
 * only between transactions.
 */
static int
store_synced(struct store *st)
{
	if (!st->unsynced)
		return 0;
	if (store_exec(st, "PRAGMA synchronous = FULL", "synchronous") == -1)
		return -1;	/* every transaction tries again */
	st->unsynced = 0;
	return 0;
}

int
store_begin(struct store *st)
{
	if (store_synced(st) == -1)
		return -1;
	return store_step_done(st->begin, "begin");
}

int
store_begin_unsynced(struct store *st)
{
	if (!st->unsynced) {
		if (store_exec(st, "PRAGMA synchronous = NORMAL",
		    "synchronous") == -1)
			return -1;
		st->unsynced = 1;
	}
	if (store_step_done(st->begin, "begin") == -1) {
		(void)store_synced(st);
		return -1;
	}
	return 0;
}

void
store_set_before_commit(struct store *st, int (*fn)(void *arg), void *arg)
{
	st->before_commit = fn;
	st->before_commit_arg = arg;
}

int
store_after(struct store *st, void (*fn)(void *arg, int committed),
    void *arg)
{
	if (sqlite3_get_autocommit(st->db) || st->nafter == STORE_AFTER_MAX)
		return -1;
	st->after[st->nafter].fn = fn;
	st->after[st->nafter].arg = arg;
	st->nafter++;
	return 0;
}

/* The transaction ended: each store_after() is told how, once. */
static void
store_ended(struct store *st, int committed)
{
	struct store_after	 after[STORE_AFTER_MAX];
	int			 i, n = st->nafter;

	/* A callback may begin the next transaction. */
	memcpy(after, st->after, sizeof after);
	st->nafter = 0;
	for (i = 0; i < n; i++)
		after[i].fn(after[i].arg, committed);
}

int
store_commit(struct store *st)
{
	if (st->before_commit != NULL &&
	    st->before_commit(st->before_commit_arg) == -1) {
		store_rollback(st);
		return -1;
	}
	if (store_step_done(st->commit, "commit") == -1) {
		store_rollback(st);
		return -1;
	}
	/* What runs outside a transaction is synced again at once. */
	(void)store_synced(st);
	store_ended(st, 1);
	return 0;
}

int
store_wal_unsynced(const struct store *st)
{
	return st->wal_unsynced;
}

/*
 * A checkpoint flushes the log before it copies it into the database,
 * and the database after: once it copied every frame, nothing committed
 * can be lost. PASSIVE waits for no one (and may copy less).
 */
static int
store_wal_checkpoint(struct store *st, int mode, const char *what)
{
	int	 rc, nlog = 0, ncopied = 0;

	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, mode, &nlog, &ncopied);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		return -1;
	}
	if (rc == SQLITE_OK && ncopied == nlog)
		st->wal_unsynced = 0;
	return 0;
}

/*
 * After each commit that wrote to the log (SQLite's sqlite3_wal_hook(),
 * in place of its own, which checkpoints the same way): whether what it
 * wrote is on the disk, and a checkpoint once the log holds
 * STORE_WAL_CHECKPOINT pages.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store	*st = arg;

	(void)db;
	(void)name;
	/* A synced commit flushes the whole log, older commits too. */
	st->wal_unsynced = st->unsynced;
	if (frames >= STORE_WAL_CHECKPOINT)
		(void)store_wal_checkpoint(st, SQLITE_CHECKPOINT_PASSIVE,
		    "wal_checkpoint");
	return SQLITE_OK;
}

int
store_sync(struct store *st)
{
	if (!st->wal_unsynced)
		return 0;
	if (store_wal_checkpoint(st, SQLITE_CHECKPOINT_PASSIVE, "sync") == -1)
		return -1;
	return st->wal_unsynced;
}

void
store_rollback(struct store *st)
{
	st->rollbacks++;
	if (!sqlite3_get_autocommit(st->db) &&
	    store_step_done(st->rollback, "rollback") == -1) {
		/* Logged; SQLite rolls back on close. */
		store_ended(st, 0);
		return;
	}
	(void)store_synced(st);
	store_ended(st, 0);
}

uint64_t
store_rollbacks(const struct store *st)
{
	return st->rollbacks;
}

uint64_t
store_txn(const struct store *st)
{
	return sqlite3_get_autocommit(st->db) ? 0 : st->ends + 1;
}

/* Every end of a write transaction, however it came (SQLite's hooks). */
static int
store_commit_hook(void *arg)
{
	struct store	*st = arg;

	st->ends++;
	return 0;
}

static void
store_rollback_hook(void *arg)
{
	struct store	*st = arg;

	st->ends++;
	/* SQLite's own too (a full disk): remembered reads may be undone. */
	st->outside_gen++;
}

/*
 * The tables whose values are remembered between messages: the people
 * tables (people.c: who a Telegram account is, where a staff member is
 * reached, a member's name) and visits (whether a family owes a visit
 * its other time). Each row written to them through this connection
 * bumps its group's count (temporary triggers: this connection's alone,
 * and they fire for every way a row changes, a REPLACE or a cascade
 * too); another connection's commit moves PRAGMA data_version, asked
 * once per write transaction (no one else commits while this one holds
 * the lock) and at every call outside one; a rollback, whole or to a
 * savepoint, undoes rows a memo may have read.
 */
static const struct store_watch {
	const char	*table;
	const char	*fn;		/* the SQL function its triggers call */
	size_t		 gen;		/* offsetof the count in struct store */
} store_watched[] = {
	{ "staff", "store_people_changed", offsetof(struct store, people_gen) },
	{ "members", "store_people_changed",
	  offsetof(struct store, people_gen) },
	{ "families", "store_people_changed",
	  offsetof(struct store, people_gen) },
	{ "import_pending", "store_people_changed",
	  offsetof(struct store, people_gen) },
	{ "visits", "store_visits_changed", offsetof(struct store, visits_gen) },
};

static void
store_sql_changed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	uint64_t	*gen = sqlite3_user_data(ctx);

	(void)argc;
	(void)argv;
	(*gen)++;
	sqlite3_result_null(ctx);
}

static int
store_memo_watch(struct store *st)
{
	static const char *const ops[] = { "INSERT", "UPDATE", "DELETE" };
	const struct store_watch	*w;
	char				 sql[256];
	size_t				 t, o;

	for (t = 0; t < sizeof store_watched / sizeof store_watched[0]; t++) {
		w = &store_watched[t];
		if (sqlite3_create_function_v2(st->db, w->fn, 0, SQLITE_UTF8 |
		    SQLITE_DIRECTONLY, (unsigned char *)st + w->gen,
		    store_sql_changed, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
		for (o = 0; o < sizeof ops / sizeof ops[0]; o++) {
			snprintf(sql, sizeof sql, "CREATE TEMP TRIGGER "
			    "memo_gen_%s_%zu AFTER %s ON main.%s BEGIN "
			    "SELECT %s(); END", w->table, o, ops[o], w->table,
			    w->fn);
			if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) !=
			    SQLITE_OK)
				return -1;
		}
	}
	return 0;
}

/* What moves every group's count: other connections, rollbacks. */
static uint64_t
store_outside_gen(struct store *st)
{
	int	 held, v;

	held = sqlite3_txn_state(st->db, NULL) == SQLITE_TXN_WRITE;
	if (!held || st->version_in != st->ends + 1) {
		if (sqlite3_step(st->data_version) == SQLITE_ROW) {
			v = sqlite3_column_int(st->data_version, 0);
			if (v != st->version) {
				st->version = v;
				st->outside_gen++;
			}
			st->version_in = held ? st->ends + 1 : 0;
		} else {
			/* Unknown: nothing remembered is trusted. */
			log_err("event=store.error what=data_version "
			    "error=\"%s\"", sqlite3_errmsg(st->db));
			st->outside_gen++;
			st->version_in = 0;
		}
		sqlite3_reset(st->data_version);
	}
	return st->outside_gen + st->rollbacks;
}

uint64_t
store_people_gen(struct store *st)
{
	return store_outside_gen(st) + st->people_gen;
}

uint64_t
store_visits_gen(struct store *st)
{
	return store_outside_gen(st) + st->visits_gen;
}

void
store_col_copy(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char	*v = sqlite3_column_text(s, col);
	size_t			 n;

	if (size == 0)
		return;
	/* Cut to the buffer as snprintf() would, at a fraction of its cost. */
	n = v != NULL ? strnlen((const char *)v, size - 1) : 0;
	memcpy(buf, v != NULL ? (const char *)v : "", n);
	buf[n] = '\0';
}

int
store_savepoint(struct store *st)
{
	return store_step_done(st->savepoint, "savepoint");
}

int
store_release(struct store *st)
{
	return store_step_done(st->release, "release");
}

void
store_rollback_to(struct store *st)
{
	/* Failures are logged; the outer transaction's rollback remains. */
	st->rollbacks++;
	if (store_step_done(st->rollback_to, "rollback_to") == 0 &&
	    store_step_done(st->release, "release") == 0)
		return;
}

int
store_meta_get(struct store *st, const char *key, int64_t *value, int *found)
{
	int	 rc;

	sqlite3_bind_text(st->meta_get, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->meta_get);
	*found = rc == SQLITE_ROW;
	if (*found)
		*value = sqlite3_column_int64(st->meta_get, 0);
	sqlite3_reset(st->meta_get);
	sqlite3_clear_bindings(st->meta_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=meta_get error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
store_meta_set(struct store *st, const char *key, int64_t value)
{
	sqlite3_bind_text(st->meta_set, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->meta_set, 2, value);
	return store_step_done(st->meta_set, "meta_set");
}

int
store_max_id(struct store *st, const char *table, int64_t *out)
{
	sqlite3_stmt	*s = NULL;
	char		*sql;
	int		 rc = -1;

	sql = sqlite3_mprintf("SELECT COALESCE(MAX(id), 0) FROM \"%w\"",
	    table);
	if (sql != NULL && sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = 0;
	} else
		log_err("event=store.error what=max_id error=\"%s\"",
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return rc;
}

static int
store_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* All pending migrations in one transaction: all or none apply. */
static int
store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	char	*msg = NULL, pragma[64];
	int	 version, v = 0;

	if (store_user_version(db, &version) == -1) {
		snprintf(err, errlen, "cannot read schema version: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (version > STORE_NMIGRATIONS) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this asystentd (%d); refusing to open it", version,
		    STORE_NMIGRATIONS);
		return -1;
	}
	if (version == STORE_NMIGRATIONS)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	for (v = version; v < STORE_NMIGRATIONS; v++) {
		if (sqlite3_exec(db, store_migrations[v], NULL, NULL, &msg) !=
		    SQLITE_OK)
			goto fail;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d",
	    STORE_NMIGRATIONS);
	if (sqlite3_exec(db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail;
	log_notice("event=store.migrated from=%d to=%d", version,
	    STORE_NMIGRATIONS);
	return 0;
fail:
	snprintf(err, errlen, "migration to version %d failed: %s", v + 1,
	    msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Creates the file 0600 before SQLite opens it, whatever the umask. */
/*
 * A missing file is a new database. An existing empty one is not: it is
 * what a truncated or half-restored database looks like, and opening it
 * would silently start a new, empty register.
 */
static int
store_create_file(const char *path, char *err, size_t errlen)
{
	int	 fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
store_refuse_empty(const char *path, char *err, size_t errlen)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1 || sb.st_size != 0)
		return 0;
	snprintf(err, errlen, "%s is empty (0 bytes): a truncated or "
	    "half-restored database? Restore the backup; to start a new, "
	    "empty database instead, remove the file", path);
	return -1;
}

/* PRAGMA quick_check: "ok", or the first problem in `err`. */
static int
store_quick_check(struct store *st, const char *path, char *err,
    size_t errlen)
{
	sqlite3_stmt		*s = NULL;
	const unsigned char	*r;
	int			 rc = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &s, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: damaged, not a database that opens "
		    "(%s); restore the backup", path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (sqlite3_step(s) == SQLITE_ROW && (r = sqlite3_column_text(s, 0)) !=
	    NULL && strcmp((const char *)r, "ok") == 0)
		rc = 0;
	else
		snprintf(err, errlen, "%s: damaged (quick_check: %.120s); "
		    "restore the backup", path, sqlite3_column_text(s, 0) !=
		    NULL ? (const char *)sqlite3_column_text(s, 0) :
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	return rc;
}

static const char store_pragmas[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"PRAGMA foreign_keys = ON;"
	"PRAGMA secure_delete = ON;"
	"PRAGMA busy_timeout = 5000;"
	/*
	 * 8 MiB of pages instead of SQLite's 2: with a backlog the outbox's
	 * and inbound's indexes outgrow 2 MiB, and every pass read its pages
	 * back from the file. Only a busy database fills it.
	 */
	"PRAGMA cache_size = -8192;"
	/*
	 * The savepoint of each routed message journals the pages it
	 * changes; past 64 KiB SQLite spilled that journal to a temporary
	 * file, a pwrite per page mid-transaction. It is only for rolling
	 * back to the savepoint, never read after a crash: memory does.
	 */
	"PRAGMA temp_store = MEMORY;"
	/* After a checkpoint the WAL shrinks back: a burst (or a full
	 * disk) does not keep its size for good. */
	"PRAGMA journal_size_limit = 4194304;";

static int
store_prepare_common(struct store *st)
{
	if (store_prepare(st, "BEGIN IMMEDIATE", &st->begin) == -1 ||
	    store_prepare(st, "COMMIT", &st->commit) == -1 ||
	    store_prepare(st, "ROLLBACK", &st->rollback) == -1 ||
	    store_prepare(st, "SAVEPOINT h", &st->savepoint) == -1 ||
	    store_prepare(st, "RELEASE h", &st->release) == -1 ||
	    store_prepare(st, "ROLLBACK TO h", &st->rollback_to) == -1 ||
	    store_prepare(st, "SELECT value FROM meta WHERE key = ?",
	    &st->meta_get) == -1 ||
	    store_prepare(st, "PRAGMA data_version", &st->data_version) ==
	    -1 ||
	    store_prepare(st, "INSERT INTO meta (key, value) VALUES (?, ?) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    &st->meta_set) == -1)
		return -1;
	return 0;
}

/*
 * Every handled row is a savepoint whose journal SQLite frees on release.
 * glibc gave that memory back to the kernel each time (the heap's top
 * shrank past 128 KiB) and faulted it in again for the next row: a brk,
 * a TLB flush on every core and page faults per message, about a fifth of
 * the daemon's CPU while relaying. Keeping a few MiB at the top costs
 * that much memory at most, once.
 */
static void
store_malloc_keep(void)
{
	/* An allocator that replaces glibc's (a sanitizer's) refuses it:
	 * slower then, nothing worse. */
	if (mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024) != 1 ||
	    mallopt(M_TOP_PAD, 1024 * 1024) != 1)
		log_debug("event=store.mallopt_refused");
}

/* SQLite's memory from the pool, in place of the lookaside (pool.h). */
static void *
store_pool_alloc(int n)
{
	return n >= 0 ? pool_alloc((size_t)n) : NULL;
}

static void *
store_pool_resize(void *p, int n)
{
	return n >= 0 ? pool_resize(p, (size_t)n) : NULL;
}

static int
store_pool_size(void *p)
{
	return (int)pool_size(p);
}

static int
store_pool_round(int n)
{
	return n >= 0 ? (int)pool_round((size_t)n) : n;
}

static int
store_pool_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
store_pool_shutdown(void *arg)
{
	(void)arg;
}

static const sqlite3_mem_methods store_pool = {
	store_pool_alloc, pool_free, store_pool_resize, store_pool_size,
	store_pool_round, store_pool_init, store_pool_shutdown, NULL
};

/*
 * SQLite's default (serialized) takes a mutex in every call and around
 * every allocation, and counts each allocation in its statistics, which
 * nothing here reads: 8 % of the instructions of a relayed message.
 * The event loop is the only thread that uses SQLite.
 */
void
store_library_init(void)
{
	static int	 done;

	if (done)
		return;
	done = 1;
	if (sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
		log_debug("event=store.config_refused");
		return;
	}
	/* The pool takes no lock: only with one thread (include/pool.h). */
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &store_pool) != SQLITE_OK)
		log_debug("event=store.pool_refused");
}

int
store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store	*st;
	const char	*vfs;
	char		*msg = NULL;

	*out = NULL;
	store_library_init();
	store_malloc_keep();
	if (strcmp(path, ":memory:") != 0 &&
	    (store_refuse_empty(path, err, errlen) == -1 ||
	    store_create_file(path, err, errlen) == -1))
		return -1;
	st = xcalloc(1, sizeof *st);
	/*
	 * Through walbuf a commit's log frames are one write, not two per
	 * page (include/walbuf.h). Only out of memory keeps it from being
	 * registered, and then SQLite's own VFS does the same, slower.
	 */
	if ((vfs = walbuf_register() == 0 ? WALBUF_VFS : NULL) == NULL)
		log_warn("event=store.walbuf_unavailable");
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, vfs) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_exec(st->db, store_pragmas, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s; if it is damaged, restore the "
		    "backup", path, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	sqlite3_wal_hook(st->db, store_wal_hook, st);
	sqlite3_commit_hook(st->db, store_commit_hook, st);
	sqlite3_rollback_hook(st->db, store_rollback_hook, st);
	if (store_quick_check(st, path, err, errlen) == -1)
		goto fail;
	if (store_migrate(st->db, err, errlen) == -1)
		goto fail;
	if (store_prepare_common(st) == -1 || store_memo_watch(st) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	sqlite3_finalize(st->rollback);
	sqlite3_finalize(st->savepoint);
	sqlite3_finalize(st->release);
	sqlite3_finalize(st->rollback_to);
	sqlite3_finalize(st->meta_get);
	sqlite3_finalize(st->meta_set);
	sqlite3_finalize(st->data_version);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_err("event=store.close error=\"%s\"",
		    sqlite3_errmsg(st->db));
	free(st);
}

/* ---- online backup --------------------------------------------------- */

struct store_backup {
	sqlite3		*dst;
	sqlite3_backup	*b;
};

int
store_backup_begin(struct store *st, const char *path,
    struct store_backup **out, char *err, size_t errlen)
{
	struct store_backup	*sb;

	*out = NULL;
	sb = xcalloc(1, sizeof *sb);
	if (sqlite3_open_v2(path, &sb->dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sb->dst != NULL ?
		    sqlite3_errmsg(sb->dst) : "out of memory");
		goto fail;
	}
	if ((sb->b = sqlite3_backup_init(sb->dst, "main", store_db(st),
	    "main")) == NULL) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sb->dst));
		goto fail;
	}
	*out = sb;
	return 0;
fail:
	store_backup_free(sb);
	return -1;
}

int
store_backup_step(struct store_backup *sb, int pages, int *remaining,
    int *total, char *err, size_t errlen)
{
	int	 rc;

	rc = sqlite3_backup_step(sb->b, pages);
	*remaining = sqlite3_backup_remaining(sb->b);
	*total = sqlite3_backup_pagecount(sb->b);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 0;
	snprintf(err, errlen, "%s", sqlite3_errstr(rc));
	return -1;
}

int
store_backup_finish(struct store_backup *sb, char *err, size_t errlen)
{
	int	 rc;

	rc = sqlite3_backup_finish(sb->b);
	sb->b = NULL;
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errstr(rc));
		return -1;
	}
	if (sqlite3_close(sb->dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(sb->dst));
		return -1;
	}
	sb->dst = NULL;
	return 0;
}

void
store_backup_free(struct store_backup *sb)
{
	if (sb == NULL)
		return;
	if (sb->b != NULL)
		sqlite3_backup_finish(sb->b);
	if (sb->dst != NULL)
		sqlite3_close(sb->dst);
	free(sb);
}
