/* Conversations: the messages record, readers, tracing, pacing, hooks. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "channel.h"
#include "conv.h"
#include "crypto.h"
#include "dispatch.h"
#include "i18n.h"
#include "log.h"
#include "people.h"
#include "relay.h"
#include "reply.h"
#include "sms.h"
#include "store.h"
#include "xmalloc.h"

#define CONV_REACTION	"\xf0\x9f\x91\x8c"	/* 👌 */
#define CONV_MINUTE_MS	60000

enum cst {
	CS_INSERT, CS_STATE, CS_FAMILY, CS_STAFF, CS_STAFF_KIND,
	CS_MEMBER_NAME, CS_TOLD, CS_TARGET_PREF, CS_TARGET_ANY, CS_SMS_TARGET,
	CS_BODY, CS_MEMBER_PHONE, CS_MEMBER_CODE,
	CS_MARK_READ, CS_FAMILIES, CS_FAMILIES_N, CS_CURRENT, CS_SET_CURRENT,
	CS_MESSAGE, CS_RELAYED, CS_COPY, CS_FLOOD, CS_BLOCKED, CS_GATE,
	CS_COUNT
};

static const char *const conv_sql[CS_COUNT] = {
	[CS_INSERT] = "INSERT INTO messages (id, family_id, member_id, "
	    "staff_id, direction, kind, channel, at, body, src_message_id, "
	    "state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[CS_STATE] = "UPDATE messages SET state = ?2, error = ?3 "
	    "WHERE id = ?1",
	[CS_FAMILY] = "SELECT id, code, language, channel, assistant_id, "
	    "substitute_id FROM families WHERE id = ?",
	[CS_STAFF] = "SELECT id, kind, active, tg_chat_id, languages, name "
	    "FROM staff WHERE id = ?",
	[CS_STAFF_KIND] = "SELECT id, kind, active, tg_chat_id, languages, "
	    "NULL FROM staff WHERE kind = ? AND active = 1 AND "
	    "tg_idx IS NOT NULL ORDER BY id LIMIT 16",
	[CS_MEMBER_NAME] = "SELECT name FROM members WHERE id = ?",
	[CS_TOLD] = "SELECT 1 FROM messages WHERE family_id = ?1 AND "
	    "direction = 0 AND staff_id = ?2 AND at > ?3 AND id < ?4 LIMIT 1",
	[CS_TARGET_PREF] = "SELECT id, tg_chat_id, consent_at IS NOT NULL "
	    "FROM members WHERE id = ?1 AND family_id = ?2 AND "
	    "tg_idx IS NOT NULL",
	/*
	 * An SMS family's member with a phone: the one asked for, else who
	 * wrote last, else a consented one, the contact first.
	 */
	[CS_SMS_TARGET] = "SELECT id, phone, consent_at IS NOT NULL "
	    "FROM members m WHERE family_id = ?1 AND phone IS NOT NULL "
	    "ORDER BY m.id = ?2 DESC, m.id = COALESCE((SELECT member_id "
	    "FROM messages WHERE family_id = ?1 AND direction = 0 "
	    "ORDER BY id DESC LIMIT 1), 0) DESC, consent_at IS NOT NULL DESC, "
	    "contact DESC, id LIMIT 1",
	[CS_BODY] = "SELECT body FROM messages WHERE id = ?",
	[CS_MEMBER_PHONE] = "SELECT phone FROM members WHERE id = ?",
	[CS_MEMBER_CODE] = "SELECT f.code FROM members m JOIN families f "
	    "ON f.id = m.family_id WHERE m.id = ?",
	/* Who wrote last, else a consented member, the contact first. */
	[CS_TARGET_ANY] = "SELECT id, tg_chat_id, consent_at IS NOT NULL "
	    "FROM members m WHERE family_id = ?1 AND tg_idx IS NOT NULL "
	    "ORDER BY m.id = COALESCE((SELECT member_id FROM messages "
	    "WHERE family_id = ?1 AND direction = 0 ORDER BY id DESC "
	    "LIMIT 1), 0) DESC, consent_at IS NOT NULL DESC, contact DESC, "
	    "id LIMIT 1",
	[CS_MARK_READ] = "UPDATE messages SET read_at = ?2 WHERE "
	    "family_id = ?1 AND direction = 0 AND read_at IS NULL",
	[CS_FAMILIES] = "SELECT f.id, f.code, f.name, (SELECT COUNT(*) "
	    "FROM messages m WHERE m.family_id = f.id AND m.direction = 0 "
	    "AND m.read_at IS NULL) AS unread FROM families f WHERE ?2 OR "
	    "f.assistant_id = ?1 OR f.substitute_id = ?1 "
	    "ORDER BY unread > 0 DESC, f.code LIMIT ?3",
	[CS_FAMILIES_N] = "SELECT COUNT(*) FROM families f WHERE ?2 OR "
	    "f.assistant_id = ?1 OR f.substitute_id = ?1",
	[CS_CURRENT] = "SELECT current_family FROM staff WHERE id = ?",
	[CS_SET_CURRENT] = "UPDATE staff SET current_family = ?2 "
	    "WHERE id = ?1",
	[CS_MESSAGE] = "SELECT m.family_id, m.member_id, m.src_message_id, "
	    "m.staff_id, m.state, f.code, m.direction FROM messages m LEFT JOIN families f "
	    "ON f.id = m.family_id WHERE m.id = ?",
	[CS_RELAYED] = "SELECT id FROM messages WHERE family_id = ?1 AND "
	    "direction = 0 AND src_message_id = ?2 AND kind <> 'edit' "
	    "ORDER BY id DESC LIMIT 1",
	/* Through outbox_chat (chat_key, state, id): the newest first. */
	[CS_COPY] = "SELECT ext_message_id FROM outbox WHERE chat_key = ?1 "
	    "AND state = 2 AND cause = 'relay' AND cause_id = ?2 AND "
	    "ext_message_id IS NOT NULL ORDER BY id DESC LIMIT 1",
	/* Bounded: only the newest rows can be within the minute. */
	[CS_FLOOD] = "SELECT COUNT(*) FROM (SELECT at FROM messages WHERE "
	    "family_id = ?1 AND direction = 0 ORDER BY id DESC LIMIT ?2) "
	    "WHERE at > ?3",
	[CS_BLOCKED] = "UPDATE members SET tg_blocked_at = ?2 WHERE id = ?1",
	[CS_GATE] = "SELECT announcements FROM members WHERE id = ?",
};

