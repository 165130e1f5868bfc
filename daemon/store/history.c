/*
 * The messages table: the relay's record, staff reading, the retention's
 * purge of old bodies (its daily job is store/retention.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "history.h"
#include "log.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

enum hst {
	HS_READ,
	HS_COUNTS,
	HS_PURGE,
	HS_INSERT,
	HS_STATE,
	HS_GET,
	HS_BODY,
	HS_MARK_READ,
	HS_READ_BY,
	HS_RELAYED,
	HS_RECENT,
	HS_RECENT_AT,
	HS_UNREAD,
	HS_LAST_WRITER,
	HS_COUNT
};

static const char *const history_sql[HS_COUNT] = {
	/* The newest rows, turned round: oldest first. */
	[HS_READ] = "SELECT id, at, direction, kind, channel, state, error, "
	    "member_id, staff_id, body, purged_at FROM (SELECT * FROM messages "
	    "WHERE family_id = ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
	[HS_COUNTS] = "SELECT COALESCE(SUM(direction = 0), 0), "
	    "COALESCE(SUM(direction = 1), 0), COUNT(*), "
	    "COALESCE(SUM(purged_at IS NOT NULL), 0) FROM messages "
	    "WHERE family_id = ?",
	/* "purged_at IS NULL" lets SQLite use the partial index messages_at. */
	[HS_PURGE] = "UPDATE messages SET body = NULL, purged_at = ?1 "
	    "WHERE id IN (SELECT id FROM messages WHERE purged_at IS NULL "
	    "AND at < ?2 ORDER BY at LIMIT ?3)",
	[HS_INSERT] = "INSERT INTO messages (id, family_id, member_id, "
	    "staff_id, direction, kind, channel, at, body, src_message_id, "
	    "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[HS_STATE] = "UPDATE messages SET state = ?2, error = ?3 "
	    "WHERE id = ?1",
	[HS_GET] = "SELECT family_id, member_id, src_message_id, staff_id, "
	    "state, direction FROM messages WHERE id = ?",
	[HS_BODY] = "SELECT body FROM messages WHERE id = ?",
	[HS_MARK_READ] = "UPDATE messages SET read_at = ?2 WHERE "
	    "family_id = ?1 AND direction = 0 AND read_at IS NULL",
	[HS_READ_BY] = "SELECT 1 FROM messages WHERE family_id = ?1 AND "
	    "direction = 0 AND staff_id = ?2 AND at > ?3 AND id < ?4 LIMIT 1",
	[HS_RELAYED] = "SELECT id FROM messages WHERE family_id = ?1 AND "
	    "direction = 0 AND src_message_id = ?2 AND kind <> 'edit' "
	    "ORDER BY id DESC LIMIT 1",
	/* Bounded: only the newest rows can be within the window. */
	[HS_RECENT] = "SELECT COUNT(*) FROM (SELECT at FROM messages WHERE "
	    "family_id = ?1 AND direction = 0 ORDER BY id DESC LIMIT ?2) "
	    "WHERE at > ?3",
	[HS_RECENT_AT] = "SELECT at FROM (SELECT id, at FROM messages WHERE "
	    "family_id = ?1 AND direction = 0 ORDER BY id DESC LIMIT ?2) "
	    "WHERE at > ?3 ORDER BY id DESC",
	[HS_UNREAD] = "SELECT COUNT(*) FROM messages WHERE family_id = ? "
	    "AND direction = 0 AND read_at IS NULL",
	[HS_LAST_WRITER] = "SELECT member_id FROM messages WHERE "
	    "family_id = ? AND direction = 0 ORDER BY id DESC LIMIT 1",
};

struct history {
	struct store		*st;
	const struct keys	*keys;
	sqlite3_stmt		*s[HS_COUNT];
	int64_t			 last_id;	/* ids are ours to give */
};

static const char *const history_state_names[HISTORY_NSTATES] = {
	"queued", "sent", "failed", "blocked"
};

const char *
history_state_name(enum history_state s)
{
	if ((int)s < 0 || s >= HISTORY_NSTATES)
		return "?";
	return history_state_names[s];
}

