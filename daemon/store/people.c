/* The data model of the Staff tool; every personal field sealed here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "people.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

enum pst {
	PS_STAFF_INSERT, PS_STAFF_NAME, PS_STAFF_GET, PS_STAFF_LIST,
	PS_STAFF_UPDATE, PS_STAFF_LINK, PS_STAFF_UNLINK, PS_STAFF_BY_TG,
	PS_STAFF_EXISTS,
	PS_FAM_INSERT, PS_FAM_NAME, PS_FAM_NOTES, PS_FAM_GET, PS_FAM_BY_CODE,
	PS_FAM_EXISTS, PS_FAM_LIST, PS_FAM_UPDATE, PS_FAM_ASSIGN,
	PS_FAM_DELETE,
	PS_MEM_INSERT, PS_MEM_NAME, PS_MEM_PHONE, PS_MEM_GET, PS_MEM_LIST,
	PS_MEM_BY_PHONE, PS_MEM_DELETE, PS_MEM_COUNT, PS_MEM_PROMOTE,
	PS_MEM_LINK, PS_MEM_UNLINK, PS_MEM_BY_TG, PS_MEM_INFO_BY_PHONE,
	PS_PROG_INSERT, PS_GROUP_INSERT, PS_PROG_GET, PS_PROG_LIST,
	PS_PROG_GROUPS, PS_PROG_BY_NAME, PS_GROUP_FIND,
	PS_ENROL_INSERT, PS_ENROL_OPEN, PS_ENROL_CLOSE, PS_ENROL_SELECT,
	PS_INV_INSERT, PS_INV_FIND, PS_INV_USE,
	PS_FAIL_INSERT, PS_FAIL_PRUNE, PS_FAIL_RECENT,
	PS_AUDIT_INSERT, PS_AUDIT_LIST,
	PS_MEM_SET_LANG, PS_MEM_CONSENT, PS_MEM_ANNOUNCE, PS_MEM_OOH_GET,
	PS_MEM_OOH_SET, PS_FAM_HELPERS, PS_MEM_REACH, PS_MEM_EXISTS,
	PS_MEM_CLAUSE_GET, PS_MEM_CLAUSE_SHOWN, PS_MEM_CLAUSE_ACK,
	PS_COUNT
};

#define STAFF_COLS \
	"SELECT id, name, kind, languages, active, tg_idx IS NOT NULL, " \
	"(SELECT COUNT(*) FROM families f WHERE f.assistant_id = s.id), " \
	"created_at FROM staff s "
#define FAMILY_COLS \
	"SELECT id, code, name, language, channel, assistant_id, " \
	"substitute_id, notes, created_at FROM families f "
#define MEMBER_COLS \
	"SELECT id, family_id, contact, name, phone, tg_idx IS NOT NULL, " \
	"created_at, consent_at, consent_version, consent_ref FROM members "
#define PROG_COLS \
	"SELECT id, name, created_at, (SELECT COUNT(*) FROM enrolments e " \
	"WHERE e.programme_id = p.id AND e.until_date IS NULL) " \
	"FROM programmes p "

static const char *const people_sql[PS_COUNT] = {
	[PS_STAFF_INSERT] = "INSERT INTO staff (kind, languages, active, "
	    "created_at) VALUES (?, ?, ?, ?)",
	[PS_STAFF_NAME] = "UPDATE staff SET name = ? WHERE id = ?",
	[PS_STAFF_GET] = STAFF_COLS "WHERE id = ?",
	[PS_STAFF_LIST] = STAFF_COLS "ORDER BY id",
	[PS_STAFF_UPDATE] = "UPDATE staff SET kind = COALESCE(?1, kind), "
	    "languages = COALESCE(?2, languages), active = CASE WHEN ?3 < 0 "
	    "THEN active ELSE ?3 END WHERE id = ?4",
	[PS_STAFF_LINK] = "UPDATE staff SET tg_user_id = ?, tg_chat_id = ?, "
	    "tg_idx = ? WHERE id = ?",
	[PS_STAFF_UNLINK] = "UPDATE staff SET tg_user_id = NULL, "
	    "tg_chat_id = NULL, tg_idx = NULL WHERE tg_idx = ?",
	[PS_STAFF_BY_TG] = "SELECT id, active, languages FROM staff "
	    "WHERE tg_idx = ?",
	[PS_STAFF_EXISTS] = "SELECT 1 FROM staff WHERE id = ?",
	[PS_FAM_INSERT] = "INSERT INTO families (code, language, channel, "
	    "assistant_id, substitute_id, created_at) VALUES (?, ?, ?, ?, ?, "
	    "?)",
	[PS_FAM_NAME] = "UPDATE families SET name = ? WHERE id = ?",
	[PS_FAM_NOTES] = "UPDATE families SET notes = ? WHERE id = ?",
	[PS_FAM_GET] = FAMILY_COLS "WHERE id = ?",
	[PS_FAM_BY_CODE] = "SELECT id FROM families WHERE code = ?",
	[PS_FAM_EXISTS] = "SELECT 1 FROM families WHERE id = ?",
	[PS_FAM_LIST] = FAMILY_COLS "WHERE (?1 = 0 OR assistant_id = ?1) "
	    "AND (?2 IS NULL OR language = ?2) AND (?3 IS NULL OR "
	    "channel = ?3) AND (?4 = 0 OR EXISTS (SELECT 1 FROM enrolments e "
	    "WHERE e.family_id = f.id AND e.programme_id = ?4 AND "
	    "e.until_date IS NULL)) ORDER BY id",
	[PS_FAM_UPDATE] = "UPDATE families SET language = COALESCE(?1, "
	    "language), channel = COALESCE(?2, channel) WHERE id = ?3",
	[PS_FAM_ASSIGN] = "UPDATE families SET assistant_id = ?, "
	    "substitute_id = ? WHERE id = ?",
	[PS_FAM_DELETE] = "DELETE FROM families WHERE id = ?",
	[PS_MEM_INSERT] = "INSERT INTO members (family_id, contact, "
	    "created_at) VALUES (?, ?, ?)",
	[PS_MEM_NAME] = "UPDATE members SET name = ? WHERE id = ?",
	[PS_MEM_PHONE] = "UPDATE members SET phone = ?, phone_idx = ? "
	    "WHERE id = ?",
	[PS_MEM_GET] = MEMBER_COLS "WHERE id = ?",
	[PS_MEM_LIST] = MEMBER_COLS "WHERE family_id = ? ORDER BY contact "
	    "DESC, id",
	[PS_MEM_BY_PHONE] = "SELECT id FROM members WHERE phone_idx = ?",
	[PS_MEM_DELETE] = "DELETE FROM members WHERE id = ?",
	[PS_MEM_COUNT] = "SELECT COUNT(*) FROM members WHERE family_id = ?",
	[PS_MEM_PROMOTE] = "UPDATE members SET contact = 1 WHERE id = "
	    "(SELECT id FROM members WHERE family_id = ?1 ORDER BY id LIMIT 1) "
	    "AND NOT EXISTS (SELECT 1 FROM members WHERE family_id = ?1 AND "
	    "contact = 1)",
	[PS_MEM_LINK] = "UPDATE members SET tg_user_id = ?, tg_chat_id = ?, "
	    "tg_idx = ? WHERE id = ?",
	[PS_MEM_UNLINK] = "UPDATE members SET tg_user_id = NULL, "
	    "tg_chat_id = NULL, tg_idx = NULL WHERE tg_idx = ?",
	[PS_MEM_BY_TG] = "SELECT m.id, m.family_id, f.language, m.language, "
	    "m.consent_at IS NOT NULL FROM members m "
	    "JOIN families f ON f.id = m.family_id WHERE m.tg_idx = ?",
	[PS_MEM_INFO_BY_PHONE] = "SELECT m.id, m.family_id, f.language, "
	    "m.language, m.consent_at IS NOT NULL FROM members m "
	    "JOIN families f ON f.id = m.family_id WHERE m.phone_idx = ?",
	[PS_PROG_INSERT] = "INSERT INTO programmes (name, created_at) "
	    "VALUES (?, ?)",
	[PS_GROUP_INSERT] = "INSERT INTO programme_groups (programme_id, "
	    "name) VALUES (?, ?)",
	[PS_PROG_GET] = PROG_COLS "WHERE id = ?",
	[PS_PROG_LIST] = PROG_COLS "ORDER BY id",
	[PS_PROG_GROUPS] = "SELECT name FROM programme_groups "
	    "WHERE programme_id = ? ORDER BY id",
	[PS_PROG_BY_NAME] = "SELECT id FROM programmes WHERE name = ?",
	[PS_GROUP_FIND] = "SELECT id FROM programme_groups "
	    "WHERE programme_id = ? AND name = ?",
	[PS_ENROL_INSERT] = "INSERT INTO enrolments (family_id, programme_id, "
	    "group_id, from_date, created_at) VALUES (?, ?, ?, ?, ?)",
	[PS_ENROL_OPEN] = "SELECT id, from_date FROM enrolments "
	    "WHERE family_id = ? AND programme_id = ? AND until_date IS NULL",
	[PS_ENROL_CLOSE] = "UPDATE enrolments SET until_date = ? "
	    "WHERE id = ?",
	[PS_ENROL_SELECT] = "SELECT e.id, e.family_id, e.programme_id, "
	    "p.name, g.name, f.code, e.from_date, e.until_date "
	    "FROM enrolments e JOIN programmes p ON p.id = e.programme_id "
	    "JOIN families f ON f.id = e.family_id LEFT JOIN "
	    "programme_groups g ON g.id = e.group_id "
	    "WHERE (?1 = 0 OR e.id = ?1) AND (?2 = 0 OR e.family_id = ?2) "
	    "AND (?3 = 0 OR e.programme_id = ?3) ORDER BY e.id",
	[PS_INV_INSERT] = "INSERT INTO invitations (code_hash, staff_id, "
	    "member_id, created_at, expires_at, created_by) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	[PS_INV_FIND] = "SELECT id, staff_id, member_id, expires_at, "
	    "used_at FROM invitations WHERE code_hash = ?",
	[PS_INV_USE] = "UPDATE invitations SET used_at = ? WHERE id = ? "
	    "AND used_at IS NULL",
	[PS_FAIL_INSERT] = "INSERT INTO invite_failures (tg_idx, at) "
	    "VALUES (?, ?)",
	[PS_FAIL_PRUNE] = "DELETE FROM invite_failures WHERE at < ?",
	[PS_FAIL_RECENT] = "SELECT at FROM invite_failures WHERE tg_idx = ? "
	    "ORDER BY at DESC LIMIT 5",
	[PS_AUDIT_INSERT] = "INSERT INTO audit (at, uid, action, object, "
	    "object_id) VALUES (?, ?, ?, ?, ?)",
	[PS_AUDIT_LIST] = "SELECT id, at, uid, action, object, object_id "
	    "FROM audit ORDER BY id DESC LIMIT ?",
	[PS_MEM_SET_LANG] = "UPDATE members SET language = ? WHERE id = ?",
	/* A Telegram consent (?3 NULL) replaces a paper form's reference. */
	[PS_MEM_CONSENT] = "UPDATE members SET consent_at = ?1, "
	    "consent_version = ?2, consent_ref = ?3 WHERE id = ?4",
	[PS_MEM_ANNOUNCE] = "UPDATE members SET announcements = ? "
	    "WHERE id = ?",
	[PS_MEM_OOH_GET] = "SELECT COALESCE(ooh_notice_at, 0) FROM members "
	    "WHERE id = ?",
	[PS_MEM_OOH_SET] = "UPDATE members SET ooh_notice_at = ? WHERE id = ?",
	[PS_MEM_CLAUSE_GET] = "SELECT COALESCE(consent_version, ''), "
	    "consent_at IS NOT NULL, consent_ref IS NOT NULL, "
	    "COALESCE(clause_shown, '') FROM members WHERE id = ?",
	[PS_MEM_CLAUSE_SHOWN] = "UPDATE members SET clause_shown = ? "
	    "WHERE id = ?",
	/* Only over a consent still in force (not withdrawn meanwhile). */
	[PS_MEM_CLAUSE_ACK] = "UPDATE members SET consent_version = ?1, "
	    "clause_ack_at = ?2 WHERE id = ?3 AND consent_at IS NOT NULL",
	[PS_FAM_HELPERS] = "SELECT a.id, a.name, a.active, s.id, s.name, "
	    "s.active FROM families f LEFT JOIN staff a ON a.id = "
	    "f.assistant_id LEFT JOIN staff s ON s.id = f.substitute_id "
	    "WHERE f.id = ?",
	[PS_MEM_REACH] = "SELECT m.tg_chat_id, COALESCE(m.language, "
	    "f.language) FROM members m JOIN families f ON f.id = "
	    "m.family_id WHERE m.id = ?",
	[PS_MEM_EXISTS] = "SELECT 1 FROM members WHERE id = ?",
};

