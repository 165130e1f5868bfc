/*
 * POST /v1/families/{family}/members, PATCH and DELETE /v1/members/{id}:
 * a family's members, and the member object that the family, consent and
 * member answers share.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "phone.h"

/* Lists show "+48******789": enough to tell numbers apart on screen. */
static void
admin_phone_mask(const char *phone, char out[PHONE_MAX])
{
	size_t	 len = strlen(phone), i;

	snprintf(out, PHONE_MAX, "%s", phone);
	for (i = 3; i + 3 < len; i++)
		out[i] = '*';
}

/* "consent": null, or {"at","version","ref"} (ref null unless on paper). */
static void
admin_add_consent(cJSON *o, const struct member *m)
{
	cJSON	*c;

	if (m->consent_at == 0) {
		cJSON_AddNullToObject(o, "consent");
		return;
	}
	c = cJSON_AddObjectToObject(o, "consent");
	admin_add_int(c, "at", m->consent_at);
	admin_add_str(c, "version", m->consent_version[0] != '\0' ?
	    m->consent_version : NULL);
	admin_add_str(c, "ref", m->consent_ref[0] != '\0' ? m->consent_ref :
	    NULL);
}

cJSON *
admin_member_json(const struct member *m, int full)
{
	cJSON	*o = cJSON_CreateObject();
	char	 masked[PHONE_MAX];

	admin_add_int(o, "id", m->id);
	admin_add_int(o, "family_id", m->family_id);
	admin_add_str(o, "name", m->name != NULL ? m->name : "");
	if (m->phone[0] == '\0')
		cJSON_AddNullToObject(o, "phone");
	else if (full)
		cJSON_AddStringToObject(o, "phone", m->phone);
	else {
		admin_phone_mask(m->phone, masked);
		cJSON_AddStringToObject(o, "phone", masked);
	}
	cJSON_AddBoolToObject(o, "contact", m->contact);
	cJSON_AddBoolToObject(o, "telegram_linked", m->telegram_linked);
	admin_add_consent(o, m);
	return o;
}

int
admin_answer_member(struct areq *r, int64_t id, int status)
{
	struct member	 m;
	int		 rc;

	if ((rc = people_member_get(r->app->people, id, &m)) != PEOPLE_OK)
		return admin_people_err(r, rc, "member");
	rc = admin_answer(r, "member", admin_member_json(&m, 1), status);
	people_member_clear(&m);
	return rc;
}

/* A family's contact (POST /v1/families) is a new member too. */
const struct admin_field admin_member_fields[] = {
	{ "name", ADMIN_FT_STRING, 1 },
	{ "phone", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ NULL, 0, 0 }
};

int
admin_member_add(struct areq *r)
{
	char		 buf[PHONE_MAX];
	const char	*phone;
	int64_t		 fid, id;
	int		 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &fid)) != 0 ||
	    (st = admin_family_access(r, fid)) != 0 ||
	    (st = admin_fields(r, r->body, admin_member_fields)) != 0 ||
	    (st = admin_name_ok(r, "name", admin_str(r->body, "name"))) != 0 ||
	    (st = admin_phone_ok(r, "phone", admin_str(r->body, "phone"), buf,
	    &phone)) != 0)
		return st;
	rc = people_member_create(r->app->people, fid, admin_str(r->body,
	    "name"), phone, 0, &id);
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "phone: the number "
		    "belongs to another member");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	if ((st = admin_audit(r, "member.add", "member", id)) != 0)
		return st;
	return admin_answer_member(r, id, 201);
}

int
admin_member_edit(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "name", ADMIN_FT_STRING, 0 },
		{ "phone", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ NULL, 0, 0 }
	};
	char		 buf[PHONE_MAX];
	const char	*phone;
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_path_id(r, 0, &id, "member")) != 0 ||
	    (st = admin_member_access(r, id)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_name_ok(r, "name", admin_str(r->body, "name"))) != 0 ||
	    (st = admin_phone_ok(r, "phone", admin_str(r->body, "phone"), buf,
	    &phone)) != 0)
		return st;
	if (r->body->child == NULL)
		return admin_error(r, 400, "bad_request", "nothing to change");
	rc = people_member_update(r->app->people, id, admin_str(r->body,
	    "name"), admin_get(r->body, "phone") != NULL, phone);
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "phone: the number "
		    "belongs to another member");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "member");
	if ((st = admin_audit(r, "member.edit", "member", id)) != 0)
		return st;
	return admin_answer_member(r, id, 200);
}

int
admin_member_remove(struct areq *r)
{
	int64_t	 id;
	int	 st, rc;

	if ((st = admin_path_id(r, 0, &id, "member")) != 0 ||
	    (st = admin_member_access(r, id)) != 0)
		return st;
	rc = people_member_delete(r->app->people, id);
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "the last member of a "
		    "family cannot be removed; remove the family");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "member");
	if ((st = admin_audit(r, "member.remove", "member", id)) != 0)
		return st;
	r->out = cJSON_CreateObject();
	admin_add_int(r->out, "deleted", id);
	return 200;
}
