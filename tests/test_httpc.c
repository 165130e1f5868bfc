/*
 * Unit tests for daemon/dispatch/httpc.c, against a scripted HTTP/1.1
 * server on the same event loop. The server records every request and
 * the connection it came on, and answers the k-th request as the test's
 * table of steps says: bytes in pieces with pauses, then maybe a close; a
 * close or a reset without an answer; or nothing at all.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "clock.h"
#include "httpc.h"
#include "xmalloc.h"
#include "unit/fixture.h"

#define T_TIMEOUT_MS	5000
#define T_MAX_RESPONSE	((size_t)1 << 20)
/* What takes milliseconds gets this long: valgrind is slow. */
#define T_WAIT_MS	5000
#define T_HDR_MAX	32
/* The server's input buffer; a request past it is a test failure. */
#define T_IN_MAX	(8 << 20)
#define T_BATCH		100
#define T_BATCH_WIDTH	5
#define T_IDLE_MAX	256	/* HTTPC_IDLE_MAX */
#define T_BIG_BODY	(3 << 20)	/* over what a socket buffers */

struct ht;

enum step_kind {
	STEP_ECHO,	/* 200, JSON holding the request's body */
	STEP_SEND,	/* the bytes at `raw` */
	STEP_CLOSE,	/* close without answering */
	STEP_RESET,	/* the same, with a TCP reset */
	STEP_SILENT	/* never answer */
};

/* What the server does with one request; a test's script is a table. */
struct step {
	enum step_kind	 kind;
	const char	*raw;
	size_t		 piece;		/* bytes per write; 0: all at once */
	int		 delay_ms;	/* before the first write or close */
	int		 pause_ms;	/* between pieces */
	int		 close_after;
};

/* Where the server listens: the test's port, another, a socket file. */
enum srv_lis {
	LIS_TCP,
	LIS_TCP2,
	LIS_UNIX,
	LIS_N
};

/* A request as the server read it. */
struct sreq {
	int		 conn;		/* connection number, from 1 */
	enum srv_lis	 lis;		/* ... accepted there */
	char		*method;
	char		*target;
	char		*version;
	int		 nhdr;
	char		*name[T_HDR_MAX];
	char		*value[T_HDR_MAX];
	char		*body;		/* NUL-terminated */
	size_t		 len;
};

/* One accepted connection. */
struct sconn {
	struct srv	*s;
	int		 fd;
	int		 id;
	enum srv_lis	 lis;
	struct event	*rd;
	struct event	*timer;		/* the answer's next write */
	char		*in;
	size_t		 in_len, in_cap;
	int		 busy;		/* a request not fully answered */
	struct step	 step;
	char		*out;
	size_t		 out_len, out_off;
	struct sconn	*next;
};

struct srv {
	struct ht		*t;
	struct event_base	*base;
	struct evconnlistener	*lis[LIS_N];
	int			 port;		/* LIS_TCP's */
	int			 port2;		/* LIS_TCP2's, once open */
	char			 dir[64];	/* LIS_UNIX's, once open */
	char			 path[96];
	int			 accepted;
	int			 open;		/* connections not closed */
	struct sconn		*conns;
	struct sreq		*reqs;
	int			 nreqs, reqs_cap;
	char			 error[256];	/* set: the test fails */
};

/* What a callback was told; the body copied. */
struct res {
	struct ht	*t;
	int		 calls;
	long		 status;
	int		 curl_code;
	int		 too_large;
	long		 retry_after;
	char		*body;
	size_t		 len;
	int		 nul;		/* body[len] was a NUL */
	int		 has_error;
	char		 error[CURL_ERROR_SIZE];
	double		 ms;
	int64_t		 at_us;
};

struct ht {
	struct event_base	*base;
	struct httpc		*h;
	struct srv		 srv;
	struct event		*tick;		/* bounds each loop turn */
	struct event		*alarm;		/* run_for()'s */
	int			 rang;
	char			 url[64];	/* "http://127.0.0.1:port" */
	char			 host[32];	/* "127.0.0.1:port" */
	int			 fds0;		/* descriptors at the start */
	int			 calls;		/* callbacks, all requests */
	const struct step	*steps;		/* the k-th request's; then */
	int			 nsteps;	/* STEP_ECHO */
	/* The batch of the first test: each answer starts the next. */
	struct res		*batch;
	int			 batch_started, batch_failed;
	/* run_until()'s watched counter. */
	const int		*watch;
	int			 want;
	int			 at_most;
};

static void	srv_next(struct sconn *c);

static void
srv_fail(struct srv *s, const char *why)
{
	if (s->error[0] == '\0')
		snprintf(s->error, sizeof s->error, "%s", why);
}

static void
sreq_free(struct sreq *q)
{
	int	 i;

	free(q->method);
	free(q->target);
	free(q->version);
	for (i = 0; i < q->nhdr; i++) {
		free(q->name[i]);
		free(q->value[i]);
	}
	free(q->body);
	memset(q, 0, sizeof *q);
}

/* The first value of header `name`, or NULL. */
static const char *
sreq_header(const struct sreq *q, const char *name)
{
	int	 i;

	for (i = 0; i < q->nhdr; i++)
		if (strcasecmp(q->name[i], name) == 0)
			return q->value[i];
	return NULL;
}

static int
sreq_header_count(const struct sreq *q, const char *name)
{
	int	 i, n = 0;

	for (i = 0; i < q->nhdr; i++)
		if (strcasecmp(q->name[i], name) == 0)
			n++;
	return n;
}

/* Where the blank line after the head ends in the n bytes at p, or 0. */
static size_t
head_end(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 4 <= n; i++)
		if (memcmp(p + i, "\r\n\r\n", 4) == 0)
			return i + 4;
	return 0;
}

/* The request line and headers of the hlen bytes at `in`. */
static int
sreq_head(struct sreq *q, const char *in, size_t hlen)
{
	char	*head, *line, *eol, *a, *b, *v;
	int	 rc = -1;

	/* Every line, the last header's included, ends in CRLF. */
	head = xstrndup(in, hlen - 2);
	line = head;
	if ((eol = strstr(line, "\r\n")) == NULL)
		goto out;
	*eol = '\0';
	if ((a = strchr(line, ' ')) == NULL ||
	    (b = strchr(a + 1, ' ')) == NULL)
		goto out;
	q->method = xstrndup(line, (size_t)(a - line));
	q->target = xstrndup(a + 1, (size_t)(b - a - 1));
	q->version = xstrdup(b + 1);
	for (line = eol + 2; *line != '\0'; line = eol + 2) {
		if ((eol = strstr(line, "\r\n")) == NULL)
			goto out;
		*eol = '\0';
		if ((a = strchr(line, ':')) == NULL || q->nhdr == T_HDR_MAX)
			goto out;
		for (v = a + 1; *v == ' '; v++)
			continue;
		q->name[q->nhdr] = xstrndup(line, (size_t)(a - line));
		q->value[q->nhdr++] = xstrdup(v);
	}
	rc = 0;
out:
	free(head);
	return rc;
}

static char *
echo_of(const char *method, const char *body)
{
	return xasprintf("{\"ok\":true,\"echo\":%s}",
	    strcmp(method, "GET") == 0 ? "null" : body);
}

static void
srv_arm(struct sconn *c, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(c->timer, &tv) == -1)
		srv_fail(c->s, "evtimer_add");
}

/* Closes the server's side; with `reset`, a TCP RST, not a FIN. */
static void
srv_conn_close(struct sconn *c, int reset)
{
	struct srv	*s = c->s;
	struct sconn	**pp;
	struct linger	 l;

	for (pp = &s->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (reset) {
		l.l_onoff = 1;
		l.l_linger = 0;
		if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) ==
		    -1)
			srv_fail(s, "SO_LINGER");
	}
	if (c->rd != NULL)
		event_free(c->rd);
	if (c->timer != NULL)
		event_free(c->timer);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	s->open--;
}

