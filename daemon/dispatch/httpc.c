/*
 * HTTP client on the libevent loop. libcurl makes each connection (name
 * resolution, TCP, proxies, TLS and its verification) as a CONNECT_ONLY
 * transfer, then hands it over: the requests and responses on it are our
 * own HTTP/1.1 (http1.c), sent and read with curl_easy_send() and
 * curl_easy_recv(), one exchange at a time, the connection kept for the
 * next. A whole libcurl transfer per request cost three times the CPU of
 * the exchange itself (BENCH.md, "sixth round").
 *
 * Each connection has a multi handle of its own. A CONNECT_ONLY
 * connection stays in its multi's connection cache, which libcurl prunes
 * when that multi makes another connection: its liveness check takes a
 * pending answer for a dead connection, and connections idle for two
 * minutes by its count (ours, busy, are idle to it) are closed. Alone in
 * its multi, nothing but its own transfer ever looks at it. A
 * multi handle holds a pair of descriptors for its wakeup: a connection
 * takes three (systemd/asystentd.service has room for them).
 *
 * Callbacks never run inside httpc_request(): a failure found there is
 * reported from the loop.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "clock.h"
#include "http1.h"
#include "httpc.h"
#include "log.h"
#include "xmalloc.h"

/* Idle connections kept; more are closed when their exchange ends. */
#define HTTPC_IDLE_MAX		256
/* An idle connection older than this is closed, not used (curl's age). */
#define HTTPC_IDLE_MAX_US	(118 * 1000000LL)
#define HTTPC_READ_CHUNK	16384

enum httpc_state {
	HTTPC_CONNECTING,	/* curl's transfer runs */
	HTTPC_IDLE,
	HTTPC_BUSY		/* an exchange on it */
};

/* What one URL names: where to connect, and the request's target. */
struct httpc_url {
	char	*prefix;	/* "https://host:port", as written */
	size_t	 prefix_len;
	char	*origin;	/* the pool's key: prefix and unix socket */
	char	*connect;	/* prefix + "/": curl connects to it */
	char	*host;		/* the Host header */
	char	*unix_socket;	/* or NULL */
};

struct httpc {
	struct event_base	*base;
	struct httpc_req	*reqs;		/* not yet answered */
	struct httpc_conn	*conns;		/* every connection */
	int			 nidle;
	int			 starting;	/* in httpc_request() */
	struct httpc_url	 last;		/* the last URL's parts */
	/*
	 * What the connections' multi handles would each keep apart: the
	 * names resolved and the TLS sessions, so that a new connection
	 * resumes one instead of a whole handshake.
	 */
	CURLSH			*share;
};

/* A socket curl watches while it connects. */
struct httpc_sock {
	struct event		*ev;
	short			 kind;
	struct httpc_conn	*c;
	struct httpc_sock	*next;
};

struct httpc_conn {
	struct httpc		*h;
	char			*origin;
	CURLM			*multi;		/* its own: see above */
	CURL			*easy;		/* CONNECT_ONLY */
	struct event		*timer;		/* curl's, while connecting */
	struct httpc_sock	*socks;		/* curl's, while connecting */
	struct event		*ev;		/* the socket, once connected */
	short			 ev_kind;
	enum httpc_state	 state;
	int64_t			 idle_since;	/* monotonic, us */
	struct httpc_req	*req;		/* the exchange, or the one
						   waiting for the connect */
	char			 error[CURL_ERROR_SIZE];
	struct httpc_conn	*prev, *next;
};

struct httpc_req {
	struct httpc		*h;
	struct httpc_conn	*conn;
	char			*origin;
	char			*connect;	/* the URL curl connects to */
	char			*unix_socket;
	char			*cainfo;
	long			 timeout_ms;
	char			*wire;		/* the request's bytes */
	size_t			 wire_len, sent;
	size_t			 max_response;
	struct http1_resp	 resp;
	size_t			 got;		/* response bytes read */
	int			 reused;	/* on a connection kept idle */
	int			 retried;
	struct event		*deadline;	/* the timeout; a deferred
						   failure */
	int			 fail_code;	/* deferred: CURLcode */
	char			 error[CURL_ERROR_SIZE];
	int64_t			 t0;		/* monotonic, us */
	httpc_cb		 cb;
	void			*arg;
	struct httpc_req	*prev, *next;
};

