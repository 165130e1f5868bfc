/*
 * When a visit is reminded: the configured offsets ([reminders]) on the
 * centre's calendar, kept out of quiet hours. "The day before at 17:00"
 * is a local date and time, so it stays 17:00 across a DST change;
 * "2 hours before" is two real hours. Pure: callers pass the time.
 */
#ifndef ASYSTENT_REMINDERS_H
#define ASYSTENT_REMINDERS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define REMINDERS_MAX		8	/* offsets per kind */
#define REMINDERS_KINDS		6	/* as visits_kind_ok() lists them */

struct reminder_offset {
	int	 days;		/* > 0: that many days before, at hh:mm */
	int	 hh, mm;
	int	 minutes;	/* days 0: this many minutes before */
};

struct reminders_cfg {
	struct reminder_offset	 off[REMINDERS_KINDS + 1][REMINDERS_MAX];
	int			 n[REMINDERS_KINDS + 1];	/* last: default */
	int			 quiet_from, quiet_to;	/* minutes of the day */
	int			 quiet;			/* 0: none */
};

struct config;

/*
 * Reads [reminders] of cfg. On a malformed value prints
 * "file: reminders.key: problem" to errf and returns -1.
 */
int	reminders_config(const struct config *cfg, struct reminders_cfg *out,
	    FILE *errf) __attribute__((warn_unused_result));
/* One offsets list ("1d@17:00,2h"); -1 when malformed. */
int	reminders_parse_offsets(const char *s, struct reminder_offset *out,
	    int max, int *n) __attribute__((warn_unused_result));
/* "HH:MM-HH:MM" into minutes of the day; -1 when malformed. */
int	reminders_parse_quiet(const char *s, int *from, int *to)
	    __attribute__((warn_unused_result));

/*
 * The moments (unix s, ascending, none twice) to remind a visit of
 * `kind` at `visit`, planned at `now`: each after now and before the
 * visit, moved out of quiet hours. Returns how many (<= max).
 */
size_t	reminders_plan(const struct reminders_cfg *rc, const char *kind,
	    time_t visit, time_t now, time_t *out, size_t max);

/* Is local time t inside the quiet hours? */
int	reminders_is_quiet(const struct reminders_cfg *rc, time_t t);

#endif
