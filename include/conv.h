/*
 * Conversations between families and staff: the record of every relayed
 * message (a `messages` row, body sealed with (messages, body, id)), who
 * reads a family's messages, unread counts, each staff member's current
 * family, tracing a staff reply back to the family, flood pacing, and the
 * dispatcher hooks that show an assistant what became of an answer.
 *
 * Everything runs inside the caller's transaction (a handler's savepoint,
 * or the dispatcher's). This module holds the rules and no SQL: the
 * `messages` rows are history.h's (which gives their ids), the people
 * people.h's, the sent copies outbox.h's.
 */
#ifndef ASYSTENT_CONV_H
#define ASYSTENT_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "i18n.h"
#include "outbox.h"

struct app;
struct send_result;
struct conv;

enum conv_dir {
	CONV_FROM_FAMILY = 0,
	CONV_TO_FAMILY = 1
};

enum conv_state {
	CONV_QUEUED = 0,
	CONV_SENT = 1,
	CONV_FAILED = 2,
	CONV_BLOCKED = 3	/* the family blocked the bot */
};

/* Outbox causes of relayed messages; the cause_id is the messages row. */
#define CONV_CAUSE_RELAY	"relay"		/* family -> staff */
#define CONV_CAUSE_ANSWER	"answer"	/* staff -> family, last part */
#define CONV_CAUSE_PART		"answer_part"	/* an earlier part */
#define CONV_CAUSE_STATUS	"status"	/* delivery state to staff */
/* The assistant's /sms variant: by SMS if Telegram cannot deliver it. */
#define CONV_CAUSE_IMPORTANT	"answer_sms"
#define CONV_CAUSE_FALLBACK	"fallback"	/* the SMS that replaced it */
#define CONV_CAUSE_NOTICE	"notice"	/* admin/admin_notices.c */
#define CONV_CAUSE_BROADCAST	"broadcast"	/* conv/broadcast.c */

/* A message to record; read only during conv_record(). */
struct conv_msg {
	int64_t		 family_id;
	int64_t		 member_id;	/* 0: none */
	int64_t		 staff_id;	/* the reader, or the author */
	enum conv_dir	 dir;
	const char	*kind;		/* "text", "photo", ..., "edit" */
	enum channel	 channel;
	const char	*body;		/* text or caption; NULL: none */
	int64_t		 src_message_id; /* in the author's chat */
	enum conv_state	 state;
};

/* A family as conversations need it. */
struct conv_family {
	int64_t		 id;
	char		 code[16];
	char		 language[4];
	char		 channel[16];
	int64_t		 assistant_id;
	int64_t		 substitute_id;
};

/* Who reads a family's messages. */
enum conv_route {
	CONV_ROUTE_ASSISTANT,
	CONV_ROUTE_SUBSTITUTE,
	CONV_ROUTE_COORDINATORS,
	CONV_ROUTE_NONE		/* nobody active and linked */
};

#define CONV_READERS_MAX	16

struct conv_reader {
	int64_t		 staff_id;
	int64_t		 chat_id;
	enum lang	 lang;
};

struct conv_readers {
	enum conv_route		 route;
	size_t			 n;
	struct conv_reader	 r[CONV_READERS_MAX];
	char			 first_name[64];	/* of the substitute */
};

/* A staff member as the rules need them. */
struct conv_staff {
	int64_t		 id;
	char		 kind[32];
	int		 active;
	int64_t		 chat_id;	/* 0: not linked */
	enum lang	 lang;
};

/* Where an answer to a family goes. */
struct conv_target {
	int64_t		 member_id;	/* 0: no member to write to */
	int64_t		 chat_id;	/* 0: no Telegram */
	int		 consented;
};

/* A member of an SMS family, by phone. */
struct conv_sms_target {
	int64_t		 member_id;	/* 0: no member with a phone */
	char		 phone[17];	/* E.164 */
	int		 consented;	/* recorded by staff */
};

/* What a staff reply points at. */
struct conv_trace {
	int		 found;		/* a relayed message of a family */
	int		 ours;		/* a message the bot sent at all */
	int64_t		 message_id;	/* messages row */
	int64_t		 family_id;	/* 0: the family was deleted */
	int64_t		 member_id;
	int64_t		 src_message_id; /* in the family's chat; 0: none */
};

/* One line of /families. */
struct conv_family_row {
	int64_t		 id;
	char		 code[16];
	char		*name;		/* opened; free with the list */
	int64_t		 unread;
};

enum conv_may {
	CONV_MAY = 0,
	CONV_NOT_YOURS,		/* another assistant's family */
	CONV_NOT_STAFF		/* disabled or unknown */
};

struct conv	*conv_new(struct app *app);
void		 conv_free(struct conv *c);

int	conv_record(struct conv *c, const struct conv_msg *m, int64_t *id)
	    __attribute__((warn_unused_result));
/* The row's state after a send; error NULL clears it. */
int	conv_set_state(struct conv *c, int64_t id, enum conv_state st,
	    const char *error) __attribute__((warn_unused_result));

