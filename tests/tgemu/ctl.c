/* tgemu: the control API that tests use to play users and inspect sends. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "tgemu.h"
#include "xmalloc.h"

#define CTL_STR_MAX	256	/* names, language codes, descriptions */

/* An optional short string field; -1 (after answering) when malformed. */
static int
opt_str(struct evhttp_request *req, const cJSON *b, const char *key,
    const char **out)
{
	char	 buf[64];

	switch (emu_param_str(b, key, out, buf, sizeof buf)) {
	case P_ABSENT:
		return 0;
	case P_BAD:
		emuc_ctl_error(req, "%s: string expected", key);
		return -1;
	case P_OK:
		break;
	}
	/* A number turned into text in buf is not a string here. */
	return emuc_ctl_str_check(req, key, *out == buf ? NULL : *out,
	    CTL_STR_MAX, emuc_utf8_is_valid);
}

static int
opt_int(struct evhttp_request *req, const cJSON *b, const char *key,
    int64_t lo, int64_t hi, int64_t *out)
{
	int64_t	 v;

	switch (emu_param_int64(b, key, &v)) {
	case P_ABSENT:
		return 0;
	case P_BAD:
		emuc_ctl_error(req, "%s: integer expected", key);
		return -1;
	case P_OK:
		break;
	}
	if (v < lo || v > hi) {
		emuc_ctl_error(req, "%s: out of range %" PRId64 "..%" PRId64,
		    key, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int
opt_bool(struct evhttp_request *req, const cJSON *b, const char *key,
    int *out)
{
	if (emu_param_bool(b, key, out) == P_BAD) {
		emuc_ctl_error(req, "%s: boolean expected", key);
		return -1;
	}
	return 0;
}

/* The sender as a user, from the fields of a control request. */
struct who {
	int64_t		 user_id;
	int64_t		 chat_id;
	const char	*first_name;
	const char	*last_name;
	const char	*username;
	const char	*lang;
};

static int
parse_who(struct evhttp_request *req, const cJSON *b, struct who *w)
{
	memset(w, 0, sizeof *w);
	w->first_name = "Test";
	if (emu_param_int64(b, "user_id", &w->user_id) != P_OK ||
	    w->user_id <= 0 || w->user_id > 9000000000000000LL) {
		emuc_ctl_error(req, "user_id: positive integer required");
		return -1;
	}
	w->chat_id = w->user_id;
	if (opt_int(req, b, "chat_id", -9000000000000000LL,
	    9000000000000000LL, &w->chat_id) == -1 ||
	    opt_str(req, b, "first_name", &w->first_name) == -1 ||
	    opt_str(req, b, "last_name", &w->last_name) == -1 ||
	    opt_str(req, b, "username", &w->username) == -1 ||
	    opt_str(req, b, "language_code", &w->lang) == -1)
		return -1;
	if (w->chat_id == 0) {
		emuc_ctl_error(req, "chat_id: must not be 0");
		return -1;
	}
	return 0;
}

static cJSON *
user_json(const struct who *w)
{
	cJSON	*u = cJSON_CreateObject();

	cJSON_AddNumberToObject(u, "id", (double)w->user_id);
	cJSON_AddBoolToObject(u, "is_bot", 0);
	cJSON_AddStringToObject(u, "first_name", w->first_name);
	if (w->last_name != NULL)
		cJSON_AddStringToObject(u, "last_name", w->last_name);
	if (w->username != NULL)
		cJSON_AddStringToObject(u, "username", w->username);
	if (w->lang != NULL)
		cJSON_AddStringToObject(u, "language_code", w->lang);
	return u;
}

static cJSON *
user_chat_json(const struct who *w)
{
	cJSON	*c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "id", (double)w->chat_id);
	if (w->chat_id < 0) {
		cJSON_AddStringToObject(c, "title", "Test group");
		cJSON_AddStringToObject(c, "type", "group");
		return c;
	}
	cJSON_AddStringToObject(c, "first_name", w->first_name);
	if (w->last_name != NULL)
		cJSON_AddStringToObject(c, "last_name", w->last_name);
	if (w->username != NULL)
		cJSON_AddStringToObject(c, "username", w->username);
	cJSON_AddStringToObject(c, "type", "private");
	return c;
}

/* Wraps obj as update[kind], queues it, wakes the poller; 0 or -1. */
static int
queue_update(struct emu *e, struct evhttp_request *req, const char *kind,
    cJSON *obj, int64_t *uid)
{
	cJSON	*u = cJSON_CreateObject();
	char	*json;

	*uid = e->next_update_id;
	cJSON_AddNumberToObject(u, "update_id", (double)*uid);
	cJSON_AddItemToObject(u, kind, obj);
	json = cJSON_PrintUnformatted(u);
	cJSON_Delete(u);
	if (json == NULL ||
	    emu_updates_push(e, *uid, json, strlen(json)) == -1) {
		free(json);
		emuc_ctl_error(req, "update queue full");
		return -1;
	}
	bot_poll_wake(e);
	return 0;
}

static void
add_text(cJSON *m, const char *text)
{
	cJSON	*ents, *ent;
	size_t	 n;

	cJSON_AddStringToObject(m, "text", text);
	if (text[0] != '/')
		return;
	n = strcspn(text, " \n\t");
	ents = cJSON_AddArrayToObject(m, "entities");
	ent = cJSON_CreateObject();
	cJSON_AddNumberToObject(ent, "offset", 0);
	cJSON_AddNumberToObject(ent, "length", (double)emu_utf16_len(text, n));
	cJSON_AddStringToObject(ent, "type", "bot_command");
	cJSON_AddItemToArray(ents, ent);
}

static void
add_photo(cJSON *m, const char *caption)
{
	static unsigned	 serial;
	cJSON		*arr = cJSON_AddArrayToObject(m, "photo"), *p;
	char		 id[80];
	int		 k, w[2] = { 90, 1280 }, h[2] = { 67, 960 };

	serial++;
	for (k = 0; k < 2; k++) {
		p = cJSON_CreateObject();
		snprintf(id, sizeof id, "AgACAgIAAxkBAAIEmu%08xZ%d"
		    "AAQIAA3gAAzYE", serial, k);
		cJSON_AddStringToObject(p, "file_id", id);
		snprintf(id, sizeof id, "AQAD%08x%d", serial, k);
		cJSON_AddStringToObject(p, "file_unique_id", id);
		cJSON_AddNumberToObject(p, "file_size", 1500 + 90000 * k);
		cJSON_AddNumberToObject(p, "width", w[k]);
		cJSON_AddNumberToObject(p, "height", h[k]);
		cJSON_AddItemToArray(arr, p);
	}
	if (caption != NULL)
		cJSON_AddStringToObject(m, "caption", caption);
}

/*
 * Other kinds of message a user can send: the fields Telegram puts in the
 * Message for each (file ids are made up but shaped like real ones).
 */
static int
add_media(cJSON *m, const char *kind, const char *caption)
{
	static unsigned	 serial;
	cJSON		*o;
	char		 id[80];

	serial++;
	snprintf(id, sizeof id, "BQACAgIAAxkBAAIF%08xAAE%sAAQIAA", serial,
	    kind);
	if (strcmp(kind, "poll") == 0) {
		o = cJSON_AddObjectToObject(m, "poll");
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "question", "?");
		cJSON_AddArrayToObject(o, "options");
		return 0;
	}
	if (strcmp(kind, "dice") == 0) {
		o = cJSON_AddObjectToObject(m, "dice");
		cJSON_AddStringToObject(o, "emoji", "\xf0\x9f\x8e\xb2");
		cJSON_AddNumberToObject(o, "value", 4);
		return 0;
	}
	if (strcmp(kind, "location") == 0) {
		o = cJSON_AddObjectToObject(m, "location");
		cJSON_AddNumberToObject(o, "latitude", 54.4416);
		cJSON_AddNumberToObject(o, "longitude", 18.5601);
		return 0;
	}
	if (strcmp(kind, "contact") == 0) {
		o = cJSON_AddObjectToObject(m, "contact");
		cJSON_AddStringToObject(o, "phone_number", "+48500100200");
		cJSON_AddStringToObject(o, "first_name", "Contact");
		return 0;
	}
	if (strcmp(kind, "sticker") != 0 && strcmp(kind, "document") != 0 &&
	    strcmp(kind, "voice") != 0 && strcmp(kind, "audio") != 0 &&
	    strcmp(kind, "video") != 0 && strcmp(kind, "video_note") != 0 &&
	    strcmp(kind, "animation") != 0)
		return -1;
	o = cJSON_AddObjectToObject(m, kind);
	cJSON_AddStringToObject(o, "file_id", id);
	snprintf(id, sizeof id, "AgAD%08x", serial);
	cJSON_AddStringToObject(o, "file_unique_id", id);
	if (strcmp(kind, "sticker") == 0) {
		cJSON_AddStringToObject(o, "type", "regular");
		cJSON_AddStringToObject(o, "emoji", "\xf0\x9f\x98\x80");
	} else if (caption != NULL)
		cJSON_AddStringToObject(m, "caption", caption);
	return 0;
}

struct inject {
	const char	*text;
	const char	*caption;
	const char	*media;		/* "sticker", "document", "poll", ... */
	int		 photo;
	int64_t		 reply_to;
	int64_t		 edit_of;
};

static int
parse_inject(struct evhttp_request *req, const cJSON *b, struct inject *in)
{
	char	 buf[64];

	memset(in, 0, sizeof *in);
	if (emu_param_str(b, "text", &in->text, buf, sizeof buf) == P_BAD ||
	    emu_param_str(b, "caption", &in->caption, buf, sizeof buf) ==
	    P_BAD ||
	    emu_param_str(b, "media", &in->media, buf, sizeof buf) == P_BAD ||
	    in->text == buf || in->caption == buf || in->media == buf) {
		emuc_ctl_error(req, "text, caption, media: strings expected");
		return -1;
	}
	if (opt_bool(req, b, "photo", &in->photo) == -1 ||
	    opt_int(req, b, "reply_to_message_id", 1, INT64_MAX,
	    &in->reply_to) == -1 ||
	    opt_int(req, b, "edit_of", 1, INT64_MAX, &in->edit_of) == -1)
		return -1;
	if (!in->photo && in->media == NULL && in->text == NULL) {
		emuc_ctl_error(req, "text required (or photo: true, or media)");
		return -1;
	}
	return 0;
}

static void
ctl_message(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct who	 w;
	struct inject	 in;
	struct chat	*ch;
	struct msg	*orig = NULL, *rep = NULL;
	cJSON		*repobj = NULL;
	cJSON		*m, *o;
	int64_t		 mid, uid;

	if (parse_who(req, b, &w) == -1 || parse_inject(req, b, &in) == -1)
		return;
	if ((ch = emu_chat_get(e, w.chat_id, 1)) == NULL) {
		emuc_ctl_error(req, "too many chats");
		return;
	}
	if (in.edit_of != 0)
		orig = emu_chat_find_msg(ch, in.edit_of);
	if (in.reply_to != 0)
		rep = emu_chat_find_msg(ch, in.reply_to);
	if ((in.edit_of != 0 && orig == NULL) ||
	    (in.reply_to != 0 && rep == NULL)) {
		emuc_ctl_error(req, "no such message in that chat");
		return;
	}
	m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "message_id", (double)in.edit_of);
	cJSON_AddItemToObject(m, "from", user_json(&w));
	cJSON_AddItemToObject(m, "chat", user_chat_json(&w));
	o = orig != NULL ? cJSON_GetObjectItemCaseSensitive(orig->obj,
	    "date") : NULL;
	cJSON_AddNumberToObject(m, "date", cJSON_IsNumber(o) ? o->valuedouble :
	    (double)(emuc_wall_ms() / 1000));
	if (orig != NULL)
		cJSON_AddNumberToObject(m, "edit_date",
		    (double)(emuc_wall_ms() / 1000));
	if (in.photo)
		add_photo(m, in.caption);
	else if (in.media != NULL) {
		if (add_media(m, in.media, in.caption) == -1) {
			cJSON_Delete(m);
			emuc_ctl_error(req, "media: unknown kind");
			return;
		}
	} else
		add_text(m, in.text);
	/*
	 * A copy of the replied message now: storing this one may grow the
	 * chat's ring (or reuse the slot), which frees what `rep` points at.
	 */
	if (rep != NULL)
		repobj = cJSON_Duplicate(rep->obj, 1);
	if (orig != NULL) {
		mid = in.edit_of;
		cJSON_Delete(orig->obj);
		orig->obj = cJSON_Duplicate(m, 1);
	} else {
		mid = emu_chat_store_msg(ch, cJSON_Duplicate(m, 1));
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(m,
		    "message_id"), (double)mid);
	}
	if (repobj != NULL)
		cJSON_AddItemToObject(m, "reply_to_message", repobj);
	ch->seen = 1;
	if (queue_update(e, req, orig != NULL ? "edited_message" : "message",
	    m, &uid) == -1)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "update_id", (double)uid);
	cJSON_AddNumberToObject(o, "message_id", (double)mid);
	emuc_ctl_ok(req, o);
}

