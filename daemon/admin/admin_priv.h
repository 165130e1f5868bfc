/*
 * Shared by daemon/admin/admin.c (the server) and daemon/admin/admin_api.c (the
 * endpoints); nothing else includes it.
 */
#ifndef ASYSTENT_ADMIN_PRIV_H
#define ASYSTENT_ADMIN_PRIV_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define ADMIN_BODY_MAX		(64 * 1024)
#define ADMIN_IMPORT_MAX	(4 * 1024 * 1024)
#define ADMIN_ARGS		2

struct app;

/* One request while it is handled. */
struct areq {
	struct app		*app;
	struct evhttp_request	*req;
	const char		*arg[ADMIN_ARGS];	/* the '*' segments */
	cJSON			*body;		/* an object, maybe empty */
	struct evkeyvalq	 query;
	uid_t			 uid;
	int			 rollback;	/* keep nothing (dry runs) */
	cJSON			*out;		/* the answer on success */
	cJSON			*details;	/* error details, or NULL */
	char			 code[24];
	char			 msg[256];
};

/* Returns the HTTP status; errors through admin_error(). */
typedef int	(*admin_fn)(struct areq *r);

#define ADMIN_MUTATES	0x1	/* one transaction with its audit row */
#define ADMIN_BIG	0x2	/* the import's larger body limit */

struct admin_route {
	enum evhttp_cmd_type	 method;
	const char		*pattern;	/* '*' matches one segment */
	admin_fn		 fn;
	unsigned		 flags;
	const char *const	*query;		/* allowed keys, NULL-ended */
};

extern const struct admin_route admin_routes[];

/* Sets the error answer; returns `status` for `return admin_error(...)`. */
int	admin_error(struct areq *r, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* POST /v1/families/import (daemon/admin/admin_import.c). */
int	admin_import(struct areq *r);
/* GET /v1/families/{family}/conversation (daemon/admin/admin_history.c). */
int	admin_conversation(struct areq *r);

/* POST /v1/members/{id}/notify (daemon/admin/admin_notify.c). */
int	admin_member_notify(struct areq *r);

/* POST and DELETE /v1/members/{id}/consent (daemon/admin/admin_consent.c). */
int	admin_member_consent(struct areq *r);
int	admin_member_consent_withdraw(struct areq *r);

/* Shared helpers of the endpoint files (daemon/admin/admin_api.c). */
/* Sets r->out = {"member": {...}} (phone in full); returns `status`. */
int	admin_answer_member(struct areq *r, int64_t id, int status);
int	admin_audit(struct areq *r, const char *action, const char *object,
	    int64_t id);
void	admin_today(char buf[11]);

#endif
