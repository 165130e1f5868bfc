/*
 * An SMS from a number nobody in the register has: one short answer (at
 * most once a day per number), in Polish and Ukrainian since we cannot
 * know the language, saying how to reach the centre. Nothing is relayed,
 * and nothing of it is kept but a counter.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "channel.h"
#include "config.h"
#include "ftext.h"
#include "handler.h"
#include "log.h"
#include "reply.h"

#define SMS_UNKNOWN_COUNTER	"sms_unknown"

static int
sms_unknown_exec(struct hctx *ctx)
{
	char	*text;
	int	 rc;

	if (ctx->forget(ctx->arg, ctx->in->row, SMS_UNKNOWN_COUNTER) == -1)
		return -1;
	log_info("event=sms.unknown_number inbound_id=%" PRId64, ctx->in->row);
	if (!ctx->sms_may_answer(ctx->arg, ctx->in->phone))
		return 0;
	text = ftext_unknown(ctx->i18n, ctx->cfg->centre_contact);
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
