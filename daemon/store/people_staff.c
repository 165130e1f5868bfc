/*
 * The register's staff: staff members, their Telegram accounts, the
 * logins they are tied to (staff.unix_uid) and the programmes a
 * coordinator looks after (staff_programmes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "people.h"
#include "people_priv.h"
#include "seal.h"

#define STAFF_COLS \
	"SELECT id, name, kind, languages, active, tg_idx IS NOT NULL, " \
	"created_at FROM staff "

const char *const people_staff_sql[STAFF_NSQL] = {
	[STAFF_INSERT] = "INSERT INTO staff (kind, languages, active, "
	    "created_at) VALUES (?, ?, ?, ?)",
	[STAFF_NAME] = "UPDATE staff SET name = ? WHERE id = ?",
	[STAFF_GET] = STAFF_COLS "WHERE id = ?",
	[STAFF_LIST] = STAFF_COLS "ORDER BY id",
	[STAFF_UPDATE] = "UPDATE staff SET kind = COALESCE(?1, kind), "
	    "languages = COALESCE(?2, languages), active = CASE WHEN ?3 < 0 "
	    "THEN active ELSE ?3 END WHERE id = ?4",
	[STAFF_LINK] = "UPDATE staff SET tg_user_id = ?, tg_chat_id = ?, "
	    "tg_idx = ? WHERE id = ?",
	[STAFF_UNLINK] = "UPDATE staff SET tg_user_id = NULL, "
	    "tg_chat_id = NULL, tg_idx = NULL WHERE tg_idx = ?",
	[STAFF_BY_TG] = "SELECT id, active, languages FROM staff "
	    "WHERE tg_idx = ?",
	[STAFF_EXISTS] = "SELECT 1 FROM staff WHERE id = ?",
	[STAFF_NAME_GET] = "SELECT name, active FROM staff WHERE id = ?",
	[STAFF_REACH] = "SELECT id, kind, active, tg_chat_id, languages "
	    "FROM staff WHERE id = ?",
	[STAFF_REACH_KIND] = "SELECT id, kind, active, tg_chat_id, "
	    "languages FROM staff WHERE kind = ? AND active = 1 AND "
	    "tg_idx IS NOT NULL ORDER BY id LIMIT ?",
	[STAFF_CURRENT] = "SELECT current_family FROM staff WHERE id = ?",
	[STAFF_SET_CURRENT] = "UPDATE staff SET current_family = ?2 "
	    "WHERE id = ?1",
	[STAFF_SET_UID] = "UPDATE staff SET unix_uid = ?2 WHERE id = ?1",
	[STAFF_BY_UID] = "SELECT id, kind, active FROM staff "
	    "WHERE unix_uid = ?",
	[STAFF_UID_GET] = "SELECT unix_uid FROM staff WHERE id = ? "
	    "AND unix_uid IS NOT NULL",
	[STAFF_ADMINS] = "SELECT count(*) FROM staff WHERE kind = "
	    "'administrator' AND active = 1 AND id <> ?",
	[STAFF_PROG_CLEAR] = "DELETE FROM staff_programmes "
	    "WHERE staff_id = ?",
	[STAFF_PROG_ADD] = "INSERT INTO staff_programmes (staff_id, "
	    "programme_id) VALUES (?, ?)",
	[STAFF_PROG_LIST] = "SELECT programme_id FROM staff_programmes "
	    "WHERE staff_id = ? ORDER BY programme_id",
};

void
people_staff_clear(struct staff *s)
{
	crypto_free_plain(s->name);
	memset(s, 0, sizeof *s);
}

PEOPLE_LIST_FREE(people_staff_list_free, struct staff, people_staff_clear)

static void
people_staff_clear_v(void *e)
{
	people_staff_clear(e);
}

int
people_staff_exists(struct people *p, int64_t id)
{
	return people_exists(p->staff[STAFF_EXISTS], id);
}

static int
people_staff_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct staff	*out = elem;

	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	store_col_copy(s, 2, out->kind, sizeof out->kind);
	store_col_copy(s, 3, out->languages, sizeof out->languages);
	out->active = sqlite3_column_int(s, 4);
	out->telegram_linked = sqlite3_column_int(s, 5);
	out->created_at = sqlite3_column_int64(s, 6);
	/* Families are counted by their own file. */
	if (people_family_count_assisted(p, out->id, &out->families) !=
	    PEOPLE_OK)
		return -1;
	return seal_open(p->keys, s, 1, "staff", "name", out->id, &out->name,
	    NULL);
}

