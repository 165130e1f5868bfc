/* /help for staff, in their language. */
#include <stdlib.h>

#include "about.h"
#include "handler.h"
#include "reply.h"

static int
staff_help_exec(struct hctx *ctx)
{
	char	*text;
	int	 rc;

	text = about_staff(ctx);
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

const struct handler_entry handler_staff_help_entry = {
	.name = "staff_help",
	.from = SENDER_STAFF,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/help",
	.exec = staff_help_exec,
};
