/*
 * libFuzzer harness for the HTTP/1.1 response parser (dispatch/http1.c):
 * what a Bot API server or an SMS gateway answers, or anything on the
 * wire in its place. The first two bytes pick the body cap and how the
 * rest is cut into feeds (as reads from a socket would); the rest is the
 * response, fed piece by piece, then the connection's end. The outcome
 * must not depend on the cuts, the body must stay within its cap and be
 * NUL-terminated, and `used` must never pass what was fed; never a crash,
 * a leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t	fuzz_caps[] = { 0, 1, 7, 64, 4096, 1 << 20 };

/* Feeds data in pieces of `step` bytes (0: at once), then the end. */
static enum http1_status
fuzz_run(struct http1_resp *r, const char *data, size_t size, size_t step)
{
	enum http1_status	 st = HTTP1_MORE;
	size_t			 off = 0, n, used;

	while (off < size && st == HTTP1_MORE) {
		n = step == 0 || size - off < step ? size - off : step;
		st = http1_resp_feed(r, data + off, n, &used);
		if (used > n)
			abort();
		if (st == HTTP1_MORE && used != n)
			abort();
		off += used;
	}
	if (st == HTTP1_MORE)
		st = http1_resp_eof(r);
	if (r->len > r->max_body)
		abort();
	if (r->body != NULL && r->body[r->len] != '\0')
		abort();
	if ((st == HTTP1_DONE || st == HTTP1_TOO_LARGE) && r->body == NULL)
		abort();
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_resp	 a, b;
	enum http1_status	 sa, sb;
	size_t			 cap, step;

	if (size < 2)
		return 0;
	cap = fuzz_caps[data[0] % (sizeof fuzz_caps / sizeof fuzz_caps[0])];
	step = data[1] % 17;
	data += 2;
	size -= 2;
	http1_resp_init(&a, cap);
	http1_resp_init(&b, cap);
	sa = fuzz_run(&a, (const char *)data, size, 0);
	sb = fuzz_run(&b, (const char *)data, size, step);
	if (sa != sb || a.len != b.len || (sa == HTTP1_DONE &&
	    (a.status != b.status || a.keep_alive != b.keep_alive ||
	    a.retry_after != b.retry_after ||
	    memcmp(a.body, b.body, a.len) != 0)))
		abort();
	http1_resp_cleanup(&a);
	http1_resp_cleanup(&b);
	return 0;
}
