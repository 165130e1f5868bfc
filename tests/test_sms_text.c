/* Unit tests for daemon/channel/sms/sms_text.c: coding, part counts, splits, keywords. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sms_text.h"

#define EMOJI	"\xF0\x9F\x98\x80"		/* U+1F600, 2 UTF-16 units */
#define FLAG_PL	"\xF0\x9F\x87\xB5\xF0\x9F\x87\xB1"	/* two RIs */
#define ZH	"\xD0\xB6"			/* Cyrillic zhe */
#define A_OGONEK "\xC4\x85"			/* Polish a-ogonek */

/* a*na + b*nb + c*nc, a new string. */
static char *
cat3(const char *a, size_t na, const char *b, size_t nb, const char *c,
    size_t nc)
{
	size_t	 la = strlen(a), lb = strlen(b), lc = strlen(c);
	char	*s, *o;
	size_t	 i;

	o = s = malloc(la * na + lb * nb + lc * nc + 1);
	assert_non_null(s);
	for (i = 0; i < na; i++, o += la)
		memcpy(o, a, la);
	for (i = 0; i < nb; i++, o += lb)
		memcpy(o, b, lb);
	for (i = 0; i < nc; i++, o += lc)
		memcpy(o, c, lc);
	*o = '\0';
	return s;
}

static void
expect_count(const char *text, enum sms_coding coding, size_t units,
    size_t parts)
{
	struct sms_count	 c;

	assert_int_equal(sms_text_count(text, strlen(text), 6, &c),
	    SMS_TEXT_OK);
	assert_int_equal(c.coding, coding);
	assert_int_equal(c.units, units);
	assert_int_equal(c.parts, parts);
	assert_int_equal(c.over_cap, parts > 6);
}

/* Frees the string after checking its count. */
static void
expect_count_free(char *text, enum sms_coding coding, size_t units,
    size_t parts)
{
	expect_count(text, coding, units, parts);
	free(text);
}

/* UTF-16 units of a valid UTF-8 string. */
static size_t
utf16_units(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) == 0x80)
			continue;
		n += ((unsigned char)*s >= 0xF0) ? 2 : 1;
	}
	return n;
}

/* Units of one part measured on its own, in the message's coding. */
static size_t
part_units(const struct sms_part *p, enum sms_coding coding)
{
	struct sms_count	 c;

	assert_int_equal(sms_text_count(p->text, p->len, 0, &c),
	    SMS_TEXT_OK);
	if (coding == SMS_CODING_UCS2)
		return utf16_units(p->text);
	assert_int_equal(c.coding, SMS_CODING_GSM7);
	return c.units;
}

static void
check_part(const struct sms_split *s, size_t i, unsigned char ref)
{
	const struct sms_part	*p = &s->parts[i];
	size_t			 cap;

	assert_int_equal(strlen(p->text), p->len);
	assert_int_equal(part_units(p, s->coding), p->units);
	if (s->nparts == 1) {
		cap = s->coding == SMS_CODING_GSM7 ? 160 : 70;
		assert_int_equal(p->udh_len, 0);
	} else {
		cap = s->coding == SMS_CODING_GSM7 ? 153 : 67;
		assert_int_equal(p->udh_len, SMS_UDH_LEN);
		assert_int_equal(p->udh[0], 0x05);
		assert_int_equal(p->udh[1], 0x00);
		assert_int_equal(p->udh[2], 0x03);
		assert_int_equal(p->udh[3], ref);
		assert_int_equal(p->udh[4], s->nparts);
		assert_int_equal(p->udh[5], i + 1);
	}
	assert_true(p->units <= cap);
	assert_true(p->len > 0 || s->nparts == 1);
}

/*
 * Splits `text`, checks every part and that they join to `want`; returns
 * the split for more checks.
 */
