/* The dispatcher: claims due outbox rows within limits, records outcomes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <sodium.h>

#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dispatch.h"
#include "log.h"
#include "outbox.h"
#include "ratelimit.h"
#include "store.h"
#include "xmalloc.h"

#define DISPATCH_BATCH		64	/* rows looked at per turn */
/*
 * Outcomes wait this long to be written together with the next claims:
 * one transaction for many sends instead of two per send.
 */
#define DISPATCH_FLUSH_US	2000
/*
 * Under load, outcomes are committed without waiting for the disk and
 * put on it at least this often (store_begin_unsynced()).
 */
#define DISPATCH_SYNC_MS	1000
/* Outcomes the store refused are tried again, doubling up to this. */
#define DISPATCH_RECORD_RETRY_MS	250
#define DISPATCH_RECORD_RETRY_MAX_MS	10000
/*
 * In the meta table: 1 while a dispatcher runs, 0 once it stopped with
 * nothing in flight. Still 1 at start: the last one died with sends out.
 */
#define DISPATCH_META_RUNNING	"dispatch_running"
/* How often stale receipts are looked for. */
#define DISPATCH_EXPIRE_MS	10000

struct dispatch_job {
	struct dispatch		*d;
	struct outbox_row	 row;
	struct send_result	 res;
	int64_t			 started;	/* monotonic ms */
	int64_t			 started_us;	/* clock_mono_us() */
	int			 done;
	enum dispatch_result	 result;	/* dispatch_record()'s */
	struct dispatch_job	*next;		/* done list */
};

struct dispatch_sender {
	dispatch_send_fn	 fn;
	void			*arg;
};

struct dispatch {
	struct event_base	*base;
	struct store		*st;
	struct outbox		*ob;
	const struct config	*cfg;
	struct ratelimit	*rl[3];		/* per channel */
	struct event		*kick_ev, *timer_ev, *flush_ev, *sync_ev;
	int64_t			 timer_at;	/* monotonic ms, 0: unarmed */
	struct dispatch_sender	 senders[3];
	struct dispatch_clock	 clock;
	dispatch_gate_fn	 gate;
	dispatch_outcome_fn	 outcome;
	void			*hook_arg;
	struct dispatch_job	*done_head, **done_tail;
	int			 ndone;
	int			 recording;	/* done jobs written in an open
						   transaction (dispatch_record_now) */
	struct dispatch_stats	 stats;
	int			 stopping;
	int64_t			 unrecorded_at;	/* mono ms; 0: all recorded */
	int64_t			 record_retry_ms;
	int64_t			 auth_until[DISPATCH_NCHANNELS]; /* mono ms */
	int64_t			 expired_at;	/* mono ms, receipts */
	int64_t			 synced_at;	/* mono ms, last sync; 0: none */
	int			 started;	/* the meta mark is set */
};

static const char *const dispatch_result_names[DISPATCH_NRESULTS] = {
	"sent", "retried", "failed", "rate_limited", "unreachable"
};

static void	dispatch_run(struct dispatch *d);
static void	dispatch_sync_arm(struct dispatch *d);
static int	dispatch_record_all(struct dispatch *d);
static void	dispatch_free_done(struct dispatch *d);
static void	dispatch_outcomes_lost(struct dispatch *d);
static void	dispatch_outcomes_held(struct dispatch *d);
static void	dispatch_outcomes_recorded(struct dispatch *d);
static void	dispatch_free_params(char **params, int k);

static int64_t
dispatch_real_mono(void *arg)
{
	(void)arg;
	return ratelimit_now();
}

static int64_t
dispatch_real_wall(void *arg)
{
	(void)arg;
	return store_now_ms();
}

static const struct dispatch_clock dispatch_real_clock = {
	.mono_ms = dispatch_real_mono,
	.wall_ms = dispatch_real_wall,
	.arg = NULL,
};

static int64_t
dispatch_mono(const struct dispatch *d)
{
	return d->clock.mono_ms(d->clock.arg);
}

