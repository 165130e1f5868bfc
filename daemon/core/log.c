/* Logging to stderr in the `level key=value ...` form, journald-aware. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static enum log_level	log_level = LOGL_NOTICE;
static int		log_journal;

static const char *const log_names[] = {
	[LOGL_ERR] = "err",
	[LOGL_WARNING] = "warning",
	[LOGL_NOTICE] = "notice",
	[LOGL_INFO] = "info",
	[LOGL_DEBUG] = "debug",
};

void
log_init(enum log_level level)
{
	log_level = level;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name, enum log_level *out)
{
	int	 i;

	for (i = LOGL_ERR; i <= LOGL_DEBUG; i++) {
		if (strcmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	if (level < LOGL_ERR || level > LOGL_DEBUG)
		return "?";
	return log_names[level];
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char	 line[1024];
	size_t	 len;
	int	 saved = errno, n;

	if (level > log_level)
		return;
	/* One write per line, so lines from a dying process stay whole. */
	if (log_journal)
		n = snprintf(line, sizeof line, "<%d>%s ", (int)level,
		    log_level_name(level));
	else
		n = snprintf(line, sizeof line, "%s ", log_level_name(level));
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	len = strnlen(line, sizeof line - 1);
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
	errno = saved;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