/* The member blocked the bot at `at` (unix ms), or unblocked it (0). */
int	conv_blocked(struct conv *c, int64_t member_id, int64_t at)
	    __attribute__((warn_unused_result));

/* *found 0 when there is no such family. */
int	conv_family(struct conv *c, int64_t id, struct conv_family *out,
	    int *found) __attribute__((warn_unused_result));
/* By code ("R-0042") or id; *id 0 when none. */
int	conv_family_find(struct conv *c, const char *ref, int64_t *id)
	    __attribute__((warn_unused_result));
/* The first word of the member's name; "" when none. */
int	conv_member_first_name(struct conv *c, int64_t member_id, char *buf,
	    size_t len) __attribute__((warn_unused_result));

/*
 * The assigned assistant if active and linked to Telegram, else the
 * substitute, else every active linked coordinator (administrators when
 * there is none).
 */
int	conv_readers(struct conv *c, const struct conv_family *f,
	    struct conv_readers *out) __attribute__((warn_unused_result));
/*
 * Was the family told in the last `window_ms` that `staff_id` (not their
 * assistant) reads their messages? Derived from the messages rows, whose
 * staff_id is the first reader. `before` excludes the current row.
 */
int	conv_route_told(struct conv *c, int64_t family_id, int64_t staff_id,
	    int64_t since, int64_t before, int *told)
	    __attribute__((warn_unused_result));

int	conv_staff(struct conv *c, int64_t staff_id, struct conv_staff *out,
	    int *found) __attribute__((warn_unused_result));
/* The permission rule, without the database. */
enum conv_may conv_rule_may_write(const char *kind, int active,
	    int64_t staff_id, int64_t assistant_id, int64_t substitute_id);
int	conv_is_coordinator(const char *kind);
/* May staff_id answer family_id? */
int	conv_may_write(struct conv *c, int64_t staff_id,
	    const struct conv_family *f, enum conv_may *may)
	    __attribute__((warn_unused_result));

/*
 * Where an answer to the family goes: `preferred` (who wrote) if still a
 * member with Telegram, else the one who wrote last, else the contact.
 */
int	conv_target(struct conv *c, int64_t family_id, int64_t preferred,
	    struct conv_target *out) __attribute__((warn_unused_result));

int	conv_sms_target(struct conv *c, int64_t family_id, int64_t preferred,
	    struct conv_sms_target *out) __attribute__((warn_unused_result));

int	conv_mark_read(struct conv *c, int64_t family_id, int64_t now)
	    __attribute__((warn_unused_result));
/*
 * Families of a staff member (assistant or substitute), or all when
 * `all`, unread first then by code, at most `max`; *total counts them
 * all. Free with conv_family_rows_free().
 */
int	conv_families(struct conv *c, int64_t staff_id, int all, size_t max,
	    struct conv_family_row **rows, size_t *n, int64_t *total)
	    __attribute__((warn_unused_result));
void	conv_family_rows_free(struct conv_family_row *rows, size_t n);

/* 0 when none is chosen (or the family was deleted). */
int	conv_current(struct conv *c, int64_t staff_id, int64_t *family_id)
	    __attribute__((warn_unused_result));
int	conv_set_current(struct conv *c, int64_t staff_id, int64_t family_id)
	    __attribute__((warn_unused_result));

/* A staff member replied to ext_message_id in their chat: to what? */
int	conv_trace(struct conv *c, int64_t chat_id, int64_t ext_message_id,
	    struct conv_trace *out) __attribute__((warn_unused_result));
/* The family's relayed message src_message_id (not an edit); 0: none. */
int	conv_find_relayed(struct conv *c, int64_t family_id,
	    int64_t src_message_id, int64_t *id)
	    __attribute__((warn_unused_result));
/* Our copy of messages row `id` in chat_id, once sent; 0: none. */
int	conv_copy_in_chat(struct conv *c, int64_t id, int64_t chat_id,
	    int64_t *ext_message_id) __attribute__((warn_unused_result));

/*
 * Flood pacing of a family's messages to staff: beyond `per_minute` in
 * the last minute, each further message is due one interval
 * (60 s / per_minute) after the previous paced one. *not_before is 0
 * when it may go now; *notice is 1 for the first paced message of a
 * burst. The pace is kept in memory: a restart forgets it, the rows
 * already queued keep their times.
 */
int	conv_flood(struct conv *c, int64_t family_id, int per_minute,
	    int64_t now, int64_t *not_before, int *notice)
	    __attribute__((warn_unused_result));
/* The pure pacing step, for tests: see conv_flood(). */
struct conv_pace {
	int64_t		 family_id;
	int64_t		 next;		/* unix ms of the last paced slot */
	int		 noticed;
};
void	conv_pace_step(struct conv_pace *p, int64_t in_window, int per_minute,
	    int64_t now, int64_t *not_before, int *notice);

/* Dispatcher hooks; arg is the struct conv. */
int	conv_gate(void *arg, const struct outbox_row *row, char *why,
	    size_t whylen);
int	conv_outcome(void *arg, const struct outbox_row *row,
	    const struct send_result *res);

#endif
