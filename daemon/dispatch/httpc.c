/* HTTP client on libcurl's multi_socket interface and the libevent loop. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "httpc.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Easy handles done with are kept for the next requests (reset, their
 * options set again): making one costs more than resetting it.
 */
#define HTTPC_SPARE_MAX	64

struct httpc {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct httpc_req	*reqs;		/* in flight, doubly linked */
	CURL			*spare[HTTPC_SPARE_MAX];
	int			 nspare;
	struct httpc_sock	*free_socks;	/* their events kept */
};

struct httpc_req {
	struct httpc		*h;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*body;		/* request body copy */
	char			*resp;
	size_t			 resp_len, resp_cap, max_response;
	long			 retry_after;
	char			 error[CURL_ERROR_SIZE];
	httpc_cb		 cb;
	void			*arg;
	struct httpc_req	*prev, *next;
};

/*
 * One event per socket curl asks us to watch. A connection's socket is
 * watched for each request on it and dropped between them: the structs
 * and their events are kept and assigned again.
 */
struct httpc_sock {
	struct event		*ev;
	short			 kind;		/* what ev waits for */
	struct httpc_sock	*next;		/* free list */
};

static void	httpc_check_done(struct httpc *h);

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
	if (r->easy != NULL) {
		curl_multi_remove_handle(h->multi, r->easy);
		if (h->nspare < HTTPC_SPARE_MAX) {
			curl_easy_reset(r->easy);
			h->spare[h->nspare++] = r->easy;
		} else
			curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r->resp);
	free(r);
}

static size_t
httpc_write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct httpc_req	*r = arg;
	size_t			 n = size * nmemb, cap;

	if (r->resp_len + n > r->max_response)
		return 0;	/* curl fails the transfer: CURLE_WRITE_ERROR */
	if (r->resp_len + n + 1 > r->resp_cap) {
		cap = r->resp_cap == 0 ? 4096 : r->resp_cap;
		while (cap < r->resp_len + n + 1)
			cap *= 2;
		r->resp = xrealloc(r->resp, cap);
		r->resp_cap = cap;
	}
	memcpy(r->resp + r->resp_len, data, n);
	r->resp_len += n;
	r->resp[r->resp_len] = '\0';
	return n;
}

static size_t
httpc_header_cb(char *data, size_t size, size_t nmemb, void *arg)
{
	struct httpc_req	*r = arg;
	size_t			 n = size * nmemb;
	char			 buf[32];
	const char		*name = "retry-after:";
	size_t			 nlen = strlen(name), vlen;
	char			*end;
	long			 v;

	if (n > nlen && strncasecmp(data, name, nlen) == 0) {
		vlen = n - nlen < sizeof buf - 1 ? n - nlen : sizeof buf - 1;
		memcpy(buf, data + nlen, vlen);
		buf[vlen] = '\0';
		v = strtol(buf, &end, 10);
		if (end != buf && v >= 0)
			r->retry_after = v;
	}
	return n;
}

static void
httpc_event_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc	*h = arg;
	int		 action = 0, running;

	if (kind & EV_READ)
		action |= CURL_CSELECT_IN;
	if (kind & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, action, &running);
	httpc_check_done(h);
}

static void
httpc_timer_cb(evutil_socket_t fd, short kind, void *arg)
{
	struct httpc	*h = arg;
	int		 running;

	(void)fd;
	(void)kind;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	httpc_check_done(h);
}

/* curl tells us to arm or clear the one timer. */
static int
httpc_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct httpc	*h = arg;
	struct timeval	 tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

/* curl tells us which sockets to watch for what. */
static int
httpc_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct httpc		*h = arg;
	struct httpc_sock	*hs = sockp;
	short			 kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_del(hs->ev);
			hs->next = h->free_socks;
			h->free_socks = hs;
			curl_multi_assign(h->multi, s, NULL);
		}
		return 0;
	}
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs != NULL && hs->kind == kind)
		return 0;
	if (hs == NULL) {
		if ((hs = h->free_socks) != NULL)
			h->free_socks = hs->next;
		else {
			hs = xcalloc(1, sizeof *hs);
			if ((hs->ev = event_new(h->base, -1, 0, httpc_event_cb,
			    h)) == NULL) {
				free(hs);
				log_err("event=httpc.event_add");
				return -1;
			}
		}
		curl_multi_assign(h->multi, s, hs);
	} else
		event_del(hs->ev);
	hs->kind = kind;
	if (event_assign(hs->ev, h->base, s, kind, httpc_event_cb, h) == -1 ||
	    event_add(hs->ev, NULL) == -1) {
		hs->kind = 0;
		log_err("event=httpc.event_add");
		return -1;
	}
	return 0;
}

