/* When visits are reminded: offsets on the local calendar, quiet hours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "config.h"
#include "reminders.h"

static const char *const reminders_kinds[REMINDERS_KINDS] = {
	"home", "office", "meeting", "psychologist", "outing", "other"
};
static const char *const reminders_kind_keys[REMINDERS_KINDS] = {
	"offsets_home", "offsets_office", "offsets_meeting",
	"offsets_psychologist", "offsets_outing", "offsets_other"
};

static int
reminders_hhmm(const char *s, int *hh, int *mm)
{
	int	 len = 0;

	if (strlen(s) != 5 || s[2] != ':' || sscanf(s, "%2d:%2d%n", hh, mm,
	    &len) != 2 || len != 5 || *hh < 0 || *hh > 23 || *mm < 0 ||
	    *mm > 59)
		return -1;
	return 0;
}

static int
reminders_parse_one(const char *s, struct reminder_offset *o)
{
	char	*end;
	long	 v;

	memset(o, 0, sizeof *o);
	v = strtol(s, &end, 10);
	if (end == s || v < 0 || v > 60 * 24 * 30)
		return -1;
	if (*end == 'd' && end[1] == '@') {
		if (v < 1 || v > 30 || reminders_hhmm(end + 2, &o->hh,
		    &o->mm) == -1)
			return -1;
		o->days = (int)v;
		return 0;
	}
	if (strcmp(end, "h") == 0 && v >= 1 && v <= 24 * 30)
		o->minutes = (int)v * 60;
	else if (strcmp(end, "m") == 0 && v >= 1)
		o->minutes = (int)v;
	else
		return -1;
	return 0;
}

int
reminders_parse_offsets(const char *s, struct reminder_offset *out, int max,
    int *n)
{
	char	 item[32];
	size_t	 len;
	const char *p = s, *comma;

	*n = 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof item || *n >= max)
			return -1;
		memcpy(item, p, len);
		item[len] = '\0';
		if (reminders_parse_one(item, &out[*n]) == -1)
			return -1;
		(*n)++;
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0')
			return -1;
	}
	return 0;
}

int
reminders_parse_quiet(const char *s, int *from, int *to)
{
	char	 a[6], b[6];
	int	 h1, m1, h2, m2;

	if (strlen(s) != 11 || s[5] != '-')
		return -1;
	memcpy(a, s, 5);
	a[5] = '\0';
	memcpy(b, s + 6, 5);
	b[5] = '\0';
	if (reminders_hhmm(a, &h1, &m1) == -1 ||
	    reminders_hhmm(b, &h2, &m2) == -1)
		return -1;
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return *from == *to ? -1 : 0;
}

int
reminders_config(const struct config *cfg, struct reminders_cfg *out,
    FILE *errf)
{
	const char	*path = cfg->path != NULL ? cfg->path : "(defaults)";
	int		 i, bad = 0;

	memset(out, 0, sizeof *out);
	if (reminders_parse_offsets(cfg->reminder_offsets,
	    out->off[REMINDERS_KINDS], REMINDERS_MAX,
	    &out->n[REMINDERS_KINDS]) == -1) {
		fprintf(errf, "%s: reminders.offsets: expected Nd@HH:MM, Nh "
		    "or Nm, comma-separated, at most %d\n", path,
		    REMINDERS_MAX);
		bad = 1;
	}
	for (i = 0; i < REMINDERS_KINDS; i++) {
		if (cfg->reminder_kind[i] == NULL ||
		    cfg->reminder_kind[i][0] == '\0') {
			out->n[i] = -1;		/* the default's */
			continue;
		}
		if (reminders_parse_offsets(cfg->reminder_kind[i], out->off[i],
		    REMINDERS_MAX, &out->n[i]) == -1) {
			fprintf(errf, "%s: reminders.%s: expected Nd@HH:MM, Nh "
			    "or Nm, comma-separated\n", path,
			    reminders_kind_keys[i]);
			bad = 1;
		}
	}
	if (cfg->reminder_quiet != NULL && cfg->reminder_quiet[0] != '\0') {
		if (reminders_parse_quiet(cfg->reminder_quiet,
		    &out->quiet_from, &out->quiet_to) == -1) {
			fprintf(errf, "%s: reminders.quiet_hours: expected "
			    "HH:MM-HH:MM\n", path);
			bad = 1;
		} else
			out->quiet = 1;
	}
	return bad ? -1 : 0;
}

