/* The Telegram channel: getUpdates long polling and Bot API sends. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "clock.h"
#include "config.h"
#include "httpc.h"
#include "i18n.h"
#include "inbound.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "tg.h"
#include "validate.h"
#include "xmalloc.h"

/*
 * The longest Update stored. A message carries at most 4096 characters of
 * text or 1024 of caption; with its entities and the replied message
 * quoted, a real update stays far below this.
 */
#define TG_UPDATE_MAX	(256 * 1024)
#define TG_POLL_MAX_RESPONSE	(64u << 20)	/* 100 updates, huge texts */
#define TG_SEND_MAX_RESPONSE	(1u << 20)
#define TG_BACKOFF_MAX_MS	60000
#define TG_META_OFFSET		"tg_offset"
/* An empty getUpdates answer sooner than this waits out the rest. */
#define TG_POLL_FLOOR_MS	1000
#define TG_UNAVAILABLE_MAX	8

static const char tg_allowed_updates[] =
	"[\"message\",\"edited_message\",\"callback_query\",\"my_chat_member\"]";

struct tg {
	struct event_base	*base;
	struct httpc		*http;
	const struct config	*cfg;
	struct store		*st;
	struct inbound_store	*is;
	char			*url;		/* api_root/bot<token>/: secret */
	char			*username;
	struct httpc_req	*poll_req;
	struct event		*poll_ev, *me_ev;
	int64_t			 offset;
	int			 poll_limit;
	int			 backoff_ms;
	enum tg_state		 state;
	int			 stopping;
	const struct tg_command	*menu;
	size_t			 nmenu;
	tg_inbound_fn		 inbound_fn;
	void			*inbound_arg;
	tg_route_fn		 route_fn;
	void			*route_arg;
	int64_t			 poll_started;	/* mono us */
	/*
	 * Sends answered 401 or 404 wait for one getMe: refused too, the
	 * token is; otherwise only the call was.
	 */
	struct tg_send		*checks;
	struct httpc_req	*check_req;
	/* Methods the server does not know (404 while getMe works). */
	char			 unavailable[TG_UNAVAILABLE_MAX][32];
	int			 nunavailable;
};

/* One send in flight, then maybe waiting for the token check. */
struct tg_send {
	struct tg		*t;
	struct dispatch_job	*job;
	struct send_result	 res;
	char			 method[32];
	struct tg_send		*next;
};

static void	tg_poll(struct tg *t);
static void	tg_get_me(struct tg *t);

static const char *const tg_state_names[] = {
	[TG_STARTING] = "starting",
	[TG_CONNECTED] = "connected",
	[TG_RETRYING] = "retrying",
	[TG_UNAUTHORIZED] = "unauthorized",
	[TG_CONFLICT] = "conflict",
};

const char *
tg_state_name(enum tg_state s)
{
	return tg_state_names[s];
}

enum tg_state
tg_get_state(const struct tg *t)
{
	return t->state;
}

const char *
tg_username(const struct tg *t)
{
	return t->username;
}

int64_t
tg_offset(const struct tg *t)
{
	return t->offset;
}

static char *
tg_url(const struct tg *t, const char *method)
{
	return xstrjoin(t->url, method, (char *)NULL);
}

static void
tg_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tg_poll(arg);
}

static void
tg_me_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tg_get_me(arg);
}

struct tg *
tg_new(struct event_base *base, struct httpc *h, const struct config *cfg,
    struct store *st, struct inbound_store *is)
{
	struct tg	*t;
	const char	*root = cfg->api_root;
	size_t		 n = strlen(root);

	t = xcalloc(1, sizeof *t);
	t->base = base;
	t->http = h;
	t->cfg = cfg;
	t->st = st;
	t->is = is;
	t->poll_limit = 100;
	t->state = TG_STARTING;
	while (n > 0 && root[n - 1] == '/')
		n--;
	t->url = xasprintf("%.*s/bot%s/", (int)n, root,
	    cfg->token != NULL ? cfg->token : "");
	t->poll_ev = evtimer_new(base, tg_poll_cb, t);
	t->me_ev = evtimer_new(base, tg_me_cb, t);
	return t;
}

