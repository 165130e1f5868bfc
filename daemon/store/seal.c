/* Sealed columns: binding and opening every personal value of the store. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "seal.h"
#include "xmalloc.h"

/*
 * A family's value: SEAL_FAM_MAGIC, the family (8 bytes, little endian),
 * then the sealed value as crypto.h makes it, under the family's key and
 * with the family in its associated data. A value under the master key
 * is the bare sealed value, whose first bytes (its random nonce) may
 * match the magic by chance: such a blob fails to open as a family's
 * and is then opened as the master's.
 */
#define SEAL_FAM_MAGIC0	0xf1
#define SEAL_FAM_MAGIC1	0x4b
#define SEAL_FAM_HDR	10

static struct keystore	*seal_ks;
static const struct keys *seal_prev;

void
seal_set_keystore(struct keystore *ks)
{
	seal_ks = ks;
}

void
seal_set_previous(const struct keys *prev)
{
	seal_prev = prev;
}

const struct keys *
seal_previous(void)
{
	return seal_prev;
}

int64_t
seal_blob_family(const unsigned char *blob, size_t len)
{
	uint64_t	 f = 0;
	int		 i;

	if (blob == NULL || len < SEAL_FAM_HDR + CRYPTO_OVERHEAD ||
	    blob[0] != SEAL_FAM_MAGIC0 || blob[1] != SEAL_FAM_MAGIC1)
		return 0;
	for (i = 0; i < 8; i++)
		f |= (uint64_t)blob[2 + i] << (8 * i);
	return (int64_t)f > 0 ? (int64_t)f : 0;
}

/* The family's sealed blob with its header; -1 without its key. */
static int
seal_fam(sqlite3_stmt *s, int64_t family, const struct crypto_ad *ad,
    const void *plain, size_t len, unsigned char **blob, size_t *bloblen)
{
	const struct keys	*fk;
	unsigned char		*out;
	uint64_t		 f = (uint64_t)family;
	int			 i;

	if ((fk = keystore_family(seal_ks, family, 1)) == NULL) {
		log_err("event=store.no_family_key table=%s column=%s id=%"
		    PRId64 " family_id=%" PRId64, ad->table, ad->column,
		    ad->row, family);
		return -1;
	}
	/* Sealed after the room for the header: no second buffer. */
	if (crypto_seal_after(fk, ad, plain, len, SEAL_FAM_HDR, &out,
	    bloblen) == -1)
		return -1;
	/* A write outside a transaction commits at once: its key first. */
	if (sqlite3_get_autocommit(sqlite3_db_handle(s)) &&
	    keystore_flush(seal_ks) == -1) {
		free(out);
		return -1;
	}
	out[0] = SEAL_FAM_MAGIC0;
	out[1] = SEAL_FAM_MAGIC1;
	for (i = 0; i < 8; i++)
		out[2 + i] = (unsigned char)(f >> (8 * i));
	*blob = out;
	return 0;
}

int
seal_bind(const struct keys *k, sqlite3_stmt *s, int idx, const char *table,
    const char *column, int64_t row, const void *plain, size_t len)
{
	return seal_bind_fam(k, 0, s, idx, table, column, row, plain, len);
}

