/* Unit tests for daemon/dispatch/http1.c: responses in any split, requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http1.h"

#define MAX_BODY	(1024 * 1024)
#define NEXT		"HTTP/1.1 200 OK\r\nContent-Le"	/* the next one */
#define SPLIT_SEEDS	3
#define TG_429		"{\"ok\":false,\"error_code\":429," \
			"\"parameters\":{\"retry_after\":7}}"

/* What one run of the parser ended with; body is a copy. */
struct got {
	enum http1_status	 st;
	long			 status;
	long			 retry_after;
	int			 keep_alive;
	char			*body;
	size_t			 len;
	size_t			 used;	/* taken over all the feeds */
	const char		*error;
};

/* xorshift32: the same "random" splits and mutations on every run. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* The body is as the header promises: NUL-terminated, within max_body. */
static void
check_body(const struct http1_resp *r, enum http1_status st, size_t max)
{
	if (st == HTTP1_DONE || st == HTTP1_TOO_LARGE)
		assert_non_null(r->body);
	if (r->body != NULL) {
		assert_true(r->len <= max);
		assert_int_equal(r->body[r->len], '\0');
	} else
		assert_int_equal(r->len, 0);
	if (st == HTTP1_ERROR || st == HTTP1_TOO_LARGE)
		assert_non_null(r->error);
}

/*
 * Feeds the n bytes at raw to a new parser: whole (mode 0), a byte at a
 * time (mode 1), or in pieces of 0 to 16 bytes drawn from `seed`; then
 * the close, if `eof` and the response is not over.
 */
static void
run(const char *raw, size_t n, size_t max, int mode, uint32_t seed, int eof,
    struct got *g)
{
	struct http1_resp	 r;
	enum http1_status	 st = HTTP1_MORE, again;
	size_t			 off = 0, step, used;

	http1_resp_init(&r, max);
	while (st == HTTP1_MORE && off < n) {
		if (mode == 0)
			step = n - off;
		else if (mode == 1)
			step = 1;
		else
			step = rnd(&seed) % 17;
		if (step > n - off)
			step = n - off;
		st = http1_resp_feed(&r, raw + off, step, &used);
		assert_true(used <= step);
		if (st == HTTP1_MORE)
			assert_int_equal(used, step);
		off += used;
	}
	if (st == HTTP1_MORE && eof)
		st = http1_resp_eof(&r);
	check_body(&r, st, max);
	if (st != HTTP1_MORE) {
		/* Over is over: nothing more is taken, nothing changes. */
		again = http1_resp_feed(&r, "HTTP/1.1 200 OK\r\n", 17, &used);
		assert_int_equal(again, st);
		assert_int_equal(used, 0);
		assert_int_equal(http1_resp_eof(&r), st);
	}
	g->st = st;
	g->status = r.status;
	g->retry_after = r.retry_after;
	g->keep_alive = r.keep_alive;
	g->len = r.len;
	g->body = NULL;
	if (r.body != NULL) {
		g->body = malloc(r.len + 1);
		assert_non_null(g->body);
		memcpy(g->body, r.body, r.len + 1);
	}
	g->used = off;
	g->error = r.error;
	http1_resp_cleanup(&r);
	assert_null(r.body);
}

/* Two runs over the same bytes ended the same way. */
static void
assert_same(const struct got *a, const struct got *b)
{
	assert_int_equal(a->st, b->st);
	assert_int_equal(a->len, b->len);
	if (a->st == HTTP1_ERROR || a->st == HTTP1_TOO_LARGE) {
		assert_string_equal(a->error, b->error);
		return;
	}
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->retry_after, b->retry_after);
	assert_int_equal(a->keep_alive, b->keep_alive);
	assert_int_equal(a->used, b->used);
	if (a->st == HTTP1_DONE)
		assert_memory_equal(a->body, b->body, a->len);
}

/*
 * Parses raw whole, byte by byte and in random splits, checks that each
 * way gives the same result, and returns it in g (free g->body).
 */
static void
parse(const char *raw, size_t n, size_t max, int eof, struct got *g)
{
	struct got	 other;
	int		 k;

	run(raw, n, max, 0, 0, eof, g);
	run(raw, n, max, 1, 0, eof, &other);
	assert_same(g, &other);
	free(other.body);
	for (k = 0; k < SPLIT_SEEDS; k++) {
		run(raw, n, max, 2, 0x9e3779b9u + (uint32_t)k, eof, &other);
		assert_same(g, &other);
		free(other.body);
	}
}

/* The string raw is one response that ends in DONE with this body. */
static void
expect_done(const char *raw, const char *body, struct got *g)
{
	parse(raw, strlen(raw), MAX_BODY, 0, g);
	if (g->st != HTTP1_DONE)
		fail_msg("not DONE (%d): %s", g->st, g->error ? g->error : "");
	assert_int_equal(g->len, strlen(body));
	assert_memory_equal(g->body, body, g->len + 1);
}

