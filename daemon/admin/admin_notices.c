/*
 * /v1/notices: notice templates, the shipped ones (catalog strings, read
 * only) and the staff's own (store/notices.c); previews of a template
 * rendered with its parameters, as Telegram text and as SMS with its
 * encoding and parts; and sending one to families. One family goes in
 * the reminder lane, several in the broadcast lane. A send is all or
 * nothing: any refusal queues nothing.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_notice_priv.h"
#include "admin_priv.h"
#include "app.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "dispatch.h"
#include "i18n.h"
#include "notice.h"
#include "notices.h"
#include "outbox.h"
#include "people.h"
#include "sms_text.h"
#include "utf8.h"
#include "validate.h"
#include "xmalloc.h"

#define NOTICE_SEND_MAX	1000	/* families named in one request */


void
an_tpl_clear(struct ntpl *t)
{
	notice_row_clear(&t->row);
	memset(t, 0, sizeof *t);
}

/* The template `id`: 404 when unknown, 500 on storage errors. */
int
an_tpl_load(struct areq *r, const char *id, struct ntpl *t)
{
	const struct notice_shipped	*s;
	int				 l, rc;

	memset(t, 0, sizeof *t);
	if ((s = notice_shipped_get(id)) != NULL) {
		t->shipped = 1;
		(void)snprintf(t->row.id, sizeof t->row.id, "%s", s->id);
		t->row.version = 1;
		for (l = 0; l < LANG_COUNT; l++) {
			t->text[l] = notice_shipped_text(r->app->i18n,
			    (enum lang)l, s, 0);
			t->sms[l] = notice_shipped_text(r->app->i18n,
			    (enum lang)l, s, 1);
		}
		return 0;
	}
	if (notice_id_ok(id) == -1)
		return admin_error(r, 404, "not_found", "no such notice");
	rc = notices_get(r->app->notices, id, &t->row);
	if (rc == NOTICES_NOT_FOUND)
		return admin_error(r, 404, "not_found", "no such notice");
	if (rc != NOTICES_OK)
		return admin_error(r, 500, "internal", "storage error");
	for (l = 0; l < LANG_COUNT; l++) {
		t->text[l] = t->row.text[l];
		t->sms[l] = t->row.sms[l];
	}
	return 0;
}

static cJSON *
ntpl_params_json(const struct ntpl *t)
{
	cJSON		*a = cJSON_CreateArray();
	unsigned	 uses = 0, b;
	int		 l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (t->text[l] != NULL)
			uses |= notice_uses(t->text[l]);
		if (t->sms[l] != NULL)
			uses |= notice_uses(t->sms[l]);
	}
	for (b = 0; notice_param_name(b) != NULL; b++)
		if (uses & (1U << b))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(notice_param_name(b)));
	return a;
}

static cJSON *
ntpl_json(const struct ntpl *t, int texts)
{
	cJSON	*o = cJSON_CreateObject(), *langs, *missing, *all, *one;
	int	 l;

	admin_add_str(o, "id", t->row.id);
	admin_add_int(o, "version", t->row.version);
	cJSON_AddBoolToObject(o, "shipped", t->shipped);
	cJSON_AddBoolToObject(o, "retired", t->row.retired_at != 0);
	langs = cJSON_AddArrayToObject(o, "languages");
	missing = cJSON_AddArrayToObject(o, "missing");
	for (l = 0; l < LANG_COUNT; l++)
		cJSON_AddItemToArray(t->text[l] != NULL ? langs : missing,
		    cJSON_CreateString(lang_code((enum lang)l)));
	cJSON_AddItemToObject(o, "params", ntpl_params_json(t));
	if (!texts)
		return o;
	all = cJSON_AddObjectToObject(o, "texts");
	for (l = 0; l < LANG_COUNT; l++) {
		if (t->text[l] == NULL) {
			cJSON_AddNullToObject(all, lang_code((enum lang)l));
			continue;
		}
		one = cJSON_AddObjectToObject(all, lang_code((enum lang)l));
		admin_add_str(one, "text", t->text[l]);
		admin_add_str(one, "sms", t->sms[l]);
	}
	if (!t->shipped) {
		admin_add_int(o, "created_at", t->row.created_at);
		admin_add_int(o, "updated_at", t->row.updated_at);
	}
	return o;
}

