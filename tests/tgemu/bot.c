/* tgemu: the Bot API methods, with the real server's checks and errors. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "log.h"
#include "tgemu.h"
#include "xmalloc.h"

#define CONFLICT_DESC	"Conflict: terminated by other getUpdates request; " \
	"make sure that only one bot instance is running"
#define NOT_MODIFIED_DESC "Bad Request: message is not modified: " \
	"specified new message content and reply markup are exactly the " \
	"same as a current content and reply markup of the message"
#define QUERY_OLD_DESC	"Bad Request: query is too old and response " \
	"timeout expired or query ID is invalid"
#define MARKUP_DESC	"Bad Request: can't parse reply keyboard markup " \
	"JSON object"

/* One Bot API call being answered right now. */
struct call {
	struct emu	*e;
	int		 method;
	const cJSON	*params;
	int		 code;		/* 0: success, result set */
	char		 desc[512];
	int		 retry_after;
	cJSON		*result;
};

struct method_entry {
	const char	*name;
	void		(*fn)(struct call *);
};

static void	m_get_me(struct call *);
static void	m_send_message(struct call *);
static void	m_copy_message(struct call *);
static void	m_answer_callback(struct call *);
static void	m_edit_text(struct call *);
static void	m_edit_markup(struct call *);
static void	m_set_commands(struct call *);
static void	m_get_commands(struct call *);
static void	m_delete_commands(struct call *);
static void	m_true(struct call *);
static void	m_chat_action(struct call *);
static void	m_set_reaction(struct call *);

static const struct method_entry methods[TGM_COUNT] = {
	[TGM_GETME] = { "getMe", m_get_me },
	[TGM_GETUPDATES] = { "getUpdates", NULL },
	[TGM_SENDMESSAGE] = { "sendMessage", m_send_message },
	[TGM_COPYMESSAGE] = { "copyMessage", m_copy_message },
	[TGM_ANSWERCALLBACKQUERY] = { "answerCallbackQuery",
	    m_answer_callback },
	[TGM_EDITMESSAGETEXT] = { "editMessageText", m_edit_text },
	[TGM_EDITMESSAGEREPLYMARKUP] = { "editMessageReplyMarkup",
	    m_edit_markup },
	[TGM_SETMYCOMMANDS] = { "setMyCommands", m_set_commands },
	[TGM_GETMYCOMMANDS] = { "getMyCommands", m_get_commands },
	[TGM_DELETEMYCOMMANDS] = { "deleteMyCommands", m_delete_commands },
	[TGM_DELETEWEBHOOK] = { "deleteWebhook", m_true },
	[TGM_SENDCHATACTION] = { "sendChatAction", m_chat_action },
	[TGM_SETMESSAGEREACTION] = { "setMessageReaction", m_set_reaction },
};

const char *
bot_method_name(int m)
{
	return m >= 0 && m < TGM_COUNT ? methods[m].name : "?";
}

/* Bot API method names are case-insensitive. */
int
bot_method_find(const char *name)
{
	int	 m;

	for (m = 0; m < TGM_COUNT; m++)
		if (strcasecmp(methods[m].name, name) == 0)
			return m;
	return -1;
}

const char *
bot_default_description(int code)
{
	switch (code) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden: bot was blocked by the user";
	case 404:
		return "Not Found";
	case 409:
		return CONFLICT_DESC;
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

static void call_fail(struct call *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
call_fail(struct call *c, int code, const char *fmt, ...)
{
	va_list	 ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->desc, sizeof c->desc, fmt, ap);
	va_end(ap);
}

cJSON *
bot_user_json(const struct emu *e)
{
	cJSON	*u = cJSON_CreateObject();

	cJSON_AddNumberToObject(u, "id", (double)e->bot_id);
	cJSON_AddBoolToObject(u, "is_bot", 1);
	cJSON_AddStringToObject(u, "first_name", "Asystent");
	cJSON_AddStringToObject(u, "username", e->username);
	return u;
}

cJSON *
bot_chat_json(const struct chat *ch)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)ch->id);
	if (ch->id < 0)
		cJSON_AddStringToObject(o, "title", "Test group");
	cJSON_AddStringToObject(o, "type", ch->id < 0 ? "group" : "private");
	return o;
}

static cJSON *
bot_message(const struct emu *e, const struct chat *ch)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "message_id", 0);
	cJSON_AddItemToObject(o, "from", bot_user_json(e));
	cJSON_AddItemToObject(o, "chat", bot_chat_json(ch));
	cJSON_AddNumberToObject(o, "date", (double)(emuc_wall_ms() / 1000));
	return o;
}

/* Sets or replaces obj[key] with item, or removes it when item is NULL. */
static void
obj_set(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	if (item != NULL)
		cJSON_AddItemToObject(obj, key, item);
}

static struct chat *
call_chat(struct call *c, const char *key)
{
	struct chat	*ch;
	int64_t		 id;

	switch (emu_param_int64(c->params, key, &id)) {
	case P_ABSENT:
		call_fail(c, 400, "Bad Request: %s is empty", key);
		return NULL;
	case P_BAD:
		call_fail(c, 400, "Bad Request: chat not found");
		return NULL;
	case P_OK:
		break;
	}
	ch = emu_chat_get(c->e, id, 0);
	if (ch == NULL || !ch->seen) {
		call_fail(c, 400, "Bad Request: chat not found");
		return NULL;
	}
	return ch;
}

