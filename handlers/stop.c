/*
 * /stop: the family no longer gets announcements and reminders (the
 * dispatcher holds back broadcast and reminder rows to the member); they
 * can still write to their assistant and get answers. /start undoes it.
 */
#include <inttypes.h>

#include "app.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"

static int
stop_exec(struct hctx *ctx)
{
	const char	*args[] = { ctx->app->cfg->centre_name };

	if (people_member_set_announcements(ctx->app->people, ctx->member_id,
	    0) != PEOPLE_OK)
		return -1;
	log_info("event=member.announcements member_id=%" PRId64 " on=0",
	    ctx->member_id);
	return reply_tr(ctx, N_("Done: you will no longer get announcements "
	    "or reminders from %s. You can still write to me here at any "
	    "time, and your messages will reach your assistant as before. To "
	    "turn announcements back on, send /start."), args, 1);
}

const struct handler_entry handler_stop_entry = {
	.name = "stop",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/stop",
	.exec = stop_exec,
};
