/* Unit tests for daemon/core/utf8.c: strict decoding, checks, UTF-16, cuts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define EMOJI	"\xf0\x9f\x98\x80"			/* U+1F600 */
#define FLAG_PL	"\xf0\x9f\x87\xb5\xf0\x9f\x87\xb1"	/* two RIs */
#define ZWJ	"\xe2\x80\x8d"				/* U+200D */
/* Man, woman, girl joined into one family glyph. */
#define FAMILY	"\xf0\x9f\x91\xa8" ZWJ "\xf0\x9f\x91\xa9" ZWJ \
		"\xf0\x9f\x91\xa7"

/* The sequence s (its strlen, or n when given) decodes to exactly cp. */
static void
expect_cp(const char *s, size_t n, uint32_t want)
{
	uint32_t	 cp = 0xdeadbeef;
	size_t		 len = n > 0 ? n : strlen(s);

	if (utf8_decode(s, len, &cp) != len)
		fail_msg("U+%04X: not decoded as %zu bytes", (unsigned)want,
		    len);
	assert_int_equal(cp, want);
	assert_int_equal(utf8_check(s, len), len);
	assert_true(utf8_is_valid(s, len));
}

/* The len bytes at s are refused, and *cp is left alone. */
static void
expect_bad(const char *s, size_t len)
{
	uint32_t	 cp = 0xdeadbeef;

	assert_int_equal(utf8_decode(s, len, &cp), 0);
	assert_int_equal(cp, 0xdeadbeef);
	assert_int_equal(utf8_check(s, len), 0);
	assert_false(utf8_is_valid(s, len));
	assert_int_equal(utf8_utf16_len(s, len), -1);
}

static void
test_utf8_decodes_one_to_four_bytes(void **state)
{
	(void)state;
	expect_cp("A", 0, 'A');
	expect_cp("\x7f", 0, 0x7f);
	expect_cp("\xc2\x80", 0, 0x80);
	expect_cp("\xc5\x82", 0, 0x142);		/* ł */
	expect_cp("\xd0\xb6", 0, 0x436);		/* ж */
	expect_cp("\xdf\xbf", 0, 0x7ff);
	expect_cp("\xe0\xa0\x80", 0, 0x800);
	expect_cp("\xe2\x82\xac", 0, 0x20ac);		/* € */
	expect_cp(EMOJI, 0, 0x1f600);
}

static void
test_utf8_nul_is_a_character(void **state)
{
	uint32_t	 cp = 1;

	(void)state;
	assert_int_equal(utf8_decode("", 1, &cp), 1);
	assert_int_equal(cp, 0);
	assert_true(utf8_is_valid("a\0b", 3));
	assert_int_equal(utf8_utf16_len("a\0b", 3), 3);
}

static void
test_utf8_boundaries(void **state)
{
	(void)state;
	expect_cp("\xed\x9f\xbf", 0, 0xd7ff);		/* last before D800 */
	expect_bad("\xed\xa0\x80", 3);			/* U+D800 */
	expect_bad("\xed\xbf\xbf", 3);			/* U+DFFF */
	expect_cp("\xee\x80\x80", 0, 0xe000);		/* first after DFFF */
	expect_cp("\xef\xbf\xbf", 0, 0xffff);
	expect_cp("\xf0\x90\x80\x80", 0, 0x10000);
	expect_cp("\xf4\x8f\xbf\xbf", 0, 0x10ffff);
	expect_bad("\xf4\x90\x80\x80", 4);		/* U+110000 */
	expect_bad("\xf7\xbf\xbf\xbf", 4);		/* U+1FFFFF */
}

static void
test_utf8_refuses_overlong_forms(void **state)
{
	(void)state;
	expect_bad("\xc0\x80", 2);			/* NUL */
	expect_bad("\xc0\xaf", 2);			/* '/' */
	expect_bad("\xc1\xbf", 2);			/* U+007F */
	expect_bad("\xe0\x80\x80", 3);
	expect_bad("\xe0\x9f\xbf", 3);			/* U+07FF */
	expect_bad("\xf0\x80\x80\x80", 4);
	expect_bad("\xf0\x8f\xbf\xbf", 4);		/* U+FFFF */
}