/* Removes MarkdownV2 backslash escapes; the markup itself is not parsed. */
static char *
markdown_plain(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

static int
call_parse_mode(struct call *c, const char *s, char **plain, cJSON **ents)
{
	const char	*pm = NULL;
	char		 buf[32], err[256];

	if (emu_param_str(c->params, "parse_mode", &pm, buf, sizeof buf) !=
	    P_OK || pm[0] == '\0') {
		*plain = xstrdup(s);
		return 0;
	}
	if (strcasecmp(pm, "HTML") == 0) {
		if (emu_html_parse(s, strlen(s), plain, ents, err,
		    sizeof err) == -1) {
			call_fail(c, 400, "Bad Request: can't parse entities: "
			    "%s", err);
			return -1;
		}
		return 0;
	}
	if (strcasecmp(pm, "MarkdownV2") == 0 ||
	    strcasecmp(pm, "Markdown") == 0) {
		*plain = markdown_plain(s);
		return 0;
	}
	call_fail(c, 400, "Bad Request: unsupported parse_mode");
	return -1;
}

/*
 * The text the user sees (*plain, new) and its entities (*ents, new or
 * NULL) from `key` and parse_mode. Absent and not required: *plain NULL.
 */
static int
call_text(struct call *c, const char *key, size_t max, int required,
    char **plain, cJSON **ents)
{
	const char	*s = NULL;
	char		 buf[64];
	int		 text = strcmp(key, "text") == 0;

	*plain = NULL;
	*ents = NULL;
	if (emu_param_str(c->params, key, &s, buf, sizeof buf) == P_BAD) {
		call_fail(c, 400, "Bad Request: can't parse %s", key);
		return -1;
	}
	if (s == NULL || (s[0] == '\0' && text)) {
		if (!required)
			return 0;
		call_fail(c, 400, "Bad Request: message text is empty");
		return -1;
	}
	if (!emuc_utf8_is_valid(s, strlen(s))) {
		call_fail(c, 400, "Bad Request: %s must be encoded in UTF-8",
		    key);
		return -1;
	}
	if (call_parse_mode(c, s, plain, ents) == -1)
		return -1;
	if (text && (*plain)[0] == '\0') {
		call_fail(c, 400, "Bad Request: message text is empty");
		return -1;
	}
	if (emu_utf16_len(*plain, strlen(*plain)) > max) {
		call_fail(c, 400, text ? "Bad Request: message is too long" :
		    "Bad Request: message caption is too long");
		return -1;
	}
	if (*ents != NULL && cJSON_GetArraySize(*ents) == 0) {
		cJSON_Delete(*ents);
		*ents = NULL;
	}
	return 0;
}

static const char *const button_actions[] = {
	"callback_data", "url", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
	"callback_game", "pay", "web_app", "copy_text",
};

static int
check_button(struct call *c, const cJSON *b)
{
	const cJSON	*t, *cd;
	size_t		 i, len;

	if (!cJSON_IsObject(b)) {
		call_fail(c, 400, "Bad Request: can't parse inline keyboard "
		    "button: InlineKeyboardButton must be an Object");
		return -1;
	}
	t = cJSON_GetObjectItemCaseSensitive(b, "text");
	if (!cJSON_IsString(t)) {
		call_fail(c, 400, "Bad Request: can't parse inline keyboard "
		    "button: Field \"text\" must be of type String");
		return -1;
	}
	if ((cd = cJSON_GetObjectItemCaseSensitive(b, "callback_data")) !=
	    NULL) {
		len = cJSON_IsString(cd) ? strlen(cd->valuestring) : 0;
		if (len < 1 || len > TGEMU_CBDATA_MAX) {
			call_fail(c, 400, "Bad Request: BUTTON_DATA_INVALID");
			return -1;
		}
	}
	for (i = 0; i < sizeof button_actions / sizeof button_actions[0]; i++)
		if (cJSON_GetObjectItemCaseSensitive(b, button_actions[i]))
			return 0;
	call_fail(c, 400, "Bad Request: can't parse inline keyboard button: "
	    "Text buttons are unallowed in the inline keyboard");
	return -1;
}

static int
check_inline_keyboard(struct call *c, const cJSON *ik)
{
	const cJSON	*row, *b;

	if (!cJSON_IsArray(ik)) {
		call_fail(c, 400, "Bad Request: field \"inline_keyboard\" of "
		    "the InlineKeyboardMarkup must be an Array");
		return -1;
	}
	cJSON_ArrayForEach(row, ik) {
		if (!cJSON_IsArray(row)) {
			call_fail(c, 400, "Bad Request: field \"inline_keyboard"
			    "\" of the InlineKeyboardMarkup must be an Array "
			    "of Arrays");
			return -1;
		}
		cJSON_ArrayForEach(b, row)
			if (check_button(c, b) == -1)
				return -1;
	}
	return 0;
}

/* *out: the parsed reply_markup or NULL; an empty keyboard is none. */
static int
call_markup(struct call *c, cJSON **out)
{
	const cJSON	*ik;

	switch (emu_param_json(c->params, "reply_markup", out)) {
	case P_ABSENT:
		return 0;
	case P_BAD:
		call_fail(c, 400, MARKUP_DESC);
		return -1;
	case P_OK:
		break;
	}
	if (!cJSON_IsObject(*out))
		goto bad;
	if ((ik = cJSON_GetObjectItemCaseSensitive(*out, "inline_keyboard"))) {
		if (check_inline_keyboard(c, ik) == -1)
			goto fail;
		if (cJSON_GetArraySize(ik) == 0) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		return 0;
	}
	if (cJSON_GetObjectItemCaseSensitive(*out, "keyboard") ||
	    cJSON_GetObjectItemCaseSensitive(*out, "remove_keyboard") ||
	    cJSON_GetObjectItemCaseSensitive(*out, "force_reply"))
		return 0;
bad:
	call_fail(c, 400, MARKUP_DESC);
fail:
	cJSON_Delete(*out);
	*out = NULL;
	return -1;
}

/* reply_parameters, or the older top-level reply_to_message_id. */
static int
call_reply_to(struct call *c, struct chat *ch, cJSON **reply)
{
	cJSON		*rp = NULL;
	struct msg	*m;
	int64_t		 mid = 0;
	int		 allow = 0, rc = -1;

	*reply = NULL;
	switch (emu_param_json(c->params, "reply_parameters", &rp)) {
	case P_BAD:
		call_fail(c, 400, "Bad Request: can't parse reply parameters "
		    "JSON object");
		goto out;
	case P_OK:
		if (emu_param_int64(rp, "message_id", &mid) != P_OK) {
			call_fail(c, 400, "Bad Request: message to be replied "
			    "not found");
			goto out;
		}
		(void)emu_param_bool(rp, "allow_sending_without_reply", &allow);
		break;
	case P_ABSENT:
		(void)emu_param_int64(c->params, "reply_to_message_id", &mid);
		(void)emu_param_bool(c->params, "allow_sending_without_reply",
		    &allow);
		break;
	}
	if (mid != 0) {
		if ((m = emu_chat_find_msg(ch, mid)) != NULL)
			*reply = cJSON_Duplicate(m->obj, 1);
		else if (!allow) {
			call_fail(c, 400, "Bad Request: message to be replied "
			    "not found");
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(rp);
	return rc;
}

static int
call_not_blocked(struct call *c, const struct chat *ch)
{
	if (!ch->blocked)
		return 0;
	if (ch->id < 0)
		call_fail(c, 403, "Forbidden: bot was kicked from the group "
		    "chat");
	else
		call_fail(c, 403, "Forbidden: bot was blocked by the user");
	return -1;
}

/* Blocked chats and rate limits, for the calls that deliver a message. */
static int
call_deliver(struct call *c, struct chat *ch)
{
	int	 wait;

	if (call_not_blocked(c, ch) == -1)
		return -1;
	if ((wait = emu_limits_take(c->e, ch)) > 0) {
		c->e->refused_429++;
		c->retry_after = wait;
		call_fail(c, 429, "Too Many Requests: retry after %d", wait);
		return -1;
	}
	return 0;
}

static void
m_get_me(struct call *c)
{
	cJSON	*u = bot_user_json(c->e);

	cJSON_AddBoolToObject(u, "can_join_groups", 0);
	cJSON_AddBoolToObject(u, "can_read_all_group_messages", 0);
	cJSON_AddBoolToObject(u, "supports_inline_queries", 0);
	cJSON_AddBoolToObject(u, "can_connect_to_business", 0);
	cJSON_AddBoolToObject(u, "has_main_web_app", 0);
	c->result = u;
}

static void
m_send_message(struct call *c)
{
	struct chat	*ch;
	char		*plain = NULL;
	cJSON		*ents = NULL, *markup = NULL, *reply = NULL, *msg;
	int64_t		 mid;

	if ((ch = call_chat(c, "chat_id")) == NULL ||
	    call_text(c, "text", TGEMU_TEXT_MAX, 1, &plain, &ents) == -1 ||
	    call_markup(c, &markup) == -1 ||
	    call_reply_to(c, ch, &reply) == -1 ||
	    call_deliver(c, ch) == -1)
		goto out;
	msg = bot_message(c->e, ch);
	cJSON_AddStringToObject(msg, "text", plain);
	if (ents != NULL)
		cJSON_AddItemToObject(msg, "entities", ents);
	ents = NULL;
	if (markup != NULL)
		cJSON_AddItemToObject(msg, "reply_markup",
		    cJSON_Duplicate(markup, 1));
	mid = emu_chat_store_msg(ch, msg);
	c->result = cJSON_Duplicate(msg, 1);
	if (reply != NULL)
		cJSON_AddItemToObject(c->result, "reply_to_message", reply);
	reply = NULL;
	emu_sent_record(c->e, "sendMessage", 1, ch->id, mid, plain, c->params,
	    markup);
	c->e->delivered++;
out:
	free(plain);
	cJSON_Delete(ents);
	cJSON_Delete(markup);
	cJSON_Delete(reply);
}

static struct msg *
call_source(struct call *c)
{
	struct chat	*src;
	struct msg	*m = NULL;
	int64_t		 from, mid;

	if (emu_param_int64(c->params, "from_chat_id", &from) != P_OK) {
		call_fail(c, 400, "Bad Request: from_chat_id is empty");
		return NULL;
	}
	if (emu_param_int64(c->params, "message_id", &mid) == P_OK &&
	    (src = emu_chat_get(c->e, from, 0)) != NULL)
		m = emu_chat_find_msg(src, mid);
	if (m == NULL)
		call_fail(c, 400, "Bad Request: message to copy not found");
	return m;
}

/* Copies the content of src into msg; caption replaces a media caption. */
static const char *
copy_content(cJSON *msg, const cJSON *src, char *caption, cJSON **ents)
{
	static const char *const media[] = { "photo", "document", "voice",
	    "audio", "video", "video_note", "sticker", "animation",
	    "contact", "location" };
	const cJSON	*it;
	size_t		 i;
	int		 is_media = 0;

	for (i = 0; i < sizeof media / sizeof media[0]; i++) {
		if ((it = cJSON_GetObjectItemCaseSensitive(src, media[i]))) {
			cJSON_AddItemToObject(msg, media[i],
			    cJSON_Duplicate(it, 1));
			is_media = 1;
		}
	}
	if (!is_media) {
		if ((it = cJSON_GetObjectItemCaseSensitive(src, "text")))
			cJSON_AddItemToObject(msg, "text",
			    cJSON_Duplicate(it, 1));
		if ((it = cJSON_GetObjectItemCaseSensitive(src, "entities")))
			cJSON_AddItemToObject(msg, "entities",
			    cJSON_Duplicate(it, 1));
	} else if (caption != NULL) {
		cJSON_AddStringToObject(msg, "caption", caption);
		if (*ents != NULL)
			cJSON_AddItemToObject(msg, "caption_entities", *ents);
		*ents = NULL;
	} else {
		if ((it = cJSON_GetObjectItemCaseSensitive(src, "caption")))
			cJSON_AddItemToObject(msg, "caption",
			    cJSON_Duplicate(it, 1));
		if ((it = cJSON_GetObjectItemCaseSensitive(src,
		    "caption_entities")))
			cJSON_AddItemToObject(msg, "caption_entities",
			    cJSON_Duplicate(it, 1));
	}
	it = cJSON_GetObjectItemCaseSensitive(msg, is_media ? "caption" :
	    "text");
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void
m_copy_message(struct call *c)
{
	struct chat	*ch;
	struct msg	*src;
	char		*caption = NULL;
	cJSON		*ents = NULL, *markup = NULL, *reply = NULL, *msg;
	const char	*text;
	int64_t		 mid;

	if ((ch = call_chat(c, "chat_id")) == NULL ||
	    (src = call_source(c)) == NULL ||
	    call_text(c, "caption", TGEMU_CAPTION_MAX, 0, &caption,
	    &ents) == -1 ||
	    call_markup(c, &markup) == -1 ||
	    call_reply_to(c, ch, &reply) == -1 ||
	    call_deliver(c, ch) == -1)
		goto out;
	msg = bot_message(c->e, ch);
	text = copy_content(msg, src->obj, caption, &ents);
	if (markup != NULL)
		cJSON_AddItemToObject(msg, "reply_markup",
		    cJSON_Duplicate(markup, 1));
	mid = emu_chat_store_msg(ch, msg);
	c->result = cJSON_CreateObject();
	cJSON_AddNumberToObject(c->result, "message_id", (double)mid);
	emu_sent_record(c->e, "copyMessage", 1, ch->id, mid, text, c->params,
	    markup);
	c->e->delivered++;
out:
	free(caption);
	cJSON_Delete(ents);
	cJSON_Delete(markup);
	cJSON_Delete(reply);
}

static void
m_answer_callback(struct call *c)
{
	const char	*id = NULL, *text = NULL;
	char		 b1[64], b2[64];

	if (emu_param_str(c->params, "text", &text, b2, sizeof b2) == P_OK) {
		if (!emuc_utf8_is_valid(text, strlen(text))) {
			call_fail(c, 400, "Bad Request: text must be encoded "
			    "in UTF-8");
			return;
		}
		if (emu_utf16_len(text, strlen(text)) > TGEMU_ANSWER_MAX) {
			call_fail(c, 400, "Bad Request: MESSAGE_TOO_LONG");
			return;
		}
	}
	if (emu_param_str(c->params, "callback_query_id", &id, b1, sizeof b1) !=
	    P_OK || emu_cb_answer(c->e, id) == -1) {
		call_fail(c, 400, QUERY_OLD_DESC);
		return;
	}
	emu_sent_record(c->e, "answerCallbackQuery", 0, 0, 0,
	    text != NULL && text[0] != '\0' ? text : NULL, c->params, NULL);
	c->result = cJSON_CreateTrue();
}

/* The bot's own message named by chat_id + message_id, for an edit. */
static struct msg *
call_edit_target(struct call *c, struct chat **chp)
{
	struct chat	*ch;
	struct msg	*m = NULL;
	const cJSON	*from, *fid;
	int64_t		 mid;

	if ((ch = call_chat(c, "chat_id")) == NULL)
		return NULL;
	if (emu_param_int64(c->params, "message_id", &mid) == P_OK)
		m = emu_chat_find_msg(ch, mid);
	if (m == NULL) {
		call_fail(c, 400, "Bad Request: message to edit not found");
		return NULL;
	}
	from = cJSON_GetObjectItemCaseSensitive(m->obj, "from");
	fid = cJSON_GetObjectItemCaseSensitive(from, "id");
	if (!cJSON_IsNumber(fid) || (int64_t)fid->valuedouble != c->e->bot_id) {
		call_fail(c, 400, "Bad Request: message can't be edited");
		return NULL;
	}
	if (call_not_blocked(c, ch) == -1)
		return NULL;
	*chp = ch;
	return m;
}

/* NULL and NULL are equal; cJSON_Compare treats NULL as unequal. */
static int
json_same(const cJSON *a, const cJSON *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return cJSON_Compare(a, b, 1);
}

static void
edit_done(struct call *c, struct chat *ch, struct msg *m, const char *text,
    const cJSON *markup)
{
	obj_set(m->obj, "edit_date",
	    cJSON_CreateNumber((double)(emuc_wall_ms() / 1000)));
	c->result = cJSON_Duplicate(m->obj, 1);
	emu_sent_record(c->e, bot_method_name(c->method), 1, ch->id, m->id,
	    text, c->params, markup);
}

static void
m_edit_text(struct call *c)
{
	struct chat	*ch = NULL;
	struct msg	*m;
	char		*plain = NULL;
	cJSON		*ents = NULL, *markup = NULL;
	const cJSON	*old;

	if ((m = call_edit_target(c, &ch)) == NULL ||
	    call_text(c, "text", TGEMU_TEXT_MAX, 1, &plain, &ents) == -1 ||
	    call_markup(c, &markup) == -1)
		goto out;
	old = cJSON_GetObjectItemCaseSensitive(m->obj, "text");
	if (!cJSON_IsString(old)) {
		call_fail(c, 400, "Bad Request: there is no text in the "
		    "message to edit");
		goto out;
	}
	if (strcmp(old->valuestring, plain) == 0 &&
	    json_same(cJSON_GetObjectItemCaseSensitive(m->obj, "entities"),
	    ents) && json_same(cJSON_GetObjectItemCaseSensitive(m->obj,
	    "reply_markup"), markup)) {
		call_fail(c, 400, NOT_MODIFIED_DESC);
		goto out;
	}
	obj_set(m->obj, "text", cJSON_CreateString(plain));
	obj_set(m->obj, "entities", ents);
	ents = NULL;
	/* As on the real server, an edit without a keyboard drops it. */
	obj_set(m->obj, "reply_markup", markup != NULL ?
	    cJSON_Duplicate(markup, 1) : NULL);
	edit_done(c, ch, m, plain, markup);
out:
	free(plain);
	cJSON_Delete(ents);
	cJSON_Delete(markup);
}

static void
m_edit_markup(struct call *c)
{
	struct chat	*ch = NULL;
	struct msg	*m;
	cJSON		*markup = NULL;
	const cJSON	*t;

	if ((m = call_edit_target(c, &ch)) == NULL ||
	    call_markup(c, &markup) == -1)
		goto out;
	if (json_same(cJSON_GetObjectItemCaseSensitive(m->obj,
	    "reply_markup"), markup)) {
		call_fail(c, 400, NOT_MODIFIED_DESC);
		goto out;
	}
	obj_set(m->obj, "reply_markup", markup != NULL ?
	    cJSON_Duplicate(markup, 1) : NULL);
	t = cJSON_GetObjectItemCaseSensitive(m->obj, "text");
	if (!cJSON_IsString(t))
		t = cJSON_GetObjectItemCaseSensitive(m->obj, "caption");
	edit_done(c, ch, m, cJSON_IsString(t) ? t->valuestring : NULL,
	    markup);
out:
	cJSON_Delete(markup);
}

static int
command_is_valid(const cJSON *cmd)
{
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(cmd, "command");
	const char	*s;
	size_t		 len;

	if (!cJSON_IsString(n))
		return 0;
	s = n->valuestring;
	if (*s == '/')
		s++;
	len = strlen(s);
	if (len < 1 || len > 32)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return 0;
	return 1;
}

static int
description_is_valid(const cJSON *cmd)
{
	const cJSON	*d = cJSON_GetObjectItemCaseSensitive(cmd,
	    "description");
	size_t		 len;

	if (!cJSON_IsString(d))
		return 0;
	len = strlen(d->valuestring);
	return emuc_utf8_is_valid(d->valuestring, len) && len > 0 &&
	    emu_utf16_len(d->valuestring, len) <= 256;
}

/* The language_code key; "" is the list for users of any language. */
static int
call_language(struct call *c, const char **lang, char *buf, size_t len)
{
	*lang = "";
	if (emu_param_str(c->params, "language_code", lang, buf, len) ==
	    P_BAD || strlen(*lang) > 35) {
		call_fail(c, 400, "Bad Request: invalid language code");
		return -1;
	}
	return 0;
}

static void
m_set_commands(struct call *c)
{
	cJSON		*cmds = NULL, *scope = NULL, *cmd, *keep = NULL, *k;
	const char	*lang;
	char		 buf[64];

	if (call_language(c, &lang, buf, sizeof buf) == -1)
		goto out;
	if (emu_param_json(c->params, "scope", &scope) == P_BAD) {
		call_fail(c, 400, "Bad Request: can't parse BotCommandScope "
		    "JSON object");
		goto out;
	}
	if (emu_param_json(c->params, "commands", &cmds) != P_OK ||
	    !cJSON_IsArray(cmds)) {
		call_fail(c, 400, "Bad Request: can't parse commands JSON "
		    "object");
		goto out;
	}
	if (cJSON_GetArraySize(cmds) > TGEMU_COMMANDS_MAX) {
		call_fail(c, 400, "Bad Request: too many commands specified");
		goto out;
	}
	keep = cJSON_CreateArray();
	cJSON_ArrayForEach(cmd, cmds) {
		if (!command_is_valid(cmd)) {
			call_fail(c, 400, "Bad Request: BOT_COMMAND_INVALID");
			goto out;
		}
		if (!description_is_valid(cmd)) {
			call_fail(c, 400, "Bad Request: "
			    "BOT_COMMAND_DESCRIPTION_INVALID");
			goto out;
		}
		k = cJSON_CreateObject();
		cJSON_AddItemToObject(k, "command", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(cmd, "command"), 1));
		cJSON_AddItemToObject(k, "description", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(cmd, "description"), 1));
		cJSON_AddItemToArray(keep, k);
	}
	obj_set(c->e->commands, lang, cJSON_GetArraySize(keep) > 0 ? keep :
	    NULL);
	if (cJSON_GetArraySize(keep) > 0)
		keep = NULL;
	c->result = cJSON_CreateTrue();
out:
	cJSON_Delete(cmds);
	cJSON_Delete(scope);
	cJSON_Delete(keep);
}

static void
m_get_commands(struct call *c)
{
	const cJSON	*l;
	const char	*lang;
	char		 buf[64];

	if (call_language(c, &lang, buf, sizeof buf) == -1)
		return;
	l = cJSON_GetObjectItemCaseSensitive(c->e->commands, lang);
	c->result = l != NULL ? cJSON_Duplicate(l, 1) : cJSON_CreateArray();
}

static void
m_delete_commands(struct call *c)
{
	const char	*lang;
	char		 buf[64];

	if (call_language(c, &lang, buf, sizeof buf) == -1)
		return;
	obj_set(c->e->commands, lang, NULL);
	c->result = cJSON_CreateTrue();
}

static void
m_true(struct call *c)
{
	c->result = cJSON_CreateTrue();
}

static void
m_chat_action(struct call *c)
{
	static const char *const actions[] = { "typing", "upload_photo",
	    "record_video", "upload_video", "record_voice", "upload_voice",
	    "upload_document", "choose_sticker", "find_location",
	    "record_video_note", "upload_video_note" };
	struct chat	*ch;
	const char	*a = NULL;
	char		 buf[32];
	size_t		 i;

	if ((ch = call_chat(c, "chat_id")) == NULL)
		return;
	if (emu_param_str(c->params, "action", &a, buf, sizeof buf) == P_OK)
		for (i = 0; i < sizeof actions / sizeof actions[0]; i++)
			if (strcmp(a, actions[i]) == 0) {
				if (call_not_blocked(c, ch) == 0)
					c->result = cJSON_CreateTrue();
				return;
			}
	call_fail(c, 400, "Bad Request: wrong parameter action in request");
}

/*
 * Some of the emoji a bot may react with (the full list is in the Bot API's
 * ReactionTypeEmoji); anything else is REACTION_INVALID, as on the server.
 */
static const char *const reaction_emoji[] = {
	"\xf0\x9f\x91\x8d", "\xf0\x9f\x91\x8e", "\xe2\x9d\xa4",
	"\xf0\x9f\x94\xa5", "\xf0\x9f\x91\x8c", "\xf0\x9f\x99\x8f",
	"\xf0\x9f\x91\x80", "\xe2\x9c\x8d", "\xf0\x9f\xa4\x9d",
	"\xf0\x9f\x8e\x89",
};

/* reaction: an array of at most one {"type":"emoji","emoji":...}. */
static int
check_reaction(struct call *c, cJSON **out)
{
	const cJSON	*r, *t, *em;
	size_t		 i;

	switch (emu_param_json(c->params, "reaction", out)) {
	case P_ABSENT:
		return 0;	/* removes our reaction */
	case P_BAD:
		goto bad;
	case P_OK:
		break;
	}
	if (!cJSON_IsArray(*out) || cJSON_GetArraySize(*out) > 1)
		goto bad;
	if ((r = cJSON_GetArrayItem(*out, 0)) == NULL)
		return 0;
	t = cJSON_GetObjectItemCaseSensitive(r, "type");
	em = cJSON_GetObjectItemCaseSensitive(r, "emoji");
	if (!cJSON_IsString(t) || strcmp(t->valuestring, "emoji") != 0 ||
	    !cJSON_IsString(em))
		goto bad;
	for (i = 0; i < sizeof reaction_emoji / sizeof reaction_emoji[0]; i++)
		if (strcmp(em->valuestring, reaction_emoji[i]) == 0)
			return 0;
bad:
	call_fail(c, 400, "Bad Request: REACTION_INVALID");
	return -1;
}

static void
m_set_reaction(struct call *c)
{
	struct chat	*ch;
	cJSON		*reaction = NULL;
	const cJSON	*em = NULL;
	int64_t		 mid;

	if ((ch = call_chat(c, "chat_id")) == NULL)
		goto out;
	if (emu_param_int64(c->params, "message_id", &mid) != P_OK ||
	    emu_chat_find_msg(ch, mid) == NULL) {
		call_fail(c, 400, "Bad Request: message to react not found");
		goto out;
	}
	if (check_reaction(c, &reaction) == -1 ||
	    call_not_blocked(c, ch) == -1)
		goto out;
	em = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(reaction, 0),
	    "emoji");
	/* Recorded with the emoji as its text, under the reacted message. */
	emu_sent_record(c->e, "setMessageReaction", 1, ch->id, mid,
	    cJSON_IsString(em) ? em->valuestring : NULL, c->params, NULL);
	c->result = cJSON_CreateTrue();
out:
	cJSON_Delete(reaction);
}

static void
updates_reply(struct emu *e, struct evhttp_request *req, int limit)
{
	struct evbuffer	*b = evbuffer_new();
	struct upd	*u;
	int		 n = 0;

	if (b == NULL) {
		log_err("event=http.oom");
		exit(1);
	}
	evbuffer_add_printf(b, "{\"ok\":true,\"result\":[");
	for (u = e->uhead; u != NULL && n < limit; u = u->next, n++) {
		if (n > 0)
			evbuffer_add(b, ",", 1);
		evbuffer_add(b, u->json, u->len);
	}
	evbuffer_add_printf(b, "]}");
	log_debug("event=getupdates.answer count=%d", n);
	emuc_reply_buf(req, 200, "application/json", b);
}

static void
on_poll_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct held		*h = arg;
	struct emu		*e = h->e;
	struct evhttp_request	*req = h->req;
	int			 limit = h->limit;

	(void)fd;
	(void)what;
	emu_held_free(h);
	updates_reply(e, req, limit);
}

