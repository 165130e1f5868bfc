/* emu_common: the HTTP plumbing the test emulators share. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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

#include "emu_common.h"
#include "log.h"
#include "xmalloc.h"

/* The options every emulator takes: -p port, -P portfile, -v. */
struct opts {
	int		 port;
	const char	*portfile;
	int		 verbose;
};

/* One emulator runs per process. */
static const struct emuc_conf	*conf;
static struct opts		 opts;
static struct event		*sigs[2];

static int
parse_port(const char *s, int *port)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || (end == s && !conf->lax_port) || *end != '\0' ||
	    v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int
take_opt(int ch, const char *val, void *arg)
{
	switch (ch) {
	case 'p':
		return parse_port(val, &opts.port);
	case 'P':
		opts.portfile = val;
		return 0;
	case 'v':
		opts.verbose = 1;
		return 0;
	case '?':	/* getopt has said what is wrong */
		return -1;
	default:
		conf->opt(arg, ch, val);
		return 0;
	}
}

void
emuc_init(const struct emuc_conf *c, int argc, char **argv, void *arg)
{
	int	 ch;

	conf = c;
	while ((ch = getopt(argc, argv, conf->optstring)) != -1)
		if (take_opt(ch, optarg, arg) == -1)
			conf->usage();
	if (optind != argc)
		conf->usage();
	log_init(opts.verbose ? LOGL_DEBUG : LOGL_NOTICE);
	signal(SIGPIPE, SIG_IGN);
}

int64_t
emuc_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
emuc_wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct emuc_reason common_reasons[] = {
	{ 200, "OK" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 413, "Request Entity Too Large" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 0, NULL }
};

/* Each emulator knows a phrase more; the rest say "Error". */
static const char *
http_reason(int code)
{
	const struct emuc_reason	*r;

	for (r = common_reasons; r->text != NULL; r++)
		if (r->code == code)
			return r->text;
	if (conf->reason.text != NULL && conf->reason.code == code)
		return conf->reason.text;
	return "Error";
}

void
emuc_reply_buf(struct evhttp_request *req, int code, const char *ctype,
    struct evbuffer *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	evhttp_send_reply(req, code, http_reason(code), body);
	evbuffer_free(body);
}

void
emuc_reply_text(struct evhttp_request *req, int code, const char *ctype,
    const char *body)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		log_err("event=http.oom");
		exit(1);
	}
	evbuffer_add(b, body, strlen(body));
	emuc_reply_buf(req, code, ctype, b);
}

void
emuc_reply_json(struct evhttp_request *req, int code, cJSON *obj)
{
	char	*s = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (s == NULL) {
		emuc_reply_text(req, 500, "application/json", conf->json_oom);
		return;
	}
	emuc_reply_text(req, code, "application/json", s);
	free(s);
}

void
emuc_ctl_error(struct evhttp_request *req, const char *fmt, ...)
{
	cJSON	*o = cJSON_CreateObject();
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON_AddStringToObject(o, "error", msg);
	emuc_reply_json(req, 400, o);
}

void
emuc_ctl_ok(struct evhttp_request *req, cJSON *o)
{
	if (o == NULL)
		o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	emuc_reply_json(req, 200, o);
}

int
emuc_ctl_str_check(struct evhttp_request *req, const char *key,
    const char *s, size_t max, int (*valid)(const char *, size_t))
{
	if (s == NULL || strlen(s) > max || !valid(s, strlen(s))) {
		emuc_ctl_error(req, "%s: a UTF-8 string of at most %zu bytes "
		    "expected", key, max);
		return -1;
	}
	return 0;
}

int
emuc_parse_form(cJSON *o, const char *s)
{
	struct evkeyvalq	 kv;
	struct evkeyval		*it;

	if (evhttp_parse_query_str(s, &kv) == -1)
		return -1;
	for (it = kv.tqh_first; it != NULL; it = it->next.tqe_next) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, it->key);
		cJSON_AddStringToObject(o, it->key, it->value);
	}
	evhttp_clear_headers(&kv);
	return 0;
}