static int64_t
dispatch_wall(const struct dispatch *d)
{
	return d->clock.wall_ms(d->clock.arg);
}

static void
dispatch_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dispatch_run(arg);
}

static void
dispatch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch	*d = arg;

	(void)fd;
	(void)what;
	d->timer_at = 0;
	dispatch_run(d);
}

static void
dispatch_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch	*d = arg;

	(void)fd;
	(void)what;
	dispatch_run(d);
}

/* What the passes wrote without waiting for the disk goes there now. */
static void
dispatch_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch	*d = arg;

	(void)fd;
	(void)what;
	switch (store_sync(d->st)) {
	case 0:
		d->synced_at = dispatch_mono(d);
		return;
	case -1:
		log_warn("event=dispatch.sync_failed retry_ms=%d",
		    DISPATCH_SYNC_MS);
		break;
	}
	dispatch_sync_arm(d);
}

static void
dispatch_sync_arm(struct dispatch *d)
{
	struct timeval	 tv = { DISPATCH_SYNC_MS / 1000,
			    (DISPATCH_SYNC_MS % 1000) * 1000 };

	evtimer_add(d->sync_ev, &tv);
}

struct dispatch *
dispatch_new(struct event_base *base, struct store *st, struct outbox *ob,
    const struct config *cfg)
{
	struct dispatch	*d;

	d = xcalloc(1, sizeof *d);
	d->base = base;
	d->st = st;
	d->ob = ob;
	d->cfg = cfg;
	d->done_tail = &d->done_head;
	d->clock = dispatch_real_clock;
	/* Each channel has its own limits; an SMS gateway has no chats. */
	d->rl[CHANNEL_SMS] = ratelimit_new(cfg->sms_per_second, 0, 0);
	d->rl[CHANNEL_TELEGRAM] = ratelimit_new(cfg->global_per_second,
	    cfg->per_chat_per_second,
	    cfg->per_group_per_minute);
	d->kick_ev = event_new(base, -1, 0, dispatch_kick_cb, d);
	d->timer_ev = evtimer_new(base, dispatch_timer_cb, d);
	d->flush_ev = evtimer_new(base, dispatch_flush_cb, d);
	d->sync_ev = evtimer_new(base, dispatch_sync_cb, d);
	if (d->kick_ev == NULL || d->timer_ev == NULL || d->flush_ev == NULL ||
	    d->sync_ev == NULL) {
		dispatch_free(d);
		return NULL;
	}
	return d;
}

void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	dispatch_flush(d);
	/* Stopped with nothing out: the next start need not wait. */
	if (d->started && d->stats.in_flight == 0 && d->done_head == NULL &&
	    store_meta_set(d->st, DISPATCH_META_RUNNING, 0) == -1)
		log_warn("event=dispatch.mark_failed");
	if (d->kick_ev != NULL)
		event_free(d->kick_ev);
	if (d->timer_ev != NULL)
		event_free(d->timer_ev);
	if (d->flush_ev != NULL)
		event_free(d->flush_ev);
	log_info("event=dispatch.stopped passes=%" PRIu64 " unsynced=%" PRIu64,
	    d->stats.passes, d->stats.unsynced_passes);
	if (d->sync_ev != NULL) {
		if (store_sync(d->st) != 0)
			log_warn("event=dispatch.sync_failed at=stop");
		event_free(d->sync_ev);
	}
	ratelimit_free(d->rl[CHANNEL_TELEGRAM]);
	ratelimit_free(d->rl[CHANNEL_SMS]);
	free(d);
}

void
dispatch_set_sender(struct dispatch *d, enum channel ch, dispatch_send_fn fn,
    void *arg)
{
	if ((size_t)ch < sizeof d->senders / sizeof d->senders[0]) {
		d->senders[ch].fn = fn;
		d->senders[ch].arg = arg;
	}
}

void
dispatch_set_hooks(struct dispatch *d, dispatch_gate_fn gate,
    dispatch_outcome_fn outcome, void *arg)
{
	d->gate = gate;
	d->outcome = outcome;
	d->hook_arg = arg;
}

