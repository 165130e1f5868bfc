/*
 * pool: the event loop's small blocks from free lists kept by size.
 *
 * Relaying one message makes about a hundred and fifty small blocks and
 * frees them again: SQLite's cursors and values (Debian builds SQLite
 * without its lookaside, SQLITE_OMIT_LOOKASIDE) and the nodes of the
 * JSON trees read and written. From glibc each is a malloc() and a
 * free(), and a run of small frees makes the next larger malloc() sort
 * them all (malloc_consolidate()). The pool keeps freed blocks on
 * lists, one per size up to POOL_MAX, and hands them out again; larger
 * blocks, and any that would make the lists hold more than POOL_KEEP
 * bytes, go to malloc() and free().
 *
 * It takes no lock: SQLite is set up for one thread
 * (store_library_init()) and the JSON trees are the loop's. Under the
 * address sanitizer it is malloc() and free() themselves, so that every
 * block is still checked.
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

#define POOL_STEP	32		/* sizes held: multiples of it, */
#define POOL_MAX	(5 * 1024)	/* up to this */
#define POOL_KEEP	(4 * 1024 * 1024)	/* bytes the lists hold at most */

struct pool_stats {
	uint64_t	 reused;	/* blocks handed out from a list */
	uint64_t	 fresh;		/* blocks malloc() made */
	size_t		 kept;		/* bytes on the lists now */
};

/* n bytes (at least one), aligned as malloc()'s; NULL when out of memory. */
void	*pool_alloc(size_t n);

/* A block from pool_alloc() or pool_resize() back; NULL is nothing. */
void	 pool_free(void *p);

/* The bytes the block p can hold (at least what was asked). */
size_t	 pool_size(void *p);

/*
 * p grown or shrunk to n bytes, its content kept; p itself when its
 * size holds n. NULL when out of memory, and p is still allocated.
 */
void	*pool_resize(void *p, size_t n);

/* The size a block for n bytes gets (pool_size() of it). */
size_t	 pool_round(size_t n);

/* 1 when freed blocks are handed out again; 0 under the sanitizer. */
int	 pool_reuses(void);

/* Every block on the lists back to free(). */
void	 pool_trim(void);

/* What it did so far, in this process. */
void	 pool_stats(struct pool_stats *);

#endif
