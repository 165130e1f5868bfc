/* asystentd: start-up, the event loop, signals, orderly shutdown. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "admin.h"
#include "app.h"
#include "broadcast.h"
#include "broadcasts.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "conv.h"
#include "crypto.h"
#include "dispatch.h"
#include "erase.h"
#include "history.h"
#include "reminders.h"
#include "visit_agenda.h"
#include "visit_remind.h"
#include "visits.h"
#include "hours.h"
#include "httpc.h"
#include "i18n.h"
#include "inbound.h"
#include "json.h"
#include "keycheck.h"
#include "keystore.h"
#include "log.h"
#include "metrics.h"
#include "notices.h"
#include "outbox.h"
#include "people.h"
#include "reseal.h"
#include "rotate.h"
#include "router.h"
#include "retention.h"
#include "sdnotify.h"
#include "seal.h"
#include "sms.h"
#include "store.h"
#include "tg.h"
#include "xmalloc.h"

#define EXIT_CONFIG		78
#define SHUTDOWN_GRACE_MS	5000
#define STATUS_EVERY_MS		10000	/* STATUS= to systemd, at most */

static struct app	 app;
static struct event	*shutdown_ev;
static int64_t		 shutdown_deadline;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: asystentd [-n] [-c config]\n"
	    "       asystentd --generate-key FILE\n"
	    "       asystentd --print-config\n"
	    "  -c FILE  configuration (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -n       check the configuration and exit\n"
	    "  -V       print the version\n");
	exit(status);
}

/*
 * The zone must exist: a misspelled TZ silently becomes UTC, and every
 * office hour and date shown to a family would be off.
 */
static int
setup_timezone(const char *tz)
{
	char		 path[512];
	struct stat	 sb;

	if (strstr(tz, "..") != NULL || tz[0] == '/' || tz[0] == '\0')
		return -1;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return -1;
	if (setenv("TZ", tz, 1) == -1)
		return -1;
	tzset();
	return 0;
}

/*
 * The master key passed as a systemd credential (LoadCredential=, as
 * units before rotation was possible under systemd did), else NULL. Such
 * a key is read from where systemd put it, which the daemon cannot
 * write: it works, but it cannot be rotated here.
 */
static const char *
key_credential(char *buf, size_t len)
{
	const char	*creds = getenv("CREDENTIALS_DIRECTORY");

	if (creds == NULL || *creds == '\0' ||
	    (size_t)snprintf(buf, len, "%s/master.key", creds) >= len ||
	    access(buf, F_OK) == -1)
		return NULL;
	return buf;
}

static const char *
key_path(const struct config *cfg, char *buf, size_t len)
{
	const char	*cred = key_credential(buf, len);

	return cred != NULL ? cred : cfg->key_file;
}

/* The old master key while a rotation runs; rotate.c's once started. */
static struct keys	*prev_keys;

/* The key file a rotation may replace: key_file, not a credential. */
static const char *
key_rotatable(const struct config *cfg)
{
	char	 buf[512];

	return key_credential(buf, sizeof buf) != NULL ? NULL :
	    cfg->key_file;
}

/* [daemon] keystore, else the database's path + ".keys". */
static const char *
keystore_path(const struct config *cfg, char *buf, size_t len)
{
	if (cfg->keystore != NULL && *cfg->keystore != '\0')
		return cfg->keystore;
	snprintf(buf, len, "%s.keys", cfg->database);
	return buf;
}

/* The families' keys: before the key check, which may open theirs. */
static int
open_keystore(void)
{
	char	 buf[4096], err[512];

	if (keystore_open(keystore_path(app.cfg, buf, sizeof buf), app.keys,
	    &app.keystore, err, sizeof err) == -1) {
		log_err("event=keystore.refused detail=\"%s\"", err);
		return -1;
	}
	seal_set_keystore(app.keystore);
	store_set_before_commit(app.st, keystore_flush_cb, app.keystore);
	/* A rotation under way: what is not done yet is under the old key. */
	seal_set_previous(prev_keys);
	keystore_set_masters(app.keystore, app.keys, prev_keys);
	return 0;
}