static void
ctl_callback(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct who	 w;
	struct chat	*ch;
	struct msg	*m = NULL;
	const char	*data = NULL;
	cJSON		*q, *o;
	char		 id[32], inst[32];
	int64_t		 mid = 0, uid;

	if (parse_who(req, b, &w) == -1 ||
	    opt_int(req, b, "message_id", 1, INT64_MAX, &mid) == -1)
		return;
	if (emu_param_str(b, "data", &data, id, sizeof id) != P_OK ||
	    data == id || strlen(data) > 4096) {
		emuc_ctl_error(req, "data: string required");
		return;
	}
	if ((ch = emu_chat_get(e, w.chat_id, 0)) == NULL ||
	    (m = emu_chat_find_msg(ch, mid)) == NULL) {
		emuc_ctl_error(req, "message_id: no such message in that chat");
		return;
	}
	snprintf(id, sizeof id, "%" PRIu64, emu_cb_new(e));
	snprintf(inst, sizeof inst, "%" PRId64, (int64_t)((w.chat_id *
	    7919) % 1000000007LL - 4000000000000000000LL));
	q = cJSON_CreateObject();
	cJSON_AddStringToObject(q, "id", id);
	cJSON_AddItemToObject(q, "from", user_json(&w));
	cJSON_AddItemToObject(q, "message", cJSON_Duplicate(m->obj, 1));
	cJSON_AddStringToObject(q, "chat_instance", inst);
	cJSON_AddStringToObject(q, "data", data);
	if (queue_update(e, req, "callback_query", q, &uid) == -1)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "update_id", (double)uid);
	cJSON_AddStringToObject(o, "callback_query_id", id);
	emuc_ctl_ok(req, o);
}