static void
test_utf8_refuses_bad_bytes(void **state)
{
	(void)state;
	expect_bad("\x80", 1);				/* lone continuation */
	expect_bad("\xbf", 1);
	expect_bad("\xf5\x80\x80\x80", 4);		/* leads past F4 */
	expect_bad("\xf8\x88\x80\x80\x80", 5);		/* old 5-byte form */
	expect_bad("\xfc\x84\x80\x80\x80\x80", 6);
	expect_bad("\xfe", 1);
	expect_bad("\xff", 1);
	expect_bad("\xb3", 1);				/* cp1250 ł */
	/* A continuation byte that is not one. */
	expect_bad("\xc5" "A", 2);
	expect_bad("\xc5\xc5\x82", 3);
	expect_bad("\xe2\x28\xa1", 3);
	expect_bad("\xe2\x82" "A", 3);
	expect_bad("\xf0\x9f\x41\x80", 4);
	expect_bad("\xf0\x9f\x98\xc0", 4);
}

static void
test_utf8_refuses_truncated_sequences(void **state)
{
	uint32_t	 cp;

	(void)state;
	expect_bad("\xc5", 1);
	expect_bad("\xe2\x82", 2);
	expect_bad("\xe2", 1);
	expect_bad("\xf0\x9f\x98", 3);
	expect_bad("\xf0", 1);
	/* Cut by len, not by the bytes after it. */
	assert_int_equal(utf8_decode(EMOJI, 3, &cp), 0);
	assert_int_equal(utf8_decode("\xc5\x82", 1, &cp), 0);
	assert_int_equal(utf8_decode("A", 0, &cp), 0);
	assert_int_equal(utf8_utf16_len("zażółć", strlen("zażółć") - 1),
	    -1);
}

static void
test_utf8_check_gives_the_first_bad_offset(void **state)
{
	(void)state;
	assert_int_equal(utf8_check("", 0), 0);
	assert_int_equal(utf8_check("Łódź Київ", strlen("Łódź Київ")),
	    strlen("Łódź Київ"));
	assert_int_equal(utf8_check("a\xed\xa0\x80", 4), 1);
	assert_int_equal(utf8_check("Micha\xb3", 6), 5);
	assert_int_equal(utf8_check("\xc5\x82" EMOJI "\xf0\x9f\x98", 9), 6);
	/* Only the first len bytes count. */
	assert_int_equal(utf8_check("ab\xff", 2), 2);
	assert_true(utf8_is_valid("ab\xff", 2));
	assert_true(utf8_is_valid("", 0));
}

static void
test_utf8_utf16_len_counts_pairs_for_emoji(void **state)
{
	(void)state;
	assert_int_equal(utf8_utf16_len("", 0), 0);
	assert_int_equal(utf8_utf16_len("hello", 5), 5);
	assert_int_equal(utf8_utf16_len("zażółć", strlen("zażółć")), 6);
	assert_int_equal(utf8_utf16_len("Привіт", strlen("Привіт")), 6);
	assert_int_equal(utf8_utf16_len("\xef\xbf\xbf", 3), 1);	/* U+FFFF */
	assert_int_equal(utf8_utf16_len("\xf0\x90\x80\x80", 4), 2);
	assert_int_equal(utf8_utf16_len(EMOJI, 4), 2);
	assert_int_equal(utf8_utf16_len("a" EMOJI "b", 6), 4);
	assert_int_equal(utf8_utf16_len(FLAG_PL, 8), 4);
	assert_int_equal(utf8_utf16_len(FAMILY, strlen(FAMILY)), 8);
	assert_int_equal(utf8_utf16_len("hello", 3), 3);
}

static void
test_utf8_prev_never_lands_inside_a_sequence(void **state)
{
	/* a(0) ż(1-2) emoji(3-6) €(7-9), 10 bytes */
	const char	*s = "a\xc5\xbc" EMOJI "\xe2\x82\xac";

	(void)state;
	assert_int_equal(utf8_prev(s, 10), 7);
	assert_int_equal(utf8_prev(s, 7), 3);
	assert_int_equal(utf8_prev(s, 3), 1);
	assert_int_equal(utf8_prev(s, 1), 0);
	assert_int_equal(utf8_prev("\xd0\xb6", 2), 0);
	assert_int_equal(utf8_prev(EMOJI, 4), 0);
	assert_int_equal(utf8_prev("ab", 2), 1);
}

