/*
 * The values of families sealed under the master key, as a database
 * older than migration 14 holds them, sealed again under each family's
 * own key (keystore.h), at start, before anything is served. Each slice
 * is one transaction that also notes where it stands (meta reseal.*), so
 * a kill at any point resumes there; a family's key is committed before
 * the first value is sealed with it (seal.h).
 */
#ifndef ASYSTENT_RESEAL_H
#define ASYSTENT_RESEAL_H

#include <stddef.h>
#include <stdint.h>

struct keys;
struct store;

/*
 * Reseals every pending value, `slice` rows a transaction; *rows: how
 * many rows were changed. Does nothing once done. A value that does not
 * open is logged and left as it is.
 */
int	reseal_run(struct store *st, const struct keys *k, int slice,
	    int64_t *rows) __attribute__((warn_unused_result));

/*
 * Refuses a keystore none of whose keys opens while the database holds
 * values sealed under families' keys: a keystore left behind when the
 * database was restored or moved, or wrapped by another master key.
 * Starting with it would show every family as erased. The reason goes
 * to err.
 */
struct keystore;
int	reseal_check_keystore(struct store *st, struct keystore *ks, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/* 1 while values wait to be sealed again, 0 when none do, -1 on error. */
int	reseal_pending(struct store *st) __attribute__((warn_unused_result));

#endif
