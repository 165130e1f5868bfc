/*
 * Visits, group events and the reminders of visits (tables visits,
 * events, reminders; store/visits.c owns their SQL). Times are unix ms,
 * UTC; what staff type and read is local time (caltime.h). Places,
 * notes, the reason of a cancellation and the family's "another time"
 * are sealed. A reminder is a row made when a visit is planned or
 * moved, so the due ones are found by an index, never a scan of visits.
 */
#ifndef ASYSTENT_VISITS_H
#define ASYSTENT_VISITS_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

#define VISIT_KIND_MAX		16
#define VISIT_PLACE_MAX		200	/* characters */
#define VISIT_MINUTES_MAX	(24 * 60)
#define VISITS_LIST_MAX		5000	/* rows a list returns at most */

enum visits_rc {
	VISITS_OK = 0,
	VISITS_ERROR = -1,
	VISITS_NOT_FOUND = -2
};

enum visit_state {
	VISIT_PLANNED = 0,
	VISIT_CANCELLED = 1,
	VISIT_DRAFT = 2		/* typed in Telegram, not yet saved */
};

enum visit_answer {
	VISIT_NO_ANSWER = 0,
	VISIT_CONFIRMED = 1,
	VISIT_CANNOT_COME = 2,
	VISIT_ANOTHER_TIME = 3
};

enum reminder_state {
	REMINDER_PENDING = 0,
	REMINDER_SENT = 1,
	REMINDER_DROPPED = 2,	/* missed while the daemon was down */
	REMINDER_VOID = 3,	/* the visit moved or was cancelled */
	REMINDER_SKIPPED = 4	/* the member turned reminders off */
};

struct visit {
	int64_t		 id;
	int64_t		 family_id;
	int64_t		 staff_id;	/* 0: none */
	int64_t		 event_id;	/* 0: not a group event's */
	int64_t		 series_id;	/* 0: not repeated; else the first's id */
	char		 kind[VISIT_KIND_MAX];
	int64_t		 at;		/* unix ms */
	int		 minutes;
	char		*place;		/* opened; NULL: none */
	char		*note;		/* opened; NULL: none */
	enum visit_state state;
	char		*reason;	/* opened; of a cancellation */
	enum visit_answer answer;
	int64_t		 answer_at;	/* unix ms; 0: none */
	char		*answer_text;	/* opened; "another time" */
	int64_t		 created_at;	/* unix ms */
	int64_t		 updated_at;	/* by staff: moved, cancelled */
};

/* What a list takes; zero fields do not filter. */
struct visit_filter {
	int64_t		 family_id;
	int64_t		 staff_id;
	int64_t		 event_id;
	int64_t		 from;		/* unix ms, at >= from */
	int64_t		 to;		/* unix ms, at < to; 0: no end */
	int		 unconfirmed;	/* planned, and no answer yet */
	int		 planned_only;
};

struct reminder {
	int64_t		 id;
	int64_t		 visit_id;
	int64_t		 due_at;	/* unix ms */
	enum reminder_state state;
	int64_t		 member_id;	/* to whom it went; 0: not yet */
	int64_t		 sent_at;
	int64_t		 answered_at;
};

struct event {
	int64_t		 id;
	int64_t		 programme_id;
	int64_t		 group_id;	/* 0: the whole programme */
	char		 kind[VISIT_KIND_MAX];
	int64_t		 at;
	int		 minutes;
	char		*place;		/* opened */
	char		*note;
	int64_t		 created_at;
};

struct visits;
struct store;
struct keys;

struct visits	*visits_new(struct store *st, const struct keys *k);
void		 visits_free(struct visits *v);

/* "home", "office", "meeting", "psychologist", "outing", "other". */
int	visits_kind_ok(const char *kind) __attribute__((warn_unused_result));
const char	*visits_state_name(enum visit_state s);
const char	*visits_answer_name(enum visit_answer a);
/* The answer as staff read it: a msgid, for i18n_get(). */
const char	*visits_answer_label(enum visit_answer a);
const char	*visits_reminder_state_name(enum reminder_state s);

void	visit_clear(struct visit *v);
void	visits_list_free(struct visit *a, size_t n);
void	event_clear(struct event *e);

/*
 * A new visit (planned, or with state VISIT_DRAFT a draft that no list
 * shows) from v's state, family_id, staff_id, event_id,
 * series_id, kind, at, minutes, place and note; *id is its id.
 */
int	visits_add(struct visits *v, const struct visit *in, int64_t *id)
	    __attribute__((warn_unused_result));
int	visits_get(struct visits *v, int64_t id, struct visit *out)
	    __attribute__((warn_unused_result));
/* A staff member's draft saved (planned) or dropped; NOT_FOUND if none. */
int	visits_draft_save(struct visits *v, int64_t id, int64_t staff_id)
	    __attribute__((warn_unused_result));
int	visits_draft_drop(struct visits *v, int64_t id, int64_t staff_id)
	    __attribute__((warn_unused_result));
