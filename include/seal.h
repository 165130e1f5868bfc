/*
 * Sealed columns: how a personal value goes into a statement and comes
 * out of a row. Each value is sealed bound to its table, column and row
 * (crypto.h), so a blob copied elsewhere does not open. Every owner of a
 * table seals and opens through here, so a value that fails to open is
 * reported the same way, by table, column and row, wherever it is read.
 */
#ifndef ASYSTENT_SEAL_H
#define ASYSTENT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct keys;
struct keystore;

/*
 * A value of a family is sealed under the family's own key (keystore.h),
 * so erasing the family destroys it everywhere; its blob says which
 * family. seal_open() tells the two kinds apart by themselves: readers
 * need not know whose value they read.
 *
 * The keystore the family values use (NULL: none, as in unit tests of
 * modules that do not care; their family values are then sealed under
 * the master's field key). Set once at start, before anything is sealed.
 */
void	seal_set_keystore(struct keystore *ks);
/*
 * While the master key is rotated: the previous keys, which values not
 * sealed again yet open with (NULL: none). seal_previous() says which.
 */
void	seal_set_previous(const struct keys *prev);
const struct keys *seal_previous(void);

/*
 * Binds to parameter `idx` of `s` the sealed form of `len` bytes of
 * `plain`, bound to (table, column, row); `plain` NULL binds NULL. The
 * statement keeps its own copy of the blob.
 */
int	seal_bind(const struct keys *k, sqlite3_stmt *s, int idx,
	    const char *table, const char *column, int64_t row,
	    const void *plain, size_t len) __attribute__((warn_unused_result));
/* The same for a string; NULL binds NULL. */
int	seal_bind_str(const struct keys *k, sqlite3_stmt *s, int idx,
	    const char *table, const char *column, int64_t row,
	    const char *plain) __attribute__((warn_unused_result));

/*
 * The same for a value of the family `family` (0: of no family, sealed
 * as by seal_bind()). The family's key is made and kept on first use.
 */
int	seal_bind_fam(const struct keys *k, int64_t family, sqlite3_stmt *s,
	    int idx, const char *table, const char *column, int64_t row,
	    const void *plain, size_t len) __attribute__((warn_unused_result));
int	seal_bind_str_fam(const struct keys *k, int64_t family,
	    sqlite3_stmt *s, int idx, const char *table, const char *column,
	    int64_t row, const char *plain) __attribute__((warn_unused_result));

/*
 * The family a sealed blob belongs to: 0 for a value under the master's
 * field key (or no blob).
 */
int64_t	seal_blob_family(const unsigned char *blob, size_t len);

/*
 * Opens column `col` of the current row of `s`, sealed for (table,
 * column, row). *plain is NULL when the column holds no blob (NULL, or
 * purged), else a new NUL-terminated string of *len bytes (`len` may be
 * NULL); free it with crypto_free_plain(), which wipes it. A value that
 * does not open is logged here and returns -1 with *plain NULL.
 */
int	seal_open(const struct keys *k, sqlite3_stmt *s, int col,
	    const char *table, const char *column, int64_t row, char **plain,
	    size_t *len) __attribute__((warn_unused_result));
/* The same for a sealed value read before: `bloblen` bytes at `blob`. */
int	seal_open_blob(const struct keys *k, const unsigned char *blob,
	    size_t bloblen, const char *table, const char *column, int64_t row,
	    char **plain, size_t *len) __attribute__((warn_unused_result));
/*
 * A sealed decimal integer (Telegram ids): *v is 0 when the column holds
 * no blob. A value that does not open or is not a number returns -1.
 */
int	seal_open_int(const struct keys *k, sqlite3_stmt *s, int col,
	    const char *table, const char *column, int64_t row, int64_t *v)
	    __attribute__((warn_unused_result));

#endif
