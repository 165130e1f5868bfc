/* The admin API's endpoints, version 1 (doc/admin-api.md). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "clock.h"
#include "config.h"
#include "dispatch.h"
#include "inbound.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "phone.h"
#include "sms.h"
#include "store.h"
#include "tg.h"
#include "validate.h"
#include "xmalloc.h"

#define ADMIN_TTL_MAX		365

/* ---- request helpers ------------------------------------------------- */

static int
admin_ttl_ok(struct areq *r, int64_t ttl)
{
	if (ttl < 1 || ttl > ADMIN_TTL_MAX)
		return admin_error(r, 422, "invalid", "ttl_days: 1 to %d",
		    ADMIN_TTL_MAX);
	return 0;
}

/* ---- JSON objects ---------------------------------------------------- */

static cJSON *
admin_staff_json(const struct staff *s)
{
	cJSON	*o = cJSON_CreateObject(), *langs;
	char	 buf[VALIDATE_LANGS_MAX], *p, *save = NULL;

	admin_add_int(o, "id", s->id);
	admin_add_str(o, "name", s->name != NULL ? s->name : "");
	admin_add_str(o, "kind", s->kind);
	langs = cJSON_AddArrayToObject(o, "languages");
	snprintf(buf, sizeof buf, "%s", s->languages);
	for (p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		cJSON_AddItemToArray(langs, cJSON_CreateString(p));
	cJSON_AddBoolToObject(o, "active", s->active);
	cJSON_AddBoolToObject(o, "telegram_linked", s->telegram_linked);
	admin_add_int(o, "families", s->families);
	admin_add_int(o, "created_at", s->created_at);
	return o;
}

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

static cJSON *
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

static cJSON *
admin_enrolment_json(const struct enrolment *e)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_int(o, "id", e->id);
	admin_add_int(o, "family_id", e->family_id);
	admin_add_str(o, "family_code", e->family_code);
	admin_add_int(o, "programme_id", e->programme_id);
	admin_add_str(o, "programme", e->programme);
	admin_add_str(o, "group", e->group);
	admin_add_str(o, "from", e->from);
	admin_add_str(o, "until", e->until[0] != '\0' ? e->until : NULL);
	return o;
}

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

static int
admin_add_members(struct areq *r, cJSON *o, int64_t family_id, int full)
{
	struct member	*m = NULL;
	size_t		 n = 0, i;
	cJSON		*arr;

	if (people_member_list(r->app->people, family_id, &m, &n) !=
	    PEOPLE_OK)
		return -1;
	arr = cJSON_AddArrayToObject(o, "members");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, admin_member_json(&m[i], full));
	people_member_list_free(m, n);
	return 0;
}

static int
admin_add_programmes(struct areq *r, cJSON *o, int64_t family_id)
{
	struct enrolment	*e = NULL;
	size_t			 n = 0, i;
	cJSON			*arr, *x;

	if (people_enrolment_list(r->app->people, family_id, 0, &e, &n) !=
	    PEOPLE_OK)
		return -1;
	arr = cJSON_AddArrayToObject(o, "programmes");
	for (i = 0; i < n; i++) {
		x = cJSON_CreateObject();
		admin_add_int(x, "programme_id", e[i].programme_id);
		admin_add_str(x, "programme", e[i].programme);
		admin_add_str(x, "group", e[i].group);
		admin_add_str(x, "from", e[i].from);
		admin_add_str(x, "until", e[i].until[0] != '\0' ? e[i].until :
		    NULL);
		cJSON_AddItemToArray(arr, x);
	}
	people_enrolment_list_free(e, n);
	return 0;
}