static void	httpc_conn_event_cb(evutil_socket_t fd, short kind, void *arg);
static void	httpc_conn_read(struct httpc_conn *c);
static void	httpc_conn_write(struct httpc_conn *c);
static int	httpc_start(struct httpc_req *r);

static void
httpc_url_clear(struct httpc_url *u)
{
	free(u->prefix);
	free(u->origin);
	free(u->connect);
	free(u->host);
	free(u->unix_socket);
	memset(u, 0, sizeof *u);
}

/* Where the authority of `url` ends: the path, query or fragment. */
static size_t
httpc_prefix_len(const char *url)
{
	const char	*p;

	if ((p = strstr(url, "://")) == NULL)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

/*
 * Splits `url` into h->last, parsed by libcurl (IPv6 literals, default
 * ports, what is valid), unless it has the last URL's prefix and socket.
 */
static int
httpc_url_parse(struct httpc *h, const char *url, const char *unix_socket)
{
	struct httpc_url	 u;
	CURLU			*cu = NULL;
	char			*scheme = NULL, *host = NULL, *port = NULL;
	char			*user = NULL;
	size_t			 plen;
	int			 rc = -1, deflt;

	if ((plen = httpc_prefix_len(url)) == 0)
		return -1;
	if (h->last.prefix != NULL && h->last.prefix_len == plen &&
	    memcmp(h->last.prefix, url, plen) == 0 &&
	    (unix_socket == NULL ? h->last.unix_socket == NULL :
	    h->last.unix_socket != NULL &&
	    strcmp(h->last.unix_socket, unix_socket) == 0))
		return 0;
	memset(&u, 0, sizeof u);
	if ((cu = curl_url()) == NULL ||
	    curl_url_set(cu, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(cu, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto out;
	/* Credentials in a URL are not sent: no request carries them. */
	if (curl_url_get(cu, CURLUPART_USER, &user, 0) == CURLUE_OK)
		goto out;
	deflt = strcmp(port, strcmp(scheme, "https") == 0 ? "443" : "80") ==
	    0;
	u.prefix = xstrndup(url, plen);
	u.prefix_len = plen;
	u.connect = xasprintf("%s://%s:%s/", scheme, host, port);
	u.host = deflt ? xstrdup(host) : xasprintf("%s:%s", host, port);
	if (unix_socket != NULL) {
		u.unix_socket = xstrdup(unix_socket);
		u.origin = xasprintf("%s %s", u.connect, unix_socket);
	} else
		u.origin = xstrdup(u.connect);
	httpc_url_clear(&h->last);
	h->last = u;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(cu);
	return rc;
}

/* The request target: what follows the prefix, without a fragment. */
static char *
httpc_target(const char *url, size_t plen)
{
	const char	*t = url + plen;
	size_t		 n = strcspn(t, "#");

	if (n == 0)
		return xstrdup("/");
	if (t[0] == '?')
		return xasprintf("/%.*s", (int)n, t);
	return xstrndup(t, n);
}

static void
httpc_conn_unlink(struct httpc_conn *c)
{
	struct httpc	*h = c->h;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Closes the connection; a request on it must have been detached. */
static void
httpc_conn_free(struct httpc_conn *c)
{
	struct httpc_sock	*s;

	if (c->state == HTTPC_IDLE)
		c->h->nidle--;
	httpc_conn_unlink(c);
	if (c->ev != NULL)
		event_free(c->ev);
	if (c->multi != NULL && c->easy != NULL)
		curl_multi_remove_handle(c->multi, c->easy);
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	/* Closes the connection; may still tell of sockets and the timer. */
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	if (c->timer != NULL)
		event_free(c->timer);
	while ((s = c->socks) != NULL) {
		c->socks = s->next;
		event_free(s->ev);
		free(s);
	}
	free(c->origin);
	free(c);
}

static void
httpc_req_free(struct httpc_req *r)
{
	struct httpc	*h = r->h;

	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	if (r->deadline != NULL)
		event_free(r->deadline);
	http1_resp_cleanup(&r->resp);
	if (r->wire != NULL) {
		/* It may hold a token or a password. */
		explicit_bzero(r->wire, r->wire_len);
		free(r->wire);
	}
	free(r->origin);
	free(r->connect);
	free(r->unix_socket);
	free(r->cainfo);
	free(r);
}

/* Answers the request (detached from any connection) and frees it. */
static void
httpc_answer(struct httpc_req *r, CURLcode code, const char *error,
    int too_large)
{
	struct httpc_response	 resp;

	memset(&resp, 0, sizeof resp);
	resp.curl_code = code;
	resp.error = error;
	resp.too_large = too_large;
	resp.retry_after = -1;
	if (code == CURLE_OK) {
		resp.status = r->resp.status;
		resp.retry_after = r->resp.retry_after;
	}
	resp.body = r->resp.body != NULL ? r->resp.body : "";
	resp.len = r->resp.body != NULL ? r->resp.len : 0;
	resp.ms = (double)(clock_mono_us() - r->t0) / 1000.0;
	r->cb(&resp, r->arg);
	httpc_req_free(r);
}

/*
 * Fails the request, closing its connection if it has one: now, or from
 * the loop when it is inside httpc_request().
 */
static void
httpc_fail(struct httpc_req *r, CURLcode code, const char *error)
{
	struct httpc_conn	*c = r->conn;

	if (c != NULL) {
		c->req = NULL;
		r->conn = NULL;
		httpc_conn_free(c);
	}
	if (r->h->starting) {
		r->fail_code = code;
		if (error != r->error)
			snprintf(r->error, sizeof r->error, "%s", error);
		event_active(r->deadline, EV_TIMEOUT, 1);
		return;
	}
	httpc_answer(r, code, error, 0);
}

static void
httpc_deadline_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc_req	*r = arg;

	(void)fd;
	(void)kind;
	if (r->fail_code != CURLE_OK) {
		httpc_fail(r, (CURLcode)r->fail_code, r->error);
		return;
	}
	snprintf(r->error, sizeof r->error,
	    "Operation timed out after %ld milliseconds", r->timeout_ms);
	httpc_fail(r, CURLE_OPERATION_TIMEDOUT, r->error);
}

/*
 * A kept connection the server had closed (it ends idle connections when
 * it likes): the request goes once more, on a new connection, as curl
 * does. Nothing of the answer had come, so nothing of it is lost.
 */
static void
httpc_retry(struct httpc_req *r)
{
	struct httpc_conn	*c = r->conn;

	c->req = NULL;
	r->conn = NULL;
	httpc_conn_free(c);
	r->retried = 1;
	if (httpc_start(r) == -1)
		httpc_fail(r, CURLE_FAILED_INIT, "no connection could be set "
		    "up");
}

/* The socket's event waits for `kind` (EV_READ, EV_WRITE or both). */
static int
httpc_conn_watch(struct httpc_conn *c, short kind)
{
	if (c->ev_kind == kind)
		return 0;
	event_del(c->ev);
	if (event_assign(c->ev, c->h->base, event_get_fd(c->ev),
	    kind | EV_PERSIST, httpc_conn_event_cb, c) == -1 ||
	    event_add(c->ev, NULL) == -1) {
		c->ev_kind = 0;
		log_err("event=httpc.event_add");
		return -1;
	}
	c->ev_kind = kind;
	return 0;
}

/* Idle, kept for the next request; or closed when enough are. */
static void
httpc_conn_rest(struct httpc_conn *c)
{
	struct httpc	*h = c->h;

	if (h->nidle >= HTTPC_IDLE_MAX ||
	    httpc_conn_watch(c, EV_READ) == -1) {
		httpc_conn_free(c);
		return;
	}
	c->state = HTTPC_IDLE;
	c->idle_since = clock_mono_us();
	h->nidle++;
	/* The most recently used first: they are the ones kept warm. */
	httpc_conn_unlink(c);
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
}

/* Puts the request on the connection and starts writing it. */
static void
httpc_conn_begin(struct httpc_conn *c, struct httpc_req *r)
{
	if (c->state == HTTPC_IDLE)
		c->h->nidle--;
	c->state = HTTPC_BUSY;
	c->req = r;
	r->conn = c;
	r->sent = 0;
	r->got = 0;
	http1_resp_cleanup(&r->resp);
	http1_resp_init(&r->resp, r->max_response);
	httpc_conn_write(c);
}

static void
httpc_conn_write(struct httpc_conn *c)
{
	struct httpc_req	*r = c->req;
	CURLcode		 rc;
	size_t			 n;

	while (r->sent < r->wire_len) {
		n = 0;
		rc = curl_easy_send(c->easy, r->wire + r->sent,
		    r->wire_len - r->sent, &n);
		if (rc == CURLE_AGAIN || (rc == CURLE_OK && n == 0)) {
			if (httpc_conn_watch(c, EV_READ | EV_WRITE) == -1)
				httpc_fail(r, CURLE_OUT_OF_MEMORY,
				    "no event for the connection");
			return;
		}
		if (rc != CURLE_OK) {
			if (r->reused && !r->retried && r->got == 0) {
				httpc_retry(r);
				return;
			}
			httpc_fail(r, rc, curl_easy_strerror(rc));
			return;
		}
		r->sent += n;
	}
	if (httpc_conn_watch(c, EV_READ) == -1)
		httpc_fail(r, CURLE_OUT_OF_MEMORY, "no event for the connection");
}

/*
 * The whole response is in: the connection rests or closes, then the
 * callback runs.
 */
static void
httpc_conn_done(struct httpc_conn *c, int leftover)
{
	struct httpc_req	*r = c->req;

	c->req = NULL;
	r->conn = NULL;
	if (r->resp.keep_alive && !leftover && r->sent == r->wire_len)
		httpc_conn_rest(c);
	else
		httpc_conn_free(c);
	httpc_answer(r, CURLE_OK, NULL, 0);
}

/*
 * The response so far, or the stream's end: 1 while more is to come, 0
 * when the request was answered (and the connection may be gone).
 */
static int
httpc_conn_feed(struct httpc_conn *c, const char *buf, size_t n, int eof)
{
	struct httpc_req	*r = c->req;
	enum http1_status	 st;
	size_t			 used = 0;

	if (eof)
		st = http1_resp_eof(&r->resp);
	else {
		r->got += n;
		st = http1_resp_feed(&r->resp, buf, n, &used);
	}
	switch (st) {
	case HTTP1_MORE:
		return 1;
	case HTTP1_DONE:
		httpc_conn_done(c, !eof && used < n);
		break;
	case HTTP1_TOO_LARGE:
		c->req = NULL;
		r->conn = NULL;
		httpc_conn_free(c);
		httpc_answer(r, CURLE_WRITE_ERROR, "response too large", 1);
		break;
	case HTTP1_ERROR:
		snprintf(r->error, sizeof r->error, "bad HTTP response: %s",
		    r->resp.error != NULL ? r->resp.error : "?");
		httpc_fail(r, CURLE_WEIRD_SERVER_REPLY, r->error);
		break;
	}
	return 0;
}

static void
httpc_conn_read(struct httpc_conn *c)
{
	char		 buf[HTTPC_READ_CHUNK];
	CURLcode	 rc;
	size_t		 n;

	for (;;) {
		n = 0;
		rc = curl_easy_recv(c->easy, buf, sizeof buf, &n);
		if (rc == CURLE_AGAIN)
			return;
		if (c->state == HTTPC_IDLE) {
			/*
			 * The server closed it, or sent what no request
			 * asked for: either way it carries nothing more.
			 */
			httpc_conn_free(c);
			return;
		}
		if (rc != CURLE_OK || n == 0) {
			struct httpc_req	*r = c->req;

			if (r->reused && !r->retried && r->got == 0) {
				httpc_retry(r);
				return;
			}
			if (rc != CURLE_OK) {
				httpc_fail(r, rc, curl_easy_strerror(rc));
				return;
			}
			(void)httpc_conn_feed(c, NULL, 0, 1);
			return;
		}
		if (!httpc_conn_feed(c, buf, n, 0))
			return;	/* answered: c may be gone */
	}
}

static void
httpc_conn_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc_conn	*c = arg;

	(void)fd;
	if ((kind & EV_WRITE) && c->state == HTTPC_BUSY &&
	    c->req->sent < c->req->wire_len) {
		httpc_conn_write(c);
		return;	/* a response waits for the request's end */
	}
	if (kind & EV_READ)
		httpc_conn_read(c);
}

/* curl's connect is done: the connection is ours, or it failed. */
static void
httpc_conn_connected(struct httpc_conn *c)
{
	struct httpc_req	*r = c->req;
	struct httpc_sock	*s;
	CURLMsg			*msg;
	curl_socket_t		 fd = CURL_SOCKET_BAD;
	CURLcode		 code;
	int			 left;

	if (c->state != HTTPC_CONNECTING)
		return;
	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			break;
	if (msg == NULL)
		return;
	code = msg->data.result;
	for (s = c->socks; s != NULL; s = s->next)
		event_del(s->ev);
	evtimer_del(c->timer);
	if (code == CURLE_OK &&
	    (curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &fd) !=
	    CURLE_OK || fd == CURL_SOCKET_BAD))
		code = CURLE_COULDNT_CONNECT;
	if (code == CURLE_OK && (c->ev = event_new(c->h->base, fd,
	    EV_READ | EV_PERSIST, httpc_conn_event_cb, c)) == NULL)
		code = CURLE_OUT_OF_MEMORY;
	if (code == CURLE_OK && event_add(c->ev, NULL) == -1)
		code = CURLE_OUT_OF_MEMORY;
	if (code != CURLE_OK) {
		if (r == NULL) {
			httpc_conn_free(c);
			return;
		}
		snprintf(r->error, sizeof r->error, "%s", c->error[0] != '\0' ?
		    c->error : curl_easy_strerror(code));
		httpc_fail(r, code, r->error);
		return;
	}
	c->ev_kind = EV_READ;
	if (r == NULL) {
		/* Its request was cancelled: kept for the next. */
		httpc_conn_rest(c);
		return;
	}
	httpc_conn_begin(c, r);
}

static void
httpc_curl_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc_sock	*s = arg;
	struct httpc_conn	*c = s->c;
	int			 action = 0, running;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, action, &running);
	httpc_conn_connected(c);
}

