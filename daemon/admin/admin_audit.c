/*
 * GET /v1/audit: the newest rows of the audit trail, which every change
 * made through this API writes (admin_audit()): who, when, what action,
 * on which object. The rows name objects by id, never a person. Query
 * `staff` (an id: the rows of their login), `family` (a code or id: the
 * rows about it and its members), `since` (unix seconds).
 */
#include <stdint.h>
#include <stdlib.h>

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

/* The query's filters into *f; 0 or the status of the error set. */
static int
admin_audit_filter(struct areq *r, struct audit_filter *f)
{
	const char	*staff = admin_query_str(r, "staff");
	const char	*fam = admin_query_str(r, "family");
	const char	*since = admin_query_str(r, "since");
	char		*end;
	long long	 v;
	int64_t		 sid;
	int		 rc, st;

	f->uid = -1;
	f->family_id = 0;
	f->since = 0;
	if (staff != NULL) {
		if ((rc = people_staff_find(r->app->people, staff, &sid)) !=
		    PEOPLE_OK)
			return admin_people_err(r, rc, "staff member");
		if (people_staff_uid(r->app->people, sid, &f->uid) !=
		    PEOPLE_OK)
			return admin_error(r, 500, "internal",
			    "storage error");
		/* No login, no rows: nothing they did went through here. */
		if (f->uid < 0)
			f->limit = 0;
	}
	if (fam != NULL && (st = admin_family_ref(r, fam, &f->family_id)) != 0)
		return st;
	if (since != NULL) {
		v = strtoll(since, &end, 10);
		if (*since == '\0' || *end != '\0' || v < 0)
			return admin_error(r, 422, "invalid", "since: unix "
			    "seconds expected");
		f->since = v;
	}
	return 0;
}

int
admin_audit_list(struct areq *r)
{
	struct audit_filter	 f;
	int64_t			 limit;
	cJSON			*arr;
	int			 st;

	if ((limit = admin_query_num(r, "limit", ADMIN_LIST_DEFAULT,
	    ADMIN_LIST_MAX)) < 0)
		return admin_error(r, 422, "invalid", "limit: 1 to %d",
		    ADMIN_LIST_MAX);
	f.limit = (int)limit;
	if ((st = admin_audit_filter(r, &f)) != 0)
		return st;
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "audit");
	if (f.limit > 0 && people_audit_find(r->app->people, &f,
	    admin_audit_row, arr) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	return 200;
}