static struct sms_split *
split_ok(const char *text, const char *want, size_t parts)
{
	struct sms_split	*s = NULL;
	struct sms_count	 c;
	char			*joined;
	size_t			 i;

	assert_int_equal(sms_text_count(text, strlen(text), 0, &c),
	    SMS_TEXT_OK);
	assert_int_equal(sms_text_split(text, strlen(text), 0, 0x2A, &s),
	    SMS_TEXT_OK);
	assert_non_null(s);
	assert_int_equal(s->nparts, parts);
	assert_int_equal(s->nparts, c.parts);
	assert_int_equal(s->coding, c.coding);
	joined = calloc(1, strlen(text) + 1);
	assert_non_null(joined);
	for (i = 0; i < s->nparts; i++) {
		check_part(s, i, 0x2A);
		assert_true(strlen(joined) + s->parts[i].len <= strlen(want));
		memcpy(joined + strlen(joined), s->parts[i].text,
		    s->parts[i].len + 1);
	}
	assert_string_equal(joined, want);
	free(joined);
	return s;
}

static void
split_ok_free(char *text, size_t parts)
{
	sms_text_split_free(split_ok(text, text, parts));
	free(text);
}

static void
test_sms_ascii_is_gsm7(void **state)
{
	(void)state;
	expect_count("", SMS_CODING_GSM7, 0, 1);
	expect_count("Wizyta jutro o 10:00, pok. 12.", SMS_CODING_GSM7, 30,
	    1);
	expect_count("@$_\n\r", SMS_CODING_GSM7, 5, 1);
	/* Non-ASCII letters of the default alphabet. */
	expect_count("\xC3\xA9\xC3\xA8\xC3\xA0\xC3\xBC\xC3\x9F\xC3\x84"
	    "\xCE\x94\xC2\xA3", SMS_CODING_GSM7, 8, 1);
}

static void
test_sms_polish_diacritics_force_ucs2(void **state)
{
	(void)state;
	expect_count("Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 g\xC4\x99\xC5\x9Bl"
	    "\xC4\x85 ja\xC5\xBA\xC5\x84", SMS_CODING_UCS2, 17, 1);
	/* One ń in a GSM text is enough. */
	expect_count("Dzie\xC5\x84 dobry", SMS_CODING_UCS2, 11, 1);
	expect_count("\xC3\xB3", SMS_CODING_UCS2, 1, 1);
	/* Typographic quotes too. */
	expect_count("\xE2\x80\x9EWizyta\xE2\x80\x9D", SMS_CODING_UCS2, 8,
	    1);
	/* The backtick and a tab are outside GSM. */
	expect_count("a`b", SMS_CODING_UCS2, 3, 1);
	expect_count("a\tb", SMS_CODING_UCS2, 3, 1);
}

static void
test_sms_cyrillic_is_ucs2(void **state)
{
	(void)state;
	/* Ukrainian "Привіт, як справи?" */
	expect_count("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD1\x96\xD1\x82, "
	    "\xD1\x8F\xD0\xBA \xD1\x81\xD0\xBF\xD1\x80\xD0\xB0\xD0\xB2\xD0"
	    "\xB8?", SMS_CODING_UCS2, 18, 1);
	/* Russian "Здравствуйте" */
	expect_count("\xD0\x97\xD0\xB4\xD1\x80\xD0\xB0\xD0\xB2\xD1\x81\xD1"
	    "\x82\xD0\xB2\xD1\x83\xD0\xB9\xD1\x82\xD0\xB5", SMS_CODING_UCS2,
	    12, 1);
	/* Latin-looking Cyrillic А is not GSM "A". */
	expect_count("\xD0\x90", SMS_CODING_UCS2, 1, 1);
}

static void
test_sms_emoji_takes_two_units(void **state)
{
	(void)state;
	expect_count(EMOJI, SMS_CODING_UCS2, 2, 1);
	expect_count_free(cat3("a", 68, EMOJI, 1, "", 0), SMS_CODING_UCS2,
	    70, 1);
	expect_count_free(cat3("a", 69, EMOJI, 1, "", 0), SMS_CODING_UCS2,
	    71, 2);
	/* The gsm7.md example: the emoji moves whole to part 2. */
	expect_count_free(cat3("a", 66, EMOJI, 1, "b", 10), SMS_CODING_UCS2,
	    78, 2);
}

static void
test_sms_extension_chars_count_two(void **state)
{
	(void)state;
	expect_count_free(cat3("a", 158, "{", 1, "", 0), SMS_CODING_GSM7,
	    160, 1);
	expect_count_free(cat3("a", 159, "{", 1, "", 0), SMS_CODING_GSM7,
	    161, 2);
	expect_count("Cena 10\xE2\x82\xAC", SMS_CODING_GSM7, 9, 1);
	expect_count("^{}\\[~]|\f", SMS_CODING_GSM7, 18, 1);
}

