/* Queuing translated replies as Bot API parameters in the outbox. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "handler.h"
#include "i18n.h"
#include "log.h"
#include "outbox.h"
#include "reply.h"
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
	cJSON	*p, *mk = NULL;
	int	 rc = -1;

	if ((p = cJSON_CreateObject()) == NULL)
		return -1;
	if (markup != NULL && (mk = cJSON_Parse(markup)) == NULL)
		goto out;
	if (cJSON_AddNumberToObject(p, "chat_id", (double)chat_id) == NULL ||
	    cJSON_AddStringToObject(p, "text", text) == NULL)
		goto out;
	if (mk != NULL) {
		cJSON_AddItemToObject(p, "reply_markup", mk);
		mk = NULL;
	}
	rc = enqueue_json(app, chat_id, NULL, "sendMessage", p, prio,
	    cause_id);
out:
	cJSON_Delete(mk);
	cJSON_Delete(p);
	return rc;
}

int
reply_text(struct hctx *ctx, const char *text)
{
	return send_text(ctx->app, ctx->in->chat_id, text, NULL,
	    OUTBOX_PRIO_CONVERSATION, ctx->in->row);
}

int
reply_tr(struct hctx *ctx, const char *msgid, const char *const *args,
    size_t nargs)
{
	char	*text;
	int	 rc;

	text = text_expand(i18n_get(ctx->app->i18n, ctx->lang, msgid), args,
	    nargs);
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
