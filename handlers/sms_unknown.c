/*
 * An SMS from a number nobody in the register has: one short answer (at
 * most once a day per number), in Polish and Ukrainian since we cannot
 * know the language, saying how to reach the centre. Nothing is relayed,
 * and nothing of it is kept but a counter.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "app.h"
#include "config.h"
#include "inbound.h"
#include "log.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "xmalloc.h"
#include "handler.h"

#define SMS_UNKNOWN_COUNTER	"sms_unknown"

static char *
sms_unknown_text(struct hctx *ctx)
{
	const struct config	*cfg = ctx->app->cfg;
	const char		*args[] = { cfg->centre_name,
				    cfg->centre_contact };
	const char		*msgid;
	char			*pl, *uk, *text;

	msgid = cfg->centre_contact[0] != '\0' ?
	    N_("This number is not registered at %s. Please contact the "
	    "centre: %s.") :
	    N_("This number is not registered at %s. Please contact the "
	    "centre.");
	pl = text_expand(i18n_get(ctx->app->i18n, LANG_PL, msgid), args, 2);
	uk = text_expand(i18n_get(ctx->app->i18n, LANG_UK, msgid), args, 2);
	text = xasprintf("%s\n%s", pl, uk);
	free(pl);
	free(uk);
	return text;
}

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
	text = sms_unknown_text(ctx);
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

const struct handler_entry handler_sms_unknown_entry = {
	.name = "sms_unknown",
	.from = SENDER_UNKNOWN,
	.kinds = INBOUND_ANY,
	.channels = CHANNEL_BIT(CHANNEL_SMS),
	.exec = sms_unknown_exec,
};
