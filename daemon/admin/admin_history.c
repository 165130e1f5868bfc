/*
 * GET /v1/families/{family}/conversation: a family's history for staff,
 * with the counts; every reading writes a conversation.show audit row.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "history.h"
#include "outbox.h"
#include "people.h"
#include "xmalloc.h"

/* {"id","name"} of each member or staff member met, looked up once. */
struct conv_ref {
	int		 staff;
	int64_t		 id;
	cJSON		*obj;		/* NULL: gone */
};

struct conv {
	struct areq	*r;
	struct conv_ref	*refs;
	size_t		 nrefs;
};

static int
conv_people_err(struct areq *r, int rc)
{
	if (rc == PEOPLE_NOT_FOUND)
		return admin_error(r, 404, "not_found", "family not found");
	return admin_error(r, 500, "internal", "storage error");
}

/* `last` from the query: 1..HISTORY_LAST_MAX; -1 when malformed. */
static int
conv_last(struct areq *r)
{
	const char	*s = evhttp_find_header(&r->query, "last");
	char		*end;
	long		 v;

	if (s == NULL)
		return HISTORY_LAST_DEFAULT;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < 1 ||
	    v > HISTORY_LAST_MAX)
		return -1;
	return (int)v;
}

static cJSON *
conv_ref_json(int64_t id, const char *name, size_t len)
{
	cJSON	*o = cJSON_CreateObject();
	char	*n = xstrndup(name != NULL ? name : "", len);

	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "name", n);
	explicit_bzero(n, strlen(n));
	free(n);
	return o;
}

/* A member shows by first name, as in the relay's header lines. */
static int
conv_member(struct areq *r, int64_t id, cJSON **out)
{
	struct member	 m;
	int		 rc;

	*out = NULL;
	if ((rc = people_member_get(r->app->people, id, &m)) ==
	    PEOPLE_NOT_FOUND)
		return 0;
	if (rc != PEOPLE_OK)
		return -1;
	*out = conv_ref_json(id, m.name, m.name != NULL ?
	    strcspn(m.name, " ") : 0);
	people_member_clear(&m);
	return 0;
}

static int
conv_staff(struct areq *r, int64_t id, cJSON **out)
{
	struct staff	 s;
	int		 rc;

	*out = NULL;
	if ((rc = people_staff_get(r->app->people, id, &s)) ==
	    PEOPLE_NOT_FOUND)
		return 0;
	if (rc != PEOPLE_OK)
		return -1;
	*out = conv_ref_json(id, s.name, s.name != NULL ? strlen(s.name) : 0);
	people_staff_clear(&s);
	return 0;
}

/* Adds obj[key] = the reference, or null; -1 on a storage error. */
static int
conv_add_ref(struct conv *cv, cJSON *obj, const char *key, int staff,
    int64_t id)
{
	struct conv_ref	*ref = NULL;
	size_t		 i;

	for (i = 0; id != 0 && i < cv->nrefs && ref == NULL; i++)
		if (cv->refs[i].staff == staff && cv->refs[i].id == id)
			ref = &cv->refs[i];
	if (id != 0 && ref == NULL) {
		cv->refs = xreallocarray(cv->refs, cv->nrefs + 1,
		    sizeof *cv->refs);
		ref = &cv->refs[cv->nrefs++];
		ref->staff = staff;
		ref->id = id;
		if ((staff ? conv_staff(cv->r, id, &ref->obj) :
		    conv_member(cv->r, id, &ref->obj)) == -1)
			return -1;
	}
	if (ref == NULL || ref->obj == NULL)
		cJSON_AddNullToObject(obj, key);
	else
		cJSON_AddItemToObject(obj, key, cJSON_Duplicate(ref->obj, 1));
	return 0;
}

static void
conv_refs_free(struct conv *cv)
{
	size_t	 i;

	for (i = 0; i < cv->nrefs; i++)
		cJSON_Delete(cv->refs[i].obj);
	free(cv->refs);
}