struct conv {
	struct app		*app;
	sqlite3_stmt		*s[CS_COUNT];
	int64_t			 last_id;
	struct conv_pace	*pace;		/* families being paced */
	size_t			 npace, cappace;
	int			 fell_back;	/* this outcome went by SMS */
	int64_t			 held_id;	/* the gate held this row back */
};

struct conv *
conv_new(struct app *app)
{
	struct conv	*c;
	int		 i;

	c = xcalloc(1, sizeof *c);
	c->app = app;
	if (store_max_id(app->st, "messages", &c->last_id) == -1) {
		free(c);
		return NULL;
	}
	for (i = 0; i < CS_COUNT; i++) {
		if (store_prepare(app->st, conv_sql[i], &c->s[i]) == -1) {
			conv_free(c);
			return NULL;
		}
	}
	return c;
}

void
conv_free(struct conv *c)
{
	int	 i;

	if (c == NULL)
		return;
	for (i = 0; i < CS_COUNT; i++)
		sqlite3_finalize(c->s[i]);
	free(c->pace);
	free(c);
}

/* Resets a statement after use; reports a failed step once. */
static int
conv_done(sqlite3_stmt *s, int rc, const char *what)
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
conv_bind_opt(sqlite3_stmt *s, int idx, int64_t v)
{
	if (v != 0)
		sqlite3_bind_int64(s, idx, v);
	else
		sqlite3_bind_null(s, idx);
}

static void
conv_col_copy(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(s, col);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

/* Opens a sealed column; *out NULL when it is NULL. */
static int
conv_open_col(struct conv *c, sqlite3_stmt *s, int col, const char *table,
    const char *column, int64_t row, char **out)
{
	struct crypto_ad	 ad = { table, column, row };
	size_t			 len;

	*out = NULL;
	if (sqlite3_column_type(s, col) != SQLITE_BLOB)
		return 0;
	if (crypto_open(c->app->keys, &ad, sqlite3_column_blob(s, col),
	    (size_t)sqlite3_column_bytes(s, col), out, &len) == -1) {
		log_err("event=conv.unreadable table=%s column=%s id=%" PRId64,
		    table, column, row);
		return -1;
	}
	return 0;
}

/* A sealed Telegram chat id; 0 when the column is NULL. */
static int
conv_open_chat(struct conv *c, sqlite3_stmt *s, int col, const char *table,
    int64_t row, int64_t *chat_id)
{
	char	*plain = NULL, *end;
	int	 rc = -1;

	*chat_id = 0;
	if (conv_open_col(c, s, col, table, "tg_chat_id", row, &plain) == -1)
		return -1;
	if (plain == NULL)
		return 0;
	*chat_id = strtoll(plain, &end, 10);
	if (*end == '\0' && *chat_id != 0)
		rc = 0;
	else
		log_err("event=conv.bad_chat table=%s id=%" PRId64, table, row);
	crypto_free_plain(plain);
	return rc;
}

static enum lang
conv_first_lang(const char *langs)
{
	char	 two[3] = { 0 };
	enum lang l;

	if (strlen(langs) >= 2)
		memcpy(two, langs, 2);
	return lang_parse(two, &l) == 0 ? l : LANG_DEFAULT;
}

/* ---- the record ------------------------------------------------------ */

int
conv_record(struct conv *c, const struct conv_msg *m, int64_t *idp)
{
	struct crypto_ad	 ad = { "messages", "body", 0 };
	sqlite3_stmt		*s = c->s[CS_INSERT];
	unsigned char		*blob = NULL;
	size_t			 len = 0;
	int			 rc = -1;

	ad.row = c->last_id + 1;
	if (m->body != NULL && crypto_seal(c->app->keys, &ad, m->body,
	    strlen(m->body), &blob, &len) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, ad.row);
	conv_bind_opt(s, 2, m->family_id);
	conv_bind_opt(s, 3, m->member_id);
	conv_bind_opt(s, 4, m->staff_id);
	sqlite3_bind_int(s, 5, (int)m->dir);
	sqlite3_bind_text(s, 6, m->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, (int)m->channel);
	/* messages.at is in seconds, like every other *_at. */
	sqlite3_bind_int64(s, 8, store_now_ms() / 1000);
	if (blob != NULL)
		sqlite3_bind_blob(s, 9, blob, (int)len, SQLITE_STATIC);
	conv_bind_opt(s, 10, m->src_message_id);
	sqlite3_bind_int(s, 11, (int)m->state);
	if (store_step_done(s, "messages_insert") == -1)
		goto out;
	c->last_id = ad.row;
	if (idp != NULL)
		*idp = ad.row;
	rc = 0;
out:
	free(blob);
	return rc;
}

int
conv_set_state(struct conv *c, int64_t id, enum conv_state st,
    const char *error)
{
	sqlite3_stmt	*s = c->s[CS_STATE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)st);
	if (error != NULL)
		sqlite3_bind_text(s, 3, error, -1, SQLITE_TRANSIENT);
	return store_step_done(s, "messages_state");
}

