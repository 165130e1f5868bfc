/*
 * What one Bot API call costs in CPU, without the daemon around it: N
 * sendMessage POSTs to the emulator at URL, P at a time on kept-alive
 * connections, first through the daemon's HTTP client (dispatch/httpc.c,
 * connections made by libcurl, exchanges of its own), then as bare HTTP/1.1
 * over plain sockets and epoll (a write and a read per call: what the
 * kernel costs, the floor of any client). Prints the CPU per call of
 * each; asserts nothing.
 * Usage: httpfloor HOST PORT TOKEN CHAT_ID [N (20000)] [P (40)]
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "httpc.h"
#include "log.h"

#define MAXPAR	256

struct run {
	struct event_base	*base;
	struct httpc		*h;
	char			 url[256];
	char			 body[256];
	int			 len;
	int			 left, out, failed;
};

static double
cpu_s(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void	httpc_next(struct run *r);

static void
httpc_answered(const struct httpc_response *resp, void *arg)
{
	struct run	*r = arg;

	if (resp->status != 200)
		r->failed++;
	r->out--;
	if (r->left > 0)
		httpc_next(r);
	else if (r->out == 0)
		event_base_loopbreak(r->base);
}

static void
httpc_next(struct run *r)
{
	const struct httpc_opts	 o = { .timeout_ms = 10000,
				    .max_response = 1 << 20 };

	r->left--;
	r->out++;
	if (httpc_request(r->h, r->url, r->body, (size_t)r->len, &o,
	    httpc_answered, r) == NULL) {
		fprintf(stderr, "httpfloor: request not started\n");
		exit(1);
	}
}

static double
run_httpc(const char *host, int port, const char *token, int n, int par,
    const char *body, int len, int *failed)
{
	struct run	 r;
	double		 t0;
	int		 i;

	memset(&r, 0, sizeof r);
	snprintf(r.url, sizeof r.url, "http://%s:%d/bot%s/sendMessage", host,
	    port, token);
	memcpy(r.body, body, (size_t)len);
	r.len = len;
	r.left = n;
	if ((r.base = event_base_new()) == NULL ||
	    (r.h = httpc_new(r.base)) == NULL) {
		fprintf(stderr, "httpfloor: no event base or client\n");
		exit(1);
	}
	t0 = cpu_s();
	for (i = 0; i < par && r.left > 0; i++)
		httpc_next(&r);
	event_base_dispatch(r.base);
	t0 = cpu_s() - t0;
	httpc_free(r.h);
	event_base_free(r.base);
	*failed = r.failed;
	return t0;
}

static const char *
find(const char *buf, size_t len, const char *what)
{
	size_t	 n = strlen(what), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, what, n) == 0)
			return buf + i;
	return NULL;
}

/* 1 once buf[0..len) holds one whole answer (by its Content-Length). */
static int
raw_whole(const char *buf, size_t len)
{
	const char	*end, *cl;
	long		 body;

	if ((end = find(buf, len, "\r\n\r\n")) == NULL)
		return 0;
	if ((cl = find(buf, (size_t)(end - buf),
	    "Content-Length:")) ==
	    NULL)
		return -1;
	body = strtol(cl + 15, NULL, 10);
	return (size_t)(end + 4 - buf) + (size_t)body <= len;
}

static double
run_raw(const char *host, int port, const char *token, int n, int par,
    const char *body, int len, int *failed)
{
	struct sockaddr_in	 sa;
	struct epoll_event	 ev, evs[64];
	static char		 got[MAXPAR][8192];
	size_t			 have[MAXPAR];
	char			 req[1024];
	int			 fds[MAXPAR], ep, i, k, m, rl, left = n, done = 0;
	int			 one = 1, w;
	ssize_t			 rd;
	double			 t0;

	rl = snprintf(req, sizeof req, "POST /bot%s/sendMessage HTTP/1.1\r\n"
	    "Host: %s:%d\r\nContent-Type: application/json\r\n"
	    "Content-Length: %d\r\n\r\n%.*s", token, host, port, len, len,
	    body);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    (ep = epoll_create1(0)) == -1) {
		fprintf(stderr, "httpfloor: %s is no IPv4 address\n", host);
		exit(1);
	}
	t0 = cpu_s();
	for (i = 0; i < par; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one) == -1 ||
		    connect(fds[i], (struct sockaddr *)&sa, sizeof sa) == -1) {
			perror("httpfloor: connect");
			exit(1);
		}
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) == -1) {
			perror("httpfloor: epoll_ctl");
			exit(1);
		}
		have[i] = 0;
		if (left > 0 && send(fds[i], req, (size_t)rl, 0) == rl)
			left--;
	}
	while (done < n) {
		if ((m = epoll_wait(ep, evs, 64, 10000)) <= 0) {
			fprintf(stderr, "httpfloor: no answer in 10 s\n");
			exit(1);
		}
		for (k = 0; k < m; k++) {
			i = (int)evs[k].data.u32;
			rd = recv(fds[i], got[i] + have[i],
			    sizeof got[i] - have[i], 0);
			if (rd <= 0) {
				fprintf(stderr, "httpfloor: connection "
				    "closed\n");
				exit(1);
			}
			have[i] += (size_t)rd;
			if ((w = raw_whole(got[i], have[i])) == 0)
				continue;
			if (w == -1 || strncmp(got[i], "HTTP/1.1 200", 12) != 0)
				(*failed)++;
			have[i] = 0;
			done++;
			if (left > 0 && send(fds[i], req, (size_t)rl, 0) == rl)
				left--;
		}
	}
	t0 = cpu_s() - t0;
	for (i = 0; i < par; i++)
		close(fds[i]);
	close(ep);
	return t0;
}

int
main(int argc, char **argv)
{
	char	 body[256];
	double	 a, b;
	int	 n = 20000, par = 40, len, fa = 0, fb = 0, port;

	if (argc < 5) {
		fprintf(stderr, "usage: httpfloor host port token chat_id "
		    "[n] [parallel]\n");
		return 2;
	}
	port = atoi(argv[2]);
	if (argc > 5)
		n = atoi(argv[5]);
	if (argc > 6)
		par = atoi(argv[6]);
	if (n <= 0 || par <= 0 || par > MAXPAR) {
		fprintf(stderr, "httpfloor: n > 0, 0 < parallel <= %d\n",
		    MAXPAR);
		return 2;
	}
	log_set_level(LOGL_ERR);
	len = snprintf(body, sizeof body, "{\"chat_id\":%s,\"text\":\"A "
	    "message of a usual length, as a family would write it to their "
	    "assistant.\"}", argv[4]);
	a = run_httpc(argv[1], port, argv[3], n, par, body, len, &fa);
	b = run_raw(argv[1], port, argv[3], n, par, body, len, &fb);
	printf("one sendMessage, %d calls, %d at a time on kept connections: "
	    "%.1f us CPU through httpc, %.1f us as bare HTTP/1.1 "
	    "on sockets (the floor)%s\n", n, par, a * 1e6 / n, b * 1e6 / n,
	    fa + fb > 0 ? " (some answers were not 200)" : "");
	return 0;
}
