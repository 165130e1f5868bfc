/*
 * GET /v1/programmes/{id}/report: a programme's figures per calendar
 * month of the centre's zone (doc/admin-api.md, "Programme reports").
 * Counts only, made from ids and times that each table's owner gives
 * for the programme's families (an erased family's rows keep theirs),
 * never from a name or a sealed value. Each figure is also split by the
 * family's language and channel.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "broadcasts.h"
#include "caltime.h"
#include "clock.h"
#include "config.h"
#include "history.h"
#include "notices.h"
#include "outbox.h"
#include "people.h"
#include "visits.h"
#include "xmalloc.h"

#define REPORT_MONTHS_MAX	60

enum rfig {
	RF_ENROLLED, RF_JOINED, RF_LEFT, RF_PARTICIPANTS,
	RF_MSG_FROM, RF_MSG_TO,
	RF_V_PLANNED, RF_V_HELD, RF_V_CANCELLED, RF_V_MISSED,
	RF_N_SENT, RF_N_DELIVERED, RF_B_SENT, RF_B_DELIVERED,
	RF_N
};

static const char *const rfig_name[RF_N] = {
	"enrolled", "joined", "left", "participants",
	"messages_from", "messages_to",
	"visits_planned", "visits_held", "visits_cancelled", "visits_missed",
	"notices_sent", "notices_delivered", "broadcasts_sent",
	"broadcasts_delivered"
};

/* people_report_families()'s numbers. */
#define RL_N	5
#define RC_N	2
static const char *const rlang_name[RL_N] = { "pl", "uk", "ru", "en",
	"other" };
static const char *const rchan_name[RC_N] = { "telegram", "sms" };

struct rcell {
	int64_t		 v[RF_N];
};

struct rsplit {
	struct rcell	 all;
	struct rcell	 lang[RL_N];
	struct rcell	 chan[RC_N];
};

struct rmonth {
	char		 name[8];	/* YYYY-MM */
	int		 first, last;	/* YYYYMMDD */
	int64_t		 start, end;	/* unix s, local midnights */
	struct rsplit	 s;
};

struct renrol {
	int		 from, until;	/* YYYYMMDD; until 0: enrolled */
	int64_t		 a, b;		/* the enrolment's days, unix s */
};

struct rfam {
	int64_t		 id;
	int		 lang, chan;
	struct renrol	*e;
	size_t		 ne;
	unsigned char	*at_end;	/* enrolled at month i's end */
	int		 in_range;	/* enrolled at some time of the range */
};

/* A copy of a notice or a broadcast, by its outbox row. */
struct rcopy {
	int64_t		 outbox_id;
	int64_t		 family_id;
	int		 broadcast;
};

struct report {
	struct areq	*r;
	struct rmonth	*m;
	int		 nm;
	struct rfam	*f;
	size_t		 nf;
	struct rsplit	 total;
	struct rcopy	*c;
	size_t		 nc, cc;
	int		 bc_kind;	/* the copies being collected */
	int64_t		 now;
};

/* ---- months and days -------------------------------------------------- */

/* "YYYY-MM" into y, m; -1 when it is not one. */
static int
report_month_parse(const char *s, int *y, int *m)
{
	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return -1;
	if (sscanf(s, "%4d-%2d", y, m) != 2 || *y < 1970 || *y > 9999 ||
	    *m < 1 || *m > 12 || s[5] < '0' || s[5] > '9' || s[6] < '0' ||
	    s[6] > '9')
		return -1;
	return 0;
}

static int
report_ymd(int y, int m, int d)
{
	return y * 10000 + m * 100 + d;
}

/* The local midnight starting y-m-d, unix s; -1 when it has none. */
static int64_t
report_midnight(int y, int m, int d)
{
	time_t	 t;
	int	 h;

	/* A zone whose clocks change at midnight: the day's first hour. */
	for (h = 0; h < 3; h++)
		if (caltime_make(y, m, d, h, 0, &t) == CALTIME_OK)
			return (int64_t)t;
	return -1;
}

