/* Configuration: one table of keys, parsed with inih, all errors reported. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "xmalloc.h"

enum cfg_type {
	CFG_STRING,
	CFG_HOURS,	/* "HH:MM-HH:MM" or "closed" */
	CFG_DATES,	/* "YYYY-MM-DD,YYYY-MM-DD" or empty */
	CFG_LISTEN,	/* "address:port" or empty */
	CFG_INT,
	CFG_DOUBLE,
	CFG_LOG_LEVEL,
	CFG_TG_MODE,
	CFG_SMS_DRIVER,
	CFG_LEGAL_BASIS
};

struct cfg_key {
	const char	*section;
	const char	*name;
	enum cfg_type	 type;
	size_t		 offset;
	const char	*def;		/* NULL: unset */
	double		 min, max;	/* numbers only */
	const char	*help;
};

#define OFF(f)	offsetof(struct config, f)

static const struct cfg_key cfg_keys[] = {
	{ "daemon", "database", CFG_STRING, OFF(database),
	  "/var/lib/asystent/asystent.db", 0, 0,
	  "SQLite database file (created 0600)" },
	{ "daemon", "key_file", CFG_STRING, OFF(key_file),
	  "/etc/asystent/keys/master.key", 0, 0,
	  "32-byte master key, mode 0600, in a directory of the daemon's "
	  "user (a rotation writes beside it); a systemd credential "
	  "$CREDENTIALS_DIRECTORY/master.key is used instead, and cannot be "
	  "rotated" },
	{ "daemon", "keystore", CFG_STRING, OFF(keystore), "", 0, 0,
	  "families' keys, wrapped by the master key, mode 0600; backed up "
	  "apart from the database (default: the database's path + .keys)" },
	{ "daemon", "rotate_slice", CFG_INT, OFF(rotate_slice), "500", 1,
	  100000, "rows sealed again a slice of a key rotation (one "
	  "transaction each)" },
	{ "daemon", "admin_socket", CFG_STRING, OFF(admin_socket),
	  "/run/asystent/admin.sock", 0, 0,
	  "Unix socket of the admin API (mode 0660)" },
	{ "daemon", "log_level", CFG_LOG_LEVEL, OFF(log_level), "notice", 0, 0,
	  "err, warning, notice, info or debug" },
	{ "daemon", "timezone", CFG_STRING, OFF(timezone), "Europe/Warsaw", 0,
	  0, "time zone of office hours and dates shown to people" },
	{ "daemon", "centre_name", CFG_STRING, OFF(centre_name), "MOPS", 0, 0,
	  "the centre's name, shown to families" },
	{ "daemon", "centre_contact", CFG_STRING, OFF(centre_contact), "", 0, 0,
	  "the centre's phone or address, shown to families" },
	{ "daemon", "catalog_dir", CFG_STRING, OFF(catalog_dir),
	  ASYSTENT_DATADIR "/messages", 0, 0,
	  "directory of the compiled catalogs (pl.mo, uk.mo, ru.mo, en.mo)" },

	{ "telegram", "token_file", CFG_STRING, OFF(token_file), NULL, 0, 0,
	  "file holding the bot token (ASYSTENT_TELEGRAM_TOKEN overrides)" },
	{ "telegram", "api_root", CFG_STRING, OFF(api_root),
	  "https://api.telegram.org", 0, 0,
	  "Bot API root URL (ASYSTENT_TELEGRAM_API_ROOT overrides)" },
	{ "telegram", "mode", CFG_TG_MODE, OFF(mode), "polling", 0, 0,
	  "polling (webhook is not available yet)" },
	{ "telegram", "poll_timeout", CFG_INT, OFF(poll_timeout), "50", 0, 50,
	  "getUpdates long-poll seconds" },
	{ "telegram", "request_timeout", CFG_INT, OFF(request_timeout), "30", 1,
	  300, "seconds before a Bot API request is abandoned" },

	{ "limits", "global_per_second", CFG_DOUBLE, OFF(global_per_second),
	  "30", 0, 100000, "messages per second for the whole bot (0: off)" },
	{ "limits", "per_chat_per_second", CFG_DOUBLE,
	  OFF(per_chat_per_second), "1", 0, 1000,
	  "messages per second to one chat (0: off)" },
	{ "limits", "per_group_per_minute", CFG_INT, OFF(per_group_per_minute),
	  "20", 0, 100000, "messages per minute to one group chat (0: off)" },

	{ "outbox", "max_attempts", CFG_INT, OFF(max_attempts), "12", 1, 1000,
	  "attempts before a message fails on server or network errors" },
	{ "outbox", "backoff_initial_ms", CFG_INT, OFF(backoff_initial_ms),
	  "1000", 1, 3600000, "first retry delay; doubles, with jitter" },
	{ "outbox", "backoff_max_s", CFG_INT, OFF(backoff_max_s), "600", 1,
	  86400, "longest retry delay" },
	{ "outbox", "max_in_flight", CFG_INT, OFF(max_in_flight), "64", 1,
	  1024, "messages being sent at once" },
	{ "outbox", "auth_pause_s", CFG_INT, OFF(auth_pause_s), "60", 1, 3600,
	  "pause of a channel whose credentials were refused (401)" },
	{ "outbox", "receipt_ttl_s", CFG_INT, OFF(receipt_ttl_s), "600", 1,
	  86400, "a receipt (reaction, removing used buttons) not sent by "
	  "then is given up" },
	{ "outbox", "receipt_max_attempts", CFG_INT,
	  OFF(receipt_max_attempts), "3", 1, 100,
	  "attempts before a receipt fails" },

	{ "invitations", "ttl_days", CFG_INT, OFF(invitation_ttl_days), "14",
	  1, 365, "days before an invitation code expires" },

	{ "hours", "monday", CFG_HOURS, OFF(hours[0]), "07:30-15:30", 0, 0,
	  "office hours (HH:MM-HH:MM, or closed), Europe/Warsaw time" },
	{ "hours", "tuesday", CFG_HOURS, OFF(hours[1]), "07:30-15:30", 0, 0,
	  "office hours" },
	{ "hours", "wednesday", CFG_HOURS, OFF(hours[2]), "07:30-15:30", 0, 0,
	  "office hours" },
	{ "hours", "thursday", CFG_HOURS, OFF(hours[3]), "07:30-15:30", 0, 0,
	  "office hours" },
	{ "hours", "friday", CFG_HOURS, OFF(hours[4]), "07:30-15:30", 0, 0,
	  "office hours" },
	{ "hours", "saturday", CFG_HOURS, OFF(hours[5]), "closed", 0, 0,
	  "office hours" },
	{ "hours", "sunday", CFG_HOURS, OFF(hours[6]), "closed", 0, 0,
	  "office hours" },
	{ "hours", "closed_days", CFG_DATES, OFF(closed_days), "", 0, 0,
	  "extra days the centre is closed besides public holidays "
	  "(YYYY-MM-DD, comma-separated)" },
	{ "hours", "emergency_numbers", CFG_STRING, OFF(emergency_numbers),
	  "112; 116 123 (adults in crisis, 24/7); 116 111 (children and "
	  "youth, 24/7); 800 120 002 (domestic violence, 24/7)", 0, 0,
	  "help lines shown with out-of-hours answers; 112 first" },

	{ "relay", "flood_per_minute", CFG_INT, OFF(flood_per_minute), "20", 1,
	  10000, "messages a family may send a minute before they are paced" },

	{ "retention", "message_days", CFG_INT, OFF(message_days), "365", 1,
	  36500, "days after which message bodies are purged (counts stay)" },
	{ "retention", "closed_family_years", CFG_INT,
	  OFF(closed_family_years), "5", 0, 100, "years after which a closed "
	  "family is erased, daily (counts stay; 0: never)" },
	{ "retention", "audit_days", CFG_INT, OFF(audit_days), "730", 1,
	  36500, "days after which audit rows are deleted" },
	{ "retention", "failed_recipient_days", CFG_INT,
	  OFF(failed_recipient_days), "90", 1, 36500,
	  "days after a broadcast ends when who it did not reach (broadcast "
	  "failed) is dropped (counts stay)" },

	{ "privacy", "dpo_contact", CFG_STRING, OFF(dpo_contact), "", 0, 0,
	  "how to reach the centre's data protection officer (e-mail or "
	  "address), named in the information clause; required" },
	{ "privacy", "legal_basis", CFG_LEGAL_BASIS, OFF(legal_basis),
	  "consent", 0, 0,
	  "the legal basis the information clause names: consent (GDPR art. "
	  "6(1)(a), 9(2)(a)) or public_task (art. 6(1)(e), 9(2)(h))" },

	{ "sms", "driver", CFG_SMS_DRIVER, OFF(sms_driver), "none", 0, 0,
	  "none, kannel or smsapi" },
	{ "sms", "listen", CFG_STRING, OFF(sms_listen), "127.0.0.1:8088", 0, 0,
	  "address:port of the listener for gateway callbacks" },
	{ "sms", "callback_url", CFG_STRING, OFF(sms_callback_url),
	  "http://127.0.0.1:8088", 0, 0,
	  "the listener's URL as the gateway reaches it" },
	{ "sms", "secret_file", CFG_STRING, OFF(sms_secret_file), NULL, 0, 0,
	  "file holding the secret carried in every callback path "
	  "(at least 16 characters of A-Z a-z 0-9 _ -)" },
	{ "sms", "sender", CFG_STRING, OFF(sms_sender), "MOPS", 0, 0,
	  "sender shown on phones (SMSAPI: an approved name, at most 11 "
	  "characters; Kannel: the from number or name)" },
	{ "sms", "max_parts", CFG_INT, OFF(sms_max_parts), "6", 1, 10,
	  "longest SMS in parts; longer texts are refused with a reason" },
	{ "sms", "per_second", CFG_DOUBLE, OFF(sms_per_second), "10", 0, 1000,
	  "messages per second to the gateway (0: off)" },
	{ "sms", "kannel_url", CFG_STRING, OFF(kannel_url),
	  "http://127.0.0.1:13013/cgi-bin/sendsms", 0, 0,
	  "smsbox's sendsms URL" },
	{ "sms", "kannel_credentials_file", CFG_STRING,
	  OFF(kannel_credentials_file), NULL, 0, 0,
	  "file holding the sendsms user as username:password" },
	{ "sms", "smsapi_url", CFG_STRING, OFF(smsapi_url),
	  "https://api.smsapi.pl/sms.do", 0, 0, "SMSAPI.pl's sms.do URL" },
	{ "sms", "smsapi_token_file", CFG_STRING, OFF(smsapi_token_file), NULL,
	  0, 0, "file holding the SMSAPI.pl OAuth token" },
	/* What broadcasts cost by SMS (notices). */
	{ "sms", "price_per_part", CFG_DOUBLE, OFF(sms_price_per_part), "0.16",
	  0, 100, "price of one SMS part in złoty, for broadcast estimates" },
	{ "sms", "monthly_budget", CFG_DOUBLE, OFF(sms_monthly_budget), "0", 0,
	  1000000, "złoty of SMS broadcasts a month; a broadcast that would "
	  "go over it is refused (0: no budget)" },

	{ "metrics", "listen", CFG_LISTEN, OFF(metrics_listen), "", 0, 0,
	  "address:port of the Prometheus metrics listener (GET /metrics), "
	  "e.g. 127.0.0.1:9464; empty: off. It has no authentication: keep "
	  "it on loopback or behind a firewall" },

	{ "reminders", "offsets", CFG_STRING, OFF(reminder_offsets),
	  "1d@17:00,2h", 0, 0,
	  "when visits are reminded: Nd@HH:MM (N days before, at that local "
	  "time) or Nh / Nm (hours, minutes before), comma-separated" },
	{ "reminders", "quiet_hours", CFG_STRING, OFF(reminder_quiet),
	  "21:00-08:00", 0, 0,
	  "no reminder goes out between these local times; one due then "
	  "goes at their end if the visit is still ahead (empty: none)" },
	{ "reminders", "offsets_home", CFG_STRING, OFF(reminder_kind[0]), "",
	  0, 0, "offsets of home visits (empty: offsets)" },
	{ "reminders", "offsets_office", CFG_STRING, OFF(reminder_kind[1]), "",
	  0, 0, "offsets of office appointments" },
	{ "reminders", "offsets_meeting", CFG_STRING, OFF(reminder_kind[2]),
	  "", 0, 0, "offsets of meetings" },
	{ "reminders", "offsets_psychologist", CFG_STRING,
	  OFF(reminder_kind[3]), "", 0, 0, "offsets of psychologist hours" },
	{ "reminders", "offsets_outing", CFG_STRING, OFF(reminder_kind[4]), "",
	  0, 0, "offsets of outings" },
	{ "reminders", "offsets_other", CFG_STRING, OFF(reminder_kind[5]), "",
	  0, 0, "offsets of other visits" },
	{ "listeners", "deadline_s", CFG_INT, OFF(listen_deadline_s), "30", 1,
	  3600, "seconds a connection to the SMS callback listener, the admin "
	  "socket or the metrics listener may stay open in all, however "
	  "busy" },
	{ "listeners", "sms_max_connections", CFG_INT, OFF(sms_max_conns),
	  "256", 1, 65536, "connections the SMS callback listener holds at "
	  "once; more wait in the kernel's queue" },
	{ "listeners", "sms_max_per_address", CFG_INT, OFF(sms_max_per_peer),
	  "64", 1, 65536, "connections from one address the SMS callback "
	  "listener serves at once; more wait their turn, unread" },
	{ "listeners", "admin_max_connections", CFG_INT, OFF(admin_max_conns),
	  "256", 1, 65536, "connections the admin socket holds at once; more "
	  "wait in the kernel's queue" },
	{ "listeners", "admin_max_per_uid", CFG_INT, OFF(admin_max_per_uid),
	  "256", 1, 65536, "connections one user may hold on the admin "
	  "socket; more are closed unanswered (at admin_max_connections, "
	  "one user waits for a place, never refused)" },
	{ "listeners", "metrics_max_connections", CFG_INT,
	  OFF(metrics_max_conns), "16", 1, 65536, "connections the metrics "
	  "listener holds at once; more wait in the kernel's queue" },
	{ "listeners", "metrics_max_per_address", CFG_INT,
	  OFF(metrics_max_per_peer), "4", 1, 65536, "connections one address "
	  "may hold on the metrics listener; more are closed unanswered" },
};