/* The k-th request's step begins: its answer is prepared. */
static void
srv_plan(struct sconn *c, const struct sreq *q, int k)
{
	struct ht	*t = c->s->t;
	char		*json;

	memset(&c->step, 0, sizeof c->step);
	if (k < t->nsteps)
		c->step = t->steps[k];
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	switch (c->step.kind) {
	case STEP_ECHO:
		json = echo_of(q->method, q->body);
		c->out = xasprintf("HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n\r\n%s", strlen(json), json);
		free(json);
		break;
	case STEP_SEND:
		c->out = xstrdup(c->step.raw);
		break;
	case STEP_SILENT:
		return;
	case STEP_CLOSE:
	case STEP_RESET:
		break;
	}
	if (c->out != NULL)
		c->out_len = strlen(c->out);
	srv_arm(c, c->step.delay_ms);
}

/* One write of the answer, or the close the step asks for. */
static void
srv_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct sconn	*c = arg;
	size_t		 n;
	ssize_t		 w;

	(void)fd;
	(void)kind;
	if (c->step.kind == STEP_CLOSE || c->step.kind == STEP_RESET) {
		srv_conn_close(c, c->step.kind == STEP_RESET);
		return;
	}
	n = c->out_len - c->out_off;
	if (c->step.piece > 0 && n > c->step.piece)
		n = c->step.piece;
	if ((w = send(c->fd, c->out + c->out_off, n, MSG_NOSIGNAL)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			srv_arm(c, 1);
		else
			srv_conn_close(c, 0);	/* the client left */
		return;
	}
	c->out_off += (size_t)w;
	if (c->out_off < c->out_len) {
		srv_arm(c, c->step.pause_ms);
		return;
	}
	if (c->step.close_after) {
		srv_conn_close(c, 0);
		return;
	}
	c->busy = 0;
	srv_next(c);
}

/* A whole request in the input is recorded and its answer begun. */
static void
srv_next(struct sconn *c)
{
	struct srv	*s = c->s;
	struct sreq	 q;
	const char	*cl;
	char		*end;
	size_t		 hlen, clen = 0;

	if (c->busy || (hlen = head_end(c->in, c->in_len)) == 0)
		return;
	memset(&q, 0, sizeof q);
	if (sreq_head(&q, c->in, hlen) == -1) {
		srv_fail(s, "a malformed request head");
		goto fail;
	}
	if ((cl = sreq_header(&q, "Content-Length")) != NULL) {
		errno = 0;
		clen = strtoul(cl, &end, 10);
		if (*cl == '\0' || *end != '\0' || errno != 0) {
			srv_fail(s, "a bad Content-Length");
			goto fail;
		}
	}
	if (c->in_len - hlen < clen)
		goto fail;	/* the body is still coming */
	q.body = xmalloc(clen + 1);
	memcpy(q.body, c->in + hlen, clen);
	q.body[clen] = '\0';
	q.len = clen;
	q.conn = c->id;
	q.lis = c->lis;
	if (s->nreqs == s->reqs_cap) {
		s->reqs_cap = s->reqs_cap == 0 ? 64 : s->reqs_cap * 2;
		s->reqs = xreallocarray(s->reqs, (size_t)s->reqs_cap,
		    sizeof *s->reqs);
	}
	s->reqs[s->nreqs++] = q;
	memmove(c->in, c->in + hlen + clen, c->in_len - hlen - clen);
	c->in_len -= hlen + clen;
	c->busy = 1;
	srv_plan(c, &s->reqs[s->nreqs - 1], s->nreqs - 1);
	return;
fail:
	sreq_free(&q);
}

static void
srv_read_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct sconn	*c = arg;
	ssize_t		 n;

	(void)kind;
	for (;;) {
		if (c->in_cap - c->in_len < 4096) {
			if (c->in_cap >= T_IN_MAX) {
				srv_fail(c->s, "a request too large");
				srv_conn_close(c, 0);
				return;
			}
			c->in_cap = c->in_cap == 0 ? 8192 : c->in_cap * 2;
			c->in = xrealloc(c->in, c->in_cap);
		}
		n = recv(fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* End of stream or reset: the client closed it. */
		srv_conn_close(c, 0);
		return;
	}
	srv_next(c);
}

static void
srv_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct srv	*s = arg;
	struct sconn	*c;
	int		 i;

	(void)sa;
	(void)salen;
	c = xcalloc(1, sizeof *c);
	c->s = s;
	c->fd = fd;
	c->id = ++s->accepted;
	for (i = 0; i < LIS_N; i++)
		if (s->lis[i] == l)
			c->lis = (enum srv_lis)i;
	c->next = s->conns;
	s->conns = c;
	s->open++;
	if ((c->rd = event_new(s->base, fd, EV_READ | EV_PERSIST,
	    srv_read_cb, c)) == NULL ||
	    (c->timer = evtimer_new(s->base, srv_timer_cb, c)) == NULL ||
	    event_add(c->rd, NULL) == -1)
		srv_fail(s, "no event for an accepted connection");
}