/*
 * Ordered by time, drafts left out; at most VISITS_LIST_MAX. *out:
 * visits_list_free().
 */
int	visits_list(struct visits *v, const struct visit_filter *f,
	    struct visit **out, size_t *n) __attribute__((warn_unused_result));
/* A new time; the answer is cleared and pending reminders made void. */
int	visits_move(struct visits *v, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));
/* Cancelled with an optional reason; pending reminders made void. */
/*
 * Erasing a family: its visits' texts (place, note, reason, answer) are
 * cleared, the rows kept for counts, those ahead cancelled and their
 * pending reminders void.
 */
int	visits_erase_family(struct visits *v, int64_t family_id)
	    __attribute__((warn_unused_result));
/* Planned visits of the family after `now` (unix ms). */
int	visits_ahead(struct visits *v, int64_t family_id, int64_t now,
	    int64_t *n) __attribute__((warn_unused_result));
int	visits_cancel(struct visits *v, int64_t id, const char *reason)
	    __attribute__((warn_unused_result));
/* The family's answer; `text` (NULL: none) with ANOTHER_TIME. */
int	visits_set_answer(struct visits *v, int64_t id, enum visit_answer a,
	    const char *text, int64_t at) __attribute__((warn_unused_result));

/*
 * A planned visit of the family still ahead of `now` whose answer is
 * "another time", pressed at or after `since`, with no time written yet;
 * NOT_FOUND when none. The newest if several. A family owing none is
 * remembered until a visit changes (store_visits_gen()), for a window
 * that only moves forward (`since` and `now` never go back).
 */
int	visits_another_time_waiting(struct visits *v, int64_t family_id,
	    int64_t since, int64_t now, int64_t *id)
	    __attribute__((warn_unused_result));
/* The family's preferred time, in their words (sealed); once only. */
int	visits_set_another_time(struct visits *v, int64_t id,
	    const char *text) __attribute__((warn_unused_result));

/* Reminders. */
int	visits_reminder_add(struct visits *v, int64_t visit_id,
	    int64_t due_at, int64_t *id) __attribute__((warn_unused_result));
/* Pending reminders of a visit become void. */
int	visits_reminders_void(struct visits *v, int64_t visit_id)
	    __attribute__((warn_unused_result));
/*
 * The pending reminders due at or before `now`, oldest first, at most
 * `max`. *out is a new array; free().
 */
int	visits_reminders_due(struct visits *v, int64_t now, size_t max,
	    struct reminder **out, size_t *n)
	    __attribute__((warn_unused_result));
/* The earliest pending due_at; *found 0 when none. */
int	visits_reminder_next(struct visits *v, int64_t *due_at, int *found)
	    __attribute__((warn_unused_result));
/*
 * Reminders never sent, ever: dropped (missed while down, the visit too
 * near; or nobody to send to) and skipped (the member turned reminders
 * off).
 */
int	visits_reminder_counts(struct visits *v, uint64_t *dropped,
	    uint64_t *skipped) __attribute__((warn_unused_result));
/* A visit's reminders, by due time. *out: free(). */
int	visits_reminders_of(struct visits *v, int64_t visit_id,
	    struct reminder **out, size_t *n)
	    __attribute__((warn_unused_result));
/* Marks a pending reminder sent (to member_id on channel) or dropped. */
int	visits_reminder_done(struct visits *v, int64_t id,
	    enum reminder_state st, int64_t member_id, int channel,
	    int64_t at) __attribute__((warn_unused_result));
/*
 * The last reminder sent to member_id since `since` (unix ms), answered
 * or not; NOT_FOUND when there is none.
 */
int	visits_reminder_last(struct visits *v, int64_t member_id,
	    int64_t since, struct reminder *out)
	    __attribute__((warn_unused_result));
int	visits_reminder_answered(struct visits *v, int64_t id, int64_t at)
	    __attribute__((warn_unused_result));
int	visits_reminder_get(struct visits *v, int64_t id, struct reminder *out)
	    __attribute__((warn_unused_result));

/*
 * The families with a planned visit in [from, to) (unix ms), each once,
 * by id: for notices about a date range. *ids is a new array; free().
 */
int	visits_families_between(struct visits *v, int64_t from, int64_t to,
	    int64_t **ids, size_t *n) __attribute__((warn_unused_result));

/* Group events. */
int	visits_event_add(struct visits *v, const struct event *in,
	    int64_t *id) __attribute__((warn_unused_result));
int	visits_event_get(struct visits *v, int64_t id, struct event *out)
	    __attribute__((warn_unused_result));

/*
 * The visits of the families in the JSON array `ids` (a programme
 * report), drafts left out: (family_id, at ms, state, answer) from
 * `from` to before `to` (unix ms).
 */
int	visits_report(struct visits *v, const char *ids, int64_t from,
	    int64_t to, store_row_fn fn, void *arg)
	    __attribute__((warn_unused_result));

#endif
