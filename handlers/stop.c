/*
 * /stop (STOP by SMS): the family no longer gets announcements and
 * reminders (the dispatcher holds back broadcast and reminder rows to the
 * member); they can still write to their assistant and get answers.
 * /start (START) undoes it.
 */
#include <inttypes.h>

#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"

static int
stop_exec(struct hctx *ctx)
{
	if (people_member_set_announcements(ctx->people, ctx->member_id,
	    0) != PEOPLE_OK)
		return -1;
	log_info("event=member.announcements member_id=%" PRId64 " on=0",
	    ctx->member_id);
	/* Before consent nothing reaches the assistant: say so. */
	return reply_family(ctx, ctx->sender == SENDER_NEWCOMER ?
	    FT_STOP_NEWCOMER : FT_STOP, NULL);
}

const struct handler_entry handler_stop_entry = {
	.name = "stop",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/stop",
	.exec = stop_exec,
};
