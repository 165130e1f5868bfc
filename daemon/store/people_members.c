/* The register's members table: members, phones, accounts, consent. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "people.h"
#include "people_priv.h"
#include "seal.h"

#define MEMBER_COLS \
	"SELECT id, family_id, contact, name, phone, tg_idx IS NOT NULL, " \
	"created_at, consent_at, consent_version, consent_ref FROM members "
/* The family's language is the families' file's (member_by). */
#define MEMBER_WHO \
	"SELECT id, family_id, language, consent_at IS NOT NULL " \
	"FROM members "

/* Also prepared by the outbox, which seals a member's rows (people.h). */
const char people_member_family_sql[] =
    "SELECT family_id FROM members WHERE id = ?";

const char *const people_member_sql[MEM_NSQL] = {
	[MEM_INSERT] = "INSERT INTO members (family_id, contact, "
	    "created_at) VALUES (?, ?, ?)",
	[MEM_NAME] = "UPDATE members SET name = ? WHERE id = ?",
	[MEM_PHONE] = "UPDATE members SET phone = ?, phone_idx = ? "
	    "WHERE id = ?",
	[MEM_GET] = MEMBER_COLS "WHERE id = ?",
	[MEM_LIST] = MEMBER_COLS "WHERE family_id = ? ORDER BY contact "
	    "DESC, id",
	/* A pending import's members are nobody yet (people_import_*). */
	[MEM_BY_PHONE] = "SELECT id FROM members WHERE phone_idx = ? AND "
	    PEOPLE_VISIBLE,
	[MEM_DELETE] = "DELETE FROM members WHERE id = ?",
	[MEM_COUNT] = "SELECT COUNT(*) FROM members WHERE family_id = ?",
	[MEM_PROMOTE] = "UPDATE members SET contact = 1 WHERE id = "
	    "(SELECT id FROM members WHERE family_id = ?1 ORDER BY id LIMIT 1) "
	    "AND NOT EXISTS (SELECT 1 FROM members WHERE family_id = ?1 AND "
	    "contact = 1)",
	[MEM_LINK] = "UPDATE members SET tg_user_id = ?, tg_chat_id = ?, "
	    "tg_idx = ? WHERE id = ?",
	[MEM_UNLINK] = "UPDATE members SET tg_user_id = NULL, "
	    "tg_chat_id = NULL, tg_idx = NULL WHERE tg_idx = ?",
	[MEM_BY_TG] = MEMBER_WHO "WHERE tg_idx = ? AND " PEOPLE_VISIBLE,
	[MEM_INFO_BY_PHONE] = MEMBER_WHO "WHERE phone_idx = ? AND "
	    PEOPLE_VISIBLE,
	[MEM_SET_LANG] = "UPDATE members SET language = ? WHERE id = ?",
	/* A Telegram consent (?3 NULL) replaces a paper form's reference. */
	[MEM_CONSENT] = "UPDATE members SET consent_at = ?1, "
	    "consent_version = ?2, consent_ref = ?3 WHERE id = ?4",
	/* Since when: by the daemon's clock, which tests move. */
	[MEM_ANNOUNCE] = "UPDATE members SET announcements = ?1, "
	    "announcements_at = CASE WHEN announcements IS NOT ?1 THEN ?3 "
	    "ELSE announcements_at END WHERE id = ?2",
	[MEM_OOH_GET] = "SELECT COALESCE(ooh_notice_at, 0) FROM members "
	    "WHERE id = ?",
	[MEM_OOH_SET] = "UPDATE members SET ooh_notice_at = ? WHERE id = ?",
	[MEM_REACH] = "SELECT tg_chat_id, language, family_id FROM members "
	    "WHERE id = ?",
	[MEM_EXISTS] = "SELECT 1 FROM members WHERE id = ?",
	[MEM_CLAUSE_GET] = "SELECT COALESCE(consent_version, ''), "
	    "consent_at IS NOT NULL, consent_ref IS NOT NULL, "
	    "COALESCE(clause_shown, '') FROM members WHERE id = ?",
	[MEM_CLAUSE_SHOWN] = "UPDATE members SET clause_shown = ? "
	    "WHERE id = ?",
	/* Only over a consent still in force (not withdrawn meanwhile). */
	[MEM_CLAUSE_ACK] = "UPDATE members SET consent_version = ?1, "
	    "clause_ack_at = ?2 WHERE id = ?3 AND consent_at IS NOT NULL",
	[MEM_NAME_GET] = "SELECT name FROM members WHERE id = ?",
	[MEM_PHONE_GET] = "SELECT phone FROM members WHERE id = ?",
	[MEM_FAMILY] = people_member_family_sql,
	/* Who wrote last (?3) is the messages' file's to say. */
	[MEM_TG_TARGET] = "SELECT id, tg_chat_id, consent_at IS NOT NULL "
	    "FROM members WHERE family_id = ?1 AND tg_idx IS NOT NULL "
	    "ORDER BY id = ?2 DESC, id = ?3 DESC, consent_at IS NOT NULL "
	    "DESC, contact DESC, id LIMIT 1",
	[MEM_SMS_TARGET] = "SELECT id, phone, consent_at IS NOT NULL "
	    "FROM members WHERE family_id = ?1 AND phone IS NOT NULL "
	    "ORDER BY id = ?2 DESC, id = ?3 DESC, consent_at IS NOT NULL "
	    "DESC, contact DESC, id LIMIT 1",
	[MEM_BLOCKED] = "UPDATE members SET tg_blocked_at = ?2 WHERE id = ?1",
	[MEM_ANNOUNCE_GET] = "SELECT announcements FROM members WHERE id = ?",
	[MEM_PENDING] = "UPDATE members SET import_id = ?2 "
	    "WHERE family_id = ?1",
	[MEM_REMIND_SET] = "UPDATE members SET reminders_off = ? WHERE id = ?",
	[MEM_REMIND_GET] = "SELECT reminders_off FROM members WHERE id = ?",
	[MEM_ANNOUNCE_SINCE] = "SELECT announcements, "
	    "COALESCE(announcements_at, created_at) FROM members WHERE id = ?",
	/* Removed members too: the audit still names them. */
	[MEM_IDS] = "SELECT id FROM members WHERE family_id = ?1 UNION "
	    "SELECT member_id FROM removed_members WHERE family_id = ?1 "
	    "ORDER BY 1",
	/* Rows kept for counts; the consent's date and version too. */
	[MEM_ERASE] = "UPDATE members SET name = NULL, phone = NULL, "
	    "phone_idx = NULL, tg_user_id = NULL, tg_chat_id = NULL, "
	    "tg_idx = NULL, consent_ref = NULL WHERE family_id = ?",
};

