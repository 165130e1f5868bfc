/*
 * Broadcasts being sent: slices of recipients queued from a timer (see
 * include/broadcast.h). A recipient who turned announcements off after
 * the draft was made is skipped then, not queued.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "broadcast.h"
#include "broadcasts.h"
#include "channel.h"
#include "clock.h"
#include "crypto.h"
#include "dispatch.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "store.h"
#include "xmalloc.h"

#define BCSEND_IDLE_S	5	/* how often a scheduled one is looked at */
/*
 * Broadcast rows waiting in the outbox at most: about two seconds at
 * Telegram's 30 a second. A short lane keeps the broadcast at the limit
 * while a family's message never waits behind thousands of rows, and a
 * cancel stops all but these.
 */
#define BCSEND_WINDOW	60
#define BCSEND_WAIT_US	250000	/* look again when the window is full */

struct bcsend {
	struct app	*app;
	struct event	*ev;
};

static void	bcsend_cb(evutil_socket_t fd, short what, void *arg);

static void
bcsend_arm_us(struct bcsend *s, long us)
{
	struct timeval	 tv = { us / 1000000, us % 1000000 };

	evtimer_add(s->ev, &tv);
}

static void
bcsend_arm(struct bcsend *s, int seconds)
{
	bcsend_arm_us(s, (long)seconds * 1000000);
}

/* How many more rows the window takes now. */
static int
bcsend_room(struct bcsend *s, size_t *room)
{
	int64_t	 depth[OUTBOX_NPRIOS][OUTBOX_NSTATES];
	int64_t	 backlog;

	if (outbox_depth(s->app->ob, depth) == -1)
		return -1;
	backlog = depth[OUTBOX_PRIO_BROADCAST][OUTBOX_QUEUED] +
	    depth[OUTBOX_PRIO_BROADCAST][OUTBOX_SENDING];
	*room = backlog >= BCSEND_WINDOW ? 0 :
	    (size_t)(BCSEND_WINDOW - backlog);
	if (*room > BCSEND_SLICE)
		*room = BCSEND_SLICE;
	return 0;
}

struct bcsend *
bcsend_new(struct app *app)
{
	struct bcsend	*s;

	s = xcalloc(1, sizeof *s);
	s->app = app;
	if ((s->ev = evtimer_new(app->base, bcsend_cb, s)) == NULL) {
		free(s);
		return NULL;
	}
	bcsend_arm(s, 0);
	return s;
}

void
bcsend_free(struct bcsend *s)
{
	if (s == NULL)
		return;
	event_free(s->ev);
	free(s);
}

void
bcsend_kick(struct bcsend *s)
{
	if (s != NULL)
		bcsend_arm(s, 0);
}

