/*
 * /v1/visits and /v1/events: visits planned with a family, and group
 * events that plan one visit per enrolled family. Staff give and read
 * local times ("2026-12-09 10:00", the centre's zone); the store keeps
 * UTC. Reminders are planned with each visit (conv/reminders.c).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "caltime.h"
#include "clock.h"
#include "crypto.h"
#include "hours.h"
#include "people.h"
#include "reminders.h"
#include "validate.h"
#include "visit_remind.h"
#include "visits.h"
#include "xmalloc.h"

#define ADMIN_VISITS_SERIES_MAX	60	/* visits one --every makes */

static int
admin_visits_err(struct areq *r, int rc, const char *what)
{
	if (rc == VISITS_NOT_FOUND)
		return admin_error(r, 404, "not_found", "no such %s", what);
	return admin_error(r, 500, "internal", "storage error");
}

static void
admin_add_local(cJSON *o, const char *k, int64_t ms)
{
	char	 buf[CALTIME_LOCAL_MAX];

	if (ms == 0) {
		cJSON_AddNullToObject(o, k);
		return;
	}
	caltime_format((time_t)(ms / 1000), buf);
	admin_add_str(o, k, buf);
}

cJSON *
admin_visit_json(struct areq *r, const struct visit *v, int with_reminders)
{
	struct family_brief	 fb;
	struct reminder		*rm = NULL;
	size_t			 n = 0, i;
	char			*name = NULL;
	cJSON			*o = cJSON_CreateObject(), *x, *arr;

	admin_add_int(o, "id", v->id);
	x = cJSON_AddObjectToObject(o, "family");
	admin_add_int(x, "id", v->family_id);
	admin_add_str(x, "code", people_family_brief(r->app->people,
	    v->family_id, &fb) == PEOPLE_OK ? fb.code : NULL);
	if (v->staff_id != 0 && people_staff_name(r->app->people, v->staff_id,
	    &name) == PEOPLE_OK) {
		x = cJSON_AddObjectToObject(o, "assistant");
		admin_add_int(x, "id", v->staff_id);
		admin_add_str(x, "name", name);
		crypto_free_plain(name);
	} else
		cJSON_AddNullToObject(o, "assistant");
	admin_add_str(o, "kind", v->kind);
	admin_add_int(o, "at", v->at / 1000);
	admin_add_local(o, "local", v->at);
	admin_add_int(o, "minutes", v->minutes);
	admin_add_str(o, "place", v->place);
	admin_add_str(o, "note", v->note);
	admin_add_str(o, "state", visits_state_name(v->state));
	admin_add_str(o, "reason", v->reason);
	admin_add_str(o, "answer", visits_answer_name(v->answer));
	if (v->answer_at != 0)
		admin_add_int(o, "answer_at", v->answer_at / 1000);
	else
		cJSON_AddNullToObject(o, "answer_at");
	admin_add_str(o, "answer_text", v->answer_text);
	if (v->event_id != 0)
		admin_add_int(o, "event_id", v->event_id);
	else
		cJSON_AddNullToObject(o, "event_id");
	if (v->series_id != 0)
		admin_add_int(o, "series_id", v->series_id);
	else
		cJSON_AddNullToObject(o, "series_id");
	admin_add_int(o, "created_at", v->created_at / 1000);
	if (!with_reminders)
		return o;
	if (visits_reminders_of(r->app->visits, v->id, &rm, &n) != VISITS_OK) {
		cJSON_Delete(o);
		return NULL;
	}
	arr = cJSON_AddArrayToObject(o, "reminders");
	for (i = 0; i < n; i++) {
		x = cJSON_CreateObject();
		admin_add_int(x, "due_at", rm[i].due_at / 1000);
		admin_add_local(x, "local", rm[i].due_at);
		admin_add_str(x, "state",
		    visits_reminder_state_name(rm[i].state));
		if (rm[i].sent_at != 0)
			admin_add_local(x, "sent", rm[i].sent_at);
		cJSON_AddItemToArray(arr, x);
	}
	free(rm);
	return o;
}

