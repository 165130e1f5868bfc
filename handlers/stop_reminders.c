/*
 * The button under the answer to /stop: reminders of the family's own
 * visits stop too (members.reminders_off; visit_remind.c skips them,
 * counted). /start turns them on again.
 */
#include <inttypes.h>

#include "handler.h"
#include "i18n.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "visit_remind.h"

static int
stop_reminders_exec(struct hctx *ctx)
{
	if (people_member_set_reminders(ctx->people, ctx->member_id, 0) !=
	    PEOPLE_OK)
		return -1;
	log_info("event=member.reminders member_id=%" PRId64 " on=0",
	    ctx->member_id);
	if (reply_callback_answer(ctx, NULL) == -1 ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	/* TRANSLATORS: after the button "Stop reminders too" under the
	 * answer to /stop. Keep /start as it is. */
	return reply_tr(ctx, N_("Done: you will no longer get reminders of "
	    "your visits either. To turn announcements and reminders back "
	    "on, send /start."), NULL, 0);
}

const struct handler_entry handler_stop_reminders_entry = {
	.name = "stop_reminders",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_CALLBACK),
	.callback = VISIT_REMIND_OFF_CB,
	.exec = stop_reminders_exec,
};
