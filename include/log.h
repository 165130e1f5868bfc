/* Logging: one stderr line per event, level then key=value pairs. */
#ifndef ASYSTENT_LOG_H
#define ASYSTENT_LOG_H

#include <stdarg.h>

/* The numbers are syslog's, so journald can keep them as <N> prefixes. */
enum log_level {
	LOGL_ERR = 3,		/* an operator must act */
	LOGL_WARNING = 4,	/* retried, or rejected input */
	LOGL_NOTICE = 5,	/* start, stop, reload */
	LOGL_INFO = 6,		/* per message */
	LOGL_DEBUG = 7		/* off by default */
};

/* Reads $JOURNAL_STREAM once; `level` is the most verbose level printed. */
void	log_init(enum log_level level);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* "err", "warning", "notice", "info", "debug" -> 0 and *out; else -1. */
int	log_level_parse(const char *name, enum log_level *out)
	    __attribute__((warn_unused_result));
const char *log_level_name(enum log_level level);

/*
 * `fmt` continues the line after the level word, e.g.
 * log_msg(LOGL_INFO, "event=outbox.sent outbox_id=%lld", id).
 * errno is preserved. Never pass personal data, tokens or URLs.
 */
void	log_msg(enum log_level level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#define log_err(...)	log_msg(LOGL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOGL_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOGL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOGL_DEBUG, __VA_ARGS__)

#endif
