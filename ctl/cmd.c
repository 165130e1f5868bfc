/*
 * The command table and its one generic runner: getopt_long over the
 * command's options builds the request body or query, the positional
 * arguments fill the path, then one request and the command's printer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

#include "ctl.h"

#define CTL_MAX_OPTS	24
/* Ids travel as JSON numbers: doubles, exact up to 2^53. */
#define CTL_ID_MAX	9007199254740992LL

static const struct ctl_pos pos_id[] = { { "ID", CTL_POS_ID, NULL } };
static const struct ctl_pos pos_member[] = {
	{ "MEMBER", CTL_POS_ID, NULL }
};
static const struct ctl_pos pos_family[] = {
	{ "FAMILY", CTL_POS_PATH, NULL }
};
static const struct ctl_pos pos_name[] = { { "NAME", CTL_POS_STR, "name" } };
static const struct ctl_pos pos_command[] = {
	{ "COMMAND", CTL_POS_PATH, NULL }, { "SUB", CTL_POS_PATH, NULL }
};
static const struct ctl_pos pos_family_assign[] = {
	{ "FAMILY", CTL_POS_PATH, NULL },
	{ "ASSISTANT_ID", CTL_POS_BODY_ID, "assistant_id" }
};
static const struct ctl_pos pos_member_add[] = {
	{ "FAMILY", CTL_POS_PATH, NULL }, { "NAME", CTL_POS_STR, "name" }
};
static const struct ctl_pos pos_enrol[] = {
	{ "ID", CTL_POS_ID, NULL }, { "FAMILY", CTL_POS_FAMILY, "family" }
};
static const struct ctl_pos pos_file[] = {
	{ "FILE.csv", CTL_POS_FILE, NULL }
};

