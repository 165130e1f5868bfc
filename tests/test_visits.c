/*
 * Unit tests for daemon/store/visits.c: visits with sealed places,
 * moving and cancelling voiding reminders, due reminders found through
 * the index (never a scan of visits), families with a visit in a range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "people.h"
#include "store.h"
#include "visits.h"
#include "unit/fixture.h"

#define H	(3600 * 1000LL)
#define T0	1796803200000LL		/* 2026-12-09 09:00 UTC */

struct visits_test {
	struct fixture	 fx;
	struct people	*p;
	struct visits	*v;
	int64_t		 family, other, member, staff;
};

static int
teardown(void **state)
{
	struct visits_test	*f = *state;
	int			 rc;

	visits_free(f->v);
	people_free(f->p);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
add_family(struct visits_test *f, const char *name, int64_t *fid)
{
	struct family_new	 nf;
	int64_t			 mid;

	memset(&nf, 0, sizeof nf);
	nf.name = name;
	nf.language = "uk";
	nf.channel = "telegram";
	nf.assistant_id = f->staff;
	nf.contact_name = "Olena";
	return people_family_create(f->p, &nf, fid, &mid);
}

static int
setup(void **state)
{
	struct visits_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "visits", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || (f->p = people_new(f->fx.st, f->fx.keys)) == NULL ||
	    (f->v = visits_new(f->fx.st, f->fx.keys)) == NULL ||
	    people_staff_create(f->p, "Anna Nowak", "family_assistant", "pl",
	    1, &f->staff) != PEOPLE_OK ||
	    add_family(f, "Rodzina A", &f->family) != 0 ||
	    add_family(f, "Rodzina B", &f->other) != 0) {
		teardown(state);
		return -1;
	}
	return 0;
}

static int64_t
plan(struct visits_test *f, int64_t family, int64_t at, const char *place)
{
	struct visit	 in;
	int64_t		 id;

	memset(&in, 0, sizeof in);
	in.family_id = family;
	in.staff_id = f->staff;
	snprintf(in.kind, sizeof in.kind, "home");
	in.at = at;
	in.minutes = 60;
	in.place = (char *)place;
	assert_int_equal(visits_add(f->v, &in, &id), VISITS_OK);
	assert_int_equal(visits_reminder_add(f->v, id, at - 16 * H, NULL),
	    VISITS_OK);
	assert_int_equal(visits_reminder_add(f->v, id, at - 2 * H, NULL),
	    VISITS_OK);
	return id;
}

static int
contains(const void *blob, size_t len, const char *needle)
{
	const char	*p = blob;
	size_t		 nl = strlen(needle), i;

	for (i = 0; i + nl <= len; i++)
		if (memcmp(p + i, needle, nl) == 0)
			return 1;
	return 0;
}

static void
test_visits_place_is_sealed_and_read_back(void **state)
{
	struct visits_test	*f = *state;
	struct visit		 got;
	sqlite3_stmt		*s;
	int64_t			 id;

	id = plan(f, f->family, T0, "ul. Długa 5");
	assert_int_equal(visits_get(f->v, id, &got), VISITS_OK);
	assert_string_equal(got.place, "ul. Długa 5");
	assert_null(got.note);
	assert_int_equal(got.at, T0);
	assert_int_equal(got.state, VISIT_PLANNED);
	visit_clear(&got);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st),
	    "SELECT place FROM visits WHERE id = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_false(contains(sqlite3_column_blob(s, 0),
	    (size_t)sqlite3_column_bytes(s, 0), "Długa"));
	sqlite3_finalize(s);
	assert_int_equal(visits_get(f->v, 999, &got), VISITS_NOT_FOUND);
}

static void
test_visits_due_reminders_in_order_and_void_on_change(void **state)
{
	struct visits_test	*f = *state;
	struct reminder		*r = NULL;
	size_t			 n;
	int64_t			 a, b, next;
	int			 found;

	a = plan(f, f->family, T0, NULL);
	b = plan(f, f->other, T0 + H, NULL);
	assert_int_equal(visits_reminder_next(f->v, &next, &found), VISITS_OK);
	assert_true(found);
	assert_int_equal(next, T0 - 16 * H);
	assert_int_equal(visits_reminders_due(f->v, T0 - 15 * H, 10, &r, &n),
	    VISITS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].visit_id, a);
	assert_int_equal(r[1].visit_id, b);
	assert_int_equal(visits_reminder_done(f->v, r[0].id, REMINDER_SENT,
	    0, 1, T0 - 15 * H), VISITS_OK);
	/* Done once: a second time changes nothing. */
	assert_int_equal(visits_reminder_done(f->v, r[0].id, REMINDER_SENT,
	    0, 1, T0 - 15 * H), VISITS_NOT_FOUND);
	free(r);
	/* Moving b voids its pending reminders; cancelling a, a's. */
	assert_int_equal(visits_move(f->v, b, T0 + 48 * H), VISITS_OK);
	assert_int_equal(visits_cancel(f->v, a, "choroba"), VISITS_OK);
	assert_int_equal(visits_cancel(f->v, a, NULL), VISITS_NOT_FOUND);
	assert_int_equal(visits_move(f->v, a, T0), VISITS_NOT_FOUND);
	assert_int_equal(visits_reminders_due(f->v, T0 + 100 * H, 10, &r, &n),
	    VISITS_OK);
	assert_int_equal(n, 0);
	free(r);
}

