/*
 * Validation of what staff send through the admin API, in one place:
 * names and notes, languages, staff kinds, channels, dates. Reasons are
 * short English phrases without the offending value.
 */
#ifndef ASYSTENT_VALIDATE_H
#define ASYSTENT_VALIDATE_H

#include <stddef.h>

#define VALIDATE_NAME_MAX	200	/* characters */
#define VALIDATE_NOTES_MAX	2000	/* characters */
#define VALIDATE_LANGS_MAX	16	/* "pl,uk,ru,en" and NUL */

/*
 * Valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF),
 * no control characters (C0, DEL, C1; '\n' only if `newlines`), between
 * min and max characters. -1 with *why set otherwise.
 */
int	validate_text(const char *s, size_t min, size_t max, int newlines,
	    const char **why) __attribute__((warn_unused_result));
/* A name: 1-200 characters, one line. */
int	validate_name(const char *s, const char **why)
	    __attribute__((warn_unused_result));

/* Exactly one of "pl", "uk", "ru", "en". */
int	validate_lang(const char *s) __attribute__((warn_unused_result));
/*
 * The \u0000 escapes inside the strings of a JSON text (a text with a
 * backslash outside its strings is no JSON: its escapes are counted as
 * well): a JSON parser keeps them as a NUL, where every C string function
 * would cut the text.
 * Returns how many; with `out` (len bytes) not NULL, writes the text
 * there with each made \ufffd, the replacement character.
 */
size_t	validate_json_nuls(const char *json, size_t len, char *out);
/* "telegram" or "sms". */
int	validate_channel(const char *s) __attribute__((warn_unused_result));
/* One of the staff kinds of doc/admin-api.md. */
int	validate_kind(const char *s) __attribute__((warn_unused_result));
/* A real calendar date written YYYY-MM-DD. */
int	validate_date(const char *s) __attribute__((warn_unused_result));

/*
 * Adds language `l` (already valid) to the comma-separated list `buf`
 * (VALIDATE_LANGS_MAX bytes) unless it is there. -1 when it is there.
 */
int	validate_langs_add(char buf[VALIDATE_LANGS_MAX], const char *l)
	    __attribute__((warn_unused_result));

#endif
