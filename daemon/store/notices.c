/*
 * The staff's notice templates: tables notices and notice_texts. Plain
 * text on purpose (include/notices.h says why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "i18n.h"
#include "log.h"
#include "notices.h"
#include "store.h"
#include "xmalloc.h"

enum {
	NS_INSERT,
	NS_TEXT_INSERT,
	NS_TEXTS_DELETE,
	NS_BUMP,
	NS_RETIRE,
	NS_GET,
	NS_TEXTS,
	NS_IDS,
	NS_SMS_PUT,
	NS_SMS_GET,
	NS_SMS_DROP,
	NS_COUNT
};

static const char *const notices_sql[NS_COUNT] = {
	"INSERT INTO notices (id, version, created_at, updated_at) "
	"VALUES (?1, 1, ?2, ?2)",
	"INSERT INTO notice_texts (notice_id, lang, text, sms) "
	"VALUES (?1, ?2, ?3, ?4)",
	"DELETE FROM notice_texts WHERE notice_id = ?1",
	"UPDATE notices SET version = version + 1, updated_at = ?2 "
	"WHERE id = ?1",
	"UPDATE notices SET retired_at = ?2 WHERE id = ?1",
	"SELECT version, created_at, updated_at, retired_at FROM notices "
	"WHERE id = ?1",
	"SELECT lang, text, sms FROM notice_texts WHERE notice_id = ?1",
	"SELECT id FROM notices ORDER BY id",
	"INSERT OR REPLACE INTO notice_sms (outbox_id, sms) VALUES (?1, ?2)",
	"SELECT sms FROM notice_sms WHERE outbox_id = ?1",
	"DELETE FROM notice_sms WHERE outbox_id = ?1",
};

struct notices {
	struct store	*st;
	sqlite3_stmt	*s[NS_COUNT];
};

struct notices *
notices_new(struct store *st)
{
	struct notices	*n;
	int		 i;

	n = xcalloc(1, sizeof *n);
	n->st = st;
	for (i = 0; i < NS_COUNT; i++) {
		if (store_prepare(st, notices_sql[i], &n->s[i]) == -1) {
			notices_free(n);
			return NULL;
		}
	}
	return n;
}

void
notices_free(struct notices *n)
{
	int	 i;

	if (n == NULL)
		return;
	for (i = 0; i < NS_COUNT; i++)
		sqlite3_finalize(n->s[i]);
	free(n);
}

void
notice_row_clear(struct notice_row *r)
{
	int	 l;

	if (r == NULL)
		return;
	for (l = 0; l < LANG_COUNT; l++) {
		free(r->text[l]);
		free(r->sms[l]);
	}
	memset(r, 0, sizeof *r);
}

void
notices_list_free(struct notice_row *a, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		notice_row_clear(&a[i]);
	free(a);
}

static int
notices_texts_write(struct notices *n, const struct notice_row *r)
{
	sqlite3_stmt	*s = n->s[NS_TEXT_INSERT];
	int		 l;

	for (l = 0; l < LANG_COUNT; l++) {
		if (r->text[l] == NULL)
			continue;
		sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, lang_code((enum lang)l), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->text[l], -1, SQLITE_STATIC);
		if (r->sms[l] != NULL)
			sqlite3_bind_text(s, 4, r->sms[l], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 4);
		if (store_step_done(s, "notices.text") == -1)
			return NOTICES_ERR;
	}
	return NOTICES_OK;
}

/* The row's own columns; NOT_FOUND when there is none. */
static int
notices_head(struct notices *n, const char *id, struct notice_row *out)
{
	sqlite3_stmt	*s = n->s[NS_GET];
	int		 rc;

	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		(void)strncpy(out->id, id, sizeof out->id - 1);
		out->version = sqlite3_column_int64(s, 0);
		out->created_at = sqlite3_column_int64(s, 1);
		out->updated_at = sqlite3_column_int64(s, 2);
		out->retired_at = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return NOTICES_OK;
	if (rc == SQLITE_DONE)
		return NOTICES_NOT_FOUND;
	log_err("event=store.error what=notices.get error=\"%s\"",
	    sqlite3_errstr(rc));
	return NOTICES_ERR;
}