static const struct ctl_opt opts_none[] = { { NULL, 0, NULL, NULL, 0 } };
static const struct ctl_opt opts_staff_add[] = {
	{ "kind", CTL_OPT_STR, "kind", NULL, 1 },
	{ "lang", CTL_OPT_LIST, "languages", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_staff_edit[] = {
	{ "name", CTL_OPT_STR, "name", NULL, 0 },
	{ "kind", CTL_OPT_STR, "kind", NULL, 0 },
	{ "lang", CTL_OPT_LIST, "languages", NULL, 0 },
	{ "active", CTL_OPT_YESNO, "active", NULL, 0 },
	{ "unix-user", CTL_OPT_STR, "unix_user", NULL, 0 },
	{ "no-unix-user", CTL_OPT_NULL, "unix_user", NULL, 0 },
	{ "programmes", CTL_OPT_LIST, "programmes", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_invite[] = {
	{ "ttl-days", CTL_OPT_ID, "ttl_days", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_add[] = {
	{ "lang", CTL_OPT_STR, "language", NULL, 1 },
	{ "channel", CTL_OPT_STR, "channel", NULL, 1 },
	{ "contact", CTL_OPT_STR, "contact.name", NULL, 1 },
	{ "phone", CTL_OPT_STR, "contact.phone", NULL, 0 },
	{ "assistant", CTL_OPT_ID, "assistant_id", NULL, 0 },
	{ "substitute", CTL_OPT_ID, "substitute_id", NULL, 0 },
	{ "notes", CTL_OPT_STR, "notes", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_list[] = {
	{ "assistant", CTL_OPT_QUERY, "assistant", NULL, 0 },
	{ "programme", CTL_OPT_QUERY, "programme", NULL, 0 },
	{ "lang", CTL_OPT_QUERY, "language", NULL, 0 },
	{ "channel", CTL_OPT_QUERY, "channel", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_edit[] = {
	{ "name", CTL_OPT_STR, "name", NULL, 0 },
	{ "lang", CTL_OPT_STR, "language", NULL, 0 },
	{ "channel", CTL_OPT_STR, "channel", NULL, 0 },
	{ "notes", CTL_OPT_STR, "notes", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_assign[] = {
	{ "substitute", CTL_OPT_ID, "substitute_id", NULL, 0 },
	{ "no-substitute", CTL_OPT_NULL, "substitute_id", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_invite[] = {
	{ "member", CTL_OPT_ID, "member_id", NULL, 0 },
	{ "ttl-days", CTL_OPT_ID, "ttl_days", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_erase[] = {
	{ "confirm", CTL_OPT_TRUE, "confirm", NULL, 0 },
	{ "force", CTL_OPT_TRUE, "force", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_family_close[] = {
	{ "reopen", CTL_OPT_TRUE, "open", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_import[] = {
	{ "dry-run", CTL_OPT_DRY_RUN, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_member_add[] = {
	{ "phone", CTL_OPT_STR, "phone", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_member_edit[] = {
	{ "name", CTL_OPT_STR, "name", NULL, 0 },
	{ "phone", CTL_OPT_STR, "phone", NULL, 0 },
	{ "no-phone", CTL_OPT_NULL, "phone", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_member_consent[] = {
	{ "date", CTL_OPT_STR, "date", NULL, 0 },
	{ "ref", CTL_OPT_STR, "ref", NULL, 0 },
	{ "version", CTL_OPT_STR, "version", NULL, 0 },
	{ "withdraw", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_programme_add[] = {
	{ "group", CTL_OPT_MULTI, "groups", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_enrol[] = {
	{ "group", CTL_OPT_STR, "group", NULL, 0 },
	{ "from", CTL_OPT_STR, "from", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_leave[] = {
	{ "on", CTL_OPT_STR, "on", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_conversation[] = {
	{ "last", CTL_OPT_QUERY, "last", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_export[] = {
	{ "out", CTL_OPT_QUERY, "out", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_report[] = {
	{ "from", CTL_OPT_QUERY, "from", NULL, 1 },
	{ "to", CTL_OPT_QUERY, "to", NULL, 1 },
	{ "group", CTL_OPT_QUERY, "group", NULL, 0 },
	{ "csv", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt opts_audit_list[] = {
	{ "staff", CTL_OPT_QUERY, "staff", NULL, 0 },
	{ "family", CTL_OPT_QUERY, "family", NULL, 0 },
	{ "since", CTL_OPT_QUERY, "since", NULL, 0 },
	{ "limit", CTL_OPT_QUERY, "limit", NULL, 0 },
	{ "csv", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_outbox_list[] = {
	{ "failed", CTL_OPT_QUERY_CONST, "state", "failed", 0 },
	{ "state", CTL_OPT_QUERY, "state", NULL, 0 },
	{ "channel", CTL_OPT_QUERY, "channel", NULL, 0 },
	{ "limit", CTL_OPT_QUERY, "limit", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

#define GET	"GET"
#define POST	"POST"
#define PATCH	"PATCH"
#define DELETE	"DELETE"

/* Notices (notices.c). */
static const struct ctl_pos pos_notice[] = {
	{ "ID", CTL_POS_PATH, NULL }
};
static const struct ctl_opt opts_notice_file[] = {
	{ "file", CTL_OPT_STR, "file", NULL, 1 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_notice_preview[] = {
	{ "lang", CTL_OPT_STR, "lang", NULL, 0 },
	{ "param", CTL_OPT_MULTI, "params", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_notice_send[] = {
	{ "family", CTL_OPT_MULTI, "families", NULL, 1 },
	{ "param", CTL_OPT_MULTI, "params", NULL, 0 },
	{ "fallback", CTL_OPT_STR, "fallback", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

/* Broadcasts (broadcasts.c). */
static const struct ctl_opt opts_bc_create[] = {
	{ "notice", CTL_OPT_STR, "notice", NULL, 0 },
	{ "text-dir", CTL_OPT_STR, "text_dir", NULL, 0 },
	{ "param", CTL_OPT_MULTI, "params", NULL, 0 },
	{ "fallback", CTL_OPT_STR, "fallback", NULL, 0 },
	{ "programme", CTL_OPT_ID, "target.programme", NULL, 0 },
	{ "group", CTL_OPT_STR, "target.group", NULL, 0 },
	{ "lang", CTL_OPT_STR, "target.language", NULL, 0 },
	{ "channel", CTL_OPT_STR, "target.channel", NULL, 0 },
	{ "assistant", CTL_OPT_ID, "target.assistant", NULL, 0 },
	{ "enrolled-from", CTL_OPT_STR, "target.enrolled_from", NULL, 0 },
	{ "enrolled-until", CTL_OPT_STR, "target.enrolled_until", NULL, 0 },
	{ "visit-from", CTL_OPT_STR, "target.visit_from", NULL, 0 },
	{ "visit-until", CTL_OPT_STR, "target.visit_until", NULL, 0 },
	{ "all", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_bc_send[] = {
	{ "at", CTL_OPT_STR, "at", NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};
static const struct ctl_opt opts_bc_failed[] = {
	{ "csv", CTL_OPT_FLAG, NULL, NULL, 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static int	ctl_member_consent(struct ctl *c, const struct ctl_cmd *cmd,
		    struct ctl_args *a);

const struct ctl_cmd ctl_cmds[] = {
	{ "status", NULL, "", "daemon version, uptime, Telegram, queues",
	  GET, "/v1/status", 0, 0, NULL, opts_none, 0, &ctl_view_status,
	  ctl_print_object, NULL },
	{ "check", NULL, "", "the database's thorough integrity check",
	  GET, "/v1/check", 0, 0, NULL, opts_none, 0, &ctl_view_check,
	  ctl_print_object, NULL },
	{ "staff", "add", "NAME --kind KIND [--lang pl,uk]",
	  "register a staff member; KIND is family_assistant, "
	  "integration_assistant,\n  disability_assistant, "
	  "homelessness_assistant, coordinator or administrator;\n"
	  "  languages: pl, uk, ru, en", POST, "/v1/staff", 1, 1, pos_name,
	  opts_staff_add, 0, &ctl_view_staff, ctl_print_object, NULL },
	{ "staff", "list", "", "list staff", GET, "/v1/staff", 0, 0, NULL,
	  opts_none, 0, &ctl_view_staff_list, ctl_print_list, NULL },
	{ "staff", "show", "ID", "show a staff member", GET, "/v1/staff/{0}",
	  1, 1, pos_id, opts_none, 0, &ctl_view_staff, ctl_print_object,
	  NULL },
	{ "staff", "edit", "ID [--name N] [--kind K] [--lang L] "
	  "[--active yes|no]\n  [--unix-user LOGIN | --no-unix-user] "
	  "[--programmes ID,ID]", "change a staff member; --unix-user ties "
	  "them to a login (their role:\n  administrator, coordinator of "
	  "--programmes, else assistant)", PATCH,
	  "/v1/staff/{0}", 1, 1, pos_id, opts_staff_edit, 1, &ctl_view_staff,
	  ctl_print_object, NULL },
	{ "staff", "disable", "ID", "disable a staff member", POST,
	  "/v1/staff/{0}/disable", 1, 1, pos_id, opts_none, 0,
	  &ctl_view_staff, ctl_print_object, NULL },
	{ "staff", "invite", "ID [--ttl-days N]",
	  "a Telegram link for a staff member", POST, "/v1/staff/{0}/invite",
	  1, 1, pos_id, opts_invite, 0, &ctl_view_invitation,
	  ctl_print_object, NULL },
	{ "family", "add", "NAME --lang L --channel telegram|sms "
	  "--contact NAME [--phone P] [--assistant ID] [--substitute ID] "
	  "[--notes TEXT]",
	  "register a family and its contact person; L is pl, uk, ru or en;"
	  "\n  P is +48 (assumed), +380 or another country's number",
	  POST, "/v1/families",
	  1, 1, pos_name, opts_family_add, 0, &ctl_view_family,
	  ctl_print_family, NULL },
	{ "family", "list", "[--assistant ID] [--programme ID] [--lang L] "
	  "[--channel C]", "list families", GET, "/v1/families", 0, 0, NULL,
	  opts_family_list, 0, &ctl_view_families, ctl_print_list, NULL },
	{ "family", "show", "FAMILY", "show a family (id or code)", GET,
	  "/v1/families/{0}", 1, 1, pos_family, opts_none, 0,
	  &ctl_view_family, ctl_print_family, NULL },
	{ "family", "edit", "FAMILY [--name N] [--lang L] [--channel C] "
	  "[--notes TEXT]", "change a family", PATCH, "/v1/families/{0}", 1, 1,
	  pos_family, opts_family_edit, 1, &ctl_view_family, ctl_print_family,
	  NULL },
	{ "family", "assign", "FAMILY ASSISTANT_ID [--substitute ID|"
	  "--no-substitute]", "set a family's assistant", POST,
	  "/v1/families/{0}/assign", 2, 2, pos_family_assign,
	  opts_family_assign, 0, &ctl_view_family, ctl_print_family, NULL },
	{ "family", "invite", "FAMILY [--member M] [--ttl-days N]",
	  "a Telegram link for a family member", POST,
	  "/v1/families/{0}/invite", 1, 1, pos_family, opts_family_invite, 0,
	  &ctl_view_invitation, ctl_print_object, NULL },
	{ "family", "remove", "FAMILY", "remove a family", DELETE,
	  "/v1/families/{0}", 1, 1, pos_family, opts_none, 0, NULL,
	  ctl_print_deleted, NULL },
	{ "family", "erase", "FAMILY --confirm [--force]",
	  "erase a family for good (GDPR art. 17): its personal data and "
	  "messages, in old backups too; counts keep it. Refused while "
	  "visits are ahead or a broadcast is being sent, unless --force",
	  POST, "/v1/families/{0}/erase", 1, 1, pos_family,
	  opts_family_erase, 0, &ctl_view_erased, ctl_print_object, NULL },
	{ "family", "close", "FAMILY [--reopen]",
	  "close a family's case (erased after [retention] "
	  "closed_family_years), or open it again", POST,
	  "/v1/families/{0}/close", 1, 1, pos_family, opts_family_close, 0,
	  &ctl_view_closed, ctl_print_object, NULL },
	{ "family", "import", "FILE.csv [--dry-run]",
	  "import families from a spreadsheet saved as CSV (UTF-8, comma or "
	  "semicolon);\n  columns: family (rodzina), contact (kontakt, "
	  "osoba), phone (telefon),\n  language (język), channel (kanał), "
	  "assistant (asystent), programme (program),\n  group (grupa); "
	  "all rows are checked first, then all or none are imported",
	  NULL, NULL, 1, 1,
	  pos_file, opts_import, 0, NULL, NULL, ctl_family_import },
	{ "member", "add", "FAMILY NAME [--phone P]", "add a family member",
	  POST, "/v1/families/{0}/members", 2, 2, pos_member_add,
	  opts_member_add, 0, &ctl_view_member, ctl_print_object, NULL },
	{ "member", "edit", "ID [--name N] [--phone P|--no-phone]",
	  "change a family member", PATCH, "/v1/members/{0}", 1, 1, pos_id,
	  opts_member_edit, 1, &ctl_view_member, ctl_print_object, NULL },
	{ "member", "remove", "ID", "remove a family member", DELETE,
	  "/v1/members/{0}", 1, 1, pos_id, opts_none, 0, NULL,
	  ctl_print_deleted, NULL },
	{ "member", "consent", "MEMBER --date YYYY-MM-DD --ref REF "
	  "[--version V] | MEMBER --withdraw",
	  "record SMS consent signed on paper: the date on the form and its\n"
	  "  reference (1-64 characters; the version defaults to \"paper\"), "
	  "or\n  withdraw it; MEMBER is the member's id", NULL,
	  "/v1/members/{0}/consent", 1, 1, pos_member,
	  opts_member_consent, 0, &ctl_view_member, ctl_print_object,
	  ctl_member_consent },
	{ "programme", "add", "NAME [--group G]...", "create a programme",
	  POST, "/v1/programmes", 1, 1, pos_name, opts_programme_add, 0,
	  &ctl_view_programme, ctl_print_object, NULL },
	{ "programme", "list", "", "list programmes", GET, "/v1/programmes",
	  0, 0, NULL, opts_none, 0, &ctl_view_programmes, ctl_print_list,
	  NULL },
	{ "programme", "show", "ID", "show a programme and its families", GET,
	  "/v1/programmes/{0}", 1, 1, pos_id, opts_none, 0,
	  &ctl_view_programme, ctl_print_programme, NULL },
	{ "programme", "enrol", "ID FAMILY [--group G] [--from YYYY-MM-DD]",
	  "enrol a family in a programme", POST, "/v1/programmes/{0}/enrol",
	  2, 2, pos_enrol, opts_enrol, 0, &ctl_view_enrolment,
	  ctl_print_object, NULL },
	{ "programme", "leave", "ID FAMILY [--on YYYY-MM-DD]",
	  "end a family's enrolment", POST, "/v1/programmes/{0}/leave", 2, 2,
	  pos_enrol, opts_leave, 0, &ctl_view_enrolment, ctl_print_object,
	  NULL },
	{ "outbox", "list", "[--failed] [--state S] [--channel telegram|sms] "
	  "[--limit N]",
	  "list outgoing messages, newest first; DELIVERY is what an SMS "
	  "gateway reported:\n  queued, delivered, failed (code) or expired",
	  GET, "/v1/outbox", 0, 0, NULL, opts_outbox_list, 0, &ctl_view_outbox,
	  ctl_print_list, NULL },
	{ "outbox", "retry", "ID", "send a failed message again", POST,
	  "/v1/outbox/{0}/retry", 1, 1, pos_id, opts_none, 0,
	  &ctl_view_outbox_row, ctl_print_object, NULL },
	{ "conversation", "show", "FAMILY [--last N]",
	  "a family's messages with the assistant, the newest N (default 50, "
	  "at most 1000)\n  oldest first, times in the centre's zone; each "
	  "reading is written to the audit log", GET,
	  "/v1/families/{0}/conversation", 1, 1, pos_family,
	  opts_conversation, 0, &ctl_view_conversation,
	  ctl_print_conversation, NULL },
	{ "report", "programme", "ID --from YYYY-MM --to YYYY-MM [--group G] "
	  "[--csv]",
	  "a programme's figures per month of the centre's zone: families, "
	  "members,\n  messages, visits, notices and broadcasts, by language "
	  "and channel; counts only", GET, "/v1/programmes/{0}/report", 1, 1,
	  pos_id, opts_report, 0, NULL, NULL, ctl_programme_report },
	{ "audit", "list", "[--staff S] [--family F] [--since YYYY-MM-DD] "
	  "[--limit N] [--csv]",
	  "who did what, newest first: S a staff id or name (their login's "
	  "rows),\n  F a family code or id (its rows and its members')",
	  GET, "/v1/audit", 0, 0, NULL, opts_audit_list, 0, NULL, NULL,
	  ctl_audit_list },
	{ "family", "export", "FAMILY [--out FILE]",
	  "everything held about a family (GDPR art. 15): text on stdout, "
	  "or\n  JSON in FILE and text in FILE.txt; written to the audit log",
	  GET, "/v1/families/{0}/export", 1, 1, pos_family, opts_export, 0,
	  NULL, NULL, ctl_family_export },
	{ "backup", NULL, "FILE", "a consistent copy of the database while the "
	  "daemon runs (still sealed:\n  keep the master key apart; see "
	  "doc/operations.md); FILE must not exist", NULL, NULL, 1, 1,
	  pos_file, opts_none, 0, NULL, NULL, ctl_backup },
	{ "key", "rotate", "", "a new master key: the daemon seals everything "
	  "again in slices while\n  it serves, and retires the old key file "
	  "when done (see doc/operations.md);\n  asystentctl status shows "
	  "how far it is", POST, "/v1/key/rotate", 0, 0, NULL, opts_none, 0,
	  &ctl_view_rotation, ctl_print_object, NULL },
	{ "visit", "add", "FAMILY --at \"YYYY-MM-DD HH:MM\" [--minutes 60] "
	  "[--kind K] [--place TEXT] [--note TEXT] [--assistant ID] "
	  "[--every N-weeks --until YYYY-MM-DD]",
	  "plan a visit; times are the centre's local time (Europe/Warsaw);"
	  "\n  K is home (default), office, meeting, psychologist, outing or "
	  "other", POST, "/v1/visits", 1, 1, ctl_pos_visit_family,
	  ctl_opts_visit_add, 0, &ctl_view_visits, ctl_print_visits,
	  ctl_visit_add },
	{ "visit", "list", "[--family F] [--assistant A] [--from D] [--to D] "
	  "[--unconfirmed] [--ics]",
	  "list visits by time, local times; --ics writes an iCalendar file",
	  GET, "/v1/visits", 0, 0, NULL, ctl_opts_visit_list, 0,
	  &ctl_view_visits, ctl_print_visits, ctl_visit_list },
	{ "visit", "show", "ID", "show a visit and its reminders", GET,
	  "/v1/visits/{0}", 1, 1, ctl_pos_visit_id, opts_none, 0,
	  &ctl_view_visit, ctl_print_visit, NULL },
	{ "visit", "move", "ID --at \"YYYY-MM-DD HH:MM\"",
	  "move a visit; its reminders are planned again", POST,
	  "/v1/visits/{0}/move", 1, 1, ctl_pos_visit_id, ctl_opts_visit_move,
	  0, &ctl_view_visit, ctl_print_visit, NULL },
	{ "visit", "cancel", "ID [--reason TEXT]", "cancel a visit", POST,
	  "/v1/visits/{0}/cancel", 1, 1, ctl_pos_visit_id,
	  ctl_opts_visit_cancel, 0, &ctl_view_visit, ctl_print_visit, NULL },
	{ "event", "add", "--programme ID [--group G] --at \"YYYY-MM-DD HH:MM\" "
	  "--place TEXT [--minutes 60] [--kind K] [--note TEXT]",
	  "a group event: a visit for every family enrolled in the programme "
	  "(group)", POST, "/v1/events", 0, 0, NULL, ctl_opts_event_add, 0,
	  &ctl_view_event, ctl_print_event, NULL },
	{ "event", "show", "ID", "an event and each family's answer", GET,
	  "/v1/events/{0}", 1, 1, ctl_pos_visit_id, opts_none, 0,
	  &ctl_view_event, ctl_print_event, NULL },
	/* Notices (notices.c). */
	{ "notice", "list", "", "list notice templates, shipped and the "
	  "staff's", GET, "/v1/notices", 0, 0, NULL, opts_none, 0,
	  &ctl_view_notices, ctl_print_list, NULL },
	{ "notice", "show", "ID", "show a notice template and its texts", GET,
	  "/v1/notices/{0}", 1, 1, pos_notice, opts_none, 0,
	  &ctl_view_notice, ctl_print_notice, NULL },
	{ "notice", "add", "ID --file notice.ini",
	  "add a notice template: one section per language ([pl], [uk], "
	  "[ru], [en])\n  with `text` and `sms`; parameters {date} {from} "
	  "{until} {amount} {place}\n  {documents}", NULL, NULL, 1, 1,
	  pos_notice, opts_notice_file, 0, NULL, NULL, ctl_notice_write },
	{ "notice", "edit", "ID --file notice.ini",
	  "replace a notice template's texts (its version goes up)", NULL,
	  NULL, 1, 1, pos_notice, opts_notice_file, 0, NULL, NULL,
	  ctl_notice_write },
	{ "notice", "retire", "ID", "stop offering a notice template", POST,
	  "/v1/notices/{0}/retire", 1, 1, pos_notice, opts_none, 0,
	  &ctl_view_notice, ctl_print_notice, NULL },
	{ "notice", "preview", "ID [--lang L] [--param KEY=VALUE]...",
	  "a notice as families would read it: the Telegram text and the "
	  "SMS text\n  with its encoding and parts; every language unless "
	  "--lang", POST, "/v1/notices/{0}/preview", 1, 1, pos_notice,
	  opts_notice_preview, 0, &ctl_view_notice, ctl_print_preview, NULL },
	{ "notice", "send", "ID --family FAMILY... [--param KEY=VALUE]... "
	  "[--fallback L]",
	  "send a notice: one family in the reminder lane, several in the "
	  "broadcast\n  lane; each on its channel, in its language (or L "
	  "where a text is missing)", POST, "/v1/notices/{0}/send", 1, 1,
	  pos_notice, opts_notice_send, 0, &ctl_view_notice, ctl_print_sent,
	  NULL },
	{ "broadcast", "create", "(--notice ID [--param KEY=VALUE]... | "
	  "--text-dir DIR) [--fallback L]\n    [--programme ID] [--group G] "
	  "[--lang L] [--channel C] [--assistant ID]\n    "
	  "[--enrolled-from DATE] [--enrolled-until DATE] [--visit-from DATE] "
	  "[--visit-until DATE] [--all]",
	  "make a draft broadcast and print its preview; DIR holds pl.txt, "
	  "pl.sms.txt,\n  uk.txt, ...; the target options combine", NULL,
	  NULL, 0, 0, NULL, opts_bc_create, 0, NULL, NULL,
	  ctl_broadcast_create },
	{ "broadcast", "send", "ID [--at 'YYYY-MM-DD HH:MM']",
	  "send a draft broadcast now or at a local time", POST,
	  "/v1/broadcasts/{0}/send", 1, 1, pos_id, opts_bc_send, 0,
	  &ctl_view_broadcast, ctl_print_object, NULL },
	{ "broadcast", "list", "", "list broadcasts, newest first", GET,
	  "/v1/broadcasts", 0, 0, NULL, opts_none, 0, &ctl_view_broadcasts,
	  ctl_print_list, NULL },
	{ "broadcast", "show", "ID", "a broadcast's recipients by state", GET,
	  "/v1/broadcasts/{0}", 1, 1, pos_id, opts_none, 0,
	  &ctl_view_broadcast, ctl_print_object, NULL },
	{ "broadcast", "cancel", "ID", "stop what is not yet queued", POST,
	  "/v1/broadcasts/{0}/cancel", 1, 1, pos_id, opts_none, 0,
	  &ctl_view_broadcast, ctl_print_object, NULL },
	{ "broadcast", "failed", "ID [--csv]",
	  "who was not reached and why, with phone numbers (audited)", NULL,
	  NULL, 1, 1, pos_id, opts_bc_failed, 0, NULL, NULL,
	  ctl_broadcast_failed },
	{ "help", NULL, "[COMMAND [SUB]]", "show usage", NULL, NULL, 0, 2,
	  pos_command, opts_none, 0, NULL, NULL, ctl_help },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0, NULL, NULL,
	  NULL }
};

const struct ctl_cmd *
ctl_cmd_find(const char *name, const char *sub)
{
	const struct ctl_cmd	*cmd;

	for (cmd = ctl_cmds; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, name) != 0)
			continue;
		if (cmd->sub == NULL || (sub != NULL &&
		    strcmp(cmd->sub, sub) == 0))
			return cmd;
	}
	return NULL;
}

int
ctl_cmd_has_subs(const char *name)
{
	const struct ctl_cmd	*cmd;

	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, name) == 0 && cmd->sub != NULL)
			return 1;
	return 0;
}

void
ctl_cmd_usage(const struct ctl_cmd *cmd, int to_stderr)
{
	FILE	*f = to_stderr ? stderr : stdout;

	fprintf(f, "usage: asystentctl %s%s%s%s%s\n", cmd->name,
	    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "",
	    *cmd->usage ? " " : "", cmd->usage);
	fprintf(f, "  %s\n", cmd->help);
}

void
ctl_usage_all(const char *name, int to_stderr)
{
	FILE			*f = to_stderr ? stderr : stdout;
	const struct ctl_cmd	*cmd;
	const char		*lead = "usage: ";

	if (name == NULL) {
		fprintf(f, "usage: asystentctl [-c CONFIG | -s SOCKET] "
		    "[--json] COMMAND ...\ncommands:\n");
		lead = "  ";
	}
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++) {
		if (name != NULL && strcmp(cmd->name, name) != 0)
			continue;
		fprintf(f, "%sasystentctl %s%s%s%s%s\n", lead, cmd->name,
		    cmd->sub ? " " : "", cmd->sub ? cmd->sub : "",
		    *cmd->usage ? " " : "", cmd->usage);
		if (name != NULL)
			lead = "       ";
	}
	if (name == NULL)
		fprintf(f, "'asystentctl help COMMAND' or 'COMMAND --help' "
		    "explains one.\n");
}

static int __attribute__((format(printf, 2, 3)))
ctl_usage_error(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list	ap;

	fputs("asystentctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_cmd_usage(cmd, 1);
	return CTL_EX_USAGE;
}

static int
ctl_parse_id(const char *s, long long *out)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > CTL_ID_MAX)
		return -1;
	*out = v;
	return 0;
}

/* The object that holds `field` ("contact.phone" -> body.contact). */
static cJSON *
ctl_slot(cJSON *root, const char *field, const char **leaf, int create)
{
	const char	*dot = strchr(field, '.');
	cJSON		*sub;
	char		*name;

	*leaf = field;
	if (dot == NULL)
		return root;
	name = xstrndup(field, (size_t)(dot - field));
	sub = cJSON_GetObjectItemCaseSensitive(root, name);
	if (sub == NULL && create)
		sub = cJSON_AddObjectToObject(root, name);
	free(name);
	*leaf = dot + 1;
	return sub;
}

static cJSON *
ctl_list_value(const char *s)
{
	cJSON		*a = cJSON_CreateArray();
	const char	*comma;
	char		*item;

	for (;;) {
		comma = strchr(s, ',');
		item = comma ? xstrndup(s, (size_t)(comma - s)) : xstrdup(s);
		if (*item != '\0')
			cJSON_AddItemToArray(a, cJSON_CreateString(item));
		free(item);
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return a;
}

/* The JSON value of one option, or NULL after a usage error. */
static cJSON *
ctl_opt_value(const struct ctl_opt *o, const char *arg)
{
	long long	id;

	switch (o->kind) {
	case CTL_OPT_ID:
		if (ctl_parse_id(arg, &id) == -1)
			return NULL;
		return cJSON_CreateNumber((double)id);
	case CTL_OPT_YESNO:
		if (strcmp(arg, "yes") != 0 && strcmp(arg, "no") != 0)
			return NULL;
		return cJSON_CreateBool(strcmp(arg, "yes") == 0);
	case CTL_OPT_LIST:
		return ctl_list_value(arg);
	case CTL_OPT_NULL:
		return cJSON_CreateNull();
	case CTL_OPT_TRUE:
		return cJSON_CreateTrue();
	case CTL_OPT_QUERY_CONST:
		return cJSON_CreateString(o->value);
	default:
		return cJSON_CreateString(arg);
	}
}

static int
ctl_apply_opt(const struct ctl_cmd *cmd, const struct ctl_opt *o,
    const char *arg, struct ctl_args *a)
{
	cJSON		*root, *slot, *v, *multi;
	const char	*leaf;

	if (o->kind == CTL_OPT_DRY_RUN) {
		a->dry_run = 1;
		return 0;
	}
	if (o->kind == CTL_OPT_FLAG) {
		if (a->flag)
			return ctl_usage_error(cmd, "--%s given twice",
			    o->name);
		a->flag = 1;
		return 0;
	}
	if (o->kind == CTL_OPT_MULTI) {
		multi = cJSON_GetObjectItemCaseSensitive(a->body, o->field);
		cJSON_AddItemToArray(multi, cJSON_CreateString(arg));
		return 0;
	}
	if ((v = ctl_opt_value(o, arg)) == NULL)
		return ctl_usage_error(cmd, "bad value for --%s: \"%s\"",
		    o->name, arg);
	root = (o->kind == CTL_OPT_QUERY || o->kind == CTL_OPT_QUERY_CONST) ?
	    a->query : a->body;
	slot = ctl_slot(root, o->field, &leaf, 1);
	if (cJSON_GetObjectItemCaseSensitive(slot, leaf) != NULL) {
		cJSON_Delete(v);
		return ctl_usage_error(cmd, "--%s repeats or contradicts an "
		    "earlier option", o->name);
	}
	cJSON_AddItemToObject(slot, leaf, v);
	return 0;
}

static int
ctl_has_field(const cJSON *root, const char *field)
{
	const char	*leaf = NULL;
	const cJSON	*slot;

	slot = ctl_slot((cJSON *)root, field, &leaf, 0);
	return cJSON_GetObjectItemCaseSensitive(slot, leaf) != NULL;
}

static const struct ctl_opt *
ctl_opt_named(const struct ctl_opt *opts, const char *name)
{
	for (; opts->name != NULL; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

/* Builds getopt_long's table: the command's options plus --json. */
static void
ctl_longopts(const struct ctl_opt *opts, struct option *lo)
{
	size_t	n = 0;

	for (; opts->name != NULL && n < CTL_MAX_OPTS - 2; opts++, n++) {
		lo[n].name = opts->name;
		lo[n].has_arg = (opts->kind == CTL_OPT_NULL ||
		    opts->kind == CTL_OPT_TRUE ||
		    opts->kind == CTL_OPT_QUERY_CONST ||
		    opts->kind == CTL_OPT_DRY_RUN ||
		    opts->kind == CTL_OPT_FLAG) ? no_argument :
		    required_argument;
		lo[n].flag = NULL;
		lo[n].val = 0;
	}
	lo[n++] = (struct option){ "json", no_argument, NULL, 0 };
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
}

static int
ctl_parse_opts(struct ctl *c, const struct ctl_cmd *cmd, int argc,
    char **argv, struct ctl_args *a)
{
	struct option		 lo[CTL_MAX_OPTS];
	const struct ctl_opt	*o;
	int			 ch, idx;

	ctl_longopts(cmd->opts, lo);
	optind = 0;	/* glibc: start afresh, permuting arguments */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":", lo, &idx)) != -1) {
		if (ch == ':')
			return ctl_usage_error(cmd, "%s needs a value",
			    argv[optind - 1]);
		if (ch != 0)
			return ctl_usage_error(cmd, "unknown option %s",
			    argv[optind - 1]);
		if (strcmp(lo[idx].name, "json") == 0) {
			ctl_set_json(c);
			continue;
		}
		o = ctl_opt_named(cmd->opts, lo[idx].name);
		if (ctl_apply_opt(cmd, o, optarg, a) != 0)
			return CTL_EX_USAGE;
	}
	return 0;
}

static int
ctl_apply_pos(const struct ctl_cmd *cmd, const struct ctl_pos *p,
    const char *arg, struct ctl_args *a)
{
	long long	id;

	if (*arg == '\0')
		return ctl_usage_error(cmd, "%s is empty", p->name);
	switch (p->kind) {
	case CTL_POS_ID:
	case CTL_POS_BODY_ID:
		if (ctl_parse_id(arg, &id) == -1)
			return ctl_usage_error(cmd, "%s must be a number: "
			    "\"%s\"", p->name, arg);
		if (p->kind == CTL_POS_BODY_ID)
			cJSON_AddNumberToObject(a->body, p->field, (double)id);
		return 0;
	case CTL_POS_STR:
		cJSON_AddStringToObject(a->body, p->field, arg);
		return 0;
	case CTL_POS_FAMILY:
		if (ctl_parse_id(arg, &id) == 0)
			cJSON_AddNumberToObject(a->body, p->field, (double)id);
		else
			cJSON_AddStringToObject(a->body, p->field, arg);
		return 0;
	default:
		return 0;
	}
}

static int
ctl_parse_pos(const struct ctl_cmd *cmd, int argc, char **argv,
    struct ctl_args *a)
{
	int	n = argc - optind, i;

	if (n < cmd->min_args)
		return ctl_usage_error(cmd, "missing %s",
		    cmd->pos[n].name);
	if (n > cmd->max_args)
		return ctl_usage_error(cmd, "unexpected argument \"%s\"",
		    argv[optind + cmd->max_args]);
	for (i = 0; i < n; i++) {
		a->pos[i] = argv[optind + i];
		if (ctl_apply_pos(cmd, &cmd->pos[i], a->pos[i], a) != 0)
			return CTL_EX_USAGE;
	}
	a->npos = n;
	return 0;
}

static int
ctl_check_required(const struct ctl_cmd *cmd, const struct ctl_args *a)
{
	const struct ctl_opt	*o;

	for (o = cmd->opts; o->name != NULL; o++)
		if (o->required && !ctl_has_field(o->kind == CTL_OPT_QUERY ?
		    a->query : a->body, o->field))
			return ctl_usage_error(cmd, "--%s is required",
			    o->name);
	if (cmd->needs_change && cJSON_GetArraySize(a->body) == 0)
		return ctl_usage_error(cmd, "nothing to change");
	return 0;
}

/* %-escapes everything but RFC 3986 unreserved characters. */
static void
ctl_escape(char **url, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 len = strlen(*url), i = 0;
	char			*u;
	unsigned char		 ch;

	u = xrealloc(*url, len + strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			u[len + i++] = (char)ch;
			continue;
		}
		u[len + i++] = '%';
		u[len + i++] = hex[ch >> 4];
		u[len + i++] = hex[ch & 15];
	}
	u[len + i] = '\0';
	*url = u;
}

static void
ctl_append(char **url, const char *s, size_t n)
{
	size_t	len = strlen(*url);

	*url = xrealloc(*url, len + n + 1);
	memcpy(*url + len, s, n);
	(*url)[len + n] = '\0';
}

/* The path with {N} replaced by argument N, then ?query. */
char *
ctl_build_path(const char *tmpl, const struct ctl_args *a)
{
	const cJSON	*q;
	const char	*p = tmpl;
	char		*url = xstrdup("");
	int		 i;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] >= '0' && p[1] <= '9' && p[2] == '}') {
			i = p[1] - '0';
			ctl_escape(&url, i < a->npos ? a->pos[i] : "");
			p += 3;
			continue;
		}
		ctl_append(&url, p++, 1);
	}
	cJSON_ArrayForEach(q, a->query) {
		ctl_append(&url, q == a->query->child ? "?" : "&", 1);
		ctl_escape(&url, q->string);
		ctl_append(&url, "=", 1);
		ctl_escape(&url, q->valuestring);
	}
	return url;
}

static int
ctl_exec_request(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	cJSON		*answer = NULL;
	const cJSON	*body = NULL;
	char		*path;
	int		 rc;

	path = ctl_build_path(cmd->path, a);
	if (strcmp(cmd->method, POST) == 0 || strcmp(cmd->method, PATCH) == 0)
		body = a->body;
	rc = ctl_call(c, cmd->method, path, body, &answer);
	if (rc == CTL_EX_OK && !ctl_is_json(c) && cmd->print != NULL)
		cmd->print(cmd, answer);
	cJSON_Delete(answer);
	free(path);
	return rc;
}

/*
 * member consent: POST with --date and --ref, or DELETE with --withdraw
 * alone; one command for both so that staff find withdrawal where they
 * recorded the consent.
 */
static int
ctl_member_consent(struct ctl *c, const struct ctl_cmd *cmd,
    struct ctl_args *a)
{
	struct ctl_cmd	 req = *cmd;

	if (a->flag) {
		if (cJSON_GetArraySize(a->body) != 0)
			return ctl_usage_error(cmd, "--withdraw takes no "
			    "other option");
		req.method = DELETE;
	} else {
		if (!ctl_has_field(a->body, "date"))
			return ctl_usage_error(cmd, "--date is required");
		if (!ctl_has_field(a->body, "ref"))
			return ctl_usage_error(cmd, "--ref is required");
		req.method = POST;
	}
	return ctl_exec_request(c, &req, a);
}

static int
ctl_wants_help(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

int
ctl_cmd_run(struct ctl *c, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct ctl_args		 a;
	const struct ctl_opt	*o;
	int			 rc;

	if (ctl_wants_help(argc, argv)) {
		ctl_cmd_usage(cmd, 0);
		return CTL_EX_OK;
	}
	memset(&a, 0, sizeof a);
	a.body = cJSON_CreateObject();
	a.query = cJSON_CreateObject();
	for (o = cmd->opts; o->name != NULL; o++)
		if (o->kind == CTL_OPT_MULTI &&
		    !cJSON_HasObjectItem(a.body, o->field))
			cJSON_AddArrayToObject(a.body, o->field);
	if ((rc = ctl_parse_opts(c, cmd, argc, argv, &a)) != 0 ||
	    (rc = ctl_parse_pos(cmd, argc, argv, &a)) != 0 ||
	    (rc = ctl_check_required(cmd, &a)) != 0)
		goto out;
	rc = cmd->exec != NULL ? cmd->exec(c, cmd, &a) :
	    ctl_exec_request(c, cmd, &a);
out:
	cJSON_Delete(a.body);
	cJSON_Delete(a.query);
	return rc;
}
