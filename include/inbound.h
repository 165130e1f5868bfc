/*
 * What arrived, in one shape for every channel, and its durable record:
 * each update is an `inbound` row (payload sealed) committed before the
 * channel acknowledges it, and marked handled in the same transaction as
 * the handler's effects.
 */
#ifndef ASYSTENT_INBOUND_H
#define ASYSTENT_INBOUND_H

#include <stddef.h>
#include <stdint.h>

#include "outbox.h"

enum inbound_kind {
	INBOUND_TEXT,		/* plain text */
	INBOUND_COMMAND,	/* text starting with / */
	INBOUND_MEDIA,		/* photo, document, voice, ... */
	INBOUND_CALLBACK,	/* an inline button was pressed */
	INBOUND_EDIT,		/* an edited message */
	INBOUND_MEMBER,		/* blocked or unblocked the bot */
	INBOUND_OTHER		/* polls, games, ...: answered with a hint */
};

enum media_kind {
	MEDIA_NONE,
	MEDIA_PHOTO,
	MEDIA_DOCUMENT,
	MEDIA_VOICE,
	MEDIA_AUDIO,
	MEDIA_VIDEO,
	MEDIA_VIDEO_NOTE,
	MEDIA_ANIMATION,
	MEDIA_STICKER,
	MEDIA_LOCATION,
	MEDIA_CONTACT
};

/* Bounds of what we accept; longer input is refused, never cut. */
#define INBOUND_TEXT_MAX	(4096 * 4)	/* bytes: 4096 chars */
#define INBOUND_COMMAND_MAX	64

/*
 * One parsed update. Strings point into memory owned by the struct and are
 * freed by inbound_clear(); they are valid UTF-8 without NUL.
 */
struct inbound {
	int64_t		 row;		/* inbound row id (0: not stored) */
	enum channel	 channel;
	enum inbound_kind kind;
	int64_t		 ext_id;	/* update_id */
	int64_t		 user_id;
	int64_t		 chat_id;
	int		 chat_is_private;
	int64_t		 message_id;
	int64_t		 reply_to;	/* message replied to, 0: none */
	int64_t		 date;		/* unix s */
	enum media_kind	 media;
	char		 lang[8];	/* language_code's primary subtag */
	char		 command[INBOUND_COMMAND_MAX]; /* "/start", no @bot */
	char		*args;		/* text after the command */
	char		*text;		/* text or caption */
	char		*first_name;
	char		*phone;		/* SMS: the sender, E.164 */
	char		*callback_id;
	char		*callback_data;
	int		 blocked;	/* INBOUND_MEMBER: 1 blocked, 0 not */
};

void	inbound_clear(struct inbound *in);

struct inbound_store;
struct store;
struct keys;

struct inbound_store *inbound_store_new(struct store *st, const struct keys *k);
void	inbound_store_free(struct inbound_store *is);

/*
 * Records one raw update (caller's transaction). *row is 0 when it was
 * recorded before (a redelivery), else the new row's id. With `raw` NULL
 * the row is one routed at once, in the same transaction: it is recorded
 * without its payload and already handled, so that marking it handled
 * writes nothing. inbound_keep() adds the payload unless the row was
 * forgotten, and makes it pending again when the router left it.
 */
int	inbound_record(struct inbound_store *is, enum channel ch,
	    int64_t ext_id, const char *raw, size_t len, int64_t *row)
	    __attribute__((warn_unused_result));

/* Up to max ids of rows not handled yet, oldest first, after `after`. */
int	inbound_pending(struct inbound_store *is, int64_t after, int64_t *rows,
	    int max) __attribute__((warn_unused_result));
/*
 * inbound_pending(is, 0, oldest, 1): 1 with the oldest row not handled,
 * 0 when none is, -1. Within a transaction a "none" is remembered until
 * a row is made pending or anything is rolled back.
 */
int	inbound_oldest_pending(struct inbound_store *is, int64_t *oldest)
	    __attribute__((warn_unused_result));
/* The raw payload of a row; free with crypto_free_plain(). */
int	inbound_load(struct inbound_store *is, int64_t row, enum channel *ch,
	    char **raw, size_t *len) __attribute__((warn_unused_result));
/* How many rows wait to be handled (status). */
int	inbound_count_pending(struct inbound_store *is, int64_t *n)
	    __attribute__((warn_unused_result));
/* Drops a row's payload: what we must not keep (an unknown SMS number). */
int	inbound_forget(struct inbound_store *is, int64_t row)
	    __attribute__((warn_unused_result));
/* Whether inbound_forget() was called for `row` last. */
int	inbound_forgotten(const struct inbound_store *is, int64_t row);
/*
 * Stores the payload of a row recorded without it (raw NULL: none);
 * `left`: the router left the row, which waits, pending, for its turn.
 */
int	inbound_keep(struct inbound_store *is, int64_t row, const char *raw,
	    size_t len, int left) __attribute__((warn_unused_result));
/* state: 1 handled, 2 skipped (unparseable). */
int	inbound_mark(struct inbound_store *is, int64_t row, int state)
	    __attribute__((warn_unused_result));

#endif