void
bot_poll_wake(struct emu *e)
{
	struct held		*h = e->poll;
	struct evhttp_request	*req;
	int			 limit;

	if (h == NULL || e->uhead == NULL)
		return;
	req = h->req;
	limit = h->limit;
	emu_held_free(h);
	updates_reply(e, req, limit);
}

static void
get_updates(struct emu *e, struct evhttp_request *req, const cJSON *params)
{
	struct held	*h;
	int64_t		 offset = 0, limit = 100, timeout = 0;

	e->polls++;
	(void)emu_param_int64(params, "offset", &offset);
	(void)emu_param_int64(params, "limit", &limit);
	(void)emu_param_int64(params, "timeout", &timeout);
	if (limit <= 0 || limit > 100)
		limit = 100;
	if (timeout < 0)
		timeout = 0;
	if (timeout > TGEMU_POLL_MAX_S)
		timeout = TGEMU_POLL_MAX_S;
	if (e->poll != NULL) {
		e->conflicts++;
		log_info("event=getupdates.conflict");
		emu_held_finish_error(e->poll, 409, CONFLICT_DESC, 0);
	}
	emu_updates_confirm(e, offset);
	if (e->uhead != NULL || timeout == 0 || e->instant_polls) {
		updates_reply(e, req, (int)limit);
		return;
	}
	h = emu_held_new(e, req, HELD_POLL, timeout * 1000, on_poll_timeout);
	h->limit = (int)limit;
	e->poll = h;
}