/* The body is spliced verbatim into getUpdates: malformed on purpose. */
static void
ctl_update(struct emu *e, struct evhttp_request *req, const cJSON *q)
{
	struct evbuffer	*body = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(body);
	cJSON		*j, *o;
	char		*raw;
	int64_t		 uid = e->next_update_id, v;

	if (len == 0) {
		emuc_ctl_error(req, "empty update");
		return;
	}
	if (opt_int(req, q, "update_id", 0, 9000000000000000LL, &uid) == -1)
		return;
	raw = xmalloc(len + 1);
	evbuffer_copyout(body, raw, len);
	raw[len] = '\0';
	if (cJSON_GetObjectItemCaseSensitive(q, "update_id") == NULL &&
	    (j = cJSON_ParseWithLength(raw, len)) != NULL) {
		if (emu_param_int64(j, "update_id", &v) == P_OK && v >= 0)
			uid = v;
		cJSON_Delete(j);
	}
	if (emu_updates_push(e, uid, raw, len) == -1) {
		free(raw);
		emuc_ctl_error(req, "update queue full");
		return;
	}
	bot_poll_wake(e);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "update_id", (double)uid);
	emuc_ctl_ok(req, o);
}

static void
sent_page(struct emu *e, struct evbuffer *b, int has_chat, int64_t chat,
    int64_t since)
{
	const struct sent	*s = NULL;
	size_t			 i, start = 0, n = 0, bytes = 0;
	int64_t			 first, next = e->next_seq;

	first = e->sent_n > 0 ? e->sent[e->sent_head].seq : e->next_seq;
	if (since > first)
		start = (size_t)(since - first);
	for (i = start; i < e->sent_n; i++) {
		s = &e->sent[(e->sent_head + i) % TGEMU_SENT_MAX];
		if (has_chat && (!s->has_chat || s->chat_id != chat))
			continue;
		if (n == TGEMU_SENT_PAGE || bytes > 64u * 1024 * 1024) {
			next = s->seq;
			break;
		}
		if (n++ > 0)
			evbuffer_add(b, ",", 1);
		evbuffer_add(b, s->json, s->len);
		bytes += s->len;
	}
	evbuffer_add_printf(b, "],\"next\":%" PRId64 "}", next);
}

