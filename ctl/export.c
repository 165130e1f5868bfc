/*
 * family export: everything held about a family (GDPR art. 15) as JSON
 * and as text a person can read. Without --out the text goes to stdout
 * (the JSON with --json); with --out FILE the JSON is written to FILE
 * and the text to FILE.txt, both new files, 0600. Times are the
 * centre's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "ctl.h"

static const char *
ex_str(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t
ex_int(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Control characters out, so a name cannot steer the terminal. */
static void
ex_puts(FILE *f, const char *s)
{
	ctl_fputs_safe(s != NULL ? s : "-", f);
}

static void
ex_time(FILE *f, int64_t at, int with_time)
{
	struct tm	 tm;
	time_t		 t = (time_t)at;
	char		 buf[32];
	size_t		 n = 0;

	if (at == 0) {
		fputs("-", f);
		return;
	}
	if (localtime_r(&t, &tm) != NULL)
		n = with_time ? strftime(buf, sizeof buf, "%Y-%m-%d %H:%M",
		    &tm) : strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
	fputs(n > 0 ? buf : "?", f);
}

/* The member's first name by id, for the messages; NULL: unknown. */
static const char *
ex_member_name(const cJSON *fam, int64_t id)
{
	const cJSON	*m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(fam,
	    "members"))
		if (ex_int(m, "id") == id)
			return ex_str(m, "name");
	return NULL;
}

static const char *
ex_staff_name(const cJSON *staff, int64_t id)
{
	const cJSON	*s;

	cJSON_ArrayForEach(s, staff)
		if (ex_int(s, "id") == id)
			return ex_str(s, "name");
	return NULL;
}

static void
ex_family(FILE *f, const cJSON *fam)
{
	const cJSON	*a;

	fputs("Family\n  code: ", f);
	ex_puts(f, ex_str(fam, "code"));
	fputs("\n  name: ", f);
	ex_puts(f, ex_str(fam, "name"));
	fprintf(f, "\n  language: %s\n  channel: %s\n  assistant: ",
	    ex_str(fam, "language") ? ex_str(fam, "language") : "-",
	    ex_str(fam, "channel") ? ex_str(fam, "channel") : "-");
	a = cJSON_GetObjectItemCaseSensitive(fam, "assistant");
	ex_puts(f, cJSON_IsObject(a) ? ex_str(a, "name") : NULL);
	fputs("\n  substitute: ", f);
	a = cJSON_GetObjectItemCaseSensitive(fam, "substitute");
	ex_puts(f, cJSON_IsObject(a) ? ex_str(a, "name") : NULL);
	fputs("\n  notes: ", f);
	ex_puts(f, ex_str(fam, "notes"));
	fputs("\n  registered: ", f);
	ex_time(f, ex_int(fam, "created_at"), 1);
	/* Closed, or erased: what is left of it is what counts keep. */
	if (ex_int(fam, "closed_at") > 0) {
		fputs("\n  closed: ", f);
		ex_time(f, ex_int(fam, "closed_at"), 0);
	}
	if (ex_int(fam, "erased_at") > 0) {
		fputs("\n  erased: ", f);
		ex_time(f, ex_int(fam, "erased_at"), 0);
	}
	fputs("\n", f);
}

static void
ex_member(FILE *f, const cJSON *m)
{
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(m, "consent");
	const cJSON	*a = cJSON_GetObjectItemCaseSensitive(m,
			    "announcements");
	const cJSON	*l = cJSON_GetObjectItemCaseSensitive(m,
			    "last_channel");

	fprintf(f, "  #%lld ", (long long)ex_int(m, "id"));
	ex_puts(f, ex_str(m, "name"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "contact")))
		fputs(" (contact)", f);
	fputs("\n    phone: ", f);
	ex_puts(f, ex_str(m, "phone"));
	fprintf(f, "\n    Telegram linked: %s\n    consent: ",
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
	    "telegram_linked")) ? "yes" : "no");
	if (cJSON_IsObject(c)) {
		ex_time(f, ex_int(c, "at"), 0);
		fputs(", version ", f);
		ex_puts(f, ex_str(c, "version"));
		if (ex_str(c, "ref") != NULL) {
			fputs(", paper form ", f);
			ex_puts(f, ex_str(c, "ref"));
		}
	} else
		fputs("none", f);
	if (cJSON_IsObject(a)) {
		fprintf(f, "\n    announcements and reminders: %s since ",
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "on")) ?
		    "on" : "off");
		ex_time(f, ex_int(a, "since"), 0);
	}
	fputs("\n    last message reached them by: ", f);
	if (cJSON_IsObject(l)) {
		ex_puts(f, ex_str(l, "channel"));
		fputs(", ", f);
		ex_time(f, ex_int(l, "at"), 1);
	} else
		fputs("-", f);
	fputs("\n", f);
}

