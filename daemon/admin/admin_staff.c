/*
 * /v1/staff: the centre's staff members, their kind and the languages the
 * bot speaks to them in (the first one). Disabling keeps the row; a
 * disabled staff member cannot be invited. The login a staff member is
 * tied to is kept as its uid, since SO_PEERCRED names callers by uid and
 * a uid is no personal value at rest; the answer shows its name again.
 */

#define STAFF_PROG_MAX	256

#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "validate.h"

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

static const char *const admin_role_names[] = {
	[ADMIN_ROLE_NONE] = "none",
	[ADMIN_ROLE_ASSISTANT] = "assistant",
	[ADMIN_ROLE_COORDINATOR] = "coordinator",
	[ADMIN_ROLE_ADMIN] = "admin",
};

/* role, unix_user and programmes of the staff object; -1: storage. */
static int
admin_staff_access_json(struct areq *r, cJSON *o, const struct staff *s)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];
	int64_t		 uid, prog[STAFF_PROG_MAX];
	size_t		 n, i;
	cJSON		*arr;

	admin_add_str(o, "role", admin_role_names[admin_kind_role(s->kind)]);
	if (people_staff_uid(r->app->people, s->id, &uid) != PEOPLE_OK ||
	    people_staff_programmes(r->app->people, s->id, prog,
	    STAFF_PROG_MAX, &n) != PEOPLE_OK)
		return -1;
	if (uid < 0)
		cJSON_AddNullToObject(o, "unix_user");
	else if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) == 0 &&
	    res != NULL)
		admin_add_str(o, "unix_user", pw.pw_name);
	else {
		/* The login is gone; the uid still names the caller. */
		snprintf(buf, sizeof buf, "#%lld", (long long)uid);
		admin_add_str(o, "unix_user", buf);
	}
	arr = cJSON_AddArrayToObject(o, "programmes");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)prog[i]));
	return 0;
}

static int
admin_answer_staff(struct areq *r, int64_t id, int status)
{
	struct staff	 s;
	cJSON		*o;
	int		 rc;

	if ((rc = people_staff_get(r->app->people, id, &s)) != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	o = admin_staff_json(&s);
	if (admin_staff_access_json(r, o, &s) == -1) {
		cJSON_Delete(o);
		o = NULL;
	}
	rc = admin_answer(r, "staff", o, status);
	people_staff_clear(&s);
	return rc;
}

/* A login name as its uid; -1 for null (no login). */
static int
admin_unix_user(struct areq *r, const cJSON *v, int64_t *uid)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];

	*uid = -1;
	if (cJSON_IsNull(v))
		return 0;
	if (v->valuestring[0] == '\0' || strlen(v->valuestring) > 64)
		return admin_error(r, 422, "invalid", "unix_user: a login "
		    "name expected");
	if (getpwnam_r(v->valuestring, &pw, buf, sizeof buf, &res) != 0 ||
	    res == NULL)
		return admin_error(r, 422, "invalid", "unix_user: no such "
		    "login on this machine");
	*uid = pw.pw_uid;
	return 0;
}