void
dispatch_set_clock(struct dispatch *d, const struct dispatch_clock *clock)
{
	d->clock = clock != NULL ? *clock : dispatch_real_clock;
}

int
dispatch_start(struct dispatch *d)
{
	int64_t	 gap = 0, running = 0;
	int	 n = 0, found = 0;

	/* One interval of the chats' limits: what the last send still holds. */
	if (d->cfg->per_chat_per_second > 0)
		gap = (int64_t)(1000 / d->cfg->per_chat_per_second);
	if (d->cfg->per_group_per_minute > 0 &&
	    60000 / d->cfg->per_group_per_minute > gap)
		gap = 60000 / d->cfg->per_group_per_minute;
	if (outbox_requeue_sending(d->ob, gap > 0 ? dispatch_wall(d) + gap : 0,
	    &n) == -1)
		return -1;
	if (n > 0)
		log_notice("event=outbox.requeued rows=%d reason=restart", n);
	/*
	 * Which rows were in flight at a crash is not written down: any
	 * queued head may have reached its chat a moment before. So after
	 * a crash, when rows wait, every chat waits one interval first, as
	 * if it had just had a message.
	 */
	if (store_meta_get(d->st, DISPATCH_META_RUNNING, &running, &found) ==
	    -1 || store_meta_set(d->st, DISPATCH_META_RUNNING, 1) == -1)
		return -1;
	d->started = 1;
	if (found && running != 0 && gap > 0 &&
	    outbox_next_due(d->ob, dispatch_wall(d)) != INT64_MAX) {
		ratelimit_hold_chats(d->rl[CHANNEL_TELEGRAM], dispatch_mono(d));
		log_notice("event=outbox.held reason=crash ms=%" PRId64, gap);
	}
	dispatch_kick(d);
	return 0;
}

void
dispatch_kick(struct dispatch *d)
{
	if (!d->stopping)
		event_active(d->kick_ev, 0, 0);
}

void
dispatch_stop(struct dispatch *d)
{
	d->stopping = 1;
	evtimer_del(d->timer_ev);
}

static void
dispatch_arm(struct dispatch *d, int64_t wait_ms)
{
	int64_t		 at = dispatch_mono(d) + wait_ms;
	struct timeval	 tv;

	if (d->timer_at != 0 && d->timer_at <= at)
		return;
	d->timer_at = at;
	tv.tv_sec = wait_ms / 1000;
	tv.tv_usec = (wait_ms % 1000) * 1000;
	evtimer_add(d->timer_ev, &tv);
}

/*
 * Sends a claimed row; `params` is its payload (taken: freed here), NULL
 * when it could not be opened.
 */
static void
dispatch_send(struct dispatch *d, const struct outbox_row *row,
    char *params, size_t len)
{
	struct dispatch_job	*job;
	struct dispatch_sender	*s = NULL;

	job = xcalloc(1, sizeof *job);
	job->d = d;
	job->row = *row;
	job->started = dispatch_mono(d);
	job->started_us = clock_mono_us();
	d->stats.in_flight++;
	if ((size_t)row->channel < sizeof d->senders / sizeof d->senders[0])
		s = &d->senders[row->channel];
	if (s == NULL || s->fn == NULL) {
		job->res.status = SEND_PERMANENT;
		snprintf(job->res.error, sizeof job->res.error,
		    "no sender for channel %d", (int)row->channel);
		crypto_free_plain(params);
		dispatch_done(job, &job->res);
		return;
	}
	if (params == NULL) {
		job->res.status = SEND_PERMANENT;
		snprintf(job->res.error, sizeof job->res.error,
		    "payload cannot be opened");
		dispatch_done(job, &job->res);
		return;
	}
	s->fn(s->arg, job, &job->row, params, len);
	crypto_free_plain(params);
}

