/*
 * Handlers: one file each in handlers/, each exporting one const entry,
 * listed once in handlers/table.c. The router walks the table in order;
 * the first entry whose sender, kind and match fit runs.
 */
#ifndef ASYSTENT_HANDLER_H
#define ASYSTENT_HANDLER_H

#include <stdint.h>

#include "channel.h"
#include "i18n.h"
#include "inbound.h"

struct config;
struct conv;
struct hours;
struct outbox;
struct people;
struct visits;

enum sender_kind {
	SENDER_UNKNOWN = 1 << 0,	/* no linked account */
	SENDER_FAMILY = 1 << 1,		/* a member who chose a language
					   and consented */
	SENDER_STAFF = 1 << 2,		/* an assistant, coordinator, ... */
	SENDER_NEWCOMER = 1 << 3	/* a linked member who has not yet
					   chosen a language or consented */
};
#define SENDER_ANY	(SENDER_UNKNOWN | SENDER_FAMILY | SENDER_STAFF | \
			 SENDER_NEWCOMER)

#define INBOUND_BIT(k)	(1u << (k))
#define INBOUND_ANY	0xffffu

/*
 * What a handler gets: the message, who sent it, in which language, and
 * the few services handlers use, set by the router. It is all a handler
 * reaches of the process: not the store, nor a channel's running object.
 */
struct hctx {
	const struct config	*cfg;
	const struct i18n	*i18n;
	struct people		*people;
	struct conv		*conv;
	const struct hours	*hours;	/* office hours, holidays */
	struct outbox		*ob;	/* with cfg: channel_queue()'s pair */
	/*
	 * 1 when an automatic answer may go to `phone` now: at most one a
	 * day per number (sms_may_answer()); 0 when there is no SMS.
	 */
	int			(*sms_may_answer)(void *arg, const char *phone);
	/*
	 * What we must not keep (an unknown SMS number): drops the stored
	 * payload of inbound `row`, keeping only one more in the counter
	 * `name` (the meta table).
	 */
	int			(*forget)(void *arg, int64_t row,
				    const char *name);
	void			*arg;	/* of sms_may_answer and forget */
	struct visits		*visits;	/* visits and reminders */

	/* The message, who sent it, in which language. */
	const struct inbound	*in;
	enum sender_kind	 sender;
	enum lang		 lang;
	/* Who, when the sender is linked (router_sender); 0 otherwise. */
	int64_t			 staff_id;
	int64_t			 member_id;
	int64_t			 family_id;
};

struct handler_entry {
	const char	*name;
	unsigned	 from;		/* enum sender_kind bits */
	unsigned	 kinds;		/* INBOUND_BIT()s */
	/*
	 * A command ("/families"), and/or a prefix of callback data
	 * ("fam:"): the entry then takes only those. With neither it takes
	 * every message of its senders and kinds.
	 */
	const char	*match;
	const char	*callback;
	/*
	 * Channel capabilities (enum channel_cap) the sender's channel
	 * must lack for this entry: a step done another way where there
	 * are no buttons. 0: every channel.
	 */
	unsigned	 lacks;
	/*
	 * Runs inside the transaction that marks the message handled: its
	 * outbox rows and state changes commit together with that mark.
	 * Returns -1 only on storage errors (everything is rolled back).
	 */
	int		(*exec)(struct hctx *ctx);
};

/* The table, in order, ending with NULL. */
extern const struct handler_entry *const handler_table[];

#endif