int
notices_add(struct notices *n, const struct notice_row *r)
{
	struct notice_row	 old;
	sqlite3_stmt		*s = n->s[NS_INSERT];
	int			 rc;

	memset(&old, 0, sizeof old);
	if ((rc = notices_head(n, r->id, &old)) != NOTICES_NOT_FOUND)
		return rc == NOTICES_OK ? NOTICES_CONFLICT : rc;
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, store_now_ms() / 1000);
	if (store_step_done(s, "notices.add") == -1)
		return NOTICES_ERR;
	return notices_texts_write(n, r);
}

int
notices_replace(struct notices *n, const struct notice_row *r)
{
	struct notice_row	 old;
	sqlite3_stmt		*s;
	int			 rc;

	memset(&old, 0, sizeof old);
	if ((rc = notices_head(n, r->id, &old)) != NOTICES_OK)
		return rc;
	if (old.retired_at != 0)
		return NOTICES_CONFLICT;
	s = n->s[NS_TEXTS_DELETE];
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	if (store_step_done(s, "notices.texts_delete") == -1)
		return NOTICES_ERR;
	s = n->s[NS_BUMP];
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, store_now_ms() / 1000);
	if (store_step_done(s, "notices.bump") == -1)
		return NOTICES_ERR;
	return notices_texts_write(n, r);
}

int
notices_retire(struct notices *n, const char *id, int64_t at)
{
	struct notice_row	 old;
	sqlite3_stmt		*s = n->s[NS_RETIRE];
	int			 rc;

	memset(&old, 0, sizeof old);
	if ((rc = notices_head(n, id, &old)) != NOTICES_OK)
		return rc;
	if (old.retired_at != 0)
		return NOTICES_CONFLICT;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, at);
	if (store_step_done(s, "notices.retire") == -1)
		return NOTICES_ERR;
	return NOTICES_OK;
}

static int
notices_texts_read(struct notices *n, struct notice_row *out)
{
	sqlite3_stmt	*s = n->s[NS_TEXTS];
	const char	*code, *sms;
	enum lang	 l;
	int		 rc;

	sqlite3_bind_text(s, 1, out->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		code = (const char *)sqlite3_column_text(s, 0);
		if (code == NULL || lang_parse(code, &l) == -1)
			continue;
		free(out->text[l]);
		free(out->sms[l]);
		out->text[l] = xstrdup((const char *)sqlite3_column_text(s,
		    1));
		sms = (const char *)sqlite3_column_text(s, 2);
		out->sms[l] = sms != NULL ? xstrdup(sms) : NULL;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=notices.texts error=\"%s\"",
		    sqlite3_errstr(rc));
		return NOTICES_ERR;
	}
	return NOTICES_OK;
}

int
notices_get(struct notices *n, const char *id, struct notice_row *out)
{
	int	 rc;

	memset(out, 0, sizeof *out);
	if ((rc = notices_head(n, id, out)) != NOTICES_OK)
		return rc;
	if ((rc = notices_texts_read(n, out)) != NOTICES_OK)
		notice_row_clear(out);
	return rc;
}

int
notices_list(struct notices *n, struct notice_row **out, size_t *count)
{
	sqlite3_stmt	*s = n->s[NS_IDS];
	struct notice_row *a = NULL;
	char		**ids = NULL;
	size_t		 nids = 0, i;
	int		 rc, ret = NOTICES_ERR;

	*out = NULL;
	*count = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids = xreallocarray(ids, nids + 1, sizeof *ids);
		ids[nids++] = xstrdup((const char *)sqlite3_column_text(s,
		    0));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=notices.list error=\"%s\"",
		    sqlite3_errstr(rc));
		goto out;
	}
	a = xcalloc(nids + 1, sizeof *a);
	for (i = 0; i < nids; i++) {
		if (notices_get(n, ids[i], &a[i]) != NOTICES_OK) {
			notices_list_free(a, i);
			a = NULL;
			goto out;
		}
	}
	*out = a;
	*count = nids;
	ret = NOTICES_OK;
out:
	for (i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	return ret;
}

/* ---- the copies sent -------------------------------------------------- */