static int
admin_answer_visit(struct areq *r, int64_t id, int status)
{
	struct visit	 v;
	int		 rc;

	if ((rc = visits_get(r->app->visits, id, &v)) != VISITS_OK)
		return admin_visits_err(r, rc, "visit");
	rc = admin_answer(r, "visit", admin_visit_json(r, &v, 1), status);
	visit_clear(&v);
	return rc;
}

/* A local time of the body, in the future: seconds since the epoch. */
static int
admin_visit_time(struct areq *r, const char *field, const char *s,
    time_t *out)
{
	enum caltime_rc	 rc;

	if ((rc = caltime_parse(s, out)) != CALTIME_OK)
		return admin_error(r, 422, "invalid", "%s: %s", field,
		    caltime_why(rc));
	if (*out <= clock_now())
		return admin_error(r, 422, "invalid", "%s: in the past",
		    field);
	return 0;
}

/* Holidays and office hours do not stop a visit; staff are told. */
static void
admin_visit_warn(struct areq *r, cJSON *warnings, time_t t)
{
	struct tm	 tm;
	char		 local[CALTIME_LOCAL_MAX], buf[96];

	if (caltime_local(t, &tm) == -1)
		return;
	caltime_format(t, local);
	if (hours_is_holiday(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday))
		snprintf(buf, sizeof buf, "%.10s is a public holiday", local);
	else if (hours_is_closed_day(r->app->hours, tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday))
		snprintf(buf, sizeof buf, "the centre is closed on %.10s",
		    local);
	else if (!hours_is_open(r->app->hours, t))
		snprintf(buf, sizeof buf, "%s is outside office hours", local);
	else
		return;
	cJSON_AddItemToArray(warnings, cJSON_CreateString(buf));
}

/* Somebody the family can be reminded through: Telegram, or SMS. */
static int
admin_family_reachable(struct areq *r, int64_t family_id)
{
	struct member_target	 t;

	if (people_member_tg_target(r->app->people, family_id, 0, 0, &t) ==
	    PEOPLE_OK && t.member_id != 0)
		return 0;
	if (people_member_sms_target(r->app->people, family_id, 0, 0, &t) ==
	    PEOPLE_OK && t.member_id != 0 && t.phone[0] != '\0' &&
	    t.consented)
		return 0;
	return admin_error(r, 409, "conflict", "the family has no member "
	    "who can be reached: link one to Telegram, or record SMS "
	    "consent for one with a phone");
}

/* The reminders of a visit at `t`, from now on. */
static int
admin_plan_reminders(struct areq *r, int64_t visit_id, const char *kind,
    time_t t)
{
	time_t	 due[REMINDERS_MAX];
	size_t	 n, i;

	n = reminders_plan(&r->app->reminders, kind, t, clock_now(), due,
	    REMINDERS_MAX);
	for (i = 0; i < n; i++)
		if (visits_reminder_add(r->app->visits, visit_id,
		    (int64_t)due[i] * 1000, NULL) != VISITS_OK)
			return admin_error(r, 500, "internal",
			    "storage error");
	/* The pass runs from the loop, after this request has committed. */
	visit_remind_kick(r->app->remind);
	return 0;
}

static int
admin_visit_text(struct areq *r, const char *field, const char *s,
    size_t max)
{
	const char	*why;

	if (s != NULL && validate_text(s, 1, max, field[0] == 'n' ||
	    field[0] == 'r', &why) == -1)
		return admin_error(r, 422, "invalid", "%s: %s", field, why);
	return 0;
}

/* Kind, minutes, place and note of a body into v. */
static int
admin_visit_common(struct areq *r, struct visit *v)
{
	const char	*kind = admin_str(r->body, "kind");
	int64_t		 min = admin_int(r->body, "minutes", 60);
	int		 st;

	if (kind == NULL)
		kind = "home";
	if (visits_kind_ok(kind) == -1)
		return admin_error(r, 422, "invalid", "kind: home, office, "
		    "meeting, psychologist, outing or other");
	snprintf(v->kind, sizeof v->kind, "%s", kind);
	if (min < 5 || min > VISIT_MINUTES_MAX)
		return admin_error(r, 422, "invalid", "minutes: 5 to %d",
		    VISIT_MINUTES_MAX);
	v->minutes = (int)min;
	v->place = (char *)admin_str(r->body, "place");
	v->note = (char *)admin_str(r->body, "note");
	if ((st = admin_visit_text(r, "place", v->place,
	    VISIT_PLACE_MAX)) != 0 || (st = admin_visit_text(r, "note",
	    v->note, VALIDATE_NOTES_MAX)) != 0)
		return st;
	return 0;
}

