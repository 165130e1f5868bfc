/*
 * Send pacing: a global token bucket (messages per second for the whole
 * bot), a minimum spacing per chat (longer for group chats), and a pause of
 * everything after a 429. Times are monotonic milliseconds.
 */
#ifndef ASYSTENT_RATELIMIT_H
#define ASYSTENT_RATELIMIT_H

#include <stdint.h>

#include "crypto.h"

struct ratelimit;

/* Zero for a rate turns that limit off. */
struct ratelimit *ratelimit_new(double global_per_second,
		    double chat_per_second, int group_per_minute);
void		 ratelimit_free(struct ratelimit *rl);

/* Milliseconds until the whole bot may send again (0: now). */
int64_t	ratelimit_global_wait(struct ratelimit *rl, int64_t now);
/* Milliseconds until this chat may get a message (0: now). */
int64_t	ratelimit_chat_wait(struct ratelimit *rl,
	    const unsigned char key[CRYPTO_INDEX_LEN], int is_group, int64_t now);
/* A message goes out now: take a token and start the chat's spacing. */
void	ratelimit_take(struct ratelimit *rl,
	    const unsigned char key[CRYPTO_INDEX_LEN], int is_group, int64_t now);
/*
 * Milliseconds until a receipt, a reminder or a broadcast may go (0:
 * now): the global token and a spare, so that a family's message coming
 * next still finds its slot at once, not one slot later.
 */
int64_t	ratelimit_spare_wait(struct ratelimit *rl, int64_t now);
/*
 * A message of a lower lane (reminder, broadcast) goes out, once
 * ratelimit_spare_wait() allowed it: it takes a token and starts the
 * chat's spacing, and leaves the spare for a higher lane. The bot's rate
 * holds; a family's message may follow it at once, then the lower lanes
 * wait for the spare again.
 */
void	ratelimit_take_yielding(struct ratelimit *rl,
	    const unsigned char key[CRYPTO_INDEX_LEN], int is_group,
	    int64_t now);
/* A send outside any chat's pacing (a receipt): the global token only. */
void	ratelimit_take_global(struct ratelimit *rl, int64_t now);
/*
 * Every chat waits one interval (a group's for groups) from `now`, as if
 * it had just had a message: at start, when a crash may have cut off a
 * send that reached it. Chats sent to since then keep their own spacing.
 */
void	ratelimit_hold_chats(struct ratelimit *rl, int64_t now);
/* Telegram said 429: nothing goes out before `until`. */
void	ratelimit_pause(struct ratelimit *rl, int64_t until);
/* Chats remembered (for tests and benchmarks). */
size_t	ratelimit_tracked(const struct ratelimit *rl);

int64_t	ratelimit_now(void);

#endif