static void
ctl_sent(struct emu *e, struct evhttp_request *req, const cJSON *q)
{
	struct evbuffer	*b;
	int64_t		 chat = 0, since = 0;

	if (opt_int(req, q, "chat_id", INT64_MIN, INT64_MAX, &chat) == -1 ||
	    opt_int(req, q, "since", 0, INT64_MAX, &since) == -1)
		return;
	if ((b = evbuffer_new()) == NULL) {
		log_err("event=http.oom");
		exit(1);
	}
	evbuffer_add_printf(b, "{\"ok\":true,\"messages\":[");
	sent_page(e, b, cJSON_GetObjectItemCaseSensitive(q, "chat_id") !=
	    NULL, chat, since);
	emuc_reply_buf(req, 200, "application/json", b);
}

static void
ctl_stats(struct emu *e, struct evhttp_request *req, const cJSON *q)
{
	cJSON	*o = cJSON_CreateObject(), *r;
	int	 m;

	(void)q;
	r = cJSON_AddObjectToObject(o, "requests");
	for (m = 0; m < TGM_COUNT; m++)
		if (e->req_count[m] > 0)
			cJSON_AddNumberToObject(r, bot_method_name(m),
			    (double)e->req_count[m]);
	cJSON_AddNumberToObject(o, "delivered", (double)e->delivered);
	cJSON_AddNumberToObject(o, "violations", (double)e->violations);
	cJSON_AddNumberToObject(o, "refused_429", (double)e->refused_429);
	cJSON_AddNumberToObject(o, "injected_failures",
	    (double)e->injected_failures);
	cJSON_AddNumberToObject(o, "pending_updates", (double)e->npending);
	cJSON_AddNumberToObject(o, "polls", (double)e->polls);
	cJSON_AddNumberToObject(o, "conflicts", (double)e->conflicts);
	cJSON_AddNumberToObject(o, "max_in_flight", (double)e->max_in_flight);
	cJSON_AddNumberToObject(o, "sent_log", (double)e->sent_n);
	cJSON_AddBoolToObject(o, "polling", e->poll != NULL);
	emuc_ctl_ok(req, o);
}

