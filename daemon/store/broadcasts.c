/*
 * Broadcasts and their recipients: tables broadcasts, broadcast_texts and
 * broadcast_recipients. The texts are plain like the notices they come
 * from (store/notices.c); recipients are ids only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "broadcasts.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

enum {
	BS_INSERT,
	BS_TEXT_INSERT,
	BS_RCPT_INSERT,
	BS_GET,
	BS_COUNTS,
	BS_LIST,
	BS_STATE,
	BS_TEXT_GET,
	BS_PENDING,
	BS_RCPT_DONE,
	BS_CANCEL,
	BS_SENDING,
	BS_RCPTS,
	BS_SET_PARTS,
	BS_BY_OUTBOX,
	BS_ADD_PARTS,
	BS_FELL_BACK,
	BS_ABANDON_RCPTS,
	BS_ABANDON,
	BS_LIVE,
	BS_RESERVING,
	BS_COUNT
};

static const char *const bc_sql[BS_COUNT] = {
	"INSERT INTO broadcasts (notice_id, notice_version, created_at, "
	"sms_parts) VALUES (?1, ?2, ?3, ?4)",
	"INSERT INTO broadcast_texts (broadcast_id, lang, text, sms) "
	"VALUES (?1, ?2, ?3, ?4)",
	"INSERT INTO broadcast_recipients (broadcast_id, family_id, "
	"member_id, channel, lang, state, reason) VALUES (?1, ?2, ?3, ?4, ?5, "
	"?6, ?7)",
	"SELECT id, notice_id, notice_version, state, created_at, send_at, "
	"finished_at, sms_parts FROM broadcasts WHERE id = ?1",
	"SELECT state, COUNT(*) FROM broadcast_recipients WHERE "
	"broadcast_id = ?1 GROUP BY state",
	"SELECT id FROM broadcasts ORDER BY id DESC LIMIT 1000",
	"UPDATE broadcasts SET state = ?2, send_at = CASE WHEN ?2 = 1 THEN ?3 "
	"ELSE send_at END, finished_at = CASE WHEN ?2 >= 2 THEN ?3 ELSE "
	"finished_at END WHERE id = ?1",
	"SELECT text, sms FROM broadcast_texts WHERE broadcast_id = ?1 AND "
	"lang = ?2",
	"SELECT family_id, member_id, channel, lang FROM broadcast_recipients "
	"WHERE broadcast_id = ?1 AND state = 0 ORDER BY family_id LIMIT ?2",
	"UPDATE broadcast_recipients SET state = ?3, reason = ?4, "
	"outbox_id = ?5 WHERE broadcast_id = ?1 AND family_id = ?2",
	"UPDATE broadcast_recipients SET state = 3 WHERE broadcast_id = ?1 "
	"AND state = 0",
	"SELECT id FROM broadcasts WHERE state = 1 ORDER BY id",
	"SELECT family_id, member_id, channel, lang, state, reason, "
	"outbox_id FROM broadcast_recipients WHERE broadcast_id = ?1 "
	"ORDER BY family_id",
	"UPDATE broadcasts SET sms_parts = ?2 WHERE id = ?1",
	"SELECT family_id, member_id, channel, lang FROM broadcast_recipients "
	"WHERE broadcast_id = ?1 AND outbox_id = ?2",
	"UPDATE broadcasts SET sms_parts = sms_parts + ?2 WHERE id = ?1",
	"UPDATE broadcast_recipients SET reason = 'sms_fallback' WHERE "
	"broadcast_id = ?1 AND family_id = ?2",
	"UPDATE broadcast_recipients SET state = 3 WHERE state = 0 AND "
	"broadcast_id IN (SELECT id FROM broadcasts WHERE state = 4)",
	"UPDATE broadcasts SET state = 3, finished_at = ?1 WHERE state = 4",
	"SELECT family_id, member_id, channel, lang, state, reason, "
	"outbox_id FROM broadcast_recipients WHERE broadcast_id = ?1 AND "
	"state IN (0, 1) AND channel = ?2",
	"SELECT id FROM broadcasts WHERE state = 1 OR (state = 2 AND "
	"sms_parts > 0 AND finished_at >= ?1) ORDER BY id",
};

struct broadcasts {
	struct store	*st;
	sqlite3_stmt	*s[BS_COUNT];
};

struct broadcasts *
broadcasts_new(struct store *st)
{
	struct broadcasts	*b;
	int			 i;

	b = xcalloc(1, sizeof *b);
	b->st = st;
	for (i = 0; i < BS_COUNT; i++) {
		if (store_prepare(st, bc_sql[i], &b->s[i]) == -1) {
			broadcasts_free(b);
			return NULL;
		}
	}
	return b;
}

void
broadcasts_free(struct broadcasts *b)
{
	int	 i;

	if (b == NULL)
		return;
	for (i = 0; i < BS_COUNT; i++)
		sqlite3_finalize(b->s[i]);
	free(b);
}

static int
bc_fail(sqlite3_stmt *s, int rc, const char *what)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	log_err("event=store.error what=%s error=\"%s\"", what,
	    sqlite3_errstr(rc));
	return -1;
}

static void
bc_done_stmt(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int
bc_create(struct broadcasts *b, const char *notice_id, int64_t version,
    int64_t sms_parts, int64_t *id)
{
	sqlite3_stmt	*s = b->s[BS_INSERT];

	sqlite3_bind_text(s, 1, notice_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, version);
	sqlite3_bind_int64(s, 3, store_now_ms() / 1000);
	sqlite3_bind_int64(s, 4, sms_parts);
	if (store_step_done(s, "broadcasts.create") == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(b->st));
	return 0;
}

int
bc_text_add(struct broadcasts *b, int64_t id, const char *lang,
    const char *text, const char *sms)
{
	sqlite3_stmt	*s = b->s[BS_TEXT_INSERT];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	if (sms != NULL)
		sqlite3_bind_text(s, 4, sms, -1, SQLITE_STATIC);
	return store_step_done(s, "broadcasts.text");
}

int
bc_rcpt_add(struct broadcasts *b, int64_t id, const struct bc_rcpt *r)
{
	sqlite3_stmt	*s = b->s[BS_RCPT_INSERT];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, r->family_id);
	if (r->member_id != 0)
		sqlite3_bind_int64(s, 3, r->member_id);
	sqlite3_bind_int(s, 4, r->channel);
	sqlite3_bind_text(s, 5, r->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, r->state);
	if (r->reason[0] != '\0')
		sqlite3_bind_text(s, 7, r->reason, -1, SQLITE_STATIC);
	return store_step_done(s, "broadcasts.rcpt");
}

static int
bc_counts(struct broadcasts *b, struct bc *out)
{
	sqlite3_stmt	*s = b->s[BS_COUNTS];
	int		 rc, st;

	sqlite3_bind_int64(s, 1, out->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		st = sqlite3_column_int(s, 0);
		if (st >= 0 && st < 4)
			out->n[st] = sqlite3_column_int64(s, 1);
	}
	if (rc != SQLITE_DONE)
		return bc_fail(s, rc, "broadcasts.counts");
	bc_done_stmt(s);
	return 0;
}

int
bc_get(struct broadcasts *b, int64_t id, struct bc *out)
{
	sqlite3_stmt	*s = b->s[BS_GET];
	const char	*n;
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		bc_done_stmt(s);
		return -2;
	}
	if (rc != SQLITE_ROW)
		return bc_fail(s, rc, "broadcasts.get");
	out->id = sqlite3_column_int64(s, 0);
	if ((n = (const char *)sqlite3_column_text(s, 1)) != NULL)
		(void)snprintf(out->notice_id, sizeof out->notice_id, "%s", n);
	out->notice_version = sqlite3_column_int64(s, 2);
	out->state = (enum bc_state)sqlite3_column_int(s, 3);
	out->created_at = sqlite3_column_int64(s, 4);
	out->send_at = sqlite3_column_int64(s, 5);
	out->finished_at = sqlite3_column_int64(s, 6);
	out->sms_parts = sqlite3_column_int64(s, 7);
	bc_done_stmt(s);
	return bc_counts(b, out);
}

static int
bc_ids(struct broadcasts *b, int which, int64_t *ids, size_t max,
    size_t *n, size_t *all)
{
	sqlite3_stmt	*s = b->s[which];
	size_t		 k = 0;
	int		 rc;

	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n < max)
			ids[(*n)++] = sqlite3_column_int64(s, 0);
		k++;
	}
	if (all != NULL)
		*all = k;
	if (rc != SQLITE_DONE)
		return bc_fail(s, rc, "broadcasts.ids");
	bc_done_stmt(s);
	return 0;
}

int
bc_list(struct broadcasts *b, struct bc **out, size_t *n)
{
	int64_t	 ids[1000];
	size_t	 k, i;

	*out = NULL;
	*n = 0;
	if (bc_ids(b, BS_LIST, ids, 1000, &k, NULL) == -1)
		return -1;
	*out = xcalloc(k + 1, sizeof **out);
	for (i = 0; i < k; i++) {
		if (bc_get(b, ids[i], &(*out)[i]) != 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	*n = k;
	return 0;
}

int
bc_sending(struct broadcasts *b, int64_t *ids, size_t max, size_t *n)
{
	return bc_ids(b, BS_SENDING, ids, max, n, NULL);
}

int
bc_reserving(struct broadcasts *b, int64_t since, int64_t *ids, size_t max,
    size_t *n, size_t *all)
{
	sqlite3_bind_int64(b->s[BS_RESERVING], 1, since);
	return bc_ids(b, BS_RESERVING, ids, max, n, all);
}

int
bc_set_state(struct broadcasts *b, int64_t id, enum bc_state st, int64_t at)
{
	sqlite3_stmt	*s = b->s[BS_STATE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)st);
	sqlite3_bind_int64(s, 3, at);
	return store_step_done(s, "broadcasts.state");
}

int
bc_text_get(struct broadcasts *b, int64_t id, const char *lang, char **text,
    char **sms)
{
	sqlite3_stmt	*s = b->s[BS_TEXT_GET];
	const char	*v;
	int		 rc;

	*text = *sms = NULL;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*text = xstrdup((const char *)sqlite3_column_text(s, 0));
		if ((v = (const char *)sqlite3_column_text(s, 1)) != NULL)
			*sms = xstrdup(v);
	} else if (rc != SQLITE_DONE)
		return bc_fail(s, rc, "broadcasts.text_get");
	bc_done_stmt(s);
	return 0;
}

static void
bc_rcpt_row(sqlite3_stmt *s, struct bc_rcpt *r)
{
	const char	*v;

	memset(r, 0, sizeof *r);
	r->family_id = sqlite3_column_int64(s, 0);
	r->member_id = sqlite3_column_int64(s, 1);
	r->channel = sqlite3_column_int(s, 2);
	if ((v = (const char *)sqlite3_column_text(s, 3)) != NULL)
		(void)snprintf(r->lang, sizeof r->lang, "%s", v);
}

int
bc_pending(struct broadcasts *b, int64_t id, struct bc_rcpt *out, size_t max,
    size_t *n)
{
	sqlite3_stmt	*s = b->s[BS_PENDING];
	int		 rc;

	*n = 0;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
		bc_rcpt_row(s, &out[(*n)++]);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return bc_fail(s, rc, "broadcasts.pending");
	bc_done_stmt(s);
	return 0;
}

int
bc_rcpt_done(struct broadcasts *b, int64_t id, int64_t family_id, int state,
    const char *reason, int64_t outbox_id)
{
	sqlite3_stmt	*s = b->s[BS_RCPT_DONE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, family_id);
	sqlite3_bind_int(s, 3, state);
	if (reason != NULL)
		sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
	if (outbox_id != 0)
		sqlite3_bind_int64(s, 5, outbox_id);
	return store_step_done(s, "broadcasts.rcpt_done");
}

int
bc_cancel_pending(struct broadcasts *b, int64_t id)
{
	sqlite3_stmt	*s = b->s[BS_CANCEL];

	sqlite3_bind_int64(s, 1, id);
	return store_step_done(s, "broadcasts.cancel");
}

/* The recipients statement `which` returns, one callback each. */
static int
bc_rcpts_each(struct broadcasts *b, int which, int64_t id, int channel,
    bc_rcpt_fn fn, void *arg)
{
	sqlite3_stmt	*s = b->s[which];
	struct bc_rcpt	 r;
	const char	*v;
	int		 rc, ret = 0;

	sqlite3_bind_int64(s, 1, id);
	if (which == BS_LIVE)
		sqlite3_bind_int(s, 2, channel);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		bc_rcpt_row(s, &r);
		r.state = sqlite3_column_int(s, 4);
		if ((v = (const char *)sqlite3_column_text(s, 5)) != NULL)
			(void)snprintf(r.reason, sizeof r.reason, "%s", v);
		r.outbox_id = sqlite3_column_int64(s, 6);
		if ((ret = fn(&r, arg)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE)
		return bc_fail(s, rc, "broadcasts.rcpts");
	bc_done_stmt(s);
	return ret;
}

int
bc_rcpts(struct broadcasts *b, int64_t id, bc_rcpt_fn fn, void *arg)
{
	return bc_rcpts_each(b, BS_RCPTS, id, 0, fn, arg);
}

int
bc_rcpts_live(struct broadcasts *b, int64_t id, int channel, bc_rcpt_fn fn,
    void *arg)
{
	return bc_rcpts_each(b, BS_LIVE, id, channel, fn, arg);
}

int
bc_set_parts(struct broadcasts *b, int64_t id, int64_t parts)
{
	sqlite3_stmt	*s = b->s[BS_SET_PARTS];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, parts);
	return store_step_done(s, "broadcasts.parts_set");
}

