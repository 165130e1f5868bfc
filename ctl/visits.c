/*
 * asystentctl visit: the options and printers of the visit commands,
 * and the iCalendar file of an assistant's visits (RFC 5545).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "ctl.h"

const struct ctl_pos ctl_pos_visit_family[] = {
	{ "FAMILY", CTL_POS_STR, "family" }
};
const struct ctl_pos ctl_pos_visit_id[] = { { "ID", CTL_POS_ID, NULL } };

const struct ctl_opt ctl_opts_visit_add[] = {
	{ "at", CTL_OPT_STR, "at", NULL, 1 },
	{ "minutes", CTL_OPT_ID, "minutes", NULL, 0 },
	{ "kind", CTL_OPT_STR, "kind", NULL, 0 },
	{ "place", CTL_OPT_STR, "place", NULL, 0 },
	{ "note", CTL_OPT_STR, "note", NULL, 0 },
	{ "assistant", CTL_OPT_ID, "assistant_id", NULL, 0 },
	{ "every", CTL_OPT_STR, "every_weeks", NULL, 0 },
	{ "until", CTL_OPT_STR, "until", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
const struct ctl_opt ctl_opts_visit_list[] = {
	{ "family", CTL_OPT_QUERY, "family", NULL, 0 },
	{ "assistant", CTL_OPT_QUERY, "assistant", NULL, 0 },
	{ "from", CTL_OPT_QUERY, "from", NULL, 0 },
	{ "to", CTL_OPT_QUERY, "to", NULL, 0 },
	{ "unconfirmed", CTL_OPT_QUERY_CONST, "unconfirmed", "1", 0 },
	{ "ics", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
const struct ctl_opt ctl_opts_visit_move[] = {
	{ "at", CTL_OPT_STR, "at", NULL, 1 },
	{ NULL, 0, NULL, NULL, 0 }
};
const struct ctl_opt ctl_opts_visit_cancel[] = {
	{ "reason", CTL_OPT_STR, "reason", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static char *
ctl_get_family_code(const cJSON *obj, const char *key)
{
	return ctl_text(cJSON_GetObjectItemCaseSensitive(obj, key), "code");
}

static char *
ctl_get_assistant(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsObject(a) ? ctl_text(a, "name") : NULL;
}

static char *
ctl_get_answer(const cJSON *obj, const char *key)
{
	const cJSON	*st = cJSON_GetObjectItemCaseSensitive(obj, "state");
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(st) && strcmp(st->valuestring, "cancelled") == 0)
		return xstrdup("cancelled");
	if (!cJSON_IsString(a) || strcmp(a->valuestring, "none") == 0)
		return xstrdup("no answer");
	if (strcmp(a->valuestring, "cannot_come") == 0)
		return xstrdup("cannot come");
	if (strcmp(a->valuestring, "another_time") == 0)
		return xstrdup("another time");
	return xstrdup(a->valuestring);
}

static char *
ctl_get_reminders(const cJSON *obj, const char *key)
{
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(obj, key), *r;
	char		*s = NULL, *n, *local, *st;

	cJSON_ArrayForEach(r, a) {
		local = ctl_text(r, "local");
		st = ctl_text(r, "state");
		n = xasprintf("%s%s%s %s", s ? s : "", s ? "\n  " : "",
		    local ? local : "-", st ? st : "-");
		free(local);
		free(st);
		free(s);
		s = n;
	}
	return s;
}

static const struct ctl_col visit_list[] = {
	{ "ID", "id", NULL },
	{ "WHEN", "local", NULL },
	{ "MIN", "minutes", NULL },
	{ "FAMILY", "family", ctl_get_family_code },
	{ "KIND", "kind", NULL },
	{ "PLACE", "place", NULL },
	{ "ANSWER", "answer", ctl_get_answer },
	{ NULL, NULL, NULL }
};

static const struct ctl_col visit_show[] = {
	{ "id", "id", NULL },
	{ "family", "family", ctl_get_family_code },
	{ "assistant", "assistant", ctl_get_assistant },
	{ "when", "local", NULL },
	{ "minutes", "minutes", NULL },
	{ "kind", "kind", NULL },
	{ "place", "place", NULL },
	{ "note", "note", NULL },
	{ "state", "state", NULL },
	{ "reason", "reason", NULL },
	{ "answer", "answer", ctl_get_answer },
	{ "another time", "answer_text", NULL },
	{ "series", "series_id", NULL },
	{ "reminders", "reminders", ctl_get_reminders },
	{ NULL, NULL, NULL }
};

const struct ctl_view ctl_view_visits = { "visits", visit_list };
const struct ctl_view ctl_view_visit = { "visit", visit_show };

static void
ctl_print_warnings(const cJSON *answer)
{
	const cJSON	*w;

	cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(answer,
	    "warnings")) {
		if (!cJSON_IsString(w))
			continue;
		fputs("warning: ", stderr);
		ctl_fputs_safe(w->valuestring, stderr);
		fputc('\n', stderr);
	}
}

void
ctl_print_visits(const struct ctl_cmd *cmd, const cJSON *answer)
{
	ctl_print_list(cmd, answer);
	ctl_print_warnings(answer);
}

void
ctl_print_visit(const struct ctl_cmd *cmd, const cJSON *answer)
{
	ctl_print_object(cmd, answer);
	ctl_print_warnings(answer);
}

/* ---- iCalendar ------------------------------------------------------- */

