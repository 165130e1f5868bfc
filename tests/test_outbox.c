/* Unit tests for daemon/store/outbox.c: sealed payloads, due order, transitions. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "unit/fixture.h"

#define T0	1700000000000LL		/* a fixed "now", unix ms */
#define MAXROWS	16

struct outbox_test {
	struct fixture	 fx;
	struct outbox	*ob;
	struct outbox_row rows[MAXROWS];
};

static int
teardown(void **state)
{
	struct outbox_test	*f = *state;
	int			 rc;

	outbox_free(f->ob);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct outbox_test	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	if (fixture_setup(&f->fx, "outbox", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || (f->ob = outbox_new(f->fx.st, f->fx.keys)) == NULL) {
		teardown(state);
		return -1;
	}
	return 0;
}

/* Queues a sendMessage; returns its id. */
static int64_t
enqueue_full(struct outbox_test *f, int64_t chat, enum outbox_priority prio,
    int64_t not_before, const char *order_key, const char *params)
{
	struct outmsg	 m;
	int64_t		 id = 0;

	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.priority = prio;
	m.chat_id = chat;
	m.order_key = order_key;
	m.method = "sendMessage";
	m.params = params;
	m.not_before = not_before;
	m.cause = "test";
	m.cause_id = 7;
	assert_int_equal(outbox_enqueue(f->ob, &m, &id), 0);
	assert_true(id > 0);
	return id;
}

static int64_t
enqueue(struct outbox_test *f, int64_t chat, enum outbox_priority prio)
{
	return enqueue_full(f, chat, prio, 0, NULL,
	    "{\"chat_id\":1,\"text\":\"hi\"}");
}

/* Queues a reminder to `chat`, due at `at`; returns its id. */
static int64_t
remind_at(struct outbox_test *f, int64_t chat, int64_t at)
{
	return enqueue_full(f, chat, OUTBOX_PRIO_REMINDER, at, NULL, "{}");
}

static int
due(struct outbox_test *f, int64_t now)
{
	int	 n;

	n = outbox_due(f->ob, now, f->rows, MAXROWS);
	assert_true(n >= 0);
	return n;
}

/* outbox_due(now) returns exactly the ids given, in that order. */
static void
assert_due(struct outbox_test *f, int64_t now, int n, ...)
{
	va_list	 ap;
	int	 got, i;

	got = due(f, now);
	if (got != n) {
		for (i = 0; i < got; i++)
			print_message("due[%d] = %lld\n", i,
			    (long long)f->rows[i].id);
		fail_msg("%d rows due, expected %d", got, n);
	}
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		int64_t	 want = va_arg(ap, int64_t);

		if (f->rows[i].id != want) {
			va_end(ap);
			fail_msg("due[%d] = %lld, expected %lld", i,
			    (long long)f->rows[i].id, (long long)want);
		}
	}
	va_end(ap);
}

static int64_t
column_int(struct outbox_test *f, int64_t id, const char *col)
{
	sqlite3_stmt	*s = NULL;
	char		 sql[128];
	int64_t		 v;

	snprintf(sql, sizeof sql, "SELECT %s FROM outbox WHERE id = ?", col);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), sql, -1, &s,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The row is being sent, as the dispatcher marks it. */
static void
mark_sending(struct outbox_test *f, int64_t id)
{
	struct outbox_row	 r;
	sqlite3_stmt		*s = NULL;

	memset(&r, 0, sizeof r);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), "SELECT "
	    "priority, chat_key FROM outbox WHERE id = ?", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	r.id = id;
	r.priority = sqlite3_column_int(s, 0);
	assert_int_equal(sqlite3_column_bytes(s, 1), CRYPTO_INDEX_LEN);
	memcpy(r.chat_key, sqlite3_column_blob(s, 1), CRYPTO_INDEX_LEN);
	sqlite3_finalize(s);
	outbox_mark_sending(f->ob, &r);
}

static int
state_of(struct outbox_test *f, int64_t id)
{
	return (int)column_int(f, id, "state");
}

static void
assert_counts(struct outbox_test *f, int64_t q, int64_t sending, int64_t sent,
    int64_t failed)
{
	int64_t	 c[OUTBOX_NSTATES];

	assert_int_equal(outbox_counts(f->ob, c), 0);
	assert_int_equal(c[OUTBOX_QUEUED], q);
	assert_int_equal(c[OUTBOX_SENDING], sending);
	assert_int_equal(c[OUTBOX_SENT], sent);
	assert_int_equal(c[OUTBOX_FAILED], failed);
}

/*
 * `sql` (of the outbox) seeks through the index `index` and reads no
 * table or index whole, on a database with the schema's indexes.
 */
static void
assert_plan_seeks(struct outbox_test *f, const char *sql, const char *index)
{
	sqlite3_stmt	*s = NULL;
	char		 eqp[1024], want[64];
	int		 seek = 0, scan = 0;

	snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
	snprintf(want, sizeof want, "USING INDEX %s (", index);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), eqp, -1, &s,
	    NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(s, 3);

		seek |= strncmp(detail, "SEARCH", 6) == 0 &&
		    strstr(detail, want) != NULL;
		scan |= strncmp(detail, "SCAN", 4) == 0;
	}
	sqlite3_finalize(s);
	if (!seek || scan)
		fail_msg("%s: no seek in %s, or a scan", sql, index);
}

