/*
 * Unit tests for what a rotation of the master key asks of the tables'
 * owners: the outbox's rows not sent take the new chat keys at once, so
 * a chat's rows queued after the start wait behind those queued before;
 * the daemon's own keys in the keystore stay the same across a rewrap; a
 * key made by root belongs to its directory's owner (the daemon's user,
 * who must read it and write beside it to rotate it).
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto.h"
#include "keystore.h"
#include "log.h"
#include "channel.h"
#include "outbox.h"
#include "seal.h"
#include "store.h"
#include "unit/fixture.h"

struct rot_test {
	struct fixture	 fx;
	struct outbox	*ob;
	struct keys	*nk;
};

static int
group_setup(void **state)
{
	(void)state;
	log_set_level((enum log_level)(LOGL_ERR - 1));
	return crypto_init() == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct rot_test	*f = *state;
	int		 rc;

	outbox_free(f->ob);
	crypto_keys_free(f->nk);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct rot_test	*f;
	unsigned char	 other[CRYPTO_MASTER_LEN];

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	memset(other, 0x5a, sizeof other);
	if (fixture_setup(&f->fx, "rotate", FIXTURE_STORE | FIXTURE_KEYS) ==
	    -1 || (f->ob = outbox_new(f->fx.st, f->fx.keys)) == NULL ||
	    (f->nk = crypto_keys_from_master(other)) == NULL) {
		teardown(state);
		return -1;
	}
	outbox_set_order_fn(f->ob, channel_order_of);
	return 0;
}

static int64_t
enqueue(struct rot_test *f, const char *method, int64_t chat,
    const char *order_key, const char *params)
{
	struct outmsg	 m;
	int64_t		 id = 0;

	memset(&m, 0, sizeof m);
	m.channel = strcmp(method, "sms") == 0 ? CHANNEL_SMS :
	    CHANNEL_TELEGRAM;
	m.priority = OUTBOX_PRIO_CONVERSATION;
	m.chat_id = chat;
	m.order_key = order_key;
	m.method = method;
	m.params = params;
	m.cause = "test";
	assert_int_equal(outbox_enqueue(f->ob, &m, &id), 0);
	return id;
}

/* The chat key of outbox row `id`. */
static void
chat_key_of(struct rot_test *f, int64_t id, unsigned char out[CRYPTO_INDEX_LEN])
{
	sqlite3_stmt	*s;

	assert_int_equal(store_prepare(f->fx.st, "SELECT chat_key FROM outbox "
	    "WHERE id = ?", &s), 0);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(s, 0), CRYPTO_INDEX_LEN);
	memcpy(out, sqlite3_column_blob(s, 0), CRYPTO_INDEX_LEN);
	sqlite3_finalize(s);
}

