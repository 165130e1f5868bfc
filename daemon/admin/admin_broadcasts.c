/*
 * /v1/broadcasts: a notice (or texts written for the occasion) to the
 * families a target matches. Creating one makes a draft and answers its
 * preview: recipients per language and channel, who is skipped and why,
 * the SMS parts and their cost, how long Telegram's limit makes it take.
 * Sending hands the draft to conv/broadcast.c, which queues it in slices;
 * a monthly SMS budget refuses a send that would exceed it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "admin_notice_priv.h"
#include "admin_priv.h"
#include "app.h"
#include "broadcast.h"
#include "broadcasts.h"
#include "caltime.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "i18n.h"
#include "outbox.h"
#include "people.h"
#include "sms.h"
#include "sms_text.h"
#include "smsmonth.h"
#include "store.h"
#include "validate.h"
#include "visits.h"
#include "xmalloc.h"

#define BC_TG_PER_SECOND	30	/* Telegram's limit for a bot */

static const char *const bc_state_names[] = {
	[BC_DRAFT] = "draft",
	[BC_SENDING] = "sending",
	[BC_DONE] = "done",
	[BC_CANCELLED] = "cancelled",
	[BC_PREPARING] = "preparing",
};

static cJSON	*bc_json(const struct bc *b);

static const char *
bc_state_name(enum bc_state st)
{
	return (unsigned)st < sizeof bc_state_names / sizeof
	    bc_state_names[0] ? bc_state_names[st] : "?";
}

/* What the target says; 0 / NULL / "": any. */
struct bc_target {
	struct family_filter	 f;
	const char		*group;
	const char		*enrolled_from;
	const char		*enrolled_until;
	int64_t			 visit_from;	/* ms, local midnight; 0: any */
	int64_t			 visit_to;	/* ms, the next midnight */
	int			 all;
};

/*
 * A local date as the ms of its midnight, or of the next day's when
 * `next` (an "until" date includes its day).
 */
static int
bc_local_day(struct areq *r, const char *key, const char *s, int next,
    int64_t *ms)
{
	time_t	 t;
	int	 y, mon, d;

	if (s == NULL)
		return 0;
	if (caltime_parse_date(s, &y, &mon, &d) != 0)
		return admin_error(r, 422, "invalid", "%s: a date YYYY-MM-DD",
		    key);
	if (next)
		caltime_add_days(&y, &mon, &d, 1);
	if (caltime_make(y, mon, d, 0, 0, &t) != CALTIME_OK)
		return admin_error(r, 422, "invalid", "%s: a date YYYY-MM-DD",
		    key);
	*ms = (int64_t)t * 1000;
	return 0;
}

