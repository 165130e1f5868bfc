/* What asystentctl shows of each object: columns of lists and `show`s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "ctl.h"

static char *
ctl_get_count(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(a) ? xasprintf("%d", cJSON_GetArraySize(a)) : NULL;
}

/* The contact member's name: the member marked contact, else the first. */
static char *
ctl_get_contact(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key), *m;

	cJSON_ArrayForEach(m, a)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
		    "contact")))
			return ctl_text(m, "name");
	return cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0 ?
	    ctl_text(cJSON_GetArrayItem(a, 0), "name") : NULL;
}

static char *
ctl_get_programmes(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key), *p;
	char		*s = NULL, *n, *name;

	cJSON_ArrayForEach(p, a) {
		if ((name = ctl_text(p, "programme")) == NULL)
			continue;
		n = xasprintf("%s%s%s", s ? s : "", s ? "," : "", name);
		free(s);
		free(name);
		s = n;
	}
	return s;
}

/* An array of strings, one a line ("-" when empty). */
static char *
ctl_get_lines(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key), *p;
	char		*s = NULL, *n;

	cJSON_ArrayForEach(p, a) {
		if (!cJSON_IsString(p))
			continue;
		n = xasprintf("%s%s%s", s ? s : "", s ? "\n  " : "",
		    p->valuestring);
		free(s);
		s = n;
	}
	return s;
}

static char *
ctl_get_uptime(const cJSON *obj, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, key);
	long long	 s;

	if (!cJSON_IsNumber(v))
		return NULL;
	s = (long long)v->valuedouble;
	if (s >= 86400)
		return xasprintf("%lldd %02lld:%02lld:%02lld", s / 86400,
		    s % 86400 / 3600, s % 3600 / 60, s % 60);
	return xasprintf("%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60,
	    s % 60);
}

static char *
ctl_get_telegram(const cJSON *obj, const char *key)
{
	const cJSON	*t = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		*state, *bot, *s;

	if (!cJSON_IsObject(t))
		return NULL;
	state = ctl_text(t, "state");
	bot = ctl_text(t, "bot_username");
	s = xasprintf("%s%s%s%s", state ? state : "-", bot ? " (@" : "",
	    bot ? bot : "", bot ? ")" : "");
	free(state);
	free(bot);
	return s;
}

/* "queued 3, sending 0, ..." of the named numbers of an object. */
static char *
ctl_get_named(const cJSON *obj, const char *key,
    const char *const *names, const char *const *labels, size_t count)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		*s = NULL, *n, *v;
	size_t		 i;

	if (!cJSON_IsObject(o))
		return NULL;
	for (i = 0; i < count; i++) {
		v = ctl_text(o, names[i]);
		n = xasprintf("%s%s%s %s", s ? s : "", s ? ", " : "",
		    labels[i], v ? v : "-");
		free(s);
		free(v);
		s = n;
	}
	return s;
}

static char *
ctl_get_queues(const cJSON *obj, const char *key)
{
	static const char *const states[] = {
		"queued", "sending", "sent", "failed"
	};

	return ctl_get_named(obj, key, states, states,
	    sizeof states / sizeof states[0]);
}

/* "members: 3 of 11 steps, 1200 rows", or "-" when none runs. */
static char *
ctl_get_rotation(const cJSON *obj, const char *key)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		*step, *done, *all, *rows, *s;

	if (!cJSON_IsObject(o))
		return xstrdup("-");
	step = ctl_text(o, "step");
	done = ctl_text(o, "steps_done");
	all = ctl_text(o, "steps");
	rows = ctl_text(o, "rows");
	s = xasprintf("running: %s, %s of %s steps done, %s rows",
	    step ? step : "?", done ? done : "?", all ? all : "?",
	    rows ? rows : "?");
	free(step);
	free(done);
	free(all);
	free(rows);
	return s;
}

/* "open 12, closed 3, erased 2, erased by retention 1" */
static char *
ctl_get_families(const cJSON *obj, const char *key)
{
	static const char *const names[] = {
		"open", "closed", "erased", "erased_by_retention"
	};
	static const char *const labels[] = {
		"open", "closed", "erased", "erased by retention"
	};

	return ctl_get_named(obj, key, names, labels,
	    sizeof names / sizeof names[0]);
}

