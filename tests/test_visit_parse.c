/* Unit tests of /visit's arguments (conv/visit_parse.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "unit/fixture.h"
#include "visit_parse.h"

/* "Today" is Monday 2026-12-07. */
#define TODAY	2026, 12, 7, 1

static void
expect(const char *args, int y, int mon, int d, int hh, int mm,
    const char *kind, const char *place)
{
	struct visit_parsed	 vp;

	assert_int_equal(visit_parse(args, TODAY, &vp), VISIT_PARSE_OK);
	assert_string_equal(vp.code, "R-0042");
	assert_int_equal(vp.y, y);
	assert_int_equal(vp.mon, mon);
	assert_int_equal(vp.d, d);
	assert_int_equal(vp.hh, hh);
	assert_int_equal(vp.mm, mm);
	assert_string_equal(vp.kind, kind);
	assert_string_equal(vp.place, place);
}

static void
test_visit_parse_dates_words_and_weekdays(void **state)
{
	(void)state;
	expect("R-0042 9.12 10:00 biuro", 2026, 12, 9, 10, 0, "office", "");
	expect("r-0042 9.12.2027 9.30 dom ul. Długa 5", 2027, 12, 9, 9, 30,
	    "home", "ul. Długa 5");
	/* Past this year: next year's. */
	expect("R-0042 3.1 8 świetlica", 2027, 1, 3, 8, 0, "home",
	    "świetlica");
	expect("R-0042 jutro 10:00", 2026, 12, 8, 10, 0, "home", "");
	expect("R-0042 dziś 16:15 Biuro pokój 3", 2026, 12, 7, 16, 15,
	    "office", "pokój 3");
	expect("R-0042 завтра 11:00 офіс", 2026, 12, 8, 11, 0, "office", "");
	expect("R-0042 środa 10:00", 2026, 12, 9, 10, 0, "home", "");
	expect("R-0042 середу 10:00", 2026, 12, 9, 10, 0, "home", "");
	expect("R-0042 пʼятницю 10:00", 2026, 12, 11, 10, 0, "home", "");
	/* Today's weekday is next week's. */
	expect("R-0042 poniedziałek 10:00", 2026, 12, 14, 10, 0, "home", "");
	expect("R-0042 31.12 23:59", 2026, 12, 31, 23, 59, "home", "");
}

static void
test_visit_parse_refuses_what_it_cannot_read(void **state)
{
	struct visit_parsed	 vp;

	(void)state;
	assert_int_equal(visit_parse("", TODAY, &vp), VISIT_PARSE_NO_CODE);
	assert_int_equal(visit_parse(NULL, TODAY, &vp), VISIT_PARSE_NO_CODE);
	assert_int_equal(visit_parse("R-0042", TODAY, &vp),
	    VISIT_PARSE_BAD_DAY);
	assert_int_equal(visit_parse("R-0042 30.2 10:00", TODAY, &vp),
	    VISIT_PARSE_BAD_DAY);
	assert_int_equal(visit_parse("R-0042 kiedyś 10:00", TODAY, &vp),
	    VISIT_PARSE_BAD_DAY);
	assert_int_equal(visit_parse("R-0042 9.12", TODAY, &vp),
	    VISIT_PARSE_BAD_TIME);
	assert_int_equal(visit_parse("R-0042 9.12 25:00", TODAY, &vp),
	    VISIT_PARSE_BAD_TIME);
	assert_int_equal(visit_parse("R-0042 9.12 10:7", TODAY, &vp),
	    VISIT_PARSE_BAD_TIME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visit_parse_dates_words_and_weekdays),
		cmocka_unit_test(test_visit_parse_refuses_what_it_cannot_read),
	};

	return cmocka_run_group_tests(tests, fixture_warsaw_setup, NULL);
}
