/*
 * The dispatcher: the only sender. It claims due outbox rows within the
 * rate limits, hands each to its channel's send function, and records the
 * outcome: sent; retried with exponential backoff and jitter; paused for
 * the whole bot on 429; failed at once on permanent errors; unreachable on
 * 403. Outcomes are committed in batches, once per loop turn.
 */
#ifndef ASYSTENT_DISPATCH_H
#define ASYSTENT_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "outbox.h"

struct event_base;
struct config;
struct store;
struct dispatch;
struct dispatch_job;

enum send_status {
	SEND_OK,
	SEND_RETRY,		/* 5xx, network: back off and retry */
	SEND_RATE_LIMITED,	/* 429: pause the whole bot retry_after s */
	SEND_PERMANENT,		/* 400 and the like: fail now */
	SEND_UNREACHABLE,	/* 403: the recipient blocked us */
	SEND_AUTH		/* 401: our token is refused */
};

struct send_result {
	enum send_status status;
	int		 code;		/* HTTP or API error code */
	long		 retry_after;	/* s, for SEND_RATE_LIMITED */
	int64_t		 message_id;	/* the channel's id of what was sent */
	char		 gateway_id[64]; /* an SMS gateway's id, or "" */
	char		 error[256];	/* the service's description */
};

/*
 * Sends one row. `params` is valid only during the call. Must end with
 * exactly one dispatch_done() for `job`, now or later on the loop.
 */
typedef void	(*dispatch_send_fn)(void *arg, struct dispatch_job *job,
		    const struct outbox_row *row, const char *params,
		    size_t len);

/*
 * Asked in the claiming transaction before a row goes out: 0 sends it; 1
 * fails it now with the reason written to `why` (a family that said /stop
 * gets no broadcast). -1 on storage errors.
 */
typedef int	(*dispatch_gate_fn)(void *arg, const struct outbox_row *row,
		    char *why, size_t whylen);
/*
 * Told of every final outcome (sent, or failed for good) in the
 * transaction that records it, so that what depends on it (delivery state
 * shown to an assistant) commits with it. -1 on storage errors.
 */
typedef int	(*dispatch_outcome_fn)(void *arg, const struct outbox_row *row,
		    const struct send_result *res);

/*
 * Where the dispatcher reads the time, in milliseconds: `mono_ms` paces
 * sends and holds the pauses after a 429 or a refused token; `wall_ms`
 * (unix time) decides which rows are due and stamps outcomes. Both are
 * called with `arg`. Until set: ratelimit_now() and store_now_ms().
 */
struct dispatch_clock {
	int64_t		(*mono_ms)(void *arg);
	int64_t		(*wall_ms)(void *arg);
	void		*arg;
};

/*
 * What became of a send, as counted per channel: each send is one of
 * these. A refused token (401) is retried; a row the gate holds back
 * failed.
 */
enum dispatch_result {
	DISPATCH_SENT,
	DISPATCH_RETRIED,	/* 5xx, network, 401: tried again later */
	DISPATCH_FAILED,	/* for good, for any other reason than 403 */
	DISPATCH_RATE_LIMITED,	/* 429: tried again after retry_after */
	DISPATCH_UNREACHABLE	/* 403: the recipient blocked us */
};
#define DISPATCH_NRESULTS	5
/* Indexed by enum channel. */
#define DISPATCH_NCHANNELS	3

/* One channel's sends since start, counted once their outcome is written. */
struct dispatch_channel_stats {
	uint64_t	 results[DISPATCH_NRESULTS];
	int		 auth_paused;	/* 1 while a refused token waits */
	struct hist	 latency;	/* from the claim to dispatch_done() */
};

struct dispatch_stats {
	/* All channels; `failed` includes `unreachable` and held-back rows. */
	uint64_t	 sent, retried, failed, rate_limited, unreachable;
	int		 in_flight;
	int		 unrecorded;	/* outcomes the store refused, held */
	/* Passes committed, and those not waiting for the disk. */
	uint64_t	 passes, unsynced_passes;
	struct dispatch_channel_stats ch[DISPATCH_NCHANNELS];
};

struct dispatch	*dispatch_new(struct event_base *base, struct store *st,
		    struct outbox *ob, const struct config *cfg);
void		 dispatch_free(struct dispatch *d);
void		 dispatch_set_sender(struct dispatch *d, enum channel ch,
		    dispatch_send_fn fn, void *arg);

void		 dispatch_set_hooks(struct dispatch *d, dispatch_gate_fn gate,
		    dispatch_outcome_fn outcome, void *arg);
/* Copies *clock, whose two functions are set; NULL: the real clocks. */
void		 dispatch_set_clock(struct dispatch *d,
		    const struct dispatch_clock *clock);

/* Re-queues rows left `sending` by a crash and starts sending. */
int		 dispatch_start(struct dispatch *d)
		    __attribute__((warn_unused_result));
/* Something was queued: look for due rows on the next loop turn. */
void		 dispatch_kick(struct dispatch *d);
/* Stop claiming rows; sends in flight still complete. */
void		 dispatch_stop(struct dispatch *d);
/* Commits outcomes not yet written. */
void		 dispatch_flush(struct dispatch *d);
/*
 * Writes the outcomes that came back and are not written yet in the
 * caller's transaction, so that what it handles next sees them: a reply
 * to a message just sent finds it. Once that transaction commits they
 * are done with; rolled back, the dispatcher writes them as before. -1
 * when they could not be written: the caller rolls back.
 */
int		 dispatch_record_now(struct dispatch *d)
		    __attribute__((warn_unused_result));

void		 dispatch_done(struct dispatch_job *job,
		    const struct send_result *res);

void		 dispatch_get_stats(const struct dispatch *d,
		    struct dispatch_stats *out);
/* "sent", "retried", ...: the label of a result. */
const char	*dispatch_result_name(enum dispatch_result r);

#endif