int
conv_blocked(struct conv *c, int64_t member_id, int64_t at)
{
	sqlite3_stmt	*s = c->s[CS_BLOCKED];

	sqlite3_bind_int64(s, 1, member_id);
	conv_bind_opt(s, 2, at);
	return store_step_done(s, "members_blocked");
}

/* ---- families, staff, members ---------------------------------------- */

int
conv_family(struct conv *c, int64_t id, struct conv_family *out, int *found)
{
	sqlite3_stmt	*s = c->s[CS_FAMILY];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	if (*found) {
		out->id = sqlite3_column_int64(s, 0);
		conv_col_copy(s, 1, out->code, sizeof out->code);
		conv_col_copy(s, 2, out->language, sizeof out->language);
		conv_col_copy(s, 3, out->channel, sizeof out->channel);
		out->assistant_id = sqlite3_column_int64(s, 4);
		out->substitute_id = sqlite3_column_int64(s, 5);
	}
	return conv_done(s, rc, "conv_family");
}

int
conv_family_find(struct conv *c, const char *ref, int64_t *id)
{
	char	 buf[32];
	size_t	 i;
	int	 rc;

	*id = 0;
	for (i = 0; ref[i] != '\0' && i < sizeof buf - 1; i++)
		buf[i] = (char)toupper((unsigned char)ref[i]);
	buf[i] = '\0';
	if (ref[i] != '\0')
		return 0;
	rc = people_family_resolve(c->app->people, buf, id);
	if (rc == PEOPLE_NOT_FOUND) {
		*id = 0;
		return 0;
	}
	return rc == PEOPLE_OK ? 0 : -1;
}

/* The first word of the sealed name in column `col` of `which`'s row. */
static int
conv_first_name(struct conv *c, enum cst which, int col, const char *table,
    int64_t id, char *buf, size_t len)
{
	sqlite3_stmt	*s = c->s[which];
	char		*name = NULL, *first;
	int		 rc, ret = 0;

	buf[0] = '\0';
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (conv_open_col(c, s, col, table, "name", id, &name) == -1)
			ret = -1;
		else if (name != NULL) {
			first = relay_first_name(name);
			snprintf(buf, len, "%s", first);
			free(first);
		}
	}
	crypto_free_plain(name);
	if (conv_done(s, rc, "conv_first_name") == -1)
		return -1;
	return ret;
}

int
conv_member_first_name(struct conv *c, int64_t member_id, char *buf,
    size_t len)
{
	return conv_first_name(c, CS_MEMBER_NAME, 0, "members", member_id,
	    buf, len);
}

/* The current row of CS_STAFF or CS_STAFF_KIND into `out`. */
static int
conv_staff_row(struct conv *c, sqlite3_stmt *s, struct conv_staff *out)
{
	char	 langs[32];

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(s, 0);
	conv_col_copy(s, 1, out->kind, sizeof out->kind);
	out->active = sqlite3_column_int(s, 2);
	conv_col_copy(s, 4, langs, sizeof langs);
	out->lang = conv_first_lang(langs);
	return conv_open_chat(c, s, 3, "staff", out->id, &out->chat_id);
}

int
conv_staff(struct conv *c, int64_t staff_id, struct conv_staff *out,
    int *found)
{
	sqlite3_stmt	*s = c->s[CS_STAFF];
	int		 rc, ret = 0;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, staff_id);
	rc = sqlite3_step(s);
	*found = rc == SQLITE_ROW;
	if (*found && conv_staff_row(c, s, out) == -1)
		ret = -1;
	if (conv_done(s, rc, "conv_staff") == -1)
		return -1;
	return ret;
}

