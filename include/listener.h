/*
 * Keeping a listening socket sane when the process runs out of file
 * descriptors: accept() then fails at once, again and again, while the
 * socket stays readable; left alone the loop spins and the log fills.
 * A guarded listener pauses accepting for a second instead, says so once
 * per episode, and tries again.
 *
 * A guard may also limit an evhttp server's connections: each one gets
 * an overall deadline from its accept (evhttp's own timeout restarts
 * with every byte, so one byte a second would hold a connection open
 * forever), the listener stops accepting while it holds its maximum (the
 * kernel's backlog queues the rest), and a peer (an address, or a uid on
 * a Unix socket) past its share is closed at once, or, on a listener
 * whose peers may not be cut off (a gateway delivering messages it will
 * not send again), waits its turn unread.
 */
#ifndef ASYSTENT_LISTENER_H
#define ASYSTENT_LISTENER_H

struct event_base;
struct evconnlistener;
struct evhttp;
struct listener_guard;

enum listener_peer {
	LISTENER_PEER_ADDRESS,	/* TCP: the peer's address */
	LISTENER_PEER_UID	/* Unix socket: the peer's uid (SO_PEERCRED) */
};

struct listener_limits {
	int			 deadline_s;	/* in all; 0: none */
	int			 max_conns;	/* at once; 0: no cap */
	int			 max_per_peer;	/* 0: no cap */
	enum listener_peer	 peer;
	/*
	 * 0: a connection past its peer's share is closed unanswered.
	 * 1: it is held unread, in order, until one of the peer's own is
	 * gone; it still counts towards max_conns and keeps its deadline.
	 */
	int			 wait_over_share;
};

/* Guards `lev` (owned by the caller); `name` ("sms", "admin") for logs. */
struct listener_guard *listener_guard_new(struct event_base *base,
	    struct evconnlistener *lev, const char *name);
/*
 * Limits the connections of `http`, whose only listener is the guard's.
 * Its request handlers must answer before they return: a connection may
 * be freed at its deadline, from the loop, whatever it is doing. Call
 * once, before the first connection; `lim` is copied.
 */
void	listener_guard_limit(struct listener_guard *g, struct evhttp *http,
	    const struct listener_limits *lim);
/*
 * The listener is about to be freed: no more are accepted, while the
 * connections already taken keep their limits and are still counted.
 * Takes NULL.
 */
void	listener_guard_stop(struct listener_guard *g);
/* Connections taken and not yet closed; 0 for NULL. */
int	listener_guard_conns(const struct listener_guard *g);
/*
 * Takes NULL; call before the listener itself is freed (or after
 * listener_guard_stop()). The connections it limited stay with evhttp,
 * without a deadline.
 */
void	listener_guard_free(struct listener_guard *g);

#endif