struct people {
	struct store		*st;
	const struct keys	*keys;
	sqlite3_stmt		*s[PS_COUNT];
};

/* Fills one element from the current row of a statement. */
typedef int	(*people_row_fn)(struct people *p, sqlite3_stmt *s, void *elem);
typedef void	(*people_clear_fn)(void *elem);

struct people *
people_new(struct store *st, const struct keys *k)
{
	struct people	*p;
	int		 i;

	p = xcalloc(1, sizeof *p);
	p->st = st;
	p->keys = k;
	for (i = 0; i < PS_COUNT; i++) {
		if (store_prepare(st, people_sql[i], &p->s[i]) == -1) {
			people_free(p);
			return NULL;
		}
	}
	return p;
}

void
people_free(struct people *p)
{
	int	 i;

	if (p == NULL)
		return;
	for (i = 0; i < PS_COUNT; i++)
		sqlite3_finalize(p->s[i]);
	free(p);
}

static int64_t
people_now(void)
{
	return store_now_ms() / 1000;
}

/* Steps a statement that returns no rows; constraints are CONFLICT. */
static int
people_step(sqlite3_stmt *s, const char *what)
{
	int	 rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return PEOPLE_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return PEOPLE_CONFLICT;
	log_err("event=store.error what=%s error=\"%s\"", what,
	    sqlite3_errstr(rc));
	return PEOPLE_ERR;
}

