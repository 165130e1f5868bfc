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
tg_out_keyboard(struct jout *j, const struct out *o)
{
	size_t	 i, cols = o->cols != 0 ? o->cols : 1;

	for (i = 0; i < o->nbuttons; i++)
		if (o->buttons[i].text == NULL || o->buttons[i].data == NULL)
			return -1;

	jout_key(j, "reply_markup");
	jout_open(j, '{');
	jout_key(j, "inline_keyboard");
	jout_open(j, '[');
	for (i = 0; i < o->nbuttons; i++) {
		if (i % cols == 0) {
			if (i > 0)
				jout_close(j, ']');
			jout_item(j);
			jout_open(j, '[');
		}
		jout_item(j);
		jout_open(j, '{');
		jout_key(j, "text");
		jout_str(j, o->buttons[i].text);
		jout_key(j, "callback_data");
		jout_str(j, o->buttons[i].data);
		jout_close(j, '}');
	}
	if (o->nbuttons > 0)
		jout_close(j, ']');
	jout_close(j, ']');
	jout_close(j, '}');
	return 0;
}

static void
tg_out_int(struct jout *j, const char *key, int64_t v)
{
	jout_key(j, key);
	jout_int(j, v);
}

static void
tg_out_str(struct jout *j, const char *key, const char *v)
{
	jout_key(j, key);
	jout_str(j, v);
}

/* chat_id, reply_parameters and the keyboard, shared by the messages. */
static int
tg_out_common(struct jout *j, const struct out *o)
{
	tg_out_int(j, "chat_id", o->chat_id);
	if (o->reply_to != 0) {
		/* The replied message may be gone; the answer still goes. */
		jout_key(j, "reply_parameters");
		jout_open(j, '{');
		tg_out_int(j, "message_id", o->reply_to);
		jout_key(j, "allow_sending_without_reply");
		jout_bool(j, 1);
		jout_close(j, '}');
	}
	return o->nbuttons > 0 ? tg_out_keyboard(j, o) : 0;
}

static int
tg_out_text(struct jout *j, const struct out *o, const char **method)
{
	*method = "sendMessage";
	if (o->text == NULL || tg_out_common(j, o) == -1)
		return -1;
	tg_out_str(j, "text", o->text);
	return 0;
}

static int
tg_out_copy(struct jout *j, const struct out *o, const char **method)
{
	*method = "copyMessage";
	if (tg_out_common(j, o) == -1)
		return -1;
	tg_out_int(j, "from_chat_id", o->src_chat_id);
	tg_out_int(j, "message_id", o->message_id);
	if (o->text != NULL)
		tg_out_str(j, "caption", o->text);
	return 0;
}

static int
tg_out_reaction(struct jout *j, const struct out *o, const char **method)
{
	*method = "setMessageReaction";
	if (o->emoji == NULL)
		return -1;
	tg_out_int(j, "chat_id", o->chat_id);
	tg_out_int(j, "message_id", o->message_id);
	jout_key(j, "reaction");
	jout_open(j, '[');
	jout_item(j);
	jout_open(j, '{');
	tg_out_str(j, "type", "emoji");
	tg_out_str(j, "emoji", o->emoji);
	jout_close(j, '}');
	jout_close(j, ']');
	return 0;
}

/* Without reply_markup the keyboard goes; same chat, same order. */
static int
tg_out_drop_buttons(struct jout *j, const struct out *o, const char **method)
{
	*method = "editMessageReplyMarkup";
	tg_out_int(j, "chat_id", o->chat_id);
	tg_out_int(j, "message_id", o->message_id);
	return 0;
}

static int
tg_out_callback_answer(struct jout *j, const struct out *o,
    const char **method)
{
	*method = "answerCallbackQuery";
	if (o->callback_id == NULL)
		return -1;
	tg_out_str(j, "callback_query_id", o->callback_id);
	if (o->text != NULL)
		tg_out_str(j, "text", o->text);
	return 0;
}

/*
 * Written straight out (struct jout), not through a tree: one a message,
 * and the tree cost several times the printing.
 */
static int
tg_encode(const struct config *cfg, const struct out *o, struct outmsg *m,
    char **params, char **key, char *why, size_t whylen)
{
	static int	(*const build[])(struct jout *, const struct out *,
			    const char **) = {
		[OUT_TEXT] = tg_out_text,
		[OUT_COPY] = tg_out_copy,
		[OUT_REACTION] = tg_out_reaction,
		[OUT_DROP_BUTTONS] = tg_out_drop_buttons,
		[OUT_CALLBACK_ANSWER] = tg_out_callback_answer,
	};
	const char	*method = NULL;
	struct jout	 j;

	(void)cfg;
	(void)why;
	(void)whylen;
	if ((unsigned)o->kind >= sizeof build / sizeof build[0] ||
	    build[o->kind] == NULL)
		return -1;
	jout_init(&j, 128 + (o->text != NULL ? strlen(o->text) : 0));
	jout_open(&j, '{');
	if (build[o->kind](&j, o, &method) == -1) {
		jout_free(&j);
		return -1;
	}
	jout_close(&j, '}');
	if ((*params = jout_take(&j)) == NULL)
		return -1;
	m->chat_id = o->chat_id;
	m->method = method;
	/* Not a chat message: no pacing, no queue behind one. */
	if (o->kind == OUT_CALLBACK_ANSWER)
		*key = xasprintf("cb:%s", o->callback_id);
	return 0;
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
