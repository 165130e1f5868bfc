/*
 * Unit tests for the centre's calendar (core/caltime.c) and when visits
 * are reminded (conv/reminders.c): both DST days of 2026, quiet hours,
 * a holiday. Expected instants are written in UTC, independent of the
 * code's own arithmetic.
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

#include "caltime.h"
#include "config.h"
#include "reminders.h"
#include "unit/fixture.h"

static void
cfg_default(struct reminders_cfg *rc)
{
	struct config	 cfg;
	char		*kinds[6] = { "", "", "", "", "", "" };

	memset(&cfg, 0, sizeof cfg);
	cfg.reminder_offsets = "1d@17:00,2h";
	cfg.reminder_quiet = "21:00-08:00";
	memcpy(cfg.reminder_kind, kinds, sizeof kinds);
	assert_int_equal(reminders_config(&cfg, rc, stderr), 0);
}

static void
test_caltime_parses_local_times_across_dst(void **state)
{
	time_t	 t;

	(void)state;
	assert_int_equal(caltime_parse("2026-12-09 10:00", &t), CALTIME_OK);
	assert_int_equal(t, fixture_utc(2026, 12, 9, 9, 0));
	assert_int_equal(caltime_parse("2026-07-01 10:00", &t), CALTIME_OK);
	assert_int_equal(t, fixture_utc(2026, 7, 1, 8, 0));
	assert_int_equal(caltime_parse("2026-03-29 02:30", &t),
	    CALTIME_NONEXISTENT);
	assert_int_equal(caltime_parse("2026-10-25 02:30", &t),
	    CALTIME_AMBIGUOUS);
	assert_int_equal(caltime_parse("2026-03-29 03:00", &t), CALTIME_OK);
	assert_int_equal(t, fixture_utc(2026, 3, 29, 1, 0));
	assert_int_equal(caltime_parse("2026-10-25 03:00", &t), CALTIME_OK);
	assert_int_equal(t, fixture_utc(2026, 10, 25, 2, 0));
	assert_int_equal(caltime_parse("2026-02-30 10:00", &t), CALTIME_BAD);
	assert_int_equal(caltime_parse("2026-12-09 24:00", &t), CALTIME_BAD);
	assert_int_equal(caltime_parse("9.12 10:00", &t), CALTIME_BAD);
	assert_int_equal(caltime_parse("2026-12-09 10:00x", &t), CALTIME_BAD);
}

static void
test_caltime_formats_local(void **state)
{
	char	 buf[CALTIME_LOCAL_MAX];

	(void)state;
	caltime_format(fixture_utc(2026, 10, 25, 0, 30), buf);
	assert_string_equal(buf, "2026-10-25 02:30");
	caltime_format(fixture_utc(2026, 10, 25, 1, 30), buf);
	assert_string_equal(buf, "2026-10-25 02:30");
}

static void
test_reminders_day_before_stays_17_across_spring_change(void **state)
{
	struct reminders_cfg	 rc;
	time_t			 out[REMINDERS_MAX];
	size_t			 n;

	(void)state;
	cfg_default(&rc);
	/* Monday 30 March 10:00 CEST; the 29th is 23 hours long. */
	n = reminders_plan(&rc, "home", fixture_utc(2026, 3, 30, 8, 0),
	    fixture_utc(2026, 3, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	/* 17:00 CEST the day before, 08:00 CEST on the day. */
	assert_int_equal(out[0], fixture_utc(2026, 3, 29, 15, 0));
	assert_int_equal(out[1], fixture_utc(2026, 3, 30, 6, 0));
}

static void
test_reminders_day_before_stays_17_across_autumn_change(void **state)
{
	struct reminders_cfg	 rc;
	time_t			 out[REMINDERS_MAX];
	size_t			 n;

	(void)state;
	cfg_default(&rc);
	/* Monday 26 October 12:00 CET; the 25th is 25 hours long. */
	n = reminders_plan(&rc, "office", fixture_utc(2026, 10, 26, 11, 0),
	    fixture_utc(2026, 10, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	/* 17:00 CET the day before, 10:00 CET on the day. */
	assert_int_equal(out[0], fixture_utc(2026, 10, 25, 16, 0));
	assert_int_equal(out[1], fixture_utc(2026, 10, 26, 9, 0));
	/* A visit at 04:00 on the change day: 2 real hours is 02:00 CEST. */
	n = reminders_plan(&rc, "office", fixture_utc(2026, 10, 25, 3, 0),
	    fixture_utc(2026, 10, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 1);		/* the 2 h one is quiet, and past */
	assert_int_equal(out[0], fixture_utc(2026, 10, 24, 15, 0));
}

static void
test_reminders_quiet_hours_move_to_their_end(void **state)
{
	struct reminders_cfg	 rc;
	time_t			 out[REMINDERS_MAX];
	size_t			 n;

	(void)state;
	cfg_default(&rc);
	/* 09:00: 2 h before is 07:00, quiet: at 08:00 instead. */
	n = reminders_plan(&rc, "home", fixture_utc(2026, 12, 9, 8, 0),
	    fixture_utc(2026, 12, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], fixture_utc(2026, 12, 8, 16, 0));
	assert_int_equal(out[1], fixture_utc(2026, 12, 9, 7, 0));
	/* 07:30: 2 h before is quiet and its end is past the visit. */
	n = reminders_plan(&rc, "home", fixture_utc(2026, 12, 9, 6, 30),
	    fixture_utc(2026, 12, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], fixture_utc(2026, 12, 8, 16, 0));
	/* 08:30: 2 h before (06:30) and the quiet end 08:00: one each. */
	n = reminders_plan(&rc, "home", fixture_utc(2026, 12, 9, 7, 30),
	    fixture_utc(2026, 12, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[1], fixture_utc(2026, 12, 9, 7, 0));
	/* 22:30: 2 h before is 20:30, not quiet. */
	n = reminders_plan(&rc, "outing", fixture_utc(2026, 12, 9, 21, 30),
	    fixture_utc(2026, 12, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[1], fixture_utc(2026, 12, 9, 19, 30));
}

static void
test_reminders_on_a_holiday_are_planned_as_any_day(void **state)
{
	struct reminders_cfg	 rc;
	time_t			 out[REMINDERS_MAX];
	size_t			 n;

	(void)state;
	cfg_default(&rc);
	/* Easter Monday 2026-04-06 10:00 CEST. */
	n = reminders_plan(&rc, "home", fixture_utc(2026, 4, 6, 8, 0),
	    fixture_utc(2026, 4, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], fixture_utc(2026, 4, 5, 15, 0));
	assert_int_equal(out[1], fixture_utc(2026, 4, 6, 6, 0));
}

static void
test_reminders_none_in_the_past(void **state)
{
	struct reminders_cfg	 rc;
	time_t			 out[REMINDERS_MAX];

	(void)state;
	cfg_default(&rc);
	/* Planned at 18:00 the day before: only the 2 h one is ahead. */
	assert_int_equal(reminders_plan(&rc, "home",
	    fixture_utc(2026, 12, 9, 9, 0),
	    fixture_utc(2026, 12, 8, 17, 0), out, REMINDERS_MAX), 1);
	/* Planned an hour before: nothing. */
	assert_int_equal(reminders_plan(&rc, "home",
	    fixture_utc(2026, 12, 9, 9, 0),
	    fixture_utc(2026, 12, 9, 8, 0), out, REMINDERS_MAX), 0);
}

static void
test_reminders_per_kind_and_bad_config(void **state)
{
	struct reminders_cfg	 rc;
	struct config		 cfg;
	time_t			 out[REMINDERS_MAX];
	FILE			*devnull = fopen("/dev/null", "w");
	size_t			 n;

	(void)state;
	assert_non_null(devnull);
	memset(&cfg, 0, sizeof cfg);
	cfg.reminder_offsets = "1d@17:00,2h";
	cfg.reminder_quiet = "";
	cfg.reminder_kind[3] = "3d@10:00,30m";	/* psychologist */
	assert_int_equal(reminders_config(&cfg, &rc, devnull), 0);
	n = reminders_plan(&rc, "psychologist", fixture_utc(2026, 12, 9, 9, 0),
	    fixture_utc(2026, 12, 1, 12, 0), out, REMINDERS_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], fixture_utc(2026, 12, 6, 9, 0));
	assert_int_equal(out[1], fixture_utc(2026, 12, 9, 8, 30));
	cfg.reminder_offsets = "1d@25:00";
	assert_int_equal(reminders_config(&cfg, &rc, devnull), -1);
	cfg.reminder_offsets = "2h,";
	assert_int_equal(reminders_config(&cfg, &rc, devnull), -1);
	cfg.reminder_offsets = "2h";
	cfg.reminder_quiet = "21:00";
	assert_int_equal(reminders_config(&cfg, &rc, devnull), -1);
	fclose(devnull);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caltime_parses_local_times_across_dst),
		cmocka_unit_test(test_caltime_formats_local),
		cmocka_unit_test(
		    test_reminders_day_before_stays_17_across_spring_change),
		cmocka_unit_test(
		    test_reminders_day_before_stays_17_across_autumn_change),
		cmocka_unit_test(test_reminders_quiet_hours_move_to_their_end),
		cmocka_unit_test(
		    test_reminders_on_a_holiday_are_planned_as_any_day),
		cmocka_unit_test(test_reminders_none_in_the_past),
		cmocka_unit_test(test_reminders_per_kind_and_bad_config),
	};

	return cmocka_run_group_tests(tests, fixture_warsaw_setup, NULL);
}
