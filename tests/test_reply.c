/* Unit tests for text_expand() in daemon/conv/reply.c: catalog formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reply.h"

static void
assert_expands(const char *fmt, const char *const *args, size_t nargs,
    const char *want)
{
	char	*got;

	got = text_expand(fmt, args, nargs);
	assert_non_null(got);
	if (strcmp(got, want) != 0) {
		print_error("text_expand(\"%s\") = \"%s\", expected \"%s\"\n",
		    fmt, got, want);
		free(got);
		fail();
	}
	free(got);
}

static void
test_reply_expand_plain_text_is_unchanged(void **state)
{
	(void)state;
	assert_expands("", NULL, 0, "");
	assert_expands("Dzień dobry", NULL, 0, "Dzień dobry");
	assert_expands("Привіт, світ", NULL, 0, "Привіт, світ");
}

static void
test_reply_expand_s_in_order(void **state)
{
	const char *const	 args[] = { "Olena", "MOPS Kraków", "10:00" };

	(void)state;
	assert_expands("%s, %s zaprasza o %s.", args, 3,
	    "Olena, MOPS Kraków zaprasza o 10:00.");
	assert_expands("%s%s%s", args, 3, "OlenaMOPS Kraków10:00");
	/* Extra arguments are ignored. */
	assert_expands("Hi %s", args, 3, "Hi Olena");
}

static void
test_reply_expand_positional_args(void **state)
{
	const char *const	 args[] = { "A", "B", "C" };

	(void)state;
	assert_expands("%2$s %1$s", args, 2, "B A");
	assert_expands("%3$s-%3$s-%1$s", args, 3, "C-C-A");
	/* A translation may reorder what the source had in order. */
	assert_expands("о %2$s у %1$s", args, 2, "о B у A");
}

static void
test_reply_expand_nine_positional_args(void **state)
{
	const char *const	 args[] = { "1", "2", "3", "4", "5", "6", "7",
	    "8", "9" };

	(void)state;
	assert_expands("%9$s%8$s%7$s%6$s%5$s%4$s%3$s%2$s%1$s", args, 9,
	    "987654321");
	/* Past 9 is not a positional argument: copied as is. */
	assert_expands("%10$s", args, 9, "%10$s");
	assert_expands("%0$s", args, 9, "%0$s");
}

static void
test_reply_expand_double_percent(void **state)
{
	const char *const	 args[] = { "50" };

	(void)state;
	assert_expands("100%%", NULL, 0, "100%");
	assert_expands("%s%% zniżki", args, 1, "50% zniżki");
	assert_expands("%%s", args, 1, "%s");
	assert_expands("%%%%", NULL, 0, "%%");
}

static void
test_reply_expand_missing_args_become_empty(void **state)
{
	const char *const	 args[] = { "A", NULL };

	(void)state;
	assert_expands("[%s][%s]", args, 1, "[A][]");
	assert_expands("[%s][%s]", NULL, 0, "[][]");
	assert_expands("[%5$s]", args, 1, "[]");
	/* A NULL argument is missing too. */
	assert_expands("[%2$s]", args, 2, "[]");
}

static void
test_reply_expand_unknown_sequences_copied_as_is(void **state)
{
	const char *const	 args[] = { "A" };

	(void)state;
	assert_expands("%d %s", args, 1, "%d A");
	assert_expands("%n%x%p", args, 1, "%n%x%p");
	assert_expands("%1$d", args, 1, "%1$d");
	assert_expands("%1$", args, 1, "%1$");
	assert_expands("%1", args, 1, "%1");
	assert_expands("% s", args, 1, "% s");
}

static void
test_reply_expand_trailing_lone_percent(void **state)
{
	(void)state;
	assert_expands("50%", NULL, 0, "50%");
	assert_expands("%", NULL, 0, "%");
}

static void
test_reply_expand_argument_text_is_not_expanded_again(void **state)
{
	const char *const	 args[] = { "%s%2$s%%", "X" };

	(void)state;
	assert_expands("<%s|%s>", args, 2, "<%s%2$s%%|X>");
}

static void
test_reply_expand_long_text(void **state)
{
	const char *const	 args[] = { "abc" };
	char			*fmt, *want, *got;
	size_t			 n = 100000, i;

	(void)state;
	/* Many small pieces: the buffer grows without losing any. */
	fmt = malloc(4 * n + 1);
	want = malloc(3 * n + 1);
	assert_non_null(fmt);
	assert_non_null(want);
	for (i = 0; i < n; i++) {
		memcpy(fmt + 4 * i, "%1$s", 4);
		memcpy(want + 3 * i, "abc", 3);
	}
	fmt[4 * n] = '\0';
	want[3 * n] = '\0';
	got = text_expand(fmt, args, 1);
	assert_non_null(got);
	assert_int_equal(strlen(got), 3 * n);
	assert_string_equal(got, want);
	free(got);
	free(fmt);
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_expand_plain_text_is_unchanged),
		cmocka_unit_test(test_reply_expand_s_in_order),
		cmocka_unit_test(test_reply_expand_positional_args),
		cmocka_unit_test(test_reply_expand_nine_positional_args),
		cmocka_unit_test(test_reply_expand_double_percent),
		cmocka_unit_test(test_reply_expand_missing_args_become_empty),
		cmocka_unit_test(
		    test_reply_expand_unknown_sequences_copied_as_is),
		cmocka_unit_test(test_reply_expand_trailing_lone_percent),
		cmocka_unit_test(
		    test_reply_expand_argument_text_is_not_expanded_again),
		cmocka_unit_test(test_reply_expand_long_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
