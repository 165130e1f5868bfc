/* Validation of staff input: text, languages, kinds, channels, dates. */
#include <stdint.h>
#include <string.h>

#include "validate.h"

static const char *const validate_langs[] = { "pl", "uk", "ru", "en" };
static const char *const validate_channels[] = { "telegram", "sms" };
static const char *const validate_kinds[] = {
	"family_assistant", "integration_assistant", "disability_assistant",
	"homelessness_assistant", "coordinator", "administrator"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
validate_in(const char *s, const char *const *set, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return 0;
	return -1;
}

int
validate_lang(const char *s)
{
	return validate_in(s, validate_langs, NELEM(validate_langs));
}

int
validate_channel(const char *s)
{
	return validate_in(s, validate_channels, NELEM(validate_channels));
}

int
validate_kind(const char *s)
{
	return validate_in(s, validate_kinds, NELEM(validate_kinds));
}

/*
 * Decodes one UTF-8 sequence at s; returns its length and the code point,
 * or 0 when it is malformed (overlong, surrogate, past U+10FFFF, cut).
 */
static size_t
validate_utf8_one(const unsigned char *s, uint32_t *cp)
{
	size_t		 len, i;
	uint32_t	 c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
validate_is_control(uint32_t c, int newlines)
{
	if (c == '\n')
		return !newlines;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

int
validate_text(const char *s, size_t min, size_t max, int newlines,
    const char **why)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = 0, len;
	uint32_t		 c;

	while (*p != '\0') {
		if ((len = validate_utf8_one(p, &c)) == 0) {
			*why = "not valid UTF-8";
			return -1;
		}
		if (validate_is_control(c, newlines)) {
			*why = "contains a control character";
			return -1;
		}
		p += len;
		if (++n > max) {
			*why = "too long";
			return -1;
		}
	}
	if (n < min) {
		*why = n == 0 ? "empty" : "too short";
		return -1;
	}
	return 0;
}

int
validate_name(const char *s, const char **why)
{
	const char	*p;

	if (validate_text(s, 1, VALIDATE_NAME_MAX, 0, why) == -1)
		return -1;
	/* A name of spaces only would show as nothing in every list. */
	for (p = s; *p == ' '; p++)
		;
	if (*p == '\0') {
		*why = "empty";
		return -1;
	}
	return 0;
}

int
validate_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	return 0;
}

int
validate_langs_add(char buf[VALIDATE_LANGS_MAX], const char *l)
{
	size_t	 len = strlen(buf), n = strlen(l);

	if (strstr(buf, l) != NULL)
		return -1;
	if (len + (len > 0) + n + 1 > VALIDATE_LANGS_MAX)
		return -1;
	if (len > 0)
		buf[len++] = ',';
	memcpy(buf + len, l, n + 1);
	return 0;
}
