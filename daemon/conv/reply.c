/* Queuing translated replies as Bot API parameters in the outbox. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "config.h"
#include "ftext.h"
#include "handler.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "relay.h"
#include "reply.h"
#include "sms.h"
#include "sms_text.h"
#include "xmalloc.h"

struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *
text_expand(const char *fmt, const char *const *args, size_t nargs)
{
	struct buf	 b = { NULL, 0, 0 };
	const char	*p = fmt, *arg;
	size_t		 next = 0, idx;

	buf_add(&b, "", 0);
	while (*p != '\0') {
		const char *pct = strchr(p, '%');

		if (pct == NULL) {
			buf_add(&b, p, strlen(p));
			break;
		}
		buf_add(&b, p, (size_t)(pct - p));
		p = pct + 1;
		if (*p == '%') {
			buf_add(&b, "%", 1);
			p++;
			continue;
		}
		if (*p >= '1' && *p <= '9' && p[1] == '$' && p[2] == 's') {
			idx = (size_t)(*p - '1');
			p += 3;
		} else if (*p == 's') {
			idx = next++;
			p++;
		} else {
			buf_add(&b, "%", 1);
			continue;
		}
		arg = idx < nargs && args[idx] != NULL ? args[idx] : "";
		buf_add(&b, arg, strlen(arg));
	}
	return b.p;
}

static int
enqueue_json(struct app *app, int64_t chat_id, const char *order_key,
    const char *method, cJSON *params, enum outbox_priority prio,
    int64_t cause_id)
{
	struct outmsg	 m;
	char		*json;
	int		 rc;

	if ((json = cJSON_PrintUnformatted(params)) == NULL)
		return -1;
	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.priority = prio;
	m.chat_id = chat_id;
	m.order_key = order_key;
	m.method = method;
	m.params = json;
	m.cause = cause_id != 0 ? "inbound" : "daemon";
	m.cause_id = cause_id;
	rc = outbox_enqueue(app->ob, &m, NULL);
	explicit_bzero(json, strlen(json));
	free(json);
	return rc;
}

int
send_text(struct app *app, int64_t chat_id, const char *text,
    const char *markup, enum outbox_priority prio, int64_t cause_id)
{
	struct relay_opts	 o = { prio, cause_id != 0 ? "inbound" :
				    "daemon", cause_id, 0, 0, 0, markup };

	return relay_send_text(app, chat_id, text, &o);
}

int
reply_text(struct hctx *ctx, const char *text)
{
	char	 why[128];
	int	 rc;

	if (ctx->in->channel != CHANNEL_SMS)
		return send_text(ctx->app, ctx->in->chat_id, text, NULL,
		    OUTBOX_PRIO_CONVERSATION, ctx->in->row);
	/* The answer goes back the way the message came. */
	rc = sms_enqueue(ctx->app, ctx->in->phone, text,
	    OUTBOX_PRIO_CONVERSATION, ctx->member_id, "inbound", ctx->in->row,
	    why, sizeof why);
	if (rc == -2) {
		log_warn("event=sms.reply_refused inbound_id=%" PRId64
		    " reason=\"%s\"", ctx->in->row, why);
		rc = 0;
	}
	return rc;
}

char *
reply_format(struct hctx *ctx, const char *msgid, const char *const *args,
    size_t nargs)
{
	return text_expand(i18n_get(ctx->app->i18n, ctx->lang, msgid), args,
	    nargs);
}

