/*
 * Sending broadcasts: the recipients of the broadcasts being sent are
 * queued in slices from a timer, each slice one transaction that queues
 * the outbox rows and marks the recipients, so a broadcast of thousands
 * never holds the loop, resumes after a crash where it stopped and
 * queues no family twice. The broadcast lane is kept short (a window of
 * rows waiting to be sent), so conversations do not wait behind it.
 * Scheduled broadcasts wait for their time.
 */
#ifndef ASYSTENT_BROADCAST_H
#define ASYSTENT_BROADCAST_H

struct app;
struct bcsend;

#define BCSEND_SLICE	200	/* recipients queued per loop turn, at most */

/* Looks for work at once (a broadcast left half-sent by a crash). */
struct bcsend	*bcsend_new(struct app *app);
void		 bcsend_free(struct bcsend *s);
/* Something changed (a send, a cancel): look again on the next turn. */
void		 bcsend_kick(struct bcsend *s);

#endif