static void
test_sms_gsm7_boundaries(void **state)
{
	(void)state;
	expect_count_free(cat3("a", 160, "", 0, "", 0), SMS_CODING_GSM7, 160,
	    1);
	expect_count_free(cat3("a", 161, "", 0, "", 0), SMS_CODING_GSM7, 161,
	    2);
	expect_count_free(cat3("a", 306, "", 0, "", 0), SMS_CODING_GSM7, 306,
	    2);
	expect_count_free(cat3("a", 307, "", 0, "", 0), SMS_CODING_GSM7, 307,
	    3);
	expect_count_free(cat3("a", 153 * 6, "", 0, "", 0), SMS_CODING_GSM7,
	    918, 6);
}

static void
test_sms_ucs2_boundaries(void **state)
{
	(void)state;
	expect_count_free(cat3(ZH, 70, "", 0, "", 0), SMS_CODING_UCS2, 70, 1);
	expect_count_free(cat3(ZH, 71, "", 0, "", 0), SMS_CODING_UCS2, 71, 2);
	expect_count_free(cat3(ZH, 134, "", 0, "", 0), SMS_CODING_UCS2, 134,
	    2);
	expect_count_free(cat3(ZH, 135, "", 0, "", 0), SMS_CODING_UCS2, 135,
	    3);
	/* One Polish letter turns a GSM text of 70 into UCS-2. */
	expect_count_free(cat3("a", 69, A_OGONEK, 1, "", 0), SMS_CODING_UCS2,
	    70, 1);
	expect_count_free(cat3("a", 70, A_OGONEK, 1, "", 0), SMS_CODING_UCS2,
	    71, 2);
}

static void
test_sms_over_cap_is_described(void **state)
{
	struct sms_count	 c;
	struct sms_split	*s = (void *)1;
	char			*t = cat3("a", 153 * 8 + 1, "", 0, "", 0);
	char			 buf[128];

	(void)state;
	assert_int_equal(sms_text_count(t, strlen(t), 6, &c), SMS_TEXT_OK);
	assert_int_equal(c.parts, 9);
	assert_true(c.over_cap);
	assert_int_equal(c.max_parts, 6);
	assert_string_equal(sms_text_describe(SMS_TEXT_OK, &c, buf,
	    sizeof(buf)), "too long for SMS: 9 parts, limit 6");
	assert_int_equal(sms_text_split(t, strlen(t), 6, 1, &s),
	    SMS_TEXT_TOO_LONG);
	assert_null(s);
	assert_string_equal(sms_text_describe(SMS_TEXT_TOO_LONG, &c, buf,
	    sizeof(buf)), "too long for SMS: 9 parts, limit 6");
	assert_string_equal(sms_text_describe(SMS_TEXT_TOO_LONG, NULL, buf,
	    sizeof(buf)), "too long for SMS");
	/* Exactly at the cap is fine. */
	assert_int_equal(sms_text_count(t, 153 * 6, 6, &c), SMS_TEXT_OK);
	assert_false(c.over_cap);
	free(t);
}

static void
test_sms_describe_cost_and_errors(void **state)
{
	struct sms_count	 c;
	char			 buf[128];

	(void)state;
	assert_int_equal(sms_text_count("\xE2\x80\x9EWizyta\xE2\x80\x9D", 12,
	    6, &c), SMS_TEXT_OK);
	assert_string_equal(sms_text_describe(SMS_TEXT_OK, &c, buf,
	    sizeof(buf)), "1 part, UCS-2, 8 units");
	c.coding = SMS_CODING_GSM7;
	c.units = 161;
	c.parts = 2;
	assert_string_equal(sms_text_describe(SMS_TEXT_OK, &c, buf,
	    sizeof(buf)), "2 parts, GSM-7, 161 septets");
	assert_string_equal(sms_text_describe(SMS_TEXT_OK, &c, buf, 5),
	    "2 pa");
	assert_int_equal(sms_text_count("\xC3", 1, 6, &c),
	    SMS_TEXT_BAD_UTF8);
	assert_string_equal(sms_text_describe(SMS_TEXT_BAD_UTF8, &c, buf,
	    sizeof(buf)), "not valid UTF-8");
	assert_string_equal(sms_text_describe(SMS_TEXT_HAS_NUL, NULL, buf,
	    sizeof(buf)), "contains a NUL character");
}

