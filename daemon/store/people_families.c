/* The register's families table: families, their codes and assistants. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "keystore.h"
#include "people.h"
#include "people_priv.h"
#include "seal.h"
#include "store.h"

#define FAMILY_COLS \
	"SELECT id, code, name, language, channel, assistant_id, " \
	"substitute_id, notes, created_at, COALESCE(closed_at, 0), " \
	"COALESCE(erased_at, 0) FROM families "

const char *const people_family_sql[FAM_NSQL] = {
	[FAM_INSERT] = "INSERT INTO families (code, language, channel, "
	    "assistant_id, substitute_id, created_at) VALUES (?, ?, ?, ?, ?, "
	    "?)",
	[FAM_NAME] = "UPDATE families SET name = ? WHERE id = ?",
	[FAM_NOTES] = "UPDATE families SET notes = ? WHERE id = ?",
	[FAM_GET] = FAMILY_COLS "WHERE id = ?",
	[FAM_BY_CODE] = "SELECT id FROM families WHERE code = ? AND "
	    PEOPLE_VISIBLE,
	[FAM_EXISTS] = "SELECT 1 FROM families WHERE id = ?",
	/* Asked for by its id: a pending import's family is not found. */
	[FAM_VISIBLE] = "SELECT 1 FROM families WHERE id = ? AND "
	    PEOPLE_VISIBLE,
	/* The programme filter is the enrolments' file's (family_row_in). */
	[FAM_LIST] = FAMILY_COLS "WHERE " PEOPLE_VISIBLE " AND "
	    "(?1 = 0 OR assistant_id = ?1) "
	    "AND (?2 IS NULL OR language = ?2) AND (?3 IS NULL OR "
	    "channel = ?3) ORDER BY id",
	[FAM_UPDATE] = "UPDATE families SET language = COALESCE(?1, "
	    "language), channel = COALESCE(?2, channel) WHERE id = ?3",
	[FAM_ASSIGN] = "UPDATE families SET assistant_id = ?, "
	    "substitute_id = ? WHERE id = ?",
	[FAM_DELETE] = "DELETE FROM families WHERE id = ?",
	[FAM_BRIEF] = "SELECT id, code, language, channel, assistant_id, "
	    "substitute_id FROM families WHERE id = ?",
	/* An erased family is nobody's case any more. */
	[FAM_ASSISTED] = "SELECT COUNT(*) FROM families WHERE "
	    "assistant_id = ? AND erased_at IS NULL AND " PEOPLE_VISIBLE,
	[FAM_OF_STAFF] = "SELECT id, code, language, channel, assistant_id, "
	    "substitute_id FROM families WHERE " PEOPLE_VISIBLE " AND "
	    "erased_at IS NULL AND (?2 OR assistant_id = ?1 OR "
	    "substitute_id = ?1) ORDER BY code",
	[FAM_NAME_GET] = "SELECT name FROM families WHERE id = ?",
	/* An import's families (people_import_*): out of sight till done. */
	[FAM_PENDING] = "UPDATE families SET import_id = ?2 WHERE id = ?1",
	[FAM_IMPORT_NEW] = "INSERT INTO import_pending DEFAULT VALUES",
	[FAM_PUBLISH] = "DELETE FROM import_pending WHERE id = ?",
	/* Members and enrolments go with them (ON DELETE CASCADE). */
	[FAM_DISCARD] = "DELETE FROM families WHERE import_id IN "
	    "(SELECT id FROM import_pending WHERE ?1 = 0 OR id = ?1)",
	[FAM_IMPORT_END] = "DELETE FROM import_pending WHERE ?1 = 0 OR "
	    "id = ?1",
	[FAM_ERASE] = "UPDATE families SET name = NULL, notes = NULL, "
	    "erased_at = ?2 WHERE id = ?1 AND erased_at IS NULL",
	[FAM_ERASED] = "SELECT COALESCE(erased_at, 0) FROM families "
	    "WHERE id = ?",
	[FAM_CLOSE] = "UPDATE families SET closed_at = ?2 WHERE id = ?1",
	[FAM_STATES] = "SELECT COUNT(*) FILTER (WHERE closed_at IS NULL AND "
	    "erased_at IS NULL), COUNT(*) FILTER (WHERE closed_at IS NOT NULL "
	    "AND erased_at IS NULL), COUNT(*) FILTER (WHERE erased_at IS NOT "
	    "NULL) FROM families WHERE " PEOPLE_VISIBLE,
	[FAM_CLOSED_BEFORE] = "SELECT id FROM families WHERE closed_at < ?1 "
	    "AND erased_at IS NULL ORDER BY id LIMIT ?2",
};

