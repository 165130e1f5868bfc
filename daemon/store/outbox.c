/* The outbox: durable queue of every outgoing message, payloads sealed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "crypto.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

#define OUTBOX_KEY_MEMO	64

struct outbox {
	struct store		*st;
	const struct keys	*keys;
	outbox_order_fn		 order_fn;	/* the channels' */
	sqlite3_stmt		*insert, *requeue, *due;
	sqlite3_stmt		*next_due, *payload, *sent;
	sqlite3_stmt		*retry, *failed, *retry_failed;
	sqlite3_stmt		*counts, *depth;
	sqlite3_stmt		*find_sent, *delivery, *gateway;
	sqlite3_stmt		*list, *copy;
	sqlite3_stmt		*coalesce, *promote, *promote_chat, *expire;
	sqlite3_stmt		*family_of;
	int64_t			 last_id;	/* ids are ours to give */
	/*
	 * Rows being sent: kept here, not written (their rows stay queued
	 * in the database). A handful (outbox.max_in_flight), so a scan.
	 */
	struct outbox_flight	*flight;
	size_t			 nflight, capflight;
	/*
	 * The new chat keys of rows in flight, from outbox_rekey_unsent(),
	 * theirs once its transaction is committed (outbox_rekey_settle()).
	 */
	struct outbox_flight	*rekeyed;
	size_t			 nrekeyed;
	/*
	 * The chat keys of the chats written to lately, by chat: a message
	 * to an assistant hashed the same chat again. Good while the keys
	 * are: a rotation replaces them in place, which moves
	 * crypto_keys_generation().
	 */
	struct outbox_key_memo {
		int64_t		 chat_id;
		int		 channel;	/* 0: empty */
		unsigned char	 key[CRYPTO_INDEX_LEN];
	}			 memo[OUTBOX_KEY_MEMO];
	uint64_t		 memo_gen;	/* + 1: 0 before the first */
	/* The sealed payloads of outbox_due()'s rows (sealed_off). */
	unsigned char		*due_buf;
	size_t			 due_len, due_cap;
};

struct outbox_flight {
	int64_t		 id;
	int		 priority;
	unsigned char	 chat_key[CRYPTO_INDEX_LEN];
};

static const char *const outbox_state_names[OUTBOX_NSTATES] = {
	"queued", "sending", "sent", "failed"
};

static const char *const outbox_priority_names[OUTBOX_NPRIOS] = {
	"conversation", "reminder", "broadcast", "receipt"
};

int
outbox_set_delivery(struct outbox *ob, int64_t id, const char *gateway_id,
    int delivery, const char *code, int64_t now, int *found)
{
	int	 rc;

	sqlite3_bind_int(ob->delivery, 1, delivery);
	if (code != NULL)
		sqlite3_bind_text(ob->delivery, 2, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ob->delivery, 3, now);
	sqlite3_bind_int64(ob->delivery, 4, id);
	if (gateway_id != NULL)
		sqlite3_bind_text(ob->delivery, 5, gateway_id, -1,
		    SQLITE_TRANSIENT);
	rc = store_step_done(ob->delivery, "outbox_delivery");
	*found = rc == 0 && sqlite3_changes(store_db(ob->st)) > 0;
	return rc;
}

int
outbox_set_gateway_id(struct outbox *ob, int64_t id, const char *gateway_id)
{
	sqlite3_bind_text(ob->gateway, 1, gateway_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ob->gateway, 2, id);
	return store_step_done(ob->gateway, "outbox_gateway");
}

const char *
outbox_state_name(enum outbox_state s)
{
	if ((int)s < 0 || s >= OUTBOX_NSTATES)
		return "?";
	return outbox_state_names[s];
}

const char *
outbox_priority_name(enum outbox_priority p)
{
	if ((int)p < 0 || p >= OUTBOX_NPRIOS)
		return "?";
	return outbox_priority_names[p];
}

/*
 * A queued row is due when its times have come, nothing of its chat is
 * being sent (the rows in flight are known in memory only: their rows
 * stay queued, and one is the head of its chat), and no older row of the
 * chat is still waiting, due or backing off before a retry: one chat's
 * messages keep their order, one in flight at a time. Older rows not due
 * yet (a reminder for tomorrow) do not block.
 * Receipts are outside that order: neither held nor holding.
 *
 * Only heads are read: a row becomes a head when it is queued with nothing
 * of its chat ahead of it, is a receipt, or is scheduled for later;
 * otherwise when the row ahead of it is done (outbox_promote_sql). Ready
 * heads (no time of their own) are read in lane order from outbox_ready
 * and the merge stops at the limit; heads with a time from
 * outbox_waiting, only those whose time has come. So a pass reads what it
 * claims, plus the heads it finds held (a chat's row in flight, a chat
 * over its rate): neither the backlog behind the heads nor the heads
 * scheduled for later. The order is still checked here. A head in flight
 * is passed over first, from the index alone (its id): its row is not
 * read.
 */
#define OUTBOX_DUE_HELD \
	"AND NOT outbox_in_flight(o.id) AND (priority = 3 " \
	"OR (NOT outbox_chat_busy(o.chat_key) " \
	/* \
	 * A seek in outbox_chat_ext, not a walk through the chat's past: \
	 * a queued row has no ext_message_id. \
	 */ \
	"AND NOT EXISTS (SELECT 1 FROM outbox p " \
	"  WHERE p.chat_key = o.chat_key AND p.state = 0 " \
	"  AND p.ext_message_id IS NULL AND p.id < o.id " \
	"  AND p.not_before <= ?1 AND p.priority <> 3))) "
#define OUTBOX_DUE_COLS \
	"SELECT id, channel, priority, attempts, is_group, chat_key, method, " \
	"cause, cause_id, member_id, payload FROM outbox o "