#define CFG_NKEYS	(sizeof cfg_keys / sizeof cfg_keys[0])

struct cfg_parse {
	struct config	*cfg;
	FILE		*errf;
	FILE		*in;
	const char	*file;
	int		 line;
	int		 errors;
	unsigned char	 seen[CFG_NKEYS];
};

static void __attribute__((format(printf, 4, 5)))
cfg_error(struct cfg_parse *p, int line, const char *key, const char *fmt, ...)
{
	va_list	 ap;

	if (line > 0)
		fprintf(p->errf, "%s:%d: ", p->file, line);
	else
		fprintf(p->errf, "%s: ", p->file);
	if (key != NULL)
		fprintf(p->errf, "%s: ", key);
	va_start(ap, fmt);
	vfprintf(p->errf, fmt, ap);
	va_end(ap);
	fputc('\n', p->errf);
	p->errors++;
}

static int
cfg_parse_long(const char *s, long *out)
{
	char	*end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	return 0;
}

static int
cfg_parse_double(const char *s, double *out)
{
	char	*end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(*out))
		return -1;
	return 0;
}

static int
cfg_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

/* "HH:MM-HH:MM" with the end after the start, or "closed". */
static const char *
cfg_check_hours(const char *v)
{
	unsigned	 h1, m1, h2, m2;
	char		 tail;

	if (strcmp(v, "closed") == 0)
		return NULL;
	if (sscanf(v, "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
	    strlen(v) != 11)
		return "expected HH:MM-HH:MM or closed";
	if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 == 24 && m2 > 0))
		return "not a time of day";
	if (h2 * 60 + m2 <= h1 * 60 + m1)
		return "the end must come after the start";
	return NULL;
}

