/*
 * Unit tests for asystentctl's command table and argument parsing
 * (ctl/cmd.c) and its output helpers (ctl/out.c): requests are captured
 * by a stub of ctl_call() instead of going to a daemon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The client's private code is not in libcore.a; compile it in. */
#include "../ctl/cmd.c"
#include "../ctl/out.c"
#include "../ctl/views.c"
#include "../ctl/visits.c"
#include "../ctl/notices.c"
#include "../ctl/broadcasts.c"

struct ctl {
	int	json;
};

static struct {
	int	 calls;
	char	 method[16];
	char	*path;
	char	*body;
} req;

int
ctl_is_json(const struct ctl *c)
{
	return c->json;
}

void
ctl_set_json(struct ctl *c)
{
	c->json = 1;
}

int
ctl_call(struct ctl *c, const char *method, const char *path,
    const cJSON *body, cJSON **answer)
{
	(void)c;
	req.calls++;
	snprintf(req.method, sizeof req.method, "%s", method);
	free(req.path);
	free(req.body);
	req.path = xstrdup(path);
	req.body = body ? cJSON_PrintUnformatted(body) : NULL;
	*answer = NULL;
	return 0;
}

/* broadcast create asks ctl_http() itself (it waits for big drafts). */
int
ctl_http(struct ctl *c, const char *method, const char *path,
    const cJSON *body, long *status, cJSON **answer)
{
	*status = 200;
	return ctl_call(c, method, path, body, answer);
}

int
ctl_answer(struct ctl *c, long status, const cJSON *answer)
{
	(void)c;
	(void)answer;
	return ctl_status_exit(status);
}

int
ctl_status_exit(long status)
{
	return status >= 200 && status < 300 ? 0 : 1;
}

/*
 * Commands whose code needs more than this file compiles in (files,
 * sockets): the table only names them, so each is a stub that succeeds.
 */
#define CTL_STUB(name)							\
int									\
name(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)	\
{									\
	(void)c;							\
	(void)cmd;							\
	(void)a;							\
	return 0;							\
}
CTL_STUB(ctl_family_import)
CTL_STUB(ctl_family_export)
CTL_STUB(ctl_backup)
CTL_STUB(ctl_audit_list)
CTL_STUB(ctl_programme_report)
CTL_STUB(ctl_help)
#undef CTL_STUB

static int
reset(void **state)
{
	(void)state;
	free(req.path);
	free(req.body);
	memset(&req, 0, sizeof req);
	return 0;
}

/* Runs "asystentctl NAME SUB ARGS..." as main() would, without output. */
static int
run(const char *name, const char *sub, ...)
{
	const struct ctl_cmd	*cmd = ctl_cmd_find(name, sub);
	struct ctl		 c = { 1 };	/* --json: no printing */
	char			*argv[16];
	const char		*a;
	va_list			 ap;
	int			 argc = 0;

	assert_non_null(cmd);
	argv[argc++] = (char *)(sub ? sub : name);
	va_start(ap, sub);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 15)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return ctl_cmd_run(&c, cmd, argc, argv);
}

static void
test_ctl_table_entries_are_complete_and_unique(void **state)
{
	const struct ctl_cmd	*a, *b;

	(void)state;
	for (a = ctl_cmds; a->name != NULL; a++) {
		assert_non_null(a->usage);
		assert_non_null(a->help);
		assert_non_null(a->opts);
		assert_true(a->exec != NULL || (a->method && a->path));
		assert_true(a->min_args <= a->max_args);
		assert_true(a->max_args <= CTL_MAX_POS);
		assert_true(a->max_args == 0 || a->pos != NULL);
		assert_true(a->print == NULL || a->exec != NULL ||
		    a->view != NULL || a->print == ctl_print_deleted);
		for (b = a + 1; b->name != NULL; b++)
			assert_false(strcmp(a->name, b->name) == 0 &&
			    (a->sub == NULL || b->sub == NULL ||
			    strcmp(a->sub, b->sub) == 0));
	}
}

