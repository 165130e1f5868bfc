/* The metrics listener: the daemon's state as a Prometheus text page. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app.h"
#include "channel.h"
#include "clock.h"
#include "config.h"
#include "dispatch.h"
#include "inbound.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "prom.h"
#include "store.h"
#include "tg.h"
#include "visits.h"
#include "xmalloc.h"

/* A scraper sends a short GET; anything bigger is not one. */
#define METRICS_HEADERS_MAX	(16 * 1024)
#define METRICS_BODY_MAX	1024
#define METRICS_IDLE_S		10	/* between two reads */
#define METRICS_TG_STATES	5	/* enum tg_state */

struct metrics {
	struct app			*app;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct listener_guard		*guard;
};

static const enum channel metrics_channels[] = {
	CHANNEL_TELEGRAM, CHANNEL_SMS
};
#define METRICS_NCHANNELS \
	(sizeof metrics_channels / sizeof metrics_channels[0])

/* The states a lane is shown in; sent rows only grow, and are not. */
static const enum outbox_state metrics_states[] = {
	OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_FAILED
};

static void
metrics_process(struct prom *p, const struct app *app)
{
	prom_family(p, "asystent_build_info", PROM_GAUGE,
	    "The running version, as a label; always 1.");
	prom_int(p, "asystent_build_info", (const char *const []){
	    "version", ASYSTENT_VERSION, NULL }, 1);
	prom_family(p, "asystent_start_time_seconds", PROM_GAUGE,
	    "When the daemon started, unix seconds.");
	prom_ms(p, "asystent_start_time_seconds", NULL, app->started_at);
	prom_family(p, "asystent_uptime_seconds", PROM_GAUGE,
	    "Seconds since the daemon started.");
	prom_ms(p, "asystent_uptime_seconds", NULL,
	    store_now_ms() - app->started_at);
}

/* The outbox per lane and state, and the inbound rows not handled yet. */
static int
metrics_queues(struct prom *p, const struct app *app)
{
	int64_t	 depth[OUTBOX_NPRIOS][OUTBOX_NSTATES], pending;
	size_t	 s;
	int	 l;

	if (outbox_depth(app->ob, depth) == -1 ||
	    inbound_count_pending(app->is, &pending) == -1)
		return -1;
	prom_family(p, "asystent_outbox_messages", PROM_GAUGE,
	    "Outbox rows per lane (priority) and state.");
	for (l = 0; l < OUTBOX_NPRIOS; l++)
		for (s = 0; s < sizeof metrics_states /
		    sizeof metrics_states[0]; s++)
			prom_int(p, "asystent_outbox_messages",
			    (const char *const []){ "priority",
			    outbox_priority_name((enum outbox_priority)l),
			    "state", outbox_state_name(metrics_states[s]),
			    NULL }, depth[l][metrics_states[s]]);
	prom_family(p, "asystent_inbound_pending", PROM_GAUGE,
	    "Received messages stored and not handled yet.");
	prom_int(p, "asystent_inbound_pending", NULL, pending);
	return 0;
}

/* Visit reminders never sent, from their table: survives restarts. */
static int
metrics_reminders(struct prom *p, const struct app *app)
{
	uint64_t	 dropped, skipped;

	if (visits_reminder_counts(app->visits, &dropped, &skipped) !=
	    VISITS_OK)
		return -1;
	prom_family(p, "asystent_reminders_not_sent", PROM_GAUGE,
	    "Visit reminders never sent: dropped (missed while the daemon "
	    "was down with the visit near, or nobody to send to) or "
	    "skipped (the member turned reminders off); their families' "
	    "erasure takes them out.");
	prom_uint(p, "asystent_reminders_not_sent",
	    (const char *const []){ "reason", "dropped", NULL }, dropped);
	prom_uint(p, "asystent_reminders_not_sent",
	    (const char *const []){ "reason", "skipped", NULL }, skipped);
	return 0;
}

