/*
 * Relayed messages: a family's message to staff and an answer back, as a
 * text (with a reply, and buttons), a copy of a message, or a reaction,
 * queued on Telegram through the channel interface (channel.h); and the
 * pure text work they need: the header line staff see, splitting long
 * texts at line or word boundaries into numbered parts.
 */
#ifndef ASYSTENT_RELAY_H
#define ASYSTENT_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

struct config;
struct out_button;

/* How a relayed message is queued; read only during each call. */
struct relay_opts {
	enum outbox_priority	 prio;
	const char		*cause;		/* "relay", "answer", ... */
	int64_t			 cause_id;	/* the messages row */
	int64_t			 member_id;	/* recipient member, or 0 */
	int64_t			 family_id;	/* whose message, or 0 */
	int64_t			 not_before;	/* unix ms; 0: now */
	int64_t			 reply_to;	/* message in the recipient's
						   chat; 0: none */
	const struct out_button	*buttons;	/* under a text, or NULL */
	size_t			 nbuttons;
	size_t			 cols;		/* buttons to a row */
};

/*
 * Plain `text` to chat_id. This and the two below queue on Telegram with
 * channel_queue(ob, cfg, ...), in the caller's transaction.
 */
int	relay_send_text(struct outbox *ob, const struct config *cfg,
	    int64_t chat_id, const char *text, const struct relay_opts *o)
	    __attribute__((warn_unused_result));
/*
 * A copy of message_id in from_chat_id to chat_id; caption NULL keeps the
 * original caption.
 */
int	relay_send_copy(struct outbox *ob, const struct config *cfg,
	    int64_t chat_id, int64_t from_chat_id, int64_t message_id,
	    const char *caption, const struct relay_opts *o)
	    __attribute__((warn_unused_result));
/* One emoji as a reaction on a message of chat_id. */
int	relay_send_reaction(struct outbox *ob, const struct config *cfg,
	    int64_t chat_id, int64_t message_id, const char *emoji,
	    const struct relay_opts *o) __attribute__((warn_unused_result));

/*
 * The header staff see above a family's message:
 * "R-0042 · Olena · uk · Telegram". `first_name` NULL or "" is left out.
 * Returns a new string; free().
 */
char	*relay_header(const char *code, const char *first_name,
	    const char *lang, const char *channel);

/* The first word of a name ("Olena" of "Olena Kovalenko"); new string. */
char	*relay_first_name(const char *name);

/*
 * Cuts `text` into pieces of at most `max` UTF-16 units, at a line break
 * if one lies in the second half of the piece, else at a space, else
 * between characters (never inside a UTF-8 sequence, a surrogate pair, or
 * before a combining mark or emoji modifier). The break character is
 * dropped. *parts is a new array of new strings (free with
 * relay_parts_free()); *n >= 1 unless text is empty. -1 on invalid UTF-8
 * or max < 16.
 */
int	relay_chunks(const char *text, long max, char ***parts, size_t *n)
	    __attribute__((warn_unused_result));
/*
 * Like relay_chunks() for a message of at most `max` units; when it needs
 * more than one, each part starts with "(i/n) " within the limit.
 */
int	relay_split(const char *text, long max, char ***parts, size_t *n)
	    __attribute__((warn_unused_result));
void	relay_parts_free(char **parts, size_t n);

#endif
