/*
 * Unit tests for daemon/store/history.c: reading a family's newest messages
 * (bodies sealed as the relay seals them), counts, and the retention
 * purge by slices (tests/test_retention.c runs it on the loop), each on
 * a fresh temporary database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "crypto.h"
#include "history.h"
#include "outbox.h"
#include "people.h"
#include "store.h"
#include "unit/fixture.h"

#define DAY		86400
#define TEXT_A		"Dzień dobry, czy jutro jest wizyta?"
#define TEXT_B		"Tak, o 10:00.\nProszę zabrać dokumenty."
#define TEXT_OLD	"Стара розмова про допомогу"

struct history_test {
	struct fixture	 fx;
	struct people	*p;
	struct history	*h;
	int64_t		 family, other, member, staff;
	int64_t		 last_id;	/* of messages */
};

static int
teardown(void **state)
{
	struct history_test	*f = *state;
	int			 rc;

	history_free(f->h);
	people_free(f->p);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
add_family(struct history_test *f, const char *name, int64_t *fid, int64_t *mid)
{
	struct family_new	 nf;

	memset(&nf, 0, sizeof nf);
	nf.name = name;
	nf.language = "uk";
	nf.channel = "telegram";
	nf.assistant_id = f->staff;
	nf.contact_name = "Olena Kowalenko";
	return people_family_create(f->p, &nf, fid, mid);
}

static int
setup(void **state)
{
	struct history_test	*f;
	int64_t			 m2;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "history", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || (f->p = people_new(f->fx.st, f->fx.keys)) == NULL ||
	    (f->h = history_new(f->fx.st, f->fx.keys)) == NULL ||
	    people_staff_create(f->p, "Anna Nowak", "family_assistant", "pl",
	    1, &f->staff) != PEOPLE_OK ||
	    add_family(f, "Rodzina Kowalenko", &f->family, &f->member) != 0 ||
	    add_family(f, "Rodzina Szewczenko", &f->other, &m2) != 0) {
		teardown(state);
		return -1;
	}
	return 0;
}

/*
 * One messages row of the fixture's family as history_record() writes
 * it, at a time of the test's choosing: the body sealed with (messages,
 * body, id). Returns the id.
 */
