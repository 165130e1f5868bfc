/*
 * Wall-clock time for everything that depends on the calendar: office
 * hours, holidays, reminders, retention. Tests move it with
 * ASYSTENT_FAKE_NOW (unix seconds, read once at start); from there it runs
 * at the real pace. Rate limiting and durations use the monotonic clock
 * instead.
 */
#ifndef ASYSTENT_CLOCK_H
#define ASYSTENT_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Reads ASYSTENT_FAKE_NOW; 1 when the clock was moved, -1 on a bad value. */
int	clock_init(void) __attribute__((warn_unused_result));
/* Milliseconds since the epoch. */
int64_t	clock_now_ms(void);
/* Seconds since the epoch. */
time_t	clock_now(void);
/* Microseconds of the monotonic clock: durations, never dates. */
int64_t	clock_mono_us(void);

#endif