static int
report_months(struct report *rp, int y0, int m0, int y1, int m1)
{
	struct rmonth	*mo;
	int		 i, y, m, ny, nm, d;

	rp->nm = (y1 - y0) * 12 + (m1 - m0) + 1;
	rp->m = xcalloc((size_t)rp->nm, sizeof *rp->m);
	for (i = 0, y = y0, m = m0; i < rp->nm; i++) {
		mo = &rp->m[i];
		ny = m == 12 ? y + 1 : y;
		nm = m == 12 ? 1 : m + 1;
		snprintf(mo->name, sizeof mo->name, "%04d-%02d", y, m);
		mo->first = report_ymd(y, m, 1);
		d = 1;
		caltime_add_days(&ny, &nm, &d, -1);
		mo->last = report_ymd(ny, nm, d);
		ny = m == 12 ? y + 1 : y;
		nm = m == 12 ? 1 : m + 1;
		if ((mo->start = report_midnight(y, m, 1)) == -1 ||
		    (mo->end = report_midnight(ny, nm, 1)) == -1)
			return -1;
		y = ny;
		m = nm;
	}
	return 0;
}

/* The month holding unix second t, or -1. */
static int
report_month_of(const struct report *rp, int64_t t)
{
	int	 lo = 0, hi = rp->nm - 1, mid;

	if (rp->nm == 0 || t < rp->m[0].start || t >= rp->m[rp->nm - 1].end)
		return -1;
	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (rp->m[mid].start <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* ---- families --------------------------------------------------------- */

static int
report_fam_cmp(const void *a, const void *b)
{
	int64_t	 x = ((const struct rfam *)a)->id;
	int64_t	 y = ((const struct rfam *)b)->id;

	return x < y ? -1 : x > y;
}

static struct rfam *
report_fam(const struct report *rp, int64_t id)
{
	struct rfam	 key;

	if (rp->nf == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, rp->f, rp->nf, sizeof *rp->f, report_fam_cmp);
}

/* Rows come ordered by family: a new family starts a new element. */
static int
report_enrol_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rfam	*f;
	struct renrol	*e;
	int		 y, m, d;

	if (n < 3)
		return -1;
	if (rp->nf == 0 || rp->f[rp->nf - 1].id != v[0]) {
		rp->f = xreallocarray(rp->f, rp->nf + 1, sizeof *rp->f);
		f = &rp->f[rp->nf++];
		memset(f, 0, sizeof *f);
		f->id = v[0];
		f->lang = RL_N - 1;
		f->chan = 1;
	}
	f = &rp->f[rp->nf - 1];
	f->e = xreallocarray(f->e, f->ne + 1, sizeof *f->e);
	e = &f->e[f->ne++];
	e->from = (int)v[1];
	e->until = (int)v[2];
	e->a = report_midnight(e->from / 10000, e->from / 100 % 100,
	    e->from % 100);
	e->b = INT64_MAX;
	if (e->until != 0) {
		y = e->until / 10000;
		m = e->until / 100 % 100;
		d = e->until % 100;
		/* `until` is the enrolment's last day. */
		caltime_add_days(&y, &m, &d, 1);
		e->b = report_midnight(y, m, d);
	}
	return e->a == -1 || e->b == -1 ? -1 : 0;
}

static int
report_family_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rfam	*f;

	if (n < 3 || (f = report_fam(rp, v[0])) == NULL)
		return 0;
	f->lang = v[1] >= 0 && v[1] < RL_N ? (int)v[1] : RL_N - 1;
	f->chan = v[2] == 0 ? 0 : 1;
	return 0;
}

/* Whether t (unix s) falls within one of the family's enrolments. */
static int
report_enrolled_at(const struct rfam *f, int64_t t)
{
	size_t	 i;

	for (i = 0; i < f->ne; i++)
		if (f->e[i].a <= t && t < f->e[i].b)
			return 1;
	return 0;
}

static void
report_add(struct report *rp, int month, const struct rfam *f, enum rfig k,
    int total)
{
	struct rsplit	*s[2];
	int		 i, n = 0;

	if (month >= 0)
		s[n++] = &rp->m[month].s;
	if (total)
		s[n++] = &rp->total;
	for (i = 0; i < n; i++) {
		s[i]->all.v[k]++;
		s[i]->lang[f->lang].v[k]++;
		s[i]->chan[f->chan].v[k]++;
	}
}