static void
test_utf8_is_cont(void **state)
{
	(void)state;
	assert_true(utf8_is_cont(0x80));
	assert_true(utf8_is_cont(0xbf));
	assert_false(utf8_is_cont(0x7f));
	assert_false(utf8_is_cont(0xc0));
	assert_false(utf8_is_cont(0xf0));
	assert_false(utf8_is_cont(0));
}

/* UTF-8 of cp, written the textbook way, for the round trip below. */
static size_t
encode(uint32_t cp, char *o)
{
	unsigned char	*u = (unsigned char *)o;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void
test_utf8_every_scalar_value_round_trips(void **state)
{
	char		 buf[4];
	uint32_t	 c, got;
	size_t		 n;

	(void)state;
	for (c = 0; c <= 0x10ffff; c++) {
		n = encode(c, buf);
		got = 0xffffffff;
		if (c >= 0xd800 && c <= 0xdfff) {
			if (utf8_decode(buf, n, &got) != 0)
				fail_msg("surrogate U+%04X accepted",
				    (unsigned)c);
			continue;
		}
		if (utf8_decode(buf, n, &got) != n || got != c)
			fail_msg("U+%04X: bad round trip", (unsigned)c);
		if (utf8_utf16_len(buf, n) != (c > 0xffff ? 2 : 1))
			fail_msg("U+%04X: bad UTF-16 length", (unsigned)c);
	}
}

/*
 * Length of the well-formed sequence at p per Unicode's table 3-7
 * (second byte range by lead, then 80..BF), 0 if there is none.
 */
static size_t
table_3_7(const unsigned char *p, size_t len)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, k;

	if (len == 0)
		return 0;
	if (p[0] <= 0x7f)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n > len || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return n;
}

static void
expect_table(const unsigned char *p, size_t len)
{
	uint32_t	 cp;
	size_t		 want = table_3_7(p, len);

	if (utf8_decode((const char *)p, len, &cp) != want)
		fail_msg("%02x %02x %02x %02x (%zu bytes): want %zu", p[0],
		    len > 1 ? p[1] : 0, len > 2 ? p[2] : 0, len > 3 ? p[3] : 0,
		    len, want);
}

static void
test_utf8_agrees_with_unicode_table(void **state)
{
	static const unsigned char edge[] = { 0x00, 0x7f, 0x80, 0x8f, 0x90,
	    0x9f, 0xa0, 0xbf, 0xc0, 0xff };
	unsigned char	 b[4];
	unsigned int	 i, j, k, l;

	(void)state;
	/* Every one- and two-byte buffer; three bytes after each lead. */
	for (i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		expect_table(b, 1);
		for (j = 0; j < 256; j++) {
			b[1] = (unsigned char)j;
			expect_table(b, 2);
			for (k = 0; i >= 0xe0 && k < 256; k++) {
				b[2] = (unsigned char)k;
				expect_table(b, 3);
			}
		}
	}
	/* Four bytes: every second byte, the edges of the ranges after. */
	for (i = 0xf0; i < 256; i++)
		for (j = 0; j < 256; j++)
			for (k = 0; k < sizeof edge; k++)
				for (l = 0; l < sizeof edge; l++) {
					b[0] = (unsigned char)i;
					b[1] = (unsigned char)j;
					b[2] = edge[k];
					b[3] = edge[l];
					expect_table(b, 4);
				}
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_utf8_decodes_one_to_four_bytes),
		T(test_utf8_nul_is_a_character),
		T(test_utf8_boundaries),
		T(test_utf8_refuses_overlong_forms),
		T(test_utf8_refuses_bad_bytes),
		T(test_utf8_refuses_truncated_sequences),
		T(test_utf8_check_gives_the_first_bad_offset),
		T(test_utf8_utf16_len_counts_pairs_for_emoji),
		T(test_utf8_prev_never_lands_inside_a_sequence),
		T(test_utf8_is_cont),
		T(test_utf8_every_scalar_value_round_trips),
		T(test_utf8_agrees_with_unicode_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