/* What `sql` (one int, from the row whose id it binds) says of row `id`. */
static int
row_int(struct rot_test *f, const char *sql, int64_t id)
{
	sqlite3_stmt	*s;
	int		 v;

	assert_int_equal(store_prepare(f->fx.st, sql, &s), 0);
	sqlite3_bind_int64(s, 1, id);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

static int
head_of(struct rot_test *f, int64_t id)
{
	return row_int(f, "SELECT head FROM outbox WHERE id = ?", id);
}

static void
test_rotate_outbox_rows_not_sent_take_the_new_chat_keys(void **state)
{
	struct rot_test	*f = *state;
	unsigned char	 k[CRYPTO_INDEX_LEN], want[CRYPTO_INDEX_LEN];
	int64_t		 sent, a, b, sms, cb, later, n = 0;

	sent = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"sent\"}");
	assert_int_equal(outbox_mark_sent(f->ob, sent, 1, 11), 0);
	a = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"one\"}");
	b = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"two\"}");
	sms = enqueue(f, "sms", 0, "sms:+48601001001",
	    "{\"to\":\"+48601001001\",\"text\":\"sms\"}");
	cb = enqueue(f, "answerCallbackQuery", 5001, "cb:77",
	    "{\"callback_query_id\":\"77\"}");
	chat_key_of(f, sent, k);
	outbox_chat_key(f->fx.keys, CHANNEL_TELEGRAM, 5001, want);
	assert_memory_equal(k, want, sizeof k);

	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(outbox_rekey_unsent(f->ob, f->nk, &n), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	outbox_rekey_settle(f->ob, 1);
	assert_int_equal(n, 4);
	/* The sent row keeps its key; the rotation's slices reach it. */
	chat_key_of(f, sent, k);
	assert_memory_equal(k, want, sizeof k);
	outbox_chat_key(f->nk, CHANNEL_TELEGRAM, 5001, want);
	chat_key_of(f, a, k);
	assert_memory_equal(k, want, sizeof k);
	chat_key_of(f, b, k);
	assert_memory_equal(k, want, sizeof k);
	crypto_blind_index(f->nk, "order", "sms:+48601001001", 16, want);
	chat_key_of(f, sms, k);
	assert_memory_equal(k, want, sizeof k);
	crypto_blind_index(f->nk, "order", "cb:77", 5, want);
	chat_key_of(f, cb, k);
	assert_memory_equal(k, want, sizeof k);

	/* The new keys in use: the chat's next row queues behind a and b. */
	assert_int_equal(head_of(f, a), 1);
	crypto_keys_replace(f->fx.keys, f->nk);
	later = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"three\"}");
	assert_int_equal(head_of(f, later), 0);
}

/* Whether the row `id` is among the rows outbox_due() offers now. */
static int
is_due(struct rot_test *f, int64_t id)
{
	struct outbox_row	 due[8];
	int			 n, i;

	assert_int_equal(store_begin(f->fx.st), 0);
	n = outbox_due(f->ob, 0, due, 8);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_true(n >= 0);
	for (i = 0; i < n; i++)
		if (due[i].id == id)
			return 1;
	return 0;
}

/*
 * Whether the chat of row `id`, by the key its row has now, has a row in
 * flight: what the claiming statements ask (outbox_chat_busy()).
 */
static int
chat_busy(struct rot_test *f, int64_t id)
{
	return row_int(f, "SELECT outbox_chat_busy(chat_key) FROM outbox "
	    "WHERE id = ?", id);
}

static int
fail_commit(void *arg)
{
	(void)arg;
	return -1;
}

/*
 * A row in flight holds its chat's next row, before a rotation's start
 * and after it, and when that start could not be committed: its key in
 * memory stays the one its row has in the database.
 */
static void
test_rotate_row_in_flight_holds_its_chat_whether_the_start_commits_or_not(
    void **state)
{
	struct rot_test		*f = *state;
	struct outbox_row	 due[8];
	int64_t			 a, b, n = 0;

	a = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"one\"}");
	b = enqueue(f, "sendMessage", 5001, NULL,
	    "{\"chat_id\":5001,\"text\":\"two\"}");
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(outbox_due(f->ob, 0, due, 8), 1);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_int_equal(due[0].id, a);
	outbox_mark_sending(f->ob, &due[0]);
	assert_true(chat_busy(f, b));
	assert_false(is_due(f, b));

	/* The start's commit fails: nothing changed, in memory either. */
	store_set_before_commit(f->fx.st, fail_commit, NULL);
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(outbox_rekey_unsent(f->ob, f->nk, &n), 0);
	assert_int_equal(store_commit(f->fx.st), -1);
	outbox_rekey_settle(f->ob, 0);
	store_set_before_commit(f->fx.st, NULL, NULL);
	assert_true(chat_busy(f, b));
	assert_false(is_due(f, b));

	/* Committed: the row in flight and its chat's rows, all new keys. */
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(outbox_rekey_unsent(f->ob, f->nk, &n), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	outbox_rekey_settle(f->ob, 1);
	assert_int_equal(n, 2);
	assert_true(chat_busy(f, b));
	assert_false(is_due(f, b));
	assert_int_equal(store_begin(f->fx.st), 0);
	assert_int_equal(outbox_mark_sent(f->ob, a, 1, 21), 0);
	assert_int_equal(store_commit(f->fx.st), 0);
	assert_false(chat_busy(f, b));
	assert_true(is_due(f, b));
}