int
people_staff_create(struct people *p, const char *name, const char *kind,
    const char *languages, int active, int64_t *id)
{
	sqlite3_stmt	*s = p->staff[STAFF_INSERT];
	int		 rc;

	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, languages, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 3, active ? 1 : 0);
	sqlite3_bind_int64(s, 4, people_now());
	if ((rc = people_step(s, "staff_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	return people_set_sealed(p, p->staff[STAFF_NAME], 0, "staff", "name",
	    *id, name);
}

int
people_staff_get(struct people *p, int64_t id, struct staff *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->staff[STAFF_GET], 1, id);
	return people_fetch_one(p, p->staff[STAFF_GET], people_staff_row, out,
	    NULL);
}

int
people_staff_list(struct people *p, struct staff **out, size_t *n)
{
	return people_collect(p, p->staff[STAFF_LIST], sizeof **out,
	    people_staff_row, people_staff_clear_v, NULL, (void **)out, n);
}

int
people_staff_update(struct people *p, int64_t id, const char *name,
    const char *kind, const char *languages, int active)
{
	sqlite3_stmt	*s = p->staff[STAFF_UPDATE];
	int		 rc;

	if ((rc = people_staff_exists(p, id)) != PEOPLE_OK)
		return rc;
	people_bind_text(s, 1, kind);
	people_bind_text(s, 2, languages);
	sqlite3_bind_int(s, 3, active);
	sqlite3_bind_int64(s, 4, id);
	if ((rc = people_step(s, "staff_update")) != PEOPLE_OK)
		return rc;
	if (name == NULL)
		return PEOPLE_OK;
	return people_set_sealed(p, p->staff[STAFF_NAME], 0, "staff", "name",
	    id, name);
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
		return people_staff_exists(p, v);
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

/* The first word of a sealed staff name; families see no more. */
int
people_staff_first(struct people *p, int64_t id, int *active, char **first)
{
	sqlite3_stmt	*s = p->staff[STAFF_NAME_GET];
	int		 rc;

	*first = NULL;
	*active = 0;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*active = sqlite3_column_int(s, 1);
		if (seal_open(p->keys, s, 0, "staff", "name", id, first,
		    NULL) == -1)
			rc = SQLITE_ERROR;
		else if (*first != NULL)
			(*first)[strcspn(*first, " \t")] = '\0';
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	return rc == SQLITE_DONE ? PEOPLE_NOT_FOUND : PEOPLE_ERR;
}

int
people_staff_name(struct people *p, int64_t id, char **name)
{
	return people_open_one(p, p->staff[STAFF_NAME_GET], "staff", "name",
	    id, name);
}

/* ---- conversations --------------------------------------------------- */

static int
people_staff_reach_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct staff_reach	*out = elem;

	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	store_col_copy(s, 1, out->kind, sizeof out->kind);
	out->active = sqlite3_column_int(s, 2);
	store_col_copy(s, 4, out->languages, sizeof out->languages);
	return seal_open_int(p->keys, s, 3, "staff", "tg_chat_id", out->id,
	    &out->chat_id);
}

int
people_staff_reach(struct people *p, int64_t id, struct staff_reach *out)
{
	struct people_memo_reach *m = &p->memo.reach[people_memo_slot(id)];
	uint64_t		 epoch;
	int			 rc;

	if (people_memo_hit(p, &m->key, id, &epoch)) {
		*out = m->v;
		return m->key.rc;
	}
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->staff[STAFF_REACH], 1, id);
	rc = people_fetch_one(p, p->staff[STAFF_REACH],
	    people_staff_reach_row, out, NULL);
	if (people_memo_keep(&m->key, epoch, id, rc))
		m->v = *out;
	return rc;
}

