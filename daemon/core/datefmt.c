/*
 * Calendar dates in words for notices. Kept apart from i18n.c's
 * date-and-time formatting, which reads a moment in the local zone; a
 * notice's date is a calendar day and has no zone.
 */
#include <stdio.h>
#include <string.h>

#include "datefmt.h"
#include "i18n.h"
#include "validate.h"

int
datefmt_words(const struct i18n *i, enum lang lang, const char *ymd,
    char *buf, size_t len)
{
	const char	*month;
	char		 num[4];
	int		 y, m, d, r;

	if (ymd == NULL || buf == NULL || len == 0 || validate_date(ymd) == -1)
		return -1;
	if (sscanf(ymd, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	(void)snprintf(num, sizeof num, "%d", m);
	month = i18n_pget(i, lang, "month-gen", num);
	/* Without a month name, digits beat "1 2 2027". */
	if (month == num)
		r = snprintf(buf, len, "%02d.%02d.%d", d, m, y);
	else
		r = snprintf(buf, len, "%d %s %d", d, month, y);
	if (r < 0 || (size_t)r >= len)
		return -1;
	return 0;
}