/* Comma-separated YYYY-MM-DD dates, or nothing. */
static const char *
cfg_check_dates(const char *v)
{
	unsigned	 y, mo, d;
	const char	*p = v;
	int		 n;

	while (*p == ' ')
		p++;
	while (*p != '\0') {
		if (sscanf(p, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 ||
		    n != 10 || y < 2000 || mo < 1 || mo > 12 || d < 1 ||
		    d > 31)
			return "expected dates as YYYY-MM-DD, comma-separated";
		p += n;
		while (*p == ' ')
			p++;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return "expected dates as YYYY-MM-DD, comma-separated";
		while (*p == ' ')
			p++;
	}
	return NULL;
}

int
config_listen_parse(const char *spec, char *host, size_t hostlen,
    uint16_t *port)
{
	const char	*colon = strrchr(spec, ':'), *h = spec, *p;
	size_t		 n;
	long		 l;

	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) > 5)
		return -1;
	for (p = colon + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return -1;
	if (cfg_parse_long(colon + 1, &l) == -1 || l < 1 || l > 65535)
		return -1;
	n = (size_t)(colon - spec);
	/* An IPv6 address comes in brackets, which the resolver does not. */
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	for (p = h; p < h + n; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) ||
		    *p == '[' || *p == ']' || *p == '/')
			return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (uint16_t)l;
	return 0;
}