const char *
history_dir_name(enum history_dir d)
{
	return d == HISTORY_TO_FAMILY ? "to_family" : "from_family";
}

struct history *
history_new(struct store *st, const struct keys *k)
{
	struct history	*h;
	int		 i;

	h = xcalloc(1, sizeof *h);
	h->st = st;
	h->keys = k;
	if (store_max_id(st, "messages", &h->last_id) == -1) {
		free(h);
		return NULL;
	}
	for (i = 0; i < HS_COUNT; i++) {
		if (store_prepare(st, history_sql[i], &h->s[i]) == -1) {
			history_free(h);
			return NULL;
		}
	}
	return h;
}

void
history_free(struct history *h)
{
	int	 i;

	if (h == NULL)
		return;
	for (i = 0; i < HS_COUNT; i++)
		sqlite3_finalize(h->s[i]);
	free(h);
}

/* ---- reading --------------------------------------------------------- */

static int64_t
history_col_id(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(s, col);
}

static int
history_row(struct history *h, sqlite3_stmt *s, struct history_msg *m)
{
	memset(m, 0, sizeof *m);
	m->id = sqlite3_column_int64(s, 0);
	m->at = sqlite3_column_int64(s, 1);
	m->direction = sqlite3_column_int(s, 2) == HISTORY_TO_FAMILY ?
	    HISTORY_TO_FAMILY : HISTORY_FROM_FAMILY;
	store_col_copy(s, 3, m->kind, sizeof m->kind);
	m->channel = sqlite3_column_int(s, 4);
	m->state = (enum history_state)sqlite3_column_int(s, 5);
	store_col_copy(s, 6, m->error, sizeof m->error);
	m->member_id = history_col_id(s, 7);
	m->staff_id = history_col_id(s, 8);
	m->purged = sqlite3_column_type(s, 10) != SQLITE_NULL;
	return seal_open(h->keys, s, 9, "messages", "body", m->id, &m->text,
	    NULL);
}

int
history_read(struct history *h, int64_t family_id, int last,
    struct history_msg **out, size_t *np)
{
	sqlite3_stmt		*s = h->s[HS_READ];
	struct history_msg	*a = NULL;
	size_t			 n = 0;
	int			 rc = SQLITE_DONE, ret = -1;

	*out = NULL;
	*np = 0;
	if (last < 1 || last > HISTORY_LAST_MAX)
		return -1;
	a = xcalloc((size_t)last, sizeof *a);
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, last);
	while (n < (size_t)last && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (history_row(h, s, &a[n]) == -1)
			goto out;
		n++;
	}
	if (n < (size_t)last && rc != SQLITE_DONE) {
		log_err("event=store.error what=messages_read error=\"%s\"",
		    sqlite3_errstr(rc));
		goto out;
	}
	ret = 0;
out:
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (ret == -1) {
		history_msgs_free(a, n);
		return -1;
	}
	*out = a;
	*np = n;
	return 0;
}

void
history_msgs_free(struct history_msg *a, size_t n)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		if (a[i].text != NULL)
			crypto_free_plain(a[i].text);
	free(a);
}

