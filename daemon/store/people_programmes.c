/* The register's programmes, their groups, and families' enrolments. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "people.h"
#include "people_priv.h"
#include "xmalloc.h"

/* A pending import's families are enrolled only once it is done. */
#define PROG_COLS \
	"SELECT id, name, created_at, (SELECT COUNT(*) FROM enrolments e " \
	"WHERE e.programme_id = p.id AND e.until_date IS NULL AND " \
	PEOPLE_FAMILY_VISIBLE("e.family_id") ") " \
	"FROM programmes p "

const char *const people_programme_sql[PROG_NSQL] = {
	[PROG_INSERT] = "INSERT INTO programmes (name, created_at) "
	    "VALUES (?, ?)",
	[GROUP_INSERT] = "INSERT INTO programme_groups (programme_id, "
	    "name) VALUES (?, ?)",
	[PROG_GET] = PROG_COLS "WHERE id = ?",
	[PROG_LIST] = PROG_COLS "ORDER BY id",
	[PROG_GROUPS] = "SELECT name FROM programme_groups "
	    "WHERE programme_id = ? ORDER BY id",
	[PROG_BY_NAME] = "SELECT id FROM programmes WHERE name = ?",
	[GROUP_FIND] = "SELECT id FROM programme_groups "
	    "WHERE programme_id = ? AND name = ?",
	[ENROL_INSERT] = "INSERT INTO enrolments (family_id, programme_id, "
	    "group_id, from_date, created_at) VALUES (?, ?, ?, ?, ?)",
	[ENROL_OPEN] = "SELECT id, from_date FROM enrolments "
	    "WHERE family_id = ? AND programme_id = ? AND until_date IS NULL",
	[ENROL_CLOSE] = "UPDATE enrolments SET until_date = ? "
	    "WHERE id = ?",
	/* The family's code is the families' file's (enrolment_row). */
	[ENROL_SELECT] = "SELECT e.id, e.family_id, e.programme_id, "
	    "p.name, g.name, e.from_date, e.until_date "
	    "FROM enrolments e JOIN programmes p ON p.id = e.programme_id "
	    "LEFT JOIN programme_groups g ON g.id = e.group_id "
	    "WHERE (?1 = 0 OR e.id = ?1) AND (?2 = 0 OR e.family_id = ?2) "
	    "AND (?3 = 0 OR e.programme_id = ?3) AND "
	    PEOPLE_FAMILY_VISIBLE("e.family_id") " ORDER BY e.id",
	/* The programmes are the staff file's (people_family_visible). */
	[ENROL_NOW_ANY] = "SELECT 1 FROM enrolments WHERE family_id = ?1 "
	    "AND until_date IS NULL AND programme_id IN "
	    "(SELECT value FROM json_each(?2)) LIMIT 1",
	[ENROL_IDS] = "SELECT id FROM enrolments WHERE family_id = ? "
	    "ORDER BY id",
};

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

PEOPLE_LIST_FREE(people_programme_list_free, struct programme,
    people_programme_clear)
PEOPLE_LIST_FREE(people_enrolment_list_free, struct enrolment,
    people_enrolment_clear)

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

/* ---- programmes and groups ------------------------------------------- */

