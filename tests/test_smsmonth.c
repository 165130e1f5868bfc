/*
 * Unit tests for the month's SMS figure (daemon/store/smsmonth.c): parts
 * add up within a calendar month in Warsaw time and a new month starts
 * at zero; the budget counts what is sent, what broadcasts reserve and
 * what a send asks, in the month the send is due.
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

static void
test_smsmonth_budget_counts_sent_reserved_and_asked(void **state)
{
	static const struct {
		struct sms_budget	 b;
		int			 fits;
	} cases[] = {
		/* 2 zł at 0.50 zł: four parts fit, a fifth does not. */
		{ { 0, 0, 4, 0.5, 2.0 }, 1 },
		{ { 0, 0, 5, 0.5, 2.0 }, 0 },
		/* Sent and reserved parts take their share, each once. */
		{ { 1, 2, 1, 0.5, 2.0 }, 1 },
		{ { 1, 3, 1, 0.5, 2.0 }, 0 },
		/* A reservation released (cancelled, done) frees its parts. */
		{ { 1, 0, 3, 0.5, 2.0 }, 1 },
		/* Grosze, not floating point: 3 parts at 0.10 zł fit 0.30. */
		{ { 0, 0, 3, 0.1, 0.3 }, 1 },
		/* No budget, or no SMS in the send: nothing is refused. */
		{ { 99, 0, 1, 1.0, 0 }, 1 },
		{ { 99, 0, 0, 1.0, 1.0 }, 1 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (sms_budget_fits(&cases[i].b) != cases[i].fits)
			fail_msg("case %zu: fits should be %d", i,
			    cases[i].fits);
}

static void
test_smsmonth_a_send_counts_in_the_month_it_is_due(void **state)
{
	char	 name[SMS_MONTH_NAME_LEN];

	(void)state;
	/* Due now, or late: this month. Scheduled for January: January. */
	assert_true(sms_month_same(sms_month_of_send(DEC_LAST, 0), DEC_LAST));
	assert_true(sms_month_same(sms_month_of_send(DEC_LAST,
	    DEC_LAST - 86400), DEC_LAST));
	assert_true(sms_month_same(sms_month_of_send(DEC_LAST, JAN_FIRST),
	    JAN_FIRST));
	assert_false(sms_month_same(sms_month_of_send(DEC_LAST, JAN_FIRST),
	    DEC_LAST));
	/* One scheduled for December still sending in January: January. */
	assert_true(sms_month_same(sms_month_of_send(JAN_FIRST, DEC_LAST),
	    JAN_FIRST));
	assert_int_equal(sms_month_name(JAN_FIRST, name, sizeof name), 0);
	assert_string_equal(name, "2027-01");
	assert_int_equal(sms_month_name(DEC_LAST, name, sizeof name), 0);
	assert_string_equal(name, "2026-12");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_smsmonth_parts_add_up_within_a_local_month, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_smsmonth_budget_counts_sent_reserved_and_asked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_smsmonth_a_send_counts_in_the_month_it_is_due, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
