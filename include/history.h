/*
 * The conversation history: every relayed message is a `messages` row
 * with its direction, time, kind, channel and delivery state; its body is
 * sealed with the associated data (messages, body, id). Staff read a
 * family's history through the admin API. Bodies older than the retention
 * period are purged by the daily retention job (retention.h), in slices;
 * the rows stay, so the counts do.
 *
 * This module is the only one that reads or writes `messages`: the relay
 * records (conv_record() in daemon/conv/conv.c calls history_record()),
 * staff read, the retention purges. Ids are given here, because the id
 * is part of the sealed body's associated data. Everything works inside
 * the caller's transaction (or none), but history_purge_slice(), which
 * runs its own. Times are unix seconds unless said otherwise.
 */
#ifndef ASYSTENT_HISTORY_H
#define ASYSTENT_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "store.h"

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

/* A message to record; read only during history_record(). */
struct history_new {
	int64_t			 family_id;
	int64_t			 member_id;	/* 0: none */
	int64_t			 staff_id;	/* the reader, or the author */
	enum history_dir	 direction;
	const char		*kind;		/* "text", "photo", "edit" */
	int			 channel;	/* enum channel */
	const char		*body;		/* text, caption; NULL: none */
	int64_t			 src_message_id; /* in the author's chat */
	enum history_state	 state;
};

/* One row as relaying needs it; ids 0 when NULL. */
struct history_ref {
	int64_t			 family_id;
	int64_t			 member_id;
	int64_t			 staff_id;
	int64_t			 src_message_id;
	enum history_state	 state;
	enum history_dir	 direction;
};

struct history;
struct store;
struct keys;

struct history	*history_new(struct store *st, const struct keys *k);
/* Takes NULL. */
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

/* A new row, at now; *id (may be NULL) is the id it was given. */
int	history_record(struct history *h, const struct history_new *m,
	    int64_t *id) __attribute__((warn_unused_result));
/* The row's state after a send; error NULL clears it. */
int	history_set_state(struct history *h, int64_t id,
	    enum history_state st, const char *error)
	    __attribute__((warn_unused_result));
/* *found 0 when there is no such row (its family was deleted). */
int	history_get(struct history *h, int64_t id, struct history_ref *out,
	    int *found) __attribute__((warn_unused_result));
/*
 * The row's body, opened: free it with crypto_free_plain(). NULL when
 * there is none (no row, no body, or purged).
 */
int	history_body(struct history *h, int64_t id, char **body)
	    __attribute__((warn_unused_result));
/* The family's messages to staff not read yet are read at `at` (ms). */
int	history_mark_read(struct history *h, int64_t family_id, int64_t at)
	    __attribute__((warn_unused_result));
/* How many of the family's messages to staff are not read yet. */
int	history_unread(struct history *h, int64_t family_id, int64_t *n)
	    __attribute__((warn_unused_result));
/* The member who wrote the family's newest message; 0: none, or removed. */
int	history_last_writer(struct history *h, int64_t family_id,
	    int64_t *member_id) __attribute__((warn_unused_result));
/*
 * Was one of the family's messages, of the rows before `before`, first
 * read by `staff_id` after `since`?
 */
int	history_read_by_since(struct history *h, int64_t family_id,
	    int64_t staff_id, int64_t since, int64_t before, int *found)
	    __attribute__((warn_unused_result));
/* The family's message src_message_id (not an edit), newest; 0: none. */
int	history_find_relayed(struct history *h, int64_t family_id,
	    int64_t src_message_id, int64_t *id)
	    __attribute__((warn_unused_result));
/*
 * The times (`at`) of the family's messages to staff after `since`, of
 * its `newest` last ones, newest first: at most `newest` into `at`.
 */
int	history_recent_at(struct history *h, int64_t family_id, int newest,
	    int64_t since, int64_t *at, size_t *n)
	    __attribute__((warn_unused_result));
/* Of the family's `newest` last messages to staff, how many after `since`. */
int	history_count_recent(struct history *h, int64_t family_id,
	    int newest, int64_t since, int64_t *n)
	    __attribute__((warn_unused_result));

/*
 * One transaction: the bodies of at most `limit` messages from before
 * `cutoff` (unix s) not purged yet become NULL, purged_at now. *purged is
 * how many; fewer than `limit` means none is left.
 */
/* Erasing a family: every body of its messages cleared, rows kept. */
int	history_erase_family(struct history *h, int64_t family_id)
	    __attribute__((warn_unused_result));
int	history_purge_slice(struct history *h, time_t cutoff, int limit,
	    int *purged) __attribute__((warn_unused_result));

/*
 * Calls fn for every message of the family, oldest first (the GDPR
 * export); m->text is wiped after each call. fn returns 0, or -1 to stop
 * (then so does history_each).
 */
typedef int	(*history_each_fn)(const struct history_msg *m, void *arg);
int	history_each(struct history *h, int64_t family_id, history_each_fn fn,
	    void *arg) __attribute__((warn_unused_result));

/*
 * The messages of the families in the JSON array `ids` (a programme
 * report): (family_id, at, direction) from `from` to before `to` (unix
 * s), purged bodies included.
 */
int	history_report(struct history *h, const char *ids, int64_t from,
	    int64_t to, store_row_fn fn, void *arg)
	    __attribute__((warn_unused_result));

#endif