/* Milliseconds until a queued row becomes due; 0 when none is waiting. */
static int64_t
dispatch_next_due(struct dispatch *d)
{
	int64_t	 wall = dispatch_wall(d), next;

	next = outbox_next_due(d->ob, wall);
	if (next == INT64_MAX)
		return 0;
	/*
	 * Due now yet not offered: it waits for a row in flight, whose
	 * outcome brings us back. Look again in a second all the same, so
	 * that no queue can stall unseen.
	 */
	if (next <= wall)
		return 1000;
	return next - wall;
}

/* The limits of a row's channel. */
static struct ratelimit *
dispatch_rl(struct dispatch *d, enum channel ch)
{
	return ch == CHANNEL_SMS ? d->rl[CHANNEL_SMS] : d->rl[CHANNEL_TELEGRAM];
}

static void
dispatch_min(int64_t *wait, int64_t w)
{
	if (w > 0 && (*wait == 0 || w < *wait))
		*wait = w;
}

/*
 * 0 when some channel may send now, else how long until one may: a
 * Telegram pause must not hold SMS back, nor the other way round.
 */
static int64_t
dispatch_all_wait(struct dispatch *d, int64_t now)
{
	int64_t	 tg, sms;

	tg = ratelimit_global_wait(d->rl[CHANNEL_TELEGRAM], now);
	sms = d->senders[CHANNEL_SMS].fn == NULL ? tg :
	    ratelimit_global_wait(d->rl[CHANNEL_SMS], now);
	if (tg == 0 || sms == 0)
		return 0;
	return tg < sms ? tg : sms;
}

/* Picks sendable rows among the due ones, within each channel's limits. */
static int
dispatch_pick(struct dispatch *d, struct outbox_row *due, int n,
    struct outbox_row *pick, int max, int64_t now, int64_t *wait)
{
	struct ratelimit	*rl;
	int64_t			 w;
	int			 i, k = 0, low;

	for (i = 0; i < n && k < max; i++) {
		rl = dispatch_rl(d, due[i].channel);
		/*
		 * A receipt is no message to the chat: the bot's budget
		 * only, after every higher lane (the rows come in lane
		 * order), and only its spare, so it never takes a chat's
		 * turn nor the next message's slot.
		 */
		if (due[i].priority == OUTBOX_PRIO_RECEIPT) {
			if ((w = ratelimit_spare_wait(rl, now)) > 0) {
				dispatch_min(wait, w);
				continue;
			}
			ratelimit_take_global(rl, now);
			pick[k++] = due[i];
			continue;
		}
		/* Reminders and broadcasts leave a slot for the families. */
		low = due[i].priority != OUTBOX_PRIO_CONVERSATION;
		if ((w = low ? ratelimit_spare_wait(rl, now) :
		    ratelimit_global_wait(rl, now)) > 0 ||
		    (w = ratelimit_chat_wait(rl, due[i].chat_key,
		    due[i].is_group, now)) > 0) {
			dispatch_min(wait, w);
			continue;
		}
		if (low)
			ratelimit_take_yielding(rl, due[i].chat_key,
			    due[i].is_group, now);
		else
			ratelimit_take(rl, due[i].chat_key, due[i].is_group,
			    now);
		pick[k++] = due[i];
	}
	return k;
}

/*
 * Rows the gate holds back fail now, in the claiming transaction; the
 * rest stay in `pick`, in order. Returns how many stay, or -1.
 */
static int
dispatch_gate(struct dispatch *d, struct outbox_row *pick, int k,
    uint64_t held[DISPATCH_NCHANNELS])
{
	struct send_result	 res;
	int			 i, kept = 0, r;

	for (i = 0; i < k; i++) {
		memset(&res, 0, sizeof res);
		r = d->gate == NULL ? 0 : d->gate(d->hook_arg, &pick[i],
		    res.error, sizeof res.error);
		if (r == -1)
			return -1;
		if (r == 0) {
			pick[kept++] = pick[i];
			continue;
		}
		res.status = SEND_PERMANENT;
		if ((size_t)pick[i].channel < DISPATCH_NCHANNELS)
			held[pick[i].channel]++;
		log_info("event=outbox.held_back outbox_id=%" PRId64,
		    pick[i].id);
		if (outbox_mark_failed(d->ob, pick[i].id, 0, res.error) == -1 ||
		    (d->outcome != NULL && d->outcome(d->hook_arg, &pick[i],
		    &res) == -1))
			return -1;
	}
	return kept;
}