/* The menu families see in Telegram; staff commands are in /help. */
static const struct {
	const char	*command;
	const char	*description;
} menu[] = {
	{ "start", N_("Start, or link an invitation code") },
	{ "help", N_("Help and commands") },
	{ "language", N_("Change the language") },
	{ "assistant", N_("Who is my assistant") },
	{ "stop", N_("Stop announcements") },
};
#define MENU_N	(sizeof menu / sizeof menu[0])
static struct event	*status_ev;
static struct timeval	 status_every;
static int		 notify_failed;
static void	status_send(const char *lead);
static struct tg_command	 commands[MENU_N];

/* The command menu in each language. */
static void
build_commands(void)
{
	size_t	 i;
	int	 l;

	for (i = 0; i < MENU_N; i++) {
		commands[i].command = menu[i].command;
		for (l = 0; l < LANG_COUNT; l++)
			commands[i].description[l] = i18n_get(app.i18n,
			    (enum lang)l, menu[i].description);
	}
}

/* The dispatcher sends the channel's rows, if it is configured. */
static void
channel_serve(enum channel ch, void *ctx)
{
	const struct channel_ops	*c = channel_get(ch);

	if (c->enabled(ctx))
		dispatch_set_sender(app.disp, ch, c->send, ctx);
}

/* The channel starts listening or polling; its rows can go out. */
static int
channel_start(enum channel ch, void *ctx)
{
	const struct channel_ops	*c = channel_get(ch);
	char				 err[256];

	if (c->start(ctx, err, sizeof err) == -1) {
		log_err("event=%s.refused detail=\"%s\"", c->name, err);
		return -1;
	}
	channel_serve(ch, ctx);
	return 0;
}

static void
shutdown_check(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch_stats	 ds;
	struct timeval		 tv = { 0, 50000 };
	int			 busy;

	(void)fd;
	(void)what;
	(void)arg;
	dispatch_get_stats(app.disp, &ds);
	busy = channel_get(CHANNEL_SMS)->busy(app.sms);
	if ((ds.in_flight == 0 && busy == 0) ||
	    store_now_ms() >= shutdown_deadline) {
		if (ds.in_flight > 0)
			log_warn("event=shutdown.abandoned in_flight=%d "
			    "detail=\"sent again at next start\"",
			    ds.in_flight);
		if (busy > 0)
			log_warn("event=shutdown.callbacks_cut open=%d "
			    "detail=\"the gateway's requests not yet "
			    "received\"", busy);
		event_base_loopexit(app.base, NULL);
		return;
	}
	evtimer_add(shutdown_ev, &tv);
}

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (shutdown_deadline != 0)
		return;
	log_notice("event=stopping signal=%d", (int)sig);
	(void)sdnotify("STOPPING=1");
	if (status_ev != NULL)
		evtimer_del(status_ev);
	shutdown_deadline = store_now_ms() + SHUTDOWN_GRACE_MS;
	admin_stop(app.admin);
	metrics_stop(app.metrics);
	channel_get(CHANNEL_TELEGRAM)->stop(app.tg);
	dispatch_stop(app.disp);
	retention_free(app.retention);
	app.retention = NULL;
	channel_get(CHANNEL_SMS)->stop(app.sms);
	shutdown_check(-1, 0, NULL);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct config	*cfg;

	(void)sig;
	(void)what;
	(void)arg;
	(void)sdnotify("RELOADING=1");
	/* Only what is safe to change while running: the log level. */
	if (config_load(app.cfg->path, stderr, &cfg) == -1)
		log_err("event=reload_failed detail=\"configuration has "
		    "errors; keeping the running one\"");
	else {
		log_set_level(cfg->log_level);
		app.cfg->log_level = cfg->log_level;
		config_free(cfg);
		log_notice("event=reloaded");
	}
	status_send("READY=1\n");
}