int
history_counts(struct history *h, int64_t family_id,
    struct history_counts *out)
{
	sqlite3_stmt	*s = h->s[HS_COUNTS];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, family_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->from_family = sqlite3_column_int64(s, 0);
		out->to_family = sqlite3_column_int64(s, 1);
		out->total = sqlite3_column_int64(s, 2);
		out->purged = sqlite3_column_int64(s, 3);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW) {
		log_err("event=store.error what=messages_counts error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* ---- the relay's record ---------------------------------------------- */

/* Resets a statement after use; reports a failed step once. */
static int
history_done(sqlite3_stmt *s, int rc, const char *what)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static void
history_bind_opt(sqlite3_stmt *s, int idx, int64_t v)
{
	if (v != 0)
		sqlite3_bind_int64(s, idx, v);
	else
		sqlite3_bind_null(s, idx);
}

int
history_record(struct history *h, const struct history_new *m, int64_t *idp)
{
	sqlite3_stmt	*s = h->s[HS_INSERT];
	int64_t		 id = h->last_id + 1;

	if (seal_bind_str_fam(h->keys, m->family_id, s, 9, "messages", "body",
	    id, m->body) == -1) {
		sqlite3_clear_bindings(s);
		return -1;
	}
	sqlite3_bind_int64(s, 1, id);
	history_bind_opt(s, 2, m->family_id);
	history_bind_opt(s, 3, m->member_id);
	history_bind_opt(s, 4, m->staff_id);
	sqlite3_bind_int(s, 5, (int)m->direction);
	sqlite3_bind_text(s, 6, m->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, m->channel);
	/* messages.at is in seconds, like every other *_at. */
	sqlite3_bind_int64(s, 8, store_now_ms() / 1000);
	history_bind_opt(s, 10, m->src_message_id);
	sqlite3_bind_int(s, 11, (int)m->state);
	if (store_step_done(s, "messages_insert") == -1)
		return -1;
	h->last_id = id;
	if (idp != NULL)
		*idp = id;
	return 0;
}

int
history_set_state(struct history *h, int64_t id, enum history_state st,
    const char *error)
{
	sqlite3_stmt	*s = h->s[HS_STATE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)st);
	if (error != NULL)
		sqlite3_bind_text(s, 3, error, -1, SQLITE_TRANSIENT);
	return store_step_done(s, "messages_state");
}

int
history_get(struct history *h, int64_t id, struct history_ref *out,
    int *found)
{
	sqlite3_stmt	*s = h->s[HS_GET];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	if (*found) {
		out->family_id = sqlite3_column_int64(s, 0);
		out->member_id = sqlite3_column_int64(s, 1);
		out->src_message_id = sqlite3_column_int64(s, 2);
		out->staff_id = sqlite3_column_int64(s, 3);
		out->state = (enum history_state)sqlite3_column_int(s, 4);
		out->direction = (enum history_dir)sqlite3_column_int(s, 5);
	}
	return history_done(s, rc, "messages_get");
}

int
history_body(struct history *h, int64_t id, char **body)
{
	sqlite3_stmt	*s = h->s[HS_BODY];
	int		 rc, ret = 0;

	*body = NULL;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && seal_open(h->keys, s, 0, "messages", "body",
	    id, body, NULL) == -1)
		ret = -1;
	if (history_done(s, rc, "messages_body") == -1) {
		crypto_free_plain(*body);
		*body = NULL;
		return -1;
	}
	return ret;
}

int
history_mark_read(struct history *h, int64_t family_id, int64_t at)
{
	sqlite3_stmt	*s = h->s[HS_MARK_READ];

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, at);
	return store_step_done(s, "messages_read");
}

/* The first column of the first row, 0 when none (or NULL). */
static int
history_one_int(struct history *h, enum hst which, int64_t family_id,
    const char *what, int64_t *v)
{
	sqlite3_stmt	*s = h->s[which];
	int		 rc;

	*v = 0;
	sqlite3_bind_int64(s, 1, family_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	return history_done(s, rc, what);
}

int
history_unread(struct history *h, int64_t family_id, int64_t *n)
{
	return history_one_int(h, HS_UNREAD, family_id, "messages_unread", n);
}

int
history_last_writer(struct history *h, int64_t family_id,
    int64_t *member_id)
{
	return history_one_int(h, HS_LAST_WRITER, family_id,
	    "messages_last_writer", member_id);
}

int
history_read_by_since(struct history *h, int64_t family_id,
    int64_t staff_id, int64_t since, int64_t before, int *found)
{
	sqlite3_stmt	*s = h->s[HS_READ_BY];
	int		 rc;

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, staff_id);
	sqlite3_bind_int64(s, 3, since);
	sqlite3_bind_int64(s, 4, before);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	return history_done(s, rc, "messages_read_by");
}

int
history_find_relayed(struct history *h, int64_t family_id,
    int64_t src_message_id, int64_t *id)
{
	sqlite3_stmt	*s = h->s[HS_RELAYED];
	int		 rc;

	*id = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, src_message_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return history_done(s, rc, "messages_relayed");
}