static void
test_sms_max_parts_zero_means_udh_limit(void **state)
{
	struct sms_count	 c;
	struct sms_split	*s = NULL;
	char			*t = cat3("a", 153 * 256, "", 0, "", 0);

	(void)state;
	assert_int_equal(sms_text_count(t, 153 * 255, 0, &c), SMS_TEXT_OK);
	assert_int_equal(c.max_parts, SMS_PARTS_MAX);
	assert_false(c.over_cap);
	assert_int_equal(sms_text_count(t, strlen(t), 1000, &c), SMS_TEXT_OK);
	assert_int_equal(c.parts, 256);
	assert_true(c.over_cap);
	assert_int_equal(sms_text_split(t, strlen(t), 0, 1, &s),
	    SMS_TEXT_TOO_LONG);
	assert_null(s);
	free(t);
}

static void
test_sms_split_reassembles(void **state)
{
	struct sms_split	*s;

	(void)state;
	s = split_ok("", "", 1);
	assert_string_equal(s->parts[0].text, "");
	sms_text_split_free(s);
	split_ok_free(cat3("a", 160, "", 0, "", 0), 1);
	split_ok_free(cat3("a", 161, "", 0, "", 0), 2);
	split_ok_free(cat3("a", 306, "", 0, "", 0), 2);
	split_ok_free(cat3("a", 307, "", 0, "", 0), 3);
	split_ok_free(cat3(ZH, 134, "", 0, "", 0), 2);
	split_ok_free(cat3(ZH, 135, "", 0, "", 0), 3);
	split_ok_free(cat3("Przypominamy o wizycie ", 20, "", 0, "", 0), 4);
	split_ok_free(cat3("Nagadu\xD1\x94mo pro vizyt ", 10, EMOJI, 3, "",
	    0), 4);
	split_ok_free(cat3("{}", 100, "a", 1, "", 0), 3);
}

static void
test_sms_split_keeps_esc_pair(void **state)
{
	struct sms_split	*s;
	char			*t = cat3("a", 152, "{", 1, "a", 10);

	(void)state;
	s = split_ok(t, t, 2);
	assert_int_equal(s->parts[0].units, 152);
	assert_int_equal(s->parts[1].units, 12);
	assert_int_equal(s->parts[1].text[0], '{');
	sms_text_split_free(s);
	free(t);
	/* The pair moving on costs a third part, and the count says so. */
	t = cat3("a", 152, "{", 1, "a", 152);
	expect_count(t, SMS_CODING_GSM7, 306, 3);
	sms_text_split_free(split_ok(t, t, 3));
	free(t);
}

static void
test_sms_split_keeps_surrogate_pair(void **state)
{
	struct sms_split	*s;
	char			*t = cat3("a", 66, EMOJI, 1, "b", 10);

	(void)state;
	s = split_ok(t, t, 2);
	assert_int_equal(s->parts[0].units, 66);
	assert_int_equal(s->parts[0].len, 66);
	assert_memory_equal(s->parts[1].text, EMOJI "b", 5);
	sms_text_split_free(s);
	free(t);
	t = cat3(EMOJI, 200, "", 0, "", 0);
	sms_text_split_free(split_ok(t, t, 7));
	free(t);
}

static void
test_sms_split_keeps_flag_together(void **state)
{
	struct sms_split	*s;
	char			*t = cat3("a", 65, FLAG_PL, 1, "b", 10);

	(void)state;
	s = split_ok(t, t, 2);
	assert_int_equal(s->parts[0].units, 65);
	assert_memory_equal(s->parts[1].text, FLAG_PL "b", 9);
	sms_text_split_free(s);
	free(t);
}

static void
test_sms_split_prefers_word_ends(void **state)
{
	struct sms_split	*s;
	char			*t = cat3("slowo ", 60, "", 0, "", 0);
	size_t			 i;

	(void)state;
	s = split_ok(t, t, 3);
	for (i = 0; i + 1 < s->nparts; i++) {
		assert_int_equal(s->parts[i].text[s->parts[i].len - 1], ' ');
		assert_true(s->parts[i].units >= 153 - 30);
	}
	sms_text_split_free(s);
	free(t);
	/* No space in the last fifth: cut greedily. */
	t = cat3("a ", 1, "b", 300, "", 0);
	s = split_ok(t, t, 2);
	assert_int_equal(s->parts[0].units, 153);
	sms_text_split_free(s);
	free(t);
}

