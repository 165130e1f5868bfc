/* /start: who we are. Invitation codes link accounts (Staff tool). */
#include "app.h"
#include "config.h"
#include "handler.h"
#include "reply.h"

int
start_introduce(struct hctx *ctx)
{
	const char	*args[] = { ctx->app->cfg->centre_name };

	return reply_tr(ctx, N_("This is the bot of %s. To write to your "
	    "assistant, ask them for an invitation link and open it, or send "
	    "/start followed by the invitation code."), args, 1);
}

static int
start_exec(struct hctx *ctx)
{
	return start_introduce(ctx);
}

const struct handler_entry handler_start_entry = {
	.name = "start",
	.from = SENDER_UNKNOWN,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/start",
	.exec = start_exec,
};
