/* The keystore: families' keys, wrapped by the master key, in a file of
 * their own that database backups do not copy. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "xmalloc.h"

/* Unwrapped keys kept at once; a miss costs one row and one open. */
#define KEYSTORE_CACHE	64

struct keystore_slot {
	int64_t		 family_id;	/* 0: empty */
	struct keys	*keys;
	uint64_t	 used;
};

struct keystore {
	sqlite3			*db;
	const struct keys	*master;
	const struct keys	*prev;		/* while rotating, or NULL */
	sqlite3_stmt		*get, *put, *del, *count;
	int			 pending;	/* a transaction of new keys */
	struct keystore_slot	 cache[KEYSTORE_CACHE];
	uint64_t		 tick;
};

static const char keystore_schema[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = FULL;"
	"PRAGMA secure_delete = ON;"
	"PRAGMA busy_timeout = 5000;"
	/* wrapped: the key sealed by the master key, bound to its family. */
	"CREATE TABLE IF NOT EXISTS family_keys ("
	"  family_id INTEGER PRIMARY KEY,"
	"  wrapped BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL"
	") STRICT;";

static int
keystore_prepare(struct keystore *ks, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v3(ks->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
	    NULL) == SQLITE_OK)
		return 0;
	log_err("event=keystore.prepare error=\"%s\"", sqlite3_errmsg(ks->db));
	return -1;
}

int
keystore_open(const char *path, const struct keys *master,
    struct keystore **out, char *err, size_t errlen)
{
	struct keystore	*ks;
	char		*msg = NULL;
	int		 fd;

	*out = NULL;
	/* Created 0600 before SQLite opens it, whatever the umask. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	ks = xcalloc(1, sizeof *ks);
	ks->master = master;
	if (sqlite3_open_v2(path, &ks->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, ks->db != NULL ?
		    sqlite3_errmsg(ks->db) : "out of memory");
		goto fail;
	}
	if (sqlite3_exec(ks->db, keystore_schema, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, msg != NULL ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	if (keystore_prepare(ks, "SELECT wrapped FROM family_keys WHERE "
	    "family_id = ?", &ks->get) == -1 ||
	    keystore_prepare(ks, "INSERT INTO family_keys (family_id, "
	    "wrapped, created_at) VALUES (?, ?, ?) ON CONFLICT (family_id) "
	    "DO UPDATE SET wrapped = excluded.wrapped", &ks->put) == -1 ||
	    keystore_prepare(ks, "DELETE FROM family_keys WHERE family_id = ?",
	    &ks->del) == -1 ||
	    keystore_prepare(ks, "SELECT COUNT(*) FROM family_keys",
	    &ks->count) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(ks->db));
		goto fail;
	}
	*out = ks;
	return 0;
fail:
	keystore_close(ks);
	return -1;
}

static void
keystore_slot_clear(struct keystore_slot *sl)
{
	crypto_keys_free(sl->keys);
	memset(sl, 0, sizeof *sl);
}

void
keystore_close(struct keystore *ks)
{
	size_t	 i;

	if (ks == NULL)
		return;
	/* A stopped daemon's keystore is one file, to copy as it is. */
	if (ks->db != NULL && keystore_flush(ks) == 0)
		sqlite3_exec(ks->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
		    NULL, NULL);
	for (i = 0; i < KEYSTORE_CACHE; i++)
		keystore_slot_clear(&ks->cache[i]);
	sqlite3_finalize(ks->get);
	sqlite3_finalize(ks->put);
	sqlite3_finalize(ks->del);
	sqlite3_finalize(ks->count);
	if (ks->db != NULL)
		sqlite3_close(ks->db);
	free(ks);
}

static struct crypto_ad
keystore_ad(int64_t family_id)
{
	struct crypto_ad	 ad = { "family_keys", "key", family_id, 0 };

	return ad;
}

/* The cached keys of a family, or NULL. */
static const struct keys *
keystore_cached(struct keystore *ks, int64_t family_id)
{
	size_t	 i;

	for (i = 0; i < KEYSTORE_CACHE; i++)
		if (ks->cache[i].family_id == family_id) {
			ks->cache[i].used = ++ks->tick;
			return ks->cache[i].keys;
		}
	return NULL;
}

/* Keeps `k` (taken over), evicting the least recently used. */
static const struct keys *
keystore_keep(struct keystore *ks, int64_t family_id, struct keys *k)
{
	struct keystore_slot	*sl = &ks->cache[0];
	size_t			 i;

	for (i = 1; i < KEYSTORE_CACHE && sl->family_id != 0; i++)
		if (ks->cache[i].family_id == 0 ||
		    ks->cache[i].used < sl->used)
			sl = &ks->cache[i];
	keystore_slot_clear(sl);
	sl->family_id = family_id;
	sl->keys = k;
	sl->used = ++ks->tick;
	return k;
}

static void
keystore_drop(struct keystore *ks, int64_t family_id)
{
	size_t	 i;

	for (i = 0; i < KEYSTORE_CACHE; i++)
		if (ks->cache[i].family_id == family_id)
			keystore_slot_clear(&ks->cache[i]);
}

