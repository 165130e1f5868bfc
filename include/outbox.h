/*
 * The outbox: every outgoing message is a row here before it is sent, with
 * its payload sealed. The dispatcher is the only sender; it claims due rows
 * and records the outcome (sent, retry, failed). A row being sent is
 * `sending` in memory only: its row stays queued, so a crash leaves it to
 * be sent again at start, with nothing written to claim it.
 */
#ifndef ASYSTENT_OUTBOX_H
#define ASYSTENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "store.h"

struct store;
struct keys;

enum outbox_state {
	OUTBOX_QUEUED = 0,
	OUTBOX_SENDING = 1,
	OUTBOX_SENT = 2,
	OUTBOX_FAILED = 3
};
#define OUTBOX_NSTATES	4

/*
 * Lower sends first; each priority is a lane of the queue. Receipts (a
 * reaction, removing a used keyboard) are best effort: outside their
 * chat's order, one pending per message (a newer replaces an older),
 * given up when stale (outbox.receipt_ttl_s) or after a few attempts.
 */
enum outbox_priority {
	OUTBOX_PRIO_CONVERSATION = 0,
	OUTBOX_PRIO_REMINDER = 1,
	OUTBOX_PRIO_BROADCAST = 2,
	OUTBOX_PRIO_RECEIPT = 3
};
#define OUTBOX_NPRIOS	4

enum channel {
	CHANNEL_TELEGRAM = 1,
	CHANNEL_SMS = 2
};

/* What a handler queues; read only during outbox_enqueue(). */
struct outmsg {
	enum channel		 channel;
	enum outbox_priority	 priority;
	int64_t			 chat_id;	/* recipient */
	/*
	 * Rows with the same key keep their order and share the per-chat
	 * pacing. NULL: the recipient chat. Calls that are not messages to a
	 * chat (answerCallbackQuery) pass a key of their own.
	 */
	const char		*order_key;
	const char		*method;	/* "sendMessage", ... */
	const char		*params;	/* JSON object, sealed */
	int64_t			 not_before;	/* unix ms; 0: now */
	const char		*cause;		/* "inbound", "relay", ... */
	int64_t			 cause_id;	/* e.g. the inbound row */
	int64_t			 member_id;	/* the family member, or 0 */
	/*
	 * The family whose message it is (a relay copy to staff names it):
	 * its payload is sealed under the family's key. 0: the member's
	 * family, or none.
	 */
	int64_t			 family_id;
	/*
	 * OUTBOX_PRIO_RECEIPT: what it is about ("setMessageReaction:chat:
	 * message"); a queued receipt with the same key is replaced.
	 */
	const char		*receipt_key;
};

/* A row claimed for sending. */
struct outbox_row {
	int64_t		 id;
	enum channel	 channel;
	int		 priority;
	int		 attempts;	/* before this one */
	int		 is_group;
	unsigned char	 chat_key[CRYPTO_INDEX_LEN];
	char		 method[32];
	char		 cause[16];
	int64_t		 cause_id;
	int64_t		 member_id;	/* 0: not to a family member */
	/*
	 * outbox_due()'s copy of the sealed payload, in the outbox, until
	 * its next call (outbox_due_payload()); 0 bytes: none read.
	 */
	size_t		 sealed_off, sealed_len;
};

struct outbox;

struct outbox	*outbox_new(struct store *st, const struct keys *k);
void		 outbox_free(struct outbox *ob);

/* Inside the caller's transaction. *id may be NULL. */
int	outbox_enqueue(struct outbox *ob, const struct outmsg *m, int64_t *id)
	    __attribute__((warn_unused_result));

/*
 * At start: rows an older version left `sending` (state 1, no longer
 * written) become `queued` again, due at `not_before` (ms) at the
 * earliest: they may have reached their chat a moment before the crash,
 * and its rate limit still counts them.
 */
int	outbox_requeue_sending(struct outbox *ob, int64_t not_before,
	    int *count)
	    __attribute__((warn_unused_result));

/*
 * Up to `max` rows due at `now` (ms), in priority then id order, that are
 * the oldest due row of their chat with nothing of that chat in flight
 * (receipts: any due receipt not in flight). Only the heads of the chats'
 * queues are read, so the cost follows the rows returned, not the backlog.
 * Returns the number of rows written to `rows`, or -1.
 */