/* Listens on a new loopback port; its number in *port. */
static int
srv_listen_tcp(struct srv *s, enum srv_lis which, int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s->lis[which] = evconnlistener_new_bind(s->base, srv_accept_cb,
	    s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	    (struct sockaddr *)&sin, sizeof sin)) == NULL)
		return -1;
	if (getsockname(evconnlistener_get_fd(s->lis[which]),
	    (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	return 0;
}

/* Listens on a socket file in a new directory: s->path. */
static int
srv_listen_unix(struct srv *s)
{
	struct sockaddr_un	 sun;

	snprintf(s->dir, sizeof s->dir, "/tmp/test_httpc.XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		s->dir[0] = '\0';
		return -1;
	}
	snprintf(s->path, sizeof s->path, "%s/api.sock", s->dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", s->path);
	if ((s->lis[LIS_UNIX] = evconnlistener_new_bind(s->base,
	    srv_accept_cb, s, LEV_OPT_CLOSE_ON_FREE, 16,
	    (struct sockaddr *)&sun, sizeof sun)) == NULL)
		return -1;
	return 0;
}

static int
srv_open(struct srv *s, struct ht *t, struct event_base *base)
{
	memset(s, 0, sizeof *s);
	s->t = t;
	s->base = base;
	return srv_listen_tcp(s, LIS_TCP, &s->port);
}

static void
srv_close(struct srv *s)
{
	int	 i;

	while (s->conns != NULL)
		srv_conn_close(s->conns, 0);
	for (i = 0; i < LIS_N; i++)
		if (s->lis[i] != NULL)
			evconnlistener_free(s->lis[i]);
	if (s->dir[0] != '\0') {
		unlink(s->path);
		rmdir(s->dir);
	}
	for (i = 0; i < s->nreqs; i++)
		sreq_free(&s->reqs[i]);
	free(s->reqs);
}

/* Closes every connection with no request being answered. */
static void
srv_close_idle(struct srv *s, int reset)
{
	struct sconn	*c, *next;

	for (c = s->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->busy)
			srv_conn_close(c, reset);
	}
}

static struct sconn *
srv_conn(struct srv *s, int id)
{
	struct sconn	*c;

	for (c = s->conns; c != NULL; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		fail_msg("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
noop_cb(evutil_socket_t fd, short kind, void *arg)
{
	(void)fd;
	(void)kind;
	(void)arg;
}

static void
alarm_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct ht	*t = arg;

	(void)fd;
	(void)kind;
	t->rang = 1;
}

/*
 * Turns the loop until cond() holds; the test fails past deadline_ms, or
 * as soon as the server saw something wrong.
 */
static void
run_until(struct ht *t, int (*cond)(struct ht *), int deadline_ms,
    const char *what)
{
	struct timeval	 tv;
	int64_t		 end, left;

	end = clock_mono_us() + (int64_t)deadline_ms * 1000;
	for (;;) {
		if (t->srv.error[0] != '\0')
			fail_msg("server: %s", t->srv.error);
		if (cond(t))
			break;
		if ((left = end - clock_mono_us()) <= 0)
			fail_msg("%s: not within %d ms", what, deadline_ms);
		if (left > 20000)
			left = 20000;
		tv.tv_sec = (time_t)(left / 1000000);
		tv.tv_usec = (suseconds_t)(left % 1000000);
		assert_int_equal(evtimer_add(t->tick, &tv), 0);
		assert_int_not_equal(event_base_loop(t->base, EVLOOP_ONCE),
		    -1);
	}
	evtimer_del(t->tick);
}

static int
cond_watch(struct ht *t)
{
	return t->at_most ? *t->watch <= t->want : *t->watch >= t->want;
}

static int
cond_rang(struct ht *t)
{
	return t->rang;
}

static int
cond_fds(struct ht *t)
{
	return count_fds() == t->want;
}

/* The server's connection number t->want is closed. */
static int
cond_conn_gone(struct ht *t)
{
	return srv_conn(&t->srv, t->want) == NULL;
}

static void
wait_at_least(struct ht *t, const int *v, int n, const char *what)
{
	t->watch = v;
	t->want = n;
	t->at_most = 0;
	run_until(t, cond_watch, T_WAIT_MS, what);
}

static void
wait_at_most(struct ht *t, const int *v, int n, const char *what)
{
	t->watch = v;
	t->want = n;
	t->at_most = 1;
	run_until(t, cond_watch, T_WAIT_MS, what);
}

/* Until the process holds exactly n descriptors. */
static void
wait_fds(struct ht *t, int n, const char *what)
{
	t->want = n;
	run_until(t, cond_fds, T_WAIT_MS, what);
}

/* The loop runs for ms: what must not happen has had its chance. */
static void
run_for(struct ht *t, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	t->rang = 0;
	assert_int_equal(evtimer_add(t->alarm, &tv), 0);
	run_until(t, cond_rang, ms + T_WAIT_MS, "a pause");
}

static void
res_record(struct res *r, const struct httpc_response *resp)
{
	r->calls++;
	r->t->calls++;
	r->status = resp->status;
	r->curl_code = resp->curl_code;
	r->too_large = resp->too_large;
	r->retry_after = resp->retry_after;
	free(r->body);
	r->body = xmalloc(resp->len + 1);
	memcpy(r->body, resp->body, resp->len);
	r->body[resp->len] = '\0';
	r->len = resp->len;
	r->nul = resp->body[resp->len] == '\0';
	r->has_error = resp->error != NULL;
	snprintf(r->error, sizeof r->error, "%s",
	    resp->error != NULL ? resp->error : "");
	r->ms = resp->ms;
	r->at_us = clock_mono_us();
}

static void
res_cb(const struct httpc_response *resp, void *arg)
{
	res_record(arg, resp);
}

static void
res_clear(struct res *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

static void
opts_default(struct httpc_opts *o)
{
	memset(o, 0, sizeof *o);
	o->timeout_ms = T_TIMEOUT_MS;
	o->max_response = T_MAX_RESPONSE;
}

/* Starts a request to the server's `path`; o NULL: the defaults. */
static struct httpc_req *
start(struct ht *t, struct res *r, const char *path, const char *body,
    const struct httpc_opts *o)
{
	struct httpc_opts	 d;
	char			 url[256];

	if (o == NULL) {
		opts_default(&d);
		o = &d;
	}
	snprintf(url, sizeof url, "%s%s", t->url, path);
	r->t = t;
	return httpc_request(t->h, url, body, body != NULL ? strlen(body) : 0,
	    o, res_cb, r);
}

/* A request, and the loop until its callback ran. */
static void
exchange(struct ht *t, struct res *r, const char *path, const char *body,
    const struct httpc_opts *o)
{
	assert_non_null(start(t, r, path, body, o));
	wait_at_least(t, &r->calls, 1, "the callback");
	assert_int_equal(r->calls, 1);
}

/* The answer was the server's echo of `body` (NULL: of a GET). */
static void
assert_echo(const struct res *r, const char *body)
{
	char	*want;

	want = echo_of(body == NULL ? "GET" : "POST", body);
	assert_int_equal(r->calls, 1);
	assert_int_equal(r->curl_code, CURLE_OK);
	assert_int_equal(r->status, 200);
	assert_false(r->has_error);
	assert_false(r->too_large);
	assert_true(r->nul);
	assert_string_equal(r->body, want);
	assert_int_equal(r->len, strlen(want));
	free(want);
}

/* A request the server echoes, checked and cleared. */
static void
echo_ok(struct ht *t, struct res *r, const char *path, const char *body)
{
	exchange(t, r, path, body, NULL);
	assert_echo(r, body);
	res_clear(r);
}

/* A request answered `status` with `want`, checked and cleared. */
static void
answer_ok(struct ht *t, struct res *r, const char *path, const char *body,
    long status, const char *want)
{
	exchange(t, r, path, body, NULL);
	assert_int_equal(r->curl_code, CURLE_OK);
	assert_int_equal(r->status, status);
	assert_string_equal(r->body, want);
	res_clear(r);
}

/* The server answers the first n requests as `steps` say. */
static void
script(struct ht *t, const struct step *steps, int n)
{
	t->steps = steps;
	t->nsteps = n;
}

#define SCRIPT(t, steps) \
	script((t), (steps), (int)(sizeof (steps) / sizeof (steps)[0]))

/* A transport failure: no status, an error text. */
static void
assert_failed(const struct res *r)
{
	assert_int_equal(r->calls, 1);
	assert_int_not_equal(r->curl_code, CURLE_OK);
	assert_int_equal(r->status, 0);
	assert_true(r->has_error);
	assert_true(r->error[0] != '\0');
	assert_true(r->nul);
}

static int
group_setup(void **state)
{
	if (fixture_group_setup(state) == -1)
		return -1;
	/* The server writes to clients that may have gone. */
	signal(SIGPIPE, SIG_IGN);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
	(void)state;
	curl_global_cleanup();
	return 0;
}

static int
teardown(void **state)
{
	struct ht	*t = *state;

	if (t == NULL)
		return 0;
	httpc_free(t->h);
	srv_close(&t->srv);
	if (t->tick != NULL)
		event_free(t->tick);
	if (t->alarm != NULL)
		event_free(t->alarm);
	if (t->base != NULL)
		event_base_free(t->base);
	free(t->batch);
	free(t);
	return 0;
}

static int
setup(void **state)
{
	struct ht	*t;

	t = xcalloc(1, sizeof *t);
	*state = t;
	if ((t->base = event_base_new()) == NULL ||
	    srv_open(&t->srv, t, t->base) == -1 ||
	    (t->tick = evtimer_new(t->base, noop_cb, NULL)) == NULL ||
	    (t->alarm = evtimer_new(t->base, alarm_cb, t)) == NULL ||
	    (t->h = httpc_new(t->base)) == NULL) {
		teardown(state);
		*state = NULL;
		return -1;
	}
	snprintf(t->url, sizeof t->url, "http://127.0.0.1:%d", t->srv.port);
	snprintf(t->host, sizeof t->host, "127.0.0.1:%d", t->srv.port);
	t->fds0 = count_fds();
	return 0;
}

static char *
batch_body(int i)
{
	return xasprintf("{\"chat_id\":%d,\"text\":\"message %d\"}", i, i);
}

static void	batch_cb(const struct httpc_response *, void *);

static void
batch_start(struct ht *t)
{
	struct res		*r = &t->batch[t->batch_started];
	struct httpc_opts	 o;
	char			 url[128];
	char			*body;

	r->t = t;
	opts_default(&o);
	snprintf(url, sizeof url, "%s/bot123:abc/sendMessage", t->url);
	body = batch_body(t->batch_started++);
	if (httpc_request(t->h, url, body, strlen(body), &o, batch_cb, r) ==
	    NULL)
		t->batch_failed++;
	free(body);
}

/* Records the answer and starts the next request of the batch. */
static void
batch_cb(const struct httpc_response *resp, void *arg)
{
	struct res	*r = arg;

	res_record(r, resp);
	if (r->t->batch_started < T_BATCH)
		batch_start(r->t);
}

static void
test_httpc_100_posts_five_at_a_time_each_get_their_answer(void **state)
{
	struct ht	*t = *state;
	struct sreq	*q;
	char		*body, clen[32];
	int		 i, k, seen;

	t->batch = xcalloc(T_BATCH, sizeof *t->batch);
	for (i = 0; i < T_BATCH_WIDTH; i++)
		batch_start(t);
	assert_int_equal(t->batch_failed, 0);
	assert_int_equal(t->calls, 0);
	wait_at_least(t, &t->calls, T_BATCH, "100 answers");
	assert_int_equal(t->batch_started, T_BATCH);
	assert_int_equal(t->batch_failed, 0);
	for (i = 0; i < T_BATCH; i++) {
		body = batch_body(i);
		assert_echo(&t->batch[i], body);
		free(body);
		res_clear(&t->batch[i]);
	}
	/* Never more connections than requests at once: they are kept. */
	assert_true(t->srv.accepted >= 1);
	assert_true(t->srv.accepted <= T_BATCH_WIDTH);
	assert_int_equal(t->srv.nreqs, T_BATCH);
	for (i = 0; i < T_BATCH; i++) {
		body = batch_body(i);
		seen = 0;
		for (k = 0; k < t->srv.nreqs; k++) {
			q = &t->srv.reqs[k];
			if (strcmp(q->body, body) != 0)
				continue;
			seen++;
			assert_string_equal(q->method, "POST");
			assert_string_equal(q->target,
			    "/bot123:abc/sendMessage");
			assert_string_equal(q->version, "HTTP/1.1");
			assert_int_equal(sreq_header_count(q, "Host"), 1);
			assert_string_equal(sreq_header(q, "Host"), t->host);
			assert_string_equal(sreq_header(q, "Content-Type"),
			    "application/json");
			snprintf(clen, sizeof clen, "%zu", strlen(body));
			assert_string_equal(sreq_header(q, "Content-Length"),
			    clen);
			assert_int_equal(q->len, strlen(body));
			assert_null(sreq_header(q, "Authorization"));
			assert_null(sreq_header(q, "Expect"));
		}
		assert_int_equal(seen, 1);
		free(body);
	}
}

static void
test_httpc_request_carries_type_auth_query_get_has_no_body(void **state)
{
	struct ht		*t = *state;
	struct httpc_opts	 o;
	struct res		 r;
	const struct sreq	*q;

	memset(&r, 0, sizeof r);
	opts_default(&o);
	o.content_type = "application/x-www-form-urlencoded";
	exchange(t, &r, "/submit", "a=1&b=%C5%BC", &o);
	assert_echo(&r, "a=1&b=%C5%BC");
	q = &t->srv.reqs[0];
	assert_string_equal(q->method, "POST");
	assert_string_equal(q->target, "/submit");
	assert_string_equal(sreq_header(q, "Host"), t->host);
	assert_int_equal(sreq_header_count(q, "Content-Type"), 1);
	assert_string_equal(sreq_header(q, "Content-Type"),
	    "application/x-www-form-urlencoded");
	assert_string_equal(sreq_header(q, "Content-Length"), "12");
	assert_string_equal(q->body, "a=1&b=%C5%BC");
	res_clear(&r);

	opts_default(&o);
	o.authorization = "Bearer s3cr3t-token";
	exchange(t, &r, "/api/send", "{\"to\":\"48500100200\"}", &o);
	assert_echo(&r, "{\"to\":\"48500100200\"}");
	q = &t->srv.reqs[1];
	assert_int_equal(sreq_header_count(q, "Authorization"), 1);
	assert_string_equal(sreq_header(q, "Authorization"),
	    "Bearer s3cr3t-token");
	assert_string_equal(sreq_header(q, "Content-Type"),
	    "application/json");
	res_clear(&r);

	/* A GET: no body, so no Content-Type and no Content-Length. */
	exchange(t, &r, "/bot123:abc/getUpdates?a=1&b=2", NULL, NULL);
	assert_echo(&r, NULL);
	q = &t->srv.reqs[2];
	assert_string_equal(q->method, "GET");
	assert_string_equal(q->target, "/bot123:abc/getUpdates?a=1&b=2");
	assert_string_equal(q->version, "HTTP/1.1");
	assert_string_equal(sreq_header(q, "Host"), t->host);
	assert_null(sreq_header(q, "Content-Type"));
	assert_null(sreq_header(q, "Content-Length"));
	assert_null(sreq_header(q, "Authorization"));
	assert_null(sreq_header(q, "Transfer-Encoding"));
	assert_int_equal(q->len, 0);
	res_clear(&r);

	/* A query right after the authority; a fragment is not sent. */
	exchange(t, &r, "?x=1", NULL, NULL);
	assert_echo(&r, NULL);
	assert_string_equal(t->srv.reqs[3].target, "/?x=1");
	res_clear(&r);
	exchange(t, &r, "/page#part", NULL, NULL);
	assert_echo(&r, NULL);
	assert_string_equal(t->srv.reqs[4].target, "/page");
	res_clear(&r);

	/* An empty body is still a POST, of zero bytes. */
	exchange(t, &r, "/empty", "", NULL);
	assert_int_equal(r.status, 200);
	q = &t->srv.reqs[5];
	assert_string_equal(q->method, "POST");
	assert_string_equal(sreq_header(q, "Content-Length"), "0");
	assert_int_equal(q->len, 0);
	res_clear(&r);

	/* One after another: all on the one connection. */
	assert_int_equal(t->srv.nreqs, 6);
	assert_int_equal(t->srv.accepted, 1);
}

static void
test_httpc_idle_connections_the_server_closes_are_dropped(void **state)
{
	struct ht	*t = *state;
	struct res	 r[3];
	char		 body[32];
	int		 i;

	memset(r, 0, sizeof r);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"n\":%d}", i);
		assert_non_null(start(t, &r[i], "/a", body, NULL));
	}
	wait_at_least(t, &t->calls, 3, "three answers");
	assert_int_equal(t->srv.accepted, 3);
	assert_int_equal(t->srv.open, 3);
	srv_close_idle(&t->srv, 0);
	assert_int_equal(t->srv.open, 0);
	/* The client sees the ends and closes its sockets too. */
	wait_fds(t, t->fds0, "the client's sockets closed");
	for (i = 0; i < 3; i++)
		res_clear(&r[i]);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"n\":%d}", i + 3);
		assert_non_null(start(t, &r[i], "/a", body, NULL));
	}
	wait_at_least(t, &t->calls, 6, "three more answers");
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof body, "{\"n\":%d}", i + 3);
		assert_echo(&r[i], body);
		res_clear(&r[i]);
	}
	/* Each sent once, on new connections: none went to a dead one. */
	assert_int_equal(t->srv.nreqs, 6);
	assert_int_equal(t->srv.accepted, 6);
	for (i = 3; i < 6; i++)
		assert_true(t->srv.reqs[i].conn > 3);
}

