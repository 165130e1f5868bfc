/*
 * An SMS from a member whose consent is not recorded yet: families on SMS
 * cannot press "I agree", so staff record the paper form (asystentctl
 * member consent). Until then nothing is relayed; the member is told why,
 * at most once a day. STOP and START still work.
 */
#include <inttypes.h>

#include "channel.h"
#include "handler.h"
#include "log.h"
#include "reply.h"

static int
sms_newcomer_exec(struct hctx *ctx)
{
	log_info("event=sms.no_consent inbound_id=%" PRId64 " member_id=%"
	    PRId64, ctx->in->row, ctx->member_id);
	if (!ctx->sms_may_answer(ctx->arg, ctx->in->phone))
		return 0;
	return reply_family(ctx, FT_NO_CONSENT, NULL);
}

const struct handler_entry handler_sms_newcomer_entry = {
	.name = "sms_newcomer",
	.from = SENDER_NEWCOMER,
	.kinds = INBOUND_ANY,
	.lacks = CHANNEL_CAN_BUTTONS,
	.exec = sms_newcomer_exec,
};
