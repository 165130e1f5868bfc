/*
 * report programme: a programme's monthly figures as a table (a row per
 * month and the totals, then the range by language and by channel) or
 * as CSV, a record per month and breakdown. Counts only: no name, no
 * phone reaches this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "csv.h"
#include "ctl.h"

/* The answer's figures, in the order printed, with their short titles. */
static const struct {
	const char	*key;
	const char	*title;
} ctl_report_figs[] = {
	{ "enrolled", "FAMS" },
	{ "joined", "JOIN" },
	{ "left", "LEFT" },
	{ "participants", "PERS" },
	{ "messages_from", "MSG_IN" },
	{ "messages_to", "MSG_OUT" },
	{ "visits_planned", "V_PLAN" },
	{ "visits_held", "V_HELD" },
	{ "visits_cancelled", "V_CANC" },
	{ "visits_missed", "V_MISS" },
	{ "notices_sent", "N_SENT" },
	{ "notices_delivered", "N_DELIV" },
	{ "broadcasts_sent", "B_SENT" },
	{ "broadcasts_delivered", "B_DELIV" },
};
#define CTL_REPORT_NFIGS	\
	(sizeof ctl_report_figs / sizeof ctl_report_figs[0])

static long long
ctl_report_num(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void
ctl_report_head(const char *first)
{
	size_t	 i;

	printf("%-8s", first);
	for (i = 0; i < CTL_REPORT_NFIGS; i++)
		printf(" %7s", ctl_report_figs[i].title);
	putchar('\n');
}

static void
ctl_report_line(const char *label, const cJSON *o)
{
	size_t	 i;

	printf("%-8s", label);
	for (i = 0; i < CTL_REPORT_NFIGS; i++)
		printf(" %7lld", ctl_report_num(o, ctl_report_figs[i].key));
	putchar('\n');
}

/* A breakdown of the totals: one line per language or channel. */
static void
ctl_report_split(const char *title, const cJSON *by)
{
	const cJSON	*o;

	printf("\n%s\n", title);
	ctl_report_head(strcmp(title, "By language") == 0 ? "LANG" :
	    "CHANNEL");
	cJSON_ArrayForEach(o, by)
		ctl_report_line(o->string, o);
}

static void
ctl_report_table(const cJSON *rep)
{
	const cJSON	*m, *tot = cJSON_GetObjectItem(rep, "totals");
	const cJSON	*g = cJSON_GetObjectItem(rep, "group");
	const cJSON	*p = cJSON_GetObjectItem(rep, "programme");
	const cJSON	*name = cJSON_GetObjectItem(p, "name");

	fputs("Programme ", stdout);
	ctl_fputs_safe(cJSON_IsString(name) ? name->valuestring : "-",
	    stdout);
	if (cJSON_IsString(g)) {
		fputs(", group ", stdout);
		ctl_fputs_safe(g->valuestring, stdout);
	}
	printf(", %s to %s\n\n", cJSON_GetStringValue(cJSON_GetObjectItem(rep,
	    "from")), cJSON_GetStringValue(cJSON_GetObjectItem(rep, "to")));
	ctl_report_head("MONTH");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "months"))
		ctl_report_line(cJSON_GetStringValue(cJSON_GetObjectItem(m,
		    "month")), m);
	ctl_report_line("TOTAL", tot);
	ctl_report_split("By language", cJSON_GetObjectItem(tot,
	    "by_language"));
	ctl_report_split("By channel", cJSON_GetObjectItem(tot,
	    "by_channel"));
	printf("\nFAMS families enrolled at the month's end (total: at any "
	    "time), JOIN LEFT\nenrolments begun and ended, PERS their "
	    "members; the rest while enrolled:\nmessages from and to "
	    "families, visits, notices and broadcasts sent and\n"
	    "delivered. doc/admin-api.md says how each is counted.\n");
}

static void
ctl_report_csv_rec(const char *month, const char *by, const char *value,
    const cJSON *o)
{
	char	 num[32];
	size_t	 i;

	csv_put(stdout, month, 0);
	csv_put(stdout, by, 0);
	csv_put(stdout, value, 0);
	for (i = 0; i < CTL_REPORT_NFIGS; i++) {
		snprintf(num, sizeof num, "%lld", ctl_report_num(o,
		    ctl_report_figs[i].key));
		csv_put(stdout, num, i + 1 == CTL_REPORT_NFIGS);
	}
}

/* A month's (or the totals') record, then one per language and channel. */
static void
ctl_report_csv_month(const char *month, const cJSON *o)
{
	const cJSON	*x;

	ctl_report_csv_rec(month, "all", "", o);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "by_language"))
		ctl_report_csv_rec(month, "language", x->string, x);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "by_channel"))
		ctl_report_csv_rec(month, "channel", x->string, x);
}

static void
ctl_report_csv(const cJSON *rep)
{
	const cJSON	*m;
	size_t		 i;

	fputs("month,breakdown,value", stdout);
	for (i = 0; i < CTL_REPORT_NFIGS; i++)
		printf(",%s", ctl_report_figs[i].key);
	putchar('\n');
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(rep, "months"))
		ctl_report_csv_month(cJSON_GetStringValue(
		    cJSON_GetObjectItem(m, "month")), m);
	ctl_report_csv_month("total", cJSON_GetObjectItem(rep, "totals"));
}

int
ctl_programme_report(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	cJSON	*answer = NULL;
	char	*path;
	int	 rc;

	path = ctl_build_path(cmd->path, a);
	rc = ctl_call(c, "GET", path, NULL, &answer);
	free(path);
	if (rc == CTL_EX_OK && !ctl_is_json(c)) {
		if (a->flag)
			ctl_report_csv(cJSON_GetObjectItem(answer, "report"));
		else
			ctl_report_table(cJSON_GetObjectItem(answer,
			    "report"));
	}
	cJSON_Delete(answer);
	return rc;
}