/* Query entries get the query string; the others a JSON object body. */
static cJSON *
ctl_args(struct evhttp_request *req, int query)
{
	struct evbuffer	*body = evhttp_request_get_input_buffer(req);
	const char	*q;
	size_t		 len = evbuffer_get_length(body);
	cJSON		*o;

	if (query) {
		o = cJSON_CreateObject();
		q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
		if (q != NULL && emuc_parse_form(o, q) == -1) {
			cJSON_Delete(o);
			return NULL;
		}
		return o;
	}
	if (len == 0)
		return cJSON_CreateObject();
	o = cJSON_ParseWithLength((const char *)evbuffer_pullup(body, -1),
	    len);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

const struct emuc_ctl_entry *
emuc_ctl_find(struct evhttp_request *req, const struct emuc_ctl_entry *table,
    size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	emuc_ctl_error(req, "unknown control endpoint");
	return NULL;
}

void
emuc_ctl_run(struct emu *e, struct evhttp_request *req,
    const struct emuc_ctl_entry *ce)
{
	cJSON	*args;

	if ((args = ctl_args(req, ce->query)) == NULL) {
		emuc_ctl_error(req, "%s: body must be a JSON object", ce->name);
		return;
	}
	log_debug("event=ctl.request name=%s", ce->name);
	ce->fn(e, req, args);
	cJSON_Delete(args);
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
	const char	*path;
	char		*dec = NULL;

	set_nodelay(req);
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path != NULL)
		dec = evhttp_uridecode(path, 0, NULL);
	conf->request(req, dec, arg);
	free(dec);
}

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

/* The bound port, or -1 after logging. */
static int
bind_loopback(struct evhttp *http, int port)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof sin;

	bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (ev_uint16_t)port);
	if (bs == NULL) {
		log_err("event=%s.bind_failed port=%d", conf->name, port);
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &len) == -1) {
		log_err("event=%s.getsockname_failed errno=%d", conf->name,
		    errno);
		return -1;
	}
	return ntohs(sin.sin_port);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base	*base = arg;

	(void)what;
	log_notice("event=%s.stop signal=%d", conf->name, (int)sig);
	event_base_loopexit(base, NULL);
}

static int
http_new(struct event_base **base, struct evhttp **http, void *arg)
{
	if ((*base = event_base_new()) == NULL ||
	    (*http = evhttp_new(*base)) == NULL) {
		log_err("event=%s.init_failed", conf->name);
		return -1;
	}
	evhttp_set_max_body_size(*http, conf->limits.body_max);
	evhttp_set_max_headers_size(*http, conf->limits.headers_max);
	evhttp_set_timeout(*http, conf->limits.timeout_s);
	evhttp_set_allowed_methods(*http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(*http, on_request, arg);
	return 0;
}

int
emuc_start(struct event_base **base, struct evhttp **http, void *arg)
{
	int	 port;

	if (http_new(base, http, arg) == -1 ||
	    (port = bind_loopback(*http, opts.port)) == -1)
		return -1;
	sigs[0] = evsignal_new(*base, SIGTERM, on_signal, *base);
	sigs[1] = evsignal_new(*base, SIGINT, on_signal, *base);
	if (sigs[0] == NULL || sigs[1] == NULL ||
	    event_add(sigs[0], NULL) == -1 || event_add(sigs[1], NULL) == -1) {
		log_err("event=%s.signal_failed", conf->name);
		return -1;
	}
	if (conf->ready != NULL)
		conf->ready(arg);
	if (opts.portfile != NULL && write_portfile(opts.portfile, port) == -1)
		return -1;
	fprintf(stderr, "%s listening on 127.0.0.1:%d\n", conf->name, port);
	return 0;
}

void
emuc_close(struct event_base *base)
{
	if (sigs[0] != NULL)
		event_free(sigs[0]);
	if (sigs[1] != NULL)
		event_free(sigs[1]);
	if (base != NULL)
		event_base_free(base);
}

size_t
emuc_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t	 c;
	size_t		 len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

int
emuc_utf8_is_valid(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, l;
	uint32_t		 cp;

	while (i < n) {
		if ((l = emuc_utf8_seq(p + i, n - i, &cp)) == 0)
			return 0;
		i += l;
	}
	return 1;
}
