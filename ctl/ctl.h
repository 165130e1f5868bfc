/*
 * asystentctl's private interface: the command table, the admin API client
 * and the output helpers shared by the files of ctl/.
 */
#ifndef ASYSTENT_CTL_H
#define ASYSTENT_CTL_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Exit statuses (sysexits.h where one fits). */
#define CTL_EX_OK		0
#define CTL_EX_USAGE		1	/* also 400, 405, 413, 422 */
#define CTL_EX_NOTFOUND		2	/* 404 */
#define CTL_EX_CONFLICT		3	/* 409 */
#define CTL_EX_UNAVAILABLE	69	/* no daemon on the socket */
#define CTL_EX_SOFTWARE		70	/* 500 or an unreadable answer */
#define CTL_EX_CANTCREAT	73	/* an output file cannot be made */
#define CTL_EX_NOPERM		77	/* 403: the caller's role forbids it */
#define CTL_EX_CONFIG		78	/* the -c file cannot be read */

#define CTL_MAX_POS		4

struct ctl;
struct ctl_cmd;

/* What the command line said, after getopt. */
struct ctl_args {
	const char	*pos[CTL_MAX_POS];
	int		 npos;
	cJSON		*body;		/* request body, from options */
	cJSON		*query;		/* query parameters, from options */
	int		 dry_run;
	int		 flag;		/* CTL_OPT_FLAG given */
};

enum ctl_opt_kind {
	CTL_OPT_STR,		/* body[field] = "value" */
	CTL_OPT_ID,		/* body[field] = positive integer */
	CTL_OPT_YESNO,		/* body[field] = true / false */
	CTL_OPT_LIST,		/* body[field] = "a,b" split into an array */
	CTL_OPT_MULTI,		/* repeatable; body[field] = [values] */
	CTL_OPT_NULL,		/* no argument; body[field] = null */
	CTL_OPT_TRUE,		/* no argument; body[field] = true */
	CTL_OPT_QUERY,		/* query[field] = "value" */
	CTL_OPT_QUERY_CONST,	/* no argument; query[field] = value */
	CTL_OPT_DRY_RUN,	/* no argument; args->dry_run = 1 */
	CTL_OPT_FLAG		/* no argument; args->flag = 1 (for exec) */
};

struct ctl_opt {
	const char		*name;		/* long option, without -- */
	enum ctl_opt_kind	 kind;
	const char		*field;		/* "contact.phone": nested */
	const char		*value;		/* CTL_OPT_QUERY_CONST */
	int			 required;
};

enum ctl_pos_kind {
	CTL_POS_PATH,		/* only in the path (an id or family code) */
	CTL_POS_ID,		/* a positive integer, in the path */
	CTL_POS_STR,		/* body[field] = "value" */
	CTL_POS_BODY_ID,	/* body[field] = positive integer */
	CTL_POS_FAMILY,		/* body[field] = id if numeric, else code */
	CTL_POS_FILE		/* a file name for the command itself */
};

struct ctl_pos {
	const char		*name;		/* as in the usage: ID */
	enum ctl_pos_kind	 kind;
	const char		*field;
};

/* A column of a table or a line of a `show`. */
struct ctl_col {
	const char	*title;
	const char	*key;
	/* Optional: the text of the cell, a new string, or NULL for "-". */
	char		*(*get)(const cJSON *obj, const char *key);
};

struct ctl_view {
	const char		*key;	/* the answer's member: "staff" */
	const struct ctl_col	*cols;
};

struct ctl_cmd {
	const char		*name;
	const char		*sub;		/* NULL: no subcommand */
	const char		*usage;		/* after the name and sub */
	const char		*help;		/* one line */
	const char		*method;	/* NULL: exec does it all */
	const char		*path;		/* "{0}": the first argument */
	int			 min_args;
	int			 max_args;
	const struct ctl_pos	*pos;
	const struct ctl_opt	*opts;
	int			 needs_change;	/* edits: at least one option */
	const struct ctl_view	*view;
	void			(*print)(const struct ctl_cmd *cmd,
				    const cJSON *answer);
	int			(*exec)(struct ctl *c,
				    const struct ctl_cmd *cmd,
				    struct ctl_args *a);
};

/* The command table (cmd.c), ended by an entry with a NULL name. */
extern const struct ctl_cmd ctl_cmds[];

/* asystentctl.c: the global options. */
/* The admin socket; NULL (after a message) when -c cannot be read. */
const char	*ctl_socket(struct ctl *c);
int		 ctl_is_json(const struct ctl *c);
void		 ctl_set_json(struct ctl *c);

/* api.c */
/*
 * One request. `path` starts with /v1/; `body` may be NULL. On an answer
 * (any HTTP status) returns 0 with *status and *answer, a new cJSON the
 * caller deletes. Otherwise prints why and returns CTL_EX_UNAVAILABLE or
 * CTL_EX_SOFTWARE.
 */
int	ctl_http(struct ctl *c, const char *method, const char *path,
	    const cJSON *body, long *status, cJSON **answer)
	    __attribute__((warn_unused_result));
