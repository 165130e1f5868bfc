/*
 * Notices: every shipped template rendered from the real catalogs in all
 * four languages with sample parameters (long ones where they vary): the
 * Telegram text within 4096 UTF-16 units, the SMS variant within 2 parts
 * (its encoding and count are printed); dates in words, amounts with the
 * currency, and the parameter errors staff can make.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "datefmt.h"
#include "i18n.h"
#include "notice.h"
#include "sms_text.h"
#include "unit/fixture.h"
#include "utf8.h"

static struct i18n	*cat;

/* The samples: a long place and a typical list of documents. */
static const struct notice_params samples = {
	{
		{ "date", "2027-09-30" },
		{ "from", "2027-02-01" },
		{ "until", "2027-04-30" },
		{ "amount", "1250.50" },
		{ "place", "MOPS, ul. Mickiewicza 15, pok. 12" },
		{ "documents", "PESEL, paszport, umowa najmu" },
		{ "days", "14" },
		{ "count", "3" },
	},
	8
};

static int
setup(void **state)
{
	(void)state;
	if (fixture_catalogs(&cat) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free(cat);
	return 0;
}

static void
test_notice_shipped_render_in_every_language_sms_within_two_parts(
    void **state)
{
	const struct notice_shipped	*s;
	struct sms_count		 c;
	char				*text, *sms, why[128];
	size_t				 i;
	int				 l;

	(void)state;
	assert_true(notice_shipped_count() >= 9);
	for (i = 0; i < notice_shipped_count(); i++) {
		s = notice_shipped_at(i);
		for (l = 0; l < LANG_COUNT; l++) {
			text = notice_render(cat, (enum lang)l,
			    notice_shipped_text(cat, (enum lang)l, s, 0),
			    &samples, why, sizeof why);
			if (text == NULL)
				fail_msg("%s %s: %s", s->id,
				    lang_code((enum lang)l), why);
			assert_null(strchr(text, '{'));
			assert_null(strchr(text, '#'));
			/* Each language's template has its own plural forms. */
			assert_int_equal(notice_template_ok(
			    notice_shipped_text(cat, (enum lang)l, s, 0),
			    (enum lang)l, why, sizeof why), 0);
			assert_int_equal(notice_template_ok(
			    notice_shipped_text(cat, (enum lang)l, s, 1),
			    (enum lang)l, why, sizeof why), 0);
			assert_true(utf8_utf16_len(text, strlen(text)) <=
			    NOTICE_TEXT_MAX);
			sms = notice_render(cat, (enum lang)l,
			    notice_shipped_text(cat, (enum lang)l, s, 1),
			    &samples, why, sizeof why);
			assert_non_null(sms);
			assert_int_equal(sms_text_count(sms, strlen(sms), 0,
			    &c), SMS_TEXT_OK);
			printf("  %-20s %s %-5s %zu parts, %zu units\n", s->id,
			    lang_code((enum lang)l), c.coding ==
			    SMS_CODING_GSM7 ? "GSM-7" : "UCS-2", c.parts,
			    c.units);
			if (c.parts > 2)
				fail_msg("%s (%s): %zu parts:\n%s", s->id,
				    lang_code((enum lang)l), c.parts, sms);
			/* Translated, not the English source. */
			if (l != LANG_EN)
				assert_string_not_equal(s->text,
				    notice_shipped_text(cat, (enum lang)l,
				    s, 0));
			free(text);
			free(sms);
		}
	}
}

static void
test_notice_dates_in_words_per_language(void **state)
{
	char	 buf[64];

	(void)state;
	assert_int_equal(datefmt_words(cat, LANG_PL, "2027-02-01", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "1 lutego 2027");
	assert_int_equal(datefmt_words(cat, LANG_UK, "2027-02-01", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "1 лютого 2027");
	assert_int_equal(datefmt_words(cat, LANG_RU, "2027-02-01", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "1 февраля 2027");
	assert_int_equal(datefmt_words(cat, LANG_EN, "2027-02-01", buf,
	    sizeof buf), 0);
	assert_string_equal(buf, "1 February 2027");
	assert_int_equal(datefmt_words(cat, LANG_PL, "2027-02-30", buf,
	    sizeof buf), -1);
	assert_int_equal(datefmt_words(cat, LANG_PL, "1.02.2027", buf,
	    sizeof buf), -1);
}

static void
test_notice_amount_has_the_currency(void **state)
{
	const struct notice_params p = { { { "amount", "800.5" },
	    { "date", "2027-06-10" } }, 2 };
	char	*s, why[128];

	(void)state;
	s = notice_render(cat, LANG_PL, "{amount} {date}", &p, why,
	    sizeof why);
	assert_string_equal(s, "800,50 zł 10 czerwca 2027");
	free(s);
	s = notice_render(cat, LANG_EN, "{amount}", &p, why, sizeof why);
	assert_string_equal(s, "PLN 800.50");
	free(s);
}

static void
test_notice_bad_parameters_are_named(void **state)
{
	struct notice_params	 p;
	char			 why[128], *s;

	(void)state;
	memset(&p, 0, sizeof p);
	p.p[0].key = "colour";
	p.p[0].value = "red";
	p.n = 1;
	assert_int_equal(notice_params_ok(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "unknown parameter \"colour\""));
	p.p[0].key = "date";
	p.p[0].value = "2027-13-01";
	assert_int_equal(notice_params_ok(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "date:"));
	p.p[0].key = "amount";
	p.p[0].value = "1e5";
	assert_int_equal(notice_params_ok(&p, why, sizeof why), -1);
	p.p[0].value = "100";
	p.p[1].key = "amount";
	p.p[1].value = "200";
	p.n = 2;
	assert_int_equal(notice_params_ok(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "twice"));
	p.n = 1;
	assert_int_equal(notice_params_ok(&p, why, sizeof why), 0);
	s = notice_render(cat, LANG_PL, "Na {date}", &p, why, sizeof why);
	assert_null(s);
	assert_non_null(strstr(why, "missing parameter \"date\""));
	assert_int_equal(notice_template_ok("Hi {name}", LANG_PL, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "{name}"));
	assert_int_equal(notice_template_ok("Hi {date", LANG_PL, why,
	    sizeof why), -1);
	assert_int_equal(notice_template_ok("On {date} at {place}", LANG_PL,
	    why, sizeof why), 0);
	assert_int_equal(notice_uses("{place}, {date}"), (1U << 0) |
	    (1U << 4));
}

/* One count rendered through a template with its plural forms. */
static void
check_plural(enum lang l, const char *tmpl, const char *n, const char *want)
{
	struct notice_params	 p = { { { "days", NULL } }, 1 };
	char			*s, why[128];

	p.p[0].value = n;
	assert_int_equal(notice_template_ok(tmpl, l, why, sizeof why), 0);
	s = notice_render(cat, l, tmpl, &p, why, sizeof why);
	if (s == NULL)
		fail_msg("%s %s: %s", lang_code(l), n, why);
	assert_string_equal(s, want);
	free(s);
}

static void
test_notice_plural_forms_per_language(void **state)
{
	static const struct {
		enum lang	 l;
		const char	*n, *want;
	} cases[] = {
		{ LANG_PL, "1", "1 dokument" },
		{ LANG_PL, "2", "2 dokumenty" },
		{ LANG_PL, "5", "5 dokumentów" },
		{ LANG_PL, "12", "12 dokumentów" },
		{ LANG_PL, "22", "22 dokumenty" },
		{ LANG_PL, "25", "25 dokumentów" },
		{ LANG_UK, "1", "1 день" },
		{ LANG_UK, "2", "2 дні" },
		{ LANG_UK, "5", "5 днів" },
		{ LANG_UK, "11", "11 днів" },
		{ LANG_UK, "21", "21 день" },
		{ LANG_RU, "1", "1 день" },
		{ LANG_RU, "2", "2 дня" },
		{ LANG_RU, "5", "5 дней" },
		{ LANG_RU, "11", "11 дней" },
		{ LANG_RU, "21", "21 день" },
		{ LANG_EN, "1", "1 day" },
		{ LANG_EN, "2", "2 days" },
	};
	static const char *const tmpl[LANG_COUNT] = {
		[LANG_PL] = "{days|# dokument|# dokumenty|# dokumentów}",
		[LANG_UK] = "{days|# день|# дні|# днів}",
		[LANG_RU] = "{days|# день|# дня|# дней}",
		[LANG_EN] = "{days|# day|# days}",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_plural(cases[i].l, tmpl[cases[i].l], cases[i].n,
		    cases[i].want);
	/* Forms without the number, and the number elsewhere. */
	check_plural(LANG_PL, "Zostało {days} {days|dzień|dni|dni}.", "3",
	    "Zostało 3 dni.");
	/* The shipped appeal notice in Ukrainian: 21 takes the "one" form. */
	{
		struct notice_params	 p = { { { "days", "21" },
					    { "place", "MOPS" } }, 2 };
		char			*s, why[128];

		s = notice_render(cat, LANG_UK, notice_shipped_text(cat,
		    LANG_UK, notice_shipped_get("decision-appeal"), 0), &p,
		    why, sizeof why);
		assert_non_null(s);
		assert_non_null(strstr(s, "протягом 21 дня "));
		free(s);
	}
}

static void
test_notice_malformed_plurals_are_refused(void **state)
{
	static const struct {
		enum lang	 l;
		const char	*tmpl, *why;
	} bad[] = {
		{ LANG_PL, "{days|dzień|dni}", "pl needs 3 plural forms" },
		{ LANG_EN, "{days|day|days|days}", "en needs 2 plural forms" },
		{ LANG_UK, "{days|день||днів}", "an empty plural form" },
		{ LANG_PL, "{place|a|b|c}", "plural forms are for a count" },
		{ LANG_RU, "{days|день|дня|дней", "without its" },
		{ LANG_RU, "{days|день|{days}|дней}", "without its" },
		{ LANG_PL, "{dayz|a|b|c}", "unknown parameter {dayz}" },
	};
	struct notice_params	 p = { { { "days", "2x" } }, 1 };
	char			 why[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(notice_template_ok(bad[i].tmpl, bad[i].l, why,
		    sizeof why), -1);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: \"%s\", wanted \"%s\"", bad[i].tmpl,
			    why, bad[i].why);
	}
	assert_int_equal(notice_params_ok(&p, why, sizeof why), -1);
	assert_non_null(strstr(why, "days: not a whole number"));
}

static void
test_notice_ids(void **state)
{
	(void)state;
	assert_int_equal(notice_id_ok("open-day_2027"), 0);
	assert_int_equal(notice_id_ok(""), -1);
	assert_int_equal(notice_id_ok("Open Day"), -1);
	assert_int_equal(notice_id_ok("../x"), -1);
	assert_non_null(notice_shipped_get("payment-date"));
	assert_null(notice_shipped_get("nope"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_notice_shipped_render_in_every_language_sms_within_two_parts),
		cmocka_unit_test(test_notice_dates_in_words_per_language),
		cmocka_unit_test(test_notice_amount_has_the_currency),
		cmocka_unit_test(test_notice_bad_parameters_are_named),
		cmocka_unit_test(test_notice_plural_forms_per_language),
		cmocka_unit_test(test_notice_malformed_plurals_are_refused),
		cmocka_unit_test(test_notice_ids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
