/*
 * HTTP client on the libevent loop. libcurl makes the connections (its
 * multi_socket interface on the loop: resolving, proxies, TLS verified);
 * the HTTP/1.1 exchanges on them are our own (http1.h), one at a time,
 * and connections are kept for the next request to the same origin.
 * Every request has a timeout and a response cap. URLs are never logged:
 * they may hold the bot token.
 */
#ifndef ASYSTENT_HTTPC_H
#define ASYSTENT_HTTPC_H

#include <stddef.h>

struct event_base;
struct httpc;
struct httpc_req;

struct httpc_response {
	long		 status;	/* HTTP status; 0 on transport error */
	int		 curl_code;	/* CURLE_OK on a completed exchange */
	const char	*error;		/* transport error text, or NULL */
	int		 too_large;	/* over max_response: cut, abandoned */
	const char	*body;		/* NUL-terminated; valid during cb */
	size_t		 len;
	long		 retry_after;	/* Retry-After header, s; -1 none */
	double		 ms;		/* total time */
};

/* Called once per request, on the loop, unless it was cancelled. */
typedef void	(*httpc_cb)(const struct httpc_response *resp, void *arg);

struct httpc_opts {
	const char	*content_type;	/* NULL: application/json */
	const char	*unix_socket;	/* connect to this socket, or NULL */
	const char	*authorization;	/* "Bearer ..." header, or NULL */
	const char	*cainfo;	/* CA certificates (PEM file) that
					   verify the server; NULL: the
					   system's */
	long		 timeout_ms;
	size_t		 max_response;	/* bytes; larger bodies fail */
};

struct httpc	*httpc_new(struct event_base *base);
/*
 * Cancels what is in flight (no callbacks) and frees. Takes NULL. Never
 * from one of its callbacks.
 */
void		 httpc_free(struct httpc *h);

/*
 * Starts a POST of `body` (copied) to `url`, or a GET when body is NULL.
 * Returns a handle valid until the callback runs or httpc_cancel().
 */
struct httpc_req *httpc_request(struct httpc *h, const char *url,
		    const char *body, size_t len, const struct httpc_opts *o,
		    httpc_cb cb, void *arg);
/* The callback will not be called. */
void		 httpc_cancel(struct httpc_req *r);

#endif
