/* tgemu: a Telegram Bot API emulator for tests, `make run` and benchmarks. */
#include <sys/socket.h>

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

/* Buckets refill by the microsecond: thousands of sends fit in one ms. */
int64_t
emu_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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
	emuc_reply_json(req, code, o);
}

void
bot_reply_ok(struct evhttp_request *req, cJSON *result)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddItemToObject(o, "result", result);
	emuc_reply_json(req, 200, o);
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

static void
on_request(struct evhttp_request *req, const char *path, void *arg)
{
	struct emu	*e = arg;

	if (path == NULL)
		bot_reply_error(req, 404, "Not Found", 0);
	else if (strncmp(path, "/bot", 4) == 0)
		bot_handle(e, req, path + 4);
	else if (strncmp(path, "/ctl/", 5) == 0)
		ctl_handle(e, req, path + 5);
	else
		bot_reply_error(req, 404, "Not Found", 0);
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

static void
tg_opt(void *arg, int ch, const char *val)
{
	struct emu	*e = arg;

	switch (ch) {
	case 't':
		free(e->token);
		e->token = xstrdup(val);
		break;
	case 'u':
		free(e->username);
		e->username = xstrdup(val);
		break;
	case 'l':
		if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0)
			usage();
		e->limits_on = strcmp(val, "on") == 0;
		break;
	case 'g':
		e->global_rate = arg_rate(val);
		if (e->global_rate < 1)
			usage();
		break;
	case 'c':
		e->chat_rate = arg_rate(val);
		break;
	case 'm':
		e->group_per_min = (int)arg_long(val, 1, TGEMU_GROUP_RING);
		break;
	}
}

static const struct emuc_conf tg_conf = {
	.name = "tgemu",
	.optstring = "p:P:t:u:l:g:c:m:v",
	.lax_port = 1,
	.opt = tg_opt,
	.usage = usage,
	/* The timeout is longer than the longest long poll. */
	.limits = { TGEMU_CTL_BODY_MAX, 64 * 1024, 120 },
	.reason = { 409, "Conflict" },
	.json_oom = "{\"ok\":false,\"error_code\":500,"
	    "\"description\":\"Internal Server Error\"}",
	.request = on_request,
};

int
main(int argc, char **argv)
{
	int		 rc = 1;
	struct emu	 e;

	memset(&e, 0, sizeof e);
	e.token = xstrdup("123456:TEST");
	e.username = xstrdup("asystent_test_bot");
	e.limits_on = 1;
	e.global_rate = 30;
	e.chat_rate = 1;
	e.group_per_min = 20;
	emuc_init(&tg_conf, argc, argv, &e);
	if (emu_parse_int64(e.token, &e.bot_id) == -1 &&
	    sscanf(e.token, "%" SCNd64 ":", &e.bot_id) != 1)
		e.bot_id = 123456;
	emu_state_init(&e);
	if (emuc_start(&e.base, &e.http, &e) == 0) {
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
	emuc_close(e.base);
	emu_state_cleanup(&e);
	free(e.token);
	free(e.username);
	return rc;
}