static int
bc_target_body(struct areq *r, const cJSON *t, struct bc_target *bt)
{
	static const struct admin_field spec[] = {
		{ "all", ADMIN_FT_BOOL, 0 },
		{ "programme", ADMIN_FT_INT, 0 },
		{ "group", ADMIN_FT_STRING, 0 },
		{ "language", ADMIN_FT_STRING, 0 },
		{ "channel", ADMIN_FT_STRING, 0 },
		{ "assistant", ADMIN_FT_INT, 0 },
		{ "enrolled_from", ADMIN_FT_STRING, 0 },
		{ "enrolled_until", ADMIN_FT_STRING, 0 },
		{ "visit_from", ADMIN_FT_STRING, 0 },
		{ "visit_until", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	int	 st;

	memset(bt, 0, sizeof *bt);
	if ((st = admin_fields(r, t, spec)) != 0)
		return st;
	if (t->child == NULL)
		return admin_error(r, 422, "invalid", "target: name at least "
		    "one of programme, group, language, channel, assistant, "
		    "enrolled_from, enrolled_until, visit_from, visit_until "
		    "(or all)");
	/* Families with a planned visit in a range of local dates. */
	if ((st = bc_local_day(r, "target.visit_from", admin_str(t,
	    "visit_from"), 0, &bt->visit_from)) != 0 ||
	    (st = bc_local_day(r, "target.visit_until", admin_str(t,
	    "visit_until"), 1, &bt->visit_to)) != 0)
		return st;
	if ((bt->visit_from != 0 || bt->visit_to != 0) &&
	    bt->visit_from == 0)
		bt->visit_from = clock_now_ms();
	if (bt->visit_from != 0 && bt->visit_to == 0)
		bt->visit_to = INT64_MAX;
	if (bt->visit_from != 0 && bt->visit_to <= bt->visit_from)
		return admin_error(r, 422, "invalid", "target: visit_until "
		    "is before visit_from");
	bt->all = cJSON_IsTrue(admin_get(t, "all"));
	bt->f.programme_id = admin_int(t, "programme", 0);
	bt->f.assistant_id = admin_int(t, "assistant", 0);
	bt->f.language = admin_str(t, "language");
	bt->f.channel = admin_str(t, "channel");
	bt->group = admin_str(t, "group");
	bt->enrolled_from = admin_str(t, "enrolled_from");
	bt->enrolled_until = admin_str(t, "enrolled_until");
	if ((st = admin_enum_ok(r, "target.language", bt->f.language,
	    validate_lang)) != 0 || (st = admin_enum_ok(r, "target.channel",
	    bt->f.channel, validate_channel)) != 0 || (st = admin_enum_ok(r,
	    "target.enrolled_from", bt->enrolled_from, validate_date)) != 0 ||
	    (st = admin_enum_ok(r, "target.enrolled_until", bt->enrolled_until,
	    validate_date)) != 0)
		return st;
	if (bt->group != NULL && bt->f.programme_id == 0)
		return admin_error(r, 422, "invalid", "target: a group needs "
		    "its programme");
	return 0;
}

/* Group and enrolment dates, which the family list does not filter. */
static int
bc_enrolled(struct areq *r, const struct bc_target *bt, int64_t fid,
    int *match)
{
	struct enrolment	*e = NULL;
	size_t			 n = 0, i;

	*match = bt->group == NULL && bt->enrolled_from == NULL &&
	    bt->enrolled_until == NULL;
	if (*match)
		return 0;
	if (people_enrolment_list(r->app->people, fid, bt->f.programme_id,
	    &e, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	for (i = 0; i < n && !*match; i++) {
		if (e[i].until[0] != '\0')
			continue;
		if (bt->group != NULL && (e[i].group == NULL ||
		    strcmp(e[i].group, bt->group) != 0))
			continue;
		if (bt->enrolled_from != NULL &&
		    strcmp(e[i].from, bt->enrolled_from) < 0)
			continue;
		if (bt->enrolled_until != NULL &&
		    strcmp(e[i].from, bt->enrolled_until) > 0)
			continue;
		*match = 1;
	}
	people_enrolment_list_free(e, n);
	return 0;
}

static int
bc_id_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The families the target matches: a new array of ids (free()). */
static int
bc_match(struct areq *r, const struct bc_target *bt, int64_t **ids,
    size_t *n)
{
	struct family	*fs = NULL;
	int64_t		*vf = NULL;
	size_t		 nf = 0, nv = 0, i;
	int		 st, match, rc;

	*ids = NULL;
	*n = 0;
	if (bt->visit_from != 0) {
		if (visits_families_between(r->app->visits, bt->visit_from,
		    bt->visit_to, &vf, &nv) != VISITS_OK)
			return admin_error(r, 500, "internal", "storage error");
		if (nv > 0)
			qsort(vf, nv, sizeof *vf, bc_id_cmp);
	}
	rc = people_family_list(r->app->people, &bt->f, &fs, &nf);
	if (rc != PEOPLE_OK) {
		free(vf);
		return admin_people_err(r, rc, "programme or assistant");
	}
	*ids = xcalloc(nf + 1, sizeof **ids);
	for (i = 0; i < nf; i++) {
		if ((st = bc_enrolled(r, bt, fs[i].id, &match)) != 0) {
			people_family_list_free(fs, nf);
			free(vf);
			return st;
		}
		if (match && bt->visit_from != 0)
			match = nv > 0 && bsearch(&fs[i].id, vf, nv,
			    sizeof *vf, bc_id_cmp) != NULL;
		/* A coordinator reaches the families of their programmes. */
		if (match && (match = admin_family_visible(r, fs[i].id)) ==
		    -1) {
			people_family_list_free(fs, nf);
			free(vf);
			return admin_error(r, 500, "internal", "storage error");
		}
		if (match)
			(*ids)[(*n)++] = fs[i].id;
	}
	people_family_list_free(fs, nf);
	free(vf);
	if (*n == 0)
		return admin_error(r, 422, "invalid", "the target matches no "
		    "family");
	return 0;
}

/* Texts written for this broadcast, as a template without an id. */
static int
bc_texts_tpl(struct areq *r, const cJSON *texts, struct ntpl *t)
{
	int	 st, l;

	memset(t, 0, sizeof *t);
	if ((st = an_texts_body(r, texts, &t->row)) != 0)
		return st;
	for (l = 0; l < LANG_COUNT; l++) {
		t->text[l] = t->row.text[l];
		t->sms[l] = t->row.sms[l];
	}
	return 0;
}

/* What a draft adds up to, for its preview. */
struct bc_sum {
	int64_t		 per[LANG_COUNT][3];	/* [lang][channel] */
	int64_t		 skipped[3];		/* opted out, no consent,
						   unreachable */
	int64_t		 missing[LANG_COUNT];	/* recipients without text */
	int64_t		 tg, sms, parts;
	int		 used[LANG_COUNT];
};

static int
bc_skip_index(const char *why)
{
	if (strcmp(why, "opted_out") == 0)
		return 0;
	if (strcmp(why, "no_consent") == 0)
		return 1;
	return 2;
}

static int
bc_lang_ok(const struct ntpl *t, enum lang l, int sms)
{
	return t->text[l] != NULL && (!sms || t->sms[l] != NULL);
}

/* The cost of `parts` in zł, rounded to the grosz. */
static double
bc_zl(int64_t parts, double price)
{
	return (double)(int64_t)(parts * price * 100 + 0.5) / 100;
}

static cJSON *
bc_preview_json(const struct bc_sum *s, const struct nrender *nr,
    const struct config *cfg)
{
	cJSON	*o = cJSON_CreateObject(), *by, *one, *sk, *sm;
	int	 l;

	by = cJSON_AddObjectToObject(o, "recipients");
	sm = cJSON_AddObjectToObject(o, "sms");
	for (l = 0; l < LANG_COUNT; l++) {
		if (!s->used[l])
			continue;
		one = cJSON_AddObjectToObject(by, lang_code((enum lang)l));
		admin_add_int(one, "telegram", s->per[l][CHANNEL_TELEGRAM]);
		admin_add_int(one, "sms", s->per[l][CHANNEL_SMS]);
		if (nr[l].sms == NULL || s->per[l][CHANNEL_SMS] == 0)
			continue;
		one = cJSON_AddObjectToObject(sm, lang_code((enum lang)l));
		admin_add_str(one, "encoding", nr[l].cnt.coding ==
		    SMS_CODING_GSM7 ? "GSM-7" : "UCS-2");
		admin_add_int(one, "parts", (int64_t)nr[l].cnt.parts);
	}
	sk = cJSON_AddObjectToObject(o, "skipped");
	admin_add_int(sk, "opted_out", s->skipped[0]);
	admin_add_int(sk, "no_consent", s->skipped[1]);
	admin_add_int(sk, "unreachable", s->skipped[2]);
	admin_add_int(o, "sms_parts", s->parts);
	cJSON_AddNumberToObject(o, "sms_cost", bc_zl(s->parts,
	    cfg->sms_price_per_part));
	admin_add_int(o, "seconds", (s->tg + BC_TG_PER_SECOND - 1) /
	    BC_TG_PER_SECOND);
	return o;
}

/*
 * One family of a draft: its recipient row, checked and counted; a
 * family whose language has no text (and no fallback) is only counted.
 */
static int
bc_draft_one(struct areq *r, const struct ntpl *t,
    const struct notice_params *p, enum lang fallback, int64_t bid,
    int64_t fid, struct nrender *nr, struct bc_sum *s)
{
	struct nrcpt	 rc;
	struct bc_rcpt	 br;
	int		 st;

	if ((st = an_recipient(r, fid, &rc)) != 0)
		return st;
	memset(&br, 0, sizeof br);
	br.family_id = fid;
	br.member_id = rc.member_id;
	br.channel = rc.ch;
	if (rc.skip == NULL && !bc_lang_ok(t, rc.lang, rc.ch == CHANNEL_SMS)) {
		if (fallback != LANG_COUNT && bc_lang_ok(t, fallback,
		    rc.ch == CHANNEL_SMS))
			rc.lang = fallback;
		else {
			s->missing[rc.lang]++;
			return 0;
		}
	}
	(void)snprintf(br.lang, sizeof br.lang, "%s", lang_code(rc.lang));
	if (rc.skip != NULL) {
		br.state = BC_R_SKIPPED;
		(void)snprintf(br.reason, sizeof br.reason, "%s", rc.skip);
		s->skipped[bc_skip_index(rc.skip)]++;
	} else {
		if ((st = an_render_lang(r, t, rc.lang, p, &nr[rc.lang])) != 0)
			return st;
		if (rc.ch == CHANNEL_SMS && nr[rc.lang].cnt.over_cap)
			return admin_error(r, 422, "invalid", "%s SMS text: "
			    "%zu parts, limit %u", lang_code(rc.lang),
			    nr[rc.lang].cnt.parts, nr[rc.lang].cnt.max_parts);
		s->used[rc.lang] = 1;
		s->per[rc.lang][rc.ch]++;
		if (rc.ch == CHANNEL_SMS) {
			s->sms++;
			s->parts += (int64_t)nr[rc.lang].cnt.parts;
		} else
			s->tg++;
	}
	if (bc_rcpt_add(r->app->broadcasts, bid, &br) == -1)
		return admin_error(r, 500, "internal", "storage error");
	return 0;
}

/* Every family written: the checks over all, the texts, the preview. */
static int
bc_draft_finish(struct areq *r, int64_t bid, const struct nrender *nr,
    const struct bc_sum *s, cJSON **preview)
{
	int	 l;

	for (l = 0; l < LANG_COUNT; l++)
		if (s->missing[l] > 0)
			return admin_error(r, 422, "invalid", "no %s text for "
			    "%" PRId64 " families; add it, or name a fallback "
			    "language", lang_code((enum lang)l), s->missing[l]);
	for (l = 0; l < LANG_COUNT; l++)
		if (nr[l].text != NULL && bc_text_add(r->app->broadcasts, bid,
		    lang_code((enum lang)l), nr[l].text, nr[l].sms) == -1)
			return admin_error(r, 500, "internal", "storage error");
	if (s->tg + s->sms == 0)
		return admin_error(r, 422, "invalid", "every family the target "
		    "matches is skipped");
	if (bc_set_parts(r->app->broadcasts, bid, s->parts) == -1)
		return admin_error(r, 500, "internal", "storage error");
	*preview = bc_preview_json(s, nr, r->app->cfg);
	admin_add_int(*preview, "id", bid);
	return 0;
}

/* The draft: recipients checked, texts rendered; nothing queued yet. */
static int
bc_draft(struct areq *r, const struct ntpl *t, const struct notice_params *p,
    enum lang fallback, const int64_t *ids, size_t n, cJSON **preview)
{
	struct nrender	 nr[LANG_COUNT];
	struct bc_sum	 s;
	int64_t		 bid;
	size_t		 i;
	int		 st = 0, l;

	memset(nr, 0, sizeof nr);
	memset(&s, 0, sizeof s);
	if (bc_create(r->app->broadcasts, t->row.id, t->row.version, 0,
	    &bid) == -1)
		return admin_error(r, 500, "internal", "storage error");
	for (i = 0; i < n && st == 0; i++)
		st = bc_draft_one(r, t, p, fallback, bid, ids[i], nr, &s);
	if (st == 0)
		st = bc_draft_finish(r, bid, nr, &s, preview);
	for (l = 0; l < LANG_COUNT; l++)
		an_render_clear(&nr[l]);
	return st;
}

/* ---- drafts of many families, prepared in slices --------------------- */

/*
 * A draft of more than BC_PREP_SLICE families is written a slice a turn
 * of the loop, each in its own transaction, as the import commits (see
 * admin_import.c): state "preparing" until the last slice makes it a
 * draft. One at a time. What went wrong, or the preview, is kept in
 * memory for `show`; a restart gives up a draft still preparing.
 */
#define BC_PREP_SLICE	1000	/* families per transaction */

static struct {
	struct app	*app;
	struct event	*ev;
	int64_t		 id;		/* preparing now; 0: none */
	struct ntpl	 t;
	struct nparams	 np;
	char		*vals[NOTICE_PARAMS_MAX];
	enum lang	 fallback;
	int64_t		*ids;
	size_t		 n, done;
	struct nrender	 nr[LANG_COUNT];
	struct bc_sum	 s;
	uid_t		 uid;
	int64_t		 last_id;	/* the last one finished */
	cJSON		*preview;	/* its preview, or NULL */
	char		 error[256];	/* or why it was given up */
} prep;

static void
bc_prep_clear(void)
{
	size_t	 i;
	int	 l;

	for (l = 0; l < LANG_COUNT; l++)
		an_render_clear(&prep.nr[l]);
	for (i = 0; i < NOTICE_PARAMS_MAX; i++) {
		free(prep.vals[i]);
		prep.vals[i] = NULL;
	}
	an_tpl_clear(&prep.t);
	free(prep.ids);
	prep.ids = NULL;
	prep.id = 0;
}

/* The request's template, parameters and families become the job's. */
static void
bc_prep_take(struct areq *r, struct ntpl *t, const struct nparams *np,
    enum lang fallback, int64_t *ids, size_t n, int64_t bid)
{
	size_t	 i;

	prep.app = r->app;
	prep.uid = r->uid;
	prep.id = bid;
	prep.t = *t;
	memset(t, 0, sizeof *t);
	memset(&prep.np, 0, sizeof prep.np);
	for (i = 0; i < np->p.n; i++) {
		(void)snprintf(prep.np.keys[i], sizeof prep.np.keys[i], "%s",
		    np->p.p[i].key);
		prep.vals[i] = xstrdup(np->p.p[i].value);
		prep.np.p.p[i].key = prep.np.keys[i];
		prep.np.p.p[i].value = prep.vals[i];
	}
	prep.np.p.n = np->p.n;
	prep.fallback = fallback;
	prep.ids = ids;
	prep.n = n;
	prep.done = 0;
	memset(prep.nr, 0, sizeof prep.nr);
	memset(&prep.s, 0, sizeof prep.s);
}

/* Gives the draft up: cancelled, with the reason kept for `show`. */
static void
bc_prep_fail(const char *why)
{
	struct app	*app = prep.app;

	(void)snprintf(prep.error, sizeof prep.error, "%s", why);
	prep.last_id = prep.id;
	/* The reason may name a family: `show` has it, not the log. */
	log_warn("event=broadcast.prepare_failed broadcast_id=%" PRId64
	    " families=%zu prepared=%zu", prep.id, prep.n, prep.done);
	if (store_begin(app->st) == 0) {
		if (bc_cancel_pending(app->broadcasts, prep.id) == 0 &&
		    bc_set_state(app->broadcasts, prep.id, BC_CANCELLED,
		    clock_now()) == 0 && store_commit(app->st) == 0)
			goto out;
		store_rollback(app->st);
	}
	log_err("event=broadcast.prepare_cancel_failed broadcast_id=%" PRId64,
	    prep.id);
out:
	bc_prep_clear();
}

/*
 * One slice in its own transaction: 1 when the draft is ready, 0 when
 * more is left, -1 when it was given up (the reason in q->msg).
 */
static int
bc_prep_slice(struct areq *q, cJSON **preview)
{
	struct app	*app = prep.app;
	struct bc	 b;
	size_t		 end = prep.done + BC_PREP_SLICE;
	int		 st = 0;

	if (end > prep.n)
		end = prep.n;
	if (store_begin(app->st) == -1)
		return admin_error(q, 500, "internal", "storage error"), -1;
	/* Cancelled meanwhile: nothing more to write. */
	if (bc_get(app->broadcasts, prep.id, &b) != 0 ||
	    b.state != BC_PREPARING) {
		store_rollback(app->st);
		(void)snprintf(q->msg, sizeof q->msg, "cancelled while "
		    "preparing");
		return -1;
	}
	for (; prep.done < end && st == 0; prep.done++)
		st = bc_draft_one(q, &prep.t, &prep.np.p, prep.fallback,
		    prep.id, prep.ids[prep.done], prep.nr, &prep.s);
	if (st == 0 && prep.done == prep.n && (st = bc_draft_finish(q,
	    prep.id, prep.nr, &prep.s, preview)) == 0 &&
	    bc_set_state(app->broadcasts, prep.id, BC_DRAFT, 0) == -1)
		st = admin_error(q, 500, "internal", "storage error");
	if (st != 0) {
		store_rollback(app->st);
		return -1;
	}
	if (store_commit(app->st) == -1) {
		(void)snprintf(q->msg, sizeof q->msg, "storage error");
		return -1;
	}
	return prep.done == prep.n ? 1 : 0;
}

static void
bc_prep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 now = { 0, 0 };
	struct areq	 q;
	cJSON		*preview = NULL;
	int		 rc;

	(void)fd;
	(void)what;
	(void)arg;
	if (prep.id == 0)
		return;
	/* The checks speak to a request: this one only collects why. */
	memset(&q, 0, sizeof q);
	q.app = prep.app;
	q.uid = prep.uid;
	q.role = ADMIN_ROLE_ADMIN;
	rc = bc_prep_slice(&q, &preview);
	cJSON_Delete(q.out);
	cJSON_Delete(q.details);
	if (rc == -1) {
		cJSON_Delete(preview);
		bc_prep_fail(q.msg[0] != '\0' ? q.msg : "storage error");
		return;
	}
	if (rc == 0) {
		if (evtimer_add(prep.ev, &now) == -1)
			bc_prep_fail("cannot schedule a slice");
		return;
	}
	log_notice("event=broadcast.prepared broadcast_id=%" PRId64
	    " families=%zu", prep.id, prep.n);
	cJSON_Delete(prep.preview);
	prep.preview = preview;
	prep.last_id = prep.id;
	prep.error[0] = '\0';
	bc_prep_clear();
}

/* Starts preparing draft `bid` of `n` families; 0, or the HTTP status. */
static int
bc_prep_start(struct areq *r, struct ntpl *t, const struct nparams *np,
    enum lang fallback, int64_t *ids, size_t n, int64_t bid)
{
	struct timeval	 now = { 0, 0 };

	if (prep.ev == NULL && (prep.ev = evtimer_new(r->app->base,
	    bc_prep_cb, NULL)) == NULL)
		return admin_error(r, 500, "internal", "cannot prepare the "
		    "draft");
	if (evtimer_add(prep.ev, &now) == -1)
		return admin_error(r, 500, "internal", "cannot prepare the "
		    "draft");
	bc_prep_take(r, t, np, fallback, ids, n, bid);
	return 0;
}

/* What `show` adds about a draft being or just prepared. */
static void
bc_prep_json(const struct bc *b, cJSON *o)
{
	cJSON	*it;

	if (b->id == prep.id) {
		admin_add_int(o, "families", (int64_t)prep.n);
		admin_add_int(o, "prepared", (int64_t)prep.done);
		return;
	}
	if (b->id != prep.last_id)
		return;
	if (prep.error[0] != '\0' && b->state == BC_CANCELLED)
		admin_add_str(o, "error", prep.error);
	if (prep.preview == NULL || b->state != BC_DRAFT)
		return;
	/* What creating a small draft answers at once. */
	it = cJSON_Duplicate(prep.preview, 1);
	admin_add_str(it, "state", "draft");
	cJSON_AddItemToObject(o, "preview", it);
}

void
admin_broadcast_start(struct app *app)
{
	int64_t	 n = 0;

	/* What was preparing when the process ended is given up. */
	if (store_begin(app->st) == -1)
		goto fail;
	if (bc_abandon_preparing(app->broadcasts, clock_now(), &n) == -1) {
		store_rollback(app->st);
		goto fail;
	}
	if (store_commit(app->st) == -1)
		goto fail;
	if (n > 0)
		log_notice("event=broadcast.prepare_abandoned drafts=%" PRId64,
		    n);
	return;
fail:
	log_err("event=broadcast.prepare_abandon_failed");
}

void
admin_broadcast_stop(void)
{
	if (prep.ev != NULL)
		event_free(prep.ev);
	prep.ev = NULL;
	bc_prep_clear();
	cJSON_Delete(prep.preview);
	prep.preview = NULL;
}

/*
 * A draft of many families: made "preparing" now, written in slices
 * after this answer (202); `show` tells when it is ready.
 */
static int
bc_create_big(struct areq *r, struct ntpl *t, const struct nparams *np,
    enum lang fallback, int64_t **ids, size_t n)
{
	struct bc	 b;
	int64_t		 bid;
	cJSON		*o;
	int		 st;

	if (prep.id != 0)
		return admin_error(r, 409, "conflict", "draft %" PRId64 " is "
		    "being prepared (%zu of %zu families); try again when it "
		    "is ready", prep.id, prep.done, prep.n);
	if (bc_create(r->app->broadcasts, t->row.id, t->row.version, 0,
	    &bid) == -1 || bc_set_state(r->app->broadcasts, bid,
	    BC_PREPARING, 0) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "broadcast.create", "broadcast", bid)) != 0 ||
	    (st = bc_prep_start(r, t, np, fallback, *ids, n, bid)) != 0)
		return st;
	*ids = NULL;
	log_notice("event=broadcast.preparing broadcast_id=%" PRId64
	    " families=%zu", bid, n);
	if (bc_get(r->app->broadcasts, bid, &b) != 0)
		return admin_error(r, 500, "internal", "storage error");
	o = bc_json(&b);
	bc_prep_json(&b, o);
	return admin_answer(r, "broadcast", o, 202);
}

int
admin_broadcast_create(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "notice", ADMIN_FT_STRING, 0 },
		{ "texts", ADMIN_FT_OBJECT, 0 },
		{ "params", ADMIN_FT_OBJECT | ADMIN_FT_ARRAY, 0 },
		{ "fallback", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ "target", ADMIN_FT_OBJECT, 1 },
		{ NULL, 0, 0 }
	};
	struct ntpl		 t;
	struct nparams		 np;
	struct bc_target	 bt;
	const char		*notice, *fb;
	cJSON			*preview = NULL;
	int64_t			*ids = NULL;
	enum lang		 fallback = LANG_COUNT;
	size_t			 n = 0;
	int			 st;

	memset(&t, 0, sizeof t);
	if ((st = admin_fields(r, r->body, spec)) != 0)
		return st;
	notice = admin_str(r->body, "notice");
	if ((notice == NULL) == (admin_get(r->body, "texts") == NULL))
		return admin_error(r, 400, "bad_request", "give either "
		    "\"notice\" or \"texts\"");
	if ((fb = admin_str(r->body, "fallback")) != NULL &&
	    (validate_lang(fb) == -1 || lang_parse(fb, &fallback) == -1))
		return admin_error(r, 422, "invalid", "fallback: one of pl, "
		    "uk, ru, en");
	if (notice != NULL)
		st = an_tpl_load(r, notice, &t);
	else
		st = bc_texts_tpl(r, admin_get(r->body, "texts"), &t);
	if (st != 0)
		goto out;
	if (t.row.retired_at != 0) {
		st = admin_error(r, 409, "conflict", "the notice is retired");
		goto out;
	}
	if ((st = an_params_body(r, admin_get(r->body, "params"), &np)) != 0 ||
	    (st = an_params_used(r, &t, &np.p)) != 0 ||
	    (st = bc_target_body(r, admin_get(r->body, "target"), &bt)) != 0 ||
	    (st = bc_match(r, &bt, &ids, &n)) != 0)
		goto out;
	if (n > BC_PREP_SLICE) {
		st = bc_create_big(r, &t, &np, fallback, &ids, n);
		goto out;
	}
	if ((st = bc_draft(r, &t, &np.p, fallback, ids, n, &preview)) != 0)
		goto out;
	if ((st = admin_audit(r, "broadcast.create", "broadcast",
	    (int64_t)cJSON_GetObjectItemCaseSensitive(preview,
	    "id")->valuedouble)) != 0) {
		cJSON_Delete(preview);
		goto out;
	}
	admin_add_str(preview, "state", "draft");
	st = admin_answer(r, "broadcast", preview, 201);