/* The times of a series: t, then every `weeks` until `until`. */
static int
admin_visit_series(struct areq *r, time_t t, int64_t weeks,
    const char *until, time_t *out, size_t *n)
{
	struct tm	 tm;
	enum caltime_rc	 rc;
	time_t		 end, next;
	int		 y, mon, d, uy, um, ud, i;

	out[0] = t;
	*n = 1;
	if (weeks == 0 && until == NULL)
		return 0;
	if (weeks < 1 || weeks > 52)
		return admin_error(r, 422, "invalid", "every_weeks: 1 to 52");
	if (until == NULL || caltime_parse_date(until, &uy, &um, &ud) == -1)
		return admin_error(r, 422, "invalid", "until: a date "
		    "YYYY-MM-DD");
	if (caltime_make(uy, um, ud, 23, 59, &end) != CALTIME_OK)
		return admin_error(r, 422, "invalid", "until: a date "
		    "YYYY-MM-DD");
	if (caltime_local(t, &tm) == -1)
		return admin_error(r, 500, "internal", "time error");
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	for (i = 1;; i++) {
		caltime_add_days(&y, &mon, &d, (int)weeks * 7);
		rc = caltime_make(y, mon, d, tm.tm_hour, tm.tm_min, &next);
		if (rc == CALTIME_BAD)
			return admin_error(r, 500, "internal", "time error");
		if (rc == CALTIME_OK && next > end)
			break;
		if (rc != CALTIME_OK)
			return admin_error(r, 422, "invalid", "the visit of "
			    "%04d-%02d-%02d: %s", y, mon, d, caltime_why(rc));
		if (*n == ADMIN_VISITS_SERIES_MAX)
			return admin_error(r, 422, "invalid", "until: more "
			    "than %d visits", ADMIN_VISITS_SERIES_MAX);
		out[(*n)++] = next;
	}
	return 0;
}