static cJSON *
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
	if (admin_add_staff_ref(r, o, "assistant", f->assistant_id) == -1 ||
	    admin_add_staff_ref(r, o, "substitute", f->substitute_id) == -1 ||
	    admin_add_members(r, o, f->id, full) == -1 ||
	    admin_add_programmes(r, o, f->id) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
admin_programme_json(const struct programme *pg)
{
	cJSON	*o = cJSON_CreateObject(), *g;
	size_t	 i;

	admin_add_int(o, "id", pg->id);
	admin_add_str(o, "name", pg->name);
	g = cJSON_AddArrayToObject(o, "groups");
	for (i = 0; i < pg->ngroups; i++)
		cJSON_AddItemToArray(g, cJSON_CreateString(pg->groups[i]));
	admin_add_int(o, "enrolled", pg->enrolled);
	admin_add_int(o, "created_at", pg->created_at);
	return o;
}

static int
admin_answer_staff(struct areq *r, int64_t id, int status)
{
	struct staff	 s;
	int		 rc;

	if ((rc = people_staff_get(r->app->people, id, &s)) != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	rc = admin_answer(r, "staff", admin_staff_json(&s), status);
	people_staff_clear(&s);
	return rc;
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

/* ---- staff ----------------------------------------------------------- */

/* ["pl","uk"] -> "pl,uk"; each known, none twice, at least one. */
static int
admin_languages(struct areq *r, const cJSON *arr, char out[VALIDATE_LANGS_MAX])
{
	const cJSON	*it;

	out[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			return admin_error(r, 400, "bad_request",
			    "languages: strings expected");
		if (validate_lang(it->valuestring) == -1)
			return admin_error(r, 422, "invalid",
			    "languages: unknown language");
		if (validate_langs_add(out, it->valuestring) == -1)
			return admin_error(r, 422, "invalid",
			    "languages: given twice");
	}
	if (out[0] == '\0')
		return admin_error(r, 422, "invalid",
		    "languages: at least one");
	return 0;
}

static const struct admin_field admin_staff_fields[] = {
	{ "name", ADMIN_FT_STRING, 1 },
	{ "kind", ADMIN_FT_STRING, 1 },
	{ "languages", ADMIN_FT_ARRAY, 0 },
	{ "active", ADMIN_FT_BOOL, 0 },
	{ NULL, 0, 0 }
};

/* Checks name, kind, languages of a staff body (present ones). */
static int
admin_staff_values(struct areq *r, char langs[VALIDATE_LANGS_MAX],
    const char **langsp)
{
	const cJSON	*l = admin_get(r->body, "languages");
	int		 st;

	*langsp = NULL;
	if ((st = admin_name_ok(r, "name", admin_str(r->body, "name"))) != 0 ||
	    (st = admin_enum_ok(r, "kind", admin_str(r->body, "kind"),
	    validate_kind)) != 0)
		return st;
	if (l == NULL)
		return 0;
	if ((st = admin_languages(r, l, langs)) != 0)
		return st;
	*langsp = langs;
	return 0;
}

int
admin_staff_add(struct areq *r)
{
	char		 langs[VALIDATE_LANGS_MAX];
	const char	*lp;
	const cJSON	*active = admin_get(r->body, "active");
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_fields(r, r->body, admin_staff_fields)) != 0 ||
	    (st = admin_staff_values(r, langs, &lp)) != 0)
		return st;
	rc = people_staff_create(r->app->people, admin_str(r->body, "name"),
	    admin_str(r->body, "kind"), lp != NULL ? lp : "pl",
	    active == NULL || cJSON_IsTrue(active), &id);
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	if ((st = admin_audit(r, "staff.add", "staff", id)) != 0)
		return st;
	return admin_answer_staff(r, id, 201);
}

int
admin_staff_list(struct areq *r)
{
	struct staff	*a = NULL;
	size_t		 n = 0, i;
	cJSON		*arr;

	if (people_staff_list(r->app->people, &a, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "staff");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, admin_staff_json(&a[i]));
	people_staff_list_free(a, n);
	return 200;
}

int
admin_staff_show(struct areq *r)
{
	int64_t	 id;
	int	 st;

	if ((st = admin_path_id(r, 0, &id, "staff member")) != 0)
		return st;
	return admin_answer_staff(r, id, 200);
}

int
admin_staff_edit(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "name", ADMIN_FT_STRING, 0 },
		{ "kind", ADMIN_FT_STRING, 0 },
		{ "languages", ADMIN_FT_ARRAY, 0 },
		{ "active", ADMIN_FT_BOOL, 0 },
		{ NULL, 0, 0 }
	};
	char		 langs[VALIDATE_LANGS_MAX];
	const char	*lp;
	const cJSON	*active = admin_get(r->body, "active");
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_path_id(r, 0, &id, "staff member")) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_staff_values(r, langs, &lp)) != 0)
		return st;
	if (r->body->child == NULL)
		return admin_error(r, 400, "bad_request", "nothing to change");
	rc = people_staff_update(r->app->people, id, admin_str(r->body, "name"),
	    admin_str(r->body, "kind"), lp, active == NULL ? -1 :
	    cJSON_IsTrue(active));
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	if ((st = admin_audit(r, "staff.edit", "staff", id)) != 0)
		return st;
	return admin_answer_staff(r, id, 200);
}

