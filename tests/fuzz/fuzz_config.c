/*
 * libFuzzer harness for the configuration file parser: config_load() on a
 * temporary file holding the input, errors written to a memory stream.
 * Any file must load or be refused with at least one error, each one line
 * naming the file; what loads holds only values its keys allow, and the
 * office hours and closed days start (hours_new()) as they would in the
 * daemon. A NUL byte is refused, never cut at. Never a crash, a leak or
 * undefined behaviour. The environment's overrides are
 * cleared so that only the file counts; paths the file names (the token
 * and secret files) are opened as the daemon would, relative to here.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hours.h"
#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static char	fuzz_path[256];

static void
fuzz_cleanup(void)
{
	if (fuzz_path[0] != '\0')
		unlink(fuzz_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*tmp = getenv("TMPDIR");
	int		 fd, n;

	(void)argc;
	(void)argv;
	unsetenv("ASYSTENT_TELEGRAM_TOKEN");
	unsetenv("ASYSTENT_TELEGRAM_API_ROOT");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(fuzz_path, sizeof fuzz_path, "%s/fuzz_config.XXXXXX",
	    tmp);
	if (n < 0 || (size_t)n >= sizeof fuzz_path ||
	    (fd = mkstemp(fuzz_path)) == -1) {
		fprintf(stderr, "fuzz_config: no temporary file\n");
		exit(1);
	}
	close(fd);
	atexit(fuzz_cleanup);
	return 0;
}

/* Every error is one line "<file>:<line>: ..." or "<file>: ...". */
static void
fuzz_check_errors(const char *buf, size_t len)
{
	const char	*p = buf, *nl;
	size_t		 plen = strlen(fuzz_path);

	if (len == 0 || buf[len - 1] != '\n')
		abort();
	while (p < buf + len) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (nl == NULL || strncmp(p, fuzz_path, plen) != 0 ||
		    p[plen] != ':')
			abort();
		p = nl + 1;
	}
}

static void
fuzz_check_string(const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			abort();
}

/* What loaded: no control characters, numbers within their bounds. */
static void
fuzz_check_config(const struct config *cfg)
{
	int	 i;

	fuzz_check_string(cfg->database);
	fuzz_check_string(cfg->admin_socket);
	fuzz_check_string(cfg->centre_name);
	fuzz_check_string(cfg->centre_contact);
	fuzz_check_string(cfg->dpo_contact);
	fuzz_check_string(cfg->emergency_numbers);
	fuzz_check_string(cfg->closed_days);
	fuzz_check_string(cfg->sms_sender);
	for (i = 0; i < 7; i++) {
		if (cfg->hours[i] == NULL)
			abort();
		fuzz_check_string(cfg->hours[i]);
	}
	if (cfg->database[0] == '\0' || cfg->centre_name[0] == '\0' ||
	    cfg->dpo_contact[0] == '\0')
		abort();
	if (cfg->poll_timeout < 0 || cfg->poll_timeout > 50 ||
	    cfg->max_attempts < 1 || cfg->max_in_flight < 1 ||
	    cfg->sms_max_parts < 1 || cfg->sms_max_parts > 10 ||
	    cfg->global_per_second < 0 || cfg->sms_per_second < 0)
		abort();
	if (cfg->sms_driver != SMS_DRIVER_NONE && cfg->sms_secret == NULL)
		abort();
}

/* What `asystentd -n` passes must not stop the daemon at start. */
static void
fuzz_check_start(const struct config *cfg)
{
	struct hours	*h = NULL;

	if (hours_new((const char *const *)cfg->hours, cfg->closed_days,
	    &h) != 0)
		abort();
	hours_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg = NULL;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f, *errf;
	int		 rc;

	if ((f = fopen(fuzz_path, "we")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
	if ((errf = open_memstream(&buf, &len)) == NULL)
		abort();
	rc = config_load(fuzz_path, errf, &cfg);
	if (fclose(errf) != 0)
		abort();
	if (rc == 0) {
		if (cfg == NULL || len != 0 || memchr(data, '\0', size) != NULL)
			abort();
		fuzz_check_config(cfg);
		fuzz_check_start(cfg);
	} else {
		if (rc != -1 || cfg != NULL)
			abort();
		fuzz_check_errors(buf, len);
	}
	config_free(cfg);
	free(buf);
	return 0;
}
