/* smsapiemu: an SMSAPI.pl REST API emulator for tests and `make run`. */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	emuc_reply_json(req, http, o);
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
	emuc_reply_text(req, 500, "text/plain", "");
}

static void
on_request(struct evhttp_request *req, const char *path, void *arg)
{
	struct emu	*e = arg;

	if (path == NULL)
		emuc_reply_text(req, 404, "text/plain", "Not Found\n");
	else if (strcmp(path, "/sms.do") == 0 ||
	    strcmp(path, "/api/sms.do") == 0)
		se_sms_handle(e, req);
	else if (strncmp(path, "/ctl/", 5) == 0)
		se_ctl_handle(e, req, path + 5);
	else
		emuc_reply_text(req, 404, "text/plain", "Not Found\n");
}

static void
usage(void)
{
	fprintf(stderr, "usage: smsapiemu [-p port] [-P portfile] [-t token] "
	    "[-c points] [-v]\n");
	exit(64);
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

static void
se_opt(void *arg, int ch, const char *val)
{
	struct emu	*e = arg;

	switch (ch) {
	case 't':
		if (val[0] == '\0' || strlen(val) > 1024)
			usage();
		free(e->token);
		e->token = xstrdup(val);
		break;
	case 'c':
		e->start_points = arg_points(val);
		break;
	}
}

static const struct emuc_conf se_conf = {
	.name = "smsapiemu",
	.optstring = "p:P:t:c:v",
	.opt = se_opt,
	.usage = usage,
	.limits = { SE_BODY_MAX, SE_HEADERS_MAX, 60 },
	.reason = { 405, "Method Not Allowed" },
	.json_oom = "{\"error\":201,\"message\":\"System internal error\"}",
	.ready = se_cb_init,
	.request = on_request,
};

int
main(int argc, char **argv)
{
	struct emu	 e;
	int		 rc = 1;

	memset(&e, 0, sizeof e);
	e.token = xstrdup(DEFAULT_TOKEN);
	e.start_points = DEFAULT_POINTS;
	emuc_init(&se_conf, argc, argv, &e);
	se_sms_state_init(&e);
	if (emuc_start(&e.base, &e.http, &e) == 0) {
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
	if (e.dlr_timer != NULL)
		event_free(e.dlr_timer);
	emuc_close(e.base);
	se_sms_state_cleanup(&e);
	free(e.token);
	return rc;
}