static void
test_ctl_family_add_builds_nested_contact(void **state)
{
	(void)state;
	assert_int_equal(run("family", "add", "Kowalscy", "--lang", "pl",
	    "--channel", "sms", "--contact", "Anna", "--phone", "600 100 200",
	    "--assistant", "3", NULL), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/v1/families");
	assert_string_equal(req.body, "{\"language\":\"pl\","
	    "\"channel\":\"sms\",\"contact\":{\"name\":\"Anna\","
	    "\"phone\":\"600 100 200\"},"
	    "\"assistant_id\":3,\"name\":\"Kowalscy\"}");
}

static void
test_ctl_required_option_missing_is_usage_error(void **state)
{
	(void)state;
	assert_int_equal(run("family", "add", "Kowalscy", "--lang", "pl",
	    "--channel", "sms", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "add", "X", NULL), CTL_EX_USAGE);
	assert_int_equal(req.calls, 0);
}

static void
test_ctl_argument_counts_checked_before_request(void **state)
{
	(void)state;
	assert_int_equal(run("staff", "show", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "show", "1", "2", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "show", "x1", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "show", "0", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "list", "x", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "edit", "4", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "list", "--nope", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "add", "X", "--kind", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(req.calls, 0);
	assert_int_equal(run("staff", "show", "--help", NULL), 0);
	assert_int_equal(req.calls, 0);
}

static void
test_ctl_contradicting_options_refused(void **state)
{
	(void)state;
	assert_int_equal(run("member", "edit", "5", "--phone", "1",
	    "--no-phone", NULL), CTL_EX_USAGE);
	assert_int_equal(run("staff", "edit", "5", "--active", "maybe", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(req.calls, 0);
	assert_int_equal(run("member", "edit", "5", "--no-phone", NULL), 0);
	assert_string_equal(req.method, "PATCH");
	assert_string_equal(req.path, "/v1/members/5");
	assert_string_equal(req.body, "{\"phone\":null}");
}

static void
test_ctl_conversation_show_asks_for_last(void **state)
{
	(void)state;
	assert_int_equal(run("conversation", "show", "R-0042", NULL), 0);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/v1/families/R-0042/conversation");
	assert_null(req.body);
	assert_int_equal(run("conversation", "show", "7", "--last", "200",
	    NULL), 0);
	assert_string_equal(req.path, "/v1/families/7/conversation?last=200");
	assert_int_equal(req.calls, 2);
	assert_int_equal(run("conversation", "show", NULL), CTL_EX_USAGE);
	assert_int_equal(run("conversation", "show", "R-1", "R-2", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(run("conversation", "show", "R-1", "--last", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(req.calls, 2);
}

static void
test_ctl_path_escapes_family_codes_and_query(void **state)
{
	(void)state;
	assert_int_equal(run("family", "show", "R-0042", NULL), 0);
	assert_string_equal(req.path, "/v1/families/R-0042");
	assert_null(req.body);
	assert_int_equal(run("family", "show", "a/b?c", NULL), 0);
	assert_string_equal(req.path, "/v1/families/a%2Fb%3Fc");
	assert_int_equal(run("family", "list", "--lang", "uk", "--channel",
	    "sms", NULL), 0);
	assert_string_equal(req.path, "/v1/families?language=uk&channel=sms");
	assert_int_equal(run("outbox", "list", "--failed", "--limit", "5",
	    NULL), 0);
	assert_string_equal(req.path, "/v1/outbox?state=failed&limit=5");
}

/* One command records (POST) or, with --withdraw alone, withdraws. */
static void
test_ctl_member_consent_posts_or_deletes(void **state)
{
	(void)state;
	assert_int_equal(run("member", "consent", "7", "--date", "2025-03-14",
	    "--ref", "MOPS/123", NULL), 0);
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/v1/members/7/consent");
	assert_string_equal(req.body, "{\"date\":\"2025-03-14\","
	    "\"ref\":\"MOPS/123\"}");
	assert_int_equal(run("member", "consent", "7", "--withdraw", NULL), 0);
	assert_string_equal(req.method, "DELETE");
	assert_string_equal(req.path, "/v1/members/7/consent");
	assert_null(req.body);
	assert_int_equal(req.calls, 2);
	assert_int_equal(run("member", "consent", "7", NULL), CTL_EX_USAGE);
	assert_int_equal(run("member", "consent", "7", "--date", "2025-03-14",
	    NULL), CTL_EX_USAGE);
	assert_int_equal(run("member", "consent", "7", "--ref", "X", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(run("member", "consent", "7", "--withdraw", "--ref",
	    "X", NULL), CTL_EX_USAGE);
	assert_int_equal(run("member", "consent", "7", "--withdraw",
	    "--withdraw", NULL), CTL_EX_USAGE);
	assert_int_equal(run("member", "consent", "--withdraw", NULL),
	    CTL_EX_USAGE);
	assert_int_equal(req.calls, 2);
	assert_int_equal(run("outbox", "list", "--channel", "sms", NULL), 0);
	assert_string_equal(req.path, "/v1/outbox?channel=sms");
}

static void
test_ctl_lists_groups_and_family_by_code_or_id(void **state)
{
	(void)state;
	assert_int_equal(run("staff", "add", "Ola", "--kind", "coordinator",
	    "--lang", "pl,uk", NULL), 0);
	assert_string_equal(req.body, "{\"kind\":\"coordinator\","
	    "\"languages\":[\"pl\",\"uk\"],\"name\":\"Ola\"}");
	assert_int_equal(run("programme", "add", "AI", "--group", "a",
	    "--group", "b c", NULL), 0);
	assert_string_equal(req.body, "{\"groups\":[\"a\",\"b c\"],"
	    "\"name\":\"AI\"}");
	assert_int_equal(run("programme", "add", "Solo", NULL), 0);
	assert_string_equal(req.body, "{\"groups\":[],\"name\":\"Solo\"}");
	assert_int_equal(run("programme", "enrol", "2", "R-0001", NULL), 0);
	assert_string_equal(req.path, "/v1/programmes/2/enrol");
	assert_string_equal(req.body, "{\"family\":\"R-0001\"}");
	assert_int_equal(run("programme", "leave", "2", "17", "--on",
	    "2025-06-30", NULL), 0);
	assert_string_equal(req.body, "{\"on\":\"2025-06-30\",\"family\":17}");
	assert_int_equal(run("family", "assign", "R-0001", "4",
	    "--no-substitute", NULL), 0);
	assert_string_equal(req.body, "{\"substitute_id\":null,"
	    "\"assistant_id\":4}");
	assert_int_equal(run("staff", "disable", "4", NULL), 0);
	assert_string_equal(req.body, "{}");
}

static void
test_ctl_width_counts_characters_not_bytes(void **state)
{
	(void)state;
	assert_int_equal(ctl_utf8_width("Łódź"), 4);
	assert_int_equal(ctl_utf8_width("Київ"), 4);
	assert_int_equal(ctl_utf8_width(""), 0);
}

static void
test_ctl_text_of_values(void **state)
{
	cJSON	*o;
	char	*s;

	(void)state;
	o = cJSON_Parse("{\"a\":true,\"n\":12,\"z\":null,\"l\":[\"pl\",\"uk\"],"
	    "\"e\":[],\"s\":{\"id\":3,\"name\":\"Ola\"}}");
	assert_non_null(o);
	s = ctl_text(o, "a");
	assert_string_equal(s, "yes");
	free(s);
	s = ctl_text(o, "n");
	assert_string_equal(s, "12");
	free(s);
	assert_null(ctl_text(o, "z"));
	assert_null(ctl_text(o, "e"));
	assert_null(ctl_text(o, "missing"));
	s = ctl_text(o, "l");
	assert_string_equal(s, "pl,uk");
	free(s);
	s = ctl_text(o, "s");
	assert_string_equal(s, "Ola (3)");
	free(s);
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_ctl_table_entries_are_complete_and_unique),
		cmocka_unit_test_setup(
		    test_ctl_family_add_builds_nested_contact, reset),
		cmocka_unit_test_setup(
		    test_ctl_required_option_missing_is_usage_error, reset),
		cmocka_unit_test_setup(
		    test_ctl_argument_counts_checked_before_request, reset),
		cmocka_unit_test_setup(test_ctl_conversation_show_asks_for_last,
		    reset),
		cmocka_unit_test_setup(test_ctl_contradicting_options_refused,
		    reset),
		cmocka_unit_test_setup(
		    test_ctl_path_escapes_family_codes_and_query, reset),
		cmocka_unit_test_setup(
		    test_ctl_lists_groups_and_family_by_code_or_id, reset),
		cmocka_unit_test_setup(
		    test_ctl_member_consent_posts_or_deletes, reset),
		cmocka_unit_test(test_ctl_width_counts_characters_not_bytes),
		cmocka_unit_test(test_ctl_text_of_values),
	};
	int	rc;

	rc = cmocka_run_group_tests(tests, NULL, NULL);
	reset(NULL);
	return rc;
}