static int
reminders_min_in_quiet(const struct reminders_cfg *rc, int m)
{
	if (!rc->quiet)
		return 0;
	if (rc->quiet_from < rc->quiet_to)
		return m >= rc->quiet_from && m < rc->quiet_to;
	return m >= rc->quiet_from || m < rc->quiet_to;
}

int
reminders_is_quiet(const struct reminders_cfg *rc, time_t t)
{
	struct tm	 tm;

	if (caltime_local(t, &tm) == -1)
		return 0;
	return reminders_min_in_quiet(rc, tm.tm_hour * 60 + tm.tm_min);
}

/* A local time; on the night of a change, the first moment after it. */
static time_t
reminders_local(int y, int mon, int d, int hh, int mm)
{
	time_t	 t = 0;

	switch (caltime_make(y, mon, d, hh, mm, &t)) {
	case CALTIME_OK:
		return t;
	case CALTIME_AMBIGUOUS:
		/* The first of the two. */
		return caltime_make(y, mon, d, hh, 0, &t) == CALTIME_OK ?
		    t : (time_t)-1;
	case CALTIME_NONEXISTENT:
		if (caltime_make(y, mon, d, hh + 1, 0, &t) == CALTIME_OK)
			return t;
		return (time_t)-1;
	default:
		return (time_t)-1;
	}
}

/* The end of the quiet hours t falls in. */
static time_t
reminders_quiet_end(const struct reminders_cfg *rc, time_t t)
{
	struct tm	 tm;
	int		 y, mon, d, m;

	if (caltime_local(t, &tm) == -1)
		return (time_t)-1;
	y = tm.tm_year + 1900;
	mon = tm.tm_mon + 1;
	d = tm.tm_mday;
	m = tm.tm_hour * 60 + tm.tm_min;
	/* Evening part of a quiet night: it ends tomorrow. */
	if (rc->quiet_from > rc->quiet_to && m >= rc->quiet_from)
		caltime_add_days(&y, &mon, &d, 1);
	return reminders_local(y, mon, d, rc->quiet_to / 60,
	    rc->quiet_to % 60);
}

static int
reminders_cmp(const void *a, const void *b)
{
	time_t	 x = *(const time_t *)a, y = *(const time_t *)b;

	return x < y ? -1 : x > y;
}

size_t
reminders_plan(const struct reminders_cfg *rc, const char *kind,
    time_t visit, time_t now, time_t *out, size_t max)
{
	const struct reminder_offset	*o;
	struct tm			 tm;
	time_t				 due;
	size_t				 n = 0, i, j;
	int				 k, y, mon, d, no;

	for (k = 0; k < REMINDERS_KINDS; k++)
		if (kind != NULL && strcmp(kind, reminders_kinds[k]) == 0)
			break;
	if (k == REMINDERS_KINDS || rc->n[k] < 0)
		k = REMINDERS_KINDS;
	no = rc->n[k];
	if (caltime_local(visit, &tm) == -1)
		return 0;
	for (i = 0; i < (size_t)no && n < max; i++) {
		o = &rc->off[k][i];
		if (o->days > 0) {
			y = tm.tm_year + 1900;
			mon = tm.tm_mon + 1;
			d = tm.tm_mday;
			caltime_add_days(&y, &mon, &d, -o->days);
			due = reminders_local(y, mon, d, o->hh, o->mm);
		} else
			due = visit - (time_t)o->minutes * 60;
		if (due == (time_t)-1)
			continue;
		if (reminders_is_quiet(rc, due))
			due = reminders_quiet_end(rc, due);
		if (due == (time_t)-1 || due >= visit || due <= now)
			continue;
		for (j = 0; j < n; j++)
			if (out[j] == due)
				break;
		if (j == n)
			out[n++] = due;
	}
	qsort(out, n, sizeof *out, reminders_cmp);
	return n;
}
