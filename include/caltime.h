/*
 * The centre's calendar: local wall times (the zone in TZ, set at start
 * from daemon.timezone) to and from UTC, with the days of a DST change
 * told apart: a time that does not exist (spring forward) or exists
 * twice (fall back) is an error, never a guess. Pure: no clock.
 */
#ifndef ASYSTENT_CALTIME_H
#define ASYSTENT_CALTIME_H

#include <time.h>

#define CALTIME_LOCAL_MAX	17	/* "YYYY-MM-DD HH:MM" and NUL */

enum caltime_rc {
	CALTIME_OK,
	CALTIME_BAD,		/* not "YYYY-MM-DD HH:MM", or no such date */
	CALTIME_NONEXISTENT,	/* skipped when clocks go forward */
	CALTIME_AMBIGUOUS	/* lived twice when clocks go back */
};

/* y-m-d hh:mm local as UTC seconds. */
enum caltime_rc	caltime_make(int y, int mon, int d, int h, int min,
		    time_t *out);
/* "YYYY-MM-DD HH:MM" (or with 'T') local as UTC seconds. */
enum caltime_rc	caltime_parse(const char *s, time_t *out);
/* A date "YYYY-MM-DD" into its parts; -1 when it is not one. */
int	caltime_parse_date(const char *s, int *y, int *mon, int *d);
/* t as "YYYY-MM-DD HH:MM" local; "" when it cannot be shown. */
void	caltime_format(time_t t, char buf[CALTIME_LOCAL_MAX]);
/* The local broken-down time of t; -1 on failure. */
int	caltime_local(time_t t, struct tm *tm);
/*
 * The local day y-m-d moved by `days` (may be negative), normalised
 * through the calendar (not by 86400 s: days of a DST change are 23 or
 * 25 hours long).
 */
void	caltime_add_days(int *y, int *mon, int *d, int days);
/* A short English reason of a caltime_rc, for staff. */
const char	*caltime_why(enum caltime_rc rc);

#endif
