/* /help for staff, in their language. */
#include "config.h"
#include "handler.h"
#include "reply.h"

static int
staff_help_exec(struct hctx *ctx)
{
	const char	*args[] = { ctx->cfg->centre_name };

	return reply_tr(ctx, N_("Messages from your families at %s arrive "
	    "here, each with a header: family code, first name, language, "
	    "channel.\n\nTo answer, reply to the family's message (swipe it "
	    "or choose Reply). Texts, photos, documents and voice messages "
	    "are passed on.\n\n/families — your families with unread "
	    "messages; choose one, and your next message goes there\n/to "
	    "CODE text — write to a family directly, e.g. /to R-0042 Good "
	    "morning\n/help — this help\n\n👌 on your message means it "
	    "was delivered; if it was not, I reply with the reason."), args,
	    1);
}

const struct handler_entry handler_staff_help_entry = {
	.name = "staff_help",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = staff_help_exec,
};