int	outbox_due(struct outbox *ob, int64_t now, struct outbox_row *rows,
	    int max) __attribute__((warn_unused_result));
/* The earliest time (ms) a queued row becomes due; INT64_MAX if none. */
int64_t	outbox_next_due(struct outbox *ob, int64_t now);

/*
 * Queued receipts created before `before` (unix ms) fail as stale;
 * *count (may be NULL) is how many.
 */
int	outbox_expire_receipts(struct outbox *ob, int64_t before, int *count)
	    __attribute__((warn_unused_result));
/* What it runs: through outbox_live, never a walk of every row. */
extern const char outbox_expire_sql[];

/* The row's payload (params JSON); free with crypto_free_plain(). */
int	outbox_payload(struct outbox *ob, int64_t id, char **params,
	    size_t *len) __attribute__((warn_unused_result));
/*
 * The same for a row outbox_due() returned, from the copy it read with
 * the row (no second read), until outbox_due() is called again.
 */
int	outbox_due_payload(struct outbox *ob, const struct outbox_row *r,
	    char **params, size_t *len) __attribute__((warn_unused_result));

/*
 * The row is being sent: in memory only, nothing is written. Until its
 * outcome is marked it is not offered again, holds its chat, and counts
 * (outbox_counts, outbox_depth, outbox_list) as sending. The caller marks
 * it once the claim is committed: a claim rolled back leaves no mark.
 */
void	outbox_mark_sending(struct outbox *ob, const struct outbox_row *r);
/* Rows marked sending whose outcome is not marked yet. */
size_t	outbox_in_flight(const struct outbox *ob);

/*
 * Transitions; the caller groups them in transactions. Each ends the row's
 * sending mark, also when its transaction is then rolled back: the caller
 * claims nothing before it has written the outcome again.
 */
int	outbox_mark_sent(struct outbox *ob, int64_t id, int64_t now,
	    int64_t ext_message_id) __attribute__((warn_unused_result));
/* Back to queued, due at `at`; counts an attempt if `attempt`. */
int	outbox_mark_retry(struct outbox *ob, int64_t id, int64_t at,
	    int attempt, int code, const char *error)
	    __attribute__((warn_unused_result));
int	outbox_mark_failed(struct outbox *ob, int64_t id, int code,
	    const char *error) __attribute__((warn_unused_result));
/*
 * A failed row queued again by staff. *changed is 0 when the row is not
 * (or no longer) failed; -1 only on storage errors.
 */
int	outbox_retry_failed(struct outbox *ob, int64_t id, int *changed)
	    __attribute__((warn_unused_result));

/* One row as staff see it (no payload, no recipient). */
struct outbox_info {
	int64_t		 id;
	enum outbox_state state;
	int		 priority;
	enum channel	 channel;
	char		 method[32];
	int		 attempts;
	int		 has_error_code;
	int		 error_code;
	char		 last_error[256];	/* "" when none */
	int64_t		 created_at;		/* unix ms */
	int64_t		 sent_at;		/* unix ms, 0: not sent */
	char		 cause[32];
	int		 delivery;		/* enum sms_delivery; 0: none */
	char		 delivery_code[64];	/* the gateway's, "": none */
	int64_t		 delivery_at;		/* unix ms, 0: no report */
};

/*
 * Up to `max` rows, newest first, of one state (-1: any) and one channel
 * (0: any), or the single row `id` when id is not 0. Returns the number of
 * rows, or -1.
 */
int	outbox_list(struct outbox *ob, int state, enum channel channel,
	    int64_t id, struct outbox_info *rows, int max)
	    __attribute__((warn_unused_result));

/* Rows per state. */
int	outbox_counts(struct outbox *ob, int64_t counts[OUTBOX_NSTATES])
	    __attribute__((warn_unused_result));
/*
 * Rows per lane (priority) and state, in one grouped query. Sent rows,
 * whose number only grows, are not counted: theirs stay 0.
 */
int	outbox_depth(struct outbox *ob,
	    int64_t depth[OUTBOX_NPRIOS][OUTBOX_NSTATES])
	    __attribute__((warn_unused_result));

