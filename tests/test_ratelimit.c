/* Unit tests for daemon/dispatch/ratelimit.c, on a clock the tests move by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"

/* A monotonic reading, in ms; the tests move time forward from it. */
#define T0	1000000000000LL

struct fixture {
	struct ratelimit	*rl;
};

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	ratelimit_free(f->rl);
	free(f);
	return 0;
}

static int
setup(void **state)
{
	struct fixture	*f;

	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	*state = f;
	return 0;
}

/* A chat key: uniform bytes from n, as a blind index would be. */
static void
key_of(uint64_t n, unsigned char key[CRYPTO_INDEX_LEN])
{
	uint64_t	 z;
	size_t		 i;

	for (i = 0; i < CRYPTO_INDEX_LEN; i += 8) {
		z = (n += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(key + i, &z, 8);
	}
}

/* Sends whenever the global limit allows, for `ms`; returns the count. */
static int
send_greedily(struct ratelimit *rl, int64_t from, int64_t ms,
    int64_t *times, int max)
{
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 now;
	int		 n = 0;

	for (now = from; now < from + ms; now++) {
		if (ratelimit_global_wait(rl, now) > 0)
			continue;
		key_of((uint64_t)n, key);
		ratelimit_take(rl, key, 0, now);
		/* Never two in the same instant. */
		assert_true(ratelimit_global_wait(rl, now) > 0);
		if (n < max)
			times[n] = now;
		n++;
	}
	return n;
}

static void
test_ratelimit_global_rate_spaces_sends(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 w;

	f->rl = ratelimit_new(10, 0, 0);
	key_of(1, key);
	assert_int_equal(ratelimit_global_wait(f->rl, T0), 0);
	ratelimit_take(f->rl, key, 0, T0);
	w = ratelimit_global_wait(f->rl, T0);
	assert_true(w >= 100 && w <= 101);
	assert_true(ratelimit_global_wait(f->rl, T0 + 50) > 0);
	assert_true(ratelimit_global_wait(f->rl, T0 + 99) > 0);
	/* Waiting what it says is enough. */
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + w), 0);
}

static void
test_ratelimit_global_rate_holds_over_ten_seconds(void **state)
{
	static const double	 rates[] = { 1, 7, 30, 100 };
	struct fixture		*f = *state;
	int64_t			 times[1200];
	size_t			 r;
	int			 n, i, j;

	for (r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		ratelimit_free(f->rl);
		f->rl = ratelimit_new(rates[r], 0, 0);
		n = send_greedily(f->rl, T0, 10000, times, 1200);
		assert_true(n <= 1200);
		/* Close to the rate, never above it in any 1 s window. */
		if (n < (int)(rates[r] * 9) || n > (int)(rates[r] * 10) + 1)
			fail_msg("rate %g: %d sends in 10 s", rates[r], n);
		for (i = 0; i < n; i++) {
			for (j = i; j < n && times[j] < times[i] + 1000; j++)
				;
			if (j - i > (int)rates[r] + 1)
				fail_msg("rate %g: %d sends within 1 s",
				    rates[r], j - i);
			if (i > 0 && times[i] - times[i - 1] <
			    (int64_t)(1000 / rates[r]))
				fail_msg("rate %g: sends %d ms apart",
				    rates[r], (int)(times[i] - times[i - 1]));
		}
	}
}

static void
test_ratelimit_bucket_does_not_save_up_a_burst(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(30, 0, 0);
	key_of(1, key);
	/* An hour of silence earns one send, not a burst of thousands. */
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 3600000), 0);
	ratelimit_take(f->rl, key, 0, T0 + 3600000);
	assert_true(ratelimit_global_wait(f->rl, T0 + 3600000) > 0);
}

static void
test_ratelimit_chat_spacing_one_per_second(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 a[CRYPTO_INDEX_LEN], b[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(0, 1, 20);
	key_of(1, a);
	key_of(2, b);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0), 0);
	ratelimit_take(f->rl, a, 0, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0), 1000);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0 + 1), 999);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0 + 999), 1);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0 + 1000), 0);
	/* Another chat is not held by the first. */
	assert_int_equal(ratelimit_chat_wait(f->rl, b, 0, T0 + 1), 0);
	ratelimit_take(f->rl, b, 0, T0 + 1);
	assert_int_equal(ratelimit_chat_wait(f->rl, b, 0, T0 + 1), 1000);
}

static void
test_ratelimit_chat_spacing_follows_configured_rate(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 a[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(0, 4, 0);
	key_of(1, a);
	ratelimit_take(f->rl, a, 0, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0), 250);
}

