/*
 * An SMS from a number nobody in the register has: one short answer (at
 * most once a day per number), in Polish and Ukrainian since we cannot
 * know the language, saying how to reach the centre. Nothing is relayed,
 * and nothing of it is kept but a counter.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "app.h"
#include "channel.h"
#include "config.h"
#include "ftext.h"
#include "inbound.h"
#include "log.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "xmalloc.h"
#include "handler.h"

#define SMS_UNKNOWN_COUNTER	"sms_unknown"

static int
sms_unknown_exec(struct hctx *ctx)
{
	struct store	*st = ctx->app->st;
	int64_t		 n = 0;
	int		 found, rc = 0;
	char		*text;

	if (store_meta_get(st, SMS_UNKNOWN_COUNTER, &n, &found) == -1 ||
	    store_meta_set(st, SMS_UNKNOWN_COUNTER, n + 1) == -1 ||
	    inbound_forget(ctx->app->is, ctx->in->row) == -1)
		return -1;
	log_info("event=sms.unknown_number inbound_id=%" PRId64, ctx->in->row);
	if (!sms_may_answer(ctx->app->sms, ctx->in->phone))
		return 0;
	text = ftext_unknown(ctx->app->i18n, ctx->app->cfg->centre_contact);
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

const struct handler_entry handler_sms_unknown_entry = {
	.name = "sms_unknown",
	.from = SENDER_UNKNOWN,
	.kinds = INBOUND_ANY,
	.lacks = CHANNEL_CAN_BUTTONS,
	.exec = sms_unknown_exec,
};
