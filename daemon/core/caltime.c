/* The centre's calendar: local wall times to UTC and back, DST-aware. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "caltime.h"

static int
caltime_same(const struct tm *a, int y, int mon, int d, int h, int min)
{
	return a->tm_year == y - 1900 && a->tm_mon == mon - 1 &&
	    a->tm_mday == d && a->tm_hour == h && a->tm_min == min;
}

/*
 * mktime() guesses on the days of a change; asking it once with each
 * DST flag and keeping only the answers that read back as asked tells
 * the three cases apart.
 */
enum caltime_rc
caltime_make(int y, int mon, int d, int h, int min, time_t *out)
{
	struct tm	 tm, back;
	time_t		 t[2];
	int		 n = 0, isdst;

	if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || d > 31 ||
	    h < 0 || h > 23 || min < 0 || min > 59)
		return CALTIME_BAD;
	for (isdst = 0; isdst <= 1; isdst++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = min;
		tm.tm_isdst = isdst;
		t[n] = mktime(&tm);
		if (t[n] == (time_t)-1 || localtime_r(&t[n], &back) == NULL)
			continue;
		if (!caltime_same(&back, y, mon, d, h, min) ||
		    back.tm_isdst != isdst)
			continue;
		n++;
	}
	if (n == 2 && t[0] != t[1])
		return CALTIME_AMBIGUOUS;
	if (n == 0) {
		/* A day that does not exist, or an hour that does not. */
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		if (mktime(&tm) == (time_t)-1 || tm.tm_mday != d ||
		    tm.tm_mon != mon - 1)
			return CALTIME_BAD;
		return CALTIME_NONEXISTENT;
	}
	*out = t[0];
	return CALTIME_OK;
}

enum caltime_rc
caltime_parse(const char *s, time_t *out)
{
	int	 y, mon, d, h, min, len = 0;

	if (s == NULL || strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T') ||
	    s[4] != '-' || s[7] != '-' || s[13] != ':')
		return CALTIME_BAD;
	if (sscanf(s, "%4d-%2d-%2d%*c%2d:%2d%n", &y, &mon, &d, &h, &min,
	    &len) != 5 || len != 16)
		return CALTIME_BAD;
	return caltime_make(y, mon, d, h, min, out);
}

int
caltime_parse_date(const char *s, int *y, int *mon, int *d)
{
	struct tm	 tm;
	int		 len = 0;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4d-%2d-%2d%n", y, mon, d, &len) != 3 || len != 10)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900;
	tm.tm_mon = *mon - 1;
	tm.tm_mday = *d;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	if (*y < 1970 || mktime(&tm) == (time_t)-1 || tm.tm_mday != *d ||
	    tm.tm_mon != *mon - 1)
		return -1;
	return 0;
}

int
caltime_local(time_t t, struct tm *tm)
{
	return localtime_r(&t, tm) == NULL ? -1 : 0;
}

void
caltime_format(time_t t, char buf[CALTIME_LOCAL_MAX])
{
	struct tm	 tm;

	buf[0] = '\0';
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, CALTIME_LOCAL_MAX, "%Y-%m-%d %H:%M", &tm) == 0)
		buf[0] = '\0';
}

void
caltime_add_days(int *y, int *mon, int *d, int days)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = *y - 1900;
	tm.tm_mon = *mon - 1;
	tm.tm_mday = *d + days;
	tm.tm_hour = 12;	/* far from any change */
	tm.tm_isdst = -1;
	(void)mktime(&tm);
	*y = tm.tm_year + 1900;
	*mon = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

const char *
caltime_why(enum caltime_rc rc)
{
	switch (rc) {
	case CALTIME_OK:
		return "ok";
	case CALTIME_NONEXISTENT:
		return "that local time does not exist (clocks go forward "
		    "that night)";
	case CALTIME_AMBIGUOUS:
		return "that local time happens twice (clocks go back that "
		    "night); choose another";
	default:
		return "a local time \"YYYY-MM-DD HH:MM\" expected";
	}
}