static int
admin_visit_staff(struct areq *r, int64_t family_id, int64_t *staff_id)
{
	struct family_brief	 fb;
	struct staff		 s;
	int			 rc;

	*staff_id = admin_int(r->body, "assistant_id", 0);
	if (*staff_id != 0) {
		if ((rc = people_staff_get(r->app->people, *staff_id, &s)) !=
		    PEOPLE_OK)
			return admin_people_err(r, rc, "staff member");
		people_staff_clear(&s);
		return 0;
	}
	if ((rc = people_family_brief(r->app->people, family_id, &fb)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	*staff_id = fb.assistant_id;
	return 0;
}

int
admin_visit_add(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "family", ADMIN_FT_STRING, 1 },
		{ "at", ADMIN_FT_STRING, 1 },
		{ "minutes", ADMIN_FT_INT, 0 },
		{ "kind", ADMIN_FT_STRING, 0 },
		{ "place", ADMIN_FT_STRING, 0 },
		{ "note", ADMIN_FT_STRING, 0 },
		{ "assistant_id", ADMIN_FT_INT, 0 },
		{ "every_weeks", ADMIN_FT_INT, 0 },
		{ "until", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct visit	 v;
	time_t		 t, times[ADMIN_VISITS_SERIES_MAX];
	size_t		 n = 0, i;
	int64_t		 id;
	cJSON		*warnings, *arr;
	int		 st, rc;

	memset(&v, 0, sizeof v);
	if ((st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_family_ref(r, admin_str(r->body, "family"),
	    &v.family_id)) != 0 ||
	    (st = admin_family_access(r, v.family_id)) != 0 ||
	    (st = admin_visit_time(r, "at", admin_str(r->body, "at"),
	    &t)) != 0 || (st = admin_visit_common(r, &v)) != 0 ||
	    (st = admin_visit_series(r, t, admin_int(r->body, "every_weeks",
	    0), admin_str(r->body, "until"), times, &n)) != 0 ||
	    (st = admin_visit_staff(r, v.family_id, &v.staff_id)) != 0 ||
	    (st = admin_family_reachable(r, v.family_id)) != 0)
		return st;
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "visits");
	warnings = cJSON_AddArrayToObject(r->out, "warnings");
	for (i = 0; i < n; i++) {
		v.at = (int64_t)times[i] * 1000;
		if ((rc = visits_add(r->app->visits, &v, &id)) != VISITS_OK)
			return admin_visits_err(r, rc, "visit");
		if (i == 0 && n > 1)
			v.series_id = id;
		if ((st = admin_plan_reminders(r, id, v.kind, times[i])) != 0 ||
		    (st = admin_audit(r, "visit.add", "visit", id)) != 0)
			return st;
		admin_visit_warn(r, warnings, times[i]);
	}
	/* Ids are ours and consecutive: the series is id-n+1 .. id. */
	for (i = 0; i < n; i++) {
		struct visit	 got;

		if ((rc = visits_get(r->app->visits, id - (int64_t)(n - 1 - i),
		    &got)) != VISITS_OK)
			return admin_visits_err(r, rc, "visit");
		cJSON_AddItemToArray(arr, admin_visit_json(r, &got, 0));
		visit_clear(&got);
	}
	return 201;
}

/* A query time: a date (its midnight) or a local time. */
static int
admin_query_time(struct areq *r, const char *key, int64_t *ms)
{
	const char	*s = admin_query_str(r, key);
	time_t		 t;
	int		 y, mon, d;

	*ms = 0;
	if (s == NULL)
		return 0;
	if (caltime_parse_date(s, &y, &mon, &d) == 0) {
		if (caltime_make(y, mon, d, 0, 0, &t) != CALTIME_OK)
			return admin_error(r, 400, "bad_request", "%s: a date "
			    "YYYY-MM-DD", key);
	} else if (caltime_parse(s, &t) != CALTIME_OK)
		return admin_error(r, 400, "bad_request", "%s: a date "
		    "YYYY-MM-DD", key);
	*ms = (int64_t)t * 1000;
	return 0;
}

int
admin_visit_list(struct areq *r)
{
	struct visit_filter	 f;
	struct visit		*a = NULL;
	const char		*s;
	size_t			 n = 0, i;
	cJSON			*arr;
	int			 st, y, mon, d;
	time_t			 t;

	memset(&f, 0, sizeof f);
	if ((s = admin_query_str(r, "family")) != NULL &&
	    ((st = admin_family_ref(r, s, &f.family_id)) != 0 ||
	    (st = admin_family_access(r, f.family_id)) != 0))
		return st;
	if ((s = admin_query_str(r, "assistant")) != NULL &&
	    (f.staff_id = admin_query_num(r, "assistant", 0, INT64_MAX)) <= 0)
		return admin_error(r, 400, "bad_request", "assistant: an id");
	if ((st = admin_query_time(r, "from", &f.from)) != 0 ||
	    (st = admin_query_time(r, "to", &f.to)) != 0)
		return st;
	/* "--to 2026-12-09" includes that day. */
	if ((s = admin_query_str(r, "to")) != NULL &&
	    caltime_parse_date(s, &y, &mon, &d) == 0) {
		caltime_add_days(&y, &mon, &d, 1);
		if (caltime_make(y, mon, d, 0, 0, &t) == CALTIME_OK)
			f.to = (int64_t)t * 1000;
	}
	if ((s = admin_query_str(r, "unconfirmed")) != NULL)
		f.unconfirmed = strcmp(s, "0") != 0 && strcmp(s, "false") != 0;
	if (visits_list(r->app->visits, &f, &a, &n) != VISITS_OK)
		return admin_error(r, 500, "internal", "storage error");
	r->out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(r->out, "visits");
	for (i = 0; i < n; i++) {
		/* Only the caller's families' visits. */
		if ((st = admin_family_visible(r, a[i].family_id)) == -1) {
			visits_list_free(a, n);
			return admin_error(r, 500, "internal", "storage error");
		}
		if (st == 1)
			cJSON_AddItemToArray(arr, admin_visit_json(r, &a[i],
			    0));
	}
	visits_list_free(a, n);
	return 200;
}

/* The caller may see the visit's family; a draft is not found. */
static int
admin_visit_access(struct areq *r, int64_t id)
{
	struct visit	 v;
	int		 st, rc;

	if ((rc = visits_get(r->app->visits, id, &v)) != VISITS_OK)
		return admin_visits_err(r, rc, "visit");
	st = v.state == VISIT_DRAFT ? 0 : admin_family_access(r, v.family_id);
	visit_clear(&v);
	return st;
}

int
admin_visit_show(struct areq *r)
{
	int64_t	 id;
	int	 st;

	if ((st = admin_path_id(r, 0, &id, "visit")) != 0 ||
	    (st = admin_visit_access(r, id)) != 0)
		return st;
	return admin_answer_visit(r, id, 200);
}

/* The visit of the path, which must still be planned. */
static int
admin_visit_planned(struct areq *r, int64_t *id, struct visit *v)
{
	int	 st, rc;

	if ((st = admin_path_id(r, 0, id, "visit")) != 0)
		return st;
	if ((rc = visits_get(r->app->visits, *id, v)) != VISITS_OK)
		return admin_visits_err(r, rc, "visit");
	if (v->state != VISIT_DRAFT &&
	    (st = admin_family_access(r, v->family_id)) != 0) {
		visit_clear(v);
		return st;
	}
	if (v->state == VISIT_DRAFT) {
		visit_clear(v);
		return admin_visits_err(r, VISITS_NOT_FOUND, "visit");
	}
	if (v->state == VISIT_CANCELLED) {
		visit_clear(v);
		return admin_error(r, 409, "conflict", "the visit was "
		    "cancelled");
	}
	return 0;
}

int
admin_visit_move(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "at", ADMIN_FT_STRING, 1 },
		{ NULL, 0, 0 }
	};
	struct visit	 v;
	time_t		 t;
	int64_t		 id;
	cJSON		*warnings;
	int		 st, rc;

	if ((st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_visit_planned(r, &id, &v)) != 0)
		return st;
	if ((st = admin_visit_time(r, "at", admin_str(r->body, "at"),
	    &t)) != 0)
		goto out;
	if ((rc = visits_move(r->app->visits, id, (int64_t)t * 1000)) !=
	    VISITS_OK) {
		st = admin_visits_err(r, rc, "visit");
		goto out;
	}
	if (visit_remind_notice(r->app, &v, (int64_t)t * 1000) == -1) {
		st = admin_error(r, 500, "internal", "storage error");
		goto out;
	}
	if ((st = admin_plan_reminders(r, id, v.kind, t)) != 0 ||
	    (st = admin_audit(r, "visit.move", "visit", id)) != 0 ||
	    (st = admin_answer_visit(r, id, 200)) != 200)
		goto out;
	warnings = cJSON_AddArrayToObject(r->out, "warnings");
	admin_visit_warn(r, warnings, t);