/* "address:port", or empty for a listener that is off. */
static const char *
cfg_check_listen(const char *v)
{
	char		 host[256];
	uint16_t	 port;

	if (*v == '\0' || config_listen_parse(v, host, sizeof host,
	    &port) == 0)
		return NULL;
	return "expected address:port (port 1 to 65535), or nothing for off";
}

/* What a text key must look like; NULL when `v` does. */
static const char *
cfg_check_text(enum cfg_type type, const char *v)
{
	switch (type) {
	case CFG_HOURS:
		return cfg_check_hours(v);
	case CFG_DATES:
		return cfg_check_dates(v);
	case CFG_LISTEN:
		return cfg_check_listen(v);
	default:
		return NULL;
	}
}

/* Sets one key from its text; a message for the caller on failure. */
static const char *
cfg_set(struct config *cfg, const struct cfg_key *k, const char *v)
{
	void		*field = (char *)cfg + k->offset;
	const char	*why;
	long		 l;
	double		 d;

	switch (k->type) {
	case CFG_HOURS:
	case CFG_DATES:
	case CFG_LISTEN:
		if ((why = cfg_check_text(k->type, v)) != NULL)
			return why;
		/* FALLTHROUGH */
	case CFG_STRING:
		if (cfg_has_control(v))
			return "control characters are not allowed";
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	case CFG_INT:
		if (cfg_parse_long(v, &l) == -1)
			return "not an integer";
		if (l < k->min || l > k->max)
			return "out of range";
		*(int *)field = (int)l;
		return NULL;
	case CFG_DOUBLE:
		if (cfg_parse_double(v, &d) == -1)
			return "not a number";
		if (d < k->min || d > k->max)
			return "out of range";
		*(double *)field = d;
		return NULL;
	case CFG_LOG_LEVEL:
		if (log_level_parse(v, (enum log_level *)field) == -1)
			return "unknown level (err, warning, notice, info, debug)";
		return NULL;
	case CFG_TG_MODE:
		if (strcmp(v, "polling") == 0) {
			*(enum tg_mode *)field = TG_MODE_POLLING;
			return NULL;
		}
		if (strcmp(v, "webhook") == 0)
			return "webhook mode is not available yet; use polling";
		return "unknown mode (polling)";
	case CFG_SMS_DRIVER:
		if (strcmp(v, "none") == 0)
			*(enum sms_driver *)field = SMS_DRIVER_NONE;
		else if (strcmp(v, "kannel") == 0)
			*(enum sms_driver *)field = SMS_DRIVER_KANNEL;
		else if (strcmp(v, "smsapi") == 0)
			*(enum sms_driver *)field = SMS_DRIVER_SMSAPI;
		else
			return "unknown driver (none, kannel, smsapi)";
		return NULL;
	case CFG_LEGAL_BASIS:
		if (strcmp(v, "consent") == 0)
			*(enum privacy_basis *)field = PRIVACY_BASIS_CONSENT;
		else if (strcmp(v, "public_task") == 0)
			*(enum privacy_basis *)field =
			    PRIVACY_BASIS_PUBLIC_TASK;
		else
			return "unknown basis (consent, public_task)";
		return NULL;
	}
	return "bad key type";
}