/* ---- the staff's templates ------------------------------------------- */

/* {"pl":{"text","sms"?},...} into row's texts; 400/422 when broken. */
int
an_texts_body(struct areq *r, const cJSON *texts, struct notice_row *row)
{
	static const struct admin_field spec[] = {
		{ "text", ADMIN_FT_STRING, 1 },
		{ "sms", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ NULL, 0, 0 }
	};
	const cJSON	*it;
	const char	*s;
	char		 why[128];
	enum lang	 l;
	int		 st;

	if (!cJSON_IsObject(texts))
		return admin_error(r, 400, "bad_request", "\"texts\" must be "
		    "an object of languages");
	for (it = texts->child; it != NULL; it = it->next) {
		if (validate_lang(it->string) == -1 ||
		    lang_parse(it->string, &l) == -1)
			return admin_error(r, 422, "invalid", "texts: unknown "
			    "language \"%.8s\"", it->string);
		if (row->text[l] != NULL)
			return admin_error(r, 400, "bad_request", "texts: "
			    "language %s given twice", it->string);
		if (!cJSON_IsObject(it))
			return admin_error(r, 400, "bad_request", "texts.%s "
			    "must be an object", it->string);
		if ((st = admin_fields(r, it, spec)) != 0)
			return st;
		s = admin_str(it, "text");
		if (notice_template_ok(s, l, why, sizeof why) == -1)
			return admin_error(r, 422, "invalid", "%s text: %s",
			    it->string, why);
		row->text[l] = xstrdup(s);
		if ((s = admin_str(it, "sms")) == NULL)
			continue;
		if (notice_template_ok(s, l, why, sizeof why) == -1)
			return admin_error(r, 422, "invalid", "%s sms: %s",
			    it->string, why);
		row->sms[l] = xstrdup(s);
	}
	if (texts->child == NULL)
		return admin_error(r, 422, "invalid", "texts: no language");
	return 0;
}

int
admin_notice_add(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "id", ADMIN_FT_STRING, 1 },
		{ "texts", ADMIN_FT_OBJECT, 1 },
		{ NULL, 0, 0 }
	};
	struct notice_row	 row;
	struct ntpl		 t;
	const char		*id;
	int			 st, rc;

	memset(&row, 0, sizeof row);
	if ((st = admin_fields(r, r->body, spec)) != 0)
		return st;
	id = admin_str(r->body, "id");
	if (notice_id_ok(id) == -1)
		return admin_error(r, 422, "invalid", "id: 1-40 of a-z, 0-9, "
		    "- and _");
	if (notice_shipped_get(id) != NULL)
		return admin_error(r, 409, "conflict", "\"%s\" is a shipped "
		    "notice", id);
	(void)snprintf(row.id, sizeof row.id, "%s", id);
	if ((st = an_texts_body(r, admin_get(r->body, "texts"),
	    &row)) != 0)
		goto out;
	rc = notices_add(r->app->notices, &row);
	if (rc == NOTICES_CONFLICT) {
		st = admin_error(r, 409, "conflict", "notice \"%s\" exists",
		    id);
		goto out;
	}
	if (rc != NOTICES_OK) {
		st = admin_error(r, 500, "internal", "storage error");
		goto out;
	}
	if ((st = admin_audit(r, "notice.add", "notice", 0)) != 0)
		goto out;
	if ((st = an_tpl_load(r, id, &t)) != 0)
		goto out;
	st = admin_answer(r, "notice", ntpl_json(&t, 1), 201);
	an_tpl_clear(&t);
out:
	notice_row_clear(&row);
	return st;
}

int
admin_notice_list(struct areq *r)
{
	struct notice_row	*rows = NULL;
	struct ntpl		 t;
	cJSON			*a;
	size_t			 i, n = 0;
	int			 st;

	if (notices_list(r->app->notices, &rows, &n) != NOTICES_OK)
		return admin_error(r, 500, "internal", "storage error");
	a = cJSON_CreateArray();
	for (i = 0; i < notice_shipped_count(); i++) {
		if ((st = an_tpl_load(r, notice_shipped_at(i)->id, &t)) != 0)
			goto fail;
		cJSON_AddItemToArray(a, ntpl_json(&t, 0));
		an_tpl_clear(&t);
	}
	for (i = 0; i < n; i++) {
		memset(&t, 0, sizeof t);
		t.row = rows[i];
		memcpy(t.text, rows[i].text, sizeof t.text);
		memcpy(t.sms, rows[i].sms, sizeof t.sms);
		cJSON_AddItemToArray(a, ntpl_json(&t, 0));
	}
	notices_list_free(rows, n);
	r->out = cJSON_CreateObject();
	cJSON_AddItemToObject(r->out, "notices", a);
	return 200;
fail:
	notices_list_free(rows, n);
	cJSON_Delete(a);
	return st;
}

