/*
 * /visits: an assistant's visits today and in the coming week, one line
 * each with the family's answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "clock.h"
#include "handler.h"
#include "people.h"
#include "reply.h"
#include "visits.h"
#include "xmalloc.h"

#define VISITS_CMD_DAYS		8	/* today and the coming week */
#define VISITS_CMD_MAX		60	/* lines; the rest are counted */

/*
 * "8.12 12:00 · R-0042 · ul. Długa 5 · confirmed", or "... · asks for
 * another time: Thursday after 14"
 */
static char *
visits_cmd_line(struct hctx *ctx, const struct visit *v)
{
	struct family_brief	 fb;
	struct tm		 tm;
	char			 when[32] = "?";

	if (caltime_local((time_t)(v->at / 1000), &tm) == 0)
		snprintf(when, sizeof when, "%d.%02d %02d:%02d", tm.tm_mday,
		    tm.tm_mon + 1, tm.tm_hour, tm.tm_min);
	if (people_family_brief(ctx->people, v->family_id, &fb) != PEOPLE_OK)
		snprintf(fb.code, sizeof fb.code, "?");
	/* The family's preferred time after "another time", their words. */
	return xasprintf("%s · %s%s%s · %s%s%s", when, fb.code,
	    v->place != NULL ? " · " : "", v->place != NULL ? v->place : "",
	    i18n_get(ctx->i18n, ctx->lang, visits_answer_label(v->answer)),
	    v->answer_text != NULL ? ": " : "",
	    v->answer_text != NULL ? v->answer_text : "");
}

static int
visits_cmd_exec(struct hctx *ctx)
{
	struct visit_filter	 f;
	struct visit		*a = NULL;
	struct tm		 tm;
	time_t			 start, end;
	size_t			 n = 0, i;
	char			*text, *line, *next, more[32];
	const char		*args[1];
	int			 y, mon, d, rc;

	if (caltime_local(clock_now(), &tm) == -1)
		return -1;
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	if (caltime_make(y, mon, d, 0, 0, &start) != CALTIME_OK)
		start = clock_now() - (tm.tm_hour * 3600 + tm.tm_min * 60);
	caltime_add_days(&y, &mon, &d, VISITS_CMD_DAYS);
	if (caltime_make(y, mon, d, 0, 0, &end) != CALTIME_OK)
		end = start + VISITS_CMD_DAYS * 86400;
	memset(&f, 0, sizeof f);
	f.staff_id = ctx->staff_id;
	f.from = (int64_t)start * 1000;
	f.to = (int64_t)end * 1000;
	f.planned_only = 1;
	if (visits_list(ctx->visits, &f, &a, &n) != VISITS_OK)
		return -1;
	if (n == 0) {
		visits_list_free(a, n);
		return reply_tr(ctx, N_("No visits today or in the coming "
		    "week. Plan one with /visit."), NULL, 0);
	}
	text = xstrdup(i18n_get(ctx->i18n, ctx->lang,
	    N_("Your visits, today and the coming week:")));
	for (i = 0; i < n && i < VISITS_CMD_MAX; i++) {
		line = visits_cmd_line(ctx, &a[i]);
		next = xasprintf("%s\n%s", text, line);
		free(line);
		free(text);
		text = next;
	}
	if (n > VISITS_CMD_MAX) {
		snprintf(more, sizeof more, "%zu", n - VISITS_CMD_MAX);
		args[0] = more;
		line = text_expand(i18n_get(ctx->i18n, ctx->lang,
		    N_("... and %s more: asystentctl visit list shows all.")),
		    args, 1);
		next = xasprintf("%s\n%s", text, line);
		free(line);
		free(text);
		text = next;
	}
	visits_list_free(a, n);
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

const struct handler_entry handler_visits_cmd_entry = {
	.name = "visits_cmd",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/visits",
	.exec = visits_cmd_exec,
};
