/*
 * broadcast: drafts from a notice or from a folder of texts (pl.txt,
 * pl.sms.txt, uk.txt, ...), their previews, and who was not reached, as
 * a table or as CSV for the staff who will call them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "ctl.h"

#define CTL_TEXT_MAX	(64 * 1024)

static const char *const ctl_bc_langs[] = { "pl", "uk", "ru", "en" };

/* The file's text without a final newline; NULL when it is not there. */
static char *
ctl_bc_read(const char *path, int *err)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		if (errno != ENOENT) {
			fprintf(stderr, "asystentctl: %s: %s\n", path,
			    strerror(errno));
			*err = 1;
		}
		return NULL;
	}
	buf = xmalloc(CTL_TEXT_MAX + 1);
	n = fread(buf, 1, CTL_TEXT_MAX + 1, f);
	fclose(f);
	if (n > CTL_TEXT_MAX) {
		fprintf(stderr, "asystentctl: %s: too long\n", path);
		*err = 1;
		free(buf);
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return buf;
}

/* DIR/LANG.txt and DIR/LANG.sms.txt as {"pl":{"text","sms"}}. */
static cJSON *
ctl_bc_texts(const char *dir)
{
	cJSON	*texts = cJSON_CreateObject(), *one;
	char	*path, *text, *sms;
	int	 err = 0;
	size_t	 i;

	for (i = 0; i < 4 && !err; i++) {
		path = xasprintf("%s/%s.txt", dir, ctl_bc_langs[i]);
		text = ctl_bc_read(path, &err);
		free(path);
		path = xasprintf("%s/%s.sms.txt", dir, ctl_bc_langs[i]);
		sms = ctl_bc_read(path, &err);
		free(path);
		if (text != NULL) {
			one = cJSON_AddObjectToObject(texts, ctl_bc_langs[i]);
			cJSON_AddStringToObject(one, "text", text);
			if (sms != NULL)
				cJSON_AddStringToObject(one, "sms", sms);
		}
		free(text);
		free(sms);
	}
	if (!err && texts->child == NULL) {
		fprintf(stderr, "asystentctl: %s: no pl.txt, uk.txt, ru.txt or "
		    "en.txt\n", dir);
		err = 1;
	}
	if (err) {
		cJSON_Delete(texts);
		return NULL;
	}
	return texts;
}

/*
 * A draft of many families is prepared after the answer (202): asks
 * again until it is a draft, or was given up (the reason printed).
 */
static int
ctl_bc_ready(struct ctl *c, cJSON **answer)
{
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	const cJSON	*b;
	cJSON		*ans;
	char		 path[64], *state, *err;
	long		 status;
	int		 rc;

	for (;;) {
		b = cJSON_GetObjectItemCaseSensitive(*answer, "broadcast");
		state = ctl_text(b, "state");
		rc = state != NULL && strcmp(state, "preparing") == 0;
		if (!rc && state != NULL && strcmp(state, "cancelled") == 0 &&
		    (err = ctl_text(b, "error")) != NULL) {
			fprintf(stderr, "asystentctl: ");
			ctl_fputs_safe(err, stderr);
			fputc('\n', stderr);
			free(err);
			free(state);
			return CTL_EX_USAGE;
		}
		free(state);
		if (!rc) {
			/* Ready: its preview, as a small draft's answer. */
			ans = cJSON_DetachItemFromObjectCaseSensitive(
			    (cJSON *)b, "preview");
			if (ans != NULL) {
				cJSON_Delete(*answer);
				*answer = cJSON_CreateObject();
				cJSON_AddItemToObject(*answer, "broadcast",
				    ans);
			}
			return CTL_EX_OK;
		}
		nanosleep(&ts, NULL);
		snprintf(path, sizeof path, "/v1/broadcasts/%lld",
		    (long long)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(b, "id")));
		if ((rc = ctl_http(c, "GET", path, NULL, &status, &ans)) != 0)
			return rc;
		if ((rc = ctl_status_exit(status)) != CTL_EX_OK) {
			cJSON_Delete(ans);
			return rc;
		}
		cJSON_Delete(*answer);
		*answer = ans;
	}
}

