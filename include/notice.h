/*
 * Notices: templates about benefits and obligations, with named
 * parameters, rendered in a family's language. The project's own
 * templates are catalog strings (a text and an SMS variant, msgctxt
 * "sms"); staff add theirs at runtime (include/notices.h stores them).
 * Parameters: {date}, {from}, {until} (YYYY-MM-DD, rendered in words),
 * {amount} (złoty, "800" or "800.50"), {place} and {documents} (one line
 * of text), {days} and {count} (whole numbers). A count may carry its
 * plural forms, "{days|# dzień|# dni|# dni}": as many as the language
 * has (pl, uk, ru: one|few|many; en: one|other), "#" standing for the
 * number. Pure: no I/O, no state but the catalogs.
 */
#ifndef ASYSTENT_NOTICE_H
#define ASYSTENT_NOTICE_H

#include <stddef.h>

#include "i18n.h"

#define NOTICE_PARAMS_MAX	8
#define NOTICE_TEXT_MAX		4096	/* UTF-16 units, as Telegram counts */
#define NOTICE_VALUE_MAX	300	/* characters of a text parameter */
#define NOTICE_TOKEN_MAX	240	/* bytes of a placeholder, its forms */

struct notice_param {
	const char	*key;
	const char	*value;
};

/* Read only; the strings belong to the caller. */
struct notice_params {
	struct notice_param	 p[NOTICE_PARAMS_MAX];
	size_t			 n;
};

/* A template the project ships: English msgids of the catalogs. */
struct notice_shipped {
	const char	*id;
	const char	*text;
	const char	*sms;
};

size_t	notice_shipped_count(void);
const struct notice_shipped *notice_shipped_at(size_t i);
/* NULL when `id` is none of the shipped. */
const struct notice_shipped *notice_shipped_get(const char *id);

/* 1-40 of a-z 0-9 - _: 0, else -1. */
int	notice_id_ok(const char *id) __attribute__((warn_unused_result));
/*
 * Every {name} of the template is a known parameter, each plural has as
 * many non-empty forms as `lang` has (LANG_COUNT: any number from two),
 * the text is valid UTF-8 without control characters but newlines,
 * 1..NOTICE_TEXT_MAX UTF-16 units: 0, else -1 with the reason in `why`
 * ("{days}: pl needs 3 plural forms (one|few|many), not 2").
 */
int	notice_template_ok(const char *tmpl, enum lang lang, char *why,
	    size_t whylen) __attribute__((warn_unused_result));
/* The known parameters a text uses, as a bit set (bit i: name i). */
unsigned notice_uses(const char *tmpl);
/* The name of parameter bit i, or NULL past the last. */
const char *notice_param_name(unsigned i);
/*
 * Each parameter known, given once and well formed: 0, else -1 with the
 * reason in `why` ("unknown parameter \"x\"", "date: not a date").
 */
int	notice_params_ok(const struct notice_params *p, char *why,
	    size_t whylen) __attribute__((warn_unused_result));
/*
 * The template in `lang` with its parameters put in: a new string
 * (free()). NULL with the reason in `why` when a parameter it uses was
 * not given or is malformed.
 */
char	*notice_render(const struct i18n *i, enum lang lang, const char *tmpl,
	    const struct notice_params *p, char *why, size_t whylen);
/* A shipped template's text (sms 0) or SMS variant in `lang`. */
const char *notice_shipped_text(const struct i18n *i, enum lang lang,
	    const struct notice_shipped *s, int sms);

#endif
