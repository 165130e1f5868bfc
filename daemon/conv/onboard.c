/*
 * First contact of a linked member: language, then consent to the
 * information clause, then a welcome naming who answers; and, when the
 * clause changes, showing the new one to members who consented to an
 * older one. Steps shared by the handlers that take the member's
 * presses (language, onboarding, clause) and by relay_in. The clause
 * text lives in the catalogs; the centre's name, contact and the
 * retention period come from the configuration.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "about.h"
#include "config.h"
#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

/* In enum lang order; each name in its own language, never translated. */
static const char *const onboard_language_names[LANG_COUNT] = {
	"Polski", "Українська", "Русский", "English",
};

int
onboard_status(struct hctx *ctx, int *has_lang, int *consented)
{
	struct people_tg	 who;

	if (people_find_tg(ctx->people, ctx->in->user_id, &who) !=
	    PEOPLE_OK)
		return -1;
	*has_lang = who.who == PEOPLE_MEMBER && who.member_language[0] != '\0';
	*consented = who.who == PEOPLE_MEMBER && who.consented;
	return 0;
}

/*
 * The button to tick: a member's own choice once made, else what their
 * Telegram app is set to, else the family's language.
 */
static enum lang
onboard_language_marked(const struct hctx *ctx)
{
	enum lang	 l;

	if (ctx->sender == SENDER_FAMILY ||
	    lang_parse(ctx->in->lang, &l) == -1)
		return ctx->lang;
	return l;
}

int
onboard_language(struct hctx *ctx, const char *lead)
{
	struct out_button	 b[LANG_COUNT];
	char			*label[LANG_COUNT], *data[LANG_COUNT];
	char			*prompt, *text;
	enum lang		 mark = onboard_language_marked(ctx);
	int			 i, rc;

	for (i = 0; i < LANG_COUNT; i++) {
		label[i] = xasprintf("%s%s", (enum lang)i == mark ? "✓ " : "",
		    onboard_language_names[i]);
		data[i] = xasprintf(ONBOARD_LANGUAGE_CB "%s",
		    lang_code((enum lang)i));
		b[i].text = label[i];
		b[i].data = data[i];
	}
	prompt = reply_format(ctx, N_("Please choose the language in which I "
	    "should write to you:"), NULL, 0);
	text = lead != NULL ? xasprintf("%s\n\n%s", lead, prompt) :
	    xstrdup(prompt);
	rc = reply_buttons(ctx, text, b, LANG_COUNT, 2);
	for (i = 0; i < LANG_COUNT; i++) {
		free(label[i]);
		free(data[i]);
	}
	free(prompt);
	free(text);
	return rc;
}

/* The sentence naming the legal basis the centre chose. */
static const char *
onboard_basis(struct hctx *ctx)
{
	if (ctx->cfg->legal_basis == PRIVACY_BASIS_PUBLIC_TASK)
		return i18n_get(ctx->i18n, ctx->lang, N_("Legal basis: the "
		    "centre's tasks under the Social Assistance Act (GDPR art. "
		    "6(1)(e) and 9(2)(h))."));
	return i18n_get(ctx->i18n, ctx->lang, N_("Legal basis: your consent "
	    "(GDPR art. 6(1)(a) and 9(2)(a))."));
}

char *
onboard_clause(struct hctx *ctx)
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
	args[2] = onboard_basis(ctx);
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
	    "• /stop turns off announcements, and with one more button "
	    "visit reminders too. To stop using this chat or to have your "
	    "data erased, tell your assistant."), args, 4);
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
onboard_consent_offer(struct hctx *ctx, const char *lead)
{
	struct out_button	 b;
	char			*clause, *label, *text;
	int			 rc;

	clause = onboard_clause(ctx);
	label = reply_format(ctx, N_("I agree"), NULL, 0);
	text = lead != NULL ? xasprintf("%s\n\n%s", lead, clause) :
	    xstrdup(clause);
	b.text = label;
	b.data = ONBOARD_CONSENT_CB;
	rc = reply_buttons(ctx, text, &b, 1, 1);
	free(clause);
	free(label);
	free(text);
	return rc;
}

int
onboard_welcome(struct hctx *ctx)
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
onboard_offer(struct hctx *ctx, const char *lead)
{
	int	 has_lang, consented;

	if (onboard_status(ctx, &has_lang, &consented) == -1)
		return -1;
	if (!has_lang)
		return onboard_language(ctx, lead);
	if (!consented)
		return onboard_consent_offer(ctx, lead);
	return onboard_welcome(ctx);
}

int
onboard_clause_renew(struct hctx *ctx)
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
	    strcmp(pc.version, ONBOARD_CLAUSE_VERSION) == 0 ||
	    strcmp(pc.shown, ONBOARD_CLAUSE_VERSION) == 0)
		return 0;
	lead = reply_format(ctx, N_("We have updated the information about "
	    "how we handle your data. Your messages reach your assistant as "
	    "before; please read it and press OK."), NULL, 0);
	clause = onboard_clause(ctx);
	text = xasprintf("%s\n\n%s", lead, clause);
	data = xasprintf(ONBOARD_CLAUSE_CB "%s", ONBOARD_CLAUSE_VERSION);
	/* TRANSLATORS: the button under an updated information clause. */
	b.text = i18n_get(ctx->i18n, ctx->lang, N_("OK"));
	b.data = data;
	rc = reply_buttons(ctx, text, &b, 1, 1);
	if (rc == 0)
		rc = people_member_clause_shown(ctx->people, ctx->member_id,
		    ONBOARD_CLAUSE_VERSION) == PEOPLE_OK ? 0 : -1;
	if (rc == 0)
		log_info("event=member.clause_shown member_id=%" PRId64
		    " version=%s", ctx->member_id, ONBOARD_CLAUSE_VERSION);
	free(lead);
	free(clause);
	free(text);
	free(data);
	return rc;
}
