/*
 * Unit tests for the Telegram channel's long poll (daemon/channel/
 * telegram/tg.c) against a Bot API on the loop: an answer's updates are
 * stored and routed in one transaction, without a savepoint each; when
 * one of them fails, the answer is rolled back whole and stored again at
 * once with each update alone, so that only the failing one (and those
 * after it) are left pending, and the offset still moves on.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "config.h"
#include "httpc.h"
#include "inbound.h"
#include "router.h"
#include "store.h"
#include "tg.h"
#include "xmalloc.h"
#include "unit/fixture.h"

#define TP_TOKEN	"123:test"
#define TP_CALLS	16
#define TP_WAIT_MS	10000

struct tp_call {
	char		 text[32];
	int		 alone;
};

struct tp {
	struct fixture		 fx;
	struct event_base	*base;
	struct evhttp		*srv;
	struct config		*cfg;
	struct httpc		*http;
	struct inbound_store	*is;
	struct tg		*tg;
	const char		*answer;	/* next getUpdates answer */
	int			 polls;
	struct tp_call		 calls[TP_CALLS];
	int			 ncalls;
	int			 want_calls, want_polls;
};

static void
tp_reply(struct evhttp_request *req, const char *json)
{
	struct evbuffer	*b = evbuffer_new();

	evbuffer_add(b, json, strlen(json));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/* The Bot API: the scripted answer once, then answers with nothing. */
static void
tp_serve(struct evhttp_request *req, void *arg)
{
	struct tp	*t = arg;
	const char	*uri = evhttp_request_get_uri(req);

	if (strstr(uri, "/getUpdates") != NULL) {
		t->polls++;
		tp_reply(req, t->answer != NULL ? t->answer :
		    "{\"ok\":true,\"result\":[]}");
		t->answer = NULL;
	} else if (strstr(uri, "/getMe") != NULL)
		tp_reply(req, "{\"ok\":true,\"result\":{\"id\":1,"
		    "\"is_bot\":true,\"first_name\":\"t\","
		    "\"username\":\"t_bot\"}}");
	else
		evhttp_send_error(req, 404, NULL);
}

/*
 * A router that handles a text by writing an effect of its own and
 * marking the row, and fails on "fail" after writing its effect. Alone,
 * it undoes that row itself, as the router's savepoint does.
 */
static int
tp_route(void *arg, int64_t row, struct inbound *in, int alone)
{
	struct tp	*t = arg;
	struct tp_call	*c;
	char		 key[64];

	assert_non_null(in);
	assert_true(t->ncalls < TP_CALLS);
	c = &t->calls[t->ncalls++];
	snprintf(c->text, sizeof c->text, "%s", in->text);
	c->alone = alone;
	if (alone)
		assert_int_equal(store_savepoint(t->fx.st), 0);
	snprintf(key, sizeof key, "effect:%s", in->text);
	assert_int_equal(store_meta_set(t->fx.st, key, row), 0);
	if (strcmp(in->text, "fail") == 0) {
		if (!alone)
			return ROUTER_ABORT;
		store_rollback_to(t->fx.st);
		return ROUTER_LEFT;
	}
	assert_int_equal(inbound_mark(t->is, row, 1), 0);
	if (alone)
		assert_int_equal(store_release(t->fx.st), 0);
	return ROUTER_HANDLED;
}

static void
tp_check(evutil_socket_t fd, short what, void *arg)
{
	struct tp	*t = arg;

	(void)fd;
	(void)what;
	if (t->ncalls >= t->want_calls && t->polls >= t->want_polls)
		event_base_loopbreak(t->base);
}

/* Runs the loop until the calls and polls wanted, or fails at a deadline. */
static void
tp_run(struct tp *t, int calls, int polls)
{
	struct timeval	 tick = { 0, 10000 };
	struct event	*ev;
	int64_t		 left = TP_WAIT_MS / 10;

	t->want_calls = calls;
	t->want_polls = polls;
	ev = event_new(t->base, -1, EV_PERSIST, tp_check, t);
	event_add(ev, &tick);
	while (left-- > 0 && (t->ncalls < calls || t->polls < polls))
		event_base_loop(t->base, EVLOOP_ONCE);
	event_free(ev);
	if (t->ncalls < calls || t->polls < polls)
		fail_msg("%d routed, %d polls; %d and %d wanted", t->ncalls,
		    t->polls, calls, polls);
}

static int64_t
tp_query(struct tp *t, const char *sql, const char *arg)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(t->fx.st), sql, -1, &s,
	    NULL), SQLITE_OK);
	if (arg != NULL)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
