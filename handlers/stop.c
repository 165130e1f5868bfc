/*
 * /stop (STOP by SMS). On Telegram it stops announcements only (the
 * dispatcher holds back broadcast rows to the member): reminders of the
 * family's own visits go on, and a button under the answer stops those
 * too (handlers/stop_reminders.c). An SMS family cannot press it, so
 * STOP stops both. Either way they can still write to their assistant
 * and get answers. /start (START) turns both on again.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "handler.h"
#include "i18n.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "visit_remind.h"

/* The answer to /stop with the button that stops reminders too. */
static int
stop_offer(struct hctx *ctx)
{
	struct ftext_vals	 v;
	struct out_button	 b;
	char			*text;
	int			 rc;

	memset(&v, 0, sizeof v);
	v.centre = ctx->cfg->centre_name;
	if ((text = ftext_render(ctx->i18n, ctx->lang, FT_STOP, FTEXT_FULL,
	    &v)) == NULL)
		return -1;
	b.text = i18n_get(ctx->i18n, ctx->lang, N_("Stop reminders too"));
	b.data = VISIT_REMIND_OFF_CB;
	rc = reply_buttons(ctx, text, &b, 1, 1);
	free(text);
	return rc;
}

static int
stop_exec(struct hctx *ctx)
{
	/* Without buttons STOP is the only word the family has: both. */
	int	 both = ctx->sender == SENDER_NEWCOMER ||
		     !reply_has_buttons(ctx);

	if (people_member_set_announcements(ctx->people, ctx->member_id,
	    0) != PEOPLE_OK)
		return -1;
	if (both && people_member_set_reminders(ctx->people, ctx->member_id,
	    0) != PEOPLE_OK)
		return -1;
	log_info("event=member.announcements member_id=%" PRId64 " on=0"
	    " reminders=%d", ctx->member_id, both ? 0 : 1);
	/* Before consent nothing reaches the assistant: say so. */
	if (ctx->sender == SENDER_NEWCOMER)
		return reply_family(ctx, FT_STOP_NEWCOMER, NULL);
	if (both)
		return reply_family(ctx, FT_STOP, NULL);
	return stop_offer(ctx);
}

const struct handler_entry handler_stop_entry = {
	.name = "stop",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/stop",
	.exec = stop_exec,
};
