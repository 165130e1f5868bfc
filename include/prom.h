/*
 * The Prometheus text exposition format, version 0.0.4, written into a
 * page: for each family its # HELP and # TYPE lines, then its samples.
 * Help texts and label values are escaped; a name that is not valid (or
 * a counter's that does not end in _total) spoils the page, so that a
 * mistake shows as a failed scrape rather than as a page Prometheus
 * refuses half-way.
 */
#ifndef ASYSTENT_PROM_H
#define ASYSTENT_PROM_H

#include <stdint.h>

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct evbuffer;
struct hist;
struct prom;

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM
};

/* An empty page, or NULL when out of memory. Free with prom_free(). */
struct prom	*prom_new(void);
void		 prom_free(struct prom *p);
/*
 * The page written so far, still owned by `p` (evhttp_send_reply()
 * drains it); NULL when a write failed or a name was not valid.
 */
struct evbuffer	*prom_page(struct prom *p);

/* The # HELP and # TYPE lines that open a family of samples. */
void	prom_family(struct prom *p, const char *name, enum prom_type type,
	    const char *help);
/*
 * One sample. `labels` are name and value pairs ended by a NULL name,
 * e.g. (const char *const []){ "channel", "sms", NULL }; NULL: none.
 */
void	prom_uint(struct prom *p, const char *name,
	    const char *const *labels, uint64_t v);
void	prom_int(struct prom *p, const char *name,
	    const char *const *labels, int64_t v);
/* Milliseconds, written as seconds (exactly: "12.5"). */
void	prom_ms(struct prom *p, const char *name, const char *const *labels,
	    int64_t ms);
/*
 * A histogram's samples: name_bucket with `le` for every bound, counts
 * adding up, then +Inf, name_sum (seconds) and name_count.
 */
void	prom_hist(struct prom *p, const char *name, const char *const *labels,
	    const struct hist *h);

#endif