int
notices_sent_add(struct notices *n, const struct notice_sent *ns)
{
	static const char sql[] = "INSERT INTO notice_sent (notice_id, "
	    "notice_version, family_id, member_id, lang, channel, outbox_id, "
	    "at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt	*s = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(store_db(n->st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		log_err("event=store.error what=notice_sent_add error=\"%s\"",
		    sqlite3_errmsg(store_db(n->st)));
		return NOTICES_ERR;
	}
	sqlite3_bind_text(s, 1, ns->notice_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ns->version);
	sqlite3_bind_int64(s, 3, ns->family_id);
	if (ns->member_id != 0)
		sqlite3_bind_int64(s, 4, ns->member_id);
	sqlite3_bind_text(s, 5, ns->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, ns->channel);
	if (ns->outbox_id != 0)
		sqlite3_bind_int64(s, 7, ns->outbox_id);
	sqlite3_bind_int64(s, 8, ns->at);
	rc = store_step_done(s, "notice_sent_add");
	sqlite3_finalize(s);
	return rc == 0 ? NOTICES_OK : NOTICES_ERR;
}

int
notices_sent_each(struct notices *n, int64_t family_id, notices_sent_fn fn,
    void *arg)
{
	static const char sql[] = "SELECT notice_id, notice_version, "
	    "family_id, COALESCE(member_id, 0), lang, channel, "
	    "COALESCE(outbox_id, 0), at FROM notice_sent WHERE family_id = ?1 "
	    "ORDER BY id";
	struct notice_sent	 ns;
	sqlite3_stmt		*s = NULL;
	const unsigned char	*t;
	int			 rc, ret = NOTICES_OK;

	if (sqlite3_prepare_v2(store_db(n->st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		log_err("event=store.error what=notice_sent_each error=\"%s\"",
		    sqlite3_errmsg(store_db(n->st)));
		return NOTICES_ERR;
	}
	sqlite3_bind_int64(s, 1, family_id);
	while (ret == NOTICES_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&ns, 0, sizeof ns);
		if ((t = sqlite3_column_text(s, 0)) != NULL)
			snprintf(ns.notice_id, sizeof ns.notice_id, "%s", t);
		ns.version = sqlite3_column_int64(s, 1);
		ns.family_id = sqlite3_column_int64(s, 2);
		ns.member_id = sqlite3_column_int64(s, 3);
		if ((t = sqlite3_column_text(s, 4)) != NULL)
			snprintf(ns.lang, sizeof ns.lang, "%s", t);
		ns.channel = sqlite3_column_int(s, 5);
		ns.outbox_id = sqlite3_column_int64(s, 6);
		ns.at = sqlite3_column_int64(s, 7);
		if (fn(&ns, arg) == -1)
			ret = NOTICES_ERR;
	}
	if (ret == NOTICES_OK && rc != SQLITE_DONE) {
		log_err("event=store.error what=notice_sent_each error=\"%s\"",
		    sqlite3_errstr(rc));
		ret = NOTICES_ERR;
	}
	sqlite3_finalize(s);
	return ret;
}

int
notices_report(struct notices *n, const char *ids, store_row_fn fn,
    void *arg)
{
	static const char sql[] = "SELECT family_id, COALESCE(outbox_id, 0) "
	    "FROM notice_sent WHERE family_id IN (SELECT value FROM "
	    "json_each(?1))";

	return store_each_row(n->st, sql, ids, 0, 0, "notice_sent_report", fn,
	    arg) == 0 ? NOTICES_OK : NOTICES_ERR;
}

int
notices_sms_put(struct notices *n, int64_t outbox_id, const char *sms)
{
	sqlite3_stmt	*s = n->s[NS_SMS_PUT];

	sqlite3_bind_int64(s, 1, outbox_id);
	sqlite3_bind_text(s, 2, sms, -1, SQLITE_STATIC);
	return store_step_done(s, "notices.sms_put");
}

int
notices_sms_take(struct notices *n, int64_t outbox_id, char **sms)
{
	sqlite3_stmt	*s = n->s[NS_SMS_GET];
	const char	*v;
	int		 rc;

	*sms = NULL;
	sqlite3_bind_int64(s, 1, outbox_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && (v = (const char *)sqlite3_column_text(s,
	    0)) != NULL)
		*sms = xstrdup(v);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=notices.sms_get error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	s = n->s[NS_SMS_DROP];
	sqlite3_bind_int64(s, 1, outbox_id);
	if (store_step_done(s, "notices.sms_drop") == -1) {
		free(*sms);
		*sms = NULL;
		return -1;
	}
	return 0;
}
