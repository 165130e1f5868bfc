/*
 * Save / Cancel under a visit typed with /visit: saving plans the visit
 * and its reminders; cancelling drops the draft. Only the assistant who
 * typed it can do either; a second press finds nothing and says so.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "handler.h"
#include "log.h"
#include "reminders.h"
#include "reply.h"
#include "visits.h"

static int
visit_draft_plan(struct hctx *ctx, int64_t id)
{
	struct reminders_cfg	 rc;
	struct visit		 v;
	time_t			 due[REMINDERS_MAX];
	size_t			 n, i;
	int			 r = -1;

	/* Checked at start: it cannot fail here, and says nothing. */
	if (reminders_config(ctx->cfg, &rc, stderr) == -1)
		return 0;
	if (visits_get(ctx->visits, id, &v) != VISITS_OK)
		return -1;
	n = reminders_plan(&rc, v.kind, (time_t)(v.at / 1000), clock_now(),
	    due, REMINDERS_MAX);
	for (i = 0; i < n; i++)
		if (visits_reminder_add(ctx->visits, id, (int64_t)due[i] * 1000,
		    NULL) != VISITS_OK)
			goto out;
	r = 0;
out:
	visit_clear(&v);
	return r;
}

static int
visit_draft_exec(struct hctx *ctx)
{
	const char	*d = ctx->in->callback_data + strlen("vd:");
	const char	*msg;
	char		*end;
	long long	 id = 0;
	int		 save = d[0] == 's', rc;

	if ((d[0] == 's' || d[0] == 'x') && d[1] == ':')
		id = strtoll(d + 2, &end, 10);
	if (id <= 0)
		id = 0;
	rc = save ? visits_draft_save(ctx->visits, id, ctx->staff_id) :
	    visits_draft_drop(ctx->visits, id, ctx->staff_id);
	if (rc == VISITS_ERROR)
		return -1;
	if (rc == VISITS_NOT_FOUND)
		msg = N_("This entry is no longer waiting to be saved.");
	else if (save) {
		if (visit_draft_plan(ctx, id) == -1)
			return -1;
		log_info("event=visit.saved visit_id=%lld staff_id=%" PRId64,
		    id, ctx->staff_id);
		msg = N_("Saved. The family will be reminded.");
	} else
		msg = N_("Not saved.");
	msg = i18n_get(ctx->i18n, ctx->lang, msg);
	if (reply_callback_answer(ctx, msg) == -1 ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	return reply_text(ctx, msg);
}

const struct handler_entry handler_visit_draft_entry = {
	.name = "visit_draft",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_CALLBACK),
	.callback = "vd:",
	.exec = visit_draft_exec,
};
