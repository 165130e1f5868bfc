/*
 * What the start of a key rotation costs with a long outbox: N rows not
 * sent (Telegram messages to 500 chats, payloads sealed), then the one
 * transaction that gives them the new chat keys (outbox_rekey_unsent()),
 * timed. Usage: rekey [N] (50000). Prints one line; asserts nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "channel.h"
#include "outbox.h"
#include "store.h"

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	unsigned char	 m1[CRYPTO_MASTER_LEN], m2[CRYPTO_MASTER_LEN];
	char		 dir[] = "/tmp/rekey.XXXXXX", db[64], wal[80], shm[80];
	char		 err[256], params[256];
	struct store	*st;
	struct outbox	*ob;
	struct keys	*k, *nk;
	struct outmsg	 m;
	int64_t		 n = argc > 1 ? strtoll(argv[1], NULL, 10) : 50000;
	int64_t		 i, done = 0;
	double		 t0, t1;

	log_set_level((enum log_level)(LOGL_ERR - 1));
	memset(m1, 1, sizeof m1);
	memset(m2, 2, sizeof m2);
	if (crypto_init() == -1 || mkdtemp(dir) == NULL)
		return 1;
	snprintf(db, sizeof db, "%s/asystent.db", dir);
	if ((k = crypto_keys_from_master(m1)) == NULL ||
	    (nk = crypto_keys_from_master(m2)) == NULL ||
	    store_open(db, &st, err, sizeof err) == -1 ||
	    (ob = outbox_new(st, k)) == NULL) {
		fprintf(stderr, "rekey: %s\n", err);
		return 1;
	}
	outbox_set_order_fn(ob, channel_order_of);
	memset(&m, 0, sizeof m);
	m.channel = CHANNEL_TELEGRAM;
	m.priority = OUTBOX_PRIO_CONVERSATION;
	m.method = "sendMessage";
	m.cause = "bench";
	m.params = params;
	for (i = 0; i < n; i++) {
		if (i % 5000 == 0 && store_begin(st) == -1)
			return 1;
		m.chat_id = 100000 + i % 500;
		snprintf(params, sizeof params, "{\"chat_id\":%" PRId64 ","
		    "\"text\":\"Dzień dobry, wizyta w czwartek o 10:00, "
		    "pokój 12. Proszę zabrać dokumenty. %" PRId64 "\"}",
		    m.chat_id, i);
		if (outbox_enqueue(ob, &m, NULL) == -1)
			return 1;
		if ((i % 5000 == 4999 || i == n - 1) && store_commit(st) == -1)
			return 1;
	}
	t0 = now_ms();
	if (store_begin(st) == -1 || outbox_rekey_unsent(ob, nk, &done) ==
	    -1 || store_commit(st) == -1)
		return 1;
	outbox_rekey_settle(ob, 1);
	t1 = now_ms();
	printf("rotation start with %" PRId64 " unsent outbox rows: re-keyed "
	    "%" PRId64 " in one transaction in %.0f ms\n", n, done, t1 - t0);
	outbox_free(ob);
	store_close(st);
	crypto_keys_free(k);
	crypto_keys_free(nk);
	snprintf(wal, sizeof wal, "%s-wal", db);
	snprintf(shm, sizeof shm, "%s-shm", db);
	unlink(wal);
	unlink(shm);
	unlink(db);
	rmdir(dir);
	return 0;
}
