/* The visits, events and reminders tables: planning and reminding. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "i18n.h"
#include "log.h"
#include "seal.h"
#include "store.h"
#include "visits.h"
#include "xmalloc.h"

enum vst {
	VS_INSERT,
	VS_GET,
	VS_LIST,
	VS_DRAFT_SAVE,
	VS_DRAFT_DROP,
	VS_MOVE,
	VS_CANCEL,
	VS_ANSWER,
	VS_RM_INSERT,
	VS_RM_VOID,
	VS_RM_DUE,
	VS_RM_NEXT,
	VS_RM_OF,
	VS_RM_DONE,
	VS_RM_LAST,
	VS_RM_ANSWERED,
	VS_RM_GET,
	VS_RM_COUNTS,
	VS_WAIT_TIME,
	VS_TIME_TEXT,
	VS_FAMILIES,
	VS_EV_INSERT,
	VS_EV_GET,
	VS_FAMILY_OF,
	VS_ERASE,
	VS_ERASE_RM,
	VS_AHEAD,
	VS_COUNT
};

#define VISIT_COLS "SELECT id, family_id, staff_id, event_id, series_id, " \
	"kind, at, minutes, place, note, state, reason, answer, answer_at, " \
	"answer_text, created_at, updated_at FROM visits "
#define RM_COLS "SELECT id, visit_id, due_at, state, member_id, sent_at, " \
	"answered_at FROM reminders "

static const char *const visits_sql[VS_COUNT] = {
	[VS_INSERT] = "INSERT INTO visits (id, family_id, staff_id, event_id, "
	    "series_id, kind, at, minutes, place, note, created_at, "
	    "updated_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[VS_GET] = VISIT_COLS "WHERE id = ?",
	[VS_LIST] = VISIT_COLS "WHERE (?1 = 0 OR family_id = ?1) "
	    "AND (?2 = 0 OR staff_id = ?2) AND (?3 = 0 OR event_id = ?3) "
	    "AND at >= ?4 AND (?5 = 0 OR at < ?5) "
	    "AND (?6 = 0 OR (state = 0 AND answer = 0)) "
	    "AND (?7 = 0 OR state = 0) AND state <> 2 "
	    "ORDER BY at, id LIMIT ?8",
	[VS_DRAFT_SAVE] = "UPDATE visits SET state = 0, created_at = ?3, "
	    "updated_at = ?3 WHERE id = ?1 AND staff_id = ?2 AND state = 2",
	[VS_DRAFT_DROP] = "DELETE FROM visits WHERE id = ?1 AND staff_id = ?2 "
	    "AND state = 2",
	[VS_MOVE] = "UPDATE visits SET at = ?2, answer = 0, answer_at = NULL, "
	    "answer_text = NULL, updated_at = ?3 WHERE id = ?1 AND state = 0",
	[VS_CANCEL] = "UPDATE visits SET state = 1, reason = ?2, "
	    "updated_at = ?3 WHERE id = ?1 AND state = 0",
	/* updated_at is when staff last changed the visit, not the family. */
	[VS_ANSWER] = "UPDATE visits SET answer = ?2, answer_text = ?3, "
	    "answer_at = ?4 WHERE id = ?1",
	[VS_RM_INSERT] = "INSERT INTO reminders (visit_id, due_at) "
	    "VALUES (?, ?)",
	[VS_RM_VOID] = "UPDATE reminders SET state = 3 WHERE visit_id = ? "
	    "AND state = 0",
	/* reminders_due: (state, due_at), no look at visits. */
	[VS_RM_DUE] = RM_COLS "WHERE state = 0 AND due_at <= ?1 "
	    "ORDER BY due_at, id LIMIT ?2",
	[VS_RM_NEXT] = "SELECT MIN(due_at) FROM reminders WHERE state = 0",
	[VS_RM_OF] = RM_COLS "WHERE visit_id = ? ORDER BY due_at, id",
	[VS_RM_DONE] = "UPDATE reminders SET state = ?2, member_id = ?3, "
	    "channel = ?4, sent_at = ?5 WHERE id = ?1 AND state = 0",
	[VS_RM_LAST] = RM_COLS "WHERE member_id = ?1 AND sent_at >= ?2 "
	    "AND state = 1 ORDER BY sent_at DESC, id DESC LIMIT 1",
	[VS_RM_ANSWERED] = "UPDATE reminders SET answered_at = ?2 "
	    "WHERE id = ?1",
	[VS_RM_GET] = RM_COLS "WHERE id = ?",
	/* Read from the index (state, due_at), never the visits. */
	[VS_RM_COUNTS] = "SELECT state, COUNT(*) FROM reminders "
	    "WHERE state IN (2, 4) GROUP BY state",
	/* A family's own visits, by the index (family_id, at). */
	[VS_WAIT_TIME] = "SELECT id FROM visits WHERE family_id = ?1 AND "
	    "at > ?3 AND state = 0 AND answer = 3 AND answer_text IS NULL "
	    "AND answer_at >= ?2 ORDER BY answer_at DESC, id DESC LIMIT 1",
	[VS_TIME_TEXT] = "UPDATE visits SET answer_text = ?2 WHERE id = ?1 "
	    "AND answer = 3 AND answer_text IS NULL",
	[VS_FAMILIES] = "SELECT DISTINCT family_id FROM visits WHERE "
	    "at >= ?1 AND at < ?2 AND state = 0 ORDER BY family_id",
	[VS_FAMILY_OF] = "SELECT family_id FROM visits WHERE id = ?",
	/*
	 * An erased family's visits keep their times, for counts; those
	 * ahead are cancelled (nobody is left to visit).
	 */
	[VS_ERASE] = "UPDATE visits SET place = NULL, note = NULL, "
	    "reason = NULL, answer_text = NULL, state = CASE WHEN state = 0 "
	    "AND at > ?2 THEN 1 ELSE state END WHERE family_id = ?1",
	[VS_ERASE_RM] = "UPDATE reminders SET state = 3 WHERE state = 0 AND "
	    "visit_id IN (SELECT id FROM visits WHERE family_id = ?)",
	[VS_AHEAD] = "SELECT COUNT(*) FROM visits WHERE family_id = ?1 AND "
	    "state = 0 AND at > ?2",
	[VS_EV_INSERT] = "INSERT INTO events (id, programme_id, group_id, "
	    "at, minutes, kind, place, note, created_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[VS_EV_GET] = "SELECT id, programme_id, group_id, at, minutes, kind, "
	    "place, note, created_at FROM events WHERE id = ?",
};