int
people_member_set_pending(struct people *p, int64_t family_id,
    int64_t import_id)
{
	sqlite3_stmt	*s = p->mem[MEM_PENDING];

	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, import_id);
	return people_step(s, "member_pending");
}

void
people_member_clear(struct member *m)
{
	crypto_free_plain(m->name);
	explicit_bzero(m->phone, sizeof m->phone);
	memset(m, 0, sizeof *m);
}

PEOPLE_LIST_FREE(people_member_list_free, struct member, people_member_clear)

static void
people_member_clear_v(void *e)
{
	people_member_clear(e);
}

static int
people_member_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct member	*out = elem;
	char		*phone = NULL;

	(void)arg;
	out->id = sqlite3_column_int64(s, 0);
	out->family_id = sqlite3_column_int64(s, 1);
	out->contact = sqlite3_column_int(s, 2);
	out->telegram_linked = sqlite3_column_int(s, 5);
	out->created_at = sqlite3_column_int64(s, 6);
	out->consent_at = sqlite3_column_int64(s, 7);	/* NULL reads 0 */
	store_col_copy(s, 8, out->consent_version,
	    sizeof out->consent_version);
	store_col_copy(s, 9, out->consent_ref, sizeof out->consent_ref);
	if (seal_open(p->keys, s, 3, "members", "name", out->id,
	    &out->name, NULL) == -1 || seal_open(p->keys, s, 4, "members",
	    "phone", out->id, &phone, NULL) == -1)
		return -1;
	if (phone != NULL)
		snprintf(out->phone, sizeof out->phone, "%s", phone);
	crypto_free_plain(phone);
	return 0;
}

int
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

