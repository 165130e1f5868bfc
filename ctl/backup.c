/*
 * backup FILE: asks the daemon for an online copy of its database, then
 * waits for it, showing nothing until it is done (the daemon copies in
 * steps while it serves). The file is written by the daemon, as its
 * user; a relative name is taken from the current directory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ctl.h"

static const char *
ctl_backup_state(const cJSON *answer, const char *key)
{
	const cJSON	*b = cJSON_GetObjectItem(answer, "backup");
	const cJSON	*v = cJSON_GetObjectItem(b, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Polls GET /v1/backup until the copy is done or failed. */
static int
ctl_backup_wait(struct ctl *c, cJSON **answer)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	cJSON		*a = NULL;
	long		 status;
	int		 rc;

	for (;;) {
		cJSON_Delete(a);
		a = NULL;
		if ((rc = ctl_http(c, "GET", "/v1/backup", NULL, &status,
		    &a)) != 0)
			return rc;
		if ((rc = ctl_status_exit(status)) != CTL_EX_OK) {
			fprintf(stderr, "asystentctl: %s\n",
			    ctl_error_message(a) ? ctl_error_message(a) :
			    "the daemon did not say how the backup went");
			cJSON_Delete(a);
			return rc;
		}
		if (strcmp(ctl_backup_state(a, "state"), "running") != 0)
			break;
		nanosleep(&ts, NULL);
	}
	*answer = a;
	return CTL_EX_OK;
}

int
ctl_backup(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	cJSON	*body = cJSON_CreateObject(), *answer = NULL;
	char	 cwd[PATH_MAX], path[PATH_MAX + 1];
	long	 status;
	int	 rc;

	(void)cmd;
	if (a->pos[0][0] == '/')
		snprintf(path, sizeof path, "%s", a->pos[0]);
	else if (getcwd(cwd, sizeof cwd) == NULL ||
	    (size_t)snprintf(path, sizeof path, "%s/%s", cwd, a->pos[0]) >=
	    sizeof path) {
		fprintf(stderr, "asystentctl: %s: name too long\n", a->pos[0]);
		cJSON_Delete(body);
		return CTL_EX_USAGE;
	}
	cJSON_AddStringToObject(body, "path", path);
	rc = ctl_http(c, "POST", "/v1/backup", body, &status, &answer);
	cJSON_Delete(body);
	if (rc != 0)
		return rc;
	if ((rc = ctl_status_exit(status)) != CTL_EX_OK) {
		fprintf(stderr, "asystentctl: %s\n", ctl_error_message(answer) ?
		    ctl_error_message(answer) : "the backup was refused");
		cJSON_Delete(answer);
		return rc;
	}
	cJSON_Delete(answer);
	answer = NULL;
	if ((rc = ctl_backup_wait(c, &answer)) != 0)
		return rc;
	if (strcmp(ctl_backup_state(answer, "state"), "done") != 0) {
		fprintf(stderr, "asystentctl: backup failed: %s\n",
		    ctl_backup_state(answer, "error"));
		rc = CTL_EX_SOFTWARE;
	} else if (ctl_is_json(c))
		ctl_print_json(answer);
	else {
		printf("backup written to ");
		ctl_fputs_safe(path, stdout);
		printf("\n");
	}
	cJSON_Delete(answer);
	return rc;
}