static void
test_sms_split_word_end_never_costs_a_part(void **state)
{
	struct sms_split	*s;
	char			*t = cat3("a", 150, " ", 1, "b", 155);

	(void)state;
	s = split_ok(t, t, 2);
	assert_int_equal(s->parts[0].units, 153);
	sms_text_split_free(s);
	free(t);
}

static void
test_sms_decomposed_e_acute_is_gsm(void **state)
{
	struct sms_split	*s;

	(void)state;
	expect_count("Caf" "e\xCC\x81", SMS_CODING_GSM7, 4, 1);
	expect_count("n\xCC\x83" "a\xCC\x88" "A\xCC\x8A" "e\xCC\x80"
	    "u\xCC\x88" "C\xCC\xA7", SMS_CODING_GSM7, 6, 1);
	/* Composes, but to a letter outside GSM. */
	expect_count("o\xCC\x81", SMS_CODING_UCS2, 1, 1);
	expect_count("z\xCC\x87" "a\xCC\xA8", SMS_CODING_UCS2, 2, 1);
	/* A mark with no composition here stays a UCS-2 character. */
	expect_count("x\xCC\x81", SMS_CODING_UCS2, 2, 1);
	expect_count("\xCC\x81", SMS_CODING_UCS2, 1, 1);
	/* Parts carry the composed text. */
	s = split_ok("Caf" "e\xCC\x81", "Caf\xC3\xA9", 1);
	sms_text_split_free(s);
}

static void
expect_refused(const char *text, size_t len, enum sms_text_result want)
{
	struct sms_count	 c;
	struct sms_split	*s = (void *)1;

	assert_int_equal(sms_text_count(text, len, 6, &c), want);
	assert_int_equal(c.parts, 0);
	assert_int_equal(sms_text_split(text, len, 6, 1, &s), want);
	assert_null(s);
}

static void
test_sms_invalid_utf8_refused(void **state)
{
	(void)state;
	expect_refused("a\xC3\x28", 3, SMS_TEXT_BAD_UTF8);
	expect_refused("\xC0\xAF", 2, SMS_TEXT_BAD_UTF8);
	expect_refused("\xE0\x80\xAF", 3, SMS_TEXT_BAD_UTF8);
	expect_refused("\xED\xA0\x80", 3, SMS_TEXT_BAD_UTF8);
	expect_refused("\xF4\x90\x80\x80", 4, SMS_TEXT_BAD_UTF8);
	expect_refused("\xE2\x82", 2, SMS_TEXT_BAD_UTF8);
	expect_refused("\xFF", 1, SMS_TEXT_BAD_UTF8);
	expect_refused("\x80", 1, SMS_TEXT_BAD_UTF8);
	/* A cut mark after a composable base is still refused. */
	expect_refused("e\xCC", 2, SMS_TEXT_BAD_UTF8);
	expect_refused("ab\0c", 4, SMS_TEXT_HAS_NUL);
	expect_refused("\0", 1, SMS_TEXT_HAS_NUL);
}

static void
expect_kw(const char *text, enum sms_keyword want)
{
	if (sms_text_keyword(text) != want)
		fail_msg("\"%s\": got %d, want %d", text,
		    (int)sms_text_keyword(text), (int)want);
}