/* The first name of a staff member. */
static int
conv_staff_first_name(struct conv *c, int64_t staff_id, char *buf,
    size_t len)
{
	return conv_first_name(c, CS_STAFF, 5, "staff", staff_id, buf, len);
}

/* Staff of one kind, active and linked, into the readers. */
static int
conv_readers_of_kind(struct conv *c, const char *kind,
    struct conv_readers *out)
{
	sqlite3_stmt		*s = c->s[CS_STAFF_KIND];
	struct conv_staff	 st;
	int			 rc, ret = 0;

	sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    out->n < CONV_READERS_MAX) {
		if (conv_staff_row(c, s, &st) == -1) {
			ret = -1;
			continue;
		}
		out->r[out->n].staff_id = st.id;
		out->r[out->n].chat_id = st.chat_id;
		out->r[out->n].lang = st.lang;
		out->n++;
	}
	if (conv_done(s, rc, "conv_readers") == -1)
		return -1;
	return ret;
}

/* One staff member as the only reader, if active and linked. */
static int
conv_reader_one(struct conv *c, int64_t staff_id, struct conv_readers *out,
    int *ok)
{
	struct conv_staff	 st;
	int			 found;

	*ok = 0;
	if (staff_id == 0)
		return 0;
	if (conv_staff(c, staff_id, &st, &found) == -1)
		return -1;
	if (!found || !st.active || st.chat_id == 0)
		return 0;
	out->n = 1;
	out->r[0].staff_id = st.id;
	out->r[0].chat_id = st.chat_id;
	out->r[0].lang = st.lang;
	*ok = 1;
	return 0;
}

int
conv_readers(struct conv *c, const struct conv_family *f,
    struct conv_readers *out)
{
	int	 ok;

	memset(out, 0, sizeof *out);
	out->route = CONV_ROUTE_ASSISTANT;
	if (conv_reader_one(c, f->assistant_id, out, &ok) == -1)
		return -1;
	if (ok)
		return 0;
	out->route = CONV_ROUTE_SUBSTITUTE;
	if (conv_reader_one(c, f->substitute_id, out, &ok) == -1)
		return -1;
	if (ok)
		return conv_staff_first_name(c, f->substitute_id,
		    out->first_name, sizeof out->first_name);
	out->route = CONV_ROUTE_COORDINATORS;
	if (conv_readers_of_kind(c, "coordinator", out) == -1)
		return -1;
	/* A centre without coordinators still has its administrators. */
	if (out->n == 0 && conv_readers_of_kind(c, "administrator", out) ==
	    -1)
		return -1;
	if (out->n == 0)
		out->route = CONV_ROUTE_NONE;
	return 0;
}

int
conv_route_told(struct conv *c, int64_t family_id, int64_t staff_id,
    int64_t since, int64_t before, int *told)
{
	sqlite3_stmt	*s = c->s[CS_TOLD];
	int		 rc;

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, staff_id);
	sqlite3_bind_int64(s, 3, since / 1000);
	sqlite3_bind_int64(s, 4, before);
	rc = sqlite3_step(s);
	*told = rc == SQLITE_ROW;
	return conv_done(s, rc, "conv_told");
}

/* ---- permissions ----------------------------------------------------- */

int
conv_is_coordinator(const char *kind)
{
	return strcmp(kind, "coordinator") == 0 ||
	    strcmp(kind, "administrator") == 0;
}

enum conv_may
conv_rule_may_write(const char *kind, int active, int64_t staff_id,
    int64_t assistant_id, int64_t substitute_id)
{
	if (!active)
		return CONV_NOT_STAFF;
	if (conv_is_coordinator(kind))
		return CONV_MAY;
	if (staff_id != 0 && (staff_id == assistant_id ||
	    staff_id == substitute_id))
		return CONV_MAY;
	return CONV_NOT_YOURS;
}

int
conv_may_write(struct conv *c, int64_t staff_id, const struct conv_family *f,
    enum conv_may *may)
{
	struct conv_staff	 st;
	int			 found;

	*may = CONV_NOT_STAFF;
	if (conv_staff(c, staff_id, &st, &found) == -1)
		return -1;
	if (found)
		*may = conv_rule_may_write(st.kind, st.active, staff_id,
		    f->assistant_id, f->substitute_id);
	return 0;
}

/* ---- targets, reading, the current family ---------------------------- */

static int
conv_target_step(struct conv *c, sqlite3_stmt *s, struct conv_target *out)
{
	int	 rc, ret = 0;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->member_id = sqlite3_column_int64(s, 0);
		out->consented = sqlite3_column_int(s, 2);
		if (conv_open_chat(c, s, 1, "members", out->member_id,
		    &out->chat_id) == -1)
			ret = -1;
	}
	if (conv_done(s, rc, "conv_target") == -1)
		return -1;
	return ret;
}