/* The string raw, then the close, gives ERROR, saying `why`. */
static void
expect_error(const char *raw, const char *why)
{
	struct got	 g;

	parse(raw, strlen(raw), MAX_BODY, 1, &g);
	if (g.st != HTTP1_ERROR)
		fail_msg("not ERROR (%d) for: %.60s", g.st, raw);
	assert_string_equal(g.error, why);
	free(g.body);
}

static void
test_http1_content_length_body_stops_at_its_end(void **state)
{
	const char	*resp = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 27\r\n"
	    "\r\n"
	    "{\"ok\":true,\"result\":[1,2]}\n";
	char		 raw[512];
	struct got	 g;

	(void)state;
	assert_true(strlen(resp) + strlen(NEXT) < sizeof raw);
	memcpy(raw, resp, strlen(resp));
	memcpy(raw + strlen(resp), NEXT, strlen(NEXT) + 1);
	parse(raw, strlen(raw), MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.status, 200);
	assert_int_equal(g.used, strlen(resp));
	assert_int_equal(g.len, 27);
	assert_string_equal(g.body, "{\"ok\":true,\"result\":[1,2]}\n");
	assert_int_equal(g.keep_alive, 1);
	assert_int_equal(g.retry_after, -1);
	free(g.body);
}

static void
test_http1_big_body_grows_in_any_split(void **state)
{
	char		*raw, *want;
	size_t		 head, n = 100000, k;
	struct got	 g;

	(void)state;
	raw = malloc(n + 128);
	want = malloc(n + 1);
	assert_non_null(raw);
	assert_non_null(want);
	for (k = 0; k < n; k++)
		want[k] = (char)('a' + k % 26);
	want[n] = '\0';
	/* To the close, so the buffer grows rather than being sized once. */
	head = (size_t)snprintf(raw, 128, "HTTP/1.1 200 OK\r\n\r\n");
	memcpy(raw + head, want, n);
	parse(raw, head + n, MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.len, n);
	assert_memory_equal(g.body, want, n + 1);
	free(g.body);
	head = (size_t)snprintf(raw, 128,
	    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
	memcpy(raw + head, want, n);
	parse(raw, head + n, MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.used, head + n);
	assert_memory_equal(g.body, want, n + 1);
	free(g.body);
	free(raw);
	free(want);
}

static void
test_http1_chunked_with_extensions_and_trailers(void **state)
{
	const char	*resp = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "\r\n"
	    "4;name=value\r\nWiki\r\n"
	    "5 ; a=\"b;c\"\r\npedia\r\n"
	    "e\r\n in\r\n\r\nchunks.\r\n"
	    "0A\r\n0123456789\r\n"
	    "0;last\r\n"
	    "Expires: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
	    "X-Checksum: abc\r\n"
	    "\r\n";
	char		 raw[512];
	struct got	 g;

	(void)state;
	memcpy(raw, resp, strlen(resp));
	memcpy(raw + strlen(resp), NEXT, strlen(NEXT) + 1);
	parse(raw, strlen(raw), MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.used, strlen(resp));
	assert_string_equal(g.body, "Wikipedia in\r\n\r\nchunks.0123456789");
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
	/* Only the trailers' blank line ends it: MORE without it. */
	parse(resp, strlen(resp) - 2, MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_MORE);
	free(g.body);
}

static void
test_http1_chunked_wins_over_content_length(void **state)
{
	const char	*big = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Content-Length: 99999999\r\n\r\n1\r\nx\r\n0\r\n\r\n";
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 200 OK\r\n"
	    "Content-Length: 100\r\n"
	    "Transfer-Encoding: gzip, Chunked\r\n"
	    "\r\n"
	    "3\r\nabc\r\n0\r\n\r\n", "abc", &g);
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
	/* And a Content-Length over max_body is not TOO_LARGE then. */
	parse(big, strlen(big), 4, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "x");
	free(g.body);
}

static void
test_http1_chunked_lf_only_and_case(void **state)
{
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 200 OK\n"
	    "TRANSFER-encoding:CHUNKED\n"
	    "\n"
	    "2\nok\n"
	    "0\n"
	    "\n", "ok", &g);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_body_to_close_ends_at_eof(void **state)
{
	const char	*resp = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "hello, world";
	struct got	 g;

	(void)state;
	parse(resp, strlen(resp), MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_MORE);
	assert_int_equal(g.used, strlen(resp));
	free(g.body);
	parse(resp, strlen(resp), MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.used, strlen(resp));
	assert_string_equal(g.body, "hello, world");
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
	/* Empty, and a last coding that is not chunked. */
	resp = "HTTP/1.1 200 OK\r\n\r\n";
	parse(resp, strlen(resp), MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "");
	free(g.body);
	resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n"
	    "\r\n1\r\n";
	parse(resp, strlen(resp), MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "1\r\n");
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
}

