/*
 * The admin API's endpoints, version 1 (doc/admin-api.md): the one list
 * of them. The server (admin.c) takes the first entry whose pattern and
 * method match; a path that some pattern matches with another method is
 * 405, one that none matches 404. tests/test_admin_routes.c fails when
 * an entry is never reached, or when this table and the one in
 * doc/admin-api.md do not list the same endpoints and query keys.
 */
#include <stddef.h>

#include <event2/http.h>

#include "admin_priv.h"

/* The query keys a route takes; any other is 400. */
static const char *const admin_q_families[] = {
	"assistant", "programme", "language", "channel", NULL
};
static const char *const admin_q_outbox[] = {
	"state", "channel", "limit", NULL
};
static const char *const admin_q_audit[] = {
	"limit", "staff", "family", "since", NULL
};
static const char *const admin_q_conversation[] = { "last", NULL };
static const char *const admin_q_import[] = { "page", NULL };
static const char *const admin_q_report[] = {
	"from", "to", "group", NULL
};
static const char *const admin_q_visits[] = {
	"family", "assistant", "from", "to", "unconfirmed", NULL
};

#define GET	EVHTTP_REQ_GET
#define POST	EVHTTP_REQ_POST
#define PATCH	EVHTTP_REQ_PATCH
#define DELETE	EVHTTP_REQ_DELETE
#define MUT	ADMIN_MUTATES
/* Who may call (admin_priv.h): the last field; none means ADM. */
#define ANY	ADMIN_P_ANY
#define STAFF	ADMIN_P_ASSISTANT
#define COORD	ADMIN_P_COORDINATOR
#define ADM	ADMIN_P_ADMIN

