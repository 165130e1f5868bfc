/*
 * Office hours: when the centre is open, from the configured hours per
 * weekday, Polish public holidays and the configured extra closed days.
 * Times are Europe/Warsaw wall time through localtime_r (the daemon sets
 * TZ at start). Pure: no I/O, no clock; callers pass the time.
 */
#ifndef ASYSTENT_HOURS_H
#define ASYSTENT_HOURS_H

#include <time.h>

struct hours;

/*
 * Parses week[0..6] (Monday first, "HH:MM-HH:MM" or "closed") and
 * closed_days ("YYYY-MM-DD,..." or "" / NULL). The strings are read only
 * during the call. -1 on a malformed value (config.c has checked them).
 */
int	hours_new(const char *const week[7], const char *closed_days,
	    struct hours **out) __attribute__((warn_unused_result));
void	hours_free(struct hours *h);

/* Easter Sunday of `year` (Gregorian, anonymous algorithm). */
void	hours_easter(int year, int *month, int *day);
/* Is y-m-d a Polish public holiday (statutory day free from work)? */
int	hours_is_holiday(int year, int month, int day);
/* Is the centre closed all day: holiday, extra closed day, closed weekday? */
int	hours_is_closed_day(const struct hours *h, int year, int month,
	    int day);

/* Is the centre open at t? */
int	hours_is_open(const struct hours *h, time_t t);
/*
 * The first opening (start of office hours) strictly after t, within a
 * year. -1 when the centre never opens in that time (all days closed).
 */
int	hours_next_open(const struct hours *h, time_t t, time_t *out)
	    __attribute__((warn_unused_result));
/*
 * Office hours of weekday `wday` (1 = Monday .. 7 = Sunday) in minutes
 * since midnight; 0 when that weekday is closed.
 */
int	hours_of_weekday(const struct hours *h, int wday, int *open_min,
	    int *close_min);

#endif
