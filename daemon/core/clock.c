/* Wall-clock time, movable for tests of office hours and holidays. */
#include <errno.h>
#include <stdlib.h>

#include "clock.h"

static int64_t	clock_offset_ms;

static int64_t
clock_real_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
clock_init(void)
{
	const char	*v = getenv("ASYSTENT_FAKE_NOW");
	char		*end;
	long long	 t;

	clock_offset_ms = 0;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || t < 0 || t > 253402300799LL)
		return -1;
	clock_offset_ms = (int64_t)t * 1000 - clock_real_ms();
	return 1;
}

int64_t
clock_now_ms(void)
{
	return clock_real_ms() + clock_offset_ms;
}

time_t
clock_now(void)
{
	return (time_t)(clock_now_ms() / 1000);
}

int64_t
clock_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
