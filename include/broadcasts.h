/*
 * Broadcasts: a notice rendered once per language and the families it
 * goes to, each with a state, so that a send resumes after a crash where
 * it stopped and no family is queued twice. The tables' owner is
 * store/broadcasts.c; functions work inside the caller's transaction.
 */
#ifndef ASYSTENT_BROADCASTS_H
#define ASYSTENT_BROADCASTS_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

struct store;
struct broadcasts;

enum bc_state {
	BC_DRAFT = 0,
	BC_SENDING = 1,
	BC_DONE = 2,
	BC_CANCELLED = 3,
	BC_PREPARING = 4	/* its recipients being written, in slices */
};

enum bc_rcpt_state {
	BC_R_PENDING = 0,
	BC_R_QUEUED = 1,
	BC_R_SKIPPED = 2,
	BC_R_CANCELLED = 3
};

struct bc {
	int64_t		 id;
	char		 notice_id[48];
	int64_t		 notice_version;
	enum bc_state	 state;
	int64_t		 created_at;	/* unix s */
	int64_t		 send_at;	/* unix s; 0: not yet */
	int64_t		 finished_at;
	int64_t		 sms_parts;	/* all SMS recipients' parts */
	int64_t		 n[4];		/* recipients per enum bc_rcpt_state */
};

struct bc_rcpt {
	int64_t		 family_id;
	int64_t		 member_id;
	int		 channel;	/* enum channel */
	char		 lang[4];
	int		 state;
	char		 reason[24];
	int64_t		 outbox_id;
};

struct broadcasts *broadcasts_new(struct store *st);
void	broadcasts_free(struct broadcasts *b);

int	bc_create(struct broadcasts *b, const char *notice_id,
	    int64_t version, int64_t sms_parts, int64_t *id)
	    __attribute__((warn_unused_result));
int	bc_set_parts(struct broadcasts *b, int64_t id, int64_t parts)
	    __attribute__((warn_unused_result));
int	bc_text_add(struct broadcasts *b, int64_t id, const char *lang,
	    const char *text, const char *sms)
	    __attribute__((warn_unused_result));
int	bc_rcpt_add(struct broadcasts *b, int64_t id, const struct bc_rcpt *r)
	    __attribute__((warn_unused_result));
/* -2 for no such broadcast. */
int	bc_get(struct broadcasts *b, int64_t id, struct bc *out)
	    __attribute__((warn_unused_result));
/* The newest first; *out is a new array of *n (free()). */
int	bc_list(struct broadcasts *b, struct bc **out, size_t *n)
	    __attribute__((warn_unused_result));
int	bc_set_state(struct broadcasts *b, int64_t id, enum bc_state st,
	    int64_t at) __attribute__((warn_unused_result));
/* The texts of `lang`: new strings (free()), *sms NULL when none. */
int	bc_text_get(struct broadcasts *b, int64_t id, const char *lang,
	    char **text, char **sms) __attribute__((warn_unused_result));
/* Up to `max` pending recipients, in family order. */
int	bc_pending(struct broadcasts *b, int64_t id, struct bc_rcpt *out,
	    size_t max, size_t *n) __attribute__((warn_unused_result));
int	bc_rcpt_done(struct broadcasts *b, int64_t id, int64_t family_id,
	    int state, const char *reason, int64_t outbox_id)
	    __attribute__((warn_unused_result));
/* Pending recipients become cancelled. */
int	bc_cancel_pending(struct broadcasts *b, int64_t id)
	    __attribute__((warn_unused_result));
/* Broadcasts being sent (their send_at may be later). */
int	bc_sending(struct broadcasts *b, int64_t *ids, size_t max, size_t *n)
	    __attribute__((warn_unused_result));
/*
 * Those that may still have SMS copies to send: being sent, or done (all
 * queued) since `since` with SMS parts; *all counts them beyond `max`.
 */
int	bc_reserving(struct broadcasts *b, int64_t since, int64_t *ids,
	    size_t max, size_t *n, size_t *all)
	    __attribute__((warn_unused_result));
/*
 * Skipped and queued recipients of a broadcast, one callback each, for
 * the reports; reason "" for the queued.
 */
typedef int	(*bc_rcpt_fn)(const struct bc_rcpt *r, void *arg);
int	bc_rcpts(struct broadcasts *b, int64_t id, bc_rcpt_fn fn, void *arg)
	    __attribute__((warn_unused_result));
/*
 * The recipients on `channel` (enum channel) not done with: pending, or
 * queued (their outbox row may not be sent yet); for the SMS budget.
 */
int	bc_rcpts_live(struct broadcasts *b, int64_t id, int channel,
	    bc_rcpt_fn fn, void *arg) __attribute__((warn_unused_result));
/* Drafts still preparing become cancelled (at start); *n of them. */
int	bc_abandon_preparing(struct broadcasts *b, int64_t at, int64_t *n)
	    __attribute__((warn_unused_result));
/* The recipient whose copy is outbox row `outbox_id`; -2 for none. */
int	bc_rcpt_of_outbox(struct broadcasts *b, int64_t id,
	    int64_t outbox_id, struct bc_rcpt *out)
	    __attribute__((warn_unused_result));
/*
 * Telegram refused a recipient's copy and an SMS of `parts` parts went
 * instead: the broadcast counts the parts, the recipient's reason says
 * "sms_fallback".
 */
int	bc_fell_back(struct broadcasts *b, int64_t id, int64_t family_id,
	    int64_t parts) __attribute__((warn_unused_result));

/*
 * The broadcasts being sent (up to `max` ids, *n of them) that have not
 * reached the family yet: a pending or queued recipient.
 */
int	bc_family_in_flight(struct broadcasts *b, int64_t family_id,
	    int64_t *ids, size_t max, size_t *n)
	    __attribute__((warn_unused_result));

/*
 * The copies queued for the families in the JSON array `ids` (a
 * programme report): (family_id, outbox_id).
 */
int	bc_report(struct broadcasts *b, const char *ids, store_row_fn fn,
	    void *arg) __attribute__((warn_unused_result));
/*
 * Retention: the per-recipient details (the member, so the phone `broadcast
 * failed` shows, and the reason) of at most `limit` broadcasts finished
 * before `cutoff` (unix s) are dropped, in the caller's transaction;
 * each broadcast keeps its counts and is marked. *n: how many
 * broadcasts.
 */
int	bc_purge_recipients(struct broadcasts *b, int64_t cutoff, int64_t now,
	    int limit, int *n) __attribute__((warn_unused_result));
/* When a broadcast's recipients were purged (0: not). */
int	bc_recipients_purged_at(struct broadcasts *b, int64_t id, int64_t *at)
	    __attribute__((warn_unused_result));

/* A copy of a broadcast queued for a family (its export). */
struct bc_copy {
	int64_t		 broadcast_id;
	char		 notice_id[48];		/* "": texts of its own */
	int64_t		 notice_version;
	char		 lang[4];
	int		 channel;		/* enum channel */
	int64_t		 outbox_id;
	int64_t		 at;			/* sent from, unix s */
};
typedef int	(*bc_copy_fn)(const struct bc_copy *c, void *arg);
/* The copies queued for a family, oldest first; fn returns 0 or -1. */
int	bc_family_copies(struct broadcasts *b, int64_t family_id, bc_copy_fn fn,
	    void *arg) __attribute__((warn_unused_result));

#endif
