/*
 * The register of the centre's people: opening and closing it, and the
 * helpers its files share. The SQL of each table is in that table's file
 * (people_priv.h lists them); personal fields are sealed through seal.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "people.h"
#include "people_priv.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

/* Every file's statements, prepared together. */
static int
people_prepare(struct people *p, const char *const *sql, sqlite3_stmt **s,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (store_prepare(p->st, sql[i], &s[i]) == -1)
			return -1;
	return 0;
}

static void
people_finalize(sqlite3_stmt **s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		sqlite3_finalize(s[i]);
}

static void	people_memo_wipe(struct people *);

struct people *
people_new(struct store *st, const struct keys *k)
{
	struct people	*p;

	p = xcalloc(1, sizeof *p);
	p->st = st;
	p->keys = k;
	p->memo.epoch = 1;
	if (people_prepare(p, people_staff_sql, p->staff, STAFF_NSQL) == -1 ||
	    people_prepare(p, people_family_sql, p->fam, FAM_NSQL) == -1 ||
	    people_prepare(p, people_member_sql, p->mem, MEM_NSQL) == -1 ||
	    people_prepare(p, people_programme_sql, p->prog, PROG_NSQL) ==
	    -1 ||
	    people_prepare(p, people_invite_sql, p->inv, INV_NSQL) == -1 ||
	    people_prepare(p, people_audit_sql, p->audit, AUDIT_NSQL) == -1) {
		people_free(p);
		return NULL;
	}
	return p;
}

void
people_free(struct people *p)
{
	if (p == NULL)
		return;
	people_finalize(p->staff, STAFF_NSQL);
	people_finalize(p->fam, FAM_NSQL);
	people_finalize(p->mem, MEM_NSQL);
	people_finalize(p->prog, PROG_NSQL);
	people_finalize(p->inv, INV_NSQL);
	people_finalize(p->audit, AUDIT_NSQL);
	people_memo_wipe(p);
	free(p);
}

/* ---- memos ----------------------------------------------------------- */

static void
people_memo_wipe(struct people *p)
{
	size_t	 i;

	for (i = 0; i < PEOPLE_MEMO_SLOTS; i++) {
		crypto_free_plain(p->memo.name[i].name);
		p->memo.name[i].name = NULL;
		p->memo.name[i].key.epoch = 0;
	}
}

uint64_t
people_memo_epoch(struct people *p)
{
	uint64_t		 gen = store_people_gen(p->st);
	const struct keys	*previous = seal_previous();

	if (gen != p->memo.gen || p->keys != p->memo.keys ||
	    previous != p->memo.previous) {
		p->memo.gen = gen;
		p->memo.keys = p->keys;
		p->memo.previous = previous;
		p->memo.epoch++;
		people_memo_wipe(p);
	}
	return p->memo.epoch;
}

size_t
people_memo_slot(int64_t id)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 56) %
	    PEOPLE_MEMO_SLOTS;
}

int
people_memo_hit(struct people *p, const struct people_memo_key *k,
    int64_t id, uint64_t *epoch)
{
	*epoch = people_memo_epoch(p);
	return k->epoch == *epoch && k->id == id;
}

int
people_memo_keep(struct people_memo_key *k, uint64_t epoch, int64_t id,
    int rc)
{
	if (rc != PEOPLE_OK && rc != PEOPLE_NOT_FOUND)
		return 0;
	k->epoch = epoch;
	k->id = id;
	k->rc = rc;
	return 1;
}

int64_t
people_now(void)
{
	return store_now_ms() / 1000;
}

int
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

int
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

int
people_exists(sqlite3_stmt *s, int64_t id)
{
	int64_t	 one;

	sqlite3_bind_int64(s, 1, id);
	return people_step_id(s, "exists", &one);
}

int64_t
people_last_id(struct people *p)
{
	return sqlite3_last_insert_rowid(store_db(p->st));
}

void
people_bind_opt_id(sqlite3_stmt *s, int idx, int64_t id)
{
	if (id != 0)
		sqlite3_bind_int64(s, idx, id);
	else
		sqlite3_bind_null(s, idx);
}

