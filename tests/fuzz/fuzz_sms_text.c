/*
 * libFuzzer harness for daemon/channel/sms/sms_text.c: any bytes are measured or
 * refused; valid text splits into parts that join back to it, each within
 * its size and valid on its own; keyword matching never reads past the
 * string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms_text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same as the count for GSM-7; UTF-16 units for UCS-2. */
static size_t
fuzz_units(const struct sms_part *p, enum sms_coding coding)
{
	struct sms_count	 c;
	size_t			 i, n = 0;

	if (sms_text_count(p->text, p->len, 0, &c) != SMS_TEXT_OK)
		abort();	/* a part cut inside a character */
	if (coding == SMS_CODING_GSM7)
		return c.coding == SMS_CODING_GSM7 ? c.units : (size_t)-1;
	for (i = 0; i < p->len; i++)
		if (((unsigned char)p->text[i] & 0xC0) != 0x80)
			n += (unsigned char)p->text[i] >= 0xF0 ? 2 : 1;
	return n;
}

static void
fuzz_check_part(const struct sms_split *s, size_t i)
{
	const struct sms_part	*p = &s->parts[i];
	size_t				 cap;

	if (s->nparts == 1)
		cap = s->coding == SMS_CODING_GSM7 ? SMS_GSM7_SINGLE :
		    SMS_UCS2_SINGLE;
	else
		cap = s->coding == SMS_CODING_GSM7 ? SMS_GSM7_CONCAT :
		    SMS_UCS2_CONCAT;
	if (p->units > cap || fuzz_units(p, s->coding) != p->units)
		abort();
	if (strlen(p->text) != p->len)
		abort();
	if (s->nparts > 1 && (p->udh_len != SMS_UDH_LEN ||
	    p->udh[4] != s->nparts || p->udh[5] != i + 1 || p->len == 0))
		abort();
}

/* Joins the parts; they must give back the (composed) text. */
static void
fuzz_check_join(const struct sms_split *s, const uint8_t *data,
    size_t size, const struct sms_count *c)
{
	struct sms_count	 again;
	char			*joined;
	size_t			 i, off = 0;

	joined = malloc(size + 1);
	if (joined == NULL)
		abort();
	for (i = 0; i < s->nparts; i++) {
		fuzz_check_part(s, i);
		if (off + s->parts[i].len > size)
			abort();
		memcpy(joined + off, s->parts[i].text, s->parts[i].len);
		off += s->parts[i].len;
	}
	/* Without combining marks (U+0300-036F) nothing is composed. */
	if (memchr(data, 0xCC, size) == NULL &&
	    memchr(data, 0xCD, size) == NULL &&
	    (off != size || memcmp(joined, data, size) != 0))
		abort();
	if (sms_text_count(joined, off, 0, &again) != SMS_TEXT_OK ||
	    again.coding != c->coding || again.units != c->units ||
	    again.parts != c->parts)
		abort();
	free(joined);
}

static void
fuzz_split(const uint8_t *data, size_t size, const struct sms_count *c)
{
	struct sms_split	*s = NULL;
	enum sms_text_result	 r;

	r = sms_text_split((const char *)data, size, 0, 0x5A, &s);
	if (c->parts > SMS_PARTS_MAX) {
		if (r != SMS_TEXT_TOO_LONG || s != NULL)
			abort();
		return;
	}
	if (r != SMS_TEXT_OK || s == NULL || s->nparts != c->parts ||
	    s->coding != c->coding)
		abort();
	fuzz_check_join(s, data, size, c);
	sms_text_split_free(s);
}

static void
fuzz_keyword(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	switch (sms_text_keyword(s)) {
	case SMS_KW_NONE:
	case SMS_KW_STOP:
	case SMS_KW_START:
		break;
	default:
		abort();
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_count	 c;
	char			 why[64];
	enum sms_text_result	 r;

	r = sms_text_count((const char *)data, size, 6, &c);
	(void)sms_text_describe(r, &c, why, sizeof(why));
	if (r == SMS_TEXT_OK) {
		if (memchr(data, 0, size) != NULL || c.parts == 0 ||
		    c.over_cap != (c.parts > 6))
			abort();
		fuzz_split(data, size, &c);
	} else if (r != SMS_TEXT_BAD_UTF8 && r != SMS_TEXT_HAS_NUL) {
		abort();
	}
	fuzz_keyword(data, size);
	return 0;
}
