/*
 * Unit tests for daemon/dispatch/dispatch.c: which outbox rows go out and in what
 * order, the rate limits, and what each answer of a channel does to a
 * row. A fake sender stands for Telegram and the SMS gateway: it records
 * what it got and answers what the test says, at once or when the test
 * lets it. Time is the test's: the dispatcher reads a clock the tests
 * move by hand, and the loop is only run for what is ready now.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "config.h"
#include "crypto.h"
#include "dispatch.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "unit/fixture.h"

#define MONO0	5000			/* the monotonic clock at start, ms */
#define WALL0	1700000000000LL		/* the wall clock at start, unix ms */
#define MAXSENT	64
#define DISPATCH_TEST_SYNC_MS	1000	/* dispatch.c's DISPATCH_SYNC_MS */

/* One call of the fake sender. */
struct sent {
	int64_t		 id;
	enum channel	 channel;
	int		 attempts;	/* before this one */
	char		 params[128];
	int64_t		 mono, wall;	/* when */
};

/* One final outcome told to the outcome hook. */
struct final {
	int64_t		 id;
	enum send_status status;
};

struct dispatch_test {
	struct fixture		 fx;
	struct config		*cfg;
	struct outbox		*ob;
	struct event_base	*base;
	struct dispatch		*d;
	int64_t			 mono, wall;	/* what the dispatcher reads */
	struct send_result	 answer;	/* how sends are answered */
	int			 hold;		/* or kept in flight */
	struct dispatch_job	*held[MAXSENT];	/* NULL once answered */
	int			 nheld;
	struct sent		 sent[MAXSENT];
	int			 nsent;
	struct final		 final[MAXSENT];
	int			 nfinal;
	int64_t			 gate_refuses;	/* a row id, 0: none */
};

static int64_t
test_mono(void *arg)
{
	return ((struct dispatch_test *)arg)->mono;
}

static int64_t
test_wall(void *arg)
{
	return ((struct dispatch_test *)arg)->wall;
}

static void
fake_send(void *arg, struct dispatch_job *job, const struct outbox_row *row,
    const char *params, size_t len)
{
	struct dispatch_test	*t = arg;
	struct send_result	 res;
	struct sent		*s;

	assert_true(t->nsent < MAXSENT);
	s = &t->sent[t->nsent++];
	s->id = row->id;
	s->channel = row->channel;
	s->attempts = row->attempts;
	snprintf(s->params, sizeof s->params, "%.*s", (int)len, params);
	s->mono = t->mono;
	s->wall = t->wall;
	if (t->hold) {
		t->held[t->nheld++] = job;
		return;
	}
	res = t->answer;
	if (res.status == SEND_OK)
		res.message_id = 9000 + row->id;
	dispatch_done(job, &res);
}

static int
test_gate(void *arg, const struct outbox_row *row, char *why, size_t whylen)
{
	struct dispatch_test	*t = arg;

	if (row->id != t->gate_refuses)
		return 0;
	snprintf(why, whylen, "the family said /stop");
	return 1;
}

static int
test_outcome(void *arg, const struct outbox_row *row,
    const struct send_result *res)
{
	struct dispatch_test	*t = arg;

	assert_true(t->nfinal < MAXSENT);
	t->final[t->nfinal].id = row->id;
	t->final[t->nfinal].status = res->status;
	t->nfinal++;
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	/* Retries and failures are what these tests are about. */
	log_set_level(LOGL_ERR);
	return 0;
}

static int
teardown(void **state)
{
	struct dispatch_test	*t = *state;
	struct send_result	 res;
	int			 i, rc;

	/* Every job ends with one dispatch_done(), even at the end. */
	memset(&res, 0, sizeof res);
	res.status = SEND_RETRY;
	for (i = 0; i < t->nheld; i++)
		if (t->held[i] != NULL)
			dispatch_done(t->held[i], &res);
	dispatch_free(t->d);
	if (t->base != NULL)
		event_base_free(t->base);
	outbox_free(t->ob);
	config_free(t->cfg);
	rc = fixture_teardown(&t->fx);
	free(t);
	return rc;
}

/*
 * Everything but the dispatcher, which start() makes once the test has
 * set the limits: no limits, room for 16 sends, 3 attempts.
 */