/*
 * Outcomes count once they are written: a write the store refused is
 * tried again, and must not count twice. `held` are the rows the gate
 * failed, per channel.
 */
static void
dispatch_count(struct dispatch *d, const uint64_t held[DISPATCH_NCHANNELS],
    int n)
{
	struct dispatch_job	*job;
	size_t			 c;

	for (c = 0; c < DISPATCH_NCHANNELS; c++)
		d->stats.ch[c].results[DISPATCH_FAILED] += held[c];
	for (job = d->done_head; job != NULL && n-- > 0; job = job->next)
		if ((size_t)job->row.channel < DISPATCH_NCHANNELS)
			d->stats.ch[job->row.channel].results[job->result]++;
}

/*
 * One transaction records the outcomes that came in, then picks the rows
 * about to go out. Claiming writes nothing: the rows stay queued and are
 * marked sending in memory once the outcomes are on the disk, before any
 * request starts. After a crash they go again (at least once): no more
 * than were in flight, at most outbox.max_in_flight.
 * Returns the number of rows claimed into `pick`, or -1.
 */
static int
dispatch_claim(struct dispatch *d, struct outbox_row *pick, char **params,
    size_t *lens, int room, int64_t now, int64_t *wait, int *more)
{
	struct outbox_row	 due[DISPATCH_BATCH];
	uint64_t		 held[DISPATCH_NCHANNELS] = { 0 };
	int64_t			 mono = dispatch_mono(d);
	int			 n = 0, k = 0, i, unsynced;

	/*
	 * An outcome lost to a power cut only makes its send go again,
	 * which a crash does anyway for the rows in flight. So a pass less
	 * than a second after a synced one does not wait for the disk, and
	 * what it wrote is put there within the second (dispatch_sync_cb(),
	 * or any synced commit before): a power cut repeats at most about
	 * a second of sends, in order. At a quiet pace every pass is
	 * synced, as before.
	 */
	unsynced = d->synced_at != 0 && mono - d->synced_at < DISPATCH_SYNC_MS;
	if ((unsynced ? store_begin_unsynced(d->st) : store_begin(d->st)) ==
	    -1)
		return -1;
	if (dispatch_record_all(d) == -1)
		goto fail;
	/* Stale receipts are given up: they are best effort. */
	if (room > 0 && (d->expired_at == 0 ||
	    now - d->expired_at >= DISPATCH_EXPIRE_MS)) {
		if (outbox_expire_receipts(d->ob, dispatch_wall(d) -
		    d->cfg->receipt_ttl_s * 1000LL, NULL) == -1)
			goto fail;
		d->expired_at = now;
	}
	if (room > 0) {
		if ((n = outbox_due(d->ob, dispatch_wall(d), due,
		    DISPATCH_BATCH)) == -1)
			goto fail;
		k = dispatch_pick(d, due, n, pick, room, now, wait);
		if ((k = dispatch_gate(d, pick, k, held)) == -1)
			goto fail;
		/* In this transaction: no read transaction per send. */
		for (i = 0; i < k; i++)
			if (outbox_due_payload(d->ob, &pick[i], &params[i],
			    &lens[i]) == -1)
				params[i] = NULL;	/* told; it fails */
	}
	if (store_commit(d->st) == -1) {
		dispatch_free_params(params, k);
		return -1;
	}
	if (!unsynced)
		d->synced_at = mono;
	else if (!evtimer_pending(d->sync_ev, NULL))
		dispatch_sync_arm(d);
	d->stats.passes++;
	d->stats.unsynced_passes += unsynced;
	for (i = 0; i < k; i++)
		outbox_mark_sending(d->ob, &pick[i]);
	dispatch_count(d, held, d->ndone);
	*more = n == DISPATCH_BATCH && k == n;
	if (n == 0 && room > 0)
		*wait = dispatch_next_due(d);
	return k;
fail:
	store_rollback(d->st);
	return -1;
}

