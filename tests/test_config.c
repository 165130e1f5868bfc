/* Unit tests for daemon/core/config.c: defaults, every key type, error lines. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "unit/fixture.h"

struct config_test {
	struct fixture	 fx;
	char		 conf[512];	/* dir/asystent.conf */
	char		*errs;			/* what config_load printed */
	size_t		 errlen;
	struct config	*cfg;
};

static int
teardown(void **state)
{
	struct config_test	*f = *state;
	int			 rc;

	unsetenv("ASYSTENT_TELEGRAM_TOKEN");
	unsetenv("ASYSTENT_TELEGRAM_API_ROOT");
	if (f == NULL)
		return 0;
	config_free(f->cfg);
	free(f->errs);
	rc = fixture_teardown(&f->fx);
	free(f);
	return rc;
}

static int
setup(void **state)
{
	struct config_test	*f;

	/* The environment overrides the file: start from a clean one. */
	unsetenv("ASYSTENT_TELEGRAM_TOKEN");
	unsetenv("ASYSTENT_TELEGRAM_API_ROOT");
	if ((f = calloc(1, sizeof *f)) == NULL)
		return -1;
	if (fixture_setup(&f->fx, "config", 0) == -1) {
		free(f);
		return -1;
	}
	fixture_path(&f->fx, "asystent.conf", f->conf, sizeof f->conf);
	*state = f;
	return 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Loads `path`, keeping what was printed in f->errs. */
static int
load_path(struct config_test *f, const char *path)
{
	FILE	*errf;
	int	 rc;

	free(f->errs);
	f->errs = NULL;
	f->errlen = 0;
	config_free(f->cfg);
	f->cfg = NULL;
	errf = open_memstream(&f->errs, &f->errlen);
	assert_non_null(errf);
	rc = config_load(path, errf, &f->cfg);
	assert_int_equal(fclose(errf), 0);
	if (rc == 0)
		assert_non_null(f->cfg);
	else
		assert_null(f->cfg);
	return rc;
}

#define DPO_LINE	"dpo_contact = iod@mops.example\n"

/*
 * Writes `text` as the config file and loads it. The one key every centre
 * must set is added at the end unless the text says something of it.
 */
static int
load_text(struct config_test *f, const char *text)
{
	const char	*dpo = "\n[privacy]\n" DPO_LINE;
	char		*full;
	size_t		 n;

	if (strstr(text, "dpo_contact") != NULL ||
	    strstr(text, "[privacy]") != NULL)
		write_file(f->conf, text);
	else {
		n = strlen(text) + strlen(dpo) + 1;
		full = malloc(n);
		assert_non_null(full);
		snprintf(full, n, "%s%s", text, dpo);
		write_file(f->conf, full);
		free(full);
	}
	return load_path(f, f->conf);
}

/* The error output holds the line "<conf>:<line>: <rest>". */
static void
assert_error_line(const struct config_test *f, int line, const char *rest)
{
	char	 want[2048];

	if (line > 0)
		snprintf(want, sizeof want, "%s:%d: %s\n", f->conf, line,
		    rest);
	else
		snprintf(want, sizeof want, "%s: %s\n", f->conf, rest);
	if (f->errs == NULL || strstr(f->errs, want) == NULL)
		fail_msg("expected \"%s\" in:\n%s", want,
		    f->errs != NULL ? f->errs : "(nothing)");
}

static int
count_lines(const char *s)
{
	int	 n = 0;

	for (; s != NULL && *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

static void
test_config_null_path_gives_defaults(void **state)
{
	struct config_test	*f = *state;
	struct config		*c;

	assert_int_equal(load_path(f, NULL), 0);
	assert_int_equal(f->errlen, 0);
	c = f->cfg;
	assert_null(c->path);
	assert_string_equal(c->database, "/var/lib/asystent/asystent.db");
	assert_string_equal(c->key_file, "/etc/asystent/keys/master.key");
	assert_string_equal(c->admin_socket, "/run/asystent/admin.sock");
	assert_int_equal(c->log_level, LOGL_NOTICE);
	assert_string_equal(c->timezone, "Europe/Warsaw");
	assert_string_equal(c->centre_name, "MOPS");
	assert_string_equal(c->centre_contact, "");
	assert_non_null(c->catalog_dir);
	assert_null(c->token_file);
	assert_null(c->token);
	assert_string_equal(c->api_root, "https://api.telegram.org");
	assert_int_equal(c->mode, TG_MODE_POLLING);
	assert_int_equal(c->poll_timeout, 50);
	assert_int_equal(c->request_timeout, 30);
	assert_true(c->global_per_second == 30.0);
	assert_true(c->per_chat_per_second == 1.0);
	assert_int_equal(c->per_group_per_minute, 20);
	assert_int_equal(c->max_attempts, 12);
	assert_int_equal(c->backoff_initial_ms, 1000);
	assert_int_equal(c->backoff_max_s, 600);
	assert_int_equal(c->max_in_flight, 64);
}

static void
test_config_file_sets_every_kind_of_value(void **state)
{
	struct config_test	*f = *state;
	struct config		*c;
	char			 tok[512], text[4096];

	fixture_path(&f->fx, "token", tok, sizeof tok);
	write_file(tok, "123456:ABC-def_ghi\n");
	snprintf(text, sizeof text,
	    "# comment\n"
	    "[daemon]\n"
	    "database = /srv/a.db\n"
	    "key_file=/srv/master.key\n"
	    "admin_socket = /srv/admin.sock\n"
	    "log_level = debug\n"
	    "timezone = Europe/Kyiv\n"
	    "centre_name = MOPR Kraków\n"
	    "centre_contact = ul. Józefińska 14, 12 616 54 20\n"
	    "catalog_dir = /srv/messages\n"
	    "\n"
	    "[telegram]\n"
	    "token_file = %s\n"
	    "api_root = http://127.0.0.1:8081\n"
	    "mode = polling\n"
	    "poll_timeout = 0\n"
	    "request_timeout = 300\n"
	    "[limits]\n"
	    "global_per_second = 2.5\n"
	    "per_chat_per_second = 0\n"
	    "per_group_per_minute = 7\n"
	    "[outbox]\n"
	    "max_attempts = 3\n"
	    "backoff_initial_ms = 250\n"
	    "backoff_max_s = 86400\n"
	    "max_in_flight = 1\n", tok);
	assert_int_equal(load_text(f, text), 0);
	assert_int_equal(f->errlen, 0);
	c = f->cfg;
	assert_string_equal(c->path, f->conf);
	assert_string_equal(c->database, "/srv/a.db");
	assert_string_equal(c->key_file, "/srv/master.key");
	assert_string_equal(c->admin_socket, "/srv/admin.sock");
	assert_int_equal(c->log_level, LOGL_DEBUG);
	assert_string_equal(c->timezone, "Europe/Kyiv");
	assert_string_equal(c->centre_name, "MOPR Kraków");
	assert_string_equal(c->centre_contact,
	    "ul. Józefińska 14, 12 616 54 20");
	assert_string_equal(c->catalog_dir, "/srv/messages");
	assert_string_equal(c->token_file, tok);
	assert_string_equal(c->token, "123456:ABC-def_ghi");
	assert_string_equal(c->api_root, "http://127.0.0.1:8081");
	assert_int_equal(c->mode, TG_MODE_POLLING);
	assert_int_equal(c->poll_timeout, 0);
	assert_int_equal(c->request_timeout, 300);
	assert_true(c->global_per_second == 2.5);
	assert_true(c->per_chat_per_second == 0.0);
	assert_int_equal(c->per_group_per_minute, 7);
	assert_int_equal(c->max_attempts, 3);
	assert_int_equal(c->backoff_initial_ms, 250);
	assert_int_equal(c->backoff_max_s, 86400);
	assert_int_equal(c->max_in_flight, 1);
}

static void
test_config_keys_not_in_the_file_keep_defaults(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[outbox]\nmax_attempts = 5\n"), 0);
	assert_int_equal(f->cfg->max_attempts, 5);
	assert_int_equal(f->cfg->max_in_flight, 64);
	assert_string_equal(f->cfg->centre_name, "MOPS");
}

static void
test_config_unknown_key_names_file_line_and_key(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\n\n# x\ndatabse = /a.db\n"),
	    -1);
	assert_error_line(f, 4, "daemon.databse: unknown key");
	assert_int_equal(count_lines(f->errs), 1);
}

static void
test_config_unknown_section_names_section_and_key(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ncentre_name = A\n[sms]\n"
	    "gateway = kannel\n"), -1);
	assert_error_line(f, 4, "sms.gateway: unknown key");
	assert_int_equal(count_lines(f->errs), 1);
}

