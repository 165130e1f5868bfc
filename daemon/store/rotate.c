/*
 * Rotating the master key in slices while serving. Like reseal.c and
 * store_migrations.c, a place whose SQL reads every owner's sealed and
 * indexed columns: the owners' own statements are made for one key.
 * What an index is made of is the owner's to say (people_index_*(),
 * outbox_payload_chat_key()), and so is anything else a rotation changes
 * in its tables (outbox_rekey_unsent(), people_invite_rotated()).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>
#include <sqlite3.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "rotate.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

#define ROTATE_RETRY_MS	60000
#define ROTATE_MAXCOLS	4

enum rotate_index {
	ROTATE_IX_NONE,
	ROTATE_IX_TG,		/* tg_idx of tg_user_id (staff, members) */
	ROTATE_IX_MEMBER,	/* that, and phone_idx of phone */
	ROTATE_IX_OUTBOX,	/* chat_key of the payload's recipient */
	ROTATE_IX_INVITE	/* code_hash of the sealed code */
};

/* Every table with values sealed or indexed under the master's keys. */
static const struct rotate_table {
	const char		*table;
	const char		*cols[ROTATE_MAXCOLS + 1];
	enum rotate_index	 index;
} rotate_tables[] = {
	{ "key_check", { "value", NULL }, ROTATE_IX_NONE },
	{ "staff", { "name", "tg_user_id", "tg_chat_id", NULL },
	  ROTATE_IX_TG },
	{ "families", { "name", "notes", NULL }, ROTATE_IX_NONE },
	{ "members", { "name", "phone", "tg_user_id", "tg_chat_id", NULL },
	  ROTATE_IX_MEMBER },
	{ "messages", { "body", NULL }, ROTATE_IX_NONE },
	{ "visits", { "place", "note", "reason", "answer_text", NULL },
	  ROTATE_IX_NONE },
	{ "events", { "place", "note", NULL }, ROTATE_IX_NONE },
	{ "inbound", { "payload", NULL }, ROTATE_IX_NONE },
	{ "outbox", { "payload", NULL }, ROTATE_IX_OUTBOX },
	{ "invitations", { "code", NULL }, ROTATE_IX_INVITE },
};
#define ROTATE_NTABLES	((int)(sizeof rotate_tables / sizeof rotate_tables[0]))
/* Step 0 is the keystore, 1..NTABLES the tables, then the end. */
#define ROTATE_FINISH	(ROTATE_NTABLES + 1)

struct rotate {
	struct event_base	*base;
	struct store		*st;
	struct keystore		*ks;
	struct people		*people;
	struct outbox		*ob;
	struct keys		*keys;
	struct keys		*prev;		/* NULL: not rotating */
	char			*path;		/* NULL: not ours to rotate */
	int			 slice;
	struct event		*ev;
	int			 step;
	int64_t			 after;
	int64_t			 rows;
	int64_t			 started_at;
};

/* The directory of `path` synced, so a rename or a new file stays. */
static void
rotate_sync_dir(const char *path)
{
	char	 buf[PATH_MAX];
	int	 fd;

	if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf)
		return;
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return;
	if (fsync(fd) == -1)
		log_warn("event=key.dir_sync_failed errno=%d", errno);
	close(fd);
}

static void
rotate_new_path(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.new", path);
}

int
rotate_load(const char *path, struct keys **keys, struct keys **prev,
    char *err, size_t errlen)
{
	struct stat	 sb;
	char		 newp[PATH_MAX];

	*keys = *prev = NULL;
	rotate_new_path(path, newp, sizeof newp);
	if (stat(newp, &sb) == -1)
		return crypto_keys_load(path, keys, err, errlen);
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		/* Killed between the two renames that end a rotation. */
		if (rename(newp, path) == -1) {
			snprintf(err, errlen, "%s: cannot rename to %s: %s",
			    newp, path, strerror(errno));
			return -1;
		}
		rotate_sync_dir(path);
		log_notice("event=key.rotation_renamed");
		return crypto_keys_load(path, keys, err, errlen);
	}
	if (crypto_keys_load(newp, keys, err, errlen) == -1)
		return -1;
	if (crypto_keys_load(path, prev, err, errlen) == -1) {
		crypto_keys_free(*keys);
		*keys = NULL;
		return -1;
	}
	return 0;
}