/*
 * An object of objects, one line each, their numbers only:
 * "conversation: 2 queued, 0 sending, 1 failed".
 */
static char *
ctl_get_groups(const cJSON *obj, const char *key)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key), *g, *v;
	char		*s = NULL, *n;
	const char	*sep;

	cJSON_ArrayForEach(g, o) {
		if (!cJSON_IsObject(g) || g->string == NULL)
			continue;
		n = xasprintf("%s%s%s:", s ? s : "", s ? "\n" : "", g->string);
		free(s);
		s = n;
		sep = " ";
		cJSON_ArrayForEach(v, g) {
			if (!cJSON_IsNumber(v) || v->string == NULL)
				continue;
			n = xasprintf("%s%s%.0f %s", s, sep, v->valuedouble,
			    v->string);
			free(s);
			s = n;
			sep = ", ";
		}
	}
	return s;
}

/* Reminders never sent: "2 dropped, 1 skipped (not sent)". */
static char *
ctl_get_not_reminded(const cJSON *obj, const char *key)
{
	char	*d, *k, *s;

	(void)key;
	d = ctl_text(obj, "reminders_dropped");
	k = ctl_text(obj, "reminders_skipped");
	s = xasprintf("%s dropped, %s skipped (never sent)", d ? d : "-",
	    k ? k : "-");
	free(d);
	free(k);
	return s;
}

/*
 * The last retention run in the centre's zone, and what each kind
 * purged: "2026-12-04 03:00: messages 12 (365 days), audit 0 (730
 * days), failed_recipients 1 (90 days)".
 */
static char *
ctl_get_retention(const cJSON *obj, const char *key)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key), *k;
	const cJSON	*at;
	struct tm	 tm;
	time_t		 t;
	char		 when[32], *s, *n;

	if (!cJSON_IsObject(o))
		return NULL;
	at = cJSON_GetObjectItemCaseSensitive(o, "last_run_at");
	if (!cJSON_IsNumber(at))
		return xstrdup("not run yet");
	t = (time_t)at->valuedouble;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(when, sizeof when, "-");
	s = xasprintf("%s%s:", when, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(o, "failed")) ? " (failed)" : "");
	cJSON_ArrayForEach(k, o) {
		if (!cJSON_IsObject(k) || k->string == NULL)
			continue;
		n = xasprintf("%s%s %s %.0f (%.0f days)", s, s[strlen(s) - 1] ==
		    ':' ? "" : ",", k->string, cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(k, "purged")),
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(k,
		    "days")));
		free(s);
		s = n;
	}
	return s;
}

/* The channels a refused token pauses, or "no". */
static char *
ctl_get_paused(const cJSON *obj, const char *key)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key), *c;
	char		*s = NULL, *n;

	if (!cJSON_IsObject(o))
		return NULL;
	cJSON_ArrayForEach(c, o) {
		if (c->string == NULL || !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(c, "auth_paused")))
			continue;
		n = xasprintf("%s%s%s", s ? s : "", s ? ", " : "", c->string);
		free(s);
		s = n;
	}
	return s != NULL ? s : xstrdup("no");
}

/* Bytes as people read them: "512 B", "3.4 MiB". */
static char *
ctl_size_text(double b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	size_t			 i = 0;

	if (b < 1024)
		return xasprintf("%.0f B", b);
	for (b /= 1024; b >= 1024 && i + 1 < sizeof units / sizeof units[0];
	    i++)
		b /= 1024;
	return xasprintf("%.1f %s", b, units[i]);
}

/* "12.0 MiB, WAL 3.9 MiB". */
static char *
ctl_get_database(const cJSON *obj, const char *key)
{
	const cJSON	*o = cJSON_GetObjectItemCaseSensitive(obj, key);
	const cJSON	*db, *wal;
	char		*a, *b, *s;

	db = cJSON_GetObjectItemCaseSensitive(o, "bytes");
	wal = cJSON_GetObjectItemCaseSensitive(o, "wal_bytes");
	if (!cJSON_IsNumber(db) || !cJSON_IsNumber(wal))
		return NULL;
	a = ctl_size_text(db->valuedouble);
	b = ctl_size_text(wal->valuedouble);
	s = xasprintf("%s, WAL %s", a, b);
	free(a);
	free(b);
	return s;
}

