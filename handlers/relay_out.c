/*
 * Staff to a family: a Telegram reply to a relayed message goes to that
 * family's member who wrote; any other message goes to the staff
 * member's current family (chosen with /families or /to).
 */
#include <inttypes.h>
#include <string.h>

#include "answer.h"
#include "conv.h"
#include "handler.h"
#include "log.h"
#include "reply.h"

static int
relay_out_reply(struct hctx *ctx, const char *text, int important)
{
	struct conv_trace	 tr;
	struct answer_to	 a = { 0, 0, 0, NULL, 0 };

	if (conv_trace(ctx->conv, ctx->in->chat_id, ctx->in->reply_to,
	    &tr) == -1)
		return -1;
	if (!tr.found)
		return reply_tr(ctx, N_("That message is not from a family, so "
		    "I do not know where to send your answer. Reply to a "
		    "family's message, or use /families or /to."), NULL, 0);
	if (tr.family_id == 0)
		return reply_tr(ctx, N_("This family is no longer in the "
		    "register; nothing was sent."), NULL, 0);
	a.family_id = tr.family_id;
	a.member_id = tr.member_id;
	a.reply_to = tr.src_message_id;
	a.text = text;
	a.important = important;
	return answer_send(ctx, &a);
}

static int
relay_out_current(struct hctx *ctx, const char *text, int important)
{
	struct answer_to	 a = { 0, 0, 0, NULL, 0 };

	if (conv_current(ctx->conv, ctx->staff_id, &a.family_id) == -1)
		return -1;
	if (a.family_id == 0)
		return reply_tr(ctx, N_("To answer a family, reply to their "
		    "message. To start a conversation, choose a family with "
		    "/families, or send /to CODE text (for example /to R-0042 "
		    "Good morning)."), NULL, 0);
	a.text = text;
	a.important = important;
	return answer_send(ctx, &a);
}

/*
 * "/sms text", as a reply or to the current family: an answer that must
 * arrive, by SMS when Telegram cannot deliver it.
 */
static int
relay_out_sms(struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;

	if (in->args == NULL || in->args[0] == '\0')
		return reply_tr(ctx, N_("Write the answer after /sms, for "
		    "example as a reply: /sms Please come on Monday at 10."),
		    NULL, 0);
	if (in->reply_to != 0)
		return relay_out_reply(ctx, in->args, 1);
	return relay_out_current(ctx, in->args, 1);
}

static int
relay_out_exec(struct hctx *ctx)
{
	const struct inbound	*in = ctx->in;

	/* Staff talk in a group the bot sits in is not for families. */
	if (!in->chat_is_private && in->kind != INBOUND_CALLBACK)
		return 0;
	switch (in->kind) {
	case INBOUND_TEXT:
	case INBOUND_MEDIA:
		if (in->reply_to != 0)
			return relay_out_reply(ctx, NULL, 0);
		return relay_out_current(ctx, NULL, 0);
	case INBOUND_EDIT:
		return reply_tr(ctx, N_("Edits are not passed on to families. "
		    "Please send the correction as a new message."), NULL, 0);
	case INBOUND_OTHER:
		return reply_tr(ctx, N_("This kind of message cannot be passed "
		    "on to a family."), NULL, 0);
	case INBOUND_COMMAND:
		if (strcmp(in->command, "/sms") == 0)
			return relay_out_sms(ctx);
		return reply_tr(ctx, N_("I do not know this command. /help "
		    "lists the commands for staff."), NULL, 0);
	case INBOUND_CALLBACK:
		return reply_callback_answer(ctx, NULL);
	case INBOUND_MEMBER:
		return 0;
	}
	return 0;
}

const struct handler_entry handler_relay_out_entry = {
	.name = "relay_out",
	.from = SENDER_STAFF,
	.kinds = INBOUND_ANY,
	.match = NULL,
	.exec = relay_out_exec,
};
