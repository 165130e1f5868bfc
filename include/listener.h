/*
 * Keeping a listening socket sane when the process runs out of file
 * descriptors: accept() then fails at once, again and again, while the
 * socket stays readable; left alone the loop spins and the log fills.
 * A guarded listener pauses accepting for a second instead, says so once
 * per episode, and tries again.
 */
#ifndef ASYSTENT_LISTENER_H
#define ASYSTENT_LISTENER_H

struct event_base;
struct evconnlistener;
struct listener_guard;

/* Guards `lev` (owned by the caller); `name` ("sms", "admin") for logs. */
struct listener_guard *listener_guard_new(struct event_base *base,
	    struct evconnlistener *lev, const char *name);
/* Takes NULL; call before the listener itself is freed. */
void	listener_guard_free(struct listener_guard *g);

#endif
