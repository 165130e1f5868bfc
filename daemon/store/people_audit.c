/* The register's audit trail: who did what to which object, ids only. */
#include <stdlib.h>
#include <string.h>

#include "people.h"
#include "people_priv.h"

const char *const people_audit_sql[AUDIT_NSQL] = {
	[AUDIT_INSERT] = "INSERT INTO audit (at, uid, action, object, "
	    "object_id) VALUES (?, ?, ?, ?, ?)",
	/* ?5 and ?6: the family's members and enrolments, their owners'. */
	[AUDIT_LIST] = "SELECT id, at, uid, action, object, object_id "
	    "FROM audit WHERE (?1 IS NULL OR uid = ?1) AND (?2 IS NULL OR "
	    "(object = 'family' AND object_id = ?2) OR (object = 'member' "
	    "AND object_id IN (SELECT value FROM json_each(?5))) OR "
	    "(object = 'enrolment' AND object_id IN "
	    "(SELECT value FROM json_each(?6))))"
	    " AND at >= ?3 ORDER BY id DESC LIMIT ?4",
};

int
people_audit(struct people *p, uid_t uid, const char *action,
    const char *object, int64_t object_id)
{
	sqlite3_stmt	*s = p->audit[AUDIT_INSERT];

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
	struct audit_filter	 f = { -1, 0, 0, limit };

	return people_audit_find(p, &f, fn, arg);
}

/* The family's filter: its id, its members' and its enrolments' ids. */
static int
people_audit_bind_family(struct people *p, sqlite3_stmt *s,
    int64_t family_id)
{
	int64_t	*mem = NULL, *enr = NULL;
	size_t	 nmem = 0, nenr = 0;
	int	 rc;

	sqlite3_bind_int64(s, 2, family_id);
	if ((rc = people_member_ids(p, family_id, &mem, &nmem)) !=
	    PEOPLE_OK ||
	    (rc = people_enrolment_ids(p, family_id, &enr, &nenr)) !=
	    PEOPLE_OK)
		goto out;
	if ((rc = people_bind_ids(s, 5, mem, nmem)) != PEOPLE_OK)
		goto out;
	rc = people_bind_ids(s, 6, enr, nenr);
out:
	free(mem);
	free(enr);
	return rc;
}

int
people_audit_find(struct people *p, const struct audit_filter *f,
    people_audit_fn fn, void *arg)
{
	sqlite3_stmt		*s = p->audit[AUDIT_LIST];
	struct audit_row	 r;
	int			 rc, ret = PEOPLE_OK;

	if (f->family_id > 0 &&
	    people_audit_bind_family(p, s, f->family_id) != PEOPLE_OK) {
		sqlite3_clear_bindings(s);
		return PEOPLE_ERR;
	}
	if (f->uid >= 0)
		sqlite3_bind_int64(s, 1, f->uid);
	sqlite3_bind_int64(s, 3, f->since);
	sqlite3_bind_int(s, 4, f->limit);
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

/*
 * Retention: one transaction of the caller's, at most `limit` rows from
 * before `cutoff` (unix s), oldest first.
 */
int
people_audit_purge(struct people *p, int64_t cutoff, int limit, int *n)
{
	static const char sql[] = "DELETE FROM audit WHERE id IN (SELECT id "
	    "FROM audit WHERE at < ?2 ORDER BY id LIMIT ?3)";

	*n = 0;
	if (store_each_row(p->st, sql, NULL, cutoff, limit, "audit_purge",
	    NULL, NULL) == -1)
		return PEOPLE_ERR;
	*n = sqlite3_changes(store_db(p->st));
	return PEOPLE_OK;
}
