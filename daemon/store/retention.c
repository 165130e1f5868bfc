/*
 * The daily retention job: each kind in turn, in slices. The rows'
 * owners do the purging (history, people's audit, broadcasts); this file
 * only decides when, how much at a time, and what the run purged.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "broadcasts.h"
#include "clock.h"
#include "history.h"
#include "log.h"
#include "people.h"
#include "retention.h"
#include "store.h"
#include "xmalloc.h"

#define RETENTION_AUDIT_SLICE	1000	/* audit rows a transaction */
#define RETENTION_BC_SLICE	1	/* broadcasts (each up to thousands) */

struct retention {
	struct retention_cfg	 cfg;
	struct event		*ev;
	/* The run under way. */
	int			 active;
	int			 kind;
	int64_t			 t0;
	time_t			 now;
	int64_t			 purged[RETENTION_NKINDS];
	int			 slices;
	struct retention_stats	 last;
};

static const char *const retention_names[RETENTION_NKINDS] = {
	"messages", "audit", "failed_recipients"
};

/* The last run's counts live in meta, so a restart keeps them. */
static const char *const retention_meta[RETENTION_NKINDS] = {
	"retention.messages", "retention.audit", "retention.failed_recipients"
};
#define RETENTION_META_AT	"retention.at"
#define RETENTION_META_FAILED	"retention.failed"

static void
retention_load(struct retention *rt)
{
	struct store	*st = rt->cfg.st;
	int64_t		 v;
	int		 found, k;

	if (store_meta_get(st, RETENTION_META_AT, &v, &found) == -1 ||
	    !found)
		return;
	rt->last.at = v;
	if (store_meta_get(st, RETENTION_META_FAILED, &v, &found) == 0 &&
	    found)
		rt->last.failed = v != 0;
	for (k = 0; k < RETENTION_NKINDS; k++)
		if (store_meta_get(st, retention_meta[k], &v, &found) == 0 &&
		    found)
			rt->last.purged[k] = v;
}

/* A failure here costs the counts after a restart, not the purge. */
static void
retention_save(struct retention *rt)
{
	struct store	*st = rt->cfg.st;
	int		 k, rc = 0;

	if (store_begin(st) == -1) {
		log_warn("event=retention.counts_unsaved");
		return;
	}
	if (store_meta_set(st, RETENTION_META_AT, rt->last.at) == -1 ||
	    store_meta_set(st, RETENTION_META_FAILED, rt->last.failed) == -1)
		rc = -1;
	for (k = 0; rc == 0 && k < RETENTION_NKINDS; k++)
		if (store_meta_set(st, retention_meta[k],
		    rt->last.purged[k]) == -1)
			rc = -1;
	if (rc == -1) {
		store_rollback(st);
		log_warn("event=retention.counts_unsaved");
		return;
	}
	if (store_commit(st) == -1)
		log_warn("event=retention.counts_unsaved");
}

const char *
retention_kind_name(enum retention_kind k)
{
	return k < RETENTION_NKINDS ? retention_names[k] : "?";
}

/* One transaction of the kind's owner; *done once nothing is left. */
static int
retention_slice(struct retention *rt, int kind, int *n, int *done)
{
	struct retention_cfg	*c = &rt->cfg;
	time_t			 cutoff = rt->now -
	    (time_t)c->days[kind] * RETENTION_DAY_S;
	int			 limit;

	*n = 0;
	if (kind == RETENTION_MESSAGES) {
		if (history_purge_slice(c->history, cutoff,
		    HISTORY_PURGE_SLICE, n) == -1)
			return -1;
		*done = *n < HISTORY_PURGE_SLICE;
		return 0;
	}
	if (store_begin(c->st) == -1)
		return -1;
	if (kind == RETENTION_AUDIT) {
		limit = RETENTION_AUDIT_SLICE;
		if (people_audit_purge(c->people, (int64_t)cutoff, limit, n) !=
		    PEOPLE_OK)
			goto fail;
	} else {
		limit = RETENTION_BC_SLICE;
		if (bc_purge_recipients(c->broadcasts, (int64_t)cutoff,
		    (int64_t)rt->now, limit, n) == -1)
			goto fail;
	}
	if (store_commit(c->st) == -1) {
		*n = 0;
		return -1;
	}
	*done = *n < limit;
	return 0;
fail:
	store_rollback(c->st);
	*n = 0;
	return -1;
}

