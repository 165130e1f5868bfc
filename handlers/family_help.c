/* /help for families: what the bot does, the commands, emergencies. */
#include "config.h"
#include "handler.h"
#include "reply.h"

static int
family_help_exec(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_tr(ctx, N_("I pass your messages to your assistant at %s "
	    "and their answers back to you. Just write here: texts, photos, "
	    "documents and voice messages all reach them.\n\n"
	    "Commands:\n"
	    "/assistant — who answers you and when\n"
	    "/language — change the language\n"
	    "/stop — stop announcements (and, if you choose, visit "
	    "reminders)\n"
	    "/start — turn them back on\n"
	    "/help — this help\n\n"
	    "In an emergency, call 112."), args, 1);
}

const struct handler_entry handler_family_help_entry = {
	.name = "family_help",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = family_help_exec,
};