static int
open_parts(const char *config_path)
{
	char	 err[512], kbuf[512];
	int64_t	 rows;

	if (config_load(config_path, stderr, &app.cfg) == -1)
		return EXIT_CONFIG;
	log_init(app.cfg->log_level);
	switch (clock_init()) {
	case -1:
		fprintf(stderr, "ASYSTENT_FAKE_NOW: not unix seconds\n");
		return EXIT_CONFIG;
	case 1:
		log_warn("event=clock.moved detail=\"ASYSTENT_FAKE_NOW is set; "
		    "for tests only\"");
		break;
	}
	if (setup_timezone(app.cfg->timezone) == -1) {
		fprintf(stderr, "%s: daemon.timezone: unknown time zone "
		    "\"%s\"\n", config_path, app.cfg->timezone);
		return EXIT_CONFIG;
	}
	if (reminders_config(app.cfg, &app.reminders, stderr) == -1)
		return EXIT_CONFIG;
	if (app.cfg->token == NULL) {
		fprintf(stderr, "%s: telegram.token_file: no bot token (set "
		    "token_file or ASYSTENT_TELEGRAM_TOKEN)\n", config_path);
		return EXIT_CONFIG;
	}
	if (crypto_init() == -1) {
		log_err("event=crypto.init_failed");
		return EXIT_FAILURE;
	}
	if (rotate_load(key_path(app.cfg, kbuf, sizeof kbuf), &app.keys,
	    &prev_keys, err, sizeof err) == -1) {
		log_err("event=key.refused detail=\"%s\"", err);
		return EXIT_CONFIG;
	}
	if (i18n_load(app.cfg->catalog_dir, &app.i18n, err, sizeof err) ==
	    -1) {
		log_err("event=catalogs.refused detail=\"%s\"", err);
		return EXIT_CONFIG;
	}
	if (store_open(app.cfg->database, &app.st, err, sizeof err) == -1) {
		log_err("event=store.refused detail=\"%s\"", err);
		return EXIT_CONFIG;
	}
	if (open_keystore() == -1)
		return EXIT_CONFIG;
	if (keycheck_verify(app.st, app.keys, err, sizeof err) == -1) {
		log_err("event=key.refused detail=\"%s\"", err);
		return EXIT_CONFIG;
	}
	if (reseal_check_keystore(app.st, app.keystore, err, sizeof err) ==
	    -1) {
		log_err("event=keystore.refused detail=\"%s\"", err);
		return EXIT_CONFIG;
	}
	/* Values an older database sealed under the master key. */
	if (reseal_run(app.st, app.keys, 500, &rows) == -1) {
		log_err("event=reseal.failed");
		return EXIT_FAILURE;
	}
	return 0;
}

/* Every [retention] kind in one daily job. */
static int
app_retention_start(void)
{
	struct retention_cfg	 rc;

	memset(&rc, 0, sizeof rc);
	rc.st = app.st;
	rc.history = app.history;
	rc.people = app.people;
	rc.broadcasts = app.broadcasts;
	rc.days[RETENTION_MESSAGES] = app.cfg->message_days;
	rc.days[RETENTION_AUDIT] = app.cfg->audit_days;
	rc.days[RETENTION_FAILED_RECIPIENTS] = app.cfg->failed_recipient_days;
	app.retention = retention_new(app.base, &rc);
	return app.retention != NULL ? 0 : -1;
}