static void
httpc_curl_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc_conn	*c = arg;
	int			 running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpc_conn_connected(c);
}

/* curl arms or clears the connect's timer. */
static int
httpc_curl_timer(CURLM *multi, long timeout_ms, void *arg)
{
	struct httpc_conn	*c = arg;
	struct timeval		 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* curl says which of the connect's sockets to watch for what. */
static int
httpc_curl_socket(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct httpc_conn	*c = arg;
	struct httpc_sock	*s = sockp;
	short			 kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_del(s->ev);
			s->kind = 0;
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->c = c;
		if ((s->ev = event_new(c->h->base, -1, 0, httpc_curl_event_cb,
		    s)) == NULL) {
			free(s);
			log_err("event=httpc.event_add");
			return -1;
		}
		s->next = c->socks;
		c->socks = s;
		curl_multi_assign(c->multi, fd, s);
	} else if (s->kind == kind)
		return 0;
	else
		event_del(s->ev);
	if (c->state != HTTPC_CONNECTING)
		return 0;	/* the socket is ours now */
	s->kind = kind;
	if (event_assign(s->ev, c->h->base, fd, kind, httpc_curl_event_cb,
	    s) == -1 || event_add(s->ev, NULL) == -1) {
		s->kind = 0;
		log_err("event=httpc.event_add");
		return -1;
	}
	return 0;
}

