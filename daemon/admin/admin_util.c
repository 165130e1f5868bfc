/*
 * What the admin API's endpoint files share: reading a request (body
 * fields, path ids, query values), checking values, answering with an
 * object or an error, and writing the audit row of a change.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/http.h>

#include "admin_priv.h"
#include "app.h"
#include "clock.h"
#include "log.h"
#include "people.h"
#include "phone.h"
#include "validate.h"

int
admin_error(struct areq *r, int status, const char *code, const char *fmt,
    ...)
{
	va_list	 ap;

	snprintf(r->code, sizeof r->code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof r->msg, fmt, ap);
	va_end(ap);
	return status;
}

/* ---- reading a request ----------------------------------------------- */

int
admin_json_int(const cJSON *it, int64_t *out)
{
	double	 v;

	if (!cJSON_IsNumber(it))
		return -1;
	/* Past 2^53 a double skips integers; past 2^63 the cast is UB. */
	v = it->valuedouble;
	if (v != floor(v) || fabs(v) > 9007199254740992.0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
admin_type_ok(const cJSON *it, unsigned types)
{
	int64_t	 v;

	if ((types & ADMIN_FT_STRING) && cJSON_IsString(it))
		return 1;
	if ((types & ADMIN_FT_BOOL) && cJSON_IsBool(it))
		return 1;
	if ((types & ADMIN_FT_OBJECT) && cJSON_IsObject(it))
		return 1;
	if ((types & ADMIN_FT_ARRAY) && cJSON_IsArray(it))
		return 1;
	if ((types & ADMIN_FT_NULL) && cJSON_IsNull(it))
		return 1;
	if ((types & ADMIN_FT_INT) && admin_json_int(it, &v) == 0)
		return 1;
	return 0;
}

/* Unknown, repeated, missing fields and wrong types are 400. */
int
admin_fields(struct areq *r, const cJSON *obj, const struct admin_field *spec)
{
	const cJSON			*it, *o;
	const struct admin_field	*f;

	for (it = obj->child; it != NULL; it = it->next) {
		for (f = spec; f->name != NULL; f++)
			if (strcmp(f->name, it->string) == 0)
				break;
		if (f->name == NULL)
			return admin_error(r, 400, "bad_request",
			    "unknown field \"%.40s\"", it->string);
		if (!admin_type_ok(it, f->types))
			return admin_error(r, 400, "bad_request",
			    "field \"%s\" has the wrong type", f->name);
		for (o = obj->child; o != it; o = o->next)
			if (strcmp(o->string, it->string) == 0)
				return admin_error(r, 400, "bad_request",
				    "field \"%s\" given twice", f->name);
	}
	for (f = spec; f->name != NULL; f++)
		if (f->required && cJSON_GetObjectItemCaseSensitive(obj,
		    f->name) == NULL)
			return admin_error(r, 400, "bad_request",
			    "missing field \"%s\"", f->name);
	return 0;
}

const cJSON *
admin_get(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* The string value of a field, or NULL when absent or null. */
const char *
admin_str(const cJSON *o, const char *name)
{
	const cJSON	*it = admin_get(o, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

int64_t
admin_int(const cJSON *o, const char *name, int64_t def)
{
	int64_t	 v;

	return admin_json_int(admin_get(o, name), &v) == 0 ? v : def;
}

int
admin_name_ok(struct areq *r, const char *field, const char *s)
{
	const char	*why;

	if (s != NULL && validate_name(s, &why) == -1)
		return admin_error(r, 422, "invalid", "%s: %s", field, why);
	return 0;
}

int
admin_notes_ok(struct areq *r, const char *s)
{
	const char	*why;

	if (s != NULL && validate_text(s, 0, VALIDATE_NOTES_MAX, 1, &why) ==
	    -1)
		return admin_error(r, 422, "invalid", "notes: %s", why);
	return 0;
}

int
admin_enum_ok(struct areq *r, const char *field, const char *s,
    int (*check)(const char *))
{
	if (s != NULL && check(s) == -1)
		return admin_error(r, 422, "invalid", "%s: unknown value",
		    field);
	return 0;
}

/* A phone field: NULL stays NULL, else normalised into buf. */
int
admin_phone_ok(struct areq *r, const char *field, const char *in,
    char buf[PHONE_MAX], const char **out)
{
	const char	*why;

	*out = NULL;
	if (in == NULL)
		return 0;
	if (phone_normalize(in, buf, &why) == -1)
		return admin_error(r, 422, "invalid", "%s: %s", field, why);
	*out = buf;
	return 0;
}

/* Maps a people_* result to an answer; `what` names the object. */
int
admin_people_err(struct areq *r, int rc, const char *what)
{
	switch (rc) {
	case PEOPLE_NOT_FOUND:
		return admin_error(r, 404, "not_found", "%s not found", what);
	case PEOPLE_CONFLICT:
		return admin_error(r, 409, "conflict", "%s: conflict", what);
	default:
		return admin_error(r, 500, "internal", "storage error");
	}
}

int
admin_path_id(struct areq *r, int i, int64_t *id, const char *what)
{
	char		*end;
	long long	 v;

	v = strtoll(r->arg[i], &end, 10);
	if (*r->arg[i] == '\0' || *end != '\0' || v <= 0)
		return admin_error(r, 404, "not_found", "%s not found", what);
	*id = v;
	return 0;
}

int
admin_family_ref(struct areq *r, const char *ref, int64_t *id)
{
	int	 rc;

	if ((rc = people_family_resolve(r->app->people, ref, id)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	return 0;
}

int
admin_audit(struct areq *r, const char *action, const char *object,
    int64_t id)
{
	if (people_audit(r->app->people, r->uid, action, object, id) != 0)
		return admin_error(r, 500, "internal", "storage error");
	return 0;
}

/* By the clock tests can move; "" when there is no time to be had. */
void
admin_today(char buf[PEOPLE_DATE_MAX])
{
	struct tm	 tm;
	time_t		 t = clock_now();

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, PEOPLE_DATE_MAX, "%Y-%m-%d", &tm) == 0)
		buf[0] = '\0';
}

const char *
admin_query_str(struct areq *r, const char *key)
{
	return evhttp_find_header(&r->query, key);
}

/* A query value 1..max, `def` when absent; -1 when malformed. */
int64_t
admin_query_num(struct areq *r, const char *key, int64_t def, int64_t max)
{
	const char	*s = admin_query_str(r, key);
	char		*end;
	long long	 v;

	if (s == NULL)
		return def;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 1 || v > max)
		return -1;
	return v;
}

/* ---- JSON objects ---------------------------------------------------- */

void
admin_add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

void
admin_add_int(cJSON *o, const char *k, int64_t v)
{
	cJSON_AddNumberToObject(o, k, (double)v);
}

/* Sets r->out = {key: object} for a fetched object; `status` on success. */
int
admin_answer(struct areq *r, const char *key, cJSON *obj, int status)
{
	if (obj == NULL)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	cJSON_AddItemToObject(r->out, key, obj);
	return status;
}

/* ---- roles ------------------------------------------------------------ */

int
admin_kind_role(const char *kind)
{
	if (strcmp(kind, "administrator") == 0)
		return ADMIN_ROLE_ADMIN;
	if (strcmp(kind, "coordinator") == 0)
		return ADMIN_ROLE_COORDINATOR;
	return ADMIN_ROLE_ASSISTANT;
}

int
admin_caller(struct areq *r)
{
	char	 kind[PEOPLE_KIND_MAX];
	int64_t	 id;
	int	 active, rc;

	r->role = ADMIN_ROLE_NONE;
	r->staff_id = 0;
	if (r->uid == 0 || r->uid == geteuid()) {
		r->role = ADMIN_ROLE_ADMIN;
		return 0;
	}
	rc = people_staff_by_uid(r->app->people, (int64_t)r->uid, &id, kind,
	    &active);
	if (rc == PEOPLE_NOT_FOUND)
		return 0;
	if (rc != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	/* A disabled staff member keeps the login but not the access. */
	if (active) {
		r->staff_id = id;
		r->role = admin_kind_role(kind);
	}
	return 0;
}

static const char *
admin_perm_name(enum admin_perm p)
{
	switch (p) {
	case ADMIN_P_ANY:
		return "anyone";
	case ADMIN_P_ASSISTANT:
		return "staff";
	case ADMIN_P_COORDINATOR:
		return "coordinators and administrators";
	default:
		return "administrators";
	}
}

int
admin_allowed(struct areq *r, const struct admin_route *rt)
{
	int	 need;

	switch (rt->perm) {
	case ADMIN_P_ANY:
		return 0;
	case ADMIN_P_ASSISTANT:
		need = ADMIN_ROLE_ASSISTANT;
		break;
	case ADMIN_P_COORDINATOR:
		need = ADMIN_ROLE_COORDINATOR;
		break;
	default:
		need = ADMIN_ROLE_ADMIN;
		break;
	}
	if (r->role >= need)
		return 0;
	r->deny_object = "route";
	if (r->role == ADMIN_ROLE_NONE)
		return admin_error(r, 403, "forbidden", "uid %ld is not tied "
		    "to a staff member (asystentctl staff edit ID "
		    "--unix-user NAME)", (long)r->uid);
	return admin_error(r, 403, "forbidden", "only %s may do this",
	    admin_perm_name(rt->perm));
}

int
admin_family_visible(struct areq *r, int64_t family_id)
{
	int	 yes;

	if (r->role == ADMIN_ROLE_ADMIN)
		return 1;
	if (r->staff_id == 0)
		return 0;
	if (people_family_visible(r->app->people, family_id, r->staff_id,
	    r->role == ADMIN_ROLE_COORDINATOR, &yes) != PEOPLE_OK)
		return -1;
	return yes;
}

int
admin_family_access(struct areq *r, int64_t family_id)
{
	int	 v;

	if ((v = admin_family_visible(r, family_id)) == -1)
		return admin_error(r, 500, "internal", "storage error");
	if (v == 1)
		return 0;
	r->deny_object = "family";
	r->deny_id = family_id;
	return admin_error(r, 403, "forbidden", "family %" PRId64 " is not "
	    "one of yours", family_id);
}

int
admin_member_access(struct areq *r, int64_t member_id)
{
	int64_t	 fid = 0;
	int	 rc;

	if (r->role == ADMIN_ROLE_ADMIN)
		return 0;
	if ((rc = people_member_family(r->app->people, member_id, &fid)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "member");
	return admin_family_access(r, fid);
}

int
admin_programme_access(struct areq *r, int64_t programme_id)
{
	int64_t	 prog[256];
	size_t	 n = 0, i;

	if (r->role == ADMIN_ROLE_ADMIN)
		return 0;
	if (people_staff_programmes(r->app->people, r->staff_id, prog,
	    sizeof prog / sizeof prog[0], &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	for (i = 0; i < n; i++)
		if (prog[i] == programme_id)
			return 0;
	r->deny_object = "programme";
	r->deny_id = programme_id;
	return admin_error(r, 403, "forbidden", "programme %" PRId64 " is "
	    "not one of yours", programme_id);
}

/* Outside any transaction: the request's own was rolled back. */
void
admin_denied(struct areq *r, const struct admin_route *rt)
{
	const char	*object = r->deny_object;

	if (object == NULL)
		return;
	/* A refused route is named by its pattern, a static string. */
	if (strcmp(object, "route") == 0 && rt != NULL)
		object = rt->pattern;
	if (people_audit(r->app->people, r->uid, "access.denied", object,
	    r->deny_id) != PEOPLE_OK)
		log_warn("event=admin.audit_failed action=access.denied");
}