static void
dispatch_free_params(char **params, int k)
{
	int	 i;

	for (i = 0; i < k; i++)
		crypto_free_plain(params[i]);
}

static void
dispatch_run(struct dispatch *d)
{
	struct outbox_row	 pick[DISPATCH_BATCH];
	char			*params[DISPATCH_BATCH];
	size_t			 lens[DISPATCH_BATCH];
	int64_t			 now, wait = 0;
	int			 k, i, room, more = 0;

	evtimer_del(d->flush_ev);
	if (d->stopping) {
		dispatch_flush(d);
		return;
	}
	now = dispatch_mono(d);
	room = d->cfg->max_in_flight - d->stats.in_flight;
	if (room > DISPATCH_BATCH)
		room = DISPATCH_BATCH;
	if ((wait = dispatch_all_wait(d, now)) > 0)
		room = 0;
	/* Nothing new goes out before what went out is written down. */
	if (d->unrecorded_at != 0)
		room = 0;
	if (room <= 0 && d->done_head == NULL) {
		if (wait > 0)
			dispatch_arm(d, wait);
		return;		/* a completion brings us back */
	}
	if ((k = dispatch_claim(d, pick, params, lens, room, now, &wait,
	    &more)) == -1) {
		dispatch_outcomes_held(d);
		return;
	}
	if (d->unrecorded_at != 0) {
		dispatch_outcomes_recorded(d);
		more = 1;
	}
	dispatch_free_done(d);
	for (i = 0; i < k; i++)
		dispatch_send(d, &pick[i], params[i], lens[i]);
	if (wait > 0)
		dispatch_arm(d, wait);
	else if (more)
		dispatch_kick(d);
}

void
dispatch_done(struct dispatch_job *job, const struct send_result *res)
{
	struct dispatch	*d = job->d;

	if (job->done)
		return;
	job->done = 1;
	if (&job->res != res)
		job->res = *res;
	d->stats.in_flight--;
	if ((size_t)job->row.channel < DISPATCH_NCHANNELS)
		hist_add(&d->stats.ch[job->row.channel].latency,
		    clock_mono_us() - job->started_us, 1);
	if (res->status == SEND_RATE_LIMITED) {
		long	 s = res->retry_after > 0 ? res->retry_after : 1;

		ratelimit_pause(dispatch_rl(d, job->row.channel),
		    dispatch_mono(d) + s * 1000);
		log_warn("event=outbox.rate_limited outbox_id=%" PRId64
		    " retry_after=%ld", job->row.id, s);
	} else if (res->status == SEND_AUTH) {
		int64_t	 until = dispatch_mono(d) +
			    d->cfg->auth_pause_s * 1000LL;

		ratelimit_pause(dispatch_rl(d, job->row.channel), until);
		if ((size_t)job->row.channel < DISPATCH_NCHANNELS)
			d->auth_until[job->row.channel] = until;
	}
	*d->done_tail = job;
	d->done_tail = &job->next;
	d->ndone++;
	/* Soon, or at once when many wait or the pipe ran dry. */
	if (d->ndone >= DISPATCH_BATCH / 2 || d->stats.in_flight == 0)
		event_active(d->flush_ev, 0, 0);
	else if (!evtimer_pending(d->flush_ev, NULL)) {
		struct timeval	 tv = { 0, DISPATCH_FLUSH_US };

		evtimer_add(d->flush_ev, &tv);
	}
}

/* Next attempt after `attempts` failures: doubling, capped, jittered. */
static int64_t
dispatch_backoff(const struct dispatch *d, int attempts)
{
	double	 ms = d->cfg->backoff_initial_ms;
	double	 cap = (double)d->cfg->backoff_max_s * 1000.0;
	int	 i;

	for (i = 1; i < attempts && ms < cap; i++)
		ms *= 2;
	if (ms > cap)
		ms = cap;
	/* Full jitter on the upper half: spread retries of many rows. */
	ms = ms / 2 + (double)randombytes_uniform(1000) / 1000.0 * (ms / 2);
	return (int64_t)ms;
}