int
admin_notice_show(struct areq *r)
{
	struct ntpl	 t;
	int		 st;

	if ((st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	st = admin_answer(r, "notice", ntpl_json(&t, 1), 200);
	an_tpl_clear(&t);
	return st;
}

/* The shipped ones change only with a release, through the catalogs. */
static int
notice_writable(struct areq *r, const char *id)
{
	if (notice_shipped_get(id) != NULL)
		return admin_error(r, 409, "conflict", "\"%s\" is a shipped "
		    "notice: its texts are in the catalogs", id);
	return 0;
}

int
admin_notice_edit(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "texts", ADMIN_FT_OBJECT, 1 },
		{ NULL, 0, 0 }
	};
	struct notice_row	 row;
	struct ntpl		 t;
	int			 st, rc;

	memset(&row, 0, sizeof row);
	if ((st = notice_writable(r, r->arg[0])) != 0 ||
	    (st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	an_tpl_clear(&t);
	if ((st = admin_fields(r, r->body, spec)) != 0)
		return st;
	(void)snprintf(row.id, sizeof row.id, "%s", r->arg[0]);
	if ((st = an_texts_body(r, admin_get(r->body, "texts"),
	    &row)) != 0)
		goto out;
	rc = notices_replace(r->app->notices, &row);
	if (rc == NOTICES_CONFLICT)
		st = admin_error(r, 409, "conflict", "the notice is retired");
	else if (rc != NOTICES_OK)
		st = admin_error(r, 500, "internal", "storage error");
	else if ((st = admin_audit(r, "notice.edit", "notice", 0)) == 0 &&
	    (st = an_tpl_load(r, row.id, &t)) == 0) {
		st = admin_answer(r, "notice", ntpl_json(&t, 1), 200);
		an_tpl_clear(&t);
	}
out:
	notice_row_clear(&row);
	return st;
}

int
admin_notice_retire(struct areq *r)
{
	struct ntpl	 t;
	int		 st, rc;

	if ((st = notice_writable(r, r->arg[0])) != 0 ||
	    (st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	an_tpl_clear(&t);
	rc = notices_retire(r->app->notices, r->arg[0],
	    (int64_t)clock_now());
	if (rc == NOTICES_CONFLICT)
		return admin_error(r, 409, "conflict", "already retired");
	if (rc != NOTICES_OK)
		return admin_error(r, 500, "internal", "storage error");
	if ((st = admin_audit(r, "notice.retire", "notice", 0)) != 0 ||
	    (st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	st = admin_answer(r, "notice", ntpl_json(&t, 1), 200);
	an_tpl_clear(&t);
	return st;
}

/* ---- parameters, previews -------------------------------------------- */


/* {"date":"2027-02-01"} or ["date=2027-02-01"] (asystentctl --param). */
int
an_params_body(struct areq *r, const cJSON *o, struct nparams *np)
{
	const cJSON	*it;
	const char	*eq;
	char		 why[128];
	size_t		 n = 0;

	memset(np, 0, sizeof *np);
	if (o == NULL || cJSON_IsNull(o))
		return 0;
	if (!cJSON_IsObject(o) && !cJSON_IsArray(o))
		return admin_error(r, 400, "bad_request", "\"params\" must be "
		    "an object or a list of key=value");
	for (it = o->child; it != NULL; it = it->next) {
		if (n == NOTICE_PARAMS_MAX)
			return admin_error(r, 422, "invalid", "more than %d "
			    "parameters", NOTICE_PARAMS_MAX);
		if (!cJSON_IsString(it))
			return admin_error(r, 400, "bad_request", "parameters "
			    "are strings");
		if (cJSON_IsObject(o)) {
			np->p.p[n].key = it->string;
			np->p.p[n].value = it->valuestring;
		} else {
			eq = strchr(it->valuestring, '=');
			if (eq == NULL || eq == it->valuestring ||
			    (size_t)(eq - it->valuestring) >=
			    sizeof np->keys[n])
				return admin_error(r, 422, "invalid", "a "
				    "parameter is written key=value");
			memcpy(np->keys[n], it->valuestring,
			    eq - it->valuestring);
			np->p.p[n].key = np->keys[n];
			np->p.p[n].value = eq + 1;
		}
		n++;
	}
	np->p.n = n;
	if (notice_params_ok(&np->p, why, sizeof why) == -1)
		return admin_error(r, 422, "invalid", "%s", why);
	return 0;
}

/* A given parameter none of the template's texts uses is a mistake. */
int
an_params_used(struct areq *r, const struct ntpl *t,
    const struct notice_params *p)
{
	unsigned	 uses = 0, b;
	size_t		 i;
	int		 l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (t->text[l] != NULL)
			uses |= notice_uses(t->text[l]);
		if (t->sms[l] != NULL)
			uses |= notice_uses(t->sms[l]);
	}
	for (i = 0; i < p->n; i++)
		for (b = 0; notice_param_name(b) != NULL; b++)
			if (strcmp(notice_param_name(b), p->p[i].key) == 0 &&
			    !(uses & (1U << b)))
				return admin_error(r, 422, "invalid",
				    "parameter \"%s\" is not used by notice "
				    "\"%s\"", p->p[i].key, t->row.id);
	return 0;
}


void
an_render_clear(struct nrender *n)
{
	free(n->text);
	free(n->sms);
	memset(n, 0, sizeof *n);
}

int
an_render_lang(struct areq *r, const struct ntpl *t, enum lang l,
    const struct notice_params *p, struct nrender *out)
{
	char	 why[128];

	if (out->done)
		return 0;
	out->done = 1;
	if (t->text[l] == NULL)
		return 0;
	if ((out->text = notice_render(r->app->i18n, l, t->text[l], p, why,
	    sizeof why)) == NULL)
		return admin_error(r, 422, "invalid", "%s", why);
	if (utf8_utf16_len(out->text, strlen(out->text)) > NOTICE_TEXT_MAX)
		return admin_error(r, 422, "invalid", "%s text: longer than "
		    "%d UTF-16 units once filled in", lang_code(l),
		    NOTICE_TEXT_MAX);
	if (t->sms[l] == NULL)
		return 0;
	if ((out->sms = notice_render(r->app->i18n, l, t->sms[l], p, why,
	    sizeof why)) == NULL)
		return admin_error(r, 422, "invalid", "%s", why);
	if (sms_text_count(out->sms, strlen(out->sms),
	    (unsigned)r->app->cfg->sms_max_parts, &out->cnt) != SMS_TEXT_OK)
		return admin_error(r, 422, "invalid", "%s sms: not valid "
		    "text", lang_code(l));
	return 0;
}

cJSON *
an_render_json(enum lang l, const struct nrender *n)
{
	cJSON	*o = cJSON_CreateObject(), *s;

	admin_add_str(o, "language", lang_code(l));
	cJSON_AddBoolToObject(o, "missing", n->text == NULL);
	admin_add_str(o, "text", n->text);
	if (n->sms == NULL) {
		cJSON_AddNullToObject(o, "sms");
		return o;
	}
	s = cJSON_AddObjectToObject(o, "sms");
	admin_add_str(s, "text", n->sms);
	admin_add_str(s, "encoding", n->cnt.coding == SMS_CODING_GSM7 ?
	    "GSM-7" : "UCS-2");
	admin_add_int(s, "parts", (int64_t)n->cnt.parts);
	admin_add_int(s, "units", (int64_t)n->cnt.units);
	admin_add_int(s, "max_parts", (int64_t)n->cnt.max_parts);
	cJSON_AddBoolToObject(s, "over_cap", n->cnt.over_cap);
	return o;
}

int
admin_notice_preview(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "lang", ADMIN_FT_STRING, 0 },
		{ "params", ADMIN_FT_OBJECT | ADMIN_FT_ARRAY, 0 },
		{ NULL, 0, 0 }
	};
	struct ntpl	 t;
	struct nparams	 np;
	struct nrender	 nr[LANG_COUNT];
	const char	*ls;
	cJSON		*o, *a;
	enum lang	 only = LANG_COUNT;
	int		 st, l;

	memset(nr, 0, sizeof nr);
	if ((st = admin_fields(r, r->body, spec)) != 0)
		return st;
	if ((ls = admin_str(r->body, "lang")) != NULL &&
	    (validate_lang(ls) == -1 || lang_parse(ls, &only) == -1))
		return admin_error(r, 422, "invalid", "lang: one of pl, uk, "
		    "ru, en");
	if ((st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	if ((st = an_params_body(r, admin_get(r->body, "params"),
	    &np)) != 0 || (st = an_params_used(r, &t, &np.p)) != 0)
		goto out;
	o = ntpl_json(&t, 0);
	a = cJSON_AddArrayToObject(o, "preview");
	for (l = 0; l < LANG_COUNT; l++) {
		if (only != LANG_COUNT && (enum lang)l != only)
			continue;
		if ((st = an_render_lang(r, &t, (enum lang)l, &np.p,
		    &nr[l])) != 0) {
			cJSON_Delete(o);
			goto out;
		}
		cJSON_AddItemToArray(a, an_render_json((enum lang)l, &nr[l]));
	}
	st = admin_answer(r, "notice", o, 200);
out:
	for (l = 0; l < LANG_COUNT; l++)
		an_render_clear(&nr[l]);
	an_tpl_clear(&t);
	return st;
}

/* ---- sending ---------------------------------------------------------- */


int
an_recipient(struct areq *r, int64_t fid, struct nrcpt *rc)
{
	struct people	*p = r->app->people;
	struct family_brief fb;
	struct member_target mt;
	char		 lang[4];
	int64_t		 chat;
	int		 on = 1, x;

	memset(rc, 0, sizeof *rc);
	rc->family_id = fid;
	if ((x = people_family_brief(p, fid, &fb)) != PEOPLE_OK)
		return admin_people_err(r, x, "family");
	(void)snprintf(rc->code, sizeof rc->code, "%s", fb.code);
	rc->ch = strcmp(fb.channel, "sms") == 0 ? CHANNEL_SMS :
	    CHANNEL_TELEGRAM;
	rc->lang = lang_from_tag(fb.language);
	memset(&mt, 0, sizeof mt);
	x = rc->ch == CHANNEL_SMS ?
	    people_member_sms_target(p, fid, 0, 0, &mt) :
	    people_member_tg_target(p, fid, 0, 0, &mt);
	if (x != PEOPLE_OK)
		return admin_people_err(r, x, "family");
	if (mt.member_id == 0 || (rc->ch == CHANNEL_SMS &&
	    mt.phone[0] == '\0') || (rc->ch == CHANNEL_TELEGRAM &&
	    mt.chat_id == 0)) {
		rc->skip = "unreachable";
		return 0;
	}
	rc->member_id = mt.member_id;
	rc->chat_id = mt.chat_id;
	(void)snprintf(rc->phone, sizeof rc->phone, "%s", mt.phone);
	if (people_member_takes_announcements(p, mt.member_id, &on) !=
	    PEOPLE_OK || people_member_reach(p, mt.member_id, &chat, lang) !=
	    PEOPLE_OK)
		return admin_error(r, 500, "internal", "storage error");
	rc->lang = lang_from_tag(lang);
	if (!on)
		rc->skip = "opted_out";
	else if (!mt.consented)
		rc->skip = "no_consent";
	return 0;
}

/* The families named, each once, in the order given. */
static int
notice_families(struct areq *r, const cJSON *a, int64_t **ids, size_t *n)
{
	const cJSON	*it;
	char		 buf[32];
	const char	*ref;
	int64_t		 id;
	size_t		 i;
	int		 st;

	*ids = NULL;
	*n = 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
		return admin_error(r, 422, "invalid", "families: name at "
		    "least one family");
	if (cJSON_GetArraySize(a) > NOTICE_SEND_MAX)
		return admin_error(r, 422, "invalid", "families: at most %d",
		    NOTICE_SEND_MAX);
	*ids = xcalloc((size_t)cJSON_GetArraySize(a), sizeof **ids);
	cJSON_ArrayForEach(it, a) {
		if (cJSON_IsString(it))
			ref = it->valuestring;
		else if (admin_json_int(it, &id) == 0) {
			(void)snprintf(buf, sizeof buf, "%" PRId64, id);
			ref = buf;
		} else
			return admin_error(r, 400, "bad_request", "families: "
			    "codes or ids");
		if ((st = admin_family_ref(r, ref, &id)) != 0 ||
		    (st = admin_family_access(r, id)) != 0)
			return st;
		for (i = 0; i < *n; i++)
			if ((*ids)[i] == id)
				break;
		if (i == *n)
			(*ids)[(*n)++] = id;
	}
	return 0;
}

/* The language whose texts go to `rc`: its own, else the fallback. */
static int
notice_lang_for(struct areq *r, const struct ntpl *t, struct nrcpt *rc,
    enum lang fallback)
{
	int	 sms = rc->ch == CHANNEL_SMS;

	if (t->text[rc->lang] != NULL && (!sms || t->sms[rc->lang] != NULL))
		return 0;
	if (fallback != LANG_COUNT && t->text[fallback] != NULL &&
	    (!sms || t->sms[fallback] != NULL)) {
		rc->lang = fallback;
		return 0;
	}
	return admin_error(r, 422, "invalid", "notice \"%s\" has no %s%s "
	    "text (family %s); add it, or send with a fallback language",
	    t->row.id, sms ? "SMS " : "", lang_code(rc->lang), rc->code);
}

static int
notice_queue_one(struct areq *r, const struct nrcpt *rc,
    const struct nrender *nr, enum outbox_priority prio, int64_t *row)
{
	struct out	 o;
	char		 why[128];
	int		 x;

	memset(&o, 0, sizeof o);
	o.kind = OUT_TEXT;
	o.chat_id = rc->chat_id;
	o.phone = rc->phone;
	o.text = rc->ch == CHANNEL_SMS ? nr->sms : nr->text;
	o.prio = prio;
	o.cause = "notice";
	o.member_id = rc->member_id;
	x = channel_queue(r->app->ob, r->app->cfg, rc->ch, &o, row, why,
	    sizeof why);
	if (x == CHANNEL_REFUSED)
		return admin_error(r, 422, "invalid", "family %s: %s",
		    rc->code, why);
	if (x != 0)
		return admin_error(r, 500, "internal", "storage error");
	/* Should Telegram refuse the copy, the SMS says the SMS wording. */
	if (rc->ch == CHANNEL_TELEGRAM && nr->sms != NULL &&
	    !nr->cnt.over_cap && notices_sms_put(r->app->notices, *row,
	    nr->sms) == -1)
		return admin_error(r, 500, "internal", "storage error");
	return 0;
}

/* What the family's export and the programme reports read of a copy. */
static int
notice_sent_note(struct areq *r, const struct ntpl *t, const struct nrcpt *rc,
    int64_t row)
{
	struct notice_sent	 ns;

	memset(&ns, 0, sizeof ns);
	snprintf(ns.notice_id, sizeof ns.notice_id, "%s", t->row.id);
	ns.version = t->row.version;
	ns.family_id = rc->family_id;
	ns.member_id = rc->member_id;
	snprintf(ns.lang, sizeof ns.lang, "%s", lang_code(rc->lang));
	ns.channel = (int)rc->ch;
	ns.outbox_id = row;
	ns.at = clock_now();
	if (notices_sent_add(r->app->notices, &ns) != NOTICES_OK)
		return admin_error(r, 500, "internal", "storage error");
	return 0;
}

static cJSON *
nrcpt_json(const struct nrcpt *rc, int64_t row)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_str(o, "code", rc->code);
	admin_add_str(o, "channel", rc->ch == CHANNEL_SMS ? "sms" :
	    "telegram");
	admin_add_str(o, "language", lang_code(rc->lang));
	if (rc->skip == NULL)
		admin_add_int(o, "outbox_id", row);
	else
		cJSON_AddNullToObject(o, "outbox_id");
	admin_add_str(o, "skipped", rc->skip);
	return o;
}

/* Every recipient checked and rendered before anything is queued. */
static int
notice_send_all(struct areq *r, const struct ntpl *t, struct nrcpt *rc,
    size_t n, const struct notice_params *p, enum lang fallback,
    struct nrender *nr, cJSON *list, int64_t *queued)
{
	enum outbox_priority	 prio;
	struct nrender		*one;
	size_t			 i;
	int64_t			 row;
	int			 st;

	prio = n == 1 ? OUTBOX_PRIO_REMINDER : OUTBOX_PRIO_BROADCAST;
	for (i = 0; i < n; i++) {
		if (rc[i].skip != NULL)
			continue;
		if ((st = notice_lang_for(r, t, &rc[i], fallback)) != 0 ||
		    (st = an_render_lang(r, t, rc[i].lang, p,
		    &nr[rc[i].lang])) != 0)
			return st;
		one = &nr[rc[i].lang];
		if (rc[i].ch == CHANNEL_SMS && one->cnt.over_cap)
			return admin_error(r, 422, "invalid", "%s SMS text: "
			    "%zu parts, limit %u", lang_code(rc[i].lang),
			    one->cnt.parts, one->cnt.max_parts);
	}
	for (i = 0; i < n; i++) {
		row = 0;
		if (rc[i].skip == NULL) {
			if ((st = notice_queue_one(r, &rc[i],
			    &nr[rc[i].lang], prio, &row)) != 0 ||
			    (st = notice_sent_note(r, t, &rc[i], row)) != 0 ||
			    (st = admin_audit(r, "notice.send", "family",
			    rc[i].family_id)) != 0)
				return st;
			(*queued)++;
		}
		cJSON_AddItemToArray(list, nrcpt_json(&rc[i], row));
	}
	return 0;
}

int
admin_notice_send(struct areq *r)
{
	static const struct admin_field spec[] = {
		{ "families", ADMIN_FT_ARRAY, 1 },
		{ "params", ADMIN_FT_OBJECT | ADMIN_FT_ARRAY, 0 },
		{ "fallback", ADMIN_FT_STRING | ADMIN_FT_NULL, 0 },
		{ NULL, 0, 0 }
	};
	struct ntpl	 t;
	struct nparams	 np;
	struct nrender	 nr[LANG_COUNT];
	struct nrcpt	*rc = NULL;
	int64_t		*ids = NULL, queued = 0;
	const char	*fb;
	cJSON		*o = NULL, *list;
	enum lang	 fallback = LANG_COUNT;
	size_t		 n = 0, i;
	int		 st, l;

	memset(nr, 0, sizeof nr);
	memset(&t, 0, sizeof t);
	if ((st = admin_fields(r, r->body, spec)) != 0)
		return st;
	if ((fb = admin_str(r->body, "fallback")) != NULL &&
	    (validate_lang(fb) == -1 || lang_parse(fb, &fallback) == -1))
		return admin_error(r, 422, "invalid", "fallback: one of pl, "
		    "uk, ru, en");
	if ((st = an_tpl_load(r, r->arg[0], &t)) != 0)
		return st;
	if (t.row.retired_at != 0) {
		st = admin_error(r, 409, "conflict", "the notice is retired");
		goto out;
	}
	if ((st = an_params_body(r, admin_get(r->body, "params"),
	    &np)) != 0 || (st = an_params_used(r, &t, &np.p)) != 0 ||
	    (st = notice_families(r, admin_get(r->body, "families"), &ids,
	    &n)) != 0)
		goto out;
	rc = xcalloc(n, sizeof *rc);
	for (i = 0; i < n; i++)
		if ((st = an_recipient(r, ids[i], &rc[i])) != 0)
			goto out;
	o = cJSON_CreateObject();
	admin_add_str(o, "notice", t.row.id);
	admin_add_int(o, "version", t.row.version);
	admin_add_str(o, "priority", n == 1 ? "reminder" : "broadcast");
	list = cJSON_CreateArray();
	if ((st = notice_send_all(r, &t, rc, n, &np.p, fallback, nr, list,
	    &queued)) != 0) {
		cJSON_Delete(list);
		goto out;
	}
	admin_add_int(o, "queued", queued);
	admin_add_int(o, "skipped", (int64_t)n - queued);
	cJSON_AddItemToObject(o, "families", list);
	if (queued > 0)
		dispatch_kick(r->app->disp);
	r->out = o;
	o = NULL;
	st = 201;
out:
	cJSON_Delete(o);
	for (l = 0; l < LANG_COUNT; l++)
		an_render_clear(&nr[l]);
	free(rc);
	free(ids);
	an_tpl_clear(&t);
	return st;
}