static void
test_http1_eof_before_the_end_is_error(void **state)
{
	const char	*why = "closed before the response was complete";

	(void)state;
	expect_error("", why);
	expect_error("HTTP/1.1 200 OK\r\nContent-Len", why);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345", why);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", why);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nabc", why);
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0\r\n", why);
	expect_error("HTTP/1.1 100 Continue\r\n\r\n", why);
}

static void
test_http1_skips_interim_responses(void **state)
{
	struct got	 g;

	(void)state;
	/* The 103's headers must not count for the final response. */
	expect_done("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 102 Processing\r\n\r\n"
	    "HTTP/1.1 103 Early Hints\r\n"
	    "Link: </style.css>; rel=preload\r\n"
	    "Content-Length: 999\r\n"
	    "Retry-After: 5\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", "ok", &g);
	assert_int_equal(g.status, 201);
	assert_int_equal(g.retry_after, -1);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_101_is_error(void **state)
{
	(void)state;
	expect_error("HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n\r\n", "unexpected 101 Switching Protocols");
	expect_error("HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 101 Switching Protocols\r\n\r\n",
	    "unexpected 101 Switching Protocols");
}

static void
test_http1_204_and_304_have_no_body(void **state)
{
	const char	*r204 = "HTTP/1.1 204 No Content\r\n\r\n";
	const char	*r304 = "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 1234\r\n\r\n";
	char		 raw[256];
	struct got	 g;

	(void)state;
	memcpy(raw, r204, strlen(r204));
	memcpy(raw + strlen(r204), NEXT, strlen(NEXT) + 1);
	parse(raw, strlen(raw), MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.status, 204);
	assert_int_equal(g.used, strlen(r204));
	assert_int_equal(g.len, 0);
	assert_string_equal(g.body, "");
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
	memcpy(raw, r304, strlen(r304));
	memcpy(raw + strlen(r304), NEXT, strlen(NEXT) + 1);
	/* Not TOO_LARGE either, though 1234 is over max_body. */
	parse(raw, strlen(raw), 10, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.status, 304);
	assert_int_equal(g.used, strlen(r304));
	assert_int_equal(g.len, 0);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_keep_alive_follows_version_and_connection(void **state)
{
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Content-Length: 1\r\n\r\nx", "x", &g);
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
	expect_done("HTTP/1.1 200 OK\r\nConnection: Upgrade ,CLOSE\r\n"
	    "Content-Length: 1\r\n\r\nx", "x", &g);
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
	expect_done("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", "x", &g);
	assert_int_equal(g.keep_alive, 0);
	free(g.body);
	expect_done("HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\n"
	    "Content-Length: 1\r\n\r\nx", "x", &g);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
	expect_done("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 1\r\n\r\nx", "x", &g);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_retry_after_on_429(void **state)
{
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 429 Too Many Requests\r\n"
	    "Content-Type: application/json\r\n"
	    "Retry-After: 7\r\n"
	    "Content-Length: 60\r\n\r\n" TG_429, TG_429, &g);
	assert_int_equal(g.status, 429);
	assert_int_equal(g.retry_after, 7);
	free(g.body);
	expect_done("HTTP/1.1 429 Too Many Requests\r\n"
	    "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
	    "Content-Length: 2\r\n\r\n{}", "{}", &g);
	assert_int_equal(g.retry_after, -1);
	free(g.body);
	expect_done("HTTP/1.1 429 Too Many Requests\r\n"
	    "Content-Length: 2\r\n\r\n{}", "{}", &g);
	assert_int_equal(g.retry_after, -1);
	free(g.body);
	expect_done("HTTP/1.1 429 Too Many Requests\r\n"
	    "retry-after:  120 \r\nRetry-After: 3\r\n"
	    "Content-Length: 2\r\n\r\n{}", "{}", &g);
	assert_int_equal(g.retry_after, 3);
	free(g.body);
	expect_done("HTTP/1.1 503 Service Unavailable\r\n"
	    "Retry-After: 99999999999999999999999999\r\n"
	    "Content-Length: 0\r\n\r\n", "", &g);
	assert_int_equal(g.retry_after, HTTP1_RETRY_AFTER_MAX);
	free(g.body);
	expect_done("HTTP/1.1 503 Service Unavailable\r\n"
	    "Retry-After: -5\r\n"
	    "Content-Length: 0\r\n\r\n", "", &g);
	assert_int_equal(g.retry_after, -1);
	free(g.body);
}

static void
test_http1_lf_only_line_ends(void **state)
{
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 200 OK\n"
	    "Content-Length: 5\n"
	    "X-Empty:\n"
	    "\n"
	    "a\r\nb\n", "a\r\nb\n", &g);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_status_line_forms(void **state)
{
	struct got	 g;

	(void)state;
	expect_done("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "", &g);
	assert_int_equal(g.status, 200);
	free(g.body);
	expect_done("HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n", "", &g);
	assert_int_equal(g.status, 599);
	free(g.body);
	expect_done("HTTP/1.1 404 Nie znaleziono \xc5\x82 \t!\r\n"
	    "Content-Length: 0\r\n\r\n", "", &g);
	assert_int_equal(g.status, 404);
	free(g.body);
}

static void
test_http1_refuses_bad_status_lines(void **state)
{
	const char	*ver = "not an HTTP/1.0 or HTTP/1.1 status line";
	const char	*code = "malformed status code";

	(void)state;
	expect_error("HTTP/2 200 OK\r\n\r\n", ver);
	expect_error("HTTP/1.2 200 OK\r\n\r\n", ver);
	expect_error("http/1.1 200 OK\r\n\r\n", ver);
	expect_error("ICY 200 OK\r\n\r\n", ver);
	expect_error("\r\nHTTP/1.1 200 OK\r\n\r\n", ver);
	expect_error("HTTP/1.1  200 OK\r\n\r\n", code);
	expect_error("HTTP/1.1 20 OK\r\n\r\n", code);
	expect_error("HTTP/1.1 20\r\n\r\n", code);
	expect_error("HTTP/1.1 2000 OK\r\n\r\n", code);
	expect_error("HTTP/1.1 2x0 OK\r\n\r\n", code);
	expect_error("HTTP/1.1 200OK\r\n\r\n", code);
	expect_error("HTTP/1.1 099 OK\r\n\r\n", "status code out of range");
	expect_error("HTTP/1.1 600 OK\r\n\r\n", "status code out of range");
}

static void
test_http1_refuses_bad_header_lines(void **state)
{
	const char	*bad = "malformed header line";

	(void)state;
	expect_error("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", bad);
	expect_error("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", bad);
	expect_error("HTTP/1.1 200 OK\r\nBad\"Name: x\r\n\r\n", bad);
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\n\r\n",
	    "folded header line");
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\r\n\tcontinued\r\n\r\n",
	    "folded header line");
	expect_error("HTTP/1.1 200 OK\r\nX-A: 1\r2\r\n\r\n",
	    "control character in a response line");
	expect_error("HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
	    "control character in a response line");
}

static void
test_http1_refuses_nul_in_headers(void **state)
{
	const char	 raw[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n";
	struct got	 g;

	(void)state;
	parse(raw, sizeof raw - 1, MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_ERROR);
	assert_string_equal(g.error, "control character in a response line");
	free(g.body);
}

/* A header block of `total` bytes in all, fed in pieces. */
static void
headers_of(size_t total, struct got *g)
{
	const char	*start = "HTTP/1.1 200 OK\r\n";
	const char	*end = "Content-Length: 2\r\n\r\nok";
	char		*raw;
	size_t		 off, line;

	raw = malloc(total + 64);
	assert_non_null(raw);
	off = strlen(start);
	memcpy(raw, start, off);
	/* Pad lines of at most 100 bytes, up to the blank line's place. */
	while (off < total - strlen(end) + 2) {
		line = total - strlen(end) + 2 - off;
		if (line > 100 && line < 108)
			line = 50;	/* no last line under "X-P:\r\n" */
		else if (line > 100)
			line = 100;
		memcpy(raw + off, "X-P:", 4);
		memset(raw + off + 4, 'p', line - 6);
		memcpy(raw + off + line - 2, "\r\n", 2);
		off += line;
	}
	memcpy(raw + off, end, strlen(end));
	off += strlen(end);
	assert_int_equal(off, total + 2);
	parse(raw, off, MAX_BODY, 1, g);
	free(raw);
}

static void
test_http1_header_block_capped_at_32k(void **state)
{
	struct got	 g;

	(void)state;
	headers_of(HTTP1_HEADERS_MAX, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "ok");
	free(g.body);
	headers_of(HTTP1_HEADERS_MAX + 1, &g);
	assert_int_equal(g.st, HTTP1_ERROR);
	assert_string_equal(g.error, "response headers too large");
	free(g.body);
	headers_of(200000, &g);
	assert_int_equal(g.st, HTTP1_ERROR);
	assert_string_equal(g.error, "response headers too large");
	free(g.body);
}

static void
test_http1_one_huge_line_is_refused(void **state)
{
	char		*raw;
	size_t		 n = 100000;
	struct got	 g;

	(void)state;
	raw = malloc(n);
	assert_non_null(raw);
	memcpy(raw, "HTTP/1.1 200 OK\r\nX-Long: ", 25);
	memset(raw + 25, 'a', n - 25);
	parse(raw, n, MAX_BODY, 1, &g);
	assert_int_equal(g.st, HTTP1_ERROR);
	assert_string_equal(g.error, "response headers too large");
	free(g.body);
	free(raw);
}

/*
 * A chunked response whose header block and trailers are `pad` bytes of
 * 100-byte lines each, on top of what they need.
 */
static void
trailers_of(size_t pad, struct got *g)
{
	const char	*mid = "Transfer-Encoding: chunked\r\n\r\n"
	    "1\r\nx\r\n0\r\n";
	char		*raw;
	size_t		 off, k;

	raw = malloc(2 * pad + 256);
	assert_non_null(raw);
	off = (size_t)snprintf(raw, 256, "HTTP/1.1 200 OK\r\n");
	for (k = 0; k < 2 * pad / 100; k++) {
		if (k == pad / 100) {
			memcpy(raw + off, mid, strlen(mid));
			off += strlen(mid);
		}
		memcpy(raw + off, "T:", 2);
		memset(raw + off + 2, 't', 96);
		memcpy(raw + off + 98, "\r\n", 2);
		off += 100;
	}
	memcpy(raw + off, "\r\n", 2);
	off += 2;
	parse(raw, off, MAX_BODY, 1, g);
	free(raw);
}

static void
test_http1_trailers_count_toward_the_cap(void **state)
{
	struct got	 g;

	(void)state;
	/* Under the cap in all: the trailers are skipped. */
	trailers_of(HTTP1_HEADERS_MAX / 2 - 100, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "x");
	free(g.body);
	/* Each half under it, both over it. */
	trailers_of(HTTP1_HEADERS_MAX / 2 + 100, &g);
	assert_int_equal(g.st, HTTP1_ERROR);
	assert_string_equal(g.error, "response headers too large");
	free(g.body);
}

static void
test_http1_refuses_bad_content_length(void **state)
{
	const char	*bad = "bad Content-Length";
	struct got	 g;

	(void)state;
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Content-Length: 3\r\n\r\nok", "conflicting Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",
	    "conflicting Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2,\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\n"
	    "Content-Length: 99999999999999999999999999999\r\n\r\nok", bad);
	expect_error("HTTP/1.1 200 OK\r\n"
	    "Content-Length: 18446744073709551617\r\n\r\nok", bad);
	/* The same value twice, or in a list, is one length. */
	expect_done("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "content-length: 002\r\nContent-Length: 2 , 2\r\n\r\nok", "ok", &g);
	assert_int_equal(g.keep_alive, 1);
	free(g.body);
}

static void
test_http1_refuses_bad_chunks(void **state)
{
	const char	*te = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	const char	*bad = "bad chunk size";
	const char	*crlf = "chunk data not followed by CRLF";
	char		 raw[4096];
	size_t		 off;
	struct got	 g;

	(void)state;
#define CHUNKS(s)	(snprintf(raw, sizeof raw, "%s%s", te, (s)), raw)
	expect_error(CHUNKS("\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS(";ext\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("xyz\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("-3\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("3x\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("0x3\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("3 4\r\nabc\r\n0\r\n\r\n"), bad);
	expect_error(CHUNKS("fffffffffffffffffff\r\nabc\r\n"), bad);
	expect_error(CHUNKS("10000000000000000\r\nabc\r\n"), bad);
	expect_error(CHUNKS("3\r\nabcd\r\n0\r\n\r\n"), crlf);
	expect_error(CHUNKS("3\r\nabc0\r\n\r\n"), crlf);
	expect_error(CHUNKS("3\r\nabc\r\r\n0\r\n\r\n"), crlf);
	expect_error(CHUNKS("3\r\nabc\r0\r\n\r\n"), crlf);
	/* A chunk-size line of exactly the cap passes; one more byte not. */
	off = (size_t)snprintf(raw, sizeof raw, "%s2;", te);
	memset(raw + off, 'e', HTTP1_CHUNK_LINE_MAX - 4);
	off += HTTP1_CHUNK_LINE_MAX - 4;
	memcpy(raw + off, "\r\nok\r\n0\r\n\r\n", 12);
	expect_done(raw, "ok", &g);
	free(g.body);
	off = (size_t)snprintf(raw, sizeof raw, "%s2;", te);
	memset(raw + off, 'e', HTTP1_CHUNK_LINE_MAX - 3);
	off += HTTP1_CHUNK_LINE_MAX - 3;
	memcpy(raw + off, "\r\nok\r\n0\r\n\r\n", 12);
	expect_error(raw, "chunk size line too long");
	off = (size_t)snprintf(raw, sizeof raw, "%s", te);
	memset(raw + off, '0', 2000);
	memcpy(raw + off + 2000, "\r\n\r\n", 5);
	expect_error(raw, "chunk size line too long");
#undef CHUNKS
}

static void
test_http1_too_large_content_length_at_headers_end(void **state)
{
	const char	*resp = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n";
	const char	*ten = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
	    "0123456789";
	const char	*huge = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 4611686018427387903\r\n\r\n";
	struct got	 g;

	(void)state;
	/* No body byte was sent: the length alone is enough. */
	parse(resp, strlen(resp), 10, 0, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	assert_string_equal(g.error, "response too large");
	assert_int_equal(g.len, 0);
	assert_string_equal(g.body, "");
	free(g.body);
	/* Exactly max_body is fine. */
	parse(ten, strlen(ten), 10, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "0123456789");
	free(g.body);
	/* Just under the cap on lengths is still only TOO_LARGE. */
	parse(huge, strlen(huge), MAX_BODY, 0, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	free(g.body);
}

static void
test_http1_too_large_chunked_and_to_close(void **state)
{
	const char	*chunked = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "4\r\nabcd\r\n4\r\nefgh\r\n4\r\nijkl\r\n0\r\n\r\n";
	const char	*toclose = "HTTP/1.1 200 OK\r\n\r\nabcdefghijkl";
	struct got	 g;

	(void)state;
	parse(chunked, strlen(chunked), 10, 1, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	assert_string_equal(g.error, "response too large");
	assert_int_equal(g.len, 10);
	assert_string_equal(g.body, "abcdefghij");
	free(g.body);
	parse(chunked, strlen(chunked), 12, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "abcdefghijkl");
	free(g.body);
	parse(toclose, strlen(toclose), 11, 1, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	assert_int_equal(g.len, 11);
	assert_string_equal(g.body, "abcdefghijk");
	free(g.body);
	parse(toclose, strlen(toclose), 12, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_int_equal(g.len, 12);
	free(g.body);
}

static void
test_http1_max_body_zero(void **state)
{
	const char	*cl = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	const char	*ch = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
	const char	*one = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
	struct got	 g;

	(void)state;
	parse(cl, strlen(cl), 0, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "");
	assert_int_equal(g.used, strlen(cl));
	free(g.body);
	parse(ch, strlen(ch), 0, 0, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	assert_string_equal(g.body, "");
	free(g.body);
	parse(one, strlen(one), 0, 0, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	assert_string_equal(g.body, "");
	free(g.body);
	parse("HTTP/1.1 200 OK\r\n\r\n", 19, 0, 1, &g);
	assert_int_equal(g.st, HTTP1_DONE);
	free(g.body);
	parse("HTTP/1.1 200 OK\r\n\r\nx", 20, 0, 1, &g);
	assert_int_equal(g.st, HTTP1_TOO_LARGE);
	free(g.body);
}

static void
test_http1_over_is_over(void **state)
{
	struct http1_resp	 r;
	const char		*ok = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "\r\nxHTTP/1.1";
	size_t			 used = 99;

	(void)state;
	http1_resp_init(&r, 100);
	assert_int_equal(http1_resp_feed(&r, ok, strlen(ok), &used),
	    HTTP1_DONE);
	assert_int_equal(used, strlen(ok) - 8);
	assert_int_equal(http1_resp_feed(&r, ok, strlen(ok), &used),
	    HTTP1_DONE);
	assert_int_equal(used, 0);
	assert_int_equal(http1_resp_eof(&r), HTTP1_DONE);
	assert_string_equal(r.body, "x");
	http1_resp_cleanup(&r);
	http1_resp_cleanup(&r);

	/* The same struct, init'd again, parses the next one. */
	http1_resp_init(&r, 100);
	assert_int_equal(http1_resp_feed(&r, "HTTP/9", 6, &used),
	    HTTP1_MORE);
	assert_int_equal(http1_resp_feed(&r, "\r\n", 2, &used), HTTP1_ERROR);
	assert_int_equal(http1_resp_feed(&r, ok, strlen(ok), &used),
	    HTTP1_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(http1_resp_feed(&r, NULL, 0, &used), HTTP1_ERROR);
	assert_int_equal(http1_resp_eof(&r), HTTP1_ERROR);
	http1_resp_cleanup(&r);

	http1_resp_init(&r, 100);
	assert_int_equal(http1_resp_feed(&r, NULL, 0, &used), HTTP1_MORE);
	assert_int_equal(used, 0);
	http1_resp_cleanup(&r);
}

/* Builds q and checks the bytes against want (NULL: refused). */
static void
expect_request(const struct http1_req *q, const char *want)
{
	char	*out;
	size_t	 len = 99;

	out = http1_request(q, &len);
	if (want == NULL) {
		assert_null(out);
		assert_int_equal(len, 0);
		return;
	}
	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	assert_int_equal(out[len], '\0');
	free(out);
}

static void
test_http1_request_post_json(void **state)
{
	struct http1_req	 q = {
		.method = "POST",
		.host = "api.telegram.org",
		.target = "/bot123:abc/sendMessage",
		.body = "{\"chat_id\":1,\"text\":\"hi\"}",
		.len = 25,
	};

	(void)state;
	expect_request(&q, "POST /bot123:abc/sendMessage HTTP/1.1\r\n"
	    "Host: api.telegram.org\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 25\r\n"
	    "\r\n"
	    "{\"chat_id\":1,\"text\":\"hi\"}");
	q.content_type = "application/x-www-form-urlencoded";
	q.body = "a=1";
	q.len = 3;
	expect_request(&q, "POST /bot123:abc/sendMessage HTTP/1.1\r\n"
	    "Host: api.telegram.org\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 3\r\n"
	    "\r\n"
	    "a=1");
	/* An empty body is still a body. */
	q.content_type = NULL;
	q.body = "";
	q.len = 0;
	expect_request(&q, "POST /bot123:abc/sendMessage HTTP/1.1\r\n"
	    "Host: api.telegram.org\r\n"
	    "Accept: */*\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n");
}

static void
test_http1_request_get(void **state)
{
	struct http1_req	 q = {
		.method = "GET",
		.host = "127.0.0.1:8081",
		.target = "/bot1:x/getUpdates?timeout=50&offset=7",
		.len = 12,	/* no body: ignored */
	};

	(void)state;
	expect_request(&q, "GET /bot1:x/getUpdates?timeout=50&offset=7 "
	    "HTTP/1.1\r\n"
	    "Host: 127.0.0.1:8081\r\n"
	    "Accept: */*\r\n"
	    "\r\n");
}

static void
test_http1_request_with_authorization_and_user_agent(void **state)
{
	struct http1_req	 q = {
		.method = "POST",
		.host = "sms.example.com",
		.target = "/api/sms.do",
		.authorization = "Bearer t0k3n",
		.user_agent = "asystent/0.1.0",
		.content_type = "application/json; charset=utf-8",
		.body = "{}",
		.len = 2,
	};

	(void)state;
	expect_request(&q, "POST /api/sms.do HTTP/1.1\r\n"
	    "Host: sms.example.com\r\n"
	    "User-Agent: asystent/0.1.0\r\n"
	    "Accept: */*\r\n"
	    "Authorization: Bearer t0k3n\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 2\r\n"
	    "\r\n"
	    "{}");
	q.body = NULL;
	expect_request(&q, "POST /api/sms.do HTTP/1.1\r\n"
	    "Host: sms.example.com\r\n"
	    "User-Agent: asystent/0.1.0\r\n"
	    "Accept: */*\r\n"
	    "Authorization: Bearer t0k3n\r\n"
	    "\r\n");
}

/* A field of a request, and a value that would break the framing. */
struct bad_field {
	size_t		 off;		/* of a const char * in http1_req */
	const char	*value;
};

#define BAD(field, v)	{ offsetof(struct http1_req, field), (v) }

static void
test_http1_request_refuses_what_breaks_framing(void **state)
{
	static const struct bad_field	 bad[] = {
		BAD(target, "/a\r\nX-Evil: 1"), BAD(target, "/a\nb"),
		BAD(target, "/a b"), BAD(target, "a/b"), BAD(target, ""),
		BAD(target, "http://h/"),
		BAD(host, "h\r\nX-Evil: 1"), BAD(host, "h\n"), BAD(host, ""),
		BAD(authorization, "Bearer x\r\nX-Evil: 1"),
		BAD(authorization, "Bearer x\r"),
		BAD(user_agent, "ua\nX-Evil: 1"),
		BAD(content_type, "text/plain\r\nContent-Length: 0"),
		BAD(method, ""), BAD(method, "GET /x HTTP/1.1\r\n"),
		BAD(method, "PO ST"), BAD(method, NULL),
	};
	const struct http1_req	 ok = {
		.method = "POST",
		.host = "h",
		.target = "/",
		.authorization = "Bearer x",
		.user_agent = "ua",
		.content_type = "text/plain",
		.body = "b",
		.len = 1,
	};
	struct http1_req	 q;
	size_t			 i;

	(void)state;
	q = ok;
	expect_request(&q, "POST / HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n"
	    "Accept: */*\r\nAuthorization: Bearer x\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 1\r\n\r\nb");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		q = ok;
		memcpy((char *)&q + bad[i].off, &bad[i].value,
		    sizeof bad[i].value);
		expect_request(&q, NULL);
	}
}

/*
 * Valid responses that reach every state; the mutations start from
 * these.
 */
static const char *const seeds[] = {
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 11\r\n\r\n{\"ok\":true}",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\nRetry-After: 3\r\n\r\n"
	    "4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\n",
	"HTTP/1.0 429 Too Many\nConnection: keep-alive\nRetry-After: 9\n"
	    "Content-Length: 2, 2\n\n{}",
	"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the close",
	"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nTransfer-Encoding: gzip,"
	    " chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
};

/* Bytes a mutation inserts: the ones the grammar turns on, and any. */
static const char	 alphabet[] = "\r\n\t :;,0123456789aAfFgG-/.H\0";

/* Applies one to four random edits to raw[0..*n), at most cap bytes. */
static void
mutate(char *raw, size_t *n, size_t cap, uint32_t *s)
{
	unsigned	 edits = 1 + rnd(s) % 4, e;
	size_t		 at;
	char		 c;

	for (e = 0; e < edits; e++) {
		at = *n > 0 ? rnd(s) % *n : 0;
		c = rnd(s) % 2 ? (char)(rnd(s) & 0xff) :
		    alphabet[rnd(s) % sizeof alphabet];
		switch (rnd(s) % 4) {
		case 0:		/* flip */
			if (*n > 0)
				raw[at] = c;
			break;
		case 1:		/* insert */
			if (*n < cap) {
				memmove(raw + at + 1, raw + at, *n - at);
				raw[at] = c;
				(*n)++;
			}
			break;
		case 2:		/* delete */
			if (*n > 0) {
				memmove(raw + at, raw + at + 1, *n - at - 1);
				(*n)--;
			}
			break;
		default:	/* truncate */
			*n = at;
			break;
		}
	}
}

static void
test_http1_mutations_end_cleanly_in_any_split(void **state)
{
	static const size_t	 maxes[] = { 0, 3, 11, MAX_BODY };
	char			 raw[512];
	size_t			 n, max;
	uint32_t		 s = 20240601;
	struct got		 a, b;
	int			 k, counts[4] = { 0 };

	(void)state;
	for (k = 0; k < 20000; k++) {
		const char	*seed = seeds[rnd(&s) % (sizeof seeds /
				    sizeof seeds[0])];

		n = strlen(seed);
		memcpy(raw, seed, n);
		mutate(raw, &n, sizeof raw, &s);
		max = maxes[rnd(&s) % (sizeof maxes / sizeof maxes[0])];
		run(raw, n, max, 0, 0, 1, &a);
		run(raw, n, max, 2, rnd(&s), 1, &b);
		assert_true(a.st == HTTP1_DONE || a.st == HTTP1_ERROR ||
		    a.st == HTTP1_TOO_LARGE);
		assert_true(a.used <= n);
		if (a.st == HTTP1_DONE && a.status >= 200)
			assert_true(a.status <= 599);
		assert_same(&a, &b);
		counts[a.st]++;
		free(a.body);
		free(b.body);
	}
	/* The mutations reached every outcome, not only errors. */
	assert_true(counts[HTTP1_DONE] > 1000);
	assert_true(counts[HTTP1_ERROR] > 1000);
	assert_true(counts[HTTP1_TOO_LARGE] > 100);
}

#define T(f)	cmocka_unit_test(f)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_http1_content_length_body_stops_at_its_end),
		T(test_http1_big_body_grows_in_any_split),
		T(test_http1_chunked_with_extensions_and_trailers),
		T(test_http1_chunked_wins_over_content_length),
		T(test_http1_chunked_lf_only_and_case),
		T(test_http1_body_to_close_ends_at_eof),
		T(test_http1_eof_before_the_end_is_error),
		T(test_http1_skips_interim_responses),
		T(test_http1_101_is_error),
		T(test_http1_204_and_304_have_no_body),
		T(test_http1_keep_alive_follows_version_and_connection),
		T(test_http1_retry_after_on_429),
		T(test_http1_lf_only_line_ends),
		T(test_http1_status_line_forms),
		T(test_http1_refuses_bad_status_lines),
		T(test_http1_refuses_bad_header_lines),
		T(test_http1_refuses_nul_in_headers),
		T(test_http1_header_block_capped_at_32k),
		T(test_http1_one_huge_line_is_refused),
		T(test_http1_trailers_count_toward_the_cap),
		T(test_http1_refuses_bad_content_length),
		T(test_http1_refuses_bad_chunks),
		T(test_http1_too_large_content_length_at_headers_end),
		T(test_http1_too_large_chunked_and_to_close),
		T(test_http1_max_body_zero),
		T(test_http1_over_is_over),
		T(test_http1_request_post_json),
		T(test_http1_request_get),
		T(test_http1_request_with_authorization_and_user_agent),
		T(test_http1_request_refuses_what_breaks_framing),
		T(test_http1_mutations_end_cleanly_in_any_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
