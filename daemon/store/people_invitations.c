/* The register's invitations, and the wrong codes that shut a user out. */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "people.h"
#include "people_priv.h"
#include "seal.h"

const char *const people_invite_sql[INV_NSQL] = {
	[INV_INSERT] = "INSERT INTO invitations (code_hash, staff_id, "
	    "member_id, created_at, expires_at, created_by) "
	    "VALUES (?, ?, ?, ?, ?, ?)",
	[INV_FIND] = "SELECT id, staff_id, member_id, expires_at, "
	    "used_at FROM invitations WHERE code_hash = ?",
	/* A used code is of no more use: its sealed copy goes. */
	[INV_USE] = "UPDATE invitations SET used_at = ?, code = NULL "
	    "WHERE id = ? AND used_at IS NULL",
	[INV_CODE] = "UPDATE invitations SET code = ? WHERE id = ?",
	[INV_ROTATED] = "DELETE FROM invitations WHERE used_at IS NULL "
	    "AND code IS NULL AND created_at <= ?",
	[FAIL_CLEAR] = "DELETE FROM invite_failures",
	[FAIL_INSERT] = "INSERT INTO invite_failures (tg_idx, at) "
	    "VALUES (?, ?)",
	[FAIL_PRUNE] = "DELETE FROM invite_failures WHERE at < ?",
	[FAIL_RECENT] = "SELECT at FROM invite_failures WHERE tg_idx = ? "
	    "ORDER BY at DESC LIMIT 5",
	/* An erased family's codes: whatever they were, gone. */
	[INV_ERASE] = "DELETE FROM invitations WHERE member_id = ?",
};

int
people_invite_create(struct people *p, int64_t staff_id, int64_t member_id,
    int ttl_days, uid_t uid, char **code, int64_t *expires_at)
{
	sqlite3_stmt	*s = p->inv[INV_INSERT];
	unsigned char	 hash[CRYPTO_HASH_LEN];
	int64_t		 now = people_now(), family = 0;
	int		 rc;

	*code = NULL;
	if (member_id != 0 &&
	    (rc = people_member_of_erased(p, member_id)) != PEOPLE_OK)
		return rc;
	if (member_id != 0 &&
	    (rc = people_member_family(p, member_id, &family)) != PEOPLE_OK)
		return rc;
	*code = crypto_random_token(12);
	crypto_token_hash(p->keys, *code, hash);
	*expires_at = now + (int64_t)ttl_days * 86400;
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	people_bind_opt_id(s, 2, staff_id);
	people_bind_opt_id(s, 3, member_id);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, *expires_at);
	sqlite3_bind_int64(s, 6, (int64_t)uid);
	/* The code sealed too, so a key rotation can hash it again. */
	if ((rc = people_step(s, "invite_insert")) == PEOPLE_OK)
		rc = people_set_sealed(p, p->inv[INV_CODE], family,
		    "invitations", "code", people_last_id(p), *code);
	if (rc != PEOPLE_OK) {
		free(*code);
		*code = NULL;
	}
	return rc;
}

int
people_invite_find(struct people *p, const char *code, struct invitation *out)
{
	sqlite3_stmt	*s = p->inv[INV_FIND];
	unsigned char	 hash[CRYPTO_HASH_LEN];
	int		 rc;

	memset(out, 0, sizeof *out);
	crypto_token_hash(p->keys, code, hash);
	sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	/* While the key is rotated: a code given out before it. */
	if (rc == SQLITE_DONE && seal_previous() != NULL) {
		sqlite3_reset(s);
		crypto_token_hash(seal_previous(), code, hash);
		sqlite3_bind_blob(s, 1, hash, sizeof hash, SQLITE_TRANSIENT);
		rc = sqlite3_step(s);
	}
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
	sqlite3_bind_int64(p->inv[INV_USE], 1, now);
	sqlite3_bind_int64(p->inv[INV_USE], 2, id);
	return people_step(p->inv[INV_USE], "invite_use");
}

int
people_invite_failed(struct people *p, int64_t user_id, int64_t now)
{
	unsigned char	 idx[CRYPTO_INDEX_LEN];
	int		 rc;

	/* Rows older than two windows can no longer shut anyone out. */
	sqlite3_bind_int64(p->inv[FAIL_PRUNE], 1,
	    now - 2 * PEOPLE_INVITE_WINDOW);
	if ((rc = people_step(p->inv[FAIL_PRUNE], "fail_prune")) != PEOPLE_OK)
		return rc;
	people_tg_index(p, user_id, idx);
	sqlite3_bind_blob(p->inv[FAIL_INSERT], 1, idx, sizeof idx,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(p->inv[FAIL_INSERT], 2, now);
	return people_step(p->inv[FAIL_INSERT], "fail_insert");
}

/*
 * Shut out for an hour after the 5th wrong code within an hour. Nothing
 * is recorded while shut out, so the newest failure is the 5th.
 */
int
people_invite_blocked(struct people *p, int64_t user_id, int64_t now)
{
	sqlite3_stmt	*s = p->inv[FAIL_RECENT];
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

int
people_invite_erase(struct people *p, int64_t family_id)
{
	int64_t	*ids;
	size_t	 n, i;
	int	 rc;

	/* Its members, the removed ones too. */
	if ((rc = people_member_ids(p, family_id, &ids, &n)) != PEOPLE_OK)
		return rc;
	for (i = 0; i < n && rc == PEOPLE_OK; i++) {
		sqlite3_bind_int64(p->inv[INV_ERASE], 1, ids[i]);
		rc = people_step(p->inv[INV_ERASE], "invite_erase");
	}
	free(ids);
	return rc;
}

int
people_invite_rotated(struct people *p, int64_t started_at)
{
	int	 rc;

	sqlite3_bind_int64(p->inv[INV_ROTATED], 1, started_at);
	if ((rc = people_step(p->inv[INV_ROTATED], "invite_rotated")) !=
	    PEOPLE_OK)
		return rc;
	return people_step(p->inv[FAIL_CLEAR], "fail_clear");
}
