/* smsapiemu: an SMSAPI.pl REST API emulator for tests and `make run`. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "smsapiemu.h"
#include "xmalloc.h"

#define DEFAULT_TOKEN	"smsapi-test-token"
#define DEFAULT_POINTS	(1000 * 1000)	/* 1000.000 points */

int64_t
se_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
se_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
http_reason(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Request Entity Too Large";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

void
se_reply_text(struct evhttp_request *req, int code, const char *ctype,
    const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		log_err("event=http.oom");
		exit(1);
	}
	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evhttp_send_reply(req, code, http_reason(code), b);
	evbuffer_free(b);
}

void
se_reply_json(struct evhttp_request *req, int code, cJSON *obj)
{
	char	*s = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (s == NULL) {
		se_reply_text(req, 500, "application/json",
		    "{\"error\":201,\"message\":\"System internal error\"}");
		return;
	}
	se_reply_text(req, code, "application/json", s);
	free(s);
}

void
se_reply_error(struct evhttp_request *req, int http, int code,
    const char *message, cJSON *extra)
{
	cJSON	*o = cJSON_CreateObject(), *it;

	if (extra != NULL) {
		while ((it = extra->child) != NULL) {
			cJSON_DetachItemViaPointer(extra, it);
			cJSON_AddItemToObject(o, it->string, it);
		}
		cJSON_Delete(extra);
	}
	cJSON_AddNumberToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", message);
	se_reply_json(req, http, o);
}

/*
 * Shutting the socket down sends the FIN now; libevent then fails to
 * write our reply and frees the connection with the request, so nothing
 * is left to us and the client sees the connection close unanswered.
 */
void
se_drop(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	evcon = evhttp_request_get_connection(req);
	if (evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL)
		(void)shutdown(bufferevent_getfd(bev), SHUT_RDWR);
	se_reply_text(req, 500, "text/plain", "");
}

/*
 * Answers go out at once, like a real front server's: without this,
 * Nagle holds the tail of an answer until the client's delayed ACK.
 */
static void
set_nodelay(struct evhttp_request *req)
{
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;
	int				 one = 1;

	if ((conn = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL)
		return;
	(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof one);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct emu	*e = arg;
	const char	*path;
	char		*dec = NULL;

	set_nodelay(req);
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path != NULL)
		dec = evhttp_uridecode(path, 0, NULL);
	if (dec == NULL)
		se_reply_text(req, 404, "text/plain", "Not Found\n");
	else if (strcmp(dec, "/sms.do") == 0 ||
	    strcmp(dec, "/api/sms.do") == 0)
		se_sms_handle(e, req);
	else if (strncmp(dec, "/ctl/", 5) == 0)
		se_ctl_handle(e, req, dec + 5);
	else
		se_reply_text(req, 404, "text/plain", "Not Found\n");
	free(dec);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct emu	*e = arg;

	(void)what;
	log_notice("event=smsapiemu.stop signal=%d", (int)sig);
	event_base_loopexit(e->base, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: smsapiemu [-p port] [-P portfile] [-t token] "
	    "[-c points] [-v]\n");
	exit(64);
}

static long
arg_long(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

/* Points to thousandths: "12.5" -> 12500. */
static int64_t
arg_points(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= 1e9))
		usage();
	return (int64_t)(v * 1000 + 0.5);
}

struct opts {
	int		 port;
	const char	*portfile;
	int		 verbose;
};

static void
parse_args(struct emu *e, struct opts *o, int argc, char **argv)
{
	int	 ch;

	while ((ch = getopt(argc, argv, "p:P:t:c:v")) != -1) {
		switch (ch) {
		case 'p':
			o->port = (int)arg_long(optarg, 0, 65535);
			break;
		case 'P':
			o->portfile = optarg;
			break;
		case 't':
			if (optarg[0] == '\0' || strlen(optarg) > 1024)
				usage();
			free(e->token);
			e->token = xstrdup(optarg);
			break;
		case 'c':
			e->start_points = arg_points(optarg);
			break;
		case 'v':
			o->verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/* Write then rename, so a reader never sees half a number. */
static int
write_portfile(const char *path, int port)
{
	char	*tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE	*f;
	int	 rc = -1;

	if ((f = fopen(tmp, "w")) == NULL)
		goto out;
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0)
		goto out;
	if (rename(tmp, path) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		log_err("event=portfile.write_failed errno=%d", errno);
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

static int
listen_http(struct emu *e, int port)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	bs = evhttp_bind_socket_with_handle(e->http, "127.0.0.1",
	    (ev_uint16_t)port);
	if (bs == NULL) {
		log_err("event=smsapiemu.bind_failed port=%d", port);
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len) == -1) {
		log_err("event=smsapiemu.getsockname_failed errno=%d", errno);
		return -1;
	}
	return ntohs(sin.sin_port);
}

static int
setup(struct emu *e, const struct opts *o, struct event **sigs)
{
	int	 port;

	if ((e->base = event_base_new()) == NULL ||
	    (e->http = evhttp_new(e->base)) == NULL) {
		log_err("event=smsapiemu.init_failed");
		return -1;
	}
	evhttp_set_max_body_size(e->http, SE_BODY_MAX);
	evhttp_set_max_headers_size(e->http, SE_HEADERS_MAX);
	evhttp_set_timeout(e->http, 60);
	evhttp_set_allowed_methods(e->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(e->http, on_request, e);
	if ((port = listen_http(e, o->port)) == -1)
		return -1;
	sigs[0] = evsignal_new(e->base, SIGTERM, on_signal, e);
	sigs[1] = evsignal_new(e->base, SIGINT, on_signal, e);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    event_add(sigs[0], NULL) == -1 || event_add(sigs[1], NULL) == -1) {
		log_err("event=smsapiemu.signal_failed");
		return -1;
	}
	se_cb_init(e);
	if (o->portfile != NULL && write_portfile(o->portfile, port) == -1)
		return -1;
	fprintf(stderr, "smsapiemu listening on 127.0.0.1:%d\n", port);
	return 0;
}

int
main(int argc, char **argv)
{
	struct emu	 e;
	struct opts	 o;
	struct event	*sigs[2] = { NULL, NULL };
	int		 rc = 1;

	memset(&e, 0, sizeof e);
	memset(&o, 0, sizeof o);
	e.token = xstrdup(DEFAULT_TOKEN);
	e.start_points = DEFAULT_POINTS;
	parse_args(&e, &o, argc, argv);
	log_init(o.verbose ? LOGL_DEBUG : LOGL_NOTICE);
	signal(SIGPIPE, SIG_IGN);
	se_sms_state_init(&e);
	if (setup(&e, &o, sigs) == 0) {
		log_notice("event=smsapiemu.start");
		event_base_dispatch(e.base);
		rc = 0;
	}
	/*
	 * Held control requests are answered, and the answers flushed,
	 * before evhttp_free closes their connections.
	 */
	se_cb_cleanup(&e);
	if (e.base != NULL)
		event_base_loop(e.base, EVLOOP_NONBLOCK);
	if (e.http != NULL)
		evhttp_free(e.http);
	if (sigs[0] != NULL)
		event_free(sigs[0]);
	if (sigs[1] != NULL)
		event_free(sigs[1]);
	if (e.dlr_timer != NULL)
		event_free(e.dlr_timer);
	if (e.base != NULL)
		event_base_free(e.base);
	se_sms_state_cleanup(&e);
	free(e.token);
	return rc;
}
