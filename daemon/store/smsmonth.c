/* The month's SMS parts (include/smsmonth.h), in the meta table. */
#include <stdio.h>
#include <time.h>

#include "smsmonth.h"
#include "store.h"

/* "sms_parts.2026-12": the local month of `now`. */
static int
sms_month_key(time_t now, char *key, size_t len)
{
	struct tm	 tm;

	if (localtime_r(&now, &tm) == NULL)
		return -1;
	snprintf(key, len, "sms_parts.%04d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1);
	return 0;
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
