/* Latency histograms: fixed buckets, exact sums in microseconds. */
#include <stddef.h>

#include "hist.h"

const int64_t hist_bounds_us[HIST_NBOUNDS] = {
	1000, 5000, 10000, 50000, 100000,
	500000, 1000000, 5000000, 10000000, 30000000
};

void
hist_add(struct hist *h, int64_t us, uint64_t n)
{
	int	 i;

	if (h == NULL || n == 0)
		return;
	if (us < 0)
		us = 0;
	/* A bucket takes what is at most its bound ("le"). */
	for (i = 0; i < HIST_NBOUNDS && us > hist_bounds_us[i]; i++)
		;
	h->bucket[i] += n;
	h->count += n;
	h->sum_us += (uint64_t)us * n;
}

uint64_t
hist_cumulative(const struct hist *h, int i)
{
	uint64_t	 c = 0;
	int		 j;

	for (j = 0; j <= i && j < HIST_NBOUNDS; j++)
		c += h->bucket[j];
	return c;
}