void
tg_free(struct tg *t)
{
	struct tg_send	*c;

	if (t == NULL)
		return;
	tg_stop(t);
	if (t->check_req != NULL)
		httpc_cancel(t->check_req);
	while ((c = t->checks) != NULL) {
		t->checks = c->next;
		free(c);
	}
	if (t->poll_ev != NULL)
		event_free(t->poll_ev);
	if (t->me_ev != NULL)
		event_free(t->me_ev);
	explicit_bzero(t->url, strlen(t->url));
	free(t->url);
	free(t->username);
	free(t);
}

void
tg_set_inbound_cb(struct tg *t, tg_inbound_fn fn, void *arg)
{
	t->inbound_fn = fn;
	t->inbound_arg = arg;
}

void
tg_set_route_cb(struct tg *t, tg_route_fn fn, void *arg)
{
	t->route_fn = fn;
	t->route_arg = arg;
}

static void
tg_after(struct event *ev, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static int
tg_next_backoff(struct tg *t)
{
	t->backoff_ms = t->backoff_ms == 0 ? 500 : t->backoff_ms * 2;
	if (t->backoff_ms > TG_BACKOFF_MAX_MS)
		t->backoff_ms = TG_BACKOFF_MAX_MS;
	return t->backoff_ms;
}

/*
 * Fire-and-forget calls at start (setMyCommands, deleteWebhook). `method`
 * must be a string literal: a call cancelled at shutdown never runs its
 * callback, so nothing may be owned by it.
 */
static void
tg_call_done(const struct httpc_response *resp, void *arg)
{
	struct send_result	 res;
	const char		*method = arg;	/* a literal */

	tg_classify(resp->status, resp->body, resp->len, resp->retry_after,
	    &res);
	if (res.status != SEND_OK)
		log_warn("event=tg.call_failed method=%s code=%d", method,
		    res.code);
}

static void
tg_call(struct tg *t, const char *method, const char *params)
{
	struct httpc_opts	 o = { .max_response = TG_SEND_MAX_RESPONSE };
	char			*url = tg_url(t, method);

	o.timeout_ms = (long)t->cfg->request_timeout * 1000;
	if (httpc_request(t->http, url, params, strlen(params), &o,
	    tg_call_done, (void *)(uintptr_t)method) == NULL)
		log_warn("event=tg.call_failed method=%s", method);
	free(url);
}

/* {"commands":[{"command":..,"description":..},..],"language_code":..} */
static char *
tg_commands_json(const struct tg *t, int lang, const char *code)
{
	cJSON	*p, *arr, *c;
	char	*json = NULL;
	size_t	 i;

	if ((p = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((arr = cJSON_AddArrayToObject(p, "commands")) == NULL)
		goto out;
	for (i = 0; i < t->nmenu; i++) {
		if ((c = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(arr, c) ||
		    cJSON_AddStringToObject(c, "command",
		    t->menu[i].command) == NULL ||
		    cJSON_AddStringToObject(c, "description",
		    t->menu[i].description[lang]) == NULL)
			goto out;
	}
	if (code == NULL ||
	    cJSON_AddStringToObject(p, "language_code", code) != NULL)
		json = json_print(p);
out:
	cJSON_Delete(p);
	return json;
}

static void
tg_set_commands(struct tg *t)
{
	char	*p;
	int	 l;

	if (t->menu == NULL)
		return;
	/* The default list (no language) is Polish, like the centre. */
	for (l = -1; l < LANG_COUNT; l++) {
		p = tg_commands_json(t, l < 0 ? LANG_DEFAULT : l, l < 0 ?
		    NULL : lang_code((enum lang)l));
		if (p == NULL) {
			log_warn("event=tg.call_failed method=setMyCommands");
			continue;
		}
		tg_call(t, "setMyCommands", p);
		free(p);
	}
}

static void
tg_me_done(const struct httpc_response *resp, void *arg)
{
	struct tg	*t = arg;
	cJSON		*root;
	const cJSON	*name;

	root = cJSON_ParseWithLength(resp->body, resp->len);
	name = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "result"), "username");
	if (resp->status == 200 && cJSON_IsString(name) &&
	    strlen(name->valuestring) < 64 &&
	    strspn(name->valuestring, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
	    strlen(name->valuestring)) {
		free(t->username);
		t->username = xstrdup(name->valuestring);
		log_notice("event=tg.ready bot=%s", t->username);
		tg_set_commands(t);
	} else {
		log_warn("event=tg.getme_failed code=%ld", resp->status);
		if (resp->status == 401 || resp->status == 404)
			t->state = TG_UNAUTHORIZED;
		if (!t->stopping)
			tg_after(t->me_ev, 30000);
	}
	cJSON_Delete(root);
}

static void
tg_get_me(struct tg *t)
{
	struct httpc_opts	 o = { .max_response = TG_SEND_MAX_RESPONSE };
	char			*url = tg_url(t, "getMe");

	o.timeout_ms = (long)t->cfg->request_timeout * 1000;
	if (httpc_request(t->http, url, "{}", 2, &o, tg_me_done, t) == NULL)
		tg_after(t->me_ev, 30000);
	free(url);
}

void
tg_set_menu(struct tg *t, const struct tg_command *menu, size_t n)
{
	t->menu = menu;
	t->nmenu = n;
}

int
tg_start(struct tg *t)
{
	int64_t	 off = 0;
	int	 found = 0;

	if (t->cfg->token == NULL) {
		log_err("event=tg.no_token");
		return -1;
	}
	if (store_meta_get(t->st, TG_META_OFFSET, &off, &found) == -1)
		return -1;
	t->offset = found ? off : 0;
	tg_get_me(t);
	tg_poll(t);
	return 0;
}

void
tg_stop(struct tg *t)
{
	t->stopping = 1;
	if (t->poll_req != NULL) {
		httpc_cancel(t->poll_req);
		t->poll_req = NULL;
	}
	if (t->poll_ev != NULL)
		evtimer_del(t->poll_ev);
	if (t->me_ev != NULL)
		evtimer_del(t->me_ev);
}

/*
 * About the bytes of an update's text, without printing it: its keys and
 * strings, and a few bytes for each value; counting stops past `max`.
 */
static size_t
tg_tree_bytes(const cJSON *v, size_t max)
{
	const cJSON	*c;
	size_t		 n = 4;

	if (v->string != NULL)
		n += strlen(v->string);
	if (cJSON_IsString(v) && v->valuestring != NULL)
		n += strlen(v->valuestring);
	for (c = v->child; c != NULL && n <= max; c = c->next)
		n += tg_tree_bytes(c, max - n);
	return n;
}

static void
tg_skipped(int64_t id, const char *why)
{
	log_warn("event=update.skipped update_id=%" PRId64 " reason=\"%s\"",
	    id, why);
}

/*
 * The text an update is stored as: printed again from its tree, which
 * costs more than handling most updates, so only for an update kept.
 * NULL (logged) when it cannot be: larger than any Telegram sends, or
 * out of memory.
 */
static char *
tg_update_text(const cJSON *u, int64_t id, size_t *len)
{
	char	*raw;

	if ((raw = json_print(u)) == NULL) {
		tg_skipped(id, "out of memory");
		return NULL;
	}
	if ((*len = strlen(raw)) > TG_UPDATE_MAX) {
		tg_skipped(id, "too large");
		free(raw);
		return NULL;
	}
	return raw;
}

/*
 * Hands a row just stored, without its payload, to the router, from the
 * tree already parsed; then stores the payload, unless the row was
 * handled and forgotten (a family's message: what is kept of it is in the
 * family's history), so that such a payload is neither sealed nor written.
 * *left is set when the router left the row for later.
 */
static int
tg_route(struct tg *t, int64_t row, const cJSON *u, int64_t id, int alone,
    int *left)
{
	struct inbound	 in;
	char		 why[96], *raw;
	size_t		 len;
	int		 rc;

	/* The answer's NUL escapes were replaced before it was parsed. */
	if (tg_parse_tree(u, NULL, 0, &in, why, sizeof why) == -1)
		rc = t->route_fn(t->route_arg, row, NULL, alone);
	else {
		rc = t->route_fn(t->route_arg, row, &in, alone);
		inbound_clear(&in);
	}
	if (rc == -1)
		return -1;
	*left = rc != 0;
	if (rc == 0 && inbound_forgotten(t->is, row))
		return 0;
	/* Without a text the row is kept bare; left, it is skipped later. */
	if ((raw = tg_update_text(u, id, &len)) == NULL)
		return *left ? inbound_keep(t->is, row, NULL, 0, 1) : 0;
	rc = inbound_keep(t->is, row, raw, len, *left);
	free(raw);
	return rc;
}

/*
 * Stores the parseable updates of one answer and the next offset in one
 * transaction, and has each routed in it as well (tg_route_fn), so that
 * one durable commit covers receiving and handling them. An update the
 * router leaves, and every one after it, waits for tg_inbound_fn.
 * Unparseable ones are logged by id and skipped.
 * Updates are routed `alone` (each in a savepoint) or not; then, when
 * one fails, all is rolled back and 1 returned: store them again alone.
 */
static int
tg_store_updates(struct tg *t, const cJSON *arr, int alone, int64_t *next,
    int *stored)
{
	const cJSON	*u;
	char		*raw;
	size_t		 len;
	int64_t		 id, row, max = t->offset - 1;
	int		 ok = 1, noid = 0, left = t->route_fn == NULL;
	int		 again = 0;

	*stored = 0;
	if (store_begin(t->st) == -1)
		return -1;
	cJSON_ArrayForEach(u, arr) {
		const cJSON *uid = cJSON_GetObjectItemCaseSensitive(u,
		    "update_id");

		if (!cJSON_IsNumber(uid) || uid->valuedouble < 0 ||
		    uid->valuedouble > 9007199254740991.0) {
			log_warn("event=update.skipped reason=\"no update_id\"");
			noid++;
			continue;
		}
		id = (int64_t)uid->valuedouble;
		if (id > max)
			max = id;
		/*
		 * Handed to the router as parsed here, and stored as text
		 * only if kept (tg_route()); one left for later is stored as
		 * text at once. Only what no update can be is kept out.
		 */
		raw = NULL;
		len = 0;
		if (tg_tree_bytes(u, TG_UPDATE_MAX) > TG_UPDATE_MAX) {
			tg_skipped(id, "too large");
			continue;
		}
		if (left && (raw = tg_update_text(u, id, &len)) == NULL)
			continue;
		if (inbound_record(t->is, CHANNEL_TELEGRAM, id, raw, len,
		    &row) == -1)
			ok = 0;
		else if (row != 0) {
			(*stored)++;
			if (!left && tg_route(t, row, u, id, alone,
			    &left) == -1)
				ok = 0;
			again = !ok && !alone;
		}
		free(raw);
		if (!ok)
			break;
	}
	/*
	 * Updates without an id, and none with one: the same answer would
	 * come back at once, forever. Skip one past the offset.
	 */
	if (ok && noid > 0 && max < t->offset) {
		log_warn("event=update.skipped reason=\"no update_id\" "
		    "next_offset=%" PRId64, t->offset + 1);
		max = t->offset;
	}
	if (ok && max + 1 > t->offset &&
	    store_meta_set(t->st, TG_META_OFFSET, max + 1) == -1)
		ok = 0;
	if (!ok || store_commit(t->st) == -1) {
		store_rollback(t->st);
		return again ? 1 : -1;
	}
	*next = max + 1 > t->offset ? max + 1 : t->offset;
	return 0;
}

/*
 * An answer that is not JSON hides which update broke it. Ask for one
 * update at a time; when even that is unreadable, find its id by text and
 * skip just that one, so the offset never stalls.
 */
static int64_t
tg_salvage_offset(const struct tg *t, const char *body)
{
	const char	*p = strstr(body, "\"update_id\"");
	char		*end;
	long long	 id;

	if (p != NULL && (p = strchr(p, ':')) != NULL) {
		id = strtoll(p + 1, &end, 10);
		if (end != p + 1 && id >= t->offset)
			return (int64_t)id + 1;
	}
	return t->offset > 0 ? t->offset + 1 : t->offset;
}

/*
 * The answer's body, with every NUL escape made a replacement character
 * (validate_json_nuls()); a new string.
 */
static char *
tg_answer_body(const struct httpc_response *resp)
{
	char	*body = xmalloc(resp->len + 1);
	size_t	 n;

	n = validate_json_nuls(resp->body, resp->len, body);
	body[resp->len] = '\0';
	if (n > 0)
		log_warn("event=update.nul_replaced count=%zu", n);
	return body;
}

static void
tg_poll_answer(struct tg *t, const struct httpc_response *resp)
{
	struct json_arena	*arena;
	cJSON			*root;
	const cJSON		*result;
	char			*body;
	int64_t			 next, elapsed;
	int			 stored, empty, rc;

	/* cJSON would keep a NUL, and printing the update cut the text. */
	body = tg_answer_body(resp);
	/* Read once, up to 100 updates: its nodes go all at once. */
	root = json_parse_arena(body, resp->len, &arena);
	result = cJSON_GetObjectItemCaseSensitive(root, "result");
	if (!cJSON_IsArray(result)) {
		if (t->poll_limit > 1) {
			log_warn("event=tg.poll_unreadable action=one_by_one");
			t->poll_limit = 1;
		} else {
			next = tg_salvage_offset(t, body);
			log_warn("event=update.skipped reason=\"unreadable\" "
			    "next_offset=%" PRId64, next);
			if (store_meta_set(t->st, TG_META_OFFSET, next) == 0)
				t->offset = next;
		}
		json_arena_free(arena);
		free(body);
		tg_poll(t);
		return;
	}
	free(body);
	t->poll_limit = 100;
	/* Each in a savepoint of its own only when one of them failed. */
	if ((rc = tg_store_updates(t, result, 0, &next, &stored)) == 1) {
		log_warn("event=tg.store_again detail=\"an update failed: "
		    "each is handled alone\"");
		rc = tg_store_updates(t, result, 1, &next, &stored);
	}
	if (rc == -1) {
		/* Not committed, so not acked: Telegram sends them again. */
		log_err("event=tg.store_failed");
		json_arena_free(arena);
		tg_after(t->poll_ev, tg_next_backoff(t));
		return;
	}
	empty = cJSON_GetArraySize(result) == 0;
	json_arena_free(arena);
	t->offset = next;
	t->backoff_ms = 0;
	t->state = TG_CONNECTED;
	/*
	 * The next poll acknowledges what we just committed. A server that
	 * answers at once with nothing (it does not hold the long poll) is
	 * asked at most once a second.
	 */
	elapsed = (clock_mono_us() - t->poll_started) / 1000;
	if (empty && elapsed < TG_POLL_FLOOR_MS) {
		tg_after(t->poll_ev, (int)(TG_POLL_FLOOR_MS - elapsed));
		return;
	}
	tg_poll(t);
	if (stored > 0 && t->inbound_fn != NULL)
		t->inbound_fn(t->inbound_arg);
}

/*
 * The answer was over the size cap: fewer updates at a time; when even
 * one is too large, that one is skipped, so polling never stalls.
 */
static void
tg_poll_too_large(struct tg *t)
{
	if (t->poll_limit > 1) {
		t->poll_limit = t->poll_limit / 2;
		log_warn("event=tg.poll_too_large limit=%d", t->poll_limit);
	} else {
		log_warn("event=update.skipped reason=\"too large\" "
		    "next_offset=%" PRId64, t->offset + 1);
		if (store_meta_set(t->st, TG_META_OFFSET, t->offset + 1) == 0)
			t->offset++;
	}
	tg_poll(t);
}

static void
tg_poll_done(const struct httpc_response *resp, void *arg)
{
	struct tg		*t = arg;
	struct send_result	 res;

	t->poll_req = NULL;
	if (t->stopping)
		return;
	if (resp->curl_code == 0 && resp->status == 200) {
		tg_poll_answer(t, resp);
		return;
	}
	if (resp->too_large) {
		tg_poll_too_large(t);
		return;
	}
	tg_classify(resp->status, resp->body, resp->len, resp->retry_after,
	    &res);
	if (resp->status == 409) {
		t->state = TG_CONFLICT;
		log_err("event=tg.poll_conflict detail=\"another poller or "
		    "a webhook\"");
		if (strstr(res.error, "webhook") != NULL)
			tg_call(t, "deleteWebhook", "{}");
	} else if (res.status == SEND_AUTH) {
		t->state = TG_UNAUTHORIZED;
		log_err("event=tg.unauthorized detail=\"the bot token was "
		    "refused\"");
	} else {
		t->state = TG_RETRYING;
		log_warn("event=tg.poll_failed code=%ld error=\"%s\"",
		    resp->status, resp->error != NULL ? resp->error : "");
	}
	if (res.status == SEND_RATE_LIMITED && res.retry_after > 0)
		tg_after(t->poll_ev, (int)res.retry_after * 1000);
	else
		tg_after(t->poll_ev, tg_next_backoff(t));
}

static void
tg_poll(struct tg *t)
{
	struct httpc_opts	 o = { .max_response = TG_POLL_MAX_RESPONSE };
	char			*url, *body;

	if (t->stopping || t->poll_req != NULL)
		return;
	url = tg_url(t, "getUpdates");
	body = xasprintf("{\"offset\":%" PRId64 ",\"limit\":%d,\"timeout\":%d,"
	    "\"allowed_updates\":%s}", t->offset, t->poll_limit,
	    t->cfg->poll_timeout, tg_allowed_updates);
	o.timeout_ms = ((long)t->cfg->poll_timeout + 15) * 1000;
	t->poll_started = clock_mono_us();
	t->poll_req = httpc_request(t->http, url, body, strlen(body), &o,
	    tg_poll_done, t);
	if (t->poll_req == NULL)
		tg_after(t->poll_ev, tg_next_backoff(t));
	free(body);
	free(url);
}

static int
tg_is_unavailable(const struct tg *t, const char *method)
{
	int	 i;

	for (i = 0; i < t->nunavailable; i++)
		if (strcmp(t->unavailable[i], method) == 0)
			return 1;
	return 0;
}

/* The server does not know `method`: said once, never asked again. */
static void
tg_mark_unavailable(struct tg *t, const char *method)
{
	if (tg_is_unavailable(t, method))
		return;
	log_warn("event=tg.method_unavailable method=%s detail=\"the server "
	    "does not know it; such calls fail until a restart\"", method);
	if (t->nunavailable < TG_UNAVAILABLE_MAX)
		snprintf(t->unavailable[t->nunavailable++],
		    sizeof t->unavailable[0], "%s", method);
}

/*
 * What getMe said decides the sends that were refused meanwhile: refused
 * too, the token is (an auth pause, the rows wait); working, only those
 * calls were, and they fail with the reason.
 */
static void
tg_check_done(const struct httpc_response *resp, void *arg)
{
	struct tg		*t = arg;
	struct tg_send		*c, *next;
	struct send_result	 me;
	int			 refused, works;

	t->check_req = NULL;
	if (resp->curl_code != 0) {
		memset(&me, 0, sizeof me);
		me.status = SEND_RETRY;
	} else
		tg_classify(resp->status, resp->body, resp->len,
		    resp->retry_after, &me);
	refused = me.status == SEND_AUTH;
	works = me.status == SEND_OK;
	if (refused) {
		t->state = TG_UNAUTHORIZED;
		log_err("event=tg.unauthorized detail=\"the bot token was "
		    "refused\"");
	}
	c = t->checks;
	t->checks = NULL;
	for (; c != NULL; c = next) {
		next = c->next;
		if (works) {
			if (c->res.code == 404)
				tg_mark_unavailable(t, c->method);
			c->res.status = SEND_PERMANENT;
		} else if (!refused) {
			/* Not known yet: tried again later, like a 5xx. */
			c->res.status = SEND_RETRY;
		}
		dispatch_done(c->job, &c->res);
		free(c);
	}
}

static void
tg_check_token(struct tg *t, struct tg_send *c)
{
	struct httpc_opts	 o = { .max_response = TG_SEND_MAX_RESPONSE };
	struct httpc_response	 fail;
	char			*url;

	c->next = t->checks;
	t->checks = c;
	if (t->check_req != NULL)
		return;
	o.timeout_ms = (long)t->cfg->request_timeout * 1000;
	url = tg_url(t, "getMe");
	t->check_req = httpc_request(t->http, url, "{}", 2, &o, tg_check_done,
	    t);
	free(url);
	if (t->check_req == NULL) {
		memset(&fail, 0, sizeof fail);
		fail.curl_code = -1;
		tg_check_done(&fail, t);
	}
}

static void
tg_send_done(const struct httpc_response *resp, void *arg)
{
	struct tg_send		*c = arg;

	if (resp->curl_code != 0) {
		memset(&c->res, 0, sizeof c->res);
		c->res.status = SEND_RETRY;
		snprintf(c->res.error, sizeof c->res.error, "%s",
		    resp->error != NULL ? resp->error : "network error");
	} else
		tg_classify(resp->status, resp->body, resp->len,
		    resp->retry_after, &c->res);
	/* 401 or 404: the token, or only this call? */
	if (c->res.status == SEND_AUTH && !c->t->stopping) {
		tg_check_token(c->t, c);
		return;
	}
	dispatch_done(c->job, &c->res);
	free(c);
}

void
tg_send(void *arg, struct dispatch_job *job, const struct outbox_row *row,
    const char *params, size_t len)
{
	struct tg		*t = arg;
	struct httpc_opts	 o = { .max_response = TG_SEND_MAX_RESPONSE };
	struct send_result	 res;
	struct tg_send		*c;
	char			*url;

	memset(&res, 0, sizeof res);
	if (tg_is_unavailable(t, row->method)) {
		res.status = SEND_PERMANENT;
		res.code = 404;
		snprintf(res.error, sizeof res.error, "the server does not "
		    "know %s", row->method);
		dispatch_done(job, &res);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->t = t;
	c->job = job;
	str_copy(c->method, row->method, sizeof c->method);
	o.timeout_ms = (long)t->cfg->request_timeout * 1000;
	url = tg_url(t, row->method);
	if (httpc_request(t->http, url, params, len, &o, tg_send_done,
	    c) == NULL) {
		free(c);
		res.status = SEND_RETRY;
		snprintf(res.error, sizeof res.error, "request not started");
		dispatch_done(job, &res);
	}
	free(url);
}