static int
start_parts(void)
{
	char	 err[512];

	if ((app.base = event_base_new()) == NULL ||
	    (app.http = httpc_new(app.base)) == NULL ||
	    (app.ob = outbox_new(app.st, app.keys)) == NULL ||
	    (app.is = inbound_store_new(app.st, app.keys)) == NULL ||
	    (app.disp = dispatch_new(app.base, app.st, app.ob, app.cfg)) ==
	    NULL ||
	    (app.people = people_new(app.st, app.keys)) == NULL ||
	    (app.conv = conv_new(&app)) == NULL ||
	    hours_new((const char *const *)app.cfg->hours,
	    app.cfg->closed_days, &app.hours) == -1 ||
	    (app.history = history_new(app.st, app.keys)) == NULL ||
	    (app.visits = visits_new(app.st, app.keys)) == NULL ||
	    erase_retention_start(&app, app.cfg->closed_family_years) == -1 ||
	    (app.router = router_new(&app)) == NULL ||
	    (app.notices = notices_new(app.st)) == NULL ||
	    (app.broadcasts = broadcasts_new(app.st)) == NULL ||
	    (app.bcsend = bcsend_new(&app)) == NULL ||
	    app_retention_start() == -1)
		return -1;
	/* A key rotation asks the channels what a row's payload says. */
	outbox_set_order_fn(app.ob, channel_order_of);
	app.sms = sms_new(&app);
	sms_set_inbound_cb(app.sms, router_kick, app.router);
	if (channel_start(CHANNEL_SMS, app.sms) == -1)
		return -1;
	if (admin_open(&app, &app.admin, err, sizeof err) == -1) {
		log_err("event=admin.refused detail=\"%s\"", err);
		return -1;
	}
	if (metrics_open(&app, &app.metrics, err, sizeof err) == -1) {
		log_err("event=metrics.refused detail=\"%s\"", err);
		return -1;
	}
	app.tg = tg_new(app.base, app.http, app.cfg, app.st, app.is);
	tg_set_inbound_cb(app.tg, router_kick, app.router);
	tg_set_route_cb(app.tg, router_route, app.router);
	build_commands();
	tg_set_menu(app.tg, commands, MENU_N);
	channel_serve(CHANNEL_TELEGRAM, app.tg);
	dispatch_set_hooks(app.disp, conv_gate, conv_outcome, app.conv);
	app.rotate = rotate_new(app.base, app.st, app.keystore, app.people,
	    app.ob, app.keys, prev_keys, key_rotatable(app.cfg),
	    app.cfg->rotate_slice);
	prev_keys = NULL;
	if (app.rotate == NULL)
		return -1;
	if ((app.remind = visit_remind_new(&app)) == NULL ||
	    (app.agenda = visit_agenda_new(&app)) == NULL)
		return -1;
	/* What was received before a crash is handled first. */
	if (router_drain(app.router) == -1 || dispatch_start(app.disp) == -1)
		return -1;
	return channel_start(CHANNEL_TELEGRAM, app.tg);
}

static void
close_parts(void)
{
	if (app.disp != NULL)
		dispatch_flush(app.disp);
	erase_retention_stop();
	rotate_free(app.rotate);
	visit_remind_free(app.remind);
	visit_agenda_free(app.agenda);
	tg_free(app.tg);
	httpc_free(app.http);
	admin_free(app.admin);
	metrics_free(app.metrics);
	sms_free(app.sms);
	router_free(app.router);
	hours_free(app.hours);
	dispatch_free(app.disp);
	/* The outcome hook reads people and history: they go after it. */
	conv_free(app.conv);
	retention_free(app.retention);
	app.retention = NULL;
	people_free(app.people);
	history_free(app.history);
	visits_free(app.visits);
	bcsend_free(app.bcsend);
	broadcasts_free(app.broadcasts);
	notices_free(app.notices);
	inbound_store_free(app.is);
	outbox_free(app.ob);
	store_close(app.st);
	seal_set_keystore(NULL);
	keystore_close(app.keystore);
	i18n_free(app.i18n);
	crypto_keys_free(app.keys);
	crypto_keys_free(prev_keys);
	config_free(app.cfg);
	if (shutdown_ev != NULL)
		event_free(shutdown_ev);
	if (status_ev != NULL)
		event_free(status_ev);
	if (app.base != NULL)
		event_base_free(app.base);
}