static int
people_member_set_phone(struct people *p, int64_t family, int64_t id,
    const char *phone)
{
	sqlite3_stmt	*s = p->mem[MEM_PHONE];
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	if (seal_bind_str_fam(p->keys, family, s, 1, "members", "phone", id,
	    phone) == -1)
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
	sqlite3_stmt	*s = p->mem[MEM_INSERT];
	int64_t		 erased;
	int		 rc;

	if ((rc = people_family_erased(p, family_id, &erased)) != PEOPLE_OK ||
	    (rc = people_phone_free(p, phone, 0)) != PEOPLE_OK)
		return rc;
	if (erased != 0)
		return PEOPLE_CONFLICT;
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int(s, 2, contact ? 1 : 0);
	sqlite3_bind_int64(s, 3, people_now());
	if ((rc = people_step(s, "member_insert")) != PEOPLE_OK)
		return rc;
	*id = people_last_id(p);
	if ((rc = people_set_sealed(p, p->mem[MEM_NAME], family_id,
	    "members", "name", *id, name)) != PEOPLE_OK)
		return rc;
	if (phone == NULL)
		return PEOPLE_OK;
	return people_member_set_phone(p, family_id, *id, phone);
}

int
people_member_get(struct people *p, int64_t id, struct member *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(p->mem[MEM_GET], 1, id);
	return people_fetch_one(p, p->mem[MEM_GET], people_member_row, out,
	    NULL);
}

int
people_member_list(struct people *p, int64_t family_id, struct member **out,
    size_t *n)
{
	sqlite3_bind_int64(p->mem[MEM_LIST], 1, family_id);
	return people_collect(p, p->mem[MEM_LIST], sizeof **out,
	    people_member_row, people_member_clear_v, NULL, (void **)out, n);
}

int
people_member_update(struct people *p, int64_t id, const char *name,
    int set_phone, const char *phone)
{
	struct member	 m;
	int64_t		 family;
	int		 rc;

	if ((rc = people_member_get(p, id, &m)) != PEOPLE_OK)
		return rc;
	family = m.family_id;
	people_member_clear(&m);
	if ((rc = people_member_of_erased(p, id)) != PEOPLE_OK)
		return rc;
	if (set_phone && (rc = people_phone_free(p, phone, id)) != PEOPLE_OK)
		return rc;
	if (name != NULL && (rc = people_set_sealed(p, p->mem[MEM_NAME],
	    family, "members", "name", id, name)) != PEOPLE_OK)
		return rc;
	if (!set_phone)
		return PEOPLE_OK;
	return people_member_set_phone(p, family, id, phone);
}

int
people_member_delete(struct people *p, int64_t id)
{
	struct member	 m;
	int64_t		 count = 0;
	int		 rc;

	if ((rc = people_member_get(p, id, &m)) != PEOPLE_OK)
		return rc;
	sqlite3_bind_int64(p->mem[MEM_COUNT], 1, m.family_id);
	rc = people_step_id(p->mem[MEM_COUNT], "member_count", &count);
	if (rc == PEOPLE_OK && count <= 1)
		rc = PEOPLE_CONFLICT;	/* a family has at least one member */
	if (rc == PEOPLE_OK) {
		sqlite3_bind_int64(p->mem[MEM_DELETE], 1, id);
		rc = people_step(p->mem[MEM_DELETE], "member_delete");
	}
	/* Whose member it was, so the family's audit rows still find it. */
	if (rc == PEOPLE_OK && store_each_row(p->st, "INSERT OR IGNORE INTO "
	    "removed_members (member_id, family_id) VALUES (?2, ?3)", NULL,
	    id, m.family_id, "removed_member", NULL, NULL) == -1)
		rc = PEOPLE_ERR;
	/* The next member becomes the contact when the contact goes. */
	if (rc == PEOPLE_OK) {
		sqlite3_bind_int64(p->mem[MEM_PROMOTE], 1, m.family_id);
		rc = people_step(p->mem[MEM_PROMOTE], "member_promote");
	}
	people_member_clear(&m);
	return rc;
}

int
people_member_by_phone(struct people *p, const char *phone, int64_t *id)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	int		 rc;

	people_phone_index(p, phone, idx);
	sqlite3_bind_blob(p->mem[MEM_BY_PHONE], 1, idx, sizeof idx,
	    SQLITE_TRANSIENT);
	rc = people_step_id(p->mem[MEM_BY_PHONE], "member_by_phone", id);
	if (rc != PEOPLE_NOT_FOUND || seal_previous() == NULL)
		return rc;
	/* While the key is rotated, an index not rebuilt yet is the old. */
	people_index_phone(seal_previous(), phone, idx);
	sqlite3_bind_blob(p->mem[MEM_BY_PHONE], 1, idx, sizeof idx,
	    SQLITE_TRANSIENT);
	return people_step_id(p->mem[MEM_BY_PHONE], "member_by_phone", id);
}