static void
retention_arm(struct retention *rt, int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	evtimer_add(rt->ev, &tv);
}

/* The end of a run: counts only, kept for status; the next in 24 h. */
static void
retention_done(struct retention *rt, int failed)
{
	int	 k;

	rt->last.at = (int64_t)clock_now();
	rt->last.failed = failed;
	for (k = 0; k < RETENTION_NKINDS; k++) {
		rt->last.purged[k] = rt->purged[k];
		rt->last.days[k] = rt->cfg.days[k];
	}
	retention_save(rt);
	if (failed)
		log_err("event=retention.failed kind=%s messages=%" PRId64
		    " audit=%" PRId64 " failed_recipients=%" PRId64
		    " retry_s=%d", retention_names[rt->kind],
		    rt->purged[RETENTION_MESSAGES],
		    rt->purged[RETENTION_AUDIT],
		    rt->purged[RETENTION_FAILED_RECIPIENTS], RETENTION_RETRY_S);
	else
		log_info("event=retention.purged messages=%" PRId64 " audit=%"
		    PRId64 " failed_recipients=%" PRId64 " slices=%d ms=%"
		    PRId64, rt->purged[RETENTION_MESSAGES],
		    rt->purged[RETENTION_AUDIT],
		    rt->purged[RETENTION_FAILED_RECIPIENTS], rt->slices,
		    clock_now_ms() - rt->t0);
	rt->active = 0;
	retention_arm(rt, (int64_t)(failed ? RETENTION_RETRY_S :
	    RETENTION_DAY_S) * 1000);
}

static void
retention_cb(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*rt = arg;
	int			 n, done = 0;

	(void)fd;
	(void)what;
	if (!rt->active) {
		/* One time for the whole run, so it ends. */
		rt->active = 1;
		rt->kind = 0;
		rt->slices = 0;
		rt->t0 = clock_now_ms();
		rt->now = clock_now();
		memset(rt->purged, 0, sizeof rt->purged);
	}
	if (retention_slice(rt, rt->kind, &n, &done) == -1) {
		retention_done(rt, 1);
		return;
	}
	rt->purged[rt->kind] += n;
	rt->slices++;
	if (done && ++rt->kind == RETENTION_NKINDS) {
		retention_done(rt, 0);
		return;
	}
	/* More to do: let the loop breathe first. */
	retention_arm(rt, 0);
}

struct retention *
retention_new(struct event_base *base, const struct retention_cfg *cfg)
{
	struct retention	*rt;
	int			 k;

	for (k = 0; k < RETENTION_NKINDS; k++)
		if (cfg->days[k] < 1) {
			log_err("event=retention.bad_days kind=%s days=%d",
			    retention_names[k], cfg->days[k]);
			return NULL;
		}
	rt = xcalloc(1, sizeof *rt);
	rt->cfg = *cfg;
	if ((rt->ev = evtimer_new(base, retention_cb, rt)) == NULL) {
		log_err("event=retention.timer_failed");
		free(rt);
		return NULL;
	}
	retention_load(rt);
	retention_arm(rt, RETENTION_FIRST_MS);
	return rt;
}

void
retention_free(struct retention *rt)
{
	if (rt == NULL)
		return;
	if (rt->active)
		log_info("event=retention.stopped kind=%s purged=%" PRId64,
		    retention_names[rt->kind], rt->purged[rt->kind]);
	event_free(rt->ev);
	free(rt);
}

void
retention_stats(const struct retention *rt, struct retention_stats *out)
{
	int	 k;

	memset(out, 0, sizeof *out);
	if (rt == NULL)
		return;
	*out = rt->last;
	for (k = 0; k < RETENTION_NKINDS; k++)
		out->days[k] = rt->cfg.days[k];
}