out:
	visit_clear(&v);
	return st;
}

int
admin_visit_cancel(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "reason", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct visit	 v;
	const char	*reason = admin_str(r->body, "reason");
	int64_t		 id;
	int		 st, rc;

	if ((st = admin_fields(r, r->body, fields)) != 0 ||
	    (st = admin_visit_planned(r, &id, &v)) != 0)
		return st;
	if ((st = admin_visit_text(r, "reason", reason,
	    VALIDATE_NOTES_MAX)) != 0)
		goto out;
	if ((rc = visits_cancel(r->app->visits, id, reason)) != VISITS_OK) {
		st = admin_visits_err(r, rc, "visit");
		goto out;
	}
	/* A visit already past is not announced as cancelled. */
	if (v.at > clock_now_ms() && visit_remind_notice(r->app, &v, 0) ==
	    -1) {
		st = admin_error(r, 500, "internal", "storage error");
		goto out;
	}
	if ((st = admin_audit(r, "visit.cancel", "visit", id)) == 0)
		st = admin_answer_visit(r, id, 200);
out:
	visit_clear(&v);
	return st;
}

/* ---- group events ---------------------------------------------------- */

static cJSON *
admin_event_json(struct areq *r, const struct event *e, const char *group)
{
	struct programme	 pg;
	struct visit_filter	 f;
	struct visit		*v = NULL;
	size_t			 n = 0, i;
	int64_t			 count[4] = { 0, 0, 0, 0 }, cancelled = 0;
	cJSON			*o = cJSON_CreateObject(), *c, *arr, *x;

	admin_add_int(o, "id", e->id);
	admin_add_int(o, "programme_id", e->programme_id);
	if (people_programme_get(r->app->people, e->programme_id, &pg) ==
	    PEOPLE_OK) {
		admin_add_str(o, "programme", pg.name);
		people_programme_clear(&pg);
	}
	admin_add_str(o, "group", group);
	admin_add_str(o, "kind", e->kind);
	admin_add_int(o, "at", e->at / 1000);
	admin_add_local(o, "local", e->at);
	admin_add_int(o, "minutes", e->minutes);
	admin_add_str(o, "place", e->place);
	admin_add_str(o, "note", e->note);
	memset(&f, 0, sizeof f);
	f.event_id = e->id;
	if (visits_list(r->app->visits, &f, &v, &n) != VISITS_OK) {
		cJSON_Delete(o);
		return NULL;
	}
	arr = cJSON_AddArrayToObject(o, "families");
	for (i = 0; i < n; i++) {
		struct family_brief	 fb;

		if (v[i].state == VISIT_CANCELLED)
			cancelled++;
		else if ((int)v[i].answer >= 0 && v[i].answer <= 3)
			count[v[i].answer]++;
		x = cJSON_CreateObject();
		admin_add_int(x, "visit_id", v[i].id);
		admin_add_str(x, "code", people_family_brief(r->app->people,
		    v[i].family_id, &fb) == PEOPLE_OK ? fb.code : NULL);
		admin_add_str(x, "state", visits_state_name(v[i].state));
		admin_add_str(x, "answer", visits_answer_name(v[i].answer));
		cJSON_AddItemToArray(arr, x);
	}
	visits_list_free(v, n);
	c = cJSON_AddObjectToObject(o, "counts");
	admin_add_int(c, "families", (int64_t)n);
	admin_add_int(c, "confirmed", count[VISIT_CONFIRMED]);
	admin_add_int(c, "cannot_come", count[VISIT_CANNOT_COME]);
	admin_add_int(c, "another_time", count[VISIT_ANOTHER_TIME]);
	admin_add_int(c, "no_answer", count[VISIT_NO_ANSWER]);
	admin_add_int(c, "cancelled", cancelled);
	admin_add_int(o, "created_at", e->created_at / 1000);
	return o;
}