/* broadcast create: the body is built from the options, but --text-dir. */
int
ctl_broadcast_create(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	cJSON		*dir, *texts, *target, *answer = NULL;
	long		 status;
	int		 rc;

	dir = cJSON_DetachItemFromObjectCaseSensitive(a->body, "text_dir");
	if ((dir == NULL) == (cJSON_GetObjectItemCaseSensitive(a->body,
	    "notice") == NULL)) {
		cJSON_Delete(dir);
		fprintf(stderr, "asystentctl: give --notice ID or --text-dir "
		    "DIR\n");
		ctl_cmd_usage(cmd, 1);
		return CTL_EX_USAGE;
	}
	if (dir != NULL) {
		texts = ctl_bc_texts(dir->valuestring);
		cJSON_Delete(dir);
		if (texts == NULL)
			return CTL_EX_USAGE;
		cJSON_AddItemToObject(a->body, "texts", texts);
	}
	if ((target = cJSON_GetObjectItemCaseSensitive(a->body,
	    "target")) == NULL)
		target = cJSON_AddObjectToObject(a->body, "target");
	if (a->flag)
		cJSON_AddTrueToObject(target, "all");
	if ((rc = ctl_http(c, "POST", "/v1/broadcasts", a->body, &status,
	    &answer)) != 0)
		return rc;
	/* Not an error, nor a small draft: wait until it is ready. */
	if (status == 202 && (rc = ctl_bc_ready(c, &answer)) != CTL_EX_OK) {
		cJSON_Delete(answer);
		return rc;
	}
	if ((rc = ctl_answer(c, status, answer)) == CTL_EX_OK &&
	    !ctl_is_json(c))
		ctl_print_bc_preview(cmd, answer);
	cJSON_Delete(answer);
	return rc;
}

