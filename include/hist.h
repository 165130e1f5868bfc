/*
 * Latency histograms in fixed buckets, 1 ms to 30 s, as Prometheus takes
 * them. Durations are microseconds, so that the sum stays exact; each
 * bucket counts what fell into it alone, and the exposition adds them up.
 * A struct hist is plain data: zeroed, it is empty; copied, a snapshot.
 */
#ifndef ASYSTENT_HIST_H
#define ASYSTENT_HIST_H

#include <stdint.h>

#define HIST_NBOUNDS	10

struct hist {
	uint64_t	 bucket[HIST_NBOUNDS + 1];	/* last: over 30 s */
	uint64_t	 count;
	uint64_t	 sum_us;
};

/* The buckets' upper bounds in microseconds, ascending (1 ms ... 30 s). */
extern const int64_t hist_bounds_us[HIST_NBOUNDS];

/*
 * Records `n` durations of `us` each; a negative one (a clock that went
 * back) counts as 0. `h` may be NULL: nothing is recorded.
 */
void	hist_add(struct hist *h, int64_t us, uint64_t n);
/* How many durations are at most hist_bounds_us[i] (i < HIST_NBOUNDS). */
uint64_t hist_cumulative(const struct hist *h, int i);

#endif
