/*
 * Unit tests for daemon/conv/router.c: stored inbound rows are handled once
 * each, in order, each handler's effects committing with the row's
 * handled mark or not at all, and no row, however bad, holding up the
 * rest.
 *
 * The router walks handler_table; this file defines its own, of test
 * handlers, so the tests do not depend on what the real handlers say.
 * It takes the place of handlers/table.c, which the linker then leaves
 * out of libcore.a: nothing else refers to the real one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sqlite3.h>

#include "app.h"
#include "config.h"
#include "dispatch.h"
#include "handler.h"
#include "inbound.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "router.h"
#include "store.h"
#include "tg.h"
#include "unit/fixture.h"

#define MAXCALLS	512
#define STRANGER	5001		/* a Telegram user nobody linked */
#define STAFF		7001		/* a staff member's Telegram user */

/* One run of a test handler. */
struct call {
	int64_t			 row;
	const char		*entry;
	enum inbound_kind	 kind;
	enum sender_kind	 sender;
	char			 text[32];
	int			 in_transaction;
	int64_t			 outbox_sent;	/* rows written sent */
};

struct router_test {
	struct fixture		 fx;
	struct app		 app;	/* st and keys are the fixture's */
	struct call		 calls[MAXCALLS];
	int			 ncalls;
	int			 fail;	/* a text "fail" makes a handler fail */
	int			 alone;	/* router_route() in savepoints */
	int64_t			 sent[MAXCALLS];	/* by the dispatcher */
	int			 nsent;
	int			 hold;	/* sends wait for complete_send() */
	struct dispatch_job	*held[MAXCALLS];
	int			 nheld;
};

/* The test under way, for the handlers, which get only a struct hctx. */
static struct router_test	*current;

static int64_t	outbox_rows_sent(struct router_test *t);

/*
 * What every test handler does: note the call, then queue a reply to
 * the chat, the effect that must commit with the handled mark. Fails,
 * after queueing, on the text "fail" while t->fail is set.
 */
static int
test_handle(struct hctx *ctx, const char *entry)
{
	struct router_test	*t = current;
	struct call		*c;
	struct outmsg		 m;

	assert_true(t->ncalls < MAXCALLS);
	c = &t->calls[t->ncalls++];
	c->row = ctx->in->row;
	c->entry = entry;
	c->kind = ctx->in->kind;
	c->sender = ctx->sender;
	snprintf(c->text, sizeof c->text, "%s",
	    ctx->in->text != NULL ? ctx->in->text : "");
	c->in_transaction = !sqlite3_get_autocommit(store_db(t->app.st));
	c->outbox_sent = outbox_rows_sent(t);

	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.chat_id = ctx->in->chat_id;
	m.method = "sendMessage";
	m.params = "{\"text\":\"ok\"}";
	m.cause = "inbound";
	m.cause_id = ctx->in->row;
	if (outbox_enqueue(ctx->ob, &m, NULL) == -1)
		return -1;
	if (t->fail && strcmp(c->text, "fail") == 0)
		return -1;
	return 0;
}

static int
ping_exec(struct hctx *ctx)
{
	return test_handle(ctx, "ping");
}

/*
 * What the router gives a handler: the process's services themselves,
 * and the two it offers as functions. There is no SMS in these tests.
 */
static int
forget_exec(struct hctx *ctx)
{
	struct router_test	*t = current;

	assert_ptr_equal(ctx->cfg, t->app.cfg);
	assert_ptr_equal(ctx->people, t->app.people);
	assert_ptr_equal(ctx->ob, t->app.ob);
	assert_false(ctx->sms_may_answer(ctx->arg, "+48600100200"));
	if (ctx->forget(ctx->arg, ctx->in->row, "test_forgotten") == -1)
		return -1;
	return test_handle(ctx, "forget");
}

static int
staff_exec(struct hctx *ctx)
{
	return test_handle(ctx, "staff");
}

static int
text_exec(struct hctx *ctx)
{
	return test_handle(ctx, "text");
}

static const struct handler_entry test_ping_entry = {
	.name = "ping",
	.from = SENDER_ANY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/ping",
	.exec = ping_exec,
};