/* The first column of the first row as an id; NOT_FOUND without one. */
static int
people_step_id(sqlite3_stmt *s, const char *what, int64_t *id)
{
	int	 rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	if (rc == SQLITE_DONE)
		return PEOPLE_NOT_FOUND;
	log_err("event=store.error what=%s error=\"%s\"", what,
	    sqlite3_errstr(rc));
	return PEOPLE_ERR;
}

static int64_t
people_last_id(struct people *p)
{
	return sqlite3_last_insert_rowid(store_db(p->st));
}

static void
people_bind_opt_id(sqlite3_stmt *s, int idx, int64_t id)
{
	if (id != 0)
		sqlite3_bind_int64(s, idx, id);
	else
		sqlite3_bind_null(s, idx);
}

static void
people_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

/* UPDATE <table> SET <column> = sealed WHERE id = row. */
static int
people_set_sealed(struct people *p, enum pst which, const char *table,
    const char *column, int64_t row, const char *value)
{
	sqlite3_stmt	*s = p->s[which];

	if (seal_bind_str(p->keys, s, 1, table, column, row, value) == -1) {
		sqlite3_clear_bindings(s);
		return PEOPLE_ERR;
	}
	sqlite3_bind_int64(s, 2, row);
	return people_step(s, column);
}

static void
people_col_copy(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char	*v = sqlite3_column_text(s, col);

	snprintf(buf, size, "%s", v != NULL ? (const char *)v : "");
}

static char *
people_col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char	*v = sqlite3_column_text(s, col);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* The current row into `elem`, NOT_FOUND when there is none. */
static int
people_fetch_one(struct people *p, sqlite3_stmt *s, people_row_fn fn,
    void *elem)
{
	int	 rc, ret;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret = fn(p, s, elem) == 0 ? PEOPLE_OK : PEOPLE_ERR;
	else if (rc == SQLITE_DONE)
		ret = PEOPLE_NOT_FOUND;
	else {
		log_err("event=store.error what=fetch error=\"%s\"",
		    sqlite3_errstr(rc));
		ret = PEOPLE_ERR;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

/* Every row into a new array of `size`-byte elements. */
static int
people_collect(struct people *p, sqlite3_stmt *s, size_t size,
    people_row_fn fn, people_clear_fn clear, void **out, size_t *n)
{
	unsigned char	*a = NULL;
	size_t		 cnt = 0, cap = 0, i;
	int		 rc, ret = PEOPLE_ERR;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			a = xreallocarray(a, cap, size);
		}
		memset(a + cnt * size, 0, size);
		if (fn(p, s, a + cnt * size) == -1) {
			clear(a + cnt * size);
			goto out;
		}
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=collect error=\"%s\"",
		    sqlite3_errstr(rc));
		goto out;
	}
	ret = PEOPLE_OK;
out:
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (ret != PEOPLE_OK) {
		for (i = 0; i < cnt; i++)
			clear(a + i * size);
		free(a);
		a = NULL;
		cnt = 0;
	}
	*out = a;
	*n = cnt;
	return ret;
}

/* Is there a row with this id (a prepared "SELECT 1 ... id = ?")? */
static int
people_exists(struct people *p, enum pst which, int64_t id)
{
	int64_t	 one;

	sqlite3_bind_int64(p->s[which], 1, id);
	return people_step_id(p->s[which], "exists", &one);
}

static void
people_tg_index(struct people *p, int64_t user_id,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	char	 buf[24];
	int	 n;

	n = snprintf(buf, sizeof buf, "%" PRId64, user_id);
	crypto_blind_index(p->keys, "tg_user", buf, (size_t)n, idx);
}

static void
people_phone_index(struct people *p, const char *phone,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	crypto_blind_index(p->keys, "phone", phone, strlen(phone), idx);
}

/* ---- clearing -------------------------------------------------------- */

void
people_staff_clear(struct staff *s)
{
	crypto_free_plain(s->name);
	memset(s, 0, sizeof *s);
}

void
people_family_clear(struct family *f)
{
	crypto_free_plain(f->name);
	crypto_free_plain(f->notes);
	memset(f, 0, sizeof *f);
}

void
people_member_clear(struct member *m)
{
	crypto_free_plain(m->name);
	explicit_bzero(m->phone, sizeof m->phone);
	memset(m, 0, sizeof *m);
}

void
people_programme_clear(struct programme *pg)
{
	size_t	 i;

	for (i = 0; i < pg->ngroups; i++)
		free(pg->groups[i]);
	free(pg->groups);
	free(pg->name);
	memset(pg, 0, sizeof *pg);
}

void
people_enrolment_clear(struct enrolment *e)
{
	free(e->programme);
	free(e->group);
	memset(e, 0, sizeof *e);
}

#define PEOPLE_LIST_FREE(fn, type, clear)		\
void							\
fn(type *a, size_t n)					\
{							\
	size_t	 i;					\
							\
	for (i = 0; i < n; i++)				\
		clear(&a[i]);				\
	free(a);					\
}
PEOPLE_LIST_FREE(people_staff_list_free, struct staff, people_staff_clear)
PEOPLE_LIST_FREE(people_family_list_free, struct family, people_family_clear)
PEOPLE_LIST_FREE(people_member_list_free, struct member, people_member_clear)
PEOPLE_LIST_FREE(people_programme_list_free, struct programme,
    people_programme_clear)
PEOPLE_LIST_FREE(people_enrolment_list_free, struct enrolment,
    people_enrolment_clear)

static void
people_staff_clear_v(void *e)
{
	people_staff_clear(e);
}

static void
people_family_clear_v(void *e)
{
	people_family_clear(e);
}

static void
people_member_clear_v(void *e)
{
	people_member_clear(e);
}

static void
people_programme_clear_v(void *e)
{
	people_programme_clear(e);
}

static void
people_enrolment_clear_v(void *e)
{
	people_enrolment_clear(e);
}

/* ---- staff ----------------------------------------------------------- */

static int
people_staff_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct staff	*out = elem;

	out->id = sqlite3_column_int64(s, 0);
	people_col_copy(s, 2, out->kind, sizeof out->kind);
	people_col_copy(s, 3, out->languages, sizeof out->languages);
	out->active = sqlite3_column_int(s, 4);
	out->telegram_linked = sqlite3_column_int(s, 5);
	out->families = sqlite3_column_int64(s, 6);
	out->created_at = sqlite3_column_int64(s, 7);
	return seal_open(p->keys, s, 1, "staff", "name", out->id, &out->name,
	    NULL);
}