static void
ex_programmes(FILE *f, const cJSON *fam)
{
	const cJSON	*e;

	fputs("\nProgrammes\n", f);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(fam,
	    "programmes")) {
		fputs("  ", f);
		ex_puts(f, ex_str(e, "programme"));
		if (ex_str(e, "group") != NULL) {
			fputs(" (", f);
			ex_puts(f, ex_str(e, "group"));
			fputs(")", f);
		}
		fprintf(f, " from %s until %s\n", ex_str(e, "from") ?
		    ex_str(e, "from") : "-", ex_str(e, "until") ?
		    ex_str(e, "until") : "-");
	}
}

static void
ex_messages(FILE *f, const cJSON *x, const cJSON *fam)
{
	const cJSON	*msgs = cJSON_GetObjectItemCaseSensitive(x, "messages");
	const cJSON	*staff = cJSON_GetObjectItemCaseSensitive(x, "staff");
	const cJSON	*m;
	const char	*text, *p;
	int		 from;

	fprintf(f, "\nMessages (%d)\n", cJSON_GetArraySize(msgs));
	cJSON_ArrayForEach(m, msgs) {
		from = strcmp(ex_str(m, "direction") ? ex_str(m, "direction") :
		    "", "from_family") == 0;
		fputs("  ", f);
		ex_time(f, ex_int(m, "at"), 1);
		fputs(from ? "  from " : "  to ", f);
		text = ex_member_name(fam, ex_int(m, "member_id"));
		ex_puts(f, text != NULL ? text : "the family");
		if (ex_int(m, "staff_id") != 0) {
			fputs(from ? ", read by " : ", written by ", f);
			ex_puts(f, ex_staff_name(staff, ex_int(m,
			    "staff_id")));
		}
		fprintf(f, " (%s, %s, %s)\n", ex_str(m, "kind") ?
		    ex_str(m, "kind") : "-", ex_str(m, "channel") ?
		    ex_str(m, "channel") : "-", ex_str(m, "state") ?
		    ex_str(m, "state") : "-");
		text = ex_str(m, "text");
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m,
		    "purged")))
			fputs("    (text removed after the retention period)\n",
			    f);
		/* Each line of the text indented; the rest made safe. */
		for (p = text; p != NULL && *p != '\0'; ) {
			size_t	 n = strcspn(p, "\n");
			char	*line = xstrndup(p, n);

			fputs("    ", f);
			ex_puts(f, line);
			fputs("\n", f);
			free(line);
			p += n;
			if (*p == '\n')
				p++;
		}
	}
}

static void
ex_visits(FILE *f, const cJSON *x)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(x, "visits");
	const cJSON	*a;

	fprintf(f, "\nVisits (%d)\n", cJSON_GetArraySize(v));
	cJSON_ArrayForEach(a, v) {
		fputs("  ", f);
		ex_time(f, ex_int(a, "at"), 1);
		fputs("  ", f);
		ex_puts(f, ex_str(a, "kind"));
		fputs(", ", f);
		ex_puts(f, ex_str(a, "state"));
		fputs(", answer: ", f);
		ex_puts(f, ex_str(a, "answer"));
		if (ex_str(a, "place") != NULL) {
			fputs(", place: ", f);
			ex_puts(f, ex_str(a, "place"));
		}
		fputs("\n", f);
		if (ex_str(a, "note") != NULL) {
			fputs("    note: ", f);
			ex_puts(f, ex_str(a, "note"));
			fputs("\n", f);
		}
		if (ex_str(a, "answer_text") != NULL) {
			fputs("    the family wrote: ", f);
			ex_puts(f, ex_str(a, "answer_text"));
			fputs("\n", f);
		}
		if (ex_str(a, "reason") != NULL) {
			fputs("    cancelled because: ", f);
			ex_puts(f, ex_str(a, "reason"));
			fputs("\n", f);
		}
	}
}

/*
 * "2026-03-10 12:00  report-change v1, pl, by sms: sent, delivered", and
 * "broadcast 4: report-change v1, ..." or "broadcast 5 (its own texts),
 * ..." for a broadcast's copy.
 */
