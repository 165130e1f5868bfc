/* tgemu: a Telegram Bot API emulator for tests, `make run` and benchmarks. */
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
#include "tgemu.h"
#include "xmalloc.h"

int64_t
emu_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Buckets refill by the microsecond: thousands of sends fit in one ms. */
int64_t
emu_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
emu_wall_ms(void)
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
	case 409:
		return "Conflict";
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
emu_http_reply_buf(struct evhttp_request *req, int code, struct evbuffer *body)
{
	struct evkeyvalq	*h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_send_reply(req, code, http_reason(code), body);
	evbuffer_free(body);
}

void
emu_http_reply_json(struct evhttp_request *req, int code, cJSON *obj)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s = cJSON_PrintUnformatted(obj);

	if (b == NULL) {
		log_err("event=http.oom");
		exit(1);
	}
	if (s == NULL) {
		code = 500;
		evbuffer_add_printf(b, "{\"ok\":false,\"error_code\":500,"
		    "\"description\":\"Internal Server Error\"}");
	} else
		evbuffer_add(b, s, strlen(s));
	free(s);
	cJSON_Delete(obj);
	emu_http_reply_buf(req, code, b);
}

void
bot_reply_error(struct evhttp_request *req, int code, const char *description,
    int retry_after)
{
	cJSON	*o = cJSON_CreateObject(), *p;
	char	 num[16];

	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddNumberToObject(o, "error_code", code);
	cJSON_AddStringToObject(o, "description", description);
	if (code == 429) {
		if (retry_after < 1)
			retry_after = 1;
		p = cJSON_AddObjectToObject(o, "parameters");
		cJSON_AddNumberToObject(p, "retry_after", retry_after);
		snprintf(num, sizeof num, "%d", retry_after);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", num);
	}
	emu_http_reply_json(req, code, o);
}

void
bot_reply_ok(struct evhttp_request *req, cJSON *result)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddItemToObject(o, "result", result);
	emu_http_reply_json(req, 200, o);
}

/*
 * The client went away while we held its request. libevent detaches a
 * request it has not been answered (evcon becomes NULL) and leaves it to
 * us; a still attached one is freed with the connection.
 */
static void
on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct emu	*e = arg;
	struct held	*h, *next;

	for (h = e->held; h != NULL; h = next) {
		next = h->next;
		if (h->evcon != evcon)
			continue;
		log_debug("event=held.closed kind=%d", (int)h->kind);
		if (evhttp_request_get_connection(h->req) == NULL)
			evhttp_request_free(h->req);
		h->req = NULL;
		emu_held_free(h);
	}
}

/*
 * libevent does not read a connection whose request it handed to us, so
 * it would not notice the client leaving a long poll. Peek ourselves and
 * close the connection on EOF; on_conn_close then releases the request.
 */
static void
on_peer_read(evutil_socket_t fd, short what, void *arg)
{
	struct held	*h = arg;
	char		 c;
	ssize_t		 n;

	(void)what;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR)) {
		event_add(h->watch, NULL);
		return;
	}
	if (n > 0)
		return;		/* a pipelined request: stop watching */
	log_debug("event=held.peer_closed kind=%d", (int)h->kind);
	evhttp_connection_free(h->evcon);
}

