/* The router: stored inbound rows -> one handler each, in one transaction. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "app.h"
#include "channel.h"
#include "clock.h"
#include "crypto.h"
#include "dispatch.h"
#include "handler.h"
#include "hist.h"
#include "inbound.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "router.h"
#include "sms.h"
#include "store.h"
#include "xmalloc.h"

#define ROUTER_BATCH	256

struct router {
	struct app	*app;
	struct event	*kick_ev;
	int		 routed;	/* by router_route(), not yet sent */
};

static void
router_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct router	*r = arg;

	(void)fd;
	(void)what;
	if (router_drain(r) == -1)
		log_err("event=router.drain_failed");
}

struct router *
router_new(struct app *app)
{
	struct router	*r;

	r = xcalloc(1, sizeof *r);
	r->app = app;
	if ((r->kick_ev = event_new(app->base, -1, 0, router_kick_cb, r)) ==
	    NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
router_free(struct router *r)
{
	if (r == NULL)
		return;
	event_free(r->kick_ev);
	free(r);
}

void
router_kick(void *arg)
{
	struct router	*r = arg;

	event_active(r->kick_ev, 0, 0);
}

static int
router_matches(const struct handler_entry *h, const struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;
	const char		*data;

	if ((h->from & ctx->sender) == 0 ||
	    (h->kinds & INBOUND_BIT(in->kind)) == 0 ||
	    (h->lacks != 0 && channel_can(in->channel, h->lacks)))
		return 0;
	if (h->match == NULL && h->callback == NULL)
		return 1;
	if (in->kind == INBOUND_COMMAND)
		return h->match != NULL && strcmp(in->command, h->match) == 0;
	if (in->kind == INBOUND_CALLBACK) {
		data = in->callback_data != NULL ? in->callback_data : "";
		return h->callback != NULL &&
		    strncmp(data, h->callback, strlen(h->callback)) == 0;
	}
	return 0;
}

/*
 * A message from a phone number is from the member whose number it is.
 * Their channel has no buttons to choose a language or agree with, so
 * staff record the consent (a paper form): without it a member is a
 * newcomer; the family's language is theirs.
 */
static int
router_phone_sender(struct router *r, struct hctx *ctx)
{
	struct people_tg	 who;
	enum lang		 l;

	if (people_find_phone(r->app->people, ctx->in->phone, &who) !=
	    PEOPLE_OK)
		return -1;
	if (who.who != PEOPLE_MEMBER)
		return 0;
	if (lang_parse(who.language, &l) == 0)
		ctx->lang = l;
	if (lang_parse(who.member_language, &l) == 0)
		ctx->lang = l;
	ctx->sender = who.consented ? SENDER_FAMILY : SENDER_NEWCOMER;
	ctx->member_id = who.member_id;
	ctx->family_id = who.family_id;
	return 0;
}

/*
 * Who is writing, through the blind index of the Telegram user id: a
 * linked member writes as their family, in the language they chose, else
 * the family's; until they have chosen one and consented they are a
 * newcomer, whose messages are never relayed. An active staff member
 * writes as staff (in the first language they speak). A disabled staff
 * member is a stranger again.
 */
static int
router_sender(struct router *r, struct hctx *ctx)
{
	struct people_tg	 who;
	enum lang		 l;

	ctx->sender = SENDER_UNKNOWN;
	ctx->lang = lang_from_tag(ctx->in->lang);
	if (ctx->in->phone != NULL)
		return router_phone_sender(r, ctx);
	if (ctx->in->user_id == 0)
		return 0;
	if (people_find_tg(r->app->people, ctx->in->user_id, &who) !=
	    PEOPLE_OK)
		return -1;
	if (who.who == PEOPLE_NOBODY)
		return 0;
	if (lang_parse(who.language, &l) == 0)
		ctx->lang = l;
	if (who.who == PEOPLE_STAFF) {
		ctx->sender = SENDER_STAFF;
		ctx->staff_id = who.staff_id;
	} else {
		if (lang_parse(who.member_language, &l) == 0)
			ctx->lang = l;
		ctx->sender = who.member_language[0] != '\0' &&
		    who.consented ? SENDER_FAMILY : SENDER_NEWCOMER;
		ctx->member_id = who.member_id;
		ctx->family_id = who.family_id;
	}
	return 0;
}

/* The services of struct hctx; `arg` is the router. */
static int
router_sms_may_answer(void *arg, const char *phone)
{
	struct router	*r = arg;

	return sms_may_answer(r->app->sms, phone);
}

static int
router_forget(void *arg, int64_t row, const char *name)
{
	struct router	*r = arg;
	int64_t		 n = 0;
	int		 found;

	if (store_meta_get(r->app->st, name, &n, &found) == -1 ||
	    store_meta_set(r->app->st, name, n + 1) == -1)
		return -1;
	return inbound_forget(r->app->is, row);
}

/*
 * A handler's context: the message and only the services handlers use,
 * so that none reaches the rest of the process.
 */
static void
router_ctx(struct router *r, struct hctx *ctx, const struct inbound *in)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->cfg = r->app->cfg;
	ctx->i18n = r->app->i18n;
	ctx->people = r->app->people;
	ctx->conv = r->app->conv;
	ctx->hours = r->app->hours;
	ctx->visits = r->app->visits;
	ctx->ob = r->app->ob;
	ctx->sms_may_answer = router_sms_may_answer;
	ctx->forget = router_forget;
	ctx->arg = r;
	ctx->in = in;
}

static int
router_exec(struct router *r, struct inbound *in)
{
	const struct handler_entry *const	*hp;
	struct hctx				 ctx;
	int					 rc;

	router_ctx(r, &ctx, in);
	if (router_sender(r, &ctx) == -1)
		return -1;
	for (hp = handler_table; *hp != NULL; hp++) {
		if (router_matches(*hp, &ctx)) {
			log_info("event=inbound.handle inbound_id=%" PRId64
			    " handler=%s", in->row, (*hp)->name);
			rc = (*hp)->exec(&ctx);
			/*
			 * A family's raw update is sealed under the master
			 * key: once handled, what is kept of it is in the
			 * family's history, under the family's key, which
			 * erasing the family destroys.
			 */
			if (rc == 0 && ctx.family_id != 0)
				rc = inbound_forget(r->app->is, in->row);
			return rc;
		}
	}
	/* A pressed button spins until answered, even when we ignore it. */
	if (in->kind == INBOUND_CALLBACK)
		return reply_callback_answer(&ctx, NULL);
	log_info("event=inbound.ignored inbound_id=%" PRId64 " kind=%d",
	    in->row, (int)in->kind);
	return 0;
}

/* A stored row as struct inbound, by the channel that brought it. */
static int
router_parse(enum channel ch, const char *raw, size_t len,
    struct inbound *in, char *why, size_t whylen)
{
	const struct channel_ops	*c = channel_get(ch);

	if (c == NULL) {
		snprintf(why, whylen, "unknown channel %d", (int)ch);
		return -1;
	}
	return c->parse(raw, len, in, why, whylen);
}

/*
 * One row: its effects and its mark, or (alone, inside a savepoint)
 * neither. Not alone, a failure leaves part of them for the caller to
 * roll back. `in` is NULL when the row could not be read or parsed.
 */
static int
router_handle(struct router *r, int64_t row, struct inbound *in, int alone)
{
	int	 state = 1, rc = 0;

	if (alone && store_savepoint(r->app->st) == -1)
		return -1;
	if (in == NULL) {
		log_warn("event=inbound.unusable inbound_id=%" PRId64, row);
		state = 2;
	} else {
		in->row = row;
		rc = router_exec(r, in);
	}
	if (rc == 0)
		rc = inbound_mark(r->app->is, row, state);
	if (!alone)
		return rc;
	if (rc == -1) {
		store_rollback_to(r->app->st);
		return -1;
	}
	return store_release(r->app->st);
}

/* A stored row, read back and parsed. */
static int
router_handle_row(struct router *r, int64_t row)
{
	struct inbound	 in;
	enum channel	 ch = CHANNEL_TELEGRAM;
	char		*raw = NULL, why[96];
	size_t		 len;
	int		 rc;

	memset(&in, 0, sizeof in);
	if (inbound_load(r->app->is, row, &ch, &raw, &len) == -1 ||
	    router_parse(ch, raw, len, &in, why, sizeof why) == -1)
		rc = router_handle(r, row, NULL, 1);
	else
		rc = router_handle(r, row, &in, 1);
	crypto_free_plain(raw);
	inbound_clear(&in);
	return rc;
}

/*
 * A row its channel has just stored, handled in the channel's transaction
 * from what it parsed, unless an older row still waits: rows are handled
 * in order, so then it waits too, for router_drain().
 */
int
router_route(void *arg, int64_t row, struct inbound *in, int alone)
{
	struct router	*r = arg;
	int64_t		 oldest, taken;

	/* A row routed at once is recorded handled: not among the pending. */
	switch (inbound_oldest_pending(r->app->is, &oldest)) {
	case 0:
		break;
	case 1:
		if (oldest == row)
			break;
		/* FALLTHROUGH */
	default:
		return ROUTER_LEFT;
	}
	/*
	 * A reply to a message just sent must find it: the sends that came
	 * back are written first (in this transaction, outside the row's
	 * savepoint). When they cannot be, nothing of the answer is kept.
	 */
	if (dispatch_record_now(r->app->disp) == -1)
		return ROUTER_ABORT;
	taken = clock_mono_us();
	if (router_handle(r, row, in, alone) == -1) {
		log_err("event=inbound.handle_failed inbound_id=%" PRId64
		    " alone=%d", row, alone);
		return alone ? ROUTER_LEFT : ROUTER_ABORT;
	}
	hist_add(&r->app->handling, clock_mono_us() - taken, 1);
	r->routed = 1;
	return ROUTER_HANDLED;
}

int
router_drain(struct router *r)
{
	int64_t	 rows[ROUTER_BATCH], after = 0, taken;
	int	 n, i;

	/* What router_route() queued is committed by now: send it. */
	if (r->routed) {
		r->routed = 0;
		dispatch_kick(r->app->disp);
	}
	for (;;) {
		if ((n = inbound_pending(r->app->is, after, rows,
		    ROUTER_BATCH)) <= 0)
			return n;
		taken = clock_mono_us();
		if (store_begin(r->app->st) == -1)
			return -1;
		if (dispatch_record_now(r->app->disp) == -1) {
			store_rollback(r->app->st);
			return -1;
		}
		for (i = 0; i < n; i++) {
			/* A failed row stays pending for the next drain. */
			if (router_handle_row(r, rows[i]) != 0)
				log_err("event=inbound.handle_failed "
				    "inbound_id=%" PRId64, rows[i]);
		}
		if (store_commit(r->app->st) == -1)
			return -1;
		hist_add(&r->app->handling, clock_mono_us() - taken,
		    (uint64_t)n);
		after = rows[n - 1];
		dispatch_kick(r->app->disp);
	}
}