/* Runs the method for real; params stay the caller's. */
static void
bot_run(struct emu *e, struct evhttp_request *req, int method,
    const cJSON *params)
{
	struct call	 c;

	if (method == TGM_GETUPDATES) {
		get_updates(e, req, params);
		return;
	}
	memset(&c, 0, sizeof c);
	c.e = e;
	c.method = method;
	c.params = params;
	methods[method].fn(&c);
	if (c.code != 0) {
		log_debug("event=bot.error method=%s code=%d",
		    methods[method].name, c.code);
		cJSON_Delete(c.result);
		bot_reply_error(req, c.code, c.desc, c.retry_after);
	} else
		bot_reply_ok(req, c.result);
}

static void
act_reply(struct emu *e, struct evhttp_request *req, int method,
    const cJSON *params, const struct action *a)
{
	if (a->code != 0)
		bot_reply_error(req, a->code, a->description, a->retry_after);
	else
		bot_run(e, req, method, params);
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct held			*h = arg;
	struct emu			*e = h->e;
	struct evhttp_request		*req = h->req;
	struct evhttp_connection	*evcon = h->evcon;
	cJSON				*params = h->params;
	struct action			 a = h->act;
	int				 method = h->method;

	(void)fd;
	(void)what;
	h->params = NULL;
	emu_held_free(h);
	if (a.drop) {
		/* Frees req with the connection; the client sees EOF. */
		log_debug("event=bot.drop method=%s", methods[method].name);
		if (evcon != NULL)
			evhttp_connection_free(evcon);
		else
			evhttp_request_free(req);
	} else
		act_reply(e, req, method, params, &a);
	cJSON_Delete(params);
}

