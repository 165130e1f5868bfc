/* /help for people without a linked account. */
#include "config.h"
#include "handler.h"
#include "reply.h"

static int
help_exec(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_tr(ctx, N_("I pass messages between families and their "
	    "assistants at %s.\n\nCommands:\n/start CODE — link your account "
	    "with an invitation code\n/help — this help\n\nIn an emergency, "
	    "call 112."), args, 1);
}

const struct handler_entry handler_help_entry = {
	.name = "help",
	.from = SENDER_UNKNOWN,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = help_exec,
};
