/*
 * GET /v1/families/{family}/export: everything held about a family, for
 * its request under GDPR art. 15: the family with its members, their
 * consents and programmes, every message with its text, its visits, the
 * notices it was sent, the staff named in the messages, and the audit
 * rows about the family and its members. Each
 * export writes a family.export audit row.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_priv.h"
#include "app.h"
#include "broadcasts.h"
#include "crypto.h"
#include "history.h"
#include "notices.h"
#include "outbox.h"
#include "people.h"
#include "store.h"
#include "visits.h"
#include "xmalloc.h"

struct export_ctx {
	struct areq	*r;
	cJSON		*arr;
	int64_t		*staff;		/* staff ids named by messages */
	size_t		 nstaff;
};

static void
export_note_staff(struct export_ctx *x, int64_t id)
{
	size_t	 i;

	if (id == 0)
		return;
	for (i = 0; i < x->nstaff; i++)
		if (x->staff[i] == id)
			return;
	x->staff = xreallocarray(x->staff, x->nstaff + 1, sizeof *x->staff);
	x->staff[x->nstaff++] = id;
}

static int
export_msg(const struct history_msg *m, void *arg)
{
	struct export_ctx	*x = arg;
	cJSON			*o = cJSON_CreateObject();

	admin_add_int(o, "id", m->id);
	admin_add_int(o, "at", m->at);
	admin_add_str(o, "direction", history_dir_name(m->direction));
	admin_add_str(o, "kind", m->kind);
	admin_add_str(o, "channel", m->channel == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_str(o, "state", history_state_name(m->state));
	admin_add_str(o, "error", m->error[0] != '\0' ? m->error : NULL);
	if (m->member_id != 0)
		admin_add_int(o, "member_id", m->member_id);
	else
		cJSON_AddNullToObject(o, "member_id");
	if (m->staff_id != 0)
		admin_add_int(o, "staff_id", m->staff_id);
	else
		cJSON_AddNullToObject(o, "staff_id");
	admin_add_str(o, "text", m->text);
	cJSON_AddBoolToObject(o, "purged", m->purged);
	cJSON_AddItemToArray(x->arr, o);
	export_note_staff(x, m->staff_id);
	return 0;
}

static int
export_messages(struct export_ctx *x, int64_t fid)
{
	return history_each(x->r->app->history, fid, export_msg, x);
}

/* The staff members the messages name: id and name only. */
static int
export_staff(struct export_ctx *x, int64_t fid)
{
	char	*name;
	size_t	 i;
	cJSON	*o;

	(void)fid;
	for (i = 0; i < x->nstaff; i++) {
		name = NULL;
		if (people_staff_name(x->r->app->people, x->staff[i], &name) ==
		    PEOPLE_ERR)
			return -1;
		o = cJSON_CreateObject();
		admin_add_int(o, "id", x->staff[i]);
		admin_add_str(o, "name", name);
		crypto_free_plain(name);
		cJSON_AddItemToArray(x->arr, o);
	}
	return 0;
}

static int
export_audit_row(const struct audit_row *row, void *arg)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_int(o, "id", row->id);
	admin_add_int(o, "at", row->at);
	admin_add_int(o, "uid", row->uid);
	admin_add_str(o, "action", row->action);
	admin_add_str(o, "object", row->object);
	admin_add_int(o, "object_id", row->object_id);
	cJSON_AddItemToArray(arg, o);
	return 0;
}

static int
export_audit(struct export_ctx *x, int64_t fid)
{
	struct audit_filter	 f = { -1, fid, 0, INT_MAX };

	return people_audit_find(x->r->app->people, &f, export_audit_row,
	    x->arr) == PEOPLE_OK ? 0 : -1;
}

/* Every visit of the family, planned or cancelled, with its answer. */
static int
export_visits(struct export_ctx *x, int64_t fid)
{
	struct visit_filter	 f;
	struct visit		*v = NULL;
	size_t			 n = 0, i;

	memset(&f, 0, sizeof f);
	f.family_id = fid;
	if (visits_list(x->r->app->visits, &f, &v, &n) != VISITS_OK)
		return -1;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(x->arr, admin_visit_json(x->r, &v[i], 1));
	visits_list_free(v, n);
	return 0;
}

