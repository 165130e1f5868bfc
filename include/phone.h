/*
 * Phone numbers as staff type them, normalised to E.164 ("+48601234567")
 * so that equal numbers give equal blind indexes.
 */
#ifndef ASYSTENT_PHONE_H
#define ASYSTENT_PHONE_H

#define PHONE_MAX	17	/* "+" 15 digits NUL */
#define PHONE_IN_MAX	64	/* longer input is refused, never cut */

/*
 * Spaces, dashes, dots and brackets are dropped; a leading "00" becomes
 * "+"; 9 digits without a country code are Polish (+48); +48 needs 9
 * digits after it, +380 needs 9; other codes 8-15 digits in all.
 * Returns 0 with the number in `out`, or -1 with a short English reason
 * (no digits of the input) in *why.
 */
int	phone_normalize(const char *in, char out[PHONE_MAX], const char **why)
	    __attribute__((warn_unused_result));

#endif
