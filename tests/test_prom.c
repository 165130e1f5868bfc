/*
 * Unit tests for daemon/metrics/prom.c: the Prometheus text format as
 * scrapers read it: HELP and TYPE lines, labels escaped, histogram
 * buckets adding up, seconds written exactly, bad names refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "hist.h"
#include "prom.h"

static int
setup(void **state)
{
	*state = prom_new();
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	prom_free(*state);
	return 0;
}

/* The page as a string; the test fails when the page is spoilt. */
static char *
page(struct prom *p)
{
	struct evbuffer	*b = prom_page(p);
	size_t		 n;
	char		*s;

	assert_non_null(b);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	assert_non_null(s);
	assert_int_equal(evbuffer_copyout(b, s, n), (ev_ssize_t)n);
	return s;
}

static void
assert_page(struct prom *p, const char *want)
{
	char	*got = page(p);

	if (strcmp(got, want) != 0)
		fail_msg("page:\n%s\nexpected:\n%s", got, want);
	free(got);
}

static void
test_prom_family_and_samples_with_and_without_labels(void **state)
{
	struct prom	*p = *state;

	prom_family(p, "asystent_sends_total", PROM_COUNTER, "Sends.");
	prom_uint(p, "asystent_sends_total", (const char *const []){
	    "channel", "telegram", "result", "sent", NULL }, 12);
	prom_family(p, "asystent_inbound_pending", PROM_GAUGE, "Pending.");
	prom_int(p, "asystent_inbound_pending", NULL, -3);
	prom_family(p, "asystent_uptime_seconds", PROM_GAUGE, "Up.");
	prom_ms(p, "asystent_uptime_seconds", NULL, 61250);
	prom_ms(p, "asystent_uptime_seconds", NULL, 4000);
	prom_ms(p, "asystent_uptime_seconds", NULL, 0);
	prom_ms(p, "asystent_uptime_seconds", NULL, -5);
	assert_page(p,
	    "# HELP asystent_sends_total Sends.\n"
	    "# TYPE asystent_sends_total counter\n"
	    "asystent_sends_total{channel=\"telegram\",result=\"sent\"} 12\n"
	    "# HELP asystent_inbound_pending Pending.\n"
	    "# TYPE asystent_inbound_pending gauge\n"
	    "asystent_inbound_pending -3\n"
	    "# HELP asystent_uptime_seconds Up.\n"
	    "# TYPE asystent_uptime_seconds gauge\n"
	    "asystent_uptime_seconds 61.25\n"
	    "asystent_uptime_seconds 4\n"
	    "asystent_uptime_seconds 0\n"
	    "asystent_uptime_seconds -0.005\n");
}

static void
test_prom_label_values_and_help_are_escaped(void **state)
{
	struct prom	*p = *state;

	prom_family(p, "x", PROM_GAUGE, "a \\ b\nc \"d\"");
	prom_int(p, "x", (const char *const []){ "v", "a\\b\"c\nd", NULL }, 1);
	prom_int(p, "x", (const char *const []){ "v", "", NULL }, 2);
	prom_int(p, "x", (const char *const []){ "v", "zażółć", NULL }, 3);
	/* In help a quote stays as it is; in a label value it is escaped. */
	assert_page(p,
	    "# HELP x a \\\\ b\\nc \"d\"\n"
	    "# TYPE x gauge\n"
	    "x{v=\"a\\\\b\\\"c\\nd\"} 1\n"
	    "x{v=\"\"} 2\n"
	    "x{v=\"zażółć\"} 3\n");
}

static void
test_prom_histogram_buckets_add_up_to_the_count(void **state)
{
	struct prom	*p = *state;
	struct hist	 h;

	memset(&h, 0, sizeof h);
	hist_add(&h, 500, 2);		/* le 0.001 */
	hist_add(&h, 7000, 1);		/* le 0.01 */
	hist_add(&h, 1000000, 1);	/* le 1 */
	hist_add(&h, 45000000, 1);	/* +Inf only */
	prom_family(p, "t_seconds", PROM_HISTOGRAM, "T.");
	prom_hist(p, "t_seconds", (const char *const []){ "c", "sms", NULL },
	    &h);
	assert_page(p,
	    "# HELP t_seconds T.\n"
	    "# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.001\"} 2\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.005\"} 2\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.01\"} 3\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.05\"} 3\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.1\"} 3\n"
	    "t_seconds_bucket{c=\"sms\",le=\"0.5\"} 3\n"
	    "t_seconds_bucket{c=\"sms\",le=\"1\"} 4\n"
	    "t_seconds_bucket{c=\"sms\",le=\"5\"} 4\n"
	    "t_seconds_bucket{c=\"sms\",le=\"10\"} 4\n"
	    "t_seconds_bucket{c=\"sms\",le=\"30\"} 4\n"
	    "t_seconds_bucket{c=\"sms\",le=\"+Inf\"} 5\n"
	    "t_seconds_sum{c=\"sms\"} 46.008\n"
	    "t_seconds_count{c=\"sms\"} 5\n");
}

static void
test_prom_empty_histogram_without_labels(void **state)
{
	struct prom	*p = *state;
	struct hist	 h;
	char		*s;

	memset(&h, 0, sizeof h);
	prom_hist(p, "t_seconds", NULL, &h);
	s = page(p);
	assert_non_null(strstr(s, "t_seconds_bucket{le=\"0.001\"} 0\n"));
	assert_non_null(strstr(s, "t_seconds_bucket{le=\"+Inf\"} 0\n"));
	assert_non_null(strstr(s, "\nt_seconds_sum 0\nt_seconds_count 0\n"));
	free(s);
}

static void
test_prom_bad_names_spoil_the_page(void **state)
{
	struct prom	*p = *state;
	struct prom	*q;

	prom_int(p, "9lives", NULL, 1);
	assert_null(prom_page(p));
	/* A counter's name ends in _total. */
	q = prom_new();
	assert_non_null(q);
	prom_family(q, "asystent_sends", PROM_COUNTER, "Sends.");
	assert_null(prom_page(q));
	prom_free(q);
	/* A label's name has no colon, nor a space. */
	q = prom_new();
	assert_non_null(q);
	prom_int(q, "a:b", (const char *const []){ "c:d", "x", NULL }, 1);
	assert_null(prom_page(q));
	prom_free(q);
	q = prom_new();
	assert_non_null(q);
	prom_int(q, "a", (const char *const []){ "c d", "x", NULL }, 1);
	assert_null(prom_page(q));
	prom_free(q);
	q = prom_new();
	assert_non_null(q);
	prom_int(q, "ns:a_b", (const char *const []){ "_c9", "x", NULL }, 1);
	assert_non_null(prom_page(q));
	prom_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_prom_family_and_samples_with_and_without_labels),
		T(test_prom_label_values_and_help_are_escaped),
		T(test_prom_histogram_buckets_add_up_to_the_count),
		T(test_prom_empty_histogram_without_labels),
		T(test_prom_bad_names_spoil_the_page),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