/* Sets the row's columns as a member's message of a family sent at `at`. */
static void
as_sent_to(struct outbox_test *f, int64_t id, int64_t family, int64_t member,
    int channel, int64_t at)
{
	sqlite3_stmt	*s = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), "UPDATE outbox "
	    "SET family_id = ?1, member_id = ?2, channel = ?3, state = 2, "
	    "sent_at = ?4 WHERE id = ?5", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, family);
	sqlite3_bind_int64(s, 2, member);
	sqlite3_bind_int(s, 3, channel);
	sqlite3_bind_int64(s, 4, at);
	sqlite3_bind_int64(s, 5, id);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/*
 * The channel that last carried a message to a member: the newest sent
 * and not reported failed, of that member only; found through the
 * family's rows, not by reading the whole outbox.
 */
static void
test_outbox_member_last_sent_reads_the_familys_rows(void **state)
{
	struct outbox_test	*f = *state;
	enum channel		 ch;
	int64_t			 at, a, b, c, d;
	char			 sql[512];
	int			 found = 0;

	assert_int_equal(store_begin(f->fx.st), 0);
	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	d = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	as_sent_to(f, a, 1, 10, CHANNEL_TELEGRAM, 1000);
	as_sent_to(f, b, 1, 10, CHANNEL_SMS, 2000);
	/* Another family's member, sent later. */
	as_sent_to(f, c, 2, 11, CHANNEL_SMS, 3000);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(outbox_member_last_sent(f->ob, 1, 10, &ch, &at), 0);
	assert_int_equal(ch, CHANNEL_SMS);
	assert_int_equal(at, 2000);
	/* The SMS reported failed does not count; a row queued neither. */
	assert_int_equal(outbox_set_delivery(f->ob, b, NULL, 3, "err", 2500,
	    &found), 0);
	assert_true(found);
	snprintf(sql, sizeof sql, "UPDATE outbox SET family_id = 1, "
	    "member_id = 10, sent_at = 9000 WHERE id = %lld", (long long)d);
	assert_int_equal(sqlite3_exec(store_db(f->fx.st), sql, NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(outbox_member_last_sent(f->ob, 1, 10, &ch, &at), 0);
	assert_int_equal(ch, CHANNEL_TELEGRAM);
	assert_int_equal(at, 1000);
	assert_int_equal(outbox_member_last_sent(f->ob, 1, 11, &ch, &at), 0);
	assert_int_equal(ch, 0);
	assert_int_equal(at, 0);
	assert_int_equal(outbox_member_last_sent(f->ob, 2, 11, &ch, &at), 0);
	assert_int_equal(ch, CHANNEL_SMS);
	/* The plan: the family's rows through their index. */
	assert_plan_seeks(f, outbox_member_last_sql, "outbox_family");
}

/* Stale receipts are looked for among the rows not sent only. */
static void
test_outbox_expire_reads_the_rows_not_sent(void **state)
{
	struct outbox_test	*f = *state;

	assert_plan_seeks(f, outbox_expire_sql, "outbox_live");
}

static void
test_outbox_enqueue_stores_payload_sealed(void **state)
{
	struct outbox_test	*f = *state;
	const char		*params = "{\"chat_id\":48123456,"
	    "\"text\":\"Dzień dobry, pani Olena: wizyta jutro o 10:00\"}";

	assert_int_equal(store_begin(f->fx.st), 0);
	enqueue_full(f, 48123456, OUTBOX_PRIO_CONVERSATION, 0, NULL, params);
	assert_int_equal(store_commit(f->fx.st), 0);
	/* The method is plain text: proof that the search sees the rows. */
	assert_true(fixture_db_has(&f->fx, "sendMessage"));
	assert_false(fixture_db_has(&f->fx, "wizyta jutro"));
	assert_false(fixture_db_has(&f->fx, "Olena"));
	assert_false(fixture_db_has(&f->fx, "48123456"));
}

static void
test_outbox_payload_returns_params(void **state)
{
	struct outbox_test	*f = *state;
	const char		*p1 = "{\"chat_id\":5,\"text\":\"Привіт\"}";
	const char		*p2 = "{\"chat_id\":6,\"text\":\"zażółć\"}";
	char			*out = NULL;
	size_t			 len = 0;
	int64_t			 a, b;

	a = enqueue_full(f, 5, OUTBOX_PRIO_CONVERSATION, 0, NULL, p1);
	b = enqueue_full(f, 6, OUTBOX_PRIO_CONVERSATION, 0, NULL, p2);
	assert_int_equal(outbox_payload(f->ob, b, &out, &len), 0);
	assert_string_equal(out, p2);
	assert_int_equal(len, strlen(p2));
	crypto_free_plain(out);
	assert_int_equal(outbox_payload(f->ob, a, &out, &len), 0);
	assert_string_equal(out, p1);
	crypto_free_plain(out);
}

/*
 * A due row's payload opens from what the due query read with it; a row
 * without that copy (found otherwise) is read from the table.
 */
static void
test_outbox_due_payload_is_the_rows(void **state)
{
	struct outbox_test	*f = *state;
	const char		*p[3] = { "{\"chat_id\":5,\"text\":\"Привіт\"}",
				    "{\"chat_id\":6,\"text\":\"zażółć\"}",
				    "{\"chat_id\":7,\"text\":\"hi\"}" };
	struct outbox_row	 rows[3];
	char			*out = NULL;
	size_t			 len = 0;
	int			 i;

	for (i = 0; i < 3; i++)
		(void)enqueue_full(f, 5 + i, OUTBOX_PRIO_CONVERSATION, 0, NULL,
		    p[i]);
	assert_int_equal(outbox_due(f->ob, T0, f->rows, 3), 3);
	memcpy(rows, f->rows, sizeof rows);
	for (i = 0; i < 3; i++) {
		assert_true(rows[i].sealed_len > 0);
		assert_int_equal(outbox_due_payload(f->ob, &rows[i], &out,
		    &len), 0);
		assert_string_equal(out, p[i]);
		assert_int_equal(len, strlen(p[i]));
		crypto_free_plain(out);
	}
	rows[2].sealed_off = rows[2].sealed_len = 0;
	assert_int_equal(outbox_due_payload(f->ob, &rows[2], &out, &len), 0);
	assert_string_equal(out, p[2]);
	crypto_free_plain(out);
}

static void
test_outbox_payload_of_missing_row_fails(void **state)
{
	struct outbox_test	*f = *state;
	char			*out = (char *)f;
	size_t			 len;

	assert_int_equal(outbox_payload(f->ob, 999, &out, &len), -1);
	assert_null(out);
}

static void
test_outbox_due_in_priority_then_id_order(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 d1, a1, b1, c1, e1;

	d1 = enqueue(f, 104, OUTBOX_PRIO_BROADCAST);
	a1 = enqueue(f, 101, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(f, 102, OUTBOX_PRIO_REMINDER);
	c1 = enqueue(f, 103, OUTBOX_PRIO_CONVERSATION);
	e1 = enqueue(f, 105, OUTBOX_PRIO_BROADCAST);
	assert_due(f, T0, 5, a1, c1, b1, d1, e1);
	/* A smaller batch takes the head of the same order. */
	assert_int_equal(outbox_due(f->ob, T0, f->rows, 2), 2);
	assert_int_equal(f->rows[0].id, a1);
	assert_int_equal(f->rows[1].id, c1);
	assert_int_equal(outbox_due(f->ob, T0, f->rows, 0), 0);
}

static void
test_outbox_due_row_carries_what_the_dispatcher_needs(void **state)
{
	struct outbox_test	*f = *state;
	unsigned char		 key[CRYPTO_INDEX_LEN];
	int64_t			 id;

	id = enqueue(f, 777, OUTBOX_PRIO_REMINDER);
	assert_due(f, T0, 1, id);
	outbox_chat_key(f->fx.keys, CHANNEL_TELEGRAM, 777, key);
	assert_memory_equal(f->rows[0].chat_key, key, CRYPTO_INDEX_LEN);
	assert_int_equal(f->rows[0].channel, CHANNEL_TELEGRAM);
	assert_int_equal(f->rows[0].priority, OUTBOX_PRIO_REMINDER);
	assert_int_equal(f->rows[0].attempts, 0);
	assert_int_equal(f->rows[0].is_group, 0);
	assert_string_equal(f->rows[0].method, "sendMessage");
}

static void
test_outbox_negative_chat_id_is_a_group(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 id;

	id = enqueue(f, -1001234567890LL, OUTBOX_PRIO_CONVERSATION);
	assert_due(f, T0, 1, id);
	assert_int_equal(f->rows[0].is_group, 1);
}

static void
test_outbox_keeps_order_within_a_chat(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a1, a2, a3, b1;

	a1 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	a3 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	assert_due(f, T0, 2, a1, b1);

	assert_int_equal(outbox_mark_sent(f->ob, a1, T0, 11), 0);
	assert_due(f, T0, 2, a2, b1);
	assert_int_equal(outbox_mark_sent(f->ob, a2, T0, 12), 0);
	assert_int_equal(outbox_mark_sent(f->ob, b1, T0, 13), 0);
	assert_due(f, T0, 1, a3);
}

static void
test_outbox_older_broadcast_holds_newer_reply_to_same_chat(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 bc, reply;

	bc = enqueue(f, 1, OUTBOX_PRIO_BROADCAST);
	reply = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	assert_due(f, T0, 1, bc);
	(void)reply;
}

static void
test_outbox_chat_with_row_sending_offers_nothing(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a1, a2, b1;

	a1 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	mark_sending(f, a1);
	assert_due(f, T0, 1, b1);
	assert_int_equal(outbox_mark_sent(f->ob, a1, T0, 0), 0);
	assert_due(f, T0, 2, a2, b1);
}

static void
test_outbox_future_row_does_not_block_later_due_row(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 later, now;

	/* A reminder for tomorrow, then an answer now, to one chat. */
	later = remind_at(f, 1, T0 + 86400000);
	now = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	assert_due(f, T0, 1, now);
	assert_due(f, T0 + 86399999, 1, now);
	/* Its time come, the older row goes first again. */
	assert_due(f, T0 + 86400000, 1, later);
	assert_int_equal(outbox_next_due(f->ob, T0), 0);
}

/*
 * Heads without a time and heads with one (scheduled, backing off) are
 * read from two indexes: together they still come in lane, then id order,
 * and a timed head only once its time has come.
 */
static void
test_outbox_due_merges_ready_and_timed_heads_in_lane_order(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 x, r, c, b;

	x = enqueue(f, 3, OUTBOX_PRIO_CONVERSATION);
	r = remind_at(f, 1, T0 + 1000);
	c = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 4, OUTBOX_PRIO_BROADCAST);
	mark_sending(f, x);
	assert_int_equal(outbox_mark_retry(f->ob, x, T0 + 500, 1, 502,
	    "Bad Gateway"), 0);
	assert_due(f, T0, 2, c, b);
	assert_due(f, T0 + 1000, 4, x, c, r, b);
	assert_int_equal(outbox_due(f->ob, T0 + 1000, f->rows, 2), 2);
	assert_int_equal(f->rows[0].id, x);
	assert_int_equal(f->rows[1].id, c);
	/* Ready heads read as due now; without them, the earliest time. */
	assert_int_equal(outbox_next_due(f->ob, T0), 0);
	mark_sending(f, c);
	mark_sending(f, b);
	assert_int_equal(outbox_next_due(f->ob, T0), T0 + 500);
}

static void
test_outbox_row_in_backoff_holds_later_rows_of_its_chat(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a1, a2, b1;

	a1 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	mark_sending(f, a1);
	assert_int_equal(outbox_mark_retry(f->ob, a1, T0 + 5000, 1, 502,
	    "Bad Gateway"), 0);
	/* a2 must not overtake a1 while a1 waits for its retry. */
	assert_due(f, T0, 1, b1);
	assert_due(f, T0 + 5000, 2, a1, b1);
	(void)a2;
}

/*
 * Regression (outbox_due, outbox_due_sql): outbox.h promises rows "with
 * nothing of that chat in flight", but the NOT EXISTS only looks at rows
 * with a smaller id. A delayed older row (a reminder) becomes due while a
 * newer row of the same chat is `sending`, and both are in flight at once.
 */
static void
test_outbox_delayed_row_waits_for_newer_row_in_flight(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 later, now;

	later = remind_at(f, 1, T0 + 1000);
	now = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	assert_due(f, T0, 1, now);
	mark_sending(f, now);
	assert_due(f, T0 + 1000, 0);
	(void)later;
}

static void
test_outbox_next_due_is_earliest_queued_time(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b;

	assert_true(outbox_next_due(f->ob, T0) == INT64_MAX);
	a = remind_at(f, 1, T0 + 9000);
	b = remind_at(f, 2, T0 + 3000);
	assert_int_equal(outbox_next_due(f->ob, T0), T0 + 3000);
	mark_sending(f, b);
	assert_int_equal(outbox_mark_retry(f->ob, b, T0 + 20000, 1, 500,
	    "x"), 0);
	assert_int_equal(outbox_next_due(f->ob, T0), T0 + 9000);
	assert_int_equal(outbox_mark_failed(f->ob, a, 400, "x"), 0);
	assert_int_equal(outbox_next_due(f->ob, T0), T0 + 20000);
}

static void
test_outbox_transitions_and_counts(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b, c, d;

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 3, OUTBOX_PRIO_CONVERSATION);
	d = enqueue(f, 4, OUTBOX_PRIO_CONVERSATION);
	assert_counts(f, 4, 0, 0, 0);

	mark_sending(f, a);
	mark_sending(f, b);
	mark_sending(f, c);
	assert_counts(f, 1, 3, 0, 0);
	assert_due(f, T0, 1, d);

	assert_int_equal(outbox_mark_sent(f->ob, a, T0 + 1, 4242), 0);
	assert_int_equal(state_of(f, a), OUTBOX_SENT);
	assert_int_equal(column_int(f, a, "ext_message_id"), 4242);
	assert_int_equal(column_int(f, a, "sent_at"), T0 + 1);
	assert_int_equal(column_int(f, a, "attempts"), 1);

	assert_int_equal(outbox_mark_retry(f->ob, b, T0 + 500, 1, 500,
	    "Internal Server Error"), 0);
	assert_int_equal(state_of(f, b), OUTBOX_QUEUED);
	assert_int_equal(column_int(f, b, "attempts"), 1);
	assert_int_equal(column_int(f, b, "error_code"), 500);

	assert_int_equal(outbox_mark_failed(f->ob, c, 400,
	    "Bad Request: chat not found"), 0);
	assert_int_equal(state_of(f, c), OUTBOX_FAILED);
	assert_int_equal(column_int(f, c, "attempts"), 1);
	assert_int_equal(column_int(f, c, "error_code"), 400);
	assert_counts(f, 2, 0, 1, 1);

	/* Failed and sent rows are never offered again. */
	assert_due(f, T0 + 1000, 2, b, d);
}

static void
test_outbox_retry_counts_attempt_only_when_asked(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a;

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	mark_sending(f, a);
	/* A 429 is not the message's fault: no attempt counted. */
	assert_int_equal(outbox_mark_retry(f->ob, a, T0 + 3000, 0, 429,
	    "Too Many Requests"), 0);
	assert_int_equal(column_int(f, a, "attempts"), 0);
	assert_due(f, T0 + 2999, 0);
	assert_due(f, T0 + 3000, 1, a);
	assert_int_equal(f->rows[0].attempts, 0);
	mark_sending(f, a);
	assert_int_equal(outbox_mark_retry(f->ob, a, T0 + 4000, 1, 502,
	    "Bad Gateway"), 0);
	assert_due(f, T0 + 4000, 1, a);
	assert_int_equal(f->rows[0].attempts, 1);
}

/* Sending is a mark in memory: once per row, ended by the outcome. */
static void
test_outbox_mark_sending_writes_nothing(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b;
	int64_t			 depth[OUTBOX_NPRIOS][OUTBOX_NSTATES];

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 2, OUTBOX_PRIO_BROADCAST);
	mark_sending(f, a);
	mark_sending(f, a);
	mark_sending(f, b);
	assert_int_equal(state_of(f, a), OUTBOX_QUEUED);
	assert_int_equal(outbox_in_flight(f->ob), 2);
	assert_counts(f, 0, 2, 0, 0);
	assert_int_equal(outbox_depth(f->ob, depth), 0);
	assert_int_equal(depth[OUTBOX_PRIO_BROADCAST][OUTBOX_SENDING], 1);
	assert_int_equal(depth[OUTBOX_PRIO_BROADCAST][OUTBOX_QUEUED], 0);
	assert_int_equal(outbox_mark_sent(f->ob, a, T0, 1), 0);
	assert_int_equal(outbox_mark_retry(f->ob, b, T0 + 10, 1, 500, "x"), 0);
	assert_int_equal(outbox_in_flight(f->ob), 0);
	assert_counts(f, 1, 0, 1, 0);
}