int
reply_tr(struct hctx *ctx, const char *msgid, const char *const *args,
    size_t nargs)
{
	char	*text;
	int	 rc;

	text = reply_format(ctx, msgid, args, nargs);
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

/* Is the text within sms.max_parts? Invalid text counts as over. */
static int
reply_fits_sms(struct hctx *ctx, const char *text, struct sms_count *c)
{
	return sms_text_count(text, strlen(text),
	    (unsigned int)ctx->app->cfg->sms_max_parts, c) == SMS_TEXT_OK &&
	    !c->over_cap;
}

int
reply_family(struct hctx *ctx, enum ftext_id id, const struct ftext_vals *v)
{
	const struct config	*cfg = ctx->app->cfg;
	const struct i18n	*i = ctx->app->i18n;
	struct ftext_vals	 vals;
	struct sms_count	 c;
	char			*text, *min;
	int			 rc;

	memset(&vals, 0, sizeof vals);
	if (v != NULL)
		vals = *v;
	vals.centre = cfg->centre_name;
	vals.contact = cfg->centre_contact;
	vals.helplines = cfg->emergency_numbers;
	if (ctx->in->channel != CHANNEL_SMS) {
		text = ftext_render(i, ctx->lang, id, FTEXT_FULL, &vals);
		goto send;
	}
	text = ftext_render(i, ctx->lang, id, FTEXT_SMS, &vals);
	if (text == NULL || reply_fits_sms(ctx, text, &c))
		goto send;
	if ((min = ftext_render(i, ctx->lang, id, FTEXT_SMS_MIN,
	    &vals)) == NULL)
		goto send;	/* refused by sms_enqueue(), with the reason */
	log_warn("event=sms.reply_shortened inbound_id=%" PRId64 " text=%s "
	    "parts=%zu max_parts=%d", ctx->in->row, ftext_get(id)->name,
	    c.parts, cfg->sms_max_parts);
	free(text);
	text = min;
send:
	if (text == NULL)
		return -1;
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

int
reply_callback_answer(struct hctx *ctx, const char *text)
{
	cJSON	*p;
	char	*key;
	int	 rc = -1;

	if (ctx->in->callback_id == NULL)
		return 0;
	if ((p = cJSON_CreateObject()) == NULL)
		return -1;
	if (cJSON_AddStringToObject(p, "callback_query_id",
	    ctx->in->callback_id) != NULL &&
	    (text == NULL || cJSON_AddStringToObject(p, "text", text) != NULL))
	{
		/* Not a chat message: no pacing, no queue behind one. */
		key = xasprintf("cb:%s", ctx->in->callback_id);
		rc = enqueue_json(ctx->app, ctx->in->chat_id, key,
		    "answerCallbackQuery", p, OUTBOX_PRIO_CONVERSATION,
		    ctx->in->row);
		free(key);
	}
	cJSON_Delete(p);
	return rc;
}

/* {"inline_keyboard":[[{"text":..,"callback_data":..},..],..]} */
static cJSON *
reply_keyboard(const struct reply_button *b, size_t n, size_t cols)
{
	cJSON	*mk, *rows, *row = NULL, *btn;
	size_t	 i;

	if ((mk = cJSON_CreateObject()) == NULL)
		return NULL;
	if ((rows = cJSON_AddArrayToObject(mk, "inline_keyboard")) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((cols == 0 || i % cols == 0) &&
		    ((row = cJSON_CreateArray()) == NULL ||
		    !cJSON_AddItemToArray(rows, row)))
			goto fail;
		if ((btn = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(row, btn) ||
		    cJSON_AddStringToObject(btn, "text", b[i].text) == NULL ||
		    cJSON_AddStringToObject(btn, "callback_data",
		    b[i].data) == NULL)
			goto fail;
	}
	return mk;
fail:
	cJSON_Delete(mk);
	return NULL;
}

int
reply_has_buttons(const struct hctx *ctx)
{
	return ctx->in->channel != CHANNEL_SMS;
}

int
reply_buttons(struct hctx *ctx, const char *text,
    const struct reply_button *b, size_t n, size_t cols)
{
	cJSON	*mk;
	char	*markup = NULL;
	int	 rc = -1;

	/* An SMS cannot carry buttons: the text alone. */
	if (!reply_has_buttons(ctx))
		return reply_text(ctx, text);
	if ((mk = reply_keyboard(b, n, cols)) == NULL)
		return -1;
	if ((markup = cJSON_PrintUnformatted(mk)) == NULL)
		goto out;
	rc = send_text(ctx->app, ctx->in->chat_id, text, markup,
	    OUTBOX_PRIO_CONVERSATION, ctx->in->row);
out:
	free(markup);
	cJSON_Delete(mk);
	return rc;
}

int
reply_drop_keyboard(struct hctx *ctx)
{
	cJSON	*p;
	int	 rc = -1;

	if (ctx->in->kind != INBOUND_CALLBACK || ctx->in->message_id == 0 ||
	    ctx->in->channel == CHANNEL_SMS)
		return 0;
	if ((p = cJSON_CreateObject()) == NULL)
		return -1;
	/* Without reply_markup the keyboard goes; same chat, same order. */
	if (cJSON_AddNumberToObject(p, "chat_id",
	    (double)ctx->in->chat_id) != NULL &&
	    cJSON_AddNumberToObject(p, "message_id",
	    (double)ctx->in->message_id) != NULL)
		rc = enqueue_json(ctx->app, ctx->in->chat_id, NULL,
		    "editMessageReplyMarkup", p, OUTBOX_PRIO_CONVERSATION,
		    ctx->in->row);
	cJSON_Delete(p);
	return rc;
}
