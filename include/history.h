/*
 * The conversation history: every relayed message is a `messages` row
 * with its direction, time, kind, channel and delivery state; its body is
 * sealed with the associated data (messages, body, id). Staff read a
 * family's history through the admin API. Bodies older than the retention
 * period are purged once a day on the event loop, in slices; the rows stay,
 * so the counts do.
 *
 * Rows are written by the relay (conv_record() in daemon/conv/conv.c, the one
 * writer, which gives the ids); this module reads them and purges them.
 * history_read() and history_counts() work inside the caller's
 * transaction (or none); history_purge_slice() runs its own. Times are
 * unix seconds.
 */
#ifndef ASYSTENT_HISTORY_H
#define ASYSTENT_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HISTORY_LAST_DEFAULT	50	/* messages shown when not told */
#define HISTORY_LAST_MAX	1000
#define HISTORY_PURGE_SLICE	500	/* rows per purge transaction */
#define HISTORY_KIND_MAX	16	/* "video_note" */
#define HISTORY_ERROR_MAX	160

enum history_dir {
	HISTORY_FROM_FAMILY = 0,
	HISTORY_TO_FAMILY = 1
};

enum history_state {
	HISTORY_QUEUED = 0,
	HISTORY_SENT = 1,
	HISTORY_FAILED = 2,
	HISTORY_BLOCKED = 3	/* the recipient blocked the bot */
};
#define HISTORY_NSTATES	4

/* One message as staff see it. */
struct history_msg {
	int64_t			 id;
	int64_t			 at;		/* unix s */
	enum history_dir	 direction;
	char			 kind[HISTORY_KIND_MAX];
	int			 channel;	/* enum channel */
	enum history_state	 state;
	char			 error[HISTORY_ERROR_MAX];	/* "": none */
	int64_t			 member_id;	/* 0: none or removed */
	int64_t			 staff_id;	/* 0: none or removed */
	char			*text;		/* opened; NULL: none, purged */
	int			 purged;
};

struct history_counts {
	int64_t	 from_family;
	int64_t	 to_family;
	int64_t	 total;
	int64_t	 purged;		/* rows whose body was purged */
};

struct history;
struct store;
struct keys;
struct event_base;

struct history	*history_new(struct store *st, const struct keys *k);
/* Stops the purge timer too. Takes NULL. */
void		 history_free(struct history *h);

const char	*history_state_name(enum history_state s);
const char	*history_dir_name(enum history_dir d);

/*
 * The newest `last` (1..HISTORY_LAST_MAX) messages of a family, oldest
 * first. *out is a new array of *n; free it with history_msgs_free(),
 * which wipes the opened texts. A body that does not open is an error.
 */
int	history_read(struct history *h, int64_t family_id, int last,
	    struct history_msg **out, size_t *n)
	    __attribute__((warn_unused_result));
void	history_msgs_free(struct history_msg *a, size_t n);

int	history_counts(struct history *h, int64_t family_id,
	    struct history_counts *out) __attribute__((warn_unused_result));

/*
 * One transaction: the bodies of at most `limit` messages from before
 * `cutoff` (unix s) not purged yet become NULL, purged_at now. *purged is
 * how many; fewer than `limit` means none is left.
 */
int	history_purge_slice(struct history *h, time_t cutoff, int limit,
	    int *purged) __attribute__((warn_unused_result));

/*
 * The daily purge on `base`: a first run shortly after start, then one
 * every 24 h, each in slices of HISTORY_PURGE_SLICE rows with a zero-delay
 * timer between them, so the loop is never held long. `days` is the
 * retention period. history_purge_stop() (at SIGTERM) cancels it.
 */
int	history_purge_start(struct history *h, struct event_base *base,
	    int days) __attribute__((warn_unused_result));
void	history_purge_stop(struct history *h);

#endif
