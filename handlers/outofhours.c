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

#include "app.h"
#include "clock.h"
#include "config.h"
#include "handler.h"
#include "hours.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

#define OOH_NUMBERS_MAX	16	/* help lines shown at most */

/*
 * Help lines we can name in every language; a configured line with one of
 * these numbers is shown with the translated label, any other as written
 * in the configuration.
 */
static const struct {
	const char	*number;
	const char	*label;
} ooh_known[] = {
	{ "112", N_("emergency number: police, fire brigade, ambulance") },
	{ "999", N_("ambulance") },
	{ "116 123", N_("support for adults in emotional crisis, 24/7") },
	{ "116 111", N_("helpline for children and young people, 24/7") },
	{ "800 120 002", N_("helpline for people affected by domestic "
	    "violence, 24/7") },
	{ "800 12 12 12", N_("helpline of the Ombudsman for Children, "
	    "24/7") },
};

/* Appends one configured line (n bytes of s) as shown to the family. */
static void
ooh_add_line(struct hctx *ctx, char **list, const char *s, size_t n)
{
	const char	*label = NULL;
	char		*num, *next;
	size_t		 i, nn;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return;
	for (nn = 0; nn < n && s[nn] != '('; nn++)
		;
	while (nn > 0 && s[nn - 1] == ' ')
		nn--;
	num = xasprintf("%.*s", (int)nn, s);
	for (i = 0; i < sizeof ooh_known / sizeof ooh_known[0]; i++)
		if (strcmp(num, ooh_known[i].number) == 0)
			label = i18n_get(ctx->app->i18n, ctx->lang,
			    ooh_known[i].label);
	/* 112 is always first, put there by ooh_numbers(). */
	if (strcmp(num, "112") == 0 && **list != '\0')
		next = NULL;
	else if (label != NULL)
		next = xasprintf("%s%s%s — %s", *list, **list != '\0' ? "\n" :
		    "", num, label);
	else
		next = xasprintf("%s%s%.*s", *list, **list != '\0' ? "\n" : "",
		    (int)n, s);
	free(num);
	if (next != NULL) {
		free(*list);
		*list = next;
	}
}

/* The configured help lines, one a line, always starting with 112. */
static char *
ooh_numbers(struct hctx *ctx)
{
	const char	*p = ctx->app->cfg->emergency_numbers;
	char		*list = xstrdup("");
	size_t		 n;
	int		 count = 0;

	ooh_add_line(ctx, &list, "112", 3);
	while (*p != '\0' && count++ < OOH_NUMBERS_MAX) {
		n = strcspn(p, ";");
		ooh_add_line(ctx, &list, p, n);
		p += n;
		if (*p == ';')
			p++;
	}
	return list;
}

/* "w poniedziałek, 6 kwietnia, o 7:30" for t, in the sender's language. */
static char *
ooh_when(struct hctx *ctx, time_t t)
{
	struct tm	 tm;
	const char	*args[4];
	char		 wday[12], mon[12], day[12], hm[32];

	if (localtime_r(&t, &tm) == NULL)
		return NULL;
	snprintf(wday, sizeof wday, "%d", tm.tm_wday == 0 ? 7 : tm.tm_wday);
	snprintf(mon, sizeof mon, "%d", tm.tm_mon + 1);
	snprintf(day, sizeof day, "%d", tm.tm_mday);
	snprintf(hm, sizeof hm, "%d:%02d", tm.tm_hour, tm.tm_min);
	args[0] = i18n_pget(ctx->app->i18n, ctx->lang, "weekday-on", wday);
	args[1] = day;
	args[2] = i18n_pget(ctx->app->i18n, ctx->lang, "month-gen", mon);
	args[3] = hm;
	return reply_format(ctx, N_("%1$s, %2$s %3$s, at %4$s"), args, 4);
}

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
	const char	*args[2];
	char		*numbers, *when = NULL;
	time_t		 next;
	int		 rc;

	numbers = ooh_numbers(ctx);
	if (hours_next_open(ctx->app->hours, now, &next) == 0)
		when = ooh_when(ctx, next);
	if (when != NULL) {
		args[0] = when;
		args[1] = numbers;
		rc = reply_tr(ctx, N_("Thank you, your message has been passed "
		    "on. The office is closed now, so it will be read %s.\n\n"
		    "In an emergency, call:\n%s"), args, 2);
	} else {
		args[0] = numbers;
		rc = reply_tr(ctx, N_("Thank you, your message has been passed "
		    "on. The office is closed now; it will be read as soon as "
		    "possible.\n\nIn an emergency, call:\n%s"), args, 1);
	}
	free(numbers);
	free(when);
	return rc;
}

int
outofhours_notice(struct hctx *ctx)
{
	time_t	 now = clock_now();
	int64_t	 told_at;

	if (ctx->member_id == 0 || hours_is_open(ctx->app->hours, now))
		return 0;
	if (people_member_ooh_get(ctx->app->people, ctx->member_id,
	    &told_at) != PEOPLE_OK)
		return -1;
	if (ooh_told(ctx->app->hours, told_at, now))
		return 0;
	if (ooh_send(ctx, now) == -1 ||
	    people_member_ooh_set(ctx->app->people, ctx->member_id,
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
		    i18n_pget(ctx->app->i18n, ctx->lang, "weekday", a),
		    open / 60, open % 60, close / 60, close % 60);
	return xasprintf("%s–%s %d:%02d–%d:%02d",
	    i18n_pget(ctx->app->i18n, ctx->lang, "weekday", a),
	    i18n_pget(ctx->app->i18n, ctx->lang, "weekday", b),
	    open / 60, open % 60, close / 60, close % 60);
}

char *
outofhours_describe(struct hctx *ctx)
{
	char	*out = xstrdup(""), *run, *next;
	int	 d, e, o, c, o2, c2;

	for (d = 1; d <= 7; d = e + 1) {
		e = d;
		if (!hours_of_weekday(ctx->app->hours, d, &o, &c))
			continue;
		while (e < 7 && hours_of_weekday(ctx->app->hours, e + 1, &o2,
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