static long long
ctl_num(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static double
ctl_dbl(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

void
ctl_print_bc_preview(const struct ctl_cmd *cmd, const cJSON *answer)
{
	const cJSON	*b, *by, *it, *sms, *one;
	const cJSON	*cost;
	long long	 s;

	(void)cmd;
	b = cJSON_GetObjectItemCaseSensitive(answer, "broadcast");
	printf("draft %lld\n", ctl_num(b, "id"));
	printf("recipients:\n");
	by = cJSON_GetObjectItemCaseSensitive(b, "recipients");
	cJSON_ArrayForEach(it, by)
		printf("  %s: %lld by Telegram, %lld by SMS\n", it->string,
		    ctl_num(it, "telegram"), ctl_num(it, "sms"));
	printf("skipped:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(b, "skipped"))
		printf("  %s: %lld\n", it->string, cJSON_IsNumber(it) ?
		    (long long)it->valuedouble : 0);
	sms = cJSON_GetObjectItemCaseSensitive(b, "sms");
	cJSON_ArrayForEach(one, sms) {
		char	*enc = ctl_text(one, "encoding");

		printf("SMS %s: %s, %lld part(s) each\n", one->string,
		    enc ? enc : "?", ctl_num(one, "parts"));
		free(enc);
	}
	cost = cJSON_GetObjectItemCaseSensitive(b, "sms_cost");
	printf("SMS parts: %lld, estimated cost %.2f zł\n",
	    ctl_num(b, "sms_parts"), cJSON_IsNumber(cost) ?
	    cost->valuedouble : 0.0);
	/* What a send reserves of the monthly budget until it is sent. */
	if (ctl_num(b, "sms_parts") > 0)
		printf("  reserved against the monthly SMS budget once sent; "
		    "Telegram copies that fall back to SMS count only when "
		    "they go\n");
	s = ctl_num(b, "seconds");
	printf("Telegram at 30 messages/s: about %lld min %02lld s\n", s / 60,
	    s % 60);
	printf("send it with: asystentctl broadcast send %lld [--at "
	    "'YYYY-MM-DD HH:MM']\n", ctl_num(b, "id"));
}

static const struct ctl_col ctl_bc_cols[] = {
	{ "ID", "id", NULL },
	{ "NOTICE", "notice", NULL },
	{ "STATE", "state", NULL },
	{ "PENDING", "pending", NULL },
	{ "QUEUED", "queued", NULL },
	{ "SKIPPED", "skipped", NULL },
	{ "CANCELLED", "cancelled", NULL },
	{ "SMS PARTS", "sms_parts", NULL },
	{ "NOT SENT", "not_sent", NULL },
	{ NULL, NULL, NULL }
};

const struct ctl_view ctl_view_broadcasts = { "broadcasts", ctl_bc_cols };
const struct ctl_view ctl_view_broadcast = { "broadcast", ctl_bc_cols };

/* A CSV field, quoted when it must be. */
static void
ctl_csv_put(const char *s, int last)
{
	const char	*p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") != NULL) {
		putchar('"');
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else
		ctl_fputs_safe(s, stdout);
	putchar(last ? '\n' : ',');
}

static const struct ctl_col ctl_failed_cols[] = {
	{ "FAMILY", "code", NULL },
	{ "CHANNEL", "channel", NULL },
	{ "LANG", "language", NULL },
	{ "PHONE", "phone", NULL },
	{ "REASON", "reason", NULL },
	{ NULL, NULL, NULL }
};

/* broadcast failed ID [--csv]. */
int
ctl_broadcast_failed(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	const cJSON	*rows, *row;
	const struct ctl_col *col;
	cJSON		*answer = NULL;
	char		*path, *v;
	int		 rc;

	(void)cmd;
	path = xasprintf("/v1/broadcasts/%s/failed", a->pos[0]);
	rc = ctl_call(c, "GET", path, NULL, &answer);
	free(path);
	if (rc != CTL_EX_OK || ctl_is_json(c)) {
		cJSON_Delete(answer);
		return rc;
	}
	rows = cJSON_GetObjectItemCaseSensitive(answer, "failed");
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(answer,
	    "purged_at")))
		fprintf(stderr, "asystentctl: who was not reached was dropped "
		    "after [retention] failed_recipient_days; the counts are "
		    "in broadcast show\n");
	if (!a->flag)
		ctl_print_table(rows, ctl_failed_cols);
	else {
		printf("family,channel,language,phone,reason\n");
		cJSON_ArrayForEach(row, rows)
			for (col = ctl_failed_cols; col->key != NULL; col++) {
				v = ctl_text(row, col->key);
				ctl_csv_put(v != NULL && strcmp(v, "-") != 0 ?
				    v : "", col[1].key == NULL);
				free(v);
			}
	}
	cJSON_Delete(answer);
	return rc;
}

char *
ctl_get_sms_month(const cJSON *obj, const char *key)
{
	const cJSON	*m = cJSON_GetObjectItemCaseSensitive(obj, key);
	const cJSON	*budget;
	char		 of[64];

	if (!cJSON_IsObject(m))
		return NULL;
	budget = cJSON_GetObjectItemCaseSensitive(m, "budget");
	if (cJSON_IsNumber(budget) && budget->valuedouble > 0)
		(void)snprintf(of, sizeof of, "of %.2f zł",
		    budget->valuedouble);
	else
		(void)snprintf(of, sizeof of, "(no budget)");
	/* Reserved: broadcasts queued, scheduled or sending, not sent yet. */
	return xasprintf("%lld parts, %.2f zł %s; reserved by broadcasts "
	    "not sent yet: %lld parts, %.2f zł", ctl_num(m, "parts"),
	    ctl_dbl(m, "cost"), of, ctl_num(m, "reserved"),
	    ctl_dbl(m, "reserved_cost"));
}