static void
test_httpc_idle_connection_closed_just_before_use_is_retried(void **state)
{
	struct ht	*t = *state;
	struct res	 r;
	int		 reset;

	memset(&r, 0, sizeof r);
	echo_ok(t, &r, "/a", "{\"n\":0}");
	/* A FIN, then a RST: the loop does not run before the request. */
	for (reset = 0; reset <= 1; reset++) {
		srv_close_idle(&t->srv, reset);
		assert_non_null(start(t, &r, "/a", "{\"n\":1}", NULL));
		assert_int_equal(r.calls, 0);
		wait_at_least(t, &r.calls, 1, "the callback");
		assert_echo(&r, "{\"n\":1}");
		res_clear(&r);
		assert_int_equal(t->srv.accepted, 2 + reset);
		assert_int_equal(t->srv.reqs[t->srv.nreqs - 1].conn,
		    2 + reset);
	}
	assert_int_equal(t->srv.nreqs, 3);
}

static void
test_httpc_kept_connection_closed_unanswered_is_retried_once(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO },
		{ .kind = STEP_CLOSE },		/* the second request */
		{ .kind = STEP_ECHO },		/* ... its retry */
		{ .kind = STEP_ECHO },
		{ .kind = STEP_RESET },		/* the fourth */
		{ .kind = STEP_ECHO },		/* ... its retry */
	};
	struct ht			*t = *state;
	const struct sreq		*q = NULL;
	struct res			 r;

	SCRIPT(t, steps);
	memset(&r, 0, sizeof r);
	echo_ok(t, &r, "/a", "{\"n\":0}");
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.nreqs, 3);
	q = t->srv.reqs;
	assert_int_equal(q[1].conn, q[0].conn);
	assert_int_not_equal(q[2].conn, q[1].conn);
	assert_string_equal(q[1].body, "{\"n\":1}");
	assert_string_equal(q[2].body, "{\"n\":1}");
	assert_string_equal(q[2].target, q[1].target);

	/* The same with a reset instead of a close. */
	echo_ok(t, &r, "/b", "{\"n\":2}");
	echo_ok(t, &r, "/b", "{\"n\":3}");
	assert_int_equal(t->srv.nreqs, 6);
	q = t->srv.reqs;
	assert_int_equal(q[4].conn, q[3].conn);
	assert_int_not_equal(q[5].conn, q[4].conn);
	assert_string_equal(q[4].body, "{\"n\":3}");
	assert_string_equal(q[5].body, "{\"n\":3}");
	assert_int_equal(t->srv.accepted, 3);
}

