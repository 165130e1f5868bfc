/*
 * Unit tests for daemon/core/pool.c and daemon/core/json.c: freed blocks
 * handed out again by size, the lists bounded, SQLite and cJSON running
 * on them, a JSON tree's personal data wiped when it is freed, JSON
 * written without a tree as cJSON prints it, and trees parsed into an
 * arena as cJSON parses them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "json.h"
#include "pool.h"
#include "store.h"

static void
need_reuse(void)
{
	if (!pool_reuses())
		skip();		/* the sanitizer's build: malloc() itself */
}

static void
test_pool_freed_block_is_handed_out_again_for_its_size(void **state)
{
	struct pool_stats	 before, after;
	unsigned char		*a, *b, *c;

	(void)state;
	need_reuse();
	pool_trim();
	a = pool_alloc(100);
	assert_non_null(a);
	memset(a, 0xab, 100);
	assert_int_equal(pool_size(a), 128);
	pool_free(a);
	pool_stats(&before);
	/* 120 bytes take a block of the same size: the one just freed. */
	b = pool_alloc(120);
	assert_ptr_equal(b, a);
	pool_stats(&after);
	assert_int_equal(after.reused, before.reused + 1);
	assert_int_equal(after.kept, before.kept - 128);
	/* Another size gets another block. */
	c = pool_alloc(200);
	assert_ptr_not_equal(c, b);
	assert_int_equal(pool_size(c), 224);
	pool_free(b);
	pool_free(c);
	pool_trim();
}

static void
test_pool_sizes_hold_what_was_asked(void **state)
{
	size_t	 sizes[] = { 0, 1, 31, 32, 33, 1000, POOL_MAX - 1, POOL_MAX,
		    POOL_MAX + 1, 100000 };
	size_t	 i;
	void	*p;

	(void)state;
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		p = pool_alloc(sizes[i]);
		assert_non_null(p);
		assert_true(pool_size(p) >= sizes[i]);
		assert_int_equal(pool_size(p), pool_round(sizes[i]));
		/* Aligned as malloc()'s. */
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0x5a, sizes[i]);
		pool_free(p);
	}
	pool_free(NULL);
	assert_int_equal(pool_size(NULL), 0);
	/* A size that cannot be held is refused, not wrapped around. */
	assert_null(pool_alloc(SIZE_MAX - 4));
	pool_trim();
}

static void
test_pool_lists_hold_at_most_keep(void **state)
{
	enum { N = POOL_KEEP / 4096 + 64 };
	struct pool_stats	 s;
	void			**p;
	int			 i;

	(void)state;
	need_reuse();
	pool_trim();
	p = calloc(N, sizeof *p);
	assert_non_null(p);
	for (i = 0; i < N; i++)
		assert_non_null(p[i] = pool_alloc(4096));
	for (i = 0; i < N; i++)
		pool_free(p[i]);
	pool_stats(&s);
	/* What did not fit went back to free(). */
	assert_true(s.kept <= POOL_KEEP);
	assert_true(s.kept > POOL_KEEP - 4096);
	/* Larger than POOL_MAX: never kept. */
	pool_free(pool_alloc(POOL_MAX + 100));
	pool_stats(&s);
	assert_true(s.kept <= POOL_KEEP);
	pool_trim();
	pool_stats(&s);
	assert_int_equal(s.kept, 0);
	free(p);
}

static void
test_pool_resize_keeps_the_content(void **state)
{
	unsigned char	*p, *q;
	int		 i;

	(void)state;
	p = pool_alloc(100);
	assert_non_null(p);
	for (i = 0; i < 100; i++)
		p[i] = (unsigned char)i;
	/* Within its size: the same block. */
	if (pool_reuses())
		assert_ptr_equal(pool_resize(p, 110), p);
	else
		p = pool_resize(p, 110);
	q = pool_resize(p, 9000);
	assert_non_null(q);
	for (i = 0; i < 100; i++)
		assert_int_equal(q[i], i);
	p = pool_resize(q, 10);
	assert_non_null(p);
	for (i = 0; i < 10; i++)
		assert_int_equal(p[i], i);
	pool_free(p);
	pool_free(pool_resize(NULL, 50));
	pool_trim();
}