/* "2025-03-14 ref ZG/12/2025" (paper), "2025-03-14 version 1", "none". */
static char *
ctl_get_consent(const cJSON *obj, const char *key)
{
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(obj, key);
	const cJSON	*at, *ref, *ver;
	struct tm	 tm;
	time_t		 t;
	char		 day[16];

	if (!cJSON_IsObject(c))
		return xstrdup("none");
	at = cJSON_GetObjectItemCaseSensitive(c, "at");
	ref = cJSON_GetObjectItemCaseSensitive(c, "ref");
	ver = cJSON_GetObjectItemCaseSensitive(c, "version");
	t = cJSON_IsNumber(at) ? (time_t)at->valuedouble : 0;
	/* Paper consents are stamped at noon: the same date in any zone. */
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0)
		snprintf(day, sizeof day, "?");
	/* A paper form's default version says no more than its ref. */
	if (cJSON_IsString(ref) && cJSON_IsString(ver) &&
	    strcmp(ver->valuestring, "paper") != 0)
		return xasprintf("%s version %s ref %s", day, ver->valuestring,
		    ref->valuestring);
	if (cJSON_IsString(ref))
		return xasprintf("%s ref %s", day, ref->valuestring);
	if (cJSON_IsString(ver))
		return xasprintf("%s version %s", day, ver->valuestring);
	return xstrdup(day);
}

/* unix seconds as the centre's date (and time); "?" when unreadable. */
static void
ctl_when(const cJSON *at, int with_time, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 t = cJSON_IsNumber(at) ? (time_t)at->valuedouble : 0;
	size_t		 n = 0;

	if (localtime_r(&t, &tm) != NULL)
		n = with_time ? strftime(buf, len, "%Y-%m-%d %H:%M", &tm) :
		    strftime(buf, len, "%Y-%m-%d", &tm);
	if (n == 0)
		snprintf(buf, len, "?");
}

/* "open", "closed 2026-03-02", "erased 2026-03-02" */
static char *
ctl_get_status(const cJSON *obj, const char *key)
{
	const cJSON	*st = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		 day[16];

	if (!cJSON_IsString(st))
		return NULL;
	if (strcmp(st->valuestring, "erased") == 0)
		ctl_when(cJSON_GetObjectItemCaseSensitive(obj, "erased_at"), 0,
		    day, sizeof day);
	else if (strcmp(st->valuestring, "closed") == 0)
		ctl_when(cJSON_GetObjectItemCaseSensitive(obj, "closed_at"), 0,
		    day, sizeof day);
	else
		return xstrdup(st->valuestring);
	return xasprintf("%s %s", st->valuestring, day);
}

/* "on since 2026-03-02", "off since ..." (announcements and reminders) */
static char *
ctl_get_announce(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		 day[16];

	if (!cJSON_IsObject(a))
		return NULL;
	ctl_when(cJSON_GetObjectItemCaseSensitive(a, "since"), 0,
	    day, sizeof day);
	return xasprintf("%s since %s", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(a, "on")) ? "on" : "off", day);
}

/* "sms 2026-03-02 14:05": the channel that last carried a message. */
static char *
ctl_get_last_channel(const cJSON *obj, const char *key)
{
	const cJSON	*l = cJSON_GetObjectItemCaseSensitive(obj, key);
	const cJSON	*ch;
	char		 when[32];

	if (!cJSON_IsObject(l))
		return NULL;
	ch = cJSON_GetObjectItemCaseSensitive(l, "channel");
	ctl_when(cJSON_GetObjectItemCaseSensitive(l, "at"), 1,
	    when, sizeof when);
	return xasprintf("%s %s", cJSON_IsString(ch) ? ch->valuestring : "?",
	    when);
}

