/*
 * Pausing a listener that cannot accept for want of descriptors; the
 * deadline and the caps of an evhttp server's connections.
 */
/* struct ucred (SO_PEERCRED) is a GNU extension in glibc's headers. */
#define _GNU_SOURCE
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "clock.h"
#include "listener.h"
#include "log.h"
#include "xmalloc.h"

#define LISTENER_PAUSE_MS	1000
#define LISTENER_LOG_MS		60000	/* one warning a minute, at most */
#define LISTENER_MAX		8
#define LISTENER_KEY_MAX	64

/* A warning that repeats says so at most once a minute, with a count. */
struct listener_note {
	unsigned long		 n;		/* since last logged */
	int64_t			 logged_at;	/* ms */
};

/*
 * One connection of a limited server. Until the loop's next turn it is
 * only its bufferevent (evhttp gives the socket to it after asking us
 * for it); then it is sorted: its peer known, its deadline set.
 */
struct lconn {
	struct listener_guard		*g;
	struct bufferevent		*bev;	/* held while pending */
	struct evhttp_connection	*evcon;	/* NULL while pending */
	struct event			*deadline_ev;
	int				 waiting; /* past its share, unread */
	char				 key[LISTENER_KEY_MAX];
	TAILQ_ENTRY(lconn)		 entry;
};
TAILQ_HEAD(lconn_list, lconn);

struct listener_guard {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct event		*resume_ev;
	const char		*name;
	struct listener_note	 paused;

	/* Set by listener_guard_limit(). */
	struct evhttp		*http;
	struct listener_limits	 lim;
	struct event		*sort_ev;
	struct lconn_list	 conns;
	int			 nconns;
	int			 full;	/* not accepting: at the cap */
	struct listener_note	 refused; /* peers over their share */
	struct listener_note	 queued;	/* waiting for their share */
	struct listener_note	 cut;		/* at the deadline */
	struct listener_note	 filled;	/* reached max_conns */
};

/*
 * libevent hands the error callback the listener's own argument, which
 * belongs to evhttp: the guards are found by listener instead.
 */
static struct listener_guard	*guards[LISTENER_MAX];

static struct listener_guard *
listener_find(const struct evconnlistener *lev)
{
	size_t	 i;

	for (i = 0; i < LISTENER_MAX; i++)
		if (guards[i] != NULL && guards[i]->lev == lev)
			return guards[i];
	return NULL;
}

/*
 * One more of what the note counts: how many since it was last logged
 * when a warning is due now (the count starts again), else 0.
 */
static unsigned long
listener_note_take(struct listener_note *note)
{
	int64_t		 now = clock_now_ms();
	unsigned long	 n = ++note->n;

	if (note->logged_at != 0 && now - note->logged_at < LISTENER_LOG_MS)
		return 0;
	note->logged_at = now;
	note->n = 0;
	return n;
}

static void
listener_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener_guard	*g = arg;

	(void)fd;
	(void)what;
	if (!g->full && g->lev != NULL)
		evconnlistener_enable(g->lev);
}

static void
listener_error(struct evconnlistener *lev, void *arg)
{
	struct listener_guard	*g = listener_find(lev);
	struct timeval		 tv = { LISTENER_PAUSE_MS / 1000,
				    (LISTENER_PAUSE_MS % 1000) * 1000 };
	int			 err = EVUTIL_SOCKET_ERROR();
	unsigned long		 n;

	(void)arg;
	/* A peer that gave up before we took it: nothing to do. */
	if (g == NULL || (err != EMFILE && err != ENFILE &&
	    err != ENOBUFS && err != ENOMEM)) {
		log_debug("event=listener.accept_failed errno=%d", err);
		return;
	}
	if ((n = listener_note_take(&g->paused)) > 0)
		log_warn("event=listener.paused listener=%s errno=%d "
		    "refused=%lu detail=\"out of descriptors; accepting again "
		    "in %d ms\"", g->name, err, n, LISTENER_PAUSE_MS);
	evconnlistener_disable(lev);
	evtimer_add(g->resume_ev, &tv);
}

/* ---- limited connections --------------------------------------------- */

/* The oldest connection of `key` waiting for its share is read now. */
static void
listener_release(struct listener_guard *g, const char *key)
{
	struct lconn	*c;

	TAILQ_FOREACH(c, &g->conns, entry)
		if (c->waiting && strcmp(c->key, key) == 0)
			break;
	if (c == NULL)
		return;
	c->waiting = 0;
	if (bufferevent_enable(evhttp_connection_get_bufferevent(c->evcon),
	    EV_READ) == -1) {
		log_warn("event=listener.release_failed listener=%s", g->name);
		/* listener_closed() frees c */
		evhttp_connection_free(c->evcon);
	}
}