/* Enrolled at each month's end, joined, left; the distinct total. */
static void
report_enrolments(struct report *rp)
{
	const struct rmonth	*mo;
	struct rfam		*f;
	struct renrol		*e;
	int			 first = rp->m[0].first;
	int			 last = rp->m[rp->nm - 1].last;
	size_t			 i, j;
	int			 k;

	for (i = 0; i < rp->nf; i++) {
		f = &rp->f[i];
		f->at_end = xcalloc((size_t)rp->nm, 1);
		for (j = 0; j < f->ne; j++) {
			e = &f->e[j];
			if (e->from <= last && (e->until == 0 ||
			    e->until >= first))
				f->in_range = 1;
			for (k = 0; k < rp->nm; k++) {
				mo = &rp->m[k];
				if (e->from <= mo->last && (e->until == 0 ||
				    e->until > mo->last))
					f->at_end[k] = 1;
				if (e->from >= mo->first && e->from <= mo->last)
					report_add(rp, k, f, RF_JOINED, 1);
				if (e->until >= mo->first &&
				    e->until <= mo->last)
					report_add(rp, k, f, RF_LEFT, 1);
			}
		}
		for (k = 0; k < rp->nm; k++)
			if (f->at_end[k])
				report_add(rp, k, f, RF_ENROLLED, 0);
		if (f->in_range)
			report_add(rp, -1, f, RF_ENROLLED, 1);
	}
}

/*
 * The family's members as they are now: a family is registered before
 * it is enrolled, often long before, and a removed member leaves no row.
 */
static int
report_member_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rfam	*f;
	int		 k;

	if (n < 2 || (f = report_fam(rp, v[0])) == NULL)
		return 0;
	for (k = 0; k < rp->nm; k++)
		if (f->at_end[k])
			report_add(rp, k, f, RF_PARTICIPANTS, 0);
	if (f->in_range)
		report_add(rp, -1, f, RF_PARTICIPANTS, 1);
	return 0;
}

/* ---- activity --------------------------------------------------------- */

/* The month of a family's event at t, while it was enrolled; else -1. */
static int
report_when(struct report *rp, int64_t fid, int64_t t, struct rfam **fp)
{
	struct rfam	*f;

	if ((f = report_fam(rp, fid)) == NULL || !report_enrolled_at(f, t))
		return -1;
	*fp = f;
	return report_month_of(rp, t);
}

static int
report_message_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rfam	*f;
	int		 k;

	if (n < 3 || (k = report_when(rp, v[0], v[1], &f)) < 0)
		return 0;
	report_add(rp, k, f, v[2] == 0 ? RF_MSG_FROM : RF_MSG_TO, 1);
	return 0;
}

static int
report_visit_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rfam	*f;
	int		 k;

	if (n < 4 || (k = report_when(rp, v[0], v[1] / 1000, &f)) < 0)
		return 0;
	report_add(rp, k, f, RF_V_PLANNED, 1);
	if (v[2] == VISIT_CANCELLED)
		report_add(rp, k, f, RF_V_CANCELLED, 1);
	else if (v[1] >= rp->now * 1000)
		return 0;	/* still to come */
	else if (v[3] == VISIT_CANNOT_COME)
		report_add(rp, k, f, RF_V_MISSED, 1);
	else
		report_add(rp, k, f, RF_V_HELD, 1);
	return 0;
}

static int
report_copy_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;

	if (n < 2 || v[1] == 0)
		return 0;
	if (rp->nc == rp->cc) {
		rp->cc = rp->cc == 0 ? 64 : rp->cc * 2;
		rp->c = xreallocarray(rp->c, rp->cc, sizeof *rp->c);
	}
	rp->c[rp->nc].family_id = v[0];
	rp->c[rp->nc].outbox_id = v[1];
	rp->c[rp->nc].broadcast = rp->bc_kind;
	rp->nc++;
	return 0;
}

static int
report_copy_cmp(const void *a, const void *b)
{
	int64_t	 x = ((const struct rcopy *)a)->outbox_id;
	int64_t	 y = ((const struct rcopy *)b)->outbox_id;

	return x < y ? -1 : x > y;
}