static void
held_watch(struct held *h)
{
	struct bufferevent	*bev;
	evutil_socket_t		 fd;

	if (h->evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(h->evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return;
	h->watch = event_new(h->e->base, fd, EV_READ, on_peer_read, h);
	if (h->watch == NULL) {
		log_err("event=watch.oom");
		exit(1);
	}
	event_add(h->watch, NULL);
}

struct held *
emu_held_new(struct emu *e, struct evhttp_request *req, enum held_kind kind,
    int64_t ms, void (*cb)(int, short, void *))
{
	struct held	*h = xcalloc(1, sizeof *h);
	struct timeval	 tv;

	h->e = e;
	h->req = req;
	h->kind = kind;
	h->evcon = evhttp_request_get_connection(req);
	h->timer = evtimer_new(e->base, cb, h);
	if (h->timer == NULL) {
		log_err("event=timer.oom");
		exit(1);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	if (h->evcon != NULL)
		evhttp_connection_set_closecb(h->evcon, on_conn_close, e);
	held_watch(h);
	h->next = e->held;
	if (e->held != NULL)
		e->held->prev = h;
	e->held = h;
	if (kind == HELD_DELAY && ++e->in_flight > e->max_in_flight)
		e->max_in_flight = e->in_flight;
	return h;
}

void
emu_held_free(struct held *h)
{
	struct emu	*e = h->e;

	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		e->held = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	if (e->poll == h)
		e->poll = NULL;
	if (h->kind == HELD_DELAY)
		e->in_flight--;
	event_free(h->timer);
	if (h->watch != NULL)
		event_free(h->watch);
	cJSON_Delete(h->params);
	free(h);
}

void
emu_held_finish_error(struct held *h, int code, const char *description,
    int retry_after)
{
	struct evhttp_request	*req = h->req;

	emu_held_free(h);
	bot_reply_error(req, code, description, retry_after);
}

/*
 * Answers go out at once, like a real front server's: without this,
 * Nagle holds the tail of a large answer until the client's delayed ACK,
 * 40 ms per long poll.
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
	if (dec == NULL) {
		bot_reply_error(req, 404, "Not Found", 0);
		return;
	}
	if (strncmp(dec, "/bot", 4) == 0)
		bot_handle(e, req, dec + 4);
	else if (strncmp(dec, "/ctl/", 5) == 0)
		ctl_handle(e, req, dec + 5);
	else
		bot_reply_error(req, 404, "Not Found", 0);
	free(dec);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct emu	*e = arg;

	(void)what;
	log_notice("event=tgemu.stop signal=%d", (int)sig);
	event_base_loopexit(e->base, NULL);
}

static void
usage(void)
{
	fprintf(stderr, "usage: tgemu [-p port] [-P portfile] [-t token] "
	    "[-u botusername] [-l on|off]\n"
	    "             [-g global_per_s] [-c chat_per_s] "
	    "[-m group_per_min] [-v]\n");
	exit(64);
}

static double
arg_rate(const char *s)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*end != '\0' || !(v >= 0.01 && v <= 1e6))
		usage();
	return v;
}

static long
arg_long(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
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

	while ((ch = getopt(argc, argv, "p:P:t:u:l:g:c:m:v")) != -1) {
		switch (ch) {
		case 'p':
			o->port = (int)arg_long(optarg, 0, 65535);
			break;
		case 'P':
			o->portfile = optarg;
			break;
		case 't':
			free(e->token);
			e->token = xstrdup(optarg);
			break;
		case 'u':
			free(e->username);
			e->username = xstrdup(optarg);
			break;
		case 'l':
			if (strcmp(optarg, "on") != 0 &&
			    strcmp(optarg, "off") != 0)
				usage();
			e->limits_on = strcmp(optarg, "on") == 0;
			break;
		case 'g':
			e->global_rate = arg_rate(optarg);
			if (e->global_rate < 1)
				usage();
			break;
		case 'c':
			e->chat_rate = arg_rate(optarg);
			break;
		case 'm':
			e->group_per_min = (int)arg_long(optarg, 1,
			    TGEMU_GROUP_RING);
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
		log_err("event=tgemu.bind_failed port=%d", port);
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len) == -1) {
		log_err("event=tgemu.getsockname_failed errno=%d", errno);
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
		log_err("event=tgemu.init_failed");
		return -1;
	}
	evhttp_set_max_body_size(e->http, TGEMU_CTL_BODY_MAX);
	evhttp_set_max_headers_size(e->http, 64 * 1024);
	/* Longer than the longest long poll. */
	evhttp_set_timeout(e->http, 120);
	evhttp_set_allowed_methods(e->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(e->http, on_request, e);
	if ((port = listen_http(e, o->port)) == -1)
		return -1;
	sigs[0] = evsignal_new(e->base, SIGTERM, on_signal, e);
	sigs[1] = evsignal_new(e->base, SIGINT, on_signal, e);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    event_add(sigs[0], NULL) == -1 || event_add(sigs[1], NULL) == -1) {
		log_err("event=tgemu.signal_failed");
		return -1;
	}
	if (o->portfile != NULL && write_portfile(o->portfile, port) == -1)
		return -1;
	fprintf(stderr, "tgemu listening on 127.0.0.1:%d\n", port);
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
	e.token = xstrdup("123456:TEST");
	e.username = xstrdup("asystent_test_bot");
	e.limits_on = 1;
	e.global_rate = 30;
	e.chat_rate = 1;
	e.group_per_min = 20;
	parse_args(&e, &o, argc, argv);
	log_init(o.verbose ? LOGL_DEBUG : LOGL_NOTICE);
	if (emu_parse_int64(e.token, &e.bot_id) == -1 &&
	    sscanf(e.token, "%" SCNd64 ":", &e.bot_id) != 1)
		e.bot_id = 123456;
	signal(SIGPIPE, SIG_IGN);
	emu_state_init(&e);
	if (setup(&e, &o, sigs) == 0) {
		event_base_dispatch(e.base);
		rc = 0;
	}
	/* Frees every connection; on_conn_close releases what we held. */
	if (e.http != NULL)
		evhttp_free(e.http);
	while (e.held != NULL) {
		if (e.held->req != NULL &&
		    evhttp_request_get_connection(e.held->req) == NULL)
			evhttp_request_free(e.held->req);
		emu_held_free(e.held);
	}
	if (sigs[0] != NULL)
		event_free(sigs[0]);
	if (sigs[1] != NULL)
		event_free(sigs[1]);
	if (e.base != NULL)
		event_base_free(e.base);
	emu_state_cleanup(&e);
	free(e.token);
	free(e.username);
	return rc;
}