int
conv_sms_target(struct conv *c, int64_t family_id, int64_t preferred,
    struct conv_sms_target *out)
{
	sqlite3_stmt	*s = c->s[CS_SMS_TARGET];
	char		*plain = NULL;
	int		 rc, ret = 0;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, preferred);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->member_id = sqlite3_column_int64(s, 0);
		out->consented = sqlite3_column_int(s, 2);
		if (conv_open_col(c, s, 1, "members", "phone", out->member_id,
		    &plain) == -1 || plain == NULL ||
		    strlen(plain) >= sizeof out->phone)
			ret = -1;
		else
			memcpy(out->phone, plain, strlen(plain) + 1);
		crypto_free_plain(plain);
	}
	if (conv_done(s, rc, "conv_sms_target") == -1)
		return -1;
	return ret;
}

int
conv_target(struct conv *c, int64_t family_id, int64_t preferred,
    struct conv_target *out)
{
	sqlite3_stmt	*s;

	memset(out, 0, sizeof *out);
	if (preferred != 0) {
		s = c->s[CS_TARGET_PREF];
		sqlite3_bind_int64(s, 1, preferred);
		sqlite3_bind_int64(s, 2, family_id);
		if (conv_target_step(c, s, out) == -1)
			return -1;
		if (out->member_id != 0)
			return 0;
	}
	s = c->s[CS_TARGET_ANY];
	sqlite3_bind_int64(s, 1, family_id);
	return conv_target_step(c, s, out);
}

int
conv_mark_read(struct conv *c, int64_t family_id, int64_t now)
{
	sqlite3_stmt	*s = c->s[CS_MARK_READ];

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, now);
	return store_step_done(s, "messages_read");
}

void
conv_family_rows_free(struct conv_family_row *rows, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		crypto_free_plain(rows[i].name);
	free(rows);
}

static int
conv_families_total(struct conv *c, int64_t staff_id, int all,
    int64_t *total)
{
	sqlite3_stmt	*s = c->s[CS_FAMILIES_N];
	int		 rc;

	sqlite3_bind_int64(s, 1, staff_id);
	sqlite3_bind_int(s, 2, all);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*total = sqlite3_column_int64(s, 0);
	return conv_done(s, rc, "conv_families_n");
}

int
conv_families(struct conv *c, int64_t staff_id, int all, size_t max,
    struct conv_family_row **rows, size_t *n, int64_t *total)
{
	sqlite3_stmt		*s = c->s[CS_FAMILIES];
	struct conv_family_row	*a, *r;
	int			 rc, ret = 0;

	*rows = NULL;
	*n = 0;
	*total = 0;
	if (conv_families_total(c, staff_id, all, total) == -1)
		return -1;
	a = xcalloc(max > 0 ? max : 1, sizeof *a);
	sqlite3_bind_int64(s, 1, staff_id);
	sqlite3_bind_int(s, 2, all);
	sqlite3_bind_int64(s, 3, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max) {
		r = &a[*n];
		r->id = sqlite3_column_int64(s, 0);
		conv_col_copy(s, 1, r->code, sizeof r->code);
		r->unread = sqlite3_column_int64(s, 3);
		if (conv_open_col(c, s, 2, "families", "name", r->id,
		    &r->name) == -1)
			ret = -1;
		(*n)++;
	}
	if (conv_done(s, rc, "conv_families") == -1)
		ret = -1;
	if (ret == -1) {
		conv_family_rows_free(a, *n);
		*n = 0;
		return -1;
	}
	*rows = a;
	return 0;
}

int
conv_current(struct conv *c, int64_t staff_id, int64_t *family_id)
{
	sqlite3_stmt	*s = c->s[CS_CURRENT];
	int		 rc;

	*family_id = 0;
	sqlite3_bind_int64(s, 1, staff_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*family_id = sqlite3_column_int64(s, 0);
	return conv_done(s, rc, "conv_current");
}

int
conv_set_current(struct conv *c, int64_t staff_id, int64_t family_id)
{
	sqlite3_stmt	*s = c->s[CS_SET_CURRENT];

	sqlite3_bind_int64(s, 1, staff_id);
	conv_bind_opt(s, 2, family_id);
	return store_step_done(s, "conv_set_current");
}

/* ---- tracing --------------------------------------------------------- */

/* A messages row: family (0 when deleted), member, source, staff. */
struct conv_row {
	int		 found;
	int64_t		 family_id, member_id, src_message_id, staff_id;
	int		 state;
	char		 code[16];
	enum conv_dir	 dir;
};

static int
conv_row_get(struct conv *c, int64_t id, struct conv_row *out)
{
	sqlite3_stmt	*s = c->s[CS_MESSAGE];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->found = 1;
		out->family_id = sqlite3_column_int64(s, 0);
		out->member_id = sqlite3_column_int64(s, 1);
		out->src_message_id = sqlite3_column_int64(s, 2);
		out->staff_id = sqlite3_column_int64(s, 3);
		out->state = sqlite3_column_int(s, 4);
		conv_col_copy(s, 5, out->code, sizeof out->code);
		out->dir = (enum conv_dir)sqlite3_column_int(s, 6);
	}
	return conv_done(s, rc, "conv_message");
}