/* (id, created_at ms, state, channel, delivery, sent_at) of a copy. */
static int
report_outbox_row(const int64_t *v, int n, void *arg)
{
	struct report	*rp = arg;
	struct rcopy	 key, *c;
	struct rfam	*f;
	int		 k, bc;

	if (n < 5)
		return 0;
	key.outbox_id = v[0];
	if (rp->nc == 0 || (c = bsearch(&key, rp->c, rp->nc, sizeof *rp->c,
	    report_copy_cmp)) == NULL ||
	    (k = report_when(rp, c->family_id, v[1] / 1000, &f)) < 0)
		return 0;
	/* Sent: the channel took it; delivered: an SMS reported so too. */
	if (v[2] != OUTBOX_SENT)
		return 0;
	bc = c->broadcast;
	report_add(rp, k, f, bc ? RF_B_SENT : RF_N_SENT, 1);
	if (v[3] != CHANNEL_SMS || v[4] == 2)
		report_add(rp, k, f, bc ? RF_B_DELIVERED : RF_N_DELIVERED, 1);
	return 0;
}

/*
 * The ids at byte `off` of each of the n elements of `size` bytes at
 * `base` (the families' ids, the copies' outbox rows) as a JSON array,
 * which the owners read with json_each(); a new string.
 */
static char *
report_ids_json(const void *base, size_t n, size_t size, size_t off)
{
	const unsigned char	*p = base;
	size_t			 cap = 3 + n * 21, len, i;
	char			*s = xmalloc(cap);
	int64_t			 id;

	len = (size_t)snprintf(s, cap, "[");
	for (i = 0; i < n; i++) {
		memcpy(&id, p + i * size + off, sizeof id);
		len += (size_t)snprintf(s + len, cap - len, "%s%lld",
		    i > 0 ? "," : "", (long long)id);
	}
	snprintf(s + len, cap - len, "]");
	return s;
}

/* Every owner asked in turn; -1 on a storage error. */
static int
report_collect(struct report *rp, int64_t pid, int64_t gid)
{
	struct app	*app = rp->r->app;
	int64_t		 t0 = rp->m[0].start, t1 = rp->m[rp->nm - 1].end;
	char		*ids = NULL, *copies = NULL;
	int		 rc = -1;

	if (people_report_enrolments(app->people, pid, gid, report_enrol_row,
	    rp) != PEOPLE_OK)
		goto out;
	ids = report_ids_json(rp->f, rp->nf, sizeof *rp->f,
	    offsetof(struct rfam, id));
	if (people_report_families(app->people, ids, report_family_row,
	    rp) != PEOPLE_OK)
		goto out;
	report_enrolments(rp);
	if (people_report_members(app->people, ids, report_member_row, rp) !=
	    PEOPLE_OK ||
	    history_report(app->history, ids, t0, t1, report_message_row,
	    rp) != 0 ||
	    visits_report(app->visits, ids, t0 * 1000, t1 * 1000,
	    report_visit_row, rp) != VISITS_OK)
		goto out;
	rp->bc_kind = 0;
	if (notices_report(app->notices, ids, report_copy_row, rp) !=
	    NOTICES_OK)
		goto out;
	rp->bc_kind = 1;
	if (bc_report(app->broadcasts, ids, report_copy_row, rp) != 0)
		goto out;
	if (rp->nc > 0)
		qsort(rp->c, rp->nc, sizeof *rp->c, report_copy_cmp);
	copies = report_ids_json(rp->c, rp->nc, sizeof *rp->c,
	    offsetof(struct rcopy, outbox_id));
	if (outbox_report(app->ob, copies, report_outbox_row, rp) != 0)
		goto out;
	rc = 0;
out:
	free(ids);
	free(copies);
	return rc;
}

/* ---- the answer ------------------------------------------------------- */

static cJSON *
report_cell_json(const struct rcell *c)
{
	cJSON	*o = cJSON_CreateObject();
	int	 k;

	for (k = 0; k < RF_N; k++)
		admin_add_int(o, rfig_name[k], c->v[k]);
	return o;
}

static int
report_cell_empty(const struct rcell *c)
{
	int	 k;

	for (k = 0; k < RF_N; k++)
		if (c->v[k] != 0)
			return 0;
	return 1;
}