/*
 * ctl_http, then: with --json prints the answer; without, prints the
 * error message of a failed request. Returns the exit status; *answer is
 * set only when it is 0.
 */
int	ctl_call(struct ctl *c, const char *method, const char *path,
	    const cJSON *body, cJSON **answer)
	    __attribute__((warn_unused_result));
/*
 * What ctl_call does with an answer ctl_http got: prints it (--json) or
 * the error, returns the exit status.
 */
int	ctl_answer(struct ctl *c, long status, const cJSON *answer);
/* The exit status for an HTTP status. */
int	ctl_status_exit(long status);
/* The message of an error answer, or NULL. */
const char *ctl_error_message(const cJSON *answer);
void	ctl_print_json(const cJSON *answer);

/* cmd.c */
const struct ctl_cmd *ctl_cmd_find(const char *name, const char *sub);
int	ctl_cmd_has_subs(const char *name);
void	ctl_cmd_usage(const struct ctl_cmd *cmd, int to_stderr);
/* Usage of every command (name NULL) or every subcommand of name. */
void	ctl_usage_all(const char *name, int to_stderr);
int	ctl_cmd_run(struct ctl *c, const struct ctl_cmd *cmd, int argc,
	    char **argv);

/* out.c */
/* Characters (not bytes) of a UTF-8 string, for aligning columns. */
size_t	ctl_utf8_width(const char *s);
/* The text of obj[key] for a human: "-" for null, "yes"/"no", lists. */
char	*ctl_text(const cJSON *obj, const char *key);
void	ctl_print_table(const cJSON *rows, const struct ctl_col *cols);
void	ctl_print_show(const cJSON *obj, const struct ctl_col *cols);
void	ctl_print_fields(const cJSON *obj);
/*
 * Writes s with control characters replaced, so a name cannot move the
 * cursor or change the terminal.
 */
void	ctl_fputs_safe(const char *s, FILE *f);

/* views.c: printers of answers. */
void	ctl_print_list(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_object(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_status(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_family(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_programme(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_deleted(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_conversation(const struct ctl_cmd *cmd,
	    const cJSON *answer);
extern const struct ctl_view ctl_view_staff, ctl_view_staff_list,
	    ctl_view_family, ctl_view_families, ctl_view_member,
	    ctl_view_programme, ctl_view_programmes, ctl_view_outbox,
	    ctl_view_outbox_row, ctl_view_enrolment, ctl_view_invitation,
	    ctl_view_status, ctl_view_check, ctl_view_conversation,
	    ctl_view_erased, ctl_view_closed, ctl_view_rotation;

/* The request path of cmd with its arguments and query; a new string. */
char	*ctl_build_path(const char *tmpl, const struct ctl_args *a);

/* export.c */
int	ctl_family_export(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);

/* backup.c */
int	ctl_backup(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);

/* reports.c */
int	ctl_programme_report(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);

/* audit.c */
int	ctl_audit_list(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);

/* import.c */
int	ctl_family_import(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);

/* visits.c: the visit commands' options, views and printers. */
extern const struct ctl_pos ctl_pos_visit_family[], ctl_pos_visit_id[];
extern const struct ctl_opt ctl_opts_visit_add[], ctl_opts_visit_list[],
	    ctl_opts_visit_move[], ctl_opts_visit_cancel[];
extern const struct ctl_view ctl_view_visits, ctl_view_visit;
void	ctl_print_visits(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_visit(const struct ctl_cmd *cmd, const cJSON *answer);
/* The visits of a list answer as an iCalendar file (RFC 5545). */
void	ctl_visits_ics(FILE *f, const cJSON *answer);
int	ctl_visit_list(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);
int	ctl_visit_add(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);
extern const struct ctl_opt ctl_opts_event_add[];
extern const struct ctl_view ctl_view_event;
void	ctl_print_event(const struct ctl_cmd *cmd, const cJSON *answer);
/* notices.c: notice templates, previews and sends. */
int	ctl_notice_write(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);
void	ctl_print_notice(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_preview(const struct ctl_cmd *cmd, const cJSON *answer);
void	ctl_print_sent(const struct ctl_cmd *cmd, const cJSON *answer);
extern const struct ctl_view ctl_view_notices, ctl_view_notice;
/* broadcasts.c: broadcasts, their previews and who was not reached. */
int	ctl_broadcast_create(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);
int	ctl_broadcast_failed(struct ctl *c, const struct ctl_cmd *cmd,
	    struct ctl_args *a);
void	ctl_print_bc_preview(const struct ctl_cmd *cmd, const cJSON *answer);
/* status: the month's SMS broadcasts, "12 parts, 1.92 zł of 50.00 zł". */
char	*ctl_get_sms_month(const cJSON *obj, const char *key);
extern const struct ctl_view ctl_view_broadcasts, ctl_view_broadcast;

/* asystentctl.c: the help command. */
int	ctl_help(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a);

#endif