static void
rotate_arm(struct rotate *r, int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	evtimer_add(r->ev, &tv);
}

/* Where it stands, in the caller's transaction. */
static int
rotate_note(struct rotate *r)
{
	if (store_meta_set(r->st, "rotate.step", r->step) == -1 ||
	    store_meta_set(r->st, "rotate.after", r->after) == -1 ||
	    store_meta_set(r->st, "rotate.rows", r->rows) == -1 ||
	    store_meta_set(r->st, "rotate.started", r->started_at) == -1)
		return -1;
	return 0;
}

static int
rotate_note_tx(struct rotate *r)
{
	if (store_begin(r->st) == -1)
		return -1;
	if (rotate_note(r) == -1) {
		store_rollback(r->st);
		return -1;
	}
	return store_commit(r->st);
}

static int
rotate_read(struct rotate *r)
{
	int64_t	 v;
	int	 found;

	r->step = 0;
	r->after = r->rows = 0;
	r->started_at = (int64_t)time(NULL);
	if (store_meta_get(r->st, "rotate.step", &v, &found) == -1)
		return -1;
	if (!found || v < 0)
		return 0;
	r->step = (int)v;
	if (store_meta_get(r->st, "rotate.after", &r->after, &found) == -1 ||
	    store_meta_get(r->st, "rotate.rows", &r->rows, &found) == -1 ||
	    store_meta_get(r->st, "rotate.started", &r->started_at, &found) ==
	    -1)
		return -1;
	return 0;
}

/* ---- the steps ------------------------------------------------------- */

static int
rotate_keystore_slice(struct rotate *r)
{
	int64_t	 n;
	int	 done;

	if (keystore_rewrap(r->ks, &r->after, r->slice, &n, &done) == -1)
		return -1;
	r->rows += n;
	if (done) {
		r->step = 1;
		r->after = 0;
	}
	return rotate_note_tx(r);
}

static int
rotate_exec(struct rotate *r, const char *sql, const struct rotate_table *t,
    const char *column, int64_t id, const void *v, size_t len)
{
	sqlite3_stmt	*u = NULL;
	int		 rc = -1;

	if (store_prepare(r->st, sql, &u) == -1)
		return -1;
	if (column != NULL) {
		if (seal_bind(r->keys, u, 1, t->table, column, id, v, len) ==
		    -1)
			goto out;
	} else if (v != NULL)
		sqlite3_bind_blob(u, 1, v, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 2, id);
	rc = store_step_done(u, "rotate");
out:
	sqlite3_finalize(u);
	return rc;
}

/* "UPDATE t SET col = ?1 WHERE id = ?2" run with a value or a blob. */
static int
rotate_set(struct rotate *r, const struct rotate_table *t, const char *col,
    int sealed, int64_t id, const void *v, size_t len)
{
	char	*sql;
	int	 rc;

	if ((sql = sqlite3_mprintf("UPDATE \"%w\" SET \"%w\" = ?1 WHERE "
	    "id = ?2", t->table, col)) == NULL)
		return -1;
	rc = rotate_exec(r, sql, t, sealed ? col : NULL, id, v, len);
	sqlite3_free(sql);
	return rc;
}

/*
 * A value under the master key sealed again under the new one; a
 * family's value stays as it is (its key was wrapped again).
 */
static int
rotate_value(struct rotate *r, sqlite3_stmt *s, int col,
    const struct rotate_table *t, const char *column, int64_t id,
    char **plain, size_t *len)
{
	struct crypto_ad	 ad = { t->table, column, id, 0 };
	const unsigned char	*blob;
	char			*probe = NULL;
	size_t			 bloblen;
	int			 fresh;

	*plain = NULL;
	*len = 0;
	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return 0;
	blob = sqlite3_column_blob(s, col);
	bloblen = (size_t)sqlite3_column_bytes(s, col);
	/* Told by seal_open(); such a value is nobody's to read. */
	if (seal_open(r->keys, s, col, t->table, column, id, plain, len) ==
	    -1 || *plain == NULL)
		return 0;
	if (seal_blob_family(blob, bloblen) != 0)
		return 0;
	fresh = crypto_open(r->keys, &ad, blob, bloblen, &probe, NULL) == 0;
	crypto_free_plain(probe);
	if (fresh)
		return 0;
	if (rotate_set(r, t, column, 1, id, *plain, *len) == -1)
		return -1;
	r->rows++;
	return 0;
}

