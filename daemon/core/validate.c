/* Validation of staff input: text, languages, kinds, channels, dates. */
#include <stdint.h>
#include <string.h>

#include "utf8.h"
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
	size_t		 len = strlen(s), at = 0, n = 0, cl;
	uint32_t	 c;

	while (at < len) {
		if ((cl = utf8_decode(s + at, len - at, &c)) == 0) {
			*why = "not valid UTF-8";
			return -1;
		}
		if (validate_is_control(c, newlines)) {
			*why = "contains a control character";
			return -1;
		}
		at += cl;
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

/*
 * From one backslash to the next (memchr()), each taking the character it
 * escapes, so that an escaped backslash is never read as one that
 * escapes. Outside strings JSON has no backslash: a text that has one
 * there is no JSON, and its parser refuses it anyway.
 */
size_t
validate_json_nuls(const char *json, size_t len, char *out)
{
	const char	*p = json, *end = json + len, *q;
	size_t		 n = 0;

	if (out != NULL)
		memcpy(out, json, len);
	while (p < end && (q = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - q > 5 && q[1] == 'u' && memcmp(q + 2, "0000", 4) == 0) {
			if (out != NULL)
				memcpy(out + (q - json) + 2, "fffd", 4);
			n++;
		}
		p = q + 2;	/* past the escaped character */
	}
	return n;
}
