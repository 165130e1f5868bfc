/* HTTP/1.1 responses parsed as they arrive, and requests written; no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "xmalloc.h"

/*
 * Where the parser is. Lines (status, headers, chunk sizes, trailers)
 * are gathered whole in r->line, so a line split across feeds is parsed
 * as if it came at once; body bytes go straight to r->body.
 */
enum {
	H1_STATUS,		/* the status line */
	H1_HEADER,		/* header lines, up to the blank one */
	H1_BODY_LEN,		/* r->left bytes of Content-Length body */
	H1_BODY_CLOSE,		/* body up to the close */
	H1_CHUNK_SIZE,		/* a chunk-size line */
	H1_CHUNK_DATA,		/* r->left bytes of chunk data */
	H1_CHUNK_CR,		/* the CRLF after chunk data */
	H1_CHUNK_LF,
	H1_TRAILER,		/* trailer lines, up to the blank one */
	H1_DONE,
	H1_ERROR,
	H1_TOO_LARGE
};

/* Lengths past this are refused: the sums below cannot overflow. */
#define H1_LEN_MAX	(SIZE_MAX / 2)
#define H1_BODY_MIN	4096	/* first body allocation, bytes */
#define H1_LINE_MIN	256	/* first line allocation, bytes */
/* More than any request line and header block we build, with room. */
#define H1_REQ_PARTS	24

static int
h1_is_over(const struct http1_resp *r)
{
	return r->state == H1_DONE || r->state == H1_ERROR ||
	    r->state == H1_TOO_LARGE;
}

static enum http1_status
h1_status(const struct http1_resp *r)
{
	switch (r->state) {
	case H1_DONE:
		return HTTP1_DONE;
	case H1_ERROR:
		return HTTP1_ERROR;
	case H1_TOO_LARGE:
		return HTTP1_TOO_LARGE;
	default:
		return HTTP1_MORE;
	}
}