/* An id as a number or as digits ("3", as asystentctl sends lists). */
static int
admin_prog_id(const cJSON *it, int64_t *id)
{
	char		*end;
	long long	 v;

	if (!cJSON_IsString(it))
		return admin_json_int(it, id);
	v = strtoll(it->valuestring, &end, 10);
	if (it->valuestring[0] == '\0' || *end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

/* The programmes a coordinator looks after: known ids, none twice. */
static int
admin_staff_progs(struct areq *r, const cJSON *arr, int64_t *prog,
    size_t *n)
{
	struct programme	 pg;
	const cJSON		*it;
	size_t			 i;
	int			 rc;

	*n = 0;
	cJSON_ArrayForEach(it, arr) {
		if (*n == STAFF_PROG_MAX || admin_prog_id(it, &prog[*n]) == -1)
			return admin_error(r, 400, "bad_request",
			    "programmes: at most %d ids expected",
			    STAFF_PROG_MAX);
		for (i = 0; i < *n; i++)
			if (prog[i] == prog[*n])
				return admin_error(r, 422, "invalid",
				    "programmes: given twice");
		if ((rc = people_programme_get(r->app->people, prog[*n],
		    &pg)) != PEOPLE_OK)
			return admin_people_err(r, rc, "programme");
		people_programme_clear(&pg);
		(*n)++;
	}
	return 0;
}

/*
 * After a change to staff member `id`, who was `before`: 409 when it
 * took the last active administrator away (root still is one, but the
 * centre would have no one named to answer for the register).
 */
static int
admin_staff_last_admin(struct areq *r, const struct staff *before)
{
	struct staff	 s;
	int64_t		 n;
	int		 rc, still;

	if (strcmp(before->kind, "administrator") != 0 || !before->active)
		return 0;
	if ((rc = people_staff_get(r->app->people, before->id, &s)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	still = strcmp(s.kind, "administrator") == 0 && s.active;
	people_staff_clear(&s);
	if (still)
		return 0;
	if (people_staff_admins(r->app->people, before->id, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	if (n == 0)
		return admin_error(r, 409, "conflict", "that would leave no "
		    "active administrator");
	return 0;
}

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
	cJSON		*arr, *o;
	int		 st = 200;

	if (people_staff_list(r->app->people, &a, &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "staff");
	for (i = 0; i < n && st == 200; i++) {
		o = admin_staff_json(&a[i]);
		cJSON_AddItemToArray(arr, o);
		/* Who each one is on this machine, and what they may do. */
		if (admin_staff_access_json(r, o, &a[i]) == -1)
			st = admin_error(r, 500, "internal", "storage error");
	}
	people_staff_list_free(a, n);
	return st;
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

/* unix_user and programmes of a PATCH, when given. */
static int
admin_staff_edit_access(struct areq *r, int64_t id)
{
	const cJSON	*u = admin_get(r->body, "unix_user");
	const cJSON	*pl = admin_get(r->body, "programmes");
	int64_t		 uid, prog[STAFF_PROG_MAX];
	size_t		 n;
	int		 st, rc;

	if (u != NULL) {
		if ((st = admin_unix_user(r, u, &uid)) != 0)
			return st;
		if ((rc = people_staff_set_uid(r->app->people, id, uid)) ==
		    PEOPLE_CONFLICT)
			return admin_error(r, 409, "conflict", "unix_user: "
			    "another staff member has that login");
		if (rc != PEOPLE_OK)
			return admin_people_err(r, rc, "staff member");
	}
	if (pl != NULL) {
		if ((st = admin_staff_progs(r, pl, prog, &n)) != 0)
			return st;
		if (people_staff_set_programmes(r->app->people, id, prog, n) !=
		    PEOPLE_OK)
			return admin_error(r, 500, "internal",
			    "storage error");
	}
	return 0;
}

int
admin_staff_edit(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "name", ADMIN_FT_STRING, 0 },
		{ "kind", ADMIN_FT_STRING, 0 },
		{ "languages", ADMIN_FT_ARRAY, 0 },
		{ "active", ADMIN_FT_BOOL, 0 },
		{ "unix_user", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ "programmes", ADMIN_FT_ARRAY, 0 },
		{ NULL, 0, 0 }
	};
	struct staff	 before;
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
	if ((rc = people_staff_get(r->app->people, id, &before)) != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	rc = people_staff_update(r->app->people, id, admin_str(r->body, "name"),
	    admin_str(r->body, "kind"), lp, active == NULL ? -1 :
	    cJSON_IsTrue(active));
	if (rc != PEOPLE_OK)
		st = admin_people_err(r, rc, "staff member");
	else if ((st = admin_staff_edit_access(r, id)) == 0)
		st = admin_staff_last_admin(r, &before);
	people_staff_clear(&before);
	if (st != 0)
		return st;
	if ((st = admin_audit(r, "staff.edit", "staff", id)) != 0)
		return st;
	return admin_answer_staff(r, id, 200);
}

int
admin_staff_disable(struct areq *r)
{
	static const struct admin_field none[] = { { NULL, 0, 0 } };
	struct staff	 before;
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_path_id(r, 0, &id, "staff member")) != 0 ||
	    (st = admin_fields(r, r->body, none)) != 0)
		return st;
	if ((rc = people_staff_get(r->app->people, id, &before)) != PEOPLE_OK)
		return admin_people_err(r, rc, "staff member");
	rc = people_staff_update(r->app->people, id, NULL, NULL, NULL, 0);
	st = rc != PEOPLE_OK ? admin_people_err(r, rc, "staff member") :
	    admin_staff_last_admin(r, &before);
	people_staff_clear(&before);
	if (st != 0)
		return st;
	if ((st = admin_audit(r, "staff.disable", "staff", id)) != 0)
		return st;
	return admin_answer_staff(r, id, 200);
}