static int
parse_action(struct evhttp_request *req, const cJSON *b, struct action *a)
{
	int64_t		 code = 0, ra = 1, delay = 0;
	const char	*desc = NULL;

	memset(a, 0, sizeof *a);
	if (opt_int(req, b, "code", 400, 599, &code) == -1 ||
	    opt_int(req, b, "retry_after", 1, 86400, &ra) == -1 ||
	    opt_int(req, b, "delay_ms", 0, 600000, &delay) == -1 ||
	    opt_bool(req, b, "drop", &a->drop) == -1 ||
	    opt_str(req, b, "description", &desc) == -1)
		return -1;
	if (code == 0 && !a->drop && delay == 0) {
		emuc_ctl_error(req, "one of code, drop, delay_ms required");
		return -1;
	}
	a->code = (int)code;
	a->retry_after = code == 429 ? (int)ra : 0;
	a->delay_ms = (int)delay;
	if (desc != NULL)
		snprintf(a->description, sizeof a->description, "%s", desc);
	else if (code == 429)
		snprintf(a->description, sizeof a->description,
		    "Too Many Requests: retry after %d", a->retry_after);
	else
		snprintf(a->description, sizeof a->description, "%s",
		    bot_default_description(a->code));
	return 0;
}

static void
ctl_fail(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct failrule	 r;
	const char	*method = NULL;
	int64_t		 count = 1;
	int		 m = -1;

	memset(&r, 0, sizeof r);
	if (opt_str(req, b, "method", &method) == -1 ||
	    opt_int(req, b, "count", 1, 1000000, &count) == -1 ||
	    opt_int(req, b, "chat_id", INT64_MIN, INT64_MAX, &r.chat_id) ==
	    -1 || parse_action(req, b, &r.act) == -1)
		return;
	if (method == NULL || (strcmp(method, "*") != 0 &&
	    (m = bot_method_find(method)) == -1)) {
		emuc_ctl_error(req, "method: a Bot API method name or \"*\" "
		    "required");
		return;
	}
	snprintf(r.method, sizeof r.method, "%s", strcmp(method, "*") == 0 ?
	    "*" : bot_method_name(m));
	r.has_chat = cJSON_GetObjectItemCaseSensitive(b, "chat_id") != NULL;
	r.count = (long)count;
	if (e->nfails == TGEMU_FAILS_MAX) {
		emuc_ctl_error(req, "too many failure rules");
		return;
	}
	e->fails[e->nfails++] = r;
	emuc_ctl_ok(req, NULL);
}

