/* smsapiemu: UTF-8 checks and SMS part counting (GSM 03.38 / UCS-2). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "smsapiemu.h"

#define GSM_SINGLE	160
#define GSM_PART	153
#define UCS2_SINGLE	70
#define UCS2_PART	67

/* The default alphabet outside ASCII (one septet each). */
static const uint32_t gsm_basic_extra[] = {
	0x00a3, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7,
	0x00d8, 0x00f8, 0x00c5, 0x00e5, 0x0394, 0x03a6, 0x0393, 0x039b,
	0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e, 0x00c6, 0x00e6,
	0x00df, 0x00c9, 0x00a4, 0x00a1, 0x00c4, 0x00d6, 0x00d1, 0x00dc,
	0x00a7, 0x00bf, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* Septets of cp in GSM 03.38: 1, 2 (extension table) or 0 (not in it). */
static int
gsm_septets(uint32_t cp)
{
	size_t	 i;

	if (cp == '\n' || cp == '\r')
		return 1;
	if (cp == '\f' || cp == 0x20ac || (cp < 0x80 && cp != 0 &&
	    strchr("^{}\\[~]|", (int)cp) != NULL))
		return 2;
	if (cp >= 0x20 && cp < 0x7f && cp != '`')
		return 1;
	for (i = 0; i < sizeof gsm_basic_extra / sizeof gsm_basic_extra[0];
	    i++)
		if (gsm_basic_extra[i] == cp)
			return 1;
	return 0;
}

/*
 * Greedy split as a phone or an SMSC does it: a character that does not
 * fit opens the next part, so an escape pair or a surrogate pair is never
 * cut and a part may stay one unit short.
 */
static int
count_parts(const unsigned char *p, size_t n, int ucs2, int *length)
{
	size_t		 i = 0, l;
	uint32_t	 cp;
	int		 total = 0, used = 0, parts = 1, cost;
	int		 per = ucs2 ? UCS2_PART : GSM_PART;

	while (i < n && (l = emuc_utf8_seq(p + i, n - i, &cp)) != 0) {
		i += l;
		cost = ucs2 ? (cp > 0xffff ? 2 : 1) : gsm_septets(cp);
		total += cost;
		if (used + cost > per) {
			parts++;
			used = 0;
		}
		used += cost;
	}
	*length = total;
	if (total <= (ucs2 ? UCS2_SINGLE : GSM_SINGLE))
		return 1;
	return parts;
}

/* s is valid UTF-8. No NFC first: a decomposed é counts as UCS-2. */
void
se_text_count(const char *s, struct se_count *c)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i = 0, l;
	uint32_t		 cp;

	c->ucs2 = 0;
	while (i < n && (l = emuc_utf8_seq(p + i, n - i, &cp)) != 0) {
		i += l;
		if (gsm_septets(cp) == 0) {
			c->ucs2 = 1;
			break;
		}
	}
	c->parts = count_parts(p, n, c->ucs2, &c->length);
}
