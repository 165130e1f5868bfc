/*
 * Anything else from someone we do not know: say who we are, in private
 * chats only (the bot may sit in a staff group). Nothing is relayed.
 */
#include "about.h"
#include "handler.h"
#include "reply.h"

static int
unknown_exec(struct hctx *ctx)
{
	if (ctx->in->kind == INBOUND_CALLBACK)
		return reply_callback_answer(ctx, NULL);
	if (!ctx->in->chat_is_private || ctx->in->kind == INBOUND_MEMBER)
		return 0;
	return about_bot(ctx);
}

const struct handler_entry handler_unknown_entry = {
	.name = "unknown",
	.from = SENDER_UNKNOWN,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = unknown_exec,
};