static void
test_httpc_retry_on_a_new_connection_is_not_retried_again(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO },
		{ .kind = STEP_CLOSE },
		{ .kind = STEP_CLOSE },		/* the retry fails too */
	};
	struct ht			*t = *state;
	struct res			 r;

	SCRIPT(t, steps);
	memset(&r, 0, sizeof r);
	echo_ok(t, &r, "/a", "{\"n\":0}");
	exchange(t, &r, "/a", "{\"n\":1}", NULL);
	assert_failed(&r);
	res_clear(&r);
	run_for(t, 100);
	assert_int_equal(t->srv.nreqs, 3);
	assert_int_equal(t->srv.accepted, 2);
	assert_int_equal(t->calls, 2);
}

static void
test_httpc_partial_answer_on_kept_connection_is_not_retried(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO },
		{ .kind = STEP_SEND, .close_after = 1,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc" },
	};
	struct ht			*t = *state;
	struct res			 r;

	SCRIPT(t, steps);
	memset(&r, 0, sizeof r);
	echo_ok(t, &r, "/a", "{\"n\":0}");
	/* Part of an answer came: the server acted on it, no resend. */
	exchange(t, &r, "/a", "{\"n\":1}", NULL);
	assert_failed(&r);
	assert_int_equal(r.curl_code, CURLE_WEIRD_SERVER_REPLY);
	res_clear(&r);
	run_for(t, 100);
	assert_int_equal(t->srv.nreqs, 2);
	assert_int_equal(t->srv.accepted, 1);
}

static void
test_httpc_new_connection_closed_unanswered_fails_no_retry(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_CLOSE },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/bot123:abc/sendMessage", "{\"n\":0}", NULL);
	assert_failed(&r);
	res_clear(&r);
	run_for(t, 100);
	assert_int_equal(t->srv.nreqs, 1);
	assert_int_equal(t->srv.accepted, 1);
	assert_int_equal(t->calls, 1);
}

static void
test_httpc_chunked_answer_in_pieces_is_joined(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND, .piece = 5, .pause_ms = 3,
		  .raw = "HTTP/1.1 200 OK\r\n"
		      "Content-Type: application/json\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n"
		      "b\r\n{\"ok\":true,\r\n"
		      "E;name=value\r\n\"result\":[1,2]\r\n"
		      "1\r\n}\r\n"
		      "0\r\nX-Trailer: yes\r\n\r\n" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/a", "{}", NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"ok\":true,\"result\":[1,2]}");
	assert_int_equal(r.len, strlen("{\"ok\":true,\"result\":[1,2]}"));
	assert_true(r.nul);
	res_clear(&r);
	/* Chunked ends where it says: the connection goes on. */
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 1);
	assert_int_equal(t->srv.reqs[1].conn, t->srv.reqs[0].conn);
}

static void
test_httpc_connection_close_answer_is_not_reused(void **state)
{
	/* The server keeps it open: only the client can choose anew. */
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
		      "Content-Length: 2\r\n\r\nok" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	answer_ok(t, &r, "/a", "{}", 200, "ok");
	wait_at_most(t, &t->srv.open, 0, "the client closing it");
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 2);
	assert_int_equal(t->srv.reqs[1].conn, 2);
}

static void
test_httpc_body_without_length_ends_at_the_close(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND, .piece = 4, .pause_ms = 3,
		  .close_after = 1,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
		      "read until the end" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/a", NULL, NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "read until the end");
	assert_int_equal(r.len, strlen("read until the end"));
	res_clear(&r);
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 2);
}

static void
test_httpc_interim_100_answer_is_skipped(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND, .piece = 7, .pause_ms = 2,
		  .raw = "HTTP/1.1 100 Continue\r\n\r\n"
		      "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/a", "{}", NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "done");
	res_clear(&r);
}

static void
test_httpc_bytes_past_the_answer_are_never_taken_as_the_next(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
		      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	answer_ok(t, &r, "/a", "{}", 200, "first");
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 2);
}

static void
test_httpc_unasked_bytes_on_an_idle_connection_drop_it(void **state)
{
	static const char	 stale[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale";
	struct ht		*t = *state;
	struct sconn		*c;
	struct res		 r;

	memset(&r, 0, sizeof r);
	echo_ok(t, &r, "/a", "{\"n\":0}");
	assert_non_null(c = srv_conn(&t->srv, 1));
	assert_int_equal(send(c->fd, stale, strlen(stale), MSG_NOSIGNAL),
	    (ssize_t)strlen(stale));
	wait_at_most(t, &t->srv.open, 0, "the client dropping it");
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.reqs[1].conn, 2);
}

static void
test_httpc_429_gives_retry_after_and_the_body(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 429 Too Many Requests\r\n"
		      "Content-Type: application/json\r\n"
		      "Retry-After: 7\r\nContent-Length: 60\r\n\r\n"
		      "{\"ok\":false,\"error_code\":429,"
		      "\"parameters\":{\"retry_after\":7}}" },
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 429 Too Many Requests\r\n"
		      "Content-Length: 29\r\n\r\n"
		      "{\"ok\":false,\"error_code\":429}" },
	};
	struct ht			*t = *state;
	struct res			 r;

	SCRIPT(t, steps);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/bot123:abc/sendMessage", "{}", NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.retry_after, 7);
	assert_string_equal(r.body, "{\"ok\":false,\"error_code\":429,"
	    "\"parameters\":{\"retry_after\":7}}");
	assert_int_equal(r.len, 60);
	res_clear(&r);
	exchange(t, &r, "/bot123:abc/sendMessage", "{}", NULL);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.retry_after, -1);
	assert_string_equal(r.body, "{\"ok\":false,\"error_code\":429}");
	res_clear(&r);
	exchange(t, &r, "/bot123:abc/sendMessage", "{}", NULL);
	assert_echo(&r, "{}");
	assert_int_equal(r.retry_after, -1);
	res_clear(&r);
	/* An error status is an answer like another: the connection stays. */
	assert_int_equal(t->srv.accepted, 1);
}