out:
	free(ids);
	an_tpl_clear(&t);
	return st;
}

static cJSON *
bc_json(const struct bc *b)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_int(o, "id", b->id);
	admin_add_str(o, "notice", b->notice_id[0] != '\0' ? b->notice_id :
	    NULL);
	admin_add_int(o, "version", b->notice_version);
	admin_add_str(o, "state", bc_state_name(b->state));
	admin_add_int(o, "created_at", b->created_at);
	if (b->send_at != 0)
		admin_add_int(o, "send_at", b->send_at);
	else
		cJSON_AddNullToObject(o, "send_at");
	admin_add_int(o, "pending", b->n[BC_R_PENDING]);
	admin_add_int(o, "queued", b->n[BC_R_QUEUED]);
	admin_add_int(o, "skipped", b->n[BC_R_SKIPPED]);
	admin_add_int(o, "cancelled", b->n[BC_R_CANCELLED]);
	admin_add_int(o, "sms_parts", b->sms_parts);
	return o;
}

/* Stops at the first recipient the caller may not see: 1, or -1. */
static int
bc_rcpt_visible(const struct bc_rcpt *rc, void *arg)
{
	struct areq	*r = arg;
	int		 v;

	if ((v = admin_family_visible(r, rc->family_id)) == -1)
		return -1;
	return v == 1 ? 0 : 1;
}

