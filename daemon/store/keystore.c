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
#include "store.h"
#include "xmalloc.h"

/*
 * Unwrapped keys kept at once, KEYSTORE_WAYS to a set chosen by the
 * family's id; a miss costs a row of the keystore and an open. Larger
 * than the families a centre writes to in a day: a relayed message reads
 * its family's key when it is routed and again when its copy is sent,
 * thousands of messages later under load, and a cache smaller than the
 * families in play then misses every time. The keys live in one locked
 * region (96 bytes each, 96 KiB in all).
 */
#define KEYSTORE_WAYS	4
#define KEYSTORE_SETS	256
#define KEYSTORE_CACHE	(KEYSTORE_WAYS * KEYSTORE_SETS)

struct keystore_slot {
	int64_t		 family_id;	/* 0: empty */
	uint64_t	 used;
};

struct keystore {
	sqlite3			*db;
	const struct keys	*master;
	const struct keys	*prev;		/* while rotating, or NULL */
	sqlite3_stmt		*get, *put, *del, *count;
	int			 pending;	/* a transaction of new keys */
	struct keystore_slot	 cache[KEYSTORE_CACHE];
	struct keys		*keys;		/* the slots' keys */
	uint64_t		 tick;
};

static void	keystore_drop_all(struct keystore *);

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
	if ((ks->keys = crypto_keys_array(KEYSTORE_CACHE)) == NULL) {
		snprintf(err, errlen, "out of locked memory for the keys");
		goto fail;
	}
	store_library_init();
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
keystore_slot_clear(struct keystore *ks, size_t i)
{
	if (ks->cache[i].family_id != 0)
		crypto_keys_array_clear(ks->keys, i);
	memset(&ks->cache[i], 0, sizeof ks->cache[i]);
}

void
keystore_close(struct keystore *ks)
{
	if (ks == NULL)
		return;
	/* A stopped daemon's keystore is one file, to copy as it is. */
	if (ks->db != NULL && keystore_flush(ks) == 0)
		sqlite3_exec(ks->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
		    NULL, NULL);
	if (ks->keys != NULL)
		keystore_drop_all(ks);
	crypto_keys_free(ks->keys);
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

/* The first slot of a family's set; ids are spread by a multiply. */
static size_t
keystore_set(int64_t family_id)
{
	uint64_t	 h = (uint64_t)family_id * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 56) % KEYSTORE_SETS * KEYSTORE_WAYS;
}

/* The slot of a family's cached keys, or -1. */
static ssize_t
keystore_find(struct keystore *ks, int64_t family_id)
{
	size_t	 i, set = keystore_set(family_id);

	for (i = set; i < set + KEYSTORE_WAYS; i++)
		if (ks->cache[i].family_id == family_id)
			return (ssize_t)i;
	return -1;
}

static const struct keys *
keystore_cached(struct keystore *ks, int64_t family_id)
{
	ssize_t	 i;

	if ((i = keystore_find(ks, family_id)) == -1)
		return NULL;
	ks->cache[i].used = ++ks->tick;
	return crypto_keys_array_at(ks->keys, (size_t)i);
}

/* Keeps a family's key in its set, evicting the least recently used. */
static const struct keys *
keystore_keep(struct keystore *ks, int64_t family_id,
    const unsigned char *key)
{
	size_t	 i, set = keystore_set(family_id), sl = set;

	for (i = set + 1; i < set + KEYSTORE_WAYS &&
	    ks->cache[sl].family_id != 0; i++)
		if (ks->cache[i].family_id == 0 ||
		    ks->cache[i].used < ks->cache[sl].used)
			sl = i;
	keystore_slot_clear(ks, sl);
	/* A family's key seals; one of the daemon's own also indexes. */
	crypto_keys_array_set(ks->keys, sl, key,
	    family_id == KEYSTORE_SMS_MO);
	ks->cache[sl].family_id = family_id;
	ks->cache[sl].used = ++ks->tick;
	return crypto_keys_array_at(ks->keys, sl);
}

static void
keystore_drop(struct keystore *ks, int64_t family_id)
{
	ssize_t	 i;

	if ((i = keystore_find(ks, family_id)) != -1)
		keystore_slot_clear(ks, (size_t)i);
}

static void
keystore_drop_all(struct keystore *ks)
{
	size_t	 i;

	for (i = 0; i < KEYSTORE_CACHE; i++)
		keystore_slot_clear(ks, i);
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

/*
 * The stored key unwrapped into *plain (crypto_free_plain()): 1 found, 0
 * none, -1 error (logged).
 */
static int
keystore_load(struct keystore *ks, int64_t family_id, char **plain)
{
	struct crypto_ad	 ad = keystore_ad(family_id);
	size_t			 len = 0;
	int			 rc;

	*plain = NULL;
	sqlite3_bind_int64(ks->get, 1, family_id);
	rc = sqlite3_step(ks->get);
	if (rc == SQLITE_ROW) {
		if (keystore_unwrap(ks, &ad, sqlite3_column_blob(ks->get, 0),
		    (size_t)sqlite3_column_bytes(ks->get, 0), plain, &len,
		    NULL) == -1) {
			log_err("event=keystore.unreadable family_id=%" PRId64,
			    family_id);
			rc = -1;
		} else
			rc = 1;
	} else if (rc == SQLITE_DONE)
		rc = 0;
	else {
		log_err("event=keystore.error what=get error=\"%s\"",
		    sqlite3_errstr(rc));
		rc = -1;
	}
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

/* A new random key, wrapped, in the pending transaction, then cached. */
static const struct keys *
keystore_create(struct keystore *ks, int64_t family_id)
{
	struct crypto_ad	 ad = keystore_ad(family_id);
	const struct keys	*k = NULL;
	unsigned char		*key = NULL, *blob = NULL;
	size_t			 bloblen;
	int			 rc;

	if (keystore_begin(ks) == -1)
		return NULL;
	if ((key = sodium_malloc(CRYPTO_FAMILY_KEY_LEN)) == NULL)
		return NULL;
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
		goto out;
	}
	k = keystore_keep(ks, family_id, key);
	log_info("event=keystore.created family_id=%" PRId64, family_id);
out:
	free(blob);
	sodium_free(key);
	return k;
}

const struct keys *
keystore_family(struct keystore *ks, int64_t family_id, int create)
{
	const struct keys	*c;
	char			*plain;

	if (family_id <= 0)
		return NULL;
	if ((c = keystore_cached(ks, family_id)) != NULL)
		return c;
	switch (keystore_load(ks, family_id, &plain)) {
	case 1:
		c = keystore_keep(ks, family_id, (unsigned char *)plain);
		crypto_free_plain(plain);
		return c;
	case 0:
		return create ? keystore_create(ks, family_id) : NULL;
	}
	return NULL;
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
