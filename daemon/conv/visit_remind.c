/* Sending visit reminders when they are due, on the loop. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dispatch.h"
#include "ftext.h"
#include "log.h"
#include "people.h"
#include "phone.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "visit_remind.h"
#include "visits.h"
#include "xmalloc.h"

struct visit_remind {
	struct app		*app;
	struct event		*tick;
	struct visit_remind_stats st;
};

char *
visit_remind_text(const struct i18n *i, enum lang lang, time_t at,
    const char *assistant, const char *place, int sms)
{
	const char	*args[2];
	char		*when, *head, *text, *line;

	if ((when = ftext_when(i, lang, at, sms)) == NULL)
		return NULL;
	args[0] = when;
	if (sms) {
		/* TRANSLATORS: SMS reminder of a visit; %s is the date
		 * ("9.12 o 10:00"). Keep it in one part: GSM-7 where the
		 * language allows, no typographic dashes or quotes. */
		text = text_expand(i18n_pget(i, lang, "sms", NC_("sms",
		    "Reminder: visit %s. Reply 1 to confirm, 2 if you "
		    "cannot come.")), args, 1);
		free(when);
		return text;
	}
	/* TRANSLATORS: %s is "on Wednesday, 9 December, at 10:00". */
	head = text_expand(i18n_get(i, lang, N_("Reminder of your visit %s.")),
	    args, 1);
	free(when);
	if (assistant != NULL && *assistant != '\0') {
		args[0] = assistant;
		line = text_expand(i18n_get(i, lang,
		    N_("Your assistant: %s.")), args, 1);
		text = xasprintf("%s\n%s", head, line);
		free(line);
		free(head);
		head = text;
	}
	if (place != NULL && *place != '\0') {
		args[0] = place;
		line = text_expand(i18n_get(i, lang, N_("Place: %s")), args, 1);
		text = xasprintf("%s\n%s", head, line);
		free(line);
		free(head);
		head = text;
	}
	text = xasprintf("%s\n%s", head, i18n_get(i, lang,
	    N_("Please let us know if you can come.")));
	free(head);
	return text;
}

static enum lang
visit_remind_lang(const char *code)
{
	enum lang	 l;

	return lang_parse(code, &l) == 0 ? l : LANG_DEFAULT;
}

/* Whom a family's reminders and notices go to, on which channel. */
struct visit_remind_to {
	enum channel	 ch;		/* 0: nobody */
	int64_t		 member_id;
	int64_t		 chat_id;
	char		 phone[PHONE_MAX];
	enum lang	 lang;
};

/*
 * The family's channel: Telegram to a linked member, or SMS to a member
 * with a phone and consent (also when nobody is linked); the member's
 * language, else the family's.
 */
static int
visit_remind_target(struct app *app, int64_t family_id,
    struct visit_remind_to *to)
{
	struct family_brief	 fb;
	struct member_target	 tg, sms;
	char			 lcode[4] = "";
	int64_t			 chat = 0;
	int			 use_sms;

	memset(to, 0, sizeof *to);
	if (people_family_brief(app->people, family_id, &fb) != PEOPLE_OK ||
	    people_member_tg_target(app->people, family_id, 0, 0, &tg) !=
	    PEOPLE_OK || people_member_sms_target(app->people, family_id,
	    0, 0, &sms) != PEOPLE_OK)
		return -1;
	use_sms = strcmp(fb.channel, "sms") == 0 || tg.chat_id == 0;
	if (use_sms && (sms.member_id == 0 || sms.phone[0] == '\0' ||
	    !sms.consented || !sms_enabled(app->sms)))
		use_sms = 0;
	if (!use_sms && tg.chat_id == 0)
		return 0;
	to->ch = use_sms ? CHANNEL_SMS : CHANNEL_TELEGRAM;
	to->member_id = use_sms ? sms.member_id : tg.member_id;
	to->chat_id = use_sms ? 0 : tg.chat_id;
	if (use_sms)
		snprintf(to->phone, sizeof to->phone, "%s", sms.phone);
	if (people_member_reach(app->people, to->member_id, &chat, lcode) !=
	    PEOPLE_OK)
		lcode[0] = '\0';
	to->lang = visit_remind_lang(lcode[0] != '\0' ? lcode : fb.language);
	return 0;
}