void
people_family_clear(struct family *f)
{
	crypto_free_plain(f->name);
	crypto_free_plain(f->notes);
	memset(f, 0, sizeof *f);
}

PEOPLE_LIST_FREE(people_family_list_free, struct family, people_family_clear)

static void
people_family_clear_v(void *e)
{
	people_family_clear(e);
}

int
people_family_exists(struct people *p, int64_t id)
{
	return people_exists(p->fam[FAM_EXISTS], id);
}

int
people_family_count_assisted(struct people *p, int64_t staff_id, int64_t *n)
{
	*n = 0;
	sqlite3_bind_int64(p->fam[FAM_ASSISTED], 1, staff_id);
	return people_step_id(p->fam[FAM_ASSISTED], "family_assisted", n);
}

static int
people_family_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct family	*out = elem;

	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	store_col_copy(s, 1, out->code, sizeof out->code);
	store_col_copy(s, 3, out->language, sizeof out->language);
	store_col_copy(s, 4, out->channel, sizeof out->channel);
	out->assistant_id = sqlite3_column_int64(s, 5);
	out->substitute_id = sqlite3_column_int64(s, 6);
	out->created_at = sqlite3_column_int64(s, 8);
	out->closed_at = sqlite3_column_int64(s, 9);
	out->erased_at = sqlite3_column_int64(s, 10);
	if (seal_open(p->keys, s, 2, "families", "name", out->id,
	    &out->name, NULL) == -1)
		return -1;
	return seal_open(p->keys, s, 7, "families", "notes", out->id,
	    &out->notes, NULL);
}

/* A row of the list, skipped when not in the filter's programme. */
static int
people_family_row_in(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	const struct family_filter	*f = arg;
	int				 rc;

	if (f->programme_id != 0) {
		rc = people_enrolled_now(p, sqlite3_column_int64(s, 0),
		    f->programme_id);
		if (rc == PEOPLE_NOT_FOUND)
			return PEOPLE_ROW_SKIP;
		if (rc != PEOPLE_OK)
			return -1;
	}
	return people_family_row(p, s, elem, NULL);
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

	if (a != 0 && (rc = people_staff_exists(p, a)) != PEOPLE_OK)
		return rc;
	if (b != 0 && (rc = people_staff_exists(p, b)) != PEOPLE_OK)
		return rc;
	return PEOPLE_OK;
}

int
people_family_create(struct people *p, const struct family_new *nf,
    int64_t *family_id, int64_t *member_id)
{
	sqlite3_stmt	*s = p->fam[FAM_INSERT];
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
	if ((rc = people_set_sealed(p, p->fam[FAM_NAME], *family_id,
	    "families", "name", *family_id, nf->name)) != PEOPLE_OK)
		return rc;
	if (nf->notes != NULL && (rc = people_set_sealed(p,
	    p->fam[FAM_NOTES], *family_id, "families", "notes", *family_id,
	    nf->notes)) != PEOPLE_OK)
		return rc;
	if ((rc = people_member_create(p, *family_id, nf->contact_name,
	    nf->contact_phone, 1, member_id)) != PEOPLE_OK)
		return rc;
	if (nf->import_id == 0)
		return PEOPLE_OK;
	sqlite3_bind_int64(p->fam[FAM_PENDING], 1, *family_id);
	sqlite3_bind_int64(p->fam[FAM_PENDING], 2, nf->import_id);
	if ((rc = people_step(p->fam[FAM_PENDING], "family_pending")) !=
	    PEOPLE_OK)
		return rc;
	return people_member_set_pending(p, *family_id, nf->import_id);
}