static void
httpc_finish(struct httpc_req *r, CURLcode code)
{
	struct httpc_response	 resp;
	double			 secs = 0;

	memset(&resp, 0, sizeof resp);
	resp.curl_code = code;
	if (code == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE,
		    &resp.status);
	else if (code == CURLE_WRITE_ERROR && r->resp_len > 0) {
		resp.error = "response too large";
		resp.too_large = 1;
	}
	else
		resp.error = r->error[0] != '\0' ? r->error :
		    curl_easy_strerror(code);
	curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME, &secs);
	resp.ms = secs * 1000.0;
	resp.body = r->resp != NULL ? r->resp : "";
	resp.len = r->resp_len;
	resp.retry_after = r->retry_after;
	r->cb(&resp, r->arg);
}

static void
httpc_check_done(struct httpc *h)
{
	struct httpc_req	*r;
	CURLMsg			*msg;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		if (r == NULL)
			continue;
		httpc_finish(r, msg->data.result);
		httpc_req_free(r);
	}
}

struct httpc *
httpc_new(struct event_base *base)
{
	struct httpc	*h;

	h = xcalloc(1, sizeof *h);
	h->base = base;
	if ((h->multi = curl_multi_init()) == NULL)
		goto fail;
	if ((h->timer = evtimer_new(base, httpc_timer_cb, h)) == NULL)
		goto fail;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, httpc_socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION,
	    httpc_multi_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	/*
	 * No cap per host: the dispatcher bounds sends, and a cap would queue
	 * the getUpdates poll behind slow sends and stop receiving.
	 */
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 256L);
	return h;
fail:
	log_err("event=httpc.init");
	httpc_free(h);
	return NULL;
}

static void
httpc_free_socks(struct httpc *h)
{
	struct httpc_sock	*hs;

	while ((hs = h->free_socks) != NULL) {
		h->free_socks = hs->next;
		event_free(hs->ev);
		free(hs);
	}
}

void
httpc_free(struct httpc *h)
{
	if (h == NULL)
		return;
	while (h->reqs != NULL)
		httpc_req_free(h->reqs);
	while (h->nspare > 0)
		curl_easy_cleanup(h->spare[--h->nspare]);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	/* After the multi handle: its cleanup may still drop sockets. */
	httpc_free_socks(h);
	if (h->timer != NULL)
		event_free(h->timer);
	free(h);
}

static int
httpc_setup(struct httpc_req *r, const char *url, const struct httpc_opts *o,
    size_t len)
{
	CURL	*e = r->easy;
	char	 ct[128];

	snprintf(ct, sizeof ct, "Content-Type: %s", o->content_type != NULL ?
	    o->content_type : "application/json");
	r->headers = curl_slist_append(NULL, ct);
	/* No "Expect: 100-continue" round trip for larger bodies. */
	r->headers = curl_slist_append(r->headers, "Expect:");
	if (o->authorization != NULL && r->headers != NULL) {
		char	*h = xasprintf("Authorization: %s", o->authorization);

		r->headers = curl_slist_append(r->headers, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	if (r->headers == NULL)
		return -1;
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->error);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpc_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    o->timeout_ms < 10000 ? o->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "asystentd/" ASYSTENT_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	if (o->unix_socket != NULL)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, o->unix_socket);
	if (r->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	return 0;
}

struct httpc_req *
httpc_request(struct httpc *h, const char *url, const char *body, size_t len,
    const struct httpc_opts *o, httpc_cb cb, void *arg)
{
	struct httpc_req	*r;

	r = xcalloc(1, sizeof *r);
	r->h = h;
	r->cb = cb;
	r->arg = arg;
	r->retry_after = -1;
	r->max_response = o->max_response;
	if (body != NULL) {
		r->body = xmalloc(len + 1);
		memcpy(r->body, body, len);
		r->body[len] = '\0';
	}
	r->next = h->reqs;
	if (h->reqs != NULL)
		h->reqs->prev = r;
	h->reqs = r;
	r->easy = h->nspare > 0 ? h->spare[--h->nspare] : curl_easy_init();
	if (r->easy == NULL ||
	    httpc_setup(r, url, o, len) == -1 ||
	    curl_multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		log_err("event=httpc.request_setup");
		httpc_req_free(r);
		return NULL;
	}
	return r;
}

void
httpc_cancel(struct httpc_req *r)
{
	if (r != NULL)
		httpc_req_free(r);
}
