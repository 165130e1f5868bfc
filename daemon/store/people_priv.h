/*
 * The register's insides, shared by its files. Each table has one file
 * that holds its SQL, and the others call it:
 *   people_staff.c       staff, staff_programmes
 *   people_families.c    families
 *   people_members.c     members
 *   people_programmes.c  programmes, programme_groups, enrolments
 *   people_invitations.c invitations, invite_failures
 *   people_audit.c       audit
 * people.c prepares every file's statements and holds the helpers below.
 */
#ifndef ASYSTENT_PEOPLE_PRIV_H
#define ASYSTENT_PEOPLE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "crypto.h"
#include "people.h"
#include "store.h"

/*
 * Rows of a pending family import (families.import_id and
 * members.import_id in import_pending) are nobody's yet: every look-up,
 * list and count says so with this condition.
 */
#define PEOPLE_VISIBLE \
	"(import_id IS NULL OR import_id NOT IN " \
	"(SELECT id FROM import_pending))"
/*
 * The same said of a row of another table by the family it names (an
 * enrolment): `col` is none of a pending import's families. With no
 * import pending the inner select is empty (families_import).
 */
#define PEOPLE_FAMILY_VISIBLE(col) \
	"(" col " NOT IN (SELECT id FROM families WHERE import_id IN " \
	"(SELECT id FROM import_pending)))"

/* Each file's statements, in the order of its SQL array. */
enum people_staff_sql {
	STAFF_INSERT, STAFF_NAME, STAFF_GET, STAFF_LIST, STAFF_UPDATE,
	STAFF_LINK, STAFF_UNLINK, STAFF_BY_TG, STAFF_EXISTS, STAFF_NAME_GET,
	STAFF_REACH, STAFF_REACH_KIND, STAFF_CURRENT, STAFF_SET_CURRENT,
	STAFF_SET_UID, STAFF_BY_UID, STAFF_UID_GET, STAFF_ADMINS,
	STAFF_PROG_CLEAR, STAFF_PROG_ADD, STAFF_PROG_LIST, STAFF_NSQL
};
enum people_family_sql {
	FAM_INSERT, FAM_NAME, FAM_NOTES, FAM_GET, FAM_BY_CODE, FAM_EXISTS,
	FAM_LIST, FAM_UPDATE, FAM_ASSIGN, FAM_DELETE, FAM_BRIEF,
	FAM_ASSISTED, FAM_OF_STAFF, FAM_NAME_GET, FAM_PENDING,
	FAM_IMPORT_NEW, FAM_PUBLISH, FAM_DISCARD, FAM_IMPORT_END, FAM_ERASE,
	FAM_ERASED, FAM_CLOSE, FAM_CLOSED_BEFORE, FAM_STATES, FAM_VISIBLE,
	FAM_NSQL
};
enum people_member_sql {
	MEM_INSERT, MEM_NAME, MEM_PHONE, MEM_GET, MEM_LIST, MEM_BY_PHONE,
	MEM_DELETE, MEM_COUNT, MEM_PROMOTE, MEM_LINK, MEM_UNLINK, MEM_BY_TG,
	MEM_INFO_BY_PHONE, MEM_SET_LANG, MEM_CONSENT, MEM_ANNOUNCE,
	MEM_OOH_GET, MEM_OOH_SET, MEM_REACH, MEM_EXISTS, MEM_CLAUSE_GET,
	MEM_CLAUSE_SHOWN, MEM_CLAUSE_ACK, MEM_NAME_GET, MEM_PHONE_GET,
	MEM_FAMILY, MEM_TG_TARGET, MEM_SMS_TARGET, MEM_BLOCKED,
	MEM_ANNOUNCE_GET, MEM_PENDING, MEM_REMIND_SET, MEM_REMIND_GET,
	MEM_ANNOUNCE_SINCE, MEM_IDS, MEM_ERASE, MEM_NSQL
};
enum people_programme_sql {
	PROG_INSERT, GROUP_INSERT, PROG_GET, PROG_LIST, PROG_GROUPS,
	PROG_BY_NAME, GROUP_FIND, ENROL_INSERT, ENROL_OPEN, ENROL_CLOSE,
	ENROL_SELECT, ENROL_NOW_ANY, ENROL_IDS, PROG_NSQL
};
enum people_invite_sql {
	INV_INSERT, INV_FIND, INV_USE, FAIL_INSERT, FAIL_PRUNE, FAIL_RECENT,
	INV_ERASE, INV_CODE, INV_ROTATED, FAIL_CLEAR, INV_NSQL
};
enum people_audit_sql {
	AUDIT_INSERT, AUDIT_LIST, AUDIT_NSQL
};

