/*
 * Unit tests for the month's SMS figure (daemon/store/smsmonth.c): parts
 * add up within a calendar month in Warsaw time and a new month starts
 * at zero.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "smsmonth.h"
#include "store.h"
#include "unit/fixture.h"

/* 2026-12-31 22:59:59 UTC is still December in Warsaw (UTC+1). */
#define DEC_LAST	1798757999
#define JAN_FIRST	(DEC_LAST + 1)

static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fixture_warsaw();
	if (fx == NULL || fixture_setup(fx, "smsmonth", FIXTURE_STORE) == -1) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;
	int		 rc = fixture_teardown(fx);

	free(fx);
	return rc;
}

static void
test_smsmonth_parts_add_up_within_a_local_month(void **state)
{
	struct fixture	*fx = *state;
	int64_t		 parts = -1;

	assert_int_equal(sms_month_parts(fx->st, DEC_LAST, &parts), 0);
	assert_int_equal(parts, 0);
	assert_int_equal(sms_month_add(fx->st, DEC_LAST - 86400 * 20, 2), 0);
	assert_int_equal(sms_month_add(fx->st, DEC_LAST, 3), 0);
	assert_int_equal(sms_month_add(fx->st, DEC_LAST, 0), 0);
	assert_int_equal(sms_month_parts(fx->st, DEC_LAST, &parts), 0);
	assert_int_equal(parts, 5);
	/* Midnight in Warsaw starts January, an hour before UTC's. */
	assert_int_equal(sms_month_parts(fx->st, JAN_FIRST, &parts), 0);
	assert_int_equal(parts, 0);
	assert_int_equal(sms_month_add(fx->st, JAN_FIRST, 1), 0);
	assert_int_equal(sms_month_parts(fx->st, JAN_FIRST, &parts), 0);
	assert_int_equal(parts, 1);
	assert_int_equal(sms_month_parts(fx->st, DEC_LAST, &parts), 0);
	assert_int_equal(parts, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_smsmonth_parts_add_up_within_a_local_month, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
