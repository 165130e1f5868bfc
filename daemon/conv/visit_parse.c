/* The arguments of an assistant's /visit: family, day, time, kind, place. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caltime.h"
#include "visit_parse.h"

/* Days relative to today, and weekdays (1 = Monday), as typed. */
static const struct {
	const char	*word;
	int		 rel;		/* days from today; -1: by weekday */
	int		 wday;
} visit_parse_days[] = {
	{ "dziś", 0, 0 }, { "dzis", 0, 0 }, { "dzisiaj", 0, 0 },
	{ "сьогодні", 0, 0 }, { "today", 0, 0 },
	{ "jutro", 1, 0 }, { "завтра", 1, 0 }, { "tomorrow", 1, 0 },
	{ "pojutrze", 2, 0 }, { "післязавтра", 2, 0 },
	{ "poniedziałek", -1, 1 }, { "pon", -1, 1 }, { "pn", -1, 1 },
	{ "wtorek", -1, 2 }, { "wt", -1, 2 },
	{ "środa", -1, 3 }, { "środę", -1, 3 }, { "sroda", -1, 3 },
	{ "srode", -1, 3 }, { "śr", -1, 3 }, { "sr", -1, 3 },
	{ "czwartek", -1, 4 }, { "czw", -1, 4 },
	{ "piątek", -1, 5 }, { "piatek", -1, 5 }, { "pt", -1, 5 },
	{ "sobota", -1, 6 }, { "sobotę", -1, 6 }, { "sobote", -1, 6 },
	{ "sob", -1, 6 },
	{ "niedziela", -1, 7 }, { "niedzielę", -1, 7 },
	{ "niedziele", -1, 7 }, { "nd", -1, 7 },
	{ "понеділок", -1, 1 }, { "пн", -1, 1 },
	{ "вівторок", -1, 2 }, { "вт", -1, 2 },
	{ "середа", -1, 3 }, { "середу", -1, 3 }, { "ср", -1, 3 },
	{ "четвер", -1, 4 }, { "чт", -1, 4 },
	{ "пʼятниця", -1, 5 }, { "пʼятницю", -1, 5 },
	{ "п'ятниця", -1, 5 }, { "п'ятницю", -1, 5 }, { "пт", -1, 5 },
	{ "субота", -1, 6 }, { "суботу", -1, 6 }, { "сб", -1, 6 },
	{ "неділя", -1, 7 }, { "неділю", -1, 7 }, { "нд", -1, 7 },
};

static const struct {
	const char	*word;
	const char	*kind;
} visit_parse_kinds[] = {
	{ "biuro", "office" }, { "biurze", "office" }, { "ośrodek", "office" },
	{ "office", "office" }, { "офіс", "office" }, { "офис", "office" },
	{ "dom", "home" }, { "domu", "home" }, { "home", "home" },
	{ "вдома", "home" }, { "дім", "home" }, { "дома", "home" },
	{ "psycholog", "psychologist" }, { "психолог", "psychologist" },
	{ "spotkanie", "meeting" }, { "зустріч", "meeting" },
	{ "wyjście", "outing" }, { "wyjscie", "outing" },
};

/* The next word of *p into w (at most len-1 bytes); 0 at the end. */
static size_t
visit_parse_word(const char **p, char *w, size_t len)
{
	size_t	 n;

	*p += strspn(*p, " \t\n");
	n = strcspn(*p, " \t\n");
	if (n == 0 || n >= len)
		return n >= len ? (size_t)-1 : 0;
	memcpy(w, *p, n);
	w[n] = '\0';
	*p += n;
	return n;
}

/* ASCII letters to lower case; Polish and Cyrillic are listed as typed. */
static void
visit_parse_lower(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x80)
			*s = (char)tolower((unsigned char)*s);
}

static int
visit_parse_num(const char *s, const char **end, int *v)
{
	char	*e;
	long	 n;

	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtol(s, &e, 10);
	if (e - s > 4 || n < 0 || n > 9999)
		return -1;
	*v = (int)n;
	*end = e;
	return 0;
}

static int
visit_parse_day(const char *w, int ty, int tm, int td, int twday,
    struct visit_parsed *out)
{
	const char	*e, *e2;
	size_t		 k;
	int		 d, m, y = 0, add;
	char		 buf[32];