static void
test_httpc_silent_server_times_out_then_the_next_works(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SILENT },
	};
	struct ht			*t = *state;
	struct httpc_opts		 o;
	struct res			 r;
	int64_t				 t0, ms;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	opts_default(&o);
	o.timeout_ms = 300;
	t0 = clock_mono_us();
	assert_non_null(start(t, &r, "/bot123:abc/getUpdates", NULL, &o));
	t->watch = &r.calls;
	t->want = 1;
	t->at_most = 0;
	run_until(t, cond_watch, 3000, "the timeout");
	ms = (r.at_us - t0) / 1000;
	assert_true(ms >= 250);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 0);
	assert_true(r.has_error);
	res_clear(&r);
	/* Its connection is closed: a late answer must not be read. */
	wait_at_most(t, &t->srv.open, 0, "the stalled connection closed");
	echo_ok(t, &r, "/bot123:abc/getUpdates", NULL);
	assert_int_equal(t->srv.reqs[1].conn, 2);
}

static void
test_httpc_answer_over_max_response_is_too_large(void **state)
{
	struct step		 steps[3];
	struct ht		*t = *state;
	struct httpc_opts	 o;
	struct res		 r;
	char			*lenbody, *closebody, *chunkbody, *x;
	int			 i;

	x = xmalloc(1001);
	memset(x, 'x', 1000);
	x[1000] = '\0';
	lenbody = xasprintf("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n%s",
	    x);
	closebody = xasprintf("HTTP/1.1 200 OK\r\n\r\n%s", x);
	chunkbody = xasprintf("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3e8\r\n%s\r\n0\r\n\r\n", x);
	memset(steps, 0, sizeof steps);
	steps[0].kind = steps[1].kind = steps[2].kind = STEP_SEND;
	steps[0].raw = lenbody;
	steps[1].raw = closebody;
	steps[1].close_after = 1;
	steps[2].raw = chunkbody;
	script(t, steps, 3);
	memset(&r, 0, sizeof r);
	opts_default(&o);
	o.max_response = 100;
	for (i = 0; i < 3; i++) {
		exchange(t, &r, "/a", "{}", &o);
		assert_int_equal(r.too_large, 1);
		assert_int_equal(r.curl_code, CURLE_WRITE_ERROR);
		assert_string_equal(r.error, "response too large");
		assert_true(r.len <= 100);
		assert_true(r.nul);
		res_clear(&r);
	}
	echo_ok(t, &r, "/a", "{\"n\":3}");
	/* Each cut answer took its connection with it. */
	assert_int_equal(t->srv.accepted, 4);
	assert_int_equal(t->srv.reqs[3].conn, 4);
	free(x);
	free(lenbody);
	free(closebody);
	free(chunkbody);
}

static void
test_httpc_garbage_answer_is_a_weird_server_reply(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND, .raw = "HELLO\r\n\r\n" },
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		      "Content-Length: 3\r\n\r\nabc" },
	};
	struct ht			*t = *state;
	struct res			 r;
	int				 i;

	SCRIPT(t, steps);
	memset(&r, 0, sizeof r);
	for (i = 0; i < 2; i++) {
		exchange(t, &r, "/a", "{}", NULL);
		assert_failed(&r);
		assert_int_equal(r.curl_code, CURLE_WEIRD_SERVER_REPLY);
		assert_int_equal(strncmp(r.error, "bad HTTP response", 17),
		    0);
		res_clear(&r);
	}
	echo_ok(t, &r, "/a", "{\"n\":2}");
	assert_int_equal(t->srv.accepted, 3);
}

/* A loopback port nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	int			 fd, port;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
test_httpc_refused_connection_fails_from_the_loop(void **state)
{
	struct ht		*t = *state;
	struct httpc_opts	 o;
	struct res		 r;
	char			 url[64];

	memset(&r, 0, sizeof r);
	r.t = t;
	opts_default(&o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
	assert_non_null(httpc_request(t->h, url, "{}", 2, &o, res_cb, &r));
	assert_int_equal(r.calls, 0);
	wait_at_least(t, &r.calls, 1, "the refusal");
	assert_failed(&r);
	res_clear(&r);
	run_for(t, 50);
	assert_int_equal(t->calls, 1);
	/* The pool is not upset: the server still answers. */
	echo_ok(t, &r, "/a", "{}");
}

static void
test_httpc_bad_url_returns_null_without_callback(void **state)
{
	static const char	*bad[] = {
		"ftp://127.0.0.1/x",
		"no scheme at all",
		"http://user:pw@127.0.0.1/",
	};
	struct ht		*t = *state;
	struct httpc_opts	 o;
	struct res		 r;
	size_t			 i;

	memset(&r, 0, sizeof r);
	r.t = t;
	opts_default(&o);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(httpc_request(t->h, bad[i], "{}", 2, &o, res_cb,
		    &r));
	run_for(t, 50);
	assert_int_equal(t->calls, 0);
	assert_int_equal(t->srv.accepted, 0);
	echo_ok(t, &r, "/a", "{}");
}

static void
test_httpc_cancel_mid_exchange_no_callback_and_closed(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO, .delay_ms = 200 },
	};
	struct ht			*t = *state;
	struct httpc_req		*req;
	struct res			 r0, r1;

	script(t, steps, 1);
	memset(&r0, 0, sizeof r0);
	memset(&r1, 0, sizeof r1);
	assert_non_null(req = start(t, &r0, "/a", "{\"n\":0}", NULL));
	wait_at_least(t, &t->srv.nreqs, 1, "the request at the server");
	httpc_cancel(req);
	/*
	 * At once the next: the cancelled one's answer is still to come,
	 * and must not be taken for this one's.
	 */
	exchange(t, &r1, "/a", "{\"n\":1}", NULL);
	assert_echo(&r1, "{\"n\":1}");
	res_clear(&r1);
	assert_int_equal(t->srv.reqs[1].conn, 2);
	t->want = 1;
	run_until(t, cond_conn_gone, T_WAIT_MS, "the cancelled one closed");
	run_for(t, 400);
	assert_int_equal(r0.calls, 0);
	assert_int_equal(t->calls, 1);
}

static void
test_httpc_cancel_while_connecting_keeps_the_connection(void **state)
{
	struct ht	*t = *state;
	struct res	 r;

	memset(&r, 0, sizeof r);
	httpc_cancel(start(t, &r, "/a", "{\"n\":0}", NULL));
	wait_at_least(t, &t->srv.accepted, 1, "the connection");
	run_for(t, 100);
	assert_int_equal(r.calls, 0);
	assert_int_equal(t->srv.nreqs, 0);
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.nreqs, 1);
	assert_int_equal(t->srv.accepted, 1);
}

/*
 * A port whose accept queue is full: a connect to it hangs, its SYN
 * dropped. *lfd and *qfd are for the caller to close.
 */
