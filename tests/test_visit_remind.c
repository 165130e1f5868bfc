/*
 * Unit tests of the visit reminder's texts (conv/visit_remind.c) with the
 * real catalogs: the date in words with the right grammatical forms in
 * each language, the assistant and the place, and the SMS variant in
 * one part, its encoding and parts printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "sms_text.h"
#include "unit/fixture.h"
#include "visit_remind.h"

#define WED_9_DEC_10	1796806800	/* 2026-12-09 10:00 CET */
#define FRI_27_MAR_18	1774630800	/* 2026-03-27 18:00 CET */

static struct i18n	*cat;

static int
setup(void **state)
{
	(void)state;
	fixture_warsaw();
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
test_visit_remind_dates_in_words(void **state)
{
	static const struct {
		enum lang	 l;
		const char	*when, *assistant, *place;
	} want[] = {
		{ LANG_PL, "wizycie w środę, 9 grudnia, o 10:00.",
		  "Twój asystent: Anna.", "Miejsce: ul. Długa 5" },
		{ LANG_UK, "візит у середу, 9 грудня, о 10:00.",
		  "Ваш асистент: Anna.", "Місце: ul. Długa 5" },
		{ LANG_RU, "визите в среду, 9 декабря, в 10:00.",
		  "Ваш ассистент: Anna.", "Место: ul. Długa 5" },
		{ LANG_EN, "visit on Wednesday, 9 December, at 10:00.",
		  "Your assistant: Anna.", "Place: ul. Długa 5" },
	};
	size_t	 k;
	char	*t;

	(void)state;
	for (k = 0; k < sizeof want / sizeof want[0]; k++) {
		t = visit_remind_text(cat, want[k].l, WED_9_DEC_10, "Anna",
		    "ul. Długa 5", 0);
		assert_non_null(t);
		printf("  %s: %s\n", lang_code(want[k].l), t);
		assert_non_null(strstr(t, want[k].when));
		assert_non_null(strstr(t, want[k].assistant));
		assert_non_null(strstr(t, want[k].place));
		assert_null(strstr(t, "%"));
		free(t);
	}
	/* Without a place or an assistant, no empty lines. */
	t = visit_remind_text(cat, LANG_PL, WED_9_DEC_10, NULL, NULL, 0);
	assert_null(strstr(t, "Miejsce"));
	assert_null(strstr(t, "\n\n"));
	free(t);
}

static void
test_visit_remind_sms_fits_one_part(void **state)
{
	static const char *const tail[LANG_COUNT] = {
		"Odpisz 1, aby potwierdzic, 2, jesli nie mozesz przyjsc.",
		"Надішліть 1 - прийду, 2 - не зможу.",
		"Ответьте 1 - приду, 2 - не смогу.",
		"Reply 1 to confirm, 2 if you cannot come.",
	};
	struct sms_count	 c;
	time_t			 when[2] = { WED_9_DEC_10, FRI_27_MAR_18 };
	size_t			 w;
	int			 l;
	char			*t;

	(void)state;
	for (l = 0; l < LANG_COUNT; l++)
		for (w = 0; w < 2; w++) {
			t = visit_remind_text(cat, (enum lang)l, when[w],
			    "Anna", "ul. Długa 5", 1);
			assert_non_null(t);
			assert_int_equal(sms_text_count(t, strlen(t), 0, &c),
			    SMS_TEXT_OK);
			printf("  %s %-5s %zu part, %3zu units: %s\n",
			    lang_code((enum lang)l), c.coding ==
			    SMS_CODING_GSM7 ? "GSM-7" : "UCS-2", c.parts,
			    c.units, t);
			assert_int_equal(c.parts, 1);
			if (l == LANG_PL || l == LANG_EN)
				assert_int_equal(c.coding, SMS_CODING_GSM7);
			assert_non_null(strstr(t, tail[l]));
			assert_null(strstr(t, "%"));
			free(t);
		}
}

static void
test_visit_remind_notices_in_every_language(void **state)
{
	struct sms_count	 c;
	int			 l, sms;
	char			*t;

	(void)state;
	for (l = 0; l < LANG_COUNT; l++)
		for (sms = 0; sms <= 1; sms++) {
			t = visit_remind_notice_text(cat, (enum lang)l,
			    WED_9_DEC_10, FRI_27_MAR_18, sms);
			assert_non_null(t);
			assert_null(strstr(t, "%"));
			assert_int_equal(sms_text_count(t, strlen(t), 0, &c),
			    SMS_TEXT_OK);
			printf("  moved %s %s %zu part: %s\n",
			    lang_code((enum lang)l), c.coding ==
			    SMS_CODING_GSM7 ? "GSM-7" : "UCS-2", c.parts, t);
			if (sms)
				assert_int_equal(c.parts, 1);
			free(t);
			t = visit_remind_notice_text(cat, (enum lang)l,
			    WED_9_DEC_10, 0, sms);
			assert_non_null(t);
			assert_null(strstr(t, "%"));
			printf("  cancelled %s: %s\n",
			    lang_code((enum lang)l), t);
			free(t);
		}
	t = visit_remind_notice_text(cat, LANG_PL, WED_9_DEC_10, 0, 0);
	assert_string_equal(t, "Twoja wizyta w środę, 9 grudnia, o 10:00 "
	    "została odwołana.");
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visit_remind_dates_in_words),
		cmocka_unit_test(test_visit_remind_sms_fits_one_part),
		cmocka_unit_test(test_visit_remind_notices_in_every_language),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