/* Europe/Warsaw's rules since 1996, as calendars expect them. */
static const char ctl_ics_vtimezone[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Warsaw\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

/*
 * One content line: TEXT values escaped (RFC 5545 3.3.11), folded at 75
 * octets without splitting a UTF-8 sequence (3.1), ended by CRLF.
 */
static void
ctl_ics_line(FILE *f, const char *name, const char *value, int text)
{
	char		*buf;
	size_t		 len = 0, cap, i, col = 0, clen;
	const char	*p;

	cap = strlen(name) + 2 + strlen(value) * 2 + 1;
	buf = xmalloc(cap);
	len = (size_t)snprintf(buf, cap, "%s:", name);
	for (p = value; *p != '\0'; p++) {
		if (text && (*p == '\\' || *p == ';' || *p == ',')) {
			buf[len++] = '\\';
			buf[len++] = *p;
		} else if (text && *p == '\n') {
			buf[len++] = '\\';
			buf[len++] = 'n';
		} else if ((unsigned char)*p < 0x20)
			buf[len++] = ' ';
		else
			buf[len++] = *p;
	}
	for (i = 0; i < len; i += clen) {
		clen = 1;
		if ((unsigned char)buf[i] >= 0xc0)
			while (i + clen < len &&
			    ((unsigned char)buf[i + clen] & 0xc0) == 0x80)
				clen++;
		if (col + clen > 75) {
			fputs("\r\n ", f);
			col = 1;
		}
		fwrite(buf + i, 1, clen, f);
		col += clen;
	}
	fputs("\r\n", f);
	free(buf);
}

/* "2026-12-09 10:00" as 20261209T100000. */
static int
ctl_ics_local(const char *local, char out[16])
{
	if (local == NULL || strlen(local) != 16)
		return -1;
	snprintf(out, 16, "%.4s%.2s%.2sT%.2s%.2s00", local, local + 5,
	    local + 8, local + 11, local + 14);
	return 0;
}

static void
ctl_ics_event(FILE *f, const cJSON *v, const char *stamp)
{
	const cJSON	*at = cJSON_GetObjectItemCaseSensitive(v, "at");
	const cJSON	*min = cJSON_GetObjectItemCaseSensitive(v, "minutes");
	char		*code, *kind, *place, *id, *summary, *line;
	char		 start[16];

	code = ctl_get_family_code(v, "family");
	kind = ctl_text(v, "kind");
	place = ctl_text(v, "place");
	id = ctl_text(v, "id");
	if (ctl_ics_local(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    v, "local")), start) == -1 || !cJSON_IsNumber(at))
		goto out;
	fputs("BEGIN:VEVENT\r\n", f);
	line = xasprintf("visit-%s@asystent", id ? id : "0");
	ctl_ics_line(f, "UID", line, 0);
	free(line);
	ctl_ics_line(f, "DTSTAMP", stamp, 0);
	ctl_ics_line(f, "DTSTART;TZID=Europe/Warsaw", start, 0);
	line = xasprintf("PT%dM", cJSON_IsNumber(min) ? (int)min->valuedouble :
	    60);
	ctl_ics_line(f, "DURATION", line, 0);
	free(line);
	summary = xasprintf("%s (%s)", code ? code : "?", kind ? kind : "?");
	ctl_ics_line(f, "SUMMARY", summary, 1);
	free(summary);
	if (place != NULL)
		ctl_ics_line(f, "LOCATION", place, 1);
	fputs("END:VEVENT\r\n", f);
out:
	free(code);
	free(kind);
	free(place);
	free(id);
}

void
ctl_visits_ics(FILE *f, const cJSON *answer)
{
	const cJSON	*v;
	char		 stamp[20];
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(stamp, sizeof stamp, "19700101T000000Z");
	fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
	    "PRODID:-//asystent//visits//EN\r\nCALSCALE:GREGORIAN\r\n", f);
	fputs(ctl_ics_vtimezone, f);
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(answer,
	    "visits")) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(v, "state");

		if (cJSON_IsString(st) && strcmp(st->valuestring,
		    "cancelled") == 0)
			continue;
		ctl_ics_event(f, v, stamp);
	}
	fputs("END:VCALENDAR\r\n", f);
}