static const struct cfg_key *
cfg_find(const char *section, const char *name, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < CFG_NKEYS; i++) {
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0) {
			*idx = i;
			return &cfg_keys[i];
		}
	}
	return NULL;
}

static int
cfg_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct cfg_parse	*p = user;
	const struct cfg_key	*k;
	const char		*why;
	size_t			 idx;
	char			 key[128];

	snprintf(key, sizeof key, "%s.%s", section, name);
	if ((k = cfg_find(section, name, &idx)) == NULL) {
		cfg_error(p, p->line, key, "unknown key");
		return 1;
	}
	if (p->seen[idx]) {
		cfg_error(p, p->line, key, "set twice");
		return 1;
	}
	p->seen[idx] = 1;
	if ((why = cfg_set(p->cfg, k, value)) != NULL)
		cfg_error(p, p->line, key, "%s: \"%.64s\"", why, value);
	return 1;
}

/*
 * True for what inih takes as a line of its own: blank, a comment, a
 * [section] or a key = value (or key: value) pair.
 */
static int
cfg_line_is_valid(const char *line)
{
	const char	*s = line;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return 1;
	if (*s == '[')
		return strchr(s, ']') != NULL;
	return strpbrk(s, "=:") != NULL && *s != '=' && *s != ':';
}