static void
metrics_sends(struct prom *p, const struct dispatch_stats *ds)
{
	const char	*ch;
	size_t		 c;
	int		 r;

	prom_family(p, "asystent_sends_total", PROM_COUNTER,
	    "Sends since start per channel and result; a refused token "
	    "counts as retried, rate_limited is a 429.");
	for (c = 0; c < METRICS_NCHANNELS; c++)
		for (r = 0; r < DISPATCH_NRESULTS; r++)
			prom_uint(p, "asystent_sends_total",
			    (const char *const []){ "channel",
			    channel_get(metrics_channels[c])->name, "result",
			    dispatch_result_name((enum dispatch_result)r),
			    NULL },
			    ds->ch[metrics_channels[c]].results[r]);
	prom_family(p, "asystent_send_duration_seconds", PROM_HISTOGRAM,
	    "Time from claiming an outbox row to the channel's answer.");
	for (c = 0; c < METRICS_NCHANNELS; c++) {
		ch = channel_get(metrics_channels[c])->name;
		prom_hist(p, "asystent_send_duration_seconds",
		    (const char *const []){ "channel", ch, NULL },
		    &ds->ch[metrics_channels[c]].latency);
	}
	prom_family(p, "asystent_channel_auth_paused", PROM_GAUGE,
	    "1 while a channel waits after its credentials were refused.");
	for (c = 0; c < METRICS_NCHANNELS; c++)
		prom_int(p, "asystent_channel_auth_paused",
		    (const char *const []){ "channel",
		    channel_get(metrics_channels[c])->name, NULL },
		    ds->ch[metrics_channels[c]].auth_paused);
	prom_family(p, "asystent_sends_in_flight", PROM_GAUGE,
	    "Sends on their way now.");
	prom_int(p, "asystent_sends_in_flight", NULL, ds->in_flight);
	prom_family(p, "asystent_outcomes_held", PROM_GAUGE,
	    "Send outcomes the store refused (a full disk?), held until it "
	    "takes them.");
	prom_int(p, "asystent_outcomes_held", NULL, ds->unrecorded);
	prom_family(p, "asystent_dispatch_passes_total", PROM_COUNTER,
	    "Transactions recording outcomes and claiming rows; synced=\"no\" "
	    "did not wait for the disk (under load; synced within a "
	    "second).");
	prom_int(p, "asystent_dispatch_passes_total",
	    (const char *const []){ "synced", "yes", NULL },
	    (int64_t)(ds->passes - ds->unsynced_passes));
	prom_int(p, "asystent_dispatch_passes_total",
	    (const char *const []){ "synced", "no", NULL },
	    (int64_t)ds->unsynced_passes);
}

/* getUpdates' state, one gauge per state, the current one 1. */
static void
metrics_telegram(struct prom *p, const struct app *app)
{
	enum tg_state	 now;
	int		 s;

	if (app->tg == NULL)
		return;
	now = tg_get_state(app->tg);
	prom_family(p, "asystent_telegram_poll_state", PROM_GAUGE,
	    "1 for the state of receiving from Telegram, 0 for the others.");
	for (s = 0; s < METRICS_TG_STATES; s++)
		prom_int(p, "asystent_telegram_poll_state",
		    (const char *const []){ "state",
		    tg_state_name((enum tg_state)s), NULL }, s == (int)now);
}

static void
metrics_store(struct prom *p, const struct app *app)
{
	int64_t	 db, wal;

	prom_family(p, "asystent_inbound_handling_duration_seconds",
	    PROM_HISTOGRAM, "Time from a received message taken by the "
	    "router to its transaction committed.");
	prom_hist(p, "asystent_inbound_handling_duration_seconds", NULL,
	    &app->handling);
	if (store_file_sizes(app->cfg->database, &db, &wal) == -1) {
		log_warn("event=metrics.stat_failed what=database");
		return;
	}
	prom_family(p, "asystent_database_size_bytes", PROM_GAUGE,
	    "Size of the database file.");
	prom_int(p, "asystent_database_size_bytes", NULL, db);
	prom_family(p, "asystent_database_wal_size_bytes", PROM_GAUGE,
	    "Size of the database's write-ahead log.");
	prom_int(p, "asystent_database_wal_size_bytes", NULL, wal);
}

static int
metrics_render(const struct app *app, struct prom *p)
{
	struct dispatch_stats	 ds;

	metrics_process(p, app);
	if (metrics_queues(p, app) == -1 || metrics_reminders(p, app) == -1)
		return -1;
	dispatch_get_stats(app->disp, &ds);
	metrics_sends(p, &ds);
	metrics_telegram(p, app);
	metrics_store(p, app);
	return 0;
}