/*
 * A coordinator acts on a broadcast only when every family it reaches is
 * in their programmes: one made by an administrator for all, or by
 * another coordinator for programmes not theirs, is refused.
 */
static int
bc_access(struct areq *r, const struct bc *b)
{
	int	 rc;

	if (r->role == ADMIN_ROLE_ADMIN)
		return 0;
	rc = bc_rcpts(r->app->broadcasts, b->id, bc_rcpt_visible, r);
	if (rc == 0)
		return 0;
	if (rc == -1)
		return admin_error(r, 500, "internal", "storage error");
	r->deny_object = "broadcast";
	r->deny_id = b->id;
	return admin_error(r, 403, "forbidden", "broadcast %" PRId64 " "
	    "reaches families outside your programmes", b->id);
}

/* The broadcast of the path, if the caller may act on it. */
static int
bc_load(struct areq *r, struct bc *b)
{
	int64_t	 id;
	int	 st, rc;

	if ((st = admin_path_id(r, 0, &id, "broadcast")) != 0)
		return st;
	rc = bc_get(r->app->broadcasts, id, b);
	if (rc == -2)
		return admin_error(r, 404, "not_found", "no such broadcast");
	if (rc != 0)
		return admin_error(r, 500, "internal", "storage error");
	return bc_access(r, b);
}

