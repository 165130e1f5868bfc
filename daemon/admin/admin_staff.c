/*
 * /v1/staff: the centre's staff members, their kind and the languages the
 * bot speaks to them in (the first one). Disabling keeps the row; a
 * disabled staff member cannot be invited.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