static void
test_visits_due_query_uses_the_index(void **state)
{
	struct visits_test	*f = *state;
	sqlite3_stmt		*s;
	char			 plan_text[512] = "";
	const unsigned char	*d;

	(void)f;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st),
	    "EXPLAIN QUERY PLAN SELECT id FROM reminders WHERE state = 0 "
	    "AND due_at <= ?1 ORDER BY due_at, id LIMIT 10", -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		if ((d = sqlite3_column_text(s, 3)) != NULL)
			strncat(plan_text, (const char *)d,
			    sizeof plan_text - strlen(plan_text) - 1);
	sqlite3_finalize(s);
	assert_non_null(strstr(plan_text, "reminders_due"));
	assert_null(strstr(plan_text, "SCAN"));
}

static void
test_visits_families_between_and_answers(void **state)
{
	struct visits_test	*f = *state;
	struct visit_filter	 flt;
	struct visit		*a = NULL;
	int64_t			*ids = NULL, v1;
	size_t			 n;

	v1 = plan(f, f->family, T0, NULL);
	(void)plan(f, f->family, T0 + 2 * H, NULL);
	(void)plan(f, f->other, T0 + 72 * H, NULL);
	assert_int_equal(visits_families_between(f->v, T0, T0 + 24 * H, &ids,
	    &n), VISITS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], f->family);
	free(ids);
	assert_int_equal(visits_set_answer(f->v, v1, VISIT_ANOTHER_TIME,
	    "po 15:00", T0 - H), VISITS_OK);
	memset(&flt, 0, sizeof flt);
	flt.unconfirmed = 1;
	assert_int_equal(visits_list(f->v, &flt, &a, &n), VISITS_OK);
	assert_int_equal(n, 2);
	visits_list_free(a, n);
	flt.unconfirmed = 0;
	flt.family_id = f->family;
	assert_int_equal(visits_list(f->v, &flt, &a, &n), VISITS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].answer_text, "po 15:00");
	assert_int_equal(a[0].answer, VISIT_ANOTHER_TIME);
	visits_list_free(a, n);
}

/* The visit the family owes its other time at `now`; 0: none. */
static int64_t
waiting(struct visits_test *f, int64_t family, int64_t now)
{
	int64_t	 id = -1;
	int	 rc;

	rc = visits_another_time_waiting(f->v, family, now - 2 * H, now, &id);
	assert_true(rc == VISITS_OK || rc == VISITS_NOT_FOUND);
	assert_true(rc == VISITS_OK ? id > 0 : id == 0);
	return id;
}

/*
 * "None owed" is remembered per family; every change to a visit shows:
 * through the store, from another connection, and a rollback.
 */
static void
test_visits_none_waiting_follows_every_change(void **state)
{
	struct visits_test	*f = *state;
	char			 sql[160];
	int64_t			 v1, v2;

	v1 = plan(f, f->family, T0 + 24 * H, NULL);
	v2 = plan(f, f->other, T0 + 24 * H, NULL);
	assert_int_equal(waiting(f, f->family, T0), 0);
	assert_int_equal(waiting(f, f->family, T0), 0);
	assert_int_equal(visits_set_answer(f->v, v1, VISIT_ANOTHER_TIME, NULL,
	    T0), VISITS_OK);
	assert_int_equal(waiting(f, f->family, T0 + 1000), v1);
	assert_int_equal(visits_set_another_time(f->v, v1, "po 15:00"),
	    VISITS_OK);
	assert_int_equal(waiting(f, f->family, T0 + 2000), 0);

	assert_int_equal(waiting(f, f->other, T0), 0);
	snprintf(sql, sizeof sql, "UPDATE visits SET answer = 3, answer_at = "
	    "%lld, answer_text = NULL WHERE id = %lld", (long long)T0,
	    (long long)v2);
	fixture_other_connection(&f->fx, sql);
	assert_int_equal(waiting(f, f->other, T0 + 1000), v2);
	snprintf(sql, sizeof sql, "UPDATE visits SET answer = 0 WHERE id = "
	    "%lld", (long long)v2);
	fixture_other_connection(&f->fx, sql);
	assert_int_equal(waiting(f, f->other, T0 + 2000), 0);

	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(visits_set_answer(f->v, v2, VISIT_ANOTHER_TIME, NULL,
	    T0 + 2000), VISITS_OK);
	assert_int_equal(waiting(f, f->other, T0 + 3000), v2);
	store_rollback(f->fx.st);
	assert_int_equal(waiting(f, f->other, T0 + 4000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_visits_place_is_sealed_and_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_visits_due_reminders_in_order_and_void_on_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_visits_due_query_uses_the_index, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_visits_families_between_and_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_visits_none_waiting_follows_every_change, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