#define OUTBOX_READY \
	"head = 1 AND state = 0 AND not_before = 0 AND next_attempt_at = 0 "
#define OUTBOX_WAITING \
	"head = 1 AND state = 0 AND (not_before <> 0 OR next_attempt_at <> 0) "

static const char outbox_due_sql[] =
	OUTBOX_DUE_COLS "INDEXED BY outbox_ready WHERE " OUTBOX_READY
	OUTBOX_DUE_HELD
	"UNION ALL "
	OUTBOX_DUE_COLS "INDEXED BY outbox_waiting WHERE " OUTBOX_WAITING
	"AND MAX(not_before, next_attempt_at) <= ?1 " OUTBOX_DUE_HELD
	"ORDER BY 3, 1 LIMIT ?2";

/*
 * A new row heads its chat's queue (head = 1) unless it queues behind
 * one: asked in the INSERT itself (?13 says it is a head anyway). Rows
 * with a time of their own (?13) are heads and hold nothing here:
 * whether they come first is the due query's to say, at their time.
 */
#define OUTBOX_INSERT_HEAD \
	"CASE WHEN ?13 THEN 1 ELSE NOT EXISTS (SELECT 1 FROM outbox " \
	"WHERE chat_key = ?5 AND state < 2 AND ext_message_id IS NULL " \
	"AND priority <> 3 AND not_before = 0) END"

/* A row is done: the oldest one queued behind it in its chat is a head. */
#define OUTBOX_PROMOTE(chat) \
	"UPDATE outbox SET head = 1 WHERE id = (SELECT n.id FROM outbox n " \
	"WHERE n.chat_key = " chat " AND n.state = 0 " \
	"AND n.ext_message_id IS NULL AND n.head = 0 ORDER BY n.id LIMIT 1)"
static const char outbox_promote_sql[] =
	OUTBOX_PROMOTE("(SELECT o.chat_key FROM outbox o WHERE o.id = ?1 "
	"AND o.priority <> 3)");
/* The same in the chat of a row that was in flight, known in memory. */
static const char outbox_promote_chat_sql[] = OUTBOX_PROMOTE("?1");

/*
 * Reports may come late, twice, or out of order: a final failure stays,
 * and "queued" never replaces "delivered".
 */
static const char outbox_delivery_sql[] =
	"UPDATE outbox SET delivery = ?1, delivery_code = ?2, "
	"delivery_at = ?3 "
	/*
	 * Only an SMS row, and when both ids are known they must agree: a
	 * report naming our id cannot change another gateway message's row.
	 */
	"WHERE channel = 2 AND ((id = ?4 AND (?5 IS NULL OR gateway_id IS "
	"NULL OR gateway_id = ?5)) OR (?4 = 0 AND gateway_id = ?5)) "
	"AND COALESCE(delivery, 0) NOT IN (3, 4) "
	"AND NOT (?1 = 1 AND COALESCE(delivery, 0) = 2)";

/*
 * When the dispatcher must look again: the earliest time a head becomes
 * due. A row behind an older one waits for that one, not for its own
 * times; a head held by an older scheduled row reads as due now, and the
 * dispatcher looks again in a second.
 */
static const char outbox_next_due_sql[] =
	"SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox INDEXED BY outbox_ready "
	"WHERE " OUTBOX_READY "AND NOT outbox_in_flight(id)) THEN 0 ELSE "
	"(SELECT MAX(not_before, next_attempt_at) AS t FROM outbox "
	"INDEXED BY outbox_waiting WHERE " OUTBOX_WAITING
	"AND NOT outbox_in_flight(id) ORDER BY t LIMIT 1) END";

/*
 * Through outbox_chat_ext (chat_key, state, ext_message_id DESC, id DESC):
 * the newest copy first, as Telegram numbers a chat's messages in the
 * order sent.
 */
static const char outbox_copy_sql[] =
	"SELECT ext_message_id FROM outbox WHERE chat_key = ?1 "
	"AND state = 2 AND cause = ?2 AND cause_id = ?3 AND "
	"ext_message_id IS NOT NULL ORDER BY ext_message_id DESC LIMIT 1";

static struct outbox_flight *
outbox_flight_find(const struct outbox *ob, int64_t id)
{
	size_t	 i;

	for (i = 0; i < ob->nflight; i++)
		if (ob->flight[i].id == id)
			return &ob->flight[i];
	return NULL;
}

/* outbox_in_flight(id): whether the row is being sent. */
static void
outbox_sql_in_flight(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct outbox	*ob = sqlite3_user_data(ctx);

	(void)argc;
	sqlite3_result_int(ctx, ob->nflight > 0 &&
	    outbox_flight_find(ob, sqlite3_value_int64(argv[0])) != NULL);
}

/* outbox_chat_busy(chat_key): a row of the chat (no receipt) is. */
static void
outbox_sql_chat_busy(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct outbox	*ob = sqlite3_user_data(ctx);
	const void		*key;
	size_t			 i;
	int			 busy = 0;

	(void)argc;
	if (ob->nflight > 0 &&
	    sqlite3_value_bytes(argv[0]) == CRYPTO_INDEX_LEN &&
	    (key = sqlite3_value_blob(argv[0])) != NULL)
		for (i = 0; i < ob->nflight && !busy; i++)
			busy = ob->flight[i].priority != OUTBOX_PRIO_RECEIPT &&
			    memcmp(ob->flight[i].chat_key, key,
			    CRYPTO_INDEX_LEN) == 0;
	sqlite3_result_int(ctx, busy);
}

/*
 * The statements ask the rows in flight through these; `arg` NULL
 * removes them (before the outbox is freed).
 */