int
admin_broadcast_list(struct areq *r)
{
	struct bc	*bs = NULL;
	cJSON		*a;
	size_t		 n = 0, i;

	if (bc_list(r->app->broadcasts, &bs, &n) == -1)
		return admin_error(r, 500, "internal", "storage error");
	a = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, bc_json(&bs[i]));
	free(bs);
	r->out = cJSON_CreateObject();
	cJSON_AddItemToObject(r->out, "broadcasts", a);
	return 200;
}

/*
 * What became of a queued recipient's outbox row: "queued", "sent",
 * "delivered" (an SMS the gateway reported), "blocked" (Telegram's 403),
 * "sms_fallback" (blocked, and an SMS went instead), "opted_out" (held
 * back by the dispatcher after /stop or STOP) or "failed"; NULL on
 * storage errors.
 */
static const char *
bc_outcome(struct areq *r, const struct bc_rcpt *rc)
{
	struct outbox_info	 oi;

	if (outbox_list(r->app->ob, -1, 0, rc->outbox_id, &oi, 1) != 1)
		return NULL;
	switch (oi.state) {
	case OUTBOX_QUEUED:
	case OUTBOX_SENDING:
		return "queued";
	case OUTBOX_SENT:
		if (oi.delivery == SMS_DLR_FAILED ||
		    oi.delivery == SMS_DLR_EXPIRED)
			return "failed";
		return oi.delivery == SMS_DLR_DELIVERED ? "delivered" : "sent";
	case OUTBOX_FAILED:
		break;
	}
	if (oi.has_error_code && oi.error_code == 403)
		return strcmp(rc->reason, "sms_fallback") == 0 ?
		    "sms_fallback" : "blocked";
	if (strstr(oi.last_error, "announcements off") != NULL)
		return "opted_out";
	return "failed";
}