static cJSON *
report_split_json(const struct rsplit *s, const char *month)
{
	cJSON	*o = report_cell_json(&s->all), *by;
	int	 i;

	if (month != NULL)
		cJSON_AddItemToObjectCS(o, "month", cJSON_CreateString(month));
	by = cJSON_AddObjectToObject(o, "by_language");
	for (i = 0; i < RL_N; i++)
		if (i < RL_N - 1 || !report_cell_empty(&s->lang[i]))
			cJSON_AddItemToObject(by, rlang_name[i],
			    report_cell_json(&s->lang[i]));
	by = cJSON_AddObjectToObject(o, "by_channel");
	for (i = 0; i < RC_N; i++)
		cJSON_AddItemToObject(by, rchan_name[i],
		    report_cell_json(&s->chan[i]));
	return o;
}

static void
report_free(struct report *rp)
{
	size_t	 i;

	for (i = 0; i < rp->nf; i++) {
		free(rp->f[i].e);
		free(rp->f[i].at_end);
	}
	free(rp->f);
	free(rp->m);
	free(rp->c);
}

/* from, to and group of the query into the report; 0 or a status. */
static int
report_query(struct areq *r, struct report *rp, int64_t pid, int64_t *gid,
    const char **group)
{
	const char	*from = admin_query_str(r, "from");
	const char	*to = admin_query_str(r, "to");
	int		 y0, m0, y1, m1, rc, n;

	*group = admin_query_str(r, "group");
	*gid = 0;
	if (report_month_parse(from, &y0, &m0) == -1 ||
	    report_month_parse(to, &y1, &m1) == -1)
		return admin_error(r, 400, "bad_request", "from and to: "
		    "months YYYY-MM expected");
	n = (y1 - y0) * 12 + (m1 - m0) + 1;
	if (n < 1)
		return admin_error(r, 400, "bad_request", "to is before from");
	if (n > REPORT_MONTHS_MAX)
		return admin_error(r, 400, "bad_request", "at most %d months "
		    "in one report", REPORT_MONTHS_MAX);
	if (*group != NULL && (rc = people_group_find(r->app->people, pid,
	    *group, gid)) != PEOPLE_OK)
		return admin_people_err(r, rc, "group");
	if (report_months(rp, y0, m0, y1, m1) == -1)
		return admin_error(r, 400, "bad_request", "a month the "
		    "calendar cannot place");
	return 0;
}

int
admin_programme_report(struct areq *r)
{
	struct report		 rp;
	struct programme	 pg;
	const char		*group;
	cJSON			*o, *arr, *p;
	int64_t			 pid, gid;
	int			 st, rc, k;

	memset(&rp, 0, sizeof rp);
	memset(&pg, 0, sizeof pg);
	rp.r = r;
	rp.now = (int64_t)clock_now();
	if ((st = admin_path_id(r, 0, &pid, "programme")) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, pid, &pg)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	if ((st = admin_programme_access(r, pid)) != 0 ||
	    (st = report_query(r, &rp, pid, &gid, &group)) != 0)
		goto out;
	if (report_collect(&rp, pid, gid) == -1) {
		st = admin_error(r, 500, "internal", "storage error");
		goto out;
	}
	if ((st = admin_audit(r, "programme.report", "programme", pid)) != 0)
		goto out;
	o = cJSON_CreateObject();
	p = cJSON_AddObjectToObject(o, "programme");
	admin_add_int(p, "id", pid);
	admin_add_str(p, "name", pg.name);
	admin_add_str(o, "group", group);
	admin_add_str(o, "from", rp.m[0].name);
	admin_add_str(o, "to", rp.m[rp.nm - 1].name);
	admin_add_str(o, "timezone", r->app->cfg->timezone);
	arr = cJSON_AddArrayToObject(o, "months");
	for (k = 0; k < rp.nm; k++)
		cJSON_AddItemToArray(arr, report_split_json(&rp.m[k].s,
		    rp.m[k].name));
	cJSON_AddItemToObject(o, "totals", report_split_json(&rp.total,
	    NULL));
	st = admin_answer(r, "report", o, 200);
out:
	people_programme_clear(&pg);
	report_free(&rp);
	return st;
}
