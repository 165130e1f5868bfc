/*
 * Unit tests for daemon/store/seal.c: a value bound sealed into a row
 * opens from that row's column and from nowhere else, on a fresh
 * temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "log.h"
#include "seal.h"
#include "store.h"
#include "unit/fixture.h"

struct seal_test {
	struct fixture	 fx;
	sqlite3_stmt	*put, *get;
};

static int
teardown(void **state)
{
	struct seal_test	*f = *state;
	int			 rc;

	sqlite3_finalize(f->put);
	sqlite3_finalize(f->get);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct seal_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "seal", FIXTURE_STORE | FIXTURE_KEYS) == -1 ||
	    store_exec(f->fx.st, "CREATE TABLE t (id INTEGER PRIMARY KEY, "
	    "v BLOB)", "test_table") == -1 ||
	    store_prepare(f->fx.st, "INSERT INTO t (id, v) VALUES (?, ?)",
	    &f->put) == -1 ||
	    store_prepare(f->fx.st, "SELECT v FROM t WHERE id = ?",
	    &f->get) == -1) {
		teardown(state);
		return -1;
	}
	return 0;
}

/* Row `id` of t holds `value` sealed for (t, v, sealed_for). */
static void
put(struct seal_test *f, int64_t id, int64_t sealed_for, const char *value)
{
	assert_int_equal(seal_bind_str(f->fx.keys, f->put, 2, "t", "v",
	    sealed_for, value), 0);
	sqlite3_bind_int64(f->put, 1, id);
	assert_int_equal(store_step_done(f->put, "put"), 0);
}

/* Steps f->get on row `id`; the caller opens column 0 and resets. */
static void
get(struct seal_test *f, int64_t id)
{
	sqlite3_bind_int64(f->get, 1, id);
	assert_int_equal(sqlite3_step(f->get), SQLITE_ROW);
}

static void
done(struct seal_test *f)
{
	sqlite3_reset(f->get);
	sqlite3_clear_bindings(f->get);
}

static void
test_seal_bound_value_opens_from_its_row(void **state)
{
	struct seal_test	*f = *state;
	char			*plain = NULL;
	size_t			 len = 0;

	put(f, 7, 7, "Olena Kowalenko");
	get(f, 7);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "t", "v", 7, &plain,
	    &len), 0);
	done(f);
	assert_non_null(plain);
	assert_string_equal(plain, "Olena Kowalenko");
	assert_int_equal(len, strlen("Olena Kowalenko"));
	crypto_free_plain(plain);
}

static void
test_seal_binary_value_keeps_its_length(void **state)
{
	struct seal_test	*f = *state;
	const char		 raw[] = { 'a', '\0', 'b' };
	char			*plain = NULL;
	size_t			 len = 0;

	assert_int_equal(seal_bind(f->fx.keys, f->put, 2, "t", "v", 3, raw,
	    sizeof raw), 0);
	sqlite3_bind_int64(f->put, 1, 3);
	assert_int_equal(store_step_done(f->put, "put"), 0);
	get(f, 3);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "t", "v", 3, &plain,
	    &len), 0);
	done(f);
	assert_int_equal(len, sizeof raw);
	assert_memory_equal(plain, raw, sizeof raw);
	crypto_free_plain(plain);
}

static void
test_seal_null_binds_null_and_opens_as_none(void **state)
{
	struct seal_test	*f = *state;
	char			 sentinel[] = "x", *plain = sentinel;
	int64_t			 v = 5;

	put(f, 1, 1, NULL);
	get(f, 1);
	assert_int_equal(sqlite3_column_type(f->get, 0), SQLITE_NULL);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "t", "v", 1, &plain,
	    NULL), 0);
	assert_null(plain);
	assert_int_equal(seal_open_int(f->fx.keys, f->get, 0, "t", "v", 1, &v),
	    0);
	assert_int_equal(v, 0);
	done(f);
}

static void
test_seal_value_moved_to_another_row_does_not_open(void **state)
{
	struct seal_test	*f = *state;
	char			*plain = NULL;

	/* Sealed for row 1, stored in row 2: a copied blob. */
	put(f, 2, 1, "Anna");
	get(f, 2);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "t", "v", 2, &plain,
	    NULL), -1);
	assert_null(plain);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "t", "w", 1, &plain,
	    NULL), -1);
	assert_int_equal(seal_open(f->fx.keys, f->get, 0, "u", "v", 1, &plain,
	    NULL), -1);
	assert_null(plain);
	done(f);
}

static void
test_seal_open_int_reads_ids_and_refuses_text(void **state)
{
	struct seal_test	*f = *state;
	int64_t			 v = 0;

	put(f, 4, 4, "-1001234567890");
	put(f, 5, 5, "12ab");
	put(f, 6, 6, "");
	get(f, 4);
	assert_int_equal(seal_open_int(f->fx.keys, f->get, 0, "t", "v", 4, &v),
	    0);
	done(f);
	assert_true(v == INT64_C(-1001234567890));
	get(f, 5);
	assert_int_equal(seal_open_int(f->fx.keys, f->get, 0, "t", "v", 5, &v),
	    -1);
	done(f);
	get(f, 6);
	assert_int_equal(seal_open_int(f->fx.keys, f->get, 0, "t", "v", 6, &v),
	    -1);
	done(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_seal_bound_value_opens_from_its_row),
		T(test_seal_binary_value_keeps_its_length),
		T(test_seal_null_binds_null_and_opens_as_none),
		T(test_seal_value_moved_to_another_row_does_not_open),
		T(test_seal_open_int_reads_ids_and_refuses_text),
#undef T
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}