static void
keystore_drop_all(struct keystore *ks)
{
	size_t	 i;

	for (i = 0; i < KEYSTORE_CACHE; i++)
		keystore_slot_clear(&ks->cache[i]);
}

/* A wrapped key opened, by the master or while rotating the previous
 * one (*by_prev 1 then). */
static int
keystore_unwrap(struct keystore *ks, const struct crypto_ad *ad,
    const void *blob, size_t bloblen, char **plain, size_t *len,
    int *by_prev)
{
	if (by_prev != NULL)
		*by_prev = 0;
	if (crypto_open(ks->master, ad, blob, bloblen, plain, len) == 0 &&
	    *len == CRYPTO_FAMILY_KEY_LEN)
		return 0;
	crypto_free_plain(*plain);
	*plain = NULL;
	if (ks->prev == NULL || crypto_open(ks->prev, ad, blob, bloblen,
	    plain, len) == -1 || *len != CRYPTO_FAMILY_KEY_LEN) {
		crypto_free_plain(*plain);
		*plain = NULL;
		return -1;
	}
	if (by_prev != NULL)
		*by_prev = 1;
	return 0;
}

/* A family's key seals; one of the daemon's own also indexes. */
static struct keys *
keystore_keys(int64_t family_id, const unsigned char *key)
{
	if (family_id == KEYSTORE_SMS_MO)
		return crypto_keys_from_master(key);
	return crypto_keys_from_field(key);
}