static int
people_programme_groups(struct people *p, struct programme *pg)
{
	sqlite3_stmt	*s = p->prog[PROG_GROUPS];
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
people_programme_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct programme	*out = elem;

	(void)arg;
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
	sqlite3_stmt	*s = p->prog[PROG_INSERT];
	size_t		 i;
	int		 rc;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, people_now());
	if ((rc = people_step(s, "programme_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	s = p->prog[GROUP_INSERT];
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
	sqlite3_bind_int64(p->prog[PROG_GET], 1, id);
	return people_fetch_one(p, p->prog[PROG_GET], people_programme_row,
	    out, NULL);
}

int
people_programme_list(struct people *p, struct programme **out, size_t *n)
{
	return people_collect(p, p->prog[PROG_LIST], sizeof **out,
	    people_programme_row, people_programme_clear_v, NULL, (void **)out,
	    n);
}

int
people_programme_by_name(struct people *p, const char *name, int64_t *id)
{
	sqlite3_bind_text(p->prog[PROG_BY_NAME], 1, name, -1,
	    SQLITE_TRANSIENT);
	return people_step_id(p->prog[PROG_BY_NAME], "programme_by_name", id);
}

int
people_group_find(struct people *p, int64_t programme_id, const char *name,
    int64_t *group_id)
{
	sqlite3_bind_int64(p->prog[GROUP_FIND], 1, programme_id);
	sqlite3_bind_text(p->prog[GROUP_FIND], 2, name, -1, SQLITE_TRANSIENT);
	return people_step_id(p->prog[GROUP_FIND], "group_find", group_id);
}

/* ---- enrolments ------------------------------------------------------ */

int
people_enrol(struct people *p, int64_t family_id, int64_t programme_id,
    int64_t group_id, const char *from, int64_t *id)
{
	sqlite3_stmt	*s = p->prog[ENROL_INSERT];
	int		 rc;

	if ((rc = people_family_exists(p, family_id)) != PEOPLE_OK)
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
people_enrolled_now(struct people *p, int64_t family_id,
    int64_t programme_id)
{
	int64_t	 id;

	sqlite3_bind_int64(p->prog[ENROL_OPEN], 1, family_id);
	sqlite3_bind_int64(p->prog[ENROL_OPEN], 2, programme_id);
	return people_step_id(p->prog[ENROL_OPEN], "enrolled", &id);
}

int
people_enrolled_now_any(struct people *p, int64_t family_id,
    const int64_t *prog, size_t n)
{
	sqlite3_stmt	*s = p->prog[ENROL_NOW_ANY];
	int64_t		 one;

	if (n == 0)
		return PEOPLE_NOT_FOUND;
	sqlite3_bind_int64(s, 1, family_id);
	if (people_bind_ids(s, 2, prog, n) != PEOPLE_OK) {
		sqlite3_clear_bindings(s);
		return PEOPLE_ERR;
	}
	return people_step_id(s, "enrolled_any", &one);
}

int
people_enrolment_ids(struct people *p, int64_t family_id, int64_t **ids,
    size_t *n)
{
	sqlite3_bind_int64(p->prog[ENROL_IDS], 1, family_id);
	return people_collect_ids(p->prog[ENROL_IDS], "enrolment_ids", ids, n);
}

int
people_leave(struct people *p, int64_t family_id, int64_t programme_id,
    const char *on, int64_t *id)
{
	sqlite3_stmt	*s = p->prog[ENROL_OPEN];
	char		 from[PEOPLE_DATE_MAX] = "";
	int		 rc;

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, programme_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		store_col_copy(s, 1, from, sizeof from);
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
	sqlite3_bind_text(p->prog[ENROL_CLOSE], 1, on, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->prog[ENROL_CLOSE], 2, *id);
	return people_step(p->prog[ENROL_CLOSE], "leave");
}

/* Every enrolment has its family (foreign key, deleted with it). */
static int
people_enrolment_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct enrolment	*out = elem;
	struct family_brief	 f;
	int			 rc;

	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	out->family_id = sqlite3_column_int64(s, 1);
	out->programme_id = sqlite3_column_int64(s, 2);
	out->programme = people_col_dup(s, 3);
	out->group = people_col_dup(s, 4);
	store_col_copy(s, 5, out->from, sizeof out->from);
	store_col_copy(s, 6, out->until, sizeof out->until);
	if ((rc = people_family_brief(p, out->family_id, &f)) == PEOPLE_OK) {
		memcpy(out->family_code, f.code, sizeof out->family_code);
		return 0;
	}
	people_enrolment_clear(out);
	return rc == PEOPLE_NOT_FOUND ? PEOPLE_ROW_SKIP : -1;
}

int
people_enrolment_get(struct people *p, int64_t id, struct enrolment *out)
{
	sqlite3_stmt	*s = p->prog[ENROL_SELECT];

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, 0);
	sqlite3_bind_int64(s, 3, 0);
	return people_fetch_one(p, s, people_enrolment_row, out, NULL);
}

int
people_enrolment_list(struct people *p, int64_t family_id,
    int64_t programme_id, struct enrolment **out, size_t *n)
{
	sqlite3_stmt	*s = p->prog[ENROL_SELECT];

	sqlite3_bind_int64(s, 1, 0);
	sqlite3_bind_int64(s, 2, family_id);
	sqlite3_bind_int64(s, 3, programme_id);
	return people_collect(p, s, sizeof **out, people_enrolment_row,
	    people_enrolment_clear_v, NULL, (void **)out, n);
}

/* ---- reports (admin_reports.c) ---------------------------------------- */

int
people_report_enrolments(struct people *p, int64_t programme_id,
    int64_t group_id, store_row_fn fn, void *arg)
{
	/* Dates as numbers, YYYYMMDD: they compare as the calendar does. */
	static const char sql[] = "SELECT family_id, "
	    "CAST(replace(from_date, '-', '') AS INTEGER), "
	    "CAST(replace(COALESCE(until_date, ''), '-', '') AS INTEGER) "
	    "FROM enrolments WHERE programme_id = ?2 "
	    "AND (?3 = 0 OR group_id = ?3) AND "
	    PEOPLE_FAMILY_VISIBLE("family_id") " ORDER BY family_id, id";

	return store_each_row(p->st, sql, NULL, programme_id, group_id,
	    "enrolments_report", fn, arg) == 0 ? PEOPLE_OK : PEOPLE_ERR;
}
