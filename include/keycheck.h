/*
 * The key check: a known value sealed under the master key when the
 * database is first opened with it. Started with another key, the daemon
 * would answer families as strangers, mark their messages handled and
 * seal new rows under the wrong key; the check stops it at start.
 */
#ifndef ASYSTENT_KEYCHECK_H
#define ASYSTENT_KEYCHECK_H

#include <stddef.h>

struct keys;
struct store;

/*
 * 0 when `k` is the database's key. A database without a check (new, or
 * made before there was one) gets one, after a sealed value it already
 * holds, if any, opened with `k`. -1 with what to do in `err` when the
 * key does not open the database, or on storage errors.
 */
int	keycheck_verify(struct store *st, const struct keys *k, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

#endif