static int
hanging_port(int *lfd, int *qfd)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;

	assert_true((*lfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(*lfd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(*lfd, (struct sockaddr *)&sin, &len), 0);
	/* Backlog 0 holds one connection: this one, never accepted. */
	assert_int_equal(listen(*lfd, 0), 0);
	assert_true((*qfd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(connect(*qfd, (struct sockaddr *)&sin, sizeof sin),
	    0);
	return ntohs(sin.sin_port);
}

static void
test_httpc_free_with_requests_in_flight_runs_no_callback(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO },
		{ .kind = STEP_ECHO },
		{ .kind = STEP_ECHO },
		{ .kind = STEP_SILENT },
		{ .kind = STEP_ECHO, .delay_ms = 100, .piece = 10,
		  .pause_ms = 20 },
	};
	struct ht			*t = *state;
	struct httpc_opts		 o;
	struct res			 r[7];
	char				 url[64];
	int				 i, lfd, qfd;

	SCRIPT(t, steps);
	memset(r, 0, sizeof r);
	/* Three connections, idle once answered. */
	for (i = 0; i < 3; i++)
		assert_non_null(start(t, &r[i], "/a", "{}", NULL));
	wait_at_least(t, &t->calls, 3, "three answers");
	/* Two on kept ones: never answered, and answered slowly. */
	assert_non_null(start(t, &r[3], "/a", "{\"n\":3}", NULL));
	assert_non_null(start(t, &r[4], "/a", "{\"n\":4}", NULL));
	wait_at_least(t, &t->srv.nreqs, 5, "two more at the server");
	/* Two connecting: to be refused, and hanging. One stays idle. */
	opts_default(&o);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", closed_port());
	r[5].t = r[6].t = t;
	assert_non_null(httpc_request(t->h, url, NULL, 0, &o, res_cb, &r[5]));
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x",
	    hanging_port(&lfd, &qfd));
	assert_non_null(httpc_request(t->h, url, "{}", 2, &o, res_cb, &r[6]));
	httpc_free(t->h);
	t->h = NULL;
	run_for(t, 300);
	assert_int_equal(t->calls, 3);
	for (i = 3; i < 7; i++)
		assert_int_equal(r[i].calls, 0);
	/* Every client socket closed: the server saw them all end. */
	wait_at_most(t, &t->srv.open, 0, "the server's connections ended");
	close(qfd);
	close(lfd);
	wait_fds(t, t->fds0, "the descriptors back to where they were");
	for (i = 0; i < 7; i++)
		res_clear(&r[i]);
}

static void
test_httpc_answer_one_byte_at_a_time(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND, .piece = 1, .pause_ms = 1,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		      "Content-Length: 25\r\n\r\n"
		      "{\"ok\":true,\"result\":true}" },
	};
	struct ht			*t = *state;
	struct res			 r;

	script(t, steps, 1);
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/bot123:abc/sendMessage", "{}", NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"ok\":true,\"result\":true}");
	assert_int_equal(r.len, 25);
	assert_true(r.nul);
	res_clear(&r);
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 1);
}

static void
test_httpc_idle_connections_kept_are_capped(void **state)
{
	struct ht	*t = *state;
	struct res	*r;
	int		 i, n = T_IDLE_MAX + 6;

	r = xcalloc((size_t)n, sizeof *r);
	for (i = 0; i < n; i++)
		assert_non_null(start(t, &r[i], "/a", "{}", NULL));
	wait_at_least(t, &t->calls, n, "every answer");
	for (i = 0; i < n; i++) {
		assert_echo(&r[i], "{}");
		res_clear(&r[i]);
	}
	assert_int_equal(t->srv.accepted, n);
	wait_at_most(t, &t->srv.open, T_IDLE_MAX, "the extra ones closed");
	run_for(t, 100);
	assert_int_equal(t->srv.open, T_IDLE_MAX);
	/* As many at once again: every one on a kept connection. */
	for (i = 0; i < T_IDLE_MAX; i++)
		assert_non_null(start(t, &r[i], "/a", "{}", NULL));
	wait_at_least(t, &t->calls, n + T_IDLE_MAX, "the second round");
	for (i = 0; i < T_IDLE_MAX; i++) {
		assert_echo(&r[i], "{}");
		res_clear(&r[i]);
	}
	assert_int_equal(t->srv.accepted, n);
	free(r);
}

static void
test_httpc_body_larger_than_socket_buffers_is_sent_whole(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_SEND,
		  .raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" },
	};
	struct ht			*t = *state;
	struct res			 r;
	char				*body;
	size_t				 i;

	script(t, steps, 1);
	body = xmalloc(T_BIG_BODY + 1);
	for (i = 0; i < T_BIG_BODY; i++)
		body[i] = (char)('a' + i % 26);
	body[T_BIG_BODY] = '\0';
	memset(&r, 0, sizeof r);
	exchange(t, &r, "/upload", body, NULL);
	assert_int_equal(r.curl_code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "ok");
	res_clear(&r);
	assert_int_equal(t->srv.nreqs, 1);
	assert_int_equal(t->srv.reqs[0].len, T_BIG_BODY);
	assert_memory_equal(t->srv.reqs[0].body, body, T_BIG_BODY);
	free(body);
	/* Sent whole, answered whole: the connection is good for more. */
	echo_ok(t, &r, "/a", "{\"n\":1}");
	assert_int_equal(t->srv.accepted, 1);
}

static void
test_httpc_most_recently_used_connection_goes_first(void **state)
{
	static const struct step	 steps[] = {
		{ .kind = STEP_ECHO, .delay_ms = 60 },
		{ .kind = STEP_ECHO },
	};
	struct ht			*t = *state;
	struct res			 r[2];

	SCRIPT(t, steps);
	memset(r, 0, sizeof r);
	/* The older connection is answered last, so used most recently. */
	assert_non_null(start(t, &r[0], "/a", "{\"n\":0}", NULL));
	wait_at_least(t, &t->srv.nreqs, 1, "the first at the server");
	assert_non_null(start(t, &r[1], "/a", "{\"n\":1}", NULL));
	wait_at_least(t, &t->calls, 2, "two answers");
	assert_echo(&r[0], "{\"n\":0}");
	assert_echo(&r[1], "{\"n\":1}");
	assert_true(r[1].at_us < r[0].at_us);
	assert_true(r[0].ms >= 50.0);
	assert_true(r[0].ms < T_WAIT_MS);
	res_clear(&r[0]);
	res_clear(&r[1]);
	assert_int_equal(t->srv.accepted, 2);
	assert_int_equal(t->srv.reqs[0].conn, 1);
	assert_int_equal(t->srv.reqs[1].conn, 2);
	exchange(t, &r[0], "/a", "{\"n\":2}", NULL);
	assert_echo(&r[0], "{\"n\":2}");
	res_clear(&r[0]);
	assert_int_equal(t->srv.reqs[2].conn, 1);
}

static void
test_httpc_each_origin_and_socket_file_has_own_connections(void **state)
{
	struct ht		*t = *state;
	struct httpc_opts	 ou, o;
	struct res		 r;
	const struct sreq	*q;
	char			 other[128], host2[32];
	int			 round;

	assert_int_equal(srv_listen_tcp(&t->srv, LIS_TCP2, &t->srv.port2),
	    0);
	assert_int_equal(srv_listen_unix(&t->srv), 0);
	snprintf(other, sizeof other, "http://127.0.0.1:%d/b",
	    t->srv.port2);
	snprintf(host2, sizeof host2, "127.0.0.1:%d", t->srv.port2);
	opts_default(&ou);
	ou.unix_socket = t->srv.path;
	memset(&r, 0, sizeof r);
	r.t = t;
	/* Twice round the three: the second round reuses each. */
	for (round = 0; round < 2; round++) {
		echo_ok(t, &r, "/a", "{\"via\":\"tcp\"}");
		exchange(t, &r, "/a", "{\"via\":\"unix\"}", &ou);
		assert_echo(&r, "{\"via\":\"unix\"}");
		res_clear(&r);
		r.t = t;
		opts_default(&o);
		assert_non_null(httpc_request(t->h, other,
		    "{\"via\":\"tcp2\"}", 14, &o, res_cb, &r));
		wait_at_least(t, &r.calls, 1, "the callback");
		assert_echo(&r, "{\"via\":\"tcp2\"}");
		res_clear(&r);
	}
	assert_int_equal(t->srv.nreqs, 6);
	assert_int_equal(t->srv.accepted, 3);
	for (round = 0; round < 2; round++) {
		q = &t->srv.reqs[round * 3];
		assert_int_equal(q[0].lis, LIS_TCP);
		assert_string_equal(q[0].body, "{\"via\":\"tcp\"}");
		assert_int_equal(q[1].lis, LIS_UNIX);
		assert_string_equal(q[1].body, "{\"via\":\"unix\"}");
		/* The Host is the URL's, whatever the way there. */
		assert_string_equal(sreq_header(&q[1], "Host"), t->host);
		assert_int_equal(q[2].lis, LIS_TCP2);
		assert_string_equal(q[2].target, "/b");
		assert_string_equal(sreq_header(&q[2], "Host"), host2);
	}
	q = t->srv.reqs;
	assert_int_equal(q[3].conn, q[0].conn);
	assert_int_equal(q[4].conn, q[1].conn);
	assert_int_equal(q[5].conn, q[2].conn);
}


