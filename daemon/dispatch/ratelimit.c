/* Send pacing: global token bucket, per-chat spacing, global pause. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ratelimit.h"
#include "xmalloc.h"

/*
 * The bucket's tokens: one for the next message; a spare, which receipts
 * and the lower lanes (reminders, broadcasts) wait for and leave behind,
 * so that a family's message never waits a slot behind them; and half a
 * token a late timer may leave over, kept so that the rate holds.
 */
#define RL_SPARE	2	/* the next message's token and the spare */
#define RL_CARRY	0.5	/* at most this much is kept over a send */
#define RL_CAP		(RL_SPARE + RL_CARRY)

struct rl_slot {
	unsigned char	 key[CRYPTO_INDEX_LEN];
	int64_t		 next;		/* earliest next send, ms */
	int		 used;
};

struct ratelimit {
	double		 rate;		/* tokens per ms; 0: off */
	double		 tokens;
	int64_t		 refilled;
	int64_t		 chat_gap;	/* ms; 0: off */
	int64_t		 group_gap;
	int64_t		 paused_until;
	int64_t		 held_from;	/* ratelimit_hold_chats(); 0: never */
	int64_t		 yield_at;	/* a lower lane's send left the spare */
	struct rl_slot	*slots;		/* open addressing, power of two */
	size_t		 nslots, used;
};

int64_t
ratelimit_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ratelimit *
ratelimit_new(double global_per_second, double chat_per_second,
    int group_per_minute)
{
	struct ratelimit	*rl;

	rl = xcalloc(1, sizeof *rl);
	rl->rate = global_per_second / 1000.0;
	/*
	 * A bucket of one for messages: evenly spaced sends, never a burst.
	 * It holds a second token only as a spare for receipts, which go
	 * when it is there and so always leave a message its slot. It
	 * starts with one, so it needs no reading of the clock: the
	 * caller's times (the dispatcher's clock) are the only ones it sees.
	 */
	rl->tokens = 1;
	if (chat_per_second > 0)
		rl->chat_gap = (int64_t)(1000.0 / chat_per_second + 0.5);
	rl->group_gap = rl->chat_gap;
	if (group_per_minute > 0 && 60000 / group_per_minute > rl->group_gap)
		rl->group_gap = (60000 + group_per_minute - 1) /
		    group_per_minute;
	rl->nslots = 256;
	rl->slots = xcalloc(rl->nslots, sizeof *rl->slots);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->slots);
	free(rl);
}

static void
rl_refill(struct ratelimit *rl, int64_t now)
{
	if (now > rl->refilled) {
		rl->tokens += (double)(now - rl->refilled) * rl->rate;
		if (rl->tokens > RL_CAP)
			rl->tokens = RL_CAP;
		rl->refilled = now;
	}
}

/* Milliseconds until the bucket holds `need` tokens (0: now). */
static int64_t
rl_wait(struct ratelimit *rl, int64_t now, double need)
{
	int64_t	 wait = 0;

	if (rl->paused_until > now)
		wait = rl->paused_until - now;
	if (rl->rate <= 0)
		return wait;
	rl_refill(rl, now);
	if (rl->tokens < need) {
		int64_t	 w = (int64_t)((need - rl->tokens) / rl->rate) + 1;

		if (w > wait)
			wait = w;
	}
	return wait;
}

int64_t
ratelimit_global_wait(struct ratelimit *rl, int64_t now)
{
	return rl_wait(rl, now, 1);
}

int64_t
ratelimit_spare_wait(struct ratelimit *rl, int64_t now)
{
	return rl_wait(rl, now, RL_SPARE);
}

static size_t
rl_hash(const unsigned char key[CRYPTO_INDEX_LEN])
{
	size_t	 h;

	/* The key is a keyed hash already: its bytes are uniform. */
	memcpy(&h, key, sizeof h);
	return h;
}

static struct rl_slot *
rl_find(struct ratelimit *rl, const unsigned char key[CRYPTO_INDEX_LEN])
{
	size_t	 i, mask = rl->nslots - 1;

	for (i = rl_hash(key) & mask; rl->slots[i].used; i = (i + 1) & mask)
		if (memcmp(rl->slots[i].key, key, CRYPTO_INDEX_LEN) == 0)
			return &rl->slots[i];
	return &rl->slots[i];
}

