/* Office hours, Polish public holidays and the next opening time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "xmalloc.h"

#define HOURS_DAY_S		86400
#define HOURS_SEARCH_DAYS	370	/* a year and the days around it */
#define HOURS_CLOSED_MAX	1000	/* extra closed days we keep */

struct hours {
	int	 open_min[7];		/* Monday first; minutes of the day */
	int	 close_min[7];		/* open_min == close_min: closed */
	int64_t	*closed;		/* extra closed days, as day numbers */
	size_t	 nclosed;
};

/* Fixed-date holidays (Act of 18 Jan 1951 as amended); 24 Dec below. */
static const struct {
	int	 month, day;
} hours_fixed[] = {
	{ 1, 1 }, { 1, 6 }, { 5, 1 }, { 5, 3 }, { 8, 15 }, { 11, 1 },
	{ 11, 11 }, { 12, 25 }, { 12, 26 },
};

/* Days between Easter Sunday and the holidays that move with it. */
static const int hours_easter_offsets[] = {
	0,	/* Easter Sunday */
	1,	/* Easter Monday */
	49,	/* Pentecost Sunday */
	60,	/* Corpus Christi */
};

/* Day number (days since 1970-01-01) of a proleptic Gregorian date. */
static int64_t
hours_days(int y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
hours_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 = Monday .. 6 = Sunday; 1970-01-01 was a Thursday. */
static int
hours_weekday(int64_t days)
{
	return (int)(((days % 7) + 7 + 3) % 7);
}

void
hours_easter(int y, int *month, int *day)
{
	int	 a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int	 f = (b + 8) / 25, g = (b - f + 1) / 3;
	int	 h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int	 l = (32 + 2 * e + 2 * i - h - k) % 7;
	int	 m = (a + 11 * h + 22 * l) / 451;

	*month = (h + l - 7 * m + 114) / 31;
	*day = (h + l - 7 * m + 114) % 31 + 1;
}

int
hours_is_holiday(int year, int month, int day)
{
	int64_t	 n, easter;
	size_t	 i;
	int	 em, ed;

	for (i = 0; i < sizeof hours_fixed / sizeof hours_fixed[0]; i++)
		if (hours_fixed[i].month == month && hours_fixed[i].day == day)
			return 1;
	/* Christmas Eve is a day off since the amendment of 6 Dec 2024. */
	if (month == 12 && day == 24 && year >= 2025)
		return 1;
	hours_easter(year, &em, &ed);
	easter = hours_days(year, em, ed);
	n = hours_days(year, month, day);
	for (i = 0; i < sizeof hours_easter_offsets /
	    sizeof hours_easter_offsets[0]; i++)
		if (n == easter + hours_easter_offsets[i])
			return 1;
	return 0;
}

static int
hours_is_closed_n(const struct hours *h, int64_t n)
{
	int	 y, m, d, w;
	size_t	 i;

	w = hours_weekday(n);
	if (h->open_min[w] == h->close_min[w])
		return 1;
	for (i = 0; i < h->nclosed; i++)
		if (h->closed[i] == n)
			return 1;
	hours_civil(n, &y, &m, &d);
	return hours_is_holiday(y, m, d);
}

int
hours_is_closed_day(const struct hours *h, int year, int month, int day)
{
	return hours_is_closed_n(h, hours_days(year, month, day));
}

/* "HH:MM-HH:MM" into minutes, or "closed" into an empty range. */
static int
hours_parse_range(const char *v, int *open, int *close)
{
	unsigned	 h1, m1, h2, m2;
	char		 tail;

	*open = *close = 0;
	if (v == NULL || strcmp(v, "closed") == 0)
		return 0;
	if (strlen(v) != 11 ||
	    sscanf(v, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
	    h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 ||
	    h2 * 60 + m2 > 24 * 60 || h2 * 60 + m2 <= h1 * 60 + m1)
		return -1;
	*open = (int)(h1 * 60 + m1);
	*close = (int)(h2 * 60 + m2);
	return 0;
}

static int
hours_parse_dates(struct hours *h, const char *v)
{
	unsigned	 y, mo, d;
	int		 n;

	if (v == NULL)
		return 0;
	for (;;) {
		v += strspn(v, " ,");
		if (*v == '\0')
			return 0;
		if (sscanf(v, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 ||
		    n != 10 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
		    h->nclosed == HOURS_CLOSED_MAX)
			return -1;
		h->closed = xreallocarray(h->closed, h->nclosed + 1,
		    sizeof *h->closed);
		h->closed[h->nclosed++] = hours_days((int)y, (int)mo, (int)d);
		v += n;
	}
}

int
hours_new(const char *const week[7], const char *closed_days,
    struct hours **out)
{
	struct hours	*h;
	int		 i, rc = -1;

	h = xcalloc(1, sizeof *h);
	for (i = 0; i < 7; i++)
		if (hours_parse_range(week[i], &h->open_min[i],
		    &h->close_min[i]) == -1)
			goto out;
	if (hours_parse_dates(h, closed_days) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		hours_free(h);
		h = NULL;
	}
	*out = h;
	return rc;
}

void
hours_free(struct hours *h)
{
	if (h == NULL)
		return;
	free(h->closed);
	free(h);
}

int
hours_of_weekday(const struct hours *h, int wday, int *open_min,
    int *close_min)
{
	if (wday < 1 || wday > 7)
		return 0;
	*open_min = h->open_min[wday - 1];
	*close_min = h->close_min[wday - 1];
	return *open_min != *close_min;
}

static long
hours_offset(time_t t)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/* Does t show as day n, minute `min` on the local clock? */
static int
hours_wall_is(time_t t, int64_t n, int min)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return hours_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) == n &&
	    tm.tm_hour * 60 + tm.tm_min == min;
}

/*
 * The instant the local clock shows day n, minute `min`. mktime's answer
 * for an ambiguous time depends on its call history, so try the offsets in
 * force a day before and a day after: in an overlap take the earlier, in
 * a gap the old offset (02:30 becomes 03:30), as localization.md says.
 */
static time_t
hours_wall_to_utc(int64_t n, int min)
{
	time_t	 base = (time_t)(n * HOURS_DAY_S + min * 60), c, best = 0;
	long	 before = hours_offset(base - HOURS_DAY_S);
	long	 after = hours_offset(base + HOURS_DAY_S);
	int	 found = 0;

	c = base - before;
	if (hours_wall_is(c, n, min)) {
		best = c;
		found = 1;
	}
	c = base - after;
	if (hours_wall_is(c, n, min) && (!found || c < best)) {
		best = c;
		found = 1;
	}
	return found ? best : base - before;
}

/* The local day number and minute of the day of t. */
static int
hours_local(time_t t, int64_t *n, int *min)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	*n = hours_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	*min = tm.tm_hour * 60 + tm.tm_min;
	return 0;
}

int
hours_is_open(const struct hours *h, time_t t)
{
	int64_t	 n;
	int	 min, w;

	if (hours_local(t, &n, &min) == -1 || hours_is_closed_n(h, n))
		return 0;
	w = hours_weekday(n);
	return min >= h->open_min[w] && min < h->close_min[w];
}

int
hours_next_open(const struct hours *h, time_t t, time_t *out)
{
	int64_t	 n;
	time_t	 o;
	int	 min, k;

	if (hours_local(t, &n, &min) == -1)
		return -1;
	for (k = 0; k < HOURS_SEARCH_DAYS; k++, n++) {
		if (hours_is_closed_n(h, n))
			continue;
		o = hours_wall_to_utc(n, h->open_min[hours_weekday(n)]);
		if (o > t) {
			*out = o;
			return 0;
		}
	}
	return -1;
}