/* SQLite on the pool (store_library_init()): its blocks come back. */
static void
test_pool_sqlite_runs_on_it(void **state)
{
	struct pool_stats	 before, after;
	sqlite3			*db;
	sqlite3_stmt		*ins, *sel;
	char			 text[300];
	int			 i, n = 0;

	(void)state;
	store_library_init();
	pool_stats(&before);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (id INTEGER "
	    "PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t (v)", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (v) VALUES (?)",
	    -1, &ins, NULL), SQLITE_OK);
	for (i = 0; i < 2000; i++) {
		snprintf(text, sizeof text, "%0*d", 20 + i % 200, i);
		sqlite3_bind_text(ins, 1, text, -1, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT v FROM t WHERE "
	    "id % 7 = 0 ORDER BY v", -1, &sel, NULL), SQLITE_OK);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		assert_true(strlen((const char *)sqlite3_column_text(sel,
		    0)) >= 20);
		n++;
	}
	assert_int_equal(n, 2000 / 7);
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	pool_stats(&after);
	assert_true(after.fresh > before.fresh);
	if (pool_reuses())
		assert_true(after.reused > before.reused + 2000);
}

/* `mine` is what cJSON prints for `o`; both freed. */
static void
assert_prints_as_cjson(char *mine, cJSON *o)
{
	char	*theirs = cJSON_PrintUnformatted(o);

	assert_non_null(mine);
	assert_non_null(theirs);
	assert_string_equal(mine, theirs);
	free(mine);
	cJSON_free(theirs);
	cJSON_Delete(o);
}

/* Printed into a string of malloc()'s, as cJSON prints, at any length. */
static void
test_json_print_prints_as_cjson(void **state)
{
	size_t	 lens[] = { 0, 10, 490, 500, 510, 2000, 70000 };
	cJSON	*o;
	char	*v;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		v = malloc(lens[i] + 1);
		assert_non_null(v);
		memset(v, 'x', lens[i]);
		v[lens[i]] = '\0';
		o = cJSON_CreateObject();
		assert_non_null(cJSON_AddStringToObject(o, "text", v));
		assert_non_null(cJSON_AddNumberToObject(o, "chat_id", 42));
		assert_prints_as_cjson(json_print(o), o);
		free(v);
	}
}

/* After json_init(), a tree's blocks hold nothing of it once freed. */
static void
test_json_tree_freed_is_wiped(void **state)
{
	static const char	 phone[] = "+48600123456 Olena Kowalenko";
	cJSON			*o;
	unsigned char		*block;
	size_t			 i;

	(void)state;
	need_reuse();
	json_init();
	pool_trim();
	o = cJSON_CreateObject();
	assert_non_null(cJSON_AddStringToObject(o, "name", phone));
	cJSON_Delete(o);
	/* The string's block is the first of its size handed out again. */
	block = pool_alloc(sizeof phone);
	assert_non_null(block);
	for (i = sizeof(void *); i < pool_size(block); i++)
		assert_int_equal(block[i], 0);
	pool_free(block);
	cJSON_InitHooks(NULL);
	pool_trim();
}

/* A string of every byte that JSON escapes, and some it does not. */
static char *
awkward_string(size_t len)
{
	static const char	 tail[] = "\"\\/ ż 👌 \x7f";
	char			*s = malloc(len + 32 + sizeof tail);
	size_t			 i, n = 0;

	assert_non_null(s);
	for (i = 1; i < 32; i++)
		s[n++] = (char)i;
	memcpy(s + n, tail, sizeof tail - 1);
	n += sizeof tail - 1;
	memset(s + n, 'x', len);
	s[n + len] = '\0';
	return s;
}