static void
test_config_key_before_any_section_is_unknown(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "database = /a.db\n"), -1);
	assert_error_line(f, 1, ".database: unknown key");
}

static void
test_config_value_out_of_range_is_refused(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[telegram]\npoll_timeout = 51\n"
	    "request_timeout = 0\n[limits]\nglobal_per_second = -1\n"
	    "per_chat_per_second = 1000.5\n"), -1);
	assert_error_line(f, 2,
	    "telegram.poll_timeout: out of range: \"51\"");
	assert_error_line(f, 3,
	    "telegram.request_timeout: out of range: \"0\"");
	assert_error_line(f, 5,
	    "limits.global_per_second: out of range: \"-1\"");
	assert_error_line(f, 6,
	    "limits.per_chat_per_second: out of range: \"1000.5\"");
	assert_int_equal(count_lines(f->errs), 4);
}

static void
test_config_value_not_a_number_is_refused(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[telegram]\npoll_timeout = 5s\n"
	    "request_timeout = 1e2\n[limits]\nglobal_per_second = abc\n"
	    "per_chat_per_second = nan\nper_group_per_minute = \n"
	    "[outbox]\nmax_attempts = 99999999999999999999999\n"), -1);
	assert_error_line(f, 2,
	    "telegram.poll_timeout: not an integer: \"5s\"");
	assert_error_line(f, 3,
	    "telegram.request_timeout: not an integer: \"1e2\"");
	assert_error_line(f, 5,
	    "limits.global_per_second: not a number: \"abc\"");
	assert_error_line(f, 6,
	    "limits.per_chat_per_second: not a number: \"nan\"");
	assert_error_line(f, 7,
	    "limits.per_group_per_minute: not an integer: \"\"");
	assert_error_line(f, 9, "outbox.max_attempts: not an integer: "
	    "\"99999999999999999999999\"");
	assert_int_equal(count_lines(f->errs), 6);
}

