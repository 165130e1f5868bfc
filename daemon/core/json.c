/*
 * json: how the daemon's JSON trees are made, freed and printed, and
 * JSON written without a tree (include/json.h).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pool.h"
#include "xmalloc.h"

/* As opened values are wiped by crypto_free_plain(). */
static void
json_free(void *p)
{
	if (p != NULL)
		explicit_bzero(p, pool_size(p));
	pool_free(p);
}

/* Every tree's blocks but an arena's (json_parse_arena()). */
static cJSON_Hooks	 json_pool_hooks = { pool_alloc, json_free };

void
json_init(void)
{
	cJSON_InitHooks(&json_pool_hooks);
}

/* Blocks handed out from the front of chunks, newest chunk first. */
struct json_chunk {
	struct json_chunk	*next;
	size_t			 used, cap;
	unsigned char		 data[];
};

struct json_arena {
	struct json_chunk	*chunks;
	size_t			 next_cap;	/* of the next chunk made */
};

/* The arena the parse under way takes its blocks from (one thread). */
static struct json_arena	*json_current;

#define JSON_ARENA_ALIGN	16

static void *
json_arena_alloc(size_t n)
{
	struct json_arena	*a = json_current;
	struct json_chunk	*c = a->chunks;
	size_t			 cap;
	void			*p;

	if (n > SIZE_MAX - JSON_ARENA_ALIGN - sizeof *c)
		return NULL;
	n = (n + JSON_ARENA_ALIGN - 1) & ~(size_t)(JSON_ARENA_ALIGN - 1);
	if (c == NULL || c->cap - c->used < n) {
		/* Checked builds: a block each, bounds and all. */
		cap = pool_reuses() ? a->next_cap : n;
		if (cap < n)
			cap = n;
		if ((c = malloc(sizeof *c + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->chunks;
		a->chunks = c;
		if (a->next_cap < SIZE_MAX / 4)
			a->next_cap *= 2;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/* Blocks go with their arena. */
static void
json_arena_keep(void *p)
{
	(void)p;
}

cJSON *
json_parse_arena(const char *s, size_t len, struct json_arena **arena)
{
	cJSON_Hooks	 arena_hooks = { json_arena_alloc, json_arena_keep };
	cJSON		*root;

	*arena = xcalloc(1, sizeof **arena);
	/* About what cJSON makes of a Bot API answer of `len` bytes. */
	(*arena)->next_cap = len < 4096 ? 16384 : len * 4;
	json_current = *arena;
	cJSON_InitHooks(&arena_hooks);
	root = cJSON_ParseWithLength(s, len);
	cJSON_InitHooks(&json_pool_hooks);
	json_current = NULL;
	return root;
}

void
json_arena_free(struct json_arena *a)
{
	struct json_chunk	*c;

	if (a == NULL)
		return;
	while ((c = a->chunks) != NULL) {
		a->chunks = c->next;
		explicit_bzero(c->data, c->used);
		free(c);
	}
	free(a);
}

/*
 * Printed straight into the string returned, not into cJSON's buffer
 * (which grows by copying) and then copied: a buffer that proves too
 * small is wiped and one twice as large tried.
 */
char *
json_print(const cJSON *item)
{
	size_t	 cap = 512;
	char	*buf;

	for (;;) {
		if ((buf = malloc(cap)) == NULL)
			return NULL;
		if (cJSON_PrintPreallocated((cJSON *)item, buf, (int)cap, 0))
			return buf;
		explicit_bzero(buf, cap);
		free(buf);
		if (cap > INT_MAX / 2)
			return NULL;
		cap *= 2;
	}
}

void
jout_init(struct jout *j, size_t hint)
{
	j->len = 0;
	j->first = 1;
	j->failed = 0;
	j->cap = hint < 64 ? 64 : hint;
	if ((j->buf = malloc(j->cap)) == NULL) {
		j->cap = 0;
		j->failed = 1;
	}
}

/* Room for n more bytes and the NUL; the old buffer is wiped. */
static int
jout_room(struct jout *j, size_t n)
{
	size_t	 cap;
	char	*p;

	if (j->failed)
		return -1;
	if (j->cap - j->len > n)
		return 0;
	cap = j->cap;
	while (cap - j->len <= n) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	if ((p = malloc(cap)) == NULL)
		goto fail;
	memcpy(p, j->buf, j->len);
	explicit_bzero(j->buf, j->cap);
	free(j->buf);
	j->buf = p;
	j->cap = cap;
	return 0;
fail:
	jout_free(j);
	j->failed = 1;
	return -1;
}

static void
jout_put(struct jout *j, const char *s, size_t n)
{
	if (jout_room(j, n) == -1)
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void
jout_sep(struct jout *j)
{
	if (!j->first)
		jout_put(j, ",", 1);
	j->first = 0;
}

void
jout_open(struct jout *j, char c)
{
	jout_put(j, &c, 1);
	j->first = 1;
}

void
jout_close(struct jout *j, char c)
{
	jout_put(j, &c, 1);
	j->first = 0;
}

void
jout_item(struct jout *j)
{
	jout_sep(j);
}

void
jout_key(struct jout *j, const char *key)
{
	jout_sep(j);
	jout_str(j, key);
	jout_put(j, ":", 1);
	/* The value that follows needs no comma of its own. */
	j->first = 1;
}

/*
 * As cJSON prints a string: the quote, the backslash and the control
 * characters escaped (the usual five by letter, the rest as \u00xx);
 * everything else, UTF-8 included, as it is.
 */
void
jout_str(struct jout *j, const char *s)
{
	static const char	 from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s, *run;
	const char		*e;
	char			 esc[6] = { '\\', 'u', '0', '0' };

	jout_put(j, "\"", 1);
	for (;;) {
		for (run = p; *p >= 32 && *p != '"' && *p != '\\'; p++)
			;
		if (p > run)
			jout_put(j, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		if ((e = memchr(from, *p, sizeof from - 1)) != NULL) {
			esc[1] = to[e - from];
			jout_put(j, esc, 2);
		} else {
			esc[1] = 'u';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			jout_put(j, esc, 6);
		}
		p++;
	}
	jout_put(j, "\"", 1);
	j->first = 0;
}

void
jout_int(struct jout *j, int64_t v)
{
	char		 tmp[24], *p = tmp + sizeof tmp;
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	jout_put(j, p, (size_t)(tmp + sizeof tmp - p));
	j->first = 0;
}

void
jout_bool(struct jout *j, int v)
{
	if (v)
		jout_put(j, "true", 4);
	else
		jout_put(j, "false", 5);
	j->first = 0;
}

char *
jout_take(struct jout *j)
{
	char	*s;

	if (j->failed || jout_room(j, 0) == -1)
		return NULL;
	j->buf[j->len] = '\0';
	s = j->buf;
	j->buf = NULL;
	j->len = j->cap = 0;
	return s;
}

void
jout_free(struct jout *j)
{
	if (j->buf != NULL) {
		explicit_bzero(j->buf, j->cap);
		free(j->buf);
	}
	j->buf = NULL;
	j->len = j->cap = 0;
}
