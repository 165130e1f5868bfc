/*
 * Unit tests for office hours and Polish public holidays (daemon/core/hours.c),
 * against the table in ../shared/reference/localization.md §5. Expected
 * instants are written in UTC, so they do not depend on the code's own
 * time-zone arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hours.h"
#include "unit/fixture.h"

static const char *const week_default[7] = {
	"07:30-15:30", "07:30-15:30", "07:30-15:30", "07:30-15:30",
	"07:30-15:30", "closed", "closed",
};

struct ymd {
	int	 y, m, d;
};

static int
setup(void **state)
{
	struct hours	*h;

	fixture_warsaw();
	if (hours_new(week_default, "", &h) == -1)
		return -1;
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	hours_free(*state);
	return 0;
}

/* The office opens next at `want`, counting from `from`. */
static void
opens_at(struct hours *h, time_t from, time_t want)
{
	time_t	 t;

	assert_int_equal(hours_next_open(h, from, &t), 0);
	assert_int_equal(t, want);
}

static int
count_holidays(int year)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 m, d, n = 0, len;

	for (m = 1; m <= 12; m++) {
		len = mdays[m - 1] + (m == 2 && year % 4 == 0 &&
		    (year % 100 != 0 || year % 400 == 0));
		for (d = 1; d <= len; d++)
			n += hours_is_holiday(year, m, d);
	}
	return n;
}

/* Each of the n days is a holiday. */
static void
all_holidays(const struct ymd *days, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!hours_is_holiday(days[i].y, days[i].m, days[i].d))
			fail_msg("%d-%02d-%02d is a holiday", days[i].y,
			    days[i].m, days[i].d);
}

static void
test_hours_holidays_2025_match_reference(void **state)
{
	static const struct ymd days[] = {
		{ 2025, 1, 1 }, { 2025, 1, 6 }, { 2025, 4, 20 },
		{ 2025, 4, 21 }, { 2025, 5, 1 }, { 2025, 5, 3 },
		{ 2025, 6, 8 }, { 2025, 6, 19 }, { 2025, 8, 15 },
		{ 2025, 11, 1 }, { 2025, 11, 11 }, { 2025, 12, 24 },
		{ 2025, 12, 25 }, { 2025, 12, 26 },
	};

	(void)state;
	all_holidays(days, sizeof days / sizeof days[0]);
	assert_int_equal(count_holidays(2025), 14);
	assert_false(hours_is_holiday(2025, 4, 19));	/* Holy Saturday */
	assert_false(hours_is_holiday(2025, 12, 27));
}

static void
test_hours_holidays_2026_match_reference(void **state)
{
	static const struct ymd days[] = {
		{ 2026, 1, 1 }, { 2026, 1, 6 }, { 2026, 4, 5 },
		{ 2026, 4, 6 }, { 2026, 5, 1 }, { 2026, 5, 3 },
		{ 2026, 5, 24 }, { 2026, 6, 4 }, { 2026, 8, 15 },
		{ 2026, 11, 1 }, { 2026, 11, 11 }, { 2026, 12, 24 },
		{ 2026, 12, 25 }, { 2026, 12, 26 },
	};

	(void)state;
	all_holidays(days, sizeof days / sizeof days[0]);
	assert_int_equal(count_holidays(2026), 14);
	assert_false(hours_is_holiday(2026, 4, 7));
	assert_false(hours_is_holiday(2026, 6, 5));
}

static void
test_hours_christmas_eve_only_from_2025(void **state)
{
	(void)state;
	assert_false(hours_is_holiday(2024, 12, 24));
	assert_int_equal(count_holidays(2024), 13);
	assert_true(hours_is_holiday(2030, 12, 24));
}

static void
test_hours_easter_2024_to_2030(void **state)
{
	static const struct ymd want[] = {
		{ 2024, 3, 31 }, { 2025, 4, 20 }, { 2026, 4, 5 },
		{ 2027, 3, 28 }, { 2028, 4, 16 }, { 2029, 4, 1 },
		{ 2030, 4, 21 },
	};
	size_t	 i;
	int	 m, d;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		hours_easter(want[i].y, &m, &d);
		assert_int_equal(m, want[i].m);
		assert_int_equal(d, want[i].d);
	}
}

static void
test_hours_open_within_hours_end_exclusive(void **state)
{
	struct hours	*h = *state;

	/* Tuesday 24 Nov 2026, CET (UTC+1). */
	assert_false(hours_is_open(h, fixture_utc(2026, 11, 24, 6, 29)));
	assert_true(hours_is_open(h, fixture_utc(2026, 11, 24, 6, 30)));
	assert_true(hours_is_open(h, fixture_utc(2026, 11, 24, 9, 0)));
	assert_true(hours_is_open(h, fixture_utc(2026, 11, 24, 14, 29)));
	assert_false(hours_is_open(h, fixture_utc(2026, 11, 24, 14, 30)));
	/* Saturday, and a holiday on a weekday (Easter Monday, CEST). */
	assert_false(hours_is_open(h, fixture_utc(2026, 11, 28, 9, 0)));
	assert_false(hours_is_open(h, fixture_utc(2026, 4, 6, 8, 0)));
	assert_true(hours_is_open(h, fixture_utc(2026, 4, 7, 8, 0)));
}

static void
test_hours_weekday_evening_opens_next_morning(void **state)
{
	/* Tuesday 19:00 -> Wednesday 7:30 CET. */
	opens_at(*state, fixture_utc(2026, 11, 24, 18, 0),
	    fixture_utc(2026, 11, 25, 6, 30));
	/* Early morning: the same day. */
	opens_at(*state, fixture_utc(2026, 11, 25, 4, 0),
	    fixture_utc(2026, 11, 25, 6, 30));
}