/* One recipient: its row queued, or why not. */
static int
bcsend_one(struct bcsend *s, int64_t id, const struct bc_rcpt *r)
{
	struct app	*a = s->app;
	struct out	 o;
	char		*text = NULL, *sms = NULL, *phone = NULL, lang[4], why[128];
	int64_t		 chat = 0, row = 0;
	int		 on = 1, rc = -1, x;
	const char	*skip = NULL;

	x = people_member_takes_announcements(a->people, r->member_id, &on);
	if (x == PEOPLE_NOT_FOUND) {
		/* Removed since the draft was made. */
		rc = bc_rcpt_done(a->broadcasts, id, r->family_id,
		    BC_R_SKIPPED, "unreachable", 0);
		goto out;
	}
	if (x != PEOPLE_OK || people_member_reach(a->people, r->member_id,
	    &chat, lang) != PEOPLE_OK)
		goto out;
	if (r->channel == CHANNEL_SMS &&
	    people_member_phone(a->people, r->member_id, &phone) != PEOPLE_OK)
		goto out;
	if (bc_text_get(a->broadcasts, id, r->lang, &text, &sms) == -1)
		goto out;
	if (!on)
		skip = "opted_out";
	else if ((r->channel == CHANNEL_SMS && (phone == NULL ||
	    sms == NULL)) || (r->channel == CHANNEL_TELEGRAM && chat == 0) ||
	    text == NULL)
		skip = "unreachable";
	if (skip != NULL) {
		rc = bc_rcpt_done(a->broadcasts, id, r->family_id,
		    BC_R_SKIPPED, skip, 0);
		goto out;
	}
	memset(&o, 0, sizeof o);
	o.kind = OUT_TEXT;
	o.chat_id = chat;
	o.phone = phone;
	o.text = r->channel == CHANNEL_SMS ? sms : text;
	o.prio = OUTBOX_PRIO_BROADCAST;
	o.cause = "broadcast";
	o.cause_id = id;
	o.member_id = r->member_id;
	x = channel_queue(a->ob, a->cfg, (enum channel)r->channel, &o, &row,
	    why, sizeof why);
	if (x == CHANNEL_REFUSED)
		rc = bc_rcpt_done(a->broadcasts, id, r->family_id,
		    BC_R_SKIPPED, "refused", 0);
	else if (x == 0)
		rc = bc_rcpt_done(a->broadcasts, id, r->family_id,
		    BC_R_QUEUED, NULL, row);
out:
	if (phone != NULL)
		crypto_free_plain(phone);
	free(text);
	free(sms);
	return rc;
}

/*
 * One slice of the first broadcast due, in one transaction: 1 when more
 * is left, 2 when the window is full, 0 when nothing is due, -1 on
 * errors (rolled back).
 */
static int
bcsend_slice(struct bcsend *s, int *waiting)
{
	struct app	*a = s->app;
	struct bc_rcpt	*rs = NULL;
	struct bc	 b;
	int64_t		 ids[64], now = clock_now();
	size_t		 nids, i, j, n = 0, room;
	int		 more = 0;

	*waiting = 0;
	if (store_begin(a->st) == -1)
		return -1;
	if (bcsend_room(s, &room) == -1)
		goto fail;
	if (bc_sending(a->broadcasts, ids, 64, &nids) == -1)
		goto fail;
	for (i = 0; i < nids; i++) {
		if (bc_get(a->broadcasts, ids[i], &b) != 0)
			goto fail;
		if (b.send_at > now) {
			*waiting = 1;
			continue;
		}
		if (room == 0) {
			more = 2;
			break;
		}
		rs = xcalloc(room, sizeof *rs);
		if (bc_pending(a->broadcasts, b.id, rs, room, &n) == -1)
			goto fail;
		for (j = 0; j < n; j++)
			if (bcsend_one(s, b.id, &rs[j]) == -1)
				goto fail;
		if (n < room) {
			if (bc_set_state(a->broadcasts, b.id, BC_DONE, now) ==
			    -1)
				goto fail;
			log_info("event=broadcast.queued broadcast_id=%" PRId64
			    " recipients=%" PRId64, b.id, b.n[BC_R_PENDING] +
			    b.n[BC_R_QUEUED]);
		}
		more = 1;
		break;
	}
	if (store_commit(a->st) == -1)
		goto fail;
	free(rs);
	if (n > 0)
		dispatch_kick(a->disp);
	return more;
fail:
	store_rollback(a->st);
	free(rs);
	return -1;
}

static void
bcsend_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bcsend	*s = arg;
	int		 waiting, rc;

	(void)fd;
	(void)what;
	rc = bcsend_slice(s, &waiting);
	if (rc == 1)
		bcsend_arm(s, 0);
	else if (rc == 2)
		bcsend_arm_us(s, BCSEND_WAIT_US);
	else if (rc == -1) {
		log_warn("event=broadcast.slice_failed retry_s=%d",
		    BCSEND_IDLE_S);
		bcsend_arm(s, BCSEND_IDLE_S);
	} else if (waiting)
		bcsend_arm(s, BCSEND_IDLE_S);
}