static void
test_rotate_payload_chat_key_of_a_gone_payload_is_its_own(void **state)
{
	struct rot_test	*f = *state;
	unsigned char	 x[CRYPTO_INDEX_LEN], y[CRYPTO_INDEX_LEN];

	/* No payload, or one naming no chat: a key no other row has. */
	outbox_payload_chat_key(f->ob, f->nk, "sendMessage", NULL, x);
	outbox_payload_chat_key(f->ob, f->nk, "sendMessage", NULL, y);
	assert_memory_not_equal(x, y, sizeof x);
	outbox_payload_chat_key(f->ob, f->nk, "sendMessage", "{\"text\":1}", x);
	assert_memory_not_equal(x, y, sizeof x);
}

static void
test_rotate_own_keystore_key_survives_a_rewrap(void **state)
{
	struct rot_test	*f = *state;
	struct keystore	*ks;
	struct keys	*prev;
	const struct keys *own;
	unsigned char	 before[CRYPTO_INDEX_LEN], after[CRYPTO_INDEX_LEN];
	char		 path[512], err[256];
	int64_t		 cursor = 0, n;
	int		 done = 0;

	fixture_path(&f->fx, "asystent.db.keys", path, sizeof path);
	assert_int_equal(keystore_open(path, f->fx.keys, &ks, err,
	    sizeof err), 0);
	assert_non_null(own = keystore_own(ks, KEYSTORE_SMS_MO));
	crypto_blind_index(own, "sms_mo", "gw:1", 4, before);
	/* Not the master's index: that one changes with a rotation. */
	crypto_blind_index(f->fx.keys, "sms_mo", "gw:1", 4, after);
	assert_memory_not_equal(before, after, sizeof before);
	assert_int_equal(keystore_flush(ks), 0);

	assert_non_null(prev = crypto_keys_dup(f->fx.keys));
	crypto_keys_replace(f->fx.keys, f->nk);
	keystore_set_masters(ks, f->fx.keys, prev);
	while (!done)
		assert_int_equal(keystore_rewrap(ks, &cursor, 10, &n, &done),
		    0);
	assert_int_equal(keystore_flush(ks), 0);
	keystore_close(ks);
	crypto_keys_free(prev);

	/* Reopened under the new master only: the same index. */
	assert_int_equal(keystore_open(path, f->fx.keys, &ks, err,
	    sizeof err), 0);
	assert_non_null(own = keystore_own(ks, KEYSTORE_SMS_MO));
	crypto_blind_index(own, "sms_mo", "gw:1", 4, after);
	assert_memory_equal(before, after, sizeof before);
	keystore_close(ks);
}

static void
test_rotate_key_made_by_root_is_its_directory_owners(void **state)
{
	struct rot_test	*f = *state;
	struct stat	 sb;
	char		 dir[512], path[600];

	if (geteuid() != 0)
		skip();
	fixture_path(&f->fx, "keys", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	snprintf(path, sizeof path, "%s/master.key", dir);
	assert_int_equal(crypto_generate_key(path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_uid, 65534);
	assert_int_equal(sb.st_gid, 65534);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_rotate_row_in_flight_holds_its_chat_whether_the_start_commits_or_not),
		T(test_rotate_outbox_rows_not_sent_take_the_new_chat_keys),
		T(test_rotate_payload_chat_key_of_a_gone_payload_is_its_own),
		T(test_rotate_own_keystore_key_survives_a_rewrap),
		T(test_rotate_key_made_by_root_is_its_directory_owners),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