/* Telegram tells a private bot about a block with my_chat_member. */
static int
notify_block(struct emu *e, struct evhttp_request *req, struct chat *ch)
{
	cJSON	*u = cJSON_CreateObject(), *f, *old, *new;
	int64_t	 uid;

	cJSON_AddItemToObject(u, "chat", bot_chat_json(ch));
	f = cJSON_AddObjectToObject(u, "from");
	cJSON_AddNumberToObject(f, "id", (double)ch->id);
	cJSON_AddBoolToObject(f, "is_bot", 0);
	cJSON_AddStringToObject(f, "first_name", "Test");
	cJSON_AddNumberToObject(u, "date", (double)(emuc_wall_ms() / 1000));
	old = cJSON_AddObjectToObject(u, "old_chat_member");
	new = cJSON_AddObjectToObject(u, "new_chat_member");
	cJSON_AddItemToObject(old, "user", bot_user_json(e));
	cJSON_AddStringToObject(old, "status", ch->blocked ? "member" :
	    "kicked");
	cJSON_AddItemToObject(new, "user", bot_user_json(e));
	cJSON_AddStringToObject(new, "status", ch->blocked ? "kicked" :
	    "member");
	if (ch->blocked)
		cJSON_AddNumberToObject(new, "until_date", 0);
	return queue_update(e, req, "my_chat_member", u, &uid);
}

