/*
 * POST /v1/backup, GET /v1/backup: a consistent copy of the database
 * while the daemon keeps serving. SQLite's backup API copies it in
 * steps from a zero-delay timer, so requests and messages are served
 * between them; changes made meanwhile are carried into the copy. The
 * copy is written under a temporary name and linked to the asked one
 * only when complete, so a file of that name is always a whole backup.
 * Values stay sealed: the copy is useless without the master key.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "admin_priv.h"
#include "app.h"
#include "log.h"
#include "people.h"
#include "store.h"

#define BACKUP_PAGES	256	/* per step: a few ms of copying */

enum backup_state { BACKUP_NONE, BACKUP_RUNNING, BACKUP_DONE, BACKUP_FAILED };

static const char *const backup_state_names[] = {
	[BACKUP_NONE] = "none",
	[BACKUP_RUNNING] = "running",
	[BACKUP_DONE] = "done",
	[BACKUP_FAILED] = "failed",
};

/* The one backup of this daemon: the running one, or the last. */
static struct {
	enum backup_state	 state;
	struct app		*app;
	struct store_backup	*sb;
	struct event		*ev;
	uid_t			 uid;
	char			 path[PATH_MAX];
	char			 tmp[PATH_MAX];
	char			 error[256];
	int			 remaining;
	int			 total;
	int64_t			 started_at;	/* unix ms */
	int64_t			 finished_at;
} bk;

static void
backup_end(int ok)
{
	store_backup_free(bk.sb);
	bk.sb = NULL;
	bk.finished_at = store_now_ms();
	if (ok && link(bk.tmp, bk.path) == -1) {
		snprintf(bk.error, sizeof bk.error, "cannot name the copy: %s",
		    strerror(errno));
		ok = 0;
	}
	if (unlink(bk.tmp) == -1 && errno != ENOENT)
		log_warn("event=backup.unlink_failed errno=%d", errno);
	bk.state = ok ? BACKUP_DONE : BACKUP_FAILED;
	if (ok)
		log_notice("event=backup.done pages=%d ms=%" PRId64, bk.total,
		    bk.finished_at - bk.started_at);
	else
		log_err("event=backup.failed error=\"%s\"", bk.error);
	if (people_audit(bk.app->people, bk.uid, ok ? "backup.done" :
	    "backup.failed", "backup", 0) != PEOPLE_OK)
		log_warn("event=admin.audit_failed action=backup.done");
}

static void
backup_step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct timeval	 now = { 0, 0 };
	int		 rc;

	(void)fd;
	(void)what;
	(void)arg;
	rc = store_backup_step(bk.sb, BACKUP_PAGES, &bk.remaining, &bk.total,
	    bk.error, sizeof bk.error);
	if (rc == 0) {
		if (evtimer_add(bk.ev, &now) == 0)
			return;
		snprintf(bk.error, sizeof bk.error, "cannot schedule a step");
		rc = -1;
	}
	if (rc == 1 && store_backup_finish(bk.sb, bk.error,
	    sizeof bk.error) == -1)
		rc = -1;
	backup_end(rc == 1);
}

/* An absolute path that does not exist, in a directory we may write. */
static int
backup_target(struct areq *r, const char *path)
{
	struct stat	 sb;
	int		 fd;

	if (path[0] != '/' || strlen(path) + sizeof ".partial" > PATH_MAX)
		return admin_error(r, 422, "invalid", "path: an absolute "
		    "file name expected");
	if (strpbrk(path, "\n\r\t") != NULL)
		return admin_error(r, 422, "invalid", "path: no control "
		    "characters");
	if (lstat(path, &sb) == 0)
		return admin_error(r, 409, "conflict", "the target exists; "
		    "a backup never overwrites a file");
	snprintf(bk.tmp, sizeof bk.tmp, "%s.partial", path);
	if ((fd = open(bk.tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		return admin_error(r, errno == EEXIST ? 409 : 422,
		    errno == EEXIST ? "conflict" : "invalid", "the target is "
		    "not writable by the daemon: %s", strerror(errno));
	close(fd);
	snprintf(bk.path, sizeof bk.path, "%s", path);
	return 0;
}

static cJSON *
backup_json(void)
{
	cJSON	*o = cJSON_CreateObject();

	admin_add_str(o, "state", backup_state_names[bk.state]);
	admin_add_str(o, "path", bk.state == BACKUP_NONE ? NULL : bk.path);
	admin_add_int(o, "pages", bk.total);
	admin_add_int(o, "pages_left", bk.remaining);
	admin_add_str(o, "error", bk.state == BACKUP_FAILED ? bk.error :
	    NULL);
	if (bk.state == BACKUP_NONE) {
		cJSON_AddNullToObject(o, "started_at");
		cJSON_AddNullToObject(o, "finished_at");
		return o;
	}
	admin_add_int(o, "started_at", bk.started_at / 1000);
	if (bk.state == BACKUP_RUNNING)
		cJSON_AddNullToObject(o, "finished_at");
	else
		admin_add_int(o, "finished_at", bk.finished_at / 1000);
	return o;
}

int
admin_backup_start(struct areq *r)
{
	static const struct admin_field fields[] = {
		{ "path", ADMIN_FT_STRING, 1 },
		{ NULL, 0, 0 }
	};
	struct timeval	 now = { 0, 0 };
	char		 err[256];
	int		 st;

	if ((st = admin_fields(r, r->body, fields)) != 0)
		return st;
	if (bk.state == BACKUP_RUNNING)
		return admin_error(r, 409, "conflict", "a backup is running");
	if ((st = backup_target(r, admin_str(r->body, "path"))) != 0)
		return st;
	if (bk.ev == NULL && (bk.ev = evtimer_new(r->app->base,
	    backup_step_cb, NULL)) == NULL)
		goto fail;
	if (store_backup_begin(r->app->st, bk.tmp, &bk.sb, err,
	    sizeof err) == -1) {
		log_err("event=backup.failed error=\"%s\"", err);
		goto fail;
	}
	if (evtimer_add(bk.ev, &now) == -1)
		goto fail;
	if ((st = admin_audit(r, "backup.start", "backup", 0)) != 0)
		goto fail_st;
	bk.app = r->app;
	bk.uid = r->uid;
	bk.state = BACKUP_RUNNING;
	bk.started_at = store_now_ms();
	bk.total = bk.remaining = 0;
	bk.error[0] = '\0';
	return admin_answer(r, "backup", backup_json(), 202);
fail:
	st = admin_error(r, 500, "internal", "cannot start the backup");
fail_st:
	if (bk.ev != NULL)
		evtimer_del(bk.ev);
	store_backup_free(bk.sb);
	bk.sb = NULL;
	unlink(bk.tmp);
	return st;
}

int
admin_backup_show(struct areq *r)
{
	return admin_answer(r, "backup", backup_json(), 200);
}

void
admin_backup_cleanup(void)
{
	if (bk.state == BACKUP_RUNNING) {
		store_backup_free(bk.sb);
		bk.sb = NULL;
		if (unlink(bk.tmp) == -1 && errno != ENOENT)
			log_warn("event=backup.unlink_failed errno=%d", errno);
		log_notice("event=backup.abandoned");
	}
	if (bk.ev != NULL)
		event_free(bk.ev);
	memset(&bk, 0, sizeof bk);
}
