/*
 * Every text a family may read by SMS, rendered from the real catalogs in
 * all four languages with a long centre name, a long first name and the
 * default help lines: its encoding and part count are printed, and each
 * must keep its budget (two parts at most, the one-part minimums 1),
 * without typographic dashes or quotes. The texts
 * of visits (conv/visit_remind.c: the reminder, a move, a cancellation)
 * are built from their own msgids and checked here too: one part each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config.h"
#include "ftext.h"
#include "i18n.h"
#include "sms_text.h"
#include "unit/fixture.h"
#include "visit_remind.h"

#define LONG_CENTRE	"Miejski Ośrodek Pomocy Rodzinie w Gorzowie " \
			"Wielkopolskim"
#define LONG_CONTACT	"tel. 95 720 10 00"
#define LONG_FIRST	"Małgorzata-Katarzyna"
/* Monday 7 December 2026, 7:30 in Warsaw. */
#define WHEN		1796625000

static struct i18n	*cat;
static char		*helplines;	/* the configured default */

static int
setup(void **state)
{
	struct config	*cfg;

	(void)state;
	fixture_warsaw();
	if (fixture_catalogs(&cat) == -1)
		return -1;
	if (config_load(NULL, stderr, &cfg) == -1)
		return -1;
	helplines = strdup(cfg->emergency_numbers);
	config_free(cfg);
	return helplines != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	i18n_free(cat);
	free(helplines);
	return 0;
}

static const char *const forbidden[] = {
	"—", "–", "„", "”", "“", "«", "»", "’", "‘", "…"
};

/* Counts, prints and checks one SMS text against its budget. */
static void
check_sms(const char *what, enum lang l, const char *text, unsigned budget)
{
	struct sms_count	 c;
	size_t			 k;

	assert_non_null(text);
	assert_int_equal(sms_text_count(text, strlen(text), 0, &c),
	    SMS_TEXT_OK);
	printf("  %-14s %s %-5s %zu parts, %zu units\n", what, lang_code(l),
	    c.coding == SMS_CODING_GSM7 ? "GSM-7" : "UCS-2", c.parts,
	    c.units);
	if (c.parts > budget)
		fail_msg("%s (%s): %zu parts, budget %u:\n%s", what,
		    lang_code(l), c.parts, budget, text);
	for (k = 0; k < sizeof forbidden / sizeof forbidden[0]; k++)
		if (strstr(text, forbidden[k]) != NULL)
			fail_msg("%s (%s): typographic \"%s\" in an SMS:\n%s",
			    what, lang_code(l), forbidden[k], text);
	/* A placeholder the catalog forgot to fill. */
	assert_null(strstr(text, "%"));
}

static void
test_ftext_every_sms_variant_keeps_its_budget(void **state)
{
	struct ftext_vals	 v = { LONG_CENTRE, LONG_CONTACT, LONG_FIRST,
				    WHEN, NULL };
	const struct ftext	*t;
	char			*s;
	int			 id, l;

	(void)state;
	v.helplines = helplines;
	for (id = 0; id < FT_COUNT; id++) {
		t = ftext_get((enum ftext_id)id);
		assert_non_null(t->name);
		assert_non_null(t->sms != NULL ? t->sms : t->msgid);
		for (l = 0; l < LANG_COUNT; l++) {
			s = ftext_render(cat, (enum lang)l, (enum ftext_id)id,
			    FTEXT_SMS, &v);
			check_sms(t->name, (enum lang)l, s, t->max_parts);
			free(s);
			s = ftext_render(cat, (enum lang)l, (enum ftext_id)id,
			    FTEXT_SMS_MIN, &v);
			if (s != NULL)
				check_sms("  (minimum)", (enum lang)l, s, 1);
			free(s);
		}
	}
}

/* Sunday 29 March 2026, 18:30 in Warsaw: the longest weekday forms. */
#define VISIT_WHEN	1774801800

static void
test_ftext_visit_sms_variants_fit_one_part(void **state)
{
	char	*s;
	int	 l;

	(void)state;
	for (l = 0; l < LANG_COUNT; l++) {
		s = visit_remind_text(cat, (enum lang)l, VISIT_WHEN,
		    LONG_FIRST, LONG_CENTRE, 1);
		check_sms("visit_reminder", (enum lang)l, s, 1);
		free(s);
		s = visit_remind_notice_text(cat, (enum lang)l, VISIT_WHEN,
		    VISIT_WHEN + 86400 * 3, 1);
		check_sms("visit_moved", (enum lang)l, s, 1);
		free(s);
		s = visit_remind_notice_text(cat, (enum lang)l, VISIT_WHEN, 0,
		    1);
		check_sms("visit_cancelled", (enum lang)l, s, 1);
		free(s);
	}
}