/* The blind indexes of a row, with the new keys. */
static int
rotate_index(struct rotate *r, const struct rotate_table *t, sqlite3_stmt *s,
    int64_t id, char *const *plain)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN], hash[CRYPTO_HASH_LEN];
	const char	*tg = NULL, *phone = NULL;
	int		 rc = 0;

	switch (t->index) {
	case ROTATE_IX_NONE:
		return 0;
	case ROTATE_IX_INVITE:
		/* A used code, or one made before codes were kept, has none. */
		if (plain[0] == NULL)
			return 0;
		crypto_token_hash(r->keys, plain[0], hash);
		return rotate_set(r, t, "code_hash", 0, id, hash, sizeof hash);
	case ROTATE_IX_OUTBOX:
		outbox_payload_chat_key(r->ob, r->keys, (const char *)
		    sqlite3_column_text(s, 2), plain[0], idx);
		rc = rotate_set(r, t, "chat_key", 0, id, idx, sizeof idx);
		/* A receipt's key matters only while it waits. */
		if (rc == 0 && sqlite3_column_int(s, 3) != OUTBOX_QUEUED)
			rc = rotate_set(r, t, "receipt_key", 0, id, NULL, 0);
		return rc;
	case ROTATE_IX_MEMBER:
		phone = plain[1];
		tg = plain[2];
		break;
	case ROTATE_IX_TG:
		tg = plain[1];
		break;
	}
	if (tg != NULL) {
		people_index_tg(r->keys, strtoll(tg, NULL, 10), idx);
		rc = rotate_set(r, t, "tg_idx", 0, id, idx, sizeof idx);
	}
	if (rc == 0 && phone != NULL) {
		people_index_phone(r->keys, phone, idx);
		rc = rotate_set(r, t, "phone_idx", 0, id, idx, sizeof idx);
	}
	return rc;
}

static int
rotate_row(struct rotate *r, const struct rotate_table *t, sqlite3_stmt *s,
    int64_t id)
{
	char	*plain[ROTATE_MAXCOLS] = { NULL };
	size_t	 len;
	int	 i, rc = 0;

	for (i = 0; t->cols[i] != NULL && rc == 0; i++)
		rc = rotate_value(r, s, 1 + i, t, t->cols[i], id, &plain[i],
		    &len);
	if (rc == 0)
		rc = rotate_index(r, t, s, id, plain);
	for (i = 0; i < ROTATE_MAXCOLS; i++)
		crypto_free_plain(plain[i]);
	return rc;
}

