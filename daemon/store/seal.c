/* Sealed columns: binding and opening every personal value of the store. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "seal.h"

int
seal_bind(const struct keys *k, sqlite3_stmt *s, int idx, const char *table,
    const char *column, int64_t row, const void *plain, size_t len)
{
	struct crypto_ad	 ad = { table, column, row };
	unsigned char		*blob = NULL;
	size_t			 bloblen;
	int			 rc;

	if (plain == NULL) {
		sqlite3_bind_null(s, idx);
		return 0;
	}
	if (crypto_seal(k, &ad, plain, len, &blob, &bloblen) == -1)
		return -1;
	rc = sqlite3_bind_blob(s, idx, blob, (int)bloblen, SQLITE_TRANSIENT);
	free(blob);
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
	return seal_bind(k, s, idx, table, column, row, plain,
	    plain != NULL ? strlen(plain) : 0);
}

int
seal_open(const struct keys *k, sqlite3_stmt *s, int col, const char *table,
    const char *column, int64_t row, char **plain, size_t *len)
{
	struct crypto_ad	 ad = { table, column, row };

	*plain = NULL;
	if (len != NULL)
		*len = 0;
	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return 0;
	if (crypto_open(k, &ad, sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col), plain, len) == -1) {
		log_err("event=store.unreadable table=%s column=%s id=%" PRId64,
		    table, column, row);
		return -1;
	}
	return 0;
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
