/*
 * Channels: the outside services people write through (Telegram, SMS),
 * behind one interface. A channel turns a stored inbound record into a
 * struct inbound, turns a message said channel-neutrally (struct out)
 * into an outbox row in its own wire format, sends one row for the
 * dispatcher and classifies what the service answered (struct
 * send_result). Above the channels nothing asks which channel it is: it
 * asks what the channel can do (channel_can()).
 */
#ifndef ASYSTENT_CHANNEL_H
#define ASYSTENT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "inbound.h"
#include "outbox.h"

struct config;

/* What a channel can do. */
enum channel_cap {
	CHANNEL_CAN_BUTTONS = 1 << 0,	/* buttons under a text, presses */
	CHANNEL_CAN_MEDIA = 1 << 1,	/* photos, documents, voice, ... */
	CHANNEL_CAN_EDITS = 1 << 2,	/* edited messages arrive */
	CHANNEL_CAN_REACTIONS = 1 << 3,	/* a reaction on a message */
	CHANNEL_COUNTS_PARTS = 1 << 4	/* paid by the part, with a cap:
					   texts are written short */
};

/* What to send. */
enum out_kind {
	OUT_TEXT,		/* text, with buttons and a reply if any */
	OUT_COPY,		/* a copy of message_id of src_chat_id */
	OUT_REACTION,		/* emoji on message_id */
	OUT_DROP_BUTTONS,	/* remove the buttons of message_id */
	OUT_CALLBACK_ANSWER	/* stop a pressed button's spinner */
};

struct out_button {
	const char	*text;
	const char	*data;		/* 1-64 bytes, given back when pressed */
};

/*
 * One message, said channel-neutrally; read only during channel_queue().
 * The recipient is chat_id on Telegram, phone (E.164) on SMS: a caller
 * who knows both gives both, and each channel takes its own.
 */
struct out {
	enum out_kind		 kind;
	int64_t			 chat_id;
	const char		*phone;
	/* OUT_TEXT: the text; OUT_COPY: a caption (NULL keeps the
	 * original); OUT_CALLBACK_ANSWER: a pop-up, or NULL. */
	const char		*text;
	const struct out_button	*buttons;	/* OUT_TEXT */
	size_t			 nbuttons;
	size_t			 cols;		/* buttons to a row; 0: 1 */
	int64_t			 reply_to;	/* in the recipient's chat */
	int64_t			 src_chat_id;	/* OUT_COPY */
	int64_t			 message_id;	/* OUT_COPY, _REACTION, _DROP_ */
	const char		*emoji;		/* OUT_REACTION */
	const char		*callback_id;	/* OUT_CALLBACK_ANSWER */

	/* How it is queued. */
	enum outbox_priority	 prio;
	const char		*cause;		/* "inbound", "relay", ... */
	int64_t			 cause_id;
	int64_t			 member_id;	/* the family member, or 0 */
	int64_t			 family_id;	/* whose message; outmsg */
	int64_t			 not_before;	/* unix ms; 0: now */
};

/* What the channel could not carry; the reason is in `why`. */
#define CHANNEL_REFUSED	(-2)

struct channel_ops {
	const char	*name;		/* "telegram", "sms" */
	enum channel	 id;
	unsigned	 caps;		/* enum channel_cap bits */
	/*
	 * A stored inbound record (as the channel wrote it) as `in`;
	 * -1 with a short reason, no personal data, in `why`.
	 */
	int		(*parse)(const char *raw, size_t len, struct inbound *in,
			    char *why, size_t whylen);
	/*
	 * The outbox row of `o`: m's channel, chat, order key, method and
	 * params (a new string in *params, which the caller wipes and
	 * frees; *key likewise for an order key of its own). 0, -1 on
	 * errors, CHANNEL_REFUSED with the reason in `why` when this
	 * channel cannot carry it (too long for SMS).
	 */
	int		(*encode)(const struct config *cfg, const struct out *o,
			    struct outmsg *m, char **params, char **key,
			    char *why, size_t whylen);
	/* The text a stored row's params carry, or NULL; a new string. */
	char		*(*text_of)(const char *params, size_t len);
	/*
	 * The order a stored row's params carry, as encode() gave it: 0
	 * with its order key (*key, a new string) or its chat (*chat_id);
	 * -1 when they are not this channel's.
	 */
	int		(*order_of)(const char *method, const char *params,
			    char **key, int64_t *chat_id);
	/*
	 * The running object (struct tg, struct sms) is `ctx` below.
	 * start: listening or polling begins; -1 with the reason in `err`.
	 * stop: no more is taken in (SIGTERM); what is in flight ends.
	 * busy: after stop, how many exchanges that bring messages in are
	 * still open (a gateway's callback half received): shutdown waits
	 * for them, within its grace, since a gateway cut off mid-request
	 * may not send it again.
	 * enabled: 0 when the channel is not configured (no SMS gateway):
	 * its rows then wait in the outbox.
	 */
	int		(*start)(void *ctx, char *err, size_t errlen);
	void		(*stop)(void *ctx);
	int		(*busy)(const void *ctx);
	int		(*enabled)(const void *ctx);
	/*
	 * The dispatcher's sender (dispatch_send_fn), given ctx: it sends
	 * the row, classifies the answer into a struct send_result and ends
	 * with dispatch_done().
	 */
	dispatch_send_fn send;
};

/* The channel's operations; NULL for a value that is no channel. */
const struct channel_ops *channel_get(enum channel ch);
/* Whether the channel can do `cap` (0 for no such channel). */
int	channel_can(enum channel ch, unsigned cap);
/* The order of a stored row, asked of each channel (outbox_order_fn). */
int	channel_order_of(const char *method, const char *params, char **key,
	    int64_t *chat_id);
/* "Telegram", "SMS": as staff see it in a header. */
const char *channel_label(enum channel ch);

/*
 * Queues `o` on channel `ch` in the caller's transaction; *id (may be
 * NULL) is the new outbox row. CHANNEL_REFUSED with the reason in `why`
 * when the channel cannot carry it; -1 on storage errors.
 */
int	channel_queue(struct outbox *ob, const struct config *cfg,
	    enum channel ch, const struct out *o, int64_t *id, char *why,
	    size_t whylen) __attribute__((warn_unused_result));

/*
 * For the channels' text_of: the string member `name` of a JSON object,
 * or NULL; a new string.
 */
char	*channel_json_string(const char *json, size_t len, const char *name);

/* The channels' operations (channel/telegram, channel/sms). */
extern const struct channel_ops tg_channel;
extern const struct channel_ops sms_channel;

#endif
