/* Unit tests for daemon/core/hist.c: which bucket a duration falls in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

static void
test_hist_bound_belongs_to_its_own_bucket(void **state)
{
	struct hist	 h;

	(void)state;
	memset(&h, 0, sizeof h);
	hist_add(&h, 1000, 1);		/* le 0.001 */
	hist_add(&h, 1001, 1);		/* le 0.005 */
	hist_add(&h, 30000000, 1);	/* le 30 */
	hist_add(&h, 30000001, 1);	/* only +Inf */
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[HIST_NBOUNDS - 1], 1);
	assert_int_equal(h.bucket[HIST_NBOUNDS], 1);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.sum_us, 1000 + 1001 + 30000000 + 30000001);
}

static void
test_hist_cumulative_counts_never_decrease(void **state)
{
	struct hist	 h;
	int		 i;

	(void)state;
	memset(&h, 0, sizeof h);
	hist_add(&h, 0, 2);
	hist_add(&h, 70000, 3);		/* le 0.1 */
	hist_add(&h, 2000000, 1);	/* le 5 */
	hist_add(&h, 60000000, 1);	/* +Inf */
	assert_int_equal(hist_cumulative(&h, 0), 2);
	assert_int_equal(hist_cumulative(&h, 3), 2);
	assert_int_equal(hist_cumulative(&h, 4), 5);
	assert_int_equal(hist_cumulative(&h, 7), 6);
	assert_int_equal(hist_cumulative(&h, HIST_NBOUNDS - 1), 6);
	for (i = 1; i < HIST_NBOUNDS; i++)
		assert_true(hist_cumulative(&h, i) >=
		    hist_cumulative(&h, i - 1));
	assert_int_equal(h.count, 7);
}

static void
test_hist_negative_duration_counts_as_zero(void **state)
{
	struct hist	 h;

	(void)state;
	memset(&h, 0, sizeof h);
	hist_add(&h, -5, 1);
	assert_int_equal(h.bucket[0], 1);
	assert_int_equal(h.sum_us, 0);
	/* No histogram, nothing recorded; no count, nothing either. */
	hist_add(NULL, 10, 1);
	hist_add(&h, 10, 0);
	assert_int_equal(h.count, 1);
}

static void
test_hist_bounds_ascend_from_1ms_to_30s(void **state)
{
	int	 i;

	(void)state;
	assert_int_equal(hist_bounds_us[0], 1000);
	assert_int_equal(hist_bounds_us[HIST_NBOUNDS - 1], 30000000);
	for (i = 1; i < HIST_NBOUNDS; i++)
		assert_true(hist_bounds_us[i] > hist_bounds_us[i - 1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_bound_belongs_to_its_own_bucket),
		cmocka_unit_test(test_hist_cumulative_counts_never_decrease),
		cmocka_unit_test(test_hist_negative_duration_counts_as_zero),
		cmocka_unit_test(test_hist_bounds_ascend_from_1ms_to_30s),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
