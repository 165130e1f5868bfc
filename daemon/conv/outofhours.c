/*
 * Out of hours: a family writing while the centre is closed is told, once
 * per closed period, that the message was passed on, when it will be read
 * ("w poniedziałek, 6 kwietnia, o 7:30") and whom to call in an
 * emergency, 112 first. Also the office hours as families see them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "ftext.h"
#include "handler.h"
#include "hours.h"
#include "log.h"
#include "outofhours.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

/*
 * Told already in this closed period: an answer went out, and the centre
 * has not opened since.
 */
static int
ooh_told(const struct hours *h, int64_t told_at, time_t now)
{
	time_t	 opened;

	if (told_at == 0)
		return 0;
	if (hours_next_open(h, (time_t)told_at, &opened) == -1)
		return 1;
	return opened > now;
}

static int
ooh_send(struct hctx *ctx, time_t now)
{
	struct ftext_vals	 v;

	memset(&v, 0, sizeof v);
	if (hours_next_open(ctx->hours, now, &v.when) == -1)
		return reply_family(ctx, FT_OOH_SOON, &v);
	return reply_family(ctx, FT_OOH_WHEN, &v);
}

int
outofhours_notice(struct hctx *ctx)
{
	time_t	 now = clock_now();
	int64_t	 told_at;

	if (ctx->member_id == 0 || hours_is_open(ctx->hours, now))
		return 0;
	if (people_member_ooh_get(ctx->people, ctx->member_id,
	    &told_at) != PEOPLE_OK)
		return -1;
	if (ooh_told(ctx->hours, told_at, now))
		return 0;
	if (ooh_send(ctx, now) == -1 ||
	    people_member_ooh_set(ctx->people, ctx->member_id,
	    (int64_t)now) != PEOPLE_OK)
		return -1;
	log_info("event=outofhours.notice inbound_id=%" PRId64 " member_id=%"
	    PRId64, ctx->in->row, ctx->member_id);
	return 0;
}

/* "poniedziałek–piątek 7:30–15:30" for a run of days with equal hours. */
static char *
ooh_describe_run(struct hctx *ctx, int first, int last, int open, int close)
{
	char	 a[12], b[12];

	snprintf(a, sizeof a, "%d", first);
	snprintf(b, sizeof b, "%d", last);
	if (first == last)
		return xasprintf("%s %d:%02d–%d:%02d",
		    i18n_pget(ctx->i18n, ctx->lang, "weekday", a),
		    open / 60, open % 60, close / 60, close % 60);
	return xasprintf("%s–%s %d:%02d–%d:%02d",
	    i18n_pget(ctx->i18n, ctx->lang, "weekday", a),
	    i18n_pget(ctx->i18n, ctx->lang, "weekday", b),
	    open / 60, open % 60, close / 60, close % 60);
}

char *
outofhours_describe(struct hctx *ctx)
{
	char	*out = xstrdup(""), *run, *next;
	int	 d, e, o, c, o2, c2;

	for (d = 1; d <= 7; d = e + 1) {
		e = d;
		if (!hours_of_weekday(ctx->hours, d, &o, &c))
			continue;
		while (e < 7 && hours_of_weekday(ctx->hours, e + 1, &o2,
		    &c2) && o2 == o && c2 == c)
			e++;
		run = ooh_describe_run(ctx, d, e, o, c);
		next = xasprintf("%s%s%s", out, *out != '\0' ? "; " : "", run);
		free(run);
		free(out);
		out = next;
	}
	return out;
}
