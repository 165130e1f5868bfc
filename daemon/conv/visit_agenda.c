/* The morning agenda of each assistant's visits, at the opening hour. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "caltime.h"
#include "clock.h"
#include "conv.h"
#include "crypto.h"
#include "dispatch.h"
#include "hours.h"
#include "log.h"
#include "people.h"
#include "relay.h"
#include "reply.h"
#include "store.h"
#include "visit_agenda.h"
#include "visits.h"
#include "xmalloc.h"

#define VISIT_AGENDA_META	"visit_agenda_day"	/* YYYYMMDD sent */
#define VISIT_AGENDA_RETRY_S	600

struct visit_agenda {
	struct app	*app;
	struct event	*ev;
};

/* The first name of the family's contact (who is written to). */
static void
visit_agenda_first(struct app *app, int64_t family_id, char *buf, size_t len)
{
	struct member_target	 t;

	buf[0] = '\0';
	if (people_member_tg_target(app->people, family_id, 0, 0, &t) !=
	    PEOPLE_OK || t.member_id == 0) {
		if (people_member_sms_target(app->people, family_id, 0, 0,
		    &t) != PEOPLE_OK)
			return;
	}
	if (t.member_id != 0 && conv_member_first_name(app->conv, t.member_id,
	    buf, len) == -1)
		buf[0] = '\0';
}

/* One line: "10:00 · R-0042 · Olena · ul. Długa 5 · confirmed". */
static char *
visit_agenda_line(struct app *app, enum lang lang, const struct visit *v,
    int64_t evening)
{
	struct family_brief	 fb;
	struct tm		 tm;
	char			 first[64], hm[8] = "?";
	const char		*mark;

	if (caltime_local((time_t)(v->at / 1000), &tm) == 0)
		snprintf(hm, sizeof hm, "%02d:%02d", tm.tm_hour, tm.tm_min);
	if (people_family_brief(app->people, v->family_id, &fb) != PEOPLE_OK)
		snprintf(fb.code, sizeof fb.code, "?");
	visit_agenda_first(app, v->family_id, first, sizeof first);
	mark = v->answer == VISIT_NO_ANSWER && v->created_at < evening ?
	    " ⚠" : "";
	return xasprintf("%s · %s%s%s%s%s · %s%s", hm, fb.code,
	    first[0] != '\0' ? " · " : "", first,
	    v->place != NULL ? " · " : "", v->place != NULL ? v->place : "",
	    i18n_get(app->i18n, lang, visits_answer_label(v->answer)), mark);
}

/* "poniedziałek, 7 grudnia": the day, from the catalog's forms. */
static char *
visit_agenda_date(const struct i18n *i, enum lang lang, time_t t)
{
	struct tm	 tm;
	char		 wday[12], mon[12];

	if (caltime_local(t, &tm) == -1)
		return xstrdup("");
	snprintf(wday, sizeof wday, "%d", tm.tm_wday == 0 ? 7 : tm.tm_wday);
	snprintf(mon, sizeof mon, "%d", tm.tm_mon + 1);
	return xasprintf("%s, %d %s", i18n_pget(i, lang, "weekday", wday),
	    tm.tm_mday, i18n_pget(i, lang, "month-gen", mon));
}

/* The agenda of one assistant: visits a[from..to), all theirs. */
static int
visit_agenda_send(struct app *app, int64_t staff_id, const struct visit *a,
    size_t n, time_t day, int64_t evening)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = "agenda" };
	struct conv_staff	 st;
	const char		*args[1];
	char			*when, *text, *line, *next;
	size_t			 i;
	int			 found, rc, marked = 0;

	if (conv_staff(app->conv, staff_id, &st, &found) == -1)
		return -1;
	if (!found || !st.active || st.chat_id == 0)
		return 0;
	when = visit_agenda_date(app->i18n, st.lang, day);
	args[0] = when;
	text = text_expand(i18n_get(app->i18n, st.lang,
	    N_("Your visits today (%s):")), args, 1);
	free(when);
	for (i = 0; i < n; i++) {
		if (a[i].answer == VISIT_NO_ANSWER && a[i].created_at <
		    evening)
			marked++;
		line = visit_agenda_line(app, st.lang, &a[i], evening);
		next = xasprintf("%s\n%s", text, line);
		free(line);
		free(text);
		text = next;
	}
	if (marked > 0) {
		next = xasprintf("%s\n⚠ %s", text, i18n_get(app->i18n,
		    st.lang, N_("no answer since the evening before")));
		free(text);
		text = next;
	}
	rc = relay_send_text(app->ob, app->cfg, st.chat_id, text, &o);
	explicit_bzero(text, strlen(text));
	free(text);
	return rc == -1 ? -1 : 1;
}