static void
listener_conn_free(struct lconn *c)
{
	struct listener_guard	*g = c->g;
	char			 key[LISTENER_KEY_MAX];
	int			 served = c->evcon != NULL && !c->waiting;

	TAILQ_REMOVE(&g->conns, c, entry);
	g->nconns--;
	snprintf(key, sizeof key, "%s", c->key);
	if (c->deadline_ev != NULL)
		event_free(c->deadline_ev);
	if (c->bev != NULL)
		bufferevent_decref(c->bev);
	free(c);
	/* Its place in its peer's share goes to the next one waiting. */
	if (served)
		listener_release(g, key);
	/* Below the cap again; an out-of-descriptors pause ends by itself. */
	if (g->full && (g->lim.max_conns == 0 ||
	    g->nconns < g->lim.max_conns)) {
		g->full = 0;
		if (g->lev != NULL && !evtimer_pending(g->resume_ev, NULL))
			evconnlistener_enable(g->lev);
	}
}

/* evhttp frees the connection (answered, failed, or cut by us). */
static void
listener_closed(struct evhttp_connection *evcon, void *arg)
{
	struct lconn	*c = arg;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	listener_conn_free(c);
}

static void
listener_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct lconn		*c = arg;
	struct listener_guard	*g = c->g;
	unsigned long		 n;

	(void)fd;
	(void)what;
	if ((n = listener_note_take(&g->cut)) > 0)
		log_warn("event=listener.deadline listener=%s cut=%lu "
		    "detail=\"connections open past %d s closed\"", g->name,
		    n, g->lim.deadline_s);
	/* Our handlers answer before they return: evhttp owns every request. */
	evhttp_connection_free(c->evcon);	/* listener_closed() frees c */
}

/* Who is at the other end, as a key to count by; -1 if unknown. */
static int
listener_peer_key(struct lconn *c, char *key, size_t len)
{
	struct ucred	 uc;
	socklen_t	 uclen = sizeof uc;
	char		*addr = NULL;
	ev_uint16_t	 port = 0;

	if (c->g->lim.peer == LISTENER_PEER_UID) {
		if (getsockopt(bufferevent_getfd(c->bev), SOL_SOCKET,
		    SO_PEERCRED, &uc, &uclen) == -1)
			return -1;
		snprintf(key, len, "uid:%lu", (unsigned long)uc.uid);
		return 0;
	}
	evhttp_connection_get_peer(c->evcon, &addr, &port);
	if (addr == NULL)
		return -1;
	snprintf(key, len, "%s", addr);
	return 0;
}

/* The peer's connections being served, the one being sorted too. */
static int
listener_peer_count(const struct listener_guard *g, const char *key)
{
	const struct lconn	*c;
	int			 n = 0;

	TAILQ_FOREACH(c, &g->conns, entry)
		if (c->evcon != NULL && !c->waiting &&
		    strcmp(c->key, key) == 0)
			n++;
	return n;
}

/* A new connection past its peer's share waits, unread, for its turn. */
static int
listener_wait(struct lconn *c)
{
	struct listener_guard	*g = c->g;
	unsigned long		 n;

	/* Nothing is read yet: the read was only asked for. */
	if (bufferevent_disable(c->bev, EV_READ) == -1)
		return -1;
	c->waiting = 1;
	if ((n = listener_note_take(&g->queued)) > 0)
		log_notice("event=listener.peer_waiting listener=%s "
		    "waited=%lu detail=\"a peer past its %d connections "
		    "waits its turn\"", g->name, n, g->lim.max_per_peer);
	return 0;
}

/*
 * One new connection gets its deadline. One past its peer's share is
 * closed unanswered, or, where peers wait their turn, left unread until
 * one of the peer's own is gone.
 */