#define VISITS_NONE_SLOTS	256

struct visits {
	struct store		*st;
	const struct keys	*keys;
	sqlite3_stmt		*s[VS_COUNT];
	int64_t			 last_id;	/* visits' ids are ours */
	int64_t			 last_event;
	/*
	 * Families found owing no visit its other time, as of a count of
	 * store_visits_gen() (+ 1: 0 is empty) and a time: every family
	 * message asks, and the answer changes only when a visit does. As
	 * time goes on visits only leave the window asked about.
	 */
	struct visits_none {
		int64_t		 family_id;
		int64_t		 now;
		uint64_t	 gen;
	}			 none[VISITS_NONE_SLOTS];
};

static const char *const visits_kinds[] = {
	"home", "office", "meeting", "psychologist", "outing", "other", NULL
};

int
visits_kind_ok(const char *kind)
{
	size_t	 i;

	for (i = 0; visits_kinds[i] != NULL; i++)
		if (strcmp(kind, visits_kinds[i]) == 0)
			return 0;
	return -1;
}

const char *
visits_state_name(enum visit_state s)
{
	return s == VISIT_CANCELLED ? "cancelled" : s == VISIT_DRAFT ?
	    "draft" : "planned";
}

const char *
visits_answer_name(enum visit_answer a)
{
	switch (a) {
	case VISIT_CONFIRMED:
		return "confirmed";
	case VISIT_CANNOT_COME:
		return "cannot_come";
	case VISIT_ANOTHER_TIME:
		return "another_time";
	default:
		return "none";
	}
}

const char *
visits_answer_label(enum visit_answer a)
{
	switch (a) {
	case VISIT_CONFIRMED:
		return N_("confirmed");
	case VISIT_CANNOT_COME:
		return N_("cannot come");
	case VISIT_ANOTHER_TIME:
		return N_("asks for another time");
	default:
		return N_("no answer");
	}
}