/* Skipped and not-sent recipients by reason. */
struct bc_why {
	struct areq	*r;
	cJSON		*by;
	cJSON		*sent;
};

static int
bc_why_count(const struct bc_rcpt *rc, void *arg)
{
	struct bc_why	*w = arg;
	cJSON		*n, *by = w->by;
	const char	*k;

	if (rc->state == BC_R_PENDING)
		return 0;
	if (rc->state == BC_R_QUEUED) {
		if ((k = bc_outcome(w->r, rc)) == NULL)
			return -1;
		by = w->sent;
	} else
		k = rc->state == BC_R_CANCELLED ? "cancelled" : rc->reason;
	if ((n = cJSON_GetObjectItemCaseSensitive(by, k)) != NULL)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else
		cJSON_AddNumberToObject(by, k, 1);
	return 0;
}

int
admin_broadcast_show(struct areq *r)
{
	struct bc	 b;
	struct bc_why	 w;
	cJSON		*o;
	int		 st;

	if ((st = bc_load(r, &b)) != 0)
		return st;
	o = bc_json(&b);
	bc_prep_json(&b, o);
	w.r = r;
	w.by = cJSON_AddObjectToObject(o, "not_sent");
	w.sent = cJSON_AddObjectToObject(o, "outcomes");
	if (bc_rcpts(r->app->broadcasts, b.id, bc_why_count, &w) != 0) {
		cJSON_Delete(o);
		return admin_error(r, 500, "internal", "storage error");
	}
	return admin_answer(r, "broadcast", o, 200);
}

/* "2027-02-01 09:30" (or with a T) in the daemon's time zone. */
static int
bc_parse_at(const char *s, int64_t *at)
{
	struct tm	 tm;
	char		 date[11], sep, tail;
	int		 h, m;

	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 16 || sscanf(s, "%10s%c%2d:%2d%c", date, &sep, &h, &m,
	    &tail) != 4 || (sep != ' ' && sep != 'T') ||
	    validate_date(date) == -1 || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	tm.tm_year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 +
	    (date[2] - '0') * 10 + (date[3] - '0') - 1900;
	tm.tm_mon = (date[5] - '0') * 10 + (date[6] - '0') - 1;
	tm.tm_mday = (date[8] - '0') * 10 + (date[9] - '0');
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_isdst = -1;
	*at = (int64_t)mktime(&tm);
	return *at == -1 ? -1 : 0;
}

/* ---- the monthly SMS budget ------------------------------------------ */

/*
 * What the broadcasts queued, scheduled or sending still reserve of a
 * month's budget: the parts of their SMS recipients not sent yet, those
 * pending and those queued whose outbox row is not sent. A part sent
 * counts once, in the month's figure (include/smsmonth.h), which the
 * outcome adds to in the transaction that marks the row sent; a
 * cancelled broadcast reserves nothing; a finished one (all its copies
 * queued) reserves the copies still waiting in the outbox, looked at for
 * BC_RESERVE_DAYS after it finished, longer than any copy is retried. A
 * Telegram copy that falls back to SMS is not reserved, as the preview
 * does not count it: its parts count once sent.
 */
#define BC_BUDGET_MAX	256	/* broadcasts looked at */
#define BC_RESERVE_DAYS	7

/* One broadcast's SMS recipients not sent yet. */
struct bc_left {
	struct areq	*r;
	int64_t		 id;
	int64_t		 lang_parts[LANG_COUNT];	/* -1: not known */
	struct bc_queued {
		int64_t	 outbox_id;
		int64_t	 parts;
	}		*q;
	size_t		 nq, cap;
	int64_t		 parts;
	int		 err;
};

/* The parts of the broadcast's SMS wording in one language. */
static int64_t
bc_lang_parts(struct bc_left *lf, const char *code)
{
	struct sms_count	 cnt;
	char			*text = NULL, *sms = NULL;
	enum lang		 l;

	if (lang_parse(code, &l) == -1)
		return 0;
	if (lf->lang_parts[l] >= 0)
		return lf->lang_parts[l];
	if (bc_text_get(lf->r->app->broadcasts, lf->id, code, &text,
	    &sms) == -1) {
		lf->err = -1;
		return 0;
	}
	lf->lang_parts[l] = 0;
	if (sms != NULL && sms_text_count(sms, strlen(sms), 0, &cnt) ==
	    SMS_TEXT_OK)
		lf->lang_parts[l] = (int64_t)cnt.parts;
	free(text);
	free(sms);
	return lf->lang_parts[l];
}