static void
ex_notices(FILE *f, const cJSON *x)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(x, "notices");
	const cJSON	*a;

	fprintf(f, "\nNotices sent (%d)\n", cJSON_GetArraySize(v));
	cJSON_ArrayForEach(a, v) {
		fputs("  ", f);
		ex_time(f, ex_int(a, "at"), 1);
		fputs("  ", f);
		if (ex_int(a, "broadcast") != 0)
			fprintf(f, "broadcast %lld%s", (long long)ex_int(a,
			    "broadcast"), ex_str(a, "notice") != NULL ? ": " :
			    " (its own texts), ");
		if (ex_str(a, "notice") != NULL) {
			ex_puts(f, ex_str(a, "notice"));
			fprintf(f, " v%lld, ", (long long)ex_int(a, "version"));
		}
		ex_puts(f, ex_str(a, "language"));
		fputs(", by ", f);
		ex_puts(f, ex_str(a, "channel"));
		fputs(": ", f);
		ex_puts(f, ex_str(a, "state"));
		if (ex_str(a, "delivery") != NULL) {
			fputs(", ", f);
			ex_puts(f, ex_str(a, "delivery"));
		}
		fputs("\n", f);
	}
}

static void
ex_audit(FILE *f, const cJSON *x)
{
	const cJSON	*a;

	fputs("\nRecord of who did what (audit)\n", f);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(x, "audit")) {
		fputs("  ", f);
		ex_time(f, ex_int(a, "at"), 1);
		fprintf(f, "  uid %lld  ", (long long)ex_int(a, "uid"));
		ex_puts(f, ex_str(a, "action"));
		fputs(" ", f);
		ex_puts(f, ex_str(a, "object"));
		fprintf(f, " %lld\n", (long long)ex_int(a, "object_id"));
	}
}

static void
ex_text(FILE *f, const cJSON *x)
{
	const cJSON	*fam = cJSON_GetObjectItemCaseSensitive(x, "family");
	const cJSON	*m;

	fputs("Everything held about family ", f);
	ex_puts(f, ex_str(fam, "code"));
	fputs(", as of ", f);
	ex_time(f, ex_int(x, "generated_at"), 1);
	fputs("\n\n", f);
	ex_family(f, fam);
	fputs("\nMembers\n", f);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(fam, "members"))
		ex_member(f, m);
	ex_programmes(f, fam);
	ex_messages(f, x, fam);
	ex_visits(f, x);
	ex_notices(f, x);
	ex_audit(f, x);
}

/* A new file, 0600; NULL (after a message) when it exists or fails. */
static FILE *
ex_create(const char *path)
{
	FILE	*f;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		fprintf(stderr, "asystentctl: %s: %s\n", path,
		    errno == EEXIST ? "exists; an export never overwrites a "
		    "file" : strerror(errno));
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "asystentctl: %s: %s\n", path,
		    strerror(errno));
		close(fd);
	}
	return f;
}

static int
ex_close(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) == EOF) {
		fprintf(stderr, "asystentctl: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static int
ex_write(const char *out, const cJSON *x)
{
	char	*txt = xasprintf("%s.txt", out), *json = NULL;
	FILE	*f = NULL, *t = NULL;
	int	 rc = CTL_EX_CANTCREAT, bad;

	if ((f = ex_create(out)) == NULL)
		goto out;
	if ((t = ex_create(txt)) == NULL) {
		fclose(f);
		unlink(out);
		goto out;
	}
	if ((json = cJSON_Print(x)) == NULL)
		fputs("{}", f);
	else
		fputs(json, f);
	fputs("\n", f);
	ex_text(t, x);
	/* Both closed, whatever the first gave. */
	bad = ex_close(f, out) == -1;
	bad |= ex_close(t, txt) == -1;
	if (bad) {
		unlink(out);
		unlink(txt);
		goto out;
	}
	printf("export written to ");
	ctl_fputs_safe(out, stdout);
	printf(" (JSON) and ");
	ctl_fputs_safe(txt, stdout);
	printf(" (text)\n");
	rc = CTL_EX_OK;
out:
	free(json);
	free(txt);
	return rc;
}

int
ctl_family_export(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	const cJSON	*out = cJSON_GetObjectItem(a->query, "out");
	char		*file = NULL, *path;
	cJSON		*answer = NULL;
	long		 status;
	int		 rc;

	/* --out is ours, not a query parameter of the request. */
	if (out != NULL) {
		file = xstrdup(out->valuestring);
		cJSON_DeleteItemFromObject(a->query, "out");
	}
	path = ctl_build_path(cmd->path, a);
	rc = ctl_http(c, "GET", path, NULL, &status, &answer);
	free(path);
	if (rc != 0)
		goto out;
	if ((rc = ctl_status_exit(status)) != CTL_EX_OK) {
		fprintf(stderr, "asystentctl: %s\n", ctl_error_message(answer) ?
		    ctl_error_message(answer) : "the export was refused");
		goto out;
	}
	if (file != NULL)
		rc = ex_write(file, cJSON_GetObjectItem(answer, "export"));
	else if (ctl_is_json(c))
		ctl_print_json(answer);
	else
		ex_text(stdout, cJSON_GetObjectItem(answer, "export"));
out:
	free(file);
	cJSON_Delete(answer);
	return rc;
}