int
seal_bind_fam(const struct keys *k, int64_t family, sqlite3_stmt *s, int idx,
    const char *table, const char *column, int64_t row, const void *plain,
    size_t len)
{
	struct crypto_ad	 ad = { table, column, row, 0 };
	unsigned char		*blob = NULL;
	size_t			 bloblen;
	int			 rc;

	if (plain == NULL) {
		sqlite3_bind_null(s, idx);
		return 0;
	}
	if (family > 0 && seal_ks != NULL) {
		ad.family = family;
		if (seal_fam(s, family, &ad, plain, len, &blob, &bloblen) ==
		    -1)
			return -1;
	} else if (crypto_seal(k, &ad, plain, len, &blob, &bloblen) == -1)
		return -1;
	/* Handed over, not copied: SQLite frees it, even on failure. */
	if (bloblen > INT_MAX) {
		free(blob);
		log_err("event=store.error what=seal_bind table=%s column=%s "
		    "error=\"too large\"", table, column);
		return -1;
	}
	rc = sqlite3_bind_blob(s, idx, blob, (int)bloblen, free);
	if (rc != SQLITE_OK) {
		log_err("event=store.error what=seal_bind table=%s column=%s "
		    "error=\"%s\"", table, column, sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int
seal_bind_str(const struct keys *k, sqlite3_stmt *s, int idx,
    const char *table, const char *column, int64_t row, const char *plain)
{
	return seal_bind_fam(k, 0, s, idx, table, column, row, plain,
	    plain != NULL ? strlen(plain) : 0);
}

int
seal_bind_str_fam(const struct keys *k, int64_t family, sqlite3_stmt *s,
    int idx, const char *table, const char *column, int64_t row,
    const char *plain)
{
	return seal_bind_fam(k, family, s, idx, table, column, row, plain,
	    plain != NULL ? strlen(plain) : 0);
}

/*
 * A family's blob under its key: 0 opened, -1 not (not its), 1 its key
 * is gone: the family was erased (this is a copy from before).
 */
static int
seal_open_fam(const struct crypto_ad *ad, const unsigned char *blob,
    size_t len, char **plain, size_t *plainlen)
{
	struct crypto_ad	 fad = *ad;
	const struct keys	*fk;

	if ((fad.family = seal_blob_family(blob, len)) == 0 ||
	    seal_ks == NULL)
		return -1;
	if ((fk = keystore_family(seal_ks, fad.family, 0)) == NULL)
		return 1;
	return crypto_open(fk, &fad, blob + SEAL_FAM_HDR, len - SEAL_FAM_HDR,
	    plain, plainlen);
}

int
seal_open(const struct keys *k, sqlite3_stmt *s, int col, const char *table,
    const char *column, int64_t row, char **plain, size_t *len)
{
	*plain = NULL;
	if (len != NULL)
		*len = 0;
	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return 0;
	return seal_open_blob(k, sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col), table, column, row, plain,
	    len);
}

int
seal_open_blob(const struct keys *k, const unsigned char *blob,
    size_t bloblen, const char *table, const char *column, int64_t row,
    char **plain, size_t *len)
{
	struct crypto_ad	 ad = { table, column, row, 0 };
	int			 rc;

	*plain = NULL;
	if (len != NULL)
		*len = 0;
	if ((rc = seal_open_fam(&ad, blob, bloblen, plain, len)) == 0)
		return 0;
	if (crypto_open(k, &ad, blob, bloblen, plain, len) == 0)
		return 0;
	if (seal_prev != NULL && crypto_open(seal_prev, &ad, blob, bloblen,
	    plain, len) == 0)
		return 0;
	/*
	 * The key of an erased family: its values read as none, as in the
	 * database it was erased from (a restored older copy).
	 */
	if (rc == 1) {
		log_warn("event=store.key_gone table=%s column=%s id=%" PRId64
		    " family_id=%" PRId64, table, column, row,
		    seal_blob_family(blob, bloblen));
		return 0;
	}
	log_err("event=store.unreadable table=%s column=%s id=%" PRId64,
	    table, column, row);
	return -1;
}

int
seal_open_int(const struct keys *k, sqlite3_stmt *s, int col,
    const char *table, const char *column, int64_t row, int64_t *v)
{
	char		*plain = NULL, *end;
	long long	 n;
	int		 rc = -1;

	*v = 0;
	if (seal_open(k, s, col, table, column, row, &plain, NULL) == -1)
		return -1;
	if (plain == NULL)
		return 0;
	errno = 0;
	n = strtoll(plain, &end, 10);
	if (*plain != '\0' && *end == '\0' && errno == 0) {
		*v = n;
		rc = 0;
	} else
		log_err("event=store.not_a_number table=%s column=%s id=%"
		    PRId64, table, column, row);
	crypto_free_plain(plain);
	return rc;
}