int
bc_family_in_flight(struct broadcasts *b, int64_t family_id, int64_t *ids,
    size_t max, size_t *n)
{
	sqlite3_stmt	*s = NULL;
	int		 rc;

	*n = 0;
	/* Asked when a family is erased: rare, prepared then. */
	if (store_prepare(b->st, "SELECT b.id FROM broadcasts b JOIN "
	    "broadcast_recipients r ON r.broadcast_id = b.id WHERE "
	    "r.family_id = ? AND b.state = 1 AND r.state IN (0, 1) "
	    "ORDER BY b.id", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, family_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (*n < max)
			ids[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	log_err("event=store.error what=broadcasts.in_flight error=\"%s\"",
	    sqlite3_errstr(rc));
	return -1;
}

/* ---- programme reports and retention ---------------------------------- */

static int
bc_count_row(const int64_t *v, int n, void *arg)
{
	(void)v;
	(void)n;
	(*(int *)arg)++;
	return 0;
}

int
bc_report(struct broadcasts *b, const char *ids, store_row_fn fn, void *arg)
{
	static const char sql[] = "SELECT family_id, outbox_id "
	    "FROM broadcast_recipients WHERE state = 1 AND outbox_id IS NOT "
	    "NULL AND family_id IN (SELECT value FROM json_each(?1))";

	return store_each_row(b->st, sql, ids, 0, 0, "bc_report", fn, arg);
}

int
bc_purge_recipients(struct broadcasts *b, int64_t cutoff, int64_t now,
    int limit, int *n)
{
	/* Finished (done or cancelled) before the cutoff, not yet purged. */
	static const char pick[] = "SELECT id FROM broadcasts WHERE "
	    "state IN (2, 3) AND finished_at < ?2 AND recipients_purged_at "
	    "IS NULL ORDER BY id LIMIT ?3";
	static const char rcpt[] = "UPDATE broadcast_recipients SET "
	    "member_id = NULL, reason = NULL WHERE broadcast_id IN (SELECT "
	    "value FROM json_each(?1))";
	static const char mark[] = "UPDATE broadcasts SET "
	    "recipients_purged_at = ?2 WHERE id IN (SELECT value FROM "
	    "json_each(?1))";
	sqlite3_stmt	*s = NULL;
	char		*ids = NULL;
	size_t		 len = 0, cap = 0;
	int		 rc = -1, k;

	*n = 0;
	if (sqlite3_prepare_v2(store_db(b->st), pick, -1, &s, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 2, cutoff);
	sqlite3_bind_int(s, 3, limit);
	cap = 16 + (size_t)limit * 21;
	ids = xmalloc(cap);
	len = (size_t)snprintf(ids, cap, "[");
	while ((k = sqlite3_step(s)) == SQLITE_ROW) {
		len += (size_t)snprintf(ids + len, cap - len, "%s%lld",
		    *n > 0 ? "," : "", (long long)sqlite3_column_int64(s, 0));
		(*n)++;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (k != SQLITE_DONE)
		goto out;
	snprintf(ids + len, cap - len, "]");
	if (*n == 0) {
		rc = 0;
		goto out;
	}
	k = 0;
	if (store_each_row(b->st, rcpt, ids, 0, 0, "bc_purge", bc_count_row,
	    &k) == -1 || store_each_row(b->st, mark, ids, now, 0,
	    "bc_purge_mark", bc_count_row, &k) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		log_err("event=store.error what=bc_purge error=\"%s\"",
		    sqlite3_errmsg(store_db(b->st)));
		*n = 0;
	}
	sqlite3_finalize(s);
	free(ids);
	return rc;
}

static int
bc_first_int(const int64_t *v, int n, void *arg)
{
	*(int64_t *)arg = n > 0 ? v[0] : 0;
	return 0;
}

int
bc_recipients_purged_at(struct broadcasts *b, int64_t id, int64_t *at)
{
	static const char sql[] = "SELECT COALESCE(recipients_purged_at, 0) "
	    "FROM broadcasts WHERE id = ?2";

	*at = 0;
	return store_each_row(b->st, sql, NULL, id, 0, "bc_purged_at",
	    bc_first_int, at);
}

int
bc_family_copies(struct broadcasts *b, int64_t family_id, bc_copy_fn fn,
    void *arg)
{
	static const char sql[] = "SELECT r.broadcast_id, b.notice_id, "
	    "COALESCE(b.notice_version, 0), r.lang, r.channel, r.outbox_id, "
	    "COALESCE(b.send_at, b.created_at) FROM broadcast_recipients r "
	    "JOIN broadcasts b ON b.id = r.broadcast_id WHERE r.family_id = ?1 "
	    "AND r.state = 1 ORDER BY r.broadcast_id";
	struct bc_copy		 c;
	sqlite3_stmt		*s = NULL;
	const unsigned char	*t;
	int			 rc, ret = 0;

	if (sqlite3_prepare_v2(store_db(b->st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		log_err("event=store.error what=bc_family_copies error=\"%s\"",
		    sqlite3_errmsg(store_db(b->st)));
		return -1;
	}
	sqlite3_bind_int64(s, 1, family_id);
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&c, 0, sizeof c);
		c.broadcast_id = sqlite3_column_int64(s, 0);
		if ((t = sqlite3_column_text(s, 1)) != NULL)
			snprintf(c.notice_id, sizeof c.notice_id, "%s", t);
		c.notice_version = sqlite3_column_int64(s, 2);
		if ((t = sqlite3_column_text(s, 3)) != NULL)
			snprintf(c.lang, sizeof c.lang, "%s", t);
		c.channel = sqlite3_column_int(s, 4);
		c.outbox_id = sqlite3_column_int64(s, 5);
		c.at = sqlite3_column_int64(s, 6);
		ret = fn(&c, arg);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_err("event=store.error what=bc_family_copies error=\"%s\"",
		    sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_finalize(s);
	return ret;
}

int
bc_rcpt_of_outbox(struct broadcasts *b, int64_t id, int64_t outbox_id,
    struct bc_rcpt *out)
{
	sqlite3_stmt	*s = b->s[BS_BY_OUTBOX];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, outbox_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		bc_done_stmt(s);
		return -2;
	}
	if (rc != SQLITE_ROW)
		return bc_fail(s, rc, "broadcasts.by_outbox");
	bc_rcpt_row(s, out);
	bc_done_stmt(s);
	return 0;
}

int
bc_fell_back(struct broadcasts *b, int64_t id, int64_t family_id,
    int64_t parts)
{
	sqlite3_stmt	*s = b->s[BS_ADD_PARTS];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, parts);
	if (store_step_done(s, "broadcasts.add_parts") == -1)
		return -1;
	s = b->s[BS_FELL_BACK];
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, family_id);
	return store_step_done(s, "broadcasts.fell_back");
}

int
bc_abandon_preparing(struct broadcasts *b, int64_t at, int64_t *n)
{
	sqlite3_stmt	*s = b->s[BS_ABANDON];

	if (store_step_done(b->s[BS_ABANDON_RCPTS], "broadcasts.abandon") ==
	    -1)
		return -1;
	sqlite3_bind_int64(s, 1, at);
	if (store_step_done(s, "broadcasts.abandon") == -1)
		return -1;
	*n = sqlite3_changes(store_db(b->st));
	return 0;
}
