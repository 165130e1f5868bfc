/*
 * Unit tests for daemon/store/retention.c: the daily job on a real event
 * loop goes through every kind in slices, purges what is older than each
 * kind's days, keeps what is newer, and keeps the counts for status.
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
#include <event2/event.h>
#include <sqlite3.h>

#include "broadcasts.h"
#include "clock.h"
#include "history.h"
#include "people.h"
#include "retention.h"
#include "store.h"
#include "unit/fixture.h"

#define DAY	86400

struct retention_test {
	struct fixture		 fx;
	struct people		*p;
	struct history		*h;
	struct broadcasts	*b;
};

static int
teardown(void **state)
{
	struct retention_test	*f = *state;
	int			 rc;

	broadcasts_free(f->b);
	history_free(f->h);
	people_free(f->p);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct retention_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "retention", FIXTURE_STORE |
	    FIXTURE_KEYS) == -1 ||
	    (f->p = people_new(f->fx.st, f->fx.keys)) == NULL ||
	    (f->h = history_new(f->fx.st, f->fx.keys)) == NULL ||
	    (f->b = broadcasts_new(f->fx.st)) == NULL) {
		teardown(state);
		return -1;
	}
	return 0;
}

static void
exec(struct retention_test *f, const char *sql)
{
	assert_int_equal(sqlite3_exec(store_db(f->fx.st), sql, NULL, NULL,
	    NULL), SQLITE_OK);
}

static int64_t
count(struct retention_test *f, const char *sql)
{
	sqlite3_stmt	*s;
	int64_t		 n;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), sql, -1, &s,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/*
 * Old and new rows of each kind, more old messages and audit rows than
 * one slice takes; the run purges the old ones only, and says how many.
 */
static void
test_retention_purges_each_kind_past_its_days(void **state)
{
	struct retention_test	*f = *state;
	struct retention_cfg	 rc;
	struct retention_stats	 rs;
	struct retention	*rt;
	struct event_base	*base;
	struct event		*deadline;
	struct timeval		 tv = { 20, 0 };
	int64_t			 now = (int64_t)clock_now();
	char			 sql[512];
	int			 late = 0, nmsg = HISTORY_PURGE_SLICE + 7;

	/* Messages: bodies of those over 365 days old go, rows stay. */
	snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM n WHERE i < %d) INSERT INTO messages "
	    "(direction, kind, channel, at, body) SELECT 0, 'text', 1, "
	    "%lld - i, x'00' FROM n", nmsg, (long long)(now - 400 * DAY));
	exec(f, sql);
	snprintf(sql, sizeof sql, "INSERT INTO messages (direction, kind, "
	    "channel, at, body) VALUES (1, 'text', 1, %lld, x'00')",
	    (long long)(now - 300 * DAY));
	exec(f, sql);
	/* Audit rows: 1,203 over 30 days old, 2 newer. */
	snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM n WHERE i < 1203) INSERT INTO audit (at, "
	    "uid, action, object) SELECT %lld + i, 0, 'family.add', 'family' "
	    "FROM n", (long long)(now - 40 * DAY));
	exec(f, sql);
	snprintf(sql, sizeof sql, "INSERT INTO audit (at, uid, action, "
	    "object) VALUES (%lld, 0, 'family.add', 'family'), (%lld, 0, "
	    "'family.edit', 'family')", (long long)(now - 29 * DAY),
	    (long long)now);
	exec(f, sql);
	/* Broadcasts: two done long ago, one done lately, one sending. */
	snprintf(sql, sizeof sql, "INSERT INTO broadcasts (id, state, "
	    "created_at, finished_at) VALUES (1, 2, 0, %lld), (2, 3, 0, %lld), "
	    "(3, 2, 0, %lld), (4, 1, 0, NULL)", (long long)(now - 100 * DAY),
	    (long long)(now - 95 * DAY), (long long)(now - 10 * DAY));
	exec(f, sql);
	exec(f, "INSERT INTO broadcast_recipients (broadcast_id, family_id, "
	    "member_id, channel, lang, state, reason, outbox_id) VALUES "
	    "(1, 1, 11, 2, 'pl', 1, NULL, 5), (1, 2, 12, 2, 'pl', 2, "
	    "'unreachable', NULL), (2, 1, 11, 2, 'pl', 3, NULL, NULL), "
	    "(3, 1, 11, 2, 'pl', 1, NULL, 6), (4, 1, 11, 2, 'pl', 0, NULL, "
	    "NULL)");

	memset(&rc, 0, sizeof rc);
	rc.st = f->fx.st;
	rc.history = f->h;
	rc.people = f->p;
	rc.broadcasts = f->b;
	rc.days[RETENTION_MESSAGES] = 365;
	rc.days[RETENTION_AUDIT] = 30;
	rc.days[RETENTION_FAILED_RECIPIENTS] = 0;
	assert_non_null(base = event_base_new());
	assert_null(retention_new(base, &rc));
	rc.days[RETENTION_FAILED_RECIPIENTS] = 90;
	assert_non_null(rt = retention_new(base, &rc));
	retention_stats(rt, &rs);
	assert_int_equal(rs.at, 0);
	assert_int_equal(rs.days[RETENTION_AUDIT], 30);
	assert_non_null(deadline = evtimer_new(base, deadline_cb, &late));
	evtimer_add(deadline, &tv);
	/* Turn by turn until the run ends, or the deadline. */
	do {
		retention_stats(rt, &rs);
		if (rs.at != 0)
			break;
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	} while (!late);
	assert_false(late);
	assert_false(rs.failed);
	assert_int_equal(rs.purged[RETENTION_MESSAGES], nmsg);
	assert_int_equal(rs.purged[RETENTION_AUDIT], 1203);
	assert_int_equal(rs.purged[RETENTION_FAILED_RECIPIENTS], 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM messages"), nmsg + 1);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM messages WHERE body "
	    "IS NULL"), nmsg);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM audit"), 2);
	/* The old broadcasts keep their rows and states, not who or why. */
	assert_int_equal(count(f, "SELECT COUNT(*) FROM broadcast_recipients"),
	    5);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM broadcast_recipients "
	    "WHERE member_id IS NULL AND reason IS NULL"), 3);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM broadcasts WHERE "
	    "recipients_purged_at IS NOT NULL"), 2);
	assert_int_equal(count(f, "SELECT COUNT(*) FROM broadcast_recipients "
	    "WHERE broadcast_id = 3 AND member_id = 11"), 1);
	/* A restart still shows the last run's counts. */
	retention_free(rt);
	assert_non_null(rt = retention_new(base, &rc));
	retention_stats(rt, &rs);
	assert_true(rs.at >= now);
	assert_false(rs.failed);
	assert_int_equal(rs.purged[RETENTION_MESSAGES], nmsg);
	assert_int_equal(rs.purged[RETENTION_AUDIT], 1203);
	assert_int_equal(rs.purged[RETENTION_FAILED_RECIPIENTS], 2);
	event_free(deadline);
	/* The timer belongs to the base: free it before the base. */
	retention_free(rt);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_retention_purges_each_kind_past_its_days, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