/* Records one outcome: 1 when it is final (sent, failed), 0, or -1. */
static int
dispatch_record(struct dispatch *d, struct dispatch_job *job, int64_t wall)
{
	const struct send_result	*r = &job->res;
	const struct outbox_row		*row = &job->row;
	int				 attempts = row->attempts + 1;

	job->result = DISPATCH_FAILED;	/* unless said otherwise below */
	switch (r->status) {
	case SEND_OK:
		job->result = DISPATCH_SENT;
		log_info("event=outbox.sent outbox_id=%" PRId64 " method=%s "
		    "attempt=%d ms=%" PRId64, row->id, row->method, attempts,
		    dispatch_mono(d) - job->started);
		if (outbox_mark_sent(d->ob, row->id, wall, r->message_id) == -1)
			return -1;
		if (row->channel == CHANNEL_SMS && outbox_set_gateway_id(d->ob,
		    row->id, r->gateway_id[0] != '\0' ? r->gateway_id : NULL) ==
		    -1)
			return -1;
		return 1;
	case SEND_RATE_LIMITED:
		job->result = DISPATCH_RATE_LIMITED;
		return outbox_mark_retry(d->ob, row->id, wall +
		    (r->retry_after > 0 ? r->retry_after : 1) * 1000, 0,
		    r->code, r->error);
	case SEND_AUTH:
		job->result = DISPATCH_RETRIED;
		return outbox_mark_retry(d->ob, row->id, wall +
		    d->cfg->auth_pause_s * 1000LL, 0, r->code, r->error);
	case SEND_RETRY:
		/* A receipt is best effort: a few tries, soon over. */
		if (row->priority == OUTBOX_PRIO_RECEIPT ?
		    attempts < d->cfg->receipt_max_attempts :
		    attempts < d->cfg->max_attempts) {
			job->result = DISPATCH_RETRIED;
			log_warn("event=outbox.retry outbox_id=%" PRId64
			    " code=%d attempt=%d", row->id, r->code, attempts);
			return outbox_mark_retry(d->ob, row->id, wall +
			    dispatch_backoff(d, attempts), 1, r->code,
			    r->error);
		}
		break;
	case SEND_UNREACHABLE:
		/* What follows from it (a family's blocked mark) is the
		 * outcome hook's: conv records members.tg_blocked_at. */
		job->result = DISPATCH_UNREACHABLE;
		break;
	case SEND_PERMANENT:
		break;
	}
	log_warn("event=outbox.failed outbox_id=%" PRId64 " method=%s code=%d "
	    "attempts=%d status=%d", row->id, row->method, r->code, attempts,
	    (int)r->status);
	if (outbox_mark_failed(d->ob, row->id, r->code, r->error) == -1)
		return -1;
	return 1;
}

/* Outcomes in the caller's transaction, final ones told to the hook. */
static int
dispatch_record_all(struct dispatch *d)
{
	struct dispatch_job	*job;
	int64_t			 wall = dispatch_wall(d);
	int			 final;

	for (job = d->done_head; job != NULL; job = job->next) {
		if ((final = dispatch_record(d, job, wall)) == -1)
			return -1;
		if (final && d->outcome != NULL &&
		    d->outcome(d->hook_arg, &job->row, &job->res) == -1)
			return -1;
	}
	return 0;
}

/* The first `n` outcomes are written: let them go. */
static void
dispatch_free_first(struct dispatch *d, int n)
{
	struct dispatch_job	*job;

	while ((job = d->done_head) != NULL && n-- > 0) {
		d->done_head = job->next;
		d->ndone--;
		free(job);
	}
	if (d->done_head == NULL)
		d->done_tail = &d->done_head;
}

static void
dispatch_free_done(struct dispatch *d)
{
	dispatch_free_first(d, d->ndone);
}

/*
 * The transaction dispatch_record_now() wrote the outcomes in ended:
 * committed, they count and go, as after a pass; rolled back, they are
 * still to write, and the next pass writes them before it claims.
 */
