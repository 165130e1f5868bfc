/* The inbound record: every update durably stored before it is acked. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "log.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

struct inbound_store {
	struct store		*st;
	const struct keys	*keys;
	sqlite3_stmt		*insert, *pending, *load, *mark, *count;
	sqlite3_stmt		*forget, *keep;
	int64_t			 last_id;	/* ids are ours to give */
	int64_t			 forgot;	/* the last row forgotten */
	/*
	 * The last row, if recorded without its payload: routed at once, it
	 * is written handled, and only another outcome writes its state.
	 */
	int64_t			 bare;
	/*
	 * None was pending in this transaction (store_txn()), and nothing
	 * since made one pending or was rolled back: every update routed
	 * at once asks, and only a row left for later changes the answer.
	 */
	uint64_t		 none_txn, none_rollbacks;
};

void
inbound_clear(struct inbound *in)
{
	free(in->args);
	free(in->text);
	free(in->first_name);
	free(in->phone);
	free(in->callback_id);
	free(in->callback_data);
	memset(in, 0, sizeof *in);
}

struct inbound_store *
inbound_store_new(struct store *st, const struct keys *k)
{
	struct inbound_store	*is;

	is = xcalloc(1, sizeof *is);
	is->st = st;
	is->keys = k;
	if (store_max_id(st, "inbound", &is->last_id) == -1 ||
	    store_prepare(st, "INSERT INTO inbound (id, channel, ext_id, "
	    "received_at, payload, state, handled_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?6 = 1 THEN ?4 END) "
	    "ON CONFLICT (channel, ext_id) DO NOTHING", &is->insert) == -1 ||
	    store_prepare(st, "SELECT id FROM inbound WHERE state = 0 "
	    "AND id > ? ORDER BY id LIMIT ?", &is->pending) == -1 ||
	    store_prepare(st, "SELECT channel, payload FROM inbound "
	    "WHERE id = ?", &is->load) == -1 ||
	    store_prepare(st, "UPDATE inbound SET state = ?, handled_at = ? "
	    "WHERE id = ?", &is->mark) == -1 ||
	    store_prepare(st, "SELECT COUNT(*) FROM inbound WHERE state = 0",
	    &is->count) == -1 ||
	    store_prepare(st, "UPDATE inbound SET payload = NULL WHERE id = ?",
	    &is->forget) == -1 ||
	    store_prepare(st, "UPDATE inbound SET payload = ?1, "
	    "state = CASE WHEN ?3 THEN 0 ELSE state END, "
	    "handled_at = CASE WHEN ?3 THEN NULL ELSE handled_at END "
	    "WHERE id = ?2", &is->keep) == -1) {
		inbound_store_free(is);
		return NULL;
	}
	return is;
}

void
inbound_store_free(struct inbound_store *is)
{
	if (is == NULL)
		return;
	sqlite3_finalize(is->insert);
	sqlite3_finalize(is->pending);
	sqlite3_finalize(is->load);
	sqlite3_finalize(is->mark);
	sqlite3_finalize(is->count);
	sqlite3_finalize(is->forget);
	sqlite3_finalize(is->keep);
	free(is);
}

int
inbound_record(struct inbound_store *is, enum channel ch, int64_t ext_id,
    const char *raw, size_t len, int64_t *row)
{
	int64_t	 id;

	*row = 0;
	/* The id is in the associated data, so it is chosen before sealing. */
	id = is->last_id + 1;
	if (seal_bind(is->keys, is->insert, 5, "inbound", "payload", id, raw,
	    len) == -1) {
		sqlite3_clear_bindings(is->insert);
		return -1;
	}
	sqlite3_bind_int64(is->insert, 1, id);
	sqlite3_bind_int(is->insert, 2, ch);
	sqlite3_bind_int64(is->insert, 3, ext_id);
	sqlite3_bind_int64(is->insert, 4, store_now_ms());
	sqlite3_bind_int(is->insert, 6, raw == NULL ? 1 : 0);
	if (store_step_done(is->insert, "inbound_insert") == -1)
		return -1;
	if (sqlite3_changes(store_db(is->st)) == 0)
		return 0;	/* seen before: the channel redelivered it */
	is->last_id = id;
	is->forgot = 0;
	is->bare = raw == NULL ? id : 0;
	if (raw != NULL)
		is->none_txn = 0;	/* stored pending */
	*row = id;
	return 0;
}

