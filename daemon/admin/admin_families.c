/*
 * /v1/families: a family is answered as one object with its assistants,
 * members and programmes. Lists mask the members' phones; the answer about
 * one family shows them in full.
 */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "outbox.h"
#include "people.h"
#include "phone.h"
#include "validate.h"

/* {"id","name"} of an assigned staff member, or null. */
static int
admin_add_staff_ref(struct areq *r, cJSON *o, const char *key, int64_t id)
{
	struct staff	 s;
	cJSON		*ref;

	if (id == 0) {
		cJSON_AddNullToObject(o, key);
		return 0;
	}
	if (people_staff_get(r->app->people, id, &s) != PEOPLE_OK)
		return -1;
	ref = cJSON_AddObjectToObject(o, key);
	admin_add_int(ref, "id", s.id);
	admin_add_str(ref, "name", s.name != NULL ? s.name : "");
	people_staff_clear(&s);
	return 0;
}

/*
 * What staff need to know before writing to a member: whether they take
 * announcements and reminders (since when), and the channel that last
 * carried a message to them. -1 on a storage error.
 */
static int
admin_member_reach_json(struct areq *r, cJSON *o, int64_t family_id,
    int64_t id)
{
	enum channel	 ch;
	int64_t		 since, at;
	int		 on;
	cJSON		*x;

	if (people_member_announcements(r->app->people, id, &on, &since) !=
	    PEOPLE_OK ||
	    outbox_member_last_sent(r->app->ob, family_id, id, &ch, &at) ==
	    -1)
		return -1;
	x = cJSON_AddObjectToObject(o, "announcements");
	cJSON_AddBoolToObject(x, "on", on);
	admin_add_int(x, "since", since);
	if (ch == 0) {
		cJSON_AddNullToObject(o, "last_channel");
		return 0;
	}
	x = cJSON_AddObjectToObject(o, "last_channel");
	admin_add_str(x, "channel", ch == CHANNEL_SMS ? "sms" : "telegram");
	admin_add_int(x, "at", at / 1000);
	return 0;
}

static int
admin_add_members(struct areq *r, cJSON *o, int64_t family_id, int full)
{
	struct member	*m = NULL;
	size_t		 n = 0, i;
	cJSON		*arr, *x;
	int		 rc = 0;

	if (people_member_list(r->app->people, family_id, &m, &n) !=
	    PEOPLE_OK)
		return -1;
	arr = cJSON_AddArrayToObject(o, "members");
	for (i = 0; i < n && rc == 0; i++) {
		x = admin_member_json(&m[i], full);
		cJSON_AddItemToArray(arr, x);
		if (full)
			rc = admin_member_reach_json(r, x, family_id,
			    m[i].id);
	}
	people_member_list_free(m, n);
	return rc;
}

cJSON *
admin_family_json(struct areq *r, const struct family *f, int full)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_int(o, "id", f->id);
	admin_add_str(o, "code", f->code);
	admin_add_str(o, "name", f->name != NULL ? f->name : "");
	admin_add_str(o, "language", f->language);
	admin_add_str(o, "channel", f->channel);
	admin_add_str(o, "notes", f->notes);
	admin_add_int(o, "created_at", f->created_at);
	admin_add_str(o, "status", f->erased_at != 0 ? "erased" :
	    f->closed_at != 0 ? "closed" : "open");
	if (f->closed_at != 0)
		admin_add_int(o, "closed_at", f->closed_at);
	else
		cJSON_AddNullToObject(o, "closed_at");
	if (f->erased_at != 0)
		admin_add_int(o, "erased_at", f->erased_at);
	else
		cJSON_AddNullToObject(o, "erased_at");
	if (admin_add_staff_ref(r, o, "assistant", f->assistant_id) == -1 ||
	    admin_add_staff_ref(r, o, "substitute", f->substitute_id) == -1 ||
	    admin_add_members(r, o, f->id, full) == -1 ||
	    admin_add_enrolments(r, o, "programmes", f->id, 0) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
admin_answer_family(struct areq *r, int64_t id, int status)
{
	struct family	 f;
	int		 rc;

	if ((rc = people_family_get(r->app->people, id, &f)) != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	rc = admin_answer(r, "family", admin_family_json(r, &f, 1), status);
	people_family_clear(&f);
	return rc;
}

static const struct admin_field admin_family_fields[] = {
	{ "name", ADMIN_FT_STRING, 1 },
	{ "language", ADMIN_FT_STRING, 1 },
	{ "channel", ADMIN_FT_STRING, 1 },
	{ "contact", ADMIN_FT_OBJECT, 1 },
	{ "assistant_id", ADMIN_FT_INT | ADMIN_FT_NULL, 0 },
	{ "substitute_id", ADMIN_FT_INT | ADMIN_FT_NULL, 0 },
	{ "notes", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ NULL, 0, 0 }
};

static int
admin_family_values(struct areq *r, const cJSON *b)
{
	int	 st;

	if ((st = admin_name_ok(r, "name", admin_str(b, "name"))) != 0 ||
	    (st = admin_enum_ok(r, "language", admin_str(b, "language"),
	    validate_lang)) != 0 ||
	    (st = admin_enum_ok(r, "channel", admin_str(b, "channel"),
	    validate_channel)) != 0 ||
	    (st = admin_notes_ok(r, admin_str(b, "notes"))) != 0)
		return st;
	return 0;
}

int
admin_family_add(struct areq *r)
{
	const cJSON		*c = admin_get(r->body, "contact");
	struct family_new	 nf;
	char			 phone[PHONE_MAX];
	int64_t			 fid, mid;
	int			 st, rc;

	if ((st = admin_fields(r, r->body, admin_family_fields)) != 0 ||
	    (st = admin_fields(r, c, admin_member_fields)) != 0 ||
	    (st = admin_family_values(r, r->body)) != 0 ||
	    (st = admin_name_ok(r, "contact.name", admin_str(c, "name"))) != 0)
		return st;
	memset(&nf, 0, sizeof nf);
	if ((st = admin_phone_ok(r, "contact.phone", admin_str(c, "phone"),
	    phone, &nf.contact_phone)) != 0)
		return st;
	nf.name = admin_str(r->body, "name");
	nf.language = admin_str(r->body, "language");
	nf.channel = admin_str(r->body, "channel");
	nf.notes = admin_str(r->body, "notes");
	nf.assistant_id = admin_int(r->body, "assistant_id", 0);
	nf.substitute_id = admin_int(r->body, "substitute_id", 0);
	nf.contact_name = admin_str(c, "name");
	rc = people_family_create(r->app->people, &nf, &fid, &mid);
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "contact.phone: the "
		    "number belongs to another member");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "assistant");
	if ((st = admin_audit(r, "family.add", "family", fid)) != 0)
		return st;
	return admin_answer_family(r, fid, 201);
}