static int
conv_is_cause(const char *cause, const char *what)
{
	return strcmp(cause, what) == 0;
}

int
conv_trace(struct conv *c, int64_t chat_id, int64_t ext_message_id,
    struct conv_trace *out)
{
	struct outbox_row	 row;
	struct conv_row		 m;
	int			 found;

	memset(out, 0, sizeof *out);
	if (outbox_find_sent(c->app->ob, CHANNEL_TELEGRAM, chat_id,
	    ext_message_id, &row, &found) == -1)
		return -1;
	if (!found)
		return 0;
	out->ours = 1;
	/* A family's message, or the delivery state of an answer to one. */
	if (!conv_is_cause(row.cause, CONV_CAUSE_RELAY) &&
	    !conv_is_cause(row.cause, CONV_CAUSE_STATUS))
		return 0;
	out->found = 1;
	out->message_id = row.cause_id;
	if (conv_row_get(c, row.cause_id, &m) == -1)
		return -1;
	/* Rows go with their family: none left means it was deleted. */
	out->family_id = m.found ? m.family_id : 0;
	out->member_id = m.member_id;
	/* Only a family's own message can be replied to in their chat. */
	if (m.dir == CONV_FROM_FAMILY)
		out->src_message_id = m.src_message_id;
	return 0;
}

int
conv_find_relayed(struct conv *c, int64_t family_id, int64_t src_message_id,
    int64_t *id)
{
	sqlite3_stmt	*s = c->s[CS_RELAYED];
	int		 rc;

	*id = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, src_message_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	return conv_done(s, rc, "conv_relayed");
}

int
conv_copy_in_chat(struct conv *c, int64_t id, int64_t chat_id,
    int64_t *ext_message_id)
{
	sqlite3_stmt	*s = c->s[CS_COPY];
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int		 rc;

	*ext_message_id = 0;
	outbox_chat_key(c->app->keys, CHANNEL_TELEGRAM, chat_id, key);
	sqlite3_bind_blob(s, 1, key, sizeof key, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*ext_message_id = sqlite3_column_int64(s, 0);
	return conv_done(s, rc, "conv_copy");
}

/* ---- flood pacing ---------------------------------------------------- */

void
conv_pace_step(struct conv_pace *p, int64_t in_window, int per_minute,
    int64_t now, int64_t *not_before, int *notice)
{
	int64_t	 interval, slot;

	*not_before = 0;
	*notice = 0;
	if (per_minute <= 0)
		return;
	/* Calm again: nothing paced is waiting and the minute is quiet. */
	if (p->next <= now && in_window < per_minute) {
		p->next = 0;
		p->noticed = 0;
		return;
	}
	interval = CONV_MINUTE_MS / per_minute;
	slot = (p->next > now ? p->next : now) + interval;
	p->next = slot;
	*not_before = slot;
	if (!p->noticed) {
		p->noticed = 1;
		*notice = 1;
	}
}

static int
conv_flood_count(struct conv *c, int64_t family_id, int per_minute,
    int64_t now, int64_t *n)
{
	sqlite3_stmt	*s = c->s[CS_FLOOD];
	int		 rc;

	*n = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, per_minute + 1);
	sqlite3_bind_int64(s, 3, (now - CONV_MINUTE_MS) / 1000);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	return conv_done(s, rc, "conv_flood");
}

/* Entries whose last slot is a minute past cannot be in a burst. */
static void
conv_pace_prune(struct conv *c, int64_t now)
{
	size_t	 i = 0;

	while (i < c->npace) {
		if (c->pace[i].next + CONV_MINUTE_MS < now)
			c->pace[i] = c->pace[--c->npace];
		else
			i++;
	}
}

int
conv_flood(struct conv *c, int64_t family_id, int per_minute, int64_t now,
    int64_t *not_before, int *notice)
{
	struct conv_pace	 fresh = { family_id, 0, 0 }, *p = &fresh;
	int64_t			 n;
	size_t			 i;

	*not_before = 0;
	*notice = 0;
	if (per_minute <= 0)
		return 0;
	if (conv_flood_count(c, family_id, per_minute, now, &n) == -1)
		return -1;
	for (i = 0; i < c->npace; i++)
		if (c->pace[i].family_id == family_id)
			p = &c->pace[i];
	conv_pace_step(p, n, per_minute, now, not_before, notice);
	if (p == &fresh && fresh.next != 0) {
		conv_pace_prune(c, now);
		if (c->npace == c->cappace) {
			c->cappace = c->cappace == 0 ? 8 : c->cappace * 2;
			c->pace = xreallocarray(c->pace, c->cappace,
			    sizeof *c->pace);
		}
		c->pace[c->npace++] = fresh;
	} else if (p != &fresh && p->next == 0)
		*p = c->pace[--c->npace];
	return 0;
}

/* ---- dispatcher hooks ------------------------------------------------ */