static int
fail_match(struct emu *e, int method, const cJSON *params, struct action *a)
{
	struct failrule	*r;
	int64_t		 cid;
	size_t		 i;

	for (i = 0; i < e->nfails; i++) {
		r = &e->fails[i];
		/* "*" spares getUpdates: name it to fail polls. */
		if (strcmp(r->method, "*") == 0 ? method == TGM_GETUPDATES :
		    strcmp(r->method, methods[method].name) != 0)
			continue;
		if (r->has_chat && (emu_param_int64(params, "chat_id", &cid) !=
		    P_OK || cid != r->chat_id))
			continue;
		*a = r->act;
		if (--r->count <= 0) {
			memmove(r, r + 1, (e->nfails - i - 1) * sizeof *r);
			e->nfails--;
		}
		e->injected_failures++;
		return 1;
	}
	return 0;
}

static int
parse_json_body(cJSON *p, const char *data, size_t len)
{
	cJSON	*j = cJSON_ParseWithLength(data, len), *it;

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -1;
	}
	while ((it = j->child) != NULL) {
		cJSON_DetachItemViaPointer(j, it);
		cJSON_DeleteItemFromObjectCaseSensitive(p, it->string);
		cJSON_AddItemToObject(p, it->string, it);
	}
	cJSON_Delete(j);
	return 0;
}

