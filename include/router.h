/*
 * The router: handles stored inbound rows in order. Each message runs one
 * handler inside a savepoint; a batch commits once. Rows are marked
 * handled in the same transaction as the handler's effects.
 */
#ifndef ASYSTENT_ROUTER_H
#define ASYSTENT_ROUTER_H

struct app;
struct router;

struct router	*router_new(struct app *app);
void		 router_free(struct router *r);
/* New rows were stored: handle them on the next loop turn. */
void		 router_kick(void *router);
/* Handles every pending row now (also at start). */
int		 router_drain(struct router *r)
		    __attribute__((warn_unused_result));

#endif