int
people_import_new(struct people *p, int64_t *import_id)
{
	int	 rc;

	if ((rc = people_step(p->fam[FAM_IMPORT_NEW], "import_new")) !=
	    PEOPLE_OK)
		return rc;
	*import_id = people_last_id(p);
	return PEOPLE_OK;
}

/* One row deleted: as quick for 30,000 families as for one. */
int
people_import_publish(struct people *p, int64_t import_id)
{
	sqlite3_bind_int64(p->fam[FAM_PUBLISH], 1, import_id);
	return people_step(p->fam[FAM_PUBLISH], "import_publish");
}

int
people_import_discard(struct people *p, int64_t import_id, int64_t *n)
{
	int	 rc;

	*n = 0;
	sqlite3_bind_int64(p->fam[FAM_DISCARD], 1, import_id);
	if ((rc = people_step(p->fam[FAM_DISCARD], "import_discard")) !=
	    PEOPLE_OK)
		return rc;
	*n = sqlite3_changes(store_db(p->st));
	sqlite3_bind_int64(p->fam[FAM_IMPORT_END], 1, import_id);
	return people_step(p->fam[FAM_IMPORT_END], "import_end");
}

int
people_family_resolve(struct people *p, const char *ref, int64_t *id)
{
	char		*end;
	long long	 v;

	if (strncmp(ref, "R-", 2) == 0) {
		sqlite3_bind_text(p->fam[FAM_BY_CODE], 1, ref, -1,
		    SQLITE_TRANSIENT);
		return people_step_id(p->fam[FAM_BY_CODE], "family_code", id);
	}
	v = strtoll(ref, &end, 10);
	if (*ref == '\0' || *end != '\0' || v <= 0)
		return PEOPLE_NOT_FOUND;
	*id = v;
	return people_exists(p->fam[FAM_VISIBLE], v);
}

int
people_family_get(struct people *p, int64_t id, struct family *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->fam[FAM_GET], 1, id);
	return people_fetch_one(p, p->fam[FAM_GET], people_family_row, out,
	    NULL);
}

int
people_family_list(struct people *p, const struct family_filter *f,
    struct family **out, size_t *n)
{
	sqlite3_stmt	*s = p->fam[FAM_LIST];

	sqlite3_bind_int64(s, 1, f->assistant_id);
	people_bind_text(s, 2, f->language);
	people_bind_text(s, 3, f->channel);
	return people_collect(p, s, sizeof **out, people_family_row_in,
	    people_family_clear_v, f, (void **)out, n);
}

int
people_family_update(struct people *p, int64_t id, const char *name,
    const char *language, const char *channel, const char *notes)
{
	sqlite3_stmt	*s = p->fam[FAM_UPDATE];
	int64_t		 erased;
	int		 rc;

	if ((rc = people_family_erased(p, id, &erased)) != PEOPLE_OK)
		return rc;
	if (erased != 0)
		return PEOPLE_CONFLICT;
	people_bind_text(s, 1, language);
	people_bind_text(s, 2, channel);
	sqlite3_bind_int64(s, 3, id);
	if ((rc = people_step(s, "family_update")) != PEOPLE_OK)
		return rc;
	if (name != NULL && (rc = people_set_sealed(p, p->fam[FAM_NAME],
	    id, "families", "name", id, name)) != PEOPLE_OK)
		return rc;
	if (notes == NULL)
		return PEOPLE_OK;
	return people_set_sealed(p, p->fam[FAM_NOTES], id, "families",
	    "notes", id, *notes != '\0' ? notes : NULL);
}