static int
metrics_reply(struct evhttp_request *req, int status, const char *reason,
    const char *text, struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = body;

	if (b == NULL && (b = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return 500;
	}
	if (body == NULL) {
		evbuffer_add_printf(b, "%s\n", text);
		evhttp_add_header(h, "Content-Type",
		    "text/plain; charset=utf-8");
	} else
		evhttp_add_header(h, "Content-Type", PROM_CONTENT_TYPE);
	if (status == 405)
		evhttp_add_header(h, "Allow", "GET");
	evhttp_send_reply(req, status, reason, b);
	if (body == NULL)
		evbuffer_free(b);
	return status;
}

static int
metrics_page(struct metrics *m, struct evhttp_request *req)
{
	struct prom	*p;
	struct evbuffer	*page;
	int		 status;

	if ((p = prom_new()) == NULL || metrics_render(m->app, p) == -1 ||
	    (page = prom_page(p)) == NULL) {
		log_err("event=metrics.failed detail=\"the page could not "
		    "be made\"");
		status = metrics_reply(req, 500, "Internal Server Error",
		    "internal error", NULL);
	} else
		status = metrics_reply(req, 200, "OK", NULL, page);
	prom_free(p);
	return status;
}

/* GET /metrics; any other path 404, another method 405. */
static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = NULL;
	int64_t			 t0 = clock_mono_us();
	int			 status;

	if (uri != NULL)
		path = evhttp_uri_get_path(uri);
	if (path == NULL || strcmp(path, "/metrics") != 0)
		status = metrics_reply(req, 404, "Not Found", "not found",
		    NULL);
	else if (evhttp_request_get_command(req) != EVHTTP_REQ_GET)
		status = metrics_reply(req, 405, "Method Not Allowed",
		    "method not allowed", NULL);
	else
		status = metrics_page(m, req);
	log_debug("event=metrics.request status=%d us=%" PRId64, status,
	    clock_mono_us() - t0);
}

int
metrics_open(struct app *app, struct metrics **out, char *err,
    size_t errlen)
{
	const struct config	*cfg = app->cfg;
	const char		*spec = cfg->metrics_listen;
	struct listener_limits	 lim = {
		.deadline_s = cfg->listen_deadline_s,
		.max_conns = cfg->metrics_max_conns,
		.max_per_peer = cfg->metrics_max_per_peer,
		.peer = LISTENER_PEER_ADDRESS,
	};
	struct metrics		*m;
	char			 host[256];
	uint16_t		 port;

	*out = NULL;
	if (spec == NULL || *spec == '\0')
		return 0;
	if (config_listen_parse(spec, host, sizeof host, &port) == -1) {
		snprintf(err, errlen, "metrics.listen: expected address:port");
		return -1;
	}
	m = xcalloc(1, sizeof *m);
	m->app = app;
	if ((m->http = evhttp_new(app->base)) == NULL) {
		snprintf(err, errlen, "metrics.listen: out of memory");
		goto fail;
	}
	evhttp_set_max_headers_size(m->http, METRICS_HEADERS_MAX);
	evhttp_set_max_body_size(m->http, METRICS_BODY_MAX);
	/* Between two reads; the guard's deadline bounds the whole. */
	evhttp_set_timeout(m->http, METRICS_IDLE_S);
	/* Every method reaches us, so that the others get 405, not 501. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(m->http, metrics_request, m);
	if ((m->bound = evhttp_bind_socket_with_handle(m->http, host,
	    port)) == NULL) {
		snprintf(err, errlen, "metrics.listen: cannot listen on %s",
		    spec);
		goto fail;
	}
	if ((m->guard = listener_guard_new(app->base,
	    evhttp_bound_socket_get_listener(m->bound), "metrics")) == NULL) {
		snprintf(err, errlen, "metrics.listen: cannot guard the "
		    "listener");
		goto fail;
	}
	/* A scrape endpoint: a few short connections from one collector. */
	listener_guard_limit(m->guard, m->http, &lim);
	log_notice("event=metrics.listening port=%u", (unsigned)port);
	*out = m;
	return 0;
fail:
	metrics_free(m);
	return -1;
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL || m->bound == NULL)
		return;
	listener_guard_free(m->guard);
	m->guard = NULL;
	evhttp_del_accept_socket(m->http, m->bound);
	m->bound = NULL;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	metrics_stop(m);
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
}