static void
listener_sort_one(struct lconn *c)
{
	struct listener_guard		*g = c->g;
	struct evhttp_connection	*evcon;
	struct timeval			 tv = { g->lim.deadline_s, 0 };
	void				*cbarg = NULL;
	int				 over = 0;
	unsigned long			 n;

	/*
	 * evhttp makes a bufferevent's argument its connection; a
	 * bufferevent it has freed already has none.
	 */
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	if ((evcon = cbarg) == NULL) {
		listener_conn_free(c);
		return;
	}
	c->evcon = evcon;
	if (listener_peer_key(c, c->key, sizeof c->key) == -1)
		over = 1;	/* unknown: no share to give it */
	else if (g->lim.max_per_peer > 0 &&
	    listener_peer_count(g, c->key) > g->lim.max_per_peer)
		over = !g->lim.wait_over_share || listener_wait(c) == -1;
	if (over) {
		if ((n = listener_note_take(&g->refused)) > 0)
			log_warn("event=listener.peer_refused listener=%s "
			    "refused=%lu detail=\"a peer over its %d "
			    "connections\"", g->name, n, g->lim.max_per_peer);
		c->evcon = NULL;	/* never served: it frees no place */
		listener_conn_free(c);
		evhttp_connection_free(evcon);
		return;
	}
	bufferevent_decref(c->bev);
	c->bev = NULL;
	evhttp_connection_set_closecb(evcon, listener_closed, c);
	if (g->lim.deadline_s > 0 && ((c->deadline_ev = evtimer_new(g->base,
	    listener_deadline, c)) == NULL || evtimer_add(c->deadline_ev,
	    &tv) == -1)) {
		log_warn("event=listener.no_deadline listener=%s", g->name);
		/* listener_closed() frees c */
		evhttp_connection_free(evcon);
	}
}

/* Runs after the accept that made them: the sockets are in place. */
static void
listener_sort(evutil_socket_t fd, short what, void *arg)
{
	struct listener_guard	*g = arg;
	struct lconn		*c, *next;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&g->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->evcon == NULL)
			listener_sort_one(c);
	}
}

/*
 * evhttp asks for each accepted connection's bufferevent before it sets
 * the socket: the one evhttp would make, held until it is sorted.
 */
static struct bufferevent *
listener_new_bev(struct event_base *base, void *arg)
{
	struct listener_guard	*g = arg;
	struct bufferevent	*bev;
	struct lconn		*c;
	unsigned long		 n;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_incref(bev);
	c = xcalloc(1, sizeof *c);
	c->g = g;
	c->bev = bev;
	TAILQ_INSERT_TAIL(&g->conns, c, entry);
	g->nconns++;
	event_active(g->sort_ev, EV_TIMEOUT, 0);
	if (g->lim.max_conns > 0 && g->nconns >= g->lim.max_conns &&
	    !g->full) {
		/* The rest wait in the kernel's backlog. */
		g->full = 1;
		if (g->lev != NULL)
			evconnlistener_disable(g->lev);
		if ((n = listener_note_take(&g->filled)) > 0)
			log_notice("event=listener.full listener=%s conns=%d "
			    "times=%lu", g->name, g->nconns, n);
	}
	return bev;
}

void
listener_guard_limit(struct listener_guard *g, struct evhttp *http,
    const struct listener_limits *lim)
{
	if (g == NULL)
		return;
	if ((g->sort_ev = event_new(g->base, -1, 0, listener_sort, g)) ==
	    NULL) {
		log_warn("event=listener.unlimited listener=%s", g->name);
		return;
	}
	g->http = http;
	g->lim = *lim;
	evhttp_set_bevcb(http, listener_new_bev, g);
}

struct listener_guard *
listener_guard_new(struct event_base *base, struct evconnlistener *lev,
    const char *name)
{
	struct listener_guard	*g;
	size_t			 i;

	for (i = 0; i < LISTENER_MAX && guards[i] != NULL; i++)
		;
	if (i == LISTENER_MAX)
		return NULL;
	g = xcalloc(1, sizeof *g);
	g->base = base;
	g->lev = lev;
	g->name = name;
	TAILQ_INIT(&g->conns);
	if ((g->resume_ev = evtimer_new(base, listener_resume, g)) == NULL) {
		free(g);
		return NULL;
	}
	guards[i] = g;
	evconnlistener_set_error_cb(lev, listener_error);
	return g;
}

void
listener_guard_stop(struct listener_guard *g)
{
	size_t	 i;

	if (g == NULL || g->lev == NULL)
		return;
	for (i = 0; i < LISTENER_MAX; i++)
		if (guards[i] == g)
			guards[i] = NULL;
	evtimer_del(g->resume_ev);
	g->lev = NULL;
}

int
listener_guard_conns(const struct listener_guard *g)
{
	return g != NULL ? g->nconns : 0;
}

void
listener_guard_free(struct listener_guard *g)
{
	struct lconn	*c;
	size_t		 i;

	if (g == NULL)
		return;
	for (i = 0; i < LISTENER_MAX; i++)
		if (guards[i] == g)
			guards[i] = NULL;
	/* The connections stay with evhttp, which must not call us again. */
	if (g->http != NULL)
		evhttp_set_bevcb(g->http, NULL, NULL);
	while ((c = TAILQ_FIRST(&g->conns)) != NULL) {
		if (c->evcon != NULL && c->bev == NULL)
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		g->full = 0;
		listener_conn_free(c);
	}
	if (g->sort_ev != NULL)
		event_free(g->sort_ev);
	event_free(g->resume_ev);
	free(g);
}
