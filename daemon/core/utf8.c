/* Strict UTF-8 decoding, validation and UTF-16 counting for all callers. */
#include "utf8.h"

#define UTF8_CP_MAX	0x10ffff

/* Length of a sequence by its first byte; 0 if it cannot start one. */
static size_t
utf8_seq_len(unsigned char b)
{
	if (b < 0x80)
		return 1;
	/* C0 and C1 could only start overlong forms of ASCII. */
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	/* Past F4 every sequence would lie beyond U+10FFFF. */
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

int
utf8_is_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	/* The least code point of each length; less is an overlong form. */
	static const uint32_t	 min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, k;
	uint32_t		 c;

	if (len == 0 || (n = utf8_seq_len(p[0])) == 0 || n > len)
		return 0;
	c = n == 1 ? p[0] : p[0] & (0x7fu >> n);
	for (k = 1; k < n; k++) {
		if (!utf8_is_cont(p[k]))
			return 0;
		c = (c << 6) | (p[k] & 0x3f);
	}
	if (c < min[n] || c > UTF8_CP_MAX || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t
utf8_check(const char *s, size_t len)
{
	size_t		 at = 0, n;
	uint32_t	 cp;

	while (at < len) {
		if ((n = utf8_decode(s + at, len - at, &cp)) == 0)
			break;
		at += n;
	}
	return at;
}

int
utf8_is_valid(const char *s, size_t len)
{
	return utf8_check(s, len) == len;
}

long
utf8_utf16_len(const char *s, size_t len)
{
	size_t		 at = 0, n;
	uint32_t	 cp;
	long		 units = 0;

	while (at < len) {
		/* ASCII, most of most texts, one unit a byte. */
		if ((unsigned char)s[at] < 0x80) {
			units++;
			at++;
			continue;
		}
		if ((n = utf8_decode(s + at, len - at, &cp)) == 0)
			return -1;
		/* Past the BMP UTF-16 needs a surrogate pair. */
		units += cp > 0xffff ? 2 : 1;
		at += n;
	}
	return units;
}

size_t
utf8_prev(const char *s, size_t at)
{
	do
		at--;
	while (at > 0 && utf8_is_cont((unsigned char)s[at]));
	return at;
}
