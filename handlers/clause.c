/*
 * A new version of the information clause: members who consented to an
 * older one are shown it once, after one of their messages was relayed
 * (never holding it back), with an OK button (conv/onboard.c); pressing
 * it records that their consent now refers to the new version. Members
 * whose consent is on paper get the new clause on paper: SMS cannot
 * carry it.
 */
#include <inttypes.h>
#include <string.h>

#include "clock.h"
#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "people.h"
#include "reply.h"

/* OK under the clause of the version in the button (an old button too). */
static int
clause_exec(struct hctx *ctx)
{
	const char	*version = ctx->in->callback_data +
			    strlen(ONBOARD_CLAUSE_CB);

	if (reply_callback_answer(ctx, i18n_get(ctx->i18n, ctx->lang,
	    N_("Thank you."))) == -1 || reply_drop_keyboard(ctx) == -1)
		return -1;
	/* Only the clause in force can be acknowledged. */
	if (strcmp(version, ONBOARD_CLAUSE_VERSION) != 0)
		return 0;
	if (people_member_clause_ack(ctx->people, ctx->member_id,
	    ONBOARD_CLAUSE_VERSION, (int64_t)clock_now()) != PEOPLE_OK)
		return -1;
	log_info("event=member.clause_ack member_id=%" PRId64 " version=%s",
	    ctx->member_id, ONBOARD_CLAUSE_VERSION);
	return 0;
}

const struct handler_entry handler_clause_entry = {
	.name = "clause",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_CALLBACK),
	.callback = ONBOARD_CLAUSE_CB,
	.exec = clause_exec,
};