int
history_count_recent(struct history *h, int64_t family_id, int newest,
    int64_t since, int64_t *n)
{
	sqlite3_stmt	*s = h->s[HS_RECENT];
	int		 rc;

	*n = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, newest);
	sqlite3_bind_int64(s, 3, since);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	return history_done(s, rc, "messages_recent");
}

int
history_recent_at(struct history *h, int64_t family_id, int newest,
    int64_t since, int64_t *at, size_t *n)
{
	sqlite3_stmt	*s = h->s[HS_RECENT_AT];
	int		 rc;

	*n = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, newest);
	sqlite3_bind_int64(s, 3, since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < (size_t)newest)
		at[(*n)++] = sqlite3_column_int64(s, 0);
	return history_done(s, rc == SQLITE_ROW ? SQLITE_DONE : rc,
	    "messages_recent_at");
}

/* ---- retention ------------------------------------------------------- */

int
history_purge_slice(struct history *h, time_t cutoff, int limit, int *purged)
{
	sqlite3_stmt	*s = h->s[HS_PURGE];

	*purged = 0;
	if (store_begin(h->st) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, (int64_t)clock_now());
	sqlite3_bind_int64(s, 2, (int64_t)cutoff);
	sqlite3_bind_int(s, 3, limit);
	if (store_step_done(s, "messages_purge") == -1) {
		store_rollback(h->st);
		return -1;
	}
	*purged = sqlite3_changes(store_db(h->st));
	if (store_commit(h->st) == -1) {
		*purged = 0;
		return -1;
	}
	return 0;
}

/* ---- every message of a family (the GDPR export) --------------------- */

/*
 * Prepared per call: an export is rare, and the statement stays out of
 * the relay's set.
 */
int
history_each(struct history *h, int64_t family_id, history_each_fn fn,
    void *arg)
{
	static const char sql[] = "SELECT id, at, direction, kind, channel, "
	    "state, error, member_id, staff_id, body, purged_at FROM messages "
	    "WHERE family_id = ? ORDER BY id";
	struct history_msg	 m;
	sqlite3_stmt		*s = NULL;
	int			 rc, ret = 0;

	if (sqlite3_prepare_v2(store_db(h->st), sql, -1, &s, NULL) !=
	    SQLITE_OK) {
		log_err("event=store.error what=messages_each error=\"%s\"",
		    sqlite3_errmsg(store_db(h->st)));
		return -1;
	}
	sqlite3_bind_int64(s, 1, family_id);
	while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (history_row(h, s, &m) == -1)
			ret = -1;
		else if (fn(&m, arg) == -1)
			ret = -1;
		if (m.text != NULL)
			crypto_free_plain(m.text);
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		log_err("event=store.error what=messages_each error=\"%s\"",
		    sqlite3_errstr(rc));
		ret = -1;
	}
	sqlite3_finalize(s);
	return ret;
}

/* Erasing a family: bodies gone, rows kept for counts. Rare: prepared
 * when asked. */
int
history_erase_family(struct history *h, int64_t family_id)
{
	sqlite3_stmt	*s = NULL;
	int		 rc;

	if (store_prepare(h->st, "UPDATE messages SET body = NULL, "
	    "purged_at = COALESCE(purged_at, ?2) WHERE family_id = ?1", &s) ==
	    -1)
		return -1;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, (int64_t)clock_now());
	rc = store_step_done(s, "messages_erase");
	sqlite3_finalize(s);
	return rc;
}

/* ---- programme reports ------------------------------------------------ */

int
history_report(struct history *h, const char *ids, int64_t from, int64_t to,
    store_row_fn fn, void *arg)
{
	static const char sql[] = "SELECT family_id, at, direction "
	    "FROM messages WHERE family_id IN (SELECT value FROM "
	    "json_each(?1)) AND at >= ?2 AND at < ?3";

	return store_each_row(h->st, sql, ids, from, to, "messages_report",
	    fn, arg);
}