static int
setup(void **state)
{
	struct dispatch_test	*t;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return -1;
	*state = t;
	if (fixture_setup(&t->fx, "dispatch", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || config_load(NULL, stderr, &t->cfg) != 0 ||
	    (t->ob = outbox_new(t->fx.st, t->fx.keys)) == NULL ||
	    (t->base = event_base_new()) == NULL) {
		teardown(state);
		return -1;
	}
	t->cfg->global_per_second = 0;
	t->cfg->per_chat_per_second = 0;
	t->cfg->per_group_per_minute = 0;
	t->cfg->sms_per_second = 0;
	t->cfg->max_in_flight = 16;
	t->cfg->max_attempts = 3;
	t->cfg->backoff_initial_ms = 1000;
	t->cfg->backoff_max_s = 60;
	t->cfg->auth_pause_s = 60;
	t->mono = MONO0;
	t->wall = WALL0;
	t->answer.status = SEND_OK;
	return 0;
}

/* Runs the loop until nothing is ready now; never waits. */
static void
pump(struct dispatch_test *t)
{
	int	 i;

	for (i = 0; i < 1000; i++) {
		assert_int_not_equal(event_base_loop(t->base, EVLOOP_NONBLOCK),
		    -1);
		if (event_base_get_num_events(t->base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			return;
	}
	fail_msg("the loop never settles");
}

/* The dispatcher on the test's clock, with the fake sender on both channels. */
static void
start(struct dispatch_test *t)
{
	const struct dispatch_clock	 clock = {
		.mono_ms = test_mono,
		.wall_ms = test_wall,
		.arg = t,
	};

	t->d = dispatch_new(t->base, t->fx.st, t->ob, t->cfg);
	assert_non_null(t->d);
	dispatch_set_clock(t->d, &clock);
	dispatch_set_sender(t->d, CHANNEL_TELEGRAM, fake_send, t);
	dispatch_set_sender(t->d, CHANNEL_SMS, fake_send, t);
	dispatch_set_hooks(t->d, test_gate, test_outcome, t);
	assert_int_equal(dispatch_start(t->d), 0);
	pump(t);
}

/* Both clocks move on by `ms`; the dispatcher looks again. */
static void
advance(struct dispatch_test *t, int64_t ms)
{
	t->mono += ms;
	t->wall += ms;
	dispatch_kick(t->d);
	pump(t);
}

/* The held job `i` is answered: t->answer, with `status`. */
static void
answer_held(struct dispatch_test *t, int i, enum send_status status)
{
	struct send_result	 res;

	assert_true(i < t->nheld);
	assert_non_null(t->held[i]);
	res = t->answer;
	res.status = status;
	dispatch_done(t->held[i], &res);
	t->held[i] = NULL;
	dispatch_kick(t->d);
	pump(t);
}

static int64_t
enqueue_at(struct dispatch_test *t, enum channel ch, int64_t chat,
    enum outbox_priority prio, int64_t not_before)
{
	struct outmsg	 m;
	char		 params[96];
	int64_t		 id = 0;

	snprintf(params, sizeof params, "{\"chat_id\":%lld,\"text\":\"hi\"}",
	    (long long)chat);
	memset(&m, 0, sizeof m);
	m.channel = ch;
	m.priority = prio;
	m.chat_id = chat;
	m.method = ch == CHANNEL_SMS ? "sms" : "sendMessage";
	m.params = params;
	m.not_before = not_before;
	m.cause = "test";
	assert_int_equal(outbox_enqueue(t->ob, &m, &id), 0);
	return id;
}

static int64_t
enqueue(struct dispatch_test *t, int64_t chat, enum outbox_priority prio)
{
	return enqueue_at(t, CHANNEL_TELEGRAM, chat, prio, 0);
}

static struct outbox_info
info(struct dispatch_test *t, int64_t id)
{
	struct outbox_info	 i;

	assert_int_equal(outbox_list(t->ob, -1, 0, id, &i, 1), 1);
	return i;
}

/* The ids sent, in order, are exactly `n` ids that follow. */
static void
assert_sent(struct dispatch_test *t, int n, ...)
{
	va_list	 ap;
	int64_t	 want;
	int	 i;

	if (t->nsent != n)
		fail_msg("%d rows sent, %d expected", t->nsent, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		want = va_arg(ap, int64_t);
		if (t->sent[i].id != want)
			fail_msg("send %d was row %lld, not %lld", i,
			    (long long)t->sent[i].id, (long long)want);
	}
	va_end(ap);
}

static int
times_sent(struct dispatch_test *t, int64_t id)
{
	int	 i, n = 0;

	for (i = 0; i < t->nsent; i++)
		if (t->sent[i].id == id)
			n++;
	return n;
}

/* PRAGMA synchronous on the store's connection. */
static int
sync_level(struct dispatch_test *t)
{
	sqlite3_stmt	*s = NULL;
	int		 v;

	assert_int_equal(sqlite3_prepare_v2(store_db(t->fx.st),
	    "PRAGMA synchronous", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static struct dispatch_stats
stats(struct dispatch_test *t)
{
	struct dispatch_stats	 s;

	dispatch_get_stats(t->d, &s);
	return s;
}

/* ---- claim order ----------------------------------------------------- */

static void
test_dispatch_sends_due_rows_in_queue_order(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a, b, c;

	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(t, 103, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 3, a, b, c);
	/* The sender got the row's payload, opened. */
	assert_string_equal(t->sent[1].params,
	    "{\"chat_id\":102,\"text\":\"hi\"}");
	assert_int_equal(info(t, a).state, OUTBOX_SENT);
	assert_int_equal(info(t, b).state, OUTBOX_SENT);
	assert_int_equal(info(t, c).state, OUTBOX_SENT);
	assert_int_equal(stats(t).sent, 3);
	assert_int_equal(stats(t).in_flight, 0);
	assert_int_equal(t->nfinal, 3);
	assert_int_equal(t->final[0].status, SEND_OK);
}

static void
test_dispatch_holds_a_row_until_its_not_before(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 later, now;

	later = enqueue_at(t, CHANNEL_TELEGRAM, 101, OUTBOX_PRIO_REMINDER,
	    WALL0 + 60000);
	now = enqueue(t, 102, OUTBOX_PRIO_REMINDER);
	start(t);
	assert_sent(t, 1, now);
	advance(t, 59999);
	assert_sent(t, 1, now);
	assert_int_equal(info(t, later).state, OUTBOX_QUEUED);
	advance(t, 1);
	assert_sent(t, 2, now, later);
}

static void
test_dispatch_never_more_in_flight_than_allowed(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 id[5];
	int			 i;

	t->cfg->max_in_flight = 2;
	t->hold = 1;
	for (i = 0; i < 5; i++)
		id[i] = enqueue(t, 200 + i, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 2, id[0], id[1]);
	assert_int_equal(stats(t).in_flight, 2);
	assert_int_equal(info(t, id[0]).state, OUTBOX_SENDING);
	assert_int_equal(info(t, id[2]).state, OUTBOX_QUEUED);
	/* An answer makes room for exactly one more. */
	answer_held(t, 1, SEND_OK);
	assert_sent(t, 3, id[0], id[1], id[2]);
	assert_int_equal(info(t, id[1]).state, OUTBOX_SENT);
	answer_held(t, 0, SEND_OK);
	answer_held(t, 2, SEND_OK);
	assert_sent(t, 5, id[0], id[1], id[2], id[3], id[4]);
}

/*
 * Under load, a pass records outcomes without waiting for the disk (a
 * power cut makes those sends go again): the first pass is synced, those
 * within the next second are not, and what they wrote is synced within
 * that second. A pass a second or more after the last sync is synced.
 */
static void
test_dispatch_syncs_outcomes_at_least_once_a_second(void **state)
{
	struct dispatch_test	*t = *state;
	struct dispatch_stats	 s0, s;
	int64_t			 a, b, c, e;
	struct timeval		 until, now;

	t->hold = 1;
	a = enqueue(t, 301, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(t, 302, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(t, 301, OUTBOX_PRIO_CONVERSATION);
	e = enqueue(t, 302, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 2, a, b);
	s0 = stats(t);
	assert_true(s0.passes > 0);
	assert_int_equal(s0.unsynced_passes, 0);
	assert_int_equal(store_wal_unsynced(t->fx.st), 0);
	/* Within the second: a's outcome is not waited for. */
	answer_held(t, 0, SEND_OK);
	assert_sent(t, 3, a, b, c);
	s = stats(t);
	assert_true(s.passes > s0.passes);
	assert_int_equal(s.unsynced_passes, s.passes - s0.passes);
	assert_int_equal(store_wal_unsynced(t->fx.st), 1);
	assert_int_equal(info(t, a).state, OUTBOX_SENT);
	assert_int_equal(sync_level(t), 2);	/* FULL between passes */
	/* A second on, the pass is synced, and so is what came before. */
	t->mono += DISPATCH_TEST_SYNC_MS;
	t->wall += DISPATCH_TEST_SYNC_MS;
	s0 = stats(t);
	answer_held(t, 1, SEND_OK);
	assert_sent(t, 4, a, b, c, e);
	s = stats(t);
	assert_int_equal(s.unsynced_passes, s0.unsynced_passes);
	assert_int_equal(store_wal_unsynced(t->fx.st), 0);
	/* Then quiet: the timer puts the last outcomes on the disk. */
	answer_held(t, 2, SEND_OK);
	answer_held(t, 3, SEND_OK);
	assert_int_equal(info(t, e).state, OUTBOX_SENT);
	assert_int_equal(store_wal_unsynced(t->fx.st), 1);
	gettimeofday(&until, NULL);
	until.tv_sec += 5;
	while (store_wal_unsynced(t->fx.st)) {
		gettimeofday(&now, NULL);
		if (timercmp(&now, &until, >))
			fail_msg("the outcomes were not synced in 5 s");
		assert_int_not_equal(event_base_loop(t->base, EVLOOP_ONCE),
		    -1);
	}
}

/* An older version wrote `sending` (state 1); such rows go again. */
static void
test_dispatch_start_sends_rows_left_sending_by_a_crash(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a;

	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	assert_int_equal(sqlite3_exec(store_db(t->fx.st), "UPDATE outbox SET "
	    "state = 1", NULL, NULL, NULL), SQLITE_OK);
	start(t);
	assert_sent(t, 1, a);
	assert_int_equal(info(t, a).state, OUTBOX_SENT);
}

/*
 * Which rows were in flight is not written down: after a crash (the
 * running mark still set) every chat waits one interval, as if it had
 * just had a message; after a clean stop none does.
 */
static void
test_dispatch_start_after_a_crash_waits_a_chat_interval(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a, b;

	t->cfg->per_chat_per_second = 1;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	assert_int_equal(store_meta_set(t->fx.st, "dispatch_running", 1), 0);
	start(t);
	assert_sent(t, 0);
	advance(t, 999);
	assert_sent(t, 0);
	advance(t, 1);
	assert_sent(t, 2, a, b);
}

static void
test_dispatch_start_after_a_clean_stop_sends_at_once(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a, v = -1;
	int			 found = 0;

	t->cfg->per_chat_per_second = 1;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	assert_int_equal(store_meta_set(t->fx.st, "dispatch_running", 0), 0);
	start(t);
	assert_sent(t, 1, a);
	assert_int_equal(store_meta_get(t->fx.st, "dispatch_running", &v,
	    &found), 0);
	assert_true(found && v == 1);
}

/* ---- order per chat -------------------------------------------------- */

static void
test_dispatch_one_row_of_a_chat_at_a_time_in_order(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a1, a2, a3, b1;

	t->hold = 1;
	a1 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	a3 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	/* The other chat is not held up; this one waits for a1. */
	assert_sent(t, 2, a1, b1);
	answer_held(t, 1, SEND_OK);
	assert_sent(t, 2, a1, b1);
	answer_held(t, 0, SEND_OK);
	assert_sent(t, 3, a1, b1, a2);
	answer_held(t, 2, SEND_OK);
	assert_sent(t, 4, a1, b1, a2, a3);
	answer_held(t, 3, SEND_OK);
	assert_int_equal(info(t, a3).state, OUTBOX_SENT);
}

static void
test_dispatch_later_row_of_a_chat_waits_for_a_retried_one(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a1, a2;

	t->answer.status = SEND_RETRY;
	t->answer.code = 502;
	a1 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 1, a1);
	t->answer.status = SEND_OK;
	a2 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	dispatch_kick(t->d);
	pump(t);
	/* a2 is due, yet a1 goes first once its back-off is over. */
	assert_sent(t, 1, a1);
	advance(t, 1000);
	assert_sent(t, 3, a1, a1, a2);
}

/* ---- priorities ------------------------------------------------------ */

static void
test_dispatch_sends_higher_priority_first(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 x1, x2, r, c;

	t->cfg->max_in_flight = 1;
	t->hold = 1;
	x1 = enqueue(t, 101, OUTBOX_PRIO_BROADCAST);
	x2 = enqueue(t, 102, OUTBOX_PRIO_BROADCAST);
	r = enqueue(t, 103, OUTBOX_PRIO_REMINDER);
	c = enqueue(t, 104, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 1, c);
	answer_held(t, 0, SEND_OK);
	assert_sent(t, 2, c, r);
	answer_held(t, 1, SEND_OK);
	assert_sent(t, 3, c, r, x1);
	answer_held(t, 2, SEND_OK);
	assert_sent(t, 4, c, r, x1, x2);
}

static void
test_dispatch_conversation_overtakes_queued_broadcast(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 x[3], c;
	int			 i;

	t->cfg->max_in_flight = 1;
	t->hold = 1;
	for (i = 0; i < 3; i++)
		x[i] = enqueue(t, 200 + i, OUTBOX_PRIO_BROADCAST);
	start(t);
	assert_sent(t, 1, x[0]);
	/* An answer to a family comes in while the broadcast runs. */
	c = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	answer_held(t, 0, SEND_OK);
	assert_sent(t, 2, x[0], c);
	answer_held(t, 1, SEND_OK);
	assert_sent(t, 3, x[0], c, x[1]);
}

/* ---- rate limits ----------------------------------------------------- */

static void
test_dispatch_global_rate_spaces_sends(void **state)
{
	struct dispatch_test	*t = *state;
	int			 i;

	t->cfg->global_per_second = 10;
	for (i = 0; i < 5; i++)
		enqueue(t, 200 + i, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_int_equal(t->nsent, 1);
	for (i = 0; i < 100 && t->nsent < 5; i++)
		advance(t, 10);
	assert_int_equal(t->nsent, 5);
	for (i = 1; i < 5; i++) {
		int64_t	 gap = t->sent[i].mono - t->sent[i - 1].mono;

		/* 10 a second: 100 ms apart, and no slower than needed. */
		if (gap < 100 || gap > 110)
			fail_msg("sends %d and %d are %lld ms apart", i - 1, i,
			    (long long)gap);
	}
}

static void
test_dispatch_chat_rate_holds_that_chat_only(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a1, a2, b1;

	t->cfg->per_chat_per_second = 1;
	a1 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b1 = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	start(t);
	/* a1 was answered at once; a2 still waits its second. */
	assert_sent(t, 2, a1, b1);
	advance(t, 999);
	assert_sent(t, 2, a1, b1);
	advance(t, 1);
	assert_sent(t, 3, a1, b1, a2);
}

static void
test_dispatch_group_chat_spaced_by_group_rate(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 g1, g2, p1, p2;

	t->cfg->per_chat_per_second = 1;
	t->cfg->per_group_per_minute = 20;
	g1 = enqueue(t, -100123, OUTBOX_PRIO_CONVERSATION);
	g2 = enqueue(t, -100123, OUTBOX_PRIO_CONVERSATION);
	p1 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	p2 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 2, g1, p1);
	advance(t, 1000);
	assert_sent(t, 3, g1, p1, p2);
	advance(t, 1999);
	assert_sent(t, 3, g1, p1, p2);
	/* 20 a minute: one every 3 seconds in a group. */
	advance(t, 1);
	assert_sent(t, 4, g1, p1, p2, g2);
}

/* ---- answers --------------------------------------------------------- */

/*
 * The store refuses every write (here another connection holds the write
 * lock; in life, a full disk): what was sent stays known, nothing new
 * goes out, and once the store takes writes again the outcomes are
 * written and sending goes on, without a restart and without sending a
 * row twice.
 */
static void
test_dispatch_refused_outcomes_are_held_then_written(void **state)
{
	struct dispatch_test	*t = *state;
	sqlite3			*lock = NULL;
	int64_t			 a, b, c;

	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	t->hold = 1;
	start(t);
	assert_sent(t, 2, a, c);
	/* The store stops taking writes while both are on their way. */
	assert_int_equal(sqlite3_busy_timeout(store_db(t->fx.st), 0),
	    SQLITE_OK);
	assert_int_equal(sqlite3_open(t->fx.db, &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	t->hold = 0;
	answer_held(t, 0, SEND_OK);
	answer_held(t, 1, SEND_OK);
	assert_int_equal(stats(t).unrecorded, 2);
	advance(t, 5000);
	advance(t, 5000);
	/* Nothing new while the outcomes wait; nothing sent twice. */
	assert_sent(t, 2, a, c);
	assert_int_equal(info(t, a).state, OUTBOX_SENDING);
	/* Room again: written, and b (behind a in its chat) goes. */
	assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(lock);
	advance(t, 10000);
	assert_int_equal(stats(t).unrecorded, 0);
	assert_int_equal(info(t, a).state, OUTBOX_SENT);
	assert_int_equal(info(t, c).state, OUTBOX_SENT);
	assert_sent(t, 3, a, c, b);
	assert_int_equal(info(t, b).state, OUTBOX_SENT);
	assert_int_equal(times_sent(t, a), 1);
	/* Counted once written, not at every refused try. */
	assert_int_equal(stats(t).sent, 3);
	assert_int_equal(stats(t).ch[CHANNEL_TELEGRAM].results[DISPATCH_SENT],
	    3);
}

static void
test_dispatch_retry_backs_off_then_sends(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a;

	t->answer.status = SEND_RETRY;
	t->answer.code = 502;
	snprintf(t->answer.error, sizeof t->answer.error, "Bad Gateway");
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 1, a);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_QUEUED);
	assert_int_equal(i.attempts, 1);
	assert_true(i.has_error_code);
	assert_int_equal(i.error_code, 502);
	assert_string_equal(i.last_error, "Bad Gateway");
	assert_int_equal(stats(t).retried, 1);
	/* Not told: a retry is no outcome. */
	assert_int_equal(t->nfinal, 0);

	/* The first back-off is half to all of backoff_initial_ms. */
	t->answer.status = SEND_OK;
	advance(t, 499);
	assert_sent(t, 1, a);
	advance(t, 501);
	assert_sent(t, 2, a, a);
	assert_int_equal(t->sent[1].attempts, 1);
	assert_int_equal(info(t, a).state, OUTBOX_SENT);
	assert_int_equal(t->nfinal, 1);
	assert_int_equal(t->final[0].status, SEND_OK);
}

static void
test_dispatch_backoff_doubles_up_to_the_cap(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 gap, want, first = 0;
	int			 i, n, spread = 0;

	/*
	 * 1000 ms at first, doubled, at most 3 s: 1000, 2000, then 3000
	 * (4000 capped) each time, every one jittered down by up to half.
	 */
	t->cfg->backoff_max_s = 3;
	t->cfg->max_attempts = 10;
	t->answer.status = SEND_RETRY;
	enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	for (n = 0; n < 10000 && t->nsent < 10; n++)
		advance(t, 10);
	assert_int_equal(t->nsent, 10);
	for (i = 1; i < 10; i++) {
		want = i == 1 ? 1000 : i == 2 ? 2000 : 3000;
		gap = t->sent[i].wall - t->sent[i - 1].wall;
		/* Steps of 10 ms: up to 10 ms late. */
		if (gap < want / 2 || gap > want + 10)
			fail_msg("back-off %d was %lld ms, not %lld to %lld",
			    i, (long long)gap, (long long)want / 2,
			    (long long)want);
		/* Jitter: rows failing together do not retry together. */
		if (i == 3)
			first = gap;
		else if (i > 3 && gap != first)
			spread = 1;
	}
	assert_true(spread);
}

static void
test_dispatch_retry_fails_after_max_attempts(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a;
	int			 n;

	t->answer.status = SEND_RETRY;
	t->answer.code = 500;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	for (n = 0; n < 100; n++)
		advance(t, 1000);
	/* max_attempts is 3: three sends, then failed for good. */
	assert_sent(t, 3, a, a, a);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_FAILED);
	assert_int_equal(i.error_code, 500);
	assert_int_equal(stats(t).retried, 2);
	assert_int_equal(stats(t).failed, 1);
	assert_int_equal(t->nfinal, 1);
	assert_int_equal(t->final[0].id, a);
	assert_int_equal(t->final[0].status, SEND_RETRY);
}

static int64_t
enqueue_receipt(struct dispatch_test *t, int64_t chat, int64_t mid)
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
	assert_int_equal(outbox_enqueue(t->ob, &m, &id), 0);
	return id;
}

static void
test_dispatch_receipt_never_takes_a_chats_turn(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 r1, r2, a1, a2;

	t->cfg->per_chat_per_second = 1;
	r1 = enqueue_receipt(t, 101, 1);
	r2 = enqueue_receipt(t, 101, 2);
	a1 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	a2 = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	/* The message first; receipts pass the chat's pacing by. */
	assert_sent(t, 3, a1, r1, r2);
	advance(t, 1000);
	assert_sent(t, 4, a1, r1, r2, a2);
}

static void
test_dispatch_receipt_gives_up_after_few_attempts(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 r, a;
	int			 n;

	t->cfg->max_attempts = 10;
	t->cfg->receipt_max_attempts = 2;
	t->answer.status = SEND_RETRY;
	t->answer.code = 500;
	r = enqueue_receipt(t, 101, 1);
	start(t);
	for (n = 0; n < 100; n++)
		advance(t, 1000);
	assert_sent(t, 2, r, r);
	assert_int_equal(info(t, r).state, OUTBOX_FAILED);
	/* A message behind it was never held. */
	t->answer.status = SEND_OK;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	dispatch_kick(t->d);
	pump(t);
	assert_sent(t, 3, r, r, a);
}

static void
test_dispatch_permanent_error_fails_at_once(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a, b;

	t->hold = 1;
	t->answer.code = 400;
	snprintf(t->answer.error, sizeof t->answer.error,
	    "Bad Request: message text is empty");
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	b = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 1, a);
	/* The next row of the chat is not held up by a failed one. */
	answer_held(t, 0, SEND_PERMANENT);
	assert_sent(t, 2, a, b);
	answer_held(t, 1, SEND_OK);
	/* And the failed one is never tried again. */
	advance(t, 3600 * 1000);
	assert_sent(t, 2, a, b);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_FAILED);
	assert_int_equal(i.error_code, 400);
	assert_string_equal(i.last_error,
	    "Bad Request: message text is empty");
	assert_int_equal(info(t, b).state, OUTBOX_SENT);
	assert_int_equal(stats(t).failed, 1);
	assert_int_equal(stats(t).retried, 0);
	assert_int_equal(t->nfinal, 2);
	assert_int_equal(t->final[0].status, SEND_PERMANENT);
}

static void
test_dispatch_403_fails_and_tells_the_outcome_hook(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a;

	t->answer.status = SEND_UNREACHABLE;
	t->answer.code = 403;
	snprintf(t->answer.error, sizeof t->answer.error,
	    "Forbidden: bot was blocked by the user");
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	advance(t, 3600 * 1000);
	assert_sent(t, 1, a);
	assert_int_equal(info(t, a).state, OUTBOX_FAILED);
	assert_int_equal(stats(t).unreachable, 1);
	assert_int_equal(stats(t).retried, 0);
	assert_int_equal(t->final[0].status, SEND_UNREACHABLE);
}

static void
test_dispatch_429_pauses_whole_bot_for_retry_after(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a, b, c;

	t->answer.status = SEND_RATE_LIMITED;
	t->answer.code = 429;
	t->answer.retry_after = 5;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	assert_sent(t, 1, a);
	t->answer.status = SEND_OK;
	/* Other chats, not only a's, wait the 5 seconds out. */
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	c = enqueue(t, 103, OUTBOX_PRIO_CONVERSATION);
	dispatch_kick(t->d);
	pump(t);
	assert_sent(t, 1, a);
	advance(t, 4999);
	assert_sent(t, 1, a);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_QUEUED);
	/* Being told to slow down is not a failed attempt. */
	assert_int_equal(i.attempts, 0);
	assert_int_equal(i.error_code, 429);
	advance(t, 1);
	assert_sent(t, 4, a, a, b, c);
	assert_int_equal(stats(t).rate_limited, 1);
	assert_int_equal(stats(t).retried, 0);
}

static void
test_dispatch_429_without_retry_after_pauses_one_second(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a, b;

	t->answer.status = SEND_RATE_LIMITED;
	t->answer.code = 429;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	t->answer.status = SEND_OK;
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	advance(t, 999);
	assert_sent(t, 1, a);
	advance(t, 1);
	assert_sent(t, 3, a, a, b);
}

static void
test_dispatch_429_on_telegram_does_not_hold_sms(void **state)
{
	struct dispatch_test	*t = *state;
	int64_t			 a, b, s;

	t->answer.status = SEND_RATE_LIMITED;
	t->answer.code = 429;
	t->answer.retry_after = 30;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	t->answer.status = SEND_OK;
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	s = enqueue_at(t, CHANNEL_SMS, 48601234567LL,
	    OUTBOX_PRIO_CONVERSATION, 0);
	advance(t, 1000);
	assert_sent(t, 2, a, s);
	assert_int_equal(t->sent[1].channel, CHANNEL_SMS);
	advance(t, 29000);
	assert_sent(t, 4, a, s, a, b);
}

static void
test_dispatch_refused_token_pauses_channel_for_auth_pause(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a, b;

	t->answer.status = SEND_AUTH;
	t->answer.code = 401;
	a = enqueue(t, 101, OUTBOX_PRIO_CONVERSATION);
	start(t);
	t->answer.status = SEND_OK;
	b = enqueue(t, 102, OUTBOX_PRIO_CONVERSATION);
	advance(t, 59999);
	assert_sent(t, 1, a);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_QUEUED);
	assert_int_equal(i.attempts, 0);
	assert_int_equal(i.error_code, 401);
	assert_int_equal(stats(t).ch[CHANNEL_TELEGRAM].auth_paused, 1);
	assert_int_equal(stats(t).ch[CHANNEL_SMS].auth_paused, 0);
	/* auth_pause_s is 60: then everything goes again. */
	advance(t, 1);
	assert_sent(t, 3, a, a, b);
	assert_int_equal(stats(t).failed, 0);
	assert_int_equal(stats(t).ch[CHANNEL_TELEGRAM].auth_paused, 0);
	assert_int_equal(
	    stats(t).ch[CHANNEL_TELEGRAM].results[DISPATCH_RETRIED], 1);
	assert_int_equal(stats(t).ch[CHANNEL_TELEGRAM].results[DISPATCH_SENT],
	    2);
}

static void
test_dispatch_gate_fails_row_without_sending_it(void **state)
{
	struct dispatch_test	*t = *state;
	struct outbox_info	 i;
	int64_t			 a, b;

	a = enqueue(t, 101, OUTBOX_PRIO_BROADCAST);
	b = enqueue(t, 102, OUTBOX_PRIO_BROADCAST);
	t->gate_refuses = a;
	start(t);
	assert_sent(t, 1, b);
	assert_int_equal(times_sent(t, a), 0);
	i = info(t, a);
	assert_int_equal(i.state, OUTBOX_FAILED);
	assert_string_equal(i.last_error, "the family said /stop");
	assert_int_equal(t->nfinal, 2);
	assert_int_equal(t->final[0].id, a);
	assert_int_equal(t->final[0].status, SEND_PERMANENT);
	/* Failed, but never sent: no send time for it. */
	assert_int_equal(
	    stats(t).ch[CHANNEL_TELEGRAM].results[DISPATCH_FAILED], 1);
	assert_int_equal(stats(t).failed, 1);
	assert_int_equal(stats(t).ch[CHANNEL_TELEGRAM].latency.count, 1);
}

/* One answer of each kind on Telegram, SMS sent once after a retry. */
static void
test_dispatch_counts_each_result_per_channel(void **state)
{
	struct dispatch_test		*t = *state;
	static const enum send_status	 tg[] = { SEND_OK, SEND_RETRY,
					    SEND_PERMANENT, SEND_RATE_LIMITED,
					    SEND_UNREACHABLE };
	const struct dispatch_channel_stats *c;
	struct dispatch_stats		 s;
	size_t				 i;

	t->hold = 1;
	for (i = 0; i < sizeof tg / sizeof tg[0]; i++)
		enqueue(t, 101 + (int64_t)i, OUTBOX_PRIO_CONVERSATION);
	enqueue_at(t, CHANNEL_SMS, 48601234567LL, OUTBOX_PRIO_REMINDER, 0);
	start(t);
	assert_int_equal(t->nheld, 6);
	for (i = 0; i < sizeof tg / sizeof tg[0]; i++)
		answer_held(t, (int)i, tg[i]);
	answer_held(t, 5, SEND_RETRY);
	t->hold = 0;
	advance(t, 60000);
	s = stats(t);
	c = &s.ch[CHANNEL_TELEGRAM];
	assert_int_equal(c->results[DISPATCH_SENT], 3);	/* + 2 retries */
	assert_int_equal(c->results[DISPATCH_RETRIED], 1);
	assert_int_equal(c->results[DISPATCH_FAILED], 1);
	assert_int_equal(c->results[DISPATCH_RATE_LIMITED], 1);
	assert_int_equal(c->results[DISPATCH_UNREACHABLE], 1);
	assert_int_equal(c->latency.count, 7);
	c = &s.ch[CHANNEL_SMS];
	assert_int_equal(c->results[DISPATCH_SENT], 1);
	assert_int_equal(c->results[DISPATCH_RETRIED], 1);
	assert_int_equal(c->results[DISPATCH_FAILED], 0);
	assert_int_equal(c->latency.count, 2);
	/* The totals add the channels up; failed includes unreachable. */
	assert_int_equal(s.sent, 4);
	assert_int_equal(s.retried, 2);
	assert_int_equal(s.failed, 2);
	assert_int_equal(s.unreachable, 1);
	assert_int_equal(s.rate_limited, 1);
	assert_string_equal(dispatch_result_name(DISPATCH_RATE_LIMITED),
	    "rate_limited");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_dispatch_sends_due_rows_in_queue_order),
		T(test_dispatch_holds_a_row_until_its_not_before),
		T(test_dispatch_never_more_in_flight_than_allowed),
		T(test_dispatch_syncs_outcomes_at_least_once_a_second),
		T(test_dispatch_start_sends_rows_left_sending_by_a_crash),
		T(test_dispatch_one_row_of_a_chat_at_a_time_in_order),
		T(test_dispatch_later_row_of_a_chat_waits_for_a_retried_one),
		T(test_dispatch_sends_higher_priority_first),
		T(test_dispatch_conversation_overtakes_queued_broadcast),
		T(test_dispatch_global_rate_spaces_sends),
		T(test_dispatch_chat_rate_holds_that_chat_only),
		T(test_dispatch_start_after_a_crash_waits_a_chat_interval),
		T(test_dispatch_start_after_a_clean_stop_sends_at_once),
		T(test_dispatch_group_chat_spaced_by_group_rate),
		T(test_dispatch_refused_outcomes_are_held_then_written),
		T(test_dispatch_retry_backs_off_then_sends),
		T(test_dispatch_backoff_doubles_up_to_the_cap),
		T(test_dispatch_retry_fails_after_max_attempts),
		T(test_dispatch_permanent_error_fails_at_once),
		T(test_dispatch_receipt_never_takes_a_chats_turn),
		T(test_dispatch_receipt_gives_up_after_few_attempts),
		T(test_dispatch_403_fails_and_tells_the_outcome_hook),
		T(test_dispatch_429_pauses_whole_bot_for_retry_after),
		T(test_dispatch_429_without_retry_after_pauses_one_second),
		T(test_dispatch_429_on_telegram_does_not_hold_sms),
		T(test_dispatch_refused_token_pauses_channel_for_auth_pause),
		T(test_dispatch_gate_fails_row_without_sending_it),
		T(test_dispatch_counts_each_result_per_channel),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