/* "delivered"; a failure or expiry with the gateway's code: "failed (405)" */
static char *
ctl_get_delivery(const cJSON *obj, const char *key)
{
	const cJSON	*d = cJSON_GetObjectItemCaseSensitive(obj, key);
	const cJSON	*code;

	if (!cJSON_IsString(d))
		return NULL;
	code = cJSON_GetObjectItemCaseSensitive(obj, "delivery_code");
	if (cJSON_IsString(code) && (strcmp(d->valuestring, "failed") == 0 ||
	    strcmp(d->valuestring, "expired") == 0))
		return xasprintf("%s (%s)", d->valuestring, code->valuestring);
	return xstrdup(d->valuestring);
}

static const struct ctl_col staff_show[] = {
	{ "id", "id", NULL },
	{ "name", "name", NULL },
	{ "kind", "kind", NULL },
	{ "languages", "languages", NULL },
	{ "active", "active", NULL },
	{ "telegram", "telegram_linked", NULL },
	{ "families", "families", NULL },
	{ "created", "created_at", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col staff_list[] = {
	{ "ID", "id", NULL },
	{ "NAME", "name", NULL },
	{ "KIND", "kind", NULL },
	{ "ROLE", "role", NULL },
	{ "UNIX USER", "unix_user", NULL },
	{ "LANGUAGES", "languages", NULL },
	{ "ACTIVE", "active", NULL },
	{ "TELEGRAM", "telegram_linked", NULL },
	{ "FAMILIES", "families", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col family_show[] = {
	{ "id", "id", NULL },
	{ "code", "code", NULL },
	{ "name", "name", NULL },
	{ "language", "language", NULL },
	{ "channel", "channel", NULL },
	{ "assistant", "assistant", NULL },
	{ "substitute", "substitute", NULL },
	{ "notes", "notes", NULL },
	{ "created", "created_at", NULL },
	{ "status", "status", ctl_get_status },
	{ NULL, NULL, NULL }
};

static const struct ctl_col family_list[] = {
	{ "ID", "id", NULL },
	{ "CODE", "code", NULL },
	{ "NAME", "name", NULL },
	{ "CONTACT", "members", ctl_get_contact },
	{ "LANG", "language", NULL },
	{ "CHANNEL", "channel", NULL },
	{ "ASSISTANT", "assistant", NULL },
	{ "MEMBERS", "members", ctl_get_count },
	{ "PROGRAMMES", "programmes", ctl_get_programmes },
	{ "STATUS", "status", ctl_get_status },
	{ NULL, NULL, NULL }
};

static const struct ctl_col member_cols[] = {
	{ "ID", "id", NULL },
	{ "NAME", "name", NULL },
	{ "PHONE", "phone", NULL },
	{ "CONTACT", "contact", NULL },
	{ "TELEGRAM", "telegram_linked", NULL },
	{ "CONSENT", "consent", ctl_get_consent },
	{ "ANNOUNCEMENTS", "announcements", ctl_get_announce },
	{ "LAST WORKED", "last_channel", ctl_get_last_channel },
	{ NULL, NULL, NULL }
};

static const struct ctl_col member_show[] = {
	{ "id", "id", NULL },
	{ "name", "name", NULL },
	{ "phone", "phone", NULL },
	{ "contact", "contact", NULL },
	{ "telegram", "telegram_linked", NULL },
	{ "consent", "consent", ctl_get_consent },
	{ NULL, NULL, NULL }
};

static const struct ctl_col enrolment_cols[] = {
	{ "ID", "programme_id", NULL },
	{ "PROGRAMME", "programme", NULL },
	{ "GROUP", "group", NULL },
	{ "FROM", "from", NULL },
	{ "UNTIL", "until", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col programme_show[] = {
	{ "id", "id", NULL },
	{ "name", "name", NULL },
	{ "groups", "groups", NULL },
	{ "enrolled", "enrolled", NULL },
	{ "created", "created_at", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col programme_list[] = {
	{ "ID", "id", NULL },
	{ "NAME", "name", NULL },
	{ "GROUPS", "groups", NULL },
	{ "ENROLLED", "enrolled", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col programme_families[] = {
	{ "ID", "id", NULL },
	{ "CODE", "code", NULL },
	{ "GROUP", "group", NULL },
	{ "FROM", "from", NULL },
	{ "UNTIL", "until", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col outbox_list[] = {
	{ "ID", "id", NULL },
	{ "STATE", "state", NULL },
	{ "LANE", "lane", NULL },
	{ "CHANNEL", "channel", NULL },
	{ "METHOD", "method", NULL },
	{ "ATTEMPTS", "attempts", NULL },
	{ "ERROR", "error_code", NULL },
	{ "CREATED", "created_at", NULL },
	{ "SENT", "sent_at", NULL },
	{ "DELIVERY", "delivery", ctl_get_delivery },
	{ "CAUSE", "cause", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col invitation_show[] = {
	{ "link", "link", NULL },
	{ "code", "code", NULL },
	{ "expires", "expires_at", NULL },
	{ "for", "for", NULL },
	{ "id", "id", NULL },
	{ NULL, NULL, NULL }
};

static const struct ctl_col status_show[] = {
	{ "version", "version", NULL },
	{ "started", "started_at", NULL },
	{ "uptime", "uptime_s", ctl_get_uptime },
	{ "telegram", "telegram", ctl_get_telegram },
	{ "outbox", "outbox", ctl_get_queues },
	{ "lanes", "lanes", ctl_get_groups },
	{ "sends", "channels", ctl_get_groups },
	{ "auth paused", "channels", ctl_get_paused },
	{ "families", "families", ctl_get_families },
	{ "key rotation", "key_rotation", ctl_get_rotation },
	{ "inbound pending", "inbound_pending", NULL },
	{ "outcomes held", "outcomes_held", NULL },
	{ "reminders", "reminders_dropped", ctl_get_not_reminded },
	{ "database", "database", ctl_get_database },
	{ "SMS this month", "sms_month", ctl_get_sms_month },
	{ "retention", "retention", ctl_get_retention },
	{ NULL, NULL, NULL }
};

static const struct ctl_col check_show[] = {
	{ "integrity", "integrity", NULL },
	{ "problems", "problems", ctl_get_lines },
	{ "took (ms)", "ms", NULL },
	{ NULL, NULL, NULL }
};

const struct ctl_view ctl_view_staff = { "staff", staff_show };
const struct ctl_view ctl_view_staff_list = { "staff", staff_list };
const struct ctl_view ctl_view_family = { "family", family_show };
const struct ctl_view ctl_view_families = { "families", family_list };

/* The day (unix s) of key, or "-" when null. */
static char *
ctl_get_day(const cJSON *obj, const char *key)
{
	const cJSON	*at = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		 day[16];

	if (!cJSON_IsNumber(at))
		return xstrdup("-");
	ctl_when(at, 0, day, sizeof day);
	return xstrdup(day);
}

static const struct ctl_col family_erased[] = {
	{ "erased family", "erased", NULL },
	{ "on", "erased_at", ctl_get_day },
	{ NULL, NULL, NULL }
};
static const struct ctl_col family_closed[] = {
	{ "family", "id", NULL },
	{ "closed", "closed_at", ctl_get_day },
	{ NULL, NULL, NULL }
};
const struct ctl_view ctl_view_erased = { NULL, family_erased };

static const struct ctl_col rotation_show[] = {
	{ "key rotation", "step", NULL },
	{ "steps done", "steps_done", NULL },
	{ "of", "steps", NULL },
	{ "rows", "rows", NULL },
	{ "started", "started_at", NULL },
	{ NULL, NULL, NULL }
};
const struct ctl_view ctl_view_rotation = { "rotation", rotation_show };
const struct ctl_view ctl_view_closed = { NULL, family_closed };
const struct ctl_view ctl_view_member = { "member", member_show };
const struct ctl_view ctl_view_programme = { "programme", programme_show };
const struct ctl_view ctl_view_programmes = { "programmes", programme_list };
const struct ctl_view ctl_view_outbox = { "outbox", outbox_list };
const struct ctl_view ctl_view_outbox_row = { "outbox", NULL };
const struct ctl_view ctl_view_enrolment = { "enrolment", NULL };
const struct ctl_view ctl_view_invitation = { "invitation",
	invitation_show };
const struct ctl_view ctl_view_status = { NULL, status_show };
const struct ctl_view ctl_view_check = { NULL, check_show };
const struct ctl_view ctl_view_conversation = { "messages", NULL };

static const cJSON *
ctl_member(const struct ctl_cmd *cmd, const cJSON *answer)
{
	if (cmd->view == NULL || cmd->view->key == NULL)
		return answer;
	return cJSON_GetObjectItemCaseSensitive(answer, cmd->view->key);
}

void
ctl_print_list(const struct ctl_cmd *cmd, const cJSON *answer)
{
	ctl_print_table(ctl_member(cmd, answer), cmd->view->cols);
}

void
ctl_print_object(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*o = ctl_member(cmd, answer);

	if (cmd->view->cols != NULL)
		ctl_print_show(o, cmd->view->cols);
	else
		ctl_print_fields(o);
}

static void
ctl_print_section(const char *title, const cJSON *rows,
    const struct ctl_col *cols)
{
	printf("\n%s:\n", title);
	if (cJSON_GetArraySize(rows) == 0)
		printf("(none)\n");
	else
		ctl_print_table(rows, cols);
}

void
ctl_print_family(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*f = ctl_member(cmd, answer);

	ctl_print_show(f, family_show);
	ctl_print_section("members",
	    cJSON_GetObjectItemCaseSensitive(f, "members"), member_cols);
	ctl_print_section("programmes",
	    cJSON_GetObjectItemCaseSensitive(f, "programmes"), enrolment_cols);
}

void
ctl_print_programme(const struct ctl_cmd *cmd, const cJSON *answer)
{
	ctl_print_show(ctl_member(cmd, answer), programme_show);
	ctl_print_section("families",
	    cJSON_GetObjectItemCaseSensitive(answer, "families"),
	    programme_families);
}

void
ctl_print_deleted(const struct ctl_cmd *cmd, const cJSON *answer)
{
	char	*id = ctl_text(answer, "deleted");

	printf("removed %s %s\n", cmd->name, id ? id : "?");
	free(id);
}

/* ---- conversation show ----------------------------------------------- */

/* Times are the centre's: main() set TZ from the config. */
#define CTL_CONV_COLS	4	/* time and arrow, who, kind, state */

struct ctl_conv_line {
	char	*cell[CTL_CONV_COLS];
	char	*text;			/* may hold newlines */
	char	*error;			/* NULL: none */
};

static void
ctl_conv_pad(size_t have, size_t want)
{
	for (; have < want; have++)
		putchar(' ');
}

/* obj[key] as text, "-" for null or absent. */
static char *
ctl_conv_text(const cJSON *obj, const char *key)
{
	char	*s = ctl_text(obj, key);

	return s != NULL ? s : xstrdup("-");
}

static char *
ctl_conv_time(const cJSON *m)
{
	const cJSON	*at = cJSON_GetObjectItemCaseSensitive(m, "at");
	const cJSON	*dir = cJSON_GetObjectItemCaseSensitive(m, "direction");
	const char	*arrow = "?";
	struct tm	 tm;
	time_t		 t;
	char		 buf[32] = "-";

	if (cJSON_IsString(dir))
		arrow = strcmp(dir->valuestring, "to_family") == 0 ? "→" :
		    "←";
	if (cJSON_IsNumber(at)) {
		t = (time_t)at->valuedouble;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm) == 0)
			snprintf(buf, sizeof buf, "%.0f", at->valuedouble);
	}
	return xasprintf("%s %s", buf, arrow);
}

/* The family's member writes, the staff member answers. */
static char *
ctl_conv_who(const cJSON *m)
{
	const cJSON	*dir = cJSON_GetObjectItemCaseSensitive(m, "direction");
	const cJSON	*who;
	int		 to = cJSON_IsString(dir) &&
			    strcmp(dir->valuestring, "to_family") == 0;

	who = cJSON_GetObjectItemCaseSensitive(m, to ? "staff" : "member");
	if (!cJSON_IsObject(who))
		return xstrdup("-");
	return ctl_conv_text(who, "name");
}

static char *
ctl_conv_body(const cJSON *m)
{
	const cJSON	*text = cJSON_GetObjectItemCaseSensitive(m, "text");

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "purged")))
		return xstrdup("[purged]");
	if (!cJSON_IsString(text))
		return xstrdup("-");
	return xstrdup(text->valuestring);
}

static void
ctl_conv_line_fill(struct ctl_conv_line *l, const cJSON *m)
{
	l->cell[0] = ctl_conv_time(m);
	l->cell[1] = ctl_conv_who(m);
	l->cell[2] = ctl_conv_text(m, "kind");
	l->cell[3] = ctl_conv_text(m, "state");
	l->text = ctl_conv_body(m);
	l->error = ctl_text(m, "error");
}

static void
ctl_conv_line_clear(struct ctl_conv_line *l)
{
	int	 i;

	for (i = 0; i < CTL_CONV_COLS; i++)
		free(l->cell[i]);
	free(l->text);
	free(l->error);
}

/* Each line of `s` safe for the terminal; later lines start at `indent`. */
static void
ctl_conv_print_text(const char *s, size_t indent)
{
	const char	*nl;
	char		*part;
	size_t		 i;

	while ((nl = strchr(s, '\n')) != NULL) {
		part = xstrndup(s, (size_t)(nl - s));
		ctl_fputs_safe(part, stdout);
		free(part);
		putchar('\n');
		for (i = 0; i < indent; i++)
			putchar(' ');
		s = nl + 1;
	}
	ctl_fputs_safe(s, stdout);
	putchar('\n');
}

static void
ctl_conv_print_line(const struct ctl_conv_line *l, const size_t *width)
{
	size_t	 i, col = 0;

	for (i = 0; i < CTL_CONV_COLS; i++) {
		ctl_fputs_safe(l->cell[i], stdout);
		ctl_conv_pad(ctl_utf8_width(l->cell[i]), width[i] + 2);
		col += width[i] + 2;
	}
	ctl_conv_print_text(l->text, col);
	if (l->error != NULL) {
		ctl_conv_pad(0, col);
		fputs("error: ", stdout);
		ctl_conv_print_text(l->error, col + 7);
	}
}

/* "R-0042 · Rodzina Nowaków · uk · telegram · 3 messages: ...". */
static void
ctl_conv_header(const cJSON *answer)
{
	const cJSON	*f = cJSON_GetObjectItemCaseSensitive(answer, "family");
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(answer, "counts");
	char		*v[8], *line;
	int		 i;

	v[0] = ctl_conv_text(f, "code");
	v[1] = ctl_conv_text(f, "name");
	v[2] = ctl_conv_text(f, "language");
	v[3] = ctl_conv_text(f, "channel");
	v[4] = ctl_conv_text(c, "total");
	v[5] = ctl_conv_text(c, "from_family");
	v[6] = ctl_conv_text(c, "to_family");
	v[7] = ctl_conv_text(c, "purged");
	line = xasprintf("%s · %s · %s · %s · %s message%s: %s from the "
	    "family, %s to the family, %s purged", v[0], v[1], v[2], v[3], v[4],
	    strcmp(v[4], "1") == 0 ? "" : "s", v[5], v[6], v[7]);
	ctl_fputs_safe(line, stdout);
	putchar('\n');
	free(line);
	for (i = 0; i < 8; i++)
		free(v[i]);
}

void
ctl_print_conversation(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON		*msgs, *m;
	struct ctl_conv_line	*lines;
	size_t			 width[CTL_CONV_COLS] = { 0 }, n, i, j, w;

	ctl_conv_header(answer);
	msgs = ctl_member(cmd, answer);
	if ((n = (size_t)cJSON_GetArraySize(msgs)) == 0) {
		printf("(no messages)\n");
		return;
	}
	lines = xcalloc(n, sizeof *lines);
	i = 0;
	cJSON_ArrayForEach(m, msgs)
		ctl_conv_line_fill(&lines[i++], m);
	for (i = 0; i < n; i++)
		for (j = 0; j < CTL_CONV_COLS; j++)
			if ((w = ctl_utf8_width(lines[i].cell[j])) > width[j])
				width[j] = w;
	for (i = 0; i < n; i++) {
		ctl_conv_print_line(&lines[i], width);
		ctl_conv_line_clear(&lines[i]);
	}
	free(lines);
}