const char *
visits_reminder_state_name(enum reminder_state s)
{
	static const char *const names[] = {
		"pending", "sent", "dropped", "void", "skipped"
	};

	if ((int)s < 0 || s > REMINDER_SKIPPED)
		return "?";
	return names[s];
}

struct visits *
visits_new(struct store *st, const struct keys *k)
{
	struct visits	*v;
	int		 i;

	v = xcalloc(1, sizeof *v);
	v->st = st;
	v->keys = k;
	if (store_max_id(st, "visits", &v->last_id) == -1 ||
	    store_max_id(st, "events", &v->last_event) == -1) {
		free(v);
		return NULL;
	}
	for (i = 0; i < VS_COUNT; i++) {
		if (store_prepare(st, visits_sql[i], &v->s[i]) == -1) {
			visits_free(v);
			return NULL;
		}
	}
	return v;
}

void
visits_free(struct visits *v)
{
	int	 i;

	if (v == NULL)
		return;
	for (i = 0; i < VS_COUNT; i++)
		sqlite3_finalize(v->s[i]);
	free(v);
}

void
visit_clear(struct visit *v)
{
	crypto_free_plain(v->place);
	crypto_free_plain(v->note);
	crypto_free_plain(v->reason);
	crypto_free_plain(v->answer_text);
	memset(v, 0, sizeof *v);
}

void
visits_list_free(struct visit *a, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		visit_clear(&a[i]);
	free(a);
}

void
event_clear(struct event *e)
{
	crypto_free_plain(e->place);
	crypto_free_plain(e->note);
	memset(e, 0, sizeof *e);
}

static void
visits_bind_opt(sqlite3_stmt *s, int idx, int64_t id)
{
	if (id == 0)
		sqlite3_bind_null(s, idx);
	else
		sqlite3_bind_int64(s, idx, id);
}

static int
visits_done(sqlite3_stmt *s, const char *what)
{
	return store_step_done(s, what) == -1 ? VISITS_ERROR : VISITS_OK;
}

static void
visits_reset(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * Steps a statement that yields one row at most. On VISITS_OK the row is
 * there to read; the caller resets the statement after.
 */
static int
visits_step_one(sqlite3_stmt *s, const char *what)
{
	int	 rc;

	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		return VISITS_OK;
	if (rc == SQLITE_DONE)
		return VISITS_NOT_FOUND;
	log_err("event=store.error what=%s error=\"%s\"", what,
	    sqlite3_errstr(rc));
	return VISITS_ERROR;
}

/* The first column of the one row a statement yields, then reset. */
static int
visits_one_int64(sqlite3_stmt *s, const char *what, int64_t *out)
{
	int	 rc;

	*out = 0;
	if ((rc = visits_step_one(s, what)) == VISITS_OK)
		*out = sqlite3_column_int64(s, 0);
	visits_reset(s);
	return rc;
}

static int
visits_row(struct visits *v, sqlite3_stmt *s, struct visit *out)
{
	const unsigned char	*kind;
	int			 rc = 0;

	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(s, 0);
	out->family_id = sqlite3_column_int64(s, 1);
	out->staff_id = sqlite3_column_int64(s, 2);
	out->event_id = sqlite3_column_int64(s, 3);
	out->series_id = sqlite3_column_int64(s, 4);
	if ((kind = sqlite3_column_text(s, 5)) != NULL)
		snprintf(out->kind, sizeof out->kind, "%s", kind);
	out->at = sqlite3_column_int64(s, 6);
	out->minutes = sqlite3_column_int(s, 7);
	out->state = sqlite3_column_int(s, 10);
	out->answer = sqlite3_column_int(s, 12);
	out->answer_at = sqlite3_column_int64(s, 13);
	out->created_at = sqlite3_column_int64(s, 15);
	out->updated_at = sqlite3_column_int64(s, 16);
	if (seal_open(v->keys, s, 8, "visits", "place", out->id, &out->place,
	    NULL) == -1 || seal_open(v->keys, s, 9, "visits", "note", out->id,
	    &out->note, NULL) == -1 || seal_open(v->keys, s, 11, "visits",
	    "reason", out->id, &out->reason, NULL) == -1 || seal_open(v->keys,
	    s, 14, "visits", "answer_text", out->id, &out->answer_text,
	    NULL) == -1)
		rc = -1;
	return rc;
}

int
visits_add(struct visits *v, const struct visit *in, int64_t *id)
{
	sqlite3_stmt	*s = v->s[VS_INSERT];
	int64_t		 now = clock_now_ms(), nid = v->last_id + 1;

	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, in->family_id);
	visits_bind_opt(s, 3, in->staff_id);
	visits_bind_opt(s, 4, in->event_id);
	visits_bind_opt(s, 5, in->series_id);
	sqlite3_bind_text(s, 6, in->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, in->at);
	sqlite3_bind_int(s, 8, in->minutes);
	if (seal_bind_str_fam(v->keys, in->family_id, s, 9, "visits", "place",
	    nid, in->place) == -1 || seal_bind_str_fam(v->keys, in->family_id,
	    s, 10, "visits", "note", nid, in->note) == -1) {
		visits_reset(s);
		return VISITS_ERROR;
	}
	sqlite3_bind_int64(s, 11, now);
	sqlite3_bind_int64(s, 12, now);
	sqlite3_bind_int(s, 13, (int)in->state);
	if (visits_done(s, "visit_insert") != VISITS_OK)
		return VISITS_ERROR;
	v->last_id = nid;
	*id = nid;
	return VISITS_OK;
}