static void
test_config_duplicate_key_reports_second_line(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ncentre_name = A\n"
	    "[telegram]\nmode = polling\n[daemon]\ncentre_name = B\n"), -1);
	assert_error_line(f, 6, "daemon.centre_name: set twice");
	assert_int_equal(count_lines(f->errs), 1);
}

static void
test_config_privacy_names_the_dpo_and_a_known_legal_basis(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\n"), 0);
	assert_string_equal(f->cfg->dpo_contact, "iod@mops.example");
	assert_int_equal(f->cfg->legal_basis, PRIVACY_BASIS_CONSENT);
	assert_int_equal(load_text(f, "[privacy]\n" DPO_LINE
	    "legal_basis = public_task\n"), 0);
	assert_int_equal(f->cfg->legal_basis, PRIVACY_BASIS_PUBLIC_TASK);
	assert_int_equal(load_text(f, "[privacy]\n" DPO_LINE
	    "legal_basis = interest\n"), -1);
	assert_error_line(f, 3, "privacy.legal_basis: unknown basis "
	    "(consent, public_task): \"interest\"");
	assert_int_equal(load_text(f, "[privacy]\ndpo_contact =\n"), -1);
	assert_error_line(f, 0, "privacy.dpo_contact: must be set: the "
	    "information clause families read names the data protection "
	    "officer (GDPR art. 13)");
}

