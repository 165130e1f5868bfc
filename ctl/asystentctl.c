/*
 * asystentctl: the staff tool, a thin client of asystentd's admin API on
 * its Unix socket. It never opens the database or the key.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ini.h>

#include "xmalloc.h"

#include "ctl.h"

#define CTL_DEFAULT_SOCKET	"/run/asystent/admin.sock"
/* The daemon's default [daemon] timezone. */
#define CTL_DEFAULT_TZ		"Europe/Warsaw"

struct ctl {
	const char	*sock_opt;	/* -s */
	const char	*config;	/* -c */
	char		*sock;		/* resolved on first use */
	char		*tz;		/* [daemon] timezone, or NULL */
	int		 sock_failed;
	int		 json;
};

static const struct option ctl_global_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "socket", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

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

/*
 * Only [daemon] admin_socket and timezone are read: the rest of the file
 * is the daemon's business (and config_load() would want the bot token
 * too).
 */
static int
ctl_ini_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctl	*c = user;

	if (strcmp(section, "daemon") != 0 || *value == '\0')
		return 1;
	/* -s wins over the file. */
	if (strcmp(name, "admin_socket") == 0 && c->sock_opt == NULL) {
		free(c->sock);
		c->sock = xstrdup(value);
	} else if (strcmp(name, "timezone") == 0) {
		free(c->tz);
		c->tz = xstrdup(value);
	}
	return 1;
}

static int
ctl_read_config(struct ctl *c)
{
	int	rc;

	errno = 0;
	if ((rc = ini_parse(c->config, ctl_ini_handler, c)) < 0) {
		fprintf(stderr, "asystentctl: cannot read %s: %s\n", c->config,
		    rc == -1 && errno != 0 ? strerror(errno) : "out of memory");
		return -1;
	}
	/* Syntax errors are the daemon's to report; the key is still read. */
	return 0;
}

const char *
ctl_socket(struct ctl *c)
{
	const char	*env;

	if (c->sock != NULL || c->sock_failed)
		return c->sock;
	if (c->sock_opt != NULL)
		c->sock = xstrdup(c->sock_opt);
	else if (c->config != NULL) {
		if (ctl_read_config(c) == -1) {
			c->sock_failed = 1;
			return NULL;
		}
		if (c->sock == NULL)
			c->sock = xstrdup(CTL_DEFAULT_SOCKET);
	} else if ((env = getenv("ASYSTENT_SOCKET")) != NULL && *env != '\0')
		c->sock = xstrdup(env);
	else
		c->sock = xstrdup(CTL_DEFAULT_SOCKET);
	return c->sock;
}

/*
 * Every time printed is in the centre's zone, whatever the machine's is.
 * The zone must exist: a misspelled TZ silently becomes UTC.
 */
static int
ctl_setup_tz(struct ctl *c)
{
	const char	*tz;
	char		 path[512];
	struct stat	 sb;

	if (c->config != NULL && ctl_read_config(c) == -1)
		return CTL_EX_CONFIG;
	tz = c->tz != NULL ? c->tz : CTL_DEFAULT_TZ;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (strstr(tz, "..") != NULL || tz[0] == '/' ||
	    stat(path, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "asystentctl: %s: daemon.timezone: unknown "
		    "time zone \"%s\"\n", c->config != NULL ? c->config :
		    "-", tz);
		return CTL_EX_CONFIG;
	}
	if (setenv("TZ", tz, 1) == -1) {
		fprintf(stderr, "asystentctl: cannot set TZ: %s\n",
		    strerror(errno));
		return CTL_EX_SOFTWARE;
	}
	tzset();
	return 0;
}

static int
ctl_help_unknown(const char *name, const char *sub)
{
	fprintf(stderr, "asystentctl: no command \"%s%s%s\"\n", name,
	    sub ? " " : "", sub ? sub : "");
	ctl_usage_all(ctl_cmd_has_subs(name) ? name : NULL, 1);
	return CTL_EX_USAGE;
}

int
ctl_help(struct ctl *c, const struct ctl_cmd *cmd, struct ctl_args *a)
{
	const struct ctl_cmd	*found;

	(void)c;
	(void)cmd;
	if (a->npos == 0) {
		ctl_usage_all(NULL, 0);
		return CTL_EX_OK;
	}
	if (a->npos == 1 && ctl_cmd_has_subs(a->pos[0])) {
		ctl_usage_all(a->pos[0], 0);
		return CTL_EX_OK;
	}
	found = ctl_cmd_find(a->pos[0], a->npos > 1 ? a->pos[1] : NULL);
	if (found == NULL || (a->npos > 1) != (found->sub != NULL))
		return ctl_help_unknown(a->pos[0], a->npos > 1 ? a->pos[1] :
		    NULL);
	ctl_cmd_usage(found, 0);
	return CTL_EX_OK;
}

static int
ctl_parse_global(struct ctl *c, int argc, char **argv)
{
	int	ch;

	opterr = 0;
	/* "+": stop at the command; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+:c:s:hV", ctl_global_opts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			c->config = optarg;
			break;
		case 's':
			c->sock_opt = optarg;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'h':
			ctl_usage_all(NULL, 0);
			return 0;
		case 'V':
			printf("asystentctl %s\n", ASYSTENT_VERSION);
			return 0;
		default:
			fprintf(stderr, "asystentctl: %s %s\n",
			    ch == ':' ? "missing value for" : "unknown option",
			    argv[optind - 1]);
			ctl_usage_all(NULL, 1);
			return CTL_EX_USAGE;
		}
	}
	return -1;
}

/* The command named by argv[0] (and argv[1]); NULL: exit with *rc. */
static const struct ctl_cmd *
ctl_lookup(int argc, char **argv, int *rc)
{
	const struct ctl_cmd	*cmd;

	if (!ctl_cmd_has_subs(argv[0])) {
		if ((cmd = ctl_cmd_find(argv[0], NULL)) == NULL)
			*rc = ctl_help_unknown(argv[0], NULL);
		return cmd;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			fprintf(stderr, "asystentctl: %s needs a subcommand\n",
			    argv[0]);
		ctl_usage_all(argv[0], argc < 2);
		*rc = argc < 2 ? CTL_EX_USAGE : CTL_EX_OK;
		return NULL;
	}
	if ((cmd = ctl_cmd_find(argv[0], argv[1])) == NULL)
		*rc = ctl_help_unknown(argv[0], argv[1]);
	return cmd;
}

int
main(int argc, char *argv[])
{
	struct ctl		 c;
	const struct ctl_cmd	*cmd;
	int			 rc, first;

	memset(&c, 0, sizeof c);
	if ((rc = ctl_parse_global(&c, argc, argv)) != -1)
		return rc;
	if (optind >= argc) {
		ctl_usage_all(NULL, 1);
		return CTL_EX_USAGE;
	}
	first = optind;
	if ((cmd = ctl_lookup(argc - first, argv + first, &rc)) == NULL)
		return rc;
	if (cmd->sub != NULL)
		first++;
	if ((rc = ctl_setup_tz(&c)) != 0) {
		free(c.sock);
		free(c.tz);
		return rc;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "asystentctl: cannot initialise libcurl\n");
		return CTL_EX_SOFTWARE;
	}
	rc = ctl_cmd_run(&c, cmd, argc - first, argv + first);
	curl_global_cleanup();
	free(c.sock);
	free(c.tz);
	return rc;
}