int
people_member_name(struct people *p, int64_t id, char **name)
{
	struct people_memo_name	*m = &p->memo.name[people_memo_slot(id)];
	uint64_t		 epoch;
	int			 rc;

	if (people_memo_hit(p, &m->key, id, &epoch)) {
		*name = m->name != NULL ? crypto_plain_dup(m->name) : NULL;
		return m->key.rc;
	}
	crypto_free_plain(m->name);
	m->name = NULL;
	m->key.epoch = 0;
	rc = people_open_one(p, p->mem[MEM_NAME_GET], "members", "name", id,
	    name);
	if (people_memo_keep(&m->key, epoch, id, rc) && *name != NULL)
		m->name = crypto_plain_dup(*name);
	return rc;
}

int
people_member_phone(struct people *p, int64_t id, char **phone)
{
	return people_open_one(p, p->mem[MEM_PHONE_GET], "members", "phone",
	    id, phone);
}

int
people_member_family(struct people *p, int64_t id, int64_t *family_id)
{
	*family_id = 0;
	sqlite3_bind_int64(p->mem[MEM_FAMILY], 1, id);
	return people_step_id(p->mem[MEM_FAMILY], "member_family", family_id);
}

/* ---- Telegram accounts and phones ------------------------------------ */

/* A member found by a blind index with `stmt` (Telegram id or phone). */
static int
people_member_by(struct people *p, enum people_member_sql stmt,
    const unsigned char *idx, struct people_tg *out)
{
	sqlite3_stmt		*s = p->mem[stmt];
	struct family_brief	 f;
	int			 rc;

	sqlite3_bind_blob(s, 1, idx, CRYPTO_INDEX_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->who = PEOPLE_MEMBER;
		out->member_id = sqlite3_column_int64(s, 0);
		out->family_id = sqlite3_column_int64(s, 1);
		store_col_copy(s, 2, out->member_language,
		    sizeof out->member_language);
		out->consented = sqlite3_column_int(s, 3);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? 0 : -1;
	/* The family's language: every member has a family (foreign key). */
	switch (people_family_brief(p, out->family_id, &f)) {
	case PEOPLE_OK:
		memcpy(out->language, f.language, sizeof out->language);
		return 0;
	case PEOPLE_NOT_FOUND:
		memset(out, 0, sizeof *out);
		out->who = PEOPLE_NOBODY;
		return 0;
	default:
		return -1;
	}
}

int
people_member_by_tg(struct people *p, const unsigned char *idx,
    struct people_tg *out)
{
	return people_member_by(p, MEM_BY_TG, idx, out);
}

int
people_find_phone(struct people *p, const char *phone, struct people_tg *out)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];

	memset(out, 0, sizeof *out);
	out->who = PEOPLE_NOBODY;
	people_phone_index(p, phone, idx);
	if (people_member_by(p, MEM_INFO_BY_PHONE, idx, out) == -1)
		return PEOPLE_ERR;
	if (out->who == PEOPLE_NOBODY && seal_previous() != NULL) {
		people_index_phone(seal_previous(), phone, idx);
		if (people_member_by(p, MEM_INFO_BY_PHONE, idx, out) == -1)
			return PEOPLE_ERR;
	}
	return PEOPLE_OK;
}

int
people_link_member(struct people *p, int64_t member_id, int64_t user_id,
    int64_t chat_id)
{
	int64_t	 family;
	int	 rc;

	if ((rc = people_member_family(p, member_id, &family)) != PEOPLE_OK)
		return rc;
	return people_link(p, p->mem[MEM_UNLINK], p->mem[MEM_LINK], family,
	    "members", member_id, user_id, chat_id);
}

/* ---- a member's own settings (conversations) ------------------------- */

int
people_member_set_language(struct people *p, int64_t id, const char *lang)
{
	sqlite3_stmt	*s = p->mem[MEM_SET_LANG];

	people_bind_text(s, 1, lang);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_language");
}

/* at 0: withdrawn, every consent column NULL. */
static int
people_member_set_consent(struct people *p, int64_t id, int64_t at,
    const char *version, const char *ref)
{
	sqlite3_stmt	*s = p->mem[MEM_CONSENT];

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

	if ((rc = people_exists(p->mem[MEM_EXISTS], id)) != PEOPLE_OK ||
	    (rc = people_member_of_erased(p, id)) != PEOPLE_OK)
		return rc;
	return people_member_set_consent(p, id, at, version, ref);
}

int
people_member_consent_withdraw(struct people *p, int64_t id)
{
	int	 rc;

	if ((rc = people_exists(p->mem[MEM_EXISTS], id)) != PEOPLE_OK)
		return rc;
	return people_member_set_consent(p, id, 0, NULL, NULL);
}