int
admin_staff_disable(struct areq *r)
{
	static const struct admin_field none[] = { { NULL, 0, 0 } };
	int64_t	 id;
	int	 st, rc;

	if ((st = admin_path_id(r, 0, &id, "staff member")) != 0 ||
	    (st = admin_fields(r, r->body, none)) != 0)
		return st;
	rc = people_staff_update(r->app->people, id, NULL, NULL, NULL, 0);
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	if ((st = admin_audit(r, "staff.disable", "staff", id)) != 0)
		return st;
	return admin_answer_staff(r, id, 200);
}

/* ---- invitations ----------------------------------------------------- */

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

/* ---- families -------------------------------------------------------- */

static const struct admin_field admin_contact_fields[] = {
	{ "name", ADMIN_FT_STRING, 1 },
	{ "phone", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
	{ NULL, 0, 0 }
};

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
	    (st = admin_fields(r, c, admin_contact_fields)) != 0 ||
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
	int			 st;

	if ((st = admin_family_filter(r, &flt)) != 0)
		return st;
	if (people_family_list(r->app->people, &flt, &a, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "families");
	for (i = 0; i < n; i++) {
		if ((o = admin_family_json(r, &a[i], 0)) == NULL) {
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

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0)
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

/* ---- members --------------------------------------------------------- */

int
admin_member_add(struct areq *r)
{
	char		 buf[PHONE_MAX];
	const char	*phone;
	int64_t		 fid, id;
	int		 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &fid)) != 0 ||
	    (st = admin_fields(r, r->body, admin_contact_fields)) != 0 ||
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

	if ((st = admin_path_id(r, 0, &id, "member")) != 0)
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

/* ---- programmes ------------------------------------------------------ */

/* The groups array: names, none twice. *names is a new array; free(). */
static int
admin_groups(struct areq *r, const cJSON *g, const char ***names, size_t *n)
{
	const cJSON	*it;
	size_t		 i;
	int		 st;

	*n = 0;
	*names = xcalloc((size_t)cJSON_GetArraySize(g) + 1, sizeof **names);
	cJSON_ArrayForEach(it, g) {
		if (!cJSON_IsString(it))
			return admin_error(r, 400, "bad_request",
			    "groups: strings expected");
		if ((st = admin_name_ok(r, "groups", it->valuestring)) != 0)
			return st;
		for (i = 0; i < *n; i++)
			if (strcmp((*names)[i], it->valuestring) == 0)
				return admin_error(r, 422, "invalid",
				    "groups: given twice");
		(*names)[(*n)++] = it->valuestring;
	}
	return 0;
}

static int
admin_answer_programme(struct areq *r, int64_t id, int status)
{
	struct programme	 pg;
	int			 rc;

	if ((rc = people_programme_get(r->app->people, id, &pg)) != PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	rc = admin_answer(r, "programme", admin_programme_json(&pg), status);
	people_programme_clear(&pg);
	return rc;
}

int
admin_programme_add(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "name", ADMIN_FT_STRING, 1 },
		{ "groups", ADMIN_FT_ARRAY, 1 },
		{ NULL, 0, 0 }
	};
	const char	**names = NULL;
	size_t		 n = 0;
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_name_ok(r, "name", admin_str(r->body, "name"))) != 0)
		return st;
	if ((st = admin_groups(r, admin_get(r->body, "groups"), &names, &n)) !=
	    0)
		goto out;
	rc = people_programme_create(r->app->people, admin_str(r->body, "name"),
	    names, n, &id);
	if (rc == PEOPLE_CONFLICT)
		st = admin_error(r, 409, "conflict", "a programme of that "
		    "name exists");
	else if (rc != PEOPLE_OK)
		st = admin_people_err(r, rc, "programme");
	else if ((st = admin_audit(r, "programme.add", "programme", id)) == 0)
		st = admin_answer_programme(r, id, 201);
out:
	free(names);
	return st;
}

int
admin_programme_list(struct areq *r)
{
	struct programme	*a = NULL;
	size_t			 n = 0, i;
	cJSON			*arr;

	if (people_programme_list(r->app->people, &a, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "programmes");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, admin_programme_json(&a[i]));
	people_programme_list_free(a, n);
	return 200;
}

