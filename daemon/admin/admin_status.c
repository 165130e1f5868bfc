/*
 * GET /v1/status: what an operator checks first. The version and uptime,
 * the Telegram link's state, the outbox's rows by state and by lane, the
 * inbound updates not yet handled, outcomes a full disk holds back, the
 * sends per channel and whether a refused token pauses one, the
 * reminders dropped (missed while down) or skipped (turned off), the
 * database's size. The metrics page shows the same. And the thorough
 * integrity check of the database, on demand.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "channel.h"
#include "config.h"
#include "dispatch.h"
#include "erase.h"
#include "inbound.h"
#include "outbox.h"
#include "people.h"
#include "retention.h"
#include "store.h"
#include "tg.h"
#include "visits.h"

#define ADMIN_CHECK_MAX	100	/* problems listed at most */

/* The states a lane is shown in; sent rows only grow, and are not. */
static const enum outbox_state admin_lane_states[] = {
	OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_FAILED
};

static const enum channel admin_channels[] = {
	CHANNEL_TELEGRAM, CHANNEL_SMS
};

/* {"conversation":{"queued","sending","failed"},"reminder":...} */
static void
admin_status_lanes(cJSON *o, int64_t depth[OUTBOX_NPRIOS][OUTBOX_NSTATES])
{
	enum outbox_state	 st;
	cJSON			*lanes, *l;
	size_t			 s;
	int			 p;

	lanes = cJSON_AddObjectToObject(o, "lanes");
	for (p = 0; p < OUTBOX_NPRIOS; p++) {
		l = cJSON_AddObjectToObject(lanes,
		    outbox_priority_name((enum outbox_priority)p));
		for (s = 0; s < sizeof admin_lane_states /
		    sizeof admin_lane_states[0]; s++) {
			st = admin_lane_states[s];
			admin_add_int(l, outbox_state_name(st), depth[p][st]);
		}
	}
}

/* {"telegram":{"auth_paused","sent","retried",...},"sms":{...}} */
static void
admin_status_channels(cJSON *o, const struct dispatch_stats *ds)
{
	const struct dispatch_channel_stats	*cs;
	cJSON					*chs, *c;
	size_t					 i;
	int					 r;

	chs = cJSON_AddObjectToObject(o, "channels");
	for (i = 0; i < sizeof admin_channels / sizeof admin_channels[0];
	    i++) {
		cs = &ds->ch[admin_channels[i]];
		c = cJSON_AddObjectToObject(chs,
		    channel_get(admin_channels[i])->name);
		cJSON_AddBoolToObject(c, "auth_paused", cs->auth_paused);
		for (r = 0; r < DISPATCH_NRESULTS; r++)
			admin_add_int(c,
			    dispatch_result_name((enum dispatch_result)r),
			    (int64_t)cs->results[r]);
	}
}

/* What the last daily retention run purged, per kind. */
static void
admin_status_retention(cJSON *o, const struct retention *rt)
{
	struct retention_stats	 rs;
	cJSON			*x, *k;
	int			 i;

	retention_stats(rt, &rs);
	x = cJSON_AddObjectToObject(o, "retention");
	if (rs.at != 0)
		admin_add_int(x, "last_run_at", rs.at);
	else
		cJSON_AddNullToObject(x, "last_run_at");
	cJSON_AddBoolToObject(x, "failed", rs.failed);
	for (i = 0; i < RETENTION_NKINDS; i++) {
		k = cJSON_AddObjectToObject(x,
		    retention_kind_name((enum retention_kind)i));
		admin_add_int(k, "days", rs.days[i]);
		admin_add_int(k, "purged", rs.purged[i]);
	}
}