int
people_family_assign(struct people *p, int64_t id, int64_t assistant_id,
    int64_t substitute_id)
{
	sqlite3_stmt	*s = p->fam[FAM_ASSIGN];
	int		 rc;

	if ((rc = people_family_exists(p, id)) != PEOPLE_OK ||
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

	if ((rc = people_family_exists(p, id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->fam[FAM_DELETE], 1, id);
	return people_step(p->fam[FAM_DELETE], "family_delete");
}

static int
people_family_brief_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct family_brief	*out = elem;

	(void)p;
	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	store_col_copy(s, 1, out->code, sizeof out->code);
	store_col_copy(s, 2, out->language, sizeof out->language);
	store_col_copy(s, 3, out->channel, sizeof out->channel);
	out->assistant_id = sqlite3_column_int64(s, 4);
	out->substitute_id = sqlite3_column_int64(s, 5);
	return 0;
}

int
people_family_brief(struct people *p, int64_t id, struct family_brief *out)
{
	struct people_memo_brief *m = &p->memo.brief[people_memo_slot(id)];
	uint64_t		 epoch;
	int			 rc;

	if (people_memo_hit(p, &m->key, id, &epoch)) {
		*out = m->v;
		return m->key.rc;
	}
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->fam[FAM_BRIEF], 1, id);
	rc = people_fetch_one(p, p->fam[FAM_BRIEF], people_family_brief_row,
	    out, NULL);
	if (people_memo_keep(&m->key, epoch, id, rc))
		m->v = *out;
	return rc;
}

/* Nothing to free in a brief. */
static void
people_family_brief_clear(void *e)
{
	memset(e, 0, sizeof(struct family_brief));
}

int
people_family_brief_list(struct people *p, int64_t staff_id, int all,
    struct family_brief **out, size_t *n)
{
	sqlite3_stmt	*s = p->fam[FAM_OF_STAFF];

	sqlite3_bind_int64(s, 1, staff_id);
	sqlite3_bind_int(s, 2, all ? 1 : 0);
	return people_collect(p, s, sizeof **out, people_family_brief_row,
	    people_family_brief_clear, NULL, (void **)out, n);
}

int
people_family_name(struct people *p, int64_t id, char **name)
{
	return people_open_one(p, p->fam[FAM_NAME_GET], "families", "name",
	    id, name);
}

/* ---- erasing and closing --------------------------------------------- */

int
people_family_erased(struct people *p, int64_t id, int64_t *at)
{
	*at = 0;
	sqlite3_bind_int64(p->fam[FAM_ERASED], 1, id);
	return people_step_id(p->fam[FAM_ERASED], "family_erased", at);
}

int
people_family_erase(struct people *p, int64_t id, int64_t at)
{
	int64_t	 erased;
	int	 rc;

	if ((rc = people_family_erased(p, id, &erased)) != PEOPLE_OK)
		return rc;
	if (erased != 0)
		return PEOPLE_CONFLICT;
	/* Invitations first: they are found through the members. */
	if ((rc = people_invite_erase(p, id)) != PEOPLE_OK ||
	    (rc = people_member_erase(p, id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->fam[FAM_ERASE], 1, id);
	sqlite3_bind_int64(p->fam[FAM_ERASE], 2, at);
	return people_step(p->fam[FAM_ERASE], "family_erase");
}

int
people_family_close(struct people *p, int64_t id, int64_t at)
{
	int	 rc;

	if ((rc = people_family_exists(p, id)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->fam[FAM_CLOSE], 1, id);
	people_bind_opt_id(p->fam[FAM_CLOSE], 2, at);
	return people_step(p->fam[FAM_CLOSE], "family_close");
}

int
people_family_states(struct people *p, int64_t *open, int64_t *closed,
    int64_t *erased)
{
	sqlite3_stmt	*s = p->fam[FAM_STATES];
	int		 rc;

	*open = *closed = *erased = 0;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*open = sqlite3_column_int64(s, 0);
		*closed = sqlite3_column_int64(s, 1);
		*erased = sqlite3_column_int64(s, 2);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? PEOPLE_OK : PEOPLE_ERR;
}

int
people_family_closed_before(struct people *p, int64_t before, int max,
    int64_t **out, size_t *n)
{
	sqlite3_bind_int64(p->fam[FAM_CLOSED_BEFORE], 1, before);
	sqlite3_bind_int(p->fam[FAM_CLOSED_BEFORE], 2, max);
	return people_collect_ids(p->fam[FAM_CLOSED_BEFORE], "family_closed",
	    out, n);
}

/* ---- who answers a family -------------------------------------------- */

void
people_helpers_clear(struct people_helpers *h)
{
	crypto_free_plain(h->assistant_first);
	crypto_free_plain(h->substitute_first);
	memset(h, 0, sizeof *h);
}

/* One helper; a staff member who is not there reads as none. */
static int
people_family_helper(struct people *p, int64_t staff_id, int64_t *id,
    int *active, char **first)
{
	int	 rc;

	*id = 0;
	if (staff_id == 0)
		return PEOPLE_OK;
	rc = people_staff_first(p, staff_id, active, first);
	if (rc == PEOPLE_NOT_FOUND)
		return PEOPLE_OK;
	if (rc == PEOPLE_OK)
		*id = staff_id;
	return rc;
}

int
people_family_helpers(struct people *p, int64_t family_id,
    struct people_helpers *out)
{
	struct family_brief	 f;
	int			 rc;

	memset(out, 0, sizeof *out);
	if ((rc = people_family_brief(p, family_id, &f)) != PEOPLE_OK)
		return rc;
	if ((rc = people_family_helper(p, f.assistant_id, &out->assistant_id,
	    &out->assistant_active, &out->assistant_first)) != PEOPLE_OK ||
	    (rc = people_family_helper(p, f.substitute_id,
	    &out->substitute_id, &out->substitute_active,
	    &out->substitute_first)) != PEOPLE_OK)
		people_helpers_clear(out);
	return rc;
}

/* ---- who sees a family through the admin API -------------------------- */

/*
 * Their own, the ones they stand in for and, for a coordinator, those
 * enrolled now in a programme of theirs: each table's owner answers its
 * part.
 */
int
people_family_visible(struct people *p, int64_t family_id, int64_t staff_id,
    int by_programme, int *yes)
{
	struct family_brief	 f;
	int64_t			*prog = NULL;
	size_t			 n = 0;
	int			 rc;

	*yes = 0;
	rc = people_family_brief(p, family_id, &f);
	if (rc == PEOPLE_NOT_FOUND)
		return PEOPLE_OK;
	if (rc != PEOPLE_OK)
		return rc;
	if (f.assistant_id == staff_id || f.substitute_id == staff_id) {
		*yes = 1;
		return PEOPLE_OK;
	}
	if (!by_programme)
		return PEOPLE_OK;
	if ((rc = people_staff_programme_ids(p, staff_id, &prog, &n)) !=
	    PEOPLE_OK)
		goto out;
	rc = people_enrolled_now_any(p, family_id, prog, n);
	if (rc == PEOPLE_OK)
		*yes = 1;
	else if (rc == PEOPLE_NOT_FOUND)
		rc = PEOPLE_OK;
out:
	free(prog);
	return rc;
}

/* ---- reports (admin_reports.c) ---------------------------------------- */

int
people_report_families(struct people *p, const char *ids, store_row_fn fn,
    void *arg)
{
	/* Ids and the two plain columns only: erased families count too. */
	static const char sql[] = "SELECT id, CASE language "
	    "WHEN 'pl' THEN 0 WHEN 'uk' THEN 1 WHEN 'ru' THEN 2 "
	    "WHEN 'en' THEN 3 ELSE 4 END, "
	    "CASE channel WHEN 'telegram' THEN 0 ELSE 1 END "
	    "FROM families WHERE id IN (SELECT value FROM json_each(?1))";

	return store_each_row(p->st, sql, ids, 0, 0, "families_report", fn,
	    arg) == 0 ? PEOPLE_OK : PEOPLE_ERR;
}

/* ---- at start, before the register is open (reseal.c) ---------------- */

int
people_family_keys_check(struct store *st, struct keystore *ks, int *sealed,
    int *opens)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 fam;
	int		 rc = SQLITE_DONE;

	*sealed = *opens = 0;
	/* Rare: prepared when asked. The newest families first. */
	if (store_prepare(st, "SELECT name FROM families WHERE name IS NOT "
	    "NULL ORDER BY id DESC", &s) == -1)
		return PEOPLE_ERR;
	while (!*opens && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		fam = seal_blob_family(sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0));
		if (fam == 0)
			continue;
		*sealed = 1;
		*opens = keystore_family(ks, fam, 0) != NULL;
	}
	sqlite3_finalize(s);
	return *opens || rc == SQLITE_DONE ? PEOPLE_OK : PEOPLE_ERR;
}
