/*
 * audit list: the audit trail as a table or CSV. --since takes a date in
 * the centre's zone and asks the daemon for rows from its midnight on;
 * uids are shown with the login they belong to on this machine.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "csv.h"
#include "ctl.h"

/* YYYY-MM-DD at 00:00 in TZ (set from the config); -1 when malformed. */
static long long
ctl_audit_day(const char *s)
{
	struct tm	 tm;
	time_t		 t;
	int		 y, m, d;
	char		 tail;

	memset(&tm, 0, sizeof tm);
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d,
	    &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	/* Midnight is never in Warsaw's DST gap (02:00-03:00). */
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1)
		return -1;
	return (long long)t;
}

static void
ctl_audit_when(const cJSON *row, char buf[32])
{
	const cJSON	*at = cJSON_GetObjectItem(row, "at");
	struct tm	 tm;
	time_t		 t = cJSON_IsNumber(at) ? (time_t)at->valuedouble : 0;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "-");
}

static void
ctl_audit_who(const cJSON *row, char buf[64])
{
	const cJSON	*uid = cJSON_GetObjectItem(row, "uid");
	struct passwd	 pw, *res = NULL;
	char		 pwbuf[1024];

	if (!cJSON_IsNumber(uid)) {
		snprintf(buf, 64, "-");
		return;
	}
	if (getpwuid_r((uid_t)uid->valuedouble, &pw, pwbuf, sizeof pwbuf,
	    &res) == 0 && res != NULL)
		snprintf(buf, 64, "%s", pw.pw_name);
	else
		snprintf(buf, 64, "#%.0f", uid->valuedouble);
}

static const char *
ctl_audit_str(const cJSON *row, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItem(row, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
ctl_audit_print(const cJSON *rows, int csv)
{
	const cJSON	*row, *oid;
	char		 when[32], who[64], id[32], obj[32];

	if (csv)
		printf("id,at,user,action,object,object_id\n");
	else
		printf("%-6s %-19s %-12s %-26s %s\n", "ID", "AT", "USER",
		    "ACTION", "OBJECT");
	cJSON_ArrayForEach(row, rows) {
		ctl_audit_when(row, when);
		ctl_audit_who(row, who);
		snprintf(id, sizeof id, "%.0f",
		    cJSON_GetNumberValue(cJSON_GetObjectItem(row, "id")));
		oid = cJSON_GetObjectItem(row, "object_id");
		if (cJSON_IsNumber(oid))
			snprintf(obj, sizeof obj, "%.0f", oid->valuedouble);
		else
			obj[0] = '\0';
		if (csv) {
			csv_put(stdout, id, 0);
			csv_put(stdout, when, 0);
			csv_put(stdout, who, 0);
			csv_put(stdout, ctl_audit_str(row, "action"), 0);
			csv_put(stdout, ctl_audit_str(row, "object"), 0);
			csv_put(stdout, obj, 1);
			continue;
		}
		printf("%-6s %-19s %-12s %-26s ", id, when, who,
		    ctl_audit_str(row, "action"));
		ctl_fputs_safe(ctl_audit_str(row, "object"), stdout);
		printf("%s%s\n", obj[0] != '\0' ? " " : "", obj);
	}
}

int
ctl_audit_list(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	cJSON		*since = cJSON_GetObjectItem(a->query, "since");
	cJSON		*answer = NULL;
	char		*path, num[32];
	long long	 t;
	int		 rc;

	if (since != NULL) {
		if ((t = ctl_audit_day(since->valuestring)) < 0) {
			fprintf(stderr, "asystentctl: --since: a date "
			    "YYYY-MM-DD expected\n");
			return CTL_EX_USAGE;
		}
		snprintf(num, sizeof num, "%lld", t);
		cJSON_ReplaceItemInObject(a->query, "since",
		    cJSON_CreateString(num));
	}
	path = ctl_build_path(cmd->path, a);
	rc = ctl_call(c, "GET", path, NULL, &answer);
	free(path);
	if (rc == CTL_EX_OK && !ctl_is_json(c))
		ctl_audit_print(cJSON_GetObjectItem(answer, "audit"), a->flag);
	cJSON_Delete(answer);
	return rc;
}
