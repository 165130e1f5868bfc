/* /assistant: who answers the family and when (conv/about.c). */
#include <stdlib.h>

#include "about.h"
#include "handler.h"
#include "reply.h"

static int
assistant_exec(struct hctx *ctx)
{
	char	*text;
	int	 rc;

	if (about_assistant(ctx, &text) == -1)
		return -1;
	rc = reply_text(ctx, text);
	free(text);
	return rc;
}

const struct handler_entry handler_assistant_entry = {
	.name = "assistant",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/assistant",
	.exec = assistant_exec,
};
