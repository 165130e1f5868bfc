/* The month's SMS parts (include/smsmonth.h), in the meta table. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smsmonth.h"
#include "store.h"

int
sms_month_name(time_t t, char *name, size_t len)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	snprintf(name, len, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	return 0;
}

/* "sms_parts.2026-12": the local month of `now`. */
static int
sms_month_key(time_t now, char *key, size_t len)
{
	char	 name[SMS_MONTH_NAME_LEN];

	if (sms_month_name(now, name, sizeof name) == -1)
		return -1;
	snprintf(key, len, "sms_parts.%s", name);
	return 0;
}

int
sms_month_same(time_t a, time_t b)
{
	char	 x[SMS_MONTH_NAME_LEN], y[SMS_MONTH_NAME_LEN];

	if (sms_month_name(a, x, sizeof x) == -1 ||
	    sms_month_name(b, y, sizeof y) == -1)
		return 0;
	return strcmp(x, y) == 0;
}

time_t
sms_month_of_send(time_t now, time_t at)
{
	return at > now ? at : now;
}

int
sms_budget_fits(const struct sms_budget *b)
{
	int64_t	 parts = b->sent + b->reserved + b->asked;

	if (b->budget <= 0 || b->asked <= 0)
		return 1;
	/* In grosze, so that 0.1 * 3 fits 0.30 zł. */
	return (int64_t)(parts * b->price * 100 + 0.5) <=
	    (int64_t)(b->budget * 100 + 0.5);
}

int
sms_month_parts(struct store *st, time_t now, int64_t *parts)
{
	char	 key[40];
	int	 found;

	*parts = 0;
	if (sms_month_key(now, key, sizeof key) == -1 ||
	    store_meta_get(st, key, parts, &found) == -1)
		return -1;
	if (!found)
		*parts = 0;
	return 0;
}

int
sms_month_add(struct store *st, time_t now, int64_t parts)
{
	char	 key[40];
	int64_t	 have;

	if (parts <= 0)
		return 0;
	if (sms_month_parts(st, now, &have) == -1 ||
	    sms_month_key(now, key, sizeof key) == -1)
		return -1;
	return store_meta_set(st, key, have + parts);
}