int
visits_get(struct visits *v, int64_t id, struct visit *out)
{
	sqlite3_stmt	*s = v->s[VS_GET];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	if ((rc = visits_step_one(s, "visit_get")) == VISITS_OK &&
	    visits_row(v, s, out) == -1) {
		visit_clear(out);
		rc = VISITS_ERROR;
	}
	visits_reset(s);
	return rc;
}

int
visits_list(struct visits *v, const struct visit_filter *f,
    struct visit **out, size_t *n)
{
	sqlite3_stmt	*s = v->s[VS_LIST];
	struct visit	*a = NULL;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, f->family_id);
	sqlite3_bind_int64(s, 2, f->staff_id);
	sqlite3_bind_int64(s, 3, f->event_id);
	sqlite3_bind_int64(s, 4, f->from);
	sqlite3_bind_int64(s, 5, f->to);
	sqlite3_bind_int(s, 6, f->unconfirmed);
	sqlite3_bind_int(s, 7, f->planned_only);
	sqlite3_bind_int(s, 8, VISITS_LIST_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			a = xreallocarray(a, cap, sizeof *a);
		}
		if (visits_row(v, s, &a[*n]) == -1) {
			visit_clear(&a[*n]);
			rc = SQLITE_ERROR;
			break;
		}
		(*n)++;
	}
	visits_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=visit_list error=\"%s\"",
		    sqlite3_errstr(rc));
		visits_list_free(a, *n);
		*n = 0;
		return VISITS_ERROR;
	}
	*out = a;
	return VISITS_OK;
}

static int
visits_changed(struct visits *v, sqlite3_stmt *s, const char *what)
{
	if (visits_done(s, what) != VISITS_OK)
		return VISITS_ERROR;
	return sqlite3_changes(store_db(v->st)) == 0 ? VISITS_NOT_FOUND :
	    VISITS_OK;
}

int
visits_draft_save(struct visits *v, int64_t id, int64_t staff_id)
{
	sqlite3_stmt	*s = v->s[VS_DRAFT_SAVE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, staff_id);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	return visits_changed(v, s, "visit_draft_save");
}

int
visits_draft_drop(struct visits *v, int64_t id, int64_t staff_id)
{
	sqlite3_stmt	*s = v->s[VS_DRAFT_DROP];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, staff_id);
	return visits_changed(v, s, "visit_draft_drop");
}

int
visits_move(struct visits *v, int64_t id, int64_t at)
{
	sqlite3_stmt	*s = v->s[VS_MOVE];
	int		 rc;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	if ((rc = visits_changed(v, s, "visit_move")) != VISITS_OK)
		return rc;
	return visits_reminders_void(v, id);
}

/* The family whose key seals a visit's text. */
static int
visits_family_of(struct visits *v, int64_t id, int64_t *fam)
{
	sqlite3_bind_int64(v->s[VS_FAMILY_OF], 1, id);
	return visits_one_int64(v->s[VS_FAMILY_OF], "visit_family", fam);
}

