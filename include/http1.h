/*
 * HTTP/1.1 on the wire, without I/O: a response parser fed what was
 * received, in pieces of any size, and a request builder. httpc runs its
 * own exchanges with them over kept-alive connections that libcurl only
 * connects. Responses come from servers we do not control (Bot API, SMS
 * gateways): every length is capped, and malformed input gives
 * HTTP1_ERROR, never a read past what was fed or unbounded memory.
 */
#ifndef ASYSTENT_HTTP1_H
#define ASYSTENT_HTTP1_H

#include <stddef.h>

/* Status line and headers of one response (trailers included), bytes. */
#define HTTP1_HEADERS_MAX	32768
/* A chunk-size line, its extensions and line end included, bytes. */
#define HTTP1_CHUNK_LINE_MAX	1024
/* Retry-After values above this many seconds are cut to it. */
#define HTTP1_RETRY_AFTER_MAX	(86400L * 365)

enum http1_status {
	HTTP1_MORE,		/* a whole response is not there yet */
	HTTP1_DONE,		/* a whole response: its fields are set */
	HTTP1_ERROR,		/* malformed: `error` says why */
	HTTP1_TOO_LARGE		/* the body is over max_body */
};

/*
 * One response being parsed. The fields above the private part are for
 * the caller to read once http1_resp_feed() or http1_resp_eof() returned
 * HTTP1_DONE (status, retry_after and keep_alive are those of the final
 * response; interim 1xx responses are skipped). At HTTP1_ERROR and
 * HTTP1_TOO_LARGE the connection cannot carry another request.
 */
struct http1_resp {
	long		 status;	/* 200..599, or 100..599 as parsed */
	long		 retry_after;	/* Retry-After, s; -1 none/a date */
	int		 keep_alive;	/* may carry another request */
	/*
	 * The body, owned by the struct, freed by http1_resp_cleanup();
	 * take it by setting body to NULL. NUL-terminated whenever it is
	 * not NULL; never NULL at HTTP1_DONE or HTTP1_TOO_LARGE, where it
	 * holds the first max_body bytes. len <= max_body always.
	 */
	char		*body;
	size_t		 len;
	const char	*error;		/* static text at ERROR, TOO_LARGE */

	/* Private: the parser's state, for http1.c only. */
	int		 state;
	int		 minor;		/* HTTP/1.x */
	int		 has_clen;
	int		 te_seen;	/* a Transfer-Encoding header */
	int		 te_chunked;	/* ... whose last coding is chunked */
	int		 conn_close;	/* Connection: close */
	int		 conn_keep;	/* Connection: keep-alive */
	size_t		 max_body;
	size_t		 clen;		/* Content-Length */
	size_t		 left;		/* of the body or the chunk */
	size_t		 cap;		/* bytes allocated at body */
	size_t		 hdr_bytes;	/* of this response's header block */
	char		*line;		/* the line being gathered */
	size_t		 line_len;
	size_t		 line_cap;
};

/*
 * Ready to parse one response whose body may hold at most max_body bytes
 * (0 is allowed: empty bodies only). The struct holds nothing to free
 * before this.
 */
void	http1_resp_init(struct http1_resp *r, size_t max_body);

/*
 * Feeds the n bytes at buf, read only during the call. Sets *used to how
 * many were taken: at HTTP1_DONE the response ended there, and the rest
 * belongs to what follows it; at HTTP1_MORE all n were taken; at
 * HTTP1_ERROR and HTTP1_TOO_LARGE it only says where parsing stopped.
 * Once DONE, ERROR or TOO_LARGE, further feeds return the same status
 * and take nothing.
 */
enum http1_status http1_resp_feed(struct http1_resp *r, const char *buf,
		    size_t n, size_t *used) __attribute__((warn_unused_result));

/*
 * The peer closed the connection. HTTP1_DONE when the body runs to the
 * close (no Content-Length, not chunked); a response already over stays
 * as it was; else HTTP1_ERROR ("closed before the response was
 * complete").
 */
enum http1_status http1_resp_eof(struct http1_resp *r)
		    __attribute__((warn_unused_result));

/* Frees the body and the parser's buffers; init may follow. */
void	http1_resp_cleanup(struct http1_resp *r);

/*
 * A request. The strings are read only during http1_request(). For a
 * non-NULL body, Content-Type (content_type, or application/json when it
 * is NULL) and Content-Length are sent; no Expect header, ever.
 */
struct http1_req {
	const char	*method;	/* "GET", "POST" */
	const char	*host;		/* "api.telegram.org", "h:8081" */
	const char	*target;	/* "/bot123:abc/sendMessage?x=1" */
	const char	*content_type;	/* NULL: application/json */
	const char	*authorization;	/* whole value, or NULL */
	const char	*user_agent;	/* or NULL */
	const char	*body;		/* NULL: no body (GET) */
	size_t		 len;
};

/*
 * The request's bytes in a new buffer (free() it), with *len set; a NUL
 * follows them, not counted. HTTP/1.1, so the connection stays open with
 * no Connection header. Header order: request line, Host, User-Agent,
 * Accept (any type), Authorization, Content-Type, Content-Length, a
 * blank line, the body. NULL (and *len 0) when a field
 * would break the framing: a method that is empty or not a token, a
 * target that does not start with '/' or holds a space or control
 * character, an empty host, or a control character other than a tab (CR
 * and LF among them) in host, content_type, authorization or user_agent.
 */
char	*http1_request(const struct http1_req *q, size_t *len)
	    __attribute__((warn_unused_result));

#endif