static void
test_sms_keyword_stop_and_start(void **state)
{
	(void)state;
	expect_kw("STOP", SMS_KW_STOP);
	expect_kw("stop", SMS_KW_STOP);
	expect_kw("Stop", SMS_KW_STOP);
	expect_kw("stop!", SMS_KW_STOP);
	expect_kw("  Stop.\n", SMS_KW_STOP);
	expect_kw("\"STOP\"", SMS_KW_STOP);
	expect_kw("St\xC3\xB3p", SMS_KW_STOP);		/* Stóp */
	expect_kw("ST\xC3\x93P!!!", SMS_KW_STOP);	/* STÓP */
	expect_kw("Sto\xCC\x81p", SMS_KW_STOP);		/* decomposed */
	expect_kw("\xC5\x9Atop", SMS_KW_STOP);		/* Śtop */
	expect_kw("\xE2\x80\x9EStop\xE2\x80\x9D", SMS_KW_STOP);
	/* СТОП, стоп */
	expect_kw("\xD0\xA1\xD0\xA2\xD0\x9E\xD0\x9F", SMS_KW_STOP);
	expect_kw("\xD1\x81\xD1\x82\xD0\xBE\xD0\xBF", SMS_KW_STOP);
	expect_kw("\xD0\xA1\xD1\x82\xD0\xBE\xD0\xBF.", SMS_KW_STOP);
	/* стóп with a combining stress mark */
	expect_kw("\xD1\x81\xD1\x82\xD0\xBE\xCC\x81\xD0\xBF", SMS_KW_STOP);
	expect_kw("START", SMS_KW_START);
	expect_kw("start", SMS_KW_START);
	expect_kw(" Start! ", SMS_KW_START);
	expect_kw("\xC5\x9Atart", SMS_KW_START);
	expect_kw("\xD0\xA1\xD0\xA2\xD0\x90\xD0\xA0\xD0\xA2",
	    SMS_KW_START);				/* СТАРТ */
	expect_kw("\xD0\xA1\xD1\x82\xD0\xB0\xD1\x80\xD1\x82",
	    SMS_KW_START);				/* Старт */
}

static void
test_sms_keyword_only_whole_message(void **state)
{
	(void)state;
	expect_kw("please stop calling", SMS_KW_NONE);
	expect_kw("stop calling", SMS_KW_NONE);
	expect_kw("Nie stop", SMS_KW_NONE);
	expect_kw("stop stop", SMS_KW_NONE);
	expect_kw("stopp", SMS_KW_NONE);
	expect_kw("sto", SMS_KW_NONE);
	expect_kw("s.t.o.p", SMS_KW_NONE);
	expect_kw("STOP 1", SMS_KW_NONE);
	expect_kw("restart", SMS_KW_NONE);
	expect_kw("starter", SMS_KW_NONE);
	expect_kw("stop" EMOJI, SMS_KW_NONE);
	expect_kw("", SMS_KW_NONE);
	expect_kw(" .!? ", SMS_KW_NONE);
	expect_kw("st\xFFop", SMS_KW_NONE);
	expect_kw("stop\xC3", SMS_KW_NONE);
	/* стоп будь ласка */
	expect_kw("\xD1\x81\xD1\x82\xD0\xBE\xD0\xBF \xD0\xB1\xD1\x83\xD0\xB4"
	    "\xD1\x8C \xD0\xBB\xD0\xB0\xD1\x81\xD0\xBA\xD0\xB0", SMS_KW_NONE);
	/* A mix with Latin lookalikes need not match. */
	expect_kw("CTO\xD0\x9F", SMS_KW_NONE);
	assert_int_equal(sms_text_keyword(NULL), SMS_KW_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sms_ascii_is_gsm7),
		cmocka_unit_test(test_sms_polish_diacritics_force_ucs2),
		cmocka_unit_test(test_sms_cyrillic_is_ucs2),
		cmocka_unit_test(test_sms_emoji_takes_two_units),
		cmocka_unit_test(test_sms_extension_chars_count_two),
		cmocka_unit_test(test_sms_gsm7_boundaries),
		cmocka_unit_test(test_sms_ucs2_boundaries),
		cmocka_unit_test(test_sms_over_cap_is_described),
		cmocka_unit_test(test_sms_describe_cost_and_errors),
		cmocka_unit_test(test_sms_max_parts_zero_means_udh_limit),
		cmocka_unit_test(test_sms_split_reassembles),
		cmocka_unit_test(test_sms_split_keeps_esc_pair),
		cmocka_unit_test(test_sms_split_keeps_surrogate_pair),
		cmocka_unit_test(test_sms_split_keeps_flag_together),
		cmocka_unit_test(test_sms_split_prefers_word_ends),
		cmocka_unit_test(test_sms_split_word_end_never_costs_a_part),
		cmocka_unit_test(test_sms_decomposed_e_acute_is_gsm),
		cmocka_unit_test(test_sms_invalid_utf8_refused),
		cmocka_unit_test(test_sms_keyword_stop_and_start),
		cmocka_unit_test(test_sms_keyword_only_whole_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