/*
 * Binds a visit's id as ?1 of s and `text` as ?idx, sealed under the
 * visit's family's key for column `col`.
 */
static int
visits_bind_sealed(struct visits *v, sqlite3_stmt *s, int64_t id, int idx,
    const char *col, const char *text)
{
	int64_t	 fam;
	int	 rc;

	if ((rc = visits_family_of(v, id, &fam)) != VISITS_OK)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	if (seal_bind_str_fam(v->keys, fam, s, idx, "visits", col, id,
	    text) == -1) {
		visits_reset(s);
		return VISITS_ERROR;
	}
	return VISITS_OK;
}

int
visits_erase_family(struct visits *v, int64_t family_id)
{
	int	 rc;

	sqlite3_bind_int64(v->s[VS_ERASE], 1, family_id);
	sqlite3_bind_int64(v->s[VS_ERASE], 2, clock_now_ms());
	if ((rc = visits_done(v->s[VS_ERASE], "visit_erase")) != VISITS_OK)
		return rc;
	sqlite3_bind_int64(v->s[VS_ERASE_RM], 1, family_id);
	return visits_done(v->s[VS_ERASE_RM], "visit_erase_reminders");
}

int
visits_ahead(struct visits *v, int64_t family_id, int64_t now, int64_t *n)
{
	sqlite3_stmt	*s = v->s[VS_AHEAD];

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, now);
	/* COUNT(*) always yields its row: none is an error. */
	return visits_one_int64(s, "visits_ahead", n) == VISITS_OK ?
	    VISITS_OK : VISITS_ERROR;
}

int
visits_cancel(struct visits *v, int64_t id, const char *reason)
{
	sqlite3_stmt	*s = v->s[VS_CANCEL];
	int		 rc;

	if ((rc = visits_bind_sealed(v, s, id, 2, "reason", reason)) !=
	    VISITS_OK)
		return rc;
	sqlite3_bind_int64(s, 3, clock_now_ms());
	if ((rc = visits_changed(v, s, "visit_cancel")) != VISITS_OK)
		return rc;
	return visits_reminders_void(v, id);
}

int
visits_set_answer(struct visits *v, int64_t id, enum visit_answer a,
    const char *text, int64_t at)
{
	sqlite3_stmt	*s = v->s[VS_ANSWER];
	int		 rc;

	if ((rc = visits_bind_sealed(v, s, id, 3, "answer_text", text)) !=
	    VISITS_OK)
		return rc;
	sqlite3_bind_int(s, 2, (int)a);
	sqlite3_bind_int64(s, 4, at);
	return visits_changed(v, s, "visit_answer");
}

int
visits_another_time_waiting(struct visits *v, int64_t family_id,
    int64_t since, int64_t now, int64_t *id)
{
	sqlite3_stmt		*s = v->s[VS_WAIT_TIME];
	struct visits_none	*m;
	uint64_t		 gen = store_visits_gen(v->st) + 1;
	int			 rc;

	m = &v->none[((uint64_t)family_id * 0x9e3779b97f4a7c15ULL >> 56) %
	    VISITS_NONE_SLOTS];
	if (m->gen == gen && m->family_id == family_id && now >= m->now) {
		*id = 0;
		return VISITS_NOT_FOUND;
	}
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, now);
	rc = visits_one_int64(s, "visit_time_waiting", id);
	if (rc == VISITS_NOT_FOUND) {
		m->family_id = family_id;
		m->now = now;
		m->gen = gen;
	}
	return rc;
}

int
visits_set_another_time(struct visits *v, int64_t id, const char *text)
{
	sqlite3_stmt	*s = v->s[VS_TIME_TEXT];
	int		 rc;

	if ((rc = visits_bind_sealed(v, s, id, 2, "answer_text", text)) !=
	    VISITS_OK)
		return rc;
	return visits_changed(v, s, "visit_another_time");
}

/* ---- reminders ------------------------------------------------------- */

int
visits_reminder_add(struct visits *v, int64_t visit_id, int64_t due_at,
    int64_t *id)
{
	sqlite3_stmt	*s = v->s[VS_RM_INSERT];

	sqlite3_bind_int64(s, 1, visit_id);
	sqlite3_bind_int64(s, 2, due_at);
	if (visits_done(s, "reminder_insert") != VISITS_OK)
		return VISITS_ERROR;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(store_db(v->st));
	return VISITS_OK;
}