/* Query string, then a JSON or form body over it. */
static cJSON *
params_parse(struct evhttp_request *req, const char **err)
{
	struct evbuffer	*body = evhttp_request_get_input_buffer(req);
	const char	*q, *ct;
	char		*form;
	unsigned char	*data;
	size_t		 len = evbuffer_get_length(body);
	cJSON		*p = cJSON_CreateObject();
	int		 rc;

	q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	if (q != NULL && emuc_parse_form(p, q) == -1) {
		*err = "Bad Request: can't parse query string";
		goto fail;
	}
	if (len == 0)
		return p;
	ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	data = evbuffer_pullup(body, -1);
	if (ct != NULL && strncasecmp(ct, "multipart/", 10) == 0) {
		*err = "Bad Request: multipart/form-data is not supported "
		    "by the emulator";
		goto fail;
	}
	if ((ct != NULL && strstr(ct, "json") != NULL) ||
	    ((ct == NULL || strstr(ct, "urlencoded") == NULL) &&
	    data[0] == '{')) {
		if (parse_json_body(p, (const char *)data, len) == -1) {
			*err = "Bad Request: can't parse JSON object";
			goto fail;
		}
		return p;
	}
	form = xstrndup((const char *)data, len);
	rc = emuc_parse_form(p, form);
	free(form);
	if (rc == 0)
		return p;
	*err = "Bad Request: can't parse parameters";
fail:
	cJSON_Delete(p);
	return NULL;
}

