/* The Prometheus text exposition format (0.0.4): escaping, numbers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "hist.h"
#include "prom.h"
#include "xmalloc.h"

struct prom {
	struct evbuffer	*buf;
	int		 failed;	/* a write failed, or a name was bad */
};

static const char *const prom_type_names[] = {
	"counter", "gauge", "histogram"
};

struct prom *
prom_new(void)
{
	struct prom	*p;

	p = xcalloc(1, sizeof *p);
	if ((p->buf = evbuffer_new()) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
prom_free(struct prom *p)
{
	if (p == NULL)
		return;
	evbuffer_free(p->buf);
	free(p);
}

struct evbuffer *
prom_page(struct prom *p)
{
	return p->failed ? NULL : p->buf;
}

static void
prom_add(struct prom *p, const char *s, size_t len)
{
	if (!p->failed && len > 0 && evbuffer_add(p->buf, s, len) == -1)
		p->failed = 1;
}

static void
prom_puts(struct prom *p, const char *s)
{
	prom_add(p, s, strlen(s));
}

/*
 * [a-zA-Z_:][a-zA-Z0-9_:]* for a metric, no colon in a label's name.
 * Spelled out: the locale must not decide what a letter is.
 */
static int
prom_name_is_valid(const char *s, int colon)
{
	static const char	 first[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_";
	size_t			 n = strlen(s), i;

	if (n == 0 || (strchr(first, s[0]) == NULL && !(colon &&
	    s[0] == ':')))
		return 0;
	for (i = 1; i < n; i++)
		if (strchr(first, s[i]) == NULL && (s[i] < '0' ||
		    s[i] > '9') && !(colon && s[i] == ':'))
			return 0;
	return 1;
}

static int
prom_check(struct prom *p, int ok)
{
	if (!ok)
		p->failed = 1;
	return ok;
}

/*
 * A backslash and a newline are escaped everywhere; a double quote only
 * in a label value (`quoted`).
 */
static void
prom_escaped(struct prom *p, const char *s, int quoted)
{
	const char	*run = s, *esc;

	for (; *s != '\0'; s++) {
		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quoted)
			esc = "\\\"";
		else
			continue;
		prom_add(p, run, (size_t)(s - run));
		prom_puts(p, esc);
		run = s + 1;
	}
	prom_add(p, run, (size_t)(s - run));
}

void
prom_family(struct prom *p, const char *name, enum prom_type type,
    const char *help)
{
	size_t	 n = strlen(name);

	if (!prom_check(p, prom_name_is_valid(name, 1) && (int)type >= 0 &&
	    type <= PROM_HISTOGRAM && (type != PROM_COUNTER ||
	    (n > 6 && strcmp(name + n - 6, "_total") == 0))))
		return;
	prom_puts(p, "# HELP ");
	prom_puts(p, name);
	prom_puts(p, " ");
	prom_escaped(p, help, 0);
	prom_puts(p, "\n# TYPE ");
	prom_puts(p, name);
	prom_puts(p, " ");
	prom_puts(p, prom_type_names[type]);
	prom_puts(p, "\n");
}

/* name{a="1",b="2"} value: `le` is a histogram bucket's extra label. */
static void
prom_line(struct prom *p, const char *name, const char *suffix,
    const char *const *labels, const char *le, const char *value)
{
	const char	*sep = "{";
	size_t		 i;

	if (!prom_check(p, prom_name_is_valid(name, 1)))
		return;
	prom_puts(p, name);
	prom_puts(p, suffix);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		if (!prom_check(p, prom_name_is_valid(labels[i], 0) &&
		    labels[i + 1] != NULL))
			return;
		prom_puts(p, sep);
		prom_puts(p, labels[i]);
		prom_puts(p, "=\"");
		prom_escaped(p, labels[i + 1], 1);
		prom_puts(p, "\"");
		sep = ",";
	}
	if (le != NULL) {
		prom_puts(p, sep);
		prom_puts(p, "le=\"");
		prom_puts(p, le);
		prom_puts(p, "\"");
		sep = ",";
	}
	if (*sep == ',')
		prom_puts(p, "}");
	prom_puts(p, " ");
	prom_puts(p, value);
	prom_puts(p, "\n");
}

/*
 * Microseconds as seconds, exactly and without a locale's decimal
 * comma: 1500 is "0.0015", 30000000 is "30".
 */
static void
prom_seconds(int64_t us, char *buf, size_t len)
{
	uint64_t	 a = us < 0 ? -(uint64_t)us : (uint64_t)us;
	int		 n;

	n = snprintf(buf, len, "%s%" PRIu64 ".%06" PRIu64, us < 0 ? "-" : "",
	    a / 1000000, a % 1000000);
	if (n < 0 || (size_t)n >= len)
		return;
	/* There is always a point: the zeros after it go, then the point. */
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
}

void
prom_uint(struct prom *p, const char *name, const char *const *labels,
    uint64_t v)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%" PRIu64, v);
	prom_line(p, name, "", labels, NULL, buf);
}

void
prom_int(struct prom *p, const char *name, const char *const *labels,
    int64_t v)
{
	char	 buf[32];

	snprintf(buf, sizeof buf, "%" PRId64, v);
	prom_line(p, name, "", labels, NULL, buf);
}

void
prom_ms(struct prom *p, const char *name, const char *const *labels,
    int64_t ms)
{
	char	 buf[48];

	/* Beyond this many ms the microseconds would overflow. */
	if (!prom_check(p, ms > INT64_MIN / 1000 && ms < INT64_MAX / 1000))
		return;
	prom_seconds(ms * 1000, buf, sizeof buf);
	prom_line(p, name, "", labels, NULL, buf);
}

void
prom_hist(struct prom *p, const char *name, const char *const *labels,
    const struct hist *h)
{
	char	 le[32], buf[48];
	int	 i;

	for (i = 0; i < HIST_NBOUNDS; i++) {
		prom_seconds(hist_bounds_us[i], le, sizeof le);
		snprintf(buf, sizeof buf, "%" PRIu64, hist_cumulative(h, i));
		prom_line(p, name, "_bucket", labels, le, buf);
	}
	snprintf(buf, sizeof buf, "%" PRIu64, h->count);
	prom_line(p, name, "_bucket", labels, "+Inf", buf);
	/* The sum of microseconds fits in int64 for 292,000 years. */
	prom_seconds(h->sum_us > INT64_MAX ? INT64_MAX : (int64_t)h->sum_us,
	    buf, sizeof buf);
	prom_line(p, name, "_sum", labels, NULL, buf);
	snprintf(buf, sizeof buf, "%" PRIu64, h->count);
	prom_line(p, name, "_count", labels, NULL, buf);
}