	if ((size_t)snprintf(buf, sizeof buf, "%s", w) >= sizeof buf)
		return -1;	/* longer than any day word */
	visit_parse_lower(buf);
	for (k = 0; k < sizeof visit_parse_days / sizeof visit_parse_days[0];
	    k++) {
		if (strcmp(buf, visit_parse_days[k].word) != 0)
			continue;
		add = visit_parse_days[k].rel;
		if (add < 0)	/* the next such weekday, today excluded */
			add = (visit_parse_days[k].wday - twday + 7) % 7;
		if (add == 0 && visit_parse_days[k].rel < 0)
			add = 7;
		out->y = ty;
		out->mon = tm;
		out->d = td;
		caltime_add_days(&out->y, &out->mon, &out->d, add);
		return 0;
	}
	if (visit_parse_num(w, &e, &d) == -1 || *e != '.' ||
	    visit_parse_num(e + 1, &e2, &m) == -1)
		return -1;
	if (*e2 == '.' && e2[1] != '\0') {
		if (visit_parse_num(e2 + 1, &e, &y) == -1 || *e != '\0')
			return -1;
		if (y < 100)
			y += 2000;
	} else if (*e2 != '\0' && strcmp(e2, ".") != 0)
		return -1;
	if (y == 0)	/* this year's, or next year's when it is past */
		y = m < tm || (m == tm && d < td) ? ty + 1 : ty;
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	if (caltime_parse_date(buf, &out->y, &out->mon, &out->d) == -1)
		return -1;
	return 0;
}

static int
visit_parse_time(const char *w, struct visit_parsed *out)
{
	const char	*e, *e2;
	int		 h, m = 0;

	if (visit_parse_num(w, &e, &h) == -1)
		return -1;
	if (*e == ':' || *e == '.') {
		if (visit_parse_num(e + 1, &e2, &m) == -1 || *e2 != '\0' ||
		    e2 - (e + 1) != 2)
			return -1;
	} else if (*e != '\0')
		return -1;
	if (h > 23 || m > 59)
		return -1;
	out->hh = h;
	out->mm = m;
	return 0;
}

enum visit_parse_rc
visit_parse(const char *args, int ty, int tm, int td, int twday,
    struct visit_parsed *out)
{
	const char	*p = args != NULL ? args : "", *save;
	char		 w[64];
	size_t		 k, n;

	memset(out, 0, sizeof *out);
	snprintf(out->kind, sizeof out->kind, "home");
	if ((n = visit_parse_word(&p, w, sizeof w)) == 0 || n == (size_t)-1 ||
	    (size_t)snprintf(out->code, sizeof out->code, "%s", w) >=
	    sizeof out->code)
		return VISIT_PARSE_NO_CODE;
	for (k = 0; out->code[k] != '\0'; k++)
		out->code[k] = (char)toupper((unsigned char)out->code[k]);
	if ((n = visit_parse_word(&p, w, sizeof w)) == 0 || n == (size_t)-1 ||
	    visit_parse_day(w, ty, tm, td, twday, out) == -1)
		return VISIT_PARSE_BAD_DAY;
	if ((n = visit_parse_word(&p, w, sizeof w)) == 0 || n == (size_t)-1 ||
	    visit_parse_time(w, out) == -1)
		return VISIT_PARSE_BAD_TIME;
	save = p;
	if ((n = visit_parse_word(&p, w, sizeof w)) != 0 && n != (size_t)-1) {
		visit_parse_lower(w);
		for (k = 0; k < sizeof visit_parse_kinds /
		    sizeof visit_parse_kinds[0]; k++)
			if (strcmp(w, visit_parse_kinds[k].word) == 0)
				break;
		if (k < sizeof visit_parse_kinds / sizeof visit_parse_kinds[0])
			snprintf(out->kind, sizeof out->kind, "%s",
			    visit_parse_kinds[k].kind);
		else
			p = save;
	} else
		p = save;
	p += strspn(p, " \t\n");
	snprintf(out->place, sizeof out->place, "%s", p);
	return VISIT_PARSE_OK;
}