void
bot_handle(struct emu *e, struct evhttp_request *req, const char *rest)
{
	const char	*slash = strchr(rest, '/'), *err = NULL;
	struct action	 a;
	struct held	*h;
	cJSON		*params;
	int		 m;

	if (slash == NULL) {
		bot_reply_error(req, 404, "Not Found", 0);
		return;
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    TGEMU_BODY_MAX) {
		bot_reply_error(req, 413, "Request Entity Too Large", 0);
		return;
	}
	if ((size_t)(slash - rest) != strlen(e->token) ||
	    strncmp(rest, e->token, strlen(e->token)) != 0) {
		bot_reply_error(req, 401, "Unauthorized", 0);
		return;
	}
	if ((m = bot_method_find(slash + 1)) == -1) {
		bot_reply_error(req, 404, "Not Found: method not found", 0);
		return;
	}
	e->req_count[m]++;
	if (m != TGM_GETUPDATES && e->max_in_flight < e->in_flight + 1)
		e->max_in_flight = e->in_flight + 1;
	if ((params = params_parse(req, &err)) == NULL) {
		bot_reply_error(req, 400, err, 0);
		return;
	}
	if (!fail_match(e, m, params, &a)) {
		bot_run(e, req, m, params);
		cJSON_Delete(params);
		return;
	}
	log_debug("event=bot.injected method=%s code=%d drop=%d delay_ms=%d",
	    methods[m].name, a.code, a.drop, a.delay_ms);
	if (a.delay_ms > 0 || a.drop) {
		/* Not inside libevent's read path: close from a timer. */
		h = emu_held_new(e, req, HELD_DELAY, a.delay_ms, on_delay);
		h->method = m;
		h->params = params;
		h->act = a;
		return;
	}
	act_reply(e, req, m, params, &a);
	cJSON_Delete(params);
}
