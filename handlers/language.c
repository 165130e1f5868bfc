/*
 * /language and the language buttons: a member chooses Polski, Українська,
 * Русский or English, and everything the bot sends them follows. During
 * first contact the choice leads on to the consent clause.
 */
#include <inttypes.h>
#include <string.h>

#include "handler.h"
#include "log.h"
#include "onboard.h"
#include "people.h"
#include "reply.h"

/* "lang:uk" -> LANG_UK; -1 for anything else. */
static int
language_from_data(const char *data, enum lang *out)
{
	int	 i;

	if (data == NULL || strncmp(data, ONBOARD_LANGUAGE_CB,
	    strlen(ONBOARD_LANGUAGE_CB)) != 0)
		return -1;
	data += strlen(ONBOARD_LANGUAGE_CB);
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
		return onboard_offer(ctx, NULL);
	return reply_tr(ctx, N_("Done. From now on I will write to you in "
	    "English."), NULL, 0);
}

static int
language_exec(struct hctx *ctx)
{
	if (ctx->in->kind == INBOUND_CALLBACK)
		return language_choose(ctx);
	return onboard_language(ctx, NULL);
}

const struct handler_entry handler_language_entry = {
	.name = "language",
	.from = SENDER_FAMILY | SENDER_NEWCOMER,
	.kinds = INBOUND_BIT(INBOUND_COMMAND) | INBOUND_BIT(INBOUND_CALLBACK),
	.match = "/language",
	.callback = ONBOARD_LANGUAGE_CB,
	.exec = language_exec,
};
