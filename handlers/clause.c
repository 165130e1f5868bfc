/*
 * A new version of the information clause: members who consented to an
 * older one are shown it once, after one of their messages was relayed
 * (never holding it back), with an OK button; pressing it records that
 * their consent now refers to the new version. Members whose consent is
 * on paper get the new clause on paper: SMS cannot carry it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

#define CLAUSE_CB	"clause:ok:"

int
clause_renew(struct hctx *ctx)
{
	struct people_clause	 pc;
	struct out_button	 b;
	char			*lead, *clause, *text, *data;
	int			 rc;

	if (ctx->member_id == 0 || !reply_has_buttons(ctx))
		return 0;
	if ((rc = people_member_clause(ctx->people, ctx->member_id,
	    &pc)) == PEOPLE_NOT_FOUND)
		return 0;
	if (rc != PEOPLE_OK)
		return -1;
	if (!pc.consented || pc.on_paper ||
	    strcmp(pc.version, CLAUSE_VERSION) == 0 ||
	    strcmp(pc.shown, CLAUSE_VERSION) == 0)
		return 0;
	lead = reply_format(ctx, N_("We have updated the information about "
	    "how we handle your data. Your messages reach your assistant as "
	    "before; please read it and press OK."), NULL, 0);
	clause = onboarding_clause(ctx);
	text = xasprintf("%s\n\n%s", lead, clause);
	data = xasprintf(CLAUSE_CB "%s", CLAUSE_VERSION);
	/* TRANSLATORS: the button under an updated information clause. */
	b.text = i18n_get(ctx->i18n, ctx->lang, N_("OK"));
	b.data = data;
	rc = reply_buttons(ctx, text, &b, 1, 1);
	if (rc == 0)
		rc = people_member_clause_shown(ctx->people,
		    ctx->member_id, CLAUSE_VERSION) == PEOPLE_OK ? 0 : -1;
	if (rc == 0)
		log_info("event=member.clause_shown member_id=%" PRId64
		    " version=%s", ctx->member_id, CLAUSE_VERSION);
	free(lead);
	free(clause);
	free(text);
	free(data);
	return rc;
}

/* OK under the clause of the version in the button (an old button too). */
static int
clause_exec(struct hctx *ctx)
{
	const char	*version = ctx->in->callback_data + strlen(CLAUSE_CB);

	if (reply_callback_answer(ctx, i18n_get(ctx->i18n, ctx->lang,
	    N_("Thank you."))) == -1 || reply_drop_keyboard(ctx) == -1)
		return -1;
	/* Only the clause in force can be acknowledged. */
	if (strcmp(version, CLAUSE_VERSION) != 0)
		return 0;
	if (people_member_clause_ack(ctx->people, ctx->member_id,
	    CLAUSE_VERSION, (int64_t)clock_now()) != PEOPLE_OK)
		return -1;
	log_info("event=member.clause_ack member_id=%" PRId64 " version=%s",
	    ctx->member_id, CLAUSE_VERSION);
	return 0;
}

const struct handler_entry handler_clause_entry = {
	.name = "clause",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_CALLBACK),
	.callback = CLAUSE_CB,
	.exec = clause_exec,
};