/* Reopens the store and the outbox, as a restart after a crash. */
static void
reopen(struct outbox_test *f)
{
	char	 err[256];

	outbox_free(f->ob);
	store_close(f->fx.st);
	assert_int_equal(store_open(f->fx.db, &f->fx.st, err, sizeof err), 0);
	f->ob = outbox_new(f->fx.st, f->fx.keys);
	assert_non_null(f->ob);
}

/*
 * Sending is not written: a crash leaves the rows in flight queued, the
 * heads of their chats, sent again first after the restart.
 */
static void
test_outbox_rows_in_flight_are_queued_after_a_restart(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a1, a2, b;

	a1 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 2, OUTBOX_PRIO_RECEIPT);
	mark_sending(f, a1);
	mark_sending(f, b);
	assert_int_equal(outbox_in_flight(f->ob), 2);
	assert_counts(f, 1, 2, 0, 0);
	assert_int_equal(state_of(f, a1), OUTBOX_QUEUED);
	assert_due(f, T0, 0);
	reopen(f);
	assert_int_equal(outbox_in_flight(f->ob), 0);
	assert_counts(f, 3, 0, 0, 0);
	assert_due(f, T0, 2, a1, b);
	(void)a2;
}

/* A receipt in flight is neither replaced nor given up as stale. */
static void
test_outbox_receipt_in_flight_stays(void **state)
{
	struct outbox_test	*f = *state;
	struct outmsg		 m;
	int64_t			 a, b;
	int			 n = -1;

	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.priority = OUTBOX_PRIO_RECEIPT;
	m.chat_id = 1;
	m.method = "setMessageReaction";
	m.params = "{}";
	m.cause = "test";
	m.receipt_key = "setMessageReaction:1:5";
	assert_int_equal(outbox_enqueue(f->ob, &m, &a), 0);
	mark_sending(f, a);
	assert_int_equal(outbox_enqueue(f->ob, &m, &b), 0);
	assert_int_equal(state_of(f, a), OUTBOX_QUEUED);
	assert_int_equal(outbox_expire_receipts(f->ob, INT64_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(f, a), OUTBOX_QUEUED);
	assert_int_equal(state_of(f, b), OUTBOX_FAILED);
	assert_int_equal(outbox_mark_sent(f->ob, a, T0, 9), 0);
	assert_int_equal(state_of(f, a), OUTBOX_SENT);
}

/* Rows an older version wrote as `sending` (state 1) are queued again. */
static void
test_outbox_requeue_sending_reports_count(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b, c, d;
	int			 n = -1;

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 3, OUTBOX_PRIO_CONVERSATION);
	d = enqueue(f, 4, OUTBOX_PRIO_CONVERSATION);
	assert_int_equal(sqlite3_exec(store_db(f->fx.st), "UPDATE outbox SET "
	    "state = 1 WHERE id IN (1, 2)", NULL, NULL, NULL), SQLITE_OK);
	assert_true(a == 1 && b == 2);
	mark_sending(f, d);
	assert_int_equal(outbox_mark_sent(f->ob, d, T0, 1), 0);
	assert_counts(f, 1, 2, 1, 0);

	/* As after a crash: reopen, then requeue. */
	outbox_free(f->ob);
	store_close(f->fx.st);
	{
		char	 err[256];

		assert_int_equal(store_open(f->fx.db, &f->fx.st, err,
		    sizeof err), 0);
	}
	f->ob = outbox_new(f->fx.st, f->fx.keys);
	assert_non_null(f->ob);
	assert_int_equal(outbox_requeue_sending(f->ob, 0, &n), 0);
	assert_int_equal(n, 2);
	assert_counts(f, 3, 0, 1, 0);
	assert_due(f, T0, 3, a, b, c);
	assert_int_equal(outbox_requeue_sending(f->ob, 0, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_outbox_retry_failed_requeues_only_failed_rows(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b, c;
	int			 changed = -1;

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 2, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 3, OUTBOX_PRIO_CONVERSATION);
	mark_sending(f, a);
	assert_int_equal(outbox_mark_retry(f->ob, a, T0 + 99999, 1, 500,
	    "x"), 0);
	assert_int_equal(outbox_mark_failed(f->ob, a, 500, "gave up"), 0);
	mark_sending(f, b);
	assert_int_equal(outbox_mark_sent(f->ob, b, T0, 5), 0);

	assert_int_equal(outbox_retry_failed(f->ob, a, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(state_of(f, a), OUTBOX_QUEUED);
	assert_int_equal(column_int(f, a, "attempts"), 0);
	assert_due(f, T0, 2, a, c);

	/* A sent message is never sent twice; a queued one stays put. */
	changed = -1;
	if (outbox_retry_failed(f->ob, b, &changed) == 0)
		assert_int_equal(changed, 0);
	assert_int_equal(state_of(f, b), OUTBOX_SENT);
	changed = -1;
	if (outbox_retry_failed(f->ob, c, &changed) == 0)
		assert_int_equal(changed, 0);
	assert_int_equal(state_of(f, c), OUTBOX_QUEUED);
}

static void
test_outbox_chat_key_separates_channels_and_chats(void **state)
{
	struct outbox_test	*f = *state;
	unsigned char		 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];
	unsigned char		 c[CRYPTO_INDEX_LEN], a2[CRYPTO_INDEX_LEN];

	outbox_chat_key(f->fx.keys, CHANNEL_TELEGRAM, 1001, a);
	outbox_chat_key(f->fx.keys, CHANNEL_TELEGRAM, 1001, a2);
	outbox_chat_key(f->fx.keys, CHANNEL_SMS, 1001, b);
	outbox_chat_key(f->fx.keys, CHANNEL_TELEGRAM, -1001, c);
	assert_memory_equal(a, a2, sizeof a);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
}

static void
test_outbox_order_key_rows_are_independent_of_chat(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 m1, m2, cb1, cb2, other;

	m1 = enqueue(f, -5, OUTBOX_PRIO_CONVERSATION);
	m2 = enqueue(f, -5, OUTBOX_PRIO_CONVERSATION);
	cb1 = enqueue_full(f, -5, OUTBOX_PRIO_CONVERSATION, 0, "cbq:1", "{}");
	cb2 = enqueue_full(f, -5, OUTBOX_PRIO_CONVERSATION, 0, "cbq:1", "{}");
	other = enqueue_full(f, -5, OUTBOX_PRIO_CONVERSATION, 0, "cbq:2",
	    "{}");
	mark_sending(f, m1);
	/* The chat is busy; the callback answers are not held by it. */
	assert_due(f, T0, 2, cb1, other);
	assert_int_equal(f->rows[0].is_group, 0);
	/* Rows sharing a key keep their order among themselves. */
	mark_sending(f, cb1);
	assert_due(f, T0, 1, other);
	assert_int_equal(outbox_mark_sent(f->ob, cb1, T0, 0), 0);
	assert_int_equal(outbox_mark_sent(f->ob, m1, T0, 0), 0);
	assert_due(f, T0, 3, m2, cb2, other);
}

/* Flips one byte of row `id`'s payload with plain SQL. */
static void
tamper(struct outbox_test *f, int64_t id, int at)
{
	sqlite3_stmt	*s = NULL;
	unsigned char	*blob;
	int		 len;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), "SELECT "
	    "payload FROM outbox WHERE id = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	len = sqlite3_column_bytes(s, 0);
	assert_true(len > CRYPTO_OVERHEAD && at < len);
	blob = malloc((size_t)len);
	assert_non_null(blob);
	memcpy(blob, sqlite3_column_blob(s, 0), (size_t)len);
	sqlite3_finalize(s);
	blob[at] ^= 0x01;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->fx.st), "UPDATE outbox "
	    "SET payload = ? WHERE id = ?", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, blob, len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(blob);
}

static void
test_outbox_tampered_payload_fails_to_open(void **state)
{
	struct outbox_test	*f = *state;
	char			*out = (char *)f;
	size_t			 len;
	int64_t			 a, b, c;

	a = enqueue_full(f, 1, OUTBOX_PRIO_CONVERSATION, 0, NULL,
	    "{\"text\":\"pay 100 zł\"}");
	b = enqueue_full(f, 2, OUTBOX_PRIO_CONVERSATION, 0, NULL,
	    "{\"text\":\"x\"}");
	c = enqueue_full(f, 3, OUTBOX_PRIO_CONVERSATION, 0, NULL,
	    "{\"text\":\"y\"}");
	tamper(f, a, 30);	/* in the ciphertext */
	tamper(f, b, 0);	/* in the nonce */
	assert_int_equal(outbox_payload(f->ob, a, &out, &len), -1);
	assert_null(out);
	out = (char *)f;
	assert_int_equal(outbox_payload(f->ob, b, &out, &len), -1);
	assert_null(out);
	assert_int_equal(outbox_payload(f->ob, c, &out, &len), 0);
	crypto_free_plain(out);
}

static void
test_outbox_payload_copied_to_other_row_fails_to_open(void **state)
{
	struct outbox_test	*f = *state;
	char			*out = (char *)f;
	size_t			 len;
	int64_t			 a, b;

	a = enqueue_full(f, 1, OUTBOX_PRIO_CONVERSATION, 0, NULL,
	    "{\"text\":\"for family 1\"}");
	b = enqueue_full(f, 2, OUTBOX_PRIO_CONVERSATION, 0, NULL,
	    "{\"text\":\"for family 2\"}");
	(void)a;
	assert_int_equal(store_exec(f->fx.st, "UPDATE outbox SET payload = "
	    "(SELECT payload FROM outbox WHERE id = 1) WHERE id = 2",
	    "test"), 0);
	assert_int_equal(outbox_payload(f->ob, b, &out, &len), -1);
	assert_null(out);
}

static void
test_outbox_state_names(void **state)
{
	(void)state;
	assert_string_equal(outbox_state_name(OUTBOX_QUEUED), "queued");
	assert_string_equal(outbox_state_name(OUTBOX_SENDING), "sending");
	assert_string_equal(outbox_state_name(OUTBOX_SENT), "sent");
	assert_string_equal(outbox_state_name(OUTBOX_FAILED), "failed");
	assert_string_equal(outbox_state_name((enum outbox_state)9), "?");
}

/* Per lane and state, sent rows left out; failed rows stay counted. */
static void
test_outbox_depth_counts_rows_per_lane_and_state(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 d[OUTBOX_NPRIOS][OUTBOX_NSTATES];
	int64_t			 a, b, c;

	a = enqueue(f, 500, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 501, OUTBOX_PRIO_CONVERSATION);
	enqueue(f, 502, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 503, OUTBOX_PRIO_BROADCAST);
	enqueue(f, 504, OUTBOX_PRIO_BROADCAST);
	enqueue(f, 505, OUTBOX_PRIO_REMINDER);
	mark_sending(f, a);
	assert_int_equal(outbox_mark_sent(f->ob, b, 1, 0), 0);
	assert_int_equal(outbox_mark_failed(f->ob, c, 400, "Bad Request"), 0);
	assert_int_equal(outbox_depth(f->ob, d), 0);
	assert_int_equal(d[OUTBOX_PRIO_CONVERSATION][OUTBOX_QUEUED], 1);
	assert_int_equal(d[OUTBOX_PRIO_CONVERSATION][OUTBOX_SENDING], 1);
	assert_int_equal(d[OUTBOX_PRIO_CONVERSATION][OUTBOX_SENT], 0);
	assert_int_equal(d[OUTBOX_PRIO_REMINDER][OUTBOX_QUEUED], 1);
	assert_int_equal(d[OUTBOX_PRIO_BROADCAST][OUTBOX_QUEUED], 1);
	assert_int_equal(d[OUTBOX_PRIO_BROADCAST][OUTBOX_FAILED], 1);
	assert_int_equal(d[OUTBOX_PRIO_REMINDER][OUTBOX_FAILED], 0);
	assert_string_equal(outbox_priority_name(OUTBOX_PRIO_REMINDER),
	    "reminder");
	assert_string_equal(outbox_priority_name((enum outbox_priority)7),
	    "?");
}

/* Our copy of a relayed message in a chat: the newest one sent there. */
static void
test_outbox_sent_copy_is_the_newest_sent_in_that_chat(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b, c, ext;

	a = enqueue(f, 500, OUTBOX_PRIO_CONVERSATION);	/* cause test, 7 */
	b = enqueue(f, 500, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(f, 501, OUTBOX_PRIO_CONVERSATION);
	assert_int_equal(outbox_sent_copy(f->ob, CHANNEL_TELEGRAM, 500,
	    "test", 7, &ext), 0);
	assert_int_equal(ext, 0);	/* nothing sent yet */
	assert_int_equal(outbox_mark_sent(f->ob, a, T0, 31), 0);
	assert_int_equal(outbox_mark_sent(f->ob, b, T0, 32), 0);
	assert_int_equal(outbox_mark_sent(f->ob, c, T0, 33), 0);
	assert_int_equal(outbox_sent_copy(f->ob, CHANNEL_TELEGRAM, 500,
	    "test", 7, &ext), 0);
	assert_int_equal(ext, 32);
	assert_int_equal(outbox_sent_copy(f->ob, CHANNEL_TELEGRAM, 501,
	    "test", 7, &ext), 0);
	assert_int_equal(ext, 33);
	assert_int_equal(outbox_sent_copy(f->ob, CHANNEL_TELEGRAM, 500,
	    "relay", 7, &ext), 0);
	assert_int_equal(ext, 0);
	assert_int_equal(outbox_sent_copy(f->ob, CHANNEL_TELEGRAM, 500,
	    "test", 8, &ext), 0);
	assert_int_equal(ext, 0);
}

/* Queues a receipt about message `mid` of `chat`; returns its id. */
static int64_t
enqueue_receipt(struct outbox_test *f, int64_t chat, int64_t mid)
{
	struct outmsg	 m;
	char		 key[64];
	int64_t		 id = 0;

	snprintf(key, sizeof key, "r:%lld:%lld", (long long)chat,
	    (long long)mid);
	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.priority = OUTBOX_PRIO_RECEIPT;
	m.chat_id = chat;
	m.method = "setMessageReaction";
	m.params = "{}";
	m.cause = "test";
	m.receipt_key = key;
	assert_int_equal(outbox_enqueue(f->ob, &m, &id), 0);
	return id;
}

static void
test_outbox_receipts_are_outside_their_chats_order(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 r1, r2, a1, a2;

	r1 = enqueue_receipt(f, 1, 10);
	a1 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	r2 = enqueue_receipt(f, 1, 11);
	a2 = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	/* The conversation first; both receipts, held by nothing, last. */
	assert_due(f, T0, 3, a1, r1, r2);
	/* A receipt in flight holds no message of its chat. */
	mark_sending(f, r1);
	assert_due(f, T0, 2, a1, r2);
	mark_sending(f, a1);
	assert_due(f, T0, 1, r2);
	assert_int_equal(outbox_mark_sent(f->ob, a1, T0, 5), 0);
	assert_due(f, T0, 2, a2, r2);
}

static void
test_outbox_newer_receipt_replaces_a_queued_one(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 r1, r2, r3;

	r1 = enqueue_receipt(f, 1, 10);
	r2 = enqueue_receipt(f, 1, 10);
	r3 = enqueue_receipt(f, 1, 11);
	assert_due(f, T0, 2, r2, r3);
	/* One in flight is not replaced; the next waits behind nothing. */
	mark_sending(f, r2);
	r1 = enqueue_receipt(f, 1, 10);
	assert_due(f, T0, 2, r3, r1);
	/* Sending is the mark in memory: its row is still there, queued. */
	assert_int_equal(state_of(f, r2), OUTBOX_QUEUED);
}

static void
test_outbox_stale_receipts_expire(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 r, a, at;
	int			 n = -1;

	r = enqueue_receipt(f, 1, 10);
	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	at = column_int(f, r, "created_at");
	assert_int_equal(outbox_expire_receipts(f->ob, at, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(outbox_expire_receipts(f->ob, at + 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(state_of(f, r), OUTBOX_FAILED);
	/* Only receipts are best effort. */
	assert_int_equal(state_of(f, a), OUTBOX_QUEUED);
}

static void
test_outbox_backlog_behind_a_head_is_not_read(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 ids[5];
	int			 i;

	for (i = 0; i < 5; i++)
		ids[i] = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	/* Only the first is a head; each one done makes the next one. */
	assert_int_equal(column_int(f, ids[0], "head"), 1);
	for (i = 1; i < 5; i++)
		assert_int_equal(column_int(f, ids[i], "head"), 0);
	for (i = 0; i < 5; i++) {
		assert_due(f, T0, 1, ids[i]);
		mark_sending(f, ids[i]);
		if (i % 2 == 0)
			assert_int_equal(outbox_mark_sent(f->ob, ids[i], T0,
			    0), 0);
		else
			assert_int_equal(outbox_mark_failed(f->ob, ids[i],
			    400, "x"), 0);
	}
	assert_due(f, T0, 0);
	assert_true(outbox_next_due(f->ob, T0) == INT64_MAX);
}

static void
test_outbox_requeued_failed_row_is_a_head(void **state)
{
	struct outbox_test	*f = *state;
	int64_t			 a, b;
	int			 changed = 0;

	a = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(f, 1, OUTBOX_PRIO_CONVERSATION);
	mark_sending(f, a);
	assert_int_equal(outbox_mark_failed(f->ob, a, 400, "x"), 0);
	mark_sending(f, b);
	assert_int_equal(outbox_mark_sent(f->ob, b, T0, 0), 0);
	assert_int_equal(outbox_retry_failed(f->ob, a, &changed), 0);
	assert_int_equal(changed, 1);
	assert_due(f, T0, 1, a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_outbox_member_last_sent_reads_the_familys_rows),
		T(test_outbox_expire_reads_the_rows_not_sent),
		T(test_outbox_enqueue_stores_payload_sealed),
		T(test_outbox_payload_returns_params),
		T(test_outbox_due_payload_is_the_rows),
		T(test_outbox_payload_of_missing_row_fails),
		T(test_outbox_due_in_priority_then_id_order),
		T(test_outbox_due_row_carries_what_the_dispatcher_needs),
		T(test_outbox_negative_chat_id_is_a_group),
		T(test_outbox_keeps_order_within_a_chat),
		T(test_outbox_older_broadcast_holds_newer_reply_to_same_chat),
		T(test_outbox_chat_with_row_sending_offers_nothing),
		T(test_outbox_future_row_does_not_block_later_due_row),
		T(test_outbox_due_merges_ready_and_timed_heads_in_lane_order),
		T(test_outbox_row_in_backoff_holds_later_rows_of_its_chat),
		T(test_outbox_delayed_row_waits_for_newer_row_in_flight),
		T(test_outbox_next_due_is_earliest_queued_time),
		T(test_outbox_transitions_and_counts),
		T(test_outbox_retry_counts_attempt_only_when_asked),
		T(test_outbox_mark_sending_writes_nothing),
		T(test_outbox_requeue_sending_reports_count),
		T(test_outbox_rows_in_flight_are_queued_after_a_restart),
		T(test_outbox_receipt_in_flight_stays),
		T(test_outbox_retry_failed_requeues_only_failed_rows),
		T(test_outbox_chat_key_separates_channels_and_chats),
		T(test_outbox_order_key_rows_are_independent_of_chat),
		T(test_outbox_tampered_payload_fails_to_open),
		T(test_outbox_payload_copied_to_other_row_fails_to_open),
		T(test_outbox_state_names),
		T(test_outbox_sent_copy_is_the_newest_sent_in_that_chat),
		T(test_outbox_depth_counts_rows_per_lane_and_state),
		T(test_outbox_receipts_are_outside_their_chats_order),
		T(test_outbox_newer_receipt_replaces_a_queued_one),
		T(test_outbox_stale_receipts_expire),
		T(test_outbox_backlog_behind_a_head_is_not_read),
		T(test_outbox_requeued_failed_row_is_a_head),
#undef T
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}
