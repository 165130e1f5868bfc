/*
 * GET /v1/audit: the newest rows of the audit trail, which every change
 * made through this API writes (admin_audit()): who, when, what action,
 * on which object. The rows name objects by id, never a person.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"

static int
admin_audit_row(const struct audit_row *row, void *arg)
{
	cJSON	*arr = arg, *o = cJSON_CreateObject();

	admin_add_int(o, "id", row->id);
	admin_add_int(o, "at", row->at);
	admin_add_int(o, "uid", row->uid);
	admin_add_str(o, "action", row->action);
	admin_add_str(o, "object", row->object);
	if (row->object_id != 0)
		admin_add_int(o, "object_id", row->object_id);
	else
		cJSON_AddNullToObject(o, "object_id");
	cJSON_AddItemToArray(arr, o);
	return 0;
}

int
admin_audit_list(struct areq *r)
{
	int64_t	 limit;
	cJSON	*arr;

	if ((limit = admin_query_num(r, "limit", ADMIN_LIST_DEFAULT,
	    ADMIN_LIST_MAX)) < 0)
		return admin_error(r, 422, "invalid", "limit: 1 to %d",
		    ADMIN_LIST_MAX);
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "audit");
	if (people_audit_list(r->app->people, (int)limit, admin_audit_row,
	    arr) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	return 200;
}