/* Defined in each table's file; prepared once by people_new(). */
extern const char *const people_staff_sql[STAFF_NSQL];
extern const char *const people_family_sql[FAM_NSQL];
extern const char *const people_member_sql[MEM_NSQL];
extern const char *const people_programme_sql[PROG_NSQL];
extern const char *const people_invite_sql[INV_NSQL];
extern const char *const people_audit_sql[AUDIT_NSQL];

/*
 * Memos of the look-ups every routed message makes, by id, good while
 * the people tables say what they said (people_memo_epoch()): who a
 * Telegram account is, a family's brief, where a staff member is
 * reached, a member's name and where their consent clause stands. One
 * slot per id modulo PEOPLE_MEMO_SLOTS. Names are wiped as soon as
 * anything changed, so an erased family's stay in memory no longer than
 * in the database.
 */
#define PEOPLE_MEMO_SLOTS	256

/* What every slot starts with: whose answer it holds, and the answer. */
struct people_memo_key {
	uint64_t		 epoch;		/* 0: empty */
	int64_t			 id;
	int			 rc;		/* PEOPLE_OK, NOT_FOUND */
};

struct people_memo_tg {
	struct people_memo_key	 key;		/* id: the Telegram user */
	struct people_tg	 v;
};

struct people_memo_brief {
	struct people_memo_key	 key;
	struct family_brief	 v;
};

struct people_memo_reach {
	struct people_memo_key	 key;
	struct staff_reach	 v;
};

struct people_memo_clause {
	struct people_memo_key	 key;
	struct people_clause	 v;
};

struct people_memo_name {
	struct people_memo_key	 key;
	char			*name;		/* crypto_free_plain() */
};

struct people_memo {
	uint64_t		 epoch;		/* the good slots' */
	uint64_t		 gen;		/* store_people_gen() */
	const struct keys	*keys, *previous;
	struct people_memo_tg	 tg[PEOPLE_MEMO_SLOTS];
	struct people_memo_brief brief[PEOPLE_MEMO_SLOTS];
	struct people_memo_reach reach[PEOPLE_MEMO_SLOTS];
	struct people_memo_clause clause[PEOPLE_MEMO_SLOTS];
	struct people_memo_name	 name[PEOPLE_MEMO_SLOTS];
};

struct people {
	struct store		*st;
	const struct keys	*keys;
	sqlite3_stmt		*staff[STAFF_NSQL];
	sqlite3_stmt		*fam[FAM_NSQL];
	sqlite3_stmt		*mem[MEM_NSQL];
	sqlite3_stmt		*prog[PROG_NSQL];
	sqlite3_stmt		*inv[INV_NSQL];
	sqlite3_stmt		*audit[AUDIT_NSQL];
	struct people_memo	 memo;
};

/*
 * Fills one element from the current row of a statement: 0, -1 on error,
 * or PEOPLE_ROW_SKIP when the row is not wanted (elem left clear). `arg`
 * is what the caller of people_fetch_one() or people_collect() passed.
 */
#define PEOPLE_ROW_SKIP	1
typedef int	(*people_row_fn)(struct people *p, sqlite3_stmt *s, void *elem,
		    const void *arg);
typedef void	(*people_clear_fn)(void *elem);

/* people.c: the helpers every table's file uses. */
/*
 * The memos' epoch: a slot holding it is good. A new one when the
 * people tables may have changed or the keys did; the names are wiped.
 */
uint64_t people_memo_epoch(struct people *p);
size_t	people_memo_slot(int64_t id);
/*
 * Whether `k` holds id's answer now (its rc in k->rc); *epoch is the
 * one to keep an answer read instead under, with people_memo_keep(),
 * which says whether it was kept (an error is not).
 */
int	people_memo_hit(struct people *p, const struct people_memo_key *k,
	    int64_t id, uint64_t *epoch);
int	people_memo_keep(struct people_memo_key *k, uint64_t epoch,
	    int64_t id, int rc);
int64_t	people_now(void);
/* Steps a statement that returns no rows; constraints are CONFLICT. */
int	people_step(sqlite3_stmt *s, const char *what);
/* family_id's members join pending import `import_id`. */
int	people_member_set_pending(struct people *p, int64_t family_id,
	    int64_t import_id);
/* The first column of the first row as an id; NOT_FOUND without one. */
int	people_step_id(sqlite3_stmt *s, const char *what, int64_t *id);
/* Is there a row with this id (a prepared "SELECT 1 ... id = ?")? */
int	people_exists(sqlite3_stmt *s, int64_t id);
int64_t	people_last_id(struct people *p);
void	people_bind_opt_id(sqlite3_stmt *s, int idx, int64_t id);
void	people_bind_text(sqlite3_stmt *s, int idx, const char *v);
/*
 * Binds `ids` as a JSON array, which the statement reads with
 * "IN (SELECT value FROM json_each(?))": ids another file gave.
 */