/*
 * inih reads through this, so that we know the line of every key and
 * report every bad line (inih itself names only the first one). A line
 * too long for inih's buffer would be cut and its rest taken for a line
 * of its own, and a NUL would end its value early: either is refused
 * whole.
 */
static char *
cfg_reader(char *buf, int size, void *stream)
{
	struct cfg_parse	*p = stream;
	int			 c = EOF, i = 0, nul = 0;

	while (i < size - 1 && (c = fgetc(p->in)) != EOF) {
		buf[i++] = (char)c;
		nul |= c == '\0';
		if (c == '\n')
			break;
	}
	if (i == 0)
		return NULL;
	buf[i] = '\0';
	p->line++;
	if (c != '\n' && i == size - 1 && !feof(p->in)) {
		while ((c = fgetc(p->in)) != EOF && c != '\n')
			;
		cfg_error(p, p->line, NULL, "line too long (at most %d "
		    "characters)", size - 2);
		buf[0] = '\0';
	} else if (nul) {
		cfg_error(p, p->line, NULL, "NUL byte in the line");
		buf[0] = '\0';
	} else if (!cfg_line_is_valid(buf)) {
		cfg_error(p, p->line, NULL, "syntax error (expected key = "
		    "value or [section])");
		buf[0] = '\0';
	}
	return buf;
}

