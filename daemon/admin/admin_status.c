/*
 * GET /v1/status: what an operator checks first. The version and uptime,
 * the Telegram link's state, the outbox's rows by state and the inbound
 * updates not yet handled, outcomes a full disk holds back. And the
 * thorough integrity check of the database, on demand.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "dispatch.h"
#include "inbound.h"
#include "outbox.h"
#include "store.h"
#include "tg.h"

#define ADMIN_CHECK_MAX	100	/* problems listed at most */

int
admin_status(struct areq *r)
{
	struct app		*app = r->app;
	struct dispatch_stats	 ds;
	int64_t			 counts[OUTBOX_NSTATES], pending = 0;
	cJSON		*o, *t, *q;
	int		 s;

	if (outbox_counts(app->ob, counts) == -1 ||
	    inbound_count_pending(app->is, &pending) == -1)
		return admin_error(r, 500, "internal", "storage error");
	o = r->out = cJSON_CreateObject();
	admin_add_str(o, "version", ASYSTENT_VERSION);
	admin_add_int(o, "uptime_s", (store_now_ms() - app->started_at) / 1000);
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
