/* Unit tests for daemon/core/phone.c: normalisation to E.164. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "phone.h"

static void
expect_ok(const char *in, const char *want)
{
	char		 out[PHONE_MAX];
	const char	*why = NULL;

	if (phone_normalize(in, out, &why) != 0)
		fail_msg("\"%s\" refused: %s", in, why);
	assert_string_equal(out, want);
}

static void
expect_bad(const char *in)
{
	char		 out[PHONE_MAX];
	const char	*why = NULL;

	if (phone_normalize(in, out, &why) == 0)
		fail_msg("\"%s\" accepted as %s", in, out);
	assert_non_null(why);
	assert_string_equal(out, "");
}

static void
test_phone_polish_without_code_gets_48(void **state)
{
	(void)state;
	expect_ok("601234567", "+48601234567");
	expect_ok("601 234 567", "+48601234567");
	expect_ok("601-234-567", "+48601234567");
	expect_ok("(58) 555 12 34", "+48585551234");
	expect_ok("601.234.567", "+48601234567");
}

static void
test_phone_polish_with_code(void **state)
{
	(void)state;
	expect_ok("+48601234567", "+48601234567");
	expect_ok("+48 601 234 567", "+48601234567");
	expect_ok("0048 601 234 567", "+48601234567");
	expect_ok("0048601234567", "+48601234567");
}

static void
test_phone_polish_wrong_length_refused(void **state)
{
	(void)state;
	expect_bad("+48 60123456");
	expect_bad("+48 6012345678");
	expect_bad("60123456");
	expect_bad("6012345678");
	expect_bad("48601234567");	/* no + or 00: not a country code */
	expect_bad("0601234567");	/* trunk zero is not Polish */
}

static void
test_phone_ukrainian(void **state)
{
	(void)state;
	expect_ok("+380 67 123 45 67", "+380671234567");
	expect_ok("00380671234567", "+380671234567");
	expect_bad("+380 67 123 45 6");
	expect_bad("+380 67 123 45 678");
}

static void
test_phone_other_countries(void **state)
{
	(void)state;
	expect_ok("+49 30 1234567", "+49301234567");
	expect_ok("+1 (202) 555-0143", "+12025550143");
	expect_ok("+995 555 12 34 56", "+995555123456");
	expect_ok("+123456789012345", "+123456789012345");	/* 15 */
	expect_bad("+1234567");					/* 7 */
	expect_bad("+1234567890123456");			/* 16 */
	expect_bad("+0123456789");
}

static void
test_phone_garbage_refused(void **state)
{
	char	 big[201];

	(void)state;
	expect_bad("");
	expect_bad("   ");
	expect_bad("+");
	expect_bad("60123456a");
	expect_bad("tel:601234567");
	expect_bad("601234567 ext 12");
	expect_bad("++48601234567");
	expect_bad("+48+601234567");
	expect_bad("601\n234567");
	memset(big, '1', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	expect_bad(big);
	memset(big, ' ', sizeof big - 1);
	memcpy(big + 150, "601234567", 9);
	expect_bad(big);	/* over the input cap, though only 9 digits */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_polish_without_code_gets_48),
		cmocka_unit_test(test_phone_polish_with_code),
		cmocka_unit_test(test_phone_polish_wrong_length_refused),
		cmocka_unit_test(test_phone_ukrainian),
		cmocka_unit_test(test_phone_other_countries),
		cmocka_unit_test(test_phone_garbage_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