int
admin_programme_show(struct areq *r)
{
	struct programme	 pg;
	struct enrolment	*e = NULL;
	size_t			 n = 0, i;
	int64_t			 id;
	cJSON			*arr, *x;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, &id, "programme")) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, id, &pg)) != PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	st = admin_answer(r, "programme", admin_programme_json(&pg), 200);
	people_programme_clear(&pg);
	if (people_enrolment_list(r->app->people, 0, id, &e, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	arr = cJSON_AddArrayToObject(r->out, "families");
	for (i = 0; i < n; i++) {
		x = cJSON_CreateObject();
		admin_add_int(x, "id", e[i].family_id);
		admin_add_str(x, "code", e[i].family_code);
		admin_add_str(x, "group", e[i].group);
		admin_add_str(x, "from", e[i].from);
		admin_add_str(x, "until", e[i].until[0] != '\0' ? e[i].until :
		    NULL);
		cJSON_AddItemToArray(arr, x);
	}
	people_enrolment_list_free(e, n);
	return st;
}

/* "family" in a body: a code ("R-0042") or an id (number or string). */
static int
admin_body_family(struct areq *r, int64_t *id)
{
	const cJSON	*f = admin_get(r->body, "family");
	char		 buf[32];

	if (cJSON_IsNumber(f)) {
		snprintf(buf, sizeof buf, "%" PRId64, (int64_t)f->valuedouble);
		return admin_family_ref(r, buf, id);
	}
	return admin_family_ref(r, f->valuestring, id);
}

static int
admin_answer_enrolment(struct areq *r, int64_t id)
{
	struct enrolment	 e;
	int			 rc;

	if ((rc = people_enrolment_get(r->app->people, id, &e)) != PEOPLE_OK)
		return admin_people_err(r, rc, "enrolment");
	rc = admin_answer(r, "enrolment", admin_enrolment_json(&e), 200);
	people_enrolment_clear(&e);
	return rc;
}

int
admin_programme_enrol(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "family", ADMIN_FT_STRING | ADMIN_FT_INT, 1 },
		{ "group", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ "from", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct programme	 pg;
	const char		*group = admin_str(r->body, "group");
	const char		*from = admin_str(r->body, "from");
	char			 today[PEOPLE_DATE_MAX];
	int64_t			 pid, fid, gid = 0, eid;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, &pid, "programme")) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, pid, &pg)) != PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	people_programme_clear(&pg);
	if ((st = admin_body_family(r, &fid)) != 0)
		return st;
	if (from != NULL && validate_date(from) == -1)
		return admin_error(r, 422, "invalid", "from: a date "
		    "YYYY-MM-DD");
	if (group != NULL && people_group_find(r->app->people, pid, group,
	    &gid) != PEOPLE_OK)
		return admin_error(r, 422, "invalid", "group: not a group of "
		    "this programme");
	admin_today(today);
	rc = people_enrol(r->app->people, fid, pid, gid, from != NULL ? from :
	    today, &eid);
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 409, "conflict", "the family is already "
		    "enrolled");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	if ((st = admin_audit(r, "programme.enrol", "enrolment", eid)) != 0)
		return st;
	return admin_answer_enrolment(r, eid);
}

int
admin_programme_leave(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "family", ADMIN_FT_STRING | ADMIN_FT_INT, 1 },
		{ "on", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct programme	 pg;
	const char		*on = admin_str(r->body, "on");
	char			 today[PEOPLE_DATE_MAX];
	int64_t			 pid, fid, eid;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, &pid, "programme")) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, pid, &pg)) != PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	people_programme_clear(&pg);
	if ((st = admin_body_family(r, &fid)) != 0)
		return st;
	if (on != NULL && validate_date(on) == -1)
		return admin_error(r, 422, "invalid", "on: a date YYYY-MM-DD");
	admin_today(today);
	rc = people_leave(r->app->people, fid, pid, on != NULL ? on : today,
	    &eid);
	if (rc == PEOPLE_NOT_FOUND)
		return admin_error(r, 409, "conflict", "the family is not "
		    "enrolled");
	if (rc == PEOPLE_CONFLICT)
		return admin_error(r, 422, "invalid", "on: before the "
		    "enrolment began");
	if (rc != PEOPLE_OK)
		return admin_people_err(r, rc, "enrolment");
	if ((st = admin_audit(r, "programme.leave", "enrolment", eid)) != 0)
		return st;
	return admin_answer_enrolment(r, eid);
}
