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

#include "about.h"
#include "clock.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

#define ONBOARDING_CONSENT_CB		"consent:yes"

/* Where the member is: has a language, has consented. */
static int
onboarding_status(struct hctx *ctx, int *has_lang, int *consented)
{
	struct people_tg	 who;

	if (people_find_tg(ctx->people, ctx->in->user_id, &who) !=
	    PEOPLE_OK)
		return -1;
	*has_lang = who.who == PEOPLE_MEMBER && who.member_language[0] != '\0';
	*consented = who.who == PEOPLE_MEMBER && who.consented;
	return 0;
}

/* The sentence naming the legal basis the centre chose. */
static const char *
onboarding_basis(struct hctx *ctx)
{
	if (ctx->cfg->legal_basis == PRIVACY_BASIS_PUBLIC_TASK)
		return i18n_get(ctx->i18n, ctx->lang, N_("Legal basis: the "
		    "centre's tasks under the Social Assistance Act (GDPR art. "
		    "6(1)(e) and 9(2)(h))."));
	return i18n_get(ctx->i18n, ctx->lang, N_("Legal basis: your consent "
	    "(GDPR art. 6(1)(a) and 9(2)(a))."));
}

char *
onboarding_clause(struct hctx *ctx)
{
	const struct config	*cfg = ctx->cfg;
	const char		*args[4];
	char			 days[16], *period, *clause, *contact, *text;

	snprintf(days, sizeof days, "%d", cfg->message_days);
	args[0] = days;
	period = text_expand(i18n_nget(ctx->i18n, ctx->lang,
	    NP_("after %s day", "after %s days"),
	    (unsigned long)cfg->message_days), args, 1);
	args[0] = cfg->centre_name;
	args[1] = cfg->dpo_contact;
	args[2] = onboarding_basis(ctx);
	args[3] = period;
	clause = reply_format(ctx, N_("Before we start, please read how we "
	    "handle your data.\n\n"
	    "• Controller: %1$s processes your data: your name, phone "
	    "number, Telegram account and the messages you exchange with us. "
	    "You can reach its data protection officer at %2$s.\n"
	    "• Purpose: only so that you can stay in touch with the "
	    "assistant who works with your family. %3$s\n"
	    "• Voluntary: using this chat is voluntary. Whether you use it or "
	    "not does not change the help your family receives.\n"
	    "• Recipients: Telegram delivers the messages; it is a separate "
	    "controller under its own privacy policy "
	    "(https://telegram.org/privacy). SMS messages pass through the "
	    "SMS gateway and the mobile operators.\n"
	    "• How long: message texts are deleted from the centre's system "
	    "%4$s; copies stay in the Telegram chats (yours and the "
	    "assistant's) until they are deleted there. Dates and counts of "
	    "messages are kept.\n"
	    "• Your rights: access to your data, rectification, erasure, "
	    "restriction of processing, objection, and withdrawal of your "
	    "consent at any time (this does not affect what was done "
	    "before). You may lodge a complaint with the President of the "
	    "Personal Data Protection Office (PUODO, uodo.gov.pl).\n"
	    "• /stop turns off announcements and reminders only. To stop "
	    "using this chat or to have your data erased, tell your "
	    "assistant."), args, 4);
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
	struct out_button	 b;
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

	if (about_assistant(ctx, &who) == -1)
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
	if (people_member_consent(ctx->people, ctx->member_id,
	    (int64_t)clock_now(), CLAUSE_VERSION) != PEOPLE_OK ||
	    reply_drop_keyboard(ctx) == -1)
		return -1;
	log_info("event=member.consent member_id=%" PRId64 " version=%s",
	    ctx->member_id, CLAUSE_VERSION);
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
