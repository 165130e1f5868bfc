/*
 * /visit R-0042 9.12 10:00 biuro: an assistant plans a visit from
 * Telegram (conv/visit_parse.c reads the arguments). The visit is kept
 * as a draft and shown as understood, with buttons to save it or drop it
 * (handlers/visit_draft.c); only a saved visit is reminded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "caltime.h"
#include "clock.h"
#include "conv.h"
#include "ftext.h"
#include "handler.h"
#include "hours.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "validate.h"
#include "visit_parse.h"
#include "visits.h"
#include "xmalloc.h"

static int
visit_cmd_usage(struct hctx *ctx)
{
	return reply_tr(ctx, N_("Usage: /visit CODE DAY TIME [office|home] "
	    "[place], for example /visit R-0042 9.12 10:00 office, or /visit "
	    "R-0042 tomorrow 9:30 ul. Długa 5. DAY: 9.12, today, tomorrow or "
	    "a weekday."), NULL, 0);
}

static int
visit_cmd_reachable(struct hctx *ctx, int64_t family_id)
{
	struct member_target	 t;

	if (people_member_tg_target(ctx->people, family_id, 0, 0, &t) ==
	    PEOPLE_OK && t.member_id != 0)
		return 1;
	return people_member_sms_target(ctx->people, family_id, 0, 0, &t) ==
	    PEOPLE_OK && t.member_id != 0 && t.phone[0] != '\0' &&
	    t.consented;
}

/* The visit as understood, with Save / Cancel. */
static int
visit_cmd_show(struct hctx *ctx, int64_t id, const struct visit_parsed *vp,
    time_t t)
{
	struct out_button	 b[2];
	struct tm		 tm;
	const char		*args[3];
	char			 save[32], drop[32], *when, *text, *more;

	when = ftext_when(ctx->i18n, ctx->lang, t, 0);
	args[0] = vp->code;
	args[1] = when != NULL ? when : "";
	args[2] = vp->place[0] != '\0' ? vp->place : "-";
	text = text_expand(i18n_get(ctx->i18n, ctx->lang,
	    N_("Visit of %1$s %2$s. Place: %3$s. Save it?")), args, 3);
	free(when);
	if (caltime_local(t, &tm) == 0 && (hours_is_closed_day(ctx->hours,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) ||
	    !hours_is_open(ctx->hours, t))) {
		more = xasprintf("%s\n%s", text, i18n_get(ctx->i18n, ctx->lang,
		    N_("Note: the centre is closed at that time.")));
		free(text);
		text = more;
	}
	snprintf(save, sizeof save, "vd:s:%" PRId64, id);
	snprintf(drop, sizeof drop, "vd:x:%" PRId64, id);
	b[0].text = i18n_get(ctx->i18n, ctx->lang, N_("Save"));
	b[0].data = save;
	b[1].text = i18n_get(ctx->i18n, ctx->lang, N_("Cancel"));
	b[1].data = drop;
	if (reply_buttons(ctx, text, b, 2, 2) == -1) {
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int
visit_cmd_exec(struct hctx *ctx)
{
	struct visit_parsed	 vp;
	struct visit		 v;
	struct tm		 now;
	const char		*args[1], *why;
	enum caltime_rc		 crc;
	time_t			 t, nowt = clock_now();
	int64_t			 fid = 0, id;
	int			 told;

	if (caltime_local(nowt, &now) == -1)
		return -1;
	if (visit_parse(ctx->in->args, now.tm_year + 1900, now.tm_mon + 1,
	    now.tm_mday, now.tm_wday == 0 ? 7 : now.tm_wday, &vp) !=
	    VISIT_PARSE_OK)
		return visit_cmd_usage(ctx);
	if (conv_family_find(ctx->conv, vp.code, &fid) == -1)
		return -1;
	if (fid == 0) {
		args[0] = vp.code;
		return reply_tr(ctx, N_("There is no family with the code %s. "
		    "/families lists your families."), args, 1);
	}
	/* The same rule as writing to the family. */
	if (answer_refuse(ctx, fid, &told) == -1)
		return -1;
	if (told)
		return 0;
	crc = caltime_make(vp.y, vp.mon, vp.d, vp.hh, vp.mm, &t);
	if (crc == CALTIME_NONEXISTENT || crc == CALTIME_AMBIGUOUS)
		return reply_tr(ctx, crc == CALTIME_NONEXISTENT ?
		    N_("That time does not exist: the clocks go forward that "
		    "night. Choose another time.") :
		    N_("That time happens twice: the clocks go back that "
		    "night. Choose another time."), NULL, 0);
	if (crc != CALTIME_OK)
		return visit_cmd_usage(ctx);
	if (t <= nowt)
		return reply_tr(ctx, N_("That time is in the past."), NULL,
		    0);
	if (vp.place[0] != '\0' && validate_text(vp.place, 1,
	    VISIT_PLACE_MAX, 0, &why) == -1)
		return reply_tr(ctx, N_("The place is too long or not "
		    "readable."), NULL, 0);
	if (!visit_cmd_reachable(ctx, fid)) {
		args[0] = vp.code;
		return reply_tr(ctx, N_("Nobody in %s can be reached yet: "
		    "link a member to Telegram, or record SMS consent."), args,
		    1);
	}
	memset(&v, 0, sizeof v);
	v.state = VISIT_DRAFT;
	v.family_id = fid;
	v.staff_id = ctx->staff_id;
	snprintf(v.kind, sizeof v.kind, "%s", vp.kind);
	v.at = (int64_t)t * 1000;
	v.minutes = 60;
	v.place = vp.place[0] != '\0' ? vp.place : NULL;
	if (visits_add(ctx->visits, &v, &id) != VISITS_OK)
		return -1;
	log_info("event=visit.draft visit_id=%" PRId64 " staff_id=%" PRId64,
	    id, ctx->staff_id);
	return visit_cmd_show(ctx, id, &vp, t);
}

const struct handler_entry handler_visit_cmd_entry = {
	.name = "visit_cmd",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/visit",
	.exec = visit_cmd_exec,
};
