/*
 * Calendar dates in words, in a recipient's language: "1 lutego 2027",
 * "1 лютого 2027", "1 February 2027". The month names are the catalogs'
 * (msgctxt "month-gen", the genitive case where the language has one).
 * Notices render their date parameters with it.
 */
#ifndef ASYSTENT_DATEFMT_H
#define ASYSTENT_DATEFMT_H

#include <stddef.h>

#include "i18n.h"

/*
 * `ymd` is YYYY-MM-DD, a real date; buf gets it in words. -1 for a
 * malformed or impossible date or a buffer too small.
 */
int	datefmt_words(const struct i18n *i, enum lang lang, const char *ymd,
	    char *buf, size_t len) __attribute__((warn_unused_result));

#endif