int
people_member_set_announcements(struct people *p, int64_t id, int on)
{
	sqlite3_stmt	*s = p->mem[MEM_ANNOUNCE];

	sqlite3_bind_int(s, 1, on ? 1 : 0);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int64(s, 3, people_now());
	return people_step(s, "member_announcements");
}

int
people_member_ooh_get(struct people *p, int64_t id, int64_t *at)
{
	sqlite3_bind_int64(p->mem[MEM_OOH_GET], 1, id);
	return people_step_id(p->mem[MEM_OOH_GET], "member_ooh", at);
}

int
people_member_ooh_set(struct people *p, int64_t id, int64_t at)
{
	sqlite3_stmt	*s = p->mem[MEM_OOH_SET];

	sqlite3_bind_int64(s, 1, at);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_ooh");
}

static int
people_member_clause_read(struct people *p, int64_t id,
    struct people_clause *out)
{
	sqlite3_stmt	*s = p->mem[MEM_CLAUSE_GET];
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_col_copy(s, 0, out->version, sizeof out->version);
		out->consented = sqlite3_column_int(s, 1);
		out->on_paper = sqlite3_column_int(s, 2);
		store_col_copy(s, 3, out->shown, sizeof out->shown);
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
people_member_clause(struct people *p, int64_t id, struct people_clause *out)
{
	struct people_memo_clause *m = &p->memo.clause[people_memo_slot(id)];
	uint64_t		 epoch;
	int			 rc;

	if (people_memo_hit(p, &m->key, id, &epoch)) {
		*out = m->v;
		return m->key.rc;
	}
	rc = people_member_clause_read(p, id, out);
	if (people_memo_keep(&m->key, epoch, id, rc))
		m->v = *out;
	return rc;
}

int
people_member_clause_shown(struct people *p, int64_t id, const char *version)
{
	sqlite3_stmt	*s = p->mem[MEM_CLAUSE_SHOWN];

	sqlite3_bind_text(s, 1, version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_clause_shown");
}

int
people_member_clause_ack(struct people *p, int64_t id, const char *version,
    int64_t at)
{
	sqlite3_stmt	*s = p->mem[MEM_CLAUSE_ACK];

	sqlite3_bind_text(s, 1, version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, at);
	sqlite3_bind_int64(s, 3, id);
	return people_step(s, "member_clause_ack");
}

/* ---- answering a family ---------------------------------------------- */

static int
people_tg_target_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct member_target	*out = elem;

	(void)arg;
	out->member_id = sqlite3_column_int64(s, 0);
	out->consented = sqlite3_column_int(s, 2);
	return seal_open_int(p->keys, s, 1, "members", "tg_chat_id",
	    out->member_id, &out->chat_id);
}

static int
people_sms_target_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct member_target	*out = elem;
	char			*phone = NULL;
	int			 rc = -1;

	(void)arg;
	out->member_id = sqlite3_column_int64(s, 0);
	out->consented = sqlite3_column_int(s, 2);
	if (seal_open(p->keys, s, 1, "members", "phone", out->member_id,
	    &phone, NULL) == -1)
		return -1;
	if (phone != NULL && strlen(phone) < sizeof out->phone) {
		memcpy(out->phone, phone, strlen(phone) + 1);
		rc = 0;
	} else
		log_err("event=people.bad_phone member_id=%" PRId64,
		    out->member_id);
	crypto_free_plain(phone);
	return rc;
}

/* The first member by the target order; member_id 0 for none. */
static int
people_member_target(struct people *p, sqlite3_stmt *s, people_row_fn fn,
    int64_t family_id, int64_t preferred, int64_t last,
    struct member_target *out)
{
	int	 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, preferred);
	sqlite3_bind_int64(s, 3, last);
	rc = people_fetch_one(p, s, fn, out, NULL);
	if (rc == PEOPLE_NOT_FOUND) {
		memset(out, 0, sizeof *out);
		return PEOPLE_OK;
	}
	return rc;
}

int
people_member_tg_target(struct people *p, int64_t family_id,
    int64_t preferred, int64_t last, struct member_target *out)
{
	return people_member_target(p, p->mem[MEM_TG_TARGET],
	    people_tg_target_row, family_id, preferred, last, out);
}