static int
outbox_functions(struct outbox *ob, void *arg)
{
	sqlite3	*db = store_db(ob->st);
	int	 flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;

	if (sqlite3_create_function_v2(db, "outbox_in_flight", 1, flags, arg,
	    arg != NULL ? outbox_sql_in_flight : NULL, NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    sqlite3_create_function_v2(db, "outbox_chat_busy", 1, flags, arg,
	    arg != NULL ? outbox_sql_chat_busy : NULL, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		log_err("event=store.error what=outbox_functions error=\"%s\"",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * Stale receipts given up, every few seconds while the dispatcher works:
 * `state <> 2` has outbox_live (priority, state) serve it, where
 * `state = 0` alone read every row the outbox keeps.
 */
const char outbox_expire_sql[] =
    "UPDATE outbox SET state = 3, error_code = NULL, "
    "last_error = 'stale receipt, given up' WHERE state <> 2 "
    "AND state = 0 AND priority = 3 AND created_at < ? "
    "AND NOT outbox_in_flight(id)";

struct outbox *
outbox_new(struct store *st, const struct keys *k)
{
	struct outbox	*ob;

	ob = xcalloc(1, sizeof *ob);
	ob->st = st;
	ob->keys = k;
	if (outbox_functions(ob, ob) == -1 ||
	    store_max_id(st, "outbox", &ob->last_id) == -1 ||
	    store_prepare(st, "INSERT INTO outbox (id, created_at, priority, "
	    "channel, chat_key, is_group, method, not_before, cause, cause_id, "
	    "payload, member_id, head, receipt_key, family_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
	    OUTBOX_INSERT_HEAD ", ?14, ?15)", &ob->insert) == -1 ||
	    store_prepare(st, people_member_family_sql, &ob->family_of) ==
	    -1 ||
	    store_prepare(st, "DELETE FROM outbox WHERE receipt_key = ? "
	    "AND state = 0 AND NOT outbox_in_flight(id)",
	    &ob->coalesce) == -1 ||
	    store_prepare(st, outbox_promote_sql, &ob->promote) == -1 ||
	    store_prepare(st, outbox_promote_chat_sql, &ob->promote_chat) ==
	    -1 ||
	    store_prepare(st, outbox_expire_sql, &ob->expire) == -1 ||
	    store_prepare(st, "SELECT id, channel, priority, attempts, "
	    "is_group, chat_key, method, cause, cause_id, member_id "
	    "FROM outbox WHERE chat_key = ? AND state = 2 "
	    "AND ext_message_id = ? ORDER BY id DESC LIMIT 1",
	    &ob->find_sent) == -1 ||
	    store_prepare(st, outbox_delivery_sql, &ob->delivery) == -1 ||
	    store_prepare(st, "UPDATE outbox SET gateway_id = ?, "
	    "delivery = COALESCE(delivery, 1) WHERE id = ?",
	    &ob->gateway) == -1 ||
	    store_prepare(st, "UPDATE outbox SET state = 0, next_attempt_at = "
	    "MAX(next_attempt_at, ?1) WHERE state = 1", &ob->requeue) == -1 ||
	    store_prepare(st, outbox_due_sql, &ob->due) == -1 ||
	    store_prepare(st, outbox_next_due_sql, &ob->next_due) == -1 ||
	    store_prepare(st, "SELECT payload FROM outbox WHERE id = ?",
	    &ob->payload) == -1 ||
	    store_prepare(st, "UPDATE outbox SET state = 2, sent_at = ?, "
	    "attempts = attempts + 1, ext_message_id = ?, last_error = NULL, "
	    "error_code = NULL WHERE id = ?", &ob->sent) == -1 ||
	    store_prepare(st, "UPDATE outbox SET state = 0, "
	    "next_attempt_at = ?, attempts = attempts + ?, error_code = ?, "
	    "last_error = ? WHERE id = ?", &ob->retry) == -1 ||
	    store_prepare(st, "UPDATE outbox SET state = 3, "
	    "attempts = attempts + 1, error_code = ?, last_error = ? "
	    "WHERE id = ?", &ob->failed) == -1 ||
	    store_prepare(st, "UPDATE outbox SET state = 0, attempts = 0, "
	    "next_attempt_at = 0, head = 1 WHERE id = ? AND state = 3",
	    &ob->retry_failed) == -1 ||
	    /*
	     * The rows not sent through outbox_live; sent ones are what
	     * else the table holds (a count of its smallest b-tree).
	     */
	    store_prepare(st, "SELECT state, COUNT(*) FROM outbox "
	    "WHERE state <> 2 GROUP BY state UNION ALL "
	    "SELECT 2, (SELECT COUNT(*) FROM outbox) - "
	    "(SELECT COUNT(*) FROM outbox WHERE state <> 2)",
	    &ob->counts) == -1 ||
	    /* Through the index outbox_live (priority, state). */
	    store_prepare(st, "SELECT priority, state, COUNT(*) FROM outbox "
	    "WHERE state <> 2 GROUP BY priority, state", &ob->depth) == -1 ||
	    store_prepare(st, "SELECT id, state, priority, channel, method, "
	    "attempts, error_code, last_error, created_at, sent_at, cause, "
	    "delivery, delivery_code, delivery_at "
	    "FROM outbox WHERE (?1 < 0 OR state = ?1) AND (?2 = 0 OR id = ?2) "
	    "AND (?4 = 0 OR channel = ?4) "
	    "ORDER BY id DESC LIMIT ?3", &ob->list) == -1 ||
	    store_prepare(st, outbox_copy_sql, &ob->copy) == -1) {
		outbox_free(ob);
		return NULL;
	}
	return ob;
}

void
outbox_free(struct outbox *ob)
{
	if (ob == NULL)
		return;
	sqlite3_finalize(ob->insert);
	sqlite3_finalize(ob->family_of);
	sqlite3_finalize(ob->requeue);
	sqlite3_finalize(ob->due);
	sqlite3_finalize(ob->next_due);
	sqlite3_finalize(ob->payload);
	sqlite3_finalize(ob->sent);
	sqlite3_finalize(ob->retry);
	sqlite3_finalize(ob->failed);
	sqlite3_finalize(ob->retry_failed);
	sqlite3_finalize(ob->counts);
	sqlite3_finalize(ob->depth);
	sqlite3_finalize(ob->find_sent);
	sqlite3_finalize(ob->delivery);
	sqlite3_finalize(ob->gateway);
	sqlite3_finalize(ob->list);
	sqlite3_finalize(ob->copy);
	sqlite3_finalize(ob->coalesce);
	sqlite3_finalize(ob->promote);
	sqlite3_finalize(ob->promote_chat);
	sqlite3_finalize(ob->expire);
	(void)outbox_functions(ob, NULL);
	free(ob->due_buf);
	free(ob->flight);
	free(ob->rekeyed);
	free(ob);
}

void
outbox_chat_key(const struct keys *k, enum channel ch, int64_t chat_id,
    unsigned char out[CRYPTO_INDEX_LEN])
{
	char	 buf[32];
	int	 n;

	n = snprintf(buf, sizeof buf, "%d:%" PRId64, (int)ch, chat_id);
	crypto_blind_index(k, "chat", buf, (size_t)n, out);
}

/* outbox_chat_key() under ob's keys, remembered (struct outbox_key_memo). */
static void
outbox_chat_key_memo(struct outbox *ob, enum channel ch, int64_t chat_id,
    unsigned char out[CRYPTO_INDEX_LEN])
{
	struct outbox_key_memo	*m;
	uint64_t		 gen = crypto_keys_generation() + 1;

	if (gen != ob->memo_gen) {
		sodium_memzero(ob->memo, sizeof ob->memo);
		ob->memo_gen = gen;
	}
	m = &ob->memo[(((uint64_t)chat_id * 0x9e3779b97f4a7c15ULL) >> 58) %
	    OUTBOX_KEY_MEMO];
	if (m->channel != (int)ch || m->chat_id != chat_id) {
		outbox_chat_key(ob->keys, ch, chat_id, m->key);
		m->channel = (int)ch;
		m->chat_id = chat_id;
	}
	memcpy(out, m->key, CRYPTO_INDEX_LEN);
}

/* A newer receipt about the same message replaces a queued one. */
static int
outbox_coalesce(struct outbox *ob, const unsigned char rkey[CRYPTO_INDEX_LEN])
{
	int	 n;

	sqlite3_bind_blob(ob->coalesce, 1, rkey, CRYPTO_INDEX_LEN,
	    SQLITE_TRANSIENT);
	if (store_step_done(ob->coalesce, "outbox_coalesce") == -1)
		return -1;
	if ((n = sqlite3_changes(store_db(ob->st))) > 0)
		log_debug("event=outbox.receipt_replaced rows=%d", n);
	return 0;
}

/* The family whose key seals a row: named, else the member's. */
static int
outbox_family(struct outbox *ob, const struct outmsg *m, int64_t *fam)
{
	int	 rc;

	*fam = m->family_id;
	if (*fam != 0 || m->member_id == 0)
		return 0;
	sqlite3_bind_int64(ob->family_of, 1, m->member_id);
	rc = sqlite3_step(ob->family_of);
	if (rc == SQLITE_ROW)
		*fam = sqlite3_column_int64(ob->family_of, 0);
	sqlite3_reset(ob->family_of);
	sqlite3_clear_bindings(ob->family_of);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_err("event=store.error what=outbox_family error=\"%s\"",
	    sqlite3_errstr(rc));
	return -1;
}

int
outbox_erase_family(struct outbox *ob, int64_t family_id, int64_t *n)
{
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	*n = 0;
	/* Rare: prepared when asked. Sending rows finish their attempt. */
	if (store_prepare(ob->st, "DELETE FROM outbox WHERE family_id = ? "
	    "AND state IN (0, 3)", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, family_id);
	if (store_step_done(s, "outbox_erase") == -1)
		goto out;
	*n = sqlite3_changes(store_db(ob->st));
	sqlite3_finalize(s);
	if (store_prepare(ob->st, "UPDATE outbox SET payload = NULL "
	    "WHERE family_id = ? AND state = 2", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, family_id);
	if (store_step_done(s, "outbox_erase_sent") == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

int
outbox_enqueue(struct outbox *ob, const struct outmsg *m, int64_t *idp)
{
	unsigned char	 key[CRYPTO_INDEX_LEN], rkey[CRYPTO_INDEX_LEN];
	int64_t		 id, fam, now = store_now_ms();
	int		 receipt;

	if (m->order_key != NULL)
		crypto_blind_index(ob->keys, "order", m->order_key,
		    strlen(m->order_key), key);
	else
		outbox_chat_key_memo(ob, m->channel, m->chat_id, key);
	receipt = m->priority == OUTBOX_PRIO_RECEIPT && m->receipt_key != NULL;
	if (receipt) {
		crypto_blind_index(ob->keys, "receipt", m->receipt_key,
		    strlen(m->receipt_key), rkey);
		if (outbox_coalesce(ob, rkey) == -1)
			return -1;
	}
	/* The id is in the associated data, so it is chosen before sealing. */
	id = ob->last_id + 1;
	if (outbox_family(ob, m, &fam) == -1 || seal_bind_str_fam(ob->keys,
	    fam, ob->insert, 11, "outbox", "payload", id, m->params) == -1) {
		sqlite3_clear_bindings(ob->insert);
		return -1;
	}
	if (fam != 0)
		sqlite3_bind_int64(ob->insert, 15, fam);
	sqlite3_bind_int64(ob->insert, 1, id);
	sqlite3_bind_int64(ob->insert, 2, now);
	sqlite3_bind_int(ob->insert, 3, m->priority);
	sqlite3_bind_int(ob->insert, 4, m->channel);
	sqlite3_bind_blob(ob->insert, 5, key, sizeof key, SQLITE_TRANSIENT);
	sqlite3_bind_int(ob->insert, 6, m->order_key == NULL &&
	    m->channel == CHANNEL_TELEGRAM && m->chat_id < 0);
	sqlite3_bind_text(ob->insert, 7, m->method, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ob->insert, 8, m->not_before);
	sqlite3_bind_text(ob->insert, 9, m->cause, -1, SQLITE_STATIC);
	if (m->cause_id != 0)
		sqlite3_bind_int64(ob->insert, 10, m->cause_id);
	if (m->member_id != 0)
		sqlite3_bind_int64(ob->insert, 12, m->member_id);
	sqlite3_bind_int(ob->insert, 13, m->priority == OUTBOX_PRIO_RECEIPT ||
	    m->not_before != 0);
	if (receipt)
		sqlite3_bind_blob(ob->insert, 14, rkey, sizeof rkey,
		    SQLITE_TRANSIENT);
	if (store_step_done(ob->insert, "outbox_insert") == -1)
		return -1;
	ob->last_id = id;
	if (idp != NULL)
		*idp = id;
	log_debug("event=outbox.queued outbox_id=%" PRId64 " method=%s "
	    "priority=%d", id, m->method, m->priority);
	return 0;
}

int
outbox_requeue_sending(struct outbox *ob, int64_t not_before, int *count)
{
	sqlite3_bind_int64(ob->requeue, 1, not_before);
	if (store_step_done(ob->requeue, "outbox_requeue") == -1)
		return -1;
	*count = sqlite3_changes(store_db(ob->st));
	return 0;
}

/* A row of the columns selected by outbox_due_sql and find_sent. */
static int
outbox_read_row(sqlite3_stmt *s, struct outbox_row *r)
{
	const void	*key;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->channel = (enum channel)sqlite3_column_int(s, 1);
	r->priority = sqlite3_column_int(s, 2);
	r->attempts = sqlite3_column_int(s, 3);
	r->is_group = sqlite3_column_int(s, 4);
	key = sqlite3_column_blob(s, 5);
	if (key == NULL || sqlite3_column_bytes(s, 5) != CRYPTO_INDEX_LEN)
		return -1;
	memcpy(r->chat_key, key, CRYPTO_INDEX_LEN);
	store_col_copy(s, 6, r->method, sizeof r->method);
	store_col_copy(s, 7, r->cause, sizeof r->cause);
	r->cause_id = sqlite3_column_int64(s, 8);
	r->member_id = sqlite3_column_int64(s, 9);
	return 0;
}

/* The sealed payload of the due row `r`, copied to ob->due_buf. */
static void
outbox_due_keep(struct outbox *ob, sqlite3_stmt *s, int col,
    struct outbox_row *r)
{
	const void	*blob = sqlite3_column_blob(s, col);
	size_t		 len = (size_t)sqlite3_column_bytes(s, col);

	if (blob == NULL || len == 0)
		return;
	if (ob->due_cap - ob->due_len < len) {
		ob->due_cap = ob->due_len + len > 2 * ob->due_cap ?
		    ob->due_len + len : 2 * ob->due_cap;
		ob->due_buf = xrealloc(ob->due_buf, ob->due_cap);
	}
	memcpy(ob->due_buf + ob->due_len, blob, len);
	r->sealed_off = ob->due_len;
	r->sealed_len = len;
	ob->due_len += len;
}

int
outbox_due(struct outbox *ob, int64_t now, struct outbox_row *rows, int max)
{
	int	 n = 0, rc;

	/* Sealed: what the buffer keeps between passes reveals nothing. */
	ob->due_len = 0;
	sqlite3_bind_int64(ob->due, 1, now);
	sqlite3_bind_int(ob->due, 2, max);
	while (n < max && (rc = sqlite3_step(ob->due)) == SQLITE_ROW)
		if (outbox_read_row(ob->due, &rows[n]) == 0) {
			outbox_due_keep(ob, ob->due, 10, &rows[n]);
			n++;
		}
	if (n < max && rc != SQLITE_DONE) {
		log_err("event=store.error what=outbox_due error=\"%s\"",
		    sqlite3_errstr(rc));
		n = -1;
	}
	sqlite3_reset(ob->due);
	return n;
}

int
outbox_find_sent(struct outbox *ob, enum channel ch, int64_t chat_id,
    int64_t ext_message_id, struct outbox_row *row, int *found)
{
	/* While the key is rotated, a row not rebuilt yet has the old. */
	const struct keys	*k[2] = { ob->keys, seal_previous() };
	unsigned char		 key[CRYPTO_INDEX_LEN];
	int			 i, rc = SQLITE_DONE;

	*found = 0;
	for (i = 0; i < 2 && k[i] != NULL && rc == SQLITE_DONE; i++) {
		outbox_chat_key(k[i], ch, chat_id, key);
		sqlite3_bind_blob(ob->find_sent, 1, key, sizeof key,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(ob->find_sent, 2, ext_message_id);
		rc = sqlite3_step(ob->find_sent);
		*found = rc == SQLITE_ROW &&
		    outbox_read_row(ob->find_sent, row) == 0;
		sqlite3_reset(ob->find_sent);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_sent_copy(struct outbox *ob, enum channel ch, int64_t chat_id,
    const char *cause, int64_t cause_id, int64_t *ext_message_id)
{
	const struct keys	*k[2] = { ob->keys, seal_previous() };
	unsigned char		 key[CRYPTO_INDEX_LEN];
	int			 i, rc = SQLITE_DONE;

	*ext_message_id = 0;
	for (i = 0; i < 2 && k[i] != NULL && rc == SQLITE_DONE; i++) {
		outbox_chat_key(k[i], ch, chat_id, key);
		sqlite3_bind_blob(ob->copy, 1, key, sizeof key,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(ob->copy, 2, cause, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ob->copy, 3, cause_id);
		if ((rc = sqlite3_step(ob->copy)) == SQLITE_ROW)
			*ext_message_id = sqlite3_column_int64(ob->copy, 0);
		sqlite3_reset(ob->copy);
		sqlite3_clear_bindings(ob->copy);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_err("event=store.error what=outbox_copy error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

int64_t
outbox_next_due(struct outbox *ob, int64_t now)
{
	int64_t	 at = INT64_MAX;

	(void)now;
	if (sqlite3_step(ob->next_due) == SQLITE_ROW &&
	    sqlite3_column_type(ob->next_due, 0) != SQLITE_NULL)
		at = sqlite3_column_int64(ob->next_due, 0);
	sqlite3_reset(ob->next_due);
	return at;
}

int
outbox_payload(struct outbox *ob, int64_t id, char **params, size_t *len)
{
	int	 rc = -1;

	*params = NULL;
	sqlite3_bind_int64(ob->payload, 1, id);
	if (sqlite3_step(ob->payload) == SQLITE_ROW &&
	    seal_open(ob->keys, ob->payload, 0, "outbox", "payload", id,
	    params, len) == -1)
		goto out;	/* told by seal_open() */
	if (*params == NULL) {
		log_err("event=outbox.payload_unreadable outbox_id=%" PRId64,
		    id);
		goto out;
	}
	rc = 0;
out:
	sqlite3_reset(ob->payload);
	return rc;
}

int
outbox_due_payload(struct outbox *ob, const struct outbox_row *r,
    char **params, size_t *len)
{
	if (r->sealed_len == 0 || r->sealed_off + r->sealed_len > ob->due_len)
		return outbox_payload(ob, r->id, params, len);
	if (seal_open_blob(ob->keys, ob->due_buf + r->sealed_off,
	    r->sealed_len, "outbox", "payload", r->id, params, len) == -1)
		return -1;	/* told by seal_open_blob() */
	if (*params == NULL) {
		log_err("event=outbox.payload_unreadable outbox_id=%" PRId64,
		    r->id);
		return -1;
	}
	return 0;
}

/*
 * The row `id` is done (sent, failed): the next of its chat heads it. A
 * row that was in flight (`f`, else NULL) names its chat and lane: a
 * receipt holds no one, and the chat is not read back. Unless a new key
 * is being given to the rows (outbox_rekey_unsent() until settled): then
 * the row's own is read.
 */
static int
outbox_promote(struct outbox *ob, int64_t id, const struct outbox_flight *f)
{
	if (f == NULL || ob->nrekeyed != 0) {
		sqlite3_bind_int64(ob->promote, 1, id);
		return store_step_done(ob->promote, "outbox_promote");
	}
	if (f->priority == OUTBOX_PRIO_RECEIPT)
		return 0;
	sqlite3_bind_blob(ob->promote_chat, 1, f->chat_key, CRYPTO_INDEX_LEN,
	    SQLITE_STATIC);
	return store_step_done(ob->promote_chat, "outbox_promote");
}

int
outbox_expire_receipts(struct outbox *ob, int64_t before, int *count)
{
	int	 n;

	sqlite3_bind_int64(ob->expire, 1, before);
	if (store_step_done(ob->expire, "outbox_expire") == -1)
		return -1;
	n = sqlite3_changes(store_db(ob->st));
	if (n > 0)
		log_notice("event=outbox.receipts_expired rows=%d", n);
	if (count != NULL)
		*count = n;
	return 0;
}

void
outbox_mark_sending(struct outbox *ob, const struct outbox_row *r)
{
	struct outbox_flight	*f;

	if (outbox_flight_find(ob, r->id) != NULL)
		return;
	if (ob->nflight == ob->capflight) {
		ob->capflight = ob->capflight == 0 ? 64 : ob->capflight * 2;
		ob->flight = xreallocarray(ob->flight, ob->capflight,
		    sizeof *ob->flight);
	}
	f = &ob->flight[ob->nflight++];
	f->id = r->id;
	f->priority = r->priority;
	memcpy(f->chat_key, r->chat_key, CRYPTO_INDEX_LEN);
}

/*
 * The row's outcome is being written: it is no longer in flight. What it
 * was in flight as is copied to `was`: `was`, or NULL if it was not.
 */
static struct outbox_flight *
outbox_landed(struct outbox *ob, int64_t id, struct outbox_flight *was)
{
	struct outbox_flight	*f;

	if ((f = outbox_flight_find(ob, id)) == NULL)
		return NULL;
	*was = *f;
	*f = ob->flight[--ob->nflight];
	return was;
}

size_t
outbox_in_flight(const struct outbox *ob)
{
	return ob->nflight;
}

int
outbox_mark_sent(struct outbox *ob, int64_t id, int64_t now,
    int64_t ext_message_id)
{
	struct outbox_flight	 was, *f = outbox_landed(ob, id, &was);

	sqlite3_bind_int64(ob->sent, 1, now);
	if (ext_message_id != 0)
		sqlite3_bind_int64(ob->sent, 2, ext_message_id);
	sqlite3_bind_int64(ob->sent, 3, id);
	if (store_step_done(ob->sent, "outbox_sent") == -1)
		return -1;
	return outbox_promote(ob, id, f);
}

int
outbox_mark_retry(struct outbox *ob, int64_t id, int64_t at, int attempt,
    int code, const char *error)
{
	struct outbox_flight	 was;

	(void)outbox_landed(ob, id, &was);
	sqlite3_bind_int64(ob->retry, 1, at);
	sqlite3_bind_int(ob->retry, 2, attempt ? 1 : 0);
	sqlite3_bind_int(ob->retry, 3, code);
	sqlite3_bind_text(ob->retry, 4, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ob->retry, 5, id);
	return store_step_done(ob->retry, "outbox_retry");
}

int
outbox_mark_failed(struct outbox *ob, int64_t id, int code, const char *error)
{
	struct outbox_flight	 was, *f = outbox_landed(ob, id, &was);

	sqlite3_bind_int(ob->failed, 1, code);
	sqlite3_bind_text(ob->failed, 2, error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ob->failed, 3, id);
	if (store_step_done(ob->failed, "outbox_failed") == -1)
		return -1;
	return outbox_promote(ob, id, f);
}

int
outbox_retry_failed(struct outbox *ob, int64_t id, int *changed)
{
	sqlite3_bind_int64(ob->retry_failed, 1, id);
	if (store_step_done(ob->retry_failed, "outbox_retry_failed") == -1)
		return -1;
	*changed = sqlite3_changes(store_db(ob->st));
	return 0;
}

int
outbox_counts(struct outbox *ob, int64_t counts[OUTBOX_NSTATES])
{
	int	 rc, s;

	memset(counts, 0, sizeof(int64_t) * OUTBOX_NSTATES);
	while ((rc = sqlite3_step(ob->counts)) == SQLITE_ROW) {
		s = sqlite3_column_int(ob->counts, 0);
		if (s >= 0 && s < OUTBOX_NSTATES)
			counts[s] = sqlite3_column_int64(ob->counts, 1);
	}
	sqlite3_reset(ob->counts);
	/* Rows in flight are queued in the database. */
	counts[OUTBOX_QUEUED] -= (int64_t)ob->nflight;
	counts[OUTBOX_SENDING] += (int64_t)ob->nflight;
	return rc == SQLITE_DONE ? 0 : -1;
}

int
outbox_depth(struct outbox *ob, int64_t depth[OUTBOX_NPRIOS][OUTBOX_NSTATES])
{
	size_t	 i;
	int	 rc, p, s;

	memset(depth, 0, sizeof(int64_t) * OUTBOX_NPRIOS * OUTBOX_NSTATES);
	while ((rc = sqlite3_step(ob->depth)) == SQLITE_ROW) {
		p = sqlite3_column_int(ob->depth, 0);
		s = sqlite3_column_int(ob->depth, 1);
		if (p >= 0 && p < OUTBOX_NPRIOS && s >= 0 &&
		    s < OUTBOX_NSTATES)
			depth[p][s] = sqlite3_column_int64(ob->depth, 2);
	}
	sqlite3_reset(ob->depth);
	if (rc != SQLITE_DONE) {
		log_err("event=store.error what=outbox_depth error=\"%s\"",
		    sqlite3_errstr(rc));
		return -1;
	}
	for (i = 0; i < ob->nflight; i++) {
		p = ob->flight[i].priority;
		if (p >= 0 && p < OUTBOX_NPRIOS) {
			depth[p][OUTBOX_QUEUED]--;
			depth[p][OUTBOX_SENDING]++;
		}
	}
	return 0;
}

static void
outbox_info_row(sqlite3_stmt *s, struct outbox_info *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	r->state = (enum outbox_state)sqlite3_column_int(s, 1);
	r->priority = sqlite3_column_int(s, 2);
	r->channel = (enum channel)sqlite3_column_int(s, 3);
	store_col_copy(s, 4, r->method, sizeof r->method);
	r->attempts = sqlite3_column_int(s, 5);
	r->has_error_code = sqlite3_column_type(s, 6) != SQLITE_NULL;
	r->error_code = sqlite3_column_int(s, 6);
	store_col_copy(s, 7, r->last_error, sizeof r->last_error);
	r->created_at = sqlite3_column_int64(s, 8);
	r->sent_at = sqlite3_column_int64(s, 9);
	store_col_copy(s, 10, r->cause, sizeof r->cause);
	r->delivery = sqlite3_column_int(s, 11);	/* NULL reads 0 */
	store_col_copy(s, 12, r->delivery_code, sizeof r->delivery_code);
	r->delivery_at = sqlite3_column_int64(s, 13);
}

/*
 * Rows in flight are queued in the database: they are told apart here,
 * so that a list of one state asks the database for queued rows.
 */
int
outbox_list(struct outbox *ob, int state, enum channel channel,
    int64_t id, struct outbox_info *rows, int max)
{
	struct outbox_info	*r;
	int			 n = 0, rc = SQLITE_DONE, sending;

	if (state == OUTBOX_SENDING && ob->nflight == 0)
		return 0;
	sqlite3_bind_int(ob->list, 1, state == OUTBOX_SENDING ? OUTBOX_QUEUED :
	    state);
	sqlite3_bind_int64(ob->list, 2, id);
	/* Sending rows are a few of the queued: read until found. */
	sqlite3_bind_int64(ob->list, 3, state == OUTBOX_SENDING ? -1 :
	    (int64_t)max + (int64_t)ob->nflight);
	sqlite3_bind_int(ob->list, 4, (int)channel);
	while (n < max && (rc = sqlite3_step(ob->list)) == SQLITE_ROW) {
		r = &rows[n];
		outbox_info_row(ob->list, r);
		sending = r->state == OUTBOX_QUEUED &&
		    outbox_flight_find(ob, r->id) != NULL;
		if (sending)
			r->state = OUTBOX_SENDING;
		if ((state == OUTBOX_QUEUED && sending) ||
		    (state == OUTBOX_SENDING && !sending))
			continue;
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		log_err("event=store.error what=outbox_list error=\"%s\"",
		    sqlite3_errstr(rc));
		n = -1;
	}
	sqlite3_reset(ob->list);
	return n;
}

/* ---- the channel that last worked for a member (admin API) ----------- */

/*
 * Through outbox_family: the member's family's rows, not the whole
 * outbox (every row ever sent, until retention purges it), for each
 * member of a family shown.
 */
const char outbox_member_last_sql[] =
    "SELECT channel, sent_at FROM outbox "
    "WHERE family_id = ?1 AND member_id = ?2 AND state = 2 "
    "AND sent_at IS NOT NULL "
    "AND (delivery IS NULL OR delivery NOT IN (3, 4)) "
    "ORDER BY sent_at DESC, id DESC LIMIT 1";

/*
 * Prepared per call: the admin API asks it for the members of one family
 * at a time, and the statement stays out of the dispatcher's set.
 */
int
outbox_member_last_sent(struct outbox *ob, int64_t family_id,
    int64_t member_id, enum channel *ch, int64_t *at)
{
	sqlite3_stmt	*s = NULL;
	int		 rc;

	*ch = 0;
	*at = 0;
	if (sqlite3_prepare_v2(store_db(ob->st), outbox_member_last_sql, -1,
	    &s, NULL) != SQLITE_OK) {
		log_err("event=store.error what=outbox_member_last "
		    "error=\"%s\"", sqlite3_errmsg(store_db(ob->st)));
		return -1;
	}
	sqlite3_bind_int64(s, 1, family_id);
	sqlite3_bind_int64(s, 2, member_id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ch = (enum channel)sqlite3_column_int(s, 0);
		*at = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_err("event=store.error what=outbox_member_last error=\"%s\"",
	    sqlite3_errstr(rc));
	return -1;
}

/* ---- programme reports and exports ------------------------------------ */

int
outbox_report(struct outbox *ob, const char *ids, store_row_fn fn, void *arg)
{
	static const char sql[] = "SELECT id, created_at, state, channel, "
	    "COALESCE(delivery, 0), COALESCE(sent_at, 0) FROM outbox "
	    "WHERE id IN (SELECT value FROM json_each(?1))";

	return store_each_row(ob->st, sql, ids, 0, 0, "outbox_report", fn,
	    arg);
}

/* ---- the master key's rotation (store/rotate.c) ---------------------- */

void
outbox_set_order_fn(struct outbox *ob, outbox_order_fn fn)
{
	ob->order_fn = fn;
}

void
outbox_payload_chat_key(struct outbox *ob, const struct keys *k,
    const char *method, const char *payload,
    unsigned char key[CRYPTO_INDEX_LEN])
{
	char	*ok = NULL;
	int64_t	 chat_id = 0;

	if (payload == NULL || method == NULL || ob->order_fn == NULL ||
	    ob->order_fn(method, payload, &ok, &chat_id) == -1)
		randombytes_buf(key, CRYPTO_INDEX_LEN);
	else if (ok != NULL)
		crypto_blind_index(k, "order", ok, strlen(ok), key);
	else
		outbox_chat_key(k, CHANNEL_TELEGRAM, chat_id, key);
	free(ok);
}

int
outbox_rekey_unsent(struct outbox *ob, const struct keys *k, int64_t *n)
{
	sqlite3_stmt		*s = NULL, *u = NULL;
	struct outbox_flight	*f;
	unsigned char		 key[CRYPTO_INDEX_LEN];
	char			*plain;
	size_t			 len;
	int64_t			 id;
	int			 x, rc = -1;

	*n = 0;
	free(ob->rekeyed);
	ob->rekeyed = NULL;
	ob->nrekeyed = 0;
	/* Rare: prepared when asked. The rows not sent are outbox_live's. */
	if (store_prepare(ob->st, "SELECT id, method, payload FROM outbox "
	    "WHERE state <> 2", &s) == -1 ||
	    store_prepare(ob->st, "UPDATE outbox SET chat_key = ? "
	    "WHERE id = ?", &u) == -1)
		goto out;
	while ((x = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		/* An unreadable payload is told by seal_open(). */
		if (seal_open(ob->keys, s, 2, "outbox", "payload", id, &plain,
		    &len) == -1)
			plain = NULL;
		outbox_payload_chat_key(ob, k, (const char *)
		    sqlite3_column_text(s, 1), plain, key);
		crypto_free_plain(plain);
		sqlite3_bind_blob(u, 1, key, sizeof key, SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 2, id);
		if (store_step_done(u, "outbox_rekey") == -1)
			goto out;
		if ((f = outbox_flight_find(ob, id)) != NULL) {
			/* At most the rows in flight: room for all. */
			if (ob->rekeyed == NULL)
				ob->rekeyed = xreallocarray(NULL, ob->nflight,
				    sizeof *ob->rekeyed);
			ob->rekeyed[ob->nrekeyed] = *f;
			memcpy(ob->rekeyed[ob->nrekeyed++].chat_key, key,
			    sizeof key);
		}
		(*n)++;
	}
	if (x != SQLITE_DONE) {
		log_err("event=store.error what=outbox_rekey error=\"%s\"",
		    sqlite3_errstr(x));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return rc;
}

void
outbox_rekey_settle(struct outbox *ob, int committed)
{
	struct outbox_flight	*f;
	size_t			 i;

	for (i = 0; committed && i < ob->nrekeyed; i++)
		if ((f = outbox_flight_find(ob, ob->rekeyed[i].id)) != NULL)
			memcpy(f->chat_key, ob->rekeyed[i].chat_key,
			    sizeof f->chat_key);
	free(ob->rekeyed);
	ob->rekeyed = NULL;
	ob->nrekeyed = 0;
}
