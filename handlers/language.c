/*
 * /language and the language buttons: a member chooses Polski, Українська,
 * Русский or English, and everything the bot sends them follows. During
 * first contact the choice leads on to the consent clause.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "log.h"
#include "people.h"
#include "reply.h"
#include "xmalloc.h"

#define LANGUAGE_CB	"lang:"

/* In enum lang order; each name in its own language, never translated. */
static const char *const language_names[LANG_COUNT] = {
	"Polski", "Українська", "Русский", "English",
};

/*
 * The button to tick: a member's own choice once made, else what their
 * Telegram app is set to, else the family's language.
 */
static enum lang
language_marked(const struct hctx *ctx)
{
	enum lang	 l;

	if (ctx->sender == SENDER_FAMILY ||
	    lang_parse(ctx->in->lang, &l) == -1)
		return ctx->lang;
	return l;
}

int
language_offer(struct hctx *ctx, const char *lead)
{
	struct out_button	 b[LANG_COUNT];
	char			*label[LANG_COUNT], *data[LANG_COUNT];
	char			*prompt, *text;
	enum lang		 mark = language_marked(ctx);
	int			 i, rc;

	for (i = 0; i < LANG_COUNT; i++) {
		label[i] = xasprintf("%s%s", (enum lang)i == mark ? "✓ " : "",
		    language_names[i]);
		data[i] = xasprintf(LANGUAGE_CB "%s", lang_code((enum lang)i));
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

/* "lang:uk" -> LANG_UK; -1 for anything else. */
static int
language_from_data(const char *data, enum lang *out)
{
	int	 i;

	if (data == NULL || strncmp(data, LANGUAGE_CB,
	    strlen(LANGUAGE_CB)) != 0)
		return -1;
	data += strlen(LANGUAGE_CB);
	for (i = 0; i < LANG_COUNT; i++) {
		if (strcmp(data, lang_code((enum lang)i)) == 0) {
			*out = (enum lang)i;
			return 0;
		}
	}
	return -1;
}

static int
language_choose(struct hctx *ctx)
{
	enum lang	 l;

	if (reply_callback_answer(ctx, NULL) == -1)
		return -1;
	if (language_from_data(ctx->in->callback_data, &l) == -1) {
		log_info("event=language.bad_button inbound_id=%" PRId64,
		    ctx->in->row);
		return 0;
	}
	if (people_member_set_language(ctx->people, ctx->member_id,
	    lang_code(l)) != PEOPLE_OK || reply_drop_keyboard(ctx) == -1)
		return -1;
	ctx->lang = l;
	log_info("event=member.language member_id=%" PRId64 " lang=%s",
	    ctx->member_id, lang_code(l));
	/* First contact goes on to consent; a family just hears it worked. */
	if (ctx->sender == SENDER_NEWCOMER)
		return onboarding_offer(ctx, NULL);
	return reply_tr(ctx, N_("Done. From now on I will write to you in "
	    "English."), NULL, 0);
}

static int
language_exec(struct hctx *ctx)
{
	if (ctx->in->kind == INBOUND_CALLBACK)
		return language_choose(ctx);
	return language_offer(ctx, NULL);
}

const struct handler_entry handler_language_entry = {
	.name = "language",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND) | INBOUND_BIT(INBOUND_CALLBACK),
	.match = "/language",
	.callback = LANGUAGE_CB,
	.exec = language_exec,
};