static void
test_ftext_unknown_number_answer_fits_two_parts(void **state)
{
	char	*s;

	(void)state;
	s = ftext_unknown(cat, LONG_CONTACT);
	check_sms("unknown_number", LANG_UK, s, 2);
	assert_non_null(strstr(s, LONG_CONTACT));
	/* Both languages, and never the centre's name in a wrong case. */
	assert_non_null(strstr(s, "Ten numer"));
	assert_non_null(strstr(s, "Цей номер"));
	free(s);
	s = ftext_unknown(cat, "");
	assert_null(strstr(s, "Kontakt"));
	free(s);
}

static void
test_ftext_sms_out_of_hours_names_every_line_and_when(void **state)
{
	struct ftext_vals	 v = { LONG_CENTRE, "", "", WHEN, NULL };
	char			*s;
	int			 l;

	(void)state;
	v.helplines = helplines;
	for (l = 0; l < LANG_COUNT; l++) {
		s = ftext_render(cat, (enum lang)l, FT_OOH_WHEN, FTEXT_SMS, &v);
		assert_non_null(strstr(s, "\n112\n"));
		assert_non_null(strstr(s, ": 116 123"));
		assert_non_null(strstr(s, ": 116 111"));
		assert_non_null(strstr(s, "Niebieska Linia: 800 120 002"));
		assert_non_null(strstr(s, "7:30"));
		assert_non_null(strstr(s, l == LANG_EN ? "7 December" :
		    "7.12"));
		free(s);
	}
	/* The English SMS is GSM-7: one dash would make it UCS-2. */
	s = ftext_render(cat, LANG_EN, FT_OOH_WHEN, FTEXT_SMS, &v);
	{
		struct sms_count c;

		assert_int_equal(sms_text_count(s, strlen(s), 0, &c),
		    SMS_TEXT_OK);
		assert_int_equal(c.coding, SMS_CODING_GSM7);
		assert_true(c.parts <= 2);
	}
	free(s);
}

static void
test_ftext_full_out_of_hours_keeps_labels_and_112_first(void **state)
{
	struct ftext_vals	 v = { LONG_CENTRE, "", "", WHEN, NULL };
	char			*s, *first;

	(void)state;
	v.helplines = "116 123 (crisis); 112; 800 555 555 (town line)";
	s = ftext_render(cat, LANG_PL, FT_OOH_WHEN, FTEXT_FULL, &v);
	first = strstr(s, "\n112 — ");
	assert_non_null(first);
	assert_true(first < strstr(s, "116 123 — "));
	/* 112 once, though configured too; an unknown line as written. */
	assert_null(strstr(first + 1, "\n112"));
	assert_non_null(strstr(s, "800 555 555 (town line)"));
	assert_non_null(strstr(s, "w poniedziałek, 7 grudnia, o 7:30"));
	free(s);
}

static void
test_ftext_sms_forms_never_name_slash_commands(void **state)
{
	struct ftext_vals	 v = { LONG_CENTRE, LONG_CONTACT, LONG_FIRST,
				    WHEN, NULL };
	char			*s;
	int			 id, l;

	(void)state;
	v.helplines = helplines;
	for (id = 0; id < FT_COUNT; id++)
		for (l = 0; l < LANG_COUNT; l++) {
			s = ftext_render(cat, (enum lang)l, (enum ftext_id)id,
			    FTEXT_SMS, &v);
			if (strstr(s, "/start") != NULL ||
			    strstr(s, "/stop") != NULL)
				fail_msg("%s (%s) names a slash command:\n%s",
				    ftext_get((enum ftext_id)id)->name,
				    lang_code((enum lang)l), s);
			free(s);
		}
	s = ftext_render(cat, LANG_UK, FT_STOP, FTEXT_SMS, &v);
	assert_non_null(strstr(s, "START"));
	free(s);
	s = ftext_render(cat, LANG_RU, FT_START_AGAIN, FTEXT_SMS, &v);
	assert_non_null(strstr(s, "STOP"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ftext_every_sms_variant_keeps_its_budget),
		cmocka_unit_test(test_ftext_visit_sms_variants_fit_one_part),
		cmocka_unit_test(
		    test_ftext_unknown_number_answer_fits_two_parts),
		cmocka_unit_test(
		    test_ftext_sms_out_of_hours_names_every_line_and_when),
		cmocka_unit_test(
		    test_ftext_full_out_of_hours_keeps_labels_and_112_first),
		cmocka_unit_test(test_ftext_sms_forms_never_name_slash_commands),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