static const struct handler_entry test_forget_entry = {
	.name = "forget",
	.from = SENDER_ANY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/forget",
	.exec = forget_exec,
};

static const struct handler_entry test_staff_entry = {
	.name = "staff",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_TEXT),
	.exec = staff_exec,
};

static const struct handler_entry test_text_entry = {
	.name = "text",
	.from = SENDER_ANY,
	.kinds = INBOUND_BIT(INBOUND_TEXT),
	.exec = text_exec,
};

/* Media, other commands and buttons: no entry takes them. */
const struct handler_entry *const handler_table[] = {
	&test_ping_entry,
	&test_forget_entry,
	&test_staff_entry,
	&test_text_entry,
	NULL
};

static void
record_send(void *arg, struct dispatch_job *job, const struct outbox_row *row,
    const char *params, size_t len)
{
	struct router_test	*t = arg;
	struct send_result	 res;

	(void)params;
	(void)len;
	assert_true(t->nsent < MAXCALLS);
	t->sent[t->nsent++] = row->cause_id;
	if (t->hold) {
		t->held[t->nheld++] = job;
		return;
	}
	memset(&res, 0, sizeof res);
	res.status = SEND_OK;
	dispatch_done(job, &res);
}

/* The answer to a held send comes back: Telegram's message id `ext`. */
static void
complete_send(struct router_test *t, int i, int64_t ext)
{
	struct send_result	 res;

	assert_true(i < t->nheld);
	memset(&res, 0, sizeof res);
	res.status = SEND_OK;
	res.message_id = ext;
	dispatch_done(t->held[i], &res);
}

static int
group_setup(void **state)
{
	(void)state;
	/* The unusable rows of these tests are logged as errors. */
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return 0;
}

static int
teardown(void **state)
{
	struct router_test	*t = *state;
	int			 rc;

	current = NULL;
	router_free(t->app.router);
	dispatch_free(t->app.disp);
	if (t->app.base != NULL)
		event_base_free(t->app.base);
	people_free(t->app.people);
	inbound_store_free(t->app.is);
	outbox_free(t->app.ob);
	config_free(t->app.cfg);
	rc = fixture_teardown(&t->fx);
	free(t);
	return rc;
}