int
people_staff_reach_kind(struct people *p, const char *kind,
    struct staff_reach *out, size_t max, size_t *n)
{
	sqlite3_stmt	*s = p->staff[STAFF_REACH_KIND];
	int		 rc = SQLITE_DONE, ret = PEOPLE_OK;

	*n = 0;
	sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&out[*n], 0, sizeof out[*n]);
		if (people_staff_reach_row(p, s, &out[*n], NULL) == -1)
			ret = PEOPLE_ERR;	/* told; the others still go */
		else
			(*n)++;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=staff_reach_kind error=\"%s\"",
		    sqlite3_errstr(rc));
		return PEOPLE_ERR;
	}
	return ret;
}

int
people_staff_current(struct people *p, int64_t id, int64_t *family_id)
{
	*family_id = 0;
	sqlite3_bind_int64(p->staff[STAFF_CURRENT], 1, id);
	return people_step_id(p->staff[STAFF_CURRENT], "staff_current",
	    family_id);
}

int
people_staff_set_current(struct people *p, int64_t id, int64_t family_id)
{
	sqlite3_stmt	*s = p->staff[STAFF_SET_CURRENT];

	sqlite3_bind_int64(s, 1, id);
	people_bind_opt_id(s, 2, family_id);
	return people_step(s, "staff_set_current");
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

int
people_staff_by_tg(struct people *p, const unsigned char *idx,
    struct people_tg *out)
{
	sqlite3_stmt	*s = p->staff[STAFF_BY_TG];
	char		 langs[VALIDATE_LANGS_MAX];
	int		 rc;

	sqlite3_bind_blob(s, 1, idx, CRYPTO_INDEX_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->who = PEOPLE_STAFF;
		out->staff_id = sqlite3_column_int64(s, 0);
		out->active = sqlite3_column_int(s, 1);
		store_col_copy(s, 2, langs, sizeof langs);
		people_first_lang(langs, out->language);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
people_link_staff(struct people *p, int64_t staff_id, int64_t user_id,
    int64_t chat_id)
{
	return people_link(p, p->staff[STAFF_UNLINK], p->staff[STAFF_LINK], 0,
	    "staff", staff_id, user_id, chat_id);
}

/* ---- logins and programmes: who may see what -------------------------- */

int
people_staff_set_uid(struct people *p, int64_t id, int64_t uid)
{
	sqlite3_stmt	*s = p->staff[STAFF_SET_UID];
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
	sqlite3_stmt	*s = p->staff[STAFF_BY_UID];
	int		 rc;

	*id = 0;
	*active = 0;
	kind[0] = '\0';
	sqlite3_bind_int64(s, 1, uid);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		store_col_copy(s, 1, kind, PEOPLE_KIND_MAX);
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
	sqlite3_bind_int64(p->staff[STAFF_UID_GET], 1, id);
	rc = people_step_id(p->staff[STAFF_UID_GET], "staff_uid", uid);
	return rc == PEOPLE_NOT_FOUND ? PEOPLE_OK : rc;
}

int
people_staff_admins(struct people *p, int64_t except, int64_t *n)
{
	*n = 0;
	sqlite3_bind_int64(p->staff[STAFF_ADMINS], 1, except);
	return people_step_id(p->staff[STAFF_ADMINS], "staff_admins", n);
}

int
people_staff_set_programmes(struct people *p, int64_t id,
    const int64_t *prog, size_t n)
{
	sqlite3_stmt	*s = p->staff[STAFF_PROG_ADD];
	size_t		 i;
	int		 rc;

	sqlite3_bind_int64(p->staff[STAFF_PROG_CLEAR], 1, id);
	if ((rc = people_step(p->staff[STAFF_PROG_CLEAR],
	    "staff_prog_clear")) != PEOPLE_OK)
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
	sqlite3_stmt	*s = p->staff[STAFF_PROG_LIST];
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
people_staff_programme_ids(struct people *p, int64_t id, int64_t **ids,
    size_t *n)
{
	sqlite3_bind_int64(p->staff[STAFF_PROG_LIST], 1, id);
	return people_collect_ids(p->staff[STAFF_PROG_LIST], "staff_programmes",
	    ids, n);
}