/* A new connection for r: curl starts it from the loop. */
static struct httpc_conn *
httpc_conn_new(struct httpc *h, struct httpc_req *r)
{
	struct httpc_conn	*c;
	CURL			*e;
	long			 cto;

	c = xcalloc(1, sizeof *c);
	c->h = h;
	c->state = HTTPC_CONNECTING;
	c->origin = xstrdup(r->origin);
	c->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = c;
	h->conns = c;
	if ((c->timer = evtimer_new(h->base, httpc_curl_timer_cb, c)) ==
	    NULL || (c->multi = curl_multi_init()) == NULL ||
	    (c->easy = e = curl_easy_init()) == NULL)
		goto fail;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, httpc_curl_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, httpc_curl_timer);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	if (curl_easy_setopt(e, CURLOPT_URL, r->connect) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK)
		goto fail;
	cto = r->timeout_ms < 10000 ? r->timeout_ms : 10000L;
	curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(e, CURLOPT_SHARE, h->share);
	/* Through an HTTP proxy, a tunnel: our requests go to the origin. */
	curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->error);
	/* Also keeps curl_easy_send()/recv() from touching signals. */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, cto);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cto);
	/*
	 * Our exchanges are HTTP/1.1: offered alone in TLS's ALPN, or a
	 * server that speaks HTTP/2 (api.telegram.org does) would take it.
	 */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->cainfo != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->cainfo);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "asystentd/" ASYSTENT_VERSION);
	if (r->unix_socket != NULL)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, r->unix_socket);
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK)
		goto fail;
	c->req = r;
	r->conn = c;
	return c;