static int
setup(void **state)
{
	struct router_test	*t;
	struct app		*a;

	if ((t = calloc(1, sizeof *t)) == NULL)
		return -1;
	*state = t;
	current = t;
	a = &t->app;
	if (fixture_setup(&t->fx, "router", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || config_load(NULL, stderr, &a->cfg) != 0)
		goto fail;
	a->cfg->global_per_second = 0;
	a->cfg->per_chat_per_second = 0;
	a->cfg->per_group_per_minute = 0;
	a->st = t->fx.st;
	a->keys = t->fx.keys;
	if ((a->base = event_base_new()) == NULL ||
	    (a->ob = outbox_new(a->st, a->keys)) == NULL ||
	    (a->is = inbound_store_new(a->st, a->keys)) == NULL ||
	    (a->people = people_new(a->st, a->keys)) == NULL ||
	    (a->disp = dispatch_new(a->base, a->st, a->ob, a->cfg)) == NULL ||
	    (a->router = router_new(a)) == NULL)
		goto fail;
	dispatch_set_sender(a->disp, CHANNEL_TELEGRAM, record_send, t);
	t->fail = 1;
	return 0;
fail:
	teardown(state);
	return -1;
}

/* Runs the loop until nothing is ready now; never waits. */
static void
pump(struct router_test *t)
{
	int	 i;

	for (i = 0; i < 1000; i++) {
		assert_int_not_equal(event_base_loop(t->app.base,
		    EVLOOP_NONBLOCK), -1);
		if (event_base_get_num_events(t->app.base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			return;
	}
	fail_msg("the loop never settles");
}

/* Stores a raw update as a channel does; returns its row (0: a repeat). */
static int64_t
store_raw(struct router_test *t, enum channel ch, int64_t ext_id,
    const char *raw)
{
	int64_t	 row = -1;

	assert_int_equal(inbound_record(t->app.is, ch, ext_id, raw,
	    strlen(raw), &row), 0);
	return row;
}

/* A Telegram update: `body` is the message's content ("text":...). */
static int64_t
store_msg(struct router_test *t, int64_t update_id, int64_t user,
    const char *body)
{
	char	 json[512];

	snprintf(json, sizeof json, "{\"update_id\":%lld,\"message\":{"
	    "\"message_id\":%lld,\"date\":1700000000,\"chat\":{\"id\":%lld,"
	    "\"type\":\"private\"},\"from\":{\"id\":%lld,\"is_bot\":false,"
	    "\"first_name\":\"Olena\",\"language_code\":\"uk\"},%s}}",
	    (long long)update_id, (long long)update_id, (long long)user,
	    (long long)user, body);
	return store_raw(t, CHANNEL_TELEGRAM, update_id, json);
}

static int64_t
store_text(struct router_test *t, int64_t update_id, const char *text)
{
	char	 body[128];

	snprintf(body, sizeof body, "\"text\":\"%s\"", text);
	return store_msg(t, update_id, STRANGER, body);
}

static void
drain(struct router_test *t)
{
	assert_int_equal(router_drain(t->app.router), 0);
}

/* One integer from `sql` with ?1 bound to `id`, on connection `db`. */
static int64_t
query(sqlite3 *db, const char *sql, int64_t id)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* 0 pending, 1 handled, 2 skipped. */
static int64_t
row_state(struct router_test *t, int64_t row)
{
	return query(store_db(t->app.st),
	    "SELECT state FROM inbound WHERE id = ?1", row);
}

/* Outbox rows written sent. */
static int64_t
outbox_rows_sent(struct router_test *t)
{
	return query(store_db(t->app.st),
	    "SELECT COUNT(*) FROM outbox WHERE state = 2", 0);
}

/* The state of the reply a row's handling queued. */
static int64_t
reply_state(struct router_test *t, int64_t row)
{
	return query(store_db(t->app.st),
	    "SELECT state FROM outbox WHERE cause_id = ?1", row);
}

/* Outbox rows a row's handling queued. */
static int64_t
effects(struct router_test *t, int64_t row)
{
	return query(store_db(t->app.st),
	    "SELECT COUNT(*) FROM outbox WHERE cause_id = ?1", row);
}

/* The rows handed to handlers, in order, are exactly the `n` that follow. */
static void
assert_calls(struct router_test *t, int n, ...)
{
	va_list	 ap;
	int64_t	 want;
	int	 i;

	if (t->ncalls != n)
		fail_msg("%d handler calls, %d expected", t->ncalls, n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		want = va_arg(ap, int64_t);
		if (t->calls[i].row != want)
			fail_msg("call %d was row %lld, not %lld", i,
			    (long long)t->calls[i].row, (long long)want);
	}
	va_end(ap);
}

/* ---- once, in order -------------------------------------------------- */

static void
test_router_handles_each_row_once_in_order(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r1, r2, r3, r4;

	r1 = store_text(t, 1001, "one");
	r2 = store_text(t, 1002, "two");
	r3 = store_text(t, 1003, "three");
	drain(t);
	assert_calls(t, 3, r1, r2, r3);
	assert_string_equal(t->calls[0].text, "one");
	assert_string_equal(t->calls[2].text, "three");
	assert_int_equal(t->calls[1].kind, INBOUND_TEXT);
	assert_int_equal(row_state(t, r1), 1);
	assert_int_equal(row_state(t, r3), 1);
	assert_int_equal(effects(t, r2), 1);

	/* Nothing is handled twice: not on a second drain, ... */
	drain(t);
	assert_calls(t, 3, r1, r2, r3);
	/* ... nor when Telegram delivers an update again. */
	assert_int_equal(store_text(t, 1002, "two"), 0);
	r4 = store_text(t, 1004, "four");
	drain(t);
	assert_calls(t, 4, r1, r2, r3, r4);
	assert_int_equal(effects(t, r2), 1);
}

static void
test_router_handles_more_rows_than_one_batch_in_order(void **state)
{
	struct router_test	*t = *state;
	int64_t			 first = 0, row;
	char			 text[16];
	int			 i;

	for (i = 0; i < 300; i++) {
		snprintf(text, sizeof text, "m%d", i);
		row = store_text(t, 2000 + i, text);
		if (i == 0)
			first = row;
	}
	drain(t);
	assert_int_equal(t->ncalls, 300);
	for (i = 0; i < 300; i++) {
		snprintf(text, sizeof text, "m%d", i);
		assert_int_equal(t->calls[i].row, first + i);
		assert_string_equal(t->calls[i].text, text);
	}
	assert_int_equal(query(store_db(t->app.st),
	    "SELECT COUNT(*) FROM inbound WHERE state = ?1", 1), 300);
	/* Each row's handling time, two batches of them. */
	assert_int_equal(t->app.handling.count, 300);
	assert_int_equal(hist_cumulative(&t->app.handling, HIST_NBOUNDS - 1) +
	    t->app.handling.bucket[HIST_NBOUNDS], 300);
}

static void
test_router_kick_drains_on_the_loop_and_wakes_dispatcher(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r1, r2;

	r1 = store_text(t, 1001, "one");
	r2 = store_text(t, 1002, "two");
	router_kick(t->app.router);
	assert_int_equal(t->ncalls, 0);
	pump(t);
	assert_calls(t, 2, r1, r2);
	/* The replies the handlers queued went out on the same turns. */
	assert_int_equal(t->nsent, 2);
	assert_int_equal(t->sent[0], r1);
	assert_int_equal(t->sent[1], r2);
}

/* ---- one transaction ------------------------------------------------- */

static void
test_router_effects_and_handled_mark_commit_together(void **state)
{
	struct router_test	*t = *state;
	sqlite3			*other = NULL;
	const char		*sql_state =
	    "SELECT state FROM inbound WHERE id = ?1";
	const char		*sql_effects =
	    "SELECT COUNT(*) FROM outbox WHERE cause_id = ?1";
	int64_t			 r1;

	r1 = store_text(t, 1001, "one");
	assert_int_equal(sqlite3_open_v2(t->fx.db, &other,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(query(other, sql_state, r1), 0);
	drain(t);
	/* The handler ran inside the transaction that marks the row. */
	assert_int_equal(t->ncalls, 1);
	assert_true(t->calls[0].in_transaction);
	/* Another connection sees both: they were committed. */
	assert_int_equal(query(other, sql_state, r1), 1);
	assert_int_equal(query(other, sql_effects, r1), 1);
	sqlite3_close(other);
}

static void
test_router_handler_error_rolls_back_and_row_is_retried(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r1, r2, r3;

	r1 = store_text(t, 1001, "one");
	r2 = store_text(t, 1002, "fail");
	r3 = store_text(t, 1003, "three");
	drain(t);
	/* r2's handler queued a reply, then failed: the reply is gone. */
	assert_calls(t, 3, r1, r2, r3);
	assert_int_equal(row_state(t, r2), 0);
	assert_int_equal(effects(t, r2), 0);
	/* The rows around it were handled and kept. */
	assert_int_equal(row_state(t, r1), 1);
	assert_int_equal(row_state(t, r3), 1);
	assert_int_equal(effects(t, r1), 1);
	assert_int_equal(effects(t, r3), 1);

	/* Still failing: kept again, and nothing else is handled twice. */
	drain(t);
	assert_calls(t, 4, r1, r2, r3, r2);
	assert_int_equal(row_state(t, r2), 0);

	/* Once the handler can, the row is handled, once. */
	t->fail = 0;
	drain(t);
	assert_calls(t, 5, r1, r2, r3, r2, r2);
	assert_int_equal(row_state(t, r2), 1);
	assert_int_equal(effects(t, r2), 1);
	drain(t);
	assert_int_equal(t->ncalls, 5);
}

/* ---- routed as a channel stores them ---------------------------------- */

/*
 * As the Telegram channel does: stores a text update and hands it over
 * parsed, in the caller's transaction; router_route()'s answer. `bare`:
 * stored without its payload, which is added if the router leaves it.
 */
static int
route_update(struct router_test *t, int64_t update_id, const char *text,
    int64_t *row, int bare)
{
	struct inbound	 in;
	char		 json[256], why[96];
	int		 rc;

	snprintf(json, sizeof json, "{\"update_id\":%lld,\"message\":{"
	    "\"message_id\":1,\"date\":1700000000,\"chat\":{\"id\":%d,"
	    "\"type\":\"private\"},\"from\":{\"id\":%d,\"is_bot\":false,"
	    "\"first_name\":\"Olena\"},\"text\":\"%s\"}}",
	    (long long)update_id, STRANGER, STRANGER, text);
	if (bare)
		assert_int_equal(inbound_record(t->app.is, CHANNEL_TELEGRAM,
		    update_id, NULL, 0, row), 0);
	else
		*row = store_raw(t, CHANNEL_TELEGRAM, update_id, json);
	assert_int_equal(tg_parse_update(json, strlen(json), &in, why,
	    sizeof why), 0);
	rc = router_route(t->app.router, *row, &in, t->alone);
	inbound_clear(&in);
	if (bare && rc == ROUTER_LEFT)
		assert_int_equal(inbound_keep(t->app.is, *row, json,
		    strlen(json), 1), 0);
	return rc;
}

static int
route_text(struct router_test *t, int64_t update_id, const char *text,
    int64_t *row)
{
	return route_update(t, update_id, text, row, 0);
}

static void
test_router_route_handles_in_the_channels_transaction(void **state)
{
	struct router_test	*t = *state;
	sqlite3			*other = NULL;
	const char		*sql_state =
	    "SELECT COUNT(*) FROM inbound WHERE id = ?1 AND state = 1";
	int64_t			 r1, bad;

	assert_int_equal(sqlite3_open_v2(t->fx.db, &other,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_text(t, 1001, "one", &r1), 0);
	bad = store_raw(t, CHANNEL_TELEGRAM, 1002, "{\"update_id\":1002}");
	assert_int_equal(router_route(t->app.router, bad, NULL, 1), 0);
	assert_calls(t, 1, r1);
	assert_true(t->calls[0].in_transaction);
	assert_string_equal(t->calls[0].text, "one");
	assert_int_equal(row_state(t, r1), 1);
	assert_int_equal(row_state(t, bad), 2);
	/* Nothing is seen outside until the channel commits. */
	assert_int_equal(query(other, sql_state, r1), 0);
	assert_int_equal(store_commit(t->app.st), 0);
	assert_int_equal(query(other, sql_state, r1), 1);
	assert_int_equal(effects(t, r1), 1);
	/* The replies go out once the router is kicked after the commit. */
	assert_int_equal(t->nsent, 0);
	router_kick(t->app.router);
	pump(t);
	assert_int_equal(t->nsent, 1);
	/* A drain finds nothing left to do. */
	drain(t);
	assert_int_equal(t->ncalls, 1);
	sqlite3_close(other);
}

static uint64_t
sent_count(struct router_test *t)
{
	struct dispatch_stats	 ds;

	dispatch_get_stats(t->app.disp, &ds);
	return ds.sent;
}

/*
 * A reply to a message just sent must find it: a send whose answer came
 * back is written before the next row is handled, in that row's
 * transaction, even when the dispatcher has not had its turn yet; and
 * written again by the dispatcher when that transaction rolls back.
 * Counted once either way.
 */
static void
test_router_route_sees_the_sends_that_came_back(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r1, r2, undone, r3, r4;

	t->hold = 1;
	r1 = store_text(t, 1001, "one");
	drain(t);
	pump(t);
	assert_int_equal(t->nheld, 1);
	/* Back from Telegram; the dispatcher's turn to write it not yet. */
	complete_send(t, 0, 4242);
	assert_int_equal(reply_state(t, r1), 0);
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_text(t, 1002, "two", &r2), ROUTER_HANDLED);
	assert_int_equal(store_commit(t->app.st), 0);
	assert_calls(t, 2, r1, r2);
	assert_int_equal(t->calls[1].outbox_sent, 1);
	assert_int_equal(reply_state(t, r1), 2);
	assert_int_equal(query(store_db(t->app.st), "SELECT ext_message_id "
	    "FROM outbox WHERE cause_id = ?1", r1), 4242);
	assert_int_equal(sent_count(t), 1);
	/* The dispatcher finds nothing more to write, and sends r2's. */
	router_kick(t->app.router);
	pump(t);
	assert_int_equal(sent_count(t), 1);
	assert_int_equal(t->nheld, 2);
	assert_int_equal(t->sent[1], r2);

	/* Rolled back with the row: still written, by the dispatcher. */
	complete_send(t, 1, 4243);
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_text(t, 1003, "three", &undone),
	    ROUTER_HANDLED);
	assert_int_equal(t->calls[2].outbox_sent, 2);
	store_rollback(t->app.st);
	assert_int_equal(effects(t, undone), 0);
	assert_int_equal(reply_state(t, r2), 0);
	pump(t);
	assert_int_equal(reply_state(t, r2), 2);
	assert_int_equal(sent_count(t), 2);

	/* A drained row, an SMS's or one left for later, sees them too. */
	r3 = store_text(t, 1004, "four");
	drain(t);
	pump(t);
	assert_int_equal(t->nheld, 3);
	complete_send(t, 2, 4244);
	r4 = store_text(t, 1005, "five");
	drain(t);
	assert_int_equal(t->calls[t->ncalls - 1].row, r4);
	assert_int_equal(t->calls[t->ncalls - 1].outbox_sent, 3);
	assert_int_equal(reply_state(t, r3), 2);
	pump(t);
	assert_int_equal(sent_count(t), 3);
	/* The last reply's answer comes back too: nothing left in flight. */
	assert_int_equal(t->nheld, 4);
	complete_send(t, 3, 4245);
	pump(t);
	assert_int_equal(reply_state(t, r4), 2);
	assert_int_equal(sent_count(t), 4);
}

/*
 * "one", "fail", "three" routed alone in one transaction: the failing
 * handler's effects are rolled back, not the rest, and the row after it
 * waits behind it. Its rows in r[3].
 */
static void
route_alone_past_a_failure(struct router_test *t, int64_t r[3])
{
	t->alone = 1;
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_text(t, 1001, "one", &r[0]), ROUTER_HANDLED);
	assert_int_equal(route_text(t, 1002, "fail", &r[1]), ROUTER_LEFT);
	assert_int_equal(route_text(t, 1003, "three", &r[2]), ROUTER_LEFT);
	assert_int_equal(store_commit(t->app.st), 0);
	assert_int_equal(row_state(t, r[0]), 1);
	assert_int_equal(effects(t, r[0]), 1);
	assert_int_equal(row_state(t, r[1]), 0);
	assert_int_equal(effects(t, r[1]), 0);
	assert_int_equal(row_state(t, r[2]), 0);
}

/*
 * After route_alone_past_a_failure(), once the handler can: the drain
 * takes the failed row and the one behind it, in order, from their
 * payloads.
 */
static void
drain_past_the_failure(struct router_test *t, const int64_t r[3])
{
	t->fail = 0;
	drain(t);
	assert_calls(t, 4, r[0], r[1], r[1], r[2]);
	assert_int_equal(row_state(t, r[1]), 1);
	assert_int_equal(row_state(t, r[2]), 1);
	assert_int_equal(effects(t, r[2]), 1);
}

static void
test_router_route_keeps_order_behind_a_failed_row(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r[3];

	route_alone_past_a_failure(t, r);
	assert_calls(t, 2, r[0], r[1]);
	drain_past_the_failure(t, r);
}

/*
 * A row stored bare, as Telegram's are when routed at once, is written
 * handled with its time; one the router leaves (a failure, or an older
 * row pending) is pending again with its payload, and waits its turn.
 */
static void
test_router_route_bare_rows_handled_or_left_pending(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r[4];

	t->alone = 1;
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_update(t, 1001, "one", &r[0], 1),
	    ROUTER_HANDLED);
	assert_int_equal(route_update(t, 1002, "fail", &r[1], 1),
	    ROUTER_LEFT);
	/* Behind the pending one: left, although its handler works. */
	assert_int_equal(route_update(t, 1003, "three", &r[2], 1),
	    ROUTER_LEFT);
	assert_int_equal(store_commit(t->app.st), 0);
	assert_calls(t, 2, r[0], r[1]);
	assert_int_equal(row_state(t, r[0]), 1);
	assert_int_equal(query(store_db(t->app.st), "SELECT COUNT(*) FROM "
	    "inbound WHERE id = ?1 AND handled_at IS NOT NULL AND payload IS "
	    "NULL", r[0]), 1);
	assert_int_equal(effects(t, r[0]), 1);
	assert_int_equal(row_state(t, r[1]), 0);
	assert_int_equal(row_state(t, r[2]), 0);
	assert_int_equal(query(store_db(t->app.st), "SELECT COUNT(*) FROM "
	    "inbound WHERE id IN (?1, ?1 + 1) AND handled_at IS NULL AND "
	    "payload IS NOT NULL", r[1]), 2);
	drain_past_the_failure(t, r);
	/* Nothing pending now: the next one is handled at once. */
	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_update(t, 1004, "four", &r[3], 1),
	    ROUTER_HANDLED);
	assert_int_equal(store_commit(t->app.st), 0);
	assert_int_equal(row_state(t, r[3]), 1);
	assert_calls(t, 5, r[0], r[1], r[1], r[2], r[3]);
}

/*
 * Not alone (no savepoint), a failing handler leaves its effects in the
 * transaction: the caller is told to roll back, and stores the rows
 * again, each alone, with the outcome of the test above.
 */
static void
test_router_route_not_alone_has_the_caller_roll_back(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r[3];

	assert_int_equal(store_begin(t->app.st), 0);
	assert_int_equal(route_text(t, 1001, "one", &r[0]), ROUTER_HANDLED);
	assert_int_equal(route_text(t, 1002, "fail", &r[1]), ROUTER_ABORT);
	/* The failed handler's reply is in the transaction until then. */
	assert_int_equal(effects(t, r[1]), 1);
	store_rollback(t->app.st);
	assert_int_equal(effects(t, r[0]), 0);
	assert_int_equal(effects(t, r[1]), 0);
	route_alone_past_a_failure(t, r);
}

/* ---- bad and unknown rows -------------------------------------------- */

static void
test_router_unusable_rows_are_skipped_without_stalling(void **state)
{
	struct router_test	*t = *state;
	int64_t			 r1, bad_json, r3, bad_sms, lost, r6;

	r1 = store_text(t, 1001, "one");
	bad_json = store_raw(t, CHANNEL_TELEGRAM, 1002, "{\"update_id\":");
	r3 = store_text(t, 1003, "three");
	bad_sms = store_raw(t, CHANNEL_SMS, 1, "{\"text\":\"no sender\"}");
	lost = store_text(t, 1005, "five");
	assert_int_equal(inbound_forget(t->app.is, lost), 0);
	r6 = store_raw(t, CHANNEL_SMS, 2, "{\"from\":\"+48601234567\","
	    "\"text\":\"six\",\"at\":1700000000}");
	drain(t);
	assert_calls(t, 3, r1, r3, r6);
	assert_string_equal(t->calls[2].text, "six");
	assert_int_equal(row_state(t, bad_json), 2);
	assert_int_equal(row_state(t, bad_sms), 2);
	assert_int_equal(row_state(t, lost), 2);
	assert_int_equal(effects(t, bad_json), 0);
	assert_int_equal(row_state(t, r6), 1);
	/* Skipped for good: a later drain does not look at them again. */
	drain(t);
	assert_int_equal(t->ncalls, 3);
}

static void
test_router_row_no_handler_takes_is_marked_handled(void **state)
{
	struct router_test	*t = *state;
	int64_t			 photo, cmd, r3;

	photo = store_msg(t, 1001, STRANGER,
	    "\"photo\":[{\"file_id\":\"AgAD\",\"width\":1,\"height\":1}]");
	cmd = store_text(t, 1002, "/nope");
	r3 = store_text(t, 1003, "three");
	drain(t);
	assert_calls(t, 1, r3);
	assert_int_equal(row_state(t, photo), 1);
	assert_int_equal(row_state(t, cmd), 1);
	assert_int_equal(effects(t, photo), 0);
	assert_int_equal(effects(t, cmd), 0);
}

static void
test_router_button_no_handler_takes_is_still_answered(void **state)
{
	struct router_test	*t = *state;
	struct outbox_info	 info;
	int64_t			 row;

	row = store_raw(t, CHANNEL_TELEGRAM, 1001, "{\"update_id\":1001,"
	    "\"callback_query\":{\"id\":\"4382bfdwdsb323b2d9\",\"from\":{"
	    "\"id\":5001,\"first_name\":\"Ivan\"},\"message\":{"
	    "\"message_id\":500,\"date\":1,\"chat\":{\"id\":5001,"
	    "\"type\":\"private\"}},\"data\":\"old:button\"}}");
	drain(t);
	assert_int_equal(t->ncalls, 0);
	assert_int_equal(row_state(t, row), 1);
	/* A pressed button spins until answered: it gets an empty answer. */
	assert_int_equal(effects(t, row), 1);
	assert_int_equal(outbox_list(t->app.ob, -1, 0, 0, &info, 1), 1);
	assert_string_equal(info.method, "answerCallbackQuery");
}

/* ---- which handler --------------------------------------------------- */

static void
test_router_first_entry_for_sender_and_kind_wins(void **state)
{
	struct router_test	*t = *state;
	int64_t			 staff;

	assert_int_equal(people_staff_create(t->app.people, "Anna Nowak",
	    "family_assistant", "pl", 1, &staff), PEOPLE_OK);
	assert_int_equal(people_link_staff(t->app.people, staff, STAFF,
	    STAFF), PEOPLE_OK);
	store_msg(t, 1001, STAFF, "\"text\":\"from staff\"");
	store_msg(t, 1002, STRANGER, "\"text\":\"from a stranger\"");
	store_msg(t, 1003, STRANGER, "\"text\":\"/ping\"");
	store_msg(t, 1004, STAFF, "\"text\":\"/ping now\"");
	drain(t);
	assert_int_equal(t->ncalls, 4);
	assert_string_equal(t->calls[0].entry, "staff");
	assert_int_equal(t->calls[0].sender, SENDER_STAFF);
	assert_string_equal(t->calls[1].entry, "text");
	assert_int_equal(t->calls[1].sender, SENDER_UNKNOWN);
	assert_string_equal(t->calls[2].entry, "ping");
	assert_int_equal(t->calls[2].kind, INBOUND_COMMAND);
	assert_string_equal(t->calls[3].entry, "ping");
	assert_int_equal(t->calls[3].sender, SENDER_STAFF);
}

/* ---- what a handler gets --------------------------------------------- */

static void
test_router_handler_forgets_a_message_keeping_a_count(void **state)
{
	struct router_test	*t = *state;
	const char		*sql_gone =
	    "SELECT payload IS NULL FROM inbound WHERE id = ?1";
	int64_t			 r1, r2, n = 0;
	int			 found = 0;

	r1 = store_text(t, 1001, "/forget");
	r2 = store_text(t, 1002, "/forget");
	drain(t);
	assert_calls(t, 2, r1, r2);
	assert_string_equal(t->calls[0].entry, "forget");
	assert_int_equal(row_state(t, r1), 1);
	assert_int_equal(query(store_db(t->app.st), sql_gone, r1), 1);
	assert_int_equal(query(store_db(t->app.st), sql_gone, r2), 1);
	assert_int_equal(store_meta_get(t->app.st, "test_forgotten", &n,
	    &found), 0);
	assert_true(found);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_router_handles_each_row_once_in_order),
		T(test_router_handles_more_rows_than_one_batch_in_order),
		T(test_router_kick_drains_on_the_loop_and_wakes_dispatcher),
		T(test_router_effects_and_handled_mark_commit_together),
		T(test_router_handler_error_rolls_back_and_row_is_retried),
		T(test_router_route_handles_in_the_channels_transaction),
		T(test_router_route_keeps_order_behind_a_failed_row),
		T(test_router_route_sees_the_sends_that_came_back),
		T(test_router_route_bare_rows_handled_or_left_pending),
		T(test_router_route_not_alone_has_the_caller_roll_back),
		T(test_router_unusable_rows_are_skipped_without_stalling),
		T(test_router_row_no_handler_takes_is_marked_handled),
		T(test_router_button_no_handler_takes_is_still_answered),
		T(test_router_first_entry_for_sender_and_kind_wins),
		T(test_router_handler_forgets_a_message_keeping_a_count),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
