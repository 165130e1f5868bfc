/*
 * Sending visit reminders: a timer on the loop finds the reminders due
 * (store/visits.c, by index), and queues each to the family in its
 * member's language, in the reminder lane, in one transaction with the
 * reminder marked sent, so a crash sends it once (or, in flight, at most
 * twice as any outbox row). A reminder whose moment passed while the
 * daemon was down goes at once if the visit is more than an hour ahead,
 * else it is dropped and counted. Telegram families get buttons; SMS
 * families a short text asking for 1 or 2. A Telegram reminder the
 * family blocked falls back to SMS like every reminder-lane row
 * (conv_outcome()).
 */
#ifndef ASYSTENT_VISIT_REMIND_H
#define ASYSTENT_VISIT_REMIND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "i18n.h"

/* A reminder late by more than this was missed while down. */
#define VISIT_REMIND_LATE_MS	(120 * 1000)
/* A missed reminder still goes when the visit is further ahead. */
#define VISIT_REMIND_AHEAD_MS	(3600 * 1000)
#define VISIT_REMIND_BATCH	200	/* reminders per transaction */
#define VISIT_REMIND_TICK_S	10

/* Callback data of the buttons: "vr:c:ID", "vr:n:ID", "vr:a:ID". */
#define VISIT_REMIND_CB		"vr:"
/* The outbox cause of a reminder (cause_id: the reminder row). */
#define VISIT_REMIND_CAUSE	"reminder"
/* The button under the answer to /stop: reminders stop too. */
#define VISIT_REMIND_OFF_CB	"rem:off"

struct app;
struct visit;
struct visit_remind;

struct visit_remind_stats {
	uint64_t	 sent;
	uint64_t	 dropped;	/* missed while down, too late */
	uint64_t	 voided;	/* the visit passed or was cancelled */
	uint64_t	 unreachable;	/* nobody in the family to send to */
	uint64_t	 skipped;	/* the member turned reminders off */
};

/* Starts the timer; NULL on failure. */
struct visit_remind *visit_remind_new(struct app *app);
void	visit_remind_free(struct visit_remind *vr);
/* Reminders were planned: the timer is set for the earliest. */
void	visit_remind_kick(struct visit_remind *vr);
/*
 * One pass at `now` (unix ms) in its own transaction: every due
 * reminder is sent, dropped or voided. -1 on storage errors (nothing
 * of the pass is kept).
 */
int	visit_remind_run(struct app *app, int64_t now,
	    struct visit_remind_stats *st) __attribute__((warn_unused_result));

/*
 * The reminder's text in `lang`: the date in words ("w środę, 9
 * grudnia, o 10:00"), the assistant's first name (NULL: none), the
 * place (NULL: none); `sms` the short variant ending with how to answer.
 * A new string; free().
 */
char	*visit_remind_text(const struct i18n *i, enum lang lang, time_t at,
	    const char *assistant, const char *place, int sms);

/*
 * The notice of a visit moved (new_at, unix ms) or cancelled (new_at 0)
 * in `lang`: both dates in words; `sms` the short variant. free().
 */
char	*visit_remind_notice_text(const struct i18n *i, enum lang lang,
	    time_t old_at, time_t new_at, int sms);
/*
 * Tells the family that visit `v` (as it was) moved to new_at or, with
 * new_at 0, was cancelled: queued in the caller's transaction.
 */
int	visit_remind_notice(struct app *app, const struct visit *v,
	    int64_t new_at) __attribute__((warn_unused_result));

/*
 * The SMS variant of reminder `reminder_id` (VISIT_REMIND_CAUSE) for
 * its SMS fallback, in the language it was said in. *text NULL when
 * the reminder or visit is gone; else a new string, free(). -1 on
 * storage errors.
 */
int	visit_remind_sms_of(struct app *app, int64_t reminder_id, char **text)
	    __attribute__((warn_unused_result));

#endif
