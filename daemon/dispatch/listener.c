/* Pausing a listener that cannot accept for want of descriptors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "clock.h"
#include "listener.h"
#include "log.h"
#include "xmalloc.h"

#define LISTENER_PAUSE_MS	1000
#define LISTENER_LOG_MS		60000	/* one warning a minute, at most */
#define LISTENER_MAX		8

struct listener_guard {
	struct evconnlistener	*lev;
	struct event		*resume_ev;
	const char		*name;
	unsigned long		 refused;	/* since the last warning */
	int64_t			 logged_at;	/* ms */
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

static void
listener_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener_guard	*g = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(g->lev);
}

static void
listener_error(struct evconnlistener *lev, void *arg)
{
	struct listener_guard	*g = listener_find(lev);
	struct timeval		 tv = { LISTENER_PAUSE_MS / 1000,
				    (LISTENER_PAUSE_MS % 1000) * 1000 };
	int			 err = EVUTIL_SOCKET_ERROR();
	int64_t			 now = clock_now_ms();

	(void)arg;
	/* A peer that gave up before we took it: nothing to do. */
	if (g == NULL || (err != EMFILE && err != ENFILE &&
	    err != ENOBUFS && err != ENOMEM)) {
		log_debug("event=listener.accept_failed errno=%d", err);
		return;
	}
	g->refused++;
	if (g->logged_at == 0 || now - g->logged_at >= LISTENER_LOG_MS) {
		log_warn("event=listener.paused listener=%s errno=%d "
		    "refused=%lu detail=\"out of descriptors; accepting again "
		    "in %d ms\"", g->name, err, g->refused, LISTENER_PAUSE_MS);
		g->logged_at = now;
		g->refused = 0;
	}
	evconnlistener_disable(lev);
	evtimer_add(g->resume_ev, &tv);
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
	g->lev = lev;
	g->name = name;
	if ((g->resume_ev = evtimer_new(base, listener_resume, g)) == NULL) {
		free(g);
		return NULL;
	}
	guards[i] = g;
	evconnlistener_set_error_cb(lev, listener_error);
	return g;
}

void
listener_guard_free(struct listener_guard *g)
{
	size_t	 i;

	if (g == NULL)
		return;
	for (i = 0; i < LISTENER_MAX; i++)
		if (guards[i] == g)
			guards[i] = NULL;
	event_free(g->resume_ev);
	free(g);
}