int
people_staff_create(struct people *p, const char *name, const char *kind,
    const char *languages, int active, int64_t *id)
{
	sqlite3_stmt	*s = p->s[PS_STAFF_INSERT];
	int		 rc;

	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, languages, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, active ? 1 : 0);
	sqlite3_bind_int64(s, 4, people_now());
	if ((rc = people_step(s, "staff_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	return people_set_sealed(p, PS_STAFF_NAME, "staff", "name", *id, name);
}

int
people_staff_get(struct people *p, int64_t id, struct staff *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->s[PS_STAFF_GET], 1, id);
	return people_fetch_one(p, p->s[PS_STAFF_GET], people_staff_row, out);
}

int
people_staff_list(struct people *p, struct staff **out, size_t *n)
{
	return people_collect(p, p->s[PS_STAFF_LIST], sizeof **out,
	    people_staff_row, people_staff_clear_v, (void **)out, n);
}

int
people_staff_update(struct people *p, int64_t id, const char *name,
    const char *kind, const char *languages, int active)
{
	sqlite3_stmt	*s = p->s[PS_STAFF_UPDATE];
	int		 rc;

	if ((rc = people_exists(p, PS_STAFF_EXISTS, id)) != PEOPLE_OK)
		return rc;
	people_bind_text(s, 1, kind);
	people_bind_text(s, 2, languages);
	sqlite3_bind_int(s, 3, active);
	sqlite3_bind_int64(s, 4, id);
	if ((rc = people_step(s, "staff_update")) != PEOPLE_OK)
		return rc;
	if (name == NULL)
		return PEOPLE_OK;
	return people_set_sealed(p, PS_STAFF_NAME, "staff", "name", id, name);
}

/* By id, or by exact name: names are sealed, so each is opened. */
int
people_staff_find(struct people *p, const char *ref, int64_t *id)
{
	struct staff	*a = NULL;
	size_t		 n = 0, i, hits = 0;
	char		*end;
	long long	 v;
	int		 rc;

	v = strtoll(ref, &end, 10);
	if (*ref != '\0' && *end == '\0' && v > 0) {
		*id = v;
		return people_exists(p, PS_STAFF_EXISTS, v);
	}
	if ((rc = people_staff_list(p, &a, &n)) != PEOPLE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (a[i].name != NULL && strcmp(a[i].name, ref) == 0) {
			*id = a[i].id;
			hits++;
		}
	}
	people_staff_list_free(a, n);
	if (hits == 0)
		return PEOPLE_NOT_FOUND;
	return hits == 1 ? PEOPLE_OK : PEOPLE_CONFLICT;
}

/* ---- families -------------------------------------------------------- */

static int
people_family_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct family	*out = elem;

	out->id = sqlite3_column_int64(s, 0);
	people_col_copy(s, 1, out->code, sizeof out->code);
	people_col_copy(s, 3, out->language, sizeof out->language);
	people_col_copy(s, 4, out->channel, sizeof out->channel);
	out->assistant_id = sqlite3_column_int64(s, 5);
	out->substitute_id = sqlite3_column_int64(s, 6);
	out->created_at = sqlite3_column_int64(s, 8);
	if (seal_open(p->keys, s, 2, "families", "name", out->id,
	    &out->name, NULL) == -1)
		return -1;
	return seal_open(p->keys, s, 7, "families", "notes", out->id,
	    &out->notes, NULL);
}

/* R-0001, R-0002, ...: a counter, so a deleted family's code stays dead. */
static int
people_next_code(struct people *p, char code[PEOPLE_CODE_MAX])
{
	int64_t	 next = 1;
	int	 found;

	if (store_meta_get(p->st, "family_code_next", &next, &found) == -1)
		return PEOPLE_ERR;
	if (!found)
		next = 1;
	snprintf(code, PEOPLE_CODE_MAX, "R-%04" PRId64, next);
	if (store_meta_set(p->st, "family_code_next", next + 1) == -1)
		return PEOPLE_ERR;
	return PEOPLE_OK;
}

/* Assistants named in a family must exist (409 is not the answer). */
static int
people_check_staff(struct people *p, int64_t a, int64_t b)
{
	int	 rc;

	if (a != 0 && (rc = people_exists(p, PS_STAFF_EXISTS, a)) != PEOPLE_OK)
		return rc;
	if (b != 0 && (rc = people_exists(p, PS_STAFF_EXISTS, b)) != PEOPLE_OK)
		return rc;
	return PEOPLE_OK;
}

static int
people_phone_free(struct people *p, const char *phone, int64_t except)
{
	int64_t	 holder;
	int	 rc;

	if (phone == NULL)
		return PEOPLE_OK;
	rc = people_member_by_phone(p, phone, &holder);
	if (rc == PEOPLE_NOT_FOUND || (rc == PEOPLE_OK && holder == except))
		return PEOPLE_OK;
	return rc == PEOPLE_OK ? PEOPLE_CONFLICT : rc;
}

int
people_family_create(struct people *p, const struct family_new *nf,
    int64_t *family_id, int64_t *member_id)
{
	sqlite3_stmt	*s = p->s[PS_FAM_INSERT];
	char		 code[PEOPLE_CODE_MAX];
	int		 rc;

	if ((rc = people_check_staff(p, nf->assistant_id,
	    nf->substitute_id)) != PEOPLE_OK ||
	    (rc = people_phone_free(p, nf->contact_phone, 0)) != PEOPLE_OK ||
	    (rc = people_next_code(p, code)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, nf->language, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, nf->channel, -1, SQLITE_TRANSIENT);
	people_bind_opt_id(s, 4, nf->assistant_id);
	people_bind_opt_id(s, 5, nf->substitute_id);
	sqlite3_bind_int64(s, 6, people_now());
	if ((rc = people_step(s, "family_insert")) != PEOPLE_OK)
		return rc;
	*family_id = people_last_id(p);
	if ((rc = people_set_sealed(p, PS_FAM_NAME, "families", "name",
	    *family_id, nf->name)) != PEOPLE_OK)
		return rc;
	if (nf->notes != NULL && (rc = people_set_sealed(p, PS_FAM_NOTES,
	    "families", "notes", *family_id, nf->notes)) != PEOPLE_OK)
		return rc;
	return people_member_create(p, *family_id, nf->contact_name,
	    nf->contact_phone, 1, member_id);
}

int
people_family_resolve(struct people *p, const char *ref, int64_t *id)
{
	char		*end;
	long long	 v;

	if (strncmp(ref, "R-", 2) == 0) {
		sqlite3_bind_text(p->s[PS_FAM_BY_CODE], 1, ref, -1,
		    SQLITE_TRANSIENT);
		return people_step_id(p->s[PS_FAM_BY_CODE], "family_code", id);
	}
	v = strtoll(ref, &end, 10);
	if (*ref == '\0' || *end != '\0' || v <= 0)
		return PEOPLE_NOT_FOUND;
	*id = v;
	return people_exists(p, PS_FAM_EXISTS, v);
}

int
people_family_get(struct people *p, int64_t id, struct family *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->s[PS_FAM_GET], 1, id);
	return people_fetch_one(p, p->s[PS_FAM_GET], people_family_row, out);
}

int
people_family_list(struct people *p, const struct family_filter *f,
    struct family **out, size_t *n)
{
	sqlite3_stmt	*s = p->s[PS_FAM_LIST];