static int
bc_left_rcpt(const struct bc_rcpt *rc, void *arg)
{
	struct bc_left	*lf = arg;
	int64_t		 parts = bc_lang_parts(lf, rc->lang);

	if (rc->state == BC_R_PENDING) {
		lf->parts += parts;
		return 0;
	}
	if (lf->nq == lf->cap) {
		lf->cap = lf->cap == 0 ? 64 : lf->cap * 2;
		lf->q = xreallocarray(lf->q, lf->cap, sizeof *lf->q);
	}
	lf->q[lf->nq].outbox_id = rc->outbox_id;
	lf->q[lf->nq++].parts = parts;
	return 0;
}

static int
bc_queued_cmp(const void *a, const void *b)
{
	return bc_id_cmp(&((const struct bc_queued *)a)->outbox_id,
	    &((const struct bc_queued *)b)->outbox_id);
}

/* An outbox row of a queued recipient: its parts if not sent yet. */
static int
bc_left_row(const int64_t *v, int n, void *arg)
{
	struct bc_left		*lf = arg;
	struct bc_queued	 key, *q;

	if (n < 3 || v[2] != OUTBOX_QUEUED)
		return 0;
	key.outbox_id = v[0];
	if ((q = bsearch(&key, lf->q, lf->nq, sizeof *lf->q,
	    bc_queued_cmp)) != NULL)
		lf->parts += q->parts;
	return 0;
}

static int
bc_sms_left(struct areq *r, int64_t id, int64_t *parts)
{
	struct bc_left	 lf;
	cJSON		*a = NULL;
	char		*ids = NULL;
	size_t		 i;
	int		 l, rc = -1;

	memset(&lf, 0, sizeof lf);
	lf.r = r;
	lf.id = id;
	for (l = 0; l < LANG_COUNT; l++)
		lf.lang_parts[l] = -1;
	if (bc_rcpts_live(r->app->broadcasts, id, CHANNEL_SMS, bc_left_rcpt,
	    &lf) != 0 || lf.err != 0)
		goto out;
	if (lf.nq > 0) {
		qsort(lf.q, lf.nq, sizeof *lf.q, bc_queued_cmp);
		a = cJSON_CreateArray();
		for (i = 0; i < lf.nq; i++)
			cJSON_AddItemToArray(a, cJSON_CreateNumber(
			    (double)lf.q[i].outbox_id));
		if ((ids = cJSON_PrintUnformatted(a)) == NULL ||
		    outbox_report(r->app->ob, ids, bc_left_row, &lf) != 0)
			goto out;
	}
	*parts = lf.parts;
	rc = 0;
out:
	cJSON_Delete(a);
	cJSON_free(ids);
	free(lf.q);
	return rc;
}

/* What the month of `month` has reserved, and by which broadcasts. */
struct bc_reserved {
	int64_t		 id[BC_BUDGET_MAX];
	int64_t		 parts[BC_BUDGET_MAX];
	size_t		 n;
	size_t		 all;		/* over BC_BUDGET_MAX: not all seen */
	int64_t		 total;
};

/* The broadcasts but `skip` that reserve parts of `month`'s budget. */
static int
bc_reserved(struct areq *r, time_t month, int64_t skip,
    struct bc_reserved *res)
{
	struct bc	 b;
	int64_t		 ids[BC_BUDGET_MAX], left;
	time_t		 now = clock_now();
	size_t		 n, i;

	memset(res, 0, sizeof *res);
	if (bc_reserving(r->app->broadcasts, (int64_t)now - BC_RESERVE_DAYS *
	    86400, ids, BC_BUDGET_MAX, &n, &res->all) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (ids[i] == skip)
			continue;
		if (bc_get(r->app->broadcasts, ids[i], &b) != 0)
			return -1;
		/* No SMS recipient, no fallback: nothing to look at. */
		if (b.sms_parts == 0 || !sms_month_same(sms_month_of_send(now,
		    (time_t)b.send_at), month))
			continue;
		if (bc_sms_left(r, b.id, &left) == -1)
			return -1;
		if (left == 0)
			continue;
		res->id[res->n] = b.id;
		res->parts[res->n++] = left;
		res->total += left;
	}
	return 0;
}

/* ": 4 (3 parts), 7 (12 parts)", or "" for none. */
static void
bc_reserved_by(const struct bc_reserved *res, char *buf, size_t len)
{
	size_t	 i, at;

	buf[0] = '\0';
	for (i = 0; i < res->n; i++) {
		at = strlen(buf);
		(void)snprintf(buf + at, len - at, "%s%" PRId64 " (%" PRId64
		    " parts)", i > 0 ? ", " : ": ", res->id[i],
		    res->parts[i]);
	}
}

static int
bc_budget_ok(struct areq *r, const struct bc *b, int64_t at)
{
	const struct config	*cfg = r->app->cfg;
	struct bc_reserved	 res;
	struct sms_budget	 bu;
	time_t			 month;
	char			 name[SMS_MONTH_NAME_LEN], by[512];

	if (cfg->sms_monthly_budget <= 0 || b->sms_parts == 0)
		return 0;
	month = sms_month_of_send(clock_now(), (time_t)at);
	memset(&bu, 0, sizeof bu);
	if (sms_month_parts(r->app->st, month, &bu.sent) == -1 ||
	    bc_reserved(r, month, b->id, &res) == -1 ||
	    sms_month_name(month, name, sizeof name) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if (res.all > BC_BUDGET_MAX)
		return admin_error(r, 409, "conflict", "%zu broadcasts may "
		    "still send SMS, more than the %d the budget check can "
		    "count; wait for some to finish", res.all, BC_BUDGET_MAX);
	bu.reserved = res.total;
	bu.asked = b->sms_parts;
	bu.price = cfg->sms_price_per_part;
	bu.budget = cfg->sms_monthly_budget;
	if (sms_budget_fits(&bu))
		return 0;
	bc_reserved_by(&res, by, sizeof by);
	return admin_error(r, 409, "conflict", "over the monthly SMS budget "
	    "of %s: this broadcast is %" PRId64 " parts (%.2f zł) to its SMS "
	    "recipients; %" PRId64 " parts (%.2f zł) were used this month; "
	    "%" PRId64 " parts (%.2f zł) are reserved by broadcasts not sent "
	    "yet%s; the budget is %.2f zł (a Telegram copy that falls back "
	    "to SMS counts once sent)", name, bu.asked,
	    bc_zl(bu.asked, bu.price),
	    bu.sent, bc_zl(bu.sent, bu.price), bu.reserved,
	    bc_zl(bu.reserved, bu.price), by, bu.budget);
}

int
admin_broadcast_send(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "at", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct bc	 b;
	const char	*at_s;
	int64_t		 at = clock_now();
	int		 st;

	if ((st = admin_fields(r, r->body, spec)) != 0 ||
	    (st = bc_load(r, &b)) != 0)
		return st;
	if ((at_s = admin_str(r->body, "at")) != NULL) {
		if (bc_parse_at(at_s, &at) == -1)
			return admin_error(r, 422, "invalid", "at: YYYY-MM-DD "
			    "HH:MM, local time");
		if (at < clock_now())
			return admin_error(r, 422, "invalid", "at: in the "
			    "past");
	}
	if (b.state == BC_PREPARING && b.id == prep.id)
		return admin_error(r, 409, "conflict", "broadcast %" PRId64
		    " is still being prepared (%zu of %zu families); send it "
		    "once it is a draft", b.id, prep.done, prep.n);
	if (b.state == BC_PREPARING)
		return admin_error(r, 409, "conflict", "broadcast %" PRId64
		    " is still being prepared; send it once it is a draft",
		    b.id);
	if (b.state != BC_DRAFT)
		return admin_error(r, 409, "conflict", "broadcast %" PRId64
		    " is %s, not a draft", b.id, bc_state_name(b.state));
	if ((st = bc_budget_ok(r, &b, at)) != 0)
		return st;
	if (bc_set_state(r->app->broadcasts, b.id, BC_SENDING, at) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "broadcast.send", "broadcast", b.id)) != 0)
		return st;
	bcsend_kick(r->app->bcsend);
	if ((st = bc_load(r, &b)) != 0)
		return st;
	return admin_answer(r, "broadcast", bc_json(&b), 200);
}

