/*
 * Erasing a family (POST /v1/families/{id}/erase, admins) and closing
 * one (POST /v1/families/{id}/close): the retention erases families
 * closed longer than [retention] closed_family_years (erase.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "clock.h"
#include "erase.h"
#include "log.h"
#include "people.h"

struct admin_erase_audit {
	struct areq	*r;
	int64_t		 id;
	int		 forced;
};

static int
admin_erase_audit(void *arg)
{
	struct admin_erase_audit	*a = arg;

	return admin_audit(a->r, a->forced ? "family.erase_forced" :
	    "family.erase", "family", a->id);
}

/* 409 naming what is ahead of the family, or 0 when nothing is. */
static int
admin_erase_blocked(struct areq *r, int64_t id)
{
	struct erase_blockers	 b;
	char			 what[256] = "", part[64];
	size_t			 i;
	cJSON			*arr;

	if (erase_blockers(r->app, id, &b) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if (b.visits_ahead == 0 && b.nbroadcasts == 0)
		return 0;
	if (b.visits_ahead > 0) {
		snprintf(part, sizeof part, "%" PRId64 " planned visit(s) "
		    "ahead", b.visits_ahead);
		strncat(what, part, sizeof what - strlen(what) - 1);
	}
	for (i = 0; i < b.nbroadcasts; i++) {
		snprintf(part, sizeof part, "%sbroadcast %" PRId64 " being "
		    "sent", what[0] != '\0' ? "; " : "", b.broadcasts[i]);
		strncat(what, part, sizeof what - strlen(what) - 1);
	}
	r->details = cJSON_CreateObject();
	admin_add_int(r->details, "visits_ahead", b.visits_ahead);
	arr = cJSON_AddArrayToObject(r->details, "broadcasts");
	for (i = 0; i < b.nbroadcasts; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(
		    (double)b.broadcasts[i]));
	return admin_error(r, 409, "conflict", "family has %s; cancel them "
	    "or erase with force", what);
}

int
admin_family_erase(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "confirm", ADMIN_FT_BOOL, 0 },
		{ "force", ADMIN_FT_BOOL, 0 },
		{ NULL, 0, 0 }
	};
	struct admin_erase_audit	 a;
	int64_t				 id, at;
	int				 st, rc;

	if ((st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0)
		return st;
	if (!cJSON_IsTrue(admin_get(r->body, "confirm")))
		return admin_error(r, 400, "bad_request", "erasing a family "
		    "destroys its data for good: confirm it (\"confirm\": "
		    "true; asystentctl: --confirm)");
	if (people_family_erased(r->app->people, id, &at) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	if (at != 0)
		return admin_error(r, 409, "already_erased", "family %" PRId64
		    " was erased already", id);
	a.r = r;
	a.id = id;
	a.forced = cJSON_IsTrue(admin_get(r->body, "force"));
	if (!a.forced && (st = admin_erase_blocked(r, id)) != 0)
		return st;
	switch ((rc = erase_family(r->app, id, admin_erase_audit, &a))) {
	case ERASE_OK:
		break;
	case ERASE_NOT_FOUND:
		return admin_error(r, 404, "not_found", "family not found");
	case ERASE_ALREADY:
		return admin_error(r, 409, "already_erased", "family %" PRId64
		    " was erased already", id);
	default:
		return admin_error(r, 500, "internal", "storage error");
	}
	if (people_family_erased(r->app->people, id, &at) != PEOPLE_OK)
		at = clock_now();
	r->out = cJSON_CreateObject();
	admin_add_int(r->out, "erased", id);
	admin_add_int(r->out, "erased_at", at);
	return 200;
}

int
admin_family_close(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "open", ADMIN_FT_BOOL, 0 },
		{ NULL, 0, 0 }
	};
	int64_t	 id, at;
	int	 st, rc;

	if ((st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_family_ref(r, r->arg[0], &id)) != 0 ||
	    (st = admin_family_access(r, id)) != 0)
		return st;
	at = cJSON_IsTrue(admin_get(r->body, "open")) ? 0 : clock_now();
	if ((rc = people_family_close(r->app->people, id, at)) != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	if ((st = admin_audit(r, at != 0 ? "family.close" : "family.reopen",
	    "family", id)) != 0)
		return st;
	r->out = cJSON_CreateObject();
	admin_add_int(r->out, "id", id);
	if (at != 0)
		admin_add_int(r->out, "closed_at", at);
	else
		cJSON_AddNullToObject(r->out, "closed_at");
	return 200;
}
