/*
 * The SMS parts sent in a calendar month (Europe/Warsaw), every kind
 * counted: conversation, reminders, notices, broadcasts, fallbacks. The
 * figure `asystentctl status` shows and the monthly budget is checked
 * against. Kept in the meta table, one key a month ("sms_parts.2026-12"),
 * added to in the transaction that records each SMS sent.
 */
#ifndef ASYSTENT_SMSMONTH_H
#define ASYSTENT_SMSMONTH_H

#include <stdint.h>
#include <time.h>

struct store;

/* Adds `parts` to the month of `now`; in the caller's transaction. */
int	sms_month_add(struct store *st, time_t now, int64_t parts)
	    __attribute__((warn_unused_result));
/* The parts sent in the month of `now` so far. */
int	sms_month_parts(struct store *st, time_t now, int64_t *parts)
	    __attribute__((warn_unused_result));

#endif