const struct admin_route admin_routes[] = {
	{ GET, "/v1/status", admin_status, 0, NULL, ANY },
	{ GET, "/v1/check", admin_check, 0, NULL, ADM },
	{ POST, "/v1/staff", admin_staff_add, MUT, NULL, ADM },
	{ GET, "/v1/staff", admin_staff_list, 0, NULL, STAFF },
	{ GET, "/v1/staff/*", admin_staff_show, 0, NULL, STAFF },
	{ PATCH, "/v1/staff/*", admin_staff_edit, MUT, NULL, ADM },
	{ POST, "/v1/staff/*/disable", admin_staff_disable, MUT, NULL, ADM },
	{ POST, "/v1/staff/*/invite", admin_staff_invite, MUT, NULL, ADM },
	{ POST, "/v1/families", admin_family_add, MUT, NULL, COORD },
	{ GET, "/v1/families", admin_family_list, 0, admin_q_families, STAFF },
	{ GET, "/v1/families/*", admin_family_show, 0, NULL, STAFF },
	{ PATCH, "/v1/families/*", admin_family_edit, MUT, NULL, STAFF },
	{ DELETE, "/v1/families/*", admin_family_remove, MUT, NULL, ADM },
	/* The family's key first, then one transaction (admin_erase.c). */
	{ POST, "/v1/families/*/erase", admin_family_erase, ADMIN_OWN_TX,
	  NULL, ADM },
	{ POST, "/v1/families/*/close", admin_family_close, MUT, NULL, COORD },
	{ POST, "/v1/families/*/assign", admin_family_assign, MUT, NULL,
	  COORD },
	{ POST, "/v1/families/*/invite", admin_family_invite, MUT, NULL,
	  STAFF },
	{ POST, "/v1/families/*/members", admin_member_add, MUT, NULL, STAFF },
	/* Reading a history is audited: one transaction with its row. */
	{ GET, "/v1/families/*/conversation", admin_conversation, MUT,
	  admin_q_conversation, STAFF },
	{ PATCH, "/v1/members/*", admin_member_edit, MUT, NULL, STAFF },
	{ DELETE, "/v1/members/*", admin_member_remove, MUT, NULL, STAFF },
	{ POST, "/v1/members/*/notify", admin_member_notify, MUT, NULL,
	  STAFF },
	{ POST, "/v1/members/*/consent", admin_member_consent, MUT, NULL,
	  STAFF },
	{ DELETE, "/v1/members/*/consent", admin_member_consent_withdraw, MUT,
	  NULL, STAFF },
	{ POST, "/v1/programmes", admin_programme_add, MUT, NULL, ADM },
	{ GET, "/v1/programmes", admin_programme_list, 0, NULL, STAFF },
	{ GET, "/v1/programmes/*", admin_programme_show, 0, NULL, STAFF },
	{ POST, "/v1/programmes/*/enrol", admin_programme_enrol, MUT, NULL,
	  COORD },
	{ POST, "/v1/programmes/*/leave", admin_programme_leave, MUT, NULL,
	  COORD },
	/* Counts only, but audited as a reading of the programme. */
	{ GET, "/v1/programmes/*/report", admin_programme_report, MUT,
	  admin_q_report, COORD },
	{ GET, "/v1/outbox", admin_outbox_list, 0, admin_q_outbox, COORD },
	{ POST, "/v1/outbox/*/retry", admin_outbox_retry, MUT, NULL, COORD },
	{ GET, "/v1/audit", admin_audit_list, 0, admin_q_audit, ADM },
	/* Audited like a reading: one transaction with its row. */
	{ GET, "/v1/families/*/export", admin_family_export, MUT, NULL,
	  STAFF },
	/* A family import in steps (admin_import.c). */
	{ POST, "/v1/imports", admin_import_open, MUT, NULL, ADM },
	{ GET, "/v1/imports/*", admin_import_show, 0, admin_q_import, ADM },
	{ POST, "/v1/imports/*/rows", admin_import_rows, MUT | ADMIN_BIG,
	  NULL, ADM },
	{ POST, "/v1/imports/*/commit", admin_import_commit, MUT, NULL, ADM },
	{ POST, "/v1/backup", admin_backup_start, MUT, NULL, ADM },
	/* A new key file first, then its audit row (admin_key.c). */
	{ POST, "/v1/key/rotate", admin_key_rotate, ADMIN_OWN_TX, NULL, ADM },
	{ GET, "/v1/backup", admin_backup_show, 0, NULL, ADM },
	/* Visits: local times in, local times out (admin_visits.c). */
	{ POST, "/v1/visits", admin_visit_add, MUT, NULL, STAFF },
	{ GET, "/v1/visits", admin_visit_list, 0, admin_q_visits, STAFF },
	{ GET, "/v1/visits/*", admin_visit_show, 0, NULL, STAFF },
	{ POST, "/v1/visits/*/move", admin_visit_move, MUT, NULL, STAFF },
	{ POST, "/v1/visits/*/cancel", admin_visit_cancel, MUT, NULL, STAFF },
	{ POST, "/v1/events", admin_event_add, MUT, NULL, COORD },
	{ GET, "/v1/events/*", admin_event_show, 0, NULL, COORD },
	/* Notices (admin_notices.c). */
	{ POST, "/v1/notices", admin_notice_add, MUT, NULL, COORD },
	{ GET, "/v1/notices", admin_notice_list, 0, NULL, STAFF },
	{ GET, "/v1/notices/*", admin_notice_show, 0, NULL, STAFF },
	{ PATCH, "/v1/notices/*", admin_notice_edit, MUT, NULL, COORD },
	{ POST, "/v1/notices/*/retire", admin_notice_retire, MUT, NULL, COORD },
	/* POSTs run in a transaction; a preview writes nothing. */
	{ POST, "/v1/notices/*/preview", admin_notice_preview, MUT, NULL,
	  STAFF },
	{ POST, "/v1/notices/*/send", admin_notice_send, MUT, NULL, STAFF },
	{ POST, "/v1/broadcasts", admin_broadcast_create, MUT, NULL, COORD },
	{ GET, "/v1/broadcasts", admin_broadcast_list, 0, NULL, COORD },
	{ GET, "/v1/broadcasts/*", admin_broadcast_show, 0, NULL, COORD },
	{ POST, "/v1/broadcasts/*/send", admin_broadcast_send, MUT, NULL,
	  COORD },
	{ POST, "/v1/broadcasts/*/cancel", admin_broadcast_cancel, MUT, NULL,
	  COORD },
	/* Phone numbers to call: the reading is audited. */
	{ GET, "/v1/broadcasts/*/failed", admin_broadcast_failed, MUT, NULL,
	  COORD },
	{ 0, NULL, NULL, 0, NULL, 0 }
};