fail:
	log_err("event=httpc.connection_setup");
	httpc_conn_free(c);
	return NULL;
}

/* The request on a kept connection to its origin, or a new one. */
static int
httpc_start(struct httpc_req *r)
{
	struct httpc		*h = r->h;
	struct httpc_conn	*c, *next;
	int64_t			 now = clock_mono_us();

	if (!r->retried) {
		for (c = h->conns; c != NULL; c = next) {
			next = c->next;
			if (c->state != HTTPC_IDLE ||
			    strcmp(c->origin, r->origin) != 0)
				continue;
			if (now - c->idle_since > HTTPC_IDLE_MAX_US) {
				httpc_conn_free(c);
				continue;
			}
			r->reused = 1;
			httpc_conn_begin(c, r);
			return 0;
		}
	}
	r->reused = 0;
	return httpc_conn_new(h, r) == NULL ? -1 : 0;
}

struct httpc *
httpc_new(struct event_base *base)
{
	struct httpc	*h;

	h = xcalloc(1, sizeof *h);
	h->base = base;
	if ((h->share = curl_share_init()) == NULL ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) !=
	    CURLSHE_OK ||
	    curl_share_setopt(h->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		log_err("event=httpc.init");
		httpc_free(h);
		return NULL;
	}
	return h;
}