static void
dispatch_record_ended(void *arg, int committed)
{
	struct dispatch		*d = arg;
	uint64_t		 held[DISPATCH_NCHANNELS] = { 0 };
	int			 n = d->recording;

	d->recording = 0;
	if (!committed)
		return;
	if (d->unrecorded_at != 0)
		dispatch_outcomes_recorded(d);
	dispatch_count(d, held, n);
	dispatch_free_first(d, n);
	/* What they held back (their chats' next rows) may go. */
	dispatch_kick(d);
}

int
dispatch_record_now(struct dispatch *d)
{
	if (d->done_head == NULL || d->recording != 0)
		return 0;
	if (dispatch_record_all(d) == -1 ||
	    store_after(d->st, dispatch_record_ended, d) == -1)
		return -1;
	d->recording = d->ndone;
	return 0;
}

/*
 * The store refused the outcomes (a full disk): their rows are still
 * queued, and no longer marked in flight. They are kept and written as
 * soon as the store takes them, the wait doubling; meanwhile nothing new
 * is claimed, so none of them can be claimed again before its outcome.
 */
static void
dispatch_outcomes_held(struct dispatch *d)
{
	if (d->unrecorded_at == 0) {
		d->unrecorded_at = dispatch_mono(d);
		d->record_retry_ms = DISPATCH_RECORD_RETRY_MS;
		log_err("event=outbox.record_failed rows=%d detail=\"kept; "
		    "retrying until the store takes them\"", d->ndone);
	} else if (d->record_retry_ms < DISPATCH_RECORD_RETRY_MAX_MS)
		d->record_retry_ms *= 2;
	d->stats.unrecorded = d->ndone;
	dispatch_arm(d, d->record_retry_ms);
}

/* Written at last; the WAL that grew meanwhile goes back to the disk. */
static void
dispatch_outcomes_recorded(struct dispatch *d)
{
	log_notice("event=outbox.record_recovered rows=%d after_ms=%" PRId64,
	    d->ndone, dispatch_mono(d) - d->unrecorded_at);
	d->unrecorded_at = 0;
	d->stats.unrecorded = 0;
	if (store_checkpoint(d->st) == -1)
		log_warn("event=store.checkpoint_failed");
}

/*
 * At exit, outcomes that cannot be written leave their rows queued: they
 * go out again after the restart, a duplicate rather than a loss.
 */
static void
dispatch_outcomes_lost(struct dispatch *d)
{
	if (d->done_head != NULL)
		log_err("event=outbox.record_failed rows=%d", d->ndone);
	dispatch_free_done(d);
}

void
dispatch_flush(struct dispatch *d)
{
	int64_t	 wait = 0;
	int	 more;

	if (d->done_head == NULL)
		return;
	if (dispatch_claim(d, NULL, NULL, NULL, 0, 0, &wait, &more) == -1)
		dispatch_outcomes_lost(d);
	else
		dispatch_free_done(d);
}

/* The totals add up the channels; a pause is read against the clock. */
void
dispatch_get_stats(const struct dispatch *d, struct dispatch_stats *out)
{
	const uint64_t	*r;
	int64_t		 now = dispatch_mono(d);
	size_t		 c;

	*out = d->stats;
	for (c = 0; c < DISPATCH_NCHANNELS; c++) {
		r = out->ch[c].results;
		out->sent += r[DISPATCH_SENT];
		out->retried += r[DISPATCH_RETRIED];
		out->failed += r[DISPATCH_FAILED] + r[DISPATCH_UNREACHABLE];
		out->rate_limited += r[DISPATCH_RATE_LIMITED];
		out->unreachable += r[DISPATCH_UNREACHABLE];
		out->ch[c].auth_paused = d->auth_until[c] > now;
	}
}

const char *
dispatch_result_name(enum dispatch_result r)
{
	if ((int)r < 0 || r >= DISPATCH_NRESULTS)
		return "?";
	return dispatch_result_names[r];
}
