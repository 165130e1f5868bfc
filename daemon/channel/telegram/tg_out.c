/*
 * The Telegram channel's side of struct out: each message as the Bot API
 * call that carries it (sendMessage, copyMessage, setMessageReaction,
 * editMessageReplyMarkup, answerCallbackQuery) and back: the text a
 * stored call carries. The only place outbox payloads for Telegram are
 * built or read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "channel.h"
#include "json.h"
#include "tg.h"
#include "xmalloc.h"

/* {"inline_keyboard":[[{"text":..,"callback_data":..},..],..]} */
static int
tg_out_keyboard(cJSON *p, const struct out *o)
{
	cJSON	*mk, *rows, *row = NULL, *btn;
	size_t	 i, cols = o->cols != 0 ? o->cols : 1;

	if ((mk = cJSON_AddObjectToObject(p, "reply_markup")) == NULL ||
	    (rows = cJSON_AddArrayToObject(mk, "inline_keyboard")) == NULL)
		return -1;
	for (i = 0; i < o->nbuttons; i++) {
		if (i % cols == 0 && ((row = cJSON_CreateArray()) == NULL ||
		    !cJSON_AddItemToArray(rows, row)))
			return -1;
		if ((btn = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(row, btn) ||
		    cJSON_AddStringToObject(btn, "text",
		    o->buttons[i].text) == NULL ||
		    cJSON_AddStringToObject(btn, "callback_data",
		    o->buttons[i].data) == NULL)
			return -1;
	}
	return 0;
}

/* chat_id, reply_parameters and the keyboard, shared by the messages. */
static int
tg_out_common(cJSON *p, const struct out *o)
{
	cJSON	*rp;

	if (cJSON_AddNumberToObject(p, "chat_id", (double)o->chat_id) == NULL)
		return -1;
	if (o->reply_to != 0) {
		/* The replied message may be gone; the answer still goes. */
		if ((rp = cJSON_AddObjectToObject(p, "reply_parameters")) ==
		    NULL || cJSON_AddNumberToObject(rp, "message_id",
		    (double)o->reply_to) == NULL ||
		    cJSON_AddBoolToObject(rp, "allow_sending_without_reply",
		    1) == NULL)
			return -1;
	}
	if (o->nbuttons > 0)
		return tg_out_keyboard(p, o);
	return 0;
}

static int
tg_out_text(cJSON *p, const struct out *o, const char **method)
{
	*method = "sendMessage";
	if (o->text == NULL || tg_out_common(p, o) == -1 ||
	    cJSON_AddStringToObject(p, "text", o->text) == NULL)
		return -1;
	return 0;
}

static int
tg_out_copy(cJSON *p, const struct out *o, const char **method)
{
	*method = "copyMessage";
	if (tg_out_common(p, o) == -1 ||
	    cJSON_AddNumberToObject(p, "from_chat_id",
	    (double)o->src_chat_id) == NULL ||
	    cJSON_AddNumberToObject(p, "message_id",
	    (double)o->message_id) == NULL ||
	    (o->text != NULL && cJSON_AddStringToObject(p, "caption",
	    o->text) == NULL))
		return -1;
	return 0;
}

static int
tg_out_reaction(cJSON *p, const struct out *o, const char **method)
{
	cJSON	*arr, *r;

	*method = "setMessageReaction";
	if (o->emoji == NULL ||
	    cJSON_AddNumberToObject(p, "chat_id", (double)o->chat_id) ==
	    NULL || cJSON_AddNumberToObject(p, "message_id",
	    (double)o->message_id) == NULL ||
	    (arr = cJSON_AddArrayToObject(p, "reaction")) == NULL ||
	    (r = cJSON_CreateObject()) == NULL)
		return -1;
	if (!cJSON_AddItemToArray(arr, r) ||
	    cJSON_AddStringToObject(r, "type", "emoji") == NULL ||
	    cJSON_AddStringToObject(r, "emoji", o->emoji) == NULL)
		return -1;
	return 0;
}

/* Without reply_markup the keyboard goes; same chat, same order. */
static int
tg_out_drop_buttons(cJSON *p, const struct out *o, const char **method)
{
	*method = "editMessageReplyMarkup";
	if (cJSON_AddNumberToObject(p, "chat_id", (double)o->chat_id) ==
	    NULL || cJSON_AddNumberToObject(p, "message_id",
	    (double)o->message_id) == NULL)
		return -1;
	return 0;
}

static int
tg_out_callback_answer(cJSON *p, const struct out *o, const char **method)
{
	*method = "answerCallbackQuery";
	if (o->callback_id == NULL ||
	    cJSON_AddStringToObject(p, "callback_query_id",
	    o->callback_id) == NULL ||
	    (o->text != NULL && cJSON_AddStringToObject(p, "text",
	    o->text) == NULL))
		return -1;
	return 0;
}

static int
tg_encode(const struct config *cfg, const struct out *o, struct outmsg *m,
    char **params, char **key, char *why, size_t whylen)
{
	static int	(*const build[])(cJSON *, const struct out *,
			    const char **) = {
		[OUT_TEXT] = tg_out_text,
		[OUT_COPY] = tg_out_copy,
		[OUT_REACTION] = tg_out_reaction,
		[OUT_DROP_BUTTONS] = tg_out_drop_buttons,
		[OUT_CALLBACK_ANSWER] = tg_out_callback_answer,
	};
	const char	*method = NULL;
	cJSON		*p;
	int		 rc = -1;

	(void)cfg;
	(void)why;
	(void)whylen;
	if ((unsigned)o->kind >= sizeof build / sizeof build[0] ||
	    (p = cJSON_CreateObject()) == NULL)
		return -1;
	if (build[o->kind](p, o, &method) == 0 &&
	    (*params = json_print(p)) != NULL) {
		m->chat_id = o->chat_id;
		m->method = method;
		/* Not a chat message: no pacing, no queue behind one. */
		if (o->kind == OUT_CALLBACK_ANSWER)
			*key = xasprintf("cb:%s", o->callback_id);
		rc = 0;
	}
	cJSON_Delete(p);
	return rc;
}

static char *
tg_text_of(const char *params, size_t len)
{
	return channel_json_string(params, len, "text");
}

static int
tg_parse(const char *raw, size_t len, struct inbound *in, char *why,
    size_t whylen)
{
	return tg_parse_update(raw, len, in, why, whylen);
}

static int
tg_channel_start(void *ctx, char *err, size_t errlen)
{
	if (tg_start(ctx) == 0)
		return 0;
	snprintf(err, errlen, "Telegram could not start (see the log)");
	return -1;
}

static void
tg_channel_stop(void *ctx)
{
	tg_stop(ctx);
}

/* A long poll is cut at stop: what it would bring comes again. */
static int
tg_channel_busy(const void *ctx)
{
	(void)ctx;
	return 0;
}

static int
tg_channel_enabled(const void *ctx)
{
	(void)ctx;
	return 1;
}

/* A callback's answer has its own key (tg_encode()); the rest a chat. */
static int
tg_order_of(const char *method, const char *params, char **key,
    int64_t *chat_id)
{
	cJSON		*p;
	const cJSON	*v;
	int		 rc = -1;

	if ((p = cJSON_Parse(params)) == NULL)
		return -1;
	if (strcmp(method, "answerCallbackQuery") == 0) {
		if (cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(p,
		    "callback_query_id"))) {
			*key = xasprintf("cb:%s", v->valuestring);
			rc = 0;
		}
	} else if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(p,
	    "chat_id"))) {
		*chat_id = (int64_t)v->valuedouble;
		rc = 0;
	}
	cJSON_Delete(p);
	return rc;
}

const struct channel_ops tg_channel = {
	.name = "telegram",
	.id = CHANNEL_TELEGRAM,
	.caps = CHANNEL_CAN_BUTTONS | CHANNEL_CAN_MEDIA | CHANNEL_CAN_EDITS |
	    CHANNEL_CAN_REACTIONS,
	.parse = tg_parse,
	.encode = tg_encode,
	.text_of = tg_text_of,
	.order_of = tg_order_of,
	.start = tg_channel_start,
	.stop = tg_channel_stop,
	.busy = tg_channel_busy,
	.enabled = tg_channel_enabled,
	.send = tg_send,
};