/* jout writes what cJSON prints for the same tree, at any length. */
static void
test_jout_writes_what_cjson_prints(void **state)
{
	static const int64_t	 nums[] = { 0, -1, 5001, 2147483648LL,
				    -1001234567890LL, 999999999999999LL };
	size_t			 lens[] = { 0, 10, 500, 70000 }, i, k;
	struct jout		 j;
	cJSON			*o, *a, *e;
	char			*mine, *v;

	(void)state;
	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		v = awkward_string(lens[i]);
		o = cJSON_CreateObject();
		jout_init(&j, 16);
		jout_open(&j, '{');
		assert_non_null(cJSON_AddStringToObject(o, "text", v));
		jout_key(&j, "text");
		jout_str(&j, v);
		a = cJSON_AddArrayToObject(o, "n");
		jout_key(&j, "n");
		jout_open(&j, '[');
		for (k = 0; k < sizeof nums / sizeof nums[0]; k++) {
			e = cJSON_CreateObject();
			cJSON_AddItemToArray(a, e);
			assert_non_null(cJSON_AddNumberToObject(e, "v",
			    (double)nums[k]));
			assert_non_null(cJSON_AddBoolToObject(e, "b",
			    (int)(k % 2)));
			jout_item(&j);
			jout_open(&j, '{');
			jout_key(&j, "v");
			jout_int(&j, nums[k]);
			jout_key(&j, "b");
			jout_bool(&j, (int)(k % 2));
			jout_close(&j, '}');
		}
		jout_close(&j, ']');
		assert_non_null(cJSON_AddArrayToObject(o, "empty"));
		jout_key(&j, "empty");
		jout_open(&j, '[');
		jout_close(&j, ']');
		jout_close(&j, '}');
		assert_prints_as_cjson(jout_take(&j), o);
		free(v);
	}
	/* All of int64_t, which cJSON's doubles cannot print. */
	jout_init(&j, 0);
	jout_open(&j, '[');
	jout_item(&j);
	jout_int(&j, INT64_MIN);
	jout_item(&j);
	jout_int(&j, INT64_MAX);
	jout_close(&j, ']');
	mine = jout_take(&j);
	assert_string_equal(mine,
	    "[-9223372036854775808,9223372036854775807]");
	free(mine);
}

/* A Bot API answer of a few thousand nodes, every kind of value. */
static char *
big_answer(int n)
{
	size_t	 cap = (size_t)n * 200 + 64, len;
	char	*s = malloc(cap);
	int	 i;

	assert_non_null(s);
	len = (size_t)snprintf(s, cap, "{\"ok\":true,\"result\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s{\"update_id\":"
		    "%d,\"message\":{\"text\":\"Dzie\\u0144 \\\"%d\\\"\","
		    "\"date\":1.5e9,\"ok\":false,\"x\":null,\"a\":[1,-2,3]}}",
		    i > 0 ? "," : "", 900000000 + i, i);
	snprintf(s + len, cap - len, "]}");
	return s;
}

/* Parsed into an arena, a tree reads as cJSON's own; bad JSON is NULL. */
static void
test_json_arena_parses_as_cjson(void **state)
{
	struct json_arena	*arena;
	struct pool_stats	 before, after;
	cJSON			*mine, *theirs, *o;
	char			*text, *a, *b;
	int			 sizes[] = { 0, 1, 3000 };
	size_t			 i;

	(void)state;
	json_init();
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		text = big_answer(sizes[i]);
		mine = json_parse_arena(text, strlen(text), &arena);
		theirs = cJSON_Parse(text);
		assert_non_null(mine);
		assert_non_null(theirs);
		a = cJSON_PrintUnformatted(mine);
		b = cJSON_PrintUnformatted(theirs);
		assert_string_equal(a, b);
		cJSON_free(a);
		cJSON_free(b);
		cJSON_Delete(theirs);
		json_arena_free(arena);
		free(text);
	}
	assert_null(json_parse_arena("{\"ok\":tru", 10, &arena));
	json_arena_free(arena);
	assert_null(json_parse_arena("[\"\\ud800\"]", 10, &arena));
	json_arena_free(arena);
	/* Other trees are the pool's again: a freed one is kept. */
	pool_trim();
	pool_stats(&before);
	o = cJSON_CreateObject();
	assert_non_null(cJSON_AddStringToObject(o, "name", "Olena"));
	cJSON_Delete(o);
	pool_stats(&after);
	if (pool_reuses())
		assert_true(after.kept > before.kept);
	cJSON_InitHooks(NULL);
	pool_trim();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_pool_freed_block_is_handed_out_again_for_its_size),
		cmocka_unit_test(test_pool_sizes_hold_what_was_asked),
		cmocka_unit_test(test_pool_lists_hold_at_most_keep),
		cmocka_unit_test(test_pool_resize_keeps_the_content),
		cmocka_unit_test(test_pool_sqlite_runs_on_it),
		cmocka_unit_test(test_json_print_prints_as_cjson),
		cmocka_unit_test(test_json_tree_freed_is_wiped),
		cmocka_unit_test(test_jout_writes_what_cjson_prints),
		cmocka_unit_test(test_json_arena_parses_as_cjson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
