/*
 * Who may see what through the admin API: the login a staff member is
 * tied to (staff.unix_uid) and the programmes a coordinator looks after
 * (staff_programmes), and the questions the API asks of them.
 */
#include <string.h>

#include "log.h"
#include "people.h"
#include "people_priv.h"

const char *const people_access_sql[ACC_NSQL] = {
	[ACC_SET_UID] = "UPDATE staff SET unix_uid = ?2 WHERE id = ?1",
	[ACC_BY_UID] = "SELECT id, kind, active FROM staff "
	    "WHERE unix_uid = ?",
	[ACC_UID_GET] = "SELECT unix_uid FROM staff WHERE id = ? "
	    "AND unix_uid IS NOT NULL",
	[ACC_PROG_CLEAR] = "DELETE FROM staff_programmes WHERE staff_id = ?",
	[ACC_PROG_ADD] = "INSERT INTO staff_programmes (staff_id, "
	    "programme_id) VALUES (?, ?)",
	[ACC_PROG_LIST] = "SELECT programme_id FROM staff_programmes "
	    "WHERE staff_id = ? ORDER BY programme_id",
	/* Their own, the ones they stand in for, their programmes' ones. */
	[ACC_VISIBLE] = "SELECT 1 FROM families f WHERE f.id = ?1 AND "
	    "(f.assistant_id = ?2 OR f.substitute_id = ?2 OR (?3 AND EXISTS "
	    "(SELECT 1 FROM enrolments e JOIN staff_programmes sp ON "
	    "sp.programme_id = e.programme_id WHERE e.family_id = f.id AND "
	    "e.until_date IS NULL AND sp.staff_id = ?2)))",
	[ACC_ADMINS] = "SELECT count(*) FROM staff WHERE kind = "
	    "'administrator' AND active = 1 AND id <> ?",
	[ACC_ANNOUNCE] = "SELECT announcements, COALESCE(announcements_at, "
	    "created_at) FROM members WHERE id = ?",
};

int
people_staff_set_uid(struct people *p, int64_t id, int64_t uid)
{
	sqlite3_stmt	*s = p->acc[ACC_SET_UID];
	int		 rc;

	if ((rc = people_staff_exists(p, id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	if (uid >= 0)
		sqlite3_bind_int64(s, 2, uid);
	else
		sqlite3_bind_null(s, 2);
	return people_step(s, "staff_set_uid");
}

int
people_staff_by_uid(struct people *p, int64_t uid, int64_t *id,
    char kind[PEOPLE_KIND_MAX], int *active)
{
	sqlite3_stmt	*s = p->acc[ACC_BY_UID];
	int		 rc;

	*id = 0;
	*active = 0;
	kind[0] = '\0';
	sqlite3_bind_int64(s, 1, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		people_col_copy(s, 1, kind, PEOPLE_KIND_MAX);
		*active = sqlite3_column_int(s, 2);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	if (rc == SQLITE_DONE)
		return PEOPLE_NOT_FOUND;
	log_err("event=store.error what=staff_by_uid error=\"%s\"",
	    sqlite3_errstr(rc));
	return PEOPLE_ERR;
}

int
people_staff_uid(struct people *p, int64_t id, int64_t *uid)
{
	int	 rc;

	*uid = -1;
	sqlite3_bind_int64(p->acc[ACC_UID_GET], 1, id);
	rc = people_step_id(p->acc[ACC_UID_GET], "staff_uid", uid);
	return rc == PEOPLE_NOT_FOUND ? PEOPLE_OK : rc;
}

int
people_staff_set_programmes(struct people *p, int64_t id,
    const int64_t *prog, size_t n)
{
	sqlite3_stmt	*s = p->acc[ACC_PROG_ADD];
	size_t		 i;
	int		 rc;

	sqlite3_bind_int64(p->acc[ACC_PROG_CLEAR], 1, id);
	if ((rc = people_step(p->acc[ACC_PROG_CLEAR], "staff_prog_clear")) !=
	    PEOPLE_OK)
		return rc;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, prog[i]);
		if ((rc = people_step(s, "staff_prog_add")) != PEOPLE_OK)
			return rc;
	}
	return PEOPLE_OK;
}

int
people_staff_programmes(struct people *p, int64_t id, int64_t *out,
    size_t max, size_t *n)
{
	sqlite3_stmt	*s = p->acc[ACC_PROG_LIST];
	int		 rc;

	*n = 0;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < max)
		out[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=staff_programmes error=\"%s\"",
		    sqlite3_errstr(rc));
		return PEOPLE_ERR;
	}
	return PEOPLE_OK;
}

int
people_family_visible(struct people *p, int64_t family_id, int64_t staff_id,
    int by_programme, int *yes)
{
	sqlite3_stmt	*s = p->acc[ACC_VISIBLE];
	int64_t		 one;
	int		 rc;

	*yes = 0;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, staff_id);
	sqlite3_bind_int(s, 3, by_programme ? 1 : 0);
	rc = people_step_id(s, "family_visible", &one);
	if (rc == PEOPLE_OK)
		*yes = 1;
	return rc == PEOPLE_NOT_FOUND ? PEOPLE_OK : rc;
}

int
people_staff_admins(struct people *p, int64_t except, int64_t *n)
{
	*n = 0;
	sqlite3_bind_int64(p->acc[ACC_ADMINS], 1, except);
	return people_step_id(p->acc[ACC_ADMINS], "staff_admins", n);
}

int
people_member_announcements(struct people *p, int64_t id, int *on,
    int64_t *since)
{
	sqlite3_stmt	*s = p->acc[ACC_ANNOUNCE];
	int		 rc;

	*on = 0;
	*since = 0;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*on = sqlite3_column_int(s, 0);
		*since = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	if (rc == SQLITE_DONE)
		return PEOPLE_NOT_FOUND;
	log_err("event=store.error what=member_announcements error=\"%s\"",
	    sqlite3_errstr(rc));
	return PEOPLE_ERR;
}