/* The stored key unwrapped: 1 found, 0 none, -1 error (logged). */
static int
keystore_load(struct keystore *ks, int64_t family_id, struct keys **out)
{
	struct crypto_ad	 ad = keystore_ad(family_id);
	char			*plain = NULL;
	size_t			 len = 0;
	int			 rc;

	*out = NULL;
	sqlite3_bind_int64(ks->get, 1, family_id);
	rc = sqlite3_step(ks->get);
	if (rc == SQLITE_ROW) {
		if (keystore_unwrap(ks, &ad, sqlite3_column_blob(ks->get, 0),
		    (size_t)sqlite3_column_bytes(ks->get, 0), &plain, &len,
		    NULL) == -1) {
			log_err("event=keystore.unreadable family_id=%" PRId64,
			    family_id);
			rc = -1;
		} else if ((*out = keystore_keys(family_id,
		    (unsigned char *)plain)) == NULL)
			rc = -1;
		else
			rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else {
		log_err("event=keystore.error what=get error=\"%s\"",
		    sqlite3_errstr(rc));
		rc = -1;
	}
	crypto_free_plain(plain);
	sqlite3_reset(ks->get);
	sqlite3_clear_bindings(ks->get);
	return rc;
}

/*
 * New keys wait in one transaction, committed by keystore_flush() before
 * the database's commit: one sync for a slice of an import, not one per
 * family.
 */
static int
keystore_begin(struct keystore *ks)
{
	char	*msg = NULL;

	if (ks->pending)
		return 0;
	if (sqlite3_exec(ks->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) !=
	    SQLITE_OK) {
		log_err("event=keystore.error what=begin error=\"%s\"",
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	ks->pending = 1;
	return 0;
}

int
keystore_flush(struct keystore *ks)
{
	char	*msg = NULL;

	if (ks == NULL || !ks->pending)
		return 0;
	if (sqlite3_exec(ks->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
		log_err("event=keystore.error what=commit error=\"%s\"",
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		/* Keys not kept: none of them may be used. */
		sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
		ks->pending = 0;
		keystore_drop_all(ks);
		return -1;
	}
	ks->pending = 0;
	return 0;
}

int
keystore_flush_cb(void *arg)
{
	return keystore_flush(arg);
}

/* A new random key, wrapped, in the pending transaction. */
static int
keystore_create(struct keystore *ks, int64_t family_id, struct keys **out)
{
	struct crypto_ad	 ad = keystore_ad(family_id);
	unsigned char		*key = NULL, *blob = NULL;
	size_t			 bloblen;
	int			 rc = -1;

	*out = NULL;
	if (keystore_begin(ks) == -1)
		return -1;
	if ((key = sodium_malloc(CRYPTO_FAMILY_KEY_LEN)) == NULL)
		return -1;
	randombytes_buf(key, CRYPTO_FAMILY_KEY_LEN);
	if (crypto_seal(ks->master, &ad, key, CRYPTO_FAMILY_KEY_LEN, &blob,
	    &bloblen) == -1)
		goto out;
	sqlite3_bind_int64(ks->put, 1, family_id);
	sqlite3_bind_blob(ks->put, 2, blob, (int)bloblen, SQLITE_STATIC);
	sqlite3_bind_int64(ks->put, 3, (int64_t)time(NULL));
	rc = sqlite3_step(ks->put);
	sqlite3_reset(ks->put);
	sqlite3_clear_bindings(ks->put);
	if (rc != SQLITE_DONE) {
		log_err("event=keystore.error what=put family_id=%" PRId64
		    " error=\"%s\"", family_id, sqlite3_errstr(rc));
		rc = -1;
		goto out;
	}
	if ((*out = keystore_keys(family_id, key)) == NULL) {
		rc = -1;
		goto out;
	}
	log_info("event=keystore.created family_id=%" PRId64, family_id);
	rc = 0;
out:
	free(blob);
	sodium_free(key);
	return rc;
}

const struct keys *
keystore_family(struct keystore *ks, int64_t family_id, int create)
{
	const struct keys	*c;
	struct keys		*k = NULL;
	int			 rc;

	if (family_id <= 0)
		return NULL;
	if ((c = keystore_cached(ks, family_id)) != NULL)
		return c;
	if ((rc = keystore_load(ks, family_id, &k)) == -1)
		return NULL;
	if (rc == 0 && (!create || keystore_create(ks, family_id, &k) == -1))
		return NULL;
	return keystore_keep(ks, family_id, k);
}

const struct keys *
keystore_own(struct keystore *ks, int64_t id)
{
	return keystore_family(ks, id, 1);
}

int
keystore_destroy(struct keystore *ks, int64_t family_id, int *had)
{
	char	*msg = NULL;
	int	 rc;

	if (keystore_flush(ks) == -1)
		return -1;
	keystore_drop(ks, family_id);
	sqlite3_bind_int64(ks->del, 1, family_id);
	rc = sqlite3_step(ks->del);
	sqlite3_reset(ks->del);
	sqlite3_clear_bindings(ks->del);
	if (rc != SQLITE_DONE) {
		log_err("event=keystore.error what=destroy family_id=%" PRId64
		    " error=\"%s\"", family_id, sqlite3_errstr(rc));
		return -1;
	}
	if (had != NULL)
		*had = sqlite3_changes(ks->db) > 0;
	/* The deleted row's page is zeroed (secure_delete) only once the
	 * WAL is written back; truncate the WAL so no frame keeps it. */
	if (sqlite3_exec(ks->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
	    NULL, &msg) != SQLITE_OK) {
		log_err("event=keystore.error what=checkpoint error=\"%s\"",
		    msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	log_notice("event=keystore.destroyed family_id=%" PRId64, family_id);
	return 0;
}

int
keystore_count(struct keystore *ks, int64_t *n)
{
	int	 rc;

	*n = 0;
	rc = sqlite3_step(ks->count);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(ks->count, 0);
	sqlite3_reset(ks->count);
	return rc == SQLITE_ROW ? 0 : -1;
}

void
keystore_set_masters(struct keystore *ks, const struct keys *master,
    const struct keys *prev)
{
	ks->master = master;
	ks->prev = prev;
}

/* One key wrapped by the master again; 1 done, 0 it was, -1 error. */
static int
keystore_rewrap_one(struct keystore *ks, int64_t family_id,
    const void *blob, size_t bloblen)
{
	struct crypto_ad	 ad = keystore_ad(family_id);
	unsigned char		*nblob = NULL;
	char			*plain = NULL;
	size_t			 len = 0, nlen;
	int			 by_prev, rc = -1;

	if (keystore_unwrap(ks, &ad, blob, bloblen, &plain, &len, &by_prev) ==
	    -1) {
		log_err("event=keystore.unreadable family_id=%" PRId64,
		    family_id);
		return -1;
	}
	if (!by_prev) {
		crypto_free_plain(plain);
		return 0;
	}
	if (crypto_seal(ks->master, &ad, plain, len, &nblob, &nlen) == 0) {
		sqlite3_bind_int64(ks->put, 1, family_id);
		sqlite3_bind_blob(ks->put, 2, nblob, (int)nlen, SQLITE_STATIC);
		sqlite3_bind_int64(ks->put, 3, (int64_t)time(NULL));
		rc = sqlite3_step(ks->put) == SQLITE_DONE ? 1 : -1;
		sqlite3_reset(ks->put);
		sqlite3_clear_bindings(ks->put);
	}
	crypto_free_plain(plain);
	free(nblob);
	return rc;
}

int
keystore_rewrap(struct keystore *ks, int64_t *after, int max, int64_t *n,
    int *done)
{
	sqlite3_stmt	*s = NULL;
	int		 rc, x, rows = 0;

	*n = 0;
	*done = 0;
	if (keystore_begin(ks) == -1)
		return -1;
	if (sqlite3_prepare_v2(ks->db, "SELECT family_id, wrapped FROM "
	    "family_keys WHERE family_id > ? ORDER BY family_id LIMIT ?", -1,
	    &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, *after);
	sqlite3_bind_int(s, 2, max);
	rc = 0;
	while (rc == 0 && (x = sqlite3_step(s)) == SQLITE_ROW) {
		rows++;
		*after = sqlite3_column_int64(s, 0);
		switch (keystore_rewrap_one(ks, *after, sqlite3_column_blob(s,
		    1), (size_t)sqlite3_column_bytes(s, 1))) {
		case -1:
			rc = -1;
			break;
		case 1:
			(*n)++;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc == -1 || keystore_flush(ks) == -1)
		return -1;
	*done = rows < max;
	return 0;
}