int
visits_reminders_void(struct visits *v, int64_t visit_id)
{
	sqlite3_bind_int64(v->s[VS_RM_VOID], 1, visit_id);
	return visits_done(v->s[VS_RM_VOID], "reminder_void");
}

static void
visits_rm_row(sqlite3_stmt *s, struct reminder *r)
{
	r->id = sqlite3_column_int64(s, 0);
	r->visit_id = sqlite3_column_int64(s, 1);
	r->due_at = sqlite3_column_int64(s, 2);
	r->state = sqlite3_column_int(s, 3);
	r->member_id = sqlite3_column_int64(s, 4);
	r->sent_at = sqlite3_column_int64(s, 5);
	r->answered_at = sqlite3_column_int64(s, 6);
}

static int
visits_rm_collect(sqlite3_stmt *s, const char *what, struct reminder **out,
    size_t *n)
{
	struct reminder	*a = NULL;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			a = xreallocarray(a, cap, sizeof *a);
		}
		visits_rm_row(s, &a[(*n)++]);
	}
	visits_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=%s error=\"%s\"", what,
		    sqlite3_errstr(rc));
		free(a);
		*n = 0;
		return VISITS_ERROR;
	}
	*out = a;
	return VISITS_OK;
}

int
visits_reminders_due(struct visits *v, int64_t now, size_t max,
    struct reminder **out, size_t *n)
{
	sqlite3_stmt	*s = v->s[VS_RM_DUE];

	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	return visits_rm_collect(s, "reminders_due", out, n);
}

int
visits_reminder_next(struct visits *v, int64_t *due_at, int *found)
{
	sqlite3_stmt	*s = v->s[VS_RM_NEXT];
	int		 rc;

	*found = 0;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*due_at = sqlite3_column_int64(s, 0);
		*found = 1;
	}
	visits_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=reminder_next error=\"%s\"",
		    sqlite3_errstr(rc));
		return VISITS_ERROR;
	}
	return VISITS_OK;
}

int
visits_reminder_counts(struct visits *v, uint64_t *dropped,
    uint64_t *skipped)
{
	sqlite3_stmt	*s = v->s[VS_RM_COUNTS];
	int		 rc;

	*dropped = 0;
	*skipped = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (sqlite3_column_int(s, 0) == REMINDER_DROPPED)
			*dropped = (uint64_t)sqlite3_column_int64(s, 1);
		else
			*skipped = (uint64_t)sqlite3_column_int64(s, 1);
	}
	visits_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=reminder_counts error=\"%s\"",
		    sqlite3_errstr(rc));
		return VISITS_ERROR;
	}
	return VISITS_OK;
}

int
visits_reminders_of(struct visits *v, int64_t visit_id,
    struct reminder **out, size_t *n)
{
	sqlite3_bind_int64(v->s[VS_RM_OF], 1, visit_id);
	return visits_rm_collect(v->s[VS_RM_OF], "reminders_of", out, n);
}

int
visits_reminder_done(struct visits *v, int64_t id, enum reminder_state st,
    int64_t member_id, int channel, int64_t at)
{
	sqlite3_stmt	*s = v->s[VS_RM_DONE];

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, (int)st);
	visits_bind_opt(s, 3, member_id);
	sqlite3_bind_int(s, 4, channel);
	sqlite3_bind_int64(s, 5, at);
	return visits_changed(v, s, "reminder_done");
}

/* The first reminder a statement yields, VISITS_NOT_FOUND if none. */
static int
visits_rm_first(sqlite3_stmt *s, const char *what, struct reminder *out)
{
	struct reminder	*a = NULL;
	size_t		 n = 0;
	int		 rc;

	if ((rc = visits_rm_collect(s, what, &a, &n)) != VISITS_OK)
		return rc;
	if (n == 0)
		rc = VISITS_NOT_FOUND;
	else
		*out = a[0];
	free(a);
	return rc;
}

int
visits_reminder_last(struct visits *v, int64_t member_id, int64_t since,
    struct reminder *out)
{
	sqlite3_bind_int64(v->s[VS_RM_LAST], 1, member_id);
	sqlite3_bind_int64(v->s[VS_RM_LAST], 2, since);
	return visits_rm_first(v->s[VS_RM_LAST], "reminder_last", out);
}