int
people_member_sms_target(struct people *p, int64_t family_id,
    int64_t preferred, int64_t last, struct member_target *out)
{
	return people_member_target(p, p->mem[MEM_SMS_TARGET],
	    people_sms_target_row, family_id, preferred, last, out);
}

int
people_member_blocked(struct people *p, int64_t id, int64_t at)
{
	sqlite3_stmt	*s = p->mem[MEM_BLOCKED];

	sqlite3_bind_int64(s, 1, id);
	people_bind_opt_id(s, 2, at);
	return people_step(s, "member_blocked");
}

int
people_member_takes_announcements(struct people *p, int64_t id, int *on)
{
	int64_t	 v = 1;
	int	 rc;

	sqlite3_bind_int64(p->mem[MEM_ANNOUNCE_GET], 1, id);
	rc = people_step_id(p->mem[MEM_ANNOUNCE_GET], "member_announcements",
	    &v);
	*on = v != 0;
	return rc;
}

int
people_member_announcements(struct people *p, int64_t id, int *on,
    int64_t *since)
{
	sqlite3_stmt	*s = p->mem[MEM_ANNOUNCE_SINCE];
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

int
people_member_ids(struct people *p, int64_t family_id, int64_t **ids,
    size_t *n)
{
	sqlite3_bind_int64(p->mem[MEM_IDS], 1, family_id);
	return people_collect_ids(p->mem[MEM_IDS], "member_ids", ids, n);
}

int
people_member_set_reminders(struct people *p, int64_t id, int on)
{
	sqlite3_stmt	*s = p->mem[MEM_REMIND_SET];

	sqlite3_bind_int(s, 1, on ? 0 : 1);
	sqlite3_bind_int64(s, 2, id);
	return people_step(s, "member_reminders");
}

int
people_member_takes_reminders(struct people *p, int64_t id, int *on)
{
	int64_t	 off = 0;
	int	 rc;

	sqlite3_bind_int64(p->mem[MEM_REMIND_GET], 1, id);
	rc = people_step_id(p->mem[MEM_REMIND_GET], "member_reminders", &off);
	*on = off == 0;
	return rc;
}

struct people_reach_row {
	int64_t	 id;
	int64_t	*chat_id;
	char	*lang;
};

/* The member's language, else their family's (every member has one). */
static int
people_reach_row(struct people *p, sqlite3_stmt *s, void *elem,
    const void *arg)
{
	struct people_reach_row	*r = elem;
	struct family_brief	 f;
	int			 rc;

	(void)arg;
	if (seal_open_int(p->keys, s, 0, "members", "tg_chat_id", r->id,
	    r->chat_id) == -1)
		return -1;
	if (sqlite3_column_type(s, 1) != SQLITE_NULL) {
		store_col_copy(s, 1, r->lang, 4);
		return 0;
	}
	rc = people_family_brief(p, sqlite3_column_int64(s, 2), &f);
	if (rc == PEOPLE_NOT_FOUND)
		return PEOPLE_ROW_SKIP;
	if (rc != PEOPLE_OK)
		return -1;
	memcpy(r->lang, f.language, 4);
	return 0;
}

int
people_member_reach(struct people *p, int64_t id, int64_t *chat_id,
    char lang[4])
{
	struct people_reach_row	 r = { id, chat_id, lang };

	sqlite3_bind_int64(p->mem[MEM_REACH], 1, id);
	return people_fetch_one(p, p->mem[MEM_REACH], people_reach_row, &r,
	    NULL);
}

int
people_member_erase(struct people *p, int64_t family_id)
{
	sqlite3_bind_int64(p->mem[MEM_ERASE], 1, family_id);
	return people_step(p->mem[MEM_ERASE], "member_erase");
}

int
people_member_of_erased(struct people *p, int64_t id)
{
	int64_t	 family, at;
	int	 rc;

	if ((rc = people_member_family(p, id, &family)) != PEOPLE_OK ||
	    (rc = people_family_erased(p, family, &at)) != PEOPLE_OK)
		return rc;
	return at != 0 ? PEOPLE_CONFLICT : PEOPLE_OK;
}

/* ---- reports (admin_reports.c) ---------------------------------------- */

int
people_report_members(struct people *p, const char *ids, store_row_fn fn,
    void *arg)
{
	static const char sql[] = "SELECT family_id, id, created_at "
	    "FROM members WHERE family_id IN (SELECT value FROM "
	    "json_each(?1))";

	return store_each_row(p->st, sql, ids, 0, 0, "members_report", fn,
	    arg) == 0 ? PEOPLE_OK : PEOPLE_ERR;
}
