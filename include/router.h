/*
 * The router: handles stored inbound rows in order. Each message runs one
 * handler inside a savepoint; a batch commits once, the channel's own
 * when it hands over what it stored (router_route()). Rows are marked
 * handled in the same transaction as the handler's effects.
 */
#ifndef ASYSTENT_ROUTER_H
#define ASYSTENT_ROUTER_H

#include <stdint.h>

struct app;
struct inbound;
struct router;

struct router	*router_new(struct app *app);
void		 router_free(struct router *r);
/* New rows were stored: handle them on the next loop turn. */
void		 router_kick(void *router);
/*
 * Handles the row `row` a channel has just stored, inside the channel's
 * transaction, from `in` as the channel parsed it (NULL: unusable): 0
 * handled, 1 left pending as an older row waits, -1 failed (its savepoint
 * rolled back, left pending). Then router_kick() once committed.
 */
int		 router_route(void *router, int64_t row, struct inbound *in);
/* Handles every pending row now (also at start). */
int		 router_drain(struct router *r)
		    __attribute__((warn_unused_result));

#endif