void
people_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (v != NULL)
		sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, idx);
}

int
people_bind_ids(sqlite3_stmt *s, int idx, const int64_t *ids, size_t n)
{
	char	*json;
	size_t	 size, len = 0, i;
	int	 rc;

	/* "[" and "]", and each id with its comma: at most 21 bytes. */
	size = 3 + n * 21;
	json = xmalloc(size);
	json[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(json + len, size - len, "%s%" PRId64,
		    i > 0 ? "," : "", ids[i]);
	json[len++] = ']';
	json[len] = '\0';
	/* SQLite frees json, even when the bind fails. */
	rc = sqlite3_bind_text(s, idx, json, (int)len, free);
	if (rc != SQLITE_OK) {
		log_err("event=store.error what=bind_ids error=\"%s\"",
		    sqlite3_errstr(rc));
		return PEOPLE_ERR;
	}
	return PEOPLE_OK;
}

int
people_collect_ids(sqlite3_stmt *s, const char *what, int64_t **ids,
    size_t *n)
{
	size_t	 cap = 0;
	int	 rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			*ids = xreallocarray(*ids, cap, sizeof **ids);
		}
		(*ids)[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return PEOPLE_OK;
	log_err("event=store.error what=%s error=\"%s\"", what,
	    sqlite3_errstr(rc));
	free(*ids);
	*ids = NULL;
	*n = 0;
	return PEOPLE_ERR;
}

int
people_set_sealed(struct people *p, sqlite3_stmt *s, int64_t family,
    const char *table, const char *column, int64_t row, const char *value)
{
	if (seal_bind_str_fam(p->keys, family, s, 1, table, column, row,
	    value) == -1) {
		sqlite3_clear_bindings(s);
		return PEOPLE_ERR;
	}
	sqlite3_bind_int64(s, 2, row);
	return people_step(s, column);
}

char *
people_col_dup(sqlite3_stmt *s, int col)
{
	const unsigned char	*v = sqlite3_column_text(s, col);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

int
people_fetch_one(struct people *p, sqlite3_stmt *s, people_row_fn fn,
    void *elem, const void *arg)
{
	int	 rc, ret;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		switch (fn(p, s, elem, arg)) {
		case 0:
			ret = PEOPLE_OK;
			break;
		case PEOPLE_ROW_SKIP:
			ret = PEOPLE_NOT_FOUND;
			break;
		default:
			ret = PEOPLE_ERR;
			break;
		}
	} else if (rc == SQLITE_DONE)
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

int
people_collect(struct people *p, sqlite3_stmt *s, size_t size,
    people_row_fn fn, people_clear_fn clear, const void *arg, void **out,
    size_t *n)
{
	unsigned char	*a = NULL;
	size_t		 cnt = 0, cap = 0, i;
	int		 rc, ret = PEOPLE_ERR, got;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			a = xreallocarray(a, cap, size);
		}
		memset(a + cnt * size, 0, size);
		if ((got = fn(p, s, a + cnt * size, arg)) == -1) {
			clear(a + cnt * size);
			goto out;
		}
		if (got != PEOPLE_ROW_SKIP)
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

int
people_open_one(struct people *p, sqlite3_stmt *s, const char *table,
    const char *column, int64_t id, char **plain)
{
	int	 rc;

	*plain = NULL;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && seal_open(p->keys, s, 0, table, column, id,
	    plain, NULL) == -1)
		rc = SQLITE_ERROR;	/* told by seal_open() */
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		log_err("event=store.error what=%s_%s error=\"%s\"", table,
		    column, sqlite3_errstr(rc));
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_ROW)
		return PEOPLE_OK;
	return rc == SQLITE_DONE ? PEOPLE_NOT_FOUND : PEOPLE_ERR;
}

_Static_assert(CRYPTO_INDEX_LEN == 16, "people.h spells the index length");

