/*
 * fixture: the temporary database every unit test starts from. A fresh
 * directory of its own under $TMPDIR, the database path in it, and on
 * request the store opened there and the keys of a fixed master key.
 * fixture_teardown() removes whatever was made in the directory, then
 * the directory. Besides, the set-up several tests share: the quiet log,
 * Warsaw time, UTC dates, the compiled catalogs.
 */
#ifndef ASYSTENT_FIXTURE_H
#define ASYSTENT_FIXTURE_H

#include <stddef.h>
#include <time.h>

#include "crypto.h"

struct i18n;
struct keys;
struct store;

/* What fixture_setup() makes besides the directory. */
#define FIXTURE_KEYS	0x1	/* keys from fixture_master */
#define FIXTURE_STORE	0x2	/* the store, open on `db` */

struct fixture {
	char		 dir[256];	/* empty at start, 0700 */
	char		 db[512];	/* dir/asystent.db */
	struct store	*st;		/* FIXTURE_STORE, else NULL */
	struct keys	*keys;		/* FIXTURE_KEYS, else NULL */
};

/* The master key behind fixture keys: fixed, so runs are repeatable. */
extern const unsigned char fixture_master[CRYPTO_MASTER_LEN];

/*
 * Makes a directory named after `name` ("outbox"), and what `flags` ask
 * for. `fx` must be zeroed. On failure what was made is removed again
 * and -1 returned. A store or keys set here, or put in `fx` later by the
 * test, are closed by fixture_teardown().
 */
int	fixture_setup(struct fixture *fx, const char *name, int flags)
	    __attribute__((warn_unused_result));
/*
 * Closes the store, frees the keys, removes every file and folder under
 * the directory and the directory itself. -1 when something could not be
 * removed. Harmless on a fixture whose setup failed or never ran.
 */
int	fixture_teardown(struct fixture *fx);

/* dir/name in buf; the test fails if it does not fit. */
void	fixture_path(const struct fixture *fx, const char *name, char *buf,
	    size_t len);

/* Runs `sql` on the database through a connection of its own, as
 * another process would; the test fails if it does not run. */
void	fixture_other_connection(const struct fixture *fx, const char *sql);

/*
 * 1 when `needle` stands as bytes in the database file or its WAL: what
 * an attacker with the files could read. The test fails when both are
 * empty or missing.
 */
int	fixture_db_has(const struct fixture *fx, const char *needle);

/*
 * A cmocka group setup: the log silenced (the errors tests provoke need
 * not clutter the run) and libsodium ready.
 */
int	fixture_group_setup(void **state);

/* Europe/Warsaw as the local time zone, as the centres run. */
void	fixture_warsaw(void);
/* The same as a cmocka group setup. */
int	fixture_warsaw_setup(void **state);

/* Unix time of a UTC date and time. */
time_t	fixture_utc(int y, int mo, int d, int h, int mi);

/* Where the compiled catalogs are: $ASYSTENT_MO_DIR, else build/messages. */
const char *fixture_mo_dir(void);

/*
 * The compiled catalogs from fixture_mo_dir() in *cat (free with
 * i18n_free()); -1, said on stderr, when they do not load.
 */
int	fixture_catalogs(struct i18n **cat)
	    __attribute__((warn_unused_result));

#endif