static void
test_httpc_timeout_covers_a_connect_that_hangs(void **state)
{
	struct ht		*t = *state;
	struct httpc_opts	 o;
	struct res		 r;
	char			 url[64];
	int64_t			 t0, ms;
	int			 lfd, qfd;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/x",
	    hanging_port(&lfd, &qfd));
	memset(&r, 0, sizeof r);
	r.t = t;
	opts_default(&o);
	o.timeout_ms = 300;
	t0 = clock_mono_us();
	assert_non_null(httpc_request(t->h, url, "{}", 2, &o, res_cb, &r));
	t->watch = &r.calls;
	t->want = 1;
	t->at_most = 0;
	run_until(t, cond_watch, 3000, "the timeout");
	ms = (r.at_us - t0) / 1000;
	assert_true(ms >= 250);
	assert_int_equal(r.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.status, 0);
	assert_true(r.has_error);
	res_clear(&r);
	close(qfd);
	close(lfd);
	/* The failed connect left nothing behind. */
	wait_fds(t, t->fds0, "the descriptors back to where they were");
	echo_ok(t, &r, "/a", "{}");
}

/* The TLS server of tests/unit/tls_server.py, its port read from it. */
struct tls_srv {
	char	 dir[64];
	char	 cert[128];
	pid_t	 pid;
	int	 port;
};

static void
tls_srv_start(struct tls_srv *ts)
{
	char	 cmd[512], key[128], line[32];
	int	 fd[2];
	ssize_t	 n;
	size_t	 got = 0;

	snprintf(ts->dir, sizeof ts->dir, "/tmp/httpc-tls-XXXXXX");
	assert_non_null(mkdtemp(ts->dir));
	snprintf(ts->cert, sizeof ts->cert, "%s/cert.pem", ts->dir);
	snprintf(key, sizeof key, "%s/key.pem", ts->dir);
	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost "
	    "-addext subjectAltName=DNS:localhost -keyout %s -out %s "
	    ">/dev/null 2>&1", key, ts->cert);
	if (system(cmd) != 0)
		fail_msg("openssl could not make a certificate");
	assert_int_equal(pipe(fd), 0);
	if ((ts->pid = fork()) == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", "tests/unit/tls_server.py",
		    ts->cert, key, (char *)NULL);
		_exit(127);
	}
	assert_true(ts->pid > 0);
	close(fd[1]);
	while (got < sizeof line - 1 && (n = read(fd[0], line + got, 1)) == 1)
		if (line[got++] == '\n')
			break;
	line[got] = '\0';
	close(fd[0]);
	if ((ts->port = atoi(line)) <= 0)
		fail_msg("the TLS server did not start");
}

static void
tls_srv_stop(struct tls_srv *ts)
{
	char	 cmd[128];

	kill(ts->pid, SIGTERM);
	waitpid(ts->pid, NULL, 0);
	snprintf(cmd, sizeof cmd, "rm -rf %s", ts->dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Over TLS, against a server that speaks HTTP/2 as api.telegram.org
 * does: the certificate is verified, TLS settles on HTTP/1.1 (what our
 * exchanges are), the connection is kept for the next requests, and the
 * next connection resumes the TLS session instead of a whole handshake.
 */
static void
test_httpc_tls_verified_on_http11_and_resumed(void **state)
{
	struct ht		*t = *state;
	struct tls_srv		 ts;
	struct httpc_opts	 o;
	struct res		 r;
	char			 url[128], want[96];
	int			 i;

	tls_srv_start(&ts);
	snprintf(url, sizeof url, "https://localhost:%d/bot1:a/getMe",
	    ts.port);
	memset(&r, 0, sizeof r);
	r.t = t;
	/* Not signed by a CA the system trusts: refused. */
	opts_default(&o);
	assert_non_null(httpc_request(t->h, url, "{}", 2, &o, res_cb, &r));
	wait_at_least(t, &r.calls, 1, "the refused certificate");
	assert_failed(&r);
	assert_int_equal(r.curl_code, CURLE_PEER_FAILED_VERIFICATION);
	res_clear(&r);
	o.cainfo = ts.cert;
	/* The server closes the first connection after its third answer. */
	for (i = 1; i <= 4; i++) {
		r.t = t;
		assert_non_null(httpc_request(t->h, url, "{}", 2, &o, res_cb,
		    &r));
		wait_at_least(t, &r.calls, 1, "the answer over TLS");
		assert_int_equal(r.curl_code, CURLE_OK);
		assert_int_equal(r.status, 200);
		snprintf(want, sizeof want, "{\"alpn\": \"http/1.1\", "
		    "\"n\": %d, \"resumed\": %s}", i < 4 ? i : 1,
		    i < 4 ? "false" : "true");
		assert_string_equal(r.body, want);
		res_clear(&r);
	}
	tls_srv_stop(&ts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_httpc_100_posts_five_at_a_time_each_get_their_answer),
		T(test_httpc_request_carries_type_auth_query_get_has_no_body),
		T(test_httpc_idle_connections_the_server_closes_are_dropped),
		T(test_httpc_idle_connection_closed_just_before_use_is_retried),
		T(test_httpc_kept_connection_closed_unanswered_is_retried_once),
		T(test_httpc_retry_on_a_new_connection_is_not_retried_again),
		T(test_httpc_partial_answer_on_kept_connection_is_not_retried),
		T(test_httpc_new_connection_closed_unanswered_fails_no_retry),
		T(test_httpc_chunked_answer_in_pieces_is_joined),
		T(test_httpc_connection_close_answer_is_not_reused),
		T(test_httpc_body_without_length_ends_at_the_close),
		T(test_httpc_interim_100_answer_is_skipped),
		T(test_httpc_bytes_past_the_answer_are_never_taken_as_the_next),
		T(test_httpc_unasked_bytes_on_an_idle_connection_drop_it),
		T(test_httpc_429_gives_retry_after_and_the_body),
		T(test_httpc_silent_server_times_out_then_the_next_works),
		T(test_httpc_timeout_covers_a_connect_that_hangs),
		T(test_httpc_tls_verified_on_http11_and_resumed),
		T(test_httpc_answer_over_max_response_is_too_large),
		T(test_httpc_garbage_answer_is_a_weird_server_reply),
		T(test_httpc_refused_connection_fails_from_the_loop),
		T(test_httpc_bad_url_returns_null_without_callback),
		T(test_httpc_cancel_mid_exchange_no_callback_and_closed),
		T(test_httpc_cancel_while_connecting_keeps_the_connection),
		T(test_httpc_free_with_requests_in_flight_runs_no_callback),
		T(test_httpc_answer_one_byte_at_a_time),
		T(test_httpc_idle_connections_kept_are_capped),
		T(test_httpc_body_larger_than_socket_buffers_is_sent_whole),
		T(test_httpc_most_recently_used_connection_goes_first),
		T(test_httpc_each_origin_and_socket_file_has_own_connections),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
