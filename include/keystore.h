/*
 * The keystore: each family's own key, wrapped (sealed) by the master
 * key, in a small SQLite file of its own beside the database. A family's
 * personal values are sealed under its key (seal.h), so destroying the
 * key erases them wherever a copy of the database lies, old backups
 * included: the keystore is never part of a database backup.
 *
 * A key is committed to the file before the first value is sealed with
 * it (the two files do not commit together, so the order of the writes
 * is what keeps a value from being sealed under a key that is not kept).
 * Unwrapped keys stay in a small cache of locked sodium memory, wiped
 * when they leave it.
 */
#ifndef ASYSTENT_KEYSTORE_H
#define ASYSTENT_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

struct keys;
struct keystore;

/*
 * Opens or creates `path` (0600, WAL). `master` unwraps the keys and is
 * read during every call: it must outlive the keystore. On error a
 * one-line reason naming the path is written to err.
 */
int	keystore_open(const char *path, const struct keys *master,
	    struct keystore **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	keystore_close(struct keystore *ks);

/*
 * The family's key as keys for crypto_seal()/crypto_open() (owned by the
 * keystore: valid until the next call). With `create`, a family without
 * one gets a new random key, committed before it is returned. NULL when
 * there is none (an erased family) or on error (logged).
 */
const struct keys *keystore_family(struct keystore *ks, int64_t family_id,
	    int create);

/*
 * Destroys the family's key: the row is deleted with secure_delete on and
 * the WAL checkpointed and truncated, so no copy stays in the file. *had
 * (may be NULL) is 0 when there was none.
 */
int	keystore_destroy(struct keystore *ks, int64_t family_id, int *had)
	    __attribute__((warn_unused_result));

/* How many families have a key. */
int	keystore_count(struct keystore *ks, int64_t *n)
	    __attribute__((warn_unused_result));

#endif