/* Queues `o` (its text) to `to`; a refusal is logged and is not an error. */
static int
visit_remind_send(struct app *app, const struct visit_remind_to *to,
    struct out *o, const char *what, int64_t id)
{
	char	 why[128];
	int	 rc;

	o->kind = OUT_TEXT;
	o->prio = OUTBOX_PRIO_REMINDER;
	o->member_id = to->member_id;
	if (to->ch == CHANNEL_SMS)
		o->phone = to->phone;
	else
		o->chat_id = to->chat_id;
	rc = channel_queue(app->ob, app->cfg, to->ch, o, NULL, why,
	    sizeof why);
	if (rc == CHANNEL_REFUSED) {
		log_warn("event=%s.refused id=%" PRId64 " reason=\"%s\"", what,
		    id, why);
		return 1;
	}
	return rc;
}

/*
 * Queues reminder `r` of visit `v`; *ch the channel, 0 when nobody.
 * 1 (nothing queued) when the member turned reminders off.
 */
static int
visit_remind_queue(struct app *app, const struct reminder *r,
    const struct visit *v, int64_t *member, int *ch)
{
	struct visit_remind_to	 to;
	struct people_helpers	 h;
	struct out_button	 b[3];
	struct out		 o;
	char			 data[3][32], *text;
	int			 rc, on = 1;

	*member = 0;
	*ch = 0;
	if (visit_remind_target(app, v->family_id, &to) == -1)
		return -1;
	if (to.ch == 0)
		return 0;	/* nobody: the caller counts it */
	if (people_member_takes_reminders(app->people, to.member_id, &on) ==
	    PEOPLE_ERR)
		return -1;
	if (!on) {
		*member = to.member_id;
		return 1;
	}
	memset(&h, 0, sizeof h);
	if (people_family_helpers(app->people, v->family_id, &h) != PEOPLE_OK)
		memset(&h, 0, sizeof h);
	text = visit_remind_text(app->i18n, to.lang, (time_t)(v->at / 1000),
	    h.assistant_first, v->place, to.ch == CHANNEL_SMS);
	people_helpers_clear(&h);
	if (text == NULL)
		return -1;
	memset(&o, 0, sizeof o);
	o.text = text;
	o.cause = VISIT_REMIND_CAUSE;
	o.cause_id = r->id;
	if (to.ch == CHANNEL_TELEGRAM) {
		snprintf(data[0], sizeof data[0], VISIT_REMIND_CB "c:%" PRId64,
		    r->id);
		snprintf(data[1], sizeof data[1], VISIT_REMIND_CB "n:%" PRId64,
		    r->id);
		snprintf(data[2], sizeof data[2], VISIT_REMIND_CB "a:%" PRId64,
		    r->id);
		b[0].text = i18n_get(app->i18n, to.lang, N_("Confirm"));
		b[1].text = i18n_get(app->i18n, to.lang, N_("Cannot come"));
		b[2].text = i18n_get(app->i18n, to.lang, N_("Another time"));
		b[0].data = data[0];
		b[1].data = data[1];
		b[2].data = data[2];
		o.buttons = b;
		o.nbuttons = 3;
		o.cols = 1;
	}
	rc = visit_remind_send(app, &to, &o, "reminder", r->id);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		*member = to.member_id;
		*ch = (int)to.ch;
	}
	return 0;
}