/* The group's name of an event, or NULL; a new string. */
static char *
admin_event_group(struct areq *r, const struct event *e)
{
	struct programme	 pg;
	int64_t			 gid;
	char			*name = NULL;
	size_t			 i;

	if (e->group_id == 0 || people_programme_get(r->app->people,
	    e->programme_id, &pg) != PEOPLE_OK)
		return NULL;
	for (i = 0; i < pg.ngroups && name == NULL; i++)
		if (people_group_find(r->app->people, e->programme_id,
		    pg.groups[i], &gid) == PEOPLE_OK && gid == e->group_id)
			name = xstrdup(pg.groups[i]);
	people_programme_clear(&pg);
	return name;
}

static int
admin_answer_event(struct areq *r, int64_t id, int status)
{
	struct event	 e;
	char		*group;
	int		 rc;

	if ((rc = visits_event_get(r->app->visits, id, &e)) != VISITS_OK)
		return admin_visits_err(r, rc, "event");
	group = admin_event_group(r, &e);
	rc = admin_answer(r, "event", admin_event_json(r, &e, group), status);
	free(group);
	event_clear(&e);
	return rc;
}

/* One visit of the event for each family enrolled (in the group). */
static int
admin_event_plan(struct areq *r, const struct event *e, const char *group,
    cJSON *skipped)
{
	struct enrolment	*en = NULL;
	struct family_brief	 fb;
	struct visit		 v;
	size_t			 n = 0, i;
	int64_t			 id;
	int			 st = 0;

	if (people_enrolment_list(r->app->people, 0, e->programme_id, &en,
	    &n) != PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	for (i = 0; i < n && st == 0; i++) {
		if (en[i].until[0] != '\0' || (group != NULL &&
		    (en[i].group == NULL || strcmp(en[i].group, group) != 0)))
			continue;
		/* Unreachable families are listed, not refused. */
		if (admin_family_reachable(r, en[i].family_id) != 0) {
			r->code[0] = r->msg[0] = '\0';
			cJSON_AddItemToArray(skipped,
			    cJSON_CreateString(en[i].family_code));
			continue;
		}
		memset(&v, 0, sizeof v);
		v.family_id = en[i].family_id;
		v.event_id = e->id;
		if (people_family_brief(r->app->people, v.family_id, &fb) ==
		    PEOPLE_OK)
			v.staff_id = fb.assistant_id;
		snprintf(v.kind, sizeof v.kind, "%s", e->kind);
		v.at = e->at;
		v.minutes = e->minutes;
		v.place = e->place;
		v.note = e->note;
		if (visits_add(r->app->visits, &v, &id) != VISITS_OK)
			st = admin_error(r, 500, "internal", "storage error");
		else
			st = admin_plan_reminders(r, id, v.kind,
			    (time_t)(e->at / 1000));
	}
	people_enrolment_list_free(en, n);
	return st;
}

int
admin_event_add(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "programme", ADMIN_FT_INT, 1 },
		{ "group", ADMIN_FT_STRING, 0 },
		{ "at", ADMIN_FT_STRING, 1 },
		{ "minutes", ADMIN_FT_INT, 0 },
		{ "kind", ADMIN_FT_STRING, 0 },
		{ "place", ADMIN_FT_STRING, 1 },
		{ "note", ADMIN_FT_STRING, 0 },
		{ NULL, 0, 0 }
	};
	struct programme	 pg;
	struct visit		 v;
	struct event		 e;
	const char		*group = admin_str(r->body, "group");
	time_t			 t;
	int64_t			 gid = 0, id;
	cJSON			*skipped, *warnings;
	int			 st, rc;

	memset(&v, 0, sizeof v);
	memset(&e, 0, sizeof e);
	if ((st = admin_fields(r, r->body, fields)) != 0)
		return st;
	e.programme_id = admin_int(r->body, "programme", 0);
	if ((rc = people_programme_get(r->app->people, e.programme_id, &pg)) !=
	    PEOPLE_OK)
		return admin_people_err(r, rc, "programme");
	people_programme_clear(&pg);
	if ((st = admin_programme_access(r, e.programme_id)) != 0)
		return st;
	if (group != NULL && people_group_find(r->app->people, e.programme_id,
	    group, &gid) != PEOPLE_OK)
		return admin_error(r, 422, "invalid", "group: not a group of "
		    "this programme");
	if (admin_str(r->body, "kind") == NULL)
		cJSON_AddStringToObject(r->body, "kind", "meeting");
	if ((st = admin_visit_time(r, "at", admin_str(r->body, "at"),
	    &t)) != 0 || (st = admin_visit_common(r, &v)) != 0)
		return st;
	e.group_id = gid;
	snprintf(e.kind, sizeof e.kind, "%s", v.kind);
	e.at = (int64_t)t * 1000;
	e.minutes = v.minutes;
	e.place = v.place;
	e.note = v.note;
	if (visits_event_add(r->app->visits, &e, &id) != VISITS_OK)
		return admin_error(r, 500, "internal", "storage error");
	e.id = id;
	skipped = cJSON_CreateArray();
	if ((st = admin_event_plan(r, &e, group, skipped)) != 0 ||
	    (st = admin_audit(r, "event.add", "event", id)) != 0 ||
	    (st = admin_answer_event(r, id, 201)) != 201) {
		cJSON_Delete(skipped);
		return st;
	}
	cJSON_AddItemToObject(r->out, "unreachable", skipped);
	warnings = cJSON_AddArrayToObject(r->out, "warnings");
	admin_visit_warn(r, warnings, t);
	return 201;
}

int
admin_event_show(struct areq *r)
{
	int64_t	 id;
	int	 st;

	struct event	 e;
	int		 rc;

	if ((st = admin_path_id(r, 0, &id, "event")) != 0)
		return st;
	if ((rc = visits_event_get(r->app->visits, id, &e)) != VISITS_OK)
		return admin_visits_err(r, rc, "event");
	st = admin_programme_access(r, e.programme_id);
	event_clear(&e);
	if (st != 0)
		return st;
	return admin_answer_event(r, id, 200);
}
