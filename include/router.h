/*
 * The router: handles stored inbound rows in order. Each message runs one
 * handler, inside a savepoint when it must be undone alone; a batch
 * commits once, the channel's own when it hands over what it stored
 * (router_route()). Rows are marked handled in the same transaction as
 * the handler's effects.
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
 * transaction, from `in` as the channel parsed it (NULL: unusable). Then
 * router_kick() once committed.
 * alone: inside a savepoint of its own, so that a handler that fails
 * undoes only its row, which stays pending. Without it (a savepoint
 * copies every page the row changes, a tenth of the work of a relayed
 * message), a failure leaves the transaction holding part of the row:
 * the caller rolls it back whole and hands the rows over again, alone.
 * The dispatcher's outcomes that came back before the row are written
 * first, in the same transaction (dispatch_record_now()), so that a reply
 * finds the message it answers.
 * Returns ROUTER_HANDLED (handled, or marked unusable), ROUTER_LEFT
 * (pending: an older row waits, or alone, its handler failed) or
 * ROUTER_ABORT (not alone, its handler failed; alone or not, those
 * outcomes could not be written): the caller rolls back.
 */
#define ROUTER_HANDLED	0
#define ROUTER_LEFT	1
#define ROUTER_ABORT	(-1)
int		 router_route(void *router, int64_t row, struct inbound *in,
		    int alone);
/* Handles every pending row now (also at start). */
int		 router_drain(struct router *r)
		    __attribute__((warn_unused_result));

#endif
