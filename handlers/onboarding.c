/*
 * First contact of a linked member: language, then consent, then a
 * welcome naming who answers. Until the member has consented nothing they
 * send is relayed: whatever they send is answered with the step they are
 * at. The clause text lives in the catalogs; the centre's name, contact
 * and the retention period come from the configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "clock.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

/* The version of the clause below; change it when its meaning changes. */
#define ONBOARDING_CONSENT_VERSION	"2026-11"
#define ONBOARDING_CONSENT_CB		"consent:yes"

/* Where the member is: has a language, has consented. */
static int
onboarding_status(struct hctx *ctx, int *has_lang, int *consented)
{
	struct people_tg	 who;

	if (people_find_tg(ctx->app->people, ctx->in->user_id, &who) !=
	    PEOPLE_OK)
		return -1;
	*has_lang = who.who == PEOPLE_MEMBER && who.member_language[0] != '\0';
	*consented = who.who == PEOPLE_MEMBER && who.consented;
	return 0;
}

/* The information clause (GDPR art. 13) in the member's language. */
static char *
onboarding_clause(struct hctx *ctx)
{
	const struct config	*cfg = ctx->app->cfg;
	const char		*args[3];
	char			 days[16], *period, *clause, *contact, *text;

	snprintf(days, sizeof days, "%d", cfg->message_days);
	args[0] = days;
	period = text_expand(i18n_nget(ctx->app->i18n, ctx->lang,
	    NP_("after %s day", "after %s days"),
	    (unsigned long)cfg->message_days), args, 1);
	args[0] = cfg->centre_name;
	args[1] = period;
	clause = reply_format(ctx, N_("Before we start, please read how we "
	    "handle your data.\n\n"
	    "• Who: %1$s processes your data (your name, phone number, "
	    "Telegram account and the messages you exchange with us).\n"
	    "• What for: only so that you can stay in touch with the "
	    "assistant who works with your family.\n"
	    "• How long: the content of messages is deleted %2$s.\n"
	    "• Your rights: you may ask for access to your data, its "
	    "correction or deletion, and you may object to its processing.\n"
	    "• How to stop: send /stop to stop announcements, or tell your "
	    "assistant that you no longer want to use this chat."), args, 2);
	text = clause;
	if (cfg->centre_contact != NULL && cfg->centre_contact[0] != '\0') {
		args[0] = cfg->centre_contact;
		contact = reply_format(ctx, N_("• Contact: %s"), args, 1);
		text = xasprintf("%s\n%s", clause, contact);
		free(contact);
		free(clause);
	}
	free(period);
	return text;
}

static int
onboarding_consent_offer(struct hctx *ctx, const char *lead)
{
	struct reply_button	 b;
	char			*clause, *label, *text;
	int			 rc;

	clause = onboarding_clause(ctx);
	label = reply_format(ctx, N_("I agree"), NULL, 0);
	text = lead != NULL ? xasprintf("%s\n\n%s", lead, clause) :
	    xstrdup(clause);
	b.text = label;
	b.data = ONBOARDING_CONSENT_CB;
	rc = reply_buttons(ctx, text, &b, 1, 1);
	free(clause);
	free(label);
	free(text);
	return rc;
}

/* Everything is set: who answers, when, and where to find help. */
static int
onboarding_welcome(struct hctx *ctx)
{
	char	*head = NULL, *who = NULL, *tail = NULL, *text = NULL;
	int	 rc = -1;

	if (assistant_describe(ctx, &who) == -1)
		goto out;
	head = reply_format(ctx, N_("Thank you! From now on you can write to "
	    "me here at any time."), NULL, 0);
	tail = reply_format(ctx, N_("Send /help to see what else I can do."),
	    NULL, 0);
	text = xasprintf("%s\n\n%s\n\n%s", head, who, tail);
	rc = reply_text(ctx, text);
out:
	free(head);
	free(who);
	free(tail);
	free(text);
	return rc;
}

int
onboarding_offer(struct hctx *ctx, const char *lead)
{
	int	 has_lang, consented;

	if (onboarding_status(ctx, &has_lang, &consented) == -1)
		return -1;
	if (!has_lang)
		return language_offer(ctx, lead);
	if (!consented)
		return onboarding_consent_offer(ctx, lead);
	return onboarding_welcome(ctx);
}

static int
onboarding_consent(struct hctx *ctx)
{
	int	 has_lang, consented;

	if (reply_callback_answer(ctx, NULL) == -1 ||
	    onboarding_status(ctx, &has_lang, &consented) == -1)
		return -1;
	/* An old button from before a language was chosen, or a repeat. */
	if (!has_lang || consented)
		return onboarding_offer(ctx, NULL);
	if (people_member_consent(ctx->app->people, ctx->member_id,
	    (int64_t)clock_now(), ONBOARDING_CONSENT_VERSION) != PEOPLE_OK ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	log_info("event=member.consent member_id=%" PRId64 " version=%s",
	    ctx->member_id, ONBOARDING_CONSENT_VERSION);
	return onboarding_welcome(ctx);
}

static int
onboarding_exec(struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;
	char			*lead;
	int			 rc;

	if (in->kind == INBOUND_CALLBACK) {
		if (in->callback_data != NULL &&
		    strcmp(in->callback_data, ONBOARDING_CONSENT_CB) == 0)
			return onboarding_consent(ctx);
		if (reply_callback_answer(ctx, NULL) == -1)
			return -1;
		return onboarding_offer(ctx, NULL);
	}
	/* Blocked or unblocked the bot: nobody to answer. */
	if (in->kind == INBOUND_MEMBER)
		return 0;
	log_info("event=onboarding.held inbound_id=%" PRId64 " member_id=%"
	    PRId64, in->row, ctx->member_id);
	lead = reply_format(ctx, N_("I have not passed on your message: "
	    "please finish this step first."), NULL, 0);
	rc = onboarding_offer(ctx, lead);
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