int	people_bind_ids(sqlite3_stmt *s, int idx, const int64_t *ids,
	    size_t n);
/* Column 0 of every row as a new array of ids (NULL when none); free(). */
int	people_collect_ids(sqlite3_stmt *s, const char *what, int64_t **ids,
	    size_t *n);
/*
 * `s` is "UPDATE <table> SET <column> = ? WHERE id = ?": sealed, under
 * the key of `family` (0: the master's; seal.h).
 */
int	people_set_sealed(struct people *p, sqlite3_stmt *s, int64_t family,
	    const char *table, const char *column, int64_t row,
	    const char *value);
char	*people_col_dup(sqlite3_stmt *s, int col);
/* The current row into `elem`, NOT_FOUND when there is none. */
int	people_fetch_one(struct people *p, sqlite3_stmt *s, people_row_fn fn,
	    void *elem, const void *arg);
/* Every row into a new array of `size`-byte elements. */
int	people_collect(struct people *p, sqlite3_stmt *s, size_t size,
	    people_row_fn fn, people_clear_fn clear, const void *arg,
	    void **out, size_t *n);
/*
 * Opens column 0 of the row `id` of `s` ("SELECT <column> ... id = ?"):
 * *plain as seal_open() gives it; NOT_FOUND for no such row.
 */
int	people_open_one(struct people *p, sqlite3_stmt *s, const char *table,
	    const char *column, int64_t id, char **plain);
void	people_tg_index(struct people *p, int64_t user_id,
	    unsigned char idx[CRYPTO_INDEX_LEN]);
void	people_phone_index(struct people *p, const char *phone,
	    unsigned char idx[CRYPTO_INDEX_LEN]);
/*
 * Links a Telegram account with the unlink and link statements of a
 * table; the ids are sealed under the key of `family` (0: staff).
 */
int	people_link(struct people *p, sqlite3_stmt *unlink, sqlite3_stmt *link,
	    int64_t family, const char *table, int64_t id, int64_t user_id,
	    int64_t chat_id);

/*
 * CONFLICT for a member of an erased family: nothing personal may be
 * written about them again.
 */
int	people_member_of_erased(struct people *p, int64_t id);
/* Erasing a family: its members' and invitations' part. */
int	people_member_erase(struct people *p, int64_t family_id);
int	people_invite_erase(struct people *p, int64_t family_id);

/* Frees an array from a _list() call and each element in it. */
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

/* people_staff.c, for the other files. */
int	people_staff_exists(struct people *p, int64_t id);
/* The staff member of a Telegram account's blind index, if any. */
int	people_staff_by_tg(struct people *p, const unsigned char *idx,
	    struct people_tg *out);
/*
 * The first word of a staff member's name (opened, crypto_free_plain)
 * and whether they are active; NOT_FOUND for no such staff member.
 */
int	people_staff_first(struct people *p, int64_t id, int *active,
	    char **first);
/* Every programme the staff member looks after, ascending; free(). */
int	people_staff_programme_ids(struct people *p, int64_t id,
	    int64_t **ids, size_t *n);

/* people_families.c, for the other files. */
int	people_family_exists(struct people *p, int64_t id);
/* How many families have `staff_id` as their assistant. */
int	people_family_count_assisted(struct people *p, int64_t staff_id,
	    int64_t *n);

/* people_members.c, for the other files. */
/* OK when nobody but `except` holds `phone` (NULL: nobody does). */
int	people_phone_free(struct people *p, const char *phone, int64_t except);
/* The member of a Telegram account's blind index, if any. */
int	people_member_by_tg(struct people *p, const unsigned char *idx,
	    struct people_tg *out);
/* The ids of the family's members; free(). */
int	people_member_ids(struct people *p, int64_t family_id, int64_t **ids,
	    size_t *n);

/* people_programmes.c, for the other files. */
/* OK when the family is enrolled in the programme now, else NOT_FOUND. */
int	people_enrolled_now(struct people *p, int64_t family_id,
	    int64_t programme_id);
/* OK when it is enrolled now in any of `prog`, else NOT_FOUND. */
int	people_enrolled_now_any(struct people *p, int64_t family_id,
	    const int64_t *prog, size_t n);
/* The ids of the family's enrolments, past ones too; free(). */
int	people_enrolment_ids(struct people *p, int64_t family_id,
	    int64_t **ids, size_t *n);

#endif