int
visit_remind_sms_of(struct app *app, int64_t reminder_id, char **text)
{
	struct visit_remind_to	 to;
	struct reminder		 r;
	struct visit		 v;
	int			 rc;

	*text = NULL;
	if ((rc = visits_reminder_get(app->visits, reminder_id, &r)) !=
	    VISITS_OK)
		return rc == VISITS_NOT_FOUND ? 0 : -1;
	if ((rc = visits_get(app->visits, r.visit_id, &v)) != VISITS_OK)
		return rc == VISITS_NOT_FOUND ? 0 : -1;
	rc = -1;
	/* The language the reminder was said in: the family's reader's. */
	if (visit_remind_target(app, v.family_id, &to) == -1)
		goto out;
	if (to.ch == 0)
		to.lang = LANG_DEFAULT;
	if ((*text = visit_remind_text(app->i18n, to.lang,
	    (time_t)(v.at / 1000), NULL, NULL, 1)) == NULL)
		goto out;
	rc = 0;
out:
	visit_clear(&v);
	return rc;
}

char *
visit_remind_notice_text(const struct i18n *i, enum lang lang,
    time_t old_at, time_t new_at, int sms)
{
	const char	*args[2];
	char		*was, *now = NULL, *text;

	if ((was = ftext_when(i, lang, old_at, sms)) == NULL)
		return NULL;
	args[0] = was;
	if (new_at == 0) {
		text = text_expand(sms ? i18n_pget(i, lang, "sms",
		    NC_("sms", "Your visit %s is cancelled.")) :
		    i18n_get(i, lang, N_("Your visit %s has been cancelled.")),
		    args, 1);
		free(was);
		return text;
	}
	if ((now = ftext_when(i, lang, new_at, sms)) == NULL) {
		free(was);
		return NULL;
	}
	args[1] = now;
	/* TRANSLATORS: %1$s the old and %2$s the new date in words. */
	text = text_expand(sms ? i18n_pget(i, lang, "sms", NC_("sms",
	    "Your visit %1$s is moved: now %2$s.")) : i18n_get(i, lang,
	    N_("Your visit %1$s has been moved. It is now %2$s.")),
	    args, 2);
	free(was);
	free(now);
	return text;
}

int
visit_remind_notice(struct app *app, const struct visit *v, int64_t new_at)
{
	struct visit_remind_to	 to;
	struct out		 o;
	char			*text;
	int			 rc;

	if (visit_remind_target(app, v->family_id, &to) == -1)
		return -1;
	if (to.ch == 0)
		return 0;
	text = visit_remind_notice_text(app->i18n, to.lang,
	    (time_t)(v->at / 1000), (time_t)(new_at / 1000),
	    to.ch == CHANNEL_SMS);
	if (text == NULL)
		return -1;
	memset(&o, 0, sizeof o);
	o.text = text;
	o.cause = "visit_notice";
	o.cause_id = v->id;
	rc = visit_remind_send(app, &to, &o, "visit_notice", v->id);
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc != -1)
		dispatch_kick(app->disp);
	return rc == -1 ? -1 : 0;
}

static int
visit_remind_one(struct app *app, const struct reminder *r, int64_t now,
    struct visit_remind_stats *st)
{
	struct visit	 v;
	int64_t		 member = 0;
	int		 ch = 0, rc;
	enum reminder_state	 to;

