/* Erasing a family: its key destroyed, then its rows scrubbed. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "app.h"
#include "broadcasts.h"
#include "clock.h"
#include "erase.h"
#include "history.h"
#include "keystore.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "store.h"
#include "visits.h"

#define ERASE_DAY_S	86400
#define ERASE_FIRST_MS	1500	/* the first retention run, after start */
#define ERASE_RETRY_S	3600
#define ERASE_YEAR_S	(365 * 86400 + 86400 / 4)

static struct {
	struct app	*app;
	struct event	*ev;
	int		 years;
	int64_t		 erased;	/* since start */
} erase_ret;

int
erase_blockers(struct app *app, int64_t family_id, struct erase_blockers *out)
{
	memset(out, 0, sizeof *out);
	if (visits_ahead(app->visits, family_id, clock_now_ms(),
	    &out->visits_ahead) != VISITS_OK ||
	    bc_family_in_flight(app->broadcasts, family_id, out->broadcasts,
	    ERASE_BROADCASTS_MAX, &out->nbroadcasts) == -1)
		return -1;
	return 0;
}

/* The database's part, in the caller's transaction. */
static int
erase_rows(struct app *app, int64_t family_id)
{
	int64_t	 bcs[ERASE_BROADCASTS_MAX], deleted;
	size_t	 n, i;
	int	 rc;

	if ((rc = people_family_erase(app->people, family_id, clock_now())) !=
	    PEOPLE_OK)
		return rc == PEOPLE_CONFLICT ? ERASE_ALREADY : rc ==
		    PEOPLE_NOT_FOUND ? ERASE_NOT_FOUND : ERASE_ERR;
	if (history_erase_family(app->history, family_id) == -1 ||
	    visits_erase_family(app->visits, family_id) != VISITS_OK ||
	    outbox_erase_family(app->ob, family_id, &deleted) == -1)
		return ERASE_ERR;
	/* Forced: the broadcasts being sent pass the family by. */
	do {
		if (bc_family_in_flight(app->broadcasts, family_id, bcs,
		    ERASE_BROADCASTS_MAX, &n) == -1)
			return ERASE_ERR;
		for (i = 0; i < n; i++)
			if (bc_rcpt_done(app->broadcasts, bcs[i], family_id,
			    BC_R_CANCELLED, "erased", 0) == -1)
				return ERASE_ERR;
	} while (n == ERASE_BROADCASTS_MAX);
	log_info("event=family.erase_rows family_id=%" PRId64 " outbox=%"
	    PRId64, family_id, deleted);
	return ERASE_OK;
}

int
erase_family(struct app *app, int64_t family_id,
    int (*audit)(void *arg), void *arg)
{
	int64_t	 at;
	int	 rc;

	if ((rc = people_family_erased(app->people, family_id, &at)) ==
	    PEOPLE_NOT_FOUND)
		return ERASE_NOT_FOUND;
	if (rc != PEOPLE_OK)
		return ERASE_ERR;
	if (at != 0)
		return ERASE_ALREADY;
	/* The key first: from here on no copy of its values opens. */
	if (keystore_destroy(app->keystore, family_id, NULL) == -1)
		return ERASE_ERR;
	if (store_begin(app->st) == -1)
		return ERASE_ERR;
	if ((rc = erase_rows(app, family_id)) != ERASE_OK ||
	    (audit != NULL && audit(arg) != 0)) {
		store_rollback(app->st);
		return rc != ERASE_OK ? rc : ERASE_ERR;
	}
	if (store_commit(app->st) == -1)
		return ERASE_ERR;
	/* The old versions of its pages leave the WAL. */
	if (store_checkpoint(app->st) == -1)
		log_warn("event=family.erase_checkpoint_failed family_id=%"
		    PRId64, family_id);
	log_notice("event=family.erased family_id=%" PRId64, family_id);
	return ERASE_OK;
}

/* ---- the retention of closed families --------------------------------- */

static void
erase_arm(int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	evtimer_add(erase_ret.ev, &tv);
}

static int
erase_count(struct app *app)
{
	int64_t	 n = 0;
	int	 found, rc;

	if (store_begin(app->st) == -1)
		return -1;
	rc = store_meta_get(app->st, "erase.retention", &n, &found) == -1 ||
	    store_meta_set(app->st, "erase.retention", n + 1) == -1 ? -1 : 0;
	if (rc == -1) {
		store_rollback(app->st);
		return -1;
	}
	return store_commit(app->st);
}

/* One family a turn: each erasure syncs two files. */
static void
erase_retention_cb(evutil_socket_t fd, short what, void *arg)
{
	struct app	*app = erase_ret.app;
	int64_t		*ids = NULL, before;
	size_t		 n = 0;
	int		 rc;

	(void)fd;
	(void)what;
	(void)arg;
	before = (int64_t)clock_now() - (int64_t)erase_ret.years *
	    ERASE_YEAR_S;
	if (people_family_closed_before(app->people, before, 1, &ids, &n) !=
	    PEOPLE_OK) {
		log_err("event=retention.families_failed retry_s=%d",
		    ERASE_RETRY_S);
		erase_arm((int64_t)ERASE_RETRY_S * 1000);
		return;
	}
	if (n == 0) {
		erase_arm((int64_t)ERASE_DAY_S * 1000);
		return;
	}
	rc = erase_family(app, ids[0], NULL, NULL);
	if (rc == ERASE_OK && erase_count(app) == 0) {
		erase_ret.erased++;
		log_notice("event=retention.family_erased family_id=%" PRId64
		    " years=%d", ids[0], erase_ret.years);
		erase_arm(0);
	} else {
		log_err("event=retention.erase_failed family_id=%" PRId64
		    " retry_s=%d", ids[0], ERASE_RETRY_S);
		erase_arm((int64_t)ERASE_RETRY_S * 1000);
	}
	free(ids);
}

int
erase_retention_start(struct app *app, int years)
{
	erase_ret.app = app;
	erase_ret.years = years;
	if (years == 0)
		return 0;
	if (erase_ret.ev == NULL && (erase_ret.ev = evtimer_new(app->base,
	    erase_retention_cb, NULL)) == NULL) {
		log_err("event=retention.timer_failed");
		return -1;
	}
	erase_arm(ERASE_FIRST_MS);
	return 0;
}

void
erase_retention_stop(void)
{
	if (erase_ret.ev != NULL) {
		event_free(erase_ret.ev);
		erase_ret.ev = NULL;
	}
}

void
erase_retention_counts(int64_t *since_start, int64_t *total)
{
	int	 found;

	*since_start = erase_ret.erased;
	*total = 0;
	if (erase_ret.app == NULL || store_meta_get(erase_ret.app->st,
	    "erase.retention", total, &found) == -1)
		*total = 0;
}