int
admin_broadcast_cancel(struct areq *r)
{
	struct bc	 b;
	int		 st;

	if ((st = bc_load(r, &b)) != 0)
		return st;
	if (b.state == BC_DONE || b.state == BC_CANCELLED)
		return admin_error(r, 409, "conflict", "broadcast %" PRId64
		    " is %s: nothing left to cancel", b.id,
		    bc_state_name(b.state));
	if (bc_cancel_pending(r->app->broadcasts, b.id) == -1 ||
	    bc_set_state(r->app->broadcasts, b.id, BC_CANCELLED,
	    clock_now()) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "broadcast.cancel", "broadcast", b.id)) != 0 ||
	    (st = bc_load(r, &b)) != 0)
		return st;
	return admin_answer(r, "broadcast", bc_json(&b), 200);
}

/* Who was not reached: code, phone (in full, to call them), reason. */
struct bc_failed {
	struct areq	*r;
	cJSON		*rows;
	int		 err;
};

static int
bc_failed_row(const struct bc_rcpt *rc, void *arg)
{
	struct bc_failed	*f = arg;
	struct family_brief	 fb;
	char			*phone = NULL;
	cJSON			*o;

	const char		*why;

	if (rc->state == BC_R_PENDING)
		return 0;
	why = rc->state == BC_R_CANCELLED ? "cancelled" : rc->reason;
	if (rc->state == BC_R_QUEUED) {
		if ((why = bc_outcome(f->r, rc)) == NULL)
			return f->err = -1;
		if (strcmp(why, "blocked") != 0 && strcmp(why, "failed") != 0)
			return 0;
	}
	/* Who turned announcements off asked not to get them: no call. */
	if (strcmp(why, "opted_out") == 0)
		return 0;
	if (people_family_brief(f->r->app->people, rc->family_id, &fb) !=
	    PEOPLE_OK)
		return 0;	/* removed since */
	if (rc->member_id != 0 && people_member_phone(f->r->app->people,
	    rc->member_id, &phone) != PEOPLE_OK)
		return f->err = -1;
	o = cJSON_CreateObject();
	admin_add_str(o, "code", fb.code);
	admin_add_str(o, "channel", rc->channel == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_str(o, "language", rc->lang);
	admin_add_str(o, "phone", phone);
	admin_add_str(o, "reason", why);
	cJSON_AddItemToArray(f->rows, o);
	if (phone != NULL)
		crypto_free_plain(phone);
	return 0;
}

int
admin_broadcast_failed(struct areq *r)
{
	struct bc		 b;
	struct bc_failed	 f;
	int64_t			 purged;
	int			 st;

	if ((st = bc_load(r, &b)) != 0)
		return st;
	if (bc_recipients_purged_at(r->app->broadcasts, b.id, &purged) != 0)
		return admin_error(r, 500, "internal", "storage error");
	memset(&f, 0, sizeof f);
	f.r = r;
	f.rows = cJSON_CreateArray();
	/* Past [retention] failed_recipient_days only the counts are left. */
	if (purged == 0 && (bc_rcpts(r->app->broadcasts, b.id, bc_failed_row,
	    &f) != 0 || f.err != 0)) {
		cJSON_Delete(f.rows);
		return admin_error(r, 500, "internal", "storage error");
	}
	if ((st = admin_audit(r, "broadcast.failed", "broadcast",
	    b.id)) != 0) {
		cJSON_Delete(f.rows);
		return st;
	}
	r->out = cJSON_CreateObject();
	admin_add_int(r->out, "broadcast", b.id);
	cJSON_AddItemToObject(r->out, "failed", f.rows);
	if (purged != 0)
		admin_add_int(r->out, "purged_at", purged);
	else
		cJSON_AddNullToObject(r->out, "purged_at");
	return 200;
}

int
admin_broadcast_status(struct areq *r, cJSON *status)
{
	const struct config	*cfg = r->app->cfg;
	struct bc_reserved	 res;
	time_t			 now = clock_now();
	int64_t			 parts;
	cJSON			*o;

	if (sms_month_parts(r->app->st, now, &parts) == -1 ||
	    bc_reserved(r, now, 0, &res) == -1)
		return -1;
	o = cJSON_AddObjectToObject(status, "sms_month");
	admin_add_int(o, "parts", parts);
	cJSON_AddNumberToObject(o, "cost", bc_zl(parts,
	    cfg->sms_price_per_part));
	admin_add_int(o, "reserved", res.total);
	cJSON_AddNumberToObject(o, "reserved_cost", bc_zl(res.total,
	    cfg->sms_price_per_part));
	cJSON_AddNumberToObject(o, "budget", cfg->sms_monthly_budget);
	return 0;
}