/* One slice of a table, one transaction with where it stands. */
static int
rotate_table_slice(struct rotate *r, const struct rotate_table *t)
{
	sqlite3_stmt	*s = NULL;
	char		*sql = NULL, *cols = NULL, *tmp;
	int		 i, n = 0, x, rc = -1;

	cols = xstrdup("id");
	for (i = 0; t->cols[i] != NULL; i++) {
		tmp = xasprintf("%s, %s", cols, t->cols[i]);
		free(cols);
		cols = tmp;
	}
	if (t->index == ROTATE_IX_OUTBOX) {
		tmp = xasprintf("%s, method, state", cols);
		free(cols);
		cols = tmp;
	}
	if (store_begin(r->st) == -1) {
		free(cols);
		return -1;
	}
	if ((sql = sqlite3_mprintf("SELECT %s FROM \"%w\" WHERE id > ?1 "
	    "ORDER BY id LIMIT ?2", cols, t->table)) == NULL ||
	    store_prepare(r->st, sql, &s) == -1)
		goto out;
	sqlite3_bind_int64(s, 1, r->after);
	sqlite3_bind_int(s, 2, r->slice);
	while ((x = sqlite3_step(s)) == SQLITE_ROW) {
		r->after = sqlite3_column_int64(s, 0);
		n++;
		if (rotate_row(r, t, s, r->after) == -1)
			goto out;
	}
	if (x != SQLITE_DONE)
		goto out;
	if (n < r->slice) {
		r->step++;
		r->after = 0;
	}
	if (rotate_note(r) == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_free(sql);
	free(cols);
	if (rc == -1) {
		store_rollback(r->st);
		return -1;
	}
	return store_commit(r->st);
}

/*
 * The last row is done: what cannot be made again under the new keys
 * goes (people_invite_rotated()); then the old key file is retired.
 */
static int
rotate_finish(struct rotate *r)
{
	char	 newp[PATH_MAX], old[PATH_MAX];

	if (store_begin(r->st) == -1)
		return -1;
	if (people_invite_rotated(r->people, r->started_at) != PEOPLE_OK ||
	    store_commit(r->st) == -1) {
		store_rollback(r->st);
		return -1;
	}
	rotate_new_path(r->path, newp, sizeof newp);
	snprintf(old, sizeof old, "%s.retired-%lld", r->path,
	    (long long)time(NULL));
	if (rename(r->path, old) == -1 || rename(newp, r->path) == -1) {
		log_err("event=key.retire_failed errno=%d", errno);
		return -1;
	}
	rotate_sync_dir(r->path);
	seal_set_previous(NULL);
	keystore_set_masters(r->ks, r->keys, NULL);
	crypto_keys_free(r->prev);
	r->prev = NULL;
	log_notice("event=key.rotated rows=%" PRId64 " s=%lld", r->rows,
	    (long long)(time(NULL) - r->started_at));
	r->step = -1;
	if (rotate_note_tx(r) == -1)
		log_warn("event=key.rotation_note_failed");
	return 0;
}

static void
rotate_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rotate	*r = arg;
	int		 rc;

	(void)fd;
	(void)what;
	if (r->prev == NULL)
		return;
	if (r->step == 0)
		rc = rotate_keystore_slice(r);
	else if (r->step >= 1 && r->step <= ROTATE_NTABLES)
		rc = rotate_table_slice(r, &rotate_tables[r->step - 1]);
	else
		rc = rotate_finish(r);
	if (rc == -1) {
		log_err("event=key.rotation_slice_failed step=%d retry_ms=%d",
		    r->step, ROTATE_RETRY_MS);
		/* Where it stood is in memory and, committed, on disk. */
		if (rotate_read(r) == -1)
			log_err("event=key.rotation_read_failed");
		rotate_arm(r, ROTATE_RETRY_MS);
		return;
	}
	if (r->prev != NULL)
		rotate_arm(r, 0);
}

/* ---- the object ------------------------------------------------------ */

/*
 * A rotation noted as running while only one key file is left: it was
 * killed after rotate_finish() renamed the files (or rotate_load() did
 * the second rename) and before it noted its end. The new key is the
 * only one, every row is done: the rotation is over; say so.
 */
static int
rotate_ended_unnoted(struct rotate *r)
{
	int64_t	 v;
	int	 found;

	if (store_meta_get(r->st, "rotate.step", &v, &found) == -1)
		return -1;
	if (!found || v < 0)
		return 0;
	if (rotate_read(r) == -1)
		return -1;
	log_notice("event=key.rotated rows=%" PRId64 " s=%lld noted=start",
	    r->rows, (long long)(time(NULL) - r->started_at));
	r->step = -1;
	return rotate_note_tx(r);
}

struct rotate *
rotate_new(struct event_base *base, struct store *st, struct keystore *ks,
    struct people *people, struct outbox *ob, struct keys *keys,
    struct keys *prev, const char *path, int slice)
{
	struct rotate	*r;