static void
ctl_block(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	struct chat	*ch;
	int64_t		 cid;
	int		 blocked = 1, notify = 0;

	if (emu_param_int64(b, "chat_id", &cid) != P_OK || cid == 0) {
		emuc_ctl_error(req, "chat_id: integer required");
		return;
	}
	if (opt_bool(req, b, "blocked", &blocked) == -1 ||
	    opt_bool(req, b, "notify", &notify) == -1)
		return;
	if ((ch = emu_chat_get(e, cid, 1)) == NULL) {
		emuc_ctl_error(req, "too many chats");
		return;
	}
	ch->blocked = blocked;
	if (notify && ch->seen && notify_block(e, req, ch) == -1)
		return;
	emuc_ctl_ok(req, NULL);
}

static void
ctl_limits(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	const cJSON	*g = cJSON_GetObjectItemCaseSensitive(b, "global");
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(b, "chat");
	int64_t		 gpm = e->group_per_min;
	int		 on = e->limits_on;
	cJSON		*o;

	if (opt_bool(req, b, "on", &on) == -1 ||
	    opt_int(req, b, "group_per_min", 1, TGEMU_GROUP_RING, &gpm) == -1)
		return;
	if ((g != NULL && (!cJSON_IsNumber(g) || !(g->valuedouble >= 1 &&
	    g->valuedouble <= 1e6))) || (c != NULL && (!cJSON_IsNumber(c) ||
	    !(c->valuedouble >= 0.01 && c->valuedouble <= 1e6)))) {
		emuc_ctl_error(req,
		    "global: 1..1e6, chat: 0.01..1e6 per second");
		return;
	}
	e->limits_on = on;
	e->group_per_min = (int)gpm;
	if (g != NULL)
		e->global_rate = g->valuedouble;
	if (c != NULL)
		e->chat_rate = c->valuedouble;
	emu_limits_apply(e);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "on", e->limits_on);
	cJSON_AddNumberToObject(o, "global", e->global_rate);
	cJSON_AddNumberToObject(o, "chat", e->chat_rate);
	cJSON_AddNumberToObject(o, "group_per_min", e->group_per_min);
	emuc_ctl_ok(req, o);
}

/* {"instant":bool}: getUpdates answers at once instead of holding. */
static void
ctl_polls(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	int	 on = e->instant_polls;
	cJSON	*o;

	if (opt_bool(req, b, "instant", &on) == -1)
		return;
	e->instant_polls = on;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "instant", e->instant_polls);
	emuc_ctl_ok(req, o);
}

/* Every failure rule goes: the server works again. */
static void
ctl_unfail(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	(void)b;
	e->nfails = 0;
	emuc_ctl_ok(req, NULL);
}

static void
ctl_reset(struct emu *e, struct evhttp_request *req, const cJSON *b)
{
	(void)b;
	emu_sent_clear(e);
	memset(e->req_count, 0, sizeof e->req_count);
	e->delivered = e->violations = e->refused_429 = 0;
	e->injected_failures = e->polls = e->conflicts = 0;
	e->max_in_flight = e->in_flight;
	e->nfails = 0;
	e->instant_polls = 0;
	emu_limits_reset(e);
	emuc_ctl_ok(req, NULL);
}

static const struct emuc_ctl_entry ctl_table[] = {
	{ "message", 0, ctl_message },
	{ "callback", 0, ctl_callback },
	{ "update", 1, ctl_update },
	{ "sent", 1, ctl_sent },
	{ "stats", 1, ctl_stats },
	{ "fail", 0, ctl_fail },
	{ "block", 0, ctl_block },
	{ "limits", 0, ctl_limits },
	{ "reset", 0, ctl_reset },
	{ "polls", 0, ctl_polls },
	{ "unfail", 0, ctl_unfail },
};

void
ctl_handle(struct emu *e, struct evhttp_request *req, const char *rest)
{
	const struct emuc_ctl_entry	*ce;

	ce = emuc_ctl_find(req, ctl_table, sizeof ctl_table /
	    sizeof ctl_table[0], rest);
	if (ce != NULL)
		emuc_ctl_run(e, req, ce);
}
