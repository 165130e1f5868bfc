/*
 * First contact of a linked member: language, then consent, then a
 * welcome naming who answers (the steps: conv/onboard.c). Until the
 * member has consented nothing they send is relayed: whatever they send
 * is answered with the step they are at; "I agree" records the consent.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "people.h"
#include "reply.h"

static int
onboarding_consent(struct hctx *ctx)
{
	int	 has_lang, consented;

	if (reply_callback_answer(ctx, NULL) == -1 ||
	    onboard_status(ctx, &has_lang, &consented) == -1)
		return -1;
	/* An old button from before a language was chosen, or a repeat. */
	if (!has_lang || consented)
		return onboard_offer(ctx, NULL);
	if (people_member_consent(ctx->people, ctx->member_id,
	    (int64_t)clock_now(), ONBOARD_CLAUSE_VERSION) != PEOPLE_OK ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	log_info("event=member.consent member_id=%" PRId64 " version=%s",
	    ctx->member_id, ONBOARD_CLAUSE_VERSION);
	return onboard_welcome(ctx);
}

static int
onboarding_exec(struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;
	char			*lead;
	int			 rc;

	if (in->kind == INBOUND_CALLBACK) {
		if (in->callback_data != NULL &&
		    strcmp(in->callback_data, ONBOARD_CONSENT_CB) == 0)
			return onboarding_consent(ctx);
		if (reply_callback_answer(ctx, NULL) == -1)
			return -1;
		return onboard_offer(ctx, NULL);
	}
	/* Blocked or unblocked the bot: nobody to answer. */
	if (in->kind == INBOUND_MEMBER)
		return 0;
	log_info("event=onboarding.held inbound_id=%" PRId64 " member_id=%"
	    PRId64, in->row, ctx->member_id);
	lead = reply_format(ctx, N_("I have not passed on your message: "
	    "please finish this step first."), NULL, 0);
	rc = onboard_offer(ctx, lead);
	free(lead);
	return rc;
}

const struct handler_entry handler_onboarding_entry = {
	.name = "onboarding",
	.from = SENDER_NEWCOMER,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = onboarding_exec,
};
