/*
 * GET /v1/status: what an operator checks first. The version and uptime,
 * the Telegram link's state, the outbox's rows by state and the inbound
 * updates not yet handled.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "inbound.h"
#include "outbox.h"
#include "store.h"
#include "tg.h"

int
admin_status(struct areq *r)
{
	struct app	*app = r->app;
	int64_t		 counts[OUTBOX_NSTATES], pending = 0;
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
	return 200;
}