static void
test_config_metrics_listener_is_off_unless_given_an_address(void **state)
{
	struct config_test	*f = *state;
	char			 host[64];
	uint16_t		 port = 0;

	assert_int_equal(load_text(f, "[daemon]\n"), 0);
	assert_string_equal(f->cfg->metrics_listen, "");
	assert_int_equal(load_text(f, "[metrics]\nlisten = 127.0.0.1:9464\n"),
	    0);
	assert_string_equal(f->cfg->metrics_listen, "127.0.0.1:9464");
	assert_int_equal(load_text(f, "[metrics]\nlisten = [::1]:9464\n"), 0);
	assert_int_equal(load_text(f, "[metrics]\nlisten =\n"), 0);
	assert_string_equal(f->cfg->metrics_listen, "");
	assert_int_equal(load_text(f, "[daemon]\n\n[metrics]\n"
	    "listen = 127.0.0.1\n"), -1);
	assert_error_line(f, 4, "metrics.listen: expected address:port "
	    "(port 1 to 65535), or nothing for off: \"127.0.0.1\"");
	assert_int_equal(count_lines(f->errs), 1);
	assert_int_equal(load_text(f, "[metrics]\nlisten = :9464\n"), -1);
	assert_error_line(f, 2, "metrics.listen: expected address:port "
	    "(port 1 to 65535), or nothing for off: \":9464\"");
	assert_int_equal(load_text(f, "[metrics]\nlisten = 127.0.0.1:0\n"),
	    -1);
	assert_int_equal(load_text(f, "[metrics]\nlisten = 127.0.0.1:65536\n"),
	    -1);
	assert_int_equal(load_text(f, "[metrics]\nlisten = 127.0.0.1:+80\n"),
	    -1);
	assert_int_equal(load_text(f, "[metrics]\nlisten = a b:80\n"), -1);

	assert_int_equal(config_listen_parse("[::1]:9464", host, sizeof host,
	    &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9464);
	assert_int_equal(config_listen_parse("localhost:65535", host,
	    sizeof host, &port), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 65535);
	assert_int_equal(config_listen_parse("127.0.0.1:80", host, 9, &port),
	    -1);
	assert_int_equal(config_listen_parse("[]:80", host, sizeof host,
	    &port), -1);
	assert_int_equal(config_listen_parse("127.0.0.1:", host, sizeof host,
	    &port), -1);
}

static void
test_config_webhook_mode_is_refused_with_clear_message(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[telegram]\nmode = webhook\n"), -1);
	assert_error_line(f, 2, "telegram.mode: webhook mode is not "
	    "available yet; use polling: \"webhook\"");
	assert_int_equal(load_text(f, "[telegram]\nmode = push\n"), -1);
	assert_error_line(f, 2, "telegram.mode: unknown mode (polling): "
	    "\"push\"");
}

static void
test_config_bad_log_level_is_refused(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\nlog_level = verbose\n"), -1);
	assert_error_line(f, 2, "daemon.log_level: unknown level (err, "
	    "warning, notice, info, debug): \"verbose\"");
}

static void
test_config_control_characters_in_strings_are_refused(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ncentre_name = A\tB\n"), -1);
	assert_error_line(f, 2, "daemon.centre_name: control characters "
	    "are not allowed: \"A\tB\"");
}

static void
test_config_syntax_error_names_its_line(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ncentre_name = A\n\n"
	    "this line has no equals sign\ncentre_contact = x\n"), -1);
	assert_error_line(f, 4,
	    "syntax error (expected key = value or [section])");
	assert_int_equal(count_lines(f->errs), 1);
}

static void
test_config_missing_file_is_reported(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_path(f, f->conf), -1);
	assert_error_line(f, 0, "cannot open: No such file or directory");
}

static void
test_config_reports_every_error_not_just_the_first(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f,
	    "[daemon]\n"			/* 1 */
	    "colour = blue\n"			/* 2 */
	    "log_level = loud\n"		/* 3 */
	    "[telegram]\n"			/* 4 */
	    "mode = webhook\n"			/* 5 */
	    "poll_timeout = 99\n"		/* 6 */
	    "poll_timeout = 10\n"		/* 7 */
	    "[outbox]\n"			/* 8 */
	    "max_in_flight = many\n"),		/* 9 */
	    -1);
	assert_error_line(f, 2, "daemon.colour: unknown key");
	assert_error_line(f, 3, "daemon.log_level: unknown level (err, "
	    "warning, notice, info, debug): \"loud\"");
	assert_error_line(f, 5, "telegram.mode: webhook mode is not "
	    "available yet; use polling: \"webhook\"");
	assert_error_line(f, 6,
	    "telegram.poll_timeout: out of range: \"99\"");
	assert_error_line(f, 7, "telegram.poll_timeout: set twice");
	assert_error_line(f, 9,
	    "outbox.max_in_flight: not an integer: \"many\"");
	assert_int_equal(count_lines(f->errs), 6);
}

