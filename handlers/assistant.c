/* XXX issue 5: not written yet; placeholder so the table links. */
#include "handler.h"

static int
assistant_exec(struct hctx *ctx)
{
	(void)ctx;
	return 0;
}

const struct handler_entry handler_assistant_entry = {
	.name = "assistant",
	.from = SENDER_FAMILY,
	.kinds = INBOUND_BIT(INBOUND_COMMAND),
	.match = "/assistant",
	.exec = assistant_exec,
};
