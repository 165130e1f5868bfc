/* Replies to the sender, translated, queued on their channel. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "config.h"
#include "ftext.h"
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

/* A message back to the sender: their chat or their phone, their channel. */
static void
reply_out(struct hctx *ctx, struct out *m, enum out_kind kind)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->chat_id = ctx->in->chat_id;
	m->phone = ctx->in->phone;
	m->prio = OUTBOX_PRIO_CONVERSATION;
	m->cause = "inbound";
	m->cause_id = ctx->in->row;
	m->member_id = ctx->member_id;
}

/*
 * Queues m on the sender's channel. What the channel cannot carry is
 * dropped: with `why` NULL the reason is logged, else it is written there
 * for the caller, who has another way.
 */
static int
reply_queue(struct hctx *ctx, const struct out *m, char *why, size_t whylen)
{
	char	 buf[128];
	int	 rc;

	rc = channel_queue(ctx->ob, ctx->cfg, ctx->in->channel, m, NULL,
	    why != NULL ? why : buf, why != NULL ? whylen : sizeof buf);
	if (rc != CHANNEL_REFUSED || why != NULL)
		return rc;
	log_warn("event=reply.refused inbound_id=%" PRId64 " channel=%s "
	    "reason=\"%s\"", ctx->in->row,
	    channel_get(ctx->in->channel)->name, buf);
	return 0;
}

int
reply_text(struct hctx *ctx, const char *text)
{
	struct out	 m;

	reply_out(ctx, &m, OUT_TEXT);
	m.text = text;
	return reply_queue(ctx, &m, NULL, 0);
}

char *
reply_format(struct hctx *ctx, const char *msgid, const char *const *args,
    size_t nargs)
{
	return text_expand(i18n_get(ctx->i18n, ctx->lang, msgid), args,
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

int
reply_family(struct hctx *ctx, enum ftext_id id, const struct ftext_vals *v)
{
	const struct config	*cfg = ctx->cfg;
	const struct i18n	*i = ctx->i18n;
	struct ftext_vals	 vals;
	struct out		 m;
	char			*text, why[128];
	int			 rc;

	memset(&vals, 0, sizeof vals);
	if (v != NULL)
		vals = *v;
	vals.centre = cfg->centre_name;
	vals.contact = cfg->centre_contact;
	vals.helplines = cfg->emergency_numbers;
	/* Where each part is paid for, the short variant. */
	if (!channel_can(ctx->in->channel, CHANNEL_COUNTS_PARTS)) {
		text = ftext_render(i, ctx->lang, id, FTEXT_FULL, &vals);
		rc = text != NULL ? reply_text(ctx, text) : -1;
		free(text);
		return rc;
	}
	if ((text = ftext_render(i, ctx->lang, id, FTEXT_SMS, &vals)) == NULL)
		return -1;
	reply_out(ctx, &m, OUT_TEXT);
	m.text = text;
	rc = reply_queue(ctx, &m, why, sizeof why);
	free(text);
	if (rc != CHANNEL_REFUSED)
		return rc;
	if ((text = ftext_render(i, ctx->lang, id, FTEXT_SMS_MIN, &vals)) ==
	    NULL) {
		log_warn("event=reply.refused inbound_id=%" PRId64 " text=%s "
		    "reason=\"%s\"", ctx->in->row, ftext_get(id)->name, why);
		return 0;
	}
	/* Too long with its arguments: the one-part minimum goes. */
	log_warn("event=sms.reply_shortened inbound_id=%" PRId64 " text=%s "
	    "reason=\"%s\"", ctx->in->row, ftext_get(id)->name, why);
	m.text = text;
	rc = reply_queue(ctx, &m, NULL, 0);
	free(text);
	return rc;
}

int
reply_callback_answer(struct hctx *ctx, const char *text)
{
	struct out	 m;

	if (ctx->in->callback_id == NULL)
		return 0;
	reply_out(ctx, &m, OUT_CALLBACK_ANSWER);
	m.callback_id = ctx->in->callback_id;
	m.text = text;
	return reply_queue(ctx, &m, NULL, 0);
}

int
reply_has_buttons(const struct hctx *ctx)
{
	return channel_can(ctx->in->channel, CHANNEL_CAN_BUTTONS);
}

int
reply_buttons(struct hctx *ctx, const char *text, const struct out_button *b,
    size_t n, size_t cols)
{
	struct out	 m;

	reply_out(ctx, &m, OUT_TEXT);
	m.text = text;
	/* Where there are no buttons, the text alone. */
	if (reply_has_buttons(ctx)) {
		m.buttons = b;
		m.nbuttons = n;
		m.cols = cols;
	}
	return reply_queue(ctx, &m, NULL, 0);
}

int
reply_drop_keyboard(struct hctx *ctx)
{
	struct out	 m;

	if (ctx->in->kind != INBOUND_CALLBACK || ctx->in->message_id == 0 ||
	    !reply_has_buttons(ctx))
		return 0;
	reply_out(ctx, &m, OUT_DROP_BUTTONS);
	m.message_id = ctx->in->message_id;
	return reply_queue(ctx, &m, NULL, 0);
}