/* visit list: a table, the JSON answer, or with --ics a calendar. */
int
ctl_visit_list(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	cJSON		*answer = NULL;
	char		*path = ctl_build_path(cmd->path, a);
	int		 rc;

	if (a->flag && ctl_is_json(c)) {
		free(path);
		fprintf(stderr, "asystentctl: --ics and --json exclude each "
		    "other\n");
		return CTL_EX_USAGE;
	}
	/* Without --json, ctl_call prints only a failure's message. */
	rc = ctl_call(c, "GET", path, NULL, &answer);
	if (rc == CTL_EX_OK && a->flag)
		ctl_visits_ics(stdout, answer);
	else if (rc == CTL_EX_OK && !ctl_is_json(c))
		ctl_print_visits(cmd, answer);
	cJSON_Delete(answer);
	free(path);
	return rc;
}

/* visit add: "--every 2-weeks" (or "2") as every_weeks 2. */
int
ctl_visit_add(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	cJSON		*ev = cJSON_GetObjectItemCaseSensitive(a->body,
			    "every_weeks"), *answer = NULL;
	const char	*s;
	char		*end;
	long		 n;
	int		 rc;

	if (ev != NULL) {
		s = cJSON_GetStringValue(ev);
		n = s != NULL ? strtol(s, &end, 10) : 0;
		if (s == NULL || end == s || n < 1 || n > 52 ||
		    (*end != '\0' && strcmp(end, "-weeks") != 0 &&
		    strcmp(end, "-week") != 0)) {
			fprintf(stderr, "asystentctl: --every: N-weeks, N "
			    "from 1 to 52\n");
			ctl_cmd_usage(cmd, 1);
			return CTL_EX_USAGE;
		}
		cJSON_ReplaceItemInObjectCaseSensitive(a->body, "every_weeks",
		    cJSON_CreateNumber((double)n));
	}
	if ((ev != NULL) != cJSON_HasObjectItem(a->body, "until")) {
		fprintf(stderr, "asystentctl: --every and --until go "
		    "together\n");
		ctl_cmd_usage(cmd, 1);
		return CTL_EX_USAGE;
	}
	rc = ctl_call(c, "POST", cmd->path, a->body, &answer);
	if (rc == CTL_EX_OK && !ctl_is_json(c))
		ctl_print_visits(cmd, answer);
	cJSON_Delete(answer);
	return rc;
}

/* ---- group events ---------------------------------------------------- */

const struct ctl_opt ctl_opts_event_add[] = {
	{ "programme", CTL_OPT_ID, "programme", NULL, 1 },
	{ "group", CTL_OPT_STR, "group", NULL, 0 },
	{ "at", CTL_OPT_STR, "at", NULL, 1 },
	{ "place", CTL_OPT_STR, "place", NULL, 1 },
	{ "minutes", CTL_OPT_ID, "minutes", NULL, 0 },
	{ "kind", CTL_OPT_STR, "kind", NULL, 0 },
	{ "note", CTL_OPT_STR, "note", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static char *
ctl_get_counts(const cJSON *obj, const char *key)
{
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		*f, *y, *n, *a, *q, *s;

	if (!cJSON_IsObject(c))
		return NULL;
	f = ctl_text(c, "families");
	y = ctl_text(c, "confirmed");
	n = ctl_text(c, "cannot_come");
	a = ctl_text(c, "another_time");
	q = ctl_text(c, "no_answer");
	s = xasprintf("%s families: %s confirmed, %s cannot come, %s another "
	    "time, %s no answer", f ? f : "0", y ? y : "0", n ? n : "0",
	    a ? a : "0", q ? q : "0");
	free(f);
	free(y);
	free(n);
	free(a);
	free(q);
	return s;
}

static const struct ctl_col event_show[] = {
	{ "id", "id", NULL },
	{ "programme", "programme", NULL },
	{ "group", "group", NULL },
	{ "when", "local", NULL },
	{ "minutes", "minutes", NULL },
	{ "kind", "kind", NULL },
	{ "place", "place", NULL },
	{ "answers", "counts", ctl_get_counts },
	{ NULL, NULL, NULL }
};

static const struct ctl_col event_families[] = {
	{ "VISIT", "visit_id", NULL },
	{ "FAMILY", "code", NULL },
	{ "ANSWER", "answer", ctl_get_answer },
	{ NULL, NULL, NULL }
};

const struct ctl_view ctl_view_event = { "event", event_show };

void
ctl_print_event(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*e = cJSON_GetObjectItemCaseSensitive(answer, "event");
	const cJSON	*u, *fams;

	ctl_print_object(cmd, answer);
	fams = cJSON_GetObjectItemCaseSensitive(e, "families");
	if (cJSON_GetArraySize(fams) > 0) {
		printf("\n");
		ctl_print_table(fams, event_families);
	}
	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(answer,
	    "unreachable")) {
		if (!cJSON_IsString(u))
			continue;
		fputs("warning: nobody in ", stderr);
		ctl_fputs_safe(u->valuestring, stderr);
		fputs(" can be reached; no visit planned\n", stderr);
	}
	ctl_print_warnings(answer);
}