static int
cfg_read_file(struct cfg_parse *p, const char *path)
{
	int	 rc;

	if ((p->in = fopen(path, "re")) == NULL) {
		cfg_error(p, 0, NULL, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(cfg_reader, p, cfg_handler, p);
	fclose(p->in);
	p->in = NULL;
	/* Bad lines were reported by the reader; anything else is inih's. */
	if (rc > 0 && p->errors == 0)
		cfg_error(p, rc, NULL, "syntax error (expected key = value "
		    "or [section])");
	else if (rc < 0)
		cfg_error(p, 0, NULL, "cannot read");
	return 0;
}

/* A token goes into request paths: digits, a colon, URL-safe letters. */
static int
cfg_token_is_valid(const char *t)
{
	size_t	 n = strlen(t);

	return n > 2 && n < 200 && strchr(t, ':') != NULL &&
	    strspn(t, "0123456789:abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_-") == n;
}

/* The token, from the environment or token_file; never printed. */
static void
cfg_read_token(struct cfg_parse *p)
{
	struct config	*cfg = p->cfg;
	const char	*env;
	char		 buf[256];
	size_t		 n;
	FILE		*f;

	if ((env = getenv("ASYSTENT_TELEGRAM_TOKEN")) != NULL && *env != '\0') {
		if (!cfg_token_is_valid(env))
			cfg_error(p, 0, "ASYSTENT_TELEGRAM_TOKEN", "does not "
			    "hold a bot token (digits:letters)");
		else
			cfg->token = xstrdup(env);
		return;
	}
	if (cfg->token_file == NULL || *cfg->token_file == '\0')
		return;
	if ((f = fopen(cfg->token_file, "re")) == NULL) {
		cfg_error(p, 0, "telegram.token_file", "%s: %s",
		    cfg->token_file, strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if (!cfg_token_is_valid(buf))
		cfg_error(p, 0, "telegram.token_file", "%s: does not hold a "
		    "bot token (digits:letters)", cfg->token_file);
	else
		cfg->token = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
}

/* A secret from a file: first line, trimmed; NULL and an error if bad. */
static char *
cfg_read_secret(struct cfg_parse *p, const char *key, const char *path,
    const char *allowed, size_t min)
{
	char	 buf[512];
	size_t	 n;
	FILE	*f;

	if (path == NULL || *path == '\0') {
		cfg_error(p, 0, key, "must be set when sms.driver is not none");
		return NULL;
	}
	if ((f = fopen(path, "re")) == NULL) {
		cfg_error(p, 0, key, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	n = strlen(buf);
	if (n < min || n == sizeof buf - 1 || strspn(buf, allowed) != n) {
		explicit_bzero(buf, sizeof buf);
		cfg_error(p, 0, key, "%s: not a usable secret", path);
		return NULL;
	}
	return xstrdup(buf);
}

static void
cfg_check_sms(struct cfg_parse *p)
{
	static const char	 urlsafe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	struct config		*cfg = p->cfg;

	cfg->sms_secret = cfg_read_secret(p, "sms.secret_file",
	    cfg->sms_secret_file, urlsafe, 16);
	if (cfg_check_listen(cfg->sms_listen) != NULL ||
	    *cfg->sms_listen == '\0')
		cfg_error(p, 0, "sms.listen", "expected address:port (port 1 "
		    "to 65535)");
	if (strncmp(cfg->sms_callback_url, "http://", 7) != 0 &&
	    strncmp(cfg->sms_callback_url, "https://", 8) != 0)
		cfg_error(p, 0, "sms.callback_url", "must be an http(s) URL");
	if (*cfg->sms_sender == '\0' || (cfg->sms_driver ==
	    SMS_DRIVER_SMSAPI && strlen(cfg->sms_sender) > 11))
		cfg_error(p, 0, "sms.sender", "1 to 11 characters for SMSAPI");
	if (cfg->sms_driver == SMS_DRIVER_KANNEL &&
	    (cfg->kannel_credentials_file == NULL ||
	    *cfg->kannel_credentials_file == '\0'))
		cfg_error(p, 0, "sms.kannel_credentials_file", "must be set "
		    "for the kannel driver");
	if (cfg->sms_driver == SMS_DRIVER_SMSAPI &&
	    (cfg->smsapi_token_file == NULL || *cfg->smsapi_token_file == '\0'))
		cfg_error(p, 0, "sms.smsapi_token_file", "must be set for the "
		    "smsapi driver");
}

static void
cfg_check(struct cfg_parse *p)
{
	struct config	*cfg = p->cfg;
	const char	*env;

	if ((env = getenv("ASYSTENT_TELEGRAM_API_ROOT")) != NULL &&
	    *env != '\0') {
		free(cfg->api_root);
		cfg->api_root = xstrdup(env);
	}
	if (strncmp(cfg->api_root, "https://", 8) != 0 &&
	    strncmp(cfg->api_root, "http://", 7) != 0)
		cfg_error(p, 0, "telegram.api_root", "must be an http(s) URL");
	if (*cfg->database == '\0')
		cfg_error(p, 0, "daemon.database", "must not be empty");
	if (*cfg->centre_name == '\0')
		cfg_error(p, 0, "daemon.centre_name", "must not be empty");
	/* The built-in defaults (--print-config) leave it to the centre. */
	if (p->cfg->path != NULL && *cfg->dpo_contact == '\0')
		cfg_error(p, 0, "privacy.dpo_contact", "must be set: the "
		    "information clause families read names the data "
		    "protection officer (GDPR art. 13)");
	cfg_read_token(p);
	if (cfg->sms_driver != SMS_DRIVER_NONE)
		cfg_check_sms(p);
}

int
config_load(const char *path, FILE *errf, struct config **out)
{
	struct cfg_parse	 p;
	struct config		*cfg;
	size_t			 i;

	cfg = xcalloc(1, sizeof *cfg);
	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.errf = errf;
	p.file = path != NULL ? path : "(defaults)";
	cfg->path = path != NULL ? xstrdup(path) : NULL;
	for (i = 0; i < CFG_NKEYS; i++) {
		if (cfg_keys[i].def != NULL &&
		    cfg_set(cfg, &cfg_keys[i], cfg_keys[i].def) != NULL)
			cfg_error(&p, 0, cfg_keys[i].name, "bad default");
	}
	if (path != NULL)
		cfg_read_file(&p, path);
	if (p.errors == 0)
		cfg_check(&p);
	if (p.errors > 0) {
		config_free(cfg);
		*out = NULL;
		return -1;
	}
	*out = cfg;
	return 0;
}

void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < CFG_NKEYS; i++)
		if (cfg_keys[i].type == CFG_STRING ||
		    cfg_keys[i].type == CFG_HOURS ||
		    cfg_keys[i].type == CFG_DATES ||
		    cfg_keys[i].type == CFG_LISTEN)
			free(*(char **)((char *)cfg + cfg_keys[i].offset));
	if (cfg->token != NULL) {
		explicit_bzero(cfg->token, strlen(cfg->token));
		free(cfg->token);
	}
	if (cfg->sms_secret != NULL) {
		explicit_bzero(cfg->sms_secret, strlen(cfg->sms_secret));
		free(cfg->sms_secret);
	}
	free(cfg->path);
	free(cfg);
}

void
config_print_defaults(FILE *f)
{
	const char	*section = "";
	size_t		 i;

	for (i = 0; i < CFG_NKEYS; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (strcmp(section, k->section) != 0) {
			fprintf(f, "%s[%s]\n", i > 0 ? "\n" : "", k->section);
			section = k->section;
		}
		fprintf(f, "# %s\n%s%s = %s\n", k->help,
		    k->def == NULL ? "#" : "", k->name,
		    k->def == NULL ? "" : k->def);
	}
}