void
httpc_free(struct httpc *h)
{
	struct httpc_req	*r;

	if (h == NULL)
		return;
	while ((r = h->reqs) != NULL) {
		if (r->conn != NULL) {
			r->conn->req = NULL;
			r->conn = NULL;
		}
		httpc_req_free(r);
	}
	while (h->conns != NULL)
		httpc_conn_free(h->conns);
	/* After the connections' handles, which use it. */
	if (h->share != NULL)
		curl_share_cleanup(h->share);
	httpc_url_clear(&h->last);
	free(h);
}

struct httpc_req *
httpc_request(struct httpc *h, const char *url, const char *body, size_t len,
    const struct httpc_opts *o, httpc_cb cb, void *arg)
{
	struct httpc_req	*r;
	struct http1_req	 q;
	struct timeval		 tv;
	char			*target;
	int			 started;

	if (httpc_url_parse(h, url, o->unix_socket) == -1) {
		log_err("event=httpc.request_setup reason=\"bad URL\"");
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	r->h = h;
	r->cb = cb;
	r->arg = arg;
	r->t0 = clock_mono_us();
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000;
	r->max_response = o->max_response;
	/* Connections verified against other CAs are not shared. */
	r->origin = o->cainfo == NULL ? xstrdup(h->last.origin) :
	    xasprintf("%s\n%s", h->last.origin, o->cainfo);
	r->connect = xstrdup(h->last.connect);
	if (o->unix_socket != NULL)
		r->unix_socket = xstrdup(o->unix_socket);
	if (o->cainfo != NULL)
		r->cainfo = xstrdup(o->cainfo);
	http1_resp_init(&r->resp, r->max_response);
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;

	target = httpc_target(url, h->last.prefix_len);
	memset(&q, 0, sizeof q);
	q.method = body != NULL ? "POST" : "GET";
	q.host = h->last.host;
	q.target = target;
	q.content_type = o->content_type;
	q.authorization = o->authorization;
	q.user_agent = "asystentd/" ASYSTENT_VERSION;
	q.body = body;
	q.len = body != NULL ? len : 0;
	r->wire = http1_request(&q, &r->wire_len);
	explicit_bzero(target, strlen(target));
	free(target);
	tv.tv_sec = r->timeout_ms / 1000;
	tv.tv_usec = (r->timeout_ms % 1000) * 1000;
	started = -1;
	if (r->wire != NULL &&
	    (r->deadline = evtimer_new(h->base, httpc_deadline_cb, r)) !=
	    NULL && evtimer_add(r->deadline, &tv) == 0) {
		h->starting = 1;
		started = httpc_start(r);
		h->starting = 0;
	}
	if (started == -1) {
		log_err("event=httpc.request_setup");
		if (r->conn != NULL) {
			r->conn->req = NULL;
			r->conn = NULL;
		}
		httpc_req_free(r);
		return NULL;
	}
	return r;
}

void
httpc_cancel(struct httpc_req *r)
{
	struct httpc_conn	*c;

	if (r == NULL)
		return;
	if ((c = r->conn) != NULL) {
		c->req = NULL;
		r->conn = NULL;
		/* Mid-exchange it carries nothing more; a connect goes on. */
		if (c->state == HTTPC_BUSY)
			httpc_conn_free(c);
	}
	httpc_req_free(r);
}