/* The ASCII letters folded; the locale must not change what we match. */
static int
h1_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Whether the n bytes at s are `lit` (lower case), letters folded. */
static int
h1_is(const char *s, size_t n, const char *lit)
{
	size_t	 i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (h1_lower((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

static int
h1_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
h1_is_space(int c)
{
	return c == ' ' || c == '\t';
}

/* A token's character (RFC 9110 tchar): header names, methods. */
static int
h1_is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    h1_is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
h1_hex(int c)
{
	if (h1_is_digit(c))
		return c - '0';
	c = h1_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * The decimal number in the n bytes at s: 0 with it in *out, 1 when it is
 * over max (*out is then max), -1 when s is empty or not all digits.
 */
static int
h1_dec(const char *s, size_t n, size_t max, size_t *out)
{
	size_t	 i, v = 0;
	int	 over = 0;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (!h1_is_digit((unsigned char)s[i]))
			return -1;
		if (over)
			continue;
		if (v > (max - (size_t)(s[i] - '0')) / 10)
			over = 1;
		else
			v = v * 10 + (size_t)(s[i] - '0');
	}
	*out = over ? max : v;
	return over;
}

/* Drops spaces and tabs at both ends of the n bytes at *s. */
static void
h1_trim(const char **s, size_t *n)
{
	while (*n > 0 && h1_is_space((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && h1_is_space((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/*
 * The next element of the comma list in the n bytes at v, from *pos on,
 * trimmed, maybe empty. 0 once the list is over; "" is one empty element.
 */
static int
h1_list_next(const char *v, size_t n, size_t *pos, const char **item,
    size_t *ilen)
{
	size_t	 a = *pos, b;

	if (a > n)
		return 0;
	for (b = a; b < n && v[b] != ','; b++)
		continue;
	*pos = b + 1;
	*item = v + a;
	*ilen = b - a;
	h1_trim(item, ilen);
	return 1;
}

static void
h1_line_free(struct http1_resp *r)
{
	free(r->line);
	r->line = NULL;
	r->line_len = r->line_cap = 0;
}

static void
h1_fail(struct http1_resp *r, const char *why)
{
	r->state = H1_ERROR;
	r->error = why;
	h1_line_free(r);
}

/*
 * Room at r->body for `more` bytes and the NUL after them; the caller
 * keeps r->len + more <= max_body, so the buffer never passes max_body+1.
 */
static void
h1_body_reserve(struct http1_resp *r, size_t more)
{
	size_t	 need = r->len + more + 1, cap;

	if (need <= r->cap)
		return;
	if (more == 0)
		cap = need;
	else {
		cap = r->cap < H1_BODY_MIN ? H1_BODY_MIN : r->cap;
		while (cap < need)
			cap *= 2;
		if (cap > r->max_body + 1)
			cap = r->max_body + 1;
	}
	r->body = xrealloc(r->body, cap);
	r->cap = cap;
	r->body[r->len] = '\0';
}

static void
h1_too_large(struct http1_resp *r)
{
	h1_body_reserve(r, 0);
	r->state = H1_TOO_LARGE;
	r->error = "response too large";
	h1_line_free(r);
}

static void
h1_done(struct http1_resp *r)
{
	h1_body_reserve(r, 0);
	r->state = H1_DONE;
	h1_line_free(r);
}

/* Appends n body bytes; past max_body keeps what fits: TOO_LARGE, -1. */
static int
h1_body_append(struct http1_resp *r, const char *p, size_t n)
{
	size_t	 take = r->max_body - r->len;

	if (take > n)
		take = n;
	h1_body_reserve(r, take);
	memcpy(r->body + r->len, p, take);
	r->len += take;
	r->body[r->len] = '\0';
	if (take < n) {
		h1_too_large(r);
		return -1;
	}
	return 0;
}

/*
 * Adds buf[*i..n) up to and including the next LF to r->line, which may
 * then hold at most `limit` bytes. 1: a whole line is there, 0: it goes
 * on in the next feed, -1: it is over the limit.
 */
static int
h1_line_take(struct http1_resp *r, const char *buf, size_t n, size_t *i,
    size_t limit)
{
	const char	*lf;
	size_t		 take = n - *i, cap;

	if ((lf = memchr(buf + *i, '\n', take)) != NULL)
		take = (size_t)(lf - (buf + *i)) + 1;
	if (take > limit - r->line_len)
		return -1;
	if (r->line_len + take > r->line_cap) {
		cap = r->line_cap < H1_LINE_MIN ? H1_LINE_MIN : r->line_cap;
		while (cap < r->line_len + take)
			cap *= 2;
		r->line = xrealloc(r->line, cap);
		r->line_cap = cap;
	}
	memcpy(r->line + r->line_len, buf + *i, take);
	r->line_len += take;
	*i += take;
	return lf != NULL;
}

/*
 * The whole line in r->line without its LF or CRLF, in *s and *n; r->line
 * is then free for the next line. A NUL, or a CR anywhere else, could make
 * another parser on the path read the bytes differently: -1, ERROR.
 */
static int
h1_line_get(struct http1_resp *r, const char **s, size_t *n)
{
	size_t	 len = r->line_len - 1;

	if (len > 0 && r->line[len - 1] == '\r')
		len--;
	r->line_len = 0;
	if (memchr(r->line, '\0', len) != NULL ||
	    memchr(r->line, '\r', len) != NULL) {
		h1_fail(r, "control character in a response line");
		return -1;
	}
	*s = r->line;
	*n = len;
	return 0;
}

/* "HTTP/1.x NNN reason": the version, then exactly three digits. */
static void
h1_status_line(struct http1_resp *r, const char *s, size_t n)
{
	long	 code;

	if (n < 9 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ') {
		h1_fail(r, "not an HTTP/1.0 or HTTP/1.1 status line");
		return;
	}
	if (n < 12 || !h1_is_digit((unsigned char)s[9]) ||
	    !h1_is_digit((unsigned char)s[10]) ||
	    !h1_is_digit((unsigned char)s[11]) || (n > 12 && s[12] != ' ')) {
		h1_fail(r, "malformed status code");
		return;
	}
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (code < 100 || code > 599) {
		h1_fail(r, "status code out of range");
		return;
	}
	if (code == 101) {
		h1_fail(r, "unexpected 101 Switching Protocols");
		return;
	}
	/* What an interim response said does not carry over. */
	r->status = code;
	r->minor = s[7] - '0';
	r->retry_after = -1;
	r->keep_alive = 0;
	r->has_clen = r->te_seen = r->te_chunked = 0;
	r->conn_close = r->conn_keep = 0;
	r->clen = 0;
	r->state = H1_HEADER;
}

/*
 * Content-Length, maybe a list or repeated: every value the same, or the
 * body's end is anyone's guess.
 */
static void
h1_content_length(struct http1_resp *r, const char *v, size_t n)
{
	const char	*item;
	size_t		 ilen, pos = 0, len;

	while (h1_list_next(v, n, &pos, &item, &ilen)) {
		if (h1_dec(item, ilen, H1_LEN_MAX, &len) != 0) {
			h1_fail(r, "bad Content-Length");
			return;
		}
		if (r->has_clen && len != r->clen) {
			h1_fail(r, "conflicting Content-Length");
			return;
		}
		r->has_clen = 1;
		r->clen = len;
	}
}

/* Codings apply in order: only a last "chunked" frames the body. */
static void
h1_transfer_encoding(struct http1_resp *r, const char *v, size_t n)
{
	const char	*item;
	size_t		 ilen, pos = 0;

	r->te_seen = 1;
	while (h1_list_next(v, n, &pos, &item, &ilen))
		if (ilen > 0)
			r->te_chunked = h1_is(item, ilen, "chunked");
}

static void
h1_connection(struct http1_resp *r, const char *v, size_t n)
{
	const char	*item;
	size_t		 ilen, pos = 0;

	while (h1_list_next(v, n, &pos, &item, &ilen)) {
		if (h1_is(item, ilen, "close"))
			r->conn_close = 1;
		else if (h1_is(item, ilen, "keep-alive"))
			r->conn_keep = 1;
	}
}

/* Seconds; an HTTP-date (or anything else) counts as none. */
static void
h1_retry_after(struct http1_resp *r, const char *v, size_t n)
{
	size_t	 secs;

	if (h1_dec(v, n, HTTP1_RETRY_AFTER_MAX, &secs) == -1)
		r->retry_after = -1;
	else
		r->retry_after = (long)secs;
}

/* "name: value"; no space before the colon, no folded lines. */
static void
h1_header_line(struct http1_resp *r, const char *s, size_t n)
{
	const char	*v;
	size_t		 k = 0, vlen;

	if (h1_is_space((unsigned char)s[0])) {
		h1_fail(r, "folded header line");
		return;
	}
	while (k < n && h1_is_tchar((unsigned char)s[k]))
		k++;
	if (k == 0 || k == n || s[k] != ':') {
		h1_fail(r, "malformed header line");
		return;
	}
	v = s + k + 1;
	vlen = n - k - 1;
	h1_trim(&v, &vlen);
	if (h1_is(s, k, "content-length"))
		h1_content_length(r, v, vlen);
	else if (h1_is(s, k, "transfer-encoding"))
		h1_transfer_encoding(r, v, vlen);
	else if (h1_is(s, k, "connection"))
		h1_connection(r, v, vlen);
	else if (h1_is(s, k, "retry-after"))
		h1_retry_after(r, v, vlen);
}

/* The blank line: how the body is framed, if there is one. */
static void
h1_headers_end(struct http1_resp *r)
{
	if (r->status < 200) {
		r->hdr_bytes = 0;
		r->state = H1_STATUS;
		return;
	}
	if (r->minor == 1)
		r->keep_alive = !r->conn_close;
	else
		r->keep_alive = r->conn_keep && !r->conn_close;
	/* Both framings: whoever sent it may not agree on where it ends. */
	if (r->te_seen && r->has_clen)
		r->keep_alive = 0;
	if (r->status == 204 || r->status == 304)
		h1_done(r);
	else if (r->te_chunked)
		r->state = H1_CHUNK_SIZE;
	else if (r->te_seen || !r->has_clen) {
		r->keep_alive = 0;
		r->state = H1_BODY_CLOSE;
	} else if (r->clen > r->max_body)
		h1_too_large(r);
	else if (r->clen == 0)
		h1_done(r);
	else {
		r->body = xmalloc(r->clen + 1);
		r->cap = r->clen + 1;
		r->body[0] = '\0';
		r->left = r->clen;
		r->state = H1_BODY_LEN;
	}
}

/* A line of the header block: status, header, or trailer. */
static void
h1_step_head(struct http1_resp *r, const char *buf, size_t n, size_t *i)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	rc = h1_line_take(r, buf, n, i, HTTP1_HEADERS_MAX - r->hdr_bytes);
	if (rc == -1)
		h1_fail(r, "response headers too large");
	if (rc != 1)
		return;
	r->hdr_bytes += r->line_len;
	if (h1_line_get(r, &s, &len) == -1)
		return;
	if (r->state == H1_STATUS)
		h1_status_line(r, s, len);
	else if (len == 0 && r->state == H1_TRAILER)
		h1_done(r);
	else if (len == 0)
		h1_headers_end(r);
	else if (r->state == H1_HEADER)
		h1_header_line(r, s, len);
}

/* Hex digits, optional spaces, then nothing or ";extensions" (ignored). */
static void
h1_chunk_size(struct http1_resp *r, const char *s, size_t n)
{
	size_t	 k, size = 0;
	int	 d;

	for (k = 0; k < n && (d = h1_hex((unsigned char)s[k])) != -1; k++) {
		if (size > H1_LEN_MAX >> 4) {
			h1_fail(r, "bad chunk size");
			return;
		}
		size = size << 4 | (size_t)d;
	}
	if (k == 0) {
		h1_fail(r, "bad chunk size");
		return;
	}
	while (k < n && h1_is_space((unsigned char)s[k]))
		k++;
	if (k < n && s[k] != ';') {
		h1_fail(r, "bad chunk size");
		return;
	}
	if (size == 0)
		r->state = H1_TRAILER;
	else {
		r->left = size;
		r->state = H1_CHUNK_DATA;
	}
}

static void
h1_step_chunk_line(struct http1_resp *r, const char *buf, size_t n,
    size_t *i)
{
	const char	*s;
	size_t		 len;
	int		 rc;

	rc = h1_line_take(r, buf, n, i, HTTP1_CHUNK_LINE_MAX);
	if (rc == -1)
		h1_fail(r, "chunk size line too long");
	if (rc != 1)
		return;
	if (h1_line_get(r, &s, &len) == -1)
		return;
	h1_chunk_size(r, s, len);
}

/* Content-Length body or chunk data: r->left more bytes. */
static void
h1_step_data(struct http1_resp *r, const char *buf, size_t n, size_t *i)
{
	size_t	 take = n - *i;

	if (take > r->left)
		take = r->left;
	if (h1_body_append(r, buf + *i, take) == -1)
		return;
	*i += take;
	r->left -= take;
	if (r->left > 0)
		return;
	if (r->state == H1_BODY_LEN)
		h1_done(r);
	else
		r->state = H1_CHUNK_CR;
}

/* The line end after chunk data: CRLF, or a bare LF. */
static void
h1_step_chunk_end(struct http1_resp *r, const char *buf, size_t *i)
{
	char	 c = buf[*i];

	if (r->state == H1_CHUNK_CR && c == '\r') {
		r->state = H1_CHUNK_LF;
		(*i)++;
	} else if (c == '\n') {
		r->state = H1_CHUNK_SIZE;
		(*i)++;
	} else
		h1_fail(r, "chunk data not followed by CRLF");
}

static void
h1_step(struct http1_resp *r, const char *buf, size_t n, size_t *i)
{
	switch (r->state) {
	case H1_STATUS:
	case H1_HEADER:
	case H1_TRAILER:
		h1_step_head(r, buf, n, i);
		break;
	case H1_CHUNK_SIZE:
		h1_step_chunk_line(r, buf, n, i);
		break;
	case H1_BODY_LEN:
	case H1_CHUNK_DATA:
		h1_step_data(r, buf, n, i);
		break;
	case H1_CHUNK_CR:
	case H1_CHUNK_LF:
		h1_step_chunk_end(r, buf, i);
		break;
	case H1_BODY_CLOSE:
		if (h1_body_append(r, buf + *i, n - *i) == 0)
			*i = n;
		break;
	}
}

void
http1_resp_init(struct http1_resp *r, size_t max_body)
{
	memset(r, 0, sizeof *r);
	r->body = NULL;
	r->line = NULL;
	r->error = NULL;
	r->retry_after = -1;
	r->max_body = max_body > H1_LEN_MAX ? H1_LEN_MAX : max_body;
	r->state = H1_STATUS;
}

enum http1_status
http1_resp_feed(struct http1_resp *r, const char *buf, size_t n,
    size_t *used)
{
	size_t	 i = 0;

	*used = 0;
	if (h1_is_over(r))
		return h1_status(r);
	while (i < n && !h1_is_over(r))
		h1_step(r, buf, n, &i);
	*used = i;
	return h1_status(r);
}

enum http1_status
http1_resp_eof(struct http1_resp *r)
{
	if (r->state == H1_BODY_CLOSE)
		h1_done(r);
	else if (!h1_is_over(r))
		h1_fail(r, "closed before the response was complete");
	return h1_status(r);
}

void
http1_resp_cleanup(struct http1_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
	h1_line_free(r);
}

/* Whether s is non-empty and made of token characters only. */
static int
h1_is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!h1_is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* A field value we may send: no control character but a tab. */
static int
h1_is_value(const char *s)
{
	unsigned char	 c;

	if (s == NULL)
		return 1;
	for (; (c = (unsigned char)*s) != '\0'; s++)
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	return 1;
}

/* An origin-form target: '/', then no space or control character. */
static int
h1_is_target(const char *s)
{
	unsigned char	 c;

	if (*s != '/')
		return 0;
	for (; (c = (unsigned char)*s) != '\0'; s++)
		if (c <= 0x20 || c == 0x7f)
			return 0;
	return 1;
}

static int
h1_req_is_valid(const struct http1_req *q)
{
	if (q->method == NULL || q->host == NULL || q->target == NULL)
		return 0;
	return h1_is_token(q->method) && h1_is_target(q->target) &&
	    q->host[0] != '\0' && h1_is_value(q->host) &&
	    h1_is_value(q->content_type) && h1_is_value(q->authorization) &&
	    h1_is_value(q->user_agent);
}

/* Lists the strings that make up the request's head, in order. */
static size_t
h1_req_parts(const struct http1_req *q, const char *clen,
    const char *part[H1_REQ_PARTS])
{
	size_t	 np = 0;

	part[np++] = q->method;
	part[np++] = " ";
	part[np++] = q->target;
	part[np++] = " HTTP/1.1\r\nHost: ";
	part[np++] = q->host;
	part[np++] = "\r\n";
	if (q->user_agent != NULL) {
		part[np++] = "User-Agent: ";
		part[np++] = q->user_agent;
		part[np++] = "\r\n";
	}
	part[np++] = "Accept: */*\r\n";
	if (q->authorization != NULL) {
		part[np++] = "Authorization: ";
		part[np++] = q->authorization;
		part[np++] = "\r\n";
	}
	if (q->body != NULL) {
		part[np++] = "Content-Type: ";
		part[np++] = q->content_type != NULL ? q->content_type :
		    "application/json";
		part[np++] = "\r\nContent-Length: ";
		part[np++] = clen;
		part[np++] = "\r\n";
	}
	part[np++] = "\r\n";
	return np;
}

char *
http1_request(const struct http1_req *q, size_t *len)
{
	const char	*part[H1_REQ_PARTS];
	char		 clen[32], *p;
	char		*out = NULL;
	size_t		 np, k, head = 0, blen, off = 0, plen[H1_REQ_PARTS], n;

	*len = 0;
	if (!h1_req_is_valid(q))
		goto out;
	blen = q->body != NULL ? q->len : 0;
	/* The length in decimal, without printf (one request a message). */
	p = clen + sizeof clen;
	*--p = '\0';
	n = blen;
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	np = h1_req_parts(q, p, part);
	for (k = 0; k < np; k++)
		head += plen[k] = strlen(part[k]);
	if (blen > SIZE_MAX - 1 - head)
		goto out;
	out = xmalloc(head + blen + 1);
	for (k = 0; k < np; k++) {
		memcpy(out + off, part[k], plen[k]);
		off += plen[k];
	}
	if (blen > 0)
		memcpy(out + off, q->body, blen);
	out[head + blen] = '\0';
	*len = head + blen;
out:
	return out;
}