static int
visit_agenda_cmp(const void *x, const void *y)
{
	const struct visit	*a = x, *b = y;

	if (a->staff_id != b->staff_id)
		return a->staff_id < b->staff_id ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

int
visit_agenda_run(struct app *app, time_t now, size_t *sent)
{
	struct visit_filter	 f;
	struct visit		*a = NULL;
	struct tm		 tm;
	time_t			 start, end, eve;
	int64_t			 done = 0, today;
	size_t			 n = 0, i, j;
	int			 y, mon, d, found, rc = -1, r;

	*sent = 0;
	if (caltime_local(now, &tm) == -1)
		return -1;
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	today = (int64_t)y * 10000 + mon * 100 + d;
	if (store_meta_get(app->st, VISIT_AGENDA_META, &done, &found) == -1)
		return -1;
	if (found && done >= today)
		return 0;
	if (caltime_make(y, mon, d, 0, 0, &start) != CALTIME_OK)
		start = now - (tm.tm_hour * 3600 + tm.tm_min * 60);
	caltime_add_days(&y, &mon, &d, 1);
	if (caltime_make(y, mon, d, 0, 0, &end) != CALTIME_OK)
		end = start + 86400;
	caltime_add_days(&y, &mon, &d, -2);
	if (caltime_make(y, mon, d, VISIT_AGENDA_EVENING_H, 0, &eve) !=
	    CALTIME_OK)
		eve = start - 6 * 3600;
	memset(&f, 0, sizeof f);
	f.from = (int64_t)start * 1000;
	f.to = (int64_t)end * 1000;
	f.planned_only = 1;
	if (store_begin(app->st) == -1)
		return -1;
	if (visits_list(app->visits, &f, &a, &n) != VISITS_OK)
		goto out;
	if (n > 1)
		qsort(a, n, sizeof *a, visit_agenda_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && a[j].staff_id == a[i].staff_id; j++)
			;
		if (a[i].staff_id == 0)
			continue;
		if ((r = visit_agenda_send(app, a[i].staff_id, a + i, j - i,
		    now, (int64_t)eve * 1000)) == -1)
			goto out;
		*sent += (size_t)r;
	}
	if (store_meta_set(app->st, VISIT_AGENDA_META, today) == -1 ||
	    store_commit(app->st) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		store_rollback(app->st);
		*sent = 0;
	}
	visits_list_free(a, n);
	if (rc == 0 && *sent > 0) {
		log_info("event=visit.agenda assistants=%zu visits=%zu", *sent,
		    n);
		dispatch_kick(app->disp);
	}
	return rc;
}

/* The next opening; today's when it is still ahead or now open. */
static void
visit_agenda_arm(struct visit_agenda *va)
{
	struct timeval	 tv = { VISIT_AGENDA_RETRY_S, 0 };
	time_t		 now = clock_now(), next;

	if (hours_next_open(va->app->hours, now, &next) == 0 && next > now)
		tv.tv_sec = next - now;
	evtimer_add(va->ev, &tv);
}

static void
visit_agenda_fire(evutil_socket_t fd, short what, void *arg)
{
	struct visit_agenda	*va = arg;
	size_t			 sent;
	time_t			 now = clock_now();

	(void)fd;
	(void)what;
	/* Only while the centre is open: a start at night waits. */
	if (hours_is_open(va->app->hours, now) &&
	    visit_agenda_run(va->app, now, &sent) == -1)
		log_warn("event=visit.agenda_failed");
	visit_agenda_arm(va);
}

struct visit_agenda *
visit_agenda_new(struct app *app)
{
	struct visit_agenda	*va;
	struct timeval		 tv = { 1, 0 };

	va = xcalloc(1, sizeof *va);
	va->app = app;
	/* Soon after start: a restart during office hours sends today's. */
	if ((va->ev = evtimer_new(app->base, visit_agenda_fire, va)) ==
	    NULL || evtimer_add(va->ev, &tv) == -1) {
		visit_agenda_free(va);
		return NULL;
	}
	return va;
}

void
visit_agenda_free(struct visit_agenda *va)
{
	if (va == NULL)
		return;
	if (va->ev != NULL)
		event_free(va->ev);
	free(va);
}