static void
test_ratelimit_group_chats_spaced_3000_ms(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 g[CRYPTO_INDEX_LEN], p[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(30, 1, 20);
	key_of(1, g);
	key_of(2, p);
	ratelimit_take(f->rl, g, 1, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, g, 1, T0), 3000);
	assert_int_equal(ratelimit_chat_wait(f->rl, g, 1, T0 + 2999), 1);
	assert_int_equal(ratelimit_chat_wait(f->rl, g, 1, T0 + 3000), 0);
	ratelimit_take(f->rl, p, 0, T0 + 100);
	assert_int_equal(ratelimit_chat_wait(f->rl, p, 0, T0 + 100), 1000);
}

static void
test_ratelimit_group_spacing_rounds_up(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 g[CRYPTO_INDEX_LEN];

	/* 60000 / 7 = 8571.4: waiting 8571 would allow an 8th in a minute. */
	f->rl = ratelimit_new(0, 1, 7);
	key_of(1, g);
	ratelimit_take(f->rl, g, 1, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, g, 1, T0), 8572);
}

static void
test_ratelimit_zero_turns_global_limit_off(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int		 i;

	f->rl = ratelimit_new(0, 1, 20);
	for (i = 0; i < 1000; i++) {
		assert_int_equal(ratelimit_global_wait(f->rl, T0), 0);
		key_of((uint64_t)i, key);
		ratelimit_take(f->rl, key, 0, T0);
	}
}

static void
test_ratelimit_zero_turns_chat_limit_off(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 a[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(0, 0, 0);
	key_of(1, a);
	ratelimit_take(f->rl, a, 0, T0);
	ratelimit_take(f->rl, a, 1, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 0, T0), 0);
	assert_int_equal(ratelimit_chat_wait(f->rl, a, 1, T0), 0);
	assert_int_equal(ratelimit_global_wait(f->rl, T0), 0);
	assert_int_equal(ratelimit_tracked(f->rl), 0);
}

static void
test_ratelimit_zero_group_limit_leaves_chat_spacing(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 g[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(0, 1, 0);
	key_of(1, g);
	ratelimit_take(f->rl, g, 1, T0);
	assert_int_equal(ratelimit_chat_wait(f->rl, g, 1, T0), 1000);
}

static void
test_ratelimit_pause_holds_everything_until_given_time(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(30, 1, 20);
	ratelimit_pause(f->rl, T0 + 5000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0), 5000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 4999), 1);
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 5000), 0);
	/* A shorter pause does not cut a longer one short. */
	ratelimit_pause(f->rl, T0 + 9000);
	ratelimit_pause(f->rl, T0 + 6000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 5000), 4000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 9000), 0);
	key_of(1, key);
	ratelimit_take(f->rl, key, 0, T0 + 9000);
	assert_true(ratelimit_global_wait(f->rl, T0 + 9000) > 0);
}

static void
test_ratelimit_pause_works_with_global_limit_off(void **state)
{
	struct fixture	*f = *state;

	f->rl = ratelimit_new(0, 0, 0);
	ratelimit_pause(f->rl, T0 + 3000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0), 3000);
	assert_int_equal(ratelimit_global_wait(f->rl, T0 + 3000), 0);
}

static void
test_ratelimit_tracks_thousands_of_chats_and_drops_old_ones(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	size_t		 most = 0;
	int64_t		 now = T0;
	int		 i;

	f->rl = ratelimit_new(0, 1, 20);
	/* 100 000 chats, 10 a millisecond: about 10 000 live at once. */
	for (i = 0; i < 100000; i++) {
		if (i % 10 == 0)
			now++;
		key_of((uint64_t)i, key);
		assert_int_equal(ratelimit_chat_wait(f->rl, key, 0, now), 0);
		ratelimit_take(f->rl, key, 0, now);
		if (ratelimit_tracked(f->rl) > most)
			most = ratelimit_tracked(f->rl);
	}
	if (most > 40000)
		fail_msg("%zu chats tracked at once", most);
	/* Chats still inside their spacing were kept... */
	for (i = 99000; i < 100000; i++) {
		key_of((uint64_t)i, key);
		assert_true(ratelimit_chat_wait(f->rl, key, 0, now) > 0);
	}
	/* ...and ones long past it are free, whether kept or not. */
	for (i = 0; i < 1000; i++) {
		key_of((uint64_t)i, key);
		assert_int_equal(ratelimit_chat_wait(f->rl, key, 0, now), 0);
	}
}

static void
test_ratelimit_tracked_stays_bounded_over_time(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 now = T0;
	int		 i;

	f->rl = ratelimit_new(0, 1, 20);
	/* One new chat every 100 ms for a day: at most ~10 live. */
	for (i = 0; i < 864000; i++) {
		now += 100;
		key_of((uint64_t)i, key);
		ratelimit_take(f->rl, key, 0, now);
	}
	if (ratelimit_tracked(f->rl) > 256)
		fail_msg("%zu chats tracked", ratelimit_tracked(f->rl));
}

/*
 * A broadcast sent greedily at 30/s for 10 s while a family writes every
 * 200 ms (off the broadcast's beat): each family message goes the moment
 * it comes, the broadcast gives up one slot per family message and no
 * more, and no second holds more than the limit and the spare.
 */