int
inbound_pending(struct inbound_store *is, int64_t after, int64_t *rows,
    int max)
{
	int	 n = 0, rc;

	sqlite3_bind_int64(is->pending, 1, after);
	sqlite3_bind_int(is->pending, 2, max);
	while (n < max && (rc = sqlite3_step(is->pending)) == SQLITE_ROW)
		rows[n++] = sqlite3_column_int64(is->pending, 0);
	if (n < max && rc != SQLITE_DONE)
		n = -1;
	sqlite3_reset(is->pending);
	return n;
}

int
inbound_oldest_pending(struct inbound_store *is, int64_t *oldest)
{
	uint64_t	 txn = store_txn(is->st);
	int		 n;

	if (txn != 0 && is->none_txn == txn &&
	    is->none_rollbacks == store_rollbacks(is->st))
		return 0;
	if ((n = inbound_pending(is, 0, oldest, 1)) == 0 && txn != 0) {
		is->none_txn = txn;
		is->none_rollbacks = store_rollbacks(is->st);
	}
	return n;
}

int
inbound_load(struct inbound_store *is, int64_t row, enum channel *ch,
    char **raw, size_t *len)
{
	int	 rc = -1;

	*raw = NULL;
	sqlite3_bind_int64(is->load, 1, row);
	if (sqlite3_step(is->load) == SQLITE_ROW) {
		*ch = (enum channel)sqlite3_column_int(is->load, 0);
		if (seal_open(is->keys, is->load, 1, "inbound", "payload", row,
		    raw, len) == -1)
			goto out;	/* told by seal_open() */
	}
	/* Forgotten, or never there: nothing to handle. */
	if (*raw == NULL) {
		log_err("event=inbound.unreadable inbound_id=%" PRId64, row);
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(is->load);
	return rc;
}

int
inbound_forget(struct inbound_store *is, int64_t row)
{
	is->forgot = row;
	/* A row stored without its payload, routed at once, has none. */
	if (row == is->bare)
		return 0;
	sqlite3_bind_int64(is->forget, 1, row);
	return store_step_done(is->forget, "inbound_forget");
}

int
inbound_forgotten(const struct inbound_store *is, int64_t row)
{
	return is->forgot == row;
}

int
inbound_keep(struct inbound_store *is, int64_t row, const char *raw,
    size_t len, int left)
{
	if (row == is->bare)
		is->bare = 0;
	if (left)
		is->none_txn = 0;	/* pending again */
	if (seal_bind(is->keys, is->keep, 1, "inbound", "payload", row, raw,
	    len) == -1) {
		sqlite3_clear_bindings(is->keep);
		return -1;
	}
	sqlite3_bind_int64(is->keep, 2, row);
	sqlite3_bind_int(is->keep, 3, left);
	return store_step_done(is->keep, "inbound_keep");
}

int
inbound_mark(struct inbound_store *is, int64_t row, int state)
{
	/* Written handled already, in this transaction. */
	if (row == is->bare && state == 1)
		return 0;
	if (state == 0)
		is->none_txn = 0;
	sqlite3_bind_int(is->mark, 1, state);
	sqlite3_bind_int64(is->mark, 2, store_now_ms());
	sqlite3_bind_int64(is->mark, 3, row);
	return store_step_done(is->mark, "inbound_mark");
}

int
inbound_count_pending(struct inbound_store *is, int64_t *n)
{
	int	 rc;

	rc = sqlite3_step(is->count);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(is->count, 0) : 0;
	sqlite3_reset(is->count);
	return rc == SQLITE_ROW ? 0 : -1;
}
