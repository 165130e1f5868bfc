/*
 * POST /v1/staff/{id}/invite and POST /v1/families/{family}/invite: a
 * one-time code and its t.me deep link; the Telegram account that sends
 * /start with it is linked to the staff or family member. The code is in
 * the answer once; only its keyed hash is stored.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "config.h"
#include "people.h"
#include "tg.h"
#include "xmalloc.h"

#define ADMIN_TTL_MAX		365	/* days an invitation may last */

static int
admin_ttl_ok(struct areq *r, int64_t ttl)
{
	if (ttl < 1 || ttl > ADMIN_TTL_MAX)
		return admin_error(r, 422, "invalid", "ttl_days: 1 to %d",
		    ADMIN_TTL_MAX);
	return 0;
}

static const struct admin_field admin_invite_fields[] = {
	{ "member_id", ADMIN_FT_INT, 0 },
	{ "ttl_days", ADMIN_FT_INT, 0 },
	{ NULL, 0, 0 }
};

/* Creates the invitation and answers with the code and the deep link. */
static int
admin_invite(struct areq *r, int64_t staff_id, int64_t member_id)
{
	const char	*bot = tg_username(r->app->tg);
	int64_t		 ttl, expires;
	char		*code = NULL, *link;
	cJSON		*o;
	int		 st, rc;

	ttl = admin_int(r->body, "ttl_days", r->app->cfg->invitation_ttl_days);
	if ((st = admin_ttl_ok(r, ttl)) != 0)
		return st;
	rc = people_invite_create(r->app->people, staff_id, member_id,
	    (int)ttl, r->uid, &code, &expires);
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "invitation");
	st = staff_id != 0 ? admin_audit(r, "staff.invite", "staff", staff_id) :
	    admin_audit(r, "family.invite", "member", member_id);
	if (st != 0) {
		free(code);
		return st;
	}
	link = xasprintf("https://t.me/%s?start=%s", bot != NULL ? bot :
	    "<bot>", code);
	o = cJSON_CreateObject();
	admin_add_str(o, "code", code);
	admin_add_str(o, "link", link);
	admin_add_int(o, "expires_at", expires);
	admin_add_str(o, "for", staff_id != 0 ? "staff" : "member");
	admin_add_int(o, "id", staff_id != 0 ? staff_id : member_id);
	if (bot == NULL)
		admin_add_str(o, "note", "the bot's username is not known yet "
		    "(Telegram not reached); put it in place of <bot>");
	explicit_bzero(code, strlen(code));
	free(code);
	free(link);
	return admin_answer(r, "invitation", o, 201);
}

int
admin_staff_invite(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "ttl_days", ADMIN_FT_INT, 0 },
		{ NULL, 0, 0 }
	};
	struct staff	 s;
	int64_t		 id;
	int		 st, rc, active;

	if ((st = admin_path_id(r, 0, &id, "staff member")) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((rc = people_staff_get(r->app->people, id, &s)) != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	active = s.active;
	people_staff_clear(&s);
	if (!active)
		return admin_error(r, 409, "conflict", "staff member is "
		    "disabled");
	return admin_invite(r, id, 0);
}

int
admin_family_invite(struct areq *r)
{
	struct member	*m = NULL;
	size_t		 n = 0, i;
	int64_t		 fid, mid, want;
	int		 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &fid)) != 0 ||
	    (st = admin_family_access(r, fid)) != 0 ||
	    (st = admin_fields(r, r->body, admin_invite_fields)) != 0)
		return st;
	if ((rc = people_member_list(r->app->people, fid, &m, &n)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	/* The list starts with the contact member. */
	want = admin_int(r->body, "member_id", 0);
	for (mid = 0, i = 0; i < n && mid == 0; i++)
		if (want == 0 || m[i].id == want)
			mid = m[i].id;
	people_member_list_free(m, n);
	if (mid == 0)
		return admin_error(r, 404, "not_found", "member not found in "
		    "this family");
	return admin_invite(r, 0, mid);
}