/* Drops chats whose spacing is over; grows when most are still live. */
static void
rl_rehash(struct ratelimit *rl, int64_t now)
{
	struct rl_slot	*old = rl->slots, *s;
	size_t		 i, n = rl->nslots, live = 0;

	for (i = 0; i < n; i++)
		if (old[i].used && old[i].next > now)
			live++;
	if (live * 2 >= n)
		rl->nslots = n * 2;
	rl->slots = xcalloc(rl->nslots, sizeof *rl->slots);
	rl->used = 0;
	for (i = 0; i < n; i++) {
		if (!old[i].used || old[i].next <= now)
			continue;
		s = rl_find(rl, old[i].key);
		*s = old[i];
		rl->used++;
	}
	free(old);
}

int64_t
ratelimit_chat_wait(struct ratelimit *rl,
    const unsigned char key[CRYPTO_INDEX_LEN], int is_group, int64_t now)
{
	struct rl_slot	*s;
	int64_t		 gap = is_group ? rl->group_gap : rl->chat_gap;

	if (gap == 0)
		return 0;
	s = rl_find(rl, key);
	if (s->used && s->next > now)
		return s->next - now;
	/* A chat not sent to since the hold counts as sent to at it. */
	if (rl->held_from != 0 && rl->held_from + gap > now)
		return rl->held_from + gap - now;
	return 0;
}

void
ratelimit_hold_chats(struct ratelimit *rl, int64_t now)
{
	rl->held_from = now > 0 ? now : 1;
}

/* Starts the chat's spacing. */
static void
rl_chat_take(struct ratelimit *rl, const unsigned char key[CRYPTO_INDEX_LEN],
    int is_group, int64_t now)
{
	struct rl_slot	*s;
	int64_t		 gap = is_group ? rl->group_gap : rl->chat_gap;

	if (gap == 0)
		return;
	if ((rl->used + 1) * 4 > rl->nslots * 3)
		rl_rehash(rl, now);
	s = rl_find(rl, key);
	if (!s->used) {
		memcpy(s->key, key, CRYPTO_INDEX_LEN);
		s->used = 1;
		rl->used++;
	}
	s->next = now + gap;
}

void
ratelimit_take(struct ratelimit *rl, const unsigned char key[CRYPTO_INDEX_LEN],
    int is_group, int64_t now)
{
	if (rl->rate > 0) {
		rl_refill(rl, now);
		/*
		 * What a late timer left over (a few ms) is kept, so the
		 * rate holds; the spare is not: no two messages at once.
		 * But within a slot of a broadcast's send, the spare it
		 * left is what the family's message takes, and the rest is
		 * the broadcast's next slot: kept, or the broadcast would
		 * lose part of a slot to every family's message.
		 */
		rl->tokens -= 1;
		if (rl->yield_at != 0 && (double)(now - rl->yield_at) *
		    rl->rate < 1) {
			if (rl->tokens > 1)
				rl->tokens = 1;
		} else if (rl->tokens > RL_CARRY)
			rl->tokens = 0;
		rl->yield_at = 0;
	}
	rl_chat_take(rl, key, is_group, now);
}

void
ratelimit_take_yielding(struct ratelimit *rl,
    const unsigned char key[CRYPTO_INDEX_LEN], int is_group, int64_t now)
{
	if (rl->rate > 0) {
		rl_refill(rl, now);
		/* It waited for the spare: the spare stays. */
		rl->tokens -= 1;
		rl->yield_at = now > 0 ? now : 1;
	}
	rl_chat_take(rl, key, is_group, now);
}

void
ratelimit_take_global(struct ratelimit *rl, int64_t now)
{
	if (rl->rate > 0) {
		rl_refill(rl, now);
		rl->tokens -= 1;
	}
}

void
ratelimit_pause(struct ratelimit *rl, int64_t until)
{
	if (until > rl->paused_until)
		rl->paused_until = until;
}

size_t
ratelimit_tracked(const struct ratelimit *rl)
{
	return rl->used;
}