static void
test_ratelimit_broadcast_leaves_a_slot_for_a_family(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 times[400], now, last_low = 0;
	int		 n = 0, low = 0, fam = 0, i, j;

	f->rl = ratelimit_new(30, 0, 0);
	for (now = T0; now < T0 + 10000; now++) {
		key_of((uint64_t)n, key);
		if ((now - T0) % 200 == 7) {
			/* A family's message: never a slot behind. */
			assert_int_equal(ratelimit_global_wait(f->rl, now), 0);
			ratelimit_take(f->rl, key, 0, now);
			times[n++] = now;
			fam++;
			continue;
		}
		if (ratelimit_spare_wait(f->rl, now) > 0)
			continue;
		ratelimit_take_yielding(f->rl, key, 0, now);
		/* The spare stays: a family could still go now. */
		assert_int_equal(ratelimit_global_wait(f->rl, now), 0);
		/* The broadcast's own sends stay a slot apart. */
		if (low > 0 && now - last_low < 33)
			fail_msg("broadcast sends %d ms apart",
			    (int)(now - last_low));
		last_low = now;
		times[n++] = now;
		low++;
	}
	assert_int_equal(fam, 50);
	/* 300 slots in 10 s: the families' 50, the broadcast the rest. */
	if (low < 300 - fam - 2 || n > 302)
		fail_msg("%d broadcast and %d family sends in 10 s", low, fam);
	for (i = 0; i < n; i++) {
		for (j = i; j < n && times[j] < times[i] + 1000; j++)
			;
		if (j - i > 32)
			fail_msg("%d sends within 1 s", j - i);
	}
	/* Long after the broadcast's last send, silence earns no burst. */
	now = T0 + 20000;
	assert_int_equal(ratelimit_global_wait(f->rl, now), 0);
	ratelimit_take(f->rl, key, 0, now);
	assert_true(ratelimit_global_wait(f->rl, now) > 0);
}

/* Alone, a broadcast that keeps the spare still goes at the full rate. */
static void
test_ratelimit_broadcast_alone_keeps_the_rate(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 now;
	int		 n = 0;

	f->rl = ratelimit_new(30, 0, 0);
	/* A pass comes 1 to 9 ms late; what it is late by is kept. */
	for (now = T0; now < T0 + 60000; now++) {
		if (ratelimit_spare_wait(f->rl, now) > 0)
			continue;
		now += n % 9;
		key_of((uint64_t)n, key);
		ratelimit_take_yielding(f->rl, key, 0, now);
		n++;
	}
	if (n < 1798 || n > 1801)
		fail_msg("%d sends in 60 s at 30/s", n);
}

/*
 * A new bucket reads no clock of its own: whatever time the caller's clock
 * starts at, a clock that started with the test included, is the time.
 */
static void
test_ratelimit_new_bucket_keeps_the_callers_time(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 key[CRYPTO_INDEX_LEN];

	f->rl = ratelimit_new(10, 0, 0);
	key_of(1, key);
	assert_int_equal(ratelimit_global_wait(f->rl, 1), 0);
	ratelimit_take(f->rl, key, 0, 1);
	assert_true(ratelimit_global_wait(f->rl, 51) > 0);
	assert_int_equal(ratelimit_global_wait(f->rl, 102), 0);
	ratelimit_take(f->rl, key, 0, 102);
	assert_true(ratelimit_global_wait(f->rl, 150) > 0);
}

static void
test_ratelimit_now_is_monotonic(void **state)
{
	int64_t	 a, b;

	(void)state;
	a = ratelimit_now();
	b = ratelimit_now();
	assert_true(a > 0);
	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_ratelimit_global_rate_spaces_sends),
		T(test_ratelimit_global_rate_holds_over_ten_seconds),
		T(test_ratelimit_bucket_does_not_save_up_a_burst),
		T(test_ratelimit_chat_spacing_one_per_second),
		T(test_ratelimit_chat_spacing_follows_configured_rate),
		T(test_ratelimit_group_chats_spaced_3000_ms),
		T(test_ratelimit_group_spacing_rounds_up),
		T(test_ratelimit_zero_turns_global_limit_off),
		T(test_ratelimit_zero_turns_chat_limit_off),
		T(test_ratelimit_zero_group_limit_leaves_chat_spacing),
		T(test_ratelimit_pause_holds_everything_until_given_time),
		T(test_ratelimit_pause_works_with_global_limit_off),
		T(test_ratelimit_tracks_thousands_of_chats_and_drops_old_ones),
		T(test_ratelimit_tracked_stays_bounded_over_time),
		T(test_ratelimit_broadcast_leaves_a_slot_for_a_family),
		T(test_ratelimit_broadcast_alone_keeps_the_rate),
		T(test_ratelimit_new_bucket_keeps_the_callers_time),
		T(test_ratelimit_now_is_monotonic),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
