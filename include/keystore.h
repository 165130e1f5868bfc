/*
 * The keystore: each family's own key, wrapped (sealed) by the master
 * key, in a small SQLite file of its own beside the database. A family's
 * personal values are sealed under its key (seal.h), so destroying the
 * key erases them wherever a copy of the database lies, old backups
 * included: the keystore is never part of a database backup.
 *
 * A key is committed to the file before any value sealed with it is
 * committed to the database (the two files do not commit together, so
 * the order of the writes is what keeps a value from being sealed under
 * a key that is not kept): new keys wait in one transaction of the
 * keystore that keystore_flush() commits, which the store runs before
 * each commit (store_set_before_commit()) and seal.c before a write
 * outside a transaction.
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
 * one gets a new random key, in the pending transaction. NULL when
 * there is none (an erased family) or on error (logged).
 */
const struct keys *keystore_family(struct keystore *ks, int64_t family_id,
	    int create);

/*
 * Commits the keys made since the last flush; a failure forgets them
 * (and the database's commit that would use them fails). NULL is a
 * no-op; the _cb form suits store_set_before_commit().
 */
int	keystore_flush(struct keystore *ks) __attribute__((warn_unused_result));
int	keystore_flush_cb(void *ks);

/*
 * Destroys the family's key: the row is deleted with secure_delete on and
 * the WAL checkpointed and truncated, so no copy stays in the file. *had
 * (may be NULL) is 0 when there was none.
 */
int	keystore_destroy(struct keystore *ks, int64_t family_id, int *had)
	    __attribute__((warn_unused_result));

/*
 * A key of the daemon's own, kept as a family's is (wrapped by the master
 * key, wrapped again by a rotation, never destroyed) under an id no
 * family has, and made at its first use. Its index and token keys are
 * derived from it as the master's are: a blind index under it stays the
 * same across rotations of the master key.
 */
#define KEYSTORE_SMS_MO		INT64_MAX	/* SMS gateways' message ids */
const struct keys *keystore_own(struct keystore *ks, int64_t id);

/*
 * While the master key is rotated: keys are wrapped by `master` (the
 * new one) and unwrapped by it or by `prev` (NULL when not rotating).
 * Both must outlive their use.
 */
void	keystore_set_masters(struct keystore *ks, const struct keys *master,
	    const struct keys *prev);
/*
 * Wraps by the master again up to `max` keys with a family id above
 * *after that `prev` wrapped, in one transaction; *after moves on, *n
 * counts the keys wrapped again, *done is 1 when none is left.
 */
int	keystore_rewrap(struct keystore *ks, int64_t *after, int max,
	    int64_t *n, int *done) __attribute__((warn_unused_result));

/* How many families have a key. */
int	keystore_count(struct keystore *ks, int64_t *n)
	    __attribute__((warn_unused_result));

#endif