int
visits_reminder_answered(struct visits *v, int64_t id, int64_t at)
{
	sqlite3_bind_int64(v->s[VS_RM_ANSWERED], 1, id);
	sqlite3_bind_int64(v->s[VS_RM_ANSWERED], 2, at);
	return visits_done(v->s[VS_RM_ANSWERED], "reminder_answered");
}

int
visits_reminder_get(struct visits *v, int64_t id, struct reminder *out)
{
	sqlite3_bind_int64(v->s[VS_RM_GET], 1, id);
	return visits_rm_first(v->s[VS_RM_GET], "reminder_get", out);
}

int
visits_families_between(struct visits *v, int64_t from, int64_t to,
    int64_t **ids, size_t *n)
{
	sqlite3_stmt	*s = v->s[VS_FAMILIES];
	int64_t		*a = NULL;
	size_t		 cap = 0;
	int		 rc;

	*ids = NULL;
	*n = 0;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			a = xreallocarray(a, cap, sizeof *a);
		}
		a[(*n)++] = sqlite3_column_int64(s, 0);
	}
	visits_reset(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=visit_families error=\"%s\"",
		    sqlite3_errstr(rc));
		free(a);
		*n = 0;
		return VISITS_ERROR;
	}
	*ids = a;
	return VISITS_OK;
}

/* ---- group events ---------------------------------------------------- */

int
visits_event_add(struct visits *v, const struct event *in, int64_t *id)
{
	sqlite3_stmt	*s = v->s[VS_EV_INSERT];
	int64_t		 nid = v->last_event + 1;

	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, in->programme_id);
	visits_bind_opt(s, 3, in->group_id);
	sqlite3_bind_int64(s, 4, in->at);
	sqlite3_bind_int(s, 5, in->minutes);
	sqlite3_bind_text(s, 6, in->kind, -1, SQLITE_TRANSIENT);
	if (seal_bind_str(v->keys, s, 7, "events", "place", nid,
	    in->place) == -1 || seal_bind_str(v->keys, s, 8, "events", "note",
	    nid, in->note) == -1) {
		visits_reset(s);
		return VISITS_ERROR;
	}
	sqlite3_bind_int64(s, 9, clock_now_ms());
	if (visits_done(s, "event_insert") != VISITS_OK)
		return VISITS_ERROR;
	v->last_event = nid;
	*id = nid;
	return VISITS_OK;
}

int
visits_event_get(struct visits *v, int64_t id, struct event *out)
{
	sqlite3_stmt		*s = v->s[VS_EV_GET];
	const unsigned char	*kind;
	int			 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	if ((rc = visits_step_one(s, "event_get")) == VISITS_OK) {
		out->id = sqlite3_column_int64(s, 0);
		out->programme_id = sqlite3_column_int64(s, 1);
		out->group_id = sqlite3_column_int64(s, 2);
		out->at = sqlite3_column_int64(s, 3);
		out->minutes = sqlite3_column_int(s, 4);
		if ((kind = sqlite3_column_text(s, 5)) != NULL)
			snprintf(out->kind, sizeof out->kind, "%s",
			    kind);
		out->created_at = sqlite3_column_int64(s, 8);
		if (seal_open(v->keys, s, 6, "events", "place", id,
		    &out->place, NULL) == -1 || seal_open(v->keys, s, 7,
		    "events", "note", id, &out->note, NULL) == -1) {
			event_clear(out);
			rc = VISITS_ERROR;
		}
	}
	visits_reset(s);
	return rc;
}

/* ---- programme reports ------------------------------------------------ */

int
visits_report(struct visits *v, const char *ids, int64_t from, int64_t to,
    store_row_fn fn, void *arg)
{
	static const char sql[] = "SELECT family_id, at, state, answer "
	    "FROM visits WHERE family_id IN (SELECT value FROM "
	    "json_each(?1)) AND at >= ?2 AND at < ?3 AND state <> 2";

	return store_each_row(v->st, sql, ids, from, to, "visits_report", fn,
	    arg) == 0 ? VISITS_OK : VISITS_ERROR;
}