/*
 * The outbox row sent as `ext_message_id` to this chat (the message id
 * Telegram gave our copy), with its cause; 0 and *found = 0 when none.
 */
int	outbox_find_sent(struct outbox *ob, enum channel ch, int64_t chat_id,
	    int64_t ext_message_id, struct outbox_row *row, int *found)
	    __attribute__((warn_unused_result));

/*
 * The message id our copy has in a chat: the newest row of `cause` and
 * `cause_id` sent there. 0 when none was sent (or none is known).
 */
int	outbox_sent_copy(struct outbox *ob, enum channel ch, int64_t chat_id,
	    const char *cause, int64_t cause_id, int64_t *ext_message_id)
	    __attribute__((warn_unused_result));

/*
 * A gateway's delivery report for the row `id` (or, when 0, the row the
 * gateway knows as `gateway_id`): delivery is sms.h's enum sms_delivery.
 * A failure or expiry is never overwritten, nor a delivery by a queued.
 * *found is 0 when no row matched.
 */
int	outbox_set_delivery(struct outbox *ob, int64_t id,
	    const char *gateway_id, int delivery, const char *code,
	    int64_t now, int *found) __attribute__((warn_unused_result));
/* The gateway's id of what was sent (SMSAPI's message id). */
int	outbox_set_gateway_id(struct outbox *ob, int64_t id,
	    const char *gateway_id) __attribute__((warn_unused_result));

/*
 * Erasing a family: its rows not sent yet are deleted, the payloads of
 * the others cleared (the rows stay for counts). *n: rows deleted.
 */
int	outbox_erase_family(struct outbox *ob, int64_t family_id, int64_t *n)
	    __attribute__((warn_unused_result));

/* The blind index used as chat_key for a Telegram chat id. */
void	outbox_chat_key(const struct keys *k, enum channel ch, int64_t chat_id,
	    unsigned char out[CRYPTO_INDEX_LEN]);

const char *outbox_state_name(enum outbox_state s);
/* "conversation", "reminder", "broadcast", "receipt". */
const char *outbox_priority_name(enum outbox_priority p);

/*
 * The channel and time (unix ms) of the newest message sent to the member
 * (of the family `family_id`) that was not reported failed or expired;
 * *ch is 0 when there is none. It reads the family's rows only
 * (outbox_member_last_sql). Outbox rows of delivery states are sms.h's
 * enum sms_delivery.
 */
int	outbox_member_last_sent(struct outbox *ob, int64_t family_id,
	    int64_t member_id, enum channel *ch, int64_t *at)
	    __attribute__((warn_unused_result));
extern const char outbox_member_last_sql[];

/*
 * The rows of the JSON array `ids` (a programme report, an export):
 * (id, created_at ms, state, channel, delivery, sent_at ms).
 */
int	outbox_report(struct outbox *ob, const char *ids, store_row_fn fn,
	    void *arg) __attribute__((warn_unused_result));

/*
 * What a stored row's payload says of its order, which only its channel
 * can read (channel_order_of()): 0 with an order key of its own in *key
 * (a new string) or the Telegram chat in *chat_id; -1 when it says
 * nothing.
 */
typedef int (*outbox_order_fn)(const char *method, const char *payload,
    char **key, int64_t *chat_id);
void	outbox_set_order_fn(struct outbox *ob, outbox_order_fn fn);

/*
 * The chat key under `k` of a row (its method and opened payload, read
 * by the order function above); random when the payload is gone or says
 * nothing, so the row holds no chat back.
 */
void	outbox_payload_chat_key(struct outbox *ob, const struct keys *k,
	    const char *method, const char *payload,
	    unsigned char key[CRYPTO_INDEX_LEN]);

/*
 * Rotating the master key: every row not sent, and each row in flight,
 * keyed under `k` (the new keys, before they replace the old ones), in
 * the caller's transaction, so that a chat's rows queued before and
 * after the rotation stay one queue, in order and paced together.
 * *n: the rows re-keyed. Then outbox_rekey_settle() says whether that
 * transaction was committed: only then do the rows in flight take their
 * new keys in memory too.
 */
int	outbox_rekey_unsent(struct outbox *ob, const struct keys *k,
	    int64_t *n) __attribute__((warn_unused_result));
void	outbox_rekey_settle(struct outbox *ob, int committed);

#endif