static int
export_notice(const struct notice_sent *ns, void *arg)
{
	struct export_ctx	*x = arg;
	cJSON			*o = cJSON_CreateObject();

	cJSON_AddNullToObject(o, "broadcast");
	admin_add_str(o, "notice", ns->notice_id);
	admin_add_int(o, "version", ns->version);
	admin_add_str(o, "language", ns->lang);
	admin_add_str(o, "channel", ns->channel == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_int(o, "at", ns->at);
	if (ns->member_id != 0)
		admin_add_int(o, "member_id", ns->member_id);
	else
		cJSON_AddNullToObject(o, "member_id");
	admin_add_int(o, "outbox_id", ns->outbox_id);
	/* Until the outbox says otherwise (export_notice_state). */
	admin_add_str(o, "state", "queued");
	cJSON_AddNullToObject(o, "delivery");
	cJSON_AddItemToArray(x->arr, o);
	return 0;
}

/* A broadcast's copy, in the same form as a notice's. */
static int
export_bc_copy(const struct bc_copy *c, void *arg)
{
	struct export_ctx	*x = arg;
	cJSON			*o = cJSON_CreateObject();

	admin_add_int(o, "broadcast", c->broadcast_id);
	admin_add_str(o, "notice", c->notice_id[0] != '\0' ? c->notice_id :
	    NULL);
	if (c->notice_id[0] != '\0')
		admin_add_int(o, "version", c->notice_version);
	else
		cJSON_AddNullToObject(o, "version");
	admin_add_str(o, "language", c->lang);
	admin_add_str(o, "channel", c->channel == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_int(o, "at", c->at);
	cJSON_AddNullToObject(o, "member_id");
	admin_add_int(o, "outbox_id", c->outbox_id);
	admin_add_str(o, "state", "queued");
	cJSON_AddNullToObject(o, "delivery");
	cJSON_AddItemToArray(x->arr, o);
	return 0;
}

/* (id, created_at, state, channel, delivery, sent_at) of a copy. */
static int
export_notice_state(const int64_t *v, int n, void *arg)
{
	static const char *const delivery[] = { NULL, "queued", "delivered",
		"failed", "expired" };
	cJSON	*o;

	if (n < 5)
		return 0;
	cJSON_ArrayForEach(o, (cJSON *)arg) {
		if (admin_int(o, "outbox_id", 0) != v[0])
			continue;
		cJSON_ReplaceItemInObject(o, "state", cJSON_CreateString(
		    outbox_state_name((enum outbox_state)v[2])));
		if (v[4] > 0 && v[4] < 5)
			cJSON_ReplaceItemInObject(o, "delivery",
			    cJSON_CreateString(delivery[v[4]]));
	}
	return 0;
}

/*
 * The notices the family was sent, alone or in a broadcast (a broadcast
 * with texts of its own has no notice): template, language, channel,
 * time and what became of each copy (the outbox row's state, an SMS
 * gateway's report).
 */
static int
export_notices(struct export_ctx *x, int64_t fid)
{
	const cJSON	*o;
	char		*ids, *p;
	size_t		 cap, len = 0;
	int		 rc;

	if (notices_sent_each(x->r->app->notices, fid, export_notice, x) !=
	    NOTICES_OK ||
	    bc_family_copies(x->r->app->broadcasts, fid, export_bc_copy,
	    x) != 0)
		return -1;
	cap = 3 + (size_t)cJSON_GetArraySize(x->arr) * 21;
	p = ids = xmalloc(cap);
	len = (size_t)snprintf(ids, cap, "[");
	cJSON_ArrayForEach(o, x->arr)
		len += (size_t)snprintf(ids + len, cap - len, "%s%lld",
		    o == x->arr->child ? "" : ",",
		    (long long)admin_int(o, "outbox_id", 0));
	snprintf(ids + len, cap - len, "]");
	rc = outbox_report(x->r->app->ob, p, export_notice_state, x->arr);
	free(ids);
	return rc;
}

/* The parts of an export, in order; each fills the array of its key. */
static const struct {
	const char	*key;
	int		(*add)(struct export_ctx *x, int64_t fid);
} export_parts[] = {
	{ "messages", export_messages },
	{ "visits", export_visits },
	{ "notices", export_notices },
	{ "staff", export_staff },	/* after messages: who they name */
	{ "audit", export_audit },
};

int
admin_family_export(struct areq *r)
{
	struct export_ctx	 x = { r, NULL, NULL, 0 };
	struct family		 f;
	cJSON			*o, *fam;
	size_t			 i;
	int64_t			 id;
	int			 st, rc;

	if ((st = admin_family_ref(r, r->arg[0], &id)) != 0 ||
	    (st = admin_family_access(r, id)) != 0)
		return st;
	/* First, so the export lists its own row too. */
	if ((st = admin_audit(r, "family.export", "family", id)) != 0)
		return st;
	if ((rc = people_family_get(r->app->people, id, &f)) != PEOPLE_OK)
		return admin_people_err(r, rc, "family");
	fam = admin_family_json(r, &f, 1);
	people_family_clear(&f);
	if (fam == NULL)
		return admin_error(r, 500, "internal", "storage error");
	o = cJSON_CreateObject();
	admin_add_int(o, "generated_at", store_now_ms() / 1000);
	cJSON_AddItemToObject(o, "family", fam);
	for (i = 0; i < sizeof export_parts / sizeof export_parts[0]; i++) {
		x.arr = cJSON_AddArrayToObject(o, export_parts[i].key);
		if (export_parts[i].add(&x, id) == -1) {
			free(x.staff);
			cJSON_Delete(o);
			return admin_error(r, 500, "internal",
			    "storage error");
		}
	}
	free(x.staff);
	return admin_answer(r, "export", o, 200);
}