static cJSON *
conv_msg_json(struct conv *cv, const struct history_msg *m)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddNumberToObject(o, "at", (double)m->at);
	cJSON_AddStringToObject(o, "direction", history_dir_name(m->direction));
	cJSON_AddStringToObject(o, "kind", m->kind);
	cJSON_AddStringToObject(o, "channel", m->channel == CHANNEL_SMS ?
	    "sms" : "telegram");
	cJSON_AddStringToObject(o, "state", history_state_name(m->state));
	if (m->error[0] != '\0')
		cJSON_AddStringToObject(o, "error", m->error);
	else
		cJSON_AddNullToObject(o, "error");
	if (conv_add_ref(cv, o, "member", 0, m->member_id) == -1 ||
	    conv_add_ref(cv, o, "staff", 1, m->staff_id) == -1) {
		cJSON_Delete(o);
		return NULL;
	}
	if (m->text != NULL)
		cJSON_AddStringToObject(o, "text", m->text);
	else
		cJSON_AddNullToObject(o, "text");
	cJSON_AddBoolToObject(o, "purged", m->purged);
	return o;
}

static int
conv_add_family(struct areq *r, int64_t id)
{
	struct family	 f;
	cJSON		*o;
	int		 rc;

	if ((rc = people_family_get(r->app->people, id, &f)) != PEOPLE_OK)
		return conv_people_err(r, rc);
	o = cJSON_AddObjectToObject(r->out, "family");
	cJSON_AddNumberToObject(o, "id", (double)f.id);
	cJSON_AddStringToObject(o, "code", f.code);
	cJSON_AddStringToObject(o, "name", f.name != NULL ? f.name : "");
	cJSON_AddStringToObject(o, "language", f.language);
	cJSON_AddStringToObject(o, "channel", f.channel);
	people_family_clear(&f);
	return 0;
}

static int
conv_add_counts(struct areq *r, int64_t id)
{
	struct history_counts	 c;
	cJSON			*o;

	if (history_counts(r->app->history, id, &c) == -1)
		return admin_error(r, 500, "internal", "storage error");
	o = cJSON_AddObjectToObject(r->out, "counts");
	cJSON_AddNumberToObject(o, "from_family", (double)c.from_family);
	cJSON_AddNumberToObject(o, "to_family", (double)c.to_family);
	cJSON_AddNumberToObject(o, "total", (double)c.total);
	cJSON_AddNumberToObject(o, "purged", (double)c.purged);
	return 0;
}

static int
conv_add_messages(struct areq *r, int64_t id, int last)
{
	struct conv		 cv = { r, NULL, 0 };
	struct history_msg	*a = NULL;
	size_t			 n = 0, i;
	cJSON			*arr, *o;
	int			 st = 0;

	if (history_read(r->app->history, id, last, &a, &n) == -1)
		return admin_error(r, 500, "internal", "storage error");
	arr = cJSON_AddArrayToObject(r->out, "messages");
	for (i = 0; i < n; i++) {
		if ((o = conv_msg_json(&cv, &a[i])) == NULL) {
			st = admin_error(r, 500, "internal", "storage error");
			break;
		}
		cJSON_AddItemToArray(arr, o);
	}
	conv_refs_free(&cv);
	history_msgs_free(a, n);
	return st;
}

int
admin_conversation(struct areq *r)
{
	int64_t	 id;
	int	 last, rc, st;

	if ((rc = people_family_resolve(r->app->people, r->arg[0], &id)) !=
	    PEOPLE_OK)
		return conv_people_err(r, rc);
	if ((st = admin_family_access(r, id)) != 0)
		return st;
	if ((last = conv_last(r)) == -1)
		return admin_error(r, 422, "invalid", "last: 1 to %d",
		    HISTORY_LAST_MAX);
	r->out = cJSON_CreateObject();
	if ((st = conv_add_family(r, id)) != 0 ||
	    (st = conv_add_counts(r, id)) != 0 ||
	    (st = conv_add_messages(r, id, last)) != 0 ||
	    (st = admin_audit(r, "conversation.show", "family", id)) != 0)
		return st;
	return 200;
}