	r = xcalloc(1, sizeof *r);
	r->base = base;
	r->st = st;
	r->ks = ks;
	r->people = people;
	r->ob = ob;
	r->keys = keys;
	r->prev = prev;
	r->path = path != NULL ? xstrdup(path) : NULL;
	r->slice = slice > 0 ? slice : 1;
	r->step = -1;
	if ((r->ev = evtimer_new(base, rotate_cb, r)) == NULL) {
		rotate_free(r);
		return NULL;
	}
	if (prev == NULL) {
		if (rotate_ended_unnoted(r) == -1) {
			rotate_free(r);
			return NULL;
		}
		return r;
	}
	if (rotate_read(r) == -1) {
		rotate_free(r);
		return NULL;
	}
	log_notice("event=key.rotation_resumed step=%d", r->step);
	rotate_arm(r, 0);
	return r;
}

void
rotate_free(struct rotate *r)
{
	if (r == NULL)
		return;
	if (r->ev != NULL)
		event_free(r->ev);
	/* The previous keys are the store's and keystore's till the end. */
	seal_set_previous(NULL);
	if (r->ks != NULL)
		keystore_set_masters(r->ks, r->keys, NULL);
	crypto_keys_free(r->prev);
	free(r->path);
	free(r);
}

int
rotate_start(struct rotate *r, char *err, size_t errlen)
{
	struct keys	*nk = NULL, *prev = NULL;
	char		 newp[PATH_MAX];
	int64_t		 rekeyed = 0;

	if (r->prev != NULL)
		return ROTATE_RUNNING;
	if (r->path == NULL) {
		snprintf(err, errlen, "the master key is a systemd credential "
		    "(LoadCredential=), which the daemon cannot replace: move "
		    "the key to [daemon] key_file, in a directory of the "
		    "daemon's user, and drop LoadCredential= from the unit "
		    "(doc/operations.md, \"Rotating the master key\")");
		return ROTATE_NOT_HERE;
	}
	rotate_new_path(r->path, newp, sizeof newp);
	if (crypto_generate_key(newp) == -1) {
		snprintf(err, errlen, "cannot write %s: the key file's "
		    "directory must be the daemon's user's, and writable "
		    "under systemd (ReadWritePaths=)", newp);
		return ROTATE_NOT_HERE;
	}
	rotate_sync_dir(newp);
	if (crypto_keys_load(newp, &nk, err, errlen) == -1 ||
	    (prev = crypto_keys_dup(r->keys)) == NULL)
		goto fail;
	r->step = 0;
	r->after = r->rows = 0;
	r->started_at = (int64_t)time(NULL);
	/*
	 * The rows not sent take the new chat keys with the start, so a
	 * chat's messages queued before and after it stay one queue.
	 */
	if (store_begin(r->st) == -1) {
		snprintf(err, errlen, "storage error");
		goto fail;
	}
	if (outbox_rekey_unsent(r->ob, nk, &rekeyed) == -1 ||
	    rotate_note(r) == -1 || store_commit(r->st) == -1) {
		store_rollback(r->st);
		outbox_rekey_settle(r->ob, 0);
		snprintf(err, errlen, "storage error");
		goto fail;
	}
	outbox_rekey_settle(r->ob, 1);
	/* From here on everything new is under the new key. */
	crypto_keys_replace(r->keys, nk);
	crypto_keys_free(nk);
	r->prev = prev;
	seal_set_previous(prev);
	keystore_set_masters(r->ks, r->keys, prev);
	log_notice("event=key.rotation_started outbox_rekeyed=%" PRId64,
	    rekeyed);
	rotate_arm(r, 0);
	return ROTATE_OK;
fail:
	crypto_keys_free(nk);
	crypto_keys_free(prev);
	unlink(newp);
	r->step = -1;
	return ROTATE_ERR;
}

void
rotate_progress(const struct rotate *r, struct rotate_progress *p)
{
	memset(p, 0, sizeof *p);
	p->steps = ROTATE_FINISH + 1;
	if (r == NULL || r->prev == NULL)
		return;
	p->running = 1;
	p->steps_done = r->step;
	p->step = r->step == 0 ? "keystore" : r->step <= ROTATE_NTABLES ?
	    rotate_tables[r->step - 1].table : "finish";
	p->rows = r->rows;
	p->started_at = r->started_at;
}
