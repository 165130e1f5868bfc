/*
 * The SMS parts sent in a calendar month (Europe/Warsaw), every kind
 * counted: conversation, reminders, notices, broadcasts, fallbacks. The
 * figure `asystentctl status` shows and the monthly budget is checked
 * against, with what the broadcasts not sent yet reserve. Kept in the
 * meta table, one key a month ("sms_parts.2026-12"), added to in the
 * transaction that records each SMS sent.
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

/* The local month of `t`, "2026-12". */
#define SMS_MONTH_NAME_LEN	24
int	sms_month_name(time_t t, char *name, size_t len)
	    __attribute__((warn_unused_result));
/* 1 when `a` and `b` are in one local month. */
int	sms_month_same(time_t a, time_t b);
/*
 * When a send counts against the budget: a broadcast scheduled for a
 * later month reserves that month's parts, one due now (or late) this
 * month's.
 */
time_t	sms_month_of_send(time_t now, time_t at);

/*
 * A month's budget as a broadcast's send is checked against it: parts
 * sent in the month, parts the broadcasts queued, scheduled or sending
 * still reserve (not sent yet, so none counts twice) and the parts this
 * one asks for, at a price a part (zł).
 */
struct sms_budget {
	int64_t		 sent;
	int64_t		 reserved;
	int64_t		 asked;
	double		 price;
	double		 budget;	/* zł; 0: none */
};

/* 1 when they fit (no budget, or nothing asked, always fits), else 0. */
int	sms_budget_fits(const struct sms_budget *b);

#endif