	if ((rc = visits_get(app->visits, r->visit_id, &v)) != VISITS_OK)
		return rc == VISITS_NOT_FOUND ? 0 : -1;
	if (v.state != VISIT_PLANNED || v.at <= now) {
		to = REMINDER_VOID;
		st->voided++;
	} else if (now - r->due_at > VISIT_REMIND_LATE_MS &&
	    v.at - now <= VISIT_REMIND_AHEAD_MS) {
		to = REMINDER_DROPPED;
		st->dropped++;
		log_notice("event=reminder.dropped reminder_id=%" PRId64
		    " visit_id=%" PRId64 " late_s=%" PRId64, r->id, v.id,
		    (now - r->due_at) / 1000);
	} else if ((rc = visit_remind_queue(app, r, &v, &member, &ch)) ==
	    -1) {
		visit_clear(&v);
		return -1;
	} else if (rc == 1) {
		to = REMINDER_SKIPPED;
		st->skipped++;
		log_info("event=reminder.skipped reminder_id=%" PRId64
		    " visit_id=%" PRId64 " member_id=%" PRId64
		    " reason=reminders_off", r->id, v.id, member);
	} else {
		to = ch != 0 ? REMINDER_SENT : REMINDER_DROPPED;
		if (ch != 0) {
			st->sent++;
			log_info("event=reminder.queued reminder_id=%" PRId64
			    " visit_id=%" PRId64 " channel=%d", r->id, v.id,
			    ch);
		} else {
			st->unreachable++;
			log_warn("event=reminder.unreachable reminder_id=%"
			    PRId64 " visit_id=%" PRId64, r->id, v.id);
		}
	}
	visit_clear(&v);
	return visits_reminder_done(app->visits, r->id, to, member, ch, now) ==
	    VISITS_ERROR ? -1 : 0;
}

int
visit_remind_run(struct app *app, int64_t now, struct visit_remind_stats *st)
{
	struct reminder	*r = NULL;
	size_t		 n = 0, i;
	int64_t		 next;
	int		 rc = -1, found;

	/* Most passes find nothing: no write lock for them. */
	if (visits_reminder_next(app->visits, &next, &found) != VISITS_OK)
		return -1;
	if (!found || next > now)
		return 0;
	if (store_begin(app->st) == -1)
		return -1;
	if (visits_reminders_due(app->visits, now, VISIT_REMIND_BATCH, &r,
	    &n) != VISITS_OK)
		goto out;
	for (i = 0; i < n; i++)
		if (visit_remind_one(app, &r[i], now, st) == -1)
			goto out;
	if (store_commit(app->st) == -1)
		goto out;
	rc = (int)n;
out:
	if (rc == -1)
		store_rollback(app->st);
	free(r);
	if (rc > 0 && app->disp != NULL)
		dispatch_kick(app->disp);
	return rc;
}

/* The next pass: at the next due reminder, at most a tick away. */
static void
visit_remind_arm(struct visit_remind *vr, int now_again)
{
	struct timeval	 tv = { VISIT_REMIND_TICK_S, 0 };
	int64_t		 next, wait;
	int		 found;

	if (now_again)
		tv.tv_sec = 0;
	else if (visits_reminder_next(vr->app->visits, &next, &found) ==
	    VISITS_OK && found) {
		wait = next - clock_now_ms();
		if (wait < 0)
			wait = 0;
		if (wait < VISIT_REMIND_TICK_S * 1000) {
			tv.tv_sec = (time_t)(wait / 1000);
			tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
		}
	}
	evtimer_add(vr->tick, &tv);
}

static void
visit_remind_tick(evutil_socket_t fd, short what, void *arg)
{
	struct visit_remind	*vr = arg;
	int			 n;

	(void)fd;
	(void)what;
	n = visit_remind_run(vr->app, clock_now_ms(), &vr->st);
	if (n == -1)
		log_warn("event=reminder.pass_failed");
	/* A full batch: more are due, go again at once. */
	visit_remind_arm(vr, n == VISIT_REMIND_BATCH);
}

void
visit_remind_kick(struct visit_remind *vr)
{
	if (vr != NULL)
		visit_remind_arm(vr, 0);
}

struct visit_remind *
visit_remind_new(struct app *app)
{
	struct visit_remind	*vr;
	struct timeval		 tv = { 0, 0 };

	vr = xcalloc(1, sizeof *vr);
	vr->app = app;
	if ((vr->tick = evtimer_new(app->base, visit_remind_tick, vr)) ==
	    NULL || evtimer_add(vr->tick, &tv) == -1) {
		visit_remind_free(vr);
		return NULL;
	}
	return vr;
}

void
visit_remind_free(struct visit_remind *vr)
{
	if (vr == NULL)
		return;
	if (vr->tick != NULL)
		event_free(vr->tick);
	free(vr);
}
