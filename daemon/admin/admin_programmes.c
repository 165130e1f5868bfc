/*
 * /v1/programmes: the centre's programmes and their groups, and the
 * enrolment of families in them, from a date until the day they leave.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "people.h"
#include "validate.h"
#include "xmalloc.h"

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
	int64_t			 id;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, &id, "programme")) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, id, &pg)) != PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	st = admin_answer(r, "programme", admin_programme_json(&pg), 200);
	people_programme_clear(&pg);
	if (admin_add_enrolments(r, r->out, "families", 0, id) == -1)
		return admin_error(r, 500, "internal", "storage error");
	return st;
}

int
admin_add_enrolments(struct areq *r, cJSON *o, const char *name,
    int64_t family_id, int64_t programme_id)
{
	struct enrolment	*e = NULL;
	size_t			 n = 0, i;
	cJSON			*arr, *x;

	if (people_enrolment_list(r->app->people, family_id, programme_id,
	    &e, &n) != PEOPLE_OK)
		return -1;
	arr = cJSON_AddArrayToObject(o, name);
	for (i = 0; i < n; i++) {
		x = cJSON_CreateObject();
		if (family_id != 0) {
			admin_add_int(x, "programme_id", e[i].programme_id);
			admin_add_str(x, "programme", e[i].programme);
		} else {
			admin_add_int(x, "id", e[i].family_id);
			admin_add_str(x, "code", e[i].family_code);
		}
		admin_add_str(x, "group", e[i].group);
		admin_add_str(x, "from", e[i].from);
		admin_add_str(x, "until", e[i].until[0] != '\0' ? e[i].until :
		    NULL);
		cJSON_AddItemToArray(arr, x);
	}
	people_enrolment_list_free(e, n);
	return 0;
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

/*
 * The start of enrolling and leaving: the programme of the path, which
 * must exist and be the caller's, the body's fields, and its family.
 */
static int
admin_enrolment_begin(struct areq *r, const struct admin_field *fields,
    int64_t *pid, int64_t *fid)
{
	struct programme	 pg;
	int			 st, rc;

	if ((st = admin_path_id(r, 0, pid, "programme")) != 0 ||
	    (st = admin_programme_access(r, *pid)) != 0 ||
	    (st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if ((rc = people_programme_get(r->app->people, *pid, &pg)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	people_programme_clear(&pg);
	return admin_body_family(r, fid);
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
	const char		*group = admin_str(r->body, "group");
	const char		*from = admin_str(r->body, "from");
	char			 today[PEOPLE_DATE_MAX];
	int64_t			 pid, fid, gid = 0, eid;
	int			 st, rc;

	if ((st = admin_enrolment_begin(r, fields, &pid, &fid)) != 0)
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
	const char		*on = admin_str(r->body, "on");
	char			 today[PEOPLE_DATE_MAX];
	int64_t			 pid, fid, eid;
	int			 st, rc;

	if ((st = admin_enrolment_begin(r, fields, &pid, &fid)) != 0)
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
