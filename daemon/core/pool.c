/*
 * pool: the event loop's small blocks from free lists kept by size
 * (include/pool.h).
 *
 * Each block has a header of POOL_HDR bytes in front of what the caller
 * gets, holding the size the block was made for: its list's size (a
 * multiple of POOL_STEP) up to POOL_MAX, the size asked (rounded to 16)
 * above it. A freed block up to POOL_MAX goes on the list of its size,
 * linked through its first bytes, unless the lists hold POOL_KEEP bytes
 * already; any other goes back to free().
 */
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_CHECKED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_CHECKED	1
#endif
#endif

#define POOL_HDR	16	/* keeps what callers get aligned as malloc's */
#define POOL_NLISTS	(POOL_MAX / POOL_STEP)

struct pool_block {
	struct pool_block	*next;
};

static struct pool_block	*pool_lists[POOL_NLISTS];
static struct pool_stats	 pool_counts;

#ifndef POOL_CHECKED

size_t
pool_round(size_t n)
{
	if (n == 0)
		n = 1;
	if (n <= POOL_MAX)
		return (n + POOL_STEP - 1) & ~(size_t)(POOL_STEP - 1);
	if (n > SIZE_MAX - 15)
		return n;	/* no block holds it: pool_alloc() refuses */
	return (n + 15) & ~(size_t)15;
}

static size_t *
pool_header(void *p)
{
	return (size_t *)(void *)((unsigned char *)p - POOL_HDR);
}

void *
pool_alloc(size_t n)
{
	struct pool_block	**list, *b;
	size_t			  size;
	unsigned char		 *raw;

	size = pool_round(n);
	if (size <= POOL_MAX) {
		list = &pool_lists[size / POOL_STEP - 1];
		if ((b = *list) != NULL) {
			*list = b->next;
			pool_counts.kept -= size;
			pool_counts.reused++;
			return b;
		}
	} else if (size % 16 != 0 || size > SIZE_MAX - POOL_HDR)
		return NULL;
	if ((raw = malloc(POOL_HDR + size)) == NULL)
		return NULL;
	pool_counts.fresh++;
	*(size_t *)(void *)raw = size;
	return raw + POOL_HDR;
}

void
pool_free(void *p)
{
	struct pool_block	*b = p;
	size_t			 size;

	if (p == NULL)
		return;
	size = *pool_header(p);
	if (size <= POOL_MAX && pool_counts.kept + size <= POOL_KEEP) {
		b->next = pool_lists[size / POOL_STEP - 1];
		pool_lists[size / POOL_STEP - 1] = b;
		pool_counts.kept += size;
		return;
	}
	free(pool_header(p));
}

size_t
pool_size(void *p)
{
	return p != NULL ? *pool_header(p) : 0;
}

void *
pool_resize(void *p, size_t n)
{
	void	*q;
	size_t	 old;

	if (p == NULL)
		return pool_alloc(n);
	old = pool_size(p);
	if (pool_round(n) == old)
		return p;
	if ((q = pool_alloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	pool_free(p);
	return q;
}

#else	/* POOL_CHECKED: the sanitizer sees every block */

size_t
pool_round(size_t n)
{
	return n != 0 ? n : 1;
}

void *
pool_alloc(size_t n)
{
	if (n > PTRDIFF_MAX)
		return NULL;
	pool_counts.fresh++;
	return malloc(n != 0 ? n : 1);
}

void
pool_free(void *p)
{
	free(p);
}

size_t
pool_size(void *p)
{
	return p != NULL ? malloc_usable_size(p) : 0;
}

void *
pool_resize(void *p, size_t n)
{
	return realloc(p, n != 0 ? n : 1);
}

#endif

int
pool_reuses(void)
{
#ifdef POOL_CHECKED
	return 0;
#else
	return 1;
#endif
}

void
pool_trim(void)
{
	struct pool_block	*b;
	size_t			 i;

	for (i = 0; i < POOL_NLISTS; i++)
		while ((b = pool_lists[i]) != NULL) {
			pool_lists[i] = b->next;
			free((unsigned char *)b - POOL_HDR);
		}
	pool_counts.kept = 0;
}

void
pool_stats(struct pool_stats *s)
{
	*s = pool_counts;
}