int
admin_status(struct areq *r)
{
	struct app		*app = r->app;
	struct dispatch_stats	 ds;
	int64_t			 counts[OUTBOX_NSTATES], pending = 0;
	int64_t			 depth[OUTBOX_NPRIOS][OUTBOX_NSTATES];
	int64_t			 db = 0, wal = 0, fopen, fclosed, ferased;
	int64_t			 ret_run, ret_all;
	uint64_t		 dropped = 0, skipped = 0;
	cJSON		*o, *t, *q;
	int		 s;

	if (outbox_counts(app->ob, counts) == -1 ||
	    outbox_depth(app->ob, depth) == -1 ||
	    inbound_count_pending(app->is, &pending) == -1 ||
	    visits_reminder_counts(app->visits, &dropped, &skipped) !=
	    VISITS_OK ||
	    people_family_states(app->people, &fopen, &fclosed, &ferased) !=
	    PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	o = r->out = cJSON_CreateObject();
	admin_add_str(o, "version", ASYSTENT_VERSION);
	admin_add_int(o, "uptime_s", (store_now_ms() - app->started_at) / 1000);
	admin_add_int(o, "started_at", app->started_at / 1000);
	t = cJSON_AddObjectToObject(o, "telegram");
	admin_add_str(t, "state", tg_state_name(tg_get_state(app->tg)));
	admin_add_str(t, "bot_username", tg_username(app->tg));
	admin_add_int(t, "offset", tg_offset(app->tg));
	q = cJSON_AddObjectToObject(o, "outbox");
	for (s = 0; s < OUTBOX_NSTATES; s++)
		admin_add_int(q, outbox_state_name((enum outbox_state)s),
		    counts[s]);
	admin_add_int(o, "inbound_pending", pending);
	dispatch_get_stats(app->disp, &ds);
	/* Outcomes the store refused (a full disk), written when it can. */
	admin_add_int(o, "outcomes_held", ds.unrecorded);
	/* Reminders never sent, ever: counted from their table. */
	admin_add_int(o, "reminders_dropped", (int64_t)dropped);
	admin_add_int(o, "reminders_skipped", (int64_t)skipped);
	/* Erased families still count; the retention's erasures. */
	q = cJSON_AddObjectToObject(o, "families");
	admin_add_int(q, "open", fopen);
	admin_add_int(q, "closed", fclosed);
	admin_add_int(q, "erased", ferased);
	erase_retention_counts(&ret_run, &ret_all);
	admin_add_int(q, "erased_by_retention", ret_all);
	cJSON_AddItemToObject(o, "key_rotation",
	    admin_rotation_json(app->rotate));
	admin_status_lanes(o, depth);
	admin_status_channels(o, &ds);
	admin_status_retention(o, app->retention);
	/* A database that cannot be stat()ed shows no sizes (null). */
	if (store_file_sizes(app->cfg->database, &db, &wal) == 0) {
		q = cJSON_AddObjectToObject(o, "database");
		admin_add_int(q, "bytes", db);
		admin_add_int(q, "wal_bytes", wal);
	} else
		cJSON_AddNullToObject(o, "database");
	/* The month's SMS broadcasts against their budget. */
	if (admin_broadcast_status(r, o) == -1)
		return admin_error(r, 500, "internal", "storage error");
	return 200;
}

static void
admin_check_problem(const char *problem, void *arg)
{
	cJSON	*arr = arg;

	cJSON_AddItemToArray(arr, cJSON_CreateString(problem));
}

/* GET /v1/check: the database's thorough integrity check, on demand. */
int
admin_check(struct areq *r)
{
	cJSON	*o, *arr;
	int64_t	 t0 = store_now_ms();
	int	 ok;

	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "problems");
	if (store_integrity_check(r->app->st, ADMIN_CHECK_MAX, &ok,
	    admin_check_problem, arr) == -1) {
		cJSON_Delete(o);
		return admin_error(r, 500, "internal", "the check could not "
		    "run");
	}
	admin_add_str(o, "integrity", ok ? "ok" : "damaged");
	admin_add_int(o, "ms", store_now_ms() - t0);
	r->out = o;
	return 200;
}