void
people_index_tg(const struct keys *k, int64_t user_id,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	char	 buf[24];
	int	 n;

	n = snprintf(buf, sizeof buf, "%" PRId64, user_id);
	crypto_blind_index(k, "tg_user", buf, (size_t)n, idx);
}

void
people_index_phone(const struct keys *k, const char *phone,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	crypto_blind_index(k, "phone", phone, strlen(phone), idx);
}

void
people_tg_index(struct people *p, int64_t user_id,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	people_index_tg(p->keys, user_id, idx);
}

void
people_phone_index(struct people *p, const char *phone,
    unsigned char idx[CRYPTO_INDEX_LEN])
{
	people_index_phone(p->keys, phone, idx);
}

/* ---- Telegram accounts ----------------------------------------------- */

/* Staff first: an assistant who is also a member acts as staff. */
static int
people_find_tg_idx(struct people *p, const unsigned char *idx,
    struct people_tg *out)
{
	if (people_staff_by_tg(p, idx, out) == -1)
		return -1;
	if (out->who == PEOPLE_STAFF && out->active)
		return 0;
	memset(out, 0, sizeof *out);
	out->who = PEOPLE_NOBODY;
	return people_member_by_tg(p, idx, out) == -1 ? -1 : 0;
}

int
people_find_tg(struct people *p, int64_t user_id, struct people_tg *out)
{
	struct people_memo_tg	*m = &p->memo.tg[people_memo_slot(user_id)];
	uint64_t		 epoch;
	unsigned char		 idx[CRYPTO_INDEX_LEN];

	if (people_memo_hit(p, &m->key, user_id, &epoch)) {
		*out = m->v;
		return PEOPLE_OK;
	}
	memset(out, 0, sizeof *out);
	out->who = PEOPLE_NOBODY;
	people_tg_index(p, user_id, idx);
	if (people_find_tg_idx(p, idx, out) == -1)
		return PEOPLE_ERR;
	/* While the key is rotated, an index not rebuilt yet is the old. */
	if (out->who == PEOPLE_NOBODY && seal_previous() != NULL) {
		people_index_tg(seal_previous(), user_id, idx);
		if (people_find_tg_idx(p, idx, out) == -1)
			return PEOPLE_ERR;
	}
	(void)people_memo_keep(&m->key, epoch, user_id, PEOPLE_OK);
	m->v = *out;
	return PEOPLE_OK;
}

/* One Telegram account belongs to one member (or staff member): the
 * newest link wins, an older one is dropped. */
int
people_link(struct people *p, sqlite3_stmt *unlink, sqlite3_stmt *link,
    int64_t family, const char *table, int64_t id, int64_t user_id,
    int64_t chat_id)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	char		 ubuf[24], cbuf[24];
	int		 rc;

	if (seal_previous() != NULL) {
		people_index_tg(seal_previous(), user_id, idx);
		sqlite3_bind_blob(unlink, 1, idx, sizeof idx,
		    SQLITE_TRANSIENT);
		if ((rc = people_step(unlink, "unlink")) != PEOPLE_OK)
			return rc;
	}
	people_tg_index(p, user_id, idx);
	sqlite3_bind_blob(unlink, 1, idx, sizeof idx, SQLITE_TRANSIENT);
	if ((rc = people_step(unlink, "unlink")) != PEOPLE_OK)
		return rc;
	snprintf(ubuf, sizeof ubuf, "%" PRId64, user_id);
	snprintf(cbuf, sizeof cbuf, "%" PRId64, chat_id);
	if (seal_bind_str_fam(p->keys, family, link, 1, table, "tg_user_id",
	    id, ubuf) == -1 || seal_bind_str_fam(p->keys, family, link, 2,
	    table, "tg_chat_id", id, cbuf) == -1) {
		sqlite3_clear_bindings(link);
		return PEOPLE_ERR;
	}
	sqlite3_bind_blob(link, 3, idx, sizeof idx, SQLITE_TRANSIENT);
	sqlite3_bind_int64(link, 4, id);
	return people_step(link, "link");
}