	sqlite3_bind_int64(s, 1, f->assistant_id);
	people_bind_text(s, 2, f->language);
	people_bind_text(s, 3, f->channel);
	sqlite3_bind_int64(s, 4, f->programme_id);
	return people_collect(p, s, sizeof **out, people_family_row,
	    people_family_clear_v, (void **)out, n);
}

int
people_family_update(struct people *p, int64_t id, const char *name,
    const char *language, const char *channel, const char *notes)
{
	sqlite3_stmt	*s = p->s[PS_FAM_UPDATE];
	int		 rc;

	if ((rc = people_exists(p, PS_FAM_EXISTS, id)) != PEOPLE_OK)
		return rc;
	people_bind_text(s, 1, language);
	people_bind_text(s, 2, channel);
	sqlite3_bind_int64(s, 3, id);
	if ((rc = people_step(s, "family_update")) != PEOPLE_OK)
		return rc;
	if (name != NULL && (rc = people_set_sealed(p, PS_FAM_NAME,
	    "families", "name", id, name)) != PEOPLE_OK)
		return rc;
	if (notes == NULL)
		return PEOPLE_OK;
	return people_set_sealed(p, PS_FAM_NOTES, "families", "notes", id,
	    *notes != '\0' ? notes : NULL);
}

int
people_family_assign(struct people *p, int64_t id, int64_t assistant_id,
    int64_t substitute_id)
{
	sqlite3_stmt	*s = p->s[PS_FAM_ASSIGN];
	int		 rc;

	if ((rc = people_exists(p, PS_FAM_EXISTS, id)) != PEOPLE_OK ||
	    (rc = people_check_staff(p, assistant_id, substitute_id)) !=
	    PEOPLE_OK)
		return rc;
	people_bind_opt_id(s, 1, assistant_id);
	people_bind_opt_id(s, 2, substitute_id);
	sqlite3_bind_int64(s, 3, id);
	return people_step(s, "family_assign");
}

int
people_family_delete(struct people *p, int64_t id)
{
	int	 rc;

	if ((rc = people_exists(p, PS_FAM_EXISTS, id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->s[PS_FAM_DELETE], 1, id);
	return people_step(p->s[PS_FAM_DELETE], "family_delete");
}

/* ---- members --------------------------------------------------------- */

/* A text column into buf; NULL reads "". */
static void
people_col_text(sqlite3_stmt *s, int col, char *buf, size_t len)
{
	const unsigned char	*t = sqlite3_column_text(s, col);

	snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
}

static int
people_member_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct member	*out = elem;
	char		*phone = NULL;

	out->id = sqlite3_column_int64(s, 0);
	out->family_id = sqlite3_column_int64(s, 1);
	out->contact = sqlite3_column_int(s, 2);
	out->telegram_linked = sqlite3_column_int(s, 5);
	out->created_at = sqlite3_column_int64(s, 6);
	out->consent_at = sqlite3_column_int64(s, 7);	/* NULL reads 0 */
	people_col_text(s, 8, out->consent_version,
	    sizeof out->consent_version);
	people_col_text(s, 9, out->consent_ref, sizeof out->consent_ref);
	if (seal_open(p->keys, s, 3, "members", "name", out->id,
	    &out->name, NULL) == -1 || seal_open(p->keys, s, 4, "members",
	    "phone", out->id, &phone, NULL) == -1)
		return -1;
	if (phone != NULL)
		snprintf(out->phone, sizeof out->phone, "%s", phone);
	crypto_free_plain(phone);
	return 0;
}

static int
people_member_set_phone(struct people *p, int64_t id, const char *phone)
{
	sqlite3_stmt	*s = p->s[PS_MEM_PHONE];
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	if (seal_bind_str(p->keys, s, 1, "members", "phone", id, phone) == -1)
		return PEOPLE_ERR;
	if (phone != NULL) {
		people_phone_index(p, phone, idx);
		sqlite3_bind_blob(s, 2, idx, sizeof idx, SQLITE_TRANSIENT);
	} else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, id);
	return people_step(s, "member_phone");
}

int
people_member_create(struct people *p, int64_t family_id, const char *name,
    const char *phone, int contact, int64_t *id)
{
	sqlite3_stmt	*s = p->s[PS_MEM_INSERT];
	int		 rc;

	if ((rc = people_exists(p, PS_FAM_EXISTS, family_id)) != PEOPLE_OK ||
	    (rc = people_phone_free(p, phone, 0)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, contact ? 1 : 0);
	sqlite3_bind_int64(s, 3, people_now());
	if ((rc = people_step(s, "member_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	if ((rc = people_set_sealed(p, PS_MEM_NAME, "members", "name", *id,
	    name)) != PEOPLE_OK)
		return rc;
	if (phone == NULL)
		return PEOPLE_OK;
	return people_member_set_phone(p, *id, phone);
}

int
people_member_get(struct people *p, int64_t id, struct member *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->s[PS_MEM_GET], 1, id);
	return people_fetch_one(p, p->s[PS_MEM_GET], people_member_row, out);
}

int
people_member_list(struct people *p, int64_t family_id, struct member **out,
    size_t *n)
{
	sqlite3_bind_int64(p->s[PS_MEM_LIST], 1, family_id);
	return people_collect(p, p->s[PS_MEM_LIST], sizeof **out,
	    people_member_row, people_member_clear_v, (void **)out, n);
}

int
people_member_update(struct people *p, int64_t id, const char *name,
    int set_phone, const char *phone)
{
	struct member	 m;
	int		 rc;

	if ((rc = people_member_get(p, id, &m)) != PEOPLE_OK)
		return rc;
	people_member_clear(&m);
	if (set_phone && (rc = people_phone_free(p, phone, id)) != PEOPLE_OK)
		return rc;
	if (name != NULL && (rc = people_set_sealed(p, PS_MEM_NAME, "members",
	    "name", id, name)) != PEOPLE_OK)
		return rc;
	if (!set_phone)
		return PEOPLE_OK;
	return people_member_set_phone(p, id, phone);
}

int
people_member_delete(struct people *p, int64_t id)
{
	struct member	 m;
	int64_t		 count = 0;
	int		 rc;

	if ((rc = people_member_get(p, id, &m)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->s[PS_MEM_COUNT], 1, m.family_id);
	rc = people_step_id(p->s[PS_MEM_COUNT], "member_count", &count);
	if (rc == PEOPLE_OK && count <= 1)
		rc = PEOPLE_CONFLICT;	/* a family has at least one member */
	if (rc == PEOPLE_OK) {
		sqlite3_bind_int64(p->s[PS_MEM_DELETE], 1, id);
		rc = people_step(p->s[PS_MEM_DELETE], "member_delete");
	}
	/* The next member becomes the contact when the contact goes. */
	if (rc == PEOPLE_OK) {
		sqlite3_bind_int64(p->s[PS_MEM_PROMOTE], 1, m.family_id);
		rc = people_step(p->s[PS_MEM_PROMOTE], "member_promote");
	}
	people_member_clear(&m);
	return rc;
}

int
people_member_by_phone(struct people *p, const char *phone, int64_t *id)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	people_phone_index(p, phone, idx);
	sqlite3_bind_blob(p->s[PS_MEM_BY_PHONE], 1, idx, sizeof idx,
	    SQLITE_TRANSIENT);
	return people_step_id(p->s[PS_MEM_BY_PHONE], "member_by_phone", id);
}