int
conv_gate(void *arg, const struct outbox_row *row, char *why, size_t whylen)
{
	struct conv	*c = arg;
	sqlite3_stmt	*s = c->s[CS_GATE];
	int		 rc, off = 0;

	/* Conversation always goes: /stop is about announcements. */
	if (row->member_id == 0 || row->priority <= OUTBOX_PRIO_CONVERSATION)
		return 0;
	sqlite3_bind_int64(s, 1, row->member_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		off = sqlite3_column_int(s, 0) == 0;
	if (conv_done(s, rc, "conv_gate") == -1)
		return -1;
	if (!off)
		return 0;
	snprintf(why, whylen, "the family turned announcements off");
	c->held_id = row->id;
	return 1;
}

/* Tells the author of an answer it failed, as a reply to their message. */
static int
conv_tell_failed(struct conv *c, const struct conv_row *m, int64_t msg_id,
    const struct send_result *res)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS,
				    .cause_id = msg_id };
	struct conv_staff	 st;
	const char		*args[2];
	char			*text;
	int			 found, rc;

	if (conv_staff(c, m->staff_id, &st, &found) == -1)
		return -1;
	if (!found || st.chat_id == 0)
		return 0;
	o.reply_to = m->src_message_id;
	args[0] = m->code;
	args[1] = res->error;
	text = text_expand(i18n_get(c->app->i18n, st.lang, c->fell_back ?
	    N_("%s has blocked the bot; the answer was sent by SMS instead.") :
	    res->status == SEND_UNREACHABLE ?
	    N_("Not delivered to %s: the family has blocked the bot.") :
	    N_("Not delivered to %s: %s")), args, 2);
	rc = relay_send_text(c->app->ob, c->app->cfg, st.chat_id, text, &o);
	free(text);
	return rc;
}

/* A quiet sign of delivery: a reaction on the author's message. */
static int
conv_tell_sent(struct conv *c, const struct conv_row *m, int64_t msg_id)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS,
				    .cause_id = msg_id };
	struct conv_staff	 st;
	int			 found;

	if (m->src_message_id == 0)
		return 0;
	if (conv_staff(c, m->staff_id, &st, &found) == -1)
		return -1;
	if (!found || st.chat_id == 0)
		return 0;
	return relay_send_reaction(c->app->ob, c->app->cfg, st.chat_id,
	    m->src_message_id, CONV_REACTION, &o);
}

static int
conv_answer_outcome(struct conv *c, const struct outbox_row *row,
    const struct send_result *res)
{
	struct conv_row	 m;
	int		 final = conv_is_cause(row->cause, CONV_CAUSE_ANSWER) ||
			     conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT);

	if (conv_row_get(c, row->cause_id, &m) == -1)
		return -1;
	if (!m.found)
		return 0;	/* the family was deleted meanwhile */
	/* One report per answer: a part that failed already told. */
	if (m.state == CONV_FAILED || m.state == CONV_BLOCKED)
		return 0;
	if (res->status == SEND_OK) {
		if (!final)
			return 0;
		if (conv_set_state(c, row->cause_id, CONV_SENT, NULL) == -1)
			return -1;
		return conv_tell_sent(c, &m, row->cause_id);
	}
	if (res->status == SEND_UNREACHABLE) {
		if (row->member_id != 0 && conv_blocked(c, row->member_id,
		    store_now_ms()) == -1)
			return -1;
		if (conv_set_state(c, row->cause_id, CONV_BLOCKED,
		    res->error) == -1)
			return -1;
	} else if (conv_set_state(c, row->cause_id, CONV_FAILED,
	    res->error) == -1)
		return -1;
	log_info("event=conv.answer_failed message_id=%" PRId64 " code=%d",
	    row->cause_id, res->code);
	return conv_tell_failed(c, &m, row->cause_id, res);
}

/* Opens one sealed column of the row `id` read by statement `which`. */
static int
conv_open_one(struct conv *c, enum cst which, const char *table,
    const char *column, int64_t id, char **plain)
{
	sqlite3_stmt	*s = c->s[which];
	int		 rc, ret = 0;

	*plain = NULL;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && conv_open_col(c, s, 0, table, column, id,
	    plain) == -1)
		ret = -1;
	if (conv_done(s, rc, "conv_open_one") == -1)
		return -1;
	return ret;
}

/* What the failed row said: the answer's text, or the text it carried. */
static int
conv_fallback_text(struct conv *c, const struct outbox_row *row,
    char **text)
{
	char		*params = NULL;
	size_t		 len;

	*text = NULL;
	if (conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT)) {
		if (conv_open_one(c, CS_BODY, "messages", "body",
		    row->cause_id, &params) == -1)
			return -1;
		if (params != NULL)
			*text = xstrdup(params);
		crypto_free_plain(params);
		return 0;
	}
	if (outbox_payload(c->app->ob, row->id, &params, &len) == -1)
		return -1;
	*text = channel_get(row->channel)->text_of(params, len);
	crypto_free_plain(params);
	return 0;
}