static int64_t
record(struct history_test *f, enum history_dir dir, const char *kind,
    const char *body, int64_t at)
{
	struct crypto_ad	 ad = { "messages", "body", 0, 0 };
	sqlite3_stmt		*s;
	unsigned char		*blob = NULL;
	size_t			 len = 0;

	ad.row = ++f->last_id;
	if (body != NULL)
		assert_int_equal(crypto_seal(f->fx.keys, &ad, body,
		    strlen(body), &blob, &len), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st),
	    "INSERT INTO messages (id, family_id, member_id, staff_id, "
	    "direction, kind, channel, at, body, state) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, ad.row);
	sqlite3_bind_int64(s, 2, f->family);
	if (dir == HISTORY_FROM_FAMILY)
		sqlite3_bind_int64(s, 3, f->member);
	else
		sqlite3_bind_int64(s, 4, f->staff);
	sqlite3_bind_int(s, 5, dir);
	sqlite3_bind_text(s, 6, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, CHANNEL_TELEGRAM);
	sqlite3_bind_int64(s, 8, at != 0 ? at : (int64_t)clock_now());
	if (blob != NULL)
		sqlite3_bind_blob(s, 9, blob, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(s, 10, dir == HISTORY_FROM_FAMILY ? HISTORY_SENT :
	    HISTORY_QUEUED);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(blob);
	return ad.row;
}

static void
set_state(struct history_test *f, int64_t id, enum history_state st,
    const char *error)
{
	assert_int_equal(history_set_state(f->h, id, st, error), 0);
}

/* ---- recording and reading ------------------------------------------- */

static void
test_history_read_opens_bodies_oldest_first(void **state)
{
	struct history_test	*f = *state;
	struct history_msg	*a = NULL;
	size_t			 n = 0;
	time_t			 now = clock_now();
	int64_t			 id1, id2, id3;

	id1 = record(f, HISTORY_FROM_FAMILY, "text", TEXT_A, now - 120);
	id2 = record(f, HISTORY_TO_FAMILY, "text", TEXT_B, now - 60);
	id3 = record(f, HISTORY_FROM_FAMILY, "photo", NULL, 0);
	assert_true(id1 < id2 && id2 < id3);
	assert_int_equal(history_read(f->h, f->family, HISTORY_LAST_DEFAULT,
	    &a, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(a[0].id, id1);
	assert_int_equal(a[0].direction, HISTORY_FROM_FAMILY);
	assert_int_equal(a[0].member_id, f->member);
	assert_int_equal(a[0].staff_id, 0);
	assert_int_equal(a[0].at, now - 120);
	assert_string_equal(a[0].kind, "text");
	assert_int_equal(a[0].state, HISTORY_SENT);
	assert_string_equal(a[0].text, TEXT_A);
	assert_false(a[0].purged);
	assert_int_equal(a[1].direction, HISTORY_TO_FAMILY);
	assert_int_equal(a[1].staff_id, f->staff);
	assert_string_equal(a[1].text, TEXT_B);
	assert_int_equal(a[1].channel, CHANNEL_TELEGRAM);
	/* A photo without a caption has no text, and is not purged. */
	assert_string_equal(a[2].kind, "photo");
	assert_null(a[2].text);
	assert_false(a[2].purged);
	assert_true(a[2].at >= now - 1 && a[2].at <= now + 1);
	history_msgs_free(a, n);
	assert_string_equal(history_dir_name(HISTORY_TO_FAMILY), "to_family");
	assert_string_equal(history_state_name(HISTORY_BLOCKED), "blocked");
	/* Only sealed bodies reach the file. */
	assert_false(fixture_db_has(&f->fx, "wizyta"));
	assert_false(fixture_db_has(&f->fx, "dokumenty"));
}

static void
test_history_other_family_sees_nothing(void **state)
{
	struct history_test	*f = *state;
	struct history_msg	*a = NULL;
	struct history_counts	 c;
	size_t			 n = 7;

	record(f, HISTORY_FROM_FAMILY, "text", TEXT_A, 0);
	assert_int_equal(history_read(f->h, f->other, 50, &a, &n), 0);
	assert_int_equal(n, 0);
	history_msgs_free(a, n);
	assert_int_equal(history_counts(f->h, f->other, &c), 0);
	assert_int_equal(c.total, 0);
	assert_int_equal(c.from_family, 0);
	assert_int_equal(c.purged, 0);
}

static void
test_history_read_newest_n_and_bounds(void **state)
{
	struct history_test	*f = *state;
	struct history_msg	*a = NULL;
	size_t			 n = 0;
	int64_t			 ids[60];
	char			 body[32];
	int			 i;

	for (i = 0; i < 60; i++) {
		snprintf(body, sizeof body, "message %d", i);
		ids[i] = record(f, i % 2 ? HISTORY_TO_FAMILY :
		    HISTORY_FROM_FAMILY, "text", body, 0);
	}
	/* The default: the newest 50, oldest of them first. */
	assert_int_equal(history_read(f->h, f->family, HISTORY_LAST_DEFAULT,
	    &a, &n), 0);
	assert_int_equal(n, 50);
	assert_int_equal(a[0].id, ids[10]);
	assert_string_equal(a[0].text, "message 10");
	assert_int_equal(a[49].id, ids[59]);
	history_msgs_free(a, n);
	assert_int_equal(history_read(f->h, f->family, 1, &a, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(a[0].id, ids[59]);
	history_msgs_free(a, n);
	assert_int_equal(history_read(f->h, f->family, HISTORY_LAST_MAX, &a,
	    &n), 0);
	assert_int_equal(n, 60);
	history_msgs_free(a, n);
	/* Out of bounds: refused, nothing returned. */
	assert_int_equal(history_read(f->h, f->family, 0, &a, &n), -1);
	assert_null(a);
	assert_int_equal(n, 0);
	assert_int_equal(history_read(f->h, f->family, HISTORY_LAST_MAX + 1,
	    &a, &n), -1);
	assert_null(a);
}

static void
test_history_state_and_error(void **state)
{
	struct history_test	*f = *state;
	struct history_msg	*a = NULL;
	size_t			 n = 0;
	int64_t			 id;

	id = record(f, HISTORY_TO_FAMILY, "text", TEXT_B, 0);
	set_state(f, id, HISTORY_FAILED, "Bad Request: chat not found");
	assert_int_equal(history_read(f->h, f->family, 5, &a, &n), 0);
	assert_int_equal(a[0].state, HISTORY_FAILED);
	assert_string_equal(a[0].error, "Bad Request: chat not found");
	history_msgs_free(a, n);
	set_state(f, id, HISTORY_SENT, NULL);
	assert_int_equal(history_read(f->h, f->family, 5, &a, &n), 0);
	assert_int_equal(a[0].state, HISTORY_SENT);
	assert_string_equal(a[0].error, "");
	history_msgs_free(a, n);
}

/* A body moved to another row does not open: the id is bound to it. */
static void
test_history_body_bound_to_its_row(void **state)
{
	struct history_test	*f = *state;
	struct history_msg	*a = NULL;
	size_t			 n = 0;
	int64_t			 id1, id2;
	char			*sql;

	id1 = record(f, HISTORY_FROM_FAMILY, "text", TEXT_A, 0);
	id2 = record(f, HISTORY_FROM_FAMILY, "text", TEXT_B, 0);
	sql = sqlite3_mprintf("UPDATE messages SET body = (SELECT body FROM "
	    "messages WHERE id = %lld) WHERE id = %lld", (long long)id1,
	    (long long)id2);
	assert_int_equal(store_exec(f->fx.st, sql, "test"), 0);
	sqlite3_free(sql);
	assert_int_equal(history_read(f->h, f->family, 5, &a, &n), -1);
	assert_null(a);
}

/* The relay's record: ids given here, the body opened, a row traced. */
static void
test_history_record_then_trace(void **state)
{
	struct history_test	*f = *state;
	struct history_new	 m;
	struct history_ref	 r;
	char			*body = NULL;
	int64_t			 id1, id2, id3, n, found_id;
	int			 found;

	memset(&m, 0, sizeof m);
	m.family_id = f->family;
	m.member_id = f->member;
	m.staff_id = f->staff;
	m.direction = HISTORY_FROM_FAMILY;
	m.kind = "text";
	m.channel = CHANNEL_TELEGRAM;
	m.body = TEXT_A;
	m.src_message_id = 700;
	m.state = HISTORY_QUEUED;
	assert_int_equal(history_record(f->h, &m, &id1), 0);
	m.kind = "edit";
	assert_int_equal(history_record(f->h, &m, &id2), 0);
	m.body = NULL;
	m.kind = "photo";
	m.src_message_id = 701;
	assert_int_equal(history_record(f->h, &m, &id3), 0);
	assert_true(id1 < id2 && id2 < id3);
	assert_int_equal(history_get(f->h, id1, &r, &found), 0);
	assert_true(found);
	assert_int_equal(r.family_id, f->family);
	assert_int_equal(r.member_id, f->member);
	assert_int_equal(r.staff_id, f->staff);
	assert_int_equal(r.src_message_id, 700);
	assert_int_equal(r.state, HISTORY_QUEUED);
	assert_int_equal(r.direction, HISTORY_FROM_FAMILY);
	assert_int_equal(history_get(f->h, id3 + 1, &r, &found), 0);
	assert_false(found);
	assert_int_equal(history_body(f->h, id1, &body), 0);
	assert_string_equal(body, TEXT_A);
	crypto_free_plain(body);
	assert_int_equal(history_body(f->h, id3, &body), 0);
	assert_null(body);
	assert_false(fixture_db_has(&f->fx, "jutro jest wizyta"));
	/* An edit is not what a reply points at. */
	assert_int_equal(history_find_relayed(f->h, f->family, 700,
	    &found_id), 0);
	assert_int_equal(found_id, id1);
	assert_int_equal(history_find_relayed(f->h, f->other, 700,
	    &found_id), 0);
	assert_int_equal(found_id, 0);
	assert_int_equal(history_count_recent(f->h, f->family, 2,
	    clock_now() - 60, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(history_count_recent(f->h, f->family, 10,
	    clock_now() + 60, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(history_read_by_since(f->h, f->family, f->staff,
	    clock_now() - 60, id3, &found), 0);
	assert_true(found);
	assert_int_equal(history_read_by_since(f->h, f->family, f->staff,
	    clock_now() - 60, id1, &found), 0);
	assert_false(found);
}

/* ---- retention ------------------------------------------------------- */

static void
test_history_purge_old_bodies_keeps_rows_and_counts(void **state)
{
	struct history_test	*f = *state;
	struct history_counts	 c;
	struct history_msg	*a = NULL;
	size_t			 n = 0, i;
	time_t			 now = clock_now();
	int			 purged = -1, k;

	for (k = 0; k < 3; k++)
		record(f, HISTORY_FROM_FAMILY, "text", TEXT_OLD,
		    now - 400 * DAY + k);
	record(f, HISTORY_TO_FAMILY, "text", TEXT_OLD, now - 366 * DAY);
	record(f, HISTORY_TO_FAMILY, "text", TEXT_B, now - 364 * DAY);
	record(f, HISTORY_FROM_FAMILY, "text", TEXT_A, now - 10 * DAY);
	assert_int_equal(history_counts(f->h, f->family, &c), 0);
	assert_int_equal(c.total, 6);
	assert_int_equal(c.from_family, 4);
	assert_int_equal(c.to_family, 2);
	assert_int_equal(c.purged, 0);

	assert_int_equal(history_purge_slice(f->h, now - 365 * DAY,
	    HISTORY_PURGE_SLICE, &purged), 0);
	assert_int_equal(purged, 4);
	assert_int_equal(history_counts(f->h, f->family, &c), 0);
	assert_int_equal(c.total, 6);
	assert_int_equal(c.from_family, 4);
	assert_int_equal(c.to_family, 2);
	assert_int_equal(c.purged, 4);

	assert_int_equal(history_read(f->h, f->family, 50, &a, &n), 0);
	assert_int_equal(n, 6);
	for (i = 0; i < 4; i++) {
		assert_true(a[i].purged);
		assert_null(a[i].text);
	}
	assert_false(a[4].purged);
	assert_string_equal(a[4].text, TEXT_B);
	assert_string_equal(a[5].text, TEXT_A);
	history_msgs_free(a, n);

	/* A second run finds nothing left to purge. */
	assert_int_equal(history_purge_slice(f->h, now - 365 * DAY,
	    HISTORY_PURGE_SLICE, &purged), 0);
	assert_int_equal(purged, 0);
}

static void
test_history_purge_goes_in_slices(void **state)
{
	struct history_test	*f = *state;
	struct history_counts	 c;
	time_t			 now = clock_now();
	int			 purged, k;

	for (k = 0; k < 12; k++)
		record(f, HISTORY_FROM_FAMILY, "text", TEXT_OLD,
		    now - 500 * DAY + k);
	assert_int_equal(history_purge_slice(f->h, now - 365 * DAY, 5,
	    &purged), 0);
	assert_int_equal(purged, 5);
	assert_int_equal(history_purge_slice(f->h, now - 365 * DAY, 5,
	    &purged), 0);
	assert_int_equal(purged, 5);
	assert_int_equal(history_purge_slice(f->h, now - 365 * DAY, 5,
	    &purged), 0);
	assert_int_equal(purged, 2);
	assert_int_equal(history_counts(f->h, f->family, &c), 0);
	assert_int_equal(c.total, 12);
	assert_int_equal(c.purged, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_history_read_opens_bodies_oldest_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_other_family_sees_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_read_newest_n_and_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_state_and_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_body_bound_to_its_row, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_record_then_trace, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_purge_old_bodies_keeps_rows_and_counts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_history_purge_goes_in_slices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
