/*
 * Shared by the files of daemon/admin/: admin.c (the server), the
 * endpoint files and admin_util.c (what the endpoints share); nothing
 * else includes it.
 */
#ifndef ASYSTENT_ADMIN_PRIV_H
#define ASYSTENT_ADMIN_PRIV_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "phone.h"

#define ADMIN_BODY_MAX		(64 * 1024)
#define ADMIN_IMPORT_MAX	(1024 * 1024)	/* a chunk of import rows */
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
	int			 role;		/* ADMIN_ROLE_*, of the uid */
	int64_t			 staff_id;	/* the caller; 0: none */
	const char		*deny_object;	/* what a 403 refused */
	int64_t			 deny_id;
	int			 rollback;	/* keep nothing (dry runs) */
	cJSON			*out;		/* the answer on success */
	cJSON			*details;	/* error details, or NULL */
	char			 code[24];
	char			 msg[256];
};

/* Returns the HTTP status; errors through admin_error(). */
typedef int	(*admin_fn)(struct areq *r);

#define ADMIN_MUTATES	0x1	/* one transaction with its audit row */
#define ADMIN_BIG	0x2	/* the import rows' larger body limit */
/*
 * Runs its own transactions, with its audit row: erasing a family
 * destroys the family's key in the keystore before the database's
 * transaction and truncates the WAL after its commit.
 */
#define ADMIN_OWN_TX	0x4

/*
 * Who may call a route: the least role it takes. A route without one
 * (0) is for administrators, so a new route is closed until it is given
 * a role.
 */
enum admin_perm {
	ADMIN_P_ADMIN = 0,
	ADMIN_P_ANY,		/* anyone who can connect: status */
	ADMIN_P_ASSISTANT,	/* any staff role; families checked */
	ADMIN_P_COORDINATOR	/* coordinators and administrators */
};

/* The caller's role, from the staff member tied to their login. */
enum admin_role {
	ADMIN_ROLE_NONE = 0,	/* no staff member: status only */
	ADMIN_ROLE_ASSISTANT,
	ADMIN_ROLE_COORDINATOR,
	ADMIN_ROLE_ADMIN	/* root, the daemon's user, administrators */
};

struct admin_route {
	enum evhttp_cmd_type	 method;
	const char		*pattern;	/* '*' matches one segment */
	admin_fn		 fn;
	unsigned		 flags;
	const char *const	*query;		/* allowed keys, NULL-ended */
	enum admin_perm		 perm;
};

/*
 * The request body (`len` bytes at `p`, not NUL-terminated) as r->body, a
 * JSON object; an empty body is an empty object. Over `max` bytes is 413;
 * a \u0000 in a string, malformed JSON or another type is 400. Returns 0
 * or the status of the error it set (admin.c); r->body, if set even
 * then, is the caller's to free.
 */
int	admin_body_parse(struct areq *r, const char *p, size_t len,
	    size_t max);

/* ---- what the endpoints share (admin_util.c) --------------------------- */

/*
 * A function here that returns a status returns 0 when all is well, else
 * the HTTP status of the error it set with admin_error(), so that a
 * handler reads `if ((st = admin_...(r, ...)) != 0) return st;`.
 */