/*
 * An important message Telegram refused (the member blocked the bot)
 * goes once by SMS to the member's phone; the SMS row's cause names the
 * Telegram row, so the outbox shows the chain.
 */
static int
conv_fallback(struct conv *c, const struct outbox_row *row)
{
	struct out	 m;
	char		*phone = NULL, *text = NULL, why[128];
	int		 rc = -1;

	if (!sms_enabled(c->app->sms) || row->member_id == 0)
		return 0;
	if (conv_open_one(c, CS_MEMBER_PHONE, "members", "phone",
	    row->member_id, &phone) == -1 ||
	    conv_fallback_text(c, row, &text) == -1)
		goto out;
	rc = 0;
	if (phone == NULL || text == NULL) {
		log_info("event=conv.no_fallback outbox_id=%" PRId64
		    " reason=%s", row->id, phone == NULL ? "no_phone" :
		    "no_text");
		goto out;
	}
	memset(&m, 0, sizeof m);
	m.kind = OUT_TEXT;
	m.phone = phone;
	m.text = text;
	m.prio = (enum outbox_priority)row->priority;
	m.cause = CONV_CAUSE_FALLBACK;
	m.cause_id = row->id;
	m.member_id = row->member_id;
	rc = channel_queue(c->app->ob, c->app->cfg, CHANNEL_SMS, &m, NULL, why,
	    sizeof why);
	if (rc == CHANNEL_REFUSED) {
		log_warn("event=conv.fallback_refused outbox_id=%" PRId64
		    " reason=\"%s\"", row->id, why);
		rc = 0;
	} else if (rc == 0) {
		log_info("event=conv.fallback outbox_id=%" PRId64, row->id);
		c->fell_back = 1;
	}
out:
	crypto_free_plain(phone);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	return rc;
}

/*
 * A reminder no staff member wrote (or the SMS that replaced it) failed
 * for good: the coordinators hear of it, since there is no author to tell.
 */
static int
conv_tell_coordinators(struct conv *c, const struct outbox_row *row,
    const struct send_result *res)
{
	struct relay_opts	 o = { .prio = OUTBOX_PRIO_CONVERSATION,
				    .cause = CONV_CAUSE_STATUS };
	struct conv_readers	 rd;
	sqlite3_stmt		*s = c->s[CS_MEMBER_CODE];
	const char		*args[2];
	char			 code[32] = "?", *text;
	size_t			 i;
	int			 rc;

	sqlite3_bind_int64(s, 1, row->member_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		snprintf(code, sizeof code, "%s",
		    (const char *)sqlite3_column_text(s, 0));
	if (conv_done(s, rc, "conv_member_code") == -1)
		return -1;
	memset(&rd, 0, sizeof rd);
	if (conv_readers_of_kind(c, "coordinator", &rd) == -1)
		return -1;
	args[0] = code;
	args[1] = res->error;
	for (i = 0; i < rd.n; i++) {
		text = text_expand(i18n_get(c->app->i18n, rd.r[i].lang,
		    N_("A reminder to %s could not be sent: %s")),
		    args, 2);
		rc = relay_send_text(c->app->ob, c->app->cfg, rd.r[i].chat_id,
		    text, &o);
		free(text);
		if (rc == -1)
			return -1;
	}
	log_info("event=conv.failure_reported outbox_id=%" PRId64
	    " coordinators=%zu", row->id, rd.n);
	return 0;
}

static int
conv_is_important(const struct outbox_row *row)
{
	return row->priority == OUTBOX_PRIO_REMINDER ||
	    conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT);
}

int
conv_outcome(void *arg, const struct outbox_row *row,
    const struct send_result *res)
{
	struct conv	*c = arg;

	c->fell_back = 0;
	if (res->status == SEND_UNREACHABLE &&
	    row->channel == CHANNEL_TELEGRAM && conv_is_important(row) &&
	    conv_fallback(c, row) == -1)
		return -1;
	/* Only reminders: a broadcast's failures would flood them. */
	if (res->status != SEND_OK && !c->fell_back && row->id != c->held_id &&
	    row->member_id != 0 && row->priority == OUTBOX_PRIO_REMINDER &&
	    (conv_is_cause(row->cause, "admin") ||
	    conv_is_cause(row->cause, CONV_CAUSE_FALLBACK)) &&
	    conv_tell_coordinators(c, row, res) == -1)
		return -1;
	if (row->cause_id == 0)
		return 0;
	if (conv_is_cause(row->cause, CONV_CAUSE_RELAY))
		return conv_set_state(c, row->cause_id, res->status == SEND_OK ?
		    CONV_SENT : CONV_FAILED, res->status == SEND_OK ? NULL :
		    res->error);
	if (conv_is_cause(row->cause, CONV_CAUSE_ANSWER) ||
	    conv_is_cause(row->cause, CONV_CAUSE_IMPORTANT) ||
	    conv_is_cause(row->cause, CONV_CAUSE_PART))
		return conv_answer_outcome(c, row, res);
	return 0;
}