/*
 * Regression (cfg_read_file): the syntax error inih reports is printed only
 * when the key handler found no error, so a file with a bad key and a
 * syntax error reports only the bad key.
 */
static void
test_config_reports_syntax_error_after_key_error(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ncolour = blue\n"
	    "no equals sign here\n"), -1);
	assert_error_line(f, 2, "daemon.colour: unknown key");
	assert_error_line(f, 3,
	    "syntax error (expected key = value or [section])");
}

/*
 * Regression (cfg_reader / cfg_read_file): inih reads lines into a
 * 200-byte buffer (INI_MAX_LINE); a longer line is cut, its rest parsed as
 * a line of its own. The error then blames the wrong line number and calls
 * a long, valid value a syntax error.
 */
static void
test_config_long_value_is_accepted_or_blamed_on_its_line(void **state)
{
	struct config_test	*f = *state;
	char			 text[1024], name[301];

	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	snprintf(text, sizeof text, "[daemon]\ncentre_contact = %s\n"
	    "centre_name = B\n", name);
	if (load_text(f, text) == 0) {
		assert_string_equal(f->cfg->centre_contact, name);
		return;
	}
	/* Refusing is fine, but on line 2, where the long value is. */
	if (f->errs == NULL || strstr(f->errs, ":2: ") == NULL)
		fail_msg("long line blamed elsewhere:\n%s", f->errs);
}

