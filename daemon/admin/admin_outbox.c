/*
 * GET /v1/outbox and POST /v1/outbox/{id}/retry: the rows of the queue of
 * outgoing messages, newest first, with what the channel and, for SMS,
 * the gateway reported; and a second chance for a row that failed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "dispatch.h"
#include "outbox.h"
#include "sms.h"
#include "validate.h"
#include "xmalloc.h"

/* What the gateway reported of an SMS; null on rows with no report. */
static void
admin_add_delivery(cJSON *o, const struct outbox_info *x)
{
	if (x->delivery <= SMS_DLR_NONE || x->delivery > SMS_DLR_EXPIRED)
		cJSON_AddNullToObject(o, "delivery");
	else
		admin_add_str(o, "delivery",
		    sms_delivery_name((enum sms_delivery)x->delivery));
	admin_add_str(o, "delivery_code", x->delivery_code[0] != '\0' ?
	    x->delivery_code : NULL);
	if (x->delivery_at != 0)
		admin_add_int(o, "delivery_at", x->delivery_at / 1000);
	else
		cJSON_AddNullToObject(o, "delivery_at");
}

static cJSON *
admin_outbox_json(const struct outbox_info *x)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_int(o, "id", x->id);
	admin_add_str(o, "state", outbox_state_name(x->state));
	admin_add_int(o, "priority", x->priority);
	admin_add_str(o, "lane",
	    outbox_priority_name((enum outbox_priority)x->priority));
	admin_add_str(o, "channel", x->channel == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_str(o, "method", x->method);
	admin_add_int(o, "attempts", x->attempts);
	if (x->has_error_code)
		admin_add_int(o, "error_code", x->error_code);
	else
		cJSON_AddNullToObject(o, "error_code");
	admin_add_str(o, "last_error", x->last_error[0] != '\0' ?
	    x->last_error : NULL);
	admin_add_int(o, "created_at", x->created_at / 1000);
	if (x->sent_at != 0)
		admin_add_int(o, "sent_at", x->sent_at / 1000);
	else
		cJSON_AddNullToObject(o, "sent_at");
	admin_add_str(o, "cause", x->cause);
	admin_add_delivery(o, x);
	return o;
}

int
admin_outbox_list(struct areq *r)
{
	struct outbox_info	*rows;
	const char		*state = admin_query_str(r, "state");
	const char		*channel = admin_query_str(r, "channel");
	enum channel		 ch = 0;
	int64_t			 limit;
	int			 s = -1, n, i;
	cJSON			*arr;

	if ((limit = admin_query_num(r, "limit", ADMIN_LIST_DEFAULT,
	    ADMIN_LIST_MAX)) < 0)
		return admin_error(r, 422, "invalid", "limit: 1 to %d",
		    ADMIN_LIST_MAX);
	for (i = 0; state != NULL && i < OUTBOX_NSTATES; i++)
		if (strcmp(state, outbox_state_name((enum outbox_state)i)) ==
		    0)
			s = i;
	if (state != NULL && s == -1)
		return admin_error(r, 422, "invalid", "state: unknown value");
	if (channel != NULL && validate_channel(channel) == -1)
		return admin_error(r, 422, "invalid", "channel: unknown value");
	if (channel != NULL)
		ch = strcmp(channel, "sms") == 0 ? CHANNEL_SMS :
		    CHANNEL_TELEGRAM;
	rows = xcalloc((size_t)limit, sizeof *rows);
	if ((n = outbox_list(r->app->ob, s, ch, 0, rows, (int)limit)) == -1) {
		free(rows);
		return admin_error(r, 500, "internal", "storage error");
	}
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "outbox");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, admin_outbox_json(&rows[i]));
	free(rows);
	return 200;
}

int
admin_outbox_retry(struct areq *r)
{
	struct outbox_info	 x;
	int64_t			 id;
	int			 st, changed = 0, n;

	if ((st = admin_path_id(r, 0, &id, "outbox row")) != 0)
		return st;
	if ((n = outbox_list(r->app->ob, -1, 0, id, &x, 1)) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if (n == 0)
		return admin_error(r, 404, "not_found", "outbox row not found");
	if (x.state != OUTBOX_FAILED)
		return admin_error(r, 409, "conflict", "only a failed row can "
		    "be retried (this one is %s)", outbox_state_name(x.state));
	if (outbox_retry_failed(r->app->ob, id, &changed) == -1 ||
	    changed != 1 || outbox_list(r->app->ob, -1, 0, id, &x, 1) != 1)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "outbox.retry", "outbox", id)) != 0)
		return st;
	/* Runs on the next loop turn, after this transaction commits. */
	dispatch_kick(r->app->disp);
	return admin_answer(r, "outbox", admin_outbox_json(&x), 200);
}