static int
admin_family_filter(struct areq *r, struct family_filter *f)
{
	struct programme	 pg;
	int64_t			 v;
	int			 st, rc;

	memset(f, 0, sizeof *f);
	f->language = admin_query_str(r, "language");
	f->channel = admin_query_str(r, "channel");
	if ((st = admin_enum_ok(r, "language", f->language, validate_lang)) !=
	    0 || (st = admin_enum_ok(r, "channel", f->channel,
	    validate_channel)) != 0)
		return st;
	if ((v = admin_query_num(r, "assistant", 0, INT64_MAX)) < 0)
		return admin_error(r, 422, "invalid", "assistant: an id");
	if (v != 0 && (rc = people_staff_find(r->app->people,
	    admin_query_str(r, "assistant"), &f->assistant_id)) != PEOPLE_OK)
		return admin_people_err(r, rc, "assistant");
	if ((v = admin_query_num(r, "programme", 0, INT64_MAX)) < 0)
		return admin_error(r, 422, "invalid", "programme: an id");
	if (v != 0) {
		if ((rc = people_programme_get(r->app->people, v, &pg)) !=
		    PEOPLE_OK)
			return admin_people_err(r, rc, "programme");
		people_programme_clear(&pg);
		f->programme_id = v;
	}
	return 0;
}

int
admin_family_list(struct areq *r)
{
	struct family_filter	 flt;
	struct family		*a = NULL;
	size_t			 n = 0, i;
	cJSON			*arr, *o;
	int			 st, vis;

	if ((st = admin_family_filter(r, &flt)) != 0)
		return st;
	if (people_family_list(r->app->people, &flt, &a, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "families");
	for (i = 0; i < n; i++) {
		/* Staff see only the families they may open. */
		if ((vis = admin_family_visible(r, a[i].id)) == 0)
			continue;
		if (vis == -1 || (o = admin_family_json(r, &a[i], 0)) == NULL) {
			people_family_list_free(a, n);
			return admin_error(r, 500, "internal",
			    "storage error");
		}
		cJSON_AddItemToArray(arr, o);
	}
	people_family_list_free(a, n);
	return 200;
}

int
admin_family_show(struct areq *r)
{
	int64_t	 id;
	int	 st;

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0 ||
	    (st = admin_family_access(r, id)) != 0)
		return st;
	return admin_answer_family(r, id, 200);
}

int
admin_family_edit(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "name", ADMIN_FT_STRING, 0 },
		{ "language", ADMIN_FT_STRING, 0 },
		{ "channel", ADMIN_FT_STRING, 0 },
		{ "notes", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ NULL, 0, 0 }
	};
	const char	*notes = admin_str(r->body, "notes");
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0 ||
	    (st = admin_family_access(r, id)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_family_values(r, r->body)) != 0)
		return st;
	if (r->body->child == NULL)
		return admin_error(r, 400, "bad_request", "nothing to change");
	if (notes == NULL && admin_get(r->body, "notes") != NULL)
		notes = "";	/* null clears them */
	rc = people_family_update(r->app->people, id, admin_str(r->body,
	    "name"), admin_str(r->body, "language"), admin_str(r->body,
	    "channel"), notes);
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	if ((st = admin_audit(r, "family.edit", "family", id)) != 0)
		return st;
	return admin_answer_family(r, id, 200);
}

int
admin_family_assign(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "assistant_id", ADMIN_FT_INT | ADMIN_FT_NULL, 1 },
		{ "substitute_id", ADMIN_FT_INT | ADMIN_FT_NULL, 0 },
		{ NULL, 0, 0 }
	};
	struct family	 f;
	int64_t		 id, sub;
	int		 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0 ||
	    (st = admin_family_access(r, id)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((rc = people_family_get(r->app->people, id, &f)) != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	sub = f.substitute_id;	/* kept when not given */
	people_family_clear(&f);
	if (admin_get(r->body, "substitute_id") != NULL)
		sub = admin_int(r->body, "substitute_id", 0);
	rc = people_family_assign(r->app->people, id,
	    admin_int(r->body, "assistant_id", 0), sub);
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	if ((st = admin_audit(r, "family.assign", "family", id)) != 0)
		return st;
	return admin_answer_family(r, id, 200);
}

int
admin_family_remove(struct areq *r)
{
	int64_t	 id;
	int	 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0)
		return st;
	if ((rc = people_family_delete(r->app->people, id)) != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	if ((st = admin_audit(r, "family.remove", "family", id)) != 0)
		return st;
	r->out = cJSON_CreateObject();
	admin_add_int(r->out, "deleted", id);
	return 200;
}
