/*
 * The SQLite store: the single source of truth and the queue. One
 * connection, WAL, foreign keys on, synchronous=FULL (but for
 * store_begin_unsynced()); the schema is
 * versioned by PRAGMA user_version and migrated forward at open.
 * Modules prepare their statements once through store_prepare() and
 * finalize them themselves before store_close().
 */
#ifndef ASYSTENT_STORE_H
#define ASYSTENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

/*
 * Sets SQLite up for this process before its first use: the daemon uses
 * it from one thread only, so without any mutex, and keeps no memory
 * statistics. Run by store_open() and keystore_open(); called after
 * SQLite has started it changes nothing.
 */
void	store_library_init(void);

/*
 * Opens or creates `path` (created 0600), sets the pragmas and runs the
 * migrations in one transaction. A database newer than this program is
 * refused. On error a one-line reason is written to err.
 */
int	store_open(const char *path, struct store **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
void	store_close(struct store *st);

/* The schema version this program writes. */
int	store_schema_version(void);
sqlite3	*store_db(struct store *st);

/* Prepares `sql` (persistent); logs and returns -1 on error. */
int	store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
	    __attribute__((warn_unused_result));

/*
 * Transactions. store_begin() takes the write lock at once (BEGIN
 * IMMEDIATE). Savepoints nest inside, one per handled message.
 */
int	store_begin(struct store *st) __attribute__((warn_unused_result));
int	store_commit(struct store *st) __attribute__((warn_unused_result));
/*
 * A transaction whose loss at a power cut only makes work be done again
 * (outcomes of sends: the sends go again, at least once). Its commit does
 * not wait for the disk (synchronous = NORMAL for it alone): a crash of
 * the process loses nothing of it, as the write-ahead log is in the
 * kernel's cache, and the next synced commit flushes it with its own.
 * Every other transaction, and every statement outside one, is synced.
 * Whoever uses it bounds how long its commits may stay off the disk, with
 * store_sync().
 */
int	store_begin_unsynced(struct store *st)
	    __attribute__((warn_unused_result));
/* 1 while a commit of such a transaction may not be on the disk yet. */
int	store_wal_unsynced(const struct store *st);
/*
 * Puts every commit on the disk (a checkpoint): 0 once there (or nothing
 * to do), 1 when a reader kept the checkpoint from the newest ones (try
 * again later), -1 on error.
 */
int	store_sync(struct store *st) __attribute__((warn_unused_result));
void	store_rollback(struct store *st);
int	store_savepoint(struct store *st) __attribute__((warn_unused_result));
/*
 * `fn` runs before every store_commit(); when it fails, the transaction
 * is rolled back and the commit fails. What another file must make
 * durable first (the families' keys, keystore.h) goes there.
 */
void	store_set_before_commit(struct store *st, int (*fn)(void *arg),
	    void *arg);
/*
 * `fn` runs once when the transaction under way ends: committed 1 after
 * store_commit() succeeded, 0 when it was rolled back (store_rollback(),
 * a failed commit included). What is kept in memory until a write is
 * durable is let go there. -1 outside a transaction, or past the few a
 * transaction takes.
 */
int	store_after(struct store *st, void (*fn)(void *arg, int committed),
	    void *arg) __attribute__((warn_unused_result));
int	store_release(struct store *st) __attribute__((warn_unused_result));
void	store_rollback_to(struct store *st);
/*
 * How many rollbacks (whole or to a savepoint) were asked for so far:
 * what is kept in memory about written rows is stale when it changed.
 */
uint64_t store_rollbacks(const struct store *st);

/*
 * The transaction under way, as a number no other transaction of this
 * connection has; 0 outside one.
 */
uint64_t store_txn(const struct store *st);

/*
 * A count that moves whenever what the people tables (staff, members,
 * families, import_pending) say may have changed: a row of them written
 * through this connection, a commit by another connection, a rollback.
 * A value read from them is good to use again while it stays the same
 * (people.c's memos).
 */
uint64_t store_people_gen(struct store *st);
/* The same for the visits table (visits.c's memo). */
uint64_t store_visits_gen(struct store *st);

/* A text column into buf, cut to fit; NULL reads "". */
void	store_col_copy(sqlite3_stmt *s, int col, char *buf, size_t size);

/* Runs a statement that returns no rows; logs errors with `what`. */
/*
 * PRAGMA integrity_check, the thorough one (slow on a large database: on
 * demand only). Calls fn for each problem found, at most `max`; *ok is 1
 * when there is none. -1 when the check could not run.
 */
int	store_integrity_check(struct store *st, int max, int *ok,
	    void (*fn)(const char *problem, void *arg), void *arg)
	    __attribute__((warn_unused_result));

/*
 * Moves the WAL into the database and truncates it (outside any
 * transaction): after a full disk the WAL may have grown to fill it.
 */
int	store_checkpoint(struct store *st) __attribute__((warn_unused_result));
int	store_exec(struct store *st, const char *sql, const char *what)
	    __attribute__((warn_unused_result));
/*
 * Steps a prepared statement that returns no rows and resets it; logs
 * errors with `what`.
 */
int	store_step_done(sqlite3_stmt *stmt, const char *what)
	    __attribute__((warn_unused_result));

/*
 * The largest id in `table` (0 when empty). Modules that seal a row's
 * fields with its id allocate ids themselves from here on: this process
 * is the only writer, and one INSERT is cheaper than INSERT then UPDATE.
 * `table` is one of ours, never outside input.
 */
int	store_max_id(struct store *st, const char *table, int64_t *out)
	    __attribute__((warn_unused_result));

/* Small key/value settings (the Telegram offset). */
int	store_meta_get(struct store *st, const char *key, int64_t *value,
	    int *found) __attribute__((warn_unused_result));
int	store_meta_set(struct store *st, const char *key, int64_t value)
	    __attribute__((warn_unused_result));

/* Wall-clock milliseconds since the epoch. */
int64_t	store_now_ms(void);

/*
 * The rows of `sql`, prepared for this call (reports and exports are
 * rare: their statements stay out of the prepared sets), with ?1 bound
 * to the text `arg1` (a JSON array, say; NULL binds null) and ?2, ?3 to
 * the integers a2, a3. Each row's first STORE_ROW_MAX columns go to fn
 * as integers (NULL is 0); fn returns 0, or -1 to stop, which is then
 * what store_each_row() returns. fn may be NULL (an UPDATE, a DELETE).
 * -1 on storage errors, logged with `what`.
 */
#define STORE_ROW_MAX	8
typedef int	(*store_row_fn)(const int64_t *v, int n, void *arg);
int	store_each_row(struct store *st, const char *sql, const char *arg1,
	    int64_t a2, int64_t a3, const char *what, store_row_fn fn,
	    void *arg) __attribute__((warn_unused_result));

/*
 * The sizes in bytes of the database file `path` and of its WAL (0 when
 * there is none). -1 when the database itself cannot be stat()ed.
 */
int	store_file_sizes(const char *path, int64_t *db_bytes,
	    int64_t *wal_bytes) __attribute__((warn_unused_result));

/*
 * An online copy through SQLite's backup API, in steps: begin writes to
 * `path` (a new file), each step copies `pages` pages and returns 1 when
 * the copy is complete, 0 when there is more, -1 on error (err says
 * why). Changes made meanwhile through the store's own connection are
 * carried into the copy, so it is consistent as of the last step.
 * finish closes the copy (synced); free drops an unfinished one and
 * takes NULL.
 */
struct store_backup;
int	store_backup_begin(struct store *st, const char *path,
	    struct store_backup **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
int	store_backup_step(struct store_backup *sb, int pages, int *remaining,
	    int *total, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
int	store_backup_finish(struct store_backup *sb, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	store_backup_free(struct store_backup *sb);

#endif