/* Writes `len` bytes, NULs included, as the config file and loads it. */
static int
load_bytes(struct config_test *f, const char *bytes, size_t len)
{
	FILE	*fp;

	fp = fopen(f->conf, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(bytes, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return load_path(f, f->conf);
}

/*
 * Regression (cfg_reader): a NUL ends a value for every C string
 * function. On the last line it cut the value there and the file loaded;
 * on another line it was called too long and the next line was skipped.
 */
static void
test_config_nul_byte_is_refused_not_cut(void **state)
{
	struct config_test	*f = *state;
	static const char	 last[] = "[privacy]\n" DPO_LINE
	    "[daemon]\ncentre_name = MOPS\0 Kraków";
	static const char	 middle[] = "[privacy]\n" DPO_LINE
	    "[daemon]\ncentre_name = MOPS\0 Kraków\ncolour = blue\n";

	assert_int_equal(load_bytes(f, last, sizeof last - 1), -1);
	assert_error_line(f, 4, "NUL byte in the line");
	assert_int_equal(count_lines(f->errs), 1);

	assert_int_equal(load_bytes(f, middle, sizeof middle - 1), -1);
	assert_error_line(f, 4, "NUL byte in the line");
	assert_error_line(f, 5, "daemon.colour: unknown key");
	assert_int_equal(count_lines(f->errs), 2);
}

static void
test_config_env_token_overrides_token_file(void **state)
{
	struct config_test	*f = *state;
	char			 tok[512], text[2048];

	fixture_path(&f->fx, "token", tok, sizeof tok);
	write_file(tok, "111:from_file\n");
	snprintf(text, sizeof text, "[telegram]\ntoken_file = %s\n", tok);
	assert_int_equal(setenv("ASYSTENT_TELEGRAM_TOKEN", "222:from_env", 1),
	    0);
	assert_int_equal(load_text(f, text), 0);
	assert_string_equal(f->cfg->token, "222:from_env");
}

static void
test_config_env_token_works_without_file(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(setenv("ASYSTENT_TELEGRAM_TOKEN", "333:env", 1), 0);
	assert_int_equal(load_path(f, NULL), 0);
	assert_string_equal(f->cfg->token, "333:env");
}

static void
test_config_env_api_root_overrides_file(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(setenv("ASYSTENT_TELEGRAM_API_ROOT",
	    "http://127.0.0.1:9999", 1), 0);
	assert_int_equal(load_text(f, "[telegram]\n"
	    "api_root = https://api.example.org\n"), 0);
	assert_string_equal(f->cfg->api_root, "http://127.0.0.1:9999");
}

static void
test_config_api_root_must_be_http_url(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(setenv("ASYSTENT_TELEGRAM_API_ROOT", "ftp://x", 1),
	    0);
	assert_int_equal(load_text(f, "[daemon]\n"), -1);
	assert_error_line(f, 0, "telegram.api_root: must be an http(s) URL");
	unsetenv("ASYSTENT_TELEGRAM_API_ROOT");
	assert_int_equal(load_text(f, "[telegram]\napi_root = api.org\n"),
	    -1);
	assert_error_line(f, 0, "telegram.api_root: must be an http(s) URL");
}

static void
test_config_empty_database_and_centre_name_are_refused(void **state)
{
	struct config_test	*f = *state;

	assert_int_equal(load_text(f, "[daemon]\ndatabase =\n"
	    "centre_name =\n"), -1);
	assert_error_line(f, 0, "daemon.database: must not be empty");
	assert_error_line(f, 0, "daemon.centre_name: must not be empty");
}

static void
test_config_token_file_trailing_newline_is_stripped(void **state)
{
	struct config_test	*f = *state;
	char			 tok[512], text[2048];

	fixture_path(&f->fx, "token", tok, sizeof tok);
	write_file(tok, "123456789:AAH-x_yZ\r\n\n");
	snprintf(text, sizeof text, "[telegram]\ntoken_file = %s\n", tok);
	assert_int_equal(load_text(f, text), 0);
	assert_string_equal(f->cfg->token, "123456789:AAH-x_yZ");
}

/* Each junk token file is refused, and the token is never printed. */
static void
test_config_token_file_with_junk_is_refused(void **state)
{
	static const char *const junk[] = {
		"",
		"\n",
		"no colon here\n",
		"123:abc def\n",
		"123:abc/../../etc\n",
		"123:abc?x=1\n",
		"123:abc#frag\n",
		"123:abc%2f\n",
		"111:first\n222:second\n",
	};
	struct config_test	*f = *state;
	char			 tok[512], text[2048], want[1024];
	size_t			 i;

	fixture_path(&f->fx, "token", tok, sizeof tok);
	snprintf(text, sizeof text, "[telegram]\ntoken_file = %s\n", tok);
	snprintf(want, sizeof want, "telegram.token_file: %s: does not hold "
	    "a bot token (digits:letters)", tok);
	for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		write_file(tok, junk[i]);
		if (load_text(f, text) != -1)
			fail_msg("junk token %zu accepted", i);
		assert_error_line(f, 0, want);
		if (junk[i][0] != '\0' && junk[i][0] != '\n')
			assert_null(strstr(f->errs, junk[i]));
	}
}

static void
test_config_token_file_too_long_is_refused(void **state)
{
	struct config_test	*f = *state;
	char			 tok[512], text[2048], big[400];

	fixture_path(&f->fx, "token", tok, sizeof tok);
	memset(big, 'a', sizeof big - 1);
	big[0] = '1';
	big[1] = ':';
	big[sizeof big - 1] = '\0';
	write_file(tok, big);
	snprintf(text, sizeof text, "[telegram]\ntoken_file = %s\n", tok);
	assert_int_equal(load_text(f, text), -1);
	assert_non_null(strstr(f->errs, "does not hold a bot token"));
}

static void
test_config_missing_token_file_is_reported(void **state)
{
	struct config_test	*f = *state;
	char			 tok[512], text[2048], want[1024];

	fixture_path(&f->fx, "nope", tok, sizeof tok);
	snprintf(text, sizeof text, "[telegram]\ntoken_file = %s\n", tok);
	assert_int_equal(load_text(f, text), -1);
	snprintf(want, sizeof want, "telegram.token_file: %s: No such file "
	    "or directory", tok);
	assert_error_line(f, 0, want);
}

static void
test_config_printed_defaults_load_without_errors(void **state)
{
	struct config_test	*f = *state;
	struct config		*def = NULL;
	FILE			*fp;

	char		*printed = NULL, *at;
	size_t		 len = 0;

	fp = open_memstream(&printed, &len);
	assert_non_null(fp);
	config_print_defaults(fp);
	assert_int_equal(fclose(fp), 0);
	write_file(f->conf, printed);
	/* The one key left to the centre: refused until it is set. */
	assert_int_equal(load_path(f, f->conf), -1);
	assert_error_line(f, 0, "privacy.dpo_contact: must be set: the "
	    "information clause families read names the data protection "
	    "officer (GDPR art. 13)");
	at = strstr(printed, "dpo_contact = \n");
	assert_non_null(at);
	fp = fopen(f->conf, "w");
	assert_non_null(fp);
	fprintf(fp, "%.*s" DPO_LINE "%s", (int)(at - printed), printed,
	    at + strlen("dpo_contact = \n"));
	assert_int_equal(fclose(fp), 0);
	free(printed);
	assert_int_equal(load_path(f, f->conf), 0);
	assert_int_equal(f->errlen, 0);

	/* And it says the same as no file at all. */
	assert_int_equal(config_load(NULL, stderr, &def), 0);
	assert_string_equal(f->cfg->database, def->database);
	assert_string_equal(f->cfg->key_file, def->key_file);
	assert_string_equal(f->cfg->admin_socket, def->admin_socket);
	assert_string_equal(f->cfg->catalog_dir, def->catalog_dir);
	assert_string_equal(f->cfg->centre_contact, def->centre_contact);
	assert_string_equal(f->cfg->api_root, def->api_root);
	assert_null(f->cfg->token_file);
	assert_int_equal(f->cfg->log_level, def->log_level);
	assert_int_equal(f->cfg->poll_timeout, def->poll_timeout);
	assert_true(f->cfg->global_per_second == def->global_per_second);
	assert_int_equal(f->cfg->max_in_flight, def->max_in_flight);
	config_free(def);
}

static void
test_config_printed_defaults_comment_out_token_file(void **state)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	(void)state;
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	config_print_defaults(fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(strstr(out, "\n#token_file = \n"));
	assert_non_null(strstr(out, "[daemon]\n"));
	assert_non_null(strstr(out, "[telegram]\n"));
	assert_non_null(strstr(out, "[limits]\n"));
	assert_non_null(strstr(out, "[outbox]\n"));
	assert_non_null(strstr(out, "\nmode = polling\n"));
	/* The metrics listener is off until an address is given. */
	assert_non_null(strstr(out, "[metrics]\n"));
	assert_non_null(strstr(out, "\nlisten = \n"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_config_null_path_gives_defaults),
		T(test_config_file_sets_every_kind_of_value),
		T(test_config_keys_not_in_the_file_keep_defaults),
		T(test_config_unknown_key_names_file_line_and_key),
		T(test_config_unknown_section_names_section_and_key),
		T(test_config_key_before_any_section_is_unknown),
		T(test_config_value_out_of_range_is_refused),
		T(test_config_value_not_a_number_is_refused),
		T(test_config_duplicate_key_reports_second_line),
		T(test_config_privacy_names_the_dpo_and_a_known_legal_basis),
		T(test_config_metrics_listener_is_off_unless_given_an_address),
		T(test_config_webhook_mode_is_refused_with_clear_message),
		T(test_config_bad_log_level_is_refused),
		T(test_config_control_characters_in_strings_are_refused),
		T(test_config_syntax_error_names_its_line),
		T(test_config_missing_file_is_reported),
		T(test_config_reports_every_error_not_just_the_first),
		T(test_config_reports_syntax_error_after_key_error),
		T(test_config_long_value_is_accepted_or_blamed_on_its_line),
		T(test_config_nul_byte_is_refused_not_cut),
		T(test_config_env_token_overrides_token_file),
		T(test_config_env_token_works_without_file),
		T(test_config_env_api_root_overrides_file),
		T(test_config_api_root_must_be_http_url),
		T(test_config_empty_database_and_centre_name_are_refused),
		T(test_config_token_file_trailing_newline_is_stripped),
		T(test_config_token_file_with_junk_is_refused),
		T(test_config_token_file_too_long_is_refused),
		T(test_config_missing_token_file_is_reported),
		T(test_config_printed_defaults_load_without_errors),
		T(test_config_printed_defaults_comment_out_token_file),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