/* Sets the error answer; returns `status` for `return admin_error(...)`. */
int	admin_error(struct areq *r, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* JSON types a body field may have. */
#define ADMIN_FT_STRING		0x01
#define ADMIN_FT_INT		0x02	/* a whole number, |n| <= 2^53 */
#define ADMIN_FT_BOOL		0x04
#define ADMIN_FT_OBJECT		0x08
#define ADMIN_FT_ARRAY		0x10
#define ADMIN_FT_NULL		0x20

/* The fields an object may have; a table ends with a NULL name. */
struct admin_field {
	const char	*name;
	unsigned	 types;		/* ADMIN_FT_* */
	int		 required;
};

/* Unknown, repeated or missing fields and wrong types of `obj`: 400. */
int	admin_fields(struct areq *r, const cJSON *obj,
	    const struct admin_field *spec);
/* o[name], or NULL; it points into `o`. */
const cJSON	*admin_get(const cJSON *o, const char *name);
/* The string o[name], or NULL when absent or not a string. */
const char	*admin_str(const cJSON *o, const char *name);
/*
 * A whole number |n| <= 2^53 (ADMIN_FT_INT) into *out: 0, or -1 for any
 * other value (NULL included), which could not be cast safely.
 */
int	admin_json_int(const cJSON *it, int64_t *out)
	    __attribute__((warn_unused_result));
/* The whole number o[name] as admin_json_int() reads it, else `def`. */
int64_t	admin_int(const cJSON *o, const char *name, int64_t def);

/* Value checks, 422 when broken; a NULL value passes. */
int	admin_name_ok(struct areq *r, const char *field, const char *s);
int	admin_notes_ok(struct areq *r, const char *s);
int	admin_enum_ok(struct areq *r, const char *field, const char *s,
	    int (*check)(const char *));
/* A phone normalised into `buf`; *out is buf, or NULL when `in` is. */
int	admin_phone_ok(struct areq *r, const char *field, const char *in,
	    char buf[PHONE_MAX], const char **out);

/* A people_* result as an error (404, 409 or 500) naming `what`. */
int	admin_people_err(struct areq *r, int rc, const char *what);
/* The path's i-th '*' as an id; anything but a positive number is 404. */
int	admin_path_id(struct areq *r, int i, int64_t *id, const char *what);
/* A family by code ("R-0042") or id; 404 when there is none. */
int	admin_family_ref(struct areq *r, const char *ref, int64_t *id);

/* `limit` of the lists (outbox, audit): 1..ADMIN_LIST_MAX. */
#define ADMIN_LIST_MAX		1000
#define ADMIN_LIST_DEFAULT	50

/* The query value of `key`, or NULL. */
const char	*admin_query_str(struct areq *r, const char *key);
/* A query value 1..max, `def` when absent; -1 when malformed. */
int64_t	admin_query_num(struct areq *r, const char *key, int64_t def,
	    int64_t max);

/* o[k] = v; a NULL string is null. */
void	admin_add_str(cJSON *o, const char *k, const char *v);
void	admin_add_int(cJSON *o, const char *k, int64_t v);
/*
 * Sets r->out = {key: obj} and returns `status`; a NULL obj (a failed
 * look-up while building it) is 500. Takes obj.
 */
int	admin_answer(struct areq *r, const char *key, cJSON *obj, int status);

/* The audit row of a change, in the request's transaction. */
int	admin_audit(struct areq *r, const char *action, const char *object,
	    int64_t id);
/* Today, YYYY-MM-DD, in the daemon's time zone; "" if it fails. */
void	admin_today(char buf[11]);

/*
 * Roles (doc/admin-api.md, "Who may call what"). admin_caller() sets
 * r->role and r->staff_id from r->uid; admin_allowed() checks the
 * route's perm; the family-scoped endpoints call admin_family_access()
 * (or _member_, _programme_) once they know the object: 0, or 403 with
 * r->deny_* set. admin_denied() writes the refusal's audit row, outside
 * the request's (rolled back) transaction.
 */
int	admin_caller(struct areq *r);
int	admin_allowed(struct areq *r, const struct admin_route *rt);
int	admin_family_access(struct areq *r, int64_t family_id);
int	admin_member_access(struct areq *r, int64_t member_id);
int	admin_programme_access(struct areq *r, int64_t programme_id);
/* Whether the caller may see the family; -1 on a storage error. */
int	admin_family_visible(struct areq *r, int64_t family_id);
void	admin_denied(struct areq *r, const struct admin_route *rt);
/* The role a staff kind gives. */
int	admin_kind_role(const char *kind);

/* ---- the endpoints ---------------------------------------------------- */

/*
 * Every endpoint, in the order tried (admin_routes.c), NULL-ended; the
 * functions it names follow, one block per file. Each returns the HTTP
 * status with r->out set, or the status of the error it set.
 */
extern const struct admin_route admin_routes[];

/* GET /v1/status, GET /v1/check (admin_status.c). */
int	admin_status(struct areq *r);
int	admin_check(struct areq *r);

/* /v1/staff (admin_staff.c). */
int	admin_staff_add(struct areq *r);
int	admin_staff_list(struct areq *r);
int	admin_staff_show(struct areq *r);
int	admin_staff_edit(struct areq *r);
int	admin_staff_disable(struct areq *r);

/* The invite endpoints of staff and of families (admin_invitations.c). */
int	admin_staff_invite(struct areq *r);
int	admin_family_invite(struct areq *r);

/* /v1/families (admin_families.c). */
int	admin_family_add(struct areq *r);
int	admin_family_list(struct areq *r);
int	admin_family_show(struct areq *r);
int	admin_family_edit(struct areq *r);
int	admin_family_assign(struct areq *r);
int	admin_family_remove(struct areq *r);
int	admin_family_erase(struct areq *r);
int	admin_key_rotate(struct areq *r);
struct rotate;
/* A running rotation's progress (rotate.h), or JSON null. */
cJSON	*admin_rotation_json(const struct rotate *rot);
int	admin_family_close(struct areq *r);

struct family;
/*
 * The family object, new (NULL on a storage error); `full`: phones in
 * full and each member's announcements and last channel.
 */
cJSON	*admin_family_json(struct areq *r, const struct family *f, int full);

/* GET /v1/families/{family}/export (admin_export.c). */
int	admin_family_export(struct areq *r);

/* /v1/imports: a family import in steps (admin_import.c). */
int	admin_import_open(struct areq *r);
int	admin_import_rows(struct areq *r);
int	admin_import_commit(struct areq *r);
int	admin_import_show(struct areq *r);
/* At start: an import a crash cut short is removed. */
void	admin_import_start(struct app *app);
/* Drafts left preparing by the last run are given up (at start). */
void	admin_broadcast_start(struct app *app);
/* The draft being prepared is dropped (at exit). */
void	admin_broadcast_stop(void);
/* At stop: a running import is removed; the session is freed. */
void	admin_import_cleanup(void);

/* GET /v1/families/{family}/conversation (admin_history.c). */
int	admin_conversation(struct areq *r);

/* POST /v1/families/{family}/members, /v1/members/{id} (admin_members.c). */
int	admin_member_add(struct areq *r);
int	admin_member_edit(struct areq *r);
int	admin_member_remove(struct areq *r);
/* The body of a new member, {"name","phone"?}; a family's contact too. */
extern const struct admin_field admin_member_fields[];
struct member;
/* The member object, new; `full` shows the phone, else it is masked. */
cJSON	*admin_member_json(const struct member *m, int full);
/* Sets r->out = {"member": {...}} (phone in full); returns `status`. */
int	admin_answer_member(struct areq *r, int64_t id, int status);

/* POST /v1/members/{id}/notify (admin_notify.c). */
int	admin_member_notify(struct areq *r);

/* /v1/notices: templates, previews, sending (admin_notices.c). */
int	admin_notice_add(struct areq *r);
int	admin_notice_list(struct areq *r);
int	admin_notice_show(struct areq *r);
int	admin_notice_edit(struct areq *r);
int	admin_notice_retire(struct areq *r);
int	admin_notice_preview(struct areq *r);
int	admin_notice_send(struct areq *r);
/* /v1/broadcasts (admin_broadcasts.c). */
int	admin_broadcast_create(struct areq *r);
int	admin_broadcast_list(struct areq *r);
int	admin_broadcast_show(struct areq *r);
int	admin_broadcast_send(struct areq *r);
int	admin_broadcast_cancel(struct areq *r);
int	admin_broadcast_failed(struct areq *r);
/* Adds "sms_month" to a status answer; -1 on storage errors. */
int	admin_broadcast_status(struct areq *r, cJSON *status);

/* POST and DELETE /v1/members/{id}/consent (admin_consent.c). */
int	admin_member_consent(struct areq *r);
int	admin_member_consent_withdraw(struct areq *r);

/* /v1/programmes (admin_programmes.c). */
int	admin_programme_add(struct areq *r);
int	admin_programme_list(struct areq *r);
int	admin_programme_show(struct areq *r);
int	admin_programme_enrol(struct areq *r);
int	admin_programme_leave(struct areq *r);
/*
 * A family's enrolments (family_id set) or a programme's, as array `name`
 * of o: each names the other side, with the group and the dates. -1 on a
 * storage error.
 */
int	admin_add_enrolments(struct areq *r, cJSON *o, const char *name,
	    int64_t family_id, int64_t programme_id);
/* GET /v1/programmes/{id}/report (admin_reports.c). */
int	admin_programme_report(struct areq *r);

/* GET /v1/outbox, POST /v1/outbox/{id}/retry (admin_outbox.c). */
int	admin_outbox_list(struct areq *r);
int	admin_outbox_retry(struct areq *r);

/* GET /v1/audit (admin_audit.c). */
int	admin_audit_list(struct areq *r);

/* POST and GET /v1/backup (admin_backup.c); cleanup at admin_free(). */
int	admin_backup_start(struct areq *r);
int	admin_backup_show(struct areq *r);
void	admin_backup_cleanup(void);
/* /v1/visits (admin_visits.c). */
struct visit;
/* A visit as the API shows it, with its reminders if asked. */
cJSON	*admin_visit_json(struct areq *r, const struct visit *v,
	    int with_reminders);
int	admin_visit_add(struct areq *r);
int	admin_visit_list(struct areq *r);
int	admin_visit_show(struct areq *r);
int	admin_visit_move(struct areq *r);
int	admin_visit_cancel(struct areq *r);
int	admin_event_add(struct areq *r);
int	admin_event_show(struct areq *r);

#endif