static void
test_hours_friday_evening_opens_monday(void **state)
{
	opens_at(*state, fixture_utc(2026, 11, 20, 18, 0),
	    fixture_utc(2026, 11, 23, 6, 30));
}

static void
test_hours_easter_saturday_opens_tuesday(void **state)
{
	/* Saturday 4 April 2026, CEST: Sunday and Monday are holidays. */
	opens_at(*state, fixture_utc(2026, 4, 4, 10, 0),
	    fixture_utc(2026, 4, 7, 5, 30));
	/* Easter Monday 10:00 as well. */
	opens_at(*state, fixture_utc(2026, 4, 6, 8, 0),
	    fixture_utc(2026, 4, 7, 5, 30));
}

static void
test_hours_christmas_2026_opens_on_the_28th(void **state)
{
	/* Wed 23 Dec 18:00: 24-26 holidays, 27 Sunday. */
	opens_at(*state, fixture_utc(2026, 12, 23, 17, 0),
	    fixture_utc(2026, 12, 28, 6, 30));
}

static void
test_hours_closed_days_are_honoured(void **state)
{
	static const char *const week[7] = {
		"07:30-15:30", "07:30-15:30", "07:30-15:30", "07:30-15:30",
		"07:30-15:30", "closed", "closed",
	};
	struct hours	*h;

	(void)state;
	assert_int_equal(hours_new(week, "2026-12-28, 2026-08-14", &h), 0);
	assert_true(hours_is_closed_day(h, 2026, 12, 28));
	assert_true(hours_is_closed_day(h, 2026, 8, 14));
	assert_false(hours_is_closed_day(h, 2026, 8, 13));
	assert_false(hours_is_open(h, fixture_utc(2026, 8, 14, 8, 0)));
	opens_at(h, fixture_utc(2026, 12, 23, 17, 0),
	    fixture_utc(2026, 12, 29, 6, 30));
	hours_free(h);
}

static void
test_hours_dst_spring_2026(void **state)
{
	/* Friday 27 March (CET) -> Monday 30 March 7:30 CEST. */
	opens_at(*state, fixture_utc(2026, 3, 27, 17, 0),
	    fixture_utc(2026, 3, 30, 5, 30));
	/* On the day of the change itself. */
	opens_at(*state, fixture_utc(2026, 3, 29, 0, 30),
	    fixture_utc(2026, 3, 30, 5, 30));
}

static void
test_hours_dst_autumn_2026(void **state)
{
	/* Friday 23 October (CEST) -> Monday 26 October 7:30 CET. */
	opens_at(*state, fixture_utc(2026, 10, 23, 14, 0),
	    fixture_utc(2026, 10, 26, 6, 30));
	assert_true(hours_is_open(*state, fixture_utc(2026, 10, 26, 6, 30)));
	assert_false(hours_is_open(*state, fixture_utc(2026, 10, 26, 6, 29)));
}

static void
test_hours_opening_in_the_gap_and_the_overlap(void **state)
{
	static const char *const week[7] = {
		"closed", "closed", "closed", "closed", "closed", "closed",
		"02:30-05:00",
	};
	struct hours	*h;

	(void)state;
	assert_int_equal(hours_new(week, NULL, &h), 0);
	/* 29 March 02:30 does not exist: it is 03:30 CEST (01:30Z). */
	opens_at(h, fixture_utc(2026, 3, 28, 12, 0),
	    fixture_utc(2026, 3, 29, 1, 30));
	/* 25 October 02:30 happens twice: the first, CEST (00:30Z). */
	opens_at(h, fixture_utc(2026, 10, 24, 12, 0),
	    fixture_utc(2026, 10, 25, 0, 30));
	hours_free(h);
}

static void
test_hours_bad_values_and_never_open(void **state)
{
	static const char *const bad[7] = {
		"7:30-15:30", "closed", "closed", "closed", "closed",
		"closed", "closed",
	};
	static const char *const shut[7] = {
		"closed", "closed", "closed", "closed", "closed", "closed",
		"closed",
	};
	struct hours	*h;
	time_t		 t;

	(void)state;
	assert_int_equal(hours_new(week_default, "2026-13-01", &h), -1);
	assert_null(h);
	assert_int_equal(hours_new(week_default, "2026-01-01;", &h), -1);
	assert_int_equal(hours_new(bad, "", &h), -1);
	assert_int_equal(hours_new(shut, "", &h), 0);
	assert_false(hours_is_open(h, fixture_utc(2026, 11, 24, 9, 0)));
	assert_int_equal(hours_next_open(h, fixture_utc(2026, 11, 24, 9, 0),
	    &t), -1);
	hours_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hours_holidays_2025_match_reference),
		cmocka_unit_test(test_hours_holidays_2026_match_reference),
		cmocka_unit_test(test_hours_christmas_eve_only_from_2025),
		cmocka_unit_test(test_hours_easter_2024_to_2030),
		cmocka_unit_test(test_hours_open_within_hours_end_exclusive),
		cmocka_unit_test(test_hours_weekday_evening_opens_next_morning),
		cmocka_unit_test(test_hours_friday_evening_opens_monday),
		cmocka_unit_test(test_hours_easter_saturday_opens_tuesday),
		cmocka_unit_test(test_hours_christmas_2026_opens_on_the_28th),
		cmocka_unit_test(test_hours_closed_days_are_honoured),
		cmocka_unit_test(test_hours_dst_spring_2026),
		cmocka_unit_test(test_hours_dst_autumn_2026),
		cmocka_unit_test(test_hours_opening_in_the_gap_and_the_overlap),
		cmocka_unit_test(test_hours_bad_values_and_never_open),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