/* "polling; outbox 3 queued, 0 failed; sms on", for systemctl status. */
static void
status_send(const char *lead)
{
	struct dispatch_stats	 ds;
	int64_t			 depth[OUTBOX_NPRIOS][OUTBOX_NSTATES];
	int64_t			 counts[OUTBOX_NSTATES] = { 0 };
	char			 msg[256], held[64] = "";
	int			 p, s;

	/* Per lane, not outbox_counts(): no count of the sent rows. */
	if (outbox_depth(app.ob, depth) == 0)
		for (p = 0; p < OUTBOX_NPRIOS; p++)
			for (s = 0; s < OUTBOX_NSTATES; s++)
				counts[s] += depth[p][s];
	dispatch_get_stats(app.disp, &ds);
	if (ds.unrecorded > 0)
		snprintf(held, sizeof held, "; store refusing writes (disk "
		    "full?), %d outcomes held", ds.unrecorded);
	snprintf(msg, sizeof msg, "%sSTATUS=telegram %s; outbox %" PRId64
	    " queued, %" PRId64 " failed; sms %s%s", lead,
	    tg_state_name(tg_get_state(app.tg)),
	    counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING],
	    counts[OUTBOX_FAILED], channel_get(CHANNEL_SMS)->enabled(app.sms) ?
	    "on" : "off", held);
	if (sdnotify(msg) == -1 && !notify_failed) {
		notify_failed = 1;
		log_warn("event=sdnotify.failed errno=%d", errno);
	}
}

/*
 * Fed from the event loop: when the loop stops turning, systemd stops
 * hearing from it and restarts the daemon. The status goes with it.
 */
static void
status_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	status_send(sdnotify_watchdog_ms() > 0 ? "WATCHDOG=1\n" : "");
	evtimer_add(status_ev, &status_every);
}

static void
status_start(void)
{
	int64_t	 ms = sdnotify_watchdog_ms();

	/* Half the watchdog's interval; a status every 10 s otherwise. */
	ms = ms > 0 && ms / 2 < STATUS_EVERY_MS ? ms / 2 : STATUS_EVERY_MS;
	status_every.tv_sec = (time_t)(ms / 1000);
	status_every.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	status_ev = evtimer_new(app.base, status_tick, NULL);
	status_send("READY=1\n");
	if (status_ev != NULL)
		evtimer_add(status_ev, &status_every);
}

static int
run(const char *config_path)
{
	struct event	*sigs[3];
	int		 rc, i;

	if ((rc = open_parts(config_path)) != 0)
		return rc;
	app.started_at = store_now_ms();
	if (start_parts() == -1) {
		log_err("event=start_failed");
		return EXIT_FAILURE;
	}
	sigs[0] = evsignal_new(app.base, SIGTERM, on_stop_signal, NULL);
	sigs[1] = evsignal_new(app.base, SIGINT, on_stop_signal, NULL);
	sigs[2] = evsignal_new(app.base, SIGHUP, on_hup, NULL);
	shutdown_ev = evtimer_new(app.base, shutdown_check, NULL);
	for (i = 0; i < 3; i++)
		event_add(sigs[i], NULL);
	log_notice("event=started version=%s schema=%d", ASYSTENT_VERSION,
	    store_schema_version());
	status_start();
	event_base_dispatch(app.base);
	for (i = 0; i < 3; i++)
		event_free(sigs[i]);
	log_notice("event=stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "generate-key", required_argument, NULL, 'G' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*config_path = CONFIG_DEFAULT_PATH;
	struct config	*cfg;
	int		 ch, check = 0, rc;

	log_init(LOGL_NOTICE);
	json_init();
	while ((ch = getopt_long(argc, argv, "c:nVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("asystentd %s\n", ASYSTENT_VERSION);
			return 0;
		case 'G':
			if (crypto_init() == -1)
				return EXIT_FAILURE;
			return crypto_generate_key(optarg) == 0 ? 0 :
			    EXIT_FAILURE;
		case 'P':
			config_print_defaults(stdout);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (check) {
		if (config_load(config_path, stderr, &cfg) == -1)
			return EXIT_CONFIG;
		if (reminders_config(cfg, &app.reminders, stderr) == -1) {
			config_free(cfg);
			return EXIT_CONFIG;
		}
		config_free(cfg);
		printf("%s: configuration OK\n", config_path);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return EXIT_FAILURE;
	rc = run(config_path);
	close_parts();
	curl_global_cleanup();
	return rc;
}