setup(void **state)
{
	struct tp		*t = xcalloc(1, sizeof *t);
	struct evhttp_bound_socket *bound;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	if (fixture_setup(&t->fx, "tg_poll", FIXTURE_KEYS | FIXTURE_STORE) ==
	    -1 || config_load(NULL, stderr, &t->cfg) == -1)
		return -1;
	t->base = event_base_new();
	t->srv = evhttp_new(t->base);
	evhttp_set_gencb(t->srv, tp_serve, t);
	if ((bound = evhttp_bind_socket_with_handle(t->srv, "127.0.0.1",
	    0)) == NULL || getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &len) == -1)
		return -1;
	free(t->cfg->api_root);
	t->cfg->api_root = xasprintf("http://127.0.0.1:%d",
	    ntohs(sin.sin_port));
	free(t->cfg->token);
	t->cfg->token = xstrdup(TP_TOKEN);
	t->http = httpc_new(t->base);
	t->is = inbound_store_new(t->fx.st, t->fx.keys);
	t->tg = tg_new(t->base, t->http, t->cfg, t->fx.st, t->is);
	tg_set_route_cb(t->tg, tp_route, t);
	*state = t;
	return t->http != NULL && t->is != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	struct tp	*t = *state;

	tg_stop(t->tg);
	tg_free(t->tg);
	httpc_free(t->http);
	inbound_store_free(t->is);
	evhttp_free(t->srv);
	event_base_free(t->base);
	config_free(t->cfg);
	(void)fixture_teardown(&t->fx);
	free(t);
	return 0;
}

#define TP_UPDATE(id, chat, text) \
	"{\"update_id\":" #id ",\"message\":{\"message_id\":" #id "," \
	"\"date\":1700000000,\"chat\":{\"id\":" #chat ",\"type\":" \
	"\"private\"},\"from\":{\"id\":" #chat ",\"is_bot\":false," \
	"\"first_name\":\"O\"},\"text\":\"" text "\"}}"

static void
test_tg_poll_routes_an_answer_in_one_transaction(void **state)
{
	struct tp	*t = *state;

	t->answer = "{\"ok\":true,\"result\":[" TP_UPDATE(501, 7001, "one")
	    "," TP_UPDATE(502, 7002, "two") "]}";
	assert_int_equal(tg_start(t->tg), 0);
	/* A second poll: the first answer is committed by then. */
	tp_run(t, 2, 2);
	assert_int_equal(t->ncalls, 2);
	assert_string_equal(t->calls[0].text, "one");
	assert_string_equal(t->calls[1].text, "two");
	assert_int_equal(t->calls[0].alone, 0);
	assert_int_equal(t->calls[1].alone, 0);
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM inbound "
	    "WHERE state = 1 AND handled_at IS NOT NULL", NULL), 2);
	assert_int_equal(tp_query(t, "SELECT value FROM meta "
	    "WHERE key = 'tg_offset'", NULL), 503);
}

static void
test_tg_poll_stores_an_answer_again_alone_when_one_fails(void **state)
{
	struct tp	*t = *state;

	t->answer = "{\"ok\":true,\"result\":[" TP_UPDATE(601, 7001, "one")
	    "," TP_UPDATE(602, 7002, "fail") "," TP_UPDATE(603, 7003, "three")
	    "]}";
	assert_int_equal(tg_start(t->tg), 0);
	tp_run(t, 4, 2);
	/* Together until the failure; then again, each alone. */
	assert_int_equal(t->ncalls, 4);
	assert_string_equal(t->calls[0].text, "one");
	assert_int_equal(t->calls[0].alone, 0);
	assert_string_equal(t->calls[1].text, "fail");
	assert_int_equal(t->calls[1].alone, 0);
	assert_string_equal(t->calls[2].text, "one");
	assert_int_equal(t->calls[2].alone, 1);
	assert_string_equal(t->calls[3].text, "fail");
	assert_int_equal(t->calls[3].alone, 1);
	/* The first handled once; the failed one's effect undone. */
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM meta "
	    "WHERE key = ?1", "effect:one"), 1);
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM meta "
	    "WHERE key = ?1", "effect:fail"), 0);
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM inbound "
	    "WHERE state = 1", NULL), 1);
	/* The failed one and the one after it wait, with their payloads. */
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM inbound "
	    "WHERE state = 0 AND payload IS NOT NULL", NULL), 2);
	assert_int_equal(tp_query(t, "SELECT COUNT(*) FROM inbound", NULL),
	    3);
	assert_int_equal(tp_query(t, "SELECT value FROM meta "
	    "WHERE key = 'tg_offset'", NULL), 604);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_tg_poll_routes_an_answer_in_one_transaction),
		T(test_tg_poll_stores_an_answer_again_alone_when_one_fails),
#undef T
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, NULL);
}