/* ---- programmes and enrolments -------------------------------------- */

static int
people_programme_groups(struct people *p, struct programme *pg)
{
	sqlite3_stmt	*s = p->s[PS_PROG_GROUPS];
	int		 rc;

	sqlite3_bind_int64(s, 1, pg->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		pg->groups = xreallocarray(pg->groups, pg->ngroups + 1,
		    sizeof *pg->groups);
		pg->groups[pg->ngroups++] = people_col_dup(s, 0);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=programme_groups error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static int
people_programme_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct programme	*out = elem;

	out->id = sqlite3_column_int64(s, 0);
	out->name = people_col_dup(s, 1);
	out->created_at = sqlite3_column_int64(s, 2);
	out->enrolled = sqlite3_column_int64(s, 3);
	return people_programme_groups(p, out);
}

int
people_programme_create(struct people *p, const char *name,
    const char *const *groups, size_t ngroups, int64_t *id)
{
	sqlite3_stmt	*s = p->s[PS_PROG_INSERT];
	size_t		 i;
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, people_now());
	if ((rc = people_step(s, "programme_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	s = p->s[PS_GROUP_INSERT];
	for (i = 0; i < ngroups; i++) {
		sqlite3_bind_int64(s, 1, *id);
		sqlite3_bind_text(s, 2, groups[i], -1, SQLITE_TRANSIENT);
		if ((rc = people_step(s, "group_insert")) != PEOPLE_OK)
			return rc;
	}
	return PEOPLE_OK;
}

int
people_programme_get(struct people *p, int64_t id, struct programme *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->s[PS_PROG_GET], 1, id);
	return people_fetch_one(p, p->s[PS_PROG_GET], people_programme_row,
	    out);
}

int
people_programme_list(struct people *p, struct programme **out, size_t *n)
{
	return people_collect(p, p->s[PS_PROG_LIST], sizeof **out,
	    people_programme_row, people_programme_clear_v, (void **)out, n);
}

int
people_programme_by_name(struct people *p, const char *name, int64_t *id)
{
	sqlite3_bind_text(p->s[PS_PROG_BY_NAME], 1, name, -1,
	    SQLITE_TRANSIENT);
	return people_step_id(p->s[PS_PROG_BY_NAME], "programme_by_name", id);
}

int
people_group_find(struct people *p, int64_t programme_id, const char *name,
    int64_t *group_id)
{
	sqlite3_bind_int64(p->s[PS_GROUP_FIND], 1, programme_id);
	sqlite3_bind_text(p->s[PS_GROUP_FIND], 2, name, -1, SQLITE_TRANSIENT);
	return people_step_id(p->s[PS_GROUP_FIND], "group_find", group_id);
}

int
people_enrol(struct people *p, int64_t family_id, int64_t programme_id,
    int64_t group_id, const char *from, int64_t *id)
{
	sqlite3_stmt	*s = p->s[PS_ENROL_INSERT];
	int		 rc;

	if ((rc = people_exists(p, PS_FAM_EXISTS, family_id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, programme_id);
	people_bind_opt_id(s, 3, group_id);
	sqlite3_bind_text(s, 4, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, people_now());
	/* The partial unique index refuses a second open enrolment. */
	if ((rc = people_step(s, "enrol")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	return PEOPLE_OK;
}

int
people_leave(struct people *p, int64_t family_id, int64_t programme_id,
    const char *on, int64_t *id)
{
	sqlite3_stmt	*s = p->s[PS_ENROL_OPEN];
	char		 from[PEOPLE_DATE_MAX] = "";
	int		 rc;

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, programme_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		people_col_copy(s, 1, from, sizeof from);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return PEOPLE_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return PEOPLE_ERR;
	/* ISO dates compare as strings. */
	if (strcmp(on, from) < 0)
		return PEOPLE_CONFLICT;
	sqlite3_bind_text(p->s[PS_ENROL_CLOSE], 1, on, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->s[PS_ENROL_CLOSE], 2, *id);
	return people_step(p->s[PS_ENROL_CLOSE], "leave");
}

static int
people_enrolment_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct enrolment	*out = elem;

	(void)p;
	out->id = sqlite3_column_int64(s, 0);
	out->family_id = sqlite3_column_int64(s, 1);
	out->programme_id = sqlite3_column_int64(s, 2);
	out->programme = people_col_dup(s, 3);
	out->group = people_col_dup(s, 4);
	people_col_copy(s, 5, out->family_code, sizeof out->family_code);
	people_col_copy(s, 6, out->from, sizeof out->from);
	people_col_copy(s, 7, out->until, sizeof out->until);
	return 0;
}

int
people_enrolment_get(struct people *p, int64_t id, struct enrolment *out)
{
	sqlite3_stmt	*s = p->s[PS_ENROL_SELECT];

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, 0);
	sqlite3_bind_int64(s, 3, 0);
	return people_fetch_one(p, s, people_enrolment_row, out);
}

int
people_enrolment_list(struct people *p, int64_t family_id,
    int64_t programme_id, struct enrolment **out, size_t *n)
{
	sqlite3_stmt	*s = p->s[PS_ENROL_SELECT];

	sqlite3_bind_int64(s, 1, 0);
	sqlite3_bind_int64(s, 2, family_id);
	sqlite3_bind_int64(s, 3, programme_id);
	return people_collect(p, s, sizeof **out, people_enrolment_row,
	    people_enrolment_clear_v, (void **)out, n);
}

/* ---- Telegram accounts ----------------------------------------------- */

/* The first language of a staff member's list, Polish by default. */
static void
people_first_lang(const char *langs, char out[4])
{
	if (strlen(langs) >= 2 && (langs[2] == ',' || langs[2] == '\0')) {
		memcpy(out, langs, 2);
		out[2] = '\0';
	} else
		memcpy(out, "pl", 3);
}

/* A member found by a blind index with `stmt` (Telegram id or phone). */
static int
people_find_member_by(struct people *p, enum pst stmt,
    const unsigned char *idx, struct people_tg *out)
{
	sqlite3_stmt	*s = p->s[stmt];
	int		 rc;

	sqlite3_bind_blob(s, 1, idx, CRYPTO_INDEX_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->who = PEOPLE_MEMBER;
		out->member_id = sqlite3_column_int64(s, 0);
		out->family_id = sqlite3_column_int64(s, 1);
		people_col_copy(s, 2, out->language, sizeof out->language);
		people_col_copy(s, 3, out->member_language,
		    sizeof out->member_language);
		out->consented = sqlite3_column_int(s, 4);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
people_find_member_tg(struct people *p, const unsigned char *idx,
    struct people_tg *out)
{
	return people_find_member_by(p, PS_MEM_BY_TG, idx, out);
}

int
people_find_phone(struct people *p, const char *phone, struct people_tg *out)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	memset(out, 0, sizeof *out);
	out->who = PEOPLE_NOBODY;
	people_phone_index(p, phone, idx);
	if (people_find_member_by(p, PS_MEM_INFO_BY_PHONE, idx, out) == -1)
		return PEOPLE_ERR;
	return PEOPLE_OK;
}

static int
people_find_staff_tg(struct people *p, const unsigned char *idx,
    struct people_tg *out)
{
	sqlite3_stmt	*s = p->s[PS_STAFF_BY_TG];
	char		 langs[VALIDATE_LANGS_MAX];
	int		 rc;

	sqlite3_bind_blob(s, 1, idx, CRYPTO_INDEX_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->who = PEOPLE_STAFF;
		out->staff_id = sqlite3_column_int64(s, 0);
		out->active = sqlite3_column_int(s, 1);
		people_col_copy(s, 2, langs, sizeof langs);
		people_first_lang(langs, out->language);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Staff first: an assistant who is also a member acts as staff. */
int
people_find_tg(struct people *p, int64_t user_id, struct people_tg *out)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	memset(out, 0, sizeof *out);
	out->who = PEOPLE_NOBODY;
	people_tg_index(p, user_id, idx);
	if (people_find_staff_tg(p, idx, out) == -1)
		return PEOPLE_ERR;
	if (out->who == PEOPLE_STAFF && out->active)
		return PEOPLE_OK;
	memset(out, 0, sizeof *out);
	if (people_find_member_tg(p, idx, out) == -1)
		return PEOPLE_ERR;
	return PEOPLE_OK;
}

/* One Telegram account belongs to one member (or staff member): the
 * newest link wins, an older one is dropped. */
static int
people_link(struct people *p, enum pst unlink, enum pst link,
    const char *table, int64_t id, int64_t user_id, int64_t chat_id)
{
	sqlite3_stmt	*s = p->s[link];
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	char		 ubuf[24], cbuf[24];
	int		 rc;

	people_tg_index(p, user_id, idx);
	sqlite3_bind_blob(p->s[unlink], 1, idx, sizeof idx, SQLITE_TRANSIENT);
	if ((rc = people_step(p->s[unlink], "unlink")) != PEOPLE_OK)
		return rc;
	snprintf(ubuf, sizeof ubuf, "%" PRId64, user_id);
	snprintf(cbuf, sizeof cbuf, "%" PRId64, chat_id);
	if (seal_bind_str(p->keys, s, 1, table, "tg_user_id", id, ubuf) == -1 ||
	    seal_bind_str(p->keys, s, 2, table, "tg_chat_id", id, cbuf) == -1) {
		sqlite3_clear_bindings(s);
		return PEOPLE_ERR;
	}
	sqlite3_bind_blob(s, 3, idx, sizeof idx, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, id);
	return people_step(s, "link");
}

int
people_link_member(struct people *p, int64_t member_id, int64_t user_id,
    int64_t chat_id)
{
	return people_link(p, PS_MEM_UNLINK, PS_MEM_LINK, "members",
	    member_id, user_id, chat_id);
}

int
people_link_staff(struct people *p, int64_t staff_id, int64_t user_id,
    int64_t chat_id)
{
	return people_link(p, PS_STAFF_UNLINK, PS_STAFF_LINK, "staff",
	    staff_id, user_id, chat_id);
}

/* ---- invitations ----------------------------------------------------- */

int
people_invite_create(struct people *p, int64_t staff_id, int64_t member_id,
    int ttl_days, uid_t uid, char **code, int64_t *expires_at)
{
	sqlite3_stmt	*s = p->s[PS_INV_INSERT];
	unsigned char	 hash[CRYPTO_HASH_LEN];
	int64_t		 now = people_now();
	int		 rc;

	*code = crypto_random_token(12);
	crypto_token_hash(p->keys, *code, hash);
	*expires_at = now + (int64_t)ttl_days * 86400;
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	people_bind_opt_id(s, 2, staff_id);
	people_bind_opt_id(s, 3, member_id);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, *expires_at);
	sqlite3_bind_int64(s, 6, (int64_t)uid);
	if ((rc = people_step(s, "invite_insert")) != PEOPLE_OK) {
		free(*code);
		*code = NULL;
	}
	return rc;
}

int
people_invite_find(struct people *p, const char *code, struct invitation *out)
{
	sqlite3_stmt	*s = p->s[PS_INV_FIND];
	unsigned char	 hash[CRYPTO_HASH_LEN];
	int		 rc;

	memset(out, 0, sizeof *out);
	crypto_token_hash(p->keys, code, hash);
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		out->staff_id = sqlite3_column_int64(s, 1);
		out->member_id = sqlite3_column_int64(s, 2);
		out->expires_at = sqlite3_column_int64(s, 3);
		out->used_at = sqlite3_column_int64(s, 4);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	return rc == SQLITE_DONE ? PEOPLE_NOT_FOUND : PEOPLE_ERR;
}

int
people_invite_use(struct people *p, int64_t id, int64_t now)
{
	sqlite3_bind_int64(p->s[PS_INV_USE], 1, now);
	sqlite3_bind_int64(p->s[PS_INV_USE], 2, id);
	return people_step(p->s[PS_INV_USE], "invite_use");
}

int
people_invite_failed(struct people *p, int64_t user_id, int64_t now)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	int		 rc;

	/* Rows older than two windows can no longer shut anyone out. */
	sqlite3_bind_int64(p->s[PS_FAIL_PRUNE], 1,
	    now - 2 * PEOPLE_INVITE_WINDOW);
	if ((rc = people_step(p->s[PS_FAIL_PRUNE], "fail_prune")) !=
	    PEOPLE_OK)
		return rc;
	people_tg_index(p, user_id, idx);
	sqlite3_bind_blob(p->s[PS_FAIL_INSERT], 1, idx, sizeof idx,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->s[PS_FAIL_INSERT], 2, now);
	return people_step(p->s[PS_FAIL_INSERT], "fail_insert");
}

/*
 * Shut out for an hour after the 5th wrong code within an hour. Nothing
 * is recorded while shut out, so the newest failure is the 5th.
 */
int
people_invite_blocked(struct people *p, int64_t user_id, int64_t now)
{
	sqlite3_stmt	*s = p->s[PS_FAIL_RECENT];
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	int64_t		 at[PEOPLE_INVITE_FAILURES];
	int		 n = 0;

	people_tg_index(p, user_id, idx);
	sqlite3_bind_blob(s, 1, idx, sizeof idx, SQLITE_TRANSIENT);
	while (n < PEOPLE_INVITE_FAILURES && sqlite3_step(s) == SQLITE_ROW)
		at[n++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (n < PEOPLE_INVITE_FAILURES)
		return 0;
	return at[0] - at[n - 1] < PEOPLE_INVITE_WINDOW &&
	    now - at[0] < PEOPLE_INVITE_WINDOW;
}

/* ---- audit ----------------------------------------------------------- */

int
people_audit(struct people *p, uid_t uid, const char *action,
    const char *object, int64_t object_id)
{
	sqlite3_stmt	*s = p->s[PS_AUDIT_INSERT];

	sqlite3_bind_int64(s, 1, people_now());
	sqlite3_bind_int64(s, 2, (int64_t)uid);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, object, -1, SQLITE_STATIC);
	people_bind_opt_id(s, 5, object_id);
	return people_step(s, "audit");
}

int
people_audit_list(struct people *p, int limit, people_audit_fn fn, void *arg)
{
	sqlite3_stmt		*s = p->s[PS_AUDIT_LIST];
	struct audit_row	 r;
	int			 rc, ret = PEOPLE_OK;

	sqlite3_bind_int(s, 1, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(s, 0);
		r.at = sqlite3_column_int64(s, 1);
		r.uid = sqlite3_column_int64(s, 2);
		r.action = (const char *)sqlite3_column_text(s, 3);
		r.object = (const char *)sqlite3_column_text(s, 4);
		r.object_id = sqlite3_column_int64(s, 5);
		if (fn(&r, arg) == -1) {
			ret = PEOPLE_ERR;
			break;
		}
	}
	if (ret == PEOPLE_OK && rc != SQLITE_DONE)
		ret = PEOPLE_ERR;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return ret;
}

/* ---- a member's own settings (conversations) ------------------------- */

int
people_member_set_language(struct people *p, int64_t id, const char *lang)
{
	sqlite3_stmt	*s = p->s[PS_MEM_SET_LANG];

	people_bind_text(s, 1, lang);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_language");
}

/* at 0: withdrawn, every consent column NULL. */
static int
people_member_set_consent(struct people *p, int64_t id, int64_t at,
    const char *version, const char *ref)
{
	sqlite3_stmt	*s = p->s[PS_MEM_CONSENT];

	if (at != 0)
		sqlite3_bind_int64(s, 1, at);
	else
		sqlite3_bind_null(s, 1);
	people_bind_text(s, 2, at != 0 ? version : NULL);
	people_bind_text(s, 3, at != 0 ? ref : NULL);
	sqlite3_bind_int64(s, 4, id);
	return people_step(s, "member_consent");
}

int
people_member_consent(struct people *p, int64_t id, int64_t at,
    const char *version)
{
	return people_member_set_consent(p, id, at, version, NULL);
}

int
people_member_consent_paper(struct people *p, int64_t id, int64_t at,
    const char *version, const char *ref)
{
	int	 rc;

	if ((rc = people_exists(p, PS_MEM_EXISTS, id)) != PEOPLE_OK)
		return rc;
	return people_member_set_consent(p, id, at, version, ref);
}

int
people_member_consent_withdraw(struct people *p, int64_t id)
{
	int	 rc;

	if ((rc = people_exists(p, PS_MEM_EXISTS, id)) != PEOPLE_OK)
		return rc;
	return people_member_set_consent(p, id, 0, NULL, NULL);
}

int
people_member_set_announcements(struct people *p, int64_t id, int on)
{
	sqlite3_stmt	*s = p->s[PS_MEM_ANNOUNCE];

	sqlite3_bind_int(s, 1, on ? 1 : 0);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_announcements");
}

int
people_member_ooh_get(struct people *p, int64_t id, int64_t *at)
{
	sqlite3_bind_int64(p->s[PS_MEM_OOH_GET], 1, id);
	return people_step_id(p->s[PS_MEM_OOH_GET], "member_ooh", at);
}

int
people_member_ooh_set(struct people *p, int64_t id, int64_t at)
{
	sqlite3_stmt	*s = p->s[PS_MEM_OOH_SET];

	sqlite3_bind_int64(s, 1, at);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_ooh");
}

int
people_member_clause(struct people *p, int64_t id, struct people_clause *out)
{
	sqlite3_stmt	*s = p->s[PS_MEM_CLAUSE_GET];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		people_col_text(s, 0, out->version, sizeof out->version);
		out->consented = sqlite3_column_int(s, 1);
		out->on_paper = sqlite3_column_int(s, 2);
		people_col_text(s, 3, out->shown, sizeof out->shown);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	if (rc == SQLITE_DONE)
		return PEOPLE_NOT_FOUND;
	log_err("event=store.error what=member_clause error=\"%s\"",
	    sqlite3_errstr(rc));
	return PEOPLE_ERR;
}

int
people_member_clause_shown(struct people *p, int64_t id, const char *version)
{
	sqlite3_stmt	*s = p->s[PS_MEM_CLAUSE_SHOWN];

	sqlite3_bind_text(s, 1, version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_clause_shown");
}

int
people_member_clause_ack(struct people *p, int64_t id, const char *version,
    int64_t at)
{
	sqlite3_stmt	*s = p->s[PS_MEM_CLAUSE_ACK];

	sqlite3_bind_text(s, 1, version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, id);
	return people_step(s, "member_clause_ack");
}

void
people_helpers_clear(struct people_helpers *h)
{
	crypto_free_plain(h->assistant_first);
	crypto_free_plain(h->substitute_first);
	memset(h, 0, sizeof *h);
}

/* The first word of a sealed staff name, in place; families see no more. */
static int
people_staff_first(struct people *p, sqlite3_stmt *s, int col, int64_t id,
    char **out)
{
	if (id == 0)
		return 0;
	if (seal_open(p->keys, s, col, "staff", "name", id, out, NULL) == -1)
		return -1;
	if (*out != NULL)
		(*out)[strcspn(*out, " \t")] = '\0';
	return 0;
}

static int
people_helpers_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct people_helpers	*h = elem;

	h->assistant_id = sqlite3_column_int64(s, 0);
	h->assistant_active = sqlite3_column_int(s, 2);
	h->substitute_id = sqlite3_column_int64(s, 3);
	h->substitute_active = sqlite3_column_int(s, 5);
	if (people_staff_first(p, s, 1, h->assistant_id,
	    &h->assistant_first) == -1 || people_staff_first(p, s, 4,
	    h->substitute_id, &h->substitute_first) == -1) {
		people_helpers_clear(h);
		return -1;
	}
	return 0;
}

int
people_family_helpers(struct people *p, int64_t family_id,
    struct people_helpers *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->s[PS_FAM_HELPERS], 1, family_id);
	return people_fetch_one(p, p->s[PS_FAM_HELPERS], people_helpers_row,
	    out);
}

struct people_reach_row {
	int64_t	 id;
	int64_t	*chat_id;
	char	*lang;
};

static int
people_reach_row(struct people *p, sqlite3_stmt *s, void *elem)
{
	struct people_reach_row	*r = elem;

	people_col_copy(s, 1, r->lang, 4);
	return seal_open_int(p->keys, s, 0, "members", "tg_chat_id", r->id,
	    r->chat_id);
}

int
people_member_reach(struct people *p, int64_t id, int64_t *chat_id,
    char lang[4])
{
	struct people_reach_row	 r = { id, chat_id, lang };

	sqlite3_bind_int64(p->s[PS_MEM_REACH], 1, id);
	return people_fetch_one(p, p->s[PS_MEM_REACH], people_reach_row, &r);
}
